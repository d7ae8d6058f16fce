/* sensitivity.c: global sensitivity of whole-run outcomes to scenario parameters over their
 * prior ranges: Morris elementary effects (Morris 1991; mu* of Campolongo et al. 2007) and
 * Sobol indices with the Saltelli (2010) first-order and Jansen (1999) total estimators.
 * Every design point runs replication 0 with the same seed (common random numbers), points run
 * in parallel and land in their own slot, so results do not depend on the thread count.
 */
#include "engine/alloc.h"
#include "analysis/calibration/sensitivity.h"
#include "engine/status_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/calibration/abc.h"
#include "analysis/ensemble/metrics.h"
#include "analysis/calibration/observed.h"
#include "engine/order.h"
#include "engine/rng.h"

/* Contract in sensitivity.h. */
void bki_morris_design(uint64_t seed, int R, int k, int p, double *u, double *delta)
{
    double d = (double)p / (2.0 * (p - 1));
    *delta = d;
    int *perm = bki_malloc((size_t)k * sizeof *perm);
    for (int r = 0; r < R; r++) {
        bk_rng rng;
        bki_rng_init(&rng, seed, (uint32_t)r, BK_RNG_SENS, 1);
        double *x = u + (size_t)r * (size_t)(k + 1) * (size_t)k;
        for (int j = 0; j < k; j++) {
            int level = (int)(bki_rng_uniform(&rng) * p);
            if (level >= p)
                level = p - 1;
            x[j] = (double)level / (p - 1);
        }
        for (int j = 0; j < k; j++)
            perm[j] = j;
        for (int j = k - 1; j > 0 && perm; j--) {
            int i = (int)(bki_rng_uniform(&rng) * (j + 1));
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        for (int step = 0; step < k; step++) {
            double *prev = x + (size_t)step * (size_t)k, *next = prev + k;
            memcpy(next, prev, (size_t)k * sizeof *next);
            int j = perm ? perm[step] : step;
            next[j] = prev[j] + d <= 1.0 + 1e-12 ? prev[j] + d : prev[j] - d;
        }
    }
    bki_free(perm);
}

/* Contract in sensitivity.h. */
void bki_morris_effects(const double *u, const double *f, int R, int k, double *mu,
                        double *mu_star, double *sigma)
{
    double *ee = bki_malloc((size_t)R * (size_t)k * sizeof *ee);
    if (!ee)
        return;
    for (int r = 0; r < R; r++) {
        const double *x = u + (size_t)r * (size_t)(k + 1) * (size_t)k;
        const double *fr = f + (size_t)r * (size_t)(k + 1);
        for (int step = 0; step < k; step++) {
            const double *a = x + (size_t)step * (size_t)k, *b = a + k;
            for (int j = 0; j < k; j++)
                if (a[j] != b[j])
                    ee[(size_t)r * (size_t)k + (size_t)j] = (fr[step + 1] - fr[step]) / (b[j] - a[j]);
        }
    }
    for (int j = 0; j < k; j++) {
        double m = 0, ma = 0, v = 0;
        for (int r = 0; r < R; r++) {
            m += ee[(size_t)r * (size_t)k + (size_t)j];
            ma += fabs(ee[(size_t)r * (size_t)k + (size_t)j]);
        }
        m /= R;
        ma /= R;
        for (int r = 0; r < R; r++) {
            double d = ee[(size_t)r * (size_t)k + (size_t)j] - m;
            v += d * d;
        }
        mu[j] = m;
        mu_star[j] = ma;
        sigma[j] = R > 1 ? sqrt(v / (R - 1)) : 0.0;
    }
    bki_free(ee);
}

/* Contract in sensitivity.h. */
void bki_saltelli_design(uint64_t seed, uint64_t N, int k, double *u)
{
    double *A = u, *B = u + N * (uint64_t)k;
    for (uint64_t i = 0; i < N; i++) {
        bk_rng rng;
        bki_rng_init(&rng, seed, (uint32_t)i, BK_RNG_SENS, 2);
        for (int j = 0; j < k; j++)
            A[i * (uint64_t)k + (uint64_t)j] = bki_rng_uniform(&rng);
        for (int j = 0; j < k; j++)
            B[i * (uint64_t)k + (uint64_t)j] = bki_rng_uniform(&rng);
    }
    for (int c = 0; c < k; c++) {
        double *AB = u + (2 + (uint64_t)c) * N * (uint64_t)k;
        for (uint64_t i = 0; i < N; i++) {
            memcpy(AB + i * (uint64_t)k, A + i * (uint64_t)k, (size_t)k * sizeof *AB);
            AB[i * (uint64_t)k + (uint64_t)c] = B[i * (uint64_t)k + (uint64_t)c];
        }
    }
}

/* Contract in sensitivity.h. */
void bki_sobol_indices(const double *f, uint64_t N, int k, double *s1, double *st)
{
    const double *fA = f, *fB = f + N;
    double m = 0, v = 0;
    for (uint64_t i = 0; i < 2 * N; i++)
        m += f[i];
    m /= (double)(2 * N);
    for (uint64_t i = 0; i < 2 * N; i++)
        v += (f[i] - m) * (f[i] - m);
    v /= (double)(2 * N - 1);
    for (int c = 0; c < k; c++) {
        const double *fAB = f + (2 + (uint64_t)c) * N;
        double a = 0, b = 0;
        for (uint64_t i = 0; i < N; i++) {
            a += fB[i] * (fAB[i] - fA[i]);
            b += (fA[i] - fAB[i]) * (fA[i] - fAB[i]);
        }
        s1[c] = v > 0 ? a / (double)N / v : (double)NAN;
        st[c] = v > 0 ? b / (2.0 * (double)N) / v : (double)NAN;
    }
}

struct bk_sensitivity {
    int k, n_out;
    char **params;          /* into names */
    char (*names)[256];     /* copies of the parameter paths */
    char **outcomes;        /* owned */
    bk_sensitivity_row *rows; /* [n_out * k] */
    bool sobol;
    int R;
    uint64_t N;
};

/* The buffers of one design (Morris's or Sobol's) of `points` points. */
typedef struct design {
    uint64_t points;
    int n_out;
    double *u;              /* [points * k] the points, in the unit cube */
    double *f;              /* [points * n_out] the outcomes at every point */
    double *fo;             /* [points] one outcome at every point */
    double *res;            /* the method's results */
} design;

typedef struct sens_ctx {
    const bk_scenario *base;
    const bk_calib_spec *spec;
    int k, n_out, days;
    const int *metric;      /* [n_out] */
    uint64_t seed;
    design *d;              /* the design being evaluated */
} sens_ctx;

/* Allocate d's buffers for `points` points of k parameters, n_out outcomes and n_res results;
 * false when out of memory. Release with design_free in every case. */
static bool design_alloc(design *d, uint64_t points, int k, int n_out, size_t n_res)
{
    d->points = points;
    d->n_out = n_out;
    d->u = bki_malloc(points * (uint64_t)k * sizeof *d->u);
    d->f = bki_malloc(points * (uint64_t)n_out * sizeof *d->f);
    d->fo = bki_malloc(points * sizeof *d->fo);
    d->res = bki_malloc(n_res * sizeof *d->res);
    return d->u && d->f && d->fo && d->res;
}

static void design_free(design *d)
{
    bki_free_all(d->u, d->f, d->fo, d->res);
}

/* Outcome o at every point of the evaluated design d, into d->fo. */
static void outcome_column(design *d, int o)
{
    for (uint64_t i = 0; i < d->points; i++)
        d->fo[i] = d->f[i * (uint64_t)d->n_out + (uint64_t)o];
}

static bk_status sens_point(void *vctx, uint64_t i, bk_error *err)
{
    sens_ctx *c = vctx;
    double theta[64];
    for (int j = 0; j < c->k; j++)
        theta[j] = bk_param_at(&c->spec->params[j], c->d->u[i * (uint64_t)c->k + (uint64_t)j]);
    bk_scenario *sc = NULL;
    bk_run *run = NULL;
    bk_status st = bki_cal_run_at(c->spec, c->base, theta, c->seed, c->days, NULL, NULL,
                                  &sc, &run, err);
    if (st != BK_OK)
        return st;
    bk_run_totals t;
    bk_run_get_totals(run, &t);
    for (int o = 0; o < c->n_out; o++)
        c->d->f[i * (uint64_t)c->n_out + (uint64_t)o] = bki_total_value(&t, c->metric[o], t.days);
    bk_run_free(run);
    bk_scenario_free(sc);
    return BK_OK;
}

void bk_sensitivity_config_init(bk_sensitivity_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->seed = 1;
    cfg->trajectories = 10;
    cfg->levels = 4;
}

void bk_sensitivity_free(bk_sensitivity *s)
{
    if (!s)
        return;
    for (int o = 0; s->outcomes && o < s->n_out; o++)
        bki_free(s->outcomes[o]);
    bki_free_all(s->outcomes, s->params, s->names, s->rows, s);
}

/* Evaluate the outcomes at `points` design points u into f. */
static bk_status evaluate(sens_ctx *c, uint64_t points, const bk_sensitivity_config *cfg,
                          bk_error *err)
{
    return bki_par_for(points, cfg->threads, sens_point, c, cfg->cancel, err);
}

/* Contract in blockade/calibrate.h. */
bk_status bk_sensitivity_run(const bk_scenario *base, const bk_calib_spec *spec,
                             const char *const *outcomes, int n_outcomes,
                             const bk_sensitivity_config *cfg, bk_sensitivity **out,
                             bk_error *err)
{
    *out = NULL;
    /* observation parameters do not change a run: leave them out */
    bk_param kept[64];
    bk_calib_spec local = *spec;
    local.params = kept;
    local.n_params = 0;
    for (int j = 0; j < spec->n_params && local.n_params < 64; j++)
        if (!bki_param_is_observation(&spec->params[j]))
            kept[local.n_params++] = spec->params[j];
    spec = &local;
    int k = spec->n_params;
    if (k < 1 || k > 64 || n_outcomes < 1 || cfg->trajectories < 2 || cfg->levels < 2
        || cfg->levels % 2 || cfg->sobol_n == 1 || cfg->sobol_n > 1000000)
        return bki_fail(err, BK_ERR_USAGE, "sensitivity: needs 1-64 parameters, an outcome, "
                           ">= 2 trajectories, an even number of levels and a Sobol N >= 2");
    int *metric = bki_calloc((size_t)n_outcomes, sizeof *metric);
    bk_sensitivity *s = bki_calloc(1, sizeof *s);
    if (!metric || !s) {
        bki_free(metric);
        bki_free(s);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    }
    s->k = k;
    s->n_out = n_outcomes;
    s->R = cfg->trajectories;
    s->N = cfg->sobol_n;
    s->sobol = cfg->sobol_n > 0;
    s->outcomes = bki_calloc((size_t)n_outcomes, sizeof *s->outcomes);
    s->params = bki_calloc((size_t)k, sizeof *s->params);
    s->names = bki_calloc((size_t)k, sizeof *s->names);
    s->rows = bki_calloc((size_t)n_outcomes * (size_t)k, sizeof *s->rows);
    bk_status st = BK_OK;
    if (!s->outcomes || !s->params || !s->names || !s->rows)
        st = bki_fail(err, BK_ERR_NOMEM, "out of memory");
    for (int o = 0; st == BK_OK && o < n_outcomes; o++) {
        metric[o] = bki_total_index(outcomes[o]);
        if (metric[o] < 0) {
            char list[1024] = "";
            for (int i = 0; i < bki_n_total_metrics; i++) {
                strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, bki_total_metrics[i].name, sizeof list - strlen(list) - 1);
            }
            st = bki_fail(err, BK_ERR_USAGE, "unknown outcome '%s' (known: %s)", outcomes[o],
                             list);
        } else if (!(s->outcomes[o] = bki_strdup(outcomes[o]))) {
            st = bki_fail(err, BK_ERR_NOMEM, "out of memory");
        }
    }
    for (int j = 0; j < k && s->params && s->names; j++) {
        snprintf(s->names[j], sizeof s->names[j], "%s", spec->params[j].path);
        s->params[j] = s->names[j];
    }
    sens_ctx c = {.base = base, .spec = spec, .k = k, .n_out = n_outcomes, .days = cfg->days,
                  .metric = metric, .seed = cfg->seed};
    /* Morris */
    if (st == BK_OK) {
        design d;
        c.d = &d;
        if (!design_alloc(&d, (uint64_t)cfg->trajectories * (uint64_t)(k + 1), k, n_outcomes,
                          (size_t)k * 3)) {
            st = bki_fail(err, BK_ERR_NOMEM, "out of memory");
        } else {
            double delta, *mu = d.res;
            bki_morris_design(cfg->seed, cfg->trajectories, k, cfg->levels, d.u, &delta);
            st = evaluate(&c, d.points, cfg, err);
            for (int o = 0; st == BK_OK && o < n_outcomes; o++) {
                outcome_column(&d, o);
                bki_morris_effects(d.u, d.fo, cfg->trajectories, k, mu, mu + k, mu + 2 * k);
                for (int j = 0; j < k; j++) {
                    bk_sensitivity_row *r = &s->rows[(size_t)o * (size_t)k + (size_t)j];
                    r->param = s->params[j];
                    r->outcome = s->outcomes[o];
                    r->mu = mu[j];
                    r->mu_star = mu[k + j];
                    r->sigma = mu[2 * k + j];
                    r->s1 = r->st = (double)NAN;
                }
            }
        }
        design_free(&d);
    }
    /* Sobol */
    if (st == BK_OK && cfg->sobol_n > 0) {
        uint64_t N = cfg->sobol_n;
        design d;
        c.d = &d;
        if (!design_alloc(&d, N * (uint64_t)(k + 2), k, n_outcomes, (size_t)k * 2)) {
            st = bki_fail(err, BK_ERR_NOMEM, "out of memory");
        } else {
            double *ix = d.res;
            bki_saltelli_design(cfg->seed, N, k, d.u);
            st = evaluate(&c, d.points, cfg, err);
            for (int o = 0; st == BK_OK && o < n_outcomes; o++) {
                outcome_column(&d, o);
                bki_sobol_indices(d.fo, N, k, ix, ix + k);
                for (int j = 0; j < k; j++) {
                    s->rows[(size_t)o * (size_t)k + (size_t)j].s1 = ix[j];
                    s->rows[(size_t)o * (size_t)k + (size_t)j].st = ix[k + j];
                }
            }
        }
        design_free(&d);
    }
    bki_free(metric);
    if (st != BK_OK) {
        bk_sensitivity_free(s);
        return st;
    }
    *out = s;
    return BK_OK;
}

