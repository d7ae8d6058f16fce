/* calib_spec.c: calibration specs (the YAML file of parameters, priors and statistics), a
 * parameter's value at a prior quantile, and a scenario with the spec's parameters set
 * (docs/calibration.md). The ABC-SMC that uses them is in abc.c.
 */
#include "engine/alloc.h"
#include "analysis/calibration/abc.h"
#include "engine/status_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "analysis/calibration/observed.h"
#include "blockade/ensemble.h"
#include "scenario/scenario.h"
#include "engine/yaml.h"

/* libfyaml 0.7.12 exports this but its header does not declare it (see scenario/load.c). */
#define SPEC_MAX_BYTES (1024u * 1024u)

/* ---- spec files ----------------------------------------------------------------------------- */

void bk_calib_spec_free(bk_calib_spec *spec)
{
    if (!spec)
        return;
    for (int i = 0; i < spec->n_keywords; i++)
        bki_free(spec->keywords[i]);
    bki_free_all(spec->keywords, spec->params, spec);
}

static int scalar_line(struct fy_node *n)
{
    struct fy_token *t = n && fy_node_is_scalar(n) ? fy_node_get_scalar_token(n) : NULL;
    const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
    return m ? m->line + 1 : 0;
}

/* Line of a mapping: its first scalar key. */
static int map_line(struct fy_node *n)
{
    if (!n || !fy_node_is_mapping(n))
        return scalar_line(n);
    void *it = NULL;
    struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
    return p ? scalar_line(fy_node_pair_key(p)) : 0;
}

static bk_status spec_fail(bk_error *err, bk_status st, const char *name, int line,
                           const char *msg, const char *detail)
{
    bki_fail(err, st, line > 0 ? "spec %s:%d: %s%s" : "spec %s%.0d: %s%s", name, line, msg,
                detail ? detail : "");
    if (err) {
        snprintf(err->file, sizeof err->file, "%s", name);
        err->line = line;
    }
    return st;
}

static const char *scalar_of(struct fy_node *map, const char *key)
{
    struct fy_node *n = map ? fy_node_mapping_lookup_by_string(map, key, FY_NT) : NULL;
    return n && fy_node_is_scalar(n) ? fy_node_get_scalar0(n) : NULL;
}

static bool to_double(const char *s, double *v)
{
    if (!s || !*s)
        return false;
    char *end;
    *v = strtod(s, &end);
    return *end == '\0' && isfinite(*v);
}

