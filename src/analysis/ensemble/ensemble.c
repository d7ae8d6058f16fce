/* ensemble.c: ensembles of replications: accumulating exact statistics on worker threads,
 * checkpoints (their state file: ens_state.c), shards and their merge (see blockade/ensemble.h and
 * docs/ensemble.md). */
#include <math.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/alloc.h"
#include "analysis/ensemble/ens.h"
#include "engine/status_internal.h"
#include "analysis/ensemble/metrics.h"
#include "model/run.h"
#include "scenario/scenario.h"

const double bki_ens_levels[5] = {0.05, 0.25, 0.50, 0.75, 0.95};

/* Contract in ens.h. */
uint32_t bki_ens_block_size(uint64_t n)
{
    uint64_t b = (n + 255) / 256;
    return b < 1 ? 1 : b > 64 ? 64 : (uint32_t)b;
}

/* ---- accumulators ---------------------------------------------------------------------- */

/* Contract in ens.h. */
bool bki_ens_acc_init(bk_ens_acc *a, int n_cols, int days, int n_tot, int n_curves)
{
    memset(a, 0, sizeof *a);
    size_t cells = (size_t)n_cols * (size_t)days;
    a->n_cols = n_cols;
    a->days = days;
    a->n_tot = n_tot;
    a->n_curves = n_curves;
    a->dsum = bki_calloc(cells ? cells : 1, sizeof *a->dsum);
    a->dsk = bki_calloc(cells ? cells : 1, sizeof *a->dsk);
    a->tsum = bki_calloc((size_t)n_tot, sizeof *a->tsum);
    a->tsk = bki_calloc((size_t)n_tot, sizeof *a->tsk);
    a->curve = bki_calloc((size_t)n_curves * ((size_t)days + 1), sizeof *a->curve);
    if (!a->dsum || !a->dsk || !a->tsum || !a->tsk || !a->curve) {
        bki_ens_acc_release(a);
        return false;
    }
    return true;
}

/* Contract in ens.h. */
void bki_ens_acc_clear(bk_ens_acc *a)
{
    size_t cells = (size_t)a->n_cols * (size_t)a->days;
    a->n = 0;
    if (a->dsum) {
        memset(a->dsum, 0, cells * sizeof *a->dsum);
        for (size_t i = 0; i < cells; i++)
            bki_sketch_clear(&a->dsk[i]);
    }
    if (a->tsum) {
        memset(a->tsum, 0, (size_t)a->n_tot * sizeof *a->tsum);
        for (int i = 0; i < a->n_tot; i++)
            bki_sketch_clear(&a->tsk[i]);
    }
    if (a->curve)
        memset(a->curve, 0, (size_t)a->n_curves * ((size_t)a->days + 1) * sizeof *a->curve);
}

/* Contract in ens.h. */
void bki_ens_acc_release(bk_ens_acc *a)
{
    size_t cells = (size_t)a->n_cols * (size_t)a->days;
    if (a->dsk)
        for (size_t i = 0; i < cells; i++)
            bki_sketch_release(&a->dsk[i]);
    if (a->tsk)
        for (int i = 0; i < a->n_tot; i++)
            bki_sketch_release(&a->tsk[i]);
    bki_free_all(a->dsum, a->dsk, a->tsum, a->tsk, a->curve);
    memset(a, 0, sizeof *a);
}

/* Contract in ens.h. */
bool bki_ens_acc_merge(bk_ens_acc *dst, const bk_ens_acc *src)
{
    /* a source without columns has had no run: nothing in its cells */
    size_t cells = src->n_cols == 0 ? 0 : (size_t)dst->n_cols * (size_t)dst->days;
    for (size_t i = 0; i < cells; i++) {
        dst->dsum[i] += src->dsum[i];
        if (!bki_sketch_merge(&dst->dsk[i], &src->dsk[i]))
            return false;
    }
    for (int i = 0; i < dst->n_tot; i++) {
        dst->tsum[i] += src->tsum[i];
        if (!bki_sketch_merge(&dst->tsk[i], &src->tsk[i]))
            return false;
    }
    size_t nc = (size_t)dst->n_curves * ((size_t)dst->days + 1);
    for (size_t i = 0; i < nc; i++)
        dst->curve[i] += src->curve[i];
    dst->n += src->n;
    return true;
}

