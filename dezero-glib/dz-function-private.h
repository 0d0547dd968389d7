/* dz-function-private.h: what the backward pass needs of DzFunction
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-function.h"

G_BEGIN_DECLS

/* Where an output went: a weak reference (the output owns the function,
 * not the other way round) and its shape, so that an output dropped before
 * backward still gets a gradient of zeros of the right shape. */
typedef struct
{
  GWeakRef ref;
  guint ndim;
  gsize *shape;
  gsize inline_shape[2];
} DzOutputSlot;

typedef struct
{
  GPtrArray *inputs;
  DzOutputSlot *outputs;
  guint n_outputs;
  int generation;
  gboolean called;
  gboolean disposed;
  gint holders;
  /* The id of the backward pass that last queued this function: an O(1)
   * "already queued" test without a set. */
  guint64 queued_pass;
} DzFunctionPrivate;

DzFunctionPrivate *dz_function_get_priv (DzFunction *self);

GPtrArray *dz_function_run_backward (DzFunction  *self,
                                     GPtrArray   *gys,
                                     GError     **error);

G_END_DECLS
