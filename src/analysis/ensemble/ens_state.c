/* ens_state.c: an ensemble's state file, the checkpoint and the shard: the writer and the
 * strict reader (see blockade/ensemble.h and docs/ensemble.md). */
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

#define STATE_MAGIC "BKENSEMB"
#define STATE_VERSION 4u
#define MAX_COLS 100000
#define MAX_CELLS 50000000ULL
#define MAX_TEXT (64u * 1024u * 1024u)

/* ---- state files ------------------------------------------------------------------------- */

static void put_acc(const bk_ens_acc *a, bk_bytes *b)
{
    bki_bytes_u64(b, a->n);
    size_t cells = (size_t)a->n_cols * (size_t)a->days;
    for (size_t i = 0; i < cells; i++) {
        bki_bytes_i128(b, a->dsum[i]);
        bki_sketch_write(&a->dsk[i], b);
    }
    bki_bytes_u32(b, (uint32_t)a->n_tot);
    for (int i = 0; i < a->n_tot; i++) {
        bki_bytes_i128(b, a->tsum[i]);
        bki_sketch_write(&a->tsk[i], b);
    }
    bki_bytes_u32(b, (uint32_t)a->n_curves);
    size_t nc = (size_t)a->n_curves * ((size_t)a->days + 1);
    for (size_t i = 0; i < nc; i++)
        bki_bytes_u64(b, a->curve[i]);
}

/* Contract in ens.h. Layout in docs/ensemble.md. */
bool bki_ens_serialize(const bk_ensemble *e, bk_bytes *b)
{
    bki_bytes_put(b, STATE_MAGIC, 8);
    bki_bytes_u32(b, STATE_VERSION);
    bki_bytes_str(b, e->scenario_name, strlen(e->scenario_name));
    bki_bytes_str(b, e->sha, 64);
    bki_bytes_u32(b, e->n_draws);
    bki_bytes_str(b, e->draws_sha, e->n_draws > 0 ? 64 : 0);
    bki_bytes_str(b, e->scenario_file ? e->scenario_file : "",
                  e->scenario_file ? strlen(e->scenario_file) : 0);
    bki_bytes_str(b, e->scenario_text, e->text_len);
    bki_bytes_u32(b, (uint32_t)e->start_y);
    bki_bytes_u32(b, (uint32_t)e->start_m);
    bki_bytes_u32(b, (uint32_t)e->start_d);
    bki_bytes_u32(b, (uint32_t)e->days);
    bki_bytes_u64(b, e->seed);
    bki_bytes_u64(b, e->n_reps);
    bki_bytes_u32(b, e->block);
    bki_bytes_u32(b, e->shard_index);
    bki_bytes_u32(b, e->shard_count);
    bki_bytes_f64(b, e->accuracy);
    bki_bytes_u32(b, e->check ? 1u : 0u);
    bki_bytes_u32(b, (uint32_t)e->period);
    bki_bytes_u32(b, (uint32_t)e->n_windows);
    for (int w = 0; w < e->n_windows; w++) {
        bki_bytes_u32(b, (uint32_t)e->windows[w].first);
        bki_bytes_u32(b, (uint32_t)e->windows[w].last);
    }
    bki_bytes_u32(b, (uint32_t)e->n_products);
    for (int p = 0; p < e->n_products; p++)
        bki_bytes_str(b, e->products[p], strlen(e->products[p]));
    bki_bytes_u32(b, (uint32_t)e->n_cols);
    for (int c = 0; c < e->n_cols; c++) {
        bki_bytes_str(b, e->cols[c].name, strlen(e->cols[c].name));
        bki_bytes_str(b, e->cols[c].unit, strlen(e->cols[c].unit));
    }
    bki_bytes_u64(b, e->n_blocks);
    bki_bytes_put(b, e->done, (size_t)((e->n_blocks + 7) / 8));
    /* blocks in progress in ascending order, so equal states give equal bytes */
    uint64_t prev = 0;
    int written = 0;
    bki_bytes_u32(b, (uint32_t)e->n_partial);
    while (written < e->n_partial) {
        const bk_ens_partial *next = NULL;
        for (int i = 0; i < e->n_partial; i++)
            if ((written == 0 || e->partial[i].block > prev)
                && (!next || e->partial[i].block < next->block))
                next = &e->partial[i];
        if (!next)
            break; /* cannot happen: n_partial distinct blocks */
        bki_bytes_u64(b, next->block);
        bki_bytes_u64(b, next->mask);
        prev = next->block;
        written++;
    }
    put_acc(&e->acc, b);
    bki_ens_rows_write(e, b);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (b->failed || EVP_Digest(b->p, b->len, md, &mdlen, EVP_sha256(), NULL) != 1
        || mdlen != 32)
        return false;
    bki_bytes_put(b, md, 32);
    return !b->failed;
}

