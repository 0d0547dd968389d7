/* test-reduce.c: sum, mean, max, min and clip against NumPy, their errors,
 * dtypes and gradients
 *
 * SPDX-License-Identifier: MIT
 */

#include "dz-test-utils.h"

typedef DzVariable * (*ReduceFunc) (DzVariable  *x,
                                    const gint  *axis,
                                    guint        n_axis,
                                    gboolean     keepdims,
                                    GError     **error);

static const struct
{
  const char *name;
  ReduceFunc func;
} reduce_ops[] = {
  { "sum", dz_sum }, { "mean", dz_mean }, { "max", dz_max }, { "min", dz_min },
};

static ReduceFunc
reduce_func (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (reduce_ops); i++)
    if (strcmp (reduce_ops[i].name, name) == 0)
      return reduce_ops[i].func;
  g_assert_not_reached ();
}

/* A non-NULL empty axis set: axis=(), no reduction. */
static const gint no_axes[1] = { 0 };

#define AXES(...) (const gint[]) { __VA_ARGS__ }, G_N_ELEMENTS (((const gint[]) { __VA_ARGS__ }))

/* x = ((7 i mod 24) - 9.5) / 4 of shape (2, 3, 4): distinct values a
 * quarter apart, exact in binary, so that sums are exact in any order. */
static DzArray *
input_array (DzDtype dtype)
{
  const gsize shape[] = { 2, 3, 4 };
  double values[24];
  g_autoptr(DzArray) x = NULL;

  for (guint i = 0; i < 24; i++)
    values[i] = ((i * 7) % 24 - 9.5) / 4;
  x = dz_array_new_from_values (values, 24, shape, 3, NULL);
  return dz_array_astype (x, dtype, NULL);
}

static DzVariable *
input (DzDtype dtype)
{
  g_autoptr(DzArray) x = input_array (dtype);

  return dz_variable_new (x);
}

static void
assert_shape (DzVariable  *v,
              guint        ndim,
              const gsize *shape)
{
  guint n;
  const gsize *s = dz_variable_get_shape (v, &n);

  g_assert_cmpuint (n, ==, ndim);
  for (guint d = 0; d < ndim; d++)
    g_assert_cmpuint (s[d], ==, shape[d]);
}

static void
assert_values (DzVariable   *v,
               const double *expected,
               gsize         n,
               double        tolerance)
{
  DzArray *data = dz_variable_get_data (v);

  g_assert_cmpuint (dz_array_get_size (data), ==, n);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat (fabs (dz_array_get_value (data, i) - expected[i]), <=,
                       tolerance * MAX (1.0, fabs (expected[i])));
}

/* Expected values from NumPy 1.24:
 *   x = np.array([((i*7) % 24 - 9.5) / 4 for i in range(24)]).reshape(2,3,4)
 *   getattr(np, op)(x, axis=axis, keepdims=keepdims)
 */
