/* dz-array.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "dz-array-private.h"
#include "dz-buffer-private.h"
#include "dz-error.h"
#include "dz-live-private.h"
#include "dz-scope-private.h"

/**
 * DzArray:
 *
 * An immutable, C-contiguous, n-dimensional array of float64, float32 or
 * int64 values (see #DzDtype).
 *
 * A 0-dimensional array holds one scalar. Values never change once the
 * array is built: operations return new arrays, so one array can be the
 * data of several variables, or a gradient, without any risk of aliasing.
 *
 * #DzArray is a #GObject rather than a boxed type so that functions
 * written in JavaScript can return arrays of it (GJS 1.74 cannot return
 * arrays of boxed values from a virtual function).
 */

G_DEFINE_FINAL_TYPE (DzArray, dz_array, G_TYPE_OBJECT)

/* Disposing drops the array's hold on its values at once, also when a
 * language binding still holds a wrapper (see #DzScope): the array becomes
 * empty, of shape (0,), so that later use gives shape errors. Bytes from
 * dz_array_get_bytes() reference the storage, so they stay valid. */
static void
dz_array_dispose (GObject *object)
{
  DzArray *self = DZ_ARRAY (object);

  if (!self->disposed)
    {
      self->disposed = TRUE;
      g_clear_pointer (&self->storage, dz_storage_unref);
      if (self->shape != self->inline_shape)
        g_free (self->shape);
      self->shape = self->inline_shape;
      self->ndim = 1;
      self->shape[0] = 0;
      self->size = 0;
      self->data = &self->inline_value;
      dz_live_dec (DZ_LIVE_ARRAY);
    }

  G_OBJECT_CLASS (dz_array_parent_class)->dispose (object);
}

static void
dz_array_class_init (DzArrayClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = dz_array_dispose;
}

static void
dz_array_init (DzArray *self)
{
  dz_live_inc (DZ_LIVE_ARRAY);
  self->shape = self->inline_shape;
  self->data = &self->inline_value;
  self->size = 1;
  dz_scope_track_new (self, &self->holders);
}

/* Computes the product of @shape without overflow. */
gboolean
dz_shape_check (const gsize  *shape,
             guint         ndim,
             gsize        *size,
             GError      **error)
{
  gsize product = 1;
  gboolean overflow = FALSE;

  if (ndim > DZ_ARRAY_MAX_NDIM)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "An array has at most %d dimensions, not %u",
                   DZ_ARRAY_MAX_NDIM, ndim);
      return FALSE;
    }
  if (ndim > 0 && shape == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "A shape of %u dimensions was given as NULL", ndim);
      return FALSE;
    }

  for (guint i = 0; i < ndim; i++)
    {
      /* An axis of length 0 makes the product 0 whatever follows, but a
       * later huge axis is still a mistake worth reporting. */
      if (shape[i] != 0 && product > G_MAXSIZE / shape[i])
        overflow = TRUE;
      else
        product *= shape[i];
    }

  if (overflow || product > G_MAXSIZE / sizeof (double) / 2)
    {
      g_autofree char *text = dz_shape_to_string (shape, ndim);

      g_set_error (error, DZ_ERROR, DZ_ERROR_TOO_LARGE,
                   "An array of shape %s is too large", text);
      return FALSE;
    }

  *size = product;
  return TRUE;
}

char *
dz_shape_to_string (const gsize *shape,
                    guint        ndim)
{
  GString *str = g_string_new ("(");

  for (guint i = 0; i < ndim; i++)
    g_string_append_printf (str, "%s%" G_GSIZE_FORMAT, i ? ", " : "", shape[i]);
  g_string_append (str, ndim == 1 ? ",)" : ")");
  return g_string_free (str, FALSE);
}

/* Builds the array object around a shape; the caller provides the data. */
static DzArray *
array_new_with_shape (DzDtype      dtype,
                      const gsize *shape,
                      guint        ndim,
                      gsize        size)
{
  DzArray *self = (DzArray *) g_object_new_with_properties (DZ_TYPE_ARRAY, 0, NULL, NULL);

  self->dtype = dtype;
  self->ndim = ndim;
  self->size = size;
  if (ndim > G_N_ELEMENTS (self->inline_shape))
    self->shape = g_new (gsize, ndim);
  if (ndim > 0)
    memcpy (self->shape, shape, ndim * sizeof (gsize));

  return self;
}

