/* test_ensemble.c: ensembles give the same answer however the work is split.
 *
 * Library level: 1, 2 and 3 threads give the same state and output bytes; shards 0/3, 1/3 and
 * 2/3 merged give the outputs of one process; an interruption and a resume from the
 * checkpoint give the uninterrupted result; mismatched parts are refused; exact values in
 * every output; bad windows and state versions refused. The command-line tool and
 * comparisons: test_ensemble_cli.c. Small N and short horizons keep it quick.
 */
#include "bk_test_model.h"
#include "ensemble_fixture.h"
#include "bk_test_main.h"

/* Everything an ensemble writes, concatenated, as a new string. */
static char *outputs_of(const bk_ensemble *ens, size_t *len)
{
    bk_test_capture cap;
    FILE *f = bk_test_capture_open(&cap);
    assert_int_equal(bk_ensemble_write_bands_csv(ens, f), BK_OK);
    assert_int_equal(bk_ensemble_write_curves_csv(ens, f), BK_OK);
    assert_int_equal(bk_ensemble_write_summary_json(ens, f), BK_OK);
    assert_int_equal(bk_ensemble_write_report(ens, f), BK_OK);
    assert_int_equal(bk_ensemble_write_replications_csv(ens, f), BK_OK);
    char *text = bk_test_capture_close(&cap);
    *len = cap.len;
    return text;
}

static char *state_of(const bk_ensemble *ens, size_t *len)
{
    bk_test_capture cap;
    assert_int_equal(bk_ensemble_write_state(ens, bk_test_capture_open(&cap)), BK_OK);
    char *text = bk_test_capture_close(&cap);
    *len = cap.len;
    return text;
}

static void base_config(bk_ensemble_config *cfg, uint64_t n, int threads)
{
    bk_ensemble_config_init(cfg, scenario);
    cfg->replications = n;
    cfg->days = 30;
    cfg->threads = threads;
}

static bk_ensemble *run_ensemble(const bk_ensemble_config *cfg)
{
    bk_ensemble *ens = NULL;
    bk_error err;
    assert_int_equal(bk_ensemble_new(scenario, cfg, &ens, &err), BK_OK);
    bk_status st = bk_ensemble_run(ens, &err);
    if (st != BK_OK)
        fail_msg("ensemble: %s", err.message);
    return ens;
}

static void test_threads_identical(void **state)
{
    (void)state;
    char *out[3], *st[3];
    size_t out_len[3], st_len[3];
    for (int t = 1; t <= 3; t++) {
        bk_ensemble_config cfg;
        base_config(&cfg, 40, t);
        bk_ensemble *ens = run_ensemble(&cfg);
        bk_ensemble_info info;
        bk_ensemble_get_info(ens, &info);
        assert_int_equal(info.replications_done, 40);
        assert_true(info.complete);
        out[t - 1] = outputs_of(ens, &out_len[t - 1]);
        st[t - 1] = state_of(ens, &st_len[t - 1]);
        bk_ensemble_free(ens);
    }
    for (int t = 1; t < 3; t++) {
        assert_int_equal(out_len[0], out_len[t]);
        assert_memory_equal(out[0], out[t], out_len[0]);
        assert_int_equal(st_len[0], st_len[t]);
        assert_memory_equal(st[0], st[t], st_len[0]);
    }
    /* the statistics say something: a mean between the quantiles, curves that rise */
    bk_ensemble_config cfg;
    base_config(&cfg, 40, 2);
    bk_ensemble *ens = run_ensemble(&cfg);
    bk_ensemble_stat s;
    assert_int_equal(bk_ensemble_total_stat(ens, "deliveries", &s), BK_OK);
    assert_true(s.q[0] <= s.q[2] && s.q[2] <= s.q[4] && s.q[0] > 0);
    assert_true(s.mean >= s.q[0] * 0.99 && s.mean <= s.q[4] * 1.01);
    assert_true(bk_ensemble_curve(ens, "first_attack", 29) >= bk_ensemble_curve(ens, "first_attack", 0));
    assert_true(bk_ensemble_curve(ens, "no_such_curve", 3) < 0);
    bk_ensemble_free(ens);
    for (int t = 0; t < 3; t++) {
        free(out[t]);
        free(st[t]);
    }
}

