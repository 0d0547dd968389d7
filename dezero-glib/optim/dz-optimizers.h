/* dz-optimizers.h: DeZero's update rules
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include "dz-optimizer.h"

G_BEGIN_DECLS

/**
 * DZ_TYPE_SGD:
 *
 * The #GType of #DzSGD.
 */
#define DZ_TYPE_SGD (dz_sgd_get_type ())

/**
 * DzSGDClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzSGD. #DzSGD is final: it has no virtual
 * functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzSGD, dz_sgd, DZ, SGD, DzOptimizer)

DZ_AVAILABLE_IN_ALL
DzOptimizer *dz_sgd_new    (double lr);
DZ_AVAILABLE_IN_ALL
double      dz_sgd_get_lr (DzSGD *self);
DZ_AVAILABLE_IN_ALL
void         dz_sgd_set_lr (DzSGD *self,
                            double lr);

/**
 * DZ_TYPE_MOMENTUM_SGD:
 *
 * The #GType of #DzMomentumSGD.
 */
#define DZ_TYPE_MOMENTUM_SGD (dz_momentum_sgd_get_type ())

/**
 * DzMomentumSGDClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzMomentumSGD. #DzMomentumSGD is final: it has no virtual
 * functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzMomentumSGD, dz_momentum_sgd, DZ, MOMENTUM_SGD, DzOptimizer)

DZ_AVAILABLE_IN_ALL
DzOptimizer *dz_momentum_sgd_new          (double lr,
                                           double momentum);
DZ_AVAILABLE_IN_ALL
double      dz_momentum_sgd_get_lr       (DzMomentumSGD *self);
DZ_AVAILABLE_IN_ALL
void         dz_momentum_sgd_set_lr       (DzMomentumSGD *self,
                                           double        lr);
DZ_AVAILABLE_IN_ALL
double      dz_momentum_sgd_get_momentum (DzMomentumSGD *self);
DZ_AVAILABLE_IN_ALL
void         dz_momentum_sgd_set_momentum (DzMomentumSGD *self,
                                           double        momentum);

/**
 * DZ_TYPE_ADA_GRAD:
 *
 * The #GType of #DzAdaGrad.
 */
#define DZ_TYPE_ADA_GRAD (dz_ada_grad_get_type ())

/**
 * DzAdaGradClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzAdaGrad. #DzAdaGrad is final: it has no virtual
 * functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzAdaGrad, dz_ada_grad, DZ, ADA_GRAD, DzOptimizer)

DZ_AVAILABLE_IN_ALL
DzOptimizer *dz_ada_grad_new     (double lr,
                                  double eps);
DZ_AVAILABLE_IN_ALL
double      dz_ada_grad_get_lr  (DzAdaGrad *self);
DZ_AVAILABLE_IN_ALL
void         dz_ada_grad_set_lr  (DzAdaGrad *self,
                                  double    lr);
DZ_AVAILABLE_IN_ALL
double      dz_ada_grad_get_eps (DzAdaGrad *self);
DZ_AVAILABLE_IN_ALL
void         dz_ada_grad_set_eps (DzAdaGrad *self,
                                  double    eps);

/**
 * DZ_TYPE_ADA_DELTA:
 *
 * The #GType of #DzAdaDelta.
 */
#define DZ_TYPE_ADA_DELTA (dz_ada_delta_get_type ())

/**
 * DzAdaDeltaClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzAdaDelta. #DzAdaDelta is final: it has no virtual
 * functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzAdaDelta, dz_ada_delta, DZ, ADA_DELTA, DzOptimizer)

DZ_AVAILABLE_IN_ALL
DzOptimizer *dz_ada_delta_new     (double rho,
                                   double eps);
DZ_AVAILABLE_IN_ALL
double      dz_ada_delta_get_rho (DzAdaDelta *self);
DZ_AVAILABLE_IN_ALL
void         dz_ada_delta_set_rho (DzAdaDelta *self,
                                   double     rho);
DZ_AVAILABLE_IN_ALL
double      dz_ada_delta_get_eps (DzAdaDelta *self);
DZ_AVAILABLE_IN_ALL
void         dz_ada_delta_set_eps (DzAdaDelta *self,
                                   double     eps);

/**
 * DZ_TYPE_ADAM:
 *
 * The #GType of #DzAdam.
 */
#define DZ_TYPE_ADAM (dz_adam_get_type ())

/**
 * DzAdamClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzAdam. #DzAdam is final: it has no virtual
 * functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzAdam, dz_adam, DZ, ADAM, DzOptimizer)

DZ_AVAILABLE_IN_ALL
DzOptimizer *dz_adam_new       (double alpha,
                                double beta1,
                                double beta2,
                                double eps);
DZ_AVAILABLE_IN_ALL
double      dz_adam_get_alpha (DzAdam *self);
DZ_AVAILABLE_IN_ALL
void         dz_adam_set_alpha (DzAdam *self,
                                double alpha);
DZ_AVAILABLE_IN_ALL
double      dz_adam_get_beta1 (DzAdam *self);
DZ_AVAILABLE_IN_ALL
void         dz_adam_set_beta1 (DzAdam *self,
                                double beta1);
DZ_AVAILABLE_IN_ALL
double      dz_adam_get_beta2 (DzAdam *self);
DZ_AVAILABLE_IN_ALL
void         dz_adam_set_beta2 (DzAdam *self,
                                double beta2);
DZ_AVAILABLE_IN_ALL
double      dz_adam_get_eps   (DzAdam *self);
DZ_AVAILABLE_IN_ALL
void         dz_adam_set_eps   (DzAdam *self,
                                double eps);
DZ_AVAILABLE_IN_ALL
guint        dz_adam_get_t     (DzAdam *self);
DZ_AVAILABLE_IN_ALL
double      dz_adam_get_lr    (DzAdam *self);

G_END_DECLS
