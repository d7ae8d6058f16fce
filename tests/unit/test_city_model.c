/* test_city_model.c: properties of the city's mechanisms: stocks outside the depot (conserved,
 * never bringing the first stock-out earlier), the informal price (finite, no ceiling, moved by
 * news), power (an airlift never adds blackout hours with the utility's own stock and backup
 * generators), schools closed by decision (never starting in a holiday, lasting at least the
 * announced period), and the loader's errors for the new keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockade/blockade.h"
#include "bk_test.h"
#include "bk_test_model.h"
#include "bk_test_main.h"
#include "model/run.h"
#include "scenario/scenario.h"

#define MAXD 400

/* The test world's city with every new mechanism on. */
static const char *const CITY_EXTRA =
    "  expectations: {declaration: 1.0, attack: 0.1, news_days: 10, queue: 2.0, cover: 1.0,\n"
    "                 cover_days: 2}\n"
    "  buffers: {household_days: HHD, household_hoard: HHH, household_refill_days: 2,\n"
    "            informal_days: 0.5, informal_hoard: 2.0, informal_refill_days: 3}\n"
    "  pressure:";

/* Replace every occurrence of `from` by `to` (which must occur at least once); frees s. */
static char *edit(char *s, const char *from, const char *to)
{
    char *r = bk_test_replace(s, from, to);
    if (r == NULL)
        fail_msg("text to edit not found: %s", from);
    free(s);
    while (strstr(r, from) != NULL && strstr(to, from) == NULL) {
        char *t = bk_test_replace(r, from, to);
        free(r);
        r = t;
    }
    return r;
}

/* The two-corridor world with a huge depot (the supply side then never waits for room, so it
 * does not depend on the city), the new mechanisms, and `timeline` in place of its own. */
static char *world(const char *timeline, const char *hh_days, const char *hh_hoard)
{
    char *text = bk_test_big_depot_world(timeline);
    text = edit(text, "  pressure:", CITY_EXTRA);
    text = edit(text, "    adjust_days: 7", "    fear: 0.5\n    adjust_days: 7");
    text = edit(text, "HHD", hh_days);
    text = edit(text, "HHH", hh_hoard);
    text = edit(text, "demand_l_per_day: {gasoil: 320000}}",
                "demand_l_per_day: {gasoil: 320000}, stock_days: 4, restock_days: 3}");
    text = edit(text, "floor_share: 0.3, demand_l_per_day: {gasoil: 190000, gasoline: 60000}}",
                "floor_share: 0.3, demand_l_per_day: {gasoil: 190000, gasoline: 60000}, "
                "stock_days: 2}");
    text = edit(text, "power: {sector: power, fuel_share: 0.7, hours_normal: 20}",
                "power: {sector: power, fuel_share: 0.7, hours_normal: 20, backup_sector: "
                "freight, backup_l_per_h: 10000, fuel_share_by_month: [0.7, 0.7, 0.7, 0.7, "
                "0.8, 0.8, 0.7, 0.6, 0.6, 0.7, 0.7, 0.7]}");
    text = edit(text, "schools: {close_below: 0.5, close_days: 7, reopen_above: 0.8, reopen_days: 5}",
                "schools: {close_below: 0.5, close_days: 3, reopen_above: 0.8, reopen_days: 5, "
                "announce_days: 2, period_days: 10, holidays: [[2025-09-14, 2025-09-20], "
                "[2025-10-20, 2025-10-22]]}");
    return text;
}

static const char *const CUT_BOTH = "timeline:\n"
                                    "  - {date: 2025-09-04, type: supply_cut, port: west, factor: 0, "
                                    "hours: 480}\n"
                                    "  - {date: 2025-09-04, type: supply_cut, port: south, factor: "
                                    "0, hours: 480}\n";
static const char *const CUT_WEST = "timeline:\n"
                                    "  - {date: 2025-09-04, type: supply_cut, port: west, factor: 0, "
                                    "hours: 480}\n";

#define run_seed(sc, seed) bk_test_run_checked(sc, seed)

#define series(run, name, buf) bk_test_series(run, name, buf, MAXD)

