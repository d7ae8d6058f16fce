/* bk_test_model.h: helpers shared by the model tests that edit a scenario's text, load it and
 * run it. Unlike bk_test.h, these fail the calling cmocka test themselves (fail_msg) on any
 * error, so a test reads as a list of edits and checks.
 */
#ifndef BK_TEST_MODEL_H
#define BK_TEST_MODEL_H

#include <stdint.h>
#include <stdio.h>

#include "blockade/blockade.h"

/* A whole file as a new NUL-terminated string (free it); fails the test if it cannot be read. */
char *bk_test_slurp(const char *path);

/* bk_test_make_temp_dir and bk_test_write_temp that fail the test instead of returning NULL. */
char *bk_test_temp_dir(const char *prefix);
char *bk_test_temp_file(const char *dir, const char *name, const void *data, size_t len);

/* bk_test_slurp of the file at `relative` in the source tree, e.g. "docs/outputs.md". */
char *bk_test_slurp_source(const char *relative);

/* Replace the first occurrence of `from` (which must exist) by `to`; frees s. */
char *bk_test_edit(char *s, const char *from, const char *to);

/* Replace every occurrence of `from` by `to`; frees s. */
char *bk_test_edit_all(char *s, const char *from, const char *to);

/* bk_test_edit of s by each pair (from, to) of the NULL-terminated list `edits`, in order;
 * frees s. BK_TEST_EDITS(s, "from", "to", ...) lists the pairs in place. */
char *bk_test_edits(char *s, const char *const *edits);
#define BK_TEST_EDITS(s, ...) bk_test_edits((s), (const char *const[]){__VA_ARGS__, NULL})

/* The scenario of a YAML text named "test.yaml"; fails the test if it does not load. */
bk_scenario *bk_test_load_text(const char *text);

/* bk_test_load_text of text, which it then frees (for a text made only to be loaded). */
bk_scenario *bk_test_load_and_free(char *text);

/* The scenario of the file at path, read and loaded as by bk_test_load_text; fails the test if
 * it cannot be read or does not load. */
bk_scenario *bk_test_load_file(const char *path);

/* The scenario of a copy of text with the first `from` (which must exist) replaced by `to`;
 * text itself is left as it is. Fails the test if the edited text does not load. */
bk_scenario *bk_test_load_edited(const char *text, const char *from, const char *to);

/* bk_test_load_edited with every `from` replaced. */
bk_scenario *bk_test_load_edited_all(const char *text, const char *from, const char *to);

/* Loading the YAML text (named "test.yaml") must fail, leave no scenario and give a message
 * containing `want`; otherwise the test fails. */
void bk_test_load_fails(const char *text, const char *want);

/* bk_test_load_fails, returning the error for further checks (its status, line). */
bk_error bk_test_load_error(const char *text, const char *want);

/* Replication 0 of sc with `seed`, for `days` days (0: the scenario's horizon); fails the test
 * if the run fails. */
bk_run *bk_test_run(const bk_scenario *sc, uint64_t seed, int days);

/* Replication 0 of sc with `seed` over the scenario's horizon, checking the run's invariants
 * every day; fails the test if the run fails. */
bk_run *bk_test_run_checked(const bk_scenario *sc, uint64_t seed);

/* Replication 0 of a and of b with the same `seed` for `days` days (0: their horizons), as
 * bk_test_run: their totals into *ta and *tb. Returns the number of days of a's run. */
int bk_test_run_pair(const bk_scenario *a, const bk_scenario *b, uint64_t seed, int days,
                     bk_run_totals *ta, bk_run_totals *tb);

/* The daily CSV and then the events CSV of run, as one new string (free it); *len (if not NULL)
 * its length. */
char *bk_test_run_csv(const bk_run *run, size_t *len);

/* More fuel never means more blackout: for seeds 1..seeds, replication 0 of `more` (base with
 * more fuel) has at most base's blackout hours on every day; fails the test, naming the seed and
 * the day, otherwise. Returns the number of days on which it has fewer. */
long bk_test_no_more_blackout(const bk_scenario *base, const bk_scenario *more, int seeds);

/* The run's totals balance: litres loaded = delivered + burned + captured + in transit, and
 * tankers at the start + joined = active + destroyed + captured; fails the test otherwise. */
void bk_test_assert_balanced(const bk_run_totals *t);

/* Runs a and b have the same number of days and columns and the same daily series to the bit;
 * fails the test otherwise. */
void bk_test_assert_same_daily(const bk_run *a, const bk_run *b);

/* The city's stocks at the start, all products, in litres. */
double bk_test_initial_stock(const bk_scenario *sc);

/* bk_test_run_csv of replication 0 of sc with `seed` over its horizon (the run is freed). */
char *bk_test_seed_csv(const bk_scenario *sc, uint64_t seed, size_t *len);

/* Index of the daily column `name` of run, or -1 if it has none. */
int bk_test_col(const bk_run *run, const char *name);

/* Daily column `name` of run into buf (at least maxd values); fails the test if the run has no
 * such column or more than maxd days. */
void bk_test_series(const bk_run *run, const char *name, double *buf, int maxd);

/* Sum of daily column `name` over days from .. to - 1 (clipped to the run); fails the test if
 * the run has no such column. */
double bk_test_sum_days(const bk_run *run, const char *name, int from, int to);

