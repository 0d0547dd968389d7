/* dz-ops-shape.c: reshape, transpose, broadcast_to, sum_to, expand_dims,
 * squeeze, flatten, get_item (and its gradient), concatenate, stack
 *
 * These move values without arithmetic (sum_to and get_item's gradient
 * only add), so they take every dtype, int64 included, as NumPy does.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "dz-index-private.h"
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

/* ExpandDims, Squeeze, Flatten: views of x with another shape, so their
 * gradient is reshape's: gx = reshape (gy, x.shape) */
typedef struct
{
  gint axis;
} AxisParams;

static const DzParamSpec axis_params[] = {
  DZ_OP_PARAM (AxisParams, axis, DZ_PARAM_INT),
};

static gboolean
check_ndim (const char  *op,
            guint        ndim,
            GError     **error)
{
  if (ndim <= DZ_ARRAY_MAX_NDIM)
    return TRUE;
  g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
               "%s would give %u axes; an array has at most %d", op, ndim, DZ_ARRAY_MAX_NDIM);
  return FALSE;
}

/* @axis of an output of @ndim axes, negative ones counting from the end. */
static gboolean
output_axis (const char  *op,
             gint         axis,
             guint        ndim,
             guint       *out,
             GError     **error)
{
  gint a = axis < 0 ? axis + (gint) ndim : axis;

  if (a < 0 || a >= (gint) ndim)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS,
                   "Axis %d is out of bounds for the %u axes of %s's output", axis, ndim, op);
      return FALSE;
    }
  *out = a;
  return TRUE;
}

static DzArray *
expand_dims_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  DzArray *x = xs[0];
  guint ndim = x->ndim + 1;
  gsize dims[DZ_ARRAY_MAX_NDIM];
  guint axis;

  if (!check_ndim ("expand_dims", ndim, error)
      || !output_axis ("expand_dims", ((const AxisParams *) p)->axis, ndim, &axis, error))
    return NULL;
  for (guint d = 0, k = 0; d < ndim; d++)
    dims[d] = d == axis ? 1 : x->shape[k++];
  return dz_array_reshape_resolved (x, dims, ndim);
}

static DzOpDef expand_dims_def = {
  .name = "expand_dims", .class_name = "ExpandDims", .n_inputs = 1,
  .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (AxisParams), .params = axis_params, .n_params = 1,
  .forward = expand_dims_forward, .gradient = reshape_gradient, .backward = reshape_backward,
};

/**
 * dz_expand_dims:
 * @x: a #DzVariable with data
 * @axis: where the new axis goes among the output's axes, from
 *   `-(ndim + 1)` to `ndim` (negative ones count from the end)
 * @error: return location for a #GError
 *
 * Inserts an axis of length 1, as NumPy's `expand_dims()`: a `(2, 3)`
 * value becomes `(1, 2, 3)` with @axis 0 and `(2, 3, 1)` with @axis -1.
 * DeZero's `expand_dims` inserts with Python's `list.insert()`, which puts
 * -1 before the last axis; this follows NumPy. No value is copied.
 *
 * Returns: (transfer full): the expanded variable, or %NULL with
 *   %DZ_ERROR_INVALID_AXIS when @axis is out of range
 */
DzVariable *
dz_expand_dims (DzVariable  *x,
                gint         axis,
                GError     **error)
{
  AxisParams params = { axis };

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return dz_op_apply (&expand_dims_def, &params, &x, 1, error);
}

typedef struct
{
  DzAxes axis;
} SqueezeParams;

static const DzParamSpec squeeze_params[] = {
  DZ_OP_PARAM (SqueezeParams, axis, DZ_PARAM_AXES),
};

static DzArray *
squeeze_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  const DzAxes *axes = &((const SqueezeParams *) p)->axis;
  DzArray *x = xs[0];
  gboolean drop[DZ_ARRAY_MAX_NDIM];
  gsize dims[DZ_ARRAY_MAX_NDIM];
  guint ndim = 0;

  if (axes->all)
    for (guint d = 0; d < x->ndim; d++)
      drop[d] = x->shape[d] == 1;
  else if (!dz_axes_normalize (axes->axes, axes->n, x->ndim, drop, error))
    return NULL;

  for (guint d = 0; d < x->ndim; d++)
    {
      if (!drop[d])
        dims[ndim++] = x->shape[d];
      else if (x->shape[d] != 1)
        {
          g_autofree char *shape = dz_shape_to_string (x->shape, x->ndim);

          g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS,
                       "Cannot squeeze axis %u of shape %s: its length is not 1", d, shape);
          return NULL;
        }
    }
  return dz_array_reshape_resolved (x, dims, ndim);
}

static DzOpDef squeeze_def = {
  .name = "squeeze", .class_name = "Squeeze", .n_inputs = 1, .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (SqueezeParams), .params = squeeze_params, .n_params = 1,
  .forward = squeeze_forward, .gradient = reshape_gradient, .backward = reshape_backward,
};

/**
 * dz_squeeze:
 * @x: a #DzVariable with data
 * @axis: (array length=n_axis) (nullable): the axes of length 1 to
 *   remove (negative ones count from the end), or %NULL for every axis of
 *   length 1
 * @n_axis: the length of @axis
 * @error: return location for a #GError
 *
 * Removes axes of length 1, as NumPy's `squeeze()`. No value is copied.
 *
 * Returns: (transfer full): the squeezed variable, or %NULL with
 *   %DZ_ERROR_INVALID_AXIS when an axis is out of range, repeated or of a
 *   length other than 1
 */
