/* blockade/ensemble.h: many replications of a scenario, summarized by exact, mergeable
 * statistics; paired comparisons of policies; the policy files they use.
 *
 * Replication r of an ensemble with seed s is the run bk_sim_run gives with cfg.seed = s and
 * cfg.replication = r; an ensemble of N is replications 0..N-1. Every statistic is computed so
 * that the result does not depend on how the work was split: integer counts, sums in fixed
 * point (2^-24 of the unit), log-bucket quantile sketches of relative accuracy a that keep up to
 * 32 distinct values exactly (daily bands), and every replication's whole-run values, kept by
 * replication number (exact quantiles of totals and windows, replications.csv). An ensemble
 * therefore gives the same bytes with any number of threads, shards or MPI ranks, and after an
 * interruption and --resume. See docs/ensemble.md.
 *
 * Replications are grouped into blocks (the unit of work, of checkpointing and of shards): block
 * b holds replications b*B .. b*B+B-1, with B = clamp(ceil(N / 256), 1, 64) (a function of N
 * alone), and shard i of n owns the blocks with b mod n = i.
 *
 * An ensemble handle is used by one thread at a time; bk_ensemble_run starts its own worker
 * threads and returns when they have all finished.
 */
#ifndef BLOCKADE_ENSEMBLE_H
#define BLOCKADE_ENSEMBLE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "blockade/scenario.h"
#include "blockade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest number of replications of an ensemble or comparison. */
#define BK_ENSEMBLE_MAX_REPLICATIONS 4294967295ULL

/* Default relative accuracy of every quantile. */
#define BK_ENSEMBLE_ACCURACY 0.01

typedef struct bk_ensemble bk_ensemble;

/* Called from the thread that called bk_ensemble_run, about ten times a second: replications
 * finished so far (including earlier sessions of a resumed ensemble) out of the shard's total. */
typedef void (*bk_ensemble_progress_fn)(void *ud, uint64_t done, uint64_t total);

/* Called from the thread that called bk_ensemble_run every checkpoint_seconds and once more when
 * the run is interrupted, with the workers paused between blocks: the state passed holds every
 * completed block and may be written with bk_ensemble_write_state. A status other than BK_OK
 * stops the run with that status. */
typedef bk_status (*bk_ensemble_checkpoint_fn)(void *ud, const bk_ensemble *ens);

typedef struct bk_ensemble_config {
    uint64_t seed;                 /* default: the scenario's */
    uint64_t replications;         /* N, 1 .. BK_ENSEMBLE_MAX_REPLICATIONS; default 100 */
    int days;                      /* horizon; 0 keeps the scenario's */
    int threads;                   /* worker threads; 0 = every online processor */
    double accuracy;               /* relative accuracy of the quantiles, (0, 0.5); 0.01 */
    uint32_t shard_index;          /* run only the blocks of shard index/count; 0/1 = all */
    uint32_t shard_count;
    bool check_invariants;         /* as bk_run_config; default true */
    const char *scenario_file;     /* recorded in the state and the manifest; may be NULL */
    /* borrowed, may be NULL: when *cancel becomes non-zero, replications stop at their next
     * day boundary, unfinished blocks are discarded, and bk_ensemble_run returns
     * BK_ERR_INTERRUPTED after a last checkpoint */
    const volatile sig_atomic_t *cancel;
    double checkpoint_seconds;     /* 0: no periodic checkpoints */
    bk_ensemble_checkpoint_fn checkpoint;
    void *checkpoint_ud;
    bk_ensemble_progress_fn progress;
    void *progress_ud;
    /* per-period totals of replications.csv: calendar months (default) or ISO weeks */
    int period;                    /* BK_ENSEMBLE_PERIOD_MONTH or BK_ENSEMBLE_PERIOD_WEEK */
    /* user windows "YYYY-MM-DD..YYYY-MM-DD" (first and last day included), borrowed for the
     * call to bk_ensemble_new only; each adds the main series' totals and peaks over its days
     * to summary.json and replications.csv. At most BK_ENSEMBLE_MAX_WINDOWS. */
    const char *const *windows;
    int n_windows;
    /* a posterior-predictive ensemble (docs/ensemble.md): when n_draws > 0, replication r runs
     * draws[r mod n_draws] (scenarios of a calibrated posterior over `sc`, e.g. from
     * bk_calib_apply; the same pointer may repeat) instead of `sc`, with the same streams.
     * Borrowed: they must outlive the handle. The draws must keep the scenario's start date and
     * products; their hashes, in order, are part of the ensemble's identity. */
    const bk_scenario *const *draws;
    uint32_t n_draws;
    /* with draws, optionally: draw_seeds[i] is the seed of draw i's accepted simulation in the
     * calibration (bk_abc_seeds, the posterior.csv's seed column). Replication r then runs
     * draws[r mod n_draws] as replication 0 of seed draw_seeds[r mod n_draws]: the calibration's
     * accepted run, continued (docs/calibration.md). The seeds join the draws' identity.
     * Borrowed, [n_draws]; NULL: the ensemble's own streams. */
    const uint64_t *draw_seeds;
} bk_ensemble_config;

