/* cmd_optimise.c: `blockade optimise`: the best use of the defender's levers against today's
 * armed group and against its best response, chosen by a ranking-and-selection procedure and
 * checked against the default on fresh replications (docs/optimise.md). */
#include "cli.h"
#include "outdir.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockade/decide.h"

enum { OPT_LEVERS, OPT_OBJECTIVE, OPT_REPLICATIONS, OPT_MAX_REPLICATIONS, OPT_MAX_EVALS,
       OPT_ADV_EVALS, OPT_FINALISTS, OPT_PCS, OPT_SEED, OPT_THREADS, OPT_DAYS, OPT_OUT,
       OPT_FORCE, OPT_JSON, OPT_QUIET, OPT_STORE, OPT_NO_STORE };

/* Same order as the enum above. */
const cli_option cli_optimise_options[] = {
    {"levers", CLI_OPT_STRING, "FILE", 0, 0,
     "the levers: scenario paths with bounds or choices, budgets, the armed group's levers "
     "(required)"},
    {"objective", CLI_OPT_STRING, "FILE", 0, 0,
     "the harm to minimise: metric weights, mean or CVaR (default: million litres unmet, mean)"},
    {"replications", CLI_OPT_UINT, "N", 2, 1000000,
     "replications per candidate in the search (default 100); -n N is the same"},
    {"max-replications", CLI_OPT_UINT, "N", 2, 100000000,
     "cap of the selection's second stage per finalist (default 10 x N)"},
    {"max-evals", CLI_OPT_UINT, "N", 1, 100000, "candidates the defender's search may simulate "
     "(default 80)"},
    {"adversary-evals", CLI_OPT_UINT, "N", 1, 100000,
     "candidates each best response of the armed group may simulate (default 30)"},
    {"finalists", CLI_OPT_UINT, "K", 2, 100,
     "candidates passed to the selection, the default included (default 4)"},
    {"pcs", CLI_OPT_UINT, "PERCENT", 51, 99,
     "probability of correct selection, in percent (default 95)"},
    {"seed", CLI_OPT_UINT, "N", 0, UINT64_MAX,
     "base seed of the random streams (default: the scenario's)"},
    {"threads", CLI_OPT_UINT, "N", 1, 1024, "worker threads (default: every core)"},
    {"days", CLI_OPT_UINT, "N", 1, CLI_MAX_DAYS, "horizon in days (default: the scenario's)"},
    {"out", CLI_OPT_STRING, "DIR", 0, 0,
     "write optimise.csv, optimise.json and manifest.json into DIR"},
    {"force", CLI_OPT_FLAG, NULL, 0, 0, "with --out, replace a non-empty DIR once the new one is complete"},
    {"json", CLI_OPT_FLAG, NULL, 0, 0, "print optimise.json instead of the table"},
    {"quiet", CLI_OPT_FLAG, NULL, 0, 0, "no table and no progress bar; errors only"},
    {"store", CLI_OPT_STRING, "FILE", 0, 0,
     "record the optimisation in the run store FILE (default: $BLOCKADE_STORE, else "
     "runs.sqlite next to --out)"},
    {"no-store", CLI_OPT_FLAG, NULL, 0, 0, "do not record the optimisation in a run store"},
    {NULL, CLI_OPT_FLAG, NULL, 0, 0, NULL},
};

static char *json_text(const bk_optimise *o)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    bk_status st = bk_optimise_write_json(o, f);
    if (fclose(f) != 0 || st != BK_OK) {
        free(text);
        return NULL;
    }
    return text;
}

