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
                                       "escort_allocation", "population", "ambush",
                                       "river_closed",   "airfield_closed", NULL};

/* One segment named by its two places, [from, to], at `path`. */
static bk_status read_seg_pair(loader *L, struct fy_node *v, struct fy_node *k, const char *spath,
                               int *out)
{
    char ipath[PATH_MAX_LEN + 8], got[96];
    if (v == NULL || fy_node_get_type(v) != FYNT_SEQUENCE || fy_node_sequence_item_count(v) != 2)
        return sr_fail_node(L, BK_ERR_SCHEMA, v, k,
                            "%s must be a list of two place ids [from, to], got %s", spath,
                            sr_node_desc(v, got, sizeof got));
    int a, b;
    snprintf(ipath, sizeof ipath, "%s[0]", spath);
    TRY(sr_node_ref(L, fy_node_sequence_get_by_index(v, 0), k, ipath, BK_REF_PLACE, &a));
    snprintf(ipath, sizeof ipath, "%s[1]", spath);
    TRY(sr_node_ref(L, fy_node_sequence_get_by_index(v, 1), k, ipath, BK_REF_PLACE, &b));
    *out = bk_scenario_find_segment(L->sc, a, b);
    if (*out < 0)
        return sr_fail_node(L, BK_ERR_REFERENCE, v, k,
                            "%s: unknown segment, no segment joins '%s' and '%s'", spath,
                            L->sc->places[a].id, L->sc->places[b].id);
    return BK_OK;
}

