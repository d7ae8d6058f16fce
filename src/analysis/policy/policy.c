/* policy.c: policy files, patches over a base scenario (docs/ensemble.md): `set:` a mapping from
 * dotted scenario paths to values, or `patch:` a list of `set: PATH = VALUE` and `add: {PATH:
 * VALUE}` entries. Paths and values are checked against the scenario schema when the file is
 * read (errors at file:line:column). Settings of scalar keys are applied exactly on a copy of
 * the scenario (bk_scenario_set_text); a policy that adds a list item or a mapping, or replaces a
 * whole mapping, is applied to the text with libfyaml (parse, change, write, load again). The
 * text written keeps the base's comments when every setting replaces one scalar (policy_text.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "engine/alloc.h"
#include "analysis/ensemble/ens.h"
#include "blockade/ensemble.h"
#include "analysis/policy/spec_file.h"
#include "engine/yaml.h"
#include "scenario/schema.h"
#include "analysis/policy/policy_internal.h"

#define POLICY_MAX_BYTES (1024u * 1024u)
#define POLICY_MAX_SETTINGS 1000

/* Contract in policy_internal.h. */
bk_status pol_fail_at(bk_error *err, bk_status status, const char *file, int line, int col,
                      const char *fmt, ...)
{
    if (!err)
        return status;
    memset(err, 0, sizeof *err);
    err->status = status;
    err->line = line;
    err->column = col;
    snprintf(err->file, sizeof err->file, "%s", file);
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0 && col > 0)
        snprintf(err->message, sizeof err->message, "policy %s:%d:%d: %s", file, line, col, msg);
    else if (line > 0)
        snprintf(err->message, sizeof err->message, "policy %s:%d: %s", file, line, msg);
    else
        snprintf(err->message, sizeof err->message, "policy %s: %s", file, msg);
    return status;
}


/* 1-based line (and column) of a scalar (keys are scalars here); 0 when unknown. */
static int node_pos(struct fy_node *n, int *col)
{
    struct fy_token *t = n && fy_node_is_scalar(n) ? fy_node_get_scalar_token(n) : NULL;
    const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
    if (col)
        *col = m ? m->column + 1 : 0;
    return m ? m->line + 1 : 0;
}


/* Contract in blockade/ensemble.h. */
void bk_policy_free(bk_policy *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->n_set; i++)
        bki_free_all(p->set[i].path, p->set[i].text);
    bki_free(p->set);
    bki_free(p->patch);
    if (p->doc)
        fy_document_destroy(p->doc);
    bki_free_all(p->file, p->name, p->label, p->text, p);
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
        fprintf(f, "%s%s%s ", i ? ", " : "", p->set[i].add ? "add " : "",
                dot ? dot + 1 : p->set[i].path);
        fputs(p->set[i].text && !p->set[i].add ? p->set[i].text : "(changed)", f);
    }
    if (p->n_set == 0)
        fputs("no change", f);
    if (fclose(f) != 0) {
        bki_free(text);
        return NULL;
    }
    return text;
}

/* The value of a setting in one line: its text, or the node in flow style. */
static char *value_line(const setting *s)
{
    if (s->text)
        return bki_strdup(s->text);
    return fy_emit_node_to_string(s->value, FYECF_MODE_FLOW_ONELINE | FYECF_WIDTH_INF);
}

