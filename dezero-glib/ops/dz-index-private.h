/* dz-index-private.h: the items of a DzIndex, for get_item
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-array-private.h"
#include "dz-index.h"

G_BEGIN_DECLS

typedef enum
{
  DZ_INDEX_ITEM_INT,
  DZ_INDEX_ITEM_SLICE,
  DZ_INDEX_ITEM_ELLIPSIS,
  DZ_INDEX_ITEM_NEWAXIS,
  DZ_INDEX_ITEM_ARRAY,
} DzIndexItemKind;

typedef struct
{
  DzIndexItemKind kind;
  /* INT: start is the position; SLICE: start, stop (DZ_INDEX_NONE when
   * omitted) and step. */
  gint64 start;
  gint64 stop;
  gint64 step;
  DzArray *array;
} DzIndexItem;

struct _DzIndex
{
  GObject parent_instance;

  /* Of DzIndexItem. An index is not changed once an operation uses it:
   * get_item keeps a reference for its backward. */
  GArray *items;
};

/* A new index with the items of @self (the arrays are shared: they never
 * change), so that an operation keeps what it was called with whatever
 * the caller adds later. */
DzIndex *dz_index_copy_              (DzIndex   *self);

/* The index a GVariant describes, in the format dz_get_item() documents
 * for dz_op_call(); NULL with DZ_ERROR_INVALID_ARGUMENT otherwise. */
DzIndex *dz_index_new_from_variant_  (GVariant  *value,
                                      GError   **error);

G_END_DECLS
