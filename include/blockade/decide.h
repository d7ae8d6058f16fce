/* blockade/decide.h: decisions on a model of the blockade: the network's weak links
 * (vulnerability: static max flow and min cut, checked by simulated closures) and the search for
 * the best use of the defender's levers (optimise), against today's armed group and against its
 * best response. See docs/optimise.md.
 *
 * Every simulated comparison here runs on common random numbers: replication r of every
 * candidate uses the same seed and replication number, so that differences between candidates
 * are paired. Each replication's result is stored in its own slot and every sum is taken in a
 * fixed order afterwards, so results do not depend on the number of threads.
 *
 * A handle is used by one thread at a time; the run functions start their own worker threads.
 */
#ifndef BLOCKADE_DECIDE_H
#define BLOCKADE_DECIDE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "blockade/ensemble.h"
#include "blockade/scenario.h"
#include "blockade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- vulnerability ------------------------------------------------------------------------ */

typedef struct bk_vulnerability bk_vulnerability;

typedef struct bk_vuln_config {
    uint64_t seed;          /* default: the scenario's */
    uint64_t replications;  /* per simulated closure (and the baseline); default 100; 0: static
                               analysis only */
    int days;               /* horizon; 0 keeps the scenario's */
    int threads;            /* 0 = every online processor */
    int simulate;           /* how many of the static ranking's first elements to close in the
                               simulation; default 10; 0 = every segment and place */
    const volatile sig_atomic_t *cancel;
    bk_ensemble_progress_fn progress;
    void *progress_ud;
} bk_vuln_config;

/* Fill the defaults above (sc may be NULL: seed 0). */
void bk_vuln_config_init(bk_vuln_config *cfg, const bk_scenario *sc);

/* Build the supply graph of `sc` (borrowed for the call) with capacities in tankers per day,
 * compute its maximum flow from the ports to the city and a minimum cut (igraph), the flow lost
 * when each segment or place alone is removed, and simulate the closure of the first
 * cfg->simulate elements of that ranking for the whole horizon, paired with the unchanged
 * scenario. On success *out owns the result (free with bk_vulnerability_free). Errors:
 * BK_ERR_USAGE (bad configuration), BK_ERR_NOMEM, BK_ERR_INTERRUPTED, a replication's failure. */
bk_status bk_vulnerability_run(const bk_scenario *sc, const bk_vuln_config *cfg,
                               bk_vulnerability **out, bk_error *err);

/* The maximum flow of the intact graph, in tankers per day. */
double bk_vulnerability_max_flow(const bk_vulnerability *v);

/* One ranked element: a segment ("kati-bamako") or a place ("kati"). */
typedef struct bk_vuln_item {
    const char *id;           /* borrowed from the handle */
    bool is_place;
    double static_loss;       /* max flow lost when it is removed, tankers/day */
    int static_rank;          /* 1-based, ties broken by kind (segments first) then id */
    bool in_min_cut;          /* a segment of the minimum cut found */
    bool simulated;
    int sim_rank;             /* 1-based among the simulated, by mean unmet litres added; 0 */
    /* paired differences closure - baseline, mean and 95 % interval (Student's t) */
    double d_stockout_day, d_stockout_lo, d_stockout_hi; /* first stock-out day */
    double d_unmet_l, d_unmet_lo, d_unmet_hi;            /* litres of demand unmet */
    double d_deliveries, d_deliveries_lo, d_deliveries_hi; /* tankers delivered */
} bk_vuln_item;

/* Number of ranked elements, and element i in static-rank order (0-based). */
int bk_vulnerability_count(const bk_vulnerability *v);
const bk_vuln_item *bk_vulnerability_item(const bk_vulnerability *v, int i);

/* Outputs: a table for people; vulnerability.csv (one row per element); vulnerability.json
 * (the graph's capacities, the max flow, the min cut, both rankings). BK_ERR_IO on a write
 * error. */
bk_status bk_vulnerability_write_table(const bk_vulnerability *v, FILE *out);
bk_status bk_vulnerability_write_csv(const bk_vulnerability *v, FILE *out);
bk_status bk_vulnerability_write_json(const bk_vulnerability *v, FILE *out);

/* NULL is harmless. */
void bk_vulnerability_free(bk_vulnerability *v);

/* ---- optimise ------------------------------------------------------------------------------
 * Levers (docs/optimise.md): scenario paths with bounds (`min`, `max`; whole numbers when the
 * key is, else continuous) or `choices`, grouped under budgets (`total`: the levers' values sum
 * to it), for the defender (`levers:`, `budgets:`) and for the armed group (`adversary:` with
 * its own `levers:` and `budgets:`). The objective: a weighted harm of whole-run metrics and
 * of the levers' cost, its mean or its CVaR at a level. */

