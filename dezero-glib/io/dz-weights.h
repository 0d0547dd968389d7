/* dz-weights.h: a layer tree's parameters in a safetensors file
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include "dz-layer.h"

G_BEGIN_DECLS

DZ_AVAILABLE_IN_ALL
gboolean dz_layer_save_weights (DzLayer     *self,
                                const char  *path,
                                GError     **error);
DZ_AVAILABLE_IN_ALL
gboolean dz_layer_load_weights (DzLayer     *self,
                                const char  *path,
                                GError     **error);

G_END_DECLS
