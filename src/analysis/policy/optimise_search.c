/* optimise_search.c: the search of one side's levers (docs/optimise.md, "The search"): a
 * pattern search written here for whole numbers under budgets and choices, NLopt's Subplex for
 * continuous levers outside budgets. The armed group's best response is the same search run to
 * raise the harm. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nlopt.h>

#include "engine/alloc.h"
#include "analysis/policy/optimise_internal.h"
#include "scenario/scenario.h"
#include "scenario/schema.h"

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
    double **xs = bki_calloc((size_t)k + 1, sizeof *xs);
    double **ys = bki_calloc((size_t)k + 1, sizeof *ys);
    if (!xs || !ys) {
        bki_free(xs);
        bki_free(ys);
        return bki_fail(sr->c->err, BK_ERR_NOMEM, "out of memory");
    }
    for (int j = 0; j < k; j++) {
        xs[j] = sr->adv ? (double *)(uintptr_t)sr->fixed : pts[j];
        ys[j] = sr->adv ? pts[j] : (double *)(uintptr_t)sr->fixed;
    }
    int before = sr->c->o->evals;
    bk_status st = opt_eval_batch(sr->c, xs, ys, k, sr->adv ? 1 : 0, idx);
    sr->used += sr->c->o->evals - before;
    bki_free(xs);
    bki_free(ys);
    return st;
}

/* Step of lever (or budget) with range w at level k: a quarter of the range, halved k times.
 * Whole numbers: a quarter of the range rounded up, then halved k times rounding up, at least
 * 1; so no level divides the step by more than 2 and every ladder passes through 2 before 1
 * (rounding down would go from 3.5 to 3 to 1 for a range of 14, and never try a move of two
 * units, which is what a convoy needs when escort_min is 2). */
double opt_step_at(double w, bool whole, int k)
{
    if (!whole)
        return w / 4.0 / ldexp(1.0, k);
    double s = ceil(w / 4.0 - 1e-9);
    for (int j = 0; j < k && s > 1.0; j++)
        s = ceil(s / 2.0);
    return s < 1.0 ? 1.0 : s;
}

/* Points (vectors of lever values): an array that grows. */
typedef struct pt_list {
    double **v;
    int n, cap;
} pt_list;

/* Append to l a copy of p (n values) with p[i] = a and, when j >= 0, p[j] = b. false when out
 * of memory. */
static bool push_moved(pt_list *l, const double *p, int n, int i, double a, int j, double b)
{
    if (l->n == l->cap) {
        double **t = bki_grow(l->v, sizeof *t, &l->cap, 16);
        if (!t)
            return false;
        l->v = t;
    }
    double *q = opt_dup_vec(p, n);
    if (!q)
        return false;
    q[i] = a;
    if (j >= 0)
        q[j] = b;
    l->v[l->n++] = q;
    return true;
}

