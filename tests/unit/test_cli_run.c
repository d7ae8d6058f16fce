/* test_cli_run.c: `blockade run` and its output directories, run as a separate process: all six
 * files, all-or-nothing, --force, missing parents, a full disk, Ctrl-C, a full stdout,
 * determinism byte for byte, and the JSON summary.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libfyaml.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bk_test.h"
#include "bk_test_cli.h"
#include "bk_test_main.h"
#include "blockade/blockade.h"

#define TWO_CORRIDORS BK_SOURCE_DIR "/scenarios/test/two-corridors.yaml"
#define CASES_FILE    BK_SOURCE_DIR "/tests/cli/cases.txt"
static const char *const run_files[] = {"daily.csv",    "events.csv",    "events.geojson",
                                        "summary.json", "manifest.json", "scenario.yaml"};
#define N_RUN_FILES (sizeof run_files / sizeof run_files[0])

/* ---- run and its output directory ------------------------------------------------------- */

static void expect_run_files(const char *dir)
{
    for (size_t i = 0; i < N_RUN_FILES; i++) {
        size_t len = 0;
        char *text = bk_cli_file_in(dir, run_files[i], &len);
        if (!text)
            fail_msg("%s/%s is missing", dir, run_files[i]);
        assert_true(len > 0);
        free(text);
    }
    assert_int_equal(bk_cli_count_entries(dir), (int)N_RUN_FILES);
}

static void test_run_out_writes_every_file(void **state)
{
    (void)state;
    char dir[PATH_LEN];
    bk_cli_tmp_path(dir, sizeof dir, "out");
    bk_cli_result r;
    bk_cli_run_expect(&r, 0, "run", TWO_CORRIDORS, "--days", "20", "--out", dir, NULL);
    assert_true(r.out_len > 0); /* the story */
    assert_non_null(strstr(r.err, "outputs written to"));
    bk_cli_result_free(&r);
    expect_run_files(dir);
    assert_int_equal(bk_cli_count_entries_with(bk_cli_tmp_root, ".tmp-"), 0);

    /* The manifest records what is needed to run it again, and parses as JSON. */
    char *manifest = bk_cli_file_in(dir, "manifest.json", NULL);
    assert_non_null(manifest);
    struct fy_document *doc = fy_document_build_from_string(NULL, manifest, FY_NT);
    assert_non_null(doc);
    struct fy_node *root = fy_document_root(doc);
    char hash[65];
    bk_scenario *sc = NULL;
    assert_int_equal(bk_scenario_load_file(TWO_CORRIDORS, &sc, NULL), BK_OK);
    bk_scenario_hash(sc, hash);
    bk_scenario_free(sc);
    const char *got_hash = fy_node_get_scalar0(
        fy_node_by_path(root, "/scenario/sha256", (size_t)-1, FYNWF_DONT_FOLLOW));
    assert_non_null(got_hash);
    assert_string_equal(got_hash, hash);
    const char *days =
        fy_node_get_scalar0(fy_node_by_path(root, "/days", (size_t)-1, FYNWF_DONT_FOLLOW));
    assert_non_null(days);
    assert_string_equal(days, "20");
    struct fy_node *cmd = fy_node_by_path(root, "/command", (size_t)-1, FYNWF_DONT_FOLLOW);
    assert_non_null(cmd);
    assert_int_equal(fy_node_sequence_item_count(cmd),
                     7);                   /* blockade run FILE --days 20 --out DIR */
    assert_null(strstr(manifest, "time")); /* no wall clock: same command, same bytes */
    fy_document_destroy(doc);
    free(manifest);

    /* scenario.yaml is the scenario's text as loaded. */
    size_t a_len = 0, b_len = 0;
    char *a = bk_cli_file_in(dir, "scenario.yaml", &a_len);
    char *b = bk_test_read_file(TWO_CORRIDORS, &b_len);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a_len, b_len);
    assert_memory_equal(a, b, a_len);
    free(a);
    free(b);
}

