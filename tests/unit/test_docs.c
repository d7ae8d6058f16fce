/* test_docs.c: docs/outputs.md documents every column the code writes, and nothing else.
 *
 * Each CSV output's column table in docs/outputs.md follows a marker `<!-- columns: FILE -->`;
 * its rows are `| NAMES | UNIT | MEANING |`, NAMES one or more backquoted names, where `<word>`
 * stands for any run of [a-z0-9_] (a corridor, product or sector id, a period, a date). The test
 * writes every output of a run, an ensemble (with a window, by month and by week) and a
 * comparison, for the embedded Bamako scenario and a small two-corridor one, and fails when a
 * written column matches no documented name (undocumented), when a documented name matches no
 * written column (documented but never written), or when a daily column's unit differs from the
 * documented one. Nothing here lists the columns: new columns are picked up by themselves.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bk_test.h"
#include "bk_test_model.h"
#include "bk_test_main.h"
#include "blockade/blockade.h"

#define MAX_DOC 2048
#define MAX_SEEN 8192

typedef struct doc_row {
    char file[64];
    char name[160];   /* with <placeholders> */
    char unit[48];
    bool matched;
} doc_row;

typedef struct seen_col {
    char file[64];
    char name[160];
    char unit[48];    /* "" when the output does not say */
} seen_col;

static doc_row doc[MAX_DOC];
static int n_doc;
static seen_col seen[MAX_SEEN];
static int n_seen;

/* Does `name` match `pat`, where <...> in pat matches one or more of [a-z0-9_]? */
static bool glob(const char *pat, const char *name)
{
    if (*pat == '\0')
        return *name == '\0';
    if (*pat == '<') {
        const char *close = strchr(pat, '>');
        if (!close)
            return false;
        for (const char *p = name; *p; p++) {
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
                break;
            if (glob(close + 1, p + 1))
                return true;
        }
        return false;
    }
    return *pat == *name && glob(pat + 1, name + 1);
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    size_t k = 0;
    while (s[k] == ' ')
        k++;
    memmove(s, s + k, strlen(s + k) + 1);
}

/* Read the column tables of docs/outputs.md. */
static void read_docs(void)
{
    char *text = bk_test_slurp_source("docs/outputs.md");
    char file[64] = "";
    bool in_table = false;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (sscanf(line, "<!-- columns: %63s -->", file) == 1) {
            in_table = true;
        } else if (in_table && line[0] == '|') {
            char cells[3][512] = {"", "", ""};
            char *p = line + 1;
            for (int c = 0; c < 3 && p; c++) {
                char *bar = strchr(p, '|');
                size_t n = bar ? (size_t)(bar - p) : strlen(p);
                if (n >= sizeof cells[c])
                    n = sizeof cells[c] - 1;
                memcpy(cells[c], p, n);
                cells[c][n] = '\0';
                trim(cells[c]);
                p = bar ? bar + 1 : NULL;
            }
            /* names: every `...` of the first cell; the header and rule rows have none */
            for (char *q = cells[0]; (q = strchr(q, '`')) != NULL;) {
                char *end = strchr(q + 1, '`');
                if (!end)
                    break;
                assert_true(n_doc < MAX_DOC);
                doc_row *d = &doc[n_doc++];
                memset(d, 0, sizeof *d);
                snprintf(d->file, sizeof d->file, "%s", file);
                snprintf(d->name, sizeof d->name, "%.*s", (int)(end - q - 1), q + 1);
                size_t u = 0; /* the unit without backquotes */
                for (const char *c = cells[1]; *c && u + 1 < sizeof d->unit; c++)
                    if (*c != '`')
                        d->unit[u++] = *c;
                d->unit[u] = '\0';
                q = end + 1;
            }
        } else if (in_table && line[0] != '\0' && line[0] != '|') {
            in_table = false;
        } else if (in_table && line[0] == '\0' && n_doc > 0
                   && strcmp(doc[n_doc - 1].file, file) == 0) {
            in_table = false; /* a blank line after the table ends it */
        }
        line = nl ? nl + 1 : NULL;
    }
    free(text);
}

static void see(const char *file, const char *name, const char *unit)
{
    for (int i = 0; i < n_seen; i++) {
        if (strcmp(seen[i].file, file) == 0 && strcmp(seen[i].name, name) == 0) {
            if (unit && !seen[i].unit[0]) /* daily.csv's header, then its units from bands */
                snprintf(seen[i].unit, sizeof seen[i].unit, "%s", unit);
            return;
        }
    }
    assert_true(n_seen < MAX_SEEN);
    seen_col *s = &seen[n_seen++];
    snprintf(s->file, sizeof s->file, "%s", file);
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->unit, sizeof s->unit, "%s", unit ? unit : "");
}

/* The header line of a CSV text, field by field (no quoted names in these files). */
static void see_header(const char *file, const char *text)
{
    const char *nl = strchr(text, '\n');
    assert_non_null(nl);
    for (const char *p = text; p < nl;) {
        const char *e = p;
        while (e < nl && *e != ',')
            e++;
        char name[160];
        snprintf(name, sizeof name, "%.*s", (int)(e - p), p);
        see(file, name, NULL);
        p = e + 1;
    }
}

/* The metric and unit fields of every row of bands.csv: the daily columns with their units. */
static void see_daily_units(const char *bands)
{
    const char *line = strchr(bands, '\n');
    while (line && line[1]) {
        line++;
        const char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        assert_non_null(c2);
        char name[160], unit[48];
        snprintf(name, sizeof name, "%.*s", (int)(c1 - line), line);
        snprintf(unit, sizeof unit, "%.*s", (int)(c2 - c1 - 1), c1 + 1);
        see("daily.csv", name, unit);
        line = strchr(line, '\n');
    }
}

