/* cmd_events.c: `blockade events import`: stream an ACLED or UCDP GED export, filter it, snap each
 * event to the nearest road segment of a scenario and write the placed events as CSV as they
 * are read (published only when the whole input was read); report what could not be placed and
 * why (docs/calibration.md). */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    CLI_OPTION_END,
};

#define MAX_KEYWORDS 256


/* What the import does with each kept event as it is read: place it, report it if it cannot be
 * placed, write it if it can. */
typedef struct import_ctx {
    const bk_scenario *sc;
    FILE *out;
    bool quiet;
    size_t placed;
} import_ctx;

static bk_status import_event(void *ud, bk_event *e, bk_error *err)
{
    import_ctx *c = ud;
    bk_event_place(e, c->sc);
    if (!e->placed) {
        if (!c->quiet)
            fprintf(stderr, "blockade: not placed: %s (line %d): %s\n", e->id, e->line,
                    e->reason);
        return BK_OK;
    }
    c->placed++;
    bk_event_write_csv(e, c->out);
    if (ferror(c->out)) {
        err->status = BK_ERR_IO;
        snprintf(err->message, sizeof err->message, "cannot write the placed events: %s",
                 strerror(errno));
        return BK_ERR_IO;
    }
    return BK_OK;
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
    cli_atomic out;
    rc = cli_atomic_open(&out, inv->opt[OPT_OUT].set ? inv->opt[OPT_OUT].str : NULL);
    if (rc != CLI_EXIT_OK) {
        bk_scenario_free(sc);
        return rc;
    }
    bool quiet = inv->opt[OPT_QUIET].set;
    import_ctx ctx = {sc, out.f, quiet, 0};
    bk_events_write_csv_header(out.f);
    bk_events_info info;
    bk_error err = {0};
    bk_status st = bk_events_scan_file(inv->args[0], &filter, import_event, &ctx, &info, &err);
    bk_scenario_free(sc);
    if (st != BK_OK) {
        cli_atomic_abort(&out);
        return cli_report(st, &err);
    }
    static const char *const fmt[] = {"", "ACLED", "ACLED (numeric actor codes)", "UCDP GED",
                                      "placed events"};
    if (!quiet)
        fprintf(stderr, "blockade: %s: %s format, %zu records, %zu kept, %zu placed, %zu not "
                "placed\n", inv->args[0], fmt[info.format], info.records, info.kept,
                ctx.placed, info.kept - ctx.placed);
    rc = cli_atomic_commit(&out);
    return rc;
}
