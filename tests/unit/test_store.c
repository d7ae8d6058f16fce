/* test_store.c: the run store (blockade/store.h).
 *
 * Stores are opened in a fresh temporary directory and what list, show and diff print is read
 * into memory. The commands that use the store are in test_store_cli.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#include "blockade/blockade.h"
#include "bk_test.h"
#include "bk_test_model.h"
#include "bk_test_cli.h"
#include "store_fixture.h"
#include "bk_test_main.h"

#define HASH_A "c859c17ecef0263fdc6a7cd6df86c665ef69f7ae85d2256a7a0f82975530c5c0"
#define HASH_B "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static bk_store_run_info info_for(const char *hash, uint64_t seed)
{
    static const char text[] = "blockade: 1\nscenario: {name: Test}\n";
    bk_store_run_info info = {
        .kind = "run",
        .scenario_name = hash[0] == 'c' ? "Two corridors (test)" : "Other scenario",
        .scenario_sha256 = hash,
        .scenario_text = text,
        .scenario_len = sizeof text - 1,
        .seed = seed,
        .replications = 1,
        .days = 20,
        .version = bk_version(),
        .command = "blockade run x.yaml --seed 7",
        .params_json = "{\"replication\": 0, \"check_invariants\": true}",
        .out_dir = "/somewhere/out/a",
    };
    return info;
}

static const char summary_a[] =
    "{\"scenario\": \"Two corridors (test)\", \"days\": 20,\n"
    " \"totals\": {\"delivered_l\": 1000, \"burned_l\": 0, \"price\": 1.5},\n"
    " \"city\": {\"unmet_l\": {\"power\": 10}}, \"only_a\": 3}";
static const char summary_b[] =
    "{\"scenario\": \"Two corridors (test)\", \"days\": 20,\n"
    " \"totals\": {\"delivered_l\": 1500, \"burned_l\": 40, \"price\": 1.5},\n"
    " \"city\": {\"unmet_l\": {\"power\": 5}}, \"only_b\": \"x\"}";

/* A new store, open for writing, at a fresh path named after `stem` (into path). */
static bk_store *new_store(char *path, size_t size, const char *stem)
{
    bk_cli_tmp_path(path, size, stem);
    bk_store *s = NULL;
    bk_error err = {0};
    assert_int_equal(bk_store_open(path, &s, &err), BK_OK);
    assert_non_null(s);
    return s;
}

/* Begins in s a run described by info and returns its id; fails the test unless it begins. */
static int64_t begin_run(bk_store *s, const bk_store_run_info *info)
{
    int64_t id = 0;
    bk_error err = {0};
    if (bk_store_begin(s, info, &id, &err) != BK_OK)
        fail_msg("begin: %s", err.message);
    return id;
}

/* Ends run id of s with status and summary; fails the test unless it ends. */
static void finish_run(bk_store *s, int64_t id, const char *status, const char *summary)
{
    bk_error err = {0};
    if (bk_store_finish(s, id, status, summary, &err) != BK_OK)
        fail_msg("finish of run %lld: %s", (long long)id, err.message);
}

/* What a store call prints for runs a and b, as a new string; the call must succeed. */
static char *printed(print_fn fn, bk_store *s, int64_t a, int64_t b)
{
    bk_status st;
    bk_error err = {0};
    char *out = capture(fn, s, a, b, &st, &err);
    if (st != BK_OK)
        fail_msg("%s", err.message);
    return out;
}

/* A NULL-terminated list of strings, written in place. */
#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

/* What a store call prints for runs a and b (as printed) contains every string of the list
 * `has` and none of the list `lacks` (either may be NULL: no list); fails the test otherwise. */
static void expect_printed(print_fn fn, bk_store *s, int64_t a, int64_t b,
                           const char *const *has, const char *const *lacks)
{
    char *out = printed(fn, s, a, b);
    if (has != NULL)
        bk_test_has_all(out, has);
    for (; lacks != NULL && *lacks != NULL; lacks++)
        if (strstr(out, *lacks) != NULL)
            fail_msg("'%s' is in:\n%s", *lacks, out);
    free(out);
}

/* A new store at a fresh path with two finished runs (ids 1 and 2). */
static bk_store *store_with_two_runs(char *path, size_t size)
{
    bk_store *s = new_store(path, size, "two.sqlite");
    bk_store_run_info info = info_for(HASH_A, 7);
    assert_int_equal(begin_run(s, &info), 1);
    finish_run(s, 1, "done", summary_a);
    info = info_for(HASH_A, 8);
    assert_int_equal(begin_run(s, &info), 2);
    finish_run(s, 2, "done", summary_b);
    return s;
}

/* The same, for a test that does not need the store's path. */
static bk_store *two_runs(void)
{
    char path[PATH_LEN];
    return store_with_two_runs(path, sizeof path);
}

