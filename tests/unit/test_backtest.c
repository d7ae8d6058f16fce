/* test_backtest.c: the naive forecasts of the rolling-origin backtest (docs/validation.md):
 * the pre-blockade normal and persistence of the last two weeks, on the two-corridor test world
 * and its test record; and `blockade validate --backtest` end to end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockade/blockade.h"
#include "blockade/calibrate.h"
#include "bk_test.h"
#include "bk_test_cli.h"
#include "bk_test_model.h"
#include "bk_test_main.h"

#define TWO BK_SOURCE_DIR "/scenarios/test/two-corridors.yaml"
#define EVENTS BK_SOURCE_DIR "/tests/data/two-corridors-events.csv"

static const char *const keywords[] = {"tanker"};

/* The test record's aggregates plus a loss figure in the two weeks before the origin. */
static const char aggregates[] =
    "quantity,period_start,period_end,place,value_low,value_best,value_high,unit,source,note\n"
    "tankers_destroyed,2025-09-01,2025-09-20,Testland,5,10,20,tankers,test,illustrative\n"
    "escorted_convoys,2025-09-01,2025-09-20,Testland,2,3,4,convoys,test,illustrative\n"
    "fuel_imports_registered,2025-09-01,2025-09-20,Testland,20,25,30,ML,test,illustrative\n"
    "tankers_destroyed,2025-09-05,2025-09-08,Testland,6,6,6,tankers,test,before the origin\n";

typedef struct world {
    bk_scenario *sc;
    bk_events *ev;
    bk_aggregates *ag;
    bk_obs_config cfg;
} world;

static void world_open(world *w)
{
    bk_error err = {0};
    assert_int_equal(bk_scenario_load_file(TWO, &w->sc, &err), BK_OK);
    assert_int_equal(bk_events_read_file(EVENTS, NULL, &w->ev, &err), BK_OK);
    bk_events_place(w->ev, w->sc);
    assert_int_equal(bk_aggregates_read_string(aggregates, strlen(aggregates), "agg.csv", &w->ag,
                                               &err),
                     BK_OK);
    bk_obs_config_init(&w->cfg, w->sc);
    w->cfg.attack_keywords = keywords;
    w->cfg.n_attack_keywords = 1;
}

static void world_close(world *w)
{
    bk_aggregates_free(w->ag);
    bk_events_free(w->ev);
    bk_scenario_free(w->sc);
}

static bk_obs *window(const world *w, const char *from, const char *to, bool with_ag)
{
    bk_obs_config cfg = w->cfg;
    assert_true(bk_date_parse(from, &cfg.day_from));
    assert_true(bk_date_parse(to, &cfg.day_to));
    bk_obs *o = NULL;
    bk_error err = {0};
    assert_int_equal(bk_obs_new(w->sc, w->ev, with_ag ? w->ag : NULL, &cfg, &o, &err), BK_OK);
    return o;
}

/* The normal: nothing happens to fuel traffic, deliveries at the loading rates; persistence:
 * the part before the origin as recorded plus the last two weeks' rate; a quantity without a
 * figure before the origin has no persistence. */
