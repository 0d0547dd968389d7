/* dz-array-math.c: NumPy's element-wise math, broadcasting and reductions
 * on DzArray, over the loops of kernels/
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "dz-array-math.h"
#include "dz-array-private.h"
#include "dz-error.h"

/* NumPy 1.24's promotion for the dtypes we have. A 0-d operand mixed
 * with an n-d one of the same kind does not widen the result (value-based
 * casting): float32 with a Python float stays float32. Integers divided
 * or raised to a power give float64 (NumPy's true division). */
DzDtype
dz_dtype_promote (DzArray *a,
                  DzArray *b)
{
  gboolean a_float = dz_dtype_is_float (a->dtype);
  gboolean b_float = dz_dtype_is_float (b->dtype);

  if (a->dtype == b->dtype)
    return a->dtype;
  if (a_float && b_float)
    {
      if (a->ndim == 0 && b->ndim > 0)
        return b->dtype;
      if (b->ndim == 0 && a->ndim > 0)
        return a->dtype;
      return DZ_DTYPE_FLOAT64;
    }
  /* One integer, one float. */
  if (!a_float && a->ndim == 0 && b->ndim > 0)
    return b->dtype;
  if (!b_float && b->ndim == 0 && a->ndim > 0)
    return a->dtype;
  return DZ_DTYPE_FLOAT64;
}

gboolean
dz_broadcast_shapes (const gsize  *a_shape,
                     guint         a_ndim,
                     const gsize  *b_shape,
                     guint         b_ndim,
                     gsize        *out_shape,
                     guint        *out_ndim,
                     GError      **error)
{
  guint ndim = MAX (a_ndim, b_ndim);

  for (guint i = 0; i < ndim; i++)
    {
      gsize da = i < ndim - a_ndim ? 1 : a_shape[i - (ndim - a_ndim)];
      gsize db = i < ndim - b_ndim ? 1 : b_shape[i - (ndim - b_ndim)];

      if (da != db && da != 1 && db != 1)
        {
          g_autofree char *sa = dz_shape_to_string (a_shape, a_ndim);
          g_autofree char *sb = dz_shape_to_string (b_shape, b_ndim);

          g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                       "Shapes %s and %s cannot be broadcast together", sa, sb);
          return FALSE;
        }
      out_shape[i] = da == 1 ? db : da;
    }
  *out_ndim = ndim;
  return TRUE;
}

void
dz_broadcast_strides (const gsize *shape,
                      guint        ndim,
                      guint        out_ndim,
                      gssize      *strides)
{
  gssize stride = 1;
  guint lead = out_ndim - ndim;

  for (guint i = out_ndim; i-- > 0;)
    {
      if (i < lead || shape[i - lead] == 1)
        strides[i] = 0;
      else
        {
          strides[i] = stride;
          stride *= shape[i - lead];
        }
    }
}

/* @self as @dtype: a new reference, or NULL when memory runs out. */
static DzArray *
as_dtype (DzArray  *self,
          DzDtype   dtype,
          GError  **error)
{
  return dz_array_astype (self, dtype, error);
}

DzArray *
dz_array_binary (DzBinaryOp   op,
                 DzArray     *a,
                 DzArray     *b,
                 GError     **error)
{
  gsize shape[DZ_ARRAY_MAX_NDIM];
  gssize a_strides[DZ_ARRAY_MAX_NDIM], b_strides[DZ_ARRAY_MAX_NDIM];
  guint ndim;
  DzDtype dtype = dz_dtype_promote (a, b);
  DzDtype out_dtype;
  g_autoptr(DzArray) ca = NULL;
  g_autoptr(DzArray) cb = NULL;
  DzArray *out;

  if (!dz_broadcast_shapes (a->shape, a->ndim, b->shape, b->ndim, shape, &ndim, error))
    return NULL;

  /* True division and powers of integers are float64, as in NumPy. */
  if (dtype == DZ_DTYPE_INT64 && (op == DZ_BINARY_DIV || op == DZ_BINARY_POW))
    dtype = DZ_DTYPE_FLOAT64;
  out_dtype = dtype;

  ca = as_dtype (a, dtype, error);
  cb = ca ? as_dtype (b, dtype, error) : NULL;
  if (cb == NULL)
    return NULL;

  out = dz_array_new_uninitialized (out_dtype, shape, ndim, error);
  if (out == NULL)
    return NULL;
  if (out->size == 0)
    return out;

  dz_broadcast_strides (a->shape, a->ndim, ndim, a_strides);
  dz_broadcast_strides (b->shape, b->ndim, ndim, b_strides);
  dz_kernel_binary (op, dtype, ndim, shape, ca->data, a_strides, cb->data, b_strides, out->data);
  return out;
}

