/* queue.h: the pending-event set, a calendar queue (Brown 1988) of events stored by value, with
 * a sorted array in front of it for the few-pending case.
 *
 * Events are ordered by (time, priority, sequence number): equal times are broken by the priority
 * (smaller first), then by insertion order, so the order never depends on addresses. The events
 * sit in a pool of nodes that grows by doubling and never shrinks, so a simulation in steady
 * state does not allocate (the bucket array is resized when the pending count doubles or
 * halves). With BK_DEBUG_ALLOC the pool grows one node at a time instead (every push
 * reallocates), so that a sanitizer catches any pointer kept into the queue across a push.
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

/* A pooled event: the time is stored as an unsigned integer with the same order as the double
 * (see queue.c), so that comparing two events is two integer comparisons. */
typedef struct bk_queue_node {
    uint64_t tkey; /* order-preserving image of the time */
    uint64_t key;  /* priority << 48 | sequence */
    uint64_t b;
    uint32_t type;
    uint32_t a;
    int64_t day;   /* the node's virtual bucket: floor(time / width), see queue.c */
    uint32_t next; /* next node of the bucket (or of the free list); BK_QUEUE_NIL ends it */
} bk_queue_node;

#define BK_QUEUE_NIL UINT32_MAX

/* Up to this many pending events the queue keeps them in a sorted array (`small`) instead of the
 * calendar; see queue.c. */
#define BK_QUEUE_SMALL 32u

/* A bucket: its list of nodes, sorted earliest first (BK_QUEUE_NIL when empty). The head and
 * the tail share a cache line: a push reads the tail and, when it walks, the head. */
typedef struct bk_queue_bucket {
    uint32_t head;
    uint32_t tail; /* the last node of the list */
} bk_queue_bucket;

typedef struct bk_queue {
    bk_queue_node *pool;  /* owned; nodes of pending events and free nodes */
    bk_queue_bucket *bucket; /* owned; the circular array of buckets */
    size_t size;          /* pending events */
    size_t capacity;      /* nodes in the pool */
    size_t n_used;        /* nodes handed out at least once: [0, n_used) */
    uint32_t free_head;   /* free list of released nodes */
    uint32_t n_buckets;   /* a power of two (0 before the array first overflows) */
    double inv_width;     /* 1 / bucket width */
    int64_t cur;          /* no pending event lies in a virtual bucket before cur */
    uint64_t next_seq;    /* sequence number given to the next push */
    /* adaptation: the first and latest times popped and the pops, pushes and pops, and the
     * steps they walked since the last resize or check */
    double pop_lo, pop_hi;
    uint64_t pops, ops, steps;
    /* thresholds of the rare paths, so that the common ones test one number each: a push makes
     * room when size reaches grow_at; a pop adapts when size falls below shrink_below or ops
     * reaches check_at */
    size_t grow_at, shrink_below;
    uint64_t check_at;
    bool calendar; /* the pending events are in the buckets; else in small[] */
    bool width_set; /* inv_width was estimated from times (kept across switches and resets) */
    uint32_t small[BK_QUEUE_SMALL]; /* pool indices of the pending events, latest first */
} bk_queue;

/* Prepare an empty queue with room for `capacity` events (0 is allowed). BK_ERR_NOMEM on failure,
 * in which case the queue is still safe to release. */
bk_status bki_queue_init(bk_queue *q, size_t capacity);

/* Free the storage. Safe on a zeroed or already released queue. */
void bki_queue_release(bk_queue *q);

/* Remove every event and restart the sequence numbers; keeps the storage. */
void bki_queue_reset(bk_queue *q);

/* Schedule an event. time must be finite; priority at most BK_QUEUE_MAX_PRIORITY. Allocates only
 * when the pool is full or the bucket array is resized. Returns BK_ERR_NOMEM (queue unchanged) or
 * BK_ERR_USAGE on a bad time. */
bk_status bki_queue_push(bk_queue *q, double time, uint32_t priority, uint32_t type, uint32_t a,
                         uint64_t b);

/* Remove the earliest event into *out. Returns false (and leaves *out alone) when empty. */
bool bki_queue_pop(bk_queue *q, bk_event *out);

/* Copy the earliest event into *out without removing it. Returns false when empty. */
bool bki_queue_peek(const bk_queue *q, bk_event *out);

#endif
