/* dz-ops-nn.c: batch normalization, embeddings and the LSTM cell
 *
 * BatchNorm is one op on (x, gamma, beta) that normalizes with the batch's
 * statistics, or on (x, gamma, beta, mean, var) that normalizes with the
 * given ones: the running averages are not part of the op, so the op is a
 * pure function and its update (dz_batch_norm()) never changes a value a
 * recorded graph reads. Its backward is written with the public ops, so
 * that double backpropagation works; the ordinary pass runs it on arrays.
 *
 * EmbedID gathers rows of W; its gradient scatters them back (EmbedIDGrad,
 * whose own gradient is EmbedID again, as GetItem and GetItemGrad).
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "dz-config.h"
#include "dz-op-private.h"
#include "dz-index.h"
#include "dz-ops-activation.h"
#include "dz-ops-linalg.h"
#include "dz-ops-nn.h"
#include "dz-ops-reduce.h"
#include "dz-ops-shape.h"

/* Only float arrays reach these (the checks refuse the others). */
static inline double
at (DzArray *a,
    gsize    i)
{
  return a->dtype == DZ_DTYPE_FLOAT32 ? DZ_ARRAY_F32 (a)[i] : DZ_ARRAY_F64 (a)[i];
}

static inline void
put (DzArray *a,
     gsize    i,
     double   v)
{
  if (a->dtype == DZ_DTYPE_FLOAT32)
    DZ_ARRAY_F32 (a)[i] = (float) v;
  else
    DZ_ARRAY_F64 (a)[i] = v;
}

/* BatchNorm: with xhat = (x - mean) / sqrt (var + eps) per channel,
 * y = gamma xhat + beta;  gbeta = sum (gy), ggamma = sum (gy xhat), and
 * gx = gamma / sqrt (var + eps) (gy - mean (gy) - xhat mean (gy xhat))
 * with batch statistics, gx = gamma gy / sqrt (var + eps) with given ones.
 * Channels are axis 1 of (N, C) or (N, C, H, W) (DeZero's layout). */

typedef struct
{
  double eps;
} BatchNormParams;

static const DzParamSpec batch_norm_params[] = {
  DZ_OP_PARAM (BatchNormParams, eps, DZ_PARAM_DOUBLE),
};

static const char *const bn_input_names[] = { "x", "gamma", "beta", "mean", "var" };

/* x as (N, C, S): S is H W for 4-d inputs. */
static void
bn_layout (DzArray *x,
           gsize   *N,
           gsize   *C,
           gsize   *S)
{
  *N = x->shape[0];
  *C = x->shape[1];
  *S = x->ndim == 4 ? x->shape[2] * x->shape[3] : 1;
}

static gboolean
bn_check_x (DzArray  *x,
            GError  **error)
{
  if (!dz_op_check_float ("batch_norm", x, error))
    return FALSE;
  if (x->ndim != 2 && x->ndim != 4)
    {
      g_autofree char *xs = dz_array_shape_to_string (x);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "batch_norm takes x of shape (N, C) or (N, C, H, W), not %s", xs);
      return FALSE;
    }
  return TRUE;
}

/* gamma, beta and the statistics hold one float per channel. */
static gboolean
bn_check_channels (const char  *name,
                   DzArray     *v,
                   DzArray     *x,
                   GError     **error)
{
  if (!dz_op_check_float ("batch_norm", v, error))
    return FALSE;
  if (v->ndim != 1 || v->shape[0] != x->shape[1])
    {
      g_autofree char *vs = dz_array_shape_to_string (v);
      g_autofree char *xs = dz_array_shape_to_string (x);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "batch_norm: %s has shape %s; x of shape %s needs (%" G_GSIZE_FORMAT
                   ",), one value per channel (axis 1)", name, vs, xs, x->shape[1]);
      return FALSE;
    }
  return TRUE;
}

static gboolean
bn_check (const void *p, DzArray **xs, guint n, GError **error)
{
  const BatchNormParams *params = p;

  if (n != 3 && n != 5)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT,
                   "BatchNorm takes x, gamma and beta, and optionally the mean and "
                   "variance to normalize with: 3 or 5 inputs, not %u", n);
      return FALSE;
    }
  if (!(params->eps >= 0.0 && isfinite (params->eps)))
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "batch_norm: eps must be finite and not negative, not %g", params->eps);
      return FALSE;
    }
  if (!bn_check_x (xs[0], error))
    return FALSE;
  for (guint i = 1; i < n; i++)
    if (!bn_check_channels (bn_input_names[i], xs[i], xs[0], error))
      return FALSE;
  return TRUE;
}

/* The mean and (biased) variance of each channel of @x, in two passes as
 * NumPy's var. */
static void
bn_batch_stats (DzArray *x,
                double  *mean,
                double  *var)
{
  gsize N, C, S;

  bn_layout (x, &N, &C, &S);
  for (gsize c = 0; c < C; c++)
    {
      double sum = 0.0, sq = 0.0;
      double m;

      for (gsize i = 0; i < N; i++)
        for (gsize s = 0; s < S; s++)
          sum += at (x, (i * C + c) * S + s);
      m = sum / (double) (N * S);
      for (gsize i = 0; i < N; i++)
        for (gsize s = 0; s < S; s++)
          {
            double d = at (x, (i * C + c) * S + s) - m;
            sq += d * d;
          }
      mean[c] = m;
      var[c] = sq / (double) (N * S);
    }
}

