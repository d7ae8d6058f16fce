/* ensemble_io.c: an ensemble's files: its output directory (all or nothing), its state
 * files (shard parts and checkpoints, written atomically), its printed summary, and the
 * --shard I/N syntax; shared by ensemble, merge and serve. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const ensemble_files[] = {"bands.csv", "curves.csv", "summary.json",
                                             "manifest.json", "scenario.yaml",
                                             "replications.csv"};
#define N_ENSEMBLE_FILES 6

/* Make a rename durable: fsync the directory that holds `path`. Best effort. */
static void sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? cli_join(path, slash == path ? 1 : (size_t)(slash - path), "")
                      : cli_join(".", 1, "");
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

/* Contract in cli.h. Writes into PATH.tmp-XXXXXX in the same directory, syncs, renames. */
int cli_write_state_atomic(const bk_ensemble *ens, const char *path, char *msg, size_t msg_size)
{
    char *tmp = cli_join(path, strlen(path), ".tmp-XXXXXX");
    if (!tmp) {
        snprintf(msg, msg_size, "out of memory");
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(msg, msg_size, "cannot create '%s': %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    mode_t mask = umask(0); /* mkstemp makes 0600; a part or checkpoint is an ordinary file */
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(tmp);
        free(tmp);
        snprintf(msg, msg_size, "out of memory");
        return -1;
    }
    errno = 0;
    bk_status st = bk_ensemble_write_state(ens, f);
    int write_errno = errno;   /* ENOSPC on a full disk: say so, not just "I/O error" */
    int synced = st == BK_OK ? fsync(fileno(f)) : 0;
    int closed = fclose(f);
    if (st != BK_OK || synced != 0 || closed != 0) {
        snprintf(msg, msg_size, "cannot write '%s': %s", tmp,
                 st == BK_ERR_IO && write_errno ? strerror(write_errno)
                 : st != BK_OK                  ? bk_status_str(st)
                                                : strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(msg, msg_size, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    sync_parent(path);
    free(tmp);
    return 0;
}

static bk_status bands_of(const void *e, FILE *f) { return bk_ensemble_write_bands_csv(e, f); }
static bk_status curves_of(const void *e, FILE *f) { return bk_ensemble_write_curves_csv(e, f); }
static bk_status summary_of(const void *e, FILE *f)
{
    return bk_ensemble_write_summary_json(e, f);
}
static bk_status replications_of(const void *e, FILE *f)
{
    return bk_ensemble_write_replications_csv(e, f);
}
static bk_status manifest_of(const void *e, FILE *f)
{
    return bk_ensemble_write_manifest_json(e, ensemble_files, N_ENSEMBLE_FILES, f);
}
static bk_status scenario_of(const void *e, FILE *f)
{
    size_t len = 0;
    const char *text = bk_ensemble_scenario_text(e, &len);
    return fwrite(text, 1, len, f) == len ? BK_OK : BK_ERR_IO;
}

/* Contract in cli.h. */
char *cli_ensemble_summary_text(const bk_ensemble *ens)
{
    return cli_text_of(summary_of, ens);
}

/* Contract in cli.h. */
int cli_ensemble_write_outputs(const bk_ensemble *ens, const char *dir, bool force)
{
    const cli_output files[N_ENSEMBLE_FILES] = {
        {"bands.csv", bands_of, ens},           {"curves.csv", curves_of, ens},
        {"summary.json", summary_of, ens},      {"manifest.json", manifest_of, ens},
        {"scenario.yaml", scenario_of, ens},    {"replications.csv", replications_of, ens}};
    return cli_write_outputs(dir, force, files, N_ENSEMBLE_FILES);
}

static bk_status report_of(const void *e, FILE *f) { return bk_ensemble_write_report(e, f); }

/* Contract in cli.h. */
int cli_ensemble_print(const bk_ensemble *ens, bool json, bool quiet)
{
    return cli_print_result(ens, summary_of, report_of, json, quiet, NULL);
}

/* Contract in cli.h: "I/N" with decimal digits only, N >= 1, I < N. */
int cli_parse_shard(const char *s, uint32_t *index, uint32_t *count)
{
    const char *slash = strchr(s, '/');
    if (!slash || slash == s || slash[1] == '\0')
        return -1;
    unsigned long long v[2];
    const char *part[2] = {s, slash + 1};
    size_t len[2] = {(size_t)(slash - s), strlen(slash + 1)};
    for (int k = 0; k < 2; k++) {
        if (len[k] > 9 || strspn(part[k], "0123456789") < len[k])
            return -1;
        v[k] = 0;
        for (size_t i = 0; i < len[k]; i++)
            v[k] = v[k] * 10 + (unsigned long long)(part[k][i] - '0');
    }
    if (v[1] < 1 || v[0] >= v[1] || v[1] > 1000000)
        return -1;
    *index = (uint32_t)v[0];
    *count = (uint32_t)v[1];
    return 0;
}


/* Contract in cli.h. */
int cli_load_state(const char *path, bk_ensemble **out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error("cannot open '%s': %s", path, strerror(errno));
        return CLI_EXIT_IO;
    }
    bk_error err = {0};
    bk_status st = bk_ensemble_read_state(f, path, out, &err);
    fclose(f);
    if (st != BK_OK) {
        cli_error("%s", err.message);
        return st == BK_ERR_SCHEMA ? CLI_EXIT_IO : cli_exit_for_status(st);
    }
    return CLI_EXIT_OK;
}
