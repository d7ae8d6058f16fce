/* cli.h: what the subcommands of the `blockade` tool share: exit codes, the command table's
 * entry type, error reporting and the interrupt flag.
 *
 * The tool links the library only through include/blockade/. Results go to stdout; errors and
 * chatter go to stderr, one line each, starting "blockade: ".
 */
#ifndef BK_CLI_H
#define BK_CLI_H

#include <signal.h>
#include <stdbool.h>

#include "blockade/blockade.h"
#include "options.h"

/* Exit codes: frozen, documented in --help, docs/cli.md and docs/blockade.1.
 * X(name, number, text). */
#define CLI_EXIT_LIST(X)                                                                \
    X(CLI_EXIT_OK, 0, "success")                                                        \
    X(CLI_EXIT_INTERNAL, 1, "internal error or out of memory")                          \
    X(CLI_EXIT_USAGE, 2, "usage error (unknown command or option, bad option value)")   \
    X(CLI_EXIT_SCENARIO, 3, "bad input: scenario, policy or data file (syntax, format, value)") \
    X(CLI_EXIT_IO, 4, "input/output error (cannot read the scenario, cannot write outputs)") \
    X(CLI_EXIT_INVARIANT, 5, "a model invariant was violated during the run")           \
    X(CLI_EXIT_INTERRUPTED, 130, "interrupted (SIGINT)")

enum cli_exit {
#define CLI_X_ENUM(name, num, text) name = num,
    CLI_EXIT_LIST(CLI_X_ENUM)
#undef CLI_X_ENUM
};

/* Largest --days accepted: ten years. The model is meant for months; a bigger horizon is
 * almost certainly a typo. */
#define CLI_MAX_DAYS 3650

/* What a subcommand receives: its parsed options and positional arguments, and the whole
 * command line for the record (manifest.json). */
typedef struct cli_invocation {
    const struct cli_command *cmd;
    const cli_value *opt;     /* one per entry of cmd->options, same order */
    char **args;              /* positional arguments, borrowed from argv */
    int n_args;
    int argc;                 /* the process's command line, borrowed */
    char **argv;
} cli_invocation;

/* One entry of the command table (main.c). A name has one or two words ("run",
 * "scenario check"); `options` ends with an entry whose name is NULL. */
typedef struct cli_command {
    const char *name;
    const char *args;         /* positional arguments for the usage line, "" if none */
    int min_args, max_args;
    const char *summary;      /* one line, lower-case, no full stop */
    const char *description;  /* a paragraph for `blockade help COMMAND` */
    const cli_option *options;
    int (*run)(const cli_invocation *inv);
} cli_command;

/* Set by the SIGINT handler; commands check it before writing outputs. */
extern volatile sig_atomic_t cli_interrupted;

/* Exit code for a library status. Cannot fail. */
int cli_exit_for_status(bk_status status);

/* Print "blockade: " + message + newline on stderr. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Print a library error on stderr and return the matching exit code. `err` may be NULL or
 * have an empty message: the status text is used then. */
int cli_report(bk_status status, const bk_error *err);

/* Print a usage error ("blockade: <message>; see 'blockade --help'") and return
 * CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Load FILE, or the embedded default when `path` is NULL. Reports errors on stderr. Returns an
 * exit code; on success *out owns the scenario (free with bk_scenario_free). */
int cli_load_scenario(const char *path, bk_scenario **out);
/* cli_load_scenario of the command's first argument, or of the embedded default without one. */
int cli_load_scenario_arg(const cli_invocation *inv, bk_scenario **out);
/* The opening of a command on a scenario with --out/--force and --store/--no-store options:
 * the usage checks of cli_check_out_store, then cli_load_scenario_arg. Returns an exit code; on
 * success *out owns the scenario (free with bk_scenario_free), else it is NULL. */
int cli_check_and_load(const cli_invocation *inv, bk_scenario **out);

/* ---- text in memory (text.c) --------------------------------------------------------- */
#include <stdio.h>

/* A writer of one output: writes `obj` to `f`. A one-line adapter turns a typed library writer
 * (bk_compare_write_json and the like) into one. */
typedef bk_status (*cli_writer)(const void *obj, FILE *f);
/* The adapters csv_of, json_of and table_of of an analysis's writers PREFIX_write_csv,
 * PREFIX_write_json and PREFIX_write_table (for cli_result). */
