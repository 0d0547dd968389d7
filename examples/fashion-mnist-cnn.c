/* fashion-mnist-cnn.c: a small convolutional network trained on
 * Fashion-MNIST in float32 with batches of 100, then tested, then its
 * weights saved in a safetensors file; a fresh model loads it back and
 * must give the same test accuracy.
 *
 *   conv 3x3, 16 channels, pad 1 -> ReLU -> max-pool 2
 *   [--two-convs: conv 3x3, 32 channels, pad 1 -> ReLU -> max-pool 2]
 *   -> linear 10
 *
 *   fashion-mnist-cnn [--epochs N] [--two-convs] [--adam] [--lr LR] [--seed S] [OUTPUT]
 *
 * OUTPUT defaults to /tmp/fashion-mnist-cnn.safetensors (parameters
 * "c1.W", "c1.b", ["c2.W", "c2.b",] "fc.W", "fc.b"). SGD with lr 0.1, or
 * Adam (alpha 0.001) with --adam. Measured (seed 0): 87.95% test accuracy
 * after 3 epochs of the one-conv model with SGD; 90.13% after 8 epochs with
 * --two-convs --adam (89.76% after 6).
 * Needs Debian's dataset-fashion-mnist package.
 *
 * SPDX-License-Identifier: MIT
 */

#include <stdio.h>
#include <unistd.h>

#include <dezero-glib.h>

#define BATCH_SIZE 100
#define DEFAULT_OUTPUT "/tmp/fashion-mnist-cnn.safetensors"

/* The model: a layer of its own whose sub-layers are registered, so that
 * the optimizer, cleargrads and the weights file see every parameter. */
#define CNN_TYPE_MODEL (cnn_model_get_type ())
G_DECLARE_FINAL_TYPE (CnnModel, cnn_model, CNN, MODEL, DzLayer)

struct _CnnModel
{
  DzLayer parent_instance;
  DzLayer *c1, *c2, *fc;   /* borrowed: the layer holds them */
};

G_DEFINE_FINAL_TYPE (CnnModel, cnn_model, DZ_TYPE_LAYER)

/* conv -> ReLU -> max-pool 2 */
static DzVariable *
conv_block (DzLayer *conv, DzVariable *x, GError **error)
{
  g_autoptr(DzVariable) h = dz_layer_call1 (conv, x, error);
  g_autoptr(DzVariable) r = h ? dz_relu (h, error) : NULL;

  return r ? dz_pooling (r, 2, 2, 2, 2, 0, 0, error) : NULL;
}

static GPtrArray *
cnn_model_forward (DzLayer *layer, GPtrArray *inputs, GError **error)
{
  CnnModel *self = CNN_MODEL (layer);
  g_autoptr(DzVariable) h1 = conv_block (self->c1, g_ptr_array_index (inputs, 0), error);
  g_autoptr(DzVariable) h2 = h1 && self->c2 ? conv_block (self->c2, h1, error) : NULL;
  g_autoptr(DzVariable) flat = NULL;
  DzVariable *y;
  GPtrArray *outputs;

  if (h1 == NULL || (self->c2 != NULL && h2 == NULL))
    return NULL;
  if ((flat = dz_flatten (h2 ? h2 : h1, error)) == NULL
      || (y = dz_layer_call1 (self->fc, flat, error)) == NULL)
    return NULL;
  outputs = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (outputs, y);
  return outputs;
}

static void
cnn_model_class_init (CnnModelClass *klass)
{
  DZ_LAYER_CLASS (klass)->forward = cnn_model_forward;
}

static void
cnn_model_init (CnnModel *self)
{
}

