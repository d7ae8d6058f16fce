/* report_decide.c: the page's data from the files of `blockade optimise --out` (optimise.json:
 * the choices, the selection and the finalists; optimise.csv: every candidate simulated) and of
 * `blockade vulnerability --out` (vulnerability.csv: one row per element; vulnerability.json: the
 * supply graph's max flow, capacities and where the two rankings disagree).
 *
 * The JSON files are checked against the members the page uses (docs/optimise.md, "Outputs"):
 * each must be there when the page needs it and be of its type; numbers are copied as the text
 * they were written with after checking that it is a JSON number (or null, the writers' mark
 * for a value that does not exist); strings are escaped with every '<' written \u003c; other
 * members are left out. A wrong member is an error at its file:line:column. */
#include "engine/alloc.h"

#include <libfyaml.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "blockade/blockade.h"
#include "engine/status_internal.h"
#include "output/report_internal.h"
#include "scenario/read.h"

/* ---- checked copies of JSON members ------------------------------------------------------- */

typedef enum { JS_STRING, JS_NUMBER, JS_BOOL, JS_OBJECT, JS_ARRAY, JS_NUMBER_MAP } js_type;

/* One member of an object: its key, its type, whether the page needs it. An object's members
 * are in `fields`; an array's items are of type `item` (objects: with `fields`), `n_items` of
 * them when not 0. A list of members ends with a NULL key. */
typedef struct js_field {
    const char *key;
    js_type type;
    bool required;
    const struct js_field *fields;
    js_type item;
    int n_items;
} js_field;

static const char *const type_word[] = {"a string", "a number", "true or false", "an object",
                                        "an array", "an object of numbers"};

/* An error at node n (or at `parent` when n has no position, e.g. an empty array). */
static bk_status fail_node(bk_error *err, bk_status st, const char *path, struct fy_node *n,
                           struct fy_node *parent, const char *fmt, ...) BK_PRINTF(6, 7);
