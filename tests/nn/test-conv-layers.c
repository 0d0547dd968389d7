/* test-conv-layers.c: DzConv2dLayer and DzDeconv2dLayer
 *
 * SPDX-License-Identifier: MIT
 */

#include "dz-test-utils.h"

static const gsize *
shape_of (DzVariable *v, guint *ndim)
{
  return dz_variable_get_shape (v, ndim);
}

/* W is drawn at the first call from the input's channels, scaled by
 * sqrt (1 / (C KH KW)); the output has the convolution's shape. */
static void
check_lazy_init (gboolean transposed)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (3);
  g_autoptr(DzLayer) layer = transposed
    ? dz_deconv2d_layer_new (0, 8, 3, 3, 2, 2, 1, 1, FALSE, DZ_DTYPE_FLOAT32, gen)
    : dz_conv2d_layer_new (0, 8, 3, 3, 1, 1, 1, 1, FALSE, DZ_DTYPE_FLOAT32, gen);
  const gsize xs[4] = { 2, 16, 7, 7 };
  g_autoptr(DzVariable) x64 = dz_test_randn (xs, 4, 1);
  g_autoptr(DzArray) x32 = dz_array_astype (dz_variable_get_data (x64), DZ_DTYPE_FLOAT32, NULL);
  g_autoptr(DzVariable) x = dz_variable_new (x32);
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(GError) error = NULL;
  DzParameter *W = dz_layer_get_parameter (layer, "W");
  DzParameter *b = dz_layer_get_parameter (layer, "b");
  const gsize w_expected[4] = { transposed ? 16 : 8, transposed ? 8 : 16, 3, 3 };
  const gsize y_expected[4] = { 2, 8, transposed ? 13 : 7, transposed ? 13 : 7 };
  guint64 in_channels;
  const double *w;
  gsize n;
  double sum2 = 0;
  guint ndim;
  g_autoptr(DzArray) w64 = NULL;

  g_assert_null (dz_variable_get_data (DZ_VARIABLE (W)));
  g_assert_nonnull (b);
  y = dz_layer_call1 (layer, x, &error);
  g_assert_no_error (error);
  g_object_get (layer, "in-channels", &in_channels, NULL);
  g_assert_cmpuint (in_channels, ==, 16);
  g_assert_cmpmem (shape_of (DZ_VARIABLE (W), &ndim), 4 * sizeof (gsize), w_expected, sizeof w_expected);
  g_assert_cmpmem (shape_of (y, &ndim), 4 * sizeof (gsize), y_expected, sizeof y_expected);
  g_assert_cmpint (dz_variable_get_dtype (y), ==, DZ_DTYPE_FLOAT32);

  w64 = dz_array_astype (dz_variable_get_data (DZ_VARIABLE (W)), DZ_DTYPE_FLOAT64, NULL);
  w = dz_array_get_values (w64, &n);
  for (gsize i = 0; i < n; i++)
    sum2 += w[i] * w[i];
  /* 1152 draws: the standard deviation within 10% of sqrt (1 / 144). */
  g_assert_cmpfloat (fabs (sqrt (sum2 / n) - sqrt (1.0 / 144)), <, 0.1 * sqrt (1.0 / 144));
}

static void
test_lazy_init (void)
{
  check_lazy_init (FALSE);
  check_lazy_init (TRUE);
  dz_assert_no_live_objects ();
}

/* The same generator seed gives the same weights; a given in_channels
 * draws them at construction. */
static void
test_generator (void)
{
  g_autoptr(DzGenerator) g1 = dz_generator_new (9);
  g_autoptr(DzGenerator) g2 = dz_generator_new (9);
  g_autoptr(DzLayer) a = dz_conv2d_layer_new (3, 4, 2, 3, 1, 1, 0, 0, TRUE, DZ_DTYPE_FLOAT64, g1);
  g_autoptr(DzLayer) b = dz_conv2d_layer_new (3, 4, 2, 3, 1, 1, 0, 0, TRUE, DZ_DTYPE_FLOAT64, g2);
  DzArray *wa = dz_variable_get_data (DZ_VARIABLE (dz_layer_get_parameter (a, "W")));
  DzArray *wb = dz_variable_get_data (DZ_VARIABLE (dz_layer_get_parameter (b, "W")));

  g_assert_nonnull (wa);
  g_assert_null (dz_layer_get_parameter (a, "b"));
  dz_assert_allclose (wa, wb, 0, 0);
  g_clear_object (&a);
  g_clear_object (&b);
  dz_assert_no_live_objects ();
}

