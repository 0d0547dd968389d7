/* dz-safetensors.h: weights in the safetensors format
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

G_BEGIN_DECLS

/**
 * DZ_TYPE_SAFETENSORS:
 *
 * The #GType of #DzSafetensors.
 */
#define DZ_TYPE_SAFETENSORS (dz_safetensors_get_type ())

/**
 * DzSafetensorsClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzSafetensors. #DzSafetensors is final: it has
 * no virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzSafetensors, dz_safetensors, DZ, SAFETENSORS, GObject)

DZ_AVAILABLE_IN_ALL
gboolean            dz_safetensors_save         (const char         *path,
                                                 const char * const *names,
                                                 DzArray * const    *arrays,
                                                 guint               n_arrays,
                                                 GHashTable         *metadata,
                                                 GError            **error);

DZ_AVAILABLE_IN_ALL
DzSafetensors      *dz_safetensors_load         (const char         *path,
                                                 GError            **error);

DZ_AVAILABLE_IN_ALL
const char * const *dz_safetensors_get_names    (DzSafetensors      *self);
DZ_AVAILABLE_IN_ALL
gboolean            dz_safetensors_contains     (DzSafetensors      *self,
                                                 const char         *name);
DZ_AVAILABLE_IN_ALL
DzArray            *dz_safetensors_get_array    (DzSafetensors      *self,
                                                 const char         *name,
                                                 GError            **error);
DZ_AVAILABLE_IN_ALL
GHashTable         *dz_safetensors_get_metadata (DzSafetensors      *self);

G_END_DECLS
