/* bytes.h (internal): a growable byte buffer and a bounds-checked reader, for the ensemble's
 * state files. Integers are little-endian whatever the machine, doubles are their IEEE 754 bit
 * patterns, strings are a u32 length and the bytes; so a state file written on one machine is
 * read the same on another.
 *
 * Writing never fails visibly: an allocation failure sets `failed` and later writes are
 * ignored; check it once at the end. Reading past the end sets the reader's `failed` and
 * returns zeros.
 */
#ifndef BK_ANALYSIS_BYTES_H
#define BK_ANALYSIS_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bk_bytes {
    unsigned char *p;  /* owned */
    size_t len, cap;
    bool failed;       /* an allocation failed; the content is incomplete */
} bk_bytes;

typedef struct bk_reader {
    const unsigned char *p; /* borrowed */
    size_t len, pos;
    bool failed;
} bk_reader;

void bki_bytes_put(bk_bytes *b, const void *data, size_t n);
void bki_bytes_u32(bk_bytes *b, uint32_t v);
void bki_bytes_u64(bk_bytes *b, uint64_t v);
void bki_bytes_i64(bk_bytes *b, int64_t v);
void bki_bytes_f64(bk_bytes *b, double v);
void bki_bytes_str(bk_bytes *b, const char *s, size_t n);
/* Free the buffer; the struct is then empty. */
void bki_bytes_free(bk_bytes *b);

const unsigned char *bki_reader_take(bk_reader *r, size_t n); /* NULL past the end */
uint32_t bki_reader_u32(bk_reader *r);
uint64_t bki_reader_u64(bk_reader *r);
int64_t bki_reader_i64(bk_reader *r);
double bki_reader_f64(bk_reader *r);
/* A string into a new NUL-terminated buffer (free with free()); NULL on failure. *n (may be
 * NULL) receives its length. Strings longer than `max` fail. */
char *bki_reader_str(bk_reader *r, size_t max, size_t *n);

#endif
