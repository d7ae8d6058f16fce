/* date.c: the calendar of the whole program: day numbers to and from year-month-day (the
 * era-based civil algorithm), days in a month, and dates as text. */
#include "engine/date.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>

/* Contract in date.h. */
long bki_days_from_civil(int year, int month, int day)
{
    long y = (long)year - (month <= 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;                                          /* 0..399 */
    long doy = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1; /* from 1 March */
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Contract in date.h. */
void bki_civil_from_days(long days, int *year, int *month, int *day)
{
    long z = days + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (*month <= 2));
}

/* Contract in date.h. */
int bki_days_in_month(int year, int month)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : dm[month - 1];
}

/* Contract in date.h. */
void bki_date_write(long days, char buf[11])
{
    int y, m, d;
    bki_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        y = y < 0 ? 0 : 9999;
    snprintf(buf, 11, "%04d-%02d-%02d", y, m, d);
}

/* Contract in date.h. */
void bki_date_at_hour(long start, double h, char buf[11])
{
    long day = isfinite(h) ? (long)floor(h / 24.0) : 0;
    bki_date_write(start + day, buf);
}
