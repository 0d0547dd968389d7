/* dz-op.c: helpers shared by the built-in operations
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <stdarg.h>

#include "dz-op-private.h"

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

DzVariable *
dz_op_apply_unary (GType       type,
                   double      constant,
                   DzVariable *x)
{
  g_autoptr(DzFunction) op = NULL;
  g_autoptr(GError) error = NULL;
  DzVariable *y;

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (dz_variable_get_data (x) != NULL, NULL);

  op = g_object_new (type, NULL);
  ((DzOp *) op)->constant = constant;

  /* With an input that has data, a built-in unary operation cannot fail
   * short of running out of memory. */
  y = dz_function_call_unary (op, x, &error);
  if (y == NULL)
    g_error ("%s", error->message);
  return y;
}

DzVariable *
dz_op_apply_binary (GType        type,
                    DzVariable  *a,
                    DzVariable  *b,
                    GError     **error)
{
  g_autoptr(DzFunction) op = NULL;

  g_return_val_if_fail (DZ_IS_VARIABLE (a), NULL);
  g_return_val_if_fail (DZ_IS_VARIABLE (b), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  op = g_object_new (type, NULL);
  return dz_function_call_binary (op, a, b, error);
}
