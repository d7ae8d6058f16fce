/* order.c: the sort of keyed items, ties in index order. */
#include "engine/order.h"

#include <stdlib.h>

static int keyed_cmp(const void *a, const void *b)
{
    const bki_keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* Contract in order.h. */
void bki_keyed_sort(bki_keyed *a, size_t n)
{
    qsort(a, n, sizeof *a, keyed_cmp);
}
