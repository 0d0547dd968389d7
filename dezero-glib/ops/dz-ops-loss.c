/* dz-ops-loss.c: losses and metrics
 *
 * Each loss is one op with a fused array-level gradient (DeZero's
 * SoftmaxCrossEntropy and MeanSquaredError are single Functions too), and
 * a backward written with the public ops so that double backpropagation
 * works. Labels and targets are data: they take no gradient.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "dz-op-private.h"

/* A new 0-d array of @dtype holding @value. */
static DzArray *
new_scalar (DzDtype   dtype,
            double    value,
            GError  **error)
{
  DzArray *out = dz_array_new_uninitialized (dtype, NULL, 0, error);

  if (out == NULL)
    return NULL;
  if (dtype == DZ_DTYPE_FLOAT32)
    DZ_ARRAY_F32 (out)[0] = (float) value;
  else
    DZ_ARRAY_F64 (out)[0] = value;
  return out;
}

/* The value of a 0-d output gradient. */
static double
scalar_of (DzArray *gy)
{
  return dz_array_load (gy, 0);
}

/* MeanSquaredError: y = sum ((x0 - x1)^2) / len (x0 - x1);
 * gx0 = gy (x0 - x1) 2 / len, gx1 = -gx0, both summed to their shapes */

/* DeZero divides by len(diff): the first axis of the broadcast shape, not
 * the size. */
static gboolean
mse_length (DzArray  *x0,
            DzArray  *x1,
            gsize    *len,
            GError  **error)
{
  gsize shape[DZ_ARRAY_MAX_NDIM];
  guint ndim;

  if (!dz_broadcast_shapes (x0->shape, x0->ndim, x1->shape, x1->ndim, shape, &ndim, error))
    return FALSE;
  if (ndim == 0)
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                           "mean_squared_error divides by the length of the first axis; "
                           "0-d values have none");
      return FALSE;
    }
  *len = shape[0];
  return TRUE;
}

static gboolean
mse_check (const void *p, DzArray **xs, guint n, GError **error)
{
  gsize len;

  return mse_length (xs[0], xs[1], &len, error);
}

static DzArray *
mse_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  gboolean all[DZ_ARRAY_MAX_NDIM];
  g_autoptr(DzArray) sum = NULL;
  DzArray *sq;
  gsize len;

  if (!mse_length (xs[0], xs[1], &len, error))
    return NULL;
  sq = dz_array_binary (DZ_BINARY_SUB, xs[0], xs[1], error);
  sq = sq ? dz_array_unary_take (DZ_UNARY_SQUARE, sq, error) : NULL;
  if (sq == NULL)
    return NULL;
  for (guint d = 0; d < sq->ndim; d++)
    all[d] = TRUE;
  /* Summed in the values' dtype, as NumPy does (pairwise in float32). */
  sum = dz_array_reduce (DZ_REDUCE_SUM, sq, all, FALSE, error);
  g_object_unref (sq);
  if (sum == NULL)
    return NULL;
  /* Integers: NumPy's true division gives float64. */
  return new_scalar (dz_dtype_is_float (sum->dtype) ? sum->dtype : DZ_DTYPE_FLOAT64,
                     scalar_of (sum) / (double) len, error);
}

static gboolean
mse_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
              GError **error)
{
  double g = scalar_of (gy);
  DzArray *d;
  gsize len;

  g_object_unref (gy);
  if (!mse_length (xs[0], xs[1], &len, error))
    return FALSE;
  d = dz_array_binary (DZ_BINARY_SUB, xs[0], xs[1], error);
  d = d ? dz_array_affine_take (d, 2.0 * g / (double) len, 0.0, error) : NULL;
  if (d == NULL)
    return FALSE;
  gxs[1] = dz_array_unary (DZ_UNARY_NEG, d, error);
  gxs[0] = d;
  if (gxs[1] == NULL)
    return FALSE;
  gxs[0] = dz_op_array_sum_to (gxs[0], xs[0], error);
  gxs[1] = gxs[0] ? dz_op_array_sum_to (gxs[1], xs[1], error) : gxs[1];
  return gxs[0] != NULL && gxs[1] != NULL;
}

