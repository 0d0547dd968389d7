/* dz-optimizers.c: SGD, MomentumSGD, AdaGrad, AdaDelta, Adam
 *
 * Each rule is one loop over the parameter, its gradient and its state,
 * with DeZero's formulas in NumPy's order of operations, so that float64
 * results agree with DeZero's to the last bits; float32 parameters are
 * computed in float32 with the hyperparameters rounded to float, as NumPy
 * does with a Python float and a float32 array. Once a parameter has its
 * state, a step allocates nothing unless the parameter's array is shared.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>

#include "dz-error.h"
#include "dz-optimizer-private.h"
#include "dz-optimizers.h"

/* What one rule needs for one parameter: its value, gradient, state and
 * where the new value goes. */
typedef struct
{
  DzArray *data;
  DzArray *grad;
  DzArray *out;
  void *state[2];
} Step;

static gboolean
step_begin (DzOptimizer  *optimizer,
            DzVariable   *param,
            guint         n_slots,
            Step         *step,
            GError      **error)
{
  if (!dz_optimizer_get_values (param, &step->data, &step->grad, error))
    return FALSE;
  step->state[0] = step->state[1] = NULL;
  if (n_slots > 0)
    {
      DzOptimizerState *state = dz_optimizer_get_state (optimizer, param, step->data, n_slots,
                                                        error);

      if (state == NULL)
        return FALSE;
      step->state[0] = state->slots[0];
      step->state[1] = state->slots[1];
    }
  step->out = dz_optimizer_begin_write (param, step->data, error);
  return step->out != NULL;
}

static void
step_end (DzVariable *param,
          Step       *step)
{
  dz_optimizer_end_write (param, step->data, step->out);
}

/* The loops: p is the parameter, g its gradient, o where its new value
 * goes (p itself on the in-place path), the others its state. */

#define DEFINE_SGD(T, suffix)                                                 \
  static void                                                                 \
  sgd_##suffix (gsize n, const void *p_, const void *g_, void *o_,           \
                double lr_)                                                   \
  {                                                                           \
    const T *p = p_, *g = g_;                                                 \
    T *o = o_;                                                                \
    T lr = (T) lr_;                                                           \
                                                                              \
    DZ_SIMD_LOOP                                                              \
    for (gsize i = 0; i < n; i++)                                             \
      o[i] = p[i] - lr * g[i];                                                \
  }

DEFINE_SGD (double, f64)
DEFINE_SGD (float, f32)

#define DEFINE_MOMENTUM_SGD(T, suffix)                                        \
  static void                                                                 \
  momentum_sgd_##suffix (gsize n, const void *p_, const void *g_, void *o_,  \
                         void *v_, double lr_, double momentum_)             \
  {                                                                           \
    const T *p = p_, *g = g_;                                                 \
    T *o = o_, *restrict v = v_;                                              \
    T lr = (T) lr_, momentum = (T) momentum_;                                 \
                                                                              \
    DZ_SIMD_LOOP                                                              \
    for (gsize i = 0; i < n; i++)                                             \
      {                                                                       \
        v[i] = v[i] * momentum - lr * g[i];                                   \
        o[i] = p[i] + v[i];                                                   \
      }                                                                       \
  }

DEFINE_MOMENTUM_SGD (double, f64)
DEFINE_MOMENTUM_SGD (float, f32)

#define DEFINE_ADA_GRAD(T, suffix, SQRT)                                      \
  static void                                                                 \
  ada_grad_##suffix (gsize n, const void *p_, const void *g_, void *o_,      \
                     void *h_, double lr_, double eps_)                      \
  {                                                                           \
    const T *p = p_, *g = g_;                                                 \
    T *o = o_, *restrict h = h_;                                              \
    T lr = (T) lr_, eps = (T) eps_;                                           \
                                                                              \
    DZ_SIMD_LOOP                                                              \
    for (gsize i = 0; i < n; i++)                                             \
      {                                                                       \
        h[i] += g[i] * g[i];                                                  \
        o[i] = p[i] - lr * g[i] / (SQRT (h[i]) + eps);                        \
      }                                                                       \
  }

DEFINE_ADA_GRAD (double, f64, sqrt)
DEFINE_ADA_GRAD (float, f32, sqrtf)

#define DEFINE_ADA_DELTA(T, suffix, SQRT)                                     \
  static void                                                                 \
  ada_delta_##suffix (gsize n, const void *p_, const void *g_, void *o_,     \
                      void *msg_, void *msdx_, double rho_, double eps_)     \
  {                                                                           \
    const T *p = p_, *g = g_;                                                 \
    T *o = o_, *restrict msg = msg_, *restrict msdx = msdx_;                  \
    T rho = (T) rho_, eps = (T) eps_, rest = (T) (1.0 - rho_);                \
                                                                              \
    DZ_SIMD_LOOP                                                              \
    for (gsize i = 0; i < n; i++)                                             \
      {                                                                       \
        T dx;                                                                 \
                                                                              \
        msg[i] = msg[i] * rho + rest * g[i] * g[i];                           \
        dx = SQRT ((msdx[i] + eps) / (msg[i] + eps)) * g[i];                  \
        msdx[i] = msdx[i] * rho + rest * dx * dx;                             \
        o[i] = p[i] - dx;                                                     \
      }                                                                       \
  }

