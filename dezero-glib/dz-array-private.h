/* dz-array-private.h: what the kernels and operations need of DzArray
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-array.h"

G_BEGIN_DECLS

struct _DzArray
{
  GObject parent_instance;

  /* Points at inline_value, at a buffer from dz_buffer_alloc() (owned), or
   * into @bytes (borrowed). Values never change after construction, so
   * arrays are shared freely between variables and gradients. */
  double *data;
  gsize size;
  GBytes *bytes;
  guint ndim;
  guint owns_buffer : 1;
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
DzArray *dz_array_new_uninitialized_like (DzArray *like);

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
