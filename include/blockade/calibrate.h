/* blockade/calibrate.h: observed events and aggregates, the observation model that turns a run
 * into the same summary statistics, proper scoring rules, calibration by ABC-SMC and global
 * sensitivity analysis (Morris, Sobol). See docs/calibration.md.
 *
 * Every random draw here comes from counter-based streams keyed by a seed and the index of the
 * draw (generation and attempt, replication, design point), and every combination of parallel
 * work is done in a fixed order: results depend on the seed, never on the number of threads.
 * Handles are used by one thread at a time; functions that take `threads` start and join their
 * own worker threads.
 */
#ifndef BLOCKADE_CALIBRATE_H
#define BLOCKADE_CALIBRATE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "blockade/scenario.h"
#include "blockade/sim.h"
#include "blockade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- dates ------------------------------------------------------------------------------- */

/* Parse "2025-09-14" (optionally followed by a time, as in "2025-09-14 00:00:00"),
 * "14 September 2025", "14 Sep 2025" or "14-September-2025" into a day number (days since
 * 1970-01-01). Returns false for anything else or an impossible date (31 June). */
bool bk_date_parse(const char *text, long *day);

/* Format a day number as YYYY-MM-DD into buf[11]. Cannot fail. */
void bk_date_format(long day, char buf[11]);

/* ---- observed events (ACLED and UCDP GED exports) ----------------------------------------- */

/* Event files are read as a stream with no limit on their size: a record (all its fields) may
 * hold at most 1 MiB and 4096 fields, so memory does not grow with the file. The readers that
 * keep the events (bk_events_read_file, _string) keep at most this many. */
#define BK_EVENTS_MAX_KEPT 1000000

typedef enum bk_events_format {
    BK_EVENTS_ACLED = 1,     /* ACLED export: text actor types (inter1 "Rebel group") */
    BK_EVENTS_ACLED_CODES,   /* older ACLED export: numeric actor types (inter1 2) */
    BK_EVENTS_UCDP,          /* UCDP GED: date_start, date_end, where_prec, side_a, side_b */
    BK_EVENTS_PLACED         /* the CSV written by bk_events_write_csv */
} bk_events_format;

/* One event as read, and where bk_events_place put it. Strings are NUL-terminated copies,
 * truncated to their arrays; `notes` is owned by the event set. */
typedef struct bk_event {
    char id[64];
    long day;                /* reported date (day number) */
    long day_from, day_to;   /* the window the date stands for, from time_precision */
    int time_precision;      /* ACLED 1 day, 2 week (+-3 days), 3 month; UCDP: 1, window as given */
    int geo_precision;       /* ACLED 1 10 km, 2 50 km, 3 100 km; UCDP where_prec mapped */
    double lat, lon;         /* degrees */
    char country[96];
    char actor1[160], actor2[160];
    int inter1, inter2;      /* ACLED actor-type codes: 1 state forces, 2 rebel group, 3 political
                                militia, 4 identity militia, 5 rioters, 6 protesters, 7 civilians,
                                8 external/other forces; 0 none */
    char event_type[64], sub_event_type[64];
    char location[128];
    int fatalities;
    const char *notes;       /* "" when the format has none */
    int line;                /* line of the record in the file */
    /* filled by bk_events_place */
    bool placed;
    int segment;             /* segment index in the scenario, -1 if not placed */
    char segment_name[136];  /* "from-to" place ids */
    char corridor[64];       /* first corridor (scenario order) whose path uses the segment */
    double distance_km;      /* from the event to the segment */
    char reason[200];        /* why it was not placed */
} bk_event;

typedef struct bk_events bk_events;

/* What to keep while reading. Every field may be zero/NULL: no filter. Dates accept the forms of
 * bk_date_parse. An event is kept when its country equals `country` (case-insensitive), `actor`
 * is a substring of actor1 or actor2 (case-insensitive), its reported date is in [from, to],
 * and its notes contain at least one of the keywords (case-insensitive). */
typedef struct bk_events_filter {
    const char *country;
    const char *actor;
    const char *from, *to;
    const char *const *keywords;
    int n_keywords;
    unsigned long long max_bytes;  /* refuse a longer input (BK_ERR_TOO_LARGE); 0: no limit */
} bk_events_filter;

