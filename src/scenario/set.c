/* set.c: bk_scenario_clone and bk_scenario_set: a loaded scenario copied, and one key changed to
 * an exact value through the schema table (schema.c) and the same cross-field rules as the
 * loader (rules.c). Calibration, sensitivity and policies use them instead of printing values
 * into YAML and loading the whole scenario again.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "scenario/read.h"
#include "scenario/rules.h"

static void *dup_mem(const void *p, size_t n, bool *ok)
{
    if (p == NULL || n == 0)
        return NULL;
    void *d = bki_malloc(n);
    if (d == NULL)
        *ok = false;
    else
        memcpy(d, p, n);
    return d;
}

/* Contract in blockade/scenario.h. */
bk_status bk_scenario_clone(const bk_scenario *sc, bk_scenario **out, bk_error *err)
{
    *out = NULL;
    bk_scenario *c = bki_malloc(sizeof *c);
    if (c == NULL)
        return bki_fail(err, BK_ERR_NOMEM, "out of memory copying a scenario");
    *c = *sc;
    bool ok = true;
    size_t np = (size_t)sc->n_products;
    /* lists first with no items, so that a failure part-way frees only what was copied */
    c->n_ports = c->n_corridors = c->cityside.n_sectors = 0;
    c->city.initial_stock_l = c->cityside.reserve_floor_l = c->cityside.official_price = NULL;
    c->cityside.holiday_from = c->cityside.holiday_to = NULL;
    c->text = c->patch = NULL;
    c->products = dup_mem(sc->products, np * sizeof *sc->products, &ok);
    c->places = dup_mem(sc->places, (size_t)sc->n_places * sizeof *sc->places, &ok);
    c->segments = dup_mem(sc->segments, (size_t)sc->n_segments * sizeof *sc->segments, &ok);
    c->vehicles = dup_mem(sc->vehicles, (size_t)sc->n_vehicles * sizeof *sc->vehicles, &ok);
    c->group.cells = dup_mem(sc->group.cells, (size_t)sc->group.n_cells * sizeof *sc->group.cells,
                             &ok);
    c->timeline = dup_mem(sc->timeline, (size_t)sc->n_timeline * sizeof *sc->timeline, &ok);
    c->city.initial_stock_l = dup_mem(sc->city.initial_stock_l, np * sizeof(double), &ok);
    c->cityside.reserve_floor_l = dup_mem(sc->cityside.reserve_floor_l, np * sizeof(double), &ok);
    c->cityside.official_price = dup_mem(sc->cityside.official_price, np * sizeof(double), &ok);
    size_t nh = (size_t)sc->cityside.n_holidays;
    c->cityside.holiday_from = dup_mem(sc->cityside.holiday_from, nh * sizeof(long), &ok);
    c->cityside.holiday_to = dup_mem(sc->cityside.holiday_to, nh * sizeof(long), &ok);
    c->text = dup_mem(sc->text, sc->text_len + 1, &ok);
    c->patch = dup_mem(sc->patch, sc->patch ? sc->patch_len + 1 : 0, &ok);
    c->ports = bki_calloc((size_t)sc->n_ports + 1, sizeof *c->ports);
    c->corridors = bki_calloc((size_t)sc->n_corridors + 1, sizeof *c->corridors);
    c->cityside.sectors =
        bki_calloc((size_t)sc->cityside.n_sectors + 1, sizeof *c->cityside.sectors);
    ok = ok && c->ports && c->corridors && c->cityside.sectors;
    for (int i = 0; ok && i < sc->n_ports; i++, c->n_ports++) {
        c->ports[i] = sc->ports[i];
        c->ports[i].product_share = dup_mem(sc->ports[i].product_share, np * sizeof(double), &ok);
    }
    for (int i = 0; ok && i < sc->n_corridors; i++, c->n_corridors++) {
        const bk_corridor *k = &sc->corridors[i];
        c->corridors[i] = *k;
        c->corridors[i].path = dup_mem(k->path, (size_t)k->path_len * sizeof *k->path, &ok);
        c->corridors[i].path_seg =
            dup_mem(k->path_seg, (size_t)(k->path_len - 1) * sizeof *k->path_seg, &ok);
    }
    for (int i = 0; ok && i < sc->cityside.n_sectors; i++, c->cityside.n_sectors++) {
        c->cityside.sectors[i] = sc->cityside.sectors[i];
        c->cityside.sectors[i].demand_l_per_day =
            dup_mem(sc->cityside.sectors[i].demand_l_per_day, np * sizeof(double), &ok);
    }
    if (!ok) {
        bk_scenario_free(c);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory copying a scenario");
    }
    *out = c;
    return BK_OK;
}

