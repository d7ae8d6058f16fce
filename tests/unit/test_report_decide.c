/* test_report_decide.c: the HTML report of an optimisation's and a vulnerability analysis's
 * output directories: built from small real ones (the two-corridor scenario, few replications,
 * 30 days), each alone enough for a page, their data in it as written, and clear about bad
 * inputs (file:line, nothing written). */
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
#include "blockade/blockade.h"
#include "blockade/decide.h"
#include "decide_fixture.h"
#include "bk_test_main.h"

/* The reference scenario and the analyses' output directories of the group. */
static bk_scenario *reference;
static char *opt_dir, *vul_dir;

#define levers_text bk_test_reference_levers

static bk_status opt_csv(const void *o, FILE *f) { return bk_optimise_write_csv(o, f); }
static bk_status opt_json(const void *o, FILE *f) { return bk_optimise_write_json(o, f); }
static bk_status vul_csv(const void *v, FILE *f) { return bk_vulnerability_write_csv(v, f); }
static bk_status vul_json(const void *v, FILE *f) { return bk_vulnerability_write_json(v, f); }

/* An analysis's output directory: a new temporary one named after `prefix` holding NAME.csv and
 * NAME.json of obj (written by csv and json) and scenario.yaml of sc; NULL if any step fails. */
static char *analysis_dir(const char *prefix, const char *name, bk_test_writer csv,
                          bk_test_writer json, const void *obj, const bk_scenario *sc)
{
    char *dir = bk_test_make_temp_dir(prefix);
    char csv_name[64], json_name[64];
    snprintf(csv_name, sizeof csv_name, "%s.csv", name);
    snprintf(json_name, sizeof json_name, "%s.json", name);
    if (dir && (bk_test_write_with(dir, csv_name, csv, obj) ||
                bk_test_write_with(dir, json_name, json, obj) || bk_test_write_scenario(dir, sc))) {
        bk_test_remove_dir(dir);
        dir = NULL;
    }
    return dir;
}

/* `blockade optimise --out` in small: optimise.csv, optimise.json and scenario.yaml. */
static char *optimise_dir(const bk_scenario *sc, const char *objective)
{
    bk_optimise *o = NULL;
    bk_error err = {0};
    char *dir = NULL;
    if (small_optimise(sc, levers_text, objective, 2, &o, &err) == BK_OK)
        dir = analysis_dir("report-opt", "optimise", opt_csv, opt_json, o, sc);
    bk_optimise_free(o);
    return dir;
}

static int setup(void **state)
{
    (void)state;
    reference = bk_test_load_reference();
    bk_error err;
    opt_dir = optimise_dir(reference, NULL);
    bk_vulnerability *v = NULL;
    if (small_vulnerability(reference, 4, 0, 2, 30, &v, &err) == BK_OK)
        vul_dir = analysis_dir("report-vul", "vulnerability", vul_csv, vul_json, v, reference);
    bk_vulnerability_free(v);
    return opt_dir && vul_dir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    bk_test_remove_dir(opt_dir);
    bk_test_remove_dir(vul_dir);
    bk_scenario_free(reference);
    return 0;
}

static char *file_in(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = bk_test_read_file(path, NULL);
    assert_non_null(text);
    return text;
}

