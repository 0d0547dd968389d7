/* dz-weights.c: saving and loading a layer tree's parameters
 *
 * The layer methods live here rather than in nn/ because they stand on the
 * safetensors file format, and io/ is the layer above nn/.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-array-private.h"
#include "dz-error.h"
#include "dz-safetensors.h"
#include "dz-weights.h"

/**
 * dz_layer_save_weights:
 * @self: a #DzLayer
 * @path: (type filename): the file to write
 * @error: return location for a #GError
 *
 * DeZero's `Layer.save_weights()`: writes every parameter of the layer
 * tree to @path in the safetensors format (dz_safetensors_save()), each
 * under its dotted name from dz_layer_list_parameter_names() (`l0.W`,
 * `l0.b`…) with its own dtype. PyTorch reads the file with
 * `safetensors.torch.load_file()`; dz_layer_load_weights() reads it back
 * into a layer of the same structure, in any of the three languages.
 *
 * The file is replaced atomically: if anything fails, an existing @path is
 * left as it was. A parameter without data (a #DzLinearLayer that has not
 * seen an input yet, and so does not know its input size) is an error,
 * %DZ_ERROR_NO_DATA.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
dz_layer_save_weights (DzLayer     *self,
                       const char  *path,
                       GError     **error)
{
  g_autoptr(GPtrArray) params = NULL;
  g_auto(GStrv) names = NULL;
  g_autofree DzArray **arrays = NULL;

  g_return_val_if_fail (DZ_IS_LAYER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  params = dz_layer_list_parameters (self);
  names = dz_layer_list_parameter_names (self);
  arrays = g_new0 (DzArray *, params->len + 1);
  for (guint i = 0; i < params->len; i++)
    {
      arrays[i] = dz_variable_get_data (g_ptr_array_index (params, i));
      if (arrays[i] == NULL)
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_NO_DATA,
                       "Cannot save the weights to %s: parameter %s has no data yet (a Linear "
                       "layer learns its input size from its first input: call the model once "
                       "before saving)", path, names[i]);
          return FALSE;
        }
    }
  return dz_safetensors_save (path, (const char * const *) names, arrays, params->len, NULL,
                              error);
}

static gboolean
check_shape (DzArray     *current,
             DzArray     *loaded,
             const char  *name,
             const char  *path,
             GError     **error)
{
  g_autofree char *want = NULL;
  g_autofree char *got = NULL;
  guint want_ndim, got_ndim;
  const gsize *want_shape, *got_shape;

  if (current == NULL || dz_array_same_shape (current, loaded))
    return TRUE;
  want_shape = dz_array_get_shape (current, &want_ndim);
  got_shape = dz_array_get_shape (loaded, &got_ndim);
  want = dz_shape_to_string (want_shape, want_ndim);
  got = dz_shape_to_string (got_shape, got_ndim);
  g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
               "%s: tensor %s has shape %s, but the parameter has shape %s",
               path, name, got, want);
  return FALSE;
}

/**
 * dz_layer_load_weights:
 * @self: a #DzLayer
 * @path: (type filename): a file written by dz_layer_save_weights(), or any
 *   safetensors file with the same names
 * @error: return location for a #GError
 *
 * DeZero's `Layer.load_weights()`: gives every parameter of the layer tree
 * the tensor of its dotted name in @path. The file must hold exactly those
 * names, each with the parameter's shape (a parameter without data yet
 * takes the file's shape, as a lazily sized #DzLinearLayer does); a tensor
 * of another float dtype is converted to the parameter's. Where the dtypes
 * match, the parameter's array is the file's memory mapping, not a copy;
 * an optimizer that later updates it writes to a copy of its own.
 *
 * All or nothing: everything is checked before any parameter changes, so
 * a bad file (truncated, corrupt header, missing or extra names, wrong
 * shapes) gives an error (%DZ_ERROR_INVALID_FILE, %DZ_ERROR_SHAPE_MISMATCH,
 * or a #GFileError when it cannot be read) and leaves every parameter as
 * it was.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
dz_layer_load_weights (DzLayer     *self,
                       const char  *path,
                       GError     **error)
{
  g_autoptr(DzSafetensors) file = NULL;
  g_autoptr(GPtrArray) params = NULL;
  g_autoptr(GPtrArray) loaded = NULL;
  g_auto(GStrv) names = NULL;
  const char * const *file_names;

  g_return_val_if_fail (DZ_IS_LAYER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  file = dz_safetensors_load (path, error);
  if (file == NULL)
    return FALSE;

  params = dz_layer_list_parameters (self);
  names = dz_layer_list_parameter_names (self);
  file_names = dz_safetensors_get_names (file);
  for (guint i = 0; file_names[i] != NULL; i++)
    if (!g_strv_contains ((const char * const *) names, file_names[i]))
      {
        g_autofree char *listed = g_strjoinv (", ", names);

        g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_FILE,
                     "%s: tensor %s is not a parameter of this %s (its parameters: %s)",
                     path, file_names[i], G_OBJECT_TYPE_NAME (self),
                     names[0] != NULL ? listed : "none");
        return FALSE;
      }

  loaded = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < params->len; i++)
    {
      DzArray *current = dz_variable_get_data (g_ptr_array_index (params, i));
      g_autoptr(DzArray) array = NULL;

      if (!dz_safetensors_contains (file, names[i]))
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_FILE,
                       "%s has no tensor %s for the parameter of that name", path, names[i]);
          return FALSE;
        }
      array = dz_safetensors_get_array (file, names[i], error);
      if (array == NULL || !check_shape (current, array, names[i], path, error))
        return FALSE;
      if (current != NULL && dz_array_get_dtype (current) != dz_array_get_dtype (array))
        {
          DzArray *converted = dz_array_astype (array, dz_array_get_dtype (current), error);

          if (converted == NULL)
            return FALSE;
          g_object_unref (array);
          array = converted;
        }
      g_ptr_array_add (loaded, g_steal_pointer (&array));
    }

  for (guint i = 0; i < params->len; i++)
    dz_variable_set_data (g_ptr_array_index (params, i), g_ptr_array_index (loaded, i));
  return TRUE;
}
