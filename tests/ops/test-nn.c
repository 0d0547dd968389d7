/* test-nn.c: activations and losses against NumPy and DeZero, their
 * stability, errors, float32, and first and second derivatives
 *
 * The expected values were computed with NumPy 1.24 following DeZero's
 * dezero/functions.py line by line.
 *
 * SPDX-License-Identifier: MIT
 */

#include "dz-test-utils.h"

static const gsize shape23[] = { 2, 3 };
/* x and x1 below, as NumPy arrays of shape (2, 3). */
static const double x_values[] = { 0.5, -1.2, 3.0, 2.0, 0.1, -0.7 };
static const double x1_values[] = { 0.3, 0.2, -1.0, 1.5, 0.0, 0.4 };

static DzVariable *
new_var (const double *values,
         gsize         n,
         const gsize  *shape,
         guint         ndim,
         DzDtype       dtype)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DzArray) a = dz_array_new_from_values (values, n, shape, ndim, &error);
  g_autoptr(DzArray) typed = NULL;

  g_assert_no_error (error);
  typed = dz_array_astype (a, dtype, &error);
  g_assert_no_error (error);
  return dz_variable_new (typed);
}

static DzVariable *
new_x (DzDtype dtype)
{
  return new_var (x_values, 6, shape23, 2, dtype);
}

static void
assert_values (DzVariable   *v,
               const double *expected,
               gsize         n,
               double        rtol)
{
  DzArray *a = dz_variable_get_data (v);

  g_assert_nonnull (a);
  g_assert_cmpuint (dz_array_get_size (a), ==, n);
  for (gsize i = 0; i < n; i++)
    {
      double got = dz_array_get_value (a, i);

      if (!(fabs (got - expected[i]) <= 1e-12 + rtol * fabs (expected[i])))
        g_error ("element %" G_GSIZE_FORMAT ": %.17g, expected %.17g", i, got, expected[i]);
    }
}

static void
assert_shape (DzVariable  *v,
              const gsize *shape,
              guint        ndim)
{
  guint got_ndim;
  const gsize *got = dz_variable_get_shape (v, &got_ndim);

  g_assert_cmpuint (got_ndim, ==, ndim);
  for (guint i = 0; i < ndim; i++)
    g_assert_cmpuint (got[i], ==, shape[i]);
}

/* An op called by name, with a second input and parameters, as a
 * DzVariableFunc of its first input. */
typedef struct
{
  const char *name;
  DzVariable *other;
  GVariant *params;
} Call;

static DzVariable *
call (DzVariable *x,
      gpointer    user_data)
{
  Call *c = user_data;
  DzVariable *inputs[2] = { x, c->other };
  g_autoptr(GError) error = NULL;
  DzVariable *y = dz_op_call (c->name, inputs, c->other ? 2 : 1, c->params, &error);

  g_assert_no_error (error);
  return y;
}

/* The first derivative through the differentiable backward (create_graph),
 * seeded with fixed random weights (a seed of ones hides terms: the
 * softmax gradient then sums to zero whatever its derivative), as a
 * function of x: checking it numerically checks the second derivative. */
static DzVariable *
call_grad (DzVariable *x,
           gpointer    user_data)
{
  gboolean previous = dz_set_enable_backprop (TRUE);
  g_autoptr(DzVariable) y = call (x, user_data);
  g_autoptr(DzVariable) w = NULL;
  g_autoptr(DzVariable) z = NULL;
  g_autoptr(GError) error = NULL;
  guint ndim;
  const gsize *shape = dz_variable_get_shape (y, &ndim);
  DzVariable *gx;

  w = dz_test_randn (shape, ndim, 99);
  z = dz_mul (y, w, &error);
  g_assert_no_error (error);
  g_assert_true (dz_variable_backward_full (z, DZ_BACKWARD_CREATE_GRAPH, &error));
  g_assert_no_error (error);
  gx = g_object_ref (dz_variable_get_grad (x));
  dz_variable_clear_grad (x);
  dz_set_enable_backprop (previous);
  return gx;
}

static GVariant *
params_axis (gint axis)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "axis", "i", axis);
  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

static GVariant *
params_slope (double slope)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "slope", "d", slope);
  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

