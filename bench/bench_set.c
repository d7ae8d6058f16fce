/* bench_set.c: the per-particle (per-setting) cost of giving a scenario new parameter values:
 * before, printing them into a policy, rewriting the YAML text and loading it again
 * (bk_policy_apply_text); after, copying the loaded scenario and setting the values exactly
 * (bk_scenario_clone + bk_scenario_set). On the embedded default scenario, 3 values a particle.
 * Prints one line of figures: microseconds per particle for each route and their ratio. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "blockade/ensemble.h"
#include "blockade/scenario.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200;
    bk_scenario *base = NULL;
    bk_error err;
    if (n <= 0 || bk_scenario_load_default(&base, &err) != BK_OK)
        return 1;
    double t0 = now();
    for (int i = 0; i < n; i++) {
        char text[256];
        int len = snprintf(text, sizeof text,
                           "name: p\nset:\n  fleet.fear_per_attack: %.9g\n"
                           "  policy.convoy.escort_per_convoy: %d\n"
                           "  corridors.dakar_north.escort.units: %d\n",
                           0.1 + 0.001 * i, 3 + i % 2, 3 + i % 3);
        bk_policy *p = NULL;
        bk_scenario *sc = NULL;
        if (bk_policy_load_string(text, (size_t)len, "p", &p, &err) != BK_OK ||
            bk_policy_apply_text(p, base, &sc, NULL, &err) != BK_OK) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        bk_scenario_free(sc);
        bk_policy_free(p);
    }
    double t1 = now();
    for (int i = 0; i < n; i++) {
        bk_scenario *sc = NULL;
        if (bk_scenario_clone(base, &sc, &err) != BK_OK ||
            bk_scenario_set(sc, "fleet.fear_per_attack", 0.1 + 0.001 * i, &err) != BK_OK ||
            bk_scenario_set(sc, "policy.convoy.escort_per_convoy", 3 + i % 2, &err) != BK_OK ||
            bk_scenario_set(sc, "corridors.dakar_north.escort.units", 3 + i % 3, &err) != BK_OK) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        bk_scenario_free(sc);
    }
    double t2 = now();
    double before = 1e6 * (t1 - t0) / n, after = 1e6 * (t2 - t1) / n;
    printf("bench_set particles=%d settings=3 reparse_us=%.1f clone_set_us=%.1f ratio=%.1f\n", n,
           before, after, before / after);
    bk_scenario_free(base);
    return 0;
}
