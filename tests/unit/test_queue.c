/* test_queue.c: the event queue orders by (time, priority, sequence), grows, and rejects bad
 * times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "engine/alloc.h"
#include "engine/queue.h"
#include "engine/rng.h"

static void test_empty(void **state)
{
    (void)state;
    bk_queue q;
    assert_int_equal(bki_queue_init(&q, 0), BK_OK);
    bk_event ev;
    assert_false(bki_queue_pop(&q, &ev));
    assert_false(bki_queue_peek(&q, &ev));
    bki_queue_release(&q);
    bki_queue_release(&q); /* twice is harmless */
}

static void test_ties_by_priority_then_insertion(void **state)
{
    (void)state;
    bk_queue q;
    assert_int_equal(bki_queue_init(&q, 2), BK_OK);
    assert_int_equal(bki_queue_push(&q, 5.0, 2, 0, 1, 0), BK_OK);
    assert_int_equal(bki_queue_push(&q, 5.0, 0, 0, 2, 0), BK_OK);
    assert_int_equal(bki_queue_push(&q, 5.0, 2, 0, 3, 0), BK_OK);
    assert_int_equal(bki_queue_push(&q, 1.0, 9, 0, 4, 0), BK_OK);
    assert_int_equal(bki_queue_push(&q, 5.0, 0, 0, 5, 0), BK_OK);
    const uint32_t want[] = {4, 2, 5, 1, 3};
    for (int i = 0; i < 5; i++) {
        bk_event ev;
        assert_true(bki_queue_pop(&q, &ev));
        assert_int_equal(ev.a, want[i]);
    }
    bki_queue_release(&q);
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
    assert_int_equal(bki_queue_init(&q, 0), BK_OK);
    bk_rng r;
    bki_rng_init(&r, 42, 0, BK_RNG_TEST, 0);
    bk_event *all = malloc(N * sizeof *all);
    assert_non_null(all);
    for (uint32_t i = 0; i < N; i++) {
        double t = floor(bki_rng_uniform(&r) * 100.0); /* many equal times */
        uint32_t prio = (uint32_t)(bki_rng_next(&r) % 3);
        assert_int_equal(bki_queue_push(&q, t, prio, 0, i, 0), BK_OK);
        all[i] = (bk_event){t, (uint64_t)prio << 48 | i, 0, i, 0};
    }
    qsort(all, N, sizeof *all, cmp_event);
    for (int i = 0; i < N; i++) {
        bk_event ev;
        assert_true(bki_queue_pop(&q, &ev));
        assert_int_equal(ev.a, all[i].a);
    }
    /* hold: pop one, push one later; times never go backward */
    for (uint32_t i = 0; i < 1000; i++)
        assert_int_equal(bki_queue_push(&q, bki_rng_uniform(&r), 0, 0, i, 0), BK_OK);
    double last = -1;
    for (int i = 0; i < 100000; i++) {
        bk_event ev;
        assert_true(bki_queue_pop(&q, &ev));
        assert_true(ev.time >= last);
        last = ev.time;
        assert_int_equal(bki_queue_push(&q, ev.time - log(1.0 - bki_rng_uniform(&r)), 0, 0, ev.a, 0),
                          BK_OK);
    }
    assert_int_equal(q.size, 1000);
    free(all);
    bki_queue_release(&q);
}

/* A plain binary heap of events ordered like the queue: the reference below. */
typedef struct ref_heap {
    bk_event *v;
    size_t n;
} ref_heap;

static int ev_cmp(const bk_event *a, const bk_event *b)
{
    return cmp_event(a, b);
}

static void ref_push(ref_heap *h, bk_event e)
{
    size_t i = h->n++;
    while (i > 0 && ev_cmp(&e, &h->v[(i - 1) / 2]) < 0) {
        h->v[i] = h->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->v[i] = e;
}

static bk_event ref_pop(ref_heap *h)
{
    bk_event top = h->v[0], last = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && ev_cmp(&h->v[c + 1], &h->v[c]) < 0)
            c++;
        if (ev_cmp(&h->v[c], &last) >= 0)
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n > 0)
        h->v[i] = last;
    return top;
}

/* Peek and pop the queue's earliest event and check it against the reference heap's, every
 * field and the time bit for bit; returns its time. */
static double pop_checked(bk_queue *q, ref_heap *ref)
{
    bk_event want = ref_pop(ref), got, peek;
    assert_true(bki_queue_peek(q, &peek));
    assert_true(bki_queue_pop(q, &got));
    assert_memory_equal(&got.time, &want.time, sizeof(double));
    assert_true(got.key == want.key);
    assert_int_equal(got.a, want.a);
    assert_int_equal(got.type, want.type);
    assert_true(got.b == want.b);
    assert_int_equal(peek.a, got.a);
    return got.time;
}

