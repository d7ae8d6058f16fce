/* bench_optimise.c: the escort optimisation of the Bamako default (14 escort units shared by the
 * six corridors under that total, the armed group answering with four cells' homes and its
 * threshold of success), 200 replications per candidate: the number of candidates simulated,
 * the simulation runs, the CPU time of the process (every thread) and the wall time, with the
 * goal (10 minutes on 2 cores) printed beside, not asserted. The wall time depends on other work
 * on the machine; the CPU time much less.
 *
 * Usage: bench_optimise [--reps N] [--max-evals N] [--adversary-evals N] [--finalists K]
 *                       [--threads N] [--days N]
 * Defaults: 200 replications, 40 defender candidates, 12 per best response, 3 finalists, every
 * core, the scenario's 180 days. Output: one line per figure,
 *   bench=optimise <param>=<value> ... value=<number> unit=<unit>
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "blockade/blockade.h"

static const char levers[] =
    "levers:\n"
    "  - {path: corridors.dakar_north.escort.units, min: 0, max: 14}\n"
    "  - {path: corridors.dakar_south.escort.units, min: 0, max: 14}\n"
    "  - {path: corridors.mauritania.escort.units, min: 0, max: 14}\n"
    "  - {path: corridors.abidjan_east.escort.units, min: 0, max: 14}\n"
    "  - {path: corridors.abidjan_west.escort.units, min: 0, max: 14}\n"
    "  - {path: corridors.conakry.escort.units, min: 0, max: 14}\n"
    "budgets:\n"
    "  - levers: [corridors.dakar_north.escort.units, corridors.dakar_south.escort.units,\n"
    "             corridors.mauritania.escort.units, corridors.abidjan_east.escort.units,\n"
    "             corridors.abidjan_west.escort.units, corridors.conakry.escort.units]\n"
    "    total: 14\n"
    "adversary:\n"
    "  levers:\n"
    "    - {path: armed_group.cells.kayes.home, choices: [kayes, diema, kita]}\n"
    "    - {path: armed_group.cells.didieni.home, choices: [didieni, kolokani, kita]}\n"
    "    - {path: armed_group.cells.sikasso.home, choices: [sikasso, zantiebougou, kolondieba]}\n"
    "    - {path: armed_group.cells.bougouni.home, choices: [bougouni, ouelessebougou, siby]}\n"
    "    - {path: armed_group.ambush.min_success, min: 0.2, max: 0.6}\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* User plus system CPU seconds of the process, all threads. */
static double cpu_s(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return NAN;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6
           + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

int main(int argc, char **argv)
{
    unsigned long reps = 200, evals = 40, aevals = 12, fin = 3, threads = 0, days = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        unsigned long v = strtoul(argv[i + 1], NULL, 10);
        if (strcmp(argv[i], "--reps") == 0)
            reps = v;
        else if (strcmp(argv[i], "--max-evals") == 0)
            evals = v;
        else if (strcmp(argv[i], "--adversary-evals") == 0)
            aevals = v;
        else if (strcmp(argv[i], "--finalists") == 0)
            fin = v;
        else if (strcmp(argv[i], "--threads") == 0)
            threads = v;
        else if (strcmp(argv[i], "--days") == 0)
            days = v;
        else {
            fprintf(stderr, "bench_optimise: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    bk_scenario *sc = NULL;
    bk_levers *lv = NULL;
    bk_objective *obj = NULL;
    bk_error err = {0};
    if (bk_scenario_load_default(&sc, &err) != BK_OK
        || bk_levers_load_string(levers, sizeof levers - 1, "bench-levers", sc, &lv, &err) != BK_OK
        || bk_objective_default(&obj, &err) != BK_OK) {
        fprintf(stderr, "bench_optimise: %s\n", err.message);
        return 1;
    }
    bk_optimise_config cfg;
    bk_optimise_config_init(&cfg, sc);
    cfg.replications = reps;
    cfg.max_evals = (int)evals;
    cfg.adversary_evals = (int)aevals;
    cfg.finalists = (int)fin;
    cfg.threads = (int)threads;
    cfg.days = (int)days;
    double t0 = now_s(), c0 = cpu_s();
    bk_optimise *o = NULL;
    bk_status st = bk_optimise_run(sc, lv, obj, &cfg, &o, &err);
    double wall = now_s() - t0, cpu = cpu_s() - c0;
    if (st != BK_OK) {
        fprintf(stderr, "bench_optimise: %s\n", err.message);
        return 1;
    }
    bk_optimise_summary s;
    bk_optimise_get_summary(o, &s);
    const char *p = "bench=optimise scenario=bamako";
    printf("%s reps_per_candidate=%lu name=evaluations value=%d unit=candidates\n", p, reps,
           s.evaluations);
    printf("%s reps_per_candidate=%lu name=runs value=%llu unit=replications\n", p, reps,
           (unsigned long long)s.replications);
    printf("%s reps_per_candidate=%lu name=cpu value=%.1f unit=s\n", p, reps, cpu);
    printf("%s reps_per_candidate=%lu name=wall goal=600 value=%.1f unit=s\n", p, reps, wall);
    printf("%s name=improvement_today value=%.4g ci95_low=%.4g ci95_high=%.4g unit=ML\n", p,
           s.today, s.today_lo, s.today_hi);
    printf("%s name=improvement_adapted value=%.4g ci95_low=%.4g ci95_high=%.4g unit=ML\n", p,
           s.adapted, s.adapted_lo, s.adapted_hi);
    bk_optimise_free(o);
    bk_objective_free(obj);
    bk_levers_free(lv);
    bk_scenario_free(sc);
    return 0;
}
