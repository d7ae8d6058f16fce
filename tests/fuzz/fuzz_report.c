/* fuzz_report.c: the report's readers (its JSON reader for summary.json and manifest.json, and
 * its CSV readers for daily.csv, bands.csv, curves.csv, compare.csv and an observed-events
 * file; the checked JSON and typed CSV of optimise.json, optimise.csv, vulnerability.csv and
 * vulnerability.json). The first byte picks the file the input replaces in a valid run directory
 * made once at start-up; the report is written to /dev/null. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blockade/blockade.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The first five keep their first byte of the seed corpus; observed.csv is given with
 * --observed. */
static const char *const files[] = {"summary.json",      "manifest.json",    "daily.csv",
                                    "events.geojson",    "observed.csv",     "optimise.json",
                                    "optimise.csv",      "vulnerability.csv",
                                    "vulnerability.json"};
#define N_FILES (sizeof files / sizeof files[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = fuzz_run_dir();
    if (!dir || size < 1)
        return 0;
    size_t k = data[0] % N_FILES;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, files[k]);
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data + 1, 1, size - 1, f);
    fclose(f);
    bk_report_config cfg;
    bk_report_config_init(&cfg);
    char obs[4096];
    snprintf(obs, sizeof obs, "%s/observed.csv", dir);
    if (strcmp(files[k], "observed.csv") == 0)
        cfg.observed_path = obs;
    FILE *out = fopen("/dev/null", "w");
    bk_error err;
    if (out) {
        bk_report_write(dir, &cfg, out, &err);
        fclose(out);
    }
    fuzz_restore_run_dir(files[k]);
    return 0;
}
