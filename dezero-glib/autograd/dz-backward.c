/* dz-backward.c: reverse-mode differentiation over the recorded graph:
 * the public entry points, which pick one of the two engines
 * (dz-backward-private.h)
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

      dz_grad_store_init (&store, NULL, retain);
      dz_grad_store_set (&store, self, priv->grad ? g_object_ref (priv->grad) : dz_variable_new_constant (g_object_ref (seed)));
      g_object_unref (seed);
      ok = dz_backward_graph_run (self, &store, error);
      if (ok)
        dz_grad_store_commit (&store);
      dz_grad_store_free (&store);
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

  dz_array_pass_init (&pass, TRUE, retain, NULL);
  ok = dz_backward_arrays_run (self, seed, &pass, error);
  return dz_array_pass_finish (&pass, ok, error);
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

      dz_array_pass_init (&pass, FALSE, FALSE, wanted);
      ok = dz_backward_arrays_run (output, seed, &pass, error);
      for (guint i = 0; ok && i < inputs->len; i++)
        {
          DzVariable *input = g_ptr_array_index (inputs, i);
          DzArray *pending = *dz_array_pass_slot (&pass, input);
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
      dz_array_pass_finish (&pass, ok, NULL);
      if (!ok)
        g_clear_pointer (&grads, g_ptr_array_unref);
      return grads;
    }

  dz_grad_store_init (&store, wanted, FALSE);
  dz_grad_store_set (&store, output, dz_variable_new_constant (seed));

  if (!dz_backward_graph_run (output, &store, error))
    {
      dz_grad_store_free (&store);
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
  dz_grad_store_free (&store);

  return grads;
}
