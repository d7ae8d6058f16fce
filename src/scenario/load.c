/* load.c: the scenario loader. Reads YAML 1.2 or JSON text with libfyaml, checks every key, type,
 * range and reference, and fills struct bk_scenario. Every error names the file, line and column
 * of the offending node and says what was expected and what was found. Scalar keys are read
 * through the schema table (schema.c), which docs/scenario-format.md is checked against; this file
 * reads what the table cannot say alone: lists, ids, corridor paths and the scenario's dates.
 */
#include "engine/alloc.h"
#include "scenario/scenario.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libfyaml.h>

#include "engine/file.h"
#include "engine/status_internal.h"
#include "engine/yaml.h"
#include "scenario/read.h"
#include "scenario/rules.h"
#include "scenario/names.h"

/* Upper bounds on list sizes. They keep the quadratic uniqueness and reference checks cheap on
 * hostile input and are far above any real theatre (documented in docs/scenario-format.md). */
enum {
    MAX_PRODUCTS = 32,
    MAX_PLACES = 5000,
    MAX_SEGMENTS = 10000,
    MAX_PORTS = 100,
    MAX_CORRIDORS = 100,
    MAX_PATH = 500,
    MAX_CELLS = 1000,
    MAX_SECTORS = 100,
};

/* ---------------------------------------------------------------------------------------------
 * Sections
 */

static bk_status read_meta(loader *L, const map *top)
{
    bk_scenario *sc = L->sc;
    struct fy_node *v, *k;
    TRY(sr_map_get(top, "scenario", REQUIRED, &v, &k));
    map m;
    TRY(sr_map_open(L, &m, v, k, "scenario", "scenario", "scenario", NULL));
    TRY(sr_map_get(&m, "start_date", REQUIRED, &v, &k));
    TRY(sr_node_date(L, v, k, "scenario.start_date", &L->start_day));
    bki_civil_from_days(L->start_day, &sc->start_year, &sc->start_month, &sc->start_day);
    TRY(sr_read_fields(&m, "scenario", sc));

    TRY(sr_map_get(&m, "iso", OPTIONAL, &v, &k));
    if (k != NULL) {
        TRY(sr_node_string(L, v, k, "scenario.iso", sc->iso, sizeof sc->iso, false));
        size_t n = strlen(sc->iso);
        bool ok = n >= 1 && n <= 3 && strspn(sc->iso, "0123456789") == n;
        char got[96];
        if (!ok)
            return sr_fail_node(L, BK_ERR_VALUE, v, k,
                                "scenario.iso must be an ISO 3166 numeric code (1 to 3 digits), "
                                "got %s",
                                sr_node_desc(v, got, sizeof got));
    }

    sc->seed = 1;
    TRY(sr_map_get(&m, "seed", OPTIONAL, &v, &k));
    if (k != NULL) {
        double d;
        TRY(sr_node_number(L, v, k, "scenario.seed", &d));
        const char *s = fy_node_get_scalar0(v);
        char *end = NULL;
        errno = 0;
        unsigned long long u = strtoull(s, &end, 10);
        char got[96];
        if (s[0] == '-' || s[0] == '+' || *end != '\0' || errno == ERANGE || u > UINT64_MAX)
            return sr_fail_node(L, BK_ERR_VALUE, v, k,
                                "scenario.seed must be a whole number in "
                                "0..18446744073709551615, got %s",
                                sr_node_desc(v, got, sizeof got));
        sc->seed = (uint64_t)u;
    }
    return BK_OK;
}

/* A list of mappings with ids: reads each item's id (unique), then its scalar keys through the
 * table; `each` (may be NULL) reads the rest of an item. *count grows as items complete enough
 * to be freed. */
typedef bk_status (*item_fn)(loader *L, map *m, int i, void *item);

