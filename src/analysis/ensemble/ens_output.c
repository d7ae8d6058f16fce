/* ens_output.c: the files an ensemble writes: bands.csv, curves.csv, summary.json,
 * manifest.json, and the plain-words report (docs/ensemble.md). Everything printed comes from
 * the state alone, so a merged or resumed ensemble prints the same bytes as an uninterrupted
 * single process. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "analysis/ensemble/ens.h"
#include "analysis/ensemble/metrics.h"
#include "blockade/blockade.h"
#include "output/format.h"
#include "scenario/scenario.h"

/* Days at which summary.json and the report give the curves: "within the first t days". */
static const int curve_days[] = {7, 14, 30, 60, 90, 120, 180, 365};
#define N_CURVE_DAYS (sizeof curve_days / sizeof curve_days[0])

static const char *const level_names[5] = {"q05", "q25", "q50", "q75", "q95"};

/* Contract in ens.h. */
void bki_ens_date(const bk_ensemble *ens, long d, char buf[11])
{
    int y, m, dd;
    bki_civil_from_days(bki_days_from_civil(ens->start_y, ens->start_m, ens->start_d) + d, &y, &m,
                        &dd);
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, dd);
    memcpy(buf, tmp, 10);
    buf[10] = '\0';
}

static void put_num(FILE *out, double v)
{
    char num[BK_FMT_NUM];
    bki_fmt_number(num, v);
    fputs(num, out);
}

/* P(event on day index < t), from the histogram of curve k. */
static double within(const bk_ensemble *ens, int k, int t)
{
    if (ens->acc.n == 0)
        return 0.0;
    const uint64_t *h = ens->acc.curve + (size_t)k * ((size_t)ens->days + 1);
    uint64_t c = 0;
    for (int d = 0; d < t && d < ens->days; d++)
        c += h[d];
    return (double)c / (double)ens->acc.n;
}

/* Contract in blockade/ensemble.h. */
bk_status bk_ensemble_write_bands_csv(const bk_ensemble *ens, FILE *out)
{
    if (!ens || !out)
        return BK_ERR_USAGE;
    fputs("metric,unit,day,date,mean,q05,q25,q50,q75,q95\n", out);
    const bk_ens_acc *a = &ens->acc;
    for (int c = 0; c < ens->n_cols && !ferror(out); c++) {
        for (int d = 0; d < ens->days; d++) {
            size_t i = (size_t)c * (size_t)ens->days + (size_t)d;
            char date[11];
            bki_ens_date(ens, d, date);
            bki_fmt_csv_field(out, ens->cols[c].name);
            fputc(',', out);
            bki_fmt_csv_field(out, ens->cols[c].unit);
            fprintf(out, ",%d,%s,", d, date);
            double mean = bki_fix_mean(a->dsum[i], a->n);
            bki_sketch_exact_mean(&a->dsk[i], &mean); /* a constant's mean is itself */
            put_num(out, mean);
            for (int k = 0; k < 5; k++) {
                fputc(',', out);
                put_num(out, bki_sketch_quantile(&a->dsk[i], &ens->map, bki_ens_levels[k]));
            }
            fputc('\n', out);
        }
    }
    return bki_fmt_finish(out);
}

/* Contract in blockade/ensemble.h. */
bk_status bk_ensemble_write_curves_csv(const bk_ensemble *ens, FILE *out)
{
    if (!ens || !out)
        return BK_ERR_USAGE;
    fputs("curve,day,date,probability\n", out);
    const bk_ens_acc *a = &ens->acc;
    for (int k = 0; k < a->n_curves && !ferror(out); k++) {
        char name[300];
        bki_ens_curve_name(ens, k, name, sizeof name);
        const uint64_t *h = a->curve + (size_t)k * ((size_t)ens->days + 1);
        uint64_t c = 0;
        for (int d = 0; d < ens->days; d++) {
            c += h[d];
            char date[11];
            bki_ens_date(ens, d, date);
            bki_fmt_csv_field(out, name);
            fprintf(out, ",%d,%s,", d, date);
            put_num(out, a->n ? (double)c / (double)a->n : 0.0);
            fputc('\n', out);
        }
    }
    return bki_fmt_finish(out);
}

