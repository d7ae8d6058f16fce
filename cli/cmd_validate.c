/* cmd_validate.c: `blockade validate`: score a scenario's predictive distribution (N
 * replications through the observation model) against the observations with proper scoring
 * rules; with --holdout-from DATE, calibrate on what ended before DATE and score the rest,
 * forecast with the posterior's draws, at its medians, or on from the calibration's accepted runs
 * (--forecast; docs/calibration.md). */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_OBSERVED, OPT_AGGREGATES, OPT_REPLICATIONS, OPT_HOLDOUT, OPT_PARAMS, OPT_SEED,
       OPT_THREADS, OPT_PARTICLES, OPT_GENERATIONS, OPT_OUT, OPT_QUIET, OPT_BACKTEST,
       OPT_POSTERIOR, OPT_FORECAST, OPT_SEEDS };

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
     "with --holdout-from or --backtest: 'continue' (default) runs each accepted simulation of "
     "the calibration on past the origin, so the forecast starts from the states that fit the "
     "record; 'posterior' spreads fresh replications over the calibrated posterior's draws; "
     "'median' runs them all at its medians"},
    {"seeds", CLI_OPT_UINT, "K", 1, 1000,
     "with --holdout-from or --backtest: calibrate and forecast K times, with seeds --seed to "
     "--seed + K - 1, and summarise the scores over them (default 1)"},
    CLI_OPTION_END,
};

#define DEFAULT_REPLICATIONS 200
#define BACKTEST_ORIGIN_DAYS 15 /* default origin: the window's first day + 15 */

static const char *const group_names[] = {"deliveries", "attacks", "losses", "convoys"};

/* Mean CRPS by group: of the model and the normal over every statistic of the group; of the
 * model and persistence over those where persistence exists. */
typedef struct group_scores {
    double model[4], normal[4], model_p[4], persist[4];
    int n[4], n_p[4];
} group_scores;

/* The backtest's baselines for the scored statistics and the group means into *gs; with
 * `print`, the table per statistic (the CRPS of the model and of the two baselines) and the
 * group means. Returns an exit code. */
static int backtest_scores(const cli_calib_inputs *in, const bk_obs *obs, const bk_validation *val,
                           long origin, bool print, group_scores *gs)
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
    memset(gs, 0, sizeof *gs);
    if (print) {
        printf("\nbacktest: CRPS of the forecast from the origin against two naive forecasts "
               "(lower is better)\n");
        printf("%-46s %-10s %10s %10s %11s %10s %10s\n", "statistic", "group", "observed",
               "model", "persistence", "normal", "best");
    }
    for (int k = 0; k < n; k++) {
        bk_obs_stat s;
        bk_obs_get(obs, k, &s);
        bk_validation_row r;
        bk_validation_get(val, k, &r);
        int g = (int)s.group;
        if (print) {
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
        }
        gs->model[g] += r.crps;
        gs->normal[g] += b[k].normal_crps;
        gs->n[g]++;
        if (b[k].has_persistence) {
            gs->model_p[g] += r.crps;
            gs->persist[g] += b[k].persistence_crps;
            gs->n_p[g]++;
        }
    }
    free(b);
    for (int g = 0; g < 4; g++) {
        if (gs->n[g] > 0) {
            gs->model[g] /= gs->n[g];
            gs->normal[g] /= gs->n[g];
        }
        if (gs->n_p[g] > 0) {
            gs->model_p[g] /= gs->n_p[g];
            gs->persist[g] /= gs->n_p[g];
        }
    }
    if (!print)
        return CLI_EXIT_OK;
    printf("\nmean CRPS by group (persistence: over the statistics where it exists)\n");
    printf("%-12s %5s %10s %10s %11s %10s\n", "group", "stats", "model", "normal", "model*",
           "persistence");
    for (int g = 0; g < 4; g++) {
        if (gs->n[g] == 0)
            continue;
        char m2[32], p2[32];
        if (gs->n_p[g] > 0) {
            snprintf(m2, sizeof m2, "%.3g", gs->model_p[g]);
            snprintf(p2, sizeof p2, "%.3g", gs->persist[g]);
        } else {
            snprintf(m2, sizeof m2, "n/a");
            snprintf(p2, sizeof p2, "n/a");
        }
        printf("%-12s %5d %10.3g %10.3g %11s %10s\n", group_names[g], gs->n[g], gs->model[g],
               gs->normal[g], m2, p2);
    }
    return CLI_EXIT_OK;
}

