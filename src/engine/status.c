/* status.c: the status table (text and names) and the bk_error filler used by every module. */
#include "engine/status_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *bk_status_str(bk_status status)
{
    switch (status) {
#define BK_X_STR(name, num, text) \
    case name:                    \
        return text;
        BK_STATUS_LIST(BK_X_STR)
#undef BK_X_STR
    }
    return "unknown status";
}

const char *bk_status_name(bk_status status)
{
    switch (status) {
#define BK_X_NAME(name, num, text) \
    case name:                     \
        return #name;
        BK_STATUS_LIST(BK_X_NAME)
#undef BK_X_NAME
    }
    return "BK_UNKNOWN";
}

/* Fills err (if not NULL) and returns status, so callers can write `return bki_fail(...)`. */
bk_status bki_fail_at(bk_error *err, bk_status status, const char *file, int line, int column,
                      const char *fmt, ...)
{
    if (err == NULL)
        return status;
    err->status = status;
    err->line = line;
    err->column = column;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    char body[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    if (file && *file && line > 0)
        snprintf(err->message, sizeof err->message, "%s:%d:%d: %s", file, line, column, body);
    else if (file && *file)
        snprintf(err->message, sizeof err->message, "%s: %s", file, body);
    else
        snprintf(err->message, sizeof err->message, "%s", body);
    return status;
}

/* Contract in status_internal.h. */
bk_status bki_fail_about(bk_error *err, bk_status status, const char *what, const char *name,
                         const char *fmt, ...)
{
    char msg[768];
    int lead = snprintf(msg, sizeof msg, "%s '%s': ", what, name);
    if (lead >= 0 && (size_t)lead < sizeof msg) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg + lead, sizeof msg - (size_t)lead, fmt, ap);
        va_end(ap);
    }
    return bki_fail(err, status, "%s", msg);
}
