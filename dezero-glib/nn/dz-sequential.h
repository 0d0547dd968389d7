/* dz-sequential.h: layers applied one after the other
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include "dz-model.h"

G_BEGIN_DECLS

/**
 * DZ_TYPE_SEQUENTIAL:
 *
 * The #GType of #DzSequential.
 */
#define DZ_TYPE_SEQUENTIAL (dz_sequential_get_type ())

/**
 * DzSequentialClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzSequential. #DzSequential is final: it has no
 * virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzSequential, dz_sequential, DZ, SEQUENTIAL, DzModel)

DZ_AVAILABLE_IN_ALL
DzLayer *dz_sequential_new          (DzLayer      **layers,
                                     guint          n_layers);
DZ_AVAILABLE_IN_ALL
void     dz_sequential_append       (DzSequential  *self,
                                     DzLayer       *layer);
DZ_AVAILABLE_IN_ALL
guint    dz_sequential_get_n_layers (DzSequential  *self);

G_END_DECLS
