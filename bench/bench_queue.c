/* bench_queue.c: the classic hold model on the bare event queue.
 *
 * The queue is filled with N pending events whose times are Exp(1); then each hold pops the
 * earliest event and pushes it back at its time + Exp(1). One hold counts as one event. The hold
 * model keeps the pending-set size constant, so it measures the queue alone at a given size.
 *
 * Figures (one line each):
 *   bench=queue_hold        the hold model with increments drawn from a Philox stream;
 *   bench=queue_hold_table  the same with increments read from a pre-drawn table, so the queue's
 *                           own cost is seen without the random draw;
 *   bench=rng_exponential   Exp(1) draws alone, to account for the difference;
 *   bench=rng_next          raw 64-bit outputs of one Philox stream (bki_rng_next), the
 *                           generator's own cost under every variate.
 *
 * Usage: bench_queue [seconds]   (minimum measured time per figure, default 1)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_clock.h"

#include "engine/queue.h"
#include "engine/rng.h"

#define SEED 20250901u
#define TABLE_SIZE 65536u /* 512 KiB of increments: stays in L2, read sequentially */
#define CHUNK 65536u      /* holds between two clock reads */
#define GOAL_EVENTS_PER_S 2e7 /* at 10^3 pending; 10^7 at 10^5 */

static void die(const char *what)
{
    fprintf(stderr, "bench_queue: %s\n", what);
    exit(1);
}

static void fill(bk_queue *q, size_t pending, bk_rng *r)
{
    bki_queue_reset(q);
    for (size_t i = 0; i < pending; i++)
        if (bki_queue_push(q, bki_rng_exponential(r, 1.0), 0, 0, (uint32_t)i, 0) !=
             BK_OK)
             die("push failed while filling");
}

/* One hold with a fresh Exp(1) increment. */
static inline void hold_rng(bk_queue *q, bk_rng *r)
{
    bk_event ev;
    bki_queue_pop(q, &ev);
    if (bki_queue_push(q, ev.time + bki_rng_exponential(r, 1.0), 0, ev.type, ev.a, ev.b) != BK_OK)
        die("push failed");
}

/* One hold with the next increment of the table. */
static inline void hold_table(bk_queue *q, const double *table, size_t *k)
{
    bk_event ev;
    bki_queue_pop(q, &ev);
    if (bki_queue_push(q, ev.time + table[*k], 0, ev.type, ev.a, ev.b) != BK_OK)
        die("push failed");
    *k = (*k + 1) & (TABLE_SIZE - 1);
}

/* Run holds in chunks until at least `min_s` seconds have passed; returns the count and sets
 * *elapsed. `table` NULL means draw from the stream. */
static uint64_t run_holds(bk_queue *q, bk_rng *r, const double *table, uint64_t warmup,
                          double min_s, double *elapsed, double *cpu)
{
    size_t k = 0;
    for (uint64_t i = 0; i < warmup; i++) { /* reach the steady-state time distribution */
        if (table)
            hold_table(q, table, &k);
        else
            hold_rng(q, r);
    }
    uint64_t n = 0;
    double t0 = now_s(), c0 = cpu_s(), t1;
    do {
        if (table)
            for (unsigned i = 0; i < CHUNK; i++)
                hold_table(q, table, &k);
        else
            for (unsigned i = 0; i < CHUNK; i++)
                hold_rng(q, r);
        n += CHUNK;
        t1 = now_s();
    } while (t1 - t0 < min_s);
    *elapsed = t1 - t0;
    *cpu = cpu_s() - c0;
    return n;
}

int main(int argc, char **argv)
{
    double min_s = argc > 1 ? atof(argv[1]) : 1.0;
    if (!(min_s > 0))
        die("usage: bench_queue [seconds]");
    static const size_t sizes[] = {1000, 100000};

    double *table = malloc(TABLE_SIZE * sizeof *table);
    if (table == NULL)
        die("out of memory");
    bk_rng tr;
    bki_rng_init(&tr, SEED, 0, BK_RNG_TEST, 999);
    for (size_t i = 0; i < TABLE_SIZE; i++)
        table[i] = bki_rng_exponential(&tr, 1.0);

    bk_queue q;
    if (bki_queue_init(&q, sizes[1]) != BK_OK)
        die("out of memory");

    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        uint64_t warmup = n * 10 > 1000000 ? n * 10 : 1000000;
        for (int use_table = 0; use_table <= 1; use_table++) {
            bk_rng r;
            bki_rng_init(&r, SEED, 0, BK_RNG_TEST, (uint32_t)s);
            fill(&q, n, &r);
            double el, cpu;
            uint64_t m = run_holds(&q, &r, use_table ? table : NULL, warmup, min_s, &el, &cpu);
            if (q.size != n)
                die("pending-set size changed");
            if (use_table)
                printf("bench=queue_hold_table pending=%zu events=%llu table=%u cpu_value=%.4g "
                       "seconds=%.3f "
                       "value=%.4g unit=events/s\n",
                       n, (unsigned long long)m, TABLE_SIZE, (double)m / cpu, el, (double)m / el);
            else
                printf("bench=queue_hold pending=%zu events=%llu increment=exp(1) cpu_value=%.4g "
                       "seconds=%.3f "
                       "goal=%.0e value=%.4g unit=events/s\n",
                       n, (unsigned long long)m, (double)m / cpu, el,
                       n >= 100000 ? 1e7 : GOAL_EVENTS_PER_S,
                       (double)m / el);
            fflush(stdout);
        }
    }

    /* The draw alone; the sum keeps the compiler from dropping the loop. */
    bk_rng r;
    bki_rng_init(&r, SEED, 0, BK_RNG_TEST, 7);
    double sum = 0, t0 = now_s(), c0 = cpu_s(), t1;
    uint64_t draws = 0;
    do {
        for (unsigned i = 0; i < CHUNK; i++)
            sum += bki_rng_exponential(&r, 1.0);
        draws += CHUNK;
        t1 = now_s();
    } while (t1 - t0 < min_s);
    double cpu = cpu_s() - c0;
    printf("bench=rng_exponential draws=%llu mean=%.4f seconds=%.3f cpu_seconds=%.3f "
           "cpu_value=%.4g value=%.4g unit=draws/s\n",
           (unsigned long long)draws, sum / (double)draws, t1 - t0, cpu, (double)draws / cpu,
           (double)draws / (t1 - t0));

    uint64_t bits = 0;
    t0 = now_s();
    c0 = cpu_s();
    draws = 0;
    do {
        for (unsigned i = 0; i < CHUNK; i++)
            bits ^= bki_rng_next(&r);
        draws += CHUNK;
        t1 = now_s();
    } while (t1 - t0 < min_s);
    cpu = cpu_s() - c0;
    printf("bench=rng_next generator=philox4x64-10 draws=%llu xor=%016llx seconds=%.3f "
           "cpu_seconds=%.3f cpu_value=%.4g value=%.4g unit=outputs/s\n",
           (unsigned long long)draws, (unsigned long long)bits, t1 - t0, cpu,
           (double)draws / cpu, (double)draws / (t1 - t0));

    bki_queue_release(&q);
    free(table);
    return 0;
}
