/* serve_request.c: the API's JSON reader: the body of POST /api/jobs (docs/serve.md), read with
 * libfyaml in JSON mode, checked field by field, and each policy turned into the policy patch
 * format of `blockade compare --policy` (name + set) and applied to the served scenario, so
 * that an unknown lever or a value out of bounds is refused before anything is queued. */
#include "serve.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

/* Exported by libfyaml but missing from its header (see src/engine/yaml.c). */
void fy_diag_set_collect_errors(struct fy_diag *diag, bool collect_errors);

static void diag_silent(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    (void)user;
    (void)buf;
    (void)len;
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int fail(char *msg, size_t cap, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
    return code;
}

/* A scalar's text as a new string (NULL if not a scalar or out of memory). */
static char *scalar_dup(struct fy_node *n)
{
    size_t len = 0;
    const char *t = n && fy_node_is_scalar(n) ? fy_node_get_scalar(n, &len) : NULL;
    if (t == NULL)
        return NULL;
    char *s = malloc(len + 1);
    if (s) {
        memcpy(s, t, len);
        s[len] = '\0';
    }
    return s;
}

/* A whole number in [lo, hi] from a plain (unquoted) scalar or a quoted string of digits. */
static bool get_uint(struct fy_node *n, unsigned long long lo, unsigned long long hi,
                     unsigned long long *out)
{
    char *s = scalar_dup(n);
    if (s == NULL || s[0] == '\0' || strspn(s, "0123456789") != strlen(s) || strlen(s) > 20) {
        free(s);
        return false;
    }
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    bool ok = errno == 0 && v >= lo && v <= hi;
    free(s);
    if (ok)
        *out = v;
    return ok;
}

/* One policy object {"name": TEXT, "set": {PATH: VALUE, ...}}: checked, loaded as a policy
 * patch and applied to `base`. Returns 0 or an HTTP status. */
static int read_policy(struct fy_node *pn, int k, const bk_scenario *base, serve_request *req,
                       char *msg, size_t cap)
{
    if (!fy_node_is_mapping(pn))
        return fail(msg, cap, 400, "policies[%d]: expected an object with \"name\" and \"set\"",
                    k);
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(pn, &it)) != NULL) {
        size_t klen = 0;
        const char *key = fy_node_get_scalar(fy_node_pair_key(pair), &klen);
        if (key == NULL || !((klen == 4 && memcmp(key, "name", 4) == 0) ||
                             (klen == 3 && memcmp(key, "set", 3) == 0)))
            return fail(msg, cap, 400, "policies[%d]: unknown field '%.*s' (expected name, set)",
                        k, key ? (int)(klen > 60 ? 60 : klen) : 1, key ? key : "?");
    }
    struct fy_node *name = fy_node_mapping_lookup_by_string(pn, "name", FY_NT);
    struct fy_node *set = fy_node_mapping_lookup_by_string(pn, "set", FY_NT);
    size_t nlen = 0;
    const char *nt = name && fy_node_is_scalar(name) ? fy_node_get_scalar(name, &nlen) : NULL;
    if (nt == NULL || nlen == 0 || nlen > 100)
        return fail(msg, cap, 400, "policies[%d].name: expected a string of 1 to 100 characters",
                    k);
    if (set == NULL || !fy_node_is_mapping(set))
        return fail(msg, cap, 400, "policies[%d].set: expected an object of lever paths and "
                    "values ({} for none)", k);
    it = NULL;
    while ((pair = fy_node_mapping_iterate(set, &it)) != NULL) {
        struct fy_node *v = fy_node_pair_value(pair);
        if (v == NULL || !fy_node_is_scalar(v))
            return fail(msg, cap, 400, "policies[%d].set: every value must be a number, a "
                        "boolean or a string", k);
    }
    char *text = fy_emit_node_to_string(pn, FYECF_MODE_FLOW_ONELINE | FYECF_WIDTH_INF);
    if (text == NULL)
        return fail(msg, cap, 500, "out of memory");
    char pname[32];
    snprintf(pname, sizeof pname, "policies[%d]", k);
    bk_policy *pol = NULL;
    bk_error err = {0};
    bk_status st = bk_policy_load_string(text, strlen(text), pname, &pol, &err);
    free(text);
    if (st == BK_OK)
        st = bk_policy_apply(pol, base, &req->sc[k], &err);
    if (st == BK_OK) {
        req->name[k] = strdup(bk_policy_name(pol));
        req->label[k] = strdup(bk_policy_label(pol));
        if (req->name[k] == NULL || req->label[k] == NULL)
            st = BK_ERR_NOMEM;
    }
    bk_policy_free(pol);
    if (st == BK_ERR_NOMEM)
        return fail(msg, cap, 500, "out of memory");
    if (st != BK_OK)
        return fail(msg, cap, 422, "%s", err.message[0] ? err.message : bk_status_str(st));
    return 0;
}

