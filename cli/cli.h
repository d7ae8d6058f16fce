/* cli.h: what the subcommands of the `blockade` tool share: exit codes, the command table's
 * entry type, error reporting and the interrupt flag.
 *
 * The tool links the library only through include/blockade/. Results go to stdout; errors and
 * chatter go to stderr, one line each, starting "blockade: ".
 */
#ifndef BK_CLI_H
#define BK_CLI_H

#include <signal.h>
#include <stdbool.h>

#include "blockade/blockade.h"
#include "options.h"

/* Exit codes: frozen, documented in --help, docs/cli.md and docs/blockade.1.
 * X(name, number, text). */
#define CLI_EXIT_LIST(X)                                                                \
    X(CLI_EXIT_OK, 0, "success")                                                        \
    X(CLI_EXIT_INTERNAL, 1, "internal error or out of memory")                          \
    X(CLI_EXIT_USAGE, 2, "usage error (unknown command or option, bad option value)")   \
    X(CLI_EXIT_SCENARIO, 3, "bad scenario (syntax, format, reference, value, too large)") \
    X(CLI_EXIT_IO, 4, "input/output error (cannot read the scenario, cannot write outputs)") \
    X(CLI_EXIT_INVARIANT, 5, "a model invariant was violated during the run")           \
    X(CLI_EXIT_INTERRUPTED, 130, "interrupted (SIGINT)")

enum cli_exit {
#define CLI_X_ENUM(name, num, text) name = num,
    CLI_EXIT_LIST(CLI_X_ENUM)
#undef CLI_X_ENUM
};

/* Largest --days accepted: ten years. The model is meant for months; a bigger horizon is
 * almost certainly a typo. */
#define CLI_MAX_DAYS 3650

/* What a subcommand receives: its parsed options and positional arguments, and the whole
 * command line for the record (manifest.json). */
typedef struct cli_invocation {
    const struct cli_command *cmd;
    const cli_value *opt;     /* one per entry of cmd->options, same order */
    char **args;              /* positional arguments, borrowed from argv */
    int n_args;
    int argc;                 /* the process's command line, borrowed */
    char **argv;
} cli_invocation;

/* One entry of the command table (main.c). A name has one or two words ("run",
 * "scenario check"); `options` ends with an entry whose name is NULL. */
typedef struct cli_command {
    const char *name;
    const char *args;         /* positional arguments for the usage line, "" if none */
    int min_args, max_args;
    const char *summary;      /* one line, lower-case, no full stop */
    const char *description;  /* a paragraph for `blockade help COMMAND` */
    const cli_option *options;
    int (*run)(const cli_invocation *inv);
} cli_command;

/* Set by the SIGINT handler; commands check it before writing outputs. */
extern volatile sig_atomic_t cli_interrupted;

/* Exit code for a library status. Cannot fail. */
int cli_exit_for_status(bk_status status);

/* Print "blockade: " + message + newline on stderr. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Print a library error on stderr and return the matching exit code. `err` may be NULL or
 * have an empty message: the status text is used then. */
int cli_report(bk_status status, const bk_error *err);

/* Print a usage error ("blockade: <message>; see 'blockade --help'") and return
 * CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Load FILE, or the embedded default when `path` is NULL. Reports errors on stderr. Returns an
 * exit code; on success *out owns the scenario (free with bk_scenario_free). */
int cli_load_scenario(const char *path, bk_scenario **out);

/* Subcommands (one file each). */
int cli_cmd_run(const cli_invocation *inv);
int cli_cmd_scenario_check(const cli_invocation *inv);
int cli_cmd_scenario_show(const cli_invocation *inv);
int cli_cmd_scenario_export_default(const cli_invocation *inv);

/* Option tables of the subcommands, defined next to their code. */
extern const cli_option cli_run_options[];
extern const cli_option cli_no_options[];

/* Index of the option called `name` in cmd's table; -1 if absent (a programming error). */
int cli_option_index(const cli_command *cmd, const char *name);

#endif
