/* fuzz_policy.c: a policy file read and applied to the test scenario (the policy patch path:
 * parse, replace nodes, emit, load with every check). */
#include <stdint.h>
#include <stdlib.h>

#include "blockade/blockade.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const bk_scenario *base = fuzz_test_scenario();
    bk_policy *p = NULL;
    bk_error err;
    if (bk_policy_load_string((const char *)data, size, "policy.yaml", &p, &err) == BK_OK) {
        bk_scenario *sc = NULL;
        if (bk_policy_apply(p, base, &sc, &err) == BK_OK)
            bk_scenario_free(sc);
        bk_policy_free(p);
    }
    return 0;
}
