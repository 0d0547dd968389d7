/* dz-optimizer.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "dz-error.h"
#include "dz-layer-private.h"
#include "dz-optimizer-private.h"

/**
 * DzOptimizerHook:
 *
 * Something an optimizer does to the gradients before each update: DeZero's
 * hook functions (#DzWeightDecay, #DzClipGrad, #DzFreezeParam). Add one to
 * an optimizer with dz_optimizer_add_hook(); a subclass implements
 * #DzOptimizerHookClass.apply().
 */

/**
 * DzOptimizerHookClass::apply:
 * @self: the hook
 * @params: (element-type DzVariable): the parameters that have a gradient
 * @error: return location for a #GError
 *
 * Changes the gradients of @params, by giving their #DzVariable:grad new
 * data or by clearing it (a parameter left without a gradient is not
 * updated).
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */

G_DEFINE_ABSTRACT_TYPE (DzOptimizerHook, dz_optimizer_hook, G_TYPE_OBJECT)

static void
dz_optimizer_hook_class_init (DzOptimizerHookClass *klass)
{
}

static void
dz_optimizer_hook_init (DzOptimizerHook *self)
{
}

/**
 * dz_optimizer_hook_apply:
 * @self: a #DzOptimizerHook
 * @params: (element-type DzVariable): the parameters that have a gradient
 * @error: return location for a #GError
 *
 * Runs the hook on @params, as dz_optimizer_update() does before the
 * update rule.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
dz_optimizer_hook_apply (DzOptimizerHook  *self,
                         GPtrArray        *params,
                         GError          **error)
{
  DzOptimizerHookClass *klass;
  GError *local_error = NULL;

  g_return_val_if_fail (DZ_IS_OPTIMIZER_HOOK (self), FALSE);
  g_return_val_if_fail (params != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  klass = DZ_OPTIMIZER_HOOK_GET_CLASS (self);
  if (klass->apply == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_FAILED, "%s does not implement apply()",
                   G_OBJECT_TYPE_NAME (self));
      return FALSE;
    }
  if (klass->apply (self, params, &local_error))
    return TRUE;
  /* A binding's implementation may fail without saying why. */
  if (local_error == NULL)
    local_error = g_error_new (DZ_ERROR, DZ_ERROR_FAILED, "%s failed", G_OBJECT_TYPE_NAME (self));
  g_propagate_error (error, local_error);
  return FALSE;
}

/**
 * DzOptimizer:
 *
 * Updates parameters from their gradients: DeZero's `Optimizer`.
 *
 * Give it a model with dz_optimizer_setup() (DeZero's `setup(target)`),
 * or a list of parameters with dz_optimizer_set_parameters(), then after
 * each backward pass call dz_optimizer_update(): it takes the parameters
 * that have a gradient (those whose #DzVariable:grad is %NULL are skipped),
 * runs the hooks on them in the order they were added, and applies the
 * update rule, #DzOptimizerClass.update_one(), to each parameter that
 * still has a gradient.
 *
 * The built-in rules (#DzSGD, #DzMomentumSGD, #DzAdaGrad, #DzAdaDelta,
 * #DzAdam) keep their per-parameter state (velocities, averages) keyed by
 * the parameter itself, of its dtype and shape. They write the new values
 * into the parameter's array when nobody else can see it, and otherwise
 * (something holds that array: a NumPy view of it, another variable, a
 * caller of dz_variable_get_data()) into a new array. Either way the
 * parameter's value is replaced as by dz_variable_set_data(), version
 * included: a backward pass through a graph recorded before the update
 * fails with %DZ_ERROR_DATA_MODIFIED rather than use values that changed
 * under it. The hooks treat the gradients the same way.
 *
 * A subclass written in C, Python or JavaScript implements
 * #DzOptimizerClass.update_one().
 */

/**
 * DzOptimizerClass::update:
 * @self: the optimizer
 * @error: return location for a #GError
 *
 * One optimization step. The default implementation runs the hooks and
 * #DzOptimizerClass.update_one() as dz_optimizer_update() describes; an
 * override does its per-step work and chains up.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */

/**
 * DzOptimizerClass::update_one:
 * @self: the optimizer
 * @param: a parameter that has a gradient
 * @index: the position of @param in the parameters given to
 *   dz_optimizer_set_parameters()
 * @error: return location for a #GError
 *
 * Updates @param from its gradient, giving it new data with
 * dz_variable_set_data() (the built-in rules write in place when they
 * may).
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */

