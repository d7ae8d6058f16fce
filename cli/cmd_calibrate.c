/* cmd_calibrate.c: `blockade calibrate`: ABC-SMC of a scenario's uncertain parameters against
 * observed events and aggregates; writes posterior.csv, diagnostics.json and calibrated.yaml
 * (docs/calibration.md). Also the helpers that validate shares. */
#include "cli.h"
#include "outdir.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OPT_OBSERVED, OPT_AGGREGATES, OPT_PARAMS, OPT_OUT, OPT_FORCE, OPT_SEED, OPT_THREADS,
       OPT_PARTICLES, OPT_GENERATIONS, OPT_QUIET, OPT_KERNEL, OPT_MAX_ATTEMPTS };

/* Same order as the enum above. */
const cli_option cli_calibrate_options[] = {
    {"observed", CLI_OPT_STRING, "FILE", 0, 0, "observed events (ACLED or UCDP GED CSV)"},
    {"aggregates", CLI_OPT_STRING, "FILE", 0, 0, "observed aggregates CSV (value_low/best/high)"},
    {"params", CLI_OPT_STRING, "FILE", 0, 0, "parameter spec: paths, priors, window (required)"},
    {"out", CLI_OPT_STRING, "DIR", 0, 0,
     "write posterior.csv, diagnostics.json, calibrated.yaml and calibrated.patch.yaml into DIR"},
    {"force", CLI_OPT_FLAG, NULL, 0, 0, "with --out, replace a non-empty DIR"},
    {"seed", CLI_OPT_UINT, "N", 0, UINT64_MAX,
     "seed of the whole calibration (default: the scenario's)"},
    CLI_OPTION_THREADS,
    {"particles", CLI_OPT_UINT, "N", 10, 100000, "particles per generation (default 200)"},
    {"generations", CLI_OPT_UINT, "N", 0, 50,
     "SMC generations after the rejection pass (default 4)"},
    {"quiet", CLI_OPT_FLAG, NULL, 0, 0, "no table and no progress; errors only"},
    {"kernel", CLI_OPT_STRING, "local|global", 0, 0,
     "perturbation kernel: one for all particles (global, default) or each one's own (local)"},
    {"max-attempts", CLI_OPT_UINT, "K", 1, 100000,
     "a generation stops (and the calibration with it) after K x particles attempts (default "
     "50)"},
    CLI_OPTION_END,
};

/* Contract in cli.h. */
void cli_calib_release(cli_calib_inputs *in)
{
    bk_calib_spec_free(in->spec);
    bk_aggregates_free(in->ag);
    bk_events_free(in->ev);
    bk_scenario_free(in->sc);
    memset(in, 0, sizeof *in);
}

/* Contract in cli.h. */
int cli_calib_load(const char *scenario, const char *observed, const char *aggregates,
                   const char *params, cli_calib_inputs *in)
{
    memset(in, 0, sizeof *in);
    int rc = cli_load_scenario(scenario, &in->sc);
    if (rc != CLI_EXIT_OK)
        return rc;
    bk_error err = {0};
    bk_status st = BK_OK;
    if (observed) {
        st = bk_events_read_file(observed, NULL, &in->ev, &err);
        if (st == BK_OK)
            bk_events_place(in->ev, in->sc);
    }
    if (st == BK_OK && aggregates)
        st = bk_aggregates_read_file(aggregates, &in->ag, &err);
    if (st == BK_OK && params)
        st = bk_calib_spec_load_file(params, &in->spec, &err);
    return st == BK_OK ? CLI_EXIT_OK : cli_report(st, &err);
}

/* Contract in cli.h. */
void cli_calib_window(const cli_calib_inputs *in, long *from, long *to)
{
    bk_obs_config cfg;
    bk_obs_config_init(&cfg, in->sc);
    *from = cfg.day_from;
    *to = cfg.day_to;
    if (in->spec && in->spec->day_from >= 0) {
        *from = in->spec->day_from;
        *to = in->spec->day_to;
    }
}

/* Contract in cli.h. */
int cli_calib_obs(const cli_calib_inputs *in, long from, long to, bk_obs **out)
{
    bk_obs_config cfg;
    bk_obs_config_init(&cfg, in->sc);
    cfg.day_from = from;
    cfg.day_to = to;
    if (in->spec && in->spec->report_prob > 0)
        cfg.report_prob = in->spec->report_prob;
    if (in->spec)
        cfg.regions = in->spec->regions;
    if (in->spec && in->spec->n_keywords > 0) {
        cfg.attack_keywords = (const char *const *)in->spec->keywords;
        cfg.n_attack_keywords = in->spec->n_keywords;
    }
    bk_error err = {0};
    bk_status st = bk_obs_new(in->sc, in->ev, in->ag, &cfg, out, &err);
    return st == BK_OK ? CLI_EXIT_OK : cli_report(st, &err);
}

