/* dz-mpi-none.c: the MPI calls of a build without MPI, all failing
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-error.h"
#include "dz-mpi-private.h"

static gboolean
not_built (GError **error)
{
  g_set_error_literal (error, DZ_ERROR, DZ_ERROR_NOT_AVAILABLE,
                       "dezero-glib was built without MPI (meson option -Dmpi, "
                       "needs Open MPI's libopenmpi-dev)");
  return FALSE;
}

gboolean
dz_mpi_is_available (void)
{
  return FALSE;
}

DzMpiComm *
dz_mpi_comm_new (int     *rank,
                 int     *size,
                 GError **error)
{
  not_built (error);
  return NULL;
}

void
dz_mpi_comm_free (DzMpiComm *comm)
{
}

gboolean
dz_mpi_allreduce (DzMpiComm  *comm,
                  void       *buffer,
                  gsize       count,
                  DzMpiType   type,
                  DzMpiOp     op,
                  GError    **error)
{
  return not_built (error);
}

gboolean
dz_mpi_broadcast (DzMpiComm  *comm,
                  void       *buffer,
                  gsize       n_bytes,
                  int         root,
                  GError    **error)
{
  return not_built (error);
}

gboolean
dz_mpi_barrier (DzMpiComm  *comm,
                GError    **error)
{
  return not_built (error);
}

void
dz_mpi_shutdown (void)
{
}
