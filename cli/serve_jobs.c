/* serve_jobs.c: the jobs of `blockade serve`: a bounded queue, a fixed number of worker threads,
 * and for each job its progress and partial results as server-sent events.
 *
 * A job is an ensemble (one scenario) or a comparison (two or more). It runs on a worker thread
 * with the library's own threads below it; it is recorded in the run store when it starts and
 * when it ends (done, failed or interrupted), and its outputs are written all or nothing into
 * OUT_ROOT/job-<UTC time>-<id>/, so a browser closing changes nothing and a stopped server
 * leaves a consistent store. An ensemble publishes a snapshot of its statistics (bands.csv and
 * curves.csv of the replications completed so far) through its checkpoint callback: the
 * statistics are exact and mergeable, so the snapshots are partial views of the same final
 * result, which does not depend on them. */
#include "serve.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"

typedef enum job_state { J_QUEUED, J_RUNNING, J_DONE, J_FAILED, J_CANCELLED } job_state;
static const char *const state_words[] = {"queued", "running", "done", "failed", "cancelled"};

typedef struct job {
    long id;
    serve_request req;
    job_state state;
    volatile sig_atomic_t cancel;
    uint64_t done, total;
    int64_t run_id;            /* in the store; 0: not recorded */
    char *out_dir;             /* owned; NULL until known */
    char *error;               /* owned; NULL unless failed */
    char *result;              /* owned JSON: summary (ensemble) or comparison; NULL */
    char *partial;             /* owned JSON object text of the latest snapshot; NULL */
    uint64_t partial_seq;      /* the event that published it */
    uint64_t seq;              /* events published so far */
    bool final;                /* the last event has been published */
    struct job *next;          /* in the list of all jobs, newest first */
    struct job *qnext;         /* in the queue */
    serve_jobs *owner;
} job;

struct serve_jobs {
    serve_jobs_config cfg;
    pthread_mutex_t mu;
    pthread_cond_t work;       /* a job was queued, or stopping */
    pthread_cond_t news;       /* a job published an event */
    job *all;                  /* every job, newest first */
    job *qhead, *qtail;
    int queued, running;
    int n_jobs;                /* in `all` */
    long dropped;              /* ended jobs dropped beyond cfg.keep */
    long next_id;
    bool stopping;
    pthread_t *threads;
    int n_threads;
};

void serve_request_release(serve_request *req)
{
    for (int k = 0; k < SERVE_MAX_POLICIES; k++) {
        bk_scenario_free(req->sc[k]);
        free(req->name[k]);
        free(req->label[k]);
    }
    memset(req, 0, sizeof *req);
}

void serve_json_string(FILE *out, const char *s)
{
    bk_json_write_string(out, s ? s : "", true); /* '<' escaped: the text may end up in a page */
}

static bk_status bands_of(const void *e, FILE *f) { return bk_ensemble_write_bands_csv(e, f); }
static bk_status curves_of(const void *e, FILE *f) { return bk_ensemble_write_curves_csv(e, f); }
static bk_status csv_of(const void *c, FILE *f) { return bk_compare_write_csv(c, f); }
static bk_status json_of(const void *c, FILE *f) { return bk_compare_write_json(c, f); }

/* The daily metrics whose bands the partial results carry (the page's live charts); the whole
 * bands.csv (about 150 metrics) is written with the outputs at the end. */
static const char *const live_metrics[] = {"stock_l",       "cover_days",   "shortage_share",
                                           "blackout_hours", "queue_hours", "price_ratio",
                                           "deliveries",    "attacks",      "pressure", NULL};

/* Keep the header and the rows of live_metrics of a bands.csv text, in place. */
static void keep_live_rows(char *csv)
{
    char *w = csv;
    bool header = true;
    for (char *r = csv; *r;) {
        char *eol = strchr(r, '\n');
        size_t n = eol ? (size_t)(eol - r) + 1 : strlen(r);
        bool keep = header;
        for (int i = 0; !keep && live_metrics[i]; i++) {
            size_t m = strlen(live_metrics[i]);
            keep = n > m && strncmp(r, live_metrics[i], m) == 0 && r[m] == ',';
        }
        if (keep) {
            memmove(w, r, n);
            w += n;
        }
        header = false;
        r += n;
    }
    *w = '\0';
}