/* Writes a op b into @a when @a is exclusive, of the broadcast shape and
 * of the result's dtype; else computes a new array. Consumes @a. */
DzArray *
dz_array_binary_take (DzBinaryOp   op,
                      DzArray     *a,
                      DzArray     *b,
                      GError     **error)
{
  DzArray *out;

  /* A gradient summed in a scalar graph: one value each, no broadcasting
   * machinery (a third of a chain's backward otherwise). */
  if (a->size == 1 && b->size == 1 && a->ndim >= b->ndim && op == DZ_BINARY_ADD
      && a->dtype == DZ_DTYPE_FLOAT64 && b->dtype == DZ_DTYPE_FLOAT64 && dz_array_is_exclusive (a))
    {
      DZ_ARRAY_F64 (a)[0] += DZ_ARRAY_F64 (b)[0];
      return a;
    }

  if (dz_array_is_exclusive (a) && a->dtype == b->dtype && a->ndim >= b->ndim)
    {
      gsize shape[DZ_ARRAY_MAX_NDIM];
      guint ndim;

      if (dz_broadcast_shapes (a->shape, a->ndim, b->shape, b->ndim, shape, &ndim, NULL)
          && memcmp (shape, a->shape, ndim * sizeof (gsize)) == 0)
        {
          gssize a_strides[DZ_ARRAY_MAX_NDIM], b_strides[DZ_ARRAY_MAX_NDIM];

          dz_broadcast_strides (a->shape, a->ndim, ndim, a_strides);
          dz_broadcast_strides (b->shape, b->ndim, ndim, b_strides);
          /* In place: the kernel reads each element before writing it. */
          dz_kernel_binary (op, a->dtype, ndim, shape, a->data, a_strides, b->data,
                            b_strides, a->data);
          return a;
        }
    }

  out = dz_array_binary (op, a, b, error);
  g_object_unref (a);
  return out;
}

DzArray *
dz_array_unary (DzUnaryOp   op,
                DzArray    *a,
                GError    **error)
{
  DzArray *out;

  /* Integers are computed in float64 except where the result is exact. */
  if (a->dtype == DZ_DTYPE_INT64 && op != DZ_UNARY_NEG && op != DZ_UNARY_ABS
      && op != DZ_UNARY_SQUARE && op != DZ_UNARY_SIGN && op != DZ_UNARY_RELU)
    {
      g_autoptr(DzArray) f = dz_array_astype (a, DZ_DTYPE_FLOAT64, error);

      return f ? dz_array_unary (op, f, error) : NULL;
    }

  out = dz_array_new_uninitialized_like (a, error);
  if (out != NULL)
    dz_kernel_unary (op, a->dtype, a->size, a->data, out->data);
  return out;
}

/* dz_array_unary() into @a itself when it is exclusive. Consumes @a. */
DzArray *
dz_array_unary_take (DzUnaryOp   op,
                     DzArray    *a,
                     GError    **error)
{
  DzArray *out;

  if (dz_array_is_exclusive (a) && dz_dtype_is_float (a->dtype))
    {
      dz_kernel_unary (op, a->dtype, a->size, a->data, a->data);
      return a;
    }
  out = dz_array_unary (op, a, error);
  g_object_unref (a);
  return out;
}

DzArray *
dz_array_affine (DzArray  *a,
                 double    scale,
                 double    shift,
                 GError  **error)
{
  DzArray *out;

  if (a->dtype == DZ_DTYPE_INT64)
    {
      g_autoptr(DzArray) f = dz_array_astype (a, DZ_DTYPE_FLOAT64, error);

      return f ? dz_array_affine (f, scale, shift, error) : NULL;
    }
  out = dz_array_new_uninitialized_like (a, error);
  if (out != NULL)
    dz_kernel_affine (a->dtype, a->size, a->data, scale, shift, out->data);
  return out;
}

/* Consumes @a. */
DzArray *
dz_array_affine_take (DzArray  *a,
                      double    scale,
                      double    shift,
                      GError  **error)
{
  DzArray *out;

  if (dz_array_is_exclusive (a) && dz_dtype_is_float (a->dtype))
    {
      dz_kernel_affine (a->dtype, a->size, a->data, scale, shift, a->data);
      return a;
    }
  out = dz_array_affine (a, scale, shift, error);
  g_object_unref (a);
  return out;
}

