/* dz-numerical.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "dz-array-math.h"
#include "dz-array-private.h"
#include "dz-config.h"
#include "dz-error.h"
#include "dz-numerical.h"
#include "dz-variable-private.h"

/* Calls @func on a fresh leaf holding @data; returns the sum of the result,
 * since backward seeds every output element with 1. */
static gboolean
evaluate_sum (DzVariableFunc   func,
              gpointer         user_data,
              DzArray         *data,
              double          *sum,
              GError         **error)
{
  g_autoptr(DzVariable) x = dz_variable_new (data);
  g_autoptr(DzVariable) y = func (x, user_data);

  if (y == NULL || !DZ_IS_VARIABLE (y))
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_FUNCTION_FAILED,
                           "The function being differentiated returned no variable");
      return FALSE;
    }
  if (dz_variable_get_data (y) == NULL)
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_NO_DATA,
                           "The function being differentiated returned a variable without data");
      return FALSE;
    }

  *sum = dz_array_sum (dz_variable_get_data (y));
  return TRUE;
}

/**
 * dz_numerical_diff:
 * @func: (scope call) (closure user_data): the computation to differentiate
 * @user_data: data for @func
 * @x: the point to differentiate at
 * @eps: the step, 1e-4 being a good default for float64
 * @error: return location for a #GError
 *
 * Differentiates @func at @x by central differences: element `i` of the
 * result is `(f(x + eps e_i) - f(x - eps e_i)) / 2 eps`, where `f` sums
 * the elements of what @func returns. This is what backpropagation
 * computes when seeded with ones, at a cost of two calls per element.
 *
 * @func is called with backpropagation disabled, on fresh leaves: @x and
 * its gradient are not touched.
 *
 * Returns: (transfer full): the numerical gradient, of the shape of @x, or
 *   %NULL with @error set
 */
DzArray *
dz_numerical_diff (DzVariableFunc   func,
                   gpointer         user_data,
                   DzVariable      *x,
                   double           eps,
                   GError         **error)
{
  DzArray *data, *result = NULL;
  g_autoptr(DzArray) values = NULL;
  g_autofree double *probe = NULL;
  gboolean previous;

  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = dz_variable_get_data (x);
  if (data == NULL)
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_NO_DATA,
                           "Cannot differentiate at a variable without data");
      return NULL;
    }
  if (!(eps > 0.0) || !isfinite (eps))
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "The step of numerical differentiation must be positive, not %g", eps);
      return NULL;
    }

  /* Differentiated in float64 whatever the dtype: central differences in
   * float32 would lose most of their digits. */
  values = dz_array_astype (data, DZ_DTYPE_FLOAT64, error);
  if (values == NULL)
    return NULL;
  result = dz_array_new_uninitialized (DZ_DTYPE_FLOAT64, data->shape, data->ndim, error);
  if (result == NULL)
    return NULL;
  probe = g_try_malloc_n (data->size, sizeof (double));
  if (probe == NULL && data->size > 0)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY,
                   "Out of memory copying %" G_GSIZE_FORMAT " values to differentiate at",
                   data->size);
      g_clear_object (&result);
      return NULL;
    }
  if (data->size > 0)
    memcpy (probe, values->data, data->size * sizeof (double));
  previous = dz_set_enable_backprop (FALSE);

  for (gsize i = 0; i < data->size; i++)
    {
      g_autoptr(DzArray) plus = NULL;
      g_autoptr(DzArray) minus = NULL;
      double f_plus, f_minus;

      probe[i] = DZ_ARRAY_F64 (values)[i] + eps;
      plus = dz_array_new_from_values (probe, data->size, data->shape, data->ndim, error);
      probe[i] = DZ_ARRAY_F64 (values)[i] - eps;
      minus = plus ? dz_array_new_from_values (probe, data->size, data->shape, data->ndim, error) : NULL;
      probe[i] = DZ_ARRAY_F64 (values)[i];

      if (minus == NULL ||
          !evaluate_sum (func, user_data, plus, &f_plus, error) ||
          !evaluate_sum (func, user_data, minus, &f_minus, error))
        {
          g_clear_object (&result);
          break;
        }

      DZ_ARRAY_F64 (result)[i] = (f_plus - f_minus) / (2.0 * eps);
    }

  dz_set_enable_backprop (previous);
  return result;
}

/**
 * dz_gradient_check:
 * @func: (scope call) (closure user_data): the computation to check
 * @user_data: data for @func
 * @x: the point to check at
 * @eps: the step of numerical differentiation (DeZero uses 1e-4)
 * @rtol: relative tolerance (DeZero uses 1e-4)
 * @atol: absolute tolerance (DeZero uses 1e-5)
 * @error: return location for a #GError
 *
 * Checks the backward pass of @func against numerical differentiation at
 * @x, element by element (see dz_numerical_diff() and
 * dz_array_allclose()). @func is run on a fresh leaf, so @x and its
 * gradient are not touched.
 *
 * Returns: %TRUE if the gradients agree; %FALSE with
 *   %DZ_ERROR_GRADIENT_MISMATCH naming the worst element, or with the error
 *   @func caused
 */
gboolean
dz_gradient_check (DzVariableFunc   func,
                   gpointer         user_data,
                   DzVariable      *x,
                   double           eps,
                   double           rtol,
                   double           atol,
                   GError         **error)
{
  g_autoptr(DzArray) numerical = NULL;
  g_autoptr(DzVariable) leaf = NULL;
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(DzArray) zeros = NULL;
  DzVariable *grad;
  DzArray *analytic;
  gsize worst = 0;
  double worst_excess = -1.0;

  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (DZ_IS_VARIABLE (x), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  numerical = dz_numerical_diff (func, user_data, x, eps, error);
  if (numerical == NULL)
    return FALSE;

  leaf = dz_variable_new (dz_variable_get_data (x));
  y = func (leaf, user_data);
  if (y == NULL || !DZ_IS_VARIABLE (y))
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_FUNCTION_FAILED,
                           "The function being checked returned no variable");
      return FALSE;
    }
  if (!dz_variable_backward (y, error))
    return FALSE;

  /* A result that does not depend on x leaves no gradient: zero. */
  grad = dz_variable_get_grad (leaf);
  if (grad == NULL)
    {
      analytic = zeros = dz_array_new_zeros_like (numerical, error);
      if (analytic == NULL)
        return FALSE;
    }
  else
    analytic = dz_variable_get_data (grad);

  if (dz_array_allclose (analytic, numerical, rtol, atol))
    return TRUE;

  if (!dz_array_same_shape (analytic, numerical))
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_GRADIENT_MISMATCH,
                           "The backward gradient does not have the shape of the input");
      return FALSE;
    }

  for (gsize i = 0; i < numerical->size; i++)
    {
      double diff = fabs (dz_array_load (analytic, i) - dz_array_load (numerical, i));
      double excess = diff - (atol + rtol * fabs (dz_array_load (numerical, i)));

      if (isnan (excess))
        excess = G_MAXDOUBLE;
      if (excess > worst_excess)
        {
          worst_excess = excess;
          worst = i;
        }
    }

  g_set_error (error, DZ_ERROR, DZ_ERROR_GRADIENT_MISMATCH,
               "Backward and numerical gradients differ at element %" G_GSIZE_FORMAT
               ": %.10g against %.10g",
               worst, dz_array_load (analytic, worst), dz_array_load (numerical, worst));
  return FALSE;
}
