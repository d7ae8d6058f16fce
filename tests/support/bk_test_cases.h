/* bk_test_cases.h: files of test cases kept as data (in tests/data): a case opens with a line
 * "[name]" and has lines "key: value"; blank lines and lines starting with '#' are skipped.
 * A text value is written in double quotes with the escapes \n, \t, \r, \", \\ and \xHH (two
 * hex digits). Every reader here fails the calling test, naming the file and line, on a file
 * that does not follow this form, on an unknown or repeated key and on a bad value.
 */
#ifndef BK_TEST_CASES_H
#define BK_TEST_CASES_H

#include <stdbool.h>
#include <stddef.h>

#include "blockade/status.h"

#define BK_TEST_CASE_KEYS 12

/* One case: its name, its line in the file, and its keys and values (pointing into the file's
 * text, in the order given). */
typedef struct bk_test_case {
    const char *name;
    int line;
    int n;
    const char *key[BK_TEST_CASE_KEYS];
    char *value[BK_TEST_CASE_KEYS];
    int value_line[BK_TEST_CASE_KEYS];
    size_t len[BK_TEST_CASE_KEYS];      /* of a text value once decoded */
    bool decoded[BK_TEST_CASE_KEYS];
} bk_test_case;

typedef struct bk_test_cases {
    const char *file; /* the path relative to the source tree, for messages */
    char *text;
    size_t n;
    bk_test_case *c;
} bk_test_cases;

/* Reads the file `relative` (to the source tree) whose cases may use only the keys in `keys`
 * (NULL-terminated). */
void bk_test_cases_load(bk_test_cases *cs, const char *relative, const char *const *keys);
void bk_test_cases_free(bk_test_cases *cs);

/* The raw value of `key` in case c, or NULL when the case does not give it. */
const char *bk_test_case_raw(const bk_test_cases *cs, const bk_test_case *c, const char *key);
/* The text value of `key` in c with its escapes undone (in place, the first time; *len, if not
 * NULL, gets its length: a NUL byte may be among its bytes), or NULL when c does not give it. */
const char *bk_test_case_text(const bk_test_cases *cs, bk_test_case *c, const char *key,
                              size_t *len);
/* The status named (as bk_status_name gives it) by the value of `key`, required. */
bk_status bk_test_case_status(const bk_test_cases *cs, const bk_test_case *c, const char *key);
/* Fails the test at case c with a message of its own about the value of `key`. */
void bk_test_case_fail(const bk_test_cases *cs, const bk_test_case *c, const char *key,
                       const char *what);

#endif
