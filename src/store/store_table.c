/* store_table.c: the text tables of `blockade runs`: rows of cells, each made safe to print on a
 * terminal, printed with columns padded to their widest cell. */
#include "engine/alloc.h"
#include "store/store_internal.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void rs_table_init(table *t, size_t cols)
{
    memset(t, 0, sizeof *t);
    t->cols = cols;
}

void rs_table_free(table *t)
{
    for (size_t i = 0; i < t->rows * t->cols; i++)
        bki_free(t->cells[i]);
    bki_free(t->cells);
    memset(t, 0, sizeof *t);
}

/* A copy of recorded text (a command line, a scenario name, a path) that is safe to print on a
 * terminal: C0 controls, DEL and C1 controls become \xNN or \u00NN, and the bidirectional
 * embedding, override and isolate controls \u202A..\u202E and \u2066..\u2069, so that no
 * recorded byte can move the cursor, retitle the window or reorder the line. NULL when out of
 * memory; free with bki_free(). */
static char *terminal_safe(const char *src)
{
    size_t n = strlen(src);
    char *out = bki_malloc(n * 6 + 1);   /* at most 6 bytes of escape for each input byte */
    if (out == NULL)
        return NULL;
    const unsigned char *u = (const unsigned char *)src;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (u[i] < 0x20 || u[i] == 0x7f) {
            j += (size_t)sprintf(out + j, "\\x%02x", u[i]);
        } else if (u[i] == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f) {
            j += (size_t)sprintf(out + j, "\\u%04x", u[i + 1]);
            i++;
        } else if (u[i] == 0xe2 && ((u[i + 1] == 0x80 && u[i + 2] >= 0xaa && u[i + 2] <= 0xae) ||
                                    (u[i + 1] == 0x81 && u[i + 2] >= 0xa6 && u[i + 2] <= 0xa9))) {
            j += (size_t)sprintf(out + j, "\\u%04x",
                                 0x2000u + (u[i + 1] - 0x80u) * 0x40u + (u[i + 2] - 0x80u));
            i += 2;
        } else {
            out[j++] = (char)u[i];
        }
    }
    out[j] = '\0';
    return out;
}

/* Contract in store_internal.h. */
void rs_table_add(table *t, const char *const *row)
{
    if (t->nomem)
        return;
    if ((t->rows + 1) * t->cols > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16 * t->cols;
        char **bigger = bki_realloc(t->cells, cap * sizeof *bigger);
        if (bigger == NULL) {
            t->nomem = true;
            return;
        }
        t->cells = bigger;
        t->cap = cap;
    }
    char **dst = t->cells + t->rows * t->cols;
    for (size_t c = 0; c < t->cols; c++) {
        dst[c] = terminal_safe(row[c] ? row[c] : "");
        if (dst[c] == NULL) {
            for (size_t k = 0; k < c; k++)
                bki_free(dst[k]);
            t->nomem = true;
            return;
        }
    }
    t->rows++;
}

/* Width in characters of UTF-8 text (continuation bytes do not count), so that names with
 * accents stay aligned. */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        w += (*p & 0xc0) != 0x80;
    return w;
}

/* Contract in store_internal.h. */
void rs_table_print(const table *t, FILE *out, const char *indent, const bool *right)
{
    size_t width[16] = {0};
    size_t cols = t->cols < 16 ? t->cols : 16;
    for (size_t r = 0; r < t->rows; r++) {
        for (size_t c = 0; c < cols; c++) {
            size_t w = text_width(t->cells[r * t->cols + c]);
            if (w > width[c])
                width[c] = w;
        }
    }
    for (size_t r = 0; r < t->rows; r++) {
        fputs(indent, out);
        size_t last = cols; /* drop empty trailing cells */
        while (last > 1 && t->cells[r * t->cols + last - 1][0] == '\0')
            last--;
        for (size_t c = 0; c < last; c++) {
            const char *cell = t->cells[r * t->cols + c];
            size_t pad = width[c] - text_width(cell);
            bool is_last = c + 1 == last;
            if (c > 0)
                fputs("  ", out);
            if (right && right[c])
                fprintf(out, "%*s%s", (int)pad, "", cell);
            else
                fprintf(out, "%s%*s", cell, is_last ? 0 : (int)pad, "");
        }
        fputc('\n', out);
    }
}
