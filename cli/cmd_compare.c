/* cmd_compare.c: `blockade compare`: two or more policies applied to one scenario, run on common
 * random numbers, and their paired differences with confidence intervals (docs/ensemble.md). */
#include "cli.h"
#include "outdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_POLICY, OPT_REPLICATIONS, OPT_SEED, OPT_THREADS, OPT_DAYS, OPT_OUT, OPT_FORCE,
       OPT_CHECK, OPT_JSON, OPT_QUIET, OPT_STORE, OPT_NO_STORE, OPT_POSTERIOR, OPT_PARAMS,
       OPT_CONTINUE };

/* Same order as the enum above. */
const cli_option cli_compare_options[] = {
    {"policy", CLI_OPT_STRING, "FILE", 0, 0,
     "a policy file (give two or more; the first is the reference)"},
    {"replications", CLI_OPT_UINT, "N", 1, BK_ENSEMBLE_MAX_REPLICATIONS,
     "replications per policy, 0..N-1 (default 200); -n N is the same"},
    CLI_OPTION_SEED,
    CLI_OPTION_THREADS,
    CLI_OPTION_DAYS,
    CLI_OPTION_OUT("compare.csv, compare.json and manifest.json"),
    CLI_OPTION_FORCE,
    CLI_OPTION_CHECK,
    CLI_OPTION_JSON("compare.json"),
    CLI_OPTION_QUIET("table"),
    CLI_OPTION_STORE("the comparison"),
    {"posterior", CLI_OPT_STRING, "FILE", 0, 0,
     "compare under a calibrated posterior: replication r runs draw r mod D of this "
     "posterior.csv under every policy (a policy's own settings win over the draw), with "
     "--params"},
    {"params", CLI_OPT_STRING, "FILE", 0, 0,
     "with --posterior: the parameter spec the posterior was calibrated with"},
    {"continue", CLI_OPT_FLAG, NULL, 0, 0,
     "with --posterior: replication r runs draw r's accepted simulation on under every policy "
     "(the seed of the posterior's seed column, replication 0)"},
    CLI_OPTION_END,
};

#define DEFAULT_REPLICATIONS 200
#define MAX_POLICIES 64

CLI_RESULT_WRITERS(bk_compare)

/* The draws of --posterior under each of the n policies, in one array of n * D (policy k's
 * draws from k * D): each is the scenario with policy k and the draw's values but those the
 * policy sets. Returns an exit code; the per-policy draws in per[k] (freed by the caller). */
static int policy_draws(const cli_invocation *inv, bk_scenario *const *sc, bk_policy *const *pol,
                        int n, bk_scenario **per[], int n_per[], const bk_scenario ***all,
                        uint32_t *d_out, uint64_t **seeds)
{
    bk_calib_spec *spec = NULL;
    bk_error err = {0};
    bk_status st = bk_calib_spec_load_file(inv->opt[OPT_PARAMS].str, &spec, &err);
    if (st != BK_OK)
        return cli_report(st, &err);
    int rc = CLI_EXIT_OK;
    for (int k = 0; k < n && rc == CLI_EXIT_OK; k++) {
        double *rp = NULL;
        /* the seeds are the file's, the same for every policy: read with the first */
        rc = cli_posterior_load(inv->opt[OPT_POSTERIOR].str, spec, sc[k], pol[k], 1.0, &per[k],
                                &rp, &n_per[k], k == 0 && seeds ? seeds : NULL);
        free(rp);
    }
    bk_calib_spec_free(spec);
    if (rc != CLI_EXIT_OK)
        return rc;
    size_t d = (size_t)n_per[0];
    *all = malloc((size_t)n * d * sizeof **all);
    if (!*all) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    for (int k = 0; k < n; k++)
        for (size_t i = 0; i < d; i++)
            (*all)[(size_t)k * d + i] = per[k][i];
    *d_out = (uint32_t)d;
    return CLI_EXIT_OK;
}

