/* fifo.h: a first-in-first-out queue of ints (entity indices) in a ring buffer that grows by
 * doubling. Used for the queues of the model: tankers waiting to load, at staging, for room in
 * the city depot. A zeroed bk_fifo is an empty queue. */
#ifndef BK_FIFO_H
#define BK_FIFO_H

#include <stdbool.h>

typedef struct bk_fifo {
    int *v;   /* owned ring buffer of `cap` slots */
    int head; /* index of the front */
    int len;
    int cap;
} bk_fifo;

/* Double the buffer of a full queue (unrolling the ring). Returns false (queue unchanged) when
 * out of memory. */
bool bki_fifo_grow(bk_fifo *f);

/* Append x; allocates only when full. Returns false (queue unchanged) when out of memory.
 * Inline: every tanker passes through a port's queue on each round trip. */
static inline bool bki_fifo_push(bk_fifo *f, int x)
{
    if (__builtin_expect(f->len == f->cap, 0) && !bki_fifo_grow(f))
        return false;
    int tail = f->head + f->len;
    f->v[tail >= f->cap ? tail - f->cap : tail] = x;
    f->len++;
    return true;
}

/* The front element; the queue must not be empty. */
static inline int bki_fifo_front(const bk_fifo *f)
{
    return f->v[f->head];
}

/* Remove and return the front element; the queue must not be empty. */
static inline int bki_fifo_pop(bk_fifo *f)
{
    int x = f->v[f->head];
    f->head = f->head + 1 == f->cap ? 0 : f->head + 1;
    f->len--;
    return x;
}

/* Free the storage and empty the queue. Safe on a zeroed queue. */
void bki_fifo_release(bk_fifo *f);

#endif
