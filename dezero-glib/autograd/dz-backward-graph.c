/* dz-backward-graph.c: backward with create_graph, recording the
 * backward computation so that it can be differentiated again
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

void
dz_grad_store_init (GradStore  *store,
            GHashTable *wanted,
            gboolean    retain)
{
  store->table = g_hash_table_new_full (NULL, NULL, g_object_unref, dz_unref_if_set);
  store->wanted = wanted;
  store->given = g_hash_table_new (NULL, NULL);
  store->retain = retain;
}

void
dz_grad_store_free (GradStore *store)
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
void
dz_grad_store_set (GradStore  *store,
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
    dz_grad_store_set (store, variable, NULL);
  else if (!g_hash_table_contains (store->wanted, variable))
    g_hash_table_remove (store->table, variable);
}

/* A successful backward pass stores its gradients on the variables. */
void
dz_grad_store_commit (GradStore *store)
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
      if (g_atomic_int_get (&G_OBJECT (gx)->ref_count) == 1 || gpriv->creator != NULL)
        {
          DzVariable *grad = distinct_grad (store, gx, error);

          if (grad == NULL)
            return FALSE;
          dz_grad_store_set (store, input, grad);
        }
      else if (gpriv->constant)
        dz_grad_store_set (store, input, dz_variable_new_constant (g_object_ref (dz_variable_peek_data (gx))));
      else
        dz_grad_store_set (store, input, dz_variable_new_take (g_object_ref (dz_variable_peek_data (gx))));
      return TRUE;
    }

  sum = dz_add (current, gx, error);
  if (sum == NULL)
    {
      g_prefix_error (error, "Cannot accumulate the gradient: ");
      return FALSE;
    }

  dz_grad_store_set (store, input, sum);
  return TRUE;
}

/* The pass itself, recording the backward computation: from the creator
 * of @root, whose gradient is already in @store, back to the leaves. */
gboolean
dz_backward_graph_run (DzVariable   *root,
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
      g_autoptr(GPtrArray) outputs = g_ptr_array_new_with_free_func (dz_unref_if_set);
      g_autoptr(GPtrArray) gys = collect_output_grads (store, function, outputs, error);
      g_autoptr(GPtrArray) gxs = NULL;

      if (gys == NULL ||
          !dz_backward_check_unmodified (function, (DzVariable **) outputs->pdata, outputs->len, error) ||
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