typedef struct
{
  /* The layer given to dz_optimizer_setup(), whose parameters are listed
   * again at each update (a layer may gain parameters), or NULL. */
  DzLayer *target;
  /* dz_layer_get_structure_serial() when @params was listed from it. */
  guint target_serial;
  GPtrArray *params;
  GPtrArray *hooks;
  /* The parameters that have a gradient in the current step and their
   * positions in @params: kept between steps, so that a step allocates
   * nothing once every parameter has its state. */
  GPtrArray *active;
  GArray *active_index;
  /* DzVariable (a reference) -> DzOptimizerState */
  GHashTable *states;
} DzOptimizerPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (DzOptimizer, dz_optimizer, G_TYPE_OBJECT)

static void
state_free (gpointer data)
{
  DzOptimizerState *state = data;

  g_aligned_free (state->slots[0]);
  g_free (state->shape);
  g_free (state);
}

static void set_parameters (DzOptimizerPrivate *priv,
                            GPtrArray          *params);

/* Takes the target's parameters, each once: a layer registered under two
 * names lists its parameters twice, and DeZero would update them twice. */
static void
refresh_from_target (DzOptimizerPrivate *priv)
{
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GPtrArray) unique = NULL;
  gboolean same;

  /* Read before listing: a change during the listing makes the next
   * update list again. */
  priv->target_serial = dz_layer_get_structure_serial ();
  listed = dz_layer_list_parameters (priv->target);
  unique = g_ptr_array_new_full (listed->len, g_object_unref);
  for (guint i = 0; i < listed->len; i++)
    if (!g_ptr_array_find (unique, g_ptr_array_index (listed, i), NULL))
      g_ptr_array_add (unique, g_object_ref (g_ptr_array_index (listed, i)));

  same = unique->len == priv->params->len;
  for (guint i = 0; same && i < unique->len; i++)
    same = g_ptr_array_index (unique, i) == g_ptr_array_index (priv->params, i);
  if (!same)
    set_parameters (priv, unique);
}

static gboolean
dz_optimizer_real_update (DzOptimizer  *self,
                          GError      **error)
{
  DzOptimizerPrivate *priv = dz_optimizer_get_instance_private (self);
  gboolean ok = TRUE;

  if (priv->target != NULL && priv->target_serial != dz_layer_get_structure_serial ())
    refresh_from_target (priv);

  for (guint i = 0; i < priv->params->len; i++)
    {
      DzVariable *param = g_ptr_array_index (priv->params, i);

      if (dz_variable_get_grad (param) != NULL)
        {
          g_ptr_array_add (priv->active, g_object_ref (param));
          g_array_append_val (priv->active_index, i);
        }
    }

  for (guint i = 0; ok && i < priv->hooks->len; i++)
    ok = dz_optimizer_hook_apply (g_ptr_array_index (priv->hooks, i), priv->active, error);

  for (guint i = 0; ok && i < priv->active->len; i++)
    {
      DzVariable *param = g_ptr_array_index (priv->active, i);

      /* A hook (DzFreezeParam) may have taken the gradient away; DeZero
       * would fail on it. */
      if (dz_variable_get_grad (param) != NULL)
        ok = dz_optimizer_update_one (self, param, g_array_index (priv->active_index, guint, i),
                                      error);
    }

  g_ptr_array_set_size (priv->active, 0);
  g_array_set_size (priv->active_index, 0);
  return ok;
}

static void
dz_optimizer_dispose (GObject *object)
{
  DzOptimizerPrivate *priv = dz_optimizer_get_instance_private (DZ_OPTIMIZER (object));

  g_clear_object (&priv->target);
  g_ptr_array_set_size (priv->params, 0);
  g_ptr_array_set_size (priv->hooks, 0);
  g_hash_table_remove_all (priv->states);

  G_OBJECT_CLASS (dz_optimizer_parent_class)->dispose (object);
}

static void
dz_optimizer_finalize (GObject *object)
{
  DzOptimizerPrivate *priv = dz_optimizer_get_instance_private (DZ_OPTIMIZER (object));

  g_ptr_array_unref (priv->params);
  g_ptr_array_unref (priv->hooks);
  g_ptr_array_unref (priv->active);
  g_array_unref (priv->active_index);
  g_hash_table_unref (priv->states);

  G_OBJECT_CLASS (dz_optimizer_parent_class)->finalize (object);
}

