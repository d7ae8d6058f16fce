/* summary.c: the summary of a run as JSON (summary.json) and as a short story for people.
 *
 * Per-corridor figures are derived from the daily columns without knowing the model: a column
 * belongs to a corridor when the corridor's id appears in its name as a whole '_'-separated
 * token ("attacks_west", "arrivals_west_tankers"); the metric is the name without that token.
 * Each column is reported by its sum over the days (meaningful for flows such as attacks) and
 * its last, minimum, maximum and mean value (meaningful for levels such as stocks).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model/run.h"
#include "output/format.h"


typedef struct column_stats {
    double sum, last, min, max, mean;
    int n; /* finite values seen */
} column_stats;

static column_stats stats_of(const bk_run *run, int c)
{
    column_stats s = {0.0, 0.0, 0.0, 0.0, 0.0, 0};
    for (int d = 0; d < run->days; d++) {
        double v = run->daily[(size_t)d * (size_t)run->n_cols + (size_t)c];
        if (!isfinite(v))
            continue;
        if (s.n == 0 || v < s.min)
            s.min = v;
        if (s.n == 0 || v > s.max)
            s.max = v;
        s.sum += v;
        s.last = v;
        s.n++;
    }
    s.mean = s.n > 0 ? s.sum / s.n : 0.0;
    return s;
}

/* Position of `tok` in `name` as a whole token (bounded by '_' or the ends), or -1. */
static long token_at(const char *name, const char *tok)
{
    size_t n = strlen(tok);
    if (n == 0)
        return -1;
    for (const char *p = strstr(name, tok); p; p = strstr(p + 1, tok)) {
        bool left = p == name || p[-1] == '_';
        bool right = p[n] == '\0' || p[n] == '_';
        if (left && right)
            return (long)(p - name);
    }
    return -1;
}

/* The corridor a column belongs to (the longest matching id wins, so "west" does not claim the
 * columns of "west_2"), or -1. */
static int column_corridor(const struct bk_scenario *sc, const char *name)
{
    int best = -1;
    size_t best_len = 0;
    for (int k = 0; k < sc->n_corridors; k++) {
        char tok[BK_ID_MAX];
        bki_id_token(sc->corridors[k].id, tok);
        size_t len = strlen(tok);
        if (len > best_len && token_at(name, tok) >= 0) {
            best = k;
            best_len = len;
        }
    }
    return best;
}

/* The column name without the corridor token and its separator. */
static void column_metric(const char *name, const char *corridor_id, char *out, size_t n)
{
    char tok[BK_ID_MAX];
    bki_id_token(corridor_id, tok);
    long at = token_at(name, tok);
    size_t len = strlen(tok);
    if (at < 0) {
        snprintf(out, n, "%s", name);
        return;
    }
    size_t cut_from = (size_t)at, cut_to = (size_t)at + len;
    if (cut_from > 0)
        cut_from--; /* the '_' before */
    else if (name[cut_to] == '_')
        cut_to++; /* the token leads: drop the '_' after */
    snprintf(out, n, "%.*s%s", (int)cut_from, name, name + cut_to);
}

/* Every statistic for every column: whether a column is a flow (sum it) or a level (last, min,
 * max, mean) is not told by its unit ("tankers" may be a fleet or the arrivals of a day), so the
 * reader picks with the column's meaning at hand. */
static void write_stats(FILE *out, const bk_column *col, const column_stats *s)
{
    fputs("{\"unit\": ", out);
    bki_fmt_json_string(out, col->unit);
    static const char *const keys[] = {"sum", "last", "min", "max", "mean"};
    const double values[] = {s->sum, s->last, s->min, s->max, s->mean};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        fprintf(out, ", \"%s\": ", keys[i]);
        bki_fmt_json_number(out, values[i]);
    }
    fputc('}', out);
}

static void json_field_num(FILE *out, const char *indent, const char *key, double v, bool last)
{
    fprintf(out, "%s\"%s\": ", indent, key);
    bki_fmt_json_number(out, v);
    fputs(last ? "\n" : ",\n", out);
}

static void json_field_long(FILE *out, const char *indent, const char *key, long v, bool last)
{
    fprintf(out, "%s\"%s\": %ld%s\n", indent, key, v, last ? "" : ",");
}

static void write_date_or_null(FILE *out, const struct bk_scenario *sc, double day)
{
    if (!isfinite(day) || day < 0) {
        fputs("null", out);
        return;
    }
    char date[11];
    bki_run_date(sc, 24.0 * day, date);
    bki_fmt_json_string(out, date);
}

