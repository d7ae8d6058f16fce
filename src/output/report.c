/* report.c: the self-contained HTML report (see blockade/report.h).
 *
 * Two phases. First every input of the directory is read, checked and turned into one JSON text
 * in memory (the page's data); a bad input stops here, before anything reaches the caller's
 * stream. Then the page is written: the inlined libraries and style sheets (embedded at build
 * time from the npm packages pinned by web/package-lock.json, see src/CMakeLists.txt), the data,
 * and web/report.js, which draws the charts and the map in the browser.
 *
 * CSV files are read with libcsv, JSON files with libfyaml (its JSON mode). Numbers from the
 * inputs are copied into the page as the text they were written with, after checking that the
 * text is a JSON number, so nothing depends on the process locale and nothing is rounded twice.
 * Every '<' inside the page's JSON is written \u003c, so no data can close its <script> element.
 */
#include "engine/alloc.h"
#include "blockade/report.h"

#include "engine/csv.h"
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
#include "scenario/scenario.h"
#include "engine/yaml.h"

/* The front end, embedded by the build (cmake/embed.cmake); UTF-8 text, hence unsigned. */
#define BK_WEB_ASSET(sym)                 \
    extern const unsigned char sym[];     \
    extern const size_t sym##_len;
BK_WEB_ASSET(bk_web_uplot_js)
BK_WEB_ASSET(bk_web_uplot_css)
BK_WEB_ASSET(bk_web_d3_array_js)
BK_WEB_ASSET(bk_web_d3_geo_js)
BK_WEB_ASSET(bk_web_topojson_js)
BK_WEB_ASSET(bk_web_countries_json)
BK_WEB_ASSET(bk_web_report_js)
BK_WEB_ASSET(bk_web_report_css)
#undef BK_WEB_ASSET

/* An embedded asset as (text, length) arguments. */
#define ASSET(sym) (const char *)(sym), sym##_len

/* ---- JSON output ---------------------------------------------------------------------------- */

/* A JSON string of len bytes. '<' is escaped so that "</script" and "<!--" cannot appear in the
 * page's data; other bytes >= 0x80 pass through (UTF-8 stays UTF-8). */
