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
    {"days", CLI_OPT_UINT, "N", 1, CLI_MAX_DAYS, "horizon in days (default: the scenario's)"},
    {"out", CLI_OPT_STRING, "DIR", 0, 0,
     "write the output files into DIR (absent or empty unless --force)"},
    {"force", CLI_OPT_FLAG, NULL, 0, 0, "with --out, replace a non-empty DIR once the new one is complete"},
    {"check", CLI_OPT_FLAG, NULL, 0, 0, "check the model's invariants every day (the default)"},
    {"no-check", CLI_OPT_FLAG, NULL, 0, 0, "do not check the invariants"},
    {"json", CLI_OPT_FLAG, NULL, 0, 0, "print the summary as JSON instead of the story"},
    {"quiet", CLI_OPT_FLAG, NULL, 0, 0, "no story and no progress; errors only (--json still prints)"},
    {"store", CLI_OPT_STRING, "FILE", 0, 0,
     "record the run in the run store FILE (default: $BLOCKADE_STORE, else runs.sqlite beside "
     "--out DIR)"},
    {"no-store", CLI_OPT_FLAG, NULL, 0, 0, "do not record the run in a run store"},
    {NULL, CLI_OPT_FLAG, NULL, 0, 0, NULL},
};

/* The library's writers, one file each, in manifest order. */
static const struct {
    const char *name;
    bk_status (*write)(const bk_run *run, FILE *out);
} run_outputs[] = {
    {"daily.csv", bk_run_write_daily_csv},
    {"events.csv", bk_run_write_events_csv},
    {"events.geojson", bk_run_write_events_geojson},
    {"summary.json", bk_run_write_summary_json},
};

#define N_RUN_OUTPUTS (sizeof run_outputs / sizeof run_outputs[0])

/* A JSON string literal. Control characters are escaped; bytes >= 0x80 pass through, so UTF-8
 * input stays UTF-8. */
static void put_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* The program's name without its directory, so the manifest does not depend on where the tool
 * is installed. */
static const char *program_name(const char *argv0)
{
    const char *slash = strrchr(argv0, '/');
    return slash ? slash + 1 : argv0;
}

/* manifest.json: everything needed to run the same command again, and nothing that changes
 * from one run of it to the next (no time, no host, no absolute path of the tool). */
static void write_manifest(FILE *f, const cli_invocation *inv, const bk_scenario *sc,
                           const char *path, const bk_run_config *cfg, int days)
{
    char hash[65];
    bk_scenario_hash(sc, hash);
    fputs("{\n  \"blockade_version\": ", f);
    put_json_string(f, bk_version());
    fputs(",\n  \"scenario\": {\n    \"name\": ", f);
    put_json_string(f, bk_scenario_name(sc));
    fputs(",\n    \"file\": ", f);
    if (path)
        put_json_string(f, path);
    else
        fputs("null", f);
    fputs(",\n    \"sha256\": ", f);
    put_json_string(f, hash);
    fprintf(f, "\n  },\n  \"seed\": %" PRIu64 ",\n  \"replication\": %" PRIu32
               ",\n  \"days\": %d,\n  \"check_invariants\": %s,\n  \"command\": [",
            cfg->seed, cfg->replication, days, cfg->check_invariants ? "true" : "false");
    for (int i = 0; i < inv->argc; i++) {
        fputs(i ? ", " : "", f);
        put_json_string(f, i == 0 ? program_name(inv->argv[0]) : inv->argv[i]);
    }
    fputs("],\n  \"files\": [", f);
    for (size_t i = 0; i < N_RUN_OUTPUTS; i++) {
        put_json_string(f, run_outputs[i].name);
        fputs(", ", f);
    }
    fputs("\"manifest.json\", \"scenario.yaml\"]\n}\n", f);
}

/* Writes every output file into the temporary directory; returns an exit code. */
static int write_outputs(cli_outdir *od, const cli_invocation *inv, const bk_scenario *sc,
                         const char *path, const bk_run_config *cfg, const bk_run *run)
{
    char msg[1024];
    for (size_t i = 0; i < N_RUN_OUTPUTS + 2; i++) {
        const char *name = i < N_RUN_OUTPUTS ? run_outputs[i].name
                           : i == N_RUN_OUTPUTS ? "manifest.json" : "scenario.yaml";
        if (cli_interrupted)
            return CLI_EXIT_INTERRUPTED;
        FILE *f = cli_outdir_open(od, name, msg, sizeof msg);
        if (!f) {
            cli_error("%s", msg);
            return CLI_EXIT_IO;
        }
        bk_status st = BK_OK;
        if (i < N_RUN_OUTPUTS) {
            st = run_outputs[i].write(run, f);
        } else if (i == N_RUN_OUTPUTS) {
            bk_run_totals totals;
            bk_run_get_totals(run, &totals);
            write_manifest(f, inv, sc, path, cfg, totals.days);
        } else {
            size_t len = 0;
            const char *text = bk_scenario_text(sc, &len);
            if (fwrite(text, 1, len, f) != len)
                st = BK_ERR_IO;
        }
        int closed = cli_outdir_close(od, f, name, msg, sizeof msg);
        if (st != BK_OK && st != BK_ERR_IO) {
            cli_error("cannot write '%s/%s': %s", od->final, name, bk_status_str(st));
            return cli_exit_for_status(st);
        }
        if (st != BK_OK || closed != 0) {
            if (closed != 0)
                cli_error("%s", msg);
            else
                cli_error("cannot write '%s/%s': %s", od->final, name, bk_status_str(st));
            return CLI_EXIT_IO;
        }
    }
    if (cli_interrupted)
        return CLI_EXIT_INTERRUPTED;
    int committed = cli_outdir_commit(od, msg, sizeof msg);
    if (committed < 0) {
        cli_error("%s", msg);
        return CLI_EXIT_IO;
    }
    if (committed > 0)
        cli_error("%s", msg); /* new outputs in place; the old ones could not be removed */
    return CLI_EXIT_OK;
}

