/* dz-backward.c: reverse-mode differentiation over the recorded graph
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "dz-array-math.h"
#include "dz-array-private.h"
#include "dz-config.h"
#include "dz-error.h"
#include "dz-function-private.h"
#include "dz-kernels-private.h"
#include "dz-op-private.h"
#include "dz-ops.h"
#include "dz-variable-private.h"
#include "dz-walk-private.h"

static void
unref_if_set (gpointer object)
{
  if (object != NULL)
    g_object_unref (object);
}

/* dz_function_check_unmodified(), with the common case inline: it runs
 * once per node of every pass. */
static inline gboolean
check_unmodified (DzFunction  *function,
                  DzVariable **outputs,
                  guint        n_outputs,
                  GError     **error)
{
  DzFunctionPrivate *fpriv = dz_function_get_priv (function);
  guint versions = 0, output_versions = 0;
  gboolean values = TRUE;

  for (guint i = 0; i < fpriv->n_inputs; i++)
    {
      DzVariablePrivate *ipriv = dz_variable_get_priv (fpriv->inputs[i]);

      versions += ipriv->version;
      values &= dz_variable_has_value (ipriv);
    }
  for (guint i = 0; i < n_outputs; i++)
    if (outputs[i] != NULL)
      output_versions |= dz_variable_get_priv (outputs[i])->version;

  if (G_LIKELY (values && output_versions == 0 &&
                ((versions ^ fpriv->input_versions) & ((1u << 30) - 1)) == 0))
    return TRUE;
  return dz_function_check_unmodified (function, outputs, n_outputs, error);
}

/* The gradients of a create_graph pass, all in the pass's own table until
 * it succeeds: a failed pass changes no gradient and leaves nothing behind
 * (gradients recorded with create_graph refer back to their variables, so
 * a half-done pass left on the variables would be reference cycles that
 * nothing clears), and passes on other threads sharing a leaf do not meet. */
typedef struct
{
  GHashTable *table;    /* variable (a reference) -> gradient, owned; NULL: cleared */
  GHashTable *wanted;   /* dz_grad(): the variables asked for; NULL: backward,
                         * which adds to the variables' gradients and stores the
                         * result on them */
  GHashTable *given;    /* every gradient variable stored by this pass */
  gboolean retain;
} GradStore;

static void
store_init (GradStore  *store,
            GHashTable *wanted,
            gboolean    retain)
{
  store->table = g_hash_table_new_full (NULL, NULL, g_object_unref, unref_if_set);
  store->wanted = wanted;
  store->given = g_hash_table_new (NULL, NULL);
  store->retain = retain;
}

static void
store_free (GradStore *store)
{
  g_hash_table_unref (store->table);
  g_hash_table_unref (store->given);
}

static DzVariable *
store_get (GradStore  *store,
           DzVariable *variable)
{
  gpointer grad;

  if (g_hash_table_lookup_extended (store->table, variable, NULL, &grad))
    return grad;
  return store->wanted == NULL ? dz_variable_get_priv (variable)->grad : NULL;
}

/* Takes ownership of @grad. */
static void
store_set (GradStore  *store,
           DzVariable *variable,
           DzVariable *grad)
{
  g_hash_table_replace (store->table, g_object_ref (variable), grad);
  if (grad != NULL)
    g_hash_table_add (store->given, grad);
}

/* An output's gradient has been folded into its function's inputs. */
static void
store_done_with (GradStore  *store,
                 DzVariable *variable)
{
  if (store->retain)
    return;
  if (store->wanted == NULL)
    store_set (store, variable, NULL);
  else if (!g_hash_table_contains (store->wanted, variable))
    g_hash_table_remove (store->table, variable);
}

/* A successful backward pass stores its gradients on the variables. */
static void
store_commit (GradStore *store)
{
  GHashTableIter iter;
  gpointer variable, grad;

  g_hash_table_iter_init (&iter, store->table);
  while (g_hash_table_iter_next (&iter, &variable, &grad))
    dz_variable_take_grad (variable, grad ? g_object_ref (grad) : NULL);
}

/* The gradient arriving at each output of @function, and in @outputs each
 * output still alive (or NULL). An output that was dropped, or did not
 * take part in the result, contributes zeros. */
static GPtrArray *
collect_output_grads (GradStore   *store,
                      DzFunction  *function,
                      GPtrArray   *outputs,
                      GError     **error)
{
  DzFunctionPrivate *priv = dz_function_get_priv (function);
  GPtrArray *gys = g_ptr_array_new_full (priv->n_outputs, g_object_unref);

  for (guint i = 0; i < priv->n_outputs; i++)
    {
      DzOutputSlot *slot = &priv->outputs[i];
      DzVariable *output = dz_function_ref_output (function, i);
      DzVariable *grad = output ? store_get (store, output) : NULL;

      g_ptr_array_add (outputs, output);
      if (grad != NULL)
        g_ptr_array_add (gys, g_object_ref (grad));
      else
        {
          DzArray *zeros = dz_array_new_zeros (dz_output_slot_shape (slot), slot->ndim, error);

          if (zeros == NULL)
            {
              g_ptr_array_unref (gys);
              return NULL;
            }
          g_ptr_array_add (gys, dz_variable_new_constant (zeros));
        }
    }

  return gys;
}

