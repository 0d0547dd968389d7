/* dz-backward-arrays.c: backward without create_graph, on plain arrays
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "dz-array-private.h"
#include "dz-config.h"
#include "dz-error.h"
#include "dz-function-private.h"
#include "dz-op-private.h"
#include "dz-ops.h"
#include "dz-variable-private.h"
#include "dz-walk-private.h"
#include "dz-backward-private.h"

/* --- Without create_graph: gradients as arrays --------------------------
 *
 * Nothing of the backward computation needs to be differentiable, so the
 * pass works on arrays: each variable computed by a function keeps its
 * gradient so far in priv->pending, each leaf in the pass's own list (a
 * leaf may be shared by graphs that other threads differentiate at the
 * same time), built-ins use their fused array kernels, and only the
 * variables that keep a gradient (leaves, or all with retain_grad) get a
 * gradient #DzVariable, once, at the end. No function or variable is
 * created for intermediate gradients. */


void
dz_array_pass_init (ArrayPass  *pass,
                 gboolean    accumulate,
                 gboolean    retain,
                 GHashTable *wanted)
{
  *pass = (ArrayPass) { g_array_new (FALSE, FALSE, sizeof (LeafGrad)), NULL, 0, NULL,
                        accumulate, retain, wanted };
}

/* Beyond this many leaves, a table finds them. */
#define LEAF_SCAN_MAX 8

/* Where the pending gradient of the leaf @variable is, made on first use.
 * The pointer is valid until the next call. Most graphs have few leaves,
 * and the same one is often met many times in a row (a bias, a constant). */
static DzArray **
leaf_slot (ArrayPass  *pass,
           DzVariable *variable)
{
  LeafGrad *leaves = (LeafGrad *) (gpointer) pass->leaves->data;
  guint n = pass->leaves->len;
  LeafGrad entry;

  if (pass->last_leaf < n && leaves[pass->last_leaf].variable == variable)
    return &leaves[pass->last_leaf].pending;

  if (pass->leaf_index != NULL)
    {
      guint index = GPOINTER_TO_UINT (g_hash_table_lookup (pass->leaf_index, variable));

      if (index != 0)
        {
          pass->last_leaf = index - 1;
          return &leaves[index - 1].pending;
        }
    }
  else
    for (guint i = 0; i < n; i++)
      if (leaves[i].variable == variable)
        {
          pass->last_leaf = i;
          return &leaves[i].pending;
        }

  entry = (LeafGrad) { g_object_ref (variable), NULL };
  g_array_append_val (pass->leaves, entry);
  if (pass->leaf_index != NULL)
    g_hash_table_insert (pass->leaf_index, variable, GUINT_TO_POINTER (n + 1));
  else if (n + 1 > LEAF_SCAN_MAX)
    {
      pass->leaf_index = g_hash_table_new (NULL, NULL);
      for (guint i = 0; i <= n; i++)
        g_hash_table_insert (pass->leaf_index, g_array_index (pass->leaves, LeafGrad, i).variable,
                             GUINT_TO_POINTER (i + 1));
    }
  pass->last_leaf = n;
  return &g_array_index (pass->leaves, LeafGrad, n).pending;
}

/* Where this pass keeps the gradient of @variable. */
static inline DzArray **
pending_slot (ArrayPass  *pass,
              DzVariable *variable)
{
  DzVariablePrivate *priv = dz_variable_get_priv (variable);

  if (priv->creator != NULL)
    return &priv->pending;
  if (G_LIKELY (pass->last_leaf < pass->leaves->len))
    {
      LeafGrad *last = &g_array_index (pass->leaves, LeafGrad, pass->last_leaf);

      if (last->variable == variable)
        return &last->pending;
    }
  return leaf_slot (pass, variable);
}

DzArray **
dz_array_pass_slot (ArrayPass  *pass,
                    DzVariable *variable)
{
  return pending_slot (pass, variable);
}

