/* atomic.c: an output published only when complete (cli.h: cli_atomic). */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Contract in cli.h. */
int cli_atomic_open(cli_atomic *o, const char *path)
{
    memset(o, 0, sizeof *o);
    o->path = path;
    o->fd = -1;
    if (!path) {
        o->f = tmpfile();
        if (!o->f) {
            cli_error("cannot create a temporary file: %s", strerror(errno));
            return CLI_EXIT_IO;
        }
        return CLI_EXIT_OK;
    }
    size_t n = strlen(path);
    o->tmp = malloc(n + 16);
    if (!o->tmp) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    snprintf(o->tmp, n + 16, "%s.tmp-XXXXXX", path);
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0) {
        cli_error("cannot create a temporary file next to '%s': %s", path, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        return CLI_EXIT_IO;
    }
    /* mkstemp makes the file 0600; the result is an ordinary output, so give it the mode a
     * new file gets (0666 less the umask), like every other file the tool writes. */
    mode_t mask = umask(0);
    umask(mask);
    o->f = fchmod(o->fd, 0666 & ~mask) == 0 ? fdopen(o->fd, "wb") : NULL;
    if (!o->f) {
        cli_error("cannot write '%s': %s", path, strerror(errno));
        close(o->fd);
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
        return CLI_EXIT_IO;
    }
    return CLI_EXIT_OK;
}

/* Contract in cli.h. */
void cli_atomic_abort(cli_atomic *o)
{
    if (o->f)
        fclose(o->f);
    if (o->tmp) {
        unlink(o->tmp);
        free(o->tmp);
    }
    memset(o, 0, sizeof *o);
}

/* Contract in cli.h. */
int cli_atomic_commit(cli_atomic *o)
{
    if (!o->tmp) {   /* standard output: copy the spooled bytes */
        bool ok = fflush(o->f) == 0 && !ferror(o->f) && fseek(o->f, 0, SEEK_SET) == 0;
        char buf[65536];
        size_t got;
        while (ok && (got = fread(buf, 1, sizeof buf, o->f)) > 0)
            ok = fwrite(buf, 1, got, stdout) == got;
        ok = ok && !ferror(o->f) && fflush(stdout) == 0;
        cli_atomic_abort(o);
        if (!ok) {
            cli_error("cannot write to stdout");
            return CLI_EXIT_IO;
        }
        return CLI_EXIT_OK;
    }
    bool ok = !ferror(o->f) && fflush(o->f) == 0 && fsync(o->fd) == 0;
    ok = fclose(o->f) == 0 && ok;
    o->f = NULL;
    if (!ok || rename(o->tmp, o->path) != 0) {
        cli_error("cannot write '%s': %s", o->path, strerror(errno));
        cli_atomic_abort(o);
        return CLI_EXIT_IO;
    }
    free(o->tmp);
    memset(o, 0, sizeof *o);
    return CLI_EXIT_OK;
}

/* Contract in cli.h. */
int cli_write_file_atomic(const char *path, const char *text, size_t len)
{
    cli_atomic o;
    int rc = cli_atomic_open(&o, path);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (fwrite(text, 1, len, o.f) != len) {
        cli_error("cannot write '%s': %s", path, strerror(errno));
        cli_atomic_abort(&o);
        return CLI_EXIT_IO;
    }
    return cli_atomic_commit(&o);
}
