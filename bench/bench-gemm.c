/* bench-gemm.c: dz_kernel_gemm against the CBLAS call it makes
 *
 * Square products (GFLOP/s, one thread unless DZ_NUM_THREADS says
 * otherwise) and the spiral MLP's tiny ones (ns per call), through the
 * kernel and through cblas_?gemm directly, so that the kernel's own
 * overhead shows.
 *
 * Usage: bench-gemm [seconds per case, default 0.3]
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <stdlib.h>
#include <time.h>

#ifdef DZ_HAVE_BLIS_H
# include <blis.h>
#else
# include <cblas.h>
#endif

#include "dz-kernels.h"

typedef struct
{
  const char *label;
  gboolean    trans_a, trans_b;
  gsize       m, n, k;
} Case;

/* Batch 30, 2 -> 10 -> 3: forward x W1, h W2; backward gy W2^T, h^T gy,
 * gh W1^T, x^T gh. */
static const Case tiny[] = {
  { "x W1      30x10x2 ", FALSE, FALSE, 30, 10, 2 },
  { "h W2      30x3x10 ", FALSE, FALSE, 30, 3, 10 },
  { "gy W2^T   30x10x3 ", FALSE, TRUE, 30, 10, 3 },
  { "h^T gy    10x3x30 ", TRUE, FALSE, 10, 3, 30 },
  { "gh W1^T   30x2x10 ", FALSE, TRUE, 30, 2, 10 },
  { "x^T gh    2x10x30 ", TRUE, FALSE, 2, 10, 30 },
  { "square    16x16x16", FALSE, FALSE, 16, 16, 16 },
  { "square    32x32x32", FALSE, FALSE, 32, 32, 32 },
};

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void
run_blas (DzDtype dtype, const Case *c, const void *a, const void *b, void *out)
{
  int lda = c->trans_a ? c->m : c->k, ldb = c->trans_b ? c->k : c->n;

  if (dtype == DZ_DTYPE_FLOAT64)
    cblas_dgemm (CblasRowMajor, c->trans_a ? CblasTrans : CblasNoTrans,
                 c->trans_b ? CblasTrans : CblasNoTrans, c->m, c->n, c->k,
                 1.0, a, lda, b, ldb, 0.0, out, c->n);
  else
    cblas_sgemm (CblasRowMajor, c->trans_a ? CblasTrans : CblasNoTrans,
                 c->trans_b ? CblasTrans : CblasNoTrans, c->m, c->n, c->k,
                 1.0f, a, lda, b, ldb, 0.0f, out, c->n);
}

static void
run_kernel (DzDtype dtype, const Case *c, const void *a, const void *b, void *out)
{
  dz_kernel_gemm (dtype, c->trans_a, c->trans_b, c->m, c->n, c->k,
                  a, c->trans_a ? c->m : c->k, b, c->trans_b ? c->k : c->n,
                  0.0, out, c->n);
}

/* Seconds per call: the best of three runs of at least @budget / 3. */
static double
time_calls (void (*run) (DzDtype, const Case *, const void *, const void *, void *),
            DzDtype dtype, const Case *c, const void *a, const void *b, void *out,
            double budget)
{
  double best = G_MAXDOUBLE;

  run (dtype, c, a, b, out);
  for (guint round = 0; round < 3; round++)
    {
      double start = now (), elapsed;
      guint64 calls = 0;

      do
        {
          for (guint i = 0; i < 16; i++)
            run (dtype, c, a, b, out);
          calls += 16;
          elapsed = now () - start;
        }
      while (elapsed < budget / 3);
      best = MIN (best, elapsed / calls);
    }
  return best;
}

static void *
random_matrix (DzDtype dtype, gsize count)
{
  gsize item = dtype == DZ_DTYPE_FLOAT64 ? sizeof (double) : sizeof (float);
  void *m = g_malloc (MAX (count, 1) * item);

  for (gsize i = 0; i < count; i++)
    {
      double v = g_random_double_range (-1, 1);

      if (dtype == DZ_DTYPE_FLOAT64)
        ((double *) m)[i] = v;
      else
        ((float *) m)[i] = (float) v;
    }
  return m;
}

int
main (int   argc,
      char *argv[])
{
  double budget = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 0.3;
  static const gsize squares[] = { 64, 256, 1024 };

  g_random_set_seed (42);
  g_print ("%s, %u thread(s)\n", dz_kernel_blas_name (), dz_kernel_blas_get_threads ());

  g_print ("\nsquare  dtype  kernel GFLOP/s  cblas GFLOP/s\n");
  for (guint s = 0; s < G_N_ELEMENTS (squares); s++)
    for (DzDtype dtype = DZ_DTYPE_FLOAT64; dtype <= DZ_DTYPE_FLOAT32; dtype++)
      {
        gsize n = squares[s];
        Case c = { "square", FALSE, FALSE, n, n, n };
        g_autofree void *a = random_matrix (dtype, n * n);
        g_autofree void *b = random_matrix (dtype, n * n);
        g_autofree void *out = random_matrix (dtype, n * n);
        double flops = 2.0 * n * n * n;
        double tk = time_calls (run_kernel, dtype, &c, a, b, out, budget);
        double tb = time_calls (run_blas, dtype, &c, a, b, out, budget);

        g_print ("%6zu  %-7s %14.1f %14.1f\n", n, dtype == DZ_DTYPE_FLOAT64 ? "f64" : "f32",
                 flops / tk * 1e-9, flops / tb * 1e-9);
      }

  g_print ("\ntiny (spiral MLP)          dtype  kernel ns  cblas ns\n");
  for (guint t = 0; t < G_N_ELEMENTS (tiny); t++)
    for (DzDtype dtype = DZ_DTYPE_FLOAT64; dtype <= DZ_DTYPE_FLOAT32; dtype++)
      {
        const Case *c = &tiny[t];
        g_autofree void *a = random_matrix (dtype, c->m * c->k);
        g_autofree void *b = random_matrix (dtype, c->k * c->n);
        g_autofree void *out = random_matrix (dtype, c->m * c->n);
        double tk = time_calls (run_kernel, dtype, c, a, b, out, budget / 4);
        double tb = time_calls (run_blas, dtype, c, a, b, out, budget / 4);

        g_print ("%s (%4zu madds) %-5s %9.0f %9.0f\n", c->label, c->m * c->n * c->k,
                 dtype == DZ_DTYPE_FLOAT64 ? "f64" : "f32", tk * 1e9, tb * 1e9);
      }

  return 0;
}
