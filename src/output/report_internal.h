/* report_internal.h: the parts of the HTML report shared by its files: reading CSV and JSON
 * inputs and writing JSON (report_read.c), the page's data from a run's, an ensemble's or a
 * comparison's files and the scenario (report_data.c), from an optimisation's and a
 * vulnerability analysis's files (report_decide.c); report.c puts the page together.
 * Not part of the API. */
#ifndef BK_OUTPUT_REPORT_INTERNAL_H
#define BK_OUTPUT_REPORT_INTERNAL_H

#include <libfyaml.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "blockade/blockade.h"
#include "engine/status_internal.h"

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

/* A parsed JSON file. The parser owns the document. */
typedef struct json_doc {
    struct fy_diag *diag;
    struct fy_parser *parser;
    struct fy_document *doc;
    char *text;
} json_doc;

/* report_read.c */
void rp_put_jstr(FILE *f, const char *s);
void rp_put_jstr_n(FILE *f, const char *s, size_t len);
bool rp_is_json_number(const char *s);
void rp_put_key(FILE *f, bool *first, const char *key);
char *rp_join_path(const char *dir, const char *name);
bool rp_is_file(const char *path);
const char *rp_base_name(const char *path);
bk_status rp_read_file(const char *path, char **out, size_t *len, bk_error *err);
void rp_table_free(table *t);
size_t rp_row_len(const table *t, size_t r);
const char *rp_cell(const table *t, size_t r, int c);
int rp_column(const table *t, const char *name);
bk_status rp_table_read(const char *path, table *t, bk_error *err);
bk_status rp_need_column(const table *t, const char *name, int *c, bk_error *err);
bk_status rp_put_number_cell(FILE *f, const table *t, size_t r, int c, bk_error *err);
bk_status rp_read_day(const table *t, size_t r, int c, long *day, bk_error *err);
void rp_json_free(json_doc *j);
bk_status rp_json_read(const char *path, json_doc *j, bk_error *err);
bk_status rp_put_json_doc(FILE *f, const json_doc *j, const char *path, bk_error *err);
void rp_put_json_scalar(FILE *f, struct fy_node *n);
struct fy_node *rp_at(struct fy_node *n, const char *path);
bool rp_number_at(struct fy_node *n, const char *path, double *v);

/* report_data.c */
bk_status rp_put_daily(FILE *f, const char *path, bk_error *err);
bk_status rp_put_bands(FILE *f, const char *path, bool with_dates, bk_error *err);
bk_status rp_put_curves(FILE *f, const char *path, bool with_dates, bk_error *err);
bk_status rp_put_compare(FILE *f, const char *path, bk_error *err);
bk_status rp_put_events(FILE *f, const char *path, bk_error *err);
bk_status rp_put_observed(FILE *f, const char *path, bk_error *err);
void rp_put_scenario(FILE *f, const bk_scenario *sc);

/* report_decide.c */
bk_status rp_put_optimise(FILE *f, const char *json_path, const char *csv_path, bk_error *err);
bk_status rp_put_vulnerability(FILE *f, const char *csv_path, const char *json_path,
                               bk_error *err);

#endif
