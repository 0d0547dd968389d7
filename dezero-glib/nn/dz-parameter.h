/* dz-parameter.h: a variable a layer learns
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include "dz-variable.h"

G_BEGIN_DECLS

/**
 * DZ_TYPE_PARAMETER:
 *
 * The #GType of #DzParameter.
 */
#define DZ_TYPE_PARAMETER (dz_parameter_get_type ())

/**
 * DzParameterClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzParameter. #DzParameter is final: it has no
 * virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzParameter, dz_parameter, DZ, PARAMETER, DzVariable)

DZ_AVAILABLE_IN_ALL
DzParameter *dz_parameter_new (DzArray    *data,
                               const char *name);

G_END_DECLS