/* Read an event CSV (format detected from the header; UTF-8 with or without a BOM; LF or CRLF;
 * quoted fields; path "-" is standard input). `filter` may be NULL. On success *out owns the
 * kept events (free with bk_events_free). On failure *out is NULL and err says "FILE:LINE: what"
 * (or "FILE:LINE:COLUMN: what"): BK_ERR_IO (cannot read), BK_ERR_TOO_LARGE (over
 * filter->max_bytes, or more than BK_EVENTS_MAX_KEPT events kept), BK_ERR_SYNTAX (binary data,
 * bad UTF-8, broken quoting, a record over 1 MiB or 4096 fields),
 * BK_ERR_SCHEMA (unknown header, missing column), BK_ERR_VALUE (bad date, coordinate or
 * precision), BK_ERR_USAGE (bad filter date), BK_ERR_NOMEM. */
bk_status bk_events_read_file(const char *path, const bk_events_filter *filter, bk_events **out,
                              bk_error *err);

/* The same from bytes in memory; `name` is used in messages (NULL: "-"). */
bk_status bk_events_read_string(const char *text, size_t len, const char *name,
                                const bk_events_filter *filter, bk_events **out, bk_error *err);

void bk_events_free(bk_events *ev);

/* Called for each kept event in file order; `e` (its notes too) is borrowed for the call and
 * may be changed (bk_event_place). A non-OK status stops the reading with it (fill err). */
typedef bk_status (*bk_event_fn)(void *ud, bk_event *e, bk_error *err);

typedef struct bk_events_info {
    bk_events_format format;   /* 0 when no header was read */
    size_t records;            /* records after the header */
    size_t kept;               /* events passed to fn */
} bk_events_info;

/* Read an event CSV as bk_events_read_file does, but hand each kept event to fn as soon as its
 * record is read and keep none: memory stays bounded by the largest record whatever the size
 * of the file. info (may be NULL) is filled on success and failure. Errors as
 * bk_events_read_file, or fn's status. */
bk_status bk_events_scan_file(const char *path, const bk_events_filter *filter, bk_event_fn fn,
                              void *ud, bk_events_info *info, bk_error *err);

/* The format detected, the number of records read and of events kept. */
bk_events_format bk_events_get_format(const bk_events *ev);
size_t bk_events_records(const bk_events *ev);
size_t bk_events_count(const bk_events *ev);

/* Event i (0 <= i < count), borrowed from the set. */
const bk_event *bk_events_get(const bk_events *ev, size_t i);

/* Distance within which an event of geo precision p is snapped to a road segment: 10 km for 1,
 * 50 km for 2, 100 km for 3; 0 for anything else (not placed). */
double bk_events_snap_km(int geo_precision);

/* Snap every event to the nearest road segment of `sc` (borrowed for the call) within
 * bk_events_snap_km of its geo precision; events too far, or too imprecise, stay unplaced with a
 * reason. Events outside the scenario's dates are placed (the dates are kept). Cannot fail. */
void bk_events_place(bk_events *ev, const bk_scenario *sc);

/* The same for one event. */
void bk_event_place(bk_event *e, const bk_scenario *sc);

/* Number of events placed by bk_events_place. */
size_t bk_events_placed(const bk_events *ev);

/* Write the placed events as CSV (columns in docs/calibration.md: id, dates and window,
 * precisions, position, actors, type, corridor, segment, distance, notes). BK_ERR_IO. */
bk_status bk_events_write_csv(const bk_events *ev, FILE *out);

/* The same piecewise: the header line, then one event's row (whether placed or not). The caller
 * checks ferror(out). */
void bk_events_write_csv_header(FILE *out);
void bk_event_write_csv(const bk_event *e, FILE *out);

/* ---- observed aggregates ------------------------------------------------------------------ */

