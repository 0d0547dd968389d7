/* dz-ops-shape.c: reshape, transpose, broadcast_to, sum_to
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "dz-op-private.h"

typedef struct
{
  DzShape shape;
} ShapeParams;

static const DzParamSpec shape_params[] = {
  DZ_OP_PARAM (ShapeParams, shape, DZ_PARAM_SHAPE),
};

/* A shape parameter with no -1, as gsize. */
static gboolean
shape_of (const DzShape  *shape,
          gsize          *dims,
          GError        **error)
{
  for (guint i = 0; i < shape->ndim; i++)
    {
      if (shape->dims[i] < 0)
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                       "A target shape cannot hold the negative length %" G_GSSIZE_FORMAT,
                       shape->dims[i]);
          return FALSE;
        }
      dims[i] = shape->dims[i];
    }
  return TRUE;
}

/* Reshape: y = x viewed with another shape;  gx = reshape (gy, x.shape) */
static DzArray *
reshape_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  const DzShape *shape = &((const ShapeParams *) p)->shape;

  return dz_array_reshape (xs[0], shape->dims, shape->ndim, error);
}

static gboolean
reshape_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
                  GError **error)
{
  gxs[0] = dz_array_reshape_resolved (gy, xs[0]->shape, xs[0]->ndim);
  g_object_unref (gy);
  return TRUE;
}

static gboolean
reshape_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                  DzVariable **gxs, GError **error)
{
  DzArray *x = dz_variable_peek_data (xs[0]);
  gssize dims[DZ_ARRAY_MAX_NDIM];

  for (guint i = 0; i < x->ndim; i++)
    dims[i] = x->shape[i];
  return (gxs[0] = dz_reshape (gy, dims, x->ndim, error)) != NULL;
}

static DzOpDef reshape_def = {
  .name = "reshape", .class_name = "Reshape", .n_inputs = 1, .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (ShapeParams), .params = shape_params, .n_params = 1,
  .forward = reshape_forward, .gradient = reshape_gradient, .backward = reshape_backward,
};

/**
 * dz_reshape:
 * @x: a #DzVariable with data
 * @shape: (array length=ndim) (nullable): the new shape; one length may
 *   be -1, standing for what the size implies
 * @ndim: the number of axes of the new shape
 * @error: return location for a #GError
 *
 * Gives @x another shape of the same size, as NumPy's `reshape()`. No
 * value is copied: the output shares @x's storage.
 *
 * Returns: (transfer full): the reshaped variable, or %NULL with
 *   %DZ_ERROR_SIZE_MISMATCH when the sizes differ
 */
DzVariable *
dz_reshape (DzVariable    *x,
            const gssize  *shape,
            guint          ndim,
            GError       **error)
{
  ShapeParams params;

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!dz_shape_set (&params.shape, shape, ndim, error))
    return NULL;
  return dz_op_apply (&reshape_def, &params, &x, 1, error);
}

/* BroadcastTo: y = x repeated to a shape;  gx = sum_to (gy, x.shape) */
static DzArray *
broadcast_to_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  const DzShape *shape = &((const ShapeParams *) p)->shape;
  gsize dims[DZ_ARRAY_MAX_NDIM];

  if (!shape_of (shape, dims, error))
    return NULL;
  return dz_array_broadcast_to (xs[0], dims, shape->ndim, error);
}

static gboolean
broadcast_to_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy,
                       DzArray **gxs, GError **error)
{
  gxs[0] = dz_array_sum_to (gy, xs[0]->shape, xs[0]->ndim, error);
  g_object_unref (gy);
  return gxs[0] != NULL;
}

static gboolean
broadcast_to_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                       DzVariable **gxs, GError **error)
{
  DzArray *x = dz_variable_peek_data (xs[0]);

  return (gxs[0] = dz_sum_to (gy, x->shape, x->ndim, error)) != NULL;
}

