/* obs_events.c: observed events (ACLED and UCDP GED exports, streamed through engine/csv.h), their placement
 * on the scenario's roads and their CSV writer (docs/calibration.md).
 */
#include "engine/alloc.h"
#include "analysis/calibration/observed.h"
#include "engine/status_internal.h"

#include "analysis/ensemble/ens.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>

#include "engine/date.h"
#include "engine/file.h"
#include "engine/rng.h"
#include "output/format.h"
#include "model/run.h"
#include "scenario/scenario.h"
#include "analysis/calibration/obs_internal.h"


/* ---- events ------------------------------------------------------------------------------- */

enum ev_col {
    C_ID, C_DATE, C_DATE_END, C_TIME_PREC, C_LAT, C_LON, C_GEO_PREC, C_COUNTRY, C_ACTOR1,
    C_ACTOR2, C_INTER1, C_INTER2, C_EVENT_TYPE, C_SUB_TYPE, C_LOCATION, C_FATALITIES, C_NOTES,
    C_DATE_FROM, C_DATE_TO, C_N
};

struct bk_events {
    bk_events_format format;
    bk_event *ev;
    size_t n, cap;
    size_t records;
    const char *name;      /* while reading */
};

/* The state of one reading: each kept event goes to fn as soon as its record is read. */
typedef struct ev_reader {
    bk_events_format format;
    size_t records, kept;
    const char *name;
    const bk_events_filter *filter;
    long from, to;
    int col[C_N];          /* column index, -1 if absent */
    size_t n_cols;
    bk_event_fn fn;
    void *ud;
} ev_reader;

/* Contract in blockade/calibrate.h. */
void bk_events_free(bk_events *ev)
{
    if (!ev)
        return;
    for (size_t i = 0; i < ev->n; i++)
    {
        char *own; /* the set owns the notes it handed out as const */
        memcpy(&own, &ev->ev[i].notes, sizeof own);
        bki_free(own);
    }
    bki_free(ev->ev);
    bki_free(ev);
}


static bk_status events_header(ev_reader *ev, const bk_csv_record *rec, bk_error *err)
{
    for (int c = 0; c < C_N; c++)
        ev->col[c] = -1;
    ev->n_cols = rec->n;
    static const char *const acled_req[] = {"event_id_cnty", "event_date", "latitude",
                                            "longitude", "geo_precision", "time_precision",
                                            "country", "actor1", "actor2", NULL};
    static const char *const ucdp_req[] = {"id", "date_start", "date_end", "latitude",
                                           "longitude", "where_prec", "side_a", "side_b",
                                           "country", NULL};
    static const char *const placed_req[] = {"event_id", "event_date", "date_from", "date_to",
                                             "latitude", "longitude", "geo_precision",
                                             "time_precision", NULL};
    const char *const *req;
    if (find_col(rec, "event_id_cnty") >= 0) {
        req = acled_req;
        ev->format = BK_EVENTS_ACLED;
    } else if (find_col(rec, "where_prec") >= 0 || find_col(rec, "date_start") >= 0) {
        req = ucdp_req;
        ev->format = BK_EVENTS_UCDP;
    } else if (find_col(rec, "event_id") >= 0 && find_col(rec, "date_from") >= 0) {
        req = placed_req;
        ev->format = BK_EVENTS_PLACED;
    } else {
        return bki_fail(err, BK_ERR_SCHEMA, "%s:%d: unknown header: expected an ACLED export "
                           "(event_id_cnty, event_date, ...), a UCDP GED file (id, date_start, "
                           "where_prec, ...) or the output of 'blockade events import'",
                           ev->name, rec->line);
    }
    for (int i = 0; req[i]; i++)
        if (find_col(rec, req[i]) < 0)
            return bki_fail(err, BK_ERR_SCHEMA, "%s:%d: missing column '%s' (%s format)",
                               ev->name, rec->line, req[i],
                               ev->format == BK_EVENTS_ACLED ? "ACLED"
                               : ev->format == BK_EVENTS_UCDP ? "UCDP GED" : "placed events");
    if (ev->format == BK_EVENTS_UCDP) {
        ev->col[C_ID] = find_col(rec, "id");
        ev->col[C_DATE] = find_col(rec, "date_start");
        ev->col[C_DATE_END] = find_col(rec, "date_end");
        ev->col[C_GEO_PREC] = find_col(rec, "where_prec");
        ev->col[C_ACTOR1] = find_col(rec, "side_a");
        ev->col[C_ACTOR2] = find_col(rec, "side_b");
        ev->col[C_FATALITIES] = find_col(rec, "best");
        ev->col[C_LOCATION] = find_col(rec, "where_coordinates");
        ev->col[C_NOTES] = find_col(rec, "source_headline");
        ev->col[C_EVENT_TYPE] = find_col(rec, "type_of_violence");
    } else {
        ev->col[C_ID] = find_col(rec, ev->format == BK_EVENTS_PLACED ? "event_id" : "event_id_cnty");
        ev->col[C_DATE] = find_col(rec, "event_date");
        ev->col[C_GEO_PREC] = find_col(rec, "geo_precision");
        ev->col[C_TIME_PREC] = find_col(rec, "time_precision");
        ev->col[C_ACTOR1] = find_col(rec, "actor1");
        ev->col[C_ACTOR2] = find_col(rec, "actor2");
        ev->col[C_INTER1] = find_col(rec, "inter1");
        ev->col[C_INTER2] = find_col(rec, "inter2");
        ev->col[C_EVENT_TYPE] = find_col(rec, "event_type");
        ev->col[C_SUB_TYPE] = find_col(rec, "sub_event_type");
        ev->col[C_LOCATION] = find_col(rec, "location");
        ev->col[C_FATALITIES] = find_col(rec, "fatalities");
        ev->col[C_NOTES] = find_col(rec, "notes");
        ev->col[C_DATE_FROM] = find_col(rec, "date_from");
        ev->col[C_DATE_TO] = find_col(rec, "date_to");
    }
    ev->col[C_LAT] = find_col(rec, "latitude");
    ev->col[C_LON] = find_col(rec, "longitude");
    ev->col[C_COUNTRY] = find_col(rec, "country");
    return BK_OK;
}

