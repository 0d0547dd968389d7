/* dz-conv-layer.c: DzConv2dLayer and DzDeconv2dLayer
 *
 * The two differ only in the op they call and in the axis of W that holds
 * the input channels ((OC, C, KH, KW) against (C, OC, KH, KW), DeZero's
 * layouts), so they share their state (Conv), properties and forward.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>

#include "dz-array-math.h"
#include "dz-conv-layer.h"
#include "dz-enum-types.h"
#include "dz-error.h"
#include "dz-ops-conv.h"

typedef struct
{
  gsize in_channels;
  gsize out_channels;
  guint kernel[2];
  guint stride[2];
  guint pad[2];
  gboolean nobias;
  DzDtype dtype;
  DzGenerator *generator;
  /* Registered in the layer too; these are borrowed, for forward. */
  DzParameter *W;
  DzParameter *b;
} Conv;

/**
 * DzConv2dLayer:
 *
 * A 2-d convolution layer, as DeZero's `L.Conv2d`: dz_conv2d() of its
 * input (N, C, H, W) with the filters `W` of shape (out-channels, C, KH,
 * KW) and the bias `b` of shape (out-channels,).
 *
 * `W` starts as standard normal numbers drawn from the layer's
 * generator, scaled by `sqrt(1 / (C KH KW))`. When the input channels are
 * not given, `W` is registered without data and made at the first call
 * from the input's axis 1, as in DeZero. `b` starts at zero; a layer made
 * with nobias has none. The parameters are registered as `W` and `b`.
 */
struct _DzConv2dLayer
{
  DzLayer parent_instance;
  Conv conv;
};

/**
 * DzDeconv2dLayer:
 *
 * A transposed convolution layer, as DeZero's `L.Deconv2d`: dz_deconv2d()
 * of its input (N, C, H, W) with `W` of shape (C, out-channels, KH, KW)
 * and `b` of shape (out-channels,); the output is the smallest that
 * convolves back to H x W. `W` starts and is inferred as in
 * #DzConv2dLayer.
 */
struct _DzDeconv2dLayer
{
  DzLayer parent_instance;
  Conv conv;
};

G_DEFINE_FINAL_TYPE (DzConv2dLayer, dz_conv2d_layer, DZ_TYPE_LAYER)
G_DEFINE_FINAL_TYPE (DzDeconv2dLayer, dz_deconv2d_layer, DZ_TYPE_LAYER)

enum {
  PROP_0,
  PROP_IN_CHANNELS,
  PROP_OUT_CHANNELS,
  PROP_KERNEL_H,
  PROP_KERNEL_W,
  PROP_STRIDE_H,
  PROP_STRIDE_W,
  PROP_PAD_H,
  PROP_PAD_W,
  PROP_NOBIAS,
  PROP_DTYPE,
  PROP_GENERATOR,
  N_PROPS
};

static GParamSpec *conv_properties[N_PROPS];
static GParamSpec *deconv_properties[N_PROPS];

static Conv *
conv_of (GObject *object)
{
  if (DZ_IS_CONV2D_LAYER (object))
    return &DZ_CONV2D_LAYER (object)->conv;
  return &DZ_DECONV2D_LAYER (object)->conv;
}

static gboolean
init_W (Conv      *conv,
        gboolean   transposed,
        GError   **error)
{
  gsize shape[4] = { conv->out_channels, conv->in_channels, conv->kernel[0], conv->kernel[1] };
  double fan_in = (double) conv->in_channels * conv->kernel[0] * conv->kernel[1];
  g_autoptr(DzArray) normal = NULL;
  g_autoptr(DzArray) scaled = NULL;
  g_autoptr(DzArray) data = NULL;

  if (transposed)
    {
      shape[0] = conv->in_channels;
      shape[1] = conv->out_channels;
    }
  if ((normal = dz_array_new_randn (shape, 4, conv->generator, error)) == NULL
      || (scaled = dz_array_scale (normal, sqrt (1.0 / fan_in), error)) == NULL
      || (data = dz_array_astype (scaled, conv->dtype, error)) == NULL)
    return FALSE;
  dz_variable_set_data (DZ_VARIABLE (conv->W), data);
  return TRUE;
}

