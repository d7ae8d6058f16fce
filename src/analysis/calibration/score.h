/* score.h (internal): the scoring rules are public (blockade/calibrate.h); this header only
 * declares what score.c shares with validation: sorting a copy of an ensemble.
 */
#ifndef BK_ANALYSIS_SCORE_H
#define BK_ANALYSIS_SCORE_H

#include <stddef.h>

#include "blockade/calibrate.h"

/* CRPS of an ensemble already sorted in increasing order (no copy). */
double bki_score_crps_sorted(const double *sorted, size_t n, double y);

/* p-quantile of an ensemble already sorted in increasing order (type 7). */
double bki_score_quantile_sorted(const double *sorted, size_t n, double p);

#endif
