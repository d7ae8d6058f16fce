/* sketch.c: the log-bucket quantile sketch (see sketch.h and docs/ensemble.md). */
#include "engine/alloc.h"
#include "analysis/ensemble/sketch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Largest number of buckets one side can need: the index range of [MIN_ABS, MAX_ABS] at the
 * coarsest accuracy accepted is far below this; a state file claiming more is malformed. */
#define MAX_SIDE_LEN 1000000u

/* Contract in sketch.h. */
bool bki_sketch_map_init(bk_sketch_map *map, double accuracy)
{
    if (!(accuracy > 0.0 && accuracy < 0.5))
        return false;
    map->accuracy = accuracy;
    map->gamma = (1.0 + accuracy) / (1.0 - accuracy);
    map->log_gamma = log(map->gamma);
    map->inv_log_gamma = 1.0 / map->log_gamma;
    return true;
}

/* Bucket index of a magnitude in [MIN_ABS, MAX_ABS]. */
static int32_t index_of(const bk_sketch_map *map, double ax)
{
    return (int32_t)ceil(log(ax) * map->inv_log_gamma);
}

/* Make room for index i in the side's window; false when out of memory. */
static bool side_reserve(bk_sketch_side *s, int32_t i)
{
    if (s->len == 0) {
        if (s->cap == 0) {
            s->c = bki_calloc(8, sizeof *s->c);
            if (!s->c)
                return false;
            s->cap = 8;
        }
        s->lo = i;
        s->len = 1;
        s->c[0] = 0;
        return true;
    }
    int64_t lo = s->lo, hi = (int64_t)s->lo + s->len - 1;
    if (i >= lo && i <= hi)
        return true;
    int64_t new_lo = i < lo ? i : lo, new_hi = i > hi ? i : hi;
    uint32_t need = (uint32_t)(new_hi - new_lo + 1);
    if (need > s->cap) {
        /* an eighth of slack: windows settle early, so doubling would mostly waste memory */
        uint32_t cap = need + need / 8 + 4;
        uint32_t *c = bki_realloc(s->c, (size_t)cap * sizeof *c);
        if (!c)
            return false;
        s->c = c;
        s->cap = cap;
    }
    if (new_lo < lo) { /* slide the counts up to make room below */
        uint32_t shift = (uint32_t)(lo - new_lo);
        memmove(s->c + shift, s->c, (size_t)s->len * sizeof *s->c);
        memset(s->c, 0, (size_t)shift * sizeof *s->c);
        s->lo = (int32_t)new_lo;
        s->len += shift;
    }
    if (need > s->len) {
        memset(s->c + s->len, 0, (size_t)(need - s->len) * sizeof *s->c);
        s->len = need;
    }
    return true;
}

/* Add `count` occurrences of x to the exact list, dropping the list when it would hold more than
 * BK_SKETCH_EXACT_MAX values; false when out of memory (the list is then unchanged). */
static bool exact_add(bk_sketch *s, double x, uint32_t count)
{
    if (s->overflow)
        return true;
    uint32_t lo = 0, hi = s->nx;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (s->x[mid].v < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->nx && s->x[lo].v == x) {
        s->x[lo].c += count;
        return true;
    }
    if (s->nx == BK_SKETCH_EXACT_MAX) {
        bki_free(s->x);
        s->x = NULL;
        s->nx = s->capx = 0;
        s->overflow = true;
        return true;
    }
    if (s->nx == s->capx) {
        uint32_t cap = s->capx ? 2 * s->capx : 2;
        if (cap > BK_SKETCH_EXACT_MAX)
            cap = BK_SKETCH_EXACT_MAX;
        bk_sketch_value *nx = bki_realloc(s->x, (size_t)cap * sizeof *nx);
        if (!nx)
            return false;
        s->x = nx;
        s->capx = cap;
    }
    memmove(s->x + lo + 1, s->x + lo, (size_t)(s->nx - lo) * sizeof *s->x);
    s->x[lo].v = x;
    s->x[lo].c = count;
    s->nx++;
    return true;
}

/* Contract in sketch.h. Three passes over the values: the exact list and the bucket indices,
 * one reservation per side for the indices' range, then the counts. The counts' increments
 * depend on nothing but the indices, so their cache misses (a side's window spans hundreds of
 * buckets) overlap instead of following one another. */
