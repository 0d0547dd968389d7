/* bench-nn.c: the training benchmark cases from C, through the library's
 * layers, optimizers and data loader (what a C user of dezero-glib
 * writes), one case per process, one JSON line out (the protocol of
 * bench-dz and bench-tensor).
 *
 *   bench-nn spiral EPOCHS DTYPE
 *       DeZero's step 48: DzSpiral, MLP (10, 3) sigmoid, SGD lr 1.0, batches
 *       of 30 shuffled, in DTYPE (DeZero's: f32); the whole run is timed.
 *   bench-nn fmnist DTYPE STEPS EPOCHS [SEED]
 *       Fashion-MNIST, MLP (1000, 10) sigmoid, SGD lr 1.0, batches of 100
 *       shuffled, the images cast to DTYPE (f32 or f64) per batch. With
 *       EPOCHS 0: STEPS steps timed after a warm-up of 5, extrapolated to an
 *       epoch; with EPOCHS > 0: that many whole epochs, each timed, and the
 *       test accuracy at the end. SEED (0) seeds the weights and the shuffle.
 *   bench-nn lstm-sin EPOCHS
 *       DeZero's step 60: DzSinCurve, LSTM (hidden 100) + Linear (1), Adam,
 *       truncated BPTT every 30 steps, the sequential loader with batches
 *       of 30, float64; EPOCHS epochs timed after one of warm-up, the
 *       seconds per epoch reported.
 *   bench-nn cblas-fmnist DTYPE STEPS EPOCHS
 *       The floor of the case above: its five GEMMs per step (forward
 *       x W1, h W2; backward gW2 = h^T gy, gh = gy W2^T, gW1 = x^T gh) on
 *       CBLAS into preallocated buffers, nothing else; EPOCHS is ignored.
 *
 * The data are loaded before timing. "forward_s" holds the timed seconds
 * (the whole run, or one epoch).
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef DZ_HAVE_BLIS_H
# include <blis.h>
#else
# include <cblas.h>
#endif

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
      fprintf (stderr, "bench-nn: %s\n", error ? error->message : "failed");
      exit (1);
    }
}

/* One SGD step on the batch (@xa, @ta); returns the loss. */
static double
train_step (DzLayer     *model,
            DzOptimizer *optimizer,
            DzArray     *xa,
            DzArray     *ta,
            DzDtype      dtype)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DzArray) cast = dz_array_get_dtype (xa) == dtype ? g_object_ref (xa)
                                                             : dz_array_astype (xa, dtype, &error);
  g_autoptr(DzVariable) x = NULL, t = dz_variable_new (ta);
  g_autoptr(DzVariable) y = NULL, loss = NULL;

  check (cast != NULL, error);
  x = dz_variable_new (cast);
  /* The batch takes no gradient, as a tensor without requires_grad. */
  dz_variable_set_requires_grad (x, FALSE);
  check ((y = dz_layer_call1 (model, x, &error)) != NULL, error);
  check ((loss = dz_softmax_cross_entropy (y, t, &error)) != NULL, error);
  dz_layer_cleargrads (model);
  check (dz_variable_backward (loss, &error), error);
  check (dz_optimizer_update (optimizer, &error), error);
  return dz_array_item (dz_variable_get_data (loss));
}

/* Loss and accuracy of @model on (@xa, @ta) in one batch, or in batches of
 * 1000 through @loader when given; no graph. */
