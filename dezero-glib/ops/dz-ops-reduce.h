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

G_END_DECLS
