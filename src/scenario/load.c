/* load.c: the scenario loader. Reads YAML 1.2 or JSON text with libfyaml, checks every key, type,
 * range and reference, and fills struct bk_scenario. Every error names the file, line and column
 * of the offending node and says what was expected and what was found. The key names, units,
 * defaults and limits applied here are documented in docs/scenario-format.md; keep them in step.
 */
#include "engine/alloc.h"
#include "scenario/scenario.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libfyaml.h>
#include <openssl/evp.h>

#include "engine/status_internal.h"
#include "engine/yaml.h"
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
    MAX_TIMELINE = 10000,
    MAX_SECTORS = 100,
};

#define MAX_DAYS 3650
#define SHARE_SUM_TOLERANCE 1e-6
#define PATH_MAX_LEN 192

#define TRY(expr)                     \
    do {                              \
        bk_status try_st_ = (expr);   \
        if (try_st_ != BK_OK)         \
            return try_st_;           \
    } while (0)

typedef struct loader {
    const char *file;   /* name used in messages */
    bk_error *err;      /* may be NULL */
    bk_scenario *sc;
    long start_day;     /* start_date as days since 1970-01-01 */
} loader;

/* A mapping being read: the node, a fallback position (the key that led to it) and its path in
 * the document for messages ("corridors[1].escort"). */
typedef struct map {
    loader *L;
    struct fy_node *node;
    struct fy_node *at;
    char path[PATH_MAX_LEN];
} map;

enum need { OPTIONAL, REQUIRED };

/* ---------------------------------------------------------------------------------------------
 * Positions and messages
 */

/* 1-based position of a node: a scalar's token, else its first key or item, recursively. */
static bool node_pos(struct fy_node *n, int *line, int *col, int depth)
{
    if (n == NULL || depth > 256)
        return false;
    switch (fy_node_get_type(n)) {
    case FYNT_SCALAR: {
        struct fy_token *t = fy_node_get_scalar_token(n);
        const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
        if (m == NULL)
            return false;
        *line = m->line + 1;   /* marks are 0-based */
        *col = m->column + 1;
        return true;
    }
    case FYNT_SEQUENCE: {
        void *it = NULL;
        return node_pos(fy_node_sequence_iterate(n, &it), line, col, depth + 1);
    }
    case FYNT_MAPPING: {
        void *it = NULL;
        struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
        if (p == NULL)
            return false;
        return node_pos(fy_node_pair_key(p), line, col, depth + 1) ||
               node_pos(fy_node_pair_value(p), line, col, depth + 1);
    }
    }
    return false;
}

/* Fail with a message placed at node n, or at fb when n has no position of its own. */
BK_PRINTF(5, 6)
static bk_status fail_node(loader *L, bk_status st, struct fy_node *n, struct fy_node *fb,
                           const char *fmt, ...)
{
    int line = 0, col = 0;
    if (!node_pos(n, &line, &col, 0) && !node_pos(fb, &line, &col, 0)) {
        line = 0;
        col = 0;
    }
    char body[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    return bk_fail_at(L->err, st, L->file, line, col, "%s", body);
}

/* Copy user text for a one-line message: control bytes become '?', long text is cut at a
 * character boundary and ends with "...". */
static void sanitize(const char *s, size_t len, char *buf, size_t cap)
{
    const size_t limit = cap > 4 ? cap - 4 : 0;
    size_t j = 0, i = 0;
    for (; i < len && j < limit; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[j++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (i < len) {
        while (j > 0 && ((unsigned char)buf[j - 1] & 0xC0) == 0x80)
            j--;   /* drop a partial UTF-8 sequence */
        if (j > 0 && ((unsigned char)buf[j - 1] & 0xC0) == 0xC0)
            j--;
        memcpy(buf + j, "...", 3);
        j += 3;
    }
    buf[j] = '\0';
}

static bool is_null_scalar(struct fy_node *n)
{
    if (n == NULL)
        return true;
    if (fy_node_get_type(n) != FYNT_SCALAR || fy_node_get_style(n) != FYNS_PLAIN)
        return false;
    size_t len;
    const char *s = fy_node_get_scalar(n, &len);
    if (s == NULL || len == 0)
        return true;
    return (len == 1 && s[0] == '~') || (len == 4 && (memcmp(s, "null", 4) == 0 ||
                                                     memcmp(s, "Null", 4) == 0 ||
                                                     memcmp(s, "NULL", 4) == 0));
}

static bool number_syntax(const char *s, size_t len);

/* What a node is, for "got ..." in messages: a list, a mapping, null, 42 or 'text'. */
static const char *node_desc(struct fy_node *n, char *buf, size_t cap)
{
    if (n == NULL || is_null_scalar(n))
        return "null";
    if (fy_node_get_type(n) == FYNT_SEQUENCE) {
        int count = fy_node_sequence_item_count(n);
        snprintf(buf, cap, "a list of %d item%s", count, count == 1 ? "" : "s");
        return buf;
    }
    if (fy_node_get_type(n) == FYNT_MAPPING)
        return "a mapping";
    size_t len;
    const char *s = fy_node_get_scalar(n, &len);
    char tmp[64];
    if (s == NULL)
        len = 0;
    sanitize(s ? s : "", len, tmp, sizeof tmp);
    if (fy_node_get_style(n) != FYNS_PLAIN)
        snprintf(buf, cap, "\"%s\"", tmp);   /* quoted: a string even if it looks like 5 */
    else if (number_syntax(s, len))
        snprintf(buf, cap, "%s", tmp);
    else
        snprintf(buf, cap, "'%s'", tmp);
    return buf;
}

/* "base.key", or "key" at the top level. Paths only label messages: a cut one is harmless. */
static void join_path(char *buf, size_t cap, const char *base, const char *key)
{
    int n;
    if (base == NULL || base[0] == '\0')
        n = snprintf(buf, cap, "%s", key);
    else
        n = snprintf(buf, cap, "%s.%s", base, key);
    if (n < 0 && cap > 0)
        buf[0] = '\0';
}

/* ---------------------------------------------------------------------------------------------
 * Scalars: numbers, strings, ids, booleans, dates
 */

/* YAML 1.2 core and JSON decimal numbers only: no hex, octal, .inf or .nan. */
static bool number_syntax(const char *s, size_t len)
{
    size_t i = 0, digits = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        i++;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        i++;
        digits++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t exp_digits = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            exp_digits++;
        }
        if (exp_digits == 0)
            return false;
    }
    return i == len;
}

static bk_status node_number(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                             double *out)
{
    char got[96];
    size_t len = 0;
    const char *s = NULL;
    if (n != NULL && fy_node_get_type(n) == FYNT_SCALAR && fy_node_get_style(n) == FYNS_PLAIN)
        s = fy_node_get_scalar(n, &len);
    if (s == NULL || !number_syntax(s, len) || len > 64)
        return fail_node(L, BK_ERR_SCHEMA, n, at, "%s must be a number, got %s", path,
                         node_desc(n, got, sizeof got));
    char tmp[72];
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    double v = strtod(tmp, NULL);
    if (!isfinite(v))
        return fail_node(L, BK_ERR_VALUE, n, at, "%s is out of range, got %s", path, tmp);
    *out = v;
    return BK_OK;
}

typedef struct bounds {
    char lo_op;   /* 0: none, '>': strictly greater, 'G': greater or equal */
    char hi_op;   /* 0: none, '<': strictly less, 'L': less or equal */
    double lo, hi;
    const char *unit;
} bounds;

#define GT0(u) ((bounds){'>', 0, 0.0, 0.0, (u)})
#define GE0(u) ((bounds){'G', 0, 0.0, 0.0, (u)})
#define GT0_LE(h, u) ((bounds){'>', 'L', 0.0, (h), (u)})
#define IN(l, h, u) ((bounds){'G', 'L', (l), (h), (u)})
#define SHARE IN(0.0, 1.0, "")
#define ANY ((bounds){0, 0, 0.0, 0.0, ""})

static bool bounds_ok(double v, const bounds *b)
{
    if ((b->lo_op == '>' && !(v > b->lo)) || (b->lo_op == 'G' && !(v >= b->lo)))
        return false;
    if ((b->hi_op == '<' && !(v < b->hi)) || (b->hi_op == 'L' && !(v <= b->hi)))
        return false;
    return true;
}

/* "> 0 km", "in 0..1", ">= 0 and < 24 h" */
static void bounds_text(const bounds *b, char *buf, size_t cap)
{
    const char *sp = (b->unit && b->unit[0]) ? " " : "";
    const char *unit = b->unit ? b->unit : "";
    if (b->lo_op == 'G' && b->hi_op == 'L')
        snprintf(buf, cap, "in %g..%g%s%s", b->lo, b->hi, sp, unit);
    else if (b->lo_op && b->hi_op)
        snprintf(buf, cap, "%s %g and %s %g%s%s", b->lo_op == '>' ? ">" : ">=", b->lo,
                 b->hi_op == '<' ? "<" : "<=", b->hi, sp, unit);
    else if (b->lo_op)
        snprintf(buf, cap, "%s %g%s%s", b->lo_op == '>' ? ">" : ">=", b->lo, sp, unit);
    else if (b->hi_op)
        snprintf(buf, cap, "%s %g%s%s", b->hi_op == '<' ? "<" : "<=", b->hi, sp, unit);
    else
        snprintf(buf, cap, "a finite number");
}

static bk_status node_bounded(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                              bounds b, double *out)
{
    double v = 0; /* set by node_number on success */
    TRY(node_number(L, n, at, path, &v));
    if (!bounds_ok(v, &b)) {
        char want[96], got[96];
        bounds_text(&b, want, sizeof want);
        return fail_node(L, BK_ERR_VALUE, n, at, "%s must be %s, got %s", path, want,
                         node_desc(n, got, sizeof got));
    }
    *out = v;
    return BK_OK;
}

static bk_status node_int(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                          int lo, int hi, int *out)
{
    double v = 0; /* set by node_number on success */
    char got[96];
    TRY(node_number(L, n, at, path, &v));
    if (v != floor(v))
        return fail_node(L, BK_ERR_SCHEMA, n, at, "%s must be a whole number, got %s", path,
                         node_desc(n, got, sizeof got));
    if (v < lo || v > hi)
        return fail_node(L, BK_ERR_VALUE, n, at, "%s must be in %d..%d, got %s", path, lo, hi,
                         node_desc(n, got, sizeof got));
    *out = (int)v;
    return BK_OK;
}

/* A string scalar (any style). Control characters (possible through escapes) are refused, except
 * newlines where allow_newline is set. */
static bk_status node_string(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                             char *buf, size_t cap, bool allow_newline)
{
    char got[96];
    if (n == NULL || fy_node_get_type(n) != FYNT_SCALAR || is_null_scalar(n))
        return fail_node(L, BK_ERR_SCHEMA, n, at, "%s must be a string, got %s", path,
                         node_desc(n, got, sizeof got));
    size_t len;
    const char *s = fy_node_get_scalar(n, &len);
    if (s == NULL)
        s = "";
    if (len >= cap)
        return fail_node(L, BK_ERR_VALUE, n, at,
                         "%s is too long (%zu bytes, at most %zu), got %s", path, len, cap - 1,
                         node_desc(n, got, sizeof got));
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(allow_newline && (c == '\n' || c == '\t'))) || c == 0x7f)
            return fail_node(L, BK_ERR_VALUE, n, at,
                             "%s must not contain control characters (byte 0x%02x)", path, c);
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    return BK_OK;
}

static bool id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= BK_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

static bk_status node_id(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                         char id[BK_ID_MAX])
{
    char tmp[256], got[96];
    bk_status st = node_string(L, n, at, path, tmp, sizeof tmp, false);
    if (st == BK_OK && !id_ok(tmp))
        st = BK_ERR_VALUE;
    if (st == BK_ERR_VALUE)
        return fail_node(L, BK_ERR_VALUE, n, at,
                         "%s must be an id of 1 to %d letters, digits, '_' or '-', got %s", path,
                         BK_ID_MAX - 1, node_desc(n, got, sizeof got));
    if (st != BK_OK)
        return st;
    memcpy(id, tmp, strlen(tmp) + 1);
    return BK_OK;
}

