/* cmd_serve.c: `blockade serve [FILE]`: the local workbench. Loads the scenario, makes a random
 * access token, starts the job workers and the HTTP server, prints the URL (with the token, as
 * Jupyter does) and waits for SIGINT or SIGTERM; then it cancels the jobs (each records its end
 * in the run store), closes every connection and exits 0. docs/serve.md. */
#include "cli.h"
#include "serve.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The port tried first when --port is not given; the next few are tried if it is taken. */
#define SERVE_DEFAULT_PORT 8765
#define SERVE_PORT_TRIES 20

enum {
    OPT_PORT, OPT_BIND, OPT_JOBS, OPT_QUEUE, OPT_THREADS, OPT_OUT, OPT_STORE, OPT_PARTIAL,
    OPT_KEEP
};

/* Ended jobs kept in memory when --keep-jobs is not given. */
#define SERVE_DEFAULT_KEEP 100

const cli_option cli_serve_options[] = {
    {"port", CLI_OPT_UINT, "N", 0, 65535,
     "listen on port N (0: any free port; default 8765 or the next free one)"},
    {"bind", CLI_OPT_STRING, "ADDR", 0, 0,
     "listen on ADDR (IPv4, IPv6 such as ::1 or [::1], or a host name) instead of 127.0.0.1 "
     "(warns unless it is a loopback address: others may reach it)"},
    {"jobs", CLI_OPT_UINT, "N", 1, 16, "run at most N jobs at once (default 1)"},
    {"queue", CLI_OPT_UINT, "N", 0, 256, "let at most N more jobs wait; beyond, 429 (default 4)"},
    {"threads", CLI_OPT_UINT, "N", 1, 1024,
     "threads of each job (default: the processors shared between the jobs)"},
    {"out", CLI_OPT_STRING, "DIR", 0, 0,
     "write each job's outputs in DIR/job-<time>-<id>/ (default out/serve)"},
    {"store", CLI_OPT_STRING, "FILE", 0, 0,
     "record jobs in the run store FILE (default: $BLOCKADE_STORE, else runs.sqlite beside "
     "DIR)"},
    {"partial-ms", CLI_OPT_UINT, "MS", 0, 3600000,
     "publish an ensemble's partial results every MS milliseconds, 0: after every block "
     "(default 500)"},
    {"keep-jobs", CLI_OPT_UINT, "N", 0, 100000,
     "keep the last N ended jobs in memory; older ones are dropped from the job list, their runs "
     "stay in the store (default 100)"},
    CLI_OPTION_END,
};

static volatile sig_atomic_t stop_requested = 0;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
    cli_interrupted = 1;
}

static bool make_token(char out[2 * SERVE_TOKEN_BYTES + 1])
{
    unsigned char raw[SERVE_TOKEN_BYTES];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return true;
}

/* mkdir -p: 0, or -1 with errno. */
static int mkdir_p(const char *dir)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return -1;
    struct stat sb;
    if (stat(buf, &sb) != 0)
        return -1;
    if (!S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* `blockade serve [FILE]`. */
int cli_cmd_serve(const cli_invocation *inv)
{
    const cli_value *opt = inv->opt;
    const char *path = inv->n_args > 0 ? inv->args[0] : NULL;
    const char *bind = opt[OPT_BIND].set ? opt[OPT_BIND].str : "127.0.0.1";
    const char *out_root = opt[OPT_OUT].set ? opt[OPT_OUT].str : "out/serve";
    int workers = opt[OPT_JOBS].set ? (int)opt[OPT_JOBS].num : 1;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = opt[OPT_THREADS].set ? (int)opt[OPT_THREADS].num
                                       : (int)(ncpu > workers ? ncpu / workers : 1);

    bk_scenario *base = NULL;
    int rc = cli_load_scenario(path, &base);
    if (rc != CLI_EXIT_OK)
        return rc;
    char *store_path = NULL;
    rc = cli_store_choose(false, opt[OPT_STORE].set ? opt[OPT_STORE].str : NULL, out_root,
                          &store_path);
    if (rc != CLI_EXIT_OK) {
        bk_scenario_free(base);
        return rc;
    }
    if (mkdir_p(out_root) != 0) {
        cli_error("serve: cannot create the output directory '%s': %s", out_root,
                  strerror(errno));
        free(store_path);
        bk_scenario_free(base);
        return CLI_EXIT_IO;
    }

    /* Many browser tabs and API clients may hold connections: allow them descriptors. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    serve_jobs_config jc = {
        .workers = workers,
        .queue = opt[OPT_QUEUE].set ? (int)opt[OPT_QUEUE].num : 4,
        .threads = threads,
        .out_root = out_root,
        .store_path = store_path,
        .base = base,
        .partial_seconds = opt[OPT_PARTIAL].set ? (double)opt[OPT_PARTIAL].num / 1000.0 : 0.5,
        .keep = opt[OPT_KEEP].set ? (int)opt[OPT_KEEP].num : SERVE_DEFAULT_KEEP,
    };
    if (jc.partial_seconds <= 0)
        jc.partial_seconds = 1e-9;   /* every block: the callback runs between blocks anyway */
    serve_jobs *J = serve_jobs_new(&jc);
    serve_config sc;
    memset(&sc, 0, sizeof sc);
    sc.bind = bind;
    sc.bind_any_host = opt[OPT_BIND].set;
    sc.base = base;
    sc.scenario_file = path;
    sc.store_path = store_path;
    sc.jobs = J;
    if (J == NULL || !make_token(sc.token)) {
        cli_error("serve: %s", J ? "no random bytes for the access token" : "out of memory");
        serve_jobs_free(J);
        free(store_path);
        bk_scenario_free(base);
        return CLI_EXIT_INTERNAL;
    }
    char msg[512] = "";
    unsigned port = 0;
    serve_http *h = NULL;
    if (opt[OPT_PORT].set) {
        sc.port = (unsigned)opt[OPT_PORT].num;
        h = serve_http_start(&sc, &port, msg, sizeof msg);
    } else {
        for (int i = 0; h == NULL && i < SERVE_PORT_TRIES; i++) {
            sc.port = SERVE_DEFAULT_PORT + (unsigned)i;
            h = serve_http_start(&sc, &port, msg, sizeof msg);
        }
    }
    if (h == NULL) {
        cli_error("serve: %s", msg);
        serve_jobs_free(J);
        free(store_path);
        bk_scenario_free(base);
        return strstr(msg, "--bind") ? CLI_EXIT_USAGE : CLI_EXIT_IO;
    }
    if (!sc.loopback)
        cli_error("warning: serving on %s: anyone who can reach this address and learns the "
                  "token can run jobs and read the run store", sc.host);
    printf("blockade serve: %s\n", bk_scenario_name(base));
    printf("  http://%s:%u/?token=%s\n", sc.host, port, sc.token);
    fflush(stdout);
    fprintf(stderr, "blockade: serving on %s port %u; outputs in %s, run store %s; Ctrl-C stops\n",
            bind, port, out_root, store_path ? store_path : "(none)");

    while (!stop_requested) {
        struct timespec ts = {0, 100000000L};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "blockade: stopping: cancelling jobs and closing connections\n");
    serve_jobs_shutdown(J);
    serve_http_stop(h);
    serve_jobs_free(J);
    free(store_path);
    bk_scenario_free(base);
    fprintf(stderr, "blockade: stopped\n");
    return CLI_EXIT_OK;
}