/* @gx, or when this pass stored it already (as the seed, or for another
 * variable: y = a + b hands gy to both), a differentiable identity of it:
 * replacing the data of one variable's gradient must not change another's. */
static DzVariable *
distinct_grad (GradStore   *store,
               DzVariable  *gx,
               GError     **error)
{
  if (!g_hash_table_contains (store->given, gx))
    return g_object_ref (gx);
  return dz_mul_scalar (gx, 1.0, error);
}

/* Adds @gx into the gradient of @input. Arrays are immutable, so sharing one
 * between gradients is safe; a gradient *variable* is not shared, though,
 * or replacing the data of one gradient would change another. */
static gboolean
accumulate_grad (GradStore   *store,
                 DzVariable  *input,
                 DzVariable  *gx,
                 GError     **error)
{
  DzVariable *current;
  DzVariablePrivate *gpriv = dz_variable_get_priv (gx);
  DzVariable *sum;

  if (dz_variable_get_priv (input)->constant)
    return TRUE;

  current = store_get (store, input);
  if (current == NULL)
    {
      /* Only the array of returned gradients holds an unshared gx. With
       * create_graph the gradient's identity is its place in the graph, so
       * it is kept as it is, or stands behind an identity. */
      if (G_OBJECT (gx)->ref_count == 1 || gpriv->creator != NULL)
        {
          DzVariable *grad = distinct_grad (store, gx, error);

          if (grad == NULL)
            return FALSE;
          store_set (store, input, grad);
        }
      else if (gpriv->constant)
        store_set (store, input, dz_variable_new_constant (g_object_ref (dz_variable_peek_data (gx))));
      else
        store_set (store, input, dz_variable_new_take (g_object_ref (dz_variable_peek_data (gx))));
      return TRUE;
    }

  sum = dz_add (current, gx, error);
  if (sum == NULL)
    {
      g_prefix_error (error, "Cannot accumulate the gradient: ");
      return FALSE;
    }

  store_set (store, input, sum);
  return TRUE;
}

/* The pass itself, recording the backward computation: from the creator
 * of @root, whose gradient is already in @store, back to the leaves. */
static gboolean
run_backward (DzVariable   *root,
              GradStore    *store,
              GError      **error)
{
  DzWalk walk;
  DzFunction *next;
  gboolean previous_backprop, ok;

  ok = dz_walk_begin (&walk, root, error);
  /* The backward computations are themselves recorded. */
  previous_backprop = dz_set_enable_backprop (TRUE);

  while (ok && (next = dz_walk_next (&walk)) != NULL)
    {
      g_autoptr(DzFunction) function = next;
      DzFunctionPrivate *fpriv = dz_function_get_priv (function);
      g_autoptr(GPtrArray) outputs = g_ptr_array_new_with_free_func (unref_if_set);
      g_autoptr(GPtrArray) gys = collect_output_grads (store, function, outputs, error);
      g_autoptr(GPtrArray) gxs = NULL;

      if (gys == NULL ||
          !check_unmodified (function, (DzVariable **) outputs->pdata, outputs->len, error) ||
          (gxs = dz_function_run_backward (function, gys, error)) == NULL)
        {
          ok = FALSE;
          break;
        }

      for (guint i = 0; ok && i < gxs->len; i++)
        ok = dz_walk_reach (&walk, fpriv->inputs[i], error) &&
             accumulate_grad (store, fpriv->inputs[i], g_ptr_array_index (gxs, i), error);

      for (guint i = 0; i < outputs->len; i++)
        if (g_ptr_array_index (outputs, i) != NULL)
          store_done_with (store, g_ptr_array_index (outputs, i));
    }

  dz_set_enable_backprop (previous_backprop);
  dz_walk_end (&walk);

  return ok;
}

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

typedef struct
{
  DzVariable *variable;   /* owned */
  DzArray *pending;       /* owned */
} LeafGrad;

typedef struct
{
  GArray *leaves;         /* LeafGrad: the leaves this pass reached */
  GHashTable *leaf_index; /* leaf -> its index + 1, once there are many */
  guint last_leaf;        /* where the last lookup found its leaf */
  DzVariable *root;       /* owned, once seeded */
  gboolean accumulate;    /* add to existing grads (backward), or not (dz_grad) */
  gboolean retain;
  GHashTable *wanted;     /* dz_grad: variables whose pending is the result */
} ArrayPass;

