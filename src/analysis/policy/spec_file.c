/* spec_file.c: an analysis's input file read whole, then read from its text (spec_file.h). */
#include "analysis/policy/spec_file.h"

#include <string.h>

#include "engine/alloc.h"
#include "engine/file.h"

/* Contract in spec_file.h. */
bk_status bki_spec_file_read(const char *path, unsigned long long max_bytes, const char *kind,
                             bki_spec_reader read, const void *ctx, void *out, bk_error *err)
{
    char *text = NULL;
    size_t len = 0;
    bk_status st = bki_read_whole_file(path, max_bytes, &text, &len, err);
    if (st != BK_OK) {
        if (kind && err) {   /* "KIND " before the message, cut at the end when too long */
            size_t cap = sizeof err->message, k = strlen(kind) + 1;
            size_t m = strnlen(err->message, cap - 1);
            if (k + m >= cap)
                m = k < cap ? cap - 1 - k : 0;
            if (k < cap) {
                memmove(err->message + k, err->message, m);
                memcpy(err->message, kind, k - 1);
                err->message[k - 1] = ' ';
                err->message[k + m] = '\0';
            }
        }
        return st;
    }
    st = read(text, len, path, ctx, out, err);
    bki_free(text);
    return st;
}
