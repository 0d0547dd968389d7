/* dz-buffer-private.h: the one place array storage is allocated
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

double *dz_buffer_alloc (gsize    n_values,
                         GError **error);
void    dz_buffer_free  (double  *buffer,
                         gsize    n_values);
void    dz_buffer_trim  (void);

G_END_DECLS
