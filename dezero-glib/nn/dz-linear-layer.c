/* dz-linear-layer.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>

#include "dz-array-math.h"
#include "dz-enum-types.h"
#include "dz-error.h"
#include "dz-linear-layer.h"
#include "dz-ops-linalg.h"

/**
 * DzLinearLayer:
 *
 * A fully connected layer, as DeZero's `L.Linear`: `y = x W + b` with
 * dz_linear(), where the weights `W` are of shape (in, out) and the bias
 * `b` of shape (out,).
 *
 * `W` starts as standard normal numbers drawn from
 * #DzLinearLayer:generator, scaled by `sqrt(1 / in)` so that the outputs
 * keep the scale of the inputs. When the input size is not given, `W` is
 * registered without data and made at the first call from the size of the
 * last axis of the input, as in DeZero. `b` starts at zero; a layer made
 * with #DzLinearLayer:nobias has none.
 *
 * The parameters are registered as `W` and `b`, in that order.
 */
struct _DzLinearLayer
{
  DzLayer parent_instance;

  gsize in_size;
  gsize out_size;
  gboolean nobias;
  DzDtype dtype;
  DzGenerator *generator;
  /* Registered in the layer too; these are borrowed, for forward. */
  DzParameter *W;
  DzParameter *b;
};

enum {
  PROP_0,
  PROP_IN_SIZE,
  PROP_OUT_SIZE,
  PROP_NOBIAS,
  PROP_DTYPE,
  PROP_GENERATOR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (DzLinearLayer, dz_linear_layer, DZ_TYPE_LAYER)

static gboolean
init_W (DzLinearLayer  *self,
        GError        **error)
{
  gsize shape[2] = { self->in_size, self->out_size };
  g_autoptr(DzArray) normal = NULL;
  g_autoptr(DzArray) scaled = NULL;
  g_autoptr(DzArray) data = NULL;

  normal = dz_array_new_randn (shape, 2, self->generator, error);
  if (normal == NULL)
    return FALSE;
  scaled = dz_array_scale (normal, sqrt (1.0 / (double) self->in_size), error);
  if (scaled == NULL)
    return FALSE;
  data = dz_array_astype (scaled, self->dtype, error);
  if (data == NULL)
    return FALSE;

  dz_variable_set_data (DZ_VARIABLE (self->W), data);
  return TRUE;
}

static GPtrArray *
dz_linear_layer_forward (DzLayer    *layer,
                         GPtrArray  *inputs,
                         GError    **error)
{
  DzLinearLayer *self = DZ_LINEAR_LAYER (layer);
  GPtrArray *outputs;
  DzVariable *x, *y;

  if (inputs->len != 1)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT,
                   "A linear layer takes one input, not %u", inputs->len);
      return NULL;
    }
  x = g_ptr_array_index (inputs, 0);

  if (dz_variable_get_data (DZ_VARIABLE (self->W)) == NULL)
    {
      gboolean inferred = self->in_size == 0;

      if (inferred)
        {
          guint ndim;
          const gsize *shape = dz_variable_get_shape (x, &ndim);

          if (shape == NULL || ndim == 0 || shape[ndim - 1] == 0)
            {
              g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                           "A linear layer cannot infer its input size from an input "
                           "without data, without axes or with an empty last axis");
              return NULL;
            }
          self->in_size = shape[ndim - 1];
        }
      if (!init_W (self, error))
        {
          if (inferred)
            self->in_size = 0;
          return NULL;
        }
      if (inferred)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IN_SIZE]);
    }

  y = dz_linear (x, DZ_VARIABLE (self->W), self->b ? DZ_VARIABLE (self->b) : NULL, error);
  if (y == NULL)
    return NULL;

  outputs = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (outputs, y);
  return outputs;
}

static void
dz_linear_layer_constructed (GObject *object)
{
  DzLinearLayer *self = DZ_LINEAR_LAYER (object);
  g_autoptr(DzParameter) W = NULL;

  G_OBJECT_CLASS (dz_linear_layer_parent_class)->constructed (object);

  W = dz_parameter_new (NULL, "W");
  self->W = W;
  dz_layer_add_parameter (DZ_LAYER (self), "W", W);
  /* Sizes that cannot be allocated leave W without data: the first call
   * tries again and reports the error there. */
  if (self->in_size > 0)
    init_W (self, NULL);

  if (!self->nobias)
    {
      g_autoptr(DzArray) zeros = NULL;
      g_autoptr(DzParameter) b = NULL;

      zeros = dz_array_new_full_typed (self->dtype, &self->out_size, 1, 0.0, NULL);
      b = dz_parameter_new (zeros, "b");
      self->b = b;
      dz_layer_add_parameter (DZ_LAYER (self), "b", b);
    }
}

static void
dz_linear_layer_finalize (GObject *object)
{
  DzLinearLayer *self = DZ_LINEAR_LAYER (object);

  g_clear_object (&self->generator);

  G_OBJECT_CLASS (dz_linear_layer_parent_class)->finalize (object);
}

