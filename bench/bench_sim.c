/* bench_sim.c: whole replications of a scenario, with the full supply side, through the public
 * API only.
 *
 * Loads the embedded default scenario (or the file given), then runs R replications of 180 days
 * (replication numbers 0..R-1, the scenario's seed, invariant checks as configured by default)
 * and reports the median and minimum wall time per replication, the event rate over all of them
 * and the peak resident memory of the process (getrusage ru_maxrss). Goals printed beside:
 * <= 10 ms per replication, <= 16 MiB.
 *
 * Usage: bench_sim [scenario.yaml|- [replications]]   (default: embedded scenario, 20; - names it)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_clock.h"

#include "blockade/blockade.h"

#define DAYS 180
#define GOAL_MS 10.0
#define GOAL_MIB 16.0

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int main(int argc, char **argv)
{
    /* "-" names the embedded default, so that its replications can be counted too */
    const char *path = argc > 1 && strcmp(argv[1], "-") != 0 ? argv[1] : NULL;
    int reps = argc > 2 ? atoi(argv[2]) : 20;
    if (reps < 1) {
        fprintf(stderr, "usage: bench_sim [scenario.yaml|- [replications]]\n");
        return 2;
    }
    bk_error err = {0};
    bk_scenario *sc = NULL;
    bk_status st =
        path ? bk_scenario_load_file(path, &sc, &err) : bk_scenario_load_default(&sc, &err);
    if (st != BK_OK) {
        fprintf(stderr, "bench_sim: %s\n", err.message[0] ? err.message : bk_status_str(st));
        return 1;
    }
    double *ms = malloc((size_t)reps * sizeof *ms);
    if (ms == NULL) {
        bk_scenario_free(sc);
        return 1;
    }
    bk_run_config cfg;
    bk_run_config_init(&cfg, sc);
    cfg.days = DAYS;
    double events = 0, total_s = 0, total_cpu = 0;
    for (int i = 0; i < reps; i++) {
        cfg.replication = (uint32_t)i;
        bk_run *run = NULL;
        double t0 = now_s(), c0 = cpu_s();
        st = bk_sim_run(sc, &cfg, &run, &err);
        double el = now_s() - t0;
        total_cpu += cpu_s() - c0;
        if (st != BK_OK) {
            fprintf(stderr, "bench_sim: replication %d: %s\n", i,
                    err.message[0] ? err.message : bk_status_str(st));
            free(ms);
            bk_scenario_free(sc);
            return 1;
        }
        bk_run_totals t;
        bk_run_get_totals(run, &t);
        events += t.events;
        bk_run_free(run);
        ms[i] = el * 1e3;
        total_s += el;
    }
    qsort(ms, (size_t)reps, sizeof *ms, cmp_double);
    double median = reps % 2 ? ms[reps / 2] : 0.5 * (ms[reps / 2 - 1] + ms[reps / 2]);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    const char *name = path ? path : "default";
    printf("bench=sim_replication scenario=%s days=%d reps=%d check_invariants=%d goal=%g "
           "stat=median value=%.3f unit=ms\n",
           name, DAYS, reps, cfg.check_invariants ? 1 : 0, GOAL_MS, median);
    printf("bench=sim_replication_min scenario=%s days=%d reps=%d check_invariants=%d goal=%g "
           "stat=min value=%.3f unit=ms\n",
           name, DAYS, reps, cfg.check_invariants ? 1 : 0, GOAL_MS, ms[0]);
    printf("bench=sim_replication_cpu scenario=%s days=%d reps=%d check_invariants=%d goal=%g "
           "stat=mean value=%.3f unit=ms\n",
           name, DAYS, reps, cfg.check_invariants ? 1 : 0, GOAL_MS, 1e3 * total_cpu / reps);
    printf("bench=sim_event_rate scenario=%s days=%d reps=%d events_per_rep=%.0f value=%.4g "
           "unit=events/s\n",
           name, DAYS, reps, events / reps, events / total_s);
    printf("bench=sim_peak_rss scenario=%s days=%d reps=%d goal=%g value=%.2f unit=MiB\n", name,
           DAYS, reps, GOAL_MIB, (double)ru.ru_maxrss / 1024.0);
    free(ms);
    bk_scenario_free(sc);
    return 0;
}
