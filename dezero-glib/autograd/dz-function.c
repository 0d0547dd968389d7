/* dz-function.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "dz-array-private.h"
#include "dz-config.h"
#include "dz-error.h"
#include "dz-function-private.h"
#include "dz-live-private.h"
#include "dz-release-private.h"
#include "dz-scope-private.h"
#include "dz-variable-private.h"

/**
 * DzFunction:
 *
 * An operation on variables, and the node of the graph that remembers how
 * its outputs were computed.
 *
 * A subclass says only how to compute: #DzFunctionClass.forward() takes the
 * input arrays and returns the output arrays; #DzFunctionClass.backward()
 * takes one gradient per output and returns one gradient per input, each
 * of the shape of that input, computed with differentiable operations on
 * variables (dz_mul() and friends) so that the backward pass can itself be
 * recorded for higher-order derivatives.
 *
 * dz_function_call() runs forward and, while backpropagation is enabled
 * (see dz_set_enable_backprop()), links the graph: every output gets this
 * function as its creator, the function keeps strong references to its
 * inputs and weak references to its outputs. Each instance can be called
 * once, since it is the record of that one call.
 *
 * Whatever a subclass returns is checked: %NULL, the wrong number of
 * arrays, objects of the wrong type or gradients of the wrong shape become
 * a #GError, never a crash. This holds for subclasses written in Python or
 * JavaScript through GObject introspection as well.
 */

/**
 * DzFunctionClass::forward:
 * @self: the function
 * @xs: (element-type DzArray): the values of the inputs
 * @error: return location for a #GError
 *
 * Computes the outputs. Must not modify the input arrays (they are
 * immutable) and must return at least one array.
 *
 * Returns: (transfer full) (element-type DzArray): the output values, or
 *   %NULL with @error set
 */

/**
 * DzFunctionClass::backward:
 * @self: the function
 * @gys: (element-type DzVariable): the gradient of each output, in order
 * @error: return location for a #GError
 *
 * Computes the gradient of each input from the gradients of the outputs,
 * with operations on #DzVariable so that the computation can be recorded.
 * An output that received no gradient is given zeros of its shape.
 *
 * Returns: (transfer full) (element-type DzVariable): one gradient per
 *   input, each of that input's shape, or %NULL with @error set
 */

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (DzFunction, dz_function, G_TYPE_OBJECT)

/* Read by the inline dz_function_get_priv(): a call per access cost the
 * backward pass several nanoseconds per node. Set in class_init, before
 * any instance exists. */
gint dz_function_private_offset;

static void
dz_function_dispose (GObject *object)
{
  DzFunctionPrivate *priv = dz_function_get_priv (DZ_FUNCTION (object));

  /* Inputs head the rest of the graph: release them iteratively. */
  g_clear_pointer (&priv->inputs_view, g_ptr_array_unref);
  while (priv->n_inputs > 0)
    {
      gpointer input = priv->inputs[--priv->n_inputs];

      dz_unhold (input);
      dz_release (input);
    }
  if (!priv->disposed)
    {
      priv->disposed = TRUE;
      dz_live_dec (DZ_LIVE_FUNCTION);
    }

  G_OBJECT_CLASS (dz_function_parent_class)->dispose (object);
}

static void
dz_function_finalize (GObject *object)
{
  DzFunctionPrivate *priv = dz_function_get_priv (DZ_FUNCTION (object));

  for (guint i = 0; i < priv->n_outputs; i++)
    if (priv->outputs[i].ndim > 1)
      g_free (priv->outputs[i].shape.dims);
  if (priv->outputs != &priv->inline_output)
    g_free (priv->outputs);
  if (priv->inputs != priv->inline_inputs)
    g_free (priv->inputs);

  G_OBJECT_CLASS (dz_function_parent_class)->finalize (object);
}

static void
dz_function_class_init (DzFunctionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  dz_function_private_offset = DzFunction_private_offset;
  /* No GObject properties: functions are made once per graph node and
   * need none; dz_function_get_generation() is the getter. (GLib 2.74
   * freezes notifications at construction only for classes that override
   * notify, so properties would cost little; measured.) */
  object_class->dispose = dz_function_dispose;
  object_class->finalize = dz_function_finalize;
}

static void
dz_function_init (DzFunction *self)
{
  dz_live_inc (DZ_LIVE_FUNCTION);
  dz_function_get_priv (self)->inputs = dz_function_get_priv (self)->inline_inputs;
  dz_scope_track_new (self, &dz_function_get_priv (self)->holders);
}