static bk_status node_bool(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                           bool *out)
{
    static const char *const yes[] = {"true", "True", "TRUE"};
    static const char *const no[] = {"false", "False", "FALSE"};
    if (n != NULL && fy_node_get_type(n) == FYNT_SCALAR && fy_node_get_style(n) == FYNS_PLAIN) {
        const char *s = fy_node_get_scalar0(n);
        for (size_t i = 0; s != NULL && i < 3; i++) {
            if (strcmp(s, yes[i]) == 0) {
                *out = true;
                return BK_OK;
            }
            if (strcmp(s, no[i]) == 0) {
                *out = false;
                return BK_OK;
            }
        }
    }
    char got[96];
    return fail_node(L, BK_ERR_SCHEMA, n, at, "%s must be true or false, got %s", path,
                     node_desc(n, got, sizeof got));
}

/* One of a NULL-terminated list of words; *out is its index. */
static bk_status node_enum(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                           const char *const words[], int *out)
{
    char s[64];
    char got[96];
    bk_status st = node_string(L, n, at, path, s, sizeof s, false);
    if (st == BK_OK) {
        for (int i = 0; words[i] != NULL; i++) {
            if (strcmp(s, words[i]) == 0) {
                *out = i;
                return BK_OK;
            }
        }
    }
    if (st != BK_OK && st != BK_ERR_VALUE)
        return st;
    char list[256] = "";
    for (int i = 0; words[i] != NULL; i++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", words[i]);
    }
    return fail_node(L, BK_ERR_VALUE, n, at, "%s must be one of: %s; got %s", path, list,
                     node_desc(n, got, sizeof got));
}

/* Days since 1970-01-01 of a proleptic Gregorian date (the usual era-based civil formula). */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const long yoe = y - era * 400;
    const long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    const long era = (z >= 0 ? z : z - 146096) / 146097;
    const long doe = z - era * 146097;
    const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static void format_day(long day, char buf[16])
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    snprintf(buf, 16, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

/* A date written YYYY-MM-DD (plain or quoted), years 1900..2199, checked against the calendar. */
static bk_status node_date(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                           long *day)
{
    char s[64], got[96];
    bk_status st = node_string(L, n, at, path, s, sizeof s, false);
    if (st != BK_OK && st != BK_ERR_VALUE)
        return st;
    bool shape = st == BK_OK && strlen(s) == 10 && s[4] == '-' && s[7] == '-';
    for (int i = 0; shape && i < 10; i++)
        if (i != 4 && i != 7 && !(s[i] >= '0' && s[i] <= '9'))
            shape = false;
    if (!shape)
        return fail_node(L, BK_ERR_VALUE, n, at, "%s must be a date written YYYY-MM-DD, got %s",
                         path, node_desc(n, got, sizeof got));
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return fail_node(L, BK_ERR_VALUE, n, at,
                         "%s: %s is not a calendar date (years 1900..2199)", path, s);
    *day = days_from_civil(y, m, d);
    return BK_OK;
}

/* A date inside the horizon [start_date, start_date + days), as hours since start. */
static bk_status node_date_hours(loader *L, struct fy_node *n, struct fy_node *at,
                                 const char *path, double *hours)
{
    long day;
    TRY(node_date(L, n, at, path, &day));
    long first = L->start_day, last = L->start_day + L->sc->days - 1;
    if (day < first || day > last) {
        char a[16], b[16], c[16];
        format_day(day, a);
        format_day(first, b);
        format_day(last, c);
        return fail_node(L, BK_ERR_VALUE, n, at,
                         "%s %s is outside the scenario's horizon %s..%s (start_date + days)",
                         path, a, b, c);
    }
    *hours = 24.0 * (double)(day - first);
    return BK_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Mappings and lists
 */

static struct fy_node *find_key(struct fy_node *mapping, const char *key, struct fy_node **knode)
{
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(mapping, &it)) != NULL) {
        const char *k = fy_node_get_scalar0(fy_node_pair_key(p));
        if (k != NULL && strcmp(k, key) == 0) {
            if (knode)
                *knode = fy_node_pair_key(p);
            return fy_node_pair_value(p);
        }
    }
    if (knode)
        *knode = NULL;
    return NULL;
}

/* Open a mapping whose keys must all be in `keys` (NULL-terminated). `what` names it in the
 * unknown-key message ("segment"). */
static bk_status map_open(loader *L, map *m, struct fy_node *n, struct fy_node *at,
                          const char *path, const char *what, const char *const keys[])
{
    char got[96];
    m->L = L;
    m->node = n;
    m->at = at;
    snprintf(m->path, sizeof m->path, "%s", path);
    if (n == NULL || fy_node_get_type(n) != FYNT_MAPPING)
        return fail_node(L, BK_ERR_SCHEMA, n, at, "%s must be a mapping, got %s",
                         path[0] ? path : "the top level", node_desc(n, got, sizeof got));
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(p);
        const char *ks = fy_node_get_scalar0(k);
        bool known = false;
        for (int i = 0; ks != NULL && keys[i] != NULL && !known; i++)
            known = strcmp(ks, keys[i]) == 0;
        if (known)
            continue;
        char list[512] = "";
        for (int i = 0; keys[i] != NULL; i++) {
            size_t used = strlen(list);
            snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", keys[i]);
        }
        char kname[96];
        sanitize(ks ? ks : "", ks ? strlen(ks) : 0, kname, sizeof kname);
        return fail_node(L, BK_ERR_SCHEMA, k, n, "unknown key '%s' in %s (expected one of: %s)",
                         kname, what, list);
    }
    return BK_OK;
}

/* The value of `key`, or NULL. Fails when a required key is missing. */
static bk_status map_get(const map *m, const char *key, enum need need, struct fy_node **value,
                         struct fy_node **knode)
{
    struct fy_node *k = NULL;
    *value = find_key(m->node, key, &k);
    if (knode)
        *knode = k;
    if (k == NULL && need == REQUIRED) {
        if (m->path[0])
            return fail_node(m->L, BK_ERR_SCHEMA, m->node, m->at,
                             "%s: missing required key '%s'", m->path, key);
        return fail_node(m->L, BK_ERR_SCHEMA, m->node, m->at, "missing required key '%s'", key);
    }
    return BK_OK;
}

static bk_status rd_num(const map *m, const char *key, enum need need, double def, bounds b,
                        double *out)
{
    struct fy_node *v, *k;
    TRY(map_get(m, key, need, &v, &k));
    if (k == NULL) {
        *out = def;
        return BK_OK;
    }
    char path[PATH_MAX_LEN];
    join_path(path, sizeof path, m->path, key);
    return node_bounded(m->L, v, k, path, b, out);
}

static bk_status rd_int(const map *m, const char *key, enum need need, int def, int lo, int hi,
                        int *out)
{
    struct fy_node *v, *k;
    TRY(map_get(m, key, need, &v, &k));
    if (k == NULL) {
        *out = def;
        return BK_OK;
    }
    char path[PATH_MAX_LEN];
    join_path(path, sizeof path, m->path, key);
    return node_int(m->L, v, k, path, lo, hi, out);
}

static bk_status rd_str(const map *m, const char *key, enum need need, const char *def, char *buf,
                        size_t cap, bool allow_newline)
{
    struct fy_node *v, *k;
    TRY(map_get(m, key, need, &v, &k));
    if (k == NULL) {
        snprintf(buf, cap, "%s", def);
        return BK_OK;
    }
    char path[PATH_MAX_LEN];
    join_path(path, sizeof path, m->path, key);
    return node_string(m->L, v, k, path, buf, cap, allow_newline);
}

static bk_status rd_id(const map *m, const char *key, char id[BK_ID_MAX])
{
    struct fy_node *v, *k;
    TRY(map_get(m, key, REQUIRED, &v, &k));
    char path[PATH_MAX_LEN];
    join_path(path, sizeof path, m->path, key);
    return node_id(m->L, v, k, path, id);
}

static bk_status rd_bool(const map *m, const char *key, enum need need, bool def, bool *out)
{
    struct fy_node *v, *k;
    TRY(map_get(m, key, need, &v, &k));
    if (k == NULL) {
        *out = def;
        return BK_OK;
    }
    char path[PATH_MAX_LEN];
    join_path(path, sizeof path, m->path, key);
    return node_bool(m->L, v, k, path, out);
}

static bk_status rd_enum(const map *m, const char *key, enum need need, int def,
                         const char *const words[], int *out)
{
    struct fy_node *v, *k;
    TRY(map_get(m, key, need, &v, &k));
    if (k == NULL) {
        *out = def;
        return BK_OK;
    }
    char path[PATH_MAX_LEN];
    join_path(path, sizeof path, m->path, key);
    return node_enum(m->L, v, k, path, words, out);
}

/* [min, max]: two numbers within b, min <= max. */
static bk_status rd_range(const map *m, const char *key, enum need need, double dlo, double dhi,
                          bounds b, double *lo, double *hi)
{
    struct fy_node *v, *k;
    TRY(map_get(m, key, need, &v, &k));
    if (k == NULL) {
        *lo = dlo;
        *hi = dhi;
        return BK_OK;
    }
    char path[PATH_MAX_LEN], item[PATH_MAX_LEN + 8], got[96];
    join_path(path, sizeof path, m->path, key);
    if (v == NULL || fy_node_get_type(v) != FYNT_SEQUENCE || fy_node_sequence_item_count(v) != 2)
        return fail_node(m->L, BK_ERR_SCHEMA, v, k,
                         "%s must be a list of two numbers [min, max], got %s", path,
                         node_desc(v, got, sizeof got));
    struct fy_node *a = fy_node_sequence_get_by_index(v, 0);
    struct fy_node *c = fy_node_sequence_get_by_index(v, 1);
    snprintf(item, sizeof item, "%s[0]", path);
    TRY(node_bounded(m->L, a, k, item, b, lo));
    snprintf(item, sizeof item, "%s[1]", path);
    TRY(node_bounded(m->L, c, k, item, b, hi));
    if (*lo > *hi) {
        char ga[96], gc[96];
        return fail_node(m->L, BK_ERR_VALUE, v, k,
                         "%s must be [min, max] with min <= max, got [%s, %s]",
                         path, node_desc(a, ga, sizeof ga), node_desc(c, gc, sizeof gc));
    }
    return BK_OK;
}