/* Publish an event: the caller holds the lock. */
static void publish(job *j)
{
    j->seq++;
    pthread_cond_broadcast(&j->owner->news);
}

static void on_progress(void *ud, uint64_t done, uint64_t total)
{
    job *j = ud;
    pthread_mutex_lock(&j->owner->mu);
    if (done != j->done || total != j->total) {
        j->done = done;
        j->total = total;
        publish(j);
    }
    pthread_mutex_unlock(&j->owner->mu);
}

/* Publish `buf` (owned, JSON) as the job's latest partial result. NULL: a snapshot that could
 * not be made (out of memory) is skipped, not fatal. */
static void set_partial(job *j, char *buf)
{
    if (buf == NULL)
        return;
    pthread_mutex_lock(&j->owner->mu);
    free(j->partial);
    j->partial = buf;
    publish(j);
    j->partial_seq = j->seq;
    pthread_mutex_unlock(&j->owner->mu);
}

/* The checkpoint callback: the workers are paused between blocks and `ens` holds every block
 * completed so far; its bands and curves are the partial result. */
static bk_status on_partial(void *ud, const bk_ensemble *ens)
{
    job *j = ud;
    bk_ensemble_info info;
    bk_ensemble_get_info(ens, &info);
    if (info.replications_done == 0)
        return BK_OK;
    char *bands = cli_text_of(bands_of, ens);
    char *curves = cli_text_of(curves_of, ens);
    if (bands)
        keep_live_rows(bands);
    cli_text t;
    FILE *f = bands && curves ? cli_text_open(&t) : NULL;
    if (f) {
        fprintf(f, "{\"replications_done\":%" PRIu64 ",\"bands\":", info.replications_done);
        serve_json_string(f, bands);
        fputs(",\"curves\":", f);
        serve_json_string(f, curves);
        fputc('}', f);
    }
    char *buf = f ? cli_text_close(&t, true) : NULL;
    free(bands);
    free(curves);
    set_partial(j, buf);
    return BK_OK;
}

/* A comparison's outputs, all or nothing. */
static int write_compare_outputs(const bk_compare *cmp, const char *dir, char *msg, size_t cap)
{
    const cli_output files[] = {{"compare.csv", csv_of, cmp}, {"compare.json", json_of, cmp}};
    if (cli_write_outputs(dir, false, files, 2) == CLI_EXIT_OK)
        return 0;
    snprintf(msg, cap, "cannot write the outputs in '%.600s'", dir);
    return -1;
}

/* The job's record in the store: a command line that says what was run. */
static void record_begin(job *j, cli_record *rec, const char *out_dir)
{
    const serve_jobs_config *c = &j->owner->cfg;
    if (c->store_path == NULL)
        return;
    const bk_scenario *sc = j->req.sc[0];
    char hash[65];
    bk_scenario_hash(sc, hash);
    size_t len = 0;
    const char *text = bk_scenario_text(sc, &len);
    char *params = NULL;
    size_t plen = 0;
    FILE *pf = open_memstream(&params, &plen);
    if (pf) {
        fprintf(pf, "{\"served_job\": %ld, \"policies\": [", j->id);
        for (int k = 0; k < j->req.n; k++) {
            fputs(k ? ", " : "", pf);
            serve_json_string(pf, j->req.label[k]);
        }
        fputs("], \"patches\": [", pf);
        for (int k = 0; k < j->req.n; k++) {
            char h[65];
            bk_scenario_hash(j->req.sc[k], h);
            fprintf(pf, "%s{\"name\": ", k ? ", " : "");
            serve_json_string(pf, j->req.name[k]);
            fprintf(pf, ", \"scenario_sha256\": \"%s\", \"patch\": ", h);
            serve_json_string(pf, bk_scenario_patch(j->req.sc[k]));
            fputc('}', pf);
        }
        fputs("]}", pf);
        if (fclose(pf) != 0) {
            free(params);
            params = NULL;
        }
    }
    char reps[32], id[32];
    snprintf(reps, sizeof reps, "%" PRIu64, j->req.replications);
    snprintf(id, sizeof id, "%ld", j->id);
    char *argv[] = {"blockade", "serve", "job", id,
                    j->req.kind == SERVE_ENSEMBLE ? "ensemble" : "compare", "-n", reps, NULL};
    cli_invocation inv = {.argc = 7, .argv = argv};
    cli_record_info ri = {j->req.kind == SERVE_ENSEMBLE ? "ensemble" : "compare",
                          bk_scenario_name(sc), hash, text, len,
                          j->req.seed_set ? j->req.seed : bk_scenario_seed(sc),
                          (long)j->req.replications,
                          j->req.days > 0 ? j->req.days : bk_scenario_days(sc), params, out_dir};
    if (cli_record_begin(rec, c->store_path, &inv, &ri) != CLI_EXIT_OK)
        memset(rec, 0, sizeof *rec);   /* reported on stderr; the job runs unrecorded */
    free(params);
}

