/* policy_internal.h: what policy.c (reading policy files, the exact route) and policy_text.c
 * (applying a policy to the base's text) share. */
#ifndef BK_POLICY_INTERNAL_H
#define BK_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <libfyaml.h>

#include "blockade/ensemble.h"
#include "engine/status_internal.h"

typedef struct setting {
    char *path;              /* dotted, owned */
    int line, col;           /* of the setting in the policy file */
    struct fy_node *value;   /* in p->doc; NULL for a `set: PATH = VALUE` entry */
    char *text;              /* the value as written when it is a scalar, owned; else NULL */
    bool add;                /* `add:` an item to a list or a mapping the base lacks */
} setting;

struct bk_policy {
    char *text;              /* the file's text: libfyaml's nodes point into it */
    char *file;              /* for messages */
    char *name;
    char *label;
    struct fy_document *doc;
    setting *set;
    int n_set;
    char *patch;             /* one line per setting: "PATH = VALUE" or "add PATH = {...}" */
};

/* Fill err with the policy file, line and column: "policy A.yaml:3:5: message". */
BK_PRINTF(6, 7)
bk_status pol_fail_at(bk_error *err, bk_status status, const char *file, int line, int col,
                      const char *fmt, ...);
#define pol_fail(err, status, file, line, ...) pol_fail_at(err, status, file, line, 0, __VA_ARGS__)

/* Apply settings [0, upto) of p to the base text; the new text in *text (free with bki_free()).
 * When every setting replaces a scalar of the base, the new text is the base text with those
 * scalars rewritten in place (comments and layout kept); otherwise the changed document as
 * libfyaml writes it. */
bk_status pol_apply_text(const bk_policy *p, int upto, const char *base, size_t base_len,
                         char **text, bk_error *err);

#endif
