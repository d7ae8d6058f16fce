/* test_calibrate.c: ABC-SMC on a problem whose posterior is known, the same posterior whatever
 * the number of threads (toy problem and a real scenario), spec files and their errors, the
 * Morris and Sobol estimators on a linear function with known indices, and the commands
 * (skipped until they are registered: `blockade calibrate --help` exits 2 before that).
 *
 * The toy: y-bar = 1 is the mean of n = 10 draws from N(theta, 1), the prior on theta is
 * Uniform(-5, 5); the posterior is N(1, 1/10) truncated far in its tails, so mean 1 and sd
 * 0.316. ABC with a small final tolerance must come close: mean within 0.1, sd within
 * 0.25-0.45 (the tolerance adds a little spread).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>

#include "analysis/calibration/observed.h"
#include "analysis/calibration/sensitivity.h"
#include "bk_test.h"
#include "bk_test_cli.h"
#include "bk_test_model.h"
#include "bk_test_main.h"
#include "blockade/blockade.h"
#include "engine/rng.h"

static bk_status toy_sim(void *ud, const double *theta, uint64_t seed, double *sim,
                         double *target, bk_error *err)
{
    (void)ud;
    (void)err;
    bk_rng r;
    bki_rng_init(&r, seed, 0, BK_RNG_TEST, 0);
    double s = 0;
    for (int i = 0; i < 10; i++)
        s += theta[0] + gsl_ran_gaussian(bki_rng_gsl(&r), 1.0);
    sim[0] = s / 10;
    target[0] = 1.0;
    return BK_OK;
}

static bk_abc_result *run_toy(int threads, bk_abc_kernel kernel)
{
    static const bk_param prior = {"theta", BK_PRIOR_UNIFORM, -5, 5};
    bk_abc_problem prob = {1, &prior, 1, NULL, NULL, toy_sim, NULL, NULL};
    bk_abc_config cfg;
    bk_abc_config_init(&cfg);
    cfg.seed = 42;
    cfg.particles = 400;
    cfg.generations = 5;
    cfg.threads = threads;
    cfg.kernel = kernel;
    bk_abc_result *r = NULL;
    bk_error err;
    assert_int_equal(bk_abc_run(&prob, &cfg, &r, &err), BK_OK);
    return r;
}

static void check_toy_posterior(bk_abc_kernel kernel)
{
    bk_abc_result *r = run_toy(2, kernel);
    bk_abc_summary s;
    bk_abc_summarize(r, 0, &s);
    if (fabs(s.mean - 1.0) > 0.1 || s.sd < 0.25 || s.sd > 0.45)
        fail_msg("ABC posterior (kernel %d) mean %g sd %g; analytic 1 and 0.316", (int)kernel,
                 s.mean, s.sd);
    assert_true(s.q05 < s.q50 && s.q50 < s.q95);
    double wsum = 0;
    for (int i = 0; i < bk_abc_particles(r); i++)
        wsum += bk_abc_weights(r)[i];
    assert_true(fabs(wsum - 1) < 1e-9);
    /* the tolerance decreases and every generation has its diagnostics */
    assert_int_equal(bk_abc_generations(r), 6);
    bk_abc_generation g0, g6;
    bk_abc_get_generation(r, 0, &g0);
    bk_abc_get_generation(r, 5, &g6);
    assert_true(g6.tolerance < g0.tolerance);
    if (!(g6.ess > 50 && g6.ess <= 400.0 + 1e-6))
        fail_msg("ESS %g", g6.ess);
    assert_true(g0.acceptance > 0 && g0.acceptance <= 1);
    bk_abc_result_free(r);
}

/* a and b have the same first n particles (of dims parameters each) and weights, to the bit. */
static void assert_same_particles(const bk_abc_result *a, const bk_abc_result *b, int n, int dims)
{
    assert_memory_equal(bk_abc_theta(a), bk_abc_theta(b), (size_t)n * dims * sizeof(double));
    assert_memory_equal(bk_abc_weights(a), bk_abc_weights(b), (size_t)n * sizeof(double));
}

