/* run.h (internal): what one replication recorded, read by the output writers.
 *
 * The daily series is a dense table: days rows by n_cols columns of doubles, column c of day d
 * at daily[d * n_cols + c]. Columns are described by cols[] (name, unit, meaning), so writers and
 * ensemble statistics need no knowledge of the model. The event log lists every attack, road cut
 * and timeline event in time order.
 */
#ifndef BK_RUN_INTERNAL_H
#define BK_RUN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "blockade/sim.h"
#include "engine/date.h"
#include "scenario/scenario.h"

typedef struct bk_column {
    char name[96];     /* e.g. "arrivals_west_tankers"; [a-z0-9_] */
    char unit[24];     /* "tankers", "L", "h", "share", "count", "day", "0/1" */
    char meaning[160]; /* one line */
} bk_column;

enum bk_log_kind {
    BK_LOG_AMBUSH,        /* an attack on a convoy or a lone tanker */
    BK_LOG_ROAD_CUT,      /* a segment closed by a cell or by the timeline */
    BK_LOG_CAMPAIGN,      /* campaign declared (value 1) or paused (value 0) */
    BK_LOG_SUPPLY_CUT,    /* timeline: a port's loading reduced */
    BK_LOG_POLICY,        /* timeline: a policy change or reinforcement */
    BK_LOG_NOTE,          /* timeline: a note */
    BK_LOG_AIRFIELD_CLOSED /* an airfield closed (place; value: hours) by a cell or the timeline */
};

typedef struct bk_log_entry {
    double time_h;         /* hours since start */
    enum bk_log_kind kind;
    int segment;           /* -1 if none */
    double frac;           /* position along the segment from its `from` place, 0..1 */
    double lat, lon;       /* where it happened (interpolated on the segment, or the place) */
    int place;             /* nearest named place, for ACLED location/admin1 */
    int corridor;          /* -1 if none */
    int cell;              /* -1 if none */
    int port;              /* SUPPLY_CUT, else -1 */
    bool lone;             /* AMBUSH: target was a lone tanker */
    bool loaded;           /* AMBUSH: target tankers were loaded */
    bool success;          /* AMBUSH */
    int convoy_size;       /* AMBUSH: tankers in the target */
    int escort_units;      /* AMBUSH: escort units with the target */
    int destroyed, captured, kidnapped, escort_lost, turned_back;
    double fighters;       /* AMBUSH: fighters committed */
    double fighters_lost;
    double value;          /* CAMPAIGN: 1 start / 0 end; ROAD_CUT: hours closed; SUPPLY_CUT: factor */
    const char *note;      /* borrowed from the scenario timeline, or NULL */
} bk_log_entry;

struct bk_run {
    const struct bk_scenario *sc; /* borrowed */
    bk_run_config cfg;
    bk_run_totals totals;
    bk_column *cols; int n_cols;
    double *daily; int days;      /* days * n_cols */
    bk_log_entry *log; int n_log, cap_log;
    int *first_stockout_day;      /* [n_products]: first day the free stock ran out, -1 never */
    double *unmet_sector_l;       /* [n_sectors]: litres not served over the run */
};

/* A scenario id as it appears in column names: lower case, '-' as '_' (ids are
 * [A-Za-z0-9_-]); out holds BK_ID_MAX bytes. */
void bki_id_token(const char *id, char out[BK_ID_MAX]);

/* Format hour h of the run as an ISO date (YYYY-MM-DD) into buf[11]: hour h belongs to day
 * floor(h / 24) after the start date. */
static inline void bki_run_date(const struct bk_scenario *sc, double h, char buf[11])
{
    bki_date_at_hour(bki_days_from_civil(sc->start_year, sc->start_month, sc->start_day), h, buf);
}

#endif
