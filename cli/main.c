/* main.c: the `blockade` command-line tool: the command table, dispatch, help and version.
 *
 * Every command is one entry of `commands` below; the entry drives parsing (options and the
 * number of positional arguments), `blockade --help`, `blockade help COMMAND` and
 * `blockade COMMAND --help`. Each command's code lives in its own cmd_*.c file.
 */
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmd_help(const cli_invocation *inv);

static const cli_command commands[] = {
    {"run", "[FILE]", 0, 1, "run one replication of a scenario and tell what happened",
     "Load FILE (the embedded Bamako 2025 scenario when no FILE is given), run one\n"
     "replication and print what happened in plain words on stdout (the summary as JSON\n"
     "with --json). With --out DIR, also write daily.csv, events.csv, events.geojson,\n"
     "summary.json, manifest.json and scenario.yaml into DIR, all or nothing: the files\n"
     "are written to a temporary directory next to DIR and moved into place only when\n"
     "every one is complete. The same command always writes the same bytes.\n",
     cli_run_options, cli_cmd_run},
    {"ensemble", "[FILE]", 0, 1, "run many replications and summarize their distribution",
     "Run replications 0..N-1 of FILE (the embedded default when no FILE is given) on\n"
     "every core and print, in plain words, the median and 90 % interval of the key\n"
     "outcomes and the chance of a city stock-out (summary.json with --json). With --out\n"
     "DIR, also write bands.csv (mean and quantiles of every daily column on every day),\n"
     "curves.csv (probability curves), summary.json, manifest.json and scenario.yaml, all\n"
     "or nothing. The results are the same bytes whatever the number of threads, shards or\n"
     "MPI ranks. A checkpoint in DIR.partial/ lets --resume continue after Ctrl-C or a\n"
     "crash. With --shard I/N, run one part and write it to --out FILE for\n"
     "'blockade merge'. Under mpirun (when built with MPI) the ranks share the work.\n"
     "-n N is short for --replications N. See docs/ensemble.md.\n",
     cli_ensemble_options, cli_cmd_ensemble},
    {"compare", "[FILE]", 0, 1, "compare policies on common random numbers",
     "Apply each --policy file (two or more) to FILE (the embedded default when no FILE\n"
     "is given), run replications 0..N-1 under every policy with the same random numbers,\n"
     "and print the paired difference of every whole-run metric against the first policy:\n"
     "mean, standard error and 95 % confidence interval. With --out DIR, also write\n"
     "compare.csv, compare.json and manifest.json. -n N is short for --replications N.\n",
     cli_compare_options, cli_cmd_compare},
    {"optimise", "[FILE]", 0, 1, "find the best use of the levers, against a group that answers",
     "Search the levers of --levers LEVERS.yaml (scenario paths with bounds or choices,\n"
     "budgets such as escort units shared by corridors under a total) of FILE (the embedded\n"
     "default when no FILE is given) for the lowest harm (--objective OBJ.yaml: weights of\n"
     "whole-run metrics and of the levers' cost, mean or CVaR; default: million litres of\n"
     "demand unmet, mean), every candidate on the same replications (common random\n"
     "numbers). The best candidates and the default go through a two-stage ranking-and-\n"
     "selection procedure with a stated probability of correct selection. With an\n"
     "'adversary:' section, the armed group's best response to each finalist is searched\n"
     "too, and the policy best against its answer (Stackelberg) is chosen as well. Both\n"
     "choices are checked against the default on fresh replications: the improvement with\n"
     "its 95 % interval. With --out DIR, also write optimise.csv (every candidate),\n"
     "optimise.json, manifest.json and scenario.yaml (for blockade report). See\n"
     "docs/optimise.md.\n",
     cli_optimise_options, cli_cmd_optimise},
    {"vulnerability", "[FILE]", 0, 1, "find the network's weak links (max flow, min cut, closures)",
     "Build the supply graph of FILE (the embedded default when no FILE is given) with\n"
     "capacities in tankers per day (each corridor's fleet cycle and escorted-convoy rate,\n"
     "the ports' loading rates), compute its maximum flow from the ports to the city and a\n"
     "minimum cut, and rank every segment and place by the flow lost when it alone is\n"
     "removed. Then close the first K of that ranking for the whole horizon in the\n"
     "simulation, on common random numbers with the unchanged scenario, and print both\n"
     "rankings side by side with the paired differences (first stock-out day, unmet litres,\n"
     "deliveries) and where they disagree. With --out DIR, also write vulnerability.csv,\n"
     "vulnerability.json, manifest.json and scenario.yaml (for blockade report). See\n"
     "docs/optimise.md.\n",
     cli_vulnerability_options, cli_cmd_vulnerability},
    {"merge", "PART...", 1, 100000, "combine the parts written by ensemble --shard",
     "Read the part files written by 'blockade ensemble --shard I/N --out PART' (every\n"
     "shard of one ensemble, once each, in any order), check that they belong together,\n"
     "and write the same outputs as one process would have, byte for byte.\n",
     cli_merge_options, cli_cmd_merge},
    {"events import", "FILE.csv", 1, 1,
     "read an ACLED or UCDP GED export and place its events on the roads",
     "Read FILE.csv, an ACLED export (current text actor types or older numeric codes; dates\n"
     "2025-09-14 or 14 September 2025) or a UCDP GED file (detected from the header), keep\n"
     "the events that pass the filters, and snap each to the nearest road segment of the\n"
     "scenario (--scenario FILE, else the embedded default) within 10, 50 or 100 km for\n"
     "geo_precision 1, 2 or 3. Write the placed events, with corridor, segment and date\n"
     "window, as CSV to --out FILE (atomically) or stdout; report each event that could not\n"
     "be placed, and why, on stderr. See docs/calibration.md.\n",
     cli_events_import_options, cli_cmd_events_import},
    {"calibrate", "[FILE]", 0, 1, "calibrate uncertain parameters to observations (ABC-SMC)",
     "Calibrate the parameters listed in --params (paths and priors) of FILE (the embedded\n"
     "default when no FILE is given) to the observed events and aggregates of the spec's\n"
     "window, by ABC-SMC: a rejection pass from the prior, then generations of population\n"
     "Monte Carlo with an adaptive tolerance. Print the posterior (median, 90 % interval)\n"
     "and, with --out DIR, write posterior.csv, diagnostics.json and calibrated.yaml (the\n"
     "scenario with the posterior medians), all or nothing. The same seed gives the same\n"
     "posterior with any number of threads. See docs/calibration.md.\n",
     cli_calibrate_options, cli_cmd_calibrate},
    {"validate", "[FILE]", 0, 1, "score the model's predictions against observations",
     "Run N replications of FILE (the embedded default when no FILE is given) through the\n"
     "observation model and score each summary statistic of the window against the\n"
     "observations: CRPS, interval scores and coverage of the central 50 % and 90 %\n"
     "intervals, pinball loss. With --holdout-from DATE, first calibrate (--params) on what\n"
     "ended before DATE, then score the forecast of the rest, made over the posterior's\n"
     "draws (--forecast), once or for several seeds (--seeds). -n N is short for\n"
     "--replications N. See docs/calibration.md.\n",
     cli_validate_options, cli_cmd_validate},
    {"sensitivity", "[FILE]", 0, 1, "rank parameters by their effect on outcomes (Morris, Sobol)",
     "Morris elementary effects (mu*, mu, sigma) of whole-run outcomes to the parameters of\n"
     "--params over their prior ranges, and first-order and total Sobol indices with\n"
     "--sobol N; a ranked table per outcome. Every run uses the same seed (common random\n"
     "numbers). See docs/calibration.md.\n",
     cli_sensitivity_options, cli_cmd_sensitivity},
    {"scenario check", "[FILE]", 0, 1, "load and validate a scenario file",
     "Load and validate FILE (the embedded default when no FILE is given) and print\n"
     "\"FILE: ok (name, places, segments, corridors, cells, days)\". On an error, print\n"
     "the message with its line and column on stderr and exit 3. Warn on stderr about\n"
     "set-ups that load but cannot work as meant (an escort pool below escort_min, a\n"
     "staging place leaving a stretch within a cell's reach to lone tankers, a corridor\n"
     "that cannot carry a tenth of the demand, a timeline entry that changes nothing);\n"
     "they fail the check (exit 3) with --strict.\n",
     cli_scenario_check_options, cli_cmd_scenario_check},
    {"scenario show", "[FILE]", 0, 1, "describe a scenario in plain words",
     "Describe the network, corridors, fleet, escorts, armed group and timeline of FILE\n"
     "(the embedded default when no FILE is given) on stdout.\n",
     cli_no_options, cli_cmd_scenario_show},
    {"scenario apply", "BASE PATCH", 2, 2, "print a scenario with a policy (patch) file applied",
     "Apply the policy file PATCH ('set:' values, or a 'patch:' list of 'set: PATH =\n"
     "VALUE' and 'add: {PATH: VALUE}' entries) to the scenario BASE, check the result like\n"
     "any scenario and print it on stdout (BASE itself is not changed). When every entry\n"
     "sets one value, the printed text is BASE with those values rewritten in place, its\n"
     "comments and layout kept; otherwise it is reprinted without BASE's comments. See\n"
     "docs/cli.md.\n",
     cli_no_options, cli_cmd_scenario_apply},
    {"scenario export-default", "", 0, 0, "print the embedded default scenario",
     "Write the text of the embedded default scenario (Bamako 2025) to stdout, as a\n"
     "starting point for a scenario of your own.\n",
     cli_no_options, cli_cmd_scenario_export_default},
    {"report", "[DIR]", 0, 1, "write a self-contained HTML report of an output directory",
     "Read the output directory DIR written by 'blockade run --out', 'ensemble --out',\n"
     "'compare --out', 'optimise --out' or 'vulnerability --out' and write one HTML page:\n"
     "charts over time (lines for a run, fan charts of the quantiles for an ensemble),\n"
     "probability curves, a map of the roads and attacks (and of the weak links), the\n"
     "scenario's timeline, the policies compared, the optimisation's choices and the search's\n"
     "convergence, the weak links of the network, and the provenance. The page\n"
     "needs no network and no other file. It is written next to --output FILE and renamed\n"
     "into place when complete. -o FILE is short for --output FILE. With --run ID instead\n"
     "of DIR, the output directory the run store recorded for run ID. See docs/report.md.\n",
     cli_report_options, cli_cmd_report},
    {"serve", "[FILE]", 0, 1, "a live local workbench in the browser",
     "Serve FILE (the embedded default when no FILE is given) to the browser on this\n"
     "machine: change levers generated from the scenario schema, run ensembles and\n"
     "comparisons of policies and watch their fan charts and probability curves fill\n"
     "in, cancel them, open, compare and download past runs of the run store. Listens on\n"
     "127.0.0.1 only unless --bind; prints a URL with a random access token that every\n"
     "request must carry. Ctrl-C cancels the jobs (recorded as interrupted) and stops.\n"
     "See docs/serve.md.\n",
     cli_serve_options, cli_cmd_serve},
    {"runs list", "", 0, 0, "list the runs recorded in the run store, newest first",
     "List the runs recorded in the run store, newest first: id, kind, status, start\n"
     "time (UTC), duration, scenario (name and the first 12 hex digits of its SHA-256),\n"
     "seed, replications and days. A run whose process died before it ended is shown as\n"
     "\"running or killed\". The store is --store FILE, else $BLOCKADE_STORE, else\n"
     "out/runs.sqlite; it is only read, never created.\n",
     cli_runs_list_options, cli_cmd_runs_list},
    {"runs show", "ID", 1, 1, "show everything the run store holds about one run",
     "Show run ID in full: kind, status, start and end times (UTC), duration, scenario\n"
     "name and SHA-256, seed, replications, days, version, command line, output\n"
     "directory, then its parameters and summary metrics, one per line.\n",
     cli_runs_options, cli_cmd_runs_show},
    {"runs diff", "ID1 ID2", 2, 2, "compare two recorded runs metric by metric",
     "Compare runs ID1 and ID2: whether they ran the same scenario (same SHA-256), their\n"
     "settings and parameters side by side, then every numeric summary metric with its\n"
     "value in each run, the change and the relative change. Keys present in one run\n"
     "only are marked so.\n",
     cli_runs_options, cli_cmd_runs_diff},
    {"help", "[COMMAND]", 0, 2, "show help for the tool or for one command",
     "Show the list of commands, or the usage and options of COMMAND.\n",
     cli_no_options, cmd_help},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* The first word of a command name: "scenario" for "scenario check". */
static size_t first_word_len(const char *name)
{
    const char *sp = strchr(name, ' ');
    return sp ? (size_t)(sp - name) : strlen(name);
}

/* True when `word` is the first word of a two-word command ("scenario"). */
static bool is_group(const char *word)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        size_t n = first_word_len(commands[i].name);
        if (commands[i].name[n] == ' ' && strlen(word) == n
            && strncmp(commands[i].name, word, n) == 0)
            return true;
    }
    return false;
}

