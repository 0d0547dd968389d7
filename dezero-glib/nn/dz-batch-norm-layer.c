/* dz-batch-norm-layer.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>

#include "dz-batch-norm-layer.h"
#include "dz-error.h"
#include "dz-ops.h"

/**
 * DzBatchNormLayer:
 *
 * Batch normalization, as DeZero's `L.BatchNorm()`: dz_batch_norm() of
 * each input with the layer's parameters `gamma` (starting at ones) and
 * `beta` (zeros), one value per channel (axis 1 of inputs of shape (N, C)
 * or (N, C, H, W)), and its running mean (zeros) and variance (ones),
 * which training mode (dz_get_train()) updates at each call and test mode
 * normalizes with. All four are sized on the first call from its input's
 * axis 1, in its float dtype (float64 for integers), unless they were
 * given data before.
 *
 * The running averages are state, not parameters: optimizers never see
 * them and, unlike DeZero (which registers them as parameters with no
 * gradient), dz_layer_save_weights() does not write them. Read and set
 * them through dz_batch_norm_layer_get_running_mean() and
 * dz_batch_norm_layer_get_running_var() (dz_variable_set_data()).
 */
struct _DzBatchNormLayer
{
  DzLayer parent_instance;

  double decay;
  double eps;
  DzVariable *running_mean;
  DzVariable *running_var;
};

G_DEFINE_FINAL_TYPE (DzBatchNormLayer, dz_batch_norm_layer, DZ_TYPE_LAYER)

/* Gives @v @n values of @fill in @dtype unless it has data. */
static gboolean
init_vector (DzVariable  *v,
             DzDtype      dtype,
             gsize        n,
             double       fill,
             GError     **error)
{
  g_autoptr(DzArray) data = NULL;

  if (dz_variable_get_data (v) != NULL)
    return TRUE;
  if ((data = dz_array_new_full_typed (dtype, &n, 1, fill, error)) == NULL)
    return FALSE;
  dz_variable_set_data (v, data);
  return TRUE;
}

static GPtrArray *
dz_batch_norm_layer_forward (DzLayer    *layer,
                             GPtrArray  *inputs,
                             GError    **error)
{
  DzBatchNormLayer *self = DZ_BATCH_NORM_LAYER (layer);
  DzVariable *gamma = DZ_VARIABLE (dz_layer_get_parameter (layer, "gamma"));
  DzVariable *beta = DZ_VARIABLE (dz_layer_get_parameter (layer, "beta"));
  DzVariable *x, *y;
  DzArray *data;
  DzDtype dtype;
  GPtrArray *outputs;

  if (inputs->len != 1)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT,
                   "A BatchNorm layer takes one input, not %u", inputs->len);
      return NULL;
    }
  x = g_ptr_array_index (inputs, 0);
  if (gamma == NULL || beta == NULL)
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_FUNCTION_FAILED,
                           "The BatchNorm layer has no parameter 'gamma' or 'beta'");
      return NULL;
    }
  data = dz_variable_get_data (x);
  if (data == NULL || dz_array_get_ndim (data) < 2)
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                           "A BatchNorm layer takes data of shape (N, C) or (N, C, H, W)");
      return NULL;
    }
  dtype = dz_array_get_dtype (data);
  if (!dz_dtype_is_float (dtype))
    dtype = DZ_DTYPE_FLOAT64;
  {
    gsize C = dz_array_get_shape (data, NULL)[1];

    if (!init_vector (gamma, dtype, C, 1.0, error)
        || !init_vector (beta, dtype, C, 0.0, error)
        || !init_vector (self->running_mean, dtype, C, 0.0, error)
        || !init_vector (self->running_var, dtype, C, 1.0, error))
      return NULL;
  }

  y = dz_batch_norm (x, gamma, beta, self->running_mean, self->running_var, self->decay,
                     self->eps, error);
  if (y == NULL)
    return NULL;
  outputs = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (outputs, y);
  return outputs;
}