static const char *field(const bk_csv_record *rec, const ev_reader *ev, int c)
{
    int i = ev->col[c];
    return i >= 0 && (size_t)i < rec->n ? rec->fields[i] : "";
}

/* ACLED actor types: the text of current exports or the numeric code of older ones. */
static int actor_type(const char *s, bool *numeric)
{
    static const char *const names[] = {"state forces", "rebel group", "political militia",
                                        "identity militia", "rioters", "protesters", "civilians",
                                        "external/other forces"};
    char tmp[64];
    copy_str(tmp, sizeof tmp, s);
    char *t = trim(tmp);
    if (*t == '\0')
        return 0;
    if (isdigit((unsigned char)t[0])) {
        char *end;
        long v = strtol(t, &end, 10);
        *numeric = true;
        return *end == '\0' && v >= 0 && v <= 8 ? (int)v : -1;
    }
    for (int i = 0; i < 8; i++)
        if (ieq(t, names[i]) || (strlen(t) + 1 == strlen(names[i]) && strncasecmp(t, names[i], strlen(t)) == 0))
            return i + 1; /* "Rebel groups", "Political militias" in some exports */
    for (int i = 0; i < 8; i++) {
        size_t n = strlen(names[i]);
        if (strncasecmp(t, names[i], n) == 0 && (t[n] == 's' && t[n + 1] == '\0'))
            return i + 1;
    }
    if (ieq(t, "external/other forces") || ieq(t, "other forces") || ieq(t, "external forces"))
        return 8;
    return -1;
}


static bool keep_event(const ev_reader *ev, const bk_event *e)
{
    const bk_events_filter *f = ev->filter;
    if (!f)
        return true;
    if (f->country && *f->country && !ieq(e->country, f->country))
        return false;
    if (f->actor && *f->actor && !icontains(e->actor1, f->actor) && !icontains(e->actor2, f->actor))
        return false;
    if (f->from && e->day < ev->from)
        return false;
    if (f->to && e->day > ev->to)
        return false;
    if (f->n_keywords > 0) {
        bool any = false;
        for (int i = 0; i < f->n_keywords && !any; i++)
            any = icontains(e->notes, f->keywords[i]);
        if (!any)
            return false;
    }
    return true;
}