/* The same command, run in two directories (so even the manifest's command line is the same),
 * writes the same bytes in every file. */
static void test_run_is_deterministic(void **state)
{
    (void)state;
    char cwd[2][PATH_LEN];
    bk_cli_result r[2];
    for (int k = 0; k < 2; k++) {
        bk_cli_tmp_dir(cwd[k], sizeof cwd[k], "det");
        bk_cli_run_args(cwd[k], &r[k], "run", TWO_CORRIDORS, "--seed", "42", "--out", "out", NULL);
        bk_cli_expect_code(&r[k], 0);
    }
    assert_int_equal(r[0].out_len, r[1].out_len);
    assert_memory_equal(r[0].out, r[1].out, r[0].out_len);
    for (size_t i = 0; i < N_RUN_FILES; i++) {
        char d0[PATH_LEN], d1[PATH_LEN];
        bk_cli_fmt_path(d0, sizeof d0, "%s/out", cwd[0]);
        bk_cli_fmt_path(d1, sizeof d1, "%s/out", cwd[1]);
        size_t l0 = 0, l1 = 0;
        char *f0 = bk_cli_file_in(d0, run_files[i], &l0);
        char *f1 = bk_cli_file_in(d1, run_files[i], &l1);
        assert_non_null(f0);
        assert_non_null(f1);
        if (l0 != l1 || memcmp(f0, f1, l0) != 0)
            fail_msg("%s differs between two runs of the same command", run_files[i]);
        free(f0);
        free(f1);
    }
    bk_cli_result_free(&r[0]);
    bk_cli_result_free(&r[1]);
}

static void test_run_seed_changes_daily(void **state)
{
    (void)state;
    char dir[2][PATH_LEN];
    const char *seeds[2] = {"1", "2"};
    for (int k = 0; k < 2; k++) {
        bk_cli_tmp_path(dir[k], sizeof dir[k], "seed");
        bk_cli_result r;
        bk_cli_run_expect(&r, 0, "run", TWO_CORRIDORS, "--seed", seeds[k], "--out", dir[k],
                          "--quiet", NULL);
        assert_int_equal(r.out_len, 0); /* --quiet: no story */
        assert_string_equal(r.err, ""); /* nor the "outputs written" line */
        bk_cli_result_free(&r);
    }
    size_t l0 = 0, l1 = 0;
    char *a = bk_cli_file_in(dir[0], "daily.csv", &l0);
    char *b = bk_cli_file_in(dir[1], "daily.csv", &l1);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(l0 != l1 || memcmp(a, b, l0) != 0);
    free(a);
    free(b);
}