static void
evaluate (DzLayer *model, DzDataLoader *loader, DzArray *xa, DzArray *ta, DzDtype dtype,
          double *loss_out, double *acc_out)
{
  g_autoptr(DzNoGradGuard) guard = dz_no_grad_guard_new ();
  g_autoptr(GError) error = NULL;
  double loss_sum = 0, acc_sum = 0;
  gsize n = 0;
  DzArray *bx = xa, *bt = ta;

  while (loader == NULL ? bx != NULL : dz_data_loader_next (loader, &bx, &bt, &error))
    {
      g_autoptr(DzArray) cast = dz_array_astype (bx, dtype, &error);
      g_autoptr(DzVariable) x = NULL, t = dz_variable_new (bt);
      g_autoptr(DzVariable) y = NULL, loss = NULL, acc = NULL;
      gsize count = dz_array_get_size (bt);

      check (cast != NULL, error);
      x = dz_variable_new (cast);
      check ((y = dz_layer_call1 (model, x, &error)) != NULL, error);
      check ((loss = dz_softmax_cross_entropy (y, t, &error)) != NULL, error);
      check ((acc = dz_accuracy (y, t, &error)) != NULL, error);
      loss_sum += dz_array_item (dz_variable_get_data (loss)) * count;
      acc_sum += dz_array_item (dz_variable_get_data (acc)) * count;
      n += count;
      if (loader != NULL)
        {
          g_object_unref (bx);
          g_object_unref (bt);
        }
      else
        bx = NULL;
    }
  check (error == NULL, error);
  *loss_out = loss_sum / n;
  *acc_out = acc_sum / n;
}

static void
print_result (const char *kase, double timed_s, long baseline, const char *extra)
{
  printf ("{\"impl\": \"c\", \"case\": \"%s\", \"forward_s\": %.9f, \"backward_s\": 0, "
          "\"peak_rss_kib\": %ld, \"baseline_rss_kib\": %ld, \"live\": [%u, %u, %u], %s}\n",
          kase, timed_s, rss_kib ("VmHWM:"), baseline, dz_live_count (DZ_LIVE_ARRAY),
          dz_live_count (DZ_LIVE_VARIABLE), dz_live_count (DZ_LIVE_FUNCTION), extra);
}

static void
bench_spiral (int epochs, DzDtype dtype)
{
  const gsize sizes[] = { 10, 3 };
  char extra[256];
  double start, seconds, first_loss = 0, last_loss = 0, loss, acc;
  long baseline;
  guint64 steps = 0;

  {
    g_autoptr(DzGenerator) generator = dz_generator_new (0);
    g_autoptr(DzDataset) data = DZ_DATASET (dz_spiral_new (TRUE));
    g_autoptr(DzDataLoader) loader = dz_data_loader_new (data, 30, TRUE, 0);
    g_autoptr(DzLayer) model = dz_mlp_new (sizes, 2, DZ_MLP_ACTIVATION_SIGMOID, dtype, generator);
    g_autoptr(DzOptimizer) optimizer = dz_sgd_new (1.0);
    g_autoptr(GError) error = NULL;
    DzArray *xa, *ta, *all_x, *all_t;

    dz_optimizer_setup (optimizer, model);
    baseline = rss_kib ("VmRSS:");
    start = now ();
    for (int epoch = 0; epoch < epochs; epoch++)
      {
        double sum = 0;

        while (dz_data_loader_next (loader, &xa, &ta, &error))
          {
            sum += train_step (model, optimizer, xa, ta, dtype) * dz_array_get_size (ta);
            g_object_unref (xa);
            g_object_unref (ta);
            steps++;
          }
        check (error == NULL, error);
        if (epoch == 0)
          first_loss = sum / dz_dataset_get_length (data);
        last_loss = sum / dz_dataset_get_length (data);
      }
    seconds = now () - start;
    dz_dataset_get_arrays (data, &all_x, &all_t);
    evaluate (model, NULL, all_x, all_t, dtype, &loss, &acc);
  }
  g_snprintf (extra, sizeof extra, "\"steps\": %" G_GUINT64_FORMAT ", \"epochs\": %d, "
              "\"first_loss\": %.6f, \"last_loss\": %.6f, \"final_loss\": %.6f, \"accuracy\": %.6f",
              steps, epochs, first_loss, last_loss, loss, acc);
  print_result ("spiral", seconds, baseline, extra);
}