/* One aggregate figure: the true value is uncertain within [low, high], best the likeliest. */
typedef struct bk_aggregate {
    char quantity[64];       /* fuel_imports_registered, escorted_convoys, tankers_destroyed,
                                fuel_convoy_attacks */
    long day_from, day_to;   /* period, inclusive */
    char place[128];         /* the country, a first-level region ("Kayes region") or places
                                joined by '-' ("Kaniera-Lakamane") */
    double low, best, high;
    char unit[32];           /* ML or L for imports; tankers, convoys, events */
    char source[256];
    int line;
} bk_aggregate;

typedef struct bk_aggregates bk_aggregates;

/* Read the aggregates CSV (header quantity,period_start,period_end,place,value_low,value_best,
 * value_high,unit,source,note). Errors as bk_events_read_file; an unknown quantity or unit, or
 * low <= best <= high not holding, is BK_ERR_VALUE with the line. */
bk_status bk_aggregates_read_file(const char *path, bk_aggregates **out, bk_error *err);
bk_status bk_aggregates_read_string(const char *text, size_t len, const char *name,
                                    bk_aggregates **out, bk_error *err);
void bk_aggregates_free(bk_aggregates *ag);
size_t bk_aggregates_count(const bk_aggregates *ag);
const bk_aggregate *bk_aggregates_get(const bk_aggregates *ag, size_t i);

/* ---- the observation model ---------------------------------------------------------------- */

typedef struct bk_obs bk_obs;

/* What a statistic measures. */
typedef enum bk_obs_group {
    BK_OBS_DELIVERIES = 0,        /* fuel_imports_registered */
    BK_OBS_ATTACKS = 1,           /* attacks_<corridor>, attacks_week_<date>, fuel_convoy_attacks */
    BK_OBS_LOSSES = 2,            /* tankers_destroyed */
    BK_OBS_CONVOYS = 3            /* escorted_convoys */
} bk_obs_group;

typedef struct bk_obs_config {
    long day_from, day_to;        /* the window, inclusive day numbers; must lie in the scenario */
    double report_prob;           /* chance that an attack is reported, (0, 1]; default 0.8 */
    const char *const *attack_keywords; /* an observed event is an attack on tankers when its
                                           notes contain one; NULL: tanker, convoy, truck */
    int n_attack_keywords;
    bool weekly;                  /* also the attacks per week of the window (default true) */
    bool regions;                 /* also the attacks in each first-level region (admin1) of the
                                     scenario's country, counted on the segments with an end
                                     in it (default false) */
} bk_obs_config;

/* Defaults: window = the scenario's first 30 days (sc may be NULL: window 0..-1). */
void bk_obs_config_init(bk_obs_config *cfg, const bk_scenario *sc);

/* Build the summary statistics of the window from the observations (events already placed on
 * `sc`; aggregates whose period lies in the window). Both sources may be NULL. The scenario is
 * borrowed and must outlive the handle. BK_ERR_USAGE (window outside the scenario, or no
 * statistic at all), BK_ERR_NOMEM. */
bk_status bk_obs_new(const bk_scenario *sc, const bk_events *ev, const bk_aggregates *ag,
                     const bk_obs_config *cfg, bk_obs **out, bk_error *err);
void bk_obs_free(bk_obs *obs);

/* Days a run needs to cover the window (from the scenario's start). */
int bk_obs_days(const bk_obs *obs);

/* One summary statistic. Counts of events are Poisson-observed: each simulated attack is
 * reported with probability report_prob. Aggregates carry measurement error: the true value is
 * Triangular(low, best, high) given the report (a point when low = high). */
typedef struct bk_obs_stat {
    const char *name;             /* "attacks_dakar_north", "attacks_week_2",
                                     "tankers_destroyed_2025-09-03_2025-09-16", ... */
    const char *unit;
    double observed;              /* best */
    double low, high;             /* measurement-error range; low = high = observed for counts */
    bool aggregate;
    double noise;                 /* the least scale of the statistic in a distance: the sd of
                                     its observation noise, max(sqrt(max(observed, 1)) for
                                     counts or 5 % of a volume, (high - low) / 3.29) */
    /* what is counted, for baselines (bk_backtest_baselines) */
    bk_obs_group group;           /* deliveries, attacks, losses or convoys */
    long day_from, day_to;        /* the period counted, inclusive day numbers */
    int corridor;                 /* attacks of one corridor (scenario index), else -1 */
    double litres_per_unit;       /* deliveries: litres per unit of the statistic, else 0 */
} bk_obs_stat;

