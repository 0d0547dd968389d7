/* dz-ops-math.c: square, exp, log, sin, cos, tanh, pow
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>

#include "dz-op-private.h"

/* The output of a single-output function during its own backward step: it
 * is alive, since the pass reached the function through it. */
static DzVariable *
op_output (DzFunction *self)
{
  return dz_function_get_output (self, 0);
}

/* Square: y = x^2;  gx = gy * 2x */
static double
square_scalar (double c, const double *xs)
{
  return xs[0] * xs[0];
}

static DzArray *
square_compute (double c, DzArray **xs, GError **error)
{
  return dz_array_square (xs[0], error);
}

static void
square_gradient (double c, DzArray **xs, DzArray *y, DzArray *gy, DzArray **gxs)
{
  gxs[0] = dz_kernel_mul_scaled_take (gy, xs[0], 2.0);
}

static GPtrArray *
square_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  g_autoptr(DzVariable) two_x = dz_mul_scalar (dz_op_input (self, 0), 2.0, error);

  if (two_x == NULL)
    return NULL;
  return dz_op_grads (1, dz_mul (dz_op_gy (gys), two_x, error));
}

DZ_DEFINE_OP (Square, square, square_scalar, square_compute, square_gradient, DZ_OP_NEEDS_INPUTS, square_backward)

/* Exp: y = e^x;  gx = gy * y */
static double
exp_scalar (double c, const double *xs)
{
  return exp (xs[0]);
}

static DzArray *
exp_compute (double c, DzArray **xs, GError **error)
{
  return dz_array_exp (xs[0], error);
}

static void
exp_gradient (double c, DzArray **xs, DzArray *y, DzArray *gy, DzArray **gxs)
{
  gxs[0] = y ? dz_kernel_mul_scaled_take (gy, y, 1.0) : dz_kernel_mul_exp_take (gy, xs[0]);
}

static GPtrArray *
exp_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  g_autoptr(DzVariable) y = op_output (self);

  if (y == NULL)
    y = dz_exp (dz_op_input (self, 0), error);
  if (y == NULL)
    return NULL;
  return dz_op_grads (1, dz_mul (dz_op_gy (gys), y, error));
}

DZ_DEFINE_OP (Exp, exp, exp_scalar, exp_compute, exp_gradient, DZ_OP_NEEDS_OUTPUT, exp_backward)

/* Log: y = ln x;  gx = gy / x */
static double
log_scalar (double c, const double *xs)
{
  return log (xs[0]);
}

static DzArray *
log_compute (double c, DzArray **xs, GError **error)
{
  return dz_array_log (xs[0], error);
}

static void
log_gradient (double c, DzArray **xs, DzArray *y, DzArray *gy, DzArray **gxs)
{
  gxs[0] = dz_kernel_div_take (gy, xs[0]);
}

static GPtrArray *
log_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  return dz_op_grads (1, dz_div (dz_op_gy (gys), dz_op_input (self, 0), error));
}

DZ_DEFINE_OP (Log, log, log_scalar, log_compute, log_gradient, DZ_OP_NEEDS_INPUTS, log_backward)

/* Sin: y = sin x;  gx = gy * cos x */
static double
sin_scalar (double c, const double *xs)
{
  return sin (xs[0]);
}

static DzArray *
sin_compute (double c, DzArray **xs, GError **error)
{
  return dz_array_sin (xs[0], error);
}

static void
sin_gradient (double c, DzArray **xs, DzArray *y, DzArray *gy, DzArray **gxs)
{
  gxs[0] = dz_kernel_mul_cos_take (gy, xs[0], 1.0);
}

static GPtrArray *
sin_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  g_autoptr(DzVariable) cos_x = dz_cos (dz_op_input (self, 0), error);

  if (cos_x == NULL)
    return NULL;
  return dz_op_grads (1, dz_mul (dz_op_gy (gys), cos_x, error));
}

DZ_DEFINE_OP (Sin, sin, sin_scalar, sin_compute, sin_gradient, DZ_OP_NEEDS_INPUTS, sin_backward)

