/* dz-ops-activation.h: sigmoid, relu, leaky_relu, softmax, log_softmax, logsumexp
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
DzVariable *dz_sigmoid     (DzVariable  *x,
                            GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_relu        (DzVariable  *x,
                            GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_leaky_relu  (DzVariable  *x,
                            double       slope,
                            GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_softmax     (DzVariable  *x,
                            gint         axis,
                            GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_log_softmax (DzVariable  *x,
                            gint         axis,
                            GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_logsumexp   (DzVariable  *x,
                            gint         axis,
                            GError     **error);

G_END_DECLS
