/* alloc.c: the library's allocation functions with a test hook (see alloc.h). */
#include "engine/alloc.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

static atomic_long fail_at;    /* 0: never fail; else the number of the allocation to fail */
static atomic_int fail_sticky;
static atomic_long count;      /* allocations since bki_alloc_fail_at */
static atomic_long failures;
static atomic_size_t largest;  /* largest request since bki_alloc_fail_at, while armed */
static _Thread_local long thread_failures;   /* allocations that returned NULL in this thread */

/* True when this allocation (of size bytes) is to fail. The common case (no test armed) is one
 * load. */
static bool should_fail(size_t size)
{
    long at = atomic_load_explicit(&fail_at, memory_order_relaxed);
    if (at <= 0)
        return false;
    size_t big = atomic_load_explicit(&largest, memory_order_relaxed);
    while (size > big &&
           !atomic_compare_exchange_weak_explicit(&largest, &big, size, memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
    long n = atomic_fetch_add_explicit(&count, 1, memory_order_relaxed) + 1;
    bool fail = n == at || (n > at && atomic_load_explicit(&fail_sticky, memory_order_relaxed));
    if (fail)
        atomic_fetch_add_explicit(&failures, 1, memory_order_relaxed);
    return fail;
}

static void *noted(void *p)
{
    if (p == NULL)
        thread_failures++;
    return p;
}

void *bki_malloc(size_t size)
{
    return noted(should_fail(size) ? NULL : malloc(size));
}

void *bki_calloc(size_t n, size_t size)
{
    return noted(should_fail(n * size) ? NULL : calloc(n, size));
}

void *bki_realloc(void *p, size_t size)
{
    return noted(should_fail(size) ? NULL : realloc(p, size));
}

/* Contract in alloc.h. */
void *bki_grow(void *p, size_t size, int *cap, int first)
{
    if (*cap > INT_MAX / 2)
        return NULL;
    int n = *cap ? 2 * *cap : first;
    void *q = bki_realloc(p, (size_t)n * size);
    if (q)
        *cap = n;
    return q;
}

long bki_alloc_thread_failures(void)
{
    return thread_failures;
}

char *bki_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = bki_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

char *bki_strndup(const char *s, size_t n)
{
    char *d = bki_malloc(n + 1);
    if (d) {
        if (n > 0)
            memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

void bki_free(void *p)
{
    free(p);
}

void bki_free_n(void *const *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        bki_free(p[i]);
}

void bki_alloc_fail_at(long n, int sticky)
{
    atomic_store(&fail_at, 0);
    atomic_store(&count, 0);
    atomic_store(&failures, 0);
    atomic_store(&largest, 0);
    atomic_store(&fail_sticky, sticky != 0);
    atomic_store(&fail_at, n > 0 ? n : 0);
}

long bki_alloc_count(void)
{
    return atomic_load(&count);
}

long bki_alloc_failures(void)
{
    return atomic_load(&failures);
}

size_t bki_alloc_largest(void)
{
    return atomic_load(&largest);
}

/* ---- SQLite ---------------------------------------------------------------------------- */

/* SQLite asks for the size of an allocation: keep it in an 8-byte header (SQLite's own
 * default allocator does the same where malloc_usable_size is missing). */
static void *sq_malloc(int n)
{
    if (n <= 0)
        return NULL;
    unsigned char *p = bki_malloc((size_t)n + 8);
    if (!p)
        return NULL;
    memcpy(p, &(sqlite3_int64){n}, 8);
    return p + 8;
}

static void sq_free(void *p)
{
    if (p)
        free((unsigned char *)p - 8);
}

static int sq_size(void *p)
{
    sqlite3_int64 n = 0;
    if (p)
        memcpy(&n, (unsigned char *)p - 8, 8);
    return (int)n;
}

static void *sq_realloc(void *p, int n)
{
    if (!p)
        return sq_malloc(n);
    if (n <= 0) {
        sq_free(p);
        return NULL;
    }
    unsigned char *q = bki_realloc((unsigned char *)p - 8, (size_t)n + 8);
    if (!q)
        return NULL;
    memcpy(q, &(sqlite3_int64){n}, 8);
    return q + 8;
}

static int sq_roundup(int n)
{
    return n > 0x7ffffff0 ? n : (n + 7) & ~7;
}

static int sq_init(void *unused)
{
    (void)unused;
    return SQLITE_OK;
}

static void sq_shutdown(void *unused)
{
    (void)unused;
}

static int sqlite_rc = SQLITE_OK;

static void route_once(void)
{
    static const sqlite3_mem_methods methods = {sq_malloc,   sq_free, sq_realloc, sq_size,
                                                sq_roundup,  sq_init, sq_shutdown, NULL};
    sqlite_rc = sqlite3_config(SQLITE_CONFIG_MALLOC, &methods);
}

int bki_alloc_route_sqlite(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, route_once);
    return sqlite_rc;
}
