/* test-transforms.c: DzTransform and its built-ins, on samples, on
 * datasets and through the loader's batch path
 *
 * SPDX-License-Identifier: MIT
 */

#include "dz-test-utils.h"

/* A transform written the way a binding writes one: apply() only, so the
 * loader must go sample by sample. It doubles, and fails on a negative
 * first element. */
#define TEST_TYPE_DOUBLER (test_doubler_get_type ())
G_DECLARE_FINAL_TYPE (TestDoubler, test_doubler, TEST, DOUBLER, DzTransform)

struct _TestDoubler
{
  DzTransform parent_instance;
  guint calls;
};

G_DEFINE_FINAL_TYPE (TestDoubler, test_doubler, DZ_TYPE_TRANSFORM)

static DzArray *
test_doubler_apply (DzTransform  *transform,
                    DzArray      *x,
                    GError      **error)
{
  gsize n = dz_array_get_size (x);
  g_autofree double *values = g_new (double, MAX (n, 1));
  guint ndim;
  const gsize *shape = dz_array_get_shape (x, &ndim);

  TEST_DOUBLER (transform)->calls++;
  if (dz_array_get_value (x, 0) < 0)
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT, "negative sample");
      return NULL;
    }
  for (gsize i = 0; i < n; i++)
    values[i] = 2 * dz_array_get_value (x, i);
  return dz_array_new_from_values (values, n, shape, ndim, error);
}

static void
test_doubler_class_init (TestDoublerClass *klass)
{
  DZ_TRANSFORM_CLASS (klass)->apply = test_doubler_apply;
}

static void
test_doubler_init (TestDoubler *self)
{
}

/* 6 samples of shape (2, 3) with values 0..35, labels 0..5. */
static DzDataset *
grid_dataset (void)
{
  double values[36], labels[6];
  g_autoptr(DzArray) data = NULL;
  g_autoptr(DzArray) label64 = NULL;
  g_autoptr(DzArray) label = NULL;
  g_autoptr(GError) error = NULL;
  DzDataset *dataset;

  for (guint i = 0; i < 36; i++)
    values[i] = i;
  for (guint i = 0; i < 6; i++)
    labels[i] = i;
  data = dz_array_new_from_values (values, 36, (gsize[]) { 6, 2, 3 }, 3, &error);
  label64 = dz_array_new_from_values (labels, 6, (gsize[]) { 6 }, 1, &error);
  label = dz_array_astype (label64, DZ_DTYPE_INT64, &error);
  dataset = dz_dataset_new (data, label, &error);
  g_assert_no_error (error);
  return dataset;
}

