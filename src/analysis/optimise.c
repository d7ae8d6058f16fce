/* optimise.c: the search for the best use of the defender's levers, against today's armed group
 * and against the group's best response (docs/optimise.md).
 *
 * Every candidate is simulated on the same replications (common random numbers), so the
 * sample-average harm is a deterministic function of the levers and differences between
 * candidates are paired. The discrete search (whole-number levers under budgets, choices) is a
 * pattern search written here: moves of a step of units between two levers of a budget, a step
 * up or down for a lever alone, every other choice; the best move is taken while it lowers the
 * harm, else the step is halved down to one unit. Continuous levers outside budgets are searched
 * with NLopt's Subplex (LN_SBPLX, derivative-free, bounded). The armed group's best response to
 * a defender policy is the same search run to raise the harm. The final choice among the best
 * candidates is a two-stage indifference-zone selection for common random numbers with a
 * Bonferroni bound (Clark and Yang 1986; Nelson and Matejcik 1995), and both choices are then
 * checked against the default on fresh replications. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <nlopt.h>

#include "engine/alloc.h"
#include "analysis/crn.h"
#include "analysis/levers.h"
#include "analysis/metrics.h"
#include "engine/status_internal.h"
#include "output/format.h"
#include "scenario/scenario.h"
#include "scenario/schema.h"

/* Fresh replications for the final check start here, far from the search's. */
#define VALIDATION_FIRST_REP 1000000000ULL

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

/* Contract in blockade/decide.h. */
void bk_optimise_config_init(bk_optimise_config *cfg, const bk_scenario *sc)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->seed = sc ? bk_scenario_seed(sc) : 0;
    cfg->replications = 100;
    cfg->max_evals = 80;
    cfg->adversary_evals = 30;
    cfg->finalists = 4;
    cfg->pcs = 0.95;
}

static char *label_of(const bk_lever_side *s, const double *x)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    for (int i = 0; x && i < s->n; i++) {
        char v[128];
        bk_lever_value_text(&s->lv[i], x[i], v, sizeof v);
        const char *p = s->lv[i].path;
        /* drop the section word: "corridors.dakar_north.escort.units" -> "dakar_north.escort.units" */
        const char *dot = strchr(p, '.');
        fprintf(f, "%s%s %s", i ? ", " : "", dot && strchr(dot + 1, '.') ? dot + 1 : p,
                x[i] < 0 && s->lv[i].kind == BK_LV_CHOICE ? "(as today)" : v);
    }
    if (fclose(f) != 0) {
        bk_free(text);
        return NULL;
    }
    return text;
}

static double score_of(const ctx *c, const double *h, uint64_t n)
{
    if (!c->obj->cvar) {
        long double s = 0;
        for (uint64_t r = 0; r < n; r++)
            s += h[r];
        return (double)(s / (long double)n);
    }
    /* CVaR at level a: the mean of the worst ceil((1 - a) n) replications */
    double *t = bk_malloc((size_t)n * sizeof *t);
    if (!t)
        return NAN;
    memcpy(t, h, (size_t)n * sizeof *t);
    for (uint64_t i = 1; i < n; i++) { /* insertion sort, descending: n is a few hundred */
        double v = t[i];
        uint64_t j = i;
        while (j > 0 && t[j - 1] < v) {
            t[j] = t[j - 1];
            j--;
        }
        t[j] = v;
    }
    uint64_t k = (uint64_t)ceil((1.0 - c->obj->level) * (double)n - 1e-9);
    if (k < 1)
        k = 1;
    long double s = 0;
    for (uint64_t i = 0; i < k; i++)
        s += t[i];
    bk_free(t);
    return (double)(s / (long double)k);
}

static double cost_of(const bk_lever_side *s, const double *x)
{
    double cost = 0;
    for (int i = 0; i < s->n; i++)
        if (s->lv[i].kind != BK_LV_CHOICE)
            cost += s->lv[i].cost * x[i];
    return cost;
}

/* The base scenario with the values x (defender) and y (armed group, may be NULL) set. */
static bk_status make_scenario(const ctx *c, const double *x, const double *y,
                               bk_scenario **out)
{
    bk_status st = bk_scenario_clone(c->base, out, c->err);
    for (int side = 0; side < 2 && st == BK_OK; side++) {
        const bk_lever_side *s = side ? &c->lv->adv : &c->lv->def;
        const double *v = side ? y : x;
        for (int i = 0; v && i < s->n && st == BK_OK; i++) {
            if (s->lv[i].kind == BK_LV_CHOICE && v[i] < 0)
                continue; /* as in the base */
            char buf[128];
            bk_lever_value_text(&s->lv[i], v[i], buf, sizeof buf);
            st = bk_scenario_set_text(*out, s->lv[i].path, buf, c->err);
        }
    }
    if (st != BK_OK) {
        bk_scenario_free(*out);
        *out = NULL;
    }
    return st;
}

