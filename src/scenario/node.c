/* node.c: one scalar of a scenario file (number, whole number, string, id, boolean, word,
 * date), and messages placed at a node's line and column that say what was expected and what was
 * found. Used by the loader's files through read.h.
 */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/date.h"
#include "engine/utf8.h"
#include "scenario/read.h"

/* ---------------------------------------------------------------------------------------------
 * Positions and messages
 */

/* 1-based position of a node: a scalar's token, else its first key or item, recursively. */
bool sr_node_pos(struct fy_node *n, int *line, int *col, int depth)
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
        return sr_node_pos(fy_node_sequence_iterate(n, &it), line, col, depth + 1);
    }
    case FYNT_MAPPING: {
        void *it = NULL;
        struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
        if (p == NULL)
            return false;
        return sr_node_pos(fy_node_pair_key(p), line, col, depth + 1) ||
               sr_node_pos(fy_node_pair_value(p), line, col, depth + 1);
    }
    }
    return false;
}

/* Fail with a message placed at node n, or at fb when n has no position of its own. */
bk_status sr_fail_node(loader *L, bk_status st, struct fy_node *n, struct fy_node *fb,
                           const char *fmt, ...)
{
    int line = 0, col = 0;
    if (!sr_node_pos(n, &line, &col, 0) && !sr_node_pos(fb, &line, &col, 0)) {
        line = 0;
        col = 0;
    }
    char body[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    return bki_fail_at(L->err, st, L->file, line, col, "%s", body);
}

/* Copy user text for a one-line message: control bytes become '?', long text is cut at a
 * character boundary and ends with "...". */
void sr_sanitize(const char *s, size_t len, char *buf, size_t cap)
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

bool sr_is_null_scalar(struct fy_node *n)
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

/* What a node is, for "got ..." in messages: a list, a mapping, null, 42 or 'text'. */
const char *sr_node_desc(struct fy_node *n, char *buf, size_t cap)
{
    if (n == NULL || sr_is_null_scalar(n))
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
    sr_sanitize(s ? s : "", len, tmp, sizeof tmp);
    if (fy_node_get_style(n) != FYNS_PLAIN)
        snprintf(buf, cap, "\"%s\"", tmp);   /* quoted: a string even if it looks like 5 */
    else if (sr_number_syntax(s, len))
        snprintf(buf, cap, "%s", tmp);
    else
        snprintf(buf, cap, "'%s'", tmp);
    return buf;
}

/* "base.key", or "key" at the top level. Paths only label messages: a cut one is harmless. */
void sr_join_path(char *buf, size_t cap, const char *base, const char *key)
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
bool sr_number_syntax(const char *s, size_t len)
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

bk_status sr_node_number(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                             double *out)
{
    char got[96];
    size_t len = 0;
    const char *s = NULL;
    if (n != NULL && fy_node_get_type(n) == FYNT_SCALAR && fy_node_get_style(n) == FYNS_PLAIN)
        s = fy_node_get_scalar(n, &len);
    if (s == NULL || !sr_number_syntax(s, len) || len > 64)
        return sr_fail_node(L, BK_ERR_SCHEMA, n, at, "%s must be a number, got %s", path,
                         sr_node_desc(n, got, sizeof got));
    char tmp[72];
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    double v = strtod(tmp, NULL);
    if (!isfinite(v))
        return sr_fail_node(L, BK_ERR_VALUE, n, at, "%s is out of range, got %s", path, tmp);
    *out = v;
    return BK_OK;
}


/* The schema table's bound checks and wording, for bounds not in a row (timeline entries). */
static bk_key as_row(const bounds *b)
{
    return (bk_key){.type = BK_KT_NUM, .lo_op = b->lo_op, .hi_op = b->hi_op, .lo = b->lo,
                    .hi = b->hi, .unit = b->unit};
}

bool sr_bounds_ok(double v, const bounds *b)
{
    bk_key r = as_row(b);
    return bki_schema_in_bounds(&r, v);
}

/* "> 0 km", "in 0..1", ">= 0 and < 24 h" */
void sr_bounds_text(const bounds *b, char *buf, size_t cap)
{
    bk_key r = as_row(b);
    bki_schema_bounds_text(&r, buf, cap);
}

bk_status sr_node_bounded(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                              bounds b, double *out)
{
    double v = 0; /* set by sr_node_number on success */
    TRY(sr_node_number(L, n, at, path, &v));
    if (!sr_bounds_ok(v, &b)) {
        char want[96], got[96];
        sr_bounds_text(&b, want, sizeof want);
        return sr_fail_node(L, BK_ERR_VALUE, n, at, "%s must be %s, got %s", path, want,
                         sr_node_desc(n, got, sizeof got));
    }
    *out = v;
    return BK_OK;
}

bk_status sr_node_int(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                          int lo, int hi, int *out)
{
    double v = 0; /* set by sr_node_number on success */
    char got[96];
    TRY(sr_node_number(L, n, at, path, &v));
    if (v != floor(v))
        return sr_fail_node(L, BK_ERR_SCHEMA, n, at, "%s must be a whole number, got %s", path,
                         sr_node_desc(n, got, sizeof got));
    if (v < lo || v > hi)
        return sr_fail_node(L, BK_ERR_VALUE, n, at, "%s must be in %d..%d, got %s", path, lo, hi,
                         sr_node_desc(n, got, sizeof got));
    *out = (int)v;
    return BK_OK;
}

/* A string scalar (any style). Control characters (possible through escapes) are refused, except
 * newlines where allow_newline is set. */
bk_status sr_node_string(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                             char *buf, size_t cap, bool allow_newline)
{
    char got[96];
    if (n == NULL || fy_node_get_type(n) != FYNT_SCALAR || sr_is_null_scalar(n))
        return sr_fail_node(L, BK_ERR_SCHEMA, n, at, "%s must be a string, got %s", path,
                         sr_node_desc(n, got, sizeof got));
    size_t len;
    const char *s = fy_node_get_scalar(n, &len);
    if (s == NULL)
        s = "";
    if (len >= cap)
        return sr_fail_node(L, BK_ERR_VALUE, n, at,
                         "%s is too long (%zu bytes, at most %zu), got %s", path, len, cap - 1,
                         sr_node_desc(n, got, sizeof got));
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(allow_newline && (c == '\n' || c == '\t'))) || c == 0x7f)
            return sr_fail_node(L, BK_ERR_VALUE, n, at,
                             "%s must not contain control characters (byte 0x%02x)", path, c);
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    return BK_OK;
}

