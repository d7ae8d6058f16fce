/* read.c: mappings, lists, references and product maps of a scenario file, and the reading of
 * every scalar key of a section through the schema table (schema.c): defaults, types, bounds and
 * required keys come from the table, so a new key needs no code here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "scenario/read.h"

struct fy_node *sr_find_key(struct fy_node *mapping, const char *key, struct fy_node **knode)
{
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(mapping, &it)) != NULL) {
        const char *k = fy_node_get_scalar0(fy_node_pair_key(p));
        if (k != NULL && strcmp(k, key) == 0) {
            if (knode)
                *knode = fy_node_pair_key(p);
            return fy_node_pair_value(p);
        }
    }
    if (knode)
        *knode = NULL;
    return NULL;
}

/* Open a mapping whose keys must all be in `keys` (NULL-terminated). `what` names it in the
 * unknown-key message ("segment"). */
bk_status sr_map_open(loader *L, map *m, struct fy_node *n, struct fy_node *at, const char *path,
                      const char *what, const char *section, const char *const keys[])
{
    char got[96];
    m->L = L;
    m->node = n;
    m->at = at;
    snprintf(m->path, sizeof m->path, "%s", path);
    if (n == NULL || fy_node_get_type(n) != FYNT_MAPPING)
        return sr_fail_node(L, BK_ERR_SCHEMA, n, at, "%s must be a mapping, got %s",
                            path[0] ? path : "the top level", sr_node_desc(n, got, sizeof got));
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(p);
        const char *ks = fy_node_get_scalar0(k);
        bool known = false;
        for (int i = 0; ks != NULL && section == NULL && keys[i] != NULL && !known; i++)
            known = strcmp(ks, keys[i]) == 0;
        for (int i = 0; ks != NULL && section != NULL && i < bki_schema_len && !known; i++) {
            const char *key;
            known = bki_schema_in(&bki_schema[i], section, &key) && strcmp(key, ks) == 0;
        }
        if (known)
            continue;
        char list[600] = "";
        if (section != NULL)
            bki_schema_keys(section, list, sizeof list);
        for (int i = 0; section == NULL && keys[i] != NULL; i++) {
            size_t used = strlen(list);
            snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", keys[i]);
        }
        char kname[96];
        sr_sanitize(ks ? ks : "", ks ? strlen(ks) : 0, kname, sizeof kname);
        return sr_fail_node(L, BK_ERR_SCHEMA, k, n, "unknown key '%s' in %s (expected one of: %s)",
                            kname, what, list);
    }
    return BK_OK;
}

/* The value of `key`, or NULL. Fails when a required key is missing. */
bk_status sr_map_get(const map *m, const char *key, enum need need, struct fy_node **value,
                         struct fy_node **knode)
{
    struct fy_node *k = NULL;
    struct fy_node *v = sr_find_key(m->node, key, &k);
    if (value)
        *value = v;
    if (knode)
        *knode = k;
    if (k == NULL && need == REQUIRED) {
        if (m->path[0])
            return sr_fail_node(m->L, BK_ERR_SCHEMA, m->node, m->at,
                             "%s: missing required key '%s'", m->path, key);
        return sr_fail_node(m->L, BK_ERR_SCHEMA, m->node, m->at, "missing required key '%s'", key);
    }
    return BK_OK;
}

/* The value and key of `key` in m (NULL when absent and allowed) and its path for messages. */
static bk_status key_at(const map *m, const char *key, enum need need, struct fy_node **v,
                        struct fy_node **k, char path[PATH_MAX_LEN])
{
    sr_join_path(path, PATH_MAX_LEN, m->path, key);
    return sr_map_get(m, key, need, v, k);
}

bk_status sr_rd_num(const map *m, const char *key, enum need need, double def, bounds b,
                    double *out)
{
    struct fy_node *v, *k;
    char path[PATH_MAX_LEN];
    TRY(key_at(m, key, need, &v, &k, path));
    *out = def;
    return k ? sr_node_bounded(m->L, v, k, path, b, out) : BK_OK;
}

