/* cmd_scenario.c: `blockade scenario check|show|apply|export-default`: validating, describing,
 * patching and exporting scenario files. */
#include "cli.h"

#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const cli_option cli_no_options[] = {
    CLI_OPTION_END,
};

const cli_option cli_scenario_check_options[] = {
    {"strict", CLI_OPT_FLAG, NULL, 0, 0, "fail (exit 3) when there are warnings"},
    CLI_OPTION_END,
};

/* Items in the sequence at `path` of the document root; 0 when absent. */
static int count_items(struct fy_node *root, const char *path)
{
    struct fy_node *n = fy_node_by_path(root, path, (size_t)-1, FYNWF_DONT_FOLLOW);
    if (!n || !fy_node_is_sequence(n))
        return 0;
    return fy_node_sequence_item_count(n);
}

/* The public API gives no element counts, so they are read from the scenario's own text, which
 * the loader has already validated (the key names are those of docs/scenario-format.md). */
static int count_parts(const bk_scenario *sc, int counts[4])
{
    static const char *const paths[4] = {"/places", "/segments", "/corridors",
                                         "/armed_group/cells"};
    size_t len = 0;
    const char *text = bk_scenario_text(sc, &len);
    struct fy_parse_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.flags = FYPCF_QUIET;
    struct fy_document *doc = fy_document_build_from_string(&cfg, text, len);
    if (!doc)
        return -1;
    struct fy_node *root = fy_document_root(doc);
    for (int i = 0; i < 4; i++)
        counts[i] = root ? count_items(root, paths[i]) : 0;
    fy_document_destroy(doc);
    return 0;
}

static const char *plural(int n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* `blockade scenario check [FILE]`. */
int cli_cmd_scenario_check(const cli_invocation *inv)
{
    const char *path = inv->n_args > 0 ? inv->args[0] : NULL;
    bk_scenario *sc = NULL;
    int rc = cli_load_scenario(path, &sc);
    if (rc != CLI_EXIT_OK)
        return rc;
    int c[4];
    if (count_parts(sc, c) != 0) { /* the loader accepted it, so this is our bug or memory */
        cli_error("internal error: cannot read back the text of scenario '%s'",
                  bk_scenario_name(sc));
        bk_scenario_free(sc);
        return CLI_EXIT_INTERNAL;
    }
    int warnings = 0;
    bk_status st = bk_scenario_lint(sc, stderr, &warnings);
    if (st != BK_OK) {
        bk_scenario_free(sc);
        cli_error("cannot check scenario warnings: %s", bk_status_str(st));
        return cli_exit_for_status(st);
    }
    if (warnings > 0 && inv->opt[0].set) {
        cli_error("%d warning%s, and --strict was given", warnings, warnings == 1 ? "" : "s");
        bk_scenario_free(sc);
        return CLI_EXIT_SCENARIO;
    }
    int days = bk_scenario_days(sc);
    printf("%s: ok (%s, %d %s, %d %s, %d %s, %d %s, %d %s)\n", path ? path : "(default)",
           bk_scenario_name(sc), c[0], plural(c[0], "place", "places"), c[1],
           plural(c[1], "segment", "segments"), c[2], plural(c[2], "corridor", "corridors"),
           c[3], plural(c[3], "cell", "cells"), days, plural(days, "day", "days"));
    bk_scenario_free(sc);
    return CLI_EXIT_OK;
}

/* `blockade scenario show [FILE]`. */
int cli_cmd_scenario_show(const cli_invocation *inv)
{
    bk_scenario *sc = NULL;
    int rc = cli_load_scenario_arg(inv, &sc);
    if (rc != CLI_EXIT_OK)
        return rc;
    bk_status st = bk_scenario_describe(sc, stdout);
    bk_scenario_free(sc);
    if (st != BK_OK) {
        cli_error("cannot write to standard output: %s", bk_status_str(st));
        return cli_exit_for_status(st);
    }
    return CLI_EXIT_OK;
}

/* `blockade scenario export-default`. */
int cli_cmd_scenario_export_default(const cli_invocation *inv)
{
    (void)inv;
    size_t len = 0;
    const char *text = bk_scenario_default_text(&len);
    if (fwrite(text, 1, len, stdout) != len) {
        cli_error("cannot write to standard output");
        return CLI_EXIT_IO;
    }
    return CLI_EXIT_OK;
}

/* `blockade scenario apply BASE PATCH`: the scenario BASE with the policy (patch) file PATCH
 * applied, as text on stdout, checked like any scenario. */
int cli_cmd_scenario_apply(const cli_invocation *inv)
{
    bk_scenario *base = NULL;
    int rc = cli_load_scenario(inv->args[0], &base);
    if (rc != CLI_EXIT_OK)
        return rc;
    bk_policy *pol = NULL;
    bk_scenario *sc = NULL;
    char *text = NULL;
    bk_error err = {0};
    bk_status st = bk_policy_load_file(inv->args[1], &pol, &err);
    if (st == BK_OK)
        st = bk_policy_apply_text(pol, base, &sc, &text, &err);
    if (st == BK_OK) {
        size_t n = strlen(text);
        if (fwrite(text, 1, n, stdout) != n || fflush(stdout) != 0) {
            cli_error("cannot write to standard output");
            rc = CLI_EXIT_IO;
        }
    } else {
        rc = cli_report(st, &err);
    }
    free(text);
    bk_scenario_free(sc);
    bk_policy_free(pol);
    bk_scenario_free(base);
    return rc;
}
