/* dz-op.c: the base of the built-in operations
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <stdarg.h>

#include "dz-config.h"
#include "dz-error.h"
#include "dz-op-private.h"

G_DEFINE_ABSTRACT_TYPE (DzOp, dz_op, DZ_TYPE_FUNCTION)

/* The public forward, for completeness: built-ins are normally applied
 * through dz_op_apply_*(), which skip the generic call machinery. */
static GPtrArray *
dz_op_forward (DzFunction  *self,
               GPtrArray   *xs,
               GError     **error)
{
  DzArray *y = DZ_OP_GET_CLASS (self)->compute (dz_op_constant (self), (DzArray **) xs->pdata, error);
  GPtrArray *result;

  if (y == NULL)
    return NULL;

  result = g_ptr_array_new_full (1, g_object_unref);
  g_ptr_array_add (result, y);
  return result;
}

static void
dz_op_class_init (DzOpClass *klass)
{
  DZ_FUNCTION_CLASS (klass)->forward = dz_op_forward;
}

static void
dz_op_init (G_GNUC_UNUSED DzOp *self)
{
}

GPtrArray *
dz_op_grads (guint n,
             ...)
{
  GPtrArray *grads = g_ptr_array_new_full (n, g_object_unref);
  gboolean ok = TRUE;
  va_list args;

  va_start (args, n);
  for (guint i = 0; i < n; i++)
    {
      DzVariable *grad = va_arg (args, DzVariable *);

      if (grad == NULL)
        ok = FALSE;
      else
        g_ptr_array_add (grads, grad);
    }
  va_end (args);

  if (!ok)
    g_clear_pointer (&grads, g_ptr_array_unref);
  return grads;
}

/* The output of @klass on 0-d inputs, computed without arrays, or NULL
 * when some input is not 0-d. */
static DzVariable *
apply_scalar (DzOpClass   *klass,
              double       constant,
              DzVariable **inputs,
              guint        n_inputs)
{
  double xs[2];

  if (klass->compute_scalar == NULL)
    return NULL;
  for (guint i = 0; i < n_inputs; i++)
    if (!dz_variable_value_scalar (dz_variable_get_priv (inputs[i]), &xs[i]))
      return NULL;

  return dz_variable_new_scalar (klass->compute_scalar (constant, xs));
}

/* Computes the output and, with backpropagation enabled, records the
 * call: the fast path that dz_function_call() generalizes. */
static DzVariable *
apply (DzOpClass    *klass,
       double        constant,
       DzVariable  **inputs,
       guint         n_inputs,
       GError      **error)
{
  DzVariable *output = apply_scalar (klass, constant, inputs, n_inputs);

  if (output == NULL)
    {
      DzArray *xs[2];
      DzArray *y;

      for (guint i = 0; i < n_inputs; i++)
        {
          xs[i] = dz_variable_peek_data (inputs[i]);
          if (xs[i] == NULL)
            {
              g_set_error (error, DZ_ERROR, DZ_ERROR_NO_DATA, "Input %u of %s has no data",
                           i, g_type_name (G_TYPE_FROM_CLASS (klass)) + 2);
              return NULL;
            }
        }

      y = klass->compute (constant, xs, error);
      if (y == NULL)
        return NULL;
      output = dz_variable_new_take (y);
    }

  if (dz_get_enable_backprop ())
    {
      DzOp *op = (DzOp *) g_object_new_with_properties (G_TYPE_FROM_CLASS (klass), 0, NULL, NULL);

      op->constant = constant;
      dz_function_record (DZ_FUNCTION (op), inputs, n_inputs, &output, 1);
    }

  return output;
}

DzVariable *
dz_op_apply_unary (DzOpClass   *klass,
                   double       constant,
                   DzVariable  *x,
                   GError     **error)
{
  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return apply (klass, constant, &x, 1, error);
}

DzVariable *
dz_op_apply_binary (DzOpClass   *klass,
                    DzVariable  *a,
                    DzVariable  *b,
                    GError     **error)
{
  DzVariable *inputs[2] = { a, b };

  g_return_val_if_fail (DZ_IS_VARIABLE (a), NULL);
  g_return_val_if_fail (DZ_IS_VARIABLE (b), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return apply (klass, 0.0, inputs, 2, error);
}

gboolean
dz_op_gradient (DzFunction  *self,
                DzVariable  *output,
                DzArray     *gy,
                DzArray    **gxs,
                GError     **error)
{
  DzFunctionPrivate *priv = dz_function_get_priv (self);
  DzOpClass *klass = DZ_OP_GET_CLASS (self);
  DzArray *xs[2] = { NULL, NULL };
  DzArray *y = NULL;
  gboolean ok = TRUE;

  if ((klass->needs & DZ_OP_NEEDS_OUTPUT) && output != NULL)
    {
      y = dz_variable_peek_data (output);
      if (y != NULL && !dz_array_same_shape_ (y, gy))
        y = NULL;
    }
  /* An output gone, or replaced since the forward pass, is recomputed
   * from the inputs. */
  if ((klass->needs & DZ_OP_NEEDS_INPUTS) || ((klass->needs & DZ_OP_NEEDS_OUTPUT) && y == NULL))
    for (guint i = 0; i < priv->n_inputs && i < 2; i++)
      xs[i] = dz_variable_peek_data (priv->inputs[i]);

  klass->gradient (dz_op_constant (self), xs, y, gy, gxs);

  /* The kernels allocate without a GError: a NULL gradient means memory
   * ran out, and the others are dropped so the caller owns nothing. */
  for (guint i = 0; i < priv->n_inputs; i++)
    ok = ok && gxs[i] != NULL;
  if (!ok)
    {
      for (guint i = 0; i < priv->n_inputs; i++)
        g_clear_object (&gxs[i]);
      g_set_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY,
                   "Out of memory computing the gradient of %s", dz_function_get_name (self));
    }
  return ok;
}
