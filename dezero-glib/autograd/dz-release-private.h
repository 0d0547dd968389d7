/* dz-release-private.h: dropping long graphs without deep recursion
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

void dz_release (gpointer object);

G_END_DECLS
