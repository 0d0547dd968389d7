/* dz-ops-reduce.c: sum, mean, max, min over axes; clip
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-op-private.h"

DzOpDef *const dz_ops_reduce[] = {
  NULL,
};
