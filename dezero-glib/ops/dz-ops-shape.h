/* dz-ops-shape.h: operations that move values without computing
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include "dz-variable.h"
#include "dz-index.h"

G_BEGIN_DECLS

DZ_AVAILABLE_IN_ALL
DzVariable *dz_reshape      (DzVariable    *x,
                             const gssize  *shape,
                             guint          ndim,
                             GError       **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_broadcast_to (DzVariable    *x,
                             const gsize   *shape,
                             guint          ndim,
                             GError       **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_sum_to       (DzVariable    *x,
                             const gsize   *shape,
                             guint          ndim,
                             GError       **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_transpose    (DzVariable    *x,
                             const gint    *axes,
                             guint          n_axes,
                             GError       **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_expand_dims  (DzVariable    *x,
                             gint           axis,
                             GError       **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_squeeze      (DzVariable    *x,
                             const gint    *axis,
                             guint          n_axis,
                             GError       **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_flatten      (DzVariable    *x,
                             GError       **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_get_item     (DzVariable    *x,
                             DzIndex       *index,
                             GError       **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_concatenate  (DzVariable   **xs,
                             guint          n_xs,
                             gint           axis,
                             GError       **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_stack        (DzVariable   **xs,
                             guint          n_xs,
                             gint           axis,
                             GError       **error);

G_END_DECLS
