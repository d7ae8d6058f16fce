/* daily.c: the daily series as CSV, one row per simulated day (docs/outputs.md, daily.csv). */
#include <stdio.h>

#include "model/run.h"
#include "output/format.h"

/* Header `day,date,<column names>`, then one row a day; a non-finite value (which the simulation
 * should never record) is an empty field rather than text a reader would choke on. */
bk_status bk_run_write_daily_csv(const bk_run *run, FILE *out)
{
    if (run == NULL || out == NULL || run->sc == NULL)
        return BK_ERR_USAGE;
    if (run->n_cols > 0 && run->days > 0 && (run->daily == NULL || run->cols == NULL))
        return BK_ERR_USAGE;
    fputs("day,date", out);
    for (int c = 0; c < run->n_cols; c++) {
        fputc(',', out);
        bki_fmt_csv_field(out, run->cols[c].name);
    }
    fputc('\n', out);
    for (int d = 0; d < run->days && !ferror(out); d++) {
        char date[11];
        bki_run_date(run->sc, 24.0 * d, date);
        fprintf(out, "%d,%s", d, date);
        for (int c = 0; c < run->n_cols; c++) {
            const double *row = run->daily + (size_t)d * (size_t)run->n_cols;
            char num[BK_FMT_NUM];
            bki_fmt_number(num, row[c]);
            fputc(',', out);
            fputs(num, out);
        }
        fputc('\n', out);
    }
    return bki_fmt_finish(out);
}
