/* posterior.c: a calibrated posterior as scenarios: the weighted particles of a calibration, or
 * the posterior.csv that `blockade calibrate` writes, resampled to equally weighted draws and
 * applied to a base scenario; shared by `validate` (posterior predictive checks and forecasts)
 * and `ensemble --posterior` (docs/calibration.md, docs/ensemble.md). */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
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
    FILE *f = fopen(path, "r");
    if (!f) {
        cli_error("%s: cannot read", path);
        return CLI_EXIT_IO;
    }
    int k = spec->n_params, n = 0, cap = 0, line = 0, rc = CLI_EXIT_OK, n_cols = k + 3;
    double *w = NULL, *th = NULL;
    uint64_t *sd = NULL; /* the seed column, when the file has it */
    char buf[16384];
    while (fgets(buf, sizeof buf, f)) {
        line++;
        buf[strcspn(buf, "\r\n")] = 0;
        char *save = NULL, *tok = strtok_r(buf, ",", &save);
        if (line == 1) { /* header: particle, weight, distance, then the spec's paths in order,
                            then (optionally: files of earlier versions lack it) the seed */
            int col = 0;
            for (; tok; tok = strtok_r(NULL, ",", &save), col++) {
                const char *want = col == 0 ? "particle" : col == 1 ? "weight" : col == 2
                                   ? "distance" : col - 3 < k ? spec->params[col - 3].path
                                   : col - 3 == k ? "seed" : NULL;
                if (!want || strcmp(tok, want) != 0) {
                    cli_error("%s:1: column %d is '%s', expected '%s' (a posterior.csv written "
                              "with the same --params)", path, col + 1, tok,
                              want ? want : "(no more columns)");
                    rc = CLI_EXIT_SCENARIO;
                    goto out;
                }
            }
            if (col != k + 3 && col != k + 4) {
                cli_error("%s:1: %d columns, expected %d (or %d with the seed)", path, col, k + 3,
                          k + 4);
                rc = CLI_EXIT_SCENARIO;
                goto out;
            }
            if (seeds_out && col == k + 3) { /* asked for the seeds, and the file has none */
                cli_error("%s: no seed column (written by an earlier blockade calibrate): "
                          "calibrate again to continue its runs", path);
                rc = CLI_EXIT_SCENARIO;
                goto out;
            }
            n_cols = col;
            continue;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            double *w2 = realloc(w, (size_t)cap * sizeof *w2);
            if (w2)
                w = w2;
            double *t2 = w2 ? realloc(th, (size_t)cap * (size_t)k * sizeof *t2) : NULL;
            if (t2)
                th = t2;
            uint64_t *s2 = t2 ? realloc(sd, (size_t)cap * sizeof *s2) : NULL;
            if (s2)
                sd = s2;
            if (!w2 || !t2 || !s2) {
                cli_error("out of memory");
                rc = CLI_EXIT_INTERNAL;
                goto out;
            }
        }
        for (int col = 0; col < n_cols; col++, tok = strtok_r(NULL, ",", &save)) {
            char *end = NULL;
            bool seed = col == k + 3; /* the particle's seed, a whole number */
            double v = NAN;
            if (tok && seed) {
                errno = 0;
                sd[n] = strtoull(tok, &end, 10);
                v = errno == 0 && isdigit((unsigned char)*tok) ? 0.0 : (double)NAN;
            } else if (tok) {
                v = strtod(tok, &end);
            }
            if (!tok || end == tok || *end || !isfinite(v) || (col == 1 && v < 0)) {
                cli_error("%s:%d: column %d: expected a %s", path, line, col + 1,
                          seed ? "seed (a whole number)"
                               : col == 1 ? "non-negative number" : "number");
                rc = CLI_EXIT_SCENARIO;
                goto out;
            }
            if (col == 1)
                w[n] = v;
            else if (col >= 3 && !seed)
                th[(size_t)n * (size_t)k + (size_t)(col - 3)] = v;
        }
        if (tok) {
            cli_error("%s:%d: more than %d columns", path, line, n_cols);
            rc = CLI_EXIT_SCENARIO;
            goto out;
        }
        n++;
    }
    rc = cli_posterior_draws(path, spec, base, keep, report_prob, w, th,
                             n_cols == k + 4 ? sd : NULL, n, scs_out, rp_out, n_out, seeds_out);
out:
    free(w);
    free(th);
    free(sd);
    fclose(f);
    return rc;
}
