/* test_ens_rows.c: the per-replication values of an ensemble at 10^6 replications.
 *
 * A million rows, added in a scrambled order and split in two parts merged either way round:
 * the quantiles are the exact order statistics (a count, a constant), the mean is exact, and the
 * rows come out by replication number whatever the order they were added in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "bk_test_main.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/ensemble/ens.h"

enum { N = 1000000, MOD = 997 };

/* Replication k of the scrambled order: a bijection of 0..N-1 (N and 7919 are coprime). */
static uint64_t scrambled(uint64_t k)
{
    return (k * 7919u + 13u) % N;
}

static void add_rows(bk_ens_rows *r, uint64_t from, uint64_t to)
{
    r->n_vals = 2;
    r->cap = to - from;
    r->rep = malloc((size_t)r->cap * sizeof *r->rep);
    r->val = malloc((size_t)r->cap * 2 * sizeof *r->val);
    assert_non_null(r->rep);
    assert_non_null(r->val);
    for (uint64_t k = from; k < to; k++) {
        uint64_t rep = scrambled(k);
        r->rep[r->n] = rep;
        r->val[r->n * 2] = (double)(rep % MOD); /* a count */
        r->val[r->n * 2 + 1] = 1940.0;           /* the same in every replication */
        r->n++;
    }
}

/* The value of rank i (0-based, ascending) of rep % MOD over rep = 0..N-1. */
static double rank_value(uint64_t i)
{
    /* values 0..N % MOD - 1 occur N / MOD + 1 times, the others N / MOD times */
    uint64_t full = N / MOD, extra = N % MOD, big = extra * (full + 1);
    return i < big ? (double)(i / (full + 1)) : (double)(extra + (i - big) / full);
}

static void test_million(void **state)
{
    (void)state;
    for (int order = 0; order < 2; order++) {
        bk_ens_rows a, b;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        add_rows(&a, 0, N / 3);
        add_rows(&b, N / 3, N);
        bk_ens_rows *dst = order ? &b : &a, *src = order ? &a : &b;
        assert_true(bki_ens_rows_merge(dst, src));
        assert_int_equal(dst->n, N);
        double mean, q[5];
        assert_true(bki_ens_rows_stat(dst, 0, &mean, q));
        for (int k = 0; k < 5; k++) {
            uint64_t rank = (uint64_t)floor(bki_ens_levels[k] * (double)(N - 1));
            if (q[k] != rank_value(rank))
                fail_msg("q%.0f: %.17g, exact %.17g", 100 * bki_ens_levels[k], q[k],
                         rank_value(rank));
        }
        double sum = 0;
        for (uint64_t rep = 0; rep < N; rep++)
            sum += (double)(rep % MOD);
        assert_true(fabs(mean - sum / N) < 1e-9);
        assert_true(bki_ens_rows_stat(dst, 1, &mean, q));
        assert_true(mean == 1940.0);
        for (int k = 0; k < 5; k++)
            assert_true(q[k] == 1940.0);
        uint64_t *o = bki_ens_rows_order(dst);
        assert_non_null(o);
        for (uint64_t i = 0; i < N; i++)
            if (dst->rep[o[i]] != i)
                fail_msg("row %llu is replication %llu", (unsigned long long)i,
                         (unsigned long long)dst->rep[o[i]]);
        free(o);
        bki_ens_rows_release(&a);
        bki_ens_rows_release(&b);
    }
}

BK_TEST_MAIN(test_million)
