/* queue.h: the pending-event set, a 4-ary min-heap of events stored by value.
 *
 * Events are ordered by (time, priority, sequence number): equal times are broken by the priority
 * (smaller first), then by insertion order, so the order never depends on addresses. The heap
 * grows by doubling and never shrinks, so a simulation in steady state does not allocate. With
 * BK_DEBUG_ALLOC the heap grows one slot at a time instead (every push reallocates), so that a
 * sanitizer catches any pointer kept into the queue across a push.
 */
#ifndef BK_QUEUE_H
#define BK_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockade/status.h"

/* One scheduled event. `type` selects the handler; `a` and `b` are handler-defined payload
 * (an entity index and a second word). Invariant: key = priority << 48 | sequence. */
typedef struct bk_event {
    double time;   /* hours since the scenario start */
    uint64_t key;  /* priority and sequence, see above */
    uint32_t type; /* handler index */
    uint32_t a;    /* payload: usually an entity index */
    uint64_t b;    /* payload: handler-defined (a version stamp, a count, ...) */
} bk_event;

#define BK_QUEUE_MAX_PRIORITY 0xFFFFu

/* A heap slot: the time is stored as an unsigned integer with the same order as the double
 * (see queue.c), so that comparing two slots is two integer comparisons. */
typedef struct bk_queue_node {
    uint64_t tkey;  /* order-preserving image of the time */
    uint64_t key;   /* priority << 48 | sequence */
    uint32_t type;
    uint32_t a;
    uint64_t b;
} bk_queue_node;

typedef struct bk_queue {
    bk_queue_node *heap; /* owned; heap[0] is the earliest event */
    size_t size;
    size_t capacity;
    uint64_t next_seq; /* sequence number given to the next push */
} bk_queue;

/* Prepare an empty queue with room for `capacity` events (0 is allowed). BK_ERR_NOMEM on failure,
 * in which case the queue is still safe to release. */
bk_status bk_queue_init(bk_queue *q, size_t capacity);

/* Free the storage. Safe on a zeroed or already released queue. */
void bk_queue_release(bk_queue *q);

/* Remove every event and restart the sequence numbers; keeps the storage. */
void bk_queue_reset(bk_queue *q);

/* Schedule an event. time must be finite; priority at most BK_QUEUE_MAX_PRIORITY. Allocates only
 * when the heap is full. Returns BK_ERR_NOMEM (queue unchanged) or BK_ERR_USAGE on a bad time. */
bk_status bk_queue_push(bk_queue *q, double time, uint32_t priority, uint32_t type, uint32_t a,
                        uint64_t b);

/* Remove the earliest event into *out. Returns false (and leaves *out alone) when empty. */
bool bk_queue_pop(bk_queue *q, bk_event *out);

/* Copy the earliest event into *out without removing it. Returns false when empty. */
bool bk_queue_peek(const bk_queue *q, bk_event *out);

#endif