static bk_status read_list(loader *L, const map *parent, const char *key, const char *section,
                           const char *what, int min, int max, size_t size, void **arr,
                           int *count, item_fn each, bool *present)
{
    struct fy_node *v, *k;
    char lpath[PATH_MAX_LEN], isec[PATH_MAX_LEN];
    sr_join_path(lpath, sizeof lpath, parent->path, key);
    snprintf(isec, sizeof isec, "%s[]", section);
    const bk_key *row = bki_schema_find(section);
    TRY(sr_map_get(parent, key, row && row->required ? REQUIRED : OPTIONAL, &v, &k));
    if (present)
        *present = false;
    if (k == NULL)
        return BK_OK;
    int n;
    TRY(sr_list_array(L, v, k, lpath, min, max, size, arr, &n));
    if (n == 0)
        return BK_OK;
    if (present)
        *present = true;
    char id_path[PATH_MAX_LEN + 8];
    snprintf(id_path, sizeof id_path, "%s.id", isec);
    bool has_id = bki_schema_find(id_path) != NULL;
    void *it = NULL;
    struct fy_node *node;
    for (int i = 0; (node = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
        char *item = (char *)*arr + (size_t)i * size;
        char path[PATH_MAX_LEN + 16];
        snprintf(path, sizeof path, "%s[%d]", lpath, i);
        map m;
        TRY(sr_map_open(L, &m, node, v, path, what, isec, NULL));
        if (has_id) {
            TRY(sr_rd_id(&m, "id", item));
            *count = i + 1;
            TRY(sr_check_unique(L, *arr, i, size, &m, lpath));
        }
        if (each)
            TRY(each(L, &m, i, item));
        else
            TRY(sr_read_fields(&m, isec, item));
        *count = i + 1;
    }
    return BK_OK;
}

/* `key` of m: 12 numbers within b, January first, into out[12]; absent: out unchanged unless it
 * is a segment's, and *given (if any) false. */
static bk_status read_twelve(loader *L, const map *m, const char *key, double out[12], bounds b,
                             const char *what, bool *given)
{
    struct fy_node *v, *k;
    TRY(sr_map_get(m, key, OPTIONAL, &v, &k));
    if (given)
        *given = k != NULL;
    if (k == NULL)
        return BK_OK;
    char path[PATH_MAX_LEN], item[PATH_MAX_LEN + 8], got[96];
    sr_join_path(path, sizeof path, m->path, key);
    if (v == NULL || fy_node_get_type(v) != FYNT_SEQUENCE || fy_node_sequence_item_count(v) != 12)
        return sr_fail_node(L, BK_ERR_SCHEMA, v, k,
                            "%s must be a list of 12 %s (January to December), got %s", path,
                            what, sr_node_desc(v, got, sizeof got));
    for (int i = 0; i < 12; i++) {
        snprintf(item, sizeof item, "%s[%d]", path, i);
        TRY(sr_node_bounded(L, fy_node_sequence_get_by_index(v, i), k, item, b, &out[i]));
    }
    return BK_OK;
}

static bk_status read_place(loader *L, map *m, int i, void *item)
{
    bk_place *p = item;
    struct fy_node *bv, *bk;
    TRY(sr_map_get(m, "border_delay_hours", OPTIONAL, &bv, &bk));
    (void)i;
    TRY(sr_read_fields(m, "places[]", p));
    TRY(sr_defaults(L, "places[].airfield", p));
    map a;
    bool on;
    TRY(sr_open_sub(m, "places[]", "airfield", &a, &on));
    if (on)
        TRY(sr_read_fields(&a, "places[].airfield", p));
    if (bk != NULL && p->kind != BK_PLACE_BORDER)
        return sr_fail_node(L, BK_ERR_VALUE, bk, m->node,
                            "%s.border_delay_hours is only allowed on a place of kind border "
                            "(place '%s' is a %s)", m->path, p->id,
                            bki_place_kind_words[p->kind]);
    return BK_OK;
}

static bk_status read_segment(loader *L, map *m, int i, void *item)
{
    bk_scenario *sc = L->sc;
    bk_segment *s = item;
    TRY(sr_rd_ref(m, "from", BK_REF_PLACE, &s->from));
    TRY(sr_rd_ref(m, "to", BK_REF_PLACE, &s->to));
    if (s->from == s->to) {
        struct fy_node *tv;
        (void)sr_map_get(m, "to", REQUIRED, &tv, NULL);
        return sr_fail_node(L, BK_ERR_VALUE, tv, m->node,
                            "%s: from and to are the same place '%s' (a segment joins two "
                            "places)", m->path, sc->places[s->from].id);
    }
    sc->n_segments = i;   /* find_segment looks at the complete ones only */
    for (int k = 0; k < 12; k++)
        s->speed_month[k] = 1.0;
    int dup = bki_scenario_find_segment(sc, s->from, s->to);
    if (dup >= 0)
        return sr_fail_node(L, BK_ERR_VALUE, m->node, m->at,
                            "%s joins '%s' and '%s' again (already segments[%d])", m->path,
                            sc->places[s->from].id, sc->places[s->to].id, dup);
    TRY(sr_read_fields(m, "segments[]", s));
    return read_twelve(L, m, "speed_by_month", s->speed_month, GT0_LE(10.0, ""),
                       "speed factors", NULL);
}

/* vehicles[].modes: a list of mode words; absent: the kind's natural mode. */
static bk_status read_vehicle(loader *L, map *m, int i, void *item)
{
    bk_vehicle *v = item;
    (void)i;
    TRY(sr_read_fields(m, "vehicles[]", v));
    static const int natural[BK_N_VK] = {BK_MODE_ROAD, BK_MODE_ROAD, BK_MODE_RIVER, BK_MODE_AIR,
                                         BK_MODE_AIR};
    struct fy_node *mv, *mk;
    TRY(sr_map_get(m, "modes", OPTIONAL, &mv, &mk));
    if (mk == NULL) {
        v->modes = 1u << natural[v->kind];
        return BK_OK;
    }
    char path[PATH_MAX_LEN];
    sr_join_path(path, sizeof path, m->path, "modes");
    int n;
    TRY(sr_node_list(L, mv, mk, path, 1, BK_N_MODES, &n));
    v->modes = 0;
    for (int j = 0; j < n; j++) {
        char ipath[PATH_MAX_LEN + 16];
        int mode;
        snprintf(ipath, sizeof ipath, "%s[%d]", path, j);
        TRY(sr_node_enum(L, fy_node_sequence_get_by_index(mv, j), mk, ipath, bki_mode_words,
                         &mode));
        v->modes |= 1u << mode;
    }
    return BK_OK;
}

static bk_status read_products_places_segments_ports(loader *L, const map *top)
{
    bk_scenario *sc = L->sc;
    /* each array belongs to the scenario from its allocation: freed with it on any error */
    TRY(read_list(L, top, "products", "products", "product", 1, MAX_PRODUCTS,
                  sizeof *sc->products, (void **)&sc->products, &sc->n_products, NULL, NULL));
    TRY(read_list(L, top, "places", "places", "place", 2, MAX_PLACES, sizeof *sc->places,
                  (void **)&sc->places, &sc->n_places, read_place, NULL));
    TRY(read_list(L, top, "segments", "segments", "segment", 1, MAX_SEGMENTS,
                  sizeof *sc->segments, (void **)&sc->segments, &sc->n_segments, read_segment,
                  NULL));
    return read_list(L, top, "ports", "ports", "port", 1, MAX_PORTS, sizeof *sc->ports,
                     (void **)&sc->ports, &sc->n_ports, NULL, NULL);
}

/* city.power.fuel_share_by_month: 12 shares, January first (docs/model/city.md). */
static bk_status read_fuel_share_by_month(loader *L, const map *m)
{
    bk_city_side *cs = &L->sc->cityside;
    return read_twelve(L, m, "fuel_share_by_month", cs->fuel_share_month, SHARE, "shares",
                       &cs->fuel_share_month_given);
}

/* city.schools.holidays: [[from, to], ...], inclusive dates, stored as days since the start. */
static bk_status read_holidays(loader *L, const map *m)
{
    bk_city_side *cs = &L->sc->cityside;
    struct fy_node *v, *k;
    TRY(sr_map_get(m, "holidays", OPTIONAL, &v, &k));
    if (k == NULL)
        return BK_OK;
    char path[PATH_MAX_LEN], item[PATH_MAX_LEN + 16], got[96];
    sr_join_path(path, sizeof path, m->path, "holidays");
    if (v == NULL || fy_node_get_type(v) != FYNT_SEQUENCE)
        return sr_fail_node(L, BK_ERR_SCHEMA, v, k,
                            "%s must be a list of [from, to] dates, got %s", path,
                            sr_node_desc(v, got, sizeof got));
    int n = fy_node_sequence_item_count(v);
    cs->holiday_from = bki_calloc((size_t)(n > 0 ? n : 1), sizeof *cs->holiday_from);
    cs->holiday_to = bki_calloc((size_t)(n > 0 ? n : 1), sizeof *cs->holiday_to);
    if (cs->holiday_from == NULL || cs->holiday_to == NULL)
        return bki_fail(L->err, BK_ERR_NOMEM, "out of memory reading %s", L->file);
    for (int i = 0; i < n; i++) {
        struct fy_node *r = fy_node_sequence_get_by_index(v, i);
        snprintf(item, sizeof item, "%s[%d]", path, i);
        if (r == NULL || fy_node_get_type(r) != FYNT_SEQUENCE ||
            fy_node_sequence_item_count(r) != 2)
            return sr_fail_node(L, BK_ERR_SCHEMA, r, k,
                                "%s must be [from, to], two dates YYYY-MM-DD, got %s", item,
                                sr_node_desc(r, got, sizeof got));
        long a, b;
        TRY(sr_node_date(L, fy_node_sequence_get_by_index(r, 0), r, item, &a));
        TRY(sr_node_date(L, fy_node_sequence_get_by_index(r, 1), r, item, &b));
        if (b < a)
            return sr_fail_node(L, BK_ERR_VALUE, r, k, "%s: the holiday ends before it begins",
                                item);
        cs->holiday_from[i] = a - L->start_day;
        cs->holiday_to[i] = b - L->start_day;
        cs->n_holidays = i + 1;
    }
    return BK_OK;
}

/* power, schools, queues, prices, expectations, buffers, hoarding, pressure: the consequences of
 * the allocation. Each is optional, with the defaults of the schema table. */
static bk_status read_consequences(loader *L, const map *city)
{
    static const char *const subs[] = {"power",        "schools", "queues",   "prices",
                                       "expectations", "buffers", "hoarding", "pressure"};
    bk_scenario *sc = L->sc;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        map m;
        bool on;
        char sec[48];
        snprintf(sec, sizeof sec, "city.%s", subs[i]);
        TRY(sr_open_sub(city, "city", subs[i], &m, &on));
        if (!on)
            continue;
        TRY(sr_read_fields(&m, sec, sc));
        if (strcmp(subs[i], "power") == 0)
            TRY(read_fuel_share_by_month(L, &m));
        if (strcmp(subs[i], "schools") == 0)
            TRY(read_holidays(L, &m));
        if (strcmp(subs[i], "pressure") == 0) {
            map w;
            bool won;
            TRY(sr_open_sub(&m, "city.pressure", "weights", &w, &won));
            if (won)
                TRY(sr_read_fields(&w, "city.pressure.weights", sc));
        }
    }
    return BK_OK;
}

