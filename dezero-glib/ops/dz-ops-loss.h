/* dz-ops-loss.h: losses and metrics
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
DzVariable *dz_mean_squared_error    (DzVariable  *x0,
                                      DzVariable  *x1,
                                      GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_softmax_cross_entropy (DzVariable  *x,
                                      DzVariable  *t,
                                      GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_sigmoid_cross_entropy (DzVariable  *x,
                                      DzVariable  *t,
                                      GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_accuracy              (DzVariable  *y,
                                      DzVariable  *t,
                                      GError     **error);

G_END_DECLS
