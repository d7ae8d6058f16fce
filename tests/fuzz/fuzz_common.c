/* fuzz_common.c: see fuzz_common.h. */
#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockade/blockade.h"

#ifndef BK_TEST_SCENARIO
#error "BK_TEST_SCENARIO must name the two-corridor scenario file"
#endif

const bk_scenario *fuzz_test_scenario(void)
{
    static bk_scenario *sc;
    if (!sc) {
        bk_error err;
        if (bk_scenario_load_file(BK_TEST_SCENARIO, &sc, &err) != BK_OK) {
            fprintf(stderr, "fuzz: %s\n", err.message);
            abort();
        }
    }
    return sc;
}

static char dir[4096];
static char *saved[16];
static size_t saved_len[16];
static const char *const names[] = {"summary.json",      "manifest.json",    "daily.csv",
                                    "events.geojson",    "observed.csv",     "optimise.json",
                                    "optimise.csv",      "vulnerability.csv",
                                    "vulnerability.json"};

/* Small valid files of `blockade optimise` and `vulnerability`, so that the report also reads
 * optimise.csv (only with optimise.json) and vulnerability.json (only with the CSV). */
static const char optimise_json[] =
    "{\"kind\": \"optimise\", \"replications\": 6, \"measure\": \"mean\", \"selection\": "
    "{\"pcs\": 0.95, \"indifference\": 0.01, \"replications\": 60, \"capped\": true}, "
    "\"default\": \"west.escort.units 6\", \"today\": {\"chosen\": \"west.escort.units 5\", "
    "\"improvement\": 0.03, \"ci95\": [-0.02, 0.09]}, \"finalists\": [{\"levers\": "
    "\"west.escort.units 6\", \"harm_today\": 1.15}]}\n";
static const char vulnerability_csv[] =
    "static_rank,element,kind,flow_lost_tankers_per_day,in_min_cut,simulated,sim_rank,"
    "d_first_stockout_day,d_first_stockout_day_lo,d_first_stockout_day_hi,d_unmet_l,d_unmet_l_lo,"
    "d_unmet_l_hi,d_deliveries,d_deliveries_lo,d_deliveries_hi\n"
    "1,west_town-capital,segment,20,0,1,1,-9,-18.9,0.9,19822008.76,19270173.28,20373844.24,-558.5,"
    "-562.9,-554.1\n";

static int write_with(const char *name, bk_status (*fn)(const bk_run *, FILE *), const bk_run *run)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    bk_status st = fn(run, f);
    return fclose(f) == 0 && st == BK_OK ? 0 : -1;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) {
            char *b = realloc(buf, cap ? cap * 2 : 65536);
            if (!b)
                break;
            buf = b;
            cap = cap ? cap * 2 : 65536;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return buf;
}

const char *fuzz_run_dir(void)
{
    if (dir[0])
        return dir;
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/bk-fuzz-XXXXXX", t && t[0] ? t : "/tmp");
    if (!mkdtemp(dir)) {
        dir[0] = '\0';
        return NULL;
    }
    const bk_scenario *sc = fuzz_test_scenario();
    bk_run_config cfg;
    bk_run_config_init(&cfg, sc);
    cfg.days = 10;
    bk_run *run = NULL;
    bk_error err;
    if (bk_sim_run(sc, &cfg, &run, &err) != BK_OK)
        abort();
    char path[4200];
    snprintf(path, sizeof path, "%s/scenario.yaml", dir);
    size_t len = 0;
    const char *text = bk_scenario_text(sc, &len);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0 ||
        write_with("daily.csv", bk_run_write_daily_csv, run) != 0 ||
        write_with("events.geojson", bk_run_write_events_geojson, run) != 0 ||
        write_with("summary.json", bk_run_write_summary_json, run) != 0)
        abort();
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    f = fopen(path, "wb");
    if (!f)
        abort();
    fputs("{\n  \"blockade_version\": \"0\",\n  \"files\": [\"daily.csv\"]\n}\n", f);
    fclose(f);
    static const struct {
        const char *name, *text;
    } extra[] = {{"optimise.json", optimise_json}, {"vulnerability.csv", vulnerability_csv}};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, extra[i].name);
        f = fopen(path, "wb");
        if (!f || fputs(extra[i].text, f) < 0 || fclose(f) != 0)
            abort();
    }
    bk_run_free(run);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        saved[i] = slurp(path, &saved_len[i]);
    }
    return dir;
}

void fuzz_restore_run_dir(const char *name)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(names[i], name) != 0)
            continue;
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        if (!saved[i]) {
            remove(path);
            return;
        }
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(saved[i], 1, saved_len[i], f);
            fclose(f);
        }
    }
}