int bk_obs_count(const bk_obs *obs);
void bk_obs_get(const bk_obs *obs, int k, bk_obs_stat *out);

/* The statistics of a run as the press would have reported them (thinning drawn from streams
 * keyed by `seed`), into values[bk_obs_count]. The run must cover bk_obs_days. BK_ERR_USAGE. */
bk_status bk_obs_simulate(const bk_obs *obs, const bk_run *run, uint64_t seed, double report_prob,
                          double *values, bk_error *err);

/* Draw the true value of every statistic from its measurement-error distribution (observed
 * counts are exact) with a stream keyed by `seed`, into values[bk_obs_count]. */
void bk_obs_draw_truth(const bk_obs *obs, uint64_t seed, double *values);

/* K evenly spaced quantiles of statistic k's measurement-error distribution (levels
 * (i + 0.5) / K), into q[K]; the observed value K times when it is exact. */
void bk_obs_truth_quantiles(const bk_obs *obs, int k, int K, double *q);

/* ---- scoring rules (docs/calibration.md has the formulas) --------------------------------- */

/* CRPS of the ensemble x[0..n-1] for the outcome y, energy form E|X - y| - E|X - X'|/2.
 * x is not modified. n >= 1. */
double bk_score_crps(const double *x, size_t n, double y);

/* Interval score of the central (1 - alpha) interval [lo, hi] for y (lower is better). */
double bk_score_interval(double lo, double hi, double alpha, double y);

/* Pinball (quantile) loss of the tau-quantile forecast q for y. */
double bk_score_pinball(double q, double tau, double y);

/* The p-quantile of x[0..n-1] (linear interpolation between order statistics, type 7); x is
 * not modified. */
double bk_score_quantile(const double *x, size_t n, double p);

/* True when y lies in [lo, hi]. */
bool bk_score_covered(double lo, double hi, double y);

/* ---- parameters and calibration specs ----------------------------------------------------- */

typedef enum bk_prior_kind { BK_PRIOR_UNIFORM = 0, BK_PRIOR_LOGUNIFORM = 1 } bk_prior_kind;

typedef struct bk_param {
    char path[256];          /* scenario path (as in a policy's set:) or
                                "observation.report_prob" */
    bk_prior_kind prior;
    double low, high;        /* low < high; low > 0 for loguniform */
} bk_param;

/* A spec file: YAML with `parameters:` (a list of {path, prior, low, high}) and optionally
 * `window: {from, to}`, `observation: {report_prob, attack_keywords, regions}`, `name`. */
typedef struct bk_calib_spec {
    char name[128];
    bk_param *params;        /* owned */
    int n_params;
    long day_from, day_to;   /* -1 when absent */
    double report_prob;      /* 0 when absent */
    char **keywords;         /* owned, may be NULL */
    int n_keywords;
    bool regions;            /* observation.regions: attacks by region too (bk_obs_config) */
} bk_calib_spec;

/* Load a spec file. On failure *out is NULL and err names the file and line: BK_ERR_IO,
 * BK_ERR_SYNTAX, BK_ERR_SCHEMA, BK_ERR_VALUE, BK_ERR_NOMEM. */
bk_status bk_calib_spec_load_file(const char *path, bk_calib_spec **out, bk_error *err);
bk_status bk_calib_spec_load_string(const char *text, size_t len, const char *name,
                                    bk_calib_spec **out, bk_error *err);
void bk_calib_spec_free(bk_calib_spec *spec);

/* A parameter's value at u in [0, 1] of its prior (uniform: low + u (high - low); loguniform:
 * low (high/low)^u). */
double bk_param_at(const bk_param *p, double u);

/* The scenario `base` with the spec's scenario parameters set exactly to theta[n_params] on a
 * copy (bk_scenario_clone, bk_scenario_set; observation parameters are skipped). On success *out
 * owns it. Errors from bk_scenario_set. */