/* A list of at most `max` items (at least `min`); *count is its length. */
static bk_status node_list(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                           int min, int max, int *count)
{
    char got[96];
    if (n == NULL || fy_node_get_type(n) != FYNT_SEQUENCE)
        return fail_node(L, BK_ERR_SCHEMA, n, at, "%s must be a list, got %s", path,
                         node_desc(n, got, sizeof got));
    int c = fy_node_sequence_item_count(n);
    if (c < min)
        return fail_node(L, BK_ERR_VALUE, n, at, "%s must have at least %d item%s, got %d", path,
                         min, min == 1 ? "" : "s", c);
    if (c > max)
        return fail_node(L, BK_ERR_VALUE, n, at, "%s has too many items (%d, at most %d)", path, c,
                         max);
    *count = c;
    return BK_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Id tables and references
 */

static int find_id(const void *base, int n, size_t stride, const char *id)
{
    const char *p = base;
    for (int i = 0; i < n; i++, p += stride)
        if (strcmp(p, id) == 0)   /* every id-bearing struct starts with char id[] */
            return i;
    return -1;
}

/* Refuse an id already used by an earlier item of the same list. */
static bk_status check_unique(loader *L, const void *base, int i, size_t stride, const map *m,
                              const char *list)
{
    const char *p = base;
    const char *id = p + (size_t)i * stride;
    int prev = find_id(base, i, stride, id);
    if (prev < 0)
        return BK_OK;
    struct fy_node *v, *k;
    (void)map_get(m, "id", OPTIONAL, &v, &k);
    return fail_node(L, BK_ERR_VALUE, v, m->node,
                     "%s.id: duplicate id '%s' (already used by %s[%d])",
                     m->path, id, list, prev);
}

enum ref_kind { REF_PLACE, REF_PRODUCT, REF_PORT, REF_CORRIDOR, REF_SECTOR };

static int lookup(const bk_scenario *sc, enum ref_kind kind, const char *id)
{
    switch (kind) {
    case REF_PLACE:
        return find_id(sc->places, sc->n_places, sizeof *sc->places, id);
    case REF_PRODUCT:
        return find_id(sc->products, sc->n_products, sizeof *sc->products, id);
    case REF_PORT:
        return find_id(sc->ports, sc->n_ports, sizeof *sc->ports, id);
    case REF_CORRIDOR:
        return find_id(sc->corridors, sc->n_corridors, sizeof *sc->corridors, id);
    case REF_SECTOR:
        return find_id(sc->cityside.sectors, sc->cityside.n_sectors,
                       sizeof *sc->cityside.sectors, id);
    }
    return -1;
}

static const char *const ref_word[] = {"place", "product", "port", "corridor", "sector"};
static const char *const ref_list[] = {"places", "products", "ports", "corridors",
                                       "city.sectors"};

static bk_status node_ref(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                          enum ref_kind kind, int *out)
{
    char id[256];
    TRY(node_string(L, n, at, path, id, sizeof id, false));
    int i = lookup(L->sc, kind, id);
    if (i < 0) {
        char shown[96];
        sanitize(id, strlen(id), shown, sizeof shown);
        return fail_node(L, BK_ERR_REFERENCE, n, at, "%s: unknown %s '%s' (not defined in %s)",
                         path, ref_word[kind], shown, ref_list[kind]);
    }
    *out = i;
    return BK_OK;
}

static bk_status rd_ref(const map *m, const char *key, enum ref_kind kind, int *out)
{
    struct fy_node *v, *k;
    TRY(map_get(m, key, REQUIRED, &v, &k));
    char path[PATH_MAX_LEN];
    join_path(path, sizeof path, m->path, key);
    return node_ref(m->L, v, k, path, kind, out);
}

/* A mapping from product id to a number within b; products not named get `def`. */
static bk_status rd_product_map(const map *m, const char *key, enum need need, double def,
                                bounds b, double **out)
{
    loader *L = m->L;
    struct fy_node *v, *k;
    TRY(map_get(m, key, need, &v, &k));
    double *vals = bk_calloc((size_t)L->sc->n_products, sizeof *vals);
    if (vals == NULL)
        return bk_fail(L->err, BK_ERR_NOMEM, "out of memory reading %s", L->file);
    *out = vals;   /* owned by the scenario from here, freed with it even on error */
    for (int i = 0; i < L->sc->n_products; i++)
        vals[i] = def;
    if (k == NULL)
        return BK_OK;
    char path[PATH_MAX_LEN], got[96];
    join_path(path, sizeof path, m->path, key);
    if (v == NULL || fy_node_get_type(v) != FYNT_MAPPING)
        return fail_node(L, BK_ERR_SCHEMA, v, k,
                         "%s must be a mapping from product id to a number, got %s", path,
                         node_desc(v, got, sizeof got));
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(v, &it)) != NULL) {
        struct fy_node *pk = fy_node_pair_key(p);
        char item[PATH_MAX_LEN + 80];
        const char *ks = fy_node_get_scalar0(pk);
        int i = ks ? lookup(L->sc, REF_PRODUCT, ks) : -1;
        if (i < 0) {
            char shown[96], known[256] = "";
            sanitize(ks ? ks : "", ks ? strlen(ks) : 0, shown, sizeof shown);
            for (int j = 0; j < L->sc->n_products; j++) {
                size_t used = strlen(known);
                snprintf(known + used, sizeof known - used, "%s%s", j ? ", " : "",
                         L->sc->products[j].id);
            }
            return fail_node(L, BK_ERR_REFERENCE, pk, v,
                             "%s: unknown product '%s' (products are: %s)", path, shown, known);
        }
        snprintf(item, sizeof item, "%s.%s", path, ks);
        TRY(node_bounded(L, fy_node_pair_value(p), pk, item, b, &vals[i]));
    }
    return BK_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Sections
 */

static bk_status read_meta(loader *L, const map *top)
{
    static const char *const keys[] = {"name", "description", "start_date", "days", "seed",
                                       "country", "iso", "region", NULL};
    bk_scenario *sc = L->sc;
    struct fy_node *v, *k;
    TRY(map_get(top, "scenario", REQUIRED, &v, &k));
    map m;
    TRY(map_open(L, &m, v, k, "scenario", "scenario", keys));
    TRY(rd_str(&m, "name", REQUIRED, "", sc->name, sizeof sc->name, false));
    TRY(rd_str(&m, "description", OPTIONAL, "", sc->description, sizeof sc->description, true));
    TRY(map_get(&m, "start_date", REQUIRED, &v, &k));
    TRY(node_date(L, v, k, "scenario.start_date", &L->start_day));
    civil_from_days(L->start_day, &sc->start_year, &sc->start_month, &sc->start_day);
    TRY(rd_int(&m, "days", REQUIRED, 0, 1, MAX_DAYS, &sc->days));
    TRY(rd_str(&m, "country", OPTIONAL, "", sc->country, sizeof sc->country, false));
    TRY(rd_str(&m, "region", OPTIONAL, "", sc->region, sizeof sc->region, false));

    TRY(map_get(&m, "iso", OPTIONAL, &v, &k));
    if (k != NULL) {
        TRY(node_string(L, v, k, "scenario.iso", sc->iso, sizeof sc->iso, false));
        size_t n = strlen(sc->iso);
        bool ok = n >= 1 && n <= 3 && strspn(sc->iso, "0123456789") == n;
        char got[96];
        if (!ok)
            return fail_node(L, BK_ERR_VALUE, v, k,
                             "scenario.iso must be an ISO 3166 numeric code (1 to 3 digits), "
                             "got %s",
                             node_desc(v, got, sizeof got));
    }

    sc->seed = 1;
    TRY(map_get(&m, "seed", OPTIONAL, &v, &k));
    if (k != NULL) {
        double d;
        TRY(node_number(L, v, k, "scenario.seed", &d));
        const char *s = fy_node_get_scalar0(v);
        char *end = NULL;
        errno = 0;
        unsigned long long u = strtoull(s, &end, 10);
        char got[96];
        if (s[0] == '-' || s[0] == '+' || *end != '\0' || errno == ERANGE || u > UINT64_MAX)
            return fail_node(L, BK_ERR_VALUE, v, k,
                             "scenario.seed must be a whole number in 0..18446744073709551615, "
                             "got %s", node_desc(v, got, sizeof got));
        sc->seed = (uint64_t)u;
    }
    return BK_OK;
}

/* The sequence v (the value of key k) as a zeroed array of its *n items of `size` bytes, with
 * between min and max items: *arr is NULL when there are none. */
static bk_status list_array(loader *L, struct fy_node *v, struct fy_node *k, const char *what,
                            int min, int max, size_t size, void **arr, int *n)
{
    *arr = NULL;
    TRY(node_list(L, v, k, what, min, max, n));
    if (*n == 0)
        return BK_OK;
    *arr = bk_calloc((size_t)*n, size);
    if (*arr == NULL)
        return bk_fail(L->err, BK_ERR_NOMEM, "out of memory reading %s", L->file);
    return BK_OK;
}

static bk_status read_products(loader *L, const map *top)
{
    static const char *const keys[] = {"id", "name", NULL};
    bk_scenario *sc = L->sc;
    struct fy_node *v, *k;
    TRY(map_get(top, "products", REQUIRED, &v, &k));
    int n;
    void *arr;
    TRY(list_array(L, v, k, "products", 1, MAX_PRODUCTS, sizeof *sc->products, &arr, &n));
    sc->products = arr;
    void *it = NULL;
    struct fy_node *item;
    for (int i = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
        bk_product *p = &sc->products[i];
        char path[32];
        snprintf(path, sizeof path, "products[%d]", i);
        map m;
        TRY(map_open(L, &m, item, v, path, "product", keys));
        TRY(rd_id(&m, "id", p->id));
        sc->n_products = i + 1;
        TRY(check_unique(L, sc->products, i, sizeof *p, &m, "products"));
        TRY(rd_str(&m, "name", OPTIONAL, p->id, p->name, sizeof p->name, false));
    }
    return BK_OK;
}

static bk_status read_places(loader *L, const map *top)
{
    static const char *const keys[] = {"id", "name", "kind", "lat", "lon", "country", "admin1",
                                       "border_delay_hours", NULL};
    static const char *const kinds[] = {"port", "border", "town", "city", "depot", NULL};
    bk_scenario *sc = L->sc;
    struct fy_node *v, *k;
    TRY(map_get(top, "places", REQUIRED, &v, &k));
    int n;
    void *arr;
    TRY(list_array(L, v, k, "places", 2, MAX_PLACES, sizeof *sc->places, &arr, &n));
    sc->places = arr;
    void *it = NULL;
    struct fy_node *item;
    for (int i = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
        bk_place *p = &sc->places[i];
        char path[32];
        snprintf(path, sizeof path, "places[%d]", i);
        map m;
        TRY(map_open(L, &m, item, v, path, "place", keys));
        TRY(rd_id(&m, "id", p->id));
        sc->n_places = i + 1;
        TRY(check_unique(L, sc->places, i, sizeof *p, &m, "places"));
        TRY(rd_str(&m, "name", OPTIONAL, p->id, p->name, sizeof p->name, false));
        int kind;
        TRY(rd_enum(&m, "kind", REQUIRED, 0, kinds, &kind));
        p->kind = (enum bk_place_kind)kind;
        TRY(rd_num(&m, "lat", REQUIRED, 0, IN(-90.0, 90.0, "degrees"), &p->lat));
        TRY(rd_num(&m, "lon", REQUIRED, 0, IN(-180.0, 180.0, "degrees"), &p->lon));
        TRY(rd_str(&m, "country", OPTIONAL, "", p->country, sizeof p->country, false));
        TRY(rd_str(&m, "admin1", OPTIONAL, "", p->admin1, sizeof p->admin1, false));
        struct fy_node *bv, *bk;
        TRY(map_get(&m, "border_delay_hours", OPTIONAL, &bv, &bk));
        if (bk != NULL && p->kind != BK_PLACE_BORDER)
            return fail_node(L, BK_ERR_VALUE, bk, item,
                             "%s.border_delay_hours is only allowed on a place of kind border "
                             "(place '%s' is a %s)", path, p->id, kinds[kind]);
        TRY(rd_range(&m, "border_delay_hours", OPTIONAL, 0, 0, IN(0.0, 720.0, "h"),
                     &p->border_delay_min_h, &p->border_delay_max_h));
    }
    return BK_OK;
}

static bk_status read_segments(loader *L, const map *top)
{
    static const char *const keys[] = {"from", "to", "length_km", "speed_kmh", "cover",
                                       "travel_cv", NULL};
    bk_scenario *sc = L->sc;
    struct fy_node *v, *k;
    TRY(map_get(top, "segments", REQUIRED, &v, &k));
    int n;
    void *arr;
    TRY(list_array(L, v, k, "segments", 1, MAX_SEGMENTS, sizeof *sc->segments, &arr, &n));
    sc->segments = arr;
    void *it = NULL;
    struct fy_node *item;
    for (int i = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
        bk_segment *s = &sc->segments[i];
        char path[32];
        snprintf(path, sizeof path, "segments[%d]", i);
        map m;
        TRY(map_open(L, &m, item, v, path, "segment", keys));
        TRY(rd_ref(&m, "from", REF_PLACE, &s->from));
        TRY(rd_ref(&m, "to", REF_PLACE, &s->to));
        if (s->from == s->to) {
            struct fy_node *tv;
            (void)map_get(&m, "to", REQUIRED, &tv, NULL);
            return fail_node(L, BK_ERR_VALUE, tv, item,
                             "%s: from and to are the same place '%s' (a segment joins two places)",
                             path, sc->places[s->from].id);
        }
        int dup = bk_scenario_find_segment(sc, s->from, s->to);
        if (dup >= 0)
            return fail_node(L, BK_ERR_VALUE, item, v,
                             "%s joins '%s' and '%s' again (already segments[%d])", path,
                             sc->places[s->from].id, sc->places[s->to].id, dup);
        TRY(rd_num(&m, "length_km", REQUIRED, 0, GT0_LE(20000.0, "km"), &s->length_km));
        TRY(rd_num(&m, "speed_kmh", REQUIRED, 0, GT0_LE(200.0, "km/h"), &s->speed_kmh));
        TRY(rd_num(&m, "cover", OPTIONAL, 0.0, SHARE, &s->cover));
        TRY(rd_num(&m, "travel_cv", OPTIONAL, 0.25, IN(0.0, 5.0, ""), &s->travel_cv));
        sc->n_segments = i + 1;   /* counted only once complete: find_segment reads it */
    }
    return BK_OK;
}

