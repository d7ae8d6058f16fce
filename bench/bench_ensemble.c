/* bench_ensemble.c: ensembles through the public API: replications per second on 1 and 2
 * threads and the parallel efficiency, the time of 10,000 replications of the default 180-day
 * scenario on 2 threads, and peak memory for several replication counts.
 *
 * Every measurement runs in a child process (fork), so its peak resident memory and its CPU time
 * (wait4's ru_maxrss, ru_utime + ru_stime) are its own. The 2-thread efficiency is given twice:
 * by wall time, T1 / (2 T2) with T the wall time of the same replications on 1 and 2 threads
 * (what a user waits; it suffers from anything else running on the machine), and by CPU time,
 * C1 / C2 with C the CPU time of those runs (the work the second thread adds: locking, shared
 * caches, merging). Goals printed beside, not asserted: 2-thread efficiency >= 90 %, 10,000
 * replications <= 60 s on 2 cores, peak memory <= 64 MiB whatever N.
 *
 * Usage: bench_ensemble [--quick] [scenario.yaml]
 *   default: rates from the same 96 replications on 1 and 2 threads, then N = 100 and 10,000
 *            on 2 threads, each timed for real (ensemble_time) with its peak memory;
 *   --quick: N = 100 and 400 instead of 100 and 10,000 (for a fast look; no 10,000 figure);
 *   --n N:   memory and time of that one run (for instance 100,000).
 */
#define _DEFAULT_SOURCE 1 /* wait4 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "bench_clock.h"
#include <unistd.h>

#include "blockade/blockade.h"

#define DAYS 180

typedef struct result {
    double seconds;     /* wall time of bk_ensemble_run */
    double cpu_seconds; /* user + system time of the whole child */
    double max_rss_mib;
    int ok;
} result;

/* One ensemble of n replications on `threads` threads in a child process. */
static result measure(const char *path, uint64_t n, int threads)
{
    result r = {0, 0, 0, 0};
    int fds[2];
    if (pipe(fds) != 0)
        return r;
    pid_t pid = fork();
    if (pid < 0)
        return r;
    if (pid == 0) {
        close(fds[0]);
        bk_error err;
        bk_scenario *sc = NULL;
        bk_status st = path ? bk_scenario_load_file(path, &sc, &err)
                            : bk_scenario_load_default(&sc, &err);
        if (st != BK_OK)
            _exit(1);
        bk_ensemble_config cfg;
        bk_ensemble_config_init(&cfg, sc);
        cfg.replications = n;
        cfg.threads = threads;
        cfg.days = DAYS;
        bk_ensemble *ens = NULL;
        if (bk_ensemble_new(sc, &cfg, &ens, &err) != BK_OK)
            _exit(1);
        double t0 = now_s();
        st = bk_ensemble_run(ens, &err);
        double el = now_s() - t0;
        if (st != BK_OK) {
            fprintf(stderr, "bench_ensemble: %s\n", err.message);
            _exit(1);
        }
        if (write(fds[1], &el, sizeof el) != (ssize_t)sizeof el)
            _exit(1);
        bk_ensemble_free(ens);
        bk_scenario_free(sc);
        _exit(0);
    }
    close(fds[1]);
    double el = 0;
    ssize_t got = read(fds[0], &el, sizeof el);
    close(fds[0]);
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0
        && got == (ssize_t)sizeof el) {
        r.ok = 1;
        r.seconds = el;
        r.max_rss_mib = (double)ru.ru_maxrss / 1024.0;
        r.cpu_seconds = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6
                        + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
    }
    return r;
}

static void memory_line(const char *path, uint64_t n)
{
    result m = measure(path, n, 2);
    if (!m.ok) {
        fprintf(stderr, "bench_ensemble: run of %llu failed\n", (unsigned long long)n);
        return;
    }
    printf("bench=ensemble_memory replications=%llu threads=2 days=%d goal=64 value=%.1f "
           "unit=MiB\n",
           (unsigned long long)n, DAYS, m.max_rss_mib);
    if (n == 10000)
        printf("bench=ensemble_time replications=%llu threads=2 days=%d cpu_seconds=%.1f goal=60 "
               "value=%.1f unit=s\n",
               (unsigned long long)n, DAYS, m.cpu_seconds, m.seconds);
    else
        printf("bench=ensemble_time replications=%llu threads=2 days=%d cpu_seconds=%.1f "
               "value=%.1f unit=s\n",
               (unsigned long long)n, DAYS, m.cpu_seconds, m.seconds);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    int quick = 0;
    uint64_t only = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--n") == 0 && i + 1 < argc)
            only = strtoull(argv[++i], NULL, 10);
        else
            path = argv[i];
    }
    if (only > 0) {
        memory_line(path, only);
        return 0;
    }
    int cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    /* the same replications on 1 and 2 threads, so that only the threads differ */
    enum { RATE_N = 96 };
    result one = measure(path, RATE_N, 1), two = measure(path, RATE_N, 2);
    if (!one.ok || !two.ok) {
        fprintf(stderr, "bench_ensemble: a run failed\n");
        return 1;
    }
    double r1 = RATE_N / one.seconds, r2 = RATE_N / two.seconds;
    printf("bench=ensemble_rate threads=1 days=%d value=%.2f unit=replications/s\n", DAYS, r1);
    printf("bench=ensemble_rate threads=2 days=%d value=%.2f unit=replications/s\n", DAYS, r2);
    printf("bench=ensemble_efficiency threads=2 cpus=%d replications=%d measure=wall goal=90 "
           "value=%.1f unit=%%\n",
           cpus, RATE_N, 100.0 * r2 / (2.0 * r1));
    printf("bench=ensemble_efficiency threads=2 cpus=%d replications=%d measure=cpu goal=90 "
           "cpu_seconds_1=%.2f cpu_seconds_2=%.2f value=%.1f unit=%%\n",
           cpus, RATE_N, one.cpu_seconds, two.cpu_seconds,
           100.0 * one.cpu_seconds / two.cpu_seconds);
    fflush(stdout);
    memory_line(path, 100);
    memory_line(path, quick ? 400 : 10000);
    return 0;
}
