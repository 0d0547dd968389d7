/* dz-test.c: the assertions of dz-test.h
 *
 * They report through g_assertion_message(), as GLib's own g_assert_*()
 * do, so that a failure aborts the test (or only marks it failed under
 * g_test_set_nonfatal_assertions()) with the caller's file and line.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>

#include "dz-test.h"

/* "[1, 2]" for flat @index of @shape. */
static char *
index_to_string (const gsize *shape,
                 guint        ndim,
                 gsize        index)
{
  GString *out = g_string_new ("[");
  gsize rest = index;
  gsize coords[DZ_ARRAY_MAX_NDIM];

  for (guint i = ndim; i-- > 0;)
    {
      coords[i] = shape[i] > 0 ? rest % shape[i] : 0;
      rest = shape[i] > 0 ? rest / shape[i] : 0;
    }
  for (guint i = 0; i < ndim; i++)
    g_string_append_printf (out, "%s%" G_GSIZE_FORMAT, i > 0 ? ", " : "", coords[i]);
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

/**
 * dz_test_assert_allclose: (skip)
 * @domain: the log domain
 * @file: the source file
 * @line: the line
 * @func: the function
 * @a_expr: @a as written
 * @b_expr: @b as written
 * @a: the array tested
 * @b: the array expected
 * @rtol: the relative tolerance
 * @atol: the absolute tolerance
 *
 * The implementation of dz_assert_allclose(); call that instead.
 */
void
dz_test_assert_allclose (const char *domain,
                         const char *file,
                         int         line,
                         const char *func,
                         const char *a_expr,
                         const char *b_expr,
                         DzArray    *a,
                         DzArray    *b,
                         double      rtol,
                         double      atol)
{
  g_autofree char *message = NULL;
  const gsize *shape;
  guint ndim;
  gsize n, n_bad = 0, first = 0;

  if (!DZ_IS_ARRAY (a) || !DZ_IS_ARRAY (b))
    {
      message = g_strdup_printf ("%s is not close to %s: %s is not a DzArray", a_expr, b_expr,
                                 DZ_IS_ARRAY (a) ? b_expr : a_expr);
      g_assertion_message (domain, file, line, func, message);
      return;
    }
  if (!dz_array_same_shape (a, b))
    {
      g_autofree char *a_shape = dz_array_shape_to_string (a);
      g_autofree char *b_shape = dz_array_shape_to_string (b);

      message = g_strdup_printf ("%s is not close to %s: shapes %s and %s", a_expr, b_expr,
                                 a_shape, b_shape);
      g_assertion_message (domain, file, line, func, message);
      return;
    }

  n = dz_array_get_size (a);
  for (gsize i = 0; i < n; i++)
    {
      double x = dz_array_get_value (a, i);
      double y = dz_array_get_value (b, i);

      /* Written so that a NaN on either side is a mismatch. */
      if (!(fabs (x - y) <= atol + rtol * fabs (y)))
        {
          if (n_bad == 0)
            first = i;
          n_bad++;
        }
    }
  if (n_bad == 0)
    return;

  shape = dz_array_get_shape (a, &ndim);
  {
    g_autofree char *where = index_to_string (shape, ndim, first);
    double x = dz_array_get_value (a, first), y = dz_array_get_value (b, first);

    message = g_strdup_printf ("%s is not close to %s (rtol %g, atol %g): at %s, %.17g vs %.17g "
                               "(difference %.3g); %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                               " elements differ", a_expr, b_expr, rtol, atol, where, x, y,
                               fabs (x - y), n_bad, n);
  }
  g_assertion_message (domain, file, line, func, message);
}

/**
 * dz_test_assert_gradcheck: (skip)
 * @domain: the log domain
 * @file: the source file
 * @line: the line
 * @func: the function
 * @func_expr: @variable_func as written
 * @variable_func: the computation to check
 * @user_data: data for @variable_func
 * @x: the point to check at
 * @eps: the step of numerical differentiation
 * @rtol: the relative tolerance
 * @atol: the absolute tolerance
 *
 * The implementation of dz_assert_gradcheck(); call that instead.
 */
void
dz_test_assert_gradcheck (const char     *domain,
                          const char     *file,
                          int             line,
                          const char     *func,
                          const char     *func_expr,
                          DzVariableFunc  variable_func,
                          gpointer        user_data,
                          DzVariable     *x,
                          double          eps,
                          double          rtol,
                          double          atol)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (dz_gradient_check (variable_func, user_data, x, eps, rtol, atol, &error))
    return;
  message = g_strdup_printf ("gradient check of %s failed: %s", func_expr,
                             error != NULL ? error->message : "no reason given");
  g_assertion_message (domain, file, line, func, message);
}

/**
 * dz_test_assert_no_live_objects: (skip)
 * @domain: the log domain
 * @file: the source file
 * @line: the line
 * @func: the function
 *
 * The implementation of dz_assert_no_live_objects(); call that instead.
 */
void
dz_test_assert_no_live_objects (const char *domain,
                                const char *file,
                                int         line,
                                const char *func)
{
  guint arrays = dz_live_count (DZ_LIVE_ARRAY);
  guint variables = dz_live_count (DZ_LIVE_VARIABLE);
  guint functions = dz_live_count (DZ_LIVE_FUNCTION);
  g_autofree char *message = NULL;

  if (arrays == 0 && variables == 0 && functions == 0)
    return;
  message = g_strdup_printf ("objects still alive: %u arrays, %u variables, %u functions",
                             arrays, variables, functions);
  g_assertion_message (domain, file, line, func, message);
}