static DzArray *
bn_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  const BatchNormParams *params = p;
  DzArray *x = xs[0], *gamma = xs[1], *beta = xs[2];
  DzDtype dtype = DZ_DTYPE_FLOAT32;
  g_autofree double *mean = NULL;
  g_autofree double *var = NULL;
  DzArray *y;
  gsize N, C, S;

  for (guint i = 0; i < n; i++)
    if (xs[i]->dtype != DZ_DTYPE_FLOAT32)
      dtype = DZ_DTYPE_FLOAT64;
  y = dz_array_new_uninitialized (dtype, x->shape, x->ndim, error);
  if (y == NULL)
    return NULL;

  bn_layout (x, &N, &C, &S);
  mean = g_new (double, MAX (C, 1));
  var = g_new (double, MAX (C, 1));
  if (n == 3)
    bn_batch_stats (x, mean, var);
  else
    for (gsize c = 0; c < C; c++)
      {
        mean[c] = at (xs[3], c);
        var[c] = at (xs[4], c);
      }

  for (gsize c = 0; c < C; c++)
    {
      double inv_std = 1.0 / sqrt (var[c] + params->eps);
      double g = at (gamma, c), b = at (beta, c);

      for (gsize i = 0; i < N; i++)
        for (gsize s = 0; s < S; s++)
          {
            gsize k = (i * C + c) * S + s;

            put (y, k, g * ((at (x, k) - mean[c]) * inv_std) + b);
          }
    }
  return y;
}

static gboolean
bn_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
             DzVariable **gxs, GError **error)
{
  const BatchNormParams *params = p;
  DzArray *x = dz_variable_peek_data (xs[0]);
  static const gint axes_2d[] = { 0 };
  static const gint axes_4d[] = { 0, 2, 3 };
  const gint *axes = x->ndim == 4 ? axes_4d : axes_2d;
  guint n_axes = x->ndim == 4 ? 3 : 1;
  /* A per-channel vector laid along axis 1 of x. */
  gssize bshape[4] = { 1, (gssize) x->shape[1], 1, 1 };
  g_autoptr(DzVariable) g = NULL;
  g_autoptr(DzVariable) mu = NULL;
  g_autoptr(DzVariable) xc = NULL;
  g_autoptr(DzVariable) sq = NULL;
  g_autoptr(DzVariable) var = NULL;
  g_autoptr(DzVariable) ve = NULL;
  g_autoptr(DzVariable) inv_std = NULL;
  g_autoptr(DzVariable) xhat = NULL;
  g_autoptr(DzVariable) gy_xhat = NULL;
  g_autoptr(DzVariable) scale = NULL;
  g_autoptr(DzVariable) mean_gy = NULL;
  g_autoptr(DzVariable) mean_gy_xhat = NULL;
  g_autoptr(DzVariable) t1 = NULL;
  g_autoptr(DzVariable) t2 = NULL;
  g_autoptr(DzVariable) inner = NULL;

  if ((g = dz_reshape (xs[1], bshape, x->ndim, error)) == NULL)
    return FALSE;
  if (n == 3)
    {
      if ((mu = dz_mean (xs[0], axes, n_axes, TRUE, error)) == NULL
          || (xc = dz_sub (xs[0], mu, error)) == NULL
          || (sq = dz_square (xc, error)) == NULL
          || (var = dz_mean (sq, axes, n_axes, TRUE, error)) == NULL)
        return FALSE;
    }
  else if ((mu = dz_reshape (xs[3], bshape, x->ndim, error)) == NULL
           || (xc = dz_sub (xs[0], mu, error)) == NULL
           || (var = dz_reshape (xs[4], bshape, x->ndim, error)) == NULL)
    return FALSE;

  if ((ve = dz_add_scalar (var, params->eps, error)) == NULL
      || (inv_std = dz_pow (ve, -0.5, error)) == NULL
      || (xhat = dz_mul (xc, inv_std, error)) == NULL
      || (gy_xhat = dz_mul (gy, xhat, error)) == NULL
      || (gxs[2] = dz_sum (gy, axes, n_axes, FALSE, error)) == NULL
      || (gxs[1] = dz_sum (gy_xhat, axes, n_axes, FALSE, error)) == NULL
      || (scale = dz_mul (g, inv_std, error)) == NULL)
    return FALSE;

  /* With given statistics they are inputs like the others (dz_batch_norm()
   * passes the running averages as constants, so they get none). */
  if (n == 5)
    return (gxs[0] = dz_mul (gy, scale, error)) != NULL
           && (t1 = dz_sum (gxs[0], axes, n_axes, FALSE, error)) != NULL
           && (gxs[3] = dz_neg (t1, error)) != NULL
           && (t2 = dz_mul (scale, inv_std, error)) != NULL
           && (inner = dz_mul (gy_xhat, t2, error)) != NULL
           && (mean_gy = dz_sum (inner, axes, n_axes, FALSE, error)) != NULL
           && (gxs[4] = dz_mul_scalar (mean_gy, -0.5, error)) != NULL;

  return (mean_gy = dz_mean (gy, axes, n_axes, TRUE, error)) != NULL
         && (mean_gy_xhat = dz_mean (gy_xhat, axes, n_axes, TRUE, error)) != NULL
         && (t1 = dz_sub (gy, mean_gy, error)) != NULL
         && (t2 = dz_mul (xhat, mean_gy_xhat, error)) != NULL
         && (inner = dz_sub (t1, t2, error)) != NULL
         && (gxs[0] = dz_mul (inner, scale, error)) != NULL;
}

static DzOpDef batch_norm_def = {
  .name = "batch_norm", .class_name = "BatchNorm", .n_inputs = 0,
  .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (BatchNormParams), .params = batch_norm_params,
  .n_params = G_N_ELEMENTS (batch_norm_params),
  .check = bn_check, .forward = bn_forward, .backward = bn_backward,
};

/* DeZero's update of the averages: avg = decay avg + (1 - decay) stat, the
 * variance scaled by m / (m - 1) (m values per channel; by m / 1 when
 * m <= 2, as DeZero's `s = m - 1. if m - 1. > 1. else 1.`). New arrays
 * are set on the variables: arrays never change once made. */
