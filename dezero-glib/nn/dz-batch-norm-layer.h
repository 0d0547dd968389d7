/* dz-batch-norm-layer.h: batch normalization with running averages
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include "dz-layer.h"

G_BEGIN_DECLS

/**
 * DZ_TYPE_BATCH_NORM_LAYER:
 *
 * The #GType of #DzBatchNormLayer.
 */
#define DZ_TYPE_BATCH_NORM_LAYER (dz_batch_norm_layer_get_type ())

/**
 * DzBatchNormLayerClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzBatchNormLayer. #DzBatchNormLayer is final: it
 * has no virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzBatchNormLayer, dz_batch_norm_layer, DZ, BATCH_NORM_LAYER, DzLayer)

DZ_AVAILABLE_IN_ALL
DzLayer    *dz_batch_norm_layer_new              (double            decay,
                                                  double            eps);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_batch_norm_layer_get_running_mean (DzBatchNormLayer *self);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_batch_norm_layer_get_running_var  (DzBatchNormLayer *self);
DZ_AVAILABLE_IN_ALL
double      dz_batch_norm_layer_get_decay        (DzBatchNormLayer *self);
DZ_AVAILABLE_IN_ALL
double      dz_batch_norm_layer_get_eps          (DzBatchNormLayer *self);

G_END_DECLS