/* Both kernels find the analytic posterior (the local one: mean 0.999, sd 0.313). */
static void test_toy_posterior(void **state)
{
    (void)state;
    check_toy_posterior(BK_ABC_KERNEL_GLOBAL);
    check_toy_posterior(BK_ABC_KERNEL_LOCAL);
}

static void test_toy_threads(void **state)
{
    (void)state;
    for (int kernel = BK_ABC_KERNEL_GLOBAL; kernel <= BK_ABC_KERNEL_LOCAL; kernel++) {
        bk_abc_result *r[2] = {run_toy(1, (bk_abc_kernel)kernel),
                               run_toy(3, (bk_abc_kernel)kernel)};
        int n = bk_abc_particles(r[0]);
        assert_int_equal(n, bk_abc_particles(r[1]));
        assert_same_particles(r[0], r[1], n, 1);
        bk_abc_result_free(r[0]);
        bk_abc_result_free(r[1]);
    }
}

static void test_spec_errors(void **state)
{
    (void)state;
    bk_calib_spec *spec = NULL;
    bk_error err;
    const char *ok = "parameters:\n  - {path: fleet.fear_per_attack, prior: uniform, low: 0.1, "
                     "high: 0.5}\n";
    assert_int_equal(bk_calib_spec_load_string(ok, strlen(ok), "ok.yaml", &spec, &err), BK_OK);
    assert_int_equal(spec->n_params, 1);
    assert_true(spec->day_from < 0);
    assert_false(spec->regions);
    assert_true(fabs(bk_param_at(&spec->params[0], 0.5) - 0.3) < 1e-12);
    bk_calib_spec_free(spec);
    const bk_param lp = {"x", BK_PRIOR_LOGUNIFORM, 0.01, 1};
    assert_true(fabs(bk_param_at(&lp, 0.5) - 0.1) < 1e-12);
    static const struct {
        const char *text;
        bk_status st;
        const char *want;
    } bad[] = {
        {"parameters: [\n", BK_ERR_SYNTAX, "not valid YAML"},
        {"name: x\n", BK_ERR_SCHEMA, "parameters"},
        {"params:\n  - {path: a}\n", BK_ERR_SCHEMA, "unexpected key"},
        {"parameters:\n  - {path: a.b, prior: normal, low: 0, high: 1}\n", BK_ERR_VALUE,
         "bad.yaml:2: prior must be uniform or loguniform"},
        {"parameters:\n  - {path: a.b, low: 1, high: 0}\n", BK_ERR_VALUE, "low < high"},
        {"parameters:\n  - {path: a.b, prior: loguniform, low: 0, high: 1}\n", BK_ERR_VALUE,
         "low > 0"},
        {"parameters:\n  - {path: a.b, low: 0, high: 1}\n  - {path: a.b, low: 0, high: 1}\n",
         BK_ERR_VALUE, "given twice"},
        {"parameters:\n  - {path: observation.other, low: 0, high: 1}\n", BK_ERR_VALUE,
         "observation.report_prob"},
        {"window: {from: 2025-09-30, to: 2025-09-01}\nparameters:\n  - {path: a, low: 0, high: 1}\n",
         BK_ERR_VALUE, "window"},
        {"observation:\n  regions: yes\nparameters:\n  - {path: a, low: 0, high: 1}\n",
         BK_ERR_VALUE, "bad.yaml:2: observation.regions must be true or false"},
        {"observation:\n  report_prob: 0.5\n  regoins: true\nparameters:\n"
         "  - {path: a, low: 0, high: 1}\n",
         BK_ERR_SCHEMA, "bad.yaml:3: unexpected key in observation"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(bk_calib_spec_load_string(bad[i].text, strlen(bad[i].text), "bad.yaml",
                                                   &spec, &err), bad[i].st);
        assert_null(spec);
        if (!strstr(err.message, bad[i].want))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.message, bad[i].want);
    }
}

/* The two-corridor scenario, its observed record, the test calibration spec and the
 * calibration problem they make. */
typedef struct calib_world {
    bk_scenario *sc;
    bk_events *ev;
    bk_aggregates *ag;
    bk_calib_spec *spec;
    bk_obs *obs;
    bk_calibration *cal;
} calib_world;