static void put_header(const bk_ensemble *ens, FILE *out)
{
    char start[11], end[11];
    bki_ens_date(ens, 0, start);
    bki_ens_date(ens, ens->days - 1, end);
    bki_fmt_json_runs(out, ens->scenario_name, ens->sha, ens->seed, ens->n_reps, ens->days);
    fprintf(out, ",\n  \"start_date\": \"%s\",\n  \"end_date\": \"%s\",\n  \"accuracy\": ", start,
            end);
    put_num(out, ens->accuracy);
    fprintf(out, ",\n  \"period\": \"%s\",\n  \"windows_given\": [",
            ens->period == BK_ENSEMBLE_PERIOD_WEEK ? "week" : "month");
    for (int w = 0; w < ens->n_windows; w++) {
        char label[32];
        bki_ens_window_label(ens, w, label);
        fprintf(out, "%s\"%s\"", w ? ", " : "", label);
    }
    fputc(']', out);
    if (ens->n_draws > 0)
        fprintf(out, ",\n  \"posterior_draws\": %u,\n  \"posterior_draws_sha256\": \"%s\"",
                ens->n_draws, ens->draws_sha);
}

/* Contract in blockade/ensemble.h. */
bk_status bk_ensemble_write_summary_json(const bk_ensemble *ens, FILE *out)
{
    if (!ens || !out)
        return BK_ERR_USAGE;
    const bk_ens_acc *a = &ens->acc;
    fputs("{\n  \"kind\": \"ensemble\",\n", out);
    put_header(ens, out);
    fprintf(out, ",\n  \"replications_done\": %llu,\n  \"totals\": {\n",
            (unsigned long long)a->n);
    for (int i = 0; i < bki_n_total_metrics; i++) {
        const bk_total_metric *m = &bki_total_metrics[i];
        bk_ensemble_stat st;
        if (bk_ensemble_total_stat(ens, m->name, &st) != BK_OK)
            return BK_ERR_NOMEM;
        fputs("    ", out);
        bki_fmt_json_string(out, m->name);
        fputs(": {\"unit\": ", out);
        bki_fmt_json_string(out, m->unit);
        fputs(", \"mean\": ", out);
        bki_fmt_json_number(out, st.mean);
        for (int k = 0; k < 5; k++) {
            fprintf(out, ", \"%s\": ", level_names[k]);
            bki_fmt_json_number(out, st.q[k]);
        }
        fputs(i + 1 < bki_n_total_metrics ? "},\n" : "}\n", out);
    }
    fputs("  },\n  \"windows\": {", out);
    for (int w = 0; w < ens->n_windows; w++) {
        char label[32], first[11], last[11];
        bki_ens_window_label(ens, w, label);
        bki_ens_date(ens, ens->windows[w].first, first);
        bki_ens_date(ens, ens->windows[w].last, last);
        fprintf(out, "%s\n    \"%s\": {\"first_date\": \"%s\", \"last_date\": \"%s\", "
                     "\"days\": %d, \"series\": {",
                w ? "," : "", label, first, last,
                ens->windows[w].last - ens->windows[w].first + 1);
        bool first_series = true;
        for (int k = 0; k < ens->n_rcols; k++) {
            const bk_ens_rcol *c = &ens->rcols[k];
            if (c->window != w || c->peak)
                continue;
            /* the total, and the peak in the next column */
            fprintf(out, "%s\n      ", first_series ? "" : ",");
            first_series = false;
            const char *base = c->name;
            size_t len = strlen(base) - (sizeof "_YYYY_MM_DD_YYYY_MM_DD_total" - 1);
            fprintf(out, "\"%.*s\": {\"unit\": ", (int)len, base);
            bki_fmt_json_string(out, c->unit);
            for (int pk = 0; pk < 2; pk++) {
                double mean = 0.0, q[5];
                if (!bki_ens_rows_stat(&ens->rows, k + pk, &mean, q))
                    return BK_ERR_NOMEM;
                fprintf(out, ", \"%s\": {\"mean\": ", pk ? "peak" : "total");
                bki_fmt_json_number(out, mean);
                for (int j = 0; j < 5; j++) {
                    fprintf(out, ", \"%s\": ", level_names[j]);
                    bki_fmt_json_number(out, q[j]);
                }
                fputs("}", out);
            }
            fputs("}", out);
        }
        fputs("}}", out);
    }
    fputs(ens->n_windows ? "\n  },\n  \"curves\": {\n" : "},\n  \"curves\": {\n", out);
    for (int k = 0; k < a->n_curves; k++) {
        char name[300];
        bki_ens_curve_name(ens, k, name, sizeof name);
        fputs("    ", out);
        bki_fmt_json_string(out, name);
        fputs(": {\"within_days\": {", out);
        bool first = true;
        for (size_t j = 0; j < N_CURVE_DAYS; j++) {
            if (curve_days[j] >= ens->days)
                break;
            fprintf(out, "%s\"%d\": ", first ? "" : ", ", curve_days[j]);
            put_num(out, within(ens, k, curve_days[j]));
            first = false;
        }
        fprintf(out, "%s\"%d\": ", first ? "" : ", ", ens->days);
        put_num(out, within(ens, k, ens->days));
        fputs(k + 1 < a->n_curves ? "}},\n" : "}}\n", out);
    }
    fputs("  }\n}\n", out);
    return bki_fmt_finish(out);
}

