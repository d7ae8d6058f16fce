/* ens.h (internal): the ensemble's state, shared by ensemble.c (running, merging, state files),
 * ens_output.c (writers), pool.c users and mpi.c.
 *
 * The statistics (bk_ens_acc) of a set of replications: their number, and per daily cell
 * (column c, day d at c * days + d) and per whole-run metric a fixed-point sum and a quantile
 * sketch; per probability curve a histogram of the day the event first happened (index days =
 * never). Every part is an integer sum, so adding accumulators is exact and order-independent.
 */
#ifndef BK_ANALYSIS_ENS_H
#define BK_ANALYSIS_ENS_H

#include <stdbool.h>
#include <stdint.h>

#include "analysis/ensemble/bytes.h"
#include "analysis/ensemble/fixed.h"
#include "analysis/ensemble/sketch.h"
#include "blockade/ensemble.h"
#include "blockade/sim.h"
#include "engine/status_internal.h"

/* Give replication r of an ensemble or comparison run with `seed` its stream key in rc: (seed, r),
 * or, when the posterior's draws carry the seeds of their accepted runs (draw_seeds, n_draws > 0),
 * the run of draw r mod n_draws continued: (draw_seeds[r mod n_draws], 0). */
static inline void bki_rep_seed(bk_run_config *rc, uint64_t seed, uint64_t r,
                                const uint64_t *draw_seeds, uint32_t n_draws)
{
    if (n_draws > 0 && draw_seeds) {
        rc->seed = draw_seeds[r % n_draws];
        rc->replication = 0;
    } else {
        rc->seed = seed;
        rc->replication = (uint32_t)r;
    }
}

typedef struct bk_ens_acc {
    uint64_t n;          /* replications added */
    int n_cols, days, n_tot, n_curves; /* shape; n_cols 0 until the first run is added */
    bk_i128 *dsum;       /* [n_cols * days] */
    bk_sketch *dsk;      /* [n_cols * days] */
    bk_i128 *tsum;       /* [n_tot] */
    bk_sketch *tsk;      /* [n_tot] */
    uint64_t *curve;     /* [n_curves * (days + 1)] */
} bk_ens_acc;

typedef struct bk_ens_col {
    char *name, *unit;   /* owned */
} bk_ens_col;

/* A block in progress: bit k of mask set when replication block * B + k has been added. */
typedef struct bk_ens_partial {
    uint64_t block;
    uint64_t mask;
} bk_ens_partial;

/* A user window: day indices first .. last, both included. */
typedef struct bk_ens_window {
    int first, last;
} bk_ens_window;

/* A column of replications.csv after the replication number and seed: a whole-run metric
 * (total >= 0), or the sum or peak of a main series (daily column col, or days with schools
 * closed when `closed`) over days a .. b. */
typedef struct bk_ens_rcol {
    char name[160];
    char unit[32];
    int total;           /* index in bki_total_metrics, or -1 */
    int col;
    bool closed, peak;
    int a, b;
    int window;          /* index of the window, -1 for a total or a period */
    int series;          /* index in the main series, -1 for a total */
} bk_ens_rcol;

/* The per-replication values: row k is replication rep[k], values val[k * n_vals ..]. Rows are
 * in the order added (threads, merges); writers order them by replication number, so any split
 * gives the same bytes. Merging is concatenation. */
typedef struct bk_ens_rows {
    uint64_t n, cap;
    int n_vals;
    uint64_t *rep;
    double *val;
} bk_ens_rows;

/* Curves: 0 stock-out of any product, 1..n_products one product each, then priority cut,
 * schools closed, first attack. */
#define BK_ENS_CURVES_FIXED 4

