/* compare.c: paired comparisons of scenarios (a base with policies applied) on common random
 * numbers: replication r runs under every scenario with the same seed and replication number,
 * and the difference of every whole-run metric against the first scenario is accumulated
 * exactly (fixed-point sums of d and d^2), so the result does not depend on the threads. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_cdf.h>

#include "engine/alloc.h"
#include "analysis/ensemble/ens.h"
#include "engine/status_internal.h"
#include "analysis/ensemble/metrics.h"
#include "output/format.h"
#include "scenario/scenario.h"

typedef struct cmp_acc {
    uint64_t n;
    bk_i128 *sum;     /* [n_sc * n_tot]: sum of metric values per scenario */
    bk_i128 *dsum;    /* [n_sc * n_tot]: sum of d = x_k - x_0 (k = 0 unused) */
    bk_u192 *dsq;     /* [n_sc * n_tot]: sum of d^2 */
} cmp_acc;

struct bk_compare {
    int n_sc;
    char **names, **labels, **shas;
    char *scenario_name;
    uint64_t seed, n_reps;
    int days0;
    uint32_t n_draws;       /* posterior draws per scenario, 0 = none */
    double eff_share;       /* the effective number of distinct runs per replication: 1, but
                               below 1 when continued runs repeat (continued_eff_share) */
    char draws_sha[65];     /* SHA-256 of the draws' scenario hashes, scenario by scenario */
    cmp_acc acc;
    /* during the run */
    const bk_scenario *const *sc;
    const bk_compare_config *cfg;
    cmp_acc *wacc;
    int n_wacc;
    pthread_mutex_t mu;     /* guards wacc while partial results are taken */
    double last_checkpoint; /* monotonic seconds */
    uint32_t block;
    uint64_t n_blocks;
};

/* A run and its number of replications. */
typedef struct run_copies {
    uint64_t seed;
    uint64_t copies;
} run_copies;

static int cmp_run_seed(const void *a, const void *b)
{
    uint64_t x = ((const run_copies *)a)->seed, y = ((const run_copies *)b)->seed;
    return (x > y) - (x < y);
}

/* With continued runs (draw_seeds), replication r is the run of seed seeds[r mod d], and a
 * particle drawn more than once is one run repeated: its m copies are one observation of weight
 * m. The effective number of distinct runs among the n replications is n^2 / sum m^2 (Kish);
 * returned per replication, so that it scales with the replications done. 1 (the naive count)
 * when out of memory. */
static double continued_eff_share(const uint64_t *seeds, uint32_t d, uint64_t n)
{
    run_copies *rc = bki_malloc((size_t)d * sizeof *rc);
    if (!rc || n == 0 || d == 0) {
        bki_free(rc);
        return 1.0;
    }
    for (uint32_t k = 0; k < d; k++) /* draw k is run by replications k, k + d, ... */
        rc[k] = (run_copies){seeds[k], n / d + (k < n % d)};
    qsort(rc, d, sizeof *rc, cmp_run_seed);
    long double sum_m2 = 0;
    for (uint32_t i = 0; i < d;) {
        long double m = 0;
        uint32_t j = i;
        for (; j < d && rc[j].seed == rc[i].seed; j++) /* the draws of one particle */
            m += (long double)rc[j].copies;
        sum_m2 += m * m;
        i = j;
    }
    bki_free(rc);
    return sum_m2 > 0 ? (double)((long double)n / sum_m2) : 1.0;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool acc_init(cmp_acc *a, int n_sc)
{
    size_t n = (size_t)n_sc * (size_t)bki_n_total_metrics;
    memset(a, 0, sizeof *a);
    a->sum = bki_calloc(n, sizeof *a->sum);
    a->dsum = bki_calloc(n, sizeof *a->dsum);
    a->dsq = bki_calloc(n, sizeof *a->dsq);
    return a->sum && a->dsum && a->dsq;
}

static void acc_release(cmp_acc *a)
{
    bki_free_all(a->sum, a->dsum, a->dsq);
    memset(a, 0, sizeof *a);
}

static void acc_merge(cmp_acc *dst, const cmp_acc *src, int n_sc)
{
    size_t n = (size_t)n_sc * (size_t)bki_n_total_metrics;
    for (size_t i = 0; i < n; i++) {
        dst->sum[i] += src->sum[i];
        dst->dsum[i] += src->dsum[i];
        bki_u192_add(&dst->dsq[i], &src->dsq[i]);
    }
    dst->n += src->n;
}

/* Contract in blockade/ensemble.h. */
void bk_compare_config_init(bk_compare_config *cfg, const bk_scenario *sc)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->seed = sc ? bk_scenario_seed(sc) : 0;
    cfg->replications = 100;
    cfg->check_invariants = false;
}

