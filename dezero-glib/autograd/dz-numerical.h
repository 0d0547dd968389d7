/* dz-numerical.h: numerical differentiation and gradient checks
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
 * DzVariableFunc:
 * @x: the input
 * @user_data: the data given with the callback
 *
 * A differentiable computation of one variable, such as
 * `y = dz_square (x)`.
 *
 * Returns: (transfer full) (nullable): the result, or %NULL on failure
 */
typedef DzVariable * (* DzVariableFunc) (DzVariable *x,
                                         gpointer    user_data);

DZ_AVAILABLE_IN_ALL
DzArray  *dz_numerical_diff (DzVariableFunc   func,
                             gpointer         user_data,
                             DzVariable      *x,
                             double           eps,
                             GError         **error);
DZ_AVAILABLE_IN_ALL
gboolean  dz_gradient_check (DzVariableFunc   func,
                             gpointer         user_data,
                             DzVariable      *x,
                             double           eps,
                             double           rtol,
                             double           atol,
                             GError         **error);

G_END_DECLS
