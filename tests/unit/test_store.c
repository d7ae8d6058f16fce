/* test_store.c: the run store (blockade/store.h) and the commands that use it.
 *
 * The library part opens stores in a fresh temporary directory and reads what list, show and
 * diff print into memory. The command-line part starts the tool (fork/exec, no shell) with
 * BLOCKADE_STORE pointing into the temporary directory: `run` records, `--no-store` does not,
 * a bad scenario leaves no run "running", and `runs list|show|diff` read it back. The `runs`
 * cases skip, saying so, while the tool's command table does not have them yet.
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

#define TWO_CORRIDORS BK_SOURCE_DIR "/scenarios/test/two-corridors.yaml"
#define BAD_SCENARIO BK_SOURCE_DIR "/tests/cli/bad-value.yaml"
#define PATH_LEN 4096
#define HASH_A "c859c17ecef0263fdc6a7cd6df86c665ef69f7ae85d2256a7a0f82975530c5c0"
#define HASH_B "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static char *tmp_root;  /* a fresh directory for this test program, removed at the end */
static int tmp_serial;

/* A new path name under tmp_root (nothing is created). */
static void tmp_path(char *buf, size_t size, const char *stem)
{
    int n = snprintf(buf, size, "%s/%s-%d", tmp_root, stem, ++tmp_serial);
    assert_true(n > 0 && (size_t)n < size);
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* A run description with the given scenario hash and seed; the rest fixed. */
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

/* What a store call prints, as a new string; its status in *st. */
typedef bk_status (*print_fn)(bk_store *store, int64_t a, int64_t b, FILE *out, bk_error *err);

static bk_status call_list(bk_store *s, int64_t a, int64_t b, FILE *out, bk_error *err)
{
    (void)b;
    return bk_store_list(s, (long)a, out, err);
}

static bk_status call_show(bk_store *s, int64_t a, int64_t b, FILE *out, bk_error *err)
{
    (void)b;
    return bk_store_show(s, a, out, err);
}

static bk_status call_diff(bk_store *s, int64_t a, int64_t b, FILE *out, bk_error *err)
{
    return bk_store_diff(s, a, b, out, err);
}

static char *capture(print_fn fn, bk_store *s, int64_t a, int64_t b, bk_status *st,
                     bk_error *err)
{
    /* The stream's buffer pointer lives on the heap: GCC takes a pointer handed to
     * open_memstream from the stack for one that dangles once the function returns. */
    struct {
        char *text;
        size_t len;
    } *buf = calloc(1, sizeof *buf);
    assert_non_null(buf);
    FILE *f = open_memstream(&buf->text, &buf->len);
    assert_non_null(f);
    *st = fn(s, a, b, f, err);
    assert_int_equal(fclose(f), 0);
    char *text = buf->text;
    free(buf);
    assert_non_null(text);
    return text;
}

/* A new store at a fresh path with two finished runs (ids 1 and 2). */
static bk_store *store_with_two_runs(char *path, size_t size)
{
    tmp_path(path, size, "two.sqlite");
    bk_store *s = NULL;
    bk_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(bk_store_open(path, &s, &err), BK_OK);
    assert_non_null(s);
    int64_t id = 0;
    bk_store_run_info info = info_for(HASH_A, 7);
    assert_int_equal(bk_store_begin(s, &info, &id, &err), BK_OK);
    assert_int_equal(id, 1);
    assert_int_equal(bk_store_finish(s, id, "done", summary_a, &err), BK_OK);
    info = info_for(HASH_A, 8);
    assert_int_equal(bk_store_begin(s, &info, &id, &err), BK_OK);
    assert_int_equal(id, 2);
    assert_int_equal(bk_store_finish(s, id, "done", summary_b, &err), BK_OK);
    return s;
}

/* ---- the library ------------------------------------------------------------------------ */

static void test_open_create_and_reopen(void **state)
{
    (void)state;
    char path[PATH_LEN];
    bk_store *s = store_with_two_runs(path, sizeof path);
    bk_store_close(s);
    assert_true(exists(path));

    /* Reopened, for writing and for reading, the store still has both runs. */
    bk_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(bk_store_open(path, &s, &err), BK_OK);
    int64_t id = 0;
    bk_store_run_info info = info_for(HASH_B, 9);
    assert_int_equal(bk_store_begin(s, &info, &id, &err), BK_OK);
    assert_int_equal(id, 3); /* numbering goes on */
    assert_int_equal(bk_store_finish(s, id, "failed", NULL, &err), BK_OK);
    bk_store_close(s);
    assert_int_equal(bk_store_open_readonly(path, &s, &err), BK_OK);
    bk_status st;
    char *out = capture(call_list, s, 0, 0, &st, &err);
    assert_int_equal(st, BK_OK);
    char *r1 = strstr(out, "\n 1  "), *r2 = strstr(out, "\n 2  "), *r3 = strstr(out, "\n 3  ");
    assert_non_null(r1);
    assert_non_null(r2);
    assert_non_null(r3);
    assert_true(r3 < r2 && r2 < r1); /* newest first */
    assert_non_null(strstr(out, "failed"));
    assert_non_null(strstr(out, "Two corridors (test) c859c17ecef0 "));
    assert_non_null(strstr(out, "Other scenario 001122334455 "));
    free(out);

    /* --limit: only the newest. */
    out = capture(call_list, s, 1, 0, &st, &err);
    assert_int_equal(st, BK_OK);
    assert_non_null(strstr(out, "\n 3  "));
    assert_null(strstr(out, "\n 2  "));
    free(out);

    /* A read-only handle records nothing. */
    assert_int_equal(bk_store_begin(s, &info, &id, &err), BK_ERR_USAGE);
    assert_non_null(strstr(err.message, "read-only"));
    bk_store_close(s);
}

static void test_show_prints_every_field(void **state)
{
    (void)state;
    char path[PATH_LEN];
    bk_store *s = store_with_two_runs(path, sizeof path);
    bk_error err;
    memset(&err, 0, sizeof err);
    bk_status st;
    char *out = capture(call_show, s, 1, 0, &st, &err);
    assert_int_equal(st, BK_OK);
    static const char *const want[] = {
        "kind", "run", "status           done", "started (UTC)", "Z\n", "ended (UTC)",
        "scenario         Two corridors (test)", "scenario sha256  " HASH_A,
        "seed             7", "replications     1", "days             20",
        "command          blockade run x.yaml --seed 7", "outputs          /somewhere/out/a",
        "parameters:\n", "  check_invariants  true", "summary:\n",
        "  totals.delivered_l  1000", "  city.unmet_l.power  10", "  totals.price        1.5"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!strstr(out, want[i]))
            fail_msg("show lacks \"%s\":\n%s", want[i], out);
    }
    free(out);
    bk_store_close(s);
}

