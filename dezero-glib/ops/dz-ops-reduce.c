/* dz-ops-reduce.c: sum, mean, max, min over axes; clip
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>

#include "dz-op-private.h"

/* The field names are the Python keywords: dz_op_call() fills them by name. */
typedef struct
{
  DzAxes axis;
  gboolean keepdims;
} ReduceParams;

static const DzParamSpec reduce_params[] = {
  DZ_OP_PARAM (ReduceParams, axis, DZ_PARAM_AXES),
  DZ_OP_PARAM (ReduceParams, keepdims, DZ_PARAM_BOOL),
};

/* Flags the axes of an @ndim-axis input that @p reduces: all of them for
 * axis=None, none for axis=(). */
static gboolean
reduced_axes (const ReduceParams  *p,
              guint                ndim,
              gboolean            *flags,
              GError             **error)
{
  if (!p->axis.all)
    return dz_axes_normalize (p->axis.axes, p->axis.n, ndim, flags, error);
  for (guint d = 0; d < ndim; d++)
    flags[d] = TRUE;
  return TRUE;
}

/* The shape of the reduction of @x with its reduced axes kept as length 1
 * (what the output gradient is reshaped to before it is broadcast back),
 * and the number of values reduced into each output value. */
static gsize
kept_shape (const ReduceParams *p,
            DzArray            *x,
            gsize              *shape)
{
  gboolean flags[DZ_ARRAY_MAX_NDIM];
  gsize count = 1;

  /* The forward pass has accepted the axes. */
  reduced_axes (p, x->ndim, flags, NULL);
  for (guint d = 0; d < x->ndim; d++)
    {
      shape[d] = flags[d] ? 1 : x->shape[d];
      if (flags[d])
        count *= x->shape[d];
    }
  return count;
}

/* kept_shape() as the signed lengths dz_reshape() takes. */
static void
kept_dims (const ReduceParams *p,
           DzArray            *x,
           gssize             *dims)
{
  gsize shape[DZ_ARRAY_MAX_NDIM];

  kept_shape (p, x, shape);
  for (guint d = 0; d < x->ndim; d++)
    dims[d] = shape[d];
}

static DzArray *
reduce_forward (DzReduceOp           op,
                const ReduceParams  *p,
                DzArray             *x,
                GError             **error)
{
  gboolean flags[DZ_ARRAY_MAX_NDIM];

  if (!reduced_axes (p, x->ndim, flags, error))
    return NULL;
  return dz_array_reduce (op, x, flags, p->keepdims, error);
}

/* Integer inputs reduce (as NumPy's do) but take no gradient. */
static gboolean
check_gradient_dtype (const char  *op,
                      DzArray     *x,
                      DzArray     *gy,
                      GError     **error)
{
  if (dz_op_check_float (op, x, error))
    return TRUE;
  if (gy != NULL)
    g_object_unref (gy);
  return FALSE;
}

/* gy (consumed) reshaped to the kept shape of @x and broadcast to @x's
 * shape: the gradient of a sum. */
static DzArray *
broadcast_back (const ReduceParams  *p,
                DzArray             *x,
                DzArray             *gy,
                GError             **error)
{
  gsize shape[DZ_ARRAY_MAX_NDIM];
  g_autoptr(DzArray) kept = NULL;

  kept_shape (p, x, shape);
  kept = dz_array_reshape_resolved (gy, shape, x->ndim);
  g_object_unref (gy);
  return dz_array_broadcast_to (kept, x->shape, x->ndim, error);
}

static DzVariable *
broadcast_back_variable (const ReduceParams  *p,
                         DzVariable          *x,
                         DzVariable          *gy,
                         GError             **error)
{
  DzArray *x_data = dz_variable_peek_data (x);
  gssize dims[DZ_ARRAY_MAX_NDIM];
  g_autoptr(DzVariable) kept = NULL;

  kept_dims (p, x_data, dims);
  kept = dz_reshape (gy, dims, x_data->ndim, error);
  return kept ? dz_broadcast_to (kept, x_data->shape, x_data->ndim, error) : NULL;
}

static DzVariable *
apply_reduce (DzOpDef      *def,
              DzVariable   *x,
              const gint   *axis,
              guint         n_axis,
              gboolean      keepdims,
              GError      **error)
{
  ReduceParams params;

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!dz_axes_set (&params.axis, axis, n_axis, error))
    return NULL;
  params.keepdims = keepdims;
  return dz_op_apply (def, &params, &x, 1, error);
}