static void write_totals(FILE *out, const bk_run_totals *t)
{
    const char *in = "    ";
    fputs("  \"totals\": {\n", out);
    json_field_long(out, in, "days", t->days, false);
    json_field_num(out, in, "events", t->events, false);
    json_field_num(out, in, "loaded_l", t->loaded_l, false);
    json_field_num(out, in, "delivered_l", t->delivered_l, false);
    json_field_num(out, in, "burned_l", t->burned_l, false);
    json_field_num(out, in, "captured_l", t->captured_l, false);
    json_field_num(out, in, "in_transit_l", t->in_transit_l, false);
    json_field_num(out, in, "final_stock_l", t->final_stock_l, false);
    json_field_long(out, in, "tankers_start", t->tankers_start, false);
    json_field_long(out, in, "tankers_joined", t->tankers_joined, false);
    json_field_long(out, in, "tankers_destroyed", t->tankers_destroyed, false);
    json_field_long(out, in, "tankers_captured", t->tankers_captured, false);
    json_field_long(out, in, "tankers_active", t->tankers_active, false);
    json_field_long(out, in, "drivers_kidnapped", t->drivers_kidnapped, false);
    json_field_long(out, in, "trips_loaded", t->trips_loaded, false);
    json_field_long(out, in, "deliveries", t->deliveries, false);
    json_field_long(out, in, "attacks_attempted", t->attacks_attempted, false);
    json_field_long(out, in, "attacks_successful", t->attacks_successful, false);
    json_field_long(out, in, "lone_attacks", t->lone_attacks, false);
    json_field_long(out, in, "turned_back", t->turned_back, false);
    json_field_long(out, in, "road_cuts", t->road_cuts, false);
    json_field_long(out, in, "convoys", t->convoys, false);
    json_field_long(out, in, "escort_lost", t->escort_lost, false);
    json_field_num(out, in, "first_attack_day", t->first_attack_day, false);
    json_field_num(out, in, "consumed_l", t->consumed_l, false);
    json_field_num(out, in, "airlifted_l", t->airlifted_l, false);
    json_field_num(out, in, "demand_l", t->demand_l, false);
    json_field_num(out, in, "unmet_l", t->unmet_l, false);
    json_field_num(out, in, "unmet_priority_l", t->unmet_priority_l, false);
    json_field_num(out, in, "first_stockout_day", t->first_stockout_day, false);
    json_field_num(out, in, "first_priority_cut_day", t->first_priority_cut_day, false);
    json_field_long(out, in, "shortage_days", t->shortage_days, false);
    json_field_num(out, in, "blackout_hours", t->blackout_hours, false);
    json_field_num(out, in, "peak_blackout_hours", t->peak_blackout_hours, false);
    json_field_long(out, in, "school_closed_days", t->school_closed_days, false);
    json_field_long(out, in, "pressure_days", t->pressure_days, false);
    json_field_num(out, in, "peak_price_ratio", t->peak_price_ratio, false);
    json_field_num(out, in, "mean_price_ratio", t->mean_price_ratio, false);
    json_field_num(out, in, "peak_queue_hours", t->peak_queue_hours, false);
    json_field_num(out, in, "outside_start_l", t->outside_start_l, false);
    json_field_num(out, in, "outside_end_l", t->outside_end_l, false);
    json_field_num(out, in, "first_school_closure_day", t->first_school_closure_day,
                   !t->modes_used);
    if (t->modes_used) { /* only a scenario with modes or costs: a road-only one's bytes stay */
        static const char *const mode[3] = {"road", "river", "air"};
        char key[48];
        for (int k = 0; k < 3; k++) {
            snprintf(key, sizeof key, "delivered_%s_l", mode[k]);
            json_field_num(out, in, key, t->delivered_mode_l[k], false);
            snprintf(key, sizeof key, "cost_%s", mode[k]);
            json_field_num(out, in, key, t->cost_mode[k], false);
            snprintf(key, sizeof key, "cost_per_l_%s", mode[k]);
            json_field_num(out, in, key,
                           t->delivered_mode_l[k] > 0 ? t->cost_mode[k] / t->delivered_mode_l[k]
                                                      : 0, false);
        }
        json_field_num(out, in, "cost_total", t->cost_total, false);
        json_field_num(out, in, "cost_per_l", t->delivered_l > 0 ? t->cost_total / t->delivered_l
                                                                 : 0, false);
        json_field_long(out, in, "sortie_losses", t->sortie_losses, false);
        json_field_long(out, in, "airfield_attacks", t->airfield_attacks, true);
    }
    fputs("  },\n", out);
}

