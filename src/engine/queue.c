/* queue.c: a calendar queue (R. Brown, "Calendar queues", CACM 31(10), 1988). Time is cut into
 * buckets of a width w; virtual bucket ("day") d holds the times in [d w, (d + 1) w) (truncated
 * toward zero, so day 0 is twice as wide: any non-decreasing map of time to day would do), and
 * day d lives in bucket d mod B of a circular array of B buckets, a power of two. Each bucket is
 * a list sorted by (time, priority, sequence). A push computes the day and inserts into its
 * list (at the tail, in one step, when it is the latest, which is the common case); a pop scans
 * the days from the earliest possible one, `cur`, and takes the head of the first bucket whose
 * head belongs to the day scanned: since days do not decrease with time, that head is the
 * earliest event. When a whole year of B days holds none, the earliest head of all buckets is
 * taken directly.
 *
 * With B about the number of pending events and w about three mean gaps between successive
 * event times, a push or pop costs a few steps whatever the number pending, where a heap costs
 * a logarithm of it in dependent, cache-missing steps. B doubles when the pending count exceeds
 * 2B and halves when it falls below B / 2; w is re-estimated at each resize from the mean gap
 * of the times popped since the previous one (the latest minus the first over their number; or,
 * before enough pops, from the spread of the pending times), and the queue is re-bucketed with
 * the same B when the steps per operation show that w no longer fits the times. Re-bucketing is
 * O(pending) and happens after at least that many operations, so it adds O(1) per operation.
 *
 * With few events pending the calendar's fixed cost per operation (the day of a time, the scan,
 * the gap statistics) exceeds a search among them, so up to BK_QUEUE_SMALL pending events sit in
 * a sorted array of pool indices instead (latest first: a pop takes the last, a push shifts the
 * earlier ones up by one). A push beyond BK_QUEUE_SMALL moves them into the buckets; a pop that
 * leaves SMALL_LOW or fewer moves them back, so that a pending count hovering at either bound
 * does not switch at every operation. The bucket array is kept across switches (it never shrinks
 * below MIN_BUCKETS, which holds BK_QUEUE_SMALL + 1 events), so switching does not allocate.
 *
 * Times are stored as order-preserving integers, so that comparing two events is two integer
 * compares. The order is exactly that of (time, priority, sequence): independent of B, w, any
 * resize and the switches between array and buckets. */
#include "engine/alloc.h"
#include "engine/queue.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIN_BUCKETS      32u /* holds BK_QUEUE_SMALL + 1 events: see to_calendar */
#define SMALL_LOW        8u  /* back to the array when a pop leaves this many pending or fewer */
#define STEPS_PER_OP_MAX 3u /* re-bucket when operations take more steps than this on average */

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

static inline bool node_less(const bk_queue_node *x, const bk_queue_node *y)
{
    return x->tkey < y->tkey || (x->tkey == y->tkey && x->key < y->key);
}

/* The day of a time: truncation of t / w, clamped so that the conversion is defined. Non-
 * decreasing in t, which is all the order needs. */
static inline int64_t day_of(double inv_width, double t)
{
    double x = t * inv_width;
    if (__builtin_expect(!(fabs(x) < 4e18), 0))
        x = x > 0 ? 4e18 : -4e18;
    return (int64_t)x;
}

/* Set the thresholds of the rare paths for the current form and bucket count. */
static void set_thresholds(bk_queue *q)
{
    if (!q->calendar) {
        q->grow_at = BK_QUEUE_SMALL;
        q->shrink_below = 0;
        q->check_at = UINT64_MAX;
        return;
    }
    q->grow_at = 2 * (size_t)q->n_buckets;
    q->shrink_below = q->n_buckets > MIN_BUCKETS ? q->n_buckets / 2 : SMALL_LOW + 1;
    q->check_at = 2 * (uint64_t)q->n_buckets;
}

/* Forget the adaptation statistics (after a resize or a check). */
static inline void clear_stats(bk_queue *q)
{
    q->pops = q->ops = q->steps = 0;
}

static inline uint32_t bucket_of(const bk_queue *q, int64_t day)
{
    return (uint32_t)((uint64_t)day & (q->n_buckets - 1u));
}

bk_status bki_queue_init(bk_queue *q, size_t capacity)
{
    memset(q, 0, sizeof *q);
    q->free_head = BK_QUEUE_NIL;
    q->inv_width = 1.0;
    set_thresholds(q);
    if (capacity == 0)
        return BK_OK;
    if (capacity >= BK_QUEUE_NIL)
        return BK_ERR_NOMEM;
    q->pool = bki_malloc(capacity * sizeof *q->pool);
    if (q->pool == NULL)
        return BK_ERR_NOMEM;
    q->capacity = capacity;
    return BK_OK;
}

