/* dz-dot.h: pictures of the graph
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include "dz-variable.h"

G_BEGIN_DECLS

DZ_AVAILABLE_IN_ALL
char     *dz_variable_to_dot         (DzVariable  *self,
                                      gboolean     verbose);
DZ_AVAILABLE_IN_ALL
gboolean  dz_variable_plot_dot_graph (DzVariable  *self,
                                      gboolean     verbose,
                                      const char  *path,
                                      GError     **error);

G_END_DECLS
