/* test-array.c: DzArray construction, accessors, math, errors
 *
 * SPDX-License-Identifier: MIT
 */

#include <math.h>
#include <sys/resource.h>
#include <unistd.h>

#include "dz-test-utils.h"

static void
test_scalar (void)
{
  g_autoptr(DzArray) a = dz_array_new_scalar (3.5);
  guint ndim = 99;

  g_assert_cmpuint (dz_array_get_ndim (a), ==, 0);
  g_assert_nonnull (dz_array_get_shape (a, &ndim));
  g_assert_cmpuint (ndim, ==, 0);
  g_assert_cmpuint (dz_array_get_size (a), ==, 1);
  g_assert_cmpfloat (dz_array_item (a), ==, 3.5);
}

static void
test_from_values (void)
{
  const double values[] = { 1, 2, 3, 4, 5, 6 };
  const gsize shape[] = { 2, 3 };
  g_autoptr(GError) error = NULL;
  g_autoptr(DzArray) a = dz_array_new_from_values (values, 6, shape, 2, &error);
  const double *got;
  const gsize *got_shape;
  gsize n;
  guint ndim;

  g_assert_no_error (error);
  got = dz_array_get_values (a, &n);
  g_assert_cmpuint (n, ==, 6);
  g_assert_true (got != values);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpfloat (got[i], ==, values[i]);
  got_shape = dz_array_get_shape (a, &ndim);
  g_assert_cmpuint (ndim, ==, 2);
  g_assert_cmpuint (got_shape[0], ==, 2);
  g_assert_cmpuint (got_shape[1], ==, 3);
  g_assert_cmpfloat (dz_array_get_value (a, 4), ==, 5.0);
}

static void
test_count_mismatch (void)
{
  const double values[] = { 1, 2, 3 };
  const gsize shape[] = { 2, 2 };
  g_autoptr(GError) error = NULL;
  DzArray *a = dz_array_new_from_values (values, 3, shape, 2, &error);

  g_assert_null (a);
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SIZE_MISMATCH);
  g_assert_nonnull (strstr (error->message, "(2, 2)"));
  dz_assert_no_live_objects ();
}

