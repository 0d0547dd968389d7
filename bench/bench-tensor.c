/* bench-tensor.c: the tensor benchmark cases from C, one case per process,
 * one JSON line out (the protocol of bench-dz). Each case times a loop for
 * at least BUDGET seconds after a warm-up and reports seconds per
 * iteration; random data is generated before timing.
 *
 *   bench-tensor matmul N DTYPE BUDGET          dz_matmul + backward (impl "c")
 *   bench-tensor cblas-matmul N DTYPE BUDGET    the same 3 GEMMs on CBLAS (impl "cblas")
 *   bench-tensor array OP N DTYPE BUDGET        OP: add, mul (N x N with a (N,) row),
 *                                               sum0, sum1 (over axis 0 / 1), no grad
 *   bench-tensor mlp IN HIDDEN OUT BATCH DTYPE ACT BUDGET
 *                                               one SGD step of IN-HIDDEN-OUT, ACT sigmoid|relu;
 *                                               the loss before and after the timed steps
 *
 * DTYPE is f32 or f64.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>
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

/* Enough iterations for a stable mean even when one takes longer than the
 * budget (1024^3 float64 products). */
#define MIN_ITERATIONS 3

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

/* Nanosecond resolution: a spiral MLP step lasts a few microseconds, below
 * g_get_monotonic_time()'s resolution. */
static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void
print_result (const char *impl, const char *kase, double forward_s, double backward_s,
              long baseline_kib, guint64 iterations, const char *extra)
{
  printf ("{\"impl\": \"%s\", \"case\": \"%s\", \"forward_s\": %.12f, \"backward_s\": %.12f, "
          "\"peak_rss_kib\": %ld, \"baseline_rss_kib\": %ld, \"iterations\": %" G_GUINT64_FORMAT ", "
          "\"live\": [%u, %u, %u]%s%s}\n",
          impl, kase, forward_s, backward_s, rss_kib ("VmHWM:"), baseline_kib, iterations,
          dz_live_count (DZ_LIVE_ARRAY), dz_live_count (DZ_LIVE_VARIABLE),
          dz_live_count (DZ_LIVE_FUNCTION), extra ? ", " : "", extra ? extra : "");
}

static void
check (gpointer result, GError *error)
{
  if (result == NULL)
    {
      fprintf (stderr, "bench-tensor: %s\n", error ? error->message : "an op returned NULL");
      exit (1);
    }
}

static DzDtype
parse_dtype (const char *name)
{
  if (g_str_equal (name, "f32"))
    return DZ_DTYPE_FLOAT32;
  if (!g_str_equal (name, "f64"))
    {
      fprintf (stderr, "bench-tensor: dtype is f32 or f64, not %s\n", name);
      exit (2);
    }
  return DZ_DTYPE_FLOAT64;
}

/* randn(shape) * scale, in @dtype. */
static DzArray *
random_array (DzGenerator *generator, const gsize *shape, guint ndim, double scale, DzDtype dtype)
{
  g_autoptr(DzArray) f64 = dz_array_new_randn (shape, ndim, generator, NULL);
  g_autoptr(DzArray) scaled = dz_array_scale (f64, scale, NULL);

  return dz_array_astype (scaled, dtype, NULL);
}

static void
bench_matmul (gsize n, DzDtype dtype, double budget)
{
  g_autoptr(DzGenerator) generator = dz_generator_new (0);
  gsize shape[2] = { n, n };
  g_autoptr(DzArray) da = random_array (generator, shape, 2, 1.0, dtype);
  g_autoptr(DzArray) db = random_array (generator, shape, 2, 1.0, dtype);
  g_autoptr(DzVariable) a = dz_variable_new (da);
  g_autoptr(DzVariable) b = dz_variable_new (db);
  long baseline = rss_kib ("VmRSS:");
  double forward = 0, backward = 0, start = 0;
  guint64 iterations = 0;
  char extra[32];

  /* Iteration -1 is the warm-up: fresh pages, BLAS buffers. */
  for (gint64 i = -1; i < MIN_ITERATIONS || now () - start < budget; i++)
    {
      double t0 = now (), t1, t2;
      g_autoptr(GError) error = NULL;
      g_autoptr(DzVariable) y = dz_matmul (a, b, &error);

      check (y, error);
      t1 = now ();
      if (!dz_variable_backward (y, &error))
        check (NULL, error);
      dz_variable_clear_grad (a);
      dz_variable_clear_grad (b);
      t2 = now ();
      if (i < 0)
        {
          start = t2;
          continue;
        }
      forward += t1 - t0;
      backward += t2 - t1;
      iterations++;
    }
  g_snprintf (extra, sizeof extra, "\"n\": %" G_GSIZE_FORMAT, n);
  print_result ("c", "matmul", forward / iterations, backward / iterations, baseline, iterations, extra);
}