/* Contract in blockade/ensemble.h. */
void bk_compare_free(bk_compare *c)
{
    if (!c)
        return;
    for (int k = 0; k < c->n_sc; k++) {
        if (c->names)
            bki_free(c->names[k]);
        if (c->labels)
            bki_free(c->labels[k]);
        if (c->shas)
            bki_free(c->shas[k]);
    }
    bki_free_all(c->names, c->labels, c->shas, c->scenario_name);
    acc_release(&c->acc);
    bki_free(c);
}

/* One block of replications under every scenario into the worker's accumulator. */
static bk_status compare_block(void *ctx, int worker, uint64_t b, bk_error *err)
{
    bk_compare *c = ctx;
    cmp_acc *w = &c->wacc[worker];
    uint64_t first = b * c->block, end = first + c->block;
    if (end > c->n_reps)
        end = c->n_reps;
    int nt = bki_n_total_metrics;
    /* a replication's values under every scenario, added all at once under the lock, so a
       partial result never holds half a replication */
    double *x = bki_malloc((size_t)c->n_sc * (size_t)nt * sizeof *x);
    if (!x)
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    bk_status st = BK_OK;
    for (uint64_t r = first; r < end && st == BK_OK; r++) {
        for (int k = 0; k < c->n_sc && st == BK_OK; k++) {
            const bk_scenario *sc = c->n_draws == 0 ? c->sc[k]
                                    : c->cfg->draws[(size_t)k * c->n_draws + r % c->n_draws];
            bk_run_config rc;
            bk_run_config_init(&rc, sc);
            bki_rep_seed(&rc, c->seed, r, c->cfg->draw_seeds, c->n_draws);
            rc.days = c->cfg->days;
            rc.check_invariants = c->cfg->check_invariants;
            rc.cancel = c->cfg->cancel;
            bk_run *run = NULL;
            bk_error rerr = {0};
            st = bk_sim_run(sc, &rc, &run, &rerr);
            if (st != BK_OK) {
                if (st != BK_ERR_INTERRUPTED)
                    bki_fail(err, st, "%s, replication %llu: %s", c->names[k],
                                (unsigned long long)r,
                                rerr.message[0] ? rerr.message : bk_status_str(st));
                break;
            }
            bk_run_totals t;
            bk_run_get_totals(run, &t);
            bk_run_free(run);
            int days = rc.days > 0 ? rc.days : sc->days;
            for (int i = 0; i < nt; i++)
                x[(size_t)k * (size_t)nt + (size_t)i] = bki_total_value(&t, i, days);
        }
        if (st != BK_OK)
            break;
        pthread_mutex_lock(&c->mu);
        for (int k = 0; k < c->n_sc; k++) {
            for (int i = 0; i < nt; i++) {
                size_t j = (size_t)k * (size_t)nt + (size_t)i;
                w->sum[j] += bki_fix(x[j]);
                if (k > 0) {
                    int64_t d = bki_fix(x[j] - x[i]);
                    w->dsum[j] += d;
                    bki_u192_add_square(&w->dsq[j], d);
                }
            }
        }
        w->n++;
        pthread_mutex_unlock(&c->mu);
    }
    bki_free(x);
    return st;
}

/* A copy of s, "" for NULL. */
static char *dup_str(const char *s)
{
    return bki_strdup(s ? s : "");
}

/* Progress and partial results, on the calling thread: the workers' accumulators merged into a
 * copy of the comparison (exact integer sums, so the merge order does not matter). */