static void
dz_optimizer_class_init (DzOptimizerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dz_optimizer_dispose;
  object_class->finalize = dz_optimizer_finalize;
  klass->update = dz_optimizer_real_update;
}

static void
dz_optimizer_init (DzOptimizer *self)
{
  DzOptimizerPrivate *priv = dz_optimizer_get_instance_private (self);

  priv->params = g_ptr_array_new_with_free_func (g_object_unref);
  priv->hooks = g_ptr_array_new_with_free_func (g_object_unref);
  priv->active = g_ptr_array_new_with_free_func (g_object_unref);
  priv->active_index = g_array_new (FALSE, FALSE, sizeof (guint));
  priv->states = g_hash_table_new_full (NULL, NULL, g_object_unref, state_free);
}

static gboolean
state_is_stale (gpointer key,
                gpointer value,
                gpointer user_data)
{
  return !g_ptr_array_find (user_data, key, NULL);
}

static void
set_parameters (DzOptimizerPrivate *priv,
                GPtrArray          *params)
{
  /* Referenced before the old ones go: @params may be our own list. */
  for (guint i = 0; i < params->len; i++)
    g_object_ref (g_ptr_array_index (params, i));
  g_ptr_array_set_size (priv->params, 0);
  for (guint i = 0; i < params->len; i++)
    g_ptr_array_add (priv->params, g_ptr_array_index (params, i));
  g_hash_table_foreach_remove (priv->states, state_is_stale, priv->params);
}

/**
 * dz_optimizer_set_parameters:
 * @self: a #DzOptimizer
 * @params: (element-type DzVariable): the parameters to optimize
 *
 * Sets the parameters that dz_optimizer_update() updates, in order; the
 * optimizer keeps references to them. The state of a parameter that is
 * still in the list is kept; that of the others is dropped. A target
 * given to dz_optimizer_setup() is forgotten.
 */
void
dz_optimizer_set_parameters (DzOptimizer *self,
                             GPtrArray   *params)
{
  DzOptimizerPrivate *priv;

  g_return_if_fail (DZ_IS_OPTIMIZER (self));
  g_return_if_fail (params != NULL);
  for (guint i = 0; i < params->len; i++)
    g_return_if_fail (DZ_IS_VARIABLE (g_ptr_array_index (params, i)));

  priv = dz_optimizer_get_instance_private (self);
  g_clear_object (&priv->target);
  set_parameters (priv, params);
}

/**
 * dz_optimizer_setup:
 * @self: a #DzOptimizer
 * @target: the layer (or model) to train
 *
 * DeZero's `optimizer.setup(model)`: each dz_optimizer_update() then
 * updates the parameters of @target as dz_layer_list_parameters() lists
 * them at that moment, each parameter once even when a shared layer lists
 * it twice. The optimizer keeps a reference to @target.
 *
 * Returns: (transfer none): @self, so that a setup can end a constructor
 *   call chain as in DeZero
 */
DzOptimizer *
dz_optimizer_setup (DzOptimizer *self,
                    DzLayer     *target)
{
  DzOptimizerPrivate *priv;

  g_return_val_if_fail (DZ_IS_OPTIMIZER (self), NULL);
  g_return_val_if_fail (DZ_IS_LAYER (target), NULL);

  priv = dz_optimizer_get_instance_private (self);
  g_set_object (&priv->target, target);
  refresh_from_target (priv);
  return self;
}

/**
 * dz_optimizer_get_target:
 * @self: a #DzOptimizer
 *
 * Gets the layer given to dz_optimizer_setup().
 *
 * Returns: (transfer none) (nullable): the target, or %NULL
 */
DzLayer *
dz_optimizer_get_target (DzOptimizer *self)
{
  DzOptimizerPrivate *priv;

  g_return_val_if_fail (DZ_IS_OPTIMIZER (self), NULL);

  priv = dz_optimizer_get_instance_private (self);
  return priv->target;
}

/**
 * dz_optimizer_get_parameters:
 * @self: a #DzOptimizer
 *
 * Gets the parameters given to dz_optimizer_set_parameters().
 *
 * Returns: (transfer none) (element-type DzVariable): the parameters
 */