bk_status sr_rd_int(const map *m, const char *key, enum need need, int def, int lo, int hi,
                    int *out)
{
    struct fy_node *v, *k;
    char path[PATH_MAX_LEN];
    TRY(key_at(m, key, need, &v, &k, path));
    *out = def;
    return k ? sr_node_int(m->L, v, k, path, lo, hi, out) : BK_OK;
}

bk_status sr_rd_str(const map *m, const char *key, enum need need, const char *def, char *buf,
                    size_t cap, bool allow_newline)
{
    struct fy_node *v, *k;
    char path[PATH_MAX_LEN];
    TRY(key_at(m, key, need, &v, &k, path));
    if (k == NULL && buf != def)
        snprintf(buf, cap, "%s", def);
    return k ? sr_node_string(m->L, v, k, path, buf, cap, allow_newline) : BK_OK;
}

bk_status sr_rd_id(const map *m, const char *key, char id[BK_ID_MAX])
{
    struct fy_node *v, *k;
    char path[PATH_MAX_LEN];
    TRY(key_at(m, key, REQUIRED, &v, &k, path));
    return sr_node_id(m->L, v, k, path, id);
}

bk_status sr_rd_bool(const map *m, const char *key, enum need need, bool def, bool *out)
{
    struct fy_node *v, *k;
    char path[PATH_MAX_LEN];
    TRY(key_at(m, key, need, &v, &k, path));
    *out = def;
    return k ? sr_node_bool(m->L, v, k, path, out) : BK_OK;
}

bk_status sr_rd_enum(const map *m, const char *key, enum need need, int def,
                     const char *const words[], int *out)
{
    struct fy_node *v, *k;
    char path[PATH_MAX_LEN];
    TRY(key_at(m, key, need, &v, &k, path));
    *out = def;
    return k ? sr_node_enum(m->L, v, k, path, words, out) : BK_OK;
}

/* [min, max]: two numbers within b, min <= max. */
bk_status sr_rd_range(const map *m, const char *key, enum need need, double dlo, double dhi,
                          bounds b, double *lo, double *hi)
{
    struct fy_node *v, *k;
    TRY(sr_map_get(m, key, need, &v, &k));
    if (k == NULL) {
        *lo = dlo;
        *hi = dhi;
        return BK_OK;
    }
    char path[PATH_MAX_LEN], item[PATH_MAX_LEN + 8], got[96];
    sr_join_path(path, sizeof path, m->path, key);
    if (v == NULL || fy_node_get_type(v) != FYNT_SEQUENCE || fy_node_sequence_item_count(v) != 2)
        return sr_fail_node(m->L, BK_ERR_SCHEMA, v, k,
                         "%s must be a list of two numbers [min, max], got %s", path,
                         sr_node_desc(v, got, sizeof got));
    struct fy_node *a = fy_node_sequence_get_by_index(v, 0);
    struct fy_node *c = fy_node_sequence_get_by_index(v, 1);
    snprintf(item, sizeof item, "%s[0]", path);
    TRY(sr_node_bounded(m->L, a, k, item, b, lo));
    snprintf(item, sizeof item, "%s[1]", path);
    TRY(sr_node_bounded(m->L, c, k, item, b, hi));
    if (*lo > *hi) {
        char ga[96], gc[96];
        return sr_fail_node(m->L, BK_ERR_VALUE, v, k,
                         "%s must be [min, max] with min <= max, got [%s, %s]",
                         path, sr_node_desc(a, ga, sizeof ga), sr_node_desc(c, gc, sizeof gc));
    }
    return BK_OK;
}