static bk_status read_city(loader *L, const map *top)
{
    bk_scenario *sc = L->sc;
    bk_city_side *cs = &sc->cityside;
    struct fy_node *v, *k;
    TRY(sr_map_get(top, "city", REQUIRED, &v, &k));
    map m;
    TRY(sr_map_open(L, &m, v, k, "city", "city", "city", NULL));
    TRY(sr_read_fields(&m, "city", sc));
    bool on;
    TRY(read_list(L, &m, "sectors", "city.sectors", "sector", 0, MAX_SECTORS,
                  sizeof *cs->sectors, (void **)&cs->sectors, &cs->n_sectors, NULL, &on));
    cs->enabled = on;   /* an empty list is no city side, as if the key were absent */
    return read_consequences(L, &m);
}

/* Breadth-first search over the segments: can `to` be reached from `from`? */
static bool reachable(const bk_scenario *sc, int from, int to, int *queue, char *seen)
{
    memset(seen, 0, (size_t)sc->n_places);
    int head = 0, tail = 0;
    queue[tail++] = from;
    seen[from] = 1;
    while (head < tail) {
        int u = queue[head++];
        if (u == to)
            return true;
        for (int s = 0; s < sc->n_segments; s++) {
            int w = sc->segments[s].from == u ? sc->segments[s].to
                  : sc->segments[s].to == u   ? sc->segments[s].from
                                              : -1;
            if (w >= 0 && !seen[w]) {
                seen[w] = 1;
                queue[tail++] = w;
            }
        }
    }
    return false;
}

