/* test_import.c: reading observed events and aggregates: the ACLED export of the project's own
 * coding (data/observed), an older export with numeric actor codes, written dates, a BOM, CRLF
 * and quoted fields with commas, quotes and line breaks, a UCDP GED file; filters; placement on
 * the roads; and malformed files (missing column, bad date, bad coordinate, binary data, bad
 * UTF-8, broken quoting, too large, wrong field count), each refused with file:line. The
 * command `blockade events import` exits 3 on a malformed file and writes nothing (skipped
 * until the command is registered).
 */
#define _DEFAULT_SOURCE /* wait4 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bk_test.h"
#include "bk_test_cases.h"
#include "bk_test_model.h"
#include "bk_test_cli.h"
#include "bk_test_main.h"
#include "engine/alloc.h"
#include "engine/csv.h"
#include "blockade/blockade.h"

static bk_scenario *bamako;

static int setup(void **state)
{
    (void)state;
    bk_error err;
    return bk_scenario_load_default(&bamako, &err) == BK_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    bk_scenario_free(bamako);
    return 0;
}

static const bk_event *find(const bk_events *ev, const char *id)
{
    for (size_t i = 0; i < bk_events_count(ev); i++)
        if (strcmp(bk_events_get(ev, i)->id, id) == 0)
            return bk_events_get(ev, i);
    return NULL;
}

static long day(const char *s)
{
    long d = 0;
    assert_true(bk_date_parse(s, &d));
    return d;
}

/* The placed events of ev as CSV (bk_events_write_csv), a new string. */
static char *events_csv(const bk_events *ev)
{
    bk_test_capture cap;
    assert_int_equal(bk_events_write_csv(ev, bk_test_capture_open(&cap)), BK_OK);
    return bk_test_capture_close(&cap);
}

/* The events of the file `relative` (in the source tree), read without a filter; fails the test
 * unless they read, in `format`, with `count` events (any number if count is 0). */
static bk_events *read_events(const char *relative, bk_events_format format, size_t count)
{
    char *p = bk_test_source_path(relative);
    assert_non_null(p);
    bk_events *ev = NULL;
    bk_error err;
    assert_int_equal(bk_events_read_file(p, NULL, &ev, &err), BK_OK);
    free(p);
    assert_int_equal(bk_events_get_format(ev), format);
    if (count > 0)
        assert_int_equal(bk_events_count(ev), count);
    return ev;
}

/* The event `id` of ev, which must exist and span the days from..to. */
static const bk_event *expect_span(const bk_events *ev, const char *id, const char *from,
                                   const char *to)
{
    const bk_event *e = find(ev, id);
    assert_non_null(e);
    assert_int_equal(e->day_from, day(from));
    assert_int_equal(e->day_to, day(to));
    return e;
}

static void test_dates(void **state)
{
    (void)state;
    long a = day("2025-09-14");
    assert_int_equal(day("14 September 2025"), a);
    assert_int_equal(day("14-Sep-2025"), a);
    assert_int_equal(day("14 sept. 2025"), a);
    assert_int_equal(day("2025-09-14 00:00:00.000"), a);
    assert_int_equal(a - day("1970-01-01"), a);
    assert_int_equal(day("2025-03-01") - day("2025-02-28"), 1);
    assert_int_equal(day("2024-03-01") - day("2024-02-28"), 2);
    long d;
    assert_false(bk_date_parse("2025-06-31", &d));
    assert_false(bk_date_parse("31 Juny 2025", &d));
    assert_false(bk_date_parse("2025/09/14", &d));
    assert_false(bk_date_parse("", &d));
    char buf[11];
    bk_date_format(a, buf);
    assert_string_equal(buf, "2025-09-14");
}

