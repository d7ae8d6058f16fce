/* city.h (internal): the city side's daily step and its pure allocation rule. */
#ifndef BK_CITY_H
#define BK_CITY_H

#include <stdbool.h>

struct bk_city_side;
struct bk_scenario;

/* The city's population on day d (from the start): city.population moved by the timeline's
 * `population` entries dated before the day's close, in date order; a `people` entry sets it, a
 * `change` adds to it, spread evenly over its `days` from its date. Never negative. Pure. */
double bki_city_population(const struct bk_scenario *sc, int d);

/* Day d (from the start) falls in one of the scenario's school holidays. */
bool bki_city_holiday(const struct bk_city_side *cs, int d);

/* One product's stock shared among n sectors for one day.
 *  tier[i]      priority tier of sector i (1 first)
 *  demand[i]    litres wanted
 *  floor[i]     share of demand served first, before tiers (0..1)
 *  reserve_ok[i] whether sector i may draw on the reserve
 *  free_l       stock above the reserve floor; reserve_l the stock kept in reserve
 *  given[i]     out: litres allocated
 * Floors are served in tier order, then each tier in turn gets what it still wants, shared in
 * proportion to the remaining demand when there is not enough. Never gives more than demand or
 * more than the stock available to a sector. Returns the litres drawn from the reserve. */
double bki_city_allocate(int n, const int *tier, const double *demand, const double *floor_share,
                         const bool *reserve_ok, double free_l, double reserve_l, double *given);

#endif
