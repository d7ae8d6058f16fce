/* test_levers.c: the machine-readable views that front ends (blockade serve) build on: the
 * scenario's levers generated from the schema table (bk_scenario_write_levers_json) and the run
 * store's runs as JSON (bk_store_list_json). The JSON is read back with libfyaml. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfyaml.h>

#include "blockade/blockade.h"
#include "bk_test.h"
#include "bk_test_model.h"
#include "bk_test_main.h"

/* The levers JSON of sc (free it); its length in *len if len is not NULL. */
static char *levers_text(const bk_scenario *sc, size_t *len)
{
    bk_test_capture cap;
    assert_int_equal(bk_scenario_write_levers_json(sc, bk_test_capture_open(&cap)), BK_OK);
    char *text = bk_test_capture_close(&cap);
    if (len)
        *len = cap.len;
    return text;
}

static char *scalar(struct fy_node *map, const char *key)
{
    struct fy_node *n = fy_node_mapping_lookup_by_string(map, key, FY_NT);
    if (n == NULL || !fy_node_is_scalar(n))
        return NULL;
    size_t len;
    const char *t = fy_node_get_scalar(n, &len);
    char *s = malloc(len + 1);
    memcpy(s, t, len);
    s[len] = '\0';
    return s;
}

/* Every lever listed is a path that bk_scenario_set accepts with its listed value (a no-op
 * change), and a value beyond a listed bound is refused: the list and the setter agree. */
static void test_levers_agree_with_set(void **state)
{
    bk_scenario *sc = *state;
    bk_error err;
    size_t len;
    char *text = levers_text(sc, &len);
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_JSON_FORCE};
    struct fy_document *doc = fy_document_build_from_string(&cfg, text, len);
    assert_non_null(doc);
    struct fy_node *root = fy_document_root(doc);
    assert_true(fy_node_is_sequence(root));
    int n = fy_node_sequence_item_count(root);
    assert_true(n > 100);
    int bounded = 0, escorts = 0;
    for (int i = 0; i < n; i++) {
        struct fy_node *l = fy_node_sequence_get_by_index(root, i);
        char *path = scalar(l, "path"), *type = scalar(l, "type"), *value = scalar(l, "value");
        char *unit = scalar(l, "unit"), *desc = scalar(l, "description");
        assert_non_null(path);
        assert_non_null(type);
        assert_non_null(value);
        assert_non_null(unit);
        assert_non_null(desc);
        assert_true(desc[0] != '\0');
        if (strncmp(path, "corridors.", 10) == 0 && strstr(path, ".escort.units"))
            escorts++;
        if (strcmp(type, "date") == 0 && strcmp(value, "null") == 0) {   /* a date not set */
            free(path);
            free(type);
            free(value);
            free(unit);
            free(desc);
            continue;
        }
        bk_scenario *c = NULL;
        assert_int_equal(bk_scenario_clone(sc, &c, &err), BK_OK);
        bk_status st = bk_scenario_set_text(c, path, value, &err);
        if (st != BK_OK) {
            /* only a key whose section is absent may show a default outside its bounds (an
             * airlift of 0 L/day where the bound is > 0): the refusal then says so */
            char *min = scalar(l, "min"), *minc = scalar(l, "min_inclusive");
            bool below = min && (strcmp(minc, "true") == 0 ? strtod(value, NULL) < strtod(min, NULL)
                                                            : strtod(value, NULL) <= strtod(min, NULL));
            if (st != BK_ERR_VALUE || !below)
                fail_msg("lever '%s' = '%s' refused: %s", path, value, err.message);
            free(min);
            free(minc);
        }
        char *max = scalar(l, "max"), *inc = scalar(l, "max_inclusive");
        if (max && strcmp(type, "number") == 0) {
            double v = strtod(max, NULL);
            double beyond = strcmp(inc, "true") == 0 ? v + (v == 0 ? 1 : v < 0 ? -v : v) : v;
            bk_scenario *d = NULL;
            assert_int_equal(bk_scenario_clone(sc, &d, &err), BK_OK);
            if (bk_scenario_set(d, path, beyond, &err) == BK_OK)
                fail_msg("lever '%s' accepted %.17g beyond its bound %s", path, beyond, max);
            bk_scenario_free(d);
            bounded++;
        }
        free(max);
        free(inc);
        bk_scenario_free(c);
        free(path);
        free(type);
        free(value);
        free(unit);
        free(desc);
    }
    assert_true(bounded > 20);
    assert_int_equal(escorts, 6); /* one per corridor of the default scenario */
    fy_document_destroy(doc);
    free(text);
}

