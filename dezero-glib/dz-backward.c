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

/* Functions waiting for their backward step, highest generation first: a
 * function runs only once every function consuming its outputs has, so
 * each gradient is complete before it propagates. A binary heap costs
 * O(log n) per function where DeZero re-sorts the whole list. */
typedef struct
{
  int generation;
  DzFunction *function;
} HeapEntry;

typedef struct
{
  HeapEntry *entries;
  gsize len, capacity;
} FunctionHeap;

static void
heap_push (FunctionHeap *heap,
           DzFunction   *function)
{
  HeapEntry entry = { dz_function_get_priv (function)->generation,
                      g_object_ref (function) };
  gsize i;

  if (heap->len == heap->capacity)
    {
      heap->capacity = MAX (16, heap->capacity * 2);
      heap->entries = g_renew (HeapEntry, heap->entries, heap->capacity);
    }

  for (i = heap->len++; i > 0; i = (i - 1) / 2)
    {
      gsize parent = (i - 1) / 2;

      if (heap->entries[parent].generation >= entry.generation)
        break;
      heap->entries[i] = heap->entries[parent];
    }
  heap->entries[i] = entry;
}

/* Returns the function with the highest generation; the caller owns it. */
static DzFunction *
heap_pop (FunctionHeap *heap)
{
  DzFunction *top = heap->entries[0].function;
  HeapEntry last = heap->entries[--heap->len];
  gsize i = 0;

  for (;;)
    {
      gsize child = 2 * i + 1;

      if (child >= heap->len)
        break;
      if (child + 1 < heap->len &&
          heap->entries[child + 1].generation > heap->entries[child].generation)
        child++;
      if (heap->entries[child].generation <= last.generation)
        break;
      heap->entries[i] = heap->entries[child];
      i = child;
    }
  if (heap->len > 0)
    heap->entries[i] = last;

  return top;
}

static void
heap_clear (FunctionHeap *heap)
{
  for (gsize i = 0; i < heap->len; i++)
    g_object_unref (heap->entries[i].function);
  g_free (heap->entries);
}

/* Every backward pass gets an id; a function whose queued_pass equals it is
 * already queued. 64 bits do not wrap. */
static guint64 last_pass_id;

static guint64
next_pass_id (void)
{
  static GMutex lock;
  guint64 id;

  g_mutex_lock (&lock);
  id = ++last_pass_id;
  g_mutex_unlock (&lock);
  return id;
}

/* Where a pass keeps gradients: on the variables themselves (backward), or
 * in a table that leaves every variable untouched (dz_grad()). */
typedef struct
{
  GHashTable *table;    /* variable -> gradient, owned; NULL: on variables */
  GHashTable *wanted;   /* with a table: the variables asked for */
  gboolean retain;
} GradStore;

static DzVariable *
store_get (GradStore  *store,
           DzVariable *variable)
{
  if (store->table != NULL)
    return g_hash_table_lookup (store->table, variable);
  return dz_variable_get_priv (variable)->grad;
}

/* Takes ownership of @grad. */
static void
store_set (GradStore  *store,
           DzVariable *variable,
           DzVariable *grad)
{
  if (store->table != NULL)
    g_hash_table_replace (store->table, variable, grad);
  else
    dz_variable_take_grad (variable, grad);
}

/* An output's gradient has been folded into its function's inputs. */
static void
store_done_with (GradStore  *store,
                 DzVariable *variable)
{
  if (store->retain)
    return;
  if (store->table != NULL)
    {
      if (!g_hash_table_contains (store->wanted, variable))
        g_hash_table_remove (store->table, variable);
    }
  else
    dz_variable_clear_grad (variable);
}

/* The gradient arriving at each output of @function. An output that was
 * dropped, or did not take part in the result, contributes zeros. */
static GPtrArray *
collect_output_grads (GradStore  *store,
                      DzFunction *function,
                      GPtrArray  *alive_outputs)
{
  DzFunctionPrivate *priv = dz_function_get_priv (function);
  GPtrArray *gys = g_ptr_array_new_full (priv->n_outputs, g_object_unref);

  for (guint i = 0; i < priv->n_outputs; i++)
    {
      DzOutputSlot *slot = &priv->outputs[i];
      DzVariable *output = dz_function_ref_output (function, i);
      DzVariable *grad = output ? store_get (store, output) : NULL;

      if (grad != NULL)
        g_ptr_array_add (gys, g_object_ref (grad));
      else
        g_ptr_array_add (gys, dz_variable_new_constant (dz_array_new_zeros (dz_output_slot_shape (slot), slot->ndim, NULL)));

      if (output != NULL)
        g_ptr_array_add (alive_outputs, output);
    }

  return gys;
}