void bki_queue_release(bk_queue *q)
{
    bki_free(q->pool);
    bki_free(q->bucket);
    memset(q, 0, sizeof *q);
    q->free_head = BK_QUEUE_NIL;
    q->inv_width = 1.0;
    set_thresholds(q);
}

void bki_queue_reset(bk_queue *q)
{
    for (uint32_t i = 0; i < q->n_buckets; i++)
        q->bucket[i].head = q->bucket[i].tail = BK_QUEUE_NIL;
    q->calendar = false;
    q->size = 0;
    q->n_used = 0;
    q->free_head = BK_QUEUE_NIL;
    q->cur = 0;
    q->next_seq = 0;
    clear_stats(q);
    set_thresholds(q);
}

/* Insert pool node i (day set) into its bucket's sorted list. Returns the steps walked. */
static inline uint64_t link_node(bk_queue *q, uint32_t i)
{
    bk_queue_node *p = q->pool, *n = &p[i];
    uint32_t b = bucket_of(q, n->day);
    uint32_t t = q->bucket[b].tail;
    if (t == BK_QUEUE_NIL || !node_less(n, &p[t])) { /* empty, or the latest: append */
        n->next = BK_QUEUE_NIL;
        if (t == BK_QUEUE_NIL)
            q->bucket[b].head = i;
        else
            p[t].next = i;
        q->bucket[b].tail = i;
        return 0;
    }
    /* earlier than the tail: walk from the head (the tail stays the tail) */
    uint32_t *link = &q->bucket[b].head;
    uint64_t steps = 1;
    while (!node_less(n, &p[*link])) {
        link = &p[*link].next;
        steps++;
    }
    n->next = *link;
    *link = i;
    return steps;
}

/* Re-bucket every pending event into nb buckets with a fresh width. BK_ERR_NOMEM leaves the
 * queue as it was. */
static bk_status rebucket(bk_queue *q, uint32_t nb)
{
    bk_queue_bucket *nbk = bki_malloc((size_t)nb * sizeof *nbk);
    if (nbk == NULL)
        return BK_ERR_NOMEM;
    for (uint32_t i = 0; i < nb; i++)
        nbk[i].head = nbk[i].tail = BK_QUEUE_NIL;
    /* the width: three mean gaps between popped times, else three mean gaps of the spread of
     * the pending times, else unchanged */
    double width = 0;
    if (q->pops > 32 && q->pop_hi > q->pop_lo)
        width = 3.0 * (q->pop_hi - q->pop_lo) / (double)(q->pops - 1);
    else if (q->size > 1) {
        uint64_t lo = UINT64_MAX, hi = 0;
        for (uint32_t b = 0; b < q->n_buckets; b++)
            for (uint32_t x = q->bucket[b].head; x != BK_QUEUE_NIL; x = q->pool[x].next) {
                if (q->pool[x].tkey < lo)
                    lo = q->pool[x].tkey;
                if (q->pool[x].tkey > hi)
                    hi = q->pool[x].tkey;
            }
        width = 3.0 * (key_to_time(hi) - key_to_time(lo)) / (double)q->size;
    }
    if (width > 0 && isfinite(width) && isfinite(1.0 / width)) {
        q->inv_width = 1.0 / width;
        q->width_set = true;
    }
    bk_queue_bucket *old = q->bucket;
    uint32_t old_nb = q->n_buckets;
    q->bucket = nbk;
    q->n_buckets = nb;
    int64_t cur = INT64_MAX;
    for (uint32_t b = 0; b < old_nb; b++) {
        uint32_t x = old[b].head;
        while (x != BK_QUEUE_NIL) {
            uint32_t next = q->pool[x].next;
            q->pool[x].day = day_of(q->inv_width, key_to_time(q->pool[x].tkey));
            if (q->pool[x].day < cur)
                cur = q->pool[x].day;
            link_node(q, x);
            x = next;
        }
    }
    bki_free(old);
    q->cur = cur == INT64_MAX ? 0 : cur;
    clear_stats(q);
    set_thresholds(q);
    return BK_OK;
}

static bk_status grow_pool(bk_queue *q)
{
#ifdef BK_DEBUG_ALLOC
    size_t cap = q->capacity + 1;
#else
    size_t cap = q->capacity ? q->capacity * 2 : 64;
#endif
    if (cap >= BK_QUEUE_NIL)
        return BK_ERR_NOMEM;
    bk_queue_node *p = bki_realloc(q->pool, cap * sizeof *p);
    if (p == NULL)
        return BK_ERR_NOMEM;
    q->pool = p;
    q->capacity = cap;
    return BK_OK;
}