DzVariable *
dz_squeeze (DzVariable  *x,
            const gint  *axis,
            guint        n_axis,
            GError     **error)
{
  SqueezeParams params;

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!dz_axes_set (&params.axis, axis, n_axis, error))
    return NULL;
  return dz_op_apply (&squeeze_def, &params, &x, 1, error);
}

static DzArray *
flatten_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  DzArray *x = xs[0];
  gsize dims[2];

  if (x->ndim == 0)
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS,
                           "Flatten keeps axis 0 (the batch) and joins the others: "
                           "a 0-d value has no axis 0");
      return NULL;
    }
  dims[0] = x->shape[0];
  dims[1] = 1;
  for (guint d = 1; d < x->ndim; d++)
    dims[1] *= x->shape[d];
  return dz_array_reshape_resolved (x, dims, 2);
}

static DzOpDef flatten_def = {
  .name = "flatten", .class_name = "Flatten", .n_inputs = 1, .needs = DZ_OP_NEEDS_INPUTS,
  .forward = flatten_forward, .gradient = reshape_gradient, .backward = reshape_backward,
};

/**
 * dz_flatten:
 * @x: a #DzVariable with data and at least one axis
 * @error: return location for a #GError
 *
 * Joins every axis but the first, which DeZero takes for the batch: a
 * `(N, C, H, W)` value becomes `(N, C * H * W)`. This is DeZero's
 * `reshape(x, (x.shape[0], -1))`, also for the shapes where -1 could not
 * be resolved: `(0, 3)` becomes `(0, 3)`. A vector of shape `(N,)`
 * becomes `(N, 1)`, as DeZero's does; a 0-d value, which DeZero cannot
 * flatten either (it has no `shape[0]`), is an error. No value is copied.
 *
 * Returns: (transfer full): the flattened variable, or %NULL with
 *   %DZ_ERROR_INVALID_AXIS when @x is 0-d
 */
DzVariable *
dz_flatten (DzVariable  *x,
            GError     **error)
{
  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return dz_op_apply (&flatten_def, NULL, &x, 1, error);
}

/* GetItem: y = x[slices];  gx = get_item_grad (gy): zeros of x's shape
 * with gy added at the positions read (np.add.at: repeated positions
 * accumulate).  GetItemGrad's own gradient is get_item again, so the pair
 * differentiates any number of times. */

/* How an index reads x: the output is a walk over nested loops (outermost
 * first), each advancing the position in x by a stride or, for the block
 * of advanced (integer array) indices, by a table of offsets, and copying
 * @chunk contiguous elements at each step. Slicing rows or gathering rows
 * thus copies whole rows at once. */
typedef struct
{
  guint ndim;
  gsize shape[DZ_ARRAY_MAX_NDIM];
  gsize size;
  gssize base;
  guint n_loops;
  gsize lens[DZ_ARRAY_MAX_NDIM + 1];
  gssize strides[DZ_ARRAY_MAX_NDIM + 1];
  /* The loop that reads @table instead of a stride, or -1. */
  gint table_loop;
  gssize *table;
  gsize chunk;
} Walk;

static void
walk_clear (Walk *w)
{
  g_clear_pointer (&w->table, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Walk, walk_clear)

/* @i as a position on an axis of @len, negative ones counting from the
 * end. */
static gboolean
position (gint64    i,
          gsize     len,
          guint     axis,
          gint64   *pos,
          GError  **error)
{
  gint64 p = i < 0 ? i + (gint64) len : i;

  if (p < 0 || (guint64) p >= len)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INDEX_OUT_OF_RANGE,
                   "Index %" G_GINT64_FORMAT " is out of bounds for axis %u with size %"
                   G_GSIZE_FORMAT, i, axis, len);
      return FALSE;
    }
  *pos = p;
  return TRUE;
}

/* Python's slice.indices(): the first position and the count of
 * start:stop:step on an axis of @len. */
static void
slice_adjust (gint64   start,
              gint64   stop,
              gint64   step,
              gsize    len,
              gint64  *first,
              gsize   *count)
{
  gint64 n = len;

  if (step > 0)
    {
      start = start == DZ_INDEX_NONE ? 0 : start < 0 ? MAX (start + n, 0) : MIN (start, n);
      stop = stop == DZ_INDEX_NONE ? n : stop < 0 ? MAX (stop + n, 0) : MIN (stop, n);
      *count = stop > start ? (stop - start - 1) / step + 1 : 0;
    }
  else
    {
      start = start == DZ_INDEX_NONE ? n - 1 : start < 0 ? MAX (start + n, -1) : MIN (start, n - 1);
      stop = stop == DZ_INDEX_NONE ? -1 : stop < 0 ? MAX (stop + n, -1) : MIN (stop, n - 1);
      *count = start > stop ? (start - stop - 1) / -step + 1 : 0;
    }
  *first = start;
}

/* An advanced index: an integer array, or an int beside one. */
typedef struct
{
  DzArray *array;
  gint64 value;
  guint axis;
} Advanced;

