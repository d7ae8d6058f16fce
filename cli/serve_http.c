/* serve_http.c: the HTTP side of `blockade serve`, on libmicrohttpd: the checks every request
 * passes (target length, Host, Origin, access token), the routes of the JSON API, the page,
 * server-sent events, and downloads from the run store (docs/serve.md).
 *
 * libmicrohttpd runs one thread per connection (bounded by a connection limit and an idle
 * time-out): an event stream may then wait on its job without holding up anyone else. Every
 * refusal is a 4xx with a JSON body {"error": {"status": N, "message": "..."}}; nothing a
 * client sends can stop the server. */
#include "serve.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cli.h"
#include "serve_http.h"

/* Open connections at most; beyond them libmicrohttpd refuses new ones at once. */
#define SERVE_MAX_CONNECTIONS 2048
/* An idle connection is closed after this many seconds. */
#define SERVE_IDLE_SECONDS 30
/* Nice value of the connection threads: the jobs keep the processors when requests pour in
 * (the page needs little; a flood of API calls should slow itself, not the ensembles). */
#define SERVE_CONNECTION_NICE 19
/* An event stream without news sends a comment this often, to notice a closed browser. */
#define SERVE_SSE_WAIT_MS 1000

struct serve_http {
    struct MHD_Daemon *d;
    serve_config *cfg;
    unsigned port;
    char *levers;           /* the scenario and its levers as JSON, made once */
    size_t levers_len;
    volatile int stopping;
};

/* Per request: the body as it arrives. */
typedef struct req_ctx {
    size_t raw_len;         /* the request target as sent, before decoding */
    bool raw_nul;           /* it holds %00: a decoded NUL would cut the path short */
    bool started;           /* the first call of the access handler is past */
    char *body;
    size_t len;
    bool too_big;
    bool checked;           /* the headers passed the checks */
} req_ctx;

static const char page_csp_fmt[] =
    "default-src 'none'; script-src 'nonce-%s'; style-src 'nonce-%s'; connect-src 'self'; "
    "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void serve_add_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
}

/* Queue `len` bytes (copied) with a status and a content type. */
enum MHD_Result serve_send_buf(struct MHD_Connection *c, unsigned status, const char *type,
                                const char *buf, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)buf, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    serve_add_headers(r);
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result serve_send_error(struct MHD_Connection *c, unsigned status, const char *fmt,
                                  ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return MHD_NO;
    fprintf(f, "{\"error\":{\"status\":%u,\"message\":", status);
    serve_json_string(f, msg);
    fputs("}}\n", f);
    fclose(f);
    enum MHD_Result ret = serve_send_buf(c, status, "application/json", buf, len);
    free(buf);
    return ret;
}

/* A JSON answer built by `fill` into a memstream. */
enum MHD_Result serve_send_json(struct MHD_Connection *c, unsigned status, char *buf,
                                     size_t len)
{
    enum MHD_Result ret = buf ? serve_send_buf(c, status, "application/json", buf, len)
                              : serve_send_error(c, 500, "out of memory");
    free(buf);
    return ret;
}

/* ---- checks ------------------------------------------------------------------------------ */

static bool host_is(const char *host, const char *name, unsigned port)
{
    char want[300];
    /* an IPv6 address is written in brackets before a port (RFC 3986, 3.2.2) */
    bool bare6 = strchr(name, ':') != NULL && name[0] != '[';
    snprintf(want, sizeof want, bare6 ? "[%s]:%u" : "%s:%u", name, port);
    return strcasecmp(host, want) == 0;
}

/* One of the server's own names, with its port. */
static bool own_host(const char *host, const char *bind, const char *addr, unsigned port)
{
    return host_is(host, "127.0.0.1", port) || host_is(host, "localhost", port) ||
           host_is(host, "[::1]", port) || (bind && host_is(host, bind, port)) ||
           (addr && host_is(host, addr, port));
}