static void test_out_nonempty_refused_then_forced(void **state)
{
    (void)state;
    char parent[PATH_LEN], dir[PATH_LEN], keep[PATH_LEN];
    bk_cli_tmp_dir(parent, sizeof parent, "force");
    bk_cli_fmt_path(dir, sizeof dir, "%s/out", parent);
    bk_cli_make_dir(dir);
    bk_cli_fmt_path(keep, sizeof keep, "%s/keep.txt", dir);
    bk_cli_write_file(keep, "precious\n");

    bk_cli_result r;
    bk_cli_run_args(NULL, &r, "run", TWO_CORRIDORS, "--days", "10", "--out", dir, NULL);
    assert_int_not_equal(r.code, 0);
    assert_int_equal(r.code, 4);
    assert_non_null(strstr(r.err, "--force"));
    bk_cli_result_free(&r);
    char *kept = bk_test_read_file(keep, NULL); /* untouched */
    assert_non_null(kept);
    assert_string_equal(kept, "precious\n");
    free(kept);
    assert_int_equal(bk_cli_count_entries(dir), 1);
    assert_int_equal(bk_cli_count_entries(parent), 1); /* no temporary directory left next to it */

    /* --force replaces only what blockade wrote: a directory without its manifest is kept */
    bk_cli_run_code(4, "is not an output directory of blockade", "run", TWO_CORRIDORS, "--days",
                    "10", "--out", dir, "--force", NULL);
    kept = bk_test_read_file(keep, NULL);
    assert_non_null(kept);
    assert_string_equal(kept, "precious\n");
    free(kept);
    assert_int_equal(bk_cli_count_entries(dir), 1);

    /* a run's own directory is replaced */
    char own[PATH_LEN], extra[PATH_LEN];
    bk_cli_fmt_path(own, sizeof own, "%s/own", parent);
    bk_cli_run_code(0, NULL, "run", TWO_CORRIDORS, "--days", "5", "--out", own, NULL);
    bk_cli_run_code(0, NULL, "run", TWO_CORRIDORS, "--days", "10", "--out", own, "--force", NULL);
    expect_run_files(own);
    /* beside the directories: out, own and the run store runs.sqlite; no temporary left */
    assert_int_equal(bk_cli_count_entries(parent), 3);

    /* ... unless something else has been put into it */
    bk_cli_fmt_path(extra, sizeof extra, "%s/mine.txt", own);
    bk_cli_write_file(extra, "mine\n");
    bk_cli_run_code(4, "holds 'mine.txt', which blockade did not write there", "run", TWO_CORRIDORS,
                    "--days", "10", "--out", own, "--force", NULL);
    assert_true(bk_cli_exists(extra));
}

/* A full disk, for real: a 48 KiB tmpfs (mounted when the test runs as root; skipped
 * otherwise). The outputs of a run and of an ensemble do not fit: each command fails with exit 4
 * and a message naming the file, leaves no output directory, no temporary directory and no
 * DIR.partial behind, and the run store (on another file system) records the run as failed. */
static void test_full_disk(void **state)
{
    (void)state;
    char mnt[PATH_LEN], out[PATH_LEN], ens[PATH_LEN], store[PATH_LEN];
    bk_cli_tmp_dir(mnt, sizeof mnt, "fulldisk");
    char cmd[PATH_LEN + 128];
    snprintf(cmd, sizeof cmd, "mount -t tmpfs -o size=48k tmpfs '%s' 2>/dev/null", mnt);
    if (geteuid() != 0 || system(cmd) != 0) {
        print_message("full-disk test skipped: cannot mount a tmpfs (needs root)\n");
        skip();
    }
    bk_cli_fmt_path(out, sizeof out, "%s/out", mnt);
    bk_cli_fmt_path(ens, sizeof ens, "%s/ens", mnt);
    bk_cli_tmp_path(store, sizeof store, "fulldisk-runs.sqlite");
    bk_cli_result r;
    bk_cli_run_args(NULL, &r, "run", TWO_CORRIDORS, "--out", out, "--store", store, NULL);
    int run_code = r.code;
    bool said = strstr(r.err, "No space left on device") != NULL;
    bk_cli_result_free(&r);
    int left_run = bk_cli_count_entries(mnt);
    bk_cli_run_args(NULL, &r, "ensemble", TWO_CORRIDORS, "-n", "20", "--out", ens, "--store", store,
                    "--quiet", NULL);
    int ens_code = r.code;
    bool said_ens = strstr(r.err, "No space left on device") != NULL;
    char ens_err[512];
    snprintf(ens_err, sizeof ens_err, "%s", r.err);
    bk_cli_result_free(&r);
    int left_ens = bk_cli_count_entries(mnt);
    bk_cli_run_args(NULL, &r, "runs", "list", "--store", store, NULL);
    bool failed_recorded = strstr(r.out, "failed") != NULL && strstr(r.out, "running") == NULL;
    bk_cli_result_free(&r);
    snprintf(cmd, sizeof cmd, "umount '%s'", mnt);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(run_code, 4);
    assert_true(said);
    assert_int_equal(left_run, 0); /* no DIR, no DIR.tmp-XXXXXX */
    if (ens_code != 4 || !said_ens)
        fail_msg("ensemble on a full disk: exit %d, \"%s\"", ens_code, ens_err);
    assert_int_equal(left_ens, 0); /* no DIR, no DIR.partial */
    assert_true(failed_recorded);
}

