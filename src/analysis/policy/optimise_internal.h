/* optimise_internal.h: the state shared by the optimiser's parts: the candidates and the
 * result (optimise.c: evaluation on common random numbers and the run; optimise_search.c: the
 * pattern search and NLopt; optimise_select.c: ranking and selection, validation;
 * optimise_output.c: the table, CSV and JSON). Not part of the API. */
#ifndef BK_ANALYSIS_OPTIMISE_INTERNAL_H
#define BK_ANALYSIS_OPTIMISE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis/policy/levers.h"
#include "engine/status_internal.h"

/* Fresh replications for the final check start here, far from the search's. */
#define VALIDATION_FIRST_REP 1000000000ULL

/* Resamples of the paired bootstrap of the final CVaR difference (docs/optimise.md). */
#define BOOTSTRAP_RESAMPLES 2000

typedef struct cand {
    double *x, *y;        /* defender's and armed group's lever values (y NULL: today's) */
    char *label;          /* "dakar_north.escort.units 4, ..." (the defender's) */
    char *alabel;         /* the armed group's, or "" */
    double *h;            /* first-stage harm per replication [reps] */
    double score;         /* mean or CVaR of h */
    double mean;
    double cost;
    int stage;            /* 0 defender search, 1 best response */
} cand;

struct bk_optimise {
    char *scenario_name;
    char sha[65];
    uint64_t seed, reps, n2;
    int days;
    bool cvar;
    double level, delta, pcs;
    bool delta_auto;
    bool capped;          /* a second stage was cut by max_replications */
    cand *c;
    int n, cap;
    int i_default;        /* the default (base values) against today's group */
    int i_today;          /* the choice against today's group */
    int i_robust;         /* the choice against each one's best response; -1 without adversary */
    int *finalists, n_fin;
    int *br;              /* [n_fin]: index of each finalist's best response candidate */
    double *stage2_today, *stage2_robust; /* means over all N replications, per finalist */
    bk_optimise_summary sum;
    double today_score_default, today_score_choice;
    int evals;
    uint64_t runs;
    char *trace;          /* the search's convergence: one line per accepted move */
    size_t trace_len;
    FILE *trace_f;
};

typedef struct ctx {
    const bk_scenario *base;
    const bk_levers *lv;
    const bk_objective *obj;
    const bk_optimise_config *cfg;
    bk_optimise *o;
    bk_error *err;
} ctx;

/* optimise.c */
double *opt_dup_vec(const double *v, int n);
bk_status opt_make_scenario(const ctx *c, const double *x, const double *y, bk_scenario **out);
void opt_harm_of(const ctx *c, const double *vals, uint64_t reps, double cost, double *h);
bk_status opt_eval_batch(ctx *c, double *const *x, double *const *y, int k, int stage, int *idx);

/* optimise_search.c */
/* The pattern search's step at level k for a range (or budget total) w (optimise_search.c). */
double opt_step_at(double w, bool whole, int k);
bk_status opt_start_point(ctx *c, const bk_lever_side *s, double *x);
bk_status opt_run_search(ctx *c, bool adv, const double *start, const double *fixed, int budget,
                         int *best);

/* optimise_select.c */
bk_status opt_harm_reps(ctx *c, const int *idx, int k, uint64_t first, uint64_t n, double *h);
bk_status opt_select_best(ctx *c, const int *idx, int k, double *means, int *sel);
bk_status opt_validate(ctx *c, int i_def, int i_ch, uint32_t entity, double *m, double *lo,
                       double *hi, double *cv, double *cv_lo, double *cv_hi);
void opt_sort_by_score(const bk_optimise *o, int *ord, int m);

#endif
