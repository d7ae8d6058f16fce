/* store.c: the run store, an SQLite database recording every run (see blockade/store.h and
 * docs/store.md): opening and closing it, its schema, and the helpers its other files share
 * (store_internal.h). Recording runs is in store_record.c, reading them in store_query.c and
 * store_diff.c.
 *
 * Every statement is prepared once per call with bound parameters, never built from user text.
 * Every write is one transaction, so a process killed half-way leaves the database as it was
 * before the write.
 */
#include "engine/alloc.h"
#include "store/store_internal.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

/* The schema this code writes and reads, in PRAGMA user_version. A change of schema bumps it,
 * and opening code then migrates older stores or refuses newer ones. */
#define STORE_SCHEMA_VERSION 1
/* PRAGMA application_id: "bkrs" in ASCII, so that `file` and other tools can tell a run store
 * from other SQLite databases. */
#define STORE_APPLICATION_ID 0x626b7273
/* How long a writer waits for another process holding the database (milliseconds). */
#define STORE_BUSY_TIMEOUT_MS 5000
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

/* Contract in store_internal.h. */
bk_status rs_db_fail(const bk_store *st, bk_error *err, int rc, const char *what)
{
    bk_status code = (rc & 0xff) == SQLITE_NOMEM ? BK_ERR_NOMEM : BK_ERR_IO;
    const char *msg = st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
    if ((rc & 0xff) == SQLITE_BUSY)
        return rs_fail(st->path, err, code, "%s: %s (another process held it for more than "
                                            "%d s)", what, msg, STORE_BUSY_TIMEOUT_MS / 1000);
    return rs_fail(st->path, err, code, "%s: %s", what, msg);
}

/* ---- small SQLite helpers -------------------------------------------------------------- */

int rs_exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* Contract in store_internal.h. */
bk_status rs_end_transaction(bk_store *st, int rc, const char *what, bk_error *err)
{
    if (rc == SQLITE_OK)
        rc = rs_exec(st->db, "COMMIT");
    if (rc != SQLITE_OK) {
        bk_status code = rs_db_fail(st, err, rc, what);
        rs_exec(st->db, "ROLLBACK");
        return code;
    }
    return BK_OK;
}

