/* read.h (internal): reading scenario nodes with libfyaml, shared by the loader's files.
 *
 * node.c reads one scalar (number, whole number, string, id, boolean, word, date) and places
 * messages at a node's line and column; read.c reads mappings, lists, references, product maps
 * and, through the schema table (schema.c), every scalar key of a section. Every function that
 * returns a status has already filled the loader's error on failure.
 */
#ifndef BK_SCENARIO_READ_H
#define BK_SCENARIO_READ_H

#include <stdbool.h>
#include <stddef.h>

#include <libfyaml.h>

#include "engine/date.h"
#include "engine/status_internal.h"
#include "scenario/scenario.h"
#include "scenario/schema.h"

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
    struct fy_node *root;
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

typedef struct bounds {
    char lo_op;   /* 0: none, '>': strictly greater, 'G': greater or equal */
    char hi_op;   /* 0: none, '<': strictly less, 'L': less or equal */
    double lo, hi;
    const char *unit;
} bounds;

#define GT0_LE(h, u) ((bounds){'>', 'L', 0.0, (h), (u)})
#define IN(l, h, u) ((bounds){'G', 'L', (l), (h), (u)})
#define SHARE IN(0.0, 1.0, "")

/* node.c */
bool sr_node_pos(struct fy_node *n, int *line, int *col, int depth);
BK_PRINTF(5, 6)
bk_status sr_fail_node(loader *L, bk_status st, struct fy_node *n, struct fy_node *fb,
                       const char *fmt, ...);
void sr_sanitize(const char *s, size_t len, char *buf, size_t cap);
bool sr_is_null_scalar(struct fy_node *n);
bool sr_number_syntax(const char *s, size_t len);
const char *sr_node_desc(struct fy_node *n, char *buf, size_t cap);
void sr_join_path(char *buf, size_t cap, const char *base, const char *key);
bk_status sr_node_number(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                         double *out);
bool sr_bounds_ok(double v, const bounds *b);
void sr_bounds_text(const bounds *b, char *buf, size_t cap);
bk_status sr_node_bounded(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                          bounds b, double *out);
bk_status sr_node_int(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                      int lo, int hi, int *out);
bk_status sr_node_string(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                         char *buf, size_t cap, bool allow_newline);
bool sr_id_ok(const char *s);
bk_status sr_node_id(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                     char id[BK_ID_MAX]);
bk_status sr_node_bool(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                       bool *out);
bk_status sr_node_enum(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                       const char *const words[], int *out);
bk_status sr_node_date(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                       long *day);
bk_status sr_node_date_hours(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                             double *hours);

/* Document-level checks (node.c): aliases, tags, key types; UTF-8 text; libfyaml's first error. */
bk_status sr_check_tree(loader *L, struct fy_node *n, int depth);
void sr_offset_pos(const char *text, size_t off, int *line, int *col);
bk_status sr_check_bytes(loader *L, const char *t, size_t len);
bk_status sr_syntax_error(loader *L, struct fy_diag *diag);

/* read.c */
struct fy_node *sr_find_key(struct fy_node *mapping, const char *key, struct fy_node **knode);
/* Open a mapping whose keys must be those of schema section `section` ("corridors[]"), or of
 * `keys` (NULL-terminated) when section is NULL. `what` names it in the unknown-key message. */
bk_status sr_map_open(loader *L, map *m, struct fy_node *n, struct fy_node *at, const char *path,
                      const char *what, const char *section, const char *const keys[]);
bk_status sr_map_get(const map *m, const char *key, enum need need, struct fy_node **value,
                     struct fy_node **knode);
bk_status sr_rd_num(const map *m, const char *key, enum need need, double def, bounds b,
                    double *out);
bk_status sr_rd_int(const map *m, const char *key, enum need need, int def, int lo, int hi,
                    int *out);
bk_status sr_rd_str(const map *m, const char *key, enum need need, const char *def, char *buf,
                    size_t cap, bool allow_newline);
bk_status sr_rd_id(const map *m, const char *key, char id[BK_ID_MAX]);
bk_status sr_rd_bool(const map *m, const char *key, enum need need, bool def, bool *out);
bk_status sr_rd_enum(const map *m, const char *key, enum need need, int def,
                     const char *const words[], int *out);
bk_status sr_rd_range(const map *m, const char *key, enum need need, double dlo, double dhi,
                      bounds b, double *lo, double *hi);
bk_status sr_node_list(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                       int min, int max, int *count);
int sr_find_id(const void *base, int n, size_t stride, const char *id);
bk_status sr_check_unique(loader *L, const void *base, int i, size_t stride, const map *m,
                          const char *list);
int sr_lookup(const bk_scenario *sc, enum bk_ref_kind kind, const char *id);
bk_status sr_node_ref(loader *L, struct fy_node *n, struct fy_node *at, const char *path,
                      enum bk_ref_kind kind, int *out);
bk_status sr_rd_ref(const map *m, const char *key, enum bk_ref_kind kind, int *out);
bk_status sr_rd_product_map(const map *m, const char *key, enum need need, double def,
                            bounds b, double **out);
bk_status sr_list_array(loader *L, struct fy_node *v, struct fy_node *k, const char *what,
                        int min, int max, size_t size, void **arr, int *n);

/* Write the default of every scalar row of `section` into base (the scenario, or a list item).
 * Product maps get an array of sc->n_products. Fails only when out of memory. */
bk_status sr_defaults(loader *L, const char *section, void *base);
/* Read every scalar row of `section` present in mapping m into base, defaults for the absent
 * ones; required keys must be present. */
bk_status sr_read_fields(const map *m, const char *section, void *base);
/* Open sub-mapping `key` of parent (schema section parent_section.key) if present. */
bk_status sr_open_sub(const map *parent, const char *section, const char *key, map *m,
                      bool *present);

/* timeline.c */
bk_status sr_read_timeline(loader *L, const map *top);

#endif
