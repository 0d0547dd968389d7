/* dz-ops-reduce.h: sum, mean, max, min over axes; clip
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include "dz-variable.h"

G_BEGIN_DECLS

DZ_AVAILABLE_IN_ALL
DzVariable *dz_sum  (DzVariable  *x,
                     const gint  *axis,
                     guint        n_axis,
                     gboolean     keepdims,
                     GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_mean (DzVariable  *x,
                     const gint  *axis,
                     guint        n_axis,
                     gboolean     keepdims,
                     GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_max  (DzVariable  *x,
                     const gint  *axis,
                     guint        n_axis,
                     gboolean     keepdims,
                     GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_min  (DzVariable  *x,
                     const gint  *axis,
                     guint        n_axis,
                     gboolean     keepdims,
                     GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_clip (DzVariable  *x,
                     double       x_min,
                     double       x_max,
                     GError     **error);

G_END_DECLS
