/* dz-live.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-live-private.h"

gint dz_live_counters[3];

/**
 * dz_live_count:
 * @kind: which kind of object to count
 *
 * Returns how many objects of @kind in the whole process still hold their
 * contents: initialized and not yet disposed. In C that is the same as not
 * yet finalized, since an object is disposed when its last reference goes.
 * An object emptied early by a closing #DzScope (or g_object_run_dispose())
 * no longer counts: it holds no data and no references, only its small
 * instance, freed when the last language-binding wrapper is collected.
 *
 * Tests use it to prove that a graph is released when its last owner lets
 * go: after dropping every reference, all three counts are back to what they
 * were before the graph was built.
 *
 * Returns: the number of live objects of @kind
 */
guint
dz_live_count (DzLiveKind kind)
{
  g_return_val_if_fail (kind <= DZ_LIVE_FUNCTION, 0);

  return (guint) g_atomic_int_get (&dz_live_counters[kind]);
}
