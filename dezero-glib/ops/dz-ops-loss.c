/* dz-ops-loss.c: losses and metrics
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-op-private.h"

DzOpDef *const dz_ops_loss[] = {
  NULL,
};
