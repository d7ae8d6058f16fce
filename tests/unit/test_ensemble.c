/* test_ensemble.c: ensembles and comparisons give the same answer however the work is split.
 *
 * Library level: 1, 2 and 3 threads give the same state and output bytes; shards 0/3, 1/3 and
 * 2/3 merged give the outputs of one process; an interruption and a resume from the
 * checkpoint give the uninterrupted result; mismatched parts are refused. Command level: a real
 * `blockade ensemble` killed with SIGKILL resumes to the same bytes; under mpirun with 2 ranks
 * (when built with MPI, skipped under AddressSanitizer whose leak checker rejects Open MPI's
 * own allocations) the same bytes as one process; compare with a policy that changes nothing
 * gives zero differences with zero-width intervals; more escorts destroy fewer tankers; bad
 * policy files exit 3, bad --shard values exit 2. Small N and short horizons keep it quick.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bk_test.h"
#include "blockade/blockade.h"

#define TWO_CORRIDORS BK_SOURCE_DIR "/scenarios/test/two-corridors.yaml"

#if defined(__SANITIZE_ADDRESS__)
#define BK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BK_ASAN 1
#endif
#endif

static bk_scenario *scenario;
static char *tmp;

static int setup(void **state)
{
    (void)state;
    bk_error err;
    if (bk_scenario_load_file(TWO_CORRIDORS, &scenario, &err) != BK_OK)
        return -1;
    tmp = bk_test_make_temp_dir("bk-ensemble");
    return tmp ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    bk_scenario_free(scenario);
    if (tmp)
        bk_test_remove_tree(tmp);
    free(tmp);
    return 0;
}

/* Everything an ensemble writes, concatenated, as a new string. */
static char *outputs_of(const bk_ensemble *ens, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    assert_non_null(f);
    assert_int_equal(bk_ensemble_write_bands_csv(ens, f), BK_OK);
    assert_int_equal(bk_ensemble_write_curves_csv(ens, f), BK_OK);
    assert_int_equal(bk_ensemble_write_summary_json(ens, f), BK_OK);
    assert_int_equal(bk_ensemble_write_report(ens, f), BK_OK);
    assert_int_equal(bk_ensemble_write_replications_csv(ens, f), BK_OK);
    assert_int_equal(fclose(f), 0);
    return text;
}

