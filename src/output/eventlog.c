/* eventlog.c: the event log as an ACLED-style CSV and as GeoJSON points.
 *
 * Both files share one identifier per log entry ("SIM" and the entry's 1-based position, six
 * digits at least), so a row of events.csv and a feature of events.geojson can be joined. The
 * CSV holds only the entries ACLED would code (attacks, road cuts, campaign declarations); the
 * GeoJSON holds them all. The coding choices are explained in docs/outputs.md.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model/run.h"
#include "output/format.h"

#define NOTE_MAX 1024
#define LABEL_MAX (2 * BK_NAME_MAX + 8)

static const char *const acled_header =
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,"
    "actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,"
    "iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,"
    "source_scale,notes,fatalities,tags,timestamp\n";

/* How one log entry is coded in ACLED's terms. Strings are static or point into the caller's
 * buffers. */
typedef struct acled_coding {
    const char *disorder_type, *event_type, *sub_event_type;
    const char *actor1, *inter1, *actor2, *inter2, *interaction, *civilian_targeting;
} acled_coding;

static const char *kind_name(enum bk_log_kind kind)
{
    switch (kind) {
    case BK_LOG_AMBUSH: return "ambush";
    case BK_LOG_ROAD_CUT: return "road_cut";
    case BK_LOG_CAMPAIGN: return "campaign";
    case BK_LOG_SUPPLY_CUT: return "supply_cut";
    case BK_LOG_POLICY: return "policy";
    case BK_LOG_NOTE: return "note";
    case BK_LOG_AIRFIELD_CLOSED: return "airfield_closed";
    }
    return "unknown";
}

static bool valid_index(int i, int n)
{
    return i >= 0 && i < n;
}

/* The words for the vehicles of an entry's corridor ("tanker", "boat", "aircraft"); true when
 * they travel by road (their crews are drivers). */
static bool entry_words(const struct bk_scenario *sc, const bk_log_entry *e, const char **one,
                        const char **many)
{
    bki_corridor_words(sc, e->corridor, one, many);
    return strcmp(*one, "tanker") == 0 || strcmp(*one, "truck") == 0;
}

/* The place an entry is reported at: its own nearest place, else the nearer end of its segment,
 * else the city (entries that concern the whole country, like a campaign declaration). -1 when
 * the scenario has none of these. */
static int entry_place(const struct bk_scenario *sc, const bk_log_entry *e)
{
    if (valid_index(e->place, sc->n_places))
        return e->place;
    if (valid_index(e->segment, sc->n_segments)) {
        const bk_segment *s = &sc->segments[e->segment];
        return e->frac < 0.5 ? s->from : s->to;
    }
    if (valid_index(sc->city.place, sc->n_places))
        return sc->city.place;
    return -1;
}

/* Position and ACLED geo_precision: a point on a segment is exact (1); an entry tied to a place
 * is at that place (1); an entry placed at the city for want of a position is approximate (3). */
static void entry_position(const struct bk_scenario *sc, const bk_log_entry *e, double *lat,
                           double *lon, int *precision)
{
    *precision = 1;
    if (valid_index(e->segment, sc->n_segments)) {
        *lat = e->lat;
        *lon = e->lon;
        return;
    }
    int p = entry_place(sc, e);
    if (p < 0) {
        *lat = e->lat;
        *lon = e->lon;
        return;
    }
    *lat = sc->places[p].lat;
    *lon = sc->places[p].lon;
    if (!valid_index(e->place, sc->n_places))
        *precision = 3;
}

static const char *place_name(const struct bk_scenario *sc, int p)
{
    return valid_index(p, sc->n_places) ? sc->places[p].name : "";
}

/* "From-To" with place names (for sentences) or ids (for machines); "" without a segment. */
static void segment_label(const struct bk_scenario *sc, int seg, bool ids, char *buf, size_t n)
{
    buf[0] = '\0';
    if (!valid_index(seg, sc->n_segments))
        return;
    const bk_segment *s = &sc->segments[seg];
    if (!valid_index(s->from, sc->n_places) || !valid_index(s->to, sc->n_places))
        return;
    const bk_place *a = &sc->places[s->from], *b = &sc->places[s->to];
    snprintf(buf, n, "%s-%s", ids ? a->id : a->name, ids ? b->id : b->name);
}

/* Appends to a bounded buffer; text beyond the buffer is cut, never overflowed. */
static void append(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t n, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, n - used, fmt, ap);
    va_end(ap);
}