/* Contract in blockade/ensemble.h. */
bk_status bk_ensemble_write_replications_csv(const bk_ensemble *ens, FILE *out)
{
    if (!ens || !out)
        return BK_ERR_USAGE;
    const bk_ens_rows *r = &ens->rows;
    uint64_t *order = bki_ens_rows_order(r);
    if (r->n > 0 && !order)
        return BK_ERR_NOMEM;
    fputs("replication,seed", out);
    for (int k = 0; k < ens->n_rcols; k++) {
        fputc(',', out);
        bki_fmt_csv_field(out, ens->rcols[k].name);
    }
    fputc('\n', out);
    for (uint64_t i = 0; i < r->n && !ferror(out); i++) {
        fprintf(out, "%llu,%llu", (unsigned long long)r->rep[order[i]],
                (unsigned long long)ens->seed);
        const double *v = r->val + (size_t)order[i] * (size_t)r->n_vals;
        for (int k = 0; k < r->n_vals; k++) {
            fputc(',', out);
            put_num(out, v[k]);
        }
        fputc('\n', out);
    }
    bki_free(order);
    return bki_fmt_finish(out);
}

/* Contract in blockade/ensemble.h. */
bk_status bk_ensemble_write_manifest_json(const bk_ensemble *ens, const char *const *files,
                                          int n_files, FILE *out)
{
    if (!ens || !out)
        return BK_ERR_USAGE;
    fputs("{\n  \"blockade_version\": ", out);
    bki_fmt_json_string(out, bk_version());
    fputs(",\n  \"kind\": \"ensemble\",\n  \"scenario_file\": ", out);
    bki_fmt_json_string(out, ens->scenario_file);
    fputs(",\n", out);
    put_header(ens, out);
    fprintf(out, ",\n  \"check_invariants\": %s,\n  \"files\": [",
            ens->check ? "true" : "false");
    for (int i = 0; i < n_files; i++) {
        fputs(i ? ", " : "", out);
        bki_fmt_json_string(out, files[i]);
    }
    fputs("]\n}\n", out);
    return bki_fmt_finish(out);
}

/* A quantity for people with `dec` decimals. */
static void put_value(FILE *out, double v, int dec)
{
    char num[BK_FMT_NUM];
    bki_fmt_fixed(num, v, dec);
    fputs(num, out);
}

/* A day metric as a date, or "none by END" for the horizon (never). */
static void put_day(const bk_ensemble *ens, FILE *out, double day)
{
    char date[11];
    if (day >= ens->days - 0.5) {
        bki_ens_date(ens, ens->days - 1, date);
        fprintf(out, "none by %s", date);
        return;
    }
    bki_ens_date(ens, (long)(day + 0.5), date);
    fputs(date, out);
}

/* The q-quantile of the first day of event curve k, exactly, from the curve's per-day counts
 * (the sketch's relative error would blur "on the last day" and "never"): the first day by
 * which a share q of the replications had seen the event, or the horizon if fewer did. */
static double curve_quantile(const bk_ensemble *ens, int k, double q)
{
    for (int t = 0; t < ens->days; t++)
        if (within(ens, k, t + 1) >= q - 1e-12)
            return t;
    return ens->days;
}