typedef struct bk_levers bk_levers;
typedef struct bk_objective bk_objective;

/* Read a lever file and check every lever against `base` (borrowed for the call): the path
 * exists and takes both bounds or every choice, budgets name levers of their side and their
 * totals can be met within the bounds. Errors at file:line:column: BK_ERR_IO, BK_ERR_SYNTAX,
 * BK_ERR_SCHEMA, BK_ERR_REFERENCE, BK_ERR_VALUE, BK_ERR_NOMEM. *out owns the result (free with
 * bk_levers_free); NULL on failure. */
bk_status bk_levers_load_file(const char *path, const bk_scenario *base, bk_levers **out,
                              bk_error *err);
bk_status bk_levers_load_string(const char *text, size_t len, const char *name,
                                const bk_scenario *base, bk_levers **out, bk_error *err);
void bk_levers_free(bk_levers *lv);

/* Read an objective file (weights of metrics, measure, level, indifference); same errors.
 * bk_objective_default: 1 per million litres of demand unmet, the mean. */
bk_status bk_objective_load_file(const char *path, bk_objective **out, bk_error *err);
bk_status bk_objective_load_string(const char *text, size_t len, const char *name,
                                   bk_objective **out, bk_error *err);
bk_status bk_objective_default(bk_objective **out, bk_error *err);
void bk_objective_free(bk_objective *obj);

typedef struct bk_optimise bk_optimise;

typedef struct bk_optimise_config {
    uint64_t seed;            /* default: the scenario's */
    uint64_t replications;    /* per candidate in the search (the first stage); default 100 */
    uint64_t max_replications;/* cap of the selection's second stage; default 10 x the first */
    int days;                 /* 0 keeps the scenario's */
    int threads;              /* 0 = every online processor */
    int max_evals;            /* candidates evaluated by the defender's search; default 80 */
    int adversary_evals;      /* candidates per best response of the armed group; default 30 */
    int finalists;            /* best candidates passed to the selection, the default
                                 included; default 4 */
    double pcs;               /* probability of correct selection; default 0.95 */
    const volatile sig_atomic_t *cancel;
    bk_ensemble_progress_fn progress;
    void *progress_ud;
} bk_optimise_config;

void bk_optimise_config_init(bk_optimise_config *cfg, const bk_scenario *sc);

/* Search the defender's levers for the lowest harm against today's armed group, select among
 * the best by a two-stage procedure, find the armed group's best response to each finalist
 * (when the lever file has an adversary), and validate both choices against the default on
 * fresh replications. Everything borrowed for the call. *out owns the result. Errors:
 * BK_ERR_USAGE, BK_ERR_NOMEM, BK_ERR_INTERRUPTED, a candidate's failure. */
bk_status bk_optimise_run(const bk_scenario *base, const bk_levers *lv, const bk_objective *obj,
                          const bk_optimise_config *cfg, bk_optimise **out, bk_error *err);

/* The validated improvements (default minus chosen, in harm units; > 0 is better), with 95 %
 * intervals on fresh replications, and the work done. The mean harm's improvement has
 * Student's t interval; with a CVaR objective, the CVaR's improvement on the same replications
 * has a paired-bootstrap percentile interval (docs/optimise.md), NaN with a mean objective. */
typedef struct bk_optimise_summary {
    double today, today_lo, today_hi;        /* against today's group */
    double adapted, adapted_lo, adapted_hi;  /* each against its best response; NaN: none */
    double today_cvar, today_cvar_lo, today_cvar_hi;       /* CVaR objective only, else NaN */
    double adapted_cvar, adapted_cvar_lo, adapted_cvar_hi; /* idem, and NaN without response */
    int evaluations;                         /* candidates simulated (all searches) */
    uint64_t replications;                   /* simulation runs in all */
} bk_optimise_summary;
void bk_optimise_get_summary(const bk_optimise *o, bk_optimise_summary *out);

/* Outputs: a table for people; optimise.csv (every candidate evaluated); optimise.json. */
bk_status bk_optimise_write_table(const bk_optimise *o, FILE *out);
bk_status bk_optimise_write_csv(const bk_optimise *o, FILE *out);
bk_status bk_optimise_write_json(const bk_optimise *o, FILE *out);
void bk_optimise_free(bk_optimise *o);

#ifdef __cplusplus
}
#endif
#endif
