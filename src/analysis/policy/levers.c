/* levers.c: the lever file (what the defender, and the armed group, may change: scenario paths
 * with bounds or choices, and budgets over them) and the objective file (a weighted harm) of
 * `blockade optimise`; see docs/optimise.md. Every error names the file, line and column. */
#include "engine/alloc.h"
#include "analysis/policy/levers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "analysis/policy/crn.h"
#include "analysis/policy/spec_file.h"
#include "analysis/ensemble/metrics.h"
#include "engine/status_internal.h"
#include "engine/yaml.h"
#include "scenario/read.h"
#include "scenario/schema.h"

#define SPEC_MAX_BYTES (1024u * 1024u)

/* 1-based line and column of a node (its first token); 0 when unknown. */
static int pos(struct fy_node *n, int *col)
{
    int line = 0;
    *col = 0;
    if (!sr_node_pos(n, &line, col, 0))
        *col = 0;
    return line;
}

#define FAIL_AT(node, status, ...)                                                         \
    do {                                                                                   \
        int c_ = 0, l_ = pos((node), &c_);                                                 \
        return bki_fail_at(err, (status), file, l_, c_, __VA_ARGS__);                       \
    } while (0)

static bool key_is(struct fy_node *k, const char *name)
{
    size_t n = 0;
    const char *s = k && fy_node_is_scalar(k) ? fy_node_get_scalar(k, &n) : NULL;
    return s && n == strlen(name) && memcmp(s, name, n) == 0;
}

/* A key a mapping may have, and where its value goes (NULL: allowed, value unused). */
typedef struct key_slot {
    const char *name;
    struct fy_node **val;
} key_slot;

/* The value of each key of mapping named in slots (ended by a NULL name) into its slot, the last
 * one when a key is repeated; returns the first key not named there, or NULL when none is. */
static struct fy_node *pick_keys(struct fy_node *mapping, const key_slot *slots)
{
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(mapping, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pair);
        const key_slot *s = slots;
        while (s->name && !key_is(k, s->name))
            s++;
        if (!s->name)
            return k;
        if (s->val)
            *s->val = fy_node_pair_value(pair);
    }
    return NULL;
}

/* A scalar as a NUL-terminated copy in buf; false if not a scalar or too long. */
static bool scalar(struct fy_node *v, char *buf, size_t cap)
{
    size_t n = 0;
    const char *s = v && fy_node_is_scalar(v) ? fy_node_get_scalar(v, &n) : NULL;
    if (!s || n + 1 > cap)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return true;
}

static bool number(struct fy_node *v, double *out)
{
    char buf[64], *end = NULL;
    if (!scalar(v, buf, sizeof buf) || !buf[0])
        return false;
    *out = strtod(buf, &end);
    return end && *end == '\0' && isfinite(*out);
}

/* The YAML document of a lever or objective file of len bytes (at most SPEC_MAX_BYTES); NULL
 * with err filled when it is too large, refused by the YAML guard or not valid YAML. */
static struct fy_document *parse(const char *text, size_t len, const char *file, bk_error *err)
{
    if (len > SPEC_MAX_BYTES) {
        bki_fail_at(err, BK_ERR_TOO_LARGE, file, 0, 0, "larger than %u bytes", SPEC_MAX_BYTES);
        return NULL;
    }
    bki_yaml_fault yf;
    struct fy_document *doc = bki_yaml_build(text, len, &yf);
    if (!doc && yf.nomem)
        bki_fail(err, BK_ERR_NOMEM, "out of memory");
    else if (!doc && yf.why)
        bki_fail_at(err, BK_ERR_SYNTAX, file, yf.line, yf.column, "not valid YAML: %s", yf.why);
    else if (!doc)
        bki_fail_at(err, BK_ERR_SYNTAX, file, yf.line, yf.column, "not valid YAML%s%s",
                    yf.has_msg ? ": " : "", yf.msg);
    return doc;
}