/* The exit code of a job whose computation returned `st`, and the message of a failure (or
 * "cancelled") in msg. */
static int job_status(const job *j, bk_status st, const bk_error *err, char *msg, size_t cap)
{
    if (st == BK_ERR_INTERRUPTED || j->cancel) {
        snprintf(msg, cap, "cancelled");
        return CLI_EXIT_INTERRUPTED;
    }
    if (st != BK_OK) {
        snprintf(msg, cap, "%s", err->message[0] ? err->message : bk_status_str(st));
        return cli_exit_for_status(st);
    }
    return CLI_EXIT_OK;
}

/* The settings an ensemble's and a comparison's configurations share (the two structs have
 * the same members for them): the request's size, seed and horizon, the server's threads, and
 * the job's cancel flag, progress and partial results through `checkpoint_fn`. */
#define JOB_SETTINGS(cfg, j, c, checkpoint_fn)                                                 \
    do {                                                                                        \
        (cfg).replications = (j)->req.replications;                                            \
        if ((j)->req.seed_set)                                                                  \
            (cfg).seed = (j)->req.seed;                                                         \
        (cfg).days = (j)->req.days;                                                             \
        (cfg).threads = (c)->threads;                                                           \
        (cfg).cancel = &(j)->cancel;                                                            \
        (cfg).progress = on_progress;                                                           \
        (cfg).progress_ud = (j);                                                                \
        (cfg).checkpoint = (checkpoint_fn);                                                     \
        (cfg).checkpoint_ud = (j);                                                              \
        (cfg).checkpoint_seconds = (c)->partial_seconds;                                        \
    } while (0)

static int run_ensemble(job *j, const char *dir, char **result, char *msg, size_t cap)
{
    const serve_jobs_config *c = &j->owner->cfg;
    bk_ensemble_config cfg;
    bk_ensemble_config_init(&cfg, j->req.sc[0]);
    JOB_SETTINGS(cfg, j, c, on_partial);
    bk_ensemble *ens = NULL;
    bk_error err = {0};
    bk_status st = bk_ensemble_new(j->req.sc[0], &cfg, &ens, &err);
    if (st == BK_OK)
        st = bk_ensemble_run(ens, &err);
    int rc = job_status(j, st, &err, msg, cap);
    if (rc == CLI_EXIT_OK && c->out_root) {
        rc = cli_ensemble_write_outputs(ens, dir, false);
        if (rc != CLI_EXIT_OK)
            snprintf(msg, cap, "cannot write the outputs in '%.600s'", dir);
    }
    if (rc == CLI_EXIT_OK)
        *result = cli_ensemble_summary_text(ens);
    bk_ensemble_free(ens);
    return rc;
}

/* A comparison's checkpoint callback: the paired-difference table of the replications so far
 * (compare.json's shape), published as the job's partial result. */
static bk_status on_compare_partial(void *ud, const bk_compare *partial)
{
    job *j = ud;
    char *text = cli_text_of(json_of, partial);
    cli_text t;
    FILE *f = text ? cli_text_open(&t) : NULL;
    if (f) {
        fputs("{\"compare\":", f);
        fputs(text, f);
        fputc('}', f);
    }
    char *buf = f ? cli_text_close(&t, true) : NULL;
    free(text);
    set_partial(j, buf);
    return BK_OK;
}

