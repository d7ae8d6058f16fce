/* fuzz_aggregates.c: the aggregate importer (monthly and weekly published figures). */
#include <stdint.h>

#include "blockade/blockade.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bk_aggregates *ag = NULL;
    bk_error err;
    if (bk_aggregates_read_string((const char *)data, size, "agg.csv", &ag, &err) == BK_OK) {
        for (size_t i = 0; i < bk_aggregates_count(ag); i++)
            (void)bk_aggregates_get(ag, i);
        bk_aggregates_free(ag);
    }
    return 0;
}
