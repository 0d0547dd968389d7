/* fashion-mnist-mpi.c: fashion-mnist-mlp.c's 784-1000-10 ReLU MLP trained
 * data-parallel on the ranks of an MPI job, as PyTorch's DDP does it:
 *
 *   OPENBLAS_NUM_THREADS=1 mpirun -np 2 build/examples/fashion-mnist-mpi
 *
 *   fashion-mnist-mpi [--epochs N] [--batch B] [--adam] [--lr LR] [--seed S] [OUTPUT]
 *
 * Each rank reads the dataset, trains on its own shard of every epoch
 * (DzDataLoader:shard-count) with batches of B (100) samples, and
 * averages the gradients with the others after each backward pass
 * (dz_communicator_allreduce_gradients()), so that all keep identical
 * parameters: a step of N ranks is a step on N·B samples. Rank 0 prints
 * the progress (sums over the ranks) and saves the weights to OUTPUT
 * (/tmp/fashion-mnist-mpi.safetensors); then a fresh model is loaded on
 * rank 0 alone and broadcast to the others, and must test the same.
 * Without mpirun it runs as a job of one rank.
 *
 * SPDX-License-Identifier: MIT
 */

#include <stdio.h>

#include <dezero-glib.h>

#define DEFAULT_OUTPUT "/tmp/fashion-mnist-mpi.safetensors"

static int rank, size;

static int
fail (const char *what,
      GError     *error)
{
  g_printerr ("fashion-mnist-mpi (rank %d): %s%s%s\n", rank, what ? what : "", what ? ": " : "",
              error ? error->message : "failed");
  return 1;
}

static DzLayer *
new_model (DzGenerator *generator)
{
  const gsize sizes[] = { 1000, 10 };
  DzLayer *model = dz_mlp_new (sizes, G_N_ELEMENTS (sizes), DZ_MLP_ACTIVATION_RELU,
                               DZ_DTYPE_FLOAT32, generator);
  g_autoptr(DzArray) zeros = dz_array_new_full_typed (DZ_DTYPE_FLOAT32, (gsize[]) { 1, 784 }, 2, 0, NULL);
  g_autoptr(DzVariable) x = dz_variable_new (zeros);
  g_autoptr(DzNoGradGuard) guard = dz_no_grad_guard_new ();
  /* A linear layer makes its W on its first input: before a broadcast. */
  g_autoptr(DzVariable) y = dz_layer_call1 (model, x, NULL);

  return model;
}

static DzDataLoader *
shard_loader (DzDataset *dataset,
              gsize      batch_size,
              gboolean   shuffle,
              guint64    seed)
{
  return g_object_new (DZ_TYPE_DATA_LOADER, "dataset", dataset, "batch-size", (guint64) batch_size,
                       "shuffle", shuffle, "seed", seed, "shard-count", (guint) size,
                       "shard-index", (guint) rank, NULL);
}

/* The accuracy over the ranks' shards of @dataset, summed by all-reduce
 * (when the ranks do not divide its length, the padding of the shards
 * counts a sample or two twice: 10002 of 10000 on 3 ranks). */
static gboolean
test_accuracy (DzCommunicator  *comm,
               DzLayer         *model,
               DzDataset       *dataset,
               double          *accuracy,
               GError         **error)
{
  g_autoptr(DzNoGradGuard) guard = dz_no_grad_guard_new ();
  g_autoptr(DzDataLoader) loader = shard_loader (dataset, 1000, FALSE, 0);
  double sums[2] = { 0, 0 };
  DzArray *xa, *ta;

  while (dz_data_loader_next (loader, &xa, &ta, error))
    {
      g_autoptr(DzArray) x_batch = xa, t_batch = ta;
      g_autoptr(DzVariable) x = dz_variable_new (x_batch);
      g_autoptr(DzVariable) t = dz_variable_new (t_batch);
      g_autoptr(DzVariable) y = NULL, acc = NULL;
      gsize n = dz_array_get_size (t_batch);

      if ((y = dz_layer_call1 (model, x, error)) == NULL || (acc = dz_accuracy (y, t, error)) == NULL)
        return FALSE;
      sums[0] += dz_array_item (dz_variable_get_data (acc)) * n;
      sums[1] += n;
    }
  if (error != NULL && *error != NULL)
    return FALSE;
  if (!dz_communicator_allreduce_sum (comm, sums, 2, error))
    return FALSE;
  *accuracy = sums[0] / sums[1];
  return TRUE;
}

