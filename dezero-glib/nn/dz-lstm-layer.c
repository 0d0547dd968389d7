/* dz-lstm-layer.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-error.h"
#include "dz-index.h"
#include "dz-linear-layer.h"
#include "dz-lstm-layer.h"
#include "dz-ops.h"
#include "dz-parameter.h"

/**
 * DzLSTMLayer:
 *
 * A long short-term memory layer, as DeZero's `L.LSTM(hidden_size,
 * in_size)`. Each call takes a batch `x` of shape (N, in) and, with the
 * state `h`, `c` of the previous call, computes the gates
 *
 *     f = sigmoid (x2f (x) + h2f (h))    i = sigmoid (x2i (x) + h2i (h))
 *     o = sigmoid (x2o (x) + h2o (h))    u = tanh (x2u (x) + h2u (h))
 *
 * and the new state `c = f c + i u`, `h = o tanh (c)`; it returns `h`, of
 * shape (N, hidden), and keeps both for the next call. The first call
 * after creation or dz_lstm_layer_reset_state() has no `h2*` terms and
 * `c = i u`.
 *
 * The eight sub-layers are #DzLinearLayer: `x2f`, `x2i`, `x2o`, `x2u` with
 * bias, whose input size is taken from the first input when not given,
 * and `h2f`, `h2i`, `h2o`, `h2u` without, so the parameters are
 * `x2f.W`, `x2f.b`, … `h2u.W` (DeZero's names).
 *
 * A step on 2-d inputs runs as one operation, dz_lstm_cell() on those
 * parameters, once they exist (the call that infers the input size runs
 * the formula above op by op); a sub-layer replaced with
 * dz_layer_add_layer() by anything but such a linear layer is called as
 * itself. Both give the same values, to rounding.
 *
 * The kept state holds the graph of every call since the last reset: for
 * truncated backpropagation through time call
 * dz_variable_unchain_backward() on the loss every few steps.
 *
 * A #DzScope (`Dz.tidy`, a JavaScript loop over a #DzDataLoader) disposes
 * what only the layer holds when it closes: keep the state from one block
 * to the next (`Dz.keep([layer.get_h ()…])`) while a sequence goes on.
 */
struct _DzLSTMLayer
{
  DzLayer parent_instance;

  gsize hidden_size;
  DzVariable *h;
  DzVariable *c;
};

G_DEFINE_FINAL_TYPE (DzLSTMLayer, dz_lstm_layer, DZ_TYPE_LAYER)

static const char *const x2_names[4] = { "x2f", "x2i", "x2o", "x2u" };
static const char *const h2_names[4] = { "h2f", "h2i", "h2o", "h2u" };

/* Calls the sub-layer registered as @name on @x. */
static DzVariable *
call_child (DzLayer     *self,
            const char  *name,
            DzVariable  *x,
            GError     **error)
{
  DzLayer *child = dz_layer_get_layer (self, name);

  if (child == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_FUNCTION_FAILED,
                   "The %s has no layer '%s'", G_OBJECT_TYPE_NAME (self), name);
      return NULL;
    }
  return dz_layer_call1 (child, x, error);
}

/* The pre-activation of gate @g: x2g (x), plus h2g (h) with a state. The
 * sub-layers are looked up at each call, as DzMLP's, so that replacing one
 * with dz_layer_add_layer() replaces it in the computation. */
static DzVariable *
gate_input (DzLSTMLayer  *self,
            guint         g,
            DzVariable   *x,
            GError      **error)
{
  g_autoptr(DzVariable) a = NULL;
  g_autoptr(DzVariable) b = NULL;

  if ((a = call_child (DZ_LAYER (self), x2_names[g], x, error)) == NULL)
    return NULL;
  if (self->h == NULL)
    return g_steal_pointer (&a);
  if ((b = call_child (DZ_LAYER (self), h2_names[g], self->h, error)) == NULL)
    return NULL;
  return dz_add (a, b, error);
}

/* Columns [start, stop) of the 2-d @v. */
static DzVariable *
columns (DzVariable  *v,
         gsize        start,
         gsize        stop,
         GError     **error)
{
  g_autoptr(DzIndex) index = dz_index_new ();

  dz_index_add_slice (index, G_MININT64, G_MININT64, 1);
  dz_index_add_slice (index, (gint64) start, (gint64) stop, 1);
  return dz_get_item (v, index, error);
}

/* The parameter @name of the linear layer @child, or NULL when it has none
 * or no data yet. */