bk_status bk_calib_apply(const bk_calib_spec *spec, const bk_scenario *base, const double *theta,
                         bk_scenario **out, bk_error *err);

struct bk_policy; /* blockade/ensemble.h */

/* The same, but the parameters that `keep` sets (bk_policy_sets) keep the values of `base`, a
 * scenario with that policy applied: a policy's decision is not overridden by a posterior draw.
 * keep == NULL is bk_calib_apply. */
bk_status bk_calib_apply_except(const bk_calib_spec *spec, const bk_scenario *base,
                                const double *theta, const struct bk_policy *keep,
                                bk_scenario **out, bk_error *err);

/* ---- ABC-SMC -------------------------------------------------------------------------------- */

/* A simulator for ABC: given parameters theta, fill sim[n_stats] (the simulated statistics) and
 * target[n_stats] (what they are compared with for this draw: the observed value, or a draw of
 * its true value under measurement error). Randomness only from streams keyed by `seed`. Called
 * from several threads at once. */
typedef bk_status (*bk_abc_sim_fn)(void *ud, const double *theta, uint64_t seed, double *sim,
                                   double *target, bk_error *err);

/* What an attempt must reach to be accepted: its distance, the root mean square of
 * (sim[i] - target[i]) / scale[i] over the statistics with scale[i] > 0, at most `tolerance`. */
typedef struct bk_abc_bound {
    double tolerance;
    const double *scale;     /* [n_stats] */
    int n_stats;
} bk_abc_bound;

/* True when every completion of a partial simulation is certainly rejected: each final
 * statistic i will lie in [low[i], high[i]] (high[i] = INFINITY when unbounded above), and even
 * the nearest such values to target are farther than bound->tolerance. */
bool bk_abc_beyond(const bk_abc_bound *bound, const double *low, const double *high,
                   const double *target);

/* A simulator that may stop early: as bk_abc_sim_fn (same sim and target for the same theta and
 * seed), but it may stop as soon as bk_abc_beyond says that the attempt cannot be accepted; it
 * then sets *beyond (sim is left undefined). */
typedef bk_status (*bk_abc_sim_early_fn)(void *ud, const double *theta, uint64_t seed,
                                         const bk_abc_bound *bound, double *sim, double *target,
                                         bool *beyond, bk_error *err);

typedef struct bk_abc_problem {
    int n_params;
    const bk_param *params;  /* priors (path is only a label here) */
    int n_stats;
    const char *const *stat_names; /* may be NULL */
    const double *scale_floor; /* [n_stats] least scale of each statistic, or NULL */
    bk_abc_sim_fn sim;
    void *ud;
    /* optional: used instead of sim in the generations after the rejection pass, where the
     * tolerance is known. An attempt it stops is rejected, as the complete simulation would have
     * been, so the result is the same bytes with or without it. */
    bk_abc_sim_early_fn sim_early;
} bk_abc_problem;

typedef void (*bk_abc_progress_fn)(void *ud, int generation, uint64_t accepted, uint64_t wanted);

/* The perturbation kernel of the generations after the rejection pass (docs/calibration.md). */
typedef enum bk_abc_kernel {
    /* one for all particles: twice the weighted variance per coordinate (Beaumont et al. 2009) */
    BK_ABC_KERNEL_GLOBAL = 0,
    /* per particle, per coordinate: the diagonal of the optimal local covariance of Filippi et
     * al. (2013), computed from the previous population's particles within the new tolerance */
    BK_ABC_KERNEL_LOCAL = 1
} bk_abc_kernel;

typedef struct bk_abc_config {
    uint64_t seed;
    int particles;           /* N, default 200 */
    int generations;         /* SMC generations after the rejection pass, default 4 */
    int threads;             /* 0: every online processor */
    int pilot_factor;        /* the rejection pass draws pilot_factor x N from the prior and keeps
                                the N closest; default 5 */
    double quantile;         /* next tolerance = this quantile of the current distances; 0.5 */
    int max_attempts_factor; /* a generation stops after this x N attempts; default 50 */
    bk_abc_kernel kernel;    /* default BK_ABC_KERNEL_GLOBAL */
    const volatile sig_atomic_t *cancel;
    bk_abc_progress_fn progress;
    void *progress_ud;
} bk_abc_config;