static void on_progress(void *ud, int generation, uint64_t accepted, uint64_t wanted)
{
    (void)ud;
    fprintf(stderr, "\rgeneration %d: %llu of %llu particles accepted   ", generation,
            (unsigned long long)accepted, (unsigned long long)wanted);
}

/* Contract in cli.h. */
int cli_calib_abc_config(const cli_invocation *inv, uint64_t seed, bk_abc_config *cfg)
{
    bk_abc_config_init(cfg);
    cfg->seed = seed;
    const cli_value *v;
    if ((v = cli_option_given(inv, "threads")) != NULL)
        cfg->threads = (int)v->num;
    if ((v = cli_option_given(inv, "particles")) != NULL)
        cfg->particles = (int)v->num;
    if ((v = cli_option_given(inv, "generations")) != NULL)
        cfg->generations = (int)v->num;
    if ((v = cli_option_given(inv, "max-attempts")) != NULL)
        cfg->max_attempts_factor = (int)v->num;
    if ((v = cli_option_given(inv, "kernel")) != NULL) {
        if (strcmp(v->str, "local") == 0)
            cfg->kernel = BK_ABC_KERNEL_LOCAL;
        else if (strcmp(v->str, "global") == 0)
            cfg->kernel = BK_ABC_KERNEL_GLOBAL;
        else
            return cli_usage_error("bad --kernel '%s': expected local or global", v->str);
    }
    return CLI_EXIT_OK;
}

/* Contract in cli.h. */
int cli_calib_abc(const bk_abc_problem *prob, const bk_abc_config *cfg0, bool quiet,
                  bk_abc_result **out)
{
    bk_abc_config cfg = *cfg0;
    bool tty = !quiet && isatty(2);
    if (tty) {
        cfg.progress = on_progress;
        cfg.progress_ud = NULL;
    }
    cfg.cancel = &cli_interrupted;
    bk_error err = {0};
    bk_status st = bk_abc_run(prob, &cfg, out, &err);
    if (tty)
        fputs("\r\033[K", stderr);
    return st == BK_OK ? CLI_EXIT_OK : cli_report(st, &err);
}

/* Contract in cli.h. */
void cli_calib_medians(const bk_abc_result *r, int k, double *theta)
{
    for (int j = 0; j < k; j++) {
        bk_abc_summary s;
        bk_abc_summarize(r, j, &s);
        theta[j] = s.q50;
    }
}

/* Contract in cli.h. */
void cli_calib_print_posterior(const bk_abc_result *r, const bk_calib_spec *spec, FILE *out)
{
    fprintf(out, "%-50s %-10s %21s %10s %21s\n", "parameter", "prior", "prior range", "median",
            "90% interval");
    for (int j = 0; j < spec->n_params; j++) {
        bk_abc_summary s;
        bk_abc_summarize(r, j, &s);
        char pr[48], iv[48];
        snprintf(pr, sizeof pr, "[%.4g, %.4g]", spec->params[j].low, spec->params[j].high);
        snprintf(iv, sizeof iv, "[%.4g, %.4g]", s.q05, s.q95);
        fprintf(out, "%-50s %-10s %21s %10.4g %21s\n", spec->params[j].path,
                spec->params[j].prior == BK_PRIOR_LOGUNIFORM ? "loguniform" : "uniform", pr,
                s.q50, iv);
    }
    for (int g = 0; g < bk_abc_generations(r); g++) {
        bk_abc_generation gi;
        bk_abc_get_generation(r, g, &gi);
        fprintf(out, "generation %d: tolerance %.4g, %llu attempts (%llu simulated, %llu stopped "
                "early), acceptance %.3f, ESS %.1f%s\n", g, gi.tolerance,
                (unsigned long long)gi.attempts, (unsigned long long)gi.simulated,
                (unsigned long long)gi.stopped, gi.acceptance, gi.ess,
                gi.accepted < (uint64_t)bk_abc_particles(r) ? " (stopped: acceptance too low)"
                                                             : "");
    }
}


/* calibrated.patch.yaml: the posterior medians as a patch over the original scenario file, which
 * stays untouched with its comments ('blockade scenario apply FILE calibrated.patch.yaml' or
 * 'compare --policy' use it). Values are printed exactly (%.17g). */
