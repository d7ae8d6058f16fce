/* test_cli.c: the `blockade` command-line tool, run as a separate process.
 *
 * The simple cases (arguments, exit code, text expected on stdout or stderr) are data in
 * tests/cli/cases.txt; the cases below need several runs or look at files: output directories
 * (all six files, all-or-nothing, --force), determinism byte for byte, the JSON summary, the
 * export round trip, and that docs/cli.md covers every option of every command.
 *
 * The tool is started with fork/exec, its stdout and stderr captured in files, so arguments
 * never pass through a shell.
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

#include "blockade/blockade.h"

#define TWO_CORRIDORS BK_SOURCE_DIR "/scenarios/test/two-corridors.yaml"
#define CASES_FILE BK_SOURCE_DIR "/tests/cli/cases.txt"
#define MAX_ARGS 64
#define PATH_LEN 4096

static const char *const run_files[] = {"daily.csv",    "events.csv",    "events.geojson",
                                        "summary.json", "manifest.json", "scenario.yaml"};
#define N_RUN_FILES (sizeof run_files / sizeof run_files[0])

static char tmp_root[PATH_LEN]; /* a fresh directory for this test run, removed at the end */
static int tmp_serial;

typedef struct result {
    int code;     /* exit code; 128 + signal number when killed */
    char *out;    /* stdout, NUL-terminated */
    size_t out_len;
    char *err;    /* stderr, NUL-terminated */
} result;

static void result_free(result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

/* Whole file into a NUL-terminated buffer (the caller frees); NULL if it cannot be read. */
static char *read_all(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) {
        buf[len] = '\0';
        if (len_out)
            *len_out = len;
    }
    return buf;
}

/* snprintf that fails the test instead of truncating a path. */
static void fmt_path(char *buf, size_t size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void fmt_path(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < size);
}

/* A new path name under tmp_root (nothing is created). */
static void tmp_path(char *buf, size_t size, const char *stem)
{
    fmt_path(buf, size, "%s/%s-%d", tmp_root, stem, ++tmp_serial);
}

/* A started tool whose output is being captured. */
typedef struct child {
    pid_t pid;
    char out_path[PATH_LEN], err_path[PATH_LEN];
} child;

