/* ens_rows.c: the per-replication values of an ensemble: every whole-run metric, the main
 * series' totals per month or week, and the totals and peaks of user windows. They make
 * replications.csv and the exact quantiles of summary.json; merging is concatenation, and
 * writers order rows by replication number, so any split gives the same bytes
 * (docs/ensemble.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "analysis/ensemble/ens.h"
#include "analysis/ensemble/metrics.h"
#include "model/run.h"
#include "output/format.h"

/* The main series: daily flows worth a total per period and per window. A series whose daily
 * column the run does not have is left out. `closed`: days with schools_open < 0.5. */
static const struct {
    const char *col, *name;
    bool closed;
} main_series[] = {
    {"delivered_l", "delivered_l", false},
    {"deliveries", "deliveries", false},
    {"destroyed", "destroyed", false},
    {"attacks", "attacks", false},
    {"airlift_l", "airlift_l", false},
    {"blackout_hours", "blackout_hours", false},
    {"schools_open", "school_closed_days", true},
    /* modes and cost (docs/model/modes.md): only in a scenario that uses them */
    {"delivered_road_l", "delivered_road_l", false},
    {"delivered_river_l", "delivered_river_l", false},
    {"delivered_air_l", "delivered_air_l", false},
    {"cost_road", "cost_road", false},
    {"cost_river", "cost_river", false},
    {"cost_air", "cost_air", false},
    {"cost", "cost", false},
};
#define N_SERIES ((int)(sizeof main_series / sizeof main_series[0]))

static long start_dn(const bk_ensemble *e)
{
    return bki_days_from_civil(e->start_y, e->start_m, e->start_d);
}

