/* bench-conv.c: the convolution cases of bench/run.py (--only conv), in C
 *
 *   bench-conv conv N C OC HW BUDGET
 *       conv2d of (N, C, HW, HW) float32 by 3x3 filters (OC, C, 3, 3) with
 *       a bias, pad 1; forward, then backward from ones (gradients of x, W
 *       and b), for at least BUDGET seconds after a warm-up; seconds per
 *       iteration of each.
 *   bench-conv cnn STEPS
 *       Fashion-MNIST, conv 3x3 16 channels pad 1 -> ReLU -> max-pool 2 ->
 *       linear 10, float32, batches of 100, SGD lr 0.1: STEPS steps timed
 *       after 5 of warm-up, extrapolated to an epoch (600 steps).
 *
 * Prints one JSON line, as bench-nn does.
 *
 * SPDX-License-Identifier: MIT
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dezero-glib.h>

static long
rss_kib (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, field);
  return line ? strtol (line + strlen (field), NULL, 10) : -1;
}

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void
check (gboolean ok, GError *error)
{
  if (!ok)
    {
      fprintf (stderr, "bench-conv: %s\n", error ? error->message : "failed");
      exit (1);
    }
}

static void
report (const char *kase, double forward_s, double backward_s, long baseline, const char *extra)
{
  printf ("{\"impl\": \"c\", \"case\": \"%s\", \"forward_s\": %.9f, \"backward_s\": %.9f, "
          "\"peak_rss_kib\": %ld, \"baseline_rss_kib\": %ld, \"live\": [%u, %u, %u], %s}\n",
          kase, forward_s, backward_s, rss_kib ("VmHWM:"), baseline,
          dz_live_count (DZ_LIVE_ARRAY), dz_live_count (DZ_LIVE_VARIABLE),
          dz_live_count (DZ_LIVE_FUNCTION), extra);
}

static DzVariable *
randn32 (const gsize *shape, double scale, DzGenerator *gen)
{
  g_autoptr(DzArray) a = dz_array_new_randn (shape, 4, gen, NULL);
  g_autoptr(DzArray) s = dz_array_scale (a, scale, NULL);
  g_autoptr(DzArray) f = dz_array_astype (s, DZ_DTYPE_FLOAT32, NULL);

  return dz_variable_new (f);
}

static void
conv_case (gsize n, gsize c, gsize oc, gsize hw, double budget)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (0);
  const gsize xs[4] = { n, c, hw, hw }, ws[4] = { oc, c, 3, 3 };
  g_autoptr(DzVariable) x = randn32 (xs, 1.0, gen);
  g_autoptr(DzVariable) W = randn32 (ws, 0.1, gen);
  g_autoptr(DzArray) b0 = dz_array_new_full_typed (DZ_DTYPE_FLOAT32, &oc, 1, 0.0, NULL);
  g_autoptr(DzVariable) b = dz_variable_new (b0);
  long baseline = rss_kib ("VmRSS:");
  double fwd = 0, bwd = 0, start = now ();
  guint iterations = 0;
  char extra[128];

  for (guint i = 0; iterations < 3 || now () - start < budget; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DzVariable) y = NULL;
      double t0, t1;

      /* Three untimed iterations of warm-up. */
      if (i == 3)
        start = now ();
      dz_variable_clear_grad (x);
      dz_variable_clear_grad (W);
      dz_variable_clear_grad (b);
      t0 = now ();
      y = dz_conv2d (x, W, b, 1, 1, 1, 1, &error);
      check (y != NULL, error);
      t1 = now ();
      check (dz_variable_backward (y, &error), error);
      if (i >= 3)
        {
          fwd += t1 - t0;
          bwd += now () - t1;
          iterations++;
        }
    }
  g_snprintf (extra, sizeof extra, "\"iterations\": %u, \"shape\": [%" G_GSIZE_FORMAT ", %"
              G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT "]", iterations, n, c, oc, hw);
  g_clear_object (&x);
  g_clear_object (&W);
  g_clear_object (&b);
  g_clear_object (&b0);
  report ("conv", fwd / iterations, bwd / iterations, baseline, extra);
}

/* The CNN: a layer of its own over its sub-layers. */
#define BENCH_TYPE_CNN (bench_cnn_get_type ())
G_DECLARE_FINAL_TYPE (BenchCnn, bench_cnn, BENCH, CNN, DzLayer)

struct _BenchCnn
{
  DzLayer parent_instance;
  DzLayer *conv, *fc;
};

G_DEFINE_FINAL_TYPE (BenchCnn, bench_cnn, DZ_TYPE_LAYER)

