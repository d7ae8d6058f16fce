/* pool.c: a small pool of worker threads taking work items from a shared counter (see ens.h).
 *
 * Items are handed out in increasing order, but the pool promises nothing about which thread
 * runs which item or when: callers make their results independent of that (exact, order-free
 * statistics). The calling thread only watches: it raises the stop flag on Ctrl-C and calls the
 * tick callback (progress, checkpoints).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/alloc.h"
#include "analysis/ensemble/ens.h"
#include "engine/status_internal.h"

typedef struct pool {
    bk_pool_job *job;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t next, count;
    int running;           /* workers not yet finished */
    bk_status status;      /* first failure */
    bk_error err;
} pool;

typedef struct worker_arg {
    pool *p;
    int id;
} worker_arg;

static void *worker_main(void *arg)
{
    worker_arg *wa = arg;
    pool *p = wa->p;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        bool quit = p->job->stop || (p->job->cancel && *p->job->cancel) || p->next >= p->count;
        uint64_t item = p->next;
        if (!quit)
            p->next++;
        pthread_mutex_unlock(&p->mu);
        if (quit)
            break;
        bk_error err = {0};
        bk_status st = p->job->work(p->job->ctx, wa->id, item, &err);
        if (st != BK_OK) {
            pthread_mutex_lock(&p->mu);
            if (p->status == BK_OK || p->status == BK_ERR_INTERRUPTED) {
                if (st != BK_ERR_INTERRUPTED || p->status == BK_OK) {
                    p->status = st;
                    p->err = err;
                }
            }
            p->job->stop = 1;
            pthread_mutex_unlock(&p->mu);
            break;
        }
    }
    pthread_mutex_lock(&p->mu);
    p->running--;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Contract in ens.h. */
int bki_pool_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

/* Contract in ens.h. */
bk_status bki_pool_run(bk_pool_job *job, uint64_t count, int threads, bk_error *err)
{
    if (threads < 1)
        threads = bki_pool_cpus();
    if ((uint64_t)threads > count)
        threads = count > 0 ? (int)count : 1;
    pool p;
    memset(&p, 0, sizeof p);
    p.job = job;
    p.count = count;
    p.status = BK_OK;
    job->stop = 0;
    if (pthread_mutex_init(&p.mu, NULL) != 0)
        return bki_fail(err, BK_ERR_NOMEM, "cannot create a mutex");
    if (pthread_cond_init(&p.cv, NULL) != 0) {
        pthread_mutex_destroy(&p.mu);
        return bki_fail(err, BK_ERR_NOMEM, "cannot create a condition variable");
    }
    pthread_t *tid = bki_calloc((size_t)threads, sizeof *tid);
    worker_arg *args = bki_calloc((size_t)threads, sizeof *args);
    int started = 0;
    if (tid && args) {
        for (; started < threads; started++) {
            args[started].p = &p;
            args[started].id = started;
            pthread_mutex_lock(&p.mu);
            p.running++;
            pthread_mutex_unlock(&p.mu);
            if (pthread_create(&tid[started], NULL, worker_main, &args[started]) != 0) {
                pthread_mutex_lock(&p.mu);
                p.running--;
                pthread_mutex_unlock(&p.mu);
                break;
            }
        }
    }
    bk_status st = BK_OK;
    if (started == 0) {
        st = bki_fail(err, BK_ERR_NOMEM, "cannot start worker threads");
        job->stop = 1;
    }
    pthread_mutex_lock(&p.mu);
    while (p.running > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        int rc = pthread_cond_timedwait(&p.cv, &p.mu, &ts);
        if (p.running == 0)
            break;
        if (rc == ETIMEDOUT || rc == 0) {
            if (job->cancel && *job->cancel)
                job->stop = 1;
            if (job->tick) {
                /* the tick runs without the pool's lock: it takes the caller's own lock */
                pthread_mutex_unlock(&p.mu);
                bk_status ts_st = job->tick(job->ctx);
                pthread_mutex_lock(&p.mu);
                if (ts_st != BK_OK && p.status == BK_OK) {
                    p.status = ts_st;
                    memset(&p.err, 0, sizeof p.err);
                    p.err.status = ts_st;
                    job->stop = 1;
                }
            }
        }
    }
    pthread_mutex_unlock(&p.mu);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    bki_free(tid);
    bki_free(args);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    if (st != BK_OK)
        return st;
    if (p.status != BK_OK) {
        if (err)
            *err = p.err;
        return p.status;
    }
    if (job->cancel && *job->cancel)
        return BK_ERR_INTERRUPTED;
    if (p.next < p.count)
        return BK_ERR_INTERRUPTED;
    return BK_OK;
}
