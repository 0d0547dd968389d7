/* dz-live.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-live-private.h"

gint dz_live_counters[3];
gint dz_live_peaks[3];
gint dz_live_tracking_peaks;

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

/**
 * dz_live_peak:
 * @kind: which kind of object to count
 *
 * Returns the highest value dz_live_count() reached for @kind since
 * dz_live_reset_peak() was last called: how many objects a computation
 * needed at once. Peaks are measured only from the first call to
 * dz_live_reset_peak() on, which spares every object construction an
 * atomic operation in programs that never ask; before it, this returns 0.
 *
 * Returns: the peak number of live objects of @kind
 */
guint
dz_live_peak (DzLiveKind kind)
{
  g_return_val_if_fail (kind <= DZ_LIVE_FUNCTION, 0);

  return (guint) g_atomic_int_get (&dz_live_peaks[kind]);
}

/**
 * dz_live_reset_peak:
 *
 * Starts measuring dz_live_peak() anew, from the current counts.
 */
void
dz_live_reset_peak (void)
{
  g_atomic_int_set (&dz_live_tracking_peaks, 1);
  for (guint i = 0; i < G_N_ELEMENTS (dz_live_peaks); i++)
    g_atomic_int_set (&dz_live_peaks[i], g_atomic_int_get (&dz_live_counters[i]));
}