static bk_status check_reachable(loader *L, const map *top)
{
    bk_scenario *sc = L->sc;
    int *queue = bki_malloc((size_t)sc->n_places * sizeof *queue);
    char *seen = bki_malloc((size_t)sc->n_places);
    if (queue == NULL || seen == NULL) {
        bki_free(queue);
        bki_free(seen);
        return bki_fail(L->err, BK_ERR_NOMEM, "out of memory reading %s", L->file);
    }
    int bad = -1;
    for (int i = 0; i < sc->n_ports && bad < 0; i++)
        if (!reachable(sc, sc->ports[i].place, sc->city.place, queue, seen))
            bad = i;
    bki_free(queue);
    bki_free(seen);
    if (bad < 0)
        return BK_OK;
    struct fy_node *v, *k;
    (void)sr_map_get(top, "ports", REQUIRED, &v, &k);
    return sr_fail_node(L, BK_ERR_VALUE, fy_node_sequence_get_by_index(v, bad), k,
                        "the city place '%s' cannot be reached by road from port '%s' (place "
                        "'%s')", sc->places[sc->city.place].id, sc->ports[bad].id,
                        sc->places[sc->ports[bad].place].id);
}

static bk_status read_corridor_path(loader *L, const map *m, bk_corridor *c)
{
    bk_scenario *sc = L->sc;
    struct fy_node *v, *k;
    char path[PATH_MAX_LEN];
    TRY(sr_map_get(m, "path", REQUIRED, &v, &k));
    sr_join_path(path, sizeof path, m->path, "path");
    int n;
    TRY(sr_node_list(L, v, k, path, 2, MAX_PATH, &n));
    c->path = bki_calloc((size_t)n, sizeof *c->path);
    c->path_seg = bki_calloc((size_t)n - 1, sizeof *c->path_seg);
    if (c->path == NULL || c->path_seg == NULL)
        return bki_fail(L->err, BK_ERR_NOMEM, "out of memory reading %s", L->file);
    void *it = NULL;
    struct fy_node *item;
    for (int i = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
        char ipath[PATH_MAX_LEN + 16];
        snprintf(ipath, sizeof ipath, "%s[%d]", path, i);
        TRY(sr_node_ref(L, item, k, ipath, BK_REF_PLACE, &c->path[i]));
        c->path_len = i + 1;
        for (int j = 0; j < i; j++)
            if (c->path[j] == c->path[i])
                return sr_fail_node(L, BK_ERR_VALUE, item, k,
                                 "corridor '%s': path visits place '%s' twice", c->id,
                                 sc->places[c->path[i]].id);
        if (i == 0 && c->path[0] != sc->ports[c->port].place)
            return sr_fail_node(L, BK_ERR_VALUE, item, k,
                             "corridor '%s': path must start at port '%s''s place '%s', "
                             "starts at '%s'", c->id, sc->ports[c->port].id,
                             sc->places[sc->ports[c->port].place].id, sc->places[c->path[0]].id);
        if (i > 0) {
            int seg = bki_scenario_find_segment(sc, c->path[i - 1], c->path[i]);
            if (seg < 0)
                return sr_fail_node(L, BK_ERR_VALUE, item, k,
                                 "corridor '%s': path leg %s -> %s has no segment", c->id,
                                 sc->places[c->path[i - 1]].id, sc->places[c->path[i]].id);
            c->path_seg[i - 1] = seg;
        }
    }
    if (c->path[n - 1] != sc->city.place)
        return sr_fail_node(L, BK_ERR_VALUE, fy_node_sequence_get_by_index(v, n - 1), k,
                         "corridor '%s': path must end at the city place '%s', ends at '%s'",
                         c->id, sc->places[sc->city.place].id, sc->places[c->path[n - 1]].id);
    return BK_OK;
}