/* A list of at most `max` items (at least `min`); *count is its length. */
bk_status sr_node_list(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                           int min, int max, int *count)
{
    char got[96];
    if (n == NULL || fy_node_get_type(n) != FYNT_SEQUENCE)
        return sr_fail_node(L, BK_ERR_SCHEMA, n, at, "%s must be a list, got %s", path,
                         sr_node_desc(n, got, sizeof got));
    int c = fy_node_sequence_item_count(n);
    if (c < min)
        return sr_fail_node(L, BK_ERR_VALUE, n, at, "%s must have at least %d item%s, got %d", path,
                         min, min == 1 ? "" : "s", c);
    if (c > max)
        return sr_fail_node(L, BK_ERR_VALUE, n, at, "%s has too many items (%d, at most %d)",
                            path, c, max);
    *count = c;
    return BK_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Id tables and references
 */

int sr_find_id(const void *base, int n, size_t stride, const char *id)
{
    const char *p = base;
    for (int i = 0; i < n; i++, p += stride)
        if (strcmp(p, id) == 0)   /* every id-bearing struct starts with char id[] */
            return i;
    return -1;
}

/* Refuse an id already used by an earlier item of the same list. */
bk_status sr_check_unique(loader *L, const void *base, int i, size_t stride, const map *m,
                              const char *list)
{
    const char *p = base;
    const char *id = p + (size_t)i * stride;
    int prev = sr_find_id(base, i, stride, id);
    if (prev < 0)
        return BK_OK;
    struct fy_node *v, *k;
    (void)sr_map_get(m, "id", OPTIONAL, &v, &k);
    return sr_fail_node(L, BK_ERR_VALUE, v, m->node,
                     "%s.id: duplicate id '%s' (already used by %s[%d])",
                     m->path, id, list, prev);
}


int sr_lookup(const bk_scenario *sc, enum bk_ref_kind kind, const char *id)
{
    switch (kind) {
    case BK_REF_PLACE:
        return sr_find_id(sc->places, sc->n_places, sizeof *sc->places, id);
    case BK_REF_PRODUCT:
        return sr_find_id(sc->products, sc->n_products, sizeof *sc->products, id);
    case BK_REF_PORT:
        return sr_find_id(sc->ports, sc->n_ports, sizeof *sc->ports, id);
    case BK_REF_CORRIDOR:
        return sr_find_id(sc->corridors, sc->n_corridors, sizeof *sc->corridors, id);
    case BK_REF_SECTOR:
        return sr_find_id(sc->cityside.sectors, sc->cityside.n_sectors,
                       sizeof *sc->cityside.sectors, id);
    case BK_REF_VEHICLE:
        return sr_find_id(sc->vehicles, sc->n_vehicles, sizeof *sc->vehicles, id);
    }
    return -1;
}

static const char *const ref_word[] = {"place", "product", "port", "corridor", "sector",
                                       "vehicle class"};
static const char *const ref_list[] = {"places", "products", "ports", "corridors",
                                       "city.sectors", "vehicles"};

bk_status sr_node_ref(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                          enum bk_ref_kind kind, int *out)
{
    char id[256];
    TRY(sr_node_string(L, n, at, path, id, sizeof id, false));
    int i = sr_lookup(L->sc, kind, id);
    if (i < 0) {
        char shown[96];
        sr_sanitize(id, strlen(id), shown, sizeof shown);
        return sr_fail_node(L, BK_ERR_REFERENCE, n, at, "%s: unknown %s '%s' (not defined in %s)",
                         path, ref_word[kind], shown, ref_list[kind]);
    }
    *out = i;
    return BK_OK;
}

bk_status sr_rd_ref(const map *m, const char *key, enum bk_ref_kind kind, int *out)
{
    struct fy_node *v, *k;
    TRY(sr_map_get(m, key, REQUIRED, &v, &k));
    char path[PATH_MAX_LEN];
    sr_join_path(path, sizeof path, m->path, key);
    return sr_node_ref(m->L, v, k, path, kind, out);
}

/* A mapping from product id to a number within b; products not named get `def`. */
bk_status sr_rd_product_map(const map *m, const char *key, enum need need, double def,
                                bounds b, double **out)
{
    loader *L = m->L;
    struct fy_node *v, *k;
    TRY(sr_map_get(m, key, need, &v, &k));
    double *vals = bki_calloc((size_t)L->sc->n_products, sizeof *vals);
    if (vals == NULL)
        return bki_fail(L->err, BK_ERR_NOMEM, "out of memory reading %s", L->file);
    *out = vals;   /* owned by the scenario from here, freed with it even on error */
    for (int i = 0; i < L->sc->n_products; i++)
        vals[i] = def;
    if (k == NULL)
        return BK_OK;
    char path[PATH_MAX_LEN], got[96];
    sr_join_path(path, sizeof path, m->path, key);
    if (v == NULL || fy_node_get_type(v) != FYNT_MAPPING)
        return sr_fail_node(L, BK_ERR_SCHEMA, v, k,
                         "%s must be a mapping from product id to a number, got %s", path,
                         sr_node_desc(v, got, sizeof got));
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(v, &it)) != NULL) {
        struct fy_node *pk = fy_node_pair_key(p);
        char item[PATH_MAX_LEN + 80];
        const char *ks = fy_node_get_scalar0(pk);
        int i = ks ? sr_lookup(L->sc, BK_REF_PRODUCT, ks) : -1;
        if (i < 0) {
            char shown[96], known[256] = "";
            sr_sanitize(ks ? ks : "", ks ? strlen(ks) : 0, shown, sizeof shown);
            for (int j = 0; j < L->sc->n_products; j++) {
                size_t used = strlen(known);
                snprintf(known + used, sizeof known - used, "%s%s", j ? ", " : "",
                         L->sc->products[j].id);
            }
            return sr_fail_node(L, BK_ERR_REFERENCE, pk, v,
                             "%s: unknown product '%s' (products are: %s)", path, shown, known);
        }
        snprintf(item, sizeof item, "%s.%s", path, ks);
        TRY(sr_node_bounded(L, fy_node_pair_value(p), pk, item, b, &vals[i]));
    }
    return BK_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Sections
 */