GPtrArray *
dz_optimizer_get_parameters (DzOptimizer *self)
{
  DzOptimizerPrivate *priv;

  g_return_val_if_fail (DZ_IS_OPTIMIZER (self), NULL);

  priv = dz_optimizer_get_instance_private (self);
  return priv->params;
}

/**
 * dz_optimizer_add_hook:
 * @self: a #DzOptimizer
 * @hook: a hook to run before every update
 *
 * Adds @hook after the hooks already added; the optimizer keeps a
 * reference to it.
 */
void
dz_optimizer_add_hook (DzOptimizer     *self,
                       DzOptimizerHook *hook)
{
  DzOptimizerPrivate *priv;

  g_return_if_fail (DZ_IS_OPTIMIZER (self));
  g_return_if_fail (DZ_IS_OPTIMIZER_HOOK (hook));

  priv = dz_optimizer_get_instance_private (self);
  g_ptr_array_add (priv->hooks, g_object_ref (hook));
}

/**
 * dz_optimizer_update:
 * @self: a #DzOptimizer
 * @error: return location for a #GError
 *
 * Does one optimization step: runs the hooks on the parameters that have
 * a gradient, then the update rule on each of them that still has one.
 * On failure the parameters before the one that failed have been updated.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
dz_optimizer_update (DzOptimizer  *self,
                     GError      **error)
{
  DzOptimizerPrivate *priv;
  GError *local_error = NULL;

  g_return_val_if_fail (DZ_IS_OPTIMIZER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = dz_optimizer_get_instance_private (self);
  /* A hook or a rule calling dz_optimizer_update() on its own optimizer
   * would find the scratch lists in use. */
  if (priv->active->len > 0)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_REENTRANT,
                   "%s: update() called during its own update", G_OBJECT_TYPE_NAME (self));
      return FALSE;
    }

  if (DZ_OPTIMIZER_GET_CLASS (self)->update (self, &local_error))
    return TRUE;
  if (local_error == NULL)
    local_error = g_error_new (DZ_ERROR, DZ_ERROR_FAILED, "%s: update() failed",
                               G_OBJECT_TYPE_NAME (self));
  g_propagate_error (error, local_error);
  return FALSE;
}

