/* dz-mpi-private.h: the few MPI calls DzCommunicator makes
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The library builds without MPI (-Dmpi=disabled, or no libopenmpi-dev):
 * dz-mpi-none.c then fails every call with DZ_ERROR_NOT_AVAILABLE, so the
 * API, its documentation and its bindings are the same in both builds. */

/* A duplicate of MPI_COMM_WORLD, its errors returned rather than fatal. */
typedef struct _DzMpiComm DzMpiComm;

typedef enum
{
  DZ_MPI_FLOAT32,
  DZ_MPI_FLOAT64,
  DZ_MPI_UINT64,
  DZ_MPI_INT64,
} DzMpiType;

typedef enum
{
  DZ_MPI_SUM,
  DZ_MPI_MAX,
} DzMpiOp;

gboolean   dz_mpi_is_available (void);
/* Initializes MPI once per process (unless the application did) and
 * duplicates the world communicator. */
DzMpiComm *dz_mpi_comm_new     (int          *rank,
                                int          *size,
                                GError      **error);
void       dz_mpi_comm_free    (DzMpiComm    *comm);
/* In place, on every rank; @count values of @type. */
gboolean   dz_mpi_allreduce    (DzMpiComm    *comm,
                                void         *buffer,
                                gsize         count,
                                DzMpiType     type,
                                DzMpiOp       op,
                                GError      **error);
gboolean   dz_mpi_broadcast    (DzMpiComm    *comm,
                                void         *buffer,
                                gsize         n_bytes,
                                int           root,
                                GError      **error);
gboolean   dz_mpi_barrier      (DzMpiComm    *comm,
                                GError      **error);
/* MPI_Finalize, when this library called MPI_Init_thread. */
void       dz_mpi_shutdown     (void);

G_END_DECLS