/* `blockade compare [FILE] --policy A --policy B [options]`. */
int cli_cmd_compare(const cli_invocation *inv)
{
    const cli_value *opt = inv->opt;
    int rc = cli_check_out_store(inv);
    if (rc != CLI_EXIT_OK)
        return rc;
    const char *files[MAX_POLICIES];
    int n = cli_options_collect(inv->cmd->options, inv->argc, inv->argv, inv->cmd->name,
                                "policy", files, MAX_POLICIES);
    if (n < 2)
        return cli_usage_error("compare: give at least two --policy files");
    if (n > MAX_POLICIES)
        return cli_usage_error("compare: at most %d policies", MAX_POLICIES);
    if (opt[OPT_POSTERIOR].set != opt[OPT_PARAMS].set)
        return cli_usage_error("compare: --posterior FILE and --params FILE go together (the "
                               "spec names the posterior's columns)");
    if (opt[OPT_CONTINUE].set && !opt[OPT_POSTERIOR].set)
        return cli_usage_error("compare: --continue goes with --posterior");
    bk_scenario *base = NULL;
    rc = cli_load_scenario_arg(inv, &base);
    if (rc != CLI_EXIT_OK)
        return rc;

    bk_policy *pol[MAX_POLICIES] = {0};
    bk_scenario *sc[MAX_POLICIES] = {0};
    const char *names[MAX_POLICIES], *labels[MAX_POLICIES];
    for (int k = 0; k < n && rc == CLI_EXIT_OK; k++) {
        bk_error err = {0};
        bk_status st = bk_policy_load_file(files[k], &pol[k], &err);
        if (st == BK_OK)
            st = bk_policy_apply(pol[k], base, &sc[k], &err);
        if (st != BK_OK) {
            cli_error("%s", err.message);
            /* every policy problem is a problem of the scenario it describes: exit 3 */
            rc = st == BK_ERR_NOMEM ? CLI_EXIT_INTERNAL
                 : st == BK_ERR_IO  ? CLI_EXIT_IO
                                    : CLI_EXIT_SCENARIO;
            break;
        }
        names[k] = bk_policy_name(pol[k]);
        labels[k] = bk_policy_label(pol[k]);
    }

    bk_scenario **per[MAX_POLICIES] = {0};
    int n_per[MAX_POLICIES] = {0};
    const bk_scenario **all = NULL;
    uint32_t n_draws = 0;
    uint64_t *seeds = NULL; /* --continue: the draws' seeds */
    if (rc == CLI_EXIT_OK && opt[OPT_POSTERIOR].set)
        rc = policy_draws(inv, sc, pol, n, per, n_per, &all, &n_draws,
                          opt[OPT_CONTINUE].set ? &seeds : NULL);

    bk_compare_config cfg;
    bk_compare_config_init(&cfg, base);
    cfg.draws = all;
    cfg.n_draws = n_draws;
    cfg.draw_seeds = seeds;
    cfg.replications =
        opt[OPT_REPLICATIONS].set ? opt[OPT_REPLICATIONS].num : DEFAULT_REPLICATIONS;
    cli_seed_days_threads(inv, &cfg.seed, &cfg.days, &cfg.threads);
    cfg.check_invariants = opt[OPT_CHECK].set;
    cfg.cancel = &cli_interrupted;

    char *params = NULL;
    if (rc == CLI_EXIT_OK) {
        cli_text pt;
        FILE *pf = cli_text_open(&pt);
        if (pf) {
            fputs("{\"policies\": [", pf);
            for (int k = 0; k < n; k++) {
                fputs(k ? ", " : "", pf);
                bk_json_write_string(pf, labels[k], false);
            }
            /* each policy's scenario: the base text's hash plus the patch, its identity */
            fputs("], \"patches\": [", pf);
            for (int k = 0; k < n; k++) {
                char h[65];
                bk_scenario_hash(sc[k], h);
                fprintf(pf, "%s{\"scenario_sha256\": \"%s\", \"patch\": ", k ? ", " : "", h);
                bk_json_write_string(pf, bk_scenario_patch(sc[k]), false);
                fputs("}", pf);
            }
            fputs("]", pf);
            if (n_draws > 0) {
                fputs(", \"posterior\": ", pf);
                bk_json_write_string(pf, opt[OPT_POSTERIOR].str, false);
                fputs(", \"params\": ", pf);
                bk_json_write_string(pf, opt[OPT_PARAMS].str, false);
                fprintf(pf, ", \"posterior_draws\": %u", n_draws);
            }
            fputc('}', pf);
        }
        params = cli_text_close(&pt, true);
    }
    cli_analysis an;
    rc = cli_analysis_begin(rc, &an, inv, "compare", base, cfg.seed, cfg.replications, cfg.days,
                            params, &cfg.progress, &cfg.progress_ud);
    free(params);

    bk_compare *cmp = NULL;
    if (rc == CLI_EXIT_OK) {
        bk_error err = {0};
        bk_status st = bk_compare_run((const bk_scenario *const *)sc, names, labels, n, &cfg,
                                      &cmp, &err);
        rc = cli_analysis_ran(&an, st, &err);
    }
    /* compare.csv, compare.json, manifest.json (with the policy files) into --out DIR */
    cli_result res = {.kind = "compare", .obj = cmp, .csv = csv_of, .json = json_of,
                      .table = table_of, .list_key = "policy_files", .list = files, .n_list = n};
    rc = cli_finish_result(&res, rc, &an);
    bk_compare_free(cmp);
    free(all);
    free(seeds);
    for (int k = 0; k < n && k < MAX_POLICIES; k++) {
        cli_posterior_free(per[k], NULL, n_per[k]);
        bk_scenario_free(sc[k]);
        bk_policy_free(pol[k]);
    }
    bk_scenario_free(base);
    return rc;
}