static GPtrArray *
conv_forward (DzLayer    *layer,
              GPtrArray  *inputs,
              GError    **error)
{
  gboolean transposed = DZ_IS_DECONV2D_LAYER (layer);
  Conv *conv = conv_of (G_OBJECT (layer));
  GParamSpec **properties = transposed ? deconv_properties : conv_properties;
  const char *name = transposed ? "Deconv2d" : "Conv2d";
  DzVariable *x, *W, *b, *y;
  GPtrArray *outputs;

  if (inputs->len != 1)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT,
                   "A %s layer takes one input, not %u", name, inputs->len);
      return NULL;
    }
  x = g_ptr_array_index (inputs, 0);
  W = DZ_VARIABLE (conv->W);
  b = conv->b ? DZ_VARIABLE (conv->b) : NULL;

  if (dz_variable_get_data (W) == NULL)
    {
      gboolean inferred = conv->in_channels == 0;

      if (inferred)
        {
          guint ndim;
          const gsize *shape = dz_variable_get_shape (x, &ndim);

          if (shape == NULL || ndim != 4 || shape[1] == 0)
            {
              g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                           "A %s layer infers its input channels from an input of shape "
                           "(N, C, H, W) with C > 0", name);
              return NULL;
            }
          conv->in_channels = shape[1];
        }
      if (!init_W (conv, transposed, error))
        {
          if (inferred)
            conv->in_channels = 0;
          return NULL;
        }
      if (inferred)
        g_object_notify_by_pspec (G_OBJECT (layer), properties[PROP_IN_CHANNELS]);
    }

  if (transposed)
    y = dz_deconv2d (x, W, b, conv->stride[0], conv->stride[1], conv->pad[0], conv->pad[1],
                     0, 0, error);
  else
    y = dz_conv2d (x, W, b, conv->stride[0], conv->stride[1], conv->pad[0], conv->pad[1],
                   error);
  if (y == NULL)
    return NULL;
  outputs = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (outputs, y);
  return outputs;
}

static void
conv_constructed (GObject *object)
{
  Conv *conv = conv_of (object);
  g_autoptr(DzParameter) W = dz_parameter_new (NULL, "W");

  conv->W = W;
  dz_layer_add_parameter (DZ_LAYER (object), "W", W);
  /* Sizes that cannot be allocated leave W without data: the first call
   * tries again and reports the error there. */
  if (conv->in_channels > 0)
    init_W (conv, DZ_IS_DECONV2D_LAYER (object), NULL);
  if (!conv->nobias)
    {
      g_autoptr(DzArray) zeros = NULL;
      g_autoptr(DzParameter) b = NULL;

      zeros = dz_array_new_full_typed (conv->dtype, &conv->out_channels, 1, 0.0, NULL);
      b = dz_parameter_new (zeros, "b");
      conv->b = b;
      dz_layer_add_parameter (DZ_LAYER (object), "b", b);
    }
}

