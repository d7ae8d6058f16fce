/* optimise_select.c: the choice among the finalists (docs/optimise.md, "The selection"): a
 * two-stage indifference-zone procedure for common random numbers with a Bonferroni bound, and
 * the check of a choice against the default on fresh replications. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "engine/alloc.h"
#include "analysis/policy/crn.h"
#include "analysis/ensemble/metrics.h"
#include "analysis/policy/optimise_internal.h"
#include "scenario/scenario.h"

/* ---- selection and validation --------------------------------------------------------------- */

/* Harm per replication of candidates idx[0..k) on replications first..first+n-1 into h[k][n]. */
bk_status opt_harm_reps(ctx *c, const int *idx, int k, uint64_t first, uint64_t n, double *h)
{
    bk_optimise *o = c->o;
    int nt = bki_n_total_metrics;
    const bk_scenario **scs = bki_calloc((size_t)k, sizeof *scs);
    double *vals = bki_malloc((size_t)k * n * (size_t)nt * sizeof *vals);
    bk_status st = scs && vals ? BK_OK : bki_fail(c->err, BK_ERR_NOMEM, "out of memory");
    for (int j = 0; j < k && st == BK_OK; j++) {
        bk_scenario *sc = NULL;
        st = opt_make_scenario(c, o->c[idx[j]].x, o->c[idx[j]].y, &sc);
        scs[j] = sc;
    }
    if (st == BK_OK) {
        bk_crn_config cc = {.seed = o->seed, .reps = n, .first_rep = first, .days = c->cfg->days,
                            .threads = c->cfg->threads, .cancel = c->cfg->cancel,
                            .progress = c->cfg->progress, .progress_ud = c->cfg->progress_ud};
        st = bki_crn_eval(scs, k, &cc, vals, c->err);
        o->runs += (uint64_t)k * n;
    }
    for (int j = 0; st == BK_OK && j < k; j++)
        opt_harm_of(c, vals + (size_t)j * n * (size_t)nt, n, o->c[idx[j]].cost, h + (size_t)j * n);
    for (int j = 0; scs && j < k; j++)
        bk_scenario_free((bk_scenario *)(uintptr_t)scs[j]);
    bki_free((void *)scs);
    bki_free(vals);
    return st;
}

/* Two-stage selection of the lowest mean harm among systems idx[0..k) (Clark and Yang 1986;
 * Nelson and Matejcik 1995, for common random numbers): with n0 first-stage replications, the
 * Bonferroni t quantile t = t_{1 - (1 - P*)/(k - 1), n0 - 1} and S2 the largest sample variance
 * of a pairwise difference, N = max(n0, ceil(t^2 S2 / delta^2)) replications of every system
 * give P(correct selection) >= P* when the best is at least delta better than the others. N is
 * capped at max_replications (the guarantee is then weaker: reported). *sel gets the position
 * of the chosen system, means[k] their means over N. */
bk_status opt_select_best(ctx *c, const int *idx, int k, double *means, int *sel)
{
    bk_optimise *o = c->o;
    uint64_t n0 = o->reps;
    double t = gsl_cdf_tdist_Pinv(1.0 - (1.0 - o->pcs) / (k > 1 ? k - 1 : 1), (double)(n0 - 1));
    double s2 = 0;
    for (int a = 0; a < k; a++)
        for (int b = a + 1; b < k; b++) {
            const double *ha = o->c[idx[a]].h, *hb = o->c[idx[b]].h;
            long double m = 0, q = 0;
            for (uint64_t r = 0; r < n0; r++)
                m += ha[r] - hb[r];
            m /= (long double)n0;
            for (uint64_t r = 0; r < n0; r++) {
                long double d = ha[r] - hb[r] - m;
                q += d * d;
            }
            double v = (double)(q / (long double)(n0 - 1));
            if (v > s2)
                s2 = v;
        }
    double need = ceil(t * t * s2 / (o->delta * o->delta));
    uint64_t cap = c->cfg->max_replications ? c->cfg->max_replications : 10 * n0;
    uint64_t N = need > (double)n0 ? (need > (double)cap ? cap : (uint64_t)need) : n0;
    if (N > o->n2)
        o->n2 = N;
    if (need > (double)cap)
        o->capped = true;
    double *h2 = NULL;
    if (N > n0) {
        h2 = bki_malloc((size_t)k * (N - n0) * sizeof *h2);
        if (!h2)
            return bki_fail(c->err, BK_ERR_NOMEM, "out of memory");
        bk_status st = opt_harm_reps(c, idx, k, n0, N - n0, h2);
        if (st != BK_OK) {
            bki_free(h2);
            return st;
        }
    }
    *sel = 0;
    for (int j = 0; j < k; j++) {
        long double s = 0;
        for (uint64_t r = 0; r < n0; r++)
            s += o->c[idx[j]].h[r];
        for (uint64_t r = 0; r < N - n0; r++)
            s += h2[(size_t)j * (N - n0) + r];
        means[j] = (double)(s / (long double)N);
        if (means[j] < means[*sel])
            *sel = j;
    }
    bki_free(h2);
    return BK_OK;
}

/* Default minus chosen on fresh replications (as many as the selection used): mean and 95 %
 * interval of the paired differences; with a CVaR objective also the CVaR difference on the
 * same replications and its paired-bootstrap interval (stream entity `entity`), else NaN. */
bk_status opt_validate(ctx *c, int i_def, int i_ch, uint32_t entity, double *m, double *lo,
                       double *hi, double *cv, double *cv_lo, double *cv_hi)
{
    uint64_t n = c->o->n2; /* as many as the selection's second stage */
    int idx[2] = {i_def, i_ch};
    double *h = bki_malloc(2 * n * sizeof *h), *d = bki_malloc(n * sizeof *d);
    bk_status st = h && d ? BK_OK : bki_fail(c->err, BK_ERR_NOMEM, "out of memory");
    if (st == BK_OK)
        st = opt_harm_reps(c, idx, 2, VALIDATION_FIRST_REP, n, h);
    if (st == BK_OK) {
        for (uint64_t r = 0; r < n; r++)
            d[r] = h[r] - h[n + r];
        bki_crn_mean_ci(d, n, 1, m, lo, hi);
    }
    *cv = *cv_lo = *cv_hi = NAN;
    if (st == BK_OK && c->o->cvar
        && bki_crn_cvar_diff_ci(h, h + n, n, c->o->level, c->o->seed, entity, BOOTSTRAP_RESAMPLES,
                                cv, cv_lo, cv_hi) != BK_OK)
        st = bki_fail(c->err, BK_ERR_NOMEM, "out of memory");
    bki_free(h);
    bki_free(d);
    return st;
}

/* Sort candidate indices by first-stage score, ties by index (insertion sort: a few hundred). */
void opt_sort_by_score(const bk_optimise *o, int *ord, int m)
{
    for (int i = 1; i < m; i++) {
        int v = ord[i], j = i;
        while (j > 0 && (o->c[ord[j - 1]].score > o->c[v].score
                         || (o->c[ord[j - 1]].score == o->c[v].score && ord[j - 1] > v))) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = v;
    }
}
