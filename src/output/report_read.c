/* report_read.c: the HTML report's readers and JSON writers: CSV tables with engine/csv.h, JSON
 * documents with libfyaml, numbers copied as their text after checking it is a JSON number, and
 * strings with every '<' escaped so that no data can close its <script> element. */
#include "engine/alloc.h"
#include "engine/csv.h"
#include "engine/json.h"

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
#include "engine/file.h"
#include "output/report_internal.h"
#include "scenario/scenario.h"
#include "engine/yaml.h"

/* ---- JSON output ---------------------------------------------------------------------------- */

/* A JSON string of len bytes (engine/json.h), '<' escaped so that "</script" and "<!--" cannot
 * appear in the page's data. */
void rp_put_jstr_n(FILE *f, const char *s, size_t len)
{
    bki_json_string_n(f, s, len, true);
}

void rp_put_jstr(FILE *f, const char *s)
{
    if (s == NULL)
        fputs("null", f);
    else
        rp_put_jstr_n(f, s, strlen(s));
}

/* A key and its colon, after a comma unless it is the first key. */
void rp_put_key(FILE *f, bool *first, const char *key)
{
    if (!*first)
        fputc(',', f);
    *first = false;
    rp_put_jstr(f, key);
    fputc(':', f);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* RFC 8259's number grammar, the whole string. */
bool rp_is_json_number(const char *s)
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
    if (rp_is_json_number(s)) {
        fputs(s, f);
        return true;
    }
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return false;
    bki_fmt_json_number(f, v);
    return true;
}

/* ---- reading files -------------------------------------------------------------------------- */

/* "dir/name" in a new string, or NULL when out of memory. */
char *rp_join_path(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    while (a > 1 && dir[a - 1] == '/')
        a--;
    char *s = bki_malloc(a + 1 + b + 1);
    if (s) {
        memcpy(s, dir, a);
        s[a] = '/';
        memcpy(s + a + 1, name, b + 1);
    }
    return s;
}

bool rp_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The last component of a path, for messages and the page: never a directory of this machine. */
const char *rp_base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

/* Read a whole file, at most BK_REPORT_MAX_INPUT_BYTES, into a new NUL-terminated buffer (free
 * with bki_free()); errors as bki_read_whole_file's. */
bk_status rp_read_file(const char *path, char **out, size_t *len, bk_error *err)
{
    return bki_read_whole_file(path, BK_REPORT_MAX_INPUT_BYTES, out, len, err);
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
    bki_fail(err, status, "%s:%d: %s", path, line, body);
    if (err) {
        err->line = line;
        snprintf(err->file, sizeof err->file, "%s", path);
    }
    return status;
}


void rp_table_free(table *t)
{
    for (size_t i = 0; i < t->n_f; i++)
        bki_free(t->f[i]);
    bki_free_all(t->f, t->row_start, t->row_line);
    memset(t, 0, sizeof *t);
}

/* Keep one record of the CSV (engine/csv.h) in the table. */
static bk_status table_record(void *ud, const bk_csv_record *rec, bk_error *err)
{
    table *t = ud;
    if (t->n_rows == t->cap_rows) {
        size_t cap = t->cap_rows ? 2 * t->cap_rows : 64;
        size_t *rs = bki_realloc(t->row_start, cap * sizeof *rs);
        if (rs)
            t->row_start = rs;
        int *rl = rs ? bki_realloc(t->row_line, cap * sizeof *rl) : NULL;
        if (!rl)
            return bki_fail(err, BK_ERR_NOMEM, "out of memory reading '%s'", t->path);
        t->row_line = rl;
        t->cap_rows = cap;
    }
    while (t->n_f + rec->n > t->cap_f) {
        size_t cap = t->cap_f ? 2 * t->cap_f : 1024;
        char **bigger = bki_realloc(t->f, cap * sizeof *bigger);
        if (bigger == NULL)
            return bki_fail(err, BK_ERR_NOMEM, "out of memory reading '%s'", t->path);
        t->f = bigger;
        t->cap_f = cap;
    }
    t->row_start[t->n_rows] = t->n_f;
    t->row_line[t->n_rows] = rec->line;
    t->n_rows++;
    for (size_t i = 0; i < rec->n; i++) {
        char *copy = bki_strdup(rec->fields[i]);
        if (copy == NULL)
            return bki_fail(err, BK_ERR_NOMEM, "out of memory reading '%s'", t->path);
        t->f[t->n_f++] = copy;
    }
    return BK_OK;
}

size_t rp_row_len(const table *t, size_t r)
{
    size_t end = r + 1 < t->n_rows ? t->row_start[r + 1] : t->n_f;
    return end - t->row_start[r];
}

const char *rp_cell(const table *t, size_t r, int c)
{
    return t->f[t->row_start[r] + (size_t)c];
}

/* Index of the header column called `name`, or -1. */
int rp_column(const table *t, const char *name)
{
    size_t n = rp_row_len(t, 0);
    for (size_t c = 0; c < n; c++) {
        if (strcmp(rp_cell(t, 0, (int)c), name) == 0)
            return (int)c;
    }
    return -1;
}

/* Read a CSV file whose first row is a header; every row must have as many fields as the
 * header. `path` is kept for messages and must outlive the table. */