/* The text after `key` in `json` up to the next ',', '}' or ']': a number as written. */
static char *number_after(const char *json, const char *key)
{
    const char *p = strstr(json, key);
    assert_non_null(p);
    p += strlen(key);
    size_t n = strcspn(p, ",}]\n");
    char *s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static void expect_in(const char *html, const char *want)
{
    if (strstr(html, want) == NULL)
        fail_msg("the page does not hold %s", want);
}

static void test_optimise_page(void **state)
{
    (void)state;
    size_t len = 0;
    char *html = bk_test_report_ok(opt_dir, NULL, &len);
    expect_in(html, "<title>Two corridors (test): blockade report</title>");
    expect_in(html, "\"kind\":\"optimise\"");
    /* the map, from scenario.yaml */
    expect_in(html, "\"network\":{\"type\":\"FeatureCollection\"");
    expect_in(html, "\"optimise\":{\"result\":{\"scenario\":\"Two corridors (test)\"");
    expect_in(html, "\"measure\":\"mean\"");
    /* the choices, the default and the numbers as optimise.json wrote them */
    char *json = file_in(opt_dir, "optimise.json");
    char *imp = number_after(strstr(json, "\"today\""), "\"improvement\": ");
    char *lo = number_after(strstr(json, "\"today\""), "\"ci95\": [");
    char want[512];
    snprintf(want, sizeof want, "\"improvement\":%s,\"ci95\":[%s,", imp, lo);
    expect_in(html, want);
    char *pcs = number_after(json, "\"pcs\": ");
    char *delta = number_after(json, "\"indifference\": ");
    snprintf(want, sizeof want, "\"selection\":{\"method\":\"two-stage indifference zone, common "
                                "random numbers, Bonferroni (Clark-Yang; Nelson-Matejcik)\","
                                "\"pcs\":%s,\"indifference\":%s,", pcs, delta);
    expect_in(html, want);
    expect_in(html, "\"default\":\"west.escort.units ");
    expect_in(html, "\"today\":{\"chosen\":\"west.escort.units ");
    expect_in(html, "\"adapted\":{\"score\":\"stackelberg\",\"chosen\":");
    expect_in(html, "\"finalists\":[{\"levers\":");
    expect_in(html, "\"response\":\"cells.west_cell.home ");
    assert_null(strstr(html, "\"guarantee\"")); /* the mean: the selection's own guarantee */
    /* every candidate of optimise.csv, typed */
    expect_in(html, "\"candidates\":{\"columns\":[\"candidate\",\"stage\",\"defender_levers\","
                    "\"armed_group_levers\",\"cost\",\"harm_score\",\"harm_mean\",\"finalist\","
                    "\"chosen_today\",\"chosen_robust\"],\"rows\":[[0,\"defender\","
                    "\"west.escort.units ");
    char *csv = file_in(opt_dir, "optimise.csv");
    size_t rows = bk_test_count(csv, "\n") - 1;
    const char *cand = strstr(html, "\"candidates\":");
    assert_int_equal(bk_test_count(cand, ",\"defender\",") + bk_test_count(cand, ",\"response\","), rows);
    assert_true(bk_test_count(cand, ",\"response\",") > 0);
    assert_int_equal(bk_test_count(html, "<script"), bk_test_count(html, "</script>"));
    free(csv);
    free(pcs);
    free(delta);
    free(imp);
    free(lo);
    free(json);
    free(html);
}

/* A CVaR objective: optimise.json's "no guarantee" reaches the page. */
static void test_optimise_cvar_states_no_guarantee(void **state)
{
    (void)state;
    static const char objective[] = "harm: {unmet_l: 1.0e-6}\nmeasure: cvar\nlevel: 0.8\n";
    char *dir = optimise_dir(reference, objective);
    assert_non_null(dir);
    char *html = bk_test_report_ok(dir, NULL, NULL);
    expect_in(html, "\"guarantee\":\"for the mean only: none for the CVaR\"");
    expect_in(html, "\"measure\":\"CVaR at 0.8 (mean of the worst 20 % of replications)\"");
    free(html);
    bk_test_remove_dir(dir);
}

static void test_vulnerability_page(void **state)
{
    (void)state;
    char *html = bk_test_report_ok(vul_dir, NULL, NULL);
    expect_in(html, "\"kind\":\"vulnerability\"");
    expect_in(html, "\"network\":{\"type\":\"FeatureCollection\"");
    expect_in(html, "\"vulnerability\":{\"elements\":{\"columns\":[\"static_rank\",\"element\","
                    "\"kind\",\"flow_lost_tankers_per_day\",\"in_min_cut\",\"sim_rank\","
                    "\"d_first_stockout_day\",\"d_first_stockout_day_lo\"");
    /* every row of vulnerability.csv, its numbers as written */
    char *csv = file_in(vul_dir, "vulnerability.csv");
    size_t rows = bk_test_count(csv, "\n") - 1;
    assert_int_equal(rows, 13); /* 7 segments and 6 places (not the city) */
    const char *t = strstr(html, "\"vulnerability\":");
    assert_int_equal(bk_test_count(t, ",\"segment\",") + bk_test_count(t, ",\"place\","), rows);
    /* the first row: rank, element, kind, flow lost, in the min cut, (simulated,) sim rank, ... */
    const char *row = strchr(csv, '\n') + 1;
    char f[16][64];
    int nf = 0;
    for (const char *p = row; nf < 16; nf++) {
        size_t n = strcspn(p, ",\n");
        snprintf(f[nf], sizeof f[nf], "%.*s", (int)n, p);
        if (p[n] != ',')
            break;
        p += n + 1;
    }
    assert_int_equal(nf, 15); /* 16 fields: the last index is 15 */
    char want[1024];
    snprintf(want, sizeof want, "[%s,\"%s\",\"%s\",%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s]", f[0],
             f[1], f[2], f[3], f[4], f[6], f[7], f[8], f[9], f[10], f[11], f[12], f[13], f[14],
             f[15]);
    expect_in(html, want);
    /* the analysis: the max flow, capacities, ports, the min cut and the disagreements */
    expect_in(html, "\"analysis\":{\"scenario\":\"Two corridors (test)\"");
    expect_in(html, "\"graph\":\"corridors\",\"tanker_l\":45000,\"max_flow\":32,");
    expect_in(html,
              "\"ports\":{\"west\":20,\"south\":12},\"ports_in_min_cut\":[\"west\",\"south\"]");
    expect_in(html,
              "\"elements\":[{\"id\":\"west_border-west_town\",\"kind\":\"segment\",\"sim_rank\":");
    expect_in(html, ",\"disagree\":false}");
    free(csv);
    free(html);
}

/* A copy of the files[0..n) of `src`, with `name` replaced by `text` (or left out when text is
 * NULL). */
static char *dir_with(const char *src, const char *const *files, size_t n, const char *name,
                      const char *text)
{
    char *dir = bk_test_temp_dir("report-decide-bad");
    for (size_t i = 0; i < n; i++) {
        if (strcmp(files[i], name) == 0 && text == NULL)
            continue;
        char *data = file_in(src, files[i]);
        free(bk_test_write_temp(dir, files[i], data, strlen(data)));
        free(data);
    }
    if (text)
        free(bk_test_write_temp(dir, name, text, strlen(text)));
    return dir;
}

static const char *const opt_files[] = {"optimise.csv", "optimise.json", "scenario.yaml"};
static const char *const vul_files[] = {"vulnerability.csv", "vulnerability.json", "scenario.yaml"};

/* Each file alone makes a page: optimise.json without the candidates, vulnerability.csv
 * without the analysis. */
static void test_each_alone(void **state)
{
    (void)state;
    char *dir = dir_with(opt_dir, opt_files, 1, "", NULL);      /* optimise.csv alone */
    char *only = dir_with(opt_dir, opt_files + 1, 1, "", NULL); /* optimise.json alone */
    bk_status st;
    bk_error err;
    char *html = bk_test_report_ok(only, NULL, NULL);
    expect_in(html, "\"optimise\":{\"result\":{");
    assert_null(strstr(html, "\"candidates\""));
    assert_null(strstr(html, "\"network\""));
    free(html);
    bk_test_remove_dir(only);
    /* optimise.csv without optimise.json is not an output directory the report knows */
    html = bk_test_report(dir, NULL, &st, &err, NULL);
    assert_int_equal(st, BK_ERR_IO);
    expect_in(err.message, "optimise.json");
    expect_in(err.message, "vulnerability.csv");
    expect_in(err.message, "'optimise' or 'vulnerability'");
    free(html);
    bk_test_remove_dir(dir);

    only = dir_with(vul_dir, vul_files, 1, "", NULL); /* vulnerability.csv alone */
    html = bk_test_report_ok(only, NULL, NULL);
    expect_in(html, "\"vulnerability\":{\"elements\":{");
    assert_null(strstr(html, "\"analysis\""));
    free(html);
    bk_test_remove_dir(only);
}

/* Text from the inputs cannot close the page's <script>: every '<' is escaped. */
static void test_markup_in_inputs_escaped(void **state)
{
    (void)state;
    char *json = file_in(opt_dir, "optimise.json");
    char *bad = bk_test_replace(json, "\"default\": \"", "\"default\": \"</script><b>x</b> ");
    assert_non_null(bad);
    char *dir = dir_with(opt_dir, opt_files, 3, "optimise.json", bad);
    char *html = bk_test_report_ok(dir, NULL, NULL);
    expect_in(html, "\"default\":\"\\u003c/script>\\u003cb>x\\u003c/b> west.escort.units ");
    assert_int_equal(bk_test_count(html, "<script"), bk_test_count(html, "</script>"));
    assert_int_equal(bk_test_count(html, "<script"), 9);
    free(html);
    bk_test_remove_dir(dir);
    free(bad);
    free(json);
}

/* Malformed optimise and vulnerability files: the file and line, exit 3's statuses, nothing
 * written. */
static void test_malformed(void **state)
{
    (void)state;
    char *oj = file_in(opt_dir, "optimise.json");
    char *vj = file_in(vul_dir, "vulnerability.json");
    int line_imp = bk_test_line_of(oj, "\"today\"");
    int line_pcs = bk_test_line_of(oj, "\"pcs\"");
    assert_true(line_imp > 1 && line_pcs > 1);
    char *o_text = bk_test_replace(oj, "\"improvement\": ", "\"improvement\": \"large\", \"x\": ");
    char *o_missing = bk_test_replace(oj, "\"today\": {\"chosen\"", "\"today_\": {\"chosen\"");
    char *o_broken = bk_test_replace(oj, "\"pcs\": ", "\"pcs\": [");
    char *o_ci = bk_test_replace(oj, "\"ci95\": [", "\"ci95\": [1, ");
    char *o_kind = bk_test_replace(oj, "\"kind\": \"optimise\"", "\"kind\": \"compare\"");
    char *v_bool = bk_test_replace(vj, "\"disagree\": false", "\"disagree\": \"no\"");
    char *v_flow = bk_test_replace(vj, "\"max_flow\": ", "\"max_flow\": NaN, \"x\": ");
    assert_true(o_text && o_missing && o_broken && o_ci && o_kind && v_bool && v_flow);
    char o_csv[] = "candidate,stage,defender_levers,armed_group_levers,cost,harm_score,harm_mean,"
                   "finalist,chosen_today,chosen_robust\n"
                   "0,defender,\"a 1\",,0,1.5,1.5,1,0,0\n"
                   "1,defender,\"a 2\",,0,lots,1.5,0,0,0\n";
    char o_cols[] = "candidate,stage,harm_score\n0,defender,1\n";
#define VUL_HEADER                                                                                 \
    "static_rank,element,kind,flow_lost_tankers_per_day,in_min_cut,simulated,sim_rank,"            \
    "d_first_stockout_day,d_first_stockout_day_lo,d_first_stockout_day_hi,d_unmet_l,"              \
    "d_unmet_l_lo,d_unmet_l_hi,d_deliveries,d_deliveries_lo,d_deliveries_hi\n"                     \
    "1,a-b,segment,20,0,1,1,-9,-18,0.9,19822008.76,19270173.28,20373844.24,-558,-562,-554\n"
    char v_csv[] = VUL_HEADER "2,b,place,20,0,1,2,-9,-18,0.9,19822008.76,19270173.28\n";
    char v_num[] = VUL_HEADER "2,b,place,twenty,0,1,2,-9,-18,0.9,19822008.76,19270173.28,1,2,3,4\n";
#undef VUL_HEADER
    char w_imp[32], w_pcs[32], w_el[32], w_flow[32];
    snprintf(w_imp, sizeof w_imp, "optimise.json:%d:", line_imp);
    snprintf(w_pcs, sizeof w_pcs, "optimise.json:%d:", line_pcs);
    snprintf(w_el, sizeof w_el, "vulnerability.json:%d:",
             bk_test_line_of(vj, "\"disagree\": false"));
    snprintf(w_flow, sizeof w_flow, "vulnerability.json:%d:", bk_test_line_of(vj, "\"max_flow\""));
    const struct {
        int opt;
        const char *file, *text, *where, *what;
        bk_status status;
    } cases[] = {
        {1, "optimise.json", o_text, w_imp, "'today.improvement' is not a number", BK_ERR_SYNTAX},
        {1, "optimise.json", o_missing, "optimise.json:2:", "no member 'today'", BK_ERR_SCHEMA},
        {1, "optimise.json", o_broken, "optimise.json:", "malformed JSON", BK_ERR_SYNTAX},
        {1, "optimise.json", o_ci, w_imp, "'today.ci95' has 3 items, not 2", BK_ERR_SCHEMA},
        {1, "optimise.json", o_kind, "optimise.json:2:", "'kind' is not 'optimise'", BK_ERR_SCHEMA},
        {1, "optimise.json", "[1, 2]\n", "optimise.json:1:", "expected a JSON object",
         BK_ERR_SCHEMA},
        {1, "optimise.csv", o_csv, "optimise.csv:3:", "column 'harm_score': 'lots' is not a number",
         BK_ERR_SYNTAX},
        {1, "optimise.csv", o_cols, "optimise.csv:1:", "no column 'defender_levers'",
         BK_ERR_SCHEMA},
        {0, "vulnerability.json", v_bool, w_el, "'elements[0].disagree' is not true or false",
         BK_ERR_SYNTAX},
        {0, "vulnerability.json", v_flow, w_flow, "malformed JSON", BK_ERR_SYNTAX},
        {0, "vulnerability.csv", v_csv, "vulnerability.csv:3:", "12 fields, the header has 16",
         BK_ERR_SYNTAX},
        {0, "vulnerability.csv", v_num, "vulnerability.csv:3:",
         "column 'flow_lost_tankers_per_day': 'twenty' is not a number", BK_ERR_SYNTAX},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *dir = cases[i].opt ? dir_with(opt_dir, opt_files, 3, cases[i].file, cases[i].text)
                                 : dir_with(vul_dir, vul_files, 3, cases[i].file, cases[i].text);
        bk_status st;
        bk_error err;
        size_t len = 1;
        char *html = bk_test_report(dir, NULL, &st, &err, &len);
        if (st != cases[i].status || strstr(err.message, cases[i].where) == NULL
            || strstr(err.message, cases[i].what) == NULL)
            fail_msg("case %zu: status %d, message '%s'", i, (int)st, err.message);
        assert_int_equal(len, 0);
        free(html);
        bk_test_remove_dir(dir);
    }
    free(o_text);
    free(o_missing);
    free(o_broken);
    free(o_ci);
    free(o_kind);
    free(v_bool);
    free(v_flow);
    free(oj);
    free(vj);
}

BK_TEST_MAIN_GROUP("tests", setup, teardown, test_optimise_page,
                   test_optimise_cvar_states_no_guarantee, test_vulnerability_page, test_each_alone,
                   test_markup_in_inputs_escaped, test_malformed)
