/* report_data.c: the page's data from a run's, an ensemble's or a comparison's files (daily
 * series, bands, curves, comparison, events, observed events) and from the scenario (network,
 * timeline), written as members of the page's JSON. */
#include "engine/alloc.h"

#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "blockade/blockade.h"
#include "engine/status_internal.h"
#include "model/run.h"
#include "output/format.h"
#include "output/report_internal.h"
#include "scenario/scenario.h"
#include "engine/yaml.h"

/* ---- the page's data ------------------------------------------------------------------------ */

/* Series the page draws; the others stay out of it to keep the file small. */
static bool wanted_series(const char *name)
{
    static const char *const exact[] = {"cover_days", "blackout_hours", "queue_hours",
                                        "price_ratio", "pressure", "schools_open",
                                        "shortage_share", "attacks", "deliveries", "delivered_l",
                                        "consumed_l", "airlift_l", "cost_per_l", "cost",
                                        "delivered_road_l", "delivered_river_l",
                                        "delivered_air_l", NULL};
    static const char *const prefix[] = {"stock_", "arrivals_", NULL};
    for (int i = 0; exact[i]; i++) {
        if (strcmp(name, exact[i]) == 0)
            return true;
    }
    for (int i = 0; prefix[i]; i++) {
        if (strncmp(name, prefix[i], strlen(prefix[i])) == 0)
            return true;
    }
    return false;
}

/* "[" before the first item of an array of arrays, ",[" before the others. */
static void open_item(FILE *f, bool *first)
{
    fputs(*first ? "[" : ",[", f);
    *first = false;
}

/* A comma, then s as a JSON string. */
static void put_next_jstr(FILE *f, const char *s)
{
    fputc(',', f);
    rp_put_jstr(f, s);
}

/* daily.csv: "dates": [...], "series": {name: [values by day]}. */
bk_status rp_put_daily(FILE *f, const char *path, bk_error *err)
{
    table t;
    bk_status st = rp_table_read(path, &t, err);
    if (st != BK_OK)
        return st;
    int c_date;
    st = rp_need_column(&t, "date", &c_date, err);
    fputs(",\"dates\":[", f);
    for (size_t r = 1; st == BK_OK && r < t.n_rows; r++) {
        fputs(r > 1 ? "," : "", f);
        rp_put_jstr(f, rp_cell(&t, r, c_date));
    }
    fputs("],\"series\":{", f);
    bool first = true;
    size_t n_cols = rp_row_len(&t, 0);
    for (size_t c = 0; st == BK_OK && c < n_cols; c++) {
        const char *name = rp_cell(&t, 0, (int)c);
        if (!wanted_series(name))
            continue;
        rp_put_key(f, &first, name);
        fputc('[', f);
        for (size_t r = 1; st == BK_OK && r < t.n_rows; r++) {
            fputs(r > 1 ? "," : "", f);
            st = rp_put_number_cell(f, &t, r, (int)c, err);
        }
        fputc(']', f);
    }
    fputc('}', f);
    rp_table_free(&t);
    return st;
}

/* Rows of a tidy table grouped by the value of one column, with each row's day. */
typedef struct tidy {
    table t;
    long n_days;          /* 1 + the largest day */
    size_t *order;        /* row indices, grouped by key in order of first appearance */
    size_t *group_start;  /* rows of group g: order[group_start[g] .. group_start[g + 1]) */
    size_t n_groups;
    long *day;            /* [n_rows] day of each row */
} tidy;

static void tidy_free(tidy *d)
{
    rp_table_free(&d->t);
    bki_free(d->order);
    bki_free(d->group_start);
    bki_free(d->day);
    memset(d, 0, sizeof *d);
}