/* Takes the elements out of a (transfer full) array returned by a virtual
 * function. Implementations may or may not have set a free function on it
 * (C code usually does, the language bindings do not), so the elements are
 * stolen and their references handled here either way. */
static gpointer *
steal_elements (GPtrArray *array,
                gsize     *n)
{
  gpointer *items = g_ptr_array_steal (array, n);

  g_ptr_array_unref (array);
  return items;
}

static void
free_elements (gpointer *items,
               gsize     n)
{
  for (gsize i = 0; i < n; i++)
    if (G_IS_OBJECT (items[i]))
      g_object_unref (items[i]);
  g_free (items);
}

/* A NULL from a virtual function with no error set is how PyGObject 3.42
 * reports an exception in a Python implementation. */
static void
propagate_vfunc_error (DzFunction  *self,
                       const char  *vfunc,
                       GError      *local_error,
                       GError     **error)
{
  if (local_error != NULL)
    {
      g_propagate_prefixed_error (error, local_error, "%s.%s: ",
                                  dz_function_get_name (self), vfunc);
      return;
    }

  g_set_error (error, DZ_ERROR, DZ_ERROR_FUNCTION_FAILED,
               "%s.%s failed without reporting an error", dz_function_get_name (self), vfunc);
}

static const char *
type_name_of (gpointer instance)
{
  return instance == NULL ? "NULL" :
         G_IS_OBJECT (instance) ? G_OBJECT_TYPE_NAME (instance) : "non-object";
}

static gboolean
check_forward_outputs (DzFunction  *self,
                       gpointer    *items,
                       gsize        n,
                       GError     **error)
{
  if (n == 0)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT,
                   "%s.forward returned no outputs", dz_function_get_name (self));
      return FALSE;
    }

  for (gsize i = 0; i < n; i++)
    if (items[i] == NULL || !DZ_IS_ARRAY (items[i]))
      {
        g_set_error (error, DZ_ERROR, DZ_ERROR_FUNCTION_FAILED,
                     "%s.forward returned %s as output %" G_GSIZE_FORMAT ", not a DzArray",
                     dz_function_get_name (self), type_name_of (items[i]), i);
        return FALSE;
      }

  return TRUE;
}

static void
record_output (DzOutputSlot *slot,
               DzVariable   *output)
{
  DzVariablePrivate *opriv = dz_variable_get_priv (output);
  guint ndim = dz_variable_value_ndim (opriv);

  slot->variable = output;
  slot->ndim = ndim;
  if (ndim == 1)
    slot->shape.dim = opriv->data->shape[0];
  else if (ndim > 1)
    slot->shape.dims = g_memdup2 (opriv->data->shape, ndim * sizeof (gsize));
}

/**
 * dz_function_call:
 * @self: a #DzFunction that has not been called yet
 * @inputs: (element-type DzVariable): the input variables
 * @error: return location for a #GError
 *
 * Applies @self to @inputs: runs #DzFunctionClass.forward() on their data,
 * wraps each output array in a new #DzVariable and, while backpropagation
 * is enabled, records the call in the graph.
 *
 * The returned array owns its elements: g_ptr_array_unref() releases them
 * (hence `transfer container`: language bindings take references of their
 * own to the elements).
 *
 * Returns: (transfer container) (element-type DzVariable): the outputs, or
 *   %NULL with @error set
 */
