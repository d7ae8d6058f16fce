/* bk_test_model.c: see bk_test_model.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bk_test.h"
#include "bk_test_model.h"
#include "model/run.h"
#include "scenario/scenario.h"

char *bk_test_slurp(const char *path)
{
    char *s = bk_test_read_file(path, NULL);
    if (s == NULL)
        fail_msg("cannot read %s", path);
    return s;
}

char *bk_test_temp_dir(const char *prefix)
{
    char *dir = bk_test_make_temp_dir(prefix);
    if (dir == NULL)
        fail_msg("cannot make a temporary directory %s", prefix);
    return dir;
}

char *bk_test_temp_file(const char *dir, const char *name, const void *data, size_t len)
{
    char *path = bk_test_write_temp(dir, name, data, len);
    if (path == NULL)
        fail_msg("cannot write %s in %s", name, dir);
    return path;
}

char *bk_test_slurp_source(const char *relative)
{
    char *path = bk_test_source_path(relative);
    assert_non_null(path);
    char *s = bk_test_slurp(path);
    free(path);
    return s;
}

char *bk_test_edit(char *s, const char *from, const char *to)
{
    char *p = strstr(s, from);
    if (p == NULL)
        fail_msg("test scenario has no '%s'", from);
    size_t a = (size_t)(p - s), lf = strlen(from), lt = strlen(to), n = strlen(s);
    char *r = malloc(n - lf + lt + 1);
    assert_non_null(r);
    memcpy(r, s, a);
    memcpy(r + a, to, lt);
    memcpy(r + a + lt, p + lf, n - a - lf + 1);
    free(s);
    return r;
}

char *bk_test_edit_all(char *s, const char *from, const char *to)
{
    while (strstr(s, from))
        s = bk_test_edit(s, from, to);
    return s;
}

char *bk_test_edits(char *s, const char *const *edits)
{
    for (; *edits != NULL; edits += 2) {
        if (edits[1] == NULL)
            fail_msg("edit of '%s' has no replacement", edits[0]);
        s = bk_test_edit(s, edits[0], edits[1]);
    }
    return s;
}

bk_scenario *bk_test_load_text(const char *text)
{
    bk_scenario *sc = NULL;
    bk_error err = {0};
    bk_status st = bk_scenario_load_string(text, strlen(text), "test.yaml", &sc, &err);
    if (st != BK_OK)
        fail_msg("scenario did not load: %s", err.message);
    return sc;
}

bk_scenario *bk_test_load_and_free(char *text)
{
    bk_scenario *sc = bk_test_load_text(text);
    free(text);
    return sc;
}

bk_scenario *bk_test_load_file(const char *path)
{
    char *text = bk_test_slurp(path);
    bk_scenario *sc = bk_test_load_text(text);
    free(text);
    return sc;
}

/* The scenario of a copy of text edited by edit (bk_test_edit or bk_test_edit_all). */
static bk_scenario *load_copy_edited(const char *text,
                                     char *(*edit)(char *, const char *, const char *),
                                     const char *from, const char *to)
{
    char *copy = strdup(text);
    assert_non_null(copy);
    copy = edit(copy, from, to);
    bk_scenario *sc = bk_test_load_text(copy);
    free(copy);
    return sc;
}

bk_scenario *bk_test_load_edited(const char *text, const char *from, const char *to)
{
    return load_copy_edited(text, bk_test_edit, from, to);
}

bk_scenario *bk_test_load_edited_all(const char *text, const char *from, const char *to)
{
    return load_copy_edited(text, bk_test_edit_all, from, to);
}

bk_error bk_test_load_error(const char *text, const char *want)
{
    bk_scenario *sc = NULL;
    bk_error err = {0};
    bk_status st = bk_scenario_load_string(text, strlen(text), "test.yaml", &sc, &err);
    if (st == BK_OK)
        fail_msg("loaded although it should fail with '%s'", want);
    assert_null(sc);
    if (strstr(err.message, want) == NULL)
        fail_msg("message '%s' does not contain '%s'", err.message, want);
    return err;
}

void bk_test_load_fails(const char *text, const char *want)
{
    (void)bk_test_load_error(text, want);
}

