/* metrics.c: the table of whole-run metrics (see metrics.h). */
#include "analysis/ensemble/metrics.h"

#include <stddef.h>
#include <string.h>

enum kind { K_INT, K_LONG, K_DOUBLE };

typedef struct field {
    size_t offset;
    enum kind kind;
} field;

#define F(name, unit, meaning, kind, day) {#name, unit, meaning, day}
#define O(name, kind) {offsetof(bk_run_totals, name), kind}

/* The two tables below list the same fields in the same order. */
const bk_total_metric bki_total_metrics[] = {
    F(events, "count", "discrete events processed", K_DOUBLE, false),
    F(loaded_l, "L", "litres loaded at ports", K_DOUBLE, false),
    F(delivered_l, "L", "litres delivered to the city", K_DOUBLE, false),
    F(burned_l, "L", "litres lost in burned tankers", K_DOUBLE, false),
    F(captured_l, "L", "litres lost in captured tankers", K_DOUBLE, false),
    F(in_transit_l, "L", "litres on loaded tankers at the end", K_DOUBLE, false),
    F(final_stock_l, "L", "city stock at the end", K_DOUBLE, false),
    F(tankers_start, "tankers", "fleet at the start", K_LONG, false),
    F(tankers_joined, "tankers", "new tankers that joined", K_LONG, false),
    F(tankers_destroyed, "tankers", "tankers destroyed", K_LONG, false),
    F(tankers_captured, "tankers", "tankers captured", K_LONG, false),
    F(tankers_active, "tankers", "tankers in service at the end", K_LONG, false),
    F(drivers_kidnapped, "drivers", "drivers kidnapped", K_LONG, false),
    F(trips_loaded, "tankers", "tankers that left a port loaded", K_LONG, false),
    F(deliveries, "tankers", "tankers that unloaded at the city", K_LONG, false),
    F(attacks_attempted, "count", "attacks attempted", K_LONG, false),
    F(attacks_successful, "count", "successful attacks", K_LONG, false),
    F(lone_attacks, "count", "attacks on lone tankers", K_LONG, false),
    F(turned_back, "tankers", "tankers turned back", K_LONG, false),
    F(road_cuts, "count", "road cuts", K_LONG, false),
    F(convoys, "count", "convoys formed", K_LONG, false),
    F(escort_lost, "units", "escort units lost", K_LONG, false),
    F(first_attack_day, "day", "day of the first attack (horizon if none)", K_DOUBLE, true),
    F(consumed_l, "L", "litres consumed by the city's sectors' end uses", K_DOUBLE, false),
    F(airlifted_l, "L", "litres flown in", K_DOUBLE, false),
    F(demand_l, "L", "litres the sectors wanted", K_DOUBLE, false),
    F(unmet_l, "L", "demand not served", K_DOUBLE, false),
    F(unmet_priority_l, "L", "demand of the priority sectors not served", K_DOUBLE, false),
    F(first_stockout_day, "day", "first day a product's free stock ran out (horizon if never)",
      K_DOUBLE, true),
    F(first_priority_cut_day, "day",
      "first day a priority sector got less than 99 % of its demand (horizon if never)",
      K_DOUBLE, true),
    F(shortage_days, "days", "days with more than 1 % of demand unmet", K_LONG, false),
    F(blackout_hours, "h", "hours without electricity, summed over days", K_DOUBLE, false),
    F(peak_blackout_hours, "h", "hours without electricity on the worst day", K_DOUBLE, false),
    F(school_closed_days, "days", "days with schools closed", K_LONG, false),
    F(pressure_days, "days", "days with the pressure index above its threshold", K_LONG, false),
    F(peak_price_ratio, "ratio", "informal over official price, worst day", K_DOUBLE, false),
    F(mean_price_ratio, "ratio", "informal over official price, mean over days", K_DOUBLE, false),
    F(peak_queue_hours, "h", "hours of queueing for fuel, worst day", K_DOUBLE, false),
    F(first_school_closure_day, "day",
      "first day schools were closed by decision (horizon if never)", K_DOUBLE, true),
};

static const field fields[] = {
    O(events, K_DOUBLE), O(loaded_l, K_DOUBLE), O(delivered_l, K_DOUBLE), O(burned_l, K_DOUBLE),
    O(captured_l, K_DOUBLE), O(in_transit_l, K_DOUBLE), O(final_stock_l, K_DOUBLE),
    O(tankers_start, K_LONG), O(tankers_joined, K_LONG), O(tankers_destroyed, K_LONG),
    O(tankers_captured, K_LONG), O(tankers_active, K_LONG), O(drivers_kidnapped, K_LONG),
    O(trips_loaded, K_LONG), O(deliveries, K_LONG), O(attacks_attempted, K_LONG),
    O(attacks_successful, K_LONG), O(lone_attacks, K_LONG), O(turned_back, K_LONG),
    O(road_cuts, K_LONG), O(convoys, K_LONG), O(escort_lost, K_LONG),
    O(first_attack_day, K_DOUBLE), O(consumed_l, K_DOUBLE), O(airlifted_l, K_DOUBLE),
    O(demand_l, K_DOUBLE), O(unmet_l, K_DOUBLE), O(unmet_priority_l, K_DOUBLE),
    O(first_stockout_day, K_DOUBLE),
    O(first_priority_cut_day, K_DOUBLE), O(shortage_days, K_LONG), O(blackout_hours, K_DOUBLE),
    O(peak_blackout_hours, K_DOUBLE), O(school_closed_days, K_LONG), O(pressure_days, K_LONG),
    O(peak_price_ratio, K_DOUBLE), O(mean_price_ratio, K_DOUBLE), O(peak_queue_hours, K_DOUBLE),
    O(first_school_closure_day, K_DOUBLE),
};

const int bki_n_total_metrics = (int)(sizeof fields / sizeof fields[0]);

_Static_assert(sizeof fields / sizeof fields[0]
                   == sizeof bki_total_metrics / sizeof bki_total_metrics[0],
               "one field per metric");

/* Contract in metrics.h. */
double bki_total_value(const bk_run_totals *t, int i, int days)
{
    const char *base = (const char *)t + fields[i].offset;
    double v = 0.0;
    switch (fields[i].kind) {
    case K_INT: { int x; memcpy(&x, base, sizeof x); v = x; break; }
    case K_LONG: { long x; memcpy(&x, base, sizeof x); v = (double)x; break; }
    case K_DOUBLE: memcpy(&v, base, sizeof v); break;
    }
    if (bki_total_metrics[i].censored_day && (v < 0.0 || v > days))
        v = days;
    return v;
}

/* Contract in metrics.h. */
int bki_total_index(const char *name)
{
    for (int i = 0; i < bki_n_total_metrics; i++)
        if (strcmp(bki_total_metrics[i].name, name) == 0)
            return i;
    return -1;
}
