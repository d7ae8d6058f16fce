/* mpi.c: ensembles across MPI ranks (Open MPI), when the library is built with it.
 *
 * Each rank runs the blocks of its own shard (rank of size); the serialized states are
 * gathered on rank 0, which merges them. The statistics are exact integer sums, so the result
 * is the same bytes as one process. Without BK_HAVE_MPI every call says "built without MPI".
 */
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "analysis/ensemble/ens.h"
#include "engine/status_internal.h"

#ifdef BK_HAVE_MPI
#include <mpi.h>
#endif

/* Contract in blockade/ensemble.h. */
bool bk_mpi_launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") != NULL || getenv("PMIX_RANK") != NULL
           || getenv("PMI_RANK") != NULL;
}

#ifndef BK_HAVE_MPI

/* Contract in blockade/ensemble.h. */
bool bk_mpi_available(void)
{
    return false;
}

/* Contract in blockade/ensemble.h. */
bk_status bk_mpi_init(int *argc, char ***argv, int *rank, int *size, int *local_size,
                      bk_error *err)
{
    (void)argc;
    (void)argv;
    *rank = 0;
    *size = 1;
    *local_size = 1;
    return bki_fail(err, BK_ERR_USAGE, "built without MPI");
}

/* Contract in blockade/ensemble.h. */
bk_status bk_ensemble_mpi_reduce(bk_ensemble *ens, bk_error *err)
{
    (void)ens;
    return bki_fail(err, BK_ERR_USAGE, "built without MPI");
}

/* Contract in blockade/ensemble.h. */
int bk_mpi_agree(int code)
{
    return code;
}

/* Contract in blockade/ensemble.h. */
void bk_mpi_finalize(void)
{
}

#else

/* Contract in blockade/ensemble.h. */
bool bk_mpi_available(void)
{
    return true;
}

/* Contract in blockade/ensemble.h. */
bk_status bk_mpi_init(int *argc, char ***argv, int *rank, int *size, int *local_size,
                      bk_error *err)
{
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return bki_fail(err, BK_ERR_INTERNAL, "MPI_Init failed");
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    MPI_Comm local;
    *local_size = 1;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, *rank, MPI_INFO_NULL, &local)
        == MPI_SUCCESS) {
        MPI_Comm_size(local, local_size);
        MPI_Comm_free(&local);
    }
    return BK_OK;
}

/* Contract in blockade/ensemble.h. Rank 0 receives the states in rank order; the order does
 * not matter for the result, only for memory (one state at a time). */
bk_status bk_ensemble_mpi_reduce(bk_ensemble *ens, bk_error *err)
{
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    bk_status st = BK_OK;
    if (rank != 0) {
        bk_bytes b;
        memset(&b, 0, sizeof b);
        unsigned long long len = 0;
        if (bki_ens_serialize(ens, &b))
            len = b.len;
        MPI_Send(&len, 1, MPI_UNSIGNED_LONG_LONG, 0, 1, MPI_COMM_WORLD);
        if (len > 0)
            MPI_Send(b.p, (int)len, MPI_BYTE, 0, 2, MPI_COMM_WORLD);
        else
            st = bki_fail(err, BK_ERR_NOMEM, "out of memory");
        bki_bytes_free(&b);
        return st;
    }
    for (int r = 1; r < size; r++) {
        unsigned long long len = 0;
        MPI_Recv(&len, 1, MPI_UNSIGNED_LONG_LONG, r, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (len == 0 || len > (unsigned long long)0x7fffffff) {
            if (st == BK_OK)
                st = bki_fail(err, BK_ERR_INTERNAL, "rank %d sent no state", r);
            continue;
        }
        unsigned char *buf = bki_malloc((size_t)len);
        if (!buf) {
            /* still drain the message so the sender can finish */
            unsigned char tmp;
            MPI_Recv(&tmp, 0, MPI_BYTE, r, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (st == BK_OK)
                st = bki_fail(err, BK_ERR_NOMEM, "out of memory");
            continue;
        }
        MPI_Recv(buf, (int)len, MPI_BYTE, r, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (st == BK_OK) {
            char name[32];
            snprintf(name, sizeof name, "rank %d", r);
            bk_ensemble *part = NULL;
            st = bki_ens_deserialize(buf, (size_t)len, name, &part, err);
            if (st == BK_OK)
                st = bk_ensemble_merge(ens, part, err);
            bk_ensemble_free(part);
        }
        bki_free(buf);
    }
    return st;
}

/* Contract in blockade/ensemble.h. */
int bk_mpi_agree(int code)
{
    int out = code;
    MPI_Allreduce(&code, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return out;
}

/* Contract in blockade/ensemble.h. */
void bk_mpi_finalize(void)
{
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (init && !fin)
        MPI_Finalize();
}

#endif
