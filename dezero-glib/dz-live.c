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
 * Returns how many objects of @kind exist right now in the whole process,
 * that is were initialized and not yet finalized.
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