gboolean
dz_axes_normalize (const gint  *axes,
                   guint        n_axes,
                   guint        ndim,
                   gboolean    *flags,
                   GError     **error)
{
  memset (flags, 0, ndim * sizeof (gboolean));
  for (guint i = 0; i < n_axes; i++)
    {
      gint axis = axes[i] < 0 ? axes[i] + (gint) ndim : axes[i];

      if (axis < 0 || axis >= (gint) ndim)
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS,
                       "Axis %d is out of bounds for an array of dimension %u", axes[i], ndim);
          return FALSE;
        }
      if (flags[axis])
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS, "Axis %d is repeated", axes[i]);
          return FALSE;
        }
      flags[axis] = TRUE;
    }
  return TRUE;
}

DzArray *
dz_array_reduce (DzReduceOp       op,
                 DzArray         *a,
                 const gboolean  *reduce,
                 gboolean         keepdims,
                 GError         **error)
{
  gsize shape[DZ_ARRAY_MAX_NDIM];
  guint ndim = 0;
  DzArray *out;

  if (op != DZ_REDUCE_SUM)
    for (guint d = 0; d < a->ndim; d++)
      if (reduce[d] && a->shape[d] == 0)
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_SIZE_MISMATCH,
                       "Cannot take the %s over an axis of length 0",
                       op == DZ_REDUCE_MAX ? "maximum" : "minimum");
          return NULL;
        }

  for (guint d = 0; d < a->ndim; d++)
    if (!reduce[d])
      shape[ndim++] = a->shape[d];
    else if (keepdims)
      shape[ndim++] = 1;

  out = dz_array_new_uninitialized (a->dtype, shape, ndim, error);
  if (out != NULL)
    dz_kernel_reduce (op, a->dtype, a->ndim, a->shape, reduce, a->data, out->data);
  return out;
}

DzArray *
dz_array_sum_to (DzArray      *a,
                 const gsize  *shape,
                 guint         ndim,
                 GError      **error)
{
  gboolean reduce[DZ_ARRAY_MAX_NDIM];
  guint lead;
  g_autoptr(DzArray) summed = NULL;

  if (ndim == a->ndim && memcmp (shape, a->shape, ndim * sizeof (gsize)) == 0)
    return g_object_ref (a);

  if (ndim > a->ndim)
    goto mismatch;
  lead = a->ndim - ndim;
  for (guint d = 0; d < a->ndim; d++)
    {
      if (d < lead)
        reduce[d] = TRUE;
      else if (shape[d - lead] == a->shape[d])
        reduce[d] = FALSE;
      else if (shape[d - lead] == 1)
        reduce[d] = TRUE;
      else
        goto mismatch;
    }

  summed = dz_array_reduce (DZ_REDUCE_SUM, a, reduce, TRUE, error);
  if (summed == NULL)
    return NULL;
  return dz_array_reshape_resolved (summed, shape, ndim);

mismatch:
  {
    g_autofree char *from = dz_array_shape_to_string (a);
    g_autofree char *to = dz_shape_to_string (shape, ndim);

    g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                 "Cannot sum an array of shape %s to shape %s", from, to);
    return NULL;
  }
}

DzArray *
dz_array_broadcast_to (DzArray      *a,
                       const gsize  *shape,
                       guint         ndim,
                       GError      **error)
{
  gsize out_shape[DZ_ARRAY_MAX_NDIM];
  gssize strides[DZ_ARRAY_MAX_NDIM];
  guint out_ndim;
  DzArray *out;

  if (ndim == a->ndim && memcmp (shape, a->shape, ndim * sizeof (gsize)) == 0)
    return g_object_ref (a);

  if (!dz_broadcast_shapes (a->shape, a->ndim, shape, ndim, out_shape, &out_ndim, NULL)
      || out_ndim != ndim || memcmp (out_shape, shape, ndim * sizeof (gsize)) != 0)
    {
      g_autofree char *from = dz_array_shape_to_string (a);
      g_autofree char *to = dz_shape_to_string (shape, ndim);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "Cannot broadcast an array of shape %s to shape %s", from, to);
      return NULL;
    }

  out = dz_array_new_uninitialized (a->dtype, shape, ndim, error);
  if (out != NULL && out->size > 0)
    {
      dz_broadcast_strides (a->shape, a->ndim, ndim, strides);
      dz_kernel_copy_strided (a->dtype, ndim, shape, a->data, strides, out->data);
    }
  return out;
}

