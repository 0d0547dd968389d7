/* dz-array-private.h: what the kernels and operations need of DzArray
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-array.h"
#include "dz-buffer-private.h"
#include "dz-kernels.h"

G_BEGIN_DECLS

struct _DzArray
{
  GObject parent_instance;

  /* C-contiguous values of @dtype at inline_value or inside @storage (a
   * reshape points into the storage of its source). Values never change
   * once others can see them (see dz_array_is_exclusive()), so arrays are
   * shared freely between variables and gradients. */
  void *data;
  gsize size;
  /* NULL for inline values and for an emptied array. */
  DzStorage *storage;
  guint ndim : 8;
  DzDtype dtype : 4;
  guint disposed : 1;
  gint holders;
  gsize *shape;
  /* Scalars, vectors and matrices keep their shape inline. */
  gsize inline_shape[2];
  /* One element of any dtype: single values need no storage. */
  union
  {
    double f64;
    float f32;
    gint64 i64;
  } inline_value;
};

#define DZ_ARRAY_F64(a) ((double *) (a)->data)
#define DZ_ARRAY_F32(a) ((float *) (a)->data)
#define DZ_ARRAY_I64(a) ((gint64 *) (a)->data)

static inline gsize
dz_array_n_bytes (DzArray *self)
{
  return self->size * dz_dtype_get_item_size (self->dtype);
}

DzArray *dz_array_new_uninitialized (DzDtype       dtype,
                                     const gsize  *shape,
                                     guint         ndim,
                                     GError      **error);
/* Of the shape and dtype of @like. */
DzArray *dz_array_new_uninitialized_like (DzArray  *like,
                                          GError  **error);

/* The value at flat @index of any dtype, as a double. */
double   dz_array_load (DzArray *self,
                        gsize    index);

/* Checks that @shape has at most DZ_ARRAY_MAX_NDIM axes and a size that
 * fits in memory, and gives that size. */
gboolean dz_shape_check (const gsize  *shape,
                         guint         ndim,
                         gsize        *size,
                         GError      **error);
/* Resolves a -1 in @shape for an array of @size elements into
 * @resolved, or fails with DZ_ERROR_SIZE_MISMATCH. */
gboolean dz_shape_resolve (const gssize *shape,
                           guint         ndim,
                           gsize         size,
                           gsize        *resolved,
                           GError      **error);
/* dz_array_reshape() of a shape known to have @self's size. */
DzArray *dz_array_reshape_resolved (DzArray     *self,
                                    const gsize *shape,
                                    guint        ndim);
/* -- the array-level math the operations are built of (dz-array-math.c):
 * inputs are never modified except by the *_take functions, which
 * consume their first argument and write into it when it is exclusive. */

DzDtype  dz_dtype_promote (DzArray *a,
                           DzArray *b);
gboolean dz_broadcast_shapes (const gsize  *a_shape,
                              guint         a_ndim,
                              const gsize  *b_shape,
                              guint         b_ndim,
                              gsize        *out_shape,
                              guint        *out_ndim,
                              GError      **error);
/* The element strides of a contiguous array of @shape broadcast to
 * @out_ndim axes (0 on new and length-1 axes). */
void     dz_broadcast_strides (const gsize *shape,
                               guint        ndim,
                               guint        out_ndim,
                               gssize      *strides);
/* Sets flags[d] for each axis in @axes (negative ones count from the
 * end), or fails with DZ_ERROR_INVALID_AXIS. */
gboolean dz_axes_normalize (const gint  *axes,
                            guint        n_axes,
                            guint        ndim,
                            gboolean    *flags,
                            GError     **error);

DzArray *dz_array_binary       (DzBinaryOp   op,
                                DzArray     *a,
                                DzArray     *b,
                                GError     **error);
DzArray *dz_array_binary_take  (DzBinaryOp   op,
                                DzArray     *a,
                                DzArray     *b,
                                GError     **error);
DzArray *dz_array_unary        (DzUnaryOp    op,
                                DzArray     *a,
                                GError     **error);
DzArray *dz_array_unary_take   (DzUnaryOp    op,
                                DzArray     *a,
                                GError     **error);
/* a * scale + shift */
DzArray *dz_array_affine       (DzArray     *a,
                                double       scale,
                                double       shift,
                                GError     **error);
DzArray *dz_array_affine_take  (DzArray     *a,
                                double       scale,
                                double       shift,
                                GError     **error);
/* Over the axes flagged in @reduce. */
DzArray *dz_array_reduce       (DzReduceOp       op,
                                DzArray         *a,
                                const gboolean  *reduce,
                                gboolean         keepdims,
                                GError         **error);
/* Sums @a down to @shape (the gradient of broadcasting); @a itself when
 * it has that shape. */
DzArray *dz_array_sum_to       (DzArray      *a,
                                const gsize  *shape,
                                guint         ndim,
                                GError      **error);
DzArray *dz_array_broadcast_to (DzArray      *a,
                                const gsize  *shape,
                                guint         ndim,
                                GError      **error);
/* Axis d of the result is axis perm[d] of @a (a valid permutation);
 * NULL only when memory runs out. */
DzArray *dz_array_transpose_   (DzArray      *a,
                                const guint  *perm);

/* Formats a shape as Python does: "()", "(3,)", "(2, 3)". */
char    *dz_shape_to_string (const gsize *shape,
                             guint        ndim);

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