/* ---- the library ------------------------------------------------------------------------ */

static void test_open_create_and_reopen(void **state)
{
    (void)state;
    char path[PATH_LEN];
    bk_store *s = store_with_two_runs(path, sizeof path);
    bk_store_close(s);
    assert_true(bk_cli_exists(path));

    /* Reopened, for writing and for reading, the store still has both runs. */
    bk_error err = {0};
    assert_int_equal(bk_store_open(path, &s, &err), BK_OK);
    bk_store_run_info info = info_for(HASH_B, 9);
    int64_t id = begin_run(s, &info);
    assert_int_equal(id, 3); /* numbering goes on */
    finish_run(s, id, "failed", NULL);
    bk_store_close(s);
    assert_int_equal(bk_store_open_readonly(path, &s, &err), BK_OK);
    char *out = printed(call_list, s, 0, 0);
    char *r1 = strstr(out, "\n 1  "), *r2 = strstr(out, "\n 2  "), *r3 = strstr(out, "\n 3  ");
    assert_non_null(r1);
    assert_non_null(r2);
    assert_non_null(r3);
    assert_true(r3 < r2 && r2 < r1); /* newest first */
    BK_TEST_HAS_ALL(out, "failed", "Two corridors (test) c859c17ecef0 ",
                    "Other scenario 001122334455 ");
    free(out);

    /* --limit: only the newest. */
    expect_printed(call_list, s, 1, 0, LIST("\n 3  "), LIST("\n 2  "));

    /* A read-only handle records nothing. */
    assert_int_equal(bk_store_begin(s, &info, &id, &err), BK_ERR_USAGE);
    assert_non_null(strstr(err.message, "read-only"));
    bk_store_close(s);
}

static void test_show_prints_every_field(void **state)
{
    (void)state;
    bk_store *s = two_runs();
    char *out = printed(call_show, s, 1, 0);
    BK_TEST_HAS_ALL(out, "kind", "run", "status           done", "started (UTC)", "Z\n",
                    "ended (UTC)", "scenario         Two corridors (test)",
                    "scenario sha256  " HASH_A, "seed             7", "replications     1",
                    "days             20", "command          blockade run x.yaml --seed 7",
                    "outputs          /somewhere/out/a", "parameters:\n",
                    "  check_invariants  true", "summary:\n", "  totals.delivered_l  1000",
                    "  city.unmet_l.power  10", "  totals.price        1.5");
    free(out);
    bk_store_close(s);
}

/* Recorded text reaches a terminal escaped: an ESC sequence, a BEL, a C1 CSI or a bidi override
 * in a command line, a name or a path cannot drive or reorder the screen. */
static void test_show_escapes_terminal_controls(void **state)
{
    (void)state;
    char path[PATH_LEN];
    bk_store *s = new_store(path, sizeof path, "controls.sqlite");
    bk_store_run_info info = info_for(HASH_A, 7);
    info.command = "blockade run --out \x1b]0;owned\x07x \xe2\x80\xae" "evil";
    info.out_dir = "/tmp/a\xc2\x9b" "2Jb";
    info.params_json = "{\"note\": \"\\u001b[31mred\"}";
    int64_t id = begin_run(s, &info);
    finish_run(s, id, "done", summary_a);
    char *out = printed(call_show, s, id, 0);
    for (const char *p = out; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c < 0x20 && c != '\n') || c == 0x7f)
            fail_msg("show printed control byte 0x%02x:\n%s", c, out);
    }
    assert_null(strstr(out, "\xe2\x80\xae"));
    assert_null(strstr(out, "\xc2\x9b"));
    BK_TEST_HAS_ALL(out, "--out \\x1b]0;owned\\x07x \\u202eevil", "/tmp/a\\u009b2Jb",
                    "\\x1b[31mred");
    free(out);
    expect_printed(call_list, s, 0, 0, NULL, LIST("\x1b"));
    bk_store_close(s);
}

