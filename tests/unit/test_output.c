/* test_output.c: the output writers (daily CSV, ACLED CSV, GeoJSON, summary JSON, story) on a
 * run built by hand, so every expected byte is known. */
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfyaml.h>
#include <csv.h>

#include "bk_test_model.h"
#include "bk_test_main.h"
#include "model/run.h"
#include "output/format.h"

/* A small world: West Town and South Town on two corridors to the Capital. */
typedef struct fixture {
    struct bk_scenario sc;
    bk_place places[4];
    bk_segment segments[3];
    bk_port ports[2];
    bk_corridor corridors[2];
    bk_cell cells[1];
    bk_column cols[5];
    double daily[3 * 5];
    bk_log_entry log[5];
    struct bk_run run;
    char text[32];
} fixture;

static void set_place(bk_place *p, const char *id, const char *name, const char *admin1,
                      double lat, double lon)
{
    snprintf(p->id, sizeof p->id, "%s", id);
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->admin1, sizeof p->admin1, "%s", admin1);
    snprintf(p->country, sizeof p->country, "Testland");
    p->kind = BK_PLACE_TOWN;
    p->lat = lat;
    p->lon = lon;
}

static void set_col(bk_column *c, const char *name, const char *unit)
{
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->unit, sizeof c->unit, "%s", unit);
    snprintf(c->meaning, sizeof c->meaning, "test column");
}

static bk_log_entry blank_entry(double time_h, enum bk_log_kind kind)
{
    bk_log_entry e;
    memset(&e, 0, sizeof e);
    e.time_h = time_h;
    e.kind = kind;
    e.segment = e.place = e.corridor = e.cell = e.port = -1;
    return e;
}

/* An entry at fraction `frac` along segment `segment` of corridor `corridor`, at (lat, lon). */
static bk_log_entry road_entry(double time_h, enum bk_log_kind kind, int segment, double frac,
                               double lat, double lon, int corridor)
{
    bk_log_entry e = blank_entry(time_h, kind);
    e.segment = segment;
    e.frac = frac;
    e.lat = lat;
    e.lon = lon;
    e.corridor = corridor;
    return e;
}

/* A successful ambush of `convoy_size` loaded tankers (road_entry): `destroyed` of them burned,
 * `kidnapped` drivers taken. */
