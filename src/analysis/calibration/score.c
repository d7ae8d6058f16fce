/* score.c: proper scoring rules for a predictive distribution given as an ensemble: CRPS in its
 * energy form, the interval score, the pinball loss, empirical quantiles and coverage
 * (Gneiting and Raftery 2007; formulas in docs/calibration.md).
 */
#include "engine/alloc.h"
#include "analysis/calibration/score.h"
#include "engine/status_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

/* Contract in score.h. E|X - y| - E|X - X'|/2 with the pair sum in O(n) on sorted values:
 * sum_{i,j} |x_i - x_j| = 2 sum_k (2k - n + 1) x_(k), k = 0..n-1. */
double bki_score_crps_sorted(const double *x, size_t n, double y)
{
    double a = 0, b = 0;
    for (size_t k = 0; k < n; k++) {
        a += fabs(x[k] - y);
        b += (2.0 * (double)k - (double)n + 1.0) * x[k];
    }
    double nn = (double)n;
    return a / nn - b / (nn * nn);
}

/* f(s, n, a) with s a sorted copy of x[0..n); NaN when out of memory. */
static double on_sorted_copy(double (*f)(const double *, size_t, double), const double *x,
                             size_t n, double a)
{
    double *s = bki_malloc(n * sizeof *s);
    if (!s)
        return NAN;
    memcpy(s, x, n * sizeof *s);
    gsl_sort(s, 1, n);
    double v = f(s, n, a);
    bki_free(s);
    return v;
}

/* Contract in blockade/calibrate.h. */
double bk_score_crps(const double *x, size_t n, double y)
{
    return on_sorted_copy(bki_score_crps_sorted, x, n, y);
}

/* Contract in blockade/calibrate.h. */
double bk_score_interval(double lo, double hi, double alpha, double y)
{
    double s = hi - lo;
    if (y < lo)
        s += 2.0 / alpha * (lo - y);
    if (y > hi)
        s += 2.0 / alpha * (y - hi);
    return s;
}

/* Contract in blockade/calibrate.h. */
double bk_score_pinball(double q, double tau, double y)
{
    return y >= q ? tau * (y - q) : (1.0 - tau) * (q - y);
}

/* Contract in score.h. */
double bki_score_quantile_sorted(const double *sorted, size_t n, double p)
{
    return gsl_stats_quantile_from_sorted_data(sorted, 1, n, p);
}

/* Contract in blockade/calibrate.h. */
double bk_score_quantile(const double *x, size_t n, double p)
{
    return on_sorted_copy(bki_score_quantile_sorted, x, n, p);
}

/* Contract in blockade/calibrate.h. */
bool bk_score_covered(double lo, double hi, double y)
{
    return y >= lo && y <= hi;
}

/* ---- validation: N replications scored against the observations ---------------------------- */

#include "analysis/calibration/abc.h"
#include "analysis/calibration/observed.h"

#define TRUTH_POINTS 50

struct bk_validation {
    int n;
    bk_validation_row *rows;
};

typedef struct val_ctx {
    const bk_scenario *const *scs; /* replication r runs scs[r % n_sc] */
    const double *report_probs;    /* [n_sc] */
    int n_sc;
    const bk_obs *obs;
    uint64_t seed;
    int days, s;
    double *values;           /* [reps * s] */
} val_ctx;

static bk_status val_rep(void *vctx, uint64_t r, bk_error *err)
{
    val_ctx *c = vctx;
    int j = (int)(r % (uint64_t)c->n_sc);
    bk_run_config cfg;
    bk_run_config_init(&cfg, c->scs[j]);
    cfg.seed = c->seed;
    cfg.replication = (uint32_t)r;
    cfg.days = c->days;
    bk_run *run = NULL;
    bk_status st = bk_sim_run(c->scs[j], &cfg, &run, err);
    if (st != BK_OK)
        return st;
    st = bk_obs_simulate(c->obs, run, bki_cal_mix(c->seed, 3, r), c->report_probs[j],
                         c->values + r * (uint64_t)c->s, err);
    bk_run_free(run);
    return st;
}

/* Contract in blockade/calibrate.h. */
bk_status bk_validate_run(const bk_scenario *sc, const bk_obs *obs, uint64_t n, uint64_t seed,
                          double report_prob, int threads, const volatile sig_atomic_t *cancel,
                          bk_validation **out, bk_error *err)
{
    return bk_validate_run_mixture(&sc, &report_prob, 1, obs, n, seed, threads, cancel, out,
                                   err);
}

