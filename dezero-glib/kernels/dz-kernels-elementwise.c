/* dz-kernels-elementwise.c: see dz-kernels.h
 *
 * Placeholder reference loops (one element at a time, through double), to
 * be replaced by the vectorized kernels.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>

#include "dz-kernels.h"

static inline double
ld (DzDtype t, const void *p, gssize i)
{
  switch (t)
    {
    case DZ_DTYPE_FLOAT32: return ((const float *) p)[i];
    case DZ_DTYPE_INT64: return (double) ((const gint64 *) p)[i];
    default: return ((const double *) p)[i];
    }
}

static inline void
st (DzDtype t, void *p, gsize i, double v)
{
  switch (t)
    {
    case DZ_DTYPE_FLOAT32: ((float *) p)[i] = (float) v; break;
    case DZ_DTYPE_INT64: ((gint64 *) p)[i] = (gint64) v; break;
    default: ((double *) p)[i] = v; break;
    }
}

static gsize
total (guint ndim, const gsize *shape)
{
  gsize n = 1;
  for (guint d = 0; d < ndim; d++)
    n *= shape[d];
  return n;
}

static gssize
offset_of (gsize flat, guint ndim, const gsize *shape, const gssize *strides)
{
  gssize off = 0;
  for (guint d = ndim; d-- > 0;)
    {
      off += (gssize) (flat % shape[d]) * strides[d];
      flat /= shape[d];
    }
  return off;
}

gboolean
dz_kernel_binary (DzBinaryOp op, DzDtype dtype, guint ndim, const gsize *out_shape,
                  const void *a, const gssize *a_strides,
                  const void *b, const gssize *b_strides, void *out)
{
  gsize n = total (ndim, out_shape);

  for (gsize i = 0; i < n; i++)
    {
      double x = ld (dtype, a, offset_of (i, ndim, out_shape, a_strides));
      double y = ld (dtype, b, offset_of (i, ndim, out_shape, b_strides));
      double z = 0;
      switch (op)
        {
        case DZ_BINARY_ADD: z = x + y; break;
        case DZ_BINARY_SUB: z = x - y; break;
        case DZ_BINARY_MUL: z = x * y; break;
        case DZ_BINARY_DIV: z = x / y; break;
        case DZ_BINARY_POW: z = pow (x, y); break;
        case DZ_BINARY_MAXIMUM: z = isnan (x) || x >= y ? x : y; break;
        case DZ_BINARY_MINIMUM: z = isnan (x) || x <= y ? x : y; break;
        case DZ_BINARY_EQ: z = x == y; break;
        case DZ_BINARY_NE: z = x != y; break;
        case DZ_BINARY_LT: z = x < y; break;
        case DZ_BINARY_LE: z = x <= y; break;
        case DZ_BINARY_GT: z = x > y; break;
        case DZ_BINARY_GE: z = x >= y; break;
        }
      st (dtype, out, i, z);
    }
  return TRUE;
}

gboolean
dz_kernel_unary (DzUnaryOp op, DzDtype dtype, gsize n, const void *x, void *out)
{
  for (gsize i = 0; i < n; i++)
    {
      double v = ld (dtype, x, i), z = 0;
      switch (op)
        {
        case DZ_UNARY_NEG: z = -v; break;
        case DZ_UNARY_EXP: z = exp (v); break;
        case DZ_UNARY_LOG: z = log (v); break;
        case DZ_UNARY_SIN: z = sin (v); break;
        case DZ_UNARY_COS: z = cos (v); break;
        case DZ_UNARY_TANH: z = tanh (v); break;
        case DZ_UNARY_SQRT: z = sqrt (v); break;
        case DZ_UNARY_ABS: z = fabs (v); break;
        case DZ_UNARY_SQUARE: z = v * v; break;
        case DZ_UNARY_RELU: z = v > 0 ? v : 0; break;
        case DZ_UNARY_SIGMOID: z = v >= 0 ? 1 / (1 + exp (-v)) : exp (v) / (1 + exp (v)); break;
        case DZ_UNARY_SIGN: z = (v > 0) - (v < 0); break;
        }
      st (dtype, out, i, z);
    }
  return TRUE;
}

gboolean
dz_kernel_affine (DzDtype dtype, gsize n, const void *x, double scale, double shift, void *out)
{
  for (gsize i = 0; i < n; i++)
    st (dtype, out, i, ld (dtype, x, i) * scale + shift);
  return TRUE;
}

gboolean
dz_kernel_clip (DzDtype dtype, gsize n, const void *x, double lo, double hi, void *out)
{
  for (gsize i = 0; i < n; i++)
    {
      double v = ld (dtype, x, i);
      st (dtype, out, i, v < lo ? lo : v > hi ? hi : v);
    }
  return TRUE;
}

gboolean
dz_kernel_cast (DzDtype from, DzDtype to, gsize n, const void *x, void *out)
{
  for (gsize i = 0; i < n; i++)
    st (to, out, i, ld (from, x, i));
  return TRUE;
}

gboolean
dz_kernel_copy_strided (DzDtype dtype, guint ndim, const gsize *shape,
                        const void *x, const gssize *x_strides, void *out)
{
  gsize n = total (ndim, shape);

  for (gsize i = 0; i < n; i++)
    {
      gssize off = offset_of (i, ndim, shape, x_strides);
      if (dtype == DZ_DTYPE_FLOAT32)
        ((float *) out)[i] = ((const float *) x)[off];
      else
        ((gint64 *) out)[i] = ((const gint64 *) x)[off];
    }
  return TRUE;
}