bk_status rp_table_read(const char *path, table *t, bk_error *err)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    bk_status st = bki_csv_read_file(path, BK_REPORT_MAX_INPUT_BYTES, table_record, t, NULL, err);
    if (st == BK_OK && t->n_rows == 0)
        st = bki_fail(err, BK_ERR_SYNTAX, "'%s' is empty: expected a header line", path);
    for (size_t r = 1; st == BK_OK && r < t->n_rows; r++) {
        if (rp_row_len(t, r) != rp_row_len(t, 0))
            st = fail_line(err, BK_ERR_SYNTAX, path, t->row_line[r],
                            "malformed CSV: %zu fields, the header has %zu", rp_row_len(t, r),
                            rp_row_len(t, 0));
    }
    if (st != BK_OK)
        rp_table_free(t);
    return st;
}

/* The column `name`, or BK_ERR_SCHEMA. */
bk_status rp_need_column(const table *t, const char *name, int *c, bk_error *err)
{
    *c = rp_column(t, name);
    if (*c < 0)
        return fail_line(err, BK_ERR_SCHEMA, t->path, 1, "no column '%s' in the header",
                          name);
    return BK_OK;
}

/* A number cell as JSON, or BK_ERR_SYNTAX naming the file, line and column. */
bk_status rp_put_number_cell(FILE *f, const table *t, size_t r, int c, bk_error *err)
{
    if (put_number_text(f, rp_cell(t, r, c)))
        return BK_OK;
    return fail_line(err, BK_ERR_SYNTAX, t->path, t->row_line[r],
                      "column '%s': '%.40s' is not a number", rp_cell(t, 0, c), rp_cell(t, r, c));
}

/* A day index cell: a whole number from 0 to 100,000 days. */
bk_status rp_read_day(const table *t, size_t r, int c, long *day, bk_error *err)
{
    const char *s = rp_cell(t, r, c);
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno != 0 || v < 0 || v > 100000)
        return fail_line(err, BK_ERR_SYNTAX, t->path, t->row_line[r],
                          "column '%s': '%.40s' is not a day number", rp_cell(t, 0, c), s);
    *day = v;
    return BK_OK;
}

/* ---- JSON documents (libfyaml) -------------------------------------------------------------- */


void rp_json_free(json_doc *j)
{
    if (j->doc)
        fy_parse_document_destroy(j->parser, j->doc);
    if (j->parser)
        fy_parser_destroy(j->parser);
    if (j->diag)
        fy_diag_destroy(j->diag);
    bki_free(j->text);
    memset(j, 0, sizeof *j);
}

bk_status rp_json_read(const char *path, json_doc *j, bk_error *err)
{
    memset(j, 0, sizeof *j);
    size_t len = 0;
    bk_status st = rp_read_file(path, &j->text, &len, err);
    if (st != BK_OK)
        return st;
    int gl, gc;
    const char *why = bki_yaml_guard(j->text, len, &gl, &gc);
    if (why) {
        st = bki_fail_at(err, BK_ERR_SYNTAX, path, gl, gc, "malformed JSON: %s", why);
        rp_json_free(j);
        return st;
    }
    j->diag = bki_yaml_quiet_diag();
    struct fy_parse_cfg pcfg = {0};
    pcfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_JSON_FORCE;
    pcfg.diag = j->diag;
    j->parser = j->diag ? fy_parser_create(&pcfg) : NULL;
    if (j->parser == NULL || fy_parser_set_string(j->parser, j->text, len) != 0) {
        rp_json_free(j);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory reading '%s'", path);
    }
    j->doc = fy_parse_load_document(j->parser);
    void *it = NULL;
    struct fy_diag_error *e = fy_diag_errors_iterate(j->diag, &it);
    if (j->doc == NULL || e != NULL) {
        int line = e && e->line > 0 ? e->line : 1, col = e && e->column > 0 ? e->column : 1;
        st = bki_fail_at(err, BK_ERR_SYNTAX, path, line, col, "malformed JSON: %.200s",
                         e && e->msg ? e->msg : "empty file");
        rp_json_free(j);
        return st;
    }
    return BK_OK;
}


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
        rp_put_json_scalar(f, n);
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
            rp_put_jstr_n(f, k ? k : "", k ? len : 0);
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
bk_status rp_put_json_doc(FILE *f, const json_doc *j, const char *path, bk_error *err)
{
    if (!put_json_node(f, fy_document_root(j->doc), 0))
        return bki_fail(err, BK_ERR_SYNTAX, "'%s' is nested more than 256 levels deep", path);
    return BK_OK;
}

/* A scalar leaf as JSON: strings escaped, plain numbers and true/false/null checked and copied;
 * a missing node or a collection is null. */
void rp_put_json_scalar(FILE *f, struct fy_node *n)
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
        rp_put_jstr_n(f, s, len);
        return;
    }
    char buf[64];
    if (len < sizeof buf) {
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (strcmp(buf, "true") == 0 || strcmp(buf, "false") == 0 || strcmp(buf, "null") == 0
            || rp_is_json_number(buf)) {
            fputs(buf, f);
            return;
        }
    }
    rp_put_jstr_n(f, s, len);
}

struct fy_node *rp_at(struct fy_node *n, const char *path)
{
    return n ? fy_node_by_path(n, path, FY_NT, FYNWF_DONT_FOLLOW) : NULL;
}

/* A finite number at `path` under n, or false. */
bool rp_number_at(struct fy_node *n, const char *path, double *v)
{
    struct fy_node *x = rp_at(n, path);
    if (x == NULL || fy_node_get_type(x) != FYNT_SCALAR)
        return false;
    size_t len = 0;
    const char *s = fy_node_get_scalar(x, &len);
    char buf[64];
    if (s == NULL || len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (!rp_is_json_number(buf))
        return false;
    *v = strtod(buf, NULL);
    return isfinite(*v);
}
