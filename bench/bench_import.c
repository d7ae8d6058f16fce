/* bench_import.c: `events import` on a generated export: an ACLED-shaped file of about MB
 * megabytes (three rows of the project's coding of Kayes attacks, repeated), streamed from a
 * temporary file through the CSV reader, placed on the default scenario's roads and written to
 * /dev/null, as the command does.
 *
 * Figures (one line each):
 *   bench=import_rate  megabytes of input per second (wall; cpu_value= per CPU second);
 *   bench=import_rss   the process's peak resident set after the import, in MB: it stays a few
 *                      MB whatever the size of the input (docs/hardening.md).
 *
 * Usage: bench_import [MB]   (default 100)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench_clock.h"

#include "blockade/blockade.h"

static const char header[] =
    "event_id_cnty,event_date,time_precision,event_type,sub_event_type,actor1,inter1,actor2,"
    "inter2,country,location,latitude,longitude,geo_precision,notes,fatalities\n";
static const char rows[] =
    "BKD0001,2025-07-01,1,Battles,Armed clash,JNIM: Group for Support of Islam and Muslims,"
    "Rebel group,Military Forces of Mali (2021-),State forces,Mali,Kayes,14.4469,-11.4445,1,"
    "\"Dawn attack on the army camp, police stations and the governor's residence; one of seven "
    "simultaneous attacks in western Mali.\",1\n"
    "BKD0002,2025-07-01,1,Battles,Armed clash,JNIM: Group for Support of Islam and Muslims,"
    "Rebel group,Military Forces of Mali (2021-),State forces,Mali,Nioro du Sahel,15.2300,"
    "-9.5900,1,One of seven simultaneous attacks on army positions.,0\n"
    "BKD0003,2025-07-01,1,Battles,Armed clash,JNIM: Group for Support of Islam and Muslims,"
    "Rebel group,Military Forces of Mali (2021-),State forces,Mali,Diboli,14.4700,-12.1900,1,"
    "\"Attack on the border post on the Dakar corridor, one of seven simultaneous attacks.\",0\n";

typedef struct ctx {
    const bk_scenario *sc;
    FILE *out;
} ctx;

static bk_status on_event(void *ud, bk_event *e, bk_error *err)
{
    (void)err;
    ctx *c = ud;
    bk_event_place(e, c->sc);
    if (e->placed)
        bk_event_write_csv(e, c->out);
    return BK_OK;
}

int main(int argc, char **argv)
{
    double mb = argc > 1 ? atof(argv[1]) : 100;
    char path[] = "/tmp/bench_import-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        fprintf(stderr, "bench_import: cannot create a temporary file\n");
        return 1;
    }
    fputs(header, f);
    size_t bytes = sizeof header - 1;
    while ((double)bytes < mb * 1e6) {
        fputs(rows, f);
        bytes += sizeof rows - 1;
    }
    fclose(f);
    bk_scenario *sc = NULL;
    bk_error err;
    FILE *out = fopen("/dev/null", "w");
    if (bk_scenario_load_default(&sc, &err) != BK_OK || !out) {
        fprintf(stderr, "bench_import: %s\n", err.message);
        remove(path);
        return 1;
    }
    ctx c = {sc, out};
    bk_events_info info;
    double w0 = now_s(), c0 = cpu_s();
    bk_status st = bk_events_scan_file(path, NULL, on_event, &c, &info, &err);
    double w = now_s() - w0, cpu = cpu_s() - c0;
    remove(path);
    fclose(out);
    bk_scenario_free(sc);
    if (st != BK_OK) {
        fprintf(stderr, "bench_import: %s\n", err.message);
        return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("bench=import_rate input_mb=%.0f records=%zu value=%.1f cpu_value=%.1f unit=MB/s\n",
           (double)bytes / 1e6, info.records, (double)bytes / 1e6 / w, (double)bytes / 1e6 / cpu);
    printf("bench=import_rss input_mb=%.0f value=%.1f unit=MB\n", (double)bytes / 1e6,
           (double)ru.ru_maxrss / 1024.0);
    return 0;
}
