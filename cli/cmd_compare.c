/* cmd_compare.c: `blockade compare`: two or more policies applied to one scenario, run on common
 * random numbers, and their paired differences with confidence intervals (docs/ensemble.md). */
#include "cli.h"
#include "outdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_POLICY, OPT_REPLICATIONS, OPT_SEED, OPT_THREADS, OPT_DAYS, OPT_OUT, OPT_FORCE,
       OPT_CHECK, OPT_JSON, OPT_QUIET, OPT_STORE, OPT_NO_STORE };

/* Same order as the enum above. */
const cli_option cli_compare_options[] = {
    {"policy", CLI_OPT_STRING, "FILE", 0, 0,
     "a policy file (give two or more; the first is the reference)"},
    {"replications", CLI_OPT_UINT, "N", 1, BK_ENSEMBLE_MAX_REPLICATIONS,
     "replications per policy, 0..N-1 (default 200); -n N is the same"},
    {"seed", CLI_OPT_UINT, "N", 0, UINT64_MAX,
     "base seed of the random streams (default: the scenario's)"},
    {"threads", CLI_OPT_UINT, "N", 1, 1024, "worker threads (default: every core)"},
    {"days", CLI_OPT_UINT, "N", 1, CLI_MAX_DAYS, "horizon in days (default: the scenario's)"},
    {"out", CLI_OPT_STRING, "DIR", 0, 0, "write compare.csv, compare.json and manifest.json into DIR"},
    {"force", CLI_OPT_FLAG, NULL, 0, 0, "with --out, replace a non-empty DIR once the new one is complete"},
    {"check", CLI_OPT_FLAG, NULL, 0, 0, "check the model's invariants every day (slower)"},
    {"json", CLI_OPT_FLAG, NULL, 0, 0, "print compare.json instead of the table"},
    {"quiet", CLI_OPT_FLAG, NULL, 0, 0, "no table and no progress bar; errors only"},
    {"store", CLI_OPT_STRING, "FILE", 0, 0,
     "record the comparison in the run store FILE (default: $BLOCKADE_STORE, else runs.sqlite "
     "next to --out)"},
    {"no-store", CLI_OPT_FLAG, NULL, 0, 0, "do not record the comparison in a run store"},
    {NULL, CLI_OPT_FLAG, NULL, 0, 0, NULL},
};

#define DEFAULT_REPLICATIONS 200
#define MAX_POLICIES 64

/* Every --policy value in order: the option parser keeps only the last, so the command line is
 * read again (the parser has already checked it). */
static int collect_policies(const cli_invocation *inv, const char **files, int max)
{
    int n = 0;
    bool seen_cmd = false;
    for (int i = 1; i < inv->argc; i++) {
        const char *w = inv->argv[i];
        if (!seen_cmd) { /* skip the program's options before the command word */
            if (strcmp(w, "compare") == 0)
                seen_cmd = true;
            continue;
        }
        if (strcmp(w, "--") == 0)
            break;
        if (strcmp(w, "--policy") == 0 && i + 1 < inv->argc) {
            if (n < max)
                files[n] = inv->argv[i + 1];
            n++;
            i++;
        } else if (strncmp(w, "--policy=", 9) == 0) {
            if (n < max)
                files[n] = w + 9;
            n++;
        } else if (w[0] == '-' && w[1] == '-' && !strchr(w, '=')) {
            /* an option with a separate value: skip the value so it is not read as --policy */
            for (int k = 0; inv->cmd->options[k].name; k++) {
                if (strcmp(w + 2, inv->cmd->options[k].name) == 0
                    && inv->cmd->options[k].kind != CLI_OPT_FLAG) {
                    i++;
                    break;
                }
            }
        }
    }
    return n;
}

static char *memstream_text(bk_status (*write)(const bk_compare *, FILE *), const bk_compare *c)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    bk_status st = write(c, f);
    if (fclose(f) != 0 || st != BK_OK) {
        free(text);
        return NULL;
    }
    return text;
}

