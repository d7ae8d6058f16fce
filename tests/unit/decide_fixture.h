/* decide_fixture.h: shared by test_decide.c (the analyses), test_report_decide.c (their page)
 * and test_optimise_steps.c (the search): a small optimisation and vulnerability analysis of a
 * scenario, quick enough for a unit test. */
#ifndef BK_DECIDE_FIXTURE_H
#define BK_DECIDE_FIXTURE_H

#include <string.h>

#include "blockade/blockade.h"
#include "blockade/decide.h"

/* Optimise sc with cfg over the levers of the text `levers` against the objective of the text
 * `objective` (NULL: the default one). The result in *out (free with bk_optimise_free); the
 * status of the first step that failed, its message in err. */
static inline bk_status optimise_texts(const bk_scenario *sc, const char *levers,
                                       const char *objective, const bk_optimise_config *cfg,
                                       bk_optimise **out, bk_error *err)
{
    bk_levers *lv = NULL;
    bk_objective *obj = NULL;
    *out = NULL;
    bk_status st = bk_levers_load_string(levers, strlen(levers), "l.yaml", sc, &lv, err);
    if (st == BK_OK)
        st = objective ? bk_objective_load_string(objective, strlen(objective), "o.yaml", &obj,
                                                  err)
                       : bk_objective_default(&obj, err);
    if (st == BK_OK)
        st = bk_optimise_run(sc, lv, obj, cfg, out, err);
    bk_objective_free(obj);
    bk_levers_free(lv);
    return st;
}

/* The settings of an optimisation in small: 6 to 12 replications of 30 days, 8 evaluations, 3
 * of the adversary, 2 finalists, on `threads` threads. */
static inline bk_optimise_config small_optimise_config(const bk_scenario *sc, int threads)
{
    bk_optimise_config cfg;
    bk_optimise_config_init(&cfg, sc);
    cfg.replications = 6;
    cfg.max_replications = 12;
    cfg.days = 30;
    cfg.max_evals = 8;
    cfg.adversary_evals = 3;
    cfg.finalists = 2;
    cfg.threads = threads;
    return cfg;
}

/* optimise_texts with small_optimise_config. */
static inline bk_status small_optimise(const bk_scenario *sc, const char *levers,
                                       const char *objective, int threads, bk_optimise **out,
                                       bk_error *err)
{
    bk_optimise_config cfg = small_optimise_config(sc, threads);
    return optimise_texts(sc, levers, objective, &cfg, out, err);
}

/* A vulnerability analysis of sc with `replications` each, the `simulate` first items simulated,
 * on `threads` threads, over `days` days (0: the scenario's horizon). The result in *out (free
 * with bk_vulnerability_free). */
static inline bk_status small_vulnerability(const bk_scenario *sc, int replications, int simulate,
                                            int threads, int days, bk_vulnerability **out,
                                            bk_error *err)
{
    bk_vuln_config cfg;
    bk_vuln_config_init(&cfg, sc);
    cfg.replications = replications;
    cfg.simulate = simulate;
    cfg.threads = threads;
    if (days > 0)
        cfg.days = days;
    return bk_vulnerability_run(sc, &cfg, out, err);
}

#endif
