/* queue.c: 4-ary implicit min-heap of events. A 4-ary heap halves the depth of a binary heap and
 * keeps the four children of a node in one or two cache lines, which is what matters once the
 * pending set outgrows L1. Times are stored as order-preserving integers so that a comparison
 * is two integer compares, and a pop first walks the hole down to a leaf along the smallest
 * children, then lifts the last element into it (Floyd): fewer comparisons than a plain
 * sift-down, since the last element usually belongs near the bottom. */
#include "engine/alloc.h"
#include "engine/queue.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* IEEE-754 doubles compare like sign-magnitude integers: flip all bits of negatives and the sign
 * bit of the others to get an unsigned integer with the same order (-0 maps just below +0;
 * pushes reject NaN). */
static inline uint64_t time_to_key(double t)
{
    uint64_t u;
    memcpy(&u, &t, sizeof u);
    return (u >> 63) ? ~u : u | 0x8000000000000000ull;
}

static inline double key_to_time(uint64_t k)
{
    uint64_t u = (k >> 63) ? k & 0x7FFFFFFFFFFFFFFFull : ~k;
    double t;
    memcpy(&t, &u, sizeof t);
    return t;
}

/* Bitwise rather than short-circuit operators: the comparison result is data, not a branch,
 * so the compiler can select children with conditional moves (pops then suffer far fewer branch
 * mispredictions, whose cost dominates a heap of random times). */
static inline bool node_less(const bk_queue_node *x, const bk_queue_node *y)
{
    return (x->tkey < y->tkey) | ((x->tkey == y->tkey) & (x->key < y->key));
}

static inline void node_to_event(const bk_queue_node *n, bk_event *ev)
{
    ev->time = key_to_time(n->tkey);
    ev->key = n->key;
    ev->type = n->type;
    ev->a = n->a;
    ev->b = n->b;
}

bk_status bk_queue_init(bk_queue *q, size_t capacity)
{
    memset(q, 0, sizeof *q);
    if (capacity == 0)
        return BK_OK;
    q->heap = bk_malloc(capacity * sizeof *q->heap);
    if (q->heap == NULL)
        return BK_ERR_NOMEM;
    q->capacity = capacity;
    return BK_OK;
}

void bk_queue_release(bk_queue *q)
{
    bk_free(q->heap);
    memset(q, 0, sizeof *q);
}

void bk_queue_reset(bk_queue *q)
{
    q->size = 0;
    q->next_seq = 0;
}

static bk_status grow(bk_queue *q)
{
#ifdef BK_DEBUG_ALLOC
    size_t cap = q->capacity + 1;
#else
    size_t cap = q->capacity ? q->capacity * 2 : 64;
#endif
    bk_queue_node *h = bk_realloc(q->heap, cap * sizeof *h);
    if (h == NULL)
        return BK_ERR_NOMEM;
    q->heap = h;
    q->capacity = cap;
    return BK_OK;
}

bk_status bk_queue_push(bk_queue *q, double time, uint32_t priority, uint32_t type, uint32_t a,
                        uint64_t b)
{
    if (!isfinite(time) || priority > BK_QUEUE_MAX_PRIORITY)
        return BK_ERR_USAGE;
    if (q->size == q->capacity) {
        bk_status st = grow(q);
        if (st != BK_OK)
            return st;
    }
    bk_queue_node ev = {time_to_key(time),
                        (uint64_t)priority << 48 | (q->next_seq++ & 0xFFFFFFFFFFFFull), type, a, b};
    bk_queue_node *h = q->heap;
    size_t i = q->size++;
    while (i > 0) { /* sift up: move parents down until ev fits */
        size_t parent = (i - 1) / 4;
        if (!node_less(&ev, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = ev;
    return BK_OK;
}

bool bk_queue_peek(const bk_queue *q, bk_event *out)
{
    if (q->size == 0)
        return false;
    node_to_event(&q->heap[0], out);
    return true;
}

bool bk_queue_pop(bk_queue *q, bk_event *out)
{
    if (q->size == 0)
        return false;
    bk_queue_node *h = q->heap;
    node_to_event(&h[0], out);
    size_t n = --q->size;
    if (n == 0)
        return true;
    bk_queue_node last = h[n];
    /* walk the hole at the root down to a leaf, always toward the smallest child */
    size_t i = 0;
    for (;;) {
        size_t c = 4 * i + 1;
        if (c >= n)
            break;
        size_t best;
        if (c + 3 < n) { /* all four children: a tournament, two independent comparisons first */
            size_t b01 = c + node_less(&h[c + 1], &h[c]);
            size_t b23 = c + 2 + node_less(&h[c + 3], &h[c + 2]);
            best = node_less(&h[b23], &h[b01]) ? b23 : b01;
        } else {
            best = c;
            for (size_t k = c + 1; k < n; k++)
                if (node_less(&h[k], &h[best]))
                    best = k;
        }
        h[i] = h[best];
        i = best;
    }
    /* then lift the former last element from that leaf to its place */
    while (i > 0) {
        size_t parent = (i - 1) / 4;
        if (!node_less(&last, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = last;
    return true;
}
