/* test_decide.c: the decision analyses. Vulnerability: the static max flow of a small network,
 * and, with an armed group that cannot attack, the simulated closures agree with the static
 * analysis; the same bytes with any number of threads. Optimise: lever and objective files,
 * determinism, the objective's weights (unmet_priority_l among them) in the harm. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "blockade/decide.h"
#include "blockade/sim.h"
#include "bk_test.h"
#include "bk_test_model.h"
#include "decide_fixture.h"
#include "bk_test_main.h"

/* An armed group that never attacks: no ambush reaches a threshold of success of 1 (the
 * unescorted success is below 1), and no road cuts. */
static void disarm(bk_scenario *sc)
{
    bk_error err = {0};
    assert_int_equal(bk_scenario_set(sc, "armed_group.ambush.min_success", 1.0, &err), BK_OK);
    assert_int_equal(bk_scenario_set(sc, "armed_group.road_cuts.rate_per_day", 0.0, &err), BK_OK);
}

static char *json_of(const bk_vulnerability *v)
{
    bk_test_capture cap;
    assert_int_equal(bk_vulnerability_write_json(v, bk_test_capture_open(&cap)), BK_OK);
    return bk_test_capture_close(&cap);
}

/* The two-corridor network is limited by its ports (20 + 12 tankers/day); each corridor's
 * roads carry its port's flow and nothing else, and the link road between the two towns is
 * used by no corridor. */
static void static_flow_of_two_corridors(void **state)
{
    bk_scenario *sc = *state;
    bk_vuln_config cfg;
    bk_vuln_config_init(&cfg, sc);
    cfg.replications = 0;
    bk_vulnerability *v = NULL;
    bk_error err = {0};
    assert_int_equal(bk_vulnerability_run(sc, &cfg, &v, &err), BK_OK);
    assert_true(fabs(bk_vulnerability_max_flow(v) - 32.0) < 1e-9);
    int n = bk_vulnerability_count(v);
    assert_true(n > 0);
    for (int i = 0; i < n; i++) {
        const bk_vuln_item *it = bk_vulnerability_item(v, i);
        assert_int_equal(it->static_rank, i + 1);
        assert_false(it->simulated);
        if (strncmp(it->id, "west", 4) == 0 && strcmp(it->id, "west_town-south_town") != 0)
            assert_true(fabs(it->static_loss - 20.0) < 1e-9);
        else if (strncmp(it->id, "south", 5) == 0)
            assert_true(fabs(it->static_loss - 12.0) < 1e-9);
        else
            assert_true(it->static_loss == 0.0);
        if (i > 0)
            assert_true(bk_vulnerability_item(v, i - 1)->static_loss >= it->static_loss);
    }
    bk_vulnerability_free(v);
}

/* With an armed group that cannot attack, closing an element for the whole horizon costs the
 * simulation about the flow the static analysis says it carries: within 15 % of the maximum
 * flow a day (the pipeline of tankers already past the closure at the start accounts for the
 * rest), nothing where the static loss is zero, and the order of the static losses is kept. */
static void zero_threat_simulation_matches_static(void **state)
{
    bk_scenario *sc = *state;
    disarm(sc);
    bk_vulnerability *v = NULL;
    bk_error err = {0};
    assert_int_equal(small_vulnerability(sc, 4, 0, 2, 0, &v, &err), BK_OK);
    double mf = bk_vulnerability_max_flow(v);
    int days = bk_scenario_days(sc);
    int n = bk_vulnerability_count(v);
    for (int i = 0; i < n; i++) {
        const bk_vuln_item *a = bk_vulnerability_item(v, i);
        assert_true(a->simulated);
        double lost = -a->d_deliveries / days;
        if (a->static_loss == 0.0)
            assert_true(fabs(a->d_deliveries) < 1e-9);
        assert_true(fabs(lost - a->static_loss) <= 0.15 * mf);
        for (int j = 0; j < n; j++) {
            const bk_vuln_item *b = bk_vulnerability_item(v, j);
            if (a->static_loss > b->static_loss + 1.0)
                assert_true(a->d_deliveries < b->d_deliveries);
        }
    }
    bk_vulnerability_free(v);
}

/* Same seed, same bytes, with one thread or three. */
static void vulnerability_is_deterministic(void **state)
{
    bk_scenario *sc = *state;
    char *text[2];
    for (int k = 0; k < 2; k++) {
        bk_vulnerability *v = NULL;
        bk_error err = {0};
        assert_int_equal(small_vulnerability(sc, 5, 4, k == 0 ? 1 : 3, 0, &v, &err), BK_OK);
        text[k] = json_of(v);
        bk_vulnerability_free(v);
    }
    assert_string_equal(text[0], text[1]);
    free(text[0]);
    free(text[1]);
}


