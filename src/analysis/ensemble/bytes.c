/* bytes.c: little-endian byte buffers for state files (see bytes.h). */
#include "engine/alloc.h"
#include "analysis/ensemble/bytes.h"

#include <stdlib.h>
#include <string.h>

/* Append n bytes; on allocation failure mark the buffer failed and drop the data. */
void bki_bytes_put(bk_bytes *b, const void *data, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *p = bki_realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

/* Little-endian u32. */
void bki_bytes_u32(bk_bytes *b, uint32_t v)
{
    unsigned char x[4];
    for (int i = 0; i < 4; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    bki_bytes_put(b, x, 4);
}

/* Little-endian u64. */
void bki_bytes_u64(bk_bytes *b, uint64_t v)
{
    unsigned char x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    bki_bytes_put(b, x, 8);
}

/* Two's complement, little-endian. */
void bki_bytes_i64(bk_bytes *b, int64_t v)
{
    bki_bytes_u64(b, (uint64_t)v);
}

/* The IEEE 754 bit pattern. */
void bki_bytes_f64(bk_bytes *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    bki_bytes_u64(b, u);
}

/* Length and bytes. */
void bki_bytes_str(bk_bytes *b, const char *s, size_t n)
{
    bki_bytes_u32(b, (uint32_t)n);
    bki_bytes_put(b, s, n);
}

/* Harmless on an empty buffer. */
void bki_bytes_free(bk_bytes *b)
{
    bki_free(b->p);
    memset(b, 0, sizeof *b);
}

/* The next n bytes, or NULL (and failed) past the end. */
const unsigned char *bki_reader_take(bk_reader *r, size_t n)
{
    if (r->failed || n > r->len - r->pos) {
        r->failed = true;
        return NULL;
    }
    const unsigned char *p = r->p + r->pos;
    r->pos += n;
    return p;
}

/* The next k bytes (k <= 8) as a little-endian unsigned integer; 0 past the end. */
static uint64_t take_le(bk_reader *r, int k)
{
    const unsigned char *x = bki_reader_take(r, (size_t)k);
    uint64_t v = 0;
    for (int i = 0; x && i < k; i++)
        v |= (uint64_t)x[i] << (8 * i);
    return v;
}

/* 0 past the end. */
uint32_t bki_reader_u32(bk_reader *r)
{
    return (uint32_t)take_le(r, 4);
}

/* 0 past the end. */
uint64_t bki_reader_u64(bk_reader *r)
{
    return take_le(r, 8);
}

/* 0 past the end. */
int64_t bki_reader_i64(bk_reader *r)
{
    uint64_t u = bki_reader_u64(r);
    int64_t v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* 0.0 past the end. */
double bki_reader_f64(bk_reader *r)
{
    uint64_t u = bki_reader_u64(r);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* A new NUL-terminated copy; NULL past the end, over `max` or out of memory. */
char *bki_reader_str(bk_reader *r, size_t max, size_t *n)
{
    uint32_t len = bki_reader_u32(r);
    if (r->failed || len > max) {
        r->failed = true;
        return NULL;
    }
    const unsigned char *p = bki_reader_take(r, len);
    char *s = p ? bki_strndup((const char *)p, len) : NULL;
    if (!s) {
        r->failed = true;
        return NULL;
    }
    if (n)
        *n = len;
    return s;
}
