/* cmd_events.c: `blockade events import`: read an ACLED or UCDP GED export, filter it, snap each
 * event to the nearest road segment of a scenario and write the placed events as CSV; report
 * what could not be placed and why (docs/calibration.md). */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OPT_COUNTRY, OPT_ACTOR, OPT_FROM, OPT_TO, OPT_KEYWORD, OPT_SCENARIO, OPT_OUT, OPT_QUIET };

/* Same order as the enum above. */
const cli_option cli_events_import_options[] = {
    {"country", CLI_OPT_STRING, "NAME", 0, 0, "keep events in this country (case-insensitive)"},
    {"actor", CLI_OPT_STRING, "TEXT", 0, 0, "keep events whose actor1 or actor2 contains TEXT"},
    {"from", CLI_OPT_STRING, "DATE", 0, 0, "keep events on or after DATE (2025-09-01)"},
    {"to", CLI_OPT_STRING, "DATE", 0, 0, "keep events on or before DATE"},
    {"keyword", CLI_OPT_STRING, "WORD", 0, 0,
     "keep events whose notes contain WORD (repeat: any of them)"},
    {"scenario", CLI_OPT_STRING, "FILE", 0, 0,
     "place events on the roads of FILE (default: the embedded scenario)"},
    {"out", CLI_OPT_STRING, "FILE", 0, 0, "write the placed events to FILE (default: stdout)"},
    {"quiet", CLI_OPT_FLAG, NULL, 0, 0, "no report of unplaced events; errors only"},
    {NULL, CLI_OPT_FLAG, NULL, 0, 0, NULL},
};

#define MAX_KEYWORDS 256

/* Contract in cli.h. */
int cli_write_file_atomic(const char *path, const char *text, size_t len)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    snprintf(tmp, n + 16, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        cli_error("cannot create a temporary file next to '%s': %s", path, strerror(errno));
        free(tmp);
        return CLI_EXIT_IO;
    }
    /* mkstemp makes the file 0600; the result is an ordinary output, so give it the mode a
     * new file gets (0666 less the umask), like every other file the tool writes. */
    mode_t mask = umask(0);
    umask(mask);
    FILE *f = fchmod(fd, 0666 & ~mask) == 0 ? fdopen(fd, "wb") : NULL;
    bool ok = f && fwrite(text, 1, len, f) == len && fflush(f) == 0 && fsync(fd) == 0;
    if (f)
        ok = fclose(f) == 0 && ok;
    else
        close(fd);
    if (!ok || rename(tmp, path) != 0) {
        cli_error("cannot write '%s': %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return CLI_EXIT_IO;
    }
    free(tmp);
    return CLI_EXIT_OK;
}

/* Contract in cli.h. */
int cli_cmd_events_import(const cli_invocation *inv)
{
    const char *keywords[MAX_KEYWORDS];
    int n_kw = cli_options_collect(inv->cmd->options, inv->argc, inv->argv, inv->cmd->name,
                                   "keyword", keywords, MAX_KEYWORDS);
    if (n_kw > MAX_KEYWORDS)
        n_kw = MAX_KEYWORDS; /* as many as fit; the rest are ignored */
    bk_events_filter filter;
    memset(&filter, 0, sizeof filter);
    filter.country = inv->opt[OPT_COUNTRY].str;
    filter.actor = inv->opt[OPT_ACTOR].str;
    filter.from = inv->opt[OPT_FROM].str;
    filter.to = inv->opt[OPT_TO].str;
    filter.keywords = keywords;
    filter.n_keywords = n_kw;
    long d;
    if (filter.from && !bk_date_parse(filter.from, &d))
        return cli_usage_error("bad --from date '%s' (expected 2025-09-01 or 1 September 2025)",
                               filter.from);
    if (filter.to && !bk_date_parse(filter.to, &d))
        return cli_usage_error("bad --to date '%s' (expected 2025-09-30 or 30 September 2025)",
                               filter.to);
    bk_scenario *sc = NULL;
    int rc = cli_load_scenario(inv->opt[OPT_SCENARIO].str, &sc);
    if (rc != CLI_EXIT_OK)
        return rc;
    bk_events *ev = NULL;
    bk_error err;
    memset(&err, 0, sizeof err);
    bk_status st = bk_events_read_file(inv->args[0], &filter, &ev, &err);
    if (st != BK_OK) {
        bk_scenario_free(sc);
        return cli_report(st, &err);
    }
    bk_events_place(ev, sc);
    bool quiet = inv->opt[OPT_QUIET].set;
    if (!quiet)
        for (size_t i = 0; i < bk_events_count(ev); i++) {
            const bk_event *e = bk_events_get(ev, i);
            if (!e->placed)
                fprintf(stderr, "blockade: not placed: %s (line %d): %s\n", e->id, e->line,
                        e->reason);
        }
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    st = f ? bk_events_write_csv(ev, f) : BK_ERR_NOMEM;
    if (f && fclose(f) != 0)
        st = BK_ERR_NOMEM;
    if (st != BK_OK) {
        free(text);
        bk_events_free(ev);
        bk_scenario_free(sc);
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    static const char *const fmt[] = {"", "ACLED", "ACLED (numeric actor codes)", "UCDP GED",
                                      "placed events"};
    if (!quiet)
        fprintf(stderr, "blockade: %s: %s format, %zu records, %zu kept, %zu placed, %zu not "
                "placed\n", inv->args[0], fmt[bk_events_get_format(ev)], bk_events_records(ev),
                bk_events_count(ev), bk_events_placed(ev),
                bk_events_count(ev) - bk_events_placed(ev));
    if (inv->opt[OPT_OUT].set) {
        rc = cli_write_file_atomic(inv->opt[OPT_OUT].str, text, len);
    } else if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
        cli_error("cannot write to stdout");
        rc = CLI_EXIT_IO;
    }
    free(text);
    bk_events_free(ev);
    bk_scenario_free(sc);
    return rc;
}