GPtrArray *
dz_function_call (DzFunction  *self,
                  GPtrArray   *inputs,
                  GError     **error)
{
  DzFunctionPrivate *priv;
  DzFunctionClass *klass;
  g_autoptr(GPtrArray) xs = NULL;
  GPtrArray *ys, *outputs;
  GError *local_error = NULL;
  gpointer *items;
  gsize n_items;

  g_return_val_if_fail (DZ_IS_FUNCTION (self), NULL);
  g_return_val_if_fail (inputs != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  priv = dz_function_get_priv (self);
  klass = DZ_FUNCTION_GET_CLASS (self);

  if (priv->called)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_FUNCTION_REUSED,
                   "This %s was already called; create a new one for each call",
                   dz_function_get_name (self));
      return NULL;
    }

  xs = g_ptr_array_sized_new (inputs->len);
  for (guint i = 0; i < inputs->len; i++)
    {
      DzVariable *input = g_ptr_array_index (inputs, i);
      DzArray *x;

      if (input == NULL || !DZ_IS_VARIABLE (input))
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                       "Input %u of %s is %s, not a DzVariable",
                       i, dz_function_get_name (self), type_name_of (input));
          return NULL;
        }
      x = dz_variable_peek_data (input);
      if (x == NULL)
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_NO_DATA,
                       "Input %u of %s has no data", i, dz_function_get_name (self));
          return NULL;
        }
      g_ptr_array_add (xs, x);
    }

  if (klass->forward == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_FUNCTION_FAILED,
                   "%s does not implement forward", dz_function_get_name (self));
      return NULL;
    }

  /* Called already while forward runs: a forward that calls its own
   * instance would otherwise record the call twice. A failed forward
   * leaves the instance unused. */
  priv->called = TRUE;
  ys = klass->forward (self, xs, &local_error);
  if (ys == NULL)
    {
      priv->called = FALSE;
      propagate_vfunc_error (self, "forward", local_error, error);
      return NULL;
    }
  if (local_error != NULL)
    g_clear_error (&local_error);

  items = steal_elements (ys, &n_items);
  if (!check_forward_outputs (self, items, n_items, error))
    {
      priv->called = FALSE;
      free_elements (items, n_items);
      return NULL;
    }

  outputs = g_ptr_array_new_full (n_items, g_object_unref);
  for (gsize i = 0; i < n_items; i++)
    g_ptr_array_add (outputs, dz_variable_new_take (items[i]));
  g_free (items);

  if (!dz_get_enable_backprop ())
    return outputs;

  dz_function_record (g_object_ref (self), (DzVariable **) inputs->pdata, inputs->len,
                      (DzVariable **) outputs->pdata, outputs->len);
  return outputs;
}

/* Links a call into the graph: called by dz_function_call() and by the
 * built-ins' fast path, with backpropagation enabled. Takes over the
 * caller's reference to @self, which saves a reference round trip (two
 * atomic operations) per node. */
void
dz_function_record (DzFunction  *self,
                    DzVariable **inputs,
                    guint        n_inputs,
                    DzVariable **outputs,
                    guint        n_outputs)
{
  DzFunctionPrivate *priv = dz_function_get_priv (self);
  int generation = 0;
  guint versions = 0;

  priv->called = TRUE;
  if (n_inputs > G_N_ELEMENTS (priv->inline_inputs))
    priv->inputs = g_new (DzVariable *, n_inputs);
  for (guint i = 0; i < n_inputs; i++)
    {
      DzVariable *input = g_object_ref (inputs[i]);
      DzVariablePrivate *ipriv = dz_variable_get_priv (input);

      generation = MAX (generation, ipriv->generation);
      versions += ipriv->version;
      dz_hold_count (&ipriv->holders);
      priv->inputs[i] = input;
    }
  priv->n_inputs = n_inputs;
  priv->generation = generation;
  priv->input_versions = versions;

  priv->n_outputs = n_outputs;
  priv->outputs = n_outputs == 1 ? &priv->inline_output : g_new0 (DzOutputSlot, n_outputs);
  for (guint i = 0; i < n_outputs; i++)
    {
      dz_variable_set_creator_ (outputs[i], i == 0 ? self : g_object_ref (self), generation + 1, i);
      record_output (&priv->outputs[i], outputs[i]);
    }
  if (n_outputs == 0)
    g_object_unref (self);
}

static char *
describe_variable (DzVariable *variable,
                   const char *role,
                   guint       index)
{
  const char *name = dz_variable_get_name (variable);

  if (name != NULL)
    return g_strdup_printf ("%s %u ('%s')", role, index, name);
  return g_strdup_printf ("%s %u", role, index);
}

/* Fails with DZ_ERROR_DATA_MODIFIED when an input or one of the live
 * @outputs got new data since the call, and with DZ_ERROR_NO_DATA when an
 * input lost it: the gradient would be computed at values the forward
 * pass never saw. One rule for every function, built-in or not. */