/* Recorded text reaches a terminal escaped: an ESC sequence, a BEL, a C1 CSI or a bidi override
 * in a command line, a name or a path cannot drive or reorder the screen. */
static void test_show_escapes_terminal_controls(void **state)
{
    (void)state;
    char path[PATH_LEN];
    tmp_path(path, sizeof path, "controls.sqlite");
    bk_store *s = NULL;
    bk_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(bk_store_open(path, &s, &err), BK_OK);
    bk_store_run_info info = info_for(HASH_A, 7);
    info.command = "blockade run --out \x1b]0;owned\x07x \xe2\x80\xae" "evil";
    info.out_dir = "/tmp/a\xc2\x9b" "2Jb";
    info.params_json = "{\"note\": \"\\u001b[31mred\"}";
    int64_t id = 0;
    assert_int_equal(bk_store_begin(s, &info, &id, &err), BK_OK);
    assert_int_equal(bk_store_finish(s, id, "done", summary_a, &err), BK_OK);
    bk_status st;
    char *out = capture(call_show, s, id, 0, &st, &err);
    assert_int_equal(st, BK_OK);
    for (const char *p = out; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c < 0x20 && c != '\n') || c == 0x7f)
            fail_msg("show printed control byte 0x%02x:\n%s", c, out);
    }
    assert_null(strstr(out, "\xe2\x80\xae"));
    assert_null(strstr(out, "\xc2\x9b"));
    assert_non_null(strstr(out, "--out \\x1b]0;owned\\x07x \\u202eevil"));
    assert_non_null(strstr(out, "/tmp/a\\u009b2Jb"));
    assert_non_null(strstr(out, "\\x1b[31mred"));
    free(out);
    out = capture(call_list, s, 0, 0, &st, &err);
    assert_int_equal(st, BK_OK);
    assert_null(strchr(out, 0x1b));
    free(out);
    bk_store_close(s);
}

