/* bk_test_main.c: the main() of a cmocka test program (see bk_test_main.h). */
#include "bk_test_main.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Contract in bk_test_main.h. */
int bk_test_run_named(const char *group, const char *names, const CMUnitTestFunction *fns,
                      size_t n, bk_test_fixtures fx)
{
    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    char *list = strdup(names);
    if (tests == NULL || list == NULL) {
        fprintf(stderr, "%s: out of memory\n", group);
        free(tests);
        free(list);
        return 1;
    }
    size_t k = 0;
    for (char *save = NULL, *name = strtok_r(list, ", \t\n", &save); name != NULL;
         name = strtok_r(NULL, ", \t\n", &save)) {
        if (k < n)
            tests[k] = (struct CMUnitTest){name, fns[k], fx.setup, fx.teardown, NULL};
        k++;
    }
    int failed = 1;
    if (k == n)
        failed = _cmocka_run_group_tests(group, tests, n, fx.group_setup, fx.group_teardown);
    else
        fprintf(stderr, "%s: %zu test names for %zu tests\n", group, k, n);
    free(tests);
    free(list);
    return failed;
}
