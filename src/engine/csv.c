/* csv.c: the streamed CSV reader (libcsv fed chunk by chunk; contract in csv.h). */
#include "engine/alloc.h"
#include "engine/csv.h"
#include "engine/utf8.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <csv.h>

#include "engine/status_internal.h"

size_t bki_csv_chunk_bytes = 64u * 1024u;

typedef struct reader {
    const char *name;
    struct csv_parser cp;
    bk_csv_record_fn fn;
    void *ud;
    bk_error *err;
    bk_status status;
    unsigned long long max_bytes, bytes;
    size_t records;
    /* the record being read: fields packed in buf, NUL-terminated, starting at off[i] */
    char *buf;
    size_t used, buf_cap;
    size_t *off;
    char **fields;
    size_t n, fields_cap;
    int rec_line;
    /* position and UTF-8 decoding state */
    int line, col;              /* col: characters begun on the line */
    int need;                   /* continuation bytes still expected */
    unsigned char lo, hi;       /* range of the next continuation byte */
    int bom;                    /* BOM bytes matched at the start; -1 when past it */
} reader;

static const unsigned char bom_bytes[3] = {0xEF, 0xBB, 0xBF};

static bk_status fail_pos(reader *r, bk_status status, int line, int col, const char *fmt, ...)
    BK_PRINTF(5, 6);
static bk_status fail_pos(reader *r, bk_status status, int line, int col, const char *fmt, ...)
{
    char body[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    if (col > 0)
        bki_fail_at(r->err, status, r->name, line, col, "%s", body);
    else
        bki_fail_at(r->err, status, NULL, 0, 0, "%s:%d: %s", r->name, line, body);
    if (r->err) {
        r->err->line = line;
        snprintf(r->err->file, sizeof r->err->file, "%s", r->name);
    }
    r->status = status;
    return status;
}

static bk_status nomem(reader *r)
{
    r->status = bki_fail(r->err, BK_ERR_NOMEM, "%s: out of memory", r->name);
    return r->status;
}

static size_t count_nl(const void *s, size_t len)
{
    size_t k = 0;
    for (const char *p = s, *e = p + len; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
        k++;
    return k;
}

static void on_field(void *s, size_t len, void *data)
{
    reader *r = data;
    if (r->status != BK_OK)
        return;
    if (r->n == 0)   /* a quoted first field may span lines: the record begins at its start */
        r->rec_line = r->line - (int)count_nl(s, len);
    if (r->n >= BK_CSV_MAX_FIELDS) {
        fail_pos(r, BK_ERR_SYNTAX, r->rec_line, 0, "a record of more than %u fields (the "
                 "limit of a CSV record here)", BK_CSV_MAX_FIELDS);
        return;
    }
    if (r->used + len + 1 > BK_CSV_MAX_RECORD_BYTES) {
        fail_pos(r, BK_ERR_SYNTAX, r->rec_line, 0, "a record longer than %u bytes (the limit "
                 "of a CSV record here)", BK_CSV_MAX_RECORD_BYTES);
        return;
    }
    if (r->n == r->fields_cap) {
        size_t nc = r->fields_cap ? r->fields_cap * 2 : 64;
        size_t *no = bki_realloc(r->off, nc * sizeof *no);
        if (no)
            r->off = no;
        char **nf = no ? bki_realloc(r->fields, nc * sizeof *nf) : NULL;
        if (!nf) {
            nomem(r);
            return;
        }
        r->fields = nf;
        r->fields_cap = nc;
    }
    if (r->used + len + 1 > r->buf_cap) {
        size_t nc = r->buf_cap ? r->buf_cap : 4096;
        while (nc < r->used + len + 1)
            nc *= 2;
        char *nb = bki_realloc(r->buf, nc);
        if (!nb) {
            nomem(r);
            return;
        }
        r->buf = nb;
        r->buf_cap = nc;
    }
    if (len)
        memcpy(r->buf + r->used, s, len);
    r->buf[r->used + len] = '\0';
    r->off[r->n++] = r->used;
    r->used += len + 1;
}

static void on_record(int c, void *data)
{
    (void)c;
    reader *r = data;
    if (r->status == BK_OK && r->n > 0) {
        for (size_t i = 0; i < r->n; i++)
            r->fields[i] = r->buf + r->off[i];
        bk_csv_record rec = {r->fields, r->n, r->rec_line};
        r->records++;
        r->status = r->fn(r->ud, &rec, r->err);
    }
    r->n = 0;
    r->used = 0;
}

/* Check the bytes of one piece of a line (UTF-8, no NUL). Returns the index of the first bad
 * byte (the message is ready in r) or len. */
static size_t validate(reader *r, const unsigned char *p, size_t len, int *bad_line, int *bad_col,
                       char *why, size_t why_size)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char b = p[i];
        if (r->need > 0) {
            if (b < r->lo || b > r->hi) {
                *bad_line = r->line;
                *bad_col = r->col;
                snprintf(why, why_size, "invalid UTF-8 (byte 0x%02x inside a character): save "
                         "the file as UTF-8", b);
                return i;
            }
            r->need--;
            r->lo = 0x80;
            r->hi = 0xBF;
            continue;
        }
        r->col++;
        if (b < 0x80) {
            if (b == 0) {
                *bad_line = r->line;
                *bad_col = r->col;
                snprintf(why, why_size, "binary data (a NUL byte): not a CSV text file");
                return i;
            }
            continue;
        }
        if (!bki_utf8_lead(b, &r->need, &r->lo, &r->hi)) {
            *bad_line = r->line;
            *bad_col = r->col;
            snprintf(why, why_size, "invalid UTF-8 (byte 0x%02x): save the file as UTF-8", b);
            return i;
        }
    }
    return len;
}