/* Read the state file at path: the status, the ensemble in *back and the message in *err. */
static bk_status read_state_file(const char *path, bk_ensemble **back, bk_error *err)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    bk_status st = bk_ensemble_read_state(f, path, back, err);
    fclose(f);
    return st;
}

/* Write a state to a file and read it back. */
static bk_ensemble *through_file(const bk_ensemble *ens, const char *name)
{
    size_t len = 0;
    char *bytes = state_of(ens, &len);
    char *path = bk_test_temp_file(tmp, name, bytes, len);
    bk_ensemble *back = NULL;
    bk_error err;
    assert_int_equal(read_state_file(path, &back, &err), BK_OK);
    free(path);
    free(bytes);
    return back;
}

static void test_shards_merge(void **state)
{
    (void)state;
    bk_ensemble_config cfg;
    base_config(&cfg, 30, 2);
    static const char *const windows[] = {"2025-09-10..2025-09-20", "2025-09-01..2025-09-01"};
    cfg.windows = windows;
    cfg.n_windows = 2;
    cfg.period = BK_ENSEMBLE_PERIOD_WEEK;
    bk_ensemble *single = run_ensemble(&cfg);
    size_t want_len;
    char *want = outputs_of(single, &want_len);
    bk_ensemble *parts[3];
    for (uint32_t i = 0; i < 3; i++) {
        cfg.shard_index = i;
        cfg.shard_count = 3;
        bk_ensemble *p = run_ensemble(&cfg);
        char name[32];
        snprintf(name, sizeof name, "part%u", i);
        parts[i] = through_file(p, name);
        bk_ensemble_free(p);
    }
    bk_error err;
    /* merged in another order than written */
    assert_int_equal(bk_ensemble_merge(parts[2], parts[0], &err), BK_OK);
    bk_ensemble_info info;
    bk_ensemble_get_info(parts[2], &info);
    assert_false(info.complete);
    assert_int_equal(bk_ensemble_merge(parts[2], parts[1], &err), BK_OK);
    bk_ensemble_get_info(parts[2], &info);
    assert_true(info.complete);
    size_t got_len;
    char *got = outputs_of(parts[2], &got_len);
    assert_int_equal(want_len, got_len);
    assert_memory_equal(want, got, want_len);
    /* the same part twice overlaps; another seed is another ensemble */
    assert_int_equal(bk_ensemble_merge(parts[2], parts[1], &err), BK_ERR_USAGE);
    cfg.shard_index = 0;
    cfg.seed = 999;
    bk_ensemble *other = run_ensemble(&cfg);
    assert_int_equal(bk_ensemble_merge(parts[0], other, &err), BK_ERR_USAGE);
    assert_non_null(strstr(err.message, "seed"));
    bk_ensemble_free(other);
    for (int i = 0; i < 3; i++)
        bk_ensemble_free(parts[i]);
    bk_ensemble_free(single);
    free(want);
    free(got);
}

/* Interrupt from the progress callback once some replications are done, keep the checkpoint,
 * resume from it: the result is the uninterrupted one. */
typedef struct interrupter {
    volatile sig_atomic_t cancel;
    char *checkpoint;
    size_t len;
    int checkpoints;
} interrupter;

static void stop_after_some(void *ud, uint64_t done, uint64_t total)
{
    interrupter *in = ud;
    (void)total;
    if (done >= 6)
        in->cancel = 1;
}

static bk_status keep_checkpoint(void *ud, const bk_ensemble *ens)
{
    interrupter *in = ud;
    free(in->checkpoint);
    in->checkpoint = state_of(ens, &in->len);
    in->checkpoints++;
    return BK_OK;
}