/* Read a tidy CSV and group its rows by column `key`. Row order within a group is kept. */
static bk_status tidy_read(const char *path, const char *key, tidy *d, int *c_key, int *c_day,
                           int *c_date, bk_error *err)
{
    memset(d, 0, sizeof *d);
    bk_status st = rp_table_read(path, &d->t, err);
    if (st != BK_OK)
        return st;
    table *t = &d->t;
    if ((st = rp_need_column(t, key, c_key, err)) != BK_OK
        || (st = rp_need_column(t, "day", c_day, err)) != BK_OK
        || (st = rp_need_column(t, "date", c_date, err)) != BK_OK) {
        tidy_free(d);
        return st;
    }
    size_t n = t->n_rows;
    d->order = bki_malloc(n * sizeof *d->order);
    d->group_start = bki_malloc((n + 1) * sizeof *d->group_start);
    d->day = bki_calloc(n, sizeof *d->day);
    bool *done = bki_calloc(n, sizeof *done);
    if (!d->order || !d->group_start || !d->day || !done) {
        bki_free(done);
        tidy_free(d);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory reading '%s'", path);
    }
    for (size_t r = 1; r < n && st == BK_OK; r++) {
        st = rp_read_day(t, r, *c_day, &d->day[r], err);
        if (st == BK_OK && d->day[r] + 1 > d->n_days)
            d->n_days = d->day[r] + 1;
    }
    /* Quadratic in the number of groups only: a few dozen metrics. */
    size_t k = 0;
    for (size_t r = 1; r < n && st == BK_OK; r++) {
        if (done[r])
            continue;
        d->group_start[d->n_groups++] = k;
        const char *name = rp_cell(t, r, *c_key);
        for (size_t s = r; s < n; s++) {
            if (!done[s] && strcmp(rp_cell(t, s, *c_key), name) == 0) {
                done[s] = true;
                d->order[k++] = s;
            }
        }
    }
    d->group_start[d->n_groups] = k;
    bki_free(done);
    if (st != BK_OK)
        tidy_free(d);
    return st;
}

/* An array of n_days values of column c for group g: null where a day has no row. */
static bk_status put_by_day(FILE *f, const tidy *d, size_t g, int c, bk_error *err)
{
    /* 0: no row (0 is the header) */
    size_t *rows = bki_calloc((size_t)d->n_days + 1, sizeof *rows);
    if (rows == NULL)
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    for (size_t i = d->group_start[g]; i < d->group_start[g + 1]; i++)
        rows[d->day[d->order[i]]] = d->order[i];
    bk_status st = BK_OK;
    fputc('[', f);
    for (long day = 0; day < d->n_days && st == BK_OK; day++) {
        fputs(day ? "," : "", f);
        if (rows[day] == 0)
            fputs("null", f);
        else
            st = rp_put_number_cell(f, &d->t, rows[day], c, err);
    }
    fputc(']', f);
    bki_free(rows);
    return st;
}

/* The dates of days 0 .. n_days - 1 as found in the rows; "" for a day no row has. */
static void put_dates(FILE *f, const tidy *d, int c_date)
{
    fputc('[', f);
    for (long day = 0; day < d->n_days; day++) {
        const char *date = "";
        for (size_t r = 1; r < d->t.n_rows; r++) {
            if (d->day[r] == day) {
                date = rp_cell(&d->t, r, c_date);
                break;
            }
        }
        fputs(day ? "," : "", f);
        rp_put_jstr(f, date);
    }
    fputc(']', f);
}