static bk_status read_corridor(loader *L, map *m, int i, void *item)
{
    bk_scenario *sc = L->sc;
    bk_corridor *c = item;
    (void)i;
    TRY(sr_read_fields(m, "corridors[]", c));
    TRY(read_corridor_path(L, m, c));
    struct fy_node *sv, *sk;
    TRY(sr_map_get(m, "staging", OPTIONAL, &sv, &sk));
    c->staging = 0;
    if (sk != NULL) {
        int place;
        char spath[PATH_MAX_LEN + 16];
        snprintf(spath, sizeof spath, "%s.staging", m->path);
        TRY(sr_node_ref(L, sv, sk, spath, BK_REF_PLACE, &place));
        c->staging = -1;
        for (int j = 0; j < c->path_len - 1; j++)
            if (c->path[j] == place)
                c->staging = j;
        if (c->staging < 0)
            return sr_fail_node(L, BK_ERR_VALUE, sv, sk,
                                "corridor '%s': staging place '%s' is not on the path before "
                                "the city", c->id, sc->places[place].id);
    }
    map e;
    bool on;
    TRY(sr_open_sub(m, "corridors[]", "escort", &e, &on));
    if (on)
        TRY(sr_read_fields(&e, "corridors[].escort", c));
    return BK_OK;
}

