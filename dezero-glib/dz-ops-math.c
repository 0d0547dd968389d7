/* dz-ops-math.c: square, exp, log, sin, cos, tanh, pow
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-op-private.h"

/* The output of a single-output function during its own backward step: it
 * is alive, since the pass reached the function through it. */
static DzVariable *
op_output (DzFunction *self)
{
  return dz_function_get_output (self, 0);
}

/* Square: y = x^2;  gx = gy * 2x */
static GPtrArray *
square_forward (G_GNUC_UNUSED DzFunction *self, GPtrArray *xs, G_GNUC_UNUSED GError **error)
{
  return dz_op_result (dz_array_square (dz_op_x (xs, 0)));
}

static GPtrArray *
square_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  g_autoptr(DzVariable) two_x = dz_mul_scalar (dz_op_input (self, 0), 2.0);

  return dz_op_grads (1, dz_mul (dz_op_gy (gys), two_x, error));
}

DZ_DEFINE_OP (Square, square, square_forward, square_backward)

/* Exp: y = e^x;  gx = gy * y */
static GPtrArray *
exp_forward (G_GNUC_UNUSED DzFunction *self, GPtrArray *xs, G_GNUC_UNUSED GError **error)
{
  return dz_op_result (dz_array_exp (dz_op_x (xs, 0)));
}

static GPtrArray *
exp_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  g_autoptr(DzVariable) y = op_output (self);

  if (y == NULL)
    y = dz_exp (dz_op_input (self, 0));
  return dz_op_grads (1, dz_mul (dz_op_gy (gys), y, error));
}

DZ_DEFINE_OP (Exp, exp, exp_forward, exp_backward)

/* Log: y = ln x;  gx = gy / x */
static GPtrArray *
log_forward (G_GNUC_UNUSED DzFunction *self, GPtrArray *xs, G_GNUC_UNUSED GError **error)
{
  return dz_op_result (dz_array_log (dz_op_x (xs, 0)));
}

static GPtrArray *
log_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  return dz_op_grads (1, dz_div (dz_op_gy (gys), dz_op_input (self, 0), error));
}

DZ_DEFINE_OP (Log, log, log_forward, log_backward)

/* Sin: y = sin x;  gx = gy * cos x */
static GPtrArray *
sin_forward (G_GNUC_UNUSED DzFunction *self, GPtrArray *xs, G_GNUC_UNUSED GError **error)
{
  return dz_op_result (dz_array_sin (dz_op_x (xs, 0)));
}

static GPtrArray *
sin_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  g_autoptr(DzVariable) cos_x = dz_cos (dz_op_input (self, 0));

  return dz_op_grads (1, dz_mul (dz_op_gy (gys), cos_x, error));
}

DZ_DEFINE_OP (Sin, sin, sin_forward, sin_backward)

/* Cos: y = cos x;  gx = -gy * sin x */
static GPtrArray *
cos_forward (G_GNUC_UNUSED DzFunction *self, GPtrArray *xs, G_GNUC_UNUSED GError **error)
{
  return dz_op_result (dz_array_cos (dz_op_x (xs, 0)));
}

static GPtrArray *
cos_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  g_autoptr(DzVariable) sin_x = dz_sin (dz_op_input (self, 0));
  g_autoptr(DzVariable) minus_sin_x = dz_neg (sin_x);

  return dz_op_grads (1, dz_mul (dz_op_gy (gys), minus_sin_x, error));
}

DZ_DEFINE_OP (Cos, cos, cos_forward, cos_backward)

/* Tanh: y = tanh x;  gx = gy * (1 - y^2) */
static GPtrArray *
tanh_forward (G_GNUC_UNUSED DzFunction *self, GPtrArray *xs, G_GNUC_UNUSED GError **error)
{
  return dz_op_result (dz_array_tanh (dz_op_x (xs, 0)));
}

static GPtrArray *
tanh_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  g_autoptr(DzVariable) y = op_output (self);
  g_autoptr(DzVariable) y2 = NULL;
  g_autoptr(DzVariable) minus_y2 = NULL;
  g_autoptr(DzVariable) one_minus_y2 = NULL;

  if (y == NULL)
    y = dz_tanh (dz_op_input (self, 0));
  y2 = dz_square (y);
  minus_y2 = dz_neg (y2);
  one_minus_y2 = dz_add_scalar (minus_y2, 1.0);
  return dz_op_grads (1, dz_mul (dz_op_gy (gys), one_minus_y2, error));
}

DZ_DEFINE_OP (Tanh, tanh, tanh_forward, tanh_backward)

/* Pow: y = x^c;  gx = gy * c x^(c-1) */
static GPtrArray *
pow_forward (DzFunction *self, GPtrArray *xs, G_GNUC_UNUSED GError **error)
{
  return dz_op_result (dz_array_pow (dz_op_x (xs, 0), dz_op_constant (self)));
}

static GPtrArray *
pow_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  double c = dz_op_constant (self);
  g_autoptr(DzVariable) x_c1 = dz_pow (dz_op_input (self, 0), c - 1.0);
  g_autoptr(DzVariable) dydx = dz_mul_scalar (x_c1, c);

  return dz_op_grads (1, dz_mul (dz_op_gy (gys), dydx, error));
}

DZ_DEFINE_OP (Pow, pow, pow_forward, pow_backward)

/**
 * dz_square:
 * @x: a #DzVariable with data
 *
 * Returns: (transfer full): `x * x`, element by element
 */
DzVariable *
dz_square (DzVariable *x)
{
  return dz_op_apply_unary (dz_square_op_get_type (), 0.0, x);
}

/**
 * dz_exp:
 * @x: a #DzVariable with data
 *
 * Returns: (transfer full): `e^x`, element by element
 */
DzVariable *
dz_exp (DzVariable *x)
{
  return dz_op_apply_unary (dz_exp_op_get_type (), 0.0, x);
}

/**
 * dz_log:
 * @x: a #DzVariable with data
 *
 * Returns: (transfer full): the natural logarithm of @x, element by element
 */
DzVariable *
dz_log (DzVariable *x)
{
  return dz_op_apply_unary (dz_log_op_get_type (), 0.0, x);
}

/**
 * dz_sin:
 * @x: a #DzVariable with data
 *
 * Returns: (transfer full): the sine of @x, element by element
 */
DzVariable *
dz_sin (DzVariable *x)
{
  return dz_op_apply_unary (dz_sin_op_get_type (), 0.0, x);
}

/**
 * dz_cos:
 * @x: a #DzVariable with data
 *
 * Returns: (transfer full): the cosine of @x, element by element
 */
DzVariable *
dz_cos (DzVariable *x)
{
  return dz_op_apply_unary (dz_cos_op_get_type (), 0.0, x);
}

/**
 * dz_tanh:
 * @x: a #DzVariable with data
 *
 * Returns: (transfer full): the hyperbolic tangent of @x, element by element
 */
DzVariable *
dz_tanh (DzVariable *x)
{
  return dz_op_apply_unary (dz_tanh_op_get_type (), 0.0, x);
}

/**
 * dz_pow:
 * @x: a #DzVariable with data
 * @exponent: a constant exponent
 *
 * Returns: (transfer full): @x raised to @exponent, element by element
 */
DzVariable *
dz_pow (DzVariable *x, double exponent)
{
  return dz_op_apply_unary (dz_pow_op_get_type (), exponent, x);
}
