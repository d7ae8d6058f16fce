/* test_ensemble_cli.c: the ensemble through the command-line tool, and comparisons.
 *
 * A real `blockade ensemble` killed with SIGKILL resumes to the same bytes; under mpirun with 2
 * ranks (when built with MPI, skipped under AddressSanitizer whose leak checker rejects Open
 * MPI's own allocations) the same bytes as one process; compare with a policy that changes
 * nothing gives zero differences with zero-width intervals; more escorts destroy fewer tankers;
 * bad policy files exit 3, bad --shard values exit 2. Ensembles and comparisons over a posterior
 * (--posterior) give the runs of its draws, in an order whose every prefix spreads over the
 * whole posterior, the same bytes on any split, and keep a policy's own settings. Small N and
 * short horizons keep it quick.
 */
#include "bk_test_model.h"
#include "ensemble_fixture.h"
#include "bk_test_main.h"

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

/* Run the words to completion; the exit code. */
static int run_words(const char *const *words, const char *prefix)
{
    return wait_code(spawn(words, prefix));
}

/* Run the tool (BK_CLI_PATH) with the NULL-terminated arguments of ap to completion, as
 * run_words; the exit code. */
static int run_tool_va(const char *prefix, va_list ap)
{
    const char *words[64] = {BK_CLI_PATH};
    int n = 1;
    for (const char *a; (a = va_arg(ap, const char *)) != NULL && n < 63;)
        words[n++] = a;
    words[n] = NULL;
    return run_words(words, prefix);
}

/* The exit code of the tool run with the NULL-terminated arguments after `prefix`. */
static int run_tool(const char *prefix, ...)
{
    va_list ap;
    va_start(ap, prefix);
    int code = run_tool_va(prefix, ap);
    va_end(ap);
    return code;
}

/* Run the tool with the NULL-terminated arguments after `prefix`; fails the test unless it exits
 * with `code`. */
static void expect_tool(int code, const char *prefix, ...)
{
    va_list ap;
    va_start(ap, prefix);
    int got = run_tool_va(prefix, ap);
    va_end(ap);
    if (got != code)
        fail_msg("%s: exit code %d, expected %d", prefix, got, code);
}

/* Fails the test unless the standard error of the run named `prefix` contains `want`. */
static void expect_message(const char *prefix, const char *want)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.err", tmp, prefix);
    char *text = bk_test_read_file(path, NULL);
    assert_non_null(text);
    if (!strstr(text, want))
        fail_msg("%s: message '%s', expected it to contain '%s'", prefix, text, want);
    free(text);
}

static const char *const ensemble_files[] = {"replications.csv", "bands.csv", "curves.csv",
                                             "summary.json",
                                             "manifest.json", "scenario.yaml"};

static bool same_file(const char *pa, const char *pb)
{
    size_t la = 0, lb = 0;
    char *a = bk_test_read_file(pa, &la), *b = bk_test_read_file(pb, &lb);
    bool same = a && b && la == lb && memcmp(a, b, la) == 0;
    free(a);
    free(b);
    return same;
}

static void expect_same_file(const char *dir_a, const char *dir_b, const char *name)
{
    char pa[4096], pb[4096];
    snprintf(pa, sizeof pa, "%s/%s", dir_a, name);
    snprintf(pb, sizeof pb, "%s/%s", dir_b, name);
    if (!same_file(pa, pb))
        fail_msg("%s and %s differ (or one is missing)", pa, pb);
}

static void expect_same_outputs(const char *dir_a, const char *dir_b)
{
    for (size_t i = 0; i < sizeof ensemble_files / sizeof ensemble_files[0]; i++)
        expect_same_file(dir_a, dir_b, ensemble_files[i]);
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
    expect_tool(0, "full", "ensemble", TWO_CORRIDORS, "-n", "2000", "--days", "30", "--threads",
                "2", "--quiet", "--no-store", "--out", full, NULL);
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
    assert_int_equal(run_words(victim, "again"), 4);
    expect_tool(0, "resume", "ensemble", TWO_CORRIDORS, "-n", "2000", "--days", "30", "--threads",
                "2", "--quiet", "--no-store", "--out", killed, "--resume", NULL);
    expect_same_outputs(full, killed);
    assert_false(exists(ckpt)); /* the work directory is gone once the outputs are complete */
}

