/* dz-linear-layer.h: a fully connected layer
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include "dz-dtype.h"
#include "dz-generator.h"
#include "dz-layer.h"

G_BEGIN_DECLS

/**
 * DZ_TYPE_LINEAR_LAYER:
 *
 * The #GType of #DzLinearLayer.
 */
#define DZ_TYPE_LINEAR_LAYER (dz_linear_layer_get_type ())

/**
 * DzLinearLayerClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzLinearLayer. #DzLinearLayer is final: it has
 * no virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzLinearLayer, dz_linear_layer, DZ, LINEAR_LAYER, DzLayer)

DZ_AVAILABLE_IN_ALL
DzLayer *dz_linear_layer_new              (gsize        out_size,
                                           gboolean     nobias,
                                           DzDtype      dtype,
                                           DzGenerator *generator);
DZ_AVAILABLE_IN_ALL
DzLayer *dz_linear_layer_new_with_in_size (gsize        in_size,
                                           gsize        out_size,
                                           gboolean     nobias,
                                           DzDtype      dtype,
                                           DzGenerator *generator);
DZ_AVAILABLE_IN_ALL
gsize    dz_linear_layer_get_in_size      (DzLinearLayer *self);
DZ_AVAILABLE_IN_ALL
gsize    dz_linear_layer_get_out_size     (DzLinearLayer *self);

G_END_DECLS