/* Adds @gx (transfer full) to the pending gradient of @variable. A NULL
 * @gx is an input that takes no gradient (labels, or one that requires
 * none). */
static gboolean
pending_add (ArrayPass   *pass,
             DzVariable  *variable,
             DzArray     *gx,
             GError     **error)
{
  DzVariablePrivate *priv = dz_variable_get_priv (variable);
  DzArray **pending, *sum;

  if (gx == NULL)
    return TRUE;
  if (priv->constant)
    {
      g_object_unref (gx);
      return TRUE;
    }

  pending = pending_slot (pass, variable);
  if (*pending == NULL)
    {
      /* A leaf's stored gradient is added at the end (dz_array_pass_finish),
       * so that a pass run meanwhile, from a Function's backward, is not
       * overwritten. */
      DzVariable *existing = pass->accumulate && priv->creator != NULL ? priv->grad : NULL;
      DzArray *existing_data = existing ? dz_variable_peek_data (existing) : NULL;

      if (existing_data == NULL)
        {
          *pending = gx;
          return TRUE;
        }
      *pending = g_object_ref (existing_data);
    }

  if (!dz_array_same_shape_ (*pending, gx))
    {
      g_autofree char *a = dz_array_shape_to_string (*pending);
      g_autofree char *b = dz_array_shape_to_string (gx);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "Cannot accumulate the gradient: shapes %s and %s", a, b);
      g_object_unref (gx);
      return FALSE;
    }

  /* An array only this pass holds takes the sum in place. */
  sum = dz_array_binary_take (DZ_BINARY_ADD, g_steal_pointer (pending), gx, error);
  g_object_unref (gx);
  if (sum == NULL)
    return FALSE;
  *pending = sum;
  return TRUE;
}

/* Whether the pending gradient of @output is of no use once its creator
 * has run: not asked for by dz_grad(), not retained. */
static gboolean
output_is_dropped (ArrayPass  *pass,
                   DzVariable *output)
{
  if (pass->wanted != NULL)
    return !g_hash_table_contains (pass->wanted, output);
  return !pass->retain;
}

/* Turns a pending gradient into the variable's #DzVariable:grad. */
static void
pending_to_grad (DzVariable *variable)
{
  DzVariablePrivate *priv = dz_variable_get_priv (variable);

  dz_variable_take_grad (variable, dz_variable_new_take (g_steal_pointer (&priv->pending)));
}

/* The gradients of the inputs of @function, as arrays (transfer full);
 * consumes the output gradients @gys. @outputs are those still alive. */
static gboolean
function_gradient (DzFunction  *function,
                   DzArray    **gys,
                   DzVariable **outputs,
                   guint        n_outputs,
                   DzArray    **gxs,
                   GError     **error)
{
  DzFunctionPrivate *fpriv = dz_function_get_priv (function);
  g_autoptr(GPtrArray) gy_vars = NULL;
  g_autoptr(GPtrArray) gx_vars = NULL;

  if (DZ_IS_OP (function))
    {
      guint versions = 0;
      gboolean intact = outputs[0] == NULL || dz_variable_get_priv (outputs[0])->version == 0;

      /* Built-ins have one output. The version check is folded into this
       * loop because it runs once per node. */
      for (guint i = 0; i < fpriv->n_inputs; i++)
        versions += dz_variable_get_priv (fpriv->inputs[i])->version;
      if (G_UNLIKELY (!intact || ((versions ^ fpriv->input_versions) & ((1u << 30) - 1)) != 0))
        {
          if (dz_function_check_unmodified (function, outputs, n_outputs, error))
            g_set_error (error, DZ_ERROR, DZ_ERROR_DATA_MODIFIED,
                         "An input or output of %s was modified", dz_function_get_name (function));
          g_object_unref (gys[0]);
          return FALSE;
        }
      return dz_op_gradient (function, outputs[0], gys[0], gxs, error);
    }

  if (!dz_backward_check_unmodified (function, outputs, n_outputs, error))
    {
      for (guint i = 0; i < n_outputs; i++)
        g_object_unref (gys[i]);
      return FALSE;
    }

  /* A user-defined function speaks in variables. */
  gy_vars = g_ptr_array_new_full (n_outputs, g_object_unref);
  for (guint i = 0; i < n_outputs; i++)
    g_ptr_array_add (gy_vars, dz_variable_new_constant (gys[i]));
  gx_vars = dz_function_run_backward (function, gy_vars, error);
  if (gx_vars == NULL)
    return FALSE;
  for (guint i = 0; i < gx_vars->len; i++)
    gxs[i] = g_object_ref (dz_variable_peek_data (g_ptr_array_index (gx_vars, i)));
  return TRUE;
}

