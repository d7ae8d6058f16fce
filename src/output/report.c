/* report.c: the self-contained HTML report (see blockade/report.h).
 *
 * The directory is one written by `blockade run`, `ensemble`, `compare`, `optimise` or
 * `vulnerability` (with --out). Two phases. First every input of the directory is read, checked
 * and turned into one JSON text in memory (the page's data); a bad input stops here, before
 * anything reaches the caller's stream. Then the page is written: the inlined libraries and style
 * sheets (embedded at build time from the npm packages pinned by web/package-lock.json, see
 * src/CMakeLists.txt), the data, and web/report.js with report_map.js and report_decide.js,
 * which draw the charts, the map and the sections in the browser.
 *
 * CSV files are read with the streamed reader of engine/csv.h (libcsv), JSON files with libfyaml
 * (its JSON mode). Numbers from the inputs are copied into the page as the text they were written
 * with, after checking that the text is a JSON number, so nothing depends on the process locale
 * and nothing is rounded twice.
 * Every '<' inside the page's JSON is written \u003c, so no data can close its <script> element.
 */
#include "engine/alloc.h"
#include "blockade/report.h"

#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "blockade/blockade.h"
#include "engine/status_internal.h"
#include "model/run.h"
#include "output/format.h"
#include "output/report_internal.h"
#include "output/web_assets.h"
#include "scenario/scenario.h"
#include "engine/yaml.h"

/* An embedded asset as (text, length) arguments. */
#define ASSET(sym) (const char *)(sym), sym##_len

/* ---- putting it together -------------------------------------------------------------------- */

/* The files of an output directory the report reads: their names, in the order of the enum. */
enum input_file { IN_DAILY, IN_BANDS, IN_CURVES, IN_COMPARE, IN_EVENTS, IN_SUMMARY, IN_MANIFEST,
                  IN_SCENARIO, IN_COMPARE_JSON, IN_OPTIMISE_JSON, IN_OPTIMISE_CSV, IN_VULN_CSV,
                  IN_VULN_JSON, N_INPUTS };
static const char *const input_names[N_INPUTS] = {
    "daily.csv", "bands.csv", "curves.csv", "compare.csv", "events.geojson", "summary.json",
    "manifest.json", "scenario.yaml", "compare.json", "optimise.json", "optimise.csv",
    "vulnerability.csv", "vulnerability.json"};

typedef struct inputs {
    const char *dir;
    char *path[N_INPUTS];   /* the path of each file the directory holds, else NULL */
} inputs;

static void inputs_free(inputs *in)
{
    for (int i = 0; i < N_INPUTS; i++)
        bki_free(in->path[i]);
}

/* The path of `name` in the directory if that file exists, else NULL; *nomem on failure. */
static char *present(const char *dir, const char *name, bool *nomem)
{
    char *p = rp_join_path(dir, name);
    if (p == NULL) {
        *nomem = true;
        return NULL;
    }
    if (!rp_is_file(p)) {
        bki_free(p);
        return NULL;
    }
    return p;
}

/* Pass a whole JSON file through as the value of `key`. */
static bk_status put_json_file(FILE *f, const char *key, const char *path, bk_error *err)
{
    json_doc j;
    bk_status st = rp_json_read(path, &j, err);
    if (st != BK_OK)
        return st;
    fprintf(f, ",\"%s\":", key);
    st = rp_put_json_doc(f, &j, path, err);
    rp_json_free(&j);
    return st;
}

