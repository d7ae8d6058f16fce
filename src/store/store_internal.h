/* store_internal.h: the parts of the run store shared by its files: opening, the schema and the
 * SQLite helpers (store.c), recording runs (store_record.c), text tables safe for a terminal
 * (store_table.c), JSON texts flattened into keyed leaves (store_flat.c), reading, listing and
 * showing runs (store_query.c) and comparing two runs (store_diff.c). Not part of the API. */
#ifndef BK_STORE_INTERNAL_H
#define BK_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "blockade/store.h"
#include "engine/status_internal.h"

/* Invariant: `db` is an open connection whose schema is version STORE_SCHEMA_VERSION. */
struct bk_store {
    sqlite3 *db;
    char *path;      /* as given, for messages */
    bool readonly;   /* opened by bk_store_open_readonly: begin and finish refuse */
};

/* ---- errors and SQLite helpers (store.c) ---------------------------------------------- */

/* Fill err with "store 'PATH': <message>" and return `code`. */
#define rs_fail(path, err, code, ...) bki_fail_about((err), (code), "store", (path), __VA_ARGS__)

/* An SQLite failure: out of memory is BK_ERR_NOMEM, anything else an I/O error. `what` says
 * what was being done. Reads the connection's message, so call it before any rollback. */
bk_status rs_db_fail(const bk_store *st, bk_error *err, int rc, const char *what);

/* Run SQL without parameters or results (pragmas, transaction control, the schema). */
int rs_exec(sqlite3 *db, const char *sql);

/* Ends the transaction the caller began with "BEGIN IMMEDIATE": commits it when `rc` (the
 * result of the work inside it) is SQLITE_OK; otherwise, or when the commit fails, reports
 * the failure as `what` and rolls back. */
bk_status rs_end_transaction(bk_store *st, int rc, const char *what, bk_error *err);

/* Prepares `sql` and binds `id` to its parameter ?1. */
int rs_prepare_id(sqlite3 *db, const char *sql, int64_t id, sqlite3_stmt **s);

/* A copy of a text column; NULL for SQL NULL. Sets *nomem when the copy fails. */
char *rs_column_dup(sqlite3_stmt *s, int col, bool *nomem);

/* ---- text tables (store_table.c) ------------------------------------------------------- */

/* Rows of cells (copied strings), printed with columns padded to their widest cell. */
typedef struct table {
    char **cells;    /* rows * cols, row-major */
    size_t rows, cols, cap;
    bool nomem;      /* a copy failed: the table is incomplete */
} table;

void rs_table_init(table *t, size_t cols);
void rs_table_free(table *t);
/* Appends a row of t->cols cells, made safe to print on a terminal; NULL cells are empty. */
void rs_table_add(table *t, const char *const *row);
/* Prints the table; `right` says which columns are right-aligned (numbers). Trailing blanks
 * are not written. */
void rs_table_print(const table *t, FILE *out, const char *indent, const bool *right);

/* ---- JSON, flattened (store_flat.c) ---------------------------------------------------- */

/* A JSON document as a list of leaves with dotted keys ("totals.delivered_l", "a[2].b"), in
 * document order. Numbers are recognised so that two runs can be compared. */
typedef struct flat_item {
    char *key;
    char *text;      /* the value as written; strings without their quotes */
    bool is_num;
    double num;
} flat_item;

typedef struct flat {
    flat_item *items;
    size_t n, cap;
    bool nomem;
    bool invalid;    /* the text was not JSON: one item with key "" holds it whole */
} flat;

/* Flattens a JSON text (NULL: no items). Text that does not parse becomes one item holding it
 * whole (a store written by hand or by another tool is shown, not refused). Sets f->nomem on
 * failure. */
void rs_flatten_json(const char *json, flat *f);
void rs_flat_free(flat *f);

/* ---- runs as stored (store_query.c) ---------------------------------------------------- */

/* One run as stored, every text owned (NULL where the column is NULL). */
typedef struct run_rec {
    int64_t id;
    char *kind, *status, *start, *end, *name, *sha, *seed, *version, *command, *params, *out_dir,
        *summary;
    long long replications, days;
    double seconds;   /* duration; negative while running */
} run_rec;

/* A run's numbers as text, for the tables. */
typedef struct run_numbers {
    char id[24];
    char duration[32];   /* "4.2 s", "12 min 05 s"; "-" while running */
    char replications[24];
    char days[24];
} run_numbers;

void rs_run_free(run_rec *r);
/* Reads run `id`. BK_ERR_USAGE when there is no such run. */
bk_status rs_fetch_run(bk_store *st, int64_t id, run_rec *r, bk_error *err);
/* The status as a reader should understand it ("running or killed", ...). */
const char *rs_status_words(const run_rec *r);
void rs_run_numbers(const run_rec *r, run_numbers *n);

/* The end of a report: out of memory when `nomem`, an I/O error when writing `out` failed. */
bk_status rs_finish_output(const bk_store *st, FILE *out, bool nomem, bk_error *err);

#endif