/* The command named by words[0] (and words[1] for a group); *used says how many words. */
static const cli_command *find_command(int n_words, char **words, int *used)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const char *name = commands[i].name;
        size_t n = first_word_len(name);
        if (strlen(words[0]) != n || strncmp(name, words[0], n) != 0)
            continue;
        if (name[n] == '\0') {
            *used = 1;
            return &commands[i];
        }
        if (n_words >= 2 && strcmp(name + n + 1, words[1]) == 0) {
            *used = 2;
            return &commands[i];
        }
    }
    return NULL;
}

static void print_exit_codes(FILE *out)
{
    fputs("exit codes:\n", out);
#define CLI_X_HELP(name, num, text) fprintf(out, "  %-5d %s\n", num, text);
    CLI_EXIT_LIST(CLI_X_HELP)
#undef CLI_X_HELP
}

static void print_main_help(FILE *out)
{
    fprintf(out,
            "usage: blockade <command> [options]\n"
            "       blockade --help | --version\n\n"
            "Simulate a city's fuel supply under an insurgent blockade: tanker convoys on road\n"
            "corridors, escorts, ambushes, city stocks.\n\n"
            "commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", commands[i].name, commands[i].args[0] ? " " : "",
                 commands[i].args);
        fprintf(out, "  %-28s %s\n", left, commands[i].summary);
    }
    fputc('\n', out);
    print_exit_codes(out);
    fprintf(out, "\nRun 'blockade help COMMAND' for the options of a command.\n");
}

