/* step48-spiral.c: DeZero's step 48 in C: the spiral dataset classified by
 * an MLP (hidden 10, sigmoid, 3 classes) trained with SGD (lr 1.0) for 300
 * epochs of shuffled batches of 30, in float64 as DeZero.
 *
 *   step48-spiral [EPOCHS]
 *
 * Prints the mean loss every 30 epochs, then the final loss and accuracy
 * on the training set, the time, and the objects still alive (0 0 0).
 *
 * SPDX-License-Identifier: MIT
 */

#include <stdlib.h>

#include <dezero-glib.h>

#define HIDDEN_SIZE 10
#define BATCH_SIZE 30
#define LR 1.0

static int
fail (GError *error)
{
  g_printerr ("step48-spiral: %s\n", error ? error->message : "failed");
  return 1;
}

/* The loss and accuracy of @model on the whole of @dataset, without a
 * graph. */
static gboolean
evaluate (DzLayer    *model,
          DzDataset  *dataset,
          double     *loss_out,
          double     *accuracy_out,
          GError    **error)
{
  g_autoptr(DzNoGradGuard) guard = dz_no_grad_guard_new ();
  DzArray *data, *label;
  g_autoptr(DzVariable) x = NULL, t = NULL, y = NULL, loss = NULL, acc = NULL;

  if (!dz_dataset_get_arrays (dataset, &data, &label))
    return FALSE;
  x = dz_variable_new (data);
  t = dz_variable_new (label);
  if ((y = dz_layer_call1 (model, x, error)) == NULL
      || (loss = dz_softmax_cross_entropy (y, t, error)) == NULL
      || (acc = dz_accuracy (y, t, error)) == NULL)
    return FALSE;
  *loss_out = dz_array_item (dz_variable_get_data (loss));
  *accuracy_out = dz_array_item (dz_variable_get_data (acc));
  return TRUE;
}

static int
train (int epochs)
{
  const gsize sizes[] = { HIDDEN_SIZE, 3 };
  g_autoptr(GError) error = NULL;
  g_autoptr(DzGenerator) generator = dz_generator_new (0);
  g_autoptr(DzDataset) train_set = DZ_DATASET (dz_spiral_new (TRUE));
  g_autoptr(DzDataLoader) loader = dz_data_loader_new (train_set, BATCH_SIZE, TRUE, 0);
  g_autoptr(DzLayer) model = dz_mlp_new (sizes, G_N_ELEMENTS (sizes), DZ_MLP_ACTIVATION_SIGMOID,
                                         DZ_DTYPE_FLOAT64, generator);
  g_autoptr(DzOptimizer) optimizer = dz_sgd_new (LR);
  gsize data_size = dz_dataset_get_length (train_set);
  gint64 start = g_get_monotonic_time ();
  double seconds, loss, accuracy;
  DzArray *xa, *ta;

  dz_optimizer_setup (optimizer, model);
  for (int epoch = 1; epoch <= epochs; epoch++)
    {
      double sum_loss = 0;

      while (dz_data_loader_next (loader, &xa, &ta, &error))
        {
          g_autoptr(DzArray) x_batch = xa, t_batch = ta;
          /* The batch of data: nobody reads its gradient. */
          g_autoptr(DzVariable) x = dz_variable_new (x_batch);
          g_autoptr(DzVariable) t = dz_variable_new (t_batch);
          g_autoptr(DzVariable) y = NULL, batch_loss = NULL;

          dz_variable_set_requires_grad (x, FALSE);
          if ((y = dz_layer_call1 (model, x, &error)) == NULL
              || (batch_loss = dz_softmax_cross_entropy (y, t, &error)) == NULL)
            return fail (error);
          dz_layer_cleargrads (model);
          if (!dz_variable_backward (batch_loss, &error) || !dz_optimizer_update (optimizer, &error))
            return fail (error);
          sum_loss += dz_array_item (dz_variable_get_data (batch_loss)) * dz_array_get_size (t_batch);
        }
      if (error != NULL)
        return fail (error);
      if (epoch % 30 == 0 || epoch == 1)
        g_print ("epoch %3d, loss %.4f\n", epoch, sum_loss / data_size);
    }
  seconds = (g_get_monotonic_time () - start) / 1e6;

  if (!evaluate (model, train_set, &loss, &accuracy, &error))
    return fail (error);
  g_print ("final loss %.4f, accuracy %.1f%% on the %" G_GSIZE_FORMAT " training points\n",
           loss, accuracy * 100, data_size);
  g_print ("%d epochs of %" G_GSIZE_FORMAT " steps in %.3f s (%.1f us a step)\n", epochs,
           dz_data_loader_get_n_batches (loader), seconds,
           seconds * 1e6 / (epochs * dz_data_loader_get_n_batches (loader)));
  return 0;
}

int
main (int argc, char *argv[])
{
  int epochs = argc > 1 ? atoi (argv[1]) : 300;
  int status;

  if (epochs <= 0)
    {
      g_printerr ("usage: step48-spiral [EPOCHS]\n");
      return 2;
    }
  status = train (epochs);
  g_print ("live objects after training: %u arrays, %u variables, %u functions\n",
           dz_live_count (DZ_LIVE_ARRAY), dz_live_count (DZ_LIVE_VARIABLE),
           dz_live_count (DZ_LIVE_FUNCTION));
  if (status == 0 && (dz_live_count (DZ_LIVE_ARRAY) || dz_live_count (DZ_LIVE_VARIABLE)
                      || dz_live_count (DZ_LIVE_FUNCTION)))
    return 1;
  return status;
}