static bk_log_entry ambush_entry(double time_h, int segment, double frac, double lat, double lon,
                                 int corridor, int convoy_size, int destroyed, int kidnapped)
{
    bk_log_entry e = road_entry(time_h, BK_LOG_AMBUSH, segment, frac, lat, lon, corridor);
    e.loaded = e.success = true;
    e.convoy_size = convoy_size;
    e.destroyed = destroyed;
    e.kidnapped = kidnapped;
    return e;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    struct bk_scenario *sc = &f->sc;
    snprintf(sc->name, sizeof sc->name, "Two corridors (test)");
    sc->start_year = 2025;
    sc->start_month = 9;
    sc->start_day = 1;
    sc->days = 3;
    sc->seed = 7;
    snprintf(sc->iso, sizeof sc->iso, "999");
    snprintf(sc->country, sizeof sc->country, "Testland");
    snprintf(sc->region, sizeof sc->region, "Western Africa");
    snprintf(f->text, sizeof f->text, "blockade: 1\n");
    sc->text = f->text;
    sc->text_len = strlen(f->text);

    set_place(&f->places[0], "west_town", "West Town", "West", 13.0, -9.0);
    set_place(&f->places[1], "capital", "Capital", "Capital", 12.6, -8.0);
    set_place(&f->places[2], "south_town", "South Town", "South", 11.5, -7.2);
    set_place(&f->places[3], "south_port", "South Port", "Coast", 8.0, -6.0);
    snprintf(f->places[3].country, sizeof f->places[3].country, "Southland");
    sc->places = f->places;
    sc->n_places = 4;
    f->segments[0] = (bk_segment){.from = 0, .to = 1, .length_km = 120, .speed_kmh = 35,
                                  .cover = 0.6, .travel_cv = 0.3};
    f->segments[1] = (bk_segment){.from = 2, .to = 1, .length_km = 160, .speed_kmh = 35,
                                  .cover = 0.6, .travel_cv = 0.3};
    f->segments[2] = (bk_segment){.from = 3, .to = 2, .length_km = 500, .speed_kmh = 45,
                                  .cover = 0.2, .travel_cv = 0.2};
    sc->segments = f->segments;
    sc->n_segments = 3;
    snprintf(f->ports[1].id, sizeof f->ports[1].id, "south");
    f->ports[1].place = 3;
    sc->ports = f->ports;
    sc->n_ports = 2;
    snprintf(f->corridors[0].id, BK_ID_MAX, "west");
    snprintf(f->corridors[0].name, BK_NAME_MAX, "West corridor");
    snprintf(f->corridors[1].id, BK_ID_MAX, "south");
    snprintf(f->corridors[1].name, BK_NAME_MAX, "South corridor");
    sc->corridors = f->corridors;
    sc->n_corridors = 2;
    sc->city.place = 1;
    snprintf(f->cells[0].id, BK_ID_MAX, "west_cell");
    snprintf(sc->group.name, sizeof sc->group.name, "Test Armed Group");
    sc->group.cells = f->cells;
    sc->group.n_cells = 1;

    set_col(&f->cols[0], "attacks_west", "count");
    set_col(&f->cols[1], "attacks_south", "count");
    set_col(&f->cols[2], "deliveries_west", "tankers");
    set_col(&f->cols[3], "stock_gasoil_l", "L");
    set_col(&f->cols[4], "price_ratio", "share");
    const double rows[3][5] = {
        {0, 0, 10, 6000000, 1.0},
        {1, 0, 12, 5999000.5, 1.25},
        {1, 1, 0, -0.0, (double)NAN},
    };
    memcpy(f->daily, rows, sizeof rows);

    /* 0: campaign declared on day 4, no position: reported at the city. */
    f->log[0] = blank_entry(4 * 24.0 + 6.0, BK_LOG_CAMPAIGN);
    f->log[0].value = 1.0;
    /* 1: escorted convoy ambushed on 2025-09-14 between West Town and the Capital. */
    bk_log_entry *e = &f->log[1];
    *e = ambush_entry(13 * 24.0 + 10.5, 0, 0.25, 12.9, -8.75, 0, 42, 13, 5);
    e->place = 0;
    e->cell = 0;
    e->escort_units = 2;
    e->captured = 3;
    e->escort_lost = 1;
    e->fighters = 48;
    e->fighters_lost = 1.44;
    /* 2: a scripted road cut whose note holds a quote and a comma. */
    e = &f->log[2];
    *e = road_entry(14 * 24.0, BK_LOG_ROAD_CUT, 1, 0.5, 12.05, -7.6, 1);
    e->value = 48.0;
    e->note = "the \"Pont A\" bridge blown, repairs slow";
    /* 3: a supply cut: in the GeoJSON, not in the ACLED file. */
    f->log[3] = blank_entry(19 * 24.0, BK_LOG_SUPPLY_CUT);
    f->log[3].port = 1;
    f->log[3].place = 3;
    f->log[3].value = 0.5;
    /* 4: a lone tanker burned and its driver kidnapped, near the southern port (abroad). */
    f->log[4] = ambush_entry(20 * 24.0 + 23.9, 2, 0.1, 8.35, -6.1, 1, 1, 1, 1);
    f->log[4].lone = true;

    struct bk_run *run = &f->run;
    run->sc = sc;
    run->cfg.seed = 7;
    run->cfg.replication = 0;
    run->cols = f->cols;
    run->n_cols = 5;
    run->daily = f->daily;
    run->days = 3;
    run->log = f->log;
    run->n_log = 5;
    run->cap_log = 5;
    bk_run_totals *t = &run->totals;
    t->days = 3;
    t->events = 123456;
    t->loaded_l = 40.5e6;
    t->delivered_l = 36.5e6;
    t->burned_l = 14 * 45000.0;
    t->captured_l = 3 * 45000.0;
    t->in_transit_l = 2.25e6;
    t->final_stock_l = 42.125e6;
    t->tankers_start = 240;
    t->tankers_joined = 12;
    t->tankers_destroyed = 14;
    t->tankers_captured = 3;
    t->tankers_active = 235;
    t->drivers_kidnapped = 6;
    t->trips_loaded = 900;
    t->deliveries = 1234;
    t->attacks_attempted = 2;
    t->attacks_successful = 2;
    t->lone_attacks = 1;
    t->road_cuts = 1;
    t->convoys = 22;
    t->escort_lost = 1;
    t->first_attack_day = 13;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* Runs a writer into memory; the caller frees the text. */
static char *capture(bk_status (*writer)(const bk_run *, FILE *), const bk_run *run, size_t *len)
{
    bk_test_capture cap;
    assert_int_equal(writer(run, bk_test_capture_open(&cap)), BK_OK);
    char *buf = bk_test_capture_close(&cap);
    if (len)
        *len = cap.len;
    return buf;
}

static const char *line_of(const char *text, int k, char *buf, size_t n)
{
    for (int i = 0; i < k && text; i++) {
        text = strchr(text, '\n');
        if (text)
            text++;
    }
    assert_non_null(text);
    size_t len = strcspn(text, "\n");
    assert_true(len < n);
    memcpy(buf, text, len);
    buf[len] = '\0';
    return buf;
}

/* Fails the test unless line k (from 0) of text is `want`. */
static void expect_line(const char *text, int k, const char *want)
{
    char line[1024];
    assert_string_equal(line_of(text, k, line, sizeof line), want);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_dates(void **state)
{
    fixture *f = *state;
    char d[11];
    assert_int_equal(bki_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(bki_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(bki_days_from_civil(2025, 9, 14) * 86400L, 1757808000L);
    assert_int_equal(bki_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(bki_days_from_civil(2024, 2, 29), 19782);
    assert_int_equal(bki_days_from_civil(2100, 3, 1), 47541); /* 2100 is not a leap year */
    assert_int_equal(bki_days_from_civil(1, 1, 1), -719162);
    assert_int_equal(bki_days_from_civil(9999, 12, 31), 2932896);
    for (long x = -719162; x <= 2932896; x += 97) { /* years 1 to 9999 */
        int y, m, dd;
        bki_civil_from_days(x, &y, &m, &dd);
        assert_int_equal(bki_days_from_civil(y, m, dd), x);
        assert_true(m >= 1 && m <= 12 && dd >= 1 && dd <= 31);
    }
    bki_run_date(&f->sc, 13 * 24.0 + 23.99, d);
    assert_string_equal(d, "2025-09-14");
    bki_run_date(&f->sc, 0.0, d);
    assert_string_equal(d, "2025-09-01");
    bki_run_date(&f->sc, -0.5, d);
    assert_string_equal(d, "2025-08-31");
    bki_run_date(&f->sc, 24.0 * 181, d); /* across the new year and a non-leap February */
    assert_string_equal(d, "2026-03-01");
}

static void test_numbers(void **state)
{
    (void)state;
    char b[BK_FMT_NUM];
    char l[2 * BK_FMT_NUM];
    assert_true(bki_fmt_number(b, 42.0));
    assert_string_equal(b, "42");
    assert_true(bki_fmt_number(b, -0.0));
    assert_string_equal(b, "0");
    assert_true(bki_fmt_number(b, 0.1));
    assert_string_equal(b, "0.1");
    assert_true(bki_fmt_number(b, 1e20));
    assert_string_equal(b, "1e+20");
    assert_true(bki_fmt_number(b, 5999000.5));
    assert_string_equal(b, "5999000.5");
    assert_false(bki_fmt_number(b, (double)NAN));
    assert_string_equal(b, "");
    assert_false(bki_fmt_number(b, (double)INFINITY));
    assert_true(bki_fmt_fixed(b, -0.00001, 4));
    assert_string_equal(b, "0.0000");
    bki_fmt_thousands(b, 1234567);
    assert_string_equal(b, "1,234,567");
    bki_fmt_thousands(b, -999);
    assert_string_equal(b, "-999");
    bki_fmt_litres(l, 36.46e6);
    assert_string_equal(l, "36.5 million litres");
    bki_fmt_litres(l, 1234.5e6);
    assert_string_equal(l, "1,234.5 million litres");
    bki_fmt_litres(l, 812000);
    assert_string_equal(l, "812,000 litres");
    /* A comma-decimal locale, when the machine has one, must not leak into the files. */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
        assert_true(bki_fmt_number(b, 1.25));
        assert_string_equal(b, "1.25");
        setlocale(LC_NUMERIC, "C");
    }
}

static void test_daily_csv(void **state)
{
    fixture *f = *state;
    char *text = capture(bk_run_write_daily_csv, &f->run, NULL);
    expect_line(text, 0,
                "day,date,attacks_west,attacks_south,deliveries_west,stock_gasoil_l,"
                "price_ratio");
    expect_line(text, 2, "1,2025-09-02,1,0,12,5999000.5,1.25");
    /* -0 prints as 0, a NaN as an empty field. */
    expect_line(text, 3, "2,2025-09-03,1,1,0,0,");
    assert_int_equal(count_lines(text), 4);
    free(text);
}

static const char *const expected_ambush_row =
    "SIM000002,2025-09-14,2025,1,Political violence,Battles,Armed clash,Test Armed Group,,"
    "Rebel group,Military Forces of Testland,,State forces,State forces-Rebel group,,999,"
    "Western Africa,Testland,West,,,West Town,12.9000,-8.7500,1,blockade simulation,Other,"
    "\"Simulated ambush on a convoy of 42 tankers with 2 escort units on the segment West "
    "Town-Capital (west corridor): 13 tankers burned, 3 captured, 5 drivers kidnapped, 1 escort "
    "unit lost.\",0,,1757808000";

static void test_events_csv_rows(void **state)
{
    fixture *f = *state;
    char *text = capture(bk_run_write_events_csv, &f->run, NULL);
    char line[1024];
    expect_line(text, 0,
                "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,"
                "sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,"
                "interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,"
                "location,latitude,longitude,geo_precision,source,source_scale,notes,"
                "fatalities,tags,timestamp");
    /* The campaign has no position: at the city, approximate precision. */
    expect_line(text, 1,
                "SIM000001,2025-09-05,2025,1,Strategic developments,Strategic developments,"
                "Other,Test Armed Group,,Rebel group,,,,Rebel group only,,999,Western "
                "Africa,Testland,Capital,,,Capital,12.6000,-8.0000,3,blockade simulation,"
                "Other,Blockade campaign declared by Test Armed Group.,0,,1757030400");
    expect_line(text, 2, expected_ambush_row);
    /* A note with a quote and a comma: quoted, inner quotes doubled. */
    line_of(text, 3, line, sizeof line);
    assert_non_null(strstr(line, ",\"Scripted road cut on the segment South Town-Capital (south "
                                 "corridor): road closed for 48 hours (the \"\"Pont A\"\" bridge "
                                 "blown, repairs slow).\",0,,1757894400"));
    assert_non_null(strstr(line, "SIM000003,2025-09-15,"));
    /* The supply cut (entry 4) is not an ACLED event; the lone tanker abroad is entry 5. */
    line_of(text, 4, line, sizeof line);
    assert_non_null(strstr(line, "SIM000005,2025-09-21,2025,1,Political violence,Violence against "
                                 "civilians,Abduction/forced disappearance,Test Armed Group,,Rebel "
                                 "group,Civilians (Testland),,Civilians,Rebel group-Civilians,"
                                 "Civilians targeted,,Western Africa,Southland,Coast,,,South Port,"
                                 "8.3500,-6.1000,1,"));
    assert_non_null(strstr(line, "Simulated attack on a lone loaded tanker on the segment South "
                                 "Port-South Town (south corridor): tanker burned, driver "
                                 "kidnapped."));
    assert_int_equal(count_lines(text), 5);
    free(text);
}

/* Names that a spreadsheet would evaluate as formulas are written with an apostrophe in front
 * (CSV injection); coordinates, negative or not, are written as they are. */
static void test_events_csv_guards_formulas(void **state)
{
    fixture *f = *state;
    char group[sizeof f->sc.group.name], place[sizeof f->places[1].name];
    memcpy(group, f->sc.group.name, sizeof group);
    memcpy(place, f->places[1].name, sizeof place);
    snprintf(f->sc.group.name, sizeof f->sc.group.name, "=cmd|' /C calc'!A0");
    snprintf(f->places[1].name, sizeof f->places[1].name, "@Capital");
    char *text = capture(bk_run_write_events_csv, &f->run, NULL);
    memcpy(f->sc.group.name, group, sizeof group);
    memcpy(f->places[1].name, place, sizeof place);
    char line[1024];
    line_of(text, 1, line, sizeof line);
    BK_TEST_HAS_ALL(line, ",Other,\"'=cmd|' /C calc'!A0\",,Rebel group,",
                    ",Capital,,,\"'@Capital\",12.6000,-8.0000,3,");
    assert_null(strstr(text, ",=cmd"));
    assert_null(strstr(text, ",@Capital"));
    free(text);
}

typedef struct csv_count {
    int fields, records, bad_records;
    char notes[3][512];
} csv_count;

static void on_field(void *s, size_t len, void *data)
{
    csv_count *c = data;
    if (c->fields == 27 && c->records >= 1 && c->records <= 3)
        snprintf(c->notes[c->records - 1], sizeof c->notes[0], "%.*s", (int)len, (const char *)s);
    c->fields++;
}

static void on_record(int ch, void *data)
{
    (void)ch;
    csv_count *c = data;
    if (c->fields != 31)
        c->bad_records++;
    c->fields = 0;
    c->records++;
}

static void test_events_csv_parses(void **state)
{
    fixture *f = *state;
    size_t len;
    char *text = capture(bk_run_write_events_csv, &f->run, &len);
    struct csv_parser p;
    csv_count c;
    memset(&c, 0, sizeof c);
    assert_int_equal(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI), 0);
    assert_int_equal(csv_parse(&p, text, len, on_field, on_record, &c), len);
    assert_int_equal(csv_fini(&p, on_field, on_record, &c), 0);
    csv_free(&p);
    assert_int_equal(c.records, 5);
    assert_int_equal(c.bad_records, 0);
    assert_string_equal(c.notes[2], "Scripted road cut on the segment South Town-Capital (south "
                                    "corridor): road closed for 48 hours (the \"Pont A\" bridge "
                                    "blown, repairs slow).");
    free(text);
}

static struct fy_document *parse_json(const char *text, size_t len)
{
    struct fy_parse_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.flags = FYPCF_QUIET | FYPCF_JSON_FORCE;
    struct fy_document *doc = fy_document_build_from_string(&cfg, text, len);
    assert_non_null(doc);
    assert_non_null(fy_document_root(doc));
    return doc;
}

static const char *scalar_at(struct fy_document *doc, const char *path)
{
    struct fy_node *n = fy_node_by_path(fy_document_root(doc), path, (size_t)-1,
                                        FYNWF_DONT_FOLLOW);
    if (n == NULL)
        fail_msg("no node at %s", path);
    const char *s = fy_node_get_scalar0(n);
    if (s == NULL)
        fail_msg("node at %s is not a scalar", path);
    return s;
}

static void test_geojson(void **state)
{
    fixture *f = *state;
    size_t len;
    char *text = capture(bk_run_write_events_geojson, &f->run, &len);
    struct fy_document *doc = parse_json(text, len);
    assert_string_equal(scalar_at(doc, "/type"), "FeatureCollection");
    struct fy_node *features = fy_node_by_path(fy_document_root(doc), "/features", (size_t)-1,
                                               FYNWF_DONT_FOLLOW);
    assert_non_null(features);
    assert_int_equal(fy_node_sequence_item_count(features), 5);
    assert_string_equal(scalar_at(doc, "/features/1/type"), "Feature");
    assert_string_equal(scalar_at(doc, "/features/1/geometry/type"), "Point");
    assert_string_equal(scalar_at(doc, "/features/1/geometry/coordinates/0"), "-8.7500"); /* lon */
    assert_string_equal(scalar_at(doc, "/features/1/geometry/coordinates/1"), "12.9000");
    assert_string_equal(scalar_at(doc, "/features/1/properties/id"), "SIM000002");
    assert_string_equal(scalar_at(doc, "/features/1/properties/date"), "2025-09-14");
    assert_string_equal(scalar_at(doc, "/features/1/properties/time_h"), "322.5");
    assert_string_equal(scalar_at(doc, "/features/1/properties/kind"), "ambush");
    assert_string_equal(scalar_at(doc, "/features/1/properties/corridor"), "west");
    assert_string_equal(scalar_at(doc, "/features/1/properties/cell"), "west_cell");
    assert_string_equal(scalar_at(doc, "/features/1/properties/segment"), "west_town-capital");
    assert_string_equal(scalar_at(doc, "/features/1/properties/convoy_size"), "42");
    assert_string_equal(scalar_at(doc, "/features/1/properties/success"), "true");
    assert_string_equal(scalar_at(doc, "/features/1/properties/captured"), "3");
    assert_string_equal(scalar_at(doc, "/features/1/properties/fighters_lost"), "1.44");
    /* The escaped quote comes back intact. */
    assert_non_null(strstr(scalar_at(doc, "/features/2/properties/notes"), "the \"Pont A\" bridge"));
    assert_string_equal(scalar_at(doc, "/features/3/properties/kind"), "supply_cut");
    assert_string_equal(scalar_at(doc, "/features/3/properties/notes"),
                        "Supply cut at South Port: loading at 50% of its normal rate.");
    assert_string_equal(scalar_at(doc, "/features/3/properties/convoy_size"), "null");
    fy_document_destroy(doc);
    free(text);
}

static void test_summary_json(void **state)
{
    fixture *f = *state;
    size_t len;
    char *text = capture(bk_run_write_summary_json, &f->run, &len);
    struct fy_document *doc = parse_json(text, len);
    char hash[65];
    bk_scenario_hash(&f->sc, hash);
    assert_string_equal(scalar_at(doc, "/scenario"), "Two corridors (test)");
    assert_string_equal(scalar_at(doc, "/scenario_sha256"), hash);
    assert_string_equal(scalar_at(doc, "/seed"), "7");
    assert_string_equal(scalar_at(doc, "/replication"), "0");
    assert_string_equal(scalar_at(doc, "/days"), "3");
    assert_string_equal(scalar_at(doc, "/start_date"), "2025-09-01");
    assert_string_equal(scalar_at(doc, "/end_date"), "2025-09-03");
    assert_string_equal(scalar_at(doc, "/first_attack_day"), "13");
    assert_string_equal(scalar_at(doc, "/first_attack_date"), "2025-09-14");
    assert_string_equal(scalar_at(doc, "/totals/deliveries"), "1234");
    assert_string_equal(scalar_at(doc, "/totals/delivered_l"), "36500000");
    assert_string_equal(scalar_at(doc, "/totals/events"), "123456");
    assert_string_equal(scalar_at(doc, "/totals/escort_lost"), "1");
    assert_string_equal(scalar_at(doc, "/totals/first_attack_day"), "13");
    assert_string_equal(scalar_at(doc, "/columns/attacks_west/sum"), "2");
    assert_string_equal(scalar_at(doc, "/columns/stock_gasoil_l/last"), "0");
    assert_string_equal(scalar_at(doc, "/columns/stock_gasoil_l/max"), "6000000");
    /* The NaN day is left out of the level statistics. */
    assert_string_equal(scalar_at(doc, "/columns/price_ratio/last"), "1.25");
    assert_string_equal(scalar_at(doc, "/columns/price_ratio/mean"), "1.125");
    assert_string_equal(scalar_at(doc, "/columns/price_ratio/sum"), "2.25");
    assert_string_equal(scalar_at(doc, "/columns/deliveries_west/last"), "0");
    assert_string_equal(scalar_at(doc, "/columns/deliveries_west/max"), "12");
    assert_string_equal(scalar_at(doc, "/corridors/west/name"), "West corridor");
    assert_string_equal(scalar_at(doc, "/corridors/west/metrics/attacks/sum"), "2");
    assert_string_equal(scalar_at(doc, "/corridors/west/metrics/deliveries/sum"), "22");
    assert_string_equal(scalar_at(doc, "/corridors/south/metrics/attacks/sum"), "1");
    struct fy_node *south = fy_node_by_path(fy_document_root(doc), "/corridors/south/metrics",
                                            (size_t)-1, FYNWF_DONT_FOLLOW);
    assert_non_null(south);
    assert_int_equal(fy_node_mapping_item_count(south), 1);
    fy_document_destroy(doc);
    free(text);
}

static void test_story(void **state)
{
    fixture *f = *state;
    char *text = capture(bk_run_write_story, &f->run, NULL);
    int lines = count_lines(text);
    assert_true(lines >= 8 && lines <= 15);
    expect_line(text, 0, "Two corridors (test), 3 days from 2025-09-01, seed 7.");
    assert_non_null(strstr(text, "Tankers: 240 at the start, 12 joined; 14 burned, 3 captured; 6 "
                                 "drivers kidnapped; 235 in service at the end.\n"));
    assert_non_null(strstr(text, "Attacks: 2 (2 successful), first on 2025-09-14 near West Town; "
                                 "1 on lone tankers, 0 turned back.\n"));
    assert_non_null(strstr(text, "Deliveries: 1,234 tankers, 36.5 million litres; 765,000 litres "
                                 "lost on the road.\n"));
    BK_TEST_HAS_ALL(text, "Road cuts: 1.\n", "Convoys: 22; 1 escort unit lost.\n",
                    "  West corridor: 22 tankers delivered; 2 attacks.\n",
                    "  South corridor: 1 attack.\n");
    free(text);
}

typedef bk_status (*writer_fn)(const bk_run *, FILE *);
static const writer_fn writers[] = {bk_run_write_daily_csv, bk_run_write_events_csv,
                                    bk_run_write_events_geojson, bk_run_write_summary_json,
                                    bk_run_write_story};

static void test_write_error(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++) {
        FILE *full = fopen("/dev/full", "w");
        if (full == NULL)
            skip();
        assert_int_equal(writers[i](&f->run, full), BK_ERR_IO);
        fclose(full);
    }
    /* A stream opened for reading only fails at the first write, too. */
    FILE *ro = fopen(BK_SOURCE_DIR "/CMakeLists.txt", "r");
    assert_non_null(ro);
    assert_int_equal(bk_run_write_events_csv(&f->run, ro), BK_ERR_IO);
    fclose(ro);
    assert_int_equal(bk_run_write_daily_csv(NULL, stdout), BK_ERR_USAGE);
    assert_int_equal(bk_run_write_story(&f->run, NULL), BK_ERR_USAGE);
}

static void test_deterministic(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++) {
        size_t n1, n2;
        char *a = capture(writers[i], &f->run, &n1);
        char *b = capture(writers[i], &f->run, &n2);
        assert_int_equal(n1, n2);
        assert_memory_equal(a, b, n1);
        assert_true(n1 > 0);
        free(a);
        free(b);
    }
}

static void test_empty_run(void **state)
{
    fixture *f = *state;
    f->run.n_log = 0;
    f->run.days = 0;
    f->run.totals.attacks_attempted = 0;
    f->run.totals.first_attack_day = -1;
    size_t len;
    char *text = capture(bk_run_write_events_geojson, &f->run, &len);
    struct fy_document *doc = parse_json(text, len);
    struct fy_node *features = fy_node_by_path(fy_document_root(doc), "/features", (size_t)-1,
                                               FYNWF_DONT_FOLLOW);
    assert_int_equal(fy_node_sequence_item_count(features), 0);
    fy_document_destroy(doc);
    free(text);
    text = capture(bk_run_write_summary_json, &f->run, &len);
    doc = parse_json(text, len);
    assert_string_equal(scalar_at(doc, "/first_attack_date"), "null");
    assert_string_equal(scalar_at(doc, "/columns/attacks_west/sum"), "0");
    fy_document_destroy(doc);
    free(text);
    text = capture(bk_run_write_daily_csv, &f->run, NULL);
    assert_int_equal(count_lines(text), 1);
    free(text);
    text = capture(bk_run_write_story, &f->run, NULL);
    assert_non_null(strstr(text, "Attacks: none.\n"));
    free(text);
}

BK_TEST_MAIN_EACH(setup, teardown, test_dates, test_numbers, test_daily_csv,
                  test_events_csv_guards_formulas, test_events_csv_rows, test_events_csv_parses,
                  test_geojson, test_summary_json, test_story, test_write_error, test_deterministic,
                  test_empty_run)
