/* dz-dtype.h: the element types of arrays
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "dz-version-macros.h"

G_BEGIN_DECLS

/**
 * DzDtype:
 * @DZ_DTYPE_FLOAT64: IEEE 754 double precision, NumPy's `float64`; the default
 * @DZ_DTYPE_FLOAT32: IEEE 754 single precision, NumPy's `float32`
 * @DZ_DTYPE_INT64: 64-bit signed integers, NumPy's `int64`, for labels and
 *   indices: no gradient flows into them
 *
 * The type of the elements of a #DzArray, stored in the machine's byte order.
 */
typedef enum
{
  DZ_DTYPE_FLOAT64,
  DZ_DTYPE_FLOAT32,
  DZ_DTYPE_INT64,
} DzDtype;

/**
 * DZ_N_DTYPES:
 *
 * The number of values of #DzDtype.
 */
#define DZ_N_DTYPES 3

DZ_AVAILABLE_IN_ALL
const char *dz_dtype_get_name      (DzDtype  dtype);
DZ_AVAILABLE_IN_ALL
gsize       dz_dtype_get_item_size (DzDtype  dtype);
DZ_AVAILABLE_IN_ALL
gboolean    dz_dtype_is_float      (DzDtype  dtype);
DZ_AVAILABLE_IN_ALL
gboolean    dz_dtype_from_name     (const char *name,
                                    DzDtype    *dtype);

G_END_DECLS
