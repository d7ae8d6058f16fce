/* blockade/store.h: the run store, an SQLite database recording every run, ensemble and
 * comparison: what was run (scenario text and hash, parameters, seed, version, command line),
 * when, how it ended, and its summary metrics.
 *
 * A store handle is used by one thread at a time. Every write is one SQLite transaction, so a
 * killed process leaves the database consistent: a run it was recording stays "running" (shown
 * as "running or killed" by the tool), and bk_store_finish marks a run done, failed or
 * interrupted.
 */
#ifndef BLOCKADE_STORE_H
#define BLOCKADE_STORE_H

#include <stdint.h>
#include <stdio.h>

#include "blockade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bk_store bk_store;

/* Open (creating if needed, with its schema) the store at `path`. On success *out owns the
 * handle (close with bk_store_close); on failure *out is NULL and err says why, naming the file:
 * "store 'x.sqlite': not a blockade run store (user_version 7)". Only a missing or empty file
 * gets the schema; any other file (not SQLite, another application's database, a store of a
 * newer schema) is refused untouched. Errors: BK_ERR_IO (cannot open or create; not a blockade
 * store; locked by another process past the 5 s busy timeout), BK_ERR_NOMEM, BK_ERR_USAGE
 * (NULL or empty path). See docs/store.md for the schema. */
bk_status bk_store_open(const char *path, bk_store **out, bk_error *err);

/* Open an existing store for reading only (bk_store_list, _show, _diff): nothing is created
 * and nothing is written, so a missing file stays missing and a foreign file is left as it was.
 * bk_store_begin and bk_store_finish on such a handle fail with BK_ERR_USAGE. Errors: BK_ERR_IO
 * (no file at `path`; cannot open; not a blockade store), BK_ERR_NOMEM. */
bk_status bk_store_open_readonly(const char *path, bk_store **out, bk_error *err);

/* Close the handle. NULL is harmless. */
void bk_store_close(bk_store *st);

/* What a run is, as recorded when it starts. Strings are borrowed for the call and copied. */
typedef struct bk_store_run_info {
    const char *kind;            /* "run", "ensemble", "compare" */
    const char *scenario_name;
    const char *scenario_sha256; /* 64 hex digits */
    const char *scenario_text;   /* the whole scenario, stored once per distinct hash */
    size_t scenario_len;
    uint64_t seed;
    long replications;           /* 1 for a single run; 0 for an analysis that simulates nothing */
    int days;
    const char *version;         /* bk_version() */
    const char *command;         /* the command line, one string */
    const char *params_json;     /* other parameters as a JSON object, or NULL */
    const char *out_dir;         /* where the outputs are, or NULL */
} bk_store_run_info;

/* Record the start of a run (status "running", start time now in UTC) in one transaction;
 * *id receives its id. The scenario text is stored once per distinct hash. BK_ERR_USAGE for a
 * read-only handle or a malformed info (no kind, a hash that is not 64 lower-case hex digits,
 * replications below 0, days below 1); BK_ERR_IO or BK_ERR_NOMEM when the database fails. */
bk_status bk_store_begin(bk_store *st, const bk_store_run_info *info, int64_t *id,
                         bk_error *err);

/* Record the end of run `id`, in one transaction: status "done", "failed" or "interrupted", the
 * end time, and the summary (a JSON text, copied, may be NULL). BK_ERR_USAGE for an unknown id,
 * a run that has already ended, another status or a read-only handle. */
bk_status bk_store_finish(bk_store *st, int64_t id, const char *status, const char *summary_json,
                          bk_error *err);

/* The output directory recorded for run `id`: *out_dir receives a new string (free with free())
 * or NULL when the run recorded none. BK_ERR_USAGE for an unknown id, BK_ERR_IO on a database
 * error, BK_ERR_NOMEM. */
bk_status bk_store_out_dir(bk_store *st, int64_t id, char **out_dir, bk_error *err);

/* Write to the caller's stream (nothing else is printed): a table of runs (newest first, at
 * most `limit`, 0 = all); one run in full (parameters, scenario hash, summary, one value per
 * line with nested JSON keys joined by dots); or the differences between two runs (scenario,
 * parameters, every numeric summary metric side by side with its absolute and relative
 * change). A run still "running" is shown as "running or killed". BK_ERR_USAGE for an unknown
 * id, BK_ERR_IO on a failed write or database error, BK_ERR_NOMEM. */
bk_status bk_store_list(bk_store *st, long limit, FILE *out, bk_error *err);
bk_status bk_store_show(bk_store *st, int64_t id, FILE *out, bk_error *err);
bk_status bk_store_diff(bk_store *st, int64_t a, int64_t b, FILE *out, bk_error *err);

/* The runs (newest first, at most `limit`, 0 = all) as a JSON array for programs: one object
 * per run with id, kind, status ("running" as stored), start_utc, end_utc (null while
 * running), scenario_name, scenario_sha256, seed (decimal text), command, has_outputs ("yes"
 * or "no"), replications, days, seconds (negative while running) and params (the recorded
 * JSON object, or null). Same errors as bk_store_list. */
bk_status bk_store_list_json(bk_store *st, long limit, FILE *out, bk_error *err);

#ifdef __cplusplus
}
#endif
#endif
