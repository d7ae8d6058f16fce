/* fuzz_posterior.c: the posterior.csv reader (`--posterior`), for a spec of two parameters. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "blockade/blockade.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char spec_text[] =
    "parameters:\n"
    "  - {path: fleet.fear_per_attack, prior: uniform, low: 0.05, high: 0.6}\n"
    "  - {path: observation.report_prob, prior: uniform, low: 0.5, high: 1.0}\n";

static volatile uint64_t sink; /* the seeds are read, not optimised away */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bk_calib_spec *spec;
    bk_error err;
    if (spec == NULL &&
        bk_calib_spec_load_string(spec_text, strlen(spec_text), "spec.yaml", &spec, &err) != BK_OK)
        __builtin_trap();
    bk_posterior_table t;
    if (bk_abc_read_posterior_string((const char *)data, size, "posterior.csv", spec, &t, &err) ==
        BK_OK) {
        for (int i = 0; i < t.n; i++) { /* every value read (ASan: the arrays hold n rows) */
            if (!(isfinite(t.w[i]) && t.w[i] >= 0))
                __builtin_trap();
            for (int j = 0; j < t.k; j++)
                if (!isfinite(t.theta[(size_t)i * (size_t)t.k + (size_t)j]))
                    __builtin_trap();
            if (t.seed)
                sink = t.seed[i];
        }
        bk_posterior_table_free(&t);
    } else if (t.w != NULL || t.theta != NULL || t.seed != NULL) { /* nothing half-read */
        __builtin_trap();
    }
    return 0;
}
