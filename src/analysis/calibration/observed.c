/* observed.c: the observation model that reduces a run and the observations to the same
 * summary statistics (docs/calibration.md); the events and aggregates it reads are in
 * obs_events.c and obs_csv.c.
 */
#include "engine/alloc.h"
#include "analysis/calibration/observed.h"
#include "engine/status_internal.h"

#include "analysis/ensemble/ens.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>

#include "engine/date.h"
#include "engine/file.h"
#include "engine/rng.h"
#include "output/format.h"
#include "model/run.h"
#include "scenario/scenario.h"
#include "analysis/calibration/obs_internal.h"


/* ---- the observation model ---------------------------------------------------------------- */

enum stat_kind { S_ATTACKS_CORRIDOR, S_ATTACKS_WEEK, S_IMPORTS, S_CONVOYS, S_DESTROYED,
                 S_AGG_ATTACKS };

typedef struct obs_stat {
    char name[128];
    char unit[32];
    enum stat_kind kind;
    int corridor;            /* S_ATTACKS_CORRIDOR */
    int d0, d1;              /* run day indices, inclusive */
    double scale;            /* S_IMPORTS: litres per unit */
    double observed, low, high;
    bool aggregate;
    bool all_places;         /* aggregate place covers the whole scenario */
    unsigned char *seg_ok;   /* [n_segments] */
    unsigned char *place_ok; /* [n_places] */
} obs_stat;

struct bk_obs {
    const bk_scenario *sc;
    bk_obs_config cfg;
    int d0, d1;              /* the window, run day indices */
    int *seg_corridor;       /* [n_segments] primary corridor */
    obs_stat *st;
    int n;
};

/* Contract in blockade/calibrate.h. */
void bk_obs_config_init(bk_obs_config *cfg, const bk_scenario *sc)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->report_prob = 0.8;
    cfg->weekly = true;
    if (sc) {
        cfg->day_from = bki_cal_start_day(sc);
        cfg->day_to = cfg->day_from + (sc->days < 30 ? sc->days : 30) - 1;
    } else {
        cfg->day_from = 0;
        cfg->day_to = -1;
    }
}

void bk_obs_free(bk_obs *obs)
{
    if (!obs)
        return;
    for (int i = 0; i < obs->n; i++)
        bki_free_all(obs->st[i].seg_ok, obs->st[i].place_ok);
    bki_free_all(obs->st, obs->seg_corridor, obs);
}

static obs_stat *add_stat(bk_obs *obs)
{
    obs_stat *ns = bki_realloc(obs->st, (size_t)(obs->n + 1) * sizeof *ns);
    if (!ns)
        return NULL;
    obs->st = ns;
    obs_stat *s = &obs->st[obs->n++];
    memset(s, 0, sizeof *s);
    return s;
}

static bool is_attack(const bk_obs *obs, const bk_event *e)
{
    static const char *const def[] = {"tanker", "convoy", "truck"};
    const char *const *kw = obs->cfg.attack_keywords ? obs->cfg.attack_keywords : def;
    int n = obs->cfg.attack_keywords ? obs->cfg.n_attack_keywords : 3;
    for (int i = 0; i < n; i++)
        if (icontains(e->notes, kw[i]))
            return true;
    return false;
}

/* Share of the event's date window [a, b] inside [lo, hi]. */
static double overlap(long a, long b, long lo, long hi)
{
    long x = a > lo ? a : lo, y = b < hi ? b : hi;
    return y < x ? 0.0 : (double)(y - x + 1) / (double)(b - a + 1);
}

