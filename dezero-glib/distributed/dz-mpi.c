/* dz-mpi.c: the MPI calls DzCommunicator makes, on Open MPI

 *
 * SPDX-License-Identifier: MIT
 */

/* dladdr() */
#define _GNU_SOURCE

#include "config.h"

#include <dlfcn.h>
#include <stdlib.h>

#include <mpi.h>

#include "dz-error.h"
#include "dz-mpi-private.h"

struct _DzMpiComm
{
  MPI_Comm comm;
};

/* Whether this library called MPI_Init_thread (then it also finalizes),
 * under init_lock: the first communicator may be made on any thread. */
static GMutex init_lock;
static gboolean initialized_here;

/* MPI counts are ints: longer buffers go in pieces of this many values. */
#define MAX_COUNT (1 << 30)

static gboolean
check (int         code,
       const char *call,
       GError    **error)
{
  char message[MPI_MAX_ERROR_STRING];
  int length = 0;

  if (code == MPI_SUCCESS)
    return TRUE;
  if (MPI_Error_string (code, message, &length) != MPI_SUCCESS)
    length = 0;
  message[length] = '\0';
  g_set_error (error, DZ_ERROR, DZ_ERROR_FAILED, "%s failed: %s", call,
               length > 0 ? message : "unknown MPI error");
  return FALSE;
}

static gboolean
check_usable (GError **error)
{
  int finalized = 0;

  MPI_Finalized (&finalized);
  if (finalized)
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_NOT_AVAILABLE,
                           "MPI was finalized (dz_communicator_shutdown() or the end of the process)");
      return FALSE;
    }
  return TRUE;
}

gboolean
dz_mpi_is_available (void)
{
  return TRUE;
}

/* A rank that exits normally finalizes MPI; one that exits with an error
 * aborts the job, so that the others, perhaps waiting for it in an
 * all-reduce, end too rather than hang: MPI_Finalize would wait for them
 * forever. (mpirun also ends the job when a rank dies of a signal.) */
static void
shutdown_at_exit (int      status,
                  gpointer user_data)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&init_lock);
  int finalized = 0;

  MPI_Finalized (&finalized);
  if (!initialized_here || finalized)
    return;
  if (status != 0)
    MPI_Abort (MPI_COMM_WORLD, status);
  else
    MPI_Finalize ();
}

/* PyGObject and GJS open this library with RTLD_LOCAL, and libmpi with it
 * as a dependency: Open MPI 4's components (mca_*.so), which it dlopens
 * during MPI_Init, expect libmpi's symbols in the global scope and fail
 * with "undefined symbol". Reopening libmpi RTLD_GLOBAL (RTLD_NOLOAD: the
 * copy already loaded, found by the address of one of its functions, so
 * whatever its soname) puts it and its dependencies there. The handle is
 * kept: libmpi stays loaded anyway. */
static void
promote_libmpi (void)
{
  Dl_info info;

  if (dladdr ((void *) MPI_Init_thread, &info) != 0 && info.dli_fname != NULL)
    dlopen (info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
}

static gboolean
ensure_initialized (GError **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&init_lock);
  int initialized = 0, provided = 0;

  if (!check_usable (error))
    return FALSE;
  MPI_Initialized (&initialized);
  if (initialized)
    return TRUE;

  promote_libmpi ();
  /* SERIALIZED: any one thread at a time may communicate, e.g. a
   * DzTrainer's worker after the main thread made the communicator. */
  if (!check (MPI_Init_thread (NULL, NULL, MPI_THREAD_SERIALIZED, &provided),
              "MPI_Init_thread", error))
    return FALSE;
  initialized_here = TRUE;
  on_exit (shutdown_at_exit, NULL);
  if (provided < MPI_THREAD_SERIALIZED)
    g_debug ("MPI provides thread level %d, not MPI_THREAD_SERIALIZED: "
             "communicate from the main thread only", provided);
  return TRUE;
}

DzMpiComm *
dz_mpi_comm_new (int     *rank,
                 int     *size,
                 GError **error)
{
  MPI_Comm comm = MPI_COMM_NULL;
  DzMpiComm *self;

  if (!ensure_initialized (error))
    return NULL;
  if (!check (MPI_Comm_dup (MPI_COMM_WORLD, &comm), "MPI_Comm_dup", error))
    return NULL;
  /* Errors come back as codes, made into GErrors, instead of aborting the
   * job. A peer that dies still ends the job: mpirun kills the others. */
  if (!check (MPI_Comm_set_errhandler (comm, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler", error)
      || !check (MPI_Comm_rank (comm, rank), "MPI_Comm_rank", error)
      || !check (MPI_Comm_size (comm, size), "MPI_Comm_size", error))
    {
      MPI_Comm_free (&comm);
      return NULL;
    }
  self = g_new0 (DzMpiComm, 1);
  self->comm = comm;
  return self;
}

void
dz_mpi_comm_free (DzMpiComm *self)
{
  int finalized = 0;

  if (self == NULL)
    return;
  MPI_Finalized (&finalized);
  if (!finalized)
    MPI_Comm_free (&self->comm);
  g_free (self);
}

gboolean
dz_mpi_allreduce (DzMpiComm  *self,
                  void       *buffer,
                  gsize       count,
                  DzMpiType   type,
                  DzMpiOp     op,
                  GError    **error)
{
  static const MPI_Datatype types[] = {
    [DZ_MPI_FLOAT32] = MPI_FLOAT, [DZ_MPI_FLOAT64] = MPI_DOUBLE, [DZ_MPI_UINT64] = MPI_UINT64_T,
    [DZ_MPI_INT64] = MPI_INT64_T,
  };
  static const gsize item_sizes[] = {
    [DZ_MPI_FLOAT32] = 4, [DZ_MPI_FLOAT64] = 8, [DZ_MPI_UINT64] = 8, [DZ_MPI_INT64] = 8,
  };
  MPI_Op mpi_op = op == DZ_MPI_SUM ? MPI_SUM : MPI_MAX;
  guint8 *bytes = buffer;

  if (!check_usable (error))
    return FALSE;
  while (count > 0)
    {
      int n = (int) MIN (count, MAX_COUNT);

      if (!check (MPI_Allreduce (MPI_IN_PLACE, bytes, n, types[type], mpi_op, self->comm),
                  "MPI_Allreduce", error))
        return FALSE;
      bytes += (gsize) n * item_sizes[type];
      count -= n;
    }
  return TRUE;
}

gboolean
dz_mpi_broadcast (DzMpiComm  *self,
                  void       *buffer,
                  gsize       n_bytes,
                  int         root,
                  GError    **error)
{
  guint8 *bytes = buffer;

  if (!check_usable (error))
    return FALSE;
  while (n_bytes > 0)
    {
      int n = (int) MIN (n_bytes, MAX_COUNT);

      if (!check (MPI_Bcast (bytes, n, MPI_BYTE, root, self->comm), "MPI_Bcast", error))
        return FALSE;
      bytes += n;
      n_bytes -= n;
    }
  return TRUE;
}

gboolean
dz_mpi_barrier (DzMpiComm  *self,
                GError    **error)
{
  return check_usable (error) && check (MPI_Barrier (self->comm), "MPI_Barrier", error);
}

void
dz_mpi_shutdown (void)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&init_lock);
  int finalized = 0;

  MPI_Finalized (&finalized);
  if (initialized_here && !finalized)
    MPI_Finalize ();
}
