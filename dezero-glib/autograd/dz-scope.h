/* dz-scope.h: releasing a block's objects deterministically
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
 * DZ_TYPE_SCOPE:
 *
 * The #GType of #DzScope.
 */
#define DZ_TYPE_SCOPE (dz_scope_get_type ())

/**
 * DzScopeClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzScope. #DzScope is final: it has no virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzScope, dz_scope, DZ, SCOPE, GObject)

/**
 * DzTidyFunc:
 * @user_data: the data given with the callback
 *
 * The body of dz_tidy().
 *
 * Returns: (transfer full) (nullable): the object to keep, or %NULL
 */
typedef GObject * (* DzTidyFunc) (gpointer user_data);

DZ_AVAILABLE_IN_ALL
DzScope  *dz_scope_new     (void);
DZ_AVAILABLE_IN_ALL
gpointer  dz_scope_keep    (DzScope    *self,
                            gpointer    object);
DZ_AVAILABLE_IN_ALL
void      dz_scope_close   (DzScope    *self);
DZ_AVAILABLE_IN_ALL
gboolean  dz_scope_is_open (DzScope    *self);
DZ_AVAILABLE_IN_ALL
GObject  *dz_tidy          (DzTidyFunc  func,
                            gpointer    user_data);

G_END_DECLS
