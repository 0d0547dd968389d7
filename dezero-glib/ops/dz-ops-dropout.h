/* dz-ops-dropout.h: dropout, the regularizer that differs between training and test
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include "dz-generator.h"
#include "dz-variable.h"

G_BEGIN_DECLS

DZ_AVAILABLE_IN_ALL
DzVariable *dz_dropout (DzVariable   *x,
                        double        ratio,
                        DzGenerator  *generator,
                        GError      **error);

G_END_DECLS
