/* fixed.h (internal): exact, order-independent sums for the ensemble statistics.
 *
 * A value x is scaled by 2^24 and rounded to the nearest integer (ties away from zero): a
 * resolution of 2^-24 (about 6e-8) of the value's unit. |x| is saturated at 2^38 (about
 * 2.7e11), so a scaled value fits in 63 bits; sums are kept in 128-bit integers (a GCC and
 * Clang extension), room for 2^64 such values. Sums of squares of scaled values (up to 2^124
 * each) are kept in 192 bits. Integer addition is associative, so a sum does not depend on the
 * order of its terms: that is what makes results identical with any number of threads,
 * processes or shards.
 */
#ifndef BK_ANALYSIS_FIXED_H
#define BK_ANALYSIS_FIXED_H

#include <math.h>
#include <stdint.h>

#include "analysis/ensemble/bytes.h"

#define BK_FIX_SCALE 16777216.0     /* 2^24 */
#define BK_FIX_MAX_ABS 274877906944.0 /* 2^38 */

__extension__ typedef __int128 bk_i128;
__extension__ typedef unsigned __int128 bk_u128;

/* A sum of squares: w[0] the least significant 64 bits. */
typedef struct bk_u192 {
    uint64_t w[3];
} bk_u192;

/* x in fixed point; NaN is 0. */
static inline int64_t bki_fix(double x)
{
    if (!(x == x))
        return 0;
    if (x > BK_FIX_MAX_ABS)
        x = BK_FIX_MAX_ABS;
    if (x < -BK_FIX_MAX_ABS)
        x = -BK_FIX_MAX_ABS;
    return (int64_t)llround(x * BK_FIX_SCALE);
}

/* sum / n in the value's unit; 0 when n is 0. The division is done once, in long double, from
 * exact integers, so the result is the same wherever the terms were added. */
static inline double bki_fix_mean(bk_i128 sum, uint64_t n)
{
    if (n == 0)
        return 0.0;
    return (double)((long double)sum / (long double)n / (long double)BK_FIX_SCALE);
}

/* acc += v * v. */
static inline void bki_u192_add_square(bk_u192 *acc, int64_t v)
{
    bk_u128 m = (bk_u128)(v < 0 ? -(bk_u128)v : (bk_u128)v);
    bk_u128 sq = m * m;
    uint64_t lo = (uint64_t)sq, hi = (uint64_t)(sq >> 64);
    uint64_t old = acc->w[0];
    acc->w[0] += lo;
    uint64_t carry = acc->w[0] < old;
    old = acc->w[1];
    acc->w[1] += hi;
    uint64_t c2 = acc->w[1] < old;
    old = acc->w[1];
    acc->w[1] += carry;
    c2 += acc->w[1] < old;
    acc->w[2] += c2;
}

/* acc += b. */
static inline void bki_u192_add(bk_u192 *acc, const bk_u192 *b)
{
    bk_u128 s0 = (bk_u128)acc->w[0] + b->w[0];
    bk_u128 s1 = (bk_u128)acc->w[1] + b->w[1] + (uint64_t)(s0 >> 64);
    acc->w[0] = (uint64_t)s0;
    acc->w[1] = (uint64_t)s1;
    acc->w[2] += b->w[2] + (uint64_t)(s1 >> 64);
}

static inline long double bki_u192_ld(const bk_u192 *a)
{
    return (long double)a->w[2] * 0x1p128L + (long double)a->w[1] * 0x1p64L
           + (long double)a->w[0];
}

static inline void bki_bytes_i128(bk_bytes *b, bk_i128 v)
{
    bk_u128 u = (bk_u128)v;
    bki_bytes_u64(b, (uint64_t)u);
    bki_bytes_u64(b, (uint64_t)(u >> 64));
}

static inline bk_i128 bki_reader_i128(bk_reader *r)
{
    uint64_t lo = bki_reader_u64(r), hi = bki_reader_u64(r);
    return (bk_i128)(((bk_u128)hi << 64) | lo);
}

#endif
