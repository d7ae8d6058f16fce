/* test_optimise_steps.c: the optimiser's pattern search (docs/optimise.md, "The search"). The
 * step ladder: one that skipped two units could not move a convoy's minimum escort (escort_min
 * 2 in the Bamako default) from one corridor to another, and the escort search stopped at the
 * default allocation, which an allocation two such moves away beats. The acceptance of a move:
 * only a decrease of the harm larger than the indifference zone moves the search. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockade/decide.h"
#include "bk_test.h"
#include "bk_test_main.h"
#include "bk_test_model.h"
#include "decide_fixture.h"

#include "analysis/policy/optimise_internal.h"

/* 14 escort units (the Bamako default's total): moves of 4, then 2, then 1 units. */
static void bamako_total_passes_through_two(void **state)
{
    (void)state;
    assert_true(opt_step_at(14, true, 0) == 4.0);
    assert_true(opt_step_at(14, true, 1) == 2.0);
    assert_true(opt_step_at(14, true, 2) == 1.0);
    assert_true(opt_step_at(14, true, 3) == 1.0);
}

/* Every whole range: the ladder starts at a quarter of the range rounded up, never divides the
 * step by more than 2, goes down by at least one unit per level until 1, and so passes through
 * every power of two below its start, 2 included. */
static void whole_ladder_never_more_than_halves(void **state)
{
    (void)state;
    for (int w = 1; w <= 500; w++) {
        double s = opt_step_at(w, true, 0);
        assert_true(s == (ceil(w / 4.0) < 1 ? 1 : ceil(w / 4.0)));
        bool two = s <= 2.0;
        for (int k = 1; k < 40; k++) {
            double t = opt_step_at(w, true, k);
            assert_true(t == floor(t) && t >= 1.0);
            assert_true(2.0 * t >= s);
            assert_true(t < s || s == 1.0);
            two = two || t == 2.0;
            s = t;
        }
        assert_true(s == 1.0);
        assert_true(two);
    }
}

/* Continuous ranges: a quarter, halved at each level. */
static void continuous_ladder_halves(void **state)
{
    (void)state;
    for (int k = 0; k < 10; k++)
        assert_true(fabs(opt_step_at(0.4, false, k) - 0.1 / ldexp(1.0, k)) < 1e-15);
}

static const char *levers_two =
    "levers:\n"
    "  - {path: corridors.west.escort.units, min: 0, max: 10}\n"
    "  - {path: corridors.south.escort.units, min: 0, max: 10}\n"
    "budgets:\n"
    "  - {levers: [corridors.west.escort.units, corridors.south.escort.units], total: 10}\n";

/* The number of moves the defender's search accepted (trace lines "defender eval N: move") on
 * the two-corridor test scenario, with the indifference zone `delta`. */
static int defender_moves(double delta)
{
    bk_scenario *sc = bk_test_load_reference();
    char otext[128];
    snprintf(otext, sizeof otext, "harm: {unmet_l: 1.0e-6}\nindifference: %.17g\n", delta);
    bk_optimise_config cfg = small_optimise_config(sc, 2);
    cfg.max_evals = 12; /* no armed-group levers: no adversary search */
    bk_optimise *o = NULL;
    bk_error err = {0};
    if (optimise_texts(sc, levers_two, otext, &cfg, &o, &err) != BK_OK)
        fail_msg("optimise: %s", err.message);
    bk_test_capture cap;
    assert_int_equal(bk_optimise_write_table(o, bk_test_capture_open(&cap)), BK_OK);
    char *text = bk_test_capture_close(&cap);
    int moves = 0;
    for (const char *p = text; (p = strstr(p, "defender eval ")) != NULL; p++) {
        const char *colon = strchr(p, ':');
        if (colon && strncmp(colon, ": move ", 7) == 0)
            moves++;
    }
    free(text);
    bk_optimise_free(o);
    bk_scenario_free(sc);
    return moves;
}

/* With a tiny indifference zone the search moves from the default; with one wider than any
 * difference of harm it simulates the same neighbours but accepts no move. */
static void a_move_must_beat_the_indifference_zone(void **state)
{
    (void)state;
    assert_true(defender_moves(1e-9) > 0);
    assert_int_equal(defender_moves(1e9), 0);
}

BK_TEST_MAIN(bamako_total_passes_through_two, whole_ladder_never_more_than_halves,
             continuous_ladder_halves, a_move_must_beat_the_indifference_zone)