bool bki_sketch_add_n(bk_sketch *s, const bk_sketch_map *map, const double *x, size_t n)
{
    enum { CHUNK = 64 };
    int32_t idx[CHUNK];
    bk_sketch_side *side[CHUNK];
    while (n > 0) {
        size_t m = n < CHUNK ? n : CHUNK, k = 0;
        int32_t lo[2] = {INT32_MAX, INT32_MAX}, hi[2] = {INT32_MIN, INT32_MIN};
        for (size_t j = 0; j < m; j++) {
            double xe = x[j] == x[j] ? x[j] + 0.0 : 0.0; /* NaN as 0, -0 as 0 */
            if (!s->overflow && !exact_add(s, xe, 1))
                return false;
            /* not a whole number (xe != floor(xe)) without a call: below 2^52 a double is
             * whole exactly when truncating it changes nothing; from 2^52 on (and at
             * infinity) it is whole */
            if (fabs(xe) < 0x1p52 && xe != (double)(int64_t)xe)
                s->nonint = true;
            double ax = fabs(x[j]);
            if (!(ax >= BK_SKETCH_MIN_ABS)) { /* also NaN */
                s->zero++;
                continue;
            }
            if (ax > BK_SKETCH_MAX_ABS)
                ax = BK_SKETCH_MAX_ABS;
            int neg = !(x[j] > 0);
            int32_t i = index_of(map, ax);
            side[k] = neg ? &s->neg : &s->pos;
            idx[k++] = i;
            lo[neg] = i < lo[neg] ? i : lo[neg];
            hi[neg] = i > hi[neg] ? i : hi[neg];
        }
        for (int g = 0; g < 2; g++) {
            bk_sketch_side *sd = g ? &s->neg : &s->pos;
            if (lo[g] <= hi[g] && (!side_reserve(sd, lo[g]) || !side_reserve(sd, hi[g])))
                return false;
        }
        for (size_t j = 0; j < k; j++)
            side[j]->c[idx[j] - side[j]->lo]++;
        x += m;
        n -= m;
    }
    return true;
}

/* Contract in sketch.h. */
bool bki_sketch_add(bk_sketch *s, const bk_sketch_map *map, double x)
{
    return bki_sketch_add_n(s, map, &x, 1);
}

/* Add src's counts into dst's window. */
static bool side_merge(bk_sketch_side *dst, const bk_sketch_side *src)
{
    uint32_t a = 0, b = src->len; /* skip empty ends so dst does not grow for nothing */
    while (a < b && src->c[a] == 0)
        a++;
    while (b > a && src->c[b - 1] == 0)
        b--;
    if (a == b)
        return true;
    if (!side_reserve(dst, src->lo + (int32_t)a) || !side_reserve(dst, src->lo + (int32_t)b - 1))
        return false;
    for (uint32_t k = a; k < b; k++)
        dst->c[src->lo + (int32_t)k - dst->lo] += src->c[k];
    return true;
}

/* Contract in sketch.h. */
bool bki_sketch_merge(bk_sketch *dst, const bk_sketch *src)
{
    if (!side_merge(&dst->pos, &src->pos) || !side_merge(&dst->neg, &src->neg))
        return false;
    dst->zero += src->zero;
    dst->nonint = dst->nonint || src->nonint;
    if (src->overflow && !dst->overflow) {
        bki_free(dst->x);
        dst->x = NULL;
        dst->nx = dst->capx = 0;
        dst->overflow = true;
    }
    for (uint32_t k = 0; k < src->nx && !dst->overflow; k++)
        if (!exact_add(dst, src->x[k].v, src->x[k].c))
            return false;
    return true;
}

static uint64_t side_count(const bk_sketch_side *s)
{
    uint64_t n = 0;
    for (uint32_t k = 0; k < s->len; k++)
        n += s->c[k];
    return n;
}

/* Contract in sketch.h. */
uint64_t bki_sketch_count(const bk_sketch *s)
{
    return side_count(&s->pos) + side_count(&s->neg) + s->zero;
}

/* The representative value of bucket i: the middle of (gamma^(i-1), gamma^i] in relative
 * terms, so that the relative error is at most a on either side. */
static double bucket_value(const bk_sketch_map *map, int32_t i)
{
    return 2.0 * exp((double)i * map->log_gamma) / (map->gamma + 1.0);
}

/* Contract in sketch.h. Ranks run from the most negative value up: the negative side from its
 * largest magnitude down, then zero, then the positive side upward. */
double bki_sketch_quantile(const bk_sketch *s, const bk_sketch_map *map, double q)
{
    uint64_t n = bki_sketch_count(s);
    if (n == 0)
        return 0.0;
    if (q < 0.0)
        q = 0.0;
    if (q > 1.0)
        q = 1.0;
    uint64_t rank = (uint64_t)floor(q * (double)(n - 1));
    uint64_t seen = 0;
    if (!s->overflow) {
        for (uint32_t k = 0; k < s->nx; k++) {
            seen += s->x[k].c;
            if (seen > rank)
                return s->x[k].v;
        }
        return 0.0; /* unreachable: the counts add up to n */
    }
    double v = 0.0;
    for (uint32_t k = s->neg.len; k-- > 0;) {
        seen += s->neg.c[k];
        if (seen > rank) {
            v = -bucket_value(map, s->neg.lo + (int32_t)k);
            goto found;
        }
    }
    seen += s->zero;
    if (seen > rank)
        return 0.0;
    for (uint32_t k = 0; k < s->pos.len; k++) {
        seen += s->pos.c[k];
        if (seen > rank) {
            v = bucket_value(map, s->pos.lo + (int32_t)k);
            goto found;
        }
    }
    return 0.0; /* unreachable: the counts add up to n */
found:
    return s->nonint ? v : round(v);
}

