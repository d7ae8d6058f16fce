/* policy_text.c: a policy applied to the base scenario's text with libfyaml (parse, change,
 * write): for `add:` entries, settings of whole mappings or lists, `blockade scenario apply` and
 * calibrated.yaml. Settings that each replace one scalar are written in place in the base text,
 * so its comments (units, sources) and layout are kept. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "engine/alloc.h"
#include "analysis/policy/policy_internal.h"
#include "scenario/schema.h"

/* The child of `node` named seg[0..n): a mapping key, an end (min, max) of a range [min, max],
 * or in a sequence the item whose `id` is the segment. NULL if there is none. */
static struct fy_node *child(struct fy_node *node, const char *seg, size_t n,
                             struct fy_node_pair **pair_out)
{
    *pair_out = NULL;
    if (fy_node_is_mapping(node)) {
        struct fy_node_pair *pair = fy_node_mapping_lookup_pair_by_string(node, seg, n);
        *pair_out = pair;
        return pair ? fy_node_pair_value(pair) : NULL;
    }
    if (fy_node_is_sequence(node) && fy_node_sequence_item_count(node) == 2 && n == 3 &&
        (memcmp(seg, "min", 3) == 0 || memcmp(seg, "max", 3) == 0)) {
        struct fy_node *end = fy_node_sequence_get_by_index(node, seg[1] == 'i' ? 0 : 1);
        return end && fy_node_is_scalar(end) ? end : NULL;   /* a range [min, max] */
    }
    if (fy_node_is_sequence(node)) {
        void *it = NULL;
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(node, &it)) != NULL) {
            if (!fy_node_is_mapping(item))
                continue;
            struct fy_node *id = fy_node_mapping_lookup_by_string(item, "id", 2);
            size_t idn = 0;
            const char *ids = id && fy_node_is_scalar(id) ? fy_node_get_scalar(id, &idn) : NULL;
            if (ids && idn == n && memcmp(ids, seg, n) == 0)
                return item;
        }
    }
    return NULL;
}

/* The new node of setting s in doc: a copy of its value; for `set: PATH = VALUE`, VALUE as a
 * scalar when the key holds one (its words exactly, quoted when emitted if they need it), else
 * parsed as YAML (a range, a product map, a list of places, a mapping). */
static struct fy_node *value_node(struct fy_document *doc, const setting *s)
{
    if (s->value)
        return fy_node_copy(doc, s->value);
    char msg[800];
    const bk_key *row = bki_schema_resolve(s->path, msg, sizeof msg);
    bool scalar = row && (row->type == BK_KT_NUM || row->type == BK_KT_INT ||
                          row->type == BK_KT_INT_D || row->type == BK_KT_BOOL ||
                          row->type == BK_KT_STR || row->type == BK_KT_ENUM ||
                          row->type == BK_KT_DATE || row->type == BK_KT_REF ||
                          row->type == BK_KT_ID);
    if (scalar)
        return fy_node_create_scalar_copy(doc, s->text, strlen(s->text));
    return fy_node_build_from_string(doc, s->text, strlen(s->text));
}

/* Setting s's value as YAML text on one line, as value_node builds it. Free with bki_free(). */
static char *value_yaml_line(struct fy_document *doc, const setting *s)
{
    struct fy_node *v = value_node(doc, s);
    char *t = v ? fy_emit_node_to_string(v, FYECF_MODE_FLOW_ONELINE | FYECF_WIDTH_INF) : NULL;
    fy_node_free(v);
    if (t) {
        size_t n = strlen(t);
        while (n > 0 && t[n - 1] == '\n')
            t[--n] = '\0';
    }
    return t;
}

/* `add` at the end of the path: append to the list there, or put a mapping the base lacks
 * (creating the mappings above it that are missing). */
