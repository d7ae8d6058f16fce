/* store_fixture.h: shared by test_store.c (the library) and test_store_cli.c (the command-line
 * tool): what list, show and diff print, read into memory. */
#ifndef BK_STORE_FIXTURE_H
#define BK_STORE_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "blockade/blockade.h"

typedef bk_status (*print_fn)(bk_store *store, int64_t a, int64_t b, FILE *out, bk_error *err);

static inline bk_status call_list(bk_store *s, int64_t a, int64_t b, FILE *out, bk_error *err)
{
    (void)b;
    return bk_store_list(s, (long)a, out, err);
}

static inline bk_status call_show(bk_store *s, int64_t a, int64_t b, FILE *out, bk_error *err)
{
    (void)b;
    return bk_store_show(s, a, out, err);
}

static inline bk_status call_diff(bk_store *s, int64_t a, int64_t b, FILE *out, bk_error *err)
{
    return bk_store_diff(s, a, b, out, err);
}

static inline char *capture(print_fn fn, bk_store *s, int64_t a, int64_t b, bk_status *st,
                            bk_error *err)
{
    /* The stream's buffer pointer lives on the heap: GCC takes a pointer handed to
     * open_memstream from the stack for one that dangles once the function returns. */
    struct {
        char *text;
        size_t len;
    } *buf = calloc(1, sizeof *buf);
    assert_non_null(buf);
    FILE *f = open_memstream(&buf->text, &buf->len);
    assert_non_null(f);
    *st = fn(s, a, b, f, err);
    assert_int_equal(fclose(f), 0);
    char *text = buf->text;
    free(buf);
    assert_non_null(text);
    return text;
}

#endif