static void test_baselines(void **state)
{
    (void)state;
    world w;
    world_open(&w);
    long origin;
    assert_true(bk_date_parse("2025-09-11", &origin));
    bk_obs *scored = window(&w, "2025-09-11", "2025-09-20", true);
    bk_obs *before = window(&w, "2025-09-01", "2025-09-10", false); /* clipped two weeks */
    int n = bk_obs_count(scored);
    bk_baseline *b = calloc((size_t)n, sizeof *b);
    assert_non_null(b);
    bk_error err = {0};
    assert_int_equal(bk_backtest_baselines(w.sc, w.ev, w.ag, &w.cfg, scored, origin, b, &err),
                     BK_OK);
    int seen_deliveries = 0, seen_losses = 0, seen_convoys = 0, seen_corridor = 0;
    for (int k = 0; k < n; k++) {
        bk_obs_stat s;
        bk_obs_get(scored, k, &s);
        double y[50];
        bk_obs_truth_quantiles(scored, k, 50, y);
        double mae_normal = 0;
        for (int i = 0; i < 50; i++)
            mae_normal += fabs(y[i] - b[k].normal_mean) / 50;
        /* a point forecast's CRPS is its absolute error */
        assert_true(fabs(b[k].normal_crps - mae_normal) < 1e-9 * (1 + mae_normal));
        if (s.group == BK_OBS_DELIVERIES) {
            /* (20 + 12) tankers/day x 45,000 L x 20 days, in ML */
            assert_true(fabs(b[k].normal_mean - 28.8) < 1e-9);
            assert_false(b[k].has_persistence);
            seen_deliveries++;
        } else {
            assert_true(b[k].normal_mean == 0);
        }
        if (s.group == BK_OBS_LOSSES) {
            /* the figure of 5-8 Sep (6) is both the part before the origin and, over the 10
             * days before the origin, a rate of 0.6 a day for the 10 days from it */
            assert_true(b[k].has_persistence);
            assert_true(fabs(b[k].persistence_mean - 12.0) < 1e-9);
            seen_losses++;
        }
        if (s.group == BK_OBS_CONVOYS) {
            assert_false(b[k].has_persistence);
            assert_true(isnan(b[k].persistence_crps));
            seen_convoys++;
        }
        if (s.group == BK_OBS_ATTACKS && s.corridor >= 0) {
            bk_obs_stat p;
            bk_obs_get(before, s.corridor, &p); /* the corridors come first, in order */
            assert_int_equal(p.corridor, s.corridor);
            assert_true(fabs(b[k].persistence_mean - p.observed / 10.0 * 10.0) < 1e-9);
            if (s.observed == 0 && p.observed == 0)
                assert_true(b[k].persistence_crps == 0);
            seen_corridor++;
        }
    }
    assert_int_equal(seen_deliveries, 1);
    assert_int_equal(seen_losses, 1);
    assert_int_equal(seen_convoys, 1);
    assert_int_equal(seen_corridor, 2);
    /* an origin on the scenario's first day leaves nothing to persist */
    long first;
    assert_true(bk_date_parse("2025-09-01", &first));
    assert_int_equal(bk_backtest_baselines(w.sc, w.ev, w.ag, &w.cfg, scored, first, b, &err),
                     BK_ERR_USAGE);
    free(b);
    bk_obs_free(before);
    bk_obs_free(scored);
    world_close(&w);
}

/* A small backtest, without its seed; BACKTEST_ARGS with seed 3. */
#define BACKTEST_BASE                                                                          \
    "validate " TWO " --observed " EVENTS " --aggregates " BK_SOURCE_DIR                          \
    "/tests/data/two-corridors-aggregates.csv --params " BK_SOURCE_DIR                            \
    "/tests/data/calib-spec.yaml --backtest --holdout-from 2025-09-11 -n 20 --particles 10 "     \
    "--generations 1 --threads 1"
#define BACKTEST_ARGS BACKTEST_BASE " --seed 3"

/* validate --backtest prints the table and the group means, forecasting by default on from the
 * calibration's accepted runs, with --forecast posterior from fresh runs of the calibrated
 * posterior's draws and with --forecast median at its medians; without --params, or --forecast
 * without a calibration or of an unknown kind, it is a usage error. */
static void test_cli_backtest(void **state)
{
    (void)state;
    bk_cli_sh_code(2, "validate --backtest --observed x.csv");
    char *text = bk_cli_sh(0, "%s", BACKTEST_ARGS);
    BK_TEST_HAS_ALL(text, "backtest: CRPS", "mean CRPS by group", "deliveries", "persistence",
                    "20 replications resampled from the 10 accepted runs");
    char *same = bk_cli_sh(0, "%s --forecast continue", BACKTEST_ARGS);
    assert_string_equal(text, same);
    char *fresh = bk_cli_sh(0, "%s --forecast posterior", BACKTEST_ARGS);
    BK_TEST_HAS_ALL(fresh, "replications over 10 posterior draws (posterior predictive)");
    /* the same calibration, fresh runs: the scores differ */
    assert_string_not_equal(strstr(text, "backtest: CRPS"), strstr(fresh, "backtest: CRPS"));
    char *median = bk_cli_sh(0, "%s --forecast median", BACKTEST_ARGS);
    BK_TEST_HAS_ALL(median, "backtest: CRPS", "20 replications, report probability");
    assert_null(strstr(median, "posterior draws"));
    /* the same calibration, another forecast: the scores differ */
    assert_string_not_equal(strstr(text, "backtest: CRPS"), strstr(median, "backtest: CRPS"));
    free(text);
    free(same);
    free(fresh);
    free(median);
    bk_cli_sh_code(2, "%s --forecast mean", BACKTEST_ARGS);
    bk_cli_sh_code(2, "%s --seeds 2 --out x.csv", BACKTEST_ARGS); /* one forecast's scores */
    bk_cli_sh_code(2, "validate " TWO " --observed " EVENTS " --seeds 2"); /* no calibration */
    bk_cli_sh_code(2, "validate " TWO " --observed " EVENTS " --forecast median");
}