/* Cos: y = cos x;  gx = -gy * sin x */
static double
cos_scalar (double c, const double *xs)
{
  return cos (xs[0]);
}

static DzArray *
cos_compute (double c, DzArray **xs, GError **error)
{
  return dz_array_cos (xs[0], error);
}

static void
cos_gradient (double c, DzArray **xs, DzArray *y, DzArray *gy, DzArray **gxs)
{
  gxs[0] = dz_kernel_mul_sin_take (gy, xs[0], -1.0);
}

static GPtrArray *
cos_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  g_autoptr(DzVariable) sin_x = dz_sin (dz_op_input (self, 0), error);
  g_autoptr(DzVariable) minus_sin_x = sin_x ? dz_neg (sin_x, error) : NULL;

  if (minus_sin_x == NULL)
    return NULL;
  return dz_op_grads (1, dz_mul (dz_op_gy (gys), minus_sin_x, error));
}

DZ_DEFINE_OP (Cos, cos, cos_scalar, cos_compute, cos_gradient, DZ_OP_NEEDS_INPUTS, cos_backward)

/* Tanh: y = tanh x;  gx = gy * (1 - y^2) */
static double
tanh_scalar (double c, const double *xs)
{
  return tanh (xs[0]);
}

static DzArray *
tanh_compute (double c, DzArray **xs, GError **error)
{
  return dz_array_tanh (xs[0], error);
}

static void
tanh_gradient (double c, DzArray **xs, DzArray *y, DzArray *gy, DzArray **gxs)
{
  g_autoptr(DzArray) recomputed = y ? NULL : dz_array_tanh (xs[0], NULL);

  gxs[0] = dz_kernel_tanh_grad_take (gy, y ? y : recomputed);
}

static GPtrArray *
tanh_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  g_autoptr(DzVariable) y = op_output (self);
  g_autoptr(DzVariable) y2 = NULL;
  g_autoptr(DzVariable) minus_y2 = NULL;
  g_autoptr(DzVariable) one_minus_y2 = NULL;

  if (y == NULL)
    y = dz_tanh (dz_op_input (self, 0), error);
  if (y == NULL ||
      (y2 = dz_square (y, error)) == NULL ||
      (minus_y2 = dz_neg (y2, error)) == NULL ||
      (one_minus_y2 = dz_add_scalar (minus_y2, 1.0, error)) == NULL)
    return NULL;
  return dz_op_grads (1, dz_mul (dz_op_gy (gys), one_minus_y2, error));
}

DZ_DEFINE_OP (Tanh, tanh, tanh_scalar, tanh_compute, tanh_gradient, DZ_OP_NEEDS_OUTPUT, tanh_backward)

/* Pow: y = x^c;  gx = gy * c x^(c-1) */
static double
pow_scalar (double c, const double *xs)
{
  /* As dz_array_pow(): small integer exponents multiply. */
  if (c == 2.0)
    return xs[0] * xs[0];
  if (c == 1.0)
    return xs[0];
  return pow (xs[0], c);
}

static DzArray *
pow_compute (double c, DzArray **xs, GError **error)
{
  return dz_array_pow (xs[0], c, error);
}

static void
pow_gradient (double c, DzArray **xs, DzArray *y, DzArray *gy, DzArray **gxs)
{
  gxs[0] = dz_kernel_pow_grad_take (gy, xs[0], c);
}

static GPtrArray *
pow_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  double c = dz_op_constant (self);
  g_autoptr(DzVariable) x_c1 = dz_pow (dz_op_input (self, 0), c - 1.0, error);
  g_autoptr(DzVariable) dydx = x_c1 ? dz_mul_scalar (x_c1, c, error) : NULL;

  if (dydx == NULL)
    return NULL;
  return dz_op_grads (1, dz_mul (dz_op_gy (gys), dydx, error));
}

DZ_DEFINE_OP (Pow, pow, pow_scalar, pow_compute, pow_gradient, DZ_OP_NEEDS_INPUTS, pow_backward)