/* One forecast: what it was calibrated on and scored against, and its scores. */
typedef struct forecast {
    bk_obs *obs_fit, *obs;
    bk_calibration *cal;
    bk_abc_result *res;
    bk_scenario *fitted;
    double *theta;
    bk_scenario **post_sc;
    double *post_rp;
    int n_post;
    bk_validation *val;
} forecast;

static void forecast_release(forecast *f)
{
    cli_posterior_free(f->post_sc, f->post_rp, f->n_post);
    free(f->theta);
    bk_validation_free(f->val);
    bk_scenario_free(f->fitted);
    bk_abc_result_free(f->res);
    bk_calibration_free(f->cal);
    bk_obs_free(f->obs);
    bk_obs_free(f->obs_fit);
    memset(f, 0, sizeof *f);
}

/* How a calibration here forecasts (--forecast). */
typedef enum forecast_kind {
    FORECAST_POSTERIOR, /* fresh replications spread over the posterior's draws */
    FORECAST_MEDIAN,    /* fresh replications at the posterior medians */
    FORECAST_CONTINUE   /* the accepted simulations themselves, run on past the origin */
} forecast_kind;

/* What every forecast of one command shares. */
typedef struct validate_args {
    const cli_invocation *inv;
    cli_calib_inputs *in;
    long from, holdout, to; /* the window; holdout 0: no calibration here */
    forecast_kind kind;     /* how a calibration here forecasts */
    bool verbose;           /* print the calibration and the table */
    uint64_t n;             /* replications */
    int threads;
} validate_args;

/* With a holdout, calibrate on what ended before it with `seed`; then score the forecast of
 * what ends from it (or of the whole window): f->obs and f->val. Returns an exit code. */
