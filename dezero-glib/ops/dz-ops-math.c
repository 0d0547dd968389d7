/* dz-ops-math.c: square, exp, log, sin, cos, tanh, pow
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>

#include "dz-op-private.h"

typedef struct
{
  double exponent;
} PowParams;

static const DzParamSpec pow_params[] = {
  DZ_OP_PARAM (PowParams, exponent, DZ_PARAM_DOUBLE),
};

/* gx = gy * f, where @f is a new array (consumed); NULL on failure. */
static DzArray *
times_gy (DzArray  *f,
          DzArray  *gy,
          GError  **error)
{
  DzArray *gx;

  if (f == NULL)
    {
      g_object_unref (gy);
      return NULL;
    }
  gx = dz_array_binary_take (DZ_BINARY_MUL, f, gy, error);
  g_object_unref (gy);
  return gx;
}

/* Square: y = x^2;  gx = gy 2x */
static double
square_scalar (const void *p, const double *xs)
{
  return xs[0] * xs[0];
}

static DzArray *
square_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return dz_array_unary (DZ_UNARY_SQUARE, xs[0], error);
}

static gboolean
square_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
                 GError **error)
{
  /* gy x, then times 2, both in gy's storage when it is exclusive: no
   * temporary, which the seed benchmark's backward measures. */
  DzArray *gx = dz_array_binary_take (DZ_BINARY_MUL, gy, xs[0], error);

  return (gxs[0] = gx ? dz_array_affine_take (gx, 2.0, 0.0, error) : NULL) != NULL;
}

static gboolean
square_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                 DzVariable **gxs, GError **error)
{
  g_autoptr(DzVariable) two_x = dz_mul_scalar (xs[0], 2.0, error);

  return two_x != NULL && (gxs[0] = dz_mul (gy, two_x, error)) != NULL;
}

static DzOpDef square_def = {
  .name = "square", .class_name = "Square", .n_inputs = 1, .needs = DZ_OP_NEEDS_INPUTS,
  .scalar = square_scalar, .forward = square_forward,
  .gradient = square_gradient, .backward = square_backward,
};

/**
 * dz_square:
 * @x: a #DzVariable with data
 * @error: return location for a #GError
 *
 * Squares each element of @x, recording the operation in the graph while
 * backpropagation is enabled.
 *
 * Returns: (transfer full): `x ** 2`, or %NULL with @error set
 */
DzVariable *
dz_square (DzVariable  *x,
           GError     **error)
{
  return dz_op_apply_unary (&square_def, NULL, x, error);
}

/* Exp: y = e^x;  gx = gy y */
static double
exp_scalar (const void *p, const double *xs)
{
  return exp (xs[0]);
}

static DzArray *
exp_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return dz_array_unary (DZ_UNARY_EXP, xs[0], error);
}

static gboolean
exp_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
              GError **error)
{
  return (gxs[0] = dz_array_binary_take (DZ_BINARY_MUL, gy, y, error)) != NULL;
}

static gboolean
exp_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
              DzVariable **gxs, GError **error)
{
  return (gxs[0] = dz_mul (gy, y, error)) != NULL;
}

static DzOpDef exp_def = {
  .name = "exp", .class_name = "Exp", .n_inputs = 1, .needs = DZ_OP_NEEDS_OUTPUT,
  .scalar = exp_scalar, .forward = exp_forward,
  .gradient = exp_gradient, .backward = exp_backward,
};

/**
 * dz_exp:
 * @x: a #DzVariable with data
 * @error: return location for a #GError
 *
 * Computes e raised to each element of @x, recording the operation in the
 * graph while backpropagation is enabled.
 *
 * Returns: (transfer full): `exp(x)`, or %NULL with @error set
 */
DzVariable *
dz_exp (DzVariable  *x,
        GError     **error)
{
  return dz_op_apply_unary (&exp_def, NULL, x, error);
}

/* Log: y = ln x;  gx = gy / x */
static double
log_scalar (const void *p, const double *xs)
{
  return log (xs[0]);
}

static DzArray *
log_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return dz_array_unary (DZ_UNARY_LOG, xs[0], error);
}

