/* dz-model.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-config.h"
#include "dz-dot.h"
#include "dz-error.h"
#include "dz-model.h"

/**
 * DzModel:
 *
 * The layer a user trains, as DeZero's `Model`: a #DzLayer that can also
 * draw its computation (dz_model_plot()). #DzMLP is one; subclass it as
 * #DzLayer is subclassed, implementing #DzLayerClass.forward().
 */

G_DEFINE_ABSTRACT_TYPE (DzModel, dz_model, DZ_TYPE_LAYER)

static void
dz_model_class_init (DzModelClass *klass)
{
}

static void
dz_model_init (DzModel *self)
{
}

/**
 * dz_model_plot:
 * @self: a #DzModel
 * @inputs: (element-type DzVariable): inputs to run the model on
 * @path: (type filename): where to write the picture; its extension chooses
 *   the format, any Graphviz's `dot` writes (`.png`, `.svg`, `.pdf`, `.dot`)
 * @error: return location for a #GError
 *
 * DeZero's `Model.plot(*inputs, to_file=...)`: runs the model on @inputs
 * with the graph recorded and draws the computation of its first output,
 * with shapes and dtypes in the labels (verbose), as
 * dz_variable_plot_dot_graph() does. It needs Graphviz; without it, the
 * error is %DZ_ERROR_NOT_AVAILABLE.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
dz_model_plot (DzModel     *self,
               GPtrArray   *inputs,
               const char  *path,
               GError     **error)
{
  g_autoptr(GPtrArray) outputs = NULL;
  gboolean previous;

  g_return_val_if_fail (DZ_IS_MODEL (self), FALSE);
  g_return_val_if_fail (inputs != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* A graph is needed even inside no_grad. */
  previous = dz_set_enable_backprop (TRUE);
  outputs = dz_layer_call (DZ_LAYER (self), inputs, error);
  dz_set_enable_backprop (previous);
  if (outputs == NULL)
    return FALSE;
  return dz_variable_plot_dot_graph (g_ptr_array_index (outputs, 0), TRUE, path, error);
}
