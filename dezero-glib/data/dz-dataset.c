/* dz-dataset.c: indexed collections of (input, label) samples
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "dz-error.h"
#include "dz-dataset.h"
#include "dz-data-private.h"

/**
 * DzDataset:
 *
 * A collection of samples, each an input `x` and a label `t`, read by
 * index as DeZero's `Dataset`.
 *
 * A dataset is usually held in memory as two arrays whose rows are the
 * samples (dz_dataset_new(), or a subclass calling dz_dataset_set_arrays()
 * while it prepares its data). #DzDataLoader then gathers a batch with one
 * copy per row instead of one object per sample. A subclass that computes
 * its samples, in C or from Python, overrides #DzDatasetClass.get_length
 * and #DzDatasetClass.get_item instead.
 *
 * #DzDataset is derivable rather than an interface so that the array
 * storage, the `train` flag and the fast path live once in the base
 * class: a subclass in Python or JavaScript only says `do_get_item`.
 */
/**
 * DzDatasetClass::get_length:
 * @self: the dataset
 *
 * Returns the number of samples. The default counts the rows of the
 * arrays given to dz_dataset_set_arrays(), 0 without them.
 *
 * Returns: the number of samples
 */

/**
 * DzDatasetClass::get_item:
 * @self: the dataset
 * @index: the sample's index, already checked to be below the length
 * @x: (out) (transfer full): the input
 * @t: (out) (transfer full) (nullable): the label, or %NULL without labels
 * @error: return location for a #GError
 *
 * Reads one sample. The default reads row @index of the arrays given to
 * dz_dataset_set_arrays(); overriding it turns off #DzDataLoader's
 * whole-array fast path (see dz_dataset_get_arrays()).
 *
 * Returns: %TRUE, or %FALSE with @error set
 */

/**
 * DzDatasetClass::get_batch:
 * @self: the dataset
 * @indices: (array length=n_indices): the samples' indices, already checked
 * @n_indices: the number of indices, at least 1
 * @x: (out) (transfer full): the inputs stacked along a new first axis,
 *   before #DzDataset:transform
 * @t: (out) (transfer full) (nullable): the labels stacked, or %NULL
 * @error: return location for a #GError
 *
 * Optional: reads a batch at once, for a dataset that can do it faster
 * than sample by sample (dz_dataset_get_batch() calls it).
 *
 * Returns: %TRUE, or %FALSE with @error set
 */

typedef struct
{
  gboolean train;
  DzArray *data;
  DzArray *label;
  DzTransform *transform;
  DzTransform *target_transform;
} DzDatasetPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (DzDataset, dz_dataset, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TRAIN,
  PROP_DATA,
  PROP_LABEL,
  PROP_TRANSFORM,
  PROP_TARGET_TRANSFORM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Rows [indices] of @array. Consecutive indices share @array's storage
 * (arrays are immutable, and borrowed storage is never written in place);
 * others are copied one row at a time. Without @keep_axis the one row
 * loses the leading axis, as NumPy's a[i]. */
DzArray *
dz_data_take_rows (DzArray      *array,
                   const gsize  *indices,
                   gsize         n_indices,
                   gboolean      keep_axis,
                   GError      **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) rows = NULL;
  gsize shape[DZ_ARRAY_MAX_NDIM];
  const gsize *array_shape;
  const guint8 *src;
  guint ndim, out_ndim;
  gsize n_rows, row_bytes, n_bytes, i;
  gboolean consecutive = TRUE;

  g_assert (keep_axis || n_indices == 1);

  array_shape = dz_array_get_shape (array, &ndim);
  n_rows = array_shape[0];
  row_bytes = dz_dtype_get_item_size (dz_array_get_dtype (array));
  for (i = 1; i < ndim; i++)
    row_bytes *= array_shape[i];

  for (i = 0; i < n_indices; i++)
    {
      if (indices[i] >= n_rows)
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_INDEX_OUT_OF_RANGE,
                       "Index %" G_GSIZE_FORMAT " is out of range for a dataset of %"
                       G_GSIZE_FORMAT " samples", indices[i], n_rows);
          return NULL;
        }
      if (i > 0 && indices[i] != indices[i - 1] + 1)
        consecutive = FALSE;
    }

  if (keep_axis)
    {
      memcpy (shape, array_shape, ndim * sizeof (gsize));
      shape[0] = n_indices;
      out_ndim = ndim;
    }
  else
    {
      memcpy (shape, array_shape + 1, (ndim - 1) * sizeof (gsize));
      out_ndim = ndim - 1;
    }

  bytes = dz_array_get_bytes (array);
  n_bytes = n_indices * row_bytes;
  if (consecutive && n_indices > 0)
    {
      rows = g_bytes_new_from_bytes (bytes, indices[0] * row_bytes, n_bytes);
    }
  else
    {
      guint8 *dest = g_malloc (n_bytes);

      src = g_bytes_get_data (bytes, NULL);
      for (i = 0; i < n_indices; i++)
        memcpy (dest + i * row_bytes, src + indices[i] * row_bytes, row_bytes);
      rows = g_bytes_new_take (dest, n_bytes);
    }

  return dz_array_new_from_bytes (rows, dz_array_get_dtype (array), shape, out_ndim, error);
}