/* series of each daily column named in the NULL-terminated list of pairs (name, buffer) that
 * follows run. */
static void series_all(const bk_run *run, ...)
{
    va_list ap;
    va_start(ap, run);
    for (const char *name; (name = va_arg(ap, const char *)) != NULL;)
        series(run, name, va_arg(ap, double *));
    va_end(ap);
}

/* Litres are conserved across the depot and every stock outside it (the run checks it every
 * day; here the totals too), and the outside stocks did carry the city: they fell. */
static void test_litres_conserved_across_buffers(void **state)
{
    (void)state;
    char *text = world(CUT_BOTH, "2", "1.0");
    bk_scenario *sc = bk_test_load_and_free(text);
    double initial = bk_test_initial_stock(sc);
    for (uint64_t seed = 1; seed <= 10; seed++) {
        bk_run *run = run_seed(sc, seed);
        bk_run_totals t;
        bk_run_get_totals(run, &t);
        double in = initial + t.outside_start_l + t.delivered_l + t.airlifted_l;
        double out = t.consumed_l + t.final_stock_l + t.outside_end_l;
        assert_true(t.outside_start_l > 0);
        assert_true(fabs(in - out) <= 1e-9 * in);
        double outside[MAXD];
        series(run, "outside_stock_l", outside);
        double low = outside[0];
        for (int d = 0; d < run->days; d++)
            low = outside[d] < low ? outside[d] : low;
        assert_true(low < 0.5 * t.outside_start_l); /* the cut drew them down */
        bk_run_free(run);
    }
    bk_scenario_free(sc);
}

/* A larger household stock never brings the first stock-out earlier (without hoarding, which
 * can pull the depot down faster: that is a behaviour, not a buffer), and it leaves less of the
 * private transport's demand unmet. Same seeds, same deliveries: the depot never fills, so
 * supply does not depend on the city. */
static void test_household_stock_never_earlier_stockout(void **state)
{
    (void)state;
    const char *sizes[] = {"0", "1", "3", "6"};
    double unmet[4] = {0};
    for (uint64_t seed = 1; seed <= 8; seed++) {
        double prev = -2;
        for (int k = 0; k < 4; k++) {
            char *text = world(CUT_BOTH, sizes[k], "0");
            bk_scenario *sc = bk_test_load_and_free(text);
            bk_run *run = run_seed(sc, seed);
            bk_run_totals t;
            bk_run_get_totals(run, &t);
            double so = t.first_stockout_day < 0 ? 1e9 : t.first_stockout_day;
            if (k > 0 && so < prev)
                fail_msg("seed %llu: household_days %s gives the first stock-out on day %g, "
                         "earlier than day %g with less", (unsigned long long)seed, sizes[k],
                         so, prev);
            for (int s = 0; s < sc->cityside.n_sectors; s++)
                if (strcmp(sc->cityside.sectors[s].id, "private_transport") == 0)
                    unmet[k] += run->unmet_sector_l[s];
            prev = so;
            bk_run_free(run);
            bk_scenario_free(sc);
        }
    }
    for (int k = 1; k < 4; k++) /* the households' stock did carry them */
        assert_true(unmet[k] < unmet[k - 1]);
}

/* An airlift on top of the same deliveries never adds blackout hours, with the utility's own
 * stock, backup generators and seasonal hydro in play. */
static void test_airlift_never_adds_blackout(void **state)
{
    (void)state;
    char *base = world(CUT_BOTH, "2", "1.0");
    char with[512];
    snprintf(with, sizeof with, "%s  - {date: 2025-09-02, type: airlift, litres_per_day: "
                                "300000, product: gasoil}\n", CUT_BOTH);
    char *more = world(with, "2", "1.0");
    bk_scenario *sa = bk_test_load_and_free(base), *sb = bk_test_load_and_free(more);
    long better = bk_test_no_more_blackout(sa, sb, 10);
    assert_true(better > 0);
    bk_scenario_free(sa);
    bk_scenario_free(sb);
}

/* The informal price is finite, below exp(sensitivity + fear) by construction, and has no
 * ceiling that scenarios hit: a deeper cut gives a higher peak. */