#define BK_ENSEMBLE_PERIOD_MONTH 0
#define BK_ENSEMBLE_PERIOD_WEEK 1
#define BK_ENSEMBLE_MAX_WINDOWS 64

/* Fill the defaults above (seed, days from the scenario; sc may be NULL: seed 0). */
void bk_ensemble_config_init(bk_ensemble_config *cfg, const bk_scenario *sc);

/* A new, empty ensemble of `sc` (borrowed: it must outlive the handle). On success *out owns
 * it (free with bk_ensemble_free). BK_ERR_USAGE for a bad configuration (message in err; a bad
 * window is named with what is wrong: not a date, ends before it starts, outside the horizon,
 * given twice), BK_ERR_NOMEM. */
bk_status bk_ensemble_new(const bk_scenario *sc, const bk_ensemble_config *cfg,
                          bk_ensemble **out, bk_error *err);

/* Run every block of the shard not yet done, on cfg.threads threads. BK_OK when the shard is
 * complete; BK_ERR_INTERRUPTED when cfg.cancel was set (completed blocks are kept); the first
 * replication's failure otherwise (BK_ERR_INVARIANT, BK_ERR_NOMEM, ...), with the replication
 * number in the message. Needs a handle from bk_ensemble_new (BK_ERR_USAGE otherwise). */
bk_status bk_ensemble_run(bk_ensemble *ens, bk_error *err);

/* Free the handle. NULL is harmless. */
void bk_ensemble_free(bk_ensemble *ens);

/* The ensemble's state (identity, completed blocks and statistics) in the binary format of
 * docs/ensemble.md, to the caller's stream. Equal states give equal bytes. BK_ERR_IO,
 * BK_ERR_NOMEM. */
bk_status bk_ensemble_write_state(const bk_ensemble *ens, FILE *out);

/* Largest state file read, in bytes. */
#define BK_ENSEMBLE_STATE_MAX_BYTES (2048ull * 1024ull * 1024ull)

/* Read a state written by bk_ensemble_write_state (`name` is for messages). The result can be
 * merged, written out and queried, but not run. A stream that does not start with the state
 * file's magic is refused after its first 8 bytes, and one longer than
 * BK_ENSEMBLE_STATE_MAX_BYTES as soon as it passes the limit, so a device or a pipe cannot make
 * the reader grow without bound. On failure *out is NULL: BK_ERR_IO (cannot read),
 * BK_ERR_SCHEMA (not a state file, damaged or truncated), BK_ERR_TOO_LARGE, BK_ERR_NOMEM. */
bk_status bk_ensemble_read_state(FILE *in, const char *name, bk_ensemble **out, bk_error *err);

/* Continue from a checkpoint: load the completed blocks of `state` (from bk_ensemble_read_state)
 * into `ens`, a fresh handle from bk_ensemble_new. BK_ERR_USAGE, with the difference in the
 * message, unless both describe the same ensemble (scenario hash, posterior draws, seed, N,
 * days, accuracy, shard) and `ens` is still empty. */
bk_status bk_ensemble_resume(bk_ensemble *ens, const bk_ensemble *state, bk_error *err);

/* Add the statistics and completed blocks of `src` to `dst`. Both must describe the same
 * ensemble (shards of one command); BK_ERR_USAGE with the difference in the message otherwise,
 * or when a block is in both. */
bk_status bk_ensemble_merge(bk_ensemble *dst, const bk_ensemble *src, bk_error *err);

/* What an ensemble is and how far it got. Strings are borrowed from the handle. */
typedef struct bk_ensemble_info {
    const char *scenario_name;
    const char *scenario_sha256;
    const char *scenario_file;    /* as given when it was created, or NULL */
    uint64_t seed;
    uint64_t replications;        /* N */
    int days;
    double accuracy;
    uint32_t n_draws;             /* posterior draws the replications cycle through, 0 = none */
    const char *draws_sha256;     /* SHA-256 of the draws' scenario hashes in order, or NULL */
    uint32_t shard_index, shard_count;
    uint64_t blocks;              /* of the whole ensemble */
    uint64_t blocks_done;
    uint64_t shard_blocks;        /* blocks owned by the shard */
    uint64_t shard_blocks_done;
    uint64_t replications_done;   /* folded into the statistics */
    bool complete;                /* every block of the whole ensemble is done */
} bk_ensemble_info;

/* Cannot fail. */
void bk_ensemble_get_info(const bk_ensemble *ens, bk_ensemble_info *out);

