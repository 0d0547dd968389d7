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
  /* Up to one axis inline, more on the heap. */
  union {
    gsize dim;
    gsize *dims;
  } shape;
} DzOutputSlot;

static inline const gsize *
dz_output_slot_shape (const DzOutputSlot *slot)
{
  return slot->ndim <= 1 ? &slot->shape.dim : slot->shape.dims;
}

/* Laid out to fill 96 bytes, so that with its instance a built-in takes
 * 128: every node of a graph has one, and memory is most of its cost. */
typedef struct
{
  /* Inputs, held strongly; two inline slots cover nearly every function.
   * The GPtrArray that dz_function_get_inputs() hands out is built only
   * when asked for. */
  DzVariable **inputs;
  DzVariable *inline_inputs[2];
  GPtrArray *inputs_view;
  DzOutputSlot *outputs;
  DzOutputSlot inline_output;
  /* The id of the backward pass that last queued this function: an O(1)
   * "already queued" test without a set. */
  guint64 queued_pass;
  guint n_inputs;
  guint n_outputs;
  gint outputs_lock;
  int generation;
  gint holders;
  guint called : 1;
  guint disposed : 1;
  /* The sum of the inputs' versions at the call, modulo 2^30; outputs are
   * born at version 0. Lets backward detect a modified input or output
   * without growing the node. */
  guint input_versions : 30;
} DzFunctionPrivate;

extern gint dz_function_private_offset;

static inline DzFunctionPrivate *
dz_function_get_priv (DzFunction *self)
{
  return (DzFunctionPrivate *) G_STRUCT_MEMBER_P (self, dz_function_private_offset);
}

GPtrArray  *dz_function_run_backward (DzFunction  *self,
                                      GPtrArray   *gys,
                                      GError     **error);
void        dz_function_record       (DzFunction  *self,
                                      DzVariable **inputs,
                                      guint        n_inputs,
                                      DzVariable **outputs,
                                      guint        n_outputs);
gboolean    dz_function_check_unmodified (DzFunction  *self,
                                          DzVariable **outputs,
                                          guint        n_outputs,
                                          GError     **error);
DzVariable *dz_function_ref_output   (DzFunction  *self,
                                      guint        index);
void        dz_function_forget_output (DzFunction *self,
                                       guint       index,
                                       DzVariable *output);

G_END_DECLS