static void test_acled_current(void **state)
{
    (void)state;
    bk_events *ev = read_events("data/observed/bamako-2025-events.csv", BK_EVENTS_ACLED, 14);
    const bk_event *e = expect_span(ev, "BKD0009", "2025-09-01", "2025-09-07");
    assert_int_equal(e->time_precision, 2);
    assert_int_equal(e->inter1, 2); /* "Rebel group" */
    assert_int_equal(e->inter2, 7); /* "Civilians" */
    bk_events_place(ev, bamako);
    assert_int_equal(bk_events_placed(ev), 12);
    const bk_event *niono = find(ev, "BKD0006");
    assert_false(niono->placed);
    assert_non_null(strstr(niono->reason, "km away"));
    const bk_event *lak = find(ev, "BKD0013");
    assert_true(lak->placed);
    assert_string_equal(lak->corridor, "dakar_north");
    assert_true(lak->distance_km < 1.0);
    const bk_event *boug = find(ev, "BKD0014");
    assert_string_equal(boug->corridor, "abidjan_east");
    bk_events_free(ev);
}

static void test_acled_old_and_filters(void **state)
{
    (void)state;
    bk_events *ev = read_events("tests/data/acled-old.csv", BK_EVENTS_ACLED_CODES, 3);
    const bk_event *a = find(ev, "MLI1001");
    assert_int_equal(a->day, day("2025-09-14"));
    assert_string_equal(a->notes, "Escorted convoy attacked, tankers burned; the \"escort\" withdrew");
    const bk_event *b = find(ev, "MLI1002");
    assert_int_equal(b->day, day("2025-09-21"));
    assert_int_equal(b->line, 3);
    assert_non_null(strstr(b->notes, "attacked,\r\nthree trucks"));
    assert_int_equal(b->inter1, 3);
    /* time precision 3: the month */
    const bk_event *c = expect_span(ev, "SEN1003", "2025-09-01", "2025-09-30");
    assert_int_equal(c->line, 5); /* the record before it spans two lines */
    bk_events_free(ev);

    char *p = bk_test_source_path("tests/data/acled-old.csv");
    bk_error err;
    const char *kw[2] = {"TANKER", "escort"};
    bk_events_filter f = {.country = "mali", .actor = "jnim", .from = "1 September 2025",
                          .to = "2025-09-30", .keywords = kw, .n_keywords = 2};
    assert_int_equal(bk_events_read_file(p, &f, &ev, &err), BK_OK);
    assert_int_equal(bk_events_records(ev), 3);
    assert_int_equal(bk_events_count(ev), 1);
    assert_string_equal(bk_events_get(ev, 0)->id, "MLI1001");
    bk_events_free(ev);
    f = (bk_events_filter){.to = "2025-09-13"};
    assert_int_equal(bk_events_read_file(p, &f, &ev, &err), BK_OK);
    assert_int_equal(bk_events_count(ev), 1);
    bk_events_free(ev);
    f = (bk_events_filter){.from = "13/09/2025"};
    assert_int_equal(bk_events_read_file(p, &f, &ev, &err), BK_ERR_USAGE);
    assert_null(ev);
    free(p);
}

static void test_ucdp(void **state)
{
    (void)state;
    bk_events *ev = read_events("tests/data/ucdp-ged.csv", BK_EVENTS_UCDP, 3);
    const bk_event *e = expect_span(ev, "900002", "2025-09-06", "2025-09-08");
    assert_string_equal(e->actor1, "JNIM");
    bk_events_place(ev, bamako);
    assert_true(find(ev, "900001")->placed);
    assert_false(find(ev, "900003")->placed); /* where_prec 4: a region */
    assert_non_null(strstr(find(ev, "900003")->reason, "imprecise"));
    bk_events_free(ev);
}