static void
test_activation_values (void)
{
  static const double sigmoid[] = {
    0.6224593312018546, 0.2314752165009824, 0.9525741268224333,
    0.8807970779778824, 0.52497918747894, 0.3318122278318339 };
  static const double relu[] = { 0.5, 0.0, 3.0, 2.0, 0.1, 0.0 };
  static const double leaky[] = { 0.5, -0.24, 3.0, 2.0, 0.1, -0.13999999999999999 };
  static const double softmax1[] = {
    0.07482130343129079, 0.013668619385047168, 0.9115100771836621,
    0.8218452165704931, 0.12292225425717614, 0.055232529172330666 };
  static const double softmax0[] = {
    0.18242552380635632, 0.2141650169574414, 0.9758729785823308,
    0.8175744761936437, 0.7858349830425586, 0.024127021417669196 };
  static const double log_softmax1[] = {
    -2.592652629319856, -4.292652629319856, -0.09265262931985596,
    -0.19620320266595037, -2.0962032026659503, -2.8962032026659505 };
  static const double lse1[] = { 3.092652629319856, 2.1962032026659504 };
  static const double lse0[] = { 2.2014132779827524, 0.34100845383299216, 3.024422845933779 };
  static const gsize shape21[] = { 2, 1 }, shape13[] = { 1, 3 };
  g_autoptr(DzVariable) x = new_x (DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(GError) error = NULL;

  y = dz_sigmoid (x, &error);
  assert_values (y, sigmoid, 6, 1e-14);
  g_clear_object (&y);
  y = dz_relu (x, &error);
  assert_values (y, relu, 6, 0);
  g_clear_object (&y);
  y = dz_leaky_relu (x, 0.2, &error);
  assert_values (y, leaky, 6, 1e-15);
  g_clear_object (&y);
  y = dz_softmax (x, 1, &error);
  assert_values (y, softmax1, 6, 1e-14);
  assert_shape (y, shape23, 2);
  g_clear_object (&y);
  y = dz_softmax (x, -1, &error);
  assert_values (y, softmax1, 6, 1e-14);
  g_clear_object (&y);
  y = dz_softmax (x, 0, &error);
  assert_values (y, softmax0, 6, 1e-14);
  g_clear_object (&y);
  y = dz_log_softmax (x, 1, &error);
  assert_values (y, log_softmax1, 6, 1e-14);
  g_clear_object (&y);
  y = dz_logsumexp (x, 1, &error);
  assert_values (y, lse1, 2, 1e-14);
  assert_shape (y, shape21, 2);
  g_clear_object (&y);
  y = dz_logsumexp (x, -2, &error);
  assert_values (y, lse0, 3, 1e-14);
  assert_shape (y, shape13, 2);
  g_clear_object (&y);
  g_assert_no_error (error);

  g_clear_object (&x);
  dz_assert_no_live_objects ();
}

/* 0-d values take the scalar path: same results as the arrays. */
static void
test_activation_scalars (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (x_values); i++)
    {
      g_autoptr(DzVariable) s = dz_variable_new_scalar (x_values[i]);
      g_autoptr(DzVariable) y0 = dz_sigmoid (s, NULL);
      g_autoptr(DzVariable) y1 = dz_relu (s, NULL);
      g_autoptr(DzVariable) y2 = dz_leaky_relu (s, 0.3, NULL);
      double v = x_values[i];

      g_assert_cmpfloat_with_epsilon (dz_test_value (y0), 1 / (1 + exp (-v)), 1e-15);
      g_assert_cmpfloat (dz_test_value (y1), ==, v > 0 ? v : 0);
      g_assert_cmpfloat (dz_test_value (y2), ==, v > 0 ? v : 0.3 * v);
      g_assert_true (dz_variable_backward (y0, NULL));
      g_assert_cmpfloat_with_epsilon (dz_test_grad (s), dz_test_value (y0) * (1 - dz_test_value (y0)),
                                      1e-15);
    }
  dz_assert_no_live_objects ();
}

/* The sigmoid's gradient is written into the incoming gradient only when
 * nothing else sees it: two sigmoids of one sum share it, and each must
 * read the ones, not what the other wrote. */
