/* test-rnn.c: batch normalization, embeddings, the recurrent layers, the
 * sine-wave series, sequential batches and truncated BPTT without leaks
 *
 * SPDX-License-Identifier: MIT
 */

#include "dz-test-utils.h"

static DzVariable *
var_of (const double *values,
        gsize         n,
        const gsize  *shape,
        guint         ndim)
{
  g_autoptr(DzArray) a = dz_array_new_from_values (values, n, shape, ndim, NULL);

  return dz_variable_new (a);
}

static DzVariable *
ids_of (const gint64 *ids,
        gsize         n)
{
  g_autoptr(GBytes) bytes = g_bytes_new (ids, n * sizeof (gint64));
  g_autoptr(DzArray) a = dz_array_new_from_bytes (bytes, DZ_DTYPE_INT64, &n, 1, NULL);

  return dz_variable_new (a);
}

static double
at (DzVariable *v,
    gsize       i)
{
  return dz_array_get_value (dz_variable_get_data (v), i);
}

/* x of shape (4, 2): channel 0 is 1, 2, 3, 4 (mean 2.5, variance 1.25),
 * channel 1 is 0, 0, 0, 8 (mean 2, variance 12). */
static const double bn_x[] = { 1, 0, 2, 0, 3, 0, 4, 8 };
static const gsize bn_x_shape[] = { 4, 2 };
static const gsize bn_c_shape[] = { 2 };