static void
dz_linear_layer_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  DzLinearLayer *self = DZ_LINEAR_LAYER (object);

  switch (prop_id)
    {
    case PROP_IN_SIZE:
      g_value_set_uint64 (value, self->in_size);
      break;
    case PROP_OUT_SIZE:
      g_value_set_uint64 (value, self->out_size);
      break;
    case PROP_NOBIAS:
      g_value_set_boolean (value, self->nobias);
      break;
    case PROP_DTYPE:
      g_value_set_enum (value, self->dtype);
      break;
    case PROP_GENERATOR:
      g_value_set_object (value, self->generator);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_linear_layer_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  DzLinearLayer *self = DZ_LINEAR_LAYER (object);

  switch (prop_id)
    {
    case PROP_IN_SIZE:
      self->in_size = g_value_get_uint64 (value);
      break;
    case PROP_OUT_SIZE:
      self->out_size = g_value_get_uint64 (value);
      break;
    case PROP_NOBIAS:
      self->nobias = g_value_get_boolean (value);
      break;
    case PROP_DTYPE:
      self->dtype = g_value_get_enum (value);
      break;
    case PROP_GENERATOR:
      self->generator = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_linear_layer_class_init (DzLinearLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  DzLayerClass *layer_class = DZ_LAYER_CLASS (klass);

  object_class->constructed = dz_linear_layer_constructed;
  object_class->finalize = dz_linear_layer_finalize;
  object_class->get_property = dz_linear_layer_get_property;
  object_class->set_property = dz_linear_layer_set_property;
  layer_class->forward = dz_linear_layer_forward;

  /**
   * DzLinearLayer:in-size:
   *
   * The size of the last axis of the inputs; 0 until the first call when
   * it was not given.
   */
  properties[PROP_IN_SIZE] =
    g_param_spec_uint64 ("in-size", NULL, NULL, 0, G_MAXSIZE, 0,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzLinearLayer:out-size:
   *
   * The size of the last axis of the outputs.
   */
  properties[PROP_OUT_SIZE] =
    g_param_spec_uint64 ("out-size", NULL, NULL, 1, G_MAXSIZE, 1,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * DzLinearLayer:nobias:
   *
   * Whether the layer has no bias `b`.
   */
  properties[PROP_NOBIAS] =
    g_param_spec_boolean ("nobias", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * DzLinearLayer:dtype:
   *
   * The element type of the parameters.
   */
  properties[PROP_DTYPE] =
    g_param_spec_enum ("dtype", NULL, NULL, DZ_TYPE_DTYPE, DZ_DTYPE_FLOAT64,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * DzLinearLayer:generator:
   *
   * The generator the initial weights are drawn from, or %NULL for the
   * default one (see dz_generator_get_default()) at the time they are
   * drawn.
   */
  properties[PROP_GENERATOR] =
    g_param_spec_object ("generator", NULL, NULL, DZ_TYPE_GENERATOR,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dz_linear_layer_init (DzLinearLayer *self)
{
}

/**
 * dz_linear_layer_new:
 * @out_size: the size of the outputs' last axis, at least 1
 * @nobias: %TRUE for a layer without bias
 * @dtype: the element type of the parameters
 * @generator: (nullable): the generator to draw the initial weights from,
 *   or %NULL for the default one
 *
 * Creates a linear layer whose input size is taken from its first input,
 * as DeZero's `L.Linear(out_size)`.
 *
 * Returns: (transfer full): a new #DzLinearLayer
 */
DzLayer *
dz_linear_layer_new (gsize        out_size,
                     gboolean     nobias,
                     DzDtype      dtype,
                     DzGenerator *generator)
{
  return dz_linear_layer_new_with_in_size (0, out_size, nobias, dtype, generator);
}

/**
 * dz_linear_layer_new_with_in_size:
 * @in_size: the size of the inputs' last axis, or 0 to take it from the
 *   first input
 * @out_size: the size of the outputs' last axis, at least 1
 * @nobias: %TRUE for a layer without bias
 * @dtype: the element type of the parameters
 * @generator: (nullable): the generator to draw the initial weights from,
 *   or %NULL for the default one
 *
 * Creates a linear layer whose weights are drawn now, as DeZero's
 * `L.Linear(out_size, in_size=in_size)`.
 *
 * Returns: (transfer full): a new #DzLinearLayer
 */
DzLayer *
dz_linear_layer_new_with_in_size (gsize        in_size,
                                  gsize        out_size,
                                  gboolean     nobias,
                                  DzDtype      dtype,
                                  DzGenerator *generator)
{
  g_return_val_if_fail (out_size > 0, NULL);
  g_return_val_if_fail ((guint) dtype < DZ_N_DTYPES, NULL);
  g_return_val_if_fail (generator == NULL || DZ_IS_GENERATOR (generator), NULL);

  return g_object_new (DZ_TYPE_LINEAR_LAYER,
                       "in-size", (guint64) in_size,
                       "out-size", (guint64) out_size,
                       "nobias", nobias,
                       "dtype", dtype,
                       "generator", generator,
                       NULL);
}

/**
 * dz_linear_layer_get_in_size:
 * @self: a #DzLinearLayer
 *
 * Gets #DzLinearLayer:in-size.
 *
 * Returns: the input size, or 0 while it is not known
 */
gsize
dz_linear_layer_get_in_size (DzLinearLayer *self)
{
  g_return_val_if_fail (DZ_IS_LINEAR_LAYER (self), 0);

  return self->in_size;
}

/**
 * dz_linear_layer_get_out_size:
 * @self: a #DzLinearLayer
 *
 * Gets #DzLinearLayer:out-size.
 *
 * Returns: the output size
 */
gsize
dz_linear_layer_get_out_size (DzLinearLayer *self)
{
  g_return_val_if_fail (DZ_IS_LINEAR_LAYER (self), 0);

  return self->out_size;
}