static const struct
{
  const char *op;
  const gint *axis;
  guint n_axis;
  gboolean keepdims;
  guint ndim;
  gsize shape[3];
  double values[24];
} numpy_cases[] = {
  { "sum", NULL, 0, FALSE, 0, { 0 },
    { 12.0 } },
  { "sum", NULL, 0, TRUE, 3, { 1, 1, 1 },
    { 12.0 } },
  { "sum", AXES (0), FALSE, 2, { 3, 4 },
    { -1.75, 1.75, -0.75, 2.75, 0.25, 3.75, 1.25, -1.25, 2.25, -0.25, 3.25, 0.75 } },
  { "sum", AXES (0), TRUE, 3, { 1, 3, 4 },
    { -1.75, 1.75, -0.75, 2.75, 0.25, 3.75, 1.25, -1.25, 2.25, -0.25, 3.25, 0.75 } },
  { "sum", AXES (1), FALSE, 2, { 2, 4 },
    { -4.125, 1.125, 6.375, -0.375, 4.875, 4.125, -2.625, 2.625 } },
  { "sum", AXES (1), TRUE, 3, { 2, 1, 4 },
    { -4.125, 1.125, 6.375, -0.375, 4.875, 4.125, -2.625, 2.625 } },
  { "sum", AXES (2), FALSE, 2, { 2, 3 },
    { 1.0, -1.0, 3.0, 1.0, 5.0, 3.0 } },
  { "sum", AXES (2), TRUE, 3, { 2, 3, 1 },
    { 1.0, -1.0, 3.0, 1.0, 5.0, 3.0 } },
  { "sum", AXES (-1), FALSE, 2, { 2, 3 },
    { 1.0, -1.0, 3.0, 1.0, 5.0, 3.0 } },
  { "sum", AXES (-1), TRUE, 3, { 2, 3, 1 },
    { 1.0, -1.0, 3.0, 1.0, 5.0, 3.0 } },
  { "sum", AXES (0, 2), FALSE, 1, { 3 },
    { 2.0, 4.0, 6.0 } },
  { "sum", AXES (0, 2), TRUE, 3, { 1, 3, 1 },
    { 2.0, 4.0, 6.0 } },
  { "sum", AXES (-1, -3), FALSE, 1, { 3 },
    { 2.0, 4.0, 6.0 } },
  { "sum", AXES (-1, -3), TRUE, 3, { 1, 3, 1 },
    { 2.0, 4.0, 6.0 } },
  { "sum", no_axes, 0, FALSE, 3, { 2, 3, 4 },
    { -2.375, -0.625, 1.125, 2.875, -1.375, 0.375, 2.125, -2.125, -0.375, 1.375, 3.125, -1.125, 0.625, 2.375, -1.875, -0.125, 1.625, 3.375, -0.875, 0.875, 2.625, -1.625, 0.125, 1.875 } },
  { "sum", no_axes, 0, TRUE, 3, { 2, 3, 4 },
    { -2.375, -0.625, 1.125, 2.875, -1.375, 0.375, 2.125, -2.125, -0.375, 1.375, 3.125, -1.125, 0.625, 2.375, -1.875, -0.125, 1.625, 3.375, -0.875, 0.875, 2.625, -1.625, 0.125, 1.875 } },
  { "sum", AXES (0, 1, 2), FALSE, 0, { 0 },
    { 12.0 } },
  { "sum", AXES (0, 1, 2), TRUE, 3, { 1, 1, 1 },
    { 12.0 } },
  { "mean", NULL, 0, FALSE, 0, { 0 },
    { 0.5 } },
  { "mean", NULL, 0, TRUE, 3, { 1, 1, 1 },
    { 0.5 } },
  { "mean", AXES (0), FALSE, 2, { 3, 4 },
    { -0.875, 0.875, -0.375, 1.375, 0.125, 1.875, 0.625, -0.625, 1.125, -0.125, 1.625, 0.375 } },
  { "mean", AXES (0), TRUE, 3, { 1, 3, 4 },
    { -0.875, 0.875, -0.375, 1.375, 0.125, 1.875, 0.625, -0.625, 1.125, -0.125, 1.625, 0.375 } },
  { "mean", AXES (1), FALSE, 2, { 2, 4 },
    { -1.375, 0.375, 2.125, -0.125, 1.625, 1.375, -0.875, 0.875 } },
  { "mean", AXES (1), TRUE, 3, { 2, 1, 4 },
    { -1.375, 0.375, 2.125, -0.125, 1.625, 1.375, -0.875, 0.875 } },
  { "mean", AXES (2), FALSE, 2, { 2, 3 },
    { 0.25, -0.25, 0.75, 0.25, 1.25, 0.75 } },
  { "mean", AXES (2), TRUE, 3, { 2, 3, 1 },
    { 0.25, -0.25, 0.75, 0.25, 1.25, 0.75 } },
  { "mean", AXES (-1), FALSE, 2, { 2, 3 },
    { 0.25, -0.25, 0.75, 0.25, 1.25, 0.75 } },
  { "mean", AXES (-1), TRUE, 3, { 2, 3, 1 },
    { 0.25, -0.25, 0.75, 0.25, 1.25, 0.75 } },
  { "mean", AXES (0, 2), FALSE, 1, { 3 },
    { 0.25, 0.5, 0.75 } },
  { "mean", AXES (0, 2), TRUE, 3, { 1, 3, 1 },
    { 0.25, 0.5, 0.75 } },
  { "mean", AXES (-1, -3), FALSE, 1, { 3 },
    { 0.25, 0.5, 0.75 } },
  { "mean", AXES (-1, -3), TRUE, 3, { 1, 3, 1 },
    { 0.25, 0.5, 0.75 } },
  { "mean", no_axes, 0, FALSE, 3, { 2, 3, 4 },
    { -2.375, -0.625, 1.125, 2.875, -1.375, 0.375, 2.125, -2.125, -0.375, 1.375, 3.125, -1.125, 0.625, 2.375, -1.875, -0.125, 1.625, 3.375, -0.875, 0.875, 2.625, -1.625, 0.125, 1.875 } },
  { "mean", no_axes, 0, TRUE, 3, { 2, 3, 4 },
    { -2.375, -0.625, 1.125, 2.875, -1.375, 0.375, 2.125, -2.125, -0.375, 1.375, 3.125, -1.125, 0.625, 2.375, -1.875, -0.125, 1.625, 3.375, -0.875, 0.875, 2.625, -1.625, 0.125, 1.875 } },
  { "mean", AXES (0, 1, 2), FALSE, 0, { 0 },
    { 0.5 } },
  { "mean", AXES (0, 1, 2), TRUE, 3, { 1, 1, 1 },
    { 0.5 } },
  { "max", NULL, 0, FALSE, 0, { 0 },
    { 3.375 } },
  { "max", NULL, 0, TRUE, 3, { 1, 1, 1 },
    { 3.375 } },
  { "max", AXES (0), FALSE, 2, { 3, 4 },
    { 0.625, 2.375, 1.125, 2.875, 1.625, 3.375, 2.125, 0.875, 2.625, 1.375, 3.125, 1.875 } },
  { "max", AXES (0), TRUE, 3, { 1, 3, 4 },
    { 0.625, 2.375, 1.125, 2.875, 1.625, 3.375, 2.125, 0.875, 2.625, 1.375, 3.125, 1.875 } },
  { "max", AXES (1), FALSE, 2, { 2, 4 },
    { -0.375, 1.375, 3.125, 2.875, 2.625, 3.375, 0.125, 1.875 } },
  { "max", AXES (1), TRUE, 3, { 2, 1, 4 },
    { -0.375, 1.375, 3.125, 2.875, 2.625, 3.375, 0.125, 1.875 } },
  { "max", AXES (2), FALSE, 2, { 2, 3 },
    { 2.875, 2.125, 3.125, 2.375, 3.375, 2.625 } },
  { "max", AXES (2), TRUE, 3, { 2, 3, 1 },
    { 2.875, 2.125, 3.125, 2.375, 3.375, 2.625 } },
  { "max", AXES (-1), FALSE, 2, { 2, 3 },
    { 2.875, 2.125, 3.125, 2.375, 3.375, 2.625 } },
  { "max", AXES (-1), TRUE, 3, { 2, 3, 1 },
    { 2.875, 2.125, 3.125, 2.375, 3.375, 2.625 } },
  { "max", AXES (0, 2), FALSE, 1, { 3 },
    { 2.875, 3.375, 3.125 } },
  { "max", AXES (0, 2), TRUE, 3, { 1, 3, 1 },
    { 2.875, 3.375, 3.125 } },
  { "max", AXES (-1, -3), FALSE, 1, { 3 },
    { 2.875, 3.375, 3.125 } },
  { "max", AXES (-1, -3), TRUE, 3, { 1, 3, 1 },
    { 2.875, 3.375, 3.125 } },
  { "max", no_axes, 0, FALSE, 3, { 2, 3, 4 },
    { -2.375, -0.625, 1.125, 2.875, -1.375, 0.375, 2.125, -2.125, -0.375, 1.375, 3.125, -1.125, 0.625, 2.375, -1.875, -0.125, 1.625, 3.375, -0.875, 0.875, 2.625, -1.625, 0.125, 1.875 } },
  { "max", no_axes, 0, TRUE, 3, { 2, 3, 4 },
    { -2.375, -0.625, 1.125, 2.875, -1.375, 0.375, 2.125, -2.125, -0.375, 1.375, 3.125, -1.125, 0.625, 2.375, -1.875, -0.125, 1.625, 3.375, -0.875, 0.875, 2.625, -1.625, 0.125, 1.875 } },
  { "max", AXES (0, 1, 2), FALSE, 0, { 0 },
    { 3.375 } },
  { "max", AXES (0, 1, 2), TRUE, 3, { 1, 1, 1 },
    { 3.375 } },
  { "min", NULL, 0, FALSE, 0, { 0 },
    { -2.375 } },
  { "min", NULL, 0, TRUE, 3, { 1, 1, 1 },
    { -2.375 } },
  { "min", AXES (0), FALSE, 2, { 3, 4 },
    { -2.375, -0.625, -1.875, -0.125, -1.375, 0.375, -0.875, -2.125, -0.375, -1.625, 0.125, -1.125 } },
  { "min", AXES (0), TRUE, 3, { 1, 3, 4 },
    { -2.375, -0.625, -1.875, -0.125, -1.375, 0.375, -0.875, -2.125, -0.375, -1.625, 0.125, -1.125 } },
  { "min", AXES (1), FALSE, 2, { 2, 4 },
    { -2.375, -0.625, 1.125, -2.125, 0.625, -1.625, -1.875, -0.125 } },
  { "min", AXES (1), TRUE, 3, { 2, 1, 4 },
    { -2.375, -0.625, 1.125, -2.125, 0.625, -1.625, -1.875, -0.125 } },
  { "min", AXES (2), FALSE, 2, { 2, 3 },
    { -2.375, -2.125, -1.125, -1.875, -0.875, -1.625 } },
  { "min", AXES (2), TRUE, 3, { 2, 3, 1 },
    { -2.375, -2.125, -1.125, -1.875, -0.875, -1.625 } },
  { "min", AXES (-1), FALSE, 2, { 2, 3 },
    { -2.375, -2.125, -1.125, -1.875, -0.875, -1.625 } },
  { "min", AXES (-1), TRUE, 3, { 2, 3, 1 },
    { -2.375, -2.125, -1.125, -1.875, -0.875, -1.625 } },
  { "min", AXES (0, 2), FALSE, 1, { 3 },
    { -2.375, -2.125, -1.625 } },
  { "min", AXES (0, 2), TRUE, 3, { 1, 3, 1 },
    { -2.375, -2.125, -1.625 } },
  { "min", AXES (-1, -3), FALSE, 1, { 3 },
    { -2.375, -2.125, -1.625 } },
  { "min", AXES (-1, -3), TRUE, 3, { 1, 3, 1 },
    { -2.375, -2.125, -1.625 } },
  { "min", no_axes, 0, FALSE, 3, { 2, 3, 4 },
    { -2.375, -0.625, 1.125, 2.875, -1.375, 0.375, 2.125, -2.125, -0.375, 1.375, 3.125, -1.125, 0.625, 2.375, -1.875, -0.125, 1.625, 3.375, -0.875, 0.875, 2.625, -1.625, 0.125, 1.875 } },
  { "min", no_axes, 0, TRUE, 3, { 2, 3, 4 },
    { -2.375, -0.625, 1.125, 2.875, -1.375, 0.375, 2.125, -2.125, -0.375, 1.375, 3.125, -1.125, 0.625, 2.375, -1.875, -0.125, 1.625, 3.375, -0.875, 0.875, 2.625, -1.625, 0.125, 1.875 } },
  { "min", AXES (0, 1, 2), FALSE, 0, { 0 },
    { -2.375 } },
  { "min", AXES (0, 1, 2), TRUE, 3, { 1, 1, 1 },
    { -2.375 } },
};

