/* dz-variable.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-array-private.h"
#include "dz-function-private.h"
#include "dz-live-private.h"
#include "dz-release-private.h"
#include "dz-scope-private.h"
#include "dz-variable-private.h"

/**
 * DzVariable:
 *
 * A value in a computation, and a node of the graph that computation
 * records.
 *
 * A variable holds its #DzVariable:data, an immutable #DzArray. A variable
 * produced by a #DzFunction remembers that function as its
 * #DzVariable:creator, and holds it with a strong reference; the function
 * holds its inputs strongly and its outputs only weakly. Ownership
 * therefore flows from the outputs of a computation back to its inputs,
 * without cycles: dropping the last reference to the final output
 * finalizes the whole graph behind it at once.
 *
 * dz_variable_backward() walks that graph from this variable back to the
 * leaves, filling #DzVariable:grad with the derivative of this variable
 * with respect to each of them.
 *
 * A 0-dimensional value made by dz_variable_new_scalar() or computed by a
 * built-in from 0-dimensional values is kept inside the variable, and its
 * #DzArray is made the first time somebody asks for it (then kept): graphs
 * of scalars cost two objects per node instead of three. Nothing else
 * changes; dz_variable_get_ndim() and dz_variable_get_size() do not make
 * the array.
 */

enum {
  PROP_0,
  PROP_DATA,
  PROP_GRAD,
  PROP_CREATOR,
  PROP_GENERATION,
  PROP_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_TYPE_WITH_PRIVATE (DzVariable, dz_variable, G_TYPE_OBJECT)

/* Read by the inline dz_variable_get_priv(): a call per access cost the
 * backward pass several nanoseconds per node. Set in class_init, before
 * any instance exists. */
gint dz_variable_private_offset;

/* Drops a holder link and the reference that goes with it. The creator and
 * the grad can head arbitrarily long graphs: they are released
 * iteratively. */
static void
release_link (gpointer object)
{
  if (object == NULL)
    return;
  dz_unhold (object);
  dz_release (object);
}

/* Clears this variable's weak slot in its creator, then drops the creator. */
static void
release_creator (DzVariable *self)
{
  DzVariablePrivate *priv = dz_variable_get_priv (self);

  if (priv->creator == NULL)
    return;

  dz_function_forget_output (priv->creator, priv->output_index, self);
  release_link (g_steal_pointer (&priv->creator));
}

static void
dz_variable_dispose (GObject *object)
{
  DzVariablePrivate *priv = dz_variable_get_priv (DZ_VARIABLE (object));

  release_creator (DZ_VARIABLE (object));
  g_clear_object (&priv->pending);
  release_link (g_steal_pointer (&priv->grad));
  release_link (g_steal_pointer (&priv->data));
  priv->has_scalar = FALSE;
  if (!priv->disposed)
    {
      priv->disposed = TRUE;
      dz_live_dec (DZ_LIVE_VARIABLE);
    }

  G_OBJECT_CLASS (dz_variable_parent_class)->dispose (object);
}

static void
dz_variable_finalize (GObject *object)
{
  DzVariablePrivate *priv = dz_variable_get_priv (DZ_VARIABLE (object));

  g_free (priv->name);

  G_OBJECT_CLASS (dz_variable_parent_class)->finalize (object);
}

static void
dz_variable_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  DzVariable *self = DZ_VARIABLE (object);
  DzVariablePrivate *priv = dz_variable_get_priv (self);