static DzOpDef broadcast_to_def = {
  .name = "broadcast_to", .class_name = "BroadcastTo", .n_inputs = 1,
  .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (ShapeParams), .params = shape_params, .n_params = 1,
  .forward = broadcast_to_forward, .gradient = broadcast_to_gradient,
  .backward = broadcast_to_backward,
};

/**
 * dz_broadcast_to:
 * @x: a #DzVariable with data
 * @shape: (array length=ndim) (nullable): the shape to broadcast to
 * @ndim: the number of axes of @shape
 * @error: return location for a #GError
 *
 * Repeats @x along new leading axes and along its axes of length 1 to
 * fill @shape, as NumPy's `broadcast_to()`. Its gradient is dz_sum_to().
 *
 * Returns: (transfer full): the broadcast variable, or %NULL with
 *   %DZ_ERROR_SHAPE_MISMATCH when @x does not broadcast to @shape
 */
DzVariable *
dz_broadcast_to (DzVariable   *x,
                 const gsize  *shape,
                 guint         ndim,
                 GError      **error)
{
  ShapeParams params;

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (ndim > DZ_ARRAY_MAX_NDIM || (ndim > 0 && shape == NULL))
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "A shape has between 0 and %d axes, given as an array", DZ_ARRAY_MAX_NDIM);
      return NULL;
    }
  dz_shape_set_from (&params.shape, shape, ndim);
  return dz_op_apply (&broadcast_to_def, &params, &x, 1, error);
}

/* SumTo: y = x summed down to a shape;  gx = broadcast_to (gy, x.shape) */
static DzArray *
sum_to_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  const DzShape *shape = &((const ShapeParams *) p)->shape;
  gsize dims[DZ_ARRAY_MAX_NDIM];

  if (!shape_of (shape, dims, error))
    return NULL;
  return dz_array_sum_to (xs[0], dims, shape->ndim, error);
}

static gboolean
sum_to_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
                 GError **error)
{
  gxs[0] = dz_array_broadcast_to (gy, xs[0]->shape, xs[0]->ndim, error);
  g_object_unref (gy);
  return gxs[0] != NULL;
}

static gboolean
sum_to_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                 DzVariable **gxs, GError **error)
{
  DzArray *x = dz_variable_peek_data (xs[0]);

  return (gxs[0] = dz_broadcast_to (gy, x->shape, x->ndim, error)) != NULL;
}

static DzOpDef sum_to_def = {
  .name = "sum_to", .class_name = "SumTo", .n_inputs = 1, .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (ShapeParams), .params = shape_params, .n_params = 1,
  .forward = sum_to_forward, .gradient = sum_to_gradient, .backward = sum_to_backward,
};

/**
 * dz_sum_to:
 * @x: a #DzVariable with data
 * @shape: (array length=ndim) (nullable): the shape to sum down to
 * @ndim: the number of axes of @shape
 * @error: return location for a #GError
 *
 * Sums @x over its leading axes and over the axes where @shape has length
 * 1 until it has @shape: DeZero's `sum_to`, the gradient of broadcasting.
 *
 * Returns: (transfer full): the sums, or %NULL with
 *   %DZ_ERROR_SHAPE_MISMATCH when @shape does not broadcast to @x's
 */
DzVariable *
dz_sum_to (DzVariable   *x,
           const gsize  *shape,
           guint         ndim,
           GError      **error)
{
  ShapeParams params;

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (ndim > DZ_ARRAY_MAX_NDIM || (ndim > 0 && shape == NULL))
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "A shape has between 0 and %d axes, given as an array", DZ_ARRAY_MAX_NDIM);
      return NULL;
    }
  dz_shape_set_from (&params.shape, shape, ndim);
  return dz_op_apply (&sum_to_def, &params, &x, 1, error);
}

/* Transpose: y = x with its axes permuted;  gx = transpose (gy, inverse) */
typedef struct
{
  DzAxes axes;
} TransposeParams;

static const DzParamSpec transpose_params[] = {
  DZ_OP_PARAM (TransposeParams, axes, DZ_PARAM_AXES),
};

