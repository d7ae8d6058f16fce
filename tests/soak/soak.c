/* soak.c: the model's invariants over many seeds (`make soak`; not part of `make test`).
 *
 * For seeds 1..N, one replication of the embedded default scenario and one of every scenario
 * the project ships (the test scenarios and the two cases) run with the per-day conservation checks on (bk_run_config.check_invariants; a
 * violation stops the run with BK_ERR_INVARIANT), and their totals are checked again from
 * outside: every count and volume finite and non-negative, fuel conserved (loaded = delivered
 * + burned + captured + in transit), deliveries no more than loaded trips, successful attacks
 * no more than attempts, tankers accounted for (start + joined = active + destroyed +
 * captured), demand = consumed + unmet, the priority sectors' unmet litres no more than all
 * sectors', days within the horizon. Every 1000th seed is run
 * twice and must give the same daily bytes. Prints progress every 1000 seeds and a summary;
 * exits 1 on the first violation, naming the scenario and the seed.
 *
 * Usage: bk_soak [N [FIRST_SEED]]  (default 100000 from seed 1)
 */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blockade/blockade.h"

#ifndef BK_SOURCE_DIR
#error "BK_SOURCE_DIR must be defined"
#endif

static int fails;

static void violation(const char *scen, uint64_t seed, const char *what, double a, double b)
{
    fprintf(stderr, "soak: %s seed %" PRIu64 ": %s (%.17g vs %.17g)\n", scen, seed, what, a, b);
    fails++;
}

static bool near(double a, double b)
{
    return fabs(a - b) <= 1e-6 * fmax(1.0, fmax(fabs(a), fabs(b)));
}

static void check_totals(const char *scen, uint64_t seed, const bk_run_totals *t, int days)
{
    const double v[] = {t->events,      t->loaded_l,     t->delivered_l,  t->burned_l,
                        t->captured_l,  t->in_transit_l, t->final_stock_l, t->consumed_l,
                        t->airlifted_l, t->demand_l,     t->unmet_l,       t->unmet_priority_l,
                        t->blackout_hours,
                        t->peak_blackout_hours, t->peak_price_ratio, t->mean_price_ratio,
                        t->peak_queue_hours};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (!isfinite(v[i]) || v[i] < -1e-9)
            violation(scen, seed, "a total is negative or not finite", v[i], (double)i);
    const long c[] = {t->tankers_start, t->tankers_joined, t->tankers_destroyed,
                      t->tankers_captured, t->tankers_active, t->drivers_kidnapped,
                      t->trips_loaded, t->deliveries, t->attacks_attempted,
                      t->attacks_successful, t->lone_attacks, t->turned_back, t->road_cuts,
                      t->convoys, t->escort_lost, t->shortage_days, t->school_closed_days,
                      t->pressure_days};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        if (c[i] < 0)
            violation(scen, seed, "a count is negative", (double)c[i], (double)i);
    if (!near(t->loaded_l, t->delivered_l + t->burned_l + t->captured_l + t->in_transit_l))
        violation(scen, seed, "loaded != delivered + burned + captured + in transit",
                  t->loaded_l, t->delivered_l + t->burned_l + t->captured_l + t->in_transit_l);
    /* A delivery is a trip loaded within the horizon or a load on board when it began (at most
     * one per tanker then in the fleet). */
    if (t->deliveries > t->trips_loaded + t->tankers_start)
        violation(scen, seed, "more deliveries than loaded trips and loads at the start",
                  (double)t->deliveries, (double)(t->trips_loaded + t->tankers_start));
    if (t->attacks_successful > t->attacks_attempted)
        violation(scen, seed, "more successful attacks than attempts",
                  (double)t->attacks_successful, (double)t->attacks_attempted);
    if (t->tankers_start + t->tankers_joined !=
        t->tankers_active + t->tankers_destroyed + t->tankers_captured)
        violation(scen, seed, "tankers not accounted for",
                  (double)(t->tankers_start + t->tankers_joined),
                  (double)(t->tankers_active + t->tankers_destroyed + t->tankers_captured));
    if (t->demand_l > 0 && !near(t->demand_l, t->consumed_l + t->unmet_l))
        violation(scen, seed, "demand != consumed + unmet", t->demand_l,
                  t->consumed_l + t->unmet_l);
    if (t->unmet_priority_l > t->unmet_l)
        violation(scen, seed, "priority sectors' unmet litres above all sectors'",
                  t->unmet_priority_l, t->unmet_l);
    if (t->days != days || t->shortage_days > days || t->school_closed_days > days ||
        t->pressure_days > days || t->first_attack_day >= days ||
        t->first_stockout_day >= days || t->peak_blackout_hours > 24.0 + 1e-9)
        violation(scen, seed, "a day count or a daily figure outside the horizon",
                  (double)t->days, (double)days);
}

