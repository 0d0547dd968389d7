/* test-shape.c: the shape family (expand_dims, squeeze, flatten, get_item,
 * concatenate, stack) against NumPy's values, their errors, and their
 * gradients against numerical differentiation
 *
 * The expected values of the get_item cases were computed with NumPy
 * 1.24: y = x[index] for x = arange(size).reshape(shape), and
 * gx = np.add.at(zeros(shape), index, arange(1, y.size + 1)).
 *
 * SPDX-License-Identifier: MIT
 */

#include "dz-test-utils.h"

/* Values 0, 1, 2... (or @start, @start + 1...) in a variable of @shape. */
static DzVariable *
arange_variable (const gsize *shape,
                 guint        ndim,
                 double       start,
                 DzDtype      dtype)
{
  gsize size = 1;
  g_autofree double *values = NULL;
  g_autoptr(DzArray) data = NULL;
  g_autoptr(DzArray) typed = NULL;

  for (guint d = 0; d < ndim; d++)
    size *= shape[d];
  values = g_new (double, MAX (size, 1));
  for (gsize i = 0; i < size; i++)
    values[i] = start + i;
  data = dz_array_new_from_values (values, size, shape, ndim, NULL);
  g_assert_nonnull (data);
  typed = dz_array_astype (data, dtype, NULL);
  return dz_variable_new (typed);
}

static DzArray *
int_array (const gint64 *values,
           gsize         n,
           const gsize  *shape,
           guint         ndim)
{
  g_autoptr(GBytes) bytes = g_bytes_new (values, n * sizeof (gint64));

  return dz_array_new_from_bytes (bytes, DZ_DTYPE_INT64, shape, ndim, NULL);
}

static void
assert_shape (DzArray     *a,
              const gsize *shape,
              guint        ndim)
{
  guint a_ndim;
  const gsize *a_shape = dz_array_get_shape (a, &a_ndim);

  g_assert_cmpuint (a_ndim, ==, ndim);
  for (guint d = 0; d < ndim; d++)
    g_assert_cmpuint (a_shape[d], ==, shape[d]);
}

static void
assert_values (DzArray      *a,
               const double *values,
               gsize         n)
{
  g_assert_cmpuint (dz_array_get_size (a), ==, n);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat (dz_array_get_value (a, i), ==, values[i]);
}

