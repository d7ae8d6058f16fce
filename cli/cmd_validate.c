/* cmd_validate.c: `blockade validate`: score a scenario's predictive distribution (N
 * replications through the observation model) against the observations with proper scoring
 * rules; with --holdout-from DATE, calibrate on what ended before DATE and score the rest,
 * forecast with the posterior's draws or at its medians (--forecast; docs/calibration.md). */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_OBSERVED, OPT_AGGREGATES, OPT_REPLICATIONS, OPT_HOLDOUT, OPT_PARAMS, OPT_SEED,
       OPT_THREADS, OPT_PARTICLES, OPT_GENERATIONS, OPT_OUT, OPT_QUIET, OPT_BACKTEST,
       OPT_POSTERIOR, OPT_FORECAST };

/* Same order as the enum above. */
const cli_option cli_validate_options[] = {
    {"observed", CLI_OPT_STRING, "FILE", 0, 0, "observed events (ACLED or UCDP GED CSV)"},
    {"aggregates", CLI_OPT_STRING, "FILE", 0, 0, "observed aggregates CSV (value_low/best/high)"},
    {"replications", CLI_OPT_UINT, "N", 2, 10000000,
     "replications of the predictive distribution (default 200); -n N is the same"},
    {"holdout-from", CLI_OPT_STRING, "DATE", 0, 0,
     "calibrate (with --params) on what ended before DATE, score what ends from DATE"},
    {"params", CLI_OPT_STRING, "FILE", 0, 0,
     "parameter spec: window and observation settings; the priors with --holdout-from"},
    {"seed", CLI_OPT_UINT, "N", 0, UINT64_MAX, "base seed (default: the scenario's)"},
    CLI_OPTION_THREADS,
    {"particles", CLI_OPT_UINT, "N", 10, 100000,
     "with --holdout-from: ABC particles (default 200)"},
    {"generations", CLI_OPT_UINT, "N", 0, 50, "with --holdout-from: ABC generations (default 4)"},
    {"out", CLI_OPT_STRING, "FILE", 0, 0, "also write the scores as CSV to FILE"},
    {"quiet", CLI_OPT_FLAG, NULL, 0, 0, "no table; errors only"},
    {"backtest", CLI_OPT_FLAG, NULL, 0, 0,
     "rolling-origin backtest: calibrate (with --params) before the origin (--holdout-from, "
     "default the window's 16th day), forecast the rest, and compare the CRPS with persistence "
     "and the pre-blockade normal"},
    {"posterior", CLI_OPT_STRING, "FILE",  0, 0,
     "posterior predictive check: replications spread over the draws of a posterior.csv "
     "written by calibrate with the same --params"},
    {"forecast", CLI_OPT_STRING, "KIND", 0, 0,
     "with --holdout-from or --backtest: 'posterior' (default) spreads the replications over "
     "the calibrated posterior's draws; 'median' runs them all at its medians"},
    CLI_OPTION_END,
};

#define DEFAULT_REPLICATIONS 200
#define BACKTEST_ORIGIN_DAYS 15 /* default origin: the window's first day + 15 */

static const char *const group_names[] = {"deliveries", "attacks", "losses", "convoys"};

/* The backtest table: per statistic the CRPS of the model and of the two baselines, then the
 * mean CRPS by group. Returns an exit code. */