/* Contract in levers.h. */
void bki_lever_value_text(const bk_lever *l, double x, char *buf, size_t cap)
{
    if (l->kind == BK_LV_CHOICE) {
        int i = (int)x;
        snprintf(buf, cap, "%s", i >= 0 && i < l->n_choices ? l->choices[i] : "");
    } else if (l->kind == BK_LV_INT) {
        snprintf(buf, cap, "%.0f", x);
    } else {
        snprintf(buf, cap, "%.15g", x);
    }
}

static void side_release(bk_lever_side *s)
{
    for (int i = 0; i < s->n; i++) {
        bki_free(s->lv[i].path);
        for (int j = 0; j < s->lv[i].n_choices; j++)
            bki_free(s->lv[i].choices[j]);
        bki_free(s->lv[i].choices);
    }
    for (int i = 0; i < s->nb; i++)
        bki_free(s->b[i].levers);
    bki_free(s->lv);
    bki_free(s->b);
    memset(s, 0, sizeof *s);
}

/* Contract in blockade/decide.h. */
void bk_levers_free(bk_levers *lv)
{
    if (!lv)
        return;
    side_release(&lv->def);
    side_release(&lv->adv);
    bki_free(lv->file);
    bki_free(lv);
}

/* Try a value of lever l on a copy of the base: the error, if any, at the lever's position. */
static bk_status try_value(const char *file, const bk_lever *l, const bk_scenario *base,
                           const char *value, bk_error *err)
{
    bk_scenario *c = NULL;
    bk_status st = bk_scenario_clone(base, &c, err);
    if (st != BK_OK)
        return st;
    bk_error e2;
    memset(&e2, 0, sizeof e2);
    st = bk_scenario_set_text(c, l->path, value, &e2);
    bk_scenario_free(c);
    if (st != BK_OK)
        return bki_fail_at(err, st, file, l->line, l->col, "lever '%s' = %s: %s", l->path, value,
                           e2.message);
    return BK_OK;
}

/* The schema row of a lever's path (bki_schema_resolve), which must be a value, not a section;
 * or NULL with the reason in msg. */
static const bk_key *lever_row(const char *path, char *msg, size_t cap)
{
    const bk_key *row = bki_schema_resolve(path, msg, cap);
    if (row && (row->type == BK_KT_MAP || row->type == BK_KT_LIST)) {
        snprintf(msg, cap, "'%s' is a section, not a value", path);
        return NULL;
    }
    return row;
}