DzArray *
dz_array_new_uninitialized (DzDtype       dtype,
                            const gsize  *shape,
                            guint         ndim,
                            GError      **error)
{
  DzArray *self;
  DzStorage *storage = NULL;
  gsize size;

  if (!dz_shape_check (shape, ndim, &size, error))
    return NULL;

  /* Scalars and single values live inside the object: no second
   * allocation for the small arrays that dominate graph bookkeeping. */
  if (size > 1)
    {
      storage = dz_storage_new (size * dz_dtype_get_item_size (dtype), error);
      if (storage == NULL)
        return NULL;
    }

  self = array_new_with_shape (dtype, shape, ndim, size);
  if (storage != NULL)
    {
      self->storage = storage;
      self->data = storage->data;
    }

  return self;
}

DzArray *
dz_array_new_uninitialized_like (DzArray  *like,
                                 GError  **error)
{
  return dz_array_new_uninitialized (like->dtype, like->shape, like->ndim, error);
}

double
dz_array_load (DzArray *self,
               gsize    index)
{
  switch (self->dtype)
    {
    case DZ_DTYPE_FLOAT32:
      return DZ_ARRAY_F32 (self)[index];
    case DZ_DTYPE_INT64:
      return (double) DZ_ARRAY_I64 (self)[index];
    case DZ_DTYPE_FLOAT64:
    default:
      return DZ_ARRAY_F64 (self)[index];
    }
}

/**
 * dz_array_new_scalar:
 * @value: the value
 *
 * Creates a 0-dimensional array holding @value.
 *
 * Returns: (transfer full): a new #DzArray
 */
DzArray *
dz_array_new_scalar (double value)
{
  DzArray *self = array_new_with_shape (DZ_DTYPE_FLOAT64, NULL, 0, 1);

  self->inline_value.f64 = value;
  return self;
}

/**
 * dz_array_new_from_values:
 * @values: (array length=n_values) (nullable): the values, in C order
 * @n_values: the number of values, which must equal the product of @shape
 * @shape: (array length=ndim) (nullable): the length of each axis
 * @ndim: the number of axes; 0 makes a scalar
 * @error: return location for a #GError
 *
 * Creates an array of the given @shape holding a copy of @values.
 *
 * Returns: (transfer full): a new #DzArray, or %NULL with @error set
 */
DzArray *
dz_array_new_from_values (const double  *values,
                          gsize          n_values,
                          const gsize   *shape,
                          guint          ndim,
                          GError       **error)
{
  DzArray *self;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = dz_array_new_uninitialized (DZ_DTYPE_FLOAT64, shape, ndim, error);
  if (self == NULL)
    return NULL;

  if (n_values != self->size)
    {
      g_autofree char *shape_text = dz_array_shape_to_string (self);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SIZE_MISMATCH,
                   "%" G_GSIZE_FORMAT " values cannot fill an array of shape %s "
                   "(%" G_GSIZE_FORMAT " values)",
                   n_values, shape_text, self->size);
      g_object_unref (self);
      return NULL;
    }
  if (values == NULL && n_values > 0)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "The values of a %" G_GSIZE_FORMAT "-element array were NULL",
                   n_values);
      g_object_unref (self);
      return NULL;
    }

  if (n_values > 0)
    memcpy (self->data, values, n_values * sizeof (double));

  return self;
}

/**
 * dz_array_new_from_bytes:
 * @bytes: native-endian values of @dtype, in C order
 * @dtype: the element type
 * @shape: (array length=ndim) (nullable): the length of each axis
 * @ndim: the number of axes
 * @error: return location for a #GError
 *
 * Creates an array that reads its values straight from @bytes, keeping a
 * reference to them instead of copying. Only when the data is not aligned
 * for @dtype are the values copied. From JavaScript, a `Float32Array`,
 * `Float64Array` or `BigInt64Array` becomes bytes without a per-element
 * loop: `new GLib.Bytes(new Uint8Array(typed.buffer))`.
 *
 * Returns: (transfer full): a new #DzArray, or %NULL with @error set
 */
