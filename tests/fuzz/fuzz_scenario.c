/* fuzz_scenario.c: the scenario loader (YAML and JSON), then describe and hash on success. */
#include <stdint.h>
#include <stdio.h>

#include "blockade/blockade.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the first byte picks the syntax the name announces: odd for JSON ('#', '{'), even for
     * YAML; the seed corpus's yaml-* files open with a newline so that they are read as YAML */
    const char *name = size > 0 && (data[0] & 1) ? "fuzz.json" : "fuzz.yaml";
    bk_scenario *sc = NULL;
    bk_error err;
    if (bk_scenario_load_string((const char *)data, size, name, &sc, &err) == BK_OK) {
        char hex[65];
        bk_scenario_hash(sc, hex);
        FILE *f = fopen("/dev/null", "w");
        if (f) {
            bk_scenario_describe(sc, f);
            fclose(f);
        }
        bk_scenario_free(sc);
    }
    return 0;
}