/* Feed up to the end of one line or piece of it to libcsv. */
static bk_status parse(reader *r, const unsigned char *p, size_t len, int col0)
{
    if (len == 0)
        return r->status;
    size_t done = csv_parse(&r->cp, p, len, on_field, on_record, r);
    if (r->status != BK_OK)
        return r->status;
    if (done != len) {
        if (csv_error(&r->cp) == CSV_ENOMEM)
            return nomem(r);
        int col = col0 + 1;
        for (size_t i = 0; i < done; i++)
            col += (p[i] & 0xC0) != 0x80;
        return fail_pos(r, BK_ERR_SYNTAX, r->line, col, "malformed CSV (%s): a quote inside an "
                        "unquoted field, or text after a closing quote",
                        csv_strerror(csv_error(&r->cp)));
    }
    if (r->cp.entry_pos > BK_CSV_MAX_RECORD_BYTES)
        return fail_pos(r, BK_ERR_SYNTAX, r->line, 0, "a field longer than %u bytes (the limit "
                        "of a CSV record here)", BK_CSV_MAX_RECORD_BYTES);
    return BK_OK;
}

/* Content bytes (after the BOM): line by line, in pieces of at most a chunk. An error earlier in
 * the input always wins over a later one, however the input was cut. */
static bk_status process(reader *r, const unsigned char *p, size_t len)
{
    size_t step = bki_csv_chunk_bytes < 4 ? 4 : bki_csv_chunk_bytes;
    size_t i = 0;
    while (i < len && r->status == BK_OK) {
        const unsigned char *nl = memchr(p + i, '\n', len - i);
        size_t seg = nl ? (size_t)(nl - (p + i)) + 1 : len - i;
        if (seg > step) {
            seg = step;
            nl = NULL;
        }
        int col0 = r->col, bad_line = 0, bad_col = 0;
        char why[160];
        size_t good = validate(r, p + i, seg, &bad_line, &bad_col, why, sizeof why);
        if (parse(r, p + i, good, col0) != BK_OK)
            return r->status;
        if (good < seg)
            return fail_pos(r, BK_ERR_SYNTAX, bad_line, bad_col, "%s", why);
        i += seg;
        if (nl) {
            r->line++;
            r->col = 0;
        }
    }
    return r->status;
}

static bk_status feed(reader *r, const unsigned char *p, size_t len)
{
    if (r->status != BK_OK)
        return r->status;
    while (r->bom >= 0 && len > 0) {
        if (p[0] == bom_bytes[r->bom]) {
            p++;
            len--;
            if (++r->bom == 3)
                r->bom = -1;
        } else {
            int had = r->bom;
            r->bom = -1;
            if (had > 0) {
                r->bytes += (unsigned)had;
                if (process(r, bom_bytes, (size_t)had) != BK_OK)
                    return r->status;
            }
        }
    }
    if (len == 0)
        return r->status;
    if (r->max_bytes && r->bytes + len > r->max_bytes) {
        size_t room = (size_t)(r->max_bytes - r->bytes);
        if (process(r, p, room) != BK_OK)
            return r->status;
        r->status = bki_fail(r->err, BK_ERR_TOO_LARGE, "%s: larger than the limit of %llu bytes",
                             r->name, r->max_bytes);
        return r->status;
    }
    r->bytes += len;
    return process(r, p, len);
}

