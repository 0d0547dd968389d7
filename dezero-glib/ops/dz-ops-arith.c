/* dz-ops-arith.c: add, sub, mul, div, neg and their scalar forms
 *
 * Each operation has four parts: a scalar kernel (forward on 0-d values),
 * compute (forward on arrays), gradient (backward on arrays, when the pass
 * is not recorded) and backward (the same formula with differentiable
 * operations, for create_graph).
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-op-private.h"

/* Add: y = a + b;  ga = gy, gb = gy */
static double
add_scalar (double c, const double *xs)
{
  return xs[0] + xs[1];
}

static DzArray *
add_compute (double c, DzArray **xs, GError **error)
{
  return dz_array_add (xs[0], xs[1], error);
}

static void
add_gradient (double c, DzArray **xs, DzArray *y, DzArray *gy, DzArray **gxs)
{
  /* Arrays are immutable: both inputs can share the gradient. */
  gxs[1] = g_object_ref (gy);
  gxs[0] = gy;
}

static GPtrArray *
add_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  DzVariable *gy = dz_op_gy (gys);

  return dz_op_grads (2, g_object_ref (gy), g_object_ref (gy));
}

DZ_DEFINE_OP (Add, add, add_scalar, add_compute, add_gradient, 0, add_backward)

/* Sub: y = a - b;  ga = gy, gb = -gy */
static double
sub_scalar (double c, const double *xs)
{
  return xs[0] - xs[1];
}

static DzArray *
sub_compute (double c, DzArray **xs, GError **error)
{
  return dz_array_sub (xs[0], xs[1], error);
}

static void
sub_gradient (double c, DzArray **xs, DzArray *y, DzArray *gy, DzArray **gxs)
{
  gxs[1] = dz_array_neg (gy, NULL);
  gxs[0] = gy;
}

static GPtrArray *
sub_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  DzVariable *gy = dz_op_gy (gys);

  return dz_op_grads (2, g_object_ref (gy), dz_neg (gy, error));
}

DZ_DEFINE_OP (Sub, sub, sub_scalar, sub_compute, sub_gradient, 0, sub_backward)

/* Mul: y = a * b;  ga = gy * b, gb = gy * a */
static double
mul_scalar (double c, const double *xs)
{
  return xs[0] * xs[1];
}

static DzArray *
mul_compute (double c, DzArray **xs, GError **error)
{
  return dz_array_mul (xs[0], xs[1], error);
}

static void
mul_gradient (double c, DzArray **xs, DzArray *y, DzArray *gy, DzArray **gxs)
{
  gxs[0] = dz_kernel_mul_scaled_take (g_object_ref (gy), xs[1], 1.0);
  gxs[1] = dz_kernel_mul_scaled_take (gy, xs[0], 1.0);
}

static GPtrArray *
mul_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  DzVariable *gy = dz_op_gy (gys);
  DzVariable *ga = dz_mul (gy, dz_op_input (self, 1), error);
  DzVariable *gb = ga ? dz_mul (gy, dz_op_input (self, 0), error) : NULL;

  return dz_op_grads (2, ga, gb);
}

DZ_DEFINE_OP (Mul, mul, mul_scalar, mul_compute, mul_gradient, DZ_OP_NEEDS_INPUTS, mul_backward)

/* Div: y = a / b;  ga = gy / b, gb = -gy * a / b^2 */
static double
div_scalar (double c, const double *xs)
{
  return xs[0] / xs[1];
}

static DzArray *
div_compute (double c, DzArray **xs, GError **error)
{
  return dz_array_div (xs[0], xs[1], error);
}

static void
div_gradient (double c, DzArray **xs, DzArray *y, DzArray *gy, DzArray **gxs)
{
  gxs[1] = dz_kernel_div_grad_b (gy, xs[0], xs[1]);
  gxs[0] = dz_kernel_div_take (gy, xs[1]);
}

static GPtrArray *
div_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  DzVariable *a = dz_op_input (self, 0);
  DzVariable *b = dz_op_input (self, 1);
  DzVariable *gy = dz_op_gy (gys);
  g_autoptr(DzVariable) b2 = dz_square (b, error);
  g_autoptr(DzVariable) minus_a = b2 ? dz_neg (a, error) : NULL;
  g_autoptr(DzVariable) ratio = minus_a ? dz_div (minus_a, b2, error) : NULL;
  DzVariable *ga = ratio ? dz_div (gy, b, error) : NULL;
  DzVariable *gb = ga ? dz_mul (gy, ratio, error) : NULL;

  return dz_op_grads (2, ga, gb);
}

DZ_DEFINE_OP (Div, div, div_scalar, div_compute, div_gradient, DZ_OP_NEEDS_INPUTS, div_backward)

/* Neg: y = -x;  gx = -gy */
static double
neg_scalar (double c, const double *xs)
{
  return -xs[0];
}

static DzArray *
neg_compute (double c, DzArray **xs, GError **error)
{
  return dz_array_neg (xs[0], error);
}

static void
neg_gradient (double c, DzArray **xs, DzArray *y, DzArray *gy, DzArray **gxs)
{
  gxs[0] = dz_kernel_scale_take (gy, -1.0);
}

static GPtrArray *
neg_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  return dz_op_grads (1, dz_neg (dz_op_gy (gys), error));
}

DZ_DEFINE_OP (Neg, neg, neg_scalar, neg_compute, neg_gradient, 0, neg_backward)

/* AddScalar: y = x + c;  gx = gy */
static double
add_scalar_scalar (double c, const double *xs)
{
  return xs[0] + c;
}