static void
gemm (DzDtype dtype, gboolean trans_a, gboolean trans_b, int n, const void *a, const void *b, void *out)
{
  if (dtype == DZ_DTYPE_FLOAT64)
    cblas_dgemm (CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                 n, n, n, 1.0, a, n, b, n, 0.0, out, n);
  else
    cblas_sgemm (CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                 n, n, n, 1.0f, a, n, b, n, 0.0f, out, n);
}

/* The floor: y = a b, ga = gy b^T, gb = a^T gy into preallocated buffers. */
static void
bench_cblas_matmul (gsize n, DzDtype dtype, double budget)
{
  gsize item = dz_dtype_get_item_size (dtype), count = n * n;
  g_autofree guint8 *a = g_malloc (count * item), *b = g_malloc (count * item);
  g_autofree guint8 *y = g_malloc (count * item), *gy = g_malloc (count * item);
  g_autofree guint8 *ga = g_malloc (count * item), *gb = g_malloc (count * item);
  long baseline;
  double forward = 0, backward = 0, start = 0;
  guint64 iterations = 0;
  char extra[32];

  g_random_set_seed (0);
  for (gsize i = 0; i < count; i++)
    {
      if (dtype == DZ_DTYPE_FLOAT64)
        {
          ((double *) a)[i] = g_random_double_range (-1, 1);
          ((double *) b)[i] = g_random_double_range (-1, 1);
          ((double *) gy)[i] = 1.0;
        }
      else
        {
          ((float *) a)[i] = g_random_double_range (-1, 1);
          ((float *) b)[i] = g_random_double_range (-1, 1);
          ((float *) gy)[i] = 1.0f;
        }
    }
  memset (y, 0, count * item);
  memset (ga, 0, count * item);
  memset (gb, 0, count * item);
  baseline = rss_kib ("VmRSS:");

  for (gint64 i = -1; i < MIN_ITERATIONS || now () - start < budget; i++)
    {
      double t0 = now (), t1, t2;

      gemm (dtype, FALSE, FALSE, n, a, b, y);
      t1 = now ();
      gemm (dtype, FALSE, TRUE, n, gy, b, ga);
      gemm (dtype, TRUE, FALSE, n, a, gy, gb);
      t2 = now ();
      if (i < 0)
        {
          start = t2;
          continue;
        }
      forward += t1 - t0;
      backward += t2 - t1;
      iterations++;
    }
  g_snprintf (extra, sizeof extra, "\"n\": %" G_GSIZE_FORMAT, n);
  print_result ("cblas", "matmul", forward / iterations, backward / iterations, baseline, iterations, extra);
}

