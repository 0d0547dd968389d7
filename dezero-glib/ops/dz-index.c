/* dz-index.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "dz-error.h"
#include "dz-index-private.h"

/**
 * DzIndex:
 *
 * A NumPy index, built item by item: `x[1, 2:5, ..., None, [0, 3]]` is
 * an int, a slice, an ellipsis, a new axis and an integer array. Used by
 * dz_get_item(). Python and JavaScript build it from their own syntax.
 */

G_DEFINE_FINAL_TYPE (DzIndex, dz_index, G_TYPE_OBJECT)

static void
clear_item (DzIndexItem *item)
{
  g_clear_object (&item->array);
}

static void
dz_index_finalize (GObject *object)
{
  DzIndex *self = DZ_INDEX (object);

  g_array_unref (self->items);

  G_OBJECT_CLASS (dz_index_parent_class)->finalize (object);
}

static void
dz_index_class_init (DzIndexClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dz_index_finalize;
}

static void
dz_index_init (DzIndex *self)
{
  self->items = g_array_new (FALSE, TRUE, sizeof (DzIndexItem));
  g_array_set_clear_func (self->items, (GDestroyNotify) clear_item);
}

/**
 * dz_index_new:
 *
 * Creates an empty index, which selects everything (`x[()]`).
 *
 * Returns: (transfer full): a new #DzIndex
 */
DzIndex *
dz_index_new (void)
{
  return g_object_new (DZ_TYPE_INDEX, NULL);
}

static void
add (DzIndex     *self,
     DzIndexItem  item)
{
  g_array_append_val (self->items, item);
}

/**
 * dz_index_add_int:
 * @self: a #DzIndex
 * @i: the position along the next axis; negative counts from the end
 *
 * Adds an integer: selects one position and drops the axis.
 */
void
dz_index_add_int (DzIndex *self,
                  gint64   i)
{
  g_return_if_fail (DZ_IS_INDEX (self));

  add (self, (DzIndexItem) { .kind = DZ_INDEX_ITEM_INT, .start = i });
}

/**
 * dz_index_add_slice:
 * @self: a #DzIndex
 * @start: the first position, or %DZ_INDEX_NONE
 * @stop: the position to stop before, or %DZ_INDEX_NONE
 * @step: the stride, not 0 (1 for Python's `None`)
 *
 * Adds a slice `start:stop:step` with Python's meaning of negative and
 * omitted bounds.
 */
void
dz_index_add_slice (DzIndex *self,
                    gint64   start,
                    gint64   stop,
                    gint64   step)
{
  g_return_if_fail (DZ_IS_INDEX (self));

  add (self, (DzIndexItem) { .kind = DZ_INDEX_ITEM_SLICE, .start = start, .stop = stop,
                             .step = step });
}

/**
 * dz_index_add_ellipsis:
 * @self: a #DzIndex
 *
 * Adds `...`: as many full slices as the other items leave axes.
 */
void
dz_index_add_ellipsis (DzIndex *self)
{
  g_return_if_fail (DZ_IS_INDEX (self));

  add (self, (DzIndexItem) { .kind = DZ_INDEX_ITEM_ELLIPSIS });
}

/**
 * dz_index_add_newaxis:
 * @self: a #DzIndex
 *
 * Adds `None` (`np.newaxis`): a new axis of length 1.
 */
void
dz_index_add_newaxis (DzIndex *self)
{
  g_return_if_fail (DZ_IS_INDEX (self));

  add (self, (DzIndexItem) { .kind = DZ_INDEX_ITEM_NEWAXIS });
}

/**
 * dz_index_add_array:
 * @self: a #DzIndex
 * @indices: an int64 #DzArray of positions
 *
 * Adds an integer array (NumPy's advanced indexing): picks the positions
 * it lists along the next axis, as `x[[0, 2, 2]]` or `y[arange(n), t]`.
 * As in NumPy, the positions must be integers: dz_get_item() fails with
 * %DZ_ERROR_INVALID_DTYPE on a float array, even of whole numbers.
 */
void
dz_index_add_array (DzIndex *self,
                    DzArray *indices)
{
  g_return_if_fail (DZ_IS_INDEX (self));
  g_return_if_fail (DZ_IS_ARRAY (indices));

  add (self, (DzIndexItem) { .kind = DZ_INDEX_ITEM_ARRAY, .array = g_object_ref (indices) });
}

static void
append_bound (GString *str,
              gint64   value)
{
  if (value != DZ_INDEX_NONE)
    g_string_append_printf (str, "%" G_GINT64_FORMAT, value);
}