/* The curve names of curves.csv are documented like columns (its `curve` values). */
static void see_curves(const char *curves)
{
    const char *line = strchr(curves, '\n');
    while (line && line[1]) {
        line++;
        const char *c1 = strchr(line, ',');
        assert_non_null(c1);
        char name[160];
        snprintf(name, sizeof name, "%.*s", (int)(c1 - line), line);
        see("curves.csv:curve", name, NULL);
        line = strchr(line, '\n');
    }
}

typedef bk_status (*ens_writer)(const bk_ensemble *, FILE *);

static char *write_ens(const bk_ensemble *ens, ens_writer w)
{
    bk_test_capture cap;
    assert_int_equal(w(ens, bk_test_capture_open(&cap)), BK_OK);
    return bk_test_capture_close(&cap);
}

static void collect(const bk_scenario *sc, const char *window, int period)
{
    /* a run: daily.csv and events.csv */
    bk_run_config rc;
    bk_run_config_init(&rc, sc);
    rc.days = 45;
    bk_run *run = NULL;
    bk_error err;
    assert_int_equal(bk_sim_run(sc, &rc, &run, &err), BK_OK);
    bk_test_capture cap;
    assert_int_equal(bk_run_write_daily_csv(run, bk_test_capture_open(&cap)), BK_OK);
    char *text = bk_test_capture_close(&cap);
    see_header("daily.csv", text);
    free(text);
    assert_int_equal(bk_run_write_events_csv(run, bk_test_capture_open(&cap)), BK_OK);
    text = bk_test_capture_close(&cap);
    see_header("events.csv", text);
    free(text);
    bk_run_free(run);

    /* an ensemble */
    bk_ensemble_config cfg;
    bk_ensemble_config_init(&cfg, sc);
    cfg.replications = 2;
    cfg.days = 45;
    cfg.threads = 1;
    cfg.period = period;
    cfg.windows = &window;
    cfg.n_windows = 1;
    bk_ensemble *ens = NULL;
    assert_int_equal(bk_ensemble_new(sc, &cfg, &ens, &err), BK_OK);
    if (bk_ensemble_run(ens, &err) != BK_OK)
        fail_msg("ensemble: %s", err.message);
    text = write_ens(ens, bk_ensemble_write_bands_csv);
    see_header("bands.csv", text);
    see_daily_units(text);
    free(text);
    text = write_ens(ens, bk_ensemble_write_curves_csv);
    see_header("curves.csv", text);
    see_curves(text);
    free(text);
    text = write_ens(ens, bk_ensemble_write_replications_csv);
    see_header("replications.csv", text);
    free(text);
    bk_ensemble_free(ens);

    /* a comparison (the scenario against itself: the columns are what matters) */
    const bk_scenario *pair[2] = {sc, sc};
    const char *names[2] = {"a", "b"}, *labels[2] = {"", ""};
    bk_compare_config cc;
    bk_compare_config_init(&cc, sc);
    cc.replications = 2;
    cc.days = 10;
    cc.threads = 1;
    bk_compare *cmp = NULL;
    assert_int_equal(bk_compare_run(pair, names, labels, 2, &cc, &cmp, &err), BK_OK);
    assert_int_equal(bk_compare_write_csv(cmp, bk_test_capture_open(&cap)), BK_OK);
    text = bk_test_capture_close(&cap);
    see_header("compare.csv", text);
    free(text);
    bk_compare_free(cmp);
}

static void test_every_column_documented(void **state)
{
    (void)state;
    read_docs();
    assert_true(n_doc > 50);
    bk_scenario *bamako = bk_test_load_default(), *two = bk_test_load_reference();
    collect(bamako, "2025-09-10..2025-10-10", BK_ENSEMBLE_PERIOD_MONTH);
    collect(two, "2025-09-01..2025-09-07", BK_ENSEMBLE_PERIOD_WEEK);
    bk_scenario *modes = NULL;   /* the mode and cost columns */
    bk_error err;
    char *path = bk_test_source_path("scenarios/test/river-air.yaml");
    assert_int_equal(bk_scenario_load_file(path, &modes, &err), BK_OK);
    free(path);
    collect(modes, "2025-01-01..2025-01-07", BK_ENSEMBLE_PERIOD_WEEK);
    bk_scenario_free(modes);
    bk_scenario_free(bamako);
    bk_scenario_free(two);

    int bad = 0;
    for (int i = 0; i < n_seen; i++) {
        const seen_col *s = &seen[i];
        int hit = -1;
        bool unit_ok = !s->unit[0];
        for (int k = 0; k < n_doc; k++) {
            if (strcmp(doc[k].file, s->file) != 0 || !glob(doc[k].name, s->name))
                continue;
            doc[k].matched = true;
            if (hit < 0)
                hit = k;
            unit_ok = unit_ok || strcmp(doc[k].unit, s->unit) == 0;
        }
        if (hit < 0) {
            print_error("%s: column '%s'%s%s%s is written but not documented in "
                        "docs/outputs.md\n", s->file, s->name, s->unit[0] ? " (unit " : "",
                        s->unit, s->unit[0] ? ")" : "");
            bad++;
        } else if (!unit_ok) {
            print_error("%s: column '%s' has unit '%s', docs/outputs.md says '%s'\n", s->file,
                        s->name, s->unit, doc[hit].unit);
            bad++;
        }
    }
    for (int k = 0; k < n_doc; k++) {
        if (!doc[k].matched) {
            print_error("%s: docs/outputs.md documents '%s', which is never written\n",
                        doc[k].file, doc[k].name);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

BK_TEST_MAIN(test_every_column_documented)
