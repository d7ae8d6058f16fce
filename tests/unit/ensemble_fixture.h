/* ensemble_fixture.h: the fixture shared by test_ensemble.c (the library) and
 * test_ensemble_cli.c (the command-line tool and comparisons): the two-corridor scenario,
 * loaded once per program, and a temporary directory removed at the end. */
#ifndef BK_ENSEMBLE_FIXTURE_H
#define BK_ENSEMBLE_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bk_test.h"
#include "blockade/blockade.h"

#define TWO_CORRIDORS BK_SOURCE_DIR "/scenarios/test/two-corridors.yaml"

#if defined(__SANITIZE_ADDRESS__)
#define BK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BK_ASAN 1
#endif
#endif

static bk_scenario *scenario;
static char *tmp;
static char *tmp_paths[64]; /* the strings made by tmp_path, freed by teardown */
static size_t n_tmp_paths;

static int setup(void **state)
{
    (void)state;
    bk_error err;
    if (bk_scenario_load_file(TWO_CORRIDORS, &scenario, &err) != BK_OK)
        return -1;
    tmp = bk_test_make_temp_dir("bk-ensemble");
    return tmp ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    bk_scenario_free(scenario);
    bk_test_remove_dir(tmp);
    while (n_tmp_paths > 0)
        free(tmp_paths[--n_tmp_paths]);
    return 0;
}

/* A new string: tmp/name, freed with the temporary directory at the end (by teardown). */
static char *tmp_path(const char *name)
{
    assert_true(n_tmp_paths < sizeof tmp_paths / sizeof tmp_paths[0]);
    size_t n = strlen(tmp) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", tmp, name);
    tmp_paths[n_tmp_paths++] = p;
    return p;
}

#endif