/* Build the page's data as one JSON text. */
static bk_status build_data(const inputs *in, const bk_report_config *cfg, FILE *f,
                            char name[BK_NAME_MAX], bk_error *err)
{
    bk_status st = BK_OK;
    char *const *p = in->path;
    const char *kind = p[IN_COMPARE]         ? "compare"
                       : p[IN_BANDS]         ? "ensemble"
                       : p[IN_DAILY]         ? "run"
                       : p[IN_OPTIMISE_JSON] ? "optimise"
                                             : "vulnerability";
    fputs("{\"kind\":", f);
    rp_put_jstr(f, kind);
    fputs(",\"version\":", f);
    rp_put_jstr(f, bk_version());
    fputs(",\"title\":", f);
    rp_put_jstr(f, cfg->title);
    if (p[IN_SCENARIO]) {
        bk_scenario *sc = NULL;
        if ((st = bk_scenario_load_file(p[IN_SCENARIO], &sc, err)) != BK_OK)
            return st;
        rp_put_scenario(f, sc);
        snprintf(name, BK_NAME_MAX, "%s", sc->name);
        bk_scenario_free(sc);
    }
    bool have_dates = false;
    if (p[IN_DAILY]) {
        if ((st = rp_put_daily(f, p[IN_DAILY], err)) != BK_OK)
            return st;
        have_dates = true;
    }
    if (p[IN_BANDS]) {
        if ((st = rp_put_bands(f, p[IN_BANDS], !have_dates, err)) != BK_OK)
            return st;
        have_dates = true;
    }
    if (p[IN_CURVES] && (st = rp_put_curves(f, p[IN_CURVES], !have_dates, err)) != BK_OK)
        return st;
    if (p[IN_COMPARE] && (st = rp_put_compare(f, p[IN_COMPARE], err)) != BK_OK)
        return st;
    if (p[IN_OPTIMISE_JSON]
        && (st = rp_put_optimise(f, p[IN_OPTIMISE_JSON], p[IN_OPTIMISE_CSV], err)) != BK_OK)
        return st;
    if (p[IN_VULN_CSV]
        && (st = rp_put_vulnerability(f, p[IN_VULN_CSV], p[IN_VULN_JSON], err)) != BK_OK)
        return st;
    if (p[IN_EVENTS] && (st = rp_put_events(f, p[IN_EVENTS], err)) != BK_OK)
        return st;
    if (cfg->observed_path) {
        if (!rp_is_file(cfg->observed_path))
            return bki_fail(err, BK_ERR_IO, "observed events file '%s' does not exist or is not "
                                           "a file", cfg->observed_path);
        if ((st = rp_put_observed(f, cfg->observed_path, err)) != BK_OK)
            return st;
    }
    if (p[IN_SUMMARY] && (st = put_json_file(f, "summary", p[IN_SUMMARY], err)) != BK_OK)
        return st;
    if (p[IN_MANIFEST] && (st = put_json_file(f, "manifest", p[IN_MANIFEST], err)) != BK_OK)
        return st;
    /* a comparison's scenario, run count and policies (names and descriptions, as text) */
    if (p[IN_COMPARE] && p[IN_COMPARE_JSON]
        && (st = put_json_file(f, "comparison", p[IN_COMPARE_JSON], err)) != BK_OK)
        return st;
    fputc('}', f);
    return BK_OK;
}

/* Text for HTML element content and attribute values. */
static void put_html(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* True when text[0..len) holds `closer` in any letter case: an embedded asset that would end its
 * <script> or <style> element early. */
static bool holds_closer(const char *text, size_t len, const char *closer)
{
    size_t n = strlen(closer);
    for (size_t i = 0; i + n <= len; i++) {
        size_t k = 0;
        while (k < n) {
            char c = text[i + k];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (c != closer[k])
                break;
            k++;
        }
        if (k == n)
            return true;
    }
    return false;
}

static void put_element(FILE *f, const char *open, const char *text, size_t len,
                        const char *close)
{
    fputs(open, f);
    fwrite(text, 1, len, f);
    fputs(close, f);
    fputc('\n', f);
}

/* The page. `data` is the JSON from build_data, already safe inside <script>. */
static void write_page(FILE *f, const char *title, const char *data, size_t data_len)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          /* The page works offline and must stay so: nothing may be fetched. */
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"generator\" content=\"blockade ",
          f);
    put_html(f, bk_version());
    fputs("\">\n<title>", f);
    put_html(f, title);
    fputs("</title>\n", f);
    put_element(f, "<style>\n", ASSET(bki_web_uplot_css), "\n</style>");
    put_element(f, "<style>\n", ASSET(bki_web_report_css), "\n</style>");
    fputs("</head>\n<body>\n<header class=\"bk-header\"><h1 id=\"bk-title\">", f);
    put_html(f, title);
    fputs("</h1><p id=\"bk-subtitle\" class=\"bk-subtitle\"></p></header>\n"
          "<main id=\"bk-report\"><noscript><p>This report draws its charts and map with "
          "JavaScript, which is turned off in this browser.</p></noscript></main>\n",
          f);
    put_element(f, "<script type=\"application/json\" id=\"bk-data\">", data, data_len,
                "</script>");
    fputs("<script type=\"application/json\" id=\"bk-world\">", f);
    for (size_t i = 0; i < bki_web_countries_json_len; i++) {
        if (bki_web_countries_json[i] == '<')
            fputs("\\u003c", f);
        else
            fputc(bki_web_countries_json[i], f);
    }
    fputs("</script>\n", f);
    put_element(f, "<script>\n", ASSET(bki_web_uplot_js), "\n</script>");
    put_element(f, "<script>\n", ASSET(bki_web_d3_array_js), "\n</script>");
    put_element(f, "<script>\n", ASSET(bki_web_d3_geo_js), "\n</script>");
    put_element(f, "<script>\n", ASSET(bki_web_topojson_js), "\n</script>");
    put_element(f, "<script>\n", ASSET(bki_web_report_js), "\n</script>");
    put_element(f, "<script>\n", ASSET(bki_web_report_map_js), "\n</script>");
    put_element(f, "<script>\n", ASSET(bki_web_report_decide_js), "\n</script>");
    fputs("</body>\n</html>\n", f);
}

