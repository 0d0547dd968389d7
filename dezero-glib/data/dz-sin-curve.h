/* dz-sin-curve.h: DeZero's noisy sine wave, a series for recurrent models
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
 * DZ_TYPE_SIN_CURVE:
 *
 * The #GType of #DzSinCurve.
 */
#define DZ_TYPE_SIN_CURVE (dz_sin_curve_get_type ())

/**
 * DzSinCurveClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzSinCurve. #DzSinCurve is final: it has no
 * virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzSinCurve, dz_sin_curve, DZ, SIN_CURVE, DzDataset)

DZ_AVAILABLE_IN_ALL
DzSinCurve *dz_sin_curve_new (gboolean     train,
                              DzGenerator *generator);

G_END_DECLS