/* bands.csv: "dates": [...], "bands": {metric: {"unit": u, "mean": [...], "q05": [...], ...}}. */
bk_status rp_put_bands(FILE *f, const char *path, bool with_dates, bk_error *err)
{
    static const char *const stats[] = {"mean", "q05", "q25", "q50", "q75", "q95"};
    tidy d;
    int c_metric, c_day, c_date, c_unit, c_stat[6];
    bk_status st = tidy_read(path, "metric", &d, &c_metric, &c_day, &c_date, err);
    if (st != BK_OK)
        return st;
    c_unit = rp_column(&d.t, "unit");
    for (int s = 0; s < 6 && st == BK_OK; s++)
        st = rp_need_column(&d.t, stats[s], &c_stat[s], err);
    if (st == BK_OK && with_dates) {
        fputs(",\"dates\":", f);
        put_dates(f, &d, c_date);
    }
    fputs(",\"bands\":{", f);
    bool first = true;
    for (size_t g = 0; g < d.n_groups && st == BK_OK; g++) {
        size_t r0 = d.order[d.group_start[g]];
        const char *name = rp_cell(&d.t, r0, c_metric);
        if (!wanted_series(name))
            continue;
        rp_put_key(f, &first, name);
        fputs("{\"unit\":", f);
        rp_put_jstr(f, c_unit >= 0 ? rp_cell(&d.t, r0, c_unit) : "");
        for (int s = 0; s < 6 && st == BK_OK; s++) {
            fprintf(f, ",\"%s\":", stats[s]);
            st = put_by_day(f, &d, g, c_stat[s], err);
        }
        fputc('}', f);
    }
    fputc('}', f);
    tidy_free(&d);
    return st;
}

/* curves.csv: "curves": {curve: [probability by day]} (and the dates when nothing else gave
 * them). */
bk_status rp_put_curves(FILE *f, const char *path, bool with_dates, bk_error *err)
{
    tidy d;
    int c_curve, c_day, c_date, c_p;
    bk_status st = tidy_read(path, "curve", &d, &c_curve, &c_day, &c_date, err);
    if (st != BK_OK)
        return st;
    st = rp_need_column(&d.t, "probability", &c_p, err);
    if (st == BK_OK && with_dates) {
        fputs(",\"dates\":", f);
        put_dates(f, &d, c_date);
    }
    fputs(",\"curves\":{", f);
    bool first = true;
    for (size_t g = 0; g < d.n_groups && st == BK_OK; g++) {
        rp_put_key(f, &first, rp_cell(&d.t, d.order[d.group_start[g]], c_curve));
        st = put_by_day(f, &d, g, c_p, err);
    }
    fputc('}', f);
    tidy_free(&d);
    return st;
}

/* Cells 0 .. n_cols - 1 of row r as JSON strings, with commas between them. */
static void put_cells(FILE *f, const table *t, size_t r, size_t n_cols)
{
    for (size_t c = 0; c < n_cols; c++) {
        fputs(c ? "," : "", f);
        rp_put_jstr(f, rp_cell(t, r, (int)c));
    }
}

/* compare.csv: "compare": {"columns": [...], "rows": [[...], ...]}, cells as strings. */
bk_status rp_put_compare(FILE *f, const char *path, bk_error *err)
{
    table t;
    bk_status st = rp_table_read(path, &t, err);
    if (st != BK_OK)
        return st;
    fputs(",\"compare\":{\"columns\":[", f);
    size_t n_cols = rp_row_len(&t, 0);
    put_cells(f, &t, 0, n_cols);
    fputs("],\"rows\":[", f);
    for (size_t r = 1; r < t.n_rows; r++) {
        fputs(r > 1 ? ",[" : "[", f);
        put_cells(f, &t, r, n_cols);
        fputc(']', f);
    }
    fputs("]}", f);
    rp_table_free(&t);
    return st;
}

/* events.geojson: "events": [[lon, lat, date, kind, success, segment, corridor, notes], ...]
 * for the entries that have a position. */
