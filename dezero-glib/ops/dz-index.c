/* dz-index.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

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
 * @indices: an int64 (or integral float) #DzArray of positions
 *
 * Adds an integer array (NumPy's advanced indexing): picks the positions
 * it lists along the next axis, as `x[[0, 2, 2]]` or `y[arange(n), t]`.
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