/* One item of `levers:`. */
static bk_status read_lever(const char *file, struct fy_node *item, const bk_scenario *base,
                            bk_lever *l, bk_error *err)
{
    if (!item || !fy_node_is_mapping(item))
        FAIL_AT(item, BK_ERR_SCHEMA, "a lever is a mapping: {path: PATH, min: A, max: B} or "
                                     "{path: PATH, choices: [...]}");
    l->budget = -1;
    l->line = pos(item, &l->col);
    struct fy_node *vmin = NULL, *vmax = NULL, *vch = NULL;
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(item, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
        if (key_is(k, "path")) {
            char buf[512];
            if (!scalar(v, buf, sizeof buf) || !buf[0])
                FAIL_AT(v, BK_ERR_SCHEMA, "'path' must be a dotted scenario path");
            l->path = bki_strdup(buf);
            if (!l->path)
                return bki_fail(err, BK_ERR_NOMEM, "out of memory");
            l->line = pos(v, &l->col);
        } else if (key_is(k, "min")) {
            vmin = v;
        } else if (key_is(k, "max")) {
            vmax = v;
        } else if (key_is(k, "choices")) {
            vch = v;
        } else if (key_is(k, "cost")) {
            if (!number(v, &l->cost) || l->cost < 0)
                FAIL_AT(v, BK_ERR_VALUE, "'cost' must be a number >= 0 (per unit of the value)");
        } else {
            FAIL_AT(k, BK_ERR_SCHEMA, "unexpected key in a lever: expected path, min, max, "
                                      "choices or cost");
        }
    }
    if (!l->path)
        FAIL_AT(item, BK_ERR_SCHEMA, "a lever needs 'path:'");
    char msg[700];
    const bk_key *row = lever_row(l->path, msg, sizeof msg);
    if (!row)
        return bki_fail_at(err, BK_ERR_REFERENCE, file, l->line, l->col, "%s", msg);
    if (vch) {
        if (vmin || vmax)
            FAIL_AT(vch, BK_ERR_SCHEMA, "a lever has 'choices' or 'min' and 'max', not both");
        if (!fy_node_is_sequence(vch) || fy_node_sequence_item_count(vch) < 2)
            FAIL_AT(vch, BK_ERR_SCHEMA, "'choices' must be a list of at least two values");
        int n = fy_node_sequence_item_count(vch);
        l->kind = BK_LV_CHOICE;
        l->choices = bki_calloc((size_t)n, sizeof *l->choices);
        if (!l->choices)
            return bki_fail(err, BK_ERR_NOMEM, "out of memory");
        void *it2 = NULL;
        struct fy_node *c;
        while ((c = fy_node_sequence_iterate(vch, &it2)) != NULL) {
            char buf[256];
            if (!scalar(c, buf, sizeof buf))
                FAIL_AT(c, BK_ERR_SCHEMA, "each choice must be a scalar value");
            l->choices[l->n_choices] = bki_strdup(buf);
            if (!l->choices[l->n_choices])
                return bki_fail(err, BK_ERR_NOMEM, "out of memory");
            l->n_choices++;
            bk_status st = try_value(file, l, base, buf, err);
            if (st != BK_OK) {
                int cc = 0, cl = pos(c, &cc);
                err->line = cl;
                err->column = cc;
                return bki_fail_at(err, st, file, cl, cc, "choice '%s' of lever '%s' is not a "
                                   "valid value here", buf, l->path);
            }
        }
        return BK_OK;
    }
    if (!vmin || !vmax)
        FAIL_AT(item, BK_ERR_SCHEMA, "lever '%s' needs 'min' and 'max' (or 'choices')", l->path);
    if (row->type == BK_KT_INT || row->type == BK_KT_INT_D)
        l->kind = BK_LV_INT;
    else if (row->type == BK_KT_NUM)
        l->kind = BK_LV_NUM;
    else
        return bki_fail_at(err, BK_ERR_SCHEMA, file, l->line, l->col,
                           "lever '%s' is not a number: give its 'choices'", l->path);
    if (!number(vmin, &l->lo))
        FAIL_AT(vmin, BK_ERR_SCHEMA, "'min' must be a number");
    if (!number(vmax, &l->hi))
        FAIL_AT(vmax, BK_ERR_SCHEMA, "'max' must be a number");
    if (l->lo >= l->hi)
        FAIL_AT(vmax, BK_ERR_VALUE, "'max' must be greater than 'min' (%g)", l->lo);
    if (l->kind == BK_LV_INT && (l->lo != floor(l->lo) || l->hi != floor(l->hi)))
        FAIL_AT(vmin, BK_ERR_VALUE, "lever '%s' takes whole numbers: 'min' and 'max' too",
                l->path);
    char buf[64];
    bki_lever_value_text(l, l->lo, buf, sizeof buf);
    bk_status st = try_value(file, l, base, buf, err);
    if (st == BK_OK) {
        bki_lever_value_text(l, l->hi, buf, sizeof buf);
        st = try_value(file, l, base, buf, err);
    }
    return st;
}

static int find_lever(const bk_lever_side *s, const char *path)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->lv[i].path, path) == 0)
            return i;
    return -1;
}

