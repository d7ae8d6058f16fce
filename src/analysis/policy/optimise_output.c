/* optimise_output.c: the optimiser's table, CSV and JSON (docs/optimise.md, "Outputs"). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/policy/optimise_internal.h"
#include "output/format.h"

/* ---- outputs ---------------------------------------------------------------------------- */

static const char *measure_words(const bk_optimise *o, char *buf, size_t cap)
{
    if (o->cvar)
        snprintf(buf, cap, "CVaR at %g (mean of the worst %g %% of replications)", o->level,
                 100.0 * (1.0 - o->level));
    else
        snprintf(buf, cap, "mean");
    return buf;
}

/* A choice's improvement over the default on the final check's fresh replications (`how` says
 * what was compared) and, with a CVaR objective, the CVaR's on the same replications. */
static void improvement_lines(const bk_optimise *o, const char *how, double m, double lo,
                              double hi, double cv, double cv_lo, double cv_hi, FILE *out)
{
    fprintf(out, "  improvement over the default%s, fresh replications: %+.6g, 95 %% interval "
                 "[%+.6g, %+.6g]%s\n",
            how, m, lo, hi, lo > 0 ? " (excludes zero)" : " (does not exclude zero)");
    if (!o->cvar)
        return;
    fprintf(out, "  improvement in the CVaR at %g (default minus chosen), the same replications: "
                 "%+.6g, 95 %% paired-bootstrap interval [%+.6g, %+.6g] (%s; %d resamples: an "
                 "interval, not a guarantee of correct selection)\n",
            o->level, cv, cv_lo, cv_hi, cv_lo > 0 ? "excludes zero" : "does not exclude zero",
            BOOTSTRAP_RESAMPLES);
}

/* `, "KEY": v, "CI_KEY": [lo, hi]`: an improvement and its 95 % interval. */
static void interval_json(FILE *out, const char *key, double v, const char *ci_key, double lo,
                          double hi)
{
    fprintf(out, ", \"%s\": ", key);
    bki_fmt_json_number(out, v);
    fprintf(out, ", \"%s\": [", ci_key);
    bki_fmt_json_number(out, lo);
    fputs(", ", out);
    bki_fmt_json_number(out, hi);
    fputs("]", out);
}

/* The rest of a choice's object: its mean improvement and, with a CVaR objective, the CVaR's. */
static void choice_json(const bk_optimise *o, double m, double lo, double hi, double cv,
                        double cv_lo, double cv_hi, FILE *out)
{
    interval_json(out, "improvement", m, "ci95", lo, hi);
    if (o->cvar)
        interval_json(out, "cvar_improvement", cv, "cvar_ci95_bootstrap", cv_lo, cv_hi);
    fputs("}", out);
}

bk_status bk_optimise_write_table(const bk_optimise *o, FILE *out)
{
    char mw[128];
    fprintf(out, "Optimisation of \"%s\": harm = weighted metrics (lower is better), %s; seed "
                 "%llu, %llu replications per candidate on common random numbers.\n",
            o->scenario_name, measure_words(o, mw, sizeof mw), (unsigned long long)o->seed,
            (unsigned long long)o->reps);
    fprintf(out, "%d candidates simulated, %llu runs in all.\n\n", o->evals,
            (unsigned long long)o->runs);
    fputs("Search (each accepted move):\n", out);
    fputs(o->trace ? o->trace : "", out);
    double pcs = o->pcs;
    fprintf(out, "\nSelection among %d finalists (the default included): two-stage "
                 "indifference-zone procedure with common random numbers (Clark-Yang / "
                 "Nelson-Matejcik, Bonferroni), P(correct selection) >= %.2f if the best is %.4g "
                 "better%s; %llu replications each%s.\n",
            o->n_fin, pcs, o->delta, o->delta_auto ? " (1 % of the default's mean harm)" : "",
            (unsigned long long)o->n2,
            o->capped ? " (CAPPED by --max-replications: the guarantee does not hold)" : "");
    if (o->cvar)
        fputs("The guarantee is for the mean harm: the selection compares means. The search ranked "
              "by the CVaR, but NO guarantee of correct selection applies to the CVaR; the final "
              "check gives the CVaR's improvement a paired-bootstrap interval (below).\n", out);
    fprintf(out, "\n  %-10s %14s %14s %s\n", "finalist", "harm (stage 1)", "mean (N reps)",
            "levers");
    for (int j = 0; j < o->n_fin; j++) {
        const cand *cd = &o->c[o->finalists[j]];
        fprintf(out, "  %-10s %14.6g %14.6g %s%s\n",
                o->finalists[j] == o->i_default ? "default" : "candidate", cd->score,
                o->stage2_today[j], cd->label, o->finalists[j] == o->i_today ? "  <- chosen" : "");
    }
    fprintf(out, "\nAgainst today's armed group: chosen %s\n", o->c[o->i_today].label);
    improvement_lines(o, " (default minus chosen, mean harm)", o->sum.today, o->sum.today_lo,
                      o->sum.today_hi, o->sum.today_cvar, o->sum.today_cvar_lo,
                      o->sum.today_cvar_hi, out);
    if (o->i_robust >= 0) {
        fputs("\nAgainst the armed group's best response (Stackelberg: the group sees the "
              "policy and answers it):\n", out);
        fprintf(out, "\n  %-10s %14s %14s %14s  %s\n", "finalist", "vs today", "vs response",
                "mean (N reps)", "levers | the group's response");
        for (int j = 0; j < o->n_fin; j++) {
            const cand *cd = &o->c[o->finalists[j]], *br = &o->c[o->br[j]];
            fprintf(out, "  %-10s %14.6g %14.6g %14.6g  %s | %s%s\n",
                    o->finalists[j] == o->i_default ? "default" : "candidate", cd->score,
                    br->score, o->stage2_robust[j], cd->label, br->alabel,
                    o->br[j] == o->i_robust ? "  <- chosen" : "");
        }
        fprintf(out, "\n  robust choice: %s\n", o->c[o->i_robust].label);
        improvement_lines(o, ", each against its best response", o->sum.adapted,
                          o->sum.adapted_lo, o->sum.adapted_hi, o->sum.adapted_cvar,
                          o->sum.adapted_cvar_lo, o->sum.adapted_cvar_hi, out);
        if (strcmp(o->c[o->i_robust].label, o->c[o->i_today].label) != 0)
            fputs("  The robust choice differs from the choice against today's group: the "
                  "group's answer changes which policy is best.\n", out);
        else
            fputs("  The same policy is best against today's group and against its answer.\n",
                  out);
    }
    return bki_fmt_finish(out);
}

