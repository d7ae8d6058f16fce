/* bench_phold.c: PHOLD on the engine's event queue, ROSS's definition.
 *
 * P processes each start with S events. One event is one call of the handler: the receiving
 * process draws, from its own stream, a delay lookahead + Exp(mean - lookahead) and a
 * destination: with probability 0.25 (remote) a process drawn uniformly from all processes, the
 * sender included, else the sender itself; it schedules one new event there. Events at or after
 * the end time are not processed. Start events are placed at lookahead + Exp(mean - lookahead) by
 * their own process. When mean equals the lookahead the delay is still drawn, as ROSS draws it
 * (an exponential of mean 0, so the increment is exactly the lookahead): every event makes ROSS's
 * draws.
 *
 * The three standard settings (report each figure with these parameters):
 *   8x1:            8 processes x 1 start event, lookahead 1.0, mean 1.0 (increments exactly
 *                   1.0), end time 100,000 (ROSS's defaults);
 *   1024x16_la1:    1,024 x 16, lookahead 1.0, mean 1.0 (increments exactly 1.0), end 1,000;
 *   1024x16_la0.1:  1,024 x 16, lookahead 0.1, mean 1.0, end 1,000.
 * A setting whose run is shorter than the minimum time is repeated (reps=) with fresh streams
 * (replication numbers 0, 1, ...), and the rate is over all repetitions.
 *
 * With lookahead = mean every increment is exactly 1.0, so the event count is deterministic and
 * equal to ROSS's: processes x start events x (end time - 1) (799,992 for 8x1, 16,367,616 for
 * 1024x16_la1). The benchmark checks every repetition of those settings against that count and
 * fails (exit status 1) on a mismatch, so a wrong workload cannot print a figure.
 *
 * Each setting prints two lines: bench=phold, the handler as described; and bench=phold_table,
 * the same runs with the handler's draws read from a table drawn beforehand (TABLE entries from
 * one Philox stream, by the same laws, read in turn), so that the event queue's and the handler's
 * own cost is seen without the generator's. The table's runs make the same count checks.
 *
 * Usage: bench_phold [seconds [setting]]   (minimum measured time per setting, default 1; one
 *                                          setting by its name, default all three)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_clock.h"

#include "engine/queue.h"
#include "engine/rng.h"

#define SEED 20250901u
#define REMOTE_SHARE 0.25
#define TABLE 65536u /* drawn handler outcomes for bench=phold_table: 1 MiB, read in order */

typedef struct setting {
    const char *name;
    uint32_t processes;
    uint32_t start_events; /* per process */
    double mean;           /* mean increment, lookahead included */
    double lookahead;
    double end_time;
    uint64_t expect; /* the exact event count per run, 0 when it depends on the draws */
} setting;

static const setting settings[] = {
    {"8x1", 8, 1, 1.0, 1.0, 100000.0, 799992u},
    {"1024x16_la1", 1024, 16, 1.0, 1.0, 1000.0, 16367616u},
    {"1024x16_la0.1", 1024, 16, 1.0, 0.1, 1000.0, 0},
};

static void die(const char *what)
{
    fprintf(stderr, "bench_phold: %s\n", what);
    exit(1);
}

/* lookahead + Exp(mean - lookahead), drawn even when mean = lookahead as ROSS's model draws it
 * (its tw_rand_exponential of mean 0): the delay is then 0 and the increment exactly the
 * lookahead, but each event makes the same draws as ROSS's. */
static inline double increment(const setting *s, bk_rng *r)
{
    return s->lookahead + bki_rng_exponential(r, s->mean - s->lookahead);
}

/* One replication; returns the number of events processed. `rngs` has room for s->processes. */
static uint64_t run_once(const setting *s, uint32_t replication, bk_queue *q, bk_rng *rngs)
{
    bki_queue_reset(q);
    for (uint32_t p = 0; p < s->processes; p++) {
        bki_rng_init(&rngs[p], SEED, replication, BK_RNG_TEST, p);
        for (uint32_t k = 0; k < s->start_events; k++)
            if (bki_queue_push(q, increment(s, &rngs[p]), 0, 0, p, 0) != BK_OK)
                die("push failed");
    }
    uint64_t events = 0;
    bk_event ev;
    while (bki_queue_pop(q, &ev) && ev.time < s->end_time) {
        events++; /* the handler: */
        bk_rng *r = &rngs[ev.a];
        uint32_t dest = ev.a;
        if (bki_rng_uniform(r) < REMOTE_SHARE) /* any process, the sender included */
            dest = bki_rng_below(r, s->processes);
        if (bki_queue_push(q, ev.time + increment(s, r), 0, 0, dest, 0) != BK_OK)
            die("push failed");
    }
    return events;
}