static void world_open(calib_world *w)
{
    char *pp = bk_test_source_path("tests/data/calib-spec.yaml");
    bk_error err;
    bk_test_observed_world(&w->sc, &w->ev, &w->ag);
    assert_int_equal(bk_calib_spec_load_file(pp, &w->spec, &err), BK_OK);
    free(pp);
    bk_obs_config oc;
    bk_obs_config_init(&oc, w->sc);
    oc.day_from = w->spec->day_from;
    oc.day_to = w->spec->day_to;
    assert_int_equal(bk_obs_new(w->sc, w->ev, w->ag, &oc, &w->obs, &err), BK_OK);
    assert_int_equal(bk_calibration_new(w->sc, w->spec, w->obs, &w->cal, &err), BK_OK);
}

static void world_close(calib_world *w)
{
    bk_calibration_free(w->cal);
    bk_obs_free(w->obs);
    bk_calib_spec_free(w->spec);
    bk_aggregates_free(w->ag);
    bk_events_free(w->ev);
    bk_scenario_free(w->sc);
}

static void abc_small(const bk_abc_problem *prob, int threads, int generations,
                      bk_abc_result **out)
{
    bk_abc_config cfg;
    bk_abc_config_init(&cfg);
    cfg.seed = 3;
    cfg.particles = 12;
    cfg.generations = generations;
    cfg.pilot_factor = 2;
    cfg.threads = threads;
    bk_error err;
    assert_int_equal(bk_abc_run(prob, &cfg, out, &err), BK_OK);
}

/* Calibration of the two-corridor scenario: the same posterior with 1 and 2 threads; a wrong
 * path fails before any run. */
static void test_scenario_threads(void **state)
{
    (void)state;
    calib_world w;
    world_open(&w);
    bk_abc_result *r[2];
    for (int t = 0; t < 2; t++)
        abc_small(bk_calibration_problem(w.cal), t + 1, 1, &r[t]);
    assert_same_particles(r[0], r[1], 12, 2);
    for (int i = 0; i < 12; i++) {
        double f = bk_abc_theta(r[0])[2 * i], p = bk_abc_theta(r[0])[2 * i + 1];
        assert_true(f >= 0.05 && f <= 0.6 && p >= 0.5 && p <= 1.0);
    }
    /* posterior.csv has a header and one row per particle */
    bk_test_capture cap;
    assert_int_equal(bk_abc_write_posterior_csv(r[0], bk_calibration_problem(w.cal),
                                                bk_test_capture_open(&cap)),
                     BK_OK);
    char *text = bk_test_capture_close(&cap);
    int lines = 0;
    for (size_t i = 0; i < cap.len; i++)
        lines += text[i] == '\n';
    assert_int_equal(lines, 13);
    assert_non_null(strstr(text, "particle,weight,distance,fleet.fear_per_attack,"
                                 "observation.report_prob"));
    /* read back: the same particles to the nine digits written, the seeds exactly; and the
     * same from a spreadsheet's copy (CRLF, every field quoted) */
    char *dir = bk_test_make_temp_dir("bk-posterior");
    size_t qlen = 0;
    char *quoted = malloc(3 * cap.len + 1);
    assert_non_null(quoted);
    for (size_t i = 0; i < cap.len; i++) {
        bool start = i == 0 || text[i - 1] == ',' || text[i - 1] == '\n';
        if (start && text[i] != '\n')
            quoted[qlen++] = '"';
        if (text[i] == ',' || text[i] == '\n')
            quoted[qlen++] = '"';
        if (text[i] == '\n')
            quoted[qlen++] = '\r';
        quoted[qlen++] = text[i];
    }
    char *files[2] = {bk_test_write_temp(dir, "posterior.csv", text, cap.len),
                      bk_test_write_temp(dir, "quoted.csv", quoted, qlen)};
    for (int f = 0; f < 2; f++) {
        bk_posterior_table t;
        bk_error perr;
        assert_int_equal(bk_abc_read_posterior_csv(files[f], w.spec, &t, &perr), BK_OK);
        assert_int_equal(t.n, 12);
        assert_int_equal(t.k, 2);
        assert_non_null(t.seed);
        for (int i = 0; i < 12; i++) {
            assert_true(fabs(t.w[i] - bk_abc_weights(r[0])[i]) <= 1e-8 * bk_abc_weights(r[0])[i]);
            for (int j = 0; j < 2; j++) {
                double want = bk_abc_theta(r[0])[2 * i + j];
                assert_true(fabs(t.theta[2 * i + j] - want) <= 1e-8 * fabs(want));
            }
            assert_true(t.seed[i] == bk_abc_seeds(r[0])[i]);
        }
        bk_posterior_table_free(&t);
        free(files[f]);
    }
    free(quoted);
    bk_test_remove_dir(dir);
    free(text);
    bk_abc_result_free(r[0]);
    bk_abc_result_free(r[1]);
    /* a path the scenario does not have */
    snprintf(w.spec->params[0].path, sizeof w.spec->params[0].path, "fleet.no_such_key");
    bk_error err;
    bk_calibration *cal = NULL;
    assert_int_not_equal(bk_calibration_new(w.sc, w.spec, w.obs, &cal, &err), BK_OK);
    assert_null(cal);
    world_close(&w);
}