static void test_diff_compares_metrics(void **state)
{
    (void)state;
    char path[PATH_LEN];
    bk_store *s = store_with_two_runs(path, sizeof path);
    bk_error err;
    memset(&err, 0, sizeof err);
    bk_status st;
    char *out = capture(call_diff, s, 1, 2, &st, &err);
    assert_int_equal(st, BK_OK);
    static const char *const want[] = {
        "scenario: the same in both runs: Two corridors (test) (sha256 " HASH_A ")",
        "run 1", "run 2", "seed", "differs", "summary:", "change", "relative",
        /* key, a, b, change, relative: columns are aligned, so look at the numbers */
        "1000", "1500", "+500", "+50.00 %", "+40", "n/a", "-5", "-50.00 %",
        "only in run 1", "only in run 2", "city.unmet_l.power", "totals.delivered_l"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!strstr(out, want[i]))
            fail_msg("diff lacks \"%s\":\n%s", want[i], out);
    }
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
    int64_t id = 0;
    bk_store_run_info info = info_for(HASH_B, 7);
    assert_int_equal(bk_store_begin(s, &info, &id, &err), BK_OK);
    out = capture(call_diff, s, 1, id, &st, &err);
    assert_int_equal(st, BK_OK);
    assert_non_null(strstr(out, "scenario: different"));
    assert_non_null(strstr(out, HASH_B));
    assert_non_null(strstr(out, "running or killed"));
    free(out);
    bk_store_close(s);
}

static void test_refuses_a_file_that_is_not_sqlite(void **state)
{
    (void)state;
    char path[PATH_LEN];
    tmp_path(path, sizeof path, "notes.txt");
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
        assert_non_null(strstr(err.message, "not a blockade run store"));
        assert_non_null(strstr(err.message, "not an SQLite database"));
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
        tmp_path(path, sizeof path, "foreign.sqlite");
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
    tmp_path(path, sizeof path, "absent.sqlite");
    bk_store *s = NULL;
    bk_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(bk_store_open_readonly(path, &s, &err), BK_ERR_IO);
    assert_null(s);
    assert_non_null(strstr(err.message, path));
    assert_false(exists(path));
    bk_store_close(NULL); /* harmless */
}

static void test_unknown_id_and_bad_calls(void **state)
{
    (void)state;
    char path[PATH_LEN];
    bk_store *s = store_with_two_runs(path, sizeof path);
    bk_error err;
    memset(&err, 0, sizeof err);
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
    tmp_path(path, sizeof path, "killed.sqlite");
    bk_store *s = NULL;
    bk_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(bk_store_open(path, &s, &err), BK_OK);
    int64_t id = 0;
    bk_store_run_info info = info_for(HASH_A, UINT64_MAX);
    assert_int_equal(bk_store_begin(s, &info, &id, &err), BK_OK);
    bk_store_close(s); /* no finish */

    assert_int_equal(bk_store_open_readonly(path, &s, &err), BK_OK);
    bk_status st;
    char *out = capture(call_list, s, 0, 0, &st, &err);
    assert_int_equal(st, BK_OK);
    assert_non_null(strstr(out, "running or killed"));
    assert_non_null(strstr(out, "18446744073709551615")); /* the whole range of seeds */
    free(out);
    out = capture(call_show, s, id, 0, &st, &err);
    assert_int_equal(st, BK_OK);
    assert_non_null(strstr(out, "running or killed"));
    assert_non_null(strstr(out, "summary: none"));
    free(out);
    bk_store_close(s);
}

/* A run whose outputs were committed but whose end could not be recorded (a full disk) is told
 * apart from one that was killed: its output directory holds a manifest written after it
 * started. */
