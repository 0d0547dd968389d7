/* dz-optimizer.h: the optimizer base class and its hooks
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "dz-layer.h"
#include "dz-variable.h"

G_BEGIN_DECLS

/**
 * DZ_TYPE_OPTIMIZER_HOOK:
 *
 * The #GType of #DzOptimizerHook.
 */
#define DZ_TYPE_OPTIMIZER_HOOK (dz_optimizer_hook_get_type ())

DZ_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (DzOptimizerHook, dz_optimizer_hook, DZ, OPTIMIZER_HOOK, GObject)

/**
 * DzOptimizerHookClass:
 * @parent_class: the parent class
 * @apply: changes the gradients of the parameters before the update
 *
 * The class structure of #DzOptimizerHook. A subclass implements
 * #DzOptimizerHookClass.apply().
 */
struct _DzOptimizerHookClass
{
  GObjectClass parent_class;

  gboolean (* apply) (DzOptimizerHook  *self,
                      GPtrArray        *params,
                      GError          **error);

  /*< private >*/
  gpointer padding[8];
};

DZ_AVAILABLE_IN_ALL
gboolean dz_optimizer_hook_apply (DzOptimizerHook  *self,
                                  GPtrArray        *params,
                                  GError          **error);

/**
 * DZ_TYPE_OPTIMIZER:
 *
 * The #GType of #DzOptimizer.
 */
#define DZ_TYPE_OPTIMIZER (dz_optimizer_get_type ())

DZ_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (DzOptimizer, dz_optimizer, DZ, OPTIMIZER, GObject)

/**
 * DzOptimizerClass:
 * @parent_class: the parent class
 * @update: one optimization step over all parameters
 * @update_one: the update rule, applied to one parameter
 *
 * The class structure of #DzOptimizer. A subclass implements
 * #DzOptimizerClass.update_one(); it overrides #DzOptimizerClass.update()
 * only to do something once per step (as #DzAdam counts its steps), and
 * then chains up.
 */
struct _DzOptimizerClass
{
  GObjectClass parent_class;

  gboolean (* update)     (DzOptimizer  *self,
                           GError      **error);
  gboolean (* update_one) (DzOptimizer  *self,
                           DzVariable   *param,
                           guint         index,
                           GError      **error);

  /*< private >*/
  gpointer padding[8];
};

DZ_AVAILABLE_IN_ALL
void       dz_optimizer_set_parameters (DzOptimizer      *self,
                                        GPtrArray        *params);
DZ_AVAILABLE_IN_ALL
GPtrArray *dz_optimizer_get_parameters (DzOptimizer      *self);
DZ_AVAILABLE_IN_ALL
DzOptimizer *dz_optimizer_setup        (DzOptimizer      *self,
                                        DzLayer          *target);
DZ_AVAILABLE_IN_ALL
DzLayer   *dz_optimizer_get_target     (DzOptimizer      *self);
DZ_AVAILABLE_IN_ALL
void       dz_optimizer_add_hook       (DzOptimizer      *self,
                                        DzOptimizerHook  *hook);
DZ_AVAILABLE_IN_ALL
gboolean   dz_optimizer_update         (DzOptimizer      *self,
                                        GError          **error);
DZ_AVAILABLE_IN_ALL
gboolean   dz_optimizer_update_one     (DzOptimizer      *self,
                                        DzVariable       *param,
                                        guint             index,
                                        GError          **error);

G_END_DECLS
