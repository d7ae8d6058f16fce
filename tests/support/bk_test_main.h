/* bk_test_main.h: the main() of a cmocka test program, written as the list of its tests.
 *
 *     BK_TEST_MAIN(test_a, test_b, test_c)
 *
 * is the usual main() that runs cmocka_unit_test(test_a), cmocka_unit_test(test_b), ... as the
 * group "tests" with no set-up or teardown; each test keeps its function's name. The variants
 * name the group and give it a set-up and teardown (BK_TEST_MAIN_GROUP), or give each test its
 * own (BK_TEST_MAIN_EACH, as cmocka_unit_test_setup_teardown).
 */
#ifndef BK_TEST_MAIN_H
#define BK_TEST_MAIN_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* The set-up and teardown of a group and of each of its tests (any may be NULL). */
typedef struct bk_test_fixtures {
    CMFixtureFunction group_setup, group_teardown;
    CMFixtureFunction setup, teardown;
} bk_test_fixtures;

/* Runs the n tests fns as the cmocka group `group`, each named by the matching entry of `names`
 * (the functions' names as a comma-separated list, as the macros below write it). Returns what
 * cmocka returns (the number of failed tests); 1 if names does not list n names. */
int bk_test_run_named(const char *group, const char *names, const CMUnitTestFunction *fns,
                      size_t n, bk_test_fixtures fx);

#define BK_TEST_MAIN_WITH(group, fixtures, ...)                                                    \
    int main(void)                                                                                 \
    {                                                                                              \
        static const CMUnitTestFunction bk_test_fns[] = {__VA_ARGS__};                             \
        return bk_test_run_named(group, #__VA_ARGS__, bk_test_fns,                                 \
                                 sizeof bk_test_fns / sizeof bk_test_fns[0], fixtures);            \
    }

#define BK_TEST_MAIN(...) BK_TEST_MAIN_WITH("tests", (bk_test_fixtures){0}, __VA_ARGS__)

/* The group `group` with the set-up and teardown of the whole group. */
#define BK_TEST_MAIN_GROUP(group, group_setup, group_teardown, ...)                                \
    BK_TEST_MAIN_WITH(group, ((bk_test_fixtures){group_setup, group_teardown, NULL, NULL}),        \
                      __VA_ARGS__)

/* The group "tests" with the set-up and teardown of each test. */
#define BK_TEST_MAIN_EACH(setup, teardown, ...)                                                    \
    BK_TEST_MAIN_WITH("tests", ((bk_test_fixtures){NULL, NULL, setup, teardown}), __VA_ARGS__)

#endif