/* Contract in blockade/report.h. */
void bk_report_config_init(bk_report_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
}

/* Contract in blockade/report.h. */
bk_status bk_report_write(const char *dir, const bk_report_config *cfg, FILE *out,
                          bk_error *err)
{
    if (dir == NULL || out == NULL)
        return bki_fail(err, BK_ERR_USAGE, "bk_report_write: NULL directory or stream");
    bk_report_config defaults;
    if (cfg == NULL) {
        bk_report_config_init(&defaults);
        cfg = &defaults;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return bki_fail(err, BK_ERR_IO, "cannot read output directory '%s': %s", dir,
                        strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return bki_fail(err, BK_ERR_IO, "'%s' is not a directory", dir);

    /* The scripts and styles are fixed at build time; one that could close its element would
     * break every page, so refuse it rather than write a broken report. */
    if (holds_closer(ASSET(bki_web_uplot_js), "</script")
        || holds_closer(ASSET(bki_web_d3_array_js), "</script")
        || holds_closer(ASSET(bki_web_d3_geo_js), "</script")
        || holds_closer(ASSET(bki_web_topojson_js), "</script")
        || holds_closer(ASSET(bki_web_report_js), "</script")
        || holds_closer(ASSET(bki_web_report_map_js), "</script")
        || holds_closer(ASSET(bki_web_report_decide_js), "</script")
        || holds_closer(ASSET(bki_web_uplot_css), "</style")
        || holds_closer(ASSET(bki_web_report_css), "</style"))
        return bki_fail(err, BK_ERR_INTERNAL, "an embedded script or style sheet would end its "
                                             "element early: rebuild the library");

    bool nomem = false;
    inputs in = {.dir = dir};
    for (int i = 0; i < N_INPUTS; i++)
        in.path[i] = present(dir, input_names[i], &nomem);
    if (nomem) {
        inputs_free(&in);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    }
    if (!in.path[IN_DAILY] && !in.path[IN_BANDS] && !in.path[IN_COMPARE] &&
        !in.path[IN_OPTIMISE_JSON] && !in.path[IN_VULN_CSV]) {
        inputs_free(&in);
        return bki_fail(err, BK_ERR_IO,
                        "'%s' holds no daily.csv, bands.csv, compare.csv, optimise.json or "
                        "vulnerability.csv: not an output directory of 'blockade run', "
                        "'ensemble', 'compare', 'optimise' or 'vulnerability'",
                        dir);
    }

    char *data = NULL;
    size_t data_len = 0;
    FILE *mem = open_memstream(&data, &data_len);
    if (mem == NULL) {
        inputs_free(&in);
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    }
    char name[BK_NAME_MAX] = "";
    bk_status st = build_data(&in, cfg, mem, name, err);
    if (fflush(mem) != 0 || ferror(mem)) {
        if (st == BK_OK)
            st = bki_fail(err, BK_ERR_NOMEM, "out of memory building the report");
    }
    fclose(mem);
    inputs_free(&in);
    if (st != BK_OK) {
        bki_free(data);
        return st;
    }

    char title[512];
    if (cfg->title) {
        snprintf(title, sizeof title, "%s", cfg->title);
        if (strlen(cfg->title) >= sizeof title) {   /* cut at a character, not inside one */
            size_t j = sizeof title - 1;
            while (j > 0 && ((unsigned char)cfg->title[j] & 0xC0) == 0x80)
                j--;   /* cfg->title[j] starts the character that does not fit */
            title[j] = '\0';
        }
    } else if (name[0])
        snprintf(title, sizeof title, "%s: blockade report", name);
    else
        snprintf(title, sizeof title, "Blockade report");
    write_page(out, title, data, data_len);
    bki_free(data);
    if (bki_fmt_finish(out) != BK_OK)
        return bki_fail(err, BK_ERR_IO, "cannot write the report: %s", strerror(errno));
    return BK_OK;
}
