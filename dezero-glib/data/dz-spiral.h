/* dz-spiral.h: DeZero's spiral toy dataset
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
#include "dz-generator.h"

G_BEGIN_DECLS

/**
 * DZ_TYPE_SPIRAL:
 *
 * The #GType of #DzSpiral.
 */
#define DZ_TYPE_SPIRAL (dz_spiral_get_type ())

/**
 * DzSpiralClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzSpiral. #DzSpiral is final: it has no virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzSpiral, dz_spiral, DZ, SPIRAL, DzDataset)

DZ_AVAILABLE_IN_ALL
DzSpiral *dz_spiral_new       (gboolean      train);
DZ_AVAILABLE_IN_ALL
void      dz_spiral_get_data  (DzGenerator  *generator,
                               DzArray     **x,
                               DzArray     **t);

G_END_DECLS