/* Histogram slot of a first day: the day itself, or `days` for never. */
static size_t first_slot(double first, int days)
{
    if (!(first >= 0.0) || first >= days)
        return (size_t)days;
    return (size_t)first;
}

/* The totals and first-day curves of one run. */
static bool add_run_totals(bk_ens_acc *a, const bk_ensemble *ens, const bk_run *run)
{
    const bk_sketch_map *map = &ens->map;
    int days = a->days, nc = a->n_cols;
    bk_run_totals t;
    bk_run_get_totals(run, &t);
    for (int i = 0; i < a->n_tot; i++) {
        double v = bki_total_value(&t, i, days);
        a->tsum[i] += bki_fix(v);
        if (!bki_sketch_add(&a->tsk[i], map, v))
            return false;
    }
    size_t stride = (size_t)days + 1;
    int np = ens->n_products;
    a->curve[0 * stride + first_slot(t.first_stockout_day, days)]++;
    for (int p = 0; p < np; p++)
        a->curve[(size_t)(1 + p) * stride + first_slot(run->first_stockout_day[p], days)]++;
    a->curve[(size_t)(1 + np) * stride + first_slot(t.first_priority_cut_day, days)]++;
    double closed = -1.0;
    if (ens->schools_col >= 0) {
        for (int d = 0; d < days; d++) {
            if (run->daily[(size_t)d * (size_t)nc + (size_t)ens->schools_col] < 0.5) {
                closed = d;
                break;
            }
        }
    }
    a->curve[(size_t)(2 + np) * stride + first_slot(closed, days)]++;
    a->curve[(size_t)(3 + np) * stride + first_slot(t.first_attack_day, days)]++;
    a->n++;
    return true;
}

/* Contract in ens.h. Each daily cell's sketch takes the n runs' values in a row: a sketch and
 * its buckets are brought into the cache once per batch rather than once per run, which is
 * most of what adding a run costs (the cells far outnumber what the cache holds). */
bool bki_ens_acc_add_runs(bk_ens_acc *a, const bk_ensemble *ens, const bk_run *const *runs,
                          size_t n)
{
    size_t days = (size_t)a->days, nc = (size_t)a->n_cols;
    for (size_t k0 = 0; k0 < n; k0 += BK_ENS_ADD_MAX) {
        size_t m = n - k0 < BK_ENS_ADD_MAX ? n - k0 : BK_ENS_ADD_MAX;
        double v[BK_ENS_ADD_MAX];
        for (size_t d = 0; d < days; d++) {
            for (size_t c = 0; c < nc; c++) {
                size_t i = c * days + d, at = d * nc + c;
                for (size_t k = 0; k < m; k++) {
                    v[k] = runs[k0 + k]->daily[at];
                    a->dsum[i] += bki_fix(v[k]);
                }
                if (!bki_sketch_add_n(&a->dsk[i], &ens->map, v, m))
                    return false;
            }
        }
    }
    for (size_t k = 0; k < n; k++)
        if (!add_run_totals(a, ens, runs[k]))
            return false;
    return true;
}

/* Contract in ens.h. */
void bki_ens_curve_name(const bk_ensemble *ens, int k, char *buf, size_t size)
{
    int np = ens->n_products;
    if (k == 0)
        snprintf(buf, size, "stockout_any");
    else if (k <= np)
        snprintf(buf, size, "stockout_%s", ens->products[k - 1]);
    else if (k == np + 1)
        snprintf(buf, size, "priority_cut");
    else if (k == np + 2)
        snprintf(buf, size, "schools_closed");
    else
        snprintf(buf, size, "first_attack");
}

/* ---- handles ----------------------------------------------------------------------------- */

/* Contract in blockade/ensemble.h. */
void bk_ensemble_config_init(bk_ensemble_config *cfg, const bk_scenario *sc)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->seed = sc ? bk_scenario_seed(sc) : 0;
    cfg->replications = 100;
    cfg->accuracy = BK_ENSEMBLE_ACCURACY;
    cfg->shard_index = 0;
    cfg->shard_count = 1;
    cfg->check_invariants = true;
}

static void free_columns(bk_ensemble *e)
{
    for (int c = 0; c < e->n_cols; c++)
        bki_free_all(e->cols[c].name, e->cols[c].unit);
    bki_free(e->cols);
    e->cols = NULL;
    e->n_cols = 0;
}

