/* options.h: the table-driven option parser of the `blockade` tool.
 *
 * Each subcommand describes its options once, in a cli_option table; the same table drives
 * parsing, the --help text and (by hand, checked by the tests) docs/cli.md. Only long options
 * exist, plus -h for --help. A value is given as "--name VALUE" or "--name=VALUE"; "--" ends the
 * options.
 */
#ifndef BK_CLI_OPTIONS_H
#define BK_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum cli_option_kind {
    CLI_OPT_FLAG,    /* no value */
    CLI_OPT_STRING,  /* any non-empty text */
    CLI_OPT_UINT     /* a whole number in [min, max], decimal digits only */
} cli_option_kind;

typedef struct cli_option {
    const char *name;            /* long name without the dashes; NULL ends a table */
    cli_option_kind kind;
    const char *metavar;         /* the value's name in help ("N", "DIR"); NULL for flags */
    unsigned long long min, max; /* CLI_OPT_UINT: accepted range, inclusive */
    const char *help;            /* one line, lower-case, no full stop */
} cli_option;

/* The parsed value of one option. Invariant: `set` is false and the rest zero when the option
 * was not given. */
typedef struct cli_value {
    bool set;
    const char *str;             /* the value as given, borrowed from argv (NULL for flags) */
    unsigned long long num;      /* CLI_OPT_UINT only */
} cli_value;

/* Rows that many option tables share, written once. `WHAT` is the thing a command records
 * ("the ensemble", "the comparison"); `FILES` the files --out writes. */
#define CLI_OPTION_SEED                                                                         \
    {"seed", CLI_OPT_UINT, "N", 0, UINT64_MAX,                                                  \
     "base seed of the random streams (default: the scenario's)"}
#define CLI_OPTION_THREADS                                                                      \
    {"threads", CLI_OPT_UINT, "N", 1, 1024, "worker threads (default: every core)"}
#define CLI_OPTION_DAYS                                                                         \
    {"days", CLI_OPT_UINT, "N", 1, CLI_MAX_DAYS, "horizon in days (default: the scenario's)"}
#define CLI_OPTION_OUT(FILES) {"out", CLI_OPT_STRING, "DIR", 0, 0, "write " FILES " into DIR"}
#define CLI_OPTION_FORCE                                                                        \
    {"force", CLI_OPT_FLAG, NULL, 0, 0,                                                         \
     "with --out, replace a non-empty DIR once the new one is complete"}
#define CLI_OPTION_CHECK                                                                        \
    {"check", CLI_OPT_FLAG, NULL, 0, 0, "check the model's invariants every day (slower)"}
#define CLI_OPTION_JSON(FILE)                                                                   \
    {"json", CLI_OPT_FLAG, NULL, 0, 0, "print " FILE " instead of the table"}
#define CLI_OPTION_QUIET(WHAT)                                                                  \
    {"quiet", CLI_OPT_FLAG, NULL, 0, 0, "no " WHAT " and no progress bar; errors only"}
#define CLI_OPTION_STORE(WHAT)                                                                  \
    {"store", CLI_OPT_STRING, "FILE", 0, 0,                                                     \
     "record " WHAT " in the run store FILE (default: $BLOCKADE_STORE, else runs.sqlite next " \
     "to --out)"},                                                                              \
    {"no-store", CLI_OPT_FLAG, NULL, 0, 0, "do not record " WHAT " in a run store"}
#define CLI_OPTION_END {NULL, CLI_OPT_FLAG, NULL, 0, 0, NULL}

/* Number of entries in an option table (before its NULL name). Cannot fail. */
size_t cli_options_count(const cli_option *options);

/* Parse `argc` words against `options`. `values` has cli_options_count(options) entries and is
 * filled (zeroed first); positional words are stored in order in `args` (room for argc
 * entries, borrowed from argv) and counted in *n_args. *help is set when -h or --help is seen
 * (parsing stops there). Returns 0, or -1 on a usage error with a one-line message in `msg`
 * (no "blockade: " prefix, no newline). */
int cli_options_parse(const cli_option *options, int argc, char **argv, cli_value *values,
                      char **args, int *n_args, bool *help, char *msg, size_t msg_size);

/* Every value of the repeatable option `--name` in the words after the command `cmd` (its last
 * word), in order (cli_options_parse keeps only the last). Stops at "--"; a value of another
 * option is not taken for one. Stores at most `max` in `out` (borrowed from argv) and returns
 * how many there are. The words must have passed cli_options_parse. */
int cli_options_collect(const cli_option *options, int argc, char **argv, const char *cmd,
                        const char *name, const char **out, int max);

/* Write the options' help lines (and the implicit -h, --help) to `out`, aligned. */
void cli_options_print_help(const cli_option *options, FILE *out);

#endif