static bk_status read_ports(loader *L, const map *top)
{
    static const char *const keys[] = {"id", "place", "load_rate_per_day", "product_share", NULL};
    bk_scenario *sc = L->sc;
    struct fy_node *v, *k;
    TRY(map_get(top, "ports", REQUIRED, &v, &k));
    int n;
    void *arr;
    TRY(list_array(L, v, k, "ports", 1, MAX_PORTS, sizeof *sc->ports, &arr, &n));
    sc->ports = arr;
    void *it = NULL;
    struct fy_node *item;
    for (int i = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
        bk_port *p = &sc->ports[i];
        char path[32];
        snprintf(path, sizeof path, "ports[%d]", i);
        map m;
        TRY(map_open(L, &m, item, v, path, "port", keys));
        TRY(rd_id(&m, "id", p->id));
        sc->n_ports = i + 1;
        TRY(check_unique(L, sc->ports, i, sizeof *p, &m, "ports"));
        TRY(rd_ref(&m, "place", REF_PLACE, &p->place));
        TRY(rd_num(&m, "load_rate_per_day", REQUIRED, 0, GT0_LE(100000.0, "tankers/day"),
                   &p->load_rate_per_day));
        TRY(rd_product_map(&m, "product_share", REQUIRED, 0.0, SHARE, &p->product_share));
        double sum = 0;
        for (int j = 0; j < sc->n_products; j++)
            sum += p->product_share[j];
        if (fabs(sum - 1.0) > SHARE_SUM_TOLERANCE) {
            struct fy_node *sv, *sk;
            (void)map_get(&m, "product_share", REQUIRED, &sv, &sk);
            return fail_node(L, BK_ERR_VALUE, sv, sk,
                             "%s.product_share must sum to 1, got %.9g", path, sum);
        }
    }
    return BK_OK;
}

static bk_status read_sectors(loader *L, const map *city)
{
    static const char *const keys[] = {"id", "name", "tier", "demand_l_per_day", "floor_share",
                                       "elasticity", "retail", "priority", "transport", NULL};
    bk_scenario *sc = L->sc;
    bk_city_side *cs = &sc->cityside;
    struct fy_node *v, *k;
    TRY(map_get(city, "sectors", OPTIONAL, &v, &k));
    if (k == NULL)
        return BK_OK;
    int n;
    void *arr;
    TRY(list_array(L, v, k, "city.sectors", 0, MAX_SECTORS, sizeof *cs->sectors, &arr, &n));
    if (n == 0)
        return BK_OK;   /* an empty list is no city side, as if the key were absent */
    cs->sectors = arr;
    void *it = NULL;
    struct fy_node *item;
    for (int i = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
        bk_sector *s = &cs->sectors[i];
        char path[48];
        snprintf(path, sizeof path, "city.sectors[%d]", i);
        map m;
        TRY(map_open(L, &m, item, v, path, "sector", keys));
        TRY(rd_id(&m, "id", s->id));
        cs->n_sectors = i + 1;   /* from here bk_scenario_free releases its demand */
        TRY(check_unique(L, cs->sectors, i, sizeof *s, &m, "city.sectors"));
        TRY(rd_str(&m, "name", OPTIONAL, s->id, s->name, sizeof s->name, false));
        TRY(rd_int(&m, "tier", REQUIRED, 0, 1, BK_MAX_TIERS, &s->tier));
        TRY(rd_product_map(&m, "demand_l_per_day", REQUIRED, 0.0, IN(0.0, 1e12, "L/day"),
                           &s->demand_l_per_day));
        double sum = 0;
        for (int j = 0; j < sc->n_products; j++)
            sum += s->demand_l_per_day[j];
        if (!(sum > 0)) {
            struct fy_node *dv, *dk;
            (void)map_get(&m, "demand_l_per_day", REQUIRED, &dv, &dk);
            return fail_node(L, BK_ERR_VALUE, dv, dk,
                             "%s.demand_l_per_day must be > 0 L/day for at least one product "
                             "(sector '%s' demands nothing)", path, s->id);
        }
        TRY(rd_num(&m, "floor_share", OPTIONAL, 0.0, SHARE, &s->floor_share));
        TRY(rd_num(&m, "elasticity", OPTIONAL, 0.0, IN(-5.0, 0.0, ""), &s->elasticity));
        TRY(rd_bool(&m, "retail", OPTIONAL, false, &s->retail));
        TRY(rd_bool(&m, "priority", OPTIONAL, false, &s->priority));
        TRY(rd_bool(&m, "transport", OPTIONAL, false, &s->transport));
    }
    cs->enabled = true;
    return BK_OK;
}

/* An optional sub-mapping (city.power, policy.airlift, ...): *present tells whether it was
 * given. */
static bk_status open_sub(const map *parent, const char *key, const char *const keys[], map *m,
                          bool *present)
{
    struct fy_node *v, *k;
    TRY(map_get(parent, key, OPTIONAL, &v, &k));
    *present = k != NULL;
    if (k == NULL)
        return BK_OK;
    char path[PATH_MAX_LEN];
    join_path(path, sizeof path, parent->path, key);
    return map_open(parent->L, m, v, k, path, path, keys);
}

/* power, schools, queues, prices, hoarding, pressure: the consequences of the allocation. Each
 * is optional, with the defaults of docs/scenario-format.md. */
static bk_status read_consequences(loader *L, const map *city)
{
    static const char *const power_keys[] = {"sector", "fuel_share", "hours_normal", NULL};
    static const char *const school_keys[] = {"close_below", "close_days", "reopen_above",
                                              "reopen_days", NULL};
    static const char *const queue_keys[] = {"hours_per_unmet_ratio", NULL};
    static const char *const price_keys[] = {"currency", "official_per_l", "sensitivity",
                                             "adjust_days", "max_ratio", NULL};
    static const char *const hoard_keys[] = {"factor", "below_cover_days", NULL};
    static const char *const pressure_keys[] = {"weights", "threshold", NULL};
    static const char *const weight_keys[] = {"blackout", "queue", "price", "schools",
                                              "shortage", NULL};
    bk_city_side *cs = &L->sc->cityside;
    map m;
    bool on;

    TRY(open_sub(city, "power", power_keys, &m, &on));
    if (on) {
        TRY(rd_ref(&m, "sector", REF_SECTOR, &cs->power_sector));
        TRY(rd_num(&m, "fuel_share", REQUIRED, 0, SHARE, &cs->power_fuel_share));
        TRY(rd_num(&m, "hours_normal", REQUIRED, 0, IN(0.0, 24.0, "h"),
                   &cs->power_hours_normal));
    }

    TRY(open_sub(city, "schools", school_keys, &m, &on));
    if (on) {
        TRY(rd_num(&m, "close_below", OPTIONAL, 0.5, SHARE, &cs->school_close_below));
        TRY(rd_int(&m, "close_days", OPTIONAL, 7, 1, MAX_DAYS, &cs->school_close_days));
        TRY(rd_num(&m, "reopen_above", OPTIONAL, 0.8, SHARE, &cs->school_reopen_above));
        TRY(rd_int(&m, "reopen_days", OPTIONAL, 5, 1, MAX_DAYS, &cs->school_reopen_days));
        if (cs->school_reopen_above < cs->school_close_below) {
            /* reopening below the closing level would turn the hysteresis inside out */
            struct fy_node *rv;
            (void)map_get(&m, "reopen_above", OPTIONAL, &rv, NULL);
            return fail_node(L, BK_ERR_VALUE, rv, m.node,
                             "city.schools.reopen_above (%g) must be >= close_below (%g)",
                             cs->school_reopen_above, cs->school_close_below);
        }
    }

    TRY(open_sub(city, "queues", queue_keys, &m, &on));
    if (on)
        TRY(rd_num(&m, "hours_per_unmet_ratio", OPTIONAL, 6.0, IN(0.0, 1000.0, "h"),
                   &cs->queue_hours_per_ratio));

    TRY(open_sub(city, "prices", price_keys, &m, &on));
    if (on) {
        TRY(rd_str(&m, "currency", OPTIONAL, "", cs->currency, sizeof cs->currency, false));
        bk_free(cs->official_price);   /* the all-zero default, replaced by the file's values */
        cs->official_price = NULL;
        TRY(rd_product_map(&m, "official_per_l", OPTIONAL, 0.0, IN(0.0, 1e9, "per L"),
                           &cs->official_price));
        TRY(rd_num(&m, "sensitivity", OPTIONAL, 2.0, IN(0.0, 1000.0, ""),
                   &cs->price_sensitivity));
        TRY(rd_num(&m, "adjust_days", OPTIONAL, 7.0, GT0_LE(3650.0, "days"),
                   &cs->price_adjust_days));
        TRY(rd_num(&m, "max_ratio", OPTIONAL, 5.0, IN(1.0, 1000.0, ""), &cs->price_max_ratio));
    }

    TRY(open_sub(city, "hoarding", hoard_keys, &m, &on));
    if (on) {
        TRY(rd_num(&m, "factor", OPTIONAL, 0.0, IN(0.0, 100.0, ""), &cs->hoard_factor));
        TRY(rd_num(&m, "below_cover_days", OPTIONAL, 0.0, IN(0.0, 3650.0, "days"),
                   &cs->hoard_cover_days));
    }

    TRY(open_sub(city, "pressure", pressure_keys, &m, &on));
    if (on) {
        map w;
        bool won;
        TRY(open_sub(&m, "weights", weight_keys, &w, &won));
        if (won) {
            const bounds wb = IN(0.0, 1e6, "");
            TRY(rd_num(&w, "blackout", OPTIONAL, 0.25, wb, &cs->w_blackout));
            TRY(rd_num(&w, "queue", OPTIONAL, 0.2, wb, &cs->w_queue));
            TRY(rd_num(&w, "price", OPTIONAL, 0.2, wb, &cs->w_price));
            TRY(rd_num(&w, "schools", OPTIONAL, 0.15, wb, &cs->w_schools));
            TRY(rd_num(&w, "shortage", OPTIONAL, 0.2, wb, &cs->w_shortage));
            if (cs->w_blackout + cs->w_queue + cs->w_price + cs->w_schools + cs->w_shortage <= 0)
                return fail_node(L, BK_ERR_VALUE, w.node, w.at,
                                 "city.pressure.weights must not all be 0 (the index is their "
                                 "weighted mean)");
        }
        TRY(rd_num(&m, "threshold", OPTIONAL, 0.5, SHARE, &cs->pressure_threshold));
    }
    return BK_OK;
}