/* Killed at pseudo-random moments (10 % to 70 % of an uninterrupted run's time after each
 * start) many times in a row (during the work, a checkpoint write or the output step), each time restarted with --resume when a checkpoint exists and afresh
 * otherwise: the outputs are always the bytes of an uninterrupted run. */
static void test_cli_kill_many_times(void **state)
{
    (void)state;
    char *full = tmp_path("many-full"), *out = tmp_path("many");
    char *ckpt = tmp_path("many.partial/checkpoint.bkens");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect_tool(0, "many-full", "ensemble", TWO_CORRIDORS, "-n", "800", "--days", "30", "--threads",
                "2", "--quiet", "--no-store", "--out", full, NULL);
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
    if (!exists(out))
        expect_tool(0, "many-last", "ensemble", TWO_CORRIDORS, "-n", "800", "--days", "30",
                    "--threads", "2", "--quiet", "--no-store", "--out", out,
                    exists(ckpt) ? "--resume" : "--force", NULL);
    expect_same_outputs(full, out);
    print_message("killed %d times (%d restarts from a checkpoint): same bytes\n", kills,
                  resumed);
    assert_true(kills >= 1);
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
    expect_tool(4, "forced-foreign", "ensemble", TWO_CORRIDORS, "-n", "2", "--days", "5", "--quiet",
                "--no-store", "--out", out, "--force", NULL);
    assert_true(exists(mine));
    assert_false(exists(out));
    char *msg = bk_test_read_file(errf, NULL);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "holds 'notes.txt', which is not an ensemble checkpoint"));
    free(msg);
    /* an empty one (a run whose output step failed before any checkpoint) blocks nothing, not
     * even without --force */
    assert_int_equal(remove(mine), 0);
    expect_tool(0, "forced-empty", "ensemble", TWO_CORRIDORS, "-n", "2", "--days", "5", "--quiet",
                "--no-store", "--out", out, NULL);
    assert_false(exists(work));
    assert_true(exists(out));
    /* --shard onto an existing file fails before the work (10^9 replications would not end) */
    char *part = tmp_path("forced.part");
    assert_int_equal(bk_test_write_file(part, "x", 1), 0);
    expect_tool(4, "part-exists", "ensemble", TWO_CORRIDORS, "-n", "1000000000", "--quiet",
                "--no-store", "--shard", "0/2", "--out", part, NULL);
    expect_tool(4, "part-dir", "ensemble", TWO_CORRIDORS, "-n", "1000000000", "--quiet",
                "--no-store", "--shard", "0/2", "--out", tmp, "--force", NULL);
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
    assert_int_not_equal(
        run_tool("merge-zero", "merge", "/dev/zero", "/dev/zero", "--no-store", NULL), 0);
}

/* Shards through the tool, merged, equal one process; errors exit 2. */
static void test_cli_shards(void **state)
{
    (void)state;
    char *single = tmp_path("single"), *merged = tmp_path("merged");
    char *part[3];
    expect_tool(0, "single", "ensemble", TWO_CORRIDORS, "-n", "30", "--days", "20", "--quiet",
                "--no-store", "--out", single, NULL);
    for (int i = 0; i < 3; i++) {
        char name[16], shard[16];
        snprintf(name, sizeof name, "p%d", i);
        snprintf(shard, sizeof shard, "%d/3", i);
        part[i] = tmp_path(name);
        expect_tool(0, name, "ensemble", TWO_CORRIDORS, "-n", "30", "--days", "20", "--quiet",
                    "--no-store", "--shard", shard, "--out", part[i], NULL);
    }
    expect_tool(0, "merge", "merge", part[1], part[2], part[0], "--quiet", "--no-store", "--out",
                merged, NULL);
    expect_same_outputs(single, merged);
    expect_tool(2, "missing", "merge", part[1], part[2], "--no-store", NULL);
    static const char *const bad[] = {"3/3", "1/0", "a/2", "1", "-1/2", "1/2/3", "/2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_tool(2, "bad", "ensemble", TWO_CORRIDORS, "-n", "3", "--shard", bad[i], "--out",
                    single, NULL);
    }
    /* a part of another ensemble (another seed) is refused */
    char *other = tmp_path("other");
    expect_tool(0, "other", "ensemble", TWO_CORRIDORS, "-n", "30", "--days", "20", "--seed", "5",
                "--quiet", "--no-store", "--shard", "2/3", "--out", other, NULL);
    expect_tool(2, "mismatch", "merge", part[0], part[1], other, "--no-store", NULL);
    expect_message("mismatch", "seed differs");
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
    expect_tool(0, "mpi1", "ensemble", TWO_CORRIDORS, "-n", "40", "--days", "20", "--quiet",
                "--no-store", "--out", single, NULL);
    const char *two[] = {"mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2",
                         BK_CLI_PATH, "ensemble", TWO_CORRIDORS, "-n", "40", "--days", "20",
                         "--threads", "1", "--quiet", "--no-store", "--out", ranks, NULL};
    assert_int_equal(run_words(two, "mpi2"), 0);
    expect_same_outputs(single, ranks);
}

