/* obs_csv.c: the calendar dates of observed data, the streamed CSV reader (engine/csv.h) as the
 * events and aggregates readers use it, and the observed aggregates (docs/calibration.md).
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


#include "engine/date.h"
#include "engine/file.h"
#include "engine/rng.h"
#include "output/format.h"
#include "model/run.h"
#include "scenario/scenario.h"
#include "analysis/calibration/obs_internal.h"


static const char *const month_names[12] = {"january", "february", "march",     "april",
                                            "may",     "june",     "july",      "august",
                                            "september", "october", "november", "december"};

static bool valid_date(long y, int m, int d)
{
    return y >= 1900 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= bki_days_in_month((int)y, m);
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
        *day = bki_days_from_civil((int)y, (int)m, (int)d);
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
    *day = bki_days_from_civil((int)y, m, (int)d);
    return true;
}

/* Contract in blockade/calibrate.h. */
void bk_date_format(long day, char buf[11])
{
    int y, m, d;
    bki_civil_from_days(day, &y, &m, &d);
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, d);
    memcpy(buf, tmp, 10);
    buf[10] = '\0';
}

/* Contract in observed.h. */
long bki_cal_start_day(const bk_scenario *sc)
{
    return bki_days_from_civil((int)sc->start_year, sc->start_month, sc->start_day);
}

/* ---- files and CSV ------------------------------------------------------------------------ */

typedef struct unguard {
    bk_csv_record_fn fn;
    void *ud;
} unguard;

/* "'=..." written by the tool reads as "=..." (bki_fmt_csv_guarded). */
static bk_status unguard_record(void *ud, const bk_csv_record *rec, bk_error *err)
{
    unguard *u = ud;
    for (size_t i = 0; i < rec->n; i++)
        if (bki_fmt_csv_guarded(rec->fields[i], strlen(rec->fields[i])))
            rec->fields[i]++;
    return u->fn(u->ud, rec, err);
}

/* Contract in observed.h. */
bk_status bki_obs_csv_read(const char *path, const char *text, size_t len, const char *name,
                           unsigned long long max_bytes, bk_csv_record_fn fn, void *ud,
                           bk_error *err)
{
    unguard u = {fn, ud};
    bk_csv_info info;
    memset(&info, 0, sizeof info);
    bk_status st = path ? bki_csv_read_file(path, max_bytes, unguard_record, &u, &info, err)
                        : bki_csv_read_bytes(text, len, name, max_bytes, unguard_record, &u,
                                             &info, err);
    if (st == BK_OK && info.bytes == 0)
        st = bki_fail(err, BK_ERR_SCHEMA, "%s:1: empty file: expected a CSV header",
                      path ? path : name);
    return st;
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
                return bki_fail(err, BK_ERR_SCHEMA, "%s:%d: missing column '%s' (an aggregates "
                                   "file has quantity, period_start, period_end, place, value_low, "
                                   "value_best, value_high, unit, source, note)", ag->name,
                                   rec->line, cols[c]);
        }
        return BK_OK;
    }
    if (rec->n == 1 && rec->fields[0][0] == '\0')
        return BK_OK;
    if (rec->n != ag->n_cols)
        return bki_fail(err, BK_ERR_SCHEMA, "%s:%d: %zu fields where the header has %zu",
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
        return bki_fail(err, BK_ERR_VALUE, "%s:%d: unknown quantity '%s' (known: "
                           "fuel_imports_registered, escorted_convoys, tankers_destroyed, "
                           "fuel_convoy_attacks)", ag->name, rec->line, a.quantity);
    if (!bk_date_parse(AF(1), &a.day_from) || !bk_date_parse(AF(2), &a.day_to)
        || a.day_to < a.day_from)
        return bki_fail(err, BK_ERR_VALUE, "%s:%d: bad period '%s' to '%s'", ag->name,
                           rec->line, AF(1), AF(2));
    copy_str(a.place, sizeof a.place, AF(3));
    if (!parse_double(AF(4), &a.low) || !parse_double(AF(5), &a.best)
        || !parse_double(AF(6), &a.high) || a.low < 0 || a.low > a.best || a.best > a.high)
        return bki_fail(err, BK_ERR_VALUE, "%s:%d: values must be numbers with 0 <= value_low "
                           "<= value_best <= value_high, got '%s', '%s', '%s'", ag->name,
                           rec->line, AF(4), AF(5), AF(6));
    copy_str(a.unit, sizeof a.unit, AF(7));
    bool imports = strcmp(a.quantity, "fuel_imports_registered") == 0;
    if (imports && strcmp(a.unit, "ML") != 0 && strcmp(a.unit, "L") != 0)
        return bki_fail(err, BK_ERR_VALUE, "%s:%d: unit of fuel_imports_registered must be "
                           "ML or L, got '%s'", ag->name, rec->line, a.unit);
    copy_str(a.source, sizeof a.source, AF(8));
#undef AF
    if (ag->n == ag->cap) {
        size_t nc = ag->cap ? ag->cap * 2 : 16;
        bk_aggregate *na = bki_realloc(ag->a, nc * sizeof *na);
        if (!na)
            return bki_fail(err, BK_ERR_NOMEM, "%s: out of memory", ag->name);
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
    bki_free_all(ag->a, ag);
}

/* Aggregates from the file `path`, or from text[0..len) when path is NULL; `name` for messages. */
static bk_status aggregates_read(const char *path, const char *text, size_t len,
                                 const char *name, bk_aggregates **out, bk_error *err)
{
    *out = NULL;
    bk_aggregates *ag = bki_calloc(1, sizeof *ag);
    if (!ag)
        return bki_fail(err, BK_ERR_NOMEM, "%s: out of memory", name);
    ag->name = name;
    bk_status st = bki_obs_csv_read(path, text, len, name, BK_AGGREGATES_MAX_BYTES, agg_record, ag,
                                    err);
    if (st != BK_OK) {
        bk_aggregates_free(ag);
        return st;
    }
    ag->name = NULL;
    *out = ag;
    return BK_OK;
}

/* Contract in blockade/calibrate.h. */
bk_status bk_aggregates_read_string(const char *text, size_t len, const char *name,
                                    bk_aggregates **out, bk_error *err)
{
    return aggregates_read(NULL, text, len, name ? name : "-", out, err);
}

/* Contract in blockade/calibrate.h. */
bk_status bk_aggregates_read_file(const char *path, bk_aggregates **out, bk_error *err)
{
    return aggregates_read(path, NULL, 0, path, out, err);
}

size_t bk_aggregates_count(const bk_aggregates *ag) { return ag->n; }
const bk_aggregate *bk_aggregates_get(const bk_aggregates *ag, size_t i) { return &ag->a[i]; }