/* The two-corridor test scenario (scenarios/test/two-corridors.yaml) with its observed events
 * (tests/data/two-corridors-events.csv, placed on its roads) and aggregates
 * (tests/data/two-corridors-aggregates.csv); fails the test if any does not load. Free the
 * three with their own functions. */
void bk_test_observed_world(bk_scenario **sc, bk_events **ev, bk_aggregates **ag);

/* The two-corridor test world (scenarios/test/two-corridors.yaml) without its timeline, with a
 * huge depot (the supply side then never waits for room), and `timeline` appended in place of
 * its own; a new string (free it). Fails the test on error. */
char *bk_test_big_depot_world(const char *timeline);

/* bk_test_big_depot_world with the armed group blind (intelligence 0 in every cell) and no
 * random road cuts: only drivers, escorts and `timeline` shape the traffic. */
char *bk_test_quiet_world(const char *timeline);

/* The text of the two-corridor reference scenario (scenarios/test/two-corridors.yaml), read by
 * bk_test_setup_base and freed by bk_test_teardown_base (cmocka group set-up and teardown). */
#define BK_TEST_REFERENCE_FILE "scenarios/test/two-corridors.yaml"
extern char *bk_test_base_text;
int bk_test_setup_base(void **state);
int bk_test_teardown_base(void **state);

/* The reference scenario loaded from its file (BK_TEST_REFERENCE_FILE); fails the test if it
 * does not load. */
bk_scenario *bk_test_load_reference(void);

/* The embedded default scenario (bk_scenario_load_default); fails the test if it does not load. */
bk_scenario *bk_test_load_default(void);

/* cmocka set-up of each test of a group: a scenario of its own in *state, the reference one
 * (bk_test_load_reference) or the embedded default (bk_test_load_default), which the test may
 * change; bk_test_teardown_scenario frees it. */
int bk_test_setup_reference(void **state);
int bk_test_setup_default(void **state);
int bk_test_teardown_scenario(void **state);

/* Levers for the reference scenario: both corridors' escort units within a budget of 10, and an
 * adversary that may move the west cell's home. */
extern const char bk_test_reference_levers[];

/* The policy of the YAML text `text` (named `name` in messages) applied to base: its status, the
 * new scenario in *out (NULL on failure; free it) and the message in err. Never fails the test
 * itself. */
bk_status bk_test_apply_policy(const char *text, const char *name, const bk_scenario *base,
                               bk_scenario **out, bk_error *err);

/* A bad policy text, the status it must fail with and a part of its message. */
typedef struct bk_test_policy_case {
    const char *text, *expect;
    bk_status status;
} bk_test_policy_case;

/* Applying each of the n policy texts of cases (named `name`) to base must fail with its status,
 * leave no scenario and give a message naming `name` and containing its `expect`; otherwise the
 * test fails, naming the case by its index. */
void bk_test_policy_cases(const bk_test_policy_case *cases, size_t n, const char *name,
                          const bk_scenario *base);

/* The warnings of `scenario check` (bk_scenario_lint) for sc, one a line, as a new string (free
 * it); their number in *n. Fails the test if the check itself fails. */
char *bk_test_lint(const bk_scenario *sc, int *n);

/* What bk_scenario_describe writes for sc, as a new string (free it); fails the test on error. */
char *bk_test_describe(const bk_scenario *sc);

/* Fails the test, naming the first one missing, unless text contains every string of the
 * NULL-terminated list `want`; BK_TEST_HAS_ALL(text, "a", "b") lists them in place. */
void bk_test_has_all(const char *text, const char *const *want);
#define BK_TEST_HAS_ALL(text, ...) bk_test_has_all((text), (const char *const[]){__VA_ARGS__, NULL})

/* A writer of one output file (a wrapper such as `return bk_run_write_daily_csv(obj, out);`). */
typedef bk_status (*bk_test_writer)(const void *obj, FILE *out);

/* Write the file `name` in `dir` with fn. 0 on success, -1 if it cannot be opened, written or
 * closed (never fails the test itself: usable in a group set-up). */
int bk_test_write_with(const char *dir, const char *name, bk_test_writer fn, const void *obj);

/* Write the file scenario.yaml in `dir`: the text of sc as loaded, as `blockade run --out` keeps
 * it. 0 on success, -1 on failure (never fails the test itself: usable in a group set-up). */
int bk_test_write_scenario(const char *dir, const bk_scenario *sc);

/* The HTML report of the output directory `dir` in memory (free it), returned even on failure
 * so that a test can check that nothing was written; the status in *st, the message in *err,
 * the length in *len (if not NULL). */
char *bk_test_report(const char *dir, const bk_report_config *cfg, bk_status *st, bk_error *err,
                     size_t *len);

/* bk_test_report that must succeed: fails the test with the message otherwise. */
char *bk_test_report_ok(const char *dir, const bk_report_config *cfg, size_t *len);

/* Output written to memory: bk_test_capture_open gives a stream (failing the test if it cannot),
 * bk_test_capture_close closes it and returns all that was written as a new NUL-terminated
 * string (free it); its length in bytes is left in c->len. */
typedef struct bk_test_capture {
    FILE *f;
    char *text;
    size_t len;
} bk_test_capture;
FILE *bk_test_capture_open(bk_test_capture *c);
char *bk_test_capture_close(bk_test_capture *c);

#endif