static bk_status read_budget(const char *file, struct fy_node *item, bk_lever_side *s,
                             int bi, bk_error *err)
{
    bk_budget *b = &s->b[bi];
    if (!item || !fy_node_is_mapping(item))
        FAIL_AT(item, BK_ERR_SCHEMA, "a budget is a mapping: {levers: [PATH, ...], total: N}");
    b->line = pos(item, &b->col);
    struct fy_node *lv = NULL, *tot = NULL;
    struct fy_node *bad = pick_keys(
        item, (const key_slot[]){{"levers", &lv}, {"total", &tot}, {"name", NULL}, {NULL, NULL}});
    if (bad)
        FAIL_AT(bad, BK_ERR_SCHEMA, "unexpected key in a budget: expected name, levers, total");
    if (!lv || !fy_node_is_sequence(lv) || fy_node_sequence_item_count(lv) < 2)
        FAIL_AT(lv ? lv : item, BK_ERR_SCHEMA, "a budget needs 'levers:', a list of two or more "
                                               "lever paths");
    if (!tot || !number(tot, &b->total))
        FAIL_AT(tot ? tot : item, BK_ERR_SCHEMA, "a budget needs 'total:', a number");
    b->levers = bki_calloc((size_t)fy_node_sequence_item_count(lv), sizeof *b->levers);
    if (!b->levers)
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    double lo = 0, hi = 0;
    bool all_int = true;
    void *it2 = NULL;
    struct fy_node *p;
    while ((p = fy_node_sequence_iterate(lv, &it2)) != NULL) {
        char buf[512];
        if (!scalar(p, buf, sizeof buf))
            FAIL_AT(p, BK_ERR_SCHEMA, "each item of 'levers' is a lever's path");
        int i = find_lever(s, buf);
        if (i < 0)
            FAIL_AT(p, BK_ERR_REFERENCE, "'%s' is not a lever of this side (list it under "
                                         "'levers:' with its bounds)", buf);
        if (s->lv[i].kind == BK_LV_CHOICE)
            FAIL_AT(p, BK_ERR_SCHEMA, "lever '%s' has choices: a budget sums numbers", buf);
        if (s->lv[i].budget >= 0)
            FAIL_AT(p, BK_ERR_SCHEMA, "lever '%s' is already in a budget", buf);
        s->lv[i].budget = bi;
        b->levers[b->n++] = i;
        lo += s->lv[i].lo;
        hi += s->lv[i].hi;
        all_int = all_int && s->lv[i].kind == BK_LV_INT;
    }
    if (b->total < lo || b->total > hi)
        FAIL_AT(tot, BK_ERR_VALUE, "the budget's total %g cannot be met within the levers' "
                                   "bounds (%g to %g)", b->total, lo, hi);
    if (all_int && b->total != floor(b->total))
        FAIL_AT(tot, BK_ERR_VALUE, "the budget's levers take whole numbers: so does 'total'");
    return BK_OK;
}

static bk_status read_side(const char *file, struct fy_node *levers, struct fy_node *budgets,
                           const bk_scenario *base, bk_lever_side *s, bk_error *err)
{
    if (!levers || !fy_node_is_sequence(levers) || fy_node_sequence_item_count(levers) < 1)
        FAIL_AT(levers, BK_ERR_SCHEMA, "'levers' must be a list of levers");
    int n = fy_node_sequence_item_count(levers);
    if (n > BK_LEVERS_MAX)
        FAIL_AT(levers, BK_ERR_TOO_LARGE, "more than %d levers", BK_LEVERS_MAX);
    s->lv = bki_calloc((size_t)n, sizeof *s->lv);
    if (!s->lv)
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(levers, &it)) != NULL) {
        bk_status st = read_lever(file, item, base, &s->lv[s->n], err);
        s->n++;
        if (st != BK_OK)
            return st;
        if (find_lever(s, s->lv[s->n - 1].path) != s->n - 1)
            FAIL_AT(item, BK_ERR_SCHEMA, "lever '%s' is listed twice", s->lv[s->n - 1].path);
    }
    if (!budgets)
        return BK_OK;
    if (!fy_node_is_sequence(budgets))
        FAIL_AT(budgets, BK_ERR_SCHEMA, "'budgets' must be a list of budgets");
    int nb = fy_node_sequence_item_count(budgets);
    s->b = bki_calloc((size_t)(nb > 0 ? nb : 1), sizeof *s->b);
    if (!s->b)
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    it = NULL;
    while ((item = fy_node_sequence_iterate(budgets, &it)) != NULL) {
        s->nb++;
        bk_status st = read_budget(file, item, s, s->nb - 1, err);
        if (st != BK_OK)
            return st;
    }
    return BK_OK;
}