static void test_roundtrip(void **state)
{
    (void)state;
    char *p = bk_test_source_path("data/observed/bamako-2025-events.csv");
    bk_events *ev = NULL, *back = NULL;
    bk_error err;
    assert_int_equal(bk_events_read_file(p, NULL, &ev, &err), BK_OK);
    bk_events_place(ev, bamako);
    char *text = events_csv(ev);
    assert_int_equal(bk_events_read_string(text, strlen(text), "placed", NULL, &back, &err),
                     BK_OK);
    assert_int_equal(bk_events_get_format(back), BK_EVENTS_PLACED);
    assert_int_equal(bk_events_count(back), bk_events_placed(ev));
    const bk_event *a = find(ev, "BKD0009"), *b = find(back, "BKD0009");
    assert_int_equal(a->day_from, b->day_from);
    assert_int_equal(a->day_to, b->day_to);
    assert_string_equal(a->notes, b->notes);
    bk_events_free(back);
    bk_events_free(ev);
    free(text);
    free(p);
}

/* Text fields that a spreadsheet would take for a formula (=, +, -, @ first) are written with
 * an apostrophe in front; numbers are not touched; reading the file back gives the text. */
static void test_formula_guard(void **state)
{
    (void)state;
    static const char in[] =
        "event_id_cnty,event_date,time_precision,actor1,actor2,inter1,inter2,country,latitude,"
        "longitude,geo_precision,notes\n"
        "X1,2025-09-10,1,@SUM(A1),-b,2,1,+Mali,12.64,-8.0,1,\"=HYPERLINK(\"\"http://x\"\")\"\n";
    bk_events *ev = NULL, *back = NULL;
    bk_error err;
    assert_int_equal(bk_events_read_string(in, sizeof in - 1, "in.csv", NULL, &ev, &err), BK_OK);
    bk_events_place(ev, bamako);
    assert_int_equal(bk_events_placed(ev), 1);
    char *text = events_csv(ev);
    const char *row = strchr(text, '\n') + 1;
    for (const char *q = row; (q = strchr(q, ',')) != NULL; q++)
        if (q[1] == '=' || q[1] == '+' || q[1] == '@' || (q[1] == '"' && strchr("=+@-", q[2])))
            fail_msg("unguarded field at '%.20s' in %s", q + 1, row);
    BK_TEST_HAS_ALL(row, "\"'@SUM(A1)\",\"'-b\"", "\"'+Mali\"",
                    "\"'=HYPERLINK(\"\"http://x\"\")\"");
    assert_non_null(strstr(row, ",12.6400,-8.0000,")); /* numbers as they are */
    assert_int_equal(bk_events_read_string(text, strlen(text), "placed", NULL, &back, &err),
                     BK_OK);
    const bk_event *b = find(back, "X1");
    assert_non_null(b);
    assert_string_equal(b->actor1, "@SUM(A1)");
    assert_string_equal(b->actor2, "-b");
    assert_string_equal(b->country, "+Mali");
    assert_string_equal(b->notes, "=HYPERLINK(\"http://x\")");
    bk_events_free(back);
    bk_events_free(ev);
    free(text);
}

/* Binary input (a device, a pipe) is refused at its first byte, holding no more than a chunk
 * of it: the reader used to hold the whole input, up to a limit of 1 GiB, before parsing. */
static void test_binary_stream_refused_at_once(void **state)
{
    (void)state;
    bk_events *ev = NULL;
    bk_error err;
    bki_alloc_fail_at(LONG_MAX, 0);   /* measure, fail nothing */
    bk_status st = bk_events_read_file("/dev/zero", NULL, &ev, &err);
    size_t largest = bki_alloc_largest();
    bki_alloc_fail_at(0, 0);
    assert_int_equal(st, BK_ERR_SYNTAX);
    assert_null(ev);
    assert_non_null(strstr(err.message, "/dev/zero:1:1: binary data"));
    if (largest > bki_csv_chunk_bytes + 4096)
        fail_msg("the reader held %zu bytes for a chunk of %zu", largest, bki_csv_chunk_bytes);
}

