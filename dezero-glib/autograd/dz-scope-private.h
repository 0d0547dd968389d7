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
 * tells an object nobody else uses from one a live graph still needs.
 *
 * Only a scope reads holder counts, and only of the objects it tracks,
 * which it tracks from their creation on. The others keep the count
 * DZ_HOLDERS_UNTRACKED and skip the atomic operations: outside scopes a
 * graph link costs no more than its reference. */
#define DZ_HOLDERS_UNTRACKED (-1)

/* The holder count of an array, variable or function, by a direct type
 * test: this runs for every graph link made or dropped. */
gint *dz_holders_of (gpointer object);

/* For a counter already at hand: the hot paths know their types. */
static inline void
dz_hold_count (gint *holders)
{
  /* Untracked stays untracked and tracked stays >= 0: no race here. */
  if (G_UNLIKELY (g_atomic_int_get (holders) != DZ_HOLDERS_UNTRACKED))
    g_atomic_int_inc (holders);
}

static inline void
dz_unhold_count (gint *holders)
{
  if (G_UNLIKELY (g_atomic_int_get (holders) != DZ_HOLDERS_UNTRACKED))
    (void) g_atomic_int_dec_and_test (holders);
}

#define dz_hold(object) dz_hold_count (dz_holders_of (object))
#define dz_unhold(object) dz_unhold_count (dz_holders_of (object))

/* Called by every array, variable and function at init, with its holder
 * count: records it in the innermost open scope, if any. */
void dz_scope_track_new (gpointer  object,
                         gint     *holders);

G_END_DECLS
