/* store.c: the run store, an SQLite database recording every run (see blockade/store.h and
 * docs/store.md).
 *
 * Every statement is prepared once per call with bound parameters, never built from user text.
 * Every write is one transaction, so a process killed half-way leaves the database as it was
 * before the write. This is the one place in the library that reads the wall clock: when a run
 * happened is a fact about the run, recorded beside its outputs, never inside them.
 */
#include "engine/alloc.h"
#include "blockade/store.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <libfyaml.h>
#include <sqlite3.h>

#include "engine/status_internal.h"
#include "engine/yaml.h"
#include "output/format.h"

/* The schema this code writes and reads, in PRAGMA user_version. A change of schema bumps it,
 * and opening code then migrates older stores or refuses newer ones. */
#define STORE_SCHEMA_VERSION 1
/* PRAGMA application_id: "bkrs" in ASCII, so that `file` and other tools can tell a run store
 * from other SQLite databases. */
#define STORE_APPLICATION_ID 0x626b7273
/* How long a writer waits for another process holding the database (milliseconds). */
#define STORE_BUSY_TIMEOUT_MS 5000
/* Nesting depth accepted in a stored JSON text; the library's own summaries use 4. */
#define JSON_MAX_DEPTH 64
/* Hex digits of a scenario hash shown in tables. */
#define SHORT_HASH 12

/* Invariant: `db` is an open connection whose schema is version STORE_SCHEMA_VERSION. */
struct bk_store {
    sqlite3 *db;
    char *path;      /* as given, for messages */
    bool readonly;   /* opened by bk_store_open_readonly: begin and finish refuse */
};

/* The schema. Seeds are kept as decimal text: SQLite integers are signed 64-bit and seeds span
 * 0 to 2^64 - 1. Times are UTC, ISO 8601 with milliseconds ("2025-09-14T10:22:03.123Z"). */
static const char schema_sql[] =
    "CREATE TABLE scenarios ("
    "  sha256 TEXT PRIMARY KEY NOT NULL,"
    "  name TEXT NOT NULL,"
    "  text TEXT NOT NULL"
    ");"
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  scenario_sha256 TEXT NOT NULL REFERENCES scenarios(sha256),"
    "  seed TEXT NOT NULL,"
    "  replications INTEGER NOT NULL,"
    "  days INTEGER NOT NULL,"
    "  version TEXT NOT NULL,"
    "  command TEXT NOT NULL,"
    "  params_json TEXT,"
    "  out_dir TEXT,"
    "  status TEXT NOT NULL"
    "    CHECK (status IN ('running', 'done', 'failed', 'interrupted')),"
    "  start_utc TEXT NOT NULL,"
    "  end_utc TEXT,"
    "  summary_json TEXT"
    ");"
    "CREATE INDEX runs_by_scenario ON runs(scenario_sha256);";

/* ---- errors ---------------------------------------------------------------------------- */

/* Fill err with "store 'PATH': <message>" and return `code`. */
static bk_status store_fail(const char *path, bk_error *err, bk_status code, const char *fmt,
                            ...) BK_PRINTF(4, 5);
static bk_status store_fail(const char *path, bk_error *err, bk_status code, const char *fmt, ...)
{
    char body[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    return bk_fail(err, code, "store '%s': %s", path, body);
}

/* An SQLite failure: out of memory is BK_ERR_NOMEM, anything else an I/O error. `what` says
 * what was being done. Reads the connection's message, so call it before any rollback. */
static bk_status db_fail(const bk_store *st, bk_error *err, int rc, const char *what)
{
    bk_status code = (rc & 0xff) == SQLITE_NOMEM ? BK_ERR_NOMEM : BK_ERR_IO;
    const char *msg = st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
    if ((rc & 0xff) == SQLITE_BUSY)
        return store_fail(st->path, err, code, "%s: %s (another process held it for more than "
                                               "%d s)", what, msg, STORE_BUSY_TIMEOUT_MS / 1000);
    return store_fail(st->path, err, code, "%s: %s", what, msg);
}

/* ---- small SQLite helpers -------------------------------------------------------------- */

/* Run SQL without parameters or results (pragmas, transaction control, the schema). */
static int exec_sql(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* One integer from a one-row query without parameters (a pragma, a count). */
static int query_int(sqlite3 *db, const char *sql, long long *out)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int64(s, 0);
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            *out = 0;
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(s);
    return rc;
}

/* A copy of a text column; NULL for SQL NULL. Sets *nomem when the copy fails. */
static char *column_dup(sqlite3_stmt *s, int col, bool *nomem)
{
    const char *t = (const char *)sqlite3_column_text(s, col);
    if (t == NULL) {
        if (sqlite3_column_type(s, col) != SQLITE_NULL)
            *nomem = true; /* conversion to text failed for lack of memory */
        return NULL;
    }
    size_t n = (size_t)sqlite3_column_bytes(s, col);
    char *copy = bk_malloc(n + 1);
    if (copy == NULL) {
        *nomem = true;
        return NULL;
    }
    memcpy(copy, t, n);
    copy[n] = '\0';
    return copy;
}

/* The current UTC time as "YYYY-MM-DDTHH:MM:SS.mmmZ". */
static void utc_now(char buf[32])
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        ts.tv_sec = time(NULL);
        ts.tv_nsec = 0;
    }
    struct tm tm;
    if (gmtime_r(&ts.tv_sec, &tm) == NULL)
        memset(&tm, 0, sizeof tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, 32, "%s.%03dZ", base, (int)(ts.tv_nsec / 1000000));
}

/* ---- open and close -------------------------------------------------------------------- */

/* Create the schema in an empty database, in one transaction. Another process creating the
 * same store at the same moment is harmless: the second one finds the schema in place. */