static bk_status add_node(struct fy_document *doc, const bk_policy *p, const setting *s)
{
    struct fy_node *node = fy_document_root(doc);
    const char *seg = s->path;
    for (;;) {
        const char *dot = strchr(seg, '.');
        size_t n = dot ? (size_t)(dot - seg) : strlen(seg);
        struct fy_node_pair *pair = NULL;
        struct fy_node *next = child(node, seg, n, &pair);
        if (!dot && next && fy_node_is_sequence(next)) {
            struct fy_node *v = value_node(doc, s);
            if (!v || fy_node_sequence_append(next, v) != 0)
                return pol_fail(NULL, BK_ERR_NOMEM, p->file, s->line, "out of memory");
            return BK_OK;
        }
        if (!dot && next && !(fy_node_is_scalar(next) && fy_node_get_scalar0(next) &&
                              fy_node_get_scalar0(next)[0] == '\0'))
            return BK_ERR_VALUE;   /* the base has it already: the caller says so */
        if (!next || !dot) {
            if (!fy_node_is_mapping(node))
                return BK_ERR_REFERENCE;
            struct fy_node *key = fy_node_build_from_string(doc, seg, n);
            struct fy_node *v = !dot ? value_node(doc, s) : fy_node_create_mapping(doc);
            if (!dot && v && strcmp(s->path, "timeline") == 0 && !fy_node_is_sequence(v)) {
                struct fy_node *list = fy_node_create_sequence(doc);   /* the first entry */
                if (!list || fy_node_sequence_append(list, v) != 0)
                    return BK_ERR_NOMEM;
                v = list;
            }
            if (pair)
                fy_node_mapping_remove_by_key(node, fy_node_copy(doc, fy_node_pair_key(pair)));
            if (!key || !v || fy_node_mapping_append(node, key, v) != 0)
                return BK_ERR_NOMEM;
            next = v;
        }
        if (!dot)
            return BK_OK;
        node = next;
        seg = dot + 1;
    }
}

/* One scalar of the base text replaced by a setting's value: bytes [start, end) of the base. */
typedef struct splice {
    size_t start, end;
    const setting *s;
} splice;

