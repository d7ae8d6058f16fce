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
       OPT_NO_STORE, OPT_PERIOD, OPT_WINDOW, OPT_POSTERIOR, OPT_PARAMS, OPT_CONTINUE };

/* Same order as the enum above. */
const cli_option cli_ensemble_options[] = {
    {"replications", CLI_OPT_UINT, "N", 1, BK_ENSEMBLE_MAX_REPLICATIONS,
     "number of replications, 0..N-1 (default 1000); -n N is the same"},
    CLI_OPTION_SEED,
    CLI_OPTION_THREADS,
    CLI_OPTION_DAYS,
    {"out", CLI_OPT_STRING, "DIR",  0, 0,
     "write bands.csv, curves.csv, summary.json, manifest.json, scenario.yaml, "
     "replications.csv into DIR "
     "(with --shard: the part FILE)"},
    {"force", CLI_OPT_FLAG, NULL, 0, 0,
     "with --out, replace an existing DIR or FILE once complete"},
    {"shard", CLI_OPT_STRING, "I/N", 0, 0,
     "run only shard I of N (0 <= I < N) and write its part to --out FILE for 'blockade merge'"},
    {"resume", CLI_OPT_FLAG, NULL, 0, 0,
     "continue the interrupted ensemble whose checkpoint is in DIR.partial/"},
    {"checkpoint-every", CLI_OPT_UINT, "SECONDS", 1, 86400,
     "with --out, write a checkpoint this often (default 5)"},
    {"mpi", CLI_OPT_FLAG, NULL, 0, 0,
     "split the work over the MPI ranks (automatic under mpirun when built with MPI)"},
    CLI_OPTION_CHECK,
    {"json", CLI_OPT_FLAG, NULL, 0, 0, "print summary.json instead of the plain-words summary"},
    CLI_OPTION_QUIET("summary"),
    CLI_OPTION_STORE("the ensemble"),
    {"period", CLI_OPT_STRING, "month|week", 0, 0,
     "per-period totals of replications.csv by calendar month (default) or ISO week"},
    {"window", CLI_OPT_STRING, "FIRST..LAST", 0, 0,
     "add the totals and peaks over these days (YYYY-MM-DD..YYYY-MM-DD, both included) to "
     "summary.json and replications.csv; repeatable"},
    {"posterior", CLI_OPT_STRING, "FILE", 0, 0,
     "posterior predictive: replication r runs draw r mod D of this posterior.csv of 'blockade "
     "calibrate' (D draws, resampled by weight), with --params"},
    {"params", CLI_OPT_STRING, "FILE", 0, 0,
     "with --posterior: the parameter spec the posterior was calibrated with"},
    {"continue", CLI_OPT_FLAG, NULL, 0, 0,
     "with --posterior: replication r runs draw r's accepted simulation on (the draw's values "
     "with the seed of the posterior's seed column, replication 0), so the ensemble starts from "
     "the runs that fitted the record"},
    CLI_OPTION_END,
};

#define DEFAULT_REPLICATIONS 1000
#define DEFAULT_CHECKPOINT_S 5
#define CHECKPOINT_NAME "checkpoint.bkens"


/* ---- the command --------------------------------------------------------------------------- */

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
    bk_scenario **draws;    /* --posterior: the draws over the scenario, owned */
    int n_draws;
    uint64_t *seeds;        /* --continue: the draws' seeds, owned */
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
        int rc = cli_load_state(x->ckpt.path, &state);
        if (rc != CLI_EXIT_OK)
            return rc;
        bk_error err = {0};
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
    cli_text t;
    FILE *f = cli_text_open(&t);
    if (!f)
        return NULL;
    fputs("{\"scenario_file\": ", f);
    bk_json_write_string(f, cfg->scenario_file, false);
    fprintf(f, ", \"accuracy\": %g, \"shard\": \"%u/%u\", \"mpi_ranks\": %d, "
               "\"resume\": %s, \"check_invariants\": %s",
            cfg->accuracy, cfg->shard_index, cfg->shard_count, x->mpi ? x->size : 1,
            x->inv->opt[OPT_RESUME].set ? "true" : "false",
            cfg->check_invariants ? "true" : "false");
    if (x->inv->opt[OPT_POSTERIOR].set) {
        fputs(", \"posterior\": ", f);
        bk_json_write_string(f, x->inv->opt[OPT_POSTERIOR].str, false);
        fputs(", \"params\": ", f);
        bk_json_write_string(f, x->inv->opt[OPT_PARAMS].str, false);
        fprintf(f, ", \"posterior_draws\": %u", cfg->n_draws);
    }
    fputc('}', f);
    return cli_text_close(&t, true);
}