/* The permutation @axes names for @ndim axes (all: reversed). */
static gboolean
permutation (const DzAxes  *axes,
             guint          ndim,
             guint         *perm,
             GError       **error)
{
  gboolean seen[DZ_ARRAY_MAX_NDIM];

  if (axes->all)
    {
      for (guint d = 0; d < ndim; d++)
        perm[d] = ndim - 1 - d;
      return TRUE;
    }
  if (axes->n != ndim)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS,
                   "The axes of a transpose must name each of the %u axes once, not %u",
                   ndim, axes->n);
      return FALSE;
    }
  if (!dz_axes_normalize (axes->axes, axes->n, ndim, seen, error))
    return FALSE;
  for (guint d = 0; d < ndim; d++)
    perm[d] = axes->axes[d] < 0 ? axes->axes[d] + (gint) ndim : axes->axes[d];
  return TRUE;
}

static DzArray *
transpose_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  guint perm[DZ_ARRAY_MAX_NDIM];
  DzArray *y;

  if (!permutation (&((const TransposeParams *) p)->axes, xs[0]->ndim, perm, error))
    return NULL;
  y = dz_array_transpose_ (xs[0], perm);
  if (y == NULL)
    g_set_error_literal (error, DZ_ERROR, DZ_ERROR_NO_MEMORY, "Out of memory transposing");
  return y;
}

static gboolean
transpose_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy,
                    DzArray **gxs, GError **error)
{
  guint perm[DZ_ARRAY_MAX_NDIM], inverse[DZ_ARRAY_MAX_NDIM];

  permutation (&((const TransposeParams *) p)->axes, gy->ndim, perm, NULL);
  for (guint d = 0; d < gy->ndim; d++)
    inverse[perm[d]] = d;
  gxs[0] = dz_array_transpose_ (gy, inverse);
  g_object_unref (gy);
  if (gxs[0] == NULL)
    g_set_error_literal (error, DZ_ERROR, DZ_ERROR_NO_MEMORY, "Out of memory transposing");
  return gxs[0] != NULL;
}

static gboolean
transpose_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                    DzVariable **gxs, GError **error)
{
  guint ndim = dz_variable_get_ndim (gy);
  guint perm[DZ_ARRAY_MAX_NDIM];
  gint inverse[DZ_ARRAY_MAX_NDIM];

  permutation (&((const TransposeParams *) p)->axes, ndim, perm, NULL);
  for (guint d = 0; d < ndim; d++)
    inverse[perm[d]] = d;
  return (gxs[0] = dz_transpose (gy, inverse, ndim, error)) != NULL;
}

static DzOpDef transpose_def = {
  .name = "transpose", .class_name = "Transpose", .n_inputs = 1,
  .params_size = sizeof (TransposeParams), .params = transpose_params, .n_params = 1,
  .forward = transpose_forward, .gradient = transpose_gradient,
  .backward = transpose_backward,
};

/**
 * dz_transpose:
 * @x: a #DzVariable with data
 * @axes: (array length=n_axes) (nullable): a permutation of @x's axes
 *   (negative ones count from the end), or %NULL to reverse them
 * @n_axes: the length of @axes
 * @error: return location for a #GError
 *
 * Permutes the axes of @x, as NumPy's `transpose()`: axis `i` of the
 * output is axis `axes[i]` of @x. The output is a contiguous copy; matrix
 * products read transposed operands in place instead (dz_matmul()).
 *
 * Returns: (transfer full): the transposed variable, or %NULL with
 *   %DZ_ERROR_INVALID_AXIS when @axes is not a permutation
 */
DzVariable *
dz_transpose (DzVariable   *x,
              const gint   *axes,
              guint         n_axes,
              GError      **error)
{
  TransposeParams params;

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!dz_axes_set (&params.axes, axes, n_axes, error))
    return NULL;
  return dz_op_apply (&transpose_def, &params, &x, 1, error);
}

DzOpDef *const dz_ops_shape[] = {
  &reshape_def, &broadcast_to_def, &sum_to_def, &transpose_def, NULL,
};