static void print_group_help(const char *group, FILE *out)
{
    size_t len = strlen(group);
    fprintf(out, "usage: blockade %s <subcommand> [options]\n\nsubcommands:\n", group);
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const char *name = commands[i].name;
        if (strncmp(name, group, len) != 0 || name[len] != ' ')
            continue;
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", name + len + 1, commands[i].args[0] ? " " : "",
                 commands[i].args);
        fprintf(out, "  %-28s %s\n", left, commands[i].summary);
    }
    fprintf(out, "\nRun 'blockade help %s SUBCOMMAND' for the options of a subcommand.\n", group);
}

static void print_command_help(const cli_command *cmd, FILE *out)
{
    fprintf(out, "usage: blockade %s%s%s [options]\n\n%s\noptions:\n", cmd->name,
            cmd->args[0] ? " " : "", cmd->args, cmd->description);
    cli_options_print_help(cmd->options, out);
    if (strcmp(cmd->name, "help") != 0) {
        fputc('\n', out);
        print_exit_codes(out);
    }
}

/* `blockade help [COMMAND]`. */
static int cmd_help(const cli_invocation *inv)
{
    if (inv->n_args == 0) {
        print_main_help(stdout);
        return CLI_EXIT_OK;
    }
    int used = 0;
    const cli_command *cmd = find_command(inv->n_args, inv->args, &used);
    if (cmd && used == inv->n_args) {
        print_command_help(cmd, stdout);
        return CLI_EXIT_OK;
    }
    if (inv->n_args == 1 && is_group(inv->args[0])) {
        print_group_help(inv->args[0], stdout);
        return CLI_EXIT_OK;
    }
    if (inv->n_args == 2)
        return cli_usage_error("no help for unknown command '%s %s'", inv->args[0], inv->args[1]);
    return cli_usage_error("no help for unknown command '%s'", inv->args[0]);
}