static GVariant *
params_of (const char *key,
           const char *text)
{
  GVariantDict dict;
  g_autoptr(GError) error = NULL;
  GVariant *value = g_variant_parse (NULL, text, NULL, NULL, &error);

  g_assert_no_error (error);
  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert_value (&dict, key, value);
  g_variant_unref (value);
  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

/* -- get_item -- */

typedef struct
{
  gsize shape[3];
  guint ndim;
  /* The index as dz_op_call() takes it (GVariant text). */
  const char *index;
  gsize y_shape[4];
  guint y_ndim;
  const double *y;
  const double *gx;
} IndexCase;

static const IndexCase index_cases[] = {
  { { 4, 5 }, 2, "1",
    { 5 }, 1,
    (const double[]) { 5, 6, 7, 8, 9 },
    (const double[]) { 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },
  { { 4, 5 }, 2, "'1:3'",
    { 2, 5 }, 2,
    (const double[]) { 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 },
    (const double[]) { 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 0, 0, 0, 0 } },
  { { 4, 5 }, 2, "[<@ax [0, 2, 2]>]",
    { 3, 5 }, 2,
    (const double[]) { 0, 1, 2, 3, 4, 10, 11, 12, 13, 14, 10, 11, 12, 13, 14 },
    (const double[]) { 1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 17, 19, 21, 23, 25, 0, 0, 0, 0, 0 } },
  { { 4, 5 }, 2, "[<@ax [0, 1, 2, 3]>, <@ax [1, 0, 4, 4]>]",
    { 4 }, 1,
    (const double[]) { 1, 5, 14, 19 },
    (const double[]) { 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 4 } },
  { { 4, 5 }, 2, "'::-1'",
    { 4, 5 }, 2,
    (const double[]) { 15, 16, 17, 18, 19, 10, 11, 12, 13, 14, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4 },
    (const double[]) { 16, 17, 18, 19, 20, 11, 12, 13, 14, 15, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5 } },
  { { 4, 5 }, 2, "[<'...'>, <'None'>]",
    { 4, 5, 1 }, 3,
    (const double[]) { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19 },
    (const double[]) { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 } },
  { { 4, 5 }, 2, "[<-1>, <'::-2'>]",
    { 3 }, 1,
    (const double[]) { 19, 17, 15 },
    (const double[]) { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 2, 0, 1 } },
  { { 2, 3, 4 }, 3, "[<0>, <':'>, <@ax [0, 1]>]",
    { 2, 3 }, 2,
    (const double[]) { 0, 4, 8, 1, 5, 9 },
    (const double[]) { 1, 4, 0, 0, 2, 5, 0, 0, 3, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },
  { { 2, 3, 4 }, 3, "[<':'>, <0>, <@ax [1, 2]>]",
    { 2, 2 }, 2,
    (const double[]) { 1, 2, 13, 14 },
    (const double[]) { 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },
  { { 2, 3, 4 }, 3, "[<'...'>, <-1>]",
    { 2, 3 }, 2,
    (const double[]) { 3, 7, 11, 15, 19, 23 },
    (const double[]) { 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6 } },
  { { 2, 3, 4 }, 3, "[<'newaxis'>, <@ax [1, 0]>, <(int64 1, int64 -9223372036854775808, int64 -1)>]",
    { 1, 2, 2, 4 }, 4,
    (const double[]) { 16, 17, 18, 19, 12, 13, 14, 15, 4, 5, 6, 7, 0, 1, 2, 3 },
    (const double[]) { 13, 14, 15, 16, 9, 10, 11, 12, 0, 0, 0, 0, 5, 6, 7, 8, 1, 2, 3, 4, 0, 0, 0, 0 } },
  { { 2, 3, 4 }, 3, "[<@ax [0, 1]>, <'None'>, <@ax [1, 2]>]",
    { 2, 1, 4 }, 3,
    (const double[]) { 4, 5, 6, 7, 20, 21, 22, 23 },
    (const double[]) { 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 6, 7, 8 } },
  { { 2, 3, 4 }, 3, "[<@ax [0, 1]>, <'...'>, <@ax [3, 3]>]",
    { 2, 3 }, 2,
    (const double[]) { 3, 7, 11, 15, 19, 23 },
    (const double[]) { 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6 } },
  { { 2, 3, 4 }, 3, "[<'...'>, <'::2'>]",
    { 2, 3, 2 }, 3,
    (const double[]) { 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22 },
    (const double[]) { 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8, 0, 9, 0, 10, 0, 11, 0, 12, 0 } },
  { { 2, 3, 4 }, 3, "[<1>, <'1:'>, <'1:3'>]",
    { 2, 2 }, 2,
    (const double[]) { 17, 18, 21, 22 },
    (const double[]) { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0 } },
  { { 3, 4 }, 2, "[<[[0, 1], [2, 2]]>]",
    { 2, 2, 4 }, 3,
    (const double[]) { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 8, 9, 10, 11 },
    (const double[]) { 1, 2, 3, 4, 5, 6, 7, 8, 22, 24, 26, 28 } },
  { { 3, 4 }, 2, "[<@ax [0, 2]>, <[[1], [3]]>]",
    { 2, 2 }, 2,
    (const double[]) { 1, 9, 3, 11 },
    (const double[]) { 0, 1, 0, 3, 0, 0, 0, 0, 0, 2, 0, 4 } },
  { { 3, 4 }, 2, "[<'1:'>, <'-3:-1'>]",
    { 2, 2 }, 2,
    (const double[]) { 5, 6, 9, 10 },
    (const double[]) { 0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0 } },
  { { 3, 4 }, 2, "[<':'>, <@ax [3, 3, 0]>]",
    { 3, 3 }, 2,
    (const double[]) { 3, 3, 0, 7, 7, 4, 11, 11, 8 },
    (const double[]) { 3, 0, 0, 3, 6, 0, 0, 9, 9, 0, 0, 15 } },
  { { 3, 4 }, 2, "'2:1'",
    { 0, 4 }, 2,
    NULL,
    (const double[]) { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },
  { { 3, 4 }, 2, "[<@ax []>]",
    { 0, 4 }, 2,
    NULL,
    (const double[]) { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },
  { { 3, 4 }, 2, "[<2>, <3>]",
    { 0 }, 0,
    (const double[]) { 11 },
    (const double[]) { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } },
  { { 5 }, 1, "'4:0:-2'",
    { 2 }, 1,
    (const double[]) { 4, 2 },
    (const double[]) { 0, 0, 2, 0, 1 } },
  { { 5 }, 1, "'-100:100'",
    { 5 }, 1,
    (const double[]) { 0, 1, 2, 3, 4 },
    (const double[]) { 1, 2, 3, 4, 5 } },
  { { 5 }, 1, "[<@ax [-1, 0, -1, 4]>]",
    { 4 }, 1,
    (const double[]) { 4, 0, 4, 4 },
    (const double[]) { 2, 0, 0, 0, 8 } },
  { { 0 }, 0, "@av []",
    { 0 }, 0,
    (const double[]) { 0 },
    (const double[]) { 1 } },
  { { 0 }, 0, "'None'",
    { 1 }, 1,
    (const double[]) { 0 },
    (const double[]) { 1 } },
  { { 0 }, 0, "'...'",
    { 0 }, 0,
    (const double[]) { 0 },
    (const double[]) { 1 } },
  { { 2, 2, 3 }, 3, "[<@ax [1, 1, 0]>, <'...'>]",
    { 3, 2, 3 }, 3,
    (const double[]) { 6, 7, 8, 9, 10, 11, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5 },
    (const double[]) { 13, 14, 15, 16, 17, 18, 8, 10, 12, 14, 16, 18 } },
  { { 3, 4 }, 2, "@ax [1, 2]",
    { 0 }, 0,
    (const double[]) { 6 },
    (const double[]) { 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0 } },
  { { 3, 4 }, 2, "@ax []",
    { 3, 4 }, 2,
    (const double[]) { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 },
    (const double[]) { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 } },
  { { 3, 4 }, 2, "[<@mv nothing>, <@ax [2, 0]>]",
    { 1, 2, 4 }, 3,
    (const double[]) { 8, 9, 10, 11, 0, 1, 2, 3 },
    (const double[]) { 5, 6, 7, 8, 0, 0, 0, 0, 1, 2, 3, 4 } },
  { { 3, 4 }, 2, "(int64 2, int64 -9223372036854775808, int64 -1)",
    { 3, 4 }, 2,
    (const double[]) { 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3 },
    (const double[]) { 9, 10, 11, 12, 5, 6, 7, 8, 1, 2, 3, 4 } },
  { { 3, 4 }, 2, "(1, '::2')",
    { 2 }, 1,
    (const double[]) { 4, 6 },
    (const double[]) { 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0 } },
};

static gsize
size_of (const gsize *shape,
         guint        ndim)
{
  gsize size = 1;

  for (guint d = 0; d < ndim; d++)
    size *= shape[d];
  return size;
}

/* Forward in float64 and float32, then the gradient of sum (y * w) for
 * w = 1, 2, 3..., by the array-level gradient and by the differentiable
 * backward (create_graph). */
static void
test_get_item_numpy (void)
{
  for (guint c = 0; c < G_N_ELEMENTS (index_cases); c++)
    {
      const IndexCase *ic = &index_cases[c];
      gsize y_size = size_of (ic->y_shape, ic->y_ndim);
      g_autoptr(GVariant) params = params_of ("slices", ic->index);

      g_test_message ("x%s[%s]", ic->ndim ? "" : " (0-d)", ic->index);
      for (guint t = 0; t < 2; t++)
        {
          DzDtype dtype = t == 0 ? DZ_DTYPE_FLOAT64 : DZ_DTYPE_FLOAT32;
          g_autoptr(DzVariable) x = arange_variable (ic->shape, ic->ndim, 0, dtype);
          g_autoptr(DzVariable) y = NULL;
          g_autoptr(GError) error = NULL;

          y = dz_op_call ("get_item", &x, 1, params, &error);
          g_assert_no_error (error);
          g_assert_cmpint (dz_variable_get_dtype (y), ==, dtype);
          assert_shape (dz_variable_get_data (y), ic->y_shape, ic->y_ndim);
          assert_values (dz_variable_get_data (y), ic->y, y_size);

          for (guint create_graph = 0; create_graph < 2; create_graph++)
            {
              g_autoptr(DzVariable) w = arange_variable (ic->y_shape, ic->y_ndim, 1, dtype);
              g_autoptr(DzVariable) z = dz_mul (y, w, &error);

              g_assert_no_error (error);
              dz_variable_clear_grad (x);
              g_assert_true (dz_variable_backward_full (z, create_graph ? DZ_BACKWARD_CREATE_GRAPH : 0,
                                                        &error));
              g_assert_no_error (error);
              assert_shape (dz_variable_get_data (dz_variable_get_grad (x)), ic->shape, ic->ndim);
              assert_values (dz_variable_get_data (dz_variable_get_grad (x)), ic->gx,
                             size_of (ic->shape, ic->ndim));
              dz_variable_clear_grad (x);
              dz_variable_clear_grad (y);
            }
        }
    }
  dz_assert_no_live_objects ();
}

/* The index built with DzIndex: y[arange(N), t], as softmax_cross_entropy
 * does; the index is copied, so changing it afterwards changes nothing. */
static void
test_get_item_index_api (void)
{
  const gsize shape[] = { 3, 4 };
  const gint64 rows[] = { 0, 1, 2 }, labels[] = { 3, 0, 3 };
  const gsize n[] = { 3 };
  g_autoptr(DzVariable) x = arange_variable (shape, 2, 0, DZ_DTYPE_FLOAT64);
  g_autoptr(DzIndex) index = dz_index_new ();
  g_autoptr(DzArray) r = int_array (rows, 3, n, 1);
  g_autoptr(DzArray) t = int_array (labels, 3, n, 1);
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  dz_index_add_array (index, r);
  dz_index_add_array (index, t);
  text = dz_index_to_string (index);
  g_assert_cmpstr (text, ==, "array([0 1 2]), array([3 0 3])");
  y = dz_get_item (x, index, &error);
  g_assert_no_error (error);
  assert_values (dz_variable_get_data (y), (const double[]) { 3, 4, 11 }, 3);

  dz_index_add_int (index, 0);
  g_assert_true (dz_variable_backward (y, &error));
  g_assert_no_error (error);
  assert_values (dz_variable_get_data (dz_variable_get_grad (x)),
                 (const double[]) { 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1 }, 12);
  /* Now too many indices. */
  g_clear_object (&y);
  y = dz_get_item (x, index, &error);
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INDEX_OUT_OF_RANGE);
  g_assert_null (y);

  g_clear_object (&x);
  g_clear_object (&index);
  g_clear_object (&r);
  g_clear_object (&t);
  dz_assert_no_live_objects ();
}

/* NumPy refuses float index arrays, even of whole numbers. */
static void
test_get_item_float_index (void)
{
  const gsize shape[] = { 3 };
  g_autoptr(DzVariable) x = arange_variable (shape, 1, 0, DZ_DTYPE_FLOAT64);
  g_autoptr(DzIndex) index = dz_index_new ();
  g_autoptr(DzArray) positions = dz_array_new_from_values ((const double[]) { 0, 2 }, 2,
                                                           (const gsize[]) { 2 }, 1, NULL);
  g_autoptr(GError) error = NULL;

  dz_index_add_array (index, positions);
  g_assert_null (dz_get_item (x, index, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_DTYPE);

  g_clear_object (&x);
  g_clear_object (&index);
  g_clear_object (&positions);
  dz_assert_no_live_objects ();
}

static const struct
{
  const char *index;
  gint code;
} index_errors[] = {
  { "3", DZ_ERROR_INDEX_OUT_OF_RANGE },
  { "-4", DZ_ERROR_INDEX_OUT_OF_RANGE },
  { "[<0>, <4>]", DZ_ERROR_INDEX_OUT_OF_RANGE },
  { "[<0>, <0>, <0>]", DZ_ERROR_INDEX_OUT_OF_RANGE },
  { "[<@ax [0, 3]>]", DZ_ERROR_INDEX_OUT_OF_RANGE },
  { "@ax [0, 4]", DZ_ERROR_INDEX_OUT_OF_RANGE },
  { "[<':'>, <@ax [-5]>]", DZ_ERROR_INDEX_OUT_OF_RANGE },
  { "[<@ax [0, 1]>, <@ax [0, 1, 2]>]", DZ_ERROR_SHAPE_MISMATCH },
  { "[<'...'>, <'...'>]", DZ_ERROR_INVALID_ARGUMENT },
  { "'::0'", DZ_ERROR_INVALID_ARGUMENT },
  /* Not indices at all. */
  { "true", DZ_ERROR_INVALID_ARGUMENT },
  { "'1:2:3:4'", DZ_ERROR_INVALID_ARGUMENT },
  { "'a:'", DZ_ERROR_INVALID_ARGUMENT },
  { "[<[[0, 1], [2]]>]", DZ_ERROR_INVALID_ARGUMENT },
  { "[<[<@ax [0, 1]>, <2>]>]", DZ_ERROR_INVALID_ARGUMENT },
  { "[<1.5>]", DZ_ERROR_INVALID_ARGUMENT },
};

static void
test_get_item_errors (void)
{
  const gsize shape[] = { 3, 4 };
  g_autoptr(DzVariable) x = arange_variable (shape, 2, 0, DZ_DTYPE_FLOAT64);

  for (guint i = 0; i < G_N_ELEMENTS (index_errors); i++)
    {
      g_autoptr(GVariant) params = params_of ("slices", index_errors[i].index);
      g_autoptr(GError) error = NULL;

      g_test_message ("x[%s]", index_errors[i].index);
      g_assert_null (dz_op_call ("get_item", &x, 1, params, &error));
      g_assert_error (error, DZ_ERROR, index_errors[i].code);
    }

  /* Steps and bounds far past the ends. */
  {
    g_autoptr(DzIndex) index = dz_index_new ();
    g_autoptr(DzVariable) y = NULL;
    g_autoptr(GError) error = NULL;

    dz_index_add_slice (index, G_MAXINT64, DZ_INDEX_NONE, G_MININT64 + 1);
    dz_index_add_slice (index, G_MININT64 + 1, G_MAXINT64, G_MAXINT64);
    y = dz_get_item (x, index, &error);
    g_assert_no_error (error);
    assert_shape (dz_variable_get_data (y), (const gsize[]) { 1, 1 }, 2);
    assert_values (dz_variable_get_data (y), (const double[]) { 8 }, 1);
  }

  /* No slices; and an unknown key after the slices, which must not leak
   * the index read. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) params = g_variant_parse (G_VARIANT_TYPE_VARDICT,
                                                  "{'slices': <1>, 'zz': <2>}", NULL, NULL, NULL);

    g_assert_null (dz_op_call ("get_item", &x, 1, NULL, &error));
    g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_assert_null (dz_op_call ("get_item", &x, 1, params, &error));
    g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  }

  g_clear_object (&x);
  dz_assert_no_live_objects ();
}

/* GetItemGrad by name, and the pair's double backprop: for y = x[[0, 0,
 * 2]] and z = y * y, gx = add.at (zeros, idx, 2 y), and the gradient of
 * sum (gx) is add.at (zeros, idx, 2). */
static void
test_get_item_grad (void)
{
  const gsize shape[] = { 3 };
  g_autoptr(DzVariable) x = arange_variable (shape, 1, 1, DZ_DTYPE_FLOAT64);
  g_autoptr(GVariant) params = params_of ("slices", "[<@ax [0, 0, 2]>]");
  g_autoptr(GVariant) grad_params = g_variant_parse (
      G_VARIANT_TYPE_VARDICT, "{'slices': <[<[0, 0, 2]>]>, 'in_shape': <[4]>}", NULL, NULL, NULL);
  g_autoptr(GVariant) bad_params = g_variant_parse (
      G_VARIANT_TYPE_VARDICT, "{'slices': <[<[0, 2]>]>, 'in_shape': <[4]>}", NULL, NULL, NULL);
  g_autoptr(DzVariable) y = dz_op_call ("get_item", &x, 1, params, NULL);
  g_autoptr(DzVariable) z = dz_mul (y, y, NULL);
  g_autoptr(DzVariable) gx = NULL;
  g_autoptr(DzVariable) scattered = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (dz_variable_backward_full (z, DZ_BACKWARD_CREATE_GRAPH, &error));
  g_assert_no_error (error);
  gx = g_object_ref (dz_variable_get_grad (x));
  assert_values (dz_variable_get_data (gx), (const double[]) { 4, 0, 6 }, 3);
  dz_variable_clear_grad (x);
  g_assert_true (dz_variable_backward (gx, &error));
  g_assert_no_error (error);
  assert_values (dz_variable_get_data (dz_variable_get_grad (x)), (const double[]) { 4, 0, 2 }, 3);

  scattered = dz_op_call ("get_item_grad", &x, 1, grad_params, &error);
  g_assert_no_error (error);
  assert_values (dz_variable_get_data (scattered), (const double[]) { 3, 0, 3, 0 }, 4);
  g_assert_null (dz_op_call ("get_item_grad", &x, 1, bad_params, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);

  g_clear_object (&x);
  g_clear_object (&y);
  g_clear_object (&z);
  g_clear_object (&gx);
  g_clear_object (&scattered);
  dz_assert_no_live_objects ();
}

/* -- numerical gradient checks, through dz_op_call() -- */

typedef struct
{
  const char *op;
  GVariant *params;
  DzVariable **inputs;
  guint n_inputs;
  guint slot;
  /* Fixed random weights of the output's shape: the check differentiates
   * sum (op (...) * w), which tells every output element apart. */
  DzVariable *w;
} Probe;

static DzVariable *
probe_call (DzVariable *x,
            gpointer    user_data)
{
  Probe *probe = user_data;
  DzVariable *saved = probe->inputs[probe->slot];
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(GError) error = NULL;

  probe->inputs[probe->slot] = x;
  y = dz_op_call (probe->op, probe->inputs, probe->n_inputs, probe->params, &error);
  probe->inputs[probe->slot] = saved;
  g_assert_no_error (error);
  if (probe->w == NULL)
    {
      guint ndim;
      const gsize *shape = dz_variable_get_shape (y, &ndim);

      probe->w = dz_test_randn (shape, ndim, 99);
    }
  return dz_mul (y, probe->w, NULL);
}

/* Checks every input of @op on inputs of @shapes (randn). */
static void
check_gradients (const char  *op,
                 const char  *params_text,
                 const gsize  shapes[][4],
                 const guint *ndims,
                 guint        n_inputs)
{
  g_autoptr(GVariant) params = NULL;
  DzVariable *inputs[8];
  Probe probe = { op, NULL, inputs, n_inputs, 0, NULL };

  if (params_text != NULL)
    params = g_variant_parse (G_VARIANT_TYPE_VARDICT, params_text, NULL, NULL, NULL);
  probe.params = params;
  g_test_message ("%s %s", op, params_text ? params_text : "");
  for (guint i = 0; i < n_inputs; i++)
    inputs[i] = dz_test_randn (shapes[i], ndims[i], 10 + i);
  for (guint i = 0; i < n_inputs; i++)
    {
      g_autoptr(GError) error = NULL;

      probe.slot = i;
      g_assert_true (dz_gradient_check (probe_call, &probe, inputs[i], 1e-4, 1e-4, 1e-5, &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < n_inputs; i++)
    g_object_unref (inputs[i]);
  g_clear_object (&probe.w);
}

static void
test_gradients (void)
{
  check_gradients ("get_item", "{'slices': <[<'1:'>, <@ax [0, 2, 2, 0]>]>}",
                   (const gsize[][4]) { { 3, 4 } }, (const guint[]) { 2 }, 1);
  check_gradients ("get_item", "{'slices': <[<@ax [1, 1]>, <':'>, <0>]>}",
                   (const gsize[][4]) { { 2, 3, 2 } }, (const guint[]) { 3 }, 1);
  check_gradients ("get_item", "{'slices': <[<'...'>, <'None'>, <'::-2'>]>}",
                   (const gsize[][4]) { { 2, 5 } }, (const guint[]) { 2 }, 1);
  check_gradients ("get_item_grad", "{'slices': <[<[0, 0, 2]>]>, 'in_shape': <[3]>}",
                   (const gsize[][4]) { { 3 } }, (const guint[]) { 1 }, 1);
  check_gradients ("expand_dims", "{'axis': <-1>}",
                   (const gsize[][4]) { { 2, 3 } }, (const guint[]) { 2 }, 1);
  check_gradients ("squeeze", NULL,
                   (const gsize[][4]) { { 1, 3, 1 } }, (const guint[]) { 3 }, 1);
  check_gradients ("flatten", NULL,
                   (const gsize[][4]) { { 2, 3, 2 } }, (const guint[]) { 3 }, 1);
  check_gradients ("concatenate", "{'axis': <1>}",
                   (const gsize[][4]) { { 2, 1 }, { 2, 3 }, { 2, 2 } },
                   (const guint[]) { 2, 2, 2 }, 3);
  check_gradients ("concatenate", "{'axis': <-3>}",
                   (const gsize[][4]) { { 1, 2, 2 }, { 3, 2, 2 } }, (const guint[]) { 3, 3 }, 2);
  check_gradients ("stack", "{'axis': <1>}",
                   (const gsize[][4]) { { 2, 3 }, { 2, 3 }, { 2, 3 } },
                   (const guint[]) { 2, 2, 2 }, 3);
  check_gradients ("stack", "{'axis': <-1>}",
                   (const gsize[][4]) { { 0 }, { 0 } }, (const guint[]) { 0, 0 }, 2);
  dz_assert_no_live_objects ();
}

/* -- expand_dims, squeeze, flatten -- */

static void
test_expand_squeeze_flatten (void)
{
  const gsize shape[] = { 2, 1, 3 };
  g_autoptr(DzVariable) x = arange_variable (shape, 3, 0, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) s = dz_variable_new_scalar (5.0);
  g_autoptr(GError) error = NULL;
  static const struct
  {
    gint axis;
    gsize shape[4];
  } expands[] = {
    { 0, { 1, 2, 1, 3 } }, { 3, { 2, 1, 3, 1 } }, { -1, { 2, 1, 3, 1 } }, { -4, { 1, 2, 1, 3 } },
    { 2, { 2, 1, 1, 3 } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (expands); i++)
    {
      g_autoptr(DzVariable) y = dz_expand_dims (x, expands[i].axis, &error);

      g_assert_no_error (error);
      assert_shape (dz_variable_get_data (y), expands[i].shape, 4);
      assert_values (dz_variable_get_data (y), (const double[]) { 0, 1, 2, 3, 4, 5 }, 6);
    }
  g_assert_null (dz_expand_dims (x, 4, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS);
  g_clear_error (&error);
  g_assert_null (dz_expand_dims (x, -5, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS);
  g_clear_error (&error);
  {
    g_autoptr(DzVariable) y = dz_expand_dims (s, -1, &error);

    g_assert_no_error (error);
    assert_shape (dz_variable_get_data (y), (const gsize[]) { 1 }, 1);
  }

  {
    g_autoptr(DzVariable) all = dz_squeeze (x, NULL, 0, &error);
    g_autoptr(DzVariable) one = dz_squeeze (x, (const gint[]) { -2 }, 1, &error);
    g_autoptr(DzVariable) none = dz_squeeze (x, (const gint[]) { 0 }, 0, &error);
    g_autoptr(DzVariable) scalar = dz_squeeze (s, NULL, 0, &error);

    g_assert_no_error (error);
    assert_shape (dz_variable_get_data (all), (const gsize[]) { 2, 3 }, 2);
    assert_shape (dz_variable_get_data (one), (const gsize[]) { 2, 3 }, 2);
    assert_shape (dz_variable_get_data (none), shape, 3);
    assert_shape (dz_variable_get_data (scalar), NULL, 0);
  }
  g_assert_null (dz_squeeze (x, (const gint[]) { 0 }, 1, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS);
  g_clear_error (&error);
  g_assert_null (dz_squeeze (x, (const gint[]) { 3 }, 1, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS);
  g_clear_error (&error);
  g_assert_null (dz_squeeze (x, (const gint[]) { 1, -2 }, 2, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS);
  g_clear_error (&error);

  {
    g_autoptr(DzVariable) flat = dz_flatten (x, &error);
    g_autoptr(DzVariable) v = arange_variable ((const gsize[]) { 4 }, 1, 0, DZ_DTYPE_FLOAT64);
    g_autoptr(DzVariable) flat_v = dz_flatten (v, &error);
    g_autoptr(DzVariable) e = arange_variable ((const gsize[]) { 0, 3, 2 }, 3, 0, DZ_DTYPE_FLOAT64);
    g_autoptr(DzVariable) flat_e = dz_flatten (e, &error);

    g_assert_no_error (error);
    assert_shape (dz_variable_get_data (flat), (const gsize[]) { 2, 3 }, 2);
    assert_shape (dz_variable_get_data (flat_v), (const gsize[]) { 4, 1 }, 2);
    assert_shape (dz_variable_get_data (flat_e), (const gsize[]) { 0, 6 }, 2);
  }
  g_assert_null (dz_flatten (s, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS);

  g_clear_object (&x);
  g_clear_object (&s);
  dz_assert_no_live_objects ();
}

/* -- concatenate, stack -- */

static void
test_concatenate (void)
{
  g_autoptr(DzVariable) a = arange_variable ((const gsize[]) { 2, 1 }, 2, 0, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) b = arange_variable ((const gsize[]) { 2, 3 }, 2, 10, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) c = arange_variable ((const gsize[]) { 2, 2 }, 2, 20, DZ_DTYPE_FLOAT32);
  g_autoptr(DzVariable) r = arange_variable ((const gsize[]) { 1, 3 }, 2, 30, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) s = dz_variable_new_scalar (1.0);
  g_autoptr(GError) error = NULL;

  {
    DzVariable *xs[] = { a, b, c };
    g_autoptr(DzVariable) y = dz_concatenate (xs, 3, -1, &error);
    g_autoptr(DzVariable) y_call = dz_op_call ("concatenate", xs, 3, NULL, NULL);

    g_assert_no_error (error);
    /* np.concatenate ([arange (2).reshape (2, 1), 10 + arange (6)...], axis=-1) */
    assert_shape (dz_variable_get_data (y), (const gsize[]) { 2, 6 }, 2);
    assert_values (dz_variable_get_data (y),
                   (const double[]) { 0, 10, 11, 12, 20, 21, 1, 13, 14, 15, 22, 23 }, 12);
    g_assert_cmpint (dz_variable_get_dtype (y), ==, DZ_DTYPE_FLOAT64);
    /* By name, axis 0 by default: the shapes differ on axis 1. */
    g_assert_null (y_call);
  }
  {
    DzVariable *xs[] = { b, r, b };
    g_autoptr(DzVariable) y = dz_concatenate (xs, 3, 0, &error);

    g_assert_no_error (error);
    assert_shape (dz_variable_get_data (y), (const gsize[]) { 5, 3 }, 2);
    assert_values (dz_variable_get_data (y),
                   (const double[]) { 10, 11, 12, 13, 14, 15, 30, 31, 32,
                                      10, 11, 12, 13, 14, 15 }, 15);
  }
  {
    DzVariable *one[] = { c };
    g_autoptr(DzVariable) y = dz_concatenate (one, 1, 1, &error);

    g_assert_no_error (error);
    g_assert_cmpint (dz_variable_get_dtype (y), ==, DZ_DTYPE_FLOAT32);
    assert_values (dz_variable_get_data (y), (const double[]) { 20, 21, 22, 23 }, 4);
  }

  {
    DzVariable *xs[] = { a, b, c };
    DzVariable *scalars[] = { s, s };

    g_assert_null (dz_concatenate (xs, 3, 0, &error));
    g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
    g_clear_error (&error);
    g_assert_null (dz_concatenate (xs, 3, 2, &error));
    g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS);
    g_clear_error (&error);
    g_assert_null (dz_concatenate (xs, 3, -3, &error));
    g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS);
    g_clear_error (&error);
    g_assert_null (dz_concatenate (scalars, 2, 0, &error));
    g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS);
    g_clear_error (&error);
    g_assert_null (dz_concatenate (NULL, 0, 0, &error));
    g_assert_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT);
    g_clear_error (&error);
  }
  {
    /* Different number of axes. */
    g_autoptr(DzVariable) v = arange_variable ((const gsize[]) { 2 }, 1, 0, DZ_DTYPE_FLOAT64);
    DzVariable *xs[] = { b, v };

    g_assert_null (dz_concatenate (xs, 2, 0, &error));
    g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
    g_clear_error (&error);
  }

  g_clear_object (&a);
  g_clear_object (&b);
  g_clear_object (&c);
  g_clear_object (&r);
  g_clear_object (&s);
  dz_assert_no_live_objects ();
}

static void
test_stack (void)
{
  g_autoptr(DzVariable) a = arange_variable ((const gsize[]) { 2, 2 }, 2, 0, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) b = arange_variable ((const gsize[]) { 2, 2 }, 2, 10, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) c = arange_variable ((const gsize[]) { 2, 3 }, 2, 0, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) s = dz_variable_new_scalar (1.0);
  g_autoptr(DzVariable) t = dz_variable_new_scalar (2.0);
  g_autoptr(GError) error = NULL;
  DzVariable *xs[] = { a, b, a };
  static const struct
  {
    gint axis;
    gsize shape[3];
    double values[12];
  } cases[] = {
    /* np.stack ([a, b, a], axis) for a = arange (4).reshape (2, 2), b = a + 10 */
    { 0, { 3, 2, 2 }, { 0, 1, 2, 3, 10, 11, 12, 13, 0, 1, 2, 3 } },
    { 1, { 2, 3, 2 }, { 0, 1, 10, 11, 0, 1, 2, 3, 12, 13, 2, 3 } },
    { -1, { 2, 2, 3 }, { 0, 10, 0, 1, 11, 1, 2, 12, 2, 3, 13, 3 } },
    { -3, { 3, 2, 2 }, { 0, 1, 2, 3, 10, 11, 12, 13, 0, 1, 2, 3 } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(DzVariable) y = dz_stack (xs, 3, cases[i].axis, &error);

      g_assert_no_error (error);
      assert_shape (dz_variable_get_data (y), cases[i].shape, 3);
      assert_values (dz_variable_get_data (y), cases[i].values, 12);
    }
  {
    DzVariable *scalars[] = { s, t, s };
    g_autoptr(DzVariable) y = dz_stack (scalars, 3, 0, &error);

    g_assert_no_error (error);
    assert_shape (dz_variable_get_data (y), (const gsize[]) { 3 }, 1);
    assert_values (dz_variable_get_data (y), (const double[]) { 1, 2, 1 }, 3);
  }
  {
    DzVariable *mixed[] = { a, c };

    g_assert_null (dz_stack (mixed, 2, 0, &error));
    g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
    g_clear_error (&error);
    g_assert_null (dz_stack (xs, 3, 3, &error));
    g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS);
    g_clear_error (&error);
    g_assert_null (dz_stack (xs, 3, -4, &error));
    g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS);
    g_clear_error (&error);
  }

  g_clear_object (&a);
  g_clear_object (&b);
  g_clear_object (&c);
  g_clear_object (&s);
  g_clear_object (&t);
  dz_assert_no_live_objects ();
}

/* Gathering rows and slicing rows copy whole rows: a rough guard that the
 * common cases stay fast (10^6 values well under a second even under
 * valgrind's scale). */
static void
test_get_item_rows (void)
{
  gsize n = dz_test_scaled (1000);
  const gsize shape[] = { n, 1000 };
  g_autoptr(DzVariable) x = arange_variable (shape, 2, 0, DZ_DTYPE_FLOAT64);
  g_autofree gint64 *order = g_new (gint64, n);
  g_autoptr(DzArray) positions = NULL;
  g_autoptr(DzIndex) index = dz_index_new ();
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(GError) error = NULL;
  DzArray *data;

  for (gsize i = 0; i < n; i++)
    order[i] = n - 1 - i;
  positions = int_array (order, n, (const gsize[]) { n }, 1);
  dz_index_add_array (index, positions);
  y = dz_get_item (x, index, &error);
  g_assert_no_error (error);
  data = dz_variable_get_data (y);
  g_assert_cmpfloat (dz_array_get_value (data, 0), ==, (n - 1) * 1000.0);
  g_assert_cmpfloat (dz_array_get_value (data, n * 1000 - 1), ==, 999.0);
  g_assert_true (dz_variable_backward (y, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (dz_array_sum (dz_variable_get_data (dz_variable_get_grad (x))), ==, n * 1000.0);

  g_clear_object (&x);
  g_clear_object (&y);
  g_clear_object (&index);
  g_clear_object (&positions);
  dz_assert_no_live_objects ();
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/shape/get-item/numpy", test_get_item_numpy);
  g_test_add_func ("/shape/get-item/index-api", test_get_item_index_api);
  g_test_add_func ("/shape/get-item/float-index", test_get_item_float_index);
  g_test_add_func ("/shape/get-item/errors", test_get_item_errors);
  g_test_add_func ("/shape/get-item/grad", test_get_item_grad);
  g_test_add_func ("/shape/get-item/rows", test_get_item_rows);
  g_test_add_func ("/shape/expand-squeeze-flatten", test_expand_squeeze_flatten);
  g_test_add_func ("/shape/concatenate", test_concatenate);
  g_test_add_func ("/shape/stack", test_stack);
  g_test_add_func ("/shape/gradients", test_gradients);

  return g_test_run ();
}
