/* obs_csv.c: the calendar dates of observed data, the CSV reader (libcsv) under the events and
 * aggregates readers, and the observed aggregates (docs/calibration.md).
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
#include "analysis/obs_internal.h"


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