/* Sum: y = x summed over axes;  gx = broadcast_to (reshape (gy, kept), x.shape) */
static DzArray *
sum_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return reduce_forward (DZ_REDUCE_SUM, p, xs[0], error);
}

static gboolean
sum_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
              GError **error)
{
  if (!check_gradient_dtype ("Sum", xs[0], gy, error))
    return FALSE;
  return (gxs[0] = broadcast_back (p, xs[0], gy, error)) != NULL;
}

static gboolean
sum_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
              DzVariable **gxs, GError **error)
{
  if (!check_gradient_dtype ("Sum", dz_variable_peek_data (xs[0]), NULL, error))
    return FALSE;
  return (gxs[0] = broadcast_back_variable (p, xs[0], gy, error)) != NULL;
}

static DzOpDef sum_def = {
  .name = "sum", .class_name = "Sum", .n_inputs = 1, .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (ReduceParams), .params = reduce_params, .n_params = 2,
  .forward = sum_forward, .gradient = sum_gradient, .backward = sum_backward,
};

/**
 * dz_sum:
 * @x: a #DzVariable with data
 * @axis: (array length=n_axis) (nullable): the axes to sum over (negative
 *   ones count from the end), or %NULL for every axis; an empty array
 *   (non-%NULL with @n_axis 0) sums over none, as `axis=()` does
 * @n_axis: the length of @axis
 * @keepdims: whether the summed axes stay, with length 1
 * @error: return location for a #GError
 *
 * Sums the elements of @x over @axis, as NumPy's `sum()`: float32 stays
 * float32, int64 sums are int64 (and take no gradient), a sum over an
 * axis of length 0 is 0. Its gradient is the output gradient broadcast
 * back to @x's shape.
 *
 * Returns: (transfer full): the sums, or %NULL with
 *   %DZ_ERROR_INVALID_AXIS for an axis out of range or named twice
 */
DzVariable *
dz_sum (DzVariable  *x,
        const gint  *axis,
        guint        n_axis,
        gboolean     keepdims,
        GError     **error)
{
  return apply_reduce (&sum_def, x, axis, n_axis, keepdims, error);
}

/* Mean: y = sum (x) / count;  gx = broadcast_to (reshape (gy / count, kept), x.shape) */
static DzArray *
mean_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  gsize shape[DZ_ARRAY_MAX_NDIM];
  g_autoptr(DzArray) f = NULL;
  g_autoptr(DzArray) count = NULL;
  DzArray *x = xs[0];
  DzArray *sum;

  /* NumPy averages integers in float64; summing them as int64 first could
   * overflow. */
  if (!dz_dtype_is_float (x->dtype)
      && (x = f = dz_array_astype (x, DZ_DTYPE_FLOAT64, error)) == NULL)
    return NULL;
  sum = reduce_forward (DZ_REDUCE_SUM, p, x, error);
  if (sum == NULL)
    return NULL;

  /* Divided, not multiplied by 1 / count, so that the values are NumPy's
   * to the last bit; a mean over nothing is 0 / 0, NaN, as in NumPy. */
  count = dz_array_new_uninitialized (x->dtype, NULL, 0, error);
  if (count == NULL)
    {
      g_object_unref (sum);
      return NULL;
    }
  if (x->dtype == DZ_DTYPE_FLOAT32)
    DZ_ARRAY_F32 (count)[0] = kept_shape (p, x, shape);
  else
    DZ_ARRAY_F64 (count)[0] = kept_shape (p, x, shape);
  return dz_array_binary_take (DZ_BINARY_DIV, sum, count, error);
}

static gboolean
mean_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
               GError **error)
{
  gsize shape[DZ_ARRAY_MAX_NDIM];
  gsize count;

  if (!check_gradient_dtype ("Mean", xs[0], gy, error))
    return FALSE;
  count = kept_shape (p, xs[0], shape);
  /* Scaled before broadcasting: there are fewer values. */
  gy = dz_array_affine_take (gy, 1.0 / count, 0.0, error);
  return gy != NULL && (gxs[0] = broadcast_back (p, xs[0], gy, error)) != NULL;
}

