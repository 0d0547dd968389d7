/* dz-parameter.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-parameter.h"

/**
 * DzParameter:
 *
 * A variable that a #DzLayer learns, as DeZero's `Parameter`.
 *
 * A parameter is a #DzVariable in every respect: every operation accepts
 * it, and a backward pass fills its #DzVariable:grad. Being of its own
 * type only marks it, so that a layer can tell the values it owns and an
 * optimizer updates from the inputs and intermediate results of a
 * computation.
 *
 * A parameter may be created without data (a #DzLinearLayer whose input
 * size is not known yet): it gets its data later with
 * dz_variable_set_data().
 *
 * A parameter holds no reference to the layer that registered it, so that
 * ownership flows one way, from models to layers to parameters.
 */
struct _DzParameter
{
  DzVariable parent_instance;
};

G_DEFINE_FINAL_TYPE (DzParameter, dz_parameter, DZ_TYPE_VARIABLE)

static void
dz_parameter_class_init (DzParameterClass *klass)
{
}

static void
dz_parameter_init (DzParameter *self)
{
}

/**
 * dz_parameter_new:
 * @data: (nullable): the initial value, or %NULL for a parameter whose
 *   value is set later
 * @name: (nullable): a name for printing and graph pictures, or %NULL
 *
 * Creates a parameter holding @data.
 *
 * Returns: (transfer full): a new #DzParameter
 */
DzParameter *
dz_parameter_new (DzArray    *data,
                  const char *name)
{
  g_return_val_if_fail (data == NULL || DZ_IS_ARRAY (data), NULL);

  return g_object_new (DZ_TYPE_PARAMETER, "data", data, "name", name, NULL);
}
