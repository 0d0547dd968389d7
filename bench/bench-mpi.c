/* bench-mpi.c: what data-parallel training pays to communicate, for the
 * Fashion-MNIST MLP (784-1000-10, float32: 795,010 parameters, 3.2 MB of
 * gradients) on the ranks of an MPI job:
 *
 *   OPENBLAS_NUM_THREADS=1 mpirun -np 2 build/bench/bench-mpi [--iterations N]
 *
 * Rank 0 prints a Markdown table: MPI_Allreduce of the 3.2 MB alone (the
 * floor), dz_communicator_allreduce_gradients() at several bucket sizes
 * (with its header exchange, packing and the mean), the header alone
 * (the latency of a small all-reduce), and a training step's compute on
 * one rank (forward, backward, update of a batch of 100) for scale. Every
 * timed call starts after a barrier, so that it measures communication,
 * not a rank waiting for a slower one.
 *
 * SPDX-License-Identifier: MIT
 */

#include <stdlib.h>

#include <mpi.h>

#include <dezero-glib.h>

static int
compare (const void *a,
         const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

typedef struct
{
  double median_ms;
  double min_ms;
} Timing;

static Timing
summarize (double *samples,
           int     n)
{
  qsort (samples, n, sizeof *samples, compare);
  return (Timing) { samples[n / 2] * 1e3, samples[0] * 1e3 };
}

static DzLayer *
fashion_mlp (void)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (0);
  DzLayer *model = dz_mlp_new ((gsize[]) { 1000, 10 }, 2, DZ_MLP_ACTIVATION_RELU, DZ_DTYPE_FLOAT32, gen);
  g_autoptr(DzArray) zeros = dz_array_new_full_typed (DZ_DTYPE_FLOAT32, (gsize[]) { 1, 784 }, 2, 0, NULL);
  g_autoptr(DzVariable) x = dz_variable_new (zeros);
  g_autoptr(DzNoGradGuard) guard = dz_no_grad_guard_new ();
  g_autoptr(DzVariable) y = dz_layer_call1 (model, x, NULL);

  return model;
}

/* Gradients of ones, as backward would leave them: arrays nobody else
 * holds, which the mean is written into in place. */
static gsize
set_gradients (DzLayer *model)
{
  g_autoptr(GPtrArray) params = dz_layer_list_parameters (model);
  gsize n = 0;

  for (guint i = 0; i < params->len; i++)
    {
      DzVariable *p = g_ptr_array_index (params, i);
      g_autoptr(DzArray) ones = dz_array_new_full_typed (DZ_DTYPE_FLOAT32, dz_variable_get_shape (p, NULL),
                                                         dz_variable_get_ndim (p), 1, NULL);
      g_autoptr(DzVariable) grad = dz_variable_new (ones);

      dz_variable_set_grad (p, grad);
      n += dz_variable_get_size (p);
    }
  return n;
}

