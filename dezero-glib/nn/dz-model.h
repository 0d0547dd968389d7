/* dz-model.h: a layer that is a whole model
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "dz-layer.h"

G_BEGIN_DECLS

/**
 * DZ_TYPE_MODEL:
 *
 * The #GType of #DzModel.
 */
#define DZ_TYPE_MODEL (dz_model_get_type ())
DZ_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (DzModel, dz_model, DZ, MODEL, DzLayer)

/**
 * DzModelClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzModel. It adds no virtual functions: a model
 * implements #DzLayerClass.forward() as any layer.
 */
struct _DzModelClass
{
  DzLayerClass parent_class;

  /*< private >*/
  gpointer padding[8];
};

DZ_AVAILABLE_IN_ALL
gboolean dz_model_plot (DzModel     *self,
                        GPtrArray   *inputs,
                        const char  *path,
                        GError     **error);

G_END_DECLS