/* Check a setting against the schema: the path exists, a set value has the key's type. */
static bk_status check_setting(const bk_policy *p, const setting *s, bk_error *err)
{
    char msg[800];
    const bk_key *row = bki_schema_resolve(s->path, msg, sizeof msg);
    if (row == NULL)
        return pol_fail_at(err, BK_ERR_REFERENCE, p->file, s->line, s->col, "%s '%s': %s",
                              s->add ? "add" : "set", s->path, msg);
    bool whole = row->type == BK_KT_MAP || row->type == BK_KT_LIST;
    if (s->add && row->type != BK_KT_LIST && row->type != BK_KT_MAP)
        return pol_fail_at(err, BK_ERR_SCHEMA, p->file, s->line, s->col,
                              "add '%s': only a list item or a whole mapping can be added; use "
                              "set for a value", s->path);
    if (s->add || whole || s->text == NULL)
        return BK_OK;   /* checked when applied, with every scenario check */
    const char *v = s->text;
    bool number = row->type == BK_KT_NUM || row->type == BK_KT_INT ||
                  row->type == BK_KT_INT_D || row->type == BK_KT_PMAP ||
                  row->type == BK_KT_RANGE;
    if (number) {
        char *end = NULL;
        double d = strtod(v, &end);
        if (end == v || *end != '\0' || d != d)
            return pol_fail_at(err, BK_ERR_SCHEMA, p->file, s->line, s->col,
                                  "set '%s': expected a number, got '%s'", s->path, v);
    } else if (row->type == BK_KT_BOOL && strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
        return pol_fail_at(err, BK_ERR_SCHEMA, p->file, s->line, s->col,
                              "set '%s': expected true or false, got '%s'", s->path, v);
    } else if (row->type == BK_KT_ENUM) {
        bool ok = false;
        for (int i = 0; row->words[i] && !ok; i++)
            ok = strcmp(v, row->words[i]) == 0;
        if (!ok)
            return pol_fail_at(err, BK_ERR_VALUE, p->file, s->line, s->col,
                                  "set '%s': '%s' is not one of the words of %s", s->path, v,
                                  row->path);
    }
    return BK_OK;
}

/* A setting from `set: {PATH: VALUE}` (key k, value v) or a `patch:` entry. */
static bk_status add_setting(bk_policy *p, struct fy_node *k, const char *path, size_t plen,
                             struct fy_node *v, const char *text, size_t tlen, bool add,
                             bk_error *err)
{
    setting *s = &p->set[p->n_set++];
    s->line = node_pos(k, &s->col);
    s->path = bki_strndup(path, plen);
    s->value = v;
    s->add = add;
    if (text == NULL && v && fy_node_is_scalar(v))
        text = fy_node_get_scalar(v, &tlen);
    if (text)
        s->text = bki_strndup(text, tlen);
    if (!s->path || (text && !s->text))
        return pol_fail(err, BK_ERR_NOMEM, p->file, 0, "out of memory");
    return check_setting(p, s, err);
}

/* One entry of `patch:`: {set: "PATH = VALUE"} or {add: {PATH: VALUE}}. */
static bk_status read_entry(bk_policy *p, struct fy_node *item, bk_error *err)
{
    struct fy_node_pair *pair = NULL;
    void *it = NULL;
    if (fy_node_is_mapping(item) && fy_node_mapping_item_count(item) == 1)
        pair = fy_node_mapping_iterate(item, &it);
    struct fy_node *k = pair ? fy_node_pair_key(pair) : NULL;
    struct fy_node *v = pair ? fy_node_pair_value(pair) : NULL;
    const char *ks = k && fy_node_is_scalar(k) ? fy_node_get_scalar0(k) : NULL;
    int col = 0;
    int line = node_pos(k, &col);
    if (ks && strcmp(ks, "set") == 0 && v && fy_node_is_scalar(v)) {
        size_t n = 0;
        const char *t = fy_node_get_scalar(v, &n);
        const char *eq = t ? memchr(t, '=', n) : NULL;
        line = node_pos(v, &col);
        if (!eq)
            return pol_fail_at(err, BK_ERR_SCHEMA, p->file, line, col,
                                  "a set entry is 'set: PATH = VALUE'");
        size_t a = 0, b = (size_t)(eq - t);
        while (b > a && t[b - 1] == ' ')
            b--;
        size_t c = (size_t)(eq - t) + 1, d = n;
        while (c < d && t[c] == ' ')
            c++;
        while (d > c && t[d - 1] == ' ')
            d--;
        if (d - c >= 2 && t[c] == '"' && t[d - 1] == '"') {
            c++;
            d--;
        }
        if (b == a || d == c)
            return pol_fail_at(err, BK_ERR_SCHEMA, p->file, line, col,
                                  "a set entry is 'set: PATH = VALUE'");
        return add_setting(p, v, t + a, b - a, NULL, t + c, d - c, false, err);
    }
    if (ks && strcmp(ks, "add") == 0 && v && fy_node_is_mapping(v) &&
        fy_node_mapping_item_count(v) == 1) {
        it = NULL;
        struct fy_node_pair *ap = fy_node_mapping_iterate(v, &it);
        size_t n = 0;
        const char *path = fy_node_get_scalar(fy_node_pair_key(ap), &n);
        if (path && n > 0 && fy_node_pair_value(ap))
            return add_setting(p, fy_node_pair_key(ap), path, n, fy_node_pair_value(ap), NULL,
                               0, true, err);
    }
    if (line == 0)
        line = node_pos(fy_node_is_scalar(item) ? item : NULL, &col);
    return pol_fail_at(err, BK_ERR_SCHEMA, p->file, line, col,
                          "a patch entry is 'set: PATH = VALUE' or 'add: {PATH: VALUE}'");
}