static bk_status compare_tick(void *ctx)
{
    bk_compare *c = ctx;
    const bk_compare_config *cfg = c->cfg;
    bool due = cfg->checkpoint && cfg->checkpoint_seconds > 0 &&
               mono_s() - c->last_checkpoint >= cfg->checkpoint_seconds;
    if (!cfg->progress && !due)
        return BK_OK;
    bk_compare snap = *c;
    if (due && !acc_init(&snap.acc, c->n_sc))
        due = false;   /* out of memory: no partial result this time */
    pthread_mutex_lock(&c->mu);
    uint64_t done = 0;
    for (int i = 0; i < c->n_wacc; i++) {
        done += c->wacc[i].n;
        if (due)
            acc_merge(&snap.acc, &c->wacc[i], c->n_sc);
    }
    pthread_mutex_unlock(&c->mu);
    if (cfg->progress)
        cfg->progress(cfg->progress_ud, done, c->n_reps);
    bk_status st = BK_OK;
    if (due) {
        if (snap.acc.n > 0)
            st = cfg->checkpoint(cfg->checkpoint_ud, &snap);
        acc_release(&snap.acc);
        c->last_checkpoint = mono_s();
    }
    return st;
}

/* Contract in blockade/ensemble.h. */
bk_status bk_compare_run(const bk_scenario *const *scenarios, const char *const *names,
                         const char *const *labels, int n, const bk_compare_config *cfg,
                         bk_compare **out, bk_error *err)
{
    *out = NULL;
    if (n < 2 || !scenarios || !cfg)
        return bki_fail(err, BK_ERR_USAGE, "compare: at least two policies are needed");
    if (cfg->replications < 1 || cfg->replications > BK_ENSEMBLE_MAX_REPLICATIONS)
        return bki_fail(err, BK_ERR_USAGE, "compare: replications out of range");
    bk_compare *c = bki_calloc(1, sizeof *c);
    if (!c)
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    c->n_sc = n;
    c->seed = cfg->seed;
    c->n_reps = cfg->replications;
    c->eff_share = 1.0;
    c->days0 = cfg->days > 0 ? cfg->days : scenarios[0]->days;
    c->names = bki_calloc((size_t)n, sizeof *c->names);
    c->labels = bki_calloc((size_t)n, sizeof *c->labels);
    c->shas = bki_calloc((size_t)n, sizeof *c->shas);
    c->scenario_name = dup_str(bk_scenario_name(scenarios[0]));
    bool ok = c->names && c->labels && c->shas && c->scenario_name && acc_init(&c->acc, n);
    for (int k = 0; ok && k < n; k++) {
        char hex[65];
        bk_scenario_hash(scenarios[k], hex);
        c->names[k] = dup_str(names ? names[k] : bk_scenario_name(scenarios[k]));
        c->labels[k] = dup_str(labels ? labels[k] : c->names[k]);
        c->shas[k] = dup_str(hex);
        ok = c->names[k] && c->labels[k] && c->shas[k];
    }
    if (ok && cfg->n_draws > 0) {
        size_t d = cfg->n_draws;
        for (int k = 0; k < n; k++) {
            bk_status cs = bki_draws_check(scenarios[k], cfg->draws ? cfg->draws + (size_t)k * d
                                                                    : NULL, d, err);
            if (cs != BK_OK) {
                bk_compare_free(c);
                return cs;
            }
        }
        /* every scenario's draws, each followed by its seed when the runs are continued */
        uint64_t *seeds = cfg->draw_seeds ? bki_malloc((size_t)n * d * sizeof *seeds) : NULL;
        for (size_t i = 0; seeds && i < (size_t)n * d; i++)
            seeds[i] = cfg->draw_seeds[i % d];
        ok = (!cfg->draw_seeds || seeds)
             && bki_draws_sha(cfg->draws, seeds, (size_t)n * d, c->draws_sha);
        bki_free(seeds);
        c->n_draws = cfg->n_draws;
        if (cfg->draw_seeds)
            c->eff_share = continued_eff_share(cfg->draw_seeds, cfg->n_draws, c->n_reps);
    }
    int threads = cfg->threads > 0 ? cfg->threads : bki_pool_cpus();
    c->block = bki_ens_block_size(c->n_reps);
    c->n_blocks = (c->n_reps + c->block - 1) / c->block;
    if ((uint64_t)threads > c->n_blocks)
        threads = (int)c->n_blocks;
    c->wacc = ok ? bki_calloc((size_t)threads, sizeof *c->wacc) : NULL;
    ok = ok && c->wacc;
    for (int i = 0; ok && i < threads; i++)
        ok = acc_init(&c->wacc[i], n);
    if (!ok || pthread_mutex_init(&c->mu, NULL) != 0) {
        if (c->wacc)
            for (int i = 0; i < threads; i++)
                acc_release(&c->wacc[i]);
        bki_free(c->wacc);
        bk_compare_free(c);
        return bki_fail(err, BK_ERR_NOMEM, ok ? "cannot create a mutex" : "out of memory");
    }
    c->sc = scenarios;
    c->cfg = cfg;
    c->n_wacc = threads;
    c->last_checkpoint = mono_s();
    bk_pool_job job;
    memset(&job, 0, sizeof job);
    job.ctx = c;
    job.work = compare_block;
    job.tick = compare_tick;
    job.cancel = cfg->cancel;
    bk_status st = bki_pool_run(&job, c->n_blocks, threads, err);
    if (cfg->progress && st == BK_OK)
        cfg->progress(cfg->progress_ud, c->n_reps, c->n_reps);
    pthread_mutex_destroy(&c->mu);
    c->n_wacc = 0;
    for (int i = 0; i < threads; i++) {
        acc_merge(&c->acc, &c->wacc[i], n);
        acc_release(&c->wacc[i]);
    }
    bki_free(c->wacc);
    c->wacc = NULL;
    c->sc = NULL;
    c->cfg = NULL;
    if (st != BK_OK) {
        if (st == BK_ERR_INTERRUPTED)
            bki_fail(err, st, "interrupted");
        bk_compare_free(c);
        return st;
    }
    *out = c;
    return BK_OK;
}