static void on_sigint(int sig)
{
    (void)sig;
    cli_interrupted = 1;
}

/* Ctrl-C sets a flag: a run stops at its next day boundary, commands stop before writing
 * outputs and clean up. No SA_RESTART, so a blocking read or open (a scenario from a pipe)
 * returns at once. */
static void install_interrupt_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, NULL);
}

/* -n N is short for --replications N in the commands that have that option: the option parser
 * knows long options only. Words after "--" are left alone. */
static void expand_short_options(const cli_command *cmd, int n_words, char **words)
{
    static char replications[] = "--replications", output[] = "--output";
    bool has_n = cli_option_index(cmd, "replications") >= 0;
    bool has_o = cli_option_index(cmd, "output") >= 0;
    for (int i = 0; i < n_words; i++) {
        if (strcmp(words[i], "--") == 0)
            return;
        if (has_n && strcmp(words[i], "-n") == 0)
            words[i] = replications;
        if (has_o && strcmp(words[i], "-o") == 0)
            words[i] = output;
    }
}

static int run_command(const cli_command *cmd, int argc, char **argv, int n_words,
                       char **argv_words)
{
    /* a copy, so that argv (recorded in manifests and the run store) stays as typed */
    char **words = calloc((size_t)n_words + 1, sizeof *words);
    if (!words) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    memcpy(words, argv_words, (size_t)n_words * sizeof *words);
    expand_short_options(cmd, n_words, words);
    size_t n_opts = cli_options_count(cmd->options);
    cli_value *values = calloc(n_opts ? n_opts : 1, sizeof *values);
    char **args = calloc((size_t)n_words + 1, sizeof *args);
    if (!values || !args) {
        free(values);
        free(args);
        free(words);
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    int n_args = 0;
    bool help = false;
    char msg[512];
    int rc;
    if (cli_options_parse(cmd->options, n_words, words, values, args, &n_args, &help, msg,
                          sizeof msg)
        != 0) {
        rc = cli_usage_error("%s: %s", cmd->name, msg);
    } else if (help) {
        print_command_help(cmd, stdout);
        rc = CLI_EXIT_OK;
    } else if (n_args < cmd->min_args) {
        rc = cli_usage_error("%s: missing %s", cmd->name, cmd->args);
    } else if (n_args > cmd->max_args) {
        rc = cli_usage_error("%s: unexpected argument '%s'", cmd->name, args[cmd->max_args]);
    } else {
        cli_invocation inv = {cmd, values, args, n_args, argc, argv};
        rc = cmd->run(&inv);
    }
    free(values);
    free(args);
    free(words);
    return rc;
}

/* Results on stdout are the point of most commands: a full disk or a closed pipe is an error. */
static int flush_stdout(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (rc == CLI_EXIT_OK) {
            cli_error("cannot write to standard output: %s", strerror(errno));
            rc = CLI_EXIT_IO;
        }
    }
    return rc;
}

