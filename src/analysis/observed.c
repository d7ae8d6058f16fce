/* observed.c: observed events (ACLED and UCDP GED exports read with libcsv), observed
 * aggregates, their placement on the scenario's roads, and the observation model that reduces
 * a run and the observations to the same summary statistics (docs/calibration.md).
 */
#include "engine/alloc.h"
#include "analysis/observed.h"
#include "engine/status_internal.h"

#include "analysis/ens.h"

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

/* ---- small helpers ------------------------------------------------------------------------ */


static void copy_str(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

static bool ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

/* Case-insensitive substring (ASCII folding; UTF-8 bytes compare exactly). */
static bool icontains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return true;
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i]
               && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* ---- dates (the calendar itself: engine/date.h) ------------------------------------------- */

static const char *const month_names[12] = {"january", "february", "march",     "april",
                                            "may",     "june",     "july",      "august",
                                            "september", "october", "november", "december"};

static bool valid_date(long y, int m, int d)
{
    return y >= 1900 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= bk_days_in_month((int)y, m);
}

/* Contract in blockade/calibrate.h. */
bool bk_date_parse(const char *text, long *day)
{
    if (!text)
        return false;
    while (*text == ' ')
        text++;
    const char *s = text;
    if (isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2])
        && isdigit((unsigned char)s[3]) && s[4] == '-') {
        char *end;
        long y = strtol(s, &end, 10);
        if (*end != '-' || !isdigit((unsigned char)end[1]))
            return false;
        long m = strtol(end + 1, &end, 10);
        if (*end != '-' || !isdigit((unsigned char)end[1]))
            return false;
        long d = strtol(end + 1, &end, 10);
        /* a time of day may follow ("2025-09-14 00:00:00.000", "2025-09-14T..") */
        if (*end != '\0' && *end != ' ' && *end != 'T')
            return false;
        if (m < 1 || m > 12 || !valid_date(y, (int)m, (int)d))
            return false;
        *day = bk_days_from_civil((int)y, (int)m, (int)d);
        return true;
    }
    /* "14 September 2025", "14-Sep-2025", "14 sept. 2025" */
    char *end;
    if (!isdigit((unsigned char)s[0]))
        return false;
    long d = strtol(s, &end, 10);
    if (*end != ' ' && *end != '-')
        return false;
    s = end + 1;
    char word[16];
    size_t n = 0;
    while (isalpha((unsigned char)*s) && n < sizeof word - 1)
        word[n++] = (char)tolower((unsigned char)*s++);
    word[n] = '\0';
    if (*s == '.')
        s++;
    if (n < 3 || (*s != ' ' && *s != '-'))
        return false;
    int m = 0;
    for (int i = 0; i < 12; i++)
        if (strncmp(month_names[i], word, n) == 0 && (n == 3 || n == 4 || n == strlen(month_names[i]))) {
            m = i + 1;
            break;
        }
    if (m == 0)
        return false;
    long y = strtol(s + 1, &end, 10);
    while (*end == ' ')
        end++;
    if (end == s + 1 || *end != '\0' || !valid_date(y, m, (int)d))
        return false;
    *day = bk_days_from_civil((int)y, m, (int)d);
    return true;
}

/* Contract in blockade/calibrate.h. */
void bk_date_format(long day, char buf[11])
{
    int y, m, d;
    bk_civil_from_days(day, &y, &m, &d);
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, d);
    memcpy(buf, tmp, 10);
    buf[10] = '\0';
}

/* Contract in observed.h. */
long bk_cal_start_day(const bk_scenario *sc)
{
    return bk_days_from_civil((int)sc->start_year, sc->start_month, sc->start_day);
}

/* ---- files and CSV ------------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    size_t k = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
    if (k == 0 || k > n || (s[0] >= 0xF5))
        return 0;
    for (size_t i = 1; i < k; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return k;
}

typedef struct csv_state {
    const char *name;
    char **fields;
    size_t n, cap;
    int line, rec_line;
    bool in_record;
    bk_csv_record_fn fn;
    void *ud;
    bk_status status;
    bk_error *err;
} csv_state;

static void csv_on_field(void *s, size_t len, void *data)
{
    csv_state *st = data;
    if (st->status != BK_OK)
        return;
    if (!st->in_record) {
        st->in_record = true;
        st->rec_line = st->line;
    }
    if (st->n == st->cap) {
        size_t nc = st->cap ? st->cap * 2 : 64;
        char **nf = bk_realloc(st->fields, nc * sizeof *nf);
        if (!nf) {
            st->status = bk_fail(st->err, BK_ERR_NOMEM, "%s: out of memory", st->name);
            return;
        }
        st->fields = nf;
        st->cap = nc;
    }
    char *f = bk_malloc(len + 1);
    if (!f) {
        st->status = bk_fail(st->err, BK_ERR_NOMEM, "%s: out of memory", st->name);
        return;
    }
    if (bk_fmt_csv_guarded(s, len)) {   /* "'=..." written by the tool: the text is "=..." */
        s = (char *)s + 1;
        len--;
    }
    if (len)
        memcpy(f, s, len);
    f[len] = '\0';
    st->fields[st->n++] = f;
}

static void csv_clear_fields(csv_state *st)
{
    for (size_t i = 0; i < st->n; i++)
        bk_free(st->fields[i]);
    st->n = 0;
    st->in_record = false;
}