static gboolean
bn_update_running (DzArray     *x,
                   DzVariable  *running_mean,
                   DzVariable  *running_var,
                   double       decay,
                   GError     **error)
{
  DzArray *old_mean = dz_variable_peek_data (running_mean);
  DzArray *old_var = dz_variable_peek_data (running_var);
  g_autofree double *mean = NULL;
  g_autofree double *var = NULL;
  g_autoptr(DzArray) new_mean = NULL;
  g_autoptr(DzArray) new_var = NULL;
  gsize N, C, S;
  double m, s, adjust;

  bn_layout (x, &N, &C, &S);
  m = (double) (N * S);
  s = m - 1.0 > 1.0 ? m - 1.0 : 1.0;
  adjust = m / s;
  mean = g_new (double, MAX (C, 1));
  var = g_new (double, MAX (C, 1));
  bn_batch_stats (x, mean, var);

  if ((new_mean = dz_array_new_uninitialized_like (old_mean, error)) == NULL
      || (new_var = dz_array_new_uninitialized_like (old_var, error)) == NULL)
    return FALSE;
  for (gsize c = 0; c < C; c++)
    {
      put (new_mean, c, at (old_mean, c) * decay + (1.0 - decay) * mean[c]);
      put (new_var, c, at (old_var, c) * decay + (1.0 - decay) * adjust * var[c]);
    }
  dz_variable_set_data (running_mean, new_mean);
  dz_variable_set_data (running_var, new_var);
  return TRUE;
}

static gboolean
bn_check_running (const char  *name,
                  DzVariable  *v,
                  DzArray     *x,
                  GError     **error)
{
  DzArray *a = dz_variable_peek_data (v);

  if (a == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_NO_DATA, "batch_norm: %s has no data", name);
      return FALSE;
    }
  return bn_check_channels (name, a, x, error);
}

/**
 * dz_batch_norm:
 * @x: a #DzVariable of float values of shape (N, C) or (N, C, H, W)
 * @gamma: the scale of each channel, of shape (C,)
 * @beta: the shift of each channel, of shape (C,)
 * @running_mean: (nullable): the running average of the channels' means,
 *   of shape (C,); needed in test mode
 * @running_var: (nullable): the running average of the channels'
 *   variances, of shape (C,); needed in test mode
 * @decay: the weight of the old average in the update, in [0, 1] (DeZero's
 *   default is 0.9)
 * @eps: added to the variance before its square root (DeZero's default is
 *   2e-5)
 * @error: return location for a #GError
 *
 * Batch normalization, as DeZero's `F.batch_nrom`: each channel (axis 1) of
 * @x is normalized, `xhat = (x - mean) / sqrt (var + eps)`, then scaled and
 * shifted, `gamma xhat + beta`.
 *
 * In training mode (dz_get_train()) the mean and the (biased) variance
 * are the batch's, over every axis but 1, and the gradient flows through
 * them; then, when both are given, the running averages are replaced by
 * new arrays (dz_variable_set_data()) with DeZero's update: `decay avg +
 * (1 - decay) mean` and `decay avg + (1 - decay) m / (m - 1) var`, the
 * unbiased variance of the m = N H W values per channel (m / 1 when
 * m <= 2). In test mode the running averages are used as they are and
 * not changed. Gradients go to @x, @gamma and @beta, never to the
 * averages.
 *
 * The result is float32 when every input is, else float64.
 *
 * Returns: (transfer full): the normalized values, of @x's shape, or %NULL
 *   with @error set: %DZ_ERROR_SHAPE_MISMATCH for an @x not 2-d or 4-d or
 *   a per-channel value not of shape (C,), %DZ_ERROR_INVALID_DTYPE for
 *   integers, %DZ_ERROR_INVALID_ARGUMENT for a @decay outside [0, 1], a
 *   negative @eps, or missing averages in test mode
 */
DzVariable *
dz_batch_norm (DzVariable  *x,
               DzVariable  *gamma,
               DzVariable  *beta,
               DzVariable  *running_mean,
               DzVariable  *running_var,
               double       decay,
               double       eps,
               GError     **error)
{
  BatchNormParams params = { .eps = eps };
  DzVariable *inputs[5] = { x, gamma, beta, running_mean, running_var };
  gboolean train = dz_get_train ();
  gboolean update;
  DzArray *xa;
  DzVariable *y;

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (DZ_IS_VARIABLE (gamma), NULL);
  g_return_val_if_fail (DZ_IS_VARIABLE (beta), NULL);
  g_return_val_if_fail (running_mean == NULL || DZ_IS_VARIABLE (running_mean), NULL);
  g_return_val_if_fail (running_var == NULL || DZ_IS_VARIABLE (running_var), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(decay >= 0.0 && decay <= 1.0))
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "batch_norm: decay must be in [0, 1], not %g", decay);
      return NULL;
    }
  if ((running_mean == NULL) != (running_var == NULL) || (!train && running_mean == NULL))
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                           train ? "batch_norm takes both running averages or neither"
                                 : "batch_norm in test mode needs the running mean and variance");
      return NULL;
    }
  if (!train)
    {
      DzArray *mean = dz_variable_peek_data (running_mean);
      DzArray *var = dz_variable_peek_data (running_var);
      g_autoptr(DzVariable) mean_c = NULL;
      g_autoptr(DzVariable) var_c = NULL;

      if (mean == NULL || var == NULL)
        {
          g_set_error_literal (error, DZ_ERROR, DZ_ERROR_NO_DATA,
                               "batch_norm: a running average has no data");
          return NULL;
        }
      /* The averages are state, not something to learn: constants of the
       * graph, as DeZero's ndarrays. */
      inputs[3] = mean_c = dz_variable_new_constant (g_object_ref (mean));
      inputs[4] = var_c = dz_variable_new_constant (g_object_ref (var));
      return dz_op_apply (&batch_norm_def, &params, inputs, 5, error);
    }

  update = running_mean != NULL;
  xa = dz_variable_peek_data (x);
  if (update && xa != NULL
      && (!bn_check_x (xa, error)
          || !bn_check_running ("the running mean", running_mean, xa, error)
          || !bn_check_running ("the running variance", running_var, xa, error)))
    return NULL;
  y = dz_op_apply (&batch_norm_def, &params, inputs, 3, error);
  if (y != NULL && update && !bn_update_running (xa, running_mean, running_var, decay, error))
    g_clear_object (&y);
  return y;
}