/* ---- posterior-predictive ensembles ------------------------------------------------------- */

#define CALIB_SPEC BK_SOURCE_DIR "/tests/data/calib-spec.yaml"

/* A posterior.csv of tests/data/calib-spec.yaml (fleet.fear_per_attack, report_prob) with the
 * given body rows. */
static char *posterior_file(const char *name, const char *rows)
{
    char text[1024];
    snprintf(text, sizeof text,
             "particle,weight,distance,fleet.fear_per_attack,observation.report_prob\n%s", rows);
    return bk_test_write_temp(tmp, name, text, strlen(text));
}

/* The same with the seed column that calibrate writes after the parameters. */
static char *seeded_posterior_file(const char *name, const char *rows)
{
    char text[16384];
    snprintf(text, sizeof text,
             "particle,weight,distance,fleet.fear_per_attack,observation.report_prob,seed\n%s",
             rows);
    return bk_test_write_temp(tmp, name, text, strlen(text));
}

/* The words of a short posterior-predictive ensemble of the two-corridor scenario. */
#define POST_ENS(post) "ensemble", TWO_CORRIDORS, "-n", "24", "--days", "25", "--quiet", \
                       "--no-store", "--posterior", post, "--params", CALIB_SPEC

/* Line `rep` + 2 of dir's replications.csv (replication `rep`), malloc'd; fails the test when
 * there is none. */
static char *replication_row(const char *dir, int rep)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/replications.csv", dir);
    char *text = bk_test_read_file(path, NULL);
    assert_non_null(text);
    const char *line = text;
    for (int i = 0; i <= rep && line; i++) {
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    if (line == NULL || *line == '\0')
        fail_msg("%s has no row for replication %d", path, rep);
    size_t n = strcspn(line, "\n");
    char *row = malloc(n + 1);
    assert_non_null(row);
    memcpy(row, line, n);
    row[n] = '\0';
    free(text);
    return row;
}

/* A posterior whose weight is all on one particle gives the ensemble of the scenario with that
 * particle's values (the statistics byte for byte), and differs from the scenario's own; a
 * posterior of two draws gives the same bytes on 1 and 2 threads, from merged shards and on 2
 * MPI ranks (when built with MPI), and a shard of another posterior is refused at the merge. */