static bk_status create_schema(bk_store *st, bk_error *err)
{
    /* WAL: readers never block the writer, and a killed writer leaves the database intact.
     * It is a property of the file, set outside any transaction. */
    int rc = exec_sql(st->db, "PRAGMA journal_mode=WAL");
    if (rc != SQLITE_OK)
        return db_fail(st, err, rc, "cannot set the journal mode");
    rc = exec_sql(st->db, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return db_fail(st, err, rc, "cannot create the store");
    long long version = 0, tables = 0;
    rc = query_int(st->db, "PRAGMA user_version", &version);
    if (rc == SQLITE_OK)
        rc = query_int(st->db, "SELECT count(*) FROM sqlite_master", &tables);
    if (rc == SQLITE_OK && version == 0 && tables == 0) {
        char pragmas[96];
        snprintf(pragmas, sizeof pragmas, "PRAGMA application_id=%d; PRAGMA user_version=%d",
                 STORE_APPLICATION_ID, STORE_SCHEMA_VERSION);
        rc = exec_sql(st->db, schema_sql);
        if (rc == SQLITE_OK)
            rc = exec_sql(st->db, pragmas);
    }
    if (rc == SQLITE_OK)
        rc = exec_sql(st->db, "COMMIT");
    if (rc != SQLITE_OK) {
        bk_status code = db_fail(st, err, rc, "cannot create the store");
        exec_sql(st->db, "ROLLBACK");
        return code;
    }
    return BK_OK;
}

/* Check that the database is a run store of our schema (creating the schema in an empty,
 * writable one). */
static bk_status check_schema(bk_store *st, bk_error *err)
{
    long long version = 0, app_id = 0, tables = 0;
    /* The first read of the file: this is where a file that is not SQLite shows. */
    int rc = query_int(st->db, "PRAGMA user_version", &version);
    if ((rc & 0xff) == SQLITE_NOTADB)
        return store_fail(st->path, err, BK_ERR_IO,
                          "not a blockade run store (not an SQLite database)");
    if (rc == SQLITE_OK)
        rc = query_int(st->db, "PRAGMA application_id", &app_id);
    if (rc == SQLITE_OK)
        rc = query_int(st->db, "SELECT count(*) FROM sqlite_master", &tables);
    if (rc != SQLITE_OK)
        return db_fail(st, err, rc, "cannot read the store");

    if (version == 0 && app_id == 0 && tables == 0) {
        if (st->readonly)
            return store_fail(st->path, err, BK_ERR_IO,
                              "not a blockade run store (an empty database)");
        bk_status code = create_schema(st, err);
        if (code != BK_OK)
            return code;
        return check_schema(st, err); /* once more: another process may have won the race */
    }
    if (app_id == STORE_APPLICATION_ID && version > STORE_SCHEMA_VERSION)
        return store_fail(st->path, err, BK_ERR_IO,
                          "written by a newer blockade (schema version %lld; this one reads "
                          "version %d)", version, STORE_SCHEMA_VERSION);
    if (app_id != STORE_APPLICATION_ID || version != STORE_SCHEMA_VERSION)
        return store_fail(st->path, err, BK_ERR_IO,
                          "not a blockade run store (user_version %lld)", version);
    if (!st->readonly) {
        rc = exec_sql(st->db, "PRAGMA journal_mode=WAL"); /* already so; cheap to confirm */
        if (rc != SQLITE_OK)
            return db_fail(st, err, rc, "cannot set the journal mode");
    }
    return BK_OK;
}

static bk_status store_open(const char *path, bool readonly, bk_store **out, bk_error *err)
{
    if (out == NULL)
        return bk_fail(err, BK_ERR_USAGE, "store: no place for the handle (out is NULL)");
    *out = NULL;
    if (path == NULL || path[0] == '\0')
        return bk_fail(err, BK_ERR_USAGE, "store: no file name given");
    if (readonly) {
        struct stat sb;
        if (stat(path, &sb) != 0)
            return store_fail(path, err, BK_ERR_IO, "cannot open: %s", strerror(errno));
        if (S_ISDIR(sb.st_mode))
            return store_fail(path, err, BK_ERR_IO, "cannot open: is a directory");
    }
    bk_store *st = bk_calloc(1, sizeof *st);
    char *copy = bk_malloc(strlen(path) + 1);
    if (st == NULL || copy == NULL) {
        bk_free(st);
        bk_free(copy);
        return bk_fail(err, BK_ERR_NOMEM, "store '%s': out of memory", path);
    }
    strcpy(copy, path);
    st->path = copy;
    st->readonly = readonly;
    int flags = readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    (void)bk_alloc_route_sqlite();   /* SQLite through the library's allocator, once; if
                                        SQLite was set up before, it keeps its own */
    int rc = sqlite3_open_v2(path, &st->db, flags, NULL);
    bk_status code = BK_OK;
    if (rc != SQLITE_OK) {
        code = db_fail(st, err, rc, "cannot open");
    } else {
        sqlite3_extended_result_codes(st->db, 1);
        sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
        code = check_schema(st, err);
    }
    if (code != BK_OK) {
        bk_store_close(st);
        return code;
    }
    *out = st;
    return BK_OK;
}

/* Opens or creates a store for recording runs. */
bk_status bk_store_open(const char *path, bk_store **out, bk_error *err)
{
    return store_open(path, false, out, err);
}

/* Opens an existing store for reading; creates and changes nothing. */
bk_status bk_store_open_readonly(const char *path, bk_store **out, bk_error *err)
{
    return store_open(path, true, out, err);
}

/* Closes the connection (SQLite checkpoints the WAL when it is the last one). */
void bk_store_close(bk_store *st)
{
    if (st == NULL)
        return;
    sqlite3_close_v2(st->db); /* NULL is harmless; statements are all finalized by now */
    bk_free(st->path);
    bk_free(st);
}

/* ---- begin and finish ------------------------------------------------------------------ */

static bool is_sha256_hex(const char *s)
{
    if (s == NULL || strlen(s) != 64)
        return false;
    for (const char *p = s; *p; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    }
    return true;
}

/* Binds text (NULL binds SQL NULL); SQLite copies it. */
static int bind_text(sqlite3_stmt *s, int i, const char *text)
{
    return text ? sqlite3_bind_text(s, i, text, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s, i);
}

/* Inserts the scenario (if its hash is new) and the run, inside the caller's transaction. */
static int insert_run(bk_store *st, const bk_store_run_info *info, const char *now, int64_t *id)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "INSERT INTO scenarios(sha256, name, text) VALUES (?1, ?2, ?3) "
                                "ON CONFLICT(sha256) DO NOTHING",
                                -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = bind_text(s, 1, info->scenario_sha256);
    if (rc == SQLITE_OK)
        rc = bind_text(s, 2, info->scenario_name);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text64(s, 3, info->scenario_text, (sqlite3_uint64)info->scenario_len,
                                 SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(st->db);
    sqlite3_finalize(s);
    if (rc != SQLITE_OK)
        return rc;

    char seed[24];
    snprintf(seed, sizeof seed, "%" PRIu64, info->seed);
    rc = sqlite3_prepare_v2(st->db,
                            "INSERT INTO runs(kind, scenario_sha256, seed, replications, days, "
                            "version, command, params_json, out_dir, status, start_utc) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'running', ?10)",
                            -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = bind_text(s, 1, info->kind);
    if (rc == SQLITE_OK)
        rc = bind_text(s, 2, info->scenario_sha256);
    if (rc == SQLITE_OK)
        rc = bind_text(s, 3, seed);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(s, 4, info->replications);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(s, 5, info->days);
    if (rc == SQLITE_OK)
        rc = bind_text(s, 6, info->version ? info->version : "");
    if (rc == SQLITE_OK)
        rc = bind_text(s, 7, info->command ? info->command : "");
    if (rc == SQLITE_OK)
        rc = bind_text(s, 8, info->params_json);
    if (rc == SQLITE_OK)
        rc = bind_text(s, 9, info->out_dir);
    if (rc == SQLITE_OK)
        rc = bind_text(s, 10, now);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(st->db);
    sqlite3_finalize(s);
    if (rc == SQLITE_OK)
        *id = (int64_t)sqlite3_last_insert_rowid(st->db);
    return rc;
}

/* Records a new run as "running", in one transaction. */
bk_status bk_store_begin(bk_store *st, const bk_store_run_info *info, int64_t *id, bk_error *err)
{
    if (st == NULL || info == NULL || id == NULL)
        return bk_fail(err, BK_ERR_USAGE, "store: begin needs a store, a run and an id");
    if (st->readonly)
        return store_fail(st->path, err, BK_ERR_USAGE, "opened read-only: cannot record a run");
    if (info->kind == NULL || info->kind[0] == '\0')
        return store_fail(st->path, err, BK_ERR_USAGE, "a run needs a kind (\"run\", ...)");
    if (!is_sha256_hex(info->scenario_sha256))
        return store_fail(st->path, err, BK_ERR_USAGE,
                          "the scenario hash must be 64 lower-case hex digits");
    if (info->scenario_name == NULL || info->scenario_text == NULL)
        return store_fail(st->path, err, BK_ERR_USAGE, "a run needs its scenario name and text");
    if (info->replications < 1 || info->days < 1)
        return store_fail(st->path, err, BK_ERR_USAGE,
                          "replications (%ld) and days (%d) must be at least 1",
                          info->replications, info->days);
    char now[32];
    utc_now(now);
    int rc = exec_sql(st->db, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return db_fail(st, err, rc, "cannot record the run");
    int64_t new_id = 0;
    rc = insert_run(st, info, now, &new_id);
    if (rc == SQLITE_OK)
        rc = exec_sql(st->db, "COMMIT");
    if (rc != SQLITE_OK) {
        bk_status code = db_fail(st, err, rc, "cannot record the run");
        exec_sql(st->db, "ROLLBACK");
        return code;
    }
    *id = new_id;
    return BK_OK;
}

/* Inside the caller's transaction: the run's status, or SQLITE_DONE in *found = false. */
static int run_status(bk_store *st, int64_t id, char status[16], bool *found)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "SELECT status FROM runs WHERE id = ?1", -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(s, 1, id);
    *found = false;
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            const char *t = (const char *)sqlite3_column_text(s, 0);
            snprintf(status, 16, "%s", t ? t : "");
            *found = true;
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            rc = SQLITE_OK;
        } else {
            rc = sqlite3_errcode(st->db);
        }
    }
    sqlite3_finalize(s);
    return rc;
}