/* EmbedID: y[..., :] = W[ids[...], :];  gW = embed_id_grad (ids, gy), the
 * rows of gy added at their ids (repeated ids accumulate).
 * EmbedIDGrad: its gradient is embed_id (ids, gy). */

typedef struct
{
  gint n_rows;
} EmbedIDGradParams;

static const DzParamSpec embed_id_grad_params[] = {
  DZ_OP_PARAM (EmbedIDGradParams, n_rows, DZ_PARAM_INT),
};

static gboolean
check_ids (const char  *op,
           DzArray     *ids,
           gsize        n_rows,
           GError     **error)
{
  const gint64 *v;

  if (ids->dtype != DZ_DTYPE_INT64)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_DTYPE,
                   "%s takes int64 ids, not %s", op, dz_dtype_get_name (ids->dtype));
      return FALSE;
    }
  if (ids->ndim >= DZ_ARRAY_MAX_NDIM)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "%s: ids of %u axes would give an output of more than %d", op,
                   ids->ndim, DZ_ARRAY_MAX_NDIM);
      return FALSE;
    }
  v = DZ_ARRAY_I64 (ids);
  for (gsize i = 0; i < ids->size; i++)
    /* Negative ids are refused, not counted from the end as NumPy's
     * W[x] would: a -1 "padding" id is a mistake to report. */
    if (v[i] < 0 || (guint64) v[i] >= n_rows)
      {
        g_set_error (error, DZ_ERROR, DZ_ERROR_INDEX_OUT_OF_RANGE,
                     "%s: id %" G_GINT64_FORMAT " (at flat position %" G_GSIZE_FORMAT
                     ") is out of range for %" G_GSIZE_FORMAT " rows", op, v[i], i, n_rows);
        return FALSE;
      }
  return TRUE;
}

/* W's rows at @ids, of shape ids.shape + (D,). */
static DzArray *
gather_rows (DzArray  *ids,
             DzArray  *W,
             GError  **error)
{
  gsize shape[DZ_ARRAY_MAX_NDIM];
  gsize D = W->shape[1];
  gsize row = D * dz_dtype_get_item_size (W->dtype);
  DzArray *y;

  memcpy (shape, ids->shape, ids->ndim * sizeof (gsize));
  shape[ids->ndim] = D;
  y = dz_array_new_uninitialized (W->dtype, shape, ids->ndim + 1, error);
  if (y == NULL || row == 0)
    return y;
  for (gsize i = 0; i < ids->size; i++)
    memcpy ((guint8 *) y->data + i * row, (guint8 *) W->data + DZ_ARRAY_I64 (ids)[i] * row, row);
  return y;
}

/* Zeros of shape (@n_rows, D) with the rows of @g (ids.shape + (D,)) added
 * at their ids. */
static DzArray *
scatter_rows (DzArray  *ids,
              DzArray  *g,
              gsize     n_rows,
              GError  **error)
{
  gsize D = g->shape[g->ndim - 1];
  gsize shape[2] = { n_rows, D };
  DzArray *gW = dz_array_new_full_typed (g->dtype, shape, 2, 0.0, error);

  if (gW == NULL)
    return NULL;
  for (gsize i = 0; i < ids->size; i++)
    {
      gsize dst = DZ_ARRAY_I64 (ids)[i] * D, src = i * D;

      if (g->dtype == DZ_DTYPE_FLOAT32)
        for (gsize j = 0; j < D; j++)
          DZ_ARRAY_F32 (gW)[dst + j] += DZ_ARRAY_F32 (g)[src + j];
      else
        for (gsize j = 0; j < D; j++)
          DZ_ARRAY_F64 (gW)[dst + j] += DZ_ARRAY_F64 (g)[src + j];
    }
  return gW;
}

static gboolean
embed_id_check (const void *p, DzArray **xs, guint n, GError **error)
{
  DzArray *W = xs[1];

  if (!dz_op_check_float ("embed_id", W, error))
    return FALSE;
  if (W->ndim != 2)
    {
      g_autofree char *ws = dz_array_shape_to_string (W);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "embed_id takes W of shape (rows, D), not %s", ws);
      return FALSE;
    }
  return check_ids ("embed_id", xs[0], W->shape[0], error);
}

static DzArray *
embed_id_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return gather_rows (xs[0], xs[1], error);
}

static gboolean
embed_id_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy,
                   DzArray **gxs, GError **error)
{
  gboolean ok = TRUE;

  if (dz_op_input_needs_grad (1))
    ok = (gxs[1] = scatter_rows (xs[0], gy, xs[1]->shape[0], error)) != NULL;
  g_object_unref (gy);
  return ok;
}

static DzOpDef embed_id_grad_def;

static gboolean
embed_id_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                   DzVariable **gxs, GError **error)
{
  DzArray *W = dz_variable_peek_data (xs[1]);
  EmbedIDGradParams params = { .n_rows = (gint) W->shape[0] };
  DzVariable *inputs[2] = { xs[0], gy };

  return (gxs[1] = dz_op_apply (&embed_id_grad_def, &params, inputs, 2, error)) != NULL;
}

static DzOpDef embed_id_def = {
  .name = "embed_id", .class_name = "EmbedID", .n_inputs = 2,
  .no_grad_inputs = 1 << 0, .needs = DZ_OP_NEEDS_INPUTS,
  .check = embed_id_check, .forward = embed_id_forward,
  .gradient = embed_id_gradient, .backward = embed_id_backward,
};

static gboolean
embed_id_grad_check (const void *p, DzArray **xs, guint n, GError **error)
{
  const EmbedIDGradParams *params = p;
  DzArray *ids = xs[0], *g = xs[1];
  gboolean fits = g->ndim == ids->ndim + 1;

  if (params->n_rows < 1)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "embed_id_grad needs n_rows of at least 1, not %d", params->n_rows);
      return FALSE;
    }
  if (!dz_op_check_float ("embed_id_grad", g, error))
    return FALSE;
  for (guint d = 0; fits && d < ids->ndim; d++)
    fits = g->shape[d] == ids->shape[d];
  if (!fits)
    {
      g_autofree char *is = dz_array_shape_to_string (ids);
      g_autofree char *gs = dz_array_shape_to_string (g);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "embed_id_grad: the gradient of shape %s is not the ids' shape %s "
                   "plus one axis", gs, is);
      return FALSE;
    }
  return check_ids ("embed_id_grad", ids, params->n_rows, error);
}