bk_status rp_put_events(FILE *f, const char *path, bk_error *err)
{
    json_doc j;
    bk_status st = rp_json_read(path, &j, err);
    if (st != BK_OK)
        return st;
    struct fy_node *features = rp_at(fy_document_root(j.doc), "/features");
    if (features == NULL || fy_node_get_type(features) != FYNT_SEQUENCE) {
        rp_json_free(&j);
        return bki_fail(err, BK_ERR_SCHEMA, "'%s' is not a GeoJSON FeatureCollection", path);
    }
    fputs(",\"events\":[", f);
    bool first = true;
    void *it = NULL;
    struct fy_node *feat;
    while ((feat = fy_node_sequence_iterate(features, &it)) != NULL) {
        double lon, lat;
        if (!rp_number_at(feat, "/geometry/coordinates/0", &lon)
            || !rp_number_at(feat, "/geometry/coordinates/1", &lat))
            continue; /* no position: nothing to draw */
        open_item(f, &first);
        bki_fmt_json_number(f, lon);
        fputc(',', f);
        bki_fmt_json_number(f, lat);
        static const char *const props[] = {"date", "kind", "success", "segment", "corridor",
                                            "notes"};
        for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
            char p[32];
            snprintf(p, sizeof p, "/properties/%s", props[i]);
            fputc(',', f);
            rp_put_json_scalar(f, rp_at(feat, p));
        }
        fputc(']', f);
    }
    fputc(']', f);
    rp_json_free(&j);
    return BK_OK;
}

/* Observed events (ACLED columns): "observed": {"file": name, "events": [[lon, lat, date,
 * notes, type], ...]}. Rows without coordinates are skipped: ACLED codes every event with one,
 * so an empty cell is a row the user blanked on purpose. */
bk_status rp_put_observed(FILE *f, const char *path, bk_error *err)
{
    table t;
    bk_status st = rp_table_read(path, &t, err);
    if (st != BK_OK)
        return st;
    int c_lat, c_lon, c_date;
    if ((st = rp_need_column(&t, "latitude", &c_lat, err)) != BK_OK
        || (st = rp_need_column(&t, "longitude", &c_lon, err)) != BK_OK
        || (st = rp_need_column(&t, "event_date", &c_date, err)) != BK_OK) {
        rp_table_free(&t);
        return st;
    }
    int c_notes = rp_column(&t, "notes"), c_type = rp_column(&t, "sub_event_type");
    if (c_type < 0)
        c_type = rp_column(&t, "event_type");
    fputs(",\"observed\":{\"file\":", f);
    rp_put_jstr(f, rp_base_name(path));
    fputs(",\"events\":[", f);
    bool first = true;
    for (size_t r = 1; r < t.n_rows && st == BK_OK; r++) {
        const char *lat = rp_cell(&t, r, c_lat), *lon = rp_cell(&t, r, c_lon);
        if (lat[0] == '\0' || lon[0] == '\0')
            continue;
        open_item(f, &first);
        st = rp_put_number_cell(f, &t, r, c_lon, err);
        fputc(',', f);
        if (st == BK_OK)
            st = rp_put_number_cell(f, &t, r, c_lat, err);
        put_next_jstr(f, rp_cell(&t, r, c_date));
        put_next_jstr(f, c_notes >= 0 ? rp_cell(&t, r, c_notes) : "");
        put_next_jstr(f, c_type >= 0 ? rp_cell(&t, r, c_type) : "");
        fputc(']', f);
    }
    fputs("]}", f);
    rp_table_free(&t);
    return st;
}

/* ---- the scenario --------------------------------------------------------------------------- */

static const char *const place_kind_word[] = {"port", "border", "town", "city", "depot"};

/* A place's position: [lon,lat], to 4 decimals. */
static void put_position(FILE *out, const bk_place *p)
{
    char a[BK_FMT_NUM], b[BK_FMT_NUM];
    bki_fmt_fixed(a, p->lon, 4);
    bki_fmt_fixed(b, p->lat, 4);
    fprintf(out, "[%s,%s]", a, b);
}