/* The city side: first stock-out date of each product and litres each sector went without. */
static void write_city(FILE *out, const bk_run *run)
{
    const struct bk_scenario *sc = run->sc;
    fputs("  \"city\": {\n    \"enabled\": ", out);
    fputs(sc->cityside.enabled ? "true" : "false", out);
    fputs(",\n    \"first_stockout\": {", out);
    for (int p = 0; p < sc->n_products; p++) {
        fputs(p > 0 ? ",\n      " : "\n      ", out);
        bki_fmt_json_string(out, sc->products[p].id);
        fputs(": ", out);
        int d = run->first_stockout_day ? run->first_stockout_day[p] : -1;
        write_date_or_null(out, sc, d);
    }
    fputs(sc->n_products > 0 ? "\n    },\n    \"first_priority_cut\": "
                             : "},\n    \"first_priority_cut\": ",
          out);
    write_date_or_null(out, sc, run->totals.first_priority_cut_day);
    fputs(",\n    \"unmet_l\": {", out);
    for (int s = 0; s < sc->cityside.n_sectors; s++) {
        fputs(s > 0 ? ",\n      " : "\n      ", out);
        bki_fmt_json_string(out, sc->cityside.sectors[s].id);
        fputs(": ", out);
        bki_fmt_json_number(out, run->unmet_sector_l ? run->unmet_sector_l[s] : 0);
    }
    fputs(sc->cityside.n_sectors > 0 ? "\n    }\n  },\n" : "}\n  },\n", out);
}

static bool run_is_usable(const bk_run *run, const FILE *out)
{
    if (run == NULL || out == NULL || run->sc == NULL)
        return false;
    if (run->n_cols > 0 && run->days > 0 && (run->daily == NULL || run->cols == NULL))
        return false;
    return !(run->n_log > 0 && run->log == NULL);
}


/* Keys in a fixed order, numbers through bki_fmt_number (non-finite as null), nothing from the
 * clock: the same run gives the same bytes. */
bk_status bk_run_write_summary_json(const bk_run *run, FILE *out)
{
    if (!run_is_usable(run, out))
        return BK_ERR_USAGE;
    const struct bk_scenario *sc = run->sc;
    char hash[65], start[11];
    bk_scenario_hash(sc, hash);
    bki_run_date(sc, 0.0, start);

    fputs("{\n  \"scenario\": ", out);
    bki_fmt_json_string(out, sc->name);
    fputs(",\n  \"scenario_sha256\": ", out);
    bki_fmt_json_string(out, hash);
    fprintf(out, ",\n  \"seed\": %llu,\n  \"replication\": %lu,\n  \"days\": %d,\n",
            (unsigned long long)run->cfg.seed, (unsigned long)run->cfg.replication, run->days);
    fputs("  \"start_date\": ", out);
    bki_fmt_json_string(out, start);
    fputs(",\n  \"end_date\": ", out);
    write_date_or_null(out, sc, run->days > 0 ? run->days - 1.0 : -1.0);
    fputs(",\n  \"first_attack_day\": ", out);
    double fad = run->totals.first_attack_day;
    bki_fmt_json_number(out, isfinite(fad) && fad >= 0 ? fad : -1.0);
    fputs(",\n  \"first_attack_date\": ", out);
    write_date_or_null(out, sc, fad);
    fputs(",\n", out);
    write_totals(out, &run->totals);
    write_city(out, run);

    fputs("  \"columns\": {", out);
    for (int c = 0; c < run->n_cols; c++) {
        column_stats s = stats_of(run, c);
        fputs(c > 0 ? ",\n    " : "\n    ", out);
        bki_fmt_json_string(out, run->cols[c].name);
        fputs(": ", out);
        write_stats(out, &run->cols[c], &s);
    }
    fputs(run->n_cols > 0 ? "\n  },\n" : "},\n", out);

    fputs("  \"corridors\": {", out);
    for (int k = 0; k < sc->n_corridors; k++) {
        const bk_corridor *cor = &sc->corridors[k];
        fputs(k > 0 ? ",\n    " : "\n    ", out);
        bki_fmt_json_string(out, cor->id);
        fputs(": {\n      \"name\": ", out);
        bki_fmt_json_string(out, cor->name);
        fputs(",\n      \"metrics\": {", out);
        int written = 0;
        for (int c = 0; c < run->n_cols; c++) {
            if (column_corridor(sc, run->cols[c].name) != k)
                continue;
            char metric[sizeof run->cols[c].name];
            column_metric(run->cols[c].name, cor->id, metric, sizeof metric);
            column_stats s = stats_of(run, c);
            fputs(written++ > 0 ? ",\n        " : "\n        ", out);
            bki_fmt_json_string(out, metric);
            fputs(": ", out);
            write_stats(out, &run->cols[c], &s);
        }
        fputs(written > 0 ? "\n      }\n    }" : "}\n    }", out);
    }
    fputs(sc->n_corridors > 0 ? "\n  }\n}\n" : "}\n}\n", out);
    return bki_fmt_finish(out);
}

