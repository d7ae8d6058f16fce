/* bk_test.c: helpers shared by the unit tests (see bk_test.h). */
#include "bk_test.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef BK_SOURCE_DIR
#define BK_SOURCE_DIR "."
#endif

static char *concat3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = malloc(la + lb + lc + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    return s;
}

/* Contract in bk_test.h. */
char *bk_test_source_path(const char *relative)
{
    return concat3(BK_SOURCE_DIR, "/", relative);
}

/* Contract in bk_test.h. */
char *bk_test_read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf != NULL) {
        if (n == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (buf == NULL || bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* Contract in bk_test.h. */
int bk_test_write_file(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    if (fp == NULL)
        return -1;
    size_t put = len ? fwrite(data, 1, len, fp) : 0;
    int closed = fclose(fp);
    return (put == len && closed == 0) ? 0 : -1;
}

/* Contract in bk_test.h. */
char *bk_test_make_temp_dir(const char *prefix)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    char *tmpl = malloc(strlen(base) + strlen(prefix) + 16);
    if (tmpl == NULL)
        return NULL;
    sprintf(tmpl, "%s/%s-XXXXXX", base, prefix);
    if (mkdtemp(tmpl) == NULL) {
        free(tmpl);
        return NULL;
    }
    return tmpl;
}

/* Contract in bk_test.h. */
char *bk_test_write_temp(const char *dir, const char *name, const void *data, size_t len)
{
    char *path = concat3(dir, "/", name);
    if (path != NULL && bk_test_write_file(path, data, len) != 0) {
        free(path);
        return NULL;
    }
    return path;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Contract in bk_test.h. */
int bk_test_remove_tree(const char *path)
{
    if (access(path, F_OK) != 0)
        return errno == ENOENT ? 0 : -1;
    return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* Contract in bk_test.h. */
void bk_test_remove_dir(char *dir)
{
    if (dir)
        bk_test_remove_tree(dir);
    free(dir);
}

/* Contract in bk_test.h. */
char *bk_test_replace(const char *text, const char *find, const char *replace)
{
    const char *at = strstr(text, find);
    if (at == NULL)
        return NULL;
    size_t head = (size_t)(at - text), lf = strlen(find), lr = strlen(replace);
    size_t tail = strlen(at + lf);
    char *s = malloc(head + lr + tail + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, text, head);
    memcpy(s + head, replace, lr);
    memcpy(s + head + lr, at + lf, tail + 1);
    return s;
}

/* Contract in bk_test.h. */
size_t bk_test_count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Contract in bk_test.h. */
int bk_test_line_of(const char *text, const char *find)
{
    const char *at = strstr(text, find);
    if (at == NULL)
        return 0;
    int line = 1;
    for (const char *p = text; p < at; p++)
        line += *p == '\n';
    return line;
}