bk_run *bk_test_run(const bk_scenario *sc, uint64_t seed, int days)
{
    bk_run_config cfg;
    bk_run_config_init(&cfg, sc);
    cfg.seed = seed;
    if (days > 0)
        cfg.days = days;
    bk_run *run = NULL;
    bk_error err = {0};
    bk_status st = bk_sim_run(sc, &cfg, &run, &err);
    if (st != BK_OK)
        fail_msg("run failed (seed %llu): %s", (unsigned long long)seed, err.message);
    return run;
}

bk_run *bk_test_run_checked(const bk_scenario *sc, uint64_t seed)
{
    bk_run_config cfg;
    bk_run_config_init(&cfg, sc);
    cfg.seed = seed;
    cfg.check_invariants = true;
    bk_run *run = NULL;
    bk_error err = {0};
    if (bk_sim_run(sc, &cfg, &run, &err) != BK_OK)
        fail_msg("run failed (seed %llu): %s", (unsigned long long)seed, err.message);
    return run;
}

int bk_test_run_pair(const bk_scenario *a, const bk_scenario *b, uint64_t seed, int days,
                     bk_run_totals *ta, bk_run_totals *tb)
{
    bk_run *ra = bk_test_run(a, seed, days), *rb = bk_test_run(b, seed, days);
    bk_run_get_totals(ra, ta);
    bk_run_get_totals(rb, tb);
    int n = ra->days;
    bk_run_free(ra);
    bk_run_free(rb);
    return n;
}

char *bk_test_run_csv(const bk_run *run, size_t *len)
{
    bk_test_capture cap;
    FILE *f = bk_test_capture_open(&cap);
    assert_int_equal(bk_run_write_daily_csv(run, f), BK_OK);
    assert_int_equal(bk_run_write_events_csv(run, f), BK_OK);
    char *text = bk_test_capture_close(&cap);
    if (len)
        *len = cap.len;
    return text;
}

char *bk_test_seed_csv(const bk_scenario *sc, uint64_t seed, size_t *len)
{
    bk_run *run = bk_test_run(sc, seed, 0);
    char *text = bk_test_run_csv(run, len);
    bk_run_free(run);
    return text;
}

long bk_test_no_more_blackout(const bk_scenario *base, const bk_scenario *more, int seeds)
{
    long better = 0;
    for (uint64_t seed = 1; seed <= (uint64_t)seeds; seed++) {
        bk_run *a = bk_test_run_checked(base, seed), *b = bk_test_run_checked(more, seed);
        assert_int_equal(a->days, b->days);
        double *ba = malloc(sizeof *ba * (size_t)a->days), *bb = malloc(sizeof *bb * (size_t)a->days);
        assert_true(ba && bb);
        bk_test_series(a, "blackout_hours", ba, a->days);
        bk_test_series(b, "blackout_hours", bb, b->days);
        for (int d = 0; d < a->days; d++) {
            if (bb[d] > ba[d] + 1e-9)
                fail_msg("seed %llu day %d: %.3f h of blackout with more fuel, %.3f without",
                         (unsigned long long)seed, d, bb[d], ba[d]);
            better += bb[d] < ba[d] - 1e-9;
        }
        free(ba);
        free(bb);
        bk_run_free(a);
        bk_run_free(b);
    }
    return better;
}

void bk_test_assert_balanced(const bk_run_totals *t)
{
    double rhs = t->delivered_l + t->burned_l + t->captured_l + t->in_transit_l;
    assert_true(fabs(t->loaded_l - rhs) <= 1e-6 * t->loaded_l);
    assert_int_equal(t->tankers_start + t->tankers_joined,
                     t->tankers_active + t->tankers_destroyed + t->tankers_captured);
}

void bk_test_assert_same_daily(const bk_run *a, const bk_run *b)
{
    assert_int_equal(a->days, b->days);
    assert_int_equal(a->n_cols, b->n_cols);
    assert_memory_equal(a->daily, b->daily, (size_t)a->days * a->n_cols * sizeof *a->daily);
}

double bk_test_initial_stock(const bk_scenario *sc)
{
    double litres = 0;
    for (int p = 0; p < sc->n_products; p++)
        litres += sc->city.initial_stock_l[p];
    return litres;
}

