/* dz-embed-id-layer.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-array-math.h"
#include "dz-embed-id-layer.h"
#include "dz-error.h"
#include "dz-ops.h"

/**
 * DzEmbedIDLayer:
 *
 * An embedding, as DeZero's `L.EmbedID(in_size, out_size)`: a parameter
 * `W` of shape (in, out) whose rows are looked up by the int64 ids given
 * to the call (dz_embed_id()), so ids of shape S give vectors of shape
 * S + (out,). `W` starts as standard normal numbers drawn from the
 * generator, unscaled, as DeZero's `np.random.randn(in_size, out_size)`.
 */
struct _DzEmbedIDLayer
{
  DzLayer parent_instance;
};

G_DEFINE_FINAL_TYPE (DzEmbedIDLayer, dz_embed_id_layer, DZ_TYPE_LAYER)

static GPtrArray *
dz_embed_id_layer_forward (DzLayer    *layer,
                           GPtrArray  *inputs,
                           GError    **error)
{
  DzVariable *y;
  GPtrArray *outputs;

  if (inputs->len != 1)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT,
                   "An EmbedID layer takes one input, not %u", inputs->len);
      return NULL;
    }
  y = dz_embed_id (g_ptr_array_index (inputs, 0),
                   DZ_VARIABLE (dz_layer_get_parameter (layer, "W")), error);
  if (y == NULL)
    return NULL;
  outputs = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (outputs, y);
  return outputs;
}

static void
dz_embed_id_layer_class_init (DzEmbedIDLayerClass *klass)
{
  DZ_LAYER_CLASS (klass)->forward = dz_embed_id_layer_forward;
}

static void
dz_embed_id_layer_init (DzEmbedIDLayer *self)
{
}

/**
 * dz_embed_id_layer_new:
 * @in_size: the number of ids (rows of `W`), at least 1
 * @out_size: the size of each vector, at least 1
 * @dtype: the element type of `W`, float32 or float64
 * @generator: (nullable): the generator to draw `W` from, or %NULL for the
 *   default one
 *
 * Creates an embedding layer (see #DzEmbedIDLayer).
 *
 * Returns: (transfer full) (nullable): a new #DzEmbedIDLayer, or %NULL
 *   when `W` cannot be allocated
 */
DzLayer *
dz_embed_id_layer_new (gsize        in_size,
                       gsize        out_size,
                       DzDtype      dtype,
                       DzGenerator *generator)
{
  gsize shape[2] = { in_size, out_size };
  g_autoptr(DzArray) normal = NULL;
  g_autoptr(DzArray) data = NULL;
  g_autoptr(DzParameter) W = NULL;
  DzLayer *self;

  g_return_val_if_fail (in_size > 0 && out_size > 0, NULL);
  g_return_val_if_fail (dtype == DZ_DTYPE_FLOAT32 || dtype == DZ_DTYPE_FLOAT64, NULL);
  g_return_val_if_fail (generator == NULL || DZ_IS_GENERATOR (generator), NULL);

  if (generator == NULL)
    generator = dz_generator_get_default ();
  if ((normal = dz_array_new_randn (shape, 2, generator, NULL)) == NULL
      || (data = dz_array_astype (normal, dtype, NULL)) == NULL)
    return NULL;

  self = g_object_new (DZ_TYPE_EMBED_ID_LAYER, NULL);
  W = dz_parameter_new (data, "W");
  dz_layer_add_parameter (self, "W", W);
  return self;
}
