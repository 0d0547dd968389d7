/* dz-rnn-layer.h: an Elman recurrent layer with tanh
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
 * DZ_TYPE_RNN_LAYER:
 *
 * The #GType of #DzRNNLayer.
 */
#define DZ_TYPE_RNN_LAYER (dz_rnn_layer_get_type ())

/**
 * DzRNNLayerClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzRNNLayer. #DzRNNLayer is final: it has no
 * virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzRNNLayer, dz_rnn_layer, DZ, RNN_LAYER, DzLayer)

DZ_AVAILABLE_IN_ALL
DzLayer    *dz_rnn_layer_new             (gsize        hidden_size,
                                          gsize        in_size,
                                          DzDtype      dtype,
                                          DzGenerator *generator);
DZ_AVAILABLE_IN_ALL
void        dz_rnn_layer_reset_state     (DzRNNLayer  *self);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_rnn_layer_get_h           (DzRNNLayer  *self);
DZ_AVAILABLE_IN_ALL
gsize       dz_rnn_layer_get_hidden_size (DzRNNLayer  *self);

G_END_DECLS
