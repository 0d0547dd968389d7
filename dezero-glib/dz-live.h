/* dz-live.h: counts of objects not yet finalized
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include "dz-version-macros.h"

G_BEGIN_DECLS

/**
 * DzLiveKind:
 * @DZ_LIVE_ARRAY: #DzArray instances
 * @DZ_LIVE_VARIABLE: #DzVariable instances, subclasses included
 * @DZ_LIVE_FUNCTION: #DzFunction instances, built-in and user-defined
 *
 * The kinds of object counted by dz_live_count().
 */
typedef enum {
  DZ_LIVE_ARRAY,
  DZ_LIVE_VARIABLE,
  DZ_LIVE_FUNCTION,
} DzLiveKind;

DZ_AVAILABLE_IN_ALL
guint dz_live_count      (DzLiveKind kind);
DZ_AVAILABLE_IN_ALL
guint dz_live_peak       (DzLiveKind kind);
DZ_AVAILABLE_IN_ALL
void  dz_live_reset_peak (void);

G_END_DECLS
