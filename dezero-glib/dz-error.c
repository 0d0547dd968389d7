/* dz-error.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-error.h"

G_DEFINE_QUARK (dz-error-quark, dz_error)
