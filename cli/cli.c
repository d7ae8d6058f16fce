/* cli.c: helpers every subcommand shares: error lines, status-to-exit-code mapping, loading a
 * scenario, the interrupt flag. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

volatile sig_atomic_t cli_interrupted = 0;

/* Maps a library status to a documented exit code. Cannot fail. */
int cli_exit_for_status(bk_status status)
{
    switch (status) {
    case BK_OK:
        return CLI_EXIT_OK;
    case BK_ERR_IO:
        return CLI_EXIT_IO;
    case BK_ERR_SYNTAX:
    case BK_ERR_SCHEMA:
    case BK_ERR_REFERENCE:
    case BK_ERR_VALUE:
    case BK_ERR_TOO_LARGE:
        return CLI_EXIT_SCENARIO;
    case BK_ERR_INVARIANT:
        return CLI_EXIT_INVARIANT;
    case BK_ERR_USAGE:
        return CLI_EXIT_USAGE;
    case BK_ERR_INTERRUPTED:
        return CLI_EXIT_INTERRUPTED;
    case BK_ERR_NOMEM:
    case BK_ERR_INTERNAL:
        return CLI_EXIT_INTERNAL;
    }
    return CLI_EXIT_INTERNAL;
}

/* "blockade: ", the message, then `tail` on stderr. */
static void vsay(const char *tail, const char *fmt, va_list ap)
{
    fputs("blockade: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(tail, stderr);
}

/* Writes one "blockade: ..." line on stderr. */
void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay("\n", fmt, ap);
    va_end(ap);
}

/* Reports a library failure and returns its exit code. */
int cli_report(bk_status status, const bk_error *err)
{
    if (err && err->message[0])
        cli_error("%s", err->message);
    else
        cli_error("%s", bk_status_str(status));
    return cli_exit_for_status(status);
}

/* Reports a usage error and returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay("; see 'blockade --help'\n", fmt, ap);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

/* Loads a scenario file or the embedded default; reports errors itself. */
int cli_load_scenario(const char *path, bk_scenario **out)
{
    bk_error err = {0};
    bk_status st = path ? bk_scenario_load_file(path, out, &err)
                        : bk_scenario_load_default(out, &err);
    if (st != BK_OK)
        return cli_report(st, &err);
    return CLI_EXIT_OK;
}

/* Contract in cli.h. */
int cli_load_scenario_arg(const cli_invocation *inv, bk_scenario **out)
{
    return cli_load_scenario(inv->n_args > 0 ? inv->args[0] : NULL, out);
}

/* Contract in cli.h. */
int cli_check_and_load(const cli_invocation *inv, bk_scenario **out)
{
    *out = NULL;
    int rc = cli_check_out_store(inv);
    return rc != CLI_EXIT_OK ? rc : cli_load_scenario_arg(inv, out);
}

/* Position of an option in a command's table; the tables are static, so -1 is a bug. */
int cli_option_index(const cli_command *cmd, const char *name)
{
    for (int i = 0; cmd->options[i].name; i++) {
        if (strcmp(cmd->options[i].name, name) == 0)
            return i;
    }
    return -1;
}

/* Contract in cli.h. */
const cli_value *cli_option_given(const cli_invocation *inv, const char *name)
{
    int i = cli_option_index(inv->cmd, name);
    return i >= 0 && inv->opt[i].set ? &inv->opt[i] : NULL;
}

/* Contract in cli.h. */
void cli_seed_days_threads(const cli_invocation *inv, uint64_t *seed, int *days, int *threads)
{
    const cli_value *v;
    if ((v = cli_option_given(inv, "seed")) != NULL)
        *seed = (uint64_t)v->num;
    if ((v = cli_option_given(inv, "days")) != NULL)
        *days = (int)v->num;
    if ((v = cli_option_given(inv, "threads")) != NULL)
        *threads = (int)v->num;
}
