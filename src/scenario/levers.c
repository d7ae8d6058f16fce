/* levers.c: the settable keys of a loaded scenario ("levers") as JSON, generated from the schema
 * table, for front ends that let people change a scenario without writing YAML (blockade serve).
 *
 * Every scalar row of the table (number, whole number, boolean, enumeration; product maps and
 * ranges element by element, dates as YYYY-MM-DD within the horizon) is listed once per
 * concrete path that bk_scenario_set accepts: a row under a list is listed for each item, named
 * by its id. Rows nested in two lists, strings, references and the rows that describe the world
 * rather than a choice (bk_key.fact: coordinates, kinds of place, physical constants) are not
 * levers. */
#include <stdint.h>
#include <string.h>

#include "blockade/scenario.h"
#include "engine/date.h"
#include "output/format.h"
#include "scenario/scenario.h"
#include "scenario/schema.h"

static const char *type_word(enum bk_key_type t)
{
    switch (t) {
    case BK_KT_INT:
    case BK_KT_INT_D: return "integer";
    case BK_KT_BOOL: return "boolean";
    case BK_KT_ENUM: return "enum";
    case BK_KT_DATE: return "date";
    default: return "number";
    }
}

static void put_lever(FILE *out, bool *first, const bk_key *r, const char *path, double value,
                      int enum_value, const bk_scenario *sc)
{
    fputs(*first ? "\n" : ",\n", out);
    *first = false;
    fputs("{\"path\":", out);
    bki_fmt_json_string(out, path);
    fprintf(out, ",\"key\":");
    bki_fmt_json_string(out, r->path);
    fprintf(out, ",\"type\":\"%s\",\"value\":", r->type == BK_KT_PMAP || r->type == BK_KT_RANGE
                                                     ? "number" : type_word(r->type));
    long start = bki_days_from_civil(sc->start_year, sc->start_month, sc->start_day);
    if (r->type == BK_KT_DATE) {
        char d[11];
        if (value < 0) {   /* not set: the section is absent or the date left out */
            fputs("null", out);
        } else {
            bki_date_at_hour(start, value, d);
            bki_fmt_json_string(out, d);
        }
        char lo[11], hi[11];
        bki_date_write(start, lo);
        bki_date_write(start + sc->days - 1, hi);
        fprintf(out, ",\"min\":\"%s\",\"min_inclusive\":true,\"max\":\"%s\",\"max_inclusive\":true,"
                     "\"bounds\":\"from %s to %s\"", lo, hi, lo, hi);
    } else if (r->type == BK_KT_BOOL)
        fputs(value != 0 ? "true" : "false", out);
    else if (r->type == BK_KT_ENUM)
        bki_fmt_json_string(out, r->words[enum_value]);
    else
        bki_fmt_json_number(out, value);
    if (r->type == BK_KT_ENUM) {
        fputs(",\"words\":[", out);
        for (int i = 0; r->words[i]; i++) {
            if (i)
                fputc(',', out);
            bki_fmt_json_string(out, r->words[i]);
        }
        fputc(']', out);
    } else if (r->type != BK_KT_BOOL && r->type != BK_KT_DATE) {
        if (r->lo_op) {
            fputs(",\"min\":", out);
            bki_fmt_json_number(out, r->lo);
            fprintf(out, ",\"min_inclusive\":%s", r->lo_op == 'G' ? "true" : "false");
        }
        if (r->hi_op) {
            fputs(",\"max\":", out);
            bki_fmt_json_number(out, r->hi);
            fprintf(out, ",\"max_inclusive\":%s", r->hi_op == 'L' ? "true" : "false");
        }
        char bounds[128];
        bki_schema_bounds_text(r, bounds, sizeof bounds);
        fputs(",\"bounds\":", out);
        bki_fmt_json_string(out, bounds);
    }
    fputs(",\"unit\":", out);
    bki_fmt_json_string(out, r->unit ? r->unit : "");
    fputs(",\"submodel\":", out);
    bki_fmt_json_string(out, r->submodel ? r->submodel : "");
    fputs(",\"description\":", out);
    bki_fmt_json_string(out, r->desc ? r->desc : "");
    fputc('}', out);
}

/* The row's value(s) in the struct at `base`, under the concrete path `path`. */
static void put_row(FILE *out, bool *first, const bk_scenario *sc, const bk_key *r, char *base,
                    const char *path)
{
    char p[512];
    switch (r->type) {
    case BK_KT_NUM:
    case BK_KT_INT_D:
    case BK_KT_DATE:
        put_lever(out, first, r, path, *(double *)(void *)(base + r->off), 0, sc);
        break;
    case BK_KT_INT:
        put_lever(out, first, r, path, *(int *)(void *)(base + r->off), 0, sc);
        break;
    case BK_KT_BOOL:
        put_lever(out, first, r, path, *(bool *)(void *)(base + r->off) ? 1 : 0, 0, sc);
        break;
    case BK_KT_ENUM:
        put_lever(out, first, r, path, 0, *(int *)(void *)(base + r->off), sc);
        break;
    case BK_KT_RANGE:
        snprintf(p, sizeof p, "%s.min", path);
        put_lever(out, first, r, p, *(double *)(void *)(base + r->off), 0, sc);
        snprintf(p, sizeof p, "%s.max", path);
        put_lever(out, first, r, p, *(double *)(void *)(base + r->off2), 0, sc);
        break;
    case BK_KT_PMAP: {
        const double *v = *(double *const *)(void *)(base + r->off);
        for (int k = 0; v && k < sc->n_products; k++) {
            snprintf(p, sizeof p, "%s.%s", path, sc->products[k].id);
            put_lever(out, first, r, p, v[k], 0, sc);
        }
        break;
    }
    default:
        break;
    }
}

/* Contract in blockade/scenario.h. */
bk_status bk_scenario_write_levers_json(const bk_scenario *sc, FILE *out)
{
    if (sc == NULL || out == NULL)
        return BK_ERR_USAGE;
    bk_scenario *msc = (bk_scenario *)(uintptr_t)sc;   /* bki_schema_list only reads here */
    bool first = true;
    fputc('[', out);
    for (int i = 0; i < bki_schema_len; i++) {
        const bk_key *r = &bki_schema[i];
        if (r->type != BK_KT_NUM && r->type != BK_KT_INT && r->type != BK_KT_INT_D &&
            r->type != BK_KT_BOOL && r->type != BK_KT_ENUM && r->type != BK_KT_RANGE &&
            r->type != BK_KT_PMAP && r->type != BK_KT_DATE)
            continue;
        if (r->fact)
            continue;   /* a fact of the world, not a planner's choice */
        const char *br = strstr(r->path, "[]");
        if (br == NULL) {
            put_row(out, &first, sc, r, (char *)msc, r->path);
            continue;
        }
        if (strstr(br + 2, "[]"))
            continue;   /* nested lists: not addressable by one id */
        char list[256];
        size_t n = (size_t)(br - r->path);
        if (n >= sizeof list)
            continue;
        memcpy(list, r->path, n);
        list[n] = '\0';
        char *arr;
        int count;
        size_t size;
        if (!bki_schema_list(msc, list, &arr, &count, &size))
            continue;
        for (int k = 0; k < count; k++) {
            char *item = arr + (size_t)k * size;   /* every item struct starts with its id */
            char path[512];
            snprintf(path, sizeof path, "%s.%s%s", list, item, br + 2);
            put_row(out, &first, sc, r, item, path);
        }
    }
    fputs("\n]\n", out);
    return bki_fmt_finish(out);
}