/* The scenario text the ensemble ran, borrowed. */
const char *bk_ensemble_scenario_text(const bk_ensemble *ens, size_t *len);

/* One statistic of a whole-run metric (a field of bk_run_totals, see docs/ensemble.md): mean
 * and quantiles q05, q25, q50, q75, q95, exact (values of replications added: rank
 * floor(q (n - 1))). BK_ERR_USAGE for an unknown name, BK_ERR_NOMEM. */
typedef struct bk_ensemble_stat {
    double mean;
    double q[5];
} bk_ensemble_stat;
bk_status bk_ensemble_total_stat(const bk_ensemble *ens, const char *name, bk_ensemble_stat *out);

/* Probability that the event of `curve` ("stockout_any", "stockout_<product>", "priority_cut",
 * "schools_closed", "first_attack") happened on or before day `day` (0-based). -1 for an unknown
 * curve. */
double bk_ensemble_curve(const bk_ensemble *ens, const char *curve, int day);

/* Outputs (docs/ensemble.md): each writes to the caller's stream; BK_ERR_IO on a write error.
 *  bands:    bands.csv, mean and quantiles of every daily column on every day;
 *  curves:   curves.csv, probability curves by day;
 *  summary:  summary.json, every whole-run metric's distribution (exact quantiles, from the
 *            per-replication values), the windows' totals and peaks, the curves at a few days;
 *  report:   the same in plain words, for people;
 *  manifest: manifest.json (what was run; no time, no host), listing `files` (n_files names). */
bk_status bk_ensemble_write_bands_csv(const bk_ensemble *ens, FILE *out);
bk_status bk_ensemble_write_curves_csv(const bk_ensemble *ens, FILE *out);
bk_status bk_ensemble_write_summary_json(const bk_ensemble *ens, FILE *out);
bk_status bk_ensemble_write_report(const bk_ensemble *ens, FILE *out);
bk_status bk_ensemble_write_manifest_json(const bk_ensemble *ens, const char *const *files,
                                          int n_files, FILE *out);
/* replications.csv: one row per replication added, by replication number, with its seed, every
 * whole-run metric, the main series' per-period totals and each window's totals and peaks. */
bk_status bk_ensemble_write_replications_csv(const bk_ensemble *ens, FILE *out);

/* ---- MPI ---------------------------------------------------------------------------------
 * With a library built with Open MPI (BK_HAVE_MPI at configure time), an ensemble can run under
 * mpirun: every rank creates the same ensemble with shard_index = rank, shard_count = size,
 * runs it, and bk_ensemble_mpi_reduce gathers the states on rank 0. Without MPI these return
 * BK_ERR_USAGE with "built without MPI". */

/* True when the library was built with MPI. */
bool bk_mpi_available(void);

/* True when the process seems to have been started by mpirun (Open MPI or PMIx environment). */
bool bk_mpi_launched(void);

/* MPI_Init (with MPI_THREAD_FUNNELED); *rank, *size and *local_size (ranks on this node). */
bk_status bk_mpi_init(int *argc, char ***argv, int *rank, int *size, int *local_size,
                      bk_error *err);

/* Gather every rank's state on rank 0 and merge it there into `ens` (other ranks keep theirs).
 * Collective: every rank must call it. */
bk_status bk_ensemble_mpi_reduce(bk_ensemble *ens, bk_error *err);

/* Combine an exit status over ranks (the largest), so that every rank exits alike.
 * Collective. */
int bk_mpi_agree(int code);

/* MPI_Finalize; harmless when MPI was not initialized. */
void bk_mpi_finalize(void);

/* ---- Policies and comparisons ------------------------------------------------------------- */

/* A policy file: YAML with `name: TEXT` and `set:` a mapping from dotted scenario paths to
 * values, e.g. `policy.convoy.escort_per_convoy: 4` or `corridors.west.escort.units: 12` (a
 * segment that meets a sequence selects the item whose `id` is that segment). */
typedef struct bk_policy bk_policy;

/* Load a policy file. On failure *out is NULL and err names the file (and line): BK_ERR_IO,
 * BK_ERR_SYNTAX (not YAML), BK_ERR_SCHEMA (not name + set), BK_ERR_NOMEM. */
bk_status bk_policy_load_file(const char *path, bk_policy **out, bk_error *err);

/* The same from text in memory (`name` for messages). */
bk_status bk_policy_load_string(const char *text, size_t len, const char *name,
                                bk_policy **out, bk_error *err);

/* The policy's name (its `name:`, else the file name). Borrowed. */
const char *bk_policy_name(const bk_policy *p);

/* One line describing the settings ("escort_per_convoy 4, ..."), borrowed. */
const char *bk_policy_label(const bk_policy *p);