static const char *plural(long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* " on the segment West Town-Capital (west corridor)" or less when unknown. */
static void append_where(const struct bk_scenario *sc, const bk_log_entry *e, char *buf, size_t n)
{
    char seg[LABEL_MAX];
    segment_label(sc, e->segment, false, seg, sizeof seg);
    if (seg[0])
        append(buf, n, " on the segment %s", seg);
    else if (valid_index(e->place, sc->n_places))
        append(buf, n, " near %s", sc->places[e->place].name);
    /* The id, not the name: names may hold parentheses and commas of their own. */
    if (valid_index(e->corridor, sc->n_corridors))
        append(buf, n, " (%s corridor)", sc->corridors[e->corridor].id);
}

/* "13 tankers burned, 3 captured, 5 drivers kidnapped, 1 escort unit lost" for a convoy. */
static void append_losses(const struct bk_scenario *sc, const bk_log_entry *e, char *buf,
                          size_t n)
{
    const char *one, *many;
    bool road = entry_words(sc, e, &one, &many);
    int parts = 0;
    if (e->destroyed > 0 || e->captured > 0) {
        if (e->destroyed > 0 && e->captured > 0)
            append(buf, n, "%d %s burned, %d captured", e->destroyed,
                   plural(e->destroyed, one, many), e->captured);
        else if (e->destroyed > 0)
            append(buf, n, "%d %s burned", e->destroyed, plural(e->destroyed, one, many));
        else
            append(buf, n, "%d %s captured", e->captured, plural(e->captured, one, many));
        parts++;
    }
    if (e->kidnapped > 0) {
        append(buf, n, "%s%d %s kidnapped", parts ? ", " : "", e->kidnapped,
               road ? plural(e->kidnapped, "driver", "drivers")
                    : plural(e->kidnapped, "crew member", "crew members"));
        parts++;
    }
    if (e->escort_lost > 0) {
        append(buf, n, "%s%d escort %s lost", parts ? ", " : "", e->escort_lost,
               plural(e->escort_lost, "unit", "units"));
        parts++;
    }
    if (parts == 0)
        append(buf, n, "no losses");
}

/* A scripted note, when there is one, closes the sentence in parentheses. */
static void append_note_and_stop(const bk_log_entry *e, char *buf, size_t n)
{
    if (e->note && e->note[0])
        append(buf, n, " (%s)", e->note);
    append(buf, n, ".");
}

static void ambush_note(const struct bk_scenario *sc, const bk_log_entry *e, char *buf, size_t n)
{
    const char *load = e->loaded ? "" : "empty ";
    const char *one, *many;
    bool road = entry_words(sc, e, &one, &many);
    if (e->lone) {
        append(buf, n, "Simulated attack on a lone %s%s", e->loaded ? "loaded " : "empty ", one);
        append_where(sc, e, buf, n);
        if (!e->success) {
            append(buf, n, ": the %s got away", one);
        } else if (e->convoy_size > 1) { /* the road was held (armed_group.ambush.hold_hours) */
            append(buf, n, ": road held, %d %s stopped: ", e->convoy_size, many);
            append_losses(sc, e, buf, n);
            if (e->turned_back > 0)
                append(buf, n, ", %d turned back", e->turned_back);
        } else if (e->destroyed > 0)
            append(buf, n, ": %s burned", one);
        else if (e->captured > 0)
            append(buf, n, ": %s captured", one);
        else if (e->turned_back > 0)
            append(buf, n, ": %s turned back", one);
        else
            append(buf, n, ": no losses");
        if (e->kidnapped > 0 && e->convoy_size <= 1)
            append(buf, n, road ? ", driver kidnapped" : ", crew member kidnapped");
    } else {
        if (e->escort_units > 0)
            append(buf, n, "Simulated ambush on a convoy of %d %s%s with %d escort %s",
                   e->convoy_size, load, plural(e->convoy_size, one, many),
                   e->escort_units, plural(e->escort_units, "unit", "units"));
        else
            append(buf, n, "Simulated attack on an unescorted convoy of %d %s%s", e->convoy_size,
                   load, plural(e->convoy_size, one, many));
        append_where(sc, e, buf, n);
        append(buf, n, ": ");
        if (!e->success) {
            append(buf, n, "attack repelled");
            if (e->escort_lost > 0)
                append(buf, n, ", %d escort %s lost", e->escort_lost,
                       plural(e->escort_lost, "unit", "units"));
        } else {
            append_losses(sc, e, buf, n);
        }
    }
    append_note_and_stop(e, buf, n);
}

/* The plain sentence in the notes column and property. Never empty. */
static void entry_note(const struct bk_scenario *sc, const bk_log_entry *e, char *buf, size_t n)
{
    buf[0] = '\0';
    const char *group = sc->group.name[0] ? sc->group.name : "the armed group";
    switch (e->kind) {
    case BK_LOG_AMBUSH:
        ambush_note(sc, e, buf, n);
        return;
    case BK_LOG_ROAD_CUT: {
        if (valid_index(e->cell, sc->group.n_cells))
            append(buf, n, "Simulated road cut by cell %s", sc->group.cells[e->cell].id);
        else
            append(buf, n, "Scripted road cut");
        append_where(sc, e, buf, n);
        long hours = isfinite(e->value) ? lround(e->value) : 0;
        append(buf, n, ": road closed for %ld %s", hours, plural(hours, "hour", "hours"));
        break;
    }
    case BK_LOG_AIRFIELD_CLOSED: {
        const char *where = valid_index(e->place, sc->n_places) ? sc->places[e->place].name
                                                                : "an airfield";
        long hours = isfinite(e->value) ? lround(e->value) : 0;
        if (valid_index(e->cell, sc->group.n_cells))
            append(buf, n, "Simulated attack on the airfield at %s by cell %s", where,
                   sc->group.cells[e->cell].id);
        else
            append(buf, n, "Scripted closure of the airfield at %s", where);
        append(buf, n, ": closed for %ld %s", hours, plural(hours, "hour", "hours"));
        break;
    }
    case BK_LOG_CAMPAIGN:
        append(buf, n, "Blockade campaign %s by %s", e->value > 0.5 ? "declared" : "paused", group);
        break;
    case BK_LOG_SUPPLY_CUT: {
        char pct[BK_FMT_NUM];
        bki_fmt_number(pct, isfinite(e->value) ? round(e->value * 1000.0) / 10.0 : 0.0);
        const char *port = "a port";
        if (valid_index(e->port, sc->n_ports)) {
            int p = sc->ports[e->port].place;
            port = valid_index(p, sc->n_places) ? sc->places[p].name : sc->ports[e->port].id;
        }
        append(buf, n, "Supply cut at %s: loading at %s%% of its normal rate", port, pct);
        break;
    }
    case BK_LOG_POLICY:
        append(buf, n, "Policy change");
        break;
    case BK_LOG_NOTE:
        if (e->note && e->note[0]) {
            append(buf, n, "%s", e->note);
            return;
        }
        append(buf, n, "Note");
        break;
    }
    append_note_and_stop(e, buf, n);
}

/* ACLED's three levels of classification of an event. */
static void set_type(acled_coding *k, const char *disorder, const char *event, const char *sub)
{
    k->disorder_type = disorder;
    k->event_type = event;
    k->sub_event_type = sub;
}

/* ACLED coding of an entry; false for entries ACLED would not record (supply cuts, policy
 * changes, notes). actor2 is written into the caller's buffer when needed. */
static bool acled_code(const struct bk_scenario *sc, const bk_log_entry *e, acled_coding *k,
                       char *actor1, char *actor2, size_t n)
{
    memset(k, 0, sizeof *k);
    const char *country = sc->country[0] ? sc->country : "Unknown";
    if (sc->group.name[0])
        snprintf(actor1, n, "%s", sc->group.name);
    else
        snprintf(actor1, n, "Unidentified Armed Group (%s)", country);
    k->actor1 = actor1;
    k->inter1 = "Rebel group";
    k->actor2 = "";
    k->inter2 = "";
    k->civilian_targeting = "";
    switch (e->kind) {
    case BK_LOG_AMBUSH:
        if (!e->lone && e->escort_units > 0) {
            snprintf(actor2, n, "Military Forces of %s", country);
            set_type(k, "Political violence", "Battles", "Armed clash");
            k->actor2 = actor2;
            k->inter2 = "State forces";
            k->interaction = "State forces-Rebel group";
            return true;
        }
        snprintf(actor2, n, "Civilians (%s)", country);
        k->actor2 = actor2;
        k->inter2 = "Civilians";
        k->interaction = "Rebel group-Civilians";
        if (e->kidnapped > 0) {
            set_type(k, "Political violence", "Violence against civilians",
                     "Abduction/forced disappearance");
            k->civilian_targeting = "Civilians targeted";
        } else {
            set_type(k, "Strategic developments", "Strategic developments",
                     e->destroyed + e->captured > 0 ? "Looting/property destruction" : "Other");
        }
        return true;
    case BK_LOG_AIRFIELD_CLOSED:
        if (!valid_index(e->cell, sc->group.n_cells))
            return false;   /* a scripted closure is a decision, not an event of the group */
        set_type(k, "Political violence", "Explosions/Remote violence",
                 "Shelling/artillery/missile attack");
        k->interaction = "Rebel group only";
        return true;
    case BK_LOG_ROAD_CUT:
    case BK_LOG_CAMPAIGN:
        set_type(k, "Strategic developments", "Strategic developments", "Other");
        k->interaction = "Rebel group only";
        return true;
    case BK_LOG_SUPPLY_CUT:
    case BK_LOG_POLICY:
    case BK_LOG_NOTE:
        break;
    }
    return false;
}

static void csv_int(FILE *out, long v)
{
    fprintf(out, ",%ld", v);
}

static void csv_str(FILE *out, const char *s)
{
    fputc(',', out);
    bki_fmt_csv_text(out, s);
}

/* ACLED leaves `iso` to the country of the event; the scenario knows the code of its own
 * country only, so events located in another country get an empty iso. */
static const char *entry_country(const struct bk_scenario *sc, int p, const char **iso)
{
    const char *country = sc->country;
    *iso = sc->iso;
    if (p >= 0 && sc->places[p].country[0]) {
        country = sc->places[p].country;
        if (strcmp(country, sc->country) != 0)
            *iso = "";
    }
    return country;
}

static void write_acled_row(FILE *out, const struct bk_scenario *sc, const bk_log_entry *e,
                            int index, const acled_coding *k)
{
    char date[11], note[NOTE_MAX], lat_s[BK_FMT_NUM], lon_s[BK_FMT_NUM];
    bki_run_date(sc, e->time_h, date);
    long days = bki_days_from_civil(sc->start_year, sc->start_month, sc->start_day) +
                (isfinite(e->time_h) ? (long)floor(e->time_h / 24.0) : 0);
    int p = entry_place(sc, e);
    double lat, lon;
    int precision;
    entry_position(sc, e, &lat, &lon, &precision);
    bki_fmt_fixed(lat_s, lat, 4);
    bki_fmt_fixed(lon_s, lon, 4);
    entry_note(sc, e, note, sizeof note);
    const char *iso;
    const char *country = entry_country(sc, p, &iso);

    fprintf(out, "SIM%06d,%s,%.4s,1", index + 1, date, date);
    csv_str(out, k->disorder_type);
    csv_str(out, k->event_type);
    csv_str(out, k->sub_event_type);
    csv_str(out, k->actor1);
    csv_str(out, "");
    csv_str(out, k->inter1);
    csv_str(out, k->actor2);
    csv_str(out, "");
    csv_str(out, k->inter2);
    csv_str(out, k->interaction);
    csv_str(out, k->civilian_targeting);
    csv_str(out, iso);
    csv_str(out, sc->region);
    csv_str(out, country);
    csv_str(out, p >= 0 ? sc->places[p].admin1 : "");
    csv_str(out, ""); /* admin2 and admin3: not in the scenario */
    csv_str(out, "");
    csv_str(out, place_name(sc, p));
    fprintf(out, ",%s,%s", lat_s, lon_s);   /* numbers: never guarded */
    csv_int(out, precision);
    csv_str(out, "blockade simulation");
    csv_str(out, "Other");
    csv_str(out, note);
    csv_int(out, 0); /* fatalities: deaths are not modelled */
    csv_str(out, "");
    fprintf(out, ",%ld\n", days * 86400L);
}

/* One header line, then one row per attack, road cut and campaign change, in log order. */
bk_status bk_run_write_events_csv(const bk_run *run, FILE *out)
{
    if (run == NULL || out == NULL || run->sc == NULL || (run->n_log > 0 && run->log == NULL))
        return BK_ERR_USAGE;
    const struct bk_scenario *sc = run->sc;
    fputs(acled_header, out);
    for (int i = 0; i < run->n_log && !ferror(out); i++) {
        acled_coding k;
        char actor1[2 * BK_NAME_MAX], actor2[2 * BK_NAME_MAX];
        if (acled_code(sc, &run->log[i], &k, actor1, actor2, sizeof actor1))
            write_acled_row(out, sc, &run->log[i], i, &k);
    }
    return bki_fmt_finish(out);
}

static void json_key(FILE *out, const char *key)
{
    fprintf(out, ",\"%s\":", key);
}

static void json_int_or_null(FILE *out, const char *key, bool present, long v)
{
    json_key(out, key);
    if (present)
        fprintf(out, "%ld", v);
    else
        fputs("null", out);
}

static void json_name_or_null(FILE *out, const char *key, const char *s)
{
    json_key(out, key);
    if (s && s[0])
        bki_fmt_json_string(out, s);
    else
        fputs("null", out);
}

static void write_feature(FILE *out, const struct bk_scenario *sc, const bk_log_entry *e,
                          int index)
{
    char date[11], note[NOTE_MAX], seg[LABEL_MAX], id[32];
    char lat_s[BK_FMT_NUM], lon_s[BK_FMT_NUM];
    double lat, lon;
    int precision;
    entry_position(sc, e, &lat, &lon, &precision);
    bki_run_date(sc, e->time_h, date);
    entry_note(sc, e, note, sizeof note);
    segment_label(sc, e->segment, true, seg, sizeof seg);
    snprintf(id, sizeof id, "SIM%06d", index + 1);
    bool ambush = e->kind == BK_LOG_AMBUSH;

    fputs("{\"type\":\"Feature\",\"geometry\":", out);
    if (bki_fmt_fixed(lat_s, lat, 4) && bki_fmt_fixed(lon_s, lon, 4))
        fprintf(out, "{\"type\":\"Point\",\"coordinates\":[%s,%s]}", lon_s, lat_s);
    else
        fputs("null", out);
    fputs(",\"properties\":{\"id\":", out);
    bki_fmt_json_string(out, id);
    json_key(out, "date");
    bki_fmt_json_string(out, date);
    json_key(out, "time_h");
    bki_fmt_json_number(out, e->time_h);
    json_key(out, "kind");
    bki_fmt_json_string(out, kind_name(e->kind));
    json_name_or_null(out, "corridor",
                      valid_index(e->corridor, sc->n_corridors) ? sc->corridors[e->corridor].id
                                                                : NULL);
    json_name_or_null(out, "cell",
                      valid_index(e->cell, sc->group.n_cells) ? sc->group.cells[e->cell].id
                                                              : NULL);
    json_name_or_null(out, "segment", seg);
    json_name_or_null(out, "location", place_name(sc, entry_place(sc, e)));
    json_key(out, "lone");
    fputs(ambush ? (e->lone ? "true" : "false") : "null", out);
    json_key(out, "loaded");
    fputs(ambush ? (e->loaded ? "true" : "false") : "null", out);
    json_int_or_null(out, "convoy_size", ambush, e->convoy_size);
    json_int_or_null(out, "escort_units", ambush, e->escort_units);
    json_key(out, "success");
    fputs(ambush ? (e->success ? "true" : "false") : "null", out);
    json_int_or_null(out, "destroyed", ambush, e->destroyed);
    json_int_or_null(out, "captured", ambush, e->captured);
    json_int_or_null(out, "kidnapped", ambush, e->kidnapped);
    json_int_or_null(out, "escort_lost", ambush, e->escort_lost);
    json_int_or_null(out, "turned_back", ambush, e->turned_back);
    json_key(out, "fighters");
    if (ambush)
        bki_fmt_json_number(out, e->fighters);
    else
        fputs("null", out);
    json_key(out, "fighters_lost");
    if (ambush)
        bki_fmt_json_number(out, e->fighters_lost);
    else
        fputs("null", out);
    json_key(out, "value");
    if (e->kind == BK_LOG_CAMPAIGN || e->kind == BK_LOG_ROAD_CUT ||
        e->kind == BK_LOG_SUPPLY_CUT || e->kind == BK_LOG_AIRFIELD_CLOSED)
        bki_fmt_json_number(out, e->value);
    else
        fputs("null", out);
    json_key(out, "notes");
    bki_fmt_json_string(out, note);
    fputs("}}", out);
}

/* A FeatureCollection with one Point feature per log entry, one feature per line. */
bk_status bk_run_write_events_geojson(const bk_run *run, FILE *out)
{
    if (run == NULL || out == NULL || run->sc == NULL || (run->n_log > 0 && run->log == NULL))
        return BK_ERR_USAGE;
    fputs("{\"type\":\"FeatureCollection\",\"features\":[", out);
    for (int i = 0; i < run->n_log && !ferror(out); i++) {
        fputs(i > 0 ? ",\n" : "\n", out);
        write_feature(out, run->sc, &run->log[i], i);
    }
    fputs("\n]}\n", out);
    return bki_fmt_finish(out);
}