/* Contract in blockade/store.h. */
bk_status bk_store_out_dir(bk_store *st, int64_t id, char **out_dir, bk_error *err)
{
    *out_dir = NULL;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "SELECT out_dir FROM runs WHERE id = ?1", -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(s, 1, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    bk_status result = BK_OK;
    if (rc == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(s, 0);
        if (t && (*out_dir = bk_strdup(t)) == NULL)
            result = bk_fail(err, BK_ERR_NOMEM, "out of memory");
    } else if (rc == SQLITE_DONE) {
        result = bk_fail(err, BK_ERR_USAGE, "no run %lld in the store", (long long)id);
    } else {
        result = bk_fail(err, BK_ERR_IO, "run store: %s", sqlite3_errmsg(st->db));
    }
    sqlite3_finalize(s);
    return result;
}

/* Records the end of a running run, in one transaction. */
bk_status bk_store_finish(bk_store *st, int64_t id, const char *status, const char *summary_json,
                          bk_error *err)
{
    if (st == NULL)
        return bk_fail(err, BK_ERR_USAGE, "store: finish needs a store");
    if (st->readonly)
        return store_fail(st->path, err, BK_ERR_USAGE, "opened read-only: cannot record a run");
    if (status == NULL || (strcmp(status, "done") != 0 && strcmp(status, "failed") != 0
                           && strcmp(status, "interrupted") != 0))
        return store_fail(st->path, err, BK_ERR_USAGE,
                          "a run ends \"done\", \"failed\" or \"interrupted\", not \"%s\"",
                          status ? status : "(null)");
    char now[32];
    utc_now(now);
    int rc = exec_sql(st->db, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return db_fail(st, err, rc, "cannot record the end of the run");
    char old[16] = "";
    bool found = false;
    rc = run_status(st, id, old, &found);
    if (rc == SQLITE_OK && (!found || strcmp(old, "running") != 0)) {
        exec_sql(st->db, "ROLLBACK");
        if (!found)
            return store_fail(st->path, err, BK_ERR_USAGE, "no run with id %" PRId64, id);
        return store_fail(st->path, err, BK_ERR_USAGE, "run %" PRId64 " has already ended (%s)",
                          id, old);
    }
    sqlite3_stmt *s = NULL;
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(st->db,
                                "UPDATE runs SET status = ?1, end_utc = ?2, summary_json = ?3 "
                                "WHERE id = ?4",
                                -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = bind_text(s, 1, status);
    if (rc == SQLITE_OK)
        rc = bind_text(s, 2, now);
    if (rc == SQLITE_OK)
        rc = bind_text(s, 3, summary_json);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(s, 4, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(st->db);
    sqlite3_finalize(s);
    if (rc == SQLITE_OK)
        rc = exec_sql(st->db, "COMMIT");
    if (rc != SQLITE_OK) {
        bk_status code = db_fail(st, err, rc, "cannot record the end of the run");
        exec_sql(st->db, "ROLLBACK");
        return code;
    }
    return BK_OK;
}

/* ---- text tables ----------------------------------------------------------------------- */

/* Rows of cells (copied strings), printed with columns padded to their widest cell. */
typedef struct table {
    char **cells;    /* rows * cols, row-major */
    size_t rows, cols, cap;
    bool nomem;      /* a copy failed: the table is incomplete */
} table;

static void table_init(table *t, size_t cols)
{
    memset(t, 0, sizeof *t);
    t->cols = cols;
}

static void table_free(table *t)
{
    for (size_t i = 0; i < t->rows * t->cols; i++)
        bk_free(t->cells[i]);
    bk_free(t->cells);
    memset(t, 0, sizeof *t);
}

/* Appends a row of t->cols cells; NULL cells are empty. */
/* A copy of recorded text (a command line, a scenario name, a path) that is safe to print on a
 * terminal: C0 controls, DEL and C1 controls become \xNN or \u00NN, and the bidirectional
 * embedding, override and isolate controls \u202A..\u202E and \u2066..\u2069, so that no
 * recorded byte can move the cursor, retitle the window or reorder the line. NULL when out of
 * memory; free with bk_free(). */
static char *terminal_safe(const char *src)
{
    size_t n = strlen(src);
    char *out = bk_malloc(n * 6 + 1);   /* at most 6 bytes of escape for each input byte */
    if (out == NULL)
        return NULL;
    const unsigned char *u = (const unsigned char *)src;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (u[i] < 0x20 || u[i] == 0x7f) {
            j += (size_t)sprintf(out + j, "\\x%02x", u[i]);
        } else if (u[i] == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f) {
            j += (size_t)sprintf(out + j, "\\u%04x", u[i + 1]);
            i++;
        } else if (u[i] == 0xe2 && ((u[i + 1] == 0x80 && u[i + 2] >= 0xaa && u[i + 2] <= 0xae) ||
                                    (u[i + 1] == 0x81 && u[i + 2] >= 0xa6 && u[i + 2] <= 0xa9))) {
            j += (size_t)sprintf(out + j, "\\u%04x",
                                 0x2000u + (u[i + 1] - 0x80u) * 0x40u + (u[i + 2] - 0x80u));
            i += 2;
        } else {
            out[j++] = (char)u[i];
        }
    }
    out[j] = '\0';
    return out;
}

static void table_add(table *t, const char *const *row)
{
    if (t->nomem)
        return;
    if ((t->rows + 1) * t->cols > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16 * t->cols;
        char **bigger = bk_realloc(t->cells, cap * sizeof *bigger);
        if (bigger == NULL) {
            t->nomem = true;
            return;
        }
        t->cells = bigger;
        t->cap = cap;
    }
    char **dst = t->cells + t->rows * t->cols;
    for (size_t c = 0; c < t->cols; c++) {
        dst[c] = terminal_safe(row[c] ? row[c] : "");
        if (dst[c] == NULL) {
            for (size_t k = 0; k < c; k++)
                bk_free(dst[k]);
            t->nomem = true;
            return;
        }
    }
    t->rows++;
}

/* Width in characters of UTF-8 text (continuation bytes do not count), so that names with
 * accents stay aligned. */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        w += (*p & 0xc0) != 0x80;
    return w;
}

/* Prints the table; `right` says which columns are right-aligned (numbers). Trailing blanks
 * are not written. */
static void table_print(const table *t, FILE *out, const char *indent, const bool *right)
{
    size_t width[16] = {0};
    size_t cols = t->cols < 16 ? t->cols : 16;
    for (size_t r = 0; r < t->rows; r++) {
        for (size_t c = 0; c < cols; c++) {
            size_t w = text_width(t->cells[r * t->cols + c]);
            if (w > width[c])
                width[c] = w;
        }
    }
    for (size_t r = 0; r < t->rows; r++) {
        fputs(indent, out);
        size_t last = cols; /* drop empty trailing cells */
        while (last > 1 && t->cells[r * t->cols + last - 1][0] == '\0')
            last--;
        for (size_t c = 0; c < last; c++) {
            const char *cell = t->cells[r * t->cols + c];
            size_t pad = width[c] - text_width(cell);
            bool is_last = c + 1 == last;
            if (c > 0)
                fputs("  ", out);
            if (right && right[c])
                fprintf(out, "%*s%s", (int)pad, "", cell);
            else
                fprintf(out, "%s%*s", cell, is_last ? 0 : (int)pad, "");
        }
        fputc('\n', out);
    }
}

/* ---- reading runs ---------------------------------------------------------------------- */

/* One run as stored, every text owned (NULL where the column is NULL). */
typedef struct run_rec {
    int64_t id;
    char *kind, *status, *start, *end, *name, *sha, *seed, *version, *command, *params, *out_dir,
        *summary;
    long long replications, days;
    double seconds;   /* duration; negative while running */
} run_rec;

static void run_rec_free(run_rec *r)
{
    char **texts[] = {&r->kind,    &r->status,  &r->start,  &r->end,     &r->name,
                      &r->sha,     &r->seed,    &r->version, &r->command, &r->params,
                      &r->out_dir, &r->summary};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        bk_free(*texts[i]);
        *texts[i] = NULL;
    }
}

/* Columns in the order run_from_row reads them. */
#define RUN_COLUMNS                                                                           \
    "r.id, r.kind, r.status, r.start_utc, r.end_utc, s.name, r.scenario_sha256, r.seed, "    \
    "r.version, r.command, r.params_json, r.out_dir, r.summary_json, r.replications, r.days, " \
    "(julianday(r.end_utc) - julianday(r.start_utc)) * 86400.0"

static bool run_from_row(sqlite3_stmt *s, run_rec *r)
{
    bool nomem = false;
    memset(r, 0, sizeof *r);
    r->id = (int64_t)sqlite3_column_int64(s, 0);
    char **texts[] = {&r->kind,    &r->status,  &r->start,  &r->end,     &r->name,
                      &r->sha,     &r->seed,    &r->version, &r->command, &r->params,
                      &r->out_dir, &r->summary};
    for (int i = 0; i < 12; i++)
        *texts[i] = column_dup(s, 1 + i, &nomem);
    r->replications = sqlite3_column_int64(s, 13);
    r->days = sqlite3_column_int64(s, 14);
    r->seconds = sqlite3_column_type(s, 15) == SQLITE_NULL ? -1.0 : sqlite3_column_double(s, 15);
    if (nomem)
        run_rec_free(r);
    return !nomem;
}

/* Reads run `id`. BK_ERR_USAGE when there is no such run. */
static bk_status fetch_run(bk_store *st, int64_t id, run_rec *r, bk_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT " RUN_COLUMNS " FROM runs r "
                                "LEFT JOIN scenarios s ON s.sha256 = r.scenario_sha256 "
                                "WHERE r.id = ?1",
                                -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(s, 1, id);
    bk_status code = BK_OK;
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            if (!run_from_row(s, r))
                code = store_fail(st->path, err, BK_ERR_NOMEM, "out of memory reading run %"
                                  PRId64, id);
        } else if (rc == SQLITE_DONE) {
            code = store_fail(st->path, err, BK_ERR_USAGE, "no run with id %" PRId64, id);
        } else {
            code = db_fail(st, err, rc, "cannot read the runs");
        }
    } else {
        code = db_fail(st, err, rc, "cannot read the runs");
    }
    sqlite3_finalize(s);
    return code;
}