/* Insert pool node i into the sorted array of n pending events (room for it is known). The new
 * node has the largest sequence number, so among equal (time, priority) it goes after the
 * others, towards the latest end. */
static inline void small_insert(bk_queue *q, uint32_t i, size_t n)
{
    const bk_queue_node *p = q->pool, *x = &p[i];
    uint32_t *s = q->small;
    while (n > 0 && node_less(&p[s[n - 1]], x)) {
        s[n] = s[n - 1];
        n--;
    }
    s[n] = i;
}

/* The array is full: move its events into the buckets (B at least MIN_BUCKETS, enough for one
 * more push; w as estimated before, else from the spread of the pending times). BK_ERR_NOMEM
 * leaves the queue as it was. */
static bk_status to_calendar(bk_queue *q)
{
    uint32_t nb = MIN_BUCKETS;
    while (2 * (size_t)nb < q->size + 1)
        nb *= 2;
    if (q->n_buckets < nb) {
        bk_queue_bucket *nbk = bki_malloc((size_t)nb * sizeof *nbk);
        if (nbk == NULL)
            return BK_ERR_NOMEM;
        bki_free(q->bucket);
        q->bucket = nbk;
        q->n_buckets = nb;
    }
    for (uint32_t b = 0; b < q->n_buckets; b++)
        q->bucket[b].head = q->bucket[b].tail = BK_QUEUE_NIL;
    bk_queue_node *p = q->pool;
    const uint32_t *s = q->small;
    /* a width estimated before (earlier in this run, or in the run before a reset) has seen
     * more times than the array's few; the spread of those serves only the first time */
    if (!q->width_set && q->size > 1) {
        double width = 3.0 * (key_to_time(p[s[0]].tkey) - key_to_time(p[s[q->size - 1]].tkey)) /
                       (double)q->size;
        if (width > 0 && isfinite(width) && isfinite(1.0 / width)) {
            q->inv_width = 1.0 / width;
            q->width_set = true;
        }
    }
    for (size_t k = q->size; k-- > 0;) { /* earliest first: each one appends */
        p[s[k]].day = day_of(q->inv_width, key_to_time(p[s[k]].tkey));
        link_node(q, s[k]);
    }
    q->cur = q->size ? p[s[q->size - 1]].day : 0; /* the earliest has the smallest day */
    clear_stats(q);
    q->calendar = true;
    set_thresholds(q);
    return BK_OK;
}

/* Few events left in the buckets: move them into the array. */
static void to_small(bk_queue *q)
{
    size_t n = 0;
    for (uint32_t b = 0; b < q->n_buckets; b++) {
        for (uint32_t x = q->bucket[b].head; x != BK_QUEUE_NIL; x = q->pool[x].next)
            small_insert(q, x, n++);
        q->bucket[b].head = q->bucket[b].tail = BK_QUEUE_NIL;
    }
    q->calendar = false;
    set_thresholds(q);
}

/* Room for one more push: a free node, and buckets for one more pending event (the rare path
 * of bki_queue_push, out of line so that the common one stays short). */
static __attribute__((noinline)) bk_status make_room(bk_queue *q)
{
    if (q->free_head == BK_QUEUE_NIL && q->n_used == q->capacity) {
        bk_status st = grow_pool(q);
        if (st != BK_OK)
            return st;
    }
    if (!q->calendar)
        return q->size < BK_QUEUE_SMALL ? BK_OK : to_calendar(q);
    if (q->size >= 2 * (size_t)q->n_buckets) {
        bk_status st = rebucket(q, 2 * q->n_buckets);
        if (st != BK_OK)
            return st;
    }
    return BK_OK;
}

/* A push that first needs room (out of line, so that the common path saves no registers). */
static __attribute__((noinline)) bk_status push_after_room(bk_queue *q, double time,
                                                           uint32_t priority, uint32_t type,
                                                           uint32_t a, uint64_t b)
{
    bk_status st = make_room(q);
    return st != BK_OK ? st : bki_queue_push(q, time, priority, type, a, b);
}

bk_status bki_queue_push(bk_queue *q, double time, uint32_t priority, uint32_t type, uint32_t a,
                         uint64_t b)
{
    if (!isfinite(time) || priority > BK_QUEUE_MAX_PRIORITY)
        return BK_ERR_USAGE;
    bool full = q->size >= q->grow_at || (q->free_head == BK_QUEUE_NIL && q->n_used == q->capacity);
    if (__builtin_expect(full, 0))
        return push_after_room(q, time, priority, type, a, b);
    uint32_t i;
    if (q->free_head != BK_QUEUE_NIL) {
        i = q->free_head;
        q->free_head = q->pool[i].next;
    } else {
        i = (uint32_t)q->n_used++;
    }
    bk_queue_node *n = &q->pool[i];
    n->tkey = time_to_key(time);
    n->key = (uint64_t)priority << 48 | (q->next_seq++ & 0xFFFFFFFFFFFFull);
    n->b = b;
    n->type = type;
    n->a = a;
    if (!q->calendar) {
        small_insert(q, i, q->size++);
        return BK_OK;
    }
    n->day = day_of(q->inv_width, time);
    if (n->day < q->cur) /* the calendar is never empty */
        q->cur = n->day;
    q->size++;
    q->steps += link_node(q, i);
    q->ops++;
    return BK_OK;
}

