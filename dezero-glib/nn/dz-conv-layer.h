/* dz-conv-layer.h: convolution layers (DeZero's L.Conv2d and L.Deconv2d)
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include "dz-dtype.h"
#include "dz-generator.h"
#include "dz-layer.h"

G_BEGIN_DECLS

/**
 * DZ_TYPE_CONV2D_LAYER:
 *
 * The #GType of #DzConv2dLayer.
 */
#define DZ_TYPE_CONV2D_LAYER (dz_conv2d_layer_get_type ())

/**
 * DzConv2dLayerClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzConv2dLayer. #DzConv2dLayer is final: it has
 * no virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzConv2dLayer, dz_conv2d_layer, DZ, CONV2D_LAYER, DzLayer)

/**
 * DZ_TYPE_DECONV2D_LAYER:
 *
 * The #GType of #DzDeconv2dLayer.
 */
#define DZ_TYPE_DECONV2D_LAYER (dz_deconv2d_layer_get_type ())

/**
 * DzDeconv2dLayerClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzDeconv2dLayer. #DzDeconv2dLayer is final: it
 * has no virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzDeconv2dLayer, dz_deconv2d_layer, DZ, DECONV2D_LAYER, DzLayer)

DZ_AVAILABLE_IN_ALL
DzLayer *dz_conv2d_layer_new   (gsize        in_channels,
                                gsize        out_channels,
                                guint        kernel_h,
                                guint        kernel_w,
                                guint        stride_h,
                                guint        stride_w,
                                guint        pad_h,
                                guint        pad_w,
                                gboolean     nobias,
                                DzDtype      dtype,
                                DzGenerator *generator);
DZ_AVAILABLE_IN_ALL
DzLayer *dz_deconv2d_layer_new (gsize        in_channels,
                                gsize        out_channels,
                                guint        kernel_h,
                                guint        kernel_w,
                                guint        stride_h,
                                guint        stride_w,
                                guint        pad_h,
                                guint        pad_w,
                                gboolean     nobias,
                                DzDtype      dtype,
                                DzGenerator *generator);

G_END_DECLS