/* Contract in blockade/ensemble.h. */
bk_status bk_compare_get(const bk_compare *c, int k, const char *name, bk_compare_diff *out)
{
    int i = bki_total_index(name);
    if (i < 0 || k < 1 || k >= c->n_sc)
        return BK_ERR_USAGE;
    int nt = bki_n_total_metrics;
    size_t j = (size_t)k * (size_t)nt + (size_t)i;
    uint64_t n = c->acc.n;
    out->mean_a = bki_fix_mean(c->acc.sum[i], n);
    out->mean_b = bki_fix_mean(c->acc.sum[j], n);
    out->mean = bki_fix_mean(c->acc.dsum[j], n);
    out->se = out->lo = out->hi = NAN;
    if (n >= 2) {
        /* variance of d in scaled units: (S2 - S1^2 / n) / (n - 1), from exact integers; with
         * repeated continued runs, of the distinct runs weighted by their copies: the
         * denominator n - sum m^2 / n = n (1 - 1 / n_eff), n_eff distinct runs in effect */
        double n_eff = c->eff_share < 1.0 ? (double)n * c->eff_share : (double)n;
        long double s1 = (long double)c->acc.dsum[j];
        long double s2 = bki_u192_ld(&c->acc.dsq[j]);
        long double den = n_eff < (double)n ? (long double)n * (1.0L - 1.0L / n_eff)
                                            : (long double)(n - 1);
        long double var = den > 0 ? (s2 - s1 * s1 / (long double)n) / den : 0.0L;
        bool all_zero = c->acc.dsq[j].w[0] == 0 && c->acc.dsq[j].w[1] == 0
                        && c->acc.dsq[j].w[2] == 0;
        if (var < 0 || all_zero)
            var = 0;
        double se = (double)(sqrtl(var / (long double)n_eff) / (long double)BK_FIX_SCALE);
        double t = n_eff > 1.0 ? gsl_cdf_tdist_Pinv(0.975, n_eff - 1.0) : (double)NAN;
        out->se = se;
        out->lo = out->mean - t * se;
        out->hi = out->mean + t * se;
    }
    return BK_OK;
}