static void test_price_finite_no_ceiling(void **state)
{
    (void)state;
    char *deep = world(CUT_BOTH, "2", "1.0"), *mild = world(CUT_WEST, "2", "1.0");
    bk_scenario *sd = bk_test_load_and_free(deep), *sm = bk_test_load_and_free(mild);
    double bound = exp(sd->cityside.price_sensitivity + sd->cityside.price_fear);
    double sum_deep = 0, sum_mild = 0;
    for (uint64_t seed = 1; seed <= 10; seed++) {
        bk_run *a = run_seed(sd, seed), *b = run_seed(sm, seed);
        double ra[MAXD], rb[MAXD];
        series(a, "price_ratio", ra);
        series(b, "price_ratio", rb);
        double pa = 0, pb = 0;
        for (int d = 0; d < a->days; d++) {
            assert_true(isfinite(ra[d]) && ra[d] >= 1.0 - 1e-12 && ra[d] < bound);
            assert_true(isfinite(rb[d]) && rb[d] >= 1.0 - 1e-12 && rb[d] < bound);
            pa = ra[d] > pa ? ra[d] : pa;
            pb = rb[d] > pb ? rb[d] : pb;
        }
        sum_deep += pa;
        sum_mild += pb;
        bk_run_free(a);
        bk_run_free(b);
    }
    assert_true(sum_deep > sum_mild + 0.1 * 10);
    bk_scenario_free(sd);
    bk_scenario_free(sm);
}

/* News moves the price: with plenty of fuel and no shortage, the declaration alone raises the
 * informal price the day it is made, and nothing does before it. */
static void test_declaration_moves_price(void **state)
{
    (void)state;
    char *text = world("", "2", "1.0");
    /* a full depot with no reserve: nobody goes short in 60 days */
    text = edit(text, "initial_stock_l: {gasoil: 6000000, gasoline: 4000000}",
                "initial_stock_l: {gasoil: 600000000, gasoline: 400000000}");
    text = edit(text, "reserve_floor_l: {gasoil: 5500000, gasoline: 1000000}",
                "reserve_floor_l: {gasoil: 0, gasoline: 0}");
    text = edit(text, "attack: 0.1, news", "attack: 0, news"); /* attacks before it are news too */
    bk_scenario *sc = bk_test_load_and_free(text);
    int decl = 4; /* campaign_start 2025-09-05 = day 4 */
    for (uint64_t seed = 1; seed <= 3; seed++) {
        bk_run *run = run_seed(sc, seed);
        double r[MAXD], e[MAXD], sh[MAXD];
        series_all(run, "price_ratio", r, "expectation", e, "shortage_share", sh, NULL);
        for (int d = 0; d < decl; d++)
            assert_true(fabs(r[d] - 1.0) < 1e-12 && e[d] == 0.0);
        assert_true(e[decl] > 0.5);
        assert_true(r[decl] > 1.01);
        for (int d = 0; d < run->days; d++)
            assert_true(sh[d] < 1e-9);
        bk_run_free(run);
    }
    bk_scenario_free(sc);
}

/* Schools closed by decision: a closure never begins in a holiday, lasts at least the announced
 * period (unless the horizon ends first), and the decision needs close_days short days first:
 * no closure begins before close_days + announce_days. */
static void test_schools_decisions(void **state)
{
    (void)state;
    char *text = world(CUT_BOTH, "0", "0");
    bk_scenario *sc = bk_test_load_and_free(text);
    const bk_city_side *cs = &sc->cityside;
    int closures = 0;
    for (uint64_t seed = 1; seed <= 10; seed++) {
        bk_run *run = run_seed(sc, seed);
        double open[MAXD], hol[MAXD];
        series_all(run, "schools_open", open, "school_holiday", hol, NULL);
        int n = run->days;
        for (int d = 0; d < n; d++) {
            bool start = open[d] == 0 && (d == 0 || open[d - 1] == 1);
            if (!start)
                continue;
            closures++;
            if (hol[d] != 0)
                fail_msg("seed %llu: a closure begins on day %d, a holiday",
                         (unsigned long long)seed, d);
            assert_true(d >= cs->school_close_days - 1 + cs->school_announce_days);
            int e = d;
            while (e < n && open[e] == 0)
                e++;
            if (e < n && e - d < cs->school_period_days)
                fail_msg("seed %llu: closed %d days from day %d, announced %d",
                         (unsigned long long)seed, e - d, d, cs->school_period_days);
            if (e < n)
                assert_true((e - d) % cs->school_period_days == 0); /* whole periods */
        }
        bk_run_free(run);
    }
    assert_true(closures > 0);
    bk_scenario_free(sc);
}

