/* dz-live-private.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-live.h"

G_BEGIN_DECLS

extern gint dz_live_counters[3];
extern gint dz_live_peaks[3];
extern gint dz_live_tracking_peaks;

/* GLib's own instance counting is compiled out in Debian's GLib, so the
 * types count themselves: init increments, dispose decrements. */
static inline void
dz_live_inc (DzLiveKind kind)
{
  gint now = g_atomic_int_add (&dz_live_counters[kind], 1) + 1;
  gint peak;

  /* Peaks cost a compare-and-swap per object on a growing graph: they are
   * only kept once somebody asked for them (dz_live_reset_peak()). */
  if (G_LIKELY (!g_atomic_int_get (&dz_live_tracking_peaks)))
    return;
  while (now > (peak = g_atomic_int_get (&dz_live_peaks[kind])) &&
         !g_atomic_int_compare_and_exchange (&dz_live_peaks[kind], peak, now))
    ;
}

#define dz_live_dec(kind) (void) g_atomic_int_dec_and_test (&dz_live_counters[kind])

G_END_DECLS