/* Contract in blockade/ensemble.h. */
bk_status bk_policy_load_string(const char *text, size_t len, const char *name,
                                bk_policy **out, bk_error *err)
{
    *out = NULL;
    if (!name)
        name = "-";
    if (len > POLICY_MAX_BYTES)
        return pol_fail(err, BK_ERR_TOO_LARGE, name, 0, "larger than %u bytes",
                           POLICY_MAX_BYTES);
    bk_policy *p = bki_calloc(1, sizeof *p);
    if (!p || !(p->file = bki_strdup(name)) || !(p->text = bki_strndup(text, len))) {
        bk_policy_free(p);
        return pol_fail(err, BK_ERR_NOMEM, name, 0, "out of memory");
    }
    bki_yaml_fault yf;
    p->doc = bki_yaml_build(p->text, len, &yf);
    if (!p->doc) {
        bk_policy_free(p);
        if (yf.why)
            return pol_fail(err, BK_ERR_SYNTAX, name, yf.line, "not valid YAML: %s", yf.why);
        if (yf.nomem)
            return pol_fail(err, BK_ERR_NOMEM, name, 0, "out of memory");
        return pol_fail_at(err, BK_ERR_SYNTAX, name, yf.line, yf.column, "not valid YAML%s%s",
                           yf.has_msg ? ": " : "", yf.msg);
    }
    bk_status st = BK_OK;
    struct fy_node *root = fy_document_root(p->doc);
    if (!root || !fy_node_is_mapping(root)) {
        bk_policy_free(p);
        return pol_fail(err, BK_ERR_SCHEMA, name, 0,
                           "expected a mapping with 'name:' and 'set:' or 'patch:'");
    }
    struct fy_node *set = NULL, *patch = NULL;
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(root, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
        size_t kn = 0;
        const char *ks = k && fy_node_is_scalar(k) ? fy_node_get_scalar(k, &kn) : NULL;
        if (ks && kn == 4 && memcmp(ks, "name", 4) == 0 && v && fy_node_is_scalar(v)) {
            size_t vn = 0;
            const char *vs = fy_node_get_scalar(v, &vn);
            bki_free(p->name);
            p->name = bki_strndup(vs ? vs : "", vs ? vn : 0);
        } else if (ks && kn == 3 && memcmp(ks, "set", 3) == 0 && v && fy_node_is_mapping(v)) {
            set = v;
        } else if (ks && kn == 5 && memcmp(ks, "patch", 5) == 0 && v && fy_node_is_sequence(v)) {
            patch = v;
        } else {
            int col = 0;
            int line = node_pos(k, &col);
            bk_policy_free(p);
            return pol_fail_at(err, BK_ERR_SCHEMA, name, line, col,
                                  "unexpected key: a policy has 'name: TEXT' and 'set:' (a "
                                  "mapping from scenario paths to values) or 'patch:' (a list "
                                  "of 'set: PATH = VALUE' and 'add: {PATH: VALUE}')");
        }
    }
    if (!set && !patch) {
        bk_policy_free(p);
        return pol_fail(err, BK_ERR_SCHEMA, name, 0,
                           "no 'set:' mapping (scenario paths to values) or 'patch:' list");
    }
    int n = (set ? fy_node_mapping_item_count(set) : 0) +
            (patch ? fy_node_sequence_item_count(patch) : 0);
    if (n > POLICY_MAX_SETTINGS) {
        bk_policy_free(p);
        return pol_fail(err, BK_ERR_TOO_LARGE, name, 0, "more than %d settings",
                           POLICY_MAX_SETTINGS);
    }
    p->set = bki_calloc((size_t)(n > 0 ? n : 1), sizeof *p->set);
    if (!p->set) {
        bk_policy_free(p);
        return pol_fail(err, BK_ERR_NOMEM, name, 0, "out of memory");
    }
    it = NULL;
    while (st == BK_OK && set && (pair = fy_node_mapping_iterate(set, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
        size_t kn = 0;
        const char *ks = k && fy_node_is_scalar(k) ? fy_node_get_scalar(k, &kn) : NULL;
        if (!ks || kn == 0 || !v) {
            int col = 0;
            int line = node_pos(k, &col);
            st = pol_fail_at(err, BK_ERR_SCHEMA, name, line, col,
                                "each setting is 'dotted.path: value'");
        } else {
            st = add_setting(p, k, ks, kn, v, NULL, 0, false, err);
        }
    }
    it = NULL;
    struct fy_node *item;
    while (st == BK_OK && patch && (item = fy_node_sequence_iterate(patch, &it)) != NULL)
        st = read_entry(p, item, err);
    if (st != BK_OK) {
        bk_policy_free(p);
        return st;
    }
    if (!p->name) {
        const char *slash = strrchr(name, '/');
        p->name = bki_strdup(slash ? slash + 1 : name);
    }
    p->label = make_label(p);
    size_t plen = 0;
    FILE *pf = open_memstream(&p->patch, &plen);
    for (int i = 0; pf && i < p->n_set; i++) {
        char *v = value_line(&p->set[i]);
        fprintf(pf, "%s%s = %s\n", p->set[i].add ? "add " : "", p->set[i].path, v ? v : "?");
        bki_free(v);
    }
    if (!pf || fclose(pf) != 0 || !p->name || !p->label || !p->patch) {
        bk_policy_free(p);
        return pol_fail(err, BK_ERR_NOMEM, name, 0, "out of memory");
    }
    *out = p;
    return BK_OK;
}

BKI_SPEC_READER(policy_text, bk_policy_load_string)

/* Contract in blockade/ensemble.h. */
bk_status bk_policy_load_file(const char *path, bk_policy **out, bk_error *err)
{
    *out = NULL;
    return bki_spec_file_read(path, POLICY_MAX_BYTES, "policy", policy_text, NULL, out, err);
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

/* Contract in blockade/ensemble.h. */
bool bk_policy_sets(const bk_policy *p, const char *path)
{
    for (int i = 0; i < p->n_set; i++) {
        size_t n = strlen(p->set[i].path);
        if (strncmp(path, p->set[i].path, n) == 0 && (path[n] == '\0' || path[n] == '.'))
            return true;
    }
    return false;
}

/* A policy changes decisions, not the frame they are compared in: refuse one that moves the
 * horizon (scenario.days), the seed (scenario.seed) or the warm-up (scenario.warmup_days),
 * whatever path it used, since runs under it would no longer pair with the base's. Frees *out
 * on failure. */
static bk_status check_same_frame(const bk_policy *p, const bk_scenario *base, bk_scenario **out,
                                  bk_error *err)
{
    const bk_scenario *sc = *out;
    const char *what = NULL;
    if (bk_scenario_days(sc) != bk_scenario_days(base))
        what = "days";
    else if (bk_scenario_seed(sc) != bk_scenario_seed(base))
        what = "seed";
    else if (bk_scenario_warmup_days(sc) != bk_scenario_warmup_days(base))
        what = "warmup_days";
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
    return pol_fail(err, BK_ERR_VALUE, p->file, line,
                       "set '%s': a policy cannot change scenario.%s (policies are compared over "
                       "the same horizon, warm-up and random numbers%s)", path, what,
                       strcmp(what, "warmup_days") == 0 ? ""
                       : "; use --days or --seed of the command instead");
}

/* Contract in blockade/ensemble.h. The whole policy is applied and loaded once; when that fails
 * the settings are applied one by one to find the one to blame. */
bk_status bk_policy_apply_text(const bk_policy *p, const bk_scenario *base, bk_scenario **out,
                               char **text_out, bk_error *err)
{
    *out = NULL;
    if (text_out)
        *text_out = NULL;
    size_t base_len = 0;
    const char *base_text = bk_scenario_text(base, &base_len);
    char *text = NULL;
    bk_status st = pol_apply_text(p, p->n_set, base_text, base_len, &text, err);
    if (st != BK_OK)
        return st;
    bk_error lerr;
    memset(&lerr, 0, sizeof lerr);
    st = bk_scenario_load_string(text, strlen(text), p->file, out, &lerr);
    if (st == BK_OK && text_out)
        *text_out = text;
    else
        bki_free(text);
    if (st == BK_OK)
        return check_same_frame(p, base, out, err);
    for (int k = 1; k <= p->n_set; k++) {
        char *t = NULL;
        if (pol_apply_text(p, k, base_text, base_len, &t, NULL) != BK_OK)
            break;
        bk_scenario *sc = NULL;
        bk_error e2;
        memset(&e2, 0, sizeof e2);
        bk_status s2 = bk_scenario_load_string(t, strlen(t), p->file, &sc, &e2);
        bki_free(t);
        bk_scenario_free(sc);
        if (s2 != BK_OK) {
            /* the loader's message names a place in the generated text: keep its words only */
            const char *m = e2.message;
            const char *colon = strstr(m, ": ");
            if (colon && strncmp(m, p->file, strlen(p->file)) == 0)
                m = colon + 2;
            return pol_fail_at(err, s2, p->file, p->set[k - 1].line, p->set[k - 1].col,
                                  "%s '%s': %s", p->set[k - 1].add ? "add" : "set",
                                  p->set[k - 1].path, m);
        }
    }
    return pol_fail(err, st, p->file, 0, "%s", lerr.message);
}

/* Contract in blockade/ensemble.h. */
bk_status bk_policy_apply(const bk_policy *p, const bk_scenario *base, bk_scenario **out,
                          bk_error *err)
{
    *out = NULL;
    bool text_route = false;
    for (int i = 0; i < p->n_set; i++)
        text_route = text_route || p->set[i].add || p->set[i].text == NULL;
    if (text_route) {
        /* the scenario is the base's text patched: its identity is that text and the patch */
        bk_status st = bk_policy_apply_text(p, base, out, NULL, err);
        if (st == BK_OK)
            st = bki_scenario_adopt_patch(*out, base, p->patch, err);
        if (st != BK_OK) {
            bk_scenario_free(*out);
            *out = NULL;
        }
        return st;
    }
    bk_scenario *sc = NULL;
    bk_status st = bk_scenario_clone(base, &sc, err);
    for (int i = 0; st == BK_OK && i < p->n_set; i++) {
        const setting *s = &p->set[i];
        char value[256];
        size_t n = strlen(s->text);
        const char *v = s->text;
        if (n >= sizeof value) {
            st = pol_fail(err, BK_ERR_VALUE, p->file, s->line, "set '%s': value too long",
                             s->path);
            break;
        }
        memcpy(value, v, n);
        value[n] = '\0';
        bk_error e;
        memset(&e, 0, sizeof e);
        st = bk_scenario_set_text(sc, s->path, value, &e);
        if (st != BK_OK) {
            const char *m = strncmp(e.message, "set '", 5) == 0 && strstr(e.message, "': ")
                                ? strstr(e.message, "': ") + 3 : e.message;
            st = pol_fail_at(err, st, p->file, s->line, s->col, "set '%s': %s", s->path, m);
        }
    }
    if (st != BK_OK) {
        bk_scenario_free(sc);
        return st;
    }
    *out = sc;
    return check_same_frame(p, base, out, err);
}
