/* blockade/status.h: status codes and error reports shared by every blockade call.
 *
 * Every fallible function returns a bk_status. Codes are frozen: a new code is appended, an old one
 * is never renumbered. Functions that can fail on user input also fill a caller-owned bk_error with
 * a human message naming the file, line and column where the problem is.
 */
#ifndef BLOCKADE_STATUS_H
#define BLOCKADE_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, number, text). The CLI maps these to its documented exit codes. */
#define BK_STATUS_LIST(X)                                                           \
    X(BK_OK, 0, "success")                                                          \
    X(BK_ERR_NOMEM, 1, "out of memory")                                             \
    X(BK_ERR_IO, 2, "input/output error")                                           \
    X(BK_ERR_SYNTAX, 3, "syntax error in scenario file")                            \
    X(BK_ERR_SCHEMA, 4, "scenario does not match the expected format")              \
    X(BK_ERR_REFERENCE, 5, "scenario refers to something it does not define")       \
    X(BK_ERR_VALUE, 6, "value out of range")                                        \
    X(BK_ERR_INVARIANT, 7, "model invariant violated")                              \
    X(BK_ERR_USAGE, 8, "invalid argument")                                          \
    X(BK_ERR_TOO_LARGE, 9, "input too large")                                       \
    X(BK_ERR_INTERNAL, 10, "internal error")                                        \
    X(BK_ERR_INTERRUPTED, 11, "interrupted")

typedef enum bk_status {
#define BK_X_ENUM(name, num, text) name = num,
    BK_STATUS_LIST(BK_X_ENUM)
#undef BK_X_ENUM
} bk_status;

/* Static text for a status code; "unknown status" for a value outside the table. Never NULL. */
const char *bk_status_str(bk_status status);

/* The short symbolic name of a status code ("BK_ERR_SCHEMA"). Never NULL. */
const char *bk_status_name(bk_status status);

/* An error report, owned and allocated by the caller. Functions that take a bk_error * fill it on
 * failure and leave it untouched on success; NULL is accepted and means "no report wanted".
 *  file:   the input's name as given by the caller ("-" for text given in memory), or "".
 *  line, column: 1-based position in that input, or 0 when the error has no position.
 *  message: one line, no trailing newline, already prefixed with file:line:column when known. */
typedef struct bk_error {
    bk_status status;
    int line;
    int column;
    char file[256];
    char message[1024];
} bk_error;

#ifdef __cplusplus
}
#endif
#endif