/* ---- outputs ---------------------------------------------------------------------------- */

/* A number for people with one decimal ("n/a" for NaN), never "-0.0". */
static void fmt_human(char *buf, size_t size, double v, bool sign)
{
    if (!isfinite(v)) {
        snprintf(buf, size, "n/a");
        return;
    }
    snprintf(buf, size, sign ? "%+.1f" : "%.1f", v);
    if (strcmp(buf, "-0.0") == 0 || strcmp(buf, "+0.0") == 0)
        snprintf(buf, size, sign ? "+0.0" : "0.0");
}

/* "escort_per_convoy 4 vs 2" when both labels set the same single key, else "B vs A". */
static void put_versus(FILE *out, const char *b, const char *a)
{
    const char *sb = strrchr(b, ' '), *sa = strrchr(a, ' ');
    if (sb && sa && !strchr(b, ',') && !strchr(a, ',') && sb - b == sa - a
        && strncmp(a, b, (size_t)(sb - b)) == 0) {
        fprintf(out, "%s vs %s", b, sa + 1);
        return;
    }
    fprintf(out, "%s vs %s", b, a);
}

/* The headline metrics, in words. */
static const struct {
    const char *metric, *words;
} headlines[] = {
    {"first_stockout_day", "first stock-out day"},
    {"first_priority_cut_day", "first priority cut day"},
    {"tankers_destroyed", "tankers destroyed"},
    {"deliveries", "deliveries"},
    {"unmet_l", "litres of demand unmet"},
    {"blackout_hours", "blackout hours"},
    {"school_closed_days", "school-closure days"},
};

/* Contract in blockade/ensemble.h. */
bk_status bk_compare_write_table(const bk_compare *c, FILE *out)
{
    char num[BK_FMT_NUM];
    bki_fmt_thousands(num, (long)c->acc.n);
    fprintf(out, "%s replications of \"%s\" (seed %llu) under %d policies, on common random "
                 "numbers.\n",
            num, c->scenario_name, (unsigned long long)c->seed, c->n_sc);
    if (c->n_draws > 0)
        fprintf(out, "Posterior predictive: replication r runs draw r mod %u of the posterior "
                     "under every policy.\n", c->n_draws);
    for (int k = 1; k < c->n_sc; k++) {
        fprintf(out, "\n%s vs %s: difference of the means, 95 %% confidence interval\n",
                c->names[k], c->names[0]);
        for (size_t h = 0; h < sizeof headlines / sizeof headlines[0]; h++) {
            bk_compare_diff d;
            if (bk_compare_get(c, k, headlines[h].metric, &d) != BK_OK)
                continue;
            char m[48], lo[48], hi[48];
            fmt_human(m, sizeof m, d.mean, true);
            fmt_human(lo, sizeof lo, d.lo, false);
            fmt_human(hi, sizeof hi, d.hi, false);
            fputs("  ", out);
            put_versus(out, c->labels[k], c->labels[0]);
            fprintf(out, ": %s %s (95 %% CI %s to %s)\n", headlines[h].words, m, lo, hi);
        }
        fprintf(out, "\n  %-24s %-8s %16s %16s %16s %16s %16s\n", "metric", "unit", "mean A",
                "mean B", "B - A", "95 % CI low", "95 % CI high");
        for (int i = 0; i < bki_n_total_metrics; i++) {
            const bk_total_metric *m = &bki_total_metrics[i];
            bk_compare_diff d;
            bk_compare_get(c, k, m->name, &d);
            char v[5][48];
            fmt_human(v[0], sizeof v[0], d.mean_a, false);
            fmt_human(v[1], sizeof v[1], d.mean_b, false);
            fmt_human(v[2], sizeof v[2], d.mean, true);
            fmt_human(v[3], sizeof v[3], d.lo, false);
            fmt_human(v[4], sizeof v[4], d.hi, false);
            fprintf(out, "  %-24s %-8s %16s %16s %16s %16s %16s\n", m->name, m->unit, v[0], v[1],
                    v[2], v[3], v[4]);
        }
    }
    fputs("\nDays that never came (no stock-out, no attack) count as the horizon length.\n", out);
    return bki_fmt_finish(out);
}

