/* observed.h (internal): what the calibration modules share: CSV reading (engine/csv.h), the
 * random-stream purposes of calibration, a parallel loop, and the scenario's start as a day
 * number. The public side is blockade/calibrate.h.
 */
#ifndef BK_ANALYSIS_OBSERVED_H
#define BK_ANALYSIS_OBSERVED_H

#include "engine/csv.h"
#include "engine/file.h"
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockade/calibrate.h"
#include "engine/status_internal.h"

/* Random-stream purposes of calibration (frozen: changing one changes every result). They are
 * far from the model's own purposes (engine/rng.h) so that no stream is shared. */
enum {
    BK_RNG_OBS_REPORT = 2001,   /* which simulated attacks are reported */
    BK_RNG_OBS_TRUTH = 2002,    /* true values of aggregates under measurement error */
    BK_RNG_ABC = 2003,          /* proposals of ABC-SMC, per (generation, attempt) */
    BK_RNG_SENS = 2004          /* Morris and Saltelli designs */
};

/* Largest aggregates file, in bytes (a few hundred figures in practice). */
#define BK_AGGREGATES_MAX_BYTES (64ull * 1024 * 1024)

/* Read observed data as CSV with the streamed reader (engine/csv.h): the file at `path`, or
 * when path is NULL the bytes text[0..len) named `name`. Fields the tool guarded against
 * formula evaluation ("'=...") read as written ("=..."). An empty input is BK_ERR_SCHEMA
 * "name:1: empty file". Other errors as bki_csv_read_file. */
bk_status bki_obs_csv_read(const char *path, const char *text, size_t len, const char *name,
                           unsigned long long max_bytes, bk_csv_record_fn fn, void *ud,
                           bk_error *err);

/* Reading a whole file with a size limit: bki_read_whole_file (engine/file.h). */


/* The scenario's start date as a day number. */
long bki_cal_start_day(const bk_scenario *sc);

/* Run fn(ctx, item) for item 0..n-1 on `threads` threads (0: every processor). Items are taken
 * in increasing order; the first failure (lowest item among those run) is returned, and later
 * items may be skipped. *cancel (may be NULL) stops the loop with BK_ERR_INTERRUPTED. */
typedef bk_status (*bk_par_fn)(void *ctx, uint64_t item, bk_error *err);
bk_status bki_par_for(uint64_t n, int threads, bk_par_fn fn, void *ctx,
                      const volatile sig_atomic_t *cancel, bk_error *err);

/* Bounds on the statistics of a run stopped after `day` (bk_run_config.on_day): whatever the
 * rest of the run, the complete run's bk_obs_simulate gives low[k] <= value[k] <= high[k]
 * (high[k] = INFINITY while statistic k can still grow). Same seed and report probability as
 * bk_obs_simulate. BK_ERR_INTERNAL when the run lacks a daily column. */
bk_status bki_obs_bounds(const bk_obs *obs, const bk_run *run, int day, uint64_t seed,
                         double report_prob, double *low, double *high, bk_error *err);

/* Online processors, at least 1. */
int bki_cal_cpus(void);

#endif
