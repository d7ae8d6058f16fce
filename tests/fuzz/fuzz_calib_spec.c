/* fuzz_calib_spec.c: the calibration spec reader (parameters, priors, observations). */
#include <stdint.h>

#include "blockade/blockade.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bk_calib_spec *spec = NULL;
    bk_error err;
    if (bk_calib_spec_load_string((const char *)data, size, "spec.yaml", &spec, &err) == BK_OK)
        bk_calib_spec_free(spec);
    return 0;
}