/* Which places and segments an aggregate's `place` covers (docs/calibration.md). */
static bk_status match_place(const bk_obs *obs, obs_stat *s, const bk_aggregate *a, bk_error *err)
{
    const bk_scenario *sc = obs->sc;
    char p[128];
    copy_str(p, sizeof p, a->place);
    char *t = trim(p);
    if (*t == '\0' || ieq(t, sc->country) || ieq(t, "national") || ieq(t, "all")) {
        s->all_places = true;
        return BK_OK;
    }
    s->seg_ok = bki_calloc((size_t)sc->n_segments + 1, 1);
    s->place_ok = bki_calloc((size_t)sc->n_places + 1, 1);
    if (!s->seg_ok || !s->place_ok)
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    size_t n = strlen(t);
    if (n > 7 && ieq(t + n - 7, " region"))
        t[n - 7] = '\0';
    bool any = false;
    for (int i = 0; i < sc->n_places; i++)
        if (ieq(sc->places[i].admin1, t)) {
            s->place_ok[i] = 1;
            any = true;
        }
    if (any) {
        for (int g = 0; g < sc->n_segments; g++)
            s->seg_ok[g] = s->place_ok[sc->segments[g].from] && s->place_ok[sc->segments[g].to];
        return BK_OK;
    }
    /* places joined by '-': segments that end at one of them */
    char *save = NULL;
    for (char *tok = strtok_r(t, "-,/", &save); tok; tok = strtok_r(NULL, "-,/", &save)) {
        tok = trim(tok);
        for (int i = 0; i < sc->n_places; i++)
            if (ieq(sc->places[i].name, tok) || ieq(sc->places[i].id, tok)) {
                s->place_ok[i] = 1;
                any = true;
                for (int g = 0; g < sc->n_segments; g++)
                    if (sc->segments[g].from == i || sc->segments[g].to == i)
                        s->seg_ok[g] = 1;
            }
    }
    if (!any)
        return bki_fail(err, BK_ERR_VALUE, "aggregate at line %d: place '%s' matches no "
                           "place, region or country of the scenario", a->line, a->place);
    return BK_OK;
}

/* The attacks in each first-level region (admin1) of the scenario's country, in the order the
 * regions first appear among the places: a statistic of kind S_AGG_ATTACKS over the segments
 * with at least one end in the region (an attack on a road between two regions counts in
 * both), for the record's events and the simulated attacks alike. BK_ERR_NOMEM or BK_OK. */
static bk_status add_region_stats(bk_obs *obs)
{
    const bk_scenario *sc = obs->sc;
    for (int i = 0; i < sc->n_places; i++) {
        const bk_place *pl = &sc->places[i];
        if (!pl->admin1[0] || !ieq(pl->country, sc->country))
            continue;
        bool seen = false;
        for (int j = 0; j < i && !seen; j++)
            seen = ieq(sc->places[j].country, sc->country)
                   && ieq(sc->places[j].admin1, pl->admin1);
        if (seen)
            continue;
        obs_stat *s = add_stat(obs);
        if (!s)
            return BK_ERR_NOMEM;
        s->seg_ok = bki_calloc((size_t)sc->n_segments + 1, 1);
        s->place_ok = bki_calloc((size_t)sc->n_places + 1, 1);
        if (!s->seg_ok || !s->place_ok)
            return BK_ERR_NOMEM;
        for (int j = 0; j < sc->n_places; j++)
            s->place_ok[j] = ieq(sc->places[j].country, sc->country)
                             && ieq(sc->places[j].admin1, pl->admin1);
        for (int g = 0; g < sc->n_segments; g++)
            s->seg_ok[g] = s->place_ok[sc->segments[g].from] || s->place_ok[sc->segments[g].to];
        int n = snprintf(s->name, sizeof s->name, "attacks_region_%s", pl->admin1);
        for (int k = 15; k < n && s->name[k]; k++)
            s->name[k] = s->name[k] == ' ' ? '_' : (char)tolower((unsigned char)s->name[k]);
        copy_str(s->unit, sizeof s->unit, "events");
        s->kind = S_AGG_ATTACKS;
        s->corridor = -1;
        s->d0 = obs->d0;
        s->d1 = obs->d1;
    }
    return BK_OK;
}