/* Contract in sketch.h. */
bool bki_sketch_exact_mean(const bk_sketch *s, double *mean)
{
    if (s->overflow || s->nx == 0)
        return false;
    if (s->nx == 1) {
        *mean = s->x[0].v;
        return true;
    }
    long double sum = 0.0L, n = 0.0L;
    for (uint32_t k = 0; k < s->nx; k++) {
        sum += (long double)s->x[k].v * s->x[k].c;
        n += s->x[k].c;
    }
    *mean = (double)(sum / n);
    return true;
}

/* Contract in sketch.h. */
void bki_sketch_clear(bk_sketch *s)
{
    s->pos.len = 0;
    s->neg.len = 0;
    s->zero = 0;
    s->nx = 0;
    s->overflow = false;
    s->nonint = false;
}

/* Contract in sketch.h. */
void bki_sketch_release(bk_sketch *s)
{
    bki_free(s->pos.c);
    bki_free(s->neg.c);
    bki_free(s->x);
    memset(s, 0, sizeof *s);
}

/* The occupied range only: equal contents give equal bytes whatever the window's history. */
static void side_write(const bk_sketch_side *s, bk_bytes *out)
{
    uint32_t a = 0, b = s->len;
    while (a < b && s->c[a] == 0)
        a++;
    while (b > a && s->c[b - 1] == 0)
        b--;
    bki_bytes_u32(out, b - a);
    if (a == b)
        return;
    bki_bytes_i64(out, (int64_t)s->lo + a);
    for (uint32_t k = a; k < b; k++)
        bki_bytes_u32(out, s->c[k]);
}

/* Contract in sketch.h. */
void bki_sketch_write(const bk_sketch *s, bk_bytes *out)
{
    bki_bytes_u32(out, s->zero);
    side_write(&s->pos, out);
    side_write(&s->neg, out);
    bki_bytes_u32(out, (s->overflow ? 1u : 0u) | (s->nonint ? 2u : 0u));
    bki_bytes_u32(out, s->nx);
    for (uint32_t k = 0; k < s->nx; k++) {
        bki_bytes_f64(out, s->x[k].v);
        bki_bytes_u32(out, s->x[k].c);
    }
}

static bool side_read(bk_sketch_side *s, bk_reader *in)
{
    uint32_t len = bki_reader_u32(in);
    if (in->failed || len > MAX_SIDE_LEN)
        return false;
    if (len == 0)
        return true;
    int64_t lo = bki_reader_i64(in);
    if (in->failed || lo < -(int64_t)MAX_SIDE_LEN || lo > (int64_t)MAX_SIDE_LEN)
        return false;
    s->c = bki_malloc((size_t)len * sizeof *s->c);
    if (!s->c)
        return false;
    s->cap = s->len = len;
    s->lo = (int32_t)lo;
    for (uint32_t k = 0; k < len; k++)
        s->c[k] = bki_reader_u32(in);
    return !in->failed;
}

/* Contract in sketch.h. */
bool bki_sketch_read(bk_sketch *s, bk_reader *in)
{
    memset(s, 0, sizeof *s);
    s->zero = bki_reader_u32(in);
    bool ok = !in->failed && side_read(&s->pos, in) && side_read(&s->neg, in);
    uint32_t flags = ok ? bki_reader_u32(in) : 0, nx = ok ? bki_reader_u32(in) : 0;
    ok = ok && !in->failed && flags <= 3u && nx <= BK_SKETCH_EXACT_MAX
         && (nx == 0 || !(flags & 1u));
    s->overflow = flags & 1u;
    s->nonint = flags & 2u;
    if (ok && nx > 0) {
        s->x = bki_malloc((size_t)nx * sizeof *s->x);
        ok = s->x != NULL;
        s->capx = ok ? nx : 0;
    }
    uint64_t total = 0;
    for (uint32_t k = 0; ok && k < nx; k++) {
        s->x[k].v = bki_reader_f64(in);
        s->x[k].c = bki_reader_u32(in);
        /* ascending, distinct, counted, and as bki_sketch_add stores them */
        ok = !in->failed && s->x[k].c > 0 && s->x[k].v == s->x[k].v
             && (k == 0 || s->x[k].v > s->x[k - 1].v);
        total += s->x[k].c;
        s->nx = k + 1;
    }
    /* the list, unless dropped, accounts for every value */
    ok = ok && (s->overflow || total == bki_sketch_count(s));
    if (!ok) {
        bki_sketch_release(s);
        in->failed = true;
        return false;
    }
    return true;
}