int bk_test_col(const bk_run *run, const char *name)
{
    for (int c = 0; c < run->n_cols; c++)
        if (strcmp(run->cols[c].name, name) == 0)
            return c;
    return -1;
}

void bk_test_series(const bk_run *run, const char *name, double *buf, int maxd)
{
    int c = bk_test_col(run, name);
    if (c < 0)
        fail_msg("no column %s", name);
    assert_true(run->days <= maxd);
    for (int d = 0; d < run->days; d++)
        buf[d] = run->daily[(size_t)d * run->n_cols + c];
}

double bk_test_sum_days(const bk_run *run, const char *name, int from, int to)
{
    int c = bk_test_col(run, name);
    if (c < 0)
        fail_msg("no column %s", name);
    double s = 0;
    for (int d = from; d < to && d < run->days; d++)
        s += run->daily[(size_t)d * run->n_cols + c];
    return s;
}

void bk_test_observed_world(bk_scenario **sc, bk_events **ev, bk_aggregates **ag)
{
    char *sp = bk_test_source_path("scenarios/test/two-corridors.yaml");
    char *ep = bk_test_source_path("tests/data/two-corridors-events.csv");
    char *ap = bk_test_source_path("tests/data/two-corridors-aggregates.csv");
    assert_true(sp && ep && ap);
    bk_error err;
    assert_int_equal(bk_scenario_load_file(sp, sc, &err), BK_OK);
    assert_int_equal(bk_events_read_file(ep, NULL, ev, &err), BK_OK);
    assert_int_equal(bk_aggregates_read_file(ap, ag, &err), BK_OK);
    bk_events_place(*ev, *sc);
    free(sp);
    free(ep);
    free(ap);
}

char *bk_test_big_depot_world(const char *timeline)
{
    char *path = bk_test_source_path(BK_TEST_REFERENCE_FILE);
    assert_non_null(path);
    char *text = bk_test_read_file(path, NULL);
    free(path);
    assert_non_null(text);
    char *cut = strstr(text, "timeline:");
    assert_non_null(cut);
    *cut = 0;
    text = bk_test_edit(text, "depot_capacity_l: 30000000", "depot_capacity_l: 9000000000");
    size_t n = strlen(text);
    text = realloc(text, n + strlen(timeline) + 1);
    assert_non_null(text);
    strcpy(text + n, timeline);
    return text;
}

char *bk_test_quiet_world(const char *timeline)
{
    char *text = bk_test_big_depot_world(timeline);
    text = bk_test_edit_all(text, "intelligence: 0.3", "intelligence: 0");
    return bk_test_edit(text, "rate_per_day: 0.03", "rate_per_day: 0");
}

char *bk_test_base_text;

int bk_test_setup_base(void **state)
{
    (void)state;
    char *path = bk_test_source_path(BK_TEST_REFERENCE_FILE);
    bk_test_base_text = path ? bk_test_read_file(path, NULL) : NULL;
    free(path);
    return bk_test_base_text ? 0 : -1;
}

int bk_test_teardown_base(void **state)
{
    (void)state;
    free(bk_test_base_text);
    bk_test_base_text = NULL;
    return 0;
}

bk_scenario *bk_test_load_default(void)
{
    bk_scenario *sc = NULL;
    bk_error err = {0};
    if (bk_scenario_load_default(&sc, &err) != BK_OK)
        fail_msg("default scenario: %s", err.message);
    return sc;
}

bk_scenario *bk_test_load_reference(void)
{
    char *path = bk_test_source_path(BK_TEST_REFERENCE_FILE);
    assert_non_null(path);
    bk_error err = {0};
    bk_scenario *sc = NULL;
    bk_status st = bk_scenario_load_file(path, &sc, &err);
    free(path);
    if (st != BK_OK)
        fail_msg("%s", err.message);
    return sc;
}

int bk_test_setup_reference(void **state)
{
    *state = bk_test_load_reference();
    return 0;
}

int bk_test_setup_default(void **state)
{
    *state = bk_test_load_default();
    return 0;
}

int bk_test_teardown_scenario(void **state)
{
    bk_scenario_free(*state);
    *state = NULL;
    return 0;
}

