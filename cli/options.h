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

/* Number of entries in an option table (before its NULL name). Cannot fail. */
size_t cli_options_count(const cli_option *options);

/* Parse `argc` words against `options`. `values` has cli_options_count(options) entries and is
 * filled (zeroed first); positional words are stored in order in `args` (room for argc
 * entries, borrowed from argv) and counted in *n_args. *help is set when -h or --help is seen
 * (parsing stops there). Returns 0, or -1 on a usage error with a one-line message in `msg`
 * (no "blockade: " prefix, no newline). */
int cli_options_parse(const cli_option *options, int argc, char **argv, cli_value *values,
                      char **args, int *n_args, bool *help, char *msg, size_t msg_size);

/* Write the options' help lines (and the implicit -h, --help) to `out`, aligned. */
void cli_options_print_help(const cli_option *options, FILE *out);

#endif