static bool same(const double *a, const double *b, int n)
{
    if (!a || !b)
        return a == b || n == 0;
    for (int i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

static int find_cand(const ctx *c, const double *x, const double *y)
{
    const bk_optimise *o = c->o;
    for (int i = 0; i < o->n; i++)
        if (same(o->c[i].x, x, c->lv->def.n) && same(o->c[i].y, y, c->lv->adv.n))
            return i;
    return -1;
}

static double *dup_vec(const double *v, int n)
{
    if (!v)
        return NULL;
    double *d = bk_malloc((size_t)(n > 0 ? n : 1) * sizeof *d);
    if (d && n > 0)
        memcpy(d, v, (size_t)n * sizeof *d);
    return d;
}

/* Per-replication harm of metric rows vals[r * nt ...] plus the levers' cost. */
static void harm_of(const ctx *c, const double *vals, uint64_t reps, double cost, double *h)
{
    int nt = bk_n_total_metrics;
    for (uint64_t r = 0; r < reps; r++) {
        const double *v = vals + r * (size_t)nt;
        double s = c->obj->cost_w * cost;
        for (int i = 0; i < c->obj->n; i++)
            s += c->obj->w[i] * v[c->obj->metric[i]];
        h[r] = s;
    }
}

/* Simulate the candidates (x[k], y[k]) not yet evaluated, on replications 0..reps-1, all in one
 * batch; idx[k] gets each one's index in o->c. */
static bk_status eval_batch(ctx *c, double *const *x, double *const *y, int k, int stage,
                            int *idx)
{
    bk_optimise *o = c->o;
    int nt = bk_n_total_metrics;
    uint64_t R = o->reps;
    const bk_scenario **scs = bk_calloc((size_t)k + 1, sizeof *scs);
    int *newi = bk_calloc((size_t)k + 1, sizeof *newi);
    if (!scs || !newi) {
        bk_free((void *)scs);
        bk_free(newi);
        return bk_fail(c->err, BK_ERR_NOMEM, "out of memory");
    }
    int m = 0;
    bk_status st = BK_OK;
    for (int j = 0; j < k && st == BK_OK; j++) {
        idx[j] = find_cand(c, x[j], y ? y[j] : NULL);
        for (int q = 0; idx[j] == -1 && q < j; q++) /* the same candidate twice in the batch */
            if (same(x[q], x[j], c->lv->def.n) && same(y ? y[q] : NULL, y ? y[j] : NULL, c->lv->adv.n))
                idx[j] = -2 - q;
        if (idx[j] != -1)
            continue;
        if (o->n == o->cap) {
            int nc = o->cap ? 2 * o->cap : 64;
            cand *t = bk_realloc(o->c, (size_t)nc * sizeof *t);
            if (!t) {
                st = bk_fail(c->err, BK_ERR_NOMEM, "out of memory");
                break;
            }
            o->c = t;
            o->cap = nc;
        }
        cand *cd = &o->c[o->n];
        memset(cd, 0, sizeof *cd);
        cd->x = dup_vec(x[j], c->lv->def.n);
        cd->y = y && y[j] ? dup_vec(y[j], c->lv->adv.n) : NULL;
        cd->label = label_of(&c->lv->def, x[j]);
        cd->alabel = label_of(&c->lv->adv, y ? y[j] : NULL);
        cd->h = bk_calloc((size_t)R, sizeof *cd->h);
        cd->cost = cost_of(&c->lv->def, x[j]);
        cd->stage = stage;
        o->n++;
        if (!cd->x || (y && y[j] && !cd->y) || !cd->label || !cd->alabel || !cd->h) {
            st = bk_fail(c->err, BK_ERR_NOMEM, "out of memory");
            break;
        }
        bk_scenario *sc = NULL;
        st = make_scenario(c, x[j], y ? y[j] : NULL, &sc);
        scs[m] = sc;
        newi[m++] = o->n - 1;
        idx[j] = o->n - 1;
    }
    if (st == BK_OK && m > 0) {
        double *vals = bk_malloc((size_t)m * R * (size_t)nt * sizeof *vals);
        if (!vals) {
            st = bk_fail(c->err, BK_ERR_NOMEM, "out of memory");
        } else {
            bk_crn_config cc = {.seed = o->seed, .reps = R, .days = c->cfg->days,
                                .threads = c->cfg->threads, .cancel = c->cfg->cancel,
                                .progress = c->cfg->progress, .progress_ud = c->cfg->progress_ud};
            st = bk_crn_eval(scs, m, &cc, vals, c->err);
            for (int j = 0; st == BK_OK && j < m; j++) {
                cand *cd = &o->c[newi[j]];
                harm_of(c, vals + (size_t)j * R * (size_t)nt, R, cd->cost, cd->h);
                cd->score = score_of(c, cd->h, R);
                long double s = 0;
                for (uint64_t r = 0; r < R; r++)
                    s += cd->h[r];
                cd->mean = (double)(s / (long double)R);
            }
            o->evals += m;
            o->runs += (uint64_t)m * R;
            bk_free(vals);
        }
    }
    for (int j = 0; j < k; j++)
        if (idx[j] <= -2)
            idx[j] = idx[-2 - idx[j]];
    for (int j = 0; j < m; j++)
        bk_scenario_free((bk_scenario *)(uintptr_t)scs[j]);
    bk_free((void *)scs);
    bk_free(newi);
    return st;
}

/* ---- the search --------------------------------------------------------------------------- */

typedef struct search {
    ctx *c;
    const bk_lever_side *s;
    bool adv;             /* searching the armed group's levers (maximise the harm) */
    const double *fixed;  /* the other side's values */
    int budget_evals;
    int used;
    int best;             /* index in o->c */
    bk_status st;
} search;

/* Harm as the searching side sees it: lower is better. */
static double seen(const search *sr, int i)
{
    return sr->adv ? -sr->c->o->c[i].score : sr->c->o->c[i].score;
}

static bk_status eval_points(search *sr, double **pts, int k, int *idx)
{
    double **xs = bk_calloc((size_t)k + 1, sizeof *xs), **ys = bk_calloc((size_t)k + 1, sizeof *ys);
    if (!xs || !ys) {
        bk_free(xs);
        bk_free(ys);
        return bk_fail(sr->c->err, BK_ERR_NOMEM, "out of memory");
    }
    for (int j = 0; j < k; j++) {
        xs[j] = sr->adv ? (double *)(uintptr_t)sr->fixed : pts[j];
        ys[j] = sr->adv ? pts[j] : (double *)(uintptr_t)sr->fixed;
    }
    int before = sr->c->o->evals;
    bk_status st = eval_batch(sr->c, xs, ys, k, sr->adv ? 1 : 0, idx);
    sr->used += sr->c->o->evals - before;
    bk_free(xs);
    bk_free(ys);
    return st;
}

/* Step of lever (or budget) with range w at level k: a quarter of the range, halved k times;
 * whole numbers at least 1. */
static double step_at(double w, bool whole, int k)
{
    double s = w / 4.0 / ldexp(1.0, k);
    if (whole)
        s = s < 1.0 ? 1.0 : floor(s);
    return s;
}

/* Neighbours of p at level k into pts (allocated here); returns their number. */
static int neighbours(const bk_lever_side *s, const double *p, int k, double ***pts)
{
    int n = s->n, cap = 16, m = 0;
    double **v = bk_malloc((size_t)cap * sizeof *v);
    if (!v)
        return -1;
#define PUSH(q)                                                                            \
    do {                                                                                   \
        if (m == cap) {                                                                    \
            cap *= 2;                                                                      \
            double **t_ = bk_realloc(v, (size_t)cap * sizeof *v);                             \
            if (!t_) {                                                                     \
                bk_free(q);                                                                   \
                for (int z_ = 0; z_ < m; z_++)                                             \
                    bk_free(v[z_]);                                                           \
                bk_free(v);                                                                   \
                return -1;                                                                 \
            }                                                                              \
            v = t_;                                                                        \
        }                                                                                  \
        v[m++] = (q);                                                                      \
    } while (0)
    for (int b = 0; b < s->nb; b++) {
        const bk_budget *bg = &s->b[b];
        bool whole = true;
        for (int i = 0; i < bg->n; i++)
            whole = whole && s->lv[bg->levers[i]].kind == BK_LV_INT;
        double st = step_at(bg->total, whole, k);
        for (int i = 0; i < bg->n; i++)
            for (int j = 0; j < bg->n; j++) {
                if (i == j)
                    continue;
                const bk_lever *li = &s->lv[bg->levers[i]], *lj = &s->lv[bg->levers[j]];
                double a = p[bg->levers[i]] + st, d = p[bg->levers[j]] - st;
                if (a > li->hi + 1e-12 || d < lj->lo - 1e-12)
                    continue;
                double *q = dup_vec(p, n);
                if (!q)
                    goto oom;
                q[bg->levers[i]] = a;
                q[bg->levers[j]] = d;
                PUSH(q);
            }
    }
    for (int i = 0; i < n; i++) {
        const bk_lever *l = &s->lv[i];
        if (l->budget >= 0 || l->kind == BK_LV_NUM)
            continue; /* in a budget: moved above; continuous: NLopt */
        if (l->kind == BK_LV_CHOICE) {
            for (int ch = 0; ch < l->n_choices; ch++) {
                if (ch == (int)p[i])
                    continue;
                double *q = dup_vec(p, n);
                if (!q)
                    goto oom;
                q[i] = ch;
                PUSH(q);
            }
            continue;
        }
        double st = step_at(l->hi - l->lo, true, k);
        for (int sg = -1; sg <= 1; sg += 2) {
            double t = p[i] + sg * st;
            if (t < l->lo || t > l->hi)
                continue;
            double *q = dup_vec(p, n);
            if (!q)
                goto oom;
            q[i] = t;
            PUSH(q);
        }
    }
#undef PUSH
    *pts = v;
    return m;
oom:
    for (int z = 0; z < m; z++)
        bk_free(v[z]);
    bk_free(v);
    return -1;
}

/* Is level k the last one (every whole step already 1, continuous budget steps below 1 % of
 * their total)? */
static bool last_level(const bk_lever_side *s, int k)
{
    for (int b = 0; b < s->nb; b++) {
        bool whole = true;
        for (int i = 0; i < s->b[b].n; i++)
            whole = whole && s->lv[s->b[b].levers[i]].kind == BK_LV_INT;
        double st = step_at(s->b[b].total, whole, k);
        if (whole ? st > 1.0 : st > 0.01 * s->b[b].total)
            return false;
    }
    for (int i = 0; i < s->n; i++)
        if (s->lv[i].budget < 0 && s->lv[i].kind == BK_LV_INT
            && step_at(s->lv[i].hi - s->lv[i].lo, true, k) > 1.0)
            return false;
    return true;
}

static void trace(search *sr, const char *what, int i)
{
    FILE *f = sr->c->o->trace_f;
    if (!f)
        return;
    const cand *cd = &sr->c->o->c[i];
    fprintf(f, "%s eval %d: %s %.6g | %s%s%s\n", sr->adv ? "adversary" : "defender",
            sr->c->o->evals, what, cd->score, cd->label, cd->alabel[0] ? " | group: " : "",
            cd->alabel);
}

/* The discrete pattern search from sr->best. */
static void pattern(search *sr)
{
    int k = 0;
    while (sr->st == BK_OK && sr->used < sr->budget_evals) {
        const double *p = sr->adv ? sr->c->o->c[sr->best].y : sr->c->o->c[sr->best].x;
        double *pc = dup_vec(p, sr->s->n);
        double **pts = NULL;
        int m = pc ? neighbours(sr->s, pc, k, &pts) : -1;
        bk_free(pc);
        if (m < 0) {
            sr->st = bk_fail(sr->c->err, BK_ERR_NOMEM, "out of memory");
            return;
        }
        int all = m;
        if (m > sr->budget_evals - sr->used)
            m = sr->budget_evals - sr->used; /* the evaluation budget: the first moves only */
        int *idx = bk_calloc((size_t)m + 1, sizeof *idx);
        if (!idx)
            sr->st = bk_fail(sr->c->err, BK_ERR_NOMEM, "out of memory");
        else if (m > 0)
            sr->st = eval_points(sr, pts, m, idx);
        int best = sr->best;
        for (int j = 0; sr->st == BK_OK && j < m; j++)
            if (seen(sr, idx[j]) < seen(sr, best))
                best = idx[j];
        for (int j = 0; j < all; j++)
            bk_free(pts[j]);
        bk_free(pts);
        bk_free(idx);
        if (sr->st != BK_OK)
            return;
        if (best != sr->best) {
            sr->best = best;
            trace(sr, "move", best);
        } else if (last_level(sr->s, k)) {
            return;
        } else {
            k++;
        }
    }
}

typedef struct nl_ctx {
    search *sr;
    int *map;    /* optimised lever indices */
    int n;
} nl_ctx;

static double nl_f(unsigned n, const double *z, double *grad, void *ud)
{
    (void)grad;
    nl_ctx *nc = ud;
    search *sr = nc->sr;
    if (sr->st != BK_OK || sr->used >= sr->budget_evals)
        return HUGE_VAL;
    const double *p = sr->adv ? sr->c->o->c[sr->best].y : sr->c->o->c[sr->best].x;
    double *q = dup_vec(p, sr->s->n);
    if (!q) {
        sr->st = bk_fail(sr->c->err, BK_ERR_NOMEM, "out of memory");
        return HUGE_VAL;
    }
    for (unsigned i = 0; i < n; i++)
        q[nc->map[i]] = z[i];
    int idx = -1;
    sr->st = eval_points(sr, &q, 1, &idx);
    bk_free(q);
    if (sr->st != BK_OK)
        return HUGE_VAL;
    double v = seen(sr, idx);
    if (v < seen(sr, sr->best)) {
        sr->best = idx;
        trace(sr, "nlopt", idx);
    }
    return v;
}

/* Continuous levers outside budgets: NLopt's Subplex on the sample-average harm (deterministic
 * under common random numbers), the other levers held. */
static void continuous(search *sr)
{
    int map[BK_LEVERS_MAX], n = 0;
    double lo[BK_LEVERS_MAX], hi[BK_LEVERS_MAX], z[BK_LEVERS_MAX], dz[BK_LEVERS_MAX];
    const double *p = sr->adv ? sr->c->o->c[sr->best].y : sr->c->o->c[sr->best].x;
    for (int i = 0; i < sr->s->n; i++) {
        const bk_lever *l = &sr->s->lv[i];
        if (l->kind != BK_LV_NUM || l->budget >= 0)
            continue;
        map[n] = i;
        lo[n] = l->lo;
        hi[n] = l->hi;
        z[n] = p[i] < l->lo ? l->lo : p[i] > l->hi ? l->hi : p[i];
        dz[n] = 0.25 * (l->hi - l->lo);
        n++;
    }
    if (n == 0 || sr->used >= sr->budget_evals)
        return;
    nlopt_opt opt = nlopt_create(NLOPT_LN_SBPLX, (unsigned)n);
    if (!opt) {
        sr->st = bk_fail(sr->c->err, BK_ERR_NOMEM, "out of memory");
        return;
    }
    nl_ctx nc = {sr, map, n};
    nlopt_set_min_objective(opt, nl_f, &nc);
    nlopt_set_lower_bounds(opt, lo);
    nlopt_set_upper_bounds(opt, hi);
    nlopt_set_initial_step(opt, dz);
    nlopt_set_xtol_rel(opt, 1e-3);
    nlopt_set_maxeval(opt, sr->budget_evals - sr->used);
    double f = 0;
    (void)nlopt_optimize(opt, z, &f); /* the best point seen is kept by nl_f */
    nlopt_destroy(opt);
}

/* The start of a side: the base's values; a budget the base does not meet is met by scaling
 * its levers (largest remainders for whole numbers) within their bounds. */
static bk_status start_point(ctx *c, const bk_lever_side *s, double *x)
{
    for (int i = 0; i < s->n; i++) {
        const bk_lever *l = &s->lv[i];
        double v = 0;
        bk_error e2;
        bk_status st = bk_scenario_get_number(c->base, l->path, &v, &e2);
        if (l->kind == BK_LV_CHOICE) {
            x[i] = -1; /* as in the base, unless a choice gives the same value */
            for (int ch = 0; st == BK_OK && ch < l->n_choices; ch++) {
                bk_scenario *t = NULL;
                double w = 0;
                if (bk_scenario_clone(c->base, &t, &e2) != BK_OK)
                    return bk_fail(c->err, BK_ERR_NOMEM, "out of memory");
                if (bk_scenario_set_text(t, l->path, l->choices[ch], &e2) == BK_OK
                    && bk_scenario_get_number(t, l->path, &w, &e2) == BK_OK && w == v)
                    x[i] = ch;
                bk_scenario_free(t);
                if (x[i] >= 0)
                    break;
            }
            continue;
        }
        if (st != BK_OK)
            return bk_fail(c->err, st, "lever '%s': %s", l->path, e2.message);
        x[i] = v < l->lo ? l->lo : v > l->hi ? l->hi : v;
    }
    for (int b = 0; b < s->nb; b++) {
        const bk_budget *bg = &s->b[b];
        double sum = 0;
        for (int i = 0; i < bg->n; i++)
            sum += x[bg->levers[i]];
        if (fabs(sum - bg->total) < 1e-9)
            continue;
        /* scale, clamp, then hand out what is left one step at a time in lever order */
        for (int i = 0; i < bg->n; i++) {
            const bk_lever *l = &s->lv[bg->levers[i]];
            double v = sum > 0 ? x[bg->levers[i]] * bg->total / sum : bg->total / bg->n;
            if (l->kind == BK_LV_INT)
                v = floor(v);
            x[bg->levers[i]] = v < l->lo ? l->lo : v > l->hi ? l->hi : v;
        }
        for (int pass = 0; pass < 100000; pass++) {
            double left = bg->total;
            for (int i = 0; i < bg->n; i++)
                left -= x[bg->levers[i]];
            if (fabs(left) < 1e-9)
                break;
            const bk_lever *l = &s->lv[bg->levers[pass % bg->n]];
            double *v = &x[bg->levers[pass % bg->n]];
            double d = l->kind == BK_LV_INT ? (left > 0 ? 1.0 : -1.0) : left;
            if (*v + d >= l->lo - 1e-12 && *v + d <= l->hi + 1e-12)
                *v += d;
        }
    }
    return BK_OK;
}

/* Run a search of one side from `start`, the other side at `fixed`; *best gets the index of the
 * best candidate found. */
static bk_status run_search(ctx *c, bool adv, const double *start, const double *fixed,
                            int budget, int *best)
{
    search sr = {.c = c, .s = adv ? &c->lv->adv : &c->lv->def, .adv = adv, .fixed = fixed,
                 .budget_evals = budget, .best = -1, .st = BK_OK};
    double *p = dup_vec(start, sr.s->n);
    if (!p)
        return bk_fail(c->err, BK_ERR_NOMEM, "out of memory");
    int idx = -1;
    sr.st = eval_points(&sr, &p, 1, &idx);
    bk_free(p);
    if (sr.st != BK_OK)
        return sr.st;
    sr.best = idx;
    trace(&sr, "start", idx);
    for (int round = 0; round < 2 && sr.st == BK_OK; round++) {
        int before = sr.best;
        pattern(&sr);
        if (sr.st == BK_OK)
            continuous(&sr);
        if (sr.best == before && round > 0)
            break;
    }
    *best = sr.best;
    return sr.st;
}

/* ---- selection and validation --------------------------------------------------------------- */

/* Harm per replication of candidates idx[0..k) on replications first..first+n-1 into h[k][n]. */
static bk_status harm_reps(ctx *c, const int *idx, int k, uint64_t first, uint64_t n, double *h)
{
    bk_optimise *o = c->o;
    int nt = bk_n_total_metrics;
    const bk_scenario **scs = bk_calloc((size_t)k, sizeof *scs);
    double *vals = bk_malloc((size_t)k * n * (size_t)nt * sizeof *vals);
    bk_status st = scs && vals ? BK_OK : bk_fail(c->err, BK_ERR_NOMEM, "out of memory");
    for (int j = 0; j < k && st == BK_OK; j++) {
        bk_scenario *sc = NULL;
        st = make_scenario(c, o->c[idx[j]].x, o->c[idx[j]].y, &sc);
        scs[j] = sc;
    }
    if (st == BK_OK) {
        bk_crn_config cc = {.seed = o->seed, .reps = n, .first_rep = first, .days = c->cfg->days,
                            .threads = c->cfg->threads, .cancel = c->cfg->cancel,
                            .progress = c->cfg->progress, .progress_ud = c->cfg->progress_ud};
        st = bk_crn_eval(scs, k, &cc, vals, c->err);
        o->runs += (uint64_t)k * n;
    }
    for (int j = 0; st == BK_OK && j < k; j++)
        harm_of(c, vals + (size_t)j * n * (size_t)nt, n, o->c[idx[j]].cost, h + (size_t)j * n);
    for (int j = 0; scs && j < k; j++)
        bk_scenario_free((bk_scenario *)(uintptr_t)scs[j]);
    bk_free((void *)scs);
    bk_free(vals);
    return st;
}

/* Two-stage selection of the lowest mean harm among systems idx[0..k) (Clark and Yang 1986;
 * Nelson and Matejcik 1995, for common random numbers): with n0 first-stage replications, the
 * Bonferroni t quantile t = t_{1 - (1 - P*)/(k - 1), n0 - 1} and S2 the largest sample variance
 * of a pairwise difference, N = max(n0, ceil(t^2 S2 / delta^2)) replications of every system
 * give P(correct selection) >= P* when the best is at least delta better than the others. N is
 * capped at max_replications (the guarantee is then weaker: reported). *sel gets the position
 * of the chosen system, means[k] their means over N. */
static bk_status select_best(ctx *c, const int *idx, int k, double *means, int *sel)
{
    bk_optimise *o = c->o;
    uint64_t n0 = o->reps;
    double t = gsl_cdf_tdist_Pinv(1.0 - (1.0 - o->pcs) / (k > 1 ? k - 1 : 1), (double)(n0 - 1));
    double s2 = 0;
    for (int a = 0; a < k; a++)
        for (int b = a + 1; b < k; b++) {
            const double *ha = o->c[idx[a]].h, *hb = o->c[idx[b]].h;
            long double m = 0, q = 0;
            for (uint64_t r = 0; r < n0; r++)
                m += ha[r] - hb[r];
            m /= (long double)n0;
            for (uint64_t r = 0; r < n0; r++) {
                long double d = ha[r] - hb[r] - m;
                q += d * d;
            }
            double v = (double)(q / (long double)(n0 - 1));
            if (v > s2)
                s2 = v;
        }
    double need = ceil(t * t * s2 / (o->delta * o->delta));
    uint64_t cap = c->cfg->max_replications ? c->cfg->max_replications : 10 * n0;
    uint64_t N = need > (double)n0 ? (need > (double)cap ? cap : (uint64_t)need) : n0;
    if (N > o->n2)
        o->n2 = N;
    if (need > (double)cap)
        o->capped = true;
    double *h2 = NULL;
    if (N > n0) {
        h2 = bk_malloc((size_t)k * (N - n0) * sizeof *h2);
        if (!h2)
            return bk_fail(c->err, BK_ERR_NOMEM, "out of memory");
        bk_status st = harm_reps(c, idx, k, n0, N - n0, h2);
        if (st != BK_OK) {
            bk_free(h2);
            return st;
        }
    }
    *sel = 0;
    for (int j = 0; j < k; j++) {
        long double s = 0;
        for (uint64_t r = 0; r < n0; r++)
            s += o->c[idx[j]].h[r];
        for (uint64_t r = 0; r < N - n0; r++)
            s += h2[(size_t)j * (N - n0) + r];
        means[j] = (double)(s / (long double)N);
        if (means[j] < means[*sel])
            *sel = j;
    }
    bk_free(h2);
    return BK_OK;
}

/* Default minus chosen on fresh replications (as many as the selection used): mean and 95 %
 * interval of the paired differences. */
static bk_status validate(ctx *c, int i_def, int i_ch, double *m, double *lo, double *hi)
{
    uint64_t n = c->o->n2; /* as many as the selection's second stage */
    int idx[2] = {i_def, i_ch};
    double *h = bk_malloc(2 * n * sizeof *h), *d = bk_malloc(n * sizeof *d);
    bk_status st = h && d ? BK_OK : bk_fail(c->err, BK_ERR_NOMEM, "out of memory");
    if (st == BK_OK)
        st = harm_reps(c, idx, 2, VALIDATION_FIRST_REP, n, h);
    if (st == BK_OK) {
        for (uint64_t r = 0; r < n; r++)
            d[r] = h[r] - h[n + r];
        bk_crn_mean_ci(d, n, 1, m, lo, hi);
    }
    bk_free(h);
    bk_free(d);
    return st;
}

/* Sort candidate indices by first-stage score, ties by index (insertion sort: a few hundred). */
static void sort_by_score(const bk_optimise *o, int *ord, int m)
{
    for (int i = 1; i < m; i++) {
        int v = ord[i], j = i;
        while (j > 0 && (o->c[ord[j - 1]].score > o->c[v].score
                         || (o->c[ord[j - 1]].score == o->c[v].score && ord[j - 1] > v))) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = v;
    }
}

/* Contract in blockade/decide.h. */
bk_status bk_optimise_run(const bk_scenario *base, const bk_levers *lv, const bk_objective *obj,
                          const bk_optimise_config *cfg, bk_optimise **out, bk_error *err)
{
    *out = NULL;
    if (!base || !lv || !obj || !cfg || cfg->replications < 2 || cfg->max_evals < 1
        || cfg->finalists < 2 || !(cfg->pcs > 0.5 && cfg->pcs < 1))
        return bk_fail(err, BK_ERR_USAGE, "optimise: bad configuration (at least 2 "
                       "replications, 1 evaluation, 2 finalists; P* in (0.5, 1))");
    bk_optimise *o = bk_calloc(1, sizeof *o);
    if (!o)
        return bk_fail(err, BK_ERR_NOMEM, "out of memory");
    size_t nl = strlen(base->name);
    o->scenario_name = bk_malloc(nl + 1);
    o->trace_f = open_memstream(&o->trace, &o->trace_len);
    if (!o->scenario_name || !o->trace_f) {
        bk_optimise_free(o);
        return bk_fail(err, BK_ERR_NOMEM, "out of memory");
    }
    memcpy(o->scenario_name, base->name, nl + 1);
    bk_scenario_hash(base, o->sha);
    o->seed = cfg->seed;
    o->reps = cfg->replications;
    o->n2 = cfg->replications;
    o->days = cfg->days > 0 ? cfg->days : base->days;
    o->cvar = obj->cvar;
    o->level = obj->level;
    o->pcs = cfg->pcs;
    o->i_robust = -1;
    ctx c = {base, lv, obj, cfg, o, err};
    bk_status st = BK_OK;
    int nd = lv->def.n, na = lv->adv.n;
    double *x0 = bk_calloc((size_t)nd + 1, sizeof *x0), *y0 = bk_calloc((size_t)na + 1, sizeof *y0);
    int fin_cap = cfg->finalists + 1;
    o->finalists = bk_calloc((size_t)fin_cap, sizeof *o->finalists);
    o->br = bk_calloc((size_t)fin_cap, sizeof *o->br);
    o->stage2_today = bk_calloc((size_t)fin_cap, sizeof *o->stage2_today);
    o->stage2_robust = bk_calloc((size_t)fin_cap, sizeof *o->stage2_robust);
    if (!x0 || !y0 || !o->finalists || !o->br || !o->stage2_today || !o->stage2_robust)
        st = bk_fail(err, BK_ERR_NOMEM, "out of memory");
    if (st == BK_OK)
        st = start_point(&c, &lv->def, x0);
    if (st == BK_OK && na > 0)
        st = start_point(&c, &lv->adv, y0);
    /* the default exactly as the base scenario is (its values, budgets unmet or not) */
    double *xd = NULL;
    if (st == BK_OK) {
        xd = dup_vec(x0, nd);
        for (int i = 0; xd && i < nd; i++) {
            double v = 0;
            bk_error e2;
            if (lv->def.lv[i].kind != BK_LV_CHOICE
                && bk_scenario_get_number(base, lv->def.lv[i].path, &v, &e2) == BK_OK)
                xd[i] = v;
        }
        if (!xd)
            st = bk_fail(err, BK_ERR_NOMEM, "out of memory");
        double *one[1] = {xd}, *none[1] = {NULL};
        int idx = -1;
        if (st == BK_OK)
            st = eval_batch(&c, one, none, 1, 0, &idx);
        o->i_default = idx;
    }
    int best = -1;
    if (st == BK_OK)
        st = run_search(&c, false, x0, NULL, cfg->max_evals, &best);
    /* finalists: the default and the best others against today's group, by first-stage score */
    if (st == BK_OK) {
        int *ord = bk_malloc((size_t)o->n * sizeof *ord), m = 0;
        if (!ord) {
            st = bk_fail(err, BK_ERR_NOMEM, "out of memory");
        } else {
            for (int i = 0; i < o->n; i++)
                if (o->c[i].stage == 0 && !o->c[i].y)
                    ord[m++] = i;
            sort_by_score(o, ord, m);
            o->finalists[o->n_fin++] = o->i_default;
            for (int j = 0; j < m && o->n_fin < cfg->finalists; j++)
                if (ord[j] != o->i_default)
                    o->finalists[o->n_fin++] = ord[j];
            bk_free(ord);
        }
    }
    /* the indifference zone: given, or 1 % of the default's mean harm */
    if (st == BK_OK) {
        o->delta = obj->indifference;
        if (!(o->delta > 0)) {
            o->delta = 0.01 * fabs(o->c[o->i_default].mean);
            o->delta_auto = true;
            if (!(o->delta > 0))
                o->delta = 1e-9;
        }
    }
    int sel = 0;
    if (st == BK_OK && o->n_fin >= 2)
        st = select_best(&c, o->finalists, o->n_fin, o->stage2_today, &sel);
    if (st == BK_OK)
        o->i_today = o->finalists[sel];
    if (st == BK_OK)
        st = validate(&c, o->i_default, o->i_today, &o->sum.today, &o->sum.today_lo,
                      &o->sum.today_hi);
    o->sum.adapted = o->sum.adapted_lo = o->sum.adapted_hi = NAN;
    /* the armed group's best response to each finalist, then the robust choice */
    if (st == BK_OK && na > 0) {
        for (int j = 0; j < o->n_fin && st == BK_OK; j++) {
            int b = -1;
            st = run_search(&c, true, y0, o->c[o->finalists[j]].x, cfg->adversary_evals, &b);
            o->br[j] = b;
        }
        int rsel = 0;
        if (st == BK_OK)
            st = select_best(&c, o->br, o->n_fin, o->stage2_robust, &rsel);
        if (st == BK_OK) {
            o->i_robust = o->br[rsel];
            st = validate(&c, o->br[0], o->i_robust, &o->sum.adapted, &o->sum.adapted_lo,
                          &o->sum.adapted_hi);
        }
    }
    bk_free(x0);
    bk_free(y0);
    bk_free(xd);
    if (o->trace_f) {
        fclose(o->trace_f);
        o->trace_f = NULL;
    }
    if (st != BK_OK) {
        bk_optimise_free(o);
        return st;
    }
    o->sum.evaluations = o->evals;
    o->sum.replications = o->runs;
    *out = o;
    return BK_OK;
}

void bk_optimise_get_summary(const bk_optimise *o, bk_optimise_summary *out)
{
    *out = o->sum;
}

void bk_optimise_free(bk_optimise *o)
{
    if (!o)
        return;
    for (int i = 0; i < o->n; i++) {
        bk_free(o->c[i].x);
        bk_free(o->c[i].y);
        bk_free(o->c[i].label);
        bk_free(o->c[i].alabel);
        bk_free(o->c[i].h);
    }
    bk_free(o->c);
    bk_free(o->finalists);
    bk_free(o->br);
    bk_free(o->stage2_today);
    bk_free(o->stage2_robust);
    if (o->trace_f)
        fclose(o->trace_f);
    bk_free(o->trace);
    bk_free(o->scenario_name);
    bk_free(o);
}

/* ---- outputs ---------------------------------------------------------------------------- */

static const char *measure_words(const bk_optimise *o, char *buf, size_t cap)
{
    if (o->cvar)
        snprintf(buf, cap, "CVaR at %g (mean of the worst %g %% of replications)", o->level,
                 100.0 * (1.0 - o->level));
    else
        snprintf(buf, cap, "mean");
    return buf;
}

bk_status bk_optimise_write_table(const bk_optimise *o, FILE *out)
{
    char mw[128];
    fprintf(out, "Optimisation of \"%s\": harm = weighted metrics (lower is better), %s; seed "
                 "%llu, %llu replications per candidate on common random numbers.\n",
            o->scenario_name, measure_words(o, mw, sizeof mw), (unsigned long long)o->seed,
            (unsigned long long)o->reps);
    fprintf(out, "%d candidates simulated, %llu runs in all.\n\n", o->evals,
            (unsigned long long)o->runs);
    fputs("Search (each accepted move):\n", out);
    fputs(o->trace ? o->trace : "", out);
    double pcs = o->pcs;
    fprintf(out, "\nSelection among %d finalists (the default included): two-stage "
                 "indifference-zone procedure with common random numbers (Clark-Yang / "
                 "Nelson-Matejcik, Bonferroni), P(correct selection) >= %.2f if the best is %.4g "
                 "better%s; %llu replications each%s.\n",
            o->n_fin, pcs, o->delta, o->delta_auto ? " (1 % of the default's mean harm)" : "",
            (unsigned long long)o->n2,
            o->capped ? " (CAPPED by --max-replications: the guarantee does not hold)" : "");
    fprintf(out, "\n  %-10s %14s %14s %s\n", "finalist", "harm (stage 1)", "mean (N reps)",
            "levers");
    for (int j = 0; j < o->n_fin; j++) {
        const cand *cd = &o->c[o->finalists[j]];
        fprintf(out, "  %-10s %14.6g %14.6g %s%s\n",
                o->finalists[j] == o->i_default ? "default" : "candidate", cd->score,
                o->stage2_today[j], cd->label, o->finalists[j] == o->i_today ? "  <- chosen" : "");
    }
    fprintf(out, "\nAgainst today's armed group: chosen %s\n", o->c[o->i_today].label);
    fprintf(out, "  improvement over the default (default minus chosen, mean harm), fresh "
                 "replications: %+.6g, 95 %% interval [%+.6g, %+.6g]%s\n",
            o->sum.today, o->sum.today_lo, o->sum.today_hi,
            o->sum.today_lo > 0 ? " (excludes zero)" : " (does not exclude zero)");
    if (o->i_robust >= 0) {
        fputs("\nAgainst the armed group's best response (Stackelberg: the group sees the "
              "policy and answers it):\n", out);
        fprintf(out, "\n  %-10s %14s %14s %14s  %s\n", "finalist", "vs today", "vs response",
                "mean (N reps)", "levers | the group's response");
        for (int j = 0; j < o->n_fin; j++) {
            const cand *cd = &o->c[o->finalists[j]], *br = &o->c[o->br[j]];
            fprintf(out, "  %-10s %14.6g %14.6g %14.6g  %s | %s%s\n",
                    o->finalists[j] == o->i_default ? "default" : "candidate", cd->score,
                    br->score, o->stage2_robust[j], cd->label, br->alabel,
                    o->br[j] == o->i_robust ? "  <- chosen" : "");
        }
        fprintf(out, "\n  robust choice: %s\n", o->c[o->i_robust].label);
        fprintf(out, "  improvement over the default, each against its best response, fresh "
                     "replications: %+.6g, 95 %% interval [%+.6g, %+.6g]%s\n",
                o->sum.adapted, o->sum.adapted_lo, o->sum.adapted_hi,
                o->sum.adapted_lo > 0 ? " (excludes zero)" : " (does not exclude zero)");
        if (strcmp(o->c[o->i_robust].label, o->c[o->i_today].label) != 0)
            fputs("  The robust choice differs from the choice against today's group: the "
                  "group's answer changes which policy is best.\n", out);
        else
            fputs("  The same policy is best against today's group and against its answer.\n",
                  out);
    }
    return bk_fmt_finish(out);
}

bk_status bk_optimise_write_csv(const bk_optimise *o, FILE *out)
{
    fputs("candidate,stage,defender_levers,armed_group_levers,cost,harm_score,harm_mean,"
          "finalist,chosen_today,chosen_robust\n", out);
    for (int i = 0; i < o->n; i++) {
        const cand *cd = &o->c[i];
        bool fin = false;
        for (int j = 0; j < o->n_fin; j++)
            fin = fin || o->finalists[j] == i;
        fprintf(out, "%d,%s,", i, cd->stage ? "response" : "defender");
        bk_fmt_csv_field(out, cd->label);
        fputc(',', out);
        bk_fmt_csv_field(out, cd->alabel);
        char a[BK_FMT_NUM], b[BK_FMT_NUM], d[BK_FMT_NUM];
        bk_fmt_number(a, cd->cost);
        bk_fmt_number(b, cd->score);
        bk_fmt_number(d, cd->mean);
        fprintf(out, ",%s,%s,%s,%d,%d,%d\n", a, b, d, fin, i == o->i_today, i == o->i_robust);
    }
    return bk_fmt_finish(out);
}

bk_status bk_optimise_write_json(const bk_optimise *o, FILE *out)
{
    fputs("{\n  \"kind\": \"optimise\",\n  \"scenario\": ", out);
    bk_fmt_json_string(out, o->scenario_name);
    char mw[128];
    fprintf(out, ",\n  \"scenario_sha256\": \"%s\",\n  \"seed\": %llu,\n  \"replications\": %llu,"
                 "\n  \"days\": %d,\n  \"measure\": ", o->sha, (unsigned long long)o->seed,
            (unsigned long long)o->reps, o->days);
    bk_fmt_json_string(out, measure_words(o, mw, sizeof mw));
    fprintf(out, ",\n  \"evaluations\": %d,\n  \"runs\": %llu,\n  \"selection\": {\"method\": "
                 "\"two-stage indifference zone, common random numbers, Bonferroni "
                 "(Clark-Yang; Nelson-Matejcik)\", \"pcs\": ", o->evals,
            (unsigned long long)o->runs);
    bk_fmt_json_number(out, o->pcs);
    fputs(", \"indifference\": ", out);
    bk_fmt_json_number(out, o->delta);
    fprintf(out, ", \"replications\": %llu, \"capped\": %s},\n  \"default\": ",
            (unsigned long long)o->n2, o->capped ? "true" : "false");
    bk_fmt_json_string(out, o->c[o->i_default].label);
    fputs(",\n  \"today\": {\"chosen\": ", out);
    bk_fmt_json_string(out, o->c[o->i_today].label);
    fputs(", \"improvement\": ", out);
    bk_fmt_json_number(out, o->sum.today);
    fputs(", \"ci95\": [", out);
    bk_fmt_json_number(out, o->sum.today_lo);
    fputs(", ", out);
    bk_fmt_json_number(out, o->sum.today_hi);
    fputs("]}", out);
    if (o->i_robust >= 0) {
        fputs(",\n  \"adapted\": {\"score\": \"stackelberg\", \"chosen\": ", out);
        bk_fmt_json_string(out, o->c[o->i_robust].label);
        fputs(", \"improvement\": ", out);
        bk_fmt_json_number(out, o->sum.adapted);
        fputs(", \"ci95\": [", out);
        bk_fmt_json_number(out, o->sum.adapted_lo);
        fputs(", ", out);
        bk_fmt_json_number(out, o->sum.adapted_hi);
        fputs("]}", out);
    }
    fputs(",\n  \"finalists\": [\n", out);
    for (int j = 0; j < o->n_fin; j++) {
        const cand *cd = &o->c[o->finalists[j]];
        fputs("    {\"levers\": ", out);
        bk_fmt_json_string(out, cd->label);
        fputs(", \"harm_today\": ", out);
        bk_fmt_json_number(out, cd->score);
        fputs(", \"mean_stage2_today\": ", out);
        bk_fmt_json_number(out, o->stage2_today[j]);
        if (o->i_robust >= 0) {
            fputs(", \"response\": ", out);
            bk_fmt_json_string(out, o->c[o->br[j]].alabel);
            fputs(", \"harm_response\": ", out);
            bk_fmt_json_number(out, o->c[o->br[j]].score);
            fputs(", \"mean_stage2_response\": ", out);
            bk_fmt_json_number(out, o->stage2_robust[j]);
        }
        fprintf(out, "}%s\n", j + 1 < o->n_fin ? "," : "");
    }
    fputs("  ],\n  \"search\": ", out);
    bk_fmt_json_string(out, o->trace ? o->trace : "");
    fputs("\n}\n", out);
    return bk_fmt_finish(out);
}
