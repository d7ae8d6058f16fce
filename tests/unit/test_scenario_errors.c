/* test_scenario_errors.c: malformed scenarios. A table of them (tests/data/scenario-errors.txt:
 * each made by editing the reference file scenarios/test/two-corridors.yaml, or given as raw
 * bytes) fail with the right status, line and message, from text and from a file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bk_test.h"
#include "bk_test_cases.h"
#include "bk_test_model.h"
#include "bk_test_main.h"
#include "scenario/scenario.h"

#define REFERENCE_FILE BK_TEST_REFERENCE_FILE
#define CASES_FILE     "tests/data/scenario-errors.txt"
#define base_text      bk_test_base_text /* the reference file, read once */

/* Expected line relative to the line of the first edit in the base text: EDIT, EDIT + 1, ... */
#define EDIT (-1000)

/* Bytes given as they are, or made by a function. */
typedef struct raw_text {
    const char *bytes;
    size_t len;
    char *(*gen)(size_t *len);
} raw_text;

/* A case of CASES_FILE (its texts point into the file's text). */
typedef struct bad_case {
    const char *name;
    const char *find, *replace;   /* textual edit of the reference file... */
    const char *find2, *replace2; /* ...and an optional second one */
    const raw_text *raw;          /* or a whole text of its own (then find is NULL) */
    bk_status status;
    int line;              /* EDIT + k: k lines after the first edit; 0: no line */
    const char *substring; /* expected in the message */
} bad_case;

static char *dup_text(const char *s, size_t len, size_t *out_len)
{
    char *t = malloc(len + 1);
    if (t) {
        memcpy(t, s, len);
        t[len] = '\0';
    }
    *out_len = len;
    return t;
}

static char *gen_deep(size_t *len)
{
    const size_t n = 100000;
    char *t = malloc(n + 1);
    if (t) {
        memset(t, '[', n);
        t[n] = '\0';
    }
    *len = n;
    return t;
}

static char *gen_two_documents(size_t *len)
{
    size_t n = strlen(base_text);
    char *t = malloc(n + 32);
    if (t) {
        snprintf(t, n + 32, "%s---\nother: 1\n", base_text);
        *len = strlen(t);
    }
    return t;
}

#define RAW(s)                                                                                     \
    {                                                                                              \
        s, sizeof s - 1, NULL                                                                      \
    }
static const raw_text raw_fy_crash = RAW("? ?:\t:"), raw_empty = RAW(""),
                      raw_blank = {"   \n\n  \r\n", 8, NULL},
                      raw_comment_only = RAW("# nothing here\n"),
                      raw_binary = RAW("\x89PNG\r\n\x1a\n\0\0\0\r"),
                      raw_nul = RAW("blockade: 1\nsce\0nario: {}\n"),
                      raw_control = RAW("blockade: 1\n\nscenario: \x01\n"),
                      raw_top_list = RAW("- blockade: 1\n- scenario: {}\n"),
                      raw_top_scalar = RAW("just a sentence\n"), raw_deep = {NULL, 0, gen_deep},
                      raw_two_documents = {NULL, 0, gen_two_documents};

/* The raw texts that cases name. */
static const struct {
    const char *name;
    const raw_text *raw;
} raw_texts[] = {
    {"fy_crash", &raw_fy_crash},         {"empty", &raw_empty},
    {"blank", &raw_blank},               {"comment_only", &raw_comment_only},
    {"binary", &raw_binary},             {"nul", &raw_nul},
    {"control", &raw_control},           {"top_list", &raw_top_list},
    {"top_scalar", &raw_top_scalar},     {"deep", &raw_deep},
    {"two_documents", &raw_two_documents},
};

static bk_test_cases case_file;
static bad_case *bad_cases;
static size_t n_cases;

/* "7", "edit", "edit+2", "edit-3" as a line of bad_case, or a failed test. */
static int line_of(const bk_test_case *tc)
{
    const char *v = bk_test_case_raw(&case_file, tc, "line"), *num = v;
    if (!v)
        bk_test_case_fail(&case_file, tc, "line", "missing");
    int base = 0;
    if (strncmp(v, "edit", 4) == 0) {
        base = EDIT;
        num = v + 4;
        if (*num == '\0')
            return EDIT;
        if (*num != '+' && *num != '-')
            bk_test_case_fail(&case_file, tc, "line", "not a line");
    }
    char *end;
    long k = strtol(num, &end, 10);
    if (end == num || *end != '\0' || k < -100 || k > 100000 || (base == 0 && k < 0))
        bk_test_case_fail(&case_file, tc, "line", "not a line");
    return base + (int)k;
}

/* The text of `key` in tc as a string (NULL when not given); no NUL byte in it. */
static const char *text_of(bk_test_case *tc, const char *key)
{
    size_t len;
    const char *t = bk_test_case_text(&case_file, tc, key, &len);
    if (t && strlen(t) != len)
        bk_test_case_fail(&case_file, tc, key, "a NUL byte in the text");
    return t;
}

