/* store_diff.c: comparing two recorded runs (bk_store_diff): what they were, then their
 * parameters and every summary metric side by side, with the change between them. */
#include "store/store_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Position of `key` in f, or -1. Linear: summaries hold a few hundred keys, and a diff is
 * printed once. */
static long flat_find(const flat *f, const char *key)
{
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->items[i].key, key) == 0)
            return (long)i;
    }
    return -1;
}

/* A number for the change columns: whole numbers without decimals, others to six significant
 * digits; `sign` adds "+" to positive values. Zero is "0". */
static void format_number(double v, bool sign, char *buf, size_t size)
{
    if (v == 0)
        snprintf(buf, size, "0"); /* neither "+0" nor "-0" */
    else if (fabs(v) < 1e15 && v == floor(v))
        snprintf(buf, size, sign ? "%+.0f" : "%.0f", v);
    else
        snprintf(buf, size, sign ? "%+.6g" : "%.6g", v);
}

/* Adds the rows of two flattened texts to t (columns: key, a, b, change, relative, note).
 * With `numeric` (the summary), a pair of numbers gets its absolute and relative change and
 * other values go to `texts` (key, a, b, note) only when they differ, so that long texts
 * (hashes, names) do not widen the table of numbers; otherwise every key is shown in t. Keys
 * only in one side say so. */
static void diff_flat(const flat *a, const flat *b, table *t, table *texts, bool numeric,
                      const char *name_a, const char *name_b)
{
    char only_a[48], only_b[48];
    snprintf(only_a, sizeof only_a, "only in %s", name_a);
    snprintf(only_b, sizeof only_b, "only in %s", name_b);
    for (size_t i = 0; i < a->n; i++) {
        const flat_item *x = &a->items[i];
        long j = flat_find(b, x->key);
        const flat_item *y = j >= 0 ? &b->items[j] : NULL;
        char change[48] = "", rel[48] = "";
        const char *note = "";
        if (y == NULL) {
            note = only_a;
            if (numeric && !x->is_num) {
                const char *row[4] = {x->key, x->text, "-", note};
                rs_table_add(texts, row);
                continue;
            }
        } else if (numeric && x->is_num && y->is_num) {
            double d = y->num - x->num;
            format_number(d, true, change, sizeof change);
            if (d == 0)
                snprintf(rel, sizeof rel, "0.00 %%");
            else if (x->num != 0)
                snprintf(rel, sizeof rel, "%+.2f %%", 100.0 * d / fabs(x->num));
            else
                snprintf(rel, sizeof rel, "n/a");
        } else if (numeric) {
            if (strcmp(x->text, y->text) != 0) {
                const char *row[4] = {x->key, x->text, y->text, ""};
                rs_table_add(texts, row);
            }
            continue; /* equal text (names, dates, hashes): nothing to compare */
        } else if (strcmp(x->text, y->text) != 0) {
            note = "differs";
        }
        const char *row[6] = {x->key, x->text, y ? y->text : "-", change, rel, note};
        rs_table_add(t, row);
    }
    for (size_t j = 0; j < b->n; j++) {
        const flat_item *y = &b->items[j];
        if (flat_find(a, y->key) >= 0)
            continue;
        const char *row[6] = {y->key, "-", y->text, "", "", only_b};
        if (numeric && !y->is_num) {
            const char *text_row[4] = {y->key, "-", y->text, only_b};
            rs_table_add(texts, text_row);
        } else {
            rs_table_add(t, row);
        }
    }
}