/* Read `text` and expect `status` with `want` (and "name:line") in the message. */
static void expect_error(const char *text, size_t len, bk_status status, const char *line,
                         const char *want, unsigned long long max)
{
    bk_events *ev = NULL;
    bk_error err;
    memset(&err, 0, sizeof err);
    bk_events_filter f = {.max_bytes = max};
    assert_int_equal(bk_events_read_string(text, len, "bad.csv", &f, &ev, &err), status);
    assert_null(ev);
    if (!strstr(err.message, line) || !strstr(err.message, want))
        fail_msg("message '%s' lacks '%s' or '%s'", err.message, line, want);
}

#define HEADER_CRLF "event_id_cnty,event_date,time_precision,actor1,actor2,inter1,inter2,country," \
                    "latitude,longitude,geo_precision,notes\r\n"
#define HEADER "event_id_cnty,event_date,time_precision,actor1,actor2,inter1,inter2,country," \
               "latitude,longitude,geo_precision,notes\n"

#define WELL_FORMED HEADER "X1,2025-09-01,1,a,b,2,1,Mali,12.5,-8,1,fine\n"

/* One case of the malformed texts file: its text (the rows after HEADER, or the whole text),
 * read with its size limit, is refused with its status and message. */
static void expect_case(const bk_test_cases *cs, bk_test_case *c)
{
    size_t len;
    const char *rows = bk_test_case_text(cs, c, "rows", &len);
    const char *whole = bk_test_case_text(cs, c, "text", &len);
    const char *at = bk_test_case_text(cs, c, "at", NULL);
    const char *want = bk_test_case_text(cs, c, "want", NULL);
    const char *max = bk_test_case_raw(cs, c, "max");
    if (!rows == !whole || !at || !want)
        bk_test_case_fail(cs, c, "want", "a case needs rows or text, at and want");
    char *end = NULL;
    unsigned long long limit = max ? strtoull(max, &end, 10) : 0;
    if (max && (end == max || *end != '\0'))
        bk_test_case_fail(cs, c, "max", "not a whole number");
    char *text = malloc(sizeof HEADER + len);
    assert_non_null(text);
    size_t head = rows ? sizeof HEADER - 1 : 0;
    memcpy(text, HEADER, head);
    memcpy(text + head, rows ? rows : whole, len);
    text[head + len] = '\0';
    expect_error(text, head + len, bk_test_case_status(cs, c, "status"), at, want, limit);
    free(text);
}

static void test_malformed(void **state)
{
    (void)state;
    static const char *const keys[] = {"text", "rows", "status", "at", "want", "max", NULL};
    bk_test_cases cs;
    bk_test_cases_load(&cs, "tests/data/events-malformed.txt", keys);
    assert_int_equal(cs.n, 14);
    for (size_t i = 0; i < cs.n; i++)
        expect_case(&cs, &cs.c[i]);
    bk_test_cases_free(&cs);
    /* the text refused only for its size is accepted without a limit */
    static const char ok[] = WELL_FORMED;
    bk_events *ev = NULL;
    bk_error err;
    assert_int_equal(bk_events_read_string(ok, strlen(ok), "ok.csv", NULL, &ev, &err), BK_OK);
    assert_int_equal(bk_events_count(ev), 1);
    bk_events_free(ev);
    /* a missing file */
    assert_int_equal(bk_events_read_file("/nonexistent/x.csv", NULL, &ev, &err), BK_ERR_IO);
}

/* A text whose multi-byte characters, quoted fields (with a comma, a doubled quote and a line
 * break), BOM and CRLF fall across every possible chunk boundary reads the same at every chunk
 * size, and an error in it is reported at the same place. */
static const char straddle[] =
    "\xEF\xBB\xBF" HEADER_CRLF
    "X1,2025-09-01,1,\"JNIM, \"\"the group\"\"\",b,2,1,Mali,12.6,-8.0,1,\"S\xC3\xA9gou\r\nDi\xC3\xA9ma "
    "\xE2\x82\xAC \xF0\x9F\x9A\x9A\"\r\n"
    "X2,2025-09-02,1,a,\"b\nc\",2,1,Mali,12.6,-8.0,1,\xE2\x80\x94\r\n";

