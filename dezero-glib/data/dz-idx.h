/* dz-idx.h: reading IDX files, the format of MNIST
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "dz-version-macros.h"
#include "dz-array.h"

G_BEGIN_DECLS

DZ_AVAILABLE_IN_ALL
DzArray *dz_idx_read (const char  *path,
                      DzDtype      dtype,
                      double       divisor,
                      GError     **error);

G_END_DECLS
