/* dz-optimizer-hooks.c: WeightDecay, ClipGrad, FreezeParam
 *
 * Each changes the gradients as DeZero's hook of that name does. The new
 * gradient values go into the gradient's own array when nobody else sees
 * it, else into a new array given to the gradient variable, so that an
 * array a backward pass shared between two gradients is never changed
 * under the other.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>

#include "dz-error.h"
#include "dz-optimizer-hooks.h"
#include "dz-optimizer-private.h"

/* out = grad + rate * data (NumPy's `grad += rate * param`). */
#define DEFINE_DECAY(T, suffix)                                               \
  static void                                                                 \
  decay_##suffix (gsize        n,                                             \
                  double       rate,                                          \
                  const void  *data,                                          \
                  const void  *grad,                                          \
                  void        *out)                                           \
  {                                                                           \
    const T *p = data;                                                        \
    const T *g = grad;                                                        \
    T *o = out;                                                               \
    T r = (T) rate;                                                           \
                                                                              \
    DZ_SIMD_LOOP                                                              \
    for (gsize i = 0; i < n; i++)                                             \
      o[i] = g[i] + r * p[i];                                                 \
  }

DEFINE_DECAY (double, f64)
DEFINE_DECAY (float, f32)

/* out = grad * rate */
#define DEFINE_SCALE(T, suffix)                                               \
  static void                                                                 \
  scale_##suffix (gsize        n,                                             \
                  double       rate,                                          \
                  const void  *data,                                          \
                  const void  *grad,                                          \
                  void        *out)                                           \
  {                                                                           \
    const T *g = grad;                                                        \
    T *o = out;                                                               \
    T r = (T) rate;                                                           \
                                                                              \
    DZ_SIMD_LOOP                                                              \
    for (gsize i = 0; i < n; i++)                                             \
      o[i] = g[i] * r;                                                        \
  }

DEFINE_SCALE (double, f64)
DEFINE_SCALE (float, f32)

typedef enum
{
  REWRITE_DECAY,
  REWRITE_SCALE,
} Rewrite;

/* Gives @param's gradient the values of decay or scale, written where
 * dz_optimizer_begin_write() says. */
static gboolean
rewrite_grad (DzVariable  *param,
              Rewrite      how,
              double       rate,
              GError     **error)
{
  DzArray *data, *grad, *out;
  DzVariable *grad_var = dz_variable_get_grad (param);

  if (!dz_optimizer_get_values (param, &data, &grad, error))
    return FALSE;
  out = dz_optimizer_begin_write (grad_var, grad, error);
  if (out == NULL)
    return FALSE;
  if (how == REWRITE_DECAY)
    DZ_OPTIM_DISPATCH (data->dtype, decay, data->size, rate, data->data, grad->data, out->data);
  else
    DZ_OPTIM_DISPATCH (data->dtype, scale, data->size, rate, data->data, grad->data, out->data);
  dz_optimizer_end_write (grad_var, grad, out);
  return TRUE;
}

/**
 * DzWeightDecay:
 *
 * Adds #DzWeightDecay:rate times each parameter to its gradient (L2
 * regularization): DeZero's `WeightDecay`.
 */
struct _DzWeightDecay
{
  DzOptimizerHook parent_instance;

  double rate;
};

G_DEFINE_FINAL_TYPE (DzWeightDecay, dz_weight_decay, DZ_TYPE_OPTIMIZER_HOOK)

enum
{
  DECAY_PROP_0,
  DECAY_PROP_RATE,
  DECAY_N_PROPS
};

static GParamSpec *decay_properties[DECAY_N_PROPS];

static gboolean
dz_weight_decay_apply (DzOptimizerHook  *hook,
                       GPtrArray        *params,
                       GError          **error)
{
  DzWeightDecay *self = DZ_WEIGHT_DECAY (hook);

  for (guint i = 0; i < params->len; i++)
    if (!rewrite_grad (g_ptr_array_index (params, i), REWRITE_DECAY, self->rate, error))
      return FALSE;
  return TRUE;
}