/* A posterior.csv that is not one for the spec's parameters is refused at its line, with the
 * column; a file of an earlier version (no seed column) reads without seeds. */
static void test_posterior_csv_errors(void **state)
{
    (void)state;
    bk_calib_spec *spec = NULL;
    bk_error err;
    char *pp = bk_test_source_path("tests/data/calib-spec.yaml");
    assert_int_equal(bk_calib_spec_load_file(pp, &spec, &err), BK_OK);
    free(pp);
    char *dir = bk_test_make_temp_dir("bk-posterior-errors");
#define HEAD "particle,weight,distance,fleet.fear_per_attack,observation.report_prob"
    static const struct {
        const char *text;
        bk_status status;
        const char *message; /* a part of err.message */
    } cases[] = {
        {HEAD ",seed\n0,1,0.5,0.1,0.9,7\n", BK_OK, NULL},
        {HEAD "\n0,1,0.5,0.1,0.9\n\n1,2,0.5,0.2,0.8\n", BK_OK, NULL},
        {"", BK_ERR_SCHEMA, "p.csv:1: empty file"},
        {"particle,weight,distance,fleet.escorts,observation.report_prob\n", BK_ERR_SCHEMA,
         "p.csv:1: column 4 is 'fleet.escorts', expected 'fleet.fear_per_attack'"},
        {HEAD ",seed,extra\n", BK_ERR_SCHEMA, "p.csv:1: column 7 is 'extra'"},
        {"particle,weight,distance\n", BK_ERR_SCHEMA, "p.csv:1: 3 columns, expected 5"},
        {HEAD "\n0,1,0.5,0.1,0.9\n1,-1,0.5,0.1,0.9\n", BK_ERR_VALUE,
         "p.csv:3: column 2: expected a non-negative number"},
        {HEAD "\n0,1,0.5,0.1,nan\n", BK_ERR_VALUE, "p.csv:2: column 5: expected a number"},
        {HEAD "\n0,1,0.5,\"0.1,0.2\",0.9\n", BK_ERR_VALUE, "p.csv:2: column 4: expected a"},
        {HEAD "\n0,1,0.5,0.1\n", BK_ERR_VALUE, "p.csv:2: 4 columns where the header has 5"},
        {HEAD ",seed\n0,1,0.5,0.1,0.9,-3\n", BK_ERR_VALUE,
         "p.csv:2: column 6: expected a seed (a whole number)"},
        {HEAD ",seed\n0,1,0.5,0.1,0.9,18446744073709551616\n", BK_ERR_VALUE,
         "p.csv:2: column 6: expected a seed"},
        {HEAD "\n0,1,0.5,0.1,\"0.9\n", BK_ERR_SYNTAX, "p.csv:2"},
    };
#undef HEAD
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char *path = bk_test_write_temp(dir, "p.csv", cases[c].text, strlen(cases[c].text));
        bk_posterior_table t;
        memset(&err, 0, sizeof err);
        bk_status st = bk_abc_read_posterior_csv(path, spec, &t, &err);
        if (st != cases[c].status)
            fail_msg("case %zu: status %d, expected %d (%s)", c, (int)st, (int)cases[c].status,
                     err.message);
        if (cases[c].message && !strstr(err.message, cases[c].message))
            fail_msg("case %zu: '%s' lacks '%s'", c, err.message, cases[c].message);
        if (st == BK_OK) {
            assert_int_equal(t.n, c == 0 ? 1 : 2);
            assert_true(c == 0 ? t.seed && t.seed[0] == 7 : t.seed == NULL);
            assert_true(t.theta[(size_t)(t.n - 1) * 2 + 1] == (c == 0 ? 0.9 : 0.8));
        } else {
            assert_null(t.w);
            assert_null(t.seed);
        }
        bk_posterior_table_free(&t);
        free(path);
    }
    /* a header with the seed column and no particle: no particle, but the column is known */
    static const char header_only[] =
        "particle,weight,distance,fleet.fear_per_attack,observation.report_prob,seed\n";
    char *path = bk_test_write_temp(dir, "p.csv", header_only, strlen(header_only));
    bk_posterior_table t;
    assert_int_equal(bk_abc_read_posterior_csv(path, spec, &t, &err), BK_OK);
    assert_int_equal(t.n, 0);
    assert_non_null(t.seed);
    bk_posterior_table_free(&t);
    free(path);
    bk_test_remove_dir(dir);
    bk_calib_spec_free(spec);
}