/* Contract in serve.h. */
const char *serve_check_host_origin(const char *host, const char *origin, const char *bind,
                                    const char *addr, unsigned port)
{
    if (host == NULL || host[0] == '\0')
        return "a Host header is required";
    if (strlen(host) > 255)
        return "the Host header is too long";
    if (!own_host(host, bind, addr, port))
        return "the Host header names another server (possible DNS rebinding): use the URL the "
               "server printed";
    if (origin == NULL)
        return NULL;
    const char *p = strncmp(origin, "http://", 7) == 0 ? origin + 7 : NULL;
    if (p == NULL || strlen(p) > 255)
        return "cross-origin request refused (Origin is not this server)";
    if (!own_host(p, bind, addr, port))
        return "cross-origin request refused (Origin is not this server)";
    return NULL;
}

/* Constant-time comparison of a candidate token with the server's. */
static bool token_equal(const char *given, const char *token)
{
    if (given == NULL)
        return false;
    size_t n = strlen(token);
    if (strlen(given) != n)
        return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(given[i] ^ token[i]);
    return diff == 0;
}

static void cookie_name(const serve_http *h, char *buf, size_t cap)
{
    /* cookies are shared across ports of one host: the port keeps two servers apart */
    snprintf(buf, cap, "blockade_token_%u", h->port);
}

/* Which credential the request carries: 0 none valid, 1 the token in the query, 2 a header or
 * the cookie. */
