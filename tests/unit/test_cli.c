/* test_cli.c: the `blockade` command-line tool, run as a separate process.
 *
 * The simple cases (arguments, exit code, text expected on stdout or stderr) are data in
 * tests/cli/cases.txt; the cases below need several runs: the export round trip, and that
 * docs/cli.md covers every option of every command. Output directories, determinism and the
 * JSON summary are in test_cli_run.c.
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
#define CASES_FILE BK_SOURCE_DIR "/tests/cli/cases.txt"
#define CASES_FILE BK_SOURCE_DIR "/tests/cli/cases.txt"

/* ---- data-driven cases ------------------------------------------------------------------ */

/* Replaces @SRC@, @TMP@ and @VERSION@ in `in`. */
static void substitute(const char *in, char *out, size_t size)
{
    static const char *const keys[3] = {"@SRC@", "@TMP@", "@VERSION@"};
    const char *vals[3] = {BK_SOURCE_DIR, bk_cli_tmp_root, bk_version()};
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
    bk_cli_result r;
    bk_cli_run_tool(NULL, argv, &r);
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
    bk_cli_result_free(&r);
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
    bk_cli_result r;
    bk_cli_run_expect(&r, 0, "scenario", "export-default", NULL);
    size_t len = 0;
    const char *text = bk_scenario_default_text(&len);
    assert_int_equal(r.out_len, len); /* the export is the embedded text, byte for byte */
    assert_memory_equal(r.out, text, len);

    char path[PATH_LEN];
    bk_cli_tmp_path(path, sizeof path, "exported.yaml");
    bk_cli_write_file(path, r.out);
    bk_cli_result_free(&r);
    bk_cli_run_expect(&r, 0, "scenario", "check", path, NULL);
    assert_non_null(strstr(r.out, ": ok ("));
    bk_cli_result_free(&r);
}

/* ---- documentation ---------------------------------------------------------------------- */

/* Every command and every option the tool's help shows is documented in docs/cli.md and the
 * man page: the option tables drive --help, so this catches a table that grew alone. */
static void test_docs_cover_help(void **state)
{
    (void)state;
    char *md = bk_test_read_file(BK_SOURCE_DIR "/docs/cli.md", NULL);
    char *man = bk_test_read_file(BK_SOURCE_DIR "/docs/blockade.1", NULL);
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
        bk_cli_result r;
        bk_cli_run_expect(&r, 0, commands[c][0], commands[c][1] ? commands[c][1] : "--help",
                          commands[c][1] ? "--help" : NULL, NULL);
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
        bk_cli_result_free(&r);
    }
    assert_true(checked >= 9); /* the options of run */
    /* Every exit code in --help is in the docs. */
    bk_cli_result r;
    bk_cli_run_expect(&r, 0, "--help", NULL);
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
    bk_cli_result_free(&r);
    free(md);
    free(man);
}
BK_TEST_MAIN_GROUP("cli", bk_cli_setup, bk_cli_teardown, test_cases_file,
                   test_export_default_round_trip, test_docs_cover_help)