/* What a run's end-of-day hook sees: the bounds of the statistics after each day. */
typedef struct bounds_seen {
    const bk_obs *obs;
    int n, days;
    double *low, *high;      /* [days * n] */
    int stop_after;          /* stop the run after this day, -1 never */
} bounds_seen;

static bool see_bounds(void *ud, const bk_run *run, int day)
{
    bounds_seen *b = ud;
    assert_int_equal(day, b->days); /* every day once, in order */
    if (day < bk_obs_days(b->obs))
        assert_int_equal(bki_obs_bounds(b->obs, run, day, 99, 0.6, b->low + day * b->n,
                                        b->high + day * b->n, NULL),
                         BK_OK);
    b->days++;
    return day != b->stop_after;
}

/* Bounds from a run stopped after any day hold for the complete run (low <= value <= high, equal
 * once a window has passed, except tankers destroyed); a hook that says stop ends the run with
 * BK_ERR_INTERRUPTED and no run. */
static void test_early_bounds(void **state)
{
    (void)state;
    calib_world w;
    world_open(&w);
    int n = bk_obs_count(w.obs), days = bk_obs_days(w.obs);
    bounds_seen b = {.obs = w.obs, .n = n, .stop_after = -1};
    b.low = calloc((size_t)(days * n), sizeof *b.low);
    b.high = calloc((size_t)(days * n), sizeof *b.high);
    double *final = calloc((size_t)n, sizeof *final);
    assert_true(b.low && b.high && final);
    bk_run_config cfg;
    bk_run_config_init(&cfg, w.sc);
    cfg.days = days;
    cfg.on_day = see_bounds;
    cfg.on_day_ud = &b;
    bk_run *run = NULL;
    bk_error err;
    assert_int_equal(bk_sim_run(w.sc, &cfg, &run, &err), BK_OK);
    assert_int_equal(b.days, days);
    assert_int_equal(bk_obs_simulate(w.obs, run, 99, 0.6, final, &err), BK_OK);
    int closed = 0, open_growth = 0;
    for (int d = 0; d < days; d++)
        for (int k = 0; k < n; k++) {
            double lo = b.low[d * n + k], hi = b.high[d * n + k];
            assert_true(lo <= final[k] && final[k] <= hi);
            closed += hi == lo;
            open_growth += d == 0 && lo < final[k];
        }
    assert_true(closed > 0);      /* some windows end within the run */
    assert_true(open_growth > 0); /* and some statistics grow after the first day */
    for (int k = 0; k < n; k++)
        assert_true(b.low[(days - 1) * n + k] == final[k]);
    bk_run_free(run);
    /* stopped after day 2 */
    b.days = 0;
    b.stop_after = 2;
    run = NULL;
    assert_int_equal(bk_sim_run(w.sc, &cfg, &run, &err), BK_ERR_INTERRUPTED);
    assert_null(run);
    assert_int_equal(b.days, 3);
    free(b.low);
    free(b.high);
    free(final);
    world_close(&w);
}