static bk_status spec_parse(struct fy_document *doc, const char *name, bk_calib_spec *spec,
                            bk_error *err)
{
    struct fy_node *root = fy_document_root(doc);
    if (!root || !fy_node_is_mapping(root))
        return spec_fail(err, BK_ERR_SCHEMA, name, 0, "expected a mapping with 'parameters:'",
                         NULL);
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(root, &it)) != NULL) {
        const char *k = fy_node_get_scalar0(fy_node_pair_key(pair));
        if (!k || (strcmp(k, "name") && strcmp(k, "parameters") && strcmp(k, "window")
                   && strcmp(k, "observation") && strcmp(k, "description")))
            return spec_fail(err, BK_ERR_SCHEMA, name, scalar_line(fy_node_pair_key(pair)),
                             "unexpected key: a spec has name, description, window, observation "
                             "and parameters", NULL);
    }
    const char *nm = scalar_of(root, "name");
    snprintf(spec->name, sizeof spec->name, "%s", nm ? nm : name);
    spec->day_from = spec->day_to = -1;
    struct fy_node *win = fy_node_mapping_lookup_by_string(root, "window", FY_NT);
    if (win) {
        const char *a = scalar_of(win, "from"), *b = scalar_of(win, "to");
        if (!fy_node_is_mapping(win) || !bk_date_parse(a, &spec->day_from)
            || !bk_date_parse(b, &spec->day_to) || spec->day_to < spec->day_from)
            return spec_fail(err, BK_ERR_VALUE, name, map_line(win),
                             "window must be {from: DATE, to: DATE} with from <= to", NULL);
    }
    struct fy_node *obs = fy_node_mapping_lookup_by_string(root, "observation", FY_NT);
    if (obs) {
        if (!fy_node_is_mapping(obs))
            return spec_fail(err, BK_ERR_SCHEMA, name, scalar_line(obs),
                             "observation must be a mapping", NULL);
        const char *rp = scalar_of(obs, "report_prob");
        if (rp && (!to_double(rp, &spec->report_prob) || spec->report_prob <= 0
                   || spec->report_prob > 1))
            return spec_fail(err, BK_ERR_VALUE, name, map_line(obs),
                             "observation.report_prob must be in (0, 1]", NULL);
        void *oi = NULL;
        struct fy_node_pair *op;
        while ((op = fy_node_mapping_iterate(obs, &oi)) != NULL) {
            const char *k = fy_node_get_scalar0(fy_node_pair_key(op));
            if (!k || (strcmp(k, "report_prob") && strcmp(k, "attack_keywords")
                       && strcmp(k, "regions")))
                return spec_fail(err, BK_ERR_SCHEMA, name, scalar_line(fy_node_pair_key(op)),
                                 "unexpected key in observation: it has report_prob, "
                                 "attack_keywords and regions",
                                 NULL);
        }
        const char *rg = scalar_of(obs, "regions");
        if (rg && strcmp(rg, "true") != 0 && strcmp(rg, "false") != 0)
            return spec_fail(err, BK_ERR_VALUE, name, map_line(obs),
                             "observation.regions must be true or false", NULL);
        spec->regions = rg && strcmp(rg, "true") == 0;
        struct fy_node *kw = fy_node_mapping_lookup_by_string(obs, "attack_keywords", FY_NT);
        if (kw) {
            if (!fy_node_is_sequence(kw))
                return spec_fail(err, BK_ERR_SCHEMA, name, map_line(obs),
                                 "attack_keywords must be a list of words", NULL);
            int n = fy_node_sequence_item_count(kw);
            spec->keywords = bki_calloc((size_t)n + 1, sizeof *spec->keywords);
            if (!spec->keywords)
                return spec_fail(err, BK_ERR_NOMEM, name, 0, "out of memory", NULL);
            void *si = NULL;
            struct fy_node *w;
            while ((w = fy_node_sequence_iterate(kw, &si)) != NULL) {
                const char *s = fy_node_is_scalar(w) ? fy_node_get_scalar0(w) : NULL;
                if (!s || !*s)
                    return spec_fail(err, BK_ERR_VALUE, name, scalar_line(w),
                                     "attack_keywords: empty word", NULL);
                if (!(spec->keywords[spec->n_keywords] = bki_strdup(s)))
                    return spec_fail(err, BK_ERR_NOMEM, name, 0, "out of memory", NULL);
                spec->n_keywords++;
            }
        }
    }
    struct fy_node *ps = fy_node_mapping_lookup_by_string(root, "parameters", FY_NT);
    if (!ps || !fy_node_is_sequence(ps) || fy_node_sequence_item_count(ps) < 1)
        return spec_fail(err, BK_ERR_SCHEMA, name, 0,
                         "'parameters:' must be a list of {path, prior, low, high}", NULL);
    int n = fy_node_sequence_item_count(ps);
    if (n > SPEC_MAX_PARAMS)
        return spec_fail(err, BK_ERR_VALUE, name, 0, "too many parameters (at most 64)", NULL);
    spec->params = bki_calloc((size_t)n, sizeof *spec->params);
    if (!spec->params)
        return spec_fail(err, BK_ERR_NOMEM, name, 0, "out of memory", NULL);
    void *si = NULL;
    struct fy_node *p;
    while ((p = fy_node_sequence_iterate(ps, &si)) != NULL) {
        int line = map_line(p);
        if (!fy_node_is_mapping(p))
            return spec_fail(err, BK_ERR_SCHEMA, name, scalar_line(p),
                             "a parameter is {path, prior, low, high}", NULL);
        bk_param *q = &spec->params[spec->n_params];
        const char *path = scalar_of(p, "path"), *prior = scalar_of(p, "prior");
        if (!path || !*path || strlen(path) >= sizeof q->path)
            return spec_fail(err, BK_ERR_SCHEMA, name, line, "parameter without a path", NULL);
        snprintf(q->path, sizeof q->path, "%s", path);
        if (!prior || strcmp(prior, "uniform") == 0)
            q->prior = BK_PRIOR_UNIFORM;
        else if (strcmp(prior, "loguniform") == 0)
            q->prior = BK_PRIOR_LOGUNIFORM;
        else
            return spec_fail(err, BK_ERR_VALUE, name, line, "prior must be uniform or loguniform: ",
                             path);
        if (!to_double(scalar_of(p, "low"), &q->low) || !to_double(scalar_of(p, "high"), &q->high)
            || !(q->low < q->high) || (q->prior == BK_PRIOR_LOGUNIFORM && q->low <= 0))
            return spec_fail(err, BK_ERR_VALUE, name, line,
                             "low and high must be numbers with low < high (and low > 0 for "
                             "loguniform): ", path);
        if (bki_param_is_observation(q) && strcmp(q->path, "observation.report_prob") != 0)
            return spec_fail(err, BK_ERR_VALUE, name, line,
                             "the only observation parameter is observation.report_prob, not ",
                             path);
        if (bki_param_is_observation(q) && (q->low <= 0 || q->high > 1))
            return spec_fail(err, BK_ERR_VALUE, name, line,
                             "observation.report_prob must stay within (0, 1]", NULL);
        for (int j = 0; j < spec->n_params; j++)
            if (strcmp(spec->params[j].path, q->path) == 0)
                return spec_fail(err, BK_ERR_VALUE, name, line, "parameter given twice: ", path);
        spec->n_params++;
    }
    return BK_OK;
}