static gboolean
mean_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
               DzVariable **gxs, GError **error)
{
  DzArray *x = dz_variable_peek_data (xs[0]);
  gsize shape[DZ_ARRAY_MAX_NDIM];
  g_autoptr(DzVariable) scaled = NULL;

  if (!check_gradient_dtype ("Mean", x, NULL, error))
    return FALSE;
  scaled = dz_mul_scalar (gy, 1.0 / kept_shape (p, x, shape), error);
  return scaled != NULL && (gxs[0] = broadcast_back_variable (p, xs[0], scaled, error)) != NULL;
}

static DzOpDef mean_def = {
  .name = "mean", .class_name = "Mean", .n_inputs = 1, .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (ReduceParams), .params = reduce_params, .n_params = 2,
  .forward = mean_forward, .gradient = mean_gradient, .backward = mean_backward,
};

/**
 * dz_mean:
 * @x: a #DzVariable with data
 * @axis: (array length=n_axis) (nullable): the axes to average over
 *   (negative ones count from the end), or %NULL for every axis; an empty
 *   array (non-%NULL with @n_axis 0) averages over none, as `axis=()` does
 * @n_axis: the length of @axis
 * @keepdims: whether the averaged axes stay, with length 1
 * @error: return location for a #GError
 *
 * Averages the elements of @x over @axis, as NumPy's `mean()` (DeZero's
 * `average()`): float32 stays float32, int64 values average in float64
 * (and take no gradient), the mean over an axis of length 0 is NaN. Its
 * gradient is the output gradient divided by the number of values
 * averaged and broadcast back to @x's shape.
 *
 * Returns: (transfer full): the means, or %NULL with
 *   %DZ_ERROR_INVALID_AXIS for an axis out of range or named twice
 */
DzVariable *
dz_mean (DzVariable  *x,
         const gint  *axis,
         guint        n_axis,
         gboolean     keepdims,
         GError     **error)
{
  return apply_reduce (&mean_def, x, axis, n_axis, keepdims, error);
}

/* Max, Min: y = the extreme of x over axes;  gx = broadcast (gy) * (x == y)
 *
 * As DeZero's Max.backward: every element equal to the extreme of its lane
 * takes the whole gradient, so a tie passes it to each. */

/* The mask x == y with y reshaped to the kept shape: 1 where @x holds the
 * extreme of its lane, of @x's shape and dtype. */
static DzArray *
extreme_mask (const ReduceParams  *p,
              DzArray             *x,
              DzArray             *y,
              GError             **error)
{
  gsize shape[DZ_ARRAY_MAX_NDIM];
  g_autoptr(DzArray) kept = NULL;

  kept_shape (p, x, shape);
  kept = dz_array_reshape_resolved (y, shape, x->ndim);
  return dz_array_binary (DZ_BINARY_EQ, x, kept, error);
}

static gboolean
extreme_gradient (const char *op, const void *p, DzArray **xs, DzArray *y, DzArray *gy,
                  DzArray **gxs, GError **error)
{
  gsize shape[DZ_ARRAY_MAX_NDIM];
  g_autoptr(DzArray) kept = NULL;
  DzArray *mask;

  if (!check_gradient_dtype (op, xs[0], gy, error))
    return FALSE;
  mask = extreme_mask (p, xs[0], y, error);
  kept_shape (p, xs[0], shape);
  kept = dz_array_reshape_resolved (gy, shape, xs[0]->ndim);
  g_object_unref (gy);
  /* The mask has the input's shape: gy broadcasts into it, in place. */
  gxs[0] = mask ? dz_array_binary_take (DZ_BINARY_MUL, mask, kept, error) : NULL;
  return gxs[0] != NULL;
}

static gboolean
extreme_backward (const char *op, const void *p, DzVariable **xs, DzVariable *y,
                  DzVariable *gy, DzVariable **gxs, GError **error)
{
  DzArray *x = dz_variable_peek_data (xs[0]);
  DzArray *y_data = dz_variable_peek_data (y);
  gssize dims[DZ_ARRAY_MAX_NDIM];
  g_autoptr(DzVariable) kept = NULL;
  g_autoptr(DzVariable) mask = NULL;
  DzArray *m;

  if (!check_gradient_dtype (op, x, NULL, error))
    return FALSE;
  if (y_data == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_NO_DATA, "The output of %s has no data", op);
      return FALSE;
    }
  if ((m = extreme_mask (p, x, y_data, error)) == NULL)
    return FALSE;
  /* A constant: the mask is where the gradient goes, not a function of x
   * to differentiate. */
  mask = dz_variable_new_constant (m);
  kept_dims (p, x, dims);
  kept = dz_reshape (gy, dims, x->ndim, error);
  return kept != NULL && (gxs[0] = dz_mul (kept, mask, error)) != NULL;
}