/* Adds @gx into the gradient of @input. Arrays are immutable, so sharing one
 * between gradients is safe; a gradient *variable* is not shared, though,
 * or replacing the data of one gradient would change another. */
static gboolean
accumulate_grad (GradStore   *store,
                 DzVariable  *input,
                 DzVariable  *gx,
                 gboolean     create_graph,
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
       * it is kept as it is. */
      if (G_OBJECT (gx)->ref_count == 1 || gpriv->creator != NULL)
        store_set (store, input, g_object_ref (gx));
      else if (gpriv->constant)
        store_set (store, input, dz_variable_new_constant (g_object_ref (dz_variable_peek_data (gx))));
      else
        store_set (store, input, dz_variable_new_take (g_object_ref (dz_variable_peek_data (gx))));
      return TRUE;
    }

  if (create_graph)
    sum = dz_add (current, gx, error);
  else
    {
      DzArray *data = dz_array_add (dz_variable_peek_data (current), dz_variable_peek_data (gx), error);

      sum = data ? dz_variable_new_take (data) : NULL;
    }
  if (sum == NULL)
    {
      g_prefix_error (error, "Cannot accumulate the gradient: ");
      return FALSE;
    }

  store_set (store, input, sum);
  return TRUE;
}

/* The pass itself: from the creator of @root, whose gradient is already in
 * @store, back to the leaves. */
static gboolean
run_backward (DzVariable   *root,
              GradStore    *store,
              gboolean      create_graph,
              GError      **error)
{
  DzFunction *root_creator = dz_variable_get_priv (root)->creator;
  FunctionHeap heap = { NULL, 0, 0 };
  gboolean previous_backprop, ok = TRUE;
  guint64 pass;

  if (root_creator == NULL)
    return TRUE;

  pass = next_pass_id ();
  dz_function_get_priv (root_creator)->queued_pass = pass;
  heap_push (&heap, root_creator);

  /* The backward computations are themselves recorded only when a
   * differentiable gradient was asked for. */
  previous_backprop = dz_set_enable_backprop (create_graph);

  while (ok && heap.len > 0)
    {
      g_autoptr(DzFunction) function = heap_pop (&heap);
      DzFunctionPrivate *fpriv = dz_function_get_priv (function);
      g_autoptr(GPtrArray) alive_outputs = g_ptr_array_new_with_free_func (g_object_unref);
      g_autoptr(GPtrArray) gys = collect_output_grads (store, function, alive_outputs);
      g_autoptr(GPtrArray) gxs = dz_function_run_backward (function, gys, error);

      if (gxs == NULL)
        {
          ok = FALSE;
          break;
        }

      for (guint i = 0; i < gxs->len; i++)
        {
          DzVariable *input = fpriv->inputs[i];
          DzFunction *creator = dz_variable_get_priv (input)->creator;

          if (!accumulate_grad (store, input, g_ptr_array_index (gxs, i), create_graph, error))
            {
              ok = FALSE;
              break;
            }

          if (creator != NULL && dz_function_get_priv (creator)->queued_pass != pass)
            {
              dz_function_get_priv (creator)->queued_pass = pass;
              heap_push (&heap, creator);
            }
        }

      for (guint i = 0; i < alive_outputs->len; i++)
        store_done_with (store, g_ptr_array_index (alive_outputs, i));
    }

  dz_set_enable_backprop (previous_backprop);
  heap_clear (&heap);

  return ok;
}

/* --- Without create_graph: gradients as arrays --------------------------
 *
 * Nothing of the backward computation needs to be differentiable, so the
 * pass works on arrays: each variable keeps its gradient so far in
 * priv->pending, built-ins use their fused array kernels, and only the
 * variables that keep a gradient (leaves, or all with retain_grad) get a
 * gradient #DzVariable, once, at the end. No function or variable is
 * created for intermediate gradients. */

typedef struct
{
  GPtrArray *touched;     /* leaves (and the root) with a pending gradient, owned */
  gboolean accumulate;    /* start from existing grads (backward), or not (dz_grad) */
  gboolean retain;
  GHashTable *wanted;     /* dz_grad: variables whose pending is the result */
} ArrayPass;

