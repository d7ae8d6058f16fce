/* test_decide.c: the decision analyses. Vulnerability: the static max flow of a small network,
 * and, with an armed group that cannot attack, the simulated closures agree with the static
 * analysis; the same bytes with any number of threads. */
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
#include "bk_test.h"

static bk_scenario *load_two(void)
{
    char *path = bk_test_source_path("scenarios/test/two-corridors.yaml");
    bk_error err = {0};
    bk_scenario *sc = NULL;
    bk_status st = bk_scenario_load_file(path, &sc, &err);
    free(path);
    assert_int_equal(st, BK_OK);
    return sc;
}

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
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(bk_vulnerability_write_json(v, f), BK_OK);
    fclose(f);
    return buf;
}

/* The two-corridor network is limited by its ports (20 + 12 tankers/day); each corridor's
 * roads carry its port's flow and nothing else, and the link road between the two towns is
 * used by no corridor. */
static void static_flow_of_two_corridors(void **state)
{
    (void)state;
    bk_scenario *sc = load_two();
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
    bk_scenario_free(sc);
}

/* With an armed group that cannot attack, closing an element for the whole horizon costs the
 * simulation about the flow the static analysis says it carries: within 15 % of the maximum
 * flow a day (the pipeline of tankers already past the closure at the start accounts for the
 * rest), nothing where the static loss is zero, and the order of the static losses is kept. */
static void zero_threat_simulation_matches_static(void **state)
{
    (void)state;
    bk_scenario *sc = load_two();
    disarm(sc);
    bk_vuln_config cfg;
    bk_vuln_config_init(&cfg, sc);
    cfg.replications = 4;
    cfg.simulate = 0;
    cfg.threads = 2;
    bk_vulnerability *v = NULL;
    bk_error err = {0};
    assert_int_equal(bk_vulnerability_run(sc, &cfg, &v, &err), BK_OK);
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
    bk_scenario_free(sc);
}

/* Same seed, same bytes, with one thread or three. */
static void vulnerability_is_deterministic(void **state)
{
    (void)state;
    bk_scenario *sc = load_two();
    char *text[2];
    for (int k = 0; k < 2; k++) {
        bk_vuln_config cfg;
        bk_vuln_config_init(&cfg, sc);
        cfg.replications = 5;
        cfg.simulate = 4;
        cfg.threads = k == 0 ? 1 : 3;
        bk_vulnerability *v = NULL;
        bk_error err = {0};
        assert_int_equal(bk_vulnerability_run(sc, &cfg, &v, &err), BK_OK);
        text[k] = json_of(v);
        bk_vulnerability_free(v);
    }
    assert_string_equal(text[0], text[1]);
    free(text[0]);
    free(text[1]);
    bk_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(static_flow_of_two_corridors),
        cmocka_unit_test(zero_threat_simulation_matches_static),
        cmocka_unit_test(vulnerability_is_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