/* ---- optimise ------------------------------------------------------------------------------ */

#define levers_text bk_test_reference_levers

static void expect_lever_error(const bk_scenario *sc, const char *text, bk_status want, int line,
                               int col, const char *needle)
{
    bk_levers *lv = NULL;
    bk_error err = {0};
    bk_status st = bk_levers_load_string(text, strlen(text), "l.yaml", sc, &lv, &err);
    if (st != want || err.line != line || (col && err.column != col)
        || !strstr(err.message, needle))
        fail_msg("want %d at %d:%d with '%s', got %d: %s", want, line, col, needle, st,
                 err.message);
    assert_null(lv);
    char pre[32];
    snprintf(pre, sizeof pre, "l.yaml:%d:", line);
    assert_non_null(strstr(err.message, pre));
}

/* Every error of a lever file names the file, line and column. */
static void lever_file_errors(void **state)
{
    bk_scenario *sc = *state;
    expect_lever_error(sc, "levers: [\n", BK_ERR_SYNTAX, 2, 0, "not valid YAML");
    expect_lever_error(sc, "levers:\n  - {path: corridors.west.escort.unitz, min: 0, max: 3}\n",
                       BK_ERR_REFERENCE, 2, 12, "no key 'unitz'");
    expect_lever_error(sc, "levers:\n  - {path: corridors.nowhere.escort.units, min: 0, max: 3}\n",
                       BK_ERR_REFERENCE, 2, 12, "no item 'nowhere'");
    expect_lever_error(sc, "levers:\n  - {path: corridors.west.escort.units, min: 4, max: 3}\n",
                       BK_ERR_VALUE, 2, 0, "greater than 'min'");
    expect_lever_error(sc, "levers:\n  - {path: corridors.west.escort.units, min: 0, max: 2.5}\n",
                       BK_ERR_VALUE, 2, 0, "whole numbers");
    expect_lever_error(sc, "levers:\n  - {path: policy.convoy.speed_factor, min: 0.5, max: 3}\n",
                       BK_ERR_VALUE, 2, 12, "speed_factor");
    expect_lever_error(sc, "levers:\n  - {path: armed_group.cells.west_cell.home, choices: "
                           "[west_town, atlantis]}\n", BK_ERR_REFERENCE, 2, 0, "atlantis");
    expect_lever_error(sc, "levers:\n  - {path: corridors.west.escort.units, min: 0, max: 3}\n"
                           "  - {path: corridors.south.escort.units, min: 0, max: 3}\n"
                           "budgets:\n  - {levers: [corridors.west.escort.units, "
                           "corridors.south.escort.units], total: 9}\n",
                       BK_ERR_VALUE, 5, 0, "cannot be met");
    expect_lever_error(sc, "levers:\n  - {path: corridors.west.escort.units, min: 0, max: 3}\n"
                           "budgets:\n  - {levers: [corridors.west.escort.units, fleet.x], "
                           "total: 2}\n", BK_ERR_REFERENCE, 4, 0, "not a lever");
    expect_lever_error(sc, "levers:\n  - {path: corridors.west.escort.units, min: 0, max: 3, "
                           "colour: red}\n", BK_ERR_SCHEMA, 2, 0, "unexpected key");
    /* a construct with which libfyaml crashes (tests/fuzz/corpus/levers) is refused first */
    expect_lever_error(sc, "levers:\n  - {path: corridors.west.escort.units, min: 0, max: 3}\n"
                           ":  ?  ? . ?  ? 0\n", BK_ERR_SYNTAX, 3, 4, "explicit-key");
    bk_levers *lv = NULL;
    bk_error err = {0};
    assert_int_equal(bk_levers_load_string(levers_text, strlen(levers_text), "l.yaml", sc, &lv,
                                           &err), BK_OK);
    bk_levers_free(lv);
    bk_objective *obj = NULL;
    const char *bad = "harm:\n  unmet_l: 1.0e-6\n  happiness: 2\n";
    assert_int_equal(bk_objective_load_string(bad, strlen(bad), "o.yaml", &obj, &err),
                     BK_ERR_REFERENCE);
    assert_null(obj);
    assert_non_null(strstr(err.message, "o.yaml:3:3:"));
    const char *badm = "harm: {unmet_l: 1}\nmeasure: median\n";
    assert_int_equal(bk_objective_load_string(badm, strlen(badm), "o.yaml", &obj, &err),
                     BK_ERR_VALUE);
    assert_non_null(strstr(err.message, "o.yaml:2:10:"));
    const char *badq = "harm: {unmet_l: 1}\n? measure\n";
    assert_int_equal(bk_objective_load_string(badq, strlen(badq), "o.yaml", &obj, &err),
                     BK_ERR_SYNTAX);
    assert_non_null(strstr(err.message, "o.yaml:2:1:"));
}

