/* test-training.c: models, optimizers set up on a model, train/test mode
 * and dropout, and a whole training run as DeZero's step 48 does it
 *
 * SPDX-License-Identifier: MIT
 */

#include <glib/gstdio.h>

#include "dz-test-utils.h"

static DzLayer *
small_mlp (guint64 seed)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (seed);

  return dz_mlp_new ((gsize[]) { 5, 2 }, 2, DZ_MLP_ACTIVATION_SIGMOID, DZ_DTYPE_FLOAT64, gen);
}

static void
test_mlp_is_model (void)
{
  g_autoptr(DzLayer) model = small_mlp (1);
  g_autoptr(DzVariable) x = dz_test_randn ((gsize[]) { 4, 3 }, 2, 2);
  g_autoptr(GPtrArray) inputs = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dot = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;

  g_assert_true (DZ_IS_MODEL (model));
  g_ptr_array_add (inputs, x);

  dot = g_find_program_in_path ("dot");
  if (dot == NULL)
    {
      g_assert_false (dz_model_plot (DZ_MODEL (model), inputs, "/tmp/unused.png", &error));
      g_assert_error (error, DZ_ERROR, DZ_ERROR_NOT_AVAILABLE);
      return;
    }
  dir = g_dir_make_tmp ("dz-plot-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "model.dot", NULL);
  /* Inside no_grad too: plotting records the graph it draws. */
  dz_set_enable_backprop (FALSE);
  g_assert_true (dz_model_plot (DZ_MODEL (model), inputs, path, &error));
  dz_set_enable_backprop (TRUE);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_nonnull (strstr (text, "Linear"));
  g_assert_nonnull (strstr (text, "Sigmoid"));
  g_unlink (path);
  g_rmdir (dir);
}

/* A model with one linear layer registered under two names. */
static DzLayer *
shared_model (DzLayer **shared_out)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (3);
  g_autoptr(DzLayer) shared = dz_linear_layer_new_with_in_size (2, 2, FALSE, DZ_DTYPE_FLOAT64,
                                                                gen);
  DzLayer *model = dz_mlp_new ((gsize[]) { 2 }, 1, DZ_MLP_ACTIVATION_SIGMOID, DZ_DTYPE_FLOAT64,
                               gen);

  dz_layer_add_layer (model, "a", shared);
  dz_layer_add_layer (model, "b", shared);
  *shared_out = shared;
  return model;
}