bool sr_id_ok(const char *s)
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

bk_status sr_node_id(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                         char id[BK_ID_MAX])
{
    char tmp[256], got[96];
    bk_status st = sr_node_string(L, n, at, path, tmp, sizeof tmp, false);
    if (st == BK_OK && !sr_id_ok(tmp))
        st = BK_ERR_VALUE;
    if (st == BK_ERR_VALUE)
        return sr_fail_node(L, BK_ERR_VALUE, n, at,
                         "%s must be an id of 1 to %d letters, digits, '_' or '-', got %s", path,
                         BK_ID_MAX - 1, sr_node_desc(n, got, sizeof got));
    if (st != BK_OK)
        return st;
    memcpy(id, tmp, strlen(tmp) + 1);
    return BK_OK;
}

bk_status sr_node_bool(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
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
    return sr_fail_node(L, BK_ERR_SCHEMA, n, at, "%s must be true or false, got %s", path,
                     sr_node_desc(n, got, sizeof got));
}

/* One of a NULL-terminated list of words; *out is its index. */
bk_status sr_node_enum(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                           const char *const words[], int *out)
{
    char s[64];
    char got[96];
    bk_status st = sr_node_string(L, n, at, path, s, sizeof s, false);
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
    return sr_fail_node(L, BK_ERR_VALUE, n, at, "%s must be one of: %s; got %s", path, list,
                     sr_node_desc(n, got, sizeof got));
}

/* A date written YYYY-MM-DD (plain or quoted), years 1900..2199, checked against the calendar. */
bk_status sr_node_date(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                           long *day)
{
    char s[64], got[96];
    bk_status st = sr_node_string(L, n, at, path, s, sizeof s, false);
    if (st != BK_OK && st != BK_ERR_VALUE)
        return st;
    bool shape = st == BK_OK && strlen(s) == 10 && s[4] == '-' && s[7] == '-';
    for (int i = 0; shape && i < 10; i++)
        if (i != 4 && i != 7 && !(s[i] >= '0' && s[i] <= '9'))
            shape = false;
    if (!shape)
        return sr_fail_node(L, BK_ERR_VALUE, n, at, "%s must be a date written YYYY-MM-DD, got %s",
                         path, sr_node_desc(n, got, sizeof got));
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > bki_days_in_month(y, m))
        return sr_fail_node(L, BK_ERR_VALUE, n, at,
                         "%s: %s is not a calendar date (years 1900..2199)", path, s);
    *day = bki_days_from_civil(y, m, d);
    return BK_OK;
}

