/* progress.c: the progress bar of the long-running commands on stderr, drawn only on a
 * terminal. */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Contract in cli.h. */
void cli_progress_init(cli_progress *p, bool enabled)
{
    memset(p, 0, sizeof *p);
    p->enabled = enabled && isatty(STDERR_FILENO);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    p->start = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
    p->first_done = UINT64_MAX;
}

/* Contract in cli.h. A bar, a percentage, the count and the time left, redrawn in place. */
void cli_progress_update(void *ud, uint64_t done, uint64_t total)
{
    cli_progress *p = ud;
    if (!p->enabled || total == 0)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double now = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
    if (p->first_done == UINT64_MAX)
        p->first_done = done; /* replications done before this session (a resume) */
    double frac = (double)done / (double)total;
    int width = 30, fill = (int)(frac * width);
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    char eta[32] = "--:--";
    double el = now - p->start;
    uint64_t new_done = done - p->first_done;
    if (new_done > 0 && el > 0.5) {
        double left = el / (double)new_done * (double)(total - done);
        long s = (long)(left + 0.5);
        snprintf(eta, sizeof eta, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    }
    fprintf(stderr, "\r[%s] %3d %% %llu/%llu ETA %s ", bar, (int)(frac * 100.0),
            (unsigned long long)done, (unsigned long long)total, eta);
    fflush(stderr);
    p->drawn = true;
}

/* Contract in cli.h. */
void cli_progress_end(cli_progress *p)
{
    if (p->enabled && p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->drawn = false;
}

/* Contract in cli.h. */
void cli_progress_attach(cli_progress *p, bool quiet, bk_ensemble_progress_fn *fn, void **ud)
{
    cli_progress_init(p, !quiet);
    *fn = cli_progress_update;
    *ud = p;
}