struct bk_ensemble {
    /* identity: what every shard and checkpoint of the same command shares */
    char *scenario_name, *scenario_file, *scenario_text;
    size_t text_len;
    char sha[65];
    uint32_t n_draws;    /* posterior draws, 0 = the scenario alone */
    char draws_sha[65];  /* SHA-256 of the draws' scenario hashes in order; "" without draws */
    int start_y, start_m, start_d;
    int days;
    uint64_t seed, n_reps, n_blocks;
    uint32_t block;
    uint32_t shard_index, shard_count;
    double accuracy;
    bool check;
    int n_products;
    char **products;     /* ids, owned */
    int n_cols;          /* 0 until known */
    bk_ens_col *cols;
    int schools_col;     /* index of "schools_open", -1 if none */

    bk_sketch_map map;
    unsigned char *done; /* bitmap of completed blocks, [ceil(n_blocks / 8)] */
    bk_ens_partial *partial; /* blocks in progress (never a done block), unordered */
    int n_partial, cap_partial;
    bool broken;         /* a run was half added (out of memory): never save or use */
    bk_ens_acc acc;

    /* per-replication values (ens_rows.c): part of the identity, period and windows; the
     * layout once the columns are known */
    int period;          /* BK_ENSEMBLE_PERIOD_* */
    int n_windows;
    bk_ens_window *windows;
    int n_rcols;         /* 0 until the columns are known */
    bk_ens_rcol *rcols;
    bk_ens_rows rows;

    /* only for a handle made by bk_ensemble_new */
    const struct bk_scenario *sc;
    const struct bk_scenario *const *draws; /* [n_draws], borrowed */
    const uint64_t *draw_seeds;             /* [n_draws] or NULL, borrowed */
    bk_ensemble_config cfg;
};

/* Block size for N replications: clamp(ceil(N / 256), 1, 64). */
uint32_t bki_ens_block_size(uint64_t n);

/* Allocate an empty accumulator of the given shape; false when out of memory. */
bool bki_ens_acc_init(bk_ens_acc *a, int n_cols, int days, int n_tot, int n_curves);
/* Zero the counts, keeping the memory. */
void bki_ens_acc_clear(bk_ens_acc *a);
void bki_ens_acc_release(bk_ens_acc *a);
/* dst += src (same shape, or dst without columns yet); false when out of memory. */
bool bki_ens_acc_merge(bk_ens_acc *dst, const bk_ens_acc *src);

/* Runs added together at most: larger n are added in groups of this many. */
#define BK_ENS_ADD_MAX 16

/* Add n runs of the accumulator's shape. The statistics are those of adding the runs one by one
 * in any order. false when out of memory (then part of the runs may have been added: the
 * caller discards the accumulator). */
bool bki_ens_acc_add_runs(bk_ens_acc *a, const bk_ensemble *ens, const bk_run *const *runs,
                          size_t n);

/* Quantile levels of every band and statistic. */
extern const double bki_ens_levels[5];

/* Name of curve k into buf. */
void bki_ens_curve_name(const bk_ensemble *ens, int k, char *buf, size_t size);

/* Date (YYYY-MM-DD) of day d of the ensemble. */
void bki_ens_date(const bk_ensemble *ens, long d, char buf[11]);

/* The worker pool: runs `count` work items on `threads` threads. work(ctx, worker, item)
 * returns a status; on failure the pool stops handing out items. tick(ctx) is called on the
 * calling thread about every 100 ms while workers run (may be NULL); its non-OK status stops
 * the pool too. *stop is raised on any failure or when *cancel is set, and passed to runs. */
typedef struct bk_pool_job {
    void *ctx;
    bk_status (*work)(void *ctx, int worker, uint64_t item, bk_error *err);
    bk_status (*tick)(void *ctx);
    const volatile sig_atomic_t *cancel;
    volatile sig_atomic_t stop;
} bk_pool_job;

/* Returns BK_OK, the first failure (err filled), or BK_ERR_INTERRUPTED. */
bk_status bki_pool_run(bk_pool_job *job, uint64_t count, int threads, bk_error *err);

/* Online processors, at least 1. */
int bki_pool_cpus(void);

/* ---- per-replication values (ens_rows.c) ---- */