/* A queue under test beside the reference heap, and the stream that drives them. */
typedef struct order_check {
    bk_queue q;
    ref_heap ref;
    bk_rng r;
    uint64_t seq; /* sequence number of the next push, as the queue counts them */
} order_check;

static void order_check_init(order_check *c, size_t maxn, uint64_t seed, uint32_t entity)
{
    assert_int_equal(bki_queue_init(&c->q, 0), BK_OK);
    c->ref = (ref_heap){malloc(maxn * sizeof(bk_event)), 0};
    assert_non_null(c->ref.v);
    bki_rng_init(&c->r, seed, 0, BK_RNG_TEST, entity);
    c->seq = 0;
}

/* Push the same event onto the queue and the reference heap. */
static void order_check_push(order_check *c, double t, uint32_t prio, uint32_t type, uint32_t a,
                             uint64_t b)
{
    assert_int_equal(bki_queue_push(&c->q, t, prio, type, a, b), BK_OK);
    ref_push(&c->ref, (bk_event){t, (uint64_t)prio << 48 | c->seq, type, a, b});
    c->seq++;
}

static void order_check_release(order_check *c)
{
    free(c->ref.v);
    bki_queue_release(&c->q);
}

/* The calendar's buckets, widths and resizes never change the order: random interleavings of
 * pushes and pops whose time scale changes by seven orders of magnitude, with runs of equal
 * times, priorities, negative times, pushes before the last popped time, growth to thousands
 * pending and back to empty, and a reset, against the reference heap, event by event. */
static void test_order_across_scales_and_resizes(void **state)
{
    (void)state;
    enum { OPS = 120000, MAXN = 6000 };
    const double scales[] = {1e-3, 1.0, 1e4, 0.0 /* ties */, 24.0};
    order_check c;
    order_check_init(&c, MAXN, 43, 1);
    double now = -720.0;
    for (int op = 0; op < OPS; op++) {
        int phase = op / (OPS / 10);
        double scale = scales[phase % 5];
        /* grow in even phases, shrink in odd ones */
        double p_push = phase % 2 == 0 ? 0.6 : 0.4;
        if (op == OPS / 2) { /* a reset empties everything and restarts the sequence */
            bki_queue_reset(&c.q);
            c.ref.n = 0;
            c.seq = 0;
        }
        if (c.ref.n < MAXN && (c.ref.n == 0 || bki_rng_uniform(&c.r) < p_push)) {
            double t;
            if (scale == 0.0)
                t = floor(now) + (double)(bki_rng_next(&c.r) % 3); /* many equal times */
            else
                t = now - scale * log(1.0 - bki_rng_uniform(&c.r));
            if (bki_rng_uniform(&c.r) < 0.01)
                t = now - 100.0 * bki_rng_uniform(&c.r); /* before the last popped time */
            uint32_t prio = (uint32_t)(bki_rng_next(&c.r) % 3);
            order_check_push(&c, t, prio, 7, (uint32_t)op, (uint64_t)op * 3);
        } else {
            now = pop_checked(&c.q, &c.ref);
        }
        assert_int_equal(c.q.size, c.ref.n);
    }
    while (c.ref.n > 0) {
        bk_event want = ref_pop(&c.ref), got;
        assert_true(bki_queue_pop(&c.q, &got));
        assert_int_equal(got.a, want.a);
    }
    bk_event none;
    assert_false(bki_queue_pop(&c.q, &none));
    order_check_release(&c);
}

/* The sorted array for few pending events and the switches to and from the calendar keep the
 * order: a pending count wandering across both bounds (BK_QUEUE_SMALL up, 8 down) hundreds of
 * times, with equal times, priorities and times before the last pop, against the reference heap,
 * event by event; the queue is seen in both forms many times. */
static void test_order_across_array_and_calendar(void **state)
{
    (void)state;
    enum { OPS = 200000, MAXN = 4 * BK_QUEUE_SMALL };
    order_check c;
    order_check_init(&c, MAXN, 44, 2);
    double now = 0.0;
    int to_calendar = 0, to_array = 0;
    bool was_calendar = false;
    double p_push = 0.5;
    for (int op = 0; op < OPS; op++) {
        if (c.ref.n >= (size_t)(BK_QUEUE_SMALL + 8))
            p_push = 0.3; /* drift down below the lower bound, then up past the upper one */
        else if (c.ref.n <= 4)
            p_push = 0.7;
        if (c.ref.n < MAXN && (c.ref.n == 0 || bki_rng_uniform(&c.r) < p_push)) {
            double t = bki_rng_uniform(&c.r) < 0.3 ? floor(now) + (double)(bki_rng_next(&c.r) % 2)
                                                  : now + bki_rng_exponential(&c.r, 2.0);
            if (bki_rng_uniform(&c.r) < 0.02)
                t = now - 10.0 * bki_rng_uniform(&c.r);
            uint32_t prio = (uint32_t)(bki_rng_next(&c.r) % 2);
            order_check_push(&c, t, prio, 3, (uint32_t)op, 0);
        } else {
            now = pop_checked(&c.q, &c.ref);
        }
        assert_int_equal(c.q.size, c.ref.n);
        assert_true(c.q.calendar ? c.q.size > 8 : c.q.size <= BK_QUEUE_SMALL);
        to_calendar += c.q.calendar && !was_calendar;
        to_array += !c.q.calendar && was_calendar;
        was_calendar = c.q.calendar;
    }
    assert_true(to_calendar > 100);
    assert_true(to_array > 100);
    order_check_release(&c);
}

