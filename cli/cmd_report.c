/* cmd_report.c: `blockade report`: one self-contained HTML page from an output directory, written
 * all or nothing (a temporary file next to the target, renamed into place when complete). */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OPT_OUTPUT, OPT_OBSERVED, OPT_TITLE, OPT_QUIET };

/* Same order as the enum above. */
const cli_option cli_report_options[] = {
    {"output", CLI_OPT_STRING, "FILE", 0, 0, "write the report to FILE (replaced if it exists)"},
    {"observed", CLI_OPT_STRING, "FILE", 0, 0,
     "observed events to show on the map (CSV in ACLED's columns)"},
    {"title", CLI_OPT_STRING, "TEXT", 0, 0, "title of the page (default: the scenario's name)"},
    {"quiet", CLI_OPT_FLAG, NULL, 0, 0, "print nothing but errors"},
    {NULL, CLI_OPT_FLAG, NULL, 0, 0, NULL},
};

/* "FILE.tmp-XXXXXX" next to FILE, so that rename() stays on one file system. */
static char *temp_name(const char *path)
{
    size_t n = strlen(path);
    char *s = malloc(n + sizeof ".tmp-XXXXXX");
    if (s) {
        memcpy(s, path, n);
        memcpy(s + n, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");
    }
    return s;
}

/* Write the report into a fresh temporary file and rename it over `path`; returns an exit
 * code. On failure the temporary file is removed and `path` is left as it was. */
static int write_report(const char *dir, const char *path, const bk_report_config *cfg)
{
    char *tmp = temp_name(path);
    if (tmp == NULL) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        cli_error("cannot create '%s': %s", path, strerror(errno));
        free(tmp);
        return CLI_EXIT_IO;
    }
    /* mkstemp makes the file private (0600); a report is for sharing: the usual permissions. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    FILE *f = fdopen(fd, "wb");
    if (f == NULL) {
        cli_error("cannot create '%s': %s", path, strerror(errno));
        close(fd);
        unlink(tmp);
        free(tmp);
        return CLI_EXIT_IO;
    }
    bk_error err;
    memset(&err, 0, sizeof err);
    bk_status st = bk_report_write(dir, cfg, f, &err);
    int rc = CLI_EXIT_OK;
    if (st != BK_OK) {
        rc = cli_report(st, &err);
    } else if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
        cli_error("cannot write '%s': %s", path, strerror(errno));
        rc = CLI_EXIT_IO;
    }
    if (fclose(f) != 0 && rc == CLI_EXIT_OK) {
        cli_error("cannot write '%s': %s", path, strerror(errno));
        rc = CLI_EXIT_IO;
    }
    if (rc == CLI_EXIT_OK && cli_interrupted)
        rc = CLI_EXIT_INTERRUPTED;
    if (rc == CLI_EXIT_OK && rename(tmp, path) != 0) {
        cli_error("cannot move the report into '%s': %s", path, strerror(errno));
        rc = CLI_EXIT_IO;
    }
    if (rc != CLI_EXIT_OK)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* `blockade report DIR --output FILE [options]`. */
int cli_cmd_report(const cli_invocation *inv)
{
    const cli_value *opt = inv->opt;
    if (!opt[OPT_OUTPUT].set)
        return cli_usage_error("report: missing --output FILE");
    const char *dir = inv->args[0];
    const char *path = opt[OPT_OUTPUT].str;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        cli_error("'%s' is a directory: name the report's file", path);
        return CLI_EXIT_IO;
    }
    bk_report_config cfg;
    bk_report_config_init(&cfg);
    if (opt[OPT_TITLE].set)
        cfg.title = opt[OPT_TITLE].str;
    if (opt[OPT_OBSERVED].set)
        cfg.observed_path = opt[OPT_OBSERVED].str;
    int rc = write_report(dir, path, &cfg);
    if (rc == CLI_EXIT_INTERRUPTED)
        cli_error("interrupted");
    if (rc == CLI_EXIT_OK && !opt[OPT_QUIET].set) {
        if (stat(path, &st) == 0)
            fprintf(stderr, "report written to %s (%lld kB)\n", path,
                    (long long)((st.st_size + 1023) / 1024));
        else
            fprintf(stderr, "report written to %s\n", path);
    }
    return rc;
}