/* Adds to @table (of the broadcast shape @shape) the offsets @adv reads. */
static gboolean
add_offsets (const Advanced  *adv,
             const gsize     *axis_shape,
             gssize           axis_stride,
             const gsize     *shape,
             guint            ndim,
             gsize            size,
             gssize          *table,
             GError         **error)
{
  DzArray *a = adv->array;
  const gint64 *values = DZ_ARRAY_I64 (a);
  gssize strides[DZ_ARRAY_MAX_NDIM];
  gsize counters[DZ_ARRAY_MAX_NDIM] = { 0, };
  gsize len = axis_shape[adv->axis];
  gssize at = 0;
  gint64 pos;

  /* Of the broadcast shape already: read in order. */
  if (a->size == size)
    {
      for (gsize b = 0; b < size; b++)
        {
          if (!position (values[b], len, adv->axis, &pos, error))
            return FALSE;
          table[b] += pos * axis_stride;
        }
      return TRUE;
    }

  dz_broadcast_strides (a->shape, a->ndim, ndim, strides);
  for (gsize b = 0; b < size; b++)
    {
      if (!position (values[at], len, adv->axis, &pos, error))
        return FALSE;
      table[b] += pos * axis_stride;
      for (guint d = ndim; d-- > 0;)
        {
          at += strides[d];
          if (++counters[d] < shape[d])
            break;
          at -= strides[d] * shape[d];
          counters[d] = 0;
        }
    }
  return TRUE;
}

/* The walk that @index makes over a contiguous array of @shape: NumPy's
 * rules (see dz_get_item()). */
static gboolean
walk_plan (DzIndex      *index,
           const gsize  *shape,
           guint         ndim,
           Walk         *w,
           GError      **error)
{
  GArray *items = index->items;
  gssize strides[DZ_ARRAY_MAX_NDIM];
  /* The basic axes of the output, in order, without the advanced block. */
  gsize lens[DZ_ARRAY_MAX_NDIM];
  gssize steps[DZ_ARRAY_MAX_NDIM];
  guint n_basic = 0;
  Advanced adv[DZ_ARRAY_MAX_NDIM];
  guint n_adv = 0, n_consumed = 0, n_ellipsis = 0, at = 0, d = 0;
  gboolean has_array = FALSE, adjacent = TRUE;
  gsize bshape[DZ_ARRAY_MAX_NDIM];
  guint bndim = 0;
  gsize bsize = 1;
  guint ins;

  memset (w, 0, sizeof *w);
  w->table_loop = -1;

  for (guint k = ndim; k-- > 0;)
    strides[k] = k + 1 < ndim ? strides[k + 1] * (gssize) shape[k + 1] : 1;

  for (guint i = 0; i < items->len; i++)
    {
      const DzIndexItem *item = &g_array_index (items, DzIndexItem, i);

      n_consumed += item->kind == DZ_INDEX_ITEM_INT || item->kind == DZ_INDEX_ITEM_SLICE
                    || item->kind == DZ_INDEX_ITEM_ARRAY;
      n_ellipsis += item->kind == DZ_INDEX_ITEM_ELLIPSIS;
      has_array |= item->kind == DZ_INDEX_ITEM_ARRAY;
    }
  if (n_ellipsis > 1)
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                           "An index can only have a single ellipsis ('...')");
      return FALSE;
    }
  if (n_consumed > ndim)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INDEX_OUT_OF_RANGE,
                   "Too many indices for an array of dimension %u: %u were given",
                   ndim, n_consumed);
      return FALSE;
    }

#define PUSH_BASIC(len, step)                                                     \
  G_STMT_START {                                                                  \
    if (n_basic == DZ_ARRAY_MAX_NDIM)                                             \
      return check_ndim ("An index", DZ_ARRAY_MAX_NDIM + 1, error);               \
    lens[n_basic] = (len);                                                        \
    steps[n_basic++] = (step);                                                    \
  } G_STMT_END

  for (guint i = 0; i < items->len; i++)
    {
      const DzIndexItem *item = &g_array_index (items, DzIndexItem, i);
      gint64 first, step;
      gsize count;

      switch (item->kind)
        {
        case DZ_INDEX_ITEM_SLICE:
          step = item->step == DZ_INDEX_NONE ? 1 : item->step;
          if (step == 0)
            {
              g_set_error_literal (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                                   "A slice step cannot be zero");
              return FALSE;
            }
          slice_adjust (item->start, item->stop, step, shape[d], &first, &count);
          if (count > 0)
            w->base += first * strides[d];
          /* A step past the end (x[::huge]) takes one value: its stride,
           * which could overflow, is never used. */
          PUSH_BASIC (count, count > 1 ? step * strides[d] : 0);
          d++;
          break;
        case DZ_INDEX_ITEM_NEWAXIS:
          PUSH_BASIC (1, 0);
          break;
        case DZ_INDEX_ITEM_ELLIPSIS:
          for (guint k = n_consumed; k < ndim; k++, d++)
            PUSH_BASIC (shape[d], strides[d]);
          break;
        case DZ_INDEX_ITEM_ARRAY:
          if (item->array->dtype != DZ_DTYPE_INT64)
            {
              g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_DTYPE,
                           "Arrays used as indices must be of integer type, not %s",
                           dz_dtype_get_name (item->array->dtype));
              return FALSE;
            }
          G_GNUC_FALLTHROUGH;
        case DZ_INDEX_ITEM_INT:
          /* Beside an array, NumPy treats an int as a 0-d array: it joins
           * the advanced block (and decides where that block goes). */
          if (item->kind == DZ_INDEX_ITEM_INT && !has_array)
            {
              if (!position (item->start, shape[d], d, &first, error))
                return FALSE;
              w->base += first * strides[d];
              d++;
              break;
            }
          /* Advanced indices separated by a basic one send their block to
           * the front of the output, as in NumPy. */
          if (n_adv == 0)
            at = n_basic;
          else if (at != n_basic)
            adjacent = FALSE;
          adv[n_adv++] = (Advanced) { item->array, item->start, d };
          d++;
          break;
        }
    }
  for (; d < ndim; d++)
    PUSH_BASIC (shape[d], strides[d]);
