/* blockade/sim.h: running one replication of a scenario and reading what happened.
 *
 * A run is a single replication: the scenario, a seed and a replication number fully determine
 * it, byte for byte. Runs of the same scenario are independent and may execute on different
 * threads at once (each has its own state; the scenario is only read).
 */
#ifndef BLOCKADE_SIM_H
#define BLOCKADE_SIM_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "blockade/scenario.h"
#include "blockade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bk_run bk_run;

typedef struct bk_run_config {
    uint64_t seed;            /* base seed of every random stream */
    uint32_t replication;     /* replication number: a different, independent set of streams */
    int days;                 /* horizon override; 0 keeps the scenario's */
    bool check_invariants;    /* check conservation at every day boundary (stop on violation) */
    /* borrowed, may be NULL: when *cancel becomes non-zero (e.g. set by a SIGINT handler) the
     * run stops at the next day boundary with BK_ERR_INTERRUPTED */
    const volatile sig_atomic_t *cancel;
    /* optional: called at the end of every recorded day (day 0 is the start date) with the run
     * so far: its daily rows 0..day and its event log to that moment. Returning false stops the
     * run there: bk_sim_run returns BK_ERR_INTERRUPTED and no run. Called on the run's thread;
     * it must not keep `run`. A calibration uses it to stop a simulation whose statistics can no
     * longer come within the tolerance. */
    bool (*on_day)(void *ud, const bk_run *run, int day);
    void *on_day_ud;
} bk_run_config;

/* Fill defaults: the scenario's seed, replication 0, the scenario's horizon, checks on. */
void bk_run_config_init(bk_run_config *cfg, const bk_scenario *sc);

/* Run one replication. On success *out owns the results (free with bk_run_free). On failure *out
 * is NULL; BK_ERR_INVARIANT names the invariant, the day and the place where it broke; also
 * BK_ERR_NOMEM, BK_ERR_USAGE (bad config), BK_ERR_INTERRUPTED (cfg->cancel was set). The scenario
 * is borrowed for the call and must outlive the run. */
bk_status bk_sim_run(const bk_scenario *sc, const bk_run_config *cfg, bk_run **out,
                     bk_error *err);

/* Free a run. NULL is harmless. */
void bk_run_free(bk_run *run);

/* Headline numbers of a run, for scripts and tests. */
typedef struct bk_run_totals {
    int days;
    double events;            /* discrete events processed */
    double loaded_l;          /* litres loaded at ports */
    double delivered_l;       /* litres unloaded at the city */
    double burned_l;          /* litres lost in burned tankers */
    double captured_l;        /* litres lost in captured tankers */
    double in_transit_l;      /* litres in loaded tankers at the end */
    double final_stock_l;     /* city stock at the end, all products */
    long tankers_start;       /* fleet at the start */
    long tankers_joined;      /* new tankers that joined */
    long tankers_destroyed;
    long tankers_captured;
    long tankers_active;      /* still in service at the end */
    long drivers_kidnapped;
    long trips_loaded;        /* tankers that left a port loaded */
    long deliveries;          /* tankers that unloaded at the city */
    long attacks_attempted;
    long attacks_successful;
    long lone_attacks;        /* attacks on tankers travelling alone */
    long turned_back;
    long road_cuts;
    long convoys;
    long escort_lost;
    double first_attack_day;  /* day index (0-based) of the first attack; -1 if none */
    /* the city side (zero when the scenario has no demand sectors) */
    double consumed_l;        /* litres allocated to the city's sectors */
    double airlifted_l;       /* litres flown in */
    double demand_l;          /* litres the sectors wanted */
    double unmet_l;           /* demand not served */
    double unmet_priority_l;  /* demand of the sectors flagged `priority` not served: at most
                                 unmet_l, equal to it when every sector is a priority sector */
    double first_stockout_day;      /* first day any product's free stock ran out; -1 never */
    double first_priority_cut_day;  /* first day a priority sector got < 99 % of demand; -1 */
    long shortage_days;       /* days with more than 1 % of demand unmet */
    double blackout_hours;    /* hours without electricity, summed over days */
    double peak_blackout_hours;/* worst day */
    long school_closed_days;
    long pressure_days;       /* days with the pressure index above its threshold */
    double peak_price_ratio;  /* informal over official, mean over products, worst day */
    double mean_price_ratio;
    double peak_queue_hours;
    double outside_start_l;   /* stocks outside the depot at the start (stations, utility,
                                 households, informal market), all products */
    double outside_end_l;     /* the same at the end */
    double first_school_closure_day; /* first day schools were closed by decision; -1 never */
    /* modes and cost (docs/model/modes.md); [0] road, [1] river, [2] air */
    bool modes_used;          /* the scenario uses modes, classes, airfields or costs */
    double delivered_mode_l[3]; /* litres unloaded at the city by the classes of each mode */
    double cost_mode[3];      /* cost of the loaded trips started, in the scenario's currency */
    double cost_total;
    long sortie_losses;       /* aircraft lost flying under threat */
    long airfield_attacks;    /* attacks on airfields */
} bk_run_totals;

/* Cannot fail. */
void bk_run_get_totals(const bk_run *run, bk_run_totals *out);

/* Outputs: see docs/outputs.md. Each writes to the caller's stream; BK_ERR_IO on a write error.
 *  daily:   the daily series CSV, one row a day;
 *  events:  the event log, in the 31 columns of an ACLED export;
 *  geojson: the event log as GeoJSON points;
 *  summary: the summary metrics as JSON;
 *  story:   what happened, in plain words. */
bk_status bk_run_write_daily_csv(const bk_run *run, FILE *out);
bk_status bk_run_write_events_csv(const bk_run *run, FILE *out);
bk_status bk_run_write_events_geojson(const bk_run *run, FILE *out);
bk_status bk_run_write_summary_json(const bk_run *run, FILE *out);
bk_status bk_run_write_story(const bk_run *run, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
