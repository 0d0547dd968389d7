/* dz-rnn-layer.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-error.h"
#include "dz-linear-layer.h"
#include "dz-ops.h"
#include "dz-rnn-layer.h"

/**
 * DzRNNLayer:
 *
 * An Elman recurrent layer, as DeZero's `L.RNN(hidden_size, in_size)`:
 * each call takes a batch `x` of shape (N, in) and returns the new hidden
 * state `h = tanh (x2h (x) + h2h (h_prev))`, of shape (N, hidden), which
 * the layer keeps for the next call (the first call after creation or
 * dz_rnn_layer_reset_state() has no `h2h` term).
 *
 * `x2h` is a #DzLinearLayer with bias whose input size is taken from the
 * first input when not given; `h2h` has none and takes the hidden state
 * (DeZero makes it with `in_size=in_size`, which only works because its
 * weights are then sized lazily from `h`). The parameters are
 * `x2h.W`, `x2h.b` and `h2h.W`.
 *
 * The kept state holds the graph of every call since the last reset: for
 * truncated backpropagation through time call
 * dz_variable_unchain_backward() on the loss every few steps, which also
 * frees the graph behind the state.
 *
 * A #DzScope (`Dz.tidy`, a JavaScript loop over a #DzDataLoader) disposes
 * what only the layer holds when it closes: keep the state from one block
 * to the next (`Dz.keep([layer.get_h ()…])`) while a sequence goes on.
 */
struct _DzRNNLayer
{
  DzLayer parent_instance;

  gsize hidden_size;
  DzVariable *h;
};

G_DEFINE_FINAL_TYPE (DzRNNLayer, dz_rnn_layer, DZ_TYPE_LAYER)

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

static GPtrArray *
dz_rnn_layer_forward (DzLayer    *layer,
                      GPtrArray  *inputs,
                      GError    **error)
{
  DzRNNLayer *self = DZ_RNN_LAYER (layer);
  g_autoptr(DzVariable) a = NULL;
  g_autoptr(DzVariable) b = NULL;
  g_autoptr(DzVariable) s = NULL;
  DzVariable *h;
  GPtrArray *outputs;

  if (inputs->len != 1)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT,
                   "An RNN layer takes one input, not %u", inputs->len);
      return NULL;
    }
  a = call_child (layer, "x2h", g_ptr_array_index (inputs, 0), error);
  if (a == NULL)
    return NULL;
  if (self->h != NULL)
    {
      if ((b = call_child (layer, "h2h", self->h, error)) == NULL
          || (s = dz_add (a, b, error)) == NULL)
        return NULL;
    }
  h = dz_tanh (s != NULL ? s : a, error);
  if (h == NULL)
    return NULL;

  g_clear_object (&self->h);
  self->h = g_object_ref (h);
  outputs = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (outputs, h);
  return outputs;
}

static void
dz_rnn_layer_dispose (GObject *object)
{
  g_clear_object (&DZ_RNN_LAYER (object)->h);

  G_OBJECT_CLASS (dz_rnn_layer_parent_class)->dispose (object);
}

static void
dz_rnn_layer_class_init (DzRNNLayerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = dz_rnn_layer_dispose;
  DZ_LAYER_CLASS (klass)->forward = dz_rnn_layer_forward;
}

static void
dz_rnn_layer_init (DzRNNLayer *self)
{
}

/**
 * dz_rnn_layer_new:
 * @hidden_size: the size of the hidden state, at least 1
 * @in_size: the size of the inputs' last axis, or 0 to take it from the
 *   first input
 * @dtype: the element type of the parameters
 * @generator: (nullable): the generator to draw the initial weights from,
 *   or %NULL for the default one
 *
 * Creates a recurrent layer without state (see #DzRNNLayer).
 *
 * Returns: (transfer full): a new #DzRNNLayer
 */
DzLayer *
dz_rnn_layer_new (gsize        hidden_size,
                  gsize        in_size,
                  DzDtype      dtype,
                  DzGenerator *generator)
{
  DzRNNLayer *self;
  g_autoptr(DzLayer) x2h = NULL;
  g_autoptr(DzLayer) h2h = NULL;

  g_return_val_if_fail (hidden_size > 0, NULL);
  g_return_val_if_fail ((guint) dtype < DZ_N_DTYPES, NULL);
  g_return_val_if_fail (generator == NULL || DZ_IS_GENERATOR (generator), NULL);

  self = g_object_new (DZ_TYPE_RNN_LAYER, NULL);
  self->hidden_size = hidden_size;
  x2h = dz_linear_layer_new_with_in_size (in_size, hidden_size, FALSE, dtype, generator);
  h2h = dz_linear_layer_new_with_in_size (hidden_size, hidden_size, TRUE, dtype, generator);
  dz_layer_add_layer (DZ_LAYER (self), "x2h", x2h);
  dz_layer_add_layer (DZ_LAYER (self), "h2h", h2h);
  return DZ_LAYER (self);
}

/**
 * dz_rnn_layer_reset_state:
 * @self: a #DzRNNLayer
 *
 * Forgets the hidden state, as DeZero's `reset_state()`: the next call
 * starts a new sequence.
 */
void
dz_rnn_layer_reset_state (DzRNNLayer *self)
{
  g_return_if_fail (DZ_IS_RNN_LAYER (self));

  g_clear_object (&self->h);
}

/**
 * dz_rnn_layer_get_h:
 * @self: a #DzRNNLayer
 *
 * Returns the hidden state, the output of the last call.
 *
 * Returns: (transfer none) (nullable): the hidden state, or %NULL after
 *   a reset
 */
DzVariable *
dz_rnn_layer_get_h (DzRNNLayer *self)
{
  g_return_val_if_fail (DZ_IS_RNN_LAYER (self), NULL);

  return self->h;
}

/**
 * dz_rnn_layer_get_hidden_size:
 * @self: a #DzRNNLayer
 *
 * Returns the size of the hidden state.
 *
 * Returns: the hidden size
 */
gsize
dz_rnn_layer_get_hidden_size (DzRNNLayer *self)
{
  g_return_val_if_fail (DZ_IS_RNN_LAYER (self), 0);

  return self->hidden_size;
}
