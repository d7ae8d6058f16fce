/* timeline.c: the dated entries of a scenario (road and supply cuts, policy changes, airlifts,
 * notes). An entry's type decides its keys, so each type has its own list of keys here rather
 * than rows in the schema table. Entries are sorted by date, stably.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "scenario/read.h"

#define MAX_TIMELINE 10000

/* Timeline entry types, in the order of enum bk_timeline_kind. */
static const char *const tl_types[] = {"campaign_start", "campaign_end", "road_cut",
                                       "supply_cut",     "convoy_mode",  "escort_reinforce",
                                       "night_ban",      "routing",      "note",
                                       "airlift",        "price_control", "fill_cap",
                                       "reserve_release", "sector_tier", "official_price",
                                       "escort_allocation", NULL};

/* How long a road cut lasts: `hours: H`, `hours: end` (to the end of the horizon) or
 * `until: DATE` (the road reopens at 00:00 that day); exactly one of them. */
static bk_status read_cut_end(loader *L, const map *m, bk_timeline_event *e)
{
    struct fy_node *hv, *hk, *uv, *uk;
    TRY(sr_map_get(m, "hours", OPTIONAL, &hv, &hk));
    TRY(sr_map_get(m, "until", OPTIONAL, &uv, &uk));
    char path[PATH_MAX_LEN + 8];
    if ((hk == NULL) == (uk == NULL))
        return sr_fail_node(L, BK_ERR_SCHEMA, hk ? hk : m->node, m->at,
                            "%s: a road cut needs exactly one of 'hours' (a number or 'end') "
                            "and 'until' (a date)", m->path);
    double end_h = 24.0 * L->sc->days;
    if (uk != NULL) {
        double until;
        snprintf(path, sizeof path, "%s.until", m->path);
        TRY(sr_node_date_hours(L, uv, uk, path, &until));
        if (!(until > e->time_h))
            return sr_fail_node(L, BK_ERR_VALUE, uv, uk, "%s must be after the cut's date",
                                path);
        e->hours = until - e->time_h;
        return BK_OK;
    }
    const char *word = hv && fy_node_get_type(hv) == FYNT_SCALAR ? fy_node_get_scalar0(hv) : NULL;
    if (word != NULL && strcmp(word, "end") == 0) {
        e->hours = end_h - e->time_h;
        return BK_OK;
    }
    return sr_rd_num(m, "hours", REQUIRED, 0, GT0_LE(87600.0, "h"), &e->hours);
}