/**
 * dz_square:
 * @x: a #DzVariable with data
 * @error: return location for a #GError
 *
 * Squares @x, element by element, recording the operation in the graph
 * while backpropagation is enabled.
 *
 * Returns: (transfer full): `x * x`, element by element, or %NULL with @error set:
 *   %DZ_ERROR_NO_DATA when @x has no data, %DZ_ERROR_NO_MEMORY
 */
DzVariable *
dz_square (DzVariable *x, GError **error)
{
  return dz_op_apply_unary (dz_square_op_class (), 0.0, x, error);
}

/**
 * dz_exp:
 * @x: a #DzVariable with data
 * @error: return location for a #GError
 *
 * Computes the exponential of @x, element by element, recording the
 * operation in the graph while backpropagation is enabled.
 *
 * Returns: (transfer full): `e^x`, element by element, or %NULL with @error set:
 *   %DZ_ERROR_NO_DATA when @x has no data, %DZ_ERROR_NO_MEMORY
 */
DzVariable *
dz_exp (DzVariable *x, GError **error)
{
  return dz_op_apply_unary (dz_exp_op_class (), 0.0, x, error);
}

/**
 * dz_log:
 * @x: a #DzVariable with data
 * @error: return location for a #GError
 *
 * Computes the natural logarithm of @x, element by element, recording the
 * operation in the graph while backpropagation is enabled.
 *
 * Returns: (transfer full): the natural logarithm of @x, element by element, or %NULL with @error set:
 *   %DZ_ERROR_NO_DATA when @x has no data, %DZ_ERROR_NO_MEMORY
 */
DzVariable *
dz_log (DzVariable *x, GError **error)
{
  return dz_op_apply_unary (dz_log_op_class (), 0.0, x, error);
}

/**
 * dz_sin:
 * @x: a #DzVariable with data
 * @error: return location for a #GError
 *
 * Computes the sine of @x (in radians), element by element, recording the
 * operation in the graph while backpropagation is enabled.
 *
 * Returns: (transfer full): the sine of @x, element by element, or %NULL with @error set:
 *   %DZ_ERROR_NO_DATA when @x has no data, %DZ_ERROR_NO_MEMORY
 */
DzVariable *
dz_sin (DzVariable *x, GError **error)
{
  return dz_op_apply_unary (dz_sin_op_class (), 0.0, x, error);
}

/**
 * dz_cos:
 * @x: a #DzVariable with data
 * @error: return location for a #GError
 *
 * Computes the cosine of @x (in radians), element by element, recording
 * the operation in the graph while backpropagation is enabled.
 *
 * Returns: (transfer full): the cosine of @x, element by element, or %NULL with @error set:
 *   %DZ_ERROR_NO_DATA when @x has no data, %DZ_ERROR_NO_MEMORY
 */
DzVariable *
dz_cos (DzVariable *x, GError **error)
{
  return dz_op_apply_unary (dz_cos_op_class (), 0.0, x, error);
}

/**
 * dz_tanh:
 * @x: a #DzVariable with data
 * @error: return location for a #GError
 *
 * Computes the hyperbolic tangent of @x, element by element, recording the
 * operation in the graph while backpropagation is enabled.
 *
 * Returns: (transfer full): the hyperbolic tangent of @x, element by element, or %NULL with @error set:
 *   %DZ_ERROR_NO_DATA when @x has no data, %DZ_ERROR_NO_MEMORY
 */
DzVariable *
dz_tanh (DzVariable *x, GError **error)
{
  return dz_op_apply_unary (dz_tanh_op_class (), 0.0, x, error);
}

/**
 * dz_pow:
 * @x: a #DzVariable with data
 * @exponent: a constant exponent
 * @error: return location for a #GError
 *
 * Raises @x to the constant @exponent, element by element, recording the
 * operation in the graph while backpropagation is enabled.
 *
 * Returns: (transfer full): @x raised to @exponent, element by element, or %NULL with @error set:
 *   %DZ_ERROR_NO_DATA when @x has no data, %DZ_ERROR_NO_MEMORY
 */
DzVariable *
dz_pow (DzVariable *x, double exponent, GError **error)
{
  return dz_op_apply_unary (dz_pow_op_class (), exponent, x, error);
}
