/* fuzz_events.c: the observed-event importer (ACLED current and old, UCDP GED, placed events),
 * then placing the events on the test scenario's roads and writing them back. The input is read
 * twice, in the reader's usual chunks and in chunks of 4 to 35 bytes: the two must agree (status,
 * message, events), whatever characters and quoted fields the chunk boundaries cut. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockade/blockade.h"
#include "engine/csv.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The events as CSV (placed or not), or NULL. */
static char *write_all(const bk_events *ev)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    bk_events_write_csv_header(f);
    for (size_t i = 0; i < bk_events_count(ev); i++)
        bk_event_write_csv(bk_events_get(ev, i), f);
    fclose(f);
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bk_events *ev = NULL, *small = NULL;
    bk_error err, err2;
    memset(&err, 0, sizeof err);
    memset(&err2, 0, sizeof err2);
    bk_status st = bk_events_read_string((const char *)data, size, "events.csv", NULL, &ev, &err);
    size_t saved = bki_csv_chunk_bytes;
    bki_csv_chunk_bytes = 4 + size % 32;
    bk_status st2 = bk_events_read_string((const char *)data, size, "events.csv", NULL, &small,
                                          &err2);
    bki_csv_chunk_bytes = saved;
    if (st != st2 || (st != BK_OK && strcmp(err.message, err2.message) != 0)) {
        fprintf(stderr, "chunk %zu: '%s' against '%s'\n", 4 + size % 32, err2.message,
                err.message);
        abort();
    }
    if (st == BK_OK) {
        bk_events_place(ev, fuzz_test_scenario());
        bk_events_place(small, fuzz_test_scenario());
        char *a = write_all(ev), *b = write_all(small);
        if (a && b && strcmp(a, b) != 0)
            abort();
        free(a);
        free(b);
        FILE *f = fopen("/dev/null", "w");
        if (f) {
            bk_events_write_csv(ev, f);
            fclose(f);
        }
    }
    bk_events_free(ev);
    bk_events_free(small);
    return 0;
}