/* One epoch of step 60's loop; the mean loss of its last window. */
static double
lstm_sin_epoch (DzDataLoader *loader,
                DzLayer      *lstm,
                DzLayer      *fc,
                DzOptimizer  *opt_lstm,
                DzOptimizer  *opt_fc,
                guint64      *steps)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DzVariable) loss = NULL;
  DzArray *xa, *ta;
  guint count = 0;

  dz_lstm_layer_reset_state (DZ_LSTM_LAYER (lstm));
  while (dz_data_loader_next (loader, &xa, &ta, &error))
    {
      g_autoptr(DzVariable) x = dz_variable_new (xa);
      g_autoptr(DzVariable) t = dz_variable_new (ta);
      g_autoptr(DzVariable) h = dz_layer_call1 (lstm, x, &error);
      g_autoptr(DzVariable) y = h ? dz_layer_call1 (fc, h, &error) : NULL;
      g_autoptr(DzVariable) l = y ? dz_mean_squared_error (y, t, &error) : NULL;

      g_object_unref (xa);
      g_object_unref (ta);
      check (l != NULL, error);
      if (loss == NULL)
        loss = g_steal_pointer (&l);
      else
        {
          DzVariable *sum = dz_add (loss, l, &error);

          check (sum != NULL, error);
          g_object_unref (loss);
          loss = sum;
        }
      count++;
      (*steps)++;
      if (count % 30 == 0)
        {
          dz_layer_cleargrads (lstm);
          dz_layer_cleargrads (fc);
          check (dz_variable_backward (loss, &error), error);
          dz_variable_unchain_backward (loss);
          check (dz_optimizer_update (opt_lstm, &error) && dz_optimizer_update (opt_fc, &error),
                 error);
        }
    }
  check (error == NULL, error);
  return dz_array_item (dz_variable_get_data (loss)) / count;
}

static void
bench_lstm_sin (int epochs)
{
  char extra[256];
  double start, cpu_start, seconds, cpu_seconds, first_loss = 0, last_loss = 0;
  struct timespec ts;
  long baseline;
  guint64 steps = 0, warm = 0;

  {
    g_autoptr(DzGenerator) generator = dz_generator_new (0);
    g_autoptr(DzSinCurve) data = dz_sin_curve_new (TRUE, generator);
    g_autoptr(DzDataLoader) loader = dz_data_loader_new_sequential (DZ_DATASET (data), 30);
    g_autoptr(DzLayer) lstm = dz_lstm_layer_new (100, 0, DZ_DTYPE_FLOAT64, generator);
    g_autoptr(DzLayer) fc = dz_linear_layer_new (1, FALSE, DZ_DTYPE_FLOAT64, generator);
    g_autoptr(DzOptimizer) opt_lstm = dz_adam_new (0.001, 0.9, 0.999, 1e-8);
    g_autoptr(DzOptimizer) opt_fc = dz_adam_new (0.001, 0.9, 0.999, 1e-8);

    dz_optimizer_setup (opt_lstm, lstm);
    dz_optimizer_setup (opt_fc, fc);
    baseline = rss_kib ("VmRSS:");
    first_loss = lstm_sin_epoch (loader, lstm, fc, opt_lstm, opt_fc, &warm);
    /* CPU time too: on a shared machine it is the steadier measure. */
    clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
    cpu_start = ts.tv_sec + ts.tv_nsec * 1e-9;
    start = now ();
    for (int epoch = 0; epoch < epochs; epoch++)
      last_loss = lstm_sin_epoch (loader, lstm, fc, opt_lstm, opt_fc, &steps);
    seconds = (now () - start) / epochs;
    clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
    cpu_seconds = (ts.tv_sec + ts.tv_nsec * 1e-9 - cpu_start) / epochs;
  }
  g_snprintf (extra, sizeof extra, "\"steps\": %" G_GUINT64_FORMAT ", \"epochs\": %d, "
              "\"first_loss\": %.6f, \"last_loss\": %.6f, \"cpu_s\": %.9f", steps, epochs,
              first_loss, last_loss, cpu_seconds);
  print_result ("lstm-sin", seconds, baseline, extra);
}