/* Contract in blockade/ensemble.h. */
void bk_ensemble_free(bk_ensemble *ens)
{
    if (!ens)
        return;
    bki_free_all(ens->scenario_name, ens->scenario_file, ens->scenario_text);
    for (int p = 0; p < ens->n_products; p++)
        bki_free(ens->products[p]);
    bki_free(ens->products);
    free_columns(ens);
    bki_free(ens->done);
    bki_free(ens->partial);
    bki_ens_acc_release(&ens->acc);
    bki_free(ens->windows);
    bki_free(ens->rcols);
    bki_ens_rows_release(&ens->rows);
    bki_free(ens);
}

/* Allocate the bitmap and the statistics without columns; false when out of memory. */
bool bki_ens_alloc_common(bk_ensemble *e)
{
    e->n_blocks = (e->n_reps + e->block - 1) / e->block;
    e->done = bki_calloc((size_t)((e->n_blocks + 7) / 8), 1);
    return e->done && bki_ens_acc_init(&e->acc, 0, e->days, bki_n_total_metrics,
                                       BK_ENS_CURVES_FIXED + e->n_products);
}

/* Contract in ens.h. */
bool bki_draws_sha(const bk_scenario *const *draws, const uint64_t *seeds, size_t n,
                   char hex[65])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    for (size_t i = 0; ok && i < n; i++) {
        char h[65];
        bk_scenario_hash(draws[i], h);
        ok = EVP_DigestUpdate(ctx, h, 64) == 1;
        if (ok && seeds) {
            char sd[17];
            snprintf(sd, sizeof sd, "%016llx", (unsigned long long)seeds[i]);
            ok = EVP_DigestUpdate(ctx, sd, 16) == 1;
        }
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
    EVP_MD_CTX_free(ctx);
    static const char digits[] = "0123456789abcdef";
    for (unsigned int i = 0; ok && i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[ok ? 64 : 0] = '\0';
    return ok;
}

/* Contract in ens.h. */
bk_status bki_draws_check(const bk_scenario *base, const bk_scenario *const *draws, size_t n,
                          bk_error *err)
{
    if (!draws)
        return bki_fail(err, BK_ERR_USAGE, "%zu posterior draws but no scenarios", n);
    for (size_t i = 0; i < n; i++) {
        const bk_scenario *d = draws[i];
        bool same = d && d->start_year == base->start_year && d->start_month == base->start_month
                    && d->start_day == base->start_day && d->n_products == base->n_products;
        for (int p = 0; same && p < base->n_products; p++)
            same = strcmp(d->products[p].id, base->products[p].id) == 0;
        if (!same)
            return bki_fail(err, BK_ERR_USAGE, "posterior draw %zu does not keep the scenario's "
                            "start date and products", i);
    }
    return BK_OK;
}

/* Take cfg's posterior draws: each must keep the scenario's start date and products (the
 * columns and curves of every replication are the same); their identity is the SHA-256 of their
 * scenario hashes (and seeds) in order. */
static bk_status adopt_draws(bk_ensemble *e, const bk_ensemble_config *cfg, bk_error *err)
{
    bk_status st = bki_draws_check(e->sc, cfg->draws, cfg->n_draws, err);
    if (st != BK_OK)
        return st;
    if (!bki_draws_sha(cfg->draws, cfg->draw_seeds, cfg->n_draws, e->draws_sha))
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    e->draws = cfg->draws;
    e->draw_seeds = cfg->draw_seeds;
    e->n_draws = cfg->n_draws;
    return BK_OK;
}

/* Contract in blockade/ensemble.h. */
bk_status bk_ensemble_new(const bk_scenario *sc, const bk_ensemble_config *cfg,
                          bk_ensemble **out, bk_error *err)
{
    *out = NULL;
    if (!sc || !cfg)
        return bki_fail(err, BK_ERR_USAGE, "ensemble: no scenario or configuration");
    if (cfg->replications < 1 || cfg->replications > BK_ENSEMBLE_MAX_REPLICATIONS)
        return bki_fail(err, BK_ERR_USAGE, "ensemble: replications must be 1 to %llu",
                           (unsigned long long)BK_ENSEMBLE_MAX_REPLICATIONS);
    if (cfg->shard_count < 1 || cfg->shard_index >= cfg->shard_count)
        return bki_fail(err, BK_ERR_USAGE, "ensemble: shard %u/%u does not exist",
                           cfg->shard_index, cfg->shard_count);
    if (cfg->days < 0 || cfg->days > BK_ENS_MAX_DAYS)
        return bki_fail(err, BK_ERR_USAGE, "ensemble: days must be 0 to %d", BK_ENS_MAX_DAYS);
    if (cfg->period != BK_ENSEMBLE_PERIOD_MONTH && cfg->period != BK_ENSEMBLE_PERIOD_WEEK)
        return bki_fail(err, BK_ERR_USAGE, "ensemble: the period must be month or week");
    bk_ensemble *e = bki_calloc(1, sizeof *e);
    if (!e)
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    if (!bki_sketch_map_init(&e->map, cfg->accuracy)) {
        bki_free(e);
        return bki_fail(err, BK_ERR_USAGE, "ensemble: accuracy must be in (0, 0.5)");
    }
    e->sc = sc;
    e->cfg = *cfg;
    e->cfg.scenario_file = NULL;
    e->accuracy = cfg->accuracy;
    e->seed = cfg->seed;
    e->n_reps = cfg->replications;
    e->block = bki_ens_block_size(e->n_reps);
    e->shard_index = cfg->shard_index;
    e->shard_count = cfg->shard_count;
    e->check = cfg->check_invariants;
    e->days = cfg->days > 0 ? cfg->days : sc->days;
    e->start_y = sc->start_year;
    e->start_m = sc->start_month;
    e->start_d = sc->start_day;
    e->schools_col = -1;
    e->period = cfg->period;
    bk_status wst = bki_ens_windows_parse(e, cfg->windows, cfg->n_windows, err);
    if (wst != BK_OK) {
        bk_ensemble_free(e);
        return wst;
    }
    bk_scenario_hash(sc, e->sha);
    if (cfg->n_draws > 0) {
        wst = adopt_draws(e, cfg, err);
        if (wst != BK_OK) {
            bk_ensemble_free(e);
            return wst;
        }
    }
    size_t len = 0;
    const char *text = bk_scenario_text(sc, &len);
    e->scenario_name = bki_strdup(bk_scenario_name(sc));
    e->scenario_file = cfg->scenario_file ? bki_strdup(cfg->scenario_file) : NULL;
    e->scenario_text = bki_strndup(text, len);
    e->products = bki_calloc((size_t)sc->n_products + 1, sizeof *e->products);
    bool ok = e->scenario_name && e->scenario_text && e->products
              && (cfg->scenario_file == NULL || e->scenario_file);
    if (ok) {
        e->text_len = len;
        for (int p = 0; ok && p < sc->n_products; p++) {
            e->products[p] = bki_strdup(sc->products[p].id);
            ok = e->products[p] != NULL;
            e->n_products = p + 1;
        }
    }
    if (!ok || !bki_ens_alloc_common(e)) {
        bk_ensemble_free(e);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    }
    *out = e;
    return BK_OK;
}

/* Learn the daily columns from the first run, or check a run against them. Called with the
 * run lock held. */
static bk_status adopt_columns(bk_ensemble *e, const bk_run *run, bk_error *err)
{
    if (run->days != e->days)
        return bki_fail(err, BK_ERR_INTERNAL, "a run recorded %d days, expected %d",
                           run->days, e->days);
    if (e->n_cols > 0) {
        bool same = run->n_cols == e->n_cols;
        for (int c = 0; same && c < e->n_cols; c++)
            same = strcmp(run->cols[c].name, e->cols[c].name) == 0;
        if (!same)
            return bki_fail(err, BK_ERR_USAGE,
                               "the daily columns differ from those of the checkpoint");
        return BK_OK;
    }
    bk_ens_col *cols = bki_calloc((size_t)run->n_cols + 1, sizeof *cols);
    if (!cols)
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    e->cols = cols;
    for (int c = 0; c < run->n_cols; c++) {
        cols[c].name = bki_strdup(run->cols[c].name);
        cols[c].unit = bki_strdup(run->cols[c].unit);
        e->n_cols = c + 1;
        if (!cols[c].name || !cols[c].unit) {
            free_columns(e);
            return bki_fail(err, BK_ERR_NOMEM, "out of memory");
        }
        if (strcmp(cols[c].name, "schools_open") == 0)
            e->schools_col = c;
    }
    /* the statistics so far (none: a fresh ensemble) take the columns' shape */
    bk_ens_acc fresh;
    if (!bki_ens_acc_init(&fresh, e->n_cols, e->days, e->acc.n_tot, e->acc.n_curves)) {
        free_columns(e);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    }
    if (!bki_ens_acc_merge(&fresh, &e->acc)) {
        bki_ens_acc_release(&fresh);
        free_columns(e);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    }
    bki_ens_acc_release(&e->acc);
    e->acc = fresh;
    if (!bki_ens_rows_layout(e)) {
        free_columns(e);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    }
    return BK_OK;
}

/* ---- running -----------------------------------------------------------------------------
 * Workers take whole blocks, run their replications outside the lock and add the finished runs
 * to the one shared accumulator under the lock, up to BK_ENS_ADD_MAX at a time. One accumulator,
 * not one per thread: memory does not grow with the threads either. The lock also makes a
 * checkpoint a consistent snapshot: the runs added so far, recorded as completed blocks plus,
 * for blocks in progress, a mask of their replications (B <= 64). */

/* Record replication `bit` of block b as added; a block whose replications are all added
 * becomes done. false when out of memory. */
bool bki_ens_mark_rep(bk_ensemble *e, uint64_t b, uint32_t bit)
{
    bk_ens_partial *p = find_partial(e, b);
    if (!p) {
        if (e->n_partial == e->cap_partial) {
            bk_ens_partial *np = bki_grow(e->partial, sizeof *np, &e->cap_partial, 16);
            if (!np)
                return false;
            e->partial = np;
        }
        p = &e->partial[e->n_partial++];
        p->block = b;
        p->mask = 0;
    }
    p->mask |= UINT64_C(1) << bit;
    if (p->mask == full_mask(block_len(e, b))) {
        e->done[b / 8] |= (unsigned char)(1u << (b % 8));
        *p = e->partial[--e->n_partial];
    }
    return true;
}

typedef struct run_ctx {
    bk_ensemble *ens;
    bk_pool_job job;
    pthread_mutex_t mu;     /* guards ens (statistics, blocks, columns) and reps_done */
    uint64_t *todo;
    uint64_t reps_done, reps_total;
    double last_checkpoint; /* monotonic seconds */
} run_ctx;

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Add the n runs held from block b (replications b B + bit[j]) under the lock, mark them as
 * added and free them. */
static bk_status add_held(run_ctx *x, uint64_t b, bk_run **held, const uint32_t *bit, uint32_t n,
                          bk_error *err)
{
    bk_ensemble *e = x->ens;
    bk_status st = BK_OK;
    pthread_mutex_lock(&x->mu);
    for (uint32_t j = 0; st == BK_OK && j < n; j++) {
        st = adopt_columns(e, held[j], err);
        if (st == BK_OK && (held[j]->n_cols != e->acc.n_cols || held[j]->days != e->acc.days))
            st = bki_fail(err, BK_ERR_INTERNAL, "replication %llu: unexpected shape",
                          (unsigned long long)(b * e->block + bit[j]));
    }
    if (st == BK_OK && !bki_ens_acc_add_runs(&e->acc, e, (const bk_run *const *)held, n))
        st = bki_fail(err, BK_ERR_NOMEM, "out of memory");
    for (uint32_t j = 0; st == BK_OK && j < n; j++) {
        if (!bki_ens_rows_add(e, b * e->block + bit[j], held[j]) ||
            !bki_ens_mark_rep(e, b, bit[j]))
            st = bki_fail(err, BK_ERR_NOMEM, "out of memory");
        else
            x->reps_done++;
    }
    /* an allocation failure while adding leaves half-added runs: stop, never save them */
    if (st != BK_OK)
        e->broken = true;
    pthread_mutex_unlock(&x->mu);
    for (uint32_t j = 0; j < n; j++)
        bk_run_free(held[j]);
    return st;
}

/* Run the replications of block todo[item] not yet added, holding the finished runs and adding
 * them under the lock in batches of up to BK_ENS_ADD_MAX (bki_ens_acc_add_runs): the statistics
 * are the same whatever the batches. */
static bk_status run_block(void *vctx, int worker, uint64_t item, bk_error *err)
{
    (void)worker;
    run_ctx *x = vctx;
    bk_ensemble *e = x->ens;
    uint64_t b = x->todo[item];
    uint32_t len = block_len(e, b);
    pthread_mutex_lock(&x->mu);
    const bk_ens_partial *p = find_partial(e, b);
    uint64_t have = p ? p->mask : 0;
    pthread_mutex_unlock(&x->mu);
    bk_run_config rc;
    bk_run_config_init(&rc, e->sc);
    rc.days = e->days;
    rc.check_invariants = e->check;
    rc.cancel = &x->job.stop;
    bk_run *held[BK_ENS_ADD_MAX];
    uint32_t bit[BK_ENS_ADD_MAX], n = 0;
    for (uint32_t k = 0; k < len; k++) {
        if ((have >> k) & 1u)
            continue;
        uint64_t r = b * e->block + k;
        bki_rep_seed(&rc, e->seed, r, e->draw_seeds, e->n_draws);
        bk_run *run = NULL;
        bk_error rerr = {0};
        const bk_scenario *sc = e->n_draws > 0 ? e->draws[r % e->n_draws] : e->sc;
        bk_status st = bk_sim_run(sc, &rc, &run, &rerr);
        if (st != BK_OK) {
            for (uint32_t j = 0; j < n; j++) /* not added: a resumed run makes them again */
                bk_run_free(held[j]);
            if (st == BK_ERR_INTERRUPTED)
                return st;
            return bki_fail(err, st, "replication %llu: %s", (unsigned long long)r,
                            rerr.message[0] ? rerr.message : bk_status_str(st));
        }
        held[n] = run;
        bit[n++] = k;
        if (n == BK_ENS_ADD_MAX) {
            st = add_held(x, b, held, bit, n, err);
            n = 0;
            if (st != BK_OK)
                return st;
        }
    }
    return n > 0 ? add_held(x, b, held, bit, n, err) : BK_OK;
}

/* Progress and periodic checkpoints, on the calling thread. */
static bk_status run_tick(void *vctx)
{
    run_ctx *x = vctx;
    bk_ensemble *e = x->ens;
    bk_status st = BK_OK;
    pthread_mutex_lock(&x->mu);
    if (e->cfg.progress)
        e->cfg.progress(e->cfg.progress_ud, x->reps_done, x->reps_total);
    if (e->cfg.checkpoint && e->cfg.checkpoint_seconds > 0 && !e->broken
        && mono_s() - x->last_checkpoint >= e->cfg.checkpoint_seconds) {
        st = e->cfg.checkpoint(e->cfg.checkpoint_ud, e);
        x->last_checkpoint = mono_s();
    }
    pthread_mutex_unlock(&x->mu);
    return st;
}

/* Contract in blockade/ensemble.h. */
bk_status bk_ensemble_run(bk_ensemble *ens, bk_error *err)
{
    if (!ens || !ens->sc)
        return bki_fail(err, BK_ERR_USAGE, "ensemble: this handle cannot run");
    if (ens->broken)
        return bki_fail(err, BK_ERR_USAGE, "ensemble: an earlier run failed");
    run_ctx x;
    memset(&x, 0, sizeof x);
    x.ens = ens;
    uint64_t n_todo = 0;
    for (uint64_t b = ens->shard_index; b < ens->n_blocks; b += ens->shard_count) {
        uint32_t len = block_len(ens, b);
        x.reps_total += len;
        if (block_done(ens, b)) {
            x.reps_done += len;
            continue;
        }
        const bk_ens_partial *p = find_partial(ens, b);
        for (uint32_t k = 0; p && k < len; k++)
            x.reps_done += (p->mask >> k) & 1u;
        n_todo++;
    }
    x.todo = bki_malloc((size_t)(n_todo ? n_todo : 1) * sizeof *x.todo);
    if (!x.todo || pthread_mutex_init(&x.mu, NULL) != 0) {
        bki_free(x.todo);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    }
    n_todo = 0;
    for (uint64_t b = ens->shard_index; b < ens->n_blocks; b += ens->shard_count)
        if (!block_done(ens, b))
            x.todo[n_todo++] = b;
    x.job.ctx = &x;
    x.job.work = run_block;
    x.job.tick = run_tick;
    x.job.cancel = ens->cfg.cancel;
    x.last_checkpoint = mono_s();
    bk_status st = bki_pool_run(&x.job, n_todo, ens->cfg.threads, err);
    if (ens->cfg.progress)
        ens->cfg.progress(ens->cfg.progress_ud, x.reps_done, x.reps_total);
    if (st == BK_ERR_INTERRUPTED) {
        bki_fail(err, st, "interrupted");
        if (ens->cfg.checkpoint && !ens->broken) {
            bk_status cs = ens->cfg.checkpoint(ens->cfg.checkpoint_ud, ens);
            if (cs != BK_OK)
                st = bki_fail(err, cs, "cannot write the checkpoint");
        }
    }
    bki_free(x.todo);
    pthread_mutex_destroy(&x.mu);
    return st;
}

/* The first difference between two ensembles' identities, or NULL. Shards may differ in
 * index only when `same_shard` is false. */
static const char *identity_difference(const bk_ensemble *a, const bk_ensemble *b,
                                       bool same_shard)
{
    if (strcmp(a->sha, b->sha) != 0)
        return "scenario (SHA-256)";
    if (a->n_draws != b->n_draws || strcmp(a->draws_sha, b->draws_sha) != 0)
        return "posterior (--posterior)";
    if (a->seed != b->seed)
        return "seed";
    if (a->n_reps != b->n_reps)
        return "number of replications";
    if (a->days != b->days)
        return "days";
    if (a->accuracy != b->accuracy)
        return "accuracy";
    if (a->check != b->check)
        return "invariant checks";
    if (a->period != b->period)
        return "period (--period)";
    bool same_windows = a->n_windows == b->n_windows;
    for (int w = 0; same_windows && w < a->n_windows; w++)
        same_windows = a->windows[w].first == b->windows[w].first
                       && a->windows[w].last == b->windows[w].last;
    if (!same_windows)
        return "set of windows (--window)";
    if (a->shard_count != b->shard_count)
        return "number of shards";
    if (same_shard && a->shard_index != b->shard_index)
        return "shard";
    if (a->n_products != b->n_products)
        return "products";
    if (a->n_cols > 0 && b->n_cols > 0) {
        if (a->n_cols != b->n_cols)
            return "daily columns";
        for (int c = 0; c < a->n_cols; c++)
            if (strcmp(a->cols[c].name, b->cols[c].name) != 0)
                return "daily columns";
    }
    return NULL;
}

/* Give `dst` the columns of `src` (dst has none and no statistics). */
static bool copy_columns(bk_ensemble *dst, const bk_ensemble *src)
{
    if (dst->n_cols > 0 || src->n_cols == 0)
        return true;
    dst->cols = bki_calloc((size_t)src->n_cols, sizeof *dst->cols);
    if (!dst->cols)
        return false;
    for (int c = 0; c < src->n_cols; c++) {
        dst->cols[c].name = bki_strdup(src->cols[c].name);
        dst->cols[c].unit = bki_strdup(src->cols[c].unit);
        dst->n_cols = c + 1;
        if (!dst->cols[c].name || !dst->cols[c].unit) {
            free_columns(dst);
            return false;
        }
    }
    dst->schools_col = src->schools_col;
    bk_ens_acc fresh;
    if (!bki_ens_acc_init(&fresh, dst->n_cols, dst->days, dst->acc.n_tot, dst->acc.n_curves)
        || !bki_ens_acc_merge(&fresh, &dst->acc)) {
        bki_ens_acc_release(&fresh);
        free_columns(dst);
        return false;
    }
    bki_ens_acc_release(&dst->acc);
    dst->acc = fresh;
    if (!bki_ens_rows_layout(dst)) {
        free_columns(dst);
        return false;
    }
    return true;
}

/* Whether two ensembles have the same identity; when not, err says "WHAT: the X differs" with
 * the first difference (status BK_ERR_USAGE). */
static bool same_identity(const bk_ensemble *a, const bk_ensemble *b, bool same_shard,
                          const char *what, bk_error *err)
{
    const char *diff = identity_difference(a, b, same_shard);
    if (diff)
        bki_fail(err, BK_ERR_USAGE, "%s: the %s differs", what, diff);
    return diff == NULL;
}

/* Contract in blockade/ensemble.h. */
bk_status bk_ensemble_merge(bk_ensemble *dst, const bk_ensemble *src, bk_error *err)
{
    if (!same_identity(dst, src, false, "these are not parts of the same ensemble", err))
        return BK_ERR_USAGE;
    for (uint64_t i = 0; i < (dst->n_blocks + 7) / 8; i++)
        if (dst->done[i] & src->done[i])
            return bki_fail(err, BK_ERR_USAGE,
                               "the parts overlap: block %llu is in both (the same shard twice?)",
                               (unsigned long long)(i * 8));
    for (int i = 0; i < src->n_partial; i++) {
        const bk_ens_partial *sp = &src->partial[i];
        const bk_ens_partial *dp = find_partial(dst, sp->block);
        if (block_done(dst, sp->block) || (dp && (dp->mask & sp->mask)))
            return bki_fail(err, BK_ERR_USAGE, "the parts overlap in block %llu",
                               (unsigned long long)sp->block);
    }
    if (!copy_columns(dst, src))
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    if (!bki_ens_acc_merge(&dst->acc, &src->acc) || !bki_ens_rows_merge(&dst->rows, &src->rows))
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    for (uint64_t i = 0; i < (dst->n_blocks + 7) / 8; i++)
        dst->done[i] |= src->done[i];
    for (int i = 0; i < src->n_partial; i++)
        for (uint32_t k = 0; k < 64; k++)
            if ((src->partial[i].mask >> k) & 1u)
                if (!bki_ens_mark_rep(dst, src->partial[i].block, k))
                    return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    return BK_OK;
}

/* Contract in blockade/ensemble.h. */
bk_status bk_ensemble_resume(bk_ensemble *ens, const bk_ensemble *state, bk_error *err)
{
    if (!same_identity(ens, state, true, "the checkpoint is of a different ensemble", err))
        return BK_ERR_USAGE;
    if (ens->acc.n != 0)
        return bki_fail(err, BK_ERR_USAGE, "resume: the ensemble has already run");
    return bk_ensemble_merge(ens, state, err);
}

/* Contract in blockade/ensemble.h. */
void bk_ensemble_get_info(const bk_ensemble *e, bk_ensemble_info *out)
{
    memset(out, 0, sizeof *out);
    out->scenario_name = e->scenario_name;
    out->scenario_sha256 = e->sha;
    out->scenario_file = e->scenario_file;
    out->seed = e->seed;
    out->replications = e->n_reps;
    out->days = e->days;
    out->accuracy = e->accuracy;
    out->n_draws = e->n_draws;
    out->draws_sha256 = e->n_draws > 0 ? e->draws_sha : NULL;
    out->shard_index = e->shard_index;
    out->shard_count = e->shard_count;
    out->blocks = e->n_blocks;
    for (uint64_t b = 0; b < e->n_blocks; b++) {
        bool d = block_done(e, b);
        out->blocks_done += d;
        if (b % e->shard_count == e->shard_index) {
            out->shard_blocks++;
            out->shard_blocks_done += d;
        }
    }
    out->replications_done = e->acc.n;
    out->complete = out->blocks_done == e->n_blocks;
}

/* Contract in blockade/ensemble.h. */
const char *bk_ensemble_scenario_text(const bk_ensemble *ens, size_t *len)
{
    if (len)
        *len = ens->text_len;
    return ens->scenario_text;
}

/* Contract in blockade/ensemble.h. */
bk_status bk_ensemble_total_stat(const bk_ensemble *ens, const char *name, bk_ensemble_stat *out)
{
    int i = bki_total_index(name);
    if (i < 0)
        return BK_ERR_USAGE;
    /* exact, from the per-replication values (the first columns are the totals, in order) */
    out->mean = bki_fix_mean(ens->acc.tsum[i], ens->acc.n);
    for (int k = 0; k < 5; k++)
        out->q[k] = 0.0;
    if (ens->n_rcols > i && ens->rows.n > 0 &&
        !bki_ens_rows_stat(&ens->rows, i, &out->mean, out->q))
        return BK_ERR_NOMEM;
    return BK_OK;
}

/* Contract in blockade/ensemble.h. */
double bk_ensemble_curve(const bk_ensemble *ens, const char *curve, int day)
{
    for (int k = 0; k < ens->acc.n_curves; k++) {
        char name[300];
        bki_ens_curve_name(ens, k, name, sizeof name);
        if (strcmp(name, curve) != 0)
            continue;
        if (ens->acc.n == 0)
            return 0.0;
        uint64_t c = 0;
        const uint64_t *h = ens->acc.curve + (size_t)k * ((size_t)ens->days + 1);
        for (int d = 0; d <= day && d < ens->days; d++)
            c += h[d];
        return (double)c / (double)ens->acc.n;
    }
    return -1.0;
}
