/* observed.h (internal): what the calibration modules share: CSV reading with libcsv, the
 * random-stream purposes of calibration, a parallel loop, and the scenario's start as a day
 * number. The public side is blockade/calibrate.h.
 */
#ifndef BK_ANALYSIS_OBSERVED_H
#define BK_ANALYSIS_OBSERVED_H

#include "engine/file.h"
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockade/calibrate.h"
#include "engine/status_internal.h"

/* Random-stream purposes of calibration (frozen: changing one changes every result). They are
 * far from the model's own purposes (engine/rng.h) so that no stream is shared. */
enum {
    BK_RNG_OBS_REPORT = 2001,   /* which simulated attacks are reported */
    BK_RNG_OBS_TRUTH = 2002,    /* true values of aggregates under measurement error */
    BK_RNG_ABC = 2003,          /* proposals of ABC-SMC, per (generation, attempt) */
    BK_RNG_SENS = 2004          /* Morris and Saltelli designs */
};

/* A CSV record: fields[0..n-1] are NUL-terminated, valid until the callback returns. */
typedef struct bk_csv_record {
    char **fields;
    size_t n;
    int line;                   /* line where the record starts */
} bk_csv_record;

/* Called for each record (the header first). A non-OK status stops the reading with it (the
 * callback fills err). */
typedef bk_status (*bk_csv_record_fn)(void *ud, const bk_csv_record *rec, bk_error *err);

/* Parse CSV bytes (BOM skipped, LF or CRLF, quoted fields) and call fn per record. Rejects NUL
 * bytes and invalid UTF-8 (BK_ERR_SYNTAX with the line), inputs above max_bytes
 * (BK_ERR_TOO_LARGE). Messages start with "name:line: ". */
bk_status bk_csv_parse(const char *text, size_t len, const char *name, unsigned long long max_bytes,
                       bk_csv_record_fn fn, void *ud, bk_error *err);

/* Reading a whole file with a size limit: bk_read_whole_file (engine/file.h). */


/* The scenario's start date as a day number. */
long bk_cal_start_day(const bk_scenario *sc);

/* Run fn(ctx, item) for item 0..n-1 on `threads` threads (0: every processor). Items are taken
 * in increasing order; the first failure (lowest item among those run) is returned, and later
 * items may be skipped. *cancel (may be NULL) stops the loop with BK_ERR_INTERRUPTED. */
typedef bk_status (*bk_par_fn)(void *ctx, uint64_t item, bk_error *err);
bk_status bk_par_for(uint64_t n, int threads, bk_par_fn fn, void *ctx,
                     const volatile sig_atomic_t *cancel, bk_error *err);

/* Online processors, at least 1. */
int bk_cal_cpus(void);

#endif