/* Whether every output gradient could be made; consumes them when not. */
static gboolean
gradients_complete (DzArray  **gys,
                    guint      n,
                    GError   **error)
{
  gboolean complete = TRUE;

  for (guint i = 0; i < n; i++)
    complete = complete && gys[i] != NULL;
  if (!complete)
    {
      for (guint i = 0; i < n; i++)
        g_clear_object (&gys[i]);
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_NO_MEMORY,
                           "Out of memory making the zero gradient of an unused output");
    }
  return complete;
}

gboolean
dz_backward_arrays_run (DzVariable  *root,
                     DzArray     *seed,
                     ArrayPass   *pass,
                     GError     **error)
{
  DzWalk walk;
  DzFunction *next;
  gboolean previous_backprop, ok;
  DzArray **root_pending;

  if (!dz_walk_begin (&walk, root, error))
    {
      g_object_unref (seed);
      dz_walk_end (&walk);
      return FALSE;
    }

  /* The seed is the root's whole gradient, not an addition to it. */
  pass->root = g_object_ref (root);
  root_pending = pending_slot (pass, root);
  g_clear_object (root_pending);
  *root_pending = seed;

  previous_backprop = dz_set_enable_backprop (FALSE);
  ok = TRUE;

  while (ok && (next = dz_walk_next (&walk)) != NULL)
    {
      g_autoptr(DzFunction) function = next;
      DzFunctionPrivate *fpriv = dz_function_get_priv (function);
      guint n_out = fpriv->n_outputs, n_in = fpriv->n_inputs;
      DzVariable *outputs_stack[4], **outputs;
      DzArray *gys_stack[4], **gys, *gxs_stack[4], **gxs;

      outputs = n_out <= 4 ? outputs_stack : g_new (DzVariable *, n_out);
      gys = n_out <= 4 ? gys_stack : g_new (DzArray *, n_out);
      gxs = n_in <= 4 ? gxs_stack : g_new0 (DzArray *, n_in);
      memset (gxs, 0, n_in * sizeof (DzArray *));

      for (guint i = 0; i < n_out; i++)
        {
          DzOutputSlot *slot = &fpriv->outputs[i];
          DzVariablePrivate *opriv;

          outputs[i] = dz_function_ref_output (function, i);
          opriv = outputs[i] ? dz_variable_get_priv (outputs[i]) : NULL;
          /* A gradient about to be dropped is handed over, so that the
           * function may write its own result into it. */
          if (opriv != NULL && opriv->pending != NULL)
            gys[i] = output_is_dropped (pass, outputs[i]) ? g_steal_pointer (&opriv->pending)
                                                           : g_object_ref (opriv->pending);
          else
            gys[i] = dz_array_new_zeros (dz_output_slot_shape (slot), slot->ndim, NULL);
        }

      ok = gradients_complete (gys, n_out, error) &&
           function_gradient (function, gys, outputs, n_out, gxs, error);

      for (guint i = 0; ok && i < n_in; i++)
        ok = dz_walk_reach (&walk, fpriv->inputs[i], error) &&
             pending_add (pass, fpriv->inputs[i], g_steal_pointer (&gxs[i]), error);

      /* The outputs' gradients are folded into the inputs' now. */
      for (guint i = 0; i < n_out; i++)
        {
          DzVariable *output = outputs[i];

          if (output == NULL)
            continue;
          if (!ok)
            g_clear_object (&dz_variable_get_priv (output)->pending);
          else if (output_is_dropped (pass, output))
            {
              g_clear_object (&dz_variable_get_priv (output)->pending);
              if (pass->wanted == NULL)
                dz_variable_clear_grad (output);
            }
          else if (pass->retain && dz_variable_get_priv (output)->pending != NULL)
            pending_to_grad (output);
          g_object_unref (output);
        }

      for (guint i = 0; i < n_in; i++)
        g_clear_object (&gxs[i]);
      if (outputs != outputs_stack)
        {
          g_free (outputs);
          g_free (gys);
        }
      if (gxs != gxs_stack)
        g_free (gxs);
    }

  /* After a failure, the functions still queued have outputs holding
   * scratch gradients: clear them. */
  while ((next = dz_walk_next (&walk)) != NULL)
    {
      g_autoptr(DzFunction) function = next;

      for (guint i = 0; i < dz_function_get_priv (function)->n_outputs; i++)
        {
          g_autoptr(DzVariable) output = dz_function_ref_output (function, i);

          if (output != NULL)
            g_clear_object (&dz_variable_get_priv (output)->pending);
        }
    }

  dz_set_enable_backprop (previous_backprop);
  dz_walk_end (&walk);
  return ok;
}