static void
bench_array (const char *op, gsize n, DzDtype dtype, double budget)
{
  g_autoptr(DzGenerator) generator = dz_generator_new (1);
  gsize shape[2] = { n, n };
  g_autoptr(DzArray) x = random_array (generator, shape, 2, 1.0, dtype);
  g_autoptr(DzArray) row = random_array (generator, shape, 1, 1.0, dtype);
  g_autoptr(DzVariable) xv = dz_variable_new (x);
  /* Reductions go through the op (no array-level reduction is public);
   * without a graph it costs one function call over the kernel. */
  g_autoptr(DzNoGradGuard) guard = dz_no_grad_guard_new ();
  gboolean is_sum = g_str_has_prefix (op, "sum");
  gint axis = g_str_equal (op, "sum1") ? 1 : 0;
  long baseline = rss_kib ("VmRSS:");
  double total = 0, start = 0;
  guint64 iterations = 0;

  if (!is_sum && !g_str_equal (op, "add") && !g_str_equal (op, "mul"))
    {
      fprintf (stderr, "bench-tensor: array OP is add, mul, sum0 or sum1\n");
      exit (2);
    }
  for (gint64 i = -3; i < MIN_ITERATIONS || now () - start < budget; i++)
    {
      g_autoptr(GError) error = NULL;
      double t0 = now (), t1;

      if (is_sum)
        {
          DzVariable *y = dz_sum (xv, &axis, 1, FALSE, &error);

          check (y, error);
          t1 = now ();
          g_object_unref (y);
        }
      else
        {
          DzArray *y = g_str_equal (op, "add") ? dz_array_add (x, row, &error)
                                               : dz_array_mul (x, row, &error);

          check (y, error);
          t1 = now ();
          g_object_unref (y);
        }
      if (i < 0)
        {
          start = now ();
          continue;
        }
      total += t1 - t0;
      iterations++;
    }
  print_result ("c", "array", total / iterations, 0, baseline, iterations, NULL);
}

typedef struct
{
  DzVariable *W1, *b1, *W2, *b2;
} Mlp;

static DzVariable *
parameter (DzArray *data)
{
  DzVariable *v = dz_variable_new (data);

  g_object_unref (data);
  return v;
}

/* DeZero's L.Linear initialization: W ~ randn * sqrt(1 / in), b = 0. */
static void
mlp_init (Mlp *m, DzGenerator *generator, gsize in, gsize hidden, gsize out, DzDtype dtype)
{
  gsize s1[2] = { in, hidden }, s2[2] = { hidden, out };

  m->W1 = parameter (random_array (generator, s1, 2, sqrt (1.0 / in), dtype));
  m->b1 = parameter (dz_array_new_full_typed (dtype, &hidden, 1, 0.0, NULL));
  m->W2 = parameter (random_array (generator, s2, 2, sqrt (1.0 / hidden), dtype));
  m->b2 = parameter (dz_array_new_full_typed (dtype, &out, 1, 0.0, NULL));
}

/* softmax_cross_entropy (linear (act (linear (x, W1, b1)), W2, b2), t) */
static DzVariable *
mlp_forward (Mlp *m, DzVariable *x, DzVariable *t, gboolean relu)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DzVariable) h1 = NULL, a1 = NULL, h2 = NULL;
  DzVariable *loss;

  h1 = dz_linear (x, m->W1, m->b1, &error);
  check (h1, error);
  a1 = relu ? dz_relu (h1, &error) : dz_sigmoid (h1, &error);
  check (a1, error);
  h2 = dz_linear (a1, m->W2, m->b2, &error);
  check (h2, error);
  loss = dz_softmax_cross_entropy (h2, t, &error);
  check (loss, error);
  return loss;
}

/* The loss, outside the timed steps. */
static double
loss_value (Mlp *m, DzVariable *x, DzVariable *t, gboolean relu)
{
  g_autoptr(DzVariable) loss = mlp_forward (m, x, t, relu);

  return dz_array_item (dz_variable_get_data (loss));
}

/* p.data = p.data - lr * p.grad.data, with array ops. */
static void
sgd (DzVariable *p, double lr)
{
  DzVariable *grad = dz_variable_get_grad (p);
  g_autoptr(DzArray) step = dz_array_scale (dz_variable_get_data (grad), lr, NULL);
  g_autoptr(DzArray) updated = dz_array_sub (dz_variable_get_data (p), step, NULL);

  dz_variable_set_data (p, updated);
}