  switch (prop_id)
    {
    case PROP_DATA:
      g_value_set_object (value, dz_variable_peek_data (self));
      break;
    case PROP_GRAD:
      g_value_set_object (value, priv->grad);
      break;
    case PROP_CREATOR:
      g_value_set_object (value, priv->creator);
      break;
    case PROP_GENERATION:
      g_value_set_int (value, priv->generation);
      break;
    case PROP_NAME:
      g_value_set_string (value, priv->name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_variable_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  DzVariable *self = DZ_VARIABLE (object);

  switch (prop_id)
    {
    case PROP_DATA:
      dz_variable_set_data (self, g_value_get_object (value));
      break;
    case PROP_GRAD:
      dz_variable_set_grad (self, g_value_get_object (value));
      break;
    case PROP_NAME:
      dz_variable_set_name (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_variable_class_init (DzVariableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  dz_variable_private_offset = DzVariable_private_offset;
  object_class->dispose = dz_variable_dispose;
  object_class->finalize = dz_variable_finalize;
  object_class->get_property = dz_variable_get_property;
  object_class->set_property = dz_variable_set_property;

  /**
   * DzVariable:data:
   *
   * The value of the variable, or %NULL for an empty variable.
   */
  properties[PROP_DATA] =
    g_param_spec_object ("data", NULL, NULL, DZ_TYPE_ARRAY,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzVariable:grad:
   *
   * The gradient computed by the last backward pass, itself a variable (so
   * that with %DZ_BACKWARD_CREATE_GRAPH it can be differentiated again), or
   * %NULL.
   */
  properties[PROP_GRAD] =
    g_param_spec_object ("grad", NULL, NULL, DZ_TYPE_VARIABLE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzVariable:creator:
   *
   * The function that produced this variable, or %NULL for a leaf (a
   * variable made by the user, computed with backpropagation disabled, or
   * unchained with dz_variable_unchain()).
   */
  properties[PROP_CREATOR] =
    g_param_spec_object ("creator", NULL, NULL, DZ_TYPE_FUNCTION,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzVariable:generation:
   *
   * The depth of this variable in its graph: 0 for a leaf, one more than
   * its creator's generation otherwise. Backward passes visit functions in
   * decreasing generation so that every gradient is complete before it is
   * propagated further.
   */
  properties[PROP_GENERATION] =
    g_param_spec_int ("generation", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * DzVariable:name:
   *
   * A name for printing and graph pictures, or %NULL.
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dz_variable_init (DzVariable *self)
{
  dz_live_inc (DZ_LIVE_VARIABLE);
  dz_scope_track_new (self, &dz_variable_get_priv (self)->holders);
}

/**
 * dz_variable_new:
 * @data: (nullable): the value, or %NULL for an empty variable
 *
 * Creates a leaf variable holding @data.
 *
 * Returns: (transfer full): a new #DzVariable
 */
DzVariable *
dz_variable_new (DzArray *data)
{
  g_return_val_if_fail (data == NULL || DZ_IS_ARRAY (data), NULL);

  return dz_variable_new_take (data ? g_object_ref (data) : NULL);
}

/* Builds a variable without going through the property machinery: this is
 * the hot path of every function call. */
DzVariable *
dz_variable_new_take (DzArray *data)
{
  DzVariable *self = (DzVariable *) g_object_new_with_properties (DZ_TYPE_VARIABLE, 0, NULL, NULL);

  if (data != NULL)
    dz_hold (data);
  dz_variable_get_priv (self)->data = data;
  return self;
}

/**
 * dz_variable_new_scalar:
 * @value: the value
 *
 * Creates a leaf variable holding a 0-dimensional value. The value stays
 * inside the variable until its #DzArray is asked for.
 *
 * Returns: (transfer full): a new #DzVariable
 */
DzVariable *
dz_variable_new_scalar (double value)
{
  DzVariable *self = dz_variable_new_take (NULL);
  DzVariablePrivate *priv = dz_variable_get_priv (self);

  priv->scalar = value;
  priv->has_scalar = TRUE;
  return self;
}

DzArray *
dz_variable_peek_data (DzVariable *self)
{
  DzVariablePrivate *priv = dz_variable_get_priv (self);
  DzArray *data = g_atomic_pointer_get (&priv->data);

  if (data != NULL || !priv->has_scalar)
    return data;

  /* Two threads may read a shared leaf at once: the first array stored
   * wins, and the value is the same either way. */
  data = dz_array_new_scalar (priv->scalar);
  if (g_atomic_pointer_compare_and_exchange (&priv->data, NULL, data))
    {
      dz_hold (data);
      return data;
    }
  g_object_unref (data);
  return g_atomic_pointer_get (&priv->data);
}

/* Like dz_variable_new_take(), for a seed or stand-in gradient. */
DzVariable *
dz_variable_new_constant (DzArray *data)
{
  DzVariable *self = dz_variable_new_take (data);

  dz_variable_get_priv (self)->constant = TRUE;
  return self;
}

/**
 * dz_variable_get_data:
 * @self: a #DzVariable
 *
 * Gets the value of @self; %NULL when it has none (made without data,
 * or emptied when a #DzScope that owned it was closed).
 *
 * Returns: (transfer none) (nullable): the value of @self
 */
DzArray *
dz_variable_get_data (DzVariable *self)
{
  g_return_val_if_fail (DZ_IS_VARIABLE (self), NULL);

  return dz_variable_peek_data (self);
}

/**
 * dz_variable_set_data:
 * @self: a #DzVariable
 * @data: (nullable): the new value
 *
 * Replaces the value of @self and bumps its version, like PyTorch's
 * version counter. A recorded function whose input or output was given
 * new data this way no longer describes its call: a backward pass that
 * reaches it fails with %DZ_ERROR_DATA_MODIFIED, naming the function and
 * the variable, for every function alike (built-in or user-defined, with
 * or without %DZ_BACKWARD_CREATE_GRAPH), rather than computing a gradient
 * at values the forward pass never saw. Graphs recorded afterwards use the
 * new value, so the usual update step `x.data = x.data - lr * x.grad.data`
 * followed by a new forward pass is fine.
 */
void
dz_variable_set_data (DzVariable *self,
                      DzArray    *data)
{
  DzVariablePrivate *priv;

  g_return_if_fail (DZ_IS_VARIABLE (self));
  g_return_if_fail (data == NULL || DZ_IS_ARRAY (data));

  priv = dz_variable_get_priv (self);
  if (priv->data == data && (data != NULL || !priv->has_scalar))
    return;

  if (data != NULL)
    dz_hold (g_object_ref (data));
  release_link (g_steal_pointer (&priv->data));
  priv->data = data;
  priv->has_scalar = FALSE;
  priv->version++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATA]);
}

/**
 * dz_variable_get_grad:
 * @self: a #DzVariable
 *
 * Gets the gradient that the last backward pass left in @self; %NULL
 * before any backward pass and after dz_variable_clear_grad().
 *
 * Returns: (transfer none) (nullable): the gradient of @self
 */
DzVariable *
dz_variable_get_grad (DzVariable *self)
{
  g_return_val_if_fail (DZ_IS_VARIABLE (self), NULL);

  return dz_variable_get_priv (self)->grad;
}

/**
 * dz_variable_set_grad:
 * @self: a #DzVariable
 * @grad: (nullable): the new gradient
 *
 * Sets the gradient of @self. A later backward pass adds to it; set it to
 * %NULL, or call dz_variable_clear_grad(), to start from zero.
 */
void
dz_variable_set_grad (DzVariable *self,
                      DzVariable *grad)
{
  g_return_if_fail (DZ_IS_VARIABLE (self));
  g_return_if_fail (grad == NULL || DZ_IS_VARIABLE (grad));

  dz_variable_take_grad (self, grad ? g_object_ref (grad) : NULL);
}

/* Like dz_variable_set_grad() but takes ownership of @grad. */
void
dz_variable_take_grad (DzVariable *self,
                       DzVariable *grad)
{
  DzVariablePrivate *priv = dz_variable_get_priv (self);
  DzVariable *old = priv->grad;

  if (old == grad)
    {
      g_clear_object (&grad);
      return;
    }

  if (grad != NULL)
    dz_hold (grad);
  priv->grad = grad;
  release_link (old);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GRAD]);
}

/**
 * dz_variable_clear_grad:
 * @self: a #DzVariable
 *
 * Drops the gradient of @self, so that the next backward pass starts from
 * zero instead of accumulating (DeZero's `cleargrad`).
 */
void
dz_variable_clear_grad (DzVariable *self)
{
  g_return_if_fail (DZ_IS_VARIABLE (self));

  if (dz_variable_get_priv (self)->grad != NULL)
    dz_variable_take_grad (self, NULL);
}

/**
 * dz_variable_get_creator:
 * @self: a #DzVariable
 *
 * Gets the function whose call produced @self; %NULL for a leaf variable
 * (made by the caller) and for a variable computed with backpropagation
 * disabled or cut off with dz_variable_unchain().
 *
 * Returns: (transfer none) (nullable): the function that produced @self
 */
DzFunction *
dz_variable_get_creator (DzVariable *self)
{
  g_return_val_if_fail (DZ_IS_VARIABLE (self), NULL);

  return dz_variable_get_priv (self)->creator;
}

/* Takes over a reference to @creator. */
void
dz_variable_set_creator_ (DzVariable *self,
                          DzFunction *creator,
                          int         generation,
                          guint       output_index)
{
  DzVariablePrivate *priv = dz_variable_get_priv (self);

  g_assert (priv->creator == NULL);
  priv->creator = creator;
  dz_hold_count (&dz_function_get_priv (creator)->holders);
  priv->generation = generation;
  priv->output_index = output_index;
}

/**
 * dz_variable_unchain:
 * @self: a #DzVariable
 *
 * Forgets the creator of @self, turning it into a leaf: backward passes
 * stop here, and the graph behind it is released unless held elsewhere.
 * The generation is kept.
 */
void
dz_variable_unchain (DzVariable *self)
{
  DzVariablePrivate *priv;

  g_return_if_fail (DZ_IS_VARIABLE (self));

  priv = dz_variable_get_priv (self);
  if (priv->creator == NULL)
    return;

  release_creator (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CREATOR]);
}

/**
 * dz_variable_unchain_backward:
 * @self: a #DzVariable
 *
 * Unchains every variable upstream of @self (DeZero's `unchain_backward`,
 * used for truncated backpropagation): @self keeps its creator, whose
 * inputs become leaves, so one more backward pass reaches only them and
 * everything further back is released.
 */
void
dz_variable_unchain_backward (DzVariable *self)
{
  g_autoptr(GPtrArray) pending = NULL;
  DzFunction *creator;

  g_return_if_fail (DZ_IS_VARIABLE (self));

  creator = dz_variable_get_priv (self)->creator;
  if (creator == NULL)
    return;

  /* Unchaining an input can release its creator, so the work list holds
   * references. Every function is reached once: its outputs are unchained
   * when it is first met. */
  pending = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (pending, g_object_ref (creator));
  while (pending->len > 0)
    {
      g_autoptr(DzFunction) function = g_ptr_array_steal_index_fast (pending, pending->len - 1);
      GPtrArray *inputs = dz_function_get_inputs (function);

      for (guint i = 0; i < inputs->len; i++)
        {
          DzVariable *input = g_ptr_array_index (inputs, i);
          DzFunction *input_creator = dz_variable_get_priv (input)->creator;

          if (input_creator == NULL)
            continue;
          g_ptr_array_add (pending, g_object_ref (input_creator));
          dz_variable_unchain (input);
        }
    }
}

/**
 * dz_variable_get_generation:
 * @self: a #DzVariable
 *
 * Gets the generation of @self: 0 for a leaf, one more than its
 * creator's otherwise.
 *
 * Returns: the generation of @self, see #DzVariable:generation
 */
int
dz_variable_get_generation (DzVariable *self)
{
  g_return_val_if_fail (DZ_IS_VARIABLE (self), 0);

  return dz_variable_get_priv (self)->generation;
}

/**
 * dz_variable_get_name:
 * @self: a #DzVariable
 *
 * Gets the name of @self, which labels its node in
 * dz_variable_to_dot().
 *
 * Returns: (nullable): the name of @self
 */
const char *
dz_variable_get_name (DzVariable *self)
{
  g_return_val_if_fail (DZ_IS_VARIABLE (self), NULL);

  return dz_variable_get_priv (self)->name;
}

/**
 * dz_variable_set_name:
 * @self: a #DzVariable
 * @name: (nullable): the new name
 *
 * Names @self, for printing and graph pictures.
 */
void
dz_variable_set_name (DzVariable *self,
                      const char *name)
{
  DzVariablePrivate *priv;

  g_return_if_fail (DZ_IS_VARIABLE (self));

  priv = dz_variable_get_priv (self);
  if (g_strcmp0 (priv->name, name) == 0)
    return;

  g_free (priv->name);
  priv->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

/**
 * dz_variable_get_requires_grad:
 * @self: a #DzVariable
 *
 * Tells whether backward computes a gradient for @self (see
 * dz_variable_set_requires_grad()).
 *
 * Returns: %TRUE unless switched off
 */
gboolean
dz_variable_get_requires_grad (DzVariable *self)
{
  g_return_val_if_fail (DZ_IS_VARIABLE (self), FALSE);

  return !dz_variable_get_priv (self)->constant;
}

/**
 * dz_variable_set_requires_grad:
 * @self: a leaf #DzVariable
 * @requires_grad: whether backward should compute its gradient
 *
 * Switches the gradient of a leaf off (or on again), as PyTorch's
 * `requires_grad`. DeZero gives every variable a gradient, and so do we by
 * default; a variable holding input data (a batch of images) has no use for
 * one, and backward then skips its computation where an operation can:
 * the first layer of an MLP saves a third of its matrix products. A
 * variable that does not require a gradient never gets one.
 */
void
dz_variable_set_requires_grad (DzVariable *self,
                               gboolean    requires_grad)
{
  g_return_if_fail (DZ_IS_VARIABLE (self));

  dz_variable_get_priv (self)->constant = !requires_grad;
}

/**
 * dz_variable_get_dtype:
 * @self: a #DzVariable
 *
 * Gets the element type of the data of @self.
 *
 * Returns: the dtype of the data; %DZ_DTYPE_FLOAT64 for a scalar or no data
 */
DzDtype
dz_variable_get_dtype (DzVariable *self)
{
  DzVariablePrivate *priv;

  g_return_val_if_fail (DZ_IS_VARIABLE (self), DZ_DTYPE_FLOAT64);

  priv = dz_variable_get_priv (self);
  return priv->has_scalar || priv->data == NULL ? DZ_DTYPE_FLOAT64 : priv->data->dtype;
}

/**
 * dz_variable_get_ndim:
 * @self: a #DzVariable
 *
 * Gets the number of axes of the data of @self.
 *
 * Returns: the number of axes of the data, 0 for a scalar or no data
 */
guint
dz_variable_get_ndim (DzVariable *self)
{
  DzVariablePrivate *priv;

  g_return_val_if_fail (DZ_IS_VARIABLE (self), 0);

  priv = dz_variable_get_priv (self);
  return dz_variable_has_value (priv) ? dz_variable_value_ndim (priv) : 0;
}

/**
 * dz_variable_get_shape:
 * @self: a #DzVariable
 * @ndim: (out) (optional): the number of axes
 *
 * Gets the shape of the data of @self. The returned memory belongs to
 * the data array and lives as long as it.
 *
 * Returns: (array length=ndim) (transfer none) (nullable): the shape of the
 *   data, or %NULL when @self has no data
 */
const gsize *
dz_variable_get_shape (DzVariable *self,
                       guint      *ndim)
{
  DzArray *data;

  g_return_val_if_fail (DZ_IS_VARIABLE (self), NULL);

  data = dz_variable_peek_data (self);
  if (ndim != NULL)
    *ndim = data ? data->ndim : 0;
  return data ? data->shape : NULL;
}

/**
 * dz_variable_get_size:
 * @self: a #DzVariable
 *
 * Gets the number of elements of the data of @self.
 *
 * Returns: the number of elements of the data, 0 with no data
 */
gsize
dz_variable_get_size (DzVariable *self)
{
  DzVariablePrivate *priv;

  g_return_val_if_fail (DZ_IS_VARIABLE (self), 0);

  priv = dz_variable_get_priv (self);
  if (priv->has_scalar)
    return 1;
  return priv->data ? priv->data->size : 0;
}

/**
 * dz_variable_to_string:
 * @self: a #DzVariable
 *
 * Formats @self as DeZero prints a variable: `variable([1. 2.])`, or
 * `variable(None)` without data.
 *
 * Returns: (transfer full): the text
 */
char *
dz_variable_to_string (DzVariable *self)
{
  DzArray *data;
  g_autofree char *values = NULL;
  g_autoptr(GString) str = NULL;

  g_return_val_if_fail (DZ_IS_VARIABLE (self), NULL);

  data = dz_variable_peek_data (self);
  if (data == NULL)
    return g_strdup ("variable(None)");

  values = dz_array_to_string (data);
  str = g_string_new ("variable(");
  for (const char *p = values; *p; p++)
    {
      g_string_append_c (str, *p);
      /* Continuation lines line up under the first value, as in DeZero. */
      if (*p == '\n' && p[1] != '\n')
        g_string_append (str, "         ");
    }
  g_string_append_c (str, ')');
  return g_string_free (g_steal_pointer (&str), FALSE);
}
