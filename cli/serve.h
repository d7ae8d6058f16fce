/* serve.h: the parts of `blockade serve` (cmd_serve.c): the job manager (serve_jobs.c), the
 * HTTP front (serve_http.c, libmicrohttpd) and the request reader (serve_request.c).
 * docs/serve.md describes the API and the safety rules. */
#ifndef BK_CLI_SERVE_H
#define BK_CLI_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "blockade/blockade.h"

/* Limits of what the server accepts (docs/serve.md). */
#define SERVE_MAX_URL 2048            /* bytes of the request target */
#define SERVE_MAX_BODY (64 * 1024)    /* bytes of a request body */
#define SERVE_MAX_POLICIES 8          /* policies of one comparison */
#define SERVE_MAX_REPLICATIONS 100000 /* replications of one job */
#define SERVE_TOKEN_BYTES 24          /* random bytes of the access token (48 hex digits) */

/* ---- jobs (serve_jobs.c) ------------------------------------------------------------------ */

typedef enum serve_kind { SERVE_ENSEMBLE, SERVE_COMPARE } serve_kind;

/* A job to run: the scenarios are owned by the request until serve_jobs_submit takes them. */
typedef struct serve_request {
    serve_kind kind;
    uint64_t replications;
    uint64_t seed;
    bool seed_set;
    int days;                          /* 0: the scenario's */
    int n;                             /* scenarios: 1 for an ensemble, 2.. for a comparison */
    bk_scenario *sc[SERVE_MAX_POLICIES];
    char *name[SERVE_MAX_POLICIES];    /* policy names, owned */
    char *label[SERVE_MAX_POLICIES];   /* policy labels, owned */
} serve_request;

/* Free what a request owns (scenarios, names, labels) and zero it. */
void serve_request_release(serve_request *req);

typedef struct serve_jobs_config {
    int workers;            /* jobs run at once, >= 1 */
    int queue;              /* jobs waiting at most, >= 0 */
    int threads;            /* threads of each job's ensemble, >= 1 */
    const char *out_root;   /* each job writes its outputs in OUT_ROOT/job-<time>-<id>/; NULL:
                               none written (fuzzing) */
    const char *store_path; /* the run store, or NULL: nothing recorded */
    const bk_scenario *base;/* for the record: the scenario served */
    double partial_seconds; /* how often an ensemble publishes its partial results */
    int keep;               /* ended jobs (done, failed, cancelled) kept in memory, the newest;
                               older ones are dropped (their runs stay in the store), >= 0 */
    /* For fuzzing (tests/fuzz/fuzz_serve_http.c), 0 otherwise: every job is cut to at most this
       many replications and days; with out_root NULL it writes no outputs. */
    uint64_t cap_replications;
    int cap_days;
} serve_jobs_config;

typedef struct serve_jobs serve_jobs;

/* Start the worker threads. Returns NULL when out of memory or threads cannot start. */
serve_jobs *serve_jobs_new(const serve_jobs_config *cfg);

/* Queue a job; on success the request's scenarios, names and labels belong to the job (the
 * request is zeroed) and *id is the job's number. -1: the queue is full (the request is left
 * as it was); -2: the server is stopping; -3: out of memory. */
int serve_jobs_submit(serve_jobs *J, serve_request *req, long *id);

/* Ask job `id` to stop. 0: asked (or it had already ended); -1: no such job. */
int serve_jobs_cancel(serve_jobs *J, long id);

/* JSON of one job (false: no such job), of every job, and of the counts. */
bool serve_jobs_write_job(serve_jobs *J, long id, FILE *out);
void serve_jobs_write_list(serve_jobs *J, FILE *out);
void serve_jobs_write_status(serve_jobs *J, FILE *out);

/* The next event of job `id` for a stream that has seen events up to *seq: waits up to
 * timeout_ms for one. Returns 1 with *text a new string (free with free()) holding
 * "event: NAME\ndata: JSON\n\n" and *seq advanced; 0 on time-out (nothing new); 2 when the
 * job has ended and its last event was already sent (or the server is stopping); -1 for no
 * such job. */
int serve_jobs_next_event(serve_jobs *J, long id, uint64_t *seq, int timeout_ms, char **text);

/* Wait up to timeout_ms until no job runs or waits. true: idle. (For fuzzing: each input's jobs
 * end before the next input.) */
bool serve_jobs_wait_idle(serve_jobs *J, int timeout_ms);

/* Refuse new jobs, cancel every job and end every event stream; returns at once. */
void serve_jobs_shutdown(serve_jobs *J);

/* Cancel every job, wait for the workers (each job records its end in the store), free. */
void serve_jobs_free(serve_jobs *J);

/* ---- the request reader (serve_request.c) --------------------------------------------------- */

/* Read the body of POST /api/jobs (JSON, docs/serve.md) against the served scenario `base`,
 * applying each policy patch (bk_policy_apply). Returns 0 with *req filled (owning), or the HTTP
 * status to answer (400, 422) with a one-line message in msg. Never fails on any input. This
 * is the entry point for fuzzing the API's JSON reader. */
int serve_request_parse(const char *body, size_t len, const bk_scenario *base,
                        serve_request *req, char *msg, size_t msg_size);

/* A JSON string of `s` (quoted, escaped) on `out`. */
void serve_json_string(FILE *out, const char *s);

/* ---- the HTTP front (serve_http.c) ------------------------------------------------------ */

typedef struct serve_config {
    const char *bind;          /* address to listen on: IPv4, IPv6 (bare or in brackets) or a
                                  name, resolved to its first address */
    unsigned port;             /* 0: any free port */
    bool bind_any_host;        /* --bind given: accept its address as Host too */
    const bk_scenario *base;   /* the scenario served, borrowed */
    const char *scenario_file; /* its file, or NULL for the embedded default */
    const char *store_path;    /* the run store (may not exist yet) */
    serve_jobs *jobs;          /* borrowed */
    char token[2 * SERVE_TOKEN_BYTES + 1];
    bool no_listen;            /* no socket: requests only through serve_http_feed */
    /* filled by serve_http_start: */
    char host[80];             /* the address bound as a URL writes it ("127.0.0.1", "[::1]") */
    bool loopback;             /* it is a loopback address (127.0.0.0/8, ::1) */
} serve_config;

typedef struct serve_http serve_http;

/* Listen and serve on threads of its own. *port_out gets the port bound. NULL on failure
 * (message in msg). */
serve_http *serve_http_start(serve_config *cfg, unsigned *port_out, char *msg, size_t msg_size);

/* Hand one connection's raw bytes to the server, as a client would send them, and wait (at most
 * timeout_ms in all) until the server closes it. Returns the status code of the first
 * answer, 0 if there was none, -1 if the connection could not be made. For fuzzing the request
 * parsing end to end (libmicrohttpd's parser, then every check and route) and for tests: start
 * the server with cfg->no_listen and call this with the fuzzer's bytes. Thread-safe. */
int serve_http_feed(serve_http *h, const uint8_t *data, size_t size, int timeout_ms);

/* Stop listening, end every stream, free. NULL is harmless. */
void serve_http_stop(serve_http *h);

/* Decide whether a request's Host and Origin headers are acceptable for a server on `port`
 * (NULL headers: absent): the loopback names (127.0.0.1, localhost, [::1]) and, when not NULL,
 * `bind` (the --bind address as given; an IPv6 address bare or in brackets) and `addr` (the
 * address bound, as a URL writes it). Returns NULL when acceptable, else the reason. Pure: an
 * entry point for fuzzing. */
const char *serve_check_host_origin(const char *host, const char *origin, const char *bind,
                                    const char *addr, unsigned port);

#endif
