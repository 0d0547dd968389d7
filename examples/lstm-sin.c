/* lstm-sin.c: DeZero's step 60 in C: an LSTM (hidden 100) and a linear
 * layer learn the noisy sine wave of SinCurve by truncated
 * backpropagation through time (30 steps), with Adam, in float64.
 *
 *   lstm-sin [EPOCHS]        (100 by default, as DeZero)
 *
 * Prints each epoch's mean loss, then the model's predictions on a cosine
 * (the test DeZero plots) as their mean squared error against the next
 * value, the time, and the objects still alive (0 0 0).
 *
 * SPDX-License-Identifier: MIT
 */

#include <math.h>
#include <stdlib.h>

#include <dezero-glib.h>

#define HIDDEN_SIZE 100
#define BATCH_SIZE  30
#define BPTT_LENGTH 30

static int
fail (GError *error)
{
  g_printerr ("lstm-sin: %s\n", error ? error->message : "failed");
  return 1;
}

/* DeZero's plot: the model fed cos over two periods, one value at a time;
 * its error against the following value. */
static double
cosine_error (DzLayer  *model,
              DzLayer  *lstm,
              GError  **error)
{
  g_autoptr(DzNoGradGuard) guard = dz_no_grad_guard_new ();
  const gsize shape[2] = { 1, 1 };
  const guint n = 1000;
  double sum = 0.0;

  dz_lstm_layer_reset_state (DZ_LSTM_LAYER (lstm));
  for (guint i = 0; i + 1 < n; i++)
    {
      double v = cos (i * 4.0 * G_PI / (n - 1)), next = cos ((i + 1) * 4.0 * G_PI / (n - 1));
      g_autoptr(DzArray) a = dz_array_new_from_values (&v, 1, shape, 2, error);
      g_autoptr(DzVariable) x = a ? dz_variable_new (a) : NULL;
      g_autoptr(DzVariable) y = x ? dz_layer_call1 (model, x, error) : NULL;

      if (y == NULL)
        return NAN;
      sum += pow (dz_array_item (dz_variable_get_data (y)) - next, 2);
    }
  return sum / (n - 1);
}

int
main (int   argc,
      char *argv[])
{
  guint max_epoch = argc > 1 ? (guint) atoi (argv[1]) : 100;
  g_autoptr(GError) error = NULL;
  g_autoptr(DzGenerator) generator = dz_generator_new (0);
  gint64 start = g_get_monotonic_time ();
  double mse;

  {
    g_autoptr(DzSinCurve) train_set = dz_sin_curve_new (TRUE, generator);
    g_autoptr(DzDataLoader) loader = dz_data_loader_new_sequential (DZ_DATASET (train_set),
                                                                    BATCH_SIZE);
    g_autoptr(DzLayer) lstm = dz_lstm_layer_new (HIDDEN_SIZE, 0, DZ_DTYPE_FLOAT64, generator);
    g_autoptr(DzLayer) fc = dz_linear_layer_new (1, FALSE, DZ_DTYPE_FLOAT64, generator);
    /* DeZero's BetterRNN: the LSTM, then the linear layer. */
    DzLayer *layers[] = { lstm, fc };
    g_autoptr(DzLayer) model = dz_sequential_new (layers, G_N_ELEMENTS (layers));
    /* Adam with its (DeZero's) defaults. */
    g_autoptr(DzOptimizer) adam = dz_optimizer_setup (dz_adam_new (0.001, 0.9, 0.999, 1e-8), model);

    for (guint epoch = 0; epoch < max_epoch; epoch++)
      {
        g_autoptr(DzVariable) loss = NULL;
        DzArray *x, *t;
        guint count = 0;

        dz_lstm_layer_reset_state (DZ_LSTM_LAYER (lstm));
        while (dz_data_loader_next (loader, &x, &t, &error))
          {
            g_autoptr(DzVariable) xv = dz_variable_new (x);
            g_autoptr(DzVariable) tv = dz_variable_new (t);
            g_autoptr(DzVariable) y = NULL;
            g_autoptr(DzVariable) l = NULL;

            g_object_unref (x);
            g_object_unref (t);
            if ((y = dz_layer_call1 (model, xv, &error)) == NULL
                || (l = dz_mean_squared_error (y, tv, &error)) == NULL)
              return fail (error);
            if (loss == NULL)
              loss = g_steal_pointer (&l);
            else
              {
                DzVariable *sum = dz_add (loss, l, &error);

                if (sum == NULL)
                  return fail (error);
                g_object_unref (loss);
                loss = sum;
              }
            count++;

            if (count % BPTT_LENGTH == 0)
              {
                dz_layer_cleargrads (model);
                if (!dz_variable_backward (loss, &error))
                  return fail (error);
                dz_variable_unchain_backward (loss);
                if (!dz_optimizer_update (adam, &error))
                  return fail (error);
              }
          }
        if (error != NULL)
          return fail (error);
        /* As DeZero: the loss of the epoch's steps since the last update,
         * over the epoch's steps. */
        g_print ("| epoch %u | loss %f\n", epoch + 1,
                 dz_array_item (dz_variable_get_data (loss)) / count);
      }

    mse = cosine_error (model, lstm, &error);
    if (error != NULL)
      return fail (error);
    g_print ("cosine, one step ahead: mean squared error %.5f\n", mse);
  }
  g_print ("time %.2f s\n", (g_get_monotonic_time () - start) / 1e6);
  g_print ("live objects: %u %u %u\n", dz_live_count (DZ_LIVE_ARRAY),
           dz_live_count (DZ_LIVE_VARIABLE), dz_live_count (DZ_LIVE_FUNCTION));
  return 0;
}