static DzVariable *
linear_param (DzLayer    *child,
              const char *name)
{
  DzParameter *p = dz_layer_get_parameter (child, name);

  if (p == NULL || dz_variable_get_data (DZ_VARIABLE (p)) == NULL)
    return NULL;
  return DZ_VARIABLE (p);
}

/* Gathers the op's inputs when the sub-layers are the linear layers the
 * layer made (not replaced), with their weights made: x, [h, c,] Wx x4,
 * b x4, [Wh x4]. Returns the count, or 0 for the composite path (the
 * first call infers the input size there). */
static guint
cell_inputs (DzLSTMLayer  *self,
             DzVariable   *x,
             DzVariable  **inputs)
{
  gboolean state = self->h != NULL && self->c != NULL;
  guint n = 0, ndim = 0;

  if (dz_variable_get_shape (x, &ndim) == NULL || ndim != 2)
    return 0;
  inputs[n++] = x;
  if (state)
    {
      inputs[n++] = self->h;
      inputs[n++] = self->c;
    }
  for (guint g = 0; g < 4; g++)
    {
      DzLayer *child = dz_layer_get_layer (DZ_LAYER (self), x2_names[g]);

      if (child == NULL || !DZ_IS_LINEAR_LAYER (child)
          || (inputs[n + g] = linear_param (child, "W")) == NULL
          || (inputs[n + 4 + g] = linear_param (child, "b")) == NULL)
        return 0;
    }
  n += 8;
  if (!state)
    return n;
  for (guint g = 0; g < 4; g++)
    {
      DzLayer *child = dz_layer_get_layer (DZ_LAYER (self), h2_names[g]);

      if (child == NULL || !DZ_IS_LINEAR_LAYER (child)
          || (inputs[n + g] = linear_param (child, "W")) == NULL
          || dz_layer_get_parameter (child, "b") != NULL)
        return 0;
    }
  return n + 4;
}

/* One step as one op (dz_lstm_cell()): h and c are sliced out of its
 * [h, c, gates] output, which the slices' graph keeps for the gradient. */
static gboolean
forward_cell (DzLSTMLayer  *self,
              DzVariable  **inputs,
              guint         n,
              DzVariable  **h,
              DzVariable  **c,
              GError      **error)
{
  g_autoptr(DzVariable) y = dz_lstm_cell (inputs, n, error);

  if (y == NULL || (*h = columns (y, 0, self->hidden_size, error)) == NULL)
    return FALSE;
  if ((*c = columns (y, self->hidden_size, 2 * self->hidden_size, error)) == NULL)
    {
      g_clear_object (h);
      return FALSE;
    }
  return TRUE;
}

static GPtrArray *
dz_lstm_layer_forward (DzLayer    *layer,
                       GPtrArray  *inputs,
                       GError    **error)
{
  DzLSTMLayer *self = DZ_LSTM_LAYER (layer);
  DzVariable *x;
  g_autoptr(DzVariable) pf = NULL;
  g_autoptr(DzVariable) pi = NULL;
  g_autoptr(DzVariable) po = NULL;
  g_autoptr(DzVariable) pu = NULL;
  g_autoptr(DzVariable) f = NULL;
  g_autoptr(DzVariable) i = NULL;
  g_autoptr(DzVariable) o = NULL;
  g_autoptr(DzVariable) u = NULL;
  g_autoptr(DzVariable) iu = NULL;
  g_autoptr(DzVariable) fc = NULL;
  g_autoptr(DzVariable) c = NULL;
  g_autoptr(DzVariable) tc = NULL;
  DzVariable *h = NULL;
  DzVariable *cell[15];
  guint n_cell;
  GPtrArray *outputs;

  if (inputs->len != 1)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT,
                   "An LSTM layer takes one input, not %u", inputs->len);
      return NULL;
    }
  x = g_ptr_array_index (inputs, 0);
  if ((n_cell = cell_inputs (self, x, cell)) > 0)
    {
      if (!forward_cell (self, cell, n_cell, &h, &c, error))
        return NULL;
      goto done;
    }
  if ((pf = gate_input (self, 0, x, error)) == NULL
      || (pi = gate_input (self, 1, x, error)) == NULL
      || (po = gate_input (self, 2, x, error)) == NULL
      || (pu = gate_input (self, 3, x, error)) == NULL
      || (f = dz_sigmoid (pf, error)) == NULL
      || (i = dz_sigmoid (pi, error)) == NULL
      || (o = dz_sigmoid (po, error)) == NULL
      || (u = dz_tanh (pu, error)) == NULL
      || (iu = dz_mul (i, u, error)) == NULL)
    return NULL;
  if (self->c == NULL)
    c = g_steal_pointer (&iu);
  else if ((fc = dz_mul (f, self->c, error)) == NULL
           || (c = dz_add (fc, iu, error)) == NULL)
    return NULL;
  if ((tc = dz_tanh (c, error)) == NULL
      || (h = dz_mul (o, tc, error)) == NULL)
    return NULL;