/* Adds @gx (transfer full) to the pending gradient of @variable. */
static gboolean
pending_add (ArrayPass   *pass,
             DzVariable  *variable,
             DzArray     *gx,
             GError     **error)
{
  DzVariablePrivate *priv = dz_variable_get_priv (variable);
  DzArray *sum;

  if (priv->constant)
    {
      g_object_unref (gx);
      return TRUE;
    }

  if (priv->pending == NULL)
    {
      DzVariable *existing = pass->accumulate ? priv->grad : NULL;
      DzArray *existing_data = existing ? dz_variable_peek_data (existing) : NULL;

      /* An intermediate's pending gradient is consumed when its creator
       * runs; only leaves need finding again at the end. */
      if (priv->creator == NULL)
        g_ptr_array_add (pass->touched, g_object_ref (variable));
      if (existing_data == NULL)
        {
          priv->pending = gx;
          return TRUE;
        }
      priv->pending = g_object_ref (existing_data);
    }

  if (!dz_array_same_shape_ (priv->pending, gx))
    {
      g_autofree char *a = dz_array_shape_to_string (priv->pending);
      g_autofree char *b = dz_array_shape_to_string (gx);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "Cannot accumulate the gradient: shapes %s and %s", a, b);
      g_object_unref (gx);
      return FALSE;
    }

  /* An array only this pass holds can take the sum in place. */
  if (dz_array_is_exclusive (priv->pending))
    {
      dz_kernel_add_inplace (priv->pending, gx);
      g_object_unref (gx);
      return TRUE;
    }

  sum = dz_array_add (priv->pending, gx, NULL);
  g_object_unref (gx);
  g_object_unref (priv->pending);
  priv->pending = sum;
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
      /* Built-ins have one output; their kernels need every input's data
       * and the output gradient to have one shape. */
      for (guint i = 0; i < fpriv->n_inputs; i++)
        {
          DzVariablePrivate *xpriv = dz_variable_get_priv (fpriv->inputs[i]);

          if (!dz_variable_value_same_shape (xpriv, gys[0]))
            {
              g_set_error (error, DZ_ERROR,
                           dz_variable_has_value (xpriv) ? DZ_ERROR_SHAPE_MISMATCH : DZ_ERROR_NO_DATA,
                           "Input %u of %s changed since the forward pass",
                           i, dz_function_get_name (function));
              g_object_unref (gys[0]);
              return FALSE;
            }
        }
      return dz_op_gradient (function, outputs[0], gys[0], gxs, error);
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

