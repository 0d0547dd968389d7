/* dz-mlp.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-enum-types.h"
#include "dz-error.h"
#include "dz-linear-layer.h"
#include "dz-mlp.h"
#include "dz-ops.h"
#include "dz-ops-activation.h"

/**
 * DzMLP:
 *
 * A multi-layer perceptron, as DeZero's `models.MLP`: linear layers of the
 * given output sizes, registered as `l0`, `l1`…, with an activation
 * between two layers and none after the last.
 *
 * Each linear layer takes its input size from its first input. The call
 * goes through the layers registered under `l0`, `l1`… at the time of the
 * call, so that replacing one with dz_layer_add_layer() replaces it in the
 * computation as well.
 */
struct _DzMLP
{
  DzModel parent_instance;

  guint n_layers;
  DzMlpActivation activation;
};

enum {
  PROP_0,
  PROP_N_LAYERS,
  PROP_ACTIVATION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (DzMLP, dz_mlp, DZ_TYPE_MODEL)

static DzVariable *
activate (DzMlpActivation   activation,
          DzVariable       *x,
          GError          **error)
{
  switch (activation)
    {
    case DZ_MLP_ACTIVATION_RELU:
      return dz_relu (x, error);
    case DZ_MLP_ACTIVATION_TANH:
      return dz_tanh (x, error);
    case DZ_MLP_ACTIVATION_SIGMOID:
    default:
      return dz_sigmoid (x, error);
    }
}

static GPtrArray *
dz_mlp_forward (DzLayer    *layer,
                GPtrArray  *inputs,
                GError    **error)
{
  DzMLP *self = DZ_MLP (layer);
  g_autoptr(DzVariable) x = NULL;
  GPtrArray *outputs;

  if (inputs->len != 1)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT,
                   "An MLP takes one input, not %u", inputs->len);
      return NULL;
    }
  x = g_object_ref (g_ptr_array_index (inputs, 0));

  for (guint i = 0; i < self->n_layers; i++)
    {
      char name[32];
      DzLayer *child;
      g_autoptr(DzVariable) y = NULL;

      g_snprintf (name, sizeof name, "l%u", i);
      child = dz_layer_get_layer (layer, name);
      if (child == NULL)
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_FUNCTION_FAILED,
                       "The MLP has no layer '%s'", name);
          return NULL;
        }
      y = dz_layer_call1 (child, x, error);
      if (y == NULL)
        return NULL;
      if (i + 1 < self->n_layers)
        {
          DzVariable *h = activate (self->activation, y, error);

          if (h == NULL)
            return NULL;
          g_clear_object (&y);
          y = h;
        }
      g_clear_object (&x);
      x = g_steal_pointer (&y);
    }

  outputs = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (outputs, g_steal_pointer (&x));
  return outputs;
}

static void
dz_mlp_get_property (GObject    *object,
                     guint       prop_id,
                     GValue     *value,
                     GParamSpec *pspec)
{
  DzMLP *self = DZ_MLP (object);

  switch (prop_id)
    {
    case PROP_N_LAYERS:
      g_value_set_uint (value, self->n_layers);
      break;
    case PROP_ACTIVATION:
      g_value_set_enum (value, self->activation);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_mlp_class_init (DzMLPClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  DzLayerClass *layer_class = DZ_LAYER_CLASS (klass);

  object_class->get_property = dz_mlp_get_property;
  layer_class->forward = dz_mlp_forward;

  /**
   * DzMLP:n-layers:
   *
   * The number of linear layers.
   */
  properties[PROP_N_LAYERS] =
    g_param_spec_uint ("n-layers", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * DzMLP:activation:
   *
   * The activation applied between two linear layers.
   */
  properties[PROP_ACTIVATION] =
    g_param_spec_enum ("activation", NULL, NULL, DZ_TYPE_MLP_ACTIVATION,
                       DZ_MLP_ACTIVATION_SIGMOID,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dz_mlp_init (DzMLP *self)
{
}

/**
 * dz_mlp_new:
 * @sizes: (array length=n_sizes): the output size of each linear layer
 * @n_sizes: the number of linear layers, at least 1
 * @activation: the activation between two layers
 * @dtype: the element type of the parameters
 * @generator: (nullable): the generator to draw the initial weights from,
 *   or %NULL for the default one
 *
 * Creates a multi-layer perceptron, as DeZero's
 * `MLP(fc_output_sizes, activation)`. The weights are drawn at the first
 * call, layer after layer, when the input sizes become known.
 *
 * Returns: (transfer full): a new #DzMLP
 */
DzLayer *
dz_mlp_new (const gsize     *sizes,
            guint            n_sizes,
            DzMlpActivation  activation,
            DzDtype          dtype,
            DzGenerator     *generator)
{
  DzMLP *self;

  g_return_val_if_fail (sizes != NULL && n_sizes > 0, NULL);
  g_return_val_if_fail ((guint) activation <= DZ_MLP_ACTIVATION_TANH, NULL);
  g_return_val_if_fail ((guint) dtype < DZ_N_DTYPES, NULL);
  g_return_val_if_fail (generator == NULL || DZ_IS_GENERATOR (generator), NULL);
  for (guint i = 0; i < n_sizes; i++)
    g_return_val_if_fail (sizes[i] > 0, NULL);

  self = g_object_new (DZ_TYPE_MLP, NULL);
  self->n_layers = n_sizes;
  self->activation = activation;
  for (guint i = 0; i < n_sizes; i++)
    {
      g_autoptr(DzLayer) linear = dz_linear_layer_new (sizes[i], FALSE, dtype, generator);
      g_autofree char *name = g_strdup_printf ("l%u", i);

      dz_layer_add_layer (DZ_LAYER (self), name, linear);
    }
  return DZ_LAYER (self);
}

/**
 * dz_mlp_get_n_layers:
 * @self: a #DzMLP
 *
 * Gets #DzMLP:n-layers.
 *
 * Returns: the number of linear layers
 */
guint
dz_mlp_get_n_layers (DzMLP *self)
{
  g_return_val_if_fail (DZ_IS_MLP (self), 0);

  return self->n_layers;
}

/**
 * dz_mlp_get_activation:
 * @self: a #DzMLP
 *
 * Gets #DzMLP:activation.
 *
 * Returns: the activation between two layers
 */
DzMlpActivation
dz_mlp_get_activation (DzMLP *self)
{
  g_return_val_if_fail (DZ_IS_MLP (self), DZ_MLP_ACTIVATION_SIGMOID);

  return self->activation;
}