static void test_interrupt_resume(void **state)
{
    (void)state;
    bk_ensemble_config cfg;
    base_config(&cfg, 300, 2);
    bk_ensemble *whole = run_ensemble(&cfg);
    size_t want_len;
    char *want = outputs_of(whole, &want_len);
    bk_ensemble_free(whole);

    interrupter in = {0, NULL, 0, 0};
    cfg.cancel = &in.cancel;
    cfg.progress = stop_after_some;
    cfg.progress_ud = &in;
    cfg.checkpoint = keep_checkpoint;
    cfg.checkpoint_ud = &in;
    cfg.checkpoint_seconds = 0.05;
    bk_ensemble *ens = NULL;
    bk_error err;
    assert_int_equal(bk_ensemble_new(scenario, &cfg, &ens, &err), BK_OK);
    assert_int_equal(bk_ensemble_run(ens, &err), BK_ERR_INTERRUPTED);
    bk_ensemble_free(ens);
    assert_true(in.checkpoints >= 1);

    FILE *f = fmemopen(in.checkpoint, in.len, "rb");
    assert_non_null(f);
    bk_ensemble *ckpt = NULL;
    assert_int_equal(bk_ensemble_read_state(f, "checkpoint", &ckpt, &err), BK_OK);
    fclose(f);
    bk_ensemble_info info;
    bk_ensemble_get_info(ckpt, &info);
    assert_true(info.replications_done >= 6 && info.replications_done < 300);

    bk_ensemble_config again;
    base_config(&again, 300, 3);
    assert_int_equal(bk_ensemble_new(scenario, &again, &ens, &err), BK_OK);
    assert_int_equal(bk_ensemble_resume(ens, ckpt, &err), BK_OK);
    assert_int_equal(bk_ensemble_run(ens, &err), BK_OK);
    size_t got_len;
    char *got = outputs_of(ens, &got_len);
    assert_int_equal(want_len, got_len);
    assert_memory_equal(want, got, want_len);
    /* a checkpoint of another ensemble is refused */
    bk_ensemble *fresh = NULL;
    again.replications = 301;
    assert_int_equal(bk_ensemble_new(scenario, &again, &fresh, &err), BK_OK);
    assert_int_equal(bk_ensemble_resume(fresh, ckpt, &err), BK_ERR_USAGE);
    /* a damaged state file is refused */
    in.checkpoint[in.len / 2] ^= 0x40;
    f = fmemopen(in.checkpoint, in.len, "rb");
    bk_ensemble *damaged = NULL;
    assert_int_equal(bk_ensemble_read_state(f, "damaged", &damaged, &err), BK_ERR_SCHEMA);
    assert_null(damaged);
    fclose(f);
    bk_ensemble_free(fresh);
    bk_ensemble_free(ckpt);
    bk_ensemble_free(ens);
    free(in.checkpoint);
    free(want);
    free(got);
}

/* ---- exact values: a constant and integer counts, in every output ---------------------- */

/* Field `col` of data row `row` (0-based, after the header) of a CSV text whose fields hold no
 * commas; NaN when absent. */
static double csv_value(const char *text, long row, const char *col)
{
    const char *nl = strchr(text, '\n');
    if (!nl)
        return NAN;
    int idx = -1, k = 0;
    for (const char *p = text; p < nl; k++) {
        const char *e = p;
        while (e < nl && *e != ',')
            e++;
        if ((size_t)(e - p) == strlen(col) && strncmp(p, col, (size_t)(e - p)) == 0)
            idx = k;
        p = e + 1;
    }
    if (idx < 0)
        return NAN;
    const char *line = nl + 1;
    for (long r = 0; r < row && line; r++) {
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    if (!line || !*line)
        return NAN;
    for (int f = 0; f < idx; f++) {
        line = strpbrk(line, ",\n");
        if (!line || *line == '\n')
            return NAN;
        line++;
    }
    return strtod(line, NULL);
}

/* The line of `text` that starts with `prefix`, as a new string; fails the test when none. */
static char *line_starting(const char *text, const char *prefix)
{
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, prefix, strlen(prefix)) == 0) {
            const char *e = strchr(l, '\n');
            size_t n = e ? (size_t)(e - l) : strlen(l);
            char *out = malloc(n + 1);
            assert_non_null(out);
            memcpy(out, l, n);
            out[n] = '\0';
            return out;
        }
    }
    fail_msg("no line starting with '%s'", prefix);
    return NULL;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The order statistics of ranks floor(q (n - 1)) for q = 5, 25, 50, 75, 95 %, as the text
 * `"q05": A, "q25": B, ...` with integers. */
static void exact_q(const double *values, int n, long q[5], char *json, size_t size)
{
    static const double lv[5] = {0.05, 0.25, 0.50, 0.75, 0.95};
    double v[64];
    assert_true(n >= 1 && n <= 64);
    memcpy(v, values, (size_t)n * sizeof *v);
    qsort(v, (size_t)n, sizeof *v, cmp_dbl);
    for (int k = 0; k < 5; k++) {
        double x = v[(int)floor(lv[k] * (n - 1))];
        assert_true(x == floor(x)); /* counts */
        q[k] = (long)x;
    }
    snprintf(json, size, "\"q05\": %ld, \"q25\": %ld, \"q50\": %ld, \"q75\": %ld, \"q95\": %ld",
             q[0], q[1], q[2], q[3], q[4]);
}

