/* sketch.c: the log-bucket quantile sketch (see sketch.h and docs/ensemble.md). */
#include "engine/alloc.h"
#include "analysis/sketch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Largest number of buckets one side can need: the index range of [MIN_ABS, MAX_ABS] at the
 * coarsest accuracy accepted is far below this; a state file claiming more is malformed. */
#define MAX_SIDE_LEN 1000000u

/* Contract in sketch.h. */
bool bk_sketch_map_init(bk_sketch_map *map, double accuracy)
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
            s->c = bk_calloc(8, sizeof *s->c);
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
        uint32_t *c = bk_realloc(s->c, (size_t)cap * sizeof *c);
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

/* Contract in sketch.h. */
bool bk_sketch_add(bk_sketch *s, const bk_sketch_map *map, double x)
{
    double ax = fabs(x);
    if (!(ax >= BK_SKETCH_MIN_ABS)) { /* also NaN */
        s->zero++;
        return true;
    }
    if (ax > BK_SKETCH_MAX_ABS)
        ax = BK_SKETCH_MAX_ABS;
    bk_sketch_side *side = x > 0 ? &s->pos : &s->neg;
    int32_t i = index_of(map, ax);
    if (!side_reserve(side, i))
        return false;
    side->c[i - side->lo]++;
    return true;
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
bool bk_sketch_merge(bk_sketch *dst, const bk_sketch *src)
{
    if (!side_merge(&dst->pos, &src->pos) || !side_merge(&dst->neg, &src->neg))
        return false;
    dst->zero += src->zero;
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
uint64_t bk_sketch_count(const bk_sketch *s)
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
double bk_sketch_quantile(const bk_sketch *s, const bk_sketch_map *map, double q)
{
    uint64_t n = bk_sketch_count(s);
    if (n == 0)
        return 0.0;
    if (q < 0.0)
        q = 0.0;
    if (q > 1.0)
        q = 1.0;
    uint64_t rank = (uint64_t)floor(q * (double)(n - 1));
    uint64_t seen = 0;
    for (uint32_t k = s->neg.len; k-- > 0;) {
        seen += s->neg.c[k];
        if (seen > rank)
            return -bucket_value(map, s->neg.lo + (int32_t)k);
    }
    seen += s->zero;
    if (seen > rank)
        return 0.0;
    for (uint32_t k = 0; k < s->pos.len; k++) {
        seen += s->pos.c[k];
        if (seen > rank)
            return bucket_value(map, s->pos.lo + (int32_t)k);
    }
    return 0.0; /* unreachable: the counts add up to n */
}

/* Contract in sketch.h. */
void bk_sketch_clear(bk_sketch *s)
{
    s->pos.len = 0;
    s->neg.len = 0;
    s->zero = 0;
}

/* Contract in sketch.h. */
void bk_sketch_release(bk_sketch *s)
{
    bk_free(s->pos.c);
    bk_free(s->neg.c);
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
    bk_bytes_u32(out, b - a);
    if (a == b)
        return;
    bk_bytes_i64(out, (int64_t)s->lo + a);
    for (uint32_t k = a; k < b; k++)
        bk_bytes_u32(out, s->c[k]);
}

/* Contract in sketch.h. */
void bk_sketch_write(const bk_sketch *s, bk_bytes *out)
{
    bk_bytes_u32(out, s->zero);
    side_write(&s->pos, out);
    side_write(&s->neg, out);
}

static bool side_read(bk_sketch_side *s, bk_reader *in)
{
    uint32_t len = bk_reader_u32(in);
    if (in->failed || len > MAX_SIDE_LEN)
        return false;
    if (len == 0)
        return true;
    int64_t lo = bk_reader_i64(in);
    if (in->failed || lo < -(int64_t)MAX_SIDE_LEN || lo > (int64_t)MAX_SIDE_LEN)
        return false;
    s->c = bk_malloc((size_t)len * sizeof *s->c);
    if (!s->c)
        return false;
    s->cap = s->len = len;
    s->lo = (int32_t)lo;
    for (uint32_t k = 0; k < len; k++)
        s->c[k] = bk_reader_u32(in);
    return !in->failed;
}

/* Contract in sketch.h. */
bool bk_sketch_read(bk_sketch *s, bk_reader *in)
{
    memset(s, 0, sizeof *s);
    s->zero = bk_reader_u32(in);
    if (in->failed || !side_read(&s->pos, in) || !side_read(&s->neg, in)) {
        bk_sketch_release(s);
        in->failed = true;
        return false;
    }
    return true;
}