/**
 * dz_index_to_string:
 * @self: a #DzIndex
 *
 * Formats the index as Python would write it inside brackets:
 * `1, 2:5, ..., None, array([0, 3])`.
 *
 * Returns: (transfer full): the index as text
 */
char *
dz_index_to_string (DzIndex *self)
{
  GString *str;

  g_return_val_if_fail (DZ_IS_INDEX (self), NULL);

  str = g_string_new (NULL);
  for (guint i = 0; i < self->items->len; i++)
    {
      const DzIndexItem *item = &g_array_index (self->items, DzIndexItem, i);

      if (i > 0)
        g_string_append (str, ", ");
      switch (item->kind)
        {
        case DZ_INDEX_ITEM_INT:
          g_string_append_printf (str, "%" G_GINT64_FORMAT, item->start);
          break;
        case DZ_INDEX_ITEM_SLICE:
          append_bound (str, item->start);
          g_string_append_c (str, ':');
          append_bound (str, item->stop);
          if (item->step != 1)
            g_string_append_printf (str, ":%" G_GINT64_FORMAT, item->step);
          break;
        case DZ_INDEX_ITEM_ELLIPSIS:
          g_string_append (str, "...");
          break;
        case DZ_INDEX_ITEM_NEWAXIS:
          g_string_append (str, "None");
          break;
        case DZ_INDEX_ITEM_ARRAY:
          {
            g_autofree char *values = dz_array_to_string (item->array);

            g_string_append_printf (str, "array(%s)", values);
          }
          break;
        }
    }
  return g_string_free (str, FALSE);
}

DzIndex *
dz_index_copy_ (DzIndex *self)
{
  DzIndex *copy = dz_index_new ();

  for (guint i = 0; i < self->items->len; i++)
    {
      DzIndexItem item = g_array_index (self->items, DzIndexItem, i);

      if (item.array != NULL)
        g_object_ref (item.array);
      add (copy, item);
    }
  return copy;
}

/* -- the GVariant form, for dz_op_call() -- */

static GVariant *
unboxed (GVariant *value)
{
  while (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (value);

      g_variant_unref (value);
      value = inner;
    }
  return value;
}

/* Integers of any width; doubles holding whole numbers too, as JavaScript
 * has no other numbers. */
static gboolean
read_int (GVariant *value,
          gint64   *out)
{
  const GVariantType *type = g_variant_get_type (value);

  if (g_variant_type_equal (type, G_VARIANT_TYPE_INT64))
    *out = g_variant_get_int64 (value);
  else if (g_variant_type_equal (type, G_VARIANT_TYPE_INT32))
    *out = g_variant_get_int32 (value);
  else if (g_variant_type_equal (type, G_VARIANT_TYPE_UINT32))
    *out = g_variant_get_uint32 (value);
  else if (g_variant_type_equal (type, G_VARIANT_TYPE_INT16))
    *out = g_variant_get_int16 (value);
  else if (g_variant_type_equal (type, G_VARIANT_TYPE_UINT16))
    *out = g_variant_get_uint16 (value);
  else if (g_variant_type_equal (type, G_VARIANT_TYPE_BYTE))
    *out = g_variant_get_byte (value);
  else if (g_variant_type_equal (type, G_VARIANT_TYPE_DOUBLE)
           && g_variant_get_double (value) >= -9.2e18 && g_variant_get_double (value) <= 9.2e18
           && g_variant_get_double (value) == (double) (gint64) g_variant_get_double (value))
    *out = (gint64) g_variant_get_double (value);
  else
    return FALSE;
  return TRUE;
}

/* A tuple of three integers: start, stop, step (G_MININT64 for None). */
static gboolean
is_slice_tuple (GVariant *value)
{
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_TUPLE) || g_variant_n_children (value) != 3)
    return FALSE;
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GVariant) child = unboxed (g_variant_get_child_value (value, i));
      gint64 v;

      if (!read_int (child, &v))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_bound (const char *text,
             gint64     *out)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (*stripped == '\0')
    {
      *out = DZ_INDEX_NONE;
      return TRUE;
    }
  return g_ascii_string_to_signed (stripped, 10, G_MININT64 + 1, G_MAXINT64, out, NULL);
}

/* "start:stop" or "start:stop:step", each part optional, as in Python. */
static gboolean
parse_slice (DzIndex    *self,
             const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, ":", 4);
  guint n = g_strv_length (parts);
  gint64 bounds[3] = { DZ_INDEX_NONE, DZ_INDEX_NONE, DZ_INDEX_NONE };

  if (n < 2 || n > 3)
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (!parse_bound (parts[i], &bounds[i]))
      return FALSE;
  dz_index_add_slice (self, bounds[0], bounds[1], bounds[2] == DZ_INDEX_NONE ? 1 : bounds[2]);
  return TRUE;
}

