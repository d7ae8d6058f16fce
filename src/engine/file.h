/* file.h (internal): the one way the library reads a whole input file, with a size limit. */
#ifndef BK_ENGINE_FILE_H
#define BK_ENGINE_FILE_H

#include <stddef.h>

#include "blockade/status.h"

/* Read the file at `path`, at most max_bytes, into a new NUL-terminated buffer *text (free with
 * free()) of *len bytes. The size of a regular file is checked before anything is read, so a
 * huge or sparse file fails at once; a stream of unknown size is read only up to the limit.
 * Errors, with err's message "PATH: ..." (err->file = path): BK_ERR_IO (cannot open, a
 * directory, read error), BK_ERR_TOO_LARGE ("too large: N bytes, the limit is M bytes"),
 * BK_ERR_NOMEM. On failure *text is NULL. */
bk_status bki_read_whole_file(const char *path, unsigned long long max_bytes, char **text,
                              size_t *len, bk_error *err);

#endif
