/* dz-lstm-layer.h: a long short-term memory layer
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
 * DZ_TYPE_LSTM_LAYER:
 *
 * The #GType of #DzLSTMLayer.
 */
#define DZ_TYPE_LSTM_LAYER (dz_lstm_layer_get_type ())

/**
 * DzLSTMLayerClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzLSTMLayer. #DzLSTMLayer is final: it has no
 * virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzLSTMLayer, dz_lstm_layer, DZ, LSTM_LAYER, DzLayer)

DZ_AVAILABLE_IN_ALL
DzLayer    *dz_lstm_layer_new             (gsize        hidden_size,
                                          gsize        in_size,
                                          DzDtype      dtype,
                                          DzGenerator *generator);
DZ_AVAILABLE_IN_ALL
void        dz_lstm_layer_reset_state     (DzLSTMLayer  *self);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_lstm_layer_get_h           (DzLSTMLayer  *self);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_lstm_layer_get_c           (DzLSTMLayer  *self);
DZ_AVAILABLE_IN_ALL
gsize       dz_lstm_layer_get_hidden_size (DzLSTMLayer  *self);

G_END_DECLS
