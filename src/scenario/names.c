/* names.c: the scenario checks on ids and text that span a whole list or the whole document
 * (see names.h). Kept apart from the per-key loader so that it reads the parsed tree alone. */
#include "engine/alloc.h"
#include "scenario/names.h"

#include <stdlib.h>
#include <string.h>

#include "engine/status_internal.h"
#include "model/run.h"

#define MAX_DEPTH 256

/* 1-based position of a scalar node; 0:0 when it has none. */
static void scalar_pos(struct fy_node *n, int *line, int *col)
{
    struct fy_token *t = n ? fy_node_get_scalar_token(n) : NULL;
    const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
    *line = m ? m->line + 1 : 0;
    *col = m ? m->column + 1 : 0;
}

/* The first forbidden code point in s[0..len) (UTF-8, already validated by the loader), or 0;
 * *at receives its byte offset. */
static unsigned forbidden_char(const char *s, size_t len, size_t *at)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len; i++) {
        unsigned cp = 0;
        if (u[i] == 0xC2 && i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9F)
            cp = u[i + 1];   /* U+0080..U+009F: C1 controls (0x9B is a terminal CSI) */
        else if (u[i] == 0xE2 && i + 2 < len && u[i + 1] == 0x80 && u[i + 2] >= 0xAA &&
                 u[i + 2] <= 0xAE)
            cp = 0x2000u + (u[i + 2] - 0x80u);   /* U+202A..U+202E */
        else if (u[i] == 0xE2 && i + 2 < len && u[i + 1] == 0x81 && u[i + 2] >= 0xA6 &&
                 u[i + 2] <= 0xA9)
            cp = 0x2040u + (u[i + 2] - 0x80u);   /* U+2066..U+2069 */
        if (cp != 0) {
            *at = i;
            return cp;
        }
    }
    return 0;
}

static bk_status check_scalar(struct fy_node *n, const char *file, bk_error *err)
{
    size_t len = 0;
    const char *s = fy_node_get_scalar(n, &len);
    size_t at = 0;
    unsigned cp = s ? forbidden_char(s, len, &at) : 0;
    if (cp == 0)
        return BK_OK;
    int line, col;
    scalar_pos(n, &line, &col);
    const char *what = cp < 0x100 ? "a C1 control character"
                                  : "a bidirectional text control (it reorders text on screen)";
    return bki_fail_at(err, BK_ERR_VALUE, file, line, col,
                       "text contains U+%04X, %s, at byte %zu of the value: ids, names and notes "
                       "must not hold it", cp, what, at);
}

static bk_status check_tree(struct fy_node *n, const char *file, bk_error *err, int depth)
{
    if (n == NULL || depth > MAX_DEPTH)
        return BK_OK;   /* the loader has already refused deeper trees */
    switch (fy_node_get_type(n)) {
    case FYNT_SCALAR:
        return check_scalar(n, file, err);
    case FYNT_SEQUENCE: {
        void *it = NULL;
        struct fy_node *c;
        while ((c = fy_node_sequence_iterate(n, &it)) != NULL) {
            bk_status st = check_tree(c, file, err, depth + 1);
            if (st != BK_OK)
                return st;
        }
        return BK_OK;
    }
    case FYNT_MAPPING: {
        void *it = NULL;
        struct fy_node_pair *p;
        while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
            bk_status st = check_tree(fy_node_pair_key(p), file, err, depth + 1);
            if (st == BK_OK)
                st = check_tree(fy_node_pair_value(p), file, err, depth + 1);
            if (st != BK_OK)
                return st;
        }
        return BK_OK;
    }
    }
    return BK_OK;
}

/* The value under key in a mapping, or NULL (no allocation, unlike a lookup by string). */
static struct fy_node *value_of(struct fy_node *mapping, const char *key)
{
    if (mapping == NULL || fy_node_get_type(mapping) != FYNT_MAPPING)
        return NULL;
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(mapping, &it)) != NULL) {
        size_t len = 0;
        const char *k = fy_node_get_scalar(fy_node_pair_key(p), &len);
        if (k != NULL && len == strlen(key) && memcmp(k, key, len) == 0)
            return fy_node_pair_value(p);
    }
    return NULL;
}