static void
test_sigmoid_shared_gradient (void)
{
  for (guint t = 0; t < 2; t++)
    {
      DzDtype dtype = t == 0 ? DZ_DTYPE_FLOAT64 : DZ_DTYPE_FLOAT32;
      g_autoptr(DzVariable) x = new_x (dtype);
      g_autoptr(DzVariable) y1 = dz_sigmoid (x, NULL);
      g_autoptr(DzVariable) y2 = dz_sigmoid (x, NULL);
      g_autoptr(DzVariable) s = dz_add (y1, y2, NULL);
      g_autoptr(DzVariable) total = dz_sum (s, NULL, 0, FALSE, NULL);
      g_autoptr(GError) error = NULL;
      DzArray *y, *gx;

      g_assert_true (dz_variable_backward (total, &error));
      g_assert_no_error (error);
      y = dz_variable_get_data (y1);
      gx = dz_variable_get_data (dz_variable_get_grad (x));
      for (gsize i = 0; i < dz_array_get_size (y); i++)
        {
          double v = dz_array_get_value (y, i);

          g_assert_cmpfloat_with_epsilon (dz_array_get_value (gx, i), 2 * v * (1 - v),
                                          t == 0 ? 1e-15 : 1e-7);
        }
    }
  dz_assert_no_live_objects ();
}