int
main (int argc, char *argv[])
{
  static const guint64 buckets[] = { 1 << 20, 25 << 20, 64 << 10, 1 };
  static const char *bucket_names[] = { "1 MiB (default)", "25 MiB (PyTorch DDP's)", "64 KiB",
                                        "1 B (one call per parameter)" };
  int iterations = 200, rank, size;
  GOptionEntry entries[] = {
    { "iterations", 'n', 0, G_OPTION_ARG_INT, &iterations, "Timed calls per row (200)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- time the all-reduce of gradients");
  g_autoptr(GError) error = NULL;
  g_autoptr(DzCommunicator) comm = NULL;
  g_autoptr(DzLayer) model = NULL;
  g_autofree double *samples = NULL;
  g_autofree float *buffer = NULL;
  gsize n_params;
  Timing t;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || iterations < 1)
    {
      g_printerr ("bench-mpi: %s\n", error ? error->message : "--iterations must be positive");
      return 2;
    }
  if ((comm = dz_communicator_new (&error)) == NULL)
    {
      g_printerr ("bench-mpi: %s\n", error->message);
      return 1;
    }
  rank = dz_communicator_get_rank (comm);
  size = dz_communicator_get_size (comm);
  model = fashion_mlp ();
  n_params = set_gradients (model);
  samples = g_new (double, iterations);
  buffer = g_new0 (float, n_params);

  if (rank == 0)
    {
      g_print ("%d ranks, %" G_GSIZE_FORMAT " float32 gradients (%.2f MB), %d calls per row\n\n",
               size, n_params, n_params * 4 / 1e6, iterations);
      g_print ("| what | median ms | min ms |\n|---|---:|---:|\n");
    }

  /* The floor: one MPI_Allreduce of all the values, in place. */
  for (int i = -10; i < iterations; i++)
    {
      double start;

      MPI_Barrier (MPI_COMM_WORLD);
      start = MPI_Wtime ();
      MPI_Allreduce (MPI_IN_PLACE, buffer, (int) n_params, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      if (i >= 0)
        samples[i] = MPI_Wtime () - start;
    }
  t = summarize (samples, iterations);
  if (rank == 0)
    g_print ("| MPI_Allreduce of the %.1f MB alone | %.3f | %.3f |\n", n_params * 4 / 1e6, t.median_ms, t.min_ms);

  for (guint b = 0; b < G_N_ELEMENTS (buckets); b++)
    {
      dz_communicator_set_bucket_size (comm, buckets[b]);
      for (int i = -10; i < iterations; i++)
        {
          double start;

          if (!dz_communicator_barrier (comm, &error))
            g_error ("%s", error->message);
          start = MPI_Wtime ();
          if (!dz_communicator_allreduce_gradients (comm, model, &error))
            g_error ("%s", error->message);
          if (i >= 0)
            samples[i] = MPI_Wtime () - start;
        }
      t = summarize (samples, iterations);
      if (rank == 0)
        g_print ("| allreduce_gradients, buckets of %s | %.3f | %.3f |\n", bucket_names[b], t.median_ms, t.min_ms);
    }

  /* The latency: a header-sized all-reduce. */
  for (int i = -10; i < iterations; i++)
    {
      double values[8] = { 0 }, start;

      if (!dz_communicator_barrier (comm, &error))
        g_error ("%s", error->message);
      start = MPI_Wtime ();
      if (!dz_communicator_allreduce_sum (comm, values, G_N_ELEMENTS (values), &error))
        g_error ("%s", error->message);
      if (i >= 0)
        samples[i] = MPI_Wtime () - start;
    }
  t = summarize (samples, iterations);
  if (rank == 0)
    g_print ("| allreduce_sum of 8 doubles (latency) | %.4f | %.4f |\n", t.median_ms, t.min_ms);

  /* For scale: a training step's compute, batch 100, one rank at a time
   * (rank 0 alone; the others wait at the barrier). */
  if (rank == 0)
    {
      g_autoptr(DzGenerator) gen = dz_generator_new (1);
      g_autoptr(DzArray) x64 = dz_array_new_uniform ((gsize[]) { 100, 784 }, 2, gen, NULL);
      g_autoptr(DzArray) xa = dz_array_astype (x64, DZ_DTYPE_FLOAT32, NULL);
      g_autoptr(DzArray) ta = dz_array_new_full_typed (DZ_DTYPE_INT64, (gsize[]) { 100 }, 1, 3, NULL);
      g_autoptr(DzOptimizer) sgd = dz_optimizer_setup (dz_sgd_new (0.01), model);
      int steps = MAX (iterations / 4, 10);

      for (int i = -3; i < steps; i++)
        {
          g_autoptr(DzVariable) x = dz_variable_new (xa);
          g_autoptr(DzVariable) tv = dz_variable_new (ta);
          g_autoptr(DzVariable) y = NULL, loss = NULL;
          double start = MPI_Wtime ();

          dz_variable_set_requires_grad (x, FALSE);
          y = dz_layer_call1 (model, x, NULL);
          loss = dz_softmax_cross_entropy (y, tv, NULL);
          dz_layer_cleargrads (model);
          if (!dz_variable_backward (loss, &error) || !dz_optimizer_update (sgd, &error))
            g_error ("%s", error->message);
          if (i >= 0)
            samples[i] = MPI_Wtime () - start;
        }
      t = summarize (samples, steps);
      g_print ("| a training step's compute (batch 100, forward + backward + SGD) | %.3f | %.3f |\n",
               t.median_ms, t.min_ms);
    }
  if (!dz_communicator_barrier (comm, &error))
    g_error ("%s", error->message);
  return 0;
}
