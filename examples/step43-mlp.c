/* step43-mlp.c: DeZero's step 43 in C, in float32: a 1-10-1 sigmoid network
 * fitting y = sin(2 pi x) + noise by gradient descent.
 *
 *   step43-mlp [ITERATIONS]
 *
 * SPDX-License-Identifier: MIT
 */

#include <math.h>
#include <stdlib.h>

#include <dezero-glib.h>

static DzVariable *
parameter (DzArray *values)
{
  DzArray *f32 = dz_array_astype (values, DZ_DTYPE_FLOAT32, NULL);
  DzVariable *p = dz_variable_new (f32);

  g_object_unref (f32);
  g_object_unref (values);
  return p;
}

/* p = p - lr * grad, with array math. */
static void
step (DzVariable *p,
      double      lr)
{
  g_autoptr(DzArray) delta = dz_array_scale (dz_variable_get_data (dz_variable_get_grad (p)), lr, NULL);
  g_autoptr(DzArray) next = dz_array_sub (dz_variable_get_data (p), delta, NULL);

  dz_variable_set_data (p, next);
}

int
main (int argc, char *argv[])
{
  const int iterations = argc > 1 ? atoi (argv[1]) : 10000;
  const gsize n = 100, I = 1, H = 10, O = 1;
  const gsize x_shape[] = { n, 1 }, w1_shape[] = { I, H }, w2_shape[] = { H, O };
  g_autoptr(DzGenerator) gen = dz_generator_new (0);
  g_autoptr(DzArray) x_values = dz_array_new_uniform (x_shape, 2, gen, NULL);
  g_autoptr(DzArray) noise = dz_array_new_uniform (x_shape, 2, gen, NULL);
  g_autofree double *targets = g_new (double, n);
  g_autoptr(DzArray) y_values = NULL;
  g_autoptr(DzArray) w1 = dz_array_new_randn (w1_shape, 2, gen, NULL);
  g_autoptr(DzArray) w2 = dz_array_new_randn (w2_shape, 2, gen, NULL);
  g_autoptr(DzVariable) x = NULL, y = NULL;
  DzVariable *params[4];
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < n; i++)
    targets[i] = sin (2 * G_PI * dz_array_get_value (x_values, i)) + dz_array_get_value (noise, i);
  y_values = dz_array_new_from_values (targets, n, x_shape, 2, NULL);
  x = parameter (g_object_ref (x_values));
  y = parameter (g_object_ref (y_values));
  dz_variable_set_requires_grad (x, FALSE);
  dz_variable_set_requires_grad (y, FALSE);

  /* W ~ 0.01 randn, b = 0, as the book. */
  params[0] = parameter (dz_array_scale (w1, 0.01, NULL));
  params[1] = parameter (dz_array_new_zeros (&H, 1, NULL));
  params[2] = parameter (dz_array_scale (w2, 0.01, NULL));
  params[3] = parameter (dz_array_new_zeros (&O, 1, NULL));

  for (int i = 0; i < iterations; i++)
    {
      g_autoptr(DzVariable) h = dz_linear (x, params[0], params[1], &error);
      g_autoptr(DzVariable) a = h ? dz_sigmoid (h, &error) : NULL;
      g_autoptr(DzVariable) y_pred = a ? dz_linear (a, params[2], params[3], &error) : NULL;
      g_autoptr(DzVariable) loss = y_pred ? dz_mean_squared_error (y, y_pred, &error) : NULL;

      for (guint p = 0; p < G_N_ELEMENTS (params); p++)
        dz_variable_clear_grad (params[p]);
      if (loss == NULL || !dz_variable_backward (loss, &error))
        {
          g_printerr ("step43-mlp: %s\n", error->message);
          return 1;
        }
      for (guint p = 0; p < G_N_ELEMENTS (params); p++)
        step (params[p], 0.2);
      if (i % 1000 == 0 || i == iterations - 1)
        {
          g_autofree char *text = dz_variable_to_string (loss);

          g_print ("%5d %s\n", i, text);
        }
    }

  for (guint p = 0; p < G_N_ELEMENTS (params); p++)
    g_object_unref (params[p]);
  g_clear_object (&x);
  g_clear_object (&y);
  g_clear_object (&x_values);
  g_clear_object (&noise);
  g_clear_object (&y_values);
  g_clear_object (&w1);
  g_clear_object (&w2);
  g_print ("live objects after training: %u arrays, %u variables, %u functions\n",
           dz_live_count (DZ_LIVE_ARRAY), dz_live_count (DZ_LIVE_VARIABLE),
           dz_live_count (DZ_LIVE_FUNCTION));
  return 0;
}