/* Contract in blockade/report.h. */
bk_status bk_scenario_write_network_geojson(const bk_scenario *sc, FILE *out)
{
    if (sc == NULL || out == NULL)
        return BK_ERR_USAGE;
    fputs("{\"type\":\"FeatureCollection\",\"features\":[", out);
    for (int i = 0; i < sc->n_places; i++) {
        const bk_place *p = &sc->places[i];
        fprintf(out, "%s\n{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":",
                i ? "," : "");
        put_position(out, p);
        fputs("},\"properties\":{\"id\":", out);
        rp_put_jstr(out, p->id);
        fputs(",\"name\":", out);
        rp_put_jstr(out, p->name);
        fputs(",\"kind\":", out);
        rp_put_jstr(out, (unsigned)p->kind < 5 ? place_kind_word[p->kind] : "town");
        fputs(",\"country\":", out);
        rp_put_jstr(out, p->country);
        fputs("}}", out);
    }
    for (int s = 0; s < sc->n_segments; s++) {
        const bk_segment *g = &sc->segments[s];
        const bk_place *p = &sc->places[g->from], *q = &sc->places[g->to];
        fprintf(out, "%s\n{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\","
                     "\"coordinates\":[",
                sc->n_places || s ? "," : "");
        put_position(out, p);
        fputc(',', out);
        put_position(out, q);
        fputs("]},\"properties\":{\"id\":\"", out);
        /* ids are [A-Za-z0-9_-]: no escaping needed; the form matches events.geojson's */
        fprintf(out, "%s-%s\",\"from\":", p->id, q->id);
        rp_put_jstr(out, p->id);
        fputs(",\"to\":", out);
        rp_put_jstr(out, q->id);
        fputs(",\"length_km\":", out);
        bki_fmt_json_number(out, g->length_km);
        fputs(",\"cover\":", out);
        bki_fmt_json_number(out, g->cover);
        fputs(",\"corridors\":[", out);
        bool first = true;
        for (int c = 0; c < sc->n_corridors; c++) {
            const bk_corridor *k = &sc->corridors[c];
            for (int i = 0; i + 1 < k->path_len; i++) {
                if (k->path_seg[i] == s) {
                    fputs(first ? "" : ",", out);
                    first = false;
                    rp_put_jstr(out, k->id);
                    break;
                }
            }
        }
        fputs("]}}", out);
    }
    fputs("\n]}", out);
    return bki_fmt_finish(out);
}

static void date_of(const bk_scenario *sc, double h, char buf[11])
{
    bki_run_date(sc, h, buf);
}

static const char *product_name(const bk_scenario *sc, int i)
{
    return i >= 0 && i < sc->n_products ? sc->products[i].name : "fuel";
}

