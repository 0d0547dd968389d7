/* dz-array-math.h: NumPy's element-wise math on DzArray, with broadcasting
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include "dz-array.h"

G_BEGIN_DECLS

/**
 * DzCompare:
 * @DZ_COMPARE_EQ: `a == b`
 * @DZ_COMPARE_NE: `a != b`
 * @DZ_COMPARE_LT: `a < b`
 * @DZ_COMPARE_LE: `a <= b`
 * @DZ_COMPARE_GT: `a > b`
 * @DZ_COMPARE_GE: `a >= b`
 *
 * An element-wise comparison (see dz_array_compare()).
 */
typedef enum
{
  DZ_COMPARE_EQ,
  DZ_COMPARE_NE,
  DZ_COMPARE_LT,
  DZ_COMPARE_LE,
  DZ_COMPARE_GT,
  DZ_COMPARE_GE,
} DzCompare;

DZ_AVAILABLE_IN_ALL
DzArray *dz_array_add        (DzArray  *a,
                              DzArray  *b,
                              GError  **error);
DZ_AVAILABLE_IN_ALL
DzArray *dz_array_sub        (DzArray  *a,
                              DzArray  *b,
                              GError  **error);
DZ_AVAILABLE_IN_ALL
DzArray *dz_array_mul        (DzArray  *a,
                              DzArray  *b,
                              GError  **error);
DZ_AVAILABLE_IN_ALL
DzArray *dz_array_div        (DzArray  *a,
                              DzArray  *b,
                              GError  **error);
DZ_AVAILABLE_IN_ALL
DzArray *dz_array_power      (DzArray  *a,
                              DzArray  *b,
                              GError  **error);
DZ_AVAILABLE_IN_ALL
DzArray *dz_array_maximum    (DzArray  *a,
                              DzArray  *b,
                              GError  **error);
DZ_AVAILABLE_IN_ALL
DzArray *dz_array_minimum    (DzArray  *a,
                              DzArray  *b,
                              GError  **error);
DZ_AVAILABLE_IN_ALL
DzArray *dz_array_compare    (DzArray  *a,
                              DzArray  *b,
                              DzCompare op,
                              GError  **error);
DZ_AVAILABLE_IN_ALL
DzArray *dz_array_neg        (DzArray  *a,
                              GError  **error);
DZ_AVAILABLE_IN_ALL
DzArray *dz_array_square     (DzArray  *a,
                              GError  **error);
DZ_AVAILABLE_IN_ALL
DzArray *dz_array_exp        (DzArray  *a,
                              GError  **error);
DZ_AVAILABLE_IN_ALL
DzArray *dz_array_log        (DzArray  *a,
                              GError  **error);
DZ_AVAILABLE_IN_ALL
DzArray *dz_array_sin        (DzArray  *a,
                              GError  **error);
DZ_AVAILABLE_IN_ALL
DzArray *dz_array_cos        (DzArray  *a,
                              GError  **error);
DZ_AVAILABLE_IN_ALL
DzArray *dz_array_tanh       (DzArray  *a,
                              GError  **error);
DZ_AVAILABLE_IN_ALL
DzArray *dz_array_pow        (DzArray  *a,
                              double    exponent,
                              GError  **error);
DZ_AVAILABLE_IN_ALL
DzArray *dz_array_scale      (DzArray  *a,
                              double    factor,
                              GError  **error);
DZ_AVAILABLE_IN_ALL
DzArray *dz_array_add_scalar (DzArray  *a,
                              double    value,
                              GError  **error);
DZ_AVAILABLE_IN_ALL
double   dz_array_sum        (DzArray  *a);
DZ_AVAILABLE_IN_ALL
gboolean dz_array_allclose   (DzArray  *a,
                              DzArray  *b,
                              double    rtol,
                              double    atol);

G_END_DECLS