static int
run (DzCommunicator *comm, int epochs, gsize batch_size, gboolean adam, double lr, guint64 seed,
     const char *output)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DzFashionMNIST) train_set = NULL, test_set = NULL;
  g_autoptr(DzDataLoader) loader = NULL;
  g_autoptr(DzGenerator) generator = dz_generator_new (seed);
  g_autoptr(DzLayer) model = new_model (generator);
  g_autoptr(DzOptimizer) optimizer = adam ? dz_adam_new (lr, 0.9, 0.999, 1e-8) : dz_sgd_new (lr);
  double accuracy, comm_s = 0;
  gint64 start;

  if ((train_set = dz_fashion_mnist_new (TRUE, &error)) == NULL
      || (test_set = dz_fashion_mnist_new (FALSE, &error)) == NULL)
    return fail ("cannot read Fashion-MNIST", error);
  /* Every rank starts from rank 0's weights. */
  if (!dz_communicator_broadcast_parameters (comm, model, 0, &error))
    return fail ("broadcasting the weights", error);
  dz_optimizer_setup (optimizer, model);
  loader = shard_loader (DZ_DATASET (train_set), batch_size, TRUE, seed);
  if (rank == 0)
    g_print ("Fashion-MNIST on %d rank%s: %" G_GSIZE_FORMAT " training images, %" G_GSIZE_FORMAT
             " per rank and epoch in %" G_GSIZE_FORMAT " steps of %" G_GSIZE_FORMAT
             " (%" G_GSIZE_FORMAT " per step in all); MLP 784-1000-10 ReLU, float32, %s lr %g\n",
             size, size > 1 ? "s" : "", dz_dataset_get_length (DZ_DATASET (train_set)),
             dz_data_loader_get_n_batches (loader) * batch_size, dz_data_loader_get_n_batches (loader),
             batch_size, batch_size * size, adam ? "Adam" : "SGD", lr);

  start = g_get_monotonic_time ();
  for (int epoch = 1; epoch <= epochs; epoch++)
    {
      gint64 epoch_start = g_get_monotonic_time ();
      /* Loss and correct answers summed over samples, and the samples. */
      double sums[3] = { 0, 0, 0 }, epoch_s;
      gboolean agree;
      DzArray *xa, *ta;

      while (dz_data_loader_next (loader, &xa, &ta, &error))
        {
          g_autoptr(DzArray) x_batch = xa, t_batch = ta;
          g_autoptr(DzVariable) x = dz_variable_new (x_batch);
          g_autoptr(DzVariable) t = dz_variable_new (t_batch);
          g_autoptr(DzVariable) y = NULL, loss = NULL, acc = NULL;
          gsize n = dz_array_get_size (t_batch);
          gint64 reduce_start;

          dz_variable_set_requires_grad (x, FALSE);
          if ((y = dz_layer_call1 (model, x, &error)) == NULL
              || (loss = dz_softmax_cross_entropy (y, t, &error)) == NULL
              || (acc = dz_accuracy (y, t, &error)) == NULL)
            return fail (NULL, error);
          dz_layer_cleargrads (model);
          if (!dz_variable_backward (loss, &error))
            return fail (NULL, error);
          reduce_start = g_get_monotonic_time ();
          if (!dz_communicator_allreduce_gradients (comm, model, &error))
            return fail ("reducing the gradients", error);
          comm_s += (g_get_monotonic_time () - reduce_start) / 1e6;
          if (!dz_optimizer_update (optimizer, &error))
            return fail (NULL, error);
          sums[0] += dz_array_item (dz_variable_get_data (loss)) * n;
          sums[1] += dz_array_item (dz_variable_get_data (acc)) * n;
          sums[2] += n;
        }
      if (error != NULL)
        return fail (NULL, error);
      epoch_s = (g_get_monotonic_time () - epoch_start) / 1e6;
      agree = dz_communicator_parameters_agree (comm, model, &error);
      if (error != NULL || !dz_communicator_allreduce_sum (comm, sums, 3, &error))
        return fail ("summing the metrics", error);
      if (rank == 0)
        g_print ("epoch %d/%d  loss %.4f  accuracy %.4f  %.0f samples/s  %.1f s  "
                 "(all-reduce %.2f ms/step)  parameters identical on all ranks: %s\n",
                 epoch, epochs, sums[0] / sums[2], sums[1] / sums[2], sums[2] / epoch_s, epoch_s,
                 comm_s * 1e3 / (epoch * dz_data_loader_get_n_batches (loader)),
                 agree ? "yes" : "NO");
      if (!agree)
        return 1;
    }

  if (!test_accuracy (comm, model, DZ_DATASET (test_set), &accuracy, &error))
    return fail ("testing", error);
  if (rank == 0)
    g_print ("test accuracy %.2f%% (%.1f s of training)\n", accuracy * 100,
             (g_get_monotonic_time () - start) / 1e6);

  /* One rank saves; the others wait until the file is complete. */
  if (rank == 0 && !dz_layer_save_weights (model, output, &error))
    return fail ("saving the weights", error);
  if (!dz_communicator_barrier (comm, &error))
    return fail (NULL, error);
  if (rank == 0)
    g_print ("weights saved to %s by rank 0\n", output);

  /* Loading: rank 0 reads the file (the others may not see it, on other
   * hosts), then broadcasts. */
  {
    g_autoptr(DzLayer) reloaded = new_model (NULL);
    double again;

    if (rank == 0 && !dz_layer_load_weights (reloaded, output, &error))
      return fail ("loading the weights back", error);
    if (!dz_communicator_broadcast_parameters (comm, reloaded, 0, &error))
      return fail ("broadcasting the loaded weights", error);
    if (!test_accuracy (comm, reloaded, DZ_DATASET (test_set), &again, &error))
      return fail ("testing the reloaded model", error);
    if (rank == 0)
      g_print ("reloaded on rank 0 and broadcast: test accuracy %.2f%%%s\n", again * 100,
               again == accuracy ? " (the same)" : " (DIFFERENT)");
    if (again != accuracy)
      return 1;
  }
  return 0;
}