static void csv_on_record(int c, void *data)
{
    (void)c;
    csv_state *st = data;
    if (st->status == BK_OK && st->n > 0) {
        bk_csv_record rec = {st->fields, st->n, st->rec_line};
        st->status = st->fn(st->ud, &rec, st->err);
    }
    csv_clear_fields(st);
}

/* Contract in observed.h. */
bk_status bk_csv_parse(const char *text, size_t len, const char *name, unsigned long long max_bytes,
                       bk_csv_record_fn fn, void *ud, bk_error *err)
{
    if ((unsigned long long)len > max_bytes)
        return bk_fail(err, BK_ERR_TOO_LARGE, "%s: larger than the limit of %llu bytes",
                           name, max_bytes);
    const unsigned char *p = (const unsigned char *)text;
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        p += 3;
        len -= 3;
    }
    /* Binary garbage and bad encodings are refused before parsing, with the line. */
    int line = 1;
    for (size_t i = 0; i < len;) {
        if (p[i] == '\0')
            return bk_fail(err, BK_ERR_SYNTAX, "%s:%d: binary data (a NUL byte): not a CSV "
                               "text file", name, line);
        size_t k = utf8_len(p + i, len - i);
        if (k == 0)
            return bk_fail(err, BK_ERR_SYNTAX, "%s:%d: invalid UTF-8 (byte 0x%02x): save "
                               "the file as UTF-8", name, line, p[i]);
        if (p[i] == '\n')
            line++;
        i += k;
    }
    if (len == 0)
        return bk_fail(err, BK_ERR_SCHEMA, "%s:1: empty file: expected a CSV header", name);
    struct csv_parser cp;
    if (csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return bk_fail(err, BK_ERR_NOMEM, "%s: out of memory", name);
    csv_set_realloc_func(&cp, bk_realloc);   /* libcsv's buffer through the library's hook */
    csv_set_free_func(&cp, bk_free);
    csv_state st = {.name = name, .line = 1, .fn = fn, .ud = ud, .status = BK_OK, .err = err};
    /* Feed one physical line at a time so that callbacks know the line number. */
    size_t i = 0;
    while (i < len && st.status == BK_OK) {
        const unsigned char *nl = memchr(p + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (p + i)) + 1 : len - i;
        if (csv_parse(&cp, p + i, n, csv_on_field, csv_on_record, &st) != n) {
            if (st.status == BK_OK && csv_error(&cp) == CSV_ENOMEM)
                st.status = bk_fail(err, BK_ERR_NOMEM, "%s: out of memory", name);
            else if (st.status == BK_OK)
                st.status = bk_fail(err, BK_ERR_SYNTAX, "%s:%d: malformed CSV (%s): a quote "
                                        "inside an unquoted field, or text after a closing quote",
                                        name, st.line, csv_strerror(csv_error(&cp)));
            break;
        }
        i += n;
        if (nl)
            st.line++;
    }
    if (st.status == BK_OK && csv_fini(&cp, csv_on_field, csv_on_record, &st) != 0
        && st.status == BK_OK)
        st.status = bk_fail(err, BK_ERR_SYNTAX, "%s:%d: malformed CSV: a quoted field is "
                                "not closed before the end of the file", name, st.rec_line);
    csv_clear_fields(&st);
    bk_free(st.fields);
    csv_free(&cp);
    return st.status;
}

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
    /* reading state */
    const char *name;
    const bk_events_filter *filter;
    long from, to;
    int col[C_N];          /* column index, -1 if absent */
    size_t n_cols;
};

/* Contract in blockade/calibrate.h. */
void bk_events_free(bk_events *ev)
{
    if (!ev)
        return;
    for (size_t i = 0; i < ev->n; i++)
    {
        char *own; /* the set owns the notes it handed out as const */
        memcpy(&own, &ev->ev[i].notes, sizeof own);
        bk_free(own);
    }
    bk_free(ev->ev);
    bk_free(ev);
}

static int find_col(const bk_csv_record *rec, const char *name)
{
    for (size_t i = 0; i < rec->n; i++) {
        char tmp[128];
        copy_str(tmp, sizeof tmp, rec->fields[i]);
        if (ieq(trim(tmp), name))
            return (int)i;
    }
    return -1;
}