static DzArray *
max_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return reduce_forward (DZ_REDUCE_MAX, p, xs[0], error);
}

static gboolean
max_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
              GError **error)
{
  return extreme_gradient ("Max", p, xs, y, gy, gxs, error);
}

static gboolean
max_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
              DzVariable **gxs, GError **error)
{
  return extreme_backward ("Max", p, xs, y, gy, gxs, error);
}

static DzOpDef max_def = {
  .name = "max", .class_name = "Max", .n_inputs = 1,
  .needs = DZ_OP_NEEDS_INPUTS | DZ_OP_NEEDS_OUTPUT,
  .params_size = sizeof (ReduceParams), .params = reduce_params, .n_params = 2,
  .forward = max_forward, .gradient = max_gradient, .backward = max_backward,
};

/**
 * dz_max:
 * @x: a #DzVariable with data
 * @axis: (array length=n_axis) (nullable): the axes to take the maximum
 *   over (negative ones count from the end), or %NULL for every axis; an
 *   empty array (non-%NULL with @n_axis 0) reduces none, as `axis=()` does
 * @n_axis: the length of @axis
 * @keepdims: whether the reduced axes stay, with length 1
 * @error: return location for a #GError
 *
 * The largest element of @x over @axis, as NumPy's `max()`. As in DeZero,
 * the gradient goes to every element equal to the maximum of its lane
 * (each of several ties takes all of it). int64 values reduce but take no
 * gradient.
 *
 * Returns: (transfer full): the maxima, or %NULL with
 *   %DZ_ERROR_INVALID_AXIS for an axis out of range or named twice, or
 *   %DZ_ERROR_SIZE_MISMATCH for a reduction over an axis of length 0
 */
DzVariable *
dz_max (DzVariable  *x,
        const gint  *axis,
        guint        n_axis,
        gboolean     keepdims,
        GError     **error)
{
  return apply_reduce (&max_def, x, axis, n_axis, keepdims, error);
}

static DzArray *
min_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return reduce_forward (DZ_REDUCE_MIN, p, xs[0], error);
}

static gboolean
min_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
              GError **error)
{
  return extreme_gradient ("Min", p, xs, y, gy, gxs, error);
}

static gboolean
min_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
              DzVariable **gxs, GError **error)
{
  return extreme_backward ("Min", p, xs, y, gy, gxs, error);
}

static DzOpDef min_def = {
  .name = "min", .class_name = "Min", .n_inputs = 1,
  .needs = DZ_OP_NEEDS_INPUTS | DZ_OP_NEEDS_OUTPUT,
  .params_size = sizeof (ReduceParams), .params = reduce_params, .n_params = 2,
  .forward = min_forward, .gradient = min_gradient, .backward = min_backward,
};

/**
 * dz_min:
 * @x: a #DzVariable with data
 * @axis: (array length=n_axis) (nullable): the axes to take the minimum
 *   over (negative ones count from the end), or %NULL for every axis; an
 *   empty array (non-%NULL with @n_axis 0) reduces none, as `axis=()` does
 * @n_axis: the length of @axis
 * @keepdims: whether the reduced axes stay, with length 1
 * @error: return location for a #GError
 *
 * The smallest element of @x over @axis, as NumPy's `min()`. As in
 * DeZero, the gradient goes to every element equal to the minimum of its
 * lane. int64 values reduce but take no gradient.
 *
 * Returns: (transfer full): the minima, or %NULL with
 *   %DZ_ERROR_INVALID_AXIS for an axis out of range or named twice, or
 *   %DZ_ERROR_SIZE_MISMATCH for a reduction over an axis of length 0
 */
DzVariable *
dz_min (DzVariable  *x,
        const gint  *axis,
        guint        n_axis,
        gboolean     keepdims,
        GError     **error)
{
  return apply_reduce (&min_def, x, axis, n_axis, keepdims, error);
}

