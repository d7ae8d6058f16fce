/* cmd_run.c: `blockade run`: one replication of a scenario, told in plain words or as JSON, and
 * optionally written to an output directory with a manifest that makes it reproducible. Each
 * run is recorded in the run store (see docs/store.md) when there is one. */
#include "cli.h"
#include "outdir.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_SEED, OPT_REPLICATION, OPT_DAYS, OPT_OUT, OPT_FORCE, OPT_CHECK, OPT_NO_CHECK,
       OPT_JSON, OPT_QUIET, OPT_STORE, OPT_NO_STORE };

/* Same order as the enum above. */
const cli_option cli_run_options[] = {
    {"seed", CLI_OPT_UINT, "N", 0, UINT64_MAX,
     "base seed of the random streams (default: the scenario's)"},
    {"replication", CLI_OPT_UINT, "N", 0, UINT32_MAX,
     "replication number: an independent set of streams (default 0)"},
    CLI_OPTION_DAYS,
    {"out", CLI_OPT_STRING, "DIR", 0, 0,
     "write the output files into DIR (absent or empty unless --force)"},
    {"force", CLI_OPT_FLAG, NULL, 0, 0,
     "with --out, replace a non-empty DIR once the new one is complete"},
    {"check", CLI_OPT_FLAG, NULL, 0, 0, "check the model's invariants every day (the default)"},
    {"no-check", CLI_OPT_FLAG, NULL, 0, 0, "do not check the invariants"},
    {"json", CLI_OPT_FLAG, NULL, 0, 0, "print the summary as JSON instead of the story"},
    {"quiet", CLI_OPT_FLAG, NULL, 0, 0,
     "no story and no progress; errors only (--json still prints)"},
    {"store", CLI_OPT_STRING, "FILE", 0, 0,
     "record the run in the run store FILE (default: $BLOCKADE_STORE, else runs.sqlite beside "
     "--out DIR)"},
    {"no-store", CLI_OPT_FLAG, NULL, 0, 0, "do not record the run in a run store"},
    CLI_OPTION_END,
};

static bk_status daily_of(const void *r, FILE *f) { return bk_run_write_daily_csv(r, f); }
static bk_status events_of(const void *r, FILE *f) { return bk_run_write_events_csv(r, f); }
static bk_status geojson_of(const void *r, FILE *f) { return bk_run_write_events_geojson(r, f); }
static bk_status summary_of(const void *r, FILE *f) { return bk_run_write_summary_json(r, f); }
static bk_status story_of(const void *r, FILE *f) { return bk_run_write_story(r, f); }

/* The files of a run's output directory, in manifest order. */
#define N_RUN_FILES 6
static const char *const run_files[N_RUN_FILES] = {"daily.csv",    "events.csv",
                                                   "events.geojson", "summary.json",
                                                   "manifest.json", "scenario.yaml"};

/* What manifest.json and scenario.yaml are written from. */
typedef struct run_files_ctx {
    const cli_invocation *inv;
    const bk_scenario *sc;
    const char *path;
    const bk_run_config *cfg;
    const bk_run *run;
} run_files_ctx;

/* The program's name without its directory, so the manifest does not depend on where the tool
 * is installed. */
static const char *program_name(const char *argv0)
{
    const char *slash = strrchr(argv0, '/');
    return slash ? slash + 1 : argv0;
}

/* manifest.json: everything needed to run the same command again, and nothing that changes
 * from one run of it to the next (no time, no host, no absolute path of the tool). */
static bk_status write_manifest(const void *ctx, FILE *f)
{
    const run_files_ctx *c = ctx;
    bk_run_totals totals;
    bk_run_get_totals(c->run, &totals);
    char hash[65];
    bk_scenario_hash(c->sc, hash);
    fputs("{\n  \"blockade_version\": ", f);
    bk_json_write_string(f, bk_version(), false);
    fputs(",\n  \"scenario\": {\n    \"name\": ", f);
    bk_json_write_string(f, bk_scenario_name(c->sc), false);
    fputs(",\n    \"file\": ", f);
    bk_json_write_string(f, c->path, false);
    fputs(",\n    \"sha256\": ", f);
    bk_json_write_string(f, hash, false);
    fprintf(f, "\n  },\n  \"seed\": %" PRIu64 ",\n  \"replication\": %" PRIu32
               ",\n  \"days\": %d,\n  \"check_invariants\": %s,\n  \"command\": [",
            c->cfg->seed, c->cfg->replication, totals.days,
            c->cfg->check_invariants ? "true" : "false");
    for (int i = 0; i < c->inv->argc; i++) {
        fputs(i ? ", " : "", f);
        bk_json_write_string(f, i == 0 ? program_name(c->inv->argv[0]) : c->inv->argv[i],
                             false);
    }
    fputs("],\n  \"files\": [", f);
    for (int i = 0; i < N_RUN_FILES; i++) {
        fputs(i ? ", " : "", f);
        bk_json_write_string(f, run_files[i], false);
    }
    fputs("]\n}\n", f);
    return BK_OK;
}

