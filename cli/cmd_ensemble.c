/* cmd_ensemble.c: `blockade ensemble`: many replications of a scenario on threads, shards or
 * MPI ranks, summarized by exact, mergeable statistics; checkpoints and --resume; the progress
 * bar; and the run-store record shared with `compare` and `merge` (see docs/ensemble.md). */
#include "cli.h"
#include "outdir.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { OPT_REPLICATIONS, OPT_SEED, OPT_THREADS, OPT_DAYS, OPT_OUT, OPT_FORCE, OPT_SHARD,
       OPT_RESUME, OPT_CHECKPOINT, OPT_MPI, OPT_CHECK, OPT_JSON, OPT_QUIET, OPT_STORE,
       OPT_NO_STORE, OPT_PERIOD, OPT_WINDOW };

/* Same order as the enum above. */
const cli_option cli_ensemble_options[] = {
    {"replications", CLI_OPT_UINT, "N", 1, BK_ENSEMBLE_MAX_REPLICATIONS,
     "number of replications, 0..N-1 (default 1000); -n N is the same"},
    {"seed", CLI_OPT_UINT, "N", 0, UINT64_MAX,
     "base seed of the random streams (default: the scenario's)"},
    {"threads", CLI_OPT_UINT, "N", 1, 1024, "worker threads (default: every core)"},
    {"days", CLI_OPT_UINT, "N", 1, CLI_MAX_DAYS, "horizon in days (default: the scenario's)"},
    {"out", CLI_OPT_STRING, "DIR",  0, 0,
     "write bands.csv, curves.csv, summary.json, manifest.json, scenario.yaml, "
     "replications.csv into DIR "
     "(with --shard: the part FILE)"},
    {"force", CLI_OPT_FLAG, NULL, 0, 0, "with --out, replace an existing DIR or FILE once complete"},
    {"shard", CLI_OPT_STRING, "I/N", 0, 0,
     "run only shard I of N (0 <= I < N) and write its part to --out FILE for 'blockade merge'"},
    {"resume", CLI_OPT_FLAG, NULL, 0, 0,
     "continue the interrupted ensemble whose checkpoint is in DIR.partial/"},
    {"checkpoint-every", CLI_OPT_UINT, "SECONDS", 1, 86400,
     "with --out, write a checkpoint this often (default 5)"},
    {"mpi", CLI_OPT_FLAG, NULL, 0, 0,
     "split the work over the MPI ranks (automatic under mpirun when built with MPI)"},
    {"check", CLI_OPT_FLAG, NULL, 0, 0, "check the model's invariants every day (slower)"},
    {"json", CLI_OPT_FLAG, NULL, 0, 0, "print summary.json instead of the plain-words summary"},
    {"quiet", CLI_OPT_FLAG, NULL, 0, 0, "no summary and no progress bar; errors only"},
    {"store", CLI_OPT_STRING, "FILE", 0, 0,
     "record the ensemble in the run store FILE (default: $BLOCKADE_STORE, else runs.sqlite "
     "next to --out)"},
    {"no-store", CLI_OPT_FLAG, NULL, 0, 0, "do not record the ensemble in a run store"},
    {"period", CLI_OPT_STRING, "month|week", 0, 0,
     "per-period totals of replications.csv by calendar month (default) or ISO week"},
    {"window", CLI_OPT_STRING, "FIRST..LAST", 0, 0,
     "add the totals and peaks over these days (YYYY-MM-DD..YYYY-MM-DD, both included) to "
     "summary.json and replications.csv; repeatable"},
    {NULL, CLI_OPT_FLAG, NULL, 0, 0, NULL},
};

#define DEFAULT_REPLICATIONS 1000
#define DEFAULT_CHECKPOINT_S 5
#define CHECKPOINT_NAME "checkpoint.bkens"

static const char *const ensemble_files[] = {"bands.csv", "curves.csv", "summary.json",
                                             "manifest.json", "scenario.yaml",
                                             "replications.csv"};
#define N_ENSEMBLE_FILES 6

/* ---- progress bar --------------------------------------------------------------------- */

/* Contract in cli.h. */
void cli_progress_init(cli_progress *p, bool enabled)
{
    memset(p, 0, sizeof *p);
    p->enabled = enabled && isatty(STDERR_FILENO);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    p->start = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
    p->first_done = UINT64_MAX;
}