/**
 * dz_optimizer_update_one:
 * @self: a #DzOptimizer
 * @param: a parameter that has a gradient
 * @index: the position of @param among the parameters
 * @error: return location for a #GError
 *
 * Applies the update rule of @self to @param alone, without the hooks.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
dz_optimizer_update_one (DzOptimizer  *self,
                         DzVariable   *param,
                         guint         index,
                         GError      **error)
{
  DzOptimizerClass *klass;
  GError *local_error = NULL;

  g_return_val_if_fail (DZ_IS_OPTIMIZER (self), FALSE);
  g_return_val_if_fail (DZ_IS_VARIABLE (param), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  klass = DZ_OPTIMIZER_GET_CLASS (self);
  if (klass->update_one == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_FAILED, "%s does not implement update_one()",
                   G_OBJECT_TYPE_NAME (self));
      return FALSE;
    }
  if (klass->update_one (self, param, index, &local_error))
    return TRUE;
  if (local_error == NULL)
    local_error = g_error_new (DZ_ERROR, DZ_ERROR_FAILED, "%s: update_one() failed",
                               G_OBJECT_TYPE_NAME (self));
  g_propagate_error (error, local_error);
  return FALSE;
}

static gboolean
check_like (DzArray     *a,
            const char  *a_what,
            DzArray     *b,
            const char  *b_what,
            GError     **error)
{
  guint a_ndim, b_ndim;
  const gsize *a_shape = dz_array_get_shape (a, &a_ndim);
  const gsize *b_shape = dz_array_get_shape (b, &b_ndim);

  if (a->dtype != b->dtype)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_DTYPE, "%s is %s but %s is %s",
                   a_what, dz_dtype_get_name (a->dtype), b_what, dz_dtype_get_name (b->dtype));
      return FALSE;
    }
  if (!dz_array_same_shape_ (a, b))
    {
      g_autofree char *a_str = dz_shape_to_string (a_shape, a_ndim);
      g_autofree char *b_str = dz_shape_to_string (b_shape, b_ndim);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH, "%s has shape %s but %s has %s",
                   a_what, a_str, b_what, b_str);
      return FALSE;
    }
  return TRUE;
}

gboolean
dz_optimizer_get_values (DzVariable  *param,
                         DzArray    **data,
                         DzArray    **grad,
                         GError     **error)
{
  DzVariable *grad_var = dz_variable_get_grad (param);

  *data = dz_variable_get_data (param);
  *grad = grad_var ? dz_variable_get_data (grad_var) : NULL;
  if (*data == NULL || *grad == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_NO_DATA, "The parameter %s has no %s",
                   dz_variable_get_name (param) ? dz_variable_get_name (param) : "(unnamed)",
                   *data == NULL ? "data" : "gradient");
      return FALSE;
    }
  if (!dz_dtype_is_float ((*data)->dtype))
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_DTYPE,
                   "Optimizers need float32 or float64 parameters, not %s",
                   dz_dtype_get_name ((*data)->dtype));
      return FALSE;
    }
  return check_like (*grad, "the gradient", *data, "the parameter", error);
}

DzOptimizerState *
dz_optimizer_get_state (DzOptimizer  *self,
                        DzVariable   *param,
                        DzArray      *data,
                        guint         n_slots,
                        GError      **error)
{
  DzOptimizerPrivate *priv = dz_optimizer_get_instance_private (self);
  DzOptimizerState *state = g_hash_table_lookup (priv->states, param);
  gsize n_bytes;
  guint8 *block;

  g_assert (n_slots >= 1 && n_slots <= G_N_ELEMENTS (state->slots));

  if (state != NULL)
    {
      guint ndim;
      const gsize *shape = dz_array_get_shape (data, &ndim);

      if (state->dtype == data->dtype && state->ndim == ndim
          && memcmp (state->shape, shape, ndim * sizeof (gsize)) == 0)
        return state;
      g_autofree char *was = dz_shape_to_string (state->shape, state->ndim);
      g_autofree char *is = dz_shape_to_string (shape, ndim);

      g_set_error (error, DZ_ERROR,
                   state->dtype != data->dtype ? DZ_ERROR_INVALID_DTYPE : DZ_ERROR_SHAPE_MISMATCH,
                   "The parameter is now %s of shape %s, but the optimizer's state for it is "
                   "%s of shape %s",
                   dz_dtype_get_name (data->dtype), is, dz_dtype_get_name (state->dtype), was);
      return NULL;
    }

  n_bytes = dz_array_n_bytes (data);
  if (n_bytes > G_MAXSIZE / n_slots)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_TOO_LARGE, "The optimizer's state is too large");
      return NULL;
    }
  /* One zeroed block for all the slots, each on its own cache line. */
  n_bytes = (n_bytes + 63) & ~(gsize) 63;
  block = g_aligned_alloc0 (n_slots, MAX (n_bytes, 64), 64);
  state = g_new0 (DzOptimizerState, 1);
  state->dtype = data->dtype;
  state->size = data->size;
  state->shape = g_memdup2 (dz_array_get_shape (data, &state->ndim),
                            MAX (data->ndim, 1) * sizeof (gsize));
  state->n_slots = n_slots;
  for (guint i = 0; i < n_slots; i++)
    state->slots[i] = block + i * MAX (n_bytes, 64);
  g_hash_table_insert (priv->states, g_object_ref (param), state);
  return state;
}

DzArray *
dz_optimizer_begin_write (DzVariable  *var,
                          DzArray     *data,
                          GError     **error)
{
  DzArray *out;

  /* Taking the array away from @var bumps its version, as giving it back
   * does: a graph recorded with @var holds the variable, not always its
   * array, and its backward pass must see that the value changed
   * (DZ_ERROR_DATA_MODIFIED) rather than use the new one. It also turns a
   * 0-d value kept inline in @var into an ordinary array. */
  g_object_ref (data);
  dz_variable_set_data (var, NULL);
  if (dz_array_is_exclusive (data))
    return g_object_ref (data);

  out = dz_array_new_uninitialized_like (data, error);
  if (out == NULL)
    {
      dz_variable_set_data (var, data);
      g_object_unref (data);
    }
  return out;
}

void
dz_optimizer_end_write (DzVariable *var,
                        DzArray    *data,
                        DzArray    *out)
{
  dz_variable_set_data (var, out);
  g_object_unref (out);
  g_object_unref (data);
}