static char *daily_bytes(const bk_run *run, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f || bk_run_write_daily_csv(run, f) != BK_OK)
        abort();
    fclose(f);
    return buf;
}

static void one(const char *scen, const bk_scenario *sc, uint64_t seed)
{
    bk_run_config cfg;
    bk_run_config_init(&cfg, sc);
    cfg.seed = seed;
    cfg.check_invariants = true;
    bk_run *run = NULL;
    bk_error err;
    bk_status st = bk_sim_run(sc, &cfg, &run, &err);
    if (st != BK_OK) {
        fprintf(stderr, "soak: %s seed %" PRIu64 ": %s: %s\n", scen, seed, bk_status_name(st),
                err.message);
        fails++;
        return;
    }
    bk_run_totals t;
    bk_run_get_totals(run, &t);
    check_totals(scen, seed, &t, bk_scenario_days(sc));
    if (seed % 1000 == 0) {
        bk_run *again = NULL;
        if (bk_sim_run(sc, &cfg, &again, &err) != BK_OK) {
            violation(scen, seed, "the same seed failed the second time", 0, 0);
        } else {
            size_t la, lb;
            char *a = daily_bytes(run, &la), *b = daily_bytes(again, &lb);
            if (la != lb || memcmp(a, b, la) != 0)
                violation(scen, seed, "the same seed gave different daily bytes", (double)la,
                          (double)lb);
            free(a);
            free(b);
            bk_run_free(again);
        }
    }
    bk_run_free(run);
}

/* The scenarios soaked: the embedded default and every scenario the project ships. */
static const char *const files[] = {
    NULL, /* the embedded default */
    BK_SOURCE_DIR "/scenarios/test/two-corridors.yaml",
    BK_SOURCE_DIR "/scenarios/test/river-air.yaml",
    BK_SOURCE_DIR "/scenarios/kathmandu-2015.yaml",
    BK_SOURCE_DIR "/scenarios/mekelle-2021.yaml",
};
enum { N_SCEN = sizeof files / sizeof files[0] };

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
    uint64_t first = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    bk_scenario *sc[N_SCEN] = {0};
    const char *name[N_SCEN];
    bk_error err;
    for (int i = 0; i < N_SCEN; i++) {
        bk_status st = files[i] ? bk_scenario_load_file(files[i], &sc[i], &err)
                                : bk_scenario_load_default(&sc[i], &err);
        if (st != BK_OK) {
            fprintf(stderr, "soak: %s\n", err.message);
            return 2;
        }
        const char *slash = files[i] ? strrchr(files[i], '/') : NULL;
        name[i] = slash ? slash + 1 : "default";
    }
    time_t t0 = time(NULL);
    uint64_t s = first;
    for (; s < first + n && fails == 0; s++) {
        for (int i = 0; i < N_SCEN; i++)
            one(name[i], sc[i], s);
        if ((s - first + 1) % 1000 == 0) {
            printf("soak: %" PRIu64 " seeds (%" PRIu64 "..%" PRIu64 ") x %d scenarios, no "
                   "violation, %ld s\n", s - first + 1, first, s, N_SCEN,
                   (long)(time(NULL) - t0));
            fflush(stdout);
        }
    }
    printf("soak: %s after %" PRIu64 " seeds x %d scenarios (%ld s)\n",
           fails ? "VIOLATION" : "no violation", s - first, N_SCEN, (long)(time(NULL) - t0));
    for (int i = 0; i < N_SCEN; i++)
        bk_scenario_free(sc[i]);
    return fails ? 1 : 0;
}
