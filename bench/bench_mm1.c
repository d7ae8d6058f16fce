/* bench_mm1.c: an M/M/1 queue on the engine's event queue, one thread.
 *
 * Arrival rate 0.9, service rate 1.0, unbounded FIFO, 10^6 customers per run. Two event types:
 * an arrival (joins the line, starts service if the server is idle, schedules the next arrival
 * until all customers have arrived) and a departure (leaves, starts the next service). Arrivals
 * and services draw from two separate streams (bki_rng_exponential). A run is repeated with
 * fresh streams until the minimum time has passed; the rate is over all runs.
 *
 * Figures: customers per second, events per customer, and the mean time in system beside the
 * theory 1 / (mu - lambda) = 10 as a sanity check (at load 0.9 the estimate from 10^6 customers
 * is correlated and typically within a few per cent).
 *
 * Usage: bench_mm1 [seconds]   (minimum measured time, default 1)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_clock.h"

#include "engine/queue.h"
#include "engine/rng.h"

#define SEED 20250901u
#define LAMBDA 0.9
#define MU 1.0
#define CUSTOMERS 1000000u

enum { EV_ARRIVAL, EV_DEPARTURE };

/* Arrival times of the customers in the system, oldest first; grows by doubling. */
typedef struct fifo {
    double *t;
    size_t head, size, cap; /* cap is a power of two */
} fifo;

static void die(const char *what)
{
    fprintf(stderr, "bench_mm1: %s\n", what);
    exit(1);
}

static void fifo_push(fifo *f, double t)
{
    if (f->size == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 1024;
        double *n = malloc(cap * sizeof *n);
        if (n == NULL)
            die("out of memory");
        for (size_t i = 0; i < f->size; i++)
            n[i] = f->t[(f->head + i) & (f->cap - 1)];
        free(f->t);
        f->t = n;
        f->head = 0;
        f->cap = cap;
    }
    f->t[(f->head + f->size++) & (f->cap - 1)] = t;
}

static double fifo_pop(fifo *f)
{
    double t = f->t[f->head];
    f->head = (f->head + 1) & (f->cap - 1);
    f->size--;
    return t;
}

static void push(bk_queue *q, double time, uint32_t type)
{
    if (bki_queue_push(q, time, 0, type, 0, 0) != BK_OK)
        die("push failed");
}

/* One run of CUSTOMERS customers; adds to *events and *sojourn_sum. */
static void run_once(uint32_t replication, bk_queue *q, fifo *line, uint64_t *events,
                     double *sojourn_sum)
{
    bk_rng arr, svc;
    bki_rng_init(&arr, SEED, replication, BK_RNG_TEST, 0);
    bki_rng_init(&svc, SEED, replication, BK_RNG_TEST, 1);
    bki_queue_reset(q);
    line->head = line->size = 0;
    uint32_t arrived = 1;
    push(q, bki_rng_exponential(&arr, 1.0 / LAMBDA), EV_ARRIVAL);
    bk_event ev;
    uint64_t n = 0;
    double sum = 0;
    while (bki_queue_pop(q, &ev)) {
        n++;
        if (ev.type == EV_ARRIVAL) {
            fifo_push(line, ev.time);
            if (line->size == 1) /* the server was idle */
                push(q, ev.time + bki_rng_exponential(&svc, 1.0 / MU), EV_DEPARTURE);
            if (arrived < CUSTOMERS) {
                arrived++;
                push(q, ev.time + bki_rng_exponential(&arr, 1.0 / LAMBDA), EV_ARRIVAL);
            }
        } else {
            sum += ev.time - fifo_pop(line);
            if (line->size > 0)
                push(q, ev.time + bki_rng_exponential(&svc, 1.0 / MU), EV_DEPARTURE);
        }
    }
    *events += n;
    *sojourn_sum += sum;
}

int main(int argc, char **argv)
{
    double min_s = argc > 1 ? atof(argv[1]) : 1.0;
    if (!(min_s > 0))
        die("usage: bench_mm1 [seconds]");
    bk_queue q;
    if (bki_queue_init(&q, 64) != BK_OK)
        die("out of memory");
    fifo line = {0};
    uint64_t events = 0;
    double sojourn = 0;
    uint32_t reps = 0;
    double t0 = now_s(), c0 = cpu_s(), t1;
    do {
        run_once(reps++, &q, &line, &events, &sojourn);
        t1 = now_s();
    } while (t1 - t0 < min_s);
    double customers = (double)CUSTOMERS * reps, el = t1 - t0, cpu = cpu_s() - c0;
    printf("bench=mm1 lambda=%g mu=%g customers_per_rep=%u reps=%u seconds=%.3f cpu_seconds=%.3f "
           "cpu_value=%.4g value=%.4g unit=customers/s\n",
           LAMBDA, MU, CUSTOMERS, reps, el, cpu, customers / cpu, customers / el);
    printf("bench=mm1_events_per_customer lambda=%g mu=%g customers=%.0f events=%llu "
           "value=%.4g unit=events/customer\n",
           LAMBDA, MU, customers, (unsigned long long)events, (double)events / customers);
    printf("bench=mm1_event_rate lambda=%g mu=%g events=%llu seconds=%.3f value=%.4g "
           "unit=events/s\n",
           LAMBDA, MU, (unsigned long long)events, el, (double)events / el);
    printf("bench=mm1_time_in_system lambda=%g mu=%g customers=%.0f theory=%g value=%.4f "
           "unit=time\n",
           LAMBDA, MU, customers, 1.0 / (MU - LAMBDA), sojourn / customers);
    bki_queue_release(&q);
    free(line.t);
    return 0;
}