/* `run --out` to the path `below` under the plain file PARENT/plain-file (made here) fails with
 * exit code 4 (and stderr containing `want_err` unless NULL), leaving nothing but the file in
 * PARENT. */
static void expect_out_under_file_fails(const char *parent, const char *below, const char *want_err)
{
    char file[PATH_LEN], dir[PATH_LEN];
    bk_cli_fmt_path(file, sizeof file, "%s/plain-file", parent);
    bk_cli_write_file(file, "x");
    bk_cli_fmt_path(dir, sizeof dir, "%s/%s", file, below);
    bk_cli_run_code(4, want_err, "run", TWO_CORRIDORS, "--days", "5", "--out", dir, NULL);
    assert_int_equal(bk_cli_count_entries(parent), 1);
}

static void test_out_under_a_file_fails_cleanly(void **state)
{
    (void)state;
    char parent[PATH_LEN];
    bk_cli_tmp_dir(parent, sizeof parent, "badparent");
    expect_out_under_file_fails(parent, "out", "blockade: ");
}

/* Missing parents of DIR are created; on failure the ones created are removed again. */
static void test_out_creates_missing_parents(void **state)
{
    (void)state;
    char parent[PATH_LEN], dir[PATH_LEN];
    bk_cli_tmp_dir(parent, sizeof parent, "parents");
    bk_cli_fmt_path(dir, sizeof dir, "%s/a/b/out", parent);
    bk_cli_run_code(0, NULL, "run", TWO_CORRIDORS, "--days", "5", "--out", dir, "--quiet", NULL);
    expect_run_files(dir);

    /* Parents under a file cannot be created: the command fails and leaves nothing. */
    bk_cli_fmt_path(dir, sizeof dir, "%s/c", parent);
    bk_cli_make_dir(dir);
    expect_out_under_file_fails(dir, "x/out", NULL);
}

static void test_bad_scenario_leaves_no_output(void **state)
{
    (void)state;
    char parent[PATH_LEN], dir[PATH_LEN];
    bk_cli_tmp_dir(parent, sizeof parent, "badscen");
    bk_cli_fmt_path(dir, sizeof dir, "%s/out", parent);
    bk_cli_run_code(3, NULL, "run", BK_SOURCE_DIR "/tests/cli/bad-syntax.yaml", "--out", dir, NULL);
    assert_false(bk_cli_exists(dir));
    assert_int_equal(bk_cli_count_entries(parent), 0);
}

/* True once process pid catches SIGINT (its handler is installed), from /proc/PID/status. */
static bool catches_sigint(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool caught = false;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "SigCgt:", 7) == 0)
            caught = (strtoull(line + 7, NULL, 16) >> (SIGINT - 1)) & 1u;
    fclose(f);
    return caught;
}

/* Ctrl-C during a run: exit 130 and no output directory, not even a temporary one. A long
 * horizon keeps the run busy when the signal comes; if the signal came before the handler was
 * installed, the default action also ends the process with 128 + SIGINT = 130 and no output. */