static void
test_loss_values (void)
{
  static const double t_values[] = { 2, 0 };
  static const double tb_values[] = { 1, 0, 1, 0, 0, 1 };
  static const double acc_t[] = { 2, 1 };
  static const double sce_grad[] = {
    0.03741065171564539, 0.006834309692523584, -0.04424496140816897,
    -0.08907739171475343, 0.06146112712858807, 0.027616264586165333 };
  static const gsize shape2[] = { 2 }, shape21[] = { 2, 1 };
  g_autoptr(DzVariable) x = new_x (DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) x1 = new_var (x1_values, 6, shape23, 2, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) t = new_var (t_values, 2, shape2, 1, DZ_DTYPE_INT64);
  /* DeZero ravels the labels: (N, 1) works as (N,); so do integral floats. */
  g_autoptr(DzVariable) t_col = new_var (t_values, 2, shape21, 2, DZ_DTYPE_INT64);
  g_autoptr(DzVariable) t_float = new_var (t_values, 2, shape2, 1, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) tb = new_var (tb_values, 6, shape23, 2, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) at = new_var (acc_t, 2, shape2, 1, DZ_DTYPE_INT64);
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(GError) error = NULL;

  /* sum of squares / len = 19.47 / 2, not / 6. */
  y = dz_mean_squared_error (x, x1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dz_variable_get_ndim (y), ==, 0);
  g_assert_cmpfloat_with_epsilon (dz_test_value (y), 9.735000000000001, 1e-13);
  g_clear_object (&y);

  y = dz_softmax_cross_entropy (x, t, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dz_variable_get_ndim (y), ==, 0);
  g_assert_cmpfloat_with_epsilon (dz_test_value (y), 0.14442791599290317, 1e-15);
  g_assert_true (dz_variable_backward (y, &error));
  assert_values (dz_variable_get_grad (x), sce_grad, 6, 1e-13);
  g_assert_null (dz_variable_get_grad (t));
  dz_variable_clear_grad (x);
  g_clear_object (&y);
  y = dz_softmax_cross_entropy (x, t_col, &error);
  g_assert_cmpfloat_with_epsilon (dz_test_value (y), 0.14442791599290317, 1e-15);
  g_clear_object (&y);
  y = dz_softmax_cross_entropy (x, t_float, &error);
  g_assert_cmpfloat_with_epsilon (dz_test_value (y), 0.14442791599290317, 1e-15);
  g_clear_object (&y);

  y = dz_sigmoid_cross_entropy (x, tb, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (dz_test_value (y), 2.380228761546941, 1e-14);
  g_clear_object (&y);

  /* argmax rows: 2 and 0; labels 2 and 1. */
  y = dz_accuracy (x, at, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dz_variable_get_ndim (y), ==, 0);
  g_assert_cmpint (dz_variable_get_dtype (y), ==, DZ_DTYPE_FLOAT64);
  g_assert_cmpfloat (dz_test_value (y), ==, 0.5);
  /* Not recorded, even with backpropagation enabled. */
  g_assert_null (dz_variable_get_creator (y));
  g_clear_object (&y);

  g_clear_object (&x);
  g_clear_object (&x1);
  g_clear_object (&t);
  g_clear_object (&t_col);
  g_clear_object (&t_float);
  g_clear_object (&tb);
  g_clear_object (&at);
  dz_assert_no_live_objects ();
}

/* mean_squared_error broadcasts as DeZero's does, dividing by the first
 * axis of the broadcast shape, and sums each gradient back. */
static void
test_mse_broadcast (void)
{
  static const double b_values[] = { 1.0, -1.0, 0.5 };
  static const gsize shape3[] = { 3 };
  g_autoptr(DzVariable) a = new_x (DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) b = new_var (b_values, 3, shape3, 1, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) y = dz_mean_squared_error (a, b, NULL);
  double expected = 0, gb[3] = { 0, };

  for (guint i = 0; i < 6; i++)
    {
      double d = x_values[i] - b_values[i % 3];

      expected += d * d / 2;
      gb[i % 3] -= d;
    }
  g_assert_cmpfloat_with_epsilon (dz_test_value (y), expected, 1e-13);
  g_assert_true (dz_variable_backward (y, NULL));
  assert_shape (dz_variable_get_grad (b), shape3, 1);
  assert_values (dz_variable_get_grad (b), gb, 3, 1e-13);

  g_clear_object (&a);
  g_clear_object (&b);
  g_clear_object (&y);
  dz_assert_no_live_objects ();
}

static gboolean
all_finite (DzVariable *v)
{
  DzArray *a = dz_variable_get_data (v);

  for (gsize i = 0; i < dz_array_get_size (a); i++)
    if (!isfinite (dz_array_get_value (a, i)))
      return FALSE;
  return TRUE;
}

/* Huge logits neither overflow nor take log (0), forward or backward. */
static void
test_stability (void)
{
  static const double big[] = { 1e4, 0, -1e4, -1e4, 1e4, 0 };
  static const double labels[] = { 0, 2 };
  static const double extremes[] = { 1000, -1000 };
  static const double targets[] = { 0, 1 };
  static const gsize shape2[] = { 2 };
  static const double softmax_big[] = { 1, 0, 0, 0, 1, 0 };
  static const double sigmoid_ext[] = { 1, 0 };
  for (guint f32 = 0; f32 < 2; f32++)
    {
      DzDtype dtype = f32 ? DZ_DTYPE_FLOAT32 : DZ_DTYPE_FLOAT64;
      g_autoptr(DzVariable) x = new_var (big, 6, shape23, 2, dtype);
      g_autoptr(DzVariable) t = new_var (labels, 2, shape2, 1, DZ_DTYPE_INT64);
      g_autoptr(DzVariable) e = new_var (extremes, 2, shape2, 1, dtype);
      g_autoptr(DzVariable) et = new_var (targets, 2, shape2, 1, dtype);
      g_autoptr(DzVariable) loss = dz_softmax_cross_entropy (x, t, NULL);
      g_autoptr(DzVariable) sm = dz_softmax (x, 1, NULL);
      g_autoptr(DzVariable) lsm = dz_log_softmax (x, 1, NULL);
      g_autoptr(DzVariable) lse = dz_logsumexp (x, 1, NULL);
      g_autoptr(DzVariable) sg = dz_sigmoid (e, NULL);
      g_autoptr(DzVariable) bce = dz_sigmoid_cross_entropy (e, et, NULL);

      /* Row 0 is right with certainty (0), row 1 wrong by 1e4. */
      g_assert_cmpfloat_with_epsilon (dz_test_value (loss), 5000, 1e-9);
      assert_values (sm, softmax_big, 6, 0);
      g_assert_true (all_finite (lsm));
      g_assert_cmpfloat (dz_array_get_value (dz_variable_get_data (lsm), 2), ==, -2e4);
      assert_values (lse, (const double[]) { 1e4, 1e4 }, 2, 0);
      assert_values (sg, sigmoid_ext, 2, 0);
      /* sigmoid (1000) against 0 and sigmoid (-1000) against 1: 1000 each. */
      g_assert_cmpfloat_with_epsilon (dz_test_value (bce), 1000, 1e-9);

      g_assert_true (dz_variable_backward (loss, NULL));
      g_assert_true (all_finite (dz_variable_get_grad (x)));
      dz_variable_clear_grad (x);
      g_assert_true (dz_variable_backward (lsm, NULL));
      g_assert_true (all_finite (dz_variable_get_grad (x)));
      g_assert_true (dz_variable_backward (sg, NULL));
      g_assert_true (all_finite (dz_variable_get_grad (e)));
      assert_values (dz_variable_get_grad (e), (const double[]) { 0, 0 }, 2, 0);
      dz_variable_clear_grad (e);
      g_assert_true (dz_variable_backward (bce, NULL));
      assert_values (dz_variable_get_grad (e), (const double[]) { 0.5, -0.5 }, 2, 0);
    }
  dz_assert_no_live_objects ();
}

/* The error is read after the call: arguments have no evaluation order. */
static void
assert_fails (DzVariable  *y,
              GError     **error,
              gint         code)
{
  g_assert_null (y);
  g_assert_error (*error, DZ_ERROR, code);
  g_test_message ("%s", (*error)->message);
  g_clear_error (error);
}

static void
test_errors (void)
{
  static const double bad_label[] = { 3, 0 };
  static const double neg_label[] = { -1, 0 };
  static const double frac_label[] = { 0.5, 0 };
  static const double ok_label[] = { 1, 0, 2 };
  static const gsize shape2[] = { 2 }, shape3[] = { 3 }, shape4[] = { 4 };
  g_autoptr(DzVariable) x = new_x (DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) xi = new_x (DZ_DTYPE_INT64);
  g_autoptr(DzVariable) s = dz_variable_new_scalar (1.0);
  g_autoptr(DzVariable) tb = new_var (bad_label, 2, shape2, 1, DZ_DTYPE_INT64);
  g_autoptr(DzVariable) tn = new_var (neg_label, 2, shape2, 1, DZ_DTYPE_INT64);
  g_autoptr(DzVariable) tf = new_var (frac_label, 2, shape2, 1, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) t3 = new_var (ok_label, 3, shape3, 1, DZ_DTYPE_INT64);
  g_autoptr(DzVariable) v4 = new_var (x_values, 4, shape4, 1, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) row = new_var (x_values, 3, shape3, 1, DZ_DTYPE_FLOAT64);
  GError *error = NULL;

  assert_fails (dz_softmax (x, 2, &error), &error, DZ_ERROR_INVALID_AXIS);
  assert_fails (dz_log_softmax (x, -3, &error), &error, DZ_ERROR_INVALID_AXIS);
  assert_fails (dz_logsumexp (s, 0, &error), &error, DZ_ERROR_INVALID_AXIS);
  assert_fails (dz_softmax (s, 0, &error), &error, DZ_ERROR_INVALID_AXIS);

  assert_fails (dz_softmax_cross_entropy (x, tb, &error), &error, DZ_ERROR_INDEX_OUT_OF_RANGE);
  assert_fails (dz_softmax_cross_entropy (x, tn, &error), &error, DZ_ERROR_INDEX_OUT_OF_RANGE);
  assert_fails (dz_softmax_cross_entropy (x, tf, &error), &error, DZ_ERROR_INVALID_DTYPE);
  assert_fails (dz_softmax_cross_entropy (x, t3, &error), &error, DZ_ERROR_SHAPE_MISMATCH);
  assert_fails (dz_softmax_cross_entropy (row, t3, &error), &error, DZ_ERROR_SHAPE_MISMATCH);
  assert_fails (dz_softmax_cross_entropy (xi, t3, &error), &error, DZ_ERROR_INVALID_DTYPE);

  assert_fails (dz_mean_squared_error (x, v4, &error), &error, DZ_ERROR_SHAPE_MISMATCH);
  assert_fails (dz_mean_squared_error (s, s, &error), &error, DZ_ERROR_SHAPE_MISMATCH);

  assert_fails (dz_sigmoid_cross_entropy (x, t3, &error), &error, DZ_ERROR_SHAPE_MISMATCH);
  assert_fails (dz_sigmoid_cross_entropy (s, s, &error), &error, DZ_ERROR_SHAPE_MISMATCH);

  assert_fails (dz_accuracy (row, t3, &error), &error, DZ_ERROR_SHAPE_MISMATCH);
  assert_fails (dz_accuracy (x, t3, &error), &error, DZ_ERROR_SHAPE_MISMATCH);

  g_clear_object (&x);
  g_clear_object (&xi);
  g_clear_object (&s);
  g_clear_object (&tb);
  g_clear_object (&tn);
  g_clear_object (&tf);
  g_clear_object (&t3);
  g_clear_object (&v4);
  g_clear_object (&row);
  dz_assert_no_live_objects ();
}

/* float32 in, float32 out (values and gradients), close to float64. */
static void
test_float32 (void)
{
  static const double t_values[] = { 2, 0 };
  static const double tb_values[] = { 1, 0, 1, 0, 0, 1 };
  static const gsize shape2[] = { 2 };
  g_autoptr(DzVariable) t = new_var (t_values, 2, shape2, 1, DZ_DTYPE_INT64);
  g_autoptr(GVariant) axis1 = params_axis (1);
  g_autoptr(GVariant) axis0 = params_axis (0);
  g_autoptr(GVariant) slope = params_slope (0.2);
  const struct
  {
    const char *name;
    GVariant *params;
    gboolean binary_target;
    gboolean labels;
  } ops[] = {
    { "sigmoid" }, { "relu" }, { "leaky_relu", slope }, { "softmax", axis1 },
    { "log_softmax", axis0 }, { "logsumexp", axis1 },
    { "mean_squared_error", NULL, TRUE }, { "softmax_cross_entropy", NULL, FALSE, TRUE },
    { "sigmoid_cross_entropy", NULL, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    {
      g_autoptr(DzVariable) x32 = new_x (DZ_DTYPE_FLOAT32);
      g_autoptr(DzVariable) x64 = new_x (DZ_DTYPE_FLOAT64);
      g_autoptr(DzVariable) t32 = new_var (tb_values, 6, shape23, 2, DZ_DTYPE_FLOAT32);
      g_autoptr(DzVariable) t64 = new_var (tb_values, 6, shape23, 2, DZ_DTYPE_FLOAT64);
      Call c32 = { ops[i].name, ops[i].labels ? t : ops[i].binary_target ? t32 : NULL,
                   ops[i].params };
      Call c64 = { ops[i].name, ops[i].labels ? t : ops[i].binary_target ? t64 : NULL,
                   ops[i].params };
      g_autoptr(DzVariable) y32 = call (x32, &c32);
      g_autoptr(DzVariable) y64 = call (x64, &c64);
      DzArray *g32, *g64;

      g_test_message ("%s", ops[i].name);
      g_assert_cmpint (dz_variable_get_dtype (y32), ==, DZ_DTYPE_FLOAT32);
      dz_assert_allclose (dz_variable_get_data (y32), dz_variable_get_data (y64),
                                        1e-6, 1e-6);
      g_assert_true (dz_variable_backward (y32, NULL));
      g_assert_true (dz_variable_backward (y64, NULL));
      g32 = dz_variable_get_data (dz_variable_get_grad (x32));
      g64 = dz_variable_get_data (dz_variable_get_grad (x64));
      g_assert_cmpint (dz_array_get_dtype (g32), ==, DZ_DTYPE_FLOAT32);
      dz_assert_allclose (g32, g64, 1e-5, 1e-6);
    }

  g_clear_object (&t);
  dz_assert_no_live_objects ();
}

/* Every op's gradient (the array-level one, by a plain backward) and its
 * differentiable backward (create_graph, checked through the second
 * derivative) against central differences. */
static void
test_gradients (void)
{
  static const double t_values[] = { 1, 2, 0, 1 };
  static const double tb_values[] = { 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0 };
  static const gsize shape4[] = { 4 }, shape43[] = { 4, 3 }, shape3[] = { 3 };
  static const gsize shape232[] = { 2, 3, 2 };
  g_autoptr(DzVariable) labels = new_var (t_values, 4, shape4, 1, DZ_DTYPE_INT64);
  g_autoptr(DzVariable) targets = new_var (tb_values, 12, shape43, 2, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) other = dz_test_randn (shape43, 2, 11);
  g_autoptr(DzVariable) row = dz_test_randn (shape3, 1, 12);
  g_autoptr(GVariant) axis1 = params_axis (1);
  g_autoptr(GVariant) axis0 = params_axis (0);
  g_autoptr(GVariant) axis_last = params_axis (-1);
  g_autoptr(GVariant) slope = params_slope (0.2);
  Call calls[] = {
    { "sigmoid" }, { "relu" }, { "leaky_relu", NULL, slope },
    { "softmax", NULL, axis1 }, { "softmax", NULL, axis0 },
    { "log_softmax", NULL, axis1 }, { "log_softmax", NULL, axis0 },
    { "logsumexp", NULL, axis1 }, { "logsumexp", NULL, axis0 },
    { "mean_squared_error", other }, { "mean_squared_error", row },
    { "softmax_cross_entropy", labels }, { "sigmoid_cross_entropy", targets },
  };
  Call calls3[] = {
    { "softmax", NULL, axis_last }, { "log_softmax", NULL, axis1 },
    { "logsumexp", NULL, axis_last },
  };

  for (guint i = 0; i < G_N_ELEMENTS (calls) + G_N_ELEMENTS (calls3); i++)
    {
      gboolean three = i >= G_N_ELEMENTS (calls);
      Call *c = three ? &calls3[i - G_N_ELEMENTS (calls)] : &calls[i];
      /* Values spaced apart, away from relu's kink. */
      g_autoptr(DzVariable) x = dz_test_randn (three ? shape232 : shape43, three ? 3 : 2, 5 + i);
      g_autoptr(GError) error = NULL;

      g_test_message ("%s%s", c->name, three ? " (3-d)" : "");
      dz_gradient_check (call, c, x, 1e-4, 1e-4, 1e-5, &error);
      g_assert_no_error (error);
      dz_gradient_check (call_grad, c, x, 1e-4, 1e-4, 1e-5, &error);
      g_assert_no_error (error);
    }

  g_clear_object (&labels);
  g_clear_object (&targets);
  g_clear_object (&other);
  g_clear_object (&row);
  dz_assert_no_live_objects ();
}

/* The first maximum wins ties, as NumPy's argmax; dz_op_call() gives the
 * same unrecorded result. */
static void
test_accuracy_ties (void)
{
  static const double y_values[] = { 1, 1, 0, 0, 2, 2 };
  static const double t_values[] = { 0, 1 };
  static const gsize shape2[] = { 2 };
  g_autoptr(DzVariable) tie = new_var (y_values, 6, shape23, 2, DZ_DTYPE_FLOAT32);
  g_autoptr(DzVariable) t = new_var (t_values, 2, shape2, 1, DZ_DTYPE_INT64);
  g_autoptr(DzVariable) acc = dz_accuracy (tie, t, NULL);

  DzVariable *inputs[] = { tie, t };
  g_autoptr(DzVariable) by_name = dz_op_call ("accuracy", inputs, 2, NULL, NULL);

  g_assert_cmpfloat (dz_test_value (acc), ==, 1.0);
  /* Not recorded by name either: nothing could flow back through it. */
  g_assert_cmpfloat (dz_test_value (by_name), ==, 1.0);
  g_assert_null (dz_variable_get_creator (by_name));

  g_clear_object (&tie);
  g_clear_object (&t);
  g_clear_object (&acc);
  g_clear_object (&by_name);
  dz_assert_no_live_objects ();
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/nn/activation-values", test_activation_values);
  g_test_add_func ("/nn/activation-scalars", test_activation_scalars);
  g_test_add_func ("/nn/sigmoid-shared-gradient", test_sigmoid_shared_gradient);
  g_test_add_func ("/nn/loss-values", test_loss_values);
  g_test_add_func ("/nn/mse-broadcast", test_mse_broadcast);
  g_test_add_func ("/nn/stability", test_stability);
  g_test_add_func ("/nn/errors", test_errors);
  g_test_add_func ("/nn/float32", test_float32);
  g_test_add_func ("/nn/gradients", test_gradients);
  g_test_add_func ("/nn/accuracy-ties", test_accuracy_ties);

  return g_test_run ();
}
