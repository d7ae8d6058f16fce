/* backtest.c: the two naive forecasts a model must beat in a rolling-origin backtest
 * (docs/validation.md): persistence of the record's last two weeks before the origin, and the
 * pre-blockade normal. Each is a predictive distribution of every scored statistic, scored with
 * the same CRPS as the model, averaged over the statistic's measurement error.
 */
#include "blockade/calibrate.h"
#include "engine/status_internal.h"
#include "scenario/scenario.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#define PERSIST_DAYS 14     /* "the last two weeks" */
#define ENSEMBLE 200        /* quantile levels of a baseline's predictive distribution */
#define TRUTH_POINTS 50     /* as in validation */

/* Days of [a, b] that fall in [lo, hi] (inclusive day numbers). */
static long days_in(long a, long b, long lo, long hi)
{
    long x = a > lo ? a : lo, y = b < hi ? b : hi;
    return y >= x ? y - x + 1 : 0;
}

/* x[0..n-1]: known + the quantiles at levels (i + 0.5) / n of Poisson(mu) (known alone if mu is
 * 0): a deterministic ensemble, no random stream needed. */
static void poisson_ensemble(double known, double mu, double *x, int n)
{
    int i = 0;
    if (!(mu > 0)) {
        for (; i < n; i++)
            x[i] = known;
        return;
    }
    double cdf = 0;
    unsigned k = 0;
    while (i < n) {
        cdf += gsl_ran_poisson_pdf(k, mu);
        while (i < n && ((double)i + 0.5) / n <= cdf)
            x[i++] = known + k;
        if (++k > 100000000u) /* the tail beyond: the last value */
            for (; i < n; i++)
                x[i] = known + k;
    }
}

/* CRPS of the ensemble against the statistic's measurement-error distribution. */
static double crps_vs_truth(const bk_obs *obs, int k, const double *x, int n)
{
    double y[TRUTH_POINTS], s = 0;
    bk_obs_truth_quantiles(obs, k, TRUTH_POINTS, y);
    for (int i = 0; i < TRUTH_POINTS; i++)
        s += bk_score_crps(x, (size_t)n, y[i]);
    return s / TRUTH_POINTS;
}

/* Attacks on tankers the record shows in [a, b] (inclusive day numbers; clipped to the
 * scenario), on corridor c or on all of them (c < 0). */
static bk_status count_attacks(const bk_scenario *sc, const bk_events *ev,
                               const bk_obs_config *tmpl, long a, long b, int c, double *out,
                               bk_error *err)
{
    *out = 0;
    if (b < a || ev == NULL)
        return BK_OK;
    bk_obs_config cfg = *tmpl;
    cfg.day_from = a;
    cfg.day_to = b;
    cfg.weekly = false;
    bk_obs *o = NULL;
    bk_status st = bk_obs_new(sc, ev, NULL, &cfg, &o, err);
    if (st != BK_OK)
        return st;
    for (int k = 0; k < bk_obs_count(o); k++) {
        bk_obs_stat s;
        bk_obs_get(o, k, &s);
        if (s.group == BK_OBS_ATTACKS && s.corridor >= 0 && (c < 0 || s.corridor == c))
            *out += s.observed;
    }
    bk_obs_free(o);
    return BK_OK;
}

/* Figures of `quantity` the record has, from the aggregates: the largest best value among those
 * whose period lies in [a, b] (nested places, e.g. one convoy within a region, are not added
 * up); *found tells whether there is any. */
static double figures_in(const bk_aggregates *ag, const char *quantity, long a, long b,
                         bool *found)
{
    double best = 0;
    *found = false;
    for (size_t i = 0; ag && i < bk_aggregates_count(ag); i++) {
        const bk_aggregate *g = bk_aggregates_get(ag, i);
        if (strcmp(g->quantity, quantity) != 0 || g->day_from < a || g->day_to > b)
            continue;
        double v = strcmp(g->unit, "L") == 0 && strcmp(quantity, "fuel_imports_registered") == 0
                       ? g->best / 1e6
                       : g->best;
        if (!*found || v > best)
            best = v;
        *found = true;
    }
    return best;
}

