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
    CLI_OPTION_SEED,
    CLI_OPTION_THREADS,
    CLI_OPTION_DAYS,
    CLI_OPTION_OUT("optimise.csv, optimise.json, manifest.json and scenario.yaml"),
    CLI_OPTION_FORCE,
    CLI_OPTION_JSON("optimise.json"),
    CLI_OPTION_QUIET("table"),
    CLI_OPTION_STORE("the optimisation"),
    CLI_OPTION_END,
};

CLI_RESULT_WRITERS(bk_optimise)

/* `blockade optimise [FILE] --levers FILE [options]`. */
int cli_cmd_optimise(const cli_invocation *inv)
{
    const cli_value *opt = inv->opt;
    if (!opt[OPT_LEVERS].set)
        return cli_usage_error("optimise: --levers FILE is required");
    bk_scenario *sc;
    int rc = cli_check_and_load(inv, &sc);
    if (rc != CLI_EXIT_OK)
        return rc;
    bk_levers *lv = NULL;
    bk_objective *obj = NULL;
    bk_error err = {0};
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
    cli_seed_days_threads(inv, &cfg.seed, &cfg.days, &cfg.threads);
    cfg.cancel = &cli_interrupted;

    cli_text pt;
    FILE *pf = cli_text_open(&pt);
    if (pf) {
        fputs("{\"levers\": ", pf);
        bk_json_write_string(pf, opt[OPT_LEVERS].str, false);
        fprintf(pf, ", \"max_evals\": %d, \"adversary_evals\": %d, \"finalists\": %d}",
                cfg.max_evals, cfg.adversary_evals, cfg.finalists);
    }
    char *params = cli_text_close(&pt, true);
    cli_analysis an;
    rc = cli_analysis_begin(rc, &an, inv, "optimise", sc, cfg.seed, cfg.replications, cfg.days,
                            params, &cfg.progress, &cfg.progress_ud);
    free(params);
    bk_optimise *o = NULL;
    if (rc == CLI_EXIT_OK) {
        memset(&err, 0, sizeof err);
        st = bk_optimise_run(sc, lv, obj, &cfg, &o, &err);
        rc = cli_analysis_ran(&an, st, &err);
    }
    /* optimise.csv, optimise.json, manifest.json and scenario.yaml (for the report's map) */
    cli_result res = {.kind = "optimise", .obj = o, .csv = csv_of, .json = json_of,
                      .table = table_of, .scenario = sc};
    rc = cli_finish_result(&res, rc, &an);
    bk_optimise_free(o);
    bk_objective_free(obj);
    bk_levers_free(lv);
    bk_scenario_free(sc);
    return rc;
}