/* The levers show a value set with bk_scenario_set. */
static void test_levers_show_current_values(void **state)
{
    bk_scenario *sc = *state;
    bk_error err;
    assert_int_equal(bk_scenario_set(sc, "corridors.dakar_north.escort.units", 17, &err), BK_OK);
    char *text = levers_text(sc, NULL);
    assert_non_null(strstr(text, "{\"path\":\"corridors.dakar_north.escort.units\",\"key\":"
                                 "\"corridors[].escort.units\",\"type\":\"integer\",\"value\":17,"));
    free(text);
    /* a date lever: written as a date, within the horizon */
    assert_int_equal(bk_scenario_set_text(sc, "policy.convoy.from_date", "2025-10-15", &err), BK_OK);
    text = levers_text(sc, NULL);
    assert_non_null(strstr(text, "{\"path\":\"policy.convoy.from_date\",\"key\":"
                                 "\"policy.convoy.from_date\",\"type\":\"date\",\"value\":"
                                 "\"2025-10-15\",\"min\":\"2025-09-01\","));
    free(text);
    assert_int_equal(bk_scenario_write_levers_json(NULL, stdout), BK_ERR_USAGE);
}

/* Keys that describe the world rather than a choice (the schema's facts: coordinates and kinds
 * of places, the fuel's density) are not offered as levers, though a scenario or a policy patch
 * may still set them; the choices beside them in the same list item still are levers. */
static void test_levers_leave_out_facts(void **state)
{
    bk_scenario *sc = *state;
    char *text = levers_text(sc, NULL);
    static const char *const facts[] = {"places[].lat", "places[].lon", "places[].kind",
                                        "fleet.density_kg_per_l"};
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        char key[80];
        snprintf(key, sizeof key, "\"key\":\"%s\"", facts[i]);
        if (strstr(text, key))
            fail_msg("%s is listed as a lever", facts[i]);
    }
    BK_TEST_HAS_ALL(text, "\"key\":\"places[].airfield.sorties_per_day\"",
                    "\"key\":\"fleet.tanker_capacity_l\"");
    free(text);
    bk_error err;
    assert_int_equal(bk_scenario_set(sc, "fleet.density_kg_per_l", 0.75, &err), BK_OK);
}

/* bk_store_list_json: one object per run, newest first, that parses as JSON. */
static void test_store_list_json(void **state)
{
    (void)state;
    char *dir = bk_test_temp_dir("bk-levers");
    char path[4096];
    snprintf(path, sizeof path, "%s/runs.sqlite", dir);
    bk_store *st = NULL;
    bk_error err;
    assert_int_equal(bk_store_open(path, &st, &err), BK_OK);
    static const char hash[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    for (int k = 0; k < 2; k++) {
        bk_store_run_info info = {.kind = k ? "compare" : "ensemble", .scenario_name = "T \"q\"",
                                  .scenario_sha256 = hash, .scenario_text = "x", .scenario_len = 1,
                                  .seed = 18446744073709551615ULL, .replications = 5, .days = 9,
                                  .version = "0", .command = "blockade serve",
                                  .params_json = k ? "{\"policies\": [\"a\"]}" : NULL,
                                  .out_dir = k ? "/nowhere" : NULL};
        int64_t id;
        assert_int_equal(bk_store_begin(st, &info, &id, &err), BK_OK);
        if (k == 0)
            assert_int_equal(bk_store_finish(st, id, "done", "{}", &err), BK_OK);
    }
    bk_test_capture cap;
    assert_int_equal(bk_store_list_json(st, 0, bk_test_capture_open(&cap), &err), BK_OK);
    char *buf = bk_test_capture_close(&cap);
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_JSON_FORCE};
    struct fy_document *doc = fy_document_build_from_string(&cfg, buf, cap.len);
    assert_non_null(doc);
    struct fy_node *root = fy_document_root(doc);
    assert_int_equal(fy_node_sequence_item_count(root), 2);
    struct fy_node *newest = fy_node_sequence_get_by_index(root, 0);
    char *id = scalar(newest, "id"), *status = scalar(newest, "status"),
         *seed = scalar(newest, "seed"), *name = scalar(newest, "scenario_name"),
         *outs = scalar(newest, "has_outputs");
    assert_string_equal(id, "2");
    assert_string_equal(status, "running");
    assert_string_equal(seed, "18446744073709551615");
    assert_string_equal(name, "T \"q\"");
    assert_string_equal(outs, "yes");
    assert_true(fy_node_is_sequence(fy_node_by_path(newest, "/params/policies", FY_NT, 0)));
    free(id);
    free(status);
    free(seed);
    free(name);
    free(outs);
    fy_document_destroy(doc);
    free(buf);
    bk_store_close(st);
    bk_test_remove_dir(dir);
}

BK_TEST_MAIN_EACH(bk_test_setup_default, bk_test_teardown_scenario, test_levers_agree_with_set,
                  test_levers_show_current_values, test_levers_leave_out_facts,
                  test_store_list_json)