static DzLayer *
cnn_model_new (gboolean two_convs, DzGenerator *generator)
{
  CnnModel *self = g_object_new (CNN_TYPE_MODEL, NULL);
  g_autoptr(DzLayer) c1 = dz_conv2d_layer_new (1, 16, 3, 3, 1, 1, 1, 1, FALSE, DZ_DTYPE_FLOAT32,
                                               generator);
  g_autoptr(DzLayer) c2 = two_convs
    ? dz_conv2d_layer_new (16, 32, 3, 3, 1, 1, 1, 1, FALSE, DZ_DTYPE_FLOAT32, generator) : NULL;
  g_autoptr(DzLayer) fc = dz_linear_layer_new_with_in_size (two_convs ? 32 * 7 * 7 : 16 * 14 * 14,
                                                            10, FALSE, DZ_DTYPE_FLOAT32, generator);

  dz_layer_add_layer (DZ_LAYER (self), "c1", c1);
  self->c1 = c1;
  if (c2 != NULL)
    {
      dz_layer_add_layer (DZ_LAYER (self), "c2", c2);
      self->c2 = c2;
    }
  dz_layer_add_layer (DZ_LAYER (self), "fc", fc);
  self->fc = fc;
  return DZ_LAYER (self);
}

static int
fail (const char *what,
      GError     *error)
{
  g_printerr ("fashion-mnist-cnn: %s%s%s\n", what ? what : "", what ? ": " : "",
              error ? error->message : "failed");
  return 1;
}

/* The loader's rows of 784 pixels as images (N, 1, 28, 28), reshaped as
 * an array: a variable made from it takes no gradient, so the first
 * convolution computes none for it (a reshape in the graph would). */
static DzVariable *
images_of (DzArray *batch, GError **error)
{
  const gssize shape[4] = { -1, 1, 28, 28 };
  g_autoptr(DzArray) images = dz_array_reshape (batch, shape, 4, error);
  DzVariable *x = images ? dz_variable_new (images) : NULL;

  if (x != NULL)
    dz_variable_set_requires_grad (x, FALSE);
  return x;
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
      g_autoptr(DzArray) x_batch = xa, t_batch = ta;
      g_autoptr(DzVariable) x = images_of (x_batch, error);
      g_autoptr(DzVariable) t = dz_variable_new (t_batch);
      g_autoptr(DzVariable) y = NULL, acc = NULL;

      if (x == NULL || (y = dz_layer_call1 (model, x, error)) == NULL || (acc = dz_accuracy (y, t, error)) == NULL)
        return FALSE;
      correct += dz_array_item (dz_variable_get_data (acc)) * dz_array_get_size (t_batch);
    }
  if (error != NULL && *error != NULL)
    return FALSE;
  *accuracy = correct / dz_dataset_get_length (dataset);
  return TRUE;
}