#undef PUSH_BASIC

  /* The advanced block: its shape, and the offsets it reads. */
  for (guint k = 0; k < n_adv; k++)
    if (adv[k].array != NULL)
      {
        gsize out[DZ_ARRAY_MAX_NDIM];

        if (!dz_broadcast_shapes (bshape, bndim, adv[k].array->shape, adv[k].array->ndim,
                                  out, &bndim, error))
          {
            g_prefix_error (error, "Index arrays must broadcast together: ");
            return FALSE;
          }
        memcpy (bshape, out, bndim * sizeof (gsize));
      }
  if (!check_ndim ("An index", n_basic + bndim, error))
    return FALSE;
  if (n_adv > 0)
    {
      if (!dz_shape_check (bshape, bndim, &bsize, error))
        return FALSE;
      w->table = g_try_new0 (gssize, MAX (bsize, 1));
      if (w->table == NULL)
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY,
                       "Out of memory for the %" G_GSIZE_FORMAT " positions of an index", bsize);
          return FALSE;
        }
      for (guint k = 0; k < n_adv; k++)
        {
          gint64 pos;

          if (adv[k].array != NULL)
            {
              if (!add_offsets (&adv[k], shape, strides[adv[k].axis], bshape, bndim, bsize,
                                w->table, error))
                return FALSE;
            }
          else if (position (adv[k].value, shape[adv[k].axis], adv[k].axis, &pos, error))
            w->base += pos * strides[adv[k].axis];
          else
            return FALSE;
        }
    }

  /* The output's axes: the basic ones with the advanced block at @ins. */
  ins = adjacent ? at : 0;
  w->ndim = n_basic + (n_adv > 0 ? bndim : 0);
  for (guint k = 0, o = 0; k <= n_basic; k++)
    {
      if (k == ins && n_adv > 0)
        for (guint b = 0; b < bndim; b++)
          w->shape[o++] = bshape[b];
      if (k < n_basic)
        w->shape[o++] = lens[k];
    }
  w->size = 1;
  for (guint k = 0; k < w->ndim; k++)
    w->size *= w->shape[k];

  /* The loops, without those of length 1. */
  for (guint k = 0; k <= n_basic; k++)
    {
      if (k == ins && n_adv > 0)
        {
          if (bsize == 1)
            w->base += w->table[0];
          else
            {
              w->table_loop = w->n_loops;
              w->lens[w->n_loops++] = bsize;
            }
        }
      if (k < n_basic && lens[k] != 1)
        {
          w->lens[w->n_loops] = lens[k];
          w->strides[w->n_loops++] = steps[k];
        }
    }
  /* Inner loops that read contiguous values become one copy. */
  w->chunk = 1;
  while (w->n_loops > 0 && w->table_loop != (gint) w->n_loops - 1
         && w->strides[w->n_loops - 1] == (gssize) w->chunk)
    w->chunk *= w->lens[--w->n_loops];
  return TRUE;
}

typedef enum
{
  WALK_GATHER_8,
  WALK_GATHER_4,
  WALK_GATHER_CHUNK,
  WALK_SCATTER_F64,
  WALK_SCATTER_F32,
  WALK_SCATTER_I64,
} WalkOp;

/* Runs @w between @indexed (x, or the gradient being scattered into) and
 * @flat (the output, or the gradient being scattered), both contiguous. */