static int print_backtest(const cli_calib_inputs *in, const bk_obs *obs, const bk_validation *val,
                          long origin)
{
    bk_obs_config cfg;
    bk_obs_config_init(&cfg, in->sc);
    if (in->spec && in->spec->n_keywords > 0) {
        cfg.attack_keywords = (const char *const *)in->spec->keywords;
        cfg.n_attack_keywords = in->spec->n_keywords;
    }
    int n = bk_obs_count(obs);
    bk_baseline *b = calloc((size_t)(n > 0 ? n : 1), sizeof *b);
    if (!b) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    bk_error err = {0};
    bk_status st = bk_backtest_baselines(in->sc, in->ev, in->ag, &cfg, obs, origin, b, &err);
    if (st != BK_OK) {
        free(b);
        return cli_report(st, &err);
    }
    double sum[4][3] = {{0}}, persist_sum[4][2] = {{0}};
    int cnt[4] = {0}, persist_cnt[4] = {0};
    printf("\nbacktest: CRPS of the forecast from the origin against two naive forecasts "
           "(lower is better)\n");
    printf("%-46s %-10s %10s %10s %11s %10s %10s\n", "statistic", "group", "observed", "model",
           "persistence", "normal", "best");
    for (int k = 0; k < n; k++) {
        bk_obs_stat s;
        bk_obs_get(obs, k, &s);
        bk_validation_row r;
        bk_validation_get(val, k, &r);
        int g = (int)s.group;
        char pers[32];
        if (b[k].has_persistence)
            snprintf(pers, sizeof pers, "%.3g", b[k].persistence_crps);
        else
            snprintf(pers, sizeof pers, "n/a");
        const char *best = "model";
        if (b[k].normal_crps < r.crps)
            best = "normal";
        if (b[k].has_persistence && b[k].persistence_crps < r.crps &&
            b[k].persistence_crps <= b[k].normal_crps)
            best = "persistence";
        printf("%-46s %-10s %10.4g %10.3g %11s %10.3g %10s\n", s.name, group_names[g],
               s.observed, r.crps, pers, b[k].normal_crps, best);
        sum[g][0] += r.crps;
        sum[g][2] += b[k].normal_crps;
        cnt[g]++;
        if (b[k].has_persistence) {
            persist_sum[g][0] += r.crps;
            persist_sum[g][1] += b[k].persistence_crps;
            persist_cnt[g]++;
        }
    }
    printf("\nmean CRPS by group (persistence: over the statistics where it exists)\n");
    printf("%-12s %5s %10s %10s %11s %10s\n", "group", "stats", "model", "normal", "model*",
           "persistence");
    for (int g = 0; g < 4; g++) {
        if (cnt[g] == 0)
            continue;
        char m2[32], p2[32];
        if (persist_cnt[g] > 0) {
            snprintf(m2, sizeof m2, "%.3g", persist_sum[g][0] / persist_cnt[g]);
            snprintf(p2, sizeof p2, "%.3g", persist_sum[g][1] / persist_cnt[g]);
        } else {
            snprintf(m2, sizeof m2, "n/a");
            snprintf(p2, sizeof p2, "n/a");
        }
        printf("%-12s %5d %10.3g %10.3g %11s %10s\n", group_names[g], cnt[g],
               sum[g][0] / cnt[g], sum[g][2] / cnt[g], m2, p2);
    }
    free(b);
    return CLI_EXIT_OK;
}


/* The posterior of n weighted draws w[i], th[i k .. i k + k) of `spec`'s parameters, resampled
 * systematically to n equally weighted draws (deterministic), as scenarios over `base` and
 * their report probabilities (report_prob unless the spec calibrates it). `what` names the
 * posterior in errors. Returns an exit code. */
