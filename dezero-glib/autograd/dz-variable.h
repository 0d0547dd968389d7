/* dz-variable.h: a node of the computational graph
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "dz-array.h"

G_BEGIN_DECLS

typedef struct _DzFunction DzFunction;

/**
 * DzBackwardFlags:
 * @DZ_BACKWARD_NONE: the default: gradients are plain values, and the
 *   gradients of intermediate variables are released as soon as they have
 *   been propagated, so that only the leaves (variables without a creator)
 *   keep theirs
 * @DZ_BACKWARD_RETAIN_GRAD: keep the gradient of every variable the pass
 *   goes through, not only of the leaves
 * @DZ_BACKWARD_CREATE_GRAPH: record the backward pass itself as a graph, so
 *   that the gradients have creators and can be differentiated again
 *   (higher-order derivatives). A gradient recorded this way refers back to
 *   the variables it was computed from, so a leaf holding it through its
 *   #DzVariable:grad is part of a reference cycle: call
 *   dz_variable_clear_grad() on it when done.
 *
 * Flags for dz_variable_backward_full().
 */
typedef enum /*< flags >*/ {
  DZ_BACKWARD_NONE = 0,
  DZ_BACKWARD_RETAIN_GRAD = 1 << 0,
  DZ_BACKWARD_CREATE_GRAPH = 1 << 1,
} DzBackwardFlags;

/**
 * DZ_TYPE_VARIABLE:
 *
 * The #GType of #DzVariable.
 */
#define DZ_TYPE_VARIABLE (dz_variable_get_type ())

DZ_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (DzVariable, dz_variable, DZ, VARIABLE, GObject)

/**
 * DzVariableClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzVariable. Subclasses (parameters of a model,
 * say) add state; the graph machinery needs no virtual function.
 */
struct _DzVariableClass
{
  GObjectClass parent_class;

  /*< private >*/
  gpointer padding[8];
};

DZ_AVAILABLE_IN_ALL
DzVariable   *dz_variable_new            (DzArray         *data);
DZ_AVAILABLE_IN_ALL
DzVariable   *dz_variable_new_scalar     (double           value);
DZ_AVAILABLE_IN_ALL
DzArray      *dz_variable_get_data       (DzVariable      *self);
DZ_AVAILABLE_IN_ALL
void          dz_variable_set_data       (DzVariable      *self,
                                          DzArray         *data);
DZ_AVAILABLE_IN_ALL
DzVariable   *dz_variable_get_grad       (DzVariable      *self);
DZ_AVAILABLE_IN_ALL
void          dz_variable_set_grad       (DzVariable      *self,
                                          DzVariable      *grad);
DZ_AVAILABLE_IN_ALL
DzFunction   *dz_variable_get_creator    (DzVariable      *self);
DZ_AVAILABLE_IN_ALL
int           dz_variable_get_generation (DzVariable      *self);
DZ_AVAILABLE_IN_ALL
const char   *dz_variable_get_name       (DzVariable      *self);
DZ_AVAILABLE_IN_ALL
void          dz_variable_set_name       (DzVariable      *self,
                                          const char      *name);
DZ_AVAILABLE_IN_ALL
gboolean      dz_variable_get_requires_grad (DzVariable   *self);
DZ_AVAILABLE_IN_ALL
void          dz_variable_set_requires_grad (DzVariable   *self,
                                             gboolean      requires_grad);
DZ_AVAILABLE_IN_ALL
DzDtype       dz_variable_get_dtype      (DzVariable      *self);
DZ_AVAILABLE_IN_ALL
guint         dz_variable_get_ndim       (DzVariable      *self);
DZ_AVAILABLE_IN_ALL
const gsize  *dz_variable_get_shape      (DzVariable      *self,
                                          guint           *ndim);
DZ_AVAILABLE_IN_ALL
gsize         dz_variable_get_size       (DzVariable      *self);
DZ_AVAILABLE_IN_ALL
gboolean      dz_variable_backward       (DzVariable      *self,
                                          GError         **error);
DZ_AVAILABLE_IN_ALL
gboolean      dz_variable_backward_full  (DzVariable      *self,
                                          DzBackwardFlags  flags,
                                          GError         **error);
DZ_AVAILABLE_IN_ALL
void          dz_variable_clear_grad     (DzVariable      *self);
DZ_AVAILABLE_IN_ALL
void          dz_variable_unchain        (DzVariable      *self);
DZ_AVAILABLE_IN_ALL
void          dz_variable_unchain_backward (DzVariable    *self);
DZ_AVAILABLE_IN_ALL
GPtrArray    *dz_grad                    (DzVariable      *output,
                                          GPtrArray       *inputs,
                                          DzBackwardFlags  flags,
                                          GError         **error);
DZ_AVAILABLE_IN_ALL
char         *dz_variable_to_string      (DzVariable      *self);

G_END_DECLS
