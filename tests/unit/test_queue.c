/* test_queue.c: the event queue orders by (time, priority, sequence), grows, and rejects bad
 * times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "engine/queue.h"
#include "engine/rng.h"

static void test_empty(void **state)
{
    (void)state;
    bk_queue q;
    assert_int_equal(bk_queue_init(&q, 0), BK_OK);
    bk_event ev;
    assert_false(bk_queue_pop(&q, &ev));
    assert_false(bk_queue_peek(&q, &ev));
    bk_queue_release(&q);
    bk_queue_release(&q); /* twice is harmless */
}

static void test_ties_by_priority_then_insertion(void **state)
{
    (void)state;
    bk_queue q;
    assert_int_equal(bk_queue_init(&q, 2), BK_OK);
    assert_int_equal(bk_queue_push(&q, 5.0, 2, 0, 1, 0), BK_OK);
    assert_int_equal(bk_queue_push(&q, 5.0, 0, 0, 2, 0), BK_OK);
    assert_int_equal(bk_queue_push(&q, 5.0, 2, 0, 3, 0), BK_OK);
    assert_int_equal(bk_queue_push(&q, 1.0, 9, 0, 4, 0), BK_OK);
    assert_int_equal(bk_queue_push(&q, 5.0, 0, 0, 5, 0), BK_OK);
    const uint32_t want[] = {4, 2, 5, 1, 3};
    for (int i = 0; i < 5; i++) {
        bk_event ev;
        assert_true(bk_queue_pop(&q, &ev));
        assert_int_equal(ev.a, want[i]);
    }
    bk_queue_release(&q);
}

static int cmp_event(const void *x, const void *y)
{
    const bk_event *a = x, *b = y;
    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    return a->key < b->key ? -1 : a->key > b->key;
}

/* Against a sorted reference, with interleaved pushes and pops (a hold model). */
static void test_matches_sorted_reference(void **state)
{
    (void)state;
    enum { N = 20000 };
    bk_queue q;
    assert_int_equal(bk_queue_init(&q, 0), BK_OK);
    bk_rng r;
    bk_rng_init(&r, 42, 0, BK_RNG_TEST, 0);
    bk_event *all = malloc(N * sizeof *all);
    assert_non_null(all);
    for (uint32_t i = 0; i < N; i++) {
        double t = floor(bk_rng_uniform(&r) * 100.0); /* many equal times */
        uint32_t prio = (uint32_t)(bk_rng_next(&r) % 3);
        assert_int_equal(bk_queue_push(&q, t, prio, 0, i, 0), BK_OK);
        all[i] = (bk_event){t, (uint64_t)prio << 48 | i, 0, i, 0};
    }
    qsort(all, N, sizeof *all, cmp_event);
    for (int i = 0; i < N; i++) {
        bk_event ev;
        assert_true(bk_queue_pop(&q, &ev));
        assert_int_equal(ev.a, all[i].a);
    }
    /* hold: pop one, push one later; times never go backward */
    for (uint32_t i = 0; i < 1000; i++)
        assert_int_equal(bk_queue_push(&q, bk_rng_uniform(&r), 0, 0, i, 0), BK_OK);
    double last = -1;
    for (int i = 0; i < 100000; i++) {
        bk_event ev;
        assert_true(bk_queue_pop(&q, &ev));
        assert_true(ev.time >= last);
        last = ev.time;
        assert_int_equal(bk_queue_push(&q, ev.time - log(1.0 - bk_rng_uniform(&r)), 0, 0, ev.a, 0),
                         BK_OK);
    }
    assert_int_equal(q.size, 1000);
    free(all);
    bk_queue_release(&q);
}

/* Negative times (the warm-up runs before hour 0), -0 and +0, tiny and huge times keep their
 * order, and come back exactly. */
static void test_time_order_and_round_trip(void **state)
{
    (void)state;
    const double times[] = {1e300, -720.0, 0.0, -0.0, 5e-324, -5e-324, 24.0, -1e300, 23.999999};
    const double sorted[] = {-1e300, -720.0, -5e-324, -0.0, 0.0, 5e-324, 23.999999, 24.0, 1e300};
    bk_queue q;
    assert_int_equal(bk_queue_init(&q, 0), BK_OK);
    for (uint32_t i = 0; i < 9; i++)
        assert_int_equal(bk_queue_push(&q, times[i], 0, 0, i, 0), BK_OK);
    bk_event ev;
    assert_true(bk_queue_peek(&q, &ev));
    assert_true(ev.time == -1e300);
    for (int i = 0; i < 9; i++) {
        assert_true(bk_queue_pop(&q, &ev));
        assert_memory_equal(&ev.time, &sorted[i], sizeof(double)); /* bit for bit, -0 too */
    }
    bk_queue_release(&q);
}

static void test_rejects_bad_input(void **state)
{
    (void)state;
    bk_queue q;
    assert_int_equal(bk_queue_init(&q, 4), BK_OK);
    assert_int_equal(bk_queue_push(&q, NAN, 0, 0, 0, 0), BK_ERR_USAGE);
    assert_int_equal(bk_queue_push(&q, INFINITY, 0, 0, 0, 0), BK_ERR_USAGE);
    assert_int_equal(bk_queue_push(&q, 1.0, BK_QUEUE_MAX_PRIORITY + 1, 0, 0, 0), BK_ERR_USAGE);
    assert_int_equal(q.size, 0);
    assert_int_equal(bk_queue_push(&q, 1.0, 0, 0, 0, 0), BK_OK);
    bk_queue_reset(&q);
    assert_int_equal(q.size, 0);
    bk_queue_release(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_ties_by_priority_then_insertion),
        cmocka_unit_test(test_matches_sorted_reference),
        cmocka_unit_test(test_time_order_and_round_trip),
        cmocka_unit_test(test_rejects_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
