/* policy.c: policy files (`name:` and `set:` a mapping from dotted scenario paths to values) and
 * their application to a scenario's text with libfyaml: parse, replace the node at each path,
 * emit the document back to text, load it with every scenario check (docs/ensemble.md). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "engine/alloc.h"
#include "analysis/ens.h"
#include "blockade/ensemble.h"
#include "engine/yaml.h"

/* libfyaml 0.7.12 exports this but its header does not declare it (see scenario/load.c). */
#define POLICY_MAX_BYTES (1024u * 1024u)
#define POLICY_MAX_SETTINGS 1000

typedef struct setting {
    char *path;              /* dotted, owned */
    int line;                /* of the key in the policy file */
    struct fy_node *value;   /* in p->doc */
} setting;

struct bk_policy {
    char *text;              /* the file's text: libfyaml's nodes point into it */
    char *file;              /* for messages */
    char *name;
    char *label;
    struct fy_document *doc;
    setting *set;
    int n_set;
};

static char *dup_n(const char *s, size_t n)
{
    char *d = bk_malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Fill err with the policy file and line: "A.yaml:3: message". */
static bk_status policy_fail(bk_error *err, bk_status status, const char *file, int line,
                             const char *fmt, ...)
{
    if (!err)
        return status;
    memset(err, 0, sizeof *err);
    err->status = status;
    err->line = line;
    snprintf(err->file, sizeof err->file, "%s", file);
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0)
        snprintf(err->message, sizeof err->message, "policy %s:%d: %s", file, line, msg);
    else
        snprintf(err->message, sizeof err->message, "policy %s: %s", file, msg);
    return status;
}

/* 1-based line of a scalar (keys are scalars here); 0 when unknown. */
static int node_line(struct fy_node *n)
{
    struct fy_token *t = n && fy_node_is_scalar(n) ? fy_node_get_scalar_token(n) : NULL;
    const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
    return m ? m->line + 1 : 0;
}

/* Contract in blockade/ensemble.h. */
void bk_policy_free(bk_policy *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->n_set; i++)
        bk_free(p->set[i].path);
    bk_free(p->set);
    if (p->doc)
        fy_document_destroy(p->doc);
    bk_free(p->file);
    bk_free(p->name);
    bk_free(p->label);
    bk_free(p->text);
    bk_free(p);
}

/* "escort_per_convoy 4, units 12": the last path segment and the value of each setting. */
static char *make_label(const bk_policy *p)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    for (int i = 0; i < p->n_set; i++) {
        const char *dot = strrchr(p->set[i].path, '.');
        fprintf(f, "%s%s ", i ? ", " : "", dot ? dot + 1 : p->set[i].path);
        size_t n = 0;
        const char *v = fy_node_is_scalar(p->set[i].value)
                            ? fy_node_get_scalar(p->set[i].value, &n) : NULL;
        if (v)
            fprintf(f, "%.*s", (int)n, v);
        else
            fputs("(changed)", f);
    }
    if (p->n_set == 0)
        fputs("no change", f);
    if (fclose(f) != 0) {
        bk_free(text);
        return NULL;
    }
    return text;
}

