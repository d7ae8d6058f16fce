/* test_store_cli.c: the commands that use the run store, run as a separate process.
 *
 * The tool is started (fork/exec, no shell) with BLOCKADE_STORE pointing into a temporary
 * directory: `run` records, `--no-store` does not, a bad scenario leaves no run "running", and
 * `runs list|show|diff` read it back. The `runs` cases skip, saying so, while the tool's command
 * table does not have them yet.
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

#define TWO_CORRIDORS BK_SOURCE_DIR "/scenarios/test/two-corridors.yaml"
#define BAD_SCENARIO  BK_SOURCE_DIR "/tests/cli/bad-value.yaml"

static void need_runs_commands(void)
{
    bk_cli_run_code(0, NULL, "runs", "list", "--help", NULL);
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
    bk_cli_tmp_dir(parent, sizeof parent, "parent");
    snprintf(a, sizeof a, "%s/a", parent);
    snprintf(b, sizeof b, "%s/b", parent);
    snprintf(store, sizeof store, "%s/runs.sqlite", parent);
    bk_cli_result r;
    bk_cli_run_code(0, NULL, "run", TWO_CORRIDORS, "--days", "5", "--out", a, "--quiet", NULL);
    bk_cli_run_code(0, NULL, "run", TWO_CORRIDORS, "--days", "6", "--seed", "9", "--out", b,
                    "--quiet", NULL);
    assert_true(bk_cli_exists(store));
    int all = 0, running = 0;
    count_runs(store, &all, &running);
    assert_int_equal(all, 2);
    assert_int_equal(running, 0);
    /* The store is not among the outputs. */
    char inside[PATH_LEN + 32];
    snprintf(inside, sizeof inside, "%s/runs.sqlite", a);
    assert_false(bk_cli_exists(inside));

    bk_store *s = NULL;
    bk_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(bk_store_open_readonly(store, &s, &err), BK_OK);
    bk_status st;
    char *show = capture(call_show, s, 2, 0, &st, &err);
    assert_int_equal(st, BK_OK);
    assert_non_null(strstr(show, "status           done"));
    assert_non_null(strstr(show, "totals.delivered_l")); /* the summary JSON */
    assert_non_null(strstr(show, "--seed 9"));           /* the command line */
    assert_non_null(strstr(show, "/b\n"));               /* the output directory */
    free(show);
    bk_store_close(s);

    need_runs_commands();
    setenv("BLOCKADE_STORE", store, 1);
    bk_cli_run_expect(&r, 0, "runs", "list", NULL);
    BK_TEST_HAS_ALL(r.out, "\n 1  run", "\n 2  run");
    bk_scenario *sc = NULL;
    assert_int_equal(bk_scenario_load_file(TWO_CORRIDORS, &sc, NULL), BK_OK);
    char hash[65], want[128];
    bk_scenario_hash(sc, hash);
    snprintf(want, sizeof want, "%s %.12s", bk_scenario_name(sc), hash);
    bk_scenario_free(sc);
    assert_non_null(strstr(r.out, want)); /* the name and the start of the hash */
    bk_cli_result_free(&r);
    bk_cli_run_expect(&r, 0, "runs", "diff", "1", "2", NULL);
    BK_TEST_HAS_ALL(r.out, "scenario: the same in both runs", "totals.delivered_l");
    bk_cli_result_free(&r);
    bk_cli_run_expect(&r, 0, "runs", "show", "2", "--store", store, NULL);
    assert_non_null(strstr(r.out, "seed             9"));
    bk_cli_result_free(&r);
    bk_cli_run_code(2, "no run with id 3", "runs", "show", "3", NULL);
    bk_cli_run_code(2, NULL, "runs", "show", "first", NULL);
    unsetenv("BLOCKADE_STORE");
}

/* BLOCKADE_STORE records a run without --out; --no-store records nothing anywhere. */
static void test_cli_env_store_and_no_store(void **state)
{
    (void)state;
    char store[PATH_LEN], parent[PATH_LEN], out[PATH_LEN + 8], beside[PATH_LEN + 16];
    bk_cli_tmp_path(store, sizeof store, "env.sqlite");
    setenv("BLOCKADE_STORE", store, 1);
    bk_cli_run_code(0, NULL, "run", TWO_CORRIDORS, "--days", "3", "--no-store", "--quiet", NULL);
    assert_false(bk_cli_exists(store));

    bk_cli_run_code(0, NULL, "run", TWO_CORRIDORS, "--days", "3", "--quiet", NULL);
    int all = 0, running = 0;
    count_runs(store, &all, &running);
    assert_int_equal(all, 1);

    unsetenv("BLOCKADE_STORE");
    bk_cli_tmp_dir(parent, sizeof parent, "nostore");
    snprintf(out, sizeof out, "%s/out", parent);
    snprintf(beside, sizeof beside, "%s/runs.sqlite", parent);
    bk_cli_run_code(0, NULL, "run", TWO_CORRIDORS, "--days", "3", "--out", out, "--no-store",
                    "--quiet", NULL);
    assert_false(bk_cli_exists(beside));
    bk_cli_run_code(2, NULL, "run", TWO_CORRIDORS, "--store", store, "--no-store", NULL);
}