static char *events_text(const char *text, size_t len, bk_status *st, bk_error *err)
{
    bk_events *ev = NULL;
    *st = bk_events_read_string(text, len, "s.csv", NULL, &ev, err);
    if (*st != BK_OK)
        return NULL;
    bk_events_place(ev, bamako);
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    for (size_t i = 0; i < bk_events_count(ev); i++) {
        const bk_event *e = bk_events_get(ev, i);
        fprintf(f, "%d|%s|%s|%s|%s\n", e->line, e->id, e->actor1, e->actor2, e->notes);
    }
    fclose(f);
    bk_events_free(ev);
    return out;
}

static void test_chunk_boundaries(void **state)
{
    (void)state;
    size_t saved = bki_csv_chunk_bytes, len = sizeof straddle - 1;
    bk_status st;
    bk_error err;
    char *whole = events_text(straddle, len, &st, &err);
    assert_int_equal(st, BK_OK);
    assert_string_equal(whole, "2|X1|JNIM, \"the group\"|b|S\xC3\xA9gou\r\nDi\xC3\xA9ma \xE2\x82\xAC "
                               "\xF0\x9F\x9A\x9A\n"
                               "4|X2|a|b\nc|\xE2\x80\x94\n");
    /* an invalid byte in the last character, and a lone lead byte at the end of the file */
    char bad[sizeof straddle], cut[sizeof straddle + 1];
    memcpy(bad, straddle, sizeof straddle);
    bad[len - 3] = 'x';                          /* E2 'x' 94: line 5 */
    memcpy(cut, straddle, len);
    cut[len] = '\xF0';
    for (size_t chunk = 4; chunk <= len + 1; chunk++) {
        bki_csv_chunk_bytes = chunk;
        char *t = events_text(straddle, len, &st, &err);
        if (st != BK_OK || strcmp(t, whole) != 0)
            fail_msg("chunk %zu: status %d, '%s'", chunk, (int)st, st == BK_OK ? t : err.message);
        free(t);
        assert_null(events_text(bad, len, &st, &err));
        if (st != BK_ERR_SYNTAX || !strstr(err.message, "s.csv:5:"))
            fail_msg("chunk %zu: '%s'", chunk, err.message);
        assert_non_null(strstr(err.message, "invalid UTF-8 (byte 0x78"));
        assert_null(events_text(cut, len + 1, &st, &err));
        if (st != BK_ERR_SYNTAX || !strstr(err.message, "s.csv:6:"))
            fail_msg("chunk %zu: '%s'", chunk, err.message);
    }
    bki_csv_chunk_bytes = saved;
    free(whole);
}

/* A field or a record longer than the format allows is refused with its line, before memory
 * grows with it. */
static void test_record_limits(void **state)
{
    (void)state;
    size_t n = (size_t)BK_CSV_MAX_RECORD_BYTES + 100;
    char *text = malloc(n + 200);
    int k = snprintf(text, 200, "%s", HEADER);
    memset(text + k, 'a', n);
    memcpy(text + k + n, "\n", 2);
    expect_error(text, strlen(text), BK_ERR_SYNTAX, "bad.csv:2:", "longer than", 0);
    free(text);
    size_t fields = BK_CSV_MAX_FIELDS + 1;
    text = malloc(2 * fields + 1);
    for (size_t i = 0; i < fields; i++)
        memcpy(text + 2 * i, "a,", 2);
    text[2 * fields - 1] = '\n';
    text[2 * fields] = '\0';
    expect_error(text, strlen(text), BK_ERR_SYNTAX, "bad.csv:1:", "fields", 0);
    free(text);
}

