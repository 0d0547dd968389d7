/* test-gemm.c: dz_kernel_gemm against a plain triple loop
 *
 * SPDX-License-Identifier: MIT
 */

#include <math.h>

#include "dz-kernels.h"

typedef struct
{
  gsize m, n, k;
} Size;

/* Degenerate, odd and beyond-one-block sizes; 65 x 33 x 17 is past OpenBLAS's
 * small-matrix paths and any loop fallback in the kernel. */
static const Size sizes[] = {
  { 1, 1, 1 },
  { 7, 5, 3 },
  { 0, 5, 3 },
  { 7, 0, 3 },
  { 7, 5, 0 },
  { 0, 0, 0 },
  { 1, 9, 4 },
  { 30, 10, 2 },
  { 65, 33, 17 },
};

/* Values in [-1, 1] that differ per buffer; exact in float too. */
static double
value (guint seed,
       gsize i)
{
  return (double) ((gint) ((i * 2654435761u + seed * 40503u) % 257) - 128) / 128.0;
}

static void
fill (DzDtype  dtype,
      void    *buf,
      gsize    count,
      guint    seed)
{
  for (gsize i = 0; i < count; i++)
    {
      if (dtype == DZ_DTYPE_FLOAT64)
        ((double *) buf)[i] = value (seed, i);
      else
        ((float *) buf)[i] = (float) value (seed, i);
    }
}

static double
get (DzDtype     dtype,
     const void *buf,
     gsize       i)
{
  return dtype == DZ_DTYPE_FLOAT64 ? ((const double *) buf)[i] : ((const float *) buf)[i];
}

/* One product, its matrices stored inside larger buffers (row strides
 * @pad longer than the rows) when @pad > 0, compared with the triple loop
 * in double. */
static void
check_product (DzDtype  dtype,
               gboolean trans_a,
               gboolean trans_b,
               Size     s,
               double   beta,
               gsize    pad)
{
  gsize item = dtype == DZ_DTYPE_FLOAT64 ? sizeof (double) : sizeof (float);
  gsize a_rows = trans_a ? s.k : s.m, a_cols = trans_a ? s.m : s.k;
  gsize b_rows = trans_b ? s.n : s.k, b_cols = trans_b ? s.k : s.n;
  gsize lda = a_cols + pad, ldb = b_cols + pad, ldc = s.n + pad;
  /* One extra row each, so that a pad makes a true submatrix. */
  gsize a_count = (a_rows + 1) * lda, b_count = (b_rows + 1) * ldb;
  gsize c_count = (s.m + 1) * ldc;
  g_autofree void *a = g_malloc0 (MAX (a_count, 1) * item);
  g_autofree void *b = g_malloc0 (MAX (b_count, 1) * item);
  g_autofree void *c = g_malloc0 (MAX (c_count, 1) * item);
  g_autofree double *want = g_new0 (double, MAX (c_count, 1));
  double tol = dtype == DZ_DTYPE_FLOAT64 ? 1e-12 : 1e-5;

  fill (dtype, a, a_count, 1);
  fill (dtype, b, b_count, 2);
  fill (dtype, c, c_count, 3);
  /* beta 0 must not read C: a NaN there must not survive. */
  if (beta == 0 && s.m > 0 && s.n > 0)
    {
      if (dtype == DZ_DTYPE_FLOAT64)
        ((double *) c)[0] = NAN;
      else
        ((float *) c)[0] = NAN;
    }

  for (gsize i = 0; i < c_count; i++)
    want[i] = get (dtype, c, i);
  for (gsize i = 0; i < s.m; i++)
    for (gsize j = 0; j < s.n; j++)
      {
        double sum = 0;

        for (gsize p = 0; p < s.k; p++)
          {
            double x = get (dtype, a, trans_a ? p * lda + i : i * lda + p);
            double y = get (dtype, b, trans_b ? j * ldb + p : p * ldb + j);

            sum += x * y;
          }
        want[i * ldc + j] = beta == 0 ? sum : sum + beta * want[i * ldc + j];
      }

  g_assert_true (dz_kernel_gemm (dtype, trans_a, trans_b, s.m, s.n, s.k,
                                 a, lda, b, ldb, beta, c, ldc));

  /* Everything outside the m x n block, the padding included, untouched. */
  for (gsize i = 0; i < c_count; i++)
    {
      double got = get (dtype, c, i);

      if (fabs (got - want[i]) > tol * (1 + s.k))
        g_error ("%s%s%s %zux%zux%zu beta %g pad %zu: C[%zu] = %g, want %g",
                 dtype == DZ_DTYPE_FLOAT64 ? "d" : "s",
                 trans_a ? "T" : "N", trans_b ? "T" : "N",
                 s.m, s.n, s.k, beta, pad, i, got, want[i]);
    }
}