static gboolean
log_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
              GError **error)
{
  return (gxs[0] = dz_array_binary_take (DZ_BINARY_DIV, gy, xs[0], error)) != NULL;
}

static gboolean
log_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
              DzVariable **gxs, GError **error)
{
  return (gxs[0] = dz_div (gy, xs[0], error)) != NULL;
}

static DzOpDef log_def = {
  .name = "log", .class_name = "Log", .n_inputs = 1, .needs = DZ_OP_NEEDS_INPUTS,
  .scalar = log_scalar, .forward = log_forward,
  .gradient = log_gradient, .backward = log_backward,
};

/**
 * dz_log:
 * @x: a #DzVariable with data
 * @error: return location for a #GError
 *
 * Computes the natural logarithm of each element of @x, recording the
 * operation in the graph while backpropagation is enabled.
 *
 * Returns: (transfer full): `log(x)`, or %NULL with @error set
 */
DzVariable *
dz_log (DzVariable  *x,
        GError     **error)
{
  return dz_op_apply_unary (&log_def, NULL, x, error);
}

/* Sin: y = sin x;  gx = gy cos x */
static double
sin_scalar (const void *p, const double *xs)
{
  return sin (xs[0]);
}

static DzArray *
sin_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return dz_array_unary (DZ_UNARY_SIN, xs[0], error);
}

static gboolean
sin_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
              GError **error)
{
  return (gxs[0] = times_gy (dz_array_unary (DZ_UNARY_COS, xs[0], error), gy, error)) != NULL;
}

static gboolean
sin_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
              DzVariable **gxs, GError **error)
{
  g_autoptr(DzVariable) c = dz_cos (xs[0], error);

  return c != NULL && (gxs[0] = dz_mul (gy, c, error)) != NULL;
}

static DzOpDef sin_def = {
  .name = "sin", .class_name = "Sin", .n_inputs = 1, .needs = DZ_OP_NEEDS_INPUTS,
  .scalar = sin_scalar, .forward = sin_forward,
  .gradient = sin_gradient, .backward = sin_backward,
};

/**
 * dz_sin:
 * @x: a #DzVariable with data
 * @error: return location for a #GError
 *
 * Computes the sine of each element of @x, recording the operation in the
 * graph while backpropagation is enabled.
 *
 * Returns: (transfer full): `sin(x)`, or %NULL with @error set
 */
DzVariable *
dz_sin (DzVariable  *x,
        GError     **error)
{
  return dz_op_apply_unary (&sin_def, NULL, x, error);
}

/* Cos: y = cos x;  gx = -gy sin x */
static double
cos_scalar (const void *p, const double *xs)
{
  return cos (xs[0]);
}

static DzArray *
cos_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return dz_array_unary (DZ_UNARY_COS, xs[0], error);
}

static gboolean
cos_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
              GError **error)
{
  DzArray *s = dz_array_unary (DZ_UNARY_SIN, xs[0], error);

  s = s ? dz_array_affine_take (s, -1.0, 0.0, error) : NULL;
  return (gxs[0] = times_gy (s, gy, error)) != NULL;
}

static gboolean
cos_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
              DzVariable **gxs, GError **error)
{
  g_autoptr(DzVariable) s = dz_sin (xs[0], error);
  g_autoptr(DzVariable) gs = s ? dz_mul (gy, s, error) : NULL;

  return gs != NULL && (gxs[0] = dz_neg (gs, error)) != NULL;
}

static DzOpDef cos_def = {
  .name = "cos", .class_name = "Cos", .n_inputs = 1, .needs = DZ_OP_NEEDS_INPUTS,
  .scalar = cos_scalar, .forward = cos_forward,
  .gradient = cos_gradient, .backward = cos_backward,
};

/**
 * dz_cos:
 * @x: a #DzVariable with data
 * @error: return location for a #GError
 *
 * Computes the cosine of each element of @x, recording the operation in
 * the graph while backpropagation is enabled.
 *
 * Returns: (transfer full): `cos(x)`, or %NULL with @error set
 */
DzVariable *
dz_cos (DzVariable  *x,
        GError     **error)
{
  return dz_op_apply_unary (&cos_def, NULL, x, error);
}