gboolean
dz_function_check_unmodified (DzFunction  *self,
                              DzVariable **outputs,
                              guint        n_outputs,
                              GError     **error)
{
  DzFunctionPrivate *priv = dz_function_get_priv (self);
  guint versions = 0, n_changed = 0, changed = 0;
  g_autofree char *which = NULL;

  for (guint i = 0; i < priv->n_inputs; i++)
    {
      DzVariablePrivate *ipriv = dz_variable_get_priv (priv->inputs[i]);

      if (G_UNLIKELY (!dz_variable_has_value (ipriv)))
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_NO_DATA,
                       "Input %u of %s lost its data before backward",
                       i, dz_function_get_name (self));
          return FALSE;
        }
      versions += ipriv->version;
    }

  if (G_UNLIKELY (((versions ^ priv->input_versions) & ((1u << 30) - 1)) != 0))
    {
      /* Versions only grow from 0, so an input still at 0 was not the one
       * modified; usually exactly one candidate is left. */
      for (guint i = 0; i < priv->n_inputs; i++)
        if (dz_variable_get_priv (priv->inputs[i])->version != 0)
          {
            n_changed++;
            changed = i;
          }
      which = n_changed == 1 ? describe_variable (priv->inputs[changed], "input", changed)
                             : g_strdup ("an input");
      g_set_error (error, DZ_ERROR, DZ_ERROR_DATA_MODIFIED,
                   "Cannot backpropagate through %s: %s was modified by set_data "
                   "after the forward pass", dz_function_get_name (self), which);
      return FALSE;
    }

  for (guint i = 0; i < n_outputs; i++)
    if (outputs[i] != NULL && G_UNLIKELY (dz_variable_get_priv (outputs[i])->version != 0))
      {
        which = describe_variable (outputs[i], "output", i);
        g_set_error (error, DZ_ERROR, DZ_ERROR_DATA_MODIFIED,
                     "Cannot backpropagate through %s: %s was modified by set_data "
                     "after the forward pass", dz_function_get_name (self), which);
        return FALSE;
      }

  return TRUE;
}

/* The weak pointer's read side: a new reference, or NULL if gone. */
DzVariable *
dz_function_ref_output (DzFunction *self,
                        guint       index)
{
  DzFunctionPrivate *priv = dz_function_get_priv (self);
  DzVariable *output;

  g_bit_lock (&priv->outputs_lock, 0);
  output = priv->outputs[index].variable;
  if (output != NULL)
    g_object_ref (output);
  g_bit_unlock (&priv->outputs_lock, 0);

  return output;
}

/* The weak pointer's clearing side, called by the output as it goes. */
void
dz_function_forget_output (DzFunction *self,
                           guint       index,
                           DzVariable *output)
{
  DzFunctionPrivate *priv = dz_function_get_priv (self);

  g_bit_lock (&priv->outputs_lock, 0);
  if (index < priv->n_outputs && priv->outputs[index].variable == output)
    priv->outputs[index].variable = NULL;
  g_bit_unlock (&priv->outputs_lock, 0);
}

static DzVariable *
call_single_output (DzFunction  *self,
                    GPtrArray   *inputs,
                    GError     **error)
{
  g_autoptr(GPtrArray) outputs = dz_function_call (self, inputs, error);

  if (outputs == NULL)
    return NULL;

  if (outputs->len != 1)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT,
                   "%s returned %u outputs where one was expected",
                   dz_function_get_name (self), outputs->len);
      return NULL;
    }

  return g_object_ref (g_ptr_array_index (outputs, 0));
}

/**
 * dz_function_call_unary:
 * @self: a #DzFunction that has not been called yet
 * @x: the input
 * @error: return location for a #GError
 *
 * Calls @self, which must have exactly one output, on one input.
 *
 * Returns: (transfer full): the output, or %NULL with @error set
 */
DzVariable *
dz_function_call_unary (DzFunction  *self,
                        DzVariable  *x,
                        GError     **error)
{
  DzVariable *args[1] = { x };
  GPtrArray inputs = { (gpointer *) args, 1 };

  g_return_val_if_fail (DZ_IS_FUNCTION (self), NULL);

  return call_single_output (self, &inputs, error);
}

/**
 * dz_function_call_binary:
 * @self: a #DzFunction that has not been called yet
 * @a: the first input
 * @b: the second input
 * @error: return location for a #GError
 *
 * Calls @self, which must have exactly one output, on two inputs.
 *
 * Returns: (transfer full): the output, or %NULL with @error set
 */
DzVariable *
dz_function_call_binary (DzFunction  *self,
                         DzVariable  *a,
                         DzVariable  *b,
                         GError     **error)
{
  DzVariable *args[2] = { a, b };
  GPtrArray inputs = { (gpointer *) args, 2 };

  g_return_val_if_fail (DZ_IS_FUNCTION (self), NULL);

  return call_single_output (self, &inputs, error);
}

