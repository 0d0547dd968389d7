/* test-softplus.c: how a program's own GTest suite checks what it builds
 * on dezero-glib, with the assertions of <dz-test.h>.
 *
 * The program here defines softplus, log(1 + exp(x)), written with the
 * library's functions in the stable form max(x, 0) + log(1 + exp(-|x|)).
 * Its tests check the values against a closed form, the gradient against
 * numerical differentiation, and that nothing leaks.
 *
 *   scripts/example.sh test-softplus          (or: meson test -C build test-softplus)
 *
 * Outside this tree, build it with
 *   cc test-softplus.c $(pkg-config --cflags --libs dezero-glib-1.0) -lm
 *
 * SPDX-License-Identifier: MIT
 */

#include <math.h>

#include <dezero-glib.h>
#include <dz-test.h>

/* The code under test. */
static DzVariable *
softplus (DzVariable  *x,
          GError     **error)
{
  g_autoptr(DzVariable) positive = dz_relu (x, error);
  g_autoptr(DzVariable) magnitude = NULL;
  g_autoptr(DzVariable) negated = NULL;
  g_autoptr(DzVariable) e = NULL;
  g_autoptr(DzVariable) one_plus = NULL;
  g_autoptr(DzVariable) tail = NULL;

  if (positive == NULL)
    return NULL;
  /* |x| = relu(x) + relu(-x) */
  negated = dz_neg (x, error);
  if (negated == NULL)
    return NULL;
  {
    g_autoptr(DzVariable) negative = dz_relu (negated, error);

    if (negative == NULL)
      return NULL;
    magnitude = dz_add (positive, negative, error);
  }
  if (magnitude == NULL)
    return NULL;
  g_clear_object (&negated);
  negated = dz_neg (magnitude, error);
  e = negated ? dz_exp (negated, error) : NULL;
  one_plus = e ? dz_add_scalar (e, 1.0, error) : NULL;
  tail = one_plus ? dz_log (one_plus, error) : NULL;
  return tail ? dz_add (positive, tail, error) : NULL;
}

/* The shape dz_assert_gradcheck() wants: a DzVariableFunc. */
static DzVariable *
softplus_of (DzVariable *x,
             gpointer    user_data)
{
  return softplus (x, NULL);
}

static DzVariable *
input (void)
{
  double values[] = { -800, -3, -0.5, 0.25, 2, 900 };
  g_autoptr(DzArray) data = dz_array_new_from_values (values, 6, (gsize[]) { 2, 3 }, 2, NULL);

  return dz_variable_new (data);
}

static void
test_values (void)
{
  g_autoptr(DzVariable) x = input ();
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(DzArray) expected = NULL;
  g_autoptr(GError) error = NULL;
  double want[6];

  y = softplus (x, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 6; i++)
    {
      double v = dz_array_get_value (dz_variable_get_data (x), i);

      /* log1p(exp(v)) overflows at 900; softplus(v) is v there. */
      want[i] = v > 30 ? v : log1p (exp (v));
    }
  expected = dz_array_new_from_values (want, 6, (gsize[]) { 2, 3 }, 2, NULL);
  dz_assert_allclose (dz_variable_get_data (y), expected, 1e-12, 1e-300);
}

static void
test_gradient (void)
{
  double values[] = { -3, -0.5, 0.25, 2 };
  g_autoptr(DzArray) data = dz_array_new_from_values (values, 4, (gsize[]) { 4 }, 1, NULL);
  g_autoptr(DzVariable) x = dz_variable_new (data);

  /* Away from 0, where |x| has no derivative. */
  dz_assert_gradcheck (softplus_of, NULL, x);
}

/* The test framework's part: every test ends with nothing alive. */
static void
leak_checked (gconstpointer test)
{
  ((GTestFunc) test) ();
  dz_assert_no_live_objects ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/softplus/values", test_values, leak_checked);
  g_test_add_data_func ("/softplus/gradient", test_gradient, leak_checked);

  return g_test_run ();
}