/* Finds the command named by the first words and runs it; returns the exit code. */
static int dispatch(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("missing command");
    const char *first = argv[1];
    if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0) {
        print_main_help(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(first, "--version") == 0) {
        printf("blockade %s (%s)\n", bk_version(),
               bk_mpi_available() ? "with MPI" : "built without MPI");
        return CLI_EXIT_OK;
    }
    if (first[0] == '-')
        return cli_usage_error("unknown option '%s'", first);

    int used = 0;
    const cli_command *cmd = find_command(argc - 1, argv + 1, &used);
    if (!cmd) {
        if (!is_group(first))
            return cli_usage_error("unknown command '%s'", first);
        if (argc == 2)
            return cli_usage_error("'%s' needs a subcommand", first);
        if (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0) {
            print_group_help(first, stdout);
            return CLI_EXIT_OK;
        }
        return cli_usage_error("unknown command '%s %s'", first, argv[2]);
    }
    return run_command(cmd, argc, argv, argc - 1 - used, argv + 1 + used);
}

int main(int argc, char **argv)
{
    install_interrupt_handler();
    int rc = flush_stdout(dispatch(argc, argv));
    if (cli_interrupted && rc != CLI_EXIT_OK && rc != CLI_EXIT_INTERRUPTED) {
        cli_error("interrupted"); /* a failure caused by the interruption, e.g. EINTR */
        rc = CLI_EXIT_INTERRUPTED;
    }
    return rc;
}