/* The status as a reader should understand it: a run still "running" may be running now, or
 * its process died before it could record the end. */
/* Seconds since 1970 of a recorded "YYYY-MM-DDTHH:MM:SS...Z" time, or -1. */
static long long utc_seconds(const char *iso)
{
    int y, mo, d, h, mi, sec;
    if (!iso || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
        return -1;
    return (long long)bk_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
}

/* A run still marked "running" whose output directory holds a manifest.json written after the
 * run started did commit its outputs (they are moved into place whole, at the very end); only
 * recording its end failed, typically on a full disk. Anything else marked "running" is running
 * or was killed. */
static const char *status_words(const run_rec *r)
{
    if (!r->status)
        return "";
    if (strcmp(r->status, "running") != 0)
        return r->status;
    long long start = utc_seconds(r->start);
    if (r->out_dir && start >= 0) {
        size_t n = strlen(r->out_dir);
        char *path = bk_malloc(n + sizeof "/manifest.json");
        struct stat st;
        bool committed = false;
        if (path) {
            memcpy(path, r->out_dir, n);
            memcpy(path + n, "/manifest.json", sizeof "/manifest.json");
            committed = lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
                        (long long)st.st_mtime >= start;
            bk_free(path);
        }
        if (committed)
            return "done (end not recorded)";
    }
    return "running or killed";
}

/* A duration for people: "15 ms", "4.2 s", "12 min 05 s", "3 h 20 min"; "-" while running. */
static void format_duration(double seconds, char *buf, size_t size)
{
    if (seconds < 0)
        snprintf(buf, size, "-");
    else if (seconds < 1)
        snprintf(buf, size, "%.0f ms", seconds * 1000);
    else if (seconds < 60)
        snprintf(buf, size, "%.1f s", seconds);
    else if (seconds < 3600)
        snprintf(buf, size, "%d min %02d s", (int)(seconds / 60), (int)fmod(seconds, 60));
    else
        snprintf(buf, size, "%ld h %02d min", (long)(seconds / 3600),
                 (int)fmod(seconds / 60, 60));
}

/* "2025-09-14T10:22:03.123Z" shown as "2025-09-14 10:22:03". */
static void format_start(const char *iso, char *buf, size_t size)
{
    snprintf(buf, size, "%.19s", iso ? iso : "");
    char *t = strchr(buf, 'T');
    if (t)
        *t = ' ';
}

/* "Two corridors (test) c859c17ecef0". */
static void format_scenario(const run_rec *r, char *buf, size_t size)
{
    snprintf(buf, size, "%s %.*s", r->name ? r->name : "?", SHORT_HASH, r->sha ? r->sha : "");
}

static bk_status finish_output(const bk_store *st, FILE *out, bool nomem, bk_error *err)
{
    if (nomem)
        return store_fail(st->path, err, BK_ERR_NOMEM, "out of memory");
    if (ferror(out))
        return store_fail(st->path, err, BK_ERR_IO, "cannot write the report: %s",
                          strerror(errno));
    return BK_OK;
}

/* Lists the runs, newest first. */
bk_status bk_store_list(bk_store *st, long limit, FILE *out, bk_error *err)
{
    if (st == NULL || out == NULL || limit < 0)
        return bk_fail(err, BK_ERR_USAGE, "store: list needs a store, a stream and a limit >= 0");
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT " RUN_COLUMNS " FROM runs r "
                                "LEFT JOIN scenarios s ON s.sha256 = r.scenario_sha256 "
                                "ORDER BY r.id DESC LIMIT ?1",
                                -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(s, 1, limit > 0 ? (sqlite3_int64)limit : -1); /* -1: no limit */
    if (rc != SQLITE_OK) {
        bk_status code = db_fail(st, err, rc, "cannot read the runs");
        sqlite3_finalize(s);
        return code;
    }
    table t;
    table_init(&t, 9);
    static const char *const head[9] = {"id",       "kind", "status", "start (UTC)", "duration",
                                        "scenario", "seed", "reps",   "days"};
    table_add(&t, head);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        run_rec r;
        if (!run_from_row(s, &r)) {
            t.nomem = true;
            break;
        }
        char id[24], start[32], dur[32], scen[320], reps[24], days[24];
        snprintf(id, sizeof id, "%" PRId64, r.id);
        format_start(r.start, start, sizeof start);
        format_duration(r.seconds, dur, sizeof dur);
        format_scenario(&r, scen, sizeof scen);
        snprintf(reps, sizeof reps, "%lld", r.replications);
        snprintf(days, sizeof days, "%lld", r.days);
        const char *row[9] = {id, r.kind, status_words(&r), start, dur, scen, r.seed,
                              reps, days};
        table_add(&t, row);
        run_rec_free(&r);
    }
    bk_status code = BK_OK;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        code = db_fail(st, err, rc, "cannot read the runs");
    sqlite3_finalize(s);
    if (code == BK_OK && !t.nomem) {
        if (t.rows == 1) {
            fprintf(out, "no runs recorded in '%s'\n", st->path);
        } else {
            static const bool right[9] = {true, false, false, false, true, false, true, true, true};
            table_print(&t, out, "", right);
        }
        code = finish_output(st, out, false, err);
    } else if (code == BK_OK) {
        code = finish_output(st, out, true, err);
    }
    table_free(&t);
    return code;
}