/* Fails the test, naming `what`, unless the line of text starting with `prefix` contains want. */
static void expect_in_line(const char *text, const char *prefix, const char *want, const char *what)
{
    char *line = line_starting(text, prefix);
    if (!strstr(line, want))
        fail_msg("%s: %s, expected %s", what, line, want);
    free(line);
}

static void test_exact_values(void **state)
{
    (void)state;
    enum { N = 25, DAYS = 30, DAY = 15 };
    bk_ensemble_config cfg;
    base_config(&cfg, N, 2);
    static const char *const windows[] = {"2025-09-05..2025-09-20"};
    cfg.windows = windows;
    cfg.n_windows = 1;
    bk_ensemble *ens = run_ensemble(&cfg);
    /* the reference: every replication run on its own */
    double start[N], deliveries[N], daily_deliv[N], fleet0[N], win[N]; /* fleet0: campaign on DAY */
    for (int r = 0; r < N; r++) {
        bk_run_config rc;
        bk_run_config_init(&rc, scenario);
        rc.seed = cfg.seed;
        rc.replication = (uint32_t)r;
        rc.days = DAYS;
        rc.check_invariants = cfg.check_invariants;
        bk_run *run = NULL;
        bk_error err;
        assert_int_equal(bk_sim_run(scenario, &rc, &run, &err), BK_OK);
        bk_run_totals t;
        bk_run_get_totals(run, &t);
        start[r] = (double)t.tankers_start;
        deliveries[r] = (double)t.deliveries;
        bk_test_capture cap;
        assert_int_equal(bk_run_write_daily_csv(run, bk_test_capture_open(&cap)), BK_OK);
        char *daily = bk_test_capture_close(&cap);
        daily_deliv[r] = csv_value(daily, DAY, "deliveries");
        fleet0[r] = csv_value(daily, DAY, "campaign");
        win[r] = 0;
        for (int d = 4; d <= 19; d++)
            win[r] += csv_value(daily, d, "deliveries");
        assert_false(isnan(daily_deliv[r]) || isnan(fleet0[r]) || isnan(win[r]));
        free(daily);
        bk_run_free(run);
    }
    /* the fleet at the start and the campaign indicator (on by day 15) are the same in every
     * replication; deliveries vary */
    assert_true(fleet0[0] == 1.0);
    for (int r = 1; r < N; r++)
        assert_true(start[r] == start[0] && fleet0[r] == fleet0[0]);
    bool varies = false;
    for (int r = 1; r < N; r++)
        varies = varies || deliveries[r] != deliveries[0];
    assert_true(varies);

    bk_test_capture cap;
    assert_int_equal(bk_ensemble_write_replications_csv(ens, bk_test_capture_open(&cap)), BK_OK);
    char *text = bk_test_capture_close(&cap);
    for (int r = 0; r < N; r++) {
        assert_true(csv_value(text, r, "replication") == r);
        assert_true(csv_value(text, r, "seed") == (double)cfg.seed);
        assert_true(csv_value(text, r, "tankers_start") == start[r]);
        assert_true(csv_value(text, r, "deliveries") == deliveries[r]);
        assert_true(csv_value(text, r, "deliveries_2025_09_05_2025_09_20_total") == win[r]);
        /* 30 days from 1 September: one month, whose total is the run's */
        assert_true(csv_value(text, r, "deliveries_2025_09") == deliveries[r]);
        assert_true(isnan(csv_value(text, r, "deliveries_2025_10")));
    }
    free(text);

    long q[5];
    char want[256], pat[512];
    assert_int_equal(bk_ensemble_write_summary_json(ens, bk_test_capture_open(&cap)), BK_OK);
    text = bk_test_capture_close(&cap);
    snprintf(pat, sizeof pat, "\"mean\": %.0f, \"q05\": %.0f, \"q25\": %.0f, \"q50\": %.0f, "
             "\"q75\": %.0f, \"q95\": %.0f}", start[0], start[0], start[0], start[0], start[0],
             start[0]);
    expect_in_line(text, "    \"tankers_start\"", pat, "summary.json");
    exact_q(deliveries, N, q, want, sizeof want);
    expect_in_line(text, "    \"deliveries\"", want, "summary.json");
    exact_q(win, N, q, want, sizeof want);
    expect_in_line(text, "      \"deliveries\"", want, "summary.json window");
    free(text);

    assert_int_equal(bk_ensemble_write_bands_csv(ens, bk_test_capture_open(&cap)), BK_OK);
    text = bk_test_capture_close(&cap);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "campaign,0/1,%d,", DAY);
    snprintf(pat, sizeof pat, ",%.0f,%.0f,%.0f,%.0f,%.0f,%.0f", fleet0[0], fleet0[0], fleet0[0],
             fleet0[0], fleet0[0], fleet0[0]);
    expect_in_line(text, prefix, pat, "bands.csv mean and quantiles");
    exact_q(daily_deliv, N, q, want, sizeof want);
    snprintf(pat, sizeof pat, "deliveries,tankers,%d,", DAY);
    char *line = line_starting(text, pat);
    snprintf(pat, sizeof pat, ",%ld,%ld,%ld,%ld,%ld", q[0], q[1], q[2], q[3], q[4]);
    size_t ll = strlen(line), pl = strlen(pat);
    if (ll < pl || strcmp(line + ll - pl, pat) != 0)
        fail_msg("bands.csv: %s, expected quantiles %s", line, pat);
    free(line);
    free(text);

    assert_int_equal(bk_ensemble_write_report(ens, bk_test_capture_open(&cap)), BK_OK);
    text = bk_test_capture_close(&cap);
    exact_q(deliveries, N, q, want, sizeof want);
    snprintf(pat, sizeof pat, " %ld (%ld to %ld)", q[2], q[0], q[4]);
    expect_in_line(text, "  tanker deliveries", pat, "report");
    free(text);
    bk_ensemble_free(ens);
}