static gboolean
mse_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
              DzVariable **gxs, GError **error)
{
  g_autoptr(DzVariable) diff = NULL;
  g_autoptr(DzVariable) gd = NULL;
  g_autoptr(DzVariable) g = NULL;
  DzVariable *minus_g;
  gsize len;

  if (!mse_length (dz_variable_peek_data (xs[0]), dz_variable_peek_data (xs[1]), &len, error)
      || (diff = dz_sub (xs[0], xs[1], error)) == NULL
      || (gd = dz_mul (gy, diff, error)) == NULL
      || (g = dz_mul_scalar (gd, 2.0 / (double) len, error)) == NULL
      || (minus_g = dz_neg (g, error)) == NULL)
    return FALSE;
  gxs[1] = dz_op_sum_to_input (minus_g, xs[1], error);
  gxs[0] = gxs[1] ? dz_op_sum_to_input (g_object_ref (g), xs[0], error) : NULL;
  return gxs[0] != NULL;
}

static DzOpDef mse_def = {
  .name = "mean_squared_error", .class_name = "MeanSquaredError", .n_inputs = 2,
  .needs = DZ_OP_NEEDS_INPUTS,
  .check = mse_check, .forward = mse_forward,
  .gradient = mse_gradient, .backward = mse_backward,
};

/**
 * dz_mean_squared_error:
 * @x0: a #DzVariable with data, with at least one axis
 * @x1: a #DzVariable whose shape broadcasts with @x0's
 * @error: return location for a #GError
 *
 * Computes DeZero's `mean_squared_error`: `sum((x0 - x1) ** 2) / len(x0 -
 * x1)`, the squared differences summed and divided by the length of the
 * first axis (the batch size), not by the number of elements. The shapes
 * broadcast as NumPy's do (beware `(N, 1)` against `(N,)`, which gives
 * `(N, N)`); each gradient is summed back to its input's shape. The
 * result is a 0-d value of the inputs' float dtype (float64 for
 * integers), recorded in the graph while backpropagation is enabled.
 *
 * Returns: (transfer full): the loss, or %NULL with @error set:
 *   %DZ_ERROR_SHAPE_MISMATCH when the shapes do not broadcast or both
 *   inputs are 0-d
 */
DzVariable *
dz_mean_squared_error (DzVariable  *x0,
                       DzVariable  *x1,
                       GError     **error)
{
  return dz_op_apply_binary (&mse_def, x0, x1, error);
}

/* The class of each of the @n_rows rows of scores, from @t (int64, or
 * floats holding integers; of any shape with @n_rows elements, as DeZero
 * ravels it), each checked to lie in [0, n_classes). */
static gint64 *
read_labels (DzArray     *t,
             gsize        n_rows,
             gsize        n_classes,
             GError     **error)
{
  g_autofree gint64 *labels = NULL;

  if (t->size != n_rows)
    {
      g_autofree char *ts = dz_array_shape_to_string (t);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "%" G_GSIZE_FORMAT " rows of scores need %" G_GSIZE_FORMAT
                   " labels, not an array of shape %s", n_rows, n_rows, ts);
      return NULL;
    }

  labels = g_new (gint64, MAX (n_rows, 1));
  for (gsize i = 0; i < n_rows; i++)
    {
      double v = dz_array_load (t, i);

      if (t->dtype != DZ_DTYPE_INT64 && (v != floor (v) || !isfinite (v)))
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_DTYPE,
                       "Label %" G_GSIZE_FORMAT " is %g; labels are class indices", i, v);
          return NULL;
        }
      if (t->dtype == DZ_DTYPE_INT64)
        labels[i] = DZ_ARRAY_I64 (t)[i];
      else
        labels[i] = v >= 0 && v < (double) n_classes ? (gint64) v : -1;
      /* Negative labels are refused, not wrapped as NumPy indexing would:
       * -1 means "ignore" in other libraries, and silently training it as
       * the last class hides that mistake. */
      if (labels[i] < 0 || (guint64) labels[i] >= n_classes)
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_INDEX_OUT_OF_RANGE,
                       "Label %" G_GSIZE_FORMAT " is %g, out of range for %" G_GSIZE_FORMAT
                       " classes", i, v, n_classes);
          return NULL;
        }
    }
  return g_steal_pointer (&labels);
}