static bk_status read_event(loader *L, struct fy_node *item, struct fy_node *list, int i,
                            bk_timeline_event *e)
{
    static const char *const base_keys[] = {"date", "type", "note", NULL};
    static const char *const keys[][7] = {
        [BK_TL_CAMPAIGN_START] = {"date", "type", "note", NULL},
        [BK_TL_CAMPAIGN_END] = {"date", "type", "note", NULL},
        [BK_TL_ROAD_CUT] = {"date", "type", "note", "segment", "hours", "until", NULL},
        [BK_TL_SUPPLY_CUT] = {"date", "type", "note", "port", "factor", "hours", NULL},
        [BK_TL_CONVOY_MODE] = {"date", "type", "note", "mode", NULL},
        [BK_TL_ESCORT_REINFORCE] = {"date", "type", "note", "corridor", "units", NULL},
        [BK_TL_NIGHT_BAN] = {"date", "type", "note", "enabled", NULL},
        [BK_TL_ROUTING] = {"date", "type", "note", "mode", NULL},
        [BK_TL_NOTE] = {"date", "type", "note", NULL},
        [BK_TL_AIRLIFT] = {"date", "type", "note", "litres_per_day", "product", NULL},
        [BK_TL_PRICE_CONTROL] = {"date", "type", "note", "enabled", NULL},
        [BK_TL_FILL_CAP] = {"date", "type", "note", "litres", NULL},
        [BK_TL_RESERVE_TIER] = {"date", "type", "note", "tier", NULL},
        [BK_TL_SECTOR_TIER] = {"date", "type", "note", "sector", "tier", NULL},
        [BK_TL_OFFICIAL_PRICE] = {"date", "type", "note", "product", "price", NULL},
        [BK_TL_ESCORT_ALLOC] = {"date", "type", "note", "mode", NULL},
    };
    static const char *const tl_convoy_modes[] = {"off", "threat", "always", NULL};
    static const enum bk_convoy_mode tl_convoy_value[] = {BK_CONVOY_OFF, BK_CONVOY_THREAT,
                                                          BK_CONVOY_ALWAYS};
    bk_scenario *sc = L->sc;
    char path[32], what[64];
    snprintf(path, sizeof path, "timeline[%d]", i);
    *e = (bk_timeline_event){.segment = -1, .port = -1, .corridor = -1, .product = -1,
                             .sector = -1, .factor = 1.0};
    int line = 0, col = 0;
    if (sr_node_pos(item, &line, &col, 0))
        e->line = line;

    /* The type decides which keys are allowed, so read it before checking the keys. */
    map m;
    if (item == NULL || fy_node_get_type(item) != FYNT_MAPPING)
        return sr_map_open(L, &m, item, list, path, "timeline entry", NULL, base_keys);
    m = (map){.L = L, .node = item, .at = list};
    snprintf(m.path, sizeof m.path, "%s", path);
    int type;
    TRY(sr_rd_enum(&m, "type", REQUIRED, 0, tl_types, &type));
    e->kind = (enum bk_timeline_kind)type;
    snprintf(what, sizeof what, "timeline entry of type %s", tl_types[type]);
    TRY(sr_map_open(L, &m, item, list, path, what, NULL, keys[type]));

    struct fy_node *v, *k;
    TRY(sr_map_get(&m, "date", REQUIRED, &v, &k));
    char dpath[48];
    snprintf(dpath, sizeof dpath, "%s.date", path);
    TRY(sr_node_date_hours(L, v, k, dpath, &e->time_h));
    TRY(sr_rd_str(&m, "note", e->kind == BK_TL_NOTE ? REQUIRED : OPTIONAL, "", e->note,
               sizeof e->note, false));

    switch (e->kind) {
    case BK_TL_ROAD_CUT: {
        TRY(sr_map_get(&m, "segment", REQUIRED, &v, &k));
        char spath[48], ipath[56], got[96];
        snprintf(spath, sizeof spath, "%s.segment", path);
        if (v == NULL || fy_node_get_type(v) != FYNT_SEQUENCE ||
            fy_node_sequence_item_count(v) != 2)
            return sr_fail_node(L, BK_ERR_SCHEMA, v, k,
                             "%s must be a list of two place ids [from, to], got %s", spath,
                             sr_node_desc(v, got, sizeof got));
        int a, b;
        snprintf(ipath, sizeof ipath, "%s[0]", spath);
        TRY(sr_node_ref(L, fy_node_sequence_get_by_index(v, 0), k, ipath, BK_REF_PLACE, &a));
        snprintf(ipath, sizeof ipath, "%s[1]", spath);
        TRY(sr_node_ref(L, fy_node_sequence_get_by_index(v, 1), k, ipath, BK_REF_PLACE, &b));
        e->segment = bk_scenario_find_segment(sc, a, b);
        if (e->segment < 0)
            return sr_fail_node(L, BK_ERR_REFERENCE, v, k,
                             "%s: unknown segment, no segment joins '%s' and '%s'", spath,
                             sc->places[a].id, sc->places[b].id);
        TRY(read_cut_end(L, &m, e));
        break;
    }
    case BK_TL_SUPPLY_CUT:
        TRY(sr_rd_ref(&m, "port", BK_REF_PORT, &e->port));
        TRY(sr_rd_num(&m, "factor", REQUIRED, 0, SHARE, &e->factor));
        TRY(sr_rd_num(&m, "hours", REQUIRED, 0, GT0_LE(87600.0, "h"), &e->hours));
        break;
    case BK_TL_CONVOY_MODE: {
        int mode;
        TRY(sr_rd_enum(&m, "mode", REQUIRED, 0, tl_convoy_modes, &mode));
        e->mode = (int)tl_convoy_value[mode];
        break;
    }
    case BK_TL_ESCORT_REINFORCE:
        TRY(sr_rd_ref(&m, "corridor", BK_REF_CORRIDOR, &e->corridor));
        TRY(sr_rd_int(&m, "units", REQUIRED, 0, -100000, 100000, &e->units));
        break;
    case BK_TL_NIGHT_BAN: {
        bool on;
        TRY(sr_rd_bool(&m, "enabled", REQUIRED, false, &on));
        e->mode = on ? 1 : 0;
        break;
    }
    case BK_TL_ROUTING:
        TRY(sr_rd_enum(&m, "mode", REQUIRED, 0, bk_routing_words, &e->mode));
        break;
    case BK_TL_AIRLIFT:
        TRY(sr_rd_num(&m, "litres_per_day", REQUIRED, 0, IN(0.0, 1e12, "L/day"), &e->value));
        TRY(sr_rd_ref(&m, "product", BK_REF_PRODUCT, &e->product));
        break;
    case BK_TL_PRICE_CONTROL: {
        bool on;
        TRY(sr_rd_bool(&m, "enabled", REQUIRED, false, &on));
        e->mode = on ? 1 : 0;
        break;
    }
    case BK_TL_FILL_CAP:
        TRY(sr_rd_num(&m, "litres", REQUIRED, 0, IN(0.0, 1e6, "L"), &e->value));
        break;
    case BK_TL_RESERVE_TIER:
        TRY(sr_rd_int(&m, "tier", REQUIRED, 0, 0, BK_MAX_TIERS, &e->units));
        break;
    case BK_TL_SECTOR_TIER:
        TRY(sr_rd_ref(&m, "sector", BK_REF_SECTOR, &e->sector));
        TRY(sr_rd_int(&m, "tier", REQUIRED, 0, 1, BK_MAX_TIERS, &e->units));
        break;
    case BK_TL_OFFICIAL_PRICE:
        TRY(sr_rd_ref(&m, "product", BK_REF_PRODUCT, &e->product));
        TRY(sr_rd_num(&m, "price", REQUIRED, 0, IN(0.0, 1e9, "per L"), &e->value));
        break;
    case BK_TL_ESCORT_ALLOC:
        TRY(sr_rd_enum(&m, "mode", REQUIRED, 0, bk_escort_alloc_words, &e->mode));
        break;
    case BK_TL_CAMPAIGN_START:
    case BK_TL_CAMPAIGN_END:
    case BK_TL_NOTE:
        break;
    }
    return BK_OK;
}

