/* dz-kernels-gemm.c: see dz-kernels.h
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <stdlib.h>

#include "dz-kernels.h"

/* BLIS declares its CBLAS in blis.h, whose types clash with another
 * cblas.h; any other library comes with a cblas.h of its own. */
#ifdef DZ_HAVE_BLIS_H
# include <blis.h>
#else
# include <cblas.h>
#endif

/* OpenBLAS's extensions, declared here as OpenBLAS declares them, since a
 * generic cblas.h in front of OpenBLAS (a "cblas" pkg-config) may not. */
#ifdef DZ_HAVE_OPENBLAS_SET_NUM_THREADS
void  openblas_set_num_threads (int num_threads);
#endif
#ifdef DZ_HAVE_OPENBLAS_GET_CONFIG
char *openblas_get_config (void);
#endif
#ifdef DZ_HAVE_OPENBLAS_GET_CORENAME
char *openblas_get_corename (void);
#endif

/* The number of threads last given to the BLAS library; 0 until the first
 * use sets it from DZ_NUM_THREADS, or to 1. Process-wide, as the BLAS
 * library's own setting is. */
static guint blas_threads;

static void
blas_apply_threads (guint n_threads)
{
#if defined(DZ_HAVE_OPENBLAS_SET_NUM_THREADS)
  openblas_set_num_threads ((int) MIN (n_threads, G_MAXINT));
#elif defined(DZ_HAVE_BLI_THREAD_SET_NUM_THREADS) && defined(DZ_HAVE_BLIS_H)
  bli_thread_set_num_threads ((dim_t) n_threads);
#endif
  /* Any other CBLAS keeps its own setting (the reference one has one
   * thread); the number is only recorded. */
  g_atomic_int_set (&blas_threads, n_threads);
}

/* OpenBLAS's pthread build starts as many threads as there are cores
 * (OPENBLAS_NUM_THREADS aside); DeZero's matrices are small, and a
 * library that spreads over every core behind its caller's back
 * surprises whoever runs several processes or threads. So one thread,
 * unless DZ_NUM_THREADS asks for more. */
static void
blas_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      const char *env = g_getenv ("DZ_NUM_THREADS");
      guint64 n_threads = 1;

      if (env != NULL
          && (!g_ascii_string_to_unsigned (env, 10, 1, G_MAXINT, &n_threads, NULL)))
        {
          g_warning ("DZ_NUM_THREADS=%s is not a number of threads; using 1", env);
          n_threads = 1;
        }
      blas_apply_threads ((guint) n_threads);
      g_once_init_leave (&initialized, 1);
    }
}

void
dz_kernel_blas_set_threads (guint n_threads)
{
  /* After the first use's default, which would otherwise undo this. */
  blas_init ();
  blas_apply_threads (MAX (n_threads, 1));
}

guint
dz_kernel_blas_get_threads (void)
{
  blas_init ();
  return g_atomic_int_get (&blas_threads);
}

const char *
dz_kernel_blas_name (void)
{
  static gsize name = 0;

  if (g_once_init_enter (&name))
    {
      char *found = NULL;

#if defined(DZ_HAVE_OPENBLAS_GET_CONFIG)
      /* "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64":
       * the first two words, then the kernel chosen for this CPU. */
      g_auto(GStrv) words = g_strsplit (openblas_get_config (), " ", 3);

      if (words[0] != NULL && words[1] != NULL)
        {
# if defined(DZ_HAVE_OPENBLAS_GET_CORENAME)
          found = g_strdup_printf ("%s %s (%s)", words[0], words[1],
                                   openblas_get_corename ());
# else
          found = g_strdup_printf ("%s %s", words[0], words[1]);
# endif
        }
#elif defined(DZ_HAVE_BLI_INFO_GET_VERSION_STR) && defined(DZ_HAVE_BLIS_H)
      found = g_strdup_printf ("BLIS %s", bli_info_get_version_str ());
#endif
      if (found == NULL)
        found = g_strdup ("CBLAS");
      /* Kept for the process's life, as the library it names. */
      g_once_init_leave (&name, (gsize) found);
    }

  return (const char *) name;
}