static void
dz_weight_decay_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  DzWeightDecay *self = DZ_WEIGHT_DECAY (object);

  switch (prop_id)
    {
    case DECAY_PROP_RATE:
      g_value_set_double (value, self->rate);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_weight_decay_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  DzWeightDecay *self = DZ_WEIGHT_DECAY (object);

  switch (prop_id)
    {
    case DECAY_PROP_RATE:
      dz_weight_decay_set_rate (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_weight_decay_class_init (DzWeightDecayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = dz_weight_decay_get_property;
  object_class->set_property = dz_weight_decay_set_property;
  DZ_OPTIMIZER_HOOK_CLASS (klass)->apply = dz_weight_decay_apply;

  /**
   * DzWeightDecay:rate:
   *
   * The factor of the parameter added to its gradient.
   */
  decay_properties[DECAY_PROP_RATE] =
    g_param_spec_double ("rate", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY
                         | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, DECAY_N_PROPS, decay_properties);
}

static void
dz_weight_decay_init (DzWeightDecay *self)
{
}

/**
 * dz_weight_decay_new:
 * @rate: the factor of the parameter added to its gradient
 *
 * Creates a hook doing `grad += rate * param` on every parameter.
 *
 * Returns: (transfer full): a new #DzWeightDecay
 */
DzOptimizerHook *
dz_weight_decay_new (double rate)
{
  return g_object_new (DZ_TYPE_WEIGHT_DECAY, "rate", rate, NULL);
}

/**
 * dz_weight_decay_get_rate:
 * @self: a #DzWeightDecay
 *
 * Gets #DzWeightDecay:rate.
 *
 * Returns: the rate
 */
double
dz_weight_decay_get_rate (DzWeightDecay *self)
{
  g_return_val_if_fail (DZ_IS_WEIGHT_DECAY (self), 0.0);

  return self->rate;
}

/**
 * dz_weight_decay_set_rate:
 * @self: a #DzWeightDecay
 * @rate: the factor of the parameter added to its gradient
 *
 * Sets #DzWeightDecay:rate.
 */
void
dz_weight_decay_set_rate (DzWeightDecay *self,
                          double         rate)
{
  g_return_if_fail (DZ_IS_WEIGHT_DECAY (self));

  if (self->rate == rate)
    return;
  self->rate = rate;
  g_object_notify_by_pspec (G_OBJECT (self), decay_properties[DECAY_PROP_RATE]);
}

/**
 * DzClipGrad:
 *
 * Scales all gradients down together when their total L2 norm (over every
 * parameter, as one vector) exceeds #DzClipGrad:max-norm: DeZero's
 * `ClipGrad`, which scales by `max_norm / (norm + 1e-6)` when that is
 * below 1.
 */
struct _DzClipGrad
{
  DzOptimizerHook parent_instance;

  double max_norm;
};

G_DEFINE_FINAL_TYPE (DzClipGrad, dz_clip_grad, DZ_TYPE_OPTIMIZER_HOOK)

enum
{
  CLIP_PROP_0,
  CLIP_PROP_MAX_NORM,
  CLIP_N_PROPS
};

static GParamSpec *clip_properties[CLIP_N_PROPS];

#define DEFINE_SUM_SQUARES(T, suffix)                                         \
  static void                                                                 \
  sum_squares_##suffix (gsize        n,                                       \
                        const void  *grad,                                    \
                        double      *total)                                   \
  {                                                                           \
    const T *g = grad;                                                        \
    double sum = 0.0;                                                         \
                                                                              \
    _Pragma ("omp simd reduction (+:sum)")                                    \
    for (gsize i = 0; i < n; i++)                                             \
      sum += (double) g[i] * g[i];                                            \
    *total += sum;                                                            \
  }

DEFINE_SUM_SQUARES (double, f64)
DEFINE_SUM_SQUARES (float, f32)

static gboolean
dz_clip_grad_apply (DzOptimizerHook  *hook,
                    GPtrArray        *params,
                    GError          **error)
{
  DzClipGrad *self = DZ_CLIP_GRAD (hook);
  double total = 0.0;
  double rate;

  for (guint i = 0; i < params->len; i++)
    {
      DzArray *data, *grad;

      if (!dz_optimizer_get_values (g_ptr_array_index (params, i), &data, &grad, error))
        return FALSE;
      DZ_OPTIM_DISPATCH (grad->dtype, sum_squares, grad->size, grad->data, &total);
    }

  rate = self->max_norm / (sqrt (total) + 1e-6);
  if (rate >= 1.0)
    return TRUE;
  for (guint i = 0; i < params->len; i++)
    if (!rewrite_grad (g_ptr_array_index (params, i), REWRITE_SCALE, rate, error))
      return FALSE;
  return TRUE;
}

static void
dz_clip_grad_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  DzClipGrad *self = DZ_CLIP_GRAD (object);

  switch (prop_id)
    {
    case CLIP_PROP_MAX_NORM:
      g_value_set_double (value, self->max_norm);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_clip_grad_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  DzClipGrad *self = DZ_CLIP_GRAD (object);

  switch (prop_id)
    {
    case CLIP_PROP_MAX_NORM:
      dz_clip_grad_set_max_norm (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_clip_grad_class_init (DzClipGradClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = dz_clip_grad_get_property;
  object_class->set_property = dz_clip_grad_set_property;
  DZ_OPTIMIZER_HOOK_CLASS (klass)->apply = dz_clip_grad_apply;

  /**
   * DzClipGrad:max-norm:
   *
   * The largest total L2 norm the gradients keep.
   */
  clip_properties[CLIP_PROP_MAX_NORM] =
    g_param_spec_double ("max-norm", NULL, NULL, 0.0, G_MAXDOUBLE, 1.0,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY
                         | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, CLIP_N_PROPS, clip_properties);
}

static void
dz_clip_grad_init (DzClipGrad *self)
{
}

/**
 * dz_clip_grad_new:
 * @max_norm: the largest total L2 norm the gradients keep (not negative)
 *
 * Creates a hook that clips the total norm of the gradients.
 *
 * Returns: (transfer full): a new #DzClipGrad
 */
DzOptimizerHook *
dz_clip_grad_new (double max_norm)
{
  g_return_val_if_fail (max_norm >= 0.0, NULL);

  return g_object_new (DZ_TYPE_CLIP_GRAD, "max-norm", max_norm, NULL);
}

/**
 * dz_clip_grad_get_max_norm:
 * @self: a #DzClipGrad
 *
 * Gets #DzClipGrad:max-norm.
 *
 * Returns: the largest total norm the gradients keep
 */
double
dz_clip_grad_get_max_norm (DzClipGrad *self)
{
  g_return_val_if_fail (DZ_IS_CLIP_GRAD (self), 0.0);

  return self->max_norm;
}

/**
 * dz_clip_grad_set_max_norm:
 * @self: a #DzClipGrad
 * @max_norm: the largest total L2 norm the gradients keep (not negative)
 *
 * Sets #DzClipGrad:max-norm.
 */
void
dz_clip_grad_set_max_norm (DzClipGrad *self,
                           double      max_norm)
{
  g_return_if_fail (DZ_IS_CLIP_GRAD (self));
  g_return_if_fail (max_norm >= 0.0);

  if (self->max_norm == max_norm)
    return;
  self->max_norm = max_norm;
  g_object_notify_by_pspec (G_OBJECT (self), clip_properties[CLIP_PROP_MAX_NORM]);
}

/**
 * DzFreezeParam:
 *
 * Clears the gradients of the parameters it was made with, so that the
 * optimizer leaves them as they are: DeZero's `FreezeParam`, given
 * parameters (the layers' form comes with #DzLayer).
 */
struct _DzFreezeParam
{
  DzOptimizerHook parent_instance;

  GPtrArray *params;
};

G_DEFINE_FINAL_TYPE (DzFreezeParam, dz_freeze_param, DZ_TYPE_OPTIMIZER_HOOK)

static gboolean
dz_freeze_param_apply (DzOptimizerHook  *hook,
                       GPtrArray        *params,
                       GError          **error)
{
  DzFreezeParam *self = DZ_FREEZE_PARAM (hook);

  for (guint i = 0; i < self->params->len; i++)
    dz_variable_clear_grad (g_ptr_array_index (self->params, i));
  return TRUE;
}

static void
dz_freeze_param_finalize (GObject *object)
{
  DzFreezeParam *self = DZ_FREEZE_PARAM (object);

  g_ptr_array_unref (self->params);

  G_OBJECT_CLASS (dz_freeze_param_parent_class)->finalize (object);
}

static void
dz_freeze_param_class_init (DzFreezeParamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dz_freeze_param_finalize;
  DZ_OPTIMIZER_HOOK_CLASS (klass)->apply = dz_freeze_param_apply;
}

static void
dz_freeze_param_init (DzFreezeParam *self)
{
  self->params = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * dz_freeze_param_new:
 * @params: (element-type DzVariable): the parameters to leave unchanged
 *
 * Creates a hook that clears the gradients of @params before every
 * update; it keeps references to them.
 *
 * Returns: (transfer full): a new #DzFreezeParam
 */
DzOptimizerHook *
dz_freeze_param_new (GPtrArray *params)
{
  DzFreezeParam *self;

  g_return_val_if_fail (params != NULL, NULL);
  for (guint i = 0; i < params->len; i++)
    g_return_val_if_fail (DZ_IS_VARIABLE (g_ptr_array_index (params, i)), NULL);

  self = g_object_new (DZ_TYPE_FREEZE_PARAM, NULL);
  for (guint i = 0; i < params->len; i++)
    g_ptr_array_add (self->params, g_object_ref (g_ptr_array_index (params, i)));
  return DZ_OPTIMIZER_HOOK (self);
}

/**
 * dz_freeze_param_new_for_layer:
 * @layer: the layer whose parameters to leave unchanged
 *
 * Creates a hook that freezes every parameter of @layer's tree, as listed
 * by dz_layer_list_parameters() now: DeZero's `FreezeParam(layer)`, for
 * training the rest of a model around a part that is already trained.
 *
 * Returns: (transfer full): a new #DzFreezeParam
 */
DzOptimizerHook *
dz_freeze_param_new_for_layer (DzLayer *layer)
{
  g_autoptr(GPtrArray) params = NULL;

  g_return_val_if_fail (DZ_IS_LAYER (layer), NULL);

  params = dz_layer_list_parameters (layer);
  return dz_freeze_param_new (params);
}
