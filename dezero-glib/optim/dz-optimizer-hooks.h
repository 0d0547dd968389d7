/* dz-optimizer-hooks.h: DeZero's optimizer hooks
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
 * DZ_TYPE_WEIGHT_DECAY:
 *
 * The #GType of #DzWeightDecay.
 */
#define DZ_TYPE_WEIGHT_DECAY (dz_weight_decay_get_type ())

/**
 * DzWeightDecayClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzWeightDecay. #DzWeightDecay is final: it has no
 * virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzWeightDecay, dz_weight_decay, DZ, WEIGHT_DECAY, DzOptimizerHook)

DZ_AVAILABLE_IN_ALL
DzOptimizerHook *dz_weight_decay_new      (double         rate);
DZ_AVAILABLE_IN_ALL
double           dz_weight_decay_get_rate (DzWeightDecay *self);
DZ_AVAILABLE_IN_ALL
void             dz_weight_decay_set_rate (DzWeightDecay *self,
                                           double         rate);

/**
 * DZ_TYPE_CLIP_GRAD:
 *
 * The #GType of #DzClipGrad.
 */
#define DZ_TYPE_CLIP_GRAD (dz_clip_grad_get_type ())

/**
 * DzClipGradClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzClipGrad. #DzClipGrad is final: it has no
 * virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzClipGrad, dz_clip_grad, DZ, CLIP_GRAD, DzOptimizerHook)

DZ_AVAILABLE_IN_ALL
DzOptimizerHook *dz_clip_grad_new          (double      max_norm);
DZ_AVAILABLE_IN_ALL
double           dz_clip_grad_get_max_norm (DzClipGrad *self);
DZ_AVAILABLE_IN_ALL
void             dz_clip_grad_set_max_norm (DzClipGrad *self,
                                            double      max_norm);

/**
 * DZ_TYPE_FREEZE_PARAM:
 *
 * The #GType of #DzFreezeParam.
 */
#define DZ_TYPE_FREEZE_PARAM (dz_freeze_param_get_type ())

/**
 * DzFreezeParamClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzFreezeParam. #DzFreezeParam is final: it has no
 * virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzFreezeParam, dz_freeze_param, DZ, FREEZE_PARAM, DzOptimizerHook)

DZ_AVAILABLE_IN_ALL
DzOptimizerHook *dz_freeze_param_new           (GPtrArray *params);
DZ_AVAILABLE_IN_ALL
DzOptimizerHook *dz_freeze_param_new_for_layer (DzLayer   *layer);

G_END_DECLS
