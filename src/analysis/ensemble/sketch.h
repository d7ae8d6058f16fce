/* sketch.h (internal): a mergeable quantile sketch with relative accuracy (DDSketch-style).
 *
 * A value x > 0 falls in bucket i = ceil(log(x) / log(gamma)), gamma = (1 + a) / (1 - a), and
 * is represented by 2 gamma^i / (gamma + 1): every quantile the sketch returns is within a
 * relative error `a` of the true value of the same rank. Negative values are kept in a mirrored
 * set of buckets, values with |x| < BK_SKETCH_MIN_ABS in a zero bucket, and |x| is saturated at
 * BK_SKETCH_MAX_ABS, so a sketch never has more than about 2,400 buckets per sign at a = 0.01.
 *
 * Counts are integers, so adding the same values in any order, or merging sketches in any
 * order, gives the same state; bki_sketch_write writes only the occupied range, so equal states
 * serialize to equal bytes. Buckets live in a contiguous window per sign that grows as needed.
 * Not thread-safe: one sketch is used by one thread at a time.
 *
 * Beside the buckets a sketch keeps the distinct values themselves, with their counts, as long as
 * there are at most BK_SKETCH_EXACT_MAX of them: a constant, a 0/1 indicator or a small count is
 * then answered exactly (a value that occurred). Past that limit the list is dropped for good
 * ("overflow"); since the union of the values only grows, whether it overflowed does not depend
 * on the order of adds and merges. The sketch also remembers whether every value was an integer,
 * so that quantiles of counts come out as integers even from the buckets.
 */
#ifndef BK_ANALYSIS_SKETCH_H
#define BK_ANALYSIS_SKETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/ensemble/bytes.h"

#define BK_SKETCH_MIN_ABS 1e-9                /* below this in magnitude: the zero bucket */
#define BK_SKETCH_MAX_ABS 274877906944.0      /* 2^38: larger magnitudes are saturated */

/* The mapping from values to buckets, shared by every sketch of an ensemble. */
typedef struct bk_sketch_map {
    double accuracy;       /* a, in (0, 0.5) */
    double gamma;          /* (1 + a) / (1 - a) */
    double inv_log_gamma;  /* 1 / ln(gamma) */
    double log_gamma;
} bk_sketch_map;

/* One sign's buckets: counts for indices lo .. lo + len - 1 in c[0 .. len); cap >= len. */
typedef struct bk_sketch_side {
    int32_t lo;
    uint32_t len, cap;
    uint32_t *c;
} bk_sketch_side;

#define BK_SKETCH_EXACT_MAX 32                /* distinct values kept exactly */

/* One distinct value and how many times it was added. */
typedef struct bk_sketch_value {
    double v;
    uint32_t c;
} bk_sketch_value;

/* Invariant: zero + the counts of both sides = the number of values added; unless `overflow`,
 * x[0 .. nx) are the distinct values added, ascending (-0 and NaN as 0), whose counts add up to
 * the same number. A zeroed struct is an empty sketch. */
typedef struct bk_sketch {
    bk_sketch_side pos, neg;
    uint32_t zero;
    uint32_t nx, capx;
    bool overflow;       /* more than BK_SKETCH_EXACT_MAX distinct values: x is NULL */
    bool nonint;         /* some value was not an integer */
    bk_sketch_value *x;
} bk_sketch;

/* Fill `map` for relative accuracy a; false when a is not in (0, 0.5). */
bool bki_sketch_map_init(bk_sketch_map *map, double accuracy);

/* Add one value. NaN counts as zero (the model never records one). false when out of memory
 * (the value may then be in the exact list but not in the buckets: the caller discards the
 * sketch). */
bool bki_sketch_add(bk_sketch *s, const bk_sketch_map *map, double x);

/* Add x[0 .. n): the same state as adding them one by one. false when out of memory (part of
 * them may then have been added: the caller discards the sketch). */
bool bki_sketch_add_n(bk_sketch *s, const bk_sketch_map *map, const double *x, size_t n);

/* Add every count of src to dst. false when out of memory (dst may then hold part of src:
 * the caller discards it). */
bool bki_sketch_merge(bk_sketch *dst, const bk_sketch *src);

/* Number of values added. */
uint64_t bki_sketch_count(const bk_sketch *s);

/* The value of rank floor(q (n - 1)) (0-based, ascending): exactly when the sketch still holds
 * its distinct values, else to relative accuracy a, rounded to an integer when every value was
 * one; 0 for an empty sketch. q in [0, 1]. */
double bki_sketch_quantile(const bk_sketch *s, const bk_sketch_map *map, double q);

/* The mean of the values from the exact list (ascending, in long double), so that a constant is
 * its own mean; false (and *mean untouched) when the list was dropped or the sketch is empty. */
bool bki_sketch_exact_mean(const bk_sketch *s, double *mean);

/* Empty the sketch, keeping its memory for reuse. */
void bki_sketch_clear(bk_sketch *s);

/* Free the buckets; the sketch is then empty. */
void bki_sketch_release(bk_sketch *s);

/* Serialize the occupied buckets (see docs/ensemble.md, state files). */
void bki_sketch_write(const bk_sketch *s, bk_bytes *out);

/* Read a sketch written by bki_sketch_write into an empty `s`; false on malformed input or out
 * of memory (s is then released). */
bool bki_sketch_read(bk_sketch *s, bk_reader *in);

#endif
