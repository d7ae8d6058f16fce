/* score.h (internal): the scoring rules are public (blockade/calibrate.h); this header only
 * declares what score.c shares with validation: sorting a copy of an ensemble, and the scores
 * of replications already run.
 */
#ifndef BK_ANALYSIS_SCORE_H
#define BK_ANALYSIS_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "blockade/calibrate.h"

/* CRPS of an ensemble already sorted in increasing order (no copy). */
double bki_score_crps_sorted(const double *sorted, size_t n, double y);

/* p-quantile of an ensemble already sorted in increasing order (type 7). */
double bki_score_quantile_sorted(const double *sorted, size_t n, double p);

/* The scores of every statistic of `obs` against n replications' values, values[r * count + k]
 * for statistic k of replication r (bk_obs_count(obs) = count), as bk_validate_run scores them.
 * On success *out owns the result. BK_ERR_NOMEM. */
bk_status bki_validation_from_values(const bk_obs *obs, const double *values, uint64_t n,
                                     bk_validation **out, bk_error *err);

#endif