static void
test_numpy_values (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (numpy_cases); i++)
    for (guint f32 = 0; f32 < 2; f32++)
      {
        DzDtype dtype = f32 ? DZ_DTYPE_FLOAT32 : DZ_DTYPE_FLOAT64;
        g_autoptr(DzVariable) x = input (dtype);
        g_autoptr(DzVariable) y = NULL;
        g_autoptr(GError) error = NULL;
        gsize size = 1;

        g_test_message ("case %u (%s), %s", i, numpy_cases[i].op, f32 ? "float32" : "float64");
        y = reduce_func (numpy_cases[i].op) (x, numpy_cases[i].axis, numpy_cases[i].n_axis,
                                             numpy_cases[i].keepdims, &error);
        g_assert_no_error (error);
        g_assert_cmpint (dz_variable_get_dtype (y), ==, dtype);
        assert_shape (y, numpy_cases[i].ndim, numpy_cases[i].shape);
        for (guint d = 0; d < numpy_cases[i].ndim; d++)
          size *= numpy_cases[i].shape[d];
        assert_values (y, numpy_cases[i].values, size, f32 ? 1e-6 : 1e-15);
      }
  dz_assert_no_live_objects ();
}

/* dz_op_call() reaches the same ops with Python's keywords: an absent axis
 * is every axis, an empty list none. */
