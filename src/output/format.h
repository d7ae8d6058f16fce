/* format.h (internal): text formatting shared by the output writers.
 *
 * Numbers are printed the same way whatever the process locale (the decimal point is always '.',
 * there is never a thousands separator, never "-0"), dates are proleptic Gregorian computed by
 * arithmetic (no time zone, no libc calendar functions), and CSV and JSON strings are escaped
 * here once. Everything is pure and thread-safe.
 */
#ifndef BK_OUTPUT_FORMAT_H
#define BK_OUTPUT_FORMAT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/date.h"

#include "blockade/status.h"

#define BK_FMT_NUM 40 /* room for any number these functions print, with the NUL */

/* A finite value for CSV and JSON: integral values below 1e15 in magnitude as integers, others
 * with 10 significant digits ("%.10g"). Returns false (and buf = "") for NaN or infinity. */
bool bki_fmt_number(char buf[BK_FMT_NUM], double v);

/* A finite value with `decimals` digits after the point ("%.*f"); "-0.0000" becomes "0.0000".
 * Returns false (and buf = "") for NaN or infinity. */
bool bki_fmt_fixed(char buf[BK_FMT_NUM], double v, int decimals);

/* A count for people: thousands separated by commas ("12,345"). */
void bki_fmt_thousands(char buf[BK_FMT_NUM], long v);

/* Litres for people: "812,000 litres" below a million, "36.5 million litres" from there. */
void bki_fmt_litres(char buf[2 * BK_FMT_NUM], double litres);

/* Day numbers and dates: engine/date.h. */

/* One CSV field per RFC 4180: quoted (inner quotes doubled) when it holds a comma, a quote, a
 * CR or an LF; as is otherwise. NULL is an empty field. Stream errors are left for
 * bki_fmt_finish. */
void bki_fmt_csv_field(FILE *out, const char *s);

/* A text field from user data (a name, an actor, a note): as bki_fmt_csv_field, but text that
 * starts with '=', '+', '-', '@', a tab or a CR is written with an apostrophe in front, so that
 * a spreadsheet opening the file shows it as text instead of evaluating it as a formula (CSV
 * injection). The tool's CSV readers drop that apostrophe again (bk_fmt_csv_unguard). Not for
 * numbers: "-8.0" stays as it is through bki_fmt_csv_field. */
void bki_fmt_csv_text(FILE *out, const char *s);

/* True when a field read from CSV is a guarded text field ("'=..." etc.); the text then starts
 * at s + 1. */
bool bki_fmt_csv_guarded(const char *s, size_t len);

/* A JSON string with its quotes; control characters escaped; NULL prints null. */
void bki_fmt_json_string(FILE *out, const char *s);

/* A JSON number via bki_fmt_number; null for NaN or infinity. */
void bki_fmt_json_number(FILE *out, double v);

/* The members that identify the runs of a JSON result, each on its own line indented by two
 * spaces: "scenario", "scenario_sha256", "seed", "replications" and "days", the last without a
 * comma after it. */
void bki_fmt_json_runs(FILE *out, const char *scenario, const char *sha256, uint64_t seed,
                       uint64_t replications, int days);

/* Flush `out` and report whether anything written to it failed: BK_OK or BK_ERR_IO. */
bk_status bki_fmt_finish(FILE *out);

#endif