static int
run (int epochs, gboolean two_convs, gboolean adam, double lr, guint64 seed, const char *output)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DzFashionMNIST) train_set = NULL, test_set = NULL;
  g_autoptr(DzDataLoader) loader = NULL;
  g_autoptr(DzGenerator) generator = dz_generator_new (seed);
  g_autoptr(DzLayer) model = cnn_model_new (two_convs, generator);
  g_autoptr(DzOptimizer) optimizer = adam ? dz_adam_new (lr, 0.9, 0.999, 1e-8) : dz_sgd_new (lr);
  gboolean tty = isatty (fileno (stderr));
  gsize n_batches;
  gint64 start;
  double accuracy;

  if ((train_set = dz_fashion_mnist_new (TRUE, &error)) == NULL)
    return fail ("cannot read the training set", error);
  if ((test_set = dz_fashion_mnist_new (FALSE, &error)) == NULL)
    return fail ("cannot read the test set", error);
  dz_optimizer_setup (optimizer, model);
  loader = dz_data_loader_new (DZ_DATASET (train_set), BATCH_SIZE, TRUE, seed);
  n_batches = dz_data_loader_get_n_batches (loader);
  g_print ("Fashion-MNIST: CNN conv3x3x16%s -> linear 10, float32, batch %d, %s lr %g, "
           "%d epochs\n", two_convs ? " -> conv3x3x32" : "", BATCH_SIZE, adam ? "Adam" : "SGD",
           lr, epochs);

  start = g_get_monotonic_time ();
  for (int epoch = 1; epoch <= epochs; epoch++)
    {
      gint64 epoch_start = g_get_monotonic_time ();
      double sum_loss = 0, sum_acc = 0, epoch_s;
      gsize seen = 0, batch = 0;
      DzArray *xa, *ta;

      while (dz_data_loader_next (loader, &xa, &ta, &error))
        {
          g_autoptr(DzArray) x_batch = xa, t_batch = ta;
          g_autoptr(DzVariable) x = images_of (x_batch, &error);
          g_autoptr(DzVariable) t = dz_variable_new (t_batch);
          g_autoptr(DzVariable) y = NULL, loss = NULL, acc = NULL;
          gsize n = dz_array_get_size (t_batch);

          if (x == NULL || (y = dz_layer_call1 (model, x, &error)) == NULL
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
            fprintf (stderr, "\repoch %d/%d  %5.1f%%  loss %.4f  acc %.4f  %6.0f samples/s   ",
                     epoch, epochs, 100.0 * batch / n_batches, sum_loss / seen, sum_acc / seen,
                     seen / ((g_get_monotonic_time () - epoch_start) / 1e6));
        }
      if (error != NULL)
        return fail (NULL, error);
      if (tty)
        fprintf (stderr, "\r%*s\r", 80, "");
      epoch_s = (g_get_monotonic_time () - epoch_start) / 1e6;
      g_print ("epoch %d/%d  loss %.4f  accuracy %.4f  %.0f samples/s  %.1f s\n", epoch, epochs,
               sum_loss / seen, sum_acc / seen, seen / epoch_s, epoch_s);
    }

  if (!test_accuracy (model, DZ_DATASET (test_set), &accuracy, &error))
    return fail ("testing", error);
  g_print ("test accuracy %.2f%% (%.1f s of training)\n", accuracy * 100,
           (g_get_monotonic_time () - start) / 1e6);

  if (!dz_layer_save_weights (model, output, &error))
    return fail ("saving the weights", error);
  g_print ("weights saved to %s\n", output);

  {
    g_autoptr(DzLayer) reloaded = cnn_model_new (two_convs, NULL);
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
  int epochs = 3;
  gboolean two_convs = FALSE, adam = FALSE;
  double lr = -1;
  gint64 seed = 0;
  g_auto(GStrv) rest = NULL;
  GOptionEntry entries[] = {
    { "epochs", 'e', 0, G_OPTION_ARG_INT, &epochs, "Epochs to train (3)", "N" },
    { "two-convs", 0, 0, G_OPTION_ARG_NONE, &two_convs, "A second convolution, 32 channels", NULL },
    { "adam", 0, 0, G_OPTION_ARG_NONE, &adam, "Adam instead of SGD", NULL },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, "Learning rate (SGD 0.1, Adam 0.001)", "LR" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the weights and the shuffle (0)", "S" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, "[OUTPUT]" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[OUTPUT] - train a CNN on Fashion-MNIST");
  g_autoptr(GError) error = NULL;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail (NULL, error) + 1;
  if (epochs <= 0 || seed < 0 || lr == 0 || (rest != NULL && g_strv_length (rest) > 1))
    {
      g_printerr ("fashion-mnist-cnn: --epochs and --lr must be positive, --seed not negative, "
                  "and one OUTPUT at most\n");
      return 2;
    }
  if (lr < 0)
    lr = adam ? 0.001 : 0.1;

  status = run (epochs, two_convs, adam, lr, (guint64) seed,
                rest != NULL && rest[0] != NULL ? rest[0] : DEFAULT_OUTPUT);
  g_print ("live objects at the end: %u arrays, %u variables, %u functions\n",
           dz_live_count (DZ_LIVE_ARRAY), dz_live_count (DZ_LIVE_VARIABLE),
           dz_live_count (DZ_LIVE_FUNCTION));
  if (status == 0 && (dz_live_count (DZ_LIVE_ARRAY) || dz_live_count (DZ_LIVE_VARIABLE)
                      || dz_live_count (DZ_LIVE_FUNCTION)))
    return 1;
  return status;
}