static void
test_op_call (void)
{
  g_autoptr(DzVariable) x = input (DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) direct = dz_mean (x, AXES (0, -1), TRUE, NULL);
  g_autoptr(DzVariable) all = NULL;
  g_autoptr(DzVariable) called = NULL;
  g_autoptr(DzVariable) none = NULL;
  g_autoptr(DzVariable) clipped = NULL;
  g_autoptr(GVariant) params = NULL;
  g_autoptr(GVariant) empty = NULL;
  g_autoptr(GVariant) bounds = NULL;
  const gint64 axes[] = { 0, -1 };
  const gsize kept[] = { 1, 3, 1 }, full[] = { 2, 3, 4 };
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert_value (&dict, "axis",
                               g_variant_new_fixed_array (G_VARIANT_TYPE_INT64, axes, 2,
                                                          sizeof (gint64)));
  g_variant_dict_insert (&dict, "keepdims", "b", TRUE);
  params = g_variant_ref_sink (g_variant_dict_end (&dict));
  called = dz_op_call ("mean", &x, 1, params, NULL);
  assert_shape (called, 3, kept);
  dz_assert_allclose (dz_variable_get_data (called), dz_variable_get_data (direct),
                                    0, 0);

  all = dz_op_call ("sum", &x, 1, NULL, NULL);
  g_assert_cmpuint (dz_variable_get_ndim (all), ==, 0);
  g_assert_cmpfloat (dz_test_value (all), ==, 12.0);

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert_value (&dict, "axis",
                               g_variant_new_fixed_array (G_VARIANT_TYPE_INT64, NULL, 0,
                                                          sizeof (gint64)));
  empty = g_variant_ref_sink (g_variant_dict_end (&dict));
  none = dz_op_call ("max", &x, 1, empty, NULL);
  assert_shape (none, 3, full);
  dz_assert_allclose (dz_variable_get_data (none), dz_variable_get_data (x), 0, 0);

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "x_min", "d", -1.0);
  g_variant_dict_insert (&dict, "x_max", "x", (gint64) 1);
  bounds = g_variant_ref_sink (g_variant_dict_end (&dict));
  clipped = dz_op_call ("clip", &x, 1, bounds, NULL);
  g_assert_cmpfloat (dz_array_get_value (dz_variable_get_data (clipped), 2), ==, 1.0);
  g_assert_cmpfloat (dz_array_get_value (dz_variable_get_data (clipped), 0), ==, -1.0);

  g_clear_object (&x);
  g_clear_object (&direct);
  g_clear_object (&all);
  g_clear_object (&called);
  g_clear_object (&none);
  g_clear_object (&clipped);
  dz_assert_no_live_objects ();
}

/* A 0-d input: axis None and axis () give the value itself, any axis is
 * out of range; the gradient is 1. */
