/* cmd_runs.c: `blockade runs list|show|diff`: reading the run store that `blockade run` (and the
 * other commands that run the model) record into. These commands only read: they never create
 * a store or change one. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Where the tool keeps its runs when nothing else is said: `make run` writes out/default and
 * records into out/runs.sqlite. */
#define CLI_DEFAULT_STORE "out/runs.sqlite"

enum { LIST_STORE, LIST_LIMIT };

/* Same order as the enum above. */
const cli_option cli_runs_list_options[] = {
    {"store", CLI_OPT_STRING, "FILE", 0, 0,
     "the run store (default: $BLOCKADE_STORE, else out/runs.sqlite)"},
    {"limit", CLI_OPT_UINT, "N", 1, LONG_MAX, "show only the N newest runs (default: all)"},
    CLI_OPTION_END,
};

enum { RUNS_STORE };

const cli_option cli_runs_options[] = {
    {"store", CLI_OPT_STRING, "FILE", 0, 0,
     "the run store (default: $BLOCKADE_STORE, else out/runs.sqlite)"},
    CLI_OPTION_END,
};

/* Opens the store named by --store, $BLOCKADE_STORE or the default, for reading. A missing
 * file is an I/O error with a hint; nothing is ever created. Returns an exit code. */
/* Contract in cli.h. */
int cli_store_open_read(const cli_value *store_opt, bk_store **out)
{
    const char *env = getenv("BLOCKADE_STORE");
    const char *path = store_opt->set ? store_opt->str
                       : env && env[0] ? env
                                       : CLI_DEFAULT_STORE;
    struct stat sb;
    if (stat(path, &sb) != 0 && errno == ENOENT) {
        cli_error("no run store at '%s' (run something with --out first, or give --store)", path);
        return CLI_EXIT_IO;
    }
    bk_error err = {0};
    bk_status st = bk_store_open_readonly(path, out, &err);
    if (st != BK_OK)
        return cli_report(st, &err);
    return CLI_EXIT_OK;
}

/* A run id: decimal digits only, from 1. Returns 0 or a usage error. */
/* Contract in cli.h. */
int cli_parse_run_id(const char *cmd, const char *text, int64_t *id)
{
    bool digits = text[0] != '\0' && strspn(text, "0123456789") == strlen(text);
    errno = 0;
    char *end = NULL;
    long long v = digits ? strtoll(text, &end, 10) : 0;
    if (!digits || errno != 0 || v < 1)
        return cli_usage_error("%s: a run id is a whole number from 1, got '%s'", cmd, text);
    *id = (int64_t)v;
    return CLI_EXIT_OK;
}

/* Reports a failure of the store. An unknown run id is the user's mistake: exit 2, with a
 * pointer to the list. */
static int report(bk_status st, const bk_error *err)
{
    if (st == BK_ERR_USAGE) {
        cli_error("%s (see 'blockade runs list')", err->message);
        return CLI_EXIT_USAGE;
    }
    return cli_report(st, err);
}

/* What a `runs` subcommand prints from the store. */
typedef enum { RUNS_LIST, RUNS_SHOW, RUNS_DIFF } runs_what;

/* Open the store of `store_opt` for reading, print `what` (limit for the list, run ids a and b
 * for show and diff) on stdout, close it; the exit code. */
static int print_from_store(const cli_value *store_opt, runs_what what, long limit, int64_t a,
                            int64_t b)
{
    bk_store *store = NULL;
    int rc = cli_store_open_read(store_opt, &store);
    if (rc != CLI_EXIT_OK)
        return rc;
    bk_error err = {0};
    bk_status st = what == RUNS_LIST   ? bk_store_list(store, limit, stdout, &err)
                   : what == RUNS_SHOW ? bk_store_show(store, a, stdout, &err)
                                       : bk_store_diff(store, a, b, stdout, &err);
    bk_store_close(store);
    return st == BK_OK ? CLI_EXIT_OK : report(st, &err);
}

/* `blockade runs list [--store FILE] [--limit N]`. */
int cli_cmd_runs_list(const cli_invocation *inv)
{
    long limit = inv->opt[LIST_LIMIT].set ? (long)inv->opt[LIST_LIMIT].num : 0;
    return print_from_store(&inv->opt[LIST_STORE], RUNS_LIST, limit, 0, 0);
}

/* `blockade runs show ID [--store FILE]`. */
int cli_cmd_runs_show(const cli_invocation *inv)
{
    int64_t id = 0;
    int rc = cli_parse_run_id("runs show", inv->args[0], &id);
    if (rc != CLI_EXIT_OK)
        return rc;
    return print_from_store(&inv->opt[RUNS_STORE], RUNS_SHOW, 0, id, 0);
}

/* `blockade runs diff ID1 ID2 [--store FILE]`. */
int cli_cmd_runs_diff(const cli_invocation *inv)
{
    int64_t a = 0, b = 0;
    int rc = cli_parse_run_id("runs diff", inv->args[0], &a);
    if (rc == CLI_EXIT_OK)
        rc = cli_parse_run_id("runs diff", inv->args[1], &b);
    if (rc != CLI_EXIT_OK)
        return rc;
    return print_from_store(&inv->opt[RUNS_STORE], RUNS_DIFF, 0, a, b);
}