static bk_status read_cell(loader *L, map *m, int i, void *item)
{
    bk_cell *c = item;
    struct fy_node *v, *k;
    (void)L;
    (void)i;
    TRY(sr_read_fields(m, "armed_group.cells[]", c));
    TRY(sr_map_get(m, "max_strength", OPTIONAL, &v, &k));
    c->max_strength_given = k != NULL;
    if (k == NULL)
        c->max_strength = c->strength;
    return BK_OK;
}

/* A fixed section (`section`, a top-level key or below) and its sub-mappings, all read through
 * the table into the scenario. */
static bk_status read_section(loader *L, const map *parent, const char *section, const char *key,
                              bool *present)
{
    map m;
    bool on;
    TRY(sr_open_sub(parent, parent->path[0] ? parent->path : "", key, &m, &on));
    if (present)
        *present = on;
    if (!on) {
        const bk_key *row = bki_schema_find(section);
        if (row && row->required)
            return sr_map_get(parent, key, REQUIRED, NULL, NULL);
        return BK_OK;
    }
    TRY(sr_read_fields(&m, section, L->sc));
    for (int i = 0; i < bki_schema_len; i++) {
        const char *sub;
        if (bki_schema[i].type == BK_KT_MAP && bki_schema_in(&bki_schema[i], section, &sub)) {
            TRY(read_section(L, &m, bki_schema[i].path, sub, NULL));
        }
    }
    return BK_OK;
}

static bk_status read_group(loader *L, const map *top)
{
    bk_scenario *sc = L->sc;
    bk_armed_group *a = &sc->group;
    bool on;
    TRY(read_section(L, top, "armed_group", "armed_group", &on));
    if (!on) {
        a->name[0] = '\0';   /* no group: no actor name either */
        return BK_OK;
    }
    map m;
    TRY(sr_open_sub(top, "", "armed_group", &m, &on));
    return read_list(L, &m, "cells", "armed_group.cells", "cell", 0, MAX_CELLS, sizeof *a->cells,
                     (void **)&a->cells, &a->n_cells, read_cell, NULL);
}

/* ---------------------------------------------------------------------------------------------
 * Document-level checks and parsing
 */

static bool sr_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}
/* The node at an instance path ("corridors[1].escort.strength") in the document, or NULL; *key
 * gets the key node of its last component (NULL for a list item). */
static struct fy_node *doc_node(struct fy_node *root, const char *path, struct fy_node **key)
{
    struct fy_node *n = root;
    if (key)
        *key = NULL;
    const char *p = path;
    while (n != NULL && *p) {
        char name[PATH_MAX_LEN];
        size_t len = strcspn(p, ".[");
        if (len >= sizeof name)
            return NULL;
        memcpy(name, p, len);
        name[len] = '\0';
        p += len;
        if (len > 0)
            n = fy_node_get_type(n) == FYNT_MAPPING ? sr_find_key(n, name, key) : NULL;
        if (*p == '[') {
            int i = atoi(p + 1);
            n = n && fy_node_get_type(n) == FYNT_SEQUENCE ? fy_node_sequence_get_by_index(n, i)
                                                          : NULL;
            if (key)
                *key = NULL;
            p = strchr(p, ']');
            p = p ? p + 1 : "";
        }
        if (*p == '.')
            p++;
    }
    return n;
}

static bk_status rule_fail_at(rules_ctx *c, bk_status st, const char *path, const char *msg)
{
    loader *L = c->L;
    char at[PATH_MAX_LEN];
    snprintf(at, sizeof at, "%s", path);
    for (;;) {
        struct fy_node *k, *v = doc_node(L->root, at, &k);
        if (v != NULL || k != NULL)
            return sr_fail_node(L, st, v, k, "%s", msg);
        char *cut = strrchr(at, '.');
        char *br = strrchr(at, '[');
        if (br != NULL && (cut == NULL || br > cut))
            cut = br;
        if (cut == NULL)
            return sr_fail_node(L, st, L->root, NULL, "%s", msg);
        *cut = '\0';
    }
}