static int splice_cmp(const void *a, const void *b)
{
    const splice *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

/* Remember where the scalar `old` of the base text is, to write s's value there; false when it
 * cannot be done in place (not a scalar of the base text, or too many). */
static bool splice_add(splice *sp, int *n, int cap, struct fy_node *old, size_t base_len,
                       const setting *s)
{
    struct fy_token *tok = old && fy_node_is_scalar(old) ? fy_node_get_scalar_token(old) : NULL;
    const struct fy_mark *a = tok ? fy_token_start_mark(tok) : NULL;
    const struct fy_mark *b = tok ? fy_token_end_mark(tok) : NULL;
    if (!a || !b || a->input_pos > b->input_pos || b->input_pos > base_len || *n == cap)
        return false;
    sp[(*n)++] = (splice){a->input_pos, b->input_pos, s};
    return true;
}

/* The base text with each spliced scalar replaced by its setting's value in one line, so that
 * the rest of the file (its comments, layout and quoting) is kept byte for byte; NULL if the
 * splices overlap or memory runs out. Free with bki_free(). */
static char *splice_text(struct fy_document *doc, splice *sp, int n, const char *base,
                         size_t base_len)
{
    qsort(sp, (size_t)n, sizeof *sp, splice_cmp);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    size_t at = 0;
    bool ok = true;
    for (int i = 0; i < n && ok; i++) {
        char *v = value_yaml_line(doc, sp[i].s);
        ok = v && sp[i].start >= at && strchr(v, '\n') == NULL;
        if (ok) {
            fwrite(base + at, 1, sp[i].start - at, f);
            fputs(v, f);
            at = sp[i].end;
        }
        bki_free(v);
    }
    if (ok)
        fwrite(base + at, 1, base_len - at, f);
    if (fclose(f) != 0 || !ok) {
        bki_free(buf);
        return NULL;
    }
    char *out = bki_strndup(buf, len);
    bki_free(buf);
    return out;
}

/* True if `text` parses to the same tree as `doc` (fy_node_compare: keys and scalar contents). */
static bool same_tree(struct fy_document *doc, const char *text)
{
    struct fy_parse_cfg pcfg = {0};
    pcfg.flags = FYPCF_QUIET;
    struct fy_document *d2 = fy_document_build_from_string(&pcfg, text, strlen(text));
    bool same = d2 && fy_node_compare(fy_document_root(doc), fy_document_root(d2));
    fy_document_destroy(d2);
    return same;
}

/* Contract in policy_internal.h: the scalars' places are kept while the document is changed;
 * the spliced text is used only if it parses to the same tree. */
bk_status pol_apply_text(const bk_policy *p, int upto, const char *base, size_t base_len,
                         char **text, bk_error *err)
{
    *text = NULL;
    struct fy_parse_cfg pcfg = {0};
    pcfg.flags = FYPCF_QUIET;
    struct fy_document *doc = fy_document_build_from_string(&pcfg, base, base_len);
    if (!doc)
        return pol_fail(err, BK_ERR_SYNTAX, p->file, 0,
                           "the base scenario is not valid YAML");
    bk_status st = BK_OK;
    splice *sp = bki_malloc((size_t)(upto > 0 ? upto : 1) * sizeof *sp);
    int n_sp = 0;
    bool in_place = sp != NULL;
    for (int i = 0; i < upto && st == BK_OK; i++) {
        const setting *s = &p->set[i];
        in_place = in_place && !s->add;
        if (s->add) {
            st = add_node(doc, p, s);
            if (st == BK_ERR_VALUE)
                st = pol_fail_at(err, st, p->file, s->line, s->col,
                                    "add '%s': the scenario has it already; use set for its "
                                    "keys", s->path);
            else if (st != BK_OK)
                st = pol_fail_at(err, st, p->file, s->line, s->col,
                                    "add '%s': cannot add there", s->path);
            continue;
        }
        struct fy_node *node = fy_document_root(doc);
        struct fy_node_pair *pair = NULL;
        const char *seg = s->path;
        char walked[512] = "";
        while (node) {
            const char *dot = strchr(seg, '.');
            size_t n = dot ? (size_t)(dot - seg) : strlen(seg);
            struct fy_node *next = n ? child(node, seg, n, &pair) : NULL;
            if (!next) {
                st = pol_fail_at(err, BK_ERR_REFERENCE, p->file, s->line, s->col,
                                    "set '%s': the scenario has no '%.*s'%s%s%s (use add: for "
                                    "a list item or a mapping it lacks)", s->path, (int)n, seg,
                                    walked[0] ? " in '" : "", walked, walked[0] ? "'" : "");
                break;
            }
            size_t w = strlen(walked);
            snprintf(walked + w, sizeof walked - w, "%s%.*s", w ? "." : "", (int)n, seg);
            if (!dot && !pair && fy_node_is_sequence(node) && fy_node_is_scalar(next)) {
                /* one end of a range */
                in_place = in_place && splice_add(sp, &n_sp, upto, next, base_len, s);
                struct fy_node *copy = value_node(doc, s);
                struct fy_node *old = copy && fy_node_sequence_insert_before(node, next, copy) == 0
                                          ? fy_node_sequence_remove(node, next) : NULL;
                if (!old)
                    st = pol_fail(err, BK_ERR_NOMEM, p->file, s->line, "out of memory");
                fy_node_free(old);
                break;
            }
            if (!dot) {
                if (!pair) {
                    st = pol_fail_at(err, BK_ERR_REFERENCE, p->file, s->line, s->col,
                                        "set '%s': a whole list item cannot be replaced; set "
                                        "its keys one by one", s->path);
                    break;
                }
                in_place = in_place
                           && splice_add(sp, &n_sp, upto, fy_node_pair_value(pair), base_len, s);
                struct fy_node *copy = value_node(doc, s);
                if (!copy || fy_node_pair_set_value(pair, copy) != 0)
                    st = pol_fail(err, BK_ERR_NOMEM, p->file, s->line, "out of memory");
                break;
            }
            node = next;
            seg = dot + 1;
        }
    }
    if (st == BK_OK && in_place) {
        *text = splice_text(doc, sp, n_sp, base, base_len);
        if (*text && !same_tree(doc, *text)) {
            bki_free(*text);
            *text = NULL;
        }
    }
    if (st == BK_OK && !*text) {
        *text = fy_emit_document_to_string(doc, FYECF_MODE_ORIGINAL | FYECF_WIDTH_INF);
        if (!*text)
            st = pol_fail(err, BK_ERR_NOMEM, p->file, 0, "out of memory");
    }
    bki_free(sp);
    fy_document_destroy(doc);
    return st;
}
