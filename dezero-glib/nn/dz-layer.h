/* dz-layer.h: a reusable piece of a model, with the parameters it learns
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "dz-parameter.h"

G_BEGIN_DECLS

/**
 * DZ_TYPE_LAYER:
 *
 * The #GType of #DzLayer.
 */
#define DZ_TYPE_LAYER (dz_layer_get_type ())

DZ_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (DzLayer, dz_layer, DZ, LAYER, GObject)

/**
 * DzLayerClass:
 * @parent_class: the parent class
 * @forward: computes the outputs from the input variables
 *
 * The class structure of #DzLayer. A subclass implements
 * #DzLayerClass.forward(); see #DzLayer.
 */
struct _DzLayerClass
{
  GObjectClass parent_class;

  GPtrArray * (* forward) (DzLayer     *self,
                           GPtrArray   *inputs,
                           GError     **error);

  /*< private >*/
  gpointer padding[8];
};

DZ_AVAILABLE_IN_ALL
GPtrArray   *dz_layer_call                  (DzLayer      *self,
                                             GPtrArray    *inputs,
                                             GError      **error);
DZ_AVAILABLE_IN_ALL
DzVariable  *dz_layer_call1                 (DzLayer      *self,
                                             DzVariable   *x,
                                             GError      **error);
DZ_AVAILABLE_IN_ALL
void         dz_layer_add_parameter         (DzLayer      *self,
                                             const char   *name,
                                             DzParameter  *parameter);
DZ_AVAILABLE_IN_ALL
void         dz_layer_add_layer             (DzLayer      *self,
                                             const char   *name,
                                             DzLayer      *child);
DZ_AVAILABLE_IN_ALL
DzParameter *dz_layer_get_parameter         (DzLayer      *self,
                                             const char   *name);
DZ_AVAILABLE_IN_ALL
DzLayer     *dz_layer_get_layer             (DzLayer      *self,
                                             const char   *name);
DZ_AVAILABLE_IN_ALL
GPtrArray   *dz_layer_list_layers           (DzLayer      *self);
DZ_AVAILABLE_IN_ALL
GPtrArray   *dz_layer_list_parameters       (DzLayer      *self);
DZ_AVAILABLE_IN_ALL
GStrv        dz_layer_list_parameter_names  (DzLayer      *self);
DZ_AVAILABLE_IN_ALL
void         dz_layer_cleargrads            (DzLayer      *self);

G_END_DECLS