static void
test_setup_lists_target (void)
{
  DzLayer *shared;
  g_autoptr(DzLayer) model = shared_model (&shared);
  g_autoptr(DzOptimizer) opt = dz_sgd_new (0.5);
  g_autoptr(GPtrArray) listed = dz_layer_list_parameters (model);
  g_autoptr(GError) error = NULL;
  GPtrArray *params;
  DzParameter *W = dz_layer_get_parameter (shared, "W");
  g_autoptr(DzArray) before = NULL;
  g_autoptr(DzParameter) extra = NULL;

  g_assert_true (dz_optimizer_setup (opt, model) == opt);
  g_assert_true (dz_optimizer_get_target (opt) == model);
  /* l0.W, l0.b, a.W, a.b, b.W, b.b listed; each parameter once. */
  g_assert_cmpuint (listed->len, ==, 6);
  params = dz_optimizer_get_parameters (opt);
  g_assert_cmpuint (params->len, ==, 4);

  /* A shared parameter moves once per step, as PyTorch's optimizers move
   * it (DeZero would move it twice). */
  before = g_object_ref (dz_variable_get_data (DZ_VARIABLE (W)));
  {
    g_autoptr(DzArray) ones = dz_array_new_ones ((gsize[]) { 2, 2 }, 2, NULL);
    g_autoptr(DzVariable) grad = dz_variable_new (ones);

    dz_variable_set_grad (DZ_VARIABLE (W), grad);
  }
  g_assert_true (dz_optimizer_update (opt, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (dz_array_get_value (dz_variable_get_data (DZ_VARIABLE (W)), i),
                                    dz_array_get_value (before, i) - 0.5, 1e-15);

  /* Parameters registered later are picked up at the next update. */
  {
    g_autoptr(DzArray) one = dz_array_new_scalar (1.0);
    g_autoptr(DzVariable) two = dz_variable_new_scalar (2.0);

    extra = dz_parameter_new (one, "extra");
    dz_layer_add_parameter (model, "extra", extra);
    dz_variable_set_grad (DZ_VARIABLE (extra), two);
  }
  g_assert_true (dz_optimizer_update (opt, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dz_optimizer_get_parameters (opt)->len, ==, 5);
  g_assert_cmpfloat (dz_test_value (DZ_VARIABLE (extra)), ==, 0.0);

  /* set_parameters() forgets the target. */
  dz_optimizer_set_parameters (opt, listed);
  g_assert_null (dz_optimizer_get_target (opt));
}

static void
test_freeze_layer (void)
{
  g_autoptr(DzLayer) model = small_mlp (4);
  g_autoptr(DzOptimizer) opt = dz_sgd_new (0.1);
  g_autoptr(DzVariable) x = dz_test_randn ((gsize[]) { 4, 3 }, 2, 5);
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(DzVariable) loss = NULL;
  g_autoptr(DzOptimizerHook) freeze = NULL;
  g_autoptr(GError) error = NULL;
  DzLayer *l0, *l1;
  g_autoptr(DzArray) W0 = NULL;
  g_autoptr(DzArray) W1 = NULL;

  y = dz_layer_call1 (model, x, &error);
  g_assert_no_error (error);
  loss = dz_sum (y, NULL, 0, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (dz_variable_backward (loss, &error));
  g_assert_no_error (error);

  l0 = dz_layer_get_layer (model, "l0");
  l1 = dz_layer_get_layer (model, "l1");
  W0 = dz_array_astype (dz_variable_get_data (DZ_VARIABLE (dz_layer_get_parameter (l0, "W"))),
                        DZ_DTYPE_FLOAT64, NULL);
  W1 = dz_array_astype (dz_variable_get_data (DZ_VARIABLE (dz_layer_get_parameter (l1, "W"))),
                        DZ_DTYPE_FLOAT64, NULL);
  freeze = dz_freeze_param_new_for_layer (l0);
  dz_optimizer_setup (opt, model);
  dz_optimizer_add_hook (opt, freeze);
  g_assert_true (dz_optimizer_update (opt, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < 15; i++)
    g_assert_cmpfloat (dz_array_get_value (dz_variable_get_data (DZ_VARIABLE (dz_layer_get_parameter (l0, "W"))), i),
                       ==, dz_array_get_value (W0, i));
  g_assert_cmpfloat (dz_array_get_value (dz_variable_get_data (DZ_VARIABLE (dz_layer_get_parameter (l1, "W"))), 0),
                     !=, dz_array_get_value (W1, 0));
}

static void
test_train_mode_per_thread (void)
{
  g_assert_true (dz_get_train ());
  g_assert_true (dz_set_train (FALSE));
  g_assert_false (dz_get_train ());
  {
    GThread *thread = g_thread_new ("other", (GThreadFunc) (void (*) (void)) dz_get_train, NULL);

    /* A new thread starts in training mode whatever this one is in. */
    g_assert_true (GPOINTER_TO_INT (g_thread_join (thread)));
  }
  g_assert_false (dz_set_train (TRUE));
  g_assert_true (dz_get_train ());
}

static void
test_dropout (void)
{
  gsize n = 10000;
  g_autoptr(DzGenerator) gen = dz_generator_new (7);
  g_autoptr(DzArray) ones = dz_array_new_ones (&n, 1, NULL);
  g_autoptr(DzVariable) x = dz_variable_new (ones);
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(DzVariable) loss = NULL;
  g_autoptr(DzVariable) same = NULL;
  g_autoptr(GError) error = NULL;
  gsize kept = 0;
  double sum = 0;

  y = dz_dropout (x, 0.3, gen, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    {
      double v = dz_array_get_value (dz_variable_get_data (y), i);

      /* Inverted dropout: kept values are scaled by 1 / (1 - ratio). */
      g_assert_true (v == 0.0 || fabs (v - 1.0 / 0.7) < 1e-15);
      kept += v != 0.0;
      sum += v;
    }
  g_assert_cmpfloat (fabs ((double) kept / n - 0.7), <, 0.02);
  g_assert_cmpfloat (fabs (sum / n - 1.0), <, 0.03);

  /* The gradient is the mask. */
  loss = dz_sum (y, NULL, 0, FALSE, &error);
  g_assert_true (dz_variable_backward (loss, &error));
  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat (dz_array_get_value (dz_variable_get_data (dz_variable_get_grad (x)), i), ==,
                       dz_array_get_value (dz_variable_get_data (y), i));

  /* float32 in, float32 out. */
  {
    g_autoptr(DzArray) f32 = dz_array_astype (ones, DZ_DTYPE_FLOAT32, NULL);
    g_autoptr(DzVariable) x32 = dz_variable_new (f32);
    g_autoptr(DzVariable) y32 = dz_dropout (x32, 0.5, gen, &error);

    g_assert_no_error (error);
    g_assert_cmpint (dz_array_get_dtype (dz_variable_get_data (y32)), ==, DZ_DTYPE_FLOAT32);
  }

  /* Test mode: x itself. */
  dz_set_train (FALSE);
  same = dz_dropout (x, 0.3, NULL, &error);
  dz_set_train (TRUE);
  g_assert_no_error (error);
  g_assert_true (same == x);

  /* Bad ratios are errors. */
  g_assert_null (dz_dropout (x, 1.0, NULL, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (dz_dropout (x, -0.1, NULL, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (dz_dropout (x, NAN, NULL, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
}

/* DeZero's step 48: spiral, MLP (10, 3), SGD lr 1.0, batch 30. */
static void
test_spiral_training (void)
{
  g_autoptr(DzDataset) train = DZ_DATASET (dz_spiral_new (TRUE));
  g_autoptr(DzDataLoader) loader = dz_data_loader_new (train, 30, TRUE, 1);
  g_autoptr(DzGenerator) gen = dz_generator_new (0);
  g_autoptr(DzLayer) model = dz_mlp_new ((gsize[]) { 10, 3 }, 2, DZ_MLP_ACTIVATION_SIGMOID,
                                         DZ_DTYPE_FLOAT64, gen);
  g_autoptr(DzOptimizer) opt = dz_sgd_new (1.0);
  g_autoptr(GError) error = NULL;
  guint n_epochs = dz_test_scaled (300);
  double first = 0, loss_sum = 0, acc_sum = 0;
  gsize n_seen = 0;

  dz_optimizer_setup (opt, model);

  for (guint epoch = 0; epoch < n_epochs; epoch++)
    {
      DzArray *xb, *tb;

      loss_sum = acc_sum = 0;
      n_seen = 0;
      while (dz_data_loader_next (loader, &xb, &tb, &error))
        {
          g_autoptr(DzVariable) x = dz_variable_new (xb);
          g_autoptr(DzVariable) t = dz_variable_new (tb);
          g_autoptr(DzVariable) y = NULL;
          g_autoptr(DzVariable) loss = NULL;
          g_autoptr(DzVariable) acc = NULL;
          gsize n = dz_array_get_shape (xb, NULL)[0];

          g_object_unref (xb);
          g_object_unref (tb);
          y = dz_layer_call1 (model, x, &error);
          g_assert_no_error (error);
          loss = dz_softmax_cross_entropy (y, t, &error);
          g_assert_no_error (error);
          acc = dz_accuracy (y, t, &error);
          g_assert_no_error (error);
          dz_layer_cleargrads (model);
          g_assert_true (dz_variable_backward (loss, &error));
          g_assert_no_error (error);
          g_assert_true (dz_optimizer_update (opt, &error));
          g_assert_no_error (error);
          loss_sum += dz_test_value (loss) * n;
          acc_sum += dz_test_value (acc) * n;
          n_seen += n;
        }
      g_assert_no_error (error);
      g_assert_cmpuint (n_seen, ==, 300);
      if (epoch == 0)
        first = loss_sum / n_seen;
    }
  g_test_message ("spiral: %u epochs, loss %.4f -> %.4f, accuracy %.3f", n_epochs, first,
                  loss_sum / n_seen, acc_sum / n_seen);
  g_assert_cmpfloat (first, >, 1.0);
  if (n_epochs == 300)
    {
      /* DeZero's book shows the loss near 0.2 after 300 epochs. */
      g_assert_cmpfloat (loss_sum / n_seen, <, 0.35);
      g_assert_cmpfloat (acc_sum / n_seen, >, 0.85);
    }
  else
    g_assert_cmpfloat (loss_sum / n_seen, <, first);
}

static void
wrap (gconstpointer data)
{
  ((GTestFunc) data) ();
  dz_assert_no_live_objects ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/training/mlp-is-model", test_mlp_is_model, wrap);
  g_test_add_data_func ("/training/setup-lists-target", test_setup_lists_target, wrap);
  g_test_add_data_func ("/training/freeze-layer", test_freeze_layer, wrap);
  g_test_add_data_func ("/training/train-mode-per-thread", test_train_mode_per_thread, wrap);
  g_test_add_data_func ("/training/dropout", test_dropout, wrap);
  g_test_add_data_func ("/training/spiral", test_spiral_training, wrap);

  return g_test_run ();
}