done:
  g_clear_object (&self->h);
  g_clear_object (&self->c);
  self->h = g_object_ref (h);
  self->c = g_steal_pointer (&c);
  outputs = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (outputs, h);
  return outputs;
}

static void
dz_lstm_layer_dispose (GObject *object)
{
  DzLSTMLayer *self = DZ_LSTM_LAYER (object);

  g_clear_object (&self->h);
  g_clear_object (&self->c);

  G_OBJECT_CLASS (dz_lstm_layer_parent_class)->dispose (object);
}

static void
dz_lstm_layer_class_init (DzLSTMLayerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = dz_lstm_layer_dispose;
  DZ_LAYER_CLASS (klass)->forward = dz_lstm_layer_forward;
}

static void
dz_lstm_layer_init (DzLSTMLayer *self)
{
}

/**
 * dz_lstm_layer_new:
 * @hidden_size: the size of the hidden state, at least 1
 * @in_size: the size of the inputs' last axis, or 0 to take it from the
 *   first input
 * @dtype: the element type of the parameters
 * @generator: (nullable): the generator to draw the initial weights from,
 *   or %NULL for the default one
 *
 * Creates an LSTM layer without state (see #DzLSTMLayer).
 *
 * Returns: (transfer full): a new #DzLSTMLayer
 */
DzLayer *
dz_lstm_layer_new (gsize        hidden_size,
                   gsize        in_size,
                   DzDtype      dtype,
                   DzGenerator *generator)
{
  DzLSTMLayer *self;

  g_return_val_if_fail (hidden_size > 0, NULL);
  g_return_val_if_fail ((guint) dtype < DZ_N_DTYPES, NULL);
  g_return_val_if_fail (generator == NULL || DZ_IS_GENERATOR (generator), NULL);

  self = g_object_new (DZ_TYPE_LSTM_LAYER, NULL);
  self->hidden_size = hidden_size;
  for (guint g = 0; g < 4; g++)
    {
      g_autoptr(DzLayer) x2 = dz_linear_layer_new_with_in_size (in_size, hidden_size, FALSE,
                                                                dtype, generator);

      dz_layer_add_layer (DZ_LAYER (self), x2_names[g], x2);
    }
  for (guint g = 0; g < 4; g++)
    {
      g_autoptr(DzLayer) h2 = dz_linear_layer_new_with_in_size (hidden_size, hidden_size, TRUE,
                                                                dtype, generator);

      dz_layer_add_layer (DZ_LAYER (self), h2_names[g], h2);
    }
  return DZ_LAYER (self);
}

/**
 * dz_lstm_layer_reset_state:
 * @self: a #DzLSTMLayer
 *
 * Forgets the state `h` and `c`, as DeZero's `reset_state()`: the next
 * call starts a new sequence.
 */
void
dz_lstm_layer_reset_state (DzLSTMLayer *self)
{
  g_return_if_fail (DZ_IS_LSTM_LAYER (self));

  g_clear_object (&self->h);
  g_clear_object (&self->c);
}

/**
 * dz_lstm_layer_get_h:
 * @self: a #DzLSTMLayer
 *
 * Returns the hidden state, the output of the last call.
 *
 * Returns: (transfer none) (nullable): the hidden state, or %NULL after
 *   a reset
 */
DzVariable *
dz_lstm_layer_get_h (DzLSTMLayer *self)
{
  g_return_val_if_fail (DZ_IS_LSTM_LAYER (self), NULL);

  return self->h;
}

/**
 * dz_lstm_layer_get_c:
 * @self: a #DzLSTMLayer
 *
 * Returns the cell state of the last call.
 *
 * Returns: (transfer none) (nullable): the cell state, or %NULL after a
 *   reset
 */
DzVariable *
dz_lstm_layer_get_c (DzLSTMLayer *self)
{
  g_return_val_if_fail (DZ_IS_LSTM_LAYER (self), NULL);

  return self->c;
}

/**
 * dz_lstm_layer_get_hidden_size:
 * @self: a #DzLSTMLayer
 *
 * Returns the size of the hidden state.
 *
 * Returns: the hidden size
 */
gsize
dz_lstm_layer_get_hidden_size (DzLSTMLayer *self)
{
  g_return_val_if_fail (DZ_IS_LSTM_LAYER (self), 0);

  return self->hidden_size;
}
