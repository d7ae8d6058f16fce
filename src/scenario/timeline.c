/* timeline.c: the dated entries of a scenario (road and supply cuts, policy changes, airlifts,
 * notes). An entry's type decides its keys: the table bki_timeline_keys below has one row per key
 * of a type (schema.h says how to add one). Entries are sorted by date, stably.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/order.h"
#include "scenario/read.h"
#include "scenario/schema.h"

#define MAX_TIMELINE 10000

/* Timeline entry types, in the order of enum bk_timeline_kind. */
const char *const bki_timeline_types[] = {
    "campaign_start", "campaign_end", "road_cut",       "supply_cut",        "convoy_mode",
    "escort_reinforce", "night_ban",  "routing",        "note",              "airlift",
    "price_control",  "fill_cap",     "reserve_release", "sector_tier",      "official_price",
    "escort_allocation", "population", "ambush",        "river_closed",      "airfield_closed",
    NULL};

static const char *const tl_convoy_modes[] = {"off", "threat", "always", NULL};
static const int tl_convoy_values[] = {BK_CONVOY_OFF, BK_CONVOY_THREAT, BK_CONVOY_ALWAYS};
static const char *const tl_ambush_targets[] = {"any", "convoy", NULL};

#define E(f) offsetof(bk_timeline_event, f)
#define TNUM(t, k, f, need, def, lo_op, lo, hi, u, d) \
    {t, k, BK_TR_NUM, E(f), need, def, lo_op, 'L', lo, hi, u, NULL, NULL, 0, d}
#define TINT(t, k, f, lo, hi, u, d) \
    {t, k, BK_TR_INT, E(f), true, 0.0, 'G', 'L', lo, hi, u, NULL, NULL, 0, d}
#define TREF(t, k, f, r, d) {t, k, BK_TR_REF, E(f), true, 0.0, 0, 0, 0.0, 0.0, "", NULL, NULL, r, d}
#define TENUM(t, k, need, w, v, d) \
    {t, k, BK_TR_ENUM, E(mode), need, 0.0, 0, 0, 0.0, 0.0, "", w, v, 0, d}
#define TBOOL(t, k, d) {t, k, BK_TR_BOOL, E(mode), true, 0.0, 0, 0, 0.0, 0.0, "", NULL, NULL, 0, d}
#define TGROUP(t, k, how, d) {t, k, how, 0, true, 0.0, 0, 0, 0.0, 0.0, "", NULL, NULL, 0, d}

const bk_tl_key bki_timeline_keys[] = {
    {BK_TL_ROAD_CUT, "segment", BK_TR_SEGMENT, E(segment), true, 0.0, 0, 0, 0.0, 0.0, "", NULL,
     NULL, 0, "the segment closed, [from, to]"},
    TGROUP(BK_TL_ROAD_CUT, "hours", BK_TR_CUT_END, "how long: hours, `end` or `until` a date"),
    TREF(BK_TL_SUPPLY_CUT, "port", port, BK_REF_PORT, "the port whose loading is cut"),
    TNUM(BK_TL_SUPPLY_CUT, "factor", factor, true, 0.0, 'G', 0.0, 1.0, "",
         "loading rate multiplier"),
    TNUM(BK_TL_SUPPLY_CUT, "hours", hours, true, 0.0, '>', 0.0, 87600.0, "h", "how long"),
    TENUM(BK_TL_CONVOY_MODE, "mode", true, tl_convoy_modes, tl_convoy_values,
          "convoy mode from this date"),
    TREF(BK_TL_ESCORT_REINFORCE, "corridor", corridor, BK_REF_CORRIDOR,
         "the corridor whose escort pool changes"),
    TINT(BK_TL_ESCORT_REINFORCE, "units", units, -100000, 100000, "units",
         "escort units added (negative: withdrawn)"),
    TBOOL(BK_TL_NIGHT_BAN, "enabled", "night ban on or off"),
    TENUM(BK_TL_ROUTING, "mode", true, bki_routing_words, NULL, "routing mode from this date"),
    TNUM(BK_TL_AIRLIFT, "litres_per_day", value, true, 0.0, 'G', 0.0, 1e12, "L/day",
         "daily airlift (0 stops it)"),
    TREF(BK_TL_AIRLIFT, "product", product, BK_REF_PRODUCT, "the product flown in"),
    TBOOL(BK_TL_PRICE_CONTROL, "enabled", "official price fixed or freed"),
    TNUM(BK_TL_FILL_CAP, "litres", value, true, 0.0, 'G', 0.0, 1e6, "L",
         "cap per fill on retail sales (0 lifts it)"),
    TINT(BK_TL_RESERVE_TIER, "tier", units, 0, BK_MAX_TIERS, "",
         "tiers up to this one may draw on the reserve (0: nobody)"),
    TREF(BK_TL_SECTOR_TIER, "sector", sector, BK_REF_SECTOR, "the sector that moves"),
    TINT(BK_TL_SECTOR_TIER, "tier", units, 1, BK_MAX_TIERS, "", "its new priority tier"),
    TREF(BK_TL_OFFICIAL_PRICE, "product", product, BK_REF_PRODUCT, "the product priced"),
    TNUM(BK_TL_OFFICIAL_PRICE, "price", value, true, 0.0, 'G', 0.0, 1e9, "per L",
         "the new official price"),
    TENUM(BK_TL_ESCORT_ALLOC, "mode", true, bki_escort_alloc_words, NULL,
          "escort allocation from this date"),
    TGROUP(BK_TL_POPULATION, "people", BK_TR_POPULATION,
           "the new population, or a change spread over days"),
    TGROUP(BK_TL_AMBUSH, "segment", BK_TR_SEGMENTS_PLACE, "where: segment, segments or place"),
    TNUM(BK_TL_AMBUSH, "scale", value, true, 0.0, 'G', 0.0, 1.0, "",
         "share of the target's tankers lost"),
    TNUM(BK_TL_AMBUSH, "hours", hours, false, 24.0, 'G', 0.0, 8760.0, "h",
         "the window in which a target is sought"),
    TENUM(BK_TL_AMBUSH, "target", false, tl_ambush_targets, NULL, "any mover, or convoys only"),
    TGROUP(BK_TL_RIVER_CLOSED, "segment", BK_TR_SEGMENTS, "the segments closed"),
    TGROUP(BK_TL_RIVER_CLOSED, "hours", BK_TR_CUT_END, "how long: hours, `end` or `until`"),
    TREF(BK_TL_AIRFIELD_CLOSED, "place", place, BK_REF_PLACE, "the airfield's place"),
    TGROUP(BK_TL_AIRFIELD_CLOSED, "hours", BK_TR_CUT_END, "how long: hours, `end` or `until`"),
};
const int bki_timeline_keys_len = (int)(sizeof bki_timeline_keys / sizeof bki_timeline_keys[0]);

