/* posterior.c: a calibrated posterior as scenarios: the weighted particles of a calibration, or
 * the posterior.csv that `blockade calibrate` writes, resampled to equally weighted draws and
 * applied to a base scenario; shared by `validate` (posterior predictive checks and forecasts)
 * and `ensemble --posterior` (docs/calibration.md, docs/ensemble.md). */
#include "cli.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int cmp_address(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)*(bk_scenario *const *)a, y = (uintptr_t)*(bk_scenario *const *)b;
    return (x > y) - (x < y);
}

/* Contract in cli.h. A particle drawn twice is one scenario, whose pointer may appear anywhere in
 * the spread order: the pointers are sorted by address (for freeing only) to free each once. */
void cli_posterior_free(bk_scenario **scs, double *rp, int n)
{
    if (scs && n > 0) {
        qsort(scs, (size_t)n, sizeof *scs, cmp_address);
        for (int i = 0; i < n; i++)
            if (scs[i] && (i == 0 || scs[i] != scs[i - 1]))
                bk_scenario_free(scs[i]);
    }
    free(scs);
    free(rp);
}

/* The bit-reversal order of 0 .. n-1: v = 0, 1, 2, ... of the next power of two M >= n, each
 * with its log2(M) bits reversed, those below n kept. Every prefix of it is spread over the whole
 * range (the first two are 0 and about n/2, the first four a quarter apart, ...), so the first
 * replications of an ensemble smaller than the posterior visit all of it, not its first part. */
static void spread_order(int n, int *order)
{
    int bits = 0;
    while ((1L << bits) < n)
        bits++;
    for (long v = 0, j = 0; j < n; v++) {
        long r = 0;
        for (int b = 0; b < bits; b++)
            r |= ((v >> b) & 1L) << (bits - 1 - b);
        if (r < n)
            order[j++] = (int)r;
    }
}

/* Contract in cli.h. */
int cli_posterior_draws(const char *what, const bk_calib_spec *spec, const bk_scenario *base,
                        const bk_policy *keep, double report_prob, const double *w,
                        const double *th, const uint64_t *seeds, int n, bk_scenario ***scs_out,
                        double **rp_out, int *n_out, uint64_t **seeds_out)
{
    int k = spec->n_params;
    if (seeds_out)
        *seeds_out = NULL;
    double total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    if (n == 0 || !(total > 0)) {
        cli_error("%s: no particle with a positive weight", what);
        return CLI_EXIT_SCENARIO;
    }
    bk_scenario **scs = calloc((size_t)n, sizeof *scs);
    double *rp = calloc((size_t)n, sizeof *rp);
    int *particle = calloc((size_t)n, sizeof *particle); /* the particle of each draw */
    if (!scs || !rp || !particle) {
        free(scs);
        free(rp);
        free(particle);
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    bk_resample_systematic(w, n, (uint64_t)n, particle);
    for (int i = 0, last = -1; i < n; i++) {
        int j = particle[i];
        const double *t = &th[(size_t)j * (size_t)k];
        rp[i] = report_prob;
        for (int q = 0; q < k; q++)
            if (strcmp(spec->params[q].path, "observation.report_prob") == 0)
                rp[i] = t[q];
        if (j == last) { /* j never decreases: a repeated particle follows itself */
            scs[i] = scs[i - 1];
            continue;
        }
        last = j;
        bk_error err = {0};
        bk_status st = bk_calib_apply_except(spec, base, t, keep, &scs[i], &err);
        if (st != BK_OK) {
            cli_posterior_free(scs, rp, i);
            free(particle);
            cli_error("%s: particle %d does not apply to the scenario: %s", what, j,
                      err.message[0] ? err.message : bk_status_str(st));
            return cli_exit_for_status(st);
        }
    }
    /* draw i is the systematic draw at position order[i] of the cumulative weight */
    bk_scenario **spread = malloc((size_t)n * sizeof *spread);
    double *spread_rp = malloc((size_t)n * sizeof *spread_rp);
    int *order = malloc((size_t)n * sizeof *order);
    uint64_t *spread_seeds = seeds && seeds_out ? malloc((size_t)n * sizeof *spread_seeds) : NULL;
    if (!spread || !spread_rp || !order || (seeds && seeds_out && !spread_seeds)) {
        free(spread);
        free(spread_rp);
        free(order);
        free(spread_seeds);
        free(particle);
        cli_posterior_free(scs, rp, n);
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    spread_order(n, order);
    for (int i = 0; i < n; i++) {
        spread[i] = scs[order[i]];
        spread_rp[i] = rp[order[i]];
        if (spread_seeds)
            spread_seeds[i] = seeds[particle[order[i]]];
    }
    free(order);
    free(particle);
    free(scs);
    free(rp);
    *scs_out = spread;
    *rp_out = spread_rp;
    *n_out = n;
    if (seeds_out)
        *seeds_out = spread_seeds;
    return CLI_EXIT_OK;
}

/* Contract in cli.h. */
int cli_posterior_load(const char *path, const bk_calib_spec *spec, const bk_scenario *base,
                       const bk_policy *keep, double report_prob, bk_scenario ***scs_out,
                       double **rp_out, int *n_out, uint64_t **seeds_out)
{
    bk_posterior_table t;
    bk_error err = {0};
    bk_status st = bk_abc_read_posterior_csv(path, spec, &t, &err);
    if (st != BK_OK)
        return cli_report(st, &err);
    int rc;
    if (seeds_out && t.seed == NULL) { /* asked for the seeds, and the file has none */
        cli_error("%s: no seed column (written by an earlier blockade calibrate): "
                  "calibrate again to continue its runs", path);
        rc = CLI_EXIT_SCENARIO;
    } else {
        rc = cli_posterior_draws(path, spec, base, keep, report_prob, t.w, t.theta, t.seed, t.n,
                                 scs_out, rp_out, n_out, seeds_out);
    }
    bk_posterior_table_free(&t);
    return rc;
}