static int run_compare(job *j, const char *dir, char **result, char *msg, size_t cap)
{
    const serve_jobs_config *c = &j->owner->cfg;
    bk_compare_config cfg;
    bk_compare_config_init(&cfg, j->req.sc[0]);
    JOB_SETTINGS(cfg, j, c, on_compare_partial);
    bk_compare *cmp = NULL;
    bk_error err = {0};
    bk_status st = bk_compare_run((const bk_scenario *const *)j->req.sc,
                                  (const char *const *)j->req.name,
                                  (const char *const *)j->req.label, j->req.n, &cfg, &cmp, &err);
    int rc = job_status(j, st, &err, msg, cap);
    if (rc == CLI_EXIT_OK && c->out_root && write_compare_outputs(cmp, dir, msg, cap) != 0)
        rc = CLI_EXIT_IO;
    if (rc == CLI_EXIT_OK)
        *result = cli_text_of(json_of, cmp);
    bk_compare_free(cmp);
    return rc;
}

static void job_free(job *j)
{
    serve_request_release(&j->req);
    free(j->out_dir);
    free(j->error);
    free(j->result);
    free(j->partial);
    free(j);
}

/* Drop the ended jobs beyond the newest cfg.keep of them; the caller holds the lock. Nothing
 * else keeps a pointer to an ended job outside the lock (streams look their job up by id at
 * every event, and end when it is gone), so freeing here is safe. */
static void prune(serve_jobs *J)
{
    int ended = 0;
    for (job **pp = &J->all; *pp;) {
        job *j = *pp;
        if (j->final && ++ended > J->cfg.keep) {
            *pp = j->next;
            job_free(j);
            J->n_jobs--;
            J->dropped++;
            continue;
        }
        pp = &j->next;
    }
}

static void run_job(job *j)
{
    serve_jobs *J = j->owner;
    char stamp[32], dir[4096], msg[1024] = "";
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(dir, sizeof dir, "%s/job-%s-%ld", J->cfg.out_root ? J->cfg.out_root : "(none)",
             stamp, j->id);
    cli_record rec;
    memset(&rec, 0, sizeof rec);
    record_begin(j, &rec, dir);
    pthread_mutex_lock(&J->mu);
    j->run_id = rec.store ? rec.id : 0;
    j->out_dir = strdup(dir);
    publish(j);
    pthread_mutex_unlock(&J->mu);

    char *result = NULL;
    int rc = j->req.kind == SERVE_ENSEMBLE ? run_ensemble(j, dir, &result, msg, sizeof msg)
                                           : run_compare(j, dir, &result, msg, sizeof msg);
    rc = cli_record_finish(&rec, rc, rc == CLI_EXIT_OK ? result : NULL);

    pthread_mutex_lock(&J->mu);
    if (rc == CLI_EXIT_OK)
        j->done = j->total;
    j->state = rc == CLI_EXIT_OK ? J_DONE : rc == CLI_EXIT_INTERRUPTED ? J_CANCELLED : J_FAILED;
    if (rc != CLI_EXIT_OK && rc != CLI_EXIT_INTERRUPTED)
        j->error = strdup(msg[0] ? msg : "the job failed (see the server's messages)");
    j->result = result;
    free(j->partial);   /* the outputs hold the whole result now */
    j->partial = NULL;
    j->final = true;
    J->running--;
    publish(j);
    prune(J);   /* j may be gone now */
    pthread_mutex_unlock(&J->mu);
}

static void *worker(void *arg)
{
    serve_jobs *J = arg;
    pthread_mutex_lock(&J->mu);
    for (;;) {
        while (!J->stopping && J->qhead == NULL)
            pthread_cond_wait(&J->work, &J->mu);
        if (J->stopping)
            break;
        job *j = J->qhead;
        J->qhead = j->qnext;
        if (J->qhead == NULL)
            J->qtail = NULL;
        J->queued--;
        if (j->cancel) {   /* cancelled while queued */
            j->state = J_CANCELLED;
            j->final = true;
            publish(j);
            prune(J);
            continue;
        }
        j->state = J_RUNNING;
        J->running++;
        publish(j);
        pthread_mutex_unlock(&J->mu);
        run_job(j);
        pthread_mutex_lock(&J->mu);
    }
    pthread_mutex_unlock(&J->mu);
    return NULL;
}