DzArray *
dz_array_transpose_ (DzArray     *a,
                     const guint *perm)
{
  gsize shape[DZ_ARRAY_MAX_NDIM];
  gssize strides[DZ_ARRAY_MAX_NDIM], src[DZ_ARRAY_MAX_NDIM];
  gssize stride = 1;
  DzArray *out;

  for (guint d = a->ndim; d-- > 0;)
    {
      src[d] = stride;
      stride *= a->shape[d];
    }
  for (guint d = 0; d < a->ndim; d++)
    {
      shape[d] = a->shape[perm[d]];
      strides[d] = src[perm[d]];
    }
  out = dz_array_new_uninitialized (a->dtype, shape, a->ndim, NULL);
  if (out != NULL && out->size > 0)
    dz_kernel_copy_strided (a->dtype, a->ndim, shape, a->data, strides, out->data);
  return out;
}

#define DEFINE_BINARY(name, op)                                               \
  DzArray *                                                                   \
  dz_array_##name (DzArray  *a,                                               \
                   DzArray  *b,                                               \
                   GError  **error)                                           \
  {                                                                           \
    g_return_val_if_fail (DZ_IS_ARRAY (a), NULL);                             \
    g_return_val_if_fail (DZ_IS_ARRAY (b), NULL);                             \
    g_return_val_if_fail (error == NULL || *error == NULL, NULL);             \
                                                                              \
    return dz_array_binary (op, a, b, error);                                 \
  }

#define DEFINE_UNARY(name, op)                                                \
  DzArray *                                                                   \
  dz_array_##name (DzArray  *a,                                               \
                   GError  **error)                                           \
  {                                                                           \
    g_return_val_if_fail (DZ_IS_ARRAY (a), NULL);                             \
    g_return_val_if_fail (error == NULL || *error == NULL, NULL);             \
                                                                              \
    return dz_array_unary (op, a, error);                                     \
  }

/**
 * dz_array_add:
 * @a: a #DzArray
 * @b: a #DzArray broadcastable with @a
 * @error: return location for a #GError
 *
 * Adds two arrays element by element into a new array, broadcasting
 * their shapes and promoting their dtypes as NumPy does.
 *
 * Returns: (transfer full): `a + b`, or %NULL with
 *   %DZ_ERROR_SHAPE_MISMATCH when the shapes do not broadcast or
 *   %DZ_ERROR_NO_MEMORY
 */
DEFINE_BINARY (add, DZ_BINARY_ADD)

/**
 * dz_array_sub:
 * @a: a #DzArray
 * @b: a #DzArray broadcastable with @a
 * @error: return location for a #GError
 *
 * Subtracts element by element, broadcasting as NumPy does.
 *
 * Returns: (transfer full): `a - b`, or %NULL with @error set
 */
DEFINE_BINARY (sub, DZ_BINARY_SUB)

/**
 * dz_array_mul:
 * @a: a #DzArray
 * @b: a #DzArray broadcastable with @a
 * @error: return location for a #GError
 *
 * Multiplies element by element, broadcasting as NumPy does.
 *
 * Returns: (transfer full): `a * b`, or %NULL with @error set
 */
DEFINE_BINARY (mul, DZ_BINARY_MUL)

/**
 * dz_array_div:
 * @a: a #DzArray
 * @b: a #DzArray broadcastable with @a
 * @error: return location for a #GError
 *
 * Divides element by element, broadcasting as NumPy does; integers give
 * float64.
 *
 * Returns: (transfer full): `a / b`, or %NULL with @error set
 */
DEFINE_BINARY (div, DZ_BINARY_DIV)

/**
 * dz_array_power:
 * @a: a #DzArray
 * @b: a #DzArray of exponents, broadcastable with @a
 * @error: return location for a #GError
 *
 * Raises element by element, broadcasting as NumPy does.
 *
 * Returns: (transfer full): `a ** b`, or %NULL with @error set
 */
DEFINE_BINARY (power, DZ_BINARY_POW)

/**
 * dz_array_maximum:
 * @a: a #DzArray
 * @b: a #DzArray broadcastable with @a
 * @error: return location for a #GError
 *
 * The larger of each pair of elements, as NumPy's `maximum` (NaN wins).
 *
 * Returns: (transfer full): the maxima, or %NULL with @error set
 */
DEFINE_BINARY (maximum, DZ_BINARY_MAXIMUM)