static void
test_scalar_input (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (reduce_ops); i++)
    {
      g_autoptr(DzVariable) x = dz_test_scalar (2.5);
      g_autoptr(DzVariable) all = NULL;
      g_autoptr(DzVariable) none = NULL;
      g_autoptr(DzVariable) kept = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", reduce_ops[i].name);
      all = reduce_ops[i].func (x, NULL, 0, FALSE, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (dz_variable_get_ndim (all), ==, 0);
      g_assert_cmpfloat (dz_test_value (all), ==, 2.5);
      none = reduce_ops[i].func (x, no_axes, 0, TRUE, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (dz_variable_get_ndim (none), ==, 0);
      g_assert_cmpfloat (dz_test_value (none), ==, 2.5);

      g_assert_null (reduce_ops[i].func (x, AXES (0), FALSE, &error));
      g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS);

      g_assert_true (dz_variable_backward (all, NULL));
      g_assert_cmpfloat (dz_test_grad (x), ==, 1.0);

      kept = reduce_ops[i].func (x, NULL, 0, TRUE, NULL);
      g_assert_cmpuint (dz_variable_get_ndim (kept), ==, 0);
    }
  dz_assert_no_live_objects ();
}

static void
test_axis_errors (void)
{
  static const struct
  {
    gint axes[3];
    guint n;
  } bad[] = {
    { { 3 }, 1 }, { { -4 }, 1 }, { { 0, 0 }, 2 }, { { 1, -2 }, 2 }, { { 0, 1, 7 }, 3 },
  };
  const gint too_many[DZ_ARRAY_MAX_NDIM + 1] = { 0, };

  for (guint i = 0; i < G_N_ELEMENTS (reduce_ops); i++)
    {
      g_autoptr(DzVariable) x = input (DZ_DTYPE_FLOAT64);
      g_autoptr(GError) error = NULL;

      for (guint k = 0; k < G_N_ELEMENTS (bad); k++)
        {
          g_test_message ("%s, bad axes #%u", reduce_ops[i].name, k);
          g_assert_null (reduce_ops[i].func (x, bad[k].axes, bad[k].n, FALSE, &error));
          g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS);
          g_clear_error (&error);
          g_assert_null (reduce_ops[i].func (x, bad[k].axes, bad[k].n, TRUE, NULL));
        }
      g_assert_null (reduce_ops[i].func (x, too_many, G_N_ELEMENTS (too_many), FALSE, &error));
      g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS);
    }
  dz_assert_no_live_objects ();
}

/* Empty reductions as NumPy: a sum is 0, a mean NaN, a maximum an error;
 * reducing the other axes of an empty array is fine. */