static bk_status levers_doc(struct fy_document *doc, const char *file, const bk_scenario *base,
                            bk_levers *lv, bk_error *err)
{
    struct fy_node *root = fy_document_root(doc);
    if (!root || !fy_node_is_mapping(root))
        FAIL_AT(root, BK_ERR_SCHEMA, "expected a mapping with 'levers:', and optionally "
                                     "'budgets:' and 'adversary:'");
    struct fy_node *levers = NULL, *budgets = NULL, *adv = NULL;
    struct fy_node *bad = pick_keys(root, (const key_slot[]){{"levers", &levers},
                                                             {"budgets", &budgets},
                                                             {"adversary", &adv},
                                                             {NULL, NULL}});
    if (bad)
        FAIL_AT(bad, BK_ERR_SCHEMA, "unexpected key: expected levers, budgets or adversary");
    if (!levers)
        FAIL_AT(root, BK_ERR_SCHEMA, "no 'levers:' list");
    bk_status st = read_side(file, levers, budgets, base, &lv->def, err);
    if (st != BK_OK || !adv)
        return st;
    if (!fy_node_is_mapping(adv))
        FAIL_AT(adv, BK_ERR_SCHEMA, "'adversary' is a mapping with 'levers:' and 'budgets:'");
    struct fy_node *al = NULL, *ab = NULL;
    bad = pick_keys(adv, (const key_slot[]){{"levers", &al}, {"budgets", &ab}, {NULL, NULL}});
    if (bad)
        FAIL_AT(bad, BK_ERR_SCHEMA, "unexpected key in 'adversary': expected levers, budgets");
    if (!al)
        FAIL_AT(adv, BK_ERR_SCHEMA, "'adversary' needs 'levers:'");
    st = read_side(file, al, ab, base, &lv->adv, err);
    for (int i = 0; st == BK_OK && i < lv->adv.n; i++)
        if (find_lever(&lv->def, lv->adv.lv[i].path) >= 0)
            return bki_fail_at(err, BK_ERR_SCHEMA, file, lv->adv.lv[i].line, lv->adv.lv[i].col,
                               "'%s' is a lever of both sides", lv->adv.lv[i].path);
    return st;
}

/* Contract in blockade/decide.h. */
bk_status bk_levers_load_string(const char *text, size_t len, const char *name,
                                const bk_scenario *base, bk_levers **out, bk_error *err)
{
    *out = NULL;
    const char *file = name ? name : "-";
    struct fy_document *doc = parse(text, len, file, err);
    if (!doc)
        return err ? err->status : BK_ERR_SYNTAX;
    bk_levers *lv = bki_calloc(1, sizeof *lv);
    bk_status st = BK_ERR_NOMEM;
    if (lv && (lv->file = bki_strdup(file)))
        st = levers_doc(doc, file, base, lv, err);
    else
        bki_fail(err, st, "out of memory");
    fy_document_destroy(doc);
    if (st != BK_OK)
        bk_levers_free(lv);
    else
        *out = lv;
    return st;
}

static bk_status levers_text(const char *text, size_t len, const char *name, const void *base,
                             void *out, bk_error *err)
{
    return bk_levers_load_string(text, len, name, base, out, err);
}

bk_status bk_levers_load_file(const char *path, const bk_scenario *base, bk_levers **out,
                              bk_error *err)
{
    *out = NULL;
    return bki_spec_file_read(path, SPEC_MAX_BYTES, NULL, levers_text, base, out, err);
}

/* ---- the objective ------------------------------------------------------------------------ */

void bk_objective_free(bk_objective *o)
{
    if (!o)
        return;
    bki_free(o->file);
    bki_free(o);
}

bk_status bk_objective_default(bk_objective **out, bk_error *err)
{
    *out = NULL;
    bk_objective *o = bki_calloc(1, sizeof *o);
    if (!o || !(o->file = bki_strdup("(default)"))) {
        bki_free(o);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    }
    o->n = 1;
    o->metric[0] = bki_total_index("unmet_l");
    o->w[0] = 1e-6;
    o->level = 0.9;
    *out = o;
    return BK_OK;
}

