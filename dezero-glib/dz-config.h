/* dz-config.h: per-thread switches
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "dz-version-macros.h"

G_BEGIN_DECLS

DZ_AVAILABLE_IN_ALL
gboolean dz_get_enable_backprop (void);
DZ_AVAILABLE_IN_ALL
gboolean dz_set_enable_backprop (gboolean enabled);

G_END_DECLS