/* The sequence v (the value of key k) as a zeroed array of its *n items of `size` bytes, with
 * between min and max items: *arr is NULL when there are none. */
bk_status sr_list_array(loader *L, struct fy_node *v, struct fy_node *k, const char *what,
                            int min, int max, size_t size, void **arr, int *n)
{
    *arr = NULL;
    TRY(sr_node_list(L, v, k, what, min, max, n));
    if (*n == 0)
        return BK_OK;
    *arr = bki_calloc((size_t)*n, size);
    if (*arr == NULL)
        return bki_fail(L->err, BK_ERR_NOMEM, "out of memory reading %s", L->file);
    return BK_OK;
}


/* Contract in read.h. */
bk_status sr_open_sub(const map *parent, const char *section, const char *key, map *m,
                      bool *present)
{
    struct fy_node *v, *k;
    TRY(sr_map_get(parent, key, OPTIONAL, &v, &k));
    *present = k != NULL;
    if (k == NULL)
        return BK_OK;
    char path[PATH_MAX_LEN], sub[PATH_MAX_LEN];
    sr_join_path(path, sizeof path, parent->path, key);
    sr_join_path(sub, sizeof sub, section, key);
    return sr_map_open(parent->L, m, v, k, path, path, sub, NULL);
}

static bounds row_bounds(const bk_key *r)
{
    return (bounds){r->lo_op, r->hi_op, r->lo, r->hi, r->unit};
}

/* Contract in read.h. */
bk_status sr_defaults(loader *L, const char *section, void *base)
{
    char *b = base;
    for (int i = 0; i < bki_schema_len; i++) {
        const bk_key *r = &bki_schema[i];
        if (!bki_schema_in(r, section, NULL))
            continue;
        switch (r->type) {
        case BK_KT_NUM:
        case BK_KT_INT_D:
        case BK_KT_DATE:
            *(double *)(b + r->off) = r->def;
            break;
        case BK_KT_INT:
        case BK_KT_ENUM:
        case BK_KT_REF:
            *(int *)(b + r->off) = (int)r->def;
            break;
        case BK_KT_BOOL:
            *(bool *)(b + r->off) = r->def != 0;
            break;
        case BK_KT_STR:
            snprintf(b + r->off, r->off2, "%s", r->sdef ? r->sdef : "");
            break;
        case BK_KT_RANGE:
            *(double *)(b + r->off) = r->def;
            *(double *)(b + r->off2) = r->def;
            break;
        case BK_KT_PMAP: {
            double **slot = (double **)(void *)(b + r->off);
            if (*slot == NULL)
                *slot = bki_calloc((size_t)L->sc->n_products, sizeof **slot);
            if (*slot == NULL)
                return bki_fail(L->err, BK_ERR_NOMEM, "out of memory reading %s", L->file);
            for (int j = 0; j < L->sc->n_products; j++)
                (*slot)[j] = r->def;
            break;
        }
        case BK_KT_ID:
        case BK_KT_SPECIAL:
        case BK_KT_MAP:
        case BK_KT_LIST:
            break;
        }
    }
    return BK_OK;
}