/* What the store records besides the columns it has for them. */
static void write_params_json(FILE *f, const char *path, const bk_run_config *cfg)
{
    fputs("{\"scenario_file\": ", f);
    if (path)
        put_json_string(f, path);
    else
        fputs("null", f);
    fprintf(f, ", \"replication\": %" PRIu32 ", \"check_invariants\": %s}", cfg->replication,
            cfg->check_invariants ? "true" : "false");
}

/* Records the start of this run in the store (see record.c). */
static int record_begin(cli_record *rec, const char *store_path, const cli_invocation *inv,
                        const bk_scenario *sc, const char *path, const bk_run_config *cfg)
{
    char *params = NULL;
    size_t params_len = 0;
    FILE *pf = open_memstream(&params, &params_len);
    if (pf == NULL) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    write_params_json(pf, path, cfg);
    if (fclose(pf) != 0) {
        free(params);
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    char hash[65];
    bk_scenario_hash(sc, hash);
    size_t text_len = 0;
    const char *text = bk_scenario_text(sc, &text_len);
    cli_record_info info = {
        .kind = "run",
        .scenario_name = bk_scenario_name(sc),
        .scenario_sha256 = hash,
        .scenario_text = text,
        .scenario_len = text_len,
        .seed = cfg->seed,
        .replications = 1,
        .days = cfg->days > 0 ? cfg->days : bk_scenario_days(sc),
        .params_json = params,
        .out = inv->opt[OPT_OUT].set ? inv->opt[OPT_OUT].str : NULL,
    };
    int rc = cli_record_begin(rec, store_path, inv, &info);
    free(params);
    return rc;
}

/* Records how the run ended, with its summary (see record.c). */
static int record_finish(cli_record *rec, int rc, const bk_run *run)
{
    char *summary = NULL;
    size_t summary_len = 0;
    if (rec->store && run) {
        FILE *f = open_memstream(&summary, &summary_len);
        if (f && (bk_run_write_summary_json(run, f) != BK_OK || fclose(f) != 0)) {
            free(summary); /* the end is recorded even when the summary cannot be */
            summary = NULL;
        }
    }
    rc = cli_record_finish(rec, rc, summary);
    free(summary);
    return rc;
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
    if (opt[OPT_FORCE].set && !opt[OPT_OUT].set)
        return cli_usage_error("run: --force needs --out DIR");
    if (opt[OPT_STORE].set && opt[OPT_NO_STORE].set)
        return cli_usage_error("run: --store and --no-store cannot be used together");
    const char *path = inv->n_args > 0 ? inv->args[0] : NULL;
    bool quiet = opt[OPT_QUIET].set;
    char *store_path = NULL;
    int rc = cli_store_choose(opt[OPT_NO_STORE].set, opt[OPT_STORE].set ? opt[OPT_STORE].str : NULL,
                              opt[OPT_OUT].set ? opt[OPT_OUT].str : NULL, &store_path);
    if (rc != CLI_EXIT_OK)
        return rc;

    bk_scenario *sc = NULL;
    rc = cli_load_scenario(path, &sc);
    if (rc != CLI_EXIT_OK) {
        free(store_path);
        return rc;
    }
    bk_run_config cfg;
    configure(inv, sc, &cfg);

    /* Claim the output directory before the run, so that a wrong --out fails at once. */
    cli_outdir od;
    bool have_out = false;
    if (opt[OPT_OUT].set) {
        char msg[1024];
        if (cli_outdir_begin(&od, opt[OPT_OUT].str, opt[OPT_FORCE].set, msg, sizeof msg) != 0) {
            cli_error("%s", msg);
            free(store_path);
            bk_scenario_free(sc);
            return CLI_EXIT_IO;
        }
        have_out = true;
    }

    /* Record the start before the run (after DIR's parents exist: the default store is
     * there); a store that cannot be opened stops everything before it starts. */
    cli_record rec = {NULL, 0};
    if (store_path) {
        rc = record_begin(&rec, store_path, inv, sc, path, &cfg);
        free(store_path);
        if (rc != CLI_EXIT_OK) {
            if (have_out)
                cli_outdir_abort(&od);
            bk_scenario_free(sc);
            return rc;
        }
    }

    bk_run *run = NULL;
    bk_error err;
    memset(&err, 0, sizeof err);
    bk_status st = bk_sim_run(sc, &cfg, &run, &err);
    if (cli_interrupted) {
        rc = CLI_EXIT_INTERRUPTED;
    } else if (st != BK_OK) {
        rc = cli_report(st, &err);
    } else if (have_out) {
        rc = write_outputs(&od, inv, sc, path, &cfg, run);
    }
    if (have_out)
        cli_outdir_abort(&od); /* removes the temporary directory unless it was committed */
    rc = record_finish(&rec, rc, run);
    if (rc == CLI_EXIT_INTERRUPTED)
        cli_error("interrupted");

    if (rc == CLI_EXIT_OK) {
        if (opt[OPT_JSON].set)
            st = bk_run_write_summary_json(run, stdout);
        else if (!quiet)
            st = bk_run_write_story(run, stdout);
        if (st != BK_OK) {
            cli_error("cannot write to standard output: %s", bk_status_str(st));
            rc = cli_exit_for_status(st);
        } else if (have_out && !quiet)
            fprintf(stderr, "outputs written to %s\n", opt[OPT_OUT].str);
    }
    bk_run_free(run);
    bk_scenario_free(sc);
    return rc;
}