static bk_status fail_node(bk_error *err, bk_status st, const char *path, struct fy_node *n,
                           struct fy_node *parent, const char *fmt, ...)
{
    int line = 1, col = 1;
    if (!sr_node_pos(n, &line, &col, 0))
        (void)sr_node_pos(parent, &line, &col, 0);
    char body[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    return bki_fail_at(err, st, path, line, col, "%s", body);
}

/* "name.key" or "name[i]" for messages; cut short (harmlessly) when very deep. */
#define NAME_MAX_LEN 160

/* The scalar's text in buf (NUL-terminated), or false when it does not fit. */
static bool scalar_text(struct fy_node *n, char *buf, size_t cap)
{
    size_t len = 0;
    const char *s = fy_node_get_scalar(n, &len);
    if (s == NULL || len >= cap)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return true;
}

static bool is_plain(struct fy_node *n)
{
    return fy_node_get_type(n) == FYNT_SCALAR && fy_node_get_style(n) == FYNS_PLAIN;
}

static bool is_type(struct fy_node *n, js_type t)
{
    char buf[64];
    switch (t) {
    case JS_STRING:
        return fy_node_get_type(n) == FYNT_SCALAR && fy_node_get_style(n) != FYNS_PLAIN;
    case JS_NUMBER: /* null: the writers' mark for a value that does not exist */
        return is_plain(n) && scalar_text(n, buf, sizeof buf)
               && (rp_is_json_number(buf) || strcmp(buf, "null") == 0);
    case JS_BOOL:
        return is_plain(n) && scalar_text(n, buf, sizeof buf)
               && (strcmp(buf, "true") == 0 || strcmp(buf, "false") == 0);
    case JS_OBJECT:
    case JS_NUMBER_MAP:
        return fy_node_get_type(n) == FYNT_MAPPING;
    case JS_ARRAY:
        return fy_node_get_type(n) == FYNT_SEQUENCE;
    }
    return false;
}

static bk_status put_value(FILE *f, const char *path, const char *name, struct fy_node *n,
                           struct fy_node *parent, js_type type, const js_field *fields,
                           js_type item, int n_items, bk_error *err);

/* The members of object n named in `fields`, checked, as a JSON object. */
static bk_status put_object(FILE *f, const char *path, const char *name, struct fy_node *n,
                            const js_field *fields, bk_error *err)
{
    fputc('{', f);
    bool first = true;
    for (const js_field *fd = fields; fd->key; fd++) {
        struct fy_node *v = fy_node_mapping_lookup_by_string(n, fd->key, FY_NT);
        char sub[NAME_MAX_LEN];
        if (snprintf(sub, sizeof sub, "%s%s%s", name, name[0] ? "." : "", fd->key)
            >= (int)sizeof sub)
            sub[sizeof sub - 1] = '\0';
        if (v == NULL) {
            if (fd->required)
                return fail_node(err, BK_ERR_SCHEMA, path, n, NULL, "no member '%s'%s", sub,
                                 name[0] ? "" : " at the top level");
            continue;
        }
        rp_put_key(f, &first, fd->key);
        bk_status st = put_value(f, path, sub, v, n, fd->type, fd->fields, fd->item,
                                 fd->n_items, err);
        if (st != BK_OK)
            return st;
    }
    fputc('}', f);
    return BK_OK;
}

/* Value n, checked to be of `type`, as JSON. */
static bk_status put_value(FILE *f, const char *path, const char *name, struct fy_node *n,
                           struct fy_node *parent, js_type type, const js_field *fields,
                           js_type item, int n_items, bk_error *err)
{
    if (!is_type(n, type))
        return fail_node(err, type == JS_NUMBER || type == JS_BOOL ? BK_ERR_SYNTAX
                                                                   : BK_ERR_SCHEMA,
                         path, n, parent, "'%s' is not %s", name, type_word[type]);
    void *it = NULL;
    bk_status st = BK_OK;
    switch (type) {
    case JS_STRING:
    case JS_NUMBER:
    case JS_BOOL:
        rp_put_json_scalar(f, n); /* checked above: copied as written, strings escaped */
        return BK_OK;
    case JS_OBJECT:
        return put_object(f, path, name, n, fields, err);
    case JS_NUMBER_MAP: {
        struct fy_node_pair *p;
        bool first = true;
        fputc('{', f);
        while (st == BK_OK && (p = fy_node_mapping_iterate(n, &it)) != NULL) {
            size_t len = 0;
            const char *k = fy_node_get_scalar(fy_node_pair_key(p), &len);
            fputs(first ? "" : ",", f);
            first = false;
            rp_put_jstr_n(f, k ? k : "", k ? len : 0); /* a key is always a string */
            fputc(':', f);
            st = put_value(f, path, name, fy_node_pair_value(p), n, JS_NUMBER, NULL, JS_NUMBER,
                           0, err);
        }
        fputc('}', f);
        return st;
    }
    case JS_ARRAY: {
        int count = fy_node_sequence_item_count(n);
        if (n_items > 0 && count != n_items) {
            return fail_node(err, BK_ERR_SCHEMA, path, n, parent, "'%s' has %d items, not %d",
                             name, count, n_items);
        }
        struct fy_node *c;
        int i = 0;
        fputc('[', f);
        while (st == BK_OK && (c = fy_node_sequence_iterate(n, &it)) != NULL) {
            char sub[NAME_MAX_LEN];
            if (snprintf(sub, sizeof sub, "%s[%d]", name, i) >= (int)sizeof sub)
                sub[sizeof sub - 1] = '\0';
            fputs(i++ ? "," : "", f);
            st = put_value(f, path, sub, c, n, item, fields, JS_NUMBER, 0, err);
        }
        fputc(']', f);
        return st;
    }
    }
    return BK_OK;
}

/* The whole document checked against `root` (an object), written as the value of `key`. When
 * `kind` is set the document's own "kind", if it has one, must say so. */
static bk_status put_checked_doc(FILE *f, const char *key, const char *path, const char *kind,
                                 const js_field *root, bk_error *err)
{
    json_doc j;
    bk_status st = rp_json_read(path, &j, err);
    if (st != BK_OK)
        return st;
    struct fy_node *top = fy_document_root(j.doc);
    if (top == NULL || fy_node_get_type(top) != FYNT_MAPPING) {
        st = fail_node(err, BK_ERR_SCHEMA, path, top, NULL, "expected a JSON object");
    } else {
        struct fy_node *k = fy_node_mapping_lookup_by_string(top, "kind", FY_NT);
        char buf[64];
        if (kind && k && fy_node_get_type(k) == FYNT_SCALAR
            && (!scalar_text(k, buf, sizeof buf) || strcmp(buf, kind) != 0))
            st = fail_node(err, BK_ERR_SCHEMA, path, k, top,
                           "'kind' is not '%s': not the file 'blockade %s' writes", kind, kind);
        if (st == BK_OK) {
            rp_put_jstr(f, key);
            fputc(':', f);
            st = put_object(f, path, "", top, root, err);
        }
    }
    rp_json_free(&j);
    return st;
}

/* ---- typed CSV tables --------------------------------------------------------------------- */

/* A column the page uses: its name and whether its cells are numbers (an empty cell: null). */
typedef struct col_spec {
    const char *name;
    bool number;
} col_spec;

/* The table's columns in `cols` (each required) as the member `key`: {"columns": [...],
 * "rows": [[...], ...]}, numbers checked and copied as written, text escaped. */
static bk_status put_rows(FILE *f, const char *key, const char *path, const col_spec *cols,
                          size_t n, bk_error *err)
{
    table t;
    bk_status st = rp_table_read(path, &t, err);
    if (st != BK_OK)
        return st;
    int *c = bki_malloc(n * sizeof *c);
    if (c == NULL) {
        rp_table_free(&t);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory reading '%s'", path);
    }
    for (size_t i = 0; i < n && st == BK_OK; i++)
        st = rp_need_column(&t, cols[i].name, &c[i], err);
    if (st == BK_OK) {
        rp_put_jstr(f, key);
        fputs(":{\"columns\":[", f);
        for (size_t i = 0; i < n; i++) {
            fputs(i ? "," : "", f);
            rp_put_jstr(f, cols[i].name);
        }
        fputs("],\"rows\":[", f);
        for (size_t r = 1; r < t.n_rows && st == BK_OK; r++) {
            fputs(r > 1 ? ",[" : "[", f);
            for (size_t i = 0; i < n && st == BK_OK; i++) {
                fputs(i ? "," : "", f);
                if (cols[i].number)
                    st = rp_put_number_cell(f, &t, r, c[i], err);
                else
                    rp_put_jstr(f, rp_cell(&t, r, c[i]));
            }
            fputc(']', f);
        }
        fputs("]}", f);
    }
    bki_free(c);
    rp_table_free(&t);
    return st;
}

/* ---- optimise ----------------------------------------------------------------------------- */

static const js_field opt_selection[] = {
    {"method", JS_STRING, false, NULL, 0, 0},     {"pcs", JS_NUMBER, true, NULL, 0, 0},
    {"indifference", JS_NUMBER, true, NULL, 0, 0}, {"replications", JS_NUMBER, true, NULL, 0, 0},
    {"capped", JS_BOOL, true, NULL, 0, 0},         {"guarantee", JS_STRING, false, NULL, 0, 0},
    {NULL, 0, false, NULL, 0, 0}};

static const js_field opt_choice[] = {
    {"score", JS_STRING, false, NULL, 0, 0},
    {"chosen", JS_STRING, true, NULL, 0, 0},
    {"improvement", JS_NUMBER, true, NULL, 0, 0},
    {"ci95", JS_ARRAY, true, NULL, JS_NUMBER, 2},
    {NULL, 0, false, NULL, 0, 0}};

static const js_field opt_finalist[] = {
    {"levers", JS_STRING, true, NULL, 0, 0},
    {"harm_today", JS_NUMBER, true, NULL, 0, 0},
    {"mean_stage2_today", JS_NUMBER, false, NULL, 0, 0},
    {"response", JS_STRING, false, NULL, 0, 0},
    {"harm_response", JS_NUMBER, false, NULL, 0, 0},
    {"mean_stage2_response", JS_NUMBER, false, NULL, 0, 0},
    {NULL, 0, false, NULL, 0, 0}};

static const js_field opt_root[] = {
    {"scenario", JS_STRING, false, NULL, 0, 0},
    {"scenario_sha256", JS_STRING, false, NULL, 0, 0},
    {"seed", JS_NUMBER, false, NULL, 0, 0},
    {"replications", JS_NUMBER, true, NULL, 0, 0},
    {"days", JS_NUMBER, false, NULL, 0, 0},
    {"measure", JS_STRING, true, NULL, 0, 0},
    {"evaluations", JS_NUMBER, false, NULL, 0, 0},
    {"runs", JS_NUMBER, false, NULL, 0, 0},
    {"selection", JS_OBJECT, true, opt_selection, 0, 0},
    {"default", JS_STRING, true, NULL, 0, 0},
    {"today", JS_OBJECT, true, opt_choice, 0, 0},
    {"adapted", JS_OBJECT, false, opt_choice, 0, 0},
    {"finalists", JS_ARRAY, true, opt_finalist, JS_OBJECT, 0},
    {"search", JS_STRING, false, NULL, 0, 0},
    {NULL, 0, false, NULL, 0, 0}};

static const col_spec opt_columns[] = {
    {"candidate", true},  {"stage", false},     {"defender_levers", false},
    {"armed_group_levers", false}, {"cost", true}, {"harm_score", true},
    {"harm_mean", true},  {"finalist", true},   {"chosen_today", true},
    {"chosen_robust", true}};

/* "optimise": {"result": {from optimise.json}, "candidates": {from optimise.csv}}; the
 * candidates only when the CSV is there. */
bk_status rp_put_optimise(FILE *f, const char *json_path, const char *csv_path, bk_error *err)
{
    fputs(",\"optimise\":{", f);
    bk_status st = put_checked_doc(f, "result", json_path, "optimise", opt_root, err);
    if (st == BK_OK && csv_path) {
        fputc(',', f);
        st = put_rows(f, "candidates", csv_path, opt_columns,
                      sizeof opt_columns / sizeof opt_columns[0], err);
    }
    fputc('}', f);
    return st;
}

/* ---- vulnerability ------------------------------------------------------------------------ */

static const js_field vul_corridor[] = {
    {"id", JS_STRING, true, NULL, 0, 0},       {"cycle_days", JS_NUMBER, false, NULL, 0, 0},
    {"fleet", JS_NUMBER, false, NULL, 0, 0},   {"escort", JS_NUMBER, false, NULL, 0, 0},
    {"capacity", JS_NUMBER, false, NULL, 0, 0}, {NULL, 0, false, NULL, 0, 0}};

static const js_field vul_element[] = {
    {"id", JS_STRING, true, NULL, 0, 0},        {"kind", JS_STRING, false, NULL, 0, 0},
    {"sim_rank", JS_NUMBER, false, NULL, 0, 0}, {"disagree", JS_BOOL, false, NULL, 0, 0},
    {NULL, 0, false, NULL, 0, 0}};

static const js_field vul_root[] = {
    {"scenario", JS_STRING, false, NULL, 0, 0},
    {"scenario_sha256", JS_STRING, false, NULL, 0, 0},
    {"seed", JS_NUMBER, false, NULL, 0, 0},
    {"replications", JS_NUMBER, false, NULL, 0, 0},
    {"days", JS_NUMBER, false, NULL, 0, 0},
    {"unit", JS_STRING, false, NULL, 0, 0},
    {"graph", JS_STRING, false, NULL, 0, 0},
    {"tanker_l", JS_NUMBER, false, NULL, 0, 0},
    {"max_flow", JS_NUMBER, true, NULL, 0, 0},
    {"corridors", JS_ARRAY, false, vul_corridor, JS_OBJECT, 0},
    {"ports", JS_NUMBER_MAP, false, NULL, 0, 0},
    {"ports_in_min_cut", JS_ARRAY, false, NULL, JS_STRING, 0},
    {"elements", JS_ARRAY, true, vul_element, JS_OBJECT, 0},
    {NULL, 0, false, NULL, 0, 0}};

static const col_spec vul_columns[] = {
    {"static_rank", true},
    {"element", false},
    {"kind", false},
    {"flow_lost_tankers_per_day", true},
    {"in_min_cut", true},
    {"sim_rank", true},
    {"d_first_stockout_day", true},
    {"d_first_stockout_day_lo", true},
    {"d_first_stockout_day_hi", true},
    {"d_unmet_l", true},
    {"d_unmet_l_lo", true},
    {"d_unmet_l_hi", true},
    {"d_deliveries", true},
    {"d_deliveries_lo", true},
    {"d_deliveries_hi", true}};

/* "vulnerability": {"elements": {from vulnerability.csv}, "analysis": {from
 * vulnerability.json}}; the analysis only when the JSON is there. */
bk_status rp_put_vulnerability(FILE *f, const char *csv_path, const char *json_path,
                               bk_error *err)
{
    fputs(",\"vulnerability\":{", f);
    bk_status st = put_rows(f, "elements", csv_path, vul_columns,
                            sizeof vul_columns / sizeof vul_columns[0], err);
    if (st == BK_OK && json_path) {
        fputc(',', f);
        st = put_checked_doc(f, "analysis", json_path, "vulnerability", vul_root, err);
    }
    fputc('}', f);
    return st;
}
