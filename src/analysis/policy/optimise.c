/* optimise.c: the search for the best use of the defender's levers, against today's armed group
 * and against the group's best response (docs/optimise.md).
 *
 * Every candidate is simulated on the same replications (common random numbers), so the
 * sample-average harm is a deterministic function of the levers and differences between
 * candidates are paired. The discrete search (whole-number levers under budgets, choices) is a
 * pattern search written here: moves of a step of units between two levers of a budget, a step
 * up or down for a lever alone, every other choice; the best move is taken while it lowers the
 * harm by more than the indifference zone, else the step is halved down to one unit. Continuous levers outside budgets are searched
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

#include "engine/alloc.h"
#include "analysis/policy/crn.h"
#include "analysis/ensemble/metrics.h"
#include "analysis/policy/optimise_internal.h"
#include "output/format.h"
#include "scenario/scenario.h"
#include "scenario/schema.h"

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
        bki_lever_value_text(&s->lv[i], x[i], v, sizeof v);
        const char *p = s->lv[i].path;
        /* drop the section word: "corridors.dakar_north.escort.units" ->
         * "dakar_north.escort.units" */
        const char *dot = strchr(p, '.');
        fprintf(f, "%s%s %s", i ? ", " : "", dot && strchr(dot + 1, '.') ? dot + 1 : p,
                x[i] < 0 && s->lv[i].kind == BK_LV_CHOICE ? "(as today)" : v);
    }
    if (fclose(f) != 0) {
        bki_free(text);
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
    double *t = bki_malloc((size_t)n * sizeof *t);
    if (!t)
        return NAN;
    double v = bki_crn_cvar(h, n, c->obj->level, t);
    bki_free(t);
    return v;
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
bk_status opt_make_scenario(const ctx *c, const double *x, const double *y,
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
            bki_lever_value_text(&s->lv[i], v[i], buf, sizeof buf);
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

double *opt_dup_vec(const double *v, int n)
{
    if (!v)
        return NULL;
    double *d = bki_malloc((size_t)(n > 0 ? n : 1) * sizeof *d);
    if (d && n > 0)
        memcpy(d, v, (size_t)n * sizeof *d);
    return d;
}

/* Per-replication harm of metric rows vals[r * nt ...] plus the levers' cost. */
void opt_harm_of(const ctx *c, const double *vals, uint64_t reps, double cost, double *h)
{
    int nt = bki_n_total_metrics;
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
bk_status opt_eval_batch(ctx *c, double *const *x, double *const *y, int k, int stage,
                            int *idx)
{
    bk_optimise *o = c->o;
    int nt = bki_n_total_metrics;
    uint64_t R = o->reps;
    const bk_scenario **scs = bki_calloc((size_t)k + 1, sizeof *scs);
    int *newi = bki_calloc((size_t)k + 1, sizeof *newi);
    if (!scs || !newi) {
        bki_free((void *)scs);
        bki_free(newi);
        return bki_fail(c->err, BK_ERR_NOMEM, "out of memory");
    }
    int m = 0;
    bk_status st = BK_OK;
    for (int j = 0; j < k && st == BK_OK; j++) {
        idx[j] = find_cand(c, x[j], y ? y[j] : NULL);
        for (int q = 0; idx[j] == -1 && q < j; q++) /* the same candidate twice in the batch */
            if (same(x[q], x[j], c->lv->def.n) &&
                same(y ? y[q] : NULL, y ? y[j] : NULL, c->lv->adv.n))
                idx[j] = -2 - q;
        if (idx[j] != -1)
            continue;
        if (o->n == o->cap) {
            cand *t = bki_grow(o->c, sizeof *t, &o->cap, 64);
            if (!t) {
                st = bki_fail(c->err, BK_ERR_NOMEM, "out of memory");
                break;
            }
            o->c = t;
        }
        cand *cd = &o->c[o->n];
        memset(cd, 0, sizeof *cd);
        cd->x = opt_dup_vec(x[j], c->lv->def.n);
        cd->y = y && y[j] ? opt_dup_vec(y[j], c->lv->adv.n) : NULL;
        cd->label = label_of(&c->lv->def, x[j]);
        cd->alabel = label_of(&c->lv->adv, y ? y[j] : NULL);
        cd->h = bki_calloc((size_t)R, sizeof *cd->h);
        cd->cost = cost_of(&c->lv->def, x[j]);
        cd->stage = stage;
        o->n++;
        if (!cd->x || (y && y[j] && !cd->y) || !cd->label || !cd->alabel || !cd->h) {
            st = bki_fail(c->err, BK_ERR_NOMEM, "out of memory");
            break;
        }
        bk_scenario *sc = NULL;
        st = opt_make_scenario(c, x[j], y ? y[j] : NULL, &sc);
        scs[m] = sc;
        newi[m++] = o->n - 1;
        idx[j] = o->n - 1;
    }
    if (st == BK_OK && m > 0) {
        double *vals = bki_malloc((size_t)m * R * (size_t)nt * sizeof *vals);
        if (!vals) {
            st = bki_fail(c->err, BK_ERR_NOMEM, "out of memory");
        } else {
            bk_crn_config cc = {.seed = o->seed, .reps = R, .days = c->cfg->days,
                                .threads = c->cfg->threads, .cancel = c->cfg->cancel,
                                .progress = c->cfg->progress, .progress_ud = c->cfg->progress_ud};
            st = bki_crn_eval(scs, m, &cc, vals, c->err);
            for (int j = 0; st == BK_OK && j < m; j++) {
                cand *cd = &o->c[newi[j]];
                opt_harm_of(c, vals + (size_t)j * R * (size_t)nt, R, cd->cost, cd->h);
                cd->score = score_of(c, cd->h, R);
                long double s = 0;
                for (uint64_t r = 0; r < R; r++)
                    s += cd->h[r];
                cd->mean = (double)(s / (long double)R);
            }
            o->evals += m;
            o->runs += (uint64_t)m * R;
            bki_free(vals);
        }
    }
    for (int j = 0; j < k; j++)
        if (idx[j] <= -2)
            idx[j] = idx[-2 - idx[j]];
    for (int j = 0; j < m; j++)
        bk_scenario_free((bk_scenario *)(uintptr_t)scs[j]);
    bki_free((void *)scs);
    bki_free(newi);
    return st;
}

/* Contract in blockade/decide.h. */
bk_status bk_optimise_run(const bk_scenario *base, const bk_levers *lv, const bk_objective *obj,
                          const bk_optimise_config *cfg, bk_optimise **out, bk_error *err)
{
    *out = NULL;
    if (!base || !lv || !obj || !cfg || cfg->replications < 2 || cfg->max_evals < 1
        || cfg->finalists < 2 || !(cfg->pcs > 0.5 && cfg->pcs < 1))
        return bki_fail(err, BK_ERR_USAGE, "optimise: bad configuration (at least 2 "
                        "replications, 1 evaluation, 2 finalists; P* in (0.5, 1))");
    bk_optimise *o = bki_calloc(1, sizeof *o);
    if (!o)
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    o->scenario_name = bki_strdup(base->name);
    o->trace_f = open_memstream(&o->trace, &o->trace_len);
    if (!o->scenario_name || !o->trace_f) {
        bk_optimise_free(o);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    }
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
    double *x0 = bki_calloc((size_t)nd + 1, sizeof *x0);
    double *y0 = bki_calloc((size_t)na + 1, sizeof *y0);
    int fin_cap = cfg->finalists + 1;
    o->finalists = bki_calloc((size_t)fin_cap, sizeof *o->finalists);
    o->br = bki_calloc((size_t)fin_cap, sizeof *o->br);
    o->stage2_today = bki_calloc((size_t)fin_cap, sizeof *o->stage2_today);
    o->stage2_robust = bki_calloc((size_t)fin_cap, sizeof *o->stage2_robust);
    if (!x0 || !y0 || !o->finalists || !o->br || !o->stage2_today || !o->stage2_robust)
        st = bki_fail(err, BK_ERR_NOMEM, "out of memory");
    if (st == BK_OK)
        st = opt_start_point(&c, &lv->def, x0);
    if (st == BK_OK && na > 0)
        st = opt_start_point(&c, &lv->adv, y0);
    /* the default exactly as the base scenario is (its values, budgets unmet or not) */
    double *xd = NULL;
    if (st == BK_OK) {
        xd = opt_dup_vec(x0, nd);
        for (int i = 0; xd && i < nd; i++) {
            double v = 0;
            bk_error e2;
            if (lv->def.lv[i].kind != BK_LV_CHOICE
                && bki_scenario_get_number(base, lv->def.lv[i].path, &v, &e2) == BK_OK)
                xd[i] = v;
        }
        if (!xd)
            st = bki_fail(err, BK_ERR_NOMEM, "out of memory");
        double *one[1] = {xd}, *none[1] = {NULL};
        int idx = -1;
        if (st == BK_OK)
            st = opt_eval_batch(&c, one, none, 1, 0, &idx);
        o->i_default = idx;
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
    int best = -1;
    if (st == BK_OK)
        st = opt_run_search(&c, false, x0, NULL, cfg->max_evals, &best);
    /* finalists: the default and the best others against today's group, by first-stage score */
    if (st == BK_OK) {
        int *ord = bki_malloc((size_t)o->n * sizeof *ord), m = 0;
        if (!ord) {
            st = bki_fail(err, BK_ERR_NOMEM, "out of memory");
        } else {
            for (int i = 0; i < o->n; i++)
                if (o->c[i].stage == 0 && !o->c[i].y)
                    ord[m++] = i;
            opt_sort_by_score(o, ord, m);
            o->finalists[o->n_fin++] = o->i_default;
            for (int j = 0; j < m && o->n_fin < cfg->finalists; j++)
                if (ord[j] != o->i_default)
                    o->finalists[o->n_fin++] = ord[j];
            bki_free(ord);
        }
    }
    int sel = 0;
    if (st == BK_OK && o->n_fin >= 2)
        st = opt_select_best(&c, o->finalists, o->n_fin, o->stage2_today, &sel);
    if (st == BK_OK)
        o->i_today = o->finalists[sel];
    if (st == BK_OK)
        st = opt_validate(&c, o->i_default, o->i_today, 0, &o->sum.today, &o->sum.today_lo,
                          &o->sum.today_hi, &o->sum.today_cvar, &o->sum.today_cvar_lo,
                          &o->sum.today_cvar_hi);
    o->sum.adapted = o->sum.adapted_lo = o->sum.adapted_hi = NAN;
    o->sum.adapted_cvar = o->sum.adapted_cvar_lo = o->sum.adapted_cvar_hi = NAN;
    /* the armed group's best response to each finalist, then the robust choice */
    if (st == BK_OK && na > 0) {
        for (int j = 0; j < o->n_fin && st == BK_OK; j++) {
            int b = -1;
            st = opt_run_search(&c, true, y0, o->c[o->finalists[j]].x, cfg->adversary_evals, &b);
            o->br[j] = b;
        }
        int rsel = 0;
        if (st == BK_OK)
            st = opt_select_best(&c, o->br, o->n_fin, o->stage2_robust, &rsel);
        if (st == BK_OK) {
            o->i_robust = o->br[rsel];
            st = opt_validate(&c, o->br[0], o->i_robust, 1, &o->sum.adapted,
                              &o->sum.adapted_lo, &o->sum.adapted_hi, &o->sum.adapted_cvar,
                              &o->sum.adapted_cvar_lo, &o->sum.adapted_cvar_hi);
        }
    }
    bki_free_all(x0, y0, xd);
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
    for (int i = 0; i < o->n; i++)
        bki_free_all(o->c[i].x, o->c[i].y, o->c[i].label, o->c[i].alabel, o->c[i].h);
    bki_free_all(o->c, o->finalists, o->br, o->stage2_today, o->stage2_robust);
    if (o->trace_f)
        fclose(o->trace_f);
    bki_free_all(o->trace, o->scenario_name, o);
}