static void
bench_fmnist (DzDtype dtype, int steps, int epochs, guint64 seed)
{
  const gsize sizes[] = { 1000, 10 };
  GString *extra = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  double per_epoch = 0, last_loss = 0, test_loss = -1, test_acc = -1;
  long baseline;
  gsize n_batches;

  {
    g_autoptr(DzFashionMNIST) train_set = dz_fashion_mnist_new (TRUE, &error);
    g_autoptr(DzFashionMNIST) test_set = NULL;
    g_autoptr(DzGenerator) generator = dz_generator_new (seed);
    g_autoptr(DzDataLoader) loader = NULL;
    g_autoptr(DzLayer) model = dz_mlp_new (sizes, 2, DZ_MLP_ACTIVATION_SIGMOID, dtype, generator);
    g_autoptr(DzOptimizer) optimizer = dz_sgd_new (1.0);
    DzArray *xa, *ta;

    check (train_set != NULL, error);
    dz_optimizer_setup (optimizer, model);
    loader = dz_data_loader_new (DZ_DATASET (train_set), 100, TRUE, seed);
    n_batches = dz_data_loader_get_n_batches (loader);
    baseline = rss_kib ("VmRSS:");
    if (epochs == 0)
      {
        double start = 0;

        for (int i = -5; i < steps; i++)
          {
            if (i == 0)
              start = now ();
            /* At the end of an epoch the loader returns FALSE once and
             * starts the next one. */
            if (!dz_data_loader_next (loader, &xa, &ta, &error))
              check (error == NULL && dz_data_loader_next (loader, &xa, &ta, &error), error);
            last_loss = train_step (model, optimizer, xa, ta, dtype);
            g_object_unref (xa);
            g_object_unref (ta);
          }
        per_epoch = (now () - start) / steps * n_batches;
        g_string_append_printf (extra, "\"steps\": %d, ", steps);
      }
    else
      {
        g_string_append (extra, "\"epoch_s\": [");
        for (int epoch = 0; epoch < epochs; epoch++)
          {
            double start = now (), sum = 0, seconds;

            while (dz_data_loader_next (loader, &xa, &ta, &error))
              {
                sum += train_step (model, optimizer, xa, ta, dtype) * dz_array_get_size (ta);
                g_object_unref (xa);
                g_object_unref (ta);
              }
            check (error == NULL, error);
            seconds = now () - start;
            last_loss = sum / dz_dataset_get_length (DZ_DATASET (train_set));
            g_string_append_printf (extra, "%s%.3f", epoch ? ", " : "", seconds);
            per_epoch += seconds / epochs;
            fprintf (stderr, "c epoch %d: %.2f s, loss %.4f\n", epoch + 1, seconds, last_loss);
          }
        g_string_append (extra, "], ");
        test_set = dz_fashion_mnist_new (FALSE, &error);
        check (test_set != NULL, error);
        {
          g_autoptr(DzDataLoader) test_loader = dz_data_loader_new (DZ_DATASET (test_set), 1000,
                                                                    FALSE, 0);

          evaluate (model, test_loader, NULL, NULL, dtype, &test_loss, &test_acc);
        }
      }
  }
  g_string_append_printf (extra, "\"seed\": %" G_GUINT64_FORMAT ", \"epochs\": %d, "
                          "\"batches\": %" G_GSIZE_FORMAT ", "
                          "\"last_loss\": %.6f, \"test_loss\": %.6f, \"test_accuracy\": %.6f",
                          seed, epochs, n_batches, last_loss, test_loss, test_acc);
  print_result ("fmnist", per_epoch, baseline, extra->str);
  g_string_free (extra, TRUE);
}