static void test_end_not_recorded(void **state)
{
    (void)state;
    char path[PATH_LEN], out_dir[PATH_LEN], manifest[PATH_LEN + 16];
    tmp_path(path, sizeof path, "unrecorded.sqlite");
    tmp_path(out_dir, sizeof out_dir, "unrecorded-out");
    assert_int_equal(mkdir(out_dir, 0777), 0);
    snprintf(manifest, sizeof manifest, "%s/manifest.json", out_dir);
    bk_store *s = NULL;
    bk_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(bk_store_open(path, &s, &err), BK_OK);
    int64_t id = 0;
    bk_store_run_info info = info_for(HASH_A, 7);
    info.out_dir = out_dir;
    assert_int_equal(bk_store_begin(s, &info, &id, &err), BK_OK);
    FILE *f = fopen(manifest, "w");
    assert_non_null(f);
    fputs("{}\n", f);
    fclose(f);
    bk_store_close(s); /* no finish: the store could not record it */
    assert_int_equal(bk_store_open_readonly(path, &s, &err), BK_OK);
    bk_status st;
    char *out = capture(call_list, s, 0, 0, &st, &err);
    assert_int_equal(st, BK_OK);
    assert_non_null(strstr(out, "done (end not recorded)"));
    free(out);
    out = capture(call_show, s, id, 0, &st, &err);
    assert_non_null(strstr(out, "status           done (end not recorded)"));
    free(out);
    /* a manifest older than the run is a previous run's: this one was killed */
    struct utimbuf old = {978307200, 978307200}; /* 2001-01-01 */
    assert_int_equal(utime(manifest, &old), 0);
    out = capture(call_list, s, 0, 0, &st, &err);
    assert_non_null(strstr(out, "running or killed"));
    assert_null(strstr(out, "end not recorded"));
    free(out);
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

/* ---- the command-line tool -------------------------------------------------------------- */

typedef struct result {
    int code;
    char *out;
    char *err;
} result;

static void result_free(result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

/* Runs the tool with a NULL-terminated list of arguments after the program name, in the
 * current environment (the tests set BLOCKADE_STORE with setenv). */
static void run_args(result *r, ...)
{
    char *argv[32];
    int n = 0;
    argv[n++] = (char *)"blockade";
    va_list ap;
    va_start(ap, r);
    char *a;
    while ((a = va_arg(ap, char *)) != NULL && n < 31)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;

    char out_path[PATH_LEN], err_path[PATH_LEN];
    tmp_path(out_path, sizeof out_path, "stdout");
    tmp_path(err_path, sizeof err_path, "stderr");
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
            _exit(126);
        execv(BK_CLI_PATH, argv);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        assert_int_equal(errno, EINTR);
    r->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r->out = bk_test_read_file(out_path, NULL);
    r->err = bk_test_read_file(err_path, NULL);
    assert_non_null(r->out);
    assert_non_null(r->err);
    unlink(out_path);
    unlink(err_path);
}

static void expect_code(const result *r, int code)
{
    if (r->code != code)
        fail_msg("exit code %d, expected %d\nstdout: %.2000s\nstderr: %.2000s", r->code, code,
                 r->out, r->err);
}

/* The `runs` commands are registered. */
static void need_runs_commands(void)
{
    result r;
    run_args(&r, "runs", "list", "--help", NULL);
    expect_code(&r, 0);
    result_free(&r);
}

/* Runs in the store: (all, still "running"). */
static void count_runs(const char *path, int *all, int *running)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*), count(*) FILTER (WHERE status = "
                                        "'running') FROM runs",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    *all = sqlite3_column_int(q, 0);
    *running = sqlite3_column_int(q, 1);
    sqlite3_finalize(q);
    sqlite3_close(db);
}

/* Two `run --out` into the same parent record into PARENT/runs.sqlite; `runs list` shows both
 * and `runs diff 1 2` compares them. */
static void test_cli_run_records_next_to_out(void **state)
{
    (void)state;
    unsetenv("BLOCKADE_STORE");
    char parent[PATH_LEN], a[PATH_LEN + 8], b[PATH_LEN + 8], store[PATH_LEN + 16];
    tmp_path(parent, sizeof parent, "parent");
    assert_int_equal(mkdir(parent, 0755), 0);
    snprintf(a, sizeof a, "%s/a", parent);
    snprintf(b, sizeof b, "%s/b", parent);
    snprintf(store, sizeof store, "%s/runs.sqlite", parent);
    result r;
    run_args(&r, "run", TWO_CORRIDORS, "--days", "5", "--out", a, "--quiet", NULL);
    expect_code(&r, 0);
    result_free(&r);
    run_args(&r, "run", TWO_CORRIDORS, "--days", "6", "--seed", "9", "--out", b, "--quiet",
             NULL);
    expect_code(&r, 0);
    result_free(&r);
    assert_true(exists(store));
    int all = 0, running = 0;
    count_runs(store, &all, &running);
    assert_int_equal(all, 2);
    assert_int_equal(running, 0);
    /* The store is not among the outputs. */
    char inside[PATH_LEN + 32];
    snprintf(inside, sizeof inside, "%s/runs.sqlite", a);
    assert_false(exists(inside));

    bk_store *s = NULL;
    bk_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(bk_store_open_readonly(store, &s, &err), BK_OK);
    bk_status st;
    char *show = capture(call_show, s, 2, 0, &st, &err);
    assert_int_equal(st, BK_OK);
    assert_non_null(strstr(show, "status           done"));
    assert_non_null(strstr(show, "totals.delivered_l"));   /* the summary JSON */
    assert_non_null(strstr(show, "--seed 9"));             /* the command line */
    assert_non_null(strstr(show, "/b\n"));                 /* the output directory */
    free(show);
    bk_store_close(s);

    need_runs_commands();
    setenv("BLOCKADE_STORE", store, 1);
    run_args(&r, "runs", "list", NULL);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "\n 1  run"));
    assert_non_null(strstr(r.out, "\n 2  run"));
    bk_scenario *sc = NULL;
    assert_int_equal(bk_scenario_load_file(TWO_CORRIDORS, &sc, NULL), BK_OK);
    char hash[65], want[128];
    bk_scenario_hash(sc, hash);
    snprintf(want, sizeof want, "%s %.12s", bk_scenario_name(sc), hash);
    bk_scenario_free(sc);
    assert_non_null(strstr(r.out, want)); /* the name and the start of the hash */
    result_free(&r);
    run_args(&r, "runs", "diff", "1", "2", NULL);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "scenario: the same in both runs"));
    assert_non_null(strstr(r.out, "totals.delivered_l"));
    result_free(&r);
    run_args(&r, "runs", "show", "2", "--store", store, NULL);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "seed             9"));
    result_free(&r);
    run_args(&r, "runs", "show", "3", NULL);
    expect_code(&r, 2);
    assert_non_null(strstr(r.err, "no run with id 3"));
    result_free(&r);
    run_args(&r, "runs", "show", "first", NULL);
    expect_code(&r, 2);
    result_free(&r);
    unsetenv("BLOCKADE_STORE");
}