/* Contract in blockade/calibrate.h. */
bk_status bk_obs_new(const bk_scenario *sc, const bk_events *ev, const bk_aggregates *ag,
                     const bk_obs_config *cfg, bk_obs **out, bk_error *err)
{
    *out = NULL;
    long start = bki_cal_start_day(sc);
    if (cfg->day_from < start || cfg->day_to < cfg->day_from
        || cfg->day_to - start >= sc->days) {
        char a[11], b[11];
        bk_date_format(cfg->day_from, a);
        bk_date_format(cfg->day_to, b);
        return bki_fail(err, BK_ERR_USAGE, "window %s to %s is not inside the scenario's "
                           "%d days from its start date", a, b, sc->days);
    }
    if (!(cfg->report_prob > 0 && cfg->report_prob <= 1))
        return bki_fail(err, BK_ERR_USAGE, "report_prob must be in (0, 1], got %g",
                           cfg->report_prob);
    bk_obs *obs = bki_calloc(1, sizeof *obs);
    if (!obs || !(obs->seg_corridor = bki_calloc((size_t)sc->n_segments + 1, sizeof(int)))) {
        bk_obs_free(obs);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    }
    obs->sc = sc;
    obs->cfg = *cfg;
    obs->d0 = (int)(cfg->day_from - start);
    obs->d1 = (int)(cfg->day_to - start);
    for (int g = 0; g < sc->n_segments; g++)
        obs->seg_corridor[g] = primary_corridor(sc, g);
    bk_status st = BK_OK;
    /* attacks per corridor, and per week, over the window */
    int n_weeks = (obs->d1 - obs->d0) / 7 + 1;
    for (int c = 0; c < sc->n_corridors && st == BK_OK; c++) {
        obs_stat *s = add_stat(obs);
        if (!s) {
            st = BK_ERR_NOMEM;
            break;
        }
        snprintf(s->name, sizeof s->name, "attacks_%s", sc->corridors[c].id);
        copy_str(s->unit, sizeof s->unit, "events");
        s->kind = S_ATTACKS_CORRIDOR;
        s->corridor = c;
        s->d0 = obs->d0;
        s->d1 = obs->d1;
    }
    for (int w = 0; cfg->weekly && w < n_weeks && st == BK_OK; w++) {
        obs_stat *s = add_stat(obs);
        if (!s) {
            st = BK_ERR_NOMEM;
            break;
        }
        s->d0 = obs->d0 + 7 * w;
        s->d1 = s->d0 + 6 < obs->d1 ? s->d0 + 6 : obs->d1;
        char a[11];
        bk_date_format(start + s->d0, a);
        snprintf(s->name, sizeof s->name, "attacks_week_%s", a);
        copy_str(s->unit, sizeof s->unit, "events");
        s->kind = S_ATTACKS_WEEK;
        s->corridor = -1;
    }
    if (cfg->regions && st == BK_OK)
        st = add_region_stats(obs);
    int n_attack_stats = obs->n;
    if (st == BK_OK && ev) {
        for (size_t i = 0; i < bk_events_count(ev); i++) {
            const bk_event *e = bk_events_get(ev, i);
            if (!e->placed || !is_attack(obs, e))
                continue;
            int c = obs->seg_corridor[e->segment];
            for (int k = 0; k < n_attack_stats; k++) {
                obs_stat *s = &obs->st[k];
                if (s->kind == S_ATTACKS_CORRIDOR && s->corridor != c)
                    continue;
                if (s->kind == S_AGG_ATTACKS && !s->seg_ok[e->segment])
                    continue;
                s->observed += overlap(e->day_from, e->day_to, start + s->d0, start + s->d1);
            }
        }
    }
    for (int k = 0; k < n_attack_stats; k++)
        obs->st[k].low = obs->st[k].high = obs->st[k].observed;
    /* aggregates that end in the window */
    for (size_t i = 0; ag && st == BK_OK && i < bk_aggregates_count(ag); i++) {
        const bk_aggregate *a = bk_aggregates_get(ag, i);
        if (a->day_to < cfg->day_from || a->day_to > cfg->day_to || a->day_from < start)
            continue;
        obs_stat *s = add_stat(obs);
        if (!s) {
            st = BK_ERR_NOMEM;
            break;
        }
        char d0[11], d1[11];
        bk_date_format(a->day_from, d0);
        bk_date_format(a->day_to, d1);
        snprintf(s->name, sizeof s->name, "%s_%s_%s", a->quantity, d0, d1);
        copy_str(s->unit, sizeof s->unit, a->unit);
        s->d0 = (int)(a->day_from - start);
        s->d1 = (int)(a->day_to - start);
        s->observed = a->best;
        s->low = a->low;
        s->high = a->high;
        s->aggregate = true;
        if (strcmp(a->quantity, "fuel_imports_registered") == 0) {
            s->kind = S_IMPORTS;
            s->scale = strcmp(a->unit, "ML") == 0 ? 1e6 : 1.0;
            s->all_places = true;
        } else if (strcmp(a->quantity, "escorted_convoys") == 0) {
            s->kind = S_CONVOYS;
            s->all_places = true;
        } else {
            s->kind = strcmp(a->quantity, "tankers_destroyed") == 0 ? S_DESTROYED : S_AGG_ATTACKS;
            st = match_place(obs, s, a, err);
            if (st != BK_OK) {
                bk_obs_free(obs);
                return st;
            }
        }
    }
    if (st != BK_OK) {
        bk_obs_free(obs);
        return bki_fail(err, st, "out of memory");
    }
    *out = obs;
    return BK_OK;
}