/* Contract in blockade/calibrate.h. */
bk_status bk_calib_spec_load_string(const char *text, size_t len, const char *name,
                                    bk_calib_spec **out, bk_error *err)
{
    *out = NULL;
    if (!name)
        name = "-";
    if (len > SPEC_MAX_BYTES)
        return spec_fail(err, BK_ERR_TOO_LARGE, name, 0, "larger than 1 MiB", NULL);
    bki_yaml_fault yf;
    struct fy_document *doc = bki_yaml_build(text, len, &yf);
    if (!doc && yf.nomem)
        return spec_fail(err, BK_ERR_NOMEM, name, 0, "out of memory", NULL);
    if (!doc)
        return spec_fail(err, BK_ERR_SYNTAX, name, yf.line, "not valid YAML: ",
                         yf.why ? yf.why : yf.msg);
    bk_calib_spec *spec = bki_calloc(1, sizeof *spec);
    bk_status st = spec ? spec_parse(doc, name, spec, err)
                        : spec_fail(err, BK_ERR_NOMEM, name, 0, "out of memory", NULL);
    fy_document_destroy(doc);
    if (st != BK_OK) {
        bk_calib_spec_free(spec);
        return st;
    }
    *out = spec;
    return BK_OK;
}

/* Contract in blockade/calibrate.h. */
bk_status bk_calib_spec_load_file(const char *path, bk_calib_spec **out, bk_error *err)
{
    *out = NULL;
    char *text;
    size_t len;
    bk_status st = bki_read_whole_file(path, SPEC_MAX_BYTES, &text, &len, err);
    if (st != BK_OK)
        return st;
    st = bk_calib_spec_load_string(text, len, path, out, err);
    bki_free(text);
    return st;
}

/* Contract in blockade/calibrate.h. */
double bk_param_at(const bk_param *p, double u)
{
    return p->prior == BK_PRIOR_LOGUNIFORM ? p->low * pow(p->high / p->low, u)
                                           : p->low + u * (p->high - p->low);
}

/* Contract in abc.h. */
bool bki_param_is_observation(const bk_param *p)
{
    return strncmp(p->path, "observation.", 12) == 0;
}

/* Contract in blockade/calibrate.h. The values are set exactly on a copy of the base: no text
 * is printed or parsed per particle. */
bk_status bk_calib_apply(const bk_calib_spec *spec, const bk_scenario *base, const double *theta,
                         bk_scenario **out, bk_error *err)
{
    return bk_calib_apply_except(spec, base, theta, NULL, out, err);
}

/* Contract in blockade/calibrate.h. */
bk_status bk_calib_apply_except(const bk_calib_spec *spec, const bk_scenario *base,
                                const double *theta, const struct bk_policy *keep,
                                bk_scenario **out, bk_error *err)
{
    *out = NULL;
    bk_scenario *sc = NULL;
    bk_status st = bk_scenario_clone(base, &sc, err);
    for (int j = 0; st == BK_OK && j < spec->n_params; j++)
        if (!bki_param_is_observation(&spec->params[j])
            && !(keep && bk_policy_sets(keep, spec->params[j].path)))
            st = bk_scenario_set(sc, spec->params[j].path, theta[j], err);
    if (st != BK_OK) {
        bk_scenario_free(sc);
        return st;
    }
    *out = sc;
    return BK_OK;
}

/* Contract in abc.h. */
bk_status bki_cal_run_at(const bk_calib_spec *spec, const bk_scenario *base, const double *theta,
                         uint64_t seed, int days, bool (*on_day)(void *, const bk_run *, int),
                         void *on_day_ud, bk_scenario **sc_out, bk_run **out, bk_error *err)
{
    *out = NULL;
    *sc_out = NULL;
    bk_scenario *sc = NULL;
    bk_status st = bk_calib_apply(spec, base, theta, &sc, err);
    if (st != BK_OK)
        return st;
    bk_run_config cfg;
    bk_run_config_init(&cfg, sc);
    cfg.seed = seed;
    cfg.replication = 0;
    cfg.days = days;
    cfg.on_day = on_day;
    cfg.on_day_ud = on_day_ud;
    st = bk_sim_run(sc, &cfg, out, err);
    if (st != BK_OK) {
        bk_scenario_free(sc);
        return st;
    }
    *sc_out = sc; /* the run borrows it */
    return BK_OK;
}
