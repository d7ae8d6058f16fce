/* spec_file.h (internal): the input files of the analyses (policy, lever and objective files)
 * read whole, with a size limit (engine/file.h), then handed to the reader of their text. */
#ifndef BK_ANALYSIS_SPEC_FILE_H
#define BK_ANALYSIS_SPEC_FILE_H

#include <stddef.h>

#include "blockade/status.h"

/* A reader of a file's text: `text` (len bytes, NUL-terminated, borrowed for the call) named
 * `name` in messages, with the caller's `ctx`, into the caller's `out`. */
typedef bk_status (*bki_spec_reader)(const char *text, size_t len, const char *name,
                                     const void *ctx, void *out, bk_error *err);

/* Defines FN, the bki_spec_reader of a text reader that needs no context,
 * bk_status LOAD(const char *text, size_t len, const char *name, T **out, bk_error *err). */
#define BKI_SPEC_READER(fn, load)                                                              \
    static bk_status fn(const char *text, size_t len, const char *name, const void *ctx,      \
                        void *out, bk_error *err)                                              \
    {                                                                                          \
        (void)ctx;                                                                             \
        return load(text, len, name, out, err);                                                \
    }

/* Read the file at `path` (at most max_bytes) and pass its text to `read` with name = path;
 * returns what `read` returns. When the file cannot be read, err says "PATH: why" (see
 * bki_read_whole_file), preceded by `kind` and a space when kind is not NULL ("policy
 * PATH: why"), and `read` is not called. */
bk_status bki_spec_file_read(const char *path, unsigned long long max_bytes, const char *kind,
                             bki_spec_reader read, const void *ctx, void *out, bk_error *err);

#endif