static void
walk_run (const Walk *w,
          WalkOp      op,
          gsize       item_size,
          guint8     *indexed,
          guint8     *flat)
{
  gsize counters[DZ_ARRAY_MAX_NDIM + 1] = { 0, };
  gssize parts[DZ_ARRAY_MAX_NDIM + 1] = { 0, };
  guint n_outer = w->n_loops > 0 ? w->n_loops - 1 : 0;
  gsize inner_len = w->n_loops > 0 ? w->lens[n_outer] : 1;
  gssize inner_stride = w->n_loops > 0 ? w->strides[n_outer] : 0;
  const gssize *inner_table = w->table_loop == (gint) n_outer && w->n_loops > 0 ? w->table : NULL;
  gsize chunk = w->chunk, pos = 0;
  gssize off = w->base;

  if (w->size == 0)
    return;
  if (w->table_loop >= 0 && w->table_loop < (gint) n_outer)
    off += parts[w->table_loop] = w->table[0];

  for (;;)
    {
      gint l;

      for (gsize j = 0; j < inner_len; j++, pos += chunk)
        {
          gssize at = off + (inner_table ? inner_table[j] : (gssize) j * inner_stride);

          switch (op)
            {
            case WALK_GATHER_8:
              ((guint64 *) flat)[pos] = ((const guint64 *) indexed)[at];
              break;
            case WALK_GATHER_4:
              ((guint32 *) flat)[pos] = ((const guint32 *) indexed)[at];
              break;
            case WALK_GATHER_CHUNK:
              memcpy (flat + pos * item_size, indexed + at * item_size, chunk * item_size);
              break;
            case WALK_SCATTER_F64:
              for (gsize c = 0; c < chunk; c++)
                ((double *) indexed)[at + c] += ((const double *) flat)[pos + c];
              break;
            case WALK_SCATTER_F32:
              for (gsize c = 0; c < chunk; c++)
                ((float *) indexed)[at + c] += ((const float *) flat)[pos + c];
              break;
            case WALK_SCATTER_I64:
              for (gsize c = 0; c < chunk; c++)
                ((gint64 *) indexed)[at + c] += ((const gint64 *) flat)[pos + c];
              break;
            }
        }

      /* The next position of the outer loops, the last one fastest. */
      for (l = (gint) n_outer - 1; l >= 0; l--)
        {
          gssize part;

          if (++counters[l] == w->lens[l])
            counters[l] = 0;
          part = l == w->table_loop ? w->table[counters[l]] : (gssize) counters[l] * w->strides[l];
          off += part - parts[l];
          parts[l] = part;
          if (counters[l] != 0)
            break;
        }
      if (l < 0)
        return;
    }
}

static DzArray *
get_item_array (DzIndex  *index,
                DzArray  *x,
                GError  **error)
{
  g_auto(Walk) w = { 0, };
  gsize item_size = dz_dtype_get_item_size (x->dtype);
  DzArray *y;
  WalkOp op;

  if (!walk_plan (index, x->shape, x->ndim, &w, error))
    return NULL;
  y = dz_array_new_uninitialized (x->dtype, w.shape, w.ndim, error);
  if (y == NULL)
    return NULL;
  if (w.chunk > 1)
    op = WALK_GATHER_CHUNK;
  else
    op = item_size == 8 ? WALK_GATHER_8 : WALK_GATHER_4;
  walk_run (&w, op, item_size, x->data, y->data);
  return y;
}

static DzArray *
get_item_grad_array (DzIndex      *index,
                     const gsize  *shape,
                     guint         ndim,
                     DzArray      *gy,
                     GError      **error)
{
  g_auto(Walk) w = { 0, };
  DzArray *gx;
  WalkOp op;

  if (!walk_plan (index, shape, ndim, &w, error))
    return NULL;
  if (w.ndim != gy->ndim || memcmp (w.shape, gy->shape, w.ndim * sizeof (gsize)) != 0)
    {
      g_autofree char *expected = dz_shape_to_string (w.shape, w.ndim);
      g_autofree char *given = dz_shape_to_string (gy->shape, gy->ndim);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "A gradient of shape %s cannot be scattered where the index reads %s",
                   given, expected);
      return NULL;
    }
  gx = dz_array_new_full_typed (gy->dtype, shape, ndim, 0.0, error);
  if (gx == NULL)
    return NULL;
  switch (gy->dtype)
    {
    case DZ_DTYPE_FLOAT32:
      op = WALK_SCATTER_F32;
      break;
    case DZ_DTYPE_INT64:
      op = WALK_SCATTER_I64;
      break;
    case DZ_DTYPE_FLOAT64:
    default:
      op = WALK_SCATTER_F64;
      break;
    }
  walk_run (&w, op, dz_dtype_get_item_size (gy->dtype), gx->data, gy->data);
  return gx;
}

typedef struct
{
  DzIndex *slices;
} GetItemParams;

typedef struct
{
  DzIndex *slices;
  DzShape in_shape;
} GetItemGradParams;

static const DzParamSpec get_item_params[] = {
  DZ_OP_PARAM (GetItemParams, slices, DZ_PARAM_INDEX),
};

static const DzParamSpec get_item_grad_params[] = {
  DZ_OP_PARAM (GetItemGradParams, slices, DZ_PARAM_INDEX),
  DZ_OP_PARAM (GetItemGradParams, in_shape, DZ_PARAM_SHAPE),
};

static gboolean
check_slices (DzIndex  *slices,
              GError  **error)
{
  if (slices != NULL)
    return TRUE;
  g_set_error_literal (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                       "get_item needs its parameter slices");
  return FALSE;
}

static void
get_item_clear (void *p)
{
  g_clear_object (&((GetItemParams *) p)->slices);
}

static void
get_item_grad_clear (void *p)
{
  g_clear_object (&((GetItemGradParams *) p)->slices);
}

static DzArray *
get_item_grad_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  const GetItemGradParams *params = p;
  gsize shape[DZ_ARRAY_MAX_NDIM];

  if (!check_slices (params->slices, error) || !shape_of (&params->in_shape, shape, error))
    return NULL;
  return get_item_grad_array (params->slices, shape, params->in_shape.ndim, xs[0], error);
}

