/* options.c: the table-driven option parser and its help text (see options.h). */
#include "options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Width of the option column in help text: "  --replication N" fits with room to spare. */
#define HELP_COLUMN 22

size_t cli_options_count(const cli_option *options)
{
    size_t n = 0;
    while (options && options[n].name)
        n++;
    return n;
}

/* Finds the option called name[0..len); -1 when none. */
static int find_option(const cli_option *options, const char *name, size_t len)
{
    for (size_t i = 0; options && options[i].name; i++) {
        if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
            return (int)i;
    }
    return -1;
}

/* Decimal digits only: strtoull alone would accept "-1" (wrapping), " 7" and "+7". */
static int parse_uint(const char *text, unsigned long long *out)
{
    if (text[0] == '\0')
        return -1;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
    }
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int set_value(const cli_option *opt, const char *text, cli_value *val, char *msg,
                     size_t msg_size)
{
    if (opt->kind == CLI_OPT_STRING) {
        if (text[0] == '\0') {
            snprintf(msg, msg_size, "option '--%s' needs a non-empty value", opt->name);
            return -1;
        }
    } else if (opt->kind == CLI_OPT_UINT) {
        unsigned long long v = 0;
        if (parse_uint(text, &v) != 0 || v < opt->min || v > opt->max) {
            snprintf(msg, msg_size, "option '--%s' needs a whole number from %llu to %llu, got "
                                    "'%s'",
                     opt->name, opt->min, opt->max, text);
            return -1;
        }
        val->num = v;
    }
    val->set = true;
    val->str = text;
    return 0;
}

int cli_options_parse(const cli_option *options, int argc, char **argv, cli_value *values,
                      char **args, int *n_args, bool *help, char *msg, size_t msg_size)
{
    size_t n_opts = cli_options_count(options);
    memset(values, 0, n_opts * sizeof *values);
    *n_args = 0;
    *help = false;
    bool only_args = false;
    for (int i = 0; i < argc; i++) {
        char *word = argv[i];
        if (only_args || word[0] != '-' || strcmp(word, "-") == 0) {
            args[(*n_args)++] = word;
            continue;
        }
        if (strcmp(word, "--") == 0) {
            only_args = true;
            continue;
        }
        if (strcmp(word, "-h") == 0 || strcmp(word, "--help") == 0) {
            *help = true;
            return 0;
        }
        if (word[1] != '-') {
            snprintf(msg, msg_size, "unknown option '%s'", word);
            return -1;
        }
        const char *name = word + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        int k = find_option(options, name, len);
        if (k < 0) {
            snprintf(msg, msg_size, "unknown option '--%.*s'", (int)len, name);
            return -1;
        }
        const cli_option *opt = &options[k];
        if (opt->kind == CLI_OPT_FLAG) {
            if (eq) {
                snprintf(msg, msg_size, "option '--%s' takes no value", opt->name);
                return -1;
            }
            values[k].set = true;
            continue;
        }
        const char *text = NULL;
        if (eq) {
            text = eq + 1;
        } else if (i + 1 < argc) {
            text = argv[++i];
        } else {
            snprintf(msg, msg_size, "option '--%s' needs a value (%s)", opt->name, opt->metavar);
            return -1;
        }
        if (set_value(opt, text, &values[k], msg, msg_size) != 0) /* a repeated option: last wins */
            return -1;
    }
    return 0;
}

/* Contract in options.h. */
int cli_options_collect(const cli_option *options, int argc, char **argv, const char *cmd,
                        const char *name, const char **out, int max)
{
    size_t name_len = strlen(name);
    const char *space = strrchr(cmd, ' ');
    if (space)
        cmd = space + 1; /* "events import": the words follow "import" */
    int n = 0;
    bool seen_cmd = false;
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];
        if (!seen_cmd) { /* the program's options before the command word */
            seen_cmd = strcmp(w, cmd) == 0;
            continue;
        }
        if (strcmp(w, "--") == 0)
            break;
        if (strncmp(w, "--", 2) != 0)
            continue;
        const char *v = NULL;
        const char *eq = strchr(w + 2, '=');
        size_t len = eq ? (size_t)(eq - (w + 2)) : strlen(w + 2);
        if (len == name_len && strncmp(w + 2, name, len) == 0) {
            if (eq)
                v = eq + 1;
            else if (i + 1 < argc)
                v = argv[++i];
        } else if (!eq) {
            int k = find_option(options, w + 2, len);
            if (k >= 0 && options[k].kind != CLI_OPT_FLAG)
                i++; /* its value is not one of ours */
        }
        if (v) {
            if (n < max)
                out[n] = v;
            n++;
        }
    }
    return n;
}

static void print_line(FILE *out, const char *left, const char *help)
{
    int w = fprintf(out, "  %s", left);
    if (w < 0)
        return;
    if (w + 2 > HELP_COLUMN)
        fprintf(out, "\n%*s", HELP_COLUMN, "");
    else
        fprintf(out, "%*s", HELP_COLUMN - w, "");
    fprintf(out, "%s\n", help);
}

void cli_options_print_help(const cli_option *options, FILE *out)
{
    char left[128];
    for (size_t i = 0; options && options[i].name; i++) {
        const cli_option *opt = &options[i];
        if (opt->kind == CLI_OPT_FLAG)
            snprintf(left, sizeof left, "--%s", opt->name);
        else
            snprintf(left, sizeof left, "--%s %s", opt->name, opt->metavar);
        print_line(out, left, opt->help);
    }
    print_line(out, "-h, --help", "show this help and exit");
}