static void put_jstr_n(FILE *f, const char *s, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '<': fputs("\\u003c", f); break;
        default:
            if (c < 0x20)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

static void put_jstr(FILE *f, const char *s)
{
    if (s == NULL)
        fputs("null", f);
    else
        put_jstr_n(f, s, strlen(s));
}

/* A key and its colon, after a comma unless it is the first key. */
static void put_key(FILE *f, bool *first, const char *key)
{
    if (!*first)
        fputc(',', f);
    *first = false;
    put_jstr(f, key);
    fputc(':', f);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* RFC 8259's number grammar, the whole string. */
static bool is_json_number(const char *s)
{
    const char *p = s;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (is_digit(*p))
            p++;
    else
        return false;
    if (*p == '.') {
        p++;
        if (!is_digit(*p))
            return false;
        while (is_digit(*p))
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!is_digit(*p))
            return false;
        while (is_digit(*p))
            p++;
    }
    return *p == '\0';
}

/* The text of a number as JSON: verbatim when it already is a JSON number, null when empty (the
 * writers' mark for a value that should not exist), otherwise reformatted if strtod reads all
 * of it to a finite value. False for anything else. */
static bool put_number_text(FILE *f, const char *s)
{
    if (s[0] == '\0') {
        fputs("null", f);
        return true;
    }
    if (is_json_number(s)) {
        fputs(s, f);
        return true;
    }
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return false;
    bk_fmt_json_number(f, v);
    return true;
}

/* ---- reading files -------------------------------------------------------------------------- */

/* "dir/name" in a new string, or NULL when out of memory. */
static char *join_path(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    while (a > 1 && dir[a - 1] == '/')
        a--;
    char *s = bk_malloc(a + 1 + b + 1);
    if (s) {
        memcpy(s, dir, a);
        s[a] = '/';
        memcpy(s + a + 1, name, b + 1);
    }
    return s;
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The last component of a path, for messages and the page: never a directory of this machine. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

/* Read a whole file into a new NUL-terminated buffer (free with bk_free()). */
static bk_status read_file(const char *path, char **out, size_t *len, bk_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return bk_fail(err, BK_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = bk_malloc(cap);
    bk_status st = buf ? BK_OK : BK_ERR_NOMEM;
    while (st == BK_OK) {
        if (n + 1 >= cap) {
            if (cap > BK_REPORT_MAX_INPUT_BYTES) {
                st = bk_fail(err, BK_ERR_TOO_LARGE, "'%s' is larger than %u bytes", path,
                             BK_REPORT_MAX_INPUT_BYTES);
                break;
            }
            char *bigger = bk_realloc(buf, cap * 2);
            if (bigger == NULL) {
                st = BK_ERR_NOMEM;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                st = bk_fail(err, BK_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
            break;
        }
    }
    fclose(f);
    if (st == BK_OK && n > BK_REPORT_MAX_INPUT_BYTES)
        st = bk_fail(err, BK_ERR_TOO_LARGE, "'%s' is larger than %u bytes", path,
                     BK_REPORT_MAX_INPUT_BYTES);
    if (st != BK_OK) {
        bk_free(buf);
        if (st == BK_ERR_NOMEM)
            return bk_fail(err, BK_ERR_NOMEM, "out of memory reading '%s'", path);
        return st;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return BK_OK;
}

/* ---- CSV tables (libcsv) -------------------------------------------------------------------- */

/* An error at file:line (CSV has rows, not columns worth pointing at): "daily.csv:17: ...". */
static bk_status fail_line(bk_error *err, bk_status status, const char *path, int line,
                           const char *fmt, ...) BK_PRINTF(5, 6);
static bk_status fail_line(bk_error *err, bk_status status, const char *path, int line,
                           const char *fmt, ...)
{
    char body[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    bk_fail(err, status, "%s:%d: %s", path, line, body);
    if (err) {
        err->line = line;
        snprintf(err->file, sizeof err->file, "%s", path);
    }
    return status;
}

/* A CSV file in memory: row 0 is the header. Row r holds fields f[row_start[r]] up to
 * f[row_start[r + 1]] (or n_f for the last row) and began on line row_line[r]. */
typedef struct table {
    const char *path;
    char **f;
    size_t n_f, cap_f;
    size_t *row_start;
    int *row_line;
    size_t n_rows, cap_rows;
} table;

static void table_free(table *t)
{
    for (size_t i = 0; i < t->n_f; i++)
        bk_free(t->f[i]);
    bk_free(t->f);
    bk_free(t->row_start);
    bk_free(t->row_line);
    memset(t, 0, sizeof *t);
}

/* Keep one record of the CSV (engine/csv.h) in the table. */
static bk_status table_record(void *ud, const bk_csv_record *rec, bk_error *err)
{
    table *t = ud;
    if (t->n_rows == t->cap_rows) {
        size_t cap = t->cap_rows ? 2 * t->cap_rows : 64;
        size_t *rs = bk_realloc(t->row_start, cap * sizeof *rs);
        if (rs)
            t->row_start = rs;
        int *rl = rs ? bk_realloc(t->row_line, cap * sizeof *rl) : NULL;
        if (!rl)
            return bk_fail(err, BK_ERR_NOMEM, "out of memory reading '%s'", t->path);
        t->row_line = rl;
        t->cap_rows = cap;
    }
    while (t->n_f + rec->n > t->cap_f) {
        size_t cap = t->cap_f ? 2 * t->cap_f : 1024;
        char **bigger = bk_realloc(t->f, cap * sizeof *bigger);
        if (bigger == NULL)
            return bk_fail(err, BK_ERR_NOMEM, "out of memory reading '%s'", t->path);
        t->f = bigger;
        t->cap_f = cap;
    }
    t->row_start[t->n_rows] = t->n_f;
    t->row_line[t->n_rows] = rec->line;
    t->n_rows++;
    for (size_t i = 0; i < rec->n; i++) {
        char *copy = bk_strdup(rec->fields[i]);
        if (copy == NULL)
            return bk_fail(err, BK_ERR_NOMEM, "out of memory reading '%s'", t->path);
        t->f[t->n_f++] = copy;
    }
    return BK_OK;
}

static size_t row_len(const table *t, size_t r)
{
    size_t end = r + 1 < t->n_rows ? t->row_start[r + 1] : t->n_f;
    return end - t->row_start[r];
}

static const char *cell(const table *t, size_t r, int c)
{
    return t->f[t->row_start[r] + (size_t)c];
}

/* Index of the header column called `name`, or -1. */
static int column(const table *t, const char *name)
{
    size_t n = row_len(t, 0);
    for (size_t c = 0; c < n; c++) {
        if (strcmp(cell(t, 0, (int)c), name) == 0)
            return (int)c;
    }
    return -1;
}

/* Read a CSV file whose first row is a header; every row must have as many fields as the
 * header. `path` is kept for messages and must outlive the table. */
static bk_status table_read(const char *path, table *t, bk_error *err)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    bk_status st = bk_csv_read_file(path, BK_REPORT_MAX_INPUT_BYTES, table_record, t, NULL, err);
    if (st == BK_OK && t->n_rows == 0)
        st = bk_fail(err, BK_ERR_SYNTAX, "'%s' is empty: expected a header line", path);
    for (size_t r = 1; st == BK_OK && r < t->n_rows; r++) {
        if (row_len(t, r) != row_len(t, 0))
            st = fail_line(err, BK_ERR_SYNTAX, path, t->row_line[r],
                            "malformed CSV: %zu fields, the header has %zu", row_len(t, r),
                            row_len(t, 0));
    }
    if (st != BK_OK)
        table_free(t);
    return st;
}

/* The column `name`, or BK_ERR_SCHEMA. */
static bk_status need_column(const table *t, const char *name, int *c, bk_error *err)
{
    *c = column(t, name);
    if (*c < 0)
        return fail_line(err, BK_ERR_SCHEMA, t->path, 1, "no column '%s' in the header",
                          name);
    return BK_OK;
}

/* A number cell as JSON, or BK_ERR_SYNTAX naming the file, line and column. */
static bk_status put_number_cell(FILE *f, const table *t, size_t r, int c, bk_error *err)
{
    if (put_number_text(f, cell(t, r, c)))
        return BK_OK;
    return fail_line(err, BK_ERR_SYNTAX, t->path, t->row_line[r],
                      "column '%s': '%.40s' is not a number", cell(t, 0, c), cell(t, r, c));
}

/* A day index cell: a whole number from 0 to 100,000 days. */
static bk_status read_day(const table *t, size_t r, int c, long *day, bk_error *err)
{
    const char *s = cell(t, r, c);
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno != 0 || v < 0 || v > 100000)
        return fail_line(err, BK_ERR_SYNTAX, t->path, t->row_line[r],
                          "column '%s': '%.40s' is not a day number", cell(t, 0, c), s);
    *day = v;
    return BK_OK;
}

/* ---- JSON documents (libfyaml) -------------------------------------------------------------- */

/* A parsed JSON file. The parser owns the document. */
typedef struct json_doc {
    struct fy_diag *diag;
    struct fy_parser *parser;
    struct fy_document *doc;
    char *text;
} json_doc;

static void json_free(json_doc *j)
{
    if (j->doc)
        fy_parse_document_destroy(j->parser, j->doc);
    if (j->parser)
        fy_parser_destroy(j->parser);
    if (j->diag)
        fy_diag_destroy(j->diag);
    bk_free(j->text);
    memset(j, 0, sizeof *j);
}

static bk_status json_read(const char *path, json_doc *j, bk_error *err)
{
    memset(j, 0, sizeof *j);
    size_t len = 0;
    bk_status st = read_file(path, &j->text, &len, err);
    if (st != BK_OK)
        return st;
    int gl, gc;
    const char *why = bk_yaml_guard(j->text, len, &gl, &gc);
    if (why) {
        st = bk_fail_at(err, BK_ERR_SYNTAX, path, gl, gc, "malformed JSON: %s", why);
        json_free(j);
        return st;
    }
    j->diag = bk_yaml_quiet_diag();
    struct fy_parse_cfg pcfg = {0};
    pcfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_JSON_FORCE;
    pcfg.diag = j->diag;
    j->parser = j->diag ? fy_parser_create(&pcfg) : NULL;
    if (j->parser == NULL || fy_parser_set_string(j->parser, j->text, len) != 0) {
        json_free(j);
        return bk_fail(err, BK_ERR_NOMEM, "out of memory reading '%s'", path);
    }
    j->doc = fy_parse_load_document(j->parser);
    void *it = NULL;
    struct fy_diag_error *e = fy_diag_errors_iterate(j->diag, &it);
    if (j->doc == NULL || e != NULL) {
        int line = e && e->line > 0 ? e->line : 1, col = e && e->column > 0 ? e->column : 1;
        st = bk_fail_at(err, BK_ERR_SYNTAX, path, line, col, "malformed JSON: %.200s",
                        e && e->msg ? e->msg : "empty file");
        json_free(j);
        return st;
    }
    return BK_OK;
}

static void put_json_scalar(FILE *f, struct fy_node *n);

/* A node and what is under it as one line of JSON, strings escaped by put_jstr_n ('<' too).
 * Written here rather than by libfyaml's emitter, which leaks (0.8) on strings with several
 * escapes. false when the tree is deeper than 256 levels. */
static bool put_json_node(FILE *f, struct fy_node *n, int depth)
{
    if (depth > 256)
        return false;
    void *it = NULL;
    bool first = true;
    switch (n ? fy_node_get_type(n) : FYNT_SCALAR) {
    case FYNT_SCALAR:
        put_json_scalar(f, n);
        return true;
    case FYNT_SEQUENCE: {
        struct fy_node *c;
        fputc('[', f);
        while ((c = fy_node_sequence_iterate(n, &it)) != NULL) {
            if (!first)
                fputc(',', f);
            first = false;
            if (!put_json_node(f, c, depth + 1))
                return false;
        }
        fputc(']', f);
        return true;
    }
    case FYNT_MAPPING: {
        struct fy_node_pair *p;
        fputc('{', f);
        while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
            size_t len = 0;
            const char *k = fy_node_get_scalar(fy_node_pair_key(p), &len);
            if (!first)
                fputc(',', f);
            first = false;
            put_jstr_n(f, k ? k : "", k ? len : 0);
            fputc(':', f);
            if (!put_json_node(f, fy_node_pair_value(p), depth + 1))
                return false;
        }
        fputc('}', f);
        return true;
    }
    }
    return false;
}

/* The whole document as one line of JSON. */
static bk_status put_json_doc(FILE *f, const json_doc *j, const char *path, bk_error *err)
{
    if (!put_json_node(f, fy_document_root(j->doc), 0))
        return bk_fail(err, BK_ERR_SYNTAX, "'%s' is nested more than 256 levels deep", path);
    return BK_OK;
}

/* A scalar leaf as JSON: strings escaped, plain numbers and true/false/null checked and copied;
 * a missing node or a collection is null. */
static void put_json_scalar(FILE *f, struct fy_node *n)
{
    if (n == NULL || fy_node_get_type(n) != FYNT_SCALAR) {
        fputs("null", f);
        return;
    }
    size_t len = 0;
    const char *s = fy_node_get_scalar(n, &len);
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    if (fy_node_get_style(n) != FYNS_PLAIN) {
        put_jstr_n(f, s, len);
        return;
    }
    char buf[64];
    if (len < sizeof buf) {
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (strcmp(buf, "true") == 0 || strcmp(buf, "false") == 0 || strcmp(buf, "null") == 0
            || is_json_number(buf)) {
            fputs(buf, f);
            return;
        }
    }
    put_jstr_n(f, s, len);
}

static struct fy_node *at(struct fy_node *n, const char *path)
{
    return n ? fy_node_by_path(n, path, FY_NT, FYNWF_DONT_FOLLOW) : NULL;
}

/* A finite number at `path` under n, or false. */
static bool number_at(struct fy_node *n, const char *path, double *v)
{
    struct fy_node *x = at(n, path);
    if (x == NULL || fy_node_get_type(x) != FYNT_SCALAR)
        return false;
    size_t len = 0;
    const char *s = fy_node_get_scalar(x, &len);
    char buf[64];
    if (s == NULL || len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (!is_json_number(buf))
        return false;
    *v = strtod(buf, NULL);
    return isfinite(*v);
}

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

/* daily.csv: "dates": [...], "series": {name: [values by day]}. */
static bk_status put_daily(FILE *f, const char *path, bk_error *err)
{
    table t;
    bk_status st = table_read(path, &t, err);
    if (st != BK_OK)
        return st;
    int c_date;
    st = need_column(&t, "date", &c_date, err);
    fputs(",\"dates\":[", f);
    for (size_t r = 1; st == BK_OK && r < t.n_rows; r++) {
        fputs(r > 1 ? "," : "", f);
        put_jstr(f, cell(&t, r, c_date));
    }
    fputs("],\"series\":{", f);
    bool first = true;
    size_t n_cols = row_len(&t, 0);
    for (size_t c = 0; st == BK_OK && c < n_cols; c++) {
        const char *name = cell(&t, 0, (int)c);
        if (!wanted_series(name))
            continue;
        put_key(f, &first, name);
        fputc('[', f);
        for (size_t r = 1; st == BK_OK && r < t.n_rows; r++) {
            fputs(r > 1 ? "," : "", f);
            st = put_number_cell(f, &t, r, (int)c, err);
        }
        fputc(']', f);
    }
    fputc('}', f);
    table_free(&t);
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
    table_free(&d->t);
    bk_free(d->order);
    bk_free(d->group_start);
    bk_free(d->day);
    memset(d, 0, sizeof *d);
}

/* Read a tidy CSV and group its rows by column `key`. Row order within a group is kept. */
static bk_status tidy_read(const char *path, const char *key, tidy *d, int *c_key, int *c_day,
                           int *c_date, bk_error *err)
{
    memset(d, 0, sizeof *d);
    bk_status st = table_read(path, &d->t, err);
    if (st != BK_OK)
        return st;
    table *t = &d->t;
    if ((st = need_column(t, key, c_key, err)) != BK_OK
        || (st = need_column(t, "day", c_day, err)) != BK_OK
        || (st = need_column(t, "date", c_date, err)) != BK_OK) {
        tidy_free(d);
        return st;
    }
    size_t n = t->n_rows;
    d->order = bk_malloc(n * sizeof *d->order);
    d->group_start = bk_malloc((n + 1) * sizeof *d->group_start);
    d->day = bk_calloc(n, sizeof *d->day);
    bool *done = bk_calloc(n, sizeof *done);
    if (!d->order || !d->group_start || !d->day || !done) {
        bk_free(done);
        tidy_free(d);
        return bk_fail(err, BK_ERR_NOMEM, "out of memory reading '%s'", path);
    }
    for (size_t r = 1; r < n && st == BK_OK; r++) {
        st = read_day(t, r, *c_day, &d->day[r], err);
        if (st == BK_OK && d->day[r] + 1 > d->n_days)
            d->n_days = d->day[r] + 1;
    }
    /* Quadratic in the number of groups only: a few dozen metrics. */
    size_t k = 0;
    for (size_t r = 1; r < n && st == BK_OK; r++) {
        if (done[r])
            continue;
        d->group_start[d->n_groups++] = k;
        const char *name = cell(t, r, *c_key);
        for (size_t s = r; s < n; s++) {
            if (!done[s] && strcmp(cell(t, s, *c_key), name) == 0) {
                done[s] = true;
                d->order[k++] = s;
            }
        }
    }
    d->group_start[d->n_groups] = k;
    bk_free(done);
    if (st != BK_OK)
        tidy_free(d);
    return st;
}

/* An array of n_days values of column c for group g: null where a day has no row. */
static bk_status put_by_day(FILE *f, const tidy *d, size_t g, int c, bk_error *err)
{
    size_t *rows = bk_calloc((size_t)d->n_days + 1, sizeof *rows); /* 0: no row (0 is the header) */
    if (rows == NULL)
        return bk_fail(err, BK_ERR_NOMEM, "out of memory");
    for (size_t i = d->group_start[g]; i < d->group_start[g + 1]; i++)
        rows[d->day[d->order[i]]] = d->order[i];
    bk_status st = BK_OK;
    fputc('[', f);
    for (long day = 0; day < d->n_days && st == BK_OK; day++) {
        fputs(day ? "," : "", f);
        if (rows[day] == 0)
            fputs("null", f);
        else
            st = put_number_cell(f, &d->t, rows[day], c, err);
    }
    fputc(']', f);
    bk_free(rows);
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
                date = cell(&d->t, r, c_date);
                break;
            }
        }
        fputs(day ? "," : "", f);
        put_jstr(f, date);
    }
    fputc(']', f);
}

/* bands.csv: "dates": [...], "bands": {metric: {"unit": u, "mean": [...], "q05": [...], ...}}. */
static bk_status put_bands(FILE *f, const char *path, bool with_dates, bk_error *err)
{
    static const char *const stats[] = {"mean", "q05", "q25", "q50", "q75", "q95"};
    tidy d;
    int c_metric, c_day, c_date, c_unit, c_stat[6];
    bk_status st = tidy_read(path, "metric", &d, &c_metric, &c_day, &c_date, err);
    if (st != BK_OK)
        return st;
    c_unit = column(&d.t, "unit");
    for (int s = 0; s < 6 && st == BK_OK; s++)
        st = need_column(&d.t, stats[s], &c_stat[s], err);
    if (st == BK_OK && with_dates) {
        fputs(",\"dates\":", f);
        put_dates(f, &d, c_date);
    }
    fputs(",\"bands\":{", f);
    bool first = true;
    for (size_t g = 0; g < d.n_groups && st == BK_OK; g++) {
        size_t r0 = d.order[d.group_start[g]];
        const char *name = cell(&d.t, r0, c_metric);
        if (!wanted_series(name))
            continue;
        put_key(f, &first, name);
        fputs("{\"unit\":", f);
        put_jstr(f, c_unit >= 0 ? cell(&d.t, r0, c_unit) : "");
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
static bk_status put_curves(FILE *f, const char *path, bool with_dates, bk_error *err)
{
    tidy d;
    int c_curve, c_day, c_date, c_p;
    bk_status st = tidy_read(path, "curve", &d, &c_curve, &c_day, &c_date, err);
    if (st != BK_OK)
        return st;
    st = need_column(&d.t, "probability", &c_p, err);
    if (st == BK_OK && with_dates) {
        fputs(",\"dates\":", f);
        put_dates(f, &d, c_date);
    }
    fputs(",\"curves\":{", f);
    bool first = true;
    for (size_t g = 0; g < d.n_groups && st == BK_OK; g++) {
        put_key(f, &first, cell(&d.t, d.order[d.group_start[g]], c_curve));
        st = put_by_day(f, &d, g, c_p, err);
    }
    fputc('}', f);
    tidy_free(&d);
    return st;
}

/* compare.csv: "compare": {"columns": [...], "rows": [[...], ...]}, cells as strings. */
static bk_status put_compare(FILE *f, const char *path, bk_error *err)
{
    table t;
    bk_status st = table_read(path, &t, err);
    if (st != BK_OK)
        return st;
    fputs(",\"compare\":{\"columns\":[", f);
    size_t n_cols = row_len(&t, 0);
    for (size_t c = 0; c < n_cols; c++) {
        fputs(c ? "," : "", f);
        put_jstr(f, cell(&t, 0, (int)c));
    }
    fputs("],\"rows\":[", f);
    for (size_t r = 1; r < t.n_rows; r++) {
        fputs(r > 1 ? ",[" : "[", f);
        for (size_t c = 0; c < n_cols; c++) {
            fputs(c ? "," : "", f);
            put_jstr(f, cell(&t, r, (int)c));
        }
        fputc(']', f);
    }
    fputs("]}", f);
    table_free(&t);
    return st;
}

/* events.geojson: "events": [[lon, lat, date, kind, success, segment, corridor, notes], ...]
 * for the entries that have a position. */
static bk_status put_events(FILE *f, const char *path, bk_error *err)
{
    json_doc j;
    bk_status st = json_read(path, &j, err);
    if (st != BK_OK)
        return st;
    struct fy_node *features = at(fy_document_root(j.doc), "/features");
    if (features == NULL || fy_node_get_type(features) != FYNT_SEQUENCE) {
        json_free(&j);
        return bk_fail(err, BK_ERR_SCHEMA, "'%s' is not a GeoJSON FeatureCollection", path);
    }
    fputs(",\"events\":[", f);
    bool first = true;
    void *it = NULL;
    struct fy_node *feat;
    while ((feat = fy_node_sequence_iterate(features, &it)) != NULL) {
        double lon, lat;
        if (!number_at(feat, "/geometry/coordinates/0", &lon)
            || !number_at(feat, "/geometry/coordinates/1", &lat))
            continue; /* no position: nothing to draw */
        fputs(first ? "[" : ",[", f);
        first = false;
        bk_fmt_json_number(f, lon);
        fputc(',', f);
        bk_fmt_json_number(f, lat);
        static const char *const props[] = {"date", "kind", "success", "segment", "corridor",
                                            "notes"};
        for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
            char p[32];
            snprintf(p, sizeof p, "/properties/%s", props[i]);
            fputc(',', f);
            put_json_scalar(f, at(feat, p));
        }
        fputc(']', f);
    }
    fputc(']', f);
    json_free(&j);
    return BK_OK;
}

/* Observed events (ACLED columns): "observed": {"file": name, "events": [[lon, lat, date,
 * notes, type], ...]}. Rows without coordinates are skipped: ACLED codes every event with one,
 * so an empty cell is a row the user blanked on purpose. */
static bk_status put_observed(FILE *f, const char *path, bk_error *err)
{
    table t;
    bk_status st = table_read(path, &t, err);
    if (st != BK_OK)
        return st;
    int c_lat, c_lon, c_date;
    if ((st = need_column(&t, "latitude", &c_lat, err)) != BK_OK
        || (st = need_column(&t, "longitude", &c_lon, err)) != BK_OK
        || (st = need_column(&t, "event_date", &c_date, err)) != BK_OK) {
        table_free(&t);
        return st;
    }
    int c_notes = column(&t, "notes"), c_type = column(&t, "sub_event_type");
    if (c_type < 0)
        c_type = column(&t, "event_type");
    fputs(",\"observed\":{\"file\":", f);
    put_jstr(f, base_name(path));
    fputs(",\"events\":[", f);
    bool first = true;
    for (size_t r = 1; r < t.n_rows && st == BK_OK; r++) {
        const char *lat = cell(&t, r, c_lat), *lon = cell(&t, r, c_lon);
        if (lat[0] == '\0' || lon[0] == '\0')
            continue;
        fputs(first ? "[" : ",[", f);
        first = false;
        st = put_number_cell(f, &t, r, c_lon, err);
        fputc(',', f);
        if (st == BK_OK)
            st = put_number_cell(f, &t, r, c_lat, err);
        fputc(',', f);
        put_jstr(f, cell(&t, r, c_date));
        fputc(',', f);
        put_jstr(f, c_notes >= 0 ? cell(&t, r, c_notes) : "");
        fputc(',', f);
        put_jstr(f, c_type >= 0 ? cell(&t, r, c_type) : "");
        fputc(']', f);
    }
    fputs("]}", f);
    table_free(&t);
    return st;
}

/* ---- the scenario --------------------------------------------------------------------------- */

static const char *const place_kind_word[] = {"port", "border", "town", "city", "depot"};

/* Contract in blockade/report.h. */
bk_status bk_scenario_write_network_geojson(const bk_scenario *sc, FILE *out)
{
    if (sc == NULL || out == NULL)
        return BK_ERR_USAGE;
    char a[BK_FMT_NUM], b[BK_FMT_NUM];
    fputs("{\"type\":\"FeatureCollection\",\"features\":[", out);
    for (int i = 0; i < sc->n_places; i++) {
        const bk_place *p = &sc->places[i];
        bk_fmt_fixed(a, p->lon, 4);
        bk_fmt_fixed(b, p->lat, 4);
        fprintf(out, "%s\n{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":"
                     "[%s,%s]},\"properties\":{\"id\":",
                i ? "," : "", a, b);
        put_jstr(out, p->id);
        fputs(",\"name\":", out);
        put_jstr(out, p->name);
        fputs(",\"kind\":", out);
        put_jstr(out, (unsigned)p->kind < 5 ? place_kind_word[p->kind] : "town");
        fputs(",\"country\":", out);
        put_jstr(out, p->country);
        fputs("}}", out);
    }
    for (int s = 0; s < sc->n_segments; s++) {
        const bk_segment *g = &sc->segments[s];
        const bk_place *p = &sc->places[g->from], *q = &sc->places[g->to];
        fprintf(out, "%s\n{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\","
                     "\"coordinates\":[",
                sc->n_places || s ? "," : "");
        bk_fmt_fixed(a, p->lon, 4);
        bk_fmt_fixed(b, p->lat, 4);
        fprintf(out, "[%s,%s],", a, b);
        bk_fmt_fixed(a, q->lon, 4);
        bk_fmt_fixed(b, q->lat, 4);
        fprintf(out, "[%s,%s]]},\"properties\":{\"id\":\"", a, b);
        /* ids are [A-Za-z0-9_-]: no escaping needed; the form matches events.geojson's */
        fprintf(out, "%s-%s\",\"from\":", p->id, q->id);
        put_jstr(out, p->id);
        fputs(",\"to\":", out);
        put_jstr(out, q->id);
        fputs(",\"length_km\":", out);
        bk_fmt_json_number(out, g->length_km);
        fputs(",\"cover\":", out);
        bk_fmt_json_number(out, g->cover);
        fputs(",\"corridors\":[", out);
        bool first = true;
        for (int c = 0; c < sc->n_corridors; c++) {
            const bk_corridor *k = &sc->corridors[c];
            for (int i = 0; i + 1 < k->path_len; i++) {
                if (k->path_seg[i] == s) {
                    fputs(first ? "" : ",", out);
                    first = false;
                    put_jstr(out, k->id);
                    break;
                }
            }
        }
        fputs("]}}", out);
    }
    fputs("\n]}", out);
    return bk_fmt_finish(out);
}

static void date_of(const bk_scenario *sc, double h, char buf[11])
{
    bk_run_date(sc, h, buf);
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

/* The scenario's part of the data: name, products with their demand, corridors, the network and
 * the timeline. */
static void put_scenario(FILE *f, const bk_scenario *sc)
{
    char hash[65], d[11];
    bk_scenario_hash(sc, hash);
    fputs(",\"scenario\":{\"name\":", f);
    put_jstr(f, sc->name);
    fputs(",\"description\":", f);
    put_jstr(f, sc->description);
    fputs(",\"sha256\":", f);
    put_jstr(f, hash);
    fprintf(f, ",\"seed\":%llu,\"days\":%d", (unsigned long long)sc->seed, sc->days);
    date_of(sc, 0, d);
    fputs(",\"start_date\":", f);
    put_jstr(f, d);
    fputs(",\"country\":", f);
    put_jstr(f, sc->country);
    fputs(",\"city\":", f);
    put_jstr(f, sc->places[sc->city.place].name);
    fputs(",\"currency\":", f);
    put_jstr(f, sc->cityside.currency);
    fputs(",\"products\":[", f);
    for (int p = 0; p < sc->n_products; p++) {
        char tok[BK_ID_MAX], col[BK_ID_MAX + 16];
        bk_id_token(sc->products[p].id, tok);
        snprintf(col, sizeof col, "stock_%s_l", tok);
        double demand = 0.0;
        for (int s = 0; sc->cityside.enabled && s < sc->cityside.n_sectors; s++)
            demand += sc->cityside.sectors[s].demand_l_per_day[p];
        fputs(p ? ",{\"id\":" : "{\"id\":", f);
        put_jstr(f, sc->products[p].id);
        fputs(",\"name\":", f);
        put_jstr(f, sc->products[p].name);
        fputs(",\"column\":", f);
        put_jstr(f, col);
        fputs(",\"demand_l_per_day\":", f);
        bk_fmt_json_number(f, demand);
        fputc('}', f);
    }
    /* the words of the vehicles (docs/model/modes.md): the page says boats, aircraft, ... */
    const char *one, *many;
    bool road = bk_scenario_words(sc, &one, &many);
    fputs("],\"vehicles\":{\"one\":", f);
    put_jstr(f, one);
    fputs(",\"many\":", f);
    put_jstr(f, many);
    fprintf(f, ",\"road\":%s}", road ? "true" : "false");
    fputs(",\"corridors\":[", f);
    for (int c = 0; c < sc->n_corridors; c++) {
        char tok[BK_ID_MAX], col[BK_ID_MAX + 16];
        bk_id_token(sc->corridors[c].id, tok);
        snprintf(col, sizeof col, "arrivals_%s", tok);
        fputs(c ? ",{\"id\":" : "{\"id\":", f);
        put_jstr(f, sc->corridors[c].id);
        fputs(",\"name\":", f);
        put_jstr(f, sc->corridors[c].name);
        fputs(",\"column\":", f);
        put_jstr(f, col);
        bk_corridor_words(sc, c, &one, &many);
        fputs(",\"many\":", f);
        put_jstr(f, many);
        fputc('}', f);
    }
    fputs("],\"timeline\":[", f);
    bool first = true;
    if (sc->group.campaign_start_h >= 0) {
        date_of(sc, sc->group.campaign_start_h, d);
        fputs("[", f);
        put_jstr(f, d);
        fputc(',', f);
        put_jstr(f, "The armed group declares its blockade");
        fputc(']', f);
        first = false;
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
        fputs(first ? "[" : ",[", f);
        first = false;
        put_jstr(f, d);
        fputc(',', f);
        put_jstr(f, full);
        fputc(']', f);
    }
    fputs("]},\"network\":", f);
    (void)bk_scenario_write_network_geojson(sc, f); /* a memory stream: errors show at the end */
}

/* ---- putting it together -------------------------------------------------------------------- */

typedef struct inputs {
    const char *dir;
    char *daily, *bands, *curves, *compare, *events, *summary, *manifest, *scenario;
    char *compare_json;
} inputs;

static void inputs_free(inputs *in)
{
    bk_free(in->daily);
    bk_free(in->bands);
    bk_free(in->curves);
    bk_free(in->compare);
    bk_free(in->events);
    bk_free(in->summary);
    bk_free(in->manifest);
    bk_free(in->scenario);
    bk_free(in->compare_json);
}

/* The path of `name` in the directory if that file exists, else NULL; *nomem on failure. */
static char *present(const char *dir, const char *name, bool *nomem)
{
    char *p = join_path(dir, name);
    if (p == NULL) {
        *nomem = true;
        return NULL;
    }
    if (!is_file(p)) {
        bk_free(p);
        return NULL;
    }
    return p;
}

/* Pass a whole JSON file through as the value of `key`. */
static bk_status put_json_file(FILE *f, const char *key, const char *path, bk_error *err)
{
    json_doc j;
    bk_status st = json_read(path, &j, err);
    if (st != BK_OK)
        return st;
    fprintf(f, ",\"%s\":", key);
    st = put_json_doc(f, &j, path, err);
    json_free(&j);
    return st;
}

/* Build the page's data as one JSON text. */
static bk_status build_data(const inputs *in, const bk_report_config *cfg, FILE *f,
                            char name[BK_NAME_MAX], bk_error *err)
{
    bk_status st = BK_OK;
    const char *kind = in->compare ? "compare" : in->bands ? "ensemble" : "run";
    fputs("{\"kind\":", f);
    put_jstr(f, kind);
    fputs(",\"version\":", f);
    put_jstr(f, bk_version());
    fputs(",\"title\":", f);
    put_jstr(f, cfg->title);
    if (in->scenario) {
        char *text = NULL;
        size_t len = 0;
        bk_scenario *sc = NULL;
        st = read_file(in->scenario, &text, &len, err);
        if (st == BK_OK)
            st = bk_scenario_load_string(text, len, in->scenario, &sc, err);
        bk_free(text);
        if (st != BK_OK)
            return st;
        put_scenario(f, sc);
        snprintf(name, BK_NAME_MAX, "%s", sc->name);
        bk_scenario_free(sc);
    }
    bool have_dates = false;
    if (in->daily) {
        if ((st = put_daily(f, in->daily, err)) != BK_OK)
            return st;
        have_dates = true;
    }
    if (in->bands) {
        if ((st = put_bands(f, in->bands, !have_dates, err)) != BK_OK)
            return st;
        have_dates = true;
    }
    if (in->curves && (st = put_curves(f, in->curves, !have_dates, err)) != BK_OK)
        return st;
    if (in->compare && (st = put_compare(f, in->compare, err)) != BK_OK)
        return st;
    if (in->events && (st = put_events(f, in->events, err)) != BK_OK)
        return st;
    if (cfg->observed_path) {
        if (!is_file(cfg->observed_path))
            return bk_fail(err, BK_ERR_IO, "observed events file '%s' does not exist or is not "
                                           "a file", cfg->observed_path);
        if ((st = put_observed(f, cfg->observed_path, err)) != BK_OK)
            return st;
    }
    if (in->summary && (st = put_json_file(f, "summary", in->summary, err)) != BK_OK)
        return st;
    if (in->manifest && (st = put_json_file(f, "manifest", in->manifest, err)) != BK_OK)
        return st;
    /* a comparison's scenario, run count and policies (names and descriptions, as text) */
    if (in->compare && in->compare_json
        && (st = put_json_file(f, "comparison", in->compare_json, err)) != BK_OK)
        return st;
    fputc('}', f);
    return BK_OK;
}

/* Text for HTML element content and attribute values. */
static void put_html(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* True when text[0..len) holds `closer` in any letter case: an embedded asset that would end its
 * <script> or <style> element early. */
static bool holds_closer(const char *text, size_t len, const char *closer)
{
    size_t n = strlen(closer);
    for (size_t i = 0; i + n <= len; i++) {
        size_t k = 0;
        while (k < n) {
            char c = text[i + k];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (c != closer[k])
                break;
            k++;
        }
        if (k == n)
            return true;
    }
    return false;
}

static void put_element(FILE *f, const char *open, const char *text, size_t len,
                        const char *close)
{
    fputs(open, f);
    fwrite(text, 1, len, f);
    fputs(close, f);
    fputc('\n', f);
}

/* The page. `data` is the JSON from build_data, already safe inside <script>. */
static void write_page(FILE *f, const char *title, const char *data, size_t data_len)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          /* The page works offline and must stay so: nothing may be fetched. */
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"generator\" content=\"blockade ",
          f);
    put_html(f, bk_version());
    fputs("\">\n<title>", f);
    put_html(f, title);
    fputs("</title>\n", f);
    put_element(f, "<style>\n", ASSET(bk_web_uplot_css), "\n</style>");
    put_element(f, "<style>\n", ASSET(bk_web_report_css), "\n</style>");
    fputs("</head>\n<body>\n<header class=\"bk-header\"><h1 id=\"bk-title\">", f);
    put_html(f, title);
    fputs("</h1><p id=\"bk-subtitle\" class=\"bk-subtitle\"></p></header>\n"
          "<main id=\"bk-report\"><noscript><p>This report draws its charts and map with "
          "JavaScript, which is turned off in this browser.</p></noscript></main>\n",
          f);
    put_element(f, "<script type=\"application/json\" id=\"bk-data\">", data, data_len,
                "</script>");
    fputs("<script type=\"application/json\" id=\"bk-world\">", f);
    for (size_t i = 0; i < bk_web_countries_json_len; i++) {
        if (bk_web_countries_json[i] == '<')
            fputs("\\u003c", f);
        else
            fputc(bk_web_countries_json[i], f);
    }
    fputs("</script>\n", f);
    put_element(f, "<script>\n", ASSET(bk_web_uplot_js), "\n</script>");
    put_element(f, "<script>\n", ASSET(bk_web_d3_array_js), "\n</script>");
    put_element(f, "<script>\n", ASSET(bk_web_d3_geo_js), "\n</script>");
    put_element(f, "<script>\n", ASSET(bk_web_topojson_js), "\n</script>");
    put_element(f, "<script>\n", ASSET(bk_web_report_js), "\n</script>");
    fputs("</body>\n</html>\n", f);
}

/* Contract in blockade/report.h. */
void bk_report_config_init(bk_report_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
}

/* Contract in blockade/report.h. */
bk_status bk_report_write(const char *dir, const bk_report_config *cfg, FILE *out,
                          bk_error *err)
{
    if (dir == NULL || out == NULL)
        return bk_fail(err, BK_ERR_USAGE, "bk_report_write: NULL directory or stream");
    bk_report_config defaults;
    if (cfg == NULL) {
        bk_report_config_init(&defaults);
        cfg = &defaults;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return bk_fail(err, BK_ERR_IO, "cannot read output directory '%s': %s", dir,
                       strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return bk_fail(err, BK_ERR_IO, "'%s' is not a directory", dir);

    /* The scripts and styles are fixed at build time; one that could close its element would
     * break every page, so refuse it rather than write a broken report. */
    if (holds_closer(ASSET(bk_web_uplot_js), "</script")
        || holds_closer(ASSET(bk_web_d3_array_js), "</script")
        || holds_closer(ASSET(bk_web_d3_geo_js), "</script")
        || holds_closer(ASSET(bk_web_topojson_js), "</script")
        || holds_closer(ASSET(bk_web_report_js), "</script")
        || holds_closer(ASSET(bk_web_uplot_css), "</style")
        || holds_closer(ASSET(bk_web_report_css), "</style"))
        return bk_fail(err, BK_ERR_INTERNAL, "an embedded script or style sheet would end its "
                                             "element early: rebuild the library");

    bool nomem = false;
    inputs in = {.dir = dir};
    in.daily = present(dir, "daily.csv", &nomem);
    in.bands = present(dir, "bands.csv", &nomem);
    in.curves = present(dir, "curves.csv", &nomem);
    in.compare = present(dir, "compare.csv", &nomem);
    in.events = present(dir, "events.geojson", &nomem);
    in.summary = present(dir, "summary.json", &nomem);
    in.manifest = present(dir, "manifest.json", &nomem);
    in.scenario = present(dir, "scenario.yaml", &nomem);
    in.compare_json = present(dir, "compare.json", &nomem);
    if (nomem) {
        inputs_free(&in);
        return bk_fail(err, BK_ERR_NOMEM, "out of memory");
    }
    if (!in.daily && !in.bands && !in.compare) {
        inputs_free(&in);
        return bk_fail(err, BK_ERR_IO,
                       "'%s' holds no daily.csv, bands.csv or compare.csv: not an output "
                       "directory of 'blockade run', 'ensemble' or 'compare'",
                       dir);
    }

    char *data = NULL;
    size_t data_len = 0;
    FILE *mem = open_memstream(&data, &data_len);
    if (mem == NULL) {
        inputs_free(&in);
        return bk_fail(err, BK_ERR_NOMEM, "out of memory");
    }
    char name[BK_NAME_MAX] = "";
    bk_status st = build_data(&in, cfg, mem, name, err);
    if (fflush(mem) != 0 || ferror(mem)) {
        if (st == BK_OK)
            st = bk_fail(err, BK_ERR_NOMEM, "out of memory building the report");
    }
    fclose(mem);
    inputs_free(&in);
    if (st != BK_OK) {
        bk_free(data);
        return st;
    }

    char title[512];
    if (cfg->title) {
        snprintf(title, sizeof title, "%s", cfg->title);
        if (strlen(cfg->title) >= sizeof title) {   /* cut at a character, not inside one */
            size_t j = sizeof title - 1;
            while (j > 0 && ((unsigned char)cfg->title[j] & 0xC0) == 0x80)
                j--;   /* cfg->title[j] starts the character that does not fit */
            title[j] = '\0';
        }
    } else if (name[0])
        snprintf(title, sizeof title, "%s: blockade report", name);
    else
        snprintf(title, sizeof title, "Blockade report");
    write_page(out, title, data, data_len);
    bk_free(data);
    if (bk_fmt_finish(out) != BK_OK)
        return bk_fail(err, BK_ERR_IO, "cannot write the report: %s", strerror(errno));
    return BK_OK;
}