static DzArray *
add_scalar_compute (double c, DzArray **xs, GError **error)
{
  return dz_array_add_scalar (xs[0], c, error);
}

static void
pass_through_gradient (double c, DzArray **xs, DzArray *y, DzArray *gy, DzArray **gxs)
{
  gxs[0] = gy;
}

static GPtrArray *
add_scalar_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  return dz_op_grads (1, g_object_ref (dz_op_gy (gys)));
}

DZ_DEFINE_OP (AddScalar, add_scalar, add_scalar_scalar, add_scalar_compute, pass_through_gradient, 0, add_scalar_backward)

/* MulScalar: y = x * c;  gx = gy * c */
static double
mul_scalar_scalar (double c, const double *xs)
{
  return xs[0] * c;
}

static DzArray *
mul_scalar_compute (double c, DzArray **xs, GError **error)
{
  return dz_array_scale (xs[0], c, error);
}

static void
mul_scalar_gradient (double c, DzArray **xs, DzArray *y, DzArray *gy, DzArray **gxs)
{
  gxs[0] = dz_kernel_scale_take (gy, c);
}

static GPtrArray *
mul_scalar_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  return dz_op_grads (1, dz_mul_scalar (dz_op_gy (gys), dz_op_constant (self), error));
}

DZ_DEFINE_OP (MulScalar, mul_scalar, mul_scalar_scalar, mul_scalar_compute, mul_scalar_gradient, 0, mul_scalar_backward)

/**
 * dz_add:
 * @a: a #DzVariable
 * @b: a #DzVariable of the same shape
 * @error: return location for a #GError
 *
 * Adds two variables of one shape, element by element, recording the
 * operation in the graph while backpropagation is enabled.
 *
 * Returns: (transfer full): `a + b`, or %NULL with
 *   %DZ_ERROR_SHAPE_MISMATCH or %DZ_ERROR_NO_DATA set
 */
DzVariable *
dz_add (DzVariable *a, DzVariable *b, GError **error)
{
  return dz_op_apply_binary (dz_add_op_class (), a, b, error);
}

/**
 * dz_sub:
 * @a: a #DzVariable
 * @b: a #DzVariable of the same shape
 * @error: return location for a #GError
 *
 * Subtracts @b from @a, element by element, recording the operation in the
 * graph while backpropagation is enabled.
 *
 * Returns: (transfer full): `a - b`, or %NULL with @error set
 */
DzVariable *
dz_sub (DzVariable *a, DzVariable *b, GError **error)
{
  return dz_op_apply_binary (dz_sub_op_class (), a, b, error);
}

/**
 * dz_mul:
 * @a: a #DzVariable
 * @b: a #DzVariable of the same shape
 * @error: return location for a #GError
 *
 * Multiplies two variables of one shape, element by element, recording the
 * operation in the graph while backpropagation is enabled.
 *
 * Returns: (transfer full): `a * b`, element by element, or %NULL with
 *   @error set
 */
DzVariable *
dz_mul (DzVariable *a, DzVariable *b, GError **error)
{
  return dz_op_apply_binary (dz_mul_op_class (), a, b, error);
}

/**
 * dz_div:
 * @a: a #DzVariable
 * @b: a #DzVariable of the same shape
 * @error: return location for a #GError
 *
 * Divides @a by @b, element by element (IEEE 754: a division by zero gives
 * an infinity or NaN), recording the operation in the graph while
 * backpropagation is enabled.
 *
 * Returns: (transfer full): `a / b`, element by element, or %NULL with
 *   @error set
 */
DzVariable *
dz_div (DzVariable *a, DzVariable *b, GError **error)
{
  return dz_op_apply_binary (dz_div_op_class (), a, b, error);
}

/**
 * dz_neg:
 * @x: a #DzVariable with data
 * @error: return location for a #GError
 *
 * Negates @x, recording the operation in the graph while backpropagation
 * is enabled.
 *
 * Returns: (transfer full): `-x`, or %NULL with @error set:
 *   %DZ_ERROR_NO_DATA when @x has no data, %DZ_ERROR_NO_MEMORY
 */
DzVariable *
dz_neg (DzVariable *x, GError **error)
{
  return dz_op_apply_unary (dz_neg_op_class (), 0.0, x, error);
}

/**
 * dz_add_scalar:
 * @x: a #DzVariable with data
 * @value: a constant
 * @error: return location for a #GError
 *
 * Adds the constant @value to each element of @x, recording the operation
 * in the graph while backpropagation is enabled.
 *
 * Returns: (transfer full): `x + value`, or %NULL with @error set:
 *   %DZ_ERROR_NO_DATA when @x has no data, %DZ_ERROR_NO_MEMORY
 */
DzVariable *
dz_add_scalar (DzVariable *x, double value, GError **error)
{
  return dz_op_apply_unary (dz_add_scalar_op_class (), value, x, error);
}

/**
 * dz_mul_scalar:
 * @x: a #DzVariable with data
 * @factor: a constant
 * @error: return location for a #GError
 *
 * Multiplies each element of @x by the constant @factor, recording the
 * operation in the graph while backpropagation is enabled.
 *
 * Returns: (transfer full): `x * factor`, or %NULL with @error set:
 *   %DZ_ERROR_NO_DATA when @x has no data, %DZ_ERROR_NO_MEMORY
 */
DzVariable *
dz_mul_scalar (DzVariable *x, double factor, GError **error)
{
  return dz_op_apply_unary (dz_mul_scalar_op_class (), factor, x, error);
}