/* optimise.csv, optimise.json, manifest.json into DIR, all or nothing. */
static int write_outputs(const bk_optimise *o, const char *dir, bool force)
{
    char msg[1024];
    cli_outdir od;
    if (cli_outdir_begin(&od, dir, force, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        return CLI_EXIT_IO;
    }
    static const char *const names[] = {"optimise.csv", "optimise.json", "manifest.json"};
    int rc = CLI_EXIT_OK;
    for (int i = 0; i < 3 && rc == CLI_EXIT_OK; i++) {
        FILE *f = cli_outdir_open(&od, names[i], msg, sizeof msg);
        if (!f) {
            cli_error("%s", msg);
            rc = CLI_EXIT_IO;
            break;
        }
        bk_status st = BK_OK;
        if (i == 0)
            st = bk_optimise_write_csv(o, f);
        else if (i == 1)
            st = bk_optimise_write_json(o, f);
        else
            fprintf(f, "{\n  \"blockade_version\": \"%s\",\n  \"kind\": \"optimise\",\n"
                       "  \"files\": [\"optimise.csv\", \"optimise.json\", \"manifest.json\"]\n}\n",
                    bk_version());
        if (cli_outdir_close(&od, f, names[i], msg, sizeof msg) != 0) {
            cli_error("%s", msg);
            rc = CLI_EXIT_IO;
        } else if (st != BK_OK) {
            cli_error("cannot write '%s/%s': %s", dir, names[i], bk_status_str(st));
            rc = cli_exit_for_status(st);
        }
    }
    if (rc == CLI_EXIT_OK && cli_interrupted)
        rc = CLI_EXIT_INTERRUPTED;
    if (rc == CLI_EXIT_OK) {
        int committed = cli_outdir_commit(&od, msg, sizeof msg);
        if (committed != 0)
            cli_error("%s", msg);
        if (committed < 0)
            rc = CLI_EXIT_IO;
    }
    cli_outdir_abort(&od);
    return rc;
}

/* `blockade optimise [FILE] --levers FILE [options]`. */
int cli_cmd_optimise(const cli_invocation *inv)
{
    const cli_value *opt = inv->opt;
    if (!opt[OPT_LEVERS].set)
        return cli_usage_error("optimise: --levers FILE is required");
    if (opt[OPT_STORE].set && opt[OPT_NO_STORE].set)
        return cli_usage_error("optimise: --store and --no-store cannot be used together");
    if (opt[OPT_FORCE].set && !opt[OPT_OUT].set)
        return cli_usage_error("optimise: --force needs --out DIR");
    const char *path = inv->n_args > 0 ? inv->args[0] : NULL;
    bk_scenario *sc = NULL;
    int rc = cli_load_scenario(path, &sc);
    if (rc != CLI_EXIT_OK)
        return rc;
    bk_levers *lv = NULL;
    bk_objective *obj = NULL;
    bk_error err;
    memset(&err, 0, sizeof err);
    bk_status st = bk_levers_load_file(opt[OPT_LEVERS].str, sc, &lv, &err);
    if (st == BK_OK)
        st = opt[OPT_OBJECTIVE].set ? bk_objective_load_file(opt[OPT_OBJECTIVE].str, &obj, &err)
                                    : bk_objective_default(&obj, &err);
    if (st != BK_OK) {
        rc = cli_report(st, &err);
        bk_levers_free(lv);
        bk_scenario_free(sc);
        return rc;
    }
    bk_optimise_config cfg;
    bk_optimise_config_init(&cfg, sc);
    if (opt[OPT_REPLICATIONS].set)
        cfg.replications = opt[OPT_REPLICATIONS].num;
    if (opt[OPT_MAX_REPLICATIONS].set)
        cfg.max_replications = opt[OPT_MAX_REPLICATIONS].num;
    if (opt[OPT_MAX_EVALS].set)
        cfg.max_evals = (int)opt[OPT_MAX_EVALS].num;
    if (opt[OPT_ADV_EVALS].set)
        cfg.adversary_evals = (int)opt[OPT_ADV_EVALS].num;
    if (opt[OPT_FINALISTS].set)
        cfg.finalists = (int)opt[OPT_FINALISTS].num;
    if (opt[OPT_PCS].set)
        cfg.pcs = (double)opt[OPT_PCS].num / 100.0;
    if (opt[OPT_SEED].set)
        cfg.seed = (uint64_t)opt[OPT_SEED].num;
    if (opt[OPT_DAYS].set)
        cfg.days = (int)opt[OPT_DAYS].num;
    if (opt[OPT_THREADS].set)
        cfg.threads = (int)opt[OPT_THREADS].num;
    cfg.cancel = &cli_interrupted;

    const char *out = opt[OPT_OUT].set ? opt[OPT_OUT].str : NULL;
    if (out)
        rc = cli_outdir_precheck(out, opt[OPT_FORCE].set);
    char *store_path = NULL;
    cli_record rec;
    memset(&rec, 0, sizeof rec);
    if (rc == CLI_EXIT_OK)
        rc = cli_store_choose(opt[OPT_NO_STORE].set,
                              opt[OPT_STORE].set ? opt[OPT_STORE].str : NULL, out, &store_path);
    if (rc == CLI_EXIT_OK && store_path) {
        char hash[65];
        bk_scenario_hash(sc, hash);
        size_t len = 0;
        const char *text = bk_scenario_text(sc, &len);
        char *params = NULL;
        size_t plen = 0;
        FILE *pf = open_memstream(&params, &plen);
        if (pf) {
            fputs("{\"levers\": \"", pf);
            for (const char *p = opt[OPT_LEVERS].str; *p; p++) {
                if (*p == '"' || *p == '\\')
                    fputc('\\', pf);
                if ((unsigned char)*p >= 0x20)
                    fputc(*p, pf);
            }
            fprintf(pf, "\", \"max_evals\": %d, \"adversary_evals\": %d, \"finalists\": %d}",
                    cfg.max_evals, cfg.adversary_evals, cfg.finalists);
            fclose(pf);
        }
        cli_record_info ri = {"optimise", bk_scenario_name(sc), hash, text, len, cfg.seed,
                              (long)cfg.replications,
                              cfg.days > 0 ? cfg.days : bk_scenario_days(sc), params, out};
        rc = cli_record_begin(&rec, store_path, inv, &ri);
        free(params);
    }
    bk_optimise *o = NULL;
    if (rc == CLI_EXIT_OK) {
        cli_progress prog;
        cli_progress_init(&prog, !opt[OPT_QUIET].set);
        cfg.progress = cli_progress_update;
        cfg.progress_ud = &prog;
        memset(&err, 0, sizeof err);
        st = bk_optimise_run(sc, lv, obj, &cfg, &o, &err);
        cli_progress_end(&prog);
        if (st == BK_ERR_INTERRUPTED || cli_interrupted) {
            cli_error("interrupted");
            rc = CLI_EXIT_INTERRUPTED;
        } else if (st != BK_OK) {
            rc = cli_report(st, &err);
        }
    }
    if (rc == CLI_EXIT_OK && out)
        rc = write_outputs(o, out, opt[OPT_FORCE].set);
    char *summary = rec.store && rc == CLI_EXIT_OK ? json_text(o) : NULL;
    rc = cli_record_finish(&rec, rc, summary);
    free(summary);
    if (rc == CLI_EXIT_OK) {
        st = BK_OK;
        if (opt[OPT_JSON].set)
            st = bk_optimise_write_json(o, stdout);
        else if (!opt[OPT_QUIET].set)
            st = bk_optimise_write_table(o, stdout);
        if (st != BK_OK)
            rc = cli_report(st, NULL);
        else if (out && !opt[OPT_QUIET].set)
            fprintf(stderr, "outputs written to %s\n", out);
    }
    bk_optimise_free(o);
    bk_objective_free(obj);
    bk_levers_free(lv);
    free(store_path);
    bk_scenario_free(sc);
    return rc;
}
