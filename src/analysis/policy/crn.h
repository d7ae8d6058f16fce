/* crn.h (internal): evaluation of several scenarios on common random numbers, keeping every
 * replication's whole-run metrics, for the decision analyses (vulnerability.c, optimise.c).
 *
 * vals[(k * reps + r) * bki_n_total_metrics + i] is metric i (metrics.h, "never" counted as the
 * horizon) of replication r under scenario k. Each slot is written by the one work item that
 * runs it, so the array does not depend on the number of threads.
 */
#ifndef BK_ANALYSIS_CRN_H
#define BK_ANALYSIS_CRN_H

#include <signal.h>
#include <stdint.h>

#include "blockade/ensemble.h"
#include "blockade/status.h"

typedef struct bk_crn_config {
    uint64_t seed;
    uint64_t reps;
    uint64_t first_rep;    /* replications first_rep .. first_rep + reps - 1 */
    int days;              /* 0 keeps each scenario's */
    int threads;           /* 0 = every online processor */
    const volatile sig_atomic_t *cancel;
    bk_ensemble_progress_fn progress;  /* called from the pool's thread, may be NULL */
    void *progress_ud;
} bk_crn_config;

/* Run every (scenario, replication) pair into vals (caller-owned, n * reps * metrics doubles).
 * Returns BK_OK, BK_ERR_INTERRUPTED, or the first replication's failure (with the scenario's
 * index and the replication in the message). */
bk_status bki_crn_eval(const struct bk_scenario *const *sc, int n, const bk_crn_config *cfg,
                       double *vals, bk_error *err);

/* Mean and 95 % interval (Student's t, n - 1 degrees of freedom) of x[0], x[stride], ...
 * (n values); lo = hi = NaN when n < 2. */
void bki_crn_mean_ci(const double *x, uint64_t n, size_t stride, double *mean, double *lo,
                     double *hi);

/* CVaR at `level` of x[0..n): the mean of its ceil((1 - level) n) largest values (at least
 * one), summed from the largest down. scratch holds n doubles (x may be it). NaN when n is 0. */
double bki_crn_cvar(const double *x, uint64_t n, double level, double *scratch);

/* Paired bootstrap of a CVaR difference: *diff = CVaR(a) - CVaR(b) over the n replications
 * (a[r] and b[r] on the same random numbers), and its 95 % percentile interval [*lo, *hi] from
 * `resamples` resamples of the replication numbers with replacement, the same numbers for a and
 * b (so the pairing is kept): the values of rank floor(0.025 (B - 1)) and ceil(0.975 (B - 1))
 * of the B resampled differences, ascending. Resample j draws its n numbers, uniform on
 * 0..n-1, from the stream (seed, 0, BK_RNG_BOOTSTRAP, entity), in order: the same inputs give
 * the same interval. lo = hi = NaN when n < 2 or resamples < 2; BK_ERR_NOMEM. */
bk_status bki_crn_cvar_diff_ci(const double *a, const double *b, uint64_t n, double level,
                               uint64_t seed, uint32_t entity, int resamples, double *diff,
                               double *lo, double *hi);

#endif