/* Start the tool with argv (argv[0] is the program name), in `cwd` if not NULL. */
static void start_tool(const char *cwd, char *const argv[], child *c)
{
    tmp_path(c->out_path, sizeof c->out_path, "stdout");
    tmp_path(c->err_path, sizeof c->err_path, "stderr");
    fflush(NULL);
    c->pid = fork();
    assert_true(c->pid >= 0);
    if (c->pid == 0) {
        int fo = open(c->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(c->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
            _exit(126);
        close(fo);
        close(fe);
        if (cwd && chdir(cwd) != 0)
            _exit(126);
        execv(BK_CLI_PATH, argv);
        _exit(127);
    }
}

/* Wait for the tool and collect its exit code and output. */
static void finish_tool(child *c, result *r)
{
    memset(r, 0, sizeof *r);
    int status = 0;
    while (waitpid(c->pid, &status, 0) < 0)
        assert_int_equal(errno, EINTR);
    r->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r->out = read_all(c->out_path, &r->out_len);
    r->err = read_all(c->err_path, NULL);
    assert_non_null(r->out);
    assert_non_null(r->err);
    unlink(c->out_path);
    unlink(c->err_path);
}

/* Run the tool with argv (argv[0] is the program name), in `cwd` if not NULL. */
static void run_tool(const char *cwd, char *const argv[], result *r)
{
    child c;
    start_tool(cwd, argv, &c);
    finish_tool(&c, r);
}

/* Run the tool with a NULL-terminated list of arguments (char *) after the program name. */
static void run_args(const char *cwd, result *r, ...)
{
    char *argv[MAX_ARGS];
    int n = 0;
    argv[n++] = (char *)"blockade";
    va_list ap;
    va_start(ap, r);
    char *a;
    while ((a = va_arg(ap, char *)) != NULL && n < MAX_ARGS - 1)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    run_tool(cwd, argv, r);
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Entries of a directory whose name contains `part` (".tmp-", ".old-"). */
static int count_entries_with(const char *dir, const char *part)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, part) != NULL;
    closedir(d);
    return n;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void make_dir(const char *path)
{
    assert_int_equal(mkdir(path, 0755), 0);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static char *file_in(const char *dir, const char *name, size_t *len)
{
    char path[PATH_LEN];
    fmt_path(path, sizeof path, "%s/%s", dir, name);
    return read_all(path, len);
}

/* Fails the test with the tool's output when the exit code is not `code`. */
static void expect_code(const result *r, int code)
{
    if (r->code != code)
        print_error("exit code %d, expected %d\nstdout: %s\nstderr: %s\n", r->code, code,
                    r->out, r->err);
    assert_int_equal(r->code, code);
}

/* ---- data-driven cases ------------------------------------------------------------------ */

/* Replaces @SRC@, @TMP@ and @VERSION@ in `in`. */
static void substitute(const char *in, char *out, size_t size)
{
    static const char *const keys[3] = {"@SRC@", "@TMP@", "@VERSION@"};
    const char *vals[3] = {BK_SOURCE_DIR, tmp_root, bk_version()};
    size_t o = 0;
    while (*in && o + 1 < size) {
        bool done = false;
        for (int k = 0; k < 3 && !done; k++) {
            size_t kl = strlen(keys[k]);
            if (strncmp(in, keys[k], kl) == 0) {
                size_t vl = strlen(vals[k]);
                if (o + vl + 1 >= size)
                    break;
                memcpy(out + o, vals[k], vl);
                o += vl;
                in += kl;
                done = true;
            }
        }
        if (!done)
            out[o++] = *in++;
    }
    out[o] = '\0';
}

typedef struct test_case {
    char name[128];
    int line;
    char args[2048];
    bool has_args;
    int code;
    char expect_out[8][512];
    int n_out;
    char expect_err[8][512];
    int n_err;
    bool out_empty;
} test_case;

/* Runs one case; returns the number of failed expectations (reported on stderr). */
static int run_case(const test_case *tc)
{
    char buf[2048];
    memcpy(buf, tc->args, sizeof buf);
    char *argv[MAX_ARGS];
    int n = 0;
    argv[n++] = (char *)"blockade";
    for (char *tok = strtok(buf, " \t"); tok && n < MAX_ARGS - 1; tok = strtok(NULL, " \t"))
        argv[n++] = tok;
    argv[n] = NULL;
    result r;
    run_tool(NULL, argv, &r);
    int failed = 0;
    if (r.code != tc->code) {
        print_error("case '%s' (cases.txt:%d): exit code %d, expected %d\n", tc->name, tc->line,
                    r.code, tc->code);
        failed++;
    }
    for (int i = 0; i < tc->n_out; i++) {
        if (!strstr(r.out, tc->expect_out[i])) {
            print_error("case '%s' (cases.txt:%d): stdout lacks \"%s\"\n", tc->name, tc->line,
                        tc->expect_out[i]);
            failed++;
        }
    }
    for (int i = 0; i < tc->n_err; i++) {
        if (!strstr(r.err, tc->expect_err[i])) {
            print_error("case '%s' (cases.txt:%d): stderr lacks \"%s\"\n", tc->name, tc->line,
                        tc->expect_err[i]);
            failed++;
        }
    }
    if (tc->out_empty && r.out_len != 0) {
        print_error("case '%s' (cases.txt:%d): stdout should be empty\n", tc->name, tc->line);
        failed++;
    }
    if (failed)
        print_error("  stdout: %.2000s\n  stderr: %.2000s\n", r.out, r.err);
    result_free(&r);
    return failed;
}

/* cases.txt: blocks of "key: value" lines, each block opened by "[name]"; '#' starts a comment
 * line. Keys: args (words split on blanks), exit, stdout and stderr (substrings, repeatable),
 * stdout-empty (yes). */
static void test_cases_file(void **state)
{
    (void)state;
    FILE *f = fopen(CASES_FILE, "r");
    assert_non_null(f);
    char line[2048];
    int lineno = 0, n_cases = 0, n_failed = 0;
    test_case tc;
    bool open_case = false;
    for (;;) {
        char *got = fgets(line, sizeof line, f);
        if (got)
            lineno++;
        if (!got || line[0] == '[') {
            if (open_case) {
                assert_true(tc.has_args);
                n_failed += run_case(&tc) != 0;
                n_cases++;
            }
            if (!got)
                break;
            memset(&tc, 0, sizeof tc);
            char *end = strchr(line, ']');
            assert_non_null(end);
            *end = '\0';
            snprintf(tc.name, sizeof tc.name, "%.127s", line + 1);
            tc.line = lineno;
            tc.code = -1;
            open_case = true;
            continue;
        }
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *colon = strchr(line, ':');
        if (!colon || !open_case)
            fail_msg("cases.txt:%d: expected '[name]' or 'key: value'", lineno);
        *colon = '\0';
        const char *key = line;
        char value[2048];
        substitute(colon + 1 + strspn(colon + 1, " "), value, sizeof value);
        if (strcmp(key, "args") == 0) {
            snprintf(tc.args, sizeof tc.args, "%.2047s", value);
            tc.has_args = true;
        } else if (strcmp(key, "exit") == 0) {
            tc.code = atoi(value);
        } else if (strcmp(key, "stdout") == 0 && tc.n_out < 8) {
            snprintf(tc.expect_out[tc.n_out++], sizeof tc.expect_out[0], "%.511s", value);
        } else if (strcmp(key, "stderr") == 0 && tc.n_err < 8) {
            snprintf(tc.expect_err[tc.n_err++], sizeof tc.expect_err[0], "%.511s", value);
        } else if (strcmp(key, "stdout-empty") == 0) {
            tc.out_empty = strcmp(value, "yes") == 0;
        } else {
            fail_msg("cases.txt:%d: unknown key '%s'", lineno, key);
        }
    }
    fclose(f);
    print_message("%d cases, %d failed\n", n_cases, n_failed);
    assert_true(n_cases >= 20);
    assert_int_equal(n_failed, 0);
}

/* ---- scenarios -------------------------------------------------------------------------- */

static void test_export_default_round_trip(void **state)
{
    (void)state;
    result r;
    run_args(NULL, &r, "scenario", "export-default", NULL);
    expect_code(&r, 0);
    size_t len = 0;
    const char *text = bk_scenario_default_text(&len);
    assert_int_equal(r.out_len, len); /* the export is the embedded text, byte for byte */
    assert_memory_equal(r.out, text, len);

    char path[PATH_LEN];
    tmp_path(path, sizeof path, "exported.yaml");
    write_file(path, r.out);
    result_free(&r);
    run_args(NULL, &r, "scenario", "check", path, NULL);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, ": ok ("));
    result_free(&r);
}

/* ---- run and its output directory ------------------------------------------------------- */

static void expect_run_files(const char *dir)
{
    for (size_t i = 0; i < N_RUN_FILES; i++) {
        size_t len = 0;
        char *text = file_in(dir, run_files[i], &len);
        if (!text)
            fail_msg("%s/%s is missing", dir, run_files[i]);
        assert_true(len > 0);
        free(text);
    }
    assert_int_equal(count_entries(dir), (int)N_RUN_FILES);
}

static void test_run_out_writes_every_file(void **state)
{
    (void)state;
    char dir[PATH_LEN];
    tmp_path(dir, sizeof dir, "out");
    result r;
    run_args(NULL, &r, "run", TWO_CORRIDORS, "--days", "20", "--out", dir, NULL);
    expect_code(&r, 0);
    assert_true(r.out_len > 0); /* the story */
    assert_non_null(strstr(r.err, "outputs written to"));
    result_free(&r);
    expect_run_files(dir);
    assert_int_equal(count_entries_with(tmp_root, ".tmp-"), 0);

    /* The manifest records what is needed to run it again, and parses as JSON. */
    char *manifest = file_in(dir, "manifest.json", NULL);
    assert_non_null(manifest);
    struct fy_document *doc = fy_document_build_from_string(NULL, manifest, FY_NT);
    assert_non_null(doc);
    struct fy_node *root = fy_document_root(doc);
    char hash[65];
    bk_scenario *sc = NULL;
    assert_int_equal(bk_scenario_load_file(TWO_CORRIDORS, &sc, NULL), BK_OK);
    bk_scenario_hash(sc, hash);
    bk_scenario_free(sc);
    const char *got_hash = fy_node_get_scalar0(fy_node_by_path(root, "/scenario/sha256",
                                                               (size_t)-1, FYNWF_DONT_FOLLOW));
    assert_non_null(got_hash);
    assert_string_equal(got_hash, hash);
    const char *days = fy_node_get_scalar0(fy_node_by_path(root, "/days", (size_t)-1,
                                                           FYNWF_DONT_FOLLOW));
    assert_non_null(days);
    assert_string_equal(days, "20");
    struct fy_node *cmd = fy_node_by_path(root, "/command", (size_t)-1, FYNWF_DONT_FOLLOW);
    assert_non_null(cmd);
    assert_int_equal(fy_node_sequence_item_count(cmd), 7); /* blockade run FILE --days 20 --out DIR */
    assert_null(strstr(manifest, "time")); /* no wall clock: same command, same bytes */
    fy_document_destroy(doc);
    free(manifest);

    /* scenario.yaml is the scenario's text as loaded. */
    size_t a_len = 0, b_len = 0;
    char *a = file_in(dir, "scenario.yaml", &a_len);
    char *b = read_all(TWO_CORRIDORS, &b_len);
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
    result r[2];
    for (int k = 0; k < 2; k++) {
        tmp_path(cwd[k], sizeof cwd[k], "det");
        make_dir(cwd[k]);
        run_args(cwd[k], &r[k], "run", TWO_CORRIDORS, "--seed", "42", "--out", "out", NULL);
        expect_code(&r[k], 0);
    }
    assert_int_equal(r[0].out_len, r[1].out_len);
    assert_memory_equal(r[0].out, r[1].out, r[0].out_len);
    for (size_t i = 0; i < N_RUN_FILES; i++) {
        char d0[PATH_LEN], d1[PATH_LEN];
        fmt_path(d0, sizeof d0, "%s/out", cwd[0]);
        fmt_path(d1, sizeof d1, "%s/out", cwd[1]);
        size_t l0 = 0, l1 = 0;
        char *f0 = file_in(d0, run_files[i], &l0);
        char *f1 = file_in(d1, run_files[i], &l1);
        assert_non_null(f0);
        assert_non_null(f1);
        if (l0 != l1 || memcmp(f0, f1, l0) != 0)
            fail_msg("%s differs between two runs of the same command", run_files[i]);
        free(f0);
        free(f1);
    }
    result_free(&r[0]);
    result_free(&r[1]);
}

static void test_run_seed_changes_daily(void **state)
{
    (void)state;
    char dir[2][PATH_LEN];
    const char *seeds[2] = {"1", "2"};
    for (int k = 0; k < 2; k++) {
        tmp_path(dir[k], sizeof dir[k], "seed");
        result r;
        run_args(NULL, &r, "run", TWO_CORRIDORS, "--seed", seeds[k], "--out", dir[k], "--quiet",
                 NULL);
        expect_code(&r, 0);
        assert_int_equal(r.out_len, 0); /* --quiet: no story */
        assert_string_equal(r.err, "");  /* nor the "outputs written" line */
        result_free(&r);
    }
    size_t l0 = 0, l1 = 0;
    char *a = file_in(dir[0], "daily.csv", &l0);
    char *b = file_in(dir[1], "daily.csv", &l1);
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
    tmp_path(parent, sizeof parent, "force");
    make_dir(parent);
    fmt_path(dir, sizeof dir, "%s/out", parent);
    make_dir(dir);
    fmt_path(keep, sizeof keep, "%s/keep.txt", dir);
    write_file(keep, "precious\n");

    result r;
    run_args(NULL, &r, "run", TWO_CORRIDORS, "--days", "10", "--out", dir, NULL);
    assert_int_not_equal(r.code, 0);
    assert_int_equal(r.code, 4);
    assert_non_null(strstr(r.err, "--force"));
    result_free(&r);
    char *kept = read_all(keep, NULL); /* untouched */
    assert_non_null(kept);
    assert_string_equal(kept, "precious\n");
    free(kept);
    assert_int_equal(count_entries(dir), 1);
    assert_int_equal(count_entries(parent), 1); /* no temporary directory left next to it */

    /* --force replaces only what blockade wrote: a directory without its manifest is kept */
    run_args(NULL, &r, "run", TWO_CORRIDORS, "--days", "10", "--out", dir, "--force", NULL);
    assert_int_equal(r.code, 4);
    assert_non_null(strstr(r.err, "is not an output directory of blockade"));
    result_free(&r);
    kept = read_all(keep, NULL);
    assert_non_null(kept);
    assert_string_equal(kept, "precious\n");
    free(kept);
    assert_int_equal(count_entries(dir), 1);

    /* a run's own directory is replaced */
    char own[PATH_LEN], extra[PATH_LEN];
    fmt_path(own, sizeof own, "%s/own", parent);
    run_args(NULL, &r, "run", TWO_CORRIDORS, "--days", "5", "--out", own, NULL);
    expect_code(&r, 0);
    result_free(&r);
    run_args(NULL, &r, "run", TWO_CORRIDORS, "--days", "10", "--out", own, "--force", NULL);
    expect_code(&r, 0);
    result_free(&r);
    expect_run_files(own);
    /* beside the directories: out, own and the run store runs.sqlite; no temporary left */
    assert_int_equal(count_entries(parent), 3);

    /* ... unless something else has been put into it */
    fmt_path(extra, sizeof extra, "%s/mine.txt", own);
    write_file(extra, "mine\n");
    run_args(NULL, &r, "run", TWO_CORRIDORS, "--days", "10", "--out", own, "--force", NULL);
    assert_int_equal(r.code, 4);
    assert_non_null(strstr(r.err, "holds 'mine.txt', which blockade did not write there"));
    result_free(&r);
    assert_true(exists(extra));
}

/* A full disk, for real: a 48 KiB tmpfs (mounted when the test runs as root; skipped
 * otherwise). The outputs of a run and of an ensemble do not fit: each command fails with exit 4
 * and a message naming the file, leaves no output directory, no temporary directory and no
 * DIR.partial behind, and the run store (on another file system) records the run as failed. */
static void test_full_disk(void **state)
{
    (void)state;
    char mnt[PATH_LEN], out[PATH_LEN], ens[PATH_LEN], store[PATH_LEN];
    tmp_path(mnt, sizeof mnt, "fulldisk");
    make_dir(mnt);
    char cmd[PATH_LEN + 128];
    snprintf(cmd, sizeof cmd, "mount -t tmpfs -o size=48k tmpfs '%s' 2>/dev/null", mnt);
    if (geteuid() != 0 || system(cmd) != 0) {
        print_message("full-disk test skipped: cannot mount a tmpfs (needs root)\n");
        skip();
    }
    fmt_path(out, sizeof out, "%s/out", mnt);
    fmt_path(ens, sizeof ens, "%s/ens", mnt);
    tmp_path(store, sizeof store, "fulldisk-runs.sqlite");
    result r;
    run_args(NULL, &r, "run", TWO_CORRIDORS, "--out", out, "--store", store, NULL);
    int run_code = r.code;
    bool said = strstr(r.err, "No space left on device") != NULL;
    result_free(&r);
    int left_run = count_entries(mnt);
    run_args(NULL, &r, "ensemble", TWO_CORRIDORS, "-n", "20", "--out", ens, "--store", store,
             "--quiet", NULL);
    int ens_code = r.code;
    bool said_ens = strstr(r.err, "No space left on device") != NULL;
    char ens_err[512];
    snprintf(ens_err, sizeof ens_err, "%s", r.err);
    result_free(&r);
    int left_ens = count_entries(mnt);
    run_args(NULL, &r, "runs", "list", "--store", store, NULL);
    bool failed_recorded = strstr(r.out, "failed") != NULL && strstr(r.out, "running") == NULL;
    result_free(&r);
    snprintf(cmd, sizeof cmd, "umount '%s'", mnt);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(run_code, 4);
    assert_true(said);
    assert_int_equal(left_run, 0);   /* no DIR, no DIR.tmp-XXXXXX */
    if (ens_code != 4 || !said_ens)
        fail_msg("ensemble on a full disk: exit %d, \"%s\"", ens_code, ens_err);
    assert_int_equal(left_ens, 0);   /* no DIR, no DIR.partial */
    assert_true(failed_recorded);
}

static void test_out_under_a_file_fails_cleanly(void **state)
{
    (void)state;
    char parent[PATH_LEN], file[PATH_LEN], dir[PATH_LEN];
    tmp_path(parent, sizeof parent, "badparent");
    make_dir(parent);
    fmt_path(file, sizeof file, "%s/plain-file", parent);
    write_file(file, "x");
    fmt_path(dir, sizeof dir, "%s/out", file);
    result r;
    run_args(NULL, &r, "run", TWO_CORRIDORS, "--days", "5", "--out", dir, NULL);
    expect_code(&r, 4);
    assert_non_null(strstr(r.err, "blockade: "));
    result_free(&r);
    assert_int_equal(count_entries(parent), 1);

}

/* Missing parents of DIR are created; on failure the ones created are removed again. */
static void test_out_creates_missing_parents(void **state)
{
    (void)state;
    char parent[PATH_LEN], dir[PATH_LEN];
    tmp_path(parent, sizeof parent, "parents");
    make_dir(parent);
    fmt_path(dir, sizeof dir, "%s/a/b/out", parent);
    result r;
    run_args(NULL, &r, "run", TWO_CORRIDORS, "--days", "5", "--out", dir, "--quiet", NULL);
    expect_code(&r, 0);
    result_free(&r);
    expect_run_files(dir);

    /* Parents under a file cannot be created: the command fails and leaves nothing. */
    char file[PATH_LEN];
    fmt_path(file, sizeof file, "%s/c/plain-file", parent);
    fmt_path(dir, sizeof dir, "%s/c", parent);
    make_dir(dir);
    write_file(file, "x");
    fmt_path(dir, sizeof dir, "%s/c/plain-file/x/out", parent);
    run_args(NULL, &r, "run", TWO_CORRIDORS, "--days", "5", "--out", dir, NULL);
    expect_code(&r, 4);
    result_free(&r);
    fmt_path(dir, sizeof dir, "%s/c", parent);
    assert_int_equal(count_entries(dir), 1);
}

static void test_bad_scenario_leaves_no_output(void **state)
{
    (void)state;
    char parent[PATH_LEN], dir[PATH_LEN];
    tmp_path(parent, sizeof parent, "badscen");
    make_dir(parent);
    fmt_path(dir, sizeof dir, "%s/out", parent);
    result r;
    run_args(NULL, &r, "run", BK_SOURCE_DIR "/tests/cli/bad-syntax.yaml", "--out", dir, NULL);
    expect_code(&r, 3);
    result_free(&r);
    assert_false(exists(dir));
    assert_int_equal(count_entries(parent), 0);
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
    tmp_path(parent, sizeof parent, "sigint");
    make_dir(parent);
    tmp_path(fifo, sizeof fifo, "scenario.fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    fmt_path(dir, sizeof dir, "%s/new/out", parent); /* "new" would be created, then removed */
    char *argv[] = {(char *)"blockade", (char *)"run", fifo, (char *)"--out", dir, NULL};
    child c;
    start_tool(NULL, argv, &c);
    /* Wait until the tool has installed its SIGINT handler (SigCgt in /proc), not a fixed time:
     * a loaded machine or a sanitizer build can take longer than any pause to start. */
    for (int i = 0; i < 1000 && !catches_sigint(c.pid); i++) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
    assert_int_equal(kill(c.pid, SIGINT), 0);
    result r;
    finish_tool(&c, &r);
    expect_code(&r, 130);
    assert_non_null(strstr(r.err, "interrupted"));
    result_free(&r);
    unlink(fifo);
    assert_false(exists(dir));
    assert_int_equal(count_entries(parent), 0);
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
        tmp_path(err_path, sizeof err_path, "stderr");
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
        char *err = read_all(err_path, NULL);
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
    result r;
    run_args(NULL, &r, "run", TWO_CORRIDORS, "--json", NULL);
    expect_code(&r, 0);
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
    result_free(&r);
}

/* ---- documentation ---------------------------------------------------------------------- */

/* Every command and every option the tool's help shows is documented in docs/cli.md and the
 * man page: the option tables drive --help, so this catches a table that grew alone. */
static void test_docs_cover_help(void **state)
{
    (void)state;
    char *md = read_all(BK_SOURCE_DIR "/docs/cli.md", NULL);
    char *man = read_all(BK_SOURCE_DIR "/docs/blockade.1", NULL);
    assert_non_null(md);
    assert_non_null(man);
    static const char *const commands[][2] = {
        {"run", NULL}, {"ensemble", NULL}, {"compare", NULL}, {"merge", NULL},
        {"report", NULL}, {"serve", NULL}, {"events", "import"}, {"calibrate", NULL},
        {"validate", NULL}, {"sensitivity", NULL}, {"vulnerability", NULL}, {"optimise", NULL},
        {"scenario", "check"}, {"scenario", "show"},
        {"scenario", "export-default"}, {"runs", "list"}, {"runs", "show"}, {"runs", "diff"},
        {"help", NULL}};
    int checked = 0;
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
        char title[128];
        snprintf(title, sizeof title, "blockade %s%s%s", commands[c][0],
                 commands[c][1] ? " " : "", commands[c][1] ? commands[c][1] : "");
        if (!strstr(md, title))
            fail_msg("docs/cli.md does not mention '%s'", title);
        result r;
        run_args(NULL, &r, commands[c][0], commands[c][1] ? commands[c][1] : "--help",
                 commands[c][1] ? "--help" : NULL, NULL);
        expect_code(&r, 0);
        for (char *p = strstr(r.out, "  --"); p; p = strstr(p + 1, "  --")) {
            char opt[64];
            size_t n = strcspn(p + 2, " \n");
            snprintf(opt, sizeof opt, "%.*s", (int)n, p + 2);
            char quoted[80];
            snprintf(quoted, sizeof quoted, "`%s", opt);
            if (!strstr(md, quoted))
                fail_msg("docs/cli.md does not document %s of '%s'", opt, title);
            char roff[80]; /* in roff, "-" is written "\-" */
            size_t o = 0;
            for (const char *s = opt; *s && o + 2 < sizeof roff; s++) {
                if (*s == '-')
                    roff[o++] = '\\';
                roff[o++] = *s;
            }
            roff[o] = '\0';
            if (!strstr(man, roff))
                fail_msg("docs/blockade.1 does not document %s of '%s'", opt, title);
            checked++;
        }
        result_free(&r);
    }
    assert_true(checked >= 9); /* the options of run */
    /* Every exit code in --help is in the docs. */
    result r;
    run_args(NULL, &r, "--help", NULL);
    expect_code(&r, 0);
    char *codes = strstr(r.out, "exit codes:");
    assert_non_null(codes);
    int n_codes = 0;
    for (char *line = strchr(codes, '\n'); line && line[1] == ' '; line = strchr(line + 1, '\n')) {
        int code = atoi(line + 1);
        char want[32];
        snprintf(want, sizeof want, "| %d ", code);
        if (!strstr(md, want))
            fail_msg("docs/cli.md lacks exit code %d", code);
        n_codes++;
    }
    assert_int_equal(n_codes, 7);
    result_free(&r);
    free(md);
    free(man);
}

/* ---- set-up ----------------------------------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmp_root, sizeof tmp_root, "%s/bk-test-cli-XXXXXX", base && *base ? base : "/tmp");
    unsetenv("BLOCKADE_STORE"); /* a user's setting must not move the run store */
    return mkdtemp(tmp_root) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases_file),
        cmocka_unit_test(test_export_default_round_trip),
        cmocka_unit_test(test_docs_cover_help),
        cmocka_unit_test(test_run_out_writes_every_file),
        cmocka_unit_test(test_run_is_deterministic),
        cmocka_unit_test(test_run_seed_changes_daily),
        cmocka_unit_test(test_out_nonempty_refused_then_forced),
        cmocka_unit_test(test_full_disk),
        cmocka_unit_test(test_out_under_a_file_fails_cleanly),
        cmocka_unit_test(test_out_creates_missing_parents),
        cmocka_unit_test(test_bad_scenario_leaves_no_output),
        cmocka_unit_test(test_run_json_parses),
        cmocka_unit_test(test_interrupt_leaves_nothing),
        cmocka_unit_test(test_full_stdout_is_an_error),
    };
    return cmocka_run_group_tests_name("cli", tests, setup, teardown);
}