/* Contract in schema.h. */
void bki_timeline_row_keys(const bk_tl_key *row, const char *out[4])
{
    static const char *const segs[] = {"segment", "segments", NULL};
    static const char *const segs_place[] = {"segment", "segments", "place", NULL};
    static const char *const cut_end[] = {"hours", "until", NULL};
    static const char *const population[] = {"people", "change", "days", NULL};
    const char *const *group = row->read == BK_TR_SEGMENTS         ? segs
                               : row->read == BK_TR_SEGMENTS_PLACE ? segs_place
                               : row->read == BK_TR_CUT_END        ? cut_end
                               : row->read == BK_TR_POPULATION     ? population
                                                                   : NULL;
    int n = 0;
    if (group == NULL)
        out[n++] = row->key;
    else
        for (; group[n] != NULL; n++)
            out[n] = group[n];
    out[n] = NULL;
}

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
    *out = bki_scenario_find_segment(L->sc, a, b);
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

/* `people: N` (the population from this date) or `change: N` with optional `days: D` (arrivals,
 * negative for departures, spread over D days); exactly one of people and change. */
static bk_status read_population(loader *L, const map *m, bk_timeline_event *e)
{
    struct fy_node *v, *pk, *ck, *dk;
    TRY(sr_map_get(m, "people", OPTIONAL, &v, &pk));
    TRY(sr_map_get(m, "change", OPTIONAL, &v, &ck));
    TRY(sr_map_get(m, "days", OPTIONAL, &v, &dk));
    if ((pk == NULL) == (ck == NULL))
        return sr_fail_node(L, BK_ERR_SCHEMA, pk ? pk : m->node, m->at,
                            "%s: a population entry needs exactly one of 'people' (the new "
                            "population) and 'change' (arrivals, negative for departures)",
                            m->path);
    if (pk != NULL) {
        if (dk != NULL)
            return sr_fail_node(L, BK_ERR_SCHEMA, dk, m->at,
                                "%s.days: only a 'change' is spread over days; 'people' "
                                "sets the population at once", m->path);
        e->mode = 0;
        return sr_rd_num(m, "people", REQUIRED, 0, IN(0.0, 1e10, "people"), &e->value);
    }
    TRY(sr_rd_num(m, "change", REQUIRED, 0, IN(-1e10, 1e10, "people"), &e->value));
    double days;
    TRY(sr_rd_num(m, "days", OPTIONAL, 0, IN(0.0, 3650.0, "days"), &days));
    e->hours = 24.0 * days;
    e->mode = 1;
    return BK_OK;
}