/* A few SGD steps of conv -> relu -> pooling -> linear on a fixed batch
 * lower the loss. */
static void
test_training (void)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (1);
  g_autoptr(DzLayer) conv = dz_conv2d_layer_new (0, 4, 3, 3, 1, 1, 1, 1, FALSE, DZ_DTYPE_FLOAT64, gen);
  g_autoptr(DzLayer) fc = dz_linear_layer_new (3, FALSE, DZ_DTYPE_FLOAT64, gen);
  g_autoptr(DzOptimizer) opt = dz_sgd_new (0.1);
  const gsize xs[4] = { 6, 1, 6, 6 };
  g_autoptr(DzVariable) x = dz_test_randn (xs, 4, 2);
  const double labels[6] = { 0, 1, 2, 0, 1, 2 };
  const gsize ls[1] = { 6 };
  g_autoptr(DzArray) l64 = dz_array_new_from_values (labels, 6, ls, 1, NULL);
  g_autoptr(DzArray) la = dz_array_astype (l64, DZ_DTYPE_INT64, NULL);
  g_autoptr(DzVariable) t = dz_variable_new (la);
  double first = 0, last = 0;

  for (int step = 0; step < 20; step++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DzVariable) h = dz_layer_call1 (conv, x, &error);
      g_autoptr(DzVariable) r = h ? dz_relu (h, &error) : NULL;
      g_autoptr(DzVariable) p = r ? dz_pooling (r, 2, 2, 2, 2, 0, 0, &error) : NULL;
      g_autoptr(DzVariable) f = p ? dz_flatten (p, &error) : NULL;
      g_autoptr(DzVariable) y = f ? dz_layer_call1 (fc, f, &error) : NULL;
      g_autoptr(DzVariable) loss = y ? dz_softmax_cross_entropy (y, t, &error) : NULL;

      g_assert_no_error (error);
      if (step == 0)
        {
          /* fc's W exists after the first call. */
          g_autoptr(GPtrArray) params = dz_layer_list_parameters (conv);
          g_autoptr(GPtrArray) more = dz_layer_list_parameters (fc);

          for (guint i = 0; i < more->len; i++)
            g_ptr_array_add (params, g_object_ref (more->pdata[i]));
          dz_optimizer_set_parameters (opt, params);
        }
      dz_layer_cleargrads (conv);
      dz_layer_cleargrads (fc);
      g_assert_true (dz_variable_backward (loss, &error));
      g_assert_true (dz_optimizer_update (opt, &error));
      g_assert_no_error (error);
      if (step == 0)
        first = dz_test_value (loss);
      last = dz_test_value (loss);
    }
  g_assert_cmpfloat (last, <, first * 0.5);
  g_clear_object (&opt);
  g_clear_object (&conv);
  g_clear_object (&fc);
  g_clear_object (&x);
  g_clear_object (&t);
  g_clear_object (&la);
  g_clear_object (&l64);
  dz_assert_no_live_objects ();
}

static void
test_errors (void)
{
  {
    g_autoptr(DzLayer) layer = dz_conv2d_layer_new (0, 4, 3, 3, 1, 1, 0, 0, FALSE,
                                                    DZ_DTYPE_FLOAT32, NULL);
    const gsize bad[2] = { 3, 4 }, small[4] = { 1, 2, 2, 2 };
    g_autoptr(DzVariable) x = dz_test_randn (bad, 2, 1);
    g_autoptr(DzVariable) s = dz_test_randn (small, 4, 1);
    g_autoptr(GError) error = NULL;
    g_autoptr(DzVariable) y = dz_layer_call1 (layer, x, &error);
    guint64 in_channels;

    g_assert_null (y);
    g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
    g_assert_nonnull (strstr (error->message, "(N, C, H, W)"));
    g_clear_error (&error);
    /* A 3x3 kernel over 2x2: W is drawn (2 channels), the op refuses. */
    y = dz_layer_call1 (layer, s, &error);
    g_assert_null (y);
    g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
    g_assert_nonnull (strstr (error->message, "kernel is larger"));
    g_object_get (layer, "in-channels", &in_channels, NULL);
    g_assert_cmpuint (in_channels, ==, 2);
  }
  dz_assert_no_live_objects ();
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/nn/conv-layers/lazy-init", test_lazy_init);
  g_test_add_func ("/nn/conv-layers/generator", test_generator);
  g_test_add_func ("/nn/conv-layers/training", test_training);
  g_test_add_func ("/nn/conv-layers/errors", test_errors);

  return g_test_run ();
}