/* Story helpers --------------------------------------------------------------------------- */

static bool metric_is(const char *metric, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(metric, *names) == 0)
            return true;
    return false;
}

static const char *const delivered_names[] = {
    "deliveries", "deliveries_tankers", "delivered_tankers", "arrivals", "arrivals_tankers",
    "unloaded_tankers", NULL};
static const char *const burned_names[] = {"burned", "burned_tankers", "destroyed",
                                           "destroyed_tankers", NULL};
static const char *const captured_names[] = {"captured", "captured_tankers", NULL};
static const char *const attack_names[] = {"attacks", "attacks_attempted", NULL};

/* Sum over the days of the corridor's columns whose metric is one of `names`; false if there is
 * none. */
static bool corridor_sum(const bk_run *run, int k, const char *const *names, long *total)
{
    const struct bk_scenario *sc = run->sc;
    bool found = false;
    double sum = 0.0;
    for (int c = 0; c < run->n_cols; c++) {
        if (column_corridor(sc, run->cols[c].name) != k)
            continue;
        char metric[sizeof run->cols[c].name];
        column_metric(run->cols[c].name, sc->corridors[k].id, metric, sizeof metric);
        if (!metric_is(metric, names))
            continue;
        column_stats s = stats_of(run, c);
        sum += s.sum;
        found = true;
    }
    *total = lround(sum);
    return found;
}

/* The cost line: litres and cost per litre delivered by mode, and in total. */
static void story_cost(FILE *out, const bk_run *run)
{
    const bk_run_totals *t = &run->totals;
    const char *cur = run->sc->cityside.currency[0] ? run->sc->cityside.currency : "currency units";
    static const char *const mode[3] = {"road", "river", "air"};
    char a[BK_FMT_NUM], la[2 * BK_FMT_NUM];
    bki_fmt_thousands(a, lround(t->cost_total));
    fprintf(out, "Cost: %s %s", a, cur);
    if (t->delivered_l > 0)
        fprintf(out, ", %.2f per litre delivered", t->cost_total / t->delivered_l);
    const char *sep = " (";
    for (int k = 0; k < 3; k++) {
        if (!(t->delivered_mode_l[k] > 0) && !(t->cost_mode[k] > 0))
            continue;
        bki_fmt_litres(la, t->delivered_mode_l[k]);
        fprintf(out, "%s%s: %s", sep, mode[k], la);
        if (t->delivered_mode_l[k] > 0)
            fprintf(out, " at %.2f a litre", t->cost_mode[k] / t->delivered_mode_l[k]);
        sep = "; ";
    }
    fputs(sep[0] == ';' ? ").\n" : ".\n", out);
    if (t->sortie_losses > 0 || t->airfield_attacks > 0) {
        char b[BK_FMT_NUM];
        bki_fmt_thousands(a, t->airfield_attacks);
        bki_fmt_thousands(b, t->sortie_losses);
        fprintf(out, "Airfields: %s %s; %s aircraft lost flying under threat.\n", a,
                t->airfield_attacks == 1 ? "attack" : "attacks", b);
    }
}