static void test_cli_posterior(void **state)
{
    (void)state;
    char *one = posterior_file("one.csv", "0,0,1,0.05,0.9\n1,2.5,0.5,0.6,0.9\n");
    static const char patch_text[] = "name: p\nset:\n  fleet.fear_per_attack: 0.6\n";
    char *patch = bk_test_write_temp(tmp, "patch.yaml", patch_text, strlen(patch_text));
    char *patched = tmp_path("patched.yaml"), *apply_out = tmp_path("apply.out");
    expect_tool(0, "apply", "scenario", "apply", TWO_CORRIDORS, patch, NULL);
    assert_int_equal(rename(apply_out, patched), 0);
    char *post1 = tmp_path("post1"), *fixed = tmp_path("fixed"), *base = tmp_path("base");
    expect_tool(0, "post1", POST_ENS(one), "--out", post1, NULL);
    expect_tool(0, "fixed", "ensemble", patched, "-n", "24", "--days", "25", "--quiet",
                "--no-store", "--out", fixed, NULL);
    expect_tool(0, "base", "ensemble", TWO_CORRIDORS, "-n", "24", "--days", "25", "--quiet",
                "--no-store", "--out", base, NULL);
    static const char *const stats[] = {"replications.csv", "bands.csv", "curves.csv"};
    for (size_t i = 0; i < 3; i++)
        expect_same_file(post1, fixed, stats[i]);
    char pa[4096], pb[4096];
    snprintf(pa, sizeof pa, "%s/replications.csv", post1);
    snprintf(pb, sizeof pb, "%s/replications.csv", base);
    assert_false(same_file(pa, pb));
    snprintf(pa, sizeof pa, "%s/summary.json", post1);
    char *summary = bk_test_read_file(pa, NULL);
    assert_non_null(summary);
    assert_non_null(strstr(summary, "\"posterior_draws\": 2,"));
    free(summary);

    /* fewer replications than draws: the first draws spread over the whole posterior. Of four
     * equal particles (fear 0.05, 0.05, 0.6, 0.6), an ensemble of two runs draws 0 and 2 (not 0
     * and 1), so its replication 1 is that of the scenario with fear 0.6 */
    char *four = posterior_file("four.csv", "0,1,1,0.05,0.9\n1,1,1,0.05,0.9\n2,1,1,0.6,0.9\n"
                                            "3,1,1,0.6,0.9\n");
    char *spread = tmp_path("spread");
    expect_tool(0, "spread", "ensemble", TWO_CORRIDORS, "-n", "2", "--days", "25", "--quiet",
                "--no-store", "--posterior", four, "--params", CALIB_SPEC, "--out", spread, NULL);
    char *got = replication_row(spread, 1), *want = replication_row(fixed, 1);
    assert_string_equal(got, want);
    free(got);
    free(want);
    free(four);

    /* two draws: any threads, any shards, the same bytes */
    char *two = posterior_file("two.csv", "0,1,1,0.05,0.9\n1,1,0.5,0.6,0.9\n");
    char *t1 = tmp_path("t1"), *t2 = tmp_path("t2"), *merged = tmp_path("pmerged");
    expect_tool(0, "t1", POST_ENS(two), "--threads", "1", "--out", t1, NULL);
    expect_tool(0, "t2", POST_ENS(two), "--threads", "2", "--out", t2, NULL);
    expect_same_outputs(t1, t2);
    char *part0 = tmp_path("pp0"), *part1 = tmp_path("pp1"), *alien = tmp_path("alien");
    expect_tool(0, "pp0", POST_ENS(two), "--shard", "0/2", "--out", part0, NULL);
    expect_tool(0, "pp1", POST_ENS(two), "--shard", "1/2", "--out", part1, NULL);
    expect_tool(0, "pmerge", "merge", part0, part1, "--quiet", "--no-store", "--out", merged,
                NULL);
    expect_same_outputs(t1, merged);
    /* without --continue, the seed column that calibrate writes changes nothing: the same
     * bytes; a seed that is not a whole number is refused at its line */
    char *seeded = seeded_posterior_file("seeded.csv", "0,1,1,0.05,0.9,17\n"
                                                       "1,1,0.5,0.6,0.9,18446744073709551615\n");
    char *t3 = tmp_path("t3");
    expect_tool(0, "t3", POST_ENS(seeded), "--threads", "1", "--out", t3, NULL);
    expect_same_outputs(t1, t3);
    char *badseed = seeded_posterior_file("badseed.csv",
                                          "0,1,1,0.05,0.9,17\n1,1,0.5,0.6,0.9,-18\n");
    expect_tool(3, "badseed", POST_ENS(badseed), NULL);
    expect_message("badseed", "badseed.csv:3: column 6: expected a seed (a whole number)");
    /* a seeded posterior of exactly 256 particles, the reader's first capacity: its last row's
     * seed is read without a write past the parameters (ASan) */
    char rows[256 * 40], *at = rows;
    for (int i = 0; i < 256; i++)
        at += sprintf(at, "%d,1,1,0.%03d,0.9,%d\n", i, 10 + i % 900, 1000 + i);
    char *full = seeded_posterior_file("full.csv", rows);
    char *cfull = tmp_path("cfull");
    expect_tool(0, "cfull", POST_ENS(full), "-n", "2", "--continue", "--out", cfull, NULL);
    free(full);
    /* --continue: replication r runs draw r's accepted simulation, the particle's values with its
     * seed as replication 0. With the weight all on particle 1 (seed 12345), every replication
     * is the patched scenario's replication 0 of seed 12345, which the ensemble without
     * --continue is not; the same bytes on 1 and 2 threads; refused without seeds or without
     * --posterior */
    char *cont1 = tmp_path("cont1"), *cont2 = tmp_path("cont2"), *ref = tmp_path("contref");
    expect_tool(0, "cont1", POST_ENS(seeded), "-n", "3", "--continue", "--threads", "1",
                "--out", cont1, NULL);
    expect_tool(0, "cont2", POST_ENS(seeded), "-n", "3", "--continue", "--threads", "2",
                "--out", cont2, NULL);
    expect_same_outputs(cont1, cont2);
    char *one_seeded = seeded_posterior_file("oneseeded.csv",
                                             "0,0,1,0.05,0.9,17\n1,2.5,0.5,0.6,0.9,12345\n");
    char *cont = tmp_path("cont");
    expect_tool(0, "cont", POST_ENS(one_seeded), "-n", "3", "--continue", "--out", cont, NULL);
    expect_tool(0, "contref", "ensemble", patched, "-n", "1", "--seed", "12345", "--days", "25",
                "--quiet", "--no-store", "--out", ref, NULL);
    /* every row from its third column on (after replication and seed) */
    char *want_row = replication_row(ref, 0);
    for (int r = 0; r < 3; r++) {
        char *got_row = replication_row(cont, r);
        const char *g = strchr(strchr(got_row, ',') + 1, ',') + 1;
        const char *w = strchr(strchr(want_row, ',') + 1, ',') + 1;
        if (strcmp(g, w) != 0)
            fail_msg("continued replication %d is not the particle's run:\n%s\n%s", r, g, w);
        free(got_row);
    }
    free(want_row);
    char *fresh = tmp_path("fresh"), path_c[4096], path_f[4096];
    expect_tool(0, "fresh", POST_ENS(one_seeded), "-n", "3", "--out", fresh, NULL);
    snprintf(path_c, sizeof path_c, "%s/replications.csv", cont);
    snprintf(path_f, sizeof path_f, "%s/replications.csv", fresh);
    assert_false(same_file(path_c, path_f));
    expect_tool(3, "contnoseed", POST_ENS(two), "-n", "2", "--continue", NULL);
    expect_message("contnoseed", "no seed column");
    expect_tool(2, "contnopost", "ensemble", TWO_CORRIDORS, "-n", "2", "--continue",
                "--no-store", NULL);
    free(one_seeded);
    free(badseed);
    free(seeded);
    bool asan = false;
#ifdef BK_ASAN
    asan = true; /* Open MPI's own allocations fail the leak checker */
#endif
    if (!asan && bk_mpi_available() && have_mpirun()) { /* and 2 MPI ranks */
        char *pm = tmp_path("pmpi");
        const char *mp[] = {"mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2",
                            BK_CLI_PATH, POST_ENS(two), "--threads", "1", "--out", pm, NULL};
        assert_int_equal(run_words(mp, "pmpi"), 0);
        expect_same_outputs(t1, pm);
    }
    expect_tool(0, "alien", POST_ENS(one), "--shard", "1/2", "--out", alien, NULL);
    expect_tool(2, "pmismatch", "merge", part0, alien, "--no-store", NULL);
    expect_message("pmismatch", "posterior (--posterior) differs");

    /* usage and input errors */
    expect_tool(2, "nospec", "ensemble", TWO_CORRIDORS, "-n", "2", "--posterior", two,
                "--no-store", NULL);
    expect_tool(2, "noposterior", "ensemble", TWO_CORRIDORS, "-n", "2", "--params", CALIB_SPEC,
                "--no-store", NULL);
    char *bad = posterior_file("bad.csv", "0,1,1,0.05,0.9\n1,x,0.5,0.6,0.9\n");
    expect_tool(3, "badpost", POST_ENS(bad), NULL);
    expect_message("badpost", "bad.csv:3: column 2: expected a non-negative number");
    /* a spec whose path the scenario does not have: exit 3, naming the path */
    static const char spec_text[] = "name: s\nparameters:\n  - {path: fleet.no_such_thing, "
                                    "prior: uniform, low: 0, high: 1}\n";
    char *spec = bk_test_write_temp(tmp, "spec.yaml", spec_text, strlen(spec_text));
    static const char nowhere_text[] = "particle,weight,distance,fleet.no_such_thing\n0,1,0,0.5\n";
    char *nowhere = bk_test_write_temp(tmp, "nowhere.csv", nowhere_text, strlen(nowhere_text));
    expect_tool(3, "nopath", "ensemble", TWO_CORRIDORS, "-n", "2", "--no-store", "--posterior",
                nowhere, "--params", spec, NULL);
    expect_message("nopath", "does not apply to the scenario");
    expect_message("nopath", "fleet.no_such_thing");
    free(spec);
    free(nowhere);
    free(one);
    free(patch);
    free(two);
    free(bad);
}