static int posterior_draws(const char *what, const bk_calib_spec *spec, const bk_scenario *base,
                           double report_prob, const double *w, const double *th, int n,
                           bk_scenario ***scs_out, double **rp_out, int *n_out)
{
    int k = spec->n_params;
    double total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    if (n == 0 || !(total > 0)) {
        cli_error("%s: no particle with a positive weight", what);
        return CLI_EXIT_SCENARIO;
    }
    bk_scenario **scs = calloc((size_t)n, sizeof *scs);
    double *rp = calloc((size_t)n, sizeof *rp);
    if (!scs || !rp) {
        free(scs);
        free(rp);
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    double cum = w[0] / total;
    for (int i = 0, j = 0; i < n; i++) { /* systematic resampling, offset 1/2 */
        double u = (i + 0.5) / n;
        while (u > cum && j < n - 1)
            cum += w[++j] / total;
        const double *t = &th[(size_t)j * (size_t)k];
        rp[i] = report_prob;
        for (int q = 0; q < k; q++)
            if (strcmp(spec->params[q].path, "observation.report_prob") == 0)
                rp[i] = t[q];
        bk_error err = {0};
        bk_status st = bk_calib_apply(spec, base, t, &scs[i], &err);
        if (st != BK_OK) {
            for (int q = 0; q < i; q++)
                bk_scenario_free(scs[q]);
            free(scs);
            free(rp);
            return cli_report(st, &err);
        }
    }
    *scs_out = scs;
    *rp_out = rp;
    *n_out = n;
    return CLI_EXIT_OK;
}

/* The posterior sample of `path` (posterior.csv of `blockade calibrate` with `spec`), resampled
 * systematically to its own size (equal weights, deterministic), as scenarios and report
 * probabilities. Returns an exit code; errors name the file and line. */
static int load_posterior(const char *path, const bk_calib_spec *spec, const bk_scenario *base,
                          double report_prob, bk_scenario ***scs_out, double **rp_out, int *n_out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        cli_error("%s: cannot read", path);
        return CLI_EXIT_IO;
    }
    int k = spec->n_params, n = 0, cap = 0, line = 0, rc = CLI_EXIT_OK;
    double *w = NULL, *th = NULL;
    char buf[16384];
    while (fgets(buf, sizeof buf, f)) {
        line++;
        buf[strcspn(buf, "\r\n")] = 0;
        char *save = NULL, *tok = strtok_r(buf, ",", &save);
        if (line == 1) { /* header: particle, weight, distance, then the spec's paths in order */
            int col = 0;
            for (; tok; tok = strtok_r(NULL, ",", &save), col++) {
                const char *want = col == 0 ? "particle" : col == 1 ? "weight" : col == 2
                                   ? "distance" : col - 3 < k ? spec->params[col - 3].path : NULL;
                if (!want || strcmp(tok, want) != 0) {
                    cli_error("%s:1: column %d is '%s', expected '%s' (a posterior.csv written "
                              "with the same --params)", path, col + 1, tok,
                              want ? want : "(no more columns)");
                    rc = CLI_EXIT_SCENARIO;
                    goto out;
                }
            }
            if (col != k + 3) {
                cli_error("%s:1: %d columns, expected %d", path, col, k + 3);
                rc = CLI_EXIT_SCENARIO;
                goto out;
            }
            continue;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            double *w2 = realloc(w, (size_t)cap * sizeof *w2);
            if (w2)
                w = w2;
            double *t2 = w2 ? realloc(th, (size_t)cap * (size_t)k * sizeof *t2) : NULL;
            if (!w2 || !t2) {
                cli_error("out of memory");
                rc = CLI_EXIT_INTERNAL;
                goto out;
            }
            th = t2;
        }
        for (int col = 0; col < k + 3; col++, tok = strtok_r(NULL, ",", &save)) {
            char *end = NULL;
            double v = tok ? strtod(tok, &end) : (double)NAN;
            if (!tok || end == tok || *end || !isfinite(v) || (col == 1 && v < 0)) {
                cli_error("%s:%d: column %d: expected a %snumber", path, line, col + 1,
                          col == 1 ? "non-negative " : "");
                rc = CLI_EXIT_SCENARIO;
                goto out;
            }
            if (col == 1)
                w[n] = v;
            else if (col >= 3)
                th[(size_t)n * (size_t)k + (size_t)(col - 3)] = v;
        }
        if (tok) {
            cli_error("%s:%d: more than %d columns", path, line, k + 3);
            rc = CLI_EXIT_SCENARIO;
            goto out;
        }
        n++;
    }
    rc = posterior_draws(path, spec, base, report_prob, w, th, n, scs_out, rp_out, n_out);
out:
    free(w);
    free(th);
    fclose(f);
    return rc;
}