static bk_status finish(reader *r)
{
    if (r->status == BK_OK && r->bom > 0) {
        int had = r->bom;
        r->bom = -1;
        r->bytes += (unsigned)had;
        process(r, bom_bytes, (size_t)had);
    }
    if (r->status != BK_OK)
        return r->status;
    if (r->need > 0)
        return fail_pos(r, BK_ERR_SYNTAX, r->line, r->col, "invalid UTF-8 (a character cut "
                        "short by the end of the file): save the file as UTF-8");
    if (csv_fini(&r->cp, on_field, on_record, r) != 0 && r->status == BK_OK) {
        int open = r->line - (int)count_nl(r->cp.entry_buf, r->cp.entry_pos);
        fail_pos(r, BK_ERR_SYNTAX, open, 0, "malformed CSV: a quoted field is not closed "
                 "before the end of the file");
    }
    return r->status;
}

static bk_status reader_init(reader *r, const char *name, unsigned long long max_bytes,
                             bk_csv_record_fn fn, void *ud, bk_error *err)
{
    memset(r, 0, sizeof *r);
    r->name = name ? name : "-";
    r->fn = fn;
    r->ud = ud;
    r->err = err;
    r->max_bytes = max_bytes;
    r->line = 1;
    r->lo = 0x80;
    r->hi = 0xBF;
    if (csv_init(&r->cp, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return nomem(r);
    csv_set_realloc_func(&r->cp, bki_realloc);   /* libcsv's buffer through the library's hook */
    csv_set_free_func(&r->cp, bki_free);
    return BK_OK;
}

static bk_status reader_done(reader *r, bk_csv_info *info)
{
    if (info) {
        info->bytes = r->bytes;
        info->records = r->records;
    }
    csv_free(&r->cp);
    bki_free(r->buf);
    bki_free(r->off);
    bki_free(r->fields);
    return r->status;
}

/* Contract in csv.h. */
bk_status bki_csv_read_bytes(const char *text, size_t len, const char *name,
                             unsigned long long max_bytes, bk_csv_record_fn fn, void *ud,
                             bk_csv_info *info, bk_error *err)
{
    reader r;
    if (reader_init(&r, name, max_bytes, fn, ud, err) == BK_OK) {
        size_t step = bki_csv_chunk_bytes < 4 ? 4 : bki_csv_chunk_bytes;
        for (size_t i = 0; i < len && r.status == BK_OK; i += step)
            feed(&r, (const unsigned char *)text + i, len - i < step ? len - i : step);
        finish(&r);
    }
    return reader_done(&r, info);
}

/* Contract in csv.h. */
bk_status bki_csv_read_stream(FILE *f, const char *name, unsigned long long max_bytes,
                              bk_csv_record_fn fn, void *ud, bk_csv_info *info, bk_error *err)
{
    reader r;
    if (reader_init(&r, name, max_bytes, fn, ud, err) == BK_OK) {
        size_t step = bki_csv_chunk_bytes < 4 ? 4 : bki_csv_chunk_bytes;
        unsigned char *chunk = bki_malloc(step);
        if (!chunk)
            nomem(&r);
        while (r.status == BK_OK) {
            size_t got = fread(chunk, 1, step, f);
            if (got > 0)
                feed(&r, chunk, got);
            if (got < step) {
                if (ferror(f) && r.status == BK_OK)
                    r.status = bki_fail_at(err, BK_ERR_IO, r.name, 0, 0, "cannot read: %s",
                                           strerror(errno));
                break;
            }
        }
        bki_free(chunk);
        finish(&r);
    }
    return reader_done(&r, info);
}

/* Contract in csv.h. */
bk_status bki_csv_read_file(const char *path, unsigned long long max_bytes, bk_csv_record_fn fn,
                            void *ud, bk_csv_info *info, bk_error *err)
{
    if (info)
        memset(info, 0, sizeof *info);
    bool std_in = strcmp(path, "-") == 0;
    FILE *f = std_in ? stdin : fopen(path, "rb");
    if (!f)
        return bki_fail_at(err, BK_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    bk_status bad = BK_OK;
    if (fstat(fileno(f), &st) == 0) {
        if (S_ISDIR(st.st_mode))
            bad = bki_fail_at(err, BK_ERR_IO, path, 0, 0, "cannot read: is a directory");
        else if (max_bytes && S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max_bytes)
            bad = bki_fail_at(err, BK_ERR_TOO_LARGE, path, 0, 0,
                              "too large: %lld bytes, the limit is %llu bytes",
                              (long long)st.st_size, max_bytes);
    }
    if (bad == BK_OK)
        bad = bki_csv_read_stream(f, path, max_bytes, fn, ud, info, err);
    if (!std_in)
        fclose(f);
    return bad;
}