int bk_obs_days(const bk_obs *obs)
{
    return obs->d1 + 1;
}

int bk_obs_count(const bk_obs *obs)
{
    return obs->n;
}

/* Contract in blockade/calibrate.h. */
void bk_obs_get(const bk_obs *obs, int k, bk_obs_stat *out)
{
    const obs_stat *s = &obs->st[k];
    out->name = s->name;
    out->unit = s->unit;
    out->observed = s->observed;
    out->low = s->low;
    out->high = s->high;
    out->aggregate = s->aggregate;
    bool volume = s->kind == S_IMPORTS;
    double floor_n = volume ? 0.05 * fabs(s->observed)
                            : sqrt(s->observed > 1 ? s->observed : 1.0);
    double range = (s->high - s->low) / 3.29; /* a 90 % range read as +-1.645 sd */
    out->noise = floor_n > range ? floor_n : range;
    long start = bki_cal_start_day(obs->sc);
    out->day_from = start + s->d0;
    out->day_to = start + s->d1;
    out->corridor = s->kind == S_ATTACKS_CORRIDOR ? s->corridor : -1;
    out->litres_per_unit = volume ? s->scale : 0.0;
    switch (s->kind) {
    case S_IMPORTS:
        out->group = BK_OBS_DELIVERIES;
        break;
    case S_CONVOYS:
        out->group = BK_OBS_CONVOYS;
        break;
    case S_DESTROYED:
        out->group = BK_OBS_LOSSES;
        break;
    default:
        out->group = BK_OBS_ATTACKS;
        break;
    }
}

static int run_column(const bk_run *run, const char *name)
{
    for (int c = 0; c < run->n_cols; c++)
        if (strcmp(run->cols[c].name, name) == 0)
            return c;
    return -1;
}

static bool entry_matches(const obs_stat *s, const bk_log_entry *e)
{
    if (s->all_places)
        return true;
    return (e->segment >= 0 && s->seg_ok[e->segment]) || (e->place >= 0 && s->place_ok[e->place]);
}

/* The statistics counted from the run's event log as it stands and its daily rows 0..last (the
 * whole window when last >= obs->d1). Every statistic is a sum of non-negative terms in a fixed
 * order, and the reporting draws are taken one per attack in log order, so on a run stopped
 * early each value is at most the one the complete run gives (bki_obs_bounds). */
static bk_status obs_values(const bk_obs *obs, const bk_run *run, int last, uint64_t seed,
                            double report_prob, double *values, bk_error *err)
{
    int cd = run_column(run, "delivered_l"), cc = run_column(run, "convoys");
    bk_rng rng;
    bki_rng_init(&rng, seed, 0, BK_RNG_OBS_REPORT, 0);
    for (int k = 0; k < obs->n; k++)
        values[k] = 0;
    for (int i = 0; i < run->n_log; i++) {
        const bk_log_entry *e = &run->log[i];
        if (e->kind != BK_LOG_AMBUSH)
            continue;
        /* one draw per attack, whatever the statistics: the same attack is reported or not */
        bool reported = bki_rng_uniform(&rng) < report_prob;
        int day = (int)floor(e->time_h / 24.0);
        int c = e->segment >= 0 ? obs->seg_corridor[e->segment] : -1;
        for (int k = 0; k < obs->n; k++) {
            const obs_stat *s = &obs->st[k];
            if (day < s->d0 || day > s->d1)
                continue;
            switch (s->kind) {
            case S_ATTACKS_CORRIDOR:
                values[k] += reported && c == s->corridor;
                break;
            case S_ATTACKS_WEEK:
                values[k] += reported;
                break;
            case S_AGG_ATTACKS:
                values[k] += reported && entry_matches(s, e);
                break;
            case S_DESTROYED:
                values[k] += entry_matches(s, e) ? e->destroyed : 0;
                break;
            default:
                break;
            }
        }
    }
    for (int k = 0; k < obs->n; k++) {
        const obs_stat *s = &obs->st[k];
        int col = s->kind == S_IMPORTS ? cd : s->kind == S_CONVOYS ? cc : -2;
        if (col == -2)
            continue;
        if (col < 0)
            return bki_fail(err, BK_ERR_INTERNAL, "the run has no daily column for %s", s->name);
        double sum = 0;
        for (int d = s->d0; d <= s->d1 && d <= last; d++)
            sum += run->daily[(size_t)d * (size_t)run->n_cols + (size_t)col];
        values[k] = s->kind == S_IMPORTS ? sum / s->scale : sum;
    }
    return BK_OK;
}