static bool rule_given(rules_ctx *c, const char *path)
{
    loader *L = c->L;
    struct fy_node *k;
    struct fy_node *v = doc_node(L->root, path, &k);
    return v != NULL || k != NULL;
}

static bk_status read_document(loader *L, struct fy_node *root)
{
    if (root == NULL || (fy_node_get_type(root) == FYNT_SCALAR && sr_is_null_scalar(root) &&
                         fy_node_get_scalar_token(root) == NULL))
        return bki_fail_at(L->err, BK_ERR_SCHEMA, L->file, 0, 0,
                           "the scenario is empty: expected a mapping starting with 'blockade: 1'");
    TRY(sr_check_tree(L, root, 0));
    L->root = root;
    map top;
    if (fy_node_get_type(root) != FYNT_MAPPING) {
        char got[96];
        return sr_fail_node(L, BK_ERR_SCHEMA, root, NULL,
                         "the top level must be a mapping with keys blockade, scenario, places, "
                         "...; got %s", sr_node_desc(root, got, sizeof got));
    }
    TRY(sr_map_open(L, &top, root, NULL, "", "the top-level mapping", "", NULL));
    struct fy_node *v, *k;
    TRY(sr_map_get(&top, "blockade", REQUIRED, &v, &k));
    int version = 0;
    TRY(sr_node_int(L, v, k, "blockade (the format version)", INT_MIN, INT_MAX, &version));
    if (version != 1)
        return sr_fail_node(L, BK_ERR_VALUE, v, k,
                         "blockade (the format version) must be 1, got %d", version);
    TRY(read_meta(L, &top));
    TRY(read_products_places_segments_ports(L, &top));
    for (int i = 0; i < bki_schema_len; i++)   /* defaults of every fixed section */
        if (bki_schema[i].type == BK_KT_MAP && strchr(bki_schema[i].path, '[') == NULL &&
             strcmp(bki_schema[i].path, "scenario") != 0)   /* read already */
             TRY(sr_defaults(L, bki_schema[i].path, L->sc));
    TRY(read_city(L, &top));
    TRY(check_reachable(L, &top));
    bk_scenario *sc = L->sc;
    TRY(read_list(L, &top, "vehicles", "vehicles", "vehicle class", 0, MAX_CORRIDORS,
                  sizeof *sc->vehicles, (void **)&sc->vehicles, &sc->n_vehicles, read_vehicle,
                  NULL));
    TRY(read_list(L, &top, "corridors", "corridors", "corridor", 1, MAX_CORRIDORS,
                  sizeof *sc->corridors, (void **)&sc->corridors, &sc->n_corridors,
                  read_corridor, NULL));
    TRY(read_section(L, &top, "fleet", "fleet", NULL));
    TRY(read_section(L, &top, "policy", "policy", NULL));
    sc->policy.convoy_max_size_given = doc_node(root, "policy.convoy.max_size", NULL) != NULL;
    TRY(read_group(L, &top));
    TRY(sr_read_timeline(L, &top));
    rules_ctx rc = {.sc = L->sc, .L = L, .fail = rule_fail_at, .given = rule_given, .err = L->err};
    TRY(bki_rules_check(&rc));
    return bki_scenario_check_names(root, L->file, L->err);
}

