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

G_END_DECLS