static void
test_batch_norm_train (void)
{
  static const double gamma_v[] = { 2.0, 1.0 }, beta_v[] = { 0.5, -1.0 };
  static const double mean_v[] = { 0.0, 1.0 }, var_v[] = { 1.0, 2.0 };
  g_autoptr(DzVariable) x = var_of (bn_x, 8, bn_x_shape, 2);
  g_autoptr(DzVariable) gamma = var_of (gamma_v, 2, bn_c_shape, 1);
  g_autoptr(DzVariable) beta = var_of (beta_v, 2, bn_c_shape, 1);
  g_autoptr(DzVariable) mean = var_of (mean_v, 2, bn_c_shape, 1);
  g_autoptr(DzVariable) var = var_of (var_v, 2, bn_c_shape, 1);
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(GError) error = NULL;
  double eps = 2e-5;

  g_assert_true (dz_get_train ());
  y = dz_batch_norm (x, gamma, beta, mean, var, 0.9, eps, &error);
  g_assert_no_error (error);
  /* y[0, 0] = 2 (1 - 2.5) / sqrt (1.25 + eps) + 0.5 */
  g_assert_cmpfloat_with_epsilon (at (y, 0), 2 * -1.5 / sqrt (1.25 + eps) + 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (at (y, 7), 6 / sqrt (12 + eps) - 1.0, 1e-12);
  /* DeZero's update: m = 4 values per channel, unbiased factor 4 / 3. */
  g_assert_cmpfloat_with_epsilon (at (mean, 0), 0.9 * 0.0 + 0.1 * 2.5, 1e-15);
  g_assert_cmpfloat_with_epsilon (at (mean, 1), 0.9 * 1.0 + 0.1 * 2.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (at (var, 0), 0.9 * 1.0 + 0.1 * 4.0 / 3.0 * 1.25, 1e-15);
  g_assert_cmpfloat_with_epsilon (at (var, 1), 0.9 * 2.0 + 0.1 * 4.0 / 3.0 * 12.0, 1e-15);
}

static void
test_batch_norm_test_mode (void)
{
  static const double gamma_v[] = { 2.0, 1.0 }, beta_v[] = { 0.5, -1.0 };
  static const double mean_v[] = { 0.5, 1.0 }, var_v[] = { 4.0, 2.0 };
  g_autoptr(DzVariable) x = var_of (bn_x, 8, bn_x_shape, 2);
  g_autoptr(DzVariable) gamma = var_of (gamma_v, 2, bn_c_shape, 1);
  g_autoptr(DzVariable) beta = var_of (beta_v, 2, bn_c_shape, 1);
  g_autoptr(DzVariable) mean = var_of (mean_v, 2, bn_c_shape, 1);
  g_autoptr(DzVariable) var = var_of (var_v, 2, bn_c_shape, 1);
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(DzVariable) loss = NULL;
  g_autoptr(GError) error = NULL;
  DzArray *mean_before = dz_variable_get_data (mean);
  gboolean previous = dz_set_train (FALSE);

  y = dz_batch_norm (x, gamma, beta, mean, var, 0.9, 0.0, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (at (y, 0), 2 * 0.5 / 2.0 + 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (at (y, 7), 7 / sqrt (2.0) - 1.0, 1e-12);
  /* Not updated, and no gradient goes to the averages. */
  g_assert_true (dz_variable_get_data (mean) == mean_before);
  loss = dz_sum (y, NULL, 0, FALSE, &error);
  g_assert_true (dz_variable_backward (loss, &error));
  g_assert_no_error (error);
  g_assert_null (dz_variable_get_grad (mean));
  g_assert_null (dz_variable_get_grad (var));
  /* gx = gamma / sqrt (var + eps) */
  g_assert_cmpfloat_with_epsilon (at (dz_variable_get_grad (x), 0), 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (at (dz_variable_get_grad (x), 1), 1 / sqrt (2.0), 1e-12);
  /* gbeta = N, ggamma = sum of xhat */
  g_assert_cmpfloat_with_epsilon (at (dz_variable_get_grad (beta), 0), 4.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (at (dz_variable_get_grad (gamma), 0), (10 - 2.0) / 2.0,
                                  1e-12);
  dz_set_train (previous);
}

static void
test_batch_norm_errors (void)
{
  static const double v3[] = { 1, 2, 3 };
  static const gsize shape3[] = { 3 };
  static const gsize shape113[] = { 1, 1, 3 };
  g_autoptr(DzVariable) x = var_of (bn_x, 8, bn_x_shape, 2);
  g_autoptr(DzVariable) x3d = var_of (v3, 3, shape113, 3);
  g_autoptr(DzVariable) c2 = var_of (bn_x, 2, bn_c_shape, 1);
  g_autoptr(DzVariable) c3 = var_of (v3, 3, shape3, 1);
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(GError) error = NULL;
  gboolean previous;

  y = dz_batch_norm (x, c3, c2, NULL, NULL, 0.9, 2e-5, &error);
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
  g_assert_null (y);
  g_clear_error (&error);
  y = dz_batch_norm (x3d, c3, c3, NULL, NULL, 0.9, 2e-5, &error);
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
  g_clear_error (&error);
  y = dz_batch_norm (x, c2, c2, c3, c3, 0.9, 2e-5, &error);
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
  g_clear_error (&error);
  y = dz_batch_norm (x, c2, c2, NULL, NULL, 1.5, 2e-5, &error);
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  y = dz_batch_norm (x, c2, c2, NULL, NULL, 0.9, -1.0, &error);
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  previous = dz_set_train (FALSE);
  y = dz_batch_norm (x, c2, c2, NULL, NULL, 0.9, 2e-5, &error);
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  dz_set_train (previous);
  g_assert_null (y);
}

/* The loss of a batch-normalized 4-d input with fixed gamma and beta, for
 * the gradient checks of x in both modes. */
static DzVariable *
bn_4d (DzVariable *x,
       gpointer    user_data)
{
  static const double gamma_v[] = { 1.5, -0.5 }, beta_v[] = { 0.1, 0.2 };
  static const double mean_v[] = { 0.3, -0.2 }, var_v[] = { 0.7, 1.9 };
  g_autoptr(DzVariable) gamma = var_of (gamma_v, 2, bn_c_shape, 1);
  g_autoptr(DzVariable) beta = var_of (beta_v, 2, bn_c_shape, 1);
  g_autoptr(DzVariable) mean = var_of (mean_v, 2, bn_c_shape, 1);
  g_autoptr(DzVariable) var = var_of (var_v, 2, bn_c_shape, 1);
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(DzVariable) sq = NULL;

  y = dz_batch_norm (x, gamma, beta, mean, var, 0.9, 2e-5, NULL);
  /* y alone sums to a constant in training mode: square it. */
  sq = dz_mul (y, y, NULL);
  return dz_mul (sq, x, NULL);
}

static void
test_batch_norm_gradcheck (void)
{
  static const gsize shape[] = { 3, 2, 2, 3 };
  g_autoptr(DzVariable) x = dz_test_randn (shape, 4, 7);
  gboolean previous;

  dz_assert_gradcheck (bn_4d, NULL, x);
  previous = dz_set_train (FALSE);
  dz_assert_gradcheck (bn_4d, NULL, x);
  dz_set_train (previous);
}

static void
test_embed_id (void)
{
  static const gint64 ids_v[] = { 2, 0, 2, 2 };
  static const gint64 bad_v[] = { 0, 3 };
  static const gint64 neg_v[] = { -1 };
  static const gsize W_shape[] = { 3, 2 };
  static const double W_v[] = { 1, 2, 3, 4, 5, 6 };
  g_autoptr(DzVariable) W = var_of (W_v, 6, W_shape, 2);
  g_autoptr(DzVariable) ids = ids_of (ids_v, 4);
  g_autoptr(DzVariable) bad = ids_of (bad_v, 2);
  g_autoptr(DzVariable) neg = ids_of (neg_v, 1);
  g_autoptr(DzVariable) floats = var_of (W_v, 2, bn_c_shape, 1);
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(DzVariable) loss = NULL;
  g_autoptr(GError) error = NULL;
  guint ndim;
  const gsize *shape;
  DzVariable *gW;

  y = dz_embed_id (ids, W, &error);
  g_assert_no_error (error);
  shape = dz_variable_get_shape (y, &ndim);
  g_assert_cmpuint (ndim, ==, 2);
  g_assert_cmpuint (shape[0], ==, 4);
  g_assert_cmpuint (shape[1], ==, 2);
  g_assert_cmpfloat (at (y, 0), ==, 5);
  g_assert_cmpfloat (at (y, 3), ==, 2);
  loss = dz_sum (y, NULL, 0, FALSE, &error);
  g_assert_true (dz_variable_backward (loss, &error));
  gW = dz_variable_get_grad (W);
  /* Row 2 read three times: its gradient is 3. */
  g_assert_cmpfloat (at (gW, 0), ==, 1);
  g_assert_cmpfloat (at (gW, 2), ==, 0);
  g_assert_cmpfloat (at (gW, 4), ==, 3);
  g_assert_cmpfloat (at (gW, 5), ==, 3);
  g_assert_null (dz_variable_get_grad (ids));
  g_clear_object (&y);

  y = dz_embed_id (bad, W, &error);
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INDEX_OUT_OF_RANGE);
  g_clear_error (&error);
  y = dz_embed_id (neg, W, &error);
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INDEX_OUT_OF_RANGE);
  g_clear_error (&error);
  y = dz_embed_id (floats, W, &error);
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_DTYPE);
  g_clear_error (&error);
  y = dz_embed_id (ids, floats, &error);
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
  g_assert_null (y);
}

static void
assert_names (DzLayer            *layer,
              const char * const *expected)
{
  g_auto(GStrv) names = dz_layer_list_parameter_names (layer);

  g_assert_cmpstrv (names, expected);
}

static gsize
count_values (DzLayer *layer)
{
  g_autoptr(GPtrArray) params = dz_layer_list_parameters (layer);
  gsize n = 0;

  for (guint i = 0; i < params->len; i++)
    n += dz_array_get_size (dz_variable_get_data (g_ptr_array_index (params, i)));
  return n;
}

static void
test_layers_shapes (void)
{
  static const char * const rnn_names[] = { "x2h.W", "x2h.b", "h2h.W", NULL };
  static const char * const lstm_names[] = {
    "x2f.W", "x2f.b", "x2i.W", "x2i.b", "x2o.W", "x2o.b", "x2u.W", "x2u.b",
    "h2f.W", "h2i.W", "h2o.W", "h2u.W", NULL
  };
  static const char * const bn_names[] = { "gamma", "beta", NULL };
  static const gsize x_shape[] = { 5, 3 };
  static const gint64 ids_v[] = { 0, 6, 3 };
  g_autoptr(DzGenerator) gen = dz_generator_new (1);
  g_autoptr(DzLayer) rnn = dz_rnn_layer_new (4, 0, DZ_DTYPE_FLOAT64, gen);
  g_autoptr(DzLayer) lstm = dz_lstm_layer_new (4, 3, DZ_DTYPE_FLOAT64, gen);
  g_autoptr(DzLayer) embed = dz_embed_id_layer_new (7, 2, DZ_DTYPE_FLOAT32, gen);
  g_autoptr(DzLayer) bn = dz_batch_norm_layer_new (0.9, 2e-5);
  g_autoptr(DzVariable) x = dz_test_randn (x_shape, 2, 3);
  g_autoptr(DzVariable) ids = ids_of (ids_v, 3);
  g_autoptr(DzVariable) h1 = NULL;
  g_autoptr(DzVariable) h2 = NULL;
  g_autoptr(DzVariable) e = NULL;
  g_autoptr(DzVariable) b = NULL;
  g_autoptr(GError) error = NULL;
  const gsize *shape;
  guint ndim;

  assert_names (rnn, rnn_names);
  assert_names (lstm, lstm_names);
  assert_names (bn, bn_names);
  g_assert_cmpuint (count_values (lstm), ==, 4 * (3 * 4 + 4) + 4 * 4 * 4);
  g_assert_cmpuint (dz_lstm_layer_get_hidden_size (DZ_LSTM_LAYER (lstm)), ==, 4);

  h1 = dz_layer_call1 (rnn, x, &error);
  g_assert_no_error (error);
  shape = dz_variable_get_shape (h1, &ndim);
  g_assert_cmpuint (shape[0], ==, 5);
  g_assert_cmpuint (shape[1], ==, 4);
  g_assert_true (dz_rnn_layer_get_h (DZ_RNN_LAYER (rnn)) == h1);
  /* In size inferred: 3 * 4 + 4 + 4 * 4 values. */
  g_assert_cmpuint (count_values (rnn), ==, 32);
  h2 = dz_layer_call1 (rnn, x, &error);
  g_assert_no_error (error);
  /* The second step adds h2h (h1): not the first step's value. */
  g_assert_cmpfloat (fabs (at (h1, 0) - at (h2, 0)), >, 1e-9);
  dz_rnn_layer_reset_state (DZ_RNN_LAYER (rnn));
  g_assert_null (dz_rnn_layer_get_h (DZ_RNN_LAYER (rnn)));
  g_clear_object (&h2);
  h2 = dz_layer_call1 (rnn, x, &error);
  g_assert_cmpfloat (at (h1, 0), ==, at (h2, 0));
  g_clear_object (&h1);
  g_clear_object (&h2);

  h1 = dz_layer_call1 (lstm, x, &error);
  g_assert_no_error (error);
  shape = dz_variable_get_shape (h1, &ndim);
  g_assert_cmpuint (shape[1], ==, 4);
  g_assert_nonnull (dz_lstm_layer_get_c (DZ_LSTM_LAYER (lstm)));
  h2 = dz_layer_call1 (lstm, x, &error);
  g_assert_cmpfloat (fabs (at (h1, 0) - at (h2, 0)), >, 1e-9);
  dz_lstm_layer_reset_state (DZ_LSTM_LAYER (lstm));
  g_assert_null (dz_lstm_layer_get_h (DZ_LSTM_LAYER (lstm)));
  g_assert_null (dz_lstm_layer_get_c (DZ_LSTM_LAYER (lstm)));

  e = dz_layer_call1 (embed, ids, &error);
  g_assert_no_error (error);
  shape = dz_variable_get_shape (e, &ndim);
  g_assert_cmpuint (ndim, ==, 2);
  g_assert_cmpuint (shape[0], ==, 3);
  g_assert_cmpuint (shape[1], ==, 2);
  g_assert_cmpint (dz_array_get_dtype (dz_variable_get_data (e)), ==, DZ_DTYPE_FLOAT32);

  b = dz_layer_call1 (bn, x, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_values (bn), ==, 6);
  g_assert_nonnull (dz_variable_get_data (
    dz_batch_norm_layer_get_running_mean (DZ_BATCH_NORM_LAYER (bn))));
}

/* The layer in training mode normalizes with the batch and moves its
 * averages; in test mode it uses the averages and moves nothing. */
static void
test_batch_norm_layer_modes (void)
{
  static const gsize x_shape[] = { 64, 3 };
  g_autoptr(DzLayer) bn = dz_batch_norm_layer_new (0.5, 2e-5);
  DzBatchNormLayer *layer = DZ_BATCH_NORM_LAYER (bn);
  g_autoptr(DzVariable) x = NULL;
  g_autoptr(DzVariable) shifted = NULL;
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(DzVariable) m = NULL;
  g_autoptr(GError) error = NULL;
  DzArray *mean_after;
  gboolean previous;

  x = dz_test_randn (x_shape, 2, 11);
  shifted = dz_add_scalar (x, 3.0, NULL);
  for (guint i = 0; i < 30; i++)
    {
      g_clear_object (&y);
      y = dz_layer_call1 (bn, shifted, &error);
      g_assert_no_error (error);
    }
  /* Training output: zero mean per channel. */
  m = dz_mean (y, (const gint[]) { 0 }, 1, FALSE, NULL);
  g_assert_cmpfloat (fabs (at (m, 0)), <, 1e-12);
  /* The averages converged to the batch's mean (about 3). */
  mean_after = dz_variable_get_data (dz_batch_norm_layer_get_running_mean (layer));
  g_assert_cmpfloat (fabs (dz_array_get_value (mean_after, 0) - 3.0), <, 0.5);

  previous = dz_set_train (FALSE);
  g_clear_object (&y);
  g_clear_object (&m);
  y = dz_layer_call1 (bn, shifted, &error);
  g_assert_no_error (error);
  g_assert_true (dz_variable_get_data (dz_batch_norm_layer_get_running_mean (layer))
                 == mean_after);
  /* Normalized with the averages of the same data: again about zero mean. */
  m = dz_mean (y, (const gint[]) { 0 }, 1, FALSE, NULL);
  g_assert_cmpfloat (fabs (at (m, 0)), <, 1e-6);
  dz_set_train (previous);
  g_assert_cmpfloat (dz_batch_norm_layer_get_decay (layer), ==, 0.5);
}

static void
test_sin_curve (void)
{
  g_autoptr(DzGenerator) g1 = dz_generator_new (5);
  g_autoptr(DzGenerator) g2 = dz_generator_new (5);
  g_autoptr(DzSinCurve) train = dz_sin_curve_new (TRUE, g1);
  g_autoptr(DzSinCurve) again = dz_sin_curve_new (TRUE, g2);
  g_autoptr(DzSinCurve) test = dz_sin_curve_new (FALSE, NULL);
  DzArray *x, *t, *x2, *tx, *tt;
  double max_noise = 0.0;

  g_assert_cmpuint (dz_dataset_get_length (DZ_DATASET (train)), ==, 999);
  dz_dataset_get_arrays (DZ_DATASET (train), &x, &t);
  dz_dataset_get_arrays (DZ_DATASET (again), &x2, NULL);
  dz_dataset_get_arrays (DZ_DATASET (test), &tx, &tt);
  g_assert_cmpuint (dz_array_get_ndim (x), ==, 2);
  dz_assert_allclose (x, x2, 0, 0);
  for (gsize i = 0; i < 999; i++)
    {
      double xi = i * 2 * G_PI / 999;

      max_noise = MAX (max_noise, fabs (dz_array_get_value (x, i) - sin (xi)));
      if (i + 1 < 999)
        g_assert_cmpfloat (dz_array_get_value (t, i), ==, dz_array_get_value (x, i + 1));
      g_assert_cmpfloat_with_epsilon (dz_array_get_value (tx, i), cos (xi), 1e-12);
    }
  g_assert_cmpfloat (max_noise, <=, 0.05 + 1e-12);
  g_assert_cmpfloat (max_noise, >, 0.04);
  g_assert_cmpfloat_with_epsilon (dz_array_get_value (tt, 998), 1.0, 1e-12);
}

static void
test_sequential_loader (void)
{
  static const gint64 values[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
  static const gsize shape[] = { 10 };
  g_autoptr(GBytes) bytes = g_bytes_new_static (values, sizeof values);
  g_autoptr(DzArray) data = dz_array_new_from_bytes (bytes, DZ_DTYPE_INT64, shape, 1, NULL);
  g_autoptr(DzDataset) dataset = dz_dataset_new (data, data, NULL);
  g_autoptr(DzDataLoader) loader = dz_data_loader_new_sequential (dataset, 3);
  g_autoptr(GError) error = NULL;
  guint k = 0;

  g_assert_true (dz_data_loader_get_sequential (loader));
  /* DeZero: jump = 10 // 3 = 3, ceil (10 / 3) = 4 batches of 3. */
  g_assert_cmpuint (dz_data_loader_get_n_batches (loader), ==, 4);
  for (guint epoch = 0; epoch < 2; epoch++)
    {
      DzArray *x, *t;

      k = 0;
      while (dz_data_loader_next (loader, &x, &t, &error))
        {
          g_assert_cmpuint (dz_array_get_size (x), ==, 3);
          for (guint i = 0; i < 3; i++)
            g_assert_cmpint (dz_array_get_value (x, i), ==, (i * 3 + k) % 10);
          g_object_unref (x);
          g_object_unref (t);
          k++;
        }
      g_assert_no_error (error);
      g_assert_cmpuint (k, ==, 4);
    }
}

/* Truncated BPTT as DeZero's step 60: an LSTM and a linear layer on the
 * sine wave, the loss summed over bptt steps, then backward, unchain and
 * update. The live counts must come back to the same numbers at every
 * truncation: the graph is cut, the state's graph freed. */
static void
test_bptt_flat (void)
{
  const guint bptt = 30;
  const guint n_steps = dz_test_scaled (3000);
  g_autoptr(DzGenerator) gen = dz_generator_new (2);
  g_autoptr(DzSinCurve) series = dz_sin_curve_new (TRUE, gen);
  g_autoptr(DzDataLoader) loader = dz_data_loader_new_sequential (DZ_DATASET (series), 30);
  g_autoptr(DzLayer) lstm = dz_lstm_layer_new (10, 0, DZ_DTYPE_FLOAT64, gen);
  g_autoptr(DzLayer) fc = dz_linear_layer_new (1, FALSE, DZ_DTYPE_FLOAT64, gen);
  g_autoptr(DzOptimizer) adam = dz_adam_new (0.001, 0.9, 0.999, 1e-8);
  g_autoptr(DzOptimizer) adam_fc = dz_adam_new (0.001, 0.9, 0.999, 1e-8);
  g_autoptr(DzVariable) loss = NULL;
  g_autoptr(GError) error = NULL;
  guint counts[3] = { 0, }, checks = 0;
  double first = 0, last = 0, sum = 0;
  guint count = 0, step = 0;

  dz_optimizer_setup (adam, lstm);
  dz_optimizer_setup (adam_fc, fc);
  while (step < n_steps)
    {
      DzArray *x, *t;

      if (!dz_data_loader_next (loader, &x, &t, &error))
        {
          g_assert_no_error (error);
          dz_lstm_layer_reset_state (DZ_LSTM_LAYER (lstm));
          continue;
        }
      {
        g_autoptr(DzVariable) xv = dz_variable_new (x);
        g_autoptr(DzVariable) tv = dz_variable_new (t);
        g_autoptr(DzVariable) h = dz_layer_call1 (lstm, xv, &error);
        g_autoptr(DzVariable) y = dz_layer_call1 (fc, h, &error);
        g_autoptr(DzVariable) l = dz_mean_squared_error (y, tv, &error);

        g_assert_no_error (error);
        if (loss == NULL)
          loss = g_object_ref (l);
        else
          {
            DzVariable *s = dz_add (loss, l, &error);

            g_object_unref (loss);
            loss = s;
          }
        g_object_unref (x);
        g_object_unref (t);
      }
      step++;
      count++;
      if (count % bptt == 0)
        {
          dz_layer_cleargrads (lstm);
          dz_layer_cleargrads (fc);
          g_assert_true (dz_variable_backward (loss, &error));
          dz_variable_unchain_backward (loss);
          g_assert_true (dz_optimizer_update (adam, &error));
          g_assert_true (dz_optimizer_update (adam_fc, &error));
          g_assert_no_error (error);
          sum = dz_test_value (loss) / bptt;
          if (first == 0)
            first = sum;
          last = sum;
          g_clear_object (&loss);
          /* After the first truncation every count is the same. */
          if (checks++ == 1)
            for (guint k = 0; k < 3; k++)
              counts[k] = dz_live_count (k);
          else if (checks > 1)
            for (guint k = 0; k < 3; k++)
              g_assert_cmpuint (dz_live_count (k), ==, counts[k]);
        }
    }
  g_clear_object (&loss);
  if (n_steps >= 3000)
    g_assert_cmpfloat (last, <, first);
}

static void
test_bptt_nothing_left (void)
{
  test_bptt_flat ();
  dz_assert_no_live_objects ();
}

static void
test_sequential (void)
{
  static const char * const names[] = { "l0.x2h.W", "l0.x2h.b", "l0.h2h.W", "l1.W", "l1.b", NULL };
  static const gsize x_shape[] = { 2, 3 };
  g_autoptr(DzGenerator) gen = dz_generator_new (4);
  g_autoptr(DzLayer) rnn = dz_rnn_layer_new (5, 3, DZ_DTYPE_FLOAT64, gen);
  g_autoptr(DzLayer) fc = dz_linear_layer_new_with_in_size (5, 2, FALSE, DZ_DTYPE_FLOAT64, gen);
  DzLayer *layers[] = { rnn, fc };
  g_autoptr(DzLayer) model = dz_sequential_new (layers, 2);
  g_autoptr(DzLayer) empty = dz_sequential_new (NULL, 0);
  g_autoptr(DzVariable) x = dz_test_randn (x_shape, 2, 5);
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(DzVariable) h = NULL;
  g_autoptr(DzVariable) expected = NULL;
  g_autoptr(DzVariable) same = NULL;
  g_autoptr(GError) error = NULL;

  assert_names (model, names);
  g_assert_cmpuint (dz_sequential_get_n_layers (DZ_SEQUENTIAL (model)), ==, 2);
  y = dz_layer_call1 (model, x, &error);
  g_assert_no_error (error);
  dz_rnn_layer_reset_state (DZ_RNN_LAYER (rnn));
  h = dz_layer_call1 (rnn, x, &error);
  expected = dz_layer_call1 (fc, h, &error);
  dz_assert_allclose (dz_variable_get_data (y), dz_variable_get_data (expected), 0, 0);
  same = dz_layer_call1 (empty, x, &error);
  g_assert_true (same == x);
}

/* -- the LSTM cell op against DeZero's composite formula -- */

static DzVariable *
normal_var (DzGenerator *gen,
            gsize        n,
            gsize        d,
            DzDtype      dtype)
{
  gsize shape[2] = { n, d };
  g_autofree double *values = dz_generator_draw_normal (gen, n * d, NULL, NULL);
  g_autoptr(DzArray) a = dz_array_new_from_values (values, n * d, shape, 2, NULL);
  g_autoptr(DzArray) cast = dz_array_astype (a, dtype, NULL);

  return dz_variable_new (cast);
}

static DzVariable *
lstm_param (DzLayer    *lstm,
            const char *layer,
            const char *name)
{
  DzParameter *p = dz_layer_get_parameter (dz_layer_get_layer (lstm, layer), name);

  return p != NULL ? DZ_VARIABLE (p) : NULL;
}

/* One step of DeZero's LSTM written out with dz_linear and the activations,
 * from the layer's own parameters; updates *h and *c. */
static void
composite_step (DzLayer     *lstm,
                DzVariable  *x,
                DzVariable **h,
                DzVariable **c)
{
  static const char *const x2[4] = { "x2f", "x2i", "x2o", "x2u" };
  static const char *const h2[4] = { "h2f", "h2i", "h2o", "h2u" };
  DzVariable *gates[4] = { NULL, };
  g_autoptr(DzVariable) iu = NULL;
  g_autoptr(DzVariable) new_c = NULL;
  g_autoptr(DzVariable) tc = NULL;
  g_autoptr(GError) error = NULL;

  for (guint g = 0; g < 4; g++)
    {
      g_autoptr(DzVariable) a = dz_linear (x, lstm_param (lstm, x2[g], "W"),
                                           lstm_param (lstm, x2[g], "b"), &error);
      g_autoptr(DzVariable) pre = NULL;

      g_assert_no_error (error);
      if (*h != NULL)
        {
          g_autoptr(DzVariable) b = dz_linear (*h, lstm_param (lstm, h2[g], "W"), NULL, &error);

          g_assert_no_error (error);
          pre = dz_add (a, b, &error);
        }
      else
        pre = g_object_ref (a);
      gates[g] = g == 3 ? dz_tanh (pre, &error) : dz_sigmoid (pre, &error);
      g_assert_no_error (error);
    }
  iu = dz_mul (gates[1], gates[3], &error);
  if (*c != NULL)
    {
      g_autoptr(DzVariable) fc = dz_mul (gates[0], *c, &error);

      new_c = dz_add (fc, iu, &error);
    }
  else
    new_c = g_object_ref (iu);
  tc = dz_tanh (new_c, &error);
  g_clear_object (h);
  g_clear_object (c);
  *h = dz_mul (gates[2], tc, &error);
  *c = g_steal_pointer (&new_c);
  g_assert_no_error (error);
  for (guint g = 0; g < 4; g++)
    g_object_unref (gates[g]);
}

/* sum_t sum (h_t w_t) + sum (c_T) over @n_steps steps, then backward;
 * returns the h_t and the gradients of the parameters and inputs. */
static GPtrArray *
run_lstm (DzLayer     *lstm,
          gboolean     composite,
          DzVariable **xs,
          DzVariable **ws,
          guint        n_steps)
{
  static const char *const names[8][2] = {
    { "x2f", "W" }, { "x2f", "b" }, { "x2u", "W" }, { "x2u", "b" },
    { "h2f", "W" }, { "h2i", "W" }, { "h2o", "W" }, { "h2u", "W" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(DzVariable) loss = NULL;
  g_autoptr(DzVariable) h = NULL;
  g_autoptr(DzVariable) c = NULL;
  g_autoptr(DzVariable) lc = NULL;
  GPtrArray *results = g_ptr_array_new_with_free_func (g_object_unref);

  dz_lstm_layer_reset_state (DZ_LSTM_LAYER (lstm));
  dz_layer_cleargrads (lstm);
  for (guint i = 0; i < n_steps; i++)
    dz_variable_clear_grad (xs[i]);
  for (guint t = 0; t < n_steps; t++)
    {
      g_autoptr(DzVariable) hw = NULL;
      g_autoptr(DzVariable) term = NULL;

      if (composite)
        composite_step (lstm, xs[t], &h, &c);
      else
        {
          g_clear_object (&h);
          h = dz_layer_call1 (lstm, xs[t], &error);
          g_assert_no_error (error);
          g_set_object (&c, dz_lstm_layer_get_c (DZ_LSTM_LAYER (lstm)));
        }
      g_ptr_array_add (results, g_object_ref (dz_variable_get_data (h)));
      hw = dz_mul (h, ws[t], &error);
      term = dz_sum (hw, NULL, 0, FALSE, &error);
      g_assert_no_error (error);
      if (loss == NULL)
        loss = g_steal_pointer (&term);
      else
        {
          DzVariable *sum = dz_add (loss, term, &error);

          g_object_unref (loss);
          loss = sum;
        }
    }
  g_ptr_array_add (results, g_object_ref (dz_variable_get_data (c)));
  lc = dz_sum (c, NULL, 0, FALSE, &error);
  {
    DzVariable *sum = dz_add (loss, lc, &error);

    g_object_unref (loss);
    loss = sum;
  }
  g_assert_true (dz_variable_backward (loss, &error));
  g_assert_no_error (error);
  for (guint k = 0; k < G_N_ELEMENTS (names); k++)
    {
      DzVariable *grad = dz_variable_get_grad (lstm_param (lstm, names[k][0], names[k][1]));

      g_assert_nonnull (grad);
      g_ptr_array_add (results, g_object_ref (dz_variable_get_data (grad)));
    }
  for (guint t = 0; t < n_steps; t++)
    g_ptr_array_add (results, g_object_ref (dz_variable_get_data (dz_variable_get_grad (xs[t]))));
  dz_lstm_layer_reset_state (DZ_LSTM_LAYER (lstm));
  return results;
}

static void
test_lstm_cell_composite (void)
{
  static const struct { gsize n, d, h, in_size; DzDtype dtype; } cases[] = {
    { 3, 2, 5, 2, DZ_DTYPE_FLOAT64 },
    { 1, 1, 3, 0, DZ_DTYPE_FLOAT64 },
    { 4, 3, 7, 3, DZ_DTYPE_FLOAT32 },
    { 2, 1, 1, 1, DZ_DTYPE_FLOAT64 },
  };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      const guint n_steps = 4;
      g_autoptr(DzGenerator) gen = dz_generator_new (10 + k);
      g_autoptr(DzLayer) lstm = dz_lstm_layer_new (cases[k].h, cases[k].in_size,
                                                   cases[k].dtype, gen);
      g_autoptr(GPtrArray) op = NULL;
      g_autoptr(GPtrArray) formula = NULL;
      DzVariable *xs[4], *ws[4];
      double rtol = cases[k].dtype == DZ_DTYPE_FLOAT32 ? 1e-4 : 1e-10;

      for (guint t = 0; t < n_steps; t++)
        {
          xs[t] = normal_var (gen, cases[k].n, cases[k].d, cases[k].dtype);
          ws[t] = normal_var (gen, cases[k].n, cases[k].h, cases[k].dtype);
        }
      /* In that order: with in_size 0 the layer's first call makes x2*'s
       * weights (through the composite path), which the formula reads. */
      op = run_lstm (lstm, FALSE, xs, ws, n_steps);
      formula = run_lstm (lstm, TRUE, xs, ws, n_steps);
      g_assert_cmpuint (op->len, ==, formula->len);
      for (guint i = 0; i < op->len; i++)
        {
          DzArray *a = g_ptr_array_index (op, i);

          g_assert_cmpint (dz_array_get_dtype (a), ==, cases[k].dtype);
          dz_assert_allclose (a, g_ptr_array_index (formula, i), rtol, rtol);
        }
      for (guint t = 0; t < n_steps; t++)
        {
          g_object_unref (xs[t]);
          g_object_unref (ws[t]);
        }
    }
}

static void
test_lstm_cell_errors (void)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (3);
  g_autoptr(GError) error = NULL;
  DzVariable *in[15] = { NULL, };
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(DzVariable) bad = normal_var (gen, 2, 4, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) ints = normal_var (gen, 2, 2, DZ_DTYPE_INT64);
  DzVariable *saved;

  /* x (2, 2), h and c (2, 3), Wx (2, 3), b (3,), Wh (3, 3). */
  in[0] = normal_var (gen, 2, 2, DZ_DTYPE_FLOAT64);
  in[1] = normal_var (gen, 2, 3, DZ_DTYPE_FLOAT64);
  in[2] = normal_var (gen, 2, 3, DZ_DTYPE_FLOAT64);
  for (guint g = 0; g < 4; g++)
    {
      g_autoptr(DzVariable) b2 = normal_var (gen, 1, 3, DZ_DTYPE_FLOAT64);
      gssize b_shape[1] = { 3 };

      in[3 + g] = normal_var (gen, 2, 3, DZ_DTYPE_FLOAT64);
      in[7 + g] = dz_reshape (b2, b_shape, 1, NULL);
      in[11 + g] = normal_var (gen, 3, 3, DZ_DTYPE_FLOAT64);
    }
  y = dz_lstm_cell (in, 15, &error);
  g_assert_no_error (error);
  g_assert_nonnull (y);

  g_assert_null (dz_lstm_cell (in, 14, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT);
  g_clear_error (&error);
  for (guint i = 0; i < 15; i++)
    {
      DzVariable *other = i == 0 ? ints : bad;

      saved = in[i];
      in[i] = other;
      g_assert_null (dz_lstm_cell (in, 15, &error));
      g_assert_true (g_error_matches (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH)
                     || g_error_matches (error, DZ_ERROR, DZ_ERROR_INVALID_DTYPE));
      g_clear_error (&error);
      in[i] = saved;
    }
  for (guint i = 0; i < 15; i++)
    g_object_unref (in[i]);
}

/* A replaced sub-layer (here x2f without bias, which the op cannot take)
 * is called as itself: the layer then follows the formula op by op. */
static void
test_lstm_replaced_sublayer (void)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (8);
  g_autoptr(DzLayer) lstm = dz_lstm_layer_new (3, 2, DZ_DTYPE_FLOAT64, gen);
  g_autoptr(DzLayer) x2f = dz_linear_layer_new_with_in_size (2, 3, TRUE, DZ_DTYPE_FLOAT64, gen);
  g_autoptr(DzVariable) h = NULL;
  g_autoptr(DzVariable) c = NULL;
  g_autoptr(GError) error = NULL;

  dz_layer_add_layer (lstm, "x2f", x2f);
  for (guint t = 0; t < 3; t++)
    {
      g_autoptr(DzVariable) x = normal_var (gen, 2, 2, DZ_DTYPE_FLOAT64);
      g_autoptr(DzVariable) y = dz_layer_call1 (lstm, x, &error);

      g_assert_no_error (error);
      composite_step (lstm, x, &h, &c);
      dz_assert_allclose (dz_variable_get_data (y), dz_variable_get_data (h), 1e-12, 1e-12);
      dz_assert_allclose (dz_variable_get_data (dz_lstm_layer_get_c (DZ_LSTM_LAYER (lstm))),
                          dz_variable_get_data (c), 1e-12, 1e-12);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rnn/batch-norm/train", test_batch_norm_train);
  g_test_add_func ("/rnn/batch-norm/test-mode", test_batch_norm_test_mode);
  g_test_add_func ("/rnn/batch-norm/errors", test_batch_norm_errors);
  g_test_add_func ("/rnn/batch-norm/gradcheck", test_batch_norm_gradcheck);
  g_test_add_func ("/rnn/embed-id", test_embed_id);
  g_test_add_func ("/rnn/layers/shapes", test_layers_shapes);
  g_test_add_func ("/rnn/batch-norm-layer/modes", test_batch_norm_layer_modes);
  g_test_add_func ("/rnn/sin-curve", test_sin_curve);
  g_test_add_func ("/rnn/sequential-loader", test_sequential_loader);
  g_test_add_func ("/rnn/sequential", test_sequential);
  g_test_add_func ("/rnn/bptt/leak-free", test_bptt_nothing_left);
  g_test_add_func ("/rnn/lstm-cell/composite", test_lstm_cell_composite);
  g_test_add_func ("/rnn/lstm-cell/errors", test_lstm_cell_errors);
  g_test_add_func ("/rnn/lstm-cell/replaced-sublayer", test_lstm_replaced_sublayer);

  return g_test_run ();
}
