/* dz-layer-private.h: what optimizers may know about layers
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-layer.h"

G_BEGIN_DECLS

/* Changes whenever a parameter or layer is registered in, or dropped from,
 * any layer. */
guint dz_layer_get_structure_serial (void);

G_END_DECLS