void bk_abc_config_init(bk_abc_config *cfg);

typedef struct bk_abc_result bk_abc_result;

/* Run ABC-SMC (docs/calibration.md). On success *out owns the result (free with
 * bk_abc_result_free). BK_ERR_USAGE (bad sizes), BK_ERR_INTERRUPTED, BK_ERR_NOMEM, or the
 * simulator's first failure (in attempt order). */
bk_status bk_abc_run(const bk_abc_problem *prob, const bk_abc_config *cfg, bk_abc_result **out,
                     bk_error *err);
void bk_abc_result_free(bk_abc_result *r);

/* The final population: N particles, theta of particle i at theta[i * n_params + j]. */
int bk_abc_particles(const bk_abc_result *r);
const double *bk_abc_theta(const bk_abc_result *r);
const double *bk_abc_weights(const bk_abc_result *r);   /* sum to 1 */
const double *bk_abc_distances(const bk_abc_result *r);
/* The seed the problem's simulator was given for each particle's accepted simulation, [N]. */
const uint64_t *bk_abc_seeds(const bk_abc_result *r);

/* Systematic resampling with the fixed offset 1/2, deterministic: index[r] (r < m) is the
 * particle whose cumulative weight, normalised, first reaches (r + 1/2) / m. w[0..n) are
 * non-negative with a positive sum. The commands' posterior draws are made with it (and
 * scripts/forecast-months.py repeats it in Python). */
void bk_resample_systematic(const double *w, int n, uint64_t m, int *index);

/* Weighted posterior summary of parameter j. */
typedef struct bk_abc_summary {
    double mean, sd, q05, q50, q95;
} bk_abc_summary;
void bk_abc_summarize(const bk_abc_result *r, int j, bk_abc_summary *out);

/* Per generation (0 is the rejection pass): tolerance, attempts, accepted, acceptance rate,
 * effective sample size 1 / sum w^2. Returns the number of generations run. */
typedef struct bk_abc_generation {
    double tolerance;
    uint64_t attempts, accepted;
    double acceptance, ess;
    uint64_t simulated;      /* simulations started: attempts, plus those of the last batch run
                                in parallel after the N-th acceptance (wasted work) */
    uint64_t stopped;        /* of them, stopped early by sim_early (certain rejections) */
} bk_abc_generation;
int bk_abc_generations(const bk_abc_result *r);
void bk_abc_get_generation(const bk_abc_result *r, int g, bk_abc_generation *out);

/* The scale of each statistic in the distance, [n_stats]: the median absolute deviation (x
 * 1.4826) of the rejection pass, the standard deviation when that is 0, and at least the
 * problem's scale_floor; 0 (left out) when the statistic never varied and has no floor. */
const double *bk_abc_scales(const bk_abc_result *r);

/* posterior.csv: particle, weight, distance, one column per parameter (its path), and the seed
 * of the particle's accepted simulation (bk_abc_seeds).
 * diagnostics.json: settings, per-generation tolerance, acceptance, ESS, the scales, and the
 * posterior summaries. BK_ERR_IO. */
bk_status bk_abc_write_posterior_csv(const bk_abc_result *r, const bk_abc_problem *prob,
                                     FILE *out);
bk_status bk_abc_write_diagnostics_json(const bk_abc_result *r, const bk_abc_problem *prob,
                                        const bk_abc_config *cfg, FILE *out);

/* A posterior.csv read back: n particles of k parameters (the spec's, in its order). */
typedef struct bk_posterior_table {
    int n, k;
    double *w;      /* [n], each finite and >= 0 */
    double *theta;  /* [n * k], particle i's values at theta[i * k ...] */
    uint64_t *seed; /* [n], or NULL when the file has no seed column (earlier versions) */
} bk_posterior_table;