static void story_corridor(FILE *out, const bk_run *run, int k)
{
    const bk_corridor *cor = &run->sc->corridors[k];
    char num[BK_FMT_NUM];
    long delivered, burned, captured, attacks;
    bool has_d = corridor_sum(run, k, delivered_names, &delivered);
    bool has_b = corridor_sum(run, k, burned_names, &burned);
    bool has_c = corridor_sum(run, k, captured_names, &captured);
    bool has_a = corridor_sum(run, k, attack_names, &attacks);
    fprintf(out, "  %s:", cor->name[0] ? cor->name : cor->id);
    if (!has_d && !has_b && !has_c && !has_a) {
        fputs(" no per-corridor series recorded.\n", out);
        return;
    }
    const char *sep = " ";
    if (has_d) {
        bki_fmt_thousands(num, delivered);
        const char *one, *many;
        bki_corridor_words(run->sc, k, &one, &many);
        fprintf(out, "%s%s %s delivered", sep, num, delivered == 1 ? one : many);
        sep = "; ";
    }
    if (has_b || has_c) {
        long lost = (has_b ? burned : 0) + (has_c ? captured : 0);
        bki_fmt_thousands(num, lost);
        if (lost == 0) {
            fprintf(out, "%snone lost", sep);
        } else {
            fprintf(out, "%s%s lost", sep, num);
            if (has_b && has_c) {
                char nb[BK_FMT_NUM], nc[BK_FMT_NUM];
                bki_fmt_thousands(nb, burned);
                bki_fmt_thousands(nc, captured);
                fprintf(out, " (%s burned, %s captured)", nb, nc);
            }
        }
        sep = "; ";
    }
    if (has_a) {
        bki_fmt_thousands(num, attacks);
        fprintf(out, "%s%s %s", sep, num, attacks == 1 ? "attack" : "attacks");
    }
    fputs(".\n", out);
}

static const bk_log_entry *first_attack(const bk_run *run)
{
    for (int i = 0; i < run->n_log; i++)
        if (run->log[i].kind == BK_LOG_AMBUSH)
            return &run->log[i];
    return NULL;
}

static const char *near_place(const struct bk_scenario *sc, const bk_log_entry *e)
{
    if (e->place >= 0 && e->place < sc->n_places)
        return sc->places[e->place].name;
    if (e->segment >= 0 && e->segment < sc->n_segments) {
        int p = e->frac < 0.5 ? sc->segments[e->segment].from : sc->segments[e->segment].to;
        if (p >= 0 && p < sc->n_places)
            return sc->places[p].name;
    }
    return NULL;
}

/* About ten lines: what happened, with the numbers a reader asks first. */
/* The city's story: what ran short first and when, priority sectors, blackout, prices,
 * schools, queues. Silent when the scenario has no demand sectors. */
static void story_city(FILE *out, const bk_run *run)
{
    const struct bk_scenario *sc = run->sc;
    const bk_run_totals *t = &run->totals;
    if (!sc->cityside.enabled)
        return;
    char date[11], la[2 * BK_FMT_NUM], lb[2 * BK_FMT_NUM];
    int first = -1, firstp = -1;
    for (int p = 0; p < sc->n_products; p++) {
        int d = run->first_stockout_day[p];
        if (d >= 0 && (first < 0 || d < first)) {
            first = d;
            firstp = p;
        }
    }
    if (firstp >= 0) {
        bki_run_date(sc, 24.0 * first, date);
        fprintf(out, "City: %s ran out first, on %s (day %d)", sc->products[firstp].name, date,
                first);
        for (int p = 0; p < sc->n_products; p++) {
            int d = run->first_stockout_day[p];
            if (p == firstp || d < 0)
                continue;
            bki_run_date(sc, 24.0 * d, date);
            fprintf(out, "; %s on %s", sc->products[p].name, date);
        }
        fputs(".\n", out);
    } else {
        fputs("City: no product ran out.\n", out);
    }
    if (t->first_priority_cut_day >= 0) {
        bki_run_date(sc, 24.0 * t->first_priority_cut_day, date);
        fprintf(out, "Priority sectors (hospitals, water, power...) first cut on %s.\n", date);
    } else {
        fputs("Priority sectors were never cut.\n", out);
    }
    bki_fmt_litres(la, t->unmet_l);
    bki_fmt_litres(lb, t->demand_l);
    fprintf(out, "Unmet demand: %s of %s; %ld shortage days.\n", la, lb, t->shortage_days);
    fprintf(out, "Power: worst day %.1f h without electricity, %.1f h a day on average.\n",
            t->peak_blackout_hours, t->days > 0 ? t->blackout_hours / t->days : 0.0);
    fprintf(out, "Informal price: peak %.2f times the official price, mean %.2f; "
                 "queues up to %.1f h.\n",
            t->peak_price_ratio, t->mean_price_ratio, t->peak_queue_hours);
    fprintf(out, "Schools closed %ld %s; pressure above its threshold on %ld %s.\n",
            t->school_closed_days, t->school_closed_days == 1 ? "day" : "days", t->pressure_days,
            t->pressure_days == 1 ? "day" : "days");
    if (t->airlifted_l > 0) {
        bki_fmt_litres(la, t->airlifted_l);
        fprintf(out, "Airlifted: %s.\n", la);
    }
}