static int read_request(struct fy_node *root, const bk_scenario *base, serve_request *req,
                        char *msg, size_t cap)
{
    if (root == NULL || !fy_node_is_mapping(root))
        return fail(msg, cap, 400, "expected a JSON object");
    static const char *const known[] = {"kind", "replications", "seed", "days", "policies", NULL};
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(root, &it)) != NULL) {
        size_t klen = 0;
        const char *key = fy_node_get_scalar(fy_node_pair_key(pair), &klen);
        bool ok = false;
        for (int i = 0; key && known[i]; i++)
            ok |= strlen(known[i]) == klen && memcmp(known[i], key, klen) == 0;
        if (!ok)
            return fail(msg, cap, 400, "unknown field '%.*s' (expected kind, replications, "
                        "seed, days, policies)", key ? (int)(klen > 60 ? 60 : klen) : 1,
                        key ? key : "?");
    }
    char *kind = scalar_dup(fy_node_mapping_lookup_by_string(root, "kind", FY_NT));
    if (kind && strcmp(kind, "ensemble") == 0)
        req->kind = SERVE_ENSEMBLE;
    else if (kind && strcmp(kind, "compare") == 0)
        req->kind = SERVE_COMPARE;
    else {
        free(kind);
        return fail(msg, cap, 400, "kind: expected \"ensemble\" or \"compare\"");
    }
    free(kind);
    unsigned long long v;
    struct fy_node *n = fy_node_mapping_lookup_by_string(root, "replications", FY_NT);
    if (n == NULL || !get_uint(n, 1, SERVE_MAX_REPLICATIONS, &v))
        return fail(msg, cap, 400, "replications: expected a whole number from 1 to %d",
                    SERVE_MAX_REPLICATIONS);
    req->replications = v;
    n = fy_node_mapping_lookup_by_string(root, "seed", FY_NT);
    if (n) {
        if (!get_uint(n, 0, UINT64_MAX, &v))
            return fail(msg, cap, 400, "seed: expected a whole number from 0 to 2^64-1 (as a "
                        "string above 2^53)");
        req->seed = v;
        req->seed_set = true;
    }
    n = fy_node_mapping_lookup_by_string(root, "days", FY_NT);
    if (n) {
        if (!get_uint(n, 0, 3650, &v))
            return fail(msg, cap, 400, "days: expected a whole number from 0 (the scenario's) "
                        "to 3650");
        req->days = (int)v;
    }
    struct fy_node *pols = fy_node_mapping_lookup_by_string(root, "policies", FY_NT);
    int count = pols && fy_node_is_sequence(pols) ? fy_node_sequence_item_count(pols) : -1;
    int lo = req->kind == SERVE_ENSEMBLE ? 1 : 2;
    int hi = req->kind == SERVE_ENSEMBLE ? 1 : SERVE_MAX_POLICIES;
    if (count < lo || count > hi) {
        if (lo == hi)
            return fail(msg, cap, 400, "policies: expected a list of one policy object for an "
                        "ensemble");
        return fail(msg, cap, 400, "policies: expected a list of %d to %d policy objects for a "
                    "comparison", lo, hi);
    }
    req->n = count;
    for (int k = 0; k < count; k++) {
        int rc = read_policy(fy_node_sequence_get_by_index(pols, k), k, base, req, msg, cap);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Contract in serve.h. */
int serve_request_parse(const char *body, size_t len, const bk_scenario *base,
                        serve_request *req, char *msg, size_t msg_size)
{
    memset(req, 0, sizeof *req);
    if (body == NULL || len == 0)
        return fail(msg, msg_size, 400, "empty body: expected a JSON object");
    if (len > SERVE_MAX_BODY)
        return fail(msg, msg_size, 413, "body larger than %d bytes", SERVE_MAX_BODY);
    if (memchr(body, '\0', len))
        return fail(msg, msg_size, 400, "the body holds a NUL byte: not JSON text");
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = diag_silent;
    dcfg.colorize = false;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    if (diag == NULL)
        return fail(msg, msg_size, 500, "out of memory");
    fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg pcfg = {.flags = FYPCF_QUIET | FYPCF_JSON_FORCE, .diag = diag};
    struct fy_document *doc = fy_document_build_from_string(&pcfg, body, len);
    void *it = NULL;
    struct fy_diag_error *e = fy_diag_errors_iterate(diag, &it);
    int rc;
    if (doc == NULL || e != NULL) {
        if (e)
            rc = fail(msg, msg_size, 400, "body line %d column %d: not valid JSON: %.200s",
                      e->line > 0 ? e->line : 1, e->column > 0 ? e->column : 1,
                      e->msg ? e->msg : "syntax error");
        else
            rc = fail(msg, msg_size, 400, "not valid JSON");
    } else {
        rc = read_request(fy_document_root(doc), base, req, msg, msg_size);
    }
    fy_document_destroy(doc);
    fy_diag_destroy(diag);
    if (rc != 0)
        serve_request_release(req);
    return rc;
}
