/* status_internal.h: helpers for filling bk_error from inside the library. */
#ifndef BK_STATUS_INTERNAL_H
#define BK_STATUS_INTERNAL_H

#include "blockade/status.h"

#if defined(__GNUC__)
#define BK_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define BK_PRINTF(a, b)
#endif

/* Fill err with a formatted message at file:line:column (line 0: no position) and return status. */
bk_status bki_fail_at(bk_error *err, bk_status status, const char *file, int line, int column,
                      const char *fmt, ...) BK_PRINTF(6, 7);

/* The same without a position. */
#define bki_fail(err, status, ...) bki_fail_at((err), (status), NULL, 0, 0, __VA_ARGS__)

/* The same, the message led by "WHAT 'NAME': ": a failure about one thing the caller names (a
 * scenario path to set, a run store's file). */
bk_status bki_fail_about(bk_error *err, bk_status status, const char *what, const char *name,
                         const char *fmt, ...) BK_PRINTF(5, 6);

#endif