static bk_status events_record(void *ud, const bk_csv_record *rec, bk_error *err)
{
    ev_reader *ev = ud;
    if (ev->records == 0 && ev->n_cols == 0)
        return events_header(ev, rec, err);
    if (rec->n == 1 && rec->fields[0][0] == '\0')
        return BK_OK; /* a blank line */
    if (rec->n != ev->n_cols)
        return bki_fail(err, BK_ERR_SCHEMA, "%s:%d: %zu fields where the header has %zu",
                           ev->name, rec->line, rec->n, ev->n_cols);
    ev->records++;
    bk_event e;
    memset(&e, 0, sizeof e);
    e.line = rec->line;
    e.segment = -1;
    copy_str(e.id, sizeof e.id, field(rec, ev, C_ID));
    const char *date = field(rec, ev, C_DATE);
    if (!bk_date_parse(date, &e.day))
        return bki_fail(err, BK_ERR_VALUE, "%s:%d: event %s: bad date '%s' (expected "
                           "2025-09-14 or 14 September 2025)", ev->name, rec->line, e.id, date);
    if (!parse_double(field(rec, ev, C_LAT), &e.lat) || e.lat < -90 || e.lat > 90)
        return bki_fail(err, BK_ERR_VALUE, "%s:%d: event %s: bad latitude '%s' (degrees, "
                           "-90 to 90)", ev->name, rec->line, e.id, field(rec, ev, C_LAT));
    if (!parse_double(field(rec, ev, C_LON), &e.lon) || e.lon < -180 || e.lon > 180)
        return bki_fail(err, BK_ERR_VALUE, "%s:%d: event %s: bad longitude '%s' (degrees, "
                           "-180 to 180)", ev->name, rec->line, e.id, field(rec, ev, C_LON));
    int gp = 0;
    if (!parse_int(field(rec, ev, C_GEO_PREC), &gp) || gp < 1 || gp > 7)
        return bki_fail(err, BK_ERR_VALUE, "%s:%d: event %s: bad %s '%s'", ev->name,
                           rec->line, e.id,
                           ev->format == BK_EVENTS_UCDP ? "where_prec (1 to 7)"
                                                        : "geo_precision (1 to 3)",
                           field(rec, ev, C_GEO_PREC));
    if (ev->format == BK_EVENTS_UCDP) {
        /* where_prec 1 exact, 2 within 25 km, 3 second-order admin area, 4+ coarser */
        e.geo_precision = gp == 1 ? 1 : gp == 2 ? 2 : gp == 3 ? 3 : gp;
        const char *end = field(rec, ev, C_DATE_END);
        long d2 = e.day;
        if (*end && !bk_date_parse(end, &d2))
            return bki_fail(err, BK_ERR_VALUE, "%s:%d: event %s: bad date_end '%s'",
                               ev->name, rec->line, e.id, end);
        if (d2 < e.day)
            return bki_fail(err, BK_ERR_VALUE, "%s:%d: event %s: date_end before date_start",
                               ev->name, rec->line, e.id);
        e.day_from = e.day;
        e.day_to = d2;
        e.time_precision = d2 == e.day ? 1 : d2 - e.day <= 7 ? 2 : 3;
        e.inter1 = 0;
        e.inter2 = 0;
    } else {
        if (gp > 3)
            return bki_fail(err, BK_ERR_VALUE, "%s:%d: event %s: bad geo_precision '%d' (1 "
                               "to 3)", ev->name, rec->line, e.id, gp);
        e.geo_precision = gp;
        int tp = 0;
        if (!parse_int(field(rec, ev, C_TIME_PREC), &tp) || tp < 1 || tp > 3)
            return bki_fail(err, BK_ERR_VALUE, "%s:%d: event %s: bad time_precision '%s' (1 "
                               "to 3)", ev->name, rec->line, e.id, field(rec, ev, C_TIME_PREC));
        e.time_precision = tp;
        if (ev->format == BK_EVENTS_PLACED) {
            if (!bk_date_parse(field(rec, ev, C_DATE_FROM), &e.day_from)
                || !bk_date_parse(field(rec, ev, C_DATE_TO), &e.day_to) || e.day_to < e.day_from)
                return bki_fail(err, BK_ERR_VALUE, "%s:%d: event %s: bad date_from/date_to",
                                   ev->name, rec->line, e.id);
        } else if (tp == 1) {
            e.day_from = e.day_to = e.day;
        } else if (tp == 2) {
            e.day_from = e.day - 3;
            e.day_to = e.day + 3;
        } else {
            int y, m, d;
            bki_civil_from_days(e.day, &y, &m, &d);
            e.day_from = bki_days_from_civil((int)y, m, 1);
            e.day_to = bki_days_from_civil((int)y, m, bki_days_in_month(y, m));
        }
        bool numeric = false;
        e.inter1 = actor_type(field(rec, ev, C_INTER1), &numeric);
        e.inter2 = actor_type(field(rec, ev, C_INTER2), &numeric);
        if (e.inter1 < 0 || e.inter2 < 0)
            return bki_fail(err, BK_ERR_VALUE, "%s:%d: event %s: unknown actor type '%s' "
                               "(inter1/inter2: a code 0-8 or a type such as 'Rebel group')",
                               ev->name, rec->line, e.id,
                               e.inter1 < 0 ? field(rec, ev, C_INTER1) : field(rec, ev, C_INTER2));
        if (numeric && ev->format == BK_EVENTS_ACLED)
            ev->format = BK_EVENTS_ACLED_CODES;
    }
    copy_str(e.country, sizeof e.country, field(rec, ev, C_COUNTRY));
    copy_str(e.actor1, sizeof e.actor1, field(rec, ev, C_ACTOR1));
    copy_str(e.actor2, sizeof e.actor2, field(rec, ev, C_ACTOR2));
    copy_str(e.event_type, sizeof e.event_type, field(rec, ev, C_EVENT_TYPE));
    copy_str(e.sub_event_type, sizeof e.sub_event_type, field(rec, ev, C_SUB_TYPE));
    copy_str(e.location, sizeof e.location, field(rec, ev, C_LOCATION));
    const char *fat = field(rec, ev, C_FATALITIES);
    if (*fat && (!parse_int(fat, &e.fatalities) || e.fatalities < 0))
        return bki_fail(err, BK_ERR_VALUE, "%s:%d: event %s: bad fatalities '%s'", ev->name,
                           rec->line, e.id, fat);
    e.notes = field(rec, ev, C_NOTES);
    if (!keep_event(ev, &e))
        return BK_OK;
    ev->kept++;
    return ev->fn(ev->ud, &e, err);
}

