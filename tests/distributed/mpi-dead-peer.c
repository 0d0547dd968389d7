/* mpi-dead-peer.c: the last rank exits with status 3 (or, given "kill",
 * dies of SIGKILL, which no handler sees) in the middle of training while
 * the others wait for it in an all-reduce. mpirun must end the job with an
 * error, quickly: mpirun-test.py --expect-failure checks both. A job that
 * finished instead would exit 0 and fail the test.
 *
 * SPDX-License-Identifier: MIT
 */

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <dezero-glib.h>

int
main (int argc, char *argv[])
{
  gboolean kill_self = argc > 1 && strcmp (argv[1], "kill") == 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(DzCommunicator) comm = dz_communicator_new (&error);
  g_autoptr(DzGenerator) gen = dz_generator_new (1);
  g_autoptr(DzLayer) model = NULL;
  g_autoptr(GPtrArray) params = NULL;
  int rank, size;

  if (comm == NULL)
    g_error ("%s", error->message);
  rank = dz_communicator_get_rank (comm);
  size = dz_communicator_get_size (comm);
  model = dz_mlp_new ((gsize[]) { 100, 10 }, 2, DZ_MLP_ACTIVATION_RELU, DZ_DTYPE_FLOAT32, gen);
  {
    g_autoptr(DzArray) ones = dz_array_new_ones ((gsize[]) { 2, 20 }, 2, NULL);
    g_autoptr(DzVariable) x = dz_variable_new (ones);
    g_autoptr(DzVariable) y = dz_layer_call1 (model, x, &error);
    g_autoptr(DzVariable) loss = y ? dz_sum (y, NULL, 0, FALSE, &error) : NULL;

    if (loss == NULL || !dz_variable_backward (loss, &error))
      g_error ("%s", error->message);
  }
  /* About ten seconds of all-reduces on one rank alone at 20 us each:
   * far more than the test allows. */
  for (int step = 0; step < 500000; step++)
    {
      if (step == 2 && rank == size - 1)
        {
          g_printerr ("rank %d: %s at step %d\n", rank, kill_self ? "SIGKILL" : "exit (3)", step);
          if (kill_self)
            raise (SIGKILL);
          exit (3);
        }
      if (!dz_communicator_allreduce_gradients (comm, model, &error))
        {
          g_printerr ("rank %d: %s\n", rank, error->message);
          return 4;
        }
    }
  return 0;
}
