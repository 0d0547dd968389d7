/* dz-kernels-private.h: fused element-wise kernels for gradients, in
 * dz-array-math.c
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-array.h"

G_BEGIN_DECLS

/* The *_take kernels consume @gy (transfer full) and return the result
 * (transfer full), of @gy's shape, or NULL when memory runs out: when
 * dz_array_is_exclusive (gy), the result is written into its storage,
 * which saves an allocation and a pass over fresh memory per operation of
 * a backward pass. Fusing saves the temporaries the same formula would
 * need as separate operations. The caller guarantees that all arguments
 * have one shape. */
DzArray *dz_kernel_mul_scaled_take (DzArray *gy, DzArray *b, double c);   /* gy b c */
DzArray *dz_kernel_div_take        (DzArray *gy, DzArray *b);             /* gy / b */
DzArray *dz_kernel_scale_take      (DzArray *gy, double c);               /* gy c */
DzArray *dz_kernel_tanh_grad_take  (DzArray *gy, DzArray *y);             /* gy (1 - y^2) */
DzArray *dz_kernel_mul_cos_take    (DzArray *gy, DzArray *x, double c);   /* c gy cos x */
DzArray *dz_kernel_mul_sin_take    (DzArray *gy, DzArray *x, double c);   /* c gy sin x */
DzArray *dz_kernel_mul_exp_take    (DzArray *gy, DzArray *x);             /* gy e^x */
DzArray *dz_kernel_pow_grad_take   (DzArray *gy, DzArray *x, double c);   /* gy c x^(c-1) */
/* Does not consume @gy: -gy a / b^2, or NULL when memory runs out */
DzArray *dz_kernel_div_grad_b      (DzArray *gy, DzArray *a, DzArray *b);
/* a += b in place; only when dz_array_is_exclusive (a). */
void     dz_kernel_add_inplace     (DzArray *a, DzArray *b);

G_END_DECLS