/* SoftmaxCrossEntropy: y = -sum (log_softmax (x)[i, t_i]) / N;
 * gx = gy (softmax (x) - onehot (t)) / N */
static gboolean
softmax_ce_check (const void *p, DzArray **xs, guint n, GError **error)
{
  g_autofree gint64 *labels = NULL;

  if (!dz_op_check_float ("softmax_cross_entropy", xs[0], error))
    return FALSE;
  if (xs[0]->ndim != 2)
    {
      g_autofree char *xs_ = dz_array_shape_to_string (xs[0]);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "softmax_cross_entropy takes scores of shape (N, C), not %s", xs_);
      return FALSE;
    }
  labels = read_labels (xs[1], xs[0]->shape[0], xs[0]->shape[1], error);
  return labels != NULL;
}

/* The softmax or log-sum-exp of each row of the (N, C) scores @x. */
static DzArray *
rows_kernel (DzSoftmaxOp   op,
             DzArray      *x,
             GError      **error)
{
  gsize shape[2] = { x->shape[0], op == DZ_LOGSUMEXP ? 1 : x->shape[1] };
  DzArray *out = dz_array_new_uninitialized (x->dtype, shape, 2, error);

  if (out != NULL && out->size > 0)
    dz_kernel_softmax (op, x->dtype, 2, x->shape, 1, x->data, out->data);
  return out;
}

static DzArray *
softmax_ce_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  DzArray *x = xs[0];
  gsize n_rows = x->shape[0], n_classes = x->shape[1];
  g_autofree gint64 *labels = read_labels (xs[1], n_rows, n_classes, error);
  g_autoptr(DzArray) lse = NULL;
  double sum = 0.0;

  if (labels == NULL || (lse = rows_kernel (DZ_LOGSUMEXP, x, error)) == NULL)
    return NULL;
  /* -log p[i, t_i] = logsumexp (x[i]) - x[i, t_i]: finite for any finite
   * scores, however large. */
  for (gsize i = 0; i < n_rows; i++)
    sum += dz_array_load (lse, i) - dz_array_load (x, i * n_classes + labels[i]);
  /* N = 0 gives 0 / 0 = NaN, as NumPy's mean of nothing. */
  return new_scalar (x->dtype, sum / (double) n_rows, error);
}

static gboolean
softmax_ce_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy,
                     DzArray **gxs, GError **error)
{
  DzArray *x = xs[0];
  gsize n_rows = x->shape[0], n_classes = x->shape[1];
  double g = scalar_of (gy);
  g_autofree gint64 *labels = read_labels (xs[1], n_rows, n_classes, error);
  DzArray *probs;

  g_object_unref (gy);
  if (labels == NULL || (probs = rows_kernel (DZ_SOFTMAX, x, error)) == NULL)
    return FALSE;
  for (gsize i = 0; i < n_rows; i++)
    {
      gsize k = i * n_classes + labels[i];

      if (probs->dtype == DZ_DTYPE_FLOAT32)
        DZ_ARRAY_F32 (probs)[k] -= 1.0f;
      else
        DZ_ARRAY_F64 (probs)[k] -= 1.0;
    }
  return (gxs[0] = dz_array_affine_take (probs, g / (double) n_rows, 0.0, error)) != NULL;
}

