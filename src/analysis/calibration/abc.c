/* abc.c: ABC-SMC (population Monte Carlo with an adaptive tolerance, after
 * Beaumont et al. 2009 and Del Moral et al. 2012) and the calibration of a scenario to the
 * statistics of the observation model (docs/calibration.md).
 *
 * Determinism: attempt a of generation g draws only from streams keyed by (seed, g, a) and its
 * simulation is seeded from them; attempts run in parallel in batches, and acceptance is decided
 * afterwards in attempt order, taking the first N accepted. The population therefore depends on
 * the seed alone, not on the threads or the batch size (which only changes wasted work).
 * The calibration spec reader is in calib_spec.c.
 */
#include "engine/alloc.h"
#include "analysis/calibration/abc.h"
#include "engine/status_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "analysis/calibration/observed.h"
#include "analysis/calibration/score.h"
#include "blockade/ensemble.h"
#include "engine/json.h"
#include "engine/order.h"
#include "engine/rng.h"
#include "scenario/scenario.h"

/* Contract in abc.h. */
uint64_t bki_cal_mix(uint64_t seed, uint64_t a, uint64_t b)
{
    uint64_t z = seed ^ (a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* ---- ABC-SMC --------------------------------------------------------------------------------- */

struct bk_abc_result {
    int n, k, s;
    double *theta, *w, *d;
    uint64_t *seed;          /* [n] the seed of each particle's accepted simulation */
    double *scale;
    bk_abc_generation *gen;
    int n_gen;
    bool stopped_early;
};

void bk_abc_config_init(bk_abc_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->seed = 1;
    cfg->particles = 200;
    cfg->generations = 4;
    cfg->pilot_factor = 5;
    cfg->quantile = 0.5;
    cfg->max_attempts_factor = 50;
    cfg->kernel = BK_ABC_KERNEL_GLOBAL;
}

void bk_abc_result_free(bk_abc_result *r)
{
    if (!r)
        return;
    bki_free_all(r->theta, r->w, r->d, r->seed, r->scale, r->gen, r);
}

int bk_abc_particles(const bk_abc_result *r) { return r->n; }
const double *bk_abc_theta(const bk_abc_result *r) { return r->theta; }
const double *bk_abc_weights(const bk_abc_result *r) { return r->w; }
const double *bk_abc_distances(const bk_abc_result *r) { return r->d; }
const uint64_t *bk_abc_seeds(const bk_abc_result *r) { return r->seed; }
const double *bk_abc_scales(const bk_abc_result *r) { return r->scale; }
int bk_abc_generations(const bk_abc_result *r) { return r->n_gen; }
void bk_abc_get_generation(const bk_abc_result *r, int g, bk_abc_generation *out)
{
    *out = r->gen[g];
}

/* The working space of z = theta (uniform prior) or ln theta (loguniform): the prior is uniform
 * on a box there, and the Gaussian kernel perturbs in it. */
static double to_z(const bk_param *p, double t)
{
    return p->prior == BK_PRIOR_LOGUNIFORM ? log(t) : t;
}

static double from_z(const bk_param *p, double z)
{
    return p->prior == BK_PRIOR_LOGUNIFORM ? exp(z) : z;
}

static double zlo(const bk_param *p) { return to_z(p, p->low); }
static double zhi(const bk_param *p) { return to_z(p, p->high); }

typedef struct abc_ctx {
    const bk_abc_problem *prob;
    const bk_abc_config *cfg;
    int gen;
    uint64_t base;            /* first attempt index of the batch */
    /* the previous population (gen >= 1) */
    const double *pz;         /* [n * k] in z space */
    const double *pcum;       /* [n] cumulative weights */
    const double *sigma;      /* [n * k] kernel sd of each particle */
    int pn;
    const bk_abc_bound *bound; /* gen >= 1 with sim_early: the acceptance bound */
    /* outputs of the batch, per attempt */
    double *z;                /* [batch * k] */
    double *sim, *target;     /* [batch * s] */
    unsigned char *inside;    /* [batch] proposal inside the prior */
    unsigned char *beyond;    /* [batch] stopped early: certainly rejected */
} abc_ctx;

static bk_status abc_attempt(void *vctx, uint64_t item, bk_error *err)
{
    abc_ctx *c = vctx;
    const bk_abc_problem *pr = c->prob;
    int k = pr->n_params, s = pr->n_stats;
    uint64_t a = c->base + item;
    bk_rng rng;
    bki_rng_init(&rng, c->cfg->seed, (uint32_t)c->gen, BK_RNG_ABC, (uint32_t)a);
    double *z = c->z + item * (uint64_t)k;
    c->inside[item] = 1;
    c->beyond[item] = 0;
    if (c->gen == 0) {
        for (int j = 0; j < k; j++) {
            double lo = zlo(&pr->params[j]), hi = zhi(&pr->params[j]);
            z[j] = lo + bki_rng_uniform(&rng) * (hi - lo);
        }
    } else {
        double u = bki_rng_uniform(&rng);
        int lo = 0, hi = c->pn - 1;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (c->pcum[mid] < u)
                lo = mid + 1;
            else
                hi = mid;
        }
        /* a Gaussian kernel truncated to the prior's box, one coordinate at a time (the
         * weights divide by its mass in the box): with wide posteriors an untruncated kernel
         * would waste most proposals outside the box */
        for (int j = 0; j < k; j++) {
            double za = zlo(&pr->params[j]), zb = zhi(&pr->params[j]);
            double centre = c->pz[(size_t)lo * (size_t)k + (size_t)j];
            int tries = 0;
            do
                z[j] = centre + gsl_ran_gaussian(bki_rng_gsl(&rng),
                                                 c->sigma[(size_t)lo * (size_t)k + (size_t)j]);
            while ((z[j] < za || z[j] > zb) && ++tries < 10000);
            if (z[j] < za || z[j] > zb)
                c->inside[item] = 0; /* practically never: the centre is inside */
        }
        if (!c->inside[item])
            return BK_OK;
    }
    double theta[SPEC_MAX_PARAMS];
    for (int j = 0; j < k && j < SPEC_MAX_PARAMS; j++)
        theta[j] = from_z(&pr->params[j], z[j]);
    uint64_t sim_seed = bki_cal_mix(c->cfg->seed, (uint64_t)c->gen + 1, a);
    if (c->bound) {
        bool beyond = false;
        bk_status st = pr->sim_early(pr->ud, theta, sim_seed, c->bound,
                                     c->sim + item * (uint64_t)s,
                                     c->target + item * (uint64_t)s, &beyond, err);
        c->beyond[item] = beyond;
        return st;
    }
    return pr->sim(pr->ud, theta, sim_seed, c->sim + item * (uint64_t)s,
                   c->target + item * (uint64_t)s, err);
}

/* Contract in blockade/calibrate.h. The same sum, in the same order, as distance() of the
 * nearest admissible values: each term is at most the complete simulation's, so (rounding being
 * monotone) the bound never exceeds the distance that the complete simulation gives. */
bool bk_abc_beyond(const bk_abc_bound *bound, const double *low, const double *high,
                   const double *target)
{
    double sum = 0;
    int used = 0;
    for (int i = 0; i < bound->n_stats; i++) {
        if (bound->scale[i] <= 0)
            continue;
        double d = low[i] > target[i]    ? (low[i] - target[i]) / bound->scale[i]
                   : high[i] < target[i] ? (target[i] - high[i]) / bound->scale[i]
                                         : 0.0;
        sum += d * d;
        used++;
    }
    return used && sqrt(sum / used) > bound->tolerance;
}

static double distance(const double *sim, const double *target, const double *scale, int s)
{
    double sum = 0;
    int used = 0;
    for (int i = 0; i < s; i++) {
        if (scale[i] <= 0)
            continue;
        double d = (sim[i] - target[i]) / scale[i];
        sum += d * d;
        used++;
    }
    return used ? sqrt(sum / used) : 0.0;
}

/* Median absolute deviation (scaled to a normal sd) of column i of m rows; sd as a fallback;
 * 0 when the statistic does not vary (it is then left out of the distance). */
static double robust_scale(const double *x, size_t m, int s, int i, double *tmp)
{
    for (size_t r = 0; r < m; r++)
        tmp[r] = x[r * (size_t)s + (size_t)i];
    gsl_sort(tmp, 1, m);
    double med = m % 2 ? tmp[m / 2] : 0.5 * (tmp[m / 2 - 1] + tmp[m / 2]);
    double mean = 0, var = 0;
    for (size_t r = 0; r < m; r++)
        mean += tmp[r];
    mean /= (double)m;
    for (size_t r = 0; r < m; r++) {
        var += (tmp[r] - mean) * (tmp[r] - mean);
        tmp[r] = fabs(tmp[r] - med);
    }
    gsl_sort(tmp, 1, m);
    double mad = 1.4826 * (m % 2 ? tmp[m / 2] : 0.5 * (tmp[m / 2 - 1] + tmp[m / 2]));
    if (mad > 0)
        return mad;
    double sd = m > 1 ? sqrt(var / (double)(m - 1)) : 0;
    return sd;
}

/* Attempts to run in the next parallel batch of a generation: what the acceptance rate so far
 * (the previous generation's before the first acceptance) says is still needed, a fifth more, at
 * least 32 and at most `most`. Only the work wasted after the N-th acceptance depends on it,
 * never the result; it does not depend on the threads, so neither do the diagnostics. */
static uint64_t batch_size(int needed, int accepted, uint64_t attempts, double prev_rate,
                           uint64_t most)
{
    double rate = accepted > 0 ? (double)accepted / (double)attempts
                  : attempts > 0 ? fmin(prev_rate, 1.0 / (double)attempts)
                                 : prev_rate;
    double want = rate > 0 ? ceil(1.2 * needed / rate) : (double)most;
    uint64_t b = want < (double)most ? (uint64_t)want : most;
    return b < 32 ? (most < 32 ? most : 32) : b;
}

/* sd[i * k + j]: the kernel's sd for coordinate j around particle i of the population
 * (z, w, d). BK_ABC_KERNEL_GLOBAL: twice the weighted variance, for every particle (Beaumont et
 * al. 2009). BK_ABC_KERNEL_LOCAL: the diagonal of the optimal local covariance matrix of Filippi
 * et al. (2013), sum over the particles k with d_k <= eps of w~_k (z_kj - z_ij)^2 (w~ the
 * weights renormalised over them), that is their variance plus the squared distance of z_ij from
 * their mean: the kernel reaches from each particle towards where the next tolerance accepts.
 * A zero sd (every particle equal) becomes a millionth of the prior's range. */
static void kernel_sd(bk_abc_kernel kernel, const bk_param *params, int k, int n, const double *z,
                      const double *w, const double *d, double eps, double *sd)
{
    for (int j = 0; j < k; j++) {
        double m = 0, v = 0, wsum = 0;
        for (int i = 0; i < n; i++) {
            if (kernel == BK_ABC_KERNEL_LOCAL && !(d[i] <= eps))
                continue;
            m += w[i] * z[(size_t)i * (size_t)k + (size_t)j];
            wsum += w[i];
        }
        if (kernel == BK_ABC_KERNEL_LOCAL)
            m = wsum > 0 ? m / wsum : m;
        for (int i = 0; i < n; i++) {
            if (kernel == BK_ABC_KERNEL_LOCAL && !(d[i] <= eps))
                continue;
            double e = z[(size_t)i * (size_t)k + (size_t)j] - m;
            v += w[i] * e * e;
        }
        if (kernel == BK_ABC_KERNEL_LOCAL)
            v = wsum > 0 ? v / wsum : v;
        double floor = 1e-6 * (zhi(&params[j]) - zlo(&params[j]));
        for (int i = 0; i < n; i++) {
            double e = z[(size_t)i * (size_t)k + (size_t)j] - m;
            double s = kernel == BK_ABC_KERNEL_LOCAL ? sqrt(v + e * e) : sqrt(2.0 * v);
            sd[(size_t)i * (size_t)k + (size_t)j] = s > 0 ? s : floor;
        }
    }
}

/* Contract in blockade/calibrate.h. */
bk_status bk_abc_run(const bk_abc_problem *prob, const bk_abc_config *cfg, bk_abc_result **out,
                     bk_error *err)
{
    *out = NULL;
    int k = prob->n_params, s = prob->n_stats, N = cfg->particles;
    if (k < 1 || k > SPEC_MAX_PARAMS || s < 1 || N < 2 || cfg->generations < 0
        || cfg->pilot_factor < 1 || !(cfg->quantile > 0 && cfg->quantile < 1)
        || cfg->max_attempts_factor < 1 || !prob->sim
        || (cfg->kernel != BK_ABC_KERNEL_LOCAL && cfg->kernel != BK_ABC_KERNEL_GLOBAL))
        return bki_fail(err, BK_ERR_USAGE, "ABC: bad settings (parameters 1-64, statistics "
                           ">= 1, particles >= 2, quantile in (0, 1))");
    int threads = cfg->threads > 0 ? cfg->threads : bki_cal_cpus();
    uint64_t pilot = (uint64_t)cfg->pilot_factor * (uint64_t)N;
    uint64_t batch_max = pilot > (uint64_t)N * 4 ? pilot : (uint64_t)N * 4;
    bk_abc_result *r = bki_calloc(1, sizeof *r);
    abc_ctx c;
    memset(&c, 0, sizeof c);
    double *pz = NULL, *pw = NULL, *pd = NULL, *cum = NULL, *sig = NULL, *tmp = NULL;
    double *zmass = NULL, *lrel = NULL;
    double *nz = NULL, *nw = NULL, *nd = NULL;
    uint64_t *ps = NULL, *ns = NULL; /* the particles' simulation seeds */
    bk_status st = BK_OK;
    if (!r)
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    r->n = N;
    r->k = k;
    r->s = s;
    r->scale = bki_calloc((size_t)s, sizeof *r->scale);
    r->gen = bki_calloc((size_t)cfg->generations + 1, sizeof *r->gen);
    c.z = bki_malloc(batch_max * (size_t)k * sizeof *c.z);
    c.sim = bki_malloc(batch_max * (size_t)s * sizeof *c.sim);
    c.target = bki_malloc(batch_max * (size_t)s * sizeof *c.target);
    c.inside = bki_malloc(batch_max);
    c.beyond = bki_malloc(batch_max);
    pz = bki_malloc((size_t)N * (size_t)k * sizeof *pz);
    pw = bki_malloc((size_t)N * sizeof *pw);
    pd = bki_malloc((size_t)N * sizeof *pd);
    nz = bki_malloc((size_t)N * (size_t)k * sizeof *nz);
    nw = bki_malloc((size_t)N * sizeof *nw);
    nd = bki_malloc((size_t)N * sizeof *nd);
    ps = bki_malloc((size_t)N * sizeof *ps);
    ns = bki_malloc((size_t)N * sizeof *ns);
    cum = bki_malloc((size_t)N * sizeof *cum);
    zmass = bki_malloc((size_t)N * sizeof *zmass);
    lrel = bki_malloc((size_t)N * sizeof *lrel);
    sig = bki_malloc((size_t)N * (size_t)k * sizeof *sig);
    tmp = bki_malloc(batch_max * sizeof *tmp);
    bki_keyed *order = bki_malloc(pilot * sizeof *order);
    if (!r->scale || !r->gen || !c.z || !c.sim || !c.target || !c.inside || !c.beyond || !pz
        || !pw || !pd
        || !nz || !nw || !nd || !ps || !ns || !cum || !zmass || !lrel || !sig || !tmp || !order) {
        st = bki_fail(err, BK_ERR_NOMEM, "out of memory");
        goto done;
    }
    c.prob = prob;
    c.cfg = cfg;

    /* Generation 0: the rejection pass from the prior. */
    c.gen = 0;
    c.base = 0;
    st = bki_par_for(pilot, threads, abc_attempt, &c, cfg->cancel, err);
    if (st != BK_OK)
        goto done;
    for (int i = 0; i < s; i++) {
        r->scale[i] = robust_scale(c.sim, pilot, s, i, tmp);
        if (prob->scale_floor && r->scale[i] < prob->scale_floor[i])
            r->scale[i] = prob->scale_floor[i];
    }
    for (uint64_t a = 0; a < pilot; a++) {
        order[a].key = distance(c.sim + a * (uint64_t)s, c.target + a * (uint64_t)s, r->scale, s);
        order[a].index = a;
    }
    bki_keyed_sort(order, pilot);
    for (int i = 0; i < N; i++) {
        memcpy(pz + (size_t)i * (size_t)k, c.z + order[i].index * (uint64_t)k,
               (size_t)k * sizeof *pz);
        pd[i] = order[i].key;
        pw[i] = 1.0 / N;
        ps[i] = bki_cal_mix(cfg->seed, 1, order[i].index); /* as abc_attempt seeds it */
    }
    r->gen[0].tolerance = pd[N - 1];
    r->gen[0].attempts = pilot;
    r->gen[0].accepted = (uint64_t)N;
    r->gen[0].acceptance = (double)N / (double)pilot;
    r->gen[0].ess = N;
    r->gen[0].simulated = pilot;
    r->n_gen = 1;
    if (cfg->progress)
        cfg->progress(cfg->progress_ud, 0, (uint64_t)N, (uint64_t)N);

    for (int g = 1; g <= cfg->generations; g++) {
        /* the next tolerance: a quantile of the current distances */
        memcpy(tmp, pd, (size_t)N * sizeof *tmp);
        gsl_sort(tmp, 1, (size_t)N);
        double eps = gsl_stats_quantile_from_sorted_data(tmp, 1, (size_t)N, cfg->quantile);
        kernel_sd(cfg->kernel, prob->params, k, N, pz, pw, pd, eps, sig);
        /* the kernel centred on particle i is normalised by its mass in the box, zmass[i], and
         * by the product of its sds, as exp(lrel[i]) relative to the smallest product (lrel is 0
         * for every particle with the global kernel, so that one keeps its former arithmetic) */
        double lmin = HUGE_VAL;
        for (int i = 0; i < N; i++) {
            double l = 0;
            for (int j = 0; j < k; j++)
                l += log(sig[(size_t)i * (size_t)k + (size_t)j]);
            lrel[i] = l;
            lmin = l < lmin ? l : lmin;
        }
        double acc = 0;
        for (int i = 0; i < N; i++) {
            acc += pw[i];
            cum[i] = acc;
            double mass = 1;
            for (int j = 0; j < k; j++) {
                double zi = pz[(size_t)i * (size_t)k + (size_t)j];
                double sd = sig[(size_t)i * (size_t)k + (size_t)j];
                mass *= gsl_cdf_ugaussian_P((zhi(&prob->params[j]) - zi) / sd)
                        - gsl_cdf_ugaussian_P((zlo(&prob->params[j]) - zi) / sd);
            }
            zmass[i] = mass > 1e-300 ? mass : 1e-300;
            lrel[i] = lmin - lrel[i];
        }
        for (int i = 0; i < N; i++)
            cum[i] /= acc;
        c.gen = g;
        c.pz = pz;
        c.pcum = cum;
        c.sigma = sig;
        c.pn = N;
        bk_abc_bound bound = {eps, r->scale, s};
        c.bound = prob->sim_early ? &bound : NULL;
        uint64_t max_attempts = (uint64_t)cfg->max_attempts_factor * (uint64_t)N;
        uint64_t attempts = 0, simulated = 0, stopped = 0;
        int accepted = 0;
        while (accepted < N && attempts < max_attempts) {
            uint64_t b = batch_size(N - accepted, accepted, attempts, r->gen[g - 1].acceptance,
                                    batch_max);
            if (b > max_attempts - attempts)
                b = max_attempts - attempts;
            c.base = attempts;
            st = bki_par_for(b, threads, abc_attempt, &c, cfg->cancel, err);
            if (st != BK_OK)
                goto done;
            simulated += b;
            for (uint64_t i = 0; i < b; i++)
                stopped += c.beyond[i];
            for (uint64_t i = 0; i < b && accepted < N; i++) {
                attempts++;
                if (!c.inside[i] || c.beyond[i])
                    continue;
                double d = distance(c.sim + i * (uint64_t)s, c.target + i * (uint64_t)s,
                                    r->scale, s);
                if (d > eps)
                    continue;
                memcpy(nz + (size_t)accepted * (size_t)k, c.z + i * (uint64_t)k,
                       (size_t)k * sizeof *nz);
                nd[accepted] = d;
                ns[accepted] = bki_cal_mix(cfg->seed, (uint64_t)g + 1, c.base + i);
                accepted++;
            }
            if (cfg->progress)
                cfg->progress(cfg->progress_ud, g, (uint64_t)accepted, (uint64_t)N);
        }
        if (accepted < N) {
            r->stopped_early = true; /* acceptance too low: keep the previous population */
            r->gen[g].tolerance = eps;
            r->gen[g].attempts = attempts;
            r->gen[g].accepted = (uint64_t)accepted;
            r->gen[g].acceptance = (double)accepted / (double)attempts;
            r->gen[g].ess = 0;
            r->gen[g].simulated = simulated;
            r->gen[g].stopped = stopped;
            r->n_gen = g + 1;
            break;
        }
        /* importance weights: prior (uniform on the box) over the kernel mixture */
        double wsum = 0;
        for (int i = 0; i < N; i++) {
            double mix = 0;
            for (int m = 0; m < N; m++) {
                double e = 0;
                for (int j = 0; j < k; j++) {
                    double d = (nz[(size_t)i * (size_t)k + (size_t)j]
                                - pz[(size_t)m * (size_t)k + (size_t)j])
                               / sig[(size_t)m * (size_t)k + (size_t)j];
                    e += d * d;
                }
                mix += pw[m] * exp(-0.5 * e + lrel[m]) / zmass[m];
            }
            nw[i] = mix > 0 ? 1.0 / mix : 0.0;
            wsum += nw[i];
        }
        double ess = 0;
        for (int i = 0; i < N; i++) {
            nw[i] = wsum > 0 ? nw[i] / wsum : 1.0 / N;
            ess += nw[i] * nw[i];
        }
        double *t;
        t = pz; pz = nz; nz = t;
        t = pw; pw = nw; nw = t;
        t = pd; pd = nd; nd = t;
        uint64_t *u = ps; ps = ns; ns = u;
        r->gen[g].tolerance = eps;
        r->gen[g].attempts = attempts;
        r->gen[g].accepted = (uint64_t)N;
        r->gen[g].acceptance = (double)N / (double)attempts;
        r->gen[g].ess = 1.0 / ess;
        r->gen[g].simulated = simulated;
        r->gen[g].stopped = stopped;
        r->n_gen = g + 1;
    }
    /* the final population in theta space */
    r->theta = bki_malloc((size_t)N * (size_t)k * sizeof *r->theta);
    r->w = bki_malloc((size_t)N * sizeof *r->w);
    r->d = bki_malloc((size_t)N * sizeof *r->d);
    r->seed = bki_malloc((size_t)N * sizeof *r->seed);
    if (!r->theta || !r->w || !r->d || !r->seed) {
        st = bki_fail(err, BK_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < k; j++)
            r->theta[(size_t)i * (size_t)k + (size_t)j] =
                from_z(&prob->params[j], pz[(size_t)i * (size_t)k + (size_t)j]);
        r->w[i] = pw[i];
        r->d[i] = pd[i];
        r->seed[i] = ps[i];
    }
done:
    bki_free_all(c.z, c.sim, c.target, c.inside, c.beyond, pz, pw, pd, nz, nw, nd, ps, ns, cum,
                 zmass, lrel, sig, tmp, order);
    if (st != BK_OK) {
        bk_abc_result_free(r);
        return st;
    }
    *out = r;
    return BK_OK;
}

static int cmp_pair(const void *a, const void *b)
{
    const double *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Weighted quantile: the smallest value whose cumulative weight reaches p. */
static double wquantile(const double *pairs, int n, double p)
{
    double c = 0;
    for (int i = 0; i < n; i++) {
        c += pairs[2 * i + 1];
        if (c >= p - 1e-12)
            return pairs[2 * i];
    }
    return pairs[2 * (n - 1)];
}

/* Contract in blockade/calibrate.h. */
void bk_abc_summarize(const bk_abc_result *r, int j, bk_abc_summary *out)
{
    memset(out, 0, sizeof *out);
    double *pairs = bki_malloc((size_t)r->n * 2 * sizeof *pairs);
    double m = 0, v = 0;
    for (int i = 0; i < r->n; i++)
        m += r->w[i] * r->theta[(size_t)i * (size_t)r->k + (size_t)j];
    for (int i = 0; i < r->n; i++) {
        double d = r->theta[(size_t)i * (size_t)r->k + (size_t)j] - m;
        v += r->w[i] * d * d;
    }
    out->mean = m;
    out->sd = sqrt(v);
    if (!pairs) {
        out->q05 = out->q50 = out->q95 = NAN;
        return;
    }
    for (int i = 0; i < r->n; i++) {
        pairs[2 * i] = r->theta[(size_t)i * (size_t)r->k + (size_t)j];
        pairs[2 * i + 1] = r->w[i];
    }
    qsort(pairs, (size_t)r->n, 2 * sizeof *pairs, cmp_pair);
    out->q05 = wquantile(pairs, r->n, 0.05);
    out->q50 = wquantile(pairs, r->n, 0.5);
    out->q95 = wquantile(pairs, r->n, 0.95);
    bki_free(pairs);
}

/* Contract in blockade/calibrate.h. */
bk_status bk_abc_write_posterior_csv(const bk_abc_result *r, const bk_abc_problem *prob, FILE *out)
{
    fputs("particle,weight,distance", out);
    for (int j = 0; j < r->k; j++)
        fprintf(out, ",%s", prob->params[j].path);
    fputs(",seed\n", out);
    for (int i = 0; i < r->n; i++) {
        fprintf(out, "%d,%.9g,%.9g", i, r->w[i], r->d[i]);
        for (int j = 0; j < r->k; j++)
            fprintf(out, ",%.9g", r->theta[(size_t)i * (size_t)r->k + (size_t)j]);
        fprintf(out, ",%llu\n", (unsigned long long)r->seed[i]);
    }
    return ferror(out) ? BK_ERR_IO : BK_OK;
}

/* Contract in blockade/calibrate.h. */
bk_status bk_abc_write_diagnostics_json(const bk_abc_result *r, const bk_abc_problem *prob,
                                        const bk_abc_config *cfg, FILE *out)
{
    fprintf(out, "{\n  \"method\": \"ABC-SMC (population Monte Carlo, adaptive tolerance)\",\n");
    fprintf(out, "  \"seed\": %llu,\n  \"particles\": %d,\n  \"generations_requested\": %d,\n",
            (unsigned long long)cfg->seed, cfg->particles, cfg->generations);
    fprintf(out, "  \"pilot_factor\": %d,\n  \"quantile\": %g,\n  \"max_attempts_factor\": %d,\n",
            cfg->pilot_factor, cfg->quantile, cfg->max_attempts_factor);
    fprintf(out, "  \"kernel\": \"%s\",\n",
            cfg->kernel == BK_ABC_KERNEL_LOCAL ? "local (diagonal optimal local covariance)"
                                               : "global (twice the weighted variance)");
    fprintf(out, "  \"stopped_early\": %s,\n  \"generations\": [\n",
            r->stopped_early ? "true" : "false");
    for (int g = 0; g < r->n_gen; g++)
        fprintf(out, "    {\"generation\": %d, \"kind\": \"%s\", \"tolerance\": %.6g, "
                "\"attempts\": %llu, \"accepted\": %llu, \"acceptance_rate\": %.6g, "
                "\"ess\": %.6g, \"simulations\": %llu, \"stopped_rejections\": %llu}%s\n", g,
                g == 0 ? "rejection from the prior" : "smc", r->gen[g].tolerance,
                (unsigned long long)r->gen[g].attempts, (unsigned long long)r->gen[g].accepted,
                r->gen[g].acceptance, r->gen[g].ess, (unsigned long long)r->gen[g].simulated,
                (unsigned long long)r->gen[g].stopped, g + 1 < r->n_gen ? "," : "");
    fprintf(out, "  ],\n  \"statistics\": [\n");
    for (int i = 0; i < r->s; i++) {
        fprintf(out, "    {\"name\": ");
        if (prob->stat_names)
            bki_json_string(out, prob->stat_names[i], false);
        else
            fprintf(out, "\"s%d\"", i);
        fprintf(out, ", \"scale\": %.6g, \"used\": %s}%s\n", r->scale[i],
                r->scale[i] > 0 ? "true" : "false", i + 1 < r->s ? "," : "");
    }
    fprintf(out, "  ],\n  \"posterior\": [\n");
    for (int j = 0; j < r->k; j++) {
        bk_abc_summary su;
        bk_abc_summarize(r, j, &su);
        fprintf(out, "    {\"path\": ");
        bki_json_string(out, prob->params[j].path, false);
        fprintf(out, ", \"prior\": \"%s\", \"low\": %.9g, \"high\": %.9g, \"mean\": %.6g, "
                "\"sd\": %.6g, \"q05\": %.6g, \"median\": %.6g, \"q95\": %.6g}%s\n",
                prob->params[j].prior == BK_PRIOR_LOGUNIFORM ? "loguniform" : "uniform",
                prob->params[j].low, prob->params[j].high, su.mean, su.sd, su.q05, su.q50,
                su.q95, j + 1 < r->k ? "," : "");
    }
    fprintf(out, "  ]\n}\n");
    return ferror(out) ? BK_ERR_IO : BK_OK;
}

/* ---- calibration of a scenario ----------------------------------------------------------------- */

struct bk_calibration {
    const bk_scenario *base;
    const bk_calib_spec *spec;
    const bk_obs *obs;
    double report_prob;      /* when not a parameter */
    int report_index;        /* parameter index of observation.report_prob, -1 */
    const char **names;
    double *floor;
    bk_abc_problem prob;
};

/* The end-of-day check of a simulation that may stop early: the bounds of the statistics so
 * far against the acceptance bound. */
typedef struct early_check {
    const bk_calibration *cal;
    const bk_abc_bound *bound;
    uint64_t obs_seed;
    double report_prob;
    const double *target;
    double *low, *high;      /* [n_stats] */
    bool beyond;
    bk_status st;            /* of the bounds: a failure stops the run, and is reported */
    bk_error err;
} early_check;

static bool early_day(void *ud, const bk_run *run, int day)
{
    early_check *e = ud;
    e->st = bki_obs_bounds(e->cal->obs, run, day, e->obs_seed, e->report_prob, e->low, e->high,
                           &e->err);
    e->beyond = e->st == BK_OK && bk_abc_beyond(e->bound, e->low, e->high, e->target);
    return e->st == BK_OK && !e->beyond;
}

static bk_status calibration_sim_early(void *ud, const double *theta, uint64_t seed,
                                       const bk_abc_bound *bound, double *sim, double *target,
                                       bool *beyond, bk_error *err)
{
    bk_calibration *cal = ud;
    double p = cal->report_index >= 0 ? theta[cal->report_index] : cal->report_prob;
    bk_obs_draw_truth(cal->obs, bki_cal_mix(seed, 2, 0), target);
    early_check e = {.cal = cal, .bound = bound, .obs_seed = bki_cal_mix(seed, 1, 0),
                     .report_prob = p, .target = target};
    if (bound) {
        e.low = bki_malloc(2 * (size_t)cal->prob.n_stats * sizeof *e.low);
        if (!e.low)
            return bki_fail(err, BK_ERR_NOMEM, "out of memory");
        e.high = e.low + cal->prob.n_stats;
    }
    bk_run *run = NULL;
    bk_scenario *sc = NULL;
    bk_error run_err = {0};
    bk_status st = bki_cal_run_at(cal->spec, cal->base, theta, seed, bk_obs_days(cal->obs),
                                  bound ? early_day : NULL, &e, &sc, &run, &run_err);
    bki_free(e.low);
    *beyond = e.beyond;
    if (e.beyond)
        return BK_OK; /* stopped by early_day: no run, no scenario */
    if (st != BK_OK) {
        if (err) /* the bounds' own failure, not the stop it caused */
            *err = e.st != BK_OK ? e.err : run_err;
        return e.st != BK_OK ? e.st : st;
    }
    st = bk_obs_simulate(cal->obs, run, e.obs_seed, p, sim, err);
    bk_run_free(run);
    bk_scenario_free(sc);
    return st;
}

static bk_status calibration_sim(void *ud, const double *theta, uint64_t seed, double *sim,
                                 double *target, bk_error *err)
{
    bool beyond;
    return calibration_sim_early(ud, theta, seed, NULL, sim, target, &beyond, err);
}

/* Contract in blockade/calibrate.h. */
bk_status bk_calibration_new(const bk_scenario *base, const bk_calib_spec *spec,
                             const bk_obs *obs, bk_calibration **out, bk_error *err)
{
    *out = NULL;
    bk_calibration *cal = bki_calloc(1, sizeof *cal);
    int s = bk_obs_count(obs);
    if (!cal || !(cal->names = bki_calloc((size_t)s + 1, sizeof *cal->names))
        || !(cal->floor = bki_calloc((size_t)s + 1, sizeof *cal->floor))) {
        if (cal)
            bki_free(cal->names);
        bki_free(cal);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    }
    cal->base = base;
    cal->spec = spec;
    cal->obs = obs;
    cal->report_prob = spec->report_prob > 0 ? spec->report_prob : 0.8;
    cal->report_index = -1;
    for (int j = 0; j < spec->n_params; j++)
        if (bki_param_is_observation(&spec->params[j]))
            cal->report_index = j;
    for (int i = 0; i < s; i++) {
        bk_obs_stat o;
        bk_obs_get(obs, i, &o);
        cal->names[i] = o.name;
        cal->floor[i] = o.noise;
    }
    /* Check every path once, at the prior's midpoint, so that a typo fails before the run. */
    double mid[SPEC_MAX_PARAMS];
    for (int j = 0; j < spec->n_params; j++)
        mid[j] = bk_param_at(&spec->params[j], 0.5);
    bk_scenario *test = NULL;
    bk_status st = bk_calib_apply(spec, base, mid, &test, err);
    bk_scenario_free(test);
    if (st != BK_OK) {
        bk_calibration_free(cal);
        return st;
    }
    cal->prob.n_params = spec->n_params;
    cal->prob.params = spec->params;
    cal->prob.n_stats = s;
    cal->prob.stat_names = cal->names;
    cal->prob.scale_floor = cal->floor;
    cal->prob.sim = calibration_sim;
    cal->prob.sim_early = calibration_sim_early;
    cal->prob.ud = cal;
    *out = cal;
    return BK_OK;
}

void bk_calibration_free(bk_calibration *cal)
{
    if (!cal)
        return;
    bki_free_all(cal->names, cal->floor, cal);
}

const bk_abc_problem *bk_calibration_problem(const bk_calibration *cal)
{
    return &cal->prob;
}

/* Contract in blockade/calibrate.h. */
void bk_resample_systematic(const double *w, int n, uint64_t m, int *index)
{
    double total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    double cum = w[0] / total;
    int j = 0;
    for (uint64_t r = 0; r < m; r++) {
        double u = ((double)r + 0.5) / (double)m;
        while (u > cum && j < n - 1)
            cum += w[++j] / total;
        index[r] = j;
    }
}

/* ---- the forecast that continues the accepted runs ------------------------------------------- */

typedef struct continue_ctx {
    const bk_calibration *cal;
    const bk_abc_result *res;
    const bk_obs *obs;
    int s;
    double *values;          /* [particles * s] */
} continue_ctx;

static bk_status continue_particle(void *vctx, uint64_t i, bk_error *err)
{
    continue_ctx *c = vctx;
    const bk_calibration *cal = c->cal;
    const double *theta = c->res->theta + i * (uint64_t)c->res->k;
    uint64_t seed = c->res->seed[i];
    double p = cal->report_index >= 0 ? theta[cal->report_index] : cal->report_prob;
    bk_run *run = NULL;
    bk_scenario *sc = NULL;
    bk_status st = bki_cal_run_at(cal->spec, cal->base, theta, seed, bk_obs_days(c->obs), NULL,
                                  NULL, &sc, &run, err);
    if (st != BK_OK)
        return st;
    /* the observation stream of the accepted simulation: an attack it reported, or not, before
     * the origin is reported, or not, here too */
    st = bk_obs_simulate(c->obs, run, bki_cal_mix(seed, 1, 0), p, c->values + i * (uint64_t)c->s,
                         err);
    bk_run_free(run);
    bk_scenario_free(sc);
    return st;
}

/* Contract in blockade/calibrate.h. */
bk_status bk_calibration_forecast(const bk_calibration *cal, const bk_abc_result *res,
                                  const bk_obs *obs, uint64_t n, int threads,
                                  const volatile sig_atomic_t *cancel, bk_validation **out,
                                  bk_error *err)
{
    *out = NULL;
    if (!cal || !res || !obs || res->k != cal->prob.n_params || !res->seed)
        return bki_fail(err, BK_ERR_USAGE, "forecast: not a calibration's result");
    if (n < 2 || n > 10000000)
        return bki_fail(err, BK_ERR_USAGE, "validation needs 2 to 10,000,000 replications");
    if (bk_obs_days(obs) < bk_obs_days(cal->obs))
        return bki_fail(err, BK_ERR_USAGE,
                        "forecast: the statistics end before the calibration's (%d < %d days)",
                        bk_obs_days(obs), bk_obs_days(cal->obs));
    int s = bk_obs_count(obs), N = res->n;
    continue_ctx c = {cal, res, obs, s, bki_malloc((size_t)N * (size_t)s * sizeof(double))};
    double *values = bki_malloc(n * (uint64_t)s * sizeof *values);
    int *index = bki_malloc(n * sizeof *index);
    if (!c.values || !values || !index) {
        bki_free_all(c.values, values, index);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    }
    bk_status st = bki_par_for((uint64_t)N, threads > 0 ? threads : bki_cal_cpus(),
                               continue_particle, &c, cancel, err);
    if (st == BK_OK) { /* replication r is the particle resampled into place r */
        bk_resample_systematic(res->w, N, n, index);
        for (uint64_t r = 0; r < n; r++)
            memcpy(values + r * (uint64_t)s, c.values + (uint64_t)index[r] * (uint64_t)s,
                   (size_t)s * sizeof *values);
        st = bki_validation_from_values(obs, values, n, out, err);
    }
    bki_free_all(c.values, values, index);
    return st;
}