/* A date inside the horizon [start_date, start_date + days), as hours since start. */
bk_status sr_node_date_hours(loader *L, struct fy_node *n, struct fy_node *at,
                                 const char *path, double *hours)
{
    long day;
    TRY(sr_node_date(L, n, at, path, &day));
    long first = L->start_day, last = L->start_day + L->sc->days - 1;
    if (day < first || day > last) {
        char a[16], b[16], c[16];
        bki_date_write(day, a);
        bki_date_write(first, b);
        bki_date_write(last, c);
        return sr_fail_node(L, BK_ERR_VALUE, n, at,
                         "%s %s is outside the scenario's horizon %s..%s (start_date + days)",
                         path, a, b, c);
    }
    *hours = 24.0 * (double)(day - first);
    return BK_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Mappings and lists
 */

/* Aliases, tags and non-string keys have no meaning in a scenario; refusing them up front also
 * rules out alias-expansion bombs. libfyaml bounds the depth (64), so recursion is bounded. */
bk_status sr_check_tree(loader *L, struct fy_node *n, int depth)
{
    if (n == NULL)
        return BK_OK;
    if (fy_node_is_alias(n)) {
        char name[64];
        const char *s = fy_node_get_scalar0(n);
        sr_sanitize(s ? s : "", s ? strlen(s) : 0, name, sizeof name);
        return sr_fail_node(L, BK_ERR_SCHEMA, n, NULL,
                         "aliases (*%s) are not supported in scenario files; write the value out",
                         name);
    }
    size_t tlen = 0;
    const char *tag = fy_node_get_tag(n, &tlen);
    if (tag != NULL) {
        char shown[64];
        sr_sanitize(tag, tlen, shown, sizeof shown);
        return sr_fail_node(L, BK_ERR_SCHEMA, n, NULL,
                            "tags (%s) are not supported in scenario files", shown);
    }
    if (depth > 200)
        return sr_fail_node(L, BK_ERR_SYNTAX, n, NULL, "document nested too deeply");
    if (fy_node_get_type(n) == FYNT_SEQUENCE) {
        void *it = NULL;
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(n, &it)) != NULL)
            TRY(sr_check_tree(L, item, depth + 1));
    } else if (fy_node_get_type(n) == FYNT_MAPPING) {
        void *it = NULL;
        struct fy_node_pair *p;
        while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
            struct fy_node *key = fy_node_pair_key(p);
            if (key == NULL || fy_node_get_type(key) != FYNT_SCALAR || fy_node_is_alias(key) ||
                sr_is_null_scalar(key))
                return sr_fail_node(L, BK_ERR_SCHEMA, key, fy_node_pair_value(p),
                                 "mapping keys must be strings");
            TRY(sr_check_tree(L, key, depth + 1));
            TRY(sr_check_tree(L, fy_node_pair_value(p), depth + 1));
        }
    }
    return BK_OK;
}

void sr_offset_pos(const char *text, size_t off, int *line, int *col)
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
bk_status sr_check_bytes(loader *L, const char *t, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)t[i];
        const char *why = NULL;
        size_t k = 1;
        int need;
        unsigned char lo, hi;
        if (c == 0)
            why = "NUL byte";
        else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            why = "control character";
        else if (c >= 0x80 && !bki_utf8_lead(c, &need, &lo, &hi))
            why = "invalid UTF-8 byte";
        else if (c >= 0x80 && (k = bki_utf8_len((const unsigned char *)t + i, len - i)) == 0)
            why = "invalid UTF-8 sequence";   /* cut short, overlong, surrogate or > U+10FFFF */
        if (why != NULL) {
            int line, col;
            sr_offset_pos(t, i, &line, &col);
            return bki_fail_at(L->err, BK_ERR_SYNTAX, L->file, line, col,
                               "%s 0x%02x at byte %zu: a scenario must be UTF-8 text (is this a "
                               "binary file?)", why, c, i);
        }
        i += k;
    }
    return BK_OK;
}

/* Report the first error collected by libfyaml as a syntax error. */
bk_status sr_syntax_error(loader *L, struct fy_diag *diag)
{
    void *it = NULL;
    struct fy_diag_error *e = fy_diag_errors_iterate(diag, &it);
    if (e == NULL)
        return bki_fail_at(L->err, BK_ERR_SYNTAX, L->file, 0, 0, "syntax error: not valid YAML");
    char msg[256];
    sr_sanitize(e->msg ? e->msg : "not valid YAML", e->msg ? strlen(e->msg) : 14, msg, sizeof msg);
    /* 0.7.12 collects 1-based positions; guard against 0 from other releases. */
    int line = e->line > 0 ? e->line : 1, col = e->column > 0 ? e->column : 1;
    return bki_fail_at(L->err, BK_ERR_SYNTAX, L->file, line, col, "syntax error: %s", msg);
}