/* ---- JSON, flattened ------------------------------------------------------------------- */

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

static void flat_free(flat *f)
{
    for (size_t i = 0; i < f->n; i++) {
        bk_free(f->items[i].key);
        bk_free(f->items[i].text);
    }
    bk_free(f->items);
    memset(f, 0, sizeof *f);
}

static char *dup_n(const char *s, size_t n)
{
    char *c = bk_malloc(n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

/* A JSON number: digits, sign, point and exponent only (strtod alone would take "inf", "nan"
 * and hex), and finite. */
static bool parse_number(const char *text, double *out)
{
    if (text[0] == '\0' || strspn(text, "0123456789+-.eE") != strlen(text))
        return false;
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static void flat_add(flat *f, const char *key, const char *text, size_t text_len, bool plain)
{
    if (f->nomem)
        return;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        flat_item *bigger = bk_realloc(f->items, cap * sizeof *bigger);
        if (bigger == NULL) {
            f->nomem = true;
            return;
        }
        f->items = bigger;
        f->cap = cap;
    }
    flat_item *it = &f->items[f->n];
    memset(it, 0, sizeof *it);
    it->key = dup_n(key, strlen(key));
    it->text = dup_n(text, text_len);
    if (it->key == NULL || it->text == NULL) {
        bk_free(it->key);
        bk_free(it->text);
        f->nomem = true;
        return;
    }
    it->is_num = plain && parse_number(it->text, &it->num);
    f->n++;
}

/* key + "." + name, or key + "[i]"; a new string or NULL. */
static char *child_key(const char *key, const char *name, size_t name_len, long index)
{
    size_t n = strlen(key) + name_len + 32;
    char *c = bk_malloc(n);
    if (c == NULL)
        return NULL;
    if (name)
        snprintf(c, n, "%s%s%.*s", key, key[0] ? "." : "", (int)name_len, name);
    else
        snprintf(c, n, "%s[%ld]", key, index);
    return c;
}

static void flatten_node(flat *f, struct fy_node *n, const char *key, int depth)
{
    if (f->nomem)
        return;
    if (n == NULL) {
        flat_add(f, key, "null", 4, true);
        return;
    }
    if (depth > JSON_MAX_DEPTH) {
        flat_add(f, key, "...", 3, false);
        return;
    }
    void *it = NULL;
    switch (fy_node_get_type(n)) {
    case FYNT_SCALAR: {
        size_t len = 0;
        const char *s = fy_node_get_scalar(n, &len);
        flat_add(f, key, s ? s : "", s ? len : 0, fy_node_get_style(n) == FYNS_PLAIN);
        return;
    }
    case FYNT_SEQUENCE: {
        if (fy_node_sequence_item_count(n) == 0) {
            flat_add(f, key, "[]", 2, false);
            return;
        }
        long i = 0;
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(n, &it)) != NULL) {
            char *k = child_key(key, NULL, 0, i++);
            if (k == NULL) {
                f->nomem = true;
                return;
            }
            flatten_node(f, item, k, depth + 1);
            bk_free(k);
        }
        return;
    }
    case FYNT_MAPPING: {
        if (fy_node_mapping_item_count(n) == 0) {
            flat_add(f, key, "{}", 2, false);
            return;
        }
        struct fy_node_pair *p;
        while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
            size_t len = 0;
            const char *name = fy_node_get_scalar(fy_node_pair_key(p), &len);
            char *k = child_key(key, name ? name : "?", name ? len : 1, 0);
            if (k == NULL) {
                f->nomem = true;
                return;
            }
            flatten_node(f, fy_node_pair_value(p), k, depth + 1);
            bk_free(k);
        }
        return;
    }
    }
}

