/* dz-data-private.h: row gathering shared by datasets and the loader
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-array.h"
#include "dz-dataset.h"
#include "dz-generator.h"
#include "dz-transform.h"

G_BEGIN_DECLS

DzArray *dz_data_take_rows (DzArray      *array,
                            const gsize  *indices,
                            gsize         n_indices,
                            gboolean      keep_axis,
                            GError      **error);

void     dz_data_permute   (DzGenerator  *generator,
                            gsize        *indices,
                            gsize         n_indices);
/* Keeps shard @index of @count of the epoch order @indices (dz-data-shard.c). */
void     dz_data_shard     (gsize       **indices,
                            gsize        *n_indices,
                            guint         count,
                            guint         index);

/* Whether @self (NULL: no transform) transforms whole batches. */
gboolean dz_transform_can_batch_all (DzTransform  *self);
DzArray *dz_transform_apply_batch   (DzTransform  *self,
                                     DzArray      *batch,
                                     GError      **error);

/* The arrays under @self's samples before its transforms, as
 * dz_dataset_get_arrays() gives them without transforms. */
gboolean dz_dataset_get_source_arrays (DzDataset  *self,
                                       DzArray   **data,
                                       DzArray   **label);

/* An IDX file's values as they are, unsigned bytes; @shape has room for
 * DZ_ARRAY_MAX_NDIM axes. Errors as dz_idx_read(). */
GBytes  *dz_idx_read_bytes (const char  *path,
                            gsize       *shape,
                            guint       *ndim,
                            GError     **error);

G_END_DECLS