/* Neighbours of p at level k into pts (allocated here); returns their number. */
static int neighbours(const bk_lever_side *s, const double *p, int k, double ***pts)
{
    int n = s->n;
    pt_list l = {bki_malloc(16 * sizeof *l.v), 0, 16};
    if (!l.v)
        return -1;
    for (int b = 0; b < s->nb; b++) {
        const bk_budget *bg = &s->b[b];
        bool whole = true;
        for (int i = 0; i < bg->n; i++)
            whole = whole && s->lv[bg->levers[i]].kind == BK_LV_INT;
        double st = opt_step_at(bg->total, whole, k);
        for (int i = 0; i < bg->n; i++)
            for (int j = 0; j < bg->n; j++) {
                if (i == j)
                    continue;
                const bk_lever *li = &s->lv[bg->levers[i]], *lj = &s->lv[bg->levers[j]];
                double a = p[bg->levers[i]] + st, d = p[bg->levers[j]] - st;
                if (a > li->hi + 1e-12 || d < lj->lo - 1e-12)
                    continue;
                if (!push_moved(&l, p, n, bg->levers[i], a, bg->levers[j], d))
                    goto oom;
            }
    }
    for (int i = 0; i < n; i++) {
        const bk_lever *lv = &s->lv[i];
        if (lv->budget >= 0 || lv->kind == BK_LV_NUM)
            continue; /* in a budget: moved above; continuous: NLopt */
        if (lv->kind == BK_LV_CHOICE) {
            for (int ch = 0; ch < lv->n_choices; ch++)
                if (ch != (int)p[i] && !push_moved(&l, p, n, i, ch, -1, 0.0))
                    goto oom;
            continue;
        }
        double st = opt_step_at(lv->hi - lv->lo, true, k);
        for (int sg = -1; sg <= 1; sg += 2) {
            double t = p[i] + sg * st;
            if (!(t < lv->lo || t > lv->hi) && !push_moved(&l, p, n, i, t, -1, 0.0))
                goto oom;
        }
    }
    *pts = l.v;
    return l.n;
oom:
    for (int z = 0; z < l.n; z++)
        bki_free(l.v[z]);
    bki_free(l.v);
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
        double st = opt_step_at(s->b[b].total, whole, k);
        if (whole ? st > 1.0 : st > 0.01 * s->b[b].total)
            return false;
    }
    for (int i = 0; i < s->n; i++)
        if (s->lv[i].budget < 0 && s->lv[i].kind == BK_LV_INT
            && opt_step_at(s->lv[i].hi - s->lv[i].lo, true, k) > 1.0)
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
        double *pc = opt_dup_vec(p, sr->s->n);
        double **pts = NULL;
        int m = pc ? neighbours(sr->s, pc, k, &pts) : -1;
        bki_free(pc);
        if (m < 0) {
            sr->st = bki_fail(sr->c->err, BK_ERR_NOMEM, "out of memory");
            return;
        }
        int all = m;
        if (m > sr->budget_evals - sr->used)
            m = sr->budget_evals - sr->used; /* the evaluation budget: the first moves only */
        int *idx = bki_calloc((size_t)m + 1, sizeof *idx);
        if (!idx)
            sr->st = bki_fail(sr->c->err, BK_ERR_NOMEM, "out of memory");
        else if (m > 0)
            sr->st = eval_points(sr, pts, m, idx);
        int best = sr->best;
        for (int j = 0; sr->st == BK_OK && j < m; j++)
            if (seen(sr, idx[j]) < seen(sr, best))
                best = idx[j];
        /* a move must lower the harm by more than the indifference zone: a smaller decrease is
         * within what the selection treats as no difference, and following it spends the
         * evaluations on noise */
        if (best != sr->best && !(seen(sr, best) < seen(sr, sr->best) - sr->c->o->delta))
            best = sr->best;
        for (int j = 0; j < all; j++)
            bki_free(pts[j]);
        bki_free(pts);
        bki_free(idx);
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
    double *q = opt_dup_vec(p, sr->s->n);
    if (!q) {
        sr->st = bki_fail(sr->c->err, BK_ERR_NOMEM, "out of memory");
        return HUGE_VAL;
    }
    for (unsigned i = 0; i < n; i++)
        q[nc->map[i]] = z[i];
    int idx = -1;
    sr->st = eval_points(sr, &q, 1, &idx);
    bki_free(q);
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
        sr->st = bki_fail(sr->c->err, BK_ERR_NOMEM, "out of memory");
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
bk_status opt_start_point(ctx *c, const bk_lever_side *s, double *x)
{
    for (int i = 0; i < s->n; i++) {
        const bk_lever *l = &s->lv[i];
        double v = 0;
        bk_error e2;
        bk_status st = bki_scenario_get_number(c->base, l->path, &v, &e2);
        if (l->kind == BK_LV_CHOICE) {
            x[i] = -1; /* as in the base, unless a choice gives the same value */
            for (int ch = 0; st == BK_OK && ch < l->n_choices; ch++) {
                bk_scenario *t = NULL;
                double w = 0;
                if (bk_scenario_clone(c->base, &t, &e2) != BK_OK)
                    return bki_fail(c->err, BK_ERR_NOMEM, "out of memory");
                if (bk_scenario_set_text(t, l->path, l->choices[ch], &e2) == BK_OK
                    && bki_scenario_get_number(t, l->path, &w, &e2) == BK_OK && w == v)
                    x[i] = ch;
                bk_scenario_free(t);
                if (x[i] >= 0)
                    break;
            }
            continue;
        }
        if (st != BK_OK)
            return bki_fail(c->err, st, "lever '%s': %s", l->path, e2.message);
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
bk_status opt_run_search(ctx *c, bool adv, const double *start, const double *fixed,
                            int budget, int *best)
{
    search sr = {.c = c, .s = adv ? &c->lv->adv : &c->lv->def, .adv = adv, .fixed = fixed,
                 .budget_evals = budget, .best = -1, .st = BK_OK};
    double *p = opt_dup_vec(start, sr.s->n);
    if (!p)
        return bki_fail(c->err, BK_ERR_NOMEM, "out of memory");
    int idx = -1;
    sr.st = eval_points(&sr, &p, 1, &idx);
    bki_free(p);
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