static int authorized(serve_http *h, struct MHD_Connection *c)
{
    const char *tok = h->cfg->token;
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (auth) {
        const char *sp = strchr(auth, ' ');
        if (sp && token_equal(sp + 1, tok))
            return 2;
    }
    if (token_equal(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Blockade-Token"), tok))
        return 2;
    char name[64];
    cookie_name(h, name, sizeof name);
    if (token_equal(MHD_lookup_connection_value(c, MHD_COOKIE_KIND, name), tok))
        return 2;
    if (token_equal(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token"), tok))
        return 1;
    return 0;
}

/* ---- routes ------------------------------------------------------------------------------ */

/* A positive decimal id at *p (advanced past it); -1 if none. */
long serve_parse_id(const char **p)
{
    const char *s = *p;
    if (*s < '1' || *s > '9')
        return -1;
    long v = 0;
    while (*s >= '0' && *s <= '9') {
        if (v > 100000000000L)
            return -1;
        v = v * 10 + (*s++ - '0');
    }
    *p = s;
    return v;
}

static enum MHD_Result page(serve_http *h, struct MHD_Connection *c, int how)
{
    unsigned char raw[18];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        return serve_send_error(c, 500, "no random bytes for the page's nonce");
    char nonce[40];
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(nonce + 2 * i, 3, "%02x", raw[i]);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    bk_status st = f ? bk_workbench_write_page(f, nonce) : BK_ERR_NOMEM;
    if (f)
        fclose(f);
    if (st != BK_OK) {
        free(buf);
        return serve_send_error(c, 500, "cannot build the page");
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(buf);
        return MHD_NO;
    }
    serve_add_headers(r);
    MHD_add_response_header(r, "Content-Type", "text/html; charset=utf-8");
    char csp[512];
    snprintf(csp, sizeof csp, page_csp_fmt, nonce, nonce);
    MHD_add_response_header(r, "Content-Security-Policy", csp);
    if (how == 1) {   /* the token came in the URL: keep it in a cookie for the API calls */
        char name[64], cookie[256];
        cookie_name(h, name, sizeof name);
        snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict", name,
                 h->cfg->token);
        MHD_add_response_header(r, "Set-Cookie", cookie);
    }
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- server-sent events ------------------------------------------------------------------- */

typedef struct sse {
    serve_http *h;
    long job;
    uint64_t seq;
    char *pending;          /* text not yet sent */
    size_t off, len;
    bool ended;
} sse;

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    sse *s = cls;
    if (s->pending == NULL) {
        if (s->ended || s->h->stopping)
            return MHD_CONTENT_READER_END_OF_STREAM;
        char *text = NULL;
        int rc = serve_jobs_next_event(s->h->cfg->jobs, s->job, &s->seq, SERVE_SSE_WAIT_MS, &text);
        if (rc == 1) {
            s->pending = text;
            s->off = 0;
            s->len = strlen(text);
        } else if (rc == 0) {
            static const char keep[] = ": waiting\n\n";
            size_t n = sizeof keep - 1 < max ? sizeof keep - 1 : max;
            memcpy(buf, keep, n);
            return (ssize_t)n;
        } else {
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
    }
    size_t n = s->len - s->off < max ? s->len - s->off : max;
    memcpy(buf, s->pending + s->off, n);
    s->off += n;
    if (s->off == s->len) {
        free(s->pending);
        s->pending = NULL;
    }
    return (ssize_t)n;
}

static void sse_free(void *cls)
{
    sse *s = cls;
    free(s->pending);
    free(s);
}

/* 404 for a job this server does not hold (never made, or ended and dropped). */
static enum MHD_Result no_job(struct MHD_Connection *c, long id)
{
    return serve_send_error(c, 404, "no job %ld (ended jobs beyond the newest --keep-jobs are "
                            "dropped; their runs stay in the run store)", id);
}

/* The job's state as JSON with HTTP status `status`; 404 when the server does not hold it. */
static enum MHD_Result send_job(struct MHD_Connection *c, serve_jobs *J, long id, unsigned status)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return serve_send_error(c, 500, "out of memory");
    bool found = serve_jobs_write_job(J, id, f);
    fclose(f);
    if (!found) {
        free(buf);
        return no_job(c, id);
    }
    return serve_send_json(c, status, buf, len);
}

static enum MHD_Result events(serve_http *h, struct MHD_Connection *c, long id)
{
    uint64_t seq = 0;
    char *text = NULL;
    /* an unknown job is a 404 before the stream starts */
    int rc = serve_jobs_next_event(h->cfg->jobs, id, &seq, 0, &text);
    if (rc == -1)
        return no_job(c, id);
    sse *s = calloc(1, sizeof *s);
    if (s == NULL) {
        free(text);
        return serve_send_error(c, 500, "out of memory");
    }
    s->h = h;
    s->job = id;
    s->seq = seq;
    s->pending = text;
    s->len = text ? strlen(text) : 0;
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, sse_read,
                                                               s, sse_free);
    if (r == NULL) {
        sse_free(s);
        return MHD_NO;
    }
    serve_add_headers(r);
    MHD_add_response_header(r, "Content-Type", "text/event-stream");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* /api/jobs... */
static enum MHD_Result jobs(serve_http *h, struct MHD_Connection *c, const char *method,
                            const char *rest, req_ctx *ctx)
{
    serve_jobs *J = h->cfg->jobs;
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    char *buf = NULL;
    size_t len = 0;
    if (*rest == '\0') {
        if (get) {
            FILE *f = open_memstream(&buf, &len);
            if (f == NULL)
                return serve_send_error(c, 500, "out of memory");
            serve_jobs_write_list(J, f);
            fclose(f);
            return serve_send_json(c, 200, buf, len);
        }
        if (!post)
            return serve_send_error(c, 405, "use GET or POST on /api/jobs");
        if (ctx->too_big)
            return serve_send_error(c, 413, "body larger than %d bytes", SERVE_MAX_BODY);
        serve_request req;
        char msg[1100] = "";
        int rc = serve_request_parse(ctx->body, ctx->len, h->cfg->base, &req, msg, sizeof msg);
        if (rc != 0)
            return serve_send_error(c, (unsigned)rc, "%s", msg);
        long id = 0;
        rc = serve_jobs_submit(J, &req, &id);
        serve_request_release(&req);
        if (rc == -1)
            return serve_send_error(c, 429, "too many jobs: every worker is busy and the queue is "
                              "full; wait or cancel one");
        if (rc == -2)
            return serve_send_error(c, 503, "the server is stopping");
        if (rc != 0)
            return serve_send_error(c, 500, "out of memory");
        return send_job(c, J, id, 202);
    }
    if (*rest != '/')
        return serve_send_error(c, 404, "no such resource");
    rest++;
    long id = serve_parse_id(&rest);
    if (id < 0)
        return serve_send_error(c, 404, "no such resource: expected a job id");
    if (*rest == '\0' && get) {
        return send_job(c, J, id, 200);
    }
    if (strcmp(rest, "/events") == 0 && get)
        return events(h, c, id);
    if (strcmp(rest, "/cancel") == 0 && post) {
        if (serve_jobs_cancel(J, id) != 0)
            return no_job(c, id);
        return send_job(c, J, id, 200);
    }
    if (strcmp(rest, "") == 0 || strcmp(rest, "/events") == 0 || strcmp(rest, "/cancel") == 0)
        return serve_send_error(c, 405, "method %s not allowed here", method);
    return serve_send_error(c, 404, "no such resource");
}

static enum MHD_Result route(serve_http *h, struct MHD_Connection *c, const char *url,
                             const char *method, req_ctx *ctx, int how)
{
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (strcmp(url, "/") == 0) {
        if (!get)
            return serve_send_error(c, 405, "use GET on /");
        return page(h, c, how);
    }
    if (strncmp(url, "/api/", 5) != 0)
        return serve_send_error(c, 404, "no such resource: the page is at / and the API under "
                                        "/api/");
    const char *p = url + 5;
    if (strcmp(p, "status") == 0 || strcmp(p, "scenario") == 0) {
        if (!get)
            return serve_send_error(c, 405, "use GET on %s", url);
        if (p[1] == 'c')
            return serve_send_buf(c, 200, "application/json", h->levers, h->levers_len);
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (f == NULL)
            return serve_send_error(c, 500, "out of memory");
        serve_jobs_write_status(h->cfg->jobs, f);
        fclose(f);
        return serve_send_json(c, 200, buf, len);
    }
    if (strncmp(p, "jobs", 4) == 0 && (p[4] == '\0' || p[4] == '/'))
        return jobs(h, c, strcmp(method, "HEAD") == 0 ? "GET" : method, p + 4, ctx);
    if (strncmp(p, "runs", 4) == 0 && (p[4] == '\0' || p[4] == '/')) {
        if (!get)
            return serve_send_error(c, 405, "use GET on %s", url);
        return serve_runs(h->cfg->store_path, c, p + 4);
    }
    return serve_send_error(c, 404, "no such resource");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    serve_http *h = cls;
    req_ctx *ctx = *con_cls;
    if (ctx == NULL)   /* made by on_uri for every request */
        return MHD_NO;
    if (!ctx->started) {   /* first call: the headers are in */
        ctx->started = true;
        if (h->stopping)
            return serve_send_error(c, 503, "the server is stopping");
        if (ctx->raw_len > SERVE_MAX_URL || strlen(url) > SERVE_MAX_URL)
            return serve_send_error(c, 414, "request target longer than %d bytes", SERVE_MAX_URL);
        if (ctx->raw_nul)
            return serve_send_error(c, 400, "the request target holds an encoded NUL (%%00)");
        const char *why = serve_check_host_origin(
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"),
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"),
            h->cfg->bind_any_host ? h->cfg->bind : NULL,
            h->cfg->bind_any_host ? h->cfg->host : NULL, h->port);
        if (why)
            return serve_send_error(c, 403, "%s", why);
        const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
        if (site && strcmp(site, "cross-site") == 0)
            return serve_send_error(c, 403, "cross-site request refused");
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
            strcmp(method, "POST") != 0)
            return serve_send_error(c, 405, "method %s not allowed", method);
        if (!authorized(h, c))
            return serve_send_error(c, 401, "missing or wrong access token: open the URL with "
                              "?token= that the server printed at start");
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > SERVE_MAX_BODY)
            return serve_send_error(c, 413, "body larger than %d bytes", SERVE_MAX_BODY);
        ctx->checked = true;
        return MHD_YES;
    }
    if (!ctx->checked) {   /* an answer is queued already; discard the rest */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (!ctx->too_big) {
            if (ctx->len + *upload_data_size > SERVE_MAX_BODY) {
                ctx->too_big = true;
                free(ctx->body);
                ctx->body = NULL;
                ctx->len = 0;
            } else {
                char *nb = realloc(ctx->body, ctx->len + *upload_data_size + 1);
                if (nb == NULL)
                    return MHD_NO;
                memcpy(nb + ctx->len, upload_data, *upload_data_size);
                ctx->body = nb;
                ctx->len += *upload_data_size;
                nb[ctx->len] = '\0';
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    return route(h, c, url, method, ctx, authorized(h, c));
}

/* The request target as sent: its length and whether it hides a NUL; the context of the
 * request starts here. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    static _Thread_local bool niced;   /* one thread per connection: once per connection */
    if (!niced) {
        /* Linux: nice values are per thread, and `who` 0 is the calling thread (setpriority(2),
         * NOTES); failure is harmless */
        (void)setpriority(PRIO_PROCESS, 0, SERVE_CONNECTION_NICE);
        niced = true;
    }
    req_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx && uri) {
        ctx->raw_len = strlen(uri);
        for (const char *p = uri; (p = strchr(p, '%')) != NULL; p++)
            if (p[1] == '0' && p[2] == '0')
                ctx->raw_nul = true;
    }
    return ctx;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    req_ctx *ctx = *con_cls;
    if (ctx) {
        free(ctx->body);
        free(ctx);
        *con_cls = NULL;
    }
}

/* The body of GET /api/scenario. */
static char *scenario_json(const serve_config *cfg, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (f == NULL)
        return NULL;
    char hash[65];
    bk_scenario_hash(cfg->base, hash);
    fputs("{\"name\":", f);
    serve_json_string(f, bk_scenario_name(cfg->base));
    fprintf(f, ",\"seed\":\"%" PRIu64 "\",\"days\":%d,\"sha256\":\"%s\",\"file\":",
            bk_scenario_seed(cfg->base), bk_scenario_days(cfg->base), hash);
    if (cfg->scenario_file)
        serve_json_string(f, cfg->scenario_file);
    else
        fputs("null", f);
    fprintf(f, ",\"version\":\"%s\",\"max_replications\":%d,\"max_policies\":%d,\"levers\":",
            bk_version(), SERVE_MAX_REPLICATIONS, SERVE_MAX_POLICIES);
    bk_status st = bk_scenario_write_levers_json(cfg->base, f);
    fputs("}", f);
    if (fclose(f) != 0 || st != BK_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* The socket address of cfg->bind (an IPv4 or IPv6 address, the latter bare or in brackets, or
 * a name resolved to its first address); sets cfg->host and cfg->loopback. false with a message
 * when it is none of these. */
static bool bind_address(serve_config *cfg, struct sockaddr_storage *ss, bool *v6, char *msg,
                         size_t msg_size)
{
    char name[256];
    const char *b = cfg->bind;
    size_t n = strlen(b);
    if (n >= 2 && b[0] == '[' && b[n - 1] == ']') {   /* [::1] as a URL writes it */
        b++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof name) {
        snprintf(msg, msg_size, "--bind '%.300s': expected an IPv4 or IPv6 address or a host name",
                 cfg->bind);
        return false;
    }
    memcpy(name, b, n);
    name[n] = '\0';
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    if (strcmp(name, "localhost") == 0)
        snprintf(name, sizeof name, "127.0.0.1");   /* never whatever the resolver says */
    if (inet_pton(AF_INET6, name, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
    } else if (cfg->bind[0] != '[' && inet_pton(AF_INET, name, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
    } else if (strspn(name, "0123456789.") == n) {   /* never ask a resolver about 999.1.2.3 */
        snprintf(msg, msg_size, "--bind '%.300s': not a valid IPv4 address", cfg->bind);
        return false;
    } else if (cfg->bind[0] != '[') {
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        int rc = getaddrinfo(name, NULL, &hints, &res);
        if (rc != 0 || res == NULL || res->ai_addrlen > sizeof *ss) {
            snprintf(msg, msg_size, "--bind '%.300s': not an IPv4 or IPv6 address, and the name "
                     "does not resolve (%s)", cfg->bind, rc ? gai_strerror(rc) : "no address");
            if (res)
                freeaddrinfo(res);
            return false;
        }
        memcpy(ss, res->ai_addr, res->ai_addrlen);
        freeaddrinfo(res);
    } else {
        snprintf(msg, msg_size, "--bind '%.300s': expected an IPv6 address in the brackets",
                 cfg->bind);
        return false;
    }
    char text[INET6_ADDRSTRLEN];
    if (ss->ss_family == AF_INET6) {
        *v6 = true;
        s6->sin6_port = htons((uint16_t)cfg->port);
        inet_ntop(AF_INET6, &s6->sin6_addr, text, sizeof text);
        snprintf(cfg->host, sizeof cfg->host, "[%s]", text);
        cfg->loopback = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
    } else {
        *v6 = false;
        s4->sin_port = htons((uint16_t)cfg->port);
        inet_ntop(AF_INET, &s4->sin_addr, text, sizeof text);
        snprintf(cfg->host, sizeof cfg->host, "%s", text);
        cfg->loopback = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
    }
    return true;
}

serve_http *serve_http_start(serve_config *cfg, unsigned *port_out, char *msg, size_t msg_size)
{
    serve_http *h = calloc(1, sizeof *h);
    if (h == NULL) {
        snprintf(msg, msg_size, "out of memory");
        return NULL;
    }
    h->cfg = cfg;
    h->levers = scenario_json(cfg, &h->levers_len);
    struct sockaddr_storage sa;
    bool v6 = false;
    if (h->levers == NULL) {
        snprintf(msg, msg_size, "out of memory");
        free(h);
        return NULL;
    }
    if (!bind_address(cfg, &sa, &v6, msg, msg_size)) {
        free(h->levers);
        free(h);
        return NULL;
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | (cfg->no_listen ? MHD_USE_NO_LISTEN_SOCKET : 0) |
                     (v6 ? MHD_USE_IPv6 : 0);
    h->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
        cfg->no_listen ? NULL : (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)SERVE_MAX_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)SERVE_IDLE_SECONDS,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
        MHD_OPTION_THREAD_STACK_SIZE, (size_t)(256 * 1024),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_URI_LOG_CALLBACK, on_uri,
        NULL, MHD_OPTION_END);
    if (h->d == NULL) {
        snprintf(msg, msg_size, "cannot listen on %s port %u: %s", cfg->bind, cfg->port,
                 errno ? strerror(errno) : "libmicrohttpd failed to start");
        free(h->levers);
        free(h);
        return NULL;
    }
    const union MHD_DaemonInfo *info =
        cfg->no_listen ? NULL : MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : cfg->port;
    *port_out = h->port;
    return h;
}

void serve_http_stop(serve_http *h)
{
    if (h == NULL)
        return;
    h->stopping = 1;
    MHD_stop_daemon(h->d);   /* waits for the connection threads; streams end within a second */
    free(h->levers);
    free(h);
}

/* Contract in serve.h. */
int serve_http_feed(serve_http *h, const uint8_t *data, size_t size, int timeout_ms)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return -1;
    struct sockaddr_in peer;
    memset(&peer, 0, sizeof peer);
    peer.sin_family = AF_INET;
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (MHD_add_connection(h->d, sv[0], (const struct sockaddr *)&peer, sizeof peer) != MHD_YES) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(sv[1], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    size_t off = 0;
    while (off < size) {
        ssize_t n = send(sv[1], data + off, size - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;   /* the server closed early (an answer is queued) or the time is up */
        off += (size_t)n;
    }
    shutdown(sv[1], SHUT_WR);
    char head[16];
    size_t got = 0;
    char sink[4096];
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > timeout_ms)
            break;   /* an event stream that goes on: the time is up */
        ssize_t n = recv(sv[1], sink, sizeof sink, 0);
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n && got < sizeof head; i++)
            head[got++] = sink[i];
    }
    close(sv[1]);
    if (got >= 12 && memcmp(head, "HTTP/1.", 7) == 0 && isdigit((unsigned char)head[9]) &&
        isdigit((unsigned char)head[10]) && isdigit((unsigned char)head[11]))
        return (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
    return 0;
}