/* Flattens a JSON text. Text that does not parse becomes one item holding it whole (a store
 * written by hand or by another tool is shown, not refused). Sets f->nomem on failure. */
static void flatten_json(const char *json, flat *f)
{
    memset(f, 0, sizeof *f);
    if (json == NULL)
        return;
    struct fy_diag *diag = bk_yaml_quiet_diag();
    if (diag == NULL) {
        f->nomem = true;
        return;
    }
    struct fy_parse_cfg pcfg;
    memset(&pcfg, 0, sizeof pcfg);
    pcfg.flags = FYPCF_QUIET | FYPCF_JSON_FORCE;
    pcfg.diag = diag;
    struct fy_document *doc = fy_document_build_from_string(&pcfg, json, strlen(json));
    if (doc == NULL) {
        f->invalid = true;
        flat_add(f, "", json, strlen(json), false);
    } else {
        flatten_node(f, fy_document_root(doc), "", 0);
        fy_document_destroy(doc);
    }
    fy_diag_destroy(diag);
}

/* Prints a flattened JSON text as "  key  value" lines, aligned. */
static void print_flat(const flat *f, FILE *out, table *t)
{
    if (f->invalid) {
        fprintf(out, "  (not JSON) %s\n", f->items[0].text);
        return;
    }
    table_init(t, 2);
    for (size_t i = 0; i < f->n; i++) {
        const char *row[2] = {f->items[i].key, f->items[i].text};
        table_add(t, row);
    }
    table_print(t, out, "  ", NULL);
}

/* ---- show ------------------------------------------------------------------------------ */