/* Stores the pending gradient of a leaf as its #DzVariable:grad, added to
 * the gradient it had. */
static void
commit_leaf (LeafGrad *leaf)
{
  DzVariable *existing = dz_variable_get_priv (leaf->variable)->grad;
  DzArray *existing_data = existing ? dz_variable_peek_data (existing) : NULL;
  DzArray *grad = g_steal_pointer (&leaf->pending);

  if (existing_data != NULL)
    {
      DzArray *sum = dz_array_add (existing_data, grad, NULL);

      g_object_unref (grad);
      grad = sum;
    }
  dz_variable_take_grad (leaf->variable, dz_variable_new_take (grad));
}

/* Ends an array pass: on success of a backward pass the leaves take their
 * gradients, all or none; all scratch is cleared. */
gboolean
dz_array_pass_finish (ArrayPass  *pass,
                   gboolean    ok,
                   GError    **error)
{
  LeafGrad *leaves = (LeafGrad *) (gpointer) pass->leaves->data;
  gboolean commit = ok && pass->wanted == NULL;

  for (guint i = 0; commit && i < pass->leaves->len; i++)
    {
      DzVariable *existing = dz_variable_get_priv (leaves[i].variable)->grad;
      DzArray *existing_data = existing ? dz_variable_peek_data (existing) : NULL;

      if (leaves[i].pending != NULL && existing_data != NULL &&
          !dz_array_same_shape_ (existing_data, leaves[i].pending))
        {
          g_autofree char *a = dz_array_shape_to_string (existing_data);
          g_autofree char *b = dz_array_shape_to_string (leaves[i].pending);

          g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                       "Cannot accumulate the gradient: shapes %s and %s", a, b);
          ok = commit = FALSE;
        }
    }

  for (guint i = 0; i < pass->leaves->len; i++)
    {
      if (commit && leaves[i].pending != NULL)
        commit_leaf (&leaves[i]);
      g_clear_object (&leaves[i].pending);
      g_object_unref (leaves[i].variable);
    }
  g_array_unref (pass->leaves);
  g_clear_pointer (&pass->leaf_index, g_hash_table_unref);

  if (pass->root != NULL)
    {
      if (dz_variable_get_priv (pass->root)->creator != NULL)
        g_clear_object (&dz_variable_get_priv (pass->root)->pending);
      g_object_unref (pass->root);
    }
  return ok;
}
