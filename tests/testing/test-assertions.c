/* test-assertions.c: the assertions dz-test.h installs, passing and
 * failing (in a subprocess, whose message is checked)
 *
 * SPDX-License-Identifier: MIT
 */

#include "dz-test-utils.h"

static DzArray *
values (const double *v,
        gsize         n,
        const gsize  *shape,
        guint         ndim)
{
  g_autoptr(GError) error = NULL;
  DzArray *a = dz_array_new_from_values (v, n, shape, ndim, &error);

  g_assert_no_error (error);
  return a;
}

static DzVariable *
cube (DzVariable *x,
      gpointer    user_data)
{
  g_autoptr(DzVariable) x2 = dz_mul (x, x, NULL);

  return dz_mul (x2, x, NULL);
}

/* A function whose gradient is wrong: forward x^2, backward 3x (a
 * custom function would be the usual culprit). Written with a detached
 * term so that backprop sees only 2x - but the value is x^2 + x. */
static DzVariable *
wrong (DzVariable *x,
       gpointer    user_data)
{
  g_autoptr(DzVariable) x2 = dz_mul (x, x, NULL);
  g_autoptr(DzArray) copy = dz_array_astype (dz_variable_get_data (x), DZ_DTYPE_FLOAT64, NULL);
  g_autoptr(DzVariable) detached = dz_variable_new (copy);

  return dz_add (x2, detached, NULL);
}

static void
test_passing (void)
{
  double a[] = { 1, 2, 3, 4, 5, 6 }, b[] = { 1, 2, 3, 4, 5, 6.0000001 };
  g_autoptr(DzArray) x = values (a, 6, (gsize[]) { 2, 3 }, 2);
  g_autoptr(DzArray) y = values (b, 6, (gsize[]) { 2, 3 }, 2);
  g_autoptr(DzArray) y32 = dz_array_astype (y, DZ_DTYPE_FLOAT32, NULL);
  g_autoptr(DzVariable) v = dz_variable_new (x);

  dz_assert_allclose (x, y, 1e-6, 0);
  dz_assert_allclose (x, y32, 1e-6, 0);
  dz_assert_gradcheck (cube, NULL, v);
  dz_assert_gradcheck_full (cube, NULL, v, 1e-5, 1e-5, 1e-7);
  g_clear_object (&v);
  g_clear_object (&x);
  g_clear_object (&y);
  g_clear_object (&y32);
  dz_assert_no_live_objects ();
}

/* The failing cases, each run in a subprocess. */
static void
fail_allclose_values (void)
{
  double a[] = { 1, 2, 3, 4, 5, 6 }, b[] = { 1, 2, 3, 4, 5.5, 7 };
  g_autoptr(DzArray) x = values (a, 6, (gsize[]) { 2, 3 }, 2);
  g_autoptr(DzArray) y = values (b, 6, (gsize[]) { 2, 3 }, 2);

  dz_assert_allclose (x, y, 1e-3, 1e-3);
}

static void
fail_allclose_shape (void)
{
  double a[] = { 1, 2, 3, 4, 5, 6 };
  g_autoptr(DzArray) x = values (a, 6, (gsize[]) { 2, 3 }, 2);
  g_autoptr(DzArray) y = values (a, 6, (gsize[]) { 3, 2 }, 2);

  dz_assert_allclose (x, y, 1, 1);
}

static void
fail_allclose_nan (void)
{
  double a[] = { NAN };
  g_autoptr(DzArray) x = values (a, 1, (gsize[]) { 1 }, 1);

  dz_assert_allclose (x, x, 1, 1);
}

static void
fail_gradcheck (void)
{
  double a[] = { 0.5, -1.5, 2.0 };
  g_autoptr(DzArray) x = values (a, 3, (gsize[]) { 3 }, 1);
  g_autoptr(DzVariable) v = dz_variable_new (x);

  dz_assert_gradcheck (wrong, NULL, v);
}

static DzVariable *kept;

static void
fail_live_objects (void)
{
  kept = dz_variable_new_scalar (1.0);
  dz_assert_no_live_objects ();
}

static void
test_failing (void)
{
  static const struct {
    const char *name;
    GTestFunc func;
    const char *pattern;
  } cases[] = {
    { "allclose-values", fail_allclose_values,
      "*x is not close to y (rtol 0.001, atol 0.001): at [1, 1], 5 vs 5.5 (difference 0.5); "
      "2 of 6 elements differ*" },
    { "allclose-shape", fail_allclose_shape, "*x is not close to y: shapes (2, 3) and (3, 2)*" },
    { "allclose-nan", fail_allclose_nan, "*at [0], nan vs nan*" },
    { "gradcheck", fail_gradcheck, "*gradient check of wrong failed:*" },
    { "live-objects", fail_live_objects,
      "*objects still alive: 0 arrays, 1 variables, 0 functions*" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      if (g_test_subprocess ())
        continue;
      {
        g_autofree char *path = g_strdup_printf ("/testing/failing/subprocess/%s", cases[i].name);

        g_test_trap_subprocess (path, 0, G_TEST_SUBPROCESS_DEFAULT);
        g_test_trap_assert_failed ();
        g_test_trap_assert_stderr (cases[i].pattern);
      }
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/testing/passing", test_passing);
  g_test_add_func ("/testing/failing", test_failing);
  g_test_add_func ("/testing/failing/subprocess/allclose-values", fail_allclose_values);
  g_test_add_func ("/testing/failing/subprocess/allclose-shape", fail_allclose_shape);
  g_test_add_func ("/testing/failing/subprocess/allclose-nan", fail_allclose_nan);
  g_test_add_func ("/testing/failing/subprocess/gradcheck", fail_gradcheck);
  g_test_add_func ("/testing/failing/subprocess/live-objects", fail_live_objects);

  return g_test_run ();
}
