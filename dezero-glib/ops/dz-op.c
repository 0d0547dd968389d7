/* dz-op.c: the machinery every built-in operation shares
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "dz-config.h"
#include "dz-op-private.h"

G_DEFINE_ABSTRACT_TYPE (DzOp, dz_op, DZ_TYPE_FUNCTION)

static DzArray *
array_of (DzVariable  *x,
          guint        i,
          const char  *op,
          GError     **error)
{
  DzArray *a = dz_variable_peek_data (x);

  if (a == NULL)
    g_set_error (error, DZ_ERROR, DZ_ERROR_NO_DATA, "Input %u of %s has no data", i, op);
  return a;
}

/* The public forward, for dz_function_call() on a built-in instance; the
 * built-in functions themselves go through dz_op_apply(). */
static GPtrArray *
dz_op_forward (DzFunction  *self,
               GPtrArray   *xs,
               GError     **error)
{
  const DzOpDef *def = DZ_OP_DEF (self);
  DzArray *y;
  GPtrArray *result;

  if (def->check != NULL && !def->check (dz_op_params (self), (DzArray **) xs->pdata, xs->len, error))
    return NULL;
  y = def->forward (dz_op_params (self), (DzArray **) xs->pdata, xs->len, error);
  if (y == NULL)
    return NULL;

  result = g_ptr_array_new_full (1, g_object_unref);
  g_ptr_array_add (result, y);
  return result;
}

/* The output of @self, alive or recomputed from the inputs (transfer
 * full), or NULL with @error set. */
static DzVariable *
output_of (DzFunction  *self,
           GError     **error)
{
  DzFunctionPrivate *priv = dz_function_get_priv (self);
  const DzOpDef *def = DZ_OP_DEF (self);
  DzVariable *y = dz_function_ref_output (self, 0);
  DzArray *xs[16];
  g_autofree DzArray **heap = NULL;
  DzArray **arrays = xs;
  DzArray *out;

  if (y != NULL)
    return y;

  if (priv->n_inputs > G_N_ELEMENTS (xs))
    arrays = heap = g_new (DzArray *, priv->n_inputs);
  for (guint i = 0; i < priv->n_inputs; i++)
    if ((arrays[i] = array_of (priv->inputs[i], i, def->class_name, error)) == NULL)
      return NULL;
  out = def->forward (dz_op_params (self), arrays, priv->n_inputs, error);
  return out ? dz_variable_new_take (out) : NULL;
}

/* DzFunction::backward: the differentiable backward, for create_graph. */
static GPtrArray *
dz_op_backward (DzFunction  *self,
                GPtrArray   *gys,
                GError     **error)
{
  DzFunctionPrivate *priv = dz_function_get_priv (self);
  const DzOpDef *def = DZ_OP_DEF (self);
  g_autoptr(DzVariable) y = NULL;
  g_autofree DzVariable **gxs = g_new0 (DzVariable *, priv->n_inputs);
  GPtrArray *result;
  gboolean ok;

  if ((def->needs & DZ_OP_NEEDS_OUTPUT) && (y = output_of (self, error)) == NULL)
    return NULL;

  ok = def->backward (dz_op_params (self), priv->inputs, priv->n_inputs, y,
                      g_ptr_array_index (gys, 0), gxs, error);

  result = g_ptr_array_new_full (priv->n_inputs, g_object_unref);
  for (guint i = 0; i < priv->n_inputs; i++)
    {
      /* An input that takes no gradient gets zeros, as DzFunction's
       * contract asks one gradient per input. */
      if (ok && gxs[i] == NULL)
        {
          DzArray *x = dz_variable_peek_data (priv->inputs[i]);
          DzArray *zeros = x ? dz_array_new_zeros_like (x, error) : NULL;

          ok = zeros != NULL;
          /* dz_variable_new_constant() takes the array over. */
          if (ok)
            gxs[i] = dz_variable_new_constant (zeros);
        }
      if (gxs[i] != NULL)
        g_ptr_array_add (result, gxs[i]);
    }
  if (!ok)
    g_clear_pointer (&result, g_ptr_array_unref);
  return result;
}

static void
dz_op_finalize (GObject *object)
{
  const DzOpDef *def = DZ_OP_DEF (object);

  if (def->params_clear != NULL)
    def->params_clear (dz_op_params (DZ_FUNCTION (object)));

  G_OBJECT_CLASS (dz_op_parent_class)->finalize (object);
}

static void
dz_op_class_init (DzOpClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dz_op_finalize;
  DZ_FUNCTION_CLASS (klass)->forward = dz_op_forward;
  DZ_FUNCTION_CLASS (klass)->backward = dz_op_backward;
}

