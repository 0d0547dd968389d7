/* dz-ops-linalg.h: matrix products on BLAS
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
DzVariable *dz_matmul (DzVariable  *a,
                       DzVariable  *b,
                       GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_linear (DzVariable  *x,
                       DzVariable  *W,
                       DzVariable  *b,
                       GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_dot    (DzVariable  *a,
                       DzVariable  *b,
                       GError     **error);

G_END_DECLS