static gsize
dz_dataset_real_get_length (DzDataset *self)
{
  DzDatasetPrivate *priv = dz_dataset_get_instance_private (self);

  return priv->data != NULL ? dz_array_get_shape (priv->data, NULL)[0] : 0;
}

static gboolean
dz_dataset_real_get_item (DzDataset  *self,
                          gsize       index,
                          DzArray   **x,
                          DzArray   **t,
                          GError    **error)
{
  DzDatasetPrivate *priv = dz_dataset_get_instance_private (self);
  g_autoptr(DzArray) x_row = NULL;
  g_autoptr(DzArray) t_row = NULL;

  /* A subclass that overrides only get_length has no rows to read. */
  if (priv->data == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_NO_DATA,
                   "%s has neither arrays nor its own get_item", G_OBJECT_TYPE_NAME (self));
      return FALSE;
    }

  x_row = dz_data_take_rows (priv->data, &index, 1, FALSE, error);
  if (x_row == NULL)
    return FALSE;
  if (priv->label != NULL)
    {
      t_row = dz_data_take_rows (priv->label, &index, 1, FALSE, error);
      if (t_row == NULL)
        return FALSE;
    }

  *x = g_steal_pointer (&x_row);
  *t = g_steal_pointer (&t_row);
  return TRUE;
}

static void
dz_dataset_finalize (GObject *object)
{
  DzDatasetPrivate *priv = dz_dataset_get_instance_private (DZ_DATASET (object));

  g_clear_object (&priv->data);
  g_clear_object (&priv->label);
  g_clear_object (&priv->transform);
  g_clear_object (&priv->target_transform);

  G_OBJECT_CLASS (dz_dataset_parent_class)->finalize (object);
}