static bk_status read_city(loader *L, const map *top)
{
    static const char *const keys[] = {"place", "depot_capacity_l", "initial_stock_l",
                                       "unload_hours", "population", "reserve_floor_l",
                                       "reserve_tier", "sectors", "power", "schools", "queues",
                                       "prices", "hoarding", "pressure", NULL};
    bk_scenario *sc = L->sc;
    bk_city_side *cs = &sc->cityside;
    struct fy_node *v, *k;
    /* Defaults of the city side, kept when the file leaves it out (then it stays disabled); -1
     * marks "none" where 0 would name a real sector. */
    cs->enabled = false;
    cs->power_sector = -1;
    cs->power_fuel_share = 0.0;
    cs->power_hours_normal = 24.0;
    cs->reserve_tier = 1;
    cs->school_close_below = 0.5;
    cs->school_close_days = 7;
    cs->school_reopen_above = 0.8;
    cs->school_reopen_days = 5;
    cs->queue_hours_per_ratio = 6.0;
    cs->price_sensitivity = 2.0;
    cs->price_adjust_days = 7.0;
    cs->price_max_ratio = 5.0;
    cs->w_blackout = 0.25;
    cs->w_queue = 0.2;
    cs->w_price = 0.2;
    cs->w_schools = 0.15;
    cs->w_shortage = 0.2;
    cs->pressure_threshold = 0.5;
    cs->official_price = bk_calloc((size_t)sc->n_products, sizeof *cs->official_price);
    if (cs->official_price == NULL)
        return bk_fail(L->err, BK_ERR_NOMEM, "out of memory reading %s", L->file);

    TRY(map_get(top, "city", REQUIRED, &v, &k));
    map m;
    TRY(map_open(L, &m, v, k, "city", "city", keys));
    TRY(rd_ref(&m, "place", REF_PLACE, &sc->city.place));
    TRY(rd_num(&m, "depot_capacity_l", REQUIRED, 0, GT0_LE(1e12, "L"), &sc->city.depot_capacity_l));
    TRY(rd_product_map(&m, "initial_stock_l", OPTIONAL, 0.0, IN(0.0, 1e12, "L"),
                       &sc->city.initial_stock_l));
    double sum = 0;
    for (int j = 0; j < sc->n_products; j++)
        sum += sc->city.initial_stock_l[j];
    if (sum > sc->city.depot_capacity_l) {
        struct fy_node *sv, *sk;
        (void)map_get(&m, "initial_stock_l", OPTIONAL, &sv, &sk);
        return fail_node(L, BK_ERR_VALUE, sv, sk,
                         "city.initial_stock_l totals %.15g L, more than depot_capacity_l %.15g L",
                         sum, sc->city.depot_capacity_l);
    }
    TRY(rd_range(&m, "unload_hours", OPTIONAL, 0, 0, IN(0.0, 720.0, "h"), &sc->city.unload_min_h,
                 &sc->city.unload_max_h));

    TRY(rd_num(&m, "population", OPTIONAL, 0.0, GT0_LE(1e10, "people"), &cs->population));
    TRY(rd_product_map(&m, "reserve_floor_l", OPTIONAL, 0.0, IN(0.0, 1e12, "L"),
                       &cs->reserve_floor_l));
    sum = 0;
    for (int j = 0; j < sc->n_products; j++)
        sum += cs->reserve_floor_l[j];
    if (sum > sc->city.depot_capacity_l) {
        struct fy_node *sv, *sk;
        (void)map_get(&m, "reserve_floor_l", OPTIONAL, &sv, &sk);
        return fail_node(L, BK_ERR_VALUE, sv, sk,
                         "city.reserve_floor_l totals %.15g L, more than depot_capacity_l %.15g L",
                         sum, sc->city.depot_capacity_l);
    }
    TRY(rd_int(&m, "reserve_tier", OPTIONAL, 1, 0, BK_MAX_TIERS, &cs->reserve_tier));
    TRY(read_sectors(L, &m));
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
    int *queue = bk_malloc((size_t)sc->n_places * sizeof *queue);
    char *seen = bk_malloc((size_t)sc->n_places);
    if (queue == NULL || seen == NULL) {
        bk_free(queue);
        bk_free(seen);
        return bk_fail(L->err, BK_ERR_NOMEM, "out of memory reading %s", L->file);
    }
    int bad = -1;
    for (int i = 0; i < sc->n_ports && bad < 0; i++)
        if (!reachable(sc, sc->ports[i].place, sc->city.place, queue, seen))
            bad = i;
    bk_free(queue);
    bk_free(seen);
    if (bad < 0)
        return BK_OK;
    struct fy_node *v, *k;
    (void)map_get(top, "ports", REQUIRED, &v, &k);
    return fail_node(L, BK_ERR_VALUE, fy_node_sequence_get_by_index(v, bad), k,
                     "the city place '%s' cannot be reached by road from port '%s' (place '%s')",
                     sc->places[sc->city.place].id, sc->ports[bad].id,
                     sc->places[sc->ports[bad].place].id);
}

static bk_status read_corridor_path(loader *L, const map *m, bk_corridor *c)
{
    bk_scenario *sc = L->sc;
    struct fy_node *v, *k;
    char path[PATH_MAX_LEN];
    TRY(map_get(m, "path", REQUIRED, &v, &k));
    join_path(path, sizeof path, m->path, "path");
    int n;
    TRY(node_list(L, v, k, path, 2, MAX_PATH, &n));
    c->path = bk_calloc((size_t)n, sizeof *c->path);
    c->path_seg = bk_calloc((size_t)n - 1, sizeof *c->path_seg);
    if (c->path == NULL || c->path_seg == NULL)
        return bk_fail(L->err, BK_ERR_NOMEM, "out of memory reading %s", L->file);
    void *it = NULL;
    struct fy_node *item;
    for (int i = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
        char ipath[PATH_MAX_LEN + 16];
        snprintf(ipath, sizeof ipath, "%s[%d]", path, i);
        TRY(node_ref(L, item, k, ipath, REF_PLACE, &c->path[i]));
        c->path_len = i + 1;
        for (int j = 0; j < i; j++)
            if (c->path[j] == c->path[i])
                return fail_node(L, BK_ERR_VALUE, item, k,
                                 "corridor '%s': path visits place '%s' twice", c->id,
                                 sc->places[c->path[i]].id);
        if (i == 0 && c->path[0] != sc->ports[c->port].place)
            return fail_node(L, BK_ERR_VALUE, item, k,
                             "corridor '%s': path must start at port '%s''s place '%s', "
                             "starts at '%s'", c->id, sc->ports[c->port].id,
                             sc->places[sc->ports[c->port].place].id, sc->places[c->path[0]].id);
        if (i > 0) {
            int seg = bk_scenario_find_segment(sc, c->path[i - 1], c->path[i]);
            if (seg < 0)
                return fail_node(L, BK_ERR_VALUE, item, k,
                                 "corridor '%s': path leg %s -> %s has no segment", c->id,
                                 sc->places[c->path[i - 1]].id, sc->places[c->path[i]].id);
            c->path_seg[i - 1] = seg;
        }
    }
    if (c->path[n - 1] != sc->city.place)
        return fail_node(L, BK_ERR_VALUE, fy_node_sequence_get_by_index(v, n - 1), k,
                         "corridor '%s': path must end at the city place '%s', ends at '%s'",
                         c->id, sc->places[sc->city.place].id, sc->places[c->path[n - 1]].id);
    return BK_OK;
}

static bk_status read_corridors(loader *L, const map *top)
{
    static const char *const keys[] = {"id", "name", "port", "path", "staging", "tankers",
                                       "escort", NULL};
    static const char *const escort_keys[] = {"units", "strength", "replacement_per_week", NULL};
    bk_scenario *sc = L->sc;
    struct fy_node *v, *k;
    TRY(map_get(top, "corridors", REQUIRED, &v, &k));
    int n;
    void *arr;
    TRY(list_array(L, v, k, "corridors", 1, MAX_CORRIDORS, sizeof *sc->corridors, &arr, &n));
    sc->corridors = arr;
    void *it = NULL;
    struct fy_node *item;
    for (int i = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
        bk_corridor *c = &sc->corridors[i];
        char path[32];
        snprintf(path, sizeof path, "corridors[%d]", i);
        map m;
        TRY(map_open(L, &m, item, v, path, "corridor", keys));
        TRY(rd_id(&m, "id", c->id));
        sc->n_corridors = i + 1;   /* from here bk_scenario_free releases its arrays */
        TRY(check_unique(L, sc->corridors, i, sizeof *c, &m, "corridors"));
        TRY(rd_str(&m, "name", OPTIONAL, c->id, c->name, sizeof c->name, false));
        TRY(rd_ref(&m, "port", REF_PORT, &c->port));
        TRY(read_corridor_path(L, &m, c));

        struct fy_node *sv, *sk;
        TRY(map_get(&m, "staging", OPTIONAL, &sv, &sk));
        c->staging = 0;
        if (sk != NULL) {
            int place;
            char spath[48];
            snprintf(spath, sizeof spath, "%s.staging", path);
            TRY(node_ref(L, sv, sk, spath, REF_PLACE, &place));
            c->staging = -1;
            for (int j = 0; j < c->path_len - 1; j++)
                if (c->path[j] == place)
                    c->staging = j;
            if (c->staging < 0)
                return fail_node(L, BK_ERR_VALUE, sv, sk,
                                 "corridor '%s': staging place '%s' is not on the path before "
                                 "the city", c->id, sc->places[place].id);
        }
        TRY(rd_int(&m, "tankers", REQUIRED, 0, 0, 1000000, &c->tankers));

        struct fy_node *ev, *ek;
        TRY(map_get(&m, "escort", OPTIONAL, &ev, &ek));
        if (ek != NULL) {
            char epath[48];
            snprintf(epath, sizeof epath, "%s.escort", path);
            map e;
            TRY(map_open(L, &e, ev, ek, epath, "escort", escort_keys));
            TRY(rd_int(&e, "units", OPTIONAL, 0, 0, 100000, &c->escort_units));
            TRY(rd_num(&e, "strength", c->escort_units > 0 ? REQUIRED : OPTIONAL, 0.0,
                       c->escort_units > 0 ? GT0_LE(1e6, "fighters") : IN(0.0, 1e6, "fighters"),
                       &c->escort_strength));
            TRY(rd_num(&e, "replacement_per_week", OPTIONAL, 0.0, IN(0.0, 1e4, "units/week"),
                       &c->escort_replacement_per_week));
        }
    }
    return BK_OK;
}

static bk_status read_fleet(loader *L, const map *top)
{
    static const char *const keys[] = {"tanker_capacity_l", "join_rate_per_day", "fear_per_attack",
                                       "fear_per_kidnapping", "recovery_days", "retry_hours",
                                       "min_willingness", NULL};
    bk_fleet *f = &L->sc->fleet;
    struct fy_node *v, *k;
    TRY(map_get(top, "fleet", REQUIRED, &v, &k));
    map m;
    TRY(map_open(L, &m, v, k, "fleet", "fleet", keys));
    TRY(rd_num(&m, "tanker_capacity_l", REQUIRED, 0, GT0_LE(200000.0, "L"), &f->tanker_capacity_l));
    TRY(rd_num(&m, "join_rate_per_day", OPTIONAL, 0.0, IN(0.0, 1e5, "tankers/day"),
               &f->join_rate_per_day));
    TRY(rd_num(&m, "fear_per_attack", OPTIONAL, 0.0, SHARE, &f->fear_per_attack));
    TRY(rd_num(&m, "fear_per_kidnapping", OPTIONAL, 0.0, SHARE, &f->fear_per_kidnapping));
    TRY(rd_num(&m, "recovery_days", OPTIONAL, 30.0, GT0_LE(3650.0, "days"), &f->recovery_days));
    TRY(rd_num(&m, "retry_hours", OPTIONAL, 24.0, GT0_LE(8760.0, "h"), &f->retry_hours));
    TRY(rd_num(&m, "min_willingness", OPTIONAL, 0.0, SHARE, &f->min_willingness));
    return BK_OK;
}

static const char *const convoy_modes[] = {"off", "date", "threat", "always", NULL};
static const char *const routing_modes[] = {"fixed", "risk_aware", NULL};
/* In the order of enum bk_escort_alloc. */
static const char *const escort_allocs[] = {"fixed", "traffic", "risk", NULL};

/* policy.rationing, policy.escorts, policy.airlift: the city-side policies. */
static bk_status read_city_policy(loader *L, const map *pol)
{
    static const char *const ration_keys[] = {"price_control", "per_fill_cap_l", "typical_fill_l",
                                              NULL};
    static const char *const escort_keys[] = {"allocation", "interval_days", NULL};
    static const char *const airlift_keys[] = {"from_date", "litres_per_day", "product", NULL};
    bk_city_policy *cp = &L->sc->citypol;
    map m;
    bool on;

    TRY(open_sub(pol, "rationing", ration_keys, &m, &on));
    if (on) {
        TRY(rd_bool(&m, "price_control", OPTIONAL, true, &cp->price_control));
        TRY(rd_num(&m, "per_fill_cap_l", OPTIONAL, 0.0, IN(0.0, 1e6, "L"), &cp->per_fill_cap_l));
        TRY(rd_num(&m, "typical_fill_l", OPTIONAL, 30.0, GT0_LE(1e6, "L"), &cp->typical_fill_l));
    }

    TRY(open_sub(pol, "escorts", escort_keys, &m, &on));
    if (on) {
        int mode, days;
        TRY(rd_enum(&m, "allocation", OPTIONAL, BK_ESCORT_FIXED, escort_allocs, &mode));
        cp->escort_alloc = (enum bk_escort_alloc)mode;
        /* whole days: the reallocation runs on day boundaries */
        TRY(rd_int(&m, "interval_days", OPTIONAL, 7, 1, MAX_DAYS, &days));
        cp->escort_realloc_days = days;
    }

    TRY(open_sub(pol, "airlift", airlift_keys, &m, &on));
    if (on) {
        struct fy_node *v, *k;
        TRY(map_get(&m, "from_date", REQUIRED, &v, &k));
        TRY(node_date_hours(L, v, k, "policy.airlift.from_date", &cp->airlift_from_h));
        TRY(rd_num(&m, "litres_per_day", REQUIRED, 0, GT0_LE(1e12, "L/day"),
                   &cp->airlift_l_per_day));
        TRY(rd_ref(&m, "product", REF_PRODUCT, &cp->airlift_product));
    }
    return BK_OK;
}

