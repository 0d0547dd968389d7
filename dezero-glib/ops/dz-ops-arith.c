/* dz-ops-arith.c: add, sub, mul, div with NumPy broadcasting; neg and the
 * scalar forms
 *
 * The gradient of a broadcast input is the output gradient summed back to
 * the input's shape (sum_to), as in DeZero.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-op-private.h"

typedef struct
{
  double value;
} ConstParams;

static const DzParamSpec const_params[] = {
  DZ_OP_PARAM (ConstParams, value, DZ_PARAM_DOUBLE),
};

/* Both gradients summed to their inputs' shapes; xs[i] NULL means "of
 * gy's shape" (see DzOpDef.gradient without DZ_OP_NEEDS_INPUTS). */
static gboolean
finish_arrays (DzArray  **xs,
               DzArray  **gxs,
               GError   **error)
{
  for (guint i = 0; i < 2; i++)
    {
      if (gxs[i] == NULL)
        return FALSE;
      if (xs[i] != NULL && (gxs[i] = dz_op_array_sum_to (gxs[i], xs[i], error)) == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
finish_vars (DzVariable **xs,
             DzVariable **gxs,
             GError     **error)
{
  for (guint i = 0; i < 2; i++)
    if (gxs[i] == NULL || (gxs[i] = dz_op_sum_to_input (gxs[i], xs[i], error)) == NULL)
      return FALSE;
  return TRUE;
}

/* Add: y = a + b;  ga = gy, gb = gy */
static double
add_scalar_fn (const void *p, const double *xs)
{
  return xs[0] + xs[1];
}

static DzArray *
add_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return dz_array_binary (DZ_BINARY_ADD, xs[0], xs[1], error);
}

static gboolean
add_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
              GError **error)
{
  /* Arrays are immutable: both inputs can share the gradient. */
  gxs[0] = g_object_ref (gy);
  gxs[1] = gy;
  return finish_arrays (xs, gxs, error);
}

static gboolean
add_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
              DzVariable **gxs, GError **error)
{
  gxs[0] = g_object_ref (gy);
  gxs[1] = g_object_ref (gy);
  return finish_vars (xs, gxs, error);
}

static DzOpDef add_def = {
  .name = "add", .class_name = "Add", .n_inputs = 2,
  .scalar = add_scalar_fn, .forward = add_forward,
  .gradient = add_gradient, .backward = add_backward,
};

/**
 * dz_add:
 * @a: a #DzVariable
 * @b: a #DzVariable whose shape broadcasts with @a's
 * @error: return location for a #GError
 *
 * Adds two variables element by element, broadcasting their shapes and
 * promoting their dtypes as NumPy does, recording the operation in the
 * graph while backpropagation is enabled.
 *
 * Returns: (transfer full): `a + b`, or %NULL with
 *   %DZ_ERROR_SHAPE_MISMATCH or %DZ_ERROR_NO_DATA set
 */
DzVariable *
dz_add (DzVariable  *a,
        DzVariable  *b,
        GError     **error)
{
  return dz_op_apply_binary (&add_def, a, b, error);
}

/* Sub: y = a - b;  ga = gy, gb = -gy */
static double
sub_scalar_fn (const void *p, const double *xs)
{
  return xs[0] - xs[1];
}

static DzArray *
sub_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return dz_array_binary (DZ_BINARY_SUB, xs[0], xs[1], error);
}

static gboolean
sub_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
              GError **error)
{
  gxs[1] = dz_array_unary (DZ_UNARY_NEG, gy, error);
  gxs[0] = gy;
  return finish_arrays (xs, gxs, error);
}

static gboolean
sub_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
              DzVariable **gxs, GError **error)
{
  gxs[0] = g_object_ref (gy);
  gxs[1] = dz_neg (gy, error);
  return finish_vars (xs, gxs, error);
}

static DzOpDef sub_def = {
  .name = "sub", .class_name = "Sub", .n_inputs = 2,
  .scalar = sub_scalar_fn, .forward = sub_forward,
  .gradient = sub_gradient, .backward = sub_backward,
};

/**
 * dz_sub:
 * @a: a #DzVariable
 * @b: a #DzVariable whose shape broadcasts with @a's
 * @error: return location for a #GError
 *
 * Subtracts @b from @a element by element, broadcasting as NumPy does,
 * recording the operation in the graph while backpropagation is enabled.
 *
 * Returns: (transfer full): `a - b`, or %NULL with @error set
 */
DzVariable *
dz_sub (DzVariable  *a,
        DzVariable  *b,
        GError     **error)
{
  return dz_op_apply_binary (&sub_def, a, b, error);
}

