/* serve_runs.c: the run store's routes of `blockade serve` (GET /api/runs...): the runs as JSON,
 * one run with its output files, the diff of two, downloads of an output file and of the run's
 * offline report. The store is opened read-only for each request; a download is a plain file
 * name opened with O_NOFOLLOW inside the run's recorded output directory (docs/serve.md). */
#include "serve.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve_http.h"

/* ---- the run store ------------------------------------------------------------------------ */

/* Open the store read-only; false (answer queued in *ret) when that fails. A store not yet
 * created reads as empty: *st stays NULL. */
static bool store_open(const char *store_path, struct MHD_Connection *c, bk_store **st,
                       enum MHD_Result *ret)
{
    *st = NULL;
    if (store_path == NULL || access(store_path, F_OK) != 0)
        return true;
    bk_error err = {0};
    if (bk_store_open_readonly(store_path, st, &err) != BK_OK) {
        *ret = serve_send_error(c, 500, "%s", err.message);
        return false;
    }
    return true;
}

/* A file name a download may ask for: letters, digits, '.', '_', '-', not starting with '.'. */
static bool safe_name(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 128 && s[0] != '.' &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static const char *content_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot && strcmp(dot, ".csv") == 0)
        return "text/csv; charset=utf-8";
    if (dot && (strcmp(dot, ".json") == 0 || strcmp(dot, ".geojson") == 0))
        return "application/json";
    if (dot && strcmp(dot, ".html") == 0)
        return "text/html; charset=utf-8";
    return "application/octet-stream";
}

static enum MHD_Result send_file(struct MHD_Connection *c, const char *dir, const char *name)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return serve_send_error(c, 404, "the run's output directory is gone");
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    close(dfd);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (fd >= 0)
            close(fd);
        return serve_send_error(c, 404, "no file '%s' in the run's outputs", name);
    }
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
    if (r == NULL) {
        close(fd);
        return MHD_NO;
    }
    serve_add_headers(r);
    MHD_add_response_header(r, "Content-Type", content_type(name));
    MHD_add_response_header(r, "Content-Security-Policy", "default-src 'none'; sandbox");
    char disp[256];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", name);
    MHD_add_response_header(r, "Content-Disposition", disp);
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* The names of the regular files in `dir` as a JSON array. */
static void put_files(FILE *f, const char *dir)
{
    fputc('[', f);
    int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (d == NULL && dfd >= 0)
        close(dfd);
    bool first = true;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        struct stat sb;
        if (!safe_name(e->d_name) || fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(sb.st_mode))
            continue;
        fputs(first ? "" : ",", f);
        first = false;
        fputs("{\"name\":", f);
        serve_json_string(f, e->d_name);
        fprintf(f, ",\"bytes\":%lld}", (long long)sb.st_size);
    }
    if (d)
        closedir(d);
    fputc(']', f);
}

/* GET /api/runs/... */
enum MHD_Result serve_runs(const char *store_path, struct MHD_Connection *c, const char *rest)
{
    bk_store *st;
    enum MHD_Result ret = MHD_NO;
    if (!store_open(store_path, c, &st, &ret))
        return ret;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL) {
        bk_store_close(st);
        return serve_send_error(c, 500, "out of memory");
    }
    bk_error err = {0};
    unsigned status = 200;
    bk_status bs = BK_OK;
    const char *file = NULL;
    char *dir = NULL;
    long a = -1, b = -1;
    if (*rest == '\0') {
        if (st)
            bs = bk_store_list_json(st, 200, f, &err);
        else
            fputs("[]", f);
    } else if (*rest == '/' && (rest++, a = serve_parse_id(&rest)) > 0) {
        if (st == NULL) {
            status = 404;
            snprintf(err.message, sizeof err.message, "no run %ld: no run recorded yet", a);
        } else if (*rest == '\0') {
            char *text = NULL;
            size_t tlen = 0;
            FILE *tf = open_memstream(&text, &tlen);
            bs = tf ? bk_store_show(st, a, tf, &err) : BK_ERR_NOMEM;
            if (tf)
                fclose(tf);
            if (bs == BK_OK)
                bs = bk_store_out_dir(st, a, &dir, &err);
            if (bs == BK_OK) {
                fprintf(f, "{\"id\":%ld,\"text\":", a);
                serve_json_string(f, text);
                fputs(",\"files\":", f);
                put_files(f, dir);
                fputc('}', f);
            }
            free(text);
        } else if (strncmp(rest, "/diff/", 6) == 0 && (rest += 6, b = serve_parse_id(&rest)) > 0 &&
                   *rest == '\0') {
            char *text = NULL;
            size_t tlen = 0;
            FILE *tf = open_memstream(&text, &tlen);
            bs = tf ? bk_store_diff(st, a, b, tf, &err) : BK_ERR_NOMEM;
            if (tf)
                fclose(tf);
            if (bs == BK_OK) {
                fprintf(f, "{\"a\":%ld,\"b\":%ld,\"text\":", a, b);
                serve_json_string(f, text);
                fputc('}', f);
            }
            free(text);
        } else if (strncmp(rest, "/files/", 7) == 0 || strcmp(rest, "/report") == 0) {
            file = rest[1] == 'f' ? rest + 7 : "";
            if (rest[1] == 'f' && !safe_name(file)) {
                status = 400;
                snprintf(err.message, sizeof err.message, "bad file name: a plain name of "
                         "letters, digits, '.', '_' and '-' is expected (no paths)");
            } else {
                bs = bk_store_out_dir(st, a, &dir, &err);
                if (bs == BK_OK && dir == NULL) {
                    status = 404;
                    snprintf(err.message, sizeof err.message, "run %ld recorded no outputs", a);
                }
            }
        } else {
            status = 404;
            snprintf(err.message, sizeof err.message, "no such resource");
        }
    } else {
        status = 404;
        snprintf(err.message, sizeof err.message, "no such resource: expected a run id");
    }
    bk_store_close(st);
    fclose(f);
    if (bs == BK_ERR_USAGE)
        status = 404;   /* an unknown run id */
    else if (bs != BK_OK)
        status = 500;
    if (status != 200) {
        free(buf);
        free(dir);
        return serve_send_error(c, status, "%s", err.message[0] ? err.message : "failed");
    }
    if (file && file[0]) {
        free(buf);
        ret = send_file(c, dir, file);
    } else if (file) {   /* the offline report of the run */
        free(buf);
        buf = NULL;
        len = 0;
        f = open_memstream(&buf, &len);
        bs = f ? bk_report_write(dir, NULL, f, &err) : BK_ERR_NOMEM;
        if (f)
            fclose(f);
        if (bs != BK_OK) {
            free(buf);
            ret = serve_send_error(c, bs == BK_ERR_IO ? 404 : 500, "%s", err.message);
        } else {
            struct MHD_Response *r =
                MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
            if (r == NULL) {
                free(buf);
                free(dir);
                return MHD_NO;
            }
            serve_add_headers(r);
            MHD_add_response_header(r, "Content-Type", "text/html; charset=utf-8");
            MHD_add_response_header(r, "Content-Disposition",
                                    "attachment; filename=\"report.html\"");
            ret = MHD_queue_response(c, 200, r);
            MHD_destroy_response(r);
        }
    } else {
        ret = serve_send_json(c, 200, buf, len);
    }
    free(dir);
    return ret;
}