/* Tanh: y = tanh x;  gx = gy (1 - y^2) */
static double
tanh_scalar (const void *p, const double *xs)
{
  return tanh (xs[0]);
}

static DzArray *
tanh_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return dz_array_unary (DZ_UNARY_TANH, xs[0], error);
}

static gboolean
tanh_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
               GError **error)
{
  DzArray *d = dz_array_unary (DZ_UNARY_SQUARE, y, error);

  d = d ? dz_array_affine_take (d, -1.0, 1.0, error) : NULL;
  return (gxs[0] = times_gy (d, gy, error)) != NULL;
}

static gboolean
tanh_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
               DzVariable **gxs, GError **error)
{
  g_autoptr(DzVariable) y2 = dz_square (y, error);
  g_autoptr(DzVariable) minus_y2 = y2 ? dz_neg (y2, error) : NULL;
  g_autoptr(DzVariable) d = minus_y2 ? dz_add_scalar (minus_y2, 1.0, error) : NULL;

  return d != NULL && (gxs[0] = dz_mul (gy, d, error)) != NULL;
}

static DzOpDef tanh_def = {
  .name = "tanh", .class_name = "Tanh", .n_inputs = 1, .needs = DZ_OP_NEEDS_OUTPUT,
  .scalar = tanh_scalar, .forward = tanh_forward,
  .gradient = tanh_gradient, .backward = tanh_backward,
};

/**
 * dz_tanh:
 * @x: a #DzVariable with data
 * @error: return location for a #GError
 *
 * Computes the hyperbolic tangent of each element of @x, recording the
 * operation in the graph while backpropagation is enabled.
 *
 * Returns: (transfer full): `tanh(x)`, or %NULL with @error set
 */
DzVariable *
dz_tanh (DzVariable  *x,
         GError     **error)
{
  return dz_op_apply_unary (&tanh_def, NULL, x, error);
}

/* Pow: y = x^c;  gx = gy c x^(c-1) */
static double
pow_scalar (const void *p, const double *xs)
{
  double c = ((const PowParams *) p)->exponent;

  return c == 2.0 ? xs[0] * xs[0] : pow (xs[0], c);
}

static DzArray *
pow_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return dz_array_pow (xs[0], ((const PowParams *) p)->exponent, error);
}

static gboolean
pow_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
              GError **error)
{
  double c = ((const PowParams *) p)->exponent;
  DzArray *d = dz_array_pow (xs[0], c - 1.0, error);

  d = d ? dz_array_affine_take (d, c, 0.0, error) : NULL;
  return (gxs[0] = times_gy (d, gy, error)) != NULL;
}

static gboolean
pow_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
              DzVariable **gxs, GError **error)
{
  double c = ((const PowParams *) p)->exponent;
  g_autoptr(DzVariable) xc1 = dz_pow (xs[0], c - 1.0, error);
  g_autoptr(DzVariable) d = xc1 ? dz_mul_scalar (xc1, c, error) : NULL;

  return d != NULL && (gxs[0] = dz_mul (gy, d, error)) != NULL;
}

static DzOpDef pow_def = {
  .name = "pow", .class_name = "Pow", .n_inputs = 1, .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (PowParams), .params = pow_params, .n_params = 1,
  .scalar = pow_scalar, .forward = pow_forward,
  .gradient = pow_gradient, .backward = pow_backward,
};

/**
 * dz_pow:
 * @x: a #DzVariable with data
 * @exponent: the constant exponent
 * @error: return location for a #GError
 *
 * Raises each element of @x to the constant @exponent, recording the
 * operation in the graph while backpropagation is enabled.
 *
 * Returns: (transfer full): `x ** exponent`, or %NULL with @error set
 */
DzVariable *
dz_pow (DzVariable  *x,
        double       exponent,
        GError     **error)
{
  PowParams params = { exponent };

  return dz_op_apply_unary (&pow_def, &params, x, error);
}

DzOpDef *const dz_ops_math[] = {
  &square_def, &exp_def, &log_def, &sin_def, &cos_def, &tanh_def, &pow_def, NULL,
};