DzArray *
dz_array_new_from_bytes (GBytes       *bytes,
                         DzDtype       dtype,
                         const gsize  *shape,
                         guint         ndim,
                         GError      **error)
{
  DzArray *self;
  gconstpointer data;
  gsize n_bytes, size, item_size;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (bytes == NULL)
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                           "No bytes were given to build an array from");
      return NULL;
    }
  if ((guint) dtype >= DZ_N_DTYPES)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_DTYPE, "%d is not a dtype", dtype);
      return NULL;
    }
  if (!dz_shape_check (shape, ndim, &size, error))
    return NULL;

  item_size = dz_dtype_get_item_size (dtype);
  data = g_bytes_get_data (bytes, &n_bytes);
  if (n_bytes % item_size != 0 || n_bytes / item_size != size)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_SIZE_MISMATCH,
                   "%" G_GSIZE_FORMAT " bytes do not hold the %" G_GSIZE_FORMAT
                   " %s values of the requested shape",
                   n_bytes, size, dz_dtype_get_name (dtype));
      return NULL;
    }

  /* Single values live inline; misaligned ones cannot be read in place. */
  if (size <= 1 || (guintptr) data % item_size != 0)
    {
      self = dz_array_new_uninitialized (dtype, shape, ndim, error);
      if (self != NULL && n_bytes > 0)
        memcpy (self->data, data, n_bytes);
      return self;
    }

  self = array_new_with_shape (dtype, shape, ndim, size);
  if (size > 0)
    {
      self->storage = dz_storage_new_borrowed (bytes);
      self->data = self->storage->data;
    }

  return self;
}

/**
 * dz_array_new_full:
 * @shape: (array length=ndim) (nullable): the length of each axis
 * @ndim: the number of axes
 * @value: the value of every element
 * @error: return location for a #GError
 *
 * Creates an array of the given @shape with every element set to @value.
 *
 * Returns: (transfer full): a new #DzArray, or %NULL with @error set
 */
DzArray *
dz_array_new_full (const gsize  *shape,
                   guint         ndim,
                   double        value,
                   GError      **error)
{
  return dz_array_new_full_typed (DZ_DTYPE_FLOAT64, shape, ndim, value, error);
}

/* Sets every element of the contiguous @self to @value. */
static void
fill (DzArray *self,
      double   value)
{
  switch (self->dtype)
    {
    case DZ_DTYPE_FLOAT64:
      for (gsize i = 0; i < self->size; i++)
        DZ_ARRAY_F64 (self)[i] = value;
      break;
    case DZ_DTYPE_FLOAT32:
      for (gsize i = 0; i < self->size; i++)
        DZ_ARRAY_F32 (self)[i] = (float) value;
      break;
    case DZ_DTYPE_INT64:
      for (gsize i = 0; i < self->size; i++)
        DZ_ARRAY_I64 (self)[i] = (gint64) value;
      break;
    }
}

/**
 * dz_array_new_full_typed:
 * @dtype: the element type
 * @shape: (array length=ndim) (nullable): the length of each axis
 * @ndim: the number of axes
 * @value: the value of every element, converted to @dtype
 * @error: return location for a #GError
 *
 * Creates an array of @dtype and the given @shape with every element set
 * to @value.
 *
 * Returns: (transfer full): a new #DzArray, or %NULL with @error set
 */
DzArray *
dz_array_new_full_typed (DzDtype       dtype,
                         const gsize  *shape,
                         guint         ndim,
                         double        value,
                         GError      **error)
{
  DzArray *self;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if ((guint) dtype >= DZ_N_DTYPES)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_DTYPE, "%d is not a dtype", dtype);
      return NULL;
    }
  self = dz_array_new_uninitialized (dtype, shape, ndim, error);
  if (self == NULL)
    return NULL;

  fill (self, value);
  return self;
}

/**
 * dz_array_new_zeros:
 * @shape: (array length=ndim) (nullable): the length of each axis
 * @ndim: the number of axes
 * @error: return location for a #GError
 *
 * Creates an array of zeros.
 *
 * Returns: (transfer full): a new #DzArray, or %NULL with @error set
 */
DzArray *
dz_array_new_zeros (const gsize  *shape,
                    guint         ndim,
                    GError      **error)
{
  return dz_array_new_full (shape, ndim, 0.0, error);
}

/**
 * dz_array_new_ones:
 * @shape: (array length=ndim) (nullable): the length of each axis
 * @ndim: the number of axes
 * @error: return location for a #GError
 *
 * Creates an array of ones.
 *
 * Returns: (transfer full): a new #DzArray, or %NULL with @error set
 */
DzArray *
dz_array_new_ones (const gsize  *shape,
                   guint         ndim,
                   GError      **error)
{
  return dz_array_new_full (shape, ndim, 1.0, error);
}