/* Mul: y = a * b;  ga = gy * b, gb = gy * a */
static double
mul_scalar_fn (const void *p, const double *xs)
{
  return xs[0] * xs[1];
}

static DzArray *
mul_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return dz_array_binary (DZ_BINARY_MUL, xs[0], xs[1], error);
}

static gboolean
mul_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
              GError **error)
{
  gxs[1] = dz_array_binary (DZ_BINARY_MUL, gy, xs[0], error);
  if (gxs[1] == NULL)
    {
      g_object_unref (gy);
      return FALSE;
    }
  gxs[0] = dz_array_binary_take (DZ_BINARY_MUL, gy, xs[1], error);
  return finish_arrays (xs, gxs, error);
}

static gboolean
mul_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
              DzVariable **gxs, GError **error)
{
  gxs[0] = dz_mul (gy, xs[1], error);
  gxs[1] = gxs[0] ? dz_mul (gy, xs[0], error) : NULL;
  return finish_vars (xs, gxs, error);
}

static DzOpDef mul_def = {
  .name = "mul", .class_name = "Mul", .n_inputs = 2, .needs = DZ_OP_NEEDS_INPUTS,
  .scalar = mul_scalar_fn, .forward = mul_forward,
  .gradient = mul_gradient, .backward = mul_backward,
};

/**
 * dz_mul:
 * @a: a #DzVariable
 * @b: a #DzVariable whose shape broadcasts with @a's
 * @error: return location for a #GError
 *
 * Multiplies two variables element by element, broadcasting as NumPy
 * does, recording the operation in the graph while backpropagation is
 * enabled.
 *
 * Returns: (transfer full): `a * b`, element by element, or %NULL with
 *   @error set
 */
DzVariable *
dz_mul (DzVariable  *a,
        DzVariable  *b,
        GError     **error)
{
  return dz_op_apply_binary (&mul_def, a, b, error);
}

/* Div: y = a / b;  ga = gy / b, gb = -gy a / b^2 = -ga y */
static double
div_scalar_fn (const void *p, const double *xs)
{
  return xs[0] / xs[1];
}

static DzArray *
div_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return dz_array_binary (DZ_BINARY_DIV, xs[0], xs[1], error);
}

static gboolean
div_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
              GError **error)
{
  g_autoptr(DzArray) b2 = NULL;
  DzArray *t;

  /* -gy a / b^2, in that order so that broadcasting matches the output. */
  t = dz_array_binary (DZ_BINARY_MUL, gy, xs[0], error);
  b2 = t ? dz_array_unary (DZ_UNARY_SQUARE, xs[1], error) : NULL;
  if (t != NULL && b2 == NULL)
    g_clear_object (&t);
  t = t ? dz_array_binary_take (DZ_BINARY_DIV, t, b2, error) : NULL;
  gxs[1] = t ? dz_array_unary_take (DZ_UNARY_NEG, t, error) : NULL;
  if (gxs[1] == NULL)
    {
      g_object_unref (gy);
      return FALSE;
    }
  gxs[0] = dz_array_binary_take (DZ_BINARY_DIV, gy, xs[1], error);
  return finish_arrays (xs, gxs, error);
}

static gboolean
div_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
              DzVariable **gxs, GError **error)
{
  g_autoptr(DzVariable) b2 = NULL;
  g_autoptr(DzVariable) gya = NULL;
  g_autoptr(DzVariable) q = NULL;

  gxs[0] = dz_div (gy, xs[1], error);
  if (gxs[0] == NULL
      || (b2 = dz_square (xs[1], error)) == NULL
      || (gya = dz_mul (gy, xs[0], error)) == NULL
      || (q = dz_div (gya, b2, error)) == NULL
      || (gxs[1] = dz_neg (q, error)) == NULL)
    return FALSE;
  return finish_vars (xs, gxs, error);
}

static DzOpDef div_def = {
  .name = "div", .class_name = "Div", .n_inputs = 2, .needs = DZ_OP_NEEDS_INPUTS,
  .scalar = div_scalar_fn, .forward = div_forward,
  .gradient = div_gradient, .backward = div_backward,
};

/**
 * dz_div:
 * @a: a #DzVariable
 * @b: a #DzVariable whose shape broadcasts with @a's
 * @error: return location for a #GError
 *
 * Divides @a by @b element by element (IEEE 754: a division by zero gives
 * an infinity or NaN), broadcasting as NumPy does, recording the operation
 * in the graph while backpropagation is enabled.
 *
 * Returns: (transfer full): `a / b`, element by element, or %NULL with
 *   @error set
 */
DzVariable *
dz_div (DzVariable  *a,
        DzVariable  *b,
        GError     **error)
{
  return dz_op_apply_binary (&div_def, a, b, error);
}