static void test_diff_compares_metrics(void **state)
{
    (void)state;
    bk_store *s = two_runs();
    char *out = printed(call_diff, s, 1, 2);
    BK_TEST_HAS_ALL(out,
                    "scenario: the same in both runs: Two corridors (test) (sha256 " HASH_A ")",
                    "run 1", "run 2", "seed", "differs", "summary:", "change", "relative",
                    /* key, a, b, change, relative: columns are aligned, so look at the numbers */
                    "1000", "1500", "+500", "+50.00 %", "+40", "n/a", "-5", "-50.00 %",
                    "only in run 1", "only in run 2", "city.unmet_l.power", "totals.delivered_l");
    /* One line per metric, its numbers in order. */
    const char *line = strstr(out, "totals.delivered_l");
    assert_non_null(line);
    const char *p1 = strstr(line, "1000"), *p2 = strstr(line, "1500"), *p3 = strstr(line, "+500");
    const char *eol = strchr(line, '\n');
    assert_true(p1 && p2 && p3 && p1 < p2 && p2 < p3 && p3 < eol);
    line = strstr(out, "totals.price");
    eol = strchr(line, '\n');
    assert_true(strstr(line, "0.00 %") < eol); /* unchanged: no change */
    free(out);

    /* Against a run of another scenario, which also has no summary. */
    bk_store_run_info info = info_for(HASH_B, 7);
    int64_t id = begin_run(s, &info);
    expect_printed(call_diff, s, 1, id, LIST("scenario: different", HASH_B, "running or killed"),
                   NULL);
    bk_store_close(s);
}

static void test_refuses_a_file_that_is_not_sqlite(void **state)
{
    (void)state;
    char path[PATH_LEN];
    bk_cli_tmp_path(path, sizeof path, "notes.txt");
    static const char text[] = "These are my notes, not a database. They must stay as they are.\n";
    assert_int_equal(bk_test_write_file(path, text, sizeof text - 1), 0);
    for (int ro = 0; ro < 2; ro++) {
        static int dummy;
        bk_store *s = (bk_store *)(void *)&dummy; /* a failed open sets NULL */
        bk_error err;
        memset(&err, 0, sizeof err);
        bk_status st = ro ? bk_store_open_readonly(path, &s, &err) : bk_store_open(path, &s, &err);
        assert_int_equal(st, BK_ERR_IO);
        assert_null(s);
        BK_TEST_HAS_ALL(err.message, "not a blockade run store", "not an SQLite database");
        assert_non_null(strstr(err.message, path));
    }
    size_t len = 0;
    char *after = bk_test_read_file(path, &len);
    assert_non_null(after);
    assert_int_equal(len, sizeof text - 1);
    assert_memory_equal(after, text, len);
    free(after);
}

static void test_refuses_a_foreign_sqlite_database(void **state)
{
    (void)state;
    static const char *const setups[] = {
        "PRAGMA user_version=7; CREATE TABLE things(a);", /* someone else's versioned schema */
        "CREATE TABLE things(a);",                        /* unversioned, not empty */
    };
    static const char *const expect[] = {"(user_version 7)", "(user_version 0)"};
    for (size_t i = 0; i < 2; i++) {
        char path[PATH_LEN];
        bk_cli_tmp_path(path, sizeof path, "foreign.sqlite");
        sqlite3 *db = NULL;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, setups[i], NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
        bk_store *s = NULL;
        bk_error err;
        memset(&err, 0, sizeof err);
        assert_int_equal(bk_store_open(path, &s, &err), BK_ERR_IO);
        assert_null(s);
        char want[PATH_LEN + 64];
        snprintf(want, sizeof want, "store '%s': not a blockade run store %s", path, expect[i]);
        assert_string_equal(err.message, want);
        /* Nothing was added to it. */
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        sqlite3_stmt *q = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &q,
                                            NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(q, 0), 1);
        sqlite3_finalize(q);
        sqlite3_close(db);
    }
}

static void test_readonly_open_creates_nothing(void **state)
{
    (void)state;
    char path[PATH_LEN];
    bk_cli_tmp_path(path, sizeof path, "absent.sqlite");
    bk_store *s = NULL;
    bk_error err = {0};
    assert_int_equal(bk_store_open_readonly(path, &s, &err), BK_ERR_IO);
    assert_null(s);
    assert_non_null(strstr(err.message, path));
    assert_false(bk_cli_exists(path));
    bk_store_close(NULL); /* harmless */
}