/* One handler's draws, made beforehand: the increment, and the destination when remote. */
typedef struct drawn {
    double increment;
    uint32_t remote; /* 1: the event goes to dest; 0: to its sender */
    uint32_t dest;
} drawn;

static void draw_table(const setting *s, drawn *t)
{
    bk_rng r;
    bki_rng_init(&r, SEED, 0, BK_RNG_TEST, s->processes); /* a stream no process uses */
    for (uint32_t i = 0; i < TABLE; i++) {
        t[i].remote = bki_rng_uniform(&r) < REMOTE_SHARE;
        t[i].dest = t[i].remote ? bki_rng_below(&r, s->processes) : 0;
        t[i].increment = increment(s, &r);
    }
}

/* run_once with the handler's draws read from the table in turn (start events included). */
static uint64_t run_table(const setting *s, bk_queue *q, const drawn *t)
{
    bki_queue_reset(q);
    uint32_t k = 0;
    for (uint32_t p = 0; p < s->processes; p++)
        for (uint32_t j = 0; j < s->start_events; j++, k = (k + 1) & (TABLE - 1))
            if (bki_queue_push(q, t[k].increment, 0, 0, p, 0) != BK_OK)
                die("push failed");
    uint64_t events = 0;
    bk_event ev;
    while (bki_queue_pop(q, &ev) && ev.time < s->end_time) {
        events++;
        const drawn *d = &t[k];
        k = (k + 1) & (TABLE - 1);
        if (bki_queue_push(q, ev.time + d->increment, 0, 0, d->remote ? d->dest : ev.a, 0) !=
            BK_OK)
            die("push failed");
    }
    return events;
}

int main(int argc, char **argv)
{
    const size_t n_settings = sizeof settings / sizeof settings[0];
    double min_s = argc > 1 ? atof(argv[1]) : 1.0;
    const char *only = argc > 2 ? argv[2] : NULL;
    bool known = only == NULL;
    for (size_t i = 0; i < n_settings && !known; i++)
        known = strcmp(only, settings[i].name) == 0;
    if (!(min_s > 0) || argc > 3 || !known) {
        fprintf(stderr, "usage: bench_phold [seconds [setting]]   (settings:");
        for (size_t i = 0; i < n_settings; i++)
            fprintf(stderr, " %s", settings[i].name);
        fprintf(stderr, ")\n");
        return 2;
    }
    drawn *table = malloc(TABLE * sizeof *table);
    if (table == NULL)
        die("out of memory");
    for (size_t i = 0; i < n_settings; i++) {
        const setting *s = &settings[i];
        if (only != NULL && strcmp(only, s->name) != 0)
            continue;
        bk_queue q;
        bk_rng *rngs = malloc(s->processes * sizeof *rngs);
        if (rngs == NULL || bki_queue_init(&q, (size_t)s->processes * s->start_events) != BK_OK)
            die("out of memory");
        draw_table(s, table);
        for (int use_table = 0; use_table <= 1; use_table++) {
            uint64_t events = 0, first = 0;
            uint32_t reps = 0;
            double t0 = now_s(), c0 = cpu_s(), t1;
            do {
                uint64_t e = use_table ? run_table(s, &q, table) : run_once(s, reps, &q, rngs);
                if (s->expect != 0 && e != s->expect) {
                    fprintf(stderr, "bench_phold: %s: %llu events, ROSS's count is %llu\n",
                            s->name, (unsigned long long)e, (unsigned long long)s->expect);
                    return 1;
                }
                if (reps == 0)
                    first = e;
                events += e;
                reps++;
                t1 = now_s();
            } while (t1 - t0 < min_s);
            double cpu = cpu_s() - c0;
            printf("bench=%s setting=%s processes=%u start_events=%u mean=%g lookahead=%g "
                   "remote=%g end_time=%g events_per_rep=%llu ross_count=%s reps=%u events=%llu "
                   "seconds=%.3f cpu_seconds=%.3f cpu_value=%.4g value=%.4g unit=events/s\n",
                   use_table ? "phold_table" : "phold", s->name, s->processes, s->start_events,
                   s->mean, s->lookahead, REMOTE_SHARE, s->end_time, (unsigned long long)first,
                   s->expect ? "checked" : "random", reps, (unsigned long long)events, t1 - t0,
                   cpu, (double)events / cpu, (double)events / (t1 - t0));
            fflush(stdout);
        }
        bki_queue_release(&q);
        free(rngs);
    }
    free(table);
    return 0;
}