#define CLI_RESULT_WRITERS(prefix)                                                              \
    static bk_status csv_of(const void *r, FILE *f) { return prefix##_write_csv(r, f); }       \
    static bk_status json_of(const void *r, FILE *f) { return prefix##_write_json(r, f); }     \
    static bk_status table_of(const void *r, FILE *f) { return prefix##_write_table(r, f); }

/* Text built through a FILE (open_memstream). Invariant: `f` is NULL or open on `buf`. */
typedef struct cli_text {
    char *buf;
    size_t len;
    FILE *f;
} cli_text;
/* Open `t` for writing; NULL when out of memory. */
FILE *cli_text_open(cli_text *t);
/* Close `t` and return its text (a new string: free with free()), or NULL when it could not be
 * opened, a write failed, or `ok` is false (the text is freed then). */
char *cli_text_close(cli_text *t, bool ok);
/* What `write` writes for `obj`, as a new string; NULL when out of memory or the writer fails. */
char *cli_text_of(cli_writer write, const void *obj);

/* Exit code after a long library computation that returned `st`: interruption (SIGINT or
 * BK_ERR_INTERRUPTED) reported as such, other errors through cli_report. */
int cli_status_after_run(bk_status st, const bk_error *err);

/* The result of a command on stdout: `json` (--json) or else, unless `quiet`, `table`; then
 * "outputs written to OUT" on stderr when `out` and not `quiet`. Returns an exit code. */
int cli_print_result(const void *obj, cli_writer json, cli_writer table, bool want_json,
                     bool quiet, const char *out);

/* Subcommands (one file each). */
int cli_cmd_run(const cli_invocation *inv);
int cli_cmd_scenario_check(const cli_invocation *inv);
int cli_cmd_scenario_show(const cli_invocation *inv);
int cli_cmd_scenario_export_default(const cli_invocation *inv);
int cli_cmd_scenario_apply(const cli_invocation *inv);

/* Option tables of the subcommands, defined next to their code. */
extern const cli_option cli_run_options[];
extern const cli_option cli_no_options[];
extern const cli_option cli_scenario_check_options[];

/* Index of the option called `name` in cmd's table; -1 if absent (a programming error). */
int cli_option_index(const cli_command *cmd, const char *name);
/* The value of the option called `name` when the command has it and it was given; else NULL. */
const cli_value *cli_option_given(const cli_invocation *inv, const char *name);
/* The shared rows CLI_OPTION_SEED, CLI_OPTION_DAYS and CLI_OPTION_THREADS, read: each one the
 * command has and was given goes into *seed, *days or *threads; the others are left as they
 * are (the configuration's defaults). */
void cli_seed_days_threads(const cli_invocation *inv, uint64_t *seed, int *days, int *threads);

/* `blockade runs list|show|diff` (cmd_runs.c) and their option tables: the run store, read
 * only. */
int cli_cmd_runs_list(const cli_invocation *inv);
int cli_cmd_runs_show(const cli_invocation *inv);
int cli_cmd_runs_diff(const cli_invocation *inv);
extern const cli_option cli_runs_list_options[];
extern const cli_option cli_runs_options[];


/* ---- ensembles, comparisons and merges (cmd_ensemble.c, cmd_compare.c, cmd_merge.c) ----- */
#include <stdint.h>

int cli_cmd_ensemble(const cli_invocation *inv);
int cli_cmd_compare(const cli_invocation *inv);
int cli_cmd_merge(const cli_invocation *inv);
int cli_cmd_vulnerability(const cli_invocation *inv);
int cli_cmd_optimise(const cli_invocation *inv);
extern const cli_option cli_optimise_options[];
extern const cli_option cli_vulnerability_options[];
extern const cli_option cli_ensemble_options[];
extern const cli_option cli_compare_options[];
extern const cli_option cli_merge_options[];

/* A progress bar on stderr, drawn only when stderr is a terminal and `enabled`. */
typedef struct cli_progress {
    bool enabled, drawn;
    double start;          /* monotonic seconds */
    uint64_t first_done;   /* replications already done at the first update */
} cli_progress;
void cli_progress_init(cli_progress *p, bool enabled);
/* A bk_ensemble_progress_fn; ud is a cli_progress. */
void cli_progress_update(void *ud, uint64_t done, uint64_t total);
/* Erase the bar. */
void cli_progress_end(cli_progress *p);
/* cli_progress_init(p, !quiet), and the bar as the progress callback (*fn, *ud) of an analysis's
 * configuration. */
void cli_progress_attach(cli_progress *p, bool quiet, bk_ensemble_progress_fn *fn, void **ud);

/* Open the run store for reading: store_opt (--store FILE) if set, else $BLOCKADE_STORE, else
 * out/runs.sqlite. A missing store is an I/O error, never created. Returns an exit code (errors
 * reported). */
int cli_store_open_read(const cli_value *store_opt, bk_store **out);

/* Parse a run id (decimal, from 1) given to command `cmd`. Returns 0 or a usage error. */
int cli_parse_run_id(const char *cmd, const char *text, int64_t *id);

/* A new string: `len` bytes of `s`, then `tail`. NULL when out of memory. */
char *cli_join(const char *s, size_t len, const char *tail);

/* The run store of a command: --store FILE, else $BLOCKADE_STORE, else runs.sqlite in the
 * parent of `out`, else none (*path = NULL). Returns an exit code; *path is a new string. */
int cli_store_choose(bool no_store, const char *store_opt, const char *out, char **path);

/* The store's file name in the parent of --out DIR: `make run` writes out/default and records
 * into out/runs.sqlite, next to the outputs but never inside them. */
#define CLI_STORE_FILE "runs.sqlite"

typedef struct cli_record {
    bk_store *store;       /* NULL: nothing recorded */
    int64_t id;
} cli_record;
typedef struct cli_record_info {
    const char *kind, *scenario_name, *scenario_sha256, *scenario_text;
    size_t scenario_len;
    uint64_t seed;
    long replications;
    int days;
    const char *params_json, *out;
} cli_record_info;
/* Open the store (store_path may be NULL: nothing to do) and record the start. Returns an exit
 * code (errors reported). */
int cli_record_begin(cli_record *rec, const char *store_path, const cli_invocation *inv,
                     const cli_record_info *info);
/* Record the end (done / interrupted / failed from rc) and close; returns rc, or an I/O error
 * when a successful command cannot be recorded. */
int cli_record_finish(cli_record *rec, int rc, const char *summary_json);

/* The usage checks of a command with --out/--force and --store/--no-store options: both store
 * options at once, or --force without --out. Returns 0 or a usage error (reported). */
int cli_check_out_store(const cli_invocation *inv);
/* Record the start of a command in the store its --store/--no-store options choose (see
 * cli_store_choose; `out` is its --out). `rec` is zeroed first; nothing is recorded without a
 * store. Returns an exit code (errors reported). */
int cli_record_start(cli_record *rec, const cli_invocation *inv, const char *out,
                     const cli_record_info *info);
/* cli_record_start for a command on scenario `sc`, with the scenario's name, hash and text;
 * `days` <= 0 stands for the scenario's horizon. */
int cli_record_scenario(cli_record *rec, const cli_invocation *inv, const char *out,
                        const char *kind, const bk_scenario *sc, uint64_t seed,
                        uint64_t replications, int days, const char *params_json);

/* An analysis command (compare, optimise, vulnerability) from its start to its result: its
 * --out, --force, --json and --quiet options, the record of its start in the run store and its
 * progress bar. */
typedef struct cli_analysis {
    const char *out;          /* --out DIR, or NULL */
    bool force, json, quiet;
    cli_record rec;
    cli_progress prog;
} cli_analysis;
/* The start of an analysis command that was at exit code `rc`: `a` filled from the options of
 * `inv` (rec zeroed); then, while rc is 0, --out DIR claimed early (cli_outdir_precheck) when
 * it is set, the start recorded (cli_record_scenario), and the progress bar made the
 * configuration's callback (*fn, *ud; cli_progress_attach). Returns the exit code. */
int cli_analysis_begin(int rc, cli_analysis *a, const cli_invocation *inv, const char *kind,
                       const bk_scenario *sc, uint64_t seed, uint64_t replications, int days,
                       const char *params_json, bk_ensemble_progress_fn *fn, void **ud);
/* After the analysis returned `st`: the bar erased, then the exit code (cli_status_after_run). */
int cli_analysis_ran(cli_analysis *a, bk_status st, const bk_error *err);

/* "I/N", 0 <= I < N; 0 or -1. */
int cli_parse_shard(const char *s, uint32_t *index, uint32_t *count);
/* Write an ensemble state to `path` atomically (temporary file, fsync, rename). 0 or -1. */
int cli_write_state_atomic(const bk_ensemble *ens, const char *path, char *msg, size_t msg_size);
/* Read a state file; reports errors; returns an exit code. */
int cli_load_state(const char *path, bk_ensemble **out);
/* Fail early (reported, exit code returned) when DIR could not be claimed for outputs. */
int cli_outdir_precheck(const char *dir, bool force);
/* One file of an output directory: `name` written by `write` from `obj`. */
typedef struct cli_output {
    const char *name;
    cli_writer write;
    const void *obj;
} cli_output;
/* Write `files` into DIR, in order, all or nothing (outdir.h); `force` replaces a non-empty
 * DIR blockade wrote. Errors are reported; an interruption leaves nothing. Returns an exit
 * code. */
int cli_write_outputs(const char *dir, bool force, const cli_output *files, int n);
/* The same into a directory already claimed with cli_outdir_begin: write, then commit. The
 * caller still calls cli_outdir_abort (harmless after a commit). */
struct cli_outdir;
int cli_outdir_write(struct cli_outdir *od, const cli_output *files, int n);
/* What a command's manifest.json says: its kind, the files of the directory and, when
 * `list_key` is set, one more list of strings (the policy files of a comparison). */
typedef struct cli_manifest {
    const char *kind;
    const cli_output *files;
    int n_files;
    const char *list_key;
    const char *const *list;
    int n_list;
} cli_manifest;
/* A cli_writer for a cli_manifest: the version, the kind, the list and the files. */
bk_status cli_write_manifest(const void *manifest, FILE *f);
/* A cli_writer for a bk_scenario: its text exactly as it was loaded (scenario.yaml), for the
 * map and names of `blockade report`. */
bk_status cli_write_scenario(const void *sc, FILE *f);
/* The result of an analysis (compare, optimise, vulnerability): KIND.csv, KIND.json,
 * manifest.json (and scenario.yaml when `scenario` is set) under --out, KIND.json's text as the
 * run's summary in the store, and the table (or KIND.json with --json) on stdout. */
typedef struct cli_result {
    const char *kind;           /* "compare": compare.csv, compare.json, the manifest's kind */
    const void *obj;            /* the result; NULL when the analysis failed */
    cli_writer csv, json, table;
    const void *scenario;       /* a bk_scenario: scenario.yaml too (cli_write_scenario), or NULL */
    const char *list_key;       /* one more list in manifest.json (see cli_manifest), or NULL */
    const char *const *list;
    int n_list;
} cli_result;
/* The end of analysis `a`, which ended with exit code `rc`: on success, the files into its
 * --out DIR when it is set (all or nothing; --force as for cli_write_outputs); then the end
 * recorded in a->rec (cli_record_finish); then, on success, the result printed
 * (cli_print_result with --json and --quiet). Returns the exit code. */
int cli_finish_result(const cli_result *res, int rc, cli_analysis *a);
/* Write the ensemble's files into DIR, all or nothing. Returns an exit code. */
int cli_ensemble_write_outputs(const bk_ensemble *ens, const char *dir, bool force);
/* summary.json of an ensemble as a new string (free with free()); NULL when out of memory. */
char *cli_ensemble_summary_text(const bk_ensemble *ens);
/* The report (or summary.json with json) on stdout. Returns an exit code. */
int cli_ensemble_print(const bk_ensemble *ens, bool json, bool quiet);

/* `blockade serve` (cmd_serve.c): the local workbench in the browser. */
int cli_cmd_serve(const cli_invocation *inv);
extern const cli_option cli_serve_options[];

/* `blockade report` (cmd_report.c): an HTML report of an output directory. */
int cli_cmd_report(const cli_invocation *inv);
extern const cli_option cli_report_options[];

/* ---- observed events, calibration, validation, sensitivity (cmd_events.c, cmd_calibrate.c,
 * cmd_validate.c, cmd_sensitivity.c; docs/calibration.md) ---------------------------------- */
int cli_cmd_events_import(const cli_invocation *inv);
int cli_cmd_calibrate(const cli_invocation *inv);
int cli_cmd_validate(const cli_invocation *inv);
int cli_cmd_sensitivity(const cli_invocation *inv);
extern const cli_option cli_events_import_options[];
extern const cli_option cli_calibrate_options[];
extern const cli_option cli_validate_options[];
extern const cli_option cli_sensitivity_options[];

/* What calibrate and validate read: the scenario (FILE or the default), the observed events
 * (placed on the scenario's roads), the aggregates and the parameter spec (each may be absent:
 * NULL path). */
typedef struct cli_calib_inputs {
    bk_scenario *sc;
    bk_events *ev;
    bk_aggregates *ag;
    bk_calib_spec *spec;
} cli_calib_inputs;
/* Load the inputs; errors reported. Returns an exit code; release with cli_calib_release in
 * every case. */
int cli_calib_load(const char *scenario, const char *observed, const char *aggregates,
                   const char *params, cli_calib_inputs *in);
void cli_calib_release(cli_calib_inputs *in);
/* The statistics of the window [from, to] (day numbers). Returns an exit code. */
int cli_calib_obs(const cli_calib_inputs *in, long from, long to, bk_obs **out);
/* The default window: the spec's, else the scenario's first 30 days. */
void cli_calib_window(const cli_calib_inputs *in, long *from, long *to);
/* The ABC-SMC settings: the defaults, `seed`, and the command's --threads, --particles,
 * --generations and --kernel where given. Returns an exit code (a usage error for a bad
 * --kernel). */
int cli_calib_abc_config(const cli_invocation *inv, uint64_t seed, bk_abc_config *cfg);
/* Run ABC-SMC; prints progress on a terminal unless quiet. Returns an exit code. */
int cli_calib_abc(const bk_abc_problem *prob, const bk_abc_config *cfg, bool quiet,
                  bk_abc_result **out);
/* The posterior medians, [n_params], into theta. */
void cli_calib_medians(const bk_abc_result *r, int k, double *theta);
/* Print the posterior table. */
void cli_calib_print_posterior(const bk_abc_result *r, const bk_calib_spec *spec, FILE *out);

/* ---- posterior.c: a calibrated posterior as scenarios ---- */

/* The posterior of n weighted particles w[i], th[i k .. i k + k) of `spec`'s parameters,
 * resampled systematically to n equally weighted draws (deterministic) and put in bit-reversal
 * order of their positions, so that the first m draws spread over the whole posterior for any
 * m; as scenarios over `base` (a particle drawn more than once is one scenario, its pointer
 * repeated) and their
 * report probabilities (report_prob unless the spec calibrates it). With a policy `keep` (may be
 * NULL), `base` has it applied and the parameters it sets keep their values. `what` names the
 * posterior in errors. With seeds_out (may be NULL), also each draw's particle's seed, seeds[j]
 * of particle j (a new array, or NULL when seeds is NULL; free it). Returns an exit code;
 * release the draws with cli_posterior_free. */
int cli_posterior_draws(const char *what, const bk_calib_spec *spec, const bk_scenario *base,
                        const bk_policy *keep, double report_prob, const double *w,
                        const double *th, const uint64_t *seeds, int n, bk_scenario ***scs_out,
                        double **rp_out, int *n_out, uint64_t **seeds_out);
/* The same for the posterior.csv at `path` written by `blockade calibrate` with `spec`. With
 * seeds_out (may be NULL), the seeds are its seed column, and a file without one (written by an
 * earlier version) is refused. Errors name the file and line. */
int cli_posterior_load(const char *path, const bk_calib_spec *spec, const bk_scenario *base,
                       const bk_policy *keep, double report_prob, bk_scenario ***scs_out,
                       double **rp_out, int *n_out, uint64_t **seeds_out);
/* Free the n draws of cli_posterior_draws or cli_posterior_load. */
void cli_posterior_free(bk_scenario **scs, double *rp, int n);
/* An output written as it is produced and published only when complete (atomic.c): a
 * temporary file next to `path` (the mode a new file gets), synced and renamed over it at the
 * end, or for standard output (path NULL) an anonymous temporary file copied out at the end.
 * Nothing is written on failure. */
typedef struct cli_atomic {
    const char *path;
    char *tmp;      /* NULL for standard output */
    int fd;
    FILE *f;        /* where to write */
} cli_atomic;
/* Open `o` for `path` (borrowed until the end). Returns an exit code (errors reported). */
int cli_atomic_open(cli_atomic *o, const char *path);
/* Publish what was written: rename (or copy to stdout). Returns an exit code (errors reported);
 * `o` is closed in every case. */
int cli_atomic_commit(cli_atomic *o);
/* Give up: nothing is published. Harmless on a closed `o`. */
void cli_atomic_abort(cli_atomic *o);
/* Write `text` to `path` atomically (temporary file in the same directory, fsync, rename).
 * Returns an exit code (errors reported). */
int cli_write_file_atomic(const char *path, const char *text, size_t len);

#endif
