/* fifo.c: growth and release of the int ring buffer (the push is inline, fifo.h). */
#include "engine/alloc.h"
#include "engine/fifo.h"

#include <stdlib.h>

bool bki_fifo_grow(bk_fifo *f)
{
    int cap = f->cap ? 2 * f->cap : 64;
    int *v = bki_malloc((size_t)cap * sizeof *v);
    if (v == NULL)
        return false;
    for (int i = 0; i < f->len; i++)
        v[i] = f->v[(f->head + i) % f->cap];
    bki_free(f->v);
    f->v = v;
    f->head = 0;
    f->cap = cap;
    return true;
}

void bki_fifo_release(bk_fifo *f)
{
    bki_free(f->v);
    f->v = NULL;
    f->head = f->len = f->cap = 0;
}
