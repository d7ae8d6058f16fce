/* bk_test_cli.h: the `blockade` tool run as a separate process by the command-line tests.
 *
 * The tool is started with fork/exec, its stdout and stderr captured in files under a fresh
 * directory (bk_cli_setup makes it, bk_cli_teardown removes it), so arguments never pass
 * through a shell. These fail the calling cmocka test themselves on any error.
 */
#ifndef BK_TEST_CLI_H
#define BK_TEST_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MAX_ARGS 64
#define PATH_LEN 4096

/* The fresh directory of this test program, removed at the end. */
extern char bk_cli_tmp_root[PATH_LEN];

typedef struct bk_cli_result {
    int code;  /* exit code; 128 + signal number when killed */
    char *out; /* stdout, NUL-terminated */
    size_t out_len;
    char *err; /* stderr, NUL-terminated */
} bk_cli_result;

/* A started tool whose output is being captured. */
typedef struct bk_cli_child {
    pid_t pid;
    char out_path[PATH_LEN], err_path[PATH_LEN];
} bk_cli_child;

/* cmocka group set-up and teardown: the temporary directory; BLOCKADE_STORE is unset. */
int bk_cli_setup(void **state);
int bk_cli_teardown(void **state);

void bk_cli_result_free(bk_cli_result *r);

/* snprintf that fails the test instead of truncating a path. */
void bk_cli_fmt_path(char *buf, size_t size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* A new path name under bk_cli_tmp_root (nothing is created). */
void bk_cli_tmp_path(char *buf, size_t size, const char *stem);

/* A new empty directory under bk_cli_tmp_root: bk_cli_tmp_path, then bk_cli_make_dir. */
void bk_cli_tmp_dir(char *buf, size_t size, const char *stem);

/* Start the tool with argv (argv[0] is the program name), in `cwd` if not NULL. */
void bk_cli_start_tool(const char *cwd, char *const argv[], bk_cli_child *c);

/* Wait for the tool and collect its exit code and output. */
void bk_cli_finish_tool(bk_cli_child *c, bk_cli_result *r);

/* Run the tool with argv (argv[0] is the program name), in `cwd` if not NULL. */
void bk_cli_run_tool(const char *cwd, char *const argv[], bk_cli_result *r);

/* Run the tool with a NULL-terminated list of arguments (char *) after the program name. */
void bk_cli_run_args(const char *cwd, bk_cli_result *r, ...);

/* bk_cli_run_args in the current directory, then bk_cli_expect_code(r, code); r keeps the
 * output (free it with bk_cli_result_free). */
void bk_cli_run_expect(bk_cli_result *r, int code, ...);

/* bk_cli_run_expect with the output thrown away, after failing the test unless stderr contains
 * `want_err` (NULL: anything). */
void bk_cli_run_code(int code, const char *want_err, ...);

bool bk_cli_exists(const char *path);

/* Entries of a directory whose name contains `part` (".tmp-", ".old-"). */
int bk_cli_count_entries_with(const char *dir, const char *part);

/* Entries of a directory other than . and .. */
int bk_cli_count_entries(const char *dir);

void bk_cli_make_dir(const char *path);
void bk_cli_write_file(const char *path, const char *text);

/* The file `name` in `dir` (NULL if it cannot be read); *len (if not NULL) its length. */
char *bk_cli_file_in(const char *dir, const char *name, size_t *len);

/* Fails the test with the tool's output when the exit code is not `code`. */
void bk_cli_expect_code(const bk_cli_result *r, int code);

/* The tool run through the shell with the arguments printf'd from fmt (the shell splits them, so
 * they must need no quoting). Returns all it wrote to stdout and stderr, in the order written, as a
 * new string (free it); fails the test, showing that output, unless it exits with `code`. Needs
 * no bk_cli_setup. */
char *bk_cli_sh(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* bk_cli_sh with the output thrown away: only the exit code is checked. */
void bk_cli_sh_code(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