/* Contract in cli.h. A bar, a percentage, the count and the time left, redrawn in place. */
void cli_progress_update(void *ud, uint64_t done, uint64_t total)
{
    cli_progress *p = ud;
    if (!p->enabled || total == 0)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double now = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
    if (p->first_done == UINT64_MAX)
        p->first_done = done; /* replications done before this session (a resume) */
    double frac = (double)done / (double)total;
    int width = 30, fill = (int)(frac * width);
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    char eta[32] = "--:--";
    double el = now - p->start;
    uint64_t new_done = done - p->first_done;
    if (new_done > 0 && el > 0.5) {
        double left = el / (double)new_done * (double)(total - done);
        long s = (long)(left + 0.5);
        snprintf(eta, sizeof eta, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    }
    fprintf(stderr, "\r[%s] %3d %% %llu/%llu ETA %s ", bar, (int)(frac * 100.0),
            (unsigned long long)done, (unsigned long long)total, eta);
    fflush(stderr);
    p->drawn = true;
}

/* Contract in cli.h. */
void cli_progress_end(cli_progress *p)
{
    if (p->enabled && p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->drawn = false;
}

/* summary.json of an ensemble as a new string (NULL when out of memory). */
static char *summary_text(const bk_ensemble *ens)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    bk_status st = bk_ensemble_write_summary_json(ens, f);
    if (fclose(f) != 0 || st != BK_OK) {
        free(text);
        return NULL;
    }
    return text;
}

/* ---- files ------------------------------------------------------------------------------ */

/* Make a rename durable: fsync the directory that holds `path`. Best effort. */
static void sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? cli_join(path, slash == path ? 1 : (size_t)(slash - path), "") : cli_join(".", 1, "");
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

/* Contract in cli.h. Writes into PATH.tmp-XXXXXX in the same directory, syncs, renames. */
int cli_write_state_atomic(const bk_ensemble *ens, const char *path, char *msg, size_t msg_size)
{
    char *tmp = cli_join(path, strlen(path), ".tmp-XXXXXX");
    if (!tmp) {
        snprintf(msg, msg_size, "out of memory");
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(msg, msg_size, "cannot create '%s': %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    mode_t mask = umask(0); /* mkstemp makes 0600; a part or checkpoint is an ordinary file */
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(tmp);
        free(tmp);
        snprintf(msg, msg_size, "out of memory");
        return -1;
    }
    errno = 0;
    bk_status st = bk_ensemble_write_state(ens, f);
    int write_errno = errno;   /* ENOSPC on a full disk: say so, not just "I/O error" */
    int synced = st == BK_OK ? fsync(fileno(f)) : 0;
    int closed = fclose(f);
    if (st != BK_OK || synced != 0 || closed != 0) {
        snprintf(msg, msg_size, "cannot write '%s': %s", tmp,
                 st == BK_ERR_IO && write_errno ? strerror(write_errno)
                 : st != BK_OK                  ? bk_status_str(st)
                                                : strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(msg, msg_size, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    sync_parent(path);
    free(tmp);
    return 0;
}

/* Contract in cli.h. A trial claim, given back at once: the checks of cli_outdir_begin (DIR
 * absent or empty unless --force, parents creatable) before hours of work, not after. */
int cli_outdir_precheck(const char *dir, bool force)
{
    char msg[1024];
    cli_outdir od;
    if (cli_outdir_begin(&od, dir, force, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        return CLI_EXIT_IO;
    }
    cli_outdir_abort(&od);
    return CLI_EXIT_OK;
}

/* Contract in cli.h. */
int cli_ensemble_write_outputs(const bk_ensemble *ens, const char *dir, bool force)
{
    char msg[1024];
    cli_outdir od;
    if (cli_outdir_begin(&od, dir, force, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        return CLI_EXIT_IO;
    }
    int rc = CLI_EXIT_OK;
    for (int i = 0; i < N_ENSEMBLE_FILES && rc == CLI_EXIT_OK; i++) {
        if (cli_interrupted) {
            rc = CLI_EXIT_INTERRUPTED;
            break;
        }
        const char *name = ensemble_files[i];
        FILE *f = cli_outdir_open(&od, name, msg, sizeof msg);
        if (!f) {
            cli_error("%s", msg);
            rc = CLI_EXIT_IO;
            break;
        }
        bk_status st = BK_OK;
        switch (i) {
        case 0: st = bk_ensemble_write_bands_csv(ens, f); break;
        case 1: st = bk_ensemble_write_curves_csv(ens, f); break;
        case 2: st = bk_ensemble_write_summary_json(ens, f); break;
        case 3: st = bk_ensemble_write_manifest_json(ens, ensemble_files, N_ENSEMBLE_FILES, f);
                break;
        case 5: st = bk_ensemble_write_replications_csv(ens, f); break;
        default: {
            size_t len = 0;
            const char *text = bk_ensemble_scenario_text(ens, &len);
            if (fwrite(text, 1, len, f) != len)
                st = BK_ERR_IO;
        }
        }
        int closed = cli_outdir_close(&od, f, name, msg, sizeof msg);
        if (closed != 0) {
            cli_error("%s", msg);
            rc = CLI_EXIT_IO;
        } else if (st != BK_OK) {
            cli_error("cannot write '%s/%s': %s", od.final, name, bk_status_str(st));
            rc = cli_exit_for_status(st);
        }
    }
    if (rc == CLI_EXIT_OK && cli_interrupted)
        rc = CLI_EXIT_INTERRUPTED;
    if (rc == CLI_EXIT_OK) {
        int committed = cli_outdir_commit(&od, msg, sizeof msg);
        if (committed < 0) {
            cli_error("%s", msg);
            rc = CLI_EXIT_IO;
        } else if (committed > 0) {
            cli_error("%s", msg);
        }
    }
    cli_outdir_abort(&od);
    return rc;
}

/* Contract in cli.h. */
int cli_ensemble_print(const bk_ensemble *ens, bool json, bool quiet)
{
    bk_status st = BK_OK;
    if (json)
        st = bk_ensemble_write_summary_json(ens, stdout);
    else if (!quiet)
        st = bk_ensemble_write_report(ens, stdout);
    if (st != BK_OK) {
        cli_error("cannot write to standard output: %s", bk_status_str(st));
        return cli_exit_for_status(st);
    }
    return CLI_EXIT_OK;
}

/* ---- the command ------------------------------------------------------------------------ */

/* Contract in cli.h: "I/N" with decimal digits only, N >= 1, I < N. */
int cli_parse_shard(const char *s, uint32_t *index, uint32_t *count)
{
    const char *slash = strchr(s, '/');
    if (!slash || slash == s || slash[1] == '\0')
        return -1;
    unsigned long long v[2];
    const char *part[2] = {s, slash + 1};
    size_t len[2] = {(size_t)(slash - s), strlen(slash + 1)};
    for (int k = 0; k < 2; k++) {
        if (len[k] > 9 || strspn(part[k], "0123456789") < len[k])
            return -1;
        v[k] = 0;
        for (size_t i = 0; i < len[k]; i++)
            v[k] = v[k] * 10 + (unsigned long long)(part[k][i] - '0');
    }
    if (v[1] < 1 || v[0] >= v[1] || v[1] > 1000000)
        return -1;
    *index = (uint32_t)v[0];
    *count = (uint32_t)v[1];
    return 0;
}

typedef struct ckpt_ctx {
    char *path;     /* DIR.partial/checkpoint.bkens */
    bool failed_once;
} ckpt_ctx;

/* Writes the checkpoint; a failure is reported once and stops the run (the user asked for a
 * resumable run, and it would not be). */
static bk_status write_checkpoint(void *ud, const bk_ensemble *ens)
{
    ckpt_ctx *c = ud;
    char msg[1024];
    if (cli_write_state_atomic(ens, c->path, msg, sizeof msg) != 0) {
        if (!c->failed_once)
            cli_error("checkpoint: %s", msg);
        c->failed_once = true;
        return BK_ERR_IO;
    }
    return BK_OK;
}

/* `out` without trailing slashes + ".partial": the work directory of an ensemble. */
static char *partial_dir(const char *out)
{
    size_t len = strlen(out);
    while (len > 1 && out[len - 1] == '/')
        len--;
    return cli_join(out, len, ".partial");
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Reads a state file; reports errors. */
static int load_state(const char *path, bk_ensemble **out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error("cannot open '%s': %s", path, strerror(errno));
        return CLI_EXIT_IO;
    }
    bk_error err;
    memset(&err, 0, sizeof err);
    bk_status st = bk_ensemble_read_state(f, path, out, &err);
    fclose(f);
    if (st != BK_OK) {
        cli_error("%s", err.message);
        return st == BK_ERR_SCHEMA ? CLI_EXIT_IO : cli_exit_for_status(st);
    }
    return CLI_EXIT_OK;
}

/* Contract in cli.h. */
int cli_load_state(const char *path, bk_ensemble **out)
{
    return load_state(path, out);
}

#define MAX_WINDOWS 64

typedef struct ens_run {
    const cli_invocation *inv;
    bool mpi;
    int rank, size, local_size;
    bool shard_mode;
    const char *out;        /* --out */
    char *work;             /* OUT.partial, or NULL without --out */
    ckpt_ctx ckpt;
    cli_progress progress;
    int period;             /* --period */
    const char *windows[MAX_WINDOWS]; /* --window, in order */
    int n_windows;
} ens_run;

/* Prepares the work directory: creates it, or with --resume loads its checkpoint into ens. */
static int prepare_work(ens_run *x, bk_ensemble *ens)
{
    const cli_value *opt = x->inv->opt;
    if (opt[OPT_RESUME].set) {
        if (!exists(x->ckpt.path)) {
            cli_error("nothing to resume: no checkpoint '%s'", x->ckpt.path);
            return CLI_EXIT_IO;
        }
        bk_ensemble *state = NULL;
        int rc = load_state(x->ckpt.path, &state);
        if (rc != CLI_EXIT_OK)
            return rc;
        bk_error err;
        memset(&err, 0, sizeof err);
        bk_status st = bk_ensemble_resume(ens, state, &err);
        bk_ensemble_free(state);
        if (st != BK_OK) {
            cli_error("cannot resume from '%s': %s", x->ckpt.path, err.message);
            return CLI_EXIT_USAGE;
        }
        return CLI_EXIT_OK;
    }
    /* an empty work directory is what a run that stopped before its first checkpoint left:
     * nothing to resume, nothing to protect */
    if (exists(x->work) && rmdir(x->work) != 0) {
        if (!opt[OPT_FORCE].set) {
            cli_error("'%s' holds an interrupted ensemble: continue it with --resume, or "
                      "start again with --force",
                      x->work);
            return CLI_EXIT_IO;
        }
        char msg[1024];
        if (cli_partial_is_own(x->work, msg, sizeof msg) != 0) {
            cli_error("%s", msg);
            return CLI_EXIT_IO;
        }
        if (cli_remove_tree(x->work) != 0) {
            cli_error("cannot remove '%s': %s", x->work, strerror(errno));
            return CLI_EXIT_IO;
        }
    }
    /* parents of --out are created by the output step; the work directory needs them now */
    for (char *p = x->work + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (!exists(x->work) && mkdir(x->work, 0777) != 0 && errno != EEXIST) {
            cli_error("cannot create directory '%s': %s", x->work, strerror(errno));
            *p = '/';
            return CLI_EXIT_IO;
        }
        *p = '/';
    }
    if (mkdir(x->work, 0777) != 0) {
        cli_error("cannot create directory '%s': %s", x->work, strerror(errno));
        return CLI_EXIT_IO;
    }
    return CLI_EXIT_OK;
}

/* The checks of writing a part file (absent unless --force, not a directory, a temporary file
 * can be made next to it) before the work, not after: a trial claim given back at once. */
static int part_precheck(const char *path, bool force)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            cli_error("'%s' is a directory: --shard writes its part to a file", path);
            return CLI_EXIT_IO;
        }
        if (!force) {
            cli_error("'%s' exists (use --force to replace it)", path);
            return CLI_EXIT_IO;
        }
    }
    char *tmp = cli_join(path, strlen(path), ".tmp-XXXXXX");
    if (!tmp) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        cli_error("cannot write the part '%s': %s", path, strerror(errno));
        free(tmp);
        return CLI_EXIT_IO;
    }
    close(fd);
    unlink(tmp);
    free(tmp);
    return CLI_EXIT_OK;
}

/* Writes the results of a finished ensemble (rank 0 only under MPI). */
static int finish_outputs(ens_run *x, const bk_ensemble *ens)
{
    const cli_value *opt = x->inv->opt;
    if (!x->out)
        return CLI_EXIT_OK;
    char msg[1024];
    if (x->shard_mode) {
        if (exists(x->out) && !opt[OPT_FORCE].set) {
            cli_error("'%s' exists (use --force to replace it)", x->out);
            return CLI_EXIT_IO;
        }
        if (cli_write_state_atomic(ens, x->out, msg, sizeof msg) != 0) {
            cli_error("%s", msg);
            return CLI_EXIT_IO;
        }
        return CLI_EXIT_OK;
    }
    return cli_ensemble_write_outputs(ens, x->out, opt[OPT_FORCE].set);
}

/* params_json for the store. */
static char *params_json(const ens_run *x, const bk_ensemble_config *cfg)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    fprintf(f, "{\"scenario_file\": ");
    if (cfg->scenario_file) {
        fputc('"', f);
        for (const char *p = cfg->scenario_file; *p; p++) {
            if (*p == '"' || *p == '\\')
                fputc('\\', f);
            if ((unsigned char)*p >= 0x20)
                fputc(*p, f);
        }
        fputc('"', f);
    } else {
        fputs("null", f);
    }
    fprintf(f, ", \"accuracy\": %g, \"shard\": \"%u/%u\", \"mpi_ranks\": %d, "
               "\"resume\": %s, \"check_invariants\": %s}",
            cfg->accuracy, cfg->shard_index, cfg->shard_count, x->mpi ? x->size : 1,
            x->inv->opt[OPT_RESUME].set ? "true" : "false",
            cfg->check_invariants ? "true" : "false");
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* Every --window value in order (the option parser keeps only the last, so the command line is
 * read again; the parser has already checked it). Returns their number. */
static int collect_windows(const cli_invocation *inv, const char **out, int max)
{
    int n = 0;
    bool seen_cmd = false;
    for (int i = 1; i < inv->argc; i++) {
        const char *w = inv->argv[i];
        if (!seen_cmd) { /* the program's options before the command word */
            seen_cmd = strcmp(w, "ensemble") == 0;
            continue;
        }
        if (strcmp(w, "--") == 0)
            break;
        const char *v = NULL;
        if (strcmp(w, "--window") == 0 && i + 1 < inv->argc)
            v = inv->argv[++i];
        else if (strncmp(w, "--window=", 9) == 0)
            v = w + 9;
        else if (w[0] == '-' && w[1] == '-' && !strchr(w, '='))
            for (int k = 0; inv->cmd->options[k].name; k++)
                if (strcmp(w + 2, inv->cmd->options[k].name) == 0
                    && inv->cmd->options[k].kind != CLI_OPT_FLAG) {
                    i++; /* its value is not a --window */
                    break;
                }
        if (v) {
            if (n < max)
                out[n] = v;
            n++;
        }
    }
    return n;
}

/* The body of `ensemble` once options are checked; MPI (if any) is initialized. */
static int ensemble_main(ens_run *x)
{
    const cli_invocation *inv = x->inv;
    const cli_value *opt = inv->opt;
    const char *path = inv->n_args > 0 ? inv->args[0] : NULL;
    bool quiet = opt[OPT_QUIET].set;

    bk_scenario *sc = NULL;
    int rc = cli_load_scenario(path, &sc);
    if (rc != CLI_EXIT_OK)
        return rc;
    bk_ensemble_config cfg;
    bk_ensemble_config_init(&cfg, sc);
    cfg.replications = opt[OPT_REPLICATIONS].set ? opt[OPT_REPLICATIONS].num : DEFAULT_REPLICATIONS;
    if (opt[OPT_SEED].set)
        cfg.seed = (uint64_t)opt[OPT_SEED].num;
    if (opt[OPT_DAYS].set)
        cfg.days = (int)opt[OPT_DAYS].num;
    cfg.check_invariants = opt[OPT_CHECK].set;
    cfg.scenario_file = path;
    cfg.period = x->period;
    cfg.windows = x->windows;
    cfg.n_windows = x->n_windows;
    cfg.cancel = &cli_interrupted;
    if (opt[OPT_THREADS].set) {
        cfg.threads = (int)opt[OPT_THREADS].num;
    } else if (x->mpi) { /* share the node's cores between its ranks */
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        int t = (int)((cpus > 0 ? cpus : 1) / (x->local_size > 0 ? x->local_size : 1));
        cfg.threads = t < 1 ? 1 : t;
    }
    if (x->shard_mode)
        cli_parse_shard(opt[OPT_SHARD].str, &cfg.shard_index, &cfg.shard_count);
    if (x->mpi) {
        cfg.shard_index = (uint32_t)x->rank;
        cfg.shard_count = (uint32_t)x->size;
    }
    cli_progress_init(&x->progress, !quiet && x->rank == 0);
    cfg.progress = cli_progress_update;
    cfg.progress_ud = &x->progress;

    if (x->work) {
        x->ckpt.path = cli_join(x->work, strlen(x->work), "/" CHECKPOINT_NAME);
        if (!x->ckpt.path) {
            bk_scenario_free(sc);
            cli_error("out of memory");
            return CLI_EXIT_INTERNAL;
        }
        cfg.checkpoint = write_checkpoint;
        cfg.checkpoint_ud = &x->ckpt;
        cfg.checkpoint_seconds =
            opt[OPT_CHECKPOINT].set ? (double)opt[OPT_CHECKPOINT].num : DEFAULT_CHECKPOINT_S;
    }
    bk_ensemble *ens = NULL;
    bk_error err;
    memset(&err, 0, sizeof err);
    bk_status st = bk_ensemble_new(sc, &cfg, &ens, &err);
    if (st != BK_OK) {
        rc = cli_report(st, &err);
        bk_scenario_free(sc);
        return rc;
    }
    if (x->out && !x->shard_mode && x->rank == 0)
        rc = cli_outdir_precheck(x->out, opt[OPT_FORCE].set);
    else if (x->out && x->shard_mode && x->rank == 0)
        rc = part_precheck(x->out, opt[OPT_FORCE].set);
    if (x->mpi)
        rc = bk_mpi_agree(rc);
    if (rc != CLI_EXIT_OK) {
        bk_ensemble_free(ens);
        bk_scenario_free(sc);
        return rc;
    }
    if (x->work) {
        rc = prepare_work(x, ens);
        if (rc != CLI_EXIT_OK) {
            bk_ensemble_free(ens);
            bk_scenario_free(sc);
            return rc;
        }
    }

    char *store_path = NULL;
    cli_record rec;
    memset(&rec, 0, sizeof rec);
    if (x->rank == 0) {
        rc = cli_store_choose(opt[OPT_NO_STORE].set, opt[OPT_STORE].set ? opt[OPT_STORE].str : NULL,
                              x->out, &store_path);
        if (rc == CLI_EXIT_OK && store_path) {
            char hash[65];
            bk_scenario_hash(sc, hash);
            size_t len = 0;
            const char *text = bk_scenario_text(sc, &len);
            char *params = params_json(x, &cfg);
            cli_record_info ri = {"ensemble", bk_scenario_name(sc), hash, text, len, cfg.seed,
                                  (long)cfg.replications,
                                  cfg.days > 0 ? cfg.days : bk_scenario_days(sc), params,
                                  x->shard_mode ? NULL : x->out};
            rc = cli_record_begin(&rec, store_path, inv, &ri);
            free(params);
        }
    }
    if (x->mpi)
        rc = bk_mpi_agree(rc);
    if (rc != CLI_EXIT_OK) {
        cli_record_finish(&rec, CLI_EXIT_INTERNAL, NULL);
        free(store_path);
        bk_ensemble_free(ens);
        bk_scenario_free(sc);
        return rc;
    }

    st = bk_ensemble_run(ens, &err);
    cli_progress_end(&x->progress);
    if (st == BK_ERR_INTERRUPTED || cli_interrupted) {
        rc = CLI_EXIT_INTERRUPTED;
        if (x->work && !x->ckpt.failed_once)
            cli_error("interrupted; the finished replications are kept in '%s': continue with "
                      "the same command and --resume",
                      x->work);
        else
            cli_error("interrupted");
    } else if (st != BK_OK) {
        rc = cli_report(st, &err);
    }
    if (x->mpi) {
        rc = bk_mpi_agree(rc);
        if (rc == CLI_EXIT_OK) {
            st = bk_ensemble_mpi_reduce(ens, &err);
            if (st != BK_OK)
                rc = cli_report(st, &err);
            rc = bk_mpi_agree(rc);
        }
    }
    if (rc == CLI_EXIT_OK && x->rank == 0) {
        rc = finish_outputs(x, ens);
        if (rc == CLI_EXIT_OK && x->work)
            cli_remove_tree(x->work); /* the outputs are complete: the checkpoint has served */
    }
    if (rc != CLI_EXIT_OK && x->work && x->rank == 0)
        (void)rmdir(x->work);   /* no checkpoint in it: leave nothing that blocks the next run */
    char *summary = NULL;
    if (rec.store && rc == CLI_EXIT_OK)
        summary = summary_text(ens);
    rc = cli_record_finish(&rec, rc, summary);
    free(summary);
    if (rc == CLI_EXIT_OK && x->rank == 0) {
        if (x->shard_mode) {
            if (!quiet)
                fprintf(stderr, "shard %u/%u written to %s\n", cfg.shard_index, cfg.shard_count,
                        x->out);
        } else {
            rc = cli_ensemble_print(ens, opt[OPT_JSON].set, quiet);
            if (rc == CLI_EXIT_OK && x->out && !quiet)
                fprintf(stderr, "outputs written to %s\n", x->out);
        }
    }
    free(store_path);
    bk_ensemble_free(ens);
    bk_scenario_free(sc);
    return rc;
}

/* `blockade ensemble [FILE] [options]`. */
int cli_cmd_ensemble(const cli_invocation *inv)
{
    const cli_value *opt = inv->opt;
    ens_run x;
    memset(&x, 0, sizeof x);
    x.inv = inv;
    x.size = 1;
    x.local_size = 1;
    if (opt[OPT_STORE].set && opt[OPT_NO_STORE].set)
        return cli_usage_error("ensemble: --store and --no-store cannot be used together");
    if (opt[OPT_FORCE].set && !opt[OPT_OUT].set)
        return cli_usage_error("ensemble: --force needs --out");
    if (opt[OPT_RESUME].set && !opt[OPT_OUT].set)
        return cli_usage_error("ensemble: --resume needs --out (the checkpoint is in DIR.partial/)");
    if (opt[OPT_CHECKPOINT].set && !opt[OPT_OUT].set)
        return cli_usage_error("ensemble: --checkpoint-every needs --out");
    if (opt[OPT_SHARD].set) {
        uint32_t i, n;
        if (cli_parse_shard(opt[OPT_SHARD].str, &i, &n) != 0)
            return cli_usage_error("ensemble: bad --shard '%s': expected I/N with 0 <= I < N",
                                   opt[OPT_SHARD].str);
        if (!opt[OPT_OUT].set)
            return cli_usage_error("ensemble: --shard needs --out FILE for the part");
        x.shard_mode = true;
    }
    if (!bk_mpi_available() && bk_mpi_launched())
        return cli_usage_error("ensemble: started by mpirun, but this blockade was built without "
                               "MPI: every rank would run the whole ensemble");
    x.mpi = opt[OPT_MPI].set || (bk_mpi_available() && bk_mpi_launched());
    if (x.mpi && !bk_mpi_available())
        return cli_usage_error("ensemble: --mpi: this blockade was built without MPI");
    if (x.mpi && x.shard_mode)
        return cli_usage_error("ensemble: --shard cannot be used under MPI (the ranks are the "
                               "shards)");
    if (x.mpi && opt[OPT_RESUME].set)
        return cli_usage_error("ensemble: --resume is not available under MPI");
    x.out = opt[OPT_OUT].set ? opt[OPT_OUT].str : NULL;
    if (opt[OPT_PERIOD].set) {
        if (strcmp(opt[OPT_PERIOD].str, "month") == 0)
            x.period = BK_ENSEMBLE_PERIOD_MONTH;
        else if (strcmp(opt[OPT_PERIOD].str, "week") == 0)
            x.period = BK_ENSEMBLE_PERIOD_WEEK;
        else
            return cli_usage_error("ensemble: bad --period '%s': expected month or week",
                                   opt[OPT_PERIOD].str);
    }
    if (opt[OPT_WINDOW].set) {
        x.n_windows = collect_windows(inv, x.windows, MAX_WINDOWS);
        if (x.n_windows > MAX_WINDOWS)
            return cli_usage_error("ensemble: at most %d --window options", MAX_WINDOWS);
    }

    if (x.mpi) {
        bk_error err;
        memset(&err, 0, sizeof err);
        bk_status st = bk_mpi_init(NULL, NULL, &x.rank, &x.size, &x.local_size, &err);
        if (st != BK_OK)
            return cli_report(st, &err);
    }
    /* Checkpoints are a single-process feature: under MPI there is no work directory. */
    if (x.out && !x.mpi) {
        x.work = partial_dir(x.out);
        if (!x.work) {
            cli_error("out of memory");
            return CLI_EXIT_INTERNAL;
        }
    }
    int rc = ensemble_main(&x);
    free(x.work);
    free(x.ckpt.path);
    if (x.mpi)
        bk_mpi_finalize();
    return rc;
}