/* compare.csv, compare.json, manifest.json into DIR, all or nothing. */
static int write_outputs(const bk_compare *c, const char *dir, bool force, const char **files,
                         int n_files)
{
    char msg[1024];
    cli_outdir od;
    if (cli_outdir_begin(&od, dir, force, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        return CLI_EXIT_IO;
    }
    static const char *const names[] = {"compare.csv", "compare.json", "manifest.json"};
    int rc = CLI_EXIT_OK;
    for (int i = 0; i < 3 && rc == CLI_EXIT_OK; i++) {
        FILE *f = cli_outdir_open(&od, names[i], msg, sizeof msg);
        if (!f) {
            cli_error("%s", msg);
            rc = CLI_EXIT_IO;
            break;
        }
        bk_status st = BK_OK;
        if (i == 0) {
            st = bk_compare_write_csv(c, f);
        } else if (i == 1) {
            st = bk_compare_write_json(c, f);
        } else {
            fprintf(f, "{\n  \"blockade_version\": \"%s\",\n  \"kind\": \"compare\",\n"
                       "  \"policy_files\": [",
                    bk_version());
            for (int k = 0; k < n_files; k++) {
                fputs(k ? ", \"" : "\"", f);
                for (const char *p = files[k]; *p; p++) {
                    if (*p == '"' || *p == '\\')
                        fputc('\\', f);
                    if ((unsigned char)*p >= 0x20)
                        fputc(*p, f);
                }
                fputc('"', f);
            }
            fputs("],\n  \"files\": [\"compare.csv\", \"compare.json\", \"manifest.json\"]\n}\n",
                  f);
        }
        if (cli_outdir_close(&od, f, names[i], msg, sizeof msg) != 0) {
            cli_error("%s", msg);
            rc = CLI_EXIT_IO;
        } else if (st != BK_OK) {
            cli_error("cannot write '%s/%s': %s", dir, names[i], bk_status_str(st));
            rc = cli_exit_for_status(st);
        }
    }
    if (rc == CLI_EXIT_OK && cli_interrupted)
        rc = CLI_EXIT_INTERRUPTED;
    if (rc == CLI_EXIT_OK) {
        int committed = cli_outdir_commit(&od, msg, sizeof msg);
        if (committed != 0)
            cli_error("%s", msg);
        if (committed < 0)
            rc = CLI_EXIT_IO;
    }
    cli_outdir_abort(&od);
    return rc;
}

/* `blockade compare [FILE] --policy A --policy B [options]`. */
int cli_cmd_compare(const cli_invocation *inv)
{
    const cli_value *opt = inv->opt;
    if (opt[OPT_STORE].set && opt[OPT_NO_STORE].set)
        return cli_usage_error("compare: --store and --no-store cannot be used together");
    if (opt[OPT_FORCE].set && !opt[OPT_OUT].set)
        return cli_usage_error("compare: --force needs --out DIR");
    const char *files[MAX_POLICIES];
    int n = collect_policies(inv, files, MAX_POLICIES);
    if (n < 2)
        return cli_usage_error("compare: give at least two --policy files");
    if (n > MAX_POLICIES)
        return cli_usage_error("compare: at most %d policies", MAX_POLICIES);
    const char *path = inv->n_args > 0 ? inv->args[0] : NULL;
    bk_scenario *base = NULL;
    int rc = cli_load_scenario(path, &base);
    if (rc != CLI_EXIT_OK)
        return rc;

    bk_policy *pol[MAX_POLICIES] = {0};
    bk_scenario *sc[MAX_POLICIES] = {0};
    const char *names[MAX_POLICIES], *labels[MAX_POLICIES];
    for (int k = 0; k < n && rc == CLI_EXIT_OK; k++) {
        bk_error err;
        memset(&err, 0, sizeof err);
        bk_status st = bk_policy_load_file(files[k], &pol[k], &err);
        if (st == BK_OK)
            st = bk_policy_apply(pol[k], base, &sc[k], &err);
        if (st != BK_OK) {
            cli_error("%s", err.message);
            /* every policy problem is a problem of the scenario it describes: exit 3 */
            rc = st == BK_ERR_NOMEM ? CLI_EXIT_INTERNAL : st == BK_ERR_IO ? CLI_EXIT_IO : CLI_EXIT_SCENARIO;
            break;
        }
        names[k] = bk_policy_name(pol[k]);
        labels[k] = bk_policy_label(pol[k]);
    }

    bk_compare_config cfg;
    bk_compare_config_init(&cfg, base);
    cfg.replications = opt[OPT_REPLICATIONS].set ? opt[OPT_REPLICATIONS].num : DEFAULT_REPLICATIONS;
    if (opt[OPT_SEED].set)
        cfg.seed = (uint64_t)opt[OPT_SEED].num;
    if (opt[OPT_DAYS].set)
        cfg.days = (int)opt[OPT_DAYS].num;
    if (opt[OPT_THREADS].set)
        cfg.threads = (int)opt[OPT_THREADS].num;
    cfg.check_invariants = opt[OPT_CHECK].set;
    cfg.cancel = &cli_interrupted;

    const char *out = opt[OPT_OUT].set ? opt[OPT_OUT].str : NULL;
    if (rc == CLI_EXIT_OK && out)
        rc = cli_outdir_precheck(out, opt[OPT_FORCE].set);
    char *store_path = NULL;
    cli_record rec;
    memset(&rec, 0, sizeof rec);
    if (rc == CLI_EXIT_OK)
        rc = cli_store_choose(opt[OPT_NO_STORE].set,
                              opt[OPT_STORE].set ? opt[OPT_STORE].str : NULL, out, &store_path);
    if (rc == CLI_EXIT_OK && store_path) {
        char hash[65];
        bk_scenario_hash(base, hash);
        size_t len = 0;
        const char *text = bk_scenario_text(base, &len);
        char *params = NULL;
        size_t plen = 0;
        FILE *pf = open_memstream(&params, &plen);
        if (pf) {
            fputs("{\"policies\": [", pf);
            for (int k = 0; k < n; k++) {
                fputs(k ? ", \"" : "\"", pf);
                for (const char *p = labels[k]; *p; p++) {
                    if (*p == '"' || *p == '\\')
                        fputc('\\', pf);
                    if ((unsigned char)*p >= 0x20)
                        fputc(*p, pf);
                }
                fputc('"', pf);
            }
            /* each policy's scenario: the base text's hash plus the patch, its identity */
            fputs("], \"patches\": [", pf);
            for (int k = 0; k < n; k++) {
                char h[65];
                bk_scenario_hash(sc[k], h);
                fprintf(pf, "%s{\"scenario_sha256\": \"%s\", \"patch\": \"", k ? ", " : "", h);
                for (const char *p = bk_scenario_patch(sc[k]); *p; p++) {
                    if (*p == '"' || *p == '\\')
                        fputc('\\', pf);
                    if (*p == '\n')
                        fputs("\\n", pf);
                    else if ((unsigned char)*p >= 0x20)
                        fputc(*p, pf);
                }
                fputs("\"}", pf);
            }
            fputs("]}", pf);
            fclose(pf);
        }
        cli_record_info ri = {"compare", bk_scenario_name(base), hash, text, len, cfg.seed,
                              (long)cfg.replications,
                              cfg.days > 0 ? cfg.days : bk_scenario_days(base), params, out};
        rc = cli_record_begin(&rec, store_path, inv, &ri);
        free(params);
    }

    bk_compare *cmp = NULL;
    if (rc == CLI_EXIT_OK) {
        cli_progress prog;
        cli_progress_init(&prog, !opt[OPT_QUIET].set);
        cfg.progress = cli_progress_update;
        cfg.progress_ud = &prog;
        bk_error err;
        memset(&err, 0, sizeof err);
        bk_status st = bk_compare_run((const bk_scenario *const *)sc, names, labels, n, &cfg,
                                      &cmp, &err);
        cli_progress_end(&prog);
        if (st == BK_ERR_INTERRUPTED || cli_interrupted) {
            cli_error("interrupted");
            rc = CLI_EXIT_INTERRUPTED;
        } else if (st != BK_OK) {
            rc = cli_report(st, &err);
        }
    }
    if (rc == CLI_EXIT_OK && out)
        rc = write_outputs(cmp, out, opt[OPT_FORCE].set, files, n);
    char *summary = rec.store && rc == CLI_EXIT_OK ? memstream_text(bk_compare_write_json, cmp)
                                                   : NULL;
    rc = cli_record_finish(&rec, rc, summary);
    free(summary);
    if (rc == CLI_EXIT_OK) {
        bk_status st = BK_OK;
        if (opt[OPT_JSON].set)
            st = bk_compare_write_json(cmp, stdout);
        else if (!opt[OPT_QUIET].set)
            st = bk_compare_write_table(cmp, stdout);
        if (st != BK_OK)
            rc = cli_report(st, NULL);
        else if (out && !opt[OPT_QUIET].set)
            fprintf(stderr, "outputs written to %s\n", out);
    }
    bk_compare_free(cmp);
    for (int k = 0; k < n && k < MAX_POLICIES; k++) {
        bk_scenario_free(sc[k]);
        bk_policy_free(pol[k]);
    }
    free(store_path);
    bk_scenario_free(base);
    return rc;
}