DEFINE_ADA_DELTA (double, f64, sqrt)
DEFINE_ADA_DELTA (float, f32, sqrtf)

/* m, v and the parameter in one pass: NumPy makes five temporaries and
 * six passes for these three lines. */
#define DEFINE_ADAM(T, suffix, SQRT)                                          \
  static void                                                                 \
  adam_##suffix (gsize n, const void *p_, const void *g_, void *o_,          \
                 void *m_, void *v_, double lr_, double beta1_,              \
                 double beta2_, double eps_)                                 \
  {                                                                           \
    const T *p = p_, *g = g_;                                                 \
    T *o = o_, *restrict m = m_, *restrict v = v_;                            \
    T lr = (T) lr_, eps = (T) eps_;                                           \
    T rest1 = (T) (1.0 - beta1_), rest2 = (T) (1.0 - beta2_);                 \
                                                                              \
    DZ_SIMD_LOOP                                                              \
    for (gsize i = 0; i < n; i++)                                             \
      {                                                                       \
        m[i] += rest1 * (g[i] - m[i]);                                        \
        v[i] += rest2 * (g[i] * g[i] - v[i]);                                 \
        o[i] = p[i] - lr * m[i] / (SQRT (v[i]) + eps);                        \
      }                                                                       \
  }

DEFINE_ADAM (double, f64, sqrt)
DEFINE_ADAM (float, f32, sqrtf)

/**
 * DzSGD:
 *
 * Stochastic gradient descent: `param -= lr * grad`, DeZero's `SGD`.
 */
struct _DzSGD
{
  DzOptimizer parent_instance;

  double lr;
};

G_DEFINE_FINAL_TYPE (DzSGD, dz_sgd, DZ_TYPE_OPTIMIZER)

enum
{
  SGD_PROP_0,
  SGD_PROP_LR,
  SGD_N_PROPS
};

static GParamSpec *sgd_properties[SGD_N_PROPS];

static gboolean
dz_sgd_update_one (DzOptimizer  *optimizer,
                   DzVariable   *param,
                   guint         index,
                   GError      **error)
{
  DzSGD *self = DZ_SGD (optimizer);
  Step step;

  if (!step_begin (optimizer, param, 0, &step, error))
    return FALSE;
  DZ_OPTIM_DISPATCH (step.data->dtype, sgd, step.data->size, step.data->data, step.grad->data,
                     step.out->data, self->lr);
  step_end (param, &step);
  return TRUE;
}