/* Where a path leads: its row, the struct holding the field, and for a product map or a range
 * the element (-1 otherwise). */
typedef struct target {
    const bk_key *row;
    char *base;
    int elem;
} target;

#define set_fail(err, st, path, ...) bki_fail_about((err), (st), "set", (path), __VA_ARGS__)

static bk_status resolve(bk_scenario *sc, const char *path, target *t, bk_error *err)
{
    char schema[PATH_MAX_LEN * 2] = "", tok[PATH_MAX_LEN];
    const char *p = path;
    t->row = NULL;
    t->base = (char *)sc;
    t->elem = -1;
    while (*p) {
        size_t n = strcspn(p, ".");
        if (n == 0 || n >= sizeof tok)
            return set_fail(err, BK_ERR_REFERENCE, path, "not a dotted path of keys");
        memcpy(tok, p, n);
        tok[n] = '\0';
        p += n + (p[n] == '.');
        if (t->row && (t->row->type == BK_KT_PMAP || t->row->type == BK_KT_RANGE)) {
            int e = t->row->type == BK_KT_RANGE ? (strcmp(tok, "min") == 0   ? 0
                                                   : strcmp(tok, "max") == 0 ? 1
                                                                             : -1)
                                                : sr_lookup(sc, BK_REF_PRODUCT, tok);
            if (e < 0 || *p)
                return set_fail(err, BK_ERR_REFERENCE, path, "'%s' is %s", t->row->path,
                                t->row->type == BK_KT_RANGE ? "a range: set its min or max"
                                                            : "a product map: name a product");
            t->elem = e;
            return BK_OK;
        }
        if (t->row && t->row->type != BK_KT_MAP && t->row->type != BK_KT_LIST)
            return set_fail(err, BK_ERR_REFERENCE, path, "'%s' has no keys below it",
                            t->row->path);
        char next[PATH_MAX_LEN * 2];
        int w = snprintf(next, sizeof next, "%s%s%s", schema, schema[0] ? "." : "", tok);
        if (w < 0 || (size_t)w >= sizeof next)
            return set_fail(err, BK_ERR_REFERENCE, path, "the path is too long");
        t->row = bki_schema_find(next);
        if (t->row == NULL) {
            char keys[600];
            bki_schema_keys(schema, keys, sizeof keys);
            return set_fail(err, BK_ERR_REFERENCE, path, "unknown key '%s'%s%s%s (expected one "
                            "of: %s)", tok, schema[0] ? " in '" : "", schema,
                            schema[0] ? "'" : "", keys);
        }
        snprintf(schema, sizeof schema, "%s", next);
        if (t->row->type == BK_KT_LIST) {
            char *arr;
            int count;
            size_t size;
            n = strcspn(p, ".");
            if (!bki_schema_list(sc, schema, &arr, &count, &size) || n == 0 || n >= sizeof tok)
                return set_fail(err, BK_ERR_REFERENCE, path, "items of '%s' cannot be set by id",
                                schema);
            memcpy(tok, p, n);
            tok[n] = '\0';
            p += n + (p[n] == '.');
            int i = sr_find_id(arr, count, size, tok);
            if (i < 0)
                return set_fail(err, BK_ERR_REFERENCE, path, "no item '%s' in %s", tok, schema);
            t->base = arr + (size_t)i * size;
            snprintf(schema + strlen(schema), sizeof schema - strlen(schema), "[]");
        }
    }
    if (t->row == NULL || t->row->type == BK_KT_MAP || t->row->type == BK_KT_LIST ||
        t->row->type == BK_KT_ID || t->row->type == BK_KT_SPECIAL ||
        ((t->row->type == BK_KT_PMAP || t->row->type == BK_KT_RANGE) && t->elem < 0))
        return set_fail(err, BK_ERR_REFERENCE, path, "'%s' is not a value that can be set",
                        t->row ? t->row->path : path);
    return BK_OK;
}

/* The field's address and size (for restoring it). */
static void *field(const target *t, size_t *size)
{
    const bk_key *r = t->row;
    switch (r->type) {
    case BK_KT_PMAP:
        *size = sizeof(double);
        return *(double **)(void *)(t->base + r->off) + t->elem;
    case BK_KT_RANGE:
        *size = sizeof(double);
        return t->base + (t->elem ? r->off2 : r->off);
    case BK_KT_INT:
    case BK_KT_ENUM:
    case BK_KT_REF:
        *size = sizeof(int);
        return t->base + r->off;
    case BK_KT_BOOL:
        *size = sizeof(bool);
        return t->base + r->off;
    case BK_KT_STR:
        *size = r->off2;
        return t->base + r->off;
    default:
        *size = sizeof(double);
        return t->base + r->off;
    }
}

