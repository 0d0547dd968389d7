/* dz-array.h: immutable n-dimensional arrays
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "dz-version-macros.h"
#include "dz-dtype.h"
#include "dz-generator.h"

G_BEGIN_DECLS

/**
 * DZ_ARRAY_MAX_NDIM:
 *
 * The largest number of dimensions a #DzArray can have.
 */
#define DZ_ARRAY_MAX_NDIM 32

/**
 * DZ_TYPE_ARRAY:
 *
 * The #GType of #DzArray.
 */
#define DZ_TYPE_ARRAY (dz_array_get_type ())

/**
 * DzArrayClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzArray. #DzArray is final: it has no virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzArray, dz_array, DZ, ARRAY, GObject)

DZ_AVAILABLE_IN_ALL
DzArray      *dz_array_new_scalar      (double          value);
DZ_AVAILABLE_IN_ALL
DzArray      *dz_array_new_from_values (const double   *values,
                                        gsize           n_values,
                                        const gsize    *shape,
                                        guint           ndim,
                                        GError        **error);
DZ_AVAILABLE_IN_ALL
DzArray      *dz_array_new_from_bytes  (GBytes         *bytes,
                                        DzDtype         dtype,
                                        const gsize    *shape,
                                        guint           ndim,
                                        GError        **error);
DZ_AVAILABLE_IN_ALL
DzArray      *dz_array_new_full        (const gsize    *shape,
                                        guint           ndim,
                                        double          value,
                                        GError        **error);
DZ_AVAILABLE_IN_ALL
DzArray      *dz_array_new_full_typed  (DzDtype         dtype,
                                        const gsize    *shape,
                                        guint           ndim,
                                        double          value,
                                        GError        **error);
DZ_AVAILABLE_IN_ALL
DzArray      *dz_array_new_zeros       (const gsize    *shape,
                                        guint           ndim,
                                        GError        **error);
DZ_AVAILABLE_IN_ALL
DzArray      *dz_array_new_ones        (const gsize    *shape,
                                        guint           ndim,
                                        GError        **error);
DZ_AVAILABLE_IN_ALL
DzArray      *dz_array_new_randn       (const gsize    *shape,
                                        guint           ndim,
                                        DzGenerator    *generator,
                                        GError        **error);
DZ_AVAILABLE_IN_ALL
DzArray      *dz_array_new_uniform     (const gsize    *shape,
                                        guint           ndim,
                                        DzGenerator    *generator,
                                        GError        **error);
DZ_AVAILABLE_IN_ALL
DzArray      *dz_array_new_zeros_like  (DzArray        *self,
                                        GError        **error);
DZ_AVAILABLE_IN_ALL
DzArray      *dz_array_new_ones_like   (DzArray        *self,
                                        GError        **error);

DZ_AVAILABLE_IN_ALL
DzArray      *dz_array_astype          (DzArray        *self,
                                        DzDtype         dtype,
                                        GError        **error);
DZ_AVAILABLE_IN_ALL
DzArray      *dz_array_reshape         (DzArray        *self,
                                        const gssize   *shape,
                                        guint           ndim,
                                        GError        **error);

DZ_AVAILABLE_IN_ALL
DzDtype       dz_array_get_dtype       (DzArray        *self);
DZ_AVAILABLE_IN_ALL
guint         dz_array_get_ndim        (DzArray        *self);
DZ_AVAILABLE_IN_ALL
const gsize  *dz_array_get_shape       (DzArray        *self,
                                        guint          *ndim);
DZ_AVAILABLE_IN_ALL
gsize         dz_array_get_size        (DzArray        *self);
DZ_AVAILABLE_IN_ALL
const double *dz_array_get_values      (DzArray        *self,
                                        gsize          *n_values);
DZ_AVAILABLE_IN_ALL
double        dz_array_get_value       (DzArray        *self,
                                        gsize           index);
DZ_AVAILABLE_IN_ALL
double        dz_array_item            (DzArray        *self);
DZ_AVAILABLE_IN_ALL
GBytes       *dz_array_get_bytes       (DzArray        *self);
DZ_AVAILABLE_IN_ALL
gboolean      dz_array_same_shape      (DzArray        *self,
                                        DzArray        *other);
DZ_AVAILABLE_IN_ALL
char         *dz_array_shape_to_string (DzArray        *self);
DZ_AVAILABLE_IN_ALL
char         *dz_array_to_string       (DzArray        *self);

DZ_AVAILABLE_IN_ALL
void          dz_array_trim_cache      (void);

G_END_DECLS
