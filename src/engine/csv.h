/* csv.h (internal): the one CSV reader of the library: a stream read in fixed-size chunks and fed
 * to libcsv, so that memory is bounded by the largest record, not by the file. UTF-8 (a BOM is
 * skipped), LF or CRLF, quoted fields with commas, quotes and line breaks. NUL bytes and invalid
 * UTF-8 are refused with file:line:column; a multi-byte character or a quoted field split over
 * two chunks reads as if whole.
 */
#ifndef BK_ENGINE_CSV_H
#define BK_ENGINE_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "blockade/status.h"

/* The format's own limits: a record (all its fields) of at most 1 MiB, at most 4096 fields. */
#define BK_CSV_MAX_RECORD_BYTES (1024u * 1024u)
#define BK_CSV_MAX_FIELDS 4096u

/* Bytes read from a stream at a time. A test may lower it (at least 4) to put chunk boundaries
 * inside characters and fields; the result never depends on it. */
extern size_t bki_csv_chunk_bytes;

/* A CSV record: fields[0..n-1] are NUL-terminated, valid until the callback returns. */
typedef struct bk_csv_record {
    char **fields;
    size_t n;
    int line;                   /* line where the record starts */
} bk_csv_record;

/* Called for each record (the header first). A non-OK status stops the reading with it (the
 * callback fills err). */
typedef bk_status (*bk_csv_record_fn)(void *ud, const bk_csv_record *rec, bk_error *err);

/* What was read: bytes after the BOM, and records. */
typedef struct bk_csv_info {
    unsigned long long bytes;
    size_t records;
} bk_csv_info;

/* Read the CSV at `path` ("-": standard input) chunk by chunk and call fn per record. max_bytes
 * (0: none) refuses a longer input with BK_ERR_TOO_LARGE. Errors: BK_ERR_IO (cannot open, a
 * directory, read error), BK_ERR_SYNTAX (NUL byte, invalid UTF-8, broken quoting, a record over
 * the limits), BK_ERR_NOMEM, or fn's status. Messages start with "path:line: " or
 * "path:line:column: ". info may be NULL. */
bk_status bki_csv_read_file(const char *path, unsigned long long max_bytes, bk_csv_record_fn fn,
                            void *ud, bk_csv_info *info, bk_error *err);

/* The same over an open stream, named `name` in messages. */
bk_status bki_csv_read_stream(FILE *f, const char *name, unsigned long long max_bytes,
                              bk_csv_record_fn fn, void *ud, bk_csv_info *info, bk_error *err);

/* The same over bytes in memory (fed in chunks of bki_csv_chunk_bytes). */
bk_status bki_csv_read_bytes(const char *text, size_t len, const char *name,
                             unsigned long long max_bytes, bk_csv_record_fn fn, void *ud,
                             bk_csv_info *info, bk_error *err);

#endif