serve_jobs *serve_jobs_new(const serve_jobs_config *cfg)
{
    serve_jobs *J = calloc(1, sizeof *J);
    if (J == NULL)
        return NULL;
    J->cfg = *cfg;
    J->next_id = 1;
    pthread_mutex_init(&J->mu, NULL);
    pthread_cond_init(&J->work, NULL);
    pthread_cond_init(&J->news, NULL);
    J->threads = calloc((size_t)cfg->workers, sizeof *J->threads);
    if (J->threads == NULL) {
        serve_jobs_free(J);
        return NULL;
    }
    for (int i = 0; i < cfg->workers; i++) {
        if (pthread_create(&J->threads[i], NULL, worker, J) != 0) {
            serve_jobs_free(J);
            return NULL;
        }
        J->n_threads++;
    }
    return J;
}

int serve_jobs_submit(serve_jobs *J, serve_request *req, long *id)
{
    job *j = calloc(1, sizeof *j);
    if (j == NULL)
        return -3;
    pthread_mutex_lock(&J->mu);
    int rc = 0;
    if (J->stopping)
        rc = -2;
    else if (J->queued >= J->cfg.queue + (J->cfg.workers - J->running))
        rc = -1;   /* a free worker takes a job at once; beyond them, `queue` may wait */
    if (rc != 0) {
        pthread_mutex_unlock(&J->mu);
        free(j);
        return rc;
    }
    j->id = J->next_id++;
    j->owner = J;
    j->req = *req;
    memset(req, 0, sizeof *req);
    if (J->cfg.cap_replications > 0 && j->req.replications > J->cfg.cap_replications)
        j->req.replications = J->cfg.cap_replications;
    if (J->cfg.cap_days > 0 && (j->req.days == 0 || j->req.days > J->cfg.cap_days))
        j->req.days = J->cfg.cap_days;
    j->total = j->req.replications;
    j->seq = 1;   /* a new stream (seq 0) gets the job's state at once */
    j->next = J->all;
    J->all = j;
    J->n_jobs++;
    if (J->qtail)
        J->qtail->qnext = j;
    else
        J->qhead = j;
    J->qtail = j;
    J->queued++;
    *id = j->id;
    pthread_cond_signal(&J->work);
    pthread_mutex_unlock(&J->mu);
    return 0;
}

static job *find(serve_jobs *J, long id)
{
    for (job *j = J->all; j; j = j->next)
        if (j->id == id)
            return j;
    return NULL;
}

int serve_jobs_cancel(serve_jobs *J, long id)
{
    pthread_mutex_lock(&J->mu);
    job *j = find(J, id);
    if (j)
        j->cancel = 1;
    pthread_mutex_unlock(&J->mu);
    return j ? 0 : -1;
}

/* The job as JSON; the caller holds the lock. */
static void put_job(FILE *out, const job *j, bool with_result)
{
    fprintf(out, "{\"id\":%ld,\"kind\":\"%s\",\"state\":\"%s\",\"done\":%" PRIu64
                 ",\"total\":%" PRIu64 ",\"replications\":%" PRIu64 ",\"cancel_requested\":%s",
            j->id, j->req.kind == SERVE_ENSEMBLE ? "ensemble" : "compare", state_words[j->state],
            j->done, j->total, j->req.replications, j->cancel ? "true" : "false");
    if (j->run_id > 0)
        fprintf(out, ",\"run_id\":%" PRId64, j->run_id);
    else
        fputs(",\"run_id\":null", out);
    fputs(",\"policies\":[", out);
    for (int k = 0; k < j->req.n; k++) {
        fputs(k ? "," : "", out);
        fputs("{\"name\":", out);
        serve_json_string(out, j->req.name[k]);
        fputs(",\"label\":", out);
        serve_json_string(out, j->req.label[k]);
        fputc('}', out);
    }
    fputs("],\"error\":", out);
    if (j->error)
        serve_json_string(out, j->error);
    else
        fputs("null", out);
    if (with_result) {
        fputs(",\"result\":", out);
        fputs(j->result ? j->result : "null", out);
    }
    fputc('}', out);
}

bool serve_jobs_write_job(serve_jobs *J, long id, FILE *out)
{
    pthread_mutex_lock(&J->mu);
    job *j = find(J, id);
    if (j)
        put_job(out, j, true);
    pthread_mutex_unlock(&J->mu);
    return j != NULL;
}