GPtrArray *
dz_function_run_backward (DzFunction  *self,
                          GPtrArray   *gys,
                          GError     **error)
{
  DzFunctionPrivate *priv = dz_function_get_priv (self);
  DzFunctionClass *klass = DZ_FUNCTION_GET_CLASS (self);
  GError *local_error = NULL;
  GPtrArray *result, *gxs;
  gpointer *items;
  gsize n_items;

  if (klass->backward == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_FUNCTION_FAILED,
                   "%s does not implement backward", dz_function_get_name (self));
      return NULL;
    }

  result = klass->backward (self, gys, &local_error);
  if (result == NULL)
    {
      propagate_vfunc_error (self, "backward", local_error, error);
      return NULL;
    }
  if (local_error != NULL)
    g_clear_error (&local_error);

  items = steal_elements (result, &n_items);
  if (n_items != priv->n_inputs)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT,
                   "%s.backward returned %" G_GSIZE_FORMAT " gradients for %u inputs",
                   dz_function_get_name (self), n_items, priv->n_inputs);
      free_elements (items, n_items);
      return NULL;
    }

  for (gsize i = 0; i < n_items; i++)
    {
      DzArray *x = dz_variable_peek_data (priv->inputs[i]);
      DzArray *gx;
      g_autofree char *gx_shape = NULL;
      g_autofree char *x_shape = NULL;

      if (items[i] == NULL || !DZ_IS_VARIABLE (items[i]))
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_FUNCTION_FAILED,
                       "%s.backward returned %s as gradient %" G_GSIZE_FORMAT
                       ", not a DzVariable",
                       dz_function_get_name (self), type_name_of (items[i]), i);
          free_elements (items, n_items);
          return NULL;
        }

      gx = dz_variable_peek_data (items[i]);
      if (gx != NULL && x != NULL && dz_array_same_shape (gx, x))
        continue;

      if (gx == NULL)
        g_set_error (error, DZ_ERROR, DZ_ERROR_NO_DATA,
                     "%s.backward returned a gradient without data for input %" G_GSIZE_FORMAT,
                     dz_function_get_name (self), i);
      else if (x == NULL)
        g_set_error (error, DZ_ERROR, DZ_ERROR_NO_DATA,
                     "Input %" G_GSIZE_FORMAT " of %s lost its data before backward",
                     i, dz_function_get_name (self));
      else
        {
          gx_shape = dz_array_shape_to_string (gx);
          x_shape = dz_array_shape_to_string (x);
          g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                       "%s.backward returned a gradient of shape %s for input %"
                       G_GSIZE_FORMAT " of shape %s",
                       dz_function_get_name (self), gx_shape, i, x_shape);
        }
      free_elements (items, n_items);
      return NULL;
    }

  gxs = g_ptr_array_new_full (n_items, g_object_unref);
  for (gsize i = 0; i < n_items; i++)
    g_ptr_array_add (gxs, items[i]);
  g_free (items);

  return gxs;
}

/**
 * dz_function_get_inputs:
 * @self: a #DzFunction
 *
 * Returns the inputs of the recorded call; empty when @self was not called
 * or was called with backpropagation disabled.
 *
 * Returns: (transfer none) (element-type DzVariable): the inputs
 */
GPtrArray *
dz_function_get_inputs (DzFunction *self)
{
  DzFunctionPrivate *priv;
  GPtrArray *view;

  g_return_val_if_fail (DZ_IS_FUNCTION (self), NULL);

  priv = dz_function_get_priv (self);
  view = g_atomic_pointer_get (&priv->inputs_view);
  if (view != NULL)
    return view;

  /* Before the call, and during its forward, there are no inputs yet, but
   * there will be: only a recorded list is cached. */
  if (priv->n_inputs == 0)
    {
      static GPtrArray *none;

      if (g_once_init_enter (&none))
        g_once_init_leave (&none, g_ptr_array_new ());
      return none;
    }

  view = g_ptr_array_sized_new (priv->n_inputs);
  for (guint i = 0; i < priv->n_inputs; i++)
    g_ptr_array_add (view, priv->inputs[i]);
  if (!g_atomic_pointer_compare_and_exchange (&priv->inputs_view, NULL, view))
    {
      g_ptr_array_unref (view);
      view = g_atomic_pointer_get (&priv->inputs_view);
    }
  return view;
}