/* Contract in blockade/ensemble.h. */
bk_status bk_ensemble_write_state(const bk_ensemble *ens, FILE *out)
{
    bk_bytes b;
    memset(&b, 0, sizeof b);
    if (!bki_ens_serialize(ens, &b)) {
        bki_bytes_free(&b);
        return BK_ERR_NOMEM;
    }
    size_t len = b.len, n = fwrite(b.p, 1, len, out);
    bki_bytes_free(&b);
    if (n != len || fflush(out) != 0 || ferror(out))
        return BK_ERR_IO;
    return BK_OK;
}

static bool get_acc(bk_ens_acc *a, bk_reader *r)
{
    a->n = bki_reader_u64(r);
    size_t cells = (size_t)a->n_cols * (size_t)a->days;
    for (size_t i = 0; i < cells && !r->failed; i++) {
        a->dsum[i] = bki_reader_i128(r);
        if (!bki_sketch_read(&a->dsk[i], r))
            return false;
    }
    if (bki_reader_u32(r) != (uint32_t)a->n_tot)
        return false;
    for (int i = 0; i < a->n_tot && !r->failed; i++) {
        a->tsum[i] = bki_reader_i128(r);
        if (!bki_sketch_read(&a->tsk[i], r))
            return false;
    }
    if (bki_reader_u32(r) != (uint32_t)a->n_curves)
        return false;
    size_t nc = (size_t)a->n_curves * ((size_t)a->days + 1);
    for (size_t i = 0; i < nc; i++)
        a->curve[i] = bki_reader_u64(r);
    return !r->failed;
}

/* Contract in ens.h. */
bk_status bki_ens_deserialize(const unsigned char *p, size_t len, const char *name,
                              bk_ensemble **out, bk_error *err)
{
    *out = NULL;
    if (!name)
        name = "-";
    if (len < 8 + 4 + 32 || memcmp(p, STATE_MAGIC, 8) != 0)
        return bki_fail(err, BK_ERR_SCHEMA, "%s: not an ensemble state file", name);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(p, len - 32, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32
        || memcmp(md, p + len - 32, 32) != 0)
        return bki_fail(err, BK_ERR_SCHEMA,
                           "%s: ensemble state file is damaged or truncated (checksum)", name);
    bk_reader r = {p, len - 32, 8, false};
    uint32_t version = bki_reader_u32(&r);
    if (version != STATE_VERSION)
        return bki_fail(err, BK_ERR_SCHEMA,
                        "%s: ensemble state file format %u, but this blockade reads format %u "
                        "only (written by %s blockade): run the ensemble or shard again",
                        name, version, STATE_VERSION,
                        version < STATE_VERSION ? "an older" : "a newer");
    long failures = bki_alloc_thread_failures();
    bk_ensemble *e = bki_calloc(1, sizeof *e);
    if (!e)
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    e->schools_col = -1;
    bool ok = true;
    char *sha = NULL;
    size_t n = 0;
    e->scenario_name = bki_reader_str(&r, 4096, NULL);
    sha = bki_reader_str(&r, 64, &n);
    ok = sha && n == 64;
    if (ok)
        memcpy(e->sha, sha, 65);
    bki_free(sha);
    e->n_draws = bki_reader_u32(&r);
    sha = bki_reader_str(&r, 64, &n);
    ok = ok && sha && n == (e->n_draws > 0 ? 64u : 0u);
    if (ok)
        memcpy(e->draws_sha, sha, n + 1);
    bki_free(sha);
    e->scenario_file = bki_reader_str(&r, 65536, &n);
    if (e->scenario_file && n == 0) {
        bki_free(e->scenario_file);
        e->scenario_file = NULL;
    }
    e->scenario_text = bki_reader_str(&r, MAX_TEXT, &e->text_len);
    e->start_y = (int)bki_reader_u32(&r);
    e->start_m = (int)bki_reader_u32(&r);
    e->start_d = (int)bki_reader_u32(&r);
    uint32_t days = bki_reader_u32(&r);
    e->seed = bki_reader_u64(&r);
    e->n_reps = bki_reader_u64(&r);
    e->block = bki_reader_u32(&r);
    e->shard_index = bki_reader_u32(&r);
    e->shard_count = bki_reader_u32(&r);
    e->accuracy = bki_reader_f64(&r);
    e->check = bki_reader_u32(&r) != 0;
    uint32_t period = bki_reader_u32(&r), nw = bki_reader_u32(&r);
    ok = ok && !r.failed && period <= 1 && nw <= BK_ENSEMBLE_MAX_WINDOWS;
    e->period = (int)period;
    if (ok && nw > 0) {
        e->windows = bki_calloc(nw, sizeof *e->windows);
        ok = e->windows != NULL;
        for (uint32_t w = 0; ok && w < nw; w++) {
            uint32_t a = bki_reader_u32(&r), z = bki_reader_u32(&r);
            ok = !r.failed && a <= z && z < days;
            e->windows[w].first = (int)a;
            e->windows[w].last = (int)z;
            e->n_windows = (int)w + 1;
        }
    }
    uint32_t np = bki_reader_u32(&r);
    ok = ok && !r.failed && e->scenario_name && e->scenario_text && days >= 1
         && days <= BK_ENS_MAX_DAYS && e->n_reps >= 1 && e->n_reps <= BK_ENSEMBLE_MAX_REPLICATIONS
         && e->block == bki_ens_block_size(e->n_reps) && e->shard_count >= 1
         && e->shard_index < e->shard_count && np <= 1000
         && bki_sketch_map_init(&e->map, e->accuracy);
    e->days = (int)days;
    if (ok) {
        e->products = bki_calloc((size_t)np + 1, sizeof *e->products);
        ok = e->products != NULL;
        for (uint32_t i = 0; ok && i < np; i++) {
            e->products[i] = bki_reader_str(&r, 256, NULL);
            e->n_products = (int)i + 1;
            ok = e->products[i] != NULL;
        }
    }
    uint32_t nc = ok ? bki_reader_u32(&r) : 0;
    ok = ok && !r.failed && nc <= MAX_COLS && (uint64_t)nc * days <= MAX_CELLS;
    if (ok && nc > 0) {
        e->cols = bki_calloc((size_t)nc, sizeof *e->cols);
        ok = e->cols != NULL;
        for (uint32_t c = 0; ok && c < nc; c++) {
            e->cols[c].name = bki_reader_str(&r, 256, NULL);
            e->cols[c].unit = bki_reader_str(&r, 256, NULL);
            e->n_cols = (int)c + 1;
            ok = e->cols[c].name && e->cols[c].unit;
            if (ok && strcmp(e->cols[c].name, "schools_open") == 0)
                e->schools_col = (int)c;
        }
    }
    ok = ok && bki_ens_alloc_common(e) && bki_reader_u64(&r) == e->n_blocks;
    if (ok) {
        const unsigned char *bits = bki_reader_take(&r, (size_t)((e->n_blocks + 7) / 8));
        ok = bits != NULL;
        if (ok)
            memcpy(e->done, bits, (size_t)((e->n_blocks + 7) / 8));
    }
    uint32_t np_blocks = ok ? bki_reader_u32(&r) : 0;
    ok = ok && !r.failed && np_blocks <= e->n_blocks;
    for (uint32_t i = 0; ok && i < np_blocks; i++) {
        uint64_t blk = bki_reader_u64(&r), mask = bki_reader_u64(&r);
        ok = !r.failed && blk < e->n_blocks && !block_done(e, blk) && mask != 0
             && (mask & ~full_mask(block_len(e, blk))) == 0 && !find_partial(e, blk);
        for (uint32_t k = 0; ok && k < 64; k++)
            if ((mask >> k) & 1u)
                ok = bki_ens_mark_rep(e, blk, k);
    }
    if (ok && e->n_cols > 0) {
        bki_ens_acc_release(&e->acc);
        ok = bki_ens_acc_init(&e->acc, e->n_cols, e->days, bki_n_total_metrics,
                              BK_ENS_CURVES_FIXED + e->n_products)
             && bki_ens_rows_layout(e);
    }
    ok = ok && get_acc(&e->acc, &r) && bki_ens_rows_read(e, &r) && r.pos == r.len;
    if (!ok) {
        bk_ensemble_free(e);
        if (bki_alloc_thread_failures() != failures)
            return bki_fail(err, BK_ERR_NOMEM, "%s: out of memory reading the ensemble state",
                            name);
        return bki_fail(err, BK_ERR_SCHEMA, "%s: malformed ensemble state file", name);
    }
    *out = e;
    return BK_OK;
}