/* Shows one run in full. */
bk_status bk_store_show(bk_store *st, int64_t id, FILE *out, bk_error *err)
{
    if (st == NULL || out == NULL)
        return bk_fail(err, BK_ERR_USAGE, "store: show needs a store and a stream");
    run_rec r;
    bk_status code = fetch_run(st, id, &r, err);
    if (code != BK_OK)
        return code;
    char idbuf[24], dur[32], reps[24], days[24];
    snprintf(idbuf, sizeof idbuf, "%" PRId64, r.id);
    format_duration(r.seconds, dur, sizeof dur);
    snprintf(reps, sizeof reps, "%lld", r.replications);
    snprintf(days, sizeof days, "%lld", r.days);
    const char *rows[][2] = {
        {"run", idbuf},
        {"kind", r.kind},
        {"status", status_words(&r)},
        {"started (UTC)", r.start},
        {"ended (UTC)", r.end ? r.end : "-"},
        {"duration", dur},
        {"scenario", r.name ? r.name : "?"},
        {"scenario sha256", r.sha},
        {"seed", r.seed},
        {"replications", reps},
        {"days", days},
        {"version", r.version},
        {"command", r.command},
        {"outputs", r.out_dir ? r.out_dir : "-"},
    };
    table t;
    table_init(&t, 2);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        table_add(&t, rows[i]);
    bool nomem = t.nomem;
    if (!nomem)
        table_print(&t, out, "", NULL);
    table_free(&t);

    const char *json[2] = {r.params, r.summary};
    const char *title[2] = {"parameters", "summary"};
    for (int k = 0; k < 2 && !nomem; k++) {
        if (json[k] == NULL) {
            fprintf(out, "%s: none%s\n", title[k],
                    k == 1 && strcmp(r.status, "done") != 0 ? " (the run did not finish)" : "");
            continue;
        }
        flat f;
        flatten_json(json[k], &f);
        nomem = f.nomem;
        if (!nomem) {
            fprintf(out, "%s:\n", title[k]);
            print_flat(&f, out, &t);
            nomem = t.nomem;
            table_free(&t);
        }
        flat_free(&f);
    }
    run_rec_free(&r);
    return finish_output(st, out, nomem, err);
}

/* ---- diff ------------------------------------------------------------------------------ */

/* Position of `key` in f, or -1. Linear: summaries hold a few hundred keys, and a diff is
 * printed once. */
static long flat_find(const flat *f, const char *key)
{
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->items[i].key, key) == 0)
            return (long)i;
    }
    return -1;
}

/* A number for the change columns: whole numbers without decimals, others to six significant
 * digits; `sign` adds "+" to positive values. Zero is "0". */
static void format_number(double v, bool sign, char *buf, size_t size)
{
    if (v == 0)
        snprintf(buf, size, "0"); /* neither "+0" nor "-0" */
    else if (fabs(v) < 1e15 && v == floor(v))
        snprintf(buf, size, sign ? "%+.0f" : "%.0f", v);
    else
        snprintf(buf, size, sign ? "%+.6g" : "%.6g", v);
}

/* Adds the rows of two flattened texts to t (columns: key, a, b, change, relative, note).
 * With `numeric` (the summary), a pair of numbers gets its absolute and relative change and
 * other values go to `texts` (key, a, b, note) only when they differ, so that long texts
 * (hashes, names) do not widen the table of numbers; otherwise every key is shown in t. Keys
 * only in one side say so. */
static void diff_flat(const flat *a, const flat *b, table *t, table *texts, bool numeric,
                      const char *name_a, const char *name_b)
{
    char only_a[48], only_b[48];
    snprintf(only_a, sizeof only_a, "only in %s", name_a);
    snprintf(only_b, sizeof only_b, "only in %s", name_b);
    for (size_t i = 0; i < a->n; i++) {
        const flat_item *x = &a->items[i];
        long j = flat_find(b, x->key);
        const flat_item *y = j >= 0 ? &b->items[j] : NULL;
        char change[48] = "", rel[48] = "";
        const char *note = "";
        if (y == NULL) {
            note = only_a;
            if (numeric && !x->is_num) {
                const char *row[4] = {x->key, x->text, "-", note};
                table_add(texts, row);
                continue;
            }
        } else if (numeric && x->is_num && y->is_num) {
            double d = y->num - x->num;
            format_number(d, true, change, sizeof change);
            if (d == 0)
                snprintf(rel, sizeof rel, "0.00 %%");
            else if (x->num != 0)
                snprintf(rel, sizeof rel, "%+.2f %%", 100.0 * d / fabs(x->num));
            else
                snprintf(rel, sizeof rel, "n/a");
        } else if (numeric) {
            if (strcmp(x->text, y->text) != 0) {
                const char *row[4] = {x->key, x->text, y->text, ""};
                table_add(texts, row);
            }
            continue; /* equal text (names, dates, hashes): nothing to compare */
        } else if (strcmp(x->text, y->text) != 0) {
            note = "differs";
        }
        const char *row[6] = {x->key, x->text, y ? y->text : "-", change, rel, note};
        table_add(t, row);
    }
    for (size_t j = 0; j < b->n; j++) {
        const flat_item *y = &b->items[j];
        if (flat_find(a, y->key) >= 0)
            continue;
        const char *row[6] = {y->key, "-", y->text, "", "", only_b};
        if (numeric && !y->is_num) {
            const char *text_row[4] = {y->key, "-", y->text, only_b};
            table_add(texts, text_row);
        } else {
            table_add(t, row);
        }
    }
}

/* A JSON section of a diff: a header row, then the rows. */
static bool diff_section(FILE *out, const char *title, const char *json_a, const char *json_b,
                         bool numeric, const char *name_a, const char *name_b)
{
    flat a, b;
    flatten_json(json_a, &a);
    flatten_json(json_b, &b);
    bool nomem = a.nomem || b.nomem;
    if (!nomem) {
        fprintf(out, "\n%s:\n", title);
        if (json_a == NULL && json_b == NULL) {
            fputs("  none in either run\n", out);
        } else {
            table t, texts;
            table_init(&t, 6);
            table_init(&texts, 4);
            const char *head[6] = {"", name_a, name_b, numeric ? "change" : "",
                                   numeric ? "relative" : "", ""};
            table_add(&t, head);
            diff_flat(&a, &b, &t, &texts, numeric, name_a, name_b);
            nomem = t.nomem || texts.nomem;
            static const bool right[6] = {false, true, true, true, true, false};
            if (!nomem)
                table_print(&t, out, "  ", numeric ? right : NULL);
            if (!nomem && texts.rows > 0) {
                fprintf(out, "\n%s, text that differs:\n", title);
                table_print(&texts, out, "  ", NULL);
            }
            table_free(&t);
            table_free(&texts);
        }
    }
    flat_free(&a);
    flat_free(&b);
    return !nomem;
}

