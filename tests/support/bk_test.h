/* bk_test.h: small helpers shared by the unit tests (files, temporary directories, paths).
 *
 * Every function here is for tests only: on failure it returns NULL or -1 and never aborts, so
 * the calling test decides how to fail (usually assert_non_null / assert_int_equal).
 */
#ifndef BK_TEST_H
#define BK_TEST_H

#include <stddef.h>

/* The path of a file in the source tree, e.g. bk_test_source_path("scenarios/test/x.yaml").
 * Returns a new string (free with free()), or NULL when out of memory. */
char *bk_test_source_path(const char *relative);

/* Read a whole file into a new NUL-terminated buffer (free with free()); *len (if not NULL)
 * receives its length in bytes, not counting the NUL. NULL if the file cannot be read. */
char *bk_test_read_file(const char *path, size_t *len);

/* Write len bytes to path, replacing any file there. 0 on success, -1 on failure. */
int bk_test_write_file(const char *path, const void *data, size_t len);

/* Make a new empty directory under $TMPDIR (or /tmp) named after `prefix`. Returns its path
 * (free with free()), or NULL on failure. Remove it with bk_test_remove_tree. */
char *bk_test_make_temp_dir(const char *prefix);

/* Write len bytes to a file called `name` inside `dir`. Returns the file's path (free with
 * free()), or NULL on failure. */
char *bk_test_write_temp(const char *dir, const char *name, const void *data, size_t len);

/* Remove a file or a directory tree. 0 on success (or if it does not exist), -1 on failure. */
int bk_test_remove_tree(const char *path);

/* bk_test_remove_tree of dir unless it is NULL, then free(dir): the end of a directory made by
 * bk_test_make_temp_dir. */
void bk_test_remove_dir(char *dir);

/* A copy of text in which the first occurrence of `find` is replaced by `replace` (free with
 * free()). NULL if `find` does not occur or out of memory. */
char *bk_test_replace(const char *text, const char *find, const char *replace);

/* How many times `needle` occurs in `hay` (overlapping occurrences counted). */
size_t bk_test_count(const char *hay, const char *needle);

/* 1-based line number of the first occurrence of `find` in text, or 0 if absent. */
int bk_test_line_of(const char *text, const char *find);

#endif