static void
dz_op_init (G_GNUC_UNUSED DzOp *self)
{
}

static void
op_class_init (gpointer klass,
               gpointer class_data)
{
  ((DzOpClass *) klass)->def = class_data;
}

/* The type of @def, registered on first use. */
static GType
op_type (DzOpDef *def)
{
  if (g_once_init_enter (&def->type))
    {
      g_autofree char *type_name = g_strconcat ("Dz", def->class_name, NULL);
      const GTypeInfo info = {
        .class_size = sizeof (DzOpClass),
        .class_init = op_class_init,
        .class_data = def,
        .instance_size = DZ_OP_PARAMS_OFFSET + def->params_size,
      };
      GType type = g_type_register_static (DZ_TYPE_OP, type_name, &info, G_TYPE_FLAG_FINAL);

      /* Made once: a built-in's class lives as long as the process. */
      g_type_class_ref (type);
      g_once_init_leave (&def->type, type);
    }
  return def->type;
}

/* The output of @def computed without arrays, or NULL when some input is
 * not a 0-d float64 value. */
static DzVariable *
apply_scalar (DzOpDef      *def,
              const void   *params,
              DzVariable  **inputs,
              guint         n_inputs)
{
  double xs[2];

  if (def->scalar == NULL || n_inputs > 2)
    return NULL;
  for (guint i = 0; i < n_inputs; i++)
    if (!dz_variable_value_scalar (dz_variable_get_priv (inputs[i]), &xs[i]))
      return NULL;

  return dz_variable_new_scalar (def->scalar (params, xs));
}

static gboolean
check_count (DzOpDef  *def,
             guint     n_inputs,
             GError  **error)
{
  if (def->n_inputs == 0 ? n_inputs > 0 : n_inputs == def->n_inputs)
    return TRUE;
  if (def->n_inputs == 0)
    g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT, "%s needs at least one input",
                 def->class_name);
  else
    g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT, "%s takes %u inputs, not %u",
                 def->class_name, def->n_inputs, n_inputs);
  return FALSE;
}

/* An op none of whose inputs takes a gradient (accuracy) is not recorded:
 * its output is a constant, as DeZero's Variable(as_array(acc)). */
static gboolean
takes_gradients (DzOpDef *def,
                 guint    n_inputs)
{
  guint all = n_inputs >= 32 ? G_MAXUINT : (1u << n_inputs) - 1;

  return (def->no_grad_inputs & all) != all;
}

DzVariable *
dz_op_apply (DzOpDef      *def,
             const void   *params,
             DzVariable  **inputs,
             guint         n_inputs,
             GError      **error)
{
  DzVariable *output = NULL;
  gboolean owned = TRUE;

  if (!check_count (def, n_inputs, error))
    goto fail;
  for (guint i = 0; i < n_inputs; i++)
    if (!DZ_IS_VARIABLE (inputs[i]))
      {
        g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                     "Input %u of %s is not a DzVariable", i, def->class_name);
        goto fail;
      }

  output = apply_scalar (def, params, inputs, n_inputs);
  if (output == NULL)
    {
      DzArray *stack[4];
      g_autofree DzArray **heap = NULL;
      DzArray **xs = stack;
      DzArray *y;

      if (n_inputs > G_N_ELEMENTS (stack))
        xs = heap = g_new (DzArray *, n_inputs);
      for (guint i = 0; i < n_inputs; i++)
        if ((xs[i] = array_of (inputs[i], i, def->class_name, error)) == NULL)
          goto fail;

      if (def->check != NULL && !def->check (params, xs, n_inputs, error))
        goto fail;
      y = def->forward (params, xs, n_inputs, error);
      if (y == NULL)
        goto fail;
      output = dz_variable_new_take (y);
    }

  if (dz_get_enable_backprop () && takes_gradients (def, n_inputs))
    {
      DzFunction *op = (DzFunction *) g_object_new_with_properties (op_type (def), 0, NULL, NULL);

      /* (params is NULL exactly when params_size is 0; saying both keeps
       * an optimizing compiler from warning about memcpy's NULL.) */
      if (def->params_size > 0 && params != NULL)
        memcpy (dz_op_params (op), params, def->params_size);
      owned = FALSE;
      dz_function_record (op, inputs, n_inputs, &output, 1);
    }

fail:
  if (owned && def->params_clear != NULL)
    def->params_clear ((void *) params);
  return output;
}

DzVariable *
dz_op_apply_unary (DzOpDef     *def,
                   const void  *params,
                   DzVariable  *x,
                   GError     **error)
{
  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return dz_op_apply (def, params, &x, 1, error);
}