static const char *group_quantity(bk_obs_group g)
{
    switch (g) {
    case BK_OBS_DELIVERIES:
        return "fuel_imports_registered";
    case BK_OBS_LOSSES:
        return "tankers_destroyed";
    case BK_OBS_CONVOYS:
        return "escorted_convoys";
    case BK_OBS_ATTACKS:
        break;
    }
    return "fuel_convoy_attacks";
}

/* Contract in calibrate.h. */
bk_status bk_backtest_baselines(const bk_scenario *sc, const bk_events *ev,
                                const bk_aggregates *ag, const bk_obs_config *cfg,
                                const bk_obs *scored, long origin, bk_baseline *out,
                                bk_error *err)
{
    if (!sc || !cfg || !scored || !out)
        return bki_fail(err, BK_ERR_USAGE, "backtest: missing argument");
    bk_obs_config start_cfg;
    bk_obs_config_init(&start_cfg, sc);
    long start = start_cfg.day_from; /* the scenario's first day */
    long r0 = origin - PERSIST_DAYS > start ? origin - PERSIST_DAYS : start, r1 = origin - 1;
    long recent_days = r1 - r0 + 1;
    if (recent_days < 1)
        return bki_fail(err, BK_ERR_USAGE,
                        "backtest: the origin must come after the scenario's first day");
    double normal_l_per_day = 0; /* the scenario's normal loading, litres a day */
    for (int p = 0; p < sc->n_ports; p++)
        normal_l_per_day += sc->ports[p].load_rate_per_day * sc->fleet.tanker_capacity_l;
    double x[ENSEMBLE];
    for (int k = 0; k < bk_obs_count(scored); k++) {
        bk_obs_stat s;
        bk_obs_get(scored, k, &s);
        bk_baseline *b = &out[k];
        memset(b, 0, sizeof *b);
        long a = s.day_from, e = s.day_to;
        long ahead = days_in(a, e, origin, e);     /* days of the period from the origin */
        long behind = days_in(a, e, start, r1);    /* days of it already past at the origin */
        bool count = s.group != BK_OBS_DELIVERIES;

        /* pre-blockade normal: no attack on fuel traffic, no loss, no escorted convoy;
         * deliveries at the scenario's normal loading rates */
        b->normal_mean = s.group == BK_OBS_DELIVERIES
                             ? normal_l_per_day * (double)(e - a + 1) / s.litres_per_unit
                             : 0.0;
        poisson_ensemble(b->normal_mean, 0, x, ENSEMBLE);
        b->normal_crps = crps_vs_truth(scored, k, x, ENSEMBLE);

        /* persistence: what the record shows for the part of the period before the origin,
         * plus the record's rate over the last two weeks for the rest */
        double known = 0, rate = 0;
        bk_status st = BK_OK;
        if (s.group == BK_OBS_ATTACKS) {
            double recent = 0;
            st = count_attacks(sc, ev, cfg, r0, r1, s.corridor, &recent, err);
            if (st == BK_OK && behind > 0)
                st = count_attacks(sc, ev, cfg, a > start ? a : start, r1, s.corridor, &known,
                                   err);
            if (st != BK_OK)
                return st;
            rate = recent / (double)recent_days;
            b->has_persistence = true;
        } else {
            bool found = false, found_known = false;
            const char *q = group_quantity(s.group);
            double recent = figures_in(ag, q, r0, r1, &found);
            if (behind > 0)
                known = figures_in(ag, q, a, r1, &found_known);
            rate = recent / (double)recent_days;
            b->has_persistence = found;
        }
        if (!b->has_persistence) {
            b->persistence_mean = b->persistence_crps = NAN;
            continue;
        }
        b->persistence_mean = known + rate * (double)ahead;
        if (count)
            poisson_ensemble(known, rate * (double)ahead, x, ENSEMBLE);
        else
            poisson_ensemble(b->persistence_mean, 0, x, ENSEMBLE);
        b->persistence_crps = crps_vs_truth(scored, k, x, ENSEMBLE);
    }
    return BK_OK;
}