/* One timeline entry in plain words, for a reader who does not know the scenario format. */
static void timeline_text(const bk_scenario *sc, const bk_timeline_event *e, char *buf,
                          size_t n)
{
    const char *cur = sc->cityside.currency;
    switch (e->kind) {
    case BK_TL_CAMPAIGN_START:
        snprintf(buf, n, "The armed group declares (or resumes) its blockade");
        break;
    case BK_TL_CAMPAIGN_END:
        snprintf(buf, n, "The armed group pauses its campaign against tankers");
        break;
    case BK_TL_ROAD_CUT: {
        const bk_segment *s = &sc->segments[e->segment];
        snprintf(buf, n, "Road %s - %s closed for %g hours", sc->places[s->from].name,
                 sc->places[s->to].name, e->hours);
        break;
    }
    case BK_TL_SUPPLY_CUT:
        snprintf(buf, n, "Loading at port %s cut to %g%% for %g hours", sc->ports[e->port].id,
                 100.0 * e->factor, e->hours);
        break;
    case BK_TL_CONVOY_MODE: {
        static const char *const w[] = {"Convoys stopped: tankers travel alone",
                                        "Convoys from a set date", "Convoys when attacks rise",
                                        "All tankers travel in convoys"};
        snprintf(buf, n, "%s", (unsigned)e->mode < 4 ? w[e->mode] : "Convoy policy changed");
        break;
    }
    case BK_TL_ESCORT_REINFORCE:
        snprintf(buf, n, "%+d escort unit%s on the %s corridor", e->units,
                 e->units == 1 || e->units == -1 ? "" : "s", sc->corridors[e->corridor].name);
        break;
    case BK_TL_NIGHT_BAN:
        snprintf(buf, n, "Night driving ban %s", e->mode ? "imposed" : "lifted");
        break;
    case BK_TL_ROUTING:
        snprintf(buf, n, "Routes %s", e->mode == BK_ROUTING_FIXED ? "fixed per corridor"
                                                                  : "chosen to avoid attacks");
        break;
    case BK_TL_NOTE:
        snprintf(buf, n, "Note");
        break;
    case BK_TL_AIRLIFT:
        if (e->value > 0)
            snprintf(buf, n, "Airlift of %g litres a day of %s", e->value,
                     product_name(sc, e->product));
        else
            snprintf(buf, n, "Airlift of %s stopped", product_name(sc, e->product));
        break;
    case BK_TL_PRICE_CONTROL:
        snprintf(buf, n, "Official fuel price %s", e->mode ? "fixed" : "freed");
        break;
    case BK_TL_FILL_CAP:
        if (e->value > 0)
            snprintf(buf, n, "Sales at stations capped at %g litres per fill", e->value);
        else
            snprintf(buf, n, "Cap per fill at stations lifted");
        break;
    case BK_TL_RESERVE_TIER:
        if (e->units > 0)
            snprintf(buf, n, "Strategic reserve released to priority tiers 1 to %d", e->units);
        else
            snprintf(buf, n, "Strategic reserve closed");
        break;
    case BK_TL_SECTOR_TIER:
        snprintf(buf, n, "%s moved to priority tier %d",
                 e->sector >= 0 && e->sector < sc->cityside.n_sectors
                     ? sc->cityside.sectors[e->sector].name
                     : "A sector",
                 e->units);
        break;
    case BK_TL_OFFICIAL_PRICE:
        snprintf(buf, n, "Official price of %s set to %g%s%s per litre",
                 product_name(sc, e->product), e->value, cur[0] ? " " : "", cur);
        break;
    case BK_TL_ESCORT_ALLOC: {
        static const char *const w[] = {"fixed per corridor", "in proportion to traffic",
                                        "in proportion to attacks"};
        snprintf(buf, n, "Escorts shared %s", (unsigned)e->mode < 3 ? w[e->mode] : "anew");
        break;
    }
    case BK_TL_POPULATION:
        if (e->mode == 0)
            snprintf(buf, n, "Population now %.0f people", e->value);
        else
            snprintf(buf, n, "%.0f people %s over %g days", fabs(e->value),
                     e->value >= 0 ? "arrive" : "leave", e->hours / 24.0);
        break;
    case BK_TL_AMBUSH: {
        const bk_segment *s = &sc->segments[e->segs[0]];
        snprintf(buf, n, "Known attack replayed near %s - %s: %g%% of the tankers lost",
                 sc->places[s->from].name, sc->places[s->to].name, 100.0 * e->value);
        break;
    }
    case BK_TL_RIVER_CLOSED:
        snprintf(buf, n, "%d river segment%s closed for %g hours", e->n_segs,
                 e->n_segs == 1 ? "" : "s", e->hours);
        break;
    case BK_TL_AIRFIELD_CLOSED:
        snprintf(buf, n, "Airfield at %s closed for %g hours", sc->places[e->place].name,
                 e->hours);
        break;
    default:
        snprintf(buf, n, "Scenario change");
        break;
    }
}

/* A product or a corridor, left open for more members: {"id": id, "name": name, "column":
 * prefix + the id as a column token + suffix; a comma first unless i is 0. */