const char bk_test_reference_levers[] =
    "levers:\n"
    "  - {path: corridors.west.escort.units, min: 0, max: 10}\n"
    "  - {path: corridors.south.escort.units, min: 0, max: 10}\n"
    "budgets:\n"
    "  - {levers: [corridors.west.escort.units, corridors.south.escort.units], total: 10}\n"
    "adversary:\n"
    "  levers:\n"
    "    - {path: armed_group.cells.west_cell.home, choices: [west_town, south_town]}\n";

int bk_test_write_with(const char *dir, const char *name, bk_test_writer fn, const void *obj)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return -1;
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    bk_status st = fn(obj, f);
    return fclose(f) == 0 && st == BK_OK ? 0 : -1;
}

int bk_test_write_scenario(const char *dir, const bk_scenario *sc)
{
    size_t len = 0;
    const char *text = bk_scenario_text(sc, &len);
    char *path = bk_test_write_temp(dir, "scenario.yaml", text, len);
    int rc = path ? 0 : -1;
    free(path);
    return rc;
}

char *bk_test_report(const char *dir, const bk_report_config *cfg, bk_status *st, bk_error *err,
                     size_t *len)
{
    bk_test_capture cap;
    FILE *f = bk_test_capture_open(&cap);
    memset(err, 0, sizeof *err);
    *st = bk_report_write(dir, cfg, f, err);
    char *text = bk_test_capture_close(&cap);
    if (len)
        *len = cap.len;
    return text;
}

char *bk_test_report_ok(const char *dir, const bk_report_config *cfg, size_t *len)
{
    bk_status st;
    bk_error err;
    char *text = bk_test_report(dir, cfg, &st, &err, len);
    if (st != BK_OK)
        fail_msg("report of %s: %s", dir, err.message);
    return text;
}

char *bk_test_lint(const bk_scenario *sc, int *n)
{
    bk_test_capture c;
    assert_int_equal(bk_scenario_lint(sc, bk_test_capture_open(&c), n), BK_OK);
    return bk_test_capture_close(&c);
}

char *bk_test_describe(const bk_scenario *sc)
{
    bk_test_capture c;
    assert_int_equal(bk_scenario_describe(sc, bk_test_capture_open(&c)), BK_OK);
    return bk_test_capture_close(&c);
}

void bk_test_has_all(const char *text, const char *const *want)
{
    for (; *want != NULL; want++)
        if (strstr(text, *want) == NULL)
            fail_msg("'%s' is not in:\n%s", *want, text);
}

FILE *bk_test_capture_open(bk_test_capture *c)
{
    c->text = NULL;
    c->len = 0;
    c->f = open_memstream(&c->text, &c->len);
    assert_non_null(c->f);
    return c->f;
}

char *bk_test_capture_close(bk_test_capture *c)
{
    assert_int_equal(fclose(c->f), 0);
    c->f = NULL;
    return c->text;
}

/* Contract in bk_test_model.h. */
bk_status bk_test_apply_policy(const char *text, const char *name, const bk_scenario *base,
                               bk_scenario **out, bk_error *err)
{
    bk_policy *p = NULL;
    *out = NULL;
    bk_status st = bk_policy_load_string(text, strlen(text), name, &p, err);
    if (st == BK_OK)
        st = bk_policy_apply(p, base, out, err);
    bk_policy_free(p);
    return st;
}

/* Contract in bk_test_model.h. */
void bk_test_policy_cases(const bk_test_policy_case *cases, size_t n, const char *name,
                          const bk_scenario *base)
{
    for (size_t i = 0; i < n; i++) {
        const bk_test_policy_case *c = &cases[i];
        bk_scenario *sc = NULL;
        bk_error err;
        memset(&err, 0, sizeof err);
        bk_status st = bk_test_apply_policy(c->text, name, base, &sc, &err);
        if (st != c->status)
            fail_msg("case %zu: status %s, expected %s (%s)", i, bk_status_name(st),
                     bk_status_name(c->status), err.message);
        if (!strstr(err.message, name) || !strstr(err.message, c->expect))
            fail_msg("case %zu: '%s' lacks '%s' or '%s'", i, err.message, name, c->expect);
        assert_null(sc);
    }
}