static void
dz_sgd_get_property (GObject    *object,
                     guint       prop_id,
                     GValue     *value,
                     GParamSpec *pspec)
{
  DzSGD *self = DZ_SGD (object);

  switch (prop_id)
    {
    case SGD_PROP_LR:
      g_value_set_double (value, self->lr);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_sgd_set_property (GObject      *object,
                     guint         prop_id,
                     const GValue *value,
                     GParamSpec   *pspec)
{
  DzSGD *self = DZ_SGD (object);

  switch (prop_id)
    {
    case SGD_PROP_LR:
      dz_sgd_set_lr (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_sgd_class_init (DzSGDClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  DzOptimizerClass *optimizer_class = DZ_OPTIMIZER_CLASS (klass);

  object_class->get_property = dz_sgd_get_property;
  object_class->set_property = dz_sgd_set_property;
  optimizer_class->update_one = dz_sgd_update_one;

  /**
   * DzSGD:lr:
   *
   * The learning rate (DeZero's default: 0.01).
   */
  sgd_properties[SGD_PROP_LR] =
    g_param_spec_double ("lr", NULL, NULL, 0.0, G_MAXDOUBLE, 0.01,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY
                         | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, SGD_N_PROPS, sgd_properties);
}

static void
dz_sgd_init (DzSGD *self)
{
}

/**
 * dz_sgd_new:
 * @lr: the learning rate (not negative)
 *
 * Creates a SGD optimizer. DeZero's defaults are lr=0.01;
 * g_object_new() uses them for the properties not given.
 *
 * Returns: (transfer full): a new #DzSGD
 */
DzOptimizer *
dz_sgd_new (double lr)
{
  g_return_val_if_fail (lr >= 0.0, NULL);

  return g_object_new (DZ_TYPE_SGD, "lr", lr, NULL);
}

/**
 * dz_sgd_get_lr:
 * @self: a #DzSGD
 *
 * Gets #DzSGD:lr.
 *
 * Returns: the learning rate
 */
double
dz_sgd_get_lr (DzSGD *self)
{
  g_return_val_if_fail (DZ_IS_SGD (self), 0.0);

  return self->lr;
}

/**
 * dz_sgd_set_lr:
 * @self: a #DzSGD
 * @lr: the learning rate (not negative)
 *
 * Sets #DzSGD:lr.
 */
void
dz_sgd_set_lr (DzSGD *self,
               double lr)
{
  g_return_if_fail (DZ_IS_SGD (self));
  g_return_if_fail (lr >= 0.0);

  if (self->lr == lr)
    return;
  self->lr = lr;
  g_object_notify_by_pspec (G_OBJECT (self), sgd_properties[SGD_PROP_LR]);
}

/**
 * DzMomentumSGD:
 *
 * Gradient descent with momentum, DeZero's `MomentumSGD`: a velocity per
 * parameter, `v = momentum * v - lr * grad`, then `param += v`.
 */
struct _DzMomentumSGD
{
  DzOptimizer parent_instance;

  double lr;
  double momentum;
};

G_DEFINE_FINAL_TYPE (DzMomentumSGD, dz_momentum_sgd, DZ_TYPE_OPTIMIZER)

enum
{
  MOMENTUM_SGD_PROP_0,
  MOMENTUM_SGD_PROP_LR,
  MOMENTUM_SGD_PROP_MOMENTUM,
  MOMENTUM_SGD_N_PROPS
};

static GParamSpec *momentum_sgd_properties[MOMENTUM_SGD_N_PROPS];

static gboolean
dz_momentum_sgd_update_one (DzOptimizer  *optimizer,
                            DzVariable   *param,
                            guint         index,
                            GError      **error)
{
  DzMomentumSGD *self = DZ_MOMENTUM_SGD (optimizer);
  Step step;

  if (!step_begin (optimizer, param, 1, &step, error))
    return FALSE;
  DZ_OPTIM_DISPATCH (step.data->dtype, momentum_sgd, step.data->size, step.data->data, step.grad->data,
                     step.out->data, step.state[0], self->lr, self->momentum);
  step_end (param, &step);
  return TRUE;
}

static void
dz_momentum_sgd_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  DzMomentumSGD *self = DZ_MOMENTUM_SGD (object);

  switch (prop_id)
    {
    case MOMENTUM_SGD_PROP_LR:
      g_value_set_double (value, self->lr);
      break;
    case MOMENTUM_SGD_PROP_MOMENTUM:
      g_value_set_double (value, self->momentum);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_momentum_sgd_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  DzMomentumSGD *self = DZ_MOMENTUM_SGD (object);

  switch (prop_id)
    {
    case MOMENTUM_SGD_PROP_LR:
      dz_momentum_sgd_set_lr (self, g_value_get_double (value));
      break;
    case MOMENTUM_SGD_PROP_MOMENTUM:
      dz_momentum_sgd_set_momentum (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_momentum_sgd_class_init (DzMomentumSGDClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  DzOptimizerClass *optimizer_class = DZ_OPTIMIZER_CLASS (klass);

  object_class->get_property = dz_momentum_sgd_get_property;
  object_class->set_property = dz_momentum_sgd_set_property;
  optimizer_class->update_one = dz_momentum_sgd_update_one;

  /**
   * DzMomentumSGD:lr:
   *
   * The learning rate (DeZero's default: 0.01).
   */
  momentum_sgd_properties[MOMENTUM_SGD_PROP_LR] =
    g_param_spec_double ("lr", NULL, NULL, 0.0, G_MAXDOUBLE, 0.01,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY
                         | G_PARAM_STATIC_STRINGS);

  /**
   * DzMomentumSGD:momentum:
   *
   * The fraction of the velocity kept at each step (DeZero's default: 0.9).
   */
  momentum_sgd_properties[MOMENTUM_SGD_PROP_MOMENTUM] =
    g_param_spec_double ("momentum", NULL, NULL, 0.0, 1.0, 0.9,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY
                         | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, MOMENTUM_SGD_N_PROPS, momentum_sgd_properties);
}

static void
dz_momentum_sgd_init (DzMomentumSGD *self)
{
}

/**
 * dz_momentum_sgd_new:
 * @lr: the learning rate (not negative)
 * @momentum: the fraction of the velocity kept at each step, in [0, 1]
 *
 * Creates a MomentumSGD optimizer. DeZero's defaults are lr=0.01, momentum=0.9;
 * g_object_new() uses them for the properties not given.
 *
 * Returns: (transfer full): a new #DzMomentumSGD
 */
DzOptimizer *
dz_momentum_sgd_new (double lr,
                     double momentum)
{
  g_return_val_if_fail (lr >= 0.0, NULL);
  g_return_val_if_fail (momentum >= 0.0 && momentum <= 1.0, NULL);

  return g_object_new (DZ_TYPE_MOMENTUM_SGD, "lr", lr, "momentum", momentum, NULL);
}

/**
 * dz_momentum_sgd_get_lr:
 * @self: a #DzMomentumSGD
 *
 * Gets #DzMomentumSGD:lr.
 *
 * Returns: the learning rate
 */
double
dz_momentum_sgd_get_lr (DzMomentumSGD *self)
{
  g_return_val_if_fail (DZ_IS_MOMENTUM_SGD (self), 0.0);

  return self->lr;
}

/**
 * dz_momentum_sgd_set_lr:
 * @self: a #DzMomentumSGD
 * @lr: the learning rate (not negative)
 *
 * Sets #DzMomentumSGD:lr.
 */
void
dz_momentum_sgd_set_lr (DzMomentumSGD *self,
                        double         lr)
{
  g_return_if_fail (DZ_IS_MOMENTUM_SGD (self));
  g_return_if_fail (lr >= 0.0);

  if (self->lr == lr)
    return;
  self->lr = lr;
  g_object_notify_by_pspec (G_OBJECT (self), momentum_sgd_properties[MOMENTUM_SGD_PROP_LR]);
}

/**
 * dz_momentum_sgd_get_momentum:
 * @self: a #DzMomentumSGD
 *
 * Gets #DzMomentumSGD:momentum.
 *
 * Returns: the fraction of the velocity kept at each step
 */
double
dz_momentum_sgd_get_momentum (DzMomentumSGD *self)
{
  g_return_val_if_fail (DZ_IS_MOMENTUM_SGD (self), 0.0);

  return self->momentum;
}

/**
 * dz_momentum_sgd_set_momentum:
 * @self: a #DzMomentumSGD
 * @momentum: the fraction of the velocity kept at each step, in [0, 1]
 *
 * Sets #DzMomentumSGD:momentum.
 */
void
dz_momentum_sgd_set_momentum (DzMomentumSGD *self,
                              double         momentum)
{
  g_return_if_fail (DZ_IS_MOMENTUM_SGD (self));
  g_return_if_fail (momentum >= 0.0 && momentum <= 1.0);

  if (self->momentum == momentum)
    return;
  self->momentum = momentum;
  g_object_notify_by_pspec (G_OBJECT (self), momentum_sgd_properties[MOMENTUM_SGD_PROP_MOMENTUM]);
}

/**
 * DzAdaGrad:
 *
 * AdaGrad, DeZero's `AdaGrad`: the sum of squared gradients `h` per
 * parameter, `h += grad * grad`, then `param -= lr * grad / (sqrt (h) + eps)`.
 */
struct _DzAdaGrad
{
  DzOptimizer parent_instance;

  double lr;
  double eps;
};

G_DEFINE_FINAL_TYPE (DzAdaGrad, dz_ada_grad, DZ_TYPE_OPTIMIZER)

enum
{
  ADA_GRAD_PROP_0,
  ADA_GRAD_PROP_LR,
  ADA_GRAD_PROP_EPS,
  ADA_GRAD_N_PROPS
};

static GParamSpec *ada_grad_properties[ADA_GRAD_N_PROPS];

static gboolean
dz_ada_grad_update_one (DzOptimizer  *optimizer,
                        DzVariable   *param,
                        guint         index,
                        GError      **error)
{
  DzAdaGrad *self = DZ_ADA_GRAD (optimizer);
  Step step;

  if (!step_begin (optimizer, param, 1, &step, error))
    return FALSE;
  DZ_OPTIM_DISPATCH (step.data->dtype, ada_grad, step.data->size, step.data->data, step.grad->data,
                     step.out->data, step.state[0], self->lr, self->eps);
  step_end (param, &step);
  return TRUE;
}

static void
dz_ada_grad_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  DzAdaGrad *self = DZ_ADA_GRAD (object);

  switch (prop_id)
    {
    case ADA_GRAD_PROP_LR:
      g_value_set_double (value, self->lr);
      break;
    case ADA_GRAD_PROP_EPS:
      g_value_set_double (value, self->eps);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_ada_grad_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  DzAdaGrad *self = DZ_ADA_GRAD (object);

  switch (prop_id)
    {
    case ADA_GRAD_PROP_LR:
      dz_ada_grad_set_lr (self, g_value_get_double (value));
      break;
    case ADA_GRAD_PROP_EPS:
      dz_ada_grad_set_eps (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_ada_grad_class_init (DzAdaGradClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  DzOptimizerClass *optimizer_class = DZ_OPTIMIZER_CLASS (klass);

  object_class->get_property = dz_ada_grad_get_property;
  object_class->set_property = dz_ada_grad_set_property;
  optimizer_class->update_one = dz_ada_grad_update_one;

  /**
   * DzAdaGrad:lr:
   *
   * The learning rate (DeZero's default: 0.001).
   */
  ada_grad_properties[ADA_GRAD_PROP_LR] =
    g_param_spec_double ("lr", NULL, NULL, 0.0, G_MAXDOUBLE, 0.001,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY
                         | G_PARAM_STATIC_STRINGS);

  /**
   * DzAdaGrad:eps:
   *
   * The term that keeps the division finite (DeZero's default: 1e-08).
   */
  ada_grad_properties[ADA_GRAD_PROP_EPS] =
    g_param_spec_double ("eps", NULL, NULL, 0.0, G_MAXDOUBLE, 1e-08,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY
                         | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, ADA_GRAD_N_PROPS, ada_grad_properties);
}

static void
dz_ada_grad_init (DzAdaGrad *self)
{
}

/**
 * dz_ada_grad_new:
 * @lr: the learning rate (not negative)
 * @eps: the term that keeps the division finite (not negative)
 *
 * Creates a AdaGrad optimizer. DeZero's defaults are lr=0.001, eps=1e-08;
 * g_object_new() uses them for the properties not given.
 *
 * Returns: (transfer full): a new #DzAdaGrad
 */
DzOptimizer *
dz_ada_grad_new (double lr,
                 double eps)
{
  g_return_val_if_fail (lr >= 0.0, NULL);
  g_return_val_if_fail (eps >= 0.0, NULL);

  return g_object_new (DZ_TYPE_ADA_GRAD, "lr", lr, "eps", eps, NULL);
}

/**
 * dz_ada_grad_get_lr:
 * @self: a #DzAdaGrad
 *
 * Gets #DzAdaGrad:lr.
 *
 * Returns: the learning rate
 */
double
dz_ada_grad_get_lr (DzAdaGrad *self)
{
  g_return_val_if_fail (DZ_IS_ADA_GRAD (self), 0.0);

  return self->lr;
}

/**
 * dz_ada_grad_set_lr:
 * @self: a #DzAdaGrad
 * @lr: the learning rate (not negative)
 *
 * Sets #DzAdaGrad:lr.
 */
void
dz_ada_grad_set_lr (DzAdaGrad *self,
                    double     lr)
{
  g_return_if_fail (DZ_IS_ADA_GRAD (self));
  g_return_if_fail (lr >= 0.0);

  if (self->lr == lr)
    return;
  self->lr = lr;
  g_object_notify_by_pspec (G_OBJECT (self), ada_grad_properties[ADA_GRAD_PROP_LR]);
}

/**
 * dz_ada_grad_get_eps:
 * @self: a #DzAdaGrad
 *
 * Gets #DzAdaGrad:eps.
 *
 * Returns: the term that keeps the division finite
 */
double
dz_ada_grad_get_eps (DzAdaGrad *self)
{
  g_return_val_if_fail (DZ_IS_ADA_GRAD (self), 0.0);

  return self->eps;
}

/**
 * dz_ada_grad_set_eps:
 * @self: a #DzAdaGrad
 * @eps: the term that keeps the division finite (not negative)
 *
 * Sets #DzAdaGrad:eps.
 */
void
dz_ada_grad_set_eps (DzAdaGrad *self,
                     double     eps)
{
  g_return_if_fail (DZ_IS_ADA_GRAD (self));
  g_return_if_fail (eps >= 0.0);

  if (self->eps == eps)
    return;
  self->eps = eps;
  g_object_notify_by_pspec (G_OBJECT (self), ada_grad_properties[ADA_GRAD_PROP_EPS]);
}

/**
 * DzAdaDelta:
 *
 * AdaDelta, DeZero's `AdaDelta`: running averages of the squared
 * gradients and of the squared steps per parameter, and no learning rate.
 */
struct _DzAdaDelta
{
  DzOptimizer parent_instance;

  double rho;
  double eps;
};

G_DEFINE_FINAL_TYPE (DzAdaDelta, dz_ada_delta, DZ_TYPE_OPTIMIZER)

enum
{
  ADA_DELTA_PROP_0,
  ADA_DELTA_PROP_RHO,
  ADA_DELTA_PROP_EPS,
  ADA_DELTA_N_PROPS
};

static GParamSpec *ada_delta_properties[ADA_DELTA_N_PROPS];

static gboolean
dz_ada_delta_update_one (DzOptimizer  *optimizer,
                         DzVariable   *param,
                         guint         index,
                         GError      **error)
{
  DzAdaDelta *self = DZ_ADA_DELTA (optimizer);
  Step step;

  if (!step_begin (optimizer, param, 2, &step, error))
    return FALSE;
  DZ_OPTIM_DISPATCH (step.data->dtype, ada_delta, step.data->size, step.data->data, step.grad->data,
                     step.out->data, step.state[0], step.state[1], self->rho, self->eps);
  step_end (param, &step);
  return TRUE;
}

static void
dz_ada_delta_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  DzAdaDelta *self = DZ_ADA_DELTA (object);

  switch (prop_id)
    {
    case ADA_DELTA_PROP_RHO:
      g_value_set_double (value, self->rho);
      break;
    case ADA_DELTA_PROP_EPS:
      g_value_set_double (value, self->eps);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_ada_delta_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  DzAdaDelta *self = DZ_ADA_DELTA (object);

  switch (prop_id)
    {
    case ADA_DELTA_PROP_RHO:
      dz_ada_delta_set_rho (self, g_value_get_double (value));
      break;
    case ADA_DELTA_PROP_EPS:
      dz_ada_delta_set_eps (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_ada_delta_class_init (DzAdaDeltaClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  DzOptimizerClass *optimizer_class = DZ_OPTIMIZER_CLASS (klass);

  object_class->get_property = dz_ada_delta_get_property;
  object_class->set_property = dz_ada_delta_set_property;
  optimizer_class->update_one = dz_ada_delta_update_one;

  /**
   * DzAdaDelta:rho:
   *
   * The decay of the running averages (DeZero's default: 0.95).
   */
  ada_delta_properties[ADA_DELTA_PROP_RHO] =
    g_param_spec_double ("rho", NULL, NULL, 0.0, 1.0, 0.95,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY
                         | G_PARAM_STATIC_STRINGS);

  /**
   * DzAdaDelta:eps:
   *
   * The term that keeps the ratio finite (DeZero's default: 1e-06).
   */
  ada_delta_properties[ADA_DELTA_PROP_EPS] =
    g_param_spec_double ("eps", NULL, NULL, 0.0, G_MAXDOUBLE, 1e-06,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY
                         | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, ADA_DELTA_N_PROPS, ada_delta_properties);
}

static void
dz_ada_delta_init (DzAdaDelta *self)
{
}

/**
 * dz_ada_delta_new:
 * @rho: the decay of the running averages, in [0, 1]
 * @eps: the term that keeps the ratio finite (not negative)
 *
 * Creates a AdaDelta optimizer. DeZero's defaults are rho=0.95, eps=1e-06;
 * g_object_new() uses them for the properties not given.
 *
 * Returns: (transfer full): a new #DzAdaDelta
 */
DzOptimizer *
dz_ada_delta_new (double rho,
                  double eps)
{
  g_return_val_if_fail (rho >= 0.0 && rho <= 1.0, NULL);
  g_return_val_if_fail (eps >= 0.0, NULL);

  return g_object_new (DZ_TYPE_ADA_DELTA, "rho", rho, "eps", eps, NULL);
}

/**
 * dz_ada_delta_get_rho:
 * @self: a #DzAdaDelta
 *
 * Gets #DzAdaDelta:rho.
 *
 * Returns: the decay of the running averages
 */
double
dz_ada_delta_get_rho (DzAdaDelta *self)
{
  g_return_val_if_fail (DZ_IS_ADA_DELTA (self), 0.0);

  return self->rho;
}

/**
 * dz_ada_delta_set_rho:
 * @self: a #DzAdaDelta
 * @rho: the decay of the running averages, in [0, 1]
 *
 * Sets #DzAdaDelta:rho.
 */
void
dz_ada_delta_set_rho (DzAdaDelta *self,
                      double      rho)
{
  g_return_if_fail (DZ_IS_ADA_DELTA (self));
  g_return_if_fail (rho >= 0.0 && rho <= 1.0);

  if (self->rho == rho)
    return;
  self->rho = rho;
  g_object_notify_by_pspec (G_OBJECT (self), ada_delta_properties[ADA_DELTA_PROP_RHO]);
}

/**
 * dz_ada_delta_get_eps:
 * @self: a #DzAdaDelta
 *
 * Gets #DzAdaDelta:eps.
 *
 * Returns: the term that keeps the ratio finite
 */
double
dz_ada_delta_get_eps (DzAdaDelta *self)
{
  g_return_val_if_fail (DZ_IS_ADA_DELTA (self), 0.0);

  return self->eps;
}

/**
 * dz_ada_delta_set_eps:
 * @self: a #DzAdaDelta
 * @eps: the term that keeps the ratio finite (not negative)
 *
 * Sets #DzAdaDelta:eps.
 */
void
dz_ada_delta_set_eps (DzAdaDelta *self,
                      double      eps)
{
  g_return_if_fail (DZ_IS_ADA_DELTA (self));
  g_return_if_fail (eps >= 0.0);

  if (self->eps == eps)
    return;
  self->eps = eps;
  g_object_notify_by_pspec (G_OBJECT (self), ada_delta_properties[ADA_DELTA_PROP_EPS]);
}

/**
 * DzAdam:
 *
 * Adam, DeZero's `Adam`: running averages `m` of the gradients and `v`
 * of their squares per parameter, and a step count #DzAdam:t that
 * dz_optimizer_update() increments before updating. The step is
 * `param -= lr * m / (sqrt (v) + eps)` with the bias-corrected
 * `lr = alpha * sqrt (1 - beta2^t) / (1 - beta1^t)` (#DzAdam:lr).
 */
struct _DzAdam
{
  DzOptimizer parent_instance;

  double alpha;
  double beta1;
  double beta2;
  double eps;
  guint t;
  double lr;
};

G_DEFINE_FINAL_TYPE (DzAdam, dz_adam, DZ_TYPE_OPTIMIZER)

enum
{
  ADAM_PROP_0,
  ADAM_PROP_ALPHA,
  ADAM_PROP_BETA1,
  ADAM_PROP_BETA2,
  ADAM_PROP_EPS,
  ADAM_PROP_T,
  ADAM_PROP_LR,
  ADAM_N_PROPS
};

static GParamSpec *adam_properties[ADAM_N_PROPS];

/* DeZero's Adam.update(): the step count goes up before the parameters
 * are updated, even when none has a gradient. */
static gboolean
dz_adam_update (DzOptimizer  *optimizer,
                GError      **error)
{
  DzAdam *self = DZ_ADAM (optimizer);

  self->t++;
  self->lr = dz_adam_get_lr (self);
  return DZ_OPTIMIZER_CLASS (dz_adam_parent_class)->update (optimizer, error);
}

static gboolean
dz_adam_update_one (DzOptimizer  *optimizer,
                    DzVariable   *param,
                    guint         index,
                    GError      **error)
{
  DzAdam *self = DZ_ADAM (optimizer);
  Step step;

  if (!step_begin (optimizer, param, 2, &step, error))
    return FALSE;
  DZ_OPTIM_DISPATCH (step.data->dtype, adam, step.data->size, step.data->data, step.grad->data,
                     step.out->data, step.state[0], step.state[1], self->lr, self->beta1, self->beta2,
                     self->eps);
  step_end (param, &step);
  return TRUE;
}

static void
dz_adam_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  DzAdam *self = DZ_ADAM (object);

  switch (prop_id)
    {
    case ADAM_PROP_ALPHA:
      g_value_set_double (value, self->alpha);
      break;
    case ADAM_PROP_BETA1:
      g_value_set_double (value, self->beta1);
      break;
    case ADAM_PROP_BETA2:
      g_value_set_double (value, self->beta2);
      break;
    case ADAM_PROP_EPS:
      g_value_set_double (value, self->eps);
      break;
    case ADAM_PROP_T:
      g_value_set_uint (value, self->t);
      break;
    case ADAM_PROP_LR:
      g_value_set_double (value, dz_adam_get_lr (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_adam_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  DzAdam *self = DZ_ADAM (object);

  switch (prop_id)
    {
    case ADAM_PROP_ALPHA:
      dz_adam_set_alpha (self, g_value_get_double (value));
      break;
    case ADAM_PROP_BETA1:
      dz_adam_set_beta1 (self, g_value_get_double (value));
      break;
    case ADAM_PROP_BETA2:
      dz_adam_set_beta2 (self, g_value_get_double (value));
      break;
    case ADAM_PROP_EPS:
      dz_adam_set_eps (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_adam_class_init (DzAdamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  DzOptimizerClass *optimizer_class = DZ_OPTIMIZER_CLASS (klass);

  object_class->get_property = dz_adam_get_property;
  object_class->set_property = dz_adam_set_property;
  optimizer_class->update = dz_adam_update;
  optimizer_class->update_one = dz_adam_update_one;

  /**
   * DzAdam:alpha:
   *
   * The step size (DeZero's default: 0.001).
   */
  adam_properties[ADAM_PROP_ALPHA] =
    g_param_spec_double ("alpha", NULL, NULL, 0.0, G_MAXDOUBLE, 0.001,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY
                         | G_PARAM_STATIC_STRINGS);

  /**
   * DzAdam:beta1:
   *
   * The decay of the running average of the gradients (DeZero's default: 0.9).
   */
  adam_properties[ADAM_PROP_BETA1] =
    g_param_spec_double ("beta1", NULL, NULL, 0.0, 1.0, 0.9,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY
                         | G_PARAM_STATIC_STRINGS);

  /**
   * DzAdam:beta2:
   *
   * The decay of the running average of the squared gradients (DeZero's default: 0.999).
   */
  adam_properties[ADAM_PROP_BETA2] =
    g_param_spec_double ("beta2", NULL, NULL, 0.0, 1.0, 0.999,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY
                         | G_PARAM_STATIC_STRINGS);

  /**
   * DzAdam:eps:
   *
   * The term that keeps the division finite (DeZero's default: 1e-08).
   */
  adam_properties[ADAM_PROP_EPS] =
    g_param_spec_double ("eps", NULL, NULL, 0.0, G_MAXDOUBLE, 1e-08,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY
                         | G_PARAM_STATIC_STRINGS);

  /**
   * DzAdam:t:
   *
   * The number of updates so far. It changes with every update, without
   * notification.
   */
  adam_properties[ADAM_PROP_T] =
    g_param_spec_uint ("t", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * DzAdam:lr:
   *
   * The bias-corrected learning rate of the current step,
   * `alpha * sqrt (1 - beta2^t) / (1 - beta1^t)` (DeZero's `Adam.lr`). It
   * changes with every update, without notification.
   */
  adam_properties[ADAM_PROP_LR] =
    g_param_spec_double ("lr", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, ADAM_N_PROPS, adam_properties);
}

static void
dz_adam_init (DzAdam *self)
{
}

/**
 * dz_adam_new:
 * @alpha: the step size (not negative)
 * @beta1: the decay of the running average of the gradients, in [0, 1]
 * @beta2: the decay of the running average of the squared gradients, in [0, 1]
 * @eps: the term that keeps the division finite (not negative)
 *
 * Creates a Adam optimizer. DeZero's defaults are alpha=0.001, beta1=0.9, beta2=0.999, eps=1e-08;
 * g_object_new() uses them for the properties not given.
 *
 * Returns: (transfer full): a new #DzAdam
 */
DzOptimizer *
dz_adam_new (double alpha,
             double beta1,
             double beta2,
             double eps)
{
  g_return_val_if_fail (alpha >= 0.0, NULL);
  g_return_val_if_fail (beta1 >= 0.0 && beta1 <= 1.0, NULL);
  g_return_val_if_fail (beta2 >= 0.0 && beta2 <= 1.0, NULL);
  g_return_val_if_fail (eps >= 0.0, NULL);

  return g_object_new (DZ_TYPE_ADAM, "alpha", alpha, "beta1", beta1, "beta2", beta2, "eps", eps, NULL);
}

/**
 * dz_adam_get_alpha:
 * @self: a #DzAdam
 *
 * Gets #DzAdam:alpha.
 *
 * Returns: the step size
 */
double
dz_adam_get_alpha (DzAdam *self)
{
  g_return_val_if_fail (DZ_IS_ADAM (self), 0.0);

  return self->alpha;
}

/**
 * dz_adam_set_alpha:
 * @self: a #DzAdam
 * @alpha: the step size (not negative)
 *
 * Sets #DzAdam:alpha.
 */
void
dz_adam_set_alpha (DzAdam *self,
                   double  alpha)
{
  g_return_if_fail (DZ_IS_ADAM (self));
  g_return_if_fail (alpha >= 0.0);

  if (self->alpha == alpha)
    return;
  self->alpha = alpha;
  g_object_notify_by_pspec (G_OBJECT (self), adam_properties[ADAM_PROP_ALPHA]);
}

/**
 * dz_adam_get_beta1:
 * @self: a #DzAdam
 *
 * Gets #DzAdam:beta1.
 *
 * Returns: the decay of the running average of the gradients
 */
double
dz_adam_get_beta1 (DzAdam *self)
{
  g_return_val_if_fail (DZ_IS_ADAM (self), 0.0);

  return self->beta1;
}

/**
 * dz_adam_set_beta1:
 * @self: a #DzAdam
 * @beta1: the decay of the running average of the gradients, in [0, 1]
 *
 * Sets #DzAdam:beta1.
 */
void
dz_adam_set_beta1 (DzAdam *self,
                   double  beta1)
{
  g_return_if_fail (DZ_IS_ADAM (self));
  g_return_if_fail (beta1 >= 0.0 && beta1 <= 1.0);

  if (self->beta1 == beta1)
    return;
  self->beta1 = beta1;
  g_object_notify_by_pspec (G_OBJECT (self), adam_properties[ADAM_PROP_BETA1]);
}

/**
 * dz_adam_get_beta2:
 * @self: a #DzAdam
 *
 * Gets #DzAdam:beta2.
 *
 * Returns: the decay of the running average of the squared gradients
 */
double
dz_adam_get_beta2 (DzAdam *self)
{
  g_return_val_if_fail (DZ_IS_ADAM (self), 0.0);

  return self->beta2;
}

/**
 * dz_adam_set_beta2:
 * @self: a #DzAdam
 * @beta2: the decay of the running average of the squared gradients, in [0, 1]
 *
 * Sets #DzAdam:beta2.
 */
void
dz_adam_set_beta2 (DzAdam *self,
                   double  beta2)
{
  g_return_if_fail (DZ_IS_ADAM (self));
  g_return_if_fail (beta2 >= 0.0 && beta2 <= 1.0);

  if (self->beta2 == beta2)
    return;
  self->beta2 = beta2;
  g_object_notify_by_pspec (G_OBJECT (self), adam_properties[ADAM_PROP_BETA2]);
}

/**
 * dz_adam_get_eps:
 * @self: a #DzAdam
 *
 * Gets #DzAdam:eps.
 *
 * Returns: the term that keeps the division finite
 */
double
dz_adam_get_eps (DzAdam *self)
{
  g_return_val_if_fail (DZ_IS_ADAM (self), 0.0);

  return self->eps;
}

/**
 * dz_adam_set_eps:
 * @self: a #DzAdam
 * @eps: the term that keeps the division finite (not negative)
 *
 * Sets #DzAdam:eps.
 */
void
dz_adam_set_eps (DzAdam *self,
                 double  eps)
{
  g_return_if_fail (DZ_IS_ADAM (self));
  g_return_if_fail (eps >= 0.0);

  if (self->eps == eps)
    return;
  self->eps = eps;
  g_object_notify_by_pspec (G_OBJECT (self), adam_properties[ADAM_PROP_EPS]);
}

/**
 * dz_adam_get_t:
 * @self: a #DzAdam
 *
 * Gets #DzAdam:t, the number of updates so far.
 *
 * Returns: the step count
 */
guint
dz_adam_get_t (DzAdam *self)
{
  g_return_val_if_fail (DZ_IS_ADAM (self), 0);

  return self->t;
}

/**
 * dz_adam_get_lr:
 * @self: a #DzAdam
 *
 * Gets #DzAdam:lr, the bias-corrected learning rate at step #DzAdam:t:
 * `alpha * sqrt (1 - beta2^t) / (1 - beta1^t)`, as DeZero's `Adam.lr`
 * (not a number before the first update, where DeZero divides by zero).
 *
 * Returns: the learning rate of the current step
 */
double
dz_adam_get_lr (DzAdam *self)
{
  double fix1, fix2;

  g_return_val_if_fail (DZ_IS_ADAM (self), 0.0);

  fix1 = 1.0 - pow (self->beta1, self->t);
  fix2 = 1.0 - pow (self->beta2, self->t);
  return self->alpha * sqrt (fix2) / fix1;
}