static bk_status objective_doc(struct fy_document *doc, const char *file, bk_objective *o,
                               bk_error *err)
{
    struct fy_node *root = fy_document_root(doc);
    if (!root || !fy_node_is_mapping(root))
        FAIL_AT(root, BK_ERR_SCHEMA, "expected a mapping with 'harm:' and optionally "
                                     "'measure:', 'level:', 'indifference:'");
    struct fy_node *harm = NULL;
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(root, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
        if (key_is(k, "harm")) {
            harm = v;
        } else if (key_is(k, "measure")) {
            char buf[16];
            if (!scalar(v, buf, sizeof buf) || (strcmp(buf, "mean") && strcmp(buf, "cvar")))
                FAIL_AT(v, BK_ERR_VALUE, "'measure' must be mean or cvar");
            o->cvar = strcmp(buf, "cvar") == 0;
        } else if (key_is(k, "level")) {
            if (!number(v, &o->level) || !(o->level > 0 && o->level < 1))
                FAIL_AT(v, BK_ERR_VALUE, "'level' must be a number in (0, 1), e.g. 0.9");
        } else if (key_is(k, "indifference")) {
            if (!number(v, &o->indifference) || !(o->indifference > 0))
                FAIL_AT(v, BK_ERR_VALUE, "'indifference' must be a number > 0 (harm units)");
        } else {
            FAIL_AT(k, BK_ERR_SCHEMA, "unexpected key: expected harm, measure, level or "
                                      "indifference");
        }
    }
    if (!harm || !fy_node_is_mapping(harm) || fy_node_mapping_item_count(harm) < 1)
        FAIL_AT(harm ? harm : root, BK_ERR_SCHEMA, "'harm' must map metric names to weights "
                                                   "(e.g. unmet_l: 1.0e-6)");
    it = NULL;
    while ((pair = fy_node_mapping_iterate(harm, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
        char name[64];
        double w = 0;
        if (!scalar(k, name, sizeof name))
            FAIL_AT(k, BK_ERR_SCHEMA, "each harm term is 'metric: weight'");
        if (!number(v, &w))
            FAIL_AT(v, BK_ERR_VALUE, "the weight of '%s' must be a number", name);
        if (strcmp(name, "cost") == 0) {
            o->cost_w = w;
            continue;
        }
        int i = bki_total_index(name);
        if (i < 0)
            FAIL_AT(k, BK_ERR_REFERENCE, "'%s' is not a whole-run metric (see docs/ensemble.md; "
                                         "e.g. unmet_l, unmet_priority_l, blackout_hours, "
                                         "school_closed_days, tankers_destroyed, "
                                         "drivers_kidnapped) nor 'cost'",
                    name);
        if (o->n == BK_OBJ_MAX)
            FAIL_AT(k, BK_ERR_TOO_LARGE, "more than %d harm terms", BK_OBJ_MAX);
        o->metric[o->n] = i;
        o->w[o->n] = w;
        o->n++;
    }
    return BK_OK;
}

bk_status bk_objective_load_string(const char *text, size_t len, const char *name,
                                   bk_objective **out, bk_error *err)
{
    *out = NULL;
    const char *file = name ? name : "-";
    struct fy_document *doc = parse(text, len, file, err);
    if (!doc)
        return err ? err->status : BK_ERR_SYNTAX;
    bk_objective *o = bki_calloc(1, sizeof *o);
    bk_status st = BK_ERR_NOMEM;
    if (o && (o->file = bki_strdup(file))) {
        o->level = 0.9;
        st = objective_doc(doc, file, o, err);
    } else {
        bki_fail(err, st, "out of memory");
    }
    fy_document_destroy(doc);
    if (st != BK_OK)
        bk_objective_free(o);
    else
        *out = o;
    return st;
}

BKI_SPEC_READER(objective_text, bk_objective_load_string)

bk_status bk_objective_load_file(const char *path, bk_objective **out, bk_error *err)
{
    *out = NULL;
    return bki_spec_file_read(path, SPEC_MAX_BYTES, NULL, objective_text, NULL, out, err);
}