static void
bench_mlp (gsize in, gsize hidden, gsize out, gsize batch, DzDtype dtype, const char *act, double budget)
{
  g_autoptr(DzGenerator) generator = dz_generator_new (2);
  gsize xshape[2] = { batch, in };
  g_autoptr(DzArray) xa = random_array (generator, xshape, 2, 1.0, dtype);
  g_autofree double *labels = g_new (double, batch);
  g_autoptr(DzArray) labels_f = NULL, labels_i = NULL;
  g_autoptr(DzVariable) x = dz_variable_new (xa);
  g_autoptr(DzVariable) t = NULL;
  gboolean relu = g_str_equal (act, "relu");
  const double lr = 1.0;
  Mlp m;
  DzVariable **params[] = { &m.W1, &m.b1, &m.W2, &m.b2 };
  long baseline;
  double forward = 0, backward = 0, update = 0, start = 0, first_loss = 0, last_loss = 0;
  guint64 iterations = 0;
  char extra[160];

  for (gsize i = 0; i < batch; i++)
    labels[i] = i % out;
  labels_f = dz_array_new_from_values (labels, batch, &batch, 1, NULL);
  labels_i = dz_array_astype (labels_f, DZ_DTYPE_INT64, NULL);
  t = dz_variable_new (labels_i);
  /* Data takes no gradient, as in the PyTorch runner (a tensor without
   * requires_grad): the first layer then skips the product for it. */
  dz_variable_set_requires_grad (x, FALSE);
  mlp_init (&m, generator, in, hidden, out, dtype);
  baseline = rss_kib ("VmRSS:");

  first_loss = loss_value (&m, x, t, relu);
  for (gint64 i = -3; i < MIN_ITERATIONS || now () - start < budget; i++)
    {
      g_autoptr(GError) error = NULL;
      double t0 = now (), t1, t2, t3;
      DzVariable *loss = mlp_forward (&m, x, t, relu);

      t1 = now ();
      for (guint p = 0; p < G_N_ELEMENTS (params); p++)
        dz_variable_clear_grad (*params[p]);
      if (!dz_variable_backward (loss, &error))
        check (NULL, error);
      t2 = now ();
      for (guint p = 0; p < G_N_ELEMENTS (params); p++)
        sgd (*params[p], lr);
      /* The step's graph goes here: part of its cost, in every runner. */
      g_object_unref (loss);
      t3 = now ();
      if (i < 0)
        {
          start = now ();
          continue;
        }
      forward += t1 - t0;
      backward += t2 - t1;
      update += t3 - t2;
      iterations++;
    }
  last_loss = loss_value (&m, x, t, relu);
  for (guint p = 0; p < G_N_ELEMENTS (params); p++)
    g_clear_object (params[p]);
  g_snprintf (extra, sizeof extra, "\"update_s\": %.12f, \"first_loss\": %.6f, \"last_loss\": %.6f",
              update / iterations, first_loss, last_loss);
  print_result ("c", "mlp", forward / iterations, backward / iterations, baseline, iterations, extra);
}

int
main (int argc, char *argv[])
{
  const char *kase = argc > 1 ? argv[1] : "";

  if (g_str_equal (kase, "matmul") && argc == 5)
    bench_matmul (strtoul (argv[2], NULL, 10), parse_dtype (argv[3]), g_ascii_strtod (argv[4], NULL));
  else if (g_str_equal (kase, "cblas-matmul") && argc == 5)
    bench_cblas_matmul (strtoul (argv[2], NULL, 10), parse_dtype (argv[3]), g_ascii_strtod (argv[4], NULL));
  else if (g_str_equal (kase, "array") && argc == 6)
    bench_array (argv[2], strtoul (argv[3], NULL, 10), parse_dtype (argv[4]), g_ascii_strtod (argv[5], NULL));
  else if (g_str_equal (kase, "mlp") && argc == 9)
    bench_mlp (strtoul (argv[2], NULL, 10), strtoul (argv[3], NULL, 10), strtoul (argv[4], NULL, 10),
               strtoul (argv[5], NULL, 10), parse_dtype (argv[6]), argv[7], g_ascii_strtod (argv[8], NULL));
  else
    {
      fprintf (stderr, "usage: see the top of bench-tensor.c\n");
      return 2;
    }
  return 0;
}