/* BLOCKADE_STORE records a run without --out; --no-store records nothing anywhere. */
static void test_cli_env_store_and_no_store(void **state)
{
    (void)state;
    char store[PATH_LEN], parent[PATH_LEN], out[PATH_LEN + 8], beside[PATH_LEN + 16];
    tmp_path(store, sizeof store, "env.sqlite");
    setenv("BLOCKADE_STORE", store, 1);
    result r;
    run_args(&r, "run", TWO_CORRIDORS, "--days", "3", "--no-store", "--quiet", NULL);
    expect_code(&r, 0);
    result_free(&r);
    assert_false(exists(store));

    run_args(&r, "run", TWO_CORRIDORS, "--days", "3", "--quiet", NULL);
    expect_code(&r, 0);
    result_free(&r);
    int all = 0, running = 0;
    count_runs(store, &all, &running);
    assert_int_equal(all, 1);

    unsetenv("BLOCKADE_STORE");
    tmp_path(parent, sizeof parent, "nostore");
    assert_int_equal(mkdir(parent, 0755), 0);
    snprintf(out, sizeof out, "%s/out", parent);
    snprintf(beside, sizeof beside, "%s/runs.sqlite", parent);
    run_args(&r, "run", TWO_CORRIDORS, "--days", "3", "--out", out, "--no-store", "--quiet",
             NULL);
    expect_code(&r, 0);
    result_free(&r);
    assert_false(exists(beside));
    run_args(&r, "run", TWO_CORRIDORS, "--store", store, "--no-store", NULL);
    expect_code(&r, 2);
    result_free(&r);
}

/* A bad scenario never leaves a run "running"; a store that cannot be opened stops the run
 * before it starts (exit 4, no outputs); a store inside --out is refused. */
static void test_cli_failures_leave_no_running_run(void **state)
{
    (void)state;
    char store[PATH_LEN];
    tmp_path(store, sizeof store, "fail.sqlite");
    setenv("BLOCKADE_STORE", store, 1);
    result r;
    run_args(&r, "run", TWO_CORRIDORS, "--days", "2", "--quiet", NULL);
    expect_code(&r, 0);
    result_free(&r);
    run_args(&r, "run", BAD_SCENARIO, "--quiet", NULL);
    expect_code(&r, 3);
    result_free(&r);
    int all = 0, running = 0;
    count_runs(store, &all, &running);
    assert_int_equal(running, 0);
    assert_true(all >= 1);

    char dir[PATH_LEN], bad_store[PATH_LEN + 32];
    tmp_path(dir, sizeof dir, "out");
    snprintf(bad_store, sizeof bad_store, "%s/no/such/dir/x.sqlite", tmp_root);
    run_args(&r, "run", TWO_CORRIDORS, "--days", "2", "--out", dir, "--store", bad_store, NULL);
    expect_code(&r, 4);
    assert_non_null(strstr(r.err, bad_store));
    result_free(&r);
    assert_false(exists(dir));

    char in_out[PATH_LEN + 16];
    snprintf(in_out, sizeof in_out, "%s/runs.sqlite", dir);
    run_args(&r, "run", TWO_CORRIDORS, "--days", "2", "--out", dir, "--store", in_out, NULL);
    expect_code(&r, 2);
    assert_non_null(strstr(r.err, "inside the output directory"));
    result_free(&r);
    assert_false(exists(dir));
    unsetenv("BLOCKADE_STORE");
}

