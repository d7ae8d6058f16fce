/* test_report.c: the HTML report: built from a real run, self-contained, small, safe against
 * data that looks like markup, and clear about bad inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bk_test.h"
#include "bk_test_model.h"
#include "bk_test_main.h"
#include "blockade/blockade.h"

/* A run of the two-corridor scenario written like `blockade run --out`, shared by the tests. */
static char *run_dir;

static bk_status daily_csv(const void *run, FILE *f)
{
    return bk_run_write_daily_csv(run, f);
}

static bk_status events_geojson(const void *run, FILE *f)
{
    return bk_run_write_events_geojson(run, f);
}

static bk_status summary_json(const void *run, FILE *f)
{
    return bk_run_write_summary_json(run, f);
}

static int setup(void **state)
{
    (void)state;
    char *path = bk_test_source_path("scenarios/test/two-corridors.yaml");
    bk_scenario *sc = NULL;
    bk_error err;
    if (!path || bk_scenario_load_file(path, &sc, &err) != BK_OK)
        return -1;
    free(path);
    bk_run_config cfg;
    bk_run_config_init(&cfg, sc);
    bk_run *run = NULL;
    if (bk_sim_run(sc, &cfg, &run, &err) != BK_OK)
        return -1;
    run_dir = bk_test_make_temp_dir("report");
    int rc = run_dir && bk_test_write_scenario(run_dir, sc) == 0
                     && bk_test_write_with(run_dir, "daily.csv", daily_csv, run) == 0
                     && bk_test_write_with(run_dir, "events.geojson", events_geojson, run) == 0
                     && bk_test_write_with(run_dir, "summary.json", summary_json, run) == 0
                 ? 0
                 : -1;
    bk_run_free(run);
    bk_scenario_free(sc);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    bk_test_remove_dir(run_dir);
    return 0;
}

/* A copy of the run directory with one file replaced (or added). */
static char *dir_with(const char *name, const char *text)
{
    char *dir = bk_test_temp_dir("report-bad");
    static const char *const files[] = {"daily.csv", "events.geojson", "summary.json",
                                        "scenario.yaml"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char src[1024];
        snprintf(src, sizeof src, "%s/%s", run_dir, files[i]);
        size_t len = 0;
        char *data = bk_test_read_file(src, &len);
        assert_non_null(data);
        free(bk_test_write_temp(dir, files[i], data, len));
        free(data);
    }
    free(bk_test_write_temp(dir, name, text, strlen(text)));
    return dir;
}

static void test_report_of_a_run(void **state)
{
    (void)state;
    size_t len = 0;
    char *html = bk_test_report_ok(run_dir, NULL, &len);
    assert_non_null(html);
    assert_int_equal(strlen(html), len);
    BK_TEST_HAS_ALL(html, "<!DOCTYPE html>",
                    "<title>Two corridors (test): blockade report</title>");
    /* the libraries, inlined */
    BK_TEST_HAS_ALL(html, "var uPlot=", "d3-geo", "topojson-client", "\"type\":\"Topology\"",
                    "window.bkReport");
    /* the data: series, the scenario's network and demand, the events, the summary */
    BK_TEST_HAS_ALL(html, "\"kind\":\"run\"", "\"stock_gasoil_l\":[", "\"arrivals_west\":[",
                    "\"blackout_hours\":[", "\"dates\":[\"2025-09-01\"");
    const char *demand = strstr(html, "\"column\":\"stock_gasoil_l\",\"demand_l_per_day\":");
    assert_non_null(demand); /* the sum of the sectors' demand: litres per day, > 0 */
    assert_true(strtod(demand + strlen("\"column\":\"stock_gasoil_l\",\"demand_l_per_day\":"), NULL) > 0);
    BK_TEST_HAS_ALL(html, "\"id\":\"west_town-capital\"", "\"corridors\":[\"west\"]",
                    "\"events\":[[-", "\"summary\":{",
                    "Road West Town - Capital closed for 48 hours (bridge blown)");
    /* Nothing is fetched: no remote script, style, image or link, and the page forbids it. */
    assert_null(strstr(html, "src=\"http"));
    assert_null(strstr(html, "href=\"http"));
    assert_null(strstr(html, "url(http"));
    assert_null(strstr(html, "<link"));
    assert_null(strstr(html, "@import"));
    assert_non_null(strstr(html, "default-src 'none'"));
    /* Every <script> is closed once: data cannot end one early. */
    assert_int_equal(bk_test_count(html, "<script"), bk_test_count(html, "</script>"));
    assert_int_equal(bk_test_count(html, "<script"), 9);
    /* Small: the goal is under 2 MB for 180 days of an ensemble. */
    assert_true(len < 2u * 1024u * 1024u);
    free(html);
}