static void test_unknown_id_and_bad_calls(void **state)
{
    (void)state;
    bk_store *s = two_runs();
    bk_error err = {0};
    bk_status st;
    char *out = capture(call_show, s, 99, 0, &st, &err);
    assert_int_equal(st, BK_ERR_USAGE);
    assert_non_null(strstr(err.message, "no run with id 99"));
    free(out);
    out = capture(call_diff, s, 1, 42, &st, &err);
    assert_int_equal(st, BK_ERR_USAGE);
    assert_non_null(strstr(err.message, "no run with id 42"));
    free(out);
    assert_int_equal(bk_store_finish(s, 99, "done", NULL, &err), BK_ERR_USAGE);
    assert_non_null(strstr(err.message, "no run with id 99"));
    /* A run ends once, with one of three statuses. */
    assert_int_equal(bk_store_finish(s, 1, "done", NULL, &err), BK_ERR_USAGE);
    assert_non_null(strstr(err.message, "already ended"));
    int64_t id = 0;
    bk_store_run_info info = info_for(HASH_A, 1);
    assert_int_equal(bk_store_begin(s, &info, &id, &err), BK_OK);
    assert_int_equal(bk_store_finish(s, id, "great", NULL, &err), BK_ERR_USAGE);
    assert_non_null(strstr(err.message, "great"));
    assert_int_equal(bk_store_finish(s, id, "interrupted", NULL, &err), BK_OK);
    /* An analysis that simulates nothing (a static vulnerability analysis) records 0
     * replications; fewer, or a horizon under a day, is refused. */
    info.replications = 0;
    assert_int_equal(bk_store_begin(s, &info, &id, &err), BK_OK);
    assert_int_equal(bk_store_finish(s, id, "done", NULL, &err), BK_OK);
    info.replications = -1;
    assert_int_equal(bk_store_begin(s, &info, &id, &err), BK_ERR_USAGE);
    assert_non_null(strstr(err.message, "replications (-1) must be at least 0"));
    info.replications = 1;
    info.days = 0;
    assert_int_equal(bk_store_begin(s, &info, &id, &err), BK_ERR_USAGE);
    info.days = 20;
    /* A malformed hash is refused. */
    info.scenario_sha256 = "not-a-hash";
    assert_int_equal(bk_store_begin(s, &info, &id, &err), BK_ERR_USAGE);
    bk_store_close(s);
}

/* A process killed between begin and finish leaves its run "running": shown as such. */
static void test_begin_without_finish_is_running_or_killed(void **state)
{
    (void)state;
    char path[PATH_LEN];
    bk_store *s = new_store(path, sizeof path, "killed.sqlite");
    bk_store_run_info info = info_for(HASH_A, UINT64_MAX);
    int64_t id = begin_run(s, &info);
    bk_store_close(s); /* no finish */

    bk_error err = {0};
    assert_int_equal(bk_store_open_readonly(path, &s, &err), BK_OK);
    /* 18446744073709551615: the whole range of seeds */
    expect_printed(call_list, s, 0, 0, LIST("running or killed", "18446744073709551615"), NULL);
    expect_printed(call_show, s, id, 0, LIST("running or killed", "summary: none"), NULL);
    bk_store_close(s);
}

/* A run whose outputs were committed but whose end could not be recorded (a full disk) is told
 * apart from one that was killed: its output directory holds a manifest written after it
 * started. */
static void test_end_not_recorded(void **state)
{
    (void)state;
    char path[PATH_LEN], out_dir[PATH_LEN], manifest[PATH_LEN + 16];
    bk_store *s = new_store(path, sizeof path, "unrecorded.sqlite");
    bk_cli_tmp_dir(out_dir, sizeof out_dir, "unrecorded-out");
    snprintf(manifest, sizeof manifest, "%s/manifest.json", out_dir);
    bk_store_run_info info = info_for(HASH_A, 7);
    info.out_dir = out_dir;
    int64_t id = begin_run(s, &info);
    FILE *f = fopen(manifest, "w");
    assert_non_null(f);
    fputs("{}\n", f);
    fclose(f);
    bk_store_close(s); /* no finish: the store could not record it */
    bk_error err = {0};
    assert_int_equal(bk_store_open_readonly(path, &s, &err), BK_OK);
    expect_printed(call_list, s, 0, 0, LIST("done (end not recorded)"), NULL);
    expect_printed(call_show, s, id, 0, LIST("status           done (end not recorded)"), NULL);
    /* a manifest older than the run is a previous run's: this one was killed */
    struct utimbuf old = {978307200, 978307200}; /* 2001-01-01 */
    assert_int_equal(utime(manifest, &old), 0);
    expect_printed(call_list, s, 0, 0, LIST("running or killed"), LIST("end not recorded"));
    bk_store_close(s);
}

static void test_scenario_text_stored_once(void **state)
{
    (void)state;
    char path[PATH_LEN];
    bk_store *s = store_with_two_runs(path, sizeof path); /* two runs of HASH_A */
    bk_store_close(s);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), max(text) FROM scenarios", -1, &q,
                                        NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 1);
    assert_string_equal((const char *)sqlite3_column_text(q, 1),
                        "blockade: 1\nscenario: {name: Test}\n");
    sqlite3_finalize(q);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    sqlite3_close(db);
}

BK_TEST_MAIN_GROUP("store", bk_cli_setup, bk_cli_teardown, test_open_create_and_reopen,
                   test_show_prints_every_field, test_show_escapes_terminal_controls,
                   test_diff_compares_metrics, test_refuses_a_file_that_is_not_sqlite,
                   test_refuses_a_foreign_sqlite_database, test_readonly_open_creates_nothing,
                   test_unknown_id_and_bad_calls, test_begin_without_finish_is_running_or_killed,
                   test_end_not_recorded, test_scenario_text_stored_once)
