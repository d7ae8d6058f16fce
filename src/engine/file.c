/* file.c: reading a whole input file (scenarios, policies, specs) with a size limit checked
 * before reading. CSV input is streamed instead (csv.c). */
#include "engine/alloc.h"
#include "engine/file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/status_internal.h"

/* Contract in file.h. */
bk_status bki_read_whole_file(const char *path, unsigned long long max_bytes, char **text,
                              size_t *len, bk_error *err)
{
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return bki_fail_at(err, BK_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0) {
        bk_status bad = BK_OK;
        if (S_ISDIR(st.st_mode))
            bad = bki_fail_at(err, BK_ERR_IO, path, 0, 0, "cannot read: is a directory");
        else if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max_bytes)
            bad = bki_fail_at(err, BK_ERR_TOO_LARGE, path, 0, 0,
                              "too large: %lld bytes, the limit is %llu bytes",
                              (long long)st.st_size, max_bytes);
        if (bad != BK_OK) {
            fclose(f);
            return bad;
        }
    }
    size_t cap = 65536, n = 0;
    char *buf = bki_malloc(cap + 1);
    bk_status status = buf ? BK_OK : BK_ERR_NOMEM;
    while (status == BK_OK) {
        if (n == cap) {
            if ((unsigned long long)cap > max_bytes)
                break;   /* more than the limit: said below */
            size_t ncap = (unsigned long long)cap * 2 > max_bytes + 1 ? (size_t)max_bytes + 1
                                                                       : cap * 2;
            char *nb = bki_realloc(buf, ncap + 1);
            if (!nb) {
                status = BK_ERR_NOMEM;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    bool read_error = ferror(f) != 0;
    fclose(f);
    if (status == BK_ERR_NOMEM)
        status = bki_fail_at(err, BK_ERR_NOMEM, path, 0, 0, "out of memory");
    else if (read_error)
        status = bki_fail_at(err, BK_ERR_IO, path, 0, 0, "cannot read: %s", strerror(errno));
    else if ((unsigned long long)n > max_bytes)
        status = bki_fail_at(err, BK_ERR_TOO_LARGE, path, 0, 0,
                             "too large: more than the limit of %llu bytes", max_bytes);
    if (status != BK_OK) {
        bki_free(buf);
        return status;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return BK_OK;
}
