/* fashion-mnist-mlp.c: a 784-1000-10 ReLU MLP trained on Fashion-MNIST in
 * float32 with batches of 100, then tested, then its weights saved in a
 * safetensors file (parameters "l0.W", "l0.b", "l1.W", "l1.b") that the
 * Python and GJS examples load; a fresh model loads it back and must give
 * the same test accuracy.
 *
 *   fashion-mnist-mlp [--epochs N] [--adam] [--lr LR] [--seed S] [OUTPUT]
 *
 * OUTPUT defaults to /tmp/fashion-mnist-mlp.safetensors. SGD with lr 0.1
 * by default; --adam uses Adam (alpha 0.001). Needs Debian's
 * dataset-fashion-mnist package (/usr/share/datasets/fashion-mnist).
 *
 * SPDX-License-Identifier: MIT
 */

#include <stdio.h>
#include <unistd.h>

#include <dezero-glib.h>

#define BATCH_SIZE 100
#define DEFAULT_OUTPUT "/tmp/fashion-mnist-mlp.safetensors"

static int
fail (const char *what,
      GError     *error)
{
  g_printerr ("fashion-mnist-mlp: %s%s%s\n", what ? what : "", what ? ": " : "",
              error ? error->message : "failed");
  return 1;
}

static void
format_duration (double seconds,
                 char  *out,
                 gsize  size)
{
  int s = (int) (seconds + 0.5);

  if (s >= 3600)
    g_snprintf (out, size, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  else
    g_snprintf (out, size, "%d:%02d", s / 60, s % 60);
}

/* The accuracy of @model on @dataset, in batches, without a graph. */
static gboolean
test_accuracy (DzLayer    *model,
               DzDataset  *dataset,
               double     *accuracy,
               GError    **error)
{
  g_autoptr(DzNoGradGuard) guard = dz_no_grad_guard_new ();
  g_autoptr(DzDataLoader) loader = dz_data_loader_new (dataset, 1000, FALSE, 0);
  double correct = 0;
  DzArray *xa, *ta;

  while (dz_data_loader_next (loader, &xa, &ta, error))
    {
      g_autoptr(DzVariable) x = dz_variable_new (xa);
      g_autoptr(DzVariable) t = dz_variable_new (ta);
      g_autoptr(DzVariable) y = NULL, acc = NULL;
      gsize n = dz_array_get_size (ta);

      g_object_unref (xa);
      g_object_unref (ta);
      if ((y = dz_layer_call1 (model, x, error)) == NULL || (acc = dz_accuracy (y, t, error)) == NULL)
        return FALSE;
      correct += dz_array_item (dz_variable_get_data (acc)) * n;
    }
  if (error != NULL && *error != NULL)
    return FALSE;
  *accuracy = correct / dz_dataset_get_length (dataset);
  return TRUE;
}

static int
run (int epochs, gboolean adam, double lr, guint64 seed, const char *output)
{
  const gsize sizes[] = { 1000, 10 };
  g_autoptr(GError) error = NULL;
  g_autoptr(DzFashionMNIST) train_set = NULL, test_set = NULL;
  g_autoptr(DzDataLoader) loader = NULL;
  g_autoptr(DzGenerator) generator = dz_generator_new (seed);
  g_autoptr(DzLayer) model = dz_mlp_new (sizes, G_N_ELEMENTS (sizes), DZ_MLP_ACTIVATION_RELU,
                                         DZ_DTYPE_FLOAT32, generator);
  g_autoptr(DzOptimizer) optimizer = adam ? dz_adam_new (lr, 0.9, 0.999, 1e-8) : dz_sgd_new (lr);
  gboolean tty = isatty (fileno (stderr));
  gsize n_train, n_batches;
  gint64 start;
  double accuracy;

  train_set = dz_fashion_mnist_new (TRUE, &error);
  if (train_set == NULL)
    return fail ("cannot read the training set", error);
  test_set = dz_fashion_mnist_new (FALSE, &error);
  if (test_set == NULL)
    return fail ("cannot read the test set", error);
  dz_optimizer_setup (optimizer, model);
  n_train = dz_dataset_get_length (DZ_DATASET (train_set));
  loader = dz_data_loader_new (DZ_DATASET (train_set), BATCH_SIZE, TRUE, seed);
  n_batches = dz_data_loader_get_n_batches (loader);
  g_print ("Fashion-MNIST: %" G_GSIZE_FORMAT " training, %" G_GSIZE_FORMAT " test images; "
           "MLP 784-1000-10 ReLU, float32, batch %d, %s lr %g, %d epochs\n",
           n_train, dz_dataset_get_length (DZ_DATASET (test_set)), BATCH_SIZE,
           adam ? "Adam" : "SGD", lr, epochs);

  start = g_get_monotonic_time ();
  for (int epoch = 1; epoch <= epochs; epoch++)
    {
      gint64 epoch_start = g_get_monotonic_time ();
      double sum_loss = 0, sum_acc = 0, epoch_s, elapsed;
      gsize seen = 0, batch = 0;
      char eta[32], took[32];
      DzArray *xa, *ta;

      while (dz_data_loader_next (loader, &xa, &ta, &error))
        {
          g_autoptr(DzArray) x_batch = xa, t_batch = ta;
          g_autoptr(DzVariable) x = dz_variable_new (x_batch);
          g_autoptr(DzVariable) t = dz_variable_new (t_batch);
          g_autoptr(DzVariable) y = NULL, loss = NULL, acc = NULL;
          gsize n = dz_array_get_size (t_batch);

          /* The images take no gradient: the first layer's backward then
           * skips the product that would compute it. */
          dz_variable_set_requires_grad (x, FALSE);
          if ((y = dz_layer_call1 (model, x, &error)) == NULL
              || (loss = dz_softmax_cross_entropy (y, t, &error)) == NULL
              || (acc = dz_accuracy (y, t, &error)) == NULL)
            return fail (NULL, error);
          dz_layer_cleargrads (model);
          if (!dz_variable_backward (loss, &error) || !dz_optimizer_update (optimizer, &error))
            return fail (NULL, error);
          sum_loss += dz_array_item (dz_variable_get_data (loss)) * n;
          sum_acc += dz_array_item (dz_variable_get_data (acc)) * n;
          seen += n;
          if (tty && ++batch % 20 == 0)
            {
              elapsed = (g_get_monotonic_time () - epoch_start) / 1e6;
              format_duration (elapsed / seen * (n_train - seen), eta, sizeof eta);
              fprintf (stderr, "\repoch %d/%d  %5.1f%%  loss %.4f  acc %.4f  %6.0f samples/s  ETA %s   ",
                       epoch, epochs, 100.0 * batch / n_batches, sum_loss / seen, sum_acc / seen,
                       seen / elapsed, eta);
            }
        }
      if (error != NULL)
        return fail (NULL, error);
      if (tty)
        fprintf (stderr, "\r%*s\r", 90, "");
      epoch_s = (g_get_monotonic_time () - epoch_start) / 1e6;
      elapsed = (g_get_monotonic_time () - start) / 1e6;
      format_duration (elapsed / epoch * (epochs - epoch), eta, sizeof eta);
      format_duration (epoch_s, took, sizeof took);
      g_print ("epoch %d/%d  loss %.4f  accuracy %.4f  %.0f samples/s  %s  ETA %s\n", epoch,
               epochs, sum_loss / seen, sum_acc / seen, seen / epoch_s, took, eta);
    }

  if (!test_accuracy (model, DZ_DATASET (test_set), &accuracy, &error))
    return fail ("testing", error);
  g_print ("test accuracy %.2f%% (%.1f s of training)\n", accuracy * 100,
           (g_get_monotonic_time () - start) / 1e6);

  if (!dz_layer_save_weights (model, output, &error))
    return fail ("saving the weights", error);
  g_print ("weights saved to %s\n", output);

  /* A fresh model of the same shape, its weights read back from the file,
   * gives the same answers. */
  {
    g_autoptr(DzLayer) reloaded = dz_mlp_new (sizes, G_N_ELEMENTS (sizes), DZ_MLP_ACTIVATION_RELU,
                                              DZ_DTYPE_FLOAT32, NULL);
    double again;

    if (!dz_layer_load_weights (reloaded, output, &error))
      return fail ("loading the weights back", error);
    if (!test_accuracy (reloaded, DZ_DATASET (test_set), &again, &error))
      return fail ("testing the reloaded model", error);
    g_print ("reloaded from %s: test accuracy %.2f%%%s\n", output, again * 100,
             again == accuracy ? " (the same)" : " (DIFFERENT)");
    if (again != accuracy)
      return 1;
  }
  return 0;
}

int
main (int argc, char *argv[])
{
  int epochs = 5;
  gboolean adam = FALSE;
  double lr = -1;
  gint64 seed = 0;
  g_auto(GStrv) rest = NULL;
  GOptionEntry entries[] = {
    { "epochs", 'e', 0, G_OPTION_ARG_INT, &epochs, "Epochs to train (5)", "N" },
    { "adam", 0, 0, G_OPTION_ARG_NONE, &adam, "Adam instead of SGD", NULL },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, "Learning rate (SGD 0.1, Adam 0.001)", "LR" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the weights and the shuffle (0)", "S" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, "[OUTPUT]" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[OUTPUT] - train an MLP on Fashion-MNIST");
  g_autoptr(GError) error = NULL;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail (NULL, error) + 1;
  if (epochs <= 0 || seed < 0 || (rest != NULL && g_strv_length (rest) > 1))
    {
      g_printerr ("fashion-mnist-mlp: --epochs must be positive, --seed not negative, "
                  "and one OUTPUT at most\n");
      return 2;
    }
  if (lr < 0)
    lr = adam ? 0.001 : 0.1;

  status = run (epochs, adam, lr, (guint64) seed, rest != NULL && rest[0] != NULL ? rest[0] : DEFAULT_OUTPUT);
  g_print ("live objects at the end: %u arrays, %u variables, %u functions\n",
           dz_live_count (DZ_LIVE_ARRAY), dz_live_count (DZ_LIVE_VARIABLE),
           dz_live_count (DZ_LIVE_FUNCTION));
  if (status == 0 && (dz_live_count (DZ_LIVE_ARRAY) || dz_live_count (DZ_LIVE_VARIABLE)
                      || dz_live_count (DZ_LIVE_FUNCTION)))
    return 1;
  return status;
}