static void test_window_errors(void **state)
{
    (void)state;
    static const struct {
        const char *window, *message;
    } bad[] = {
        {"2025-09-05", "expected FIRST..LAST"},
        {"2025-09-31..2025-10-01", "'2025-09-31' is not a date"},
        {"2025-09-10..2025-09-05", "ends before it starts"},
        {"2025-08-30..2025-09-05", "outside the horizon 2025-09-01..2025-09-30"},
        {"2025-09-05..2025-10-01", "outside the horizon"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bk_ensemble_config cfg;
        base_config(&cfg, 3, 1);
        cfg.windows = &bad[i].window;
        cfg.n_windows = 1;
        bk_ensemble *ens = NULL;
        bk_error err;
        assert_int_equal(bk_ensemble_new(scenario, &cfg, &ens, &err), BK_ERR_USAGE);
        assert_null(ens);
        if (!strstr(err.message, bad[i].message) || !strstr(err.message, bad[i].window))
            fail_msg("window '%s': message '%s'", bad[i].window, err.message);
    }
}

/* A state file of another format version is refused with a message that says so. */
static void test_state_version(void **state)
{
    (void)state;
    bk_ensemble_config cfg;
    base_config(&cfg, 3, 1);
    bk_ensemble *ens = run_ensemble(&cfg);
    size_t len = 0;
    char *bytes = state_of(ens, &len);
    bytes[8] = 1; /* version 1, little-endian */
    /* the checksum is over everything before it: recompute it so only the version is wrong */
    unsigned int mdlen = 0;
    assert_int_equal(EVP_Digest(bytes, len - 32, (unsigned char *)bytes + len - 32, &mdlen,
                                EVP_sha256(), NULL), 1);
    char *path = tmp_path("v1.bkens");
    assert_int_equal(bk_test_write_file(path, bytes, len), 0);
    bk_ensemble *back = NULL;
    bk_error err;
    assert_int_equal(read_state_file(path, &back, &err), BK_ERR_SCHEMA);
    assert_null(back);
    if (!strstr(err.message, "format 1, but this blockade reads format 4")
        || !strstr(err.message, "older"))
        fail_msg("message: %s", err.message);
    free(bytes);
    bk_ensemble_free(ens);
}

BK_TEST_MAIN_GROUP("tests", setup, teardown, test_threads_identical, test_exact_values,
                   test_window_errors, test_state_version, test_shards_merge, test_interrupt_resume)