/* A year without an event: the earliest head of all buckets, its day in *day (out of line: rare,
 * and it would cost the common pop registers). */
static __attribute__((noinline)) uint32_t earliest_head(const bk_queue *q, int64_t *day)
{
    const bk_queue_node *p = q->pool;
    uint32_t best = BK_QUEUE_NIL;
    for (uint32_t b = 0; b < q->n_buckets; b++) {
        uint32_t h = q->bucket[b].head;
        if (h != BK_QUEUE_NIL && (best == BK_QUEUE_NIL || node_less(&p[h], &p[best])))
            best = h;
    }
    *day = p[best].day;
    return best;
}

/* The pool index of the earliest event (size > 0); its day in *day. */
static inline uint32_t find_min(const bk_queue *q, int64_t *day, uint64_t *steps)
{
    const bk_queue_node *p = q->pool;
    uint32_t mask = q->n_buckets - 1u;
    int64_t d = q->cur;
    for (uint32_t k = 0; k < q->n_buckets; k++, d++) {
        uint32_t h = q->bucket[(uint64_t)d & mask].head;
        if (h != BK_QUEUE_NIL && p[h].day == d) {
            *day = d;
            *steps = k;
            return h;
        }
    }
    *steps = q->n_buckets;
    return earliest_head(q, day);
}

static inline void node_to_event(const bk_queue_node *n, bk_event *ev)
{
    ev->time = key_to_time(n->tkey);
    ev->key = n->key;
    ev->type = n->type;
    ev->a = n->a;
    ev->b = n->b;
}

bool bki_queue_peek(const bk_queue *q, bk_event *out)
{
    if (q->size == 0)
        return false;
    if (!q->calendar) {
        node_to_event(&q->pool[q->small[q->size - 1]], out);
        return true;
    }
    int64_t day;
    uint64_t steps;
    node_to_event(&q->pool[find_min(q, &day, &steps)], out);
    return true;
}

/* After a pop, the rare paths: back to the array when few are left, shrink with the pending
 * count, re-bucket when the width has stopped fitting the times. */
static __attribute__((noinline)) void adapt(bk_queue *q)
{
    if (q->size <= SMALL_LOW)
        to_small(q);
    else if (q->n_buckets > MIN_BUCKETS && 2 * q->size < q->n_buckets)
        (void)rebucket(q, q->n_buckets / 2); /* on failure, the old buckets still work */
    else if (q->ops >= 2 * (uint64_t)q->n_buckets && q->steps > STEPS_PER_OP_MAX * q->ops)
        (void)rebucket(q, q->n_buckets);
    else if (q->ops >= 2 * (uint64_t)q->n_buckets)
        clear_stats(q); /* judge the width on recent operations only */
}

/* The pop from the calendar (size > 0); out of line, so that the array's pop saves no registers. */
static __attribute__((noinline)) bool pop_calendar(bk_queue *q, bk_event *out)
{
    int64_t day;
    uint64_t steps;
    uint32_t h = find_min(q, &day, &steps);
    bk_queue_node *n = &q->pool[h];
    node_to_event(n, out);
    uint32_t bk = bucket_of(q, day);
    q->bucket[bk].head = n->next;
    if (n->next == BK_QUEUE_NIL)
        q->bucket[bk].tail = BK_QUEUE_NIL;
    n->next = q->free_head;
    q->free_head = h;
    q->cur = day;
    q->size--;
    if (q->pops++ == 0)
        q->pop_lo = q->pop_hi = out->time;
    else if (out->time > q->pop_hi)
        q->pop_hi = out->time;
    q->steps += steps;
    q->ops++;
    if (__builtin_expect(q->size < q->shrink_below || q->ops >= q->check_at, 0))
        adapt(q);
    return true;
}

bool bki_queue_pop(bk_queue *q, bk_event *out)
{
    if (q->size == 0)
        return false;
    if (q->calendar)
        return pop_calendar(q, out);
    uint32_t h = q->small[--q->size];
    node_to_event(&q->pool[h], out);
    q->pool[h].next = q->free_head;
    q->free_head = h;
    return true;
}