static DzArray *
embed_id_grad_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return scatter_rows (xs[0], xs[1], ((const EmbedIDGradParams *) p)->n_rows, error);
}

static gboolean
embed_id_grad_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy,
                        DzArray **gxs, GError **error)
{
  gxs[1] = gather_rows (xs[0], gy, error);
  g_object_unref (gy);
  return gxs[1] != NULL;
}

static gboolean
embed_id_grad_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                        DzVariable **gxs, GError **error)
{
  return (gxs[1] = dz_embed_id (xs[0], gy, error)) != NULL;
}

static DzOpDef embed_id_grad_def = {
  .name = "embed_id_grad", .class_name = "EmbedIDGrad", .n_inputs = 2,
  .no_grad_inputs = 1 << 0, .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (EmbedIDGradParams), .params = embed_id_grad_params,
  .n_params = G_N_ELEMENTS (embed_id_grad_params),
  .check = embed_id_grad_check, .forward = embed_id_grad_forward,
  .gradient = embed_id_grad_gradient, .backward = embed_id_grad_backward,
};

/**
 * dz_embed_id:
 * @ids: a #DzVariable of int64 row numbers, of any shape
 * @W: a #DzVariable of float values of shape (rows, D)
 * @error: return location for a #GError
 *
 * The rows of @W at @ids, as DeZero's `F.embed_id` (`W[ids]`): the result
 * has shape `ids.shape + (D,)` and @W's dtype. The gradient of @W adds
 * each row of the output gradient at its id, so that an id used several
 * times gets the sum; @ids takes none.
 *
 * Returns: (transfer full): the rows, or %NULL with @error set:
 *   %DZ_ERROR_INVALID_DTYPE for ids that are not int64 or an integer @W,
 *   %DZ_ERROR_INDEX_OUT_OF_RANGE for an id outside [0, rows) (negative
 *   ids are refused, not counted from the end),
 *   %DZ_ERROR_SHAPE_MISMATCH for a @W that is not 2-d
 */
DzVariable *
dz_embed_id (DzVariable  *ids,
             DzVariable  *W,
             GError     **error)
{
  DzVariable *inputs[2] = { ids, W };

  g_return_val_if_fail (DZ_IS_VARIABLE (ids), NULL);
  g_return_val_if_fail (DZ_IS_VARIABLE (W), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return dz_op_apply (&embed_id_def, NULL, inputs, 2, error);
}


/* LSTMCell: one step of DeZero's LSTM on x (N, D), with the state h, c
 * (N, H) and the eight Linear layers' parameters, or without a state (the
 * first step: no h2* terms and c = i u). The op is pure and has one
 * output, (N, 6H) = [h, c, f, i, o, u]: the new state and the gate
 * activations, which the gradient reads instead of recomputing them. The
 * gate pre-activations are written by the products straight into the
 * output's gate columns (ldc = 6H), so no weights are ever concatenated;
 * one element-wise pass then applies the gates. */

enum { LSTM_F, LSTM_I, LSTM_O, LSTM_U };

/* Input positions: x, [h, c,] Wx[4], b[4], [Wh[4]]. */
typedef struct
{
  gboolean state;
  guint x, h, c, wx, b, wh;
} LstmLayout;

static LstmLayout
lstm_layout (guint n)
{
  if (n == 15)
    return (LstmLayout) { TRUE, 0, 1, 2, 3, 7, 11 };
  return (LstmLayout) { FALSE, 0, 0, 0, 1, 5, 0 };
}

static gboolean
lstm_check_shape (const char  *what,
                  DzArray     *a,
                  gsize        d0,
                  gsize        d1,
                  guint        ndim,
                  GError     **error)
{
  if (!dz_op_check_float ("lstm_cell", a, error))
    return FALSE;
  if (a->ndim != ndim || a->shape[0] != d0 || (ndim == 2 && a->shape[1] != d1))
    {
      g_autofree char *s = dz_array_shape_to_string (a);

      if (ndim == 2)
        g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                     "lstm_cell: %s has shape %s, not (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")",
                     what, s, d0, d1);
      else
        g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                     "lstm_cell: %s has shape %s, not (%" G_GSIZE_FORMAT ",)", what, s, d0);
      return FALSE;
    }
  return TRUE;
}

static gboolean
lstm_check (const void *p, DzArray **xs, guint n, GError **error)
{
  LstmLayout l = lstm_layout (n);
  gsize N, D, H;

  if (n != 9 && n != 15)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT,
                   "lstm_cell takes 9 inputs (x, Wx x4, b x4) or 15 (x, h, c, Wx x4, b x4, "
                   "Wh x4), not %u", n);
      return FALSE;
    }
  if (!dz_op_check_float ("lstm_cell", xs[l.x], error))
    return FALSE;
  if (xs[l.x]->ndim != 2)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "lstm_cell: x must be 2-d (N, D), not %u-d", xs[l.x]->ndim);
      return FALSE;
    }
  N = xs[l.x]->shape[0];
  D = xs[l.x]->shape[1];
  if (xs[l.wx]->ndim != 2)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "lstm_cell: the input weights must be 2-d (D, H), not %u-d", xs[l.wx]->ndim);
      return FALSE;
    }
  H = xs[l.wx]->shape[1];
  for (guint g = 0; g < 4; g++)
    if (!lstm_check_shape ("an input weight", xs[l.wx + g], D, H, 2, error)
        || !lstm_check_shape ("a bias", xs[l.b + g], H, 0, 1, error)
        || (l.state && !lstm_check_shape ("a hidden weight", xs[l.wh + g], H, H, 2, error)))
      return FALSE;
  return !l.state
         || (lstm_check_shape ("h", xs[l.h], N, H, 2, error)
             && lstm_check_shape ("c", xs[l.c], N, H, 2, error));
}