/* compare --posterior: the draws' values apply under every policy but where a policy sets the
 * same parameter, so comparing {} and {fear 0.6} under a posterior all on fear 0.05 gives the
 * figures of comparing {fear 0.05} and {fear 0.6} without one; and the usage error. */
/* The words of a short comparison of policies a and b under a posterior, n replications. */
#define CMP_POST(a, b, n, post) "compare", TWO_CORRIDORS, "--policy", a, "--policy", b, "-n", n, \
                                "--days", "25", "--quiet", "--no-store", "--posterior", post,     \
                                "--params", CALIB_SPEC

static void test_compare_posterior(void **state)
{
    (void)state;
    static const char a[] = "name: A\nset: {}\n";
    static const char a2[] = "name: A\nset:\n  fleet.fear_per_attack: 0.05\n";
    static const char b[] = "name: B\nset:\n  fleet.fear_per_attack: 0.6\n";
    char *pa = bk_test_write_temp(tmp, "ca.yaml", a, strlen(a));
    char *pa2 = bk_test_write_temp(tmp, "ca2.yaml", a2, strlen(a2));
    char *pb = bk_test_write_temp(tmp, "cb.yaml", b, strlen(b));
    char *one = posterior_file("cone.csv", "0,1,0,0.05,0.9\n1,0,1,0.3,0.9\n");
    char *under = tmp_path("cunder"), *plain = tmp_path("cplain");
    expect_tool(0, "cunder", "compare", TWO_CORRIDORS, "--policy", pa, "--policy", pb, "-n", "12",
                "--days", "25", "--quiet", "--no-store", "--posterior", one, "--params",
                CALIB_SPEC, "--out", under, NULL);
    expect_tool(0, "cplain", "compare", TWO_CORRIDORS, "--policy", pa2, "--policy", pb, "-n",
                "12", "--days", "25", "--quiet", "--no-store", "--out", plain, NULL);
    expect_same_file(under, plain, "compare.csv");
    char path[4096];
    snprintf(path, sizeof path, "%s/compare.json", under);
    char *json = bk_test_read_file(path, NULL);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"posterior_draws\": 2,"));
    free(json);
    expect_tool(2, "cnospec", "compare", TWO_CORRIDORS, "--policy", pa, "--policy", pb,
                "--posterior", one, "--no-store", NULL);
    /* --continue: every replication runs the particle's seed as replication 0 under both
     * policies, so one replication under the posterior is the comparison without it at that
     * seed; refused without seeds or without --posterior */
    char *cs = seeded_posterior_file("cseeded.csv", "0,1,0,0.05,0.9,12345\n1,0,1,0.3,0.9,17\n");
    char *cunder = tmp_path("ccont"), *cplain = tmp_path("ccontplain");
    expect_tool(0, "ccont", CMP_POST(pa, pb, "1", cs), "--continue", "--out", cunder, NULL);
    expect_tool(0, "ccontplain", "compare", TWO_CORRIDORS, "--policy", pa2, "--policy", pb, "-n",
                "1", "--days", "25", "--seed", "12345", "--quiet", "--no-store", "--out", cplain,
                NULL);
    expect_same_file(cunder, cplain, "compare.csv");
    char *cfresh = tmp_path("cfresh");
    expect_tool(0, "cfresh", CMP_POST(pa, pb, "1", cs), "--out", cfresh, NULL);
    char p1[4096], p2[4096];
    snprintf(p1, sizeof p1, "%s/compare.csv", cunder);
    snprintf(p2, sizeof p2, "%s/compare.csv", cfresh);
    assert_false(same_file(p1, p2));
    /* two particles of equal weight, continued: 4 replications are each run twice, and the
     * intervals are those of the 2 distinct runs, not of 4 (compare.csv the same but for n) */
    char *cs2 = seeded_posterior_file("cseeded2.csv", "0,1,0,0.05,0.9,12345\n1,1,1,0.3,0.9,777\n");
    char *ctwo = tmp_path("ctwo"), *cfour = tmp_path("cfour");
    expect_tool(0, "ctwo", CMP_POST(pa, pb, "2", cs2), "--continue", "--out", ctwo, NULL);
    expect_tool(0, "cfour", CMP_POST(pa, pb, "4", cs2), "--continue", "--out", cfour, NULL);
    char f2[4096], f4[4096];
    snprintf(f2, sizeof f2, "%s/compare.csv", ctwo);
    snprintf(f4, sizeof f4, "%s/compare.csv", cfour);
    char *t2 = bk_test_read_file(f2, NULL), *t4 = bk_test_read_file(f4, NULL);
    assert_true(t2 && t4);
    /* the same lines but the count n, the fifth field: 2 against 4 */
    const char *l2 = strchr(t2, '\n') + 1, *l4 = strchr(t4, '\n') + 1;
    int lines = 0;
    for (; *l2 && *l4; lines++) {
        const char *v2 = l2, *v4 = l4;
        for (int f = 0; f < 4; f++) {
            v2 = strchr(v2, ',') + 1;
            v4 = strchr(v4, ',') + 1;
        }
        assert_int_equal(v2 - l2, v4 - l4);
        assert_memory_equal(l2, l4, (size_t)(v2 - l2));
        assert_true(strncmp(v2, "2,", 2) == 0 && strncmp(v4, "4,", 2) == 0);
        v2 += 2;
        v4 += 2;
        size_t n2 = strcspn(v2, "\n"), n4 = strcspn(v4, "\n");
        if (n2 != n4 || memcmp(v2, v4, n2) != 0)
            fail_msg("line %d: %.*s against %.*s", lines, (int)n2, v2, (int)n4, v4);
        l2 = v2 + n2 + 1;
        l4 = v4 + n4 + 1;
    }
    assert_true(lines > 10 && !*l2 && !*l4);
    free(t2);
    free(t4);
    free(cs2);
    expect_tool(3, "cnoseed", "compare", TWO_CORRIDORS, "--policy", pa, "--policy", pb, "-n",
                "1", "--posterior", one, "--params", CALIB_SPEC, "--continue", "--no-store",
                NULL);
    expect_message("cnoseed", "no seed column");
    expect_tool(2, "cnopost", "compare", TWO_CORRIDORS, "--policy", pa, "--policy", pb,
                "--continue", "--no-store", NULL);
    free(cs);
    free(pa);
    free(pa2);
    free(pb);
    free(one);
}

