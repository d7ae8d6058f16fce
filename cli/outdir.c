/* outdir.c: all-or-nothing output directories (see outdir.h). */
#include "outdir.h"
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A copy of `dir` + `suffix`, or NULL when out of memory. */
static char *concat(const char *dir, const char *suffix)
{
    size_t a = strlen(dir), b = strlen(suffix);
    char *s = malloc(a + b + 1);
    if (s) {
        memcpy(s, dir, a);
        memcpy(s + a, suffix, b + 1);
    }
    return s;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 ? 0 : -1;
}

/* Contract in outdir.h. FTW_PHYS: a symbolic link is removed, never followed. */
int cli_remove_tree(const char *path)
{
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* 1 if the directory has an entry other than . and .., 0 if empty, -1 if unreadable. */
static int dir_has_entries(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            found = 1;
            break;
        }
    }
    closedir(d);
    return found;
}

/* Make a directory durable in its parent: without it a crash right after rename() may lose
 * the rename. Best effort: some file systems refuse fsync on directories. */
static void sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* DIR[0..len) must end in a real name: "/", "." and ".." cannot be renamed into place. */
static bool usable_name(const char *dir, size_t len)
{
    size_t start = len;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    size_t n = len - start;
    if (n == 0)
        return false;
    if (n == 1 && dir[start] == '.')
        return false;
    if (n == 2 && dir[start] == '.' && dir[start + 1] == '.')
        return false;
    return true;
}

/* Create the missing parents of `dir`, recording each in od->made so a failure can undo them.
 * Existing components are left alone (they may be symbolic links to directories). */
static int make_parents(cli_outdir *od, const char *dir, char *msg, size_t msg_size)
{
    size_t len = strlen(dir);
    char *path = malloc(len + 1);
    od->made = calloc(len + 1, sizeof *od->made); /* never more parents than characters */
    if (!path || !od->made) {
        free(path);
        snprintf(msg, msg_size, "out of memory");
        return -1;
    }
    memcpy(path, dir, len + 1);
    size_t last = len;
    while (last > 0 && path[last - 1] != '/')
        last--; /* path[0..last) is the parent, with its trailing slash */
    for (size_t i = 1; i < last; i++) {
        if (path[i] != '/' || path[i - 1] == '/')
            continue;
        path[i] = '\0';
        struct stat st;
        if (stat(path, &st) != 0) {
            if (errno != ENOENT || mkdir(path, 0777) != 0) {
                snprintf(msg, msg_size, "cannot create directory '%s': %s", path,
                         strerror(errno));
                free(path);
                return -1;
            }
            char *copy = malloc(i + 1);
            if (!copy) {
                snprintf(msg, msg_size, "out of memory");
                free(path);
                return -1;
            }
            memcpy(copy, path, i + 1);
            od->made[od->n_made++] = copy;
        }
        path[i] = '/';
    }
    free(path);
    return 0;
}

/* The first `cap - 1` bytes of a regular file (not a link) into buf, NUL-terminated; the
 * number read, or -1 if it is not a regular file or cannot be read. */