static bk_status read_policy(loader *L, const map *top)
{
    static const char *const keys[] = {"convoy", "night_ban", "routing", "rationing", "escorts",
                                       "airlift", NULL};
    static const char *const convoy_keys[] = {"mode", "from_date", "threat_attacks_per_week",
                                              "min_size", "max_size", "max_wait_hours",
                                              "escort_per_convoy", "escort_min", "speed_factor",
                                              NULL};
    static const char *const night_keys[] = {"enabled", "from_hour", "to_hour", NULL};
    static const char *const routing_keys[] = {"mode", "risk_weight", "risk_memory_days", NULL};
    bk_policy *p = &L->sc->policy;
    struct fy_node *v, *k;
    /* Defaults: no convoys, no night ban, fixed routing. */
    *p = (bk_policy){.convoy_mode = BK_CONVOY_OFF, .threat_attacks_per_week = 1.0,
                     .convoy_min_size = 1, .convoy_max_size = 100, .convoy_max_wait_h = 48.0,
                     .convoy_speed_factor = 1.0, .night_ban = false, .night_from_hour = 19.0,
                     .night_to_hour = 6.0, .routing = BK_ROUTING_FIXED, .risk_weight = 1.0,
                     .risk_memory_days = 14.0};
    /* City-side defaults: price control on, no fill cap, fixed escorts, no airlift. */
    L->sc->citypol = (bk_city_policy){.price_control = true, .per_fill_cap_l = 0.0,
                                      .typical_fill_l = 30.0, .escort_alloc = BK_ESCORT_FIXED,
                                      .escort_realloc_days = 7.0, .airlift_from_h = -1.0,
                                      .airlift_l_per_day = 0.0, .airlift_product = -1};
    TRY(map_get(top, "policy", OPTIONAL, &v, &k));
    if (k == NULL)
        return BK_OK;
    map m;
    TRY(map_open(L, &m, v, k, "policy", "policy", keys));

    TRY(map_get(&m, "convoy", OPTIONAL, &v, &k));
    if (k != NULL) {
        map c;
        int mode;
        TRY(map_open(L, &c, v, k, "policy.convoy", "policy.convoy", convoy_keys));
        TRY(rd_enum(&c, "mode", OPTIONAL, BK_CONVOY_OFF, convoy_modes, &mode));
        p->convoy_mode = (enum bk_convoy_mode)mode;
        struct fy_node *dv, *dk;
        TRY(map_get(&c, "from_date", mode == BK_CONVOY_DATE ? REQUIRED : OPTIONAL, &dv, &dk));
        if (dk != NULL)
            TRY(node_date_hours(L, dv, dk, "policy.convoy.from_date", &p->convoy_from_h));
        TRY(rd_num(&c, "threat_attacks_per_week", OPTIONAL, 1.0, GT0_LE(1e4, "attacks/week"),
                   &p->threat_attacks_per_week));
        TRY(rd_int(&c, "min_size", OPTIONAL, 1, 1, 100000, &p->convoy_min_size));
        int def_max = p->convoy_min_size > 100 ? p->convoy_min_size : 100;
        TRY(rd_int(&c, "max_size", OPTIONAL, def_max, 1, 100000, &p->convoy_max_size));
        if (p->convoy_min_size > p->convoy_max_size) {
            struct fy_node *sv, *sk;
            (void)map_get(&c, "max_size", OPTIONAL, &sv, &sk);
            return fail_node(L, BK_ERR_VALUE, sv, c.node,
                             "policy.convoy.min_size (%d) must be <= max_size (%d)",
                             p->convoy_min_size, p->convoy_max_size);
        }
        TRY(rd_num(&c, "max_wait_hours", OPTIONAL, 48.0, IN(0.0, 8760.0, "h"),
                   &p->convoy_max_wait_h));
        TRY(rd_int(&c, "escort_per_convoy", OPTIONAL, 0, 0, 100000, &p->escort_per_convoy));
        TRY(rd_int(&c, "escort_min", OPTIONAL, 0, 0, 100000, &p->escort_min));
        if (p->escort_min > p->escort_per_convoy) {
            struct fy_node *sv;
            (void)map_get(&c, "escort_min", OPTIONAL, &sv, NULL);
            return fail_node(L, BK_ERR_VALUE, sv, c.node,
                             "policy.convoy.escort_min (%d) must be <= escort_per_convoy (%d)",
                             p->escort_min, p->escort_per_convoy);
        }
        TRY(rd_num(&c, "speed_factor", OPTIONAL, 1.0, GT0_LE(1.0, ""), &p->convoy_speed_factor));
    }

    TRY(map_get(&m, "night_ban", OPTIONAL, &v, &k));
    if (k != NULL) {
        map nb;
        const bounds hour = {'G', '<', 0.0, 24.0, "h"};
        TRY(map_open(L, &nb, v, k, "policy.night_ban", "policy.night_ban", night_keys));
        TRY(rd_bool(&nb, "enabled", OPTIONAL, false, &p->night_ban));
        TRY(rd_num(&nb, "from_hour", OPTIONAL, 19.0, hour, &p->night_from_hour));
        TRY(rd_num(&nb, "to_hour", OPTIONAL, 6.0, hour, &p->night_to_hour));
    }

    TRY(map_get(&m, "routing", OPTIONAL, &v, &k));
    if (k != NULL) {
        map r;
        int mode;
        TRY(map_open(L, &r, v, k, "policy.routing", "policy.routing", routing_keys));
        TRY(rd_enum(&r, "mode", OPTIONAL, BK_ROUTING_FIXED, routing_modes, &mode));
        p->routing = (enum bk_routing_mode)mode;
        TRY(rd_num(&r, "risk_weight", OPTIONAL, 1.0, IN(0.0, 1e6, ""), &p->risk_weight));
        TRY(rd_num(&r, "risk_memory_days", OPTIONAL, 14.0, GT0_LE(3650.0, "days"),
                   &p->risk_memory_days));
    }
    return read_city_policy(L, &m);
}

static bk_status read_ambush(loader *L, const map *g)
{
    static const char *const keys[] = {
        "base_logit", "ratio_coef", "cover_coef", "unescorted_success", "min_success",
        "party_share", "destroy_share_mean", "destroy_concentration", "capture_share",
        "kidnap_prob", "escort_loss_success", "escort_loss_failure", "fighter_loss_success",
        "fighter_loss_failure", "delay_hours", "lone_burn_prob", NULL};
    bk_armed_group *a = &L->sc->group;
    struct fy_node *v, *k;
    TRY(map_get(g, "ambush", REQUIRED, &v, &k));
    map m;
    TRY(map_open(L, &m, v, k, "armed_group.ambush", "armed_group.ambush", keys));
    TRY(rd_num(&m, "base_logit", REQUIRED, 0, IN(-50.0, 50.0, ""), &a->ambush_base_logit));
    TRY(rd_num(&m, "ratio_coef", REQUIRED, 0, IN(0.0, 50.0, ""), &a->ambush_ratio_coef));
    TRY(rd_num(&m, "cover_coef", REQUIRED, 0, IN(-50.0, 50.0, ""), &a->ambush_cover_coef));
    TRY(rd_num(&m, "unescorted_success", REQUIRED, 0, SHARE, &a->unescorted_success));
    TRY(rd_num(&m, "min_success", REQUIRED, 0, SHARE, &a->min_success));
    TRY(rd_num(&m, "party_share", REQUIRED, 0, GT0_LE(1.0, ""), &a->attack_party_share));
    TRY(rd_num(&m, "destroy_share_mean", REQUIRED, 0, ((bounds){'>', '<', 0.0, 1.0, ""}),
               &a->destroy_share_mean));
    TRY(rd_num(&m, "destroy_concentration", REQUIRED, 0, GT0_LE(1e6, ""),
               &a->destroy_concentration));
    TRY(rd_num(&m, "capture_share", REQUIRED, 0, SHARE, &a->capture_share));
    TRY(rd_num(&m, "kidnap_prob", REQUIRED, 0, SHARE, &a->kidnap_prob));
    TRY(rd_num(&m, "escort_loss_success", REQUIRED, 0, SHARE, &a->escort_loss_success));
    TRY(rd_num(&m, "escort_loss_failure", REQUIRED, 0, SHARE, &a->escort_loss_failure));
    TRY(rd_num(&m, "fighter_loss_success", REQUIRED, 0, SHARE, &a->fighter_loss_success));
    TRY(rd_num(&m, "fighter_loss_failure", REQUIRED, 0, SHARE, &a->fighter_loss_failure));
    TRY(rd_range(&m, "delay_hours", REQUIRED, 0, 0, IN(0.0, 8760.0, "h"), &a->delay_min_h,
                 &a->delay_max_h));
    TRY(rd_num(&m, "lone_burn_prob", REQUIRED, 0, SHARE, &a->lone_burn_prob));
    return BK_OK;
}

static bk_status read_cells(loader *L, const map *g)
{
    static const char *const keys[] = {"id", "home", "reach_km", "roam_km", "strength",
                                       "max_strength", "recruitment_per_day", "intelligence",
                                       "readiness_hours", NULL};
    bk_armed_group *a = &L->sc->group;
    struct fy_node *v, *k;
    TRY(map_get(g, "cells", OPTIONAL, &v, &k));
    if (k == NULL)
        return BK_OK;
    int n;
    void *arr;
    TRY(list_array(L, v, k, "armed_group.cells", 0, MAX_CELLS, sizeof *a->cells, &arr, &n));
    if (n == 0)
        return BK_OK;
    a->cells = arr;
    void *it = NULL;
    struct fy_node *item;
    for (int i = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
        bk_cell *c = &a->cells[i];
        char path[48];
        snprintf(path, sizeof path, "armed_group.cells[%d]", i);
        map m;
        TRY(map_open(L, &m, item, v, path, "cell", keys));
        TRY(rd_id(&m, "id", c->id));
        a->n_cells = i + 1;
        TRY(check_unique(L, a->cells, i, sizeof *c, &m, "armed_group.cells"));
        TRY(rd_ref(&m, "home", REF_PLACE, &c->home));
        TRY(rd_num(&m, "reach_km", REQUIRED, 0, GT0_LE(5000.0, "km"), &c->reach_km));
        TRY(rd_num(&m, "roam_km", OPTIONAL, 0.0, IN(0.0, 20000.0, "km"), &c->roam_km));
        TRY(rd_num(&m, "strength", REQUIRED, 0, GT0_LE(1e6, "fighters"), &c->strength));
        TRY(rd_num(&m, "max_strength", OPTIONAL, c->strength, GT0_LE(1e6, "fighters"),
                   &c->max_strength));
        if (c->max_strength < c->strength) {
            struct fy_node *sv;
            (void)map_get(&m, "max_strength", OPTIONAL, &sv, NULL);
            return fail_node(L, BK_ERR_VALUE, sv, item,
                             "%s: max_strength (%g) must be >= strength (%g)", path,
                             c->max_strength, c->strength);
        }
        TRY(rd_num(&m, "recruitment_per_day", OPTIONAL, 0.0, IN(0.0, 1e5, "fighters/day"),
                   &c->recruitment_per_day));
        TRY(rd_num(&m, "intelligence", REQUIRED, 0, SHARE, &c->intelligence));
        TRY(rd_num(&m, "readiness_hours", OPTIONAL, 0.0, IN(0.0, 8760.0, "h"),
                   &c->readiness_hours));
    }
    return BK_OK;
}