void serve_jobs_write_list(serve_jobs *J, FILE *out)
{
    pthread_mutex_lock(&J->mu);
    fputc('[', out);
    for (job *j = J->all; j; j = j->next) {
        put_job(out, j, false);
        if (j->next)
            fputc(',', out);
    }
    fputs("]", out);
    pthread_mutex_unlock(&J->mu);
}

void serve_jobs_write_status(serve_jobs *J, FILE *out)
{
    pthread_mutex_lock(&J->mu);
    fprintf(out, "{\"version\":\"%s\",\"running\":%d,\"queued\":%d,\"max_running\":%d,"
                 "\"max_queued\":%d,\"next_job\":%ld,\"jobs_listed\":%d,\"keep_jobs\":%d,"
                 "\"jobs_dropped\":%ld,\"stopping\":%s}",
            bk_version(), J->running, J->queued, J->cfg.workers, J->cfg.queue, J->next_id,
            J->n_jobs, J->cfg.keep, J->dropped, J->stopping ? "true" : "false");
    pthread_mutex_unlock(&J->mu);
}

/* "event: NAME\ndata: JSON\n\n" for the job's state now, with the partial results if the
 * stream has not had them (it has seen events up to `seen`); the caller holds the lock. */
static char *event_text(const job *j, uint64_t seen)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return NULL;
    fprintf(f, "event: %s\ndata: {\"job\":", j->final ? "end" : "progress");
    put_job(f, j, j->final);
    fputs(",\"partial\":", f);
    fputs(j->partial && !j->final && j->partial_seq > seen ? j->partial : "null", f);
    fputs("}", f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    /* One data line: raw newlines in JSON are only whitespace between tokens (inside strings
     * they are escaped), so they become spaces; then the event's blank line. */
    size_t head = (size_t)(strchr(buf, '\n') - buf) + 1;
    for (size_t i = head; i < len; i++)
        if (buf[i] == '\n')
            buf[i] = ' ';
    char *ev = realloc(buf, len + 3);
    if (ev == NULL) {
        free(buf);
        return NULL;
    }
    memcpy(ev + len, "\n\n", 3);
    return ev;
}

/* The CLOCK_REALTIME time `ms` milliseconds from now, for pthread_cond_timedwait. */
static struct timespec deadline_in(int ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

int serve_jobs_next_event(serve_jobs *J, long id, uint64_t *seq, int timeout_ms, char **text)
{
    *text = NULL;
    struct timespec until = deadline_in(timeout_ms);
    pthread_mutex_lock(&J->mu);
    job *j = find(J, id);
    int rc = -1;
    while (j) {
        if (j->seq > *seq) {
            *text = event_text(j, *seq);
            *seq = j->seq;
            rc = *text ? 1 : 0;
            break;
        }
        if (j->final || J->stopping) {
            rc = 2;
            break;
        }
        if (pthread_cond_timedwait(&J->news, &J->mu, &until) == ETIMEDOUT) {
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&J->mu);
    return rc;
}

bool serve_jobs_wait_idle(serve_jobs *J, int timeout_ms)
{
    struct timespec until = deadline_in(timeout_ms);
    pthread_mutex_lock(&J->mu);
    bool idle;
    while (!(idle = J->running == 0 && J->queued == 0))
        if (pthread_cond_timedwait(&J->news, &J->mu, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&J->mu);
    return idle;
}

void serve_jobs_shutdown(serve_jobs *J)
{
    pthread_mutex_lock(&J->mu);
    J->stopping = true;
    for (job *j = J->all; j; j = j->next)
        j->cancel = 1;
    pthread_cond_broadcast(&J->work);
    pthread_cond_broadcast(&J->news);
    pthread_mutex_unlock(&J->mu);
}

void serve_jobs_free(serve_jobs *J)
{
    if (J == NULL)
        return;
    serve_jobs_shutdown(J);
    for (int i = 0; i < J->n_threads; i++)
        pthread_join(J->threads[i], NULL);
    free(J->threads);
    for (job *j = J->all, *next; j; j = next) {
        next = j->next;
        job_free(j);
    }
    pthread_cond_destroy(&J->work);
    pthread_cond_destroy(&J->news);
    pthread_mutex_destroy(&J->mu);
    free(J);
}
