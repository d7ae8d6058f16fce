/* queue.c: 4-ary implicit min-heap of events. A 4-ary heap halves the depth of a binary heap and
 * keeps the four children of a node in one or two cache lines, which is what matters once the
 * pending set outgrows L1. */
#include "engine/queue.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static inline bool ev_less(const bk_event *x, const bk_event *y)
{
    return x->time < y->time || (x->time == y->time && x->key < y->key);
}

bk_status bk_queue_init(bk_queue *q, size_t capacity)
{
    memset(q, 0, sizeof *q);
    if (capacity == 0)
        return BK_OK;
    q->heap = malloc(capacity * sizeof *q->heap);
    if (q->heap == NULL)
        return BK_ERR_NOMEM;
    q->capacity = capacity;
    return BK_OK;
}

void bk_queue_release(bk_queue *q)
{
    free(q->heap);
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
    bk_event *h = realloc(q->heap, cap * sizeof *h);
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
    bk_event ev = {time, (uint64_t)priority << 48 | (q->next_seq++ & 0xFFFFFFFFFFFFull), type, a,
                   b};
    bk_event *h = q->heap;
    size_t i = q->size++;
    while (i > 0) { /* sift up: move parents down until ev fits */
        size_t parent = (i - 1) / 4;
        if (!ev_less(&ev, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = ev;
    return BK_OK;
}

bool bk_queue_pop(bk_queue *q, bk_event *out)
{
    if (q->size == 0)
        return false;
    bk_event *h = q->heap;
    *out = h[0];
    bk_event last = h[--q->size];
    size_t n = q->size, i = 0;
    for (;;) { /* sift down the former last element from the root */
        size_t c = 4 * i + 1;
        if (c >= n)
            break;
        size_t best = c, end = c + 4 < n ? c + 4 : n;
        for (size_t k = c + 1; k < end; k++)
            if (ev_less(&h[k], &h[best]))
                best = k;
        if (!ev_less(&h[best], &last))
            break;
        h[i] = h[best];
        i = best;
    }
    if (n > 0)
        h[i] = last;
    return true;
}