static bk_status rules_fail(rules_ctx *c, bk_status st, const char *path, const char *msg)
{
    (void)path;
    return bki_fail(c->err, st, "%s", msg);
}

static bool rules_given(rules_ctx *c, const char *path)
{
    (void)c;
    (void)path;
    return true;
}

/* Store the new value (already converted), check the rules, record the patch; restore on
 * failure. */
static bk_status commit(bk_scenario *sc, const char *path, const target *t, const void *val,
                        const char *text, bk_error *err)
{
    size_t size;
    void *f = field(t, &size);
    unsigned char old[512];
    memcpy(old, f, size);
    bk_policy pol = sc->policy;
    memcpy(f, val, size);
    bool *given = NULL;
    if (strcmp(t->row->path, "policy.convoy.max_size") == 0)
        given = &sc->policy.convoy_max_size_given;
    else if (strcmp(t->row->path, "armed_group.cells[].max_strength") == 0)
        given = &((bk_cell *)(void *)t->base)->max_strength_given;
    bool old_given = given ? *given : false;
    if (given)
        *given = true;
    bk_error rerr;
    rules_ctx rc = {.sc = sc, .L = NULL, .fail = rules_fail, .given = rules_given, .err = &rerr};
    bk_status st = BK_OK;
    if (t->row->type == BK_KT_RANGE) {
        double *lo = (double *)(void *)(t->base + t->row->off);
        double *hi = (double *)(void *)(t->base + t->row->off2);
        if (*lo > *hi)
            st = bki_fail(&rerr, BK_ERR_VALUE, "%s must be [min, max] with min <= max, got "
                          "[%.17g, %.17g]", t->row->path, *lo, *hi);
    }
    if (st == BK_OK)
        st = bki_rules_check(&rc);
    if (st != BK_OK) {
        memcpy(f, old, size);
        sc->policy = pol;
        if (given)
            *given = old_given;
        (void)bki_rules_check(&rc);   /* re-derive the defaults that follow other keys */
        return set_fail(err, st, path, "%s", rerr.message);
    }
    size_t add = strlen(path) + strlen(text) + 5;
    char *np = bki_realloc(sc->patch, sc->patch_len + add + 1);
    if (np == NULL)
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    sc->patch = np;
    sc->patch_len += (size_t)snprintf(np + sc->patch_len, add + 1, "%s = %s\n", path, text);
    return BK_OK;
}

static bk_status check_number(const char *path, const target *t, double v, bk_error *err)
{
    const bk_key *r = t->row;
    char want[128];
    if (!isfinite(v))
        return set_fail(err, BK_ERR_VALUE, path, "must be a finite number");
    if ((r->type == BK_KT_INT || r->type == BK_KT_INT_D) && v != floor(v))
        return set_fail(err, BK_ERR_SCHEMA, path, "must be a whole number, got %.17g", v);
    if (r->type == BK_KT_BOOL && v != 0 && v != 1)
        return set_fail(err, BK_ERR_SCHEMA, path, "is a boolean: 0 or 1, got %.17g", v);
    if (r->type != BK_KT_BOOL && !bki_schema_in_bounds(r, v)) {
        bki_schema_bounds_text(r, want, sizeof want);
        return set_fail(err, BK_ERR_VALUE, path, "must be %s, got %.17g", want, v);
    }
    return BK_OK;
}

/* Contract in blockade/scenario.h. */
bk_status bk_scenario_set(bk_scenario *sc, const char *path, double value, bk_error *err)
{
    target t;
    TRY(resolve(sc, path, &t, err));
    enum bk_key_type ty = t.row->type;
    if (ty != BK_KT_NUM && ty != BK_KT_INT && ty != BK_KT_INT_D && ty != BK_KT_PMAP &&
        ty != BK_KT_RANGE && ty != BK_KT_BOOL)
        return set_fail(err, BK_ERR_SCHEMA, path, "'%s' is not a number: set it as text",
                        t.row->path);
    TRY(check_number(path, &t, value, err));
    char text[40];
    snprintf(text, sizeof text, "%.17g", value);
    int iv = (int)value;
    bool bv = value != 0;
    const void *val = ty == BK_KT_INT ? (const void *)&iv
                    : ty == BK_KT_BOOL ? (const void *)&bv : (const void *)&value;
    return commit(sc, path, &t, val, text, err);
}