static gboolean
get_item_grad_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy,
                        DzArray **gxs, GError **error)
{
  gxs[0] = get_item_array (((const GetItemGradParams *) p)->slices, gy, error);
  g_object_unref (gy);
  return gxs[0] != NULL;
}

static gboolean
get_item_grad_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                        DzVariable **gxs, GError **error)
{
  return (gxs[0] = dz_get_item (gy, ((const GetItemGradParams *) p)->slices, error)) != NULL;
}

static DzOpDef get_item_grad_def = {
  .name = "get_item_grad", .class_name = "GetItemGrad", .n_inputs = 1,
  .params_size = sizeof (GetItemGradParams), .params = get_item_grad_params, .n_params = 2,
  .forward = get_item_grad_forward, .gradient = get_item_grad_gradient,
  .backward = get_item_grad_backward, .params_clear = get_item_grad_clear,
};

static DzArray *
get_item_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  DzIndex *slices = ((const GetItemParams *) p)->slices;

  if (!check_slices (slices, error))
    return NULL;
  return get_item_array (slices, xs[0], error);
}

static gboolean
get_item_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy,
                   DzArray **gxs, GError **error)
{
  gxs[0] = get_item_grad_array (((const GetItemParams *) p)->slices, xs[0]->shape, xs[0]->ndim,
                                gy, error);
  g_object_unref (gy);
  return gxs[0] != NULL;
}

static gboolean
get_item_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                   DzVariable **gxs, GError **error)
{
  DzArray *x = dz_variable_peek_data (xs[0]);
  GetItemGradParams params = { g_object_ref (((const GetItemParams *) p)->slices), };

  dz_shape_set_from (&params.in_shape, x->shape, x->ndim);
  return (gxs[0] = dz_op_apply (&get_item_grad_def, &params, &gy, 1, error)) != NULL;
}

static DzOpDef get_item_def = {
  .name = "get_item", .class_name = "GetItem", .n_inputs = 1, .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (GetItemParams), .params = get_item_params, .n_params = 1,
  .forward = get_item_forward, .gradient = get_item_gradient, .backward = get_item_backward,
  .params_clear = get_item_clear,
};

/**
 * dz_get_item:
 * @x: a #DzVariable with data
 * @index: the index, `x[index]` in NumPy (see #DzIndex)
 * @error: return location for a #GError
 *
 * Selects values of @x as NumPy's `x[index]` does: DeZero's `get_item`.
 *
 * Basic indexing: an int selects one position and drops its axis, a slice
 * keeps its axis (negative steps too), a new axis inserts an axis of
 * length 1, an ellipsis stands for as many full slices as the other items
 * leave axes; axes the index does not reach are kept whole.
 *
 * Advanced indexing: integer arrays (int64; NumPy refuses float arrays
 * and so does this) select positions along their axes, all arrays being
 * broadcast together: `x[arange(N), t]` picks `x[i, t[i]]` for each row
 * `i`. An int beside an array counts as a 0-d array. The block of axes the
 * arrays give takes the place of the first of them when the advanced
 * indices are adjacent, and goes first otherwise (`x[0, :, [0, 1]]` has
 * shape `(2, N)`), as in NumPy. Boolean masks are not supported.
 *
 * The output is a copy. Its gradient adds the output gradient into zeros
 * of @x's shape where the values were read (`np.add.at()`): a position
 * read twice gets both gradients. That gradient (DeZero's `GetItemGrad`,
 * the built-in "get_item_grad") is differentiable in turn, by get_item.
 *
 * @index is copied: adding items to it later does not change this call.
 *
 * Through dz_op_call(), the parameter `slices` is a #GVariant. At the top,
 * an array of any type (`av`, `ax`...) or a tuple other than a slice's
 * lists the items (`x[a, b]`: a JSON list is Python's tuple); anything
 * else is one item (`x[a]`). An item is an integer (an int); a tuple of
 * three integers `(start, stop, step)`, with %G_MININT64 for an omitted
 * bound, or a string `"start:stop:step"` as Python writes it (`"1:"`,
 * `"::-1"`) (a slice); the string `"..."` (an ellipsis); `"None"`,
 * `"newaxis"` or an empty maybe (a new axis); an array of integers (`ax`,
 * `ai`, or an `av` of integers), nested for more axes (an integer array).
 * Doubles holding whole numbers count as integers. So `x[1, 2]` is
 * `[1, 2]`, `x[1:, [0, 2]]` is `[<"1:">, <[0, 2]>]`, and `x[[0, 2]]`
 * needs the outer list: `[<[0, 2]>]`, in JSON `[[0, 2]]`.
 *
 * Returns: (transfer full): the selected values, or %NULL with
 *   %DZ_ERROR_INDEX_OUT_OF_RANGE for a position out of range or too many
 *   indices, %DZ_ERROR_INVALID_DTYPE for an index array that is not int64,
 *   %DZ_ERROR_SHAPE_MISMATCH for index arrays that do not broadcast
 *   together, or %DZ_ERROR_INVALID_ARGUMENT for a zero slice step or two
 *   ellipses
 */