/**
 * dz_function_get_n_inputs:
 * @self: a #DzFunction
 *
 * Gets the number of inputs of the recorded call; 0 when @self was not
 * called or was called with backpropagation disabled.
 *
 * Returns: the number of recorded inputs
 */
guint
dz_function_get_n_inputs (DzFunction *self)
{
  g_return_val_if_fail (DZ_IS_FUNCTION (self), 0);

  return dz_function_get_priv (self)->n_inputs;
}

/**
 * dz_function_get_input:
 * @self: a #DzFunction
 * @index: which input
 *
 * Gets one of the inputs of the recorded call. @index must be below
 * dz_function_get_n_inputs().
 *
 * Returns: (transfer none): the input at @index
 */
DzVariable *
dz_function_get_input (DzFunction *self,
                       guint       index)
{
  DzFunctionPrivate *priv;

  g_return_val_if_fail (DZ_IS_FUNCTION (self), NULL);
  priv = dz_function_get_priv (self);
  g_return_val_if_fail (index < priv->n_inputs, NULL);

  return priv->inputs[index];
}

/**
 * dz_function_get_n_outputs:
 * @self: a #DzFunction
 *
 * Gets the number of outputs of the recorded call, counting those that
 * were already finalized (the function holds its outputs only weakly).
 *
 * Returns: the number of recorded outputs, alive or not
 */
guint
dz_function_get_n_outputs (DzFunction *self)
{
  g_return_val_if_fail (DZ_IS_FUNCTION (self), 0);

  return dz_function_get_priv (self)->n_outputs;
}

/**
 * dz_function_get_output:
 * @self: a #DzFunction
 * @index: which output
 *
 * Returns the output at @index if it is still alive. The function holds
 * its outputs weakly, so an output nobody else holds is gone.
 *
 * Returns: (transfer full) (nullable): the output, or %NULL if it was
 *   finalized
 */
DzVariable *
dz_function_get_output (DzFunction *self,
                        guint       index)
{
  DzFunctionPrivate *priv;

  g_return_val_if_fail (DZ_IS_FUNCTION (self), NULL);
  priv = dz_function_get_priv (self);
  g_return_val_if_fail (index < priv->n_outputs, NULL);

  return dz_function_ref_output (self, index);
}

/**
 * dz_function_get_outputs:
 * @self: a #DzFunction
 *
 * Returns the outputs that are still alive, in order. Use
 * dz_function_get_output() to know which position each one had.
 *
 * Returns: (transfer container) (element-type DzVariable): the live
 *   outputs, in an array that releases them when freed
 */
GPtrArray *
dz_function_get_outputs (DzFunction *self)
{
  DzFunctionPrivate *priv;
  GPtrArray *outputs;

  g_return_val_if_fail (DZ_IS_FUNCTION (self), NULL);

  priv = dz_function_get_priv (self);
  outputs = g_ptr_array_new_full (priv->n_outputs, g_object_unref);
  for (guint i = 0; i < priv->n_outputs; i++)
    {
      DzVariable *output = dz_function_ref_output (self, i);

      if (output != NULL)
        g_ptr_array_add (outputs, output);
    }

  return outputs;
}

/**
 * dz_function_get_generation:
 * @self: a #DzFunction
 *
 * Gets the generation of @self: the largest generation of its inputs.
 * The backward pass visits functions from the highest generation down.
 *
 * Returns: the generation of @self, see #DzFunction:generation
 */
int
dz_function_get_generation (DzFunction *self)
{
  g_return_val_if_fail (DZ_IS_FUNCTION (self), 0);

  return dz_function_get_priv (self)->generation;
}

/**
 * dz_function_get_name:
 * @self: a #DzFunction
 *
 * Returns a short name for messages and graph pictures: the type name
 * without the `Dz` prefix of built-ins or the module prefix that Python
 * and GJS give the classes they register.
 *
 * Returns: the name of the function's type
 */
const char *
dz_function_get_name (DzFunction *self)
{
  const char *name, *plus;

  g_return_val_if_fail (DZ_IS_FUNCTION (self), NULL);

  name = G_OBJECT_TYPE_NAME (self);
  if ((plus = strrchr (name, '+')) != NULL)
    return plus + 1;
  if (g_str_has_prefix (name, "Gjs_"))
    return name + 4;
  if (g_str_has_prefix (name, "Dz") && g_ascii_isupper (name[2]))
    return name + 2;
  return name;
}