/* Rows of the project's export, repeated to `bytes`, written to fd. */
static void generate(int fd, size_t bytes)
{
    char *p = bk_test_source_path("data/observed/bamako-2025-events.csv");
    FILE *in = fopen(p, "rb");
    free(p);
    char *text = malloc(1 << 20);
    size_t len = fread(text, 1, 1 << 20, in);
    fclose(in);
    char *body = (char *)memchr(text, '\n', len) + 1;
    FILE *out = fdopen(fd, "wb");
    fwrite(text, 1, (size_t)(body - text), out);
    size_t blen = len - (size_t)(body - text);
    for (size_t done = 0; done < bytes; done += blen)
        fwrite(body, 1, blen, out);
    fclose(out);
    free(text);
}

static bk_status count_placed(void *ud, bk_event *e, bk_error *err)
{
    (void)err;
    bk_event_place(e, bamako);
    *(size_t *)ud += e->placed;
    return BK_OK;
}

/* Peak resident set of a child that imports `bytes` of events streamed through a pipe (0: a
 * child that reads nothing, the baseline), in KiB; exits the test on failure. */
static long import_child_rss(size_t bytes)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t gen = fork();
    assert_true(gen >= 0);
    if (gen == 0) {
        close(fds[0]);
        if (bytes)
            generate(fds[1], bytes);
        _exit(0);
    }
    close(fds[1]);
    pid_t imp = fork();
    assert_true(imp >= 0);
    if (imp == 0) {
        if (bytes == 0)
            _exit(0);
        dup2(fds[0], 0);
        size_t placed = 0;
        bk_events_info info;
        bk_error err;
        bk_status st = bk_events_scan_file("-", NULL, count_placed, &placed, &info, &err);
        if (st != BK_OK)
            fprintf(stderr, "%s\n", err.message);
        _exit(st == BK_OK && info.records * 9 > bytes / 1024 && placed > 0 ? 0 : 1);
    }
    close(fds[0]);
    int status = 0;
    struct rusage ru;
    assert_int_equal(wait4(imp, &status, 0, &ru), imp);
    assert_int_equal(waitpid(gen, NULL, 0), gen);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return ru.ru_maxrss;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IMPORT_TEST_ASAN 1
#endif
#endif
#ifndef IMPORT_TEST_ASAN
#define IMPORT_TEST_ASAN 0
#endif

/* Importing is streamed: 96 MB of events through a pipe raise the importer's peak memory by a
 * few MB (the reader used to hold the whole input: 96 MB and more). */
static void test_import_memory_bounded(void **state)
{
    (void)state;
#if defined(__SANITIZE_ADDRESS__) || IMPORT_TEST_ASAN
    skip();   /* AddressSanitizer's quarantine keeps freed memory resident (up to 256 MB) */
#endif
    long base = import_child_rss(0);
    long used = import_child_rss((size_t)96 << 20);
    print_message("peak resident set: %ld KiB without input, %ld KiB importing 96 MB\n", base,
                  used);
    if (used - base > 24 * 1024)
        fail_msg("importing 96 MB raised the peak resident set from %ld to %ld KiB", base, used);
}

static void test_aggregates(void **state)
{
    (void)state;
    char *p = bk_test_source_path("data/observed/bamako-2025-aggregates.csv");
    bk_aggregates *ag = NULL;
    bk_error err;
    assert_int_equal(bk_aggregates_read_file(p, &ag, &err), BK_OK);
    assert_int_equal(bk_aggregates_count(ag), 5);
    const bk_aggregate *a = bk_aggregates_get(ag, 2);
    assert_string_equal(a->quantity, "tankers_destroyed");
    assert_true(a->low == 40 && a->best == 100 && a->high == 100);
    assert_int_equal(a->day_from, day("2025-09-03"));
    bk_aggregates_free(ag);
    free(p);
    p = bk_test_source_path("tests/data/aggregates-bad.csv");
    assert_int_equal(bk_aggregates_read_file(p, &ag, &err), BK_ERR_VALUE);
    assert_null(ag);
    assert_non_null(strstr(err.message, "aggregates-bad.csv:3:"));
    free(p);
}