static long read_head(const char *path, char *buf, size_t cap)
{
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return -1;
    int fd = open(path, O_RDONLY | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    return (long)n;
}

#define MANIFEST_MAX (1u << 20)
#define RUN_SIGNATURE "{\n  \"blockade_version\": \""    /* manifest.json, every kind */
#define CALIB_SIGNATURE "{\n  \"method\": \"ABC-SMC"       /* calibrate's diagnostics.json */

/* Contract in outdir.h. What blockade writes: a manifest.json of its own (it starts with the
 * "blockade_version" key) listing every entry, all regular files; or the three files of
 * `calibrate --out`, whose diagnostics.json names the method. Nothing else is recognised, so
 * --force never removes a directory of someone else's (a home directory, a source tree). */
int cli_outdir_is_own(const char *dir, char *msg, size_t msg_size)
{
    static const char *const calib[] = {"posterior.csv", "diagnostics.json", "calibrated.yaml"};
    size_t dlen = strlen(dir);
    char *path = malloc(dlen + 300);
    char *text = malloc(MANIFEST_MAX + 1);
    DIR *d = path && text ? opendir(dir) : NULL;
    if (d == NULL) {
        snprintf(msg, msg_size, "cannot read output directory '%s': %s", dir,
                 path && text ? strerror(errno) : "out of memory");
        free(path);
        free(text);
        return -1;
    }
    bool calibrate = false;
    snprintf(path, dlen + 300, "%s/manifest.json", dir);
    long n = read_head(path, text, MANIFEST_MAX + 1);
    if (n < 0 || strncmp(text, RUN_SIGNATURE, strlen(RUN_SIGNATURE)) != 0) {
        snprintf(path, dlen + 300, "%s/diagnostics.json", dir);
        n = read_head(path, text, 256);
        calibrate = n > 0 && strncmp(text, CALIB_SIGNATURE, strlen(CALIB_SIGNATURE)) == 0;
        if (!calibrate) {
            closedir(d);
            free(path);
            free(text);
            snprintf(msg, msg_size,
                     "'%s' is not an output directory of blockade (it has no blockade "
                     "manifest.json), so --force will not delete it: remove it yourself or "
                     "choose another --out", dir);
            return -1;
        }
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        bool listed = false;
        if (calibrate) {
            for (size_t i = 0; i < sizeof calib / sizeof calib[0]; i++)
                listed = listed || strcmp(e->d_name, calib[i]) == 0;
        } else {
            char quoted[300];
            snprintf(quoted, sizeof quoted, "\"%s\"", e->d_name);
            listed = strlen(e->d_name) < 256 && strstr(text, quoted) != NULL;
        }
        struct stat st;
        snprintf(path, dlen + 300, "%s/%.255s", dir, e->d_name);
        if (!listed || lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            snprintf(msg, msg_size,
                     "'%s' holds '%.255s', which blockade did not write there, so --force will "
                     "not delete the directory: remove it yourself or choose another --out", dir,
                     e->d_name);
            rc = -1;
        }
    }
    closedir(d);
    free(path);
    free(text);
    return rc;
}

/* Contract in outdir.h. */
int cli_partial_is_own(const char *dir, char *msg, size_t msg_size)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        snprintf(msg, msg_size, "cannot read '%s': %s", dir, strerror(errno));
        return -1;
    }
    size_t dlen = strlen(dir);
    char *path = malloc(dlen + 300);
    int rc = path ? 0 : -1;
    if (!path)
        snprintf(msg, msg_size, "out of memory");
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, dlen + 300, "%s/%.255s", dir, e->d_name);
        char head[16];
        bool ok = false;
        if (strcmp(e->d_name, "checkpoint.bkens") == 0)
            ok = read_head(path, head, sizeof head) >= 8 && memcmp(head, "BKENSEMB", 8) == 0;
        else if (strncmp(e->d_name, "checkpoint.bkens.tmp-", 21) == 0)
            ok = read_head(path, head, sizeof head) >= 0;   /* an interrupted checkpoint write */
        if (!ok) {
            snprintf(msg, msg_size,
                     "'%s' holds '%.255s', which is not an ensemble checkpoint, so --force will "
                     "not delete the directory: remove it yourself", dir, e->d_name);
            rc = -1;
        }
    }
    closedir(d);
    free(path);
    return rc;
}

