/* dz-kernels-gemm.c: see dz-kernels.h
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-kernels.h"