static gboolean
softmax_ce_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                     DzVariable **gxs, GError **error)
{
  DzArray *x = dz_variable_peek_data (xs[0]);
  gsize n_rows = x->shape[0], n_classes = x->shape[1];
  g_autofree gint64 *labels = read_labels (dz_variable_peek_data (xs[1]), n_rows, n_classes,
                                           error);
  g_autoptr(DzVariable) probs = NULL;
  g_autoptr(DzVariable) onehot = NULL;
  g_autoptr(DzVariable) d = NULL;
  g_autoptr(DzVariable) dg = NULL;
  DzArray *t;

  if (labels == NULL || (t = dz_array_new_zeros_like (x, error)) == NULL)
    return FALSE;
  for (gsize i = 0; i < n_rows; i++)
    {
      gsize k = i * n_classes + labels[i];

      if (t->dtype == DZ_DTYPE_FLOAT32)
        DZ_ARRAY_F32 (t)[k] = 1.0f;
      else
        DZ_ARRAY_F64 (t)[k] = 1.0;
    }
  onehot = dz_variable_new_constant (t);

  return (probs = dz_softmax (xs[0], 1, error)) != NULL
         && (d = dz_sub (probs, onehot, error)) != NULL
         && (dg = dz_mul (d, gy, error)) != NULL
         && (gxs[0] = dz_mul_scalar (dg, 1.0 / (double) n_rows, error)) != NULL;
}

static DzOpDef softmax_ce_def = {
  .name = "softmax_cross_entropy", .class_name = "SoftmaxCrossEntropy", .n_inputs = 2,
  .no_grad_inputs = 1 << 1, .needs = DZ_OP_NEEDS_INPUTS,
  .check = softmax_ce_check, .forward = softmax_ce_forward,
  .gradient = softmax_ce_gradient, .backward = softmax_ce_backward,
};

/**
 * dz_softmax_cross_entropy:
 * @x: a #DzVariable with float scores of shape `(N, C)`
 * @t: a #DzVariable with the class of each row: `N` int64 values in
 *   `[0, C)` of any shape (DeZero ravels it), or floats holding such
 *   integers
 * @error: return location for a #GError
 *
 * Computes DeZero's `softmax_cross_entropy`: the mean over the `N` rows of
 * `-log(softmax(x)[i, t[i]])`, through the log-sum-exp of each row so that
 * huge scores (1e4) neither overflow nor give `log(0)`. The result is a
 * 0-d value of @x's dtype, recorded in the graph while backpropagation is
 * enabled; @t takes no gradient. Negative labels are refused rather than
 * counted from the end as NumPy indexing would.
 *
 * Returns: (transfer full): the loss, or %NULL with @error set:
 *   %DZ_ERROR_SHAPE_MISMATCH when @x is not 2-d or @t does not hold `N`
 *   labels, %DZ_ERROR_INDEX_OUT_OF_RANGE for a label outside `[0, C)`,
 *   %DZ_ERROR_INVALID_DTYPE for integer scores or a label with a fraction
 */
DzVariable *
dz_softmax_cross_entropy (DzVariable  *x,
                          DzVariable  *t,
                          GError     **error)
{
  return dz_op_apply_binary (&softmax_ce_def, x, t, error);
}

/* SigmoidCrossEntropy: y = -sum (t log p + (1 - t) log (1 - p)) / N with
 * p = sigmoid (x), computed as sum (max (x, 0) - x t + log (1 + e^-|x|)) / N;
 * gx = gy (sigmoid (x) - t) / N */
static gboolean
sigmoid_ce_check (const void *p, DzArray **xs, guint n, GError **error)
{
  DzArray *x = xs[0], *t = xs[1];

  /* DeZero reshapes t to x's shape when their ndims differ; with equal
   * ndims, shapes that only broadcast are refused: they are a mistake. */
  if (x->ndim == 0 || t->size != x->size || (t->ndim == x->ndim && !dz_array_same_shape_ (x, t)))
    {
      g_autofree char *xs_ = dz_array_shape_to_string (x);
      g_autofree char *ts = dz_array_shape_to_string (t);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "sigmoid_cross_entropy needs scores with a batch axis and targets of "
                   "their shape, not %s and %s", xs_, ts);
      return FALSE;
    }
  return TRUE;
}