bk_status bk_optimise_write_csv(const bk_optimise *o, FILE *out)
{
    fputs("candidate,stage,defender_levers,armed_group_levers,cost,harm_score,harm_mean,"
          "finalist,chosen_today,chosen_robust\n", out);
    for (int i = 0; i < o->n; i++) {
        const cand *cd = &o->c[i];
        bool fin = false;
        for (int j = 0; j < o->n_fin; j++)
            fin = fin || o->finalists[j] == i;
        fprintf(out, "%d,%s,", i, cd->stage ? "response" : "defender");
        bki_fmt_csv_field(out, cd->label);
        fputc(',', out);
        bki_fmt_csv_field(out, cd->alabel);
        char a[BK_FMT_NUM], b[BK_FMT_NUM], d[BK_FMT_NUM];
        bki_fmt_number(a, cd->cost);
        bki_fmt_number(b, cd->score);
        bki_fmt_number(d, cd->mean);
        fprintf(out, ",%s,%s,%s,%d,%d,%d\n", a, b, d, fin, i == o->i_today, i == o->i_robust);
    }
    return bki_fmt_finish(out);
}

bk_status bk_optimise_write_json(const bk_optimise *o, FILE *out)
{
    fputs("{\n  \"kind\": \"optimise\",\n", out);
    bki_fmt_json_runs(out, o->scenario_name, o->sha, o->seed, o->reps, o->days);
    char mw[128];
    fputs(",\n  \"measure\": ", out);
    bki_fmt_json_string(out, measure_words(o, mw, sizeof mw));
    fprintf(out, ",\n  \"evaluations\": %d,\n  \"runs\": %llu,\n  \"selection\": {\"method\": "
                 "\"two-stage indifference zone, common random numbers, Bonferroni "
                 "(Clark-Yang; Nelson-Matejcik)\", \"pcs\": ", o->evals,
            (unsigned long long)o->runs);
    bki_fmt_json_number(out, o->pcs);
    fputs(", \"indifference\": ", out);
    bki_fmt_json_number(out, o->delta);
    fprintf(out, ", \"replications\": %llu, \"capped\": %s%s},\n  \"default\": ",
            (unsigned long long)o->n2, o->capped ? "true" : "false",
            o->cvar ? ", \"guarantee\": \"for the mean only: none for the CVaR\"" : "");
    bki_fmt_json_string(out, o->c[o->i_default].label);
    fputs(",\n  \"today\": {\"chosen\": ", out);
    bki_fmt_json_string(out, o->c[o->i_today].label);
    choice_json(o, o->sum.today, o->sum.today_lo, o->sum.today_hi, o->sum.today_cvar,
                o->sum.today_cvar_lo, o->sum.today_cvar_hi, out);
    if (o->i_robust >= 0) {
        fputs(",\n  \"adapted\": {\"score\": \"stackelberg\", \"chosen\": ", out);
        bki_fmt_json_string(out, o->c[o->i_robust].label);
        choice_json(o, o->sum.adapted, o->sum.adapted_lo, o->sum.adapted_hi, o->sum.adapted_cvar,
                    o->sum.adapted_cvar_lo, o->sum.adapted_cvar_hi, out);
    }
    fputs(",\n  \"finalists\": [\n", out);
    for (int j = 0; j < o->n_fin; j++) {
        const cand *cd = &o->c[o->finalists[j]];
        fputs("    {\"levers\": ", out);
        bki_fmt_json_string(out, cd->label);
        fputs(", \"harm_today\": ", out);
        bki_fmt_json_number(out, cd->score);
        fputs(", \"mean_stage2_today\": ", out);
        bki_fmt_json_number(out, o->stage2_today[j]);
        if (o->i_robust >= 0) {
            fputs(", \"response\": ", out);
            bki_fmt_json_string(out, o->c[o->br[j]].alabel);
            fputs(", \"harm_response\": ", out);
            bki_fmt_json_number(out, o->c[o->br[j]].score);
            fputs(", \"mean_stage2_response\": ", out);
            bki_fmt_json_number(out, o->stage2_robust[j]);
        }
        fprintf(out, "}%s\n", j + 1 < o->n_fin ? "," : "");
    }
    fputs("  ],\n  \"search\": ", out);
    bki_fmt_json_string(out, o->trace ? o->trace : "");
    fputs("\n}\n", out);
    return bki_fmt_finish(out);
}