static bk_status read_group(loader *L, const map *top)
{
    static const char *const keys[] = {"name", "campaign_start", "pre_campaign_interest",
                                       "empty_interest", "ambush", "road_cuts",
                                       "coordinated_days", "adaptation", "cells", NULL};
    static const char *const cut_keys[] = {"rate_per_day", "repair_hours", NULL};
    static const char *const coord_keys[] = {"rate_per_week", "boost", NULL};
    static const char *const adapt_keys[] = {"interval_hours", "inertia", "traffic_memory_days",
                                             NULL};
    bk_armed_group *a = &L->sc->group;
    struct fy_node *v, *k;
    /* Without an armed group: no cells and no campaign. Parameters get neutral values so that
     * a model reading them stays well defined. */
    snprintf(a->name, sizeof a->name, "%s", "");
    a->campaign_start_h = -1.0;
    a->pre_campaign_interest = 1.0;
    a->empty_interest = 1.0;
    a->destroy_share_mean = 0.5;
    a->destroy_concentration = 2.0;
    a->coordinated_boost = 1.0;
    a->drift_interval_h = 24.0;
    a->drift_inertia = 1.0;
    a->traffic_memory_days = 14.0;
    TRY(map_get(top, "armed_group", OPTIONAL, &v, &k));
    if (k == NULL)
        return BK_OK;
    map m;
    TRY(map_open(L, &m, v, k, "armed_group", "armed_group", keys));
    TRY(rd_str(&m, "name", OPTIONAL, "Unidentified Armed Group", a->name, sizeof a->name, false));
    TRY(map_get(&m, "campaign_start", OPTIONAL, &v, &k));
    if (k != NULL)
        TRY(node_date_hours(L, v, k, "armed_group.campaign_start", &a->campaign_start_h));
    TRY(rd_num(&m, "pre_campaign_interest", OPTIONAL, 1.0, SHARE, &a->pre_campaign_interest));
    TRY(rd_num(&m, "empty_interest", OPTIONAL, 1.0, SHARE, &a->empty_interest));
    TRY(read_ambush(L, &m));

    TRY(map_get(&m, "road_cuts", OPTIONAL, &v, &k));
    if (k != NULL) {
        map c;
        TRY(map_open(L, &c, v, k, "armed_group.road_cuts", "armed_group.road_cuts", cut_keys));
        TRY(rd_num(&c, "rate_per_day", OPTIONAL, 0.0, IN(0.0, 1000.0, "cuts/day"),
                   &a->road_cut_rate_per_day));
        TRY(rd_range(&c, "repair_hours", a->road_cut_rate_per_day > 0 ? REQUIRED : OPTIONAL, 0, 0,
                     IN(0.0, 87600.0, "h"), &a->repair_min_h, &a->repair_max_h));
    }
    TRY(map_get(&m, "coordinated_days", OPTIONAL, &v, &k));
    if (k != NULL) {
        map c;
        TRY(map_open(L, &c, v, k, "armed_group.coordinated_days", "armed_group.coordinated_days",
                     coord_keys));
        TRY(rd_num(&c, "rate_per_week", OPTIONAL, 0.0, IN(0.0, 7.0, "days/week"),
                   &a->coordinated_rate_per_week));
        TRY(rd_num(&c, "boost", OPTIONAL, 1.0, IN(1.0, 1000.0, ""), &a->coordinated_boost));
    }
    TRY(map_get(&m, "adaptation", OPTIONAL, &v, &k));
    if (k != NULL) {
        map c;
        TRY(map_open(L, &c, v, k, "armed_group.adaptation", "armed_group.adaptation",
                     adapt_keys));
        TRY(rd_num(&c, "interval_hours", OPTIONAL, 24.0, GT0_LE(8760.0, "h"),
                   &a->drift_interval_h));
        TRY(rd_num(&c, "inertia", OPTIONAL, 1.0, SHARE, &a->drift_inertia));
        TRY(rd_num(&c, "traffic_memory_days", OPTIONAL, 14.0, GT0_LE(3650.0, "days"),
                   &a->traffic_memory_days));
    }
    return read_cells(L, &m);
}

/* Timeline entry types, in the order of enum bk_timeline_kind. */
static const char *const tl_types[] = {"campaign_start", "campaign_end", "road_cut",
                                       "supply_cut",     "convoy_mode",  "escort_reinforce",
                                       "night_ban",      "routing",      "note",
                                       "airlift",        "price_control", "fill_cap",
                                       "reserve_release", "sector_tier", "official_price",
                                       "escort_allocation", NULL};

static bk_status read_event(loader *L, struct fy_node *item, struct fy_node *list, int i,
                            bk_timeline_event *e)
{
    static const char *const base_keys[] = {"date", "type", "note", NULL};
    static const char *const keys[][7] = {
        [BK_TL_CAMPAIGN_START] = {"date", "type", "note", NULL},
        [BK_TL_CAMPAIGN_END] = {"date", "type", "note", NULL},
        [BK_TL_ROAD_CUT] = {"date", "type", "note", "segment", "hours", NULL},
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
    if (node_pos(item, &line, &col, 0))
        e->line = line;

    /* The type decides which keys are allowed, so read it before checking the keys. */
    map m;
    if (item == NULL || fy_node_get_type(item) != FYNT_MAPPING)
        return map_open(L, &m, item, list, path, "timeline entry", base_keys);
    m = (map){.L = L, .node = item, .at = list};
    snprintf(m.path, sizeof m.path, "%s", path);
    int type;
    TRY(rd_enum(&m, "type", REQUIRED, 0, tl_types, &type));
    e->kind = (enum bk_timeline_kind)type;
    snprintf(what, sizeof what, "timeline entry of type %s", tl_types[type]);
    TRY(map_open(L, &m, item, list, path, what, keys[type]));

    struct fy_node *v, *k;
    TRY(map_get(&m, "date", REQUIRED, &v, &k));
    char dpath[48];
    snprintf(dpath, sizeof dpath, "%s.date", path);
    TRY(node_date_hours(L, v, k, dpath, &e->time_h));
    TRY(rd_str(&m, "note", e->kind == BK_TL_NOTE ? REQUIRED : OPTIONAL, "", e->note,
               sizeof e->note, false));

    switch (e->kind) {
    case BK_TL_ROAD_CUT: {
        TRY(map_get(&m, "segment", REQUIRED, &v, &k));
        char spath[48], ipath[56], got[96];
        snprintf(spath, sizeof spath, "%s.segment", path);
        if (v == NULL || fy_node_get_type(v) != FYNT_SEQUENCE ||
            fy_node_sequence_item_count(v) != 2)
            return fail_node(L, BK_ERR_SCHEMA, v, k,
                             "%s must be a list of two place ids [from, to], got %s", spath,
                             node_desc(v, got, sizeof got));
        int a, b;
        snprintf(ipath, sizeof ipath, "%s[0]", spath);
        TRY(node_ref(L, fy_node_sequence_get_by_index(v, 0), k, ipath, REF_PLACE, &a));
        snprintf(ipath, sizeof ipath, "%s[1]", spath);
        TRY(node_ref(L, fy_node_sequence_get_by_index(v, 1), k, ipath, REF_PLACE, &b));
        e->segment = bk_scenario_find_segment(sc, a, b);
        if (e->segment < 0)
            return fail_node(L, BK_ERR_REFERENCE, v, k,
                             "%s: unknown segment, no segment joins '%s' and '%s'", spath,
                             sc->places[a].id, sc->places[b].id);
        TRY(rd_num(&m, "hours", REQUIRED, 0, GT0_LE(87600.0, "h"), &e->hours));
        break;
    }
    case BK_TL_SUPPLY_CUT:
        TRY(rd_ref(&m, "port", REF_PORT, &e->port));
        TRY(rd_num(&m, "factor", REQUIRED, 0, SHARE, &e->factor));
        TRY(rd_num(&m, "hours", REQUIRED, 0, GT0_LE(87600.0, "h"), &e->hours));
        break;
    case BK_TL_CONVOY_MODE: {
        int mode;
        TRY(rd_enum(&m, "mode", REQUIRED, 0, tl_convoy_modes, &mode));
        e->mode = (int)tl_convoy_value[mode];
        break;
    }
    case BK_TL_ESCORT_REINFORCE:
        TRY(rd_ref(&m, "corridor", REF_CORRIDOR, &e->corridor));
        TRY(rd_int(&m, "units", REQUIRED, 0, -100000, 100000, &e->units));
        break;
    case BK_TL_NIGHT_BAN: {
        bool on;
        TRY(rd_bool(&m, "enabled", REQUIRED, false, &on));
        e->mode = on ? 1 : 0;
        break;
    }
    case BK_TL_ROUTING:
        TRY(rd_enum(&m, "mode", REQUIRED, 0, routing_modes, &e->mode));
        break;
    case BK_TL_AIRLIFT:
        TRY(rd_num(&m, "litres_per_day", REQUIRED, 0, IN(0.0, 1e12, "L/day"), &e->value));
        TRY(rd_ref(&m, "product", REF_PRODUCT, &e->product));
        break;
    case BK_TL_PRICE_CONTROL: {
        bool on;
        TRY(rd_bool(&m, "enabled", REQUIRED, false, &on));
        e->mode = on ? 1 : 0;
        break;
    }
    case BK_TL_FILL_CAP:
        TRY(rd_num(&m, "litres", REQUIRED, 0, IN(0.0, 1e6, "L"), &e->value));
        break;
    case BK_TL_RESERVE_TIER:
        TRY(rd_int(&m, "tier", REQUIRED, 0, 0, BK_MAX_TIERS, &e->units));
        break;
    case BK_TL_SECTOR_TIER:
        TRY(rd_ref(&m, "sector", REF_SECTOR, &e->sector));
        TRY(rd_int(&m, "tier", REQUIRED, 0, 1, BK_MAX_TIERS, &e->units));
        break;
    case BK_TL_OFFICIAL_PRICE:
        TRY(rd_ref(&m, "product", REF_PRODUCT, &e->product));
        TRY(rd_num(&m, "price", REQUIRED, 0, IN(0.0, 1e9, "per L"), &e->value));
        break;
    case BK_TL_ESCORT_ALLOC:
        TRY(rd_enum(&m, "mode", REQUIRED, 0, escort_allocs, &e->mode));
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

static bk_status read_timeline(loader *L, const map *top)
{
    bk_scenario *sc = L->sc;
    struct fy_node *v, *k;
    TRY(map_get(top, "timeline", OPTIONAL, &v, &k));
    if (k == NULL || is_null_scalar(v))
        return BK_OK;
    int n;
    void *arr;
    TRY(list_array(L, v, k, "timeline", 0, MAX_TIMELINE, sizeof *sc->timeline, &arr, &n));
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

/* ---------------------------------------------------------------------------------------------
 * Document-level checks and parsing
 */

/* Aliases, tags and non-string keys have no meaning in a scenario; refusing them up front also
 * rules out alias-expansion bombs. libfyaml bounds the depth (64), so recursion is bounded. */
static bk_status check_tree(loader *L, struct fy_node *n, int depth)
{
    if (n == NULL)
        return BK_OK;
    if (fy_node_is_alias(n)) {
        char name[64];
        const char *s = fy_node_get_scalar0(n);
        sanitize(s ? s : "", s ? strlen(s) : 0, name, sizeof name);
        return fail_node(L, BK_ERR_SCHEMA, n, NULL,
                         "aliases (*%s) are not supported in scenario files; write the value out",
                         name);
    }
    size_t tlen = 0;
    const char *tag = fy_node_get_tag(n, &tlen);
    if (tag != NULL) {
        char shown[64];
        sanitize(tag, tlen, shown, sizeof shown);
        return fail_node(L, BK_ERR_SCHEMA, n, NULL, "tags (%s) are not supported in scenario files",
                         shown);
    }
    if (depth > 200)
        return fail_node(L, BK_ERR_SYNTAX, n, NULL, "document nested too deeply");
    if (fy_node_get_type(n) == FYNT_SEQUENCE) {
        void *it = NULL;
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(n, &it)) != NULL)
            TRY(check_tree(L, item, depth + 1));
    } else if (fy_node_get_type(n) == FYNT_MAPPING) {
        void *it = NULL;
        struct fy_node_pair *p;
        while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
            struct fy_node *key = fy_node_pair_key(p);
            if (key == NULL || fy_node_get_type(key) != FYNT_SCALAR || fy_node_is_alias(key) ||
                is_null_scalar(key))
                return fail_node(L, BK_ERR_SCHEMA, key, fy_node_pair_value(p),
                                 "mapping keys must be strings");
            TRY(check_tree(L, key, depth + 1));
            TRY(check_tree(L, fy_node_pair_value(p), depth + 1));
        }
    }
    return BK_OK;
}

static void offset_pos(const char *text, size_t off, int *line, int *col)
{
    int l = 1, c = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            c++;   /* count characters, not UTF-8 continuation bytes */
        }
    }
    *line = l;
    *col = c;
}

/* A scenario is UTF-8 text: refuse NUL bytes, control characters and invalid UTF-8 before the
 * parser sees them, with the position of the first bad byte. */