/* Neg: y = -x;  gx = -gy */
static double
neg_scalar_fn (const void *p, const double *xs)
{
  return -xs[0];
}

static DzArray *
neg_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return dz_array_unary (DZ_UNARY_NEG, xs[0], error);
}

static gboolean
neg_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
              GError **error)
{
  return (gxs[0] = dz_array_unary_take (DZ_UNARY_NEG, gy, error)) != NULL;
}

static gboolean
neg_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
              DzVariable **gxs, GError **error)
{
  return (gxs[0] = dz_neg (gy, error)) != NULL;
}

static DzOpDef neg_def = {
  .name = "neg", .class_name = "Neg", .n_inputs = 1,
  .scalar = neg_scalar_fn, .forward = neg_forward,
  .gradient = neg_gradient, .backward = neg_backward,
};

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
dz_neg (DzVariable  *x,
        GError     **error)
{
  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return dz_op_apply (&neg_def, NULL, &x, 1, error);
}

/* AddScalar: y = x + c;  gx = gy */
static double
add_scalar_scalar_fn (const void *p, const double *xs)
{
  return xs[0] + ((const ConstParams *) p)->value;
}

static DzArray *
add_scalar_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return dz_array_affine (xs[0], 1.0, ((const ConstParams *) p)->value, error);
}

static gboolean
add_scalar_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy,
                     DzArray **gxs, GError **error)
{
  gxs[0] = gy;
  return TRUE;
}

static gboolean
add_scalar_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                     DzVariable **gxs, GError **error)
{
  gxs[0] = g_object_ref (gy);
  return TRUE;
}

static DzOpDef add_scalar_def = {
  .name = "add_scalar", .class_name = "AddScalar", .n_inputs = 1,
  .params_size = sizeof (ConstParams), .params = const_params, .n_params = 1,
  .scalar = add_scalar_scalar_fn, .forward = add_scalar_forward,
  .gradient = add_scalar_gradient, .backward = add_scalar_backward,
};

/**
 * dz_add_scalar:
 * @x: a #DzVariable with data
 * @value: a constant
 * @error: return location for a #GError
 *
 * Adds the constant @value to each element of @x, keeping @x's float
 * dtype (as NumPy does with a Python float), recording the operation in
 * the graph while backpropagation is enabled.
 *
 * Returns: (transfer full): `x + value`, or %NULL with @error set:
 *   %DZ_ERROR_NO_DATA when @x has no data, %DZ_ERROR_NO_MEMORY
 */
DzVariable *
dz_add_scalar (DzVariable  *x,
               double       value,
               GError     **error)
{
  ConstParams params = { value };

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return dz_op_apply (&add_scalar_def, &params, &x, 1, error);
}

/* MulScalar: y = x c;  gx = gy c */
static double
mul_scalar_scalar_fn (const void *p, const double *xs)
{
  return xs[0] * ((const ConstParams *) p)->value;
}

static DzArray *
mul_scalar_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return dz_array_affine (xs[0], ((const ConstParams *) p)->value, 0.0, error);
}

static gboolean
mul_scalar_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy,
                     DzArray **gxs, GError **error)
{
  return (gxs[0] = dz_array_affine_take (gy, ((const ConstParams *) p)->value, 0.0, error)) != NULL;
}

static gboolean
mul_scalar_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                     DzVariable **gxs, GError **error)
{
  return (gxs[0] = dz_mul_scalar (gy, ((const ConstParams *) p)->value, error)) != NULL;
}

static DzOpDef mul_scalar_def = {
  .name = "mul_scalar", .class_name = "MulScalar", .n_inputs = 1,
  .params_size = sizeof (ConstParams), .params = const_params, .n_params = 1,
  .scalar = mul_scalar_scalar_fn, .forward = mul_scalar_forward,
  .gradient = mul_scalar_gradient, .backward = mul_scalar_backward,
};

/**
 * dz_mul_scalar:
 * @x: a #DzVariable with data
 * @factor: a constant
 * @error: return location for a #GError
 *
 * Multiplies each element of @x by the constant @factor, keeping @x's
 * float dtype, recording the operation in the graph while backpropagation
 * is enabled.
 *
 * Returns: (transfer full): `x * factor`, or %NULL with @error set:
 *   %DZ_ERROR_NO_DATA when @x has no data, %DZ_ERROR_NO_MEMORY
 */
DzVariable *
dz_mul_scalar (DzVariable  *x,
               double       factor,
               GError     **error)
{
  ConstParams params = { factor };

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return dz_op_apply (&mul_scalar_def, &params, &x, 1, error);
}

DzOpDef *const dz_ops_arith[] = {
  &add_def, &sub_def, &mul_def, &div_def, &neg_def, &add_scalar_def, &mul_scalar_def, NULL,
};