int rs_prepare_id(sqlite3 *db, const char *sql, int64_t id, sqlite3_stmt **s)
{
    int rc = sqlite3_prepare_v2(db, sql, -1, s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(*s, 1, id);
    return rc;
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

/* Contract in store_internal.h. */
char *rs_column_dup(sqlite3_stmt *s, int col, bool *nomem)
{
    const char *t = (const char *)sqlite3_column_text(s, col);
    if (t == NULL) {
        if (sqlite3_column_type(s, col) != SQLITE_NULL)
            *nomem = true; /* conversion to text failed for lack of memory */
        return NULL;
    }
    char *copy = bki_strndup(t, (size_t)sqlite3_column_bytes(s, col));
    if (copy == NULL)
        *nomem = true;
    return copy;
}

/* ---- open and close -------------------------------------------------------------------- */

/* Create the schema in an empty database, in one transaction. Another process creating the
 * same store at the same moment is harmless: the second one finds the schema in place. */
static bk_status create_schema(bk_store *st, bk_error *err)
{
    /* WAL: readers never block the writer, and a killed writer leaves the database intact.
     * It is a property of the file, set outside any transaction. */
    int rc = rs_exec(st->db, "PRAGMA journal_mode=WAL");
    if (rc != SQLITE_OK)
        return rs_db_fail(st, err, rc, "cannot set the journal mode");
    rc = rs_exec(st->db, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return rs_db_fail(st, err, rc, "cannot create the store");
    long long version = 0, tables = 0;
    rc = query_int(st->db, "PRAGMA user_version", &version);
    if (rc == SQLITE_OK)
        rc = query_int(st->db, "SELECT count(*) FROM sqlite_master", &tables);
    if (rc == SQLITE_OK && version == 0 && tables == 0) {
        char pragmas[96];
        snprintf(pragmas, sizeof pragmas, "PRAGMA application_id=%d; PRAGMA user_version=%d",
                 STORE_APPLICATION_ID, STORE_SCHEMA_VERSION);
        rc = rs_exec(st->db, schema_sql);
        if (rc == SQLITE_OK)
            rc = rs_exec(st->db, pragmas);
    }
    return rs_end_transaction(st, rc, "cannot create the store", err);
}

/* Check that the database is a run store of our schema (creating the schema in an empty,
 * writable one). */
static bk_status check_schema(bk_store *st, bk_error *err)
{
    long long version = 0, app_id = 0, tables = 0;
    /* The first read of the file: this is where a file that is not SQLite shows. */
    int rc = query_int(st->db, "PRAGMA user_version", &version);
    if ((rc & 0xff) == SQLITE_NOTADB)
        return rs_fail(st->path, err, BK_ERR_IO,
                       "not a blockade run store (not an SQLite database)");
    if (rc == SQLITE_OK)
        rc = query_int(st->db, "PRAGMA application_id", &app_id);
    if (rc == SQLITE_OK)
        rc = query_int(st->db, "SELECT count(*) FROM sqlite_master", &tables);
    if (rc != SQLITE_OK)
        return rs_db_fail(st, err, rc, "cannot read the store");

    if (version == 0 && app_id == 0 && tables == 0) {
        if (st->readonly)
            return rs_fail(st->path, err, BK_ERR_IO,
                           "not a blockade run store (an empty database)");
        bk_status code = create_schema(st, err);
        if (code != BK_OK)
            return code;
        return check_schema(st, err); /* once more: another process may have won the race */
    }
    if (app_id == STORE_APPLICATION_ID && version > STORE_SCHEMA_VERSION)
        return rs_fail(st->path, err, BK_ERR_IO,
                       "written by a newer blockade (schema version %lld; this one reads "
                       "version %d)", version, STORE_SCHEMA_VERSION);
    if (app_id != STORE_APPLICATION_ID || version != STORE_SCHEMA_VERSION)
        return rs_fail(st->path, err, BK_ERR_IO,
                       "not a blockade run store (user_version %lld)", version);
    if (!st->readonly) {
        rc = rs_exec(st->db, "PRAGMA journal_mode=WAL"); /* already so; cheap to confirm */
        if (rc != SQLITE_OK)
            return rs_db_fail(st, err, rc, "cannot set the journal mode");
    }
    return BK_OK;
}

static bk_status store_open(const char *path, bool readonly, bk_store **out, bk_error *err)
{
    if (out == NULL)
        return bki_fail(err, BK_ERR_USAGE, "store: no place for the handle (out is NULL)");
    *out = NULL;
    if (path == NULL || path[0] == '\0')
        return bki_fail(err, BK_ERR_USAGE, "store: no file name given");
    if (readonly) {
        struct stat sb;
        if (stat(path, &sb) != 0)
            return rs_fail(path, err, BK_ERR_IO, "cannot open: %s", strerror(errno));
        if (S_ISDIR(sb.st_mode))
            return rs_fail(path, err, BK_ERR_IO, "cannot open: is a directory");
    }
    bk_store *st = bki_calloc(1, sizeof *st);
    char *copy = bki_strdup(path);
    if (st == NULL || copy == NULL) {
        bki_free(st);
        bki_free(copy);
        return bki_fail(err, BK_ERR_NOMEM, "store '%s': out of memory", path);
    }
    st->path = copy;
    st->readonly = readonly;
    int flags = readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    (void)bki_alloc_route_sqlite();   /* SQLite through the library's allocator, once; if
                                        SQLite was set up before, it keeps its own */
    int rc = sqlite3_open_v2(path, &st->db, flags, NULL);
    bk_status code = BK_OK;
    if (rc != SQLITE_OK) {
        code = rs_db_fail(st, err, rc, "cannot open");
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
    bki_free(st->path);
    bki_free(st);
}