static void
test_empty (void)
{
  const gsize shape[] = { 0, 3 };
  g_autoptr(DzArray) data = dz_array_new_zeros (shape, 2, NULL);
  g_autoptr(DzVariable) x = dz_variable_new (data);
  g_autoptr(DzVariable) sum = dz_sum (x, AXES (0), FALSE, NULL);
  g_autoptr(DzVariable) mean = dz_mean (x, AXES (0), FALSE, NULL);
  g_autoptr(DzVariable) max_rows = dz_max (x, AXES (1), FALSE, NULL);
  g_autoptr(DzVariable) sum_all = dz_sum (x, NULL, 0, FALSE, NULL);
  g_autoptr(GError) error = NULL;
  const double zeros[] = { 0, 0, 0 };

  assert_values (sum, zeros, 3, 0);
  for (guint i = 0; i < 3; i++)
    g_assert_true (isnan (dz_array_get_value (dz_variable_get_data (mean), i)));
  g_assert_cmpuint (dz_variable_get_size (max_rows), ==, 0);
  g_assert_cmpfloat (dz_test_value (sum_all), ==, 0.0);

  g_assert_null (dz_max (x, AXES (0), FALSE, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SIZE_MISMATCH);
  g_clear_error (&error);
  g_assert_null (dz_min (x, NULL, 0, TRUE, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SIZE_MISMATCH);

  /* The gradient of the empty sum is empty. */
  g_assert_true (dz_variable_backward (sum, NULL));
  g_assert_cmpuint (dz_variable_get_size (dz_variable_get_grad (x)), ==, 0);

  g_clear_object (&x);
  g_clear_object (&data);
  g_clear_object (&sum);
  g_clear_object (&mean);
  g_clear_object (&max_rows);
  g_clear_object (&sum_all);
  dz_assert_no_live_objects ();
}

/* int64 as NumPy: sums, maxima and minima stay int64 (2^40 + 9 shows no
 * float32 on the way), means and clips are float64; gradients flow as in
 * DeZero on NumPy (its step 39 sums an int array and prints int ones). */
static void
test_int64 (void)
{
  const double values[] = { 5, -3, 1099511627776.0, 7 };
  const gsize shape[] = { 4 };
  g_autoptr(DzArray) f = dz_array_new_from_values (values, 4, shape, 1, NULL);
  g_autoptr(DzArray) ints = dz_array_astype (f, DZ_DTYPE_INT64, NULL);
  g_autoptr(DzVariable) x = dz_variable_new (ints);
  g_autoptr(DzVariable) sum = dz_sum (x, NULL, 0, FALSE, NULL);
  g_autoptr(DzVariable) mean = dz_mean (x, NULL, 0, FALSE, NULL);
  g_autoptr(DzVariable) max = dz_max (x, AXES (0), FALSE, NULL);
  g_autoptr(DzVariable) min = dz_min (x, AXES (-1), TRUE, NULL);
  g_autoptr(DzVariable) clipped = NULL;
  g_autoptr(DzVariable) small = NULL;
  g_autoptr(GError) error = NULL;
  const double clip_expected[] = { 1.5, 1.5, 2.0, 3.0, 3.2, 3.2 };
  const double small_values[] = { 0, 1, 2, 3, 4, 5 };
  const gsize small_shape[] = { 6 };
  g_autoptr(DzArray) small_f = dz_array_new_from_values (small_values, 6, small_shape, 1, NULL);
  g_autoptr(DzArray) small_i = dz_array_astype (small_f, DZ_DTYPE_INT64, NULL);

  g_assert_cmpint (dz_variable_get_dtype (sum), ==, DZ_DTYPE_INT64);
  g_assert_cmpfloat (dz_test_value (sum), ==, 1099511627785.0);
  g_assert_cmpint (dz_variable_get_dtype (mean), ==, DZ_DTYPE_FLOAT64);
  g_assert_cmpfloat (dz_test_value (mean), ==, 274877906946.25);
  g_assert_cmpint (dz_variable_get_dtype (max), ==, DZ_DTYPE_INT64);
  g_assert_cmpfloat (dz_test_value (max), ==, 1099511627776.0);
  g_assert_cmpint (dz_variable_get_dtype (min), ==, DZ_DTYPE_INT64);
  g_assert_cmpfloat (dz_array_get_value (dz_variable_get_data (min), 0), ==, -3.0);

  small = dz_variable_new (small_i);
  clipped = dz_clip (small, 1.5, 3.2, NULL);
  g_assert_cmpint (dz_variable_get_dtype (clipped), ==, DZ_DTYPE_FLOAT64);
  assert_values (clipped, clip_expected, 6, 0);

  g_assert_true (dz_variable_backward (sum, &error));
  g_assert_no_error (error);
  g_assert_cmpint (dz_array_get_dtype (dz_variable_get_data (dz_variable_get_grad (x))), ==,
                   DZ_DTYPE_INT64);
  g_assert_cmpfloat (dz_array_get_value (dz_variable_get_data (dz_variable_get_grad (x)), 3), ==, 1.0);
  dz_variable_clear_grad (x);

  g_clear_object (&x);
  g_clear_object (&f);
  g_clear_object (&ints);
  g_clear_object (&sum);
  g_clear_object (&mean);
  g_clear_object (&max);
  g_clear_object (&min);
  g_clear_object (&clipped);
  g_clear_object (&small);
  g_clear_object (&small_f);
  g_clear_object (&small_i);
  dz_assert_no_live_objects ();
}

/* NumPy 1.24: np.clip(x, -1.0, 1.3) and np.clip(x, 1.0, -1.3). */
static void
test_clip_values (void)
{
  static const double expected[] = {
    -1.0, -0.625, 1.125, 1.3, -1.0, 0.375, 1.3, -1.0, -0.375, 1.3, 1.3, -1.0,
    0.625, 1.3, -1.0, -0.125, 1.3, 1.3, -0.875, 0.875, 1.3, -1.0, 0.125, 1.3,
  };
  g_autoptr(DzVariable) x = input (DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) x32 = input (DZ_DTYPE_FLOAT32);
  g_autoptr(DzVariable) y = dz_clip (x, -1.0, 1.3, NULL);
  g_autoptr(DzVariable) y32 = dz_clip (x32, -1.0, 1.3, NULL);
  g_autoptr(DzVariable) reversed = dz_clip (x, 1.0, -1.3, NULL);
  g_autoptr(GError) error = NULL;
  const gsize shape[] = { 2, 3, 4 };

  assert_shape (y, 3, shape);
  assert_values (y, expected, 24, 0);
  g_assert_cmpint (dz_variable_get_dtype (y32), ==, DZ_DTYPE_FLOAT32);
  assert_values (y32, expected, 24, 1e-7);
  for (guint i = 0; i < 24; i++)
    g_assert_cmpfloat (dz_array_get_value (dz_variable_get_data (reversed), i), ==, -1.3);

  g_assert_null (dz_clip (x, NAN, 1.0, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);

  /* Bounds the wrong way round pass no gradient (DeZero's mask is empty). */
  g_assert_true (dz_variable_backward (reversed, NULL));
  for (guint i = 0; i < 24; i++)
    g_assert_cmpfloat (dz_array_get_value (dz_variable_get_data (dz_variable_get_grad (x)), i),
                       ==, 0.0);

  g_clear_object (&x);
  g_clear_object (&x32);
  g_clear_object (&y);
  g_clear_object (&y32);
  g_clear_object (&reversed);
  dz_assert_no_live_objects ();
}

/* -- gradients ---------------------------------------------------------- */

/* One op call under test: a reduction with its axes, or clip. */
typedef struct
{
  const char *op;
  const gint *axis;
  guint n_axis;
  gboolean keepdims;
  double x_min, x_max;
} Call;

static DzVariable *
call (const Call  *c,
      DzVariable  *x)
{
  if (strcmp (c->op, "clip") == 0)
    return dz_clip (x, c->x_min, c->x_max, NULL);
  return reduce_func (c->op) (x, c->axis, c->n_axis, c->keepdims, NULL);
}

/* sum (y * w) with fixed random weights w of y's shape: ones as the
 * output gradient would hide a gradient sent to the wrong place. */
static DzVariable *
weigh (DzVariable *y)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (99);
  g_autoptr(DzArray) w64 = NULL;
  g_autoptr(DzArray) w_data = NULL;
  g_autoptr(DzVariable) w = NULL;
  g_autoptr(DzVariable) yw = NULL;
  guint ndim;
  const gsize *shape = dz_variable_get_shape (y, &ndim);

  /* Of y's dtype: a float64 w would make a float32 gradient float64. */
  w64 = dz_array_new_randn (shape, ndim, gen, NULL);
  w_data = dz_array_astype (w64, dz_variable_get_dtype (y), NULL);
  w = dz_variable_new (w_data);
  yw = dz_mul (y, w, NULL);
  return dz_sum (yw, NULL, 0, FALSE, NULL);
}

static DzVariable *
weighted (DzVariable *x,
          gpointer    user_data)
{
  g_autoptr(DzVariable) y = call (user_data, x);

  return weigh (y);
}

/* sum (op (x)^2 * w): its gradient depends on x, so its second derivative
 * is not trivially 0. */
static DzVariable *
weighted_square (DzVariable *x,
                 gpointer    user_data)
{
  g_autoptr(DzVariable) y = call (user_data, x);
  g_autoptr(DzVariable) y2 = dz_square (y, NULL);

  return weigh (y2);
}

static const Call grad_calls[] = {
  { "sum", NULL, 0, FALSE }, { "sum", AXES (0), FALSE }, { "sum", AXES (1), TRUE },
  { "sum", AXES (-1), FALSE }, { "sum", AXES (0, 2), TRUE }, { "sum", AXES (-1, -3), FALSE },
  { "sum", no_axes, 0, FALSE },
  { "mean", NULL, 0, TRUE }, { "mean", AXES (0), FALSE }, { "mean", AXES (1), FALSE },
  { "mean", AXES (2), TRUE }, { "mean", AXES (0, 2), FALSE }, { "mean", no_axes, 0, FALSE },
  { "max", NULL, 0, FALSE }, { "max", AXES (0), FALSE }, { "max", AXES (1), TRUE },
  { "max", AXES (-1), FALSE }, { "max", AXES (0, 2), FALSE }, { "max", no_axes, 0, FALSE },
  { "min", NULL, 0, TRUE }, { "min", AXES (0), TRUE }, { "min", AXES (1), FALSE },
  { "min", AXES (2), FALSE }, { "min", AXES (-3, -2), TRUE },
  { "clip", .x_min = -1.0, .x_max = 1.3 }, { "clip", .x_min = -10.0, .x_max = 10.0 },
  { "clip", .x_min = 0.1, .x_max = 0.2 },
};

/* The array-level gradient and the create_graph one against central
 * differences, in float64 and float32 (whose gradient stays float32). */
static void
test_gradients (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (grad_calls); i++)
    for (guint f32 = 0; f32 < 2; f32++)
      {
        const Call *c = &grad_calls[i];
        DzDtype dtype = f32 ? DZ_DTYPE_FLOAT32 : DZ_DTYPE_FLOAT64;
        g_autoptr(DzVariable) x = input (dtype);
        g_autoptr(DzVariable) y = weighted (x, (gpointer) c);
        g_autoptr(DzVariable) y_graph = weighted (x, (gpointer) c);
        g_autoptr(GPtrArray) inputs = g_ptr_array_new ();
        g_autoptr(GPtrArray) plain = NULL;
        g_autoptr(GPtrArray) graph = NULL;
        g_autoptr(GError) error = NULL;

        g_test_message ("%s #%u, %s", c->op, i, f32 ? "float32" : "float64");
        if (!f32)
          {
            dz_gradient_check (weighted, (gpointer) c, x, 1e-4, 1e-6, 1e-8, &error);
            g_assert_no_error (error);
          }

        g_ptr_array_add (inputs, x);
        plain = dz_grad (y, inputs, 0, &error);
        g_assert_no_error (error);
        graph = dz_grad (y_graph, inputs, DZ_BACKWARD_CREATE_GRAPH, &error);
        g_assert_no_error (error);
        g_assert_cmpint (dz_variable_get_dtype (plain->pdata[0]), ==, dtype);
        g_assert_cmpint (dz_variable_get_dtype (graph->pdata[0]), ==, dtype);
        dz_assert_allclose (dz_variable_get_data (plain->pdata[0]),
                                          dz_variable_get_data (graph->pdata[0]),
                                          f32 ? 1e-6 : 1e-12, 1e-12);
      }
  dz_assert_no_live_objects ();
}

/* Grad of grad: with g (x) the create_graph gradient of sum (op (x)^2 w),
 * the gradient of sum (g (x) v) is H v, against (g (x + e v) - g (x - e v)) / 2e. */
static void
test_second_order (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (grad_calls); i++)
    {
      const Call *c = &grad_calls[i];
      const double eps = 1e-4;
      g_autoptr(DzArray) x0 = input_array (DZ_DTYPE_FLOAT64);
      g_autoptr(DzVariable) x = dz_variable_new (x0);
      g_autoptr(DzVariable) v = dz_test_randn (dz_array_get_shape (x0, NULL), 3, 5);
      g_autoptr(DzVariable) y = weighted_square (x, (gpointer) c);
      g_autoptr(GPtrArray) inputs = g_ptr_array_new ();
      g_autoptr(GPtrArray) g = NULL;
      g_autoptr(GPtrArray) hv = NULL;
      g_autoptr(DzVariable) gv = NULL;
      g_autoptr(DzVariable) z = NULL;
      g_autoptr(GError) error = NULL;
      double numerical[24];

      g_test_message ("%s #%u", c->op, i);
      g_ptr_array_add (inputs, x);
      g = dz_grad (y, inputs, DZ_BACKWARD_CREATE_GRAPH, &error);
      g_assert_no_error (error);
      gv = dz_mul (g->pdata[0], v, NULL);
      z = dz_sum (gv, NULL, 0, FALSE, NULL);
      hv = dz_grad (z, inputs, 0, &error);
      g_assert_no_error (error);

      for (guint k = 0; k < 24; k++)
        numerical[k] = 0;
      for (gint sign = -1; sign <= 1; sign += 2)
        {
          double values[24];
          g_autoptr(DzArray) shifted = NULL;
          g_autoptr(DzVariable) xs = NULL;
          g_autoptr(DzVariable) ys = NULL;
          g_autoptr(GPtrArray) xs_inputs = g_ptr_array_new ();
          g_autoptr(GPtrArray) gs = NULL;

          for (guint k = 0; k < 24; k++)
            values[k] = dz_array_get_value (x0, k)
                        + sign * eps * dz_array_get_value (dz_variable_get_data (v), k);
          shifted = dz_array_new_from_values (values, 24, dz_array_get_shape (x0, NULL), 3, NULL);
          xs = dz_variable_new (shifted);
          ys = weighted_square (xs, (gpointer) c);
          g_ptr_array_add (xs_inputs, xs);
          gs = dz_grad (ys, xs_inputs, 0, &error);
          g_assert_no_error (error);
          for (guint k = 0; k < 24; k++)
            numerical[k] += sign * dz_array_get_value (dz_variable_get_data (gs->pdata[0]), k)
                            / (2 * eps);
        }
      for (guint k = 0; k < 24; k++)
        g_assert_cmpfloat_with_epsilon (dz_array_get_value (dz_variable_get_data (hv->pdata[0]), k),
                                        numerical[k], 1e-6 * MAX (1.0, fabs (numerical[k])));
    }
  dz_assert_no_live_objects ();
}