/* The draws of --posterior over `sc`, with the spec of --params. */
static int load_draws(ens_run *x, const bk_scenario *sc)
{
    const cli_value *opt = x->inv->opt;
    bk_calib_spec *spec = NULL;
    bk_error err = {0};
    bk_status st = bk_calib_spec_load_file(opt[OPT_PARAMS].str, &spec, &err);
    if (st != BK_OK)
        return cli_report(st, &err);
    double *rp = NULL; /* report probabilities: the observation model's, not an ensemble's */
    int rc = cli_posterior_load(opt[OPT_POSTERIOR].str, spec, sc, NULL, 1.0, &x->draws, &rp,
                                &x->n_draws, opt[OPT_CONTINUE].set ? &x->seeds : NULL);
    free(rp);
    bk_calib_spec_free(spec);
    return rc;
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
    if (opt[OPT_POSTERIOR].set) {
        rc = load_draws(x, sc);
        if (rc != CLI_EXIT_OK) {
            bk_scenario_free(sc);
            return rc;
        }
        cfg.draws = (const bk_scenario *const *)x->draws;
        cfg.n_draws = (uint32_t)x->n_draws;
        cfg.draw_seeds = x->seeds;
    }
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
    bk_error err = {0};
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

    cli_record rec;
    memset(&rec, 0, sizeof rec);
    if (x->rank == 0) {
        char hash[65];
        bk_scenario_hash(sc, hash);
        size_t len = 0;
        const char *text = bk_scenario_text(sc, &len);
        char *params = params_json(x, &cfg);
        cli_record_info ri = {"ensemble", bk_scenario_name(sc), hash, text, len, cfg.seed,
                              (long)cfg.replications,
                              cfg.days > 0 ? cfg.days : bk_scenario_days(sc), params,
                              x->shard_mode ? NULL : x->out};
        rc = cli_record_start(&rec, inv, x->out, &ri);
        free(params);
    }
    if (x->mpi)
        rc = bk_mpi_agree(rc);
    if (rc != CLI_EXIT_OK) {
        cli_record_finish(&rec, CLI_EXIT_INTERNAL, NULL);
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
        summary = cli_ensemble_summary_text(ens);
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
    int rc = cli_check_out_store(inv);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (opt[OPT_RESUME].set && !opt[OPT_OUT].set)
        return cli_usage_error(
            "ensemble: --resume needs --out (the checkpoint is in DIR.partial/)");
    if (opt[OPT_CHECKPOINT].set && !opt[OPT_OUT].set)
        return cli_usage_error("ensemble: --checkpoint-every needs --out");
    if (opt[OPT_POSTERIOR].set != opt[OPT_PARAMS].set)
        return cli_usage_error("ensemble: --posterior FILE and --params FILE go together (the "
                               "spec names the posterior's columns)");
    if (opt[OPT_CONTINUE].set && !opt[OPT_POSTERIOR].set)
        return cli_usage_error("ensemble: --continue goes with --posterior");
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
        x.n_windows = cli_options_collect(inv->cmd->options, inv->argc, inv->argv,
                                          inv->cmd->name, "window", x.windows, MAX_WINDOWS);
        if (x.n_windows > MAX_WINDOWS)
            return cli_usage_error("ensemble: at most %d --window options", MAX_WINDOWS);
    }

    if (x.mpi) {
        bk_error err = {0};
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
    rc = ensemble_main(&x);
    cli_posterior_free(x.draws, NULL, x.n_draws);
    free(x.seeds);
    free(x.work);
    free(x.ckpt.path);
    if (x.mpi)
        bk_mpi_finalize();
    return rc;
}
