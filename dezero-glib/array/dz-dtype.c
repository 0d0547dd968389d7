/* dz-dtype.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "dz-dtype.h"

static const struct
{
  const char *name;
  gsize item_size;
  gboolean is_float;
} dtypes[] = {
  [DZ_DTYPE_FLOAT64] = { "float64", sizeof (double), TRUE },
  [DZ_DTYPE_FLOAT32] = { "float32", sizeof (float), TRUE },
  [DZ_DTYPE_INT64] = { "int64", sizeof (gint64), FALSE },
};

G_STATIC_ASSERT (G_N_ELEMENTS (dtypes) == DZ_N_DTYPES);

/**
 * dz_dtype_get_name:
 * @dtype: a #DzDtype
 *
 * Gets the NumPy name of @dtype: "float64", "float32" or "int64".
 *
 * Returns: (transfer none): the name
 */
const char *
dz_dtype_get_name (DzDtype dtype)
{
  g_return_val_if_fail ((guint) dtype < DZ_N_DTYPES, NULL);

  return dtypes[dtype].name;
}

/**
 * dz_dtype_get_item_size:
 * @dtype: a #DzDtype
 *
 * Gets the size of one element of @dtype in bytes.
 *
 * Returns: 8 or 4
 */
gsize
dz_dtype_get_item_size (DzDtype dtype)
{
  g_return_val_if_fail ((guint) dtype < DZ_N_DTYPES, 0);

  return dtypes[dtype].item_size;
}

/**
 * dz_dtype_is_float:
 * @dtype: a #DzDtype
 *
 * Tells whether @dtype is a floating-point type, the only kind gradients
 * flow through.
 *
 * Returns: %TRUE for %DZ_DTYPE_FLOAT64 and %DZ_DTYPE_FLOAT32
 */
gboolean
dz_dtype_is_float (DzDtype dtype)
{
  g_return_val_if_fail ((guint) dtype < DZ_N_DTYPES, FALSE);

  return dtypes[dtype].is_float;
}

/**
 * dz_dtype_from_name:
 * @name: a NumPy dtype name: "float64", "float32" or "int64"
 * @dtype: (out): return location for the #DzDtype
 *
 * Looks a dtype up by its NumPy name.
 *
 * Returns: %TRUE if @name names a dtype
 */
gboolean
dz_dtype_from_name (const char *name,
                    DzDtype    *dtype)
{
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (dtype != NULL, FALSE);

  for (guint i = 0; i < DZ_N_DTYPES; i++)
    if (strcmp (name, dtypes[i].name) == 0)
      {
        *dtype = i;
        return TRUE;
      }
  return FALSE;
}