/**
 * dz_array_new_randn:
 * @shape: (array length=ndim) (nullable): the length of each axis
 * @ndim: the number of axes
 * @generator: (nullable): the generator to draw from, or %NULL for the
 *   default one (see dz_generator_get_default())
 * @error: return location for a #GError
 *
 * Creates an array of standard normal random numbers.
 *
 * Returns: (transfer full): a new #DzArray, or %NULL with @error set
 */
DzArray *
dz_array_new_randn (const gsize  *shape,
                    guint         ndim,
                    DzGenerator  *generator,
                    GError      **error)
{
  DzArray *self;

  g_return_val_if_fail (generator == NULL || DZ_IS_GENERATOR (generator), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = dz_array_new_uninitialized (DZ_DTYPE_FLOAT64, shape, ndim, error);
  if (self == NULL)
    return NULL;

  dz_generator_fill_normal (generator ? generator : dz_generator_get_default (),
                            self->data, self->size);
  return self;
}

/**
 * dz_array_new_uniform:
 * @shape: (array length=ndim) (nullable): the length of each axis
 * @ndim: the number of axes
 * @generator: (nullable): the generator to draw from, or %NULL for the
 *   default one
 * @error: return location for a #GError
 *
 * Creates an array of random numbers uniformly distributed in [0, 1).
 *
 * Returns: (transfer full): a new #DzArray, or %NULL with @error set
 */
DzArray *
dz_array_new_uniform (const gsize  *shape,
                      guint         ndim,
                      DzGenerator  *generator,
                      GError      **error)
{
  DzArray *self;

  g_return_val_if_fail (generator == NULL || DZ_IS_GENERATOR (generator), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = dz_array_new_uninitialized (DZ_DTYPE_FLOAT64, shape, ndim, error);
  if (self == NULL)
    return NULL;

  dz_generator_fill_uniform (generator ? generator : dz_generator_get_default (),
                             self->data, self->size);
  return self;
}

/**
 * dz_array_new_zeros_like:
 * @self: a #DzArray
 * @error: return location for a #GError
 *
 * Creates an array of zeros with the shape and dtype of @self.
 *
 * Returns: (transfer full): a new #DzArray, or %NULL with
 *   %DZ_ERROR_NO_MEMORY
 */
DzArray *
dz_array_new_zeros_like (DzArray  *self,
                         GError  **error)
{
  DzArray *result;

  g_return_val_if_fail (DZ_IS_ARRAY (self), NULL);

  result = dz_array_new_uninitialized_like (self, error);
  if (result == NULL)
    return NULL;
  memset (result->data, 0, dz_array_n_bytes (result));
  return result;
}

/**
 * dz_array_new_ones_like:
 * @self: a #DzArray
 * @error: return location for a #GError
 *
 * Creates an array of ones with the shape and dtype of @self.
 *
 * Returns: (transfer full): a new #DzArray, or %NULL with
 *   %DZ_ERROR_NO_MEMORY
 */
DzArray *
dz_array_new_ones_like (DzArray  *self,
                        GError  **error)
{
  DzArray *result;

  g_return_val_if_fail (DZ_IS_ARRAY (self), NULL);

  result = dz_array_new_uninitialized_like (self, error);
  if (result == NULL)
    return NULL;
  fill (result, 1.0);
  return result;
}

/**
 * dz_array_get_ndim:
 * @self: a #DzArray
 *
 * Gets the number of axes (dimensions) of @self.
 *
 * Returns: the number of axes, 0 for a scalar
 */
guint
dz_array_get_ndim (DzArray *self)
{
  g_return_val_if_fail (DZ_IS_ARRAY (self), 0);

  return self->ndim;
}

/**
 * dz_array_get_shape:
 * @self: a #DzArray
 * @ndim: (out) (optional): the number of axes
 *
 * Gets the length of each axis of @self. The returned memory belongs to
 * @self and lives as long as it.
 *
 * Returns: (array length=ndim) (transfer none): the length of each axis
 */
const gsize *
dz_array_get_shape (DzArray *self,
                    guint   *ndim)
{
  g_return_val_if_fail (DZ_IS_ARRAY (self), NULL);

  if (ndim != NULL)
    *ndim = self->ndim;
  return self->shape;
}

/**
 * dz_array_get_size:
 * @self: a #DzArray
 *
 * Gets the number of elements of @self.
 *
 * Returns: the number of elements, the product of the shape
 */
gsize
dz_array_get_size (DzArray *self)
{
  g_return_val_if_fail (DZ_IS_ARRAY (self), 0);

  return self->size;
}

/**
 * dz_array_get_dtype:
 * @self: a #DzArray
 *
 * Gets the element type of @self.
 *
 * Returns: the dtype
 */
DzDtype
dz_array_get_dtype (DzArray *self)
{
  g_return_val_if_fail (DZ_IS_ARRAY (self), DZ_DTYPE_FLOAT64);

  return self->dtype;
}

/**
 * dz_array_get_values:
 * @self: a float64 #DzArray
 * @n_values: (out) (optional): the number of values
 *
 * Returns the values of a float64 array in C order. In Python they arrive
 * as a list of floats, in JavaScript as an array of numbers; for other
 * dtypes, and for a zero-copy view, use dz_array_get_bytes().
 *
 * Returns: (array length=n_values) (transfer none): the values, valid as
 *   long as @self is
 */
const double *
dz_array_get_values (DzArray *self,
                     gsize   *n_values)
{
  g_return_val_if_fail (DZ_IS_ARRAY (self), NULL);
  g_return_val_if_fail (self->dtype == DZ_DTYPE_FLOAT64, NULL);

  if (n_values != NULL)
    *n_values = self->size;
  return self->data;
}

/**
 * dz_array_get_value:
 * @self: a #DzArray
 * @index: a flat index, in C order
 *
 * Reads one element of @self by its flat index, converted to a double.
 * @index must be below dz_array_get_size().
 *
 * Returns: the value at @index
 */
double
dz_array_get_value (DzArray *self,
                    gsize    index)
{
  g_return_val_if_fail (DZ_IS_ARRAY (self), NAN);
  g_return_val_if_fail (index < self->size, NAN);

  return dz_array_load (self, index);
}

/**
 * dz_array_item:
 * @self: a #DzArray of exactly one element
 *
 * Reads the value of an array of exactly one element, whatever its shape,
 * as NumPy's `item()` does.
 *
 * Returns: the only value of @self
 */
double
dz_array_item (DzArray *self)
{
  g_return_val_if_fail (DZ_IS_ARRAY (self), NAN);
  g_return_val_if_fail (self->size == 1, NAN);

  return dz_array_load (self, 0);
}

/**
 * dz_array_get_bytes:
 * @self: a #DzArray
 *
 * Returns the values as native-endian bytes of the array's dtype (see
 * dz_array_get_dtype()), without copying them unless @self holds a single
 * value inline. The bytes keep the values alive, not @self: they stay
 * valid and unchanged after @self is finalized or emptied by a closing
 * #DzScope. From JavaScript, `new Float32Array(bytes.toArray().buffer)`
 * reads them without a per-element loop.
 *
 * Returns: (transfer full): the values as #GBytes
 */
GBytes *
dz_array_get_bytes (DzArray *self)
{
  g_return_val_if_fail (DZ_IS_ARRAY (self), NULL);

  if (self->storage != NULL)
    return dz_storage_get_bytes (self->storage,
                                 (guint8 *) self->data - (guint8 *) self->storage->data,
                                 dz_array_n_bytes (self));

  return g_bytes_new (self->data, dz_array_n_bytes (self));
}

/**
 * dz_array_astype:
 * @self: a #DzArray
 * @dtype: the element type wanted
 * @error: return location for a #GError
 *
 * Converts @self to @dtype, as NumPy's `astype()`: floats become integers
 * by truncation toward zero. Arrays are immutable, so when @self already
 * has @dtype it is returned itself.
 *
 * Returns: (transfer full): an array of @dtype, or %NULL with @error set
 */
DzArray *
dz_array_astype (DzArray  *self,
                 DzDtype   dtype,
                 GError  **error)
{
  DzArray *result;

  g_return_val_if_fail (DZ_IS_ARRAY (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if ((guint) dtype >= DZ_N_DTYPES)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_DTYPE, "%d is not a dtype", dtype);
      return NULL;
    }
  if (dtype == self->dtype)
    return g_object_ref (self);

  result = dz_array_new_uninitialized (dtype, self->shape, self->ndim, error);
  if (result != NULL)
    dz_kernel_cast (self->dtype, dtype, self->size, self->data, result->data);
  return result;
}

/**
 * dz_array_reshape:
 * @self: a #DzArray
 * @shape: (array length=ndim) (nullable): the new shape, which may hold
 *   one -1 standing for the length the size implies
 * @ndim: the number of axes
 * @error: return location for a #GError
 *
 * Gives the values of @self another shape of the same size, as NumPy's
 * `reshape()`. Nothing is copied: the result shares @self's storage.
 *
 * Returns: (transfer full): the reshaped array, or %NULL with
 *   %DZ_ERROR_SIZE_MISMATCH
 */
DzArray *
dz_array_reshape (DzArray      *self,
                  const gssize *shape,
                  guint         ndim,
                  GError      **error)
{
  gsize resolved[DZ_ARRAY_MAX_NDIM];

  g_return_val_if_fail (DZ_IS_ARRAY (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!dz_shape_resolve (shape, ndim, self->size, resolved, error))
    return NULL;

  return dz_array_reshape_resolved (self, resolved, ndim);
}

DzArray *
dz_array_reshape_resolved (DzArray     *self,
                           const gsize *shape,
                           guint        ndim)
{
  DzArray *result = array_new_with_shape (self->dtype, shape, ndim, self->size);

  if (self->storage != NULL)
    {
      result->storage = dz_storage_ref (self->storage);
      result->data = self->data;
    }
  else
    result->inline_value = self->inline_value;
  return result;
}

gboolean
dz_shape_resolve (const gssize *shape,
                  guint         ndim,
                  gsize         size,
                  gsize        *resolved,
                  GError      **error)
{
  gsize known = 1;
  gint unknown = -1;

  if (ndim > DZ_ARRAY_MAX_NDIM || (ndim > 0 && shape == NULL))
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "A shape has between 0 and %d axes", DZ_ARRAY_MAX_NDIM);
      return FALSE;
    }
  for (guint i = 0; i < ndim; i++)
    {
      if (shape[i] == -1 && unknown < 0)
        {
          unknown = i;
          continue;
        }
      if (shape[i] == -1)
        {
          g_set_error_literal (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                               "A shape can only specify one unknown length (-1)");
          return FALSE;
        }
      if (shape[i] < 0)
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                       "A shape cannot hold the negative length %" G_GSSIZE_FORMAT, shape[i]);
          return FALSE;
        }
      resolved[i] = shape[i];
      if (resolved[i] != 0 && known > G_MAXSIZE / resolved[i])
        known = G_MAXSIZE;
      else
        known *= resolved[i];
    }
  if (unknown >= 0)
    {
      if (known == 0 || size % known != 0)
        goto mismatch;
      resolved[unknown] = size / known;
      known = size;
    }
  if (known != size)
    goto mismatch;
  return TRUE;

