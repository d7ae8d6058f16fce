/* store_flat.c: a JSON text (a run's parameters or summary) as a list of leaves with dotted
 * keys, so that `blockade runs show` can print it and `blockade runs diff` compare two. */
#include "engine/alloc.h"
#include "store/store_internal.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "engine/yaml.h"

/* Nesting depth accepted in a stored JSON text; the library's own summaries use 4. */
#define JSON_MAX_DEPTH 64

void rs_flat_free(flat *f)
{
    for (size_t i = 0; i < f->n; i++)
        bki_free_all(f->items[i].key, f->items[i].text);
    bki_free(f->items);
    memset(f, 0, sizeof *f);
}

/* A JSON number: digits, sign, point and exponent only (strtod alone would take "inf", "nan"
 * and hex), and finite. */
static bool parse_number(const char *text, double *out)
{
    if (text[0] == '\0' || strspn(text, "0123456789+-.eE") != strlen(text))
        return false;
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static void flat_add(flat *f, const char *key, const char *text, size_t text_len, bool plain)
{
    if (f->nomem)
        return;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        flat_item *bigger = bki_realloc(f->items, cap * sizeof *bigger);
        if (bigger == NULL) {
            f->nomem = true;
            return;
        }
        f->items = bigger;
        f->cap = cap;
    }
    flat_item *it = &f->items[f->n];
    memset(it, 0, sizeof *it);
    it->key = bki_strdup(key);
    it->text = bki_strndup(text, text_len);
    if (it->key == NULL || it->text == NULL) {
        bki_free(it->key);
        bki_free(it->text);
        f->nomem = true;
        return;
    }
    it->is_num = plain && parse_number(it->text, &it->num);
    f->n++;
}

/* key + "." + name, or key + "[i]"; a new string or NULL. */
static char *child_key(const char *key, const char *name, size_t name_len, long index)
{
    size_t n = strlen(key) + name_len + 32;
    char *c = bki_malloc(n);
    if (c == NULL)
        return NULL;
    if (name)
        snprintf(c, n, "%s%s%.*s", key, key[0] ? "." : "", (int)name_len, name);
    else
        snprintf(c, n, "%s[%ld]", key, index);
    return c;
}

static void flatten_node(flat *f, struct fy_node *n, const char *key, int depth)
{
    if (f->nomem)
        return;
    if (n == NULL) {
        flat_add(f, key, "null", 4, true);
        return;
    }
    if (depth > JSON_MAX_DEPTH) {
        flat_add(f, key, "...", 3, false);
        return;
    }
    void *it = NULL;
    switch (fy_node_get_type(n)) {
    case FYNT_SCALAR: {
        size_t len = 0;
        const char *s = fy_node_get_scalar(n, &len);
        flat_add(f, key, s ? s : "", s ? len : 0, fy_node_get_style(n) == FYNS_PLAIN);
        return;
    }
    case FYNT_SEQUENCE: {
        if (fy_node_sequence_item_count(n) == 0) {
            flat_add(f, key, "[]", 2, false);
            return;
        }
        long i = 0;
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(n, &it)) != NULL) {
            char *k = child_key(key, NULL, 0, i++);
            if (k == NULL) {
                f->nomem = true;
                return;
            }
            flatten_node(f, item, k, depth + 1);
            bki_free(k);
        }
        return;
    }
    case FYNT_MAPPING: {
        if (fy_node_mapping_item_count(n) == 0) {
            flat_add(f, key, "{}", 2, false);
            return;
        }
        struct fy_node_pair *p;
        while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
            size_t len = 0;
            const char *name = fy_node_get_scalar(fy_node_pair_key(p), &len);
            char *k = child_key(key, name ? name : "?", name ? len : 1, 0);
            if (k == NULL) {
                f->nomem = true;
                return;
            }
            flatten_node(f, fy_node_pair_value(p), k, depth + 1);
            bki_free(k);
        }
        return;
    }
    }
}

/* Contract in store_internal.h. */
void rs_flatten_json(const char *json, flat *f)
{
    memset(f, 0, sizeof *f);
    if (json == NULL)
        return;
    struct fy_diag *diag = bki_yaml_quiet_diag();
    if (diag == NULL) {
        f->nomem = true;
        return;
    }
    struct fy_parse_cfg pcfg;
    memset(&pcfg, 0, sizeof pcfg);
    pcfg.flags = FYPCF_QUIET | FYPCF_JSON_FORCE;
    pcfg.diag = diag;
    struct fy_document *doc = fy_document_build_from_string(&pcfg, json, strlen(json));
    if (doc == NULL) {
        f->invalid = true;
        flat_add(f, "", json, strlen(json), false);
    } else {
        flatten_node(f, fy_document_root(doc), "", 0);
        fy_document_destroy(doc);
    }
    fy_diag_destroy(diag);
}