DzVariable *
dz_op_apply_binary (DzOpDef     *def,
                    DzVariable  *a,
                    DzVariable  *b,
                    GError     **error)
{
  DzVariable *inputs[2] = { a, b };

  g_return_val_if_fail (DZ_IS_VARIABLE (a), NULL);
  g_return_val_if_fail (DZ_IS_VARIABLE (b), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return dz_op_apply (def, NULL, inputs, 2, error);
}

/* The fallback gradient of a built-in without an array-level one: its
 * differentiable backward on variables wrapping the arrays, not recorded. */
static gboolean
gradient_through_variables (DzFunction  *self,
                            DzArray     *y,
                            DzArray     *gy,
                            DzArray    **gxs,
                            GError     **error)
{
  DzFunctionPrivate *priv = dz_function_get_priv (self);
  const DzOpDef *def = DZ_OP_DEF (self);
  g_autoptr(DzVariable) gy_var = dz_variable_new_constant (gy);
  g_autoptr(DzVariable) y_var = y ? dz_variable_new_constant (g_object_ref (y)) : NULL;
  g_autofree DzVariable **gx_vars = g_new0 (DzVariable *, priv->n_inputs);
  gboolean previous = dz_set_enable_backprop (FALSE);
  gboolean ok;

  ok = def->backward (dz_op_params (self), priv->inputs, priv->n_inputs, y_var, gy_var,
                      gx_vars, error);
  dz_set_enable_backprop (previous);

  for (guint i = 0; i < priv->n_inputs; i++)
    {
      if (ok && gx_vars[i] != NULL)
        gxs[i] = g_object_ref (dz_variable_peek_data (gx_vars[i]));
      g_clear_object (&gx_vars[i]);
    }
  return ok;
}

/* The inputs of the gradient function running on this thread that want a
 * gradient, by bit (set around each call, so nothing outlives it). */
static _Thread_local guint64 inputs_needing_grad = ~G_GUINT64_CONSTANT (0);

gboolean
dz_op_input_needs_grad (guint i)
{
  return i >= 64 || (inputs_needing_grad >> i) & 1;
}

/* Whether the gradient of @x can be read by anybody once the pass ends.
 * Not for a constant, nor for a leaf that only this function holds: a
 * batch of data passed in as an array and wrapped on the way (DeZero's
 * `model(x)` with an ndarray), or a variable its maker let go of. Nobody
 * can reach it but through the graph's functions, so its gradient (for the
 * first layer of a network, a product as large as the forward's) is not
 * computed, as PyTorch computes none for a tensor without requires_grad.
 * A leaf that some other object or language wrapper still references
 * keeps its gradient, as in DeZero. */
static inline gboolean
input_wants_grad (DzVariable *x)
{
  DzVariablePrivate *priv = dz_variable_get_priv (x);

  if (priv->constant)
    return FALSE;
  return priv->creator != NULL || g_atomic_int_get ((gint *) &G_OBJECT (x)->ref_count) > 1;
}

gboolean
dz_op_gradient (DzFunction  *self,
                DzVariable  *output,
                DzArray     *gy,
                DzArray    **gxs,
                GError     **error)
{
  DzFunctionPrivate *priv = dz_function_get_priv (self);
  const DzOpDef *def = DZ_OP_DEF (self);
  DzArray *stack[4] = { NULL, };
  g_autofree DzArray **heap = NULL;
  DzArray **xs = stack;
  DzArray *y = NULL;
  gboolean ok;

  memset (gxs, 0, priv->n_inputs * sizeof (DzArray *));

  if ((def->needs & DZ_OP_NEEDS_OUTPUT) && output != NULL)
    y = dz_variable_peek_data (output);

  if (def->gradient == NULL)
    {
      g_autoptr(DzArray) recomputed = NULL;

      if ((def->needs & DZ_OP_NEEDS_OUTPUT) && y == NULL)
        {
          g_autoptr(DzVariable) v = output_of (self, error);

          if (v == NULL)
            {
              g_object_unref (gy);
              return FALSE;
            }
          y = recomputed = g_object_ref (dz_variable_peek_data (v));
        }
      return gradient_through_variables (self, y, gy, gxs, error);
    }

  if (priv->n_inputs > G_N_ELEMENTS (stack))
    xs = heap = g_new0 (DzArray *, priv->n_inputs);
  /* An output gone since the forward pass is recomputed from the inputs.
   * An op that does not read its inputs still needs the shape of those
   * that were broadcast: it gets those inputs, and NULL for the others
   * (which are not made into arrays: see dz_variable_peek_data()). */
  for (guint i = 0; i < priv->n_inputs; i++)
    if ((def->needs & DZ_OP_NEEDS_INPUTS) || ((def->needs & DZ_OP_NEEDS_OUTPUT) && y == NULL)
        || !dz_variable_value_same_shape (dz_variable_get_priv (priv->inputs[i]), gy))
      xs[i] = dz_variable_peek_data (priv->inputs[i]);

  if ((def->needs & DZ_OP_NEEDS_OUTPUT) && y == NULL)
    {
      g_autoptr(DzArray) recomputed = def->forward (dz_op_params (self), xs, priv->n_inputs, error);

      if (recomputed == NULL)
        {
          g_object_unref (gy);
          return FALSE;
        }
      return def->gradient (dz_op_params (self), xs, priv->n_inputs, recomputed, gy, gxs, error);
    }

  inputs_needing_grad = 0;
  for (guint i = 0; i < priv->n_inputs && i < 64; i++)
    if (input_wants_grad (priv->inputs[i]))
      inputs_needing_grad |= G_GUINT64_CONSTANT (1) << i;
  ok = def->gradient (dz_op_params (self), xs, priv->n_inputs, y, gy, gxs, error);
  inputs_needing_grad = ~G_GUINT64_CONSTANT (0);

  /* A gradient has its input's dtype, as in PyTorch: a float32 parameter
   * used with float64 values still gets a float32 gradient. */
  for (guint i = 0; ok && i < priv->n_inputs; i++)
    {
      DzDtype dtype = dz_variable_get_dtype (priv->inputs[i]);

      if (gxs[i] != NULL && gxs[i]->dtype != dtype && dz_dtype_is_float (dtype))
        {
          DzArray *cast = dz_array_astype (gxs[i], dtype, error);

          g_object_unref (gxs[i]);
          gxs[i] = cast;
          ok = cast != NULL;
        }
    }
  if (!ok)
    for (guint i = 0; i < priv->n_inputs; i++)
      g_clear_object (&gxs[i]);
  return ok;
}

DzVariable *
dz_op_sum_to_input (DzVariable  *gx,
                    DzVariable  *x,
                    GError     **error)
{
  DzArray *x_data = dz_variable_peek_data (x);
  DzArray *g_data = gx ? dz_variable_peek_data (gx) : NULL;
  DzVariable *result;

  if (gx == NULL || x_data == NULL || g_data == NULL || dz_array_same_shape_ (x_data, g_data))
    return gx;

  result = dz_sum_to (gx, x_data->shape, x_data->ndim, error);
  g_object_unref (gx);
  return result;
}

DzArray *
dz_op_array_sum_to (DzArray  *gx,
                    DzArray  *x,
                    GError  **error)
{
  DzArray *result;

  if (gx == NULL || dz_array_same_shape_ (gx, x))
    return gx;

  result = dz_array_sum_to (gx, x->shape, x->ndim, error);
  g_object_unref (gx);
  return result;
}

gboolean
dz_op_check_float (const char  *op,
                   DzArray     *x,
                   GError     **error)
{
  if (dz_dtype_is_float (x->dtype))
    return TRUE;
  g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_DTYPE,
               "%s needs float32 or float64 values, not %s", op, dz_dtype_get_name (x->dtype));
  return FALSE;
}