/* C = beta C, the whole product when k == 0; with beta 0, C is not read
 * (a NaN there does not survive), as in BLAS. Done here rather than left
 * to the library, which need not take k == 0 the same way. */
#define DEFINE_SCALE_ROWS(name, T)                                            \
static void                                                                   \
name (gsize m, gsize n, T beta, T *c, gsize ldc)                              \
{                                                                             \
  if (beta == 1)                                                              \
    return;                                                                   \
  for (gsize i = 0; i < m; i++)                                               \
    for (gsize j = 0; j < n; j++)                                             \
      c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];                 \
}

DEFINE_SCALE_ROWS (scale_rows_f64, double)
DEFINE_SCALE_ROWS (scale_rows_f32, float)

/* CBLAS wants every leading dimension >= max (1, columns stored), also
 * where it never steps by it (one row, or nothing stored): a caller's
 * stride for a single row may be anything, even 0 (a broadcast). */
static gsize
valid_ld (gsize ld,
          gsize rows,
          gsize cols)
{
  if (rows <= 1)
    return MAX (cols, 1);
  return MAX (ld, 1);
}

gboolean
dz_kernel_gemm (DzDtype       dtype,
                gboolean      trans_a,
                gboolean      trans_b,
                gsize         m,
                gsize         n,
                gsize         k,
                const void   *a,
                gsize         lda,
                const void   *b,
                gsize         ldb,
                double        beta,
                void         *c,
                gsize         ldc)
{
  /* A is stored m x k, or k x m when transposed; B k x n, or n x k. */
  gsize a_rows = trans_a ? k : m, a_cols = trans_a ? m : k;
  gsize b_rows = trans_b ? n : k, b_cols = trans_b ? k : n;

  if (dtype != DZ_DTYPE_FLOAT64 && dtype != DZ_DTYPE_FLOAT32)
    return FALSE;

  lda = valid_ld (lda, a_rows, a_cols);
  ldb = valid_ld (ldb, b_rows, b_cols);
  ldc = valid_ld (ldc, m, n);
  /* Overlapping rows are the caller's bug; CBLAS would only print it. */
  g_return_val_if_fail (lda >= a_cols && ldb >= b_cols && ldc >= n, FALSE);
  /* CBLAS counts in int (OpenBLAS and BLIS as Debian builds them). */
  g_return_val_if_fail (MAX (MAX (m, n), k) <= G_MAXINT, FALSE);
  g_return_val_if_fail (MAX (MAX (lda, ldb), ldc) <= G_MAXINT, FALSE);

  if (m == 0 || n == 0)
    return TRUE;

  if (k == 0)
    {
      if (dtype == DZ_DTYPE_FLOAT64)
        scale_rows_f64 (m, n, beta, c, ldc);
      else
        scale_rows_f32 (m, n, (float) beta, c, ldc);
      return TRUE;
    }

  /* No loop of our own for small products: OpenBLAS 0.3.21 (Cooperlake
   * kernels, one thread) took 50-220 ns for each of the spiral MLP's
   * products (batch 30, 2 -> 10 -> 3: 600-900 multiply-adds) and 180 ns
   * for 16x16x16 in float64, where a plain strided i-p-j loop took
   * 250-1200 ns and 1500 ns (bench/bench-gemm.c): its call overhead is
   * not what bounds that model. */
  blas_init ();
  if (dtype == DZ_DTYPE_FLOAT64)
    cblas_dgemm (CblasRowMajor,
                 trans_a ? CblasTrans : CblasNoTrans,
                 trans_b ? CblasTrans : CblasNoTrans,
                 (int) m, (int) n, (int) k,
                 1.0, a, (int) lda, b, (int) ldb,
                 beta, c, (int) ldc);
  else
    cblas_sgemm (CblasRowMajor,
                 trans_a ? CblasTrans : CblasNoTrans,
                 trans_b ? CblasTrans : CblasNoTrans,
                 (int) m, (int) n, (int) k,
                 1.0f, a, (int) lda, b, (int) ldb,
                 (float) beta, c, (int) ldc);
  return TRUE;
}
