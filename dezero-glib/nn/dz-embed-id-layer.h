/* dz-embed-id-layer.h: a table of vectors looked up by integer id
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
 * DZ_TYPE_EMBED_ID_LAYER:
 *
 * The #GType of #DzEmbedIDLayer.
 */
#define DZ_TYPE_EMBED_ID_LAYER (dz_embed_id_layer_get_type ())

/**
 * DzEmbedIDLayerClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzEmbedIDLayer. #DzEmbedIDLayer is final: it
 * has no virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzEmbedIDLayer, dz_embed_id_layer, DZ, EMBED_ID_LAYER, DzLayer)

DZ_AVAILABLE_IN_ALL
DzLayer *dz_embed_id_layer_new (gsize        in_size,
                                gsize        out_size,
                                DzDtype      dtype,
                                DzGenerator *generator);

G_END_DECLS