/* ---- comparisons -------------------------------------------------------------------------- */

static bk_scenario *with_policy(const char *text)
{
    bk_scenario *sc = NULL;
    bk_error err;
    if (bk_test_apply_policy(text, "policy.yaml", scenario, &sc, &err) != BK_OK)
        fail_msg("%s", err.message);
    return sc;
}

/* The scenario under the policy `name` that sets policy.convoy.escort_per_convoy to n. */
static bk_scenario *with_escort_per_convoy(const char *name, int n)
{
    char text[128];
    snprintf(text, sizeof text, "name: %s\nset:\n  policy.convoy.escort_per_convoy: %d\n", name, n);
    return with_policy(text);
}

/* A comparison's settings: `replications` each over `days` days (0: the scenario's horizon), on
 * 2 threads. */
static bk_compare_config compare_config(int replications, int days)
{
    bk_compare_config cfg;
    bk_compare_config_init(&cfg, scenario);
    cfg.replications = replications;
    if (days > 0)
        cfg.days = days;
    cfg.threads = 2;
    return cfg;
}

/* a against b under cfg; fails the test if the comparison fails. */
static bk_compare *compare_pair(const bk_scenario *a, const bk_scenario *b,
                                const bk_compare_config *cfg)
{
    const bk_scenario *sc[2] = {a, b};
    bk_compare *cmp = NULL;
    bk_error err;
    assert_int_equal(bk_compare_run(sc, NULL, NULL, 2, cfg, &cmp, &err), BK_OK);
    return cmp;
}