mismatch:
  {
    GString *str = g_string_new ("(");

    for (guint i = 0; i < ndim; i++)
      g_string_append_printf (str, "%s%" G_GSSIZE_FORMAT, i ? ", " : "", shape[i]);
    g_string_append (str, ndim == 1 ? ",)" : ")");
    g_set_error (error, DZ_ERROR, DZ_ERROR_SIZE_MISMATCH,
                 "Cannot reshape an array of size %" G_GSIZE_FORMAT " into shape %s",
                 size, str->str);
    g_string_free (str, TRUE);
    return FALSE;
  }
}

/**
 * dz_array_same_shape:
 * @self: a #DzArray
 * @other: another #DzArray
 *
 * Compares the shapes (not the values) of two arrays.
 *
 * Returns: whether both arrays have the same shape
 */
gboolean
dz_array_same_shape (DzArray *self,
                     DzArray *other)
{
  g_return_val_if_fail (DZ_IS_ARRAY (self), FALSE);
  g_return_val_if_fail (DZ_IS_ARRAY (other), FALSE);

  return dz_array_same_shape_ (self, other);
}

/**
 * dz_array_shape_to_string:
 * @self: a #DzArray
 *
 * Formats the shape as Python does: `()`, `(3,)`, `(2, 3)`.
 *
 * Returns: (transfer full): the shape as text
 */
char *
dz_array_shape_to_string (DzArray *self)
{
  g_return_val_if_fail (DZ_IS_ARRAY (self), NULL);

  return dz_shape_to_string (self->shape, self->ndim);
}

/**
 * dz_array_trim_cache:
 *
 * Returns to the system the memory of freed large arrays that dezero-glib
 * keeps for reuse.
 *
 * Arrays of 64 KiB and more are mapped outside the malloc heap, and up to
 * 128 MiB of freed ones are kept, so that a loop allocating arrays of the
 * same shape reuses memory instead of taking page faults on fresh pages
 * (which costs more than the arithmetic itself). Call this after a phase
 * of large computations to give that memory back.
 */
void
dz_array_trim_cache (void)
{
  dz_buffer_trim ();
}
