/* dz-ops.h: built-in differentiable operations
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include "dz-variable.h"
#include "dz-ops-shape.h"
#include "dz-ops-reduce.h"
#include "dz-ops-linalg.h"
#include "dz-ops-activation.h"
#include "dz-ops-loss.h"
#include "dz-ops-dropout.h"
#include "dz-ops-nn.h"
#include "dz-ops-conv.h"

G_BEGIN_DECLS

/* Every built-in by name (dz-op-registry.c) */
DZ_AVAILABLE_IN_ALL
DzVariable  *dz_op_call    (const char   *name,
                            DzVariable  **inputs,
                            guint         n_inputs,
                            GVariant     *params,
                            GError      **error);
DZ_AVAILABLE_IN_ALL
char       **dz_ops_list   (void);

/* Arithmetic (dz-ops-arith.c) */
DZ_AVAILABLE_IN_ALL
DzVariable *dz_add        (DzVariable  *a,
                           DzVariable  *b,
                           GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_sub        (DzVariable  *a,
                           DzVariable  *b,
                           GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_mul        (DzVariable  *a,
                           DzVariable  *b,
                           GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_div        (DzVariable  *a,
                           DzVariable  *b,
                           GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_neg        (DzVariable  *x,
                           GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_add_scalar (DzVariable  *x,
                           double       value,
                           GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_mul_scalar (DzVariable  *x,
                           double       factor,
                           GError     **error);

/* Element-wise math (dz-ops-math.c) */
DZ_AVAILABLE_IN_ALL
DzVariable *dz_square     (DzVariable  *x,
                           GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_exp        (DzVariable  *x,
                           GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_log        (DzVariable  *x,
                           GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_sin        (DzVariable  *x,
                           GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_cos        (DzVariable  *x,
                           GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_tanh       (DzVariable  *x,
                           GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_pow        (DzVariable  *x,
                           double       exponent,
                           GError     **error);

G_END_DECLS
