/* fuzz_levers.c: the optimiser's inputs, the same bytes read as a lever file (checked against
 * the test scenario) and as an objective file. */
#include <stdint.h>
#include <stdlib.h>

#include "blockade/blockade.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const bk_scenario *base = fuzz_test_scenario();
    bk_error err;
    bk_levers *lv = NULL;
    if (bk_levers_load_string((const char *)data, size, "levers.yaml", base, &lv, &err) == BK_OK)
        bk_levers_free(lv);
    bk_objective *obj = NULL;
    if (bk_objective_load_string((const char *)data, size, "objective.yaml", &obj, &err) == BK_OK)
        bk_objective_free(obj);
    return 0;
}