/* One row of bki_timeline_keys, read into the entry. */
static bk_status read_row(loader *L, const map *m, const bk_tl_key *r, bk_timeline_event *e)
{
    char *field = (char *)e + r->off;
    bounds b = {r->lo_op, r->hi_op, r->lo, r->hi, r->unit};
    enum need need = r->required ? REQUIRED : OPTIONAL;
    switch (r->read) {
    case BK_TR_NUM:
        return sr_rd_num(m, r->key, need, r->def, b, (double *)(void *)field);
    case BK_TR_INT:
        return sr_rd_int(m, r->key, need, (int)r->def, (int)r->lo, (int)r->hi,
                         (int *)(void *)field);
    case BK_TR_REF:
        return sr_rd_ref(m, r->key, (enum bk_ref_kind)r->ref, (int *)(void *)field);
    case BK_TR_ENUM: {
        int w;
        TRY(sr_rd_enum(m, r->key, need, (int)r->def, r->words, &w));
        *(int *)(void *)field = r->values ? r->values[w] : w;
        return BK_OK;
    }
    case BK_TR_BOOL: {
        bool on;
        TRY(sr_rd_bool(m, r->key, need, r->def != 0.0, &on));
        *(int *)(void *)field = on ? 1 : 0;
        return BK_OK;
    }
    case BK_TR_SEGMENT: {
        struct fy_node *v, *k;
        char spath[PATH_MAX_LEN + 16];
        TRY(sr_map_get(m, r->key, REQUIRED, &v, &k));
        snprintf(spath, sizeof spath, "%s.%s", m->path, r->key);
        return read_seg_pair(L, v, k, spath, (int *)(void *)field);
    }
    case BK_TR_SEGMENTS:
    case BK_TR_SEGMENTS_PLACE:
        return read_seg_list(L, m, e, r->read == BK_TR_SEGMENTS_PLACE);
    case BK_TR_CUT_END:
        return read_cut_end(L, m, e);
    case BK_TR_POPULATION:
        return read_population(L, m, e);
    }
    return BK_OK;
}

static bk_status read_event(loader *L, struct fy_node *item, struct fy_node *list, int i,
                            bk_timeline_event *e)
{
    static const char *const base_keys[] = {"date", "type", "note", NULL};
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
    TRY(sr_rd_enum(&m, "type", REQUIRED, 0, bki_timeline_types, &type));
    e->kind = (enum bk_timeline_kind)type;

    /* The allowed keys: date, type, note and those of the type's rows. */
    const char *keys[24] = {"date", "type", "note"};
    int nk = 3;
    for (int r = 0; r < bki_timeline_keys_len; r++) {
        if (bki_timeline_keys[r].type != type)
            continue;
        const char *row_keys[4];
        bki_timeline_row_keys(&bki_timeline_keys[r], row_keys);
        for (int j = 0; row_keys[j] != NULL && nk < 23; j++) {
            bool seen = false;
            for (int q = 0; q < nk && !seen; q++)
                seen = strcmp(keys[q], row_keys[j]) == 0;
            if (!seen)
                keys[nk++] = row_keys[j];
        }
    }
    keys[nk] = NULL;
    snprintf(what, sizeof what, "timeline entry of type %s", bki_timeline_types[type]);
    TRY(sr_map_open(L, &m, item, list, path, what, NULL, keys));

    struct fy_node *v, *k;
    TRY(sr_map_get(&m, "date", REQUIRED, &v, &k));
    char dpath[48];
    snprintf(dpath, sizeof dpath, "%s.date", path);
    TRY(sr_node_date_hours(L, v, k, dpath, &e->time_h));
    TRY(sr_rd_str(&m, "note", e->kind == BK_TL_NOTE ? REQUIRED : OPTIONAL, "", e->note,
               sizeof e->note, false));
    for (int r = 0; r < bki_timeline_keys_len; r++)
        if (bki_timeline_keys[r].type == type)
            TRY(read_row(L, &m, &bki_timeline_keys[r], e));
    return BK_OK;
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
    bki_keyed *order = bki_malloc((size_t)n * sizeof *order);
    bk_timeline_event *sorted = bki_malloc((size_t)n * sizeof *sorted);
    if (order == NULL || sorted == NULL) {
        bki_free(order);
        bki_free(sorted);
        return bki_fail(L->err, BK_ERR_NOMEM, "out of memory reading %s", L->file);
    }
    for (int i = 0; i < n; i++)
        order[i] = (bki_keyed){sc->timeline[i].time_h, (uint64_t)i};
    bki_keyed_sort(order, (size_t)n); /* equal times in file order */
    for (int i = 0; i < n; i++)
        sorted[i] = sc->timeline[order[i].index];
    bki_free(order);
    bki_free(sc->timeline);
    sc->timeline = sorted;
    return BK_OK;
}