/* Contract in blockade/calibrate.h. */
bk_status bk_obs_simulate(const bk_obs *obs, const bk_run *run, uint64_t seed, double report_prob,
                          double *values, bk_error *err)
{
    if (run->days < obs->d1 + 1)
        return bki_fail(err, BK_ERR_USAGE, "the run covers %d days; the observations need %d",
                           run->days, obs->d1 + 1);
    return obs_values(obs, run, obs->d1, seed, report_prob, values, err);
}

/* Contract in observed.h. */
bk_status bki_obs_bounds(const bk_obs *obs, const bk_run *run, int day, uint64_t seed,
                         double report_prob, double *low, double *high, bk_error *err)
{
    bk_status st = obs_values(obs, run, day, seed, report_prob, low, err);
    for (int k = 0; k < obs->n && st == BK_OK; k++) {
        const obs_stat *s = &obs->st[k];
        /* a count of attacks or a daily sum is final once its window has passed; tankers
         * destroyed are not: a held road adds the tankers it stops to its attack's entry up to
         * hold_hours later */
        high[k] = s->kind != S_DESTROYED && day >= s->d1 ? low[k] : (double)INFINITY;
    }
    return st;
}

/* Inverse CDF of Triangular(a, c, b) (mode c). */
static double tri_quantile(double a, double c, double b, double u)
{
    if (b <= a)
        return c;
    double f = (c - a) / (b - a);
    return u < f ? a + sqrt(u * (b - a) * (c - a)) : b - sqrt((1 - u) * (b - a) * (b - c));
}

/* Contract in blockade/calibrate.h. */
void bk_obs_draw_truth(const bk_obs *obs, uint64_t seed, double *values)
{
    bk_rng rng;
    bki_rng_init(&rng, seed, 0, BK_RNG_OBS_TRUTH, 0);
    for (int k = 0; k < obs->n; k++) {
        const obs_stat *s = &obs->st[k];
        double u = bki_rng_uniform(&rng); /* drawn for every statistic: keys stay aligned */
        values[k] = s->high > s->low ? tri_quantile(s->low, s->observed, s->high, u) : s->observed;
    }
}

/* Contract in blockade/calibrate.h. */
void bk_obs_truth_quantiles(const bk_obs *obs, int k, int K, double *q)
{
    const obs_stat *s = &obs->st[k];
    for (int i = 0; i < K; i++)
        q[i] = s->high > s->low ? tri_quantile(s->low, s->observed, s->high, (i + 0.5) / K)
                                : s->observed;
}

/* ---- parallel loop ------------------------------------------------------------------------- */

/* Contract in observed.h. */
int bki_cal_cpus(void)
{
    return bki_pool_cpus();
}

/* bki_par_for runs on the ensemble's worker pool; this adapts its work function. */
typedef struct par_adapter {
    bk_par_fn fn;
    void *ctx;
} par_adapter;

static bk_status par_work(void *ctx, int worker, uint64_t item, bk_error *err)
{
    (void)worker;
    const par_adapter *a = ctx;
    return a->fn(a->ctx, item, err);
}

/* Contract in observed.h. */
bk_status bki_par_for(uint64_t n, int threads, bk_par_fn fn, void *ctx,
                      const volatile sig_atomic_t *cancel, bk_error *err)
{
    par_adapter a = {fn, ctx};
    bk_pool_job job = {.ctx = &a, .work = par_work, .tick = NULL, .cancel = cancel};
    return bki_pool_run(&job, n, threads, err);
}
