/* bk_test_cli.c: the command-line tool run as a separate process (see bk_test_cli.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bk_test.h"
#include "bk_test_cli.h"

char bk_cli_tmp_root[PATH_LEN];
static int bk_cli_tmp_serial;

void bk_cli_result_free(bk_cli_result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

void bk_cli_fmt_path(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < size);
}

/* A new path name under bk_cli_tmp_root (nothing is created). */
void bk_cli_tmp_path(char *buf, size_t size, const char *stem)
{
    bk_cli_fmt_path(buf, size, "%s/%s-%d", bk_cli_tmp_root, stem, ++bk_cli_tmp_serial);
}

/* Start the tool with argv (argv[0] is the program name), in `cwd` if not NULL. */
void bk_cli_start_tool(const char *cwd, char *const argv[], bk_cli_child *c)
{
    bk_cli_tmp_path(c->out_path, sizeof c->out_path, "stdout");
    bk_cli_tmp_path(c->err_path, sizeof c->err_path, "stderr");
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
void bk_cli_finish_tool(bk_cli_child *c, bk_cli_result *r)
{
    memset(r, 0, sizeof *r);
    int status = 0;
    while (waitpid(c->pid, &status, 0) < 0)
        assert_int_equal(errno, EINTR);
    r->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r->out = bk_test_read_file(c->out_path, &r->out_len);
    r->err = bk_test_read_file(c->err_path, NULL);
    assert_non_null(r->out);
    assert_non_null(r->err);
    unlink(c->out_path);
    unlink(c->err_path);
}

/* Run the tool with argv (argv[0] is the program name), in `cwd` if not NULL. */
void bk_cli_run_tool(const char *cwd, char *const argv[], bk_cli_result *r)
{
    bk_cli_child c;
    bk_cli_start_tool(cwd, argv, &c);
    bk_cli_finish_tool(&c, r);
}

/* Run the tool with a NULL-terminated list of arguments (char *) after the program name. */
/* The tool with the NULL-terminated arguments of ap after the program name. */
static void run_args_va(const char *cwd, bk_cli_result *r, va_list ap)
{
    char *argv[MAX_ARGS];
    int n = 0;
    argv[n++] = (char *)"blockade";
    char *a;
    while ((a = va_arg(ap, char *)) != NULL && n < MAX_ARGS - 1)
        argv[n++] = a;
    argv[n] = NULL;
    bk_cli_run_tool(cwd, argv, r);
}

void bk_cli_run_args(const char *cwd, bk_cli_result *r, ...)
{
    va_list ap;
    va_start(ap, r);
    run_args_va(cwd, r, ap);
    va_end(ap);
}

void bk_cli_run_expect(bk_cli_result *r, int code, ...)
{
    va_list ap;
    va_start(ap, code);
    run_args_va(NULL, r, ap);
    va_end(ap);
    bk_cli_expect_code(r, code);
}

void bk_cli_run_code(int code, const char *want_err, ...)
{
    bk_cli_result r;
    va_list ap;
    va_start(ap, want_err);
    run_args_va(NULL, &r, ap);
    va_end(ap);
    bk_cli_expect_code(&r, code);
    if (want_err != NULL && strstr(r.err, want_err) == NULL)
        fail_msg("stderr lacks \"%s\":\n%s", want_err, r.err);
    bk_cli_result_free(&r);
}

bool bk_cli_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Entries of a directory whose name contains `part` (".tmp-", ".old-"). */
int bk_cli_count_entries_with(const char *dir, const char *part)
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

int bk_cli_count_entries(const char *dir)
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

void bk_cli_make_dir(const char *path)
{
    assert_int_equal(mkdir(path, 0755), 0);
}

void bk_cli_tmp_dir(char *buf, size_t size, const char *stem)
{
    bk_cli_tmp_path(buf, size, stem);
    bk_cli_make_dir(buf);
}

void bk_cli_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

char *bk_cli_file_in(const char *dir, const char *name, size_t *len)
{
    char path[PATH_LEN];
    bk_cli_fmt_path(path, sizeof path, "%s/%s", dir, name);
    return bk_test_read_file(path, len);
}

/* Fails the test with the tool's output when the exit code is not `code`. */
void bk_cli_expect_code(const bk_cli_result *r, int code)
{
    if (r->code != code)
        print_error("exit code %d, expected %d\nstdout: %s\nstderr: %s\n", r->code, code, r->out,
                    r->err);
    assert_int_equal(r->code, code);
}

static char *run_sh(int code, const char *fmt, va_list ap)
{
    char args[8192];
    int n = vsnprintf(args, sizeof args, fmt, ap);
    assert_true(n >= 0 && (size_t)n < sizeof args);
    const char *base = getenv("TMPDIR");
    char out[PATH_LEN];
    bk_cli_fmt_path(out, sizeof out, "%s/bk-cli-sh-XXXXXX", base && *base ? base : "/tmp");
    int fd = mkstemp(out);
    assert_true(fd >= 0);
    close(fd);
    char cmd[sizeof args + 2 * PATH_LEN];
    bk_cli_fmt_path(cmd, sizeof cmd, "%s %s >%s 2>&1", BK_CLI_PATH, args, out);
    int st = system(cmd);
    int got = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    char *text = bk_test_read_file(out, NULL);
    unlink(out);
    assert_non_null(text);
    if (got != code)
        fail_msg("`blockade %s` exited with %d, expected %d:\n%s", args, got, code, text);
    return text;
}

char *bk_cli_sh(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = run_sh(code, fmt, ap);
    va_end(ap);
    return text;
}

void bk_cli_sh_code(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(run_sh(code, fmt, ap));
    va_end(ap);
}

int bk_cli_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(bk_cli_tmp_root, sizeof bk_cli_tmp_root, "%s/bk-test-cli-XXXXXX",
             base && *base ? base : "/tmp");
    unsetenv("BLOCKADE_STORE"); /* a user's setting must not move the run store */
    return mkdtemp(bk_cli_tmp_root) ? 0 : -1;
}

int bk_cli_teardown(void **state)
{
    (void)state;
    return bk_test_remove_tree(bk_cli_tmp_root);
}