gboolean
dz_axes_set (DzAxes      *axes,
             const gint  *values,
             guint        n,
             GError     **error)
{
  memset (axes, 0, sizeof *axes);
  if (n > DZ_ARRAY_MAX_NDIM)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_AXIS,
                   "%u axes were given; an array has at most %d", n, DZ_ARRAY_MAX_NDIM);
      return FALSE;
    }
  if (n > 0 && values == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT, "%u axes were given as NULL", n);
      return FALSE;
    }
  axes->all = n == 0 && values == NULL;
  axes->n = n;
  if (n > 0)
    memcpy (axes->axes, values, n * sizeof (gint));
  return TRUE;
}

gboolean
dz_shape_set (DzShape      *shape,
              const gssize *dims,
              guint         ndim,
              GError      **error)
{
  memset (shape, 0, sizeof *shape);
  if (ndim > DZ_ARRAY_MAX_NDIM || (ndim > 0 && dims == NULL))
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "A shape has between 0 and %d axes, given as an array", DZ_ARRAY_MAX_NDIM);
      return FALSE;
    }
  shape->ndim = ndim;
  if (ndim > 0)
    memcpy (shape->dims, dims, ndim * sizeof (gssize));
  return TRUE;
}

void
dz_shape_set_from (DzShape     *shape,
                   const gsize *dims,
                   guint        ndim)
{
  memset (shape, 0, sizeof *shape);
  shape->ndim = ndim;
  for (guint i = 0; i < ndim; i++)
    shape->dims[i] = dims[i];
}