static void
test_builtins (void)
{
  g_autoptr(GError) error = NULL;
  double values[] = { 0, 51, 102, 255 };
  g_autoptr(DzArray) x = dz_array_new_from_values (values, 4, (gsize[]) { 2, 2 }, 2, &error);
  g_autoptr(DzArray) xi = dz_array_astype (x, DZ_DTYPE_INT64, &error);
  g_autoptr(DzTransform) normalize = dz_normalize_transform_new (0.0, 255.0);
  g_autoptr(DzTransform) flatten = dz_flatten_transform_new ();
  g_autoptr(DzTransform) to_f32 = dz_astype_transform_new (DZ_DTYPE_FLOAT32);
  DzTransform *steps[3];
  g_autoptr(DzTransform) compose = NULL;
  g_autoptr(DzArray) y = NULL;
  g_autoptr(DzArray) z = NULL;
  g_autoptr(DzArray) w = NULL;
  guint ndim;
  const gsize *shape;

  y = dz_transform_apply (normalize, x, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (dz_array_get_value (y, 1), 0.2, 1e-15);
  g_assert_cmpfloat (dz_array_get_value (y, 3), ==, 1.0);
  /* Integers become float64, as NumPy's (x - mean) / std. */
  z = dz_transform_apply (normalize, xi, &error);
  g_assert_cmpint (dz_array_get_dtype (z), ==, DZ_DTYPE_FLOAT64);
  g_clear_object (&z);

  z = dz_transform_apply (flatten, x, &error);
  shape = dz_array_get_shape (z, &ndim);
  g_assert_cmpuint (ndim, ==, 1);
  g_assert_cmpuint (shape[0], ==, 4);

  /* DeZero's MNIST default: Flatten, ToFloat, Normalize(0, 255). */
  steps[0] = flatten;
  steps[1] = to_f32;
  steps[2] = normalize;
  compose = dz_compose_transform_new (steps, 3);
  w = dz_transform_apply (compose, xi, &error);
  g_assert_no_error (error);
  shape = dz_array_get_shape (w, &ndim);
  g_assert_cmpuint (ndim, ==, 1);
  g_assert_cmpint (dz_array_get_dtype (w), ==, DZ_DTYPE_FLOAT32);
  g_assert_cmpfloat (dz_array_get_value (w, 1), ==, (double) (float) (51.0f / 255.0f));
}

/* The loader's batch path gives what stacking the transformed samples
 * gives, for built-in transforms (batched) and a sample-wise one. */
static void
test_loader_matches_items (void)
{
  for (guint variant = 0; variant < 2; variant++)
    {
      g_autoptr(DzDataset) dataset = grid_dataset ();
      g_autoptr(DzTransform) flatten = dz_flatten_transform_new ();
      g_autoptr(DzTransform) normalize = dz_normalize_transform_new (-1.0, 2.0);
      g_autoptr(DzTransform) doubler = g_object_new (TEST_TYPE_DOUBLER, NULL);
      DzTransform *steps[2] = { normalize, variant == 0 ? flatten : doubler };
      g_autoptr(DzTransform) compose = dz_compose_transform_new (steps, 2);
      g_autoptr(DzTransform) to_f64 = dz_astype_transform_new (DZ_DTYPE_FLOAT64);
      g_autoptr(DzDataLoader) loader = NULL;
      g_autoptr(GError) error = NULL;
      DzArray *xb, *tb;
      gsize seen = 0;

      dz_dataset_set_transform (dataset, compose);
      dz_dataset_set_target_transform (dataset, to_f64);
      g_assert_true (dz_dataset_get_transform (dataset) == compose);
      /* Transformed samples are not the rows of the arrays any more. */
      g_assert_false (dz_dataset_get_arrays (dataset, NULL, NULL));

      loader = dz_data_loader_new (dataset, 4, TRUE, 3);
      while (dz_data_loader_next (loader, &xb, &tb, &error))
        {
          gsize n = dz_array_get_shape (xb, NULL)[0];

          g_assert_cmpint (dz_array_get_dtype (tb), ==, DZ_DTYPE_FLOAT64);
          for (gsize r = 0; r < n; r++)
            {
              gsize index = (gsize) dz_array_get_value (tb, r);
              g_autoptr(DzArray) xi = NULL;
              g_autoptr(DzArray) ti = NULL;
              gsize row = dz_array_get_size (xb) / n;

              g_assert_true (dz_dataset_get_item (dataset, index, &xi, &ti, &error));
              g_assert_no_error (error);
              g_assert_cmpuint (dz_array_get_size (xi), ==, row);
              g_assert_cmpfloat (dz_array_get_value (ti, 0), ==, (double) index);
              for (gsize k = 0; k < row; k++)
                g_assert_cmpfloat (dz_array_get_value (xb, r * row + k), ==,
                                   dz_array_get_value (xi, k));
              seen++;
            }
          if (variant == 0)
            g_assert_cmpuint (dz_array_get_ndim (xb), ==, 2);
          else
            g_assert_cmpuint (dz_array_get_ndim (xb), ==, 3);
          g_object_unref (xb);
          g_object_unref (tb);
        }
      g_assert_no_error (error);
      g_assert_cmpuint (seen, ==, 6);
      if (variant == 1)
        g_assert_cmpuint (TEST_DOUBLER (doubler)->calls, ==, 12);
    }
  dz_assert_no_live_objects ();
}

/* A failing transform's error reaches the caller of next(). */
static void
test_transform_errors (void)
{
  g_autoptr(DzDataset) dataset = grid_dataset ();
  g_autoptr(DzTransform) minus = dz_normalize_transform_new (100.0, 1.0);
  g_autoptr(DzTransform) doubler = g_object_new (TEST_TYPE_DOUBLER, NULL);
  DzTransform *steps[2] = { minus, doubler };
  g_autoptr(DzTransform) compose = dz_compose_transform_new (steps, 2);
  g_autoptr(DzDataLoader) loader = NULL;
  g_autoptr(GError) error = NULL;
  DzArray *xb = NULL, *tb = NULL, *xi = NULL, *ti = NULL;

  dz_dataset_set_transform (dataset, compose);
  g_assert_false (dz_dataset_get_item (dataset, 0, &xi, &ti, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  g_assert_null (xi);
  g_clear_error (&error);

  loader = dz_data_loader_new (dataset, 2, FALSE, 0);
  g_assert_false (dz_data_loader_next (loader, &xb, &tb, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  g_assert_null (xb);
  g_clear_object (&loader);
  g_clear_object (&dataset);
  dz_assert_no_live_objects ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/transforms/builtins", test_builtins);
  g_test_add_func ("/transforms/loader-matches-items", test_loader_matches_items);
  g_test_add_func ("/transforms/errors", test_transform_errors);

  return g_test_run ();
}