typedef struct id_entry {
    char token[BK_ID_MAX];
    int index;              /* position in the list */
    struct fy_node *node;   /* the id's scalar */
} id_entry;

static int entry_cmp(const void *a, const void *b)
{
    const id_entry *x = a, *y = b;
    int c = strcmp(x->token, y->token);
    return c != 0 ? c : (x->index > y->index) - (x->index < y->index);
}

/* Refuse two ids of one list that map to the same token; the later one is reported. */
static bk_status check_list(struct fy_node *list, const char *what, const char *file,
                            bk_error *err)
{
    if (list == NULL || fy_node_get_type(list) != FYNT_SEQUENCE)
        return BK_OK;
    int n = fy_node_sequence_item_count(list);
    if (n < 2)
        return BK_OK;
    id_entry *e = bki_calloc((size_t)n, sizeof *e);
    if (e == NULL)
        return bki_fail(err, BK_ERR_NOMEM, "out of memory checking the ids of %s in %s", what,
                        file);
    int m = 0;
    void *it = NULL;
    struct fy_node *item;
    for (int i = 0; (item = fy_node_sequence_iterate(list, &it)) != NULL; i++) {
        struct fy_node *id = value_of(item, "id");
        size_t len = 0;
        const char *s = id && fy_node_get_type(id) == FYNT_SCALAR ? fy_node_get_scalar(id, &len)
                                                                  : NULL;
        if (s == NULL || len == 0 || len >= BK_ID_MAX)
            continue;   /* the loader has refused these already */
        char raw[BK_ID_MAX];
        memcpy(raw, s, len);
        raw[len] = '\0';
        bki_id_token(raw, e[m].token);
        e[m].index = i;
        e[m].node = id;
        m++;
    }
    qsort(e, (size_t)m, sizeof *e, entry_cmp);
    /* Equal tokens sort together in list order: in each run the first entry is the earliest
     * item and the second the first clash; report the clash that comes first in the file. */
    const id_entry *first = NULL, *later = NULL;
    for (int i = 1, run = 0; i < m; i++) {
        if (strcmp(e[i].token, e[i - 1].token) != 0) {
            run = i;
            continue;
        }
        if (i == run + 1 && (later == NULL || e[i].index < later->index)) {
            first = &e[run];
            later = &e[i];
        }
    }
    bk_status st = BK_OK;
    if (later != NULL) {
        int line, col;
        scalar_pos(later->node, &line, &col);
        size_t la = 0, lb = 0;
        const char *a = fy_node_get_scalar(first->node, &la);
        const char *b = fy_node_get_scalar(later->node, &lb);
        st = bki_fail_at(err, BK_ERR_VALUE, file, line, col,
                         "%s[%d].id '%.*s' clashes with %s[%d].id '%.*s': both give the column "
                         "name '%s' (ids are compared ignoring case and with '-' as '_')",
                         what, later->index, (int)lb, b, what, first->index, (int)la, a,
                         later->token);
    }
    bki_free(e);
    return st;
}

bk_status bki_scenario_check_names(struct fy_node *root, const char *file, bk_error *err)
{
    bk_status st = check_tree(root, file, err, 0);
    if (st != BK_OK || root == NULL || fy_node_get_type(root) != FYNT_MAPPING)
        return st;
    static const char *const lists[][3] = {
        {"products", NULL, "products"},    {"places", NULL, "places"},
        {"ports", NULL, "ports"},          {"corridors", NULL, "corridors"},
        {"city", "sectors", "city.sectors"}, {"armed_group", "cells", "armed_group.cells"},
    };
    for (size_t i = 0; st == BK_OK && i < sizeof lists / sizeof lists[0]; i++) {
        struct fy_node *n = value_of(root, lists[i][0]);
        if (lists[i][1] != NULL)
            n = value_of(n, lists[i][1]);
        st = check_list(n, lists[i][2], file, err);
    }
    return st;
}
