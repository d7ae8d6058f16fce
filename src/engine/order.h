/* order.h (internal): the order of items by a number, ties broken by the items' indices, so
 * that the order is the same whatever the sort (qsort is not stable). */
#ifndef BK_ENGINE_ORDER_H
#define BK_ENGINE_ORDER_H

#include <stddef.h>
#include <stdint.h>

/* An item to sort: its key and its index in the caller's array. */
typedef struct bki_keyed {
    double key;
    uint64_t index;
} bki_keyed;

/* Sort a[0..n) by key, smallest first, equal keys in index order. For the largest first, give
 * the negated keys. Cannot fail. */
void bki_keyed_sort(bki_keyed *a, size_t n);

#endif