/* Read a posterior.csv that bk_abc_write_posterior_csv wrote for the parameters of `spec`: the
 * header must be particle, weight, distance, the spec's paths in its order, and optionally seed;
 * every row as many fields, numbers where numbers are expected, a whole number as the seed. Read
 * with the library's CSV reader (UTF-8, LF or CRLF, quoted fields). On success *out owns the
 * arrays (bk_posterior_table_free); on failure it is empty and err says file:line: BK_ERR_IO,
 * BK_ERR_SYNTAX, BK_ERR_SCHEMA (a header of other parameters), BK_ERR_VALUE, BK_ERR_NOMEM. */
bk_status bk_abc_read_posterior_csv(const char *path, const bk_calib_spec *spec,
                                    bk_posterior_table *out, bk_error *err);
/* The same over the bytes text[0 .. len), named `name` in messages. */
bk_status bk_abc_read_posterior_string(const char *text, size_t len, const char *name,
                                       const bk_calib_spec *spec, bk_posterior_table *out,
                                       bk_error *err);
void bk_posterior_table_free(bk_posterior_table *t);

/* ---- calibration of a scenario -------------------------------------------------------------- */

typedef struct bk_calibration bk_calibration;

/* The ABC problem of calibrating `base` (borrowed) with `spec`'s parameters (borrowed) to the
 * statistics of `obs` (borrowed): each simulation runs replication 0 of the modified scenario
 * with a seed derived from the draw, for bk_obs_days days. On success *out owns it. */
bk_status bk_calibration_new(const bk_scenario *base, const bk_calib_spec *spec,
                             const bk_obs *obs, bk_calibration **out, bk_error *err);
void bk_calibration_free(bk_calibration *cal);

/* The problem to pass to bk_abc_run, borrowed from the handle. */
const bk_abc_problem *bk_calibration_problem(const bk_calibration *cal);

/* ---- validation ------------------------------------------------------------------------------ */

/* The score of one statistic against N replications of a scenario. Scores of an aggregate are
 * averaged over its measurement-error distribution (50 quantiles). */
typedef struct bk_validation_row {
    const char *name;        /* borrowed from the bk_obs */
    double observed, low, high;
    double median, q05, q25, q75, q95;
    double crps;
    double is50, is90;       /* interval scores of the central 50 % and 90 % intervals */
    bool covered50, covered90;
    double pinball;          /* mean pinball loss over tau = 0.05, 0.25, 0.5, 0.75, 0.95 */
} bk_validation_row;

typedef struct bk_validation bk_validation;

/* Run replications 0..n-1 of `sc` (seed `seed`) for bk_obs_days days on `threads` threads,
 * pass each through the observation model (report_prob) and score every statistic.
 * On success *out owns the result. BK_ERR_USAGE, BK_ERR_INTERRUPTED, a run's failure. */
bk_status bk_validate_run(const bk_scenario *sc, const bk_obs *obs, uint64_t n, uint64_t seed,
                          double report_prob, int threads, const volatile sig_atomic_t *cancel,
                          bk_validation **out, bk_error *err);
/* The same with a mixture of scenarios: replication r runs scs[r % n_sc] and reports attacks
 * with report_probs[r % n_sc]. With the scenarios of a posterior sample (bk_calib_apply of
 * each draw) this is the posterior predictive distribution. */
bk_status bk_validate_run_mixture(const bk_scenario *const *scs, const double *report_probs,
                                  int n_sc, const bk_obs *obs, uint64_t n, uint64_t seed,
                                  int threads, const volatile sig_atomic_t *cancel,
                                  bk_validation **out, bk_error *err);
/* The forecast of `obs` that continues the calibration's accepted runs: every particle of `res`
 * (the result of bk_abc_run on bk_calibration_problem(cal)) runs again with its parameters and
 * its seed for bk_obs_days(obs) days, which repeats the simulation that was accepted up to the
 * calibration's last day and continues it; its statistics of `obs` are reported with that
 * simulation's observation stream. The n replications scored are the particles resampled by
 * weight (systematic, deterministic). This is the predictive distribution given the record the
 * calibration was fitted to, the state of the run included (docs/calibration.md). `obs` must end
 * no earlier than the calibration's statistics. BK_ERR_USAGE, BK_ERR_INTERRUPTED, a run's
 * failure. */
