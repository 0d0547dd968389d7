/* dz-ops-conv.h: convolutions and pooling on NCHW images
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include "dz-variable.h"

G_BEGIN_DECLS

DZ_AVAILABLE_IN_ALL
DzVariable *dz_im2col          (DzVariable   *x,
                                gint          kernel_h,
                                gint          kernel_w,
                                gint          stride_h,
                                gint          stride_w,
                                gint          pad_h,
                                gint          pad_w,
                                gboolean      to_matrix,
                                GError      **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_col2im          (DzVariable   *x,
                                const gsize  *input_shape,
                                guint         n_dims,
                                gint          kernel_h,
                                gint          kernel_w,
                                gint          stride_h,
                                gint          stride_w,
                                gint          pad_h,
                                gint          pad_w,
                                gboolean      to_matrix,
                                GError      **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_conv2d          (DzVariable   *x,
                                DzVariable   *W,
                                DzVariable   *b,
                                gint          stride_h,
                                gint          stride_w,
                                gint          pad_h,
                                gint          pad_w,
                                GError      **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_deconv2d        (DzVariable   *x,
                                DzVariable   *W,
                                DzVariable   *b,
                                gint          stride_h,
                                gint          stride_w,
                                gint          pad_h,
                                gint          pad_w,
                                gint          out_h,
                                gint          out_w,
                                GError      **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_pooling         (DzVariable   *x,
                                gint          kernel_h,
                                gint          kernel_w,
                                gint          stride_h,
                                gint          stride_w,
                                gint          pad_h,
                                gint          pad_w,
                                GError      **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_average_pooling (DzVariable   *x,
                                gint          kernel_h,
                                gint          kernel_w,
                                gint          stride_h,
                                gint          stride_w,
                                gint          pad_h,
                                gint          pad_w,
                                GError      **error);

G_END_DECLS