/* A date "YYYY-MM-DD" that exists, as a day number; false otherwise. */
static bool parse_date(const char *s, size_t len, long *dn)
{
    if (len != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (size_t i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = atoi(s), m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    long n = bki_days_from_civil(y, m, d);
    int yy, mm, dd;
    bki_civil_from_days(n, &yy, &mm, &dd);
    if (yy != y || mm != m || dd != d) /* 2025-02-30 */
        return false;
    *dn = n;
    return true;
}

/* Contract in ens.h. */
void bki_ens_window_label(const bk_ensemble *e, int w, char buf[32])
{
    char a[11], b[11];
    bki_ens_date(e, e->windows[w].first, a);
    bki_ens_date(e, e->windows[w].last, b);
    snprintf(buf, 32, "%s..%s", a, b);
}

/* Contract in ens.h. */
bk_status bki_ens_windows_parse(bk_ensemble *e, const char *const *text, int n, bk_error *err)
{
    if (n < 0 || n > BK_ENSEMBLE_MAX_WINDOWS)
        return bki_fail(err, BK_ERR_USAGE, "ensemble: at most %d windows",
                        BK_ENSEMBLE_MAX_WINDOWS);
    if (n == 0)
        return BK_OK;
    if (!text)
        return bki_fail(err, BK_ERR_USAGE, "ensemble: %d windows but no list of them", n);
    e->windows = bki_calloc((size_t)n, sizeof *e->windows);
    if (!e->windows)
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    char first[11], last[11];
    bki_ens_date(e, 0, first);
    bki_ens_date(e, e->days - 1, last);
    for (int w = 0; w < n; w++) {
        const char *s = text[w] ? text[w] : "";
        const char *dots = strstr(s, "..");
        long a = 0, b = 0;
        if (!dots)
            return bki_fail(err, BK_ERR_USAGE,
                            "window '%s': expected FIRST..LAST, e.g. 2025-10-01..2025-10-31", s);
        if (!parse_date(s, (size_t)(dots - s), &a))
            return bki_fail(err, BK_ERR_USAGE,
                            "window '%s': '%.*s' is not a date YYYY-MM-DD", s,
                            (int)(dots - s), s);
        if (!parse_date(dots + 2, strlen(dots + 2), &b))
            return bki_fail(err, BK_ERR_USAGE, "window '%s': '%s' is not a date YYYY-MM-DD", s,
                            dots + 2);
        if (b < a)
            return bki_fail(err, BK_ERR_USAGE, "window '%s': it ends before it starts", s);
        long lo = a - start_dn(e), hi = b - start_dn(e);
        if (lo < 0 || hi >= e->days)
            return bki_fail(err, BK_ERR_USAGE,
                            "window '%s': outside the horizon %s..%s", s, first, last);
        for (int k = 0; k < w; k++)
            if (e->windows[k].first == lo && e->windows[k].last == hi)
                return bki_fail(err, BK_ERR_USAGE, "window '%s' is given twice", s);
        e->windows[w].first = (int)lo;
        e->windows[w].last = (int)hi;
        e->n_windows = w + 1;
    }
    return BK_OK;
}

/* Label of the period of day number dn: "2025_10", or the ISO week "2025_w40". */
static void period_label(int period, long dn, char buf[16])
{
    int y, m, d;
    char tmp[48];
    if (period == BK_ENSEMBLE_PERIOD_WEEK) {
        long wd = ((dn + 3) % 7 + 7) % 7; /* 0 = Monday; day 0 (1970-01-01) was a Thursday */
        long thu = dn - wd + 3;           /* the ISO year is the Thursday's */
        bki_civil_from_days(thu, &y, &m, &d);
        long week = (thu - bki_days_from_civil(y, 1, 1)) / 7 + 1;
        snprintf(tmp, sizeof tmp, "%04d_w%02ld", y, week);
    } else {
        bki_civil_from_days(dn, &y, &m, &d);
        snprintf(tmp, sizeof tmp, "%04d_%02d", y, m);
    }
    memcpy(buf, tmp, 15);
    buf[15] = '\0';
}

static bk_ens_rcol *push(bk_ens_rcol **cols, int *n, int *cap)
{
    if (*n == *cap) {
        bk_ens_rcol *p = bki_grow(*cols, sizeof *p, cap, 64);
        if (!p)
            return NULL;
        *cols = p;
    }
    bk_ens_rcol *r = &(*cols)[(*n)++];
    memset(r, 0, sizeof *r);
    r->total = -1;
    r->window = -1;
    r->series = -1;
    return r;
}

/* Contract in ens.h. */
bool bki_ens_rows_layout(bk_ensemble *e)
{
    bki_ens_rows_release(&e->rows);
    bki_free(e->rcols);
    e->rcols = NULL;
    e->n_rcols = 0;
    bk_ens_rcol *cols = NULL;
    int n = 0, cap = 0;
    for (int i = 0; i < bki_n_total_metrics; i++) {
        bk_ens_rcol *r = push(&cols, &n, &cap);
        if (!r)
            goto oom;
        snprintf(r->name, sizeof r->name, "%s", bki_total_metrics[i].name);
        snprintf(r->unit, sizeof r->unit, "%s", bki_total_metrics[i].unit);
        r->total = i;
    }
    int col[N_SERIES];
    for (int s = 0; s < N_SERIES; s++) {
        col[s] = -1;
        for (int c = 0; c < e->n_cols; c++)
            if (strcmp(e->cols[c].name, main_series[s].col) == 0)
                col[s] = c;
    }
    long dn0 = start_dn(e);
    for (int s = 0; s < N_SERIES; s++) {
        if (col[s] < 0)
            continue;
        const char *unit = main_series[s].closed ? "days" : e->cols[col[s]].unit;
        for (int a = 0; a < e->days;) {
            char lab[16], next[16];
            period_label(e->period, dn0 + a, lab);
            int b = a;
            while (b + 1 < e->days) {
                period_label(e->period, dn0 + b + 1, next);
                if (strcmp(next, lab) != 0)
                    break;
                b++;
            }
            bk_ens_rcol *r = push(&cols, &n, &cap);
            if (!r)
                goto oom;
            snprintf(r->name, sizeof r->name, "%s_%s", main_series[s].name, lab);
            snprintf(r->unit, sizeof r->unit, "%s", unit);
            r->col = col[s];
            r->closed = main_series[s].closed;
            r->a = a;
            r->b = b;
            r->series = s;
            a = b + 1;
        }
    }
    for (int w = 0; w < e->n_windows; w++) {
        char fa[11], fb[11];
        bki_ens_date(e, e->windows[w].first, fa);
        bki_ens_date(e, e->windows[w].last, fb);
        for (size_t k = 0; k < 10; k++) {
            fa[k] = fa[k] == '-' ? '_' : fa[k];
            fb[k] = fb[k] == '-' ? '_' : fb[k];
        }
        for (int s = 0; s < N_SERIES; s++) {
            if (col[s] < 0)
                continue;
            for (int pk = 0; pk < 2; pk++) {
                bk_ens_rcol *r = push(&cols, &n, &cap);
                if (!r)
                    goto oom;
                snprintf(r->name, sizeof r->name, "%s_%s_%s_%s", main_series[s].name, fa, fb,
                         pk ? "peak" : "total");
                snprintf(r->unit, sizeof r->unit, "%s",
                         main_series[s].closed ? (pk ? "0/1" : "days") : e->cols[col[s]].unit);
                r->col = col[s];
                r->closed = main_series[s].closed;
                r->peak = pk == 1;
                r->a = e->windows[w].first;
                r->b = e->windows[w].last;
                r->window = w;
                r->series = s;
            }
        }
    }
    e->rcols = cols;
    e->n_rcols = n;
    e->rows.n_vals = n;
    return true;
oom:
    bki_free(cols);
    return false;
}

/* Room for `cap` rows; false when out of memory (the rows are kept as they were). */
static bool reserve(bk_ens_rows *r, uint64_t cap)
{
    uint64_t *rp = bki_realloc(r->rep, (size_t)cap * sizeof *rp);
    if (!rp)
        return false;
    r->rep = rp;
    double *v = bki_realloc(r->val, (size_t)cap * (size_t)r->n_vals * sizeof *v);
    if (!v)
        return false;
    r->val = v;
    r->cap = cap;
    return true;
}

/* Contract in ens.h. */
bool bki_ens_rows_add(bk_ensemble *e, uint64_t rep, const bk_run *run)
{
    bk_ens_rows *r = &e->rows;
    if (r->n == r->cap && !reserve(r, r->cap ? r->cap + r->cap / 2 : 256))
        return false;
    double *v = r->val + (size_t)r->n * (size_t)r->n_vals;
    bk_run_totals t;
    bk_run_get_totals(run, &t);
    size_t nc = (size_t)run->n_cols;
    for (int k = 0; k < e->n_rcols; k++) {
        const bk_ens_rcol *c = &e->rcols[k];
        if (c->total >= 0) {
            v[k] = bki_total_value(&t, c->total, e->days);
            continue;
        }
        double acc = 0.0;
        for (int d = c->a; d <= c->b; d++) {
            double x = run->daily[(size_t)d * nc + (size_t)c->col];
            if (c->closed)
                x = x < 0.5 ? 1.0 : 0.0;
            if (c->peak)
                acc = d == c->a || x > acc ? x : acc;
            else
                acc += x; /* in day order: the same sum wherever the run was made */
        }
        v[k] = acc + 0.0;
    }
    r->rep[r->n++] = rep;
    return true;
}

/* Contract in ens.h. */
bool bki_ens_rows_merge(bk_ens_rows *dst, const bk_ens_rows *src)
{
    if (src->n == 0)
        return true;
    uint64_t need = dst->n + src->n;
    if (need > dst->cap && !reserve(dst, need))
        return false;
    memcpy(dst->rep + dst->n, src->rep, (size_t)src->n * sizeof *src->rep);
    memcpy(dst->val + (size_t)dst->n * (size_t)dst->n_vals, src->val,
           (size_t)src->n * (size_t)src->n_vals * sizeof *src->val);
    dst->n = need;
    return true;
}

/* Contract in ens.h. */
void bki_ens_rows_release(bk_ens_rows *r)
{
    bki_free(r->rep);
    bki_free(r->val);
    r->rep = NULL;
    r->val = NULL;
    r->n = r->cap = 0;
}

typedef struct rep_idx {
    uint64_t rep, idx;
} rep_idx;

static int cmp_rep(const void *a, const void *b)
{
    uint64_t x = ((const rep_idx *)a)->rep, y = ((const rep_idx *)b)->rep;
    return (x > y) - (x < y);
}

/* Contract in ens.h. Replication numbers are distinct, so the order is total. */
uint64_t *bki_ens_rows_order(const bk_ens_rows *r)
{
    if (r->n == 0)
        return NULL;
    uint64_t *o = bki_malloc((size_t)r->n * sizeof *o);
    if (!o)
        return NULL;
    bool sorted = true;
    for (uint64_t i = 0; i < r->n; i++) {
        o[i] = i;
        sorted = sorted && (i == 0 || r->rep[i] > r->rep[i - 1]);
    }
    if (sorted)
        return o;
    rep_idx *t = bki_malloc((size_t)r->n * sizeof *t);
    if (!t) {
        bki_free(o);
        return NULL;
    }
    for (uint64_t i = 0; i < r->n; i++) {
        t[i].rep = r->rep[i];
        t[i].idx = i;
    }
    qsort(t, (size_t)r->n, sizeof *t, cmp_rep);
    for (uint64_t i = 0; i < r->n; i++)
        o[i] = t[i].idx;
    bki_free(t);
    return o;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Contract in ens.h. */
bool bki_ens_rows_stat(const bk_ens_rows *r, int v, double *mean, double q[5])
{
    *mean = 0.0;
    for (int k = 0; k < 5; k++)
        q[k] = 0.0;
    if (r->n == 0)
        return true;
    double *x = bki_malloc((size_t)r->n * sizeof *x);
    if (!x)
        return false;
    bk_i128 sum = 0;
    for (uint64_t i = 0; i < r->n; i++) {
        x[i] = r->val[(size_t)i * (size_t)r->n_vals + (size_t)v];
        sum += bki_fix(x[i]); /* integer sum: the same in any order */
    }
    qsort(x, (size_t)r->n, sizeof *x, cmp_double);
    *mean = x[0] == x[r->n - 1] ? x[0] : bki_fix_mean(sum, r->n); /* a constant is its mean */
    for (int k = 0; k < 5; k++)
        q[k] = x[(uint64_t)floor(bki_ens_levels[k] * (double)(r->n - 1))];
    bki_free(x);
    return true;
}

/* Contract in ens.h. Layout: number of values per row (u32), rows (u64); then per row, by
 * replication number, the replication (u64) and its values (f64 each). */
void bki_ens_rows_write(const bk_ensemble *e, bk_bytes *b)
{
    const bk_ens_rows *r = &e->rows;
    bki_bytes_u32(b, (uint32_t)e->n_rcols);
    bki_bytes_u64(b, r->n);
    if (r->n == 0)
        return;
    uint64_t *o = bki_ens_rows_order(r);
    if (!o) {
        b->failed = true;
        return;
    }
    for (uint64_t i = 0; i < r->n; i++) {
        bki_bytes_u64(b, r->rep[o[i]]);
        const double *v = r->val + (size_t)o[i] * (size_t)r->n_vals;
        for (int k = 0; k < r->n_vals; k++)
            bki_bytes_f64(b, v[k]);
    }
    bki_free(o);
}

/* Contract in ens.h. */
bool bki_ens_rows_read(bk_ensemble *e, bk_reader *in)
{
    bk_ens_rows *r = &e->rows;
    uint32_t nv = bki_reader_u32(in);
    uint64_t n = bki_reader_u64(in);
    if (in->failed || nv != (uint32_t)e->n_rcols || n != e->acc.n || n > e->n_reps)
        return false;
    if (n == 0)
        return true;
    /* every row is at least 8 bytes per value plus its number: check before allocating */
    if ((in->len - in->pos) / (8u * ((uint64_t)nv + 1)) < n)
        return false;
    r->rep = bki_malloc((size_t)n * sizeof *r->rep);
    r->val = bki_malloc((size_t)n * (size_t)(nv ? nv : 1) * sizeof *r->val);
    if (!r->rep || !r->val)
        return false;
    r->cap = n;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t rep = bki_reader_u64(in);
        if (in->failed || rep >= e->n_reps || (i > 0 && rep <= r->rep[i - 1]))
            return false;
        r->rep[i] = rep;
        for (uint32_t k = 0; k < nv; k++)
            r->val[(size_t)i * nv + k] = bki_reader_f64(in);
        r->n = i + 1;
    }
    return !in->failed;
}