bk_status bk_calibration_forecast(const bk_calibration *cal, const bk_abc_result *res,
                                  const bk_obs *obs, uint64_t n, int threads,
                                  const volatile sig_atomic_t *cancel, bk_validation **out,
                                  bk_error *err);
void bk_validation_free(bk_validation *v);
int bk_validation_count(const bk_validation *v);
void bk_validation_get(const bk_validation *v, int k, bk_validation_row *out);
/* The table for people, and the same as CSV. BK_ERR_IO. */
bk_status bk_validation_write_table(const bk_validation *v, FILE *out);
bk_status bk_validation_write_csv(const bk_validation *v, FILE *out);

/* ---- backtest baselines (docs/validation.md) ---------------------------------------------- */

/* The two naive forecasts of one scored statistic. */
typedef struct bk_baseline {
    bool has_persistence;    /* false when the record has no figure of the quantity in the two
                                weeks before the origin */
    double persistence_mean, persistence_crps;   /* NAN without persistence */
    double normal_mean, normal_crps;
} bk_baseline;

/* For every statistic of `scored` (a window starting at day `origin`), the forecasts known at the
 * origin: persistence (what the record shows for the part of the statistic's period before the
 * origin, plus the record's daily rate over the 14 days before the origin times the days from
 * the origin; counts Poisson around that rate) and the pre-blockade normal (no attack, loss or
 * escorted convoy; deliveries at the scenario's loading rates). Both are scored with the CRPS
 * averaged over the statistic's measurement error, as bk_validate_run does. `cfg` gives the
 * attack keywords; `ev` and `ag` (may be NULL) are the record. out[bk_obs_count(scored)].
 * BK_ERR_USAGE, BK_ERR_NOMEM. */
bk_status bk_backtest_baselines(const bk_scenario *sc, const bk_events *ev,
                                const bk_aggregates *ag, const bk_obs_config *cfg,
                                const bk_obs *scored, long origin, bk_baseline *out,
                                bk_error *err);

/* ---- sensitivity ----------------------------------------------------------------------------- */

typedef struct bk_sensitivity bk_sensitivity;

typedef struct bk_sensitivity_config {
    uint64_t seed;
    int trajectories;        /* Morris R, default 10 */
    int levels;              /* Morris grid levels p (even), default 4 */
    uint64_t sobol_n;        /* Saltelli base sample N; 0: no Sobol indices */
    int days;                /* 0: the scenario's horizon */
    int threads;
    const volatile sig_atomic_t *cancel;
} bk_sensitivity_config;

void bk_sensitivity_config_init(bk_sensitivity_config *cfg);

/* Morris elementary effects (and Sobol indices when sobol_n > 0) of the outcomes (fields of
 * bk_run_totals by name) to the spec's scenario parameters over their prior ranges. Every model
 * evaluation runs replication 0 with cfg.seed (common random numbers); observation parameters
 * are left out (they do not change a run). BK_ERR_USAGE (unknown outcome, no scenario
 * parameter), a run's failure, BK_ERR_INTERRUPTED, BK_ERR_NOMEM. */
bk_status bk_sensitivity_run(const bk_scenario *base, const bk_calib_spec *spec,
                             const char *const *outcomes, int n_outcomes,
                             const bk_sensitivity_config *cfg, bk_sensitivity **out,
                             bk_error *err);
void bk_sensitivity_free(bk_sensitivity *s);

typedef struct bk_sensitivity_row {
    const char *param, *outcome;  /* borrowed */
    double mu, mu_star, sigma;    /* Morris, in the outcome's unit per unit of the prior range */
    double s1, st;                /* Sobol first-order and total; NaN without --sobol */
} bk_sensitivity_row;

/* Rows of outcome o, parameter j. */
void bk_sensitivity_get(const bk_sensitivity *s, int o, int j, bk_sensitivity_row *out);

/* A table per outcome, parameters ranked by mu* (or by total index with Sobol); and CSV. */
bk_status bk_sensitivity_write_table(const bk_sensitivity *s, FILE *out);
bk_status bk_sensitivity_write_csv(const bk_sensitivity *s, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