/* Hydro by season: the power sector's fuel demand follows the month's fuel share over the mean
 * (September 0.6, October 0.7, mean 0.7); backup generators: the backup sector wants
 * backup_l_per_h more litres per hour of the previous day's blackout beyond the normal. Both
 * sectors have no price elasticity in the test world, so the identities are exact. */
static void test_hydro_season_and_backup(void **state)
{
    (void)state;
    char *text = world(CUT_BOTH, "2", "1.0");
    bk_scenario *sc = bk_test_load_and_free(text);
    int extra_days = 0;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        bk_run *run = run_seed(sc, seed);
        double pw[MAXD], fr[MAXD], bo[MAXD];
        series_all(run, "demand_power_l", pw, "demand_freight_l", fr, "blackout_hours", bo, NULL);
        for (int d = 0; d < run->days; d++) {
            double want = 320000.0 * (d < 30 ? 0.6 : 0.7) / 0.7;
            assert_true(fabs(pw[d] - want) < 1e-6 * want);
            double x = d > 0 && bo[d - 1] > 4.0 ? bo[d - 1] - 4.0 : 0.0;
            assert_true(fabs(fr[d] - (250000.0 + 10000.0 * x)) < 1e-6 * fr[d]);
            extra_days += x > 0;
        }
        bk_run_free(run);
    }
    assert_true(extra_days > 0); /* the cut did bring blackouts beyond the normal */
    bk_scenario_free(sc);
}

/* Same scenario, same seed: the same daily series to the bit, with every city mechanism on. */
static void test_same_seed_same_series(void **state)
{
    (void)state;
    char *text = world(CUT_BOTH, "2", "1.0");
    bk_scenario *sc = bk_test_load_and_free(text);
    bk_run *a = run_seed(sc, 7), *b = run_seed(sc, 7);
    bk_test_assert_same_daily(a, b);
    bk_run_free(a);
    bk_run_free(b);
    bk_scenario_free(sc);
}

/* Bad values of the new keys: the file, the line and what was expected. */
static void expect_error(const char *from, const char *to, const char *want)
{
    char *text = world("", "2", "1.0");
    text = edit(text, from, to);
    bk_error err = bk_test_load_error(text, want);
    if (strstr(err.message, "test.yaml:") == NULL)
        fail_msg("error '%s' does not name the file", err.message);
    free(text);
}

static void test_bad_keys(void **state)
{
    (void)state;
    expect_error("0.8, 0.8, 0.7, 0.6, 0.6, 0.7, 0.7, 0.7]", "0.8]",
                 "fuel_share_by_month must be a list of 12 shares");
    expect_error("[2025-10-20, 2025-10-22]", "[2025-10-22, 2025-10-20]",
                 "holidays[1]: the holiday ends before it begins");
    expect_error("[2025-10-20, 2025-10-22]", "[2025-10-20]", "holidays[1] must be [from, to]");
    expect_error("backup_sector: freight, ", "", "backup_l_per_h needs backup_sector");
    expect_error("informal_hoard: 2.0", "informal_hoard: -1", "city.buffers.informal_hoard");
    expect_error("stock_days: 2}", "stock_days: 2, restock_days: 0}", "restock_days");
    expect_error("cover_days: 2}", "cover_days: 2, panic: 1}", "unknown key 'panic'");
}

BK_TEST_MAIN(test_litres_conserved_across_buffers, test_household_stock_never_earlier_stockout,
             test_airlift_never_adds_blackout, test_price_finite_no_ceiling,
             test_declaration_moves_price, test_schools_decisions, test_hydro_season_and_backup,
             test_same_seed_same_series, test_bad_keys)
