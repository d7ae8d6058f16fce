/* bench_clock.h: the two clocks every benchmark reads. Header-only: each bench_*.c is its own
 * program.
 */
#ifndef BK_BENCH_CLOCK_H
#define BK_BENCH_CLOCK_H

#include <time.h>

/* Wall time, seconds, monotonic. */
static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of the process (all threads): unlike the wall time, it does not grow when other work
 * shares the machine, so the rate per CPU second is the steadier figure there. */
static inline double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