/* Contract in cli.h. */
int cli_cmd_validate(const cli_invocation *inv)
{
    if (!inv->opt[OPT_OBSERVED].set && !inv->opt[OPT_AGGREGATES].set)
        return cli_usage_error("validate needs --observed FILE and/or --aggregates FILE");
    long holdout = 0;
    bool backtest = inv->opt[OPT_BACKTEST].set;
    bool has_holdout = inv->opt[OPT_HOLDOUT].set || backtest;
    if (inv->opt[OPT_HOLDOUT].set && !bk_date_parse(inv->opt[OPT_HOLDOUT].str, &holdout))
        return cli_usage_error("bad --holdout-from date '%s'", inv->opt[OPT_HOLDOUT].str);
    bool posterior = inv->opt[OPT_POSTERIOR].set;
    bool draws = true; /* a calibration here forecasts with its posterior's draws */
    if (inv->opt[OPT_FORECAST].set) {
        const char *kind = inv->opt[OPT_FORECAST].str;
        if (!has_holdout)
            return cli_usage_error("--forecast goes with --holdout-from or --backtest");
        if (strcmp(kind, "median") == 0)
            draws = false;
        else if (strcmp(kind, "posterior") != 0)
            return cli_usage_error("bad --forecast '%s': expected 'posterior' or 'median'", kind);
    }
    if (posterior && (has_holdout || !inv->opt[OPT_PARAMS].set))
        return cli_usage_error("--posterior needs --params FILE and goes without --holdout-from "
                               "and --backtest");
    if (has_holdout && !inv->opt[OPT_PARAMS].set)
        return cli_usage_error("%s needs --params FILE (what to calibrate)",
                               backtest ? "--backtest" : "--holdout-from");
    cli_calib_inputs in;
    int rc = cli_calib_load(inv->n_args ? inv->args[0] : NULL, inv->opt[OPT_OBSERVED].str,
                            inv->opt[OPT_AGGREGATES].str, inv->opt[OPT_PARAMS].str, &in);
    bk_obs *obs_fit = NULL, *obs = NULL;
    bk_calibration *cal = NULL;
    bk_abc_result *res = NULL;
    bk_scenario *fitted = NULL;
    bk_validation *val = NULL;
    double *theta = NULL;
    bk_scenario **post_sc = NULL;
    double *post_rp = NULL;
    int n_post = 0;
    bool quiet = inv->opt[OPT_QUIET].set;
    uint64_t seed = 0;
    double report_prob = in.spec && in.spec->report_prob > 0 ? in.spec->report_prob : 0.8;
    if (rc != CLI_EXIT_OK)
        goto done;
    seed = inv->opt[OPT_SEED].set ? inv->opt[OPT_SEED].num : bk_scenario_seed(in.sc);
    long from, to;
    cli_calib_window(&in, &from, &to);
    if (backtest && !inv->opt[OPT_HOLDOUT].set)
        holdout = from + BACKTEST_ORIGIN_DAYS;
    long origin = holdout;
    const bk_scenario *scored = in.sc;
    bk_error err = {0};
    if (has_holdout) {
        if (holdout <= from || holdout > to) {
            char a[11], b[11];
            bk_date_format(from, a);
            bk_date_format(to, b);
            rc = cli_usage_error("--holdout-from must fall after the window's first day and on "
                                 "or before its last (%s to %s)", a, b);
            goto done;
        }
        rc = cli_calib_obs(&in, from, holdout - 1, &obs_fit);
        if (rc != CLI_EXIT_OK)
            goto done;
        bk_status st = bk_calibration_new(in.sc, in.spec, obs_fit, &cal, &err);
        if (st != BK_OK) {
            rc = cli_report(st, &err);
            goto done;
        }
        bk_abc_config cfg;
        rc = cli_calib_abc_config(inv, seed, &cfg);
        if (rc != CLI_EXIT_OK)
            goto done;
        rc = cli_calib_abc(bk_calibration_problem(cal), &cfg, quiet, &res);
        if (rc != CLI_EXIT_OK)
            goto done;
        int k = in.spec->n_params;
        theta = malloc((size_t)k * sizeof *theta);
        if (!theta) {
            cli_error("out of memory");
            rc = CLI_EXIT_INTERNAL;
            goto done;
        }
        cli_calib_medians(res, k, theta);
        for (int j = 0; j < k; j++)
            if (strcmp(in.spec->params[j].path, "observation.report_prob") == 0)
                report_prob = theta[j];
        st = bk_calib_apply(in.spec, in.sc, theta, &fitted, &err);
        if (st != BK_OK) {
            rc = cli_report(st, &err);
            goto done;
        }
        scored = fitted;
        if (draws) {
            rc = posterior_draws("the calibrated posterior", in.spec, in.sc, report_prob,
                                 bk_abc_weights(res), bk_abc_theta(res), bk_abc_particles(res),
                                 &post_sc, &post_rp, &n_post);
            if (rc != CLI_EXIT_OK)
                goto done;
        }
        if (!quiet) {
            char a[11], b[11];
            bk_date_format(from, a);
            bk_date_format(holdout - 1, b);
            printf("calibrated on %s to %s (%d statistics):\n", a, b, bk_obs_count(obs_fit));
            cli_calib_print_posterior(res, in.spec, stdout);
            printf("\n");
        }
        from = holdout;
    }
    rc = cli_calib_obs(&in, from, to, &obs);
    if (rc != CLI_EXIT_OK)
        goto done;
    uint64_t n = inv->opt[OPT_REPLICATIONS].set ? inv->opt[OPT_REPLICATIONS].num
                                                : DEFAULT_REPLICATIONS;
    int threads = inv->opt[OPT_THREADS].set ? (int)inv->opt[OPT_THREADS].num : 0;
    bk_status st;
    if (posterior)
        rc = load_posterior(inv->opt[OPT_POSTERIOR].str, in.spec, in.sc, report_prob, &post_sc,
                            &post_rp, &n_post);
    if (rc != CLI_EXIT_OK)
        goto done;
    if (n_post > 0) {
        st = bk_validate_run_mixture((const bk_scenario *const *)post_sc, post_rp, n_post, obs,
                                     n, seed, threads, &cli_interrupted, &val, &err);
    } else {
        st = bk_validate_run(scored, obs, n, seed, report_prob, threads, &cli_interrupted, &val,
                             &err);
    }
    if (st != BK_OK) {
        rc = cli_report(st, &err);
        goto done;
    }
    if (!quiet) {
        char a[11], b[11];
        bk_date_format(from, a);
        bk_date_format(to, b);
        if (n_post > 0)
            printf("scored on %s to %s: %llu replications over %d posterior draws "
                   "(posterior predictive)\n", a, b, (unsigned long long)n, n_post);
        else
            printf("scored on %s to %s: %llu replications, report probability %.3g\n", a, b,
                   (unsigned long long)n, report_prob);
        bk_validation_write_table(val, stdout);
    }
    if (backtest && !quiet) {
        rc = print_backtest(&in, obs, val, origin);
        if (rc != CLI_EXIT_OK)
            goto done;
    }
    if (inv->opt[OPT_OUT].set) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (!f || bk_validation_write_csv(val, f) != BK_OK || fclose(f) != 0) {
            free(text);
            cli_error("out of memory");
            rc = CLI_EXIT_INTERNAL;
            goto done;
        }
        rc = cli_write_file_atomic(inv->opt[OPT_OUT].str, text, len);
        free(text);
    }
done:
    for (int i = 0; i < n_post; i++)
        bk_scenario_free(post_sc[i]);
    free(post_sc);
    free(post_rp);
    free(theta);
    bk_validation_free(val);
    bk_scenario_free(fitted);
    bk_abc_result_free(res);
    bk_calibration_free(cal);
    bk_obs_free(obs);
    bk_obs_free(obs_fit);
    cli_calib_release(&in);
    return rc;
}