static void test_interrupt_leaves_nothing(void **state)
{
    (void)state;
    /* The scenario comes from a named pipe nobody writes to yet, so the tool is certainly still
     * waiting for its input when Ctrl-C arrives: no race with a fast run. */
    char parent[PATH_LEN], dir[PATH_LEN], fifo[PATH_LEN];
    bk_cli_tmp_dir(parent, sizeof parent, "sigint");
    bk_cli_tmp_path(fifo, sizeof fifo, "scenario.fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    bk_cli_fmt_path(dir, sizeof dir, "%s/new/out",
                    parent); /* "new" would be created, then removed */
    char *argv[] = {(char *)"blockade", (char *)"run", fifo, (char *)"--out", dir, NULL};
    bk_cli_child c;
    bk_cli_start_tool(NULL, argv, &c);
    /* Wait until the tool has installed its SIGINT handler (SigCgt in /proc), not a fixed time:
     * a loaded machine or a sanitizer build can take longer than any pause to start. */
    for (int i = 0; i < 1000 && !catches_sigint(c.pid); i++) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
    assert_int_equal(kill(c.pid, SIGINT), 0);
    bk_cli_result r;
    bk_cli_finish_tool(&c, &r);
    bk_cli_expect_code(&r, 130);
    assert_non_null(strstr(r.err, "interrupted"));
    bk_cli_result_free(&r);
    unlink(fifo);
    assert_false(bk_cli_exists(dir));
    assert_int_equal(bk_cli_count_entries(parent), 0);
}

/* Results that cannot be written are an error, not a silent success. */
static void test_full_stdout_is_an_error(void **state)
{
    (void)state;
    if (access("/dev/full", W_OK) != 0)
        skip();
    static const char *const cases[][3] = {{"scenario", "export-default", NULL},
                                           {"--help", NULL, NULL}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err_path[PATH_LEN];
        bk_cli_tmp_path(err_path, sizeof err_path, "stderr");
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            int fo = open("/dev/full", O_WRONLY);
            int fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
                _exit(126);
            execl(BK_CLI_PATH, "blockade", cases[i][0], cases[i][1], (char *)NULL);
            _exit(127);
        }
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 4);
        char *err = bk_test_read_file(err_path, NULL);
        assert_non_null(err);
        assert_non_null(strstr(err, "blockade: "));
        free(err);
        unlink(err_path);
    }
}

/* Depth-first search for a mapping key anywhere in a document. */
static struct fy_node *find_key(struct fy_node *n, const char *key)
{
    if (!n)
        return NULL;
    void *it = NULL;
    if (fy_node_is_mapping(n)) {
        struct fy_node_pair *p;
        while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
            const char *k = fy_node_get_scalar0(fy_node_pair_key(p));
            if (k && strcmp(k, key) == 0)
                return fy_node_pair_value(p);
            struct fy_node *found = find_key(fy_node_pair_value(p), key);
            if (found)
                return found;
        }
    } else if (fy_node_is_sequence(n)) {
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(n, &it)) != NULL) {
            struct fy_node *found = find_key(item, key);
            if (found)
                return found;
        }
    }
    return NULL;
}

static void test_run_json_parses(void **state)
{
    (void)state;
    bk_cli_result r;
    bk_cli_run_expect(&r, 0, "run", TWO_CORRIDORS, "--json", NULL);
    struct fy_parse_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.flags = FYPCF_QUIET | FYPCF_JSON_FORCE;
    struct fy_document *doc = fy_document_build_from_string(&cfg, r.out, r.out_len);
    if (!doc)
        fail_msg("--json output is not JSON:\n%s", r.out);
    struct fy_node *root = fy_document_root(doc);
    assert_true(fy_node_is_mapping(root));
    struct fy_node *v = find_key(root, "tankers_destroyed");
    assert_non_null(v);
    const char *text = fy_node_get_scalar0(v);
    assert_non_null(text);
    char *end = NULL;
    long n = strtol(text, &end, 10);
    assert_true(end != text && *end == '\0' && n >= 0);
    fy_document_destroy(doc);
    bk_cli_result_free(&r);
}

BK_TEST_MAIN_GROUP("cli_run", bk_cli_setup, bk_cli_teardown, test_run_out_writes_every_file,
                   test_run_is_deterministic, test_run_seed_changes_daily,
                   test_out_nonempty_refused_then_forced, test_full_disk,
                   test_out_under_a_file_fails_cleanly, test_out_creates_missing_parents,
                   test_bad_scenario_leaves_no_output, test_run_json_parses,
                   test_interrupt_leaves_nothing, test_full_stdout_is_an_error)