/* Contract in blockade/ensemble.h. */
bk_status bk_ensemble_read_state(FILE *in, const char *name, bk_ensemble **out, bk_error *err)
{
    *out = NULL;
    if (!name)
        name = "-";
    bk_bytes b;
    memset(&b, 0, sizeof b);
    unsigned char buf[65536];
    size_t n = fread(buf, 1, 8, in);
    if (n == 8 && memcmp(buf, STATE_MAGIC, 8) != 0)
        return bki_fail(err, BK_ERR_SCHEMA, "%s: not an ensemble state file", name);
    bki_bytes_put(&b, buf, n);
    while (n > 0 && (n = fread(buf, 1, sizeof buf, in)) > 0) {
        if ((unsigned long long)b.len + n > BK_ENSEMBLE_STATE_MAX_BYTES) {
            bki_bytes_free(&b);
            return bki_fail(err, BK_ERR_TOO_LARGE, "%s: larger than the limit of %llu bytes "
                            "for an ensemble state file", name, BK_ENSEMBLE_STATE_MAX_BYTES);
        }
        bki_bytes_put(&b, buf, n);
    }
    if (ferror(in)) {
        bki_bytes_free(&b);
        return bki_fail(err, BK_ERR_IO, "%s: cannot read", name);
    }
    if (b.failed) {
        bki_bytes_free(&b);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    }
    bk_status st = bki_ens_deserialize(b.p, b.len, name, out, err);
    bki_bytes_free(&b);
    return st;
}