static char *state_of(const bk_ensemble *ens, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    assert_non_null(f);
    assert_int_equal(bk_ensemble_write_state(ens, f), BK_OK);
    assert_int_equal(fclose(f), 0);
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

/* Write a state to a file and read it back. */
static bk_ensemble *through_file(const bk_ensemble *ens, const char *name)
{
    size_t len = 0;
    char *bytes = state_of(ens, &len);
    char *path = bk_test_write_temp(tmp, name, bytes, len);
    assert_non_null(path);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    bk_ensemble *back = NULL;
    bk_error err;
    assert_int_equal(bk_ensemble_read_state(f, path, &back, &err), BK_OK);
    fclose(f);
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

/* ---- the command-line tool ----------------------------------------------------------------- */

/* Start the tool with the NULL-terminated words; stdout and stderr to files in tmp. */
static pid_t spawn(const char *const *words, const char *prefix)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.out", tmp, prefix);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        snprintf(path, sizeof path, "%s/%s.err", tmp, prefix);
        int fe = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || fe < 0)
            _exit(127);
        dup2(fd, 1);
        dup2(fe, 2);
        setenv("BLOCKADE_STORE", "", 1);
        char *argv[64];
        int n = 0;
        for (; words[n] && n < 63; n++)
            argv[n] = strdup(words[n]); /* exec wants non-const words */
        argv[n] = NULL;
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static int wait_code(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Run to completion; the exit code. */
static int run_tool(const char *const *words, const char *prefix)
{
    return wait_code(spawn(words, prefix));
}

static char *tmp_path(const char *name)
{
    size_t n = strlen(tmp) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", tmp, name);
    return p;
}

static const char *const ensemble_files[] = {"replications.csv", "bands.csv", "curves.csv",
                                             "summary.json",
                                             "manifest.json", "scenario.yaml"};

static void expect_same_outputs(const char *dir_a, const char *dir_b)
{
    for (size_t i = 0; i < sizeof ensemble_files / sizeof ensemble_files[0]; i++) {
        char pa[4096], pb[4096];
        snprintf(pa, sizeof pa, "%s/%s", dir_a, ensemble_files[i]);
        snprintf(pb, sizeof pb, "%s/%s", dir_b, ensemble_files[i]);
        size_t la = 0, lb = 0;
        char *a = bk_test_read_file(pa, &la), *b = bk_test_read_file(pb, &lb);
        if (!a || !b)
            fail_msg("missing %s or %s", pa, pb);
        if (la != lb || memcmp(a, b, la) != 0)
            fail_msg("%s and %s differ", pa, pb);
        free(a);
        free(b);
    }
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Kill a real run with SIGKILL once it has written a checkpoint; --resume must give the bytes
 * of an uninterrupted run. */
static void test_cli_kill_resume(void **state)
{
    (void)state;
    char *full = tmp_path("full"), *killed = tmp_path("killed");
    char *ckpt = tmp_path("killed.partial/checkpoint.bkens");
    const char *ref[] = {BK_CLI_PATH, "ensemble", TWO_CORRIDORS, "-n", "2000", "--days", "30",
                         "--threads", "2", "--quiet", "--no-store", "--out", full, NULL};
    assert_int_equal(run_tool(ref, "full"), 0);
    const char *victim[] = {BK_CLI_PATH, "ensemble", TWO_CORRIDORS, "-n", "2000", "--days", "30",
                            "--threads", "1", "--quiet", "--no-store", "--checkpoint-every", "1",
                            "--out", killed, NULL};
    pid_t pid = spawn(victim, "killed");
    for (int i = 0; i < 6000 && !exists(ckpt); i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_true(exists(ckpt));
    kill(pid, SIGKILL);
    assert_int_equal(wait_code(pid), 128 + SIGKILL);
    assert_false(exists(killed)); /* outputs are all or nothing */
    /* without --resume the interrupted ensemble is not overwritten by accident */
    assert_int_equal(run_tool(victim, "again"), 4);
    const char *resume[] = {BK_CLI_PATH, "ensemble", TWO_CORRIDORS, "-n", "2000", "--days", "30",
                            "--threads", "2", "--quiet", "--no-store", "--out", killed,
                            "--resume", NULL};
    assert_int_equal(run_tool(resume, "resume"), 0);
    expect_same_outputs(full, killed);
    assert_false(exists(ckpt)); /* the work directory is gone once the outputs are complete */
    free(full);
    free(killed);
    free(ckpt);
}

/* Killed at pseudo-random moments (10 % to 70 % of an uninterrupted run's time after each
 * start) many times in a row (during the work, a checkpoint write or the output step), each time restarted with --resume when a checkpoint exists and afresh
 * otherwise: the outputs are always the bytes of an uninterrupted run. */
static void test_cli_kill_many_times(void **state)
{
    (void)state;
    char *full = tmp_path("many-full"), *out = tmp_path("many");
    char *ckpt = tmp_path("many.partial/checkpoint.bkens");
    const char *ref[] = {BK_CLI_PATH, "ensemble", TWO_CORRIDORS, "-n", "800", "--days", "30",
                         "--threads", "2", "--quiet", "--no-store", "--out", full, NULL};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(run_tool(ref, "many-full"), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* kill times are fractions of the uninterrupted run's duration, so that a fast or a loaded
     * machine sees kills at the same stages of the work */
    long full_ms = (long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    uint64_t x = 0x9E3779B97F4A7C15u;   /* fixed: the same sequence of fractions every time */
    int kills = 0, resumed = 0;
    for (int round = 0; round < 10; round++) {
        bool resume = exists(ckpt);
        const char *w[] = {BK_CLI_PATH, "ensemble", TWO_CORRIDORS, "-n", "800", "--days", "30",
                           "--threads", round % 2 ? "1" : "2", "--quiet", "--no-store",
                           "--checkpoint-every", "1", "--out", out,
                           resume ? "--resume" : "--force", NULL};
        resumed += resume;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        long ms = 5 + full_ms * (long)(10 + x % 60) / 100;   /* 10 % to 70 % of a full run */
        pid_t pid = spawn(w, "many");
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int code = wait_code(pid);
        if (code == 0)
            break;   /* finished before the kill */
        assert_int_equal(code, 128 + SIGKILL);
        kills++;
        if (exists(out))
            break;   /* killed after the outputs were moved into place: they are complete */
    }
    const char *last[] = {BK_CLI_PATH, "ensemble", TWO_CORRIDORS, "-n", "800", "--days", "30",
                          "--threads", "2", "--quiet", "--no-store", "--out", out,
                          exists(ckpt) ? "--resume" : "--force", NULL};
    if (!exists(out))
        assert_int_equal(run_tool(last, "many-last"), 0);
    expect_same_outputs(full, out);
    print_message("killed %d times (%d restarts from a checkpoint): same bytes\n", kills,
                  resumed);
    assert_true(kills >= 1);
    free(full);
    free(out);
    free(ckpt);
}

/* ensemble --force removes DIR.partial only when it holds nothing but a checkpoint; a work
 * directory with anything else in it is left alone. */
static void test_cli_force_partial(void **state)
{
    (void)state;
    char *out = tmp_path("forced"), *work = tmp_path("forced.partial");
    char *mine = tmp_path("forced.partial/notes.txt"), *errf = tmp_path("forced-foreign.err");
    assert_int_equal(mkdir(work, 0777), 0);
    assert_int_equal(bk_test_write_file(mine, "mine\n", 5), 0);
    const char *w[] = {BK_CLI_PATH, "ensemble", TWO_CORRIDORS, "-n", "2", "--days", "5",
                       "--quiet", "--no-store", "--out", out, "--force", NULL};
    assert_int_equal(run_tool(w, "forced-foreign"), 4);
    assert_true(exists(mine));
    assert_false(exists(out));
    char *msg = bk_test_read_file(errf, NULL);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "holds 'notes.txt', which is not an ensemble checkpoint"));
    free(msg);
    /* an empty one (a run whose output step failed before any checkpoint) blocks nothing, not
     * even without --force */
    assert_int_equal(remove(mine), 0);
    const char *w2[] = {BK_CLI_PATH, "ensemble", TWO_CORRIDORS, "-n", "2", "--days", "5",
                        "--quiet", "--no-store", "--out", out, NULL};
    assert_int_equal(run_tool(w2, "forced-empty"), 0);
    assert_false(exists(work));
    assert_true(exists(out));
    /* --shard onto an existing file fails before the work (10^9 replications would not end) */
    char *part = tmp_path("forced.part");
    assert_int_equal(bk_test_write_file(part, "x", 1), 0);
    const char *w3[] = {BK_CLI_PATH, "ensemble", TWO_CORRIDORS, "-n", "1000000000", "--quiet",
                        "--no-store", "--shard", "0/2", "--out", part, NULL};
    assert_int_equal(run_tool(w3, "part-exists"), 4);
    const char *w4[] = {BK_CLI_PATH, "ensemble", TWO_CORRIDORS, "-n", "1000000000", "--quiet",
                        "--no-store", "--shard", "0/2", "--out", tmp, "--force", NULL};
    assert_int_equal(run_tool(w4, "part-dir"), 4);
    free(part);
    free(out);
    free(work);
    free(mine);
    free(errf);
}

/* A state reader fed a device or a pipe stops at once on the wrong magic: `merge /dev/zero`
 * used to grow without bound. */
static void test_state_reader_bounded(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/zero", "rb");
    assert_non_null(f);
    bk_ensemble *e = (bk_ensemble *)&e;
    bk_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(bk_ensemble_read_state(f, "/dev/zero", &e, &err), BK_ERR_SCHEMA);
    assert_null(e);
    assert_non_null(strstr(err.message, "/dev/zero: not an ensemble state file"));
    fclose(f);
    const char *w[] = {BK_CLI_PATH, "merge", "/dev/zero", "/dev/zero", "--no-store", NULL};
    assert_int_not_equal(run_tool(w, "merge-zero"), 0);
}

/* Shards through the tool, merged, equal one process; errors exit 2. */
static void test_cli_shards(void **state)
{
    (void)state;
    char *single = tmp_path("single"), *merged = tmp_path("merged");
    char *part[3];
    const char *one[] = {BK_CLI_PATH, "ensemble", TWO_CORRIDORS, "-n", "30", "--days", "20",
                         "--quiet", "--no-store", "--out", single, NULL};
    assert_int_equal(run_tool(one, "single"), 0);
    for (int i = 0; i < 3; i++) {
        char name[16], shard[16];
        snprintf(name, sizeof name, "p%d", i);
        snprintf(shard, sizeof shard, "%d/3", i);
        part[i] = tmp_path(name);
        const char *w[] = {BK_CLI_PATH, "ensemble", TWO_CORRIDORS, "-n", "30", "--days", "20",
                           "--quiet", "--no-store", "--shard", shard, "--out", part[i], NULL};
        assert_int_equal(run_tool(w, name), 0);
    }
    const char *m[] = {BK_CLI_PATH, "merge", part[1], part[2], part[0], "--quiet", "--no-store",
                       "--out", merged, NULL};
    assert_int_equal(run_tool(m, "merge"), 0);
    expect_same_outputs(single, merged);
    const char *missing[] = {BK_CLI_PATH, "merge", part[1], part[2], "--no-store", NULL};
    assert_int_equal(run_tool(missing, "missing"), 2);
    static const char *const bad[] = {"3/3", "1/0", "a/2", "1", "-1/2", "1/2/3", "/2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *w[] = {BK_CLI_PATH, "ensemble", TWO_CORRIDORS, "-n", "3", "--shard", bad[i],
                           "--out", single, NULL};
        assert_int_equal(run_tool(w, "bad"), 2);
    }
    /* a part of another ensemble (another seed) is refused */
    char *other = tmp_path("other");
    const char *o[] = {BK_CLI_PATH, "ensemble", TWO_CORRIDORS, "-n", "30", "--days", "20",
                       "--seed", "5", "--quiet", "--no-store", "--shard", "2/3", "--out", other,
                       NULL};
    assert_int_equal(run_tool(o, "other"), 0);
    const char *mm[] = {BK_CLI_PATH, "merge", part[0], part[1], other, "--no-store", NULL};
    assert_int_equal(run_tool(mm, "mismatch"), 2);
    char *err = tmp_path("mismatch.err");
    char *text = bk_test_read_file(err, NULL);
    assert_non_null(text);
    assert_non_null(strstr(text, "seed differs"));
    free(text);
    free(err);
    free(other);
    for (int i = 0; i < 3; i++)
        free(part[i]);
    free(single);
    free(merged);
}

static bool have_mpirun(void)
{
    return system("mpirun --version >/dev/null 2>&1") == 0;
}

static void test_cli_mpi(void **state)
{
    (void)state;
#ifdef BK_ASAN
    skip(); /* Open MPI's own allocations fail the leak checker */
#endif
    if (!bk_mpi_available() || !have_mpirun())
        skip();
    char *single = tmp_path("mpi1"), *ranks = tmp_path("mpi2");
    const char *one[] = {BK_CLI_PATH, "ensemble", TWO_CORRIDORS, "-n", "40", "--days", "20",
                         "--quiet", "--no-store", "--out", single, NULL};
    assert_int_equal(run_tool(one, "mpi1"), 0);
    const char *two[] = {"mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2",
                         BK_CLI_PATH, "ensemble", TWO_CORRIDORS, "-n", "40", "--days", "20",
                         "--threads", "1", "--quiet", "--no-store", "--out", ranks, NULL};
    assert_int_equal(run_tool(two, "mpi2"), 0);
    expect_same_outputs(single, ranks);
    free(single);
    free(ranks);
}

/* ---- comparisons -------------------------------------------------------------------------- */

static bk_scenario *with_policy(const char *text)
{
    bk_policy *p = NULL;
    bk_error err;
    assert_int_equal(bk_policy_load_string(text, strlen(text), "policy.yaml", &p, &err), BK_OK);
    bk_scenario *sc = NULL;
    bk_status st = bk_policy_apply(p, scenario, &sc, &err);
    if (st != BK_OK)
        fail_msg("%s", err.message);
    bk_policy_free(p);
    return sc;
}

static void test_compare_no_change(void **state)
{
    (void)state;
    bk_scenario *a = with_policy("name: a\nset:\n  policy.convoy.escort_per_convoy: 2\n");
    bk_scenario *b = with_policy("name: b\nset:\n  policy.convoy.escort_per_convoy: 2\n");
    const bk_scenario *sc[2] = {a, b};
    bk_compare_config cfg;
    bk_compare_config_init(&cfg, scenario);
    cfg.replications = 12;
    cfg.days = 30;
    cfg.threads = 2;
    bk_compare *cmp = NULL;
    bk_error err;
    assert_int_equal(bk_compare_run(sc, NULL, NULL, 2, &cfg, &cmp, &err), BK_OK);
    bk_compare_diff d;
    static const char *const metrics[] = {"tankers_destroyed", "deliveries", "delivered_l",
                                          "first_stockout_day", "blackout_hours"};
    for (size_t i = 0; i < sizeof metrics / sizeof metrics[0]; i++) {
        assert_int_equal(bk_compare_get(cmp, 1, metrics[i], &d), BK_OK);
        assert_true(d.mean == 0.0 && d.se == 0.0 && d.lo == 0.0 && d.hi == 0.0);
        assert_true(d.mean_a == d.mean_b);
    }
    assert_int_equal(bk_compare_get(cmp, 1, "no_such_metric", &d), BK_ERR_USAGE);
    bk_compare_free(cmp);
    bk_scenario_free(a);
    bk_scenario_free(b);
}

static void test_compare_escorts(void **state)
{
    (void)state;
    bk_scenario *a = with_policy("name: few\nset:\n  policy.convoy.escort_per_convoy: 1\n"
                                 "  corridors.west.escort.units: 2\n");
    bk_scenario *b = with_policy("name: many\nset:\n  policy.convoy.escort_per_convoy: 4\n"
                                 "  corridors.west.escort.units: 12\n"
                                 "  corridors.south.escort.units: 10\n");
    const bk_scenario *sc[2] = {a, b};
    bk_compare_config cfg;
    bk_compare_config_init(&cfg, scenario);
    cfg.replications = 40;
    cfg.threads = 2;
    bk_compare *cmp = NULL;
    bk_error err;
    assert_int_equal(bk_compare_run(sc, NULL, NULL, 2, &cfg, &cmp, &err), BK_OK);
    bk_compare_diff d;
    assert_int_equal(bk_compare_get(cmp, 1, "tankers_destroyed", &d), BK_OK);
    if (!(d.hi < 0.0))
        fail_msg("more escorts should destroy fewer tankers: %g (%g to %g)", d.mean, d.lo, d.hi);
    assert_int_equal(bk_compare_get(cmp, 1, "escort_lost", &d), BK_OK);
    assert_true(d.lo <= d.mean && d.mean <= d.hi);
    bk_compare_free(cmp);
    bk_scenario_free(a);
    bk_scenario_free(b);
}

/* Bad policy files: unknown path, bad value, not YAML, not a policy. */
static void test_policy_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *expect;
        bk_status status;
    } cases[] = {
        {"name: x\nset:\n  policy.convoy.escrot_per_convoy: 2\n", "escrot_per_convoy",
         BK_ERR_REFERENCE},
        {"name: x\nset:\n  corridors.nowhere.escort.units: 2\n", "nowhere", BK_ERR_REFERENCE},
        {"name: x\nset:\n  policy.convoy.escort_per_convoy: -3\n", "escort_per_convoy",
         BK_ERR_VALUE},
        {"name: [unclosed\n", "not valid YAML", BK_ERR_SYNTAX},
        {"name: x\n", "set", BK_ERR_SCHEMA},
        {"- a\n- b\n", "mapping", BK_ERR_SCHEMA},
        /* libfyaml 0.7.12 never returned on this one (a directive, then bytes not UTF-8) */
        {"name: x\n%e\xea\xea\xea\xeat:\n  a: 1\n", "directive", BK_ERR_SYNTAX},
        {"name: x\xea\xea\nset: {}\n", "invalid UTF-8", BK_ERR_SYNTAX},
        {"name: x\n%TAG ! tag:x,2025:\nset: {}\n", "directive", BK_ERR_SYNTAX},
        {"? ?:\t:", "explicit-key", BK_ERR_SYNTAX},
        /* the horizon and the seed are the frame of the comparison, not a policy */
        {"name: x\nset:\n  policy.convoy.escort_per_convoy: 2\n  scenario.days: 90\n",
         "set 'scenario.days': a policy cannot change scenario.days", BK_ERR_VALUE},
        /* the seed is not a key a policy can set at all (the schema refuses it by name) */
        {"name: x\nset:\n  scenario.seed: 8\n", "bad.yaml:3:3: set 'scenario.seed'",
         BK_ERR_REFERENCE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bk_policy *p = NULL;
        bk_error err;
        memset(&err, 0, sizeof err);
        bk_status st = bk_policy_load_string(cases[i].text, strlen(cases[i].text), "bad.yaml",
                                             &p, &err);
        bk_scenario *sc = NULL;
        if (st == BK_OK)
            st = bk_policy_apply(p, scenario, &sc, &err);
        if (st != cases[i].status)
            fail_msg("case %zu: status %d, expected %d (%s)", i, st, cases[i].status,
                     err.message);
        assert_non_null(strstr(err.message, "bad.yaml"));
        if (!strstr(err.message, cases[i].expect))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.message, cases[i].expect);
        assert_null(sc);
        bk_policy_free(p);
    }
    /* through the tool: exit 3 */
    char *bad = bk_test_write_temp(tmp, "bad.yaml", cases[0].text, strlen(cases[0].text));
    char *good = bk_test_write_temp(tmp, "good.yaml", "name: g\nset: {}\n", 16);
    const char *w[] = {BK_CLI_PATH, "compare", TWO_CORRIDORS, "--policy", good, "--policy", bad,
                       "-n", "2", "--no-store", NULL};
    assert_int_equal(run_tool(w, "badpolicy"), 3);
    const char *w2[] = {BK_CLI_PATH, "compare", TWO_CORRIDORS, "--policy", good, "--policy",
                        good, "-n", "3", "--days", "10", "--no-store", "--quiet", NULL};
    assert_int_equal(run_tool(w2, "goodpolicy"), 0);
    /* setting the horizon to the value it already has changes nothing */
    static const char same[] = "name: s\nset:\n  scenario.days: 60\n";
    bk_policy *p = NULL;
    bk_scenario *sc = NULL;
    bk_error err;
    assert_int_equal(bk_policy_load_string(same, strlen(same), "same.yaml", &p, &err), BK_OK);
    assert_int_equal(bk_policy_apply(p, scenario, &sc, &err), BK_OK);
    bk_scenario_free(sc);
    bk_policy_free(p);
    free(bad);
    free(good);
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
static void exact_q(double *v, int n, long q[5], char *json, size_t size)
{
    static const double lv[5] = {0.05, 0.25, 0.50, 0.75, 0.95};
    qsort(v, (size_t)n, sizeof *v, cmp_dbl);
    for (int k = 0; k < 5; k++) {
        double x = v[(int)floor(lv[k] * (n - 1))];
        assert_true(x == floor(x)); /* counts */
        q[k] = (long)x;
    }
    snprintf(json, size, "\"q05\": %ld, \"q25\": %ld, \"q50\": %ld, \"q75\": %ld, \"q95\": %ld",
             q[0], q[1], q[2], q[3], q[4]);
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
        char *daily = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&daily, &len);
        assert_int_equal(bk_run_write_daily_csv(run, f), BK_OK);
        fclose(f);
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

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(bk_ensemble_write_replications_csv(ens, f), BK_OK);
    fclose(f);
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
    f = open_memstream(&text, &len);
    assert_int_equal(bk_ensemble_write_summary_json(ens, f), BK_OK);
    fclose(f);
    char *line = line_starting(text, "    \"tankers_start\"");
    snprintf(pat, sizeof pat, "\"mean\": %.0f, \"q05\": %.0f, \"q25\": %.0f, \"q50\": %.0f, "
             "\"q75\": %.0f, \"q95\": %.0f}", start[0], start[0], start[0], start[0], start[0],
             start[0]);
    if (!strstr(line, pat))
        fail_msg("summary.json: %s, expected %s", line, pat);
    free(line);
    double tmpv[N];
    memcpy(tmpv, deliveries, sizeof tmpv);
    exact_q(tmpv, N, q, want, sizeof want);
    line = line_starting(text, "    \"deliveries\"");
    if (!strstr(line, want))
        fail_msg("summary.json: %s, expected %s", line, want);
    free(line);
    memcpy(tmpv, win, sizeof tmpv);
    exact_q(tmpv, N, q, want, sizeof want);
    line = line_starting(text, "      \"deliveries\"");
    if (!strstr(line, want))
        fail_msg("summary.json window: %s, expected %s", line, want);
    free(line);
    free(text);

    f = open_memstream(&text, &len);
    assert_int_equal(bk_ensemble_write_bands_csv(ens, f), BK_OK);
    fclose(f);
    snprintf(pat, sizeof pat, "campaign,0/1,%d,", DAY);
    line = line_starting(text, pat);
    snprintf(pat, sizeof pat, ",%.0f,%.0f,%.0f,%.0f,%.0f,%.0f", fleet0[0], fleet0[0], fleet0[0],
             fleet0[0], fleet0[0], fleet0[0]);
    if (!strstr(line, pat))
        fail_msg("bands.csv: %s, expected mean and quantiles %s", line, pat);
    free(line);
    memcpy(tmpv, daily_deliv, sizeof tmpv);
    exact_q(tmpv, N, q, want, sizeof want);
    snprintf(pat, sizeof pat, "deliveries,tankers,%d,", DAY);
    line = line_starting(text, pat);
    snprintf(pat, sizeof pat, ",%ld,%ld,%ld,%ld,%ld", q[0], q[1], q[2], q[3], q[4]);
    size_t ll = strlen(line), pl = strlen(pat);
    if (ll < pl || strcmp(line + ll - pl, pat) != 0)
        fail_msg("bands.csv: %s, expected quantiles %s", line, pat);
    free(line);
    free(text);

    f = open_memstream(&text, &len);
    assert_int_equal(bk_ensemble_write_report(ens, f), BK_OK);
    fclose(f);
    memcpy(tmpv, deliveries, sizeof tmpv);
    exact_q(tmpv, N, q, want, sizeof want);
    line = line_starting(text, "  tanker deliveries");
    snprintf(pat, sizeof pat, " %ld (%ld to %ld)", q[2], q[0], q[4]);
    if (!strstr(line, pat))
        fail_msg("report: %s, expected %s", line, pat);
    free(line);
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
    FILE *f = fopen(path, "rb");
    bk_ensemble *back = NULL;
    bk_error err;
    assert_int_equal(bk_ensemble_read_state(f, path, &back, &err), BK_ERR_SCHEMA);
    fclose(f);
    assert_null(back);
    if (!strstr(err.message, "format 1, but this blockade reads format 2")
        || !strstr(err.message, "older"))
        fail_msg("message: %s", err.message);
    free(bytes);
    free(path);
    bk_ensemble_free(ens);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_identical),
        cmocka_unit_test(test_exact_values),
        cmocka_unit_test(test_window_errors),
        cmocka_unit_test(test_state_version),
        cmocka_unit_test(test_shards_merge),
        cmocka_unit_test(test_interrupt_resume),
        cmocka_unit_test(test_cli_kill_resume),
        cmocka_unit_test(test_cli_kill_many_times),
        cmocka_unit_test(test_cli_force_partial),
        cmocka_unit_test(test_state_reader_bounded),
        cmocka_unit_test(test_cli_shards),
        cmocka_unit_test(test_cli_mpi),
        cmocka_unit_test(test_compare_no_change),
        cmocka_unit_test(test_compare_escorts),
        cmocka_unit_test(test_policy_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
