/* dz-ops-activation.c: sigmoid, relu, leaky_relu, softmax, log_softmax, logsumexp
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-op-private.h"

DzOpDef *const dz_ops_activation[] = {
  NULL,
};