/* Read from `path`, or from text[0..len) named `name` when path is NULL. */
static bk_status events_scan(const char *path, const char *text, size_t len, const char *name,
                             const bk_events_filter *filter, bk_event_fn fn, void *ud,
                             bk_events_info *info, bk_error *err)
{
    if (info)
        memset(info, 0, sizeof *info);
    ev_reader ev;
    memset(&ev, 0, sizeof ev);
    ev.name = path ? path : name ? name : "-";
    ev.filter = filter;
    ev.fn = fn;
    ev.ud = ud;
    if (filter && filter->from && !bk_date_parse(filter->from, &ev.from))
        return bki_fail(err, BK_ERR_USAGE, "bad --from date '%s'", filter->from);
    if (filter && filter->to && !bk_date_parse(filter->to, &ev.to))
        return bki_fail(err, BK_ERR_USAGE, "bad --to date '%s'", filter->to);
    unsigned long long max = filter ? filter->max_bytes : 0;
    bk_status st = bki_obs_csv_read(path, text, len, ev.name, max, events_record, &ev, err);
    if (st == BK_OK && ev.n_cols == 0)
        st = bki_fail(err, BK_ERR_SCHEMA, "%s:1: no header", ev.name);
    if (info) {
        info->format = ev.format;
        info->records = ev.records;
        info->kept = ev.kept;
    }
    return st;
}

/* Contract in blockade/calibrate.h. */
bk_status bk_events_scan_file(const char *path, const bk_events_filter *filter, bk_event_fn fn,
                              void *ud, bk_events_info *info, bk_error *err)
{
    return events_scan(path, NULL, 0, path, filter, fn, ud, info, err);
}