/* Apply the policy to `base`: every setting whose path is a scalar key of the scenario schema
 * (docs/scenario-format.md) is set exactly on a copy (bk_scenario_clone, bk_scenario_set_text);
 * a policy with any other setting (a whole mapping, such as `policy.airlift: {...}`) is applied
 * to the text instead (bk_policy_apply_text). On success *out owns the new scenario, whose hash
 * covers the base text and the values set. Errors name the policy file, the setting's line and
 * its path: BK_ERR_REFERENCE (no such path), BK_ERR_SCHEMA / BK_ERR_VALUE (a bad value, with
 * the bounds), BK_ERR_NOMEM. */
bk_status bk_policy_apply(const bk_policy *p, const bk_scenario *base, bk_scenario **out,
                          bk_error *err);

/* Apply the policy by rewriting the text of `base` and loading the result with every scenario
 * check (comments of the base are lost). *text_out (may be NULL) receives the new text, owned by
 * the caller (free with free()). Same errors as bk_policy_apply. */
bk_status bk_policy_apply_text(const bk_policy *p, const bk_scenario *base, bk_scenario **out,
                               char **text_out, bk_error *err);

/* Whether the policy sets or adds `path` or a mapping or list that holds it: one of its paths
 * equals `path` or is a prefix of it ending before a '.' (paths compared as written). */
bool bk_policy_sets(const bk_policy *p, const char *path);

/* Free. NULL is harmless. */
void bk_policy_free(bk_policy *p);

typedef struct bk_compare bk_compare;

/* Called from the thread that called bk_compare_run about every checkpoint_seconds with the
 * comparison of the replications completed so far (a partial result with the same outputs:
 * bk_compare_get, bk_compare_write_json, ...; borrowed for the call). Returning an error stops
 * the run with it. */
typedef bk_status (*bk_compare_checkpoint_fn)(void *ud, const bk_compare *partial);

typedef struct bk_compare_config {
    uint64_t seed;                 /* default: the base scenario's */
    uint64_t replications;         /* default 100 */
    int days;                      /* 0 keeps each scenario's */
    int threads;                   /* 0 = every online processor */
    bool check_invariants;
    const volatile sig_atomic_t *cancel;
    bk_ensemble_progress_fn progress;   /* replications done under every scenario, of N */
    void *progress_ud;
    double checkpoint_seconds;          /* 0: no partial results */
    bk_compare_checkpoint_fn checkpoint;
    void *checkpoint_ud;
    /* a comparison under a calibrated posterior: when n_draws > 0, draws holds n * n_draws
     * scenarios, draws[k * n_draws + d] being scenario k with posterior draw d (pointers may
     * repeat), and replication r runs draw r mod n_draws under every scenario, with the same
     * streams. Borrowed for the call. */
    const bk_scenario *const *draws;
    uint32_t n_draws;
    /* optionally, the seed of each draw's accepted simulation in the calibration,
     * [n_draws] (as bk_ensemble_config's): replication r then runs draw r mod n_draws under
     * every scenario as replication 0 of that seed, the accepted run continued under each
     * policy. NULL: the comparison's own streams. */
    const uint64_t *draw_seeds;
} bk_compare_config;

void bk_compare_config_init(bk_compare_config *cfg, const bk_scenario *sc);

/* Run replications 0..N-1 under each of the n >= 2 scenarios (the base with each policy
 * applied), with the same seed and replication numbers (common random numbers), and accumulate
 * the paired differences of every whole-run metric of scenario k against scenario 0. The
 * scenarios and names are borrowed for the call. On success *out owns the result (free with
 * bk_compare_free). BK_ERR_INTERRUPTED, BK_ERR_USAGE, or a replication's failure. */
bk_status bk_compare_run(const bk_scenario *const *scenarios, const char *const *names,
                         const char *const *labels, int n, const bk_compare_config *cfg,
                         bk_compare **out, bk_error *err);

/* Outputs: a table for people; compare.csv; compare.json (docs/ensemble.md). */
bk_status bk_compare_write_table(const bk_compare *cmp, FILE *out);
bk_status bk_compare_write_csv(const bk_compare *cmp, FILE *out);
bk_status bk_compare_write_json(const bk_compare *cmp, FILE *out);

/* The paired difference of metric `name` of scenario k (>= 1) minus scenario 0: mean, standard
 * error and the 95 % confidence interval (Student's t, N - 1 degrees of freedom). BK_ERR_USAGE
 * for an unknown metric or k. */
typedef struct bk_compare_diff {
    double mean_a, mean_b;         /* the two scenarios' means */
    double mean, se, lo, hi;
} bk_compare_diff;
bk_status bk_compare_get(const bk_compare *cmp, int k, const char *name, bk_compare_diff *out);

void bk_compare_free(bk_compare *cmp);

#ifdef __cplusplus
}
#endif
#endif
