/* dz-live-private.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-live.h"

G_BEGIN_DECLS

extern gint dz_live_counters[3];
extern gint dz_live_peaks[3];

/* GLib's own instance counting is compiled out in Debian's GLib, so the
 * types count themselves: init increments, dispose decrements. */
static inline void
dz_live_inc (DzLiveKind kind)
{
  gint now = g_atomic_int_add (&dz_live_counters[kind], 1) + 1;
  gint peak;

  while (now > (peak = g_atomic_int_get (&dz_live_peaks[kind])) &&
         !g_atomic_int_compare_and_exchange (&dz_live_peaks[kind], peak, now))
    ;
}

#define dz_live_dec(kind) (void) g_atomic_int_dec_and_test (&dz_live_counters[kind])

G_END_DECLS
