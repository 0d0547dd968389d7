/* dz-kernels-private.h: fused element-wise kernels for gradients
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-array.h"

G_BEGIN_DECLS

/* Each returns a new array of the shape of its first argument; the caller
 * guarantees that all arguments have that shape. Fusing saves the
 * temporary arrays the same formula would need as separate operations. */
DzArray *dz_kernel_mul_scaled (DzArray *a, DzArray *b, double c);       /* a b c */
DzArray *dz_kernel_tanh_grad  (DzArray *gy, DzArray *y);                /* gy (1 - y^2) */
DzArray *dz_kernel_mul_cos    (DzArray *gy, DzArray *x, double c);      /* c gy cos x */
DzArray *dz_kernel_mul_sin    (DzArray *gy, DzArray *x, double c);      /* c gy sin x */
DzArray *dz_kernel_mul_exp    (DzArray *gy, DzArray *x);                /* gy e^x */
DzArray *dz_kernel_pow_grad   (DzArray *gy, DzArray *x, double c);      /* gy c x^(c-1) */
DzArray *dz_kernel_div_grad_b (DzArray *gy, DzArray *a, DzArray *b);    /* -gy a / b^2 */
/* a += b in place; only for an array nobody else can see yet. */
void     dz_kernel_add_inplace (DzArray *a, DzArray *b);

G_END_DECLS