/* Keep a copy of each event in the set. */
static bk_status collect_event(void *ud, bk_event *e, bk_error *err)
{
    bk_events *ev = ud;
    if (ev->n >= BK_EVENTS_MAX_KEPT)
        return bki_fail(err, BK_ERR_TOO_LARGE, "%s:%d: more than %d events kept: filter the "
                        "export (--country, --from, --to), or import it with 'blockade events "
                        "import', which keeps none in memory", ev->name, e->line,
                        BK_EVENTS_MAX_KEPT);
    char *notes = bki_strdup(e->notes);
    if (!notes)
        return bki_fail(err, BK_ERR_NOMEM, "%s: out of memory", ev->name);
    if (ev->n == ev->cap) {
        size_t nc = ev->cap ? ev->cap * 2 : 64;
        bk_event *ne = bki_realloc(ev->ev, nc * sizeof *ne);
        if (!ne) {
            bki_free(notes);
            return bki_fail(err, BK_ERR_NOMEM, "%s: out of memory", ev->name);
        }
        ev->ev = ne;
        ev->cap = nc;
    }
    ev->ev[ev->n] = *e;
    ev->ev[ev->n++].notes = notes;
    return BK_OK;
}

static bk_status events_collect(const char *path, const char *text, size_t len, const char *name,
                                const bk_events_filter *filter, bk_events **out, bk_error *err)
{
    *out = NULL;
    if (!name)
        name = "-";
    bk_events *ev = bki_calloc(1, sizeof *ev);
    if (!ev)
        return bki_fail(err, BK_ERR_NOMEM, "%s: out of memory", name);
    ev->name = path ? path : name;
    bk_events_info info;
    bk_status st = events_scan(path, text, len, name, filter, collect_event, ev, &info, err);
    if (st != BK_OK) {
        bk_events_free(ev);
        return st;
    }
    ev->name = NULL;
    ev->format = info.format;
    ev->records = info.records;
    *out = ev;
    return BK_OK;
}

/* Contract in blockade/calibrate.h. */
bk_status bk_events_read_string(const char *text, size_t len, const char *name,
                                const bk_events_filter *filter, bk_events **out, bk_error *err)
{
    return events_collect(NULL, text, len, name, filter, out, err);
}

/* Contract in blockade/calibrate.h. */
bk_status bk_events_read_file(const char *path, const bk_events_filter *filter, bk_events **out,
                              bk_error *err)
{
    return events_collect(path, NULL, 0, path, filter, out, err);
}

bk_events_format bk_events_get_format(const bk_events *ev) { return ev->format; }
size_t bk_events_records(const bk_events *ev) { return ev->records; }
size_t bk_events_count(const bk_events *ev) { return ev->n; }
const bk_event *bk_events_get(const bk_events *ev, size_t i) { return &ev->ev[i]; }

/* Contract in blockade/calibrate.h. */
double bk_events_snap_km(int geo_precision)
{
    return geo_precision == 1 ? 10.0 : geo_precision == 2 ? 50.0 : geo_precision == 3 ? 100.0 : 0.0;
}

/* Distance in km from (lat, lon) to the great-circle-ish segment a-b, on a local equirectangular
 * projection centred on the point (good to a few per cent at these distances). */
static double point_segment_km(double lat, double lon, const bk_place *a, const bk_place *b)
{
    const double R = 6371.0, rad = M_PI / 180.0;
    double c = cos(lat * rad);
    double ax = (a->lon - lon) * rad * c * R, ay = (a->lat - lat) * rad * R;
    double bx = (b->lon - lon) * rad * c * R, by = (b->lat - lat) * rad * R;
    double dx = bx - ax, dy = by - ay;
    double l2 = dx * dx + dy * dy;
    double t = l2 > 0 ? -(ax * dx + ay * dy) / l2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double px = ax + t * dx, py = ay + t * dy;
    return sqrt(px * px + py * py);
}