/* Moving the array into the calendar allocates the buckets once; when that fails the push fails
 * with the queue as it was, and the next push succeeds. */
static void test_switch_out_of_memory(void **state)
{
    (void)state;
    bk_queue q;
    assert_int_equal(bki_queue_init(&q, 4 * BK_QUEUE_SMALL), BK_OK);
    for (uint32_t i = 0; i < BK_QUEUE_SMALL; i++)
        assert_int_equal(bki_queue_push(&q, (double)(BK_QUEUE_SMALL - i), 0, 0, i, 0), BK_OK);
    assert_false(q.calendar);
    bki_alloc_fail_at(1, 0);
    assert_int_equal(bki_queue_push(&q, 0.5, 0, 0, 99, 0), BK_ERR_NOMEM);
    bki_alloc_fail_at(0, 0);
    assert_int_equal(q.size, BK_QUEUE_SMALL);
    assert_false(q.calendar);
    assert_int_equal(bki_queue_push(&q, 0.5, 0, 0, 99, 0), BK_OK);
    assert_true(q.calendar);
    bk_event ev;
    assert_true(bki_queue_pop(&q, &ev));
    assert_int_equal(ev.a, 99);
    for (uint32_t i = BK_QUEUE_SMALL; i-- > 0;) {
        assert_true(bki_queue_pop(&q, &ev));
        assert_int_equal(ev.a, i);
    }
    assert_false(bki_queue_pop(&q, &ev));
    bki_queue_release(&q);
}

/* Negative times (the warm-up runs before hour 0), -0 and +0, tiny and huge times keep their
 * order, and come back exactly. */
static void test_time_order_and_round_trip(void **state)
{
    (void)state;
    const double times[] = {1e300, -720.0, 0.0, -0.0, 5e-324, -5e-324, 24.0, -1e300, 23.999999};
    const double sorted[] = {-1e300, -720.0, -5e-324, -0.0, 0.0, 5e-324, 23.999999, 24.0, 1e300};
    bk_queue q;
    assert_int_equal(bki_queue_init(&q, 0), BK_OK);
    for (uint32_t i = 0; i < 9; i++)
        assert_int_equal(bki_queue_push(&q, times[i], 0, 0, i, 0), BK_OK);
    bk_event ev;
    assert_true(bki_queue_peek(&q, &ev));
    assert_true(ev.time == -1e300);
    for (int i = 0; i < 9; i++) {
        assert_true(bki_queue_pop(&q, &ev));
        assert_memory_equal(&ev.time, &sorted[i], sizeof(double)); /* bit for bit, -0 too */
    }
    bki_queue_release(&q);
}

static void test_rejects_bad_input(void **state)
{
    (void)state;
    bk_queue q;
    assert_int_equal(bki_queue_init(&q, 4), BK_OK);
    assert_int_equal(bki_queue_push(&q, NAN, 0, 0, 0, 0), BK_ERR_USAGE);
    assert_int_equal(bki_queue_push(&q, INFINITY, 0, 0, 0, 0), BK_ERR_USAGE);
    assert_int_equal(bki_queue_push(&q, 1.0, BK_QUEUE_MAX_PRIORITY + 1, 0, 0, 0), BK_ERR_USAGE);
    assert_int_equal(q.size, 0);
    assert_int_equal(bki_queue_push(&q, 1.0, 0, 0, 0, 0), BK_OK);
    bki_queue_reset(&q);
    assert_int_equal(q.size, 0);
    bki_queue_release(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_ties_by_priority_then_insertion),
        cmocka_unit_test(test_matches_sorted_reference),
        cmocka_unit_test(test_order_across_scales_and_resizes),
        cmocka_unit_test(test_order_across_array_and_calendar),
        cmocka_unit_test(test_switch_out_of_memory),
        cmocka_unit_test(test_time_order_and_round_trip),
        cmocka_unit_test(test_rejects_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
