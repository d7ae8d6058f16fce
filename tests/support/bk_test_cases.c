/* bk_test_cases.c: files of test cases kept as data (contract in bk_test_cases.h). */
#include "bk_test_cases.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bk_test_model.h"

static int key_index(const bk_test_case *c, const char *key)
{
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->key[i], key) == 0)
            return i;
    return -1;
}

static void add_value(const bk_test_cases *cs, bk_test_case *c, char *line, int at,
                      const char *const *keys)
{
    char *colon = strstr(line, ": ");
    if (!c || !colon)
        fail_msg("%s:%d: expected [name] or 'key: value'", cs->file, at);
    *colon = '\0';
    bool known = false;
    for (const char *const *k = keys; *k && !known; k++)
        known = strcmp(*k, line) == 0;
    if (!known)
        fail_msg("%s:%d: unknown key '%s'", cs->file, at, line);
    if (key_index(c, line) >= 0)
        fail_msg("%s:%d: key '%s' given twice", cs->file, at, line);
    if (c->n == BK_TEST_CASE_KEYS)
        fail_msg("%s:%d: more than %d keys", cs->file, at, BK_TEST_CASE_KEYS);
    c->key[c->n] = line;
    c->value[c->n] = colon + 2;
    c->value_line[c->n++] = at;
}

void bk_test_cases_load(bk_test_cases *cs, const char *relative, const char *const *keys)
{
    memset(cs, 0, sizeof *cs);
    cs->file = relative;
    cs->text = bk_test_slurp_source(relative);
    assert_non_null(cs->text);
    size_t cap = 0;
    bk_test_case *c = NULL;
    int at = 0;
    for (char *line = cs->text, *next; *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        else
            next = line + strlen(line);
        at++;
        size_t n = strlen(line);
        if (n == 0 || *line == '#')
            continue;
        if (*line != '[') {
            add_value(cs, c, line, at, keys);
            continue;
        }
        if (n < 3 || line[n - 1] != ']')
            fail_msg("%s:%d: a case's name must be [in brackets]", cs->file, at);
        if (cs->n == cap) {
            cap = cap ? 2 * cap : 64;
            bk_test_case *grown = realloc(cs->c, cap * sizeof *grown);
            assert_non_null(grown);
            cs->c = grown;
        }
        c = &cs->c[cs->n++];
        memset(c, 0, sizeof *c);
        line[n - 1] = '\0';
        c->name = line + 1;
        c->line = at;
    }
}

void bk_test_cases_free(bk_test_cases *cs)
{
    free(cs->text);
    free(cs->c);
    memset(cs, 0, sizeof *cs);
}

const char *bk_test_case_raw(const bk_test_cases *cs, const bk_test_case *c, const char *key)
{
    (void)cs;
    int i = key_index(c, key);
    return i < 0 ? NULL : c->value[i];
}

void bk_test_case_fail(const bk_test_cases *cs, const bk_test_case *c, const char *key,
                       const char *what)
{
    int i = key_index(c, key);
    fail_msg("%s:%d: case '%s', %s: %s", cs->file, i < 0 ? c->line : c->value_line[i], c->name,
             key, what);
}

const char *bk_test_case_text(const bk_test_cases *cs, bk_test_case *c, const char *key,
                              size_t *len)
{
    int i = key_index(c, key);
    if (i < 0)
        return NULL;
    char *v = c->value[i];
    if (c->decoded[i]) {
        if (len)
            *len = c->len[i];
        return v;
    }
    size_t n = strlen(v);
    if (n < 2 || v[0] != '"' || v[n - 1] != '"')
        bk_test_case_fail(cs, c, key, "a text must be in double quotes");
    char *out = v; /* decoded in place: never longer than the quoted form */
    size_t k = 0;
    for (size_t j = 1; j < n - 1; j++) {
        char ch = v[j];
        if (ch == '"')
            bk_test_case_fail(cs, c, key, "a quote inside a text must be written \\\"");
        if (ch != '\\') {
            out[k++] = ch;
            continue;
        }
        ch = v[++j];
        if (ch == 'n' || ch == 't' || ch == 'r' || ch == '"' || ch == '\\') {
            out[k++] = ch == 'n' ? '\n' : ch == 't' ? '\t' : ch == 'r' ? '\r' : ch;
            continue;
        }
        unsigned x = 0;
        if (ch != 'x' || j + 2 >= n - 1 || !isxdigit((unsigned char)v[j + 1]) ||
            !isxdigit((unsigned char)v[j + 2]) || sscanf(v + j + 1, "%2x", &x) != 1)
            bk_test_case_fail(cs, c, key, "bad escape");
        out[k++] = (char)x;
        j += 2;
    }
    out[k] = '\0';
    c->len[i] = k;
    c->decoded[i] = true;
    if (len)
        *len = k;
    return out;
}

bk_status bk_test_case_status(const bk_test_cases *cs, const bk_test_case *c, const char *key)
{
    const char *v = bk_test_case_raw(cs, c, key);
    if (!v)
        bk_test_case_fail(cs, c, key, "missing");
    for (int s = BK_OK; s <= BK_ERR_INTERRUPTED; s++)
        if (strcmp(bk_status_name((bk_status)s), v) == 0)
            return (bk_status)s;
    bk_test_case_fail(cs, c, key, "unknown status");
    return BK_OK;
}