int
main (int argc, char *argv[])
{
  int epochs = 5, batch = 100;
  gboolean adam = FALSE;
  double lr = -1;
  gint64 seed = 0;
  g_auto(GStrv) rest = NULL;
  GOptionEntry entries[] = {
    { "epochs", 'e', 0, G_OPTION_ARG_INT, &epochs, "Epochs to train (5)", "N" },
    { "batch", 'b', 0, G_OPTION_ARG_INT, &batch, "Samples per step on each rank (100)", "B" },
    { "adam", 0, 0, G_OPTION_ARG_NONE, &adam, "Adam instead of SGD", NULL },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, "Learning rate (SGD 0.1, Adam 0.001)", "LR" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the weights and the shuffle (0)", "S" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, "[OUTPUT]" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[OUTPUT] - train an MLP on Fashion-MNIST with MPI");
  g_autoptr(GError) error = NULL;
  g_autoptr(DzCommunicator) comm = NULL;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail (NULL, error) + 1;
  if (epochs <= 0 || batch <= 0 || seed < 0 || (rest != NULL && g_strv_length (rest) > 1))
    {
      g_printerr ("fashion-mnist-mpi: --epochs and --batch must be positive, --seed not "
                  "negative, and one OUTPUT at most\n");
      return 2;
    }
  if (lr < 0)
    lr = adam ? 0.001 : 0.1;
  if ((comm = dz_communicator_new (&error)) == NULL)
    return fail ("joining the MPI job", error);
  rank = dz_communicator_get_rank (comm);
  size = dz_communicator_get_size (comm);

  status = run (comm, epochs, batch, adam, lr, (guint64) seed,
                rest != NULL && rest[0] != NULL ? rest[0] : DEFAULT_OUTPUT);
  g_clear_object (&comm);
  if (status == 0 && (dz_live_count (DZ_LIVE_ARRAY) || dz_live_count (DZ_LIVE_VARIABLE)
                      || dz_live_count (DZ_LIVE_FUNCTION)))
    {
      g_printerr ("fashion-mnist-mpi (rank %d): objects left alive\n", rank);
      return 1;
    }
  return status;
}