static void
array_pass_init (ArrayPass  *pass,
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

/* Adds @gx (transfer full) to the pending gradient of @variable. */
static gboolean
pending_add (ArrayPass   *pass,
             DzVariable  *variable,
             DzArray     *gx,
             GError     **error)
{
  DzVariablePrivate *priv = dz_variable_get_priv (variable);
  DzArray **pending, *sum;

  if (priv->constant)
    {
      g_object_unref (gx);
      return TRUE;
    }

  pending = pending_slot (pass, variable);
  if (*pending == NULL)
    {
      /* A leaf's stored gradient is added at the end (finish_array_pass),
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

  if (!check_unmodified (function, outputs, n_outputs, error))
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

static gboolean
run_backward_arrays (DzVariable  *root,
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
static gboolean
finish_array_pass (ArrayPass  *pass,
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


/* The output has data, and any gradient set on it has the data's shape. */
static gboolean
check_seed_shape (DzVariable  *self,
                  GError     **error)
{
  DzVariablePrivate *priv = dz_variable_get_priv (self);
  DzArray *data = dz_variable_peek_data (self);
  DzArray *grad_data;
  g_autofree char *grad_shape = NULL;
  g_autofree char *data_shape = NULL;

  if (data == NULL)
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_NO_DATA,
                           "Cannot run backward from a variable without data");
      return FALSE;
    }
  if (priv->grad == NULL)
    return TRUE;

  grad_data = dz_variable_peek_data (priv->grad);
  if (grad_data != NULL && dz_array_same_shape_ (grad_data, data))
    return TRUE;

  data_shape = dz_array_shape_to_string (data);
  grad_shape = grad_data ? dz_array_shape_to_string (grad_data) : g_strdup ("(no data)");
  g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
               "The gradient set on the output has shape %s, its data %s",
               grad_shape, data_shape);
  return FALSE;
}

/**
 * dz_variable_backward:
 * @self: a #DzVariable
 * @error: return location for a #GError
 *
 * Computes the gradient of @self with respect to every variable it was
 * computed from, and stores it in their #DzVariable:grad, adding to any
 * gradient already there. Same as dz_variable_backward_full() with
 * %DZ_BACKWARD_NONE.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
dz_variable_backward (DzVariable  *self,
                      GError     **error)
{
  return dz_variable_backward_full (self, DZ_BACKWARD_NONE, error);
}

/**
 * dz_variable_backward_full:
 * @self: a #DzVariable
 * @flags: #DzBackwardFlags
 * @error: return location for a #GError
 *
 * Runs backpropagation from @self. Its gradient is seeded with ones of its
 * shape unless a gradient was set on it already. Functions are visited in
 * decreasing generation, each exactly once, without recursion, so graphs of
 * any depth and shape work.
 *
 * Gradients accumulate: a variable used several times gets the sum of the
 * contributions, and a second backward pass adds to the first (see
 * dz_variable_clear_grad()).
 *
 * On failure (a user-defined function failing or returning gradients of
 * the wrong shape, an input or output given new data since the forward
 * pass, a pass started from a Function's backward on the graph being
 * walked) the pass stops: no leaf's gradient changes (with
 * %DZ_BACKWARD_CREATE_GRAPH no gradient at all, so nothing is left that
 * refers back to the graph), and every object remains valid.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
dz_variable_backward_full (DzVariable       *self,
                           DzBackwardFlags   flags,
                           GError          **error)
{
  gboolean retain = (flags & DZ_BACKWARD_RETAIN_GRAD) != 0;
  DzVariablePrivate *priv;
  ArrayPass pass;
  DzArray *seed;
  gboolean ok;

  g_return_val_if_fail (DZ_IS_VARIABLE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = dz_variable_get_priv (self);
  if (!check_seed_shape (self, error))
    return FALSE;

  /* The seed: a gradient set on @self, or ones. */
  if (priv->grad != NULL)
    seed = g_object_ref (dz_variable_peek_data (priv->grad));
  else if ((seed = dz_array_new_ones_like (dz_variable_peek_data (self), error)) == NULL)
    return FALSE;

  if (flags & DZ_BACKWARD_CREATE_GRAPH)
    {
      GradStore store;

      store_init (&store, NULL, retain);
      store_set (&store, self, priv->grad ? g_object_ref (priv->grad) : dz_variable_new_constant (g_object_ref (seed)));
      g_object_unref (seed);
      ok = run_backward (self, &store, error);
      if (ok)
        store_commit (&store);
      store_free (&store);
      return ok;
    }

  /* A leaf is its own result: the seed becomes its gradient. */
  if (priv->creator == NULL)
    {
      if (priv->grad == NULL)
        dz_variable_take_grad (self, dz_variable_new_constant (seed));
      else
        g_object_unref (seed);
      return TRUE;
    }

  array_pass_init (&pass, TRUE, retain, NULL);
  ok = run_backward_arrays (self, seed, &pass, error);
  return finish_array_pass (&pass, ok, error);
}

