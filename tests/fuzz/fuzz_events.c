/* fuzz_events.c: the observed-event importer (ACLED current and old, UCDP GED, placed events),
 * then placing the events on the test scenario's roads and writing them back. */
#include <stdint.h>
#include <stdio.h>

#include "blockade/blockade.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bk_events *ev = NULL;
    bk_error err;
    if (bk_events_read_string((const char *)data, size, "events.csv", NULL, &ev, &err) == BK_OK) {
        bk_events_place(ev, fuzz_test_scenario());
        FILE *f = fopen("/dev/null", "w");
        if (f) {
            bk_events_write_csv(ev, f);
            fclose(f);
        }
        bk_events_free(ev);
    }
    return 0;
}
