/* dz-live-private.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-live.h"

G_BEGIN_DECLS

extern gint dz_live_counters[3];

/* GLib's own instance counting is compiled out in Debian's GLib, so the
 * types count themselves: init increments, finalize decrements. */
#define dz_live_inc(kind) g_atomic_int_inc (&dz_live_counters[kind])
#define dz_live_dec(kind) (void) g_atomic_int_dec_and_test (&dz_live_counters[kind])

G_END_DECLS