/* Contract in blockade/scenario.h. */
bk_status bk_scenario_set_text(bk_scenario *sc, const char *path, const char *value,
                               bk_error *err)
{
    target t;
    TRY(resolve(sc, path, &t, err));
    const bk_key *r = t.row;
    size_t len = strlen(value);
    switch (r->type) {
    case BK_KT_BOOL:
        if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0)
            return bk_scenario_set(sc, path, value[0] == 't', err);
        return set_fail(err, BK_ERR_SCHEMA, path, "must be true or false, got '%s'", value);
    case BK_KT_ENUM:
        for (int i = 0; r->words[i]; i++)
            if (strcmp(value, r->words[i]) == 0)
                return commit(sc, path, &t, &i, value, err);
        return set_fail(err, BK_ERR_VALUE, path, "must be one of the words of %s, got '%s'",
                        r->path, value);
    case BK_KT_REF: {
        int i = sr_lookup(sc, (enum bk_ref_kind)r->ref, value);
        if (i < 0)
            return set_fail(err, BK_ERR_REFERENCE, path, "unknown id '%s'", value);
        return commit(sc, path, &t, &i, value, err);
    }
    case BK_KT_STR: {
        char buf[512] = "";
        if (len >= r->off2 || len >= sizeof buf)
            return set_fail(err, BK_ERR_VALUE, path, "is too long (%zu bytes, at most %zu)", len,
                            r->off2 - 1);
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f)
                return set_fail(err, BK_ERR_VALUE, path, "must not contain control characters");
        memcpy(buf, value, len + 1);
        return commit(sc, path, &t, buf, value, err);
    }
    case BK_KT_DATE: {
        int y, m, d;
        char tail;
        if (len != 10 || sscanf(value, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1900 ||
            y > 2199 || m < 1 || m > 12 || d < 1 || d > bki_days_in_month(y, m))
            return set_fail(err, BK_ERR_VALUE, path, "must be a date written YYYY-MM-DD, got "
                            "'%s'", value);
        long day = bki_days_from_civil(y, m, d);
        long first = bki_days_from_civil(sc->start_year, sc->start_month, sc->start_day);
        if (day < first || day > first + sc->days - 1)
            return set_fail(err, BK_ERR_VALUE, path, "%s is outside the scenario's horizon",
                            value);
        double h = 24.0 * (double)(day - first);
        return commit(sc, path, &t, &h, value, err);
    }
    default:
        break;
    }
    if (!sr_number_syntax(value, len))
        return set_fail(err, BK_ERR_SCHEMA, path, "must be a number, got '%s'", value);
    return bk_scenario_set(sc, path, strtod(value, NULL), err);
}

/* Contract in blockade/scenario.h. */
const char *bk_scenario_patch(const bk_scenario *sc)
{
    return sc->patch ? sc->patch : "";
}

/* Contract in schema.h. */
bk_status bki_scenario_adopt_patch(bk_scenario *sc, const bk_scenario *base, const char *patch,
                                   bk_error *err)
{
    bool ok = true;
    char *text = dup_mem(base->text, base->text_len + 1, &ok);
    size_t plen = strlen(patch);
    char *pt = dup_mem(patch, plen + 1, &ok);
    if (!ok) {
        bki_free(text);
        bki_free(pt);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    }
    bki_free(sc->text);
    bki_free(sc->patch);
    sc->text = text;
    sc->text_len = base->text_len;
    sc->patch = pt;
    sc->patch_len = plen;
    return BK_OK;
}

/* Contract in schema.h. */
bk_status bki_scenario_get_number(const bk_scenario *sc, const char *path, double *out,
                                  bk_error *err)
{
    target t;
    bk_status st = resolve((bk_scenario *)(uintptr_t)sc, path, &t, err);
    if (st != BK_OK)
        return st;
    size_t size;
    const void *f = field(&t, &size);
    switch (t.row->type) {
    case BK_KT_INT:
    case BK_KT_ENUM:
    case BK_KT_REF:
        *out = *(const int *)f;
        return BK_OK;
    case BK_KT_BOOL:
        *out = *(const bool *)f ? 1.0 : 0.0;
        return BK_OK;
    case BK_KT_NUM:
    case BK_KT_INT_D:
    case BK_KT_DATE:
    case BK_KT_RANGE:
    case BK_KT_PMAP:
        *out = *(const double *)f;
        return BK_OK;
    default:
        return set_fail(err, BK_ERR_SCHEMA, path, "not a number");
    }
}