/* The case tc of CASES_FILE as a bad_case, or a failed test. */
static bad_case case_of(bk_test_case *tc)
{
    bad_case c = {tc->name,
                  text_of(tc, "find"),
                  text_of(tc, "replace"),
                  text_of(tc, "find2"),
                  text_of(tc, "replace2"),
                  NULL,
                  bk_test_case_status(&case_file, tc, "status"),
                  line_of(tc),
                  text_of(tc, "want")};
    const char *raw = bk_test_case_raw(&case_file, tc, "raw");
    for (size_t i = 0; raw && i < sizeof raw_texts / sizeof raw_texts[0]; i++)
        if (strcmp(raw_texts[i].name, raw) == 0)
            c.raw = raw_texts[i].raw;
    if (raw && !c.raw)
        bk_test_case_fail(&case_file, tc, "raw", "unknown raw text");
    bool edit = c.find && c.replace;
    if (!c.substring || edit == (c.raw != NULL) || (c.find == NULL) != (c.replace == NULL) ||
        (c.find2 == NULL) != (c.replace2 == NULL) || (c.find2 && !edit))
        bk_test_case_fail(&case_file, tc, "want",
                          "a case needs want, and either find and replace (find2 and replace2 "
                          "with them) or raw");
    return c;
}

static void free_cases(void)
{
    free(bad_cases);
    bad_cases = NULL;
    n_cases = 0;
    bk_test_cases_free(&case_file);
}

/* The cases of CASES_FILE into bad_cases (once); fails the test on a malformed file. */
static void load_cases(void)
{
    if (bad_cases)
        return;
    free_cases(); /* what a failed load left */
    static const char *const keys[] = {"find",   "replace", "find2", "replace2", "raw",
                                       "status", "line",    "want",  NULL};
    bk_test_cases_load(&case_file, CASES_FILE, keys);
    bad_case *cases = calloc(case_file.n + 1, sizeof *cases);
    assert_non_null(cases);
    for (size_t i = 0; i < case_file.n; i++)
        cases[i] = case_of(&case_file.c[i]);
    bad_cases = cases;
    n_cases = case_file.n;
}

static int teardown(void **state)
{
    free_cases();
    return bk_test_teardown_base(state);
}

static char *make_case_text(const bad_case *c, size_t *len, int *edit_line)
{
    *edit_line = 0;
    if (c->raw != NULL)
        return c->raw->gen ? c->raw->gen(len) : dup_text(c->raw->bytes, c->raw->len, len);
    *edit_line = bk_test_line_of(base_text, c->find);
    char *t = bk_test_replace(base_text, c->find, c->replace);
    if (t != NULL && c->find2 != NULL) {
        char *t2 = bk_test_replace(t, c->find2, c->replace2);
        free(t);
        t = t2;
    }
    if (t != NULL)
        *len = strlen(t);
    return t;
}

static void malformed_scenarios(void **state)
{
    (void)state;
    load_cases();
    const size_t n = n_cases;
    assert_true(n >= 45 + 30);
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        const bad_case *c = &bad_cases[i];
        size_t len = 0;
        int edit_line;
        char *text = make_case_text(c, &len, &edit_line);
        if (text == NULL) {
            print_error("case '%s': the edit does not apply to %s\n", c->name, REFERENCE_FILE);
            failures++;
            continue;
        }
        int want_line = c->line <= EDIT / 2 ? edit_line + (c->line - EDIT) : c->line;
        bk_scenario *sc = (bk_scenario *)&sc;
        bk_error err;
        memset(&err, 0, sizeof err);
        bk_status st = bk_scenario_load_string(text, len, "bad.yaml", &sc, &err);
        if (getenv("BK_TEST_VERBOSE"))
            print_message("%-36s %s\n", c->name, err.message);
        bool ok = st == c->status && sc == NULL && err.status == c->status &&
                  err.line == want_line && strstr(err.message, c->substring) != NULL &&
                  strchr(err.message, '\n') == NULL && strncmp(err.message, "bad.yaml:", 9) == 0;
        if (!ok) {
            print_error("case '%s': got %s line %d \"%s\"; want %s line %d containing \"%s\"\n",
                        c->name, bk_status_name(st), err.line, err.message,
                        bk_status_name(c->status), want_line, c->substring);
            failures++;
        }
        if (st == BK_OK && sc != NULL && sc != (bk_scenario *)&sc)
            bk_scenario_free(sc);
        free(text);
    }
    assert_int_equal(failures, 0);
}

/* A few bad cases again through a real file: same status and line, the path in the message. */
static void malformed_files(void **state)
{
    (void)state;
    char *dir = bk_test_temp_dir("bk-scenario");
    load_cases();
    const size_t picks[] = {0, 9, 16, 40};
    assert_true(n_cases > 40);
    for (size_t i = 0; i < sizeof picks / sizeof picks[0]; i++) {
        const bad_case *c = &bad_cases[picks[i]];
        size_t len = 0;
        int edit_line;
        char *text = make_case_text(c, &len, &edit_line);
        assert_non_null(text);
        char *path = bk_test_temp_file(dir, "bad.yaml", text, len);
        bk_scenario *sc = (bk_scenario *)&sc;
        bk_error err = {0};
        assert_int_equal(bk_scenario_load_file(path, &sc, &err), c->status);
        assert_null(sc);
        assert_int_equal(strncmp(err.message, path, strlen(path)), 0);
        assert_string_equal(err.file, path);
        assert_non_null(strstr(err.message, c->substring));
        free(path);
        free(text);
    }
    assert_int_equal(bk_test_remove_tree(dir), 0);
    free(dir);
}

BK_TEST_MAIN_GROUP("scenario_errors", bk_test_setup_base, teardown,
                   malformed_scenarios, malformed_files)