/* One row present in m. */
static bk_status read_row(const map *m, const bk_key *r, const char *key, char *b)
{
    loader *L = m->L;
    enum need need = r->required ? REQUIRED : OPTIONAL;
    switch (r->type) {
    case BK_KT_NUM:
        return sr_rd_num(m, key, need, r->def, row_bounds(r), (double *)(void *)(b + r->off));
    case BK_KT_INT:
        return sr_rd_int(m, key, need, (int)r->def, (int)r->lo, (int)r->hi,
                         (int *)(void *)(b + r->off));
    case BK_KT_INT_D: {
        int v;
        TRY(sr_rd_int(m, key, need, (int)r->def, (int)r->lo, (int)r->hi, &v));
        *(double *)(void *)(b + r->off) = v;
        return BK_OK;
    }
    case BK_KT_BOOL:
        return sr_rd_bool(m, key, need, r->def != 0, (bool *)(void *)(b + r->off));
    case BK_KT_STR: {
        /* a string defaulting to the item's id: list items start with char id[] */
        const char *def = r->sdef ? r->sdef : b;
        return sr_rd_str(m, key, need, def, b + r->off, r->off2, r->words != NULL);
    }
    case BK_KT_ENUM: {
        int v;
        TRY(sr_rd_enum(m, key, need, (int)r->def, r->words, &v));
        *(int *)(void *)(b + r->off) = v;
        return BK_OK;
    }
    case BK_KT_DATE: {
        struct fy_node *v, *k;
        TRY(sr_map_get(m, key, need, &v, &k));
        if (k == NULL) {
            *(double *)(void *)(b + r->off) = r->def;
            return BK_OK;
        }
        char path[PATH_MAX_LEN];
        sr_join_path(path, sizeof path, m->path, key);
        return sr_node_date_hours(L, v, k, path, (double *)(void *)(b + r->off));
    }
    case BK_KT_RANGE:
        return sr_rd_range(m, key, need, r->def, r->def, row_bounds(r),
                           (double *)(void *)(b + r->off), (double *)(void *)(b + r->off2));
    case BK_KT_REF:
        if (!r->required) {   /* optional reference: the default (-1, none) when absent */
            struct fy_node *v, *k;
            TRY(sr_map_get(m, key, OPTIONAL, &v, &k));
            if (k == NULL) {
                *(int *)(void *)(b + r->off) = (int)r->def;
                return BK_OK;
            }
        }
        return sr_rd_ref(m, key, (enum bk_ref_kind)r->ref, (int *)(void *)(b + r->off));
    case BK_KT_PMAP: {
        double **slot = (double **)(void *)(b + r->off);
        bki_free(*slot);   /* the default array, replaced by the file's values */
        *slot = NULL;
        return sr_rd_product_map(m, key, need, r->def, row_bounds(r), slot);
    }
    default:   /* ID, SPECIAL, MAP, LIST: read by the list and section readers of load.c */
        return BK_OK;
    }
}

/* Contract in read.h. */
bk_status sr_read_fields(const map *m, const char *section, void *base)
{
    char *b = base;
    for (int i = 0; i < bki_schema_len; i++) {
        const bk_key *r = &bki_schema[i];
        const char *key;
        if (!bki_schema_in(r, section, &key))
            continue;
        TRY(read_row(m, r, key, b));
    }
    return BK_OK;
}
