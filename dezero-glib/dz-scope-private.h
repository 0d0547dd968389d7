/* dz-scope-private.h: holder counts and scope tracking
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-scope.h"

G_BEGIN_DECLS

/* A holder is a reference from inside the graph: a variable's data, grad
 * or creator, a function's input. References from language-binding
 * wrappers or from a scope are not holders, which is how a closing scope
 * tells an object nobody else uses from one a live graph still needs. */
#define dz_hold(object) g_atomic_int_inc (dz_holders_of (object))
#define dz_unhold(object) (void) g_atomic_int_dec_and_test (dz_holders_of (object))

/* The holder count of an array, variable or function, by a direct type
 * test: this runs for every graph link made or dropped. */
gint *dz_holders_of (gpointer object);

/* Called by every array, variable and function at init. */
void dz_scope_track_new (gpointer object);

G_END_DECLS