static int check_target(const char *dir, bool force, char *msg, size_t msg_size)
{
    struct stat st;
    if (lstat(dir, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(msg, msg_size, "cannot use output directory '%s': %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(msg, msg_size, "'%s' exists and is not a directory", dir);
        return -1;
    }
    int full = dir_has_entries(dir);
    if (full < 0) {
        snprintf(msg, msg_size, "cannot read output directory '%s': %s", dir, strerror(errno));
        return -1;
    }
    if (full && !force) {
        snprintf(msg, msg_size,
                 "output directory '%s' exists and is not empty (use --force to replace it)", dir);
        return -1;
    }
    return full ? cli_outdir_is_own(dir, msg, msg_size) : 0;
}

/* The outputs are in place: the parents created for them stay. */
static void forget_parents(cli_outdir *od)
{
    for (int i = 0; i < od->n_made; i++)
        free(od->made[i]);
    od->n_made = 0;
}

int cli_outdir_begin(cli_outdir *od, const char *dir, bool force, char *msg, size_t msg_size)
{
    memset(od, 0, sizeof *od);
    od->force = force;
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--; /* "out/" must give "out.tmp-X" next to out, not "out/.tmp-X" inside it */
    if (!usable_name(dir, len)) {
        snprintf(msg, msg_size, "'%s' cannot be an output directory: name a new directory", dir);
        return -1;
    }
    od->final = malloc(len + 1);
    if (!od->final) {
        snprintf(msg, msg_size, "out of memory");
        return -1;
    }
    memcpy(od->final, dir, len);
    od->final[len] = '\0';
    if (check_target(od->final, force, msg, msg_size) != 0
        || make_parents(od, od->final, msg, msg_size) != 0) {
        cli_outdir_abort(od);
        return -1;
    }
    od->tmp = concat(od->final, ".tmp-XXXXXX");
    if (!od->tmp) {
        snprintf(msg, msg_size, "out of memory");
        cli_outdir_abort(od);
        return -1;
    }
    if (!mkdtemp(od->tmp)) {
        snprintf(msg, msg_size, "cannot create output directory '%s': %s", od->final,
                 strerror(errno));
        free(od->tmp);
        od->tmp = NULL;
        cli_outdir_abort(od);
        return -1;
    }
    /* mkdtemp makes a private 0700 directory; the outputs should get the usual permissions. */
    mode_t mask = umask(0);
    umask(mask);
    (void)chmod(od->tmp, 0777 & ~mask);
    return 0;
}

FILE *cli_outdir_open(cli_outdir *od, const char *name, char *msg, size_t msg_size)
{
    char *path = malloc(strlen(od->tmp) + 1 + strlen(name) + 1);
    if (!path) {
        snprintf(msg, msg_size, "out of memory");
        return NULL;
    }
    sprintf(path, "%s/%s", od->tmp, name);
    FILE *f = fopen(path, "wbx"); /* x: the directory is ours and fresh; never reuse a file */
    if (!f)
        snprintf(msg, msg_size, "cannot create '%s/%s': %s", od->final, name, strerror(errno));
    free(path);
    return f;
}

int cli_outdir_close(cli_outdir *od, FILE *f, const char *name, char *msg, size_t msg_size)
{
    int failed = fflush(f) != 0 || ferror(f);
    int saved = errno;
    if (!failed && fsync(fileno(f)) != 0 && errno != EINVAL) { /* EINVAL: cannot sync here */
        failed = 1;
        saved = errno;
    }
    if (fclose(f) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        snprintf(msg, msg_size, "cannot write '%s/%s': %s", od->final, name,
                 saved ? strerror(saved) : "write error");
        return -1;
    }
    return 0;
}

int cli_outdir_commit(cli_outdir *od, char *msg, size_t msg_size)
{
    sync_dir(od->tmp);
    /* rename() onto a missing or empty directory succeeds at once. */
    if (rename(od->tmp, od->final) == 0) {
        free(od->tmp);
        od->tmp = NULL;
        forget_parents(od);
        return 0;
    }
    if (errno != ENOTEMPTY && errno != EEXIST) {
        snprintf(msg, msg_size, "cannot move outputs into '%s': %s", od->final, strerror(errno));
        return -1;
    }
    if (!od->force) { /* DIR appeared or filled up while we were running */
        snprintf(msg, msg_size,
                 "output directory '%s' exists and is not empty (use --force to replace it)",
                 od->final);
        return -1;
    }
    /* Move the old DIR aside onto a fresh empty directory (rename replaces an empty one),
     * move the new one in, and only then delete the old. */
    char *old = concat(od->final, ".old-XXXXXX");
    if (!old) {
        snprintf(msg, msg_size, "out of memory");
        return -1;
    }
    if (!mkdtemp(old)) {
        snprintf(msg, msg_size, "cannot replace '%s': %s", od->final, strerror(errno));
        free(old);
        return -1;
    }
    if (rename(od->final, old) != 0) {
        snprintf(msg, msg_size, "cannot replace '%s': %s", od->final, strerror(errno));
        rmdir(old);
        free(old);
        return -1;
    }
    if (rename(od->tmp, od->final) != 0) {
        snprintf(msg, msg_size, "cannot move outputs into '%s': %s", od->final, strerror(errno));
        if (rename(old, od->final) != 0) { /* should not happen: we just moved it from there */
            size_t used = strlen(msg);
            snprintf(msg + used, msg_size - used, "; the old outputs are in '%s'", old);
        }
        free(old);
        return -1;
    }
    free(od->tmp);
    od->tmp = NULL;
    forget_parents(od);
    int removed = cli_remove_tree(old);
    if (removed != 0) { /* the new outputs are in place: report, but do not fail */
        snprintf(msg, msg_size, "warning: could not remove the old outputs in '%s'", old);
    }
    free(old);
    return removed != 0 ? 1 : 0;
}

void cli_outdir_abort(cli_outdir *od)
{
    if (od->tmp) {
        (void)cli_remove_tree(od->tmp);
        free(od->tmp);
        od->tmp = NULL;
    }
    for (int i = od->n_made - 1; i >= 0; i--) { /* innermost first; only if still empty */
        (void)rmdir(od->made[i]);
        free(od->made[i]);
    }
    free(od->made);
    od->made = NULL;
    od->n_made = 0;
    free(od->final);
    od->final = NULL;
}

/* Contract in cli.h. A trial claim, given back at once: the checks of cli_outdir_begin (DIR
 * absent or empty unless --force, parents creatable) before hours of work, not after. */
int cli_outdir_precheck(const char *dir, bool force)
{
    char msg[1024];
    cli_outdir od;
    if (cli_outdir_begin(&od, dir, force, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        return CLI_EXIT_IO;
    }
    cli_outdir_abort(&od);
    return CLI_EXIT_OK;
}

/* Contract in cli.h. */
int cli_outdir_write(cli_outdir *od, const cli_output *files, int n)
{
    char msg[1024];
    for (int i = 0; i < n; i++) {
        if (cli_interrupted)
            return CLI_EXIT_INTERRUPTED;
        FILE *f = cli_outdir_open(od, files[i].name, msg, sizeof msg);
        if (!f) {
            cli_error("%s", msg);
            return CLI_EXIT_IO;
        }
        bk_status st = files[i].write(files[i].obj, f);
        if (cli_outdir_close(od, f, files[i].name, msg, sizeof msg) != 0) {
            cli_error("%s", msg);
            return CLI_EXIT_IO;
        }
        if (st != BK_OK) {
            cli_error("cannot write '%s/%s': %s", od->final, files[i].name, bk_status_str(st));
            return cli_exit_for_status(st);
        }
    }
    if (cli_interrupted)
        return CLI_EXIT_INTERRUPTED;
    int committed = cli_outdir_commit(od, msg, sizeof msg);
    if (committed != 0)
        cli_error("%s", msg); /* > 0: new outputs in place; the old ones could not be removed */
    return committed < 0 ? CLI_EXIT_IO : CLI_EXIT_OK;
}

/* Contract in cli.h. */
int cli_write_outputs(const char *dir, bool force, const cli_output *files, int n)
{
    char msg[1024];
    cli_outdir od;
    if (cli_outdir_begin(&od, dir, force, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        return CLI_EXIT_IO;
    }
    int rc = cli_outdir_write(&od, files, n);
    cli_outdir_abort(&od);
    return rc;
}

/* Contract in cli.h. */
bk_status cli_write_manifest(const void *manifest, FILE *f)
{
    const cli_manifest *m = manifest;
    fprintf(f, "{\n  \"blockade_version\": \"%s\",\n  \"kind\": ", bk_version());
    bk_json_write_string(f, m->kind, false);
    if (m->list_key) {
        fputs(",\n  ", f);
        bk_json_write_string(f, m->list_key, false);
        fputs(": [", f);
        for (int k = 0; k < m->n_list; k++) {
            fputs(k ? ", " : "", f);
            bk_json_write_string(f, m->list[k], false);
        }
        fputc(']', f);
    }
    fputs(",\n  \"files\": [", f);
    for (int k = 0; k < m->n_files; k++) {
        fputs(k ? ", " : "", f);
        bk_json_write_string(f, m->files[k].name, false);
    }
    fputs("]\n}\n", f);
    return ferror(f) ? BK_ERR_IO : BK_OK;
}

/* Contract in cli.h. */
bk_status cli_write_scenario(const void *sc, FILE *f)
{
    size_t len = 0;
    const char *text = bk_scenario_text(sc, &len);
    return fwrite(text, 1, len, f) == len ? BK_OK : BK_ERR_IO;
}
