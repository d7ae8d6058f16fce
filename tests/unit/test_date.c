/* test_date.c: the calendar of engine/date.h: known day numbers, the round trip over four
 * centuries and more, month lengths, dates as text and dates of run hours. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include "bk_test_main.h"

#include "engine/date.h"

static void known_days(void **state)
{
    (void)state;
    assert_int_equal(bki_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(bki_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(bki_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(bki_days_from_civil(2025, 9, 1), 20332);
    assert_int_equal(bki_days_from_civil(1900, 3, 1) - bki_days_from_civil(1900, 2, 28), 1);
    assert_int_equal(bki_days_from_civil(2024, 3, 1) - bki_days_from_civil(2024, 2, 28), 2);
}

static void round_trip(void **state)
{
    (void)state;
    long prev = bki_days_from_civil(1599, 12, 31);
    for (int y = 1600; y <= 2401; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= bki_days_in_month(y, m); d++) {
                long day = bki_days_from_civil(y, m, d);
                assert_int_equal(day, prev + 1);   /* consecutive days, no gap */
                prev = day;
                int yy, mm, dd;
                bki_civil_from_days(day, &yy, &mm, &dd);
                assert_int_equal(yy, y);
                assert_int_equal(mm, m);
                assert_int_equal(dd, d);
            }
}

static void months_and_text(void **state)
{
    (void)state;
    assert_int_equal(bki_days_in_month(2024, 2), 29);
    assert_int_equal(bki_days_in_month(2025, 2), 28);
    assert_int_equal(bki_days_in_month(1900, 2), 28);
    assert_int_equal(bki_days_in_month(2000, 2), 29);
    assert_int_equal(bki_days_in_month(2025, 4), 30);
    assert_int_equal(bki_days_in_month(2025, 13), 0);
    char buf[11];
    bki_date_write(bki_days_from_civil(2025, 9, 14), buf);
    assert_string_equal(buf, "2025-09-14");
    bki_date_write(bki_days_from_civil(12000, 1, 1), buf);
    assert_string_equal(buf, "9999-01-01");   /* clamped, still 10 characters */
    long start = bki_days_from_civil(2025, 9, 1);
    bki_date_at_hour(start, 23.99, buf);
    assert_string_equal(buf, "2025-09-01");
    bki_date_at_hour(start, 24.0, buf);
    assert_string_equal(buf, "2025-09-02");
    bki_date_at_hour(start, -0.5, buf);
    assert_string_equal(buf, "2025-08-31");
}

BK_TEST_MAIN(known_days, round_trip, months_and_text)
