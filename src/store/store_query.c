/* store_query.c: reading the run store: one run (bk_store_show, bk_store_out_dir), the list of
 * runs as a table for people (bk_store_list) and as JSON for programs (bk_store_list_json). */
#include "engine/alloc.h"
#include "store/store_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "engine/date.h"
#include "output/format.h"

/* Hex digits of a scenario hash shown in tables. */
#define SHORT_HASH 12

/* ---- runs as stored -------------------------------------------------------------------- */

/* Columns in the order run_from_row reads them: the id, the texts of run_texts, the numbers. */
#define RUN_COLUMNS                                                                           \
    "r.id, r.kind, r.status, r.start_utc, r.end_utc, s.name, r.scenario_sha256, r.seed, "    \
    "r.version, r.command, r.params_json, r.out_dir, r.summary_json, r.replications, r.days, " \
    "(julianday(r.end_utc) - julianday(r.start_utc)) * 86400.0"
/* The tables RUN_COLUMNS reads from: the runs and their scenarios. */
#define RUNS_FROM                                                                             \
    " FROM runs r LEFT JOIN scenarios s ON s.sha256 = r.scenario_sha256 "

/* The run's owned texts, in the order of RUN_COLUMNS (from its second column). */
enum { RUN_TEXTS = 12 };
static void run_texts(run_rec *r, char **texts[RUN_TEXTS])
{
    char **all[RUN_TEXTS] = {&r->kind,    &r->status,  &r->start,   &r->end,     &r->name,
                             &r->sha,     &r->seed,    &r->version, &r->command, &r->params,
                             &r->out_dir, &r->summary};
    memcpy(texts, all, sizeof all);
}

void rs_run_free(run_rec *r)
{
    char **texts[RUN_TEXTS];
    run_texts(r, texts);
    for (size_t i = 0; i < RUN_TEXTS; i++) {
        bki_free(*texts[i]);
        *texts[i] = NULL;
    }
}

static bool run_from_row(sqlite3_stmt *s, run_rec *r)
{
    bool nomem = false;
    memset(r, 0, sizeof *r);
    r->id = (int64_t)sqlite3_column_int64(s, 0);
    char **texts[RUN_TEXTS];
    run_texts(r, texts);
    for (int i = 0; i < RUN_TEXTS; i++)
        *texts[i] = rs_column_dup(s, 1 + i, &nomem);
    r->replications = sqlite3_column_int64(s, 13);
    r->days = sqlite3_column_int64(s, 14);
    r->seconds = sqlite3_column_type(s, 15) == SQLITE_NULL ? -1.0 : sqlite3_column_double(s, 15);
    if (nomem)
        rs_run_free(r);
    return !nomem;
}

/* Contract in store_internal.h. */
bk_status rs_fetch_run(bk_store *st, int64_t id, run_rec *r, bk_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = rs_prepare_id(st->db, "SELECT " RUN_COLUMNS RUNS_FROM "WHERE r.id = ?1", id, &s);
    bk_status code = BK_OK;
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            if (!run_from_row(s, r))
                code = rs_fail(st->path, err, BK_ERR_NOMEM, "out of memory reading run %"
                               PRId64, id);
        } else if (rc == SQLITE_DONE) {
            code = rs_fail(st->path, err, BK_ERR_USAGE, "no run with id %" PRId64, id);
        } else {
            code = rs_db_fail(st, err, rc, "cannot read the runs");
        }
    } else {
        code = rs_db_fail(st, err, rc, "cannot read the runs");
    }
    sqlite3_finalize(s);
    return code;
}

/* Begins a list of runs to `out`: checks the arguments, then prepares the query of the runs,
 * newest first, at most `limit` of them (0: all). */
static bk_status start_list(bk_store *st, long limit, FILE *out, sqlite3_stmt **s,
                            bk_error *err)
{
    *s = NULL;
    if (st == NULL || out == NULL || limit < 0)
        return bki_fail(err, BK_ERR_USAGE, "store: list needs a store, a stream and a limit >= 0");
    int rc = sqlite3_prepare_v2(st->db, "SELECT " RUN_COLUMNS RUNS_FROM
                                "ORDER BY r.id DESC LIMIT ?1", -1, s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(*s, 1, limit > 0 ? (sqlite3_int64)limit : -1); /* -1: no limit */
    if (rc != SQLITE_OK) {
        bk_status code = rs_db_fail(st, err, rc, "cannot read the runs");
        sqlite3_finalize(*s);
        *s = NULL;
        return code;
    }
    return BK_OK;
}

/* The next run of a query prepared by start_list, in *r for the caller to free: false at the
 * end of the runs, when a run cannot be copied (*nomem) or when reading fails (*code). */
static bool next_run(bk_store *st, sqlite3_stmt *s, run_rec *r, bool *nomem, bk_status *code,
                     bk_error *err)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        if (run_from_row(s, r))
            return true;
        *nomem = true;
    } else if (rc != SQLITE_DONE) {
        *code = rs_db_fail(st, err, rc, "cannot read the runs");
    }
    return false;
}