/* C = op(A) op(B) with row-major operands, of (m, n), inner size k. */
static void
gemm (gboolean f64, gboolean ta, gboolean tb, int m, int n, int k, const void *a, const void *b,
      void *c)
{
  int lda = ta ? m : k, ldb = tb ? k : n;

  if (f64)
    cblas_dgemm (CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                 m, n, k, 1.0, a, lda, b, ldb, 0.0, c, n);
  else
    cblas_sgemm (CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                 m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, n);
}

static void
bench_cblas_fmnist (gboolean f64, int steps)
{
  const int B = 100, NI = 784, NH = 1000, NO = 10;
  gsize item = f64 ? 8 : 4;
  guint8 *x = g_malloc0 (item * B * NI), *W1 = g_malloc0 (item * NI * NH), *h = g_malloc0 (item * B * NH);
  guint8 *W2 = g_malloc0 (item * NH * NO), *y = g_malloc0 (item * B * NO), *gy = g_malloc0 (item * B * NO);
  guint8 *gW1 = g_malloc0 (item * NI * NH), *gW2 = g_malloc0 (item * NH * NO), *gh = g_malloc0 (item * B * NH);
  double start = 0, per_epoch;
  long baseline = rss_kib ("VmRSS:");
  char extra[128];

  for (int i = -5; i < steps; i++)
    {
      if (i == 0)
        start = now ();
      gemm (f64, FALSE, FALSE, B, NH, NI, x, W1, h);
      gemm (f64, FALSE, FALSE, B, NO, NH, h, W2, y);
      gemm (f64, TRUE, FALSE, NH, NO, B, h, gy, gW2);
      gemm (f64, FALSE, TRUE, B, NH, NO, gy, W2, gh);
      gemm (f64, TRUE, FALSE, NI, NH, B, x, gh, gW1);
    }
  per_epoch = (now () - start) / steps * 600;
  g_snprintf (extra, sizeof extra, "\"steps\": %d, \"batches\": 600, \"api\": \"cblas\"", steps);
  printf ("{\"impl\": \"cblas\", \"case\": \"fmnist\", \"forward_s\": %.9f, \"backward_s\": 0, "
          "\"peak_rss_kib\": %ld, \"baseline_rss_kib\": %ld, \"live\": null, %s}\n",
          per_epoch, rss_kib ("VmHWM:"), baseline, extra);
  g_free (x); g_free (W1); g_free (h); g_free (W2); g_free (y); g_free (gy);
  g_free (gW1); g_free (gW2); g_free (gh);
}

int
main (int argc, char *argv[])
{
  const char *kase = argc > 1 ? argv[1] : "";

  if (g_str_equal (kase, "spiral") && argc == 4
      && (g_str_equal (argv[3], "f32") || g_str_equal (argv[3], "f64")))
    bench_spiral (atoi (argv[2]), g_str_equal (argv[3], "f32") ? DZ_DTYPE_FLOAT32 : DZ_DTYPE_FLOAT64);
  else if (g_str_equal (kase, "fmnist") && (argc == 5 || argc == 6)
           && (g_str_equal (argv[2], "f32") || g_str_equal (argv[2], "f64")))
    bench_fmnist (g_str_equal (argv[2], "f32") ? DZ_DTYPE_FLOAT32 : DZ_DTYPE_FLOAT64,
                  atoi (argv[3]), atoi (argv[4]), argc == 6 ? g_ascii_strtoull (argv[5], NULL, 10) : 0);
  else if (g_str_equal (kase, "lstm-sin") && argc == 3)
    bench_lstm_sin (MAX (atoi (argv[2]), 1));
  else if (g_str_equal (kase, "cblas-fmnist") && argc == 5
           && (g_str_equal (argv[2], "f32") || g_str_equal (argv[2], "f64")))
    bench_cblas_fmnist (g_str_equal (argv[2], "f64"), atoi (argv[3]));
  else
    {
      fprintf (stderr, "usage: see the top of bench-nn.c\n");
      return 2;
    }
  return 0;
}