static void put_csv_num(FILE *out, double v)
{
    char num[BK_FMT_NUM];
    bki_fmt_number(num, v); /* NaN: empty field */
    fputs(num, out);
}

/* Contract in blockade/ensemble.h. */
bk_status bk_compare_write_csv(const bk_compare *c, FILE *out)
{
    fputs("policy_a,policy_b,metric,unit,n,mean_a,mean_b,mean_diff,se,ci95_low,ci95_high\n", out);
    for (int k = 1; k < c->n_sc; k++) {
        for (int i = 0; i < bki_n_total_metrics; i++) {
            const bk_total_metric *m = &bki_total_metrics[i];
            bk_compare_diff d;
            bk_compare_get(c, k, m->name, &d);
            bki_fmt_csv_field(out, c->names[0]);
            fputc(',', out);
            bki_fmt_csv_field(out, c->names[k]);
            fprintf(out, ",%s,%s,%llu,", m->name, m->unit, (unsigned long long)c->acc.n);
            double v[6] = {d.mean_a, d.mean_b, d.mean, d.se, d.lo, d.hi};
            for (int j = 0; j < 6; j++) {
                if (j)
                    fputc(',', out);
                put_csv_num(out, v[j]);
            }
            fputc('\n', out);
        }
    }
    return bki_fmt_finish(out);
}

/* Contract in blockade/ensemble.h. */
bk_status bk_compare_write_json(const bk_compare *c, FILE *out)
{
    fputs("{\n  \"kind\": \"compare\",\n  \"scenario\": ", out);
    bki_fmt_json_string(out, c->scenario_name);
    fprintf(out, ",\n  \"seed\": %llu,\n  \"replications\": %llu,\n  \"days\": %d,\n"
                 "  \"confidence\": 0.95,\n",
            (unsigned long long)c->seed, (unsigned long long)c->acc.n, c->days0);
    if (c->n_draws > 0)
        fprintf(out, "  \"posterior_draws\": %u,\n  \"posterior_draws_sha256\": \"%s\",\n",
                c->n_draws, c->draws_sha);
    fputs("  \"policies\": [\n", out);
    for (int k = 0; k < c->n_sc; k++) {
        fputs("    {\"name\": ", out);
        bki_fmt_json_string(out, c->names[k]);
        fputs(", \"label\": ", out);
        bki_fmt_json_string(out, c->labels[k]);
        fprintf(out, ", \"scenario_sha256\": \"%s\"}%s\n", c->shas[k],
                k + 1 < c->n_sc ? "," : "");
    }
    fputs("  ],\n  \"comparisons\": [\n", out);
    for (int k = 1; k < c->n_sc; k++) {
        fputs("    {\"a\": ", out);
        bki_fmt_json_string(out, c->names[0]);
        fputs(", \"b\": ", out);
        bki_fmt_json_string(out, c->names[k]);
        fputs(", \"metrics\": {\n", out);
        for (int i = 0; i < bki_n_total_metrics; i++) {
            const bk_total_metric *m = &bki_total_metrics[i];
            bk_compare_diff d;
            bk_compare_get(c, k, m->name, &d);
            fprintf(out, "      \"%s\": {\"unit\": \"%s\", \"mean_a\": ", m->name, m->unit);
            bki_fmt_json_number(out, d.mean_a);
            fputs(", \"mean_b\": ", out);
            bki_fmt_json_number(out, d.mean_b);
            fputs(", \"mean_diff\": ", out);
            bki_fmt_json_number(out, d.mean);
            fputs(", \"se\": ", out);
            bki_fmt_json_number(out, d.se);
            fputs(", \"ci95\": [", out);
            bki_fmt_json_number(out, d.lo);
            fputs(", ", out);
            bki_fmt_json_number(out, d.hi);
            fprintf(out, "]}%s\n", i + 1 < bki_n_total_metrics ? "," : "");
        }
        fprintf(out, "    }}%s\n", k + 1 < c->n_sc ? "," : "");
    }
    fputs("  ]\n}\n", out);
    return bki_fmt_finish(out);
}
