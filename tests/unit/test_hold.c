/* test_hold.c: held roads (armed_group.ambush.hold_hours, docs/model/armed-group.md "Held
 * roads"): off by default and then without effect on a run; when on, a successful attack on a
 * lone loaded tanker stops the lone loaded tankers that reach the point while the road is held,
 * all counted in that one attack's log entry, and the tankers and litres still balance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bk_test_model.h"
#include "bk_test_main.h"
#include "blockade/blockade.h"
#include "model/run.h"
#include "scenario/scenario.h"

#define TWO BK_SOURCE_DIR "/scenarios/test/two-corridors.yaml"

/* The two-corridor world with keen cells, no convoys and a road held `hold` hours ("" leaves
 * the key out). */
static bk_scenario *world(const char *hold)
{
    char *s = bk_test_slurp(TWO);
    s = bk_test_edit_all(s, "intelligence: 0.3", "intelligence: 0.9");
    s = bk_test_edit(s, "mode: threat", "mode: off");
    if (hold[0]) {
        char line[96];
        snprintf(line, sizeof line, "lone_burn_prob: 0.7\n    hold_hours: %s", hold);
        s = bk_test_edit(s, "lone_burn_prob: 0.7", line);
    }
    return bk_test_load_and_free(s);
}

/* What the log says of the attacks on lone loaded tankers. */
typedef struct lone_tally {
    int attacks, held, stopped, lost, entries;
    long destroyed, kidnapped, turned_back;
} lone_tally;

static lone_tally tally(const bk_run *run)
{
    lone_tally t = {0};
    for (int i = 0; i < run->n_log; i++) {
        const bk_log_entry *e = &run->log[i];
        if (e->kind != BK_LOG_AMBUSH)
            continue;
        t.entries++;
        t.destroyed += e->destroyed;
        t.kidnapped += e->kidnapped;
        t.turned_back += e->turned_back;
        if (!e->lone || !e->loaded || !e->success)
            continue;
        t.attacks++;
        t.stopped += e->convoy_size;
        t.lost += e->destroyed + e->captured;
        t.held += e->convoy_size > 1;
        /* every tanker stopped is burned, captured, turned back or let go after a delay */
        assert_true(e->destroyed + e->captured + e->turned_back <= e->convoy_size);
        assert_true(e->kidnapped <= e->destroyed + e->captured);
    }
    return t;
}

/* hold_hours 0 is the default: the same bytes as a scenario without the key. */
static void test_off_is_default(void **state)
{
    (void)state;
    bk_scenario *a = world(""), *b = world("0");
    for (uint64_t seed = 1; seed <= 3; seed++) {
        bk_run *ra = bk_test_run(a, seed, 90), *rb = bk_test_run(b, seed, 90);
        bk_test_assert_same_daily(ra, rb);
        assert_int_equal(ra->n_log, rb->n_log);
        lone_tally t = tally(ra);
        assert_int_equal(t.held, 0); /* with no hold, an attack stops one lone tanker */
        bk_run_free(ra);
        bk_run_free(rb);
    }
    bk_scenario_free(a);
    bk_scenario_free(b);
}

/* With a held road, attacks stop more than one tanker, the log's losses are the run's, the
 * attacks are counted once, and tankers and litres balance. */
static void test_held_road_stops_more(void **state)
{
    (void)state;
    bk_scenario *off = world(""), *on = world("12");
    double stopped_off = 0, stopped_on = 0, attacks_off = 0, attacks_on = 0;
    int held = 0;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        bk_run *r0 = bk_test_run_checked(off, seed), *r1 = bk_test_run_checked(on, seed);
        lone_tally t0 = tally(r0), t1 = tally(r1);
        stopped_off += t0.stopped;
        attacks_off += t0.attacks;
        stopped_on += t1.stopped;
        attacks_on += t1.attacks;
        held += t1.held;
        bk_run_totals tt;
        bk_run_get_totals(r1, &tt);
        assert_int_equal(tt.attacks_attempted, t1.entries);
        assert_int_equal(tt.tankers_destroyed, t1.destroyed);
        assert_int_equal(tt.drivers_kidnapped, t1.kidnapped);
        assert_int_equal(tt.turned_back, t1.turned_back);
        assert_true(bk_test_sum_days(r1, "destroyed", 0, r1->days) == t1.destroyed);
        bk_test_assert_balanced(&tt);
        bk_run_free(r0);
        bk_run_free(r1);
    }
    assert_true(attacks_off > 0 && attacks_on > 0);
    assert_true(held > 0);
    assert_true(stopped_off == attacks_off); /* one tanker an attack without a hold */
    assert_true(stopped_on / attacks_on > 1.2 * (stopped_off / attacks_off));
    bk_scenario_free(off);
    bk_scenario_free(on);
}

/* The key's bounds are checked with the file's line. */
static void test_bad_value(void **state)
{
    (void)state;
    char *s = bk_test_edit(bk_test_slurp(TWO), "lone_burn_prob: 0.7",
                           "lone_burn_prob: 0.7\n    hold_hours: 49");
    bk_error err = bk_test_load_error(s, "hold_hours");
    assert_true(err.line > 0);
    free(s);
}

BK_TEST_MAIN(test_off_is_default, test_held_road_stops_more, test_bad_value)