/* Contract in blockade/ensemble.h. */
bk_status bk_ensemble_write_report(const bk_ensemble *ens, FILE *out)
{
    if (!ens || !out)
        return BK_ERR_USAGE;
    /* the words of the vehicle classes: "tankers destroyed", "boat deliveries", ... */
    char destroyed[48] = "tankers destroyed", deliveries[48] = "tanker deliveries";
    if (ens->sc) {
        const char *one, *many;
        bki_scenario_words(ens->sc, &one, &many);
        snprintf(destroyed, sizeof destroyed, "%s destroyed", many);
        snprintf(deliveries, sizeof deliveries, "%s deliveries", one);
    }
    const struct {
        const char *metric, *label;
        int dec; /* decimals; -1 for a day read from its curve */
        int curve;
    } lines[] = {
        {"first_stockout_day", "first city stock-out", -1, 0},
        {"first_priority_cut_day", "priority sectors cut", -1, ens->n_products + 1},
        {"tankers_destroyed", destroyed, 0, -1},
        {"deliveries", deliveries, 0, -1},
        {"blackout_hours", "blackout hours", 0, -1},
        {"school_closed_days", "school-closure days", 0, -1},
        {"peak_price_ratio", "peak informal price ratio", 2, -1},
    };
    char start[11], end[11], num[BK_FMT_NUM];
    bki_ens_date(ens, 0, start);
    bki_ens_date(ens, ens->days - 1, end);
    bki_fmt_thousands(num, (long)ens->acc.n);
    fprintf(out, "%s replications of \"%s\" (seed %llu), %d days from %s to %s.\n", num,
            ens->scenario_name, (unsigned long long)ens->seed, ens->days, start, end);
    if (ens->n_draws > 0)
        fprintf(out, "Posterior predictive: replication r runs draw r mod %u of the posterior.\n",
                ens->n_draws);
    fputs("Median, and in brackets the 90 % interval (5 % to 95 % of replications):\n", out);
    for (size_t j = 0; j < sizeof lines / sizeof lines[0]; j++) {
        bk_ensemble_stat s;
        if (bk_ensemble_total_stat(ens, lines[j].metric, &s) != BK_OK)
            continue;
        fprintf(out, "  %-27s ", lines[j].label);
        if (lines[j].dec < 0) {
            put_day(ens, out, curve_quantile(ens, lines[j].curve, 0.50));
            fputs(" (", out);
            put_day(ens, out, curve_quantile(ens, lines[j].curve, 0.05));
            fputs(" to ", out);
            put_day(ens, out, curve_quantile(ens, lines[j].curve, 0.95));
        } else {
            put_value(out, s.q[2], lines[j].dec);
            fputs(" (", out);
            put_value(out, s.q[0], lines[j].dec);
            fputs(" to ", out);
            put_value(out, s.q[4], lines[j].dec);
        }
        fputs(")\n", out);
    }
    for (int w = 0; w < ens->n_windows; w++) {
        char label[32];
        bki_ens_window_label(ens, w, label);
        int wd = ens->windows[w].last - ens->windows[w].first + 1;
        fprintf(out, "Window %s (%d day%s), totals over its days, median (90 %% interval):\n",
                label, wd, wd == 1 ? "" : "s");
        for (int k = 0; k < ens->n_rcols; k++) {
            const bk_ens_rcol *c = &ens->rcols[k];
            if (c->window != w || c->peak)
                continue;
            double mean = 0.0, q[5];
            if (!bki_ens_rows_stat(&ens->rows, k, &mean, q))
                return BK_ERR_NOMEM;
            size_t len = strlen(c->name) - (sizeof "_YYYY_MM_DD_YYYY_MM_DD_total" - 1);
            fprintf(out, "  %-27.*s ", (int)len, c->name);
            bool litres = strcmp(c->unit, "L") == 0;
            for (int j = 0; j < 3; j++) {
                double v = q[j == 0 ? 2 : j == 1 ? 0 : 4];
                char lit[2 * BK_FMT_NUM];
                if (litres) {
                    bki_fmt_litres(lit, v);
                    fputs(lit, out);
                } else {
                    put_value(out, v, v == floor(v) ? 0 : 1);
                }
                fputs(j == 0 ? " (" : j == 1 ? " to " : ")", out);
            }
            const char *unit = litres || strcmp(c->unit, "count") == 0 ? ""
                               : strcmp(c->unit, "h") == 0 ? "hours" : c->unit;
            fprintf(out, "%s%s\n", unit[0] ? " " : "", unit);
        }
    }
    fputs("Chance of a city stock-out of any product within", out);
    static const int within_days[] = {30, 60, 90};
    for (size_t j = 0; j < 3; j++) {
        if (within_days[j] > ens->days)
            break;
        fprintf(out, "%s %d days: ", j ? ";" : "", within_days[j]);
        put_value(out, 100.0 * within(ens, 0, within_days[j]), 1);
        fputs(" %", out);
    }
    fprintf(out, "%s the whole horizon: ", ens->days >= 30 ? ";" : "");
    put_value(out, 100.0 * within(ens, 0, ens->days), 1);
    fputs(" %.\n", out);
    fputs("Chance that schools close within the horizon: ", out);
    put_value(out, 100.0 * within(ens, ens->n_products + 2, ens->days), 1);
    fputs(" %.\n", out);
    fputs("Quantiles of these totals are exact (values of actual replications); \"never\" "
          "counts as the end of the horizon.\n", out);
    return bki_fmt_finish(out);
}
