/* test_fifo.c: the int FIFO keeps order across wrap-around and growth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "bk_test_main.h"

#include "engine/fifo.h"

static void test_order_across_wrap_and_growth(void **state)
{
    (void)state;
    bk_fifo f = {0};
    int next_in = 0, next_out = 0;
    /* push 3, pop 2, repeatedly: the ring wraps many times and grows a few times */
    for (int round = 0; round < 5000; round++) {
        for (int k = 0; k < 3; k++)
            assert_true(bki_fifo_push(&f, next_in++));
        for (int k = 0; k < 2; k++) {
            assert_int_equal(bki_fifo_front(&f), next_out);
            assert_int_equal(bki_fifo_pop(&f), next_out++);
        }
    }
    assert_int_equal(f.len, next_in - next_out);
    while (f.len > 0)
        assert_int_equal(bki_fifo_pop(&f), next_out++);
    assert_int_equal(next_out, next_in);
    bki_fifo_release(&f);
    assert_null(f.v);
    bki_fifo_release(&f); /* twice is harmless */
}

BK_TEST_MAIN(test_order_across_wrap_and_growth)