/* Writes every output file into the claimed directory and commits it; returns an exit code. */
static int write_outputs(cli_outdir *od, const run_files_ctx *c)
{
    const cli_output files[N_RUN_FILES] = {
        {run_files[0], daily_of, c->run},         {run_files[1], events_of, c->run},
        {run_files[2], geojson_of, c->run},       {run_files[3], summary_of, c->run},
        {run_files[4], write_manifest, c},        {run_files[5], cli_write_scenario, c->sc}};
    return cli_outdir_write(od, files, N_RUN_FILES);
}

/* What the store records besides the columns it has for them; NULL when out of memory. */
static char *params_json(const char *path, const bk_run_config *cfg)
{
    cli_text t;
    FILE *f = cli_text_open(&t);
    if (f) {
        fputs("{\"scenario_file\": ", f);
        bk_json_write_string(f, path, false);
        fprintf(f, ", \"replication\": %" PRIu32 ", \"check_invariants\": %s}",
                cfg->replication, cfg->check_invariants ? "true" : "false");
    }
    return cli_text_close(&t, true);
}

/* Fills the run configuration from the options, which the parser has range-checked. */
static void configure(const cli_invocation *inv, const bk_scenario *sc, bk_run_config *cfg)
{
    const cli_value *opt = inv->opt;
    bk_run_config_init(cfg, sc);
    cfg->cancel = &cli_interrupted;
    if (opt[OPT_SEED].set)
        cfg->seed = (uint64_t)opt[OPT_SEED].num;
    if (opt[OPT_REPLICATION].set)
        cfg->replication = (uint32_t)opt[OPT_REPLICATION].num;
    if (opt[OPT_DAYS].set)
        cfg->days = (int)opt[OPT_DAYS].num;
    if (opt[OPT_CHECK].set)
        cfg->check_invariants = true;
    if (opt[OPT_NO_CHECK].set)
        cfg->check_invariants = false;
}

/* `blockade run [FILE] [options]`. */
int cli_cmd_run(const cli_invocation *inv)
{
    const cli_value *opt = inv->opt;
    if (opt[OPT_CHECK].set && opt[OPT_NO_CHECK].set)
        return cli_usage_error("run: --check and --no-check cannot be used together");
    int rc = cli_check_out_store(inv);
    if (rc != CLI_EXIT_OK)
        return rc;
    const char *path = inv->n_args > 0 ? inv->args[0] : NULL;
    const char *out = opt[OPT_OUT].set ? opt[OPT_OUT].str : NULL;
    bool quiet = opt[OPT_QUIET].set;
    /* the store is chosen (and a store inside --out refused) before the scenario is read */
    char *store_path = NULL;
    rc = cli_store_choose(opt[OPT_NO_STORE].set, opt[OPT_STORE].set ? opt[OPT_STORE].str : NULL,
                          out, &store_path);
    free(store_path);
    if (rc != CLI_EXIT_OK)
        return rc;

    bk_scenario *sc = NULL;
    rc = cli_load_scenario(path, &sc);
    if (rc != CLI_EXIT_OK)
        return rc;
    bk_run_config cfg;
    configure(inv, sc, &cfg);

    /* Claim the output directory before the run, so that a wrong --out fails at once. */
    cli_outdir od;
    bool have_out = false;
    if (opt[OPT_OUT].set) {
        char msg[1024];
        if (cli_outdir_begin(&od, opt[OPT_OUT].str, opt[OPT_FORCE].set, msg, sizeof msg) != 0) {
            cli_error("%s", msg);
            bk_scenario_free(sc);
            return CLI_EXIT_IO;
        }
        have_out = true;
    }

    /* Record the start before the run (after DIR's parents exist: the default store is
     * there); a store that cannot be opened stops everything before it starts. */
    cli_record rec;
    char *params = params_json(path, &cfg);
    rc = params ? cli_record_scenario(&rec, inv, out, "run", sc, cfg.seed, 1, cfg.days, params)
                : (cli_error("out of memory"), CLI_EXIT_INTERNAL);
    free(params);
    if (rc != CLI_EXIT_OK) {
        if (have_out)
            cli_outdir_abort(&od);
        bk_scenario_free(sc);
        return rc;
    }

    bk_run *run = NULL;
    bk_error err = {0};
    bk_status st = bk_sim_run(sc, &cfg, &run, &err);
    if (cli_interrupted) {
        rc = CLI_EXIT_INTERRUPTED;
    } else if (st != BK_OK) {
        rc = cli_report(st, &err);
    } else if (have_out) {
        run_files_ctx ctx = {inv, sc, path, &cfg, run};
        rc = write_outputs(&od, &ctx);
    }
    if (have_out)
        cli_outdir_abort(&od); /* removes the temporary directory unless it was committed */
    char *summary = rec.store && run ? cli_text_of(summary_of, run) : NULL;
    rc = cli_record_finish(&rec, rc, summary);
    free(summary);
    if (rc == CLI_EXIT_INTERRUPTED)
        cli_error("interrupted");

    if (rc == CLI_EXIT_OK)
        rc = cli_print_result(run, summary_of, story_of, opt[OPT_JSON].set, quiet,
                              have_out ? out : NULL);
    bk_run_free(run);
    bk_scenario_free(sc);
    return rc;
}