static gboolean
run_backward_arrays (DzVariable  *root,
                     DzArray     *seed,
                     ArrayPass   *pass,
                     GError     **error)
{
  DzFunction *root_creator = dz_variable_get_priv (root)->creator;
  FunctionHeap heap = { NULL, 0, 0 };
  gboolean previous_backprop, ok = TRUE;
  guint64 id;

  /* The seed is the root's whole gradient, not an addition to it. */
  g_ptr_array_add (pass->touched, g_object_ref (root));
  g_clear_object (&dz_variable_get_priv (root)->pending);
  dz_variable_get_priv (root)->pending = seed;
  if (root_creator == NULL)
    return TRUE;

  id = next_pass_id ();
  dz_function_get_priv (root_creator)->queued_pass = id;
  heap_push (&heap, root_creator);
  previous_backprop = dz_set_enable_backprop (FALSE);

  while (ok && heap.len > 0)
    {
      g_autoptr(DzFunction) function = heap_pop (&heap);
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

      ok = function_gradient (function, gys, outputs, n_out, gxs, error);

      for (guint i = 0; ok && i < n_in; i++)
        {
          DzVariable *input = fpriv->inputs[i];
          DzFunction *creator = dz_variable_get_priv (input)->creator;

          ok = pending_add (pass, input, g_steal_pointer (&gxs[i]), error);
          if (ok && creator != NULL && dz_function_get_priv (creator)->queued_pass != id)
            {
              dz_function_get_priv (creator)->queued_pass = id;
              heap_push (&heap, creator);
            }
        }

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
  while (heap.len > 0)
    {
      g_autoptr(DzFunction) function = heap_pop (&heap);

      for (guint i = 0; i < dz_function_get_priv (function)->n_outputs; i++)
        {
          g_autoptr(DzVariable) output = dz_function_ref_output (function, i);

          if (output != NULL)
            g_clear_object (&dz_variable_get_priv (output)->pending);
        }
    }

  dz_set_enable_backprop (previous_backprop);
  heap_clear (&heap);
  return ok;
}

/* Ends an array pass: leaves take their gradients (on success), and all
 * scratch is cleared. */
static void
finish_array_pass (ArrayPass *pass,
                   gboolean   ok)
{
  for (guint i = 0; i < pass->touched->len; i++)
    {
      DzVariable *variable = g_ptr_array_index (pass->touched, i);
      DzVariablePrivate *priv = dz_variable_get_priv (variable);

      if (ok && priv->pending != NULL && pass->wanted == NULL)
        pending_to_grad (variable);
      g_clear_object (&priv->pending);
    }
  g_ptr_array_unref (pass->touched);
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

/* check_seed_shape(), then seeds a missing gradient with ones. */
static gboolean
check_seed (DzVariable  *self,
            GError     **error)
{
  DzVariablePrivate *priv = dz_variable_get_priv (self);

  if (!check_seed_shape (self, error))
    return FALSE;
  if (priv->grad == NULL)
    dz_variable_take_grad (self, dz_variable_new_constant (dz_array_new_ones_like (dz_variable_peek_data (self))));
  return TRUE;
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
 * the wrong shape) the pass stops; gradients stored so far stay, and every
 * object remains valid.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
dz_variable_backward_full (DzVariable       *self,
                           DzBackwardFlags   flags,
                           GError          **error)
{
  GradStore store = { NULL, NULL, (flags & DZ_BACKWARD_RETAIN_GRAD) != 0 };
  DzVariablePrivate *priv;
  ArrayPass pass;
  gboolean ok;

  g_return_val_if_fail (DZ_IS_VARIABLE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (flags & DZ_BACKWARD_CREATE_GRAPH)
    {
      if (!check_seed (self, error))
        return FALSE;
      return run_backward (self, &store, TRUE, error);
    }

  priv = dz_variable_get_priv (self);
  if (!check_seed_shape (self, error))
    return FALSE;

  /* A leaf is its own result: the seed becomes its gradient. */
  if (priv->creator == NULL)
    {
      if (priv->grad == NULL)
        dz_variable_take_grad (self, dz_variable_new_constant (dz_array_new_ones_like (dz_variable_peek_data (self))));
      return TRUE;
    }

  pass = (ArrayPass) { g_ptr_array_new_with_free_func (g_object_unref), TRUE, store.retain, NULL };
  ok = run_backward_arrays (self, priv->grad ? g_object_ref (dz_variable_peek_data (priv->grad))
                                             : dz_array_new_ones_like (dz_variable_peek_data (self)),
                            &pass, error);
  finish_array_pass (&pass, ok);
  return ok;
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
  g_autoptr(GHashTable) table = NULL;
  g_autoptr(GHashTable) wanted = NULL;
  GradStore store;
  DzArray *data;
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

  grads = g_ptr_array_new_full (inputs->len, g_object_unref);

  if (!(flags & DZ_BACKWARD_CREATE_GRAPH))
    {
      ArrayPass pass = { g_ptr_array_new_with_free_func (g_object_unref), FALSE, FALSE, wanted };
      gboolean ok = run_backward_arrays (output, dz_array_new_ones_like (data), &pass, error);

      for (guint i = 0; ok && i < inputs->len; i++)
        {
          DzVariable *input = g_ptr_array_index (inputs, i);
          DzVariablePrivate *ipriv = dz_variable_get_priv (input);

          g_ptr_array_add (grads, dz_variable_new_take (ipriv->pending ? g_object_ref (ipriv->pending)
                                                        : dz_array_new_zeros_like (dz_variable_peek_data (input))));
        }
      /* Wanted intermediates kept their scratch gradient for this. */
      for (guint i = 0; i < inputs->len; i++)
        g_clear_object (&dz_variable_get_priv (g_ptr_array_index (inputs, i))->pending);
      finish_array_pass (&pass, ok);
      if (!ok)
        g_clear_pointer (&grads, g_ptr_array_unref);
      return grads;
    }

  table = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  g_hash_table_insert (table, output, dz_variable_new_constant (dz_array_new_ones_like (data)));
  store = (GradStore) { table, wanted, FALSE };

  if (!run_backward (output, &store, TRUE, error))
    {
      g_ptr_array_unref (grads);
      return NULL;
    }

  for (guint i = 0; i < inputs->len; i++)
    {
      DzVariable *input = g_ptr_array_index (inputs, i);
      DzVariable *grad = g_hash_table_lookup (table, input);

      g_ptr_array_add (grads, grad ? g_object_ref (grad)
                       : dz_variable_new_take (dz_array_new_zeros_like (dz_variable_peek_data (input))));
    }

  return grads;
}
