/* dz-index.h: a NumPy index (x[1, 2:5, ..., None, [0, 3]])
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include "dz-array.h"

G_BEGIN_DECLS

/**
 * DZ_INDEX_NONE:
 *
 * Stands for an omitted start or stop of a slice (Python's `None`), as in
 * `x[:3]` or `x[::-1]`: the smallest 64-bit integer, -2^63. PyGObject 3.42
 * and GJS 1.74 read 64-bit constants from a typelib as 0, so the Python and
 * JavaScript overrides spell it `-(2 ** 63)`.
 */
#define DZ_INDEX_NONE (-9223372036854775807 - 1)

/**
 * DZ_TYPE_INDEX:
 *
 * The #GType of #DzIndex.
 */
#define DZ_TYPE_INDEX (dz_index_get_type ())

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzIndex, dz_index, DZ, INDEX, GObject)

DZ_AVAILABLE_IN_ALL
DzIndex *dz_index_new          (void);
DZ_AVAILABLE_IN_ALL
void     dz_index_add_int      (DzIndex  *self,
                                gint64    i);
DZ_AVAILABLE_IN_ALL
void     dz_index_add_slice    (DzIndex  *self,
                                gint64    start,
                                gint64    stop,
                                gint64    step);
DZ_AVAILABLE_IN_ALL
void     dz_index_add_ellipsis (DzIndex  *self);
DZ_AVAILABLE_IN_ALL
void     dz_index_add_newaxis  (DzIndex  *self);
DZ_AVAILABLE_IN_ALL
void     dz_index_add_array    (DzIndex  *self,
                                DzArray  *indices);
DZ_AVAILABLE_IN_ALL
char    *dz_index_to_string    (DzIndex  *self);

G_END_DECLS