/**
 * dz_array_minimum:
 * @a: a #DzArray
 * @b: a #DzArray broadcastable with @a
 * @error: return location for a #GError
 *
 * The smaller of each pair of elements, as NumPy's `minimum` (NaN wins).
 *
 * Returns: (transfer full): the minima, or %NULL with @error set
 */
DEFINE_BINARY (minimum, DZ_BINARY_MINIMUM)

/**
 * dz_array_compare:
 * @a: a #DzArray
 * @b: a #DzArray broadcastable with @a
 * @op: the comparison
 * @error: return location for a #GError
 *
 * Compares element by element, broadcasting as NumPy does. dezero-glib
 * has no boolean dtype: the result holds 1 where the comparison holds and
 * 0 elsewhere, in the promoted dtype of @a and @b.
 *
 * Returns: (transfer full): the 0/1 array, or %NULL with @error set
 */
DzArray *
dz_array_compare (DzArray    *a,
                  DzArray    *b,
                  DzCompare   op,
                  GError    **error)
{
  static const DzBinaryOp ops[] = {
    [DZ_COMPARE_EQ] = DZ_BINARY_EQ, [DZ_COMPARE_NE] = DZ_BINARY_NE,
    [DZ_COMPARE_LT] = DZ_BINARY_LT, [DZ_COMPARE_LE] = DZ_BINARY_LE,
    [DZ_COMPARE_GT] = DZ_BINARY_GT, [DZ_COMPARE_GE] = DZ_BINARY_GE,
  };

  g_return_val_if_fail (DZ_IS_ARRAY (a), NULL);
  g_return_val_if_fail (DZ_IS_ARRAY (b), NULL);
  g_return_val_if_fail ((guint) op < G_N_ELEMENTS (ops), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return dz_array_binary (ops[op], a, b, error);
}

/**
 * dz_array_neg:
 * @a: a #DzArray
 * @error: return location for a #GError
 *
 * Negates each element of @a into a new array.
 *
 * Returns: (transfer full): `-a`, or %NULL with %DZ_ERROR_NO_MEMORY
 */
DEFINE_UNARY (neg, DZ_UNARY_NEG)

/**
 * dz_array_square:
 * @a: a #DzArray
 * @error: return location for a #GError
 *
 * Squares each element of @a into a new array.
 *
 * Returns: (transfer full): `a * a`, or %NULL with %DZ_ERROR_NO_MEMORY
 */
DEFINE_UNARY (square, DZ_UNARY_SQUARE)

/**
 * dz_array_exp:
 * @a: a #DzArray
 * @error: return location for a #GError
 *
 * Computes e raised to each element of @a into a new array.
 *
 * Returns: (transfer full): `exp(a)`, or %NULL with %DZ_ERROR_NO_MEMORY
 */
DEFINE_UNARY (exp, DZ_UNARY_EXP)

/**
 * dz_array_log:
 * @a: a #DzArray
 * @error: return location for a #GError
 *
 * Computes the natural logarithm of each element of @a into a new array.
 *
 * Returns: (transfer full): `log(a)` (NaN below 0, -inf at 0), or %NULL
 *   with %DZ_ERROR_NO_MEMORY
 */
DEFINE_UNARY (log, DZ_UNARY_LOG)

/**
 * dz_array_sin:
 * @a: a #DzArray
 * @error: return location for a #GError
 *
 * Computes the sine of each element of @a into a new array.
 *
 * Returns: (transfer full): `sin(a)`, or %NULL with %DZ_ERROR_NO_MEMORY
 */
DEFINE_UNARY (sin, DZ_UNARY_SIN)

/**
 * dz_array_cos:
 * @a: a #DzArray
 * @error: return location for a #GError
 *
 * Computes the cosine of each element of @a into a new array.
 *
 * Returns: (transfer full): `cos(a)`, or %NULL with %DZ_ERROR_NO_MEMORY
 */
DEFINE_UNARY (cos, DZ_UNARY_COS)

/**
 * dz_array_tanh:
 * @a: a #DzArray
 * @error: return location for a #GError
 *
 * Computes the hyperbolic tangent of each element of @a into a new array.
 *
 * Returns: (transfer full): `tanh(a)`, or %NULL with %DZ_ERROR_NO_MEMORY
 */
DEFINE_UNARY (tanh, DZ_UNARY_TANH)

/**
 * dz_array_pow:
 * @a: a #DzArray
 * @exponent: the exponent
 * @error: return location for a #GError
 *
 * Raises each element of @a to @exponent (as C's pow()) into a new array.
 *
 * Returns: (transfer full): each element raised to @exponent, or %NULL with
 *   %DZ_ERROR_NO_MEMORY
 */
DzArray *
dz_array_pow (DzArray  *a,
              double    exponent,
              GError  **error)
{
  g_autoptr(DzArray) e = NULL;

  g_return_val_if_fail (DZ_IS_ARRAY (a), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* The exponents autograd produces most are small integers; multiplying
   * is exact and several times faster than pow(). */
  if (exponent == 2.0)
    return dz_array_unary (DZ_UNARY_SQUARE, a, error);
  if (exponent == 1.0)
    return dz_array_affine (a, 1.0, 0.0, error);
  if (exponent == 0.5 && dz_dtype_is_float (a->dtype))
    return dz_array_unary (DZ_UNARY_SQRT, a, error);

  /* In a's float dtype: a float64 0-d exponent would make a 0-d float32
   * base float64, as NumPy's scalar promotion does. */
  e = dz_array_new_full_typed (dz_dtype_is_float (a->dtype) ? a->dtype : DZ_DTYPE_FLOAT64,
                               NULL, 0, exponent, error);
  if (e == NULL)
    return NULL;
  return dz_array_binary (DZ_BINARY_POW, a, e, error);
}

/**
 * dz_array_scale:
 * @a: a #DzArray
 * @factor: the factor
 * @error: return location for a #GError
 *
 * Multiplies each element of @a by @factor into a new array of @a's
 * float dtype.
 *
 * Returns: (transfer full): `a * factor`, or %NULL with
 *   %DZ_ERROR_NO_MEMORY
 */
DzArray *
dz_array_scale (DzArray  *a,
                double    factor,
                GError  **error)
{
  g_return_val_if_fail (DZ_IS_ARRAY (a), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return dz_array_affine (a, factor, 0.0, error);
}

/**
 * dz_array_add_scalar:
 * @a: a #DzArray
 * @value: the value to add
 * @error: return location for a #GError
 *
 * Adds @value to each element of @a into a new array of @a's float dtype.
 *
 * Returns: (transfer full): `a + value`, or %NULL with
 *   %DZ_ERROR_NO_MEMORY
 */
DzArray *
dz_array_add_scalar (DzArray  *a,
                     double    value,
                     GError  **error)
{
  g_return_val_if_fail (DZ_IS_ARRAY (a), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return dz_array_affine (a, 1.0, value, error);
}

/**
 * dz_array_sum:
 * @a: a #DzArray
 *
 * Adds up all the elements of @a, in double precision.
 *
 * Returns: the sum of all elements (0 for an empty array)
 */
double
dz_array_sum (DzArray *a)
{
  gboolean reduce[DZ_ARRAY_MAX_NDIM];
  g_autoptr(DzArray) f = NULL;
  double sum = 0.0;

  g_return_val_if_fail (DZ_IS_ARRAY (a), NAN);

  f = dz_array_astype (a, DZ_DTYPE_FLOAT64, NULL);
  if (f == NULL)
    return NAN;
  /* As one axis, so the kernel sees a plain vector. */
  reduce[0] = TRUE;
  if (f->size > 0)
    dz_kernel_reduce (DZ_REDUCE_SUM, DZ_DTYPE_FLOAT64, 1, &f->size, reduce, f->data, &sum);
  return sum;
}

/**
 * dz_array_allclose:
 * @a: a #DzArray
 * @b: another #DzArray
 * @rtol: relative tolerance
 * @atol: absolute tolerance
 *
 * Compares like NumPy's `allclose`, but without broadcasting: the shapes
 * must be equal, and every `|a - b| <= atol + rtol * |b|`. NaN is never
 * close to anything. Any dtypes may be compared.
 *
 * Returns: whether the shapes match and every element is close
 */
gboolean
dz_array_allclose (DzArray *a,
                   DzArray *b,
                   double   rtol,
                   double   atol)
{
  g_return_val_if_fail (DZ_IS_ARRAY (a), FALSE);
  g_return_val_if_fail (DZ_IS_ARRAY (b), FALSE);

  if (!dz_array_same_shape_ (a, b))
    return FALSE;

  for (gsize i = 0; i < a->size; i++)
    {
      double x = dz_array_load (a, i), y = dz_array_load (b, i);

      if (!(fabs (x - y) <= atol + rtol * fabs (y)))
        return FALSE;
    }

  return TRUE;
}
