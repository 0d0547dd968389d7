/* dz-ops-linalg.c: matrix products on BLAS
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-op-private.h"

DzOpDef *const dz_ops_linalg[] = {
  NULL,
};
