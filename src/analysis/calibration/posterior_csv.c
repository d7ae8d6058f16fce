/* posterior_csv.c: a posterior.csv read back (the writer is bk_abc_write_posterior_csv in abc.c),
 * through the library's one CSV reader, so that it takes what the writer and a spreadsheet
 * produce (quoted fields, CRLF, a BOM) and refuses the rest at its line. */
#include "engine/alloc.h"
#include "engine/csv.h"
#include "engine/status_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blockade/calibrate.h"

/* At most this many particles: far above any calibration's, and it bounds the memory a hostile
 * file can take. */
#define MAX_PARTICLES (1 << 24)

typedef struct reader {
    const char *path;
    const bk_calib_spec *spec;
    bk_posterior_table *t;
    int cap;
    size_t n_cols; /* k + 3, or k + 4 with the seed; 0 before the header */
} reader;

/* The file has the seed column (after the header). */
static inline bool seeded(const reader *rd)
{
    return rd->n_cols == (size_t)rd->spec->n_params + 4;
}

static bk_status grow(reader *rd, bk_error *err);

/* The header: particle, weight, distance, the spec's paths in order, then (files of earlier
 * versions lack it) the seed. */
static bk_status read_header(reader *rd, const bk_csv_record *rec, bk_error *err)
{
    int k = rd->spec->n_params;
    for (size_t c = 0; c < rec->n; c++) {
        int col = (int)c;
        const char *want = col == 0 ? "particle" : col == 1 ? "weight" : col == 2 ? "distance"
                           : col - 3 < k ? rd->spec->params[col - 3].path
                           : col - 3 == k ? "seed" : NULL;
        if (!want || strcmp(rec->fields[c], want) != 0)
            return bki_fail(err, BK_ERR_SCHEMA, "%s:%d: column %d is '%s', expected '%s' (a "
                            "posterior.csv written for the same parameters)", rd->path,
                            rec->line, col + 1, rec->fields[c],
                            want ? want : "(no more columns)");
    }
    if (rec->n != (size_t)k + 3 && rec->n != (size_t)k + 4)
        return bki_fail(err, BK_ERR_SCHEMA, "%s:%d: %zu columns, expected %d (or %d with the "
                        "seed)", rd->path, rec->line, rec->n, k + 3, k + 4);
    rd->n_cols = rec->n;
    return grow(rd, err); /* the arrays exist from the header on, the seeds' if it has them */
}

/* Room for one more row. */
static bk_status grow(reader *rd, bk_error *err)
{
    bk_posterior_table *t = rd->t;
    if (t->n < rd->cap)
        return BK_OK;
    if (t->n >= MAX_PARTICLES)
        return bki_fail(err, BK_ERR_TOO_LARGE, "%s: more than %d particles", rd->path,
                        MAX_PARTICLES);
    int cap = rd->cap ? 2 * rd->cap : 256;
    size_t k = (size_t)t->k;
    double *w = bki_realloc(t->w, (size_t)cap * sizeof *w);
    if (w)
        t->w = w;
    double *th = w ? bki_realloc(t->theta, (size_t)cap * (k ? k : 1) * sizeof *th) : NULL;
    if (th)
        t->theta = th;
    uint64_t *sd = th && seeded(rd) ? bki_realloc(t->seed, (size_t)cap * sizeof *sd) : NULL;
    if (sd)
        t->seed = sd;
    if (!w || !th || (seeded(rd) && !sd))
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    rd->cap = cap;
    return BK_OK;
}

static bk_status read_record(void *ud, const bk_csv_record *rec, bk_error *err)
{
    reader *rd = ud;
    if (rd->n_cols == 0)
        return read_header(rd, rec, err);
    if (rec->n == 1 && rec->fields[0][0] == '\0') /* a blank line */
        return BK_OK;
    if (rec->n != rd->n_cols)
        return bki_fail(err, BK_ERR_VALUE, "%s:%d: %zu columns where the header has %zu",
                        rd->path, rec->line, rec->n, rd->n_cols);
    bk_status st = grow(rd, err);
    if (st != BK_OK)
        return st;
    bk_posterior_table *t = rd->t;
    int k = t->k, n = t->n;
    for (int col = 0; col < (int)rec->n; col++) {
        const char *f = rec->fields[col];
        char *end = NULL;
        bool seed = col == k + 3; /* the particle's seed, a whole number */
        bool ok;
        double v = 0;
        if (seed) {
            errno = 0;
            unsigned long long s = strtoull(f, &end, 10);
            ok = errno == 0 && isdigit((unsigned char)*f) && *end == '\0';
            t->seed[n] = (uint64_t)s;
        } else {
            v = strtod(f, &end);
            ok = end != f && *end == '\0' && isfinite(v) && !(col == 1 && v < 0);
        }
        if (!ok)
            return bki_fail(err, BK_ERR_VALUE, "%s:%d: column %d: expected a %s", rd->path,
                            rec->line, col + 1, seed ? "seed (a whole number)"
                            : col == 1 ? "non-negative number" : "number");
        if (col == 1)
            t->w[n] = v;
        else if (col >= 3 && !seed)
            t->theta[(size_t)n * (size_t)k + (size_t)(col - 3)] = v;
    }
    t->n++;
    return BK_OK;
}

/* Contract in blockade/calibrate.h. */
void bk_posterior_table_free(bk_posterior_table *t)
{
    if (t == NULL)
        return;
    bki_free(t->w);
    bki_free(t->theta);
    bki_free(t->seed);
    memset(t, 0, sizeof *t);
}

/* The file at path, or (path NULL) the bytes text[0 .. len) named `name`. */
static bk_status read_posterior(const char *path, const char *text, size_t len, const char *name,
                                const bk_calib_spec *spec, bk_posterior_table *out,
                                bk_error *err)
{
    if (out == NULL)
        return bki_fail(err, BK_ERR_USAGE, "bk_abc_read_posterior: out is NULL");
    memset(out, 0, sizeof *out);
    if (name == NULL || spec == NULL || (path == NULL && text == NULL && len))
        return bki_fail(err, BK_ERR_USAGE, "bk_abc_read_posterior: NULL argument");
    out->k = spec->n_params;
    reader rd = {.path = name, .spec = spec, .t = out};
    bk_status st = path ? bki_csv_read_file(path, 0, read_record, &rd, NULL, err)
                        : bki_csv_read_bytes(text ? text : "", len, name, 0, read_record, &rd,
                                             NULL, err);
    if (st == BK_OK && rd.n_cols == 0)
        st = bki_fail(err, BK_ERR_SCHEMA, "%s:1: empty file: expected the header particle, "
                      "weight, distance, then the parameters", name);
    if (st != BK_OK)
        bk_posterior_table_free(out);
    return st;
}

/* Contract in blockade/calibrate.h. */
bk_status bk_abc_read_posterior_csv(const char *path, const bk_calib_spec *spec,
                                    bk_posterior_table *out, bk_error *err)
{
    return read_posterior(path, NULL, 0, path, spec, out, err);
}

/* Contract in blockade/calibrate.h. */
bk_status bk_abc_read_posterior_string(const char *text, size_t len, const char *name,
                                       const bk_calib_spec *spec, bk_posterior_table *out,
                                       bk_error *err)
{
    return read_posterior(NULL, text, len, name, spec, out, err);
}