static void
test_null_values (void)
{
  const gsize shape[] = { 3 };
  g_autoptr(GError) error = NULL;

  g_assert_null (dz_array_new_from_values (NULL, 3, shape, 1, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_null (dz_array_new_zeros (NULL, 2, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  dz_assert_no_live_objects ();
}

static void
test_huge (void)
{
  const gsize overflow[] = { G_MAXSIZE / 2, 4 };
  const gsize too_big[] = { (gsize) 1 << 50 };
  gsize many_dims[DZ_ARRAY_MAX_NDIM + 1];
  g_autoptr(GError) error = NULL;

  g_assert_null (dz_array_new_zeros (overflow, 2, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* 8 PiB: the shape is representable, the memory is not there. */
  g_assert_null (dz_array_new_zeros (too_big, 1, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_TOO_LARGE);
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (many_dims); i++)
    many_dims[i] = 1;
  g_assert_null (dz_array_new_zeros (many_dims, G_N_ELEMENTS (many_dims), &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  dz_assert_no_live_objects ();
}

static void
test_empty (void)
{
  const gsize shape[] = { 0, 5 };
  g_autoptr(DzArray) a = dz_array_new_zeros (shape, 2, NULL);
  g_autofree char *text = NULL;

  g_assert_cmpuint (dz_array_get_size (a), ==, 0);
  g_assert_cmpfloat (dz_array_sum (a), ==, 0.0);
  text = dz_array_shape_to_string (a);
  g_assert_cmpstr (text, ==, "(0, 5)");
}

static void
test_constructors (void)
{
  const gsize shape[] = { 3 };
  g_autoptr(DzArray) zeros = dz_array_new_zeros (shape, 1, NULL);
  g_autoptr(DzArray) ones = dz_array_new_ones (shape, 1, NULL);
  g_autoptr(DzArray) full = dz_array_new_full (shape, 1, 7.0, NULL);
  g_autoptr(DzArray) ones_like = dz_array_new_ones_like (full, NULL);
  g_autoptr(DzArray) zeros_like = dz_array_new_zeros_like (full, NULL);

  g_assert_cmpfloat (dz_array_sum (zeros), ==, 0.0);
  g_assert_cmpfloat (dz_array_sum (ones), ==, 3.0);
  g_assert_cmpfloat (dz_array_sum (full), ==, 21.0);
  g_assert_true (dz_array_allclose (ones_like, ones, 0, 0));
  g_assert_true (dz_array_allclose (zeros_like, zeros, 0, 0));
}

static void
test_random (void)
{
  const gsize shape[] = { 10000 };
  g_autoptr(DzGenerator) g1 = dz_generator_new (42);
  g_autoptr(DzGenerator) g2 = dz_generator_new (42);
  g_autoptr(DzGenerator) g3 = dz_generator_new (43);
  g_autoptr(DzArray) a = dz_array_new_randn (shape, 1, g1, NULL);
  g_autoptr(DzArray) b = dz_array_new_randn (shape, 1, g2, NULL);
  g_autoptr(DzArray) c = dz_array_new_randn (shape, 1, g3, NULL);
  g_autoptr(DzArray) u = dz_array_new_uniform (shape, 1, g1, NULL);
  g_autoptr(DzArray) sq = dz_array_square (a, NULL);
  double mean = dz_array_sum (a) / 10000, var = dz_array_sum (sq) / 10000;
  const double *uv = dz_array_get_values (u, NULL);

  g_assert_true (dz_array_allclose (a, b, 0, 0));
  g_assert_false (dz_array_allclose (a, c, 0, 0));
  /* Standard normal: mean 0 and variance 1 within a few standard errors. */
  g_assert_cmpfloat (fabs (mean), <, 0.05);
  g_assert_cmpfloat (fabs (var - 1.0), <, 0.06);
  for (guint i = 0; i < 10000; i++)
    g_assert_true (uv[i] >= 0.0 && uv[i] < 1.0);

  /* Reseeding restarts the sequence. */
  dz_generator_set_seed (g1, 42);
  g_assert_cmpfloat (dz_generator_next_normal (g1), ==, dz_array_get_value (a, 0));
}

static void
test_bytes_zero_copy (void)
{
  double values[] = { 1, 2, 3, 4 };
  const gsize shape[] = { 2, 2 };
  g_autoptr(GBytes) bytes = g_bytes_new (values, sizeof values);
  g_autoptr(GError) error = NULL;
  g_autoptr(DzArray) a = dz_array_new_from_bytes (bytes, DZ_DTYPE_FLOAT64, shape, 2, &error);
  g_autoptr(GBytes) back = NULL;
  g_autoptr(DzArray) owned = NULL;
  g_autoptr(GBytes) owned_bytes = NULL;
  gsize size;

  g_assert_no_error (error);
  g_assert_true (dz_array_get_values (a, NULL) == g_bytes_get_data (bytes, NULL));
  back = dz_array_get_bytes (a);
  g_assert_true (g_bytes_get_data (back, NULL) == g_bytes_get_data (bytes, NULL));

  /* Bytes of an array that owns its buffer keep the buffer alive, not
   * the array. */
  owned = dz_array_new_from_values (values, 4, shape, 2, NULL);
  owned_bytes = dz_array_get_bytes (owned);
  g_assert_true (g_bytes_get_data (owned_bytes, &size) == dz_array_get_values (owned, NULL));
  g_assert_cmpuint (size, ==, sizeof values);
  g_clear_object (&owned);
  g_assert_cmpuint (dz_live_count (DZ_LIVE_ARRAY), ==, 1);
  g_assert_cmpfloat (((const double *) g_bytes_get_data (owned_bytes, NULL))[3], ==, 4.0);
  g_clear_pointer (&owned_bytes, g_bytes_unref);
  g_clear_object (&a);
  dz_assert_no_live_objects ();
}

static void
test_bytes_errors (void)
{
  const gsize shape[] = { 3 };
  g_autoptr(GBytes) odd = g_bytes_new ("12345", 5);
  g_autoptr(GBytes) short_bytes = g_bytes_new_static ("0123456789abcdef", 16);
  g_autoptr(GError) error = NULL;

  g_assert_null (dz_array_new_from_bytes (odd, DZ_DTYPE_FLOAT64, shape, 1, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SIZE_MISMATCH);
  g_clear_error (&error);
  g_assert_null (dz_array_new_from_bytes (short_bytes, DZ_DTYPE_FLOAT64, shape, 1, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SIZE_MISMATCH);
  g_clear_error (&error);
  g_assert_null (dz_array_new_from_bytes (NULL, DZ_DTYPE_FLOAT64, shape, 1, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  dz_assert_no_live_objects ();
}

static void
test_bytes_misaligned (void)
{
  guint8 raw[3 * sizeof (double) + 1];
  double values[] = { 1.5, -2.5, 3.5 };
  const gsize shape[] = { 3 };
  g_autoptr(DzArray) a = NULL;

  memcpy (raw + 1, values, sizeof values);
  /* GBytes copies into malloc'ed memory, aligned; a sub-range is not. */
  {
    g_autoptr(GBytes) big = g_bytes_new (raw, sizeof raw);
    g_autoptr(GBytes) sub = g_bytes_new_from_bytes (big, 1, sizeof values);

    a = dz_array_new_from_bytes (sub, DZ_DTYPE_FLOAT64, shape, 1, NULL);
  }
  g_assert_nonnull (a);
  g_assert_cmpfloat (dz_array_get_value (a, 1), ==, -2.5);
}

static void
test_math (void)
{
  const double av[] = { 1, 2, 3 }, bv[] = { 4, 5, 6 };
  const gsize shape[] = { 3 }, other[] = { 2 };
  g_autoptr(DzArray) a = dz_array_new_from_values (av, 3, shape, 1, NULL);
  g_autoptr(DzArray) b = dz_array_new_from_values (bv, 3, shape, 1, NULL);
  g_autoptr(DzArray) c = dz_array_new_zeros (other, 1, NULL);
  g_autoptr(GError) error = NULL;
  struct { DzArray *got; double expect[3]; } cases[] = {
    { dz_array_add (a, b, NULL), { 5, 7, 9 } },
    { dz_array_sub (a, b, NULL), { -3, -3, -3 } },
    { dz_array_mul (a, b, NULL), { 4, 10, 18 } },
    { dz_array_div (a, b, NULL), { 0.25, 0.4, 0.5 } },
    { dz_array_neg (a, NULL), { -1, -2, -3 } },
    { dz_array_square (a, NULL), { 1, 4, 9 } },
    { dz_array_exp (a, NULL), { exp (1), exp (2), exp (3) } },
    { dz_array_log (a, NULL), { 0, log (2), log (3) } },
    { dz_array_sin (a, NULL), { sin (1), sin (2), sin (3) } },
    { dz_array_cos (a, NULL), { cos (1), cos (2), cos (3) } },
    { dz_array_tanh (a, NULL), { tanh (1), tanh (2), tanh (3) } },
    { dz_array_pow (a, 3, NULL), { 1, 8, 27 } },
    { dz_array_pow (a, 0.5, NULL), { 1, sqrt (2), sqrt (3) } },
    { dz_array_scale (a, -2, NULL), { -2, -4, -6 } },
    { dz_array_add_scalar (a, 0.5, NULL), { 1.5, 2.5, 3.5 } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(DzArray) expect = dz_array_new_from_values (cases[i].expect, 3, shape, 1, NULL);

      g_assert_true (dz_array_allclose (cases[i].got, expect, 1e-12, 1e-12));
      g_object_unref (cases[i].got);
    }

  g_assert_null (dz_array_add (a, c, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
  g_assert_nonnull (strstr (error->message, "(3,) and (2,)"));
  g_assert_cmpfloat (dz_array_sum (a), ==, 6.0);
  g_assert_false (dz_array_allclose (a, c, 1, 1));
}

static void
test_allclose_nan (void)
{
  g_autoptr(DzArray) n = dz_array_new_scalar (NAN);

  g_assert_false (dz_array_allclose (n, n, 1, 1));
}

/* Expected strings are NumPy 1.24's str() of the same arrays. */
static void
check_print (const double *values,
             gsize         n_values,
             const gsize  *shape,
             guint         ndim,
             const char   *expected)
{
  g_autoptr(DzArray) a = dz_array_new_from_values (values, n_values, shape, ndim, NULL);
  g_autofree char *text = dz_array_to_string (a);

  g_assert_cmpstr (text, ==, expected);
}

static void
test_to_string (void)
{
  const gsize row[] = { 3 }, square[] = { 2, 2 }, cube[] = { 2, 3, 2 }, twenty[] = { 20 };
  double cube_values[12], wrapped[20];

  check_print ((double[]) { 0.6834917840420289 }, 1, NULL, 0, "0.6834917840420289");
  check_print ((double[]) { 16.0 }, 1, NULL, 0, "16.0");
  check_print ((double[]) { 1.5e-7 }, 1, NULL, 0, "1.5e-07");
  check_print ((double[]) { 1, 2, 3 }, 3, row, 1, "[1. 2. 3.]");
  check_print ((double[]) { 1.5, -2.25, 3, 4 }, 4, square, 2,
               "[[ 1.5  -2.25]\n [ 3.    4.  ]]");
  for (guint i = 0; i < 12; i++)
    cube_values[i] = (i - 6.0) / 4;
  check_print (cube_values, 12, cube, 3,
               "[[[-1.5  -1.25]\n  [-1.   -0.75]\n  [-0.5  -0.25]]\n\n"
               " [[ 0.    0.25]\n  [ 0.5   0.75]\n  [ 1.    1.25]]]");
  check_print ((double[]) { 1e-5, 1.5e10, -3 }, 3, row, 1, "[ 1.0e-05  1.5e+10 -3.0e+00]");
  check_print ((double[]) { NAN, 1.25, -INFINITY }, 3, row, 1, "[ nan 1.25 -inf]");
  for (guint i = 0; i < 20; i++)
    wrapped[i] = i / 3.0;
  check_print (wrapped, 20, twenty, 1,
               "[0.         0.33333333 0.66666667 1.         1.33333333 1.66666667\n"
               " 2.         2.33333333 2.66666667 3.         3.33333333 3.66666667\n"
               " 4.         4.33333333 4.66666667 5.         5.33333333 5.66666667\n"
               " 6.         6.33333333]");
  dz_assert_no_live_objects ();
}

/* Printing costs what is printed: NumPy's summary above 1000 elements
 * reads 6 values per axis, and an empty array is [] whatever its shape. */
static void
test_to_string_bounded (void)
{
  const gsize grid[] = { 200, 200 }, million[] = { 1000000 };
  const gsize empty_shapes[][2] = { { 100000000, 0 }, { (gsize) 1 << 40, 0 }, { 0, (gsize) 1 << 40 } };
  g_autofree double *values = g_new (double, million[0]);
  g_autoptr(DzArray) g = NULL;
  g_autoptr(DzArray) m = NULL;
  g_autofree char *text = NULL;
  gint64 start;

  for (guint i = 0; i < 40000; i++)
    values[i] = i;
  g = dz_array_new_from_values (values, 40000, grid, 2, NULL);
  text = dz_array_to_string (g);
  g_assert_cmpstr (text, ==,
                   "[[0.0000e+00 1.0000e+00 2.0000e+00 ... 1.9700e+02 1.9800e+02 1.9900e+02]\n"
                   " [2.0000e+02 2.0100e+02 2.0200e+02 ... 3.9700e+02 3.9800e+02 3.9900e+02]\n"
                   " [4.0000e+02 4.0100e+02 4.0200e+02 ... 5.9700e+02 5.9800e+02 5.9900e+02]\n"
                   " ...\n"
                   " [3.9400e+04 3.9401e+04 3.9402e+04 ... 3.9597e+04 3.9598e+04 3.9599e+04]\n"
                   " [3.9600e+04 3.9601e+04 3.9602e+04 ... 3.9797e+04 3.9798e+04 3.9799e+04]\n"
                   " [3.9800e+04 3.9801e+04 3.9802e+04 ... 3.9997e+04 3.9998e+04 3.9999e+04]]");
  g_clear_pointer (&text, g_free);

  for (gsize i = 0; i < million[0]; i++)
    values[i] = -0.5;
  values[million[0] - 1] = 7.0;
  m = dz_array_new_from_values (values, million[0], million, 1, NULL);
  start = g_get_monotonic_time ();
  text = dz_array_to_string (m);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC / 10);
  g_assert_cmpstr (text, ==, "[-0.5 -0.5 -0.5 ... -0.5 -0.5  7. ]");
  g_clear_pointer (&text, g_free);

  for (guint i = 0; i < G_N_ELEMENTS (empty_shapes); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DzArray) e = dz_array_new_zeros (empty_shapes[i], 2, &error);

      g_assert_no_error (error);
      start = g_get_monotonic_time ();
      text = dz_array_to_string (e);
      g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC / 10);
      g_assert_cmpstr (text, ==, "[]");
      g_clear_pointer (&text, g_free);
    }
}

/* Large arrays reuse freed memory; trimming returns it, and new arrays
 * are right either way. */
static void
test_large_reuse_and_trim (void)
{
  const gsize shape[] = { 3 * 1024 * 1024 };

  for (guint round = 0; round < 3; round++)
    {
      g_autoptr(DzArray) a = dz_array_new_full (shape, 1, round + 1.0, NULL);
      g_autoptr(DzArray) b = dz_array_scale (a, 2.0, NULL);

      g_assert_cmpfloat (dz_array_get_value (b, shape[0] - 1), ==, 2.0 * (round + 1));
      g_assert_cmpfloat (dz_array_sum (b), ==, 2.0 * (round + 1) * shape[0]);
      if (round == 1)
        {
          g_clear_object (&b);
          dz_array_trim_cache ();
        }
    }
  dz_array_trim_cache ();
}

static void
test_precondition (void)
{
  if (g_test_subprocess ())
    {
      dz_array_get_ndim (NULL);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*DZ_IS_ARRAY*");
}

/* Bytes keep the values, not the array: they read the same after the
 * array is finalized, its block cached, reused and the cache trimmed. */
static void
test_bytes_outlive_array (void)
{
  const gsize shape[] = { 50000 };
  g_autoptr(DzGenerator) gen = dz_generator_new (3);
  DzArray *a = dz_array_new_randn (shape, 1, gen, NULL);
  g_autofree double *expected = g_memdup2 (dz_array_get_values (a, NULL), sizeof (double) * shape[0]);
  g_autoptr(GBytes) bytes = dz_array_get_bytes (a);

  g_assert_finalize_object (a);
  dz_assert_no_live_objects ();
  {
    g_autoptr(DzArray) reuse = dz_array_new_full (shape, 1, 42.0, NULL);

    g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                     expected, sizeof (double) * shape[0]);
  }
  dz_array_trim_cache ();
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   expected, sizeof (double) * shape[0]);
}

/* A Function whose gradient the test keeps a view of: backward through
 * two of them sums both gradients into the input's, and that sum must not
 * be written into the first gradient's storage while the view sees it. */
typedef struct { DzFunction parent_instance; double grad; } TestViewed;
typedef struct { DzFunctionClass parent_class; } TestViewedClass;
GType test_viewed_get_type (void);
G_DEFINE_FINAL_TYPE (TestViewed, test_viewed, DZ_TYPE_FUNCTION)

static GBytes *viewed_grads[2];

static GPtrArray *
viewed_forward (DzFunction *self, GPtrArray *xs, GError **error)
{
  GPtrArray *ys = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (ys, dz_array_scale (xs->pdata[0], 1.0, NULL));
  return ys;
}

static GPtrArray *
viewed_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  GPtrArray *gxs = g_ptr_array_new_with_free_func (g_object_unref);
  DzArray *gy = dz_variable_get_data (gys->pdata[0]);
  guint ndim;
  const gsize *shape = dz_array_get_shape (gy, &ndim);
  double value = ((TestViewed *) self)->grad;
  g_autoptr(DzArray) gx = dz_array_new_full (shape, ndim, value, NULL);

  viewed_grads[value == 1.0 ? 0 : 1] = dz_array_get_bytes (gx);
  g_ptr_array_add (gxs, dz_variable_new (gx));
  return gxs;
}

static void
test_viewed_class_init (TestViewedClass *klass)
{
  DZ_FUNCTION_CLASS (klass)->forward = viewed_forward;
  DZ_FUNCTION_CLASS (klass)->backward = viewed_backward;
}

static void
test_viewed_init (TestViewed *self)
{
}

static void
test_bytes_no_in_place_write (void)
{
  const gsize shape[] = { 8 };
  g_autoptr(DzArray) data = dz_array_new_zeros (shape, 1, NULL);
  g_autoptr(DzVariable) x = dz_variable_new (data);
  g_autoptr(DzFunction) f = g_object_new (test_viewed_get_type (), NULL);
  g_autoptr(DzFunction) g = g_object_new (test_viewed_get_type (), NULL);
  g_autoptr(DzVariable) a = NULL;
  g_autoptr(DzVariable) b = NULL;
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(GError) error = NULL;
  const double ones[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
  const double tens[8] = { 10, 10, 10, 10, 10, 10, 10, 10 };

  ((TestViewed *) f)->grad = 1.0;
  ((TestViewed *) g)->grad = 10.0;
  a = dz_function_call_unary (f, x, &error);
  g_assert_no_error (error);
  b = dz_function_call_unary (g, x, &error);
  g_assert_no_error (error);
  y = dz_add (a, b, &error);
  g_assert_no_error (error);
  g_assert_true (dz_variable_backward (y, &error));
  g_assert_no_error (error);

  g_assert_cmpfloat (dz_array_get_value (dz_variable_get_data (dz_variable_get_grad (x)), 7), ==, 11.0);
  g_assert_cmpmem (g_bytes_get_data (viewed_grads[0], NULL), g_bytes_get_size (viewed_grads[0]),
                   ones, sizeof ones);
  g_assert_cmpmem (g_bytes_get_data (viewed_grads[1], NULL), g_bytes_get_size (viewed_grads[1]),
                   tens, sizeof tens);
  g_clear_pointer (&viewed_grads[0], g_bytes_unref);
  g_clear_pointer (&viewed_grads[1], g_bytes_unref);
}

/* Caps the address space a little above what the process already maps,
 * so that a large allocation fails at once and every time, whatever the
 * machine's memory and overcommit policy (under ASan too, whose shadow
 * memory is mapped by then). */
static void
limit_address_space (gsize headroom)
{
  g_autofree char *statm = NULL;
  struct rlimit limit;

  g_assert_true (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
  limit.rlim_cur = limit.rlim_max =
    g_ascii_strtoull (statm, NULL, 10) * sysconf (_SC_PAGESIZE) + headroom;
  g_assert_cmpint (setrlimit (RLIMIT_AS, &limit), ==, 0);
}

/* Allocations sized by the caller fail with an error, never an abort. */
static void
test_out_of_memory (void)
{
  if (g_test_subprocess ())
    {
      const gsize huge[] = { (gsize) 1 << 40 }, big[] = { 4 * 1024 * 1024 };
      g_autoptr(DzGenerator) gen = dz_generator_new (1);
      g_autoptr(DzArray) a = dz_array_new_zeros (big, 1, NULL);
      g_autoptr(DzVariable) x = dz_variable_new (a);
      g_autoptr(GError) error = NULL;
      g_autoptr(DzVariable) y = dz_square (x, NULL);
      g_autoptr(GPtrArray) wrt = g_ptr_array_new ();
      gsize n_drawn = 1;

      g_ptr_array_add (wrt, x);
      limit_address_space (16 * 1024 * 1024);

      /* Backward needs a seed of the output's size. */
      g_assert_false (dz_variable_backward (y, &error));
      g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY);
      g_clear_error (&error);
      g_assert_false (dz_variable_backward_full (y, DZ_BACKWARD_CREATE_GRAPH, &error));
      g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY);
      g_clear_error (&error);
      g_assert_null (dz_grad (y, wrt, 0, &error));
      g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY);
      g_clear_error (&error);
      g_assert_null (dz_variable_get_grad (x));

      g_assert_null (dz_array_new_ones (huge, 1, &error));
      g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY);
      g_clear_error (&error);
      g_assert_null (dz_array_add (a, a, &error));
      g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY);
      g_clear_error (&error);
      g_assert_null (dz_add (x, x, &error));
      g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY);
      g_clear_error (&error);
      g_assert_null (dz_array_exp (a, &error));
      g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY);
      g_clear_error (&error);
      g_assert_null (dz_array_pow (a, 3.0, &error));
      g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY);
      g_clear_error (&error);
      g_assert_null (dz_exp (x, &error));
      g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY);
      g_clear_error (&error);
      g_assert_null (dz_mul_scalar (x, 2.0, &error));
      g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY);
      g_clear_error (&error);
      g_assert_null (dz_array_new_zeros_like (a, &error));
      g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY);
      g_clear_error (&error);
      g_assert_null (dz_generator_draw_normal (gen, big[0], &n_drawn, &error));
      g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY);
      g_assert_cmpuint (n_drawn, ==, 0);
      g_clear_error (&error);
      g_assert_null (dz_generator_draw_uniform (gen, G_MAXSIZE / 4, NULL, &error));
      g_assert_error (error, DZ_ERROR, DZ_ERROR_TOO_LARGE);

      g_clear_object (&y);
      g_clear_object (&x);
      g_clear_object (&a);
      dz_assert_no_live_objects ();
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/array/scalar", test_scalar);
  g_test_add_func ("/array/from-values", test_from_values);
  g_test_add_func ("/array/count-mismatch", test_count_mismatch);
  g_test_add_func ("/array/null-values", test_null_values);
  g_test_add_func ("/array/huge", test_huge);
  g_test_add_func ("/array/out-of-memory", test_out_of_memory);
  g_test_add_func ("/array/empty", test_empty);
  g_test_add_func ("/array/constructors", test_constructors);
  g_test_add_func ("/array/random", test_random);
  g_test_add_func ("/array/bytes/zero-copy", test_bytes_zero_copy);
  g_test_add_func ("/array/bytes/errors", test_bytes_errors);
  g_test_add_func ("/array/bytes/misaligned", test_bytes_misaligned);
  g_test_add_func ("/array/bytes/outlive-array", test_bytes_outlive_array);
  g_test_add_func ("/array/bytes/no-in-place-write", test_bytes_no_in_place_write);
  g_test_add_func ("/array/math", test_math);
  g_test_add_func ("/array/allclose-nan", test_allclose_nan);
  g_test_add_func ("/array/to-string", test_to_string);
  g_test_add_func ("/array/to-string-bounded", test_to_string_bounded);
  g_test_add_func ("/array/large-reuse-and-trim", test_large_reuse_and_trim);
  g_test_add_func ("/array/precondition", test_precondition);

  return g_test_run ();
}
