/* dz-config.h: per-thread switches
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "dz-version-macros.h"

G_BEGIN_DECLS

/**
 * DzNoGradFunc:
 * @user_data: the data given with the callback
 *
 * The body of dz_no_grad().
 *
 * Returns: (transfer full) (nullable): a result to hand back, or %NULL
 */
typedef GObject * (* DzNoGradFunc) (gpointer user_data);

/**
 * DzNoGradGuard:
 *
 * A scoped switch to no-grad mode for C: backpropagation is disabled on
 * this thread from dz_no_grad_guard_new() until the guard is freed.
 *
 * |[<!-- language="C" -->
 * {
 *   g_autoptr(DzNoGradGuard) guard = dz_no_grad_guard_new ();
 *   y = dz_square (x);   // no graph recorded
 * }                      // previous setting restored
 * ]|
 */
typedef struct _DzNoGradGuard DzNoGradGuard;

DZ_AVAILABLE_IN_ALL
gboolean       dz_get_enable_backprop  (void);
DZ_AVAILABLE_IN_ALL
gboolean       dz_set_enable_backprop  (gboolean       enabled);
DZ_AVAILABLE_IN_ALL
GObject       *dz_no_grad              (DzNoGradFunc   func,
                                        gpointer       user_data);
DZ_AVAILABLE_IN_ALL
DzNoGradGuard *dz_no_grad_guard_new    (void);
DZ_AVAILABLE_IN_ALL
void           dz_no_grad_guard_free   (DzNoGradGuard *guard);

DZ_AVAILABLE_IN_ALL
gboolean       dz_get_train            (void);
DZ_AVAILABLE_IN_ALL
gboolean       dz_set_train            (gboolean       train);
DZ_AVAILABLE_IN_ALL
void           dz_set_num_threads      (guint          n_threads);
DZ_AVAILABLE_IN_ALL
guint          dz_get_num_threads      (void);
DZ_AVAILABLE_IN_ALL
const char    *dz_get_blas_name        (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DzNoGradGuard, dz_no_grad_guard_free)

G_END_DECLS