bk_status bk_run_write_story(const bk_run *run, FILE *out)
{
    if (!run_is_usable(run, out))
        return BK_ERR_USAGE;
    const struct bk_scenario *sc = run->sc;
    const bk_run_totals *t = &run->totals;
    char date[11], a[BK_FMT_NUM], b[BK_FMT_NUM], c[BK_FMT_NUM], d[BK_FMT_NUM];
    char la[2 * BK_FMT_NUM], lb[2 * BK_FMT_NUM];

    bki_run_date(sc, 0.0, date);
    fprintf(out, "%s, %d days from %s, seed %llu", sc->name[0] ? sc->name : "Unnamed scenario",
            run->days, date, (unsigned long long)run->cfg.seed);
    if (run->cfg.replication > 0)
        fprintf(out, ", replication %lu", (unsigned long)run->cfg.replication);
    fputs(".\n", out);

    const char *one, *many;
    bool road = bki_scenario_words(sc, &one, &many);
    bki_fmt_thousands(a, t->tankers_start);
    bki_fmt_thousands(b, t->tankers_joined);
    bki_fmt_thousands(c, t->tankers_destroyed);
    bki_fmt_thousands(d, t->tankers_captured);
    fprintf(out, "%c%s: %s at the start, %s joined; %s burned, %s captured; ",
            toupper((unsigned char)many[0]), many + 1, a, b, c, d);
    bki_fmt_thousands(a, t->drivers_kidnapped);
    bki_fmt_thousands(b, t->tankers_active);
    fprintf(out, "%s %s kidnapped; %s in service at the end.\n", a,
            road ? (t->drivers_kidnapped == 1 ? "driver" : "drivers")
                 : (t->drivers_kidnapped == 1 ? "crew member" : "crew members"), b);

    if (t->attacks_attempted <= 0) {
        fputs("Attacks: none.\n", out);
    } else {
        bki_fmt_thousands(a, t->attacks_attempted);
        bki_fmt_thousands(b, t->attacks_successful);
        fprintf(out, "Attacks: %s (%s successful)", a, b);
        const bk_log_entry *first = first_attack(run);
        double day = t->first_attack_day;
        if (first && !(isfinite(day) && day >= 0))
            day = floor(first->time_h / 24.0);
        if (isfinite(day) && day >= 0) {
            bki_run_date(sc, 24.0 * day, date);
            fprintf(out, ", first on %s", date);
            const char *near = first ? near_place(sc, first) : NULL;
            if (near)
                fprintf(out, " near %s", near);
        }
        bki_fmt_thousands(a, t->lone_attacks);
        bki_fmt_thousands(b, t->turned_back);
        fprintf(out, "; %s on lone %s, %s turned back.\n", a, many, b);
    }

    bki_fmt_thousands(a, t->trips_loaded);
    fprintf(out, "Left the ports loaded: %s %s.\n", a, t->trips_loaded == 1 ? one : many);
    bki_fmt_thousands(a, t->deliveries);
    bki_fmt_litres(la, t->delivered_l);
    bki_fmt_litres(lb, t->burned_l + t->captured_l);
    fprintf(out, "Deliveries: %s %s, %s; %s lost on the %s.\n", a,
            t->deliveries == 1 ? one : many, la, lb, road ? "road" : "way");
    bki_fmt_litres(la, t->in_transit_l);
    bki_fmt_litres(lb, t->final_stock_l);
    fprintf(out, "At the end: %s in transit, %s in the city's stock.\n", la, lb);

    bki_fmt_thousands(a, t->convoys);
    bki_fmt_thousands(b, t->escort_lost);
    fprintf(out, "Convoys: %s; %s escort %s lost.\n", a, b, t->escort_lost == 1 ? "unit" : "units");
    bki_fmt_thousands(a, t->road_cuts);
    fprintf(out, "Road cuts: %s.\n", a);
    if (t->modes_used)
        story_cost(out, run);

    story_city(out, run);
    if (sc->n_corridors > 0)
        fputs("By corridor:\n", out);
    for (int k = 0; k < sc->n_corridors; k++)
        story_corridor(out, run, k);
    return bki_fmt_finish(out);
}