/* `segment: [a, b]` or `segments: [[a, b], ...]` (exactly one), into e->segs. */
static bk_status read_seg_list(loader *L, const map *m, bk_timeline_event *e, bool place_ok)
{
    struct fy_node *sv, *sk, *lv, *lk, *pv, *pk = NULL;
    TRY(sr_map_get(m, "segment", OPTIONAL, &sv, &sk));
    TRY(sr_map_get(m, "segments", OPTIONAL, &lv, &lk));
    if (place_ok)
        TRY(sr_map_get(m, "place", OPTIONAL, &pv, &pk));
    char path[PATH_MAX_LEN + 16], got[96];
    int given = (sk != NULL) + (lk != NULL) + (pk != NULL);
    if (given != 1)
        return sr_fail_node(L, BK_ERR_SCHEMA, m->node, m->at,
                            place_ok ? "%s needs exactly one of 'segment' ([from, to]), "
                                       "'segments' (a list of [from, to]) and 'place'"
                                     : "%s needs exactly one of 'segment' ([from, to]) and "
                                       "'segments' (a list of [from, to])",
                            m->path);
    if (sk != NULL) {
        snprintf(path, sizeof path, "%s.segment", m->path);
        e->n_segs = 1;
        return read_seg_pair(L, sv, sk, path, &e->segs[0]);
    }
    if (pk != NULL) {
        /* every segment that touches the place */
        TRY(sr_rd_ref(m, "place", BK_REF_PLACE, &e->place));
        for (int s = 0; s < L->sc->n_segments; s++)
            if (L->sc->segments[s].from == e->place || L->sc->segments[s].to == e->place) {
                if (e->n_segs == BK_TL_MAX_SEGS)
                    return sr_fail_node(L, BK_ERR_VALUE, pv, pk,
                                        "%s.place: more than %d segments meet at '%s'; name "
                                        "them with 'segments'", m->path, BK_TL_MAX_SEGS,
                                        L->sc->places[e->place].id);
                e->segs[e->n_segs++] = s;
            }
        if (e->n_segs == 0)
            return sr_fail_node(L, BK_ERR_VALUE, pv, pk, "%s.place: no segment meets at '%s'",
                                m->path, L->sc->places[e->place].id);
        return BK_OK;
    }
    snprintf(path, sizeof path, "%s.segments", m->path);
    int n = lv && fy_node_get_type(lv) == FYNT_SEQUENCE ? fy_node_sequence_item_count(lv) : -1;
    if (n < 1 || n > BK_TL_MAX_SEGS)
        return sr_fail_node(L, BK_ERR_SCHEMA, lv, lk,
                            "%s must be a list of 1 to %d segments [from, to], got %s", path,
                            BK_TL_MAX_SEGS, sr_node_desc(lv, got, sizeof got));
    for (int i = 0; i < n; i++) {
        char ipath[PATH_MAX_LEN + 32];
        snprintf(ipath, sizeof ipath, "%s[%d]", path, i);
        int seg;
        TRY(read_seg_pair(L, fy_node_sequence_get_by_index(lv, i), lk, ipath, &seg));
        for (int j = 0; j < e->n_segs; j++)
            if (e->segs[j] == seg)
                return sr_fail_node(L, BK_ERR_VALUE, fy_node_sequence_get_by_index(lv, i), lk,
                                    "%s names the same segment twice", ipath);
        e->segs[e->n_segs++] = seg;
    }
    return BK_OK;
}

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
    static const char *const keys[][10] = {
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
        [BK_TL_POPULATION] = {"date", "type", "note", "people", "change", "days", NULL},
        [BK_TL_AMBUSH] = {"date", "type", "note", "segment", "segments", "place", "scale",
                          "hours", "target", NULL},
        [BK_TL_RIVER_CLOSED] = {"date", "type", "note", "segment", "segments", "hours",
                                "until", NULL},
        [BK_TL_AIRFIELD_CLOSED] = {"date", "type", "note", "place", "hours", "until", NULL},
    };
    static const char *const tl_convoy_modes[] = {"off", "threat", "always", NULL};
    static const enum bk_convoy_mode tl_convoy_value[] = {BK_CONVOY_OFF, BK_CONVOY_THREAT,
                                                          BK_CONVOY_ALWAYS};
    char path[32], what[64];
    snprintf(path, sizeof path, "timeline[%d]", i);
    *e = (bk_timeline_event){.segment = -1, .port = -1, .corridor = -1, .product = -1,
                             .sector = -1, .place = -1, .factor = 1.0};
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
    case BK_TL_ROAD_CUT:
        TRY(sr_map_get(&m, "segment", REQUIRED, &v, &k));
        {
            char spath[48];
            snprintf(spath, sizeof spath, "%s.segment", path);
            TRY(read_seg_pair(L, v, k, spath, &e->segment));
        }
        TRY(read_cut_end(L, &m, e));
        break;
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
    case BK_TL_POPULATION: {
        struct fy_node *pk, *ck, *dk;
        TRY(sr_map_get(&m, "people", OPTIONAL, &v, &pk));
        TRY(sr_map_get(&m, "change", OPTIONAL, &v, &ck));
        TRY(sr_map_get(&m, "days", OPTIONAL, &v, &dk));
        if ((pk == NULL) == (ck == NULL))
            return sr_fail_node(L, BK_ERR_SCHEMA, pk ? pk : item, list,
                                "%s: a population entry needs exactly one of 'people' (the new "
                                "population) and 'change' (arrivals, negative for departures)",
                                path);
        if (pk != NULL) {
            if (dk != NULL)
                return sr_fail_node(L, BK_ERR_SCHEMA, dk, list,
                                    "%s.days: only a 'change' is spread over days; 'people' "
                                    "sets the population at once", path);
            TRY(sr_rd_num(&m, "people", REQUIRED, 0, IN(0.0, 1e10, "people"), &e->value));
            e->mode = 0;
        } else {
            TRY(sr_rd_num(&m, "change", REQUIRED, 0, IN(-1e10, 1e10, "people"), &e->value));
            double days;
            TRY(sr_rd_num(&m, "days", OPTIONAL, 0, IN(0.0, 3650.0, "days"), &days));
            e->hours = 24.0 * days;
            e->mode = 1;
        }
        break;
    }
    case BK_TL_AMBUSH:
        TRY(read_seg_list(L, &m, e, true));
        TRY(sr_rd_num(&m, "scale", REQUIRED, 0, SHARE, &e->value));
        TRY(sr_rd_num(&m, "hours", OPTIONAL, 24.0, IN(0.0, 8760.0, "h"), &e->hours));
        {
            static const char *const targets[] = {"any", "convoy", NULL};
            TRY(sr_rd_enum(&m, "target", OPTIONAL, 0, targets, &e->mode));
        }
        break;
    case BK_TL_RIVER_CLOSED:
        TRY(read_seg_list(L, &m, e, false));
        TRY(read_cut_end(L, &m, e));
        break;
    case BK_TL_AIRFIELD_CLOSED:
        TRY(sr_rd_ref(&m, "place", BK_REF_PLACE, &e->place));
        TRY(read_cut_end(L, &m, e));
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