/* Parse sc->text and fill sc. */
static bk_status parse(loader *L)
{
    bk_scenario *sc = L->sc;
    TRY(sr_check_bytes(L, sc->text, sc->text_len));
    int gl, gc;   /* constructs that crash or hang libfyaml 0.7.12 (engine/yaml.h) */
    const char *why = bki_yaml_guard(sc->text, sc->text_len, &gl, &gc);
    if (why != NULL)
        return bki_fail_at(L->err, BK_ERR_SYNTAX, L->file, gl, gc, "syntax error: %s", why);

    struct fy_diag *diag = bki_yaml_quiet_diag();
    if (diag == NULL)
        return bki_fail(L->err, BK_ERR_NOMEM, "out of memory reading %s", L->file);

    struct fy_parse_cfg pcfg = {0};
    pcfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG |
                 (sr_ends_with(L->file, ".json") ? FYPCF_JSON_FORCE : FYPCF_JSON_AUTO);
    pcfg.diag = diag;
    struct fy_parser *fyp = fy_parser_create(&pcfg);
    if (fyp == NULL || fy_parser_set_string(fyp, sc->text, sc->text_len) != 0) {
        if (fyp)
            fy_parser_destroy(fyp);
        fy_diag_destroy(diag);
        return bki_fail(L->err, BK_ERR_NOMEM, "out of memory reading %s", L->file);
    }

    bk_status st = BK_OK;
    struct fy_document *doc = fy_parse_load_document(fyp);
    struct fy_document *more = NULL;
    void *it = NULL;
    if (doc == NULL) {
        if (fy_diag_errors_iterate(diag, &it) != NULL)
            st = sr_syntax_error(L, diag);
        else
            st = bki_fail_at(L->err, BK_ERR_SCHEMA, L->file, 0, 0,
                             "the scenario is empty: expected a mapping starting with "
                             "'blockade: 1'");
    } else {
        more = fy_parse_load_document(fyp);   /* a stream holds one scenario, not several */
        if (fy_diag_errors_iterate(diag, &it) != NULL)
            st = sr_syntax_error(L, diag);
        else if (more != NULL)
            st = sr_fail_node(L, BK_ERR_SCHEMA, fy_document_root(more), NULL,
                           "a second YAML document ('---') follows the scenario; a file holds "
                           "exactly one scenario");
        else
            st = read_document(L, fy_document_root(doc));
    }
    if (more)
        fy_parse_document_destroy(fyp, more);
    if (doc)
        fy_parse_document_destroy(fyp, doc);
    fy_parser_destroy(fyp);
    fy_diag_destroy(diag);
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Public functions
 */

/* Takes ownership of text (malloc'd, len bytes plus a NUL). */
static bk_status load_owned(char *text, size_t len, const char *name, bk_scenario **out,
                            bk_error *err)
{
    bk_scenario *sc = bki_calloc(1, sizeof *sc);
    if (sc == NULL) {
        bki_free(text);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory loading %s", name);
    }
    sc->text = text;
    sc->text_len = len;
    /* "none" markers where zero would name a real index or date; read_city and read_policy
     * set every default of the city side, these only cover a parse that stops earlier. */
    sc->cityside.power_sector = -1;
    sc->citypol.airlift_from_h = -1.0;
    sc->citypol.airlift_product = -1;
    snprintf(sc->file, sizeof sc->file, "%s", name);
    loader L = {.file = name, .err = err, .sc = sc};
    bk_status st = parse(&L);
    if (st != BK_OK) {
        bk_scenario_free(sc);
        return st;
    }
    *out = sc;
    return BK_OK;
}

/* Contract in blockade/scenario.h. */
bk_status bk_scenario_load_string(const char *text, size_t len, const char *name,
                                  bk_scenario **out, bk_error *err)
{
    if (out == NULL)
        return bki_fail(err, BK_ERR_USAGE, "bk_scenario_load_string: out is NULL");
    *out = NULL;
    if (name == NULL)
        name = "-";
    if (text == NULL && len > 0)
        return bki_fail(err, BK_ERR_USAGE, "bk_scenario_load_string: text is NULL");
    if (len > BK_SCENARIO_MAX_BYTES)
        return bki_fail_at(err, BK_ERR_TOO_LARGE, name, 0, 0,
                           "scenario is too large: %zu bytes, the limit is %u bytes", len,
                           BK_SCENARIO_MAX_BYTES);
    char *copy = bki_strndup(text, len);
    if (copy == NULL)
        return bki_fail(err, BK_ERR_NOMEM, "out of memory loading %s", name);
    return load_owned(copy, len, name, out, err);
}

/* Contract in blockade/scenario.h. The size is checked before the file is read, and a stream of
 * unknown size is read only up to the limit (engine/file.c). */
bk_status bk_scenario_load_file(const char *path, bk_scenario **out, bk_error *err)
{
    if (out == NULL)
        return bki_fail(err, BK_ERR_USAGE, "bk_scenario_load_file: out is NULL");
    *out = NULL;
    if (path == NULL)
        return bki_fail(err, BK_ERR_USAGE, "bk_scenario_load_file: path is NULL");
    char *text = NULL;
    size_t len = 0;
    bk_status st = bki_read_whole_file(path, BK_SCENARIO_MAX_BYTES, &text, &len, err);
    if (st != BK_OK)
        return st;
    return load_owned(text, len, path, out, err);
}