DzVariable *
dz_get_item (DzVariable  *x,
             DzIndex     *index,
             GError     **error)
{
  GetItemParams params;

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (DZ_IS_INDEX (index), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  params.slices = dz_index_copy_ (index);
  return dz_op_apply (&get_item_def, &params, &x, 1, error);
}

/* Concatenate, Stack: y = the inputs joined along an axis (a new one for
 * stack);  gx_i = the slice of gy input i filled. */

/* The output of joining @xs along @axis, or, with @stack, along a new
 * axis there: its shape, dtype (NumPy's promotion) and the axis. */
static gboolean
join_shape (const char  *op,
            DzArray    **xs,
            guint        n,
            gint         axis,
            gboolean     stack,
            gsize       *shape,
            guint       *ndim,
            guint       *join_axis,
            DzDtype     *dtype,
            GError     **error)
{
  DzArray *first = xs[0];

  *ndim = first->ndim + (stack ? 1 : 0);
  if (!stack && first->ndim == 0)
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS,
                           "Zero-dimensional values cannot be concatenated");
      return FALSE;
    }
  if (!check_ndim (op, *ndim, error) || !output_axis (op, axis, *ndim, join_axis, error))
    return FALSE;

  *dtype = first->dtype;
  for (guint i = 1; i < n; i++)
    {
      DzArray *x = xs[i];
      gboolean same = x->ndim == first->ndim;

      for (guint d = 0; same && d < x->ndim; d++)
        same = x->shape[d] == first->shape[d] || (!stack && d == *join_axis);
      if (!same)
        {
          g_autofree char *s0 = dz_shape_to_string (first->shape, first->ndim);
          g_autofree char *si = dz_shape_to_string (x->shape, x->ndim);

          g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                       stack ? "%s needs inputs of one shape: input 0 has shape %s, input %u %s"
                             : "%s needs inputs whose shapes differ only along the axis: "
                               "input 0 has shape %s, input %u %s",
                       op, s0, i, si);
          return FALSE;
        }
      /* Any two different dtypes we have promote to float64. */
      if (x->dtype != *dtype)
        *dtype = DZ_DTYPE_FLOAT64;
    }

  for (guint d = 0, k = 0; d < *ndim; d++)
    if (stack)
      shape[d] = d == *join_axis ? n : first->shape[k++];
    else
      {
        shape[d] = 0;
        for (guint i = 0; i < (d == *join_axis ? n : 1); i++)
          shape[d] += xs[i]->shape[d];
      }
  return TRUE;
}

/* The elements of input @i in one run along the join axis: its length
 * there (1 for a stack) times @inner. */
static gsize
run_of (DzArray  *x,
        guint     axis,
        gboolean  stack,
        gsize     inner)
{
  return (stack ? 1 : x->shape[axis]) * inner;
}

static DzArray *
join (const char  *op,
      DzArray    **xs,
      guint        n,
      gint         axis,
      gboolean     stack,
      GError     **error)
{
  gsize shape[DZ_ARRAY_MAX_NDIM];
  guint ndim, a;
  DzDtype dtype;
  g_autoptr(GPtrArray) sources = NULL;
  gsize outer = 1, inner = 1, item_size;
  DzArray *y;
  guint8 *out;

  if (!join_shape (op, xs, n, axis, stack, shape, &ndim, &a, &dtype, error))
    return NULL;
  sources = g_ptr_array_new_full (n, g_object_unref);
  for (guint i = 0; i < n; i++)
    {
      DzArray *source = dz_array_astype (xs[i], dtype, error);

      if (source == NULL)
        return NULL;
      g_ptr_array_add (sources, source);
    }
  y = dz_array_new_uninitialized (dtype, shape, ndim, error);
  if (y == NULL)
    return NULL;

  for (guint d = 0; d < a; d++)
    outer *= shape[d];
  for (guint d = a + 1; d < ndim; d++)
    inner *= shape[d];
  item_size = dz_dtype_get_item_size (dtype);
  out = y->data;
  for (gsize o = 0; o < outer; o++)
    for (guint i = 0; i < n; i++)
      {
        DzArray *x = g_ptr_array_index (sources, i);
        gsize run = run_of (x, a, stack, inner) * item_size;

        if (run > 0)
          memcpy (out, (guint8 *) x->data + o * run, run);
        out += run;
      }
  return y;
}

/* The array-level gradient of join: gy cut back into the inputs' pieces,
 * in gy's dtype. */
static gboolean
split (DzArray   *gy,
       DzArray  **xs,
       guint      n,
       gint       axis,
       gboolean   stack,
       DzArray  **gxs,
       GError   **error)
{
  guint a = axis < 0 ? axis + (gint) gy->ndim : axis;
  gsize outer = 1, inner = 1, item_size = dz_dtype_get_item_size (gy->dtype);
  const guint8 *in = gy->data;

  for (guint i = 0; i < n; i++)
    if ((gxs[i] = dz_array_new_uninitialized (gy->dtype, xs[i]->shape, xs[i]->ndim, error)) == NULL)
      {
        g_object_unref (gy);
        return FALSE;
      }
  for (guint d = 0; d < a; d++)
    outer *= gy->shape[d];
  for (guint d = a + 1; d < gy->ndim; d++)
    inner *= gy->shape[d];
  for (gsize o = 0; o < outer; o++)
    for (guint i = 0; i < n; i++)
      {
        gsize run = run_of (xs[i], a, stack, inner) * item_size;

        if (run > 0)
          memcpy ((guint8 *) gxs[i]->data + o * run, in, run);
        in += run;
      }
  g_object_unref (gy);
  return TRUE;
}