/* Compares two runs: what they were, then every summary metric side by side. */
bk_status bk_store_diff(bk_store *st, int64_t id_a, int64_t id_b, FILE *out, bk_error *err)
{
    if (st == NULL || out == NULL)
        return bk_fail(err, BK_ERR_USAGE, "store: diff needs a store and a stream");
    run_rec a, b;
    bk_status code = fetch_run(st, id_a, &a, err);
    if (code != BK_OK)
        return code;
    code = fetch_run(st, id_b, &b, err);
    if (code != BK_OK) {
        run_rec_free(&a);
        return code;
    }
    char name_a[32], name_b[32];
    snprintf(name_a, sizeof name_a, "run %" PRId64, a.id);
    snprintf(name_b, sizeof name_b, "run %" PRId64, b.id);

    bool same = strcmp(a.sha, b.sha) == 0;
    if (same)
        fprintf(out, "scenario: the same in both runs: %s (sha256 %s)\n", a.name ? a.name : "?",
                a.sha);
    else
        fprintf(out, "scenario: different\n  %s: %s (sha256 %s)\n  %s: %s (sha256 %s)\n", name_a,
                a.name ? a.name : "?", a.sha, name_b, b.name ? b.name : "?", b.sha);

    /* What was run, as a JSON-like list of fields, through the same side-by-side code. */
    char dur_a[32], dur_b[32], reps_a[24], reps_b[24], days_a[24], days_b[24];
    format_duration(a.seconds, dur_a, sizeof dur_a);
    format_duration(b.seconds, dur_b, sizeof dur_b);
    snprintf(reps_a, sizeof reps_a, "%lld", a.replications);
    snprintf(reps_b, sizeof reps_b, "%lld", b.replications);
    snprintf(days_a, sizeof days_a, "%lld", a.days);
    snprintf(days_b, sizeof days_b, "%lld", b.days);
    const char *rows[][3] = {
        {"kind", a.kind, b.kind},
        {"status", status_words(&a), status_words(&b)},
        {"started (UTC)", a.start, b.start},
        {"duration", dur_a, dur_b},
        {"version", a.version, b.version},
        {"seed", a.seed, b.seed},
        {"replications", reps_a, reps_b},
        {"days", days_a, days_b},
    };
    table t;
    table_init(&t, 4);
    const char *head[4] = {"", name_a, name_b, ""};
    table_add(&t, head);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        bool differs = i != 2 && i != 3 && strcmp(rows[i][1], rows[i][2]) != 0;
        const char *row[4] = {rows[i][0], rows[i][1], rows[i][2], differs ? "differs" : ""};
        table_add(&t, row);
    }
    bool ok = !t.nomem;
    if (ok) {
        fputc('\n', out);
        table_print(&t, out, "", NULL);
        /* Long texts go on lines of their own rather than stretch the table. */
        const char *lines[][3] = {{"command", a.command, b.command},
                                  {"outputs", a.out_dir ? a.out_dir : "-",
                                   b.out_dir ? b.out_dir : "-"}};
        for (size_t i = 0; i < 2; i++)
            fprintf(out, "%s%s\n  %s: %s\n  %s: %s\n", lines[i][0],
                    strcmp(lines[i][1], lines[i][2]) != 0 ? " (differs)" : "", name_a,
                    lines[i][1], name_b, lines[i][2]);
    }
    table_free(&t);
    if (ok)
        ok = diff_section(out, "parameters", a.params, b.params, false, name_a, name_b);
    if (ok)
        ok = diff_section(out, "summary", a.summary, b.summary, true, name_a, name_b);
    run_rec_free(&a);
    run_rec_free(&b);
    return finish_output(st, out, !ok, err);
}

/* ---- runs as JSON, for programs ------------------------------------------------------------ */

static void put_json_field(FILE *out, const char *key, const char *text)
{
    fprintf(out, ",\"%s\":", key);
    if (text)
        bk_fmt_json_string(out, text);
    else
        fputs("null", out);
}

/* Contract in blockade/store.h. */
bk_status bk_store_list_json(bk_store *st, long limit, FILE *out, bk_error *err)
{
    if (st == NULL || out == NULL || limit < 0)
        return bk_fail(err, BK_ERR_USAGE, "store: list needs a store, a stream and a limit >= 0");
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT " RUN_COLUMNS " FROM runs r "
                                "LEFT JOIN scenarios s ON s.sha256 = r.scenario_sha256 "
                                "ORDER BY r.id DESC LIMIT ?1",
                                -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(s, 1, limit > 0 ? (sqlite3_int64)limit : -1);
    if (rc != SQLITE_OK) {
        bk_status code = db_fail(st, err, rc, "cannot read the runs");
        sqlite3_finalize(s);
        return code;
    }
    bool nomem = false, first = true;
    fputc('[', out);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        run_rec r;
        if (!run_from_row(s, &r)) {
            nomem = true;
            break;
        }
        fprintf(out, "%s{\"id\":%" PRId64, first ? "\n" : ",\n", r.id);
        first = false;
        put_json_field(out, "kind", r.kind);
        put_json_field(out, "status", r.status);
        put_json_field(out, "start_utc", r.start);
        put_json_field(out, "end_utc", r.end);
        put_json_field(out, "scenario_name", r.name);
        put_json_field(out, "scenario_sha256", r.sha);
        put_json_field(out, "seed", r.seed);
        put_json_field(out, "command", r.command);
        put_json_field(out, "has_outputs", r.out_dir ? "yes" : "no");
        fprintf(out, ",\"replications\":%lld,\"days\":%lld,\"seconds\":", r.replications, r.days);
        bk_fmt_json_number(out, r.seconds);
        fputs(",\"params\":", out);
        fputs(r.params && r.params[0] ? r.params : "null", out);
        fputc('}', out);
        run_rec_free(&r);
    }
    fputs("\n]\n", out);
    bk_status code = BK_OK;
    if (!nomem && rc != SQLITE_ROW && rc != SQLITE_DONE)
        code = db_fail(st, err, rc, "cannot read the runs");
    sqlite3_finalize(s);
    if (code == BK_OK)
        code = finish_output(st, out, nomem, err);
    return code;
}