/* The line of `text` that starts with `start`, as a new string without its end of line. */
static char *line_of(const char *text, const char *start)
{
    const char *p = strstr(text, start);
    assert_non_null(p);
    size_t n = strcspn(p, "\n");
    char *s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, p, n);
    s[n] = 0;
    return s;
}

/* --seeds K: K calibrations and forecasts, seed i the same as a run with --seed i, then the
 * scores over the seeds and, by group, how often the model beat each naive forecast. */
static void test_cli_backtest_seeds(void **state)
{
    (void)state;
    char *seeds = bk_cli_sh(0, "%s --seeds 2", BACKTEST_ARGS); /* seeds 3 and 4 */
    BK_TEST_HAS_ALL(seeds, "seed 3: ", "seed 4: ", "over 2 seeds (3 to 4)", "beat persist.",
                    "attacks ", " of 2 ");
    assert_null(strstr(seeds, "seed 5:"));
    /* seed 4's line holds the scores of a run with --seed 4 */
    char *one = bk_cli_sh(0, "%s", BACKTEST_ARGS);
    char *four = bk_cli_sh(0, "%s --seed 4", BACKTEST_BASE);
    char *cov = line_of(four, "coverage: "), *line = line_of(seeds, "seed 4: ");
    const char *crps = strstr(cov, "mean CRPS ");
    assert_non_null(crps);
    assert_non_null(strstr(line, crps)); /* the same mean CRPS, to its last printed digit */
    char *cov3 = line_of(one, "coverage: "), *line3 = line_of(seeds, "seed 3: ");
    assert_non_null(strstr(line3, strstr(cov3, "mean CRPS ")));
    free(cov3);
    free(line3);
    free(cov);
    free(line);
    free(four);
    free(one);
    free(seeds);
    /* quiet: nothing on stdout, success */
    char *q = bk_cli_sh(0, "%s --seeds 2 --quiet", BACKTEST_ARGS);
    assert_string_equal(q, "");
    free(q);
}

/* validate --posterior: the posterior predictive over the draws of a calibration's
 * posterior.csv; a file of another spec is refused with its line. */
static void test_cli_posterior(void **state)
{
    (void)state;
    char *dir = bk_test_temp_dir("bk-posterior");
    const char *common = TWO " --observed " EVENTS " --aggregates " BK_SOURCE_DIR
                             "/tests/data/two-corridors-aggregates.csv --params " BK_SOURCE_DIR
                             "/tests/data/calib-spec.yaml --threads 1 --seed 5";
    bk_cli_sh_code(0, "calibrate %s --particles 10 --generations 1 --quiet --out %s/cal", common,
                   dir);
    char *text = bk_cli_sh(0, "validate %s -n 20 --posterior %s/cal/posterior.csv", common, dir);
    BK_TEST_HAS_ALL(text, "posterior predictive", "coverage:");
    free(text);
    /* a posterior of other parameters */
    const char *csv = "particle,weight,distance,fleet.min_willingness,observation.report_prob\n"
                      "0,1,0.5,0.2,0.9\n";
    char *bad = bk_test_temp_file(dir, "bad.csv", csv, strlen(csv));
    text = bk_cli_sh(3, "validate %s -n 20 --posterior %s", common, bad);
    assert_non_null(strstr(text, "bad.csv:1:"));
    free(text);
    /* with --backtest it is a usage error */
    bk_cli_sh_code(2, "validate %s --backtest --posterior %s", common, bad);
    free(bad);
    bk_test_remove_dir(dir);
}

BK_TEST_MAIN(test_baselines, test_cli_backtest, test_cli_backtest_seeds, test_cli_posterior)
