/* dz-buffer-private.h: array storage, the one place it is allocated
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The values behind an array, as a Storage is behind a Tensor in PyTorch:
 * an array references its storage, and so does every GBytes handed out by
 * dz_array_get_bytes(). Emptying an array (a closing scope) only drops the
 * array's reference, so a view outlives it; the buffer goes back to the
 * allocator when the last reference goes, never while a view can read it.
 *
 * Storage either owns a buffer from dz_buffer_alloc() or lends the memory
 * of caller-provided @bytes, which it must never write. */
typedef struct
{
  gint ref_count;
  void *data;
  gsize n_bytes;
  GBytes *bytes;
} DzStorage;

void      *dz_buffer_alloc         (gsize       n_bytes,
                                    GError    **error);
void       dz_buffer_free          (void       *buffer,
                                    gsize       n_bytes);
void       dz_buffer_trim          (void);

DzStorage *dz_storage_new          (gsize       n_bytes,
                                    GError    **error);
DzStorage *dz_storage_new_borrowed (GBytes     *bytes);
DzStorage *dz_storage_ref          (DzStorage  *self);
void       dz_storage_unref        (DzStorage  *self);
GBytes    *dz_storage_get_bytes    (DzStorage  *self,
                                    gsize       offset,
                                    gsize       n_bytes);

/* Whether the one holder asking may write into @self: it owns the buffer
 * and no other array or GBytes references it. */
static inline gboolean
dz_storage_is_exclusive (DzStorage *self)
{
  return self->bytes == NULL && g_atomic_int_get (&self->ref_count) == 1;
}

G_END_DECLS