static bk_status check_bytes(loader *L, const char *t, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)t[i];
        const char *why = NULL;
        size_t need = 0;
        if (c == 0)
            why = "NUL byte";
        else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            why = "control character";
        else if (c == 0x7f)
            why = "control character";
        else if (c < 0x80)
            need = 0;
        else if (c >= 0xC2 && c <= 0xDF)
            need = 1;
        else if (c >= 0xE0 && c <= 0xEF)
            need = 2;
        else if (c >= 0xF0 && c <= 0xF4)
            need = 3;
        else
            why = "invalid UTF-8 byte";
        if (why == NULL && need > 0) {
            for (size_t j = 1; why == NULL && j <= need; j++)
                if (i + j >= len || ((unsigned char)t[i + j] & 0xC0) != 0x80)
                    why = "invalid UTF-8 sequence";
            if (why == NULL) {
                unsigned char c1 = (unsigned char)t[i + 1];
                if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) ||
                    (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F))
                    why = "invalid UTF-8 sequence";   /* overlong, surrogate or > U+10FFFF */
            }
        }
        if (why != NULL) {
            int line, col;
            offset_pos(t, i, &line, &col);
            return bk_fail_at(L->err, BK_ERR_SYNTAX, L->file, line, col,
                              "%s 0x%02x at byte %zu: a scenario must be UTF-8 text (is this a "
                              "binary file?)", why, c, i);
        }
        i += need + 1;
    }
    return BK_OK;
}

/* Report the first error collected by libfyaml as a syntax error. */
static bk_status syntax_error(loader *L, struct fy_diag *diag)
{
    void *it = NULL;
    struct fy_diag_error *e = fy_diag_errors_iterate(diag, &it);
    if (e == NULL)
        return bk_fail_at(L->err, BK_ERR_SYNTAX, L->file, 0, 0, "syntax error: not valid YAML");
    char msg[256];
    sanitize(e->msg ? e->msg : "not valid YAML", e->msg ? strlen(e->msg) : 14, msg, sizeof msg);
    /* 0.7.12 collects 1-based positions; guard against 0 from other releases. */
    int line = e->line > 0 ? e->line : 1, col = e->column > 0 ? e->column : 1;
    return bk_fail_at(L->err, BK_ERR_SYNTAX, L->file, line, col, "syntax error: %s", msg);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static const char *const top_keys[] = {"blockade", "scenario", "products", "places",
                                       "segments", "ports",    "corridors", "city",
                                       "fleet",    "policy",   "armed_group", "timeline",
                                       NULL};

static bk_status read_document(loader *L, struct fy_node *root)
{
    if (root == NULL || (fy_node_get_type(root) == FYNT_SCALAR && is_null_scalar(root) &&
                         fy_node_get_scalar_token(root) == NULL))
        return bk_fail_at(L->err, BK_ERR_SCHEMA, L->file, 0, 0,
                          "the scenario is empty: expected a mapping starting with 'blockade: 1'");
    TRY(check_tree(L, root, 0));
    map top;
    if (fy_node_get_type(root) != FYNT_MAPPING) {
        char got[96];
        return fail_node(L, BK_ERR_SCHEMA, root, NULL,
                         "the top level must be a mapping with keys blockade, scenario, places, "
                         "...; got %s", node_desc(root, got, sizeof got));
    }
    TRY(map_open(L, &top, root, NULL, "", "the top-level mapping", top_keys));
    struct fy_node *v, *k;
    TRY(map_get(&top, "blockade", REQUIRED, &v, &k));
    int version = 0;
    TRY(node_int(L, v, k, "blockade (the format version)", INT_MIN, INT_MAX, &version));
    if (version != 1)
        return fail_node(L, BK_ERR_VALUE, v, k,
                         "blockade (the format version) must be 1, got %d", version);
    TRY(read_meta(L, &top));
    TRY(read_products(L, &top));
    TRY(read_places(L, &top));
    TRY(read_segments(L, &top));
    TRY(read_ports(L, &top));
    TRY(read_city(L, &top));
    TRY(check_reachable(L, &top));
    TRY(read_corridors(L, &top));
    TRY(read_fleet(L, &top));
    TRY(read_policy(L, &top));
    TRY(read_group(L, &top));
    TRY(read_timeline(L, &top));
    return bk_scenario_check_names(root, L->file, L->err);
}

/* Parse sc->text and fill sc. */
static bk_status parse(loader *L)
{
    bk_scenario *sc = L->sc;
    TRY(check_bytes(L, sc->text, sc->text_len));
    int gl, gc;   /* constructs that crash or hang libfyaml 0.7.12 (engine/yaml.h) */
    const char *why = bk_yaml_guard(sc->text, sc->text_len, &gl, &gc);
    if (why != NULL)
        return bk_fail_at(L->err, BK_ERR_SYNTAX, L->file, gl, gc, "syntax error: %s", why);

    struct fy_diag *diag = bk_yaml_quiet_diag();
    if (diag == NULL)
        return bk_fail(L->err, BK_ERR_NOMEM, "out of memory reading %s", L->file);

    struct fy_parse_cfg pcfg = {0};
    pcfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG |
                 (ends_with(L->file, ".json") ? FYPCF_JSON_FORCE : FYPCF_JSON_AUTO);
    pcfg.diag = diag;
    struct fy_parser *fyp = fy_parser_create(&pcfg);
    if (fyp == NULL || fy_parser_set_string(fyp, sc->text, sc->text_len) != 0) {
        if (fyp)
            fy_parser_destroy(fyp);
        fy_diag_destroy(diag);
        return bk_fail(L->err, BK_ERR_NOMEM, "out of memory reading %s", L->file);
    }

    bk_status st = BK_OK;
    struct fy_document *doc = fy_parse_load_document(fyp);
    struct fy_document *more = NULL;
    void *it = NULL;
    if (doc == NULL) {
        if (fy_diag_errors_iterate(diag, &it) != NULL)
            st = syntax_error(L, diag);
        else
            st = bk_fail_at(L->err, BK_ERR_SCHEMA, L->file, 0, 0,
                            "the scenario is empty: expected a mapping starting with "
                            "'blockade: 1'");
    } else {
        more = fy_parse_load_document(fyp);   /* a stream holds one scenario, not several */
        if (fy_diag_errors_iterate(diag, &it) != NULL)
            st = syntax_error(L, diag);
        else if (more != NULL)
            st = fail_node(L, BK_ERR_SCHEMA, fy_document_root(more), NULL,
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
    bk_scenario *sc = bk_calloc(1, sizeof *sc);
    if (sc == NULL) {
        bk_free(text);
        return bk_fail(err, BK_ERR_NOMEM, "out of memory loading %s", name);
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
        return bk_fail(err, BK_ERR_USAGE, "bk_scenario_load_string: out is NULL");
    *out = NULL;
    if (name == NULL)
        name = "-";
    if (text == NULL && len > 0)
        return bk_fail(err, BK_ERR_USAGE, "bk_scenario_load_string: text is NULL");
    if (len > BK_SCENARIO_MAX_BYTES)
        return bk_fail_at(err, BK_ERR_TOO_LARGE, name, 0, 0,
                          "scenario is too large: %zu bytes, the limit is %u bytes", len,
                          BK_SCENARIO_MAX_BYTES);
    char *copy = bk_malloc(len + 1);
    if (copy == NULL)
        return bk_fail(err, BK_ERR_NOMEM, "out of memory loading %s", name);
    if (len > 0)
        memcpy(copy, text, len);
    copy[len] = '\0';
    return load_owned(copy, len, name, out, err);
}

/* Contract in blockade/scenario.h. The size is checked before the file is read, and a stream of
 * unknown size is read only up to the limit. */
bk_status bk_scenario_load_file(const char *path, bk_scenario **out, bk_error *err)
{
    if (out == NULL)
        return bk_fail(err, BK_ERR_USAGE, "bk_scenario_load_file: out is NULL");
    *out = NULL;
    if (path == NULL)
        return bk_fail(err, BK_ERR_USAGE, "bk_scenario_load_file: path is NULL");
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return bk_fail_at(err, BK_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat stbuf;
    if (fstat(fileno(fp), &stbuf) == 0) {
        if (S_ISDIR(stbuf.st_mode)) {
            fclose(fp);
            return bk_fail_at(err, BK_ERR_IO, path, 0, 0, "cannot read: is a directory");
        }
        if (S_ISREG(stbuf.st_mode) && (uintmax_t)stbuf.st_size > BK_SCENARIO_MAX_BYTES) {
            fclose(fp);
            return bk_fail_at(err, BK_ERR_TOO_LARGE, path, 0, 0,
                              "scenario is too large: %jd bytes, the limit is %u bytes",
                              (intmax_t)stbuf.st_size, BK_SCENARIO_MAX_BYTES);
        }
    }
    size_t cap = 64 * 1024, len = 0;
    char *buf = bk_malloc(cap + 1);
    bk_status st = BK_OK;
    while (buf != NULL) {
        if (len == cap) {
            if (cap > BK_SCENARIO_MAX_BYTES)
                break;
            size_t ncap = cap * 2 > (size_t)BK_SCENARIO_MAX_BYTES + 1
                            ? (size_t)BK_SCENARIO_MAX_BYTES + 1
                            : cap * 2;
            char *nbuf = bk_realloc(buf, ncap + 1);
            if (nbuf == NULL) {
                bk_free(buf);
                buf = NULL;
                break;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    if (buf == NULL)
        st = bk_fail(err, BK_ERR_NOMEM, "out of memory reading %s", path);
    else if (ferror(fp))
        st = bk_fail_at(err, BK_ERR_IO, path, 0, 0, "cannot read: %s", strerror(errno));
    else if (len > BK_SCENARIO_MAX_BYTES)
        st = bk_fail_at(err, BK_ERR_TOO_LARGE, path, 0, 0,
                        "scenario is too large: more than %u bytes", BK_SCENARIO_MAX_BYTES);
    fclose(fp);
    if (st != BK_OK) {
        bk_free(buf);
        return st;
    }
    buf[len] = '\0';
    return load_owned(buf, len, path, out, err);
}

/* Contract in blockade/scenario.h. */
void bk_scenario_free(bk_scenario *sc)
{
    if (sc == NULL)
        return;
    for (int i = 0; i < sc->n_ports; i++)
        bk_free(sc->ports[i].product_share);
    for (int i = 0; i < sc->n_corridors; i++) {
        bk_free(sc->corridors[i].path);
        bk_free(sc->corridors[i].path_seg);
    }
    bk_free(sc->products);
    bk_free(sc->places);
    bk_free(sc->segments);
    bk_free(sc->ports);
    bk_free(sc->corridors);
    bk_free(sc->city.initial_stock_l);
    bk_free(sc->group.cells);
    bk_free(sc->timeline);
    for (int i = 0; i < sc->cityside.n_sectors; i++)
        bk_free(sc->cityside.sectors[i].demand_l_per_day);
    bk_free(sc->cityside.sectors);
    bk_free(sc->cityside.reserve_floor_l);
    bk_free(sc->cityside.official_price);
    bk_free(sc->text);
    bk_free(sc);
}

/* Contract in blockade/scenario.h. */
const char *bk_scenario_name(const bk_scenario *sc)
{
    return sc->name;
}

/* Contract in blockade/scenario.h. */
uint64_t bk_scenario_seed(const bk_scenario *sc)
{
    return sc->seed;
}

/* Contract in blockade/scenario.h. */
int bk_scenario_days(const bk_scenario *sc)
{
    return sc->days;
}

/* Contract in blockade/scenario.h. */
const char *bk_scenario_text(const bk_scenario *sc, size_t *len)
{
    if (len)
        *len = sc->text_len;
    return sc->text;
}

/* Contract in blockade/scenario.h. SHA-256 of the exact bytes loaded. If libcrypto cannot run
 * the digest (out of memory), the result is 64 zeros, which no real text hashes to in practice. */
void bk_scenario_hash(const bk_scenario *sc, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    static const char digits[] = "0123456789abcdef";
    if (EVP_Digest(sc->text, sc->text_len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
        memset(hex, '0', 64);
        hex[64] = '\0';
        return;
    }
    for (unsigned int i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
}

/* Contract in scenario/scenario.h. */
int bk_scenario_find_place(const struct bk_scenario *sc, const char *id)
{
    if (sc == NULL || id == NULL)
        return -1;
    return find_id(sc->places, sc->n_places, sizeof *sc->places, id);
}

/* Contract in scenario/scenario.h: the segment joining places a and b in either direction. */
int bk_scenario_find_segment(const struct bk_scenario *sc, int a, int b)
{
    if (sc == NULL)
        return -1;
    for (int i = 0; i < sc->n_segments; i++) {
        const bk_segment *s = &sc->segments[i];
        if ((s->from == a && s->to == b) || (s->from == b && s->to == a))
            return i;
    }
    return -1;
}