static int forecast_run(const validate_args *va, uint64_t seed, forecast *f)
{
    const cli_invocation *inv = va->inv;
    cli_calib_inputs *in = va->in;
    double report_prob = in->spec && in->spec->report_prob > 0 ? in->spec->report_prob : 0.8;
    const bk_scenario *scored = in->sc;
    long from = va->from;
    bk_error err = {0};
    int rc;
    if (va->holdout > 0) {
        rc = cli_calib_obs(in, from, va->holdout - 1, &f->obs_fit);
        if (rc != CLI_EXIT_OK)
            return rc;
        bk_status st = bk_calibration_new(in->sc, in->spec, f->obs_fit, &f->cal, &err);
        if (st != BK_OK)
            return cli_report(st, &err);
        bk_abc_config cfg;
        rc = cli_calib_abc_config(inv, seed, &cfg);
        if (rc != CLI_EXIT_OK)
            return rc;
        rc = cli_calib_abc(bk_calibration_problem(f->cal), &cfg, !va->verbose, &f->res);
        if (rc != CLI_EXIT_OK)
            return rc;
        /* FORECAST_CONTINUE needs nothing more: the particles carry their values and seeds */
        if (va->kind == FORECAST_POSTERIOR) {
            /* each draw carries its own values, report_prob among them */
            rc = cli_posterior_draws("the calibrated posterior", in->spec, in->sc, NULL,
                                     report_prob, bk_abc_weights(f->res), bk_abc_theta(f->res),
                                     NULL, bk_abc_particles(f->res), &f->post_sc, &f->post_rp,
                                     &f->n_post, NULL);
            if (rc != CLI_EXIT_OK)
                return rc;
        } else if (va->kind == FORECAST_MEDIAN) { /* the scenario at the posterior medians */
            int k = in->spec->n_params;
            f->theta = malloc((size_t)k * sizeof *f->theta);
            if (!f->theta) {
                cli_error("out of memory");
                return CLI_EXIT_INTERNAL;
            }
            cli_calib_medians(f->res, k, f->theta);
            for (int j = 0; j < k; j++)
                if (strcmp(in->spec->params[j].path, "observation.report_prob") == 0)
                    report_prob = f->theta[j];
            st = bk_calib_apply(in->spec, in->sc, f->theta, &f->fitted, &err);
            if (st != BK_OK)
                return cli_report(st, &err);
            scored = f->fitted;
        }
        if (va->verbose) {
            char a[11], b[11];
            bk_date_format(from, a);
            bk_date_format(va->holdout - 1, b);
            printf("calibrated on %s to %s (%d statistics):\n", a, b, bk_obs_count(f->obs_fit));
            cli_calib_print_posterior(f->res, in->spec, stdout);
            printf("\n");
        }
        from = va->holdout;
    }
    rc = cli_calib_obs(in, from, va->to, &f->obs);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (inv->opt[OPT_POSTERIOR].set) {
        rc = cli_posterior_load(inv->opt[OPT_POSTERIOR].str, in->spec, in->sc, NULL,
                                report_prob, &f->post_sc, &f->post_rp, &f->n_post, NULL);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    bk_status st;
    if (va->holdout > 0 && va->kind == FORECAST_CONTINUE)
        st = bk_calibration_forecast(f->cal, f->res, f->obs, va->n, va->threads, &cli_interrupted,
                                     &f->val, &err);
    else if (f->n_post > 0)
        st = bk_validate_run_mixture((const bk_scenario *const *)f->post_sc, f->post_rp,
                                     f->n_post, f->obs, va->n, seed, va->threads,
                                     &cli_interrupted, &f->val, &err);
    else
        st = bk_validate_run(scored, f->obs, va->n, seed, report_prob, va->threads,
                             &cli_interrupted, &f->val, &err);
    if (st != BK_OK)
        return cli_report(st, &err);
    if (va->verbose) {
        char a[11], b[11];
        bk_date_format(from, a);
        bk_date_format(va->to, b);
        if (va->holdout > 0 && va->kind == FORECAST_CONTINUE)
            printf("scored on %s to %s: %llu replications resampled from the %d accepted runs "
                   "of the calibration, run on past the origin\n", a, b,
                   (unsigned long long)va->n, bk_abc_particles(f->res));
        else if (f->n_post > 0)
            printf("scored on %s to %s: %llu replications over %d posterior draws "
                   "(posterior predictive)\n", a, b, (unsigned long long)va->n, f->n_post);
        else
            printf("scored on %s to %s: %llu replications, report probability %.3g\n", a, b,
                   (unsigned long long)va->n, report_prob);
        bk_validation_write_table(f->val, stdout);
    }
    return CLI_EXIT_OK;
}

/* --seeds K: K forecasts with seeds seed .. seed + K - 1, a line each, then their scores over
 * the seeds (mean, lowest, highest) and, for the backtest, how often the model beat each naive
 * forecast by group. Returns an exit code. */
static int forecast_seeds(const validate_args *va, uint64_t seed, uint64_t k_seeds, bool backtest,
                          bool quiet)
{
    enum { COV50, COV90, CRPS, N_ALL };
    double all[N_ALL][3], grp[4][3]; /* mean, lowest, highest */
    int beats_p[4] = {0}, beats_n[4] = {0}, n_stats = 0;
    group_scores first;
    memset(&first, 0, sizeof first);
    for (uint64_t i = 0; i < k_seeds; i++) {
        forecast f = {0};
        int rc = forecast_run(va, seed + i, &f);
        group_scores gs;
        memset(&gs, 0, sizeof gs);
        if (rc == CLI_EXIT_OK && backtest)
            rc = backtest_scores(va->in, f.obs, f.val, va->holdout, false, &gs);
        if (rc != CLI_EXIT_OK) {
            forecast_release(&f);
            return rc;
        }
        double x[N_ALL] = {0};
        n_stats = bk_validation_count(f.val);
        for (int k = 0; k < n_stats; k++) {
            bk_validation_row r;
            bk_validation_get(f.val, k, &r);
            x[COV50] += r.covered50;
            x[COV90] += r.covered90;
            x[CRPS] += r.crps;
        }
        x[CRPS] = n_stats ? x[CRPS] / n_stats : 0.0; /* as the single forecast's coverage line */
        forecast_release(&f);
        for (int j = 0; j < N_ALL; j++) {
            all[j][0] = i ? all[j][0] + x[j] : x[j];
            all[j][1] = i && all[j][1] < x[j] ? all[j][1] : x[j];
            all[j][2] = i && all[j][2] > x[j] ? all[j][2] : x[j];
        }
        for (int g = 0; g < 4; g++) {
            grp[g][0] = i ? grp[g][0] + gs.model[g] : gs.model[g];
            grp[g][1] = i && grp[g][1] < gs.model[g] ? grp[g][1] : gs.model[g];
            grp[g][2] = i && grp[g][2] > gs.model[g] ? grp[g][2] : gs.model[g];
            beats_n[g] += gs.n[g] > 0 && gs.model[g] < gs.normal[g];
            beats_p[g] += gs.n_p[g] > 0 && gs.model_p[g] < gs.persist[g];
        }
        if (i == 0)
            first = gs; /* the baselines do not depend on the seed */
        if (quiet)
            continue;
        printf("seed %llu: %.0f of %d statistics in the 50 %% interval, %.0f in the 90 %%; "
               "mean CRPS %.4g", (unsigned long long)(seed + i), x[COV50], n_stats, x[COV90],
               x[CRPS]);
        for (int g = 0; backtest && g < 4; g++)
            if (gs.n[g] > 0)
                printf("%s %s %.3g", g ? "," : "; by group:", group_names[g], gs.model[g]);
        printf("\n");
        fflush(stdout);
    }
    if (quiet)
        return CLI_EXIT_OK;
    double k = (double)k_seeds;
    printf("\nover %llu seeds (%llu to %llu), mean [lowest, highest]: %.3g [%.0f, %.0f] of %d "
           "statistics in the 50 %% interval, %.3g [%.0f, %.0f] in the 90 %%; mean CRPS %.4g "
           "[%.4g, %.4g]\n", (unsigned long long)k_seeds, (unsigned long long)seed,
           (unsigned long long)(seed + k_seeds - 1), all[COV50][0] / k, all[COV50][1],
           all[COV50][2], n_stats, all[COV90][0] / k, all[COV90][1], all[COV90][2],
           all[CRPS][0] / k, all[CRPS][1], all[CRPS][2]);
    if (!backtest)
        return CLI_EXIT_OK;
    printf("\nbacktest over the seeds: the model's mean CRPS by group, mean [lowest, highest], "
           "and on how many seeds it beat each naive forecast\n");
    printf("%-12s %5s %24s %10s %11s %14s %14s\n", "group", "stats", "model", "normal",
           "persistence", "beat normal", "beat persist.");
    for (int g = 0; g < 4; g++) {
        if (first.n[g] == 0)
            continue;
        char m[48], p[32], bp[32];
        snprintf(m, sizeof m, "%.3g [%.3g, %.3g]", grp[g][0] / k, grp[g][1], grp[g][2]);
        if (first.n_p[g] > 0) {
            snprintf(p, sizeof p, "%.3g", first.persist[g]);
            snprintf(bp, sizeof bp, "%d of %llu", beats_p[g], (unsigned long long)k_seeds);
        } else {
            snprintf(p, sizeof p, "n/a");
            snprintf(bp, sizeof bp, "n/a");
        }
        printf("%-12s %5d %24s %10.3g %11s %9d of %llu %14s\n", group_names[g], first.n[g], m,
               first.normal[g], p, beats_n[g], (unsigned long long)k_seeds, bp);
    }
    printf("(persistence is compared over the statistics where it exists)\n");
    return CLI_EXIT_OK;
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
    forecast_kind kind = FORECAST_CONTINUE;
    if (inv->opt[OPT_FORECAST].set) {
        const char *kind_s = inv->opt[OPT_FORECAST].str;
        if (!has_holdout)
            return cli_usage_error("--forecast goes with --holdout-from or --backtest");
        if (strcmp(kind_s, "median") == 0)
            kind = FORECAST_MEDIAN;
        else if (strcmp(kind_s, "posterior") == 0)
            kind = FORECAST_POSTERIOR;
        else if (strcmp(kind_s, "continue") != 0)
            return cli_usage_error("bad --forecast '%s': expected 'posterior', 'median' or "
                                   "'continue'", kind_s);
    }
    uint64_t k_seeds = inv->opt[OPT_SEEDS].set ? inv->opt[OPT_SEEDS].num : 1;
    if (inv->opt[OPT_SEEDS].set && !has_holdout)
        return cli_usage_error("--seeds goes with --holdout-from or --backtest");
    if (k_seeds > 1 && inv->opt[OPT_OUT].set)
        return cli_usage_error("--out writes one forecast's scores: not with --seeds above 1");
    if (posterior && (has_holdout || !inv->opt[OPT_PARAMS].set))
        return cli_usage_error("--posterior needs --params FILE and goes without --holdout-from "
                               "and --backtest");
    if (has_holdout && !inv->opt[OPT_PARAMS].set)
        return cli_usage_error("%s needs --params FILE (what to calibrate)",
                               backtest ? "--backtest" : "--holdout-from");
    cli_calib_inputs in;
    int rc = cli_calib_load(inv->n_args ? inv->args[0] : NULL, inv->opt[OPT_OBSERVED].str,
                            inv->opt[OPT_AGGREGATES].str, inv->opt[OPT_PARAMS].str, &in);
    forecast f = {0};
    bool quiet = inv->opt[OPT_QUIET].set;
    if (rc != CLI_EXIT_OK)
        goto done;
    uint64_t seed = inv->opt[OPT_SEED].set ? inv->opt[OPT_SEED].num : bk_scenario_seed(in.sc);
    validate_args va = {.inv = inv, .in = &in, .kind = kind, .verbose = !quiet};
    cli_calib_window(&in, &va.from, &va.to);
    if (backtest && !inv->opt[OPT_HOLDOUT].set)
        holdout = va.from + BACKTEST_ORIGIN_DAYS;
    if (has_holdout && (holdout <= va.from || holdout > va.to)) {
        char a[11], b[11];
        bk_date_format(va.from, a);
        bk_date_format(va.to, b);
        rc = cli_usage_error("--holdout-from must fall after the window's first day and on "
                             "or before its last (%s to %s)", a, b);
        goto done;
    }
    va.holdout = has_holdout ? holdout : 0;
    va.n = inv->opt[OPT_REPLICATIONS].set ? inv->opt[OPT_REPLICATIONS].num : DEFAULT_REPLICATIONS;
    va.threads = inv->opt[OPT_THREADS].set ? (int)inv->opt[OPT_THREADS].num : 0;
    if (k_seeds > 1) {
        va.verbose = false;
        rc = forecast_seeds(&va, seed, k_seeds, backtest, quiet);
        goto done;
    }
    rc = forecast_run(&va, seed, &f);
    if (rc != CLI_EXIT_OK)
        goto done;
    if (backtest && !quiet) {
        group_scores gs;
        rc = backtest_scores(&in, f.obs, f.val, holdout, true, &gs);
        if (rc != CLI_EXIT_OK)
            goto done;
    }
    if (inv->opt[OPT_OUT].set) {
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        if (!out || bk_validation_write_csv(f.val, out) != BK_OK || fclose(out) != 0) {
            free(text);
            cli_error("out of memory");
            rc = CLI_EXIT_INTERNAL;
            goto done;
        }
        rc = cli_write_file_atomic(inv->opt[OPT_OUT].str, text, len);
        free(text);
    }
done:
    forecast_release(&f);
    cli_calib_release(&in);
    return rc;
}
