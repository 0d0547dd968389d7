/* dz-kernels-reduce.c: see dz-kernels.h
 *
 * Placeholder reference loops, to be replaced by the vectorized kernels.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>

#include "dz-kernels.h"

static inline double
ld (DzDtype t, const void *p, gsize i)
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

gboolean
dz_kernel_reduce (DzReduceOp op, DzDtype dtype, guint ndim, const gsize *shape,
                  const gboolean *reduce, const void *x, void *out)
{
  gsize n = 1, n_out = 1;
  gsize out_shape[32];
  double *acc;

  for (guint d = 0; d < ndim; d++)
    {
      n *= shape[d];
      out_shape[d] = reduce[d] ? 1 : shape[d];
      n_out *= out_shape[d];
    }
  acc = g_new (double, n_out ? n_out : 1);
  for (gsize o = 0; o < n_out; o++)
    acc[o] = op == DZ_REDUCE_SUM ? 0 : op == DZ_REDUCE_MAX ? -INFINITY : INFINITY;
  for (gsize i = 0; i < n; i++)
    {
      gsize rem = i, o = 0, mul = 1;
      double v = ld (dtype, x, i);
      for (guint d = ndim; d-- > 0;)
        {
          gsize idx = rem % shape[d];
          rem /= shape[d];
          if (!reduce[d])
            o += idx * mul;
          mul *= out_shape[d];
        }
      if (op == DZ_REDUCE_SUM)
        acc[o] += v;
      else if (op == DZ_REDUCE_MAX)
        acc[o] = (isnan (v) || v > acc[o]) ? v : acc[o];
      else
        acc[o] = (isnan (v) || v < acc[o]) ? v : acc[o];
    }
  for (gsize o = 0; o < n_out; o++)
    st (dtype, out, o, acc[o]);
  g_free (acc);
  return TRUE;
}

gboolean
dz_kernel_softmax (DzSoftmaxOp op, DzDtype dtype, guint ndim, const gsize *shape,
                   guint axis, const void *x, void *out)
{
  gsize outer = 1, inner = 1, len = shape[axis];

  for (guint d = 0; d < axis; d++)
    outer *= shape[d];
  for (guint d = axis + 1; d < ndim; d++)
    inner *= shape[d];
  for (gsize o = 0; o < outer; o++)
    for (gsize in = 0; in < inner; in++)
      {
        gsize base = o * len * inner + in;
        double m = -INFINITY, s = 0;
        for (gsize k = 0; k < len; k++)
          m = MAX (m, ld (dtype, x, base + k * inner));
        if (!isfinite (m))
          m = 0;
        for (gsize k = 0; k < len; k++)
          s += exp (ld (dtype, x, base + k * inner) - m);
        if (op == DZ_LOGSUMEXP)
          st (dtype, out, o * inner + in, m + log (s));
        else
          for (gsize k = 0; k < len; k++)
            {
              double v = ld (dtype, x, base + k * inner) - m;
              st (dtype, out, base + k * inner, op == DZ_SOFTMAX ? exp (v) / s : v - log (s));
            }
      }
  return TRUE;
}