static void write_patch(const cli_calib_inputs *in, const bk_abc_result *r, FILE *f)
{
    int k = in->spec->n_params;
    double *theta = malloc((size_t)k * sizeof *theta);
    if (!theta)
        return;
    cli_calib_medians(r, k, theta);
    fprintf(f, "# Posterior medians of 'blockade calibrate' (ABC-SMC, docs/calibration.md) for "
               "'%s'\n"
            "# (scenario SHA-256 ", bk_scenario_name(in->sc));
    char hash[65];
    bk_scenario_hash(in->sc, hash);
    fprintf(f, "%s), as a patch over that file.\nname: calibrated\npatch:\n", hash);
    int n = 0;
    for (int j = 0; j < k; j++)
        if (strncmp(in->spec->params[j].path, "observation.", 12) != 0) {
            fprintf(f, "  - set: %s = %.17g\n", in->spec->params[j].path, theta[j]);
            n++;
        }
    if (n == 0)
        fprintf(f, "  []\n");
    free(theta);
}

/* calibrated.yaml and calibrated.patch.yaml set each parameter in the scenario file's text,
 * which needs the key written there (an optional key left to its default is not). Checked
 * before the calibration runs, one parameter at a time at the middle of its prior, so that a
 * long run is not lost at the end; CLI_EXIT_SCENARIO naming the parameter otherwise. */
static int check_writable(const cli_calib_inputs *in, const char *params)
{
    for (int j = 0; j < in->spec->n_params; j++) {
        const bk_param *q = &in->spec->params[j];
        if (strncmp(q->path, "observation.", 12) == 0)
            continue;
        char text[512];
        int n = snprintf(text, sizeof text, "name: check\npatch:\n  - set: %s = %.17g\n",
                         q->path, bk_param_at(q, 0.5));
        bk_policy *pol = NULL;
        bk_scenario *sc = NULL;
        char *out = NULL;
        bk_error err = {0};
        bk_status st = n > 0 && (size_t)n < sizeof text
                       ? bk_policy_load_string(text, (size_t)n, "check", &pol, &err)
                       : BK_ERR_VALUE;
        if (st == BK_OK)
            st = bk_policy_apply_text(pol, in->sc, &sc, &out, &err);
        bk_policy_free(pol);
        bk_scenario_free(sc);
        free(out);
        if (st == BK_ERR_NOMEM) {
            cli_error("out of memory");
            return CLI_EXIT_INTERNAL;
        }
        if (st != BK_OK) {
            cli_error("%s: parameter '%s' cannot be written into calibrated.yaml: the scenario "
                      "file does not have the key (its default applies); add it there with its "
                      "default value to calibrate it", params, q->path);
            return CLI_EXIT_SCENARIO;
        }
    }
    return CLI_EXIT_OK;
}

static char *calibrated_text(const cli_calib_inputs *in, const bk_abc_result *r, size_t *len)
{
    int k = in->spec->n_params;
    /* The medians as a patch over the original text (printed exactly, so that the file loads
     * back to the very values of the posterior), applied to the text. */
    char *ptext = NULL;
    size_t plen = 0;
    FILE *pf = open_memstream(&ptext, &plen);
    if (!pf)
        return NULL;
    write_patch(in, r, pf);
    if (fclose(pf) != 0) {
        free(ptext);
        return NULL;
    }
    bk_policy *pol = NULL;
    bk_scenario *cal = NULL;
    char *caltext = NULL;
    bk_error err = {0};
    bk_status st = bk_policy_load_string(ptext, plen, "calibration", &pol, &err);
    if (st == BK_OK)
        st = bk_policy_apply_text(pol, in->sc, &cal, &caltext, &err);
    bk_policy_free(pol);
    free(ptext);
    if (st != BK_OK) {
        cli_report(st, &err);
        return NULL;
    }
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    if (!f) {
        bk_scenario_free(cal);
        free(caltext);
        return NULL;
    }
    fprintf(f, "# Calibrated by 'blockade calibrate' (ABC-SMC, docs/calibration.md) from '%s'.\n"
            "# Posterior medians applied; 90 %% intervals:\n", bk_scenario_name(in->sc));
    for (int j = 0; j < k; j++) {
        bk_abc_summary s;
        bk_abc_summarize(r, j, &s);
        fprintf(f, "#   %s: %.4g, 90 %% interval [%.4g, %.4g]%s\n", in->spec->params[j].path,
                s.q50, s.q05, s.q95,
                strncmp(in->spec->params[j].path, "observation.", 12) == 0
                    ? " (observation model, not in the scenario)" : "");
    }
    fputs(caltext, f);
    bool ok = fclose(f) == 0;
    free(caltext);
    bk_scenario_free(cal);
    if (!ok) {
        free(text);
        return NULL;
    }
    *len = n;
    return text;
}