/* Stopping certain rejections early changes nothing but the work: the same particles, weights
 * and distances as running every attempt to the end, and some attempts were stopped. */
static void test_early_same_result(void **state)
{
    (void)state;
    calib_world w;
    world_open(&w);
    bk_abc_problem full = *bk_calibration_problem(w.cal);
    assert_non_null(full.sim_early);
    full.sim_early = NULL;
    bk_abc_result *r[2];
    abc_small(bk_calibration_problem(w.cal), 2, 2, &r[0]);
    abc_small(&full, 2, 2, &r[1]);
    assert_int_equal(bk_abc_generations(r[0]), bk_abc_generations(r[1]));
    assert_same_particles(r[0], r[1], 12, 2);
    assert_memory_equal(bk_abc_distances(r[0]), bk_abc_distances(r[1]), 12 * sizeof(double));
    uint64_t stopped = 0;
    for (int g = 0; g < bk_abc_generations(r[0]); g++) {
        bk_abc_generation a, b;
        bk_abc_get_generation(r[0], g, &a);
        bk_abc_get_generation(r[1], g, &b);
        assert_true(a.attempts == b.attempts && a.simulated == b.simulated);
        assert_true(a.simulated >= a.attempts);
        assert_int_equal(b.stopped, 0);
        stopped += a.stopped;
    }
    assert_true(stopped > 0);
    bk_abc_result_free(r[0]);
    bk_abc_result_free(r[1]);
    world_close(&w);
}

/* The forecast that continues the accepted runs. Each particle's seed repeats its accepted
 * simulation: the same distance to the same target, after the rejection pass and after two
 * generations. Forecasting the calibration's own statistics from the rejection pass's equally
 * weighted particles, one replication each, gives back those simulations: the same quantiles.
 * Statistics that end before the calibration's cannot continue it. */
static void test_forecast_continues(void **state)
{
    (void)state;
    calib_world w;
    world_open(&w);
    const bk_abc_problem *prob = bk_calibration_problem(w.cal);
    int s = prob->n_stats, k = prob->n_params;
    bk_error err;
    for (int gens = 0; gens <= 2; gens += 2) {
        bk_abc_result *r;
        abc_small(prob, 2, gens, &r);
        int N = bk_abc_particles(r);
        const double *scale = bk_abc_scales(r);
        double *sim = malloc((size_t)N * (size_t)s * sizeof *sim);
        double *target = malloc((size_t)s * sizeof *target), *col = malloc((size_t)N * sizeof *col);
        assert_true(sim && target && col);
        for (int i = 0; i < N; i++) {
            double *x = sim + (size_t)i * (size_t)s;
            assert_int_equal(prob->sim(prob->ud, bk_abc_theta(r) + (size_t)i * (size_t)k,
                                       bk_abc_seeds(r)[i], x, target, &err),
                             BK_OK);
            double sum = 0;
            int used = 0;
            for (int j = 0; j < s; j++)
                if (scale[j] > 0) {
                    double d = (x[j] - target[j]) / scale[j];
                    sum += d * d;
                    used++;
                }
            assert_true((used ? sqrt(sum / used) : 0.0) == bk_abc_distances(r)[i]);
        }
        if (gens == 0) {
            bk_validation *v = NULL;
            assert_int_equal(bk_calibration_forecast(w.cal, r, w.obs, (uint64_t)N, 2, NULL, &v,
                                                     &err),
                             BK_OK);
            assert_int_equal(bk_validation_count(v), s);
            for (int j = 0; j < s; j++) {
                for (int i = 0; i < N; i++)
                    col[i] = sim[(size_t)i * (size_t)s + (size_t)j];
                bk_validation_row row;
                bk_validation_get(v, j, &row);
                assert_true(row.median == bk_score_quantile(col, (size_t)N, 0.5));
                assert_true(row.q05 == bk_score_quantile(col, (size_t)N, 0.05));
                assert_true(row.q95 == bk_score_quantile(col, (size_t)N, 0.95));
            }
            bk_validation_free(v);
            /* statistics that stop a day before the calibration's */
            bk_obs_config oc;
            bk_obs_config_init(&oc, w.sc);
            oc.day_from = w.spec->day_from;
            oc.day_to = w.spec->day_to - 1;
            bk_obs *shorter = NULL;
            assert_int_equal(bk_obs_new(w.sc, w.ev, w.ag, &oc, &shorter, &err), BK_OK);
            assert_int_equal(bk_calibration_forecast(w.cal, r, shorter, 10, 1, NULL, &v, &err),
                             BK_ERR_USAGE);
            assert_null(v);
            bk_obs_free(shorter);
        }
        free(sim);
        free(target);
        free(col);
        bk_abc_result_free(r);
    }
    world_close(&w);
}