static GPtrArray *
bench_cnn_forward (DzLayer *layer, GPtrArray *inputs, GError **error)
{
  BenchCnn *self = BENCH_CNN (layer);
  g_autoptr(DzVariable) h = dz_layer_call1 (self->conv, inputs->pdata[0], error);
  g_autoptr(DzVariable) r = h ? dz_relu (h, error) : NULL;
  g_autoptr(DzVariable) p = r ? dz_pooling (r, 2, 2, 2, 2, 0, 0, error) : NULL;
  g_autoptr(DzVariable) f = p ? dz_flatten (p, error) : NULL;
  DzVariable *y = f ? dz_layer_call1 (self->fc, f, error) : NULL;
  GPtrArray *out;

  if (y == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (out, y);
  return out;
}

static void
bench_cnn_class_init (BenchCnnClass *klass)
{
  DZ_LAYER_CLASS (klass)->forward = bench_cnn_forward;
}

static void
bench_cnn_init (BenchCnn *self)
{
}

static void
cnn_case (int steps)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DzGenerator) gen = dz_generator_new (0);
  g_autoptr(DzFashionMNIST) train = dz_fashion_mnist_new (TRUE, &error);
  g_autoptr(DzDataLoader) loader = NULL;
  BenchCnn *cnn = g_object_new (BENCH_TYPE_CNN, NULL);
  g_autoptr(DzLayer) model = DZ_LAYER (cnn);
  g_autoptr(DzLayer) conv = dz_conv2d_layer_new (1, 16, 3, 3, 1, 1, 1, 1, FALSE, DZ_DTYPE_FLOAT32, gen);
  g_autoptr(DzLayer) fc = dz_linear_layer_new_with_in_size (16 * 14 * 14, 10, FALSE,
                                                            DZ_DTYPE_FLOAT32, gen);
  g_autoptr(DzOptimizer) sgd = dz_sgd_new (0.1);
  const gssize image[4] = { -1, 1, 28, 28 };
  long baseline;
  double t0 = 0, last = 0;
  char extra[128];

  check (train != NULL, error);
  dz_layer_add_layer (model, "conv", conv);
  dz_layer_add_layer (model, "fc", fc);
  cnn->conv = conv;
  cnn->fc = fc;
  dz_optimizer_setup (sgd, model);
  loader = dz_data_loader_new (DZ_DATASET (train), 100, TRUE, 0);
  baseline = rss_kib ("VmRSS:");
  for (int i = 0; i < steps + 5; i++)
    {
      DzArray *xa, *ta;
      g_autoptr(DzArray) xb = NULL, tb = NULL;
      g_autoptr(DzVariable) x = NULL, t = NULL, y = NULL, loss = NULL;

      if (i == 5)
        t0 = now ();
      if (!dz_data_loader_next (loader, &xa, &ta, &error))
        {
          check (error == NULL, error);
          dz_data_loader_reset (loader);
          check (dz_data_loader_next (loader, &xa, &ta, &error), error);
        }
      /* Images (N, 1, 28, 28) reshaped as an array: they take no gradient
       * (a reshape in the graph would make the first conv compute one). */
      xb = dz_array_reshape (xa, image, 4, &error);
      check (xb != NULL, error);
      g_object_unref (xa);
      tb = ta;
      x = dz_variable_new (xb);
      t = dz_variable_new (tb);
      dz_variable_set_requires_grad (x, FALSE);
      y = dz_layer_call1 (model, x, &error);
      check (y != NULL, error);
      loss = dz_softmax_cross_entropy (y, t, &error);
      check (loss != NULL, error);
      dz_layer_cleargrads (model);
      check (dz_variable_backward (loss, &error) && dz_optimizer_update (sgd, &error), error);
      last = dz_array_item (dz_variable_get_data (loss));
    }
  g_snprintf (extra, sizeof extra, "\"steps\": %d, \"batches\": 600, \"last_loss\": %.4f", steps, last);
  g_clear_object (&sgd);
  g_clear_object (&loader);
  g_clear_object (&model);
  g_clear_object (&conv);
  g_clear_object (&fc);
  g_clear_object (&train);
  report ("cnn", (now () - t0) / steps * 600, 0, baseline, extra);
}

int
main (int argc, char *argv[])
{
  if (argc == 7 && strcmp (argv[1], "conv") == 0)
    conv_case (atoi (argv[2]), atoi (argv[3]), atoi (argv[4]), atoi (argv[5]), atof (argv[6]));
  else if (argc == 3 && strcmp (argv[1], "cnn") == 0)
    cnn_case (atoi (argv[2]));
  else
    {
      fprintf (stderr, "usage: see the top of bench-conv.c\n");
      return 2;
    }
  return 0;
}