/* Reading commands never create a store. */
static void test_cli_runs_missing_store(void **state)
{
    (void)state;
    need_runs_commands();
    char store[PATH_LEN];
    tmp_path(store, sizeof store, "missing.sqlite");
    setenv("BLOCKADE_STORE", store, 1);
    result r;
    run_args(&r, "runs", "list", NULL);
    expect_code(&r, 4);
    assert_non_null(strstr(r.err, "no run store at"));
    assert_non_null(strstr(r.err, store));
    result_free(&r);
    assert_false(exists(store));
    unsetenv("BLOCKADE_STORE");
}

/* `report --run ID` finds the output directory the store recorded for the run; an unknown id is
 * a usage error; a run recorded without --out has no directory to report on. */
static void test_cli_report_by_run_id(void **state)
{
    (void)state;
    char parent[PATH_LEN], out[PATH_LEN + 8], store[PATH_LEN + 16], html[PATH_LEN + 16];
    tmp_path(parent, sizeof parent, "report");
    assert_int_equal(mkdir(parent, 0755), 0);
    snprintf(out, sizeof out, "%s/a", parent);
    snprintf(store, sizeof store, "%s/runs.sqlite", parent);
    snprintf(html, sizeof html, "%s/a.html", parent);
    setenv("BLOCKADE_STORE", store, 1);
    result r;
    run_args(&r, "run", TWO_CORRIDORS, "--days", "5", "--out", out, "--quiet", NULL);
    expect_code(&r, 0);
    result_free(&r);
    run_args(&r, "run", TWO_CORRIDORS, "--days", "5", "--quiet", NULL); /* no --out */
    expect_code(&r, 0);
    result_free(&r);
    run_args(&r, "report", "--run", "1", "-o", html, "--quiet", NULL);
    expect_code(&r, 0);
    result_free(&r);
    assert_true(exists(html));
    run_args(&r, "report", "--run", "99", "-o", html, NULL);
    expect_code(&r, 2);
    assert_non_null(strstr(r.err, "no run 99"));
    result_free(&r);
    run_args(&r, "report", "--run", "2", "-o", html, NULL);
    expect_code(&r, 4);
    assert_non_null(strstr(r.err, "no output directory"));
    result_free(&r);
    run_args(&r, "report", out, "--run", "1", "-o", html, NULL);
    expect_code(&r, 2);
    result_free(&r);
    unsetenv("BLOCKADE_STORE");
}

static int setup(void **state)
{
    (void)state;
    tmp_root = bk_test_make_temp_dir("bk-test-store");
    return tmp_root ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    int rc = bk_test_remove_tree(tmp_root);
    free(tmp_root);
    return rc;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_create_and_reopen),
        cmocka_unit_test(test_show_prints_every_field),
        cmocka_unit_test(test_show_escapes_terminal_controls),
        cmocka_unit_test(test_diff_compares_metrics),
        cmocka_unit_test(test_refuses_a_file_that_is_not_sqlite),
        cmocka_unit_test(test_refuses_a_foreign_sqlite_database),
        cmocka_unit_test(test_readonly_open_creates_nothing),
        cmocka_unit_test(test_unknown_id_and_bad_calls),
        cmocka_unit_test(test_begin_without_finish_is_running_or_killed),
        cmocka_unit_test(test_end_not_recorded),
        cmocka_unit_test(test_scenario_text_stored_once),
        cmocka_unit_test(test_cli_run_records_next_to_out),
        cmocka_unit_test(test_cli_env_store_and_no_store),
        cmocka_unit_test(test_cli_failures_leave_no_running_run),
        cmocka_unit_test(test_cli_runs_missing_store),
        cmocka_unit_test(test_cli_report_by_run_id),
    };
    return cmocka_run_group_tests_name("store", tests, setup, teardown);
}