/* The differentiable gradient of join: each input's slice of gy, by
 * get_item (an int for a stack, which drops the axis again). */
static gboolean
unjoin (DzVariable  *gy,
        DzVariable **xs,
        guint        n,
        gint         axis,
        gboolean     stack,
        DzVariable **gxs,
        GError     **error)
{
  guint ndim = dz_variable_get_ndim (gy);
  guint a = axis < 0 ? axis + (gint) ndim : axis;
  gint64 offset = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DzIndex) index = dz_index_new ();

      for (guint d = 0; d < a; d++)
        dz_index_add_slice (index, DZ_INDEX_NONE, DZ_INDEX_NONE, 1);
      if (stack)
        dz_index_add_int (index, i);
      else
        {
          gint64 len = dz_variable_peek_data (xs[i])->shape[a];

          dz_index_add_slice (index, offset, offset + len, 1);
          offset += len;
        }
      if ((gxs[i] = dz_get_item (gy, index, error)) == NULL)
        return FALSE;
    }
  return TRUE;
}

static DzArray *
concatenate_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return join ("concatenate", xs, n, ((const AxisParams *) p)->axis, FALSE, error);
}

static gboolean
concatenate_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy,
                      DzArray **gxs, GError **error)
{
  return split (gy, xs, n, ((const AxisParams *) p)->axis, FALSE, gxs, error);
}

static gboolean
concatenate_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                      DzVariable **gxs, GError **error)
{
  return unjoin (gy, xs, n, ((const AxisParams *) p)->axis, FALSE, gxs, error);
}

static DzOpDef concatenate_def = {
  .name = "concatenate", .class_name = "Concatenate", .n_inputs = 0,
  .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (AxisParams), .params = axis_params, .n_params = 1,
  .forward = concatenate_forward, .gradient = concatenate_gradient,
  .backward = concatenate_backward,
};

/**
 * dz_concatenate:
 * @xs: (array length=n_xs): the variables to join, with data
 * @n_xs: the number of variables, at least one
 * @axis: the axis to join along (negative counts from the end)
 * @error: return location for a #GError
 *
 * Joins @xs along an existing axis, as NumPy's `concatenate()`: their
 * shapes must agree on every other axis. Different dtypes give float64.
 * The gradient of each input is its slice of the output gradient.
 *
 * Returns: (transfer full): the joined variable, or %NULL with
 *   %DZ_ERROR_SHAPE_MISMATCH when the shapes differ off @axis,
 *   %DZ_ERROR_INVALID_AXIS when @axis is out of range or the inputs are
 *   0-d, or %DZ_ERROR_WRONG_COUNT when @n_xs is 0
 */
DzVariable *
dz_concatenate (DzVariable **xs,
                guint        n_xs,
                gint         axis,
                GError     **error)
{
  AxisParams params = { axis };

  g_return_val_if_fail (n_xs == 0 || xs != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return dz_op_apply (&concatenate_def, &params, xs, n_xs, error);
}

static DzArray *
stack_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return join ("stack", xs, n, ((const AxisParams *) p)->axis, TRUE, error);
}

static gboolean
stack_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy,
                DzArray **gxs, GError **error)
{
  return split (gy, xs, n, ((const AxisParams *) p)->axis, TRUE, gxs, error);
}

static gboolean
stack_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                DzVariable **gxs, GError **error)
{
  return unjoin (gy, xs, n, ((const AxisParams *) p)->axis, TRUE, gxs, error);
}

static DzOpDef stack_def = {
  .name = "stack", .class_name = "Stack", .n_inputs = 0, .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (AxisParams), .params = axis_params, .n_params = 1,
  .forward = stack_forward, .gradient = stack_gradient, .backward = stack_backward,
};

/**
 * dz_stack:
 * @xs: (array length=n_xs): the variables to join, with data and one
 *   shape
 * @n_xs: the number of variables, at least one
 * @axis: where the new axis goes among the output's axes, from
 *   `-(ndim + 1)` to `ndim`
 * @error: return location for a #GError
 *
 * Joins @xs along a new axis, as NumPy's `stack()`: three `(2, 3)` values
 * stacked on axis 1 give `(2, 3, 3)`. Different dtypes give float64. The
 * gradient of each input is its slice of the output gradient.
 *
 * Returns: (transfer full): the stacked variable, or %NULL with
 *   %DZ_ERROR_SHAPE_MISMATCH when the shapes differ,
 *   %DZ_ERROR_INVALID_AXIS when @axis is out of range, or
 *   %DZ_ERROR_WRONG_COUNT when @n_xs is 0
 */
DzVariable *
dz_stack (DzVariable **xs,
          guint        n_xs,
          gint         axis,
          GError     **error)
{
  AxisParams params = { axis };

  g_return_val_if_fail (n_xs == 0 || xs != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return dz_op_apply (&stack_def, &params, xs, n_xs, error);
}

DzOpDef *const dz_ops_shape[] = {
  &reshape_def, &broadcast_to_def, &sum_to_def, &transpose_def, &expand_dims_def,
  &squeeze_def, &flatten_def, &get_item_def, &get_item_grad_def, &concatenate_def,
  &stack_def, NULL,
};
