/* yaml.c: the quiet, error-collecting libfyaml diagnostic object, the guard against what
 * libfyaml cannot read safely, and a document built with both. */
#include "engine/yaml.h"
#include "engine/utf8.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Exported by libfyaml 0.7 but missing from its header: without it a diagnostic object of our
 * own does not keep the errors it is given. */
void fy_diag_set_collect_errors(struct fy_diag *diag, bool collect_errors);

static void diag_silent(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    (void)user;
    (void)buf;
    (void)len;
}

struct fy_diag *bki_yaml_quiet_diag(void)
{
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = diag_silent; /* the library never prints */
    dcfg.colorize = false;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    if (diag)
        fy_diag_set_collect_errors(diag, true);
    return diag;
}

/* Contract in yaml.h. Quotes and comments are followed so that a '?' or '%' inside a quoted
 * string or a comment is left alone. */
const char *bki_yaml_guard(const char *text, size_t len, int *line, int *col)
{
    const unsigned char *t = (const unsigned char *)text;
    int l = 1, c = 1;
    bool line_start = true;   /* only blanks so far on this line */
    char quote = 0;           /* inside '...' or "..." */
    bool comment = false;
    unsigned char prev = '\n';   /* the last byte */
    unsigned char last_nb = '\n';   /* the last byte on this line that is not a blank */
    for (size_t i = 0; i < len;) {
        *line = l;
        *col = c;
        if (t[i] == 0)
            return "a NUL byte: not a text file";
        size_t k = bki_utf8_len(t + i, len - i);
        if (k == 0)
            return "invalid UTF-8: save the file as UTF-8";
        unsigned char ch = t[i];
        if (ch == '\n' || ch == '\r') {
            /* a line break: LF, CRLF, or a lone CR (libfyaml breaks lines there too) */
            if (!(ch == '\r' && i + 1 < len && t[i + 1] == '\n')) {
                l++;
                c = 1;
            }
            line_start = true;
            last_nb = '\n';
            comment = false;
            prev = '\n';
            i++;
            continue;   /* a quoted string may go on over lines */
        }
        if (!comment && !quote) {
            if (ch == '#' && (prev == ' ' || prev == '\t' || prev == '\n'))
                comment = true;
            else if (ch == '%' && c == 1)
                return "a YAML directive ('%' at the start of a line) is not supported";
            else if (ch == '?' && (i + 1 == len || t[i + 1] == ' ' || t[i + 1] == '\t' ||
                                   t[i + 1] == '\n' || t[i + 1] == '\r') &&
                     (line_start || prev == '{' || prev == '[' || prev == ',' ||
                      ((prev == ' ' || prev == '\t') &&
                       (last_nb == '-' || last_nb == '?' || last_nb == ':'))))
                return "the explicit-key indicator '?' is not supported: write 'key: value'";
            else if ((ch == '"' || ch == '\'') &&
                     (line_start || prev == ' ' || prev == '\t' || prev == '{' || prev == '[' ||
                      prev == ',' || prev == ':'))
                quote = (char)ch;
        } else if (quote && ch == (unsigned char)quote) {
            if (quote == '\'' && i + 1 < len && t[i + 1] == '\'') {
                i += 2;   /* '' inside a single-quoted string */
                c += 2;
                continue;
            }
            quote = 0;
        } else if (quote == '"' && ch == '\\' && i + 1 < len && t[i + 1] != '\n') {
            i++;   /* an escaped character: skip it too */
            c++;
        }
        if (ch != ' ' && ch != '\t') {
            line_start = false;
            last_nb = ch;
        }
        prev = ch;
        i += k;
        c++;
    }
    return NULL;
}

/* Contract in yaml.h. */
struct fy_document *bki_yaml_build(const char *text, size_t len, bki_yaml_fault *f)
{
    memset(f, 0, sizeof *f);
    f->why = bki_yaml_guard(text, len, &f->line, &f->column);
    if (f->why)
        return NULL;
    struct fy_diag *diag = bki_yaml_quiet_diag();
    if (!diag) {
        f->nomem = true;
        return NULL;
    }
    struct fy_parse_cfg pcfg = {0};
    pcfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG;
    pcfg.diag = diag;
    struct fy_document *doc = fy_document_build_from_string(&pcfg, text, len);
    if (!doc) {
        void *it = NULL;
        struct fy_diag_error *e = fy_diag_errors_iterate(diag, &it);
        f->line = e && e->line > 0 ? e->line : 0;
        f->column = e && e->column > 0 ? e->column : 0;
        f->has_msg = e && e->msg;
        snprintf(f->msg, sizeof f->msg, "%s", f->has_msg ? e->msg : "");
    }
    fy_diag_destroy(diag);
    return doc;
}
