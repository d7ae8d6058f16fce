/* metrics.h (internal): the whole-run metrics (fields of bk_run_totals) that ensembles and
 * comparisons summarize, in a fixed order, with units.
 *
 * Day metrics (first attack, first stock-out, first priority cut) are -1 in a run when the
 * event never happened; here "never" counts as the horizon length, so that means, quantiles and
 * differences stay defined (the probability curves give the exact chance of "never").
 */
#ifndef BK_ANALYSIS_METRICS_H
#define BK_ANALYSIS_METRICS_H

#include <stdbool.h>

#include "blockade/sim.h"

typedef struct bk_total_metric {
    const char *name;    /* the bk_run_totals field name */
    const char *unit;
    const char *meaning; /* for people, lower case */
    bool censored_day;   /* -1 (never) counts as the horizon */
} bk_total_metric;

extern const bk_total_metric bki_total_metrics[];
extern const int bki_n_total_metrics;

/* Metric i of a run's totals as a double, "never" replaced by `days`. */
double bki_total_value(const bk_run_totals *t, int i, int days);

/* Index of a metric by name, -1 if unknown. */
int bki_total_index(const char *name);

#endif