static void
conv_get_property (GObject    *object,
                   guint       prop_id,
                   GValue     *value,
                   GParamSpec *pspec)
{
  Conv *conv = conv_of (object);

  switch (prop_id)
    {
    case PROP_IN_CHANNELS:
      g_value_set_uint64 (value, conv->in_channels);
      break;
    case PROP_OUT_CHANNELS:
      g_value_set_uint64 (value, conv->out_channels);
      break;
    case PROP_KERNEL_H:
    case PROP_KERNEL_W:
      g_value_set_uint (value, conv->kernel[prop_id - PROP_KERNEL_H]);
      break;
    case PROP_STRIDE_H:
    case PROP_STRIDE_W:
      g_value_set_uint (value, conv->stride[prop_id - PROP_STRIDE_H]);
      break;
    case PROP_PAD_H:
    case PROP_PAD_W:
      g_value_set_uint (value, conv->pad[prop_id - PROP_PAD_H]);
      break;
    case PROP_NOBIAS:
      g_value_set_boolean (value, conv->nobias);
      break;
    case PROP_DTYPE:
      g_value_set_enum (value, conv->dtype);
      break;
    case PROP_GENERATOR:
      g_value_set_object (value, conv->generator);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
conv_set_property (GObject      *object,
                   guint         prop_id,
                   const GValue *value,
                   GParamSpec   *pspec)
{
  Conv *conv = conv_of (object);

  switch (prop_id)
    {
    case PROP_IN_CHANNELS:
      conv->in_channels = g_value_get_uint64 (value);
      break;
    case PROP_OUT_CHANNELS:
      conv->out_channels = g_value_get_uint64 (value);
      break;
    case PROP_KERNEL_H:
    case PROP_KERNEL_W:
      conv->kernel[prop_id - PROP_KERNEL_H] = g_value_get_uint (value);
      break;
    case PROP_STRIDE_H:
    case PROP_STRIDE_W:
      conv->stride[prop_id - PROP_STRIDE_H] = g_value_get_uint (value);
      break;
    case PROP_PAD_H:
    case PROP_PAD_W:
      conv->pad[prop_id - PROP_PAD_H] = g_value_get_uint (value);
      break;
    case PROP_NOBIAS:
      conv->nobias = g_value_get_boolean (value);
      break;
    case PROP_DTYPE:
      conv->dtype = g_value_get_enum (value);
      break;
    case PROP_GENERATOR:
      conv->generator = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define CONSTRUCT (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS)

/* The properties both classes have; each documents them on its own. */
static void
install_properties (GObjectClass  *object_class,
                    GParamSpec   **properties)
{
  object_class->constructed = conv_constructed;
  object_class->get_property = conv_get_property;
  object_class->set_property = conv_set_property;
  DZ_LAYER_CLASS (object_class)->forward = conv_forward;

  properties[PROP_IN_CHANNELS] =
    g_param_spec_uint64 ("in-channels", NULL, NULL, 0, G_MAXSIZE, 0,
                         CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_OUT_CHANNELS] =
    g_param_spec_uint64 ("out-channels", NULL, NULL, 1, G_MAXSIZE, 1, CONSTRUCT);
  properties[PROP_KERNEL_H] = g_param_spec_uint ("kernel-h", NULL, NULL, 1, G_MAXINT, 1, CONSTRUCT);
  properties[PROP_KERNEL_W] = g_param_spec_uint ("kernel-w", NULL, NULL, 1, G_MAXINT, 1, CONSTRUCT);
  properties[PROP_STRIDE_H] = g_param_spec_uint ("stride-h", NULL, NULL, 1, G_MAXINT, 1, CONSTRUCT);
  properties[PROP_STRIDE_W] = g_param_spec_uint ("stride-w", NULL, NULL, 1, G_MAXINT, 1, CONSTRUCT);
  properties[PROP_PAD_H] = g_param_spec_uint ("pad-h", NULL, NULL, 0, G_MAXINT, 0, CONSTRUCT);
  properties[PROP_PAD_W] = g_param_spec_uint ("pad-w", NULL, NULL, 0, G_MAXINT, 0, CONSTRUCT);
  properties[PROP_NOBIAS] = g_param_spec_boolean ("nobias", NULL, NULL, FALSE, CONSTRUCT);
  properties[PROP_DTYPE] =
    g_param_spec_enum ("dtype", NULL, NULL, DZ_TYPE_DTYPE, DZ_DTYPE_FLOAT32, CONSTRUCT);
  properties[PROP_GENERATOR] =
    g_param_spec_object ("generator", NULL, NULL, DZ_TYPE_GENERATOR, CONSTRUCT);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dz_conv2d_layer_finalize (GObject *object)
{
  g_clear_object (&DZ_CONV2D_LAYER (object)->conv.generator);

  G_OBJECT_CLASS (dz_conv2d_layer_parent_class)->finalize (object);
}

static void
dz_deconv2d_layer_finalize (GObject *object)
{
  g_clear_object (&DZ_DECONV2D_LAYER (object)->conv.generator);

  G_OBJECT_CLASS (dz_deconv2d_layer_parent_class)->finalize (object);
}

static void
dz_conv2d_layer_class_init (DzConv2dLayerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dz_conv2d_layer_finalize;

  /**
   * DzConv2dLayer:in-channels:
   *
   * The channels of the inputs (axis 1); 0 until the first call when it
   * was not given.
   */
  /**
   * DzConv2dLayer:out-channels:
   *
   * The number of filters, the channels of the outputs.
   */
  /**
   * DzConv2dLayer:kernel-h:
   *
   * The filters' height.
   */
  /**
   * DzConv2dLayer:kernel-w:
   *
   * The filters' width.
   */
  /**
   * DzConv2dLayer:stride-h:
   *
   * The vertical step of the filters.
   */
  /**
   * DzConv2dLayer:stride-w:
   *
   * The horizontal step of the filters.
   */
  /**
   * DzConv2dLayer:pad-h:
   *
   * The zeros added above and below the inputs.
   */
  /**
   * DzConv2dLayer:pad-w:
   *
   * The zeros added left and right of the inputs.
   */
  /**
   * DzConv2dLayer:nobias:
   *
   * Whether the layer has no bias `b`.
   */
  /**
   * DzConv2dLayer:dtype:
   *
   * The element type of the parameters (float32 by default, as DeZero's).
   */
  /**
   * DzConv2dLayer:generator:
   *
   * The generator the initial weights are drawn from, or %NULL for the
   * default one (see dz_generator_get_default()) at the time they are
   * drawn.
   */
  install_properties (G_OBJECT_CLASS (klass), conv_properties);
}

static void
dz_deconv2d_layer_class_init (DzDeconv2dLayerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dz_deconv2d_layer_finalize;

  /**
   * DzDeconv2dLayer:in-channels:
   *
   * The channels of the inputs (axis 1); 0 until the first call when it
   * was not given.
   */
  /**
   * DzDeconv2dLayer:out-channels:
   *
   * The channels of the outputs.
   */
  /**
   * DzDeconv2dLayer:kernel-h:
   *
   * The filters' height.
   */
  /**
   * DzDeconv2dLayer:kernel-w:
   *
   * The filters' width.
   */
  /**
   * DzDeconv2dLayer:stride-h:
   *
   * The vertical step of the convolution this layer transposes.
   */
  /**
   * DzDeconv2dLayer:stride-w:
   *
   * The horizontal step of the convolution this layer transposes.
   */
  /**
   * DzDeconv2dLayer:pad-h:
   *
   * The vertical padding of the convolution this layer transposes.
   */
  /**
   * DzDeconv2dLayer:pad-w:
   *
   * The horizontal padding of the convolution this layer transposes.
   */
  /**
   * DzDeconv2dLayer:nobias:
   *
   * Whether the layer has no bias `b`.
   */
  /**
   * DzDeconv2dLayer:dtype:
   *
   * The element type of the parameters (float32 by default, as DeZero's).
   */
  /**
   * DzDeconv2dLayer:generator:
   *
   * The generator the initial weights are drawn from, or %NULL for the
   * default one (see dz_generator_get_default()) at the time they are
   * drawn.
   */
  install_properties (G_OBJECT_CLASS (klass), deconv_properties);
}

static void
dz_conv2d_layer_init (DzConv2dLayer *self)
{
}

static void
dz_deconv2d_layer_init (DzDeconv2dLayer *self)
{
}

static DzLayer *
new_layer (GType        type,
           gsize        in_channels,
           gsize        out_channels,
           guint        kernel_h,
           guint        kernel_w,
           guint        stride_h,
           guint        stride_w,
           guint        pad_h,
           guint        pad_w,
           gboolean     nobias,
           DzDtype      dtype,
           DzGenerator *generator)
{
  g_return_val_if_fail (out_channels > 0, NULL);
  g_return_val_if_fail (kernel_h > 0 && kernel_w > 0, NULL);
  g_return_val_if_fail (stride_h > 0 && stride_w > 0, NULL);
  g_return_val_if_fail (kernel_h <= G_MAXINT && kernel_w <= G_MAXINT, NULL);
  g_return_val_if_fail (stride_h <= G_MAXINT && stride_w <= G_MAXINT, NULL);
  g_return_val_if_fail (pad_h <= G_MAXINT && pad_w <= G_MAXINT, NULL);
  g_return_val_if_fail ((guint) dtype < DZ_N_DTYPES, NULL);
  g_return_val_if_fail (generator == NULL || DZ_IS_GENERATOR (generator), NULL);

  return g_object_new (type,
                       "in-channels", (guint64) in_channels,
                       "out-channels", (guint64) out_channels,
                       "kernel-h", kernel_h, "kernel-w", kernel_w,
                       "stride-h", stride_h, "stride-w", stride_w,
                       "pad-h", pad_h, "pad-w", pad_w,
                       "nobias", nobias,
                       "dtype", dtype,
                       "generator", generator,
                       NULL);
}

/**
 * dz_conv2d_layer_new:
 * @in_channels: the channels of the inputs, or 0 to take them from the
 *   first input
 * @out_channels: the number of filters, at least 1
 * @kernel_h: the filters' height, at least 1
 * @kernel_w: the filters' width, at least 1
 * @stride_h: the vertical step, at least 1
 * @stride_w: the horizontal step, at least 1
 * @pad_h: the zeros added above and below
 * @pad_w: the zeros added left and right
 * @nobias: %TRUE for a layer without bias
 * @dtype: the element type of the parameters
 * @generator: (nullable): the generator to draw the initial weights from,
 *   or %NULL for the default one
 *
 * Creates a convolution layer, as DeZero's `L.Conv2d(out_channels,
 * kernel_size, stride, pad, nobias, dtype, in_channels)`.
 *
 * Returns: (transfer full): a new #DzConv2dLayer
 */
DzLayer *
dz_conv2d_layer_new (gsize        in_channels,
                     gsize        out_channels,
                     guint        kernel_h,
                     guint        kernel_w,
                     guint        stride_h,
                     guint        stride_w,
                     guint        pad_h,
                     guint        pad_w,
                     gboolean     nobias,
                     DzDtype      dtype,
                     DzGenerator *generator)
{
  return new_layer (DZ_TYPE_CONV2D_LAYER, in_channels, out_channels, kernel_h, kernel_w,
                    stride_h, stride_w, pad_h, pad_w, nobias, dtype, generator);
}

/**
 * dz_deconv2d_layer_new:
 * @in_channels: the channels of the inputs, or 0 to take them from the
 *   first input
 * @out_channels: the channels of the outputs, at least 1
 * @kernel_h: the filters' height, at least 1
 * @kernel_w: the filters' width, at least 1
 * @stride_h: the vertical step, at least 1
 * @stride_w: the horizontal step, at least 1
 * @pad_h: the padding of the convolution transposed, above and below
 * @pad_w: the same, left and right
 * @nobias: %TRUE for a layer without bias
 * @dtype: the element type of the parameters
 * @generator: (nullable): the generator to draw the initial weights from,
 *   or %NULL for the default one
 *
 * Creates a transposed convolution layer, as DeZero's
 * `L.Deconv2d(out_channels, kernel_size, stride, pad, nobias, dtype,
 * in_channels)`.
 *
 * Returns: (transfer full): a new #DzDeconv2dLayer
 */
DzLayer *
dz_deconv2d_layer_new (gsize        in_channels,
                       gsize        out_channels,
                       guint        kernel_h,
                       guint        kernel_w,
                       guint        stride_h,
                       guint        stride_w,
                       guint        pad_h,
                       guint        pad_w,
                       gboolean     nobias,
                       DzDtype      dtype,
                       DzGenerator *generator)
{
  return new_layer (DZ_TYPE_DECONV2D_LAYER, in_channels, out_channels, kernel_h, kernel_w,
                    stride_h, stride_w, pad_h, pad_w, nobias, dtype, generator);
}
