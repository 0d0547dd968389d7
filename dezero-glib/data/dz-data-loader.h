/* dz-data-loader.h: batches from a dataset, epoch after epoch
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "dz-version-macros.h"
#include "dz-dataset.h"

G_BEGIN_DECLS

/**
 * DZ_TYPE_DATA_LOADER:
 *
 * The #GType of #DzDataLoader.
 */
#define DZ_TYPE_DATA_LOADER (dz_data_loader_get_type ())

/**
 * DzDataLoaderClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzDataLoader. #DzDataLoader is final: it has no virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzDataLoader, dz_data_loader, DZ, DATA_LOADER, GObject)

DZ_AVAILABLE_IN_ALL
DzDataLoader *dz_data_loader_new           (DzDataset     *dataset,
                                            gsize          batch_size,
                                            gboolean       shuffle,
                                            guint64        seed);
DZ_AVAILABLE_IN_ALL
DzDataLoader *dz_data_loader_new_sequential (DzDataset   *dataset,
                                             gsize        batch_size);
DZ_AVAILABLE_IN_ALL
gboolean      dz_data_loader_get_sequential (DzDataLoader *self);
DZ_AVAILABLE_IN_ALL
gboolean      dz_data_loader_next          (DzDataLoader  *self,
                                            DzArray      **x,
                                            DzArray      **t,
                                            GError       **error);
DZ_AVAILABLE_IN_ALL
void          dz_data_loader_reset         (DzDataLoader  *self);
DZ_AVAILABLE_IN_ALL
gsize         dz_data_loader_get_n_batches (DzDataLoader  *self);
DZ_AVAILABLE_IN_ALL
DzDataset    *dz_data_loader_get_dataset   (DzDataLoader  *self);
DZ_AVAILABLE_IN_ALL
gsize         dz_data_loader_get_batch_size (DzDataLoader *self);
DZ_AVAILABLE_IN_ALL
gboolean      dz_data_loader_get_shuffle   (DzDataLoader  *self);
DZ_AVAILABLE_IN_ALL
gboolean      dz_data_loader_get_drop_last (DzDataLoader  *self);
DZ_AVAILABLE_IN_ALL
void          dz_data_loader_set_drop_last (DzDataLoader  *self,
                                            gboolean       drop_last);
DZ_AVAILABLE_IN_ALL
guint         dz_data_loader_get_shard_count (DzDataLoader *self);
DZ_AVAILABLE_IN_ALL
guint         dz_data_loader_get_shard_index (DzDataLoader *self);

G_END_DECLS
