/* dz-ops-dropout.c: dropout
 *
 * Written with the public multiplication, as DeZero writes it: the mask is
 * a constant of the graph, so the gradient is gy times the same mask and
 * higher orders come for free.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-config.h"
#include "dz-op-private.h"
#include "dz-ops-dropout.h"

/**
 * dz_dropout:
 * @x: a #DzVariable with data
 * @ratio: the probability of dropping each element, in [0, 1)
 * @generator: (nullable): where the mask's random numbers come from; %NULL
 *   for the default generator (dz_generator_get_default())
 * @error: return location for a #GError
 *
 * DeZero's inverted dropout. In training mode (dz_get_train()) each element
 * of @x is kept where a uniform draw in [0, 1) exceeds @ratio and scaled by
 * `1 / (1 - ratio)`, so that the expected value is unchanged and nothing
 * needs scaling at test time; the others become 0. In test mode the result
 * is @x itself. The mask has @x's float dtype (float64 for integers).
 *
 * Returns: (transfer full): the result, or %NULL with @error set
 */
DzVariable *
dz_dropout (DzVariable   *x,
            double        ratio,
            DzGenerator  *generator,
            GError      **error)
{
  DzArray *data;
  DzDtype dtype;
  g_autoptr(DzArray) mask64 = NULL;
  g_autoptr(DzArray) mask = NULL;
  g_autoptr(DzVariable) mask_var = NULL;
  double scale;
  double *values;

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (generator == NULL || DZ_IS_GENERATOR (generator), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(ratio >= 0.0 && ratio < 1.0))
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "dropout: the ratio must be in [0, 1), not %g", ratio);
      return NULL;
    }
  data = dz_variable_get_data (x);
  if (data == NULL)
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_NO_DATA,
                           "dropout: the variable has no data");
      return NULL;
    }
  if (!dz_get_train ())
    return g_object_ref (x);

  if (generator == NULL)
    generator = dz_generator_get_default ();
  mask64 = dz_array_new_uninitialized (DZ_DTYPE_FLOAT64, data->shape, data->ndim, error);
  if (mask64 == NULL)
    return NULL;
  values = DZ_ARRAY_F64 (mask64);
  dz_generator_fill_uniform (generator, values, mask64->size);
  /* DeZero: rand > ratio keeps, then x * mask / (1 - ratio). */
  scale = 1.0 / (1.0 - ratio);
  for (gsize i = 0; i < mask64->size; i++)
    values[i] = values[i] > ratio ? scale : 0.0;

  dtype = data->dtype == DZ_DTYPE_FLOAT32 ? DZ_DTYPE_FLOAT32 : DZ_DTYPE_FLOAT64;
  mask = dtype == DZ_DTYPE_FLOAT64 ? g_object_ref (mask64) : dz_array_astype (mask64, dtype, error);
  if (mask == NULL)
    return NULL;
  mask_var = dz_variable_new (mask);
  dz_variable_set_requires_grad (mask_var, FALSE);
  return dz_mul (x, mask_var, error);
}
