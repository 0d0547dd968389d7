/* dz-sequential.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-error.h"
#include "dz-sequential.h"

/**
 * DzSequential:
 *
 * Layers applied one after the other, as the `Sequential` of DeZero's
 * examples: the output of each is the input of the next. The layers are
 * registered as `l0`, `l1`… (so the parameters are `l0.W`, `l1.x2f.W`…)
 * and looked up by those names at each call, so that replacing one with
 * dz_layer_add_layer() replaces it in the computation. Each layer must
 * take one input and give one output.
 *
 * It makes one model of a recurrent stack, for one optimizer:
 *
 * |[<!-- language="C" -->
 * DzLayer *layers[] = { dz_lstm_layer_new (100, 0, DZ_DTYPE_FLOAT64, NULL),
 *                       dz_linear_layer_new (1, FALSE, DZ_DTYPE_FLOAT64, NULL) };
 * g_autoptr(DzLayer) model = dz_sequential_new (layers, 2);
 * ]|
 */
struct _DzSequential
{
  DzModel parent_instance;

  guint n_layers;
};

G_DEFINE_FINAL_TYPE (DzSequential, dz_sequential, DZ_TYPE_MODEL)

static GPtrArray *
dz_sequential_forward (DzLayer    *layer,
                       GPtrArray  *inputs,
                       GError    **error)
{
  DzSequential *self = DZ_SEQUENTIAL (layer);
  g_autoptr(DzVariable) x = NULL;
  GPtrArray *outputs;

  if (inputs->len != 1)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT,
                   "A sequential model takes one input, not %u", inputs->len);
      return NULL;
    }
  x = g_object_ref (g_ptr_array_index (inputs, 0));
  for (guint i = 0; i < self->n_layers; i++)
    {
      char name[32];
      DzLayer *child;
      DzVariable *y;

      g_snprintf (name, sizeof name, "l%u", i);
      child = dz_layer_get_layer (layer, name);
      if (child == NULL)
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_FUNCTION_FAILED,
                       "The sequential model has no layer '%s'", name);
          return NULL;
        }
      if ((y = dz_layer_call1 (child, x, error)) == NULL)
        return NULL;
      g_object_unref (x);
      x = y;
    }

  outputs = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (outputs, g_steal_pointer (&x));
  return outputs;
}

static void
dz_sequential_class_init (DzSequentialClass *klass)
{
  DZ_LAYER_CLASS (klass)->forward = dz_sequential_forward;
}

static void
dz_sequential_init (DzSequential *self)
{
}

/**
 * dz_sequential_new:
 * @layers: (array length=n_layers) (nullable): the layers, in the order
 *   they apply
 * @n_layers: the number of layers
 *
 * Creates a sequential model of @layers (see #DzSequential); the model
 * references them. A model without layers returns its input.
 *
 * Returns: (transfer full): a new #DzSequential
 */
DzLayer *
dz_sequential_new (DzLayer **layers,
                   guint     n_layers)
{
  DzSequential *self;

  g_return_val_if_fail (layers != NULL || n_layers == 0, NULL);
  for (guint i = 0; i < n_layers; i++)
    g_return_val_if_fail (DZ_IS_LAYER (layers[i]), NULL);

  self = g_object_new (DZ_TYPE_SEQUENTIAL, NULL);
  for (guint i = 0; i < n_layers; i++)
    dz_sequential_append (self, layers[i]);
  return DZ_LAYER (self);
}

/**
 * dz_sequential_append:
 * @self: a #DzSequential
 * @layer: the layer to apply after the others
 *
 * Adds @layer at the end, registered as `l` followed by its position.
 */
void
dz_sequential_append (DzSequential *self,
                      DzLayer      *layer)
{
  char name[32];

  g_return_if_fail (DZ_IS_SEQUENTIAL (self));
  g_return_if_fail (DZ_IS_LAYER (layer));

  g_snprintf (name, sizeof name, "l%u", self->n_layers);
  dz_layer_add_layer (DZ_LAYER (self), name, layer);
  /* Refused (a layer containing the model would make a cycle): not added. */
  if (dz_layer_get_layer (DZ_LAYER (self), name) == layer)
    self->n_layers++;
}

/**
 * dz_sequential_get_n_layers:
 * @self: a #DzSequential
 *
 * Returns the number of layers.
 *
 * Returns: the number of layers
 */
guint
dz_sequential_get_n_layers (DzSequential *self)
{
  g_return_val_if_fail (DZ_IS_SEQUENTIAL (self), 0);

  return self->n_layers;
}
