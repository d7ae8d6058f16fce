/* alloc.h (internal): the library's allocation functions. Every malloc, calloc, realloc,
 * strdup and free of the library goes through these, so that a test can make the n-th
 * allocation fail and check that each operation fails cleanly (the fault-injection sweep of
 * tests/unit/test_faults.c, in the manner of SQLite's and Lua's own tests).
 *
 * bki_free is free(): memory from these functions may be released with free() and memory from
 * the C library (strdup, open_memstream, libfyaml's emitter) with bki_free. In normal use they
 * cost one relaxed atomic load more than the C library's functions.
 */
#ifndef BK_ENGINE_ALLOC_H
#define BK_ENGINE_ALLOC_H

#include <stddef.h>

void *bki_malloc(size_t size);
void *bki_calloc(size_t n, size_t size);
void *bki_realloc(void *p, size_t size);   /* on failure p is left as it was */
char *bki_strdup(const char *s);
/* The first n bytes of s (which need not be NUL-terminated; NULL when n is 0 is accepted) as a
 * new NUL-terminated string. */
char *bki_strndup(const char *s, size_t n);
void bki_free(void *p);

/* bki_free on each of the n pointers p[0..n-1], in that order. */
void bki_free_n(void *const *p, size_t n);

/* bki_free on each argument, in the order given, each evaluated once: a release function's
 * run of frees in one line, e.g. bki_free_all(r->theta, r->w, r). */
#define bki_free_all(...)                                                                          \
    bki_free_n((void *const[]){__VA_ARGS__}, sizeof((void *const[]){__VA_ARGS__}) / sizeof(void *))

/* An array that grows by doubling: p (of *cap elements of `size` bytes) reallocated to twice
 * *cap elements, or to `first` when *cap is 0, and *cap updated. Returns the new array, or NULL
 * when out of memory or when the count would pass INT_MAX; p and *cap are then left as they
 * were. The caller calls it when the array is full. */
void *bki_grow(void *p, size_t size, int *cap, int first);

/* How many allocations have failed in the calling thread so far (real or injected). A reader
 * that fails can compare this before and after to tell "out of memory" from "bad input"
 * without threading a flag through every helper. */
long bki_alloc_thread_failures(void);

/* Test only. From now on, allocation number n (1 = the next one) and, when `sticky`, every
 * later one fails; n <= 0 turns failures off. Counts allocations in every thread. */
void bki_alloc_fail_at(long n, int sticky);

/* Test only. Allocations made (successful or not) since the last bki_alloc_fail_at, and how
 * many of them failed. */
long bki_alloc_count(void);
long bki_alloc_failures(void);

/* Test only. The largest single request since the last bki_alloc_fail_at with n > 0 (arm with
 * n = LONG_MAX to measure without failing anything). */
size_t bki_alloc_largest(void);

/* SQLite's allocator routed through these functions (sqlite3_config(SQLITE_CONFIG_MALLOC)),
 * set once before SQLite is first used; returns 0, or SQLite's error code. Thread-safe. */
int bki_alloc_route_sqlite(void);

#endif