/* A bad scenario never leaves a run "running"; a store that cannot be opened stops the run
 * before it starts (exit 4, no outputs); a store inside --out is refused. */
static void test_cli_failures_leave_no_running_run(void **state)
{
    (void)state;
    char store[PATH_LEN];
    bk_cli_tmp_path(store, sizeof store, "fail.sqlite");
    setenv("BLOCKADE_STORE", store, 1);
    bk_cli_run_code(0, NULL, "run", TWO_CORRIDORS, "--days", "2", "--quiet", NULL);
    bk_cli_run_code(3, NULL, "run", BAD_SCENARIO, "--quiet", NULL);
    int all = 0, running = 0;
    count_runs(store, &all, &running);
    assert_int_equal(running, 0);
    assert_true(all >= 1);

    char dir[PATH_LEN], bad_store[PATH_LEN + 32];
    bk_cli_tmp_path(dir, sizeof dir, "out");
    snprintf(bad_store, sizeof bad_store, "%s/no/such/dir/x.sqlite", bk_cli_tmp_root);
    bk_cli_run_code(4, bad_store, "run", TWO_CORRIDORS, "--days", "2", "--out", dir, "--store",
                    bad_store, NULL);
    assert_false(bk_cli_exists(dir));

    char in_out[PATH_LEN + 16];
    snprintf(in_out, sizeof in_out, "%s/runs.sqlite", dir);
    bk_cli_run_code(2, "inside the output directory", "run", TWO_CORRIDORS, "--days", "2", "--out",
                    dir, "--store", in_out, NULL);
    assert_false(bk_cli_exists(dir));
    unsetenv("BLOCKADE_STORE");
}

/* Reading commands never create a store. */
static void test_cli_runs_missing_store(void **state)
{
    (void)state;
    need_runs_commands();
    char store[PATH_LEN];
    bk_cli_tmp_path(store, sizeof store, "missing.sqlite");
    setenv("BLOCKADE_STORE", store, 1);
    bk_cli_result r;
    bk_cli_run_expect(&r, 4, "runs", "list", NULL);
    assert_non_null(strstr(r.err, "no run store at"));
    assert_non_null(strstr(r.err, store));
    bk_cli_result_free(&r);
    assert_false(bk_cli_exists(store));
    unsetenv("BLOCKADE_STORE");
}

/* `report --run ID` finds the output directory the store recorded for the run; an unknown id is
 * a usage error; a run recorded without --out has no directory to report on. */
static void test_cli_report_by_run_id(void **state)
{
    (void)state;
    char parent[PATH_LEN], out[PATH_LEN + 8], store[PATH_LEN + 16], html[PATH_LEN + 16];
    bk_cli_tmp_dir(parent, sizeof parent, "report");
    snprintf(out, sizeof out, "%s/a", parent);
    snprintf(store, sizeof store, "%s/runs.sqlite", parent);
    snprintf(html, sizeof html, "%s/a.html", parent);
    setenv("BLOCKADE_STORE", store, 1);
    bk_cli_run_code(0, NULL, "run", TWO_CORRIDORS, "--days", "5", "--out", out, "--quiet", NULL);
    bk_cli_run_code(0, NULL, "run", TWO_CORRIDORS, "--days", "5", "--quiet", NULL); /* no --out */
    bk_cli_run_code(0, NULL, "report", "--run", "1", "-o", html, "--quiet", NULL);
    assert_true(bk_cli_exists(html));
    bk_cli_run_code(2, "no run 99", "report", "--run", "99", "-o", html, NULL);
    bk_cli_run_code(4, "no output directory", "report", "--run", "2", "-o", html, NULL);
    bk_cli_run_code(2, NULL, "report", out, "--run", "1", "-o", html, NULL);
    unsetenv("BLOCKADE_STORE");
}

BK_TEST_MAIN_GROUP("store_cli", bk_cli_setup, bk_cli_teardown, test_cli_run_records_next_to_out,
                   test_cli_env_store_and_no_store, test_cli_failures_leave_no_running_run,
                   test_cli_runs_missing_store, test_cli_report_by_run_id)