/* The inputs in the op's dtype: float32 when all are, else float64. */
static DzDtype
lstm_dtype (DzArray **xs,
            guint     n)
{
  for (guint i = 0; i < n; i++)
    if (xs[i]->dtype != DZ_DTYPE_FLOAT32)
      return DZ_DTYPE_FLOAT64;
  return DZ_DTYPE_FLOAT32;
}

/* FALSE with @error set when a conversion fails (memory); @as is then
 * still for lstm_unref_inputs(). */
static gboolean
lstm_cast_inputs (DzArray **xs,
                  guint     n,
                  DzDtype   dtype,
                  DzArray **as,
                  GError  **error)
{
  for (guint i = 0; i < n; i++)
    {
      as[i] = xs[i]->dtype == dtype ? g_object_ref (xs[i]) : dz_array_astype (xs[i], dtype, error);
      if (as[i] == NULL)
        return FALSE;
    }
  return TRUE;
}

static void
lstm_unref_inputs (DzArray **as,
                   guint     n)
{
  for (guint i = 0; i < n; i++)
    g_clear_object (&as[i]);
}

static DzArray *
lstm_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  LstmLayout l = lstm_layout (n);
  DzDtype dtype = lstm_dtype (xs, n);
  gsize item = dz_dtype_get_item_size (dtype);
  DzArray *as[15] = { NULL, };
  gsize N = xs[l.x]->shape[0], D = xs[l.x]->shape[1], H = xs[l.wx]->shape[1];
  gsize shape[2] = { N, 6 * H };
  DzArray *y = dz_array_new_uninitialized (dtype, shape, 2, error);

  if (y == NULL)
    return NULL;
  if (!lstm_cast_inputs (xs, n, dtype, as, error))
    {
      lstm_unref_inputs (as, n);
      g_object_unref (y);
      return NULL;
    }
  for (guint g = 0; g < 4; g++)
    {
      guint8 *gate = (guint8 *) y->data + (2 + g) * H * item;

      /* The bias in each row, then x Wx (and h Wh) added onto it. */
      for (gsize r = 0; r < N; r++)
        memcpy (gate + r * 6 * H * item, as[l.b + g]->data, H * item);
      dz_kernel_gemm (dtype, FALSE, FALSE, N, H, D, as[l.x]->data, D,
                      as[l.wx + g]->data, H, 1.0, gate, 6 * H);
      if (l.state)
        dz_kernel_gemm (dtype, FALSE, FALSE, N, H, H, as[l.h]->data, H,
                        as[l.wh + g]->data, H, 1.0, gate, 6 * H);
    }
  dz_kernel_lstm_forward (dtype, N, H, y->data, l.state ? as[l.c]->data : NULL);
  lstm_unref_inputs (as, n);
  return y;
}

/* Column sums of the (N, H) block at @g with row stride @ld into @out. */
static void
lstm_column_sums (DzDtype     dtype,
                  const void *g,
                  gsize       N,
                  gsize       H,
                  gsize       ld,
                  DzArray    *out)
{
  if (dtype == DZ_DTYPE_FLOAT32)
    {
      const float *src = g;
      float *dst = out->data;

      memset (dst, 0, H * sizeof (float));
      for (gsize r = 0; r < N; r++)
        for (gsize k = 0; k < H; k++)
          dst[k] += src[r * ld + k];
    }
  else
    {
      const double *src = g;
      double *dst = out->data;

      memset (dst, 0, H * sizeof (double));
      for (gsize r = 0; r < N; r++)
        for (gsize k = 0; k < H; k++)
          dst[k] += src[r * ld + k];
    }
}

static gboolean
lstm_gradient (const void *p, DzArray **xs, guint n, DzArray *y_in, DzArray *gy_in,
               DzArray **gxs, GError **error)
{
  LstmLayout l = lstm_layout (n);
  DzDtype dtype = lstm_dtype (xs, n);
  gsize item = dz_dtype_get_item_size (dtype);
  DzArray *as[15] = { NULL, };
  gsize N = xs[l.x]->shape[0], D = xs[l.x]->shape[1], H = xs[l.wx]->shape[1];
  gsize gshape[2] = { N, 4 * H };
  g_autoptr(DzArray) y = NULL;
  g_autoptr(DzArray) gy = NULL;
  g_autoptr(DzArray) G = NULL;
  g_autoptr(DzArray) gcp = NULL;
  gboolean ok = FALSE;

  y = y_in->dtype == dtype ? g_object_ref (y_in) : dz_array_astype (y_in, dtype, error);
  if (y != NULL)
    gy = gy_in->dtype == dtype ? g_object_ref (gy_in) : dz_array_astype (gy_in, dtype, error);
  g_object_unref (gy_in);
  if (y == NULL || gy == NULL || !lstm_cast_inputs (xs, n, dtype, as, error)
      || (G = dz_array_new_uninitialized (dtype, gshape, 2, error)) == NULL
      || (l.state && dz_op_input_needs_grad (l.c)
          && (gcp = dz_array_new_uninitialized_like (as[l.c], error)) == NULL))
    goto out;
  /* G: the gradients of the four pre-activations, (N, 4H). */
  dz_kernel_lstm_backward (dtype, N, H, y->data, gy->data, l.state ? as[l.c]->data : NULL,
                           G->data, gcp != NULL ? gcp->data : NULL);

  /* gx = sum_g G_g Wx_g^T and gh = sum_g G_g Wh_g^T, accumulated. */
  if (dz_op_input_needs_grad (l.x))
    {
      if ((gxs[l.x] = dz_array_new_uninitialized_like (as[l.x], error)) == NULL)
        goto out;
      for (guint g = 0; g < 4; g++)
        dz_kernel_gemm (dtype, FALSE, TRUE, N, D, H, (guint8 *) G->data + g * H * item, 4 * H,
                        as[l.wx + g]->data, H, g == 0 ? 0.0 : 1.0, gxs[l.x]->data, D);
    }
  if (l.state && dz_op_input_needs_grad (l.h))
    {
      if ((gxs[l.h] = dz_array_new_uninitialized_like (as[l.h], error)) == NULL)
        goto out;
      for (guint g = 0; g < 4; g++)
        dz_kernel_gemm (dtype, FALSE, TRUE, N, H, H, (guint8 *) G->data + g * H * item, 4 * H,
                        as[l.wh + g]->data, H, g == 0 ? 0.0 : 1.0, gxs[l.h]->data, H);
    }
  if (gcp != NULL)
    gxs[l.c] = g_steal_pointer (&gcp);
  /* gWx_g = x^T G_g, gWh_g = h^T G_g, gb_g = the column sums of G_g. */
  for (guint g = 0; g < 4; g++)
    {
      const guint8 *Gg = (const guint8 *) G->data + g * H * item;

      if (dz_op_input_needs_grad (l.wx + g))
        {
          if ((gxs[l.wx + g] = dz_array_new_uninitialized_like (as[l.wx + g], error)) == NULL)
            goto out;
          dz_kernel_gemm (dtype, TRUE, FALSE, D, H, N, as[l.x]->data, D, Gg, 4 * H,
                          0.0, gxs[l.wx + g]->data, H);
        }
      if (dz_op_input_needs_grad (l.b + g))
        {
          if ((gxs[l.b + g] = dz_array_new_uninitialized_like (as[l.b + g], error)) == NULL)
            goto out;
          lstm_column_sums (dtype, Gg, N, H, 4 * H, gxs[l.b + g]);
        }
      if (l.state && dz_op_input_needs_grad (l.wh + g))
        {
          if ((gxs[l.wh + g] = dz_array_new_uninitialized_like (as[l.wh + g], error)) == NULL)
            goto out;
          dz_kernel_gemm (dtype, TRUE, FALSE, H, H, N, as[l.h]->data, H, Gg, 4 * H,
                          0.0, gxs[l.wh + g]->data, H);
        }
    }
  ok = TRUE;

out:
  lstm_unref_inputs (as, n);
  return ok;
}

