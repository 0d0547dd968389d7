/* dz-data-private.h: row gathering shared by datasets and the loader
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-array.h"
#include "dz-generator.h"

G_BEGIN_DECLS

DzArray *dz_data_take_rows (DzArray      *array,
                            const gsize  *indices,
                            gsize         n_indices,
                            gboolean      keep_axis,
                            GError      **error);

void     dz_data_permute   (DzGenerator  *generator,
                            gsize        *indices,
                            gsize         n_indices);

G_END_DECLS