/* Contract in blockade/calibrate.h. */
void bk_event_place(bk_event *e, const bk_scenario *sc)
{
    {
        e->placed = false;
        e->segment = -1;
        e->segment_name[0] = e->corridor[0] = e->reason[0] = '\0';
        e->distance_km = 0;
        double limit = bk_events_snap_km(e->geo_precision);
        if (limit <= 0) {
            snprintf(e->reason, sizeof e->reason, "location too imprecise to place on a road "
                     "(precision %d: a region or country)", e->geo_precision);
            return;
        }
        int best = -1;
        double bd = INFINITY;
        for (int s = 0; s < sc->n_segments; s++) {
            double d = point_segment_km(e->lat, e->lon, &sc->places[sc->segments[s].from],
                                        &sc->places[sc->segments[s].to]);
            if (d < bd) {
                bd = d;
                best = s;
            }
        }
        if (best < 0) {
            snprintf(e->reason, sizeof e->reason, "the scenario has no road segment");
            return;
        }
        e->distance_km = bd;
        snprintf(e->segment_name, sizeof e->segment_name, "%s-%s",
                 sc->places[sc->segments[best].from].id, sc->places[sc->segments[best].to].id);
        if (bd > limit) {
            snprintf(e->reason, sizeof e->reason, "nearest road segment %.80s is %.0f km away, more "
                     "than %.0f km for geo_precision %d", e->segment_name, bd, limit,
                     e->geo_precision);
            return;
        }
        e->placed = true;
        e->segment = best;
        int c = primary_corridor(sc, best);
        copy_str(e->corridor, sizeof e->corridor, c >= 0 ? sc->corridors[c].id : "");
    }
}

/* Contract in blockade/calibrate.h. */
void bk_events_place(bk_events *ev, const bk_scenario *sc)
{
    for (size_t i = 0; i < ev->n; i++)
        bk_event_place(&ev->ev[i], sc);
}

/* Contract in blockade/calibrate.h. */
size_t bk_events_placed(const bk_events *ev)
{
    size_t n = 0;
    for (size_t i = 0; i < ev->n; i++)
        n += ev->ev[i].placed;
    return n;
}

/* A text field, guarded against formula evaluation like the run's events.csv
 * (bki_fmt_csv_text); libcsv quotes it. */
static void put_text(FILE *out, const char *s, bool comma)
{
    size_t n = strlen(s);
    if (n > 0 && bki_fmt_csv_guarded((const char[]){'\'', s[0]}, 2)) {
        fputs("\"'", out);   /* quoted as csv_fwrite does: inner quotes doubled */
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '"')
                fputc('"', out);
            fputc(s[i], out);
        }
        fputc('"', out);
    } else {
        csv_fwrite(out, s, n);
    }
    if (comma)
        fputc(',', out);
}

/* Contract in blockade/calibrate.h. */
void bk_events_write_csv_header(FILE *out)
{
    fputs("event_id,event_date,date_from,date_to,time_precision,geo_precision,latitude,"
          "longitude,country,actor1,actor2,inter1,inter2,event_type,sub_event_type,location,"
          "fatalities,corridor,segment,distance_km,notes\n", out);
}

/* Contract in blockade/calibrate.h. */
void bk_event_write_csv(const bk_event *e, FILE *out)
{
    char d[11], d1[11], d2[11];
    bk_date_format(e->day, d);
    bk_date_format(e->day_from, d1);
    bk_date_format(e->day_to, d2);
    put_text(out, e->id, true);
    fprintf(out, "%s,%s,%s,%d,%d,%.4f,%.4f,", d, d1, d2, e->time_precision, e->geo_precision,
            e->lat, e->lon);
    put_text(out, e->country, true);
    put_text(out, e->actor1, true);
    put_text(out, e->actor2, true);
    fprintf(out, "%d,%d,", e->inter1, e->inter2);
    put_text(out, e->event_type, true);
    put_text(out, e->sub_event_type, true);
    put_text(out, e->location, true);
    fprintf(out, "%d,", e->fatalities);
    put_text(out, e->corridor, true);
    put_text(out, e->segment_name, true);
    fprintf(out, "%.1f,", e->distance_km);
    put_text(out, e->notes, false);
    fputc('\n', out);
}

/* Contract in blockade/calibrate.h. */
bk_status bk_events_write_csv(const bk_events *ev, FILE *out)
{
    bk_events_write_csv_header(out);
    for (size_t i = 0; i < ev->n; i++)
        if (ev->ev[i].placed)
            bk_event_write_csv(&ev->ev[i], out);
    return ferror(out) ? BK_ERR_IO : BK_OK;
}