/* The gradient of an input the output does not depend on: zeros. */
static DzVariable *
zero_grad (DzVariable  *input,
           GError     **error)
{
  DzArray *zeros = dz_array_new_zeros_like (dz_variable_peek_data (input), error);

  return zeros ? dz_variable_new_take (zeros) : NULL;
}

/**
 * dz_grad:
 * @output: the variable to differentiate
 * @inputs: (element-type DzVariable): the variables to differentiate with
 *   respect to
 * @flags: %DZ_BACKWARD_CREATE_GRAPH to get differentiable gradients;
 *   %DZ_BACKWARD_RETAIN_GRAD has no meaning here and is ignored
 * @error: return location for a #GError
 *
 * Computes the gradient of @output (seeded with ones) with respect to each
 * of @inputs and returns them, like PyTorch's `torch.autograd.grad`: no
 * variable's #DzVariable:grad is read or written. An input that @output
 * does not depend on gets zeros of its shape.
 *
 * This is the way to take higher-order derivatives without reference
 * cycles: with %DZ_BACKWARD_CREATE_GRAPH, a gradient refers back to the
 * variables it came from, which is harmless as long as they do not hold it
 * in turn.
 *
 * Since nothing is written to the leaves, threads may call dz_grad() at
 * the same time on graphs of their own that share leaves (parameters, a
 * read-only input): each pass keeps its scratch to itself. Each graph's
 * functions and intermediate variables belong to one pass at a time.
 *
 * Returns: (transfer container) (element-type DzVariable): one gradient per
 *   input, in an array that releases them when freed; or %NULL with @error
 *   set
 */
GPtrArray *
dz_grad (DzVariable       *output,
         GPtrArray        *inputs,
         DzBackwardFlags   flags,
         GError          **error)
{
  g_autoptr(GHashTable) wanted = NULL;
  GradStore store;
  DzArray *data, *seed;
  GPtrArray *grads;

  g_return_val_if_fail (DZ_IS_VARIABLE (output), NULL);
  g_return_val_if_fail (inputs != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = dz_variable_peek_data (output);
  if (data == NULL)
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_NO_DATA,
                           "Cannot differentiate a variable without data");
      return NULL;
    }

  wanted = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < inputs->len; i++)
    {
      DzVariable *input = g_ptr_array_index (inputs, i);

      if (input == NULL || !DZ_IS_VARIABLE (input) ||
          !dz_variable_has_value (dz_variable_get_priv (input)))
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                       "Input %u to differentiate with respect to is not a variable with data", i);
          return NULL;
        }
      g_hash_table_add (wanted, input);
    }

  seed = dz_array_new_ones_like (data, error);
  if (seed == NULL)
    return NULL;
  grads = g_ptr_array_new_full (inputs->len, g_object_unref);

  if (!(flags & DZ_BACKWARD_CREATE_GRAPH))
    {
      ArrayPass pass;
      gboolean ok;

      array_pass_init (&pass, FALSE, FALSE, wanted);
      ok = run_backward_arrays (output, seed, &pass, error);
      for (guint i = 0; ok && i < inputs->len; i++)
        {
          DzVariable *input = g_ptr_array_index (inputs, i);
          DzArray *pending = *pending_slot (&pass, input);
          DzVariable *grad = pending ? dz_variable_new_take (g_object_ref (pending)) : zero_grad (input, error);

          ok = grad != NULL;
          if (ok)
            g_ptr_array_add (grads, grad);
        }
      /* Wanted intermediates kept their scratch gradient for this. */
      for (guint i = 0; i < inputs->len; i++)
        {
          DzVariablePrivate *ipriv = dz_variable_get_priv (g_ptr_array_index (inputs, i));

          if (ipriv->creator != NULL)
            g_clear_object (&ipriv->pending);
        }
      finish_array_pass (&pass, ok, NULL);
      if (!ok)
        g_clear_pointer (&grads, g_ptr_array_unref);
      return grads;
    }

  store_init (&store, wanted, FALSE);
  store_set (&store, output, dz_variable_new_constant (seed));

  if (!run_backward (output, &store, error))
    {
      store_free (&store);
      g_ptr_array_unref (grads);
      return NULL;
    }

  for (guint i = 0; grads != NULL && i < inputs->len; i++)
    {
      DzVariable *input = g_ptr_array_index (inputs, i);
      DzVariable *grad = g_hash_table_lookup (store.table, input);

      grad = grad ? g_object_ref (grad) : zero_grad (input, error);
      if (grad != NULL)
        g_ptr_array_add (grads, grad);
      else
        g_clear_pointer (&grads, g_ptr_array_unref);
    }
  store_free (&store);

  return grads;
}