/* A JSON section of a diff: a header row, then the rows. */
static bool diff_section(FILE *out, const char *title, const char *json_a, const char *json_b,
                         bool numeric, const char *name_a, const char *name_b)
{
    flat a, b;
    rs_flatten_json(json_a, &a);
    rs_flatten_json(json_b, &b);
    bool nomem = a.nomem || b.nomem;
    if (!nomem) {
        fprintf(out, "\n%s:\n", title);
        if (json_a == NULL && json_b == NULL) {
            fputs("  none in either run\n", out);
        } else {
            table t, texts;
            rs_table_init(&t, 6);
            rs_table_init(&texts, 4);
            const char *head[6] = {"", name_a, name_b, numeric ? "change" : "",
                                   numeric ? "relative" : "", ""};
            rs_table_add(&t, head);
            diff_flat(&a, &b, &t, &texts, numeric, name_a, name_b);
            nomem = t.nomem || texts.nomem;
            static const bool right[6] = {false, true, true, true, true, false};
            if (!nomem)
                rs_table_print(&t, out, "  ", numeric ? right : NULL);
            if (!nomem && texts.rows > 0) {
                fprintf(out, "\n%s, text that differs:\n", title);
                rs_table_print(&texts, out, "  ", NULL);
            }
            rs_table_free(&t);
            rs_table_free(&texts);
        }
    }
    rs_flat_free(&a);
    rs_flat_free(&b);
    return !nomem;
}

/* Compares two runs: what they were, then every summary metric side by side. */
bk_status bk_store_diff(bk_store *st, int64_t id_a, int64_t id_b, FILE *out, bk_error *err)
{
    if (st == NULL || out == NULL)
        return bki_fail(err, BK_ERR_USAGE, "store: diff needs a store and a stream");
    run_rec a, b;
    bk_status code = rs_fetch_run(st, id_a, &a, err);
    if (code != BK_OK)
        return code;
    code = rs_fetch_run(st, id_b, &b, err);
    if (code != BK_OK) {
        rs_run_free(&a);
        return code;
    }
    char name_a[32], name_b[32];
    snprintf(name_a, sizeof name_a, "run %" PRId64, a.id);
    snprintf(name_b, sizeof name_b, "run %" PRId64, b.id);

    bool same = strcmp(a.sha, b.sha) == 0;
    if (same)
        fprintf(out, "scenario: the same in both runs: %s (sha256 %s)\n", a.name ? a.name : "?",
                a.sha);
    else
        fprintf(out, "scenario: different\n  %s: %s (sha256 %s)\n  %s: %s (sha256 %s)\n", name_a,
                a.name ? a.name : "?", a.sha, name_b, b.name ? b.name : "?", b.sha);

    /* What was run, as a JSON-like list of fields, through the same side-by-side code. */
    run_numbers na, nb;
    rs_run_numbers(&a, &na);
    rs_run_numbers(&b, &nb);
    const char *rows[][3] = {
        {"kind", a.kind, b.kind},
        {"status", rs_status_words(&a), rs_status_words(&b)},
        {"started (UTC)", a.start, b.start},
        {"duration", na.duration, nb.duration},
        {"version", a.version, b.version},
        {"seed", a.seed, b.seed},
        {"replications", na.replications, nb.replications},
        {"days", na.days, nb.days},
    };
    table t;
    rs_table_init(&t, 4);
    const char *head[4] = {"", name_a, name_b, ""};
    rs_table_add(&t, head);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        bool differs = i != 2 && i != 3 && strcmp(rows[i][1], rows[i][2]) != 0;
        const char *row[4] = {rows[i][0], rows[i][1], rows[i][2], differs ? "differs" : ""};
        rs_table_add(&t, row);
    }
    bool ok = !t.nomem;
    if (ok) {
        fputc('\n', out);
        rs_table_print(&t, out, "", NULL);
        /* Long texts go on lines of their own rather than stretch the table. */
        const char *lines[][3] = {{"command", a.command, b.command},
                                  {"outputs", a.out_dir ? a.out_dir : "-",
                                   b.out_dir ? b.out_dir : "-"}};
        for (size_t i = 0; i < 2; i++)
            fprintf(out, "%s%s\n  %s: %s\n  %s: %s\n", lines[i][0],
                    strcmp(lines[i][1], lines[i][2]) != 0 ? " (differs)" : "", name_a,
                    lines[i][1], name_b, lines[i][2]);
    }
    rs_table_free(&t);
    if (ok)
        ok = diff_section(out, "parameters", a.params, b.params, false, name_a, name_b);
    if (ok)
        ok = diff_section(out, "summary", a.summary, b.summary, true, name_a, name_b);
    rs_run_free(&a);
    rs_run_free(&b);
    return rs_finish_output(st, out, !ok, err);
}