static void
test_against_loop (gconstpointer data)
{
  DzDtype dtype = GPOINTER_TO_INT (data);

  for (guint t = 0; t < 4; t++)
    for (guint si = 0; si < G_N_ELEMENTS (sizes); si++)
      for (guint bi = 0; bi < 2; bi++)
        for (gsize pad = 0; pad <= 3; pad += 3)
          check_product (dtype, t & 1, t >> 1, sizes[si], bi, pad);
}

/* A single row's stride may be anything (0 for a broadcast row): the
 * kernel must still hand CBLAS leading dimensions it accepts, or
 * OpenBLAS prints "parameter 8 was invalid" and does nothing. */
static void
test_single_row_strides (void)
{
  const double a[3] = { 1, 2, 3 };
  const double b[6] = { 1, 0, 0, 1, 1, 1 };   /* 3 x 2 */
  double c[2] = { -1, -1 };

  g_assert_true (dz_kernel_gemm (DZ_DTYPE_FLOAT64, FALSE, FALSE, 1, 2, 3,
                                 a, 0, b, 2, 0.0, c, 0));
  g_assert_cmpfloat (c[0], ==, 4);
  g_assert_cmpfloat (c[1], ==, 5);
}

/* k == 0 leaves beta C; beta 0 gives zeros, whatever C held. */
static void
test_empty_inner (void)
{
  double c[4] = { 1, 2, NAN, 4 };

  g_assert_true (dz_kernel_gemm (DZ_DTYPE_FLOAT64, FALSE, FALSE, 2, 2, 0,
                                 NULL, 0, NULL, 2, 2.0, c, 2));
  g_assert_cmpfloat (c[0], ==, 2);
  g_assert_cmpfloat (c[1], ==, 4);
  g_assert_true (isnan (c[2]));
  g_assert_true (dz_kernel_gemm (DZ_DTYPE_FLOAT64, FALSE, FALSE, 2, 2, 0,
                                 NULL, 0, NULL, 2, 0.0, c, 2));
  for (guint i = 0; i < 4; i++)
    g_assert_cmpfloat (c[i], ==, 0);
}

static void
test_int64_refused (void)
{
  gint64 a = 2, b = 3, c = 0;

  g_assert_false (dz_kernel_gemm (DZ_DTYPE_INT64, FALSE, FALSE, 1, 1, 1,
                                  &a, 1, &b, 1, 0.0, &c, 1));
  g_assert_cmpint (c, ==, 0);
}

/* One thread unless DZ_NUM_THREADS says otherwise; the meson test runs
 * this without it. */
static void
test_threads (void)
{
  guint before = dz_kernel_blas_get_threads ();

  if (g_getenv ("DZ_NUM_THREADS") == NULL)
    g_assert_cmpuint (before, ==, 1);
  dz_kernel_blas_set_threads (2);
  g_assert_cmpuint (dz_kernel_blas_get_threads (), ==, 2);
  dz_kernel_blas_set_threads (0);
  g_assert_cmpuint (dz_kernel_blas_get_threads (), ==, 1);
  dz_kernel_blas_set_threads (before);
  g_test_message ("BLAS: %s", dz_kernel_blas_name ());
  g_assert_nonnull (dz_kernel_blas_name ());
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/kernels/gemm/float64", GINT_TO_POINTER (DZ_DTYPE_FLOAT64),
                        test_against_loop);
  g_test_add_data_func ("/kernels/gemm/float32", GINT_TO_POINTER (DZ_DTYPE_FLOAT32),
                        test_against_loop);
  g_test_add_func ("/kernels/gemm/single-row-strides", test_single_row_strides);
  g_test_add_func ("/kernels/gemm/empty-inner", test_empty_inner);
  g_test_add_func ("/kernels/gemm/int64-refused", test_int64_refused);
  g_test_add_func ("/kernels/gemm/threads", test_threads);

  return g_test_run ();
}