static char *optimise_json_obj(const bk_scenario *sc, const char *levers, const char *objective,
                               int threads, bk_optimise_summary *sum)
{
    bk_optimise *o = NULL;
    bk_error err = {0};
    if (small_optimise(sc, levers, objective, threads, &o, &err) != BK_OK)
        fail_msg("optimise: %s", err.message);
    if (sum)
        bk_optimise_get_summary(o, sum);
    bk_test_capture cap;
    assert_int_equal(bk_optimise_write_json(o, bk_test_capture_open(&cap)), BK_OK);
    bk_optimise_free(o);
    return bk_test_capture_close(&cap);
}

static char *optimise_json(const bk_scenario *sc, const char *levers, int threads,
                           bk_optimise_summary *sum)
{
    return optimise_json_obj(sc, levers, NULL, threads, sum);
}

/* The selection's guarantee is for means: a CVaR objective's output says none applies to it, a
 * mean objective's does not. The final check gives a CVaR objective's improvement in the CVaR
 * a paired-bootstrap interval, the same bytes with 1 or 3 threads; a mean
 * objective's output has none and its summary says NaN. */
static void cvar_selection_states_no_guarantee(void **state)
{
    bk_scenario *sc = *state;
    const char *cvar = "harm: {unmet_l: 1.0e-6}\nmeasure: cvar\nlevel: 0.8\n";
    bk_optimise_summary sa, sm;
    char *a = optimise_json_obj(sc, levers_text, cvar, 2, &sa);
    BK_TEST_HAS_ALL(a, "\"guarantee\": \"for the mean only: none for the CVaR\"",
                    "\"cvar_ci95_bootstrap\": [");
    assert_true(isfinite(sa.today_cvar) && sa.today_cvar_lo <= sa.today_cvar_hi);
    assert_true(isfinite(sa.adapted_cvar) && sa.adapted_cvar_lo <= sa.adapted_cvar_hi);
    char *a1 = optimise_json_obj(sc, levers_text, cvar, 1, NULL);
    char *a3 = optimise_json_obj(sc, levers_text, cvar, 3, NULL);
    assert_string_equal(a, a1);
    assert_string_equal(a, a3);
    char *b = optimise_json(sc, levers_text, 2, &sm);
    assert_null(strstr(b, "\"guarantee\""));
    assert_null(strstr(b, "cvar_"));
    assert_true(isnan(sm.today_cvar) && isnan(sm.adapted_cvar_hi));
    free(a);
    free(a1);
    free(a3);
    free(b);
}

/* Same seed, same bytes, with one thread or three. */
static void optimise_is_deterministic(void **state)
{
    bk_scenario *sc = *state;
    bk_optimise_summary s1, s3;
    char *a = optimise_json(sc, levers_text, 1, &s1);
    char *b = optimise_json(sc, levers_text, 3, &s3);
    assert_string_equal(a, b);
    assert_true(s1.evaluations > 2);
    assert_true(isfinite(s1.adapted));
    free(a);
    free(b);
}

/* The part of optimise.json after "finalists": the choices, without the search's numbers. */
static char *chosen_part(const char *json)
{
    const char *p = strstr(json, "\"today\": {\"chosen\": ");
    assert_non_null(p);
    const char *e = strstr(p, ", \"improvement\"");
    assert_non_null(e);
    return strndup(p, (size_t)(e - p));
}

/* The first-stage harm of the default (the mean over replications 0..n-1 of the weighted
 * metrics), read from optimise.json: the finalist whose levers are the default's. */
static double default_harm(const char *json)
{
    const char *d = strstr(json, "\"default\": \"");
    assert_non_null(d);
    d += strlen("\"default\": \"");
    const char *e = strchr(d, '"');
    assert_non_null(e);
    char key[512];
    snprintf(key, sizeof key, "{\"levers\": \"%.*s\", \"harm_today\": ", (int)(e - d), d);
    const char *h = strstr(json, key);
    assert_non_null(h);
    return strtod(h + strlen(key), NULL);
}