static void
dz_dataset_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  DzDatasetPrivate *priv = dz_dataset_get_instance_private (DZ_DATASET (object));

  switch (prop_id)
    {
    case PROP_TRAIN:
      g_value_set_boolean (value, priv->train);
      break;
    case PROP_DATA:
      g_value_set_object (value, priv->data);
      break;
    case PROP_LABEL:
      g_value_set_object (value, priv->label);
      break;
    case PROP_TRANSFORM:
      g_value_set_object (value, priv->transform);
      break;
    case PROP_TARGET_TRANSFORM:
      g_value_set_object (value, priv->target_transform);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_dataset_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  DzDatasetPrivate *priv = dz_dataset_get_instance_private (DZ_DATASET (object));

  switch (prop_id)
    {
    case PROP_TRAIN:
      priv->train = g_value_get_boolean (value);
      break;
    case PROP_TRANSFORM:
      dz_dataset_set_transform (DZ_DATASET (object), g_value_get_object (value));
      break;
    case PROP_TARGET_TRANSFORM:
      dz_dataset_set_target_transform (DZ_DATASET (object), g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_dataset_class_init (DzDatasetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dz_dataset_finalize;
  object_class->get_property = dz_dataset_get_property;
  object_class->set_property = dz_dataset_set_property;

  klass->get_length = dz_dataset_real_get_length;
  klass->get_item = dz_dataset_real_get_item;

  /**
   * DzDataset:train:
   *
   * Whether this is the training split (DeZero's `train`); a subclass
   * that loads a split reads it while preparing its data.
   */
  properties[PROP_TRAIN] =
    g_param_spec_boolean ("train", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzDataset:transform:
   *
   * What is done to each input before dz_dataset_get_item() gives it
   * (DeZero's `transform`), or %NULL.
   */
  properties[PROP_TRANSFORM] =
    g_param_spec_object ("transform", NULL, NULL, DZ_TYPE_TRANSFORM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzDataset:target-transform:
   *
   * What is done to each label (DeZero's `target_transform`), or %NULL.
   */
  properties[PROP_TARGET_TRANSFORM] =
    g_param_spec_object ("target-transform", NULL, NULL, DZ_TYPE_TRANSFORM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzDataset:data:
   *
   * The inputs, one sample per row, or %NULL when the dataset computes
   * its samples.
   */
  properties[PROP_DATA] =
    g_param_spec_object ("data", NULL, NULL, DZ_TYPE_ARRAY,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzDataset:label:
   *
   * The labels, one per row of #DzDataset:data, or %NULL for a dataset
   * without labels.
   */
  properties[PROP_LABEL] =
    g_param_spec_object ("label", NULL, NULL, DZ_TYPE_ARRAY,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dz_dataset_init (DzDataset *self)
{
}

/**
 * dz_dataset_new:
 * @data: the inputs, one sample per row (at least one axis)
 * @label: (nullable): the labels, as many rows as @data, or %NULL
 * @error: return location for a #GError
 *
 * Creates a dataset over two arrays held in memory, as PyTorch's
 * `TensorDataset`: sample `i` is row `i` of each.
 *
 * Returns: (transfer full): a new #DzDataset, or %NULL with
 *   %DZ_ERROR_SHAPE_MISMATCH when the arrays do not fit
 */
DzDataset *
dz_dataset_new (DzArray  *data,
                DzArray  *label,
                GError  **error)
{
  g_autoptr(DzDataset) self = NULL;

  g_return_val_if_fail (DZ_IS_ARRAY (data), NULL);
  g_return_val_if_fail (label == NULL || DZ_IS_ARRAY (label), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (DZ_TYPE_DATASET, NULL);
  if (!dz_dataset_set_arrays (self, data, label, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * dz_dataset_set_arrays:
 * @self: a #DzDataset
 * @data: the inputs, one sample per row (at least one axis)
 * @label: (nullable): the labels, as many rows as @data, or %NULL
 * @error: return location for a #GError
 *
 * Gives @self its samples as the rows of two arrays, in place of those it
 * had. For subclasses, while they prepare their data (DeZero's
 * `prepare()`); a #DzDataLoader in the middle of an epoch over @self
 * reports an error until it is reset.
 *
 * Returns: %TRUE, or %FALSE with %DZ_ERROR_SHAPE_MISMATCH when @data is a
 *   scalar or @label has another number of rows
 */
gboolean
dz_dataset_set_arrays (DzDataset  *self,
                       DzArray    *data,
                       DzArray    *label,
                       GError    **error)
{
  DzDatasetPrivate *priv;
  const gsize *data_shape, *label_shape;
  guint data_ndim, label_ndim;

  g_return_val_if_fail (DZ_IS_DATASET (self), FALSE);
  g_return_val_if_fail (DZ_IS_ARRAY (data), FALSE);
  g_return_val_if_fail (label == NULL || DZ_IS_ARRAY (label), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = dz_dataset_get_instance_private (self);
  data_shape = dz_array_get_shape (data, &data_ndim);
  if (data_ndim == 0)
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                           "A dataset's data needs an axis of samples, not a scalar");
      return FALSE;
    }
  if (label != NULL)
    {
      label_shape = dz_array_get_shape (label, &label_ndim);
      if (label_ndim == 0 || label_shape[0] != data_shape[0])
        {
          g_autofree char *ds = dz_array_shape_to_string (data);
          g_autofree char *ls = dz_array_shape_to_string (label);

          g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                       "Labels of shape %s do not have one row per sample of data %s",
                       ls, ds);
          return FALSE;
        }
    }

  g_set_object (&priv->data, data);
  g_set_object (&priv->label, label);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATA]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABEL]);
  return TRUE;
}

/**
 * dz_dataset_get_arrays:
 * @self: a #DzDataset
 * @data: (out) (optional) (nullable) (transfer none): the inputs, one
 *   sample per row
 * @label: (out) (optional) (nullable) (transfer none): the labels, or
 *   %NULL for a dataset without labels
 *
 * Returns the arrays whose rows are @self's samples, if it has them and
 * its samples are exactly those rows: a subclass that overrides
 * #DzDatasetClass.get_item, or a dataset with a #DzDataset:transform or
 * #DzDataset:target-transform, has none.
 *
 * Returns: %TRUE when @data was set, %FALSE when samples must be read
 *   one by one with dz_dataset_get_item()
 */
gboolean
dz_dataset_get_arrays (DzDataset  *self,
                       DzArray   **data,
                       DzArray   **label)
{
  DzDatasetPrivate *priv;
  gboolean whole;

  g_return_val_if_fail (DZ_IS_DATASET (self), FALSE);

  priv = dz_dataset_get_instance_private (self);
  whole = dz_dataset_get_source_arrays (self, NULL, NULL)
          && priv->transform == NULL && priv->target_transform == NULL;
  if (data != NULL)
    *data = whole ? priv->data : NULL;
  if (label != NULL)
    *label = whole ? priv->label : NULL;
  return whole;
}

/**
 * dz_dataset_get_train:
 * @self: a #DzDataset
 *
 * Returns whether @self is the training split rather than the test split.
 *
 * Returns: whether @self is the training split (see #DzDataset:train)
 */
gboolean
dz_dataset_get_train (DzDataset *self)
{
  DzDatasetPrivate *priv;

  g_return_val_if_fail (DZ_IS_DATASET (self), FALSE);

  priv = dz_dataset_get_instance_private (self);
  return priv->train;
}

/**
 * dz_dataset_get_length:
 * @self: a #DzDataset
 *
 * Returns the number of samples, as DeZero's `len(dataset)`.
 *
 * Returns: the number of samples
 */
gsize
dz_dataset_get_length (DzDataset *self)
{
  g_return_val_if_fail (DZ_IS_DATASET (self), 0);

  return DZ_DATASET_GET_CLASS (self)->get_length (self);
}

/**
 * dz_dataset_get_item:
 * @self: a #DzDataset
 * @index: the sample's index, below dz_dataset_get_length()
 * @x: (out) (transfer full): the input
 * @t: (out) (transfer full) (nullable): the label, or %NULL for a dataset
 *   without labels
 * @error: return location for a #GError
 *
 * Reads one sample, as DeZero's `dataset[index]`. For a dataset held as
 * arrays, the sample shares their storage.
 *
 * Returns: %TRUE, or %FALSE with @error set (%DZ_ERROR_INDEX_OUT_OF_RANGE
 *   for an index past the end)
 */
gboolean
dz_dataset_get_item (DzDataset  *self,
                     gsize       index,
                     DzArray   **x,
                     DzArray   **t,
                     GError    **error)
{
  DzDatasetClass *klass;
  DzDatasetPrivate *priv;
  g_autoptr(DzArray) x_item = NULL;
  g_autoptr(DzArray) t_item = NULL;
  gsize length;

  g_return_val_if_fail (DZ_IS_DATASET (self), FALSE);
  g_return_val_if_fail (x != NULL, FALSE);
  g_return_val_if_fail (t != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *x = NULL;
  *t = NULL;
  priv = dz_dataset_get_instance_private (self);
  klass = DZ_DATASET_GET_CLASS (self);
  length = klass->get_length (self);
  if (index >= length)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INDEX_OUT_OF_RANGE,
                   "Index %" G_GSIZE_FORMAT " is out of range for a dataset of %"
                   G_GSIZE_FORMAT " samples", index, length);
      return FALSE;
    }

  if (!klass->get_item (self, index, &x_item, &t_item, error))
    return FALSE;
  if (x_item == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_NO_DATA,
                   "%s returned no input for sample %" G_GSIZE_FORMAT,
                   G_OBJECT_TYPE_NAME (self), index);
      return FALSE;
    }

  if (priv->transform != NULL)
    {
      DzArray *transformed = dz_transform_apply (priv->transform, x_item, error);

      if (transformed == NULL)
        return FALSE;
      g_object_unref (x_item);
      x_item = transformed;
    }
  if (priv->target_transform != NULL && t_item != NULL)
    {
      DzArray *transformed = dz_transform_apply (priv->target_transform, t_item, error);

      if (transformed == NULL)
        return FALSE;
      g_object_unref (t_item);
      t_item = transformed;
    }

  *x = g_steal_pointer (&x_item);
  *t = g_steal_pointer (&t_item);
  return TRUE;
}

gboolean
dz_dataset_get_source_arrays (DzDataset  *self,
                              DzArray   **data,
                              DzArray   **label)
{
  DzDatasetPrivate *priv = dz_dataset_get_instance_private (self);
  gboolean whole = priv->data != NULL
                   && DZ_DATASET_GET_CLASS (self)->get_item == dz_dataset_real_get_item;

  if (data != NULL)
    *data = whole ? priv->data : NULL;
  if (label != NULL)
    *label = whole ? priv->label : NULL;
  return whole;
}

static void
set_transform_slot (DzDataset    *self,
                    DzTransform **slot,
                    DzTransform  *transform,
                    guint         prop_id)
{
  if (g_set_object (slot, transform))
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

/**
 * dz_dataset_set_transform:
 * @self: a #DzDataset
 * @transform: (nullable): what to do to each input, or %NULL
 *
 * Sets #DzDataset:transform, as DeZero's `transform=` argument.
 */
void
dz_dataset_set_transform (DzDataset   *self,
                          DzTransform *transform)
{
  DzDatasetPrivate *priv;

  g_return_if_fail (DZ_IS_DATASET (self));
  g_return_if_fail (transform == NULL || DZ_IS_TRANSFORM (transform));

  priv = dz_dataset_get_instance_private (self);
  set_transform_slot (self, &priv->transform, transform, PROP_TRANSFORM);
}

/**
 * dz_dataset_get_transform:
 * @self: a #DzDataset
 *
 * Gets #DzDataset:transform.
 *
 * Returns: (transfer none) (nullable): the transform, or %NULL
 */
DzTransform *
dz_dataset_get_transform (DzDataset *self)
{
  DzDatasetPrivate *priv;

  g_return_val_if_fail (DZ_IS_DATASET (self), NULL);

  priv = dz_dataset_get_instance_private (self);
  return priv->transform;
}

/**
 * dz_dataset_set_target_transform:
 * @self: a #DzDataset
 * @transform: (nullable): what to do to each label, or %NULL
 *
 * Sets #DzDataset:target-transform, as DeZero's `target_transform=`.
 */
void
dz_dataset_set_target_transform (DzDataset   *self,
                                 DzTransform *transform)
{
  DzDatasetPrivate *priv;

  g_return_if_fail (DZ_IS_DATASET (self));
  g_return_if_fail (transform == NULL || DZ_IS_TRANSFORM (transform));

  priv = dz_dataset_get_instance_private (self);
  set_transform_slot (self, &priv->target_transform, transform, PROP_TARGET_TRANSFORM);
}

/**
 * dz_dataset_get_target_transform:
 * @self: a #DzDataset
 *
 * Gets #DzDataset:target-transform.
 *
 * Returns: (transfer none) (nullable): the transform, or %NULL
 */
DzTransform *
dz_dataset_get_target_transform (DzDataset *self)
{
  DzDatasetPrivate *priv;

  g_return_val_if_fail (DZ_IS_DATASET (self), NULL);

  priv = dz_dataset_get_instance_private (self);
  return priv->target_transform;
}

/* Stacks the samples one by one, for datasets that compute them. Each
 * must have the shape and dtype of the first. */
static gboolean
stack_items (DzDataset     *self,
             const gsize   *indices,
             gsize          n_indices,
             DzArray      **x,
             DzArray      **t,
             GError       **error)
{
  g_autoptr(GPtrArray) xs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) ts = g_ptr_array_new_with_free_func (g_object_unref);
  GPtrArray *lists[2];
  DzArray **results[2] = { x, t };
  gsize i, k;

  for (i = 0; i < n_indices; i++)
    {
      DzArray *xi, *ti;

      if (!dz_dataset_get_item (self, indices[i], &xi, &ti, error))
        return FALSE;
      g_ptr_array_add (xs, xi);
      if (i > 0 && (ti != NULL) != (ts->len > 0))
        {
          g_clear_object (&ti);
          g_set_error (error, DZ_ERROR, DZ_ERROR_NO_DATA,
                       "Sample %" G_GSIZE_FORMAT " has %s label where the first had %s",
                       indices[i], ts->len > 0 ? "no" : "a", ts->len > 0 ? "one" : "none");
          return FALSE;
        }
      if (ti != NULL)
        g_ptr_array_add (ts, ti);
    }

  lists[0] = xs;
  lists[1] = ts->len > 0 ? ts : NULL;
  for (k = 0; k < 2; k++)
    {
      GPtrArray *list = lists[k];
      DzArray *first;
      const gsize *item_shape;
      gsize shape[DZ_ARRAY_MAX_NDIM];
      gsize row_bytes;
      guint ndim;
      guint8 *dest;
      g_autoptr(GBytes) bytes = NULL;

      *results[k] = NULL;
      if (list == NULL)
        continue;

      first = g_ptr_array_index (list, 0);
      item_shape = dz_array_get_shape (first, &ndim);
      if (ndim == DZ_ARRAY_MAX_NDIM)
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                       "Samples of %u axes leave no room for the batch axis", ndim);
          g_clear_object (results[0]);
          return FALSE;
        }
      shape[0] = n_indices;
      memcpy (shape + 1, item_shape, ndim * sizeof (gsize));
      row_bytes = dz_array_get_size (first) * dz_dtype_get_item_size (dz_array_get_dtype (first));

      dest = g_malloc (MAX (n_indices * row_bytes, 1));
      bytes = g_bytes_new_take (dest, n_indices * row_bytes);
      for (i = 0; i < n_indices; i++)
        {
          DzArray *item = g_ptr_array_index (list, i);
          g_autoptr(GBytes) item_bytes = NULL;

          if (!dz_array_same_shape (item, first)
              || dz_array_get_dtype (item) != dz_array_get_dtype (first))
            {
              g_autofree char *want = dz_array_shape_to_string (first);
              g_autofree char *got = dz_array_shape_to_string (item);

              g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                           "Sample %" G_GSIZE_FORMAT " has %s %s where the batch's first has %s %s",
                           indices[i], k == 0 ? "input" : "label", got, want,
                           dz_dtype_get_name (dz_array_get_dtype (first)));
              g_clear_object (results[0]);
              return FALSE;
            }
          item_bytes = dz_array_get_bytes (item);
          memcpy (dest + i * row_bytes, g_bytes_get_data (item_bytes, NULL), row_bytes);
        }

      *results[k] = dz_array_new_from_bytes (bytes, dz_array_get_dtype (first),
                                             shape, ndim + 1, error);
      if (*results[k] == NULL)
        {
          g_clear_object (results[0]);
          return FALSE;
        }
    }

  return TRUE;
}

/* Replaces *@batch with its transform; nothing to do without one. */
static gboolean
transform_batch (DzTransform  *transform,
                 DzArray     **batch,
                 GError      **error)
{
  DzArray *transformed;

  if (transform == NULL || *batch == NULL)
    return TRUE;
  transformed = dz_transform_apply_batch (transform, *batch, error);
  if (transformed == NULL)
    return FALSE;
  g_object_unref (*batch);
  *batch = transformed;
  return TRUE;
}

/**
 * dz_dataset_get_batch:
 * @self: a #DzDataset
 * @indices: (array length=n_indices): the samples' indices
 * @n_indices: the number of indices, at least 1
 * @x: (out) (transfer full): the inputs, stacked along a new first axis
 * @t: (out) (transfer full) (nullable): the labels stacked, or %NULL for a
 *   dataset without labels
 * @error: return location for a #GError
 *
 * Reads the samples at @indices at once: what stacking the results of
 * dz_dataset_get_item() gives, faster. A dataset held as arrays gathers
 * rows; one whose class implements #DzDatasetClass.get_batch gives the
 * batch itself (#DzMNIST converts its bytes batch by batch); either way
 * the transforms run once on the batch when they can
 * (#DzTransformClass.apply_batch). Otherwise the samples are read one by
 * one, and must all have the same shape and dtype.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
dz_dataset_get_batch (DzDataset    *self,
                      const gsize  *indices,
                      gsize         n_indices,
                      DzArray     **x,
                      DzArray     **t,
                      GError      **error)
{
  DzDatasetPrivate *priv;
  DzDatasetClass *klass;
  g_autoptr(DzArray) x_batch = NULL;
  g_autoptr(DzArray) t_batch = NULL;
  gsize length;

  g_return_val_if_fail (DZ_IS_DATASET (self), FALSE);
  g_return_val_if_fail (indices != NULL, FALSE);
  g_return_val_if_fail (n_indices > 0, FALSE);
  g_return_val_if_fail (x != NULL, FALSE);
  g_return_val_if_fail (t != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *x = NULL;
  *t = NULL;
  priv = dz_dataset_get_instance_private (self);
  klass = DZ_DATASET_GET_CLASS (self);
  length = klass->get_length (self);
  for (gsize i = 0; i < n_indices; i++)
    if (indices[i] >= length)
      {
        g_set_error (error, DZ_ERROR, DZ_ERROR_INDEX_OUT_OF_RANGE,
                     "Index %" G_GSIZE_FORMAT " is out of range for a dataset of %"
                     G_GSIZE_FORMAT " samples", indices[i], length);
        return FALSE;
      }

  if (!dz_transform_can_batch_all (priv->transform)
      || !dz_transform_can_batch_all (priv->target_transform))
    return stack_items (self, indices, n_indices, x, t, error);

  if (klass->get_batch != NULL)
    {
      if (!klass->get_batch (self, indices, n_indices, &x_batch, &t_batch, error))
        return FALSE;
      if (x_batch == NULL)
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_NO_DATA, "%s returned no inputs for a batch",
                       G_OBJECT_TYPE_NAME (self));
          return FALSE;
        }
    }
  else if (dz_dataset_get_source_arrays (self, NULL, NULL))
    {
      x_batch = dz_data_take_rows (priv->data, indices, n_indices, TRUE, error);
      if (x_batch == NULL)
        return FALSE;
      if (priv->label != NULL)
        {
          t_batch = dz_data_take_rows (priv->label, indices, n_indices, TRUE, error);
          if (t_batch == NULL)
            return FALSE;
        }
    }
  else
    {
      return stack_items (self, indices, n_indices, x, t, error);
    }

  if (!transform_batch (priv->transform, &x_batch, error)
      || !transform_batch (priv->target_transform, &t_batch, error))
    return FALSE;
  *x = g_steal_pointer (&x_batch);
  *t = g_steal_pointer (&t_batch);
  return TRUE;
}