static void test_title_and_observed(void **state)
{
    (void)state;
    static const char csv[] =
        "event_date,latitude,longitude,notes,sub_event_type\n"
        "2025-09-06,13.1,-9.2,\"Ambush, then </script><script>alert(1)</script>\",Armed clash\n"
        "2025-09-07,,,no position,Other\n"
        "2025-09-08,12.5,-8.1,plain,Other\n";
    char *obs = bk_test_temp_file(run_dir, "observed.csv", csv, strlen(csv));
    bk_report_config cfg;
    bk_report_config_init(&cfg);
    cfg.title = "Fuel & power <draft>";
    cfg.observed_path = obs;
    char *html = bk_test_report_ok(run_dir, &cfg, NULL);
    BK_TEST_HAS_ALL(html, "<title>Fuel &amp; power &lt;draft&gt;</title>",
                    "\"observed\":{\"file\":\"observed.csv\"",
                    "[-9.2,13.1,\"2025-09-06\",\"Ambush, then \\u003c/script>",
                    "[-8.1,12.5,\"2025-09-08\",\"plain\",\"Other\"]");
    assert_null(strstr(html, "no position")); /* rows without coordinates are left out */
    assert_null(strstr(html, "alert(1)</script>"));
    assert_int_equal(bk_test_count(html, "<script"), bk_test_count(html, "</script>"));
    free(html);
    remove(obs);
    free(obs);
}

/* A title longer than the page keeps is cut at a character boundary, never inside a UTF-8
 * sequence. */
static void test_long_title_cut_at_a_character(void **state)
{
    (void)state;
    char title[600], want[600];
    memset(title, 'a', 510);
    memcpy(title + 510, "\xc3\xa9\xc3\xa9", 5);   /* byte 511 falls inside the first e-acute */
    bk_report_config cfg;
    bk_report_config_init(&cfg);
    cfg.title = title;
    char *html = bk_test_report_ok(run_dir, &cfg, NULL);
    snprintf(want, sizeof want, "<title>%.510s</title>", title);
    assert_non_null(strstr(html, want));
    assert_null(strstr(html, "\xc3<"));
    free(html);
}

/* summary.json passes into the page as JSON with every escape kept (quotes, backslashes,
 * controls, '<'), nesting and numbers intact; under LeakSanitizer this also shows that copying
 * strings with several escapes leaks nothing. */
static void test_summary_with_escapes_passes_through(void **state)
{
    (void)state;
    static const char summary[] =
        "{\"scenario\": \"Two \\\"quoted\\\" \\\\ corridors\\n</script>\", \"days\": 20,\n"
        " \"list\": [1, -2.5e3, true, null, {\"k\\\"ey\": \"\\u0007\"}], \"empty\": {}}";
    char *dir = dir_with("summary.json", summary);
    char *html = bk_test_report_ok(dir, NULL, NULL);
    const char *want = "\"summary\":{\"scenario\":\"Two \\\"quoted\\\" \\\\ corridors\\n"
                       "\\u003c/script>\",\"days\":20,\"list\":[1,-2.5e3,true,null,"
                       "{\"k\\\"ey\":\"\\u0007\"}],\"empty\":{}}";
    if (strstr(html, want) == NULL)
        fail_msg("summary not passed through as %s", want);
    free(html);
    bk_test_remove_dir(dir);
}

static void test_missing_directory(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/no-such-dir", run_dir);
    bk_status st;
    bk_error err;
    size_t len = 1;
    char *html = bk_test_report(path, NULL, &st, &err, &len);
    assert_int_equal(st, BK_ERR_IO);
    assert_int_equal(len, 0); /* nothing written */
    assert_non_null(strstr(err.message, "no-such-dir"));
    free(html);

    char *empty = bk_test_make_temp_dir("report-empty");
    html = bk_test_report(empty, NULL, &st, &err, &len);
    assert_int_equal(st, BK_ERR_IO);
    assert_non_null(strstr(err.message, "daily.csv"));
    free(html);
    bk_test_remove_dir(empty);

    bk_report_config cfg;
    bk_report_config_init(&cfg);
    cfg.observed_path = path;
    html = bk_test_report(run_dir, &cfg, &st, &err, &len);
    assert_int_equal(st, BK_ERR_IO);
    assert_int_equal(len, 0);
    free(html);
}