static bk_status events_header(bk_events *ev, const bk_csv_record *rec, bk_error *err)
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
        return bk_fail(err, BK_ERR_SCHEMA, "%s:%d: unknown header: expected an ACLED export "
                           "(event_id_cnty, event_date, ...), a UCDP GED file (id, date_start, "
                           "where_prec, ...) or the output of 'blockade events import'",
                           ev->name, rec->line);
    }
    for (int i = 0; req[i]; i++)
        if (find_col(rec, req[i]) < 0)
            return bk_fail(err, BK_ERR_SCHEMA, "%s:%d: missing column '%s' (%s format)",
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

static const char *field(const bk_csv_record *rec, const bk_events *ev, int c)
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

static bool parse_double(const char *s, double *v)
{
    char tmp[64];
    copy_str(tmp, sizeof tmp, s);
    char *t = trim(tmp);
    if (*t == '\0')
        return false;
    char *end;
    errno = 0;
    *v = strtod(t, &end);
    return *end == '\0' && errno == 0 && isfinite(*v);
}

static bool parse_int(const char *s, int *v)
{
    double d;
    if (!parse_double(s, &d) || d != floor(d) || fabs(d) > 1e9)
        return false;
    *v = (int)d;
    return true;
}

static bool keep_event(const bk_events *ev, const bk_event *e)
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
    bk_events *ev = ud;
    if (ev->records == 0 && ev->n_cols == 0)
        return events_header(ev, rec, err);
    if (rec->n == 1 && rec->fields[0][0] == '\0')
        return BK_OK; /* a blank line */
    if (rec->n != ev->n_cols)
        return bk_fail(err, BK_ERR_SCHEMA, "%s:%d: %zu fields where the header has %zu",
                           ev->name, rec->line, rec->n, ev->n_cols);
    ev->records++;
    bk_event e;
    memset(&e, 0, sizeof e);
    e.line = rec->line;
    e.segment = -1;
    copy_str(e.id, sizeof e.id, field(rec, ev, C_ID));
    const char *date = field(rec, ev, C_DATE);
    if (!bk_date_parse(date, &e.day))
        return bk_fail(err, BK_ERR_VALUE, "%s:%d: event %s: bad date '%s' (expected "
                           "2025-09-14 or 14 September 2025)", ev->name, rec->line, e.id, date);
    if (!parse_double(field(rec, ev, C_LAT), &e.lat) || e.lat < -90 || e.lat > 90)
        return bk_fail(err, BK_ERR_VALUE, "%s:%d: event %s: bad latitude '%s' (degrees, "
                           "-90 to 90)", ev->name, rec->line, e.id, field(rec, ev, C_LAT));
    if (!parse_double(field(rec, ev, C_LON), &e.lon) || e.lon < -180 || e.lon > 180)
        return bk_fail(err, BK_ERR_VALUE, "%s:%d: event %s: bad longitude '%s' (degrees, "
                           "-180 to 180)", ev->name, rec->line, e.id, field(rec, ev, C_LON));
    int gp = 0;
    if (!parse_int(field(rec, ev, C_GEO_PREC), &gp) || gp < 1 || gp > 7)
        return bk_fail(err, BK_ERR_VALUE, "%s:%d: event %s: bad %s '%s'", ev->name,
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
            return bk_fail(err, BK_ERR_VALUE, "%s:%d: event %s: bad date_end '%s'",
                               ev->name, rec->line, e.id, end);
        if (d2 < e.day)
            return bk_fail(err, BK_ERR_VALUE, "%s:%d: event %s: date_end before date_start",
                               ev->name, rec->line, e.id);
        e.day_from = e.day;
        e.day_to = d2;
        e.time_precision = d2 == e.day ? 1 : d2 - e.day <= 7 ? 2 : 3;
        e.inter1 = 0;
        e.inter2 = 0;
    } else {
        if (gp > 3)
            return bk_fail(err, BK_ERR_VALUE, "%s:%d: event %s: bad geo_precision '%d' (1 "
                               "to 3)", ev->name, rec->line, e.id, gp);
        e.geo_precision = gp;
        int tp = 0;
        if (!parse_int(field(rec, ev, C_TIME_PREC), &tp) || tp < 1 || tp > 3)
            return bk_fail(err, BK_ERR_VALUE, "%s:%d: event %s: bad time_precision '%s' (1 "
                               "to 3)", ev->name, rec->line, e.id, field(rec, ev, C_TIME_PREC));
        e.time_precision = tp;
        if (ev->format == BK_EVENTS_PLACED) {
            if (!bk_date_parse(field(rec, ev, C_DATE_FROM), &e.day_from)
                || !bk_date_parse(field(rec, ev, C_DATE_TO), &e.day_to) || e.day_to < e.day_from)
                return bk_fail(err, BK_ERR_VALUE, "%s:%d: event %s: bad date_from/date_to",
                                   ev->name, rec->line, e.id);
        } else if (tp == 1) {
            e.day_from = e.day_to = e.day;
        } else if (tp == 2) {
            e.day_from = e.day - 3;
            e.day_to = e.day + 3;
        } else {
            int y, m, d;
            bk_civil_from_days(e.day, &y, &m, &d);
            e.day_from = bk_days_from_civil((int)y, m, 1);
            e.day_to = bk_days_from_civil((int)y, m, bk_days_in_month(y, m));
        }
        bool numeric = false;
        e.inter1 = actor_type(field(rec, ev, C_INTER1), &numeric);
        e.inter2 = actor_type(field(rec, ev, C_INTER2), &numeric);
        if (e.inter1 < 0 || e.inter2 < 0)
            return bk_fail(err, BK_ERR_VALUE, "%s:%d: event %s: unknown actor type '%s' "
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
        return bk_fail(err, BK_ERR_VALUE, "%s:%d: event %s: bad fatalities '%s'", ev->name,
                           rec->line, e.id, fat);
    e.notes = field(rec, ev, C_NOTES);
    if (!keep_event(ev, &e))
        return BK_OK;
    char *notes = bk_strdup(e.notes);
    if (!notes)
        return bk_fail(err, BK_ERR_NOMEM, "%s: out of memory", ev->name);
    e.notes = notes;
    if (ev->n == ev->cap) {
        size_t nc = ev->cap ? ev->cap * 2 : 64;
        bk_event *ne = bk_realloc(ev->ev, nc * sizeof *ne);
        if (!ne) {
            bk_free(notes);
            return bk_fail(err, BK_ERR_NOMEM, "%s: out of memory", ev->name);
        }
        ev->ev = ne;
        ev->cap = nc;
    }
    ev->ev[ev->n++] = e;
    return BK_OK;
}

/* Contract in blockade/calibrate.h. */
bk_status bk_events_read_string(const char *text, size_t len, const char *name,
                                const bk_events_filter *filter, bk_events **out, bk_error *err)
{
    *out = NULL;
    if (!name)
        name = "-";
    bk_events *ev = bk_calloc(1, sizeof *ev);
    if (!ev)
        return bk_fail(err, BK_ERR_NOMEM, "%s: out of memory", name);
    ev->name = name;
    ev->filter = filter;
    if (filter && filter->from && !bk_date_parse(filter->from, &ev->from)) {
        bk_events_free(ev);
        return bk_fail(err, BK_ERR_USAGE, "bad --from date '%s'", filter->from);
    }
    if (filter && filter->to && !bk_date_parse(filter->to, &ev->to)) {
        bk_events_free(ev);
        return bk_fail(err, BK_ERR_USAGE, "bad --to date '%s'", filter->to);
    }
    unsigned long long max = filter && filter->max_bytes ? filter->max_bytes : BK_EVENTS_MAX_BYTES;
    bk_status st = bk_csv_parse(text, len, name, max, events_record, ev, err);
    if (st == BK_OK && ev->n_cols == 0)
        st = bk_fail(err, BK_ERR_SCHEMA, "%s:1: no header", name);
    if (st != BK_OK) {
        bk_events_free(ev);
        return st;
    }
    ev->name = NULL;
    ev->filter = NULL;
    *out = ev;
    return BK_OK;
}

/* Contract in blockade/calibrate.h. */
bk_status bk_events_read_file(const char *path, const bk_events_filter *filter, bk_events **out,
                              bk_error *err)
{
    *out = NULL;
    char *text;
    size_t len;
    unsigned long long max = filter && filter->max_bytes ? filter->max_bytes : BK_EVENTS_MAX_BYTES;
    bk_status st = bk_read_whole_file(path, max, &text, &len, err);
    if (st != BK_OK)
        return st;
    st = bk_events_read_string(text, len, path, filter, out, err);
    bk_free(text);
    return st;
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

/* First corridor (scenario order) whose path uses segment s; -1 if none. */
static int primary_corridor(const bk_scenario *sc, int s)
{
    for (int c = 0; c < sc->n_corridors; c++)
        for (int k = 0; k + 1 < sc->corridors[c].path_len; k++)
            if (sc->corridors[c].path_seg[k] == s)
                return c;
    return -1;
}

/* Contract in blockade/calibrate.h. */
void bk_events_place(bk_events *ev, const bk_scenario *sc)
{
    for (size_t i = 0; i < ev->n; i++) {
        bk_event *e = &ev->ev[i];
        e->placed = false;
        e->segment = -1;
        e->segment_name[0] = e->corridor[0] = e->reason[0] = '\0';
        e->distance_km = 0;
        double limit = bk_events_snap_km(e->geo_precision);
        if (limit <= 0) {
            snprintf(e->reason, sizeof e->reason, "location too imprecise to place on a road "
                     "(precision %d: a region or country)", e->geo_precision);
            continue;
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
            continue;
        }
        e->distance_km = bd;
        snprintf(e->segment_name, sizeof e->segment_name, "%s-%s",
                 sc->places[sc->segments[best].from].id, sc->places[sc->segments[best].to].id);
        if (bd > limit) {
            snprintf(e->reason, sizeof e->reason, "nearest road segment %.80s is %.0f km away, more "
                     "than %.0f km for geo_precision %d", e->segment_name, bd, limit,
                     e->geo_precision);
            continue;
        }
        e->placed = true;
        e->segment = best;
        int c = primary_corridor(sc, best);
        copy_str(e->corridor, sizeof e->corridor, c >= 0 ? sc->corridors[c].id : "");
    }
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
 * (bk_fmt_csv_text); libcsv quotes it. */
static void put_text(FILE *out, const char *s, bool comma)
{
    size_t n = strlen(s);
    if (n > 0 && bk_fmt_csv_guarded((const char[]){'\'', s[0]}, 2)) {
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
bk_status bk_events_write_csv(const bk_events *ev, FILE *out)
{
    fputs("event_id,event_date,date_from,date_to,time_precision,geo_precision,latitude,"
          "longitude,country,actor1,actor2,inter1,inter2,event_type,sub_event_type,location,"
          "fatalities,corridor,segment,distance_km,notes\n", out);
    for (size_t i = 0; i < ev->n; i++) {
        const bk_event *e = &ev->ev[i];
        if (!e->placed)
            continue;
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
    return ferror(out) ? BK_ERR_IO : BK_OK;
}

/* ---- aggregates ---------------------------------------------------------------------------- */

struct bk_aggregates {
    bk_aggregate *a;
    size_t n, cap;
    const char *name;
    int col[10];
    size_t n_cols;
    bool header;
};

static const char *const agg_quantities[] = {"fuel_imports_registered", "escorted_convoys",
                                             "tankers_destroyed", "fuel_convoy_attacks", NULL};

static bk_status agg_record(void *ud, const bk_csv_record *rec, bk_error *err)
{
    bk_aggregates *ag = ud;
    static const char *const cols[10] = {"quantity", "period_start", "period_end", "place",
                                         "value_low", "value_best", "value_high", "unit",
                                         "source", "note"};
    if (!ag->header) {
        ag->header = true;
        ag->n_cols = rec->n;
        for (int c = 0; c < 10; c++) {
            ag->col[c] = find_col(rec, cols[c]);
            if (ag->col[c] < 0 && c < 8)
                return bk_fail(err, BK_ERR_SCHEMA, "%s:%d: missing column '%s' (an aggregates "
                                   "file has quantity, period_start, period_end, place, value_low, "
                                   "value_best, value_high, unit, source, note)", ag->name,
                                   rec->line, cols[c]);
        }
        return BK_OK;
    }
    if (rec->n == 1 && rec->fields[0][0] == '\0')
        return BK_OK;
    if (rec->n != ag->n_cols)
        return bk_fail(err, BK_ERR_SCHEMA, "%s:%d: %zu fields where the header has %zu",
                           ag->name, rec->line, rec->n, ag->n_cols);
    bk_aggregate a;
    memset(&a, 0, sizeof a);
    a.line = rec->line;
#define AF(c) (ag->col[c] >= 0 ? rec->fields[ag->col[c]] : "")
    copy_str(a.quantity, sizeof a.quantity, AF(0));
    bool known = false;
    for (int i = 0; agg_quantities[i]; i++)
        known |= strcmp(a.quantity, agg_quantities[i]) == 0;
    if (!known)
        return bk_fail(err, BK_ERR_VALUE, "%s:%d: unknown quantity '%s' (known: "
                           "fuel_imports_registered, escorted_convoys, tankers_destroyed, "
                           "fuel_convoy_attacks)", ag->name, rec->line, a.quantity);
    if (!bk_date_parse(AF(1), &a.day_from) || !bk_date_parse(AF(2), &a.day_to)
        || a.day_to < a.day_from)
        return bk_fail(err, BK_ERR_VALUE, "%s:%d: bad period '%s' to '%s'", ag->name,
                           rec->line, AF(1), AF(2));
    copy_str(a.place, sizeof a.place, AF(3));
    if (!parse_double(AF(4), &a.low) || !parse_double(AF(5), &a.best)
        || !parse_double(AF(6), &a.high) || a.low < 0 || a.low > a.best || a.best > a.high)
        return bk_fail(err, BK_ERR_VALUE, "%s:%d: values must be numbers with 0 <= value_low "
                           "<= value_best <= value_high, got '%s', '%s', '%s'", ag->name,
                           rec->line, AF(4), AF(5), AF(6));
    copy_str(a.unit, sizeof a.unit, AF(7));
    bool imports = strcmp(a.quantity, "fuel_imports_registered") == 0;
    if (imports && strcmp(a.unit, "ML") != 0 && strcmp(a.unit, "L") != 0)
        return bk_fail(err, BK_ERR_VALUE, "%s:%d: unit of fuel_imports_registered must be "
                           "ML or L, got '%s'", ag->name, rec->line, a.unit);
    copy_str(a.source, sizeof a.source, AF(8));
#undef AF
    if (ag->n == ag->cap) {
        size_t nc = ag->cap ? ag->cap * 2 : 16;
        bk_aggregate *na = bk_realloc(ag->a, nc * sizeof *na);
        if (!na)
            return bk_fail(err, BK_ERR_NOMEM, "%s: out of memory", ag->name);
        ag->a = na;
        ag->cap = nc;
    }
    ag->a[ag->n++] = a;
    return BK_OK;
}

void bk_aggregates_free(bk_aggregates *ag)
{
    if (!ag)
        return;
    bk_free(ag->a);
    bk_free(ag);
}

/* Contract in blockade/calibrate.h. */
bk_status bk_aggregates_read_string(const char *text, size_t len, const char *name,
                                    bk_aggregates **out, bk_error *err)
{
    *out = NULL;
    if (!name)
        name = "-";
    bk_aggregates *ag = bk_calloc(1, sizeof *ag);
    if (!ag)
        return bk_fail(err, BK_ERR_NOMEM, "%s: out of memory", name);
    ag->name = name;
    bk_status st = bk_csv_parse(text, len, name, 64ull * 1024 * 1024, agg_record, ag, err);
    if (st != BK_OK) {
        bk_aggregates_free(ag);
        return st;
    }
    ag->name = NULL;
    *out = ag;
    return BK_OK;
}

/* Contract in blockade/calibrate.h. */
bk_status bk_aggregates_read_file(const char *path, bk_aggregates **out, bk_error *err)
{
    *out = NULL;
    char *text;
    size_t len;
    bk_status st = bk_read_whole_file(path, 64ull * 1024 * 1024, &text, &len, err);
    if (st != BK_OK)
        return st;
    st = bk_aggregates_read_string(text, len, path, out, err);
    bk_free(text);
    return st;
}

size_t bk_aggregates_count(const bk_aggregates *ag) { return ag->n; }
const bk_aggregate *bk_aggregates_get(const bk_aggregates *ag, size_t i) { return &ag->a[i]; }

/* ---- the observation model ---------------------------------------------------------------- */

enum stat_kind { S_ATTACKS_CORRIDOR, S_ATTACKS_WEEK, S_IMPORTS, S_CONVOYS, S_DESTROYED,
                 S_AGG_ATTACKS };

typedef struct obs_stat {
    char name[128];
    char unit[32];
    enum stat_kind kind;
    int corridor;            /* S_ATTACKS_CORRIDOR */
    int d0, d1;              /* run day indices, inclusive */
    double scale;            /* S_IMPORTS: litres per unit */
    double observed, low, high;
    bool aggregate;
    bool all_places;         /* aggregate place covers the whole scenario */
    unsigned char *seg_ok;   /* [n_segments] */
    unsigned char *place_ok; /* [n_places] */
} obs_stat;

struct bk_obs {
    const bk_scenario *sc;
    bk_obs_config cfg;
    int d0, d1;              /* the window, run day indices */
    int *seg_corridor;       /* [n_segments] primary corridor */
    obs_stat *st;
    int n;
};

/* Contract in blockade/calibrate.h. */
void bk_obs_config_init(bk_obs_config *cfg, const bk_scenario *sc)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->report_prob = 0.8;
    cfg->weekly = true;
    if (sc) {
        cfg->day_from = bk_cal_start_day(sc);
        cfg->day_to = cfg->day_from + (sc->days < 30 ? sc->days : 30) - 1;
    } else {
        cfg->day_from = 0;
        cfg->day_to = -1;
    }
}

void bk_obs_free(bk_obs *obs)
{
    if (!obs)
        return;
    for (int i = 0; i < obs->n; i++) {
        bk_free(obs->st[i].seg_ok);
        bk_free(obs->st[i].place_ok);
    }
    bk_free(obs->st);
    bk_free(obs->seg_corridor);
    bk_free(obs);
}

static obs_stat *add_stat(bk_obs *obs)
{
    obs_stat *ns = bk_realloc(obs->st, (size_t)(obs->n + 1) * sizeof *ns);
    if (!ns)
        return NULL;
    obs->st = ns;
    obs_stat *s = &obs->st[obs->n++];
    memset(s, 0, sizeof *s);
    return s;
}

static bool is_attack(const bk_obs *obs, const bk_event *e)
{
    static const char *const def[] = {"tanker", "convoy", "truck"};
    const char *const *kw = obs->cfg.attack_keywords ? obs->cfg.attack_keywords : def;
    int n = obs->cfg.attack_keywords ? obs->cfg.n_attack_keywords : 3;
    for (int i = 0; i < n; i++)
        if (icontains(e->notes, kw[i]))
            return true;
    return false;
}

/* Share of the event's date window [a, b] inside [lo, hi]. */
static double overlap(long a, long b, long lo, long hi)
{
    long x = a > lo ? a : lo, y = b < hi ? b : hi;
    return y < x ? 0.0 : (double)(y - x + 1) / (double)(b - a + 1);
}

/* Which places and segments an aggregate's `place` covers (docs/calibration.md). */
static bk_status match_place(const bk_obs *obs, obs_stat *s, const bk_aggregate *a, bk_error *err)
{
    const bk_scenario *sc = obs->sc;
    char p[128];
    copy_str(p, sizeof p, a->place);
    char *t = trim(p);
    if (*t == '\0' || ieq(t, sc->country) || ieq(t, "national") || ieq(t, "all")) {
        s->all_places = true;
        return BK_OK;
    }
    s->seg_ok = bk_calloc((size_t)sc->n_segments + 1, 1);
    s->place_ok = bk_calloc((size_t)sc->n_places + 1, 1);
    if (!s->seg_ok || !s->place_ok)
        return bk_fail(err, BK_ERR_NOMEM, "out of memory");
    size_t n = strlen(t);
    if (n > 7 && ieq(t + n - 7, " region"))
        t[n - 7] = '\0';
    bool any = false;
    for (int i = 0; i < sc->n_places; i++)
        if (ieq(sc->places[i].admin1, t)) {
            s->place_ok[i] = 1;
            any = true;
        }
    if (any) {
        for (int g = 0; g < sc->n_segments; g++)
            s->seg_ok[g] = s->place_ok[sc->segments[g].from] && s->place_ok[sc->segments[g].to];
        return BK_OK;
    }
    /* places joined by '-': segments that end at one of them */
    char *save = NULL;
    for (char *tok = strtok_r(t, "-,/", &save); tok; tok = strtok_r(NULL, "-,/", &save)) {
        tok = trim(tok);
        for (int i = 0; i < sc->n_places; i++)
            if (ieq(sc->places[i].name, tok) || ieq(sc->places[i].id, tok)) {
                s->place_ok[i] = 1;
                any = true;
                for (int g = 0; g < sc->n_segments; g++)
                    if (sc->segments[g].from == i || sc->segments[g].to == i)
                        s->seg_ok[g] = 1;
            }
    }
    if (!any)
        return bk_fail(err, BK_ERR_VALUE, "aggregate at line %d: place '%s' matches no "
                           "place, region or country of the scenario", a->line, a->place);
    return BK_OK;
}

/* Contract in blockade/calibrate.h. */
bk_status bk_obs_new(const bk_scenario *sc, const bk_events *ev, const bk_aggregates *ag,
                     const bk_obs_config *cfg, bk_obs **out, bk_error *err)
{
    *out = NULL;
    long start = bk_cal_start_day(sc);
    if (cfg->day_from < start || cfg->day_to < cfg->day_from
        || cfg->day_to - start >= sc->days) {
        char a[11], b[11];
        bk_date_format(cfg->day_from, a);
        bk_date_format(cfg->day_to, b);
        return bk_fail(err, BK_ERR_USAGE, "window %s to %s is not inside the scenario's "
                           "%d days from its start date", a, b, sc->days);
    }
    if (!(cfg->report_prob > 0 && cfg->report_prob <= 1))
        return bk_fail(err, BK_ERR_USAGE, "report_prob must be in (0, 1], got %g",
                           cfg->report_prob);
    bk_obs *obs = bk_calloc(1, sizeof *obs);
    if (!obs || !(obs->seg_corridor = bk_calloc((size_t)sc->n_segments + 1, sizeof(int)))) {
        bk_obs_free(obs);
        return bk_fail(err, BK_ERR_NOMEM, "out of memory");
    }
    obs->sc = sc;
    obs->cfg = *cfg;
    obs->d0 = (int)(cfg->day_from - start);
    obs->d1 = (int)(cfg->day_to - start);
    for (int g = 0; g < sc->n_segments; g++)
        obs->seg_corridor[g] = primary_corridor(sc, g);
    bk_status st = BK_OK;
    /* attacks per corridor, and per week, over the window */
    int n_weeks = (obs->d1 - obs->d0) / 7 + 1;
    for (int c = 0; c < sc->n_corridors && st == BK_OK; c++) {
        obs_stat *s = add_stat(obs);
        if (!s) {
            st = BK_ERR_NOMEM;
            break;
        }
        snprintf(s->name, sizeof s->name, "attacks_%s", sc->corridors[c].id);
        copy_str(s->unit, sizeof s->unit, "events");
        s->kind = S_ATTACKS_CORRIDOR;
        s->corridor = c;
        s->d0 = obs->d0;
        s->d1 = obs->d1;
    }
    for (int w = 0; cfg->weekly && w < n_weeks && st == BK_OK; w++) {
        obs_stat *s = add_stat(obs);
        if (!s) {
            st = BK_ERR_NOMEM;
            break;
        }
        s->d0 = obs->d0 + 7 * w;
        s->d1 = s->d0 + 6 < obs->d1 ? s->d0 + 6 : obs->d1;
        char a[11];
        bk_date_format(start + s->d0, a);
        snprintf(s->name, sizeof s->name, "attacks_week_%s", a);
        copy_str(s->unit, sizeof s->unit, "events");
        s->kind = S_ATTACKS_WEEK;
        s->corridor = -1;
    }
    int n_attack_stats = obs->n;
    if (st == BK_OK && ev) {
        for (size_t i = 0; i < bk_events_count(ev); i++) {
            const bk_event *e = bk_events_get(ev, i);
            if (!e->placed || !is_attack(obs, e))
                continue;
            int c = obs->seg_corridor[e->segment];
            for (int k = 0; k < n_attack_stats; k++) {
                obs_stat *s = &obs->st[k];
                if (s->kind == S_ATTACKS_CORRIDOR && s->corridor != c)
                    continue;
                s->observed += overlap(e->day_from, e->day_to, start + s->d0, start + s->d1);
            }
        }
    }
    for (int k = 0; k < n_attack_stats; k++)
        obs->st[k].low = obs->st[k].high = obs->st[k].observed;
    /* aggregates that end in the window */
    for (size_t i = 0; ag && st == BK_OK && i < bk_aggregates_count(ag); i++) {
        const bk_aggregate *a = bk_aggregates_get(ag, i);
        if (a->day_to < cfg->day_from || a->day_to > cfg->day_to || a->day_from < start)
            continue;
        obs_stat *s = add_stat(obs);
        if (!s) {
            st = BK_ERR_NOMEM;
            break;
        }
        char d0[11], d1[11];
        bk_date_format(a->day_from, d0);
        bk_date_format(a->day_to, d1);
        snprintf(s->name, sizeof s->name, "%s_%s_%s", a->quantity, d0, d1);
        copy_str(s->unit, sizeof s->unit, a->unit);
        s->d0 = (int)(a->day_from - start);
        s->d1 = (int)(a->day_to - start);
        s->observed = a->best;
        s->low = a->low;
        s->high = a->high;
        s->aggregate = true;
        if (strcmp(a->quantity, "fuel_imports_registered") == 0) {
            s->kind = S_IMPORTS;
            s->scale = strcmp(a->unit, "ML") == 0 ? 1e6 : 1.0;
            s->all_places = true;
        } else if (strcmp(a->quantity, "escorted_convoys") == 0) {
            s->kind = S_CONVOYS;
            s->all_places = true;
        } else {
            s->kind = strcmp(a->quantity, "tankers_destroyed") == 0 ? S_DESTROYED : S_AGG_ATTACKS;
            st = match_place(obs, s, a, err);
            if (st != BK_OK) {
                bk_obs_free(obs);
                return st;
            }
        }
    }
    if (st != BK_OK) {
        bk_obs_free(obs);
        return bk_fail(err, st, "out of memory");
    }
    *out = obs;
    return BK_OK;
}

int bk_obs_days(const bk_obs *obs)
{
    return obs->d1 + 1;
}

int bk_obs_count(const bk_obs *obs)
{
    return obs->n;
}

/* Contract in blockade/calibrate.h. */
void bk_obs_get(const bk_obs *obs, int k, bk_obs_stat *out)
{
    const obs_stat *s = &obs->st[k];
    out->name = s->name;
    out->unit = s->unit;
    out->observed = s->observed;
    out->low = s->low;
    out->high = s->high;
    out->aggregate = s->aggregate;
    bool volume = s->kind == S_IMPORTS;
    double floor_n = volume ? 0.05 * fabs(s->observed)
                            : sqrt(s->observed > 1 ? s->observed : 1.0);
    double range = (s->high - s->low) / 3.29; /* a 90 % range read as +-1.645 sd */
    out->noise = floor_n > range ? floor_n : range;
    long start = bk_cal_start_day(obs->sc);
    out->day_from = start + s->d0;
    out->day_to = start + s->d1;
    out->corridor = s->kind == S_ATTACKS_CORRIDOR ? s->corridor : -1;
    out->litres_per_unit = volume ? s->scale : 0.0;
    switch (s->kind) {
    case S_IMPORTS:
        out->group = BK_OBS_DELIVERIES;
        break;
    case S_CONVOYS:
        out->group = BK_OBS_CONVOYS;
        break;
    case S_DESTROYED:
        out->group = BK_OBS_LOSSES;
        break;
    default:
        out->group = BK_OBS_ATTACKS;
        break;
    }
}

static int run_column(const bk_run *run, const char *name)
{
    for (int c = 0; c < run->n_cols; c++)
        if (strcmp(run->cols[c].name, name) == 0)
            return c;
    return -1;
}

static bool entry_matches(const obs_stat *s, const bk_log_entry *e)
{
    if (s->all_places)
        return true;
    return (e->segment >= 0 && s->seg_ok[e->segment]) || (e->place >= 0 && s->place_ok[e->place]);
}

/* Contract in blockade/calibrate.h. */
bk_status bk_obs_simulate(const bk_obs *obs, const bk_run *run, uint64_t seed, double report_prob,
                          double *values, bk_error *err)
{
    if (run->days < obs->d1 + 1)
        return bk_fail(err, BK_ERR_USAGE, "the run covers %d days; the observations need %d",
                           run->days, obs->d1 + 1);
    int cd = run_column(run, "delivered_l"), cc = run_column(run, "convoys");
    bk_rng rng;
    bk_rng_init(&rng, seed, 0, BK_RNG_OBS_REPORT, 0);
    for (int k = 0; k < obs->n; k++)
        values[k] = 0;
    for (int i = 0; i < run->n_log; i++) {
        const bk_log_entry *e = &run->log[i];
        if (e->kind != BK_LOG_AMBUSH)
            continue;
        /* one draw per attack, whatever the statistics: the same attack is reported or not */
        bool reported = bk_rng_uniform(&rng) < report_prob;
        int day = (int)floor(e->time_h / 24.0);
        int c = e->segment >= 0 ? obs->seg_corridor[e->segment] : -1;
        for (int k = 0; k < obs->n; k++) {
            const obs_stat *s = &obs->st[k];
            if (day < s->d0 || day > s->d1)
                continue;
            switch (s->kind) {
            case S_ATTACKS_CORRIDOR:
                values[k] += reported && c == s->corridor;
                break;
            case S_ATTACKS_WEEK:
                values[k] += reported;
                break;
            case S_AGG_ATTACKS:
                values[k] += reported && entry_matches(s, e);
                break;
            case S_DESTROYED:
                values[k] += entry_matches(s, e) ? e->destroyed : 0;
                break;
            default:
                break;
            }
        }
    }
    for (int k = 0; k < obs->n; k++) {
        const obs_stat *s = &obs->st[k];
        int col = s->kind == S_IMPORTS ? cd : s->kind == S_CONVOYS ? cc : -2;
        if (col == -2)
            continue;
        if (col < 0)
            return bk_fail(err, BK_ERR_INTERNAL, "the run has no daily column for %s", s->name);
        double sum = 0;
        for (int d = s->d0; d <= s->d1; d++)
            sum += run->daily[(size_t)d * (size_t)run->n_cols + (size_t)col];
        values[k] = s->kind == S_IMPORTS ? sum / s->scale : sum;
    }
    return BK_OK;
}

/* Inverse CDF of Triangular(a, c, b) (mode c). */
static double tri_quantile(double a, double c, double b, double u)
{
    if (b <= a)
        return c;
    double f = (c - a) / (b - a);
    return u < f ? a + sqrt(u * (b - a) * (c - a)) : b - sqrt((1 - u) * (b - a) * (b - c));
}

/* Contract in blockade/calibrate.h. */
void bk_obs_draw_truth(const bk_obs *obs, uint64_t seed, double *values)
{
    bk_rng rng;
    bk_rng_init(&rng, seed, 0, BK_RNG_OBS_TRUTH, 0);
    for (int k = 0; k < obs->n; k++) {
        const obs_stat *s = &obs->st[k];
        double u = bk_rng_uniform(&rng); /* drawn for every statistic: keys stay aligned */
        values[k] = s->high > s->low ? tri_quantile(s->low, s->observed, s->high, u) : s->observed;
    }
}

/* Contract in blockade/calibrate.h. */
void bk_obs_truth_quantiles(const bk_obs *obs, int k, int K, double *q)
{
    const obs_stat *s = &obs->st[k];
    for (int i = 0; i < K; i++)
        q[i] = s->high > s->low ? tri_quantile(s->low, s->observed, s->high, (i + 0.5) / K)
                                : s->observed;
}

/* ---- parallel loop ------------------------------------------------------------------------- */

/* Contract in observed.h. */
int bk_cal_cpus(void)
{
    return bk_pool_cpus();
}

/* bk_par_for runs on the ensemble's worker pool; this adapts its work function. */
typedef struct par_adapter {
    bk_par_fn fn;
    void *ctx;
} par_adapter;

static bk_status par_work(void *ctx, int worker, uint64_t item, bk_error *err)
{
    (void)worker;
    const par_adapter *a = ctx;
    return a->fn(a->ctx, item, err);
}

/* Contract in observed.h. */
bk_status bk_par_for(uint64_t n, int threads, bk_par_fn fn, void *ctx,
                     const volatile sig_atomic_t *cancel, bk_error *err)
{
    par_adapter a = {fn, ctx};
    bk_pool_job job = {.ctx = &a, .work = par_work, .tick = NULL, .cancel = cancel};
    return bk_pool_run(&job, n, threads, err);
}
