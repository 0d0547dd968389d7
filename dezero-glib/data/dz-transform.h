/* dz-transform.h: what a dataset does to each sample before giving it
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "dz-array.h"
#include "dz-version-macros.h"

G_BEGIN_DECLS

/**
 * DZ_TYPE_TRANSFORM:
 *
 * The #GType of #DzTransform.
 */
#define DZ_TYPE_TRANSFORM (dz_transform_get_type ())
DZ_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (DzTransform, dz_transform, DZ, TRANSFORM, GObject)

/**
 * DzTransformClass:
 * @parent_class: the parent class
 * @apply: transforms one sample
 * @apply_batch: optional: transforms a batch of samples at once
 *
 * The class structure of #DzTransform. A subclass implements
 * #DzTransformClass.apply(); see #DzTransform.
 */
struct _DzTransformClass
{
  GObjectClass parent_class;

  DzArray * (* apply)       (DzTransform  *self,
                             DzArray      *x,
                             GError      **error);
  DzArray * (* apply_batch) (DzTransform  *self,
                             DzArray      *batch,
                             GError      **error);

  /*< private >*/
  gpointer padding[8];
};

DZ_AVAILABLE_IN_ALL
DzArray     *dz_transform_apply          (DzTransform  *self,
                                          DzArray      *x,
                                          GError      **error);

/**
 * DZ_TYPE_NORMALIZE_TRANSFORM:
 *
 * The #GType of #DzNormalizeTransform.
 */

/**
 * DzNormalizeTransformClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzNormalizeTransform. #DzNormalizeTransform is final: it has no virtual
 * functions to override.
 */
#define DZ_TYPE_NORMALIZE_TRANSFORM (dz_normalize_transform_get_type ())
DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzNormalizeTransform, dz_normalize_transform, DZ, NORMALIZE_TRANSFORM,
                      DzTransform)
DZ_AVAILABLE_IN_ALL
DzTransform *dz_normalize_transform_new  (double        mean,
                                          double        std);

/**
 * DZ_TYPE_FLATTEN_TRANSFORM:
 *
 * The #GType of #DzFlattenTransform.
 */

/**
 * DzFlattenTransformClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzFlattenTransform. #DzFlattenTransform is final: it has no virtual
 * functions to override.
 */
#define DZ_TYPE_FLATTEN_TRANSFORM (dz_flatten_transform_get_type ())
DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzFlattenTransform, dz_flatten_transform, DZ, FLATTEN_TRANSFORM,
                      DzTransform)
DZ_AVAILABLE_IN_ALL
DzTransform *dz_flatten_transform_new    (void);

/**
 * DZ_TYPE_ASTYPE_TRANSFORM:
 *
 * The #GType of #DzAstypeTransform.
 */

/**
 * DzAstypeTransformClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzAstypeTransform. #DzAstypeTransform is final: it has no virtual
 * functions to override.
 */
#define DZ_TYPE_ASTYPE_TRANSFORM (dz_astype_transform_get_type ())
DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzAstypeTransform, dz_astype_transform, DZ, ASTYPE_TRANSFORM,
                      DzTransform)
DZ_AVAILABLE_IN_ALL
DzTransform *dz_astype_transform_new     (DzDtype       dtype);

/**
 * DZ_TYPE_COMPOSE_TRANSFORM:
 *
 * The #GType of #DzComposeTransform.
 */

/**
 * DzComposeTransformClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzComposeTransform. #DzComposeTransform is final: it has no virtual
 * functions to override.
 */
#define DZ_TYPE_COMPOSE_TRANSFORM (dz_compose_transform_get_type ())
DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzComposeTransform, dz_compose_transform, DZ, COMPOSE_TRANSFORM,
                      DzTransform)
DZ_AVAILABLE_IN_ALL
DzTransform *dz_compose_transform_new    (DzTransform **transforms,
                                          guint         n_transforms);

G_END_DECLS
