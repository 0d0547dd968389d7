/* bench-kernels.c: the kernels' speed on the cases the library must run
 * at least as fast as NumPy: a 1000x1000 matrix plus or times a row
 * (1000,) or a column (1000, 1), and its sum over axis 0, axis 1 and all,
 * in float64 and float32. bench-kernels.py runs it next to NumPy.
 *
 *   bench-kernels [N]     (N = 1000: the matrix is N x N)
 *
 * One line per case: name, dtype, then the best thread CPU time in
 * microseconds of
 * the kernel into a reused output, and of a malloc, the kernel and a free
 * (what an array operation without the library's buffer cache would pay,
 * as NumPy's a + b does).
 *
 * SPDX-License-Identifier: MIT
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/mman.h>

#include <glib.h>

#include "dz-kernels.h"

typedef enum
{
  ADD_ROW,
  ADD_COLUMN,
  MUL_ROW,
  MUL_COLUMN,
  SUM_AXIS0,
  SUM_AXIS1,
  SUM_ALL,
  N_CASES,
} Case;

static const char *case_names[] = {
  "add_row", "add_col", "mul_row", "mul_col", "sum_axis0", "sum_axis1", "sum_all",
};

static gsize n;

/* As the library's buffers (dz-buffer.c) and NumPy's large arrays: on
 * transparent huge pages, which spare the TLB misses of 4 KiB pages. */
static void *
alloc_huge (gsize bytes)
{
  const gsize huge = 2 << 20;
  void *p = aligned_alloc (huge, (bytes + huge - 1) / huge * huge);

  g_assert (p != NULL);
#ifdef MADV_HUGEPAGE
  madvise (p, (bytes + huge - 1) / huge * huge, MADV_HUGEPAGE);
#endif
  return p;
}

static gsize
out_size (Case c)
{
  switch (c)
    {
    case SUM_AXIS0:
    case SUM_AXIS1:
      return n;
    case SUM_ALL:
      return 1;
    default:
      return n * n;
    }
}

static void
run (Case c, DzDtype dtype, const void *a, const void *v, void *out)
{
  const gsize shape[] = { n, n };
  const gssize a_strides[] = { n, 1 };
  const gssize row_strides[] = { 0, 1 };
  const gssize column_strides[] = { 1, 0 };
  gboolean ok;

  switch (c)
    {
    case ADD_ROW:
    case ADD_COLUMN:
    case MUL_ROW:
    case MUL_COLUMN:
      ok = dz_kernel_binary (c <= ADD_COLUMN ? DZ_BINARY_ADD : DZ_BINARY_MUL, dtype, 2, shape,
                             a, a_strides, v,
                             c == ADD_ROW || c == MUL_ROW ? row_strides : column_strides, out);
      break;
    default:
      ok = dz_kernel_reduce (DZ_REDUCE_SUM, dtype, 2, shape,
                             (const gboolean[]) { c != SUM_AXIS1, c != SUM_AXIS0 }, a, out);
      break;
    }
  g_assert (ok);
}

/* CPU time of this thread: on a shared machine, the time other processes
 * take the core does not count. */
static gint64
now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * G_GINT64_CONSTANT (1000000) + ts.tv_nsec / 1000;
}

/* The best of several rounds of enough calls to take ~20 ms. */
static double
best_us (Case c, DzDtype dtype, const void *a, const void *v, void *out, gboolean alloc)
{
  const gsize bytes = out_size (c) * (dtype == DZ_DTYPE_FLOAT32 ? 4 : 8);
  double best = G_MAXDOUBLE;
  guint calls = 1;

  for (;;)
    {
      const gint64 t0 = now_us ();

      for (guint i = 0; i < calls; i++)
        run (c, dtype, a, v, out);
      if (now_us () - t0 > 20000)
        break;
      calls *= 2;
    }
  for (guint round = 0; round < 7; round++)
    {
      const gint64 t0 = now_us ();

      for (guint i = 0; i < calls; i++)
        {
          if (alloc)
            {
              void *fresh = malloc (bytes);

              run (c, dtype, a, v, fresh);
              free (fresh);
            }
          else
            run (c, dtype, a, v, out);
        }
      best = MIN (best, (double) (now_us () - t0) / calls);
    }
  return best;
}

int
main (int argc, char *argv[])
{
  const DzDtype dtypes[] = { DZ_DTYPE_FLOAT64, DZ_DTYPE_FLOAT32 };

  n = argc > 1 ? strtoul (argv[1], NULL, 10) : 1000;
  for (guint t = 0; t < G_N_ELEMENTS (dtypes); t++)
    {
      const DzDtype dtype = dtypes[t];
      const gsize item = dtype == DZ_DTYPE_FLOAT32 ? 4 : 8;
      char *a = alloc_huge (n * n * item);
      char *v = malloc (n * item);
      char *out = alloc_huge (n * n * item);

      for (gsize i = 0; i < n * n; i++)
        {
          const double x = g_random_double ();

          if (dtype == DZ_DTYPE_FLOAT32)
            ((float *) a)[i] = x;
          else
            ((double *) a)[i] = x;
        }
      memcpy (v, a, n * item);
      memset (out, 0, n * n * item);
      for (Case c = 0; c < N_CASES; c++)
        printf ("%s %s %.1f %.1f\n", case_names[c],
                dtype == DZ_DTYPE_FLOAT32 ? "float32" : "float64",
                best_us (c, dtype, a, v, out, FALSE),
                best_us (c, dtype, a, v, out, TRUE));
      free (a);
      free (v);
      free (out);
    }
  return 0;
}