/* Walks nested arrays of integers, fixing the length of each level the
 * first time it is reached; every integer must sit at the deepest level. */
static gboolean
collect_ints (GVariant *value,
              guint     depth,
              gsize    *shape,
              guint    *ndim,
              GArray   *values)
{
  gint64 v;
  gsize n;

  if (read_int (value, &v))
    {
      if (depth != *ndim)
        return FALSE;
      g_array_append_val (values, v);
      return TRUE;
    }
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_ARRAY) || depth >= DZ_ARRAY_MAX_NDIM)
    return FALSE;

  n = g_variant_n_children (value);
  if (depth == *ndim)
    {
      /* A new level, which no integer may precede. */
      if (values->len > 0)
        return FALSE;
      shape[depth] = n;
      *ndim = depth + 1;
    }
  else if (shape[depth] != n)
    return FALSE;

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = unboxed (g_variant_get_child_value (value, i));

      if (!collect_ints (child, depth + 1, shape, ndim, values))
        return FALSE;
    }
  return TRUE;
}

static gboolean
add_int_array (DzIndex  *self,
               GVariant *value)
{
  gsize shape[DZ_ARRAY_MAX_NDIM];
  guint ndim = 0;
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(DzArray) array = NULL;

  if (!collect_ints (value, 0, shape, &ndim, values))
    return FALSE;
  array = dz_array_new_uninitialized (DZ_DTYPE_INT64, shape, ndim, NULL);
  /* Fewer values than the shape holds: a ragged list such as [[1], []]. */
  if (array == NULL || values->len != array->size)
    return FALSE;
  if (values->len > 0)
    memcpy (array->data, values->data, values->len * sizeof (gint64));
  dz_index_add_array (self, array);
  return TRUE;
}

static gboolean
add_item (DzIndex  *self,
          GVariant *value)
{
  gint64 i;

  if (read_int (value, &i))
    dz_index_add_int (self, i);
  else if (is_slice_tuple (value))
    {
      gint64 bounds[3];

      for (guint k = 0; k < 3; k++)
        {
          g_autoptr(GVariant) child = unboxed (g_variant_get_child_value (value, k));

          read_int (child, &bounds[k]);
        }
      dz_index_add_slice (self, bounds[0], bounds[1], bounds[2] == DZ_INDEX_NONE ? 1 : bounds[2]);
    }
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    {
      const char *text = g_variant_get_string (value, NULL);

      if (strcmp (text, "...") == 0)
        dz_index_add_ellipsis (self);
      else if (strcmp (text, "None") == 0 || strcmp (text, "newaxis") == 0)
        dz_index_add_newaxis (self);
      else
        return parse_slice (self, text);
    }
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_ARRAY))
    return add_int_array (self, value);
  /* A maybe holding nothing: JSON's null, Python's None. */
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_MAYBE) && g_variant_n_children (value) == 0)
    dz_index_add_newaxis (self);
  else
    return FALSE;
  return TRUE;
}

DzIndex *
dz_index_new_from_variant_ (GVariant  *value,
                            GError   **error)
{
  g_autoptr(DzIndex) self = dz_index_new ();
  g_autoptr(GVariant) top = unboxed (g_variant_ref (value));

  /* Arrays and tuples other than a slice's list the items, as Python's
   * x[a, b] (JSON has no tuples: a list of lists of ints is x[[..], [..]]);
   * anything else is one item. */
  if (g_variant_is_of_type (top, G_VARIANT_TYPE_ARRAY)
      || (g_variant_is_of_type (top, G_VARIANT_TYPE_TUPLE) && !is_slice_tuple (top)))
    {
      for (gsize i = 0; i < g_variant_n_children (top); i++)
        {
          g_autoptr(GVariant) child = unboxed (g_variant_get_child_value (top, i));

          if (!add_item (self, child))
            {
              g_autofree char *text = g_variant_print (child, TRUE);

              g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                           "Item %" G_GSIZE_FORMAT " of an index cannot be %s", i, text);
              return NULL;
            }
        }
    }
  else if (!add_item (self, top))
    {
      g_autofree char *text = g_variant_print (top, TRUE);

      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT, "An index cannot be %s", text);
      return NULL;
    }
  return g_steal_pointer (&self);
}