/* Ties: as DeZero, each element equal to the maximum takes the gradient. */
static void
test_max_ties (void)
{
  const double values[] = { 1, 3, 3, 2, 0, 0 };
  const gsize shape[] = { 2, 3 };
  g_autoptr(DzArray) data = dz_array_new_from_values (values, 6, shape, 2, NULL);
  g_autoptr(DzVariable) x = dz_variable_new (data);
  g_autoptr(DzVariable) y = dz_max (x, AXES (1), FALSE, NULL);
  g_autoptr(DzVariable) m = dz_min (x, NULL, 0, FALSE, NULL);
  g_autoptr(DzVariable) s = dz_add (y, m, NULL);
  g_autoptr(DzVariable) total = dz_sum (s, NULL, 0, FALSE, NULL);
  /* m is broadcast over both rows of s: d total / d m = 2, shared by both tied minima. */
  const double expected[] = { 0, 1, 1, 1, 2, 2 };

  g_assert_true (dz_variable_backward (total, NULL));
  assert_values (dz_variable_get_grad (x), expected, 6, 0);

  g_clear_object (&x);
  g_clear_object (&data);
  g_clear_object (&y);
  g_clear_object (&m);
  g_clear_object (&s);
  g_clear_object (&total);
  dz_assert_no_live_objects ();
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/reduce/numpy-values", test_numpy_values);
  g_test_add_func ("/reduce/op-call", test_op_call);
  g_test_add_func ("/reduce/scalar-input", test_scalar_input);
  g_test_add_func ("/reduce/axis-errors", test_axis_errors);
  g_test_add_func ("/reduce/empty", test_empty);
  g_test_add_func ("/reduce/int64", test_int64);
  g_test_add_func ("/reduce/clip-values", test_clip_values);
  g_test_add_func ("/reduce/gradients", test_gradients);
  g_test_add_func ("/reduce/second-order", test_second_order);
  g_test_add_func ("/reduce/max-ties", test_max_ties);

  return g_test_run ();
}
