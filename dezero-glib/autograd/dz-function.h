/* dz-function.h: an operation recorded in the graph
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "dz-array.h"
#include "dz-variable.h"

G_BEGIN_DECLS

/**
 * DZ_TYPE_FUNCTION:
 *
 * The #GType of #DzFunction.
 */
#define DZ_TYPE_FUNCTION (dz_function_get_type ())

DZ_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (DzFunction, dz_function, DZ, FUNCTION, GObject)

/**
 * DzFunctionClass:
 * @parent_class: the parent class
 * @forward: computes the outputs from the input values
 * @backward: computes the gradients of the inputs from those of the outputs
 *
 * The class structure of #DzFunction. A subclass implements both virtual
 * functions; see #DzFunction for the contract.
 */
struct _DzFunctionClass
{
  GObjectClass parent_class;

  GPtrArray * (* forward)  (DzFunction  *self,
                            GPtrArray   *xs,
                            GError     **error);
  GPtrArray * (* backward) (DzFunction  *self,
                            GPtrArray   *gys,
                            GError     **error);

  /*< private >*/
  gpointer padding[8];
};

DZ_AVAILABLE_IN_ALL
GPtrArray  *dz_function_call           (DzFunction  *self,
                                        GPtrArray   *inputs,
                                        GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_function_call_unary     (DzFunction  *self,
                                        DzVariable  *x,
                                        GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_function_call_binary    (DzFunction  *self,
                                        DzVariable  *a,
                                        DzVariable  *b,
                                        GError     **error);
DZ_AVAILABLE_IN_ALL
GPtrArray  *dz_function_get_inputs     (DzFunction  *self);
DZ_AVAILABLE_IN_ALL
guint       dz_function_get_n_inputs   (DzFunction  *self);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_function_get_input      (DzFunction  *self,
                                        guint        index);
DZ_AVAILABLE_IN_ALL
guint       dz_function_get_n_outputs  (DzFunction  *self);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_function_get_output     (DzFunction  *self,
                                        guint        index);
DZ_AVAILABLE_IN_ALL
GPtrArray  *dz_function_get_outputs    (DzFunction  *self);
DZ_AVAILABLE_IN_ALL
int         dz_function_get_generation (DzFunction  *self);
DZ_AVAILABLE_IN_ALL
const char *dz_function_get_name       (DzFunction  *self);

G_END_DECLS
