/* cmd_report.c: `blockade report`: one self-contained HTML page from an output directory, written
 * all or nothing (a temporary file next to the target, renamed into place when complete). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { OPT_OUTPUT, OPT_OBSERVED, OPT_TITLE, OPT_RUN, OPT_STORE, OPT_QUIET };

/* Same order as the enum above. */
const cli_option cli_report_options[] = {
    {"output", CLI_OPT_STRING, "FILE", 0, 0, "write the report to FILE (replaced if it exists)"},
    {"observed", CLI_OPT_STRING, "FILE", 0, 0,
     "observed events to show on the map (CSV in ACLED's columns)"},
    {"title", CLI_OPT_STRING, "TEXT", 0, 0, "title of the page (default: the scenario's name)"},
    {"run", CLI_OPT_STRING, "ID", 0, 0, "report on run ID of the run store instead of DIR"},
    {"store", CLI_OPT_STRING, "FILE", 0, 0,
     "with --run: the run store (default: $BLOCKADE_STORE, else out/runs.sqlite)"},
    {"quiet", CLI_OPT_FLAG, NULL, 0, 0, "print nothing but errors"},
    CLI_OPTION_END,
};

/* Write the report through a temporary file renamed over `path` (cli_atomic); returns an exit
 * code. On failure or interruption `path` is left as it was. */
static int write_report(const char *dir, const char *path, const bk_report_config *cfg)
{
    cli_atomic o;
    int rc = cli_atomic_open(&o, path);
    if (rc != CLI_EXIT_OK)
        return rc;
    bk_error err = {0};
    bk_status st = bk_report_write(dir, cfg, o.f, &err);
    if (st != BK_OK)
        rc = cli_report(st, &err);
    else if (cli_interrupted)
        rc = CLI_EXIT_INTERRUPTED;
    if (rc != CLI_EXIT_OK) {
        cli_atomic_abort(&o);
        return rc;
    }
    return cli_atomic_commit(&o);
}

/* `blockade report DIR --output FILE [options]`. */
int cli_cmd_report(const cli_invocation *inv)
{
    const cli_value *opt = inv->opt;
    if (!opt[OPT_OUTPUT].set)
        return cli_usage_error("report: missing --output FILE");
    if ((inv->n_args > 0) == opt[OPT_RUN].set)
        return cli_usage_error("report: give an output directory DIR or --run ID, not both");
    if (opt[OPT_STORE].set && !opt[OPT_RUN].set)
        return cli_usage_error("report: --store goes with --run ID");
    char *run_dir = NULL;
    if (opt[OPT_RUN].set) { /* the output directory the run store recorded for the run */
        int64_t id = 0;
        int rc = cli_parse_run_id("report", opt[OPT_RUN].str, &id);
        if (rc != CLI_EXIT_OK)
            return rc;
        bk_store *store = NULL;
        rc = cli_store_open_read(&opt[OPT_STORE], &store);
        if (rc != CLI_EXIT_OK)
            return rc;
        bk_error err = {0};
        bk_status bst = bk_store_out_dir(store, id, &run_dir, &err);
        bk_store_close(store);
        if (bst == BK_ERR_USAGE) {
            cli_error("report: %s (see 'blockade runs list')", err.message);
            return CLI_EXIT_USAGE;
        }
        if (bst != BK_OK)
            return cli_report(bst, &err);
        if (run_dir == NULL) {
            cli_error("report: run %s recorded no output directory (it ran without --out)",
                      opt[OPT_RUN].str);
            return CLI_EXIT_IO;
        }
    }
    const char *dir = run_dir ? run_dir : inv->args[0];
    const char *path = opt[OPT_OUTPUT].str;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        cli_error("'%s' is a directory: name the report's file", path);
        free(run_dir);
        return CLI_EXIT_IO;
    }
    bk_report_config cfg;
    bk_report_config_init(&cfg);
    if (opt[OPT_TITLE].set)
        cfg.title = opt[OPT_TITLE].str;
    if (opt[OPT_OBSERVED].set)
        cfg.observed_path = opt[OPT_OBSERVED].str;
    int rc = write_report(dir, path, &cfg);
    free(run_dir);
    if (rc == CLI_EXIT_INTERRUPTED)
        cli_error("interrupted");
    if (rc == CLI_EXIT_OK && !opt[OPT_QUIET].set) {
        if (stat(path, &st) == 0)
            fprintf(stderr, "report written to %s (%lld kB)\n", path,
                    (long long)((st.st_size + 1023) / 1024));
        else
            fprintf(stderr, "report written to %s\n", path);
    }
    return rc;
}
