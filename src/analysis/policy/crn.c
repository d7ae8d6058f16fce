/* crn.c: several scenarios run on common random numbers, every replication's metrics kept (see
 * crn.h). The decision analyses need the replications themselves, not only sums: a weighted
 * harm, its CVaR and paired differences of it are computed from them afterwards, in a fixed
 * order. */
#include "analysis/policy/crn.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "analysis/ensemble/ens.h"
#include "analysis/ensemble/metrics.h"
#include "blockade/sim.h"
#include "engine/alloc.h"
#include "engine/rng.h"
#include "engine/status_internal.h"
#include "scenario/scenario.h"

typedef struct crn_job {
    const struct bk_scenario *const *sc;
    int n;
    const bk_crn_config *cfg;
    double *vals;
    atomic_uint_fast64_t done;
    uint64_t total;
} crn_job;

/* Item i is replication first_rep + i / n under scenario i % n. */
static bk_status crn_work(void *ctx, int worker, uint64_t item, bk_error *err)
{
    (void)worker;
    crn_job *j = ctx;
    int k = (int)(item % (uint64_t)j->n);
    uint64_t r = item / (uint64_t)j->n;
    bk_run_config rc;
    bk_run_config_init(&rc, j->sc[k]);
    rc.seed = j->cfg->seed;
    rc.replication = (uint32_t)(j->cfg->first_rep + r);
    rc.days = j->cfg->days;
    rc.check_invariants = false;
    rc.cancel = j->cfg->cancel;
    bk_run *run = NULL;
    bk_error rerr = {0};
    bk_status st = bk_sim_run(j->sc[k], &rc, &run, &rerr);
    if (st != BK_OK) {
        if (st == BK_ERR_INTERRUPTED)
            return st;
        return bki_fail(err, st, "candidate %d, replication %llu: %s", k,
                        (unsigned long long)rc.replication,
                        rerr.message[0] ? rerr.message : bk_status_str(st));
    }
    bk_run_totals t;
    bk_run_get_totals(run, &t);
    bk_run_free(run);
    int days = rc.days > 0 ? rc.days : j->sc[k]->days;
    int nt = bki_n_total_metrics;
    double *v = j->vals + ((size_t)k * j->cfg->reps + r) * (size_t)nt;
    for (int i = 0; i < nt; i++)
        v[i] = bki_total_value(&t, i, days);
    atomic_fetch_add(&j->done, 1);
    return BK_OK;
}

static bk_status crn_tick(void *ctx)
{
    crn_job *j = ctx;
    if (j->cfg->progress)
        j->cfg->progress(j->cfg->progress_ud, (uint64_t)atomic_load(&j->done), j->total);
    return BK_OK;
}

/* Contract in crn.h. */
bk_status bki_crn_eval(const struct bk_scenario *const *sc, int n, const bk_crn_config *cfg,
                       double *vals, bk_error *err)
{
    if (n < 1 || cfg->reps < 1)
        return bki_fail(err, BK_ERR_USAGE, "nothing to evaluate");
    crn_job j = {.sc = sc, .n = n, .cfg = cfg, .vals = vals, .total = (uint64_t)n * cfg->reps};
    atomic_init(&j.done, 0);
    int threads = cfg->threads > 0 ? cfg->threads : bki_pool_cpus();
    if ((uint64_t)threads > j.total)
        threads = (int)j.total;
    bk_pool_job job;
    memset(&job, 0, sizeof job);
    job.ctx = &j;
    job.work = crn_work;
    job.tick = crn_tick;
    job.cancel = cfg->cancel;
    bk_status st = bki_pool_run(&job, j.total, threads, err);
    if (st == BK_OK)
        crn_tick(&j);
    else if (st == BK_ERR_INTERRUPTED)
        bki_fail(err, st, "interrupted");
    return st;
}

/* Contract in crn.h. */
void bki_crn_mean_ci(const double *x, uint64_t n, size_t stride, double *mean, double *lo,
                     double *hi)
{
    long double s = 0;
    for (uint64_t i = 0; i < n; i++)
        s += x[i * stride];
    double m = n ? (double)(s / (long double)n) : (double)NAN;
    *mean = m;
    *lo = *hi = NAN;
    if (n < 2)
        return;
    long double ss = 0;
    for (uint64_t i = 0; i < n; i++) {
        long double d = x[i * stride] - m;
        ss += d * d;
    }
    double se = sqrt((double)(ss / (long double)(n - 1)) / (double)n);
    double t = gsl_cdf_tdist_Pinv(0.975, (double)(n - 1));
    *lo = m - t * se;
    *hi = m + t * se;
}

static int desc(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? 1 : a > b ? -1 : 0;
}

static int asc(const void *pa, const void *pb)
{
    return desc(pb, pa);
}

/* Contract in crn.h. */
double bki_crn_cvar(const double *x, uint64_t n, double level, double *scratch)
{
    if (n == 0)
        return (double)NAN;
    if (scratch != x)
        memcpy(scratch, x, (size_t)n * sizeof *scratch);
    qsort(scratch, (size_t)n, sizeof *scratch, desc);
    uint64_t k = (uint64_t)ceil((1.0 - level) * (double)n - 1e-9);
    if (k < 1)
        k = 1;
    long double s = 0;
    for (uint64_t i = 0; i < k; i++)
        s += scratch[i];
    return (double)(s / (long double)k);
}

/* A number uniform on 0..n-1 (n >= 1), by rejection: no modulo bias. */
static uint64_t uniform_below(bk_rng *r, uint64_t n)
{
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do
        v = bki_rng_next(r);
    while (v >= lim);
    return v % n;
}

/* Contract in crn.h. */
bk_status bki_crn_cvar_diff_ci(const double *a, const double *b, uint64_t n, double level,
                               uint64_t seed, uint32_t entity, int resamples, double *diff,
                               double *lo, double *hi)
{
    *diff = *lo = *hi = (double)NAN;
    if (n == 0)
        return BK_OK;
    double *sa = bki_malloc((size_t)n * sizeof *sa), *sb = bki_malloc((size_t)n * sizeof *sb);
    double *d = resamples >= 2 ? bki_malloc((size_t)resamples * sizeof *d) : NULL;
    if (!sa || !sb || (resamples >= 2 && !d)) {
        bki_free(sa);
        bki_free(sb);
        bki_free(d);
        return BK_ERR_NOMEM;
    }
    *diff = bki_crn_cvar(a, n, level, sa) - bki_crn_cvar(b, n, level, sb);
    if (n >= 2 && resamples >= 2) {
        bk_rng r;
        bki_rng_init(&r, seed, 0, BK_RNG_BOOTSTRAP, entity);
        for (int j = 0; j < resamples; j++) {
            for (uint64_t i = 0; i < n; i++) {
                uint64_t k = uniform_below(&r, n);
                sa[i] = a[k];
                sb[i] = b[k];
            }
            d[j] = bki_crn_cvar(sa, n, level, sa) - bki_crn_cvar(sb, n, level, sb);
        }
        qsort(d, (size_t)resamples, sizeof *d, asc);
        double B1 = (double)(resamples - 1);
        *lo = d[(size_t)floor(0.025 * B1)];
        *hi = d[(size_t)ceil(0.975 * B1)];
    }
    bki_free(sa);
    bki_free(sb);
    bki_free(d);
    return BK_OK;
}