/* Columns [start, stop) of the 2-d @v. */
static DzVariable *
lstm_columns (DzVariable  *v,
              gsize        start,
              gsize        stop,
              GError     **error)
{
  g_autoptr(DzIndex) index = dz_index_new ();

  dz_index_add_slice (index, G_MININT64, G_MININT64, 1);
  dz_index_add_slice (index, (gint64) start, (gint64) stop, 1);
  return dz_get_item (v, index, error);
}

/* s (1 - s) and 1 - t^2, the derivatives through an activation from its
 * output. */
static DzVariable *
one_minus (DzVariable  *s,
           GError     **error)
{
  g_autoptr(DzVariable) neg = dz_neg (s, error);

  return neg != NULL ? dz_add_scalar (neg, 1.0, error) : NULL;
}

/* The same gradient with built-ins, for double backpropagation. */
static gboolean
lstm_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
               DzVariable **gxs, GError **error)
{
  LstmLayout l = lstm_layout (n);
  gsize H = dz_variable_peek_data (xs[l.wx])->shape[1];
  DzVariable *cols[6] = { NULL, }, *gcols[6] = { NULL, }, *dp[4] = { NULL, };
  DzVariable *t[16] = { NULL, };
  g_autoptr(DzVariable) xT = NULL;
  g_autoptr(DzVariable) hT = NULL;
  gboolean ok = FALSE;
  /* y and gy as [h, c, f, i, o, u]. */
  enum { H_, C_, F_, I_, O_, U_ };

  for (guint k = 0; k < 6; k++)
    if ((cols[k] = lstm_columns (y, k * H, (k + 1) * H, error)) == NULL
        || (gcols[k] = lstm_columns (gy, k * H, (k + 1) * H, error)) == NULL)
      goto out;

  /* t0 = tanh (c), t1 = 1 - t0^2, t2 = gh o t1 + gc = gct, t3 = go. */
  if ((t[0] = dz_tanh (cols[C_], error)) == NULL
      || (t[4] = dz_mul (t[0], t[0], error)) == NULL
      || (t[1] = one_minus (t[4], error)) == NULL
      || (t[5] = dz_mul (gcols[H_], cols[O_], error)) == NULL
      || (t[6] = dz_mul (t[5], t[1], error)) == NULL
      || (t[2] = dz_add (t[6], gcols[C_], error)) == NULL
      || (t[7] = dz_mul (gcols[H_], t[0], error)) == NULL
      || (t[3] = dz_add (t[7], gcols[O_], error)) == NULL)
    goto out;

  /* The gates' output gradients, then through their activations. */
  {
    g_autoptr(DzVariable) gf = NULL;
    g_autoptr(DzVariable) gi = NULL;
    g_autoptr(DzVariable) gu = NULL;
    g_autoptr(DzVariable) a = NULL;
    g_autoptr(DzVariable) b = NULL;
    g_autoptr(DzVariable) iu = NULL;
    g_autoptr(DzVariable) ii = NULL;
    g_autoptr(DzVariable) ff = NULL;
    g_autoptr(DzVariable) oo = NULL;
    g_autoptr(DzVariable) uu = NULL;
    g_autoptr(DzVariable) uu2 = NULL;
    g_autoptr(DzVariable) s_f = NULL;
    g_autoptr(DzVariable) s_i = NULL;
    g_autoptr(DzVariable) s_o = NULL;

    if (l.state)
      {
        if ((a = dz_mul (t[2], xs[l.c], error)) == NULL
            || (gf = dz_add (a, gcols[F_], error)) == NULL
            || (gxs[l.c] = dz_mul (t[2], cols[F_], error)) == NULL)
          goto out;
      }
    else
      gf = g_object_ref (gcols[F_]);
    if ((b = dz_mul (t[2], cols[U_], error)) == NULL
        || (gi = dz_add (b, gcols[I_], error)) == NULL
        || (iu = dz_mul (t[2], cols[I_], error)) == NULL
        || (gu = dz_add (iu, gcols[U_], error)) == NULL
        || (ff = one_minus (cols[F_], error)) == NULL
        || (s_f = dz_mul (cols[F_], ff, error)) == NULL
        || (dp[LSTM_F] = dz_mul (gf, s_f, error)) == NULL
        || (ii = one_minus (cols[I_], error)) == NULL
        || (s_i = dz_mul (cols[I_], ii, error)) == NULL
        || (dp[LSTM_I] = dz_mul (gi, s_i, error)) == NULL
        || (oo = one_minus (cols[O_], error)) == NULL
        || (s_o = dz_mul (cols[O_], oo, error)) == NULL
        || (dp[LSTM_O] = dz_mul (t[3], s_o, error)) == NULL
        || (uu = dz_mul (cols[U_], cols[U_], error)) == NULL
        || (uu2 = one_minus (uu, error)) == NULL
        || (dp[LSTM_U] = dz_mul (gu, uu2, error)) == NULL)
      goto out;
  }

  if ((xT = dz_transpose (xs[l.x], NULL, 0, error)) == NULL
      || (l.state && (hT = dz_transpose (xs[l.h], NULL, 0, error)) == NULL))
    goto out;
  for (guint g = 0; g < 4; g++)
    {
      static const gint axis0[] = { 0 };
      g_autoptr(DzVariable) wxT = NULL;
      g_autoptr(DzVariable) px = NULL;

      if ((gxs[l.wx + g] = dz_matmul (xT, dp[g], error)) == NULL
          || (gxs[l.b + g] = dz_sum (dp[g], axis0, 1, FALSE, error)) == NULL
          || (wxT = dz_transpose (xs[l.wx + g], NULL, 0, error)) == NULL
          || (px = dz_matmul (dp[g], wxT, error)) == NULL)
        goto out;
      if (gxs[l.x] == NULL)
        gxs[l.x] = g_steal_pointer (&px);
      else
        {
          DzVariable *sum = dz_add (gxs[l.x], px, error);

          g_clear_object (&gxs[l.x]);
          if ((gxs[l.x] = sum) == NULL)
            goto out;
        }
      if (l.state)
        {
          g_autoptr(DzVariable) whT = NULL;
          g_autoptr(DzVariable) ph = NULL;

          if ((gxs[l.wh + g] = dz_matmul (hT, dp[g], error)) == NULL
              || (whT = dz_transpose (xs[l.wh + g], NULL, 0, error)) == NULL
              || (ph = dz_matmul (dp[g], whT, error)) == NULL)
            goto out;
          if (gxs[l.h] == NULL)
            gxs[l.h] = g_steal_pointer (&ph);
          else
            {
              DzVariable *sum = dz_add (gxs[l.h], ph, error);

              g_clear_object (&gxs[l.h]);
              if ((gxs[l.h] = sum) == NULL)
                goto out;
            }
        }
    }
  ok = TRUE;

out:
  for (guint k = 0; k < 6; k++)
    {
      g_clear_object (&cols[k]);
      g_clear_object (&gcols[k]);
    }
  for (guint g = 0; g < 4; g++)
    g_clear_object (&dp[g]);
  for (guint k = 0; k < G_N_ELEMENTS (t); k++)
    g_clear_object (&t[k]);
  return ok;
}