static void
dz_batch_norm_layer_finalize (GObject *object)
{
  DzBatchNormLayer *self = DZ_BATCH_NORM_LAYER (object);

  g_clear_object (&self->running_mean);
  g_clear_object (&self->running_var);

  G_OBJECT_CLASS (dz_batch_norm_layer_parent_class)->finalize (object);
}

static void
dz_batch_norm_layer_class_init (DzBatchNormLayerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dz_batch_norm_layer_finalize;
  DZ_LAYER_CLASS (klass)->forward = dz_batch_norm_layer_forward;
}

static void
dz_batch_norm_layer_init (DzBatchNormLayer *self)
{
}

/**
 * dz_batch_norm_layer_new:
 * @decay: the weight of the old running averages at each update, in
 *   [0, 1] (DeZero: 0.9)
 * @eps: added to the variance before its square root, not negative
 *   (DeZero: 2e-5)
 *
 * Creates a batch normalization layer (see #DzBatchNormLayer), its
 * parameters and averages still without data.
 *
 * Returns: (transfer full): a new #DzBatchNormLayer
 */
DzLayer *
dz_batch_norm_layer_new (double decay,
                         double eps)
{
  DzBatchNormLayer *self;
  g_autoptr(DzParameter) gamma = NULL;
  g_autoptr(DzParameter) beta = NULL;

  g_return_val_if_fail (decay >= 0.0 && decay <= 1.0, NULL);
  g_return_val_if_fail (eps >= 0.0 && isfinite (eps), NULL);

  self = g_object_new (DZ_TYPE_BATCH_NORM_LAYER, NULL);
  self->decay = decay;
  self->eps = eps;
  self->running_mean = dz_variable_new (NULL);
  self->running_var = dz_variable_new (NULL);
  dz_variable_set_name (self->running_mean, "avg_mean");
  dz_variable_set_name (self->running_var, "avg_var");
  gamma = dz_parameter_new (NULL, "gamma");
  beta = dz_parameter_new (NULL, "beta");
  dz_layer_add_parameter (DZ_LAYER (self), "gamma", gamma);
  dz_layer_add_parameter (DZ_LAYER (self), "beta", beta);
  return DZ_LAYER (self);
}

/**
 * dz_batch_norm_layer_get_running_mean:
 * @self: a #DzBatchNormLayer
 *
 * Returns the variable holding the running mean of each channel (DeZero's
 * `avg_mean`); it has no data before the first call unless given some.
 *
 * Returns: (transfer none): the running mean
 */
DzVariable *
dz_batch_norm_layer_get_running_mean (DzBatchNormLayer *self)
{
  g_return_val_if_fail (DZ_IS_BATCH_NORM_LAYER (self), NULL);

  return self->running_mean;
}

/**
 * dz_batch_norm_layer_get_running_var:
 * @self: a #DzBatchNormLayer
 *
 * Returns the variable holding the running variance of each channel
 * (DeZero's `avg_var`); it has no data before the first call unless given
 * some.
 *
 * Returns: (transfer none): the running variance
 */
DzVariable *
dz_batch_norm_layer_get_running_var (DzBatchNormLayer *self)
{
  g_return_val_if_fail (DZ_IS_BATCH_NORM_LAYER (self), NULL);

  return self->running_var;
}

/**
 * dz_batch_norm_layer_get_decay:
 * @self: a #DzBatchNormLayer
 *
 * Returns the decay of the running averages.
 *
 * Returns: the decay
 */
double
dz_batch_norm_layer_get_decay (DzBatchNormLayer *self)
{
  g_return_val_if_fail (DZ_IS_BATCH_NORM_LAYER (self), 0.0);

  return self->decay;
}

/**
 * dz_batch_norm_layer_get_eps:
 * @self: a #DzBatchNormLayer
 *
 * Returns the value added to the variance.
 *
 * Returns: the eps
 */
double
dz_batch_norm_layer_get_eps (DzBatchNormLayer *self)
{
  g_return_val_if_fail (DZ_IS_BATCH_NORM_LAYER (self), 0.0);

  return self->eps;
}