/* f = x0 + 2 x1 on [0, 1]^2: elementary effects exactly 1 and 2 (sigma 0); Sobol S1 = ST = 1/5
 * and 4/5 (variances 1/12 and 4/12). */
static void test_estimators(void **state)
{
    (void)state;
    int R = 8, k = 2;
    double *u = malloc((size_t)R * (k + 1) * k * sizeof *u), delta;
    double *f = malloc((size_t)R * (k + 1) * sizeof *f);
    bki_morris_design(9, R, k, 4, u, &delta);
    assert_true(fabs(delta - 2.0 / 3.0) < 1e-12);
    for (int i = 0; i < R * (k + 1); i++) {
        assert_true(u[i * k] >= 0 && u[i * k] <= 1 && u[i * k + 1] >= 0 && u[i * k + 1] <= 1);
        f[i] = u[i * k] + 2 * u[i * k + 1];
    }
    double mu[2], mus[2], sg[2];
    bki_morris_effects(u, f, R, k, mu, mus, sg);
    assert_true(fabs(mu[0] - 1) < 1e-9 && fabs(mus[1] - 2) < 1e-9 && sg[0] < 1e-9);
    free(u);
    free(f);
    uint64_t N = 4000;
    u = malloc(N * (k + 2) * k * sizeof *u);
    f = malloc(N * (k + 2) * sizeof *f);
    bki_saltelli_design(9, N, k, u);
    for (uint64_t i = 0; i < N * (k + 2); i++)
        f[i] = u[i * k] + 2 * u[i * k + 1];
    double s1[2], st[2];
    bki_sobol_indices(f, N, k, s1, st);
    if (fabs(s1[0] - 0.2) > 0.05 || fabs(s1[1] - 0.8) > 0.05 || fabs(st[0] - 0.2) > 0.05
        || fabs(st[1] - 0.8) > 0.05)
        fail_msg("Sobol %g %g / %g %g, expected 0.2 0.8", s1[0], s1[1], st[0], st[1]);
    free(u);
    free(f);
}