/* The float dtype scores @x are computed in. */
static DzDtype
float_dtype (DzArray *x)
{
  return dz_dtype_is_float (x->dtype) ? x->dtype : DZ_DTYPE_FLOAT64;
}

/* @t with @x's shape, as @dtype (transfer full). */
static DzArray *
targets_like (DzArray  *x,
              DzArray  *t,
              DzDtype   dtype,
              GError  **error)
{
  g_autoptr(DzArray) shaped = dz_array_reshape_resolved (t, x->shape, x->ndim);

  return dz_array_astype (shaped, dtype, error);
}

static DzArray *
sigmoid_ce_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  DzArray *x = xs[0], *t = xs[1];
  DzDtype dtype = float_dtype (x);
  double sum = 0.0;

  for (gsize i = 0; i < x->size; i++)
    {
      double v = dz_array_load (x, i);

      sum += (v > 0 ? v : 0.0) - v * dz_array_load (t, i) + log1p (exp (-fabs (v)));
    }
  /* NumPy promotes float32 scores times int64 or float64 targets to
   * float64. */
  if (dtype == DZ_DTYPE_FLOAT32 && t->dtype != DZ_DTYPE_FLOAT32 && t->ndim > 0)
    dtype = DZ_DTYPE_FLOAT64;
  return new_scalar (dtype, sum / (double) x->shape[0], error);
}

static gboolean
sigmoid_ce_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy,
                     DzArray **gxs, GError **error)
{
  DzArray *x = xs[0];
  double g = scalar_of (gy);
  g_autoptr(DzArray) t = NULL;
  DzArray *d;

  g_object_unref (gy);
  if ((t = targets_like (x, xs[1], float_dtype (x), error)) == NULL)
    return FALSE;
  d = dz_array_unary (DZ_UNARY_SIGMOID, x, error);
  d = d ? dz_array_binary_take (DZ_BINARY_SUB, d, t, error) : NULL;
  d = d ? dz_array_affine_take (d, g / (double) x->shape[0], 0.0, error) : NULL;
  return (gxs[0] = d) != NULL;
}

static gboolean
sigmoid_ce_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                     DzVariable **gxs, GError **error)
{
  DzArray *x = dz_variable_peek_data (xs[0]);
  DzArray *t = targets_like (x, dz_variable_peek_data (xs[1]), float_dtype (x), error);
  g_autoptr(DzVariable) target = t ? dz_variable_new_constant (t) : NULL;
  g_autoptr(DzVariable) probs = NULL;
  g_autoptr(DzVariable) d = NULL;
  g_autoptr(DzVariable) dg = NULL;

  return target != NULL
         && (probs = dz_sigmoid (xs[0], error)) != NULL
         && (d = dz_sub (probs, target, error)) != NULL
         && (dg = dz_mul (d, gy, error)) != NULL
         && (gxs[0] = dz_mul_scalar (dg, 1.0 / (double) x->shape[0], error)) != NULL;
}

static DzOpDef sigmoid_ce_def = {
  .name = "sigmoid_cross_entropy", .class_name = "SigmoidCrossEntropy", .n_inputs = 2,
  .no_grad_inputs = 1 << 1, .needs = DZ_OP_NEEDS_INPUTS,
  .check = sigmoid_ce_check, .forward = sigmoid_ce_forward,
  .gradient = sigmoid_ce_gradient, .backward = sigmoid_ce_backward,
};

/**
 * dz_sigmoid_cross_entropy:
 * @x: a #DzVariable with scores (logits), with a batch axis first
 * @t: a #DzVariable with the 0/1 targets: @x's shape, or any shape of
 *   @x's size (DeZero reshapes it when the ndims differ)
 * @error: return location for a #GError
 *
 * Computes DeZero's `sigmoid_cross_entropy`: `-sum(t log p + (1 - t)
 * log(1 - p)) / N` with `p = sigmoid(x)` and `N = len(x)`, the batch
 * size. It is computed as `sum(max(x, 0) - x t + log(1 + exp(-|x|))) / N`,
 * which is exact for any @x: DeZero clips `p` to `[1e-15, 1]` instead, so
 * it differs where `|x|` exceeds about 34, where DeZero's loss saturates
 * or becomes infinite. The result is a 0-d float value (float32 for
 * float32 scores and targets), recorded in the graph while
 * backpropagation is enabled; @t takes no gradient.
 *
 * Returns: (transfer full): the loss, or %NULL with
 *   %DZ_ERROR_SHAPE_MISMATCH when @x is 0-d or @t does not match it
 */
