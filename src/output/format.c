/* format.c: locale-proof numbers, calendar arithmetic and CSV/JSON escaping for the writers. */
#include "output/format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/json.h"
#include "model/run.h"

/* printf honours LC_NUMERIC, which a host program may have set: whatever character it used for
 * the decimal point is put back to '.'. %g and %f print nothing else outside [0-9eE+-] (there is
 * no grouping without the ' flag). */
static void fix_decimal_point(char *s)
{
    for (; *s; s++) {
        char c = *s;
        if (!((c >= '0' && c <= '9') || c == 'e' || c == 'E' || c == '+' || c == '-'))
            *s = '.';
    }
}

/* "-0", "-0.000" and the like lose their sign: a zero is a zero. */
static void drop_negative_zero(char *s)
{
    if (s[0] != '-')
        return;
    for (const char *p = s + 1; *p; p++) {
        if (*p == 'e' || *p == 'E')
            break;
        if (*p >= '1' && *p <= '9')
            return;
    }
    memmove(s, s + 1, strlen(s));
}

/* Integers stay integers so that counts read back exactly; the rest keeps 10 digits. */
bool bki_fmt_number(char buf[BK_FMT_NUM], double v)
{
    if (!isfinite(v)) {
        buf[0] = '\0';
        return false;
    }
    if (v == 0.0)
        snprintf(buf, BK_FMT_NUM, "0");
    else if (fabs(v) < 1e15 && v == floor(v))
        snprintf(buf, BK_FMT_NUM, "%.0f", v);
    else
        snprintf(buf, BK_FMT_NUM, "%.10g", v);
    fix_decimal_point(buf);
    drop_negative_zero(buf);
    return true;
}

/* Fixed decimals, for coordinates. */
bool bki_fmt_fixed(char buf[BK_FMT_NUM], double v, int decimals)
{
    if (!isfinite(v) || fabs(v) >= 1e15) { /* 1e15 keeps %f inside the buffer */
        buf[0] = '\0';
        return false;
    }
    snprintf(buf, BK_FMT_NUM, "%.*f", decimals, v);
    fix_decimal_point(buf);
    drop_negative_zero(buf);
    return true;
}

/* Separators inserted by hand: the locale's grouping is neither portable nor wanted. */
void bki_fmt_thousands(char buf[BK_FMT_NUM], long v)
{
    char digits[24];
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    snprintf(digits, sizeof digits, "%lu", u);
    size_t n = strlen(digits), k = 0;
    if (v < 0)
        buf[k++] = '-';
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = digits[i];
    }
    buf[k] = '\0';
}

/* Litres rounded for a reader; never fails. */
void bki_fmt_litres(char buf[2 * BK_FMT_NUM], double litres)
{
    char num[BK_FMT_NUM];
    if (!isfinite(litres))
        litres = 0.0;
    if (fabs(litres) < 1e6) {
        bki_fmt_thousands(num, lround(litres));
        snprintf(buf, 2 * BK_FMT_NUM, "%s litres", num);
        return;
    }
    /* One decimal of a million, rounded once in tenths so that 36.45e6 and the integer part
     * agree; then the integer part gets its separators by hand. */
    long tenths = lround(litres / 1e5);
    long whole = tenths / 10, frac = tenths % 10;
    if (frac < 0)
        frac = -frac;
    bki_fmt_thousands(num, whole);
    snprintf(buf, 2 * BK_FMT_NUM, "%s%s.%ld million litres",
             (tenths < 0 && whole == 0) ? "-" : "", num, frac);
}

/* `prefix` then s, in double quotes, each quote in s doubled (RFC 4180). */
static void quoted(FILE *out, const char *prefix, const char *s)
{
    fputc('"', out);
    fputs(prefix, out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* RFC 4180 quoting, only when needed, so simple fields stay readable. */
void bki_fmt_csv_field(FILE *out, const char *s)
{
    if (s == NULL)
        return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, out);
        return;
    }
    quoted(out, "", s);
}

static bool formula_start(char c)
{
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* Contract in format.h. */
void bki_fmt_json_runs(FILE *out, const char *scenario, const char *sha256, uint64_t seed,
                       uint64_t replications, int days)
{
    fputs("  \"scenario\": ", out);
    bki_fmt_json_string(out, scenario);
    fprintf(out, ",\n  \"scenario_sha256\": \"%s\",\n  \"seed\": %llu,\n  \"replications\": %llu,"
                 "\n  \"days\": %d", sha256, (unsigned long long)seed,
            (unsigned long long)replications, days);
}

/* Contract in format.h. The apostrophe is the prefix OWASP's CSV-injection advice names. */
void bki_fmt_csv_text(FILE *out, const char *s)
{
    if (s == NULL || !formula_start(s[0])) {
        bki_fmt_csv_field(out, s);
        return;
    }
    quoted(out, "'", s);
}

bool bki_fmt_csv_guarded(const char *s, size_t len)
{
    return len >= 2 && s[0] == '\'' && formula_start(s[1]);
}

/* Contract in format.h: the escaping is engine/json.c's. */
void bki_fmt_json_string(FILE *out, const char *s)
{
    bki_json_string(out, s, false);
}

/* JSON has no NaN: null stands for a value that should not exist. */
void bki_fmt_json_number(FILE *out, double v)
{
    char buf[BK_FMT_NUM];
    fputs(bki_fmt_number(buf, v) ? buf : "null", out);
}

/* Writes are buffered, so the error of a full disk may only show at the flush. */
bk_status bki_fmt_finish(FILE *out)
{
    if (fflush(out) != 0 || ferror(out))
        return BK_ERR_IO;
    return BK_OK;
}