void bk_sensitivity_get(const bk_sensitivity *s, int o, int j, bk_sensitivity_row *out)
{
    *out = s->rows[(size_t)o * (size_t)s->k + (size_t)j];
}

/* Contract in blockade/calibrate.h. */
bk_status bk_sensitivity_write_table(const bk_sensitivity *s, FILE *out)
{
    bki_keyed *it = bki_malloc((size_t)s->k * sizeof *it);
    if (!it)
        return BK_ERR_NOMEM;
    for (int o = 0; o < s->n_out; o++) {
        fprintf(out, "%s (Morris, %d trajectories%s):\n", s->outcomes[o], s->R,
                s->sobol ? "; Sobol, Saltelli/Jansen" : "");
        fprintf(out, "  %-4s %-52s %12s %12s %12s", "rank", "parameter", "mu*", "mu", "sigma");
        if (s->sobol)
            fprintf(out, " %8s %8s", "S1", "ST");
        fputc('\n', out);
        for (int j = 0; j < s->k; j++) {
            const bk_sensitivity_row *r = &s->rows[(size_t)o * (size_t)s->k + (size_t)j];
            it[j].key = -(s->sobol && isfinite(r->st) ? r->st : r->mu_star); /* largest first */
            it[j].index = (uint64_t)j;
        }
        bki_keyed_sort(it, (size_t)s->k);
        for (int i = 0; i < s->k; i++) {
            const bk_sensitivity_row *r = &s->rows[(size_t)o * (size_t)s->k + it[i].index];
            fprintf(out, "  %-4d %-52s %12.4g %12.4g %12.4g", i + 1, r->param, r->mu_star, r->mu,
                    r->sigma);
            if (s->sobol)
                fprintf(out, " %8.3f %8.3f", r->s1, r->st);
            fputc('\n', out);
        }
        fputc('\n', out);
    }
    bki_free(it);
    return ferror(out) ? BK_ERR_IO : BK_OK;
}

/* Contract in blockade/calibrate.h. */
bk_status bk_sensitivity_write_csv(const bk_sensitivity *s, FILE *out)
{
    fputs("outcome,parameter,mu_star,mu,sigma,s1,st\n", out);
    for (int o = 0; o < s->n_out; o++)
        for (int j = 0; j < s->k; j++) {
            const bk_sensitivity_row *r = &s->rows[(size_t)o * (size_t)s->k + (size_t)j];
            fprintf(out, "%s,%s,%.9g,%.9g,%.9g,%.9g,%.9g\n", r->outcome, r->param, r->mu_star,
                    r->mu, r->sigma, r->s1, r->st);
        }
    return ferror(out) ? BK_ERR_IO : BK_OK;
}