/* Contract in blockade/ensemble.h. */
bk_status bk_policy_load_string(const char *text, size_t len, const char *name,
                                bk_policy **out, bk_error *err)
{
    *out = NULL;
    if (!name)
        name = "-";
    if (len > POLICY_MAX_BYTES)
        return policy_fail(err, BK_ERR_TOO_LARGE, name, 0, "larger than %u bytes",
                           POLICY_MAX_BYTES);
    bk_policy *p = bk_calloc(1, sizeof *p);
    if (!p || !(p->file = dup_n(name, strlen(name))) || !(p->text = dup_n(text, len))) {
        bk_policy_free(p);
        return policy_fail(err, BK_ERR_NOMEM, name, 0, "out of memory");
    }
    int gl, gc;
    const char *why = bk_yaml_guard(text, len, &gl, &gc);
    if (why) {
        bk_policy_free(p);
        return policy_fail(err, BK_ERR_SYNTAX, name, gl, "not valid YAML: %s", why);
    }
    struct fy_diag *diag = bk_yaml_quiet_diag();
    if (!diag) {
        bk_policy_free(p);
        return policy_fail(err, BK_ERR_NOMEM, name, 0, "out of memory");
    }
    struct fy_parse_cfg pcfg = {0};
    pcfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG;
    pcfg.diag = diag;
    p->doc = fy_document_build_from_string(&pcfg, p->text, len);
    bk_status st = BK_OK;
    if (!p->doc) {
        void *it = NULL;
        struct fy_diag_error *e = fy_diag_errors_iterate(diag, &it);
        st = policy_fail(err, BK_ERR_SYNTAX, name, e && e->line > 0 ? e->line : 0,
                         "not valid YAML%s%s", e && e->msg ? ": " : "",
                         e && e->msg ? e->msg : "");
    }
    fy_diag_destroy(diag);
    if (st != BK_OK) {
        bk_policy_free(p);
        return st;
    }
    struct fy_node *root = fy_document_root(p->doc);
    if (!root || !fy_node_is_mapping(root)) {
        bk_policy_free(p);
        return policy_fail(err, BK_ERR_SCHEMA, name, 0,
                           "expected a mapping with 'name:' and 'set:'");
    }
    struct fy_node *set = NULL;
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(root, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
        size_t kn = 0;
        const char *ks = k && fy_node_is_scalar(k) ? fy_node_get_scalar(k, &kn) : NULL;
        if (ks && kn == 4 && memcmp(ks, "name", 4) == 0 && v && fy_node_is_scalar(v)) {
            size_t vn = 0;
            const char *vs = fy_node_get_scalar(v, &vn);
            bk_free(p->name);
            p->name = dup_n(vs ? vs : "", vs ? vn : 0);
        } else if (ks && kn == 3 && memcmp(ks, "set", 3) == 0 && v && fy_node_is_mapping(v)) {
            set = v;
        } else {
            int line = node_line(k);
            bk_policy_free(p);
            return policy_fail(err, BK_ERR_SCHEMA, name, line,
                               "unexpected key: a policy has 'name: TEXT' and 'set:' (a mapping "
                               "from scenario paths to values)");
        }
    }
    if (!set) {
        bk_policy_free(p);
        return policy_fail(err, BK_ERR_SCHEMA, name, 0,
                           "no 'set:' mapping (scenario paths to values)");
    }
    int n = fy_node_mapping_item_count(set);
    if (n > POLICY_MAX_SETTINGS) {
        bk_policy_free(p);
        return policy_fail(err, BK_ERR_TOO_LARGE, name, 0, "more than %d settings",
                           POLICY_MAX_SETTINGS);
    }
    p->set = bk_calloc((size_t)(n > 0 ? n : 1), sizeof *p->set);
    if (!p->set) {
        bk_policy_free(p);
        return policy_fail(err, BK_ERR_NOMEM, name, 0, "out of memory");
    }
    it = NULL;
    while ((pair = fy_node_mapping_iterate(set, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
        size_t kn = 0;
        const char *ks = k && fy_node_is_scalar(k) ? fy_node_get_scalar(k, &kn) : NULL;
        if (!ks || kn == 0 || !v) {
            int line = node_line(k);
            bk_policy_free(p);
            return policy_fail(err, BK_ERR_SCHEMA, name, line,
                               "each setting is 'dotted.path: value'");
        }
        setting *s = &p->set[p->n_set++];
        s->path = dup_n(ks, kn);
        s->line = node_line(k);
        s->value = v;
        if (!s->path) {
            bk_policy_free(p);
            return policy_fail(err, BK_ERR_NOMEM, name, 0, "out of memory");
        }
    }
    if (!p->name) {
        const char *slash = strrchr(name, '/');
        p->name = dup_n(slash ? slash + 1 : name, strlen(slash ? slash + 1 : name));
    }
    p->label = make_label(p);
    if (!p->name || !p->label) {
        bk_policy_free(p);
        return policy_fail(err, BK_ERR_NOMEM, name, 0, "out of memory");
    }
    *out = p;
    return BK_OK;
}

/* Contract in blockade/ensemble.h. */
bk_status bk_policy_load_file(const char *path, bk_policy **out, bk_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return policy_fail(err, BK_ERR_IO, path, 0, "cannot open the file");
    char *buf = bk_malloc(POLICY_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, POLICY_MAX_BYTES + 1, f) : 0;
    bool bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        bk_free(buf);
        return policy_fail(err, buf ? BK_ERR_IO : BK_ERR_NOMEM, path, 0, "cannot read the file");
    }
    bk_status st = bk_policy_load_string(buf, n, path, out, err);
    bk_free(buf);
    return st;
}

/* Contract in blockade/ensemble.h. */
const char *bk_policy_name(const bk_policy *p)
{
    return p->name;
}

/* Contract in blockade/ensemble.h. */
const char *bk_policy_label(const bk_policy *p)
{
    return p->label;
}

/* The child of `node` named seg[0..n): a mapping key, or in a sequence the item whose `id` is
 * the segment. NULL if there is none. */
static struct fy_node *child(struct fy_node *node, const char *seg, size_t n,
                             struct fy_node_pair **pair_out)
{
    *pair_out = NULL;
    if (fy_node_is_mapping(node)) {
        struct fy_node_pair *pair = fy_node_mapping_lookup_pair_by_string(node, seg, n);
        *pair_out = pair;
        return pair ? fy_node_pair_value(pair) : NULL;
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

/* Apply settings [0, upto) of p to a document of the base text; the new text in *text (free
 * with bk_free()). */
static bk_status apply_text(const bk_policy *p, int upto, const char *base, size_t base_len,
                            char **text, bk_error *err)
{
    *text = NULL;
    struct fy_parse_cfg pcfg = {0};
    pcfg.flags = FYPCF_QUIET;
    struct fy_document *doc = fy_document_build_from_string(&pcfg, base, base_len);
    if (!doc)
        return policy_fail(err, BK_ERR_SYNTAX, p->file, 0,
                           "the base scenario is not valid YAML");
    bk_status st = BK_OK;
    for (int i = 0; i < upto && st == BK_OK; i++) {
        const setting *s = &p->set[i];
        struct fy_node *node = fy_document_root(doc);
        struct fy_node_pair *pair = NULL;
        const char *seg = s->path;
        char walked[512] = "";
        while (node) {
            const char *dot = strchr(seg, '.');
            size_t n = dot ? (size_t)(dot - seg) : strlen(seg);
            struct fy_node *next = n ? child(node, seg, n, &pair) : NULL;
            if (!next) {
                st = policy_fail(err, BK_ERR_REFERENCE, p->file, s->line,
                                 "set '%s': the scenario has no '%.*s'%s%s%s", s->path, (int)n,
                                 seg, walked[0] ? " in '" : "", walked,
                                 walked[0] ? "'" : "");
                break;
            }
            size_t w = strlen(walked);
            snprintf(walked + w, sizeof walked - w, "%s%.*s", w ? "." : "", (int)n, seg);
            if (!dot) {
                if (!pair) {
                    st = policy_fail(err, BK_ERR_REFERENCE, p->file, s->line,
                                     "set '%s': a whole list item cannot be replaced; set its "
                                     "keys one by one",
                                     s->path);
                    break;
                }
                struct fy_node *copy = fy_node_copy(doc, s->value);
                if (!copy || fy_node_pair_set_value(pair, copy) != 0)
                    st = policy_fail(err, BK_ERR_NOMEM, p->file, s->line, "out of memory");
                break;
            }
            node = next;
            seg = dot + 1;
        }
    }
    if (st == BK_OK) {
        *text = fy_emit_document_to_string(doc, FYECF_MODE_ORIGINAL | FYECF_WIDTH_INF);
        if (!*text)
            st = policy_fail(err, BK_ERR_NOMEM, p->file, 0, "out of memory");
    }
    fy_document_destroy(doc);
    return st;
}

/* A policy changes decisions, not the frame they are compared in: refuse one that moves the
 * horizon (scenario.days) or the seed (scenario.seed), whatever path it used, since runs
 * under it would no longer pair with the base's. Frees *out on failure. */
static bk_status check_same_frame(const bk_policy *p, const bk_scenario *base, bk_scenario **out,
                                  bk_error *err)
{
    const bk_scenario *sc = *out;
    const char *what = NULL;
    if (bk_scenario_days(sc) != bk_scenario_days(base))
        what = "days";
    else if (bk_scenario_seed(sc) != bk_scenario_seed(base))
        what = "seed";
    if (what == NULL)
        return BK_OK;
    int line = 0;
    const char *path = "scenario";
    for (int i = 0; i < p->n_set; i++)
        if (strncmp(p->set[i].path, "scenario", 8) == 0 &&
            (p->set[i].path[8] == '\0' || p->set[i].path[8] == '.')) {
            line = p->set[i].line;
            path = p->set[i].path;
            if (path[8] == '\0' || strcmp(path + 9, what) == 0)
                break;   /* the setting that made the change; else the last under scenario */
        }
    bk_scenario_free(*out);
    *out = NULL;
    return policy_fail(err, BK_ERR_VALUE, p->file, line,
                       "set '%s': a policy cannot change scenario.%s (policies are compared over "
                       "the same horizon and the same random numbers; use --days or --seed of "
                       "the command instead)", path, what);
}

/* Contract in blockade/ensemble.h. The whole policy is applied and loaded once; when that fails
 * the settings are applied one by one to find the one to blame. */
bk_status bk_policy_apply(const bk_policy *p, const bk_scenario *base, bk_scenario **out,
                          bk_error *err)
{
    *out = NULL;
    size_t base_len = 0;
    const char *base_text = bk_scenario_text(base, &base_len);
    char *text = NULL;
    bk_status st = apply_text(p, p->n_set, base_text, base_len, &text, err);
    if (st != BK_OK)
        return st;
    bk_error lerr;
    memset(&lerr, 0, sizeof lerr);
    st = bk_scenario_load_string(text, strlen(text), p->file, out, &lerr);
    bk_free(text);
    if (st == BK_OK)
        return check_same_frame(p, base, out, err);
    for (int k = 1; k <= p->n_set; k++) {
        char *t = NULL;
        if (apply_text(p, k, base_text, base_len, &t, NULL) != BK_OK)
            break;
        bk_scenario *sc = NULL;
        bk_error e2;
        memset(&e2, 0, sizeof e2);
        bk_status s2 = bk_scenario_load_string(t, strlen(t), p->file, &sc, &e2);
        bk_free(t);
        bk_scenario_free(sc);
        if (s2 != BK_OK) {
            /* the loader's message names a place in the generated text: keep its words only */
            const char *m = e2.message;
            const char *colon = strstr(m, ": ");
            if (colon && strncmp(m, p->file, strlen(p->file)) == 0)
                m = colon + 2;
            return policy_fail(err, s2, p->file, p->set[k - 1].line, "set '%s': %s",
                               p->set[k - 1].path, m);
        }
    }
    return policy_fail(err, st, p->file, 0, "%s", lerr.message);
}
