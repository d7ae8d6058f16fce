/* fuzz_serve_http.c: `blockade serve` end to end: the input is the raw bytes of one connection
 * (one or more HTTP requests), handed to a server started once without a socket
 * (serve_http_feed), so libmicrohttpd's request parser, the target, Host, Origin and token
 * checks, every route and the API's JSON reader all see it. The token is fixed (in the seeds and
 * the dictionary) and the server is 127.0.0.1:8765.
 *
 * Jobs do run, on one worker thread, but each is cut to 2 replications of 3 days and writes no
 * outputs and no run store (serve_jobs_config's cap_replications, cap_days, out_root NULL), so
 * an accepted job ends within milliseconds, and each input waits for its jobs to end; at most 4
 * ended jobs are kept (--keep-jobs), and a full queue answers 429 as it would. The server must
 * answer: a crash, a leak or a hang (no answer within the feed's 5 s) is the finding. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockade/blockade.h"
#include "fuzz_common.h"
#include "serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_TOKEN "010101010101010101010101010101010101010101010101"

static serve_jobs *jobs;

static serve_http *server(void)
{
    static serve_http *h;
    static serve_config cfg;
    if (h)
        return h;
    static serve_jobs_config jc;
    jc.workers = 1;
    jc.queue = 2;
    jc.threads = 1;
    jc.out_root = NULL;     /* no outputs written */
    jc.store_path = NULL;   /* nothing recorded */
    jc.base = fuzz_test_scenario();
    jc.partial_seconds = 1e-9;
    jc.keep = 4;
    jc.cap_replications = 2;
    jc.cap_days = 3;
    serve_jobs *J = jobs = serve_jobs_new(&jc);
    if (J == NULL)
        abort();
    cfg.bind = "127.0.0.1";
    cfg.port = 8765;
    cfg.base = jc.base;
    cfg.store_path = "/nonexistent/blockade-fuzz/runs.sqlite";   /* the run routes: no store */
    cfg.jobs = J;
    cfg.no_listen = true;
    snprintf(cfg.token, sizeof cfg.token, "%s", FUZZ_TOKEN);
    char msg[512];
    unsigned port = 0;
    h = serve_http_start(&cfg, &port, msg, sizeof msg);
    if (h == NULL) {
        fprintf(stderr, "fuzz_serve_http: %s\n", msg);
        abort();
    }
    return h;   /* lives for the process, as a server does */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int code = serve_http_feed(server(), data, size, 5000);
    if (getenv("BK_FUZZ_SHOW_STATUS"))   /* for checking the seeds: each one's answer */
        fprintf(stderr, "status %d\n", code);
    if (code < 0)
        abort();   /* the connection could not be handed over */
    /* an answer, when there is one, is a status libmicrohttpd or the routes give */
    if (code != 0 && (code < 100 || code > 599))
        abort();
    /* the input's jobs end before the next input (and before the leak check) */
    if (!serve_jobs_wait_idle(jobs, 10000))
        abort();   /* a job of 2 replications of 3 days still running after 10 s */
    return 0;
}