/* The observation model on the record: attacks per corridor from the placed events. */
static void test_observation(void **state)
{
    (void)state;
    char *ep = bk_test_source_path("data/observed/bamako-2025-events.csv");
    char *ap = bk_test_source_path("data/observed/bamako-2025-aggregates.csv");
    bk_events *ev = NULL;
    bk_aggregates *ag = NULL;
    bk_error err;
    assert_int_equal(bk_events_read_file(ep, NULL, &ev, &err), BK_OK);
    assert_int_equal(bk_aggregates_read_file(ap, &ag, &err), BK_OK);
    bk_events_place(ev, bamako);
    bk_obs_config cfg;
    bk_obs_config_init(&cfg, bamako);
    bk_obs *obs = NULL;
    assert_int_equal(bk_obs_new(bamako, ev, ag, &cfg, &obs, &err), BK_OK);
    assert_int_equal(bk_obs_days(obs), 30);
    double total_week = 0;
    int found = 0;
    for (int k = 0; k < bk_obs_count(obs); k++) {
        bk_obs_stat s;
        bk_obs_get(obs, k, &s);
        if (strcmp(s.name, "attacks_dakar_north") == 0) {
            assert_true(fabs(s.observed - 4) < 1e-9);
            found++;
        } else if (strcmp(s.name, "attacks_abidjan_east") == 0) {
            assert_true(fabs(s.observed - 2) < 1e-9);
            found++;
        } else if (strncmp(s.name, "attacks_week_", 13) == 0) {
            total_week += s.observed;
        } else if (strcmp(s.name, "tankers_destroyed_2025-09-14_2025-09-14") == 0) {
            assert_true(s.low == 20 && s.observed == 40 && s.high == 80);
            assert_true(s.aggregate);
            found++;
        }
    }
    assert_int_equal(found, 3);
    assert_true(fabs(total_week - 6) < 1e-9); /* windowed events split across weeks */
    /* measurement error: draws stay within [low, high] */
    double *v = calloc((size_t)bk_obs_count(obs), sizeof *v);
    for (uint64_t seed = 0; seed < 50; seed++) {
        bk_obs_draw_truth(obs, seed, v);
        for (int k = 0; k < bk_obs_count(obs); k++) {
            bk_obs_stat s;
            bk_obs_get(obs, k, &s);
            assert_true(v[k] >= s.low - 1e-9 && v[k] <= s.high + 1e-9);
        }
    }
    /* a simulated run gives finite statistics */
    bk_run_config rc;
    bk_run_config_init(&rc, bamako);
    rc.days = bk_obs_days(obs);
    bk_run *run = NULL;
    assert_int_equal(bk_sim_run(bamako, &rc, &run, &err), BK_OK);
    assert_int_equal(bk_obs_simulate(obs, run, 1, 1.0, v, &err), BK_OK);
    bk_run_totals t;
    bk_run_get_totals(run, &t);
    double attacks = 0;
    for (int k = 0; k < bk_obs_count(obs); k++) {
        bk_obs_stat s;
        bk_obs_get(obs, k, &s);
        assert_true(isfinite(v[k]) && v[k] >= 0);
        if (strncmp(s.name, "attacks_week_", 13) == 0)
            attacks += v[k];
        if (strncmp(s.name, "fuel_imports_registered", 23) == 0)
            assert_true(fabs(v[k] - t.delivered_l / 1e6) < 1e-6);
    }
    assert_true(fabs(attacks - (double)t.attacks_attempted) < 1e-9); /* report_prob 1 */
    /* by region: the record's attacks in each of Mali's regions (an attack on a road between two
     * regions counts in both); the other statistics keep their values, simulated ones too */
    bk_obs_config rcfg = cfg;
    rcfg.regions = true;
    bk_obs *robs = NULL;
    assert_int_equal(bk_obs_new(bamako, ev, ag, &rcfg, &robs, &err), BK_OK);
    assert_int_equal(bk_obs_count(robs), bk_obs_count(obs) + 4);
    double *rv = calloc((size_t)bk_obs_count(robs), sizeof *rv);
    assert_int_equal(bk_obs_simulate(robs, run, 1, 1.0, rv, &err), BK_OK);
    static const struct {
        const char *name;
        double observed;
    } regions[] = {{"attacks_region_kayes", 3}, {"attacks_region_koulikoro", 2},
                   {"attacks_region_bamako", 0}, {"attacks_region_sikasso", 2}};
    int j = 0;
    for (int k = 0; k < bk_obs_count(robs); k++) {
        bk_obs_stat s;
        bk_obs_get(robs, k, &s);
        if (strncmp(s.name, "attacks_region_", 15) != 0) {
            bk_obs_stat o;
            bk_obs_get(obs, j, &o);
            assert_string_equal(s.name, o.name);
            assert_true(s.observed == o.observed && rv[k] == v[j]);
            j++;
            continue;
        }
        bool known = false;
        for (size_t r = 0; r < sizeof regions / sizeof regions[0]; r++)
            if (strcmp(s.name, regions[r].name) == 0) {
                known = true;
                if (fabs(s.observed - regions[r].observed) > 1e-9)
                    fail_msg("%s: %g observed, the record has %g", s.name, s.observed,
                             regions[r].observed);
            }
        assert_true(known && s.group == BK_OBS_ATTACKS && !s.aggregate);
        assert_true(rv[k] >= 0 && rv[k] <= (double)t.attacks_attempted);
    }
    assert_int_equal(j, bk_obs_count(obs));
    free(rv);
    bk_obs_free(robs);
    bk_run_free(run);
    free(v);
    bk_obs_free(obs);
    bk_aggregates_free(ag);
    bk_events_free(ev);
    free(ep);
    free(ap);
}

