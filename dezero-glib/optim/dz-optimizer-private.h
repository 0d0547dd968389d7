/* dz-optimizer-private.h: what the built-in optimizers and hooks share
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-array-private.h"
#include "dz-optimizer.h"

G_BEGIN_DECLS

/* The update loops are element-wise: out[i] depends on inputs at i only,
 * so they vectorize even where out is the parameter's own array (the
 * in-place path), which `restrict` could not promise. */
#define DZ_SIMD_LOOP _Pragma ("omp simd")

/* Instantiates a loop template NAME##_f64 / NAME##_f32 and calls the one
 * for @dtype (float32 or float64, checked by dz_optimizer_get_values()). */
#define DZ_OPTIM_DISPATCH(dtype, name, ...)                                   \
  G_STMT_START {                                                              \
    if ((dtype) == DZ_DTYPE_FLOAT64)                                          \
      name##_f64 (__VA_ARGS__);                                               \
    else                                                                      \
      name##_f32 (__VA_ARGS__);                                               \
  } G_STMT_END

/* The per-parameter state of a built-in optimizer (velocities, squared
 * gradient averages...): @n_slots zero-initialized buffers of @size values
 * of @dtype, for a parameter of that dtype and shape. Plain memory rather
 * than arrays: nobody else may see it, and arrays made inside a DzScope
 * would be disposed when the scope closes, since no graph holds them. */
typedef struct
{
  DzDtype dtype;
  guint ndim;
  guint n_slots;
  gsize size;
  gsize *shape;
  void *slots[2];
} DzOptimizerState;

/* The state of @param, whose value is @data, made on first use. Fails
 * with DZ_ERROR_SHAPE_MISMATCH or DZ_ERROR_INVALID_DTYPE when @data no
 * longer has the dtype and shape the state was made for. */
DzOptimizerState *dz_optimizer_get_state (DzOptimizer  *self,
                                          DzVariable   *param,
                                          DzArray      *data,
                                          guint         n_slots,
                                          GError      **error);

/* The value of @param and of its gradient, both float32 or float64 of
 * one shape, or FALSE with @error set. */
gboolean dz_optimizer_get_values (DzVariable  *param,
                                  DzArray    **data,
                                  DzArray    **grad,
                                  GError     **error);

/* Where to write new values for @var, whose value is @data: @data itself
 * when nobody else can see it (dz_array_is_exclusive() once @var lets go
 * of it), else a new array of its dtype and shape (the caller of
 * dz_variable_get_data() or a NumPy view holds the old value). Either way
 * @var is without data until dz_optimizer_end_write() gives it the new
 * value, and its version goes up, so that a graph recorded with @var
 * refuses to backpropagate through values that changed. */
DzArray *dz_optimizer_begin_write (DzVariable  *var,
                                   DzArray     *data,
                                   GError     **error);
void     dz_optimizer_end_write   (DzVariable  *var,
                                   DzArray     *data,
                                   DzArray     *out);

G_END_DECLS
