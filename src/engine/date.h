/* date.h (internal): the proleptic Gregorian calendar as day numbers (days since 1970-01-01),
 * shared by the scenario loader, the model's dated outputs and the observed-data readers. */
#ifndef BK_ENGINE_DATE_H
#define BK_ENGINE_DATE_H

/* Days since 1970-01-01 of year-month-day (negative before). Month 1..12, day 1..31; valid for
 * every year an int holds. Cannot fail. */
long bki_days_from_civil(int year, int month, int day);

/* The inverse of bki_days_from_civil. Cannot fail. */
void bki_civil_from_days(long days, int *year, int *month, int *day);

/* Days in month m (1..12) of year y, leap years counted; 0 for a month out of range. */
int bki_days_in_month(int year, int month);

/* Day number `days` as YYYY-MM-DD into buf[11]; years are clamped to 0..9999 so that the text
 * is always 10 characters. Cannot fail. */
void bki_date_write(long days, char buf[11]);

/* The date of hour h after 00:00 of day number `start` (h < 0 gives dates before it; a
 * non-finite h gives the start date) into buf[11]. */
void bki_date_at_hour(long start, double h, char buf[11]);

#endif
