/* dz-error.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-error.h"

/**
 * dz_error_quark:
 *
 * Gets the quark of the %DZ_ERROR error domain; use the %DZ_ERROR macro
 * instead in C.
 *
 * Returns: the error domain of dezero-glib
 */
G_DEFINE_QUARK (dz-error-quark, dz_error)