static void open_listed(FILE *f, int i, const char *id, const char *name, const char *prefix,
                        const char *suffix)
{
    char tok[BK_ID_MAX], col[BK_ID_MAX + 16];
    bki_id_token(id, tok);
    snprintf(col, sizeof col, "%s%s%s", prefix, tok, suffix);
    fputs(i ? ",{\"id\":" : "{\"id\":", f);
    rp_put_jstr(f, id);
    fputs(",\"name\":", f);
    rp_put_jstr(f, name);
    fputs(",\"column\":", f);
    rp_put_jstr(f, col);
}

/* A timeline entry: [date, text]. */
static void put_dated(FILE *f, bool *first, const char *date, const char *text)
{
    open_item(f, first);
    rp_put_jstr(f, date);
    put_next_jstr(f, text);
    fputc(']', f);
}

/* The scenario's part of the data: name, products with their demand, corridors, the network and
 * the timeline. */
void rp_put_scenario(FILE *f, const bk_scenario *sc)
{
    char hash[65], d[11];
    bk_scenario_hash(sc, hash);
    fputs(",\"scenario\":{\"name\":", f);
    rp_put_jstr(f, sc->name);
    fputs(",\"description\":", f);
    rp_put_jstr(f, sc->description);
    fputs(",\"sha256\":", f);
    rp_put_jstr(f, hash);
    fprintf(f, ",\"seed\":%llu,\"days\":%d", (unsigned long long)sc->seed, sc->days);
    date_of(sc, 0, d);
    fputs(",\"start_date\":", f);
    rp_put_jstr(f, d);
    fputs(",\"country\":", f);
    rp_put_jstr(f, sc->country);
    fputs(",\"city\":", f);
    rp_put_jstr(f, sc->places[sc->city.place].name);
    fputs(",\"currency\":", f);
    rp_put_jstr(f, sc->cityside.currency);
    fputs(",\"products\":[", f);
    for (int p = 0; p < sc->n_products; p++) {
        double demand = 0.0;
        for (int s = 0; sc->cityside.enabled && s < sc->cityside.n_sectors; s++)
            demand += sc->cityside.sectors[s].demand_l_per_day[p];
        open_listed(f, p, sc->products[p].id, sc->products[p].name, "stock_", "_l");
        fputs(",\"demand_l_per_day\":", f);
        bki_fmt_json_number(f, demand);
        fputc('}', f);
    }
    /* the words of the vehicles (docs/model/modes.md): the page says boats, aircraft, ... */
    const char *one, *many;
    bool road = bki_scenario_words(sc, &one, &many);
    fputs("],\"vehicles\":{\"one\":", f);
    rp_put_jstr(f, one);
    fputs(",\"many\":", f);
    rp_put_jstr(f, many);
    fprintf(f, ",\"road\":%s}", road ? "true" : "false");
    fputs(",\"corridors\":[", f);
    for (int c = 0; c < sc->n_corridors; c++) {
        open_listed(f, c, sc->corridors[c].id, sc->corridors[c].name, "arrivals_", "");
        bki_corridor_words(sc, c, &one, &many);
        fputs(",\"many\":", f);
        rp_put_jstr(f, many);
        fputc('}', f);
    }
    fputs("],\"timeline\":[", f);
    bool first = true;
    if (sc->group.campaign_start_h >= 0) {
        date_of(sc, sc->group.campaign_start_h, d);
        put_dated(f, &first, d, "The armed group declares its blockade");
    }
    for (int i = 0; i < sc->n_timeline; i++) {
        const bk_timeline_event *e = &sc->timeline[i];
        char text[512], full[800];
        timeline_text(sc, e, text, sizeof text);
        if (e->kind == BK_TL_NOTE && e->note[0])
            snprintf(full, sizeof full, "%s", e->note);
        else if (e->note[0])
            snprintf(full, sizeof full, "%s (%s)", text, e->note);
        else
            snprintf(full, sizeof full, "%s", text);
        date_of(sc, e->time_h, d);
        put_dated(f, &first, d, full);
    }
    fputs("]},\"network\":", f);
    (void)bk_scenario_write_network_geojson(sc, f); /* a memory stream: errors show at the end */
}
