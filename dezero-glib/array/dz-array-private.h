/* dz-array-private.h: what the kernels and operations need of DzArray
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-array.h"
#include "dz-buffer-private.h"

G_BEGIN_DECLS

struct _DzArray
{
  GObject parent_instance;

  /* Points at inline_value or into @storage. Values never change once
   * others can see them (see dz_array_is_exclusive()), so arrays are
   * shared freely between variables and gradients. */
  double *data;
  gsize size;
  /* NULL for inline values and for an emptied array. */
  DzStorage *storage;
  guint ndim;
  guint disposed : 1;
  gint holders;
  gsize *shape;
  /* Scalars, vectors and matrices keep their shape inline. */
  gsize inline_shape[2];
  double inline_value;
};

DzArray *dz_array_new_uninitialized (const gsize  *shape,
                                     guint         ndim,
                                     GError      **error);
DzArray *dz_array_new_uninitialized_like (DzArray  *like,
                                          GError  **error);

/* The one rule for writing into an existing array (in-place kernels, a
 * gradient summed in place): the caller holds the only reference to
 * @self, and nothing else (a GBytes from dz_array_get_bytes(), an array
 * built from those bytes, a NumPy view of them) can see its values. Its
 * inline value counts as exclusive storage: dz_array_get_bytes() copies
 * it. An emptied array is never written. */
static inline gboolean
dz_array_is_exclusive (DzArray *self)
{
  if (g_atomic_int_get (&G_OBJECT (self)->ref_count) != 1 || self->disposed)
    return FALSE;
  return self->storage == NULL || dz_storage_is_exclusive (self->storage);
}

/* dz_array_same_shape() without the argument checks, for hot paths. */
static inline gboolean
dz_array_same_shape_ (DzArray *a,
                      DzArray *b)
{
  if (a->ndim != b->ndim)
    return FALSE;
  for (guint i = 0; i < a->ndim; i++)
    if (a->shape[i] != b->shape[i])
      return FALSE;
  return TRUE;
}

G_END_DECLS
