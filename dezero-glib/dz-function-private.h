/* dz-function-private.h: what the backward pass needs of DzFunction
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-function.h"

G_BEGIN_DECLS

/* Where an output went: a weak pointer (the output owns the function, not
 * the other way round) and its shape, so that an output dropped before
 * backward still gets a gradient of zeros of the right shape.
 *
 * The pointer is not a GWeakRef: in GLib 2.74 those take a process-wide
 * lock and allocate qdata, which made up a fifth of the cost of a graph
 * node. The output itself clears its slot, under the function's bit lock,
 * when it is disposed or unchained. */
typedef struct
{
  DzVariable *variable;
  guint ndim;
  gsize *shape;
  gsize inline_shape[2];
} DzOutputSlot;

typedef struct
{
  /* Inputs, held strongly; two inline slots cover nearly every function.
   * The GPtrArray that dz_function_get_inputs() hands out is built only
   * when asked for. */
  DzVariable **inputs;
  guint n_inputs;
  DzVariable *inline_inputs[2];
  GPtrArray *inputs_view;
  DzOutputSlot *outputs;
  guint n_outputs;
  gint outputs_lock;
  DzOutputSlot inline_output;
  int generation;
  gboolean called;
  gboolean disposed;
  gint holders;
  /* The id of the backward pass that last queued this function: an O(1)
   * "already queued" test without a set. */
  guint64 queued_pass;
} DzFunctionPrivate;

DzFunctionPrivate *dz_function_get_priv (DzFunction *self);

GPtrArray  *dz_function_run_backward (DzFunction  *self,
                                      GPtrArray   *gys,
                                      GError     **error);
void        dz_function_record       (DzFunction  *self,
                                      DzVariable **inputs,
                                      guint        n_inputs,
                                      DzVariable **outputs,
                                      guint        n_outputs);
DzVariable *dz_function_ref_output   (DzFunction  *self,
                                      guint        index);
void        dz_function_forget_output (DzFunction *self,
                                       guint       index,
                                       DzVariable *output);

G_END_DECLS