DzVariable *
dz_sigmoid_cross_entropy (DzVariable  *x,
                          DzVariable  *t,
                          GError     **error)
{
  return dz_op_apply_binary (&sigmoid_ce_def, x, t, error);
}

/* Accuracy: mean (argmax (y, axis=1) == t); not differentiable, so never
 * recorded (see DzOpDef.no_grad_inputs) */
static gboolean
accuracy_check (const void *p, DzArray **xs, guint n, GError **error)
{
  DzArray *y = xs[0], *t = xs[1];

  if (y->ndim < 2 || y->shape[1] == 0 || t->size != y->size / y->shape[1])
    {
      g_autofree char *ys = dz_array_shape_to_string (y);
      g_autofree char *ts = dz_array_shape_to_string (t);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "accuracy compares the argmax over axis 1 of scores with a label each; "
                   "scores of shape %s do not go with labels of shape %s", ys, ts);
      return FALSE;
    }
  return TRUE;
}

static DzArray *
accuracy_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  DzArray *y = xs[0], *t = xs[1];
  gsize outer = y->shape[0], len = y->shape[1], inner = 1, correct = 0;

  for (guint d = 2; d < y->ndim; d++)
    inner *= y->shape[d];

  for (gsize o = 0; o < outer; o++)
    for (gsize in = 0; in < inner; in++)
      {
        gsize base = o * len * inner + in, best = 0;
        double best_value = dz_array_load (y, base);

        /* NumPy's argmax: the first maximum, and a NaN beats everything. */
        for (gsize k = 1; k < len && !isnan (best_value); k++)
          {
            double v = dz_array_load (y, base + k * inner);

            if (v > best_value || isnan (v))
              {
                best = k;
                best_value = v;
              }
          }
        correct += dz_array_load (t, o * inner + in) == (double) best;
      }
  /* No rows: NaN, as NumPy's mean of nothing. */
  return dz_array_new_scalar ((double) correct / (double) t->size);
}

static DzOpDef accuracy_def = {
  .name = "accuracy", .class_name = "Accuracy", .n_inputs = 2, .no_grad_inputs = 1 << 0 | 1 << 1,
  .check = accuracy_check, .forward = accuracy_forward,
};

/**
 * dz_accuracy:
 * @y: a #DzVariable with scores of shape `(N, C, ...)`
 * @t: a #DzVariable with the labels: as many as `argmax(y, axis=1)` has
 *   elements, in any shape
 * @error: return location for a #GError
 *
 * Computes DeZero's `accuracy`: the fraction of rows whose highest score
 * (the first one on ties, as NumPy's `argmax`) is at their label. Labels
 * outside `[0, C)` simply never match. Like DeZero's, the result is not
 * differentiable: it is a new 0-d float64 variable that no graph
 * records, even while backpropagation is enabled.
 *
 * Returns: (transfer full): the accuracy in `[0, 1]` (NaN for no rows), or
 *   %NULL with %DZ_ERROR_SHAPE_MISMATCH when @y has fewer than 2 axes, an
 *   empty axis 1, or @t the wrong number of labels
 */
DzVariable *
dz_accuracy (DzVariable  *y,
             DzVariable  *t,
             GError     **error)
{
  return dz_op_apply_binary (&accuracy_def, y, t, error);
}

DzOpDef *const dz_ops_loss[] = {
  &mse_def, &softmax_ce_def, &sigmoid_ce_def, &accuracy_def, NULL,
};