static void test_cli(void **state)
{
    (void)state;
    bk_cli_sh_code(0, "events import --help");
    char *dir = bk_test_temp_dir("bk-import");
    const char *bad = HEADER "X1,2025-13-01,1,a,b,2,1,Mali,12.6,-8.0,1,ok\n";
    char *in = bk_test_write_temp(dir, "bad.csv", bad, strlen(bad));
    char out[1024];
    snprintf(out, sizeof out, "%s/out.csv", dir);
    bk_cli_sh_code(3, "events import %s --out %s", in, out);
    struct stat st;
    assert_int_not_equal(stat(out, &st), 0); /* nothing written */
    char *src = bk_test_source_path("data/observed/bamako-2025-events.csv");
    bk_cli_sh_code(0, "events import %s --out %s --from 2025-09-01", src, out);
    /* The file gets the usual mode of a new file (0666 less the umask), like other outputs,
     * not the 0600 of a temporary file. */
    mode_t mask = umask(0);
    umask(mask);
    assert_int_equal(stat(out, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0666 & ~mask);
    char *text = bk_test_read_file(out, NULL);
    assert_non_null(text);
    assert_non_null(strstr(text, "BKD0013"));
    assert_null(strstr(text, "BKD0001"));
    bk_cli_sh_code(2, "events import %s --from yesterday", src);
    free(text);
    free(src);
    free(in);
    bk_test_remove_dir(dir);
}

BK_TEST_MAIN_GROUP("tests", setup, teardown, test_dates, test_acled_current,
                   test_acled_old_and_filters, test_ucdp, test_roundtrip, test_formula_guard,
                   test_binary_stream_refused_at_once, test_chunk_boundaries, test_record_limits,
                   test_import_memory_bounded, test_malformed, test_aggregates, test_observation,
                   test_cli)