typedef struct tl_order {
    double time_h;
    int index;
} tl_order;

static int tl_cmp(const void *a, const void *b)
{
    const tl_order *x = a, *y = b;
    if (x->time_h != y->time_h)
        return x->time_h < y->time_h ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);   /* file order: a stable sort */
}

/* Contract in read.h. */
bk_status sr_read_timeline(loader *L, const map *top)
{
    bk_scenario *sc = L->sc;
    struct fy_node *v, *k;
    TRY(sr_map_get(top, "timeline", OPTIONAL, &v, &k));
    if (k == NULL || sr_is_null_scalar(v))
        return BK_OK;
    int n;
    void *arr;
    TRY(sr_list_array(L, v, k, "timeline", 0, MAX_TIMELINE, sizeof *sc->timeline, &arr, &n));
    if (n == 0)
        return BK_OK;
    sc->timeline = arr;
    void *it = NULL;
    struct fy_node *item;
    for (int i = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
        TRY(read_event(L, item, v, i, &sc->timeline[i]));
        sc->n_timeline = i + 1;
    }
    tl_order *order = bk_malloc((size_t)n * sizeof *order);
    bk_timeline_event *sorted = bk_malloc((size_t)n * sizeof *sorted);
    if (order == NULL || sorted == NULL) {
        bk_free(order);
        bk_free(sorted);
        return bk_fail(L->err, BK_ERR_NOMEM, "out of memory reading %s", L->file);
    }
    for (int i = 0; i < n; i++)
        order[i] = (tl_order){sc->timeline[i].time_h, i};
    qsort(order, (size_t)n, sizeof *order, tl_cmp);
    for (int i = 0; i < n; i++)
        sorted[i] = sc->timeline[order[i].index];
    bk_free(order);
    bk_free(sc->timeline);
    sc->timeline = sorted;
    return BK_OK;
}