/* Parse and check cfg's windows into e->windows (e's days and start date set); BK_ERR_USAGE
 * with the window and the problem in err. */
bk_status bki_ens_windows_parse(bk_ensemble *e, const char *const *text, int n, bk_error *err);
/* The label "YYYY-MM-DD..YYYY-MM-DD" of window w. */
void bki_ens_window_label(const bk_ensemble *e, int w, char buf[32]);
/* Build the columns of replications.csv from the daily columns (known), period and windows;
 * false when out of memory. Empties the rows. */
bool bki_ens_rows_layout(bk_ensemble *e);
/* Add replication rep's values; false when out of memory (nothing added). */
bool bki_ens_rows_add(bk_ensemble *e, uint64_t rep, const bk_run *run);
/* Append src's rows (same layout) to dst's; false when out of memory. */
bool bki_ens_rows_merge(bk_ens_rows *dst, const bk_ens_rows *src);
void bki_ens_rows_release(bk_ens_rows *r);
/* Row indices ordered by replication number, malloc'd (free it); NULL when out of memory or no
 * rows. */
uint64_t *bki_ens_rows_order(const bk_ens_rows *r);
/* Mean and quantiles (bki_ens_levels) of value column v: exact order statistics of rank
 * floor(q (n - 1)); false when out of memory. */
bool bki_ens_rows_stat(const bk_ens_rows *r, int v, double *mean, double q[5]);
/* Rows in the state file (after the statistics), and their reverse (rows empty, layout set). */
void bki_ens_rows_write(const bk_ensemble *e, bk_bytes *b);
bool bki_ens_rows_read(bk_ensemble *e, bk_reader *r);

/* Serialized state, and its reverse for bk_ensemble_read_state and MPI. */
bool bki_ens_serialize(const bk_ensemble *ens, bk_bytes *out);
bk_status bki_ens_deserialize(const unsigned char *p, size_t len, const char *name,
                              bk_ensemble **out, bk_error *err);


/* ---- posterior draws, shared by ensembles and comparisons ---- */

/* The SHA-256 (64 hex digits) of the n draws' scenario hashes in order, each followed by its
 * seed (16 hex digits) when seeds is not NULL; false when out of memory (hex empty). */
bool bki_draws_sha(const struct bk_scenario *const *draws, const uint64_t *seeds, size_t n,
                   char hex[65]);
/* BK_OK when every draw keeps base's start date and products; BK_ERR_USAGE naming the first
 * that does not. */
bk_status bki_draws_check(const struct bk_scenario *base, const struct bk_scenario *const *draws,
                          size_t n, bk_error *err);

/* Longest horizon of an ensemble, in days. */
#define BK_ENS_MAX_DAYS 100000

/* ---- shared by ensemble.c and ens_state.c: blocks of replications ---- */

static inline bool block_done(const bk_ensemble *e, uint64_t b)
{
    return (e->done[b / 8] >> (b % 8)) & 1u;
}

/* The partial entry of block b, or NULL. */
static inline bk_ens_partial *find_partial(bk_ensemble *e, uint64_t b)
{
    for (int i = 0; i < e->n_partial; i++)
        if (e->partial[i].block == b)
            return &e->partial[i];
    return NULL;
}

/* Replications in block b. */
static inline uint32_t block_len(const bk_ensemble *e, uint64_t b)
{
    uint64_t first = b * e->block, end = first + e->block;
    return (uint32_t)((end > e->n_reps ? e->n_reps : end) - first);
}

static inline uint64_t full_mask(uint32_t len)
{
    return len >= 64 ? UINT64_MAX : (UINT64_C(1) << len) - 1;
}

/* Allocate the bitmap and the statistics without columns; false when out of memory. */
bool bki_ens_alloc_common(bk_ensemble *e);

/* Record replication `bit` of block b as added; a block whose replications are all added
 * becomes done. false when out of memory. */
bool bki_ens_mark_rep(bk_ensemble *e, uint64_t b, uint32_t bit);


#endif
