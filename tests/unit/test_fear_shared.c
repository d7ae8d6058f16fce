/* test_fear_shared.c: fear shared at the port (fleet.fear_shared_port, docs/model/fleet.md
 * "Drivers' willingness"): an attack on one corridor takes the share σ of its fear from the
 * other corridors that load at the same port and nothing from the corridors of other ports, so
 * that after a single attack the sister corridor's willingness gap stays σ times the attacked
 * one's while both recover; σ = 0 leaves every other corridor alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bk_test_main.h"
#include "bk_test_model.h"
#include "blockade/blockade.h"
#include "model/run.h"

#define DAYS 40

/* The two-corridor world with a third corridor, west_b, loading at the west port and reaching
 * the capital by the south town; no cell attacks and no road cuts; one replayed attack on the
 * west corridor alone (segment west_town-capital) on 6 September. `share` is the key's text
 * ("" leaves it out). */
static char *world(const char *share)
{
    char *s = bk_test_big_depot_world(
        "timeline:\n  - {date: 2025-09-06, type: ambush, segment: [west_town, capital], "
        "scale: 1, hours: 240, note: replay}\n");
    s = bk_test_edit_all(s, "intelligence: 0.3", "intelligence: 0");
    s = bk_test_edit(s, "rate_per_day: 0.03", "rate_per_day: 0");
    s = bk_test_edit(s, "pre_campaign_interest: 0.2", "pre_campaign_interest: 0");
    s = bk_test_edit(s, "\ncity:\n",
                     "\n  - id: west_b\n    name: West corridor B\n    port: west\n"
                     "    path: [west_port, west_border, west_town, south_town, capital]\n"
                     "    staging: west_border\n    tankers: 60\n"
                     "    escort: {units: 4, strength: 40, replacement_per_week: 0.5}\n\ncity:\n");
    if (share[0]) {
        char line[96];
        snprintf(line, sizeof line, "min_willingness: 0.05\n  fear_shared_port: %s", share);
        s = bk_test_edit(s, "min_willingness: 0.05", line);
    }
    return s;
}

/* The gap 1 - w of corridor `id` on each day. */
static void gaps(const bk_run *run, const char *id, double *g)
{
    char name[64];
    snprintf(name, sizeof name, "willingness_%s", id);
    bk_test_series(run, name, g, DAYS);
    for (int d = 0; d < run->days; d++)
        g[d] = 1.0 - g[d];
}

/* One attack on the west corridor: west_b's gap is `share` times west's on every day, south's
 * is zero. */
static void check_share(double share, const char *text)
{
    char *s = world(text);
    bk_scenario *sc = bk_test_load_text(s);
    for (uint64_t seed = 1; seed <= 3; seed++) {
        bk_run *run = bk_test_run(sc, seed, DAYS);
        double west[DAYS], west_b[DAYS], south[DAYS];
        gaps(run, "west", west);
        gaps(run, "west_b", west_b);
        gaps(run, "south", south);
        int hit = 0;
        for (int d = 0; d < run->days; d++) {
            hit += west[d] > 1e-9;
            if (fabs(west_b[d] - share * west[d]) > 1e-12)
                fail_msg("share %g, seed %llu, day %d: west_b gap %.15g, west gap %.15g", share,
                         (unsigned long long)seed, d, west_b[d], west[d]);
            if (south[d] != 0)
                fail_msg("share %g, day %d: the south corridor (another port) lost %.3g", share,
                         d, south[d]);
        }
        if (hit < 20)
            fail_msg("seed %llu: the replayed attack left the west corridor afraid on %d days",
                     (unsigned long long)seed, hit);
        bk_run_totals t;
        bk_run_get_totals(run, &t);
        bk_test_assert_balanced(&t);
        bk_run_free(run);
    }
    bk_scenario_free(sc);
    free(s);
}

static void test_off_by_default(void **state)
{
    (void)state;
    check_share(0.0, "");
}

static void test_partial_share(void **state)
{
    (void)state;
    check_share(0.4, "0.4");
}

static void test_whole_port_fears_as_one(void **state)
{
    (void)state;
    check_share(1.0, "1");
}

/* The key's bounds are checked, with the key named. */
static void test_bad_value(void **state)
{
    (void)state;
    char *s = world("1.5");
    bk_test_load_fails(s, "fear_shared_port");
    free(s);
}

BK_TEST_MAIN(test_off_by_default, test_partial_share, test_whole_port_fears_as_one, test_bad_value)
