/* dz-dataset.h: indexed collections of (input, label) samples
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "dz-version-macros.h"
#include "dz-array.h"
#include "dz-transform.h"

G_BEGIN_DECLS

/**
 * DZ_TYPE_DATASET:
 *
 * The #GType of #DzDataset.
 */
#define DZ_TYPE_DATASET (dz_dataset_get_type ())

DZ_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (DzDataset, dz_dataset, DZ, DATASET, GObject)

/**
 * DzDatasetClass:
 * @parent_class: the parent class
 * @get_length: returns the number of samples
 * @get_item: returns one sample
 * @get_batch: optional: returns several samples stacked, faster than one
 *   by one
 *
 * The class structure of #DzDataset. A dataset that holds its samples as
 * the rows of two arrays sets them with dz_dataset_set_arrays() and
 * overrides nothing; one that computes its samples overrides both virtual
 * functions, as DeZero's `__len__` and `__getitem__`.
 */
struct _DzDatasetClass
{
  GObjectClass parent_class;

  gsize    (* get_length) (DzDataset  *self);
  gboolean (* get_item)   (DzDataset  *self,
                           gsize       index,
                           DzArray   **x,
                           DzArray   **t,
                           GError    **error);
  gboolean (* get_batch)  (DzDataset    *self,
                           const gsize  *indices,
                           gsize         n_indices,
                           DzArray     **x,
                           DzArray     **t,
                           GError      **error);

  /*< private >*/
  gpointer padding[7];
};

DZ_AVAILABLE_IN_ALL
DzDataset *dz_dataset_new        (DzArray    *data,
                                  DzArray    *label,
                                  GError    **error);
DZ_AVAILABLE_IN_ALL
gsize      dz_dataset_get_length (DzDataset  *self);
DZ_AVAILABLE_IN_ALL
gboolean   dz_dataset_get_item   (DzDataset  *self,
                                  gsize       index,
                                  DzArray   **x,
                                  DzArray   **t,
                                  GError    **error);
DZ_AVAILABLE_IN_ALL
gboolean   dz_dataset_get_batch  (DzDataset    *self,
                                  const gsize  *indices,
                                  gsize         n_indices,
                                  DzArray     **x,
                                  DzArray     **t,
                                  GError      **error);
DZ_AVAILABLE_IN_ALL
gboolean   dz_dataset_get_train  (DzDataset  *self);
DZ_AVAILABLE_IN_ALL
gboolean   dz_dataset_set_arrays (DzDataset  *self,
                                  DzArray    *data,
                                  DzArray    *label,
                                  GError    **error);
DZ_AVAILABLE_IN_ALL
gboolean   dz_dataset_get_arrays (DzDataset  *self,
                                  DzArray   **data,
                                  DzArray   **label);

DZ_AVAILABLE_IN_ALL
void         dz_dataset_set_transform        (DzDataset   *self,
                                              DzTransform *transform);
DZ_AVAILABLE_IN_ALL
DzTransform *dz_dataset_get_transform        (DzDataset   *self);
DZ_AVAILABLE_IN_ALL
void         dz_dataset_set_target_transform (DzDataset   *self,
                                              DzTransform *transform);
DZ_AVAILABLE_IN_ALL
DzTransform *dz_dataset_get_target_transform (DzDataset   *self);

G_END_DECLS