static DzOpDef lstm_cell_def = {
  .name = "lstm_cell", .class_name = "LSTMCell", .n_inputs = 0,
  .needs = DZ_OP_NEEDS_INPUTS | DZ_OP_NEEDS_OUTPUT,
  .check = lstm_check, .forward = lstm_forward,
  .gradient = lstm_gradient, .backward = lstm_backward,
};

/**
 * dz_lstm_cell:
 * @inputs: (array length=n_inputs): x, h, c, the input weights Wx_f,
 *   Wx_i, Wx_o, Wx_u, the biases b_f, b_i, b_o, b_u and the hidden weights
 *   Wh_f, Wh_i, Wh_o, Wh_u (15 inputs); or, for the first step of a
 *   sequence, without h, c and the hidden weights (9 inputs)
 * @n_inputs: the number of @inputs: 9 or 15
 * @error: return location for a #GError
 *
 * One step of an LSTM, as #DzLSTMLayer computes it from DeZero's eight
 * Linear layers, in one operation: with x of shape (N, D), h and c of
 * shape (N, H), each Wx (D, H), b (H,) and Wh (H, H),
 *
 *     f = sigmoid (x Wx_f + b_f + h Wh_f)    i = sigmoid (x Wx_i + b_i + h Wh_i)
 *     o = sigmoid (x Wx_o + b_o + h Wh_o)    u = tanh (x Wx_u + b_u + h Wh_u)
 *     c' = f c + i u    h' = o tanh (c')
 *
 * (without a state: no `h Wh` terms and `c' = i u`). The result, of shape
 * (N, 6H), holds `[h', c', f, i, o, u]` side by side: slice the new state
 * out of it (dz_get_item()); every column is differentiable.
 *
 * The result is float32 when every input is, else float64.
 *
 * Returns: (transfer full): `[h', c', f, i, o, u]`, or %NULL with @error
 *   set: %DZ_ERROR_WRONG_COUNT for another number of inputs,
 *   %DZ_ERROR_SHAPE_MISMATCH for shapes that do not fit together,
 *   %DZ_ERROR_INVALID_DTYPE for integers
 */
DzVariable *
dz_lstm_cell (DzVariable **inputs,
              guint        n_inputs,
              GError     **error)
{
  g_return_val_if_fail (inputs != NULL || n_inputs == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n_inputs != 9 && n_inputs != 15)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT,
                   "lstm_cell takes 9 or 15 inputs, not %u", n_inputs);
      return NULL;
    }
  return dz_op_apply (&lstm_cell_def, NULL, inputs, n_inputs, error);
}

DzOpDef *const dz_ops_nn[] = {
  &batch_norm_def, &embed_id_def, &embed_id_grad_def, &lstm_cell_def, NULL,
};
