/* store_record.c: recording runs in the run store: a run begins "running" (bk_store_begin) and
 * ends "done", "failed" or "interrupted" (bk_store_finish), each in one transaction. This is
 * the one place in the library that reads the wall clock: when a run happened is a fact about
 * the run, recorded beside its outputs, never inside them. */
#include "store/store_internal.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

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

/* While rc is SQLITE_OK, binds texts[0..n) to parameters first, first + 1, ...; returns rc. */
static int bind_texts(sqlite3_stmt *s, int rc, int first, const char *const *texts, int n)
{
    for (int i = 0; rc == SQLITE_OK && i < n; i++)
        rc = bind_text(s, first + i, texts[i]);
    return rc;
}

/* Runs a statement that returns no rows, when `rc` (binding its parameters) is SQLITE_OK,
 * and finalizes it. */
static int step_done(sqlite3 *db, sqlite3_stmt *s, int rc)
{
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
    sqlite3_finalize(s);
    return rc;
}

/* Inserts the scenario (if its hash is new) and the run, inside the caller's transaction. */
static int insert_run(bk_store *st, const bk_store_run_info *info, const char *now, int64_t *id)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "INSERT INTO scenarios(sha256, name, text) VALUES (?1, ?2, ?3) "
                                "ON CONFLICT(sha256) DO NOTHING",
                                -1, &s, NULL);
    const char *const scenario[] = {info->scenario_sha256, info->scenario_name};
    rc = bind_texts(s, rc, 1, scenario, 2);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text64(s, 3, info->scenario_text, (sqlite3_uint64)info->scenario_len,
                                 SQLITE_TRANSIENT, SQLITE_UTF8);
    rc = step_done(st->db, s, rc);
    if (rc != SQLITE_OK)
        return rc;

    char seed[24];
    snprintf(seed, sizeof seed, "%" PRIu64, info->seed);
    rc = sqlite3_prepare_v2(st->db,
                            "INSERT INTO runs(kind, scenario_sha256, seed, replications, days, "
                            "version, command, params_json, out_dir, status, start_utc) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'running', ?10)",
                            -1, &s, NULL);
    const char *const head[] = {info->kind, info->scenario_sha256, seed};
    const char *const tail[] = {info->version ? info->version : "",
                                info->command ? info->command : "", info->params_json,
                                info->out_dir, now};
    rc = bind_texts(s, rc, 1, head, 3);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(s, 4, info->replications);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(s, 5, info->days);
    rc = bind_texts(s, rc, 6, tail, 5);
    rc = step_done(st->db, s, rc);
    if (rc == SQLITE_OK)
        *id = (int64_t)sqlite3_last_insert_rowid(st->db);
    return rc;
}

/* Records a new run as "running", in one transaction. */
bk_status bk_store_begin(bk_store *st, const bk_store_run_info *info, int64_t *id, bk_error *err)
{
    if (st == NULL || info == NULL || id == NULL)
        return bki_fail(err, BK_ERR_USAGE, "store: begin needs a store, a run and an id");
    if (st->readonly)
        return rs_fail(st->path, err, BK_ERR_USAGE, "opened read-only: cannot record a run");
    if (info->kind == NULL || info->kind[0] == '\0')
        return rs_fail(st->path, err, BK_ERR_USAGE, "a run needs a kind (\"run\", ...)");
    if (!is_sha256_hex(info->scenario_sha256))
        return rs_fail(st->path, err, BK_ERR_USAGE,
                       "the scenario hash must be 64 lower-case hex digits");
    if (info->scenario_name == NULL || info->scenario_text == NULL)
        return rs_fail(st->path, err, BK_ERR_USAGE, "a run needs its scenario name and text");
    if (info->replications < 0 || info->days < 1)
        return rs_fail(st->path, err, BK_ERR_USAGE,
                       "replications (%ld) must be at least 0 and days (%d) at least 1",
                       info->replications, info->days);
    char now[32];
    utc_now(now);
    int rc = rs_exec(st->db, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return rs_db_fail(st, err, rc, "cannot record the run");
    int64_t new_id = 0;
    rc = insert_run(st, info, now, &new_id);
    bk_status code = rs_end_transaction(st, rc, "cannot record the run", err);
    if (code == BK_OK)
        *id = new_id;
    return code;
}

/* Inside the caller's transaction: the run's status, or SQLITE_DONE in *found = false. */
static int run_status(bk_store *st, int64_t id, char status[16], bool *found)
{
    sqlite3_stmt *s = NULL;
    int rc = rs_prepare_id(st->db, "SELECT status FROM runs WHERE id = ?1", id, &s);
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

/* Records the end of a running run, in one transaction. */
bk_status bk_store_finish(bk_store *st, int64_t id, const char *status, const char *summary_json,
                          bk_error *err)
{
    if (st == NULL)
        return bki_fail(err, BK_ERR_USAGE, "store: finish needs a store");
    if (st->readonly)
        return rs_fail(st->path, err, BK_ERR_USAGE, "opened read-only: cannot record a run");
    if (status == NULL || (strcmp(status, "done") != 0 && strcmp(status, "failed") != 0
                           && strcmp(status, "interrupted") != 0))
        return rs_fail(st->path, err, BK_ERR_USAGE,
                       "a run ends \"done\", \"failed\" or \"interrupted\", not \"%s\"",
                       status ? status : "(null)");
    char now[32];
    utc_now(now);
    int rc = rs_exec(st->db, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return rs_db_fail(st, err, rc, "cannot record the end of the run");
    char old[16] = "";
    bool found = false;
    rc = run_status(st, id, old, &found);
    if (rc == SQLITE_OK && (!found || strcmp(old, "running") != 0)) {
        rs_exec(st->db, "ROLLBACK");
        if (!found)
            return rs_fail(st->path, err, BK_ERR_USAGE, "no run with id %" PRId64, id);
        return rs_fail(st->path, err, BK_ERR_USAGE, "run %" PRId64 " has already ended (%s)",
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
    rc = step_done(st->db, s, rc);
    return rs_end_transaction(st, rc, "cannot record the end of the run", err);
}