static void test_compare_no_change(void **state)
{
    (void)state;
    bk_scenario *a = with_escort_per_convoy("a", 2), *b = with_escort_per_convoy("b", 2);
    bk_compare_config cfg = compare_config(12, 30);
    bk_compare *cmp = compare_pair(a, b, &cfg);
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

typedef struct partial_seen {
    int calls;
    uint64_t first_n, last_n;
    uint64_t progress_done;
} partial_seen;

static char *compare_json(const bk_compare *cmp)
{
    bk_test_capture cap;
    assert_int_equal(bk_compare_write_json(cmp, bk_test_capture_open(&cap)), BK_OK);
    return bk_test_capture_close(&cap);
}

static bk_status note_partial(void *ud, const bk_compare *partial)
{
    partial_seen *p = ud;
    char *buf = compare_json(partial);
    const char *r = strstr(buf, "\"replications\": ");
    assert_non_null(r);
    uint64_t n = strtoull(r + 16, NULL, 10);
    if (p->calls++ == 0)
        p->first_n = n;
    assert_true(n >= p->last_n);   /* partial results only grow */
    p->last_n = n;
    free(buf);
    return BK_OK;
}

static void note_progress(void *ud, uint64_t done, uint64_t total)
{
    partial_seen *p = ud;
    assert_true(done <= total && done >= p->progress_done);
    p->progress_done = done;
}

/* A comparison publishes partial tables (of the replications completed so far, never all of
 * them before the end) and its progress while it runs; the final result is the same bytes as
 * without them. */
static void test_compare_partial(void **state)
{
    (void)state;
    bk_scenario *a = with_escort_per_convoy("a", 1), *b = with_escort_per_convoy("b", 4);
    bk_compare_config cfg = compare_config(96, 60);
    bk_compare *plain = compare_pair(a, b, &cfg);
    partial_seen seen = {0};
    cfg.checkpoint = note_partial;
    cfg.checkpoint_ud = &seen;
    cfg.checkpoint_seconds = 1e-9;   /* at every tick of the pool */
    cfg.progress = note_progress;
    cfg.progress_ud = &seen;
    bk_compare *watched = compare_pair(a, b, &cfg);
    assert_true(seen.calls >= 1);
    assert_true(seen.first_n >= 1 && seen.first_n < 96);
    assert_int_equal(seen.progress_done, 96);
    char *x = compare_json(plain), *y = compare_json(watched);
    assert_string_equal(x, y);
    free(x);
    free(y);
    bk_compare_free(plain);
    bk_compare_free(watched);
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
    bk_compare_config cfg = compare_config(40, 0);
    bk_compare *cmp = compare_pair(a, b, &cfg);
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
    static const bk_test_policy_case cases[] = {
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
        /* the same after a lone CR, which libfyaml takes as a line break (it crashed) */
        {"name: x\r? ?:\t:", "explicit-key", BK_ERR_SYNTAX},
        /* the horizon, the warm-up and the seed are the frame of the comparison, not a policy */
        {"name: x\nset:\n  policy.convoy.escort_per_convoy: 2\n  scenario.days: 90\n",
         "set 'scenario.days': a policy cannot change scenario.days", BK_ERR_VALUE},
        {"name: x\nset:\n  scenario.warmup_days: 40\n",
         "bad.yaml:3: set 'scenario.warmup_days': a policy cannot change scenario.warmup_days",
         BK_ERR_VALUE},
        /* the seed is not a key a policy can set at all (the schema refuses it by name) */
        {"name: x\nset:\n  scenario.seed: 8\n", "bad.yaml:3:3: set 'scenario.seed'",
         BK_ERR_REFERENCE},
    };
    bk_test_policy_cases(cases, sizeof cases / sizeof cases[0], "bad.yaml", scenario);
    /* through the tool: exit 3 */
    char *bad = bk_test_write_temp(tmp, "bad.yaml", cases[0].text, strlen(cases[0].text));
    char *good = bk_test_write_temp(tmp, "good.yaml", "name: g\nset: {}\n", 16);
    expect_tool(3, "badpolicy", "compare", TWO_CORRIDORS, "--policy", good, "--policy", bad, "-n",
                "2", "--no-store", NULL);
    expect_tool(0, "goodpolicy", "compare", TWO_CORRIDORS, "--policy", good, "--policy", good, "-n",
                "3", "--days", "10", "--no-store", "--quiet", NULL);
    /* setting the horizon to the value it already has changes nothing */
    static const char same[] = "name: s\nset:\n  scenario.days: 60\n";
    bk_scenario *sc = NULL;
    bk_error err;
    assert_int_equal(bk_test_apply_policy(same, "same.yaml", scenario, &sc, &err), BK_OK);
    bk_scenario_free(sc);
    free(bad);
    free(good);
}

BK_TEST_MAIN_GROUP("tests", setup, teardown, test_cli_kill_resume, test_cli_kill_many_times,
                   test_cli_force_partial, test_state_reader_bounded, test_cli_shards, test_cli_mpi,
                   test_cli_posterior, test_compare_posterior,
                   test_compare_no_change, test_compare_escorts, test_compare_partial,
                   test_policy_errors)