/* Contract in score.h. */
bk_status bki_validation_from_values(const bk_obs *obs, const double *values, uint64_t n,
                                     bk_validation **out, bk_error *err)
{
    *out = NULL;
    int s = bk_obs_count(obs);
    double *col = bki_malloc(n * sizeof *col);
    bk_validation *v = bki_calloc(1, sizeof *v);
    if (v)
        v->rows = bki_calloc((size_t)s + 1, sizeof *v->rows);
    if (!col || !v || !v->rows) {
        bki_free(col);
        bk_validation_free(v);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    }
    static const double taus[5] = {0.05, 0.25, 0.5, 0.75, 0.95};
    v->n = s;
    for (int k = 0; k < s; k++) {
        for (uint64_t r = 0; r < n; r++)
            col[r] = values[r * (uint64_t)s + (uint64_t)k];
        gsl_sort(col, 1, n);
        bk_obs_stat o;
        bk_obs_get(obs, k, &o);
        bk_validation_row *row = &v->rows[k];
        row->name = o.name;
        row->observed = o.observed;
        row->low = o.low;
        row->high = o.high;
        row->median = bki_score_quantile_sorted(col, n, 0.5);
        row->q05 = bki_score_quantile_sorted(col, n, 0.05);
        row->q25 = bki_score_quantile_sorted(col, n, 0.25);
        row->q75 = bki_score_quantile_sorted(col, n, 0.75);
        row->q95 = bki_score_quantile_sorted(col, n, 0.95);
        row->covered50 = bk_score_covered(row->q25, row->q75, o.observed);
        row->covered90 = bk_score_covered(row->q05, row->q95, o.observed);
        /* scores averaged over the measurement-error distribution of the observation */
        double y[TRUTH_POINTS];
        int K = o.high > o.low ? TRUTH_POINTS : 1;
        bk_obs_truth_quantiles(obs, k, K, y);
        double quant[5];
        for (int t = 0; t < 5; t++)
            quant[t] = bki_score_quantile_sorted(col, n, taus[t]);
        for (int i = 0; i < K; i++) {
            row->crps += bki_score_crps_sorted(col, n, y[i]) / K;
            row->is50 += bk_score_interval(row->q25, row->q75, 0.5, y[i]) / K;
            row->is90 += bk_score_interval(row->q05, row->q95, 0.1, y[i]) / K;
            for (int t = 0; t < 5; t++)
                row->pinball += bk_score_pinball(quant[t], taus[t], y[i]) / (5.0 * K);
        }
    }
    bki_free(col);
    *out = v;
    return BK_OK;
}

/* Contract in blockade/calibrate.h. */
bk_status bk_validate_run_mixture(const bk_scenario *const *scs, const double *report_probs,
                                  int n_sc, const bk_obs *obs, uint64_t n, uint64_t seed,
                                  int threads, const volatile sig_atomic_t *cancel,
                                  bk_validation **out, bk_error *err)
{
    *out = NULL;
    if (n < 2 || n > 10000000)
        return bki_fail(err, BK_ERR_USAGE, "validation needs 2 to 10,000,000 replications");
    if (n_sc < 1 || !scs || !report_probs)
        return bki_fail(err, BK_ERR_USAGE, "validation needs at least one scenario");
    int s = bk_obs_count(obs);
    val_ctx c = {scs, report_probs, n_sc, obs, seed, bk_obs_days(obs), s, NULL};
    c.values = bki_malloc(n * (uint64_t)s * sizeof *c.values);
    if (!c.values)
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    bk_status st = bki_par_for(n, threads, val_rep, &c, cancel, err);
    if (st == BK_OK)
        st = bki_validation_from_values(obs, c.values, n, out, err);
    bki_free(c.values);
    return st;
}

void bk_validation_free(bk_validation *v)
{
    if (!v)
        return;
    bki_free_all(v->rows, v);
}

int bk_validation_count(const bk_validation *v)
{
    return v->n;
}

void bk_validation_get(const bk_validation *v, int k, bk_validation_row *out)
{
    *out = v->rows[k];
}

/* Contract in blockade/calibrate.h. */
bk_status bk_validation_write_table(const bk_validation *v, FILE *out)
{
    fprintf(out, "%-44s %14s %9s %21s %8s %9s %9s %4s %4s\n", "statistic", "observed",
            "median", "90% interval", "CRPS", "IS50", "IS90", "c50", "c90");
    for (int k = 0; k < v->n; k++) {
        const bk_validation_row *r = &v->rows[k];
        char obs[48], iv[48];
        if (r->high > r->low)
            snprintf(obs, sizeof obs, "%g [%g-%g]", r->observed, r->low, r->high);
        else
            snprintf(obs, sizeof obs, "%g", r->observed);
        snprintf(iv, sizeof iv, "[%.4g, %.4g]", r->q05, r->q95);
        fprintf(out, "%-44s %14s %9.4g %21s %8.3g %9.4g %9.4g %4s %4s\n", r->name, obs,
                r->median, iv, r->crps, r->is50, r->is90, r->covered50 ? "yes" : "no",
                r->covered90 ? "yes" : "no");
    }
    int c50 = 0, c90 = 0;
    double crps = 0;
    for (int k = 0; k < v->n; k++) {
        c50 += v->rows[k].covered50;
        c90 += v->rows[k].covered90;
        crps += v->rows[k].crps;
    }
    fprintf(out, "coverage: %d of %d statistics in the 50 %% interval, %d of %d in the 90 %% "
            "interval; mean CRPS %.4g\n", c50, v->n, c90, v->n, v->n ? crps / v->n : 0.0);
    return ferror(out) ? BK_ERR_IO : BK_OK;
}

/* Contract in blockade/calibrate.h. */
bk_status bk_validation_write_csv(const bk_validation *v, FILE *out)
{
    fputs("statistic,observed,low,high,median,q05,q25,q75,q95,crps,interval_score_50,"
          "interval_score_90,covered_50,covered_90,pinball\n", out);
    for (int k = 0; k < v->n; k++) {
        const bk_validation_row *r = &v->rows[k];
        fprintf(out, "%s,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%d,%d,%.9g\n",
                r->name, r->observed, r->low, r->high, r->median, r->q05, r->q25, r->q75, r->q95,
                r->crps, r->is50, r->is90, r->covered50, r->covered90, r->pinball);
    }
    return ferror(out) ? BK_ERR_IO : BK_OK;
}