/* Clip: y = min (max (x, x_min), x_max);  gx = gy * (x_min <= x <= x_max) */
typedef struct
{
  double x_min;
  double x_max;
} ClipParams;

static const DzParamSpec clip_params[] = {
  DZ_OP_PARAM (ClipParams, x_min, DZ_PARAM_DOUBLE),
  DZ_OP_PARAM (ClipParams, x_max, DZ_PARAM_DOUBLE),
};

/* @x clamped to [x_min, x_max] in float (int64 becomes float64, as NumPy
 * clips integers to Python floats). */
static DzArray *
clip_array (const ClipParams  *p,
            DzArray           *x,
            GError           **error)
{
  g_autoptr(DzArray) f = NULL;
  DzArray *out;

  if (isnan (p->x_min) || isnan (p->x_max))
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "Cannot clip to the bounds %g and %g", p->x_min, p->x_max);
      return NULL;
    }
  if (!dz_dtype_is_float (x->dtype)
      && (x = f = dz_array_astype (x, DZ_DTYPE_FLOAT64, error)) == NULL)
    return NULL;
  out = dz_array_new_uninitialized_like (x, error);
  /* NumPy computes minimum (maximum (x, x_min), x_max): bounds the wrong
   * way round give x_max everywhere. */
  if (out != NULL)
    dz_kernel_clip (x->dtype, x->size, x->data, MIN (p->x_min, p->x_max), p->x_max, out->data);
  return out;
}

/* 1 where x_min <= x <= x_max, else 0, in @dtype: DeZero's mask.
 * An element inside the bounds is the one clipping leaves unchanged. */
static DzArray *
clip_mask (const ClipParams  *p,
           DzArray           *x,
           DzDtype            dtype,
           GError           **error)
{
  g_autoptr(DzArray) f = NULL;
  DzArray *clipped;

  if (x->dtype != dtype && (x = f = dz_array_astype (x, dtype, error)) == NULL)
    return NULL;
  if (p->x_min > p->x_max)
    return dz_array_new_zeros_like (x, error);
  clipped = clip_array (p, x, error);
  return clipped ? dz_array_binary_take (DZ_BINARY_EQ, clipped, x, error) : NULL;
}

static DzArray *
clip_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return clip_array (p, xs[0], error);
}

static gboolean
clip_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
               GError **error)
{
  DzArray *mask = clip_mask (p, xs[0], gy->dtype, error);

  gxs[0] = mask ? dz_array_binary_take (DZ_BINARY_MUL, mask, gy, error) : NULL;
  g_object_unref (gy);
  return gxs[0] != NULL;
}

static gboolean
clip_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
               DzVariable **gxs, GError **error)
{
  DzArray *m = clip_mask (p, dz_variable_peek_data (xs[0]), dz_variable_get_dtype (gy), error);
  g_autoptr(DzVariable) mask = NULL;

  if (m == NULL)
    return FALSE;
  mask = dz_variable_new_constant (m);
  return (gxs[0] = dz_mul (gy, mask, error)) != NULL;
}

static DzOpDef clip_def = {
  .name = "clip", .class_name = "Clip", .n_inputs = 1, .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (ClipParams), .params = clip_params, .n_params = 2,
  .forward = clip_forward, .gradient = clip_gradient, .backward = clip_backward,
};

/**
 * dz_clip:
 * @x: a #DzVariable with data
 * @x_min: the lower bound
 * @x_max: the upper bound
 * @error: return location for a #GError
 *
 * Limits the elements of @x to [@x_min, @x_max], as NumPy's `clip()`
 * (`minimum (maximum (x, x_min), x_max)`, so bounds the wrong way round
 * give @x_max everywhere). float32 stays float32; int64 values give
 * float64. As in DeZero, the gradient passes where
 * `x_min <= x <= x_max` and is 0 elsewhere.
 *
 * Returns: (transfer full): the clipped values, or %NULL with
 *   %DZ_ERROR_INVALID_ARGUMENT when a bound is NaN
 */
DzVariable *
dz_clip (DzVariable  *x,
         double       x_min,
         double       x_max,
         GError     **error)
{
  ClipParams params = { x_min, x_max };

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return dz_op_apply (&clip_def, &params, &x, 1, error);
}

DzOpDef *const dz_ops_reduce[] = {
  &sum_def, &mean_def, &max_def, &min_def, &clip_def, NULL,
};