/* unmet_priority_l is a metric the objective accepts, and weighting it adds its weight times
 * the mean of the priority sectors' unmet litres to the harm, the same replications as the
 * search's (seed, replications 0..5, 30 days). The test world's power sector, flagged priority,
 * is moved to the last tier so that the priority sectors go short. */
static void objective_weights_unmet_priority(void **state)
{
    bk_scenario *sc = *state;
    bk_error err = {0};
    assert_int_equal(bk_scenario_set_text(sc, "city.sectors.power.tier", "4", &err), BK_OK);
    bk_objective *obj = NULL;
    const char *ok = "harm:\n  unmet_priority_l: 2.0e-6\nmeasure: cvar\n";
    assert_int_equal(bk_objective_load_string(ok, strlen(ok), "o.yaml", &obj, &err), BK_OK);
    bk_objective_free(obj);

    /* the means the harm should be made of */
    bk_optimise_config oc;
    bk_optimise_config_init(&oc, sc);
    double mu_u = 0, mu_p = 0;
    for (uint32_t r = 0; r < 6; r++) {
        bk_run_config rc;
        bk_run_config_init(&rc, sc);
        rc.seed = oc.seed;
        rc.replication = r;
        rc.days = 30;
        bk_run *run = NULL;
        assert_int_equal(bk_sim_run(sc, &rc, &run, &err), BK_OK);
        bk_run_totals t;
        bk_run_get_totals(run, &t);
        assert_true(t.unmet_priority_l <= t.unmet_l);
        mu_u += t.unmet_l / 6;
        mu_p += t.unmet_priority_l / 6;
        bk_run_free(run);
    }
    assert_true(mu_p > 1e5 && mu_p < mu_u);

    char *a = optimise_json_obj(sc, levers_text, "harm: {unmet_l: 1.0e-6}\n", 2, NULL);
    char *b = optimise_json_obj(sc, levers_text,
                                "harm: {unmet_l: 1.0e-6, unmet_priority_l: 4.0e-6}\n", 2, NULL);
    char *c = optimise_json_obj(sc, levers_text, "harm: {unmet_priority_l: 1.0e-6}\n", 2, NULL);
    double ha = default_harm(a), hb = default_harm(b), hc = default_harm(c);
    double tol = 1e-8 * hb;
    if (fabs(ha - 1e-6 * mu_u) > tol || fabs(hc - 1e-6 * mu_p) > tol
        || fabs(hb - ha - 4e-6 * mu_p) > tol)
        fail_msg("harms %.10g %.10g %.10g; means unmet %.10g, priority %.10g", ha, hb, hc, mu_u,
                 mu_p);
    assert_true(hb > ha);
    free(a);
    free(b);
    free(c);
}

/* With an armed group that cannot attack, escorts change nothing: every allocation has the
 * same harm, the best is the default, whatever the group's strength and intelligence (the
 * threat) is. */
static void zero_threat_allocation_independent_of_threat(void **state)
{
    (void)state;
    char *choice[2];
    for (int k = 0; k < 2; k++) {
        bk_scenario *sc = bk_test_load_reference();
        disarm(sc);
        bk_error err = {0};
        double s = k ? 150.0 : 5.0, q = k ? 0.9 : 0.05;
        assert_int_equal(bk_scenario_set(sc, "armed_group.cells.west_cell.strength", s, &err),
                         BK_OK);
        assert_int_equal(bk_scenario_set(sc, "armed_group.cells.west_cell.intelligence", q,
                                         &err), BK_OK);
        bk_optimise_summary sum;
        char *j = optimise_json(sc, levers_text, 2, &sum);
        assert_true(sum.today == 0.0);
        choice[k] = chosen_part(j);
        assert_non_null(strstr(choice[k], "west.escort.units 6, south.escort.units 4"));
        free(j);
        bk_scenario_free(sc);
    }
    assert_string_equal(choice[0], choice[1]);
    free(choice[0]);
    free(choice[1]);
}

BK_TEST_MAIN_EACH(bk_test_setup_reference, bk_test_teardown_scenario, static_flow_of_two_corridors,
                  zero_threat_simulation_matches_static, vulnerability_is_deterministic,
                  lever_file_errors, optimise_is_deterministic, cvar_selection_states_no_guarantee,
                  zero_threat_allocation_independent_of_threat, objective_weights_unmet_priority)