/* Contract in blockade/store.h. */
bk_status bk_store_out_dir(bk_store *st, int64_t id, char **out_dir, bk_error *err)
{
    *out_dir = NULL;
    sqlite3_stmt *s = NULL;
    int rc = rs_prepare_id(st->db, "SELECT out_dir FROM runs WHERE id = ?1", id, &s);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    bk_status result = BK_OK;
    if (rc == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(s, 0);
        if (t && (*out_dir = bki_strdup(t)) == NULL)
            result = bki_fail(err, BK_ERR_NOMEM, "out of memory");
    } else if (rc == SQLITE_DONE) {
        result = bki_fail(err, BK_ERR_USAGE, "no run %lld in the store", (long long)id);
    } else {
        result = bki_fail(err, BK_ERR_IO, "run store: %s", sqlite3_errmsg(st->db));
    }
    sqlite3_finalize(s);
    return result;
}

/* ---- runs as text ---------------------------------------------------------------------- */

/* Seconds since 1970 of a recorded "YYYY-MM-DDTHH:MM:SS...Z" time, or -1. */
static long long utc_seconds(const char *iso)
{
    int y, mo, d, h, mi, sec;
    if (!iso || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
        return -1;
    return (long long)bki_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
}

/* The status as a reader should understand it: a run still "running" may be running now, or
 * its process died before it could record the end. A run still marked "running" whose output
 * directory holds a manifest.json written after the run started did commit its outputs (they
 * are moved into place whole, at the very end); only recording its end failed, typically on a
 * full disk. Anything else marked "running" is running or was killed. */
const char *rs_status_words(const run_rec *r)
{
    if (!r->status)
        return "";
    if (strcmp(r->status, "running") != 0)
        return r->status;
    long long start = utc_seconds(r->start);
    if (r->out_dir && start >= 0) {
        size_t n = strlen(r->out_dir);
        char *path = bki_malloc(n + sizeof "/manifest.json");
        struct stat st;
        bool committed = false;
        if (path) {
            memcpy(path, r->out_dir, n);
            memcpy(path + n, "/manifest.json", sizeof "/manifest.json");
            committed = lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
                        (long long)st.st_mtime >= start;
            bki_free(path);
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

/* Contract in store_internal.h. */
void rs_run_numbers(const run_rec *r, run_numbers *n)
{
    snprintf(n->id, sizeof n->id, "%" PRId64, r->id);
    format_duration(r->seconds, n->duration, sizeof n->duration);
    snprintf(n->replications, sizeof n->replications, "%lld", r->replications);
    snprintf(n->days, sizeof n->days, "%lld", r->days);
}

/* Contract in store_internal.h. */
bk_status rs_finish_output(const bk_store *st, FILE *out, bool nomem, bk_error *err)
{
    if (nomem)
        return rs_fail(st->path, err, BK_ERR_NOMEM, "out of memory");
    if (ferror(out))
        return rs_fail(st->path, err, BK_ERR_IO, "cannot write the report: %s",
                       strerror(errno));
    return BK_OK;
}

/* Lists the runs, newest first. */
bk_status bk_store_list(bk_store *st, long limit, FILE *out, bk_error *err)
{
    sqlite3_stmt *s = NULL;
    bk_status code = start_list(st, limit, out, &s, err);
    if (code != BK_OK)
        return code;
    table t;
    rs_table_init(&t, 9);
    static const char *const head[9] = {"id",       "kind", "status", "start (UTC)", "duration",
                                        "scenario", "seed", "reps",   "days"};
    rs_table_add(&t, head);
    run_rec r;
    while (next_run(st, s, &r, &t.nomem, &code, err)) {
        run_numbers n;
        char start[32], scen[320];
        rs_run_numbers(&r, &n);
        format_start(r.start, start, sizeof start);
        format_scenario(&r, scen, sizeof scen);
        const char *row[9] = {n.id, r.kind,  rs_status_words(&r), start, n.duration,
                              scen, r.seed, n.replications,      n.days};
        rs_table_add(&t, row);
        rs_run_free(&r);
    }
    sqlite3_finalize(s);
    if (code == BK_OK && !t.nomem) {
        if (t.rows == 1) {
            fprintf(out, "no runs recorded in '%s'\n", st->path);
        } else {
            static const bool right[9] = {true, false, false, false, true, false, true, true, true};
            rs_table_print(&t, out, "", right);
        }
        code = rs_finish_output(st, out, false, err);
    } else if (code == BK_OK) {
        code = rs_finish_output(st, out, true, err);
    }
    rs_table_free(&t);
    return code;
}

/* ---- runs as JSON, for programs ------------------------------------------------------------ */

static void put_json_field(FILE *out, const char *key, const char *text)
{
    fprintf(out, ",\"%s\":", key);
    if (text)
        bki_fmt_json_string(out, text);
    else
        fputs("null", out);
}

/* Contract in blockade/store.h. */
bk_status bk_store_list_json(bk_store *st, long limit, FILE *out, bk_error *err)
{
    sqlite3_stmt *s = NULL;
    bk_status code = start_list(st, limit, out, &s, err);
    if (code != BK_OK)
        return code;
    bool nomem = false, first = true;
    fputc('[', out);
    run_rec r;
    while (next_run(st, s, &r, &nomem, &code, err)) {
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
        bki_fmt_json_number(out, r.seconds);
        fputs(",\"params\":", out);
        fputs(r.params && r.params[0] ? r.params : "null", out);
        fputc('}', out);
        rs_run_free(&r);
    }
    fputs("\n]\n", out);
    sqlite3_finalize(s);
    if (code == BK_OK)
        code = rs_finish_output(st, out, nomem, err);
    return code;
}

/* ---- show ------------------------------------------------------------------------------ */

/* Prints a flattened JSON text as "  key  value" lines, aligned. */
static void print_flat(const flat *f, FILE *out, table *t)
{
    if (f->invalid) {
        fprintf(out, "  (not JSON) %s\n", f->items[0].text);
        return;
    }
    rs_table_init(t, 2);
    for (size_t i = 0; i < f->n; i++) {
        const char *row[2] = {f->items[i].key, f->items[i].text};
        rs_table_add(t, row);
    }
    rs_table_print(t, out, "  ", NULL);
}

/* Shows one run in full. */
bk_status bk_store_show(bk_store *st, int64_t id, FILE *out, bk_error *err)
{
    if (st == NULL || out == NULL)
        return bki_fail(err, BK_ERR_USAGE, "store: show needs a store and a stream");
    run_rec r;
    bk_status code = rs_fetch_run(st, id, &r, err);
    if (code != BK_OK)
        return code;
    run_numbers n;
    rs_run_numbers(&r, &n);
    const char *rows[][2] = {
        {"run", n.id},
        {"kind", r.kind},
        {"status", rs_status_words(&r)},
        {"started (UTC)", r.start},
        {"ended (UTC)", r.end ? r.end : "-"},
        {"duration", n.duration},
        {"scenario", r.name ? r.name : "?"},
        {"scenario sha256", r.sha},
        {"seed", r.seed},
        {"replications", n.replications},
        {"days", n.days},
        {"version", r.version},
        {"command", r.command},
        {"outputs", r.out_dir ? r.out_dir : "-"},
    };
    table t;
    rs_table_init(&t, 2);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        rs_table_add(&t, rows[i]);
    bool nomem = t.nomem;
    if (!nomem)
        rs_table_print(&t, out, "", NULL);
    rs_table_free(&t);

    const char *json[2] = {r.params, r.summary};
    const char *title[2] = {"parameters", "summary"};
    for (int k = 0; k < 2 && !nomem; k++) {
        if (json[k] == NULL) {
            fprintf(out, "%s: none%s\n", title[k],
                    k == 1 && strcmp(r.status, "done") != 0 ? " (the run did not finish)" : "");
            continue;
        }
        flat f;
        rs_flatten_json(json[k], &f);
        nomem = f.nomem;
        if (!nomem) {
            fprintf(out, "%s:\n", title[k]);
            print_flat(&f, out, &t);
            nomem = t.nomem;
            rs_table_free(&t);
        }
        rs_flat_free(&f);
    }
    rs_run_free(&r);
    return rs_finish_output(st, out, nomem, err);
}
