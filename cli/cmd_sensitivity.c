/* cmd_sensitivity.c: `blockade sensitivity`: Morris elementary effects and, with --sobol N, Sobol
 * indices of whole-run outcomes to the parameters of a spec file over their prior ranges
 * (docs/calibration.md). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_PARAMS, OPT_OUTCOMES, OPT_TRAJECTORIES, OPT_SOBOL, OPT_DAYS, OPT_SEED, OPT_THREADS,
       OPT_OUT, OPT_QUIET };

/* Same order as the enum above. */
const cli_option cli_sensitivity_options[] = {
    {"params", CLI_OPT_STRING, "FILE", 0, 0, "parameter spec: paths and ranges (required)"},
    {"outcomes", CLI_OPT_STRING, "A,B,...", 0, 0,
     "whole-run outcomes (default "
     "first_stockout_day,tankers_destroyed,school_closed_days,unmet_l)"},
    {"trajectories", CLI_OPT_UINT, "R", 2, 10000, "Morris trajectories (default 10)"},
    {"sobol", CLI_OPT_UINT, "N", 2, 1000000,
     "also Sobol indices from a Saltelli sample of base size N (N x (k + 2) runs)"},
    CLI_OPTION_DAYS,
    {"seed", CLI_OPT_UINT, "N", 0, UINT64_MAX,
     "seed of the design and the runs (default: the scenario's)"},
    CLI_OPTION_THREADS,
    {"out", CLI_OPT_STRING, "FILE", 0, 0, "also write the indices as CSV to FILE"},
    {"quiet", CLI_OPT_FLAG, NULL, 0, 0, "no table; errors only"},
    CLI_OPTION_END,
};

#define MAX_OUTCOMES 64

/* Contract in cli.h. */
int cli_cmd_sensitivity(const cli_invocation *inv)
{
    if (!inv->opt[OPT_PARAMS].set)
        return cli_usage_error("sensitivity needs --params FILE");
    const char *list = inv->opt[OPT_OUTCOMES].set
                           ? inv->opt[OPT_OUTCOMES].str
                           : "first_stockout_day,tankers_destroyed,school_closed_days,unmet_l";
    char *copy = strdup(list);
    if (!copy) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    const char *outcomes[MAX_OUTCOMES];
    int n_out = 0;
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (n_out == MAX_OUTCOMES) {
            free(copy);
            return cli_usage_error("at most %d outcomes", MAX_OUTCOMES);
        }
        outcomes[n_out++] = t;
    }
    if (n_out == 0) {
        free(copy);
        return cli_usage_error("--outcomes needs at least one name");
    }
    cli_calib_inputs in;
    int rc = cli_calib_load(inv->n_args ? inv->args[0] : NULL, NULL, NULL,
                            inv->opt[OPT_PARAMS].str, &in);
    bk_sensitivity *s = NULL;
    if (rc == CLI_EXIT_OK) {
        bk_sensitivity_config cfg;
        bk_sensitivity_config_init(&cfg);
        cfg.seed = bk_scenario_seed(in.sc);
        cli_seed_days_threads(inv, &cfg.seed, &cfg.days, &cfg.threads);
        if (inv->opt[OPT_TRAJECTORIES].set)
            cfg.trajectories = (int)inv->opt[OPT_TRAJECTORIES].num;
        if (inv->opt[OPT_SOBOL].set)
            cfg.sobol_n = inv->opt[OPT_SOBOL].num;
        cfg.cancel = &cli_interrupted;
        bk_error err = {0};
        bk_status st = bk_sensitivity_run(in.sc, in.spec, outcomes, n_out, &cfg, &s, &err);
        if (st != BK_OK)
            rc = cli_report(st, &err);
    }
    if (rc == CLI_EXIT_OK && !inv->opt[OPT_QUIET].set)
        bk_sensitivity_write_table(s, stdout);
    if (rc == CLI_EXIT_OK && inv->opt[OPT_OUT].set) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (!f || bk_sensitivity_write_csv(s, f) != BK_OK || fclose(f) != 0) {
            cli_error("out of memory");
            rc = CLI_EXIT_INTERNAL;
        } else {
            rc = cli_write_file_atomic(inv->opt[OPT_OUT].str, text, len);
        }
        free(text);
    }
    bk_sensitivity_free(s);
    cli_calib_release(&in);
    free(copy);
    return rc;
}