static void test_malformed_csv(void **state)
{
    (void)state;
    static const struct {
        const char *file, *text, *where;
        bk_status status;
    } cases[] = {
        {"daily.csv", "day,date,stock_l\n0,2025-09-01,5\n1,2025-09-02\n", "daily.csv:3:", BK_ERR_SYNTAX},
        {"daily.csv", "day,date,stock_l\n0,2025-09-01,5\n1,2025-09-02,\"7\n", "daily.csv:3:", BK_ERR_SYNTAX},
        {"daily.csv", "day,date,stock_l\n0,2025-09-01,5\n1,2025-09-02,x7\n", "daily.csv:3:", BK_ERR_SYNTAX},
        {"daily.csv", "day,date,stock_l\n0,2025-09-01,\"5\"x\n", "daily.csv:2:", BK_ERR_SYNTAX},
        {"daily.csv", "", "daily.csv", BK_ERR_SYNTAX},
        {"daily.csv", "day,stock_l\n0,5\n", "daily.csv:1:", BK_ERR_SCHEMA},
        {"bands.csv", "metric,unit,day,date,mean,q05,q25,q75,q95\n", "bands.csv:1:", BK_ERR_SCHEMA},
        {"curves.csv", "curve,day,date,probability\nstockout_any,-1,2025-09-01,0\n", "curves.csv:2:", BK_ERR_SYNTAX},
        {"summary.json", "{\"a\": [1, 2}\n", "summary.json:1:", BK_ERR_SYNTAX},
        {"events.geojson", "{\"type\": \"FeatureCollection\"}", "events.geojson", BK_ERR_SCHEMA},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *dir = dir_with(cases[i].file, cases[i].text);
        bk_status st;
        bk_error err;
        size_t len = 1;
        char *html = bk_test_report(dir, NULL, &st, &err, &len);
        if (st != cases[i].status || strstr(err.message, cases[i].where) == NULL)
            fail_msg("case %zu: status %d, message '%s'", i, (int)st, err.message);
        assert_int_equal(len, 0);
        free(html);
        bk_test_remove_dir(dir);
    }
}

static void test_ensemble_and_compare(void **state)
{
    (void)state;
    char *dir = bk_test_temp_dir("report-ens");
    const char *bands = "metric,unit,day,date,mean,q05,q25,q50,q75,q95\n"
                        "cover_days,days,0,2025-09-01,10,8,9,10,11,12\n"
                        "cover_days,days,1,2025-09-02,9.5,7,8.5,9.5,10.5,1.2e+1\n"
                        "fleet,tankers,0,2025-09-01,1,1,1,1,1,1\n";
    const char *curves = "curve,day,date,probability\nstockout_any,0,2025-09-01,0\n"
                         "stockout_any,1,2025-09-02,0.25\n";
    const char *compare = "metric,policy,baseline,mean_diff,se,ci_low,ci_high\n"
                          "delivered_l,escorts,base,1200,300,612,1788\n";
    free(bk_test_write_temp(dir, "bands.csv", bands, strlen(bands)));
    free(bk_test_write_temp(dir, "curves.csv", curves, strlen(curves)));
    free(bk_test_write_temp(dir, "compare.csv", compare, strlen(compare)));
    char *html = bk_test_report_ok(dir, NULL, NULL);
    BK_TEST_HAS_ALL(html, "\"kind\":\"compare\"", "\"dates\":[\"2025-09-01\",\"2025-09-02\"]",
                    "\"cover_days\":{\"unit\":\"days\",\"mean\":[10,9.5],\"q05\":[8,7]",
                    "\"q95\":[12,1.2e+1]");
    assert_null(strstr(html, "\"fleet\":")); /* series the page does not draw stay out */
    BK_TEST_HAS_ALL(html, "\"curves\":{\"stockout_any\":[0,0.25]}",
                    "\"rows\":[[\"delivered_l\",\"escorts\",\"base\",\"1200\"");
    assert_null(strstr(html, "\"network\":")); /* no scenario.yaml: the map shows events only */
    free(html);
    bk_test_remove_dir(dir);
}

static void test_network_geojson(void **state)
{
    (void)state;
    bk_scenario *sc = bk_test_load_reference();
    bk_test_capture cap;
    assert_int_equal(bk_scenario_write_network_geojson(sc, bk_test_capture_open(&cap)), BK_OK);
    char *buf = bk_test_capture_close(&cap);
    assert_int_equal(bk_test_count(buf, "\"type\":\"Point\""), 7);
    assert_int_equal(bk_test_count(buf, "\"type\":\"LineString\""), 7);
    BK_TEST_HAS_ALL(buf, "\"coordinates\":[-8.0000,12.6000]},\"properties\":{\"id\":\"capital\"",
                    "\"id\":\"west_town-south_town\",\"from\":\"west_town\",\"to\":\"south_town\","
                    "\"length_km\":220,\"cover\":0.4,\"corridors\":[]");
    free(buf);
    assert_int_equal(bk_scenario_write_network_geojson(NULL, stdout), BK_ERR_USAGE);
    bk_scenario_free(sc);
}

BK_TEST_MAIN_GROUP("tests", setup, teardown, test_report_of_a_run, test_title_and_observed,
                   test_long_title_cut_at_a_character, test_summary_with_escapes_passes_through,
                   test_missing_directory, test_malformed_csv, test_ensemble_and_compare,
                   test_network_geojson)