/* The commands: same posterior.csv with 1 and 2 threads; usage errors exit 2. */
static void test_cli(void **state)
{
    (void)state;
    char *dir = bk_test_make_temp_dir("bk-calibrate");
    const char *common = BK_SOURCE_DIR "/scenarios/test/two-corridors.yaml --observed "
                         BK_SOURCE_DIR "/tests/data/two-corridors-events.csv --aggregates "
                         BK_SOURCE_DIR "/tests/data/two-corridors-aggregates.csv --params "
                         BK_SOURCE_DIR "/tests/data/calib-spec.yaml --particles 10 "
                         "--generations 1 --seed 4 --quiet";
    bk_cli_sh_code(0, "calibrate %s --threads 1 --out %s/a", common, dir);
    bk_cli_sh_code(0, "calibrate %s --threads 2 --out %s/b", common, dir);
    const char *files[4] = {"posterior.csv", "diagnostics.json", "calibrated.yaml",
                            "calibrated.patch.yaml"};
    for (int i = 0; i < 4; i++) {
        char pa[1100], pb[1100];
        snprintf(pa, sizeof pa, "%s/a/%s", dir, files[i]);
        snprintf(pb, sizeof pb, "%s/b/%s", dir, files[i]);
        size_t la, lb;
        char *ta = bk_test_read_file(pa, &la), *tb = bk_test_read_file(pb, &lb);
        assert_non_null(ta);
        assert_non_null(tb);
        assert_int_equal(la, lb);
        assert_memory_equal(ta, tb, la);
        free(ta);
        free(tb);
    }
    /* --max-attempts: 50 is the default, the same posterior; 1 stops the first generation that
     * needs more than N attempts, and the diagnostics say so */
    bk_cli_sh_code(0, "calibrate %s --threads 2 --max-attempts 50 --out %s/d", common, dir);
    bk_cli_sh_code(0, "calibrate %s --threads 1 --max-attempts 1 --out %s/e", common, dir);
    char pa[1100], pd[1100];
    snprintf(pa, sizeof pa, "%s/a/posterior.csv", dir);
    snprintf(pd, sizeof pd, "%s/d/posterior.csv", dir);
    size_t la = 0, ld = 0;
    char *ta = bk_test_read_file(pa, &la), *td = bk_test_read_file(pd, &ld);
    assert_true(ta && td && la == ld && memcmp(ta, td, la) == 0);
    free(ta);
    free(td);
    snprintf(pd, sizeof pd, "%s/e/diagnostics.json", dir);
    td = bk_test_read_file(pd, NULL);
    assert_non_null(td);
    assert_non_null(strstr(td, "\"max_attempts_factor\": 1,"));
    assert_non_null(strstr(td, "\"stopped_early\": true"));
    free(td);
    bk_cli_sh_code(2, "calibrate %s --max-attempts 0", common);
    /* the calibrated scenario loads */
    bk_cli_sh_code(0, "scenario check %s/a/calibrated.yaml", dir);
    /* the posterior as a patch over the untouched original applies */
    bk_cli_sh_code(0, "scenario apply " BK_SOURCE_DIR
                   "/scenarios/test/two-corridors.yaml %s/a/calibrated.patch.yaml", dir);
    /* a parameter the scenario file leaves to its default cannot be written back: refused
     * before any simulation, with the parameter named, and no DIR */
    static const char absent[] = "name: s\nwindow: {from: 2025-09-01, to: 2025-09-20}\n"
                                 "parameters:\n  - {path: policy.convoy.escort_setup_hours, "
                                 "prior: uniform, low: 0, high: 100}\n";
    char *spec = bk_test_write_temp(dir, "absent.yaml", absent, strlen(absent));
    char *msg = bk_cli_sh(3, "calibrate " BK_SOURCE_DIR "/scenarios/test/two-corridors.yaml "
                          "--observed " BK_SOURCE_DIR "/tests/data/two-corridors-events.csv "
                          "--params %s --particles 10 --generations 1 --quiet --out %s/c", spec,
                          dir);
    assert_non_null(strstr(msg, "parameter 'policy.convoy.escort_setup_hours' cannot be written"));
    free(msg);
    char path[1100];
    snprintf(path, sizeof path, "%s/c", dir);
    assert_int_not_equal(access(path, F_OK), 0);
    free(spec);
    bk_cli_sh_code(0, "calibrate --help");
    bk_cli_sh_code(2, "calibrate --observed x.csv"); /* no --params */
    bk_cli_sh_code(2, "validate --holdout-from 2025-09-10");
    bk_cli_sh_code(2, "sensitivity --params " BK_SOURCE_DIR
                   "/tests/data/calib-spec.yaml --outcomes nothing");
    bk_test_remove_dir(dir);
}

BK_TEST_MAIN(test_toy_posterior, test_toy_threads, test_spec_errors, test_scenario_threads,
             test_posterior_csv_errors, test_early_bounds, test_early_same_result,
             test_forecast_continues, test_estimators, test_cli)