/* Contract in cli.h. */
int cli_cmd_calibrate(const cli_invocation *inv)
{
    if (!inv->opt[OPT_PARAMS].set)
        return cli_usage_error("calibrate needs --params FILE (the parameters and their priors)");
    if (!inv->opt[OPT_OBSERVED].set && !inv->opt[OPT_AGGREGATES].set)
        return cli_usage_error("calibrate needs --observed FILE and/or --aggregates FILE");
    cli_calib_inputs in;
    int rc = cli_calib_load(inv->n_args ? inv->args[0] : NULL, inv->opt[OPT_OBSERVED].str,
                            inv->opt[OPT_AGGREGATES].str, inv->opt[OPT_PARAMS].str, &in);
    bk_obs *obs = NULL;
    bk_calibration *cal = NULL;
    bk_abc_result *res = NULL;
    cli_outdir od;
    bool od_open = false;
    bool quiet = inv->opt[OPT_QUIET].set;
    if (rc != CLI_EXIT_OK)
        goto done;
    long from, to;
    cli_calib_window(&in, &from, &to);
    rc = cli_calib_obs(&in, from, to, &obs);
    if (rc != CLI_EXIT_OK)
        goto done;
    bk_error err = {0};
    bk_status st = bk_calibration_new(in.sc, in.spec, obs, &cal, &err);
    if (st != BK_OK) {
        rc = cli_report(st, &err);
        goto done;
    }
    if (inv->opt[OPT_OUT].set) {
        rc = check_writable(&in, inv->opt[OPT_PARAMS].str);
        if (rc != CLI_EXIT_OK)
            goto done;
        char msg[512];
        if (cli_outdir_begin(&od, inv->opt[OPT_OUT].str, inv->opt[OPT_FORCE].set, msg,
                             sizeof msg) != 0) {
            cli_error("%s", msg);
            rc = CLI_EXIT_IO;
            goto done;
        }
        od_open = true;
    }
    uint64_t seed = inv->opt[OPT_SEED].set ? inv->opt[OPT_SEED].num : bk_scenario_seed(in.sc);
    bk_abc_config cfg;
    rc = cli_calib_abc_config(inv, seed, &cfg);
    if (rc != CLI_EXIT_OK)
        goto done;
    const bk_abc_problem *prob = bk_calibration_problem(cal);
    rc = cli_calib_abc(prob, &cfg, quiet, &res);
    if (rc != CLI_EXIT_OK)
        goto done;
    if (!quiet) {
        char a[11], b[11];
        bk_date_format(from, a);
        bk_date_format(to, b);
        printf("calibration window %s to %s, %d statistics, %d particles\n", a, b,
               bk_obs_count(obs), bk_abc_particles(res));
        cli_calib_print_posterior(res, in.spec, stdout);
    }
    if (od_open) {
        char msg[512];
        const char *names[4] = {"posterior.csv", "diagnostics.json", "calibrated.yaml",
                                "calibrated.patch.yaml"};
        for (int i = 0; i < 4 && rc == CLI_EXIT_OK; i++) {
            FILE *f = cli_outdir_open(&od, names[i], msg, sizeof msg);
            if (!f) {
                cli_error("%s", msg);
                rc = CLI_EXIT_IO;
                break;
            }
            if (i == 0)
                bk_abc_write_posterior_csv(res, prob, f);
            else if (i == 1)
                bk_abc_write_diagnostics_json(res, prob, &cfg, f);
            else if (i == 3)
                write_patch(&in, res, f);
            else {
                size_t len = 0;
                char *text = calibrated_text(&in, res, &len);
                if (text)
                    fwrite(text, 1, len, f);
                else
                    rc = CLI_EXIT_INTERNAL;
                free(text);
            }
            if (cli_outdir_close(&od, f, names[i], msg, sizeof msg) != 0 && rc == CLI_EXIT_OK) {
                cli_error("%s", msg);
                rc = CLI_EXIT_IO;
            }
        }
        if (rc == CLI_EXIT_OK && cli_interrupted)
            rc = CLI_EXIT_INTERRUPTED;
        if (rc == CLI_EXIT_OK) {
            int c = cli_outdir_commit(&od, msg, sizeof msg);
            if (c < 0) {
                cli_error("%s", msg);
                rc = CLI_EXIT_IO;
            } else if (c > 0) {
                cli_error("%s", msg);
            }
        }
    }
done:
    if (od_open)
        cli_outdir_abort(&od);
    bk_abc_result_free(res);
    bk_calibration_free(cal);
    bk_obs_free(obs);
    cli_calib_release(&in);
    return rc;
}
