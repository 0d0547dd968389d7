/* test-kernels.c: the plain loops of dz-kernels.h against naive loops
 *
 * Every op and dtype at shapes that take each path of the kernels: 0-d,
 * empty, one value, odd lengths (7, 1000, 1001), broadcasts (stride 0) on
 * either side, transposed and reversed strides; and the cases where a
 * careless formula overflows (softmax of 1000, sigmoid of -1000).
 *
 * SPDX-License-Identifier: MIT
 */

#include <math.h>
#include <string.h>

#include <glib.h>

#include "dz-kernels.h"

#define MAX_NDIM 4

/* -- values of any dtype, read and written as doubles -- */

static gsize
item_size (DzDtype dtype)
{
  return dtype == DZ_DTYPE_FLOAT32 ? 4 : 8;
}

static double
get (DzDtype dtype, const void *p, gssize i)
{
  switch (dtype)
    {
    case DZ_DTYPE_FLOAT64:
      return ((const double *) p)[i];
    case DZ_DTYPE_FLOAT32:
      return ((const float *) p)[i];
    default:
      return (double) ((const gint64 *) p)[i];
    }
}

static void
set (DzDtype dtype, void *p, gssize i, double v)
{
  switch (dtype)
    {
    case DZ_DTYPE_FLOAT64:
      ((double *) p)[i] = v;
      break;
    case DZ_DTYPE_FLOAT32:
      ((float *) p)[i] = (float) v;
      break;
    default:
      ((gint64 *) p)[i] = (gint64) v;
      break;
    }
}

/* Multiples of 1/4 in [-3, 3] (integers in [-12, 12] for INT64): sums and
 * products are exact and comparisons often tie. */
static void
fill_quarters (DzDtype dtype, void *p, gsize n, GRand *rand)
{
  for (gsize i = 0; i < n; i++)
    {
      const gint32 k = g_rand_int_range (rand, -12, 13);

      set (dtype, p, i, dtype == DZ_DTYPE_INT64 ? k : k / 4.0);
    }
}

static void
fill_uniform (DzDtype dtype, void *p, gsize n, double lo, double hi, GRand *rand)
{
  for (gsize i = 0; i < n; i++)
    set (dtype, p, i, g_rand_double_range (rand, lo, hi));
}

/* Rounds a reference computed in double to the dtype's precision. */
static double
round_to (DzDtype dtype, double v)
{
  if (dtype == DZ_DTYPE_FLOAT32)
    return (float) v;
  return v;
}

/* |got - want| <= atol + rtol |want|, NaN matching NaN, infinities exact. */
static gboolean
close_enough (double got, double want, double rtol, double atol)
{
  if (isnan (want))
    return isnan (got);
  if (isinf (want))
    return got == want;
  return fabs (got - want) <= atol + rtol * fabs (want);
}

#define assert_close(got, want, rtol, atol)                                   \
  G_STMT_START {                                                              \
    const double g_ = (got), w_ = (want);                                     \
    if (!close_enough (g_, w_, (rtol), (atol)))                               \
      g_error ("%s:%d: got %.17g, want %.17g", __FILE__, __LINE__, g_, w_);   \
  } G_STMT_END

static double
rtol_for (DzDtype dtype)
{
  return dtype == DZ_DTYPE_FLOAT32 ? 2e-6 : 1e-14;
}

/* -- strided operands -- */

/* A buffer holding every element a view of @shape and @strides reaches,
 * and the view's start inside it (strides may be negative). */
typedef struct
{
  void  *buffer;
  void  *start;
  gsize  n;
} View;

static void
view_alloc (View *view, DzDtype dtype, guint ndim, const gsize *shape,
            const gssize *strides, GRand *rand)
{
  gssize lo = 0, hi = 0;
  gboolean empty = FALSE;

  for (guint d = 0; d < ndim; d++)
    {
      if (shape[d] == 0)
        empty = TRUE;
      else if (strides[d] < 0)
        lo += strides[d] * (gssize) (shape[d] - 1);
      else
        hi += strides[d] * (gssize) (shape[d] - 1);
    }
  view->n = empty ? 1 : (gsize) (hi - lo + 1);
  view->buffer = g_malloc (view->n * item_size (dtype));
  fill_quarters (dtype, view->buffer, view->n, rand);
  view->start = (char *) view->buffer - lo * (gssize) item_size (dtype);
}

/* The offset of the @i-th element in C order of a view. */
static gssize
view_offset (guint ndim, const gsize *shape, const gssize *strides, gsize i)
{
  gssize offset = 0;

  for (guint d = ndim; d-- > 0;)
    {
      offset += (gssize) (i % shape[d]) * strides[d];
      i /= shape[d];
    }
  return offset;
}

static gsize
shape_size (guint ndim, const gsize *shape)
{
  gsize n = 1;

  for (guint d = 0; d < ndim; d++)
    n *= shape[d];
  return n;
}

/* -- binary -- */

static const DzDtype all_dtypes[] = { DZ_DTYPE_FLOAT64, DZ_DTYPE_FLOAT32, DZ_DTYPE_INT64 };

static gboolean
binary_takes (DzBinaryOp op, DzDtype dtype)
{
  return dtype != DZ_DTYPE_INT64 || (op != DZ_BINARY_DIV && op != DZ_BINARY_POW);
}

static double
binary_ref (DzBinaryOp op, DzDtype dtype, double x, double y)
{
  switch (op)
    {
    case DZ_BINARY_ADD: return round_to (dtype, x + y);
    case DZ_BINARY_SUB: return round_to (dtype, x - y);
    case DZ_BINARY_MUL: return round_to (dtype, x * y);
    case DZ_BINARY_DIV: return round_to (dtype, x / y);
    case DZ_BINARY_POW: return round_to (dtype, pow (x, y));
    case DZ_BINARY_MAXIMUM: return isnan (x) || isnan (y) ? NAN : MAX (x, y);
    case DZ_BINARY_MINIMUM: return isnan (x) || isnan (y) ? NAN : MIN (x, y);
    case DZ_BINARY_EQ: return x == y;
    case DZ_BINARY_NE: return x != y;
    case DZ_BINARY_LT: return x < y;
    case DZ_BINARY_LE: return x <= y;
    case DZ_BINARY_GT: return x > y;
    case DZ_BINARY_GE: return x >= y;
    default: g_assert_not_reached ();
    }
}

typedef struct
{
  const char *name;
  guint  ndim;
  gsize  shape[MAX_NDIM];
  gssize a_strides[MAX_NDIM];
  gssize b_strides[MAX_NDIM];
} BinaryCase;

static const BinaryCase binary_cases[] = {
  { "0-d", 0, { 0 }, { 0 }, { 0 } },
  { "empty", 2, { 3, 0 }, { 0, 1 }, { 0, 1 } },
  { "one", 1, { 1 }, { 1 }, { 1 } },
  { "7", 1, { 7 }, { 1 }, { 1 } },
  { "1000", 1, { 1000 }, { 1 }, { 1 } },
  { "1001", 1, { 1001 }, { 1 }, { 1 } },
  { "3-d contiguous", 3, { 2, 3, 5 }, { 15, 5, 1 }, { 15, 5, 1 } },
  { "scalar b", 2, { 7, 9 }, { 9, 1 }, { 0, 0 } },
  { "scalar a", 2, { 7, 9 }, { 0, 0 }, { 9, 1 } },
  { "row b", 2, { 7, 1001 }, { 1001, 1 }, { 0, 1 } },
  { "row a", 2, { 7, 1001 }, { 0, 1 }, { 1001, 1 } },
  { "column b", 2, { 1001, 7 }, { 7, 1 }, { 1, 0 } },
  { "column a", 2, { 1001, 7 }, { 1, 0 }, { 7, 1 } },
  { "outer", 2, { 13, 7 }, { 1, 0 }, { 0, 1 } },
  { "middle broadcast", 3, { 3, 4, 5 }, { 20, 5, 1 }, { 5, 0, 1 } },
  { "length-1 axes", 4, { 3, 1, 5, 1 }, { 5, 99, 1, 7 }, { 5, 5, 1, 1 } },
  { "transposed a", 2, { 7, 5 }, { 1, 7 }, { 5, 1 } },
  { "transposed both", 3, { 4, 3, 2 }, { 1, 4, 12 }, { 1, 8, 4 } },
  { "reversed", 1, { 1001 }, { -1 }, { 2 } },
};

static void
test_binary (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);

  for (guint c = 0; c < G_N_ELEMENTS (binary_cases); c++)
    {
      const BinaryCase *bc = &binary_cases[c];
      const gsize n = shape_size (bc->ndim, bc->shape);

      for (guint t = 0; t < G_N_ELEMENTS (all_dtypes); t++)
        {
          const DzDtype dtype = all_dtypes[t];
          View a, b;
          void *out = g_malloc (MAX (n, 1) * item_size (dtype));

          view_alloc (&a, dtype, bc->ndim, bc->shape, bc->a_strides, rand);
          view_alloc (&b, dtype, bc->ndim, bc->shape, bc->b_strides, rand);
          for (DzBinaryOp op = DZ_BINARY_ADD; op <= DZ_BINARY_GE; op++)
            {
              const gboolean ok = dz_kernel_binary (op, dtype, bc->ndim, bc->shape,
                                                    a.start, bc->a_strides,
                                                    b.start, bc->b_strides, out);

              g_test_message ("binary %s: op %d, dtype %d", bc->name, op, dtype);
              g_assert_cmpint (ok, ==, binary_takes (op, dtype));
              if (!ok)
                continue;
              for (gsize i = 0; i < n; i++)
                {
                  const double x = get (dtype, a.start, view_offset (bc->ndim, bc->shape, bc->a_strides, i));
                  const double y = get (dtype, b.start, view_offset (bc->ndim, bc->shape, bc->b_strides, i));

                  assert_close (get (dtype, out, i), binary_ref (op, dtype, x, y),
                                rtol_for (dtype), 0);
                }
            }
          g_free (a.buffer);
          g_free (b.buffer);
          g_free (out);
        }
    }
}

/* NaN goes through maximum and minimum from either side; int64 wraps. */
static void
test_binary_special (void)
{
  const gsize shape[] = { 3 };
  const gssize strides[] = { 1 };
  const double a[] = { NAN, 1, -INFINITY };
  const double b[] = { 1, NAN, 2 };
  const gint64 ia[] = { G_MAXINT64, G_MININT64, 3 };
  const gint64 ib[] = { 1, 1, -4 };
  double out[3];
  gint64 iout[3];

  g_assert_true (dz_kernel_binary (DZ_BINARY_MAXIMUM, DZ_DTYPE_FLOAT64, 1, shape,
                                   a, strides, b, strides, out));
  g_assert_true (isnan (out[0]) && isnan (out[1]));
  g_assert_cmpfloat (out[2], ==, 2);
  g_assert_true (dz_kernel_binary (DZ_BINARY_MINIMUM, DZ_DTYPE_FLOAT64, 1, shape,
                                   a, strides, b, strides, out));
  g_assert_true (isnan (out[0]) && isnan (out[1]));
  g_assert_cmpfloat (out[2], ==, -INFINITY);
  g_assert_true (dz_kernel_binary (DZ_BINARY_ADD, DZ_DTYPE_INT64, 1, shape,
                                   ia, strides, ib, strides, iout));
  g_assert_cmpint (iout[0], ==, G_MININT64);
  g_assert_cmpint (iout[2], ==, -1);
  g_assert_true (dz_kernel_binary (DZ_BINARY_SUB, DZ_DTYPE_INT64, 1, shape,
                                   ia, strides, ib, strides, iout));
  g_assert_cmpint (iout[1], ==, G_MAXINT64);
}

/* -- unary -- */

static gboolean
unary_takes_int (DzUnaryOp op)
{
  return op == DZ_UNARY_NEG || op == DZ_UNARY_ABS || op == DZ_UNARY_SQUARE
         || op == DZ_UNARY_SIGN;
}

static double
unary_ref (DzUnaryOp op, double x)
{
  switch (op)
    {
    case DZ_UNARY_NEG: return -x;
    case DZ_UNARY_EXP: return exp (x);
    case DZ_UNARY_LOG: return log (x);
    case DZ_UNARY_SIN: return sin (x);
    case DZ_UNARY_COS: return cos (x);
    case DZ_UNARY_TANH: return tanh (x);
    case DZ_UNARY_SQRT: return sqrt (x);
    case DZ_UNARY_ABS: return fabs (x);
    case DZ_UNARY_SQUARE: return x * x;
    case DZ_UNARY_RELU: return isnan (x) ? x : MAX (x, 0);
    case DZ_UNARY_SIGMOID: return 1 / (1 + exp (-x));
    case DZ_UNARY_SIGN: return isnan (x) ? x : (x > 0) - (x < 0);
    default: g_assert_not_reached ();
    }
}

static void
test_unary (void)
{
  static const gsize sizes[] = { 0, 1, 7, 1000, 1001 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (2);

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (guint t = 0; t < G_N_ELEMENTS (all_dtypes); t++)
      {
        const gsize n = sizes[s];
        const DzDtype dtype = all_dtypes[t];
        const gsize bytes = MAX (n, 1) * item_size (dtype);
        void *x = g_malloc (bytes);
        void *out = g_malloc (bytes);

        if (dtype == DZ_DTYPE_INT64)
          fill_quarters (dtype, x, n, rand);
        else
          fill_uniform (dtype, x, n, -5, 5, rand);
        /* Edge values among the random ones (the loops' tails included). */
        if (n >= 7 && dtype != DZ_DTYPE_INT64)
          {
            set (dtype, x, 0, 0);
            set (dtype, x, 1, NAN);
            set (dtype, x, n - 1, -0.0);
            set (dtype, x, n - 2, 1000);
            set (dtype, x, n - 3, -1000);
          }

        for (DzUnaryOp op = DZ_UNARY_NEG; op <= DZ_UNARY_SIGN; op++)
          {
            const gboolean takes = dtype != DZ_DTYPE_INT64 || unary_takes_int (op);

            g_test_message ("unary n %zu: op %d, dtype %d", n, op, dtype);
            g_assert_cmpint (dz_kernel_unary (op, dtype, n, x, out), ==, takes);
            if (!takes)
              continue;
            for (gsize i = 0; i < n; i++)
              assert_close (get (dtype, out, i),
                            round_to (dtype, unary_ref (op, get (dtype, x, i))),
                            dtype == DZ_DTYPE_FLOAT32 ? 1e-6 : 1e-15,
                            dtype == DZ_DTYPE_FLOAT32 ? 1e-7 : 1e-16);

            /* In place gives the same values. */
            memcpy (out, x, n * item_size (dtype));
            g_assert_true (dz_kernel_unary (op, dtype, n, out, out));
            for (gsize i = 0; i < n; i++)
              assert_close (get (dtype, out, i),
                            round_to (dtype, unary_ref (op, get (dtype, x, i))),
                            dtype == DZ_DTYPE_FLOAT32 ? 1e-6 : 1e-15,
                            dtype == DZ_DTYPE_FLOAT32 ? 1e-7 : 1e-16);
          }
        g_free (x);
        g_free (out);
      }
}

/* sigmoid never forms exp of a large positive: finite everywhere, exactly
 * 0 and 1 far out, and accurate in the tails where 1 - sigmoid is tiny. */
static void
test_sigmoid_limits (void)
{
  const double x[] = { -1000, -745, -100, -20, 0, 20, 100, 745, 1000, INFINITY, -INFINITY };
  double out[G_N_ELEMENTS (x)];
  float xf[G_N_ELEMENTS (x)], outf[G_N_ELEMENTS (x)];

  for (guint i = 0; i < G_N_ELEMENTS (x); i++)
    xf[i] = x[i];
  g_assert_true (dz_kernel_unary (DZ_UNARY_SIGMOID, DZ_DTYPE_FLOAT64, G_N_ELEMENTS (x), x, out));
  g_assert_true (dz_kernel_unary (DZ_UNARY_SIGMOID, DZ_DTYPE_FLOAT32, G_N_ELEMENTS (x), xf, outf));
  for (guint i = 0; i < G_N_ELEMENTS (x); i++)
    {
      g_assert_true (isfinite (out[i]) && isfinite (outf[i]));
      g_assert_cmpfloat (out[i], >=, 0);
      g_assert_cmpfloat (out[i], <=, 1);
    }
  g_assert_cmpfloat (out[0], ==, 0);
  g_assert_cmpfloat (out[8], ==, 1);
  g_assert_cmpfloat (outf[0], ==, 0);
  g_assert_cmpfloat (outf[8], ==, 1);
  g_assert_cmpfloat (out[4], ==, 0.5);
  assert_close (out[2], exp (-100), 1e-14, 0);
  assert_close (out[3], 1 / (1 + exp (20)), 1e-14, 0);
}

/* -- affine, clip, cast -- */

static void
test_affine (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);

  for (guint t = 0; t < 2; t++)
    {
      const DzDtype dtype = all_dtypes[t];
      const gsize n = 1001;
      void *x = g_malloc (n * item_size (dtype));
      void *out = g_malloc (n * item_size (dtype));

      fill_uniform (dtype, x, n, -5, 5, rand);
      g_assert_true (dz_kernel_affine (dtype, n, x, 2.5, -1.25, out));
      for (gsize i = 0; i < n; i++)
        assert_close (get (dtype, out, i), round_to (dtype, get (dtype, x, i) * 2.5 - 1.25),
                      rtol_for (dtype), 1e-6);
      g_assert_true (dz_kernel_affine (dtype, 0, x, 2.5, -1.25, out));
      g_free (x);
      g_free (out);
    }
  g_assert_false (dz_kernel_affine (DZ_DTYPE_INT64, 1, &(gint64) { 1 }, 1, 1, &(gint64) { 0 }));
}

/* gy y (1 - y), into a new buffer and in place over gy. */
static void
test_sigmoid_grad (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);

  for (guint t = 0; t < 2; t++)
    {
      const DzDtype dtype = all_dtypes[t];
      const gsize n = 1003;
      void *y = g_malloc (n * item_size (dtype));
      void *gy = g_malloc (n * item_size (dtype));
      void *out = g_malloc (n * item_size (dtype));

      fill_uniform (dtype, y, n, 0, 1, rand);
      fill_uniform (dtype, gy, n, -3, 3, rand);
      g_assert_true (dz_kernel_sigmoid_grad (dtype, n, y, gy, out));
      for (gsize i = 0; i < n; i++)
        {
          double yi = get (dtype, y, i);

          assert_close (get (dtype, out, i), get (dtype, gy, i) * yi * (1 - yi), rtol_for (dtype),
                        1e-7);
        }
      g_assert_true (dz_kernel_sigmoid_grad (dtype, n, y, gy, gy));
      for (gsize i = 0; i < n; i++)
        g_assert_cmpfloat (get (dtype, gy, i), ==, get (dtype, out, i));
      g_free (y);
      g_free (gy);
      g_free (out);
    }
  g_assert_false (dz_kernel_sigmoid_grad (DZ_DTYPE_INT64, 1, &(gint64) { 1 }, &(gint64) { 1 },
                                          &(gint64) { 0 }));
}

static void
test_clip (void)
{
  const double x[] = { -3, -1.5, -1, 0, 0.5, 1, 2.5, NAN, -INFINITY, INFINITY };
  const double want[] = { -1, -1, -1, 0, 0.5, 1, 1, NAN, -1, 1 };
  const gint64 ix[] = { -5, -2, -1, 0, 1, 2, 3, G_MININT64, G_MAXINT64 };
  const gint64 iwant[] = { -1, -1, -1, 0, 1, 2, 2, -1, 2 };
  double out[G_N_ELEMENTS (x)];
  float xf[G_N_ELEMENTS (x)], outf[G_N_ELEMENTS (x)];
  gint64 iout[G_N_ELEMENTS (ix)];

  for (guint i = 0; i < G_N_ELEMENTS (x); i++)
    xf[i] = x[i];
  g_assert_true (dz_kernel_clip (DZ_DTYPE_FLOAT64, G_N_ELEMENTS (x), x, -1, 1, out));
  g_assert_true (dz_kernel_clip (DZ_DTYPE_FLOAT32, G_N_ELEMENTS (x), xf, -1, 1, outf));
  for (guint i = 0; i < G_N_ELEMENTS (x); i++)
    {
      assert_close (out[i], want[i], 0, 0);
      assert_close (outf[i], want[i], 0, 0);
    }
  /* Fractional bounds round inwards for integers. */
  g_assert_true (dz_kernel_clip (DZ_DTYPE_INT64, G_N_ELEMENTS (ix), ix, -1.5, 2.9, iout));
  for (guint i = 0; i < G_N_ELEMENTS (ix); i++)
    g_assert_cmpint (iout[i], ==, iwant[i]);
  /* lo > hi gives hi everywhere, as NumPy's clip. */
  g_assert_true (dz_kernel_clip (DZ_DTYPE_FLOAT64, 3, x, 2, 1, out));
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat (out[i], ==, 1);
}

static void
test_cast (void)
{
  const double x[] = { 0, 1, -1, 2.75, -2.75, 1e10, 0.5, -0.5, 3, 1e300, NAN };
  const gsize n = G_N_ELEMENTS (x);
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);

  for (guint f = 0; f < G_N_ELEMENTS (all_dtypes); f++)
    for (guint t = 0; t < G_N_ELEMENTS (all_dtypes); t++)
      {
        const DzDtype from = all_dtypes[f], to = all_dtypes[t];
        const gsize big = 1001;
        void *in = g_malloc (big * 8);
        void *out = g_malloc (big * 8);

        /* Out-of-range values only from floats: int64 has none. */
        for (gsize i = 0; i < n; i++)
          set (from, in, i, from == DZ_DTYPE_INT64 && !isfinite (x[i]) ? 7 : from == DZ_DTYPE_INT64 && fabs (x[i]) > 1e15 ? -7 : x[i]);
        g_assert_true (dz_kernel_cast (from, to, n, in, out));
        for (gsize i = 0; i < n; i++)
          {
            const double v = get (from, in, i);
            double want;

            if (to != DZ_DTYPE_INT64)
              want = round_to (to, v);
            else if (isnan (v) || fabs (v) >= 0x1p63)
              want = (double) G_MININT64;
            else
              want = trunc (v);
            assert_close (get (to, out, i), want, 0, 0);
          }

        fill_uniform (from, in, big, -1e6, 1e6, rand);
        g_assert_true (dz_kernel_cast (from, to, big, in, out));
        for (gsize i = 0; i < big; i++)
          {
            const double v = get (from, in, i);

            assert_close (get (to, out, i), to == DZ_DTYPE_INT64 ? trunc (v) : round_to (to, v), 0, 0);
          }
        g_assert_true (dz_kernel_cast (from, to, 0, in, out));
        g_free (in);
        g_free (out);
      }
}

/* -- strided copy -- */

typedef struct
{
  const char *name;
  guint  ndim;
  gsize  shape[MAX_NDIM];
  gssize strides[MAX_NDIM];
} CopyCase;

static const CopyCase copy_cases[] = {
  { "0-d", 0, { 0 }, { 0 } },
  { "empty", 3, { 2, 0, 3 }, { 0, 3, 1 } },
  { "contiguous", 3, { 2, 3, 5 }, { 15, 5, 1 } },
  { "transposed", 2, { 65, 33 }, { 1, 65 } },
  { "transposed 3-d", 3, { 5, 6, 4 }, { 1, 20, 5 } },
  { "batch of transposes", 3, { 3, 37, 41 }, { 37 * 41, 1, 37 } },
  { "reversed", 2, { 7, 1001 }, { -1001, -1 } },
  { "reversed rows", 2, { 7, 5 }, { -5, 1 } },
  { "reversed transpose", 2, { 40, 50 }, { -1, -40 } },
  { "broadcast rows", 2, { 6, 7 }, { 0, 1 } },
  { "broadcast columns", 2, { 6, 7 }, { 1, 0 } },
  { "step 2", 2, { 5, 7 }, { 28, 2 } },
  { "length-1 axes", 4, { 1, 9, 1, 3 }, { 5, 1, 8, 9 } },
};

static void
test_copy_strided (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);

  for (guint c = 0; c < G_N_ELEMENTS (copy_cases); c++)
    for (guint t = 0; t < G_N_ELEMENTS (all_dtypes); t++)
      {
        const CopyCase *cc = &copy_cases[c];
        const DzDtype dtype = all_dtypes[t];
        const gsize n = shape_size (cc->ndim, cc->shape);
        void *out = g_malloc (MAX (n, 1) * item_size (dtype));
        View x;

        g_test_message ("copy %s, dtype %d", cc->name, dtype);
        view_alloc (&x, dtype, cc->ndim, cc->shape, cc->strides, rand);
        fill_uniform (dtype, x.buffer, x.n, -1e6, 1e6, rand);
        g_assert_true (dz_kernel_copy_strided (dtype, cc->ndim, cc->shape, x.start,
                                               cc->strides, out));
        for (gsize i = 0; i < n; i++)
          g_assert_cmpfloat (get (dtype, out, i), ==,
                             get (dtype, x.start, view_offset (cc->ndim, cc->shape, cc->strides, i)));
        g_free (x.buffer);
        g_free (out);
      }
}

/* -- reductions -- */

typedef struct
{
  guint    ndim;
  gsize    shape[MAX_NDIM];
} Shape;

static const Shape reduce_shapes[] = {
  { 0, { 0 } },
  { 1, { 0 } },
  { 2, { 3, 0 } },
  { 2, { 0, 3 } },
  { 1, { 1 } },
  { 1, { 7 } },
  { 1, { 1000 } },
  { 1, { 1001 } },
  { 2, { 33, 1001 } },
  { 2, { 1001, 33 } },
  { 2, { 300, 700 } },
  { 3, { 4, 5, 6 } },
  { 3, { 4, 1, 6 } },
  { 4, { 3, 1, 4, 5 } },
  { 4, { 2, 3, 4, 70 } },
};

/* The reference: a walk over the input adding each value into its output
 * element, in long double. */
static void
reduce_ref (DzReduceOp op, DzDtype dtype, const Shape *s, const gboolean *reduce,
            const void *x, long double *want, long double *abs_sum, gsize out_size)
{
  const gsize n = shape_size (s->ndim, s->shape);

  for (gsize o = 0; o < out_size; o++)
    {
      want[o] = op == DZ_REDUCE_SUM ? 0 : op == DZ_REDUCE_MAX ? -INFINITY : INFINITY;
      abs_sum[o] = 0;
    }
  for (gsize i = 0; i < n; i++)
    {
      gsize rest = i, o = 0, o_stride = 1;
      const double v = get (dtype, x, i);

      for (guint d = s->ndim; d-- > 0;)
        {
          if (!reduce[d])
            {
              o += (rest % s->shape[d]) * o_stride;
              o_stride *= s->shape[d];
            }
          rest /= s->shape[d];
        }
      abs_sum[o] += fabs (v);
      if (op == DZ_REDUCE_SUM)
        want[o] += v;
      else if (isnan (v) || isnan ((double) want[o]))
        want[o] = NAN;
      else if (op == DZ_REDUCE_MAX)
        want[o] = MAX (want[o], v);
      else
        want[o] = MIN (want[o], v);
    }
}

static void
test_reduce (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (6);

  for (guint c = 0; c < G_N_ELEMENTS (reduce_shapes); c++)
    {
      const Shape *s = &reduce_shapes[c];
      const gsize n = shape_size (s->ndim, s->shape);

      for (guint mask = 0; mask < (1u << s->ndim); mask++)
        for (guint t = 0; t < G_N_ELEMENTS (all_dtypes); t++)
          for (DzReduceOp op = DZ_REDUCE_SUM; op <= DZ_REDUCE_MIN; op++)
            {
              const DzDtype dtype = all_dtypes[t];
              gboolean reduce[MAX_NDIM];
              gsize out_size = 1;
              void *x = g_malloc (MAX (n, 1) * item_size (dtype));
              void *out;
              long double *want, *abs_sum;

              for (guint d = 0; d < s->ndim; d++)
                {
                  reduce[d] = (mask >> d) & 1;
                  if (!reduce[d])
                    out_size *= s->shape[d];
                }
              out = g_malloc (MAX (out_size, 1) * item_size (dtype));
              want = g_new (long double, MAX (out_size, 1));
              abs_sum = g_new (long double, MAX (out_size, 1));
              if (dtype == DZ_DTYPE_INT64)
                fill_quarters (dtype, x, n, rand);
              else
                fill_uniform (dtype, x, n, -1, 1, rand);
              /* An empty MAX or MIN is the caller's error, not checked. */
              if (n == 0 && op != DZ_REDUCE_SUM && out_size > 0)
                goto next;

              g_test_message ("reduce shape %u, mask %x, dtype %d, op %d", c, mask, dtype, op);
              g_assert_true (dz_kernel_reduce (op, dtype, s->ndim, s->shape, reduce, x, out));
              reduce_ref (op, dtype, s, reduce, x, want, abs_sum, out_size);
              for (gsize o = 0; o < out_size; o++)
                {
                  /* A float sum may err by a few ulp of the values' sum of
                   * magnitudes per level of the pairwise tree. */
                  const double eps = dtype == DZ_DTYPE_FLOAT32 ? FLT_EPSILON : DBL_EPSILON;

                  assert_close (get (dtype, out, o), round_to (dtype, (double) want[o]), 0,
                                op == DZ_REDUCE_SUM ? 32 * eps * (double) abs_sum[o] : 0);
                }
            next:
              g_free (x);
              g_free (out);
              g_free (want);
              g_free (abs_sum);
            }
    }
}

/* NaN wins MAX and MIN in either loop: along the lane and across rows. */
static void
test_reduce_nan (void)
{
  const gsize shape[] = { 40, 40 };
  double *x = g_new (double, 1600);
  double out[40];

  for (gsize i = 0; i < 1600; i++)
    x[i] = i;
  x[17 * 40 + 23] = NAN;
  for (guint axis = 0; axis < 2; axis++)
    for (DzReduceOp op = DZ_REDUCE_MAX; op <= DZ_REDUCE_MIN; op++)
      {
        const gboolean reduce[] = { axis == 0, axis == 1 };

        g_assert_true (dz_kernel_reduce (op, DZ_DTYPE_FLOAT64, 2, shape, reduce, x, out));
        for (gsize j = 0; j < 40; j++)
          g_assert_cmpint (isnan (out[j]), ==, j == (axis == 0 ? 23 : 17));
      }
  g_free (x);
}

/* Sums of a million float32 0.1s: pairwise along the lane and across the
 * rows, they stay within a few ulp, where a running sum is off by 1%. */
static void
test_sum_accuracy (void)
{
  const gsize n = 1 << 20;
  float *x = g_new (float, n);
  float total;
  float columns[4];

  for (gsize i = 0; i < n; i++)
    x[i] = 0.1f;
  g_assert_true (dz_kernel_reduce (DZ_REDUCE_SUM, DZ_DTYPE_FLOAT32, 1, &n,
                                   (const gboolean[]) { TRUE }, x, &total));
  assert_close (total, n * (double) 0.1f, 1e-6, 0);
  g_assert_true (dz_kernel_reduce (DZ_REDUCE_SUM, DZ_DTYPE_FLOAT32, 2,
                                   (const gsize[]) { n / 4, 4 },
                                   (const gboolean[]) { TRUE, FALSE }, x, columns));
  for (guint j = 0; j < 4; j++)
    assert_close (columns[j], n / 4 * (double) 0.1f, 1e-6, 0);
  g_free (x);
}

static void
test_reduce_rejects (void)
{
  const gsize shape[] = { 2 };
  const gboolean reduce[] = { TRUE };
  double x[2] = { 1, 2 }, out;

  g_assert_false (dz_kernel_reduce (DZ_REDUCE_SUM, (DzDtype) 99, 1, shape, reduce, x, &out));
  g_assert_false (dz_kernel_reduce ((DzReduceOp) 99, DZ_DTYPE_FLOAT64, 1, shape, reduce, x, &out));
}

/* -- softmax -- */

typedef struct
{
  guint ndim;
  gsize shape[MAX_NDIM];
  guint axis;
} SoftmaxCase;

static const SoftmaxCase softmax_cases[] = {
  { 1, { 1 }, 0 },
  { 1, { 7 }, 0 },
  { 1, { 1001 }, 0 },
  { 2, { 3, 7 }, 0 },
  { 2, { 3, 7 }, 1 },
  { 2, { 4, 1001 }, 1 },
  { 2, { 1001, 3 }, 0 },
  { 2, { 5, 300 }, 0 },
  { 3, { 2, 3, 5 }, 0 },
  { 3, { 2, 3, 5 }, 1 },
  { 3, { 2, 3, 5 }, 2 },
  { 2, { 3, 0 }, 1 },
  { 2, { 0, 3 }, 1 },
  { 2, { 0, 3 }, 0 },
};

static void
test_softmax (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (guint c = 0; c < G_N_ELEMENTS (softmax_cases); c++)
    for (guint t = 0; t < 2; t++)
      for (DzSoftmaxOp op = DZ_SOFTMAX; op <= DZ_LOGSUMEXP; op++)
        {
          const SoftmaxCase *sc = &softmax_cases[c];
          const DzDtype dtype = all_dtypes[t];
          const gsize n = shape_size (sc->ndim, sc->shape);
          const gsize len = sc->shape[sc->axis];
          const gsize inner = shape_size (sc->ndim - sc->axis - 1, sc->shape + sc->axis + 1);
          const gsize outer = shape_size (sc->axis, sc->shape);
          void *x = g_malloc (MAX (n, 1) * item_size (dtype));
          void *out = g_malloc (MAX (n, outer * inner) * item_size (dtype) + 8);
          const double rtol = dtype == DZ_DTYPE_FLOAT32 ? 1e-5 : 1e-13;

          fill_uniform (dtype, x, n, -10, 10, rand);
          /* Large values in some lanes: the shift keeps them finite. */
          if (n > 2)
            {
              set (dtype, x, 0, 1000);
              set (dtype, x, n - 1, -1000);
            }
          g_test_message ("softmax case %u, dtype %d, op %d", c, dtype, op);
          g_assert_true (dz_kernel_softmax (op, dtype, sc->ndim, sc->shape, sc->axis, x, out));
          for (gsize o = 0; o < outer; o++)
            for (gsize j = 0; j < inner; j++)
              {
                const gsize base = o * len * inner + j;
                double m = -INFINITY, sum = 0, lse;

                for (gsize k = 0; k < len; k++)
                  m = MAX (m, get (dtype, x, base + k * inner));
                if (!isfinite (m))
                  m = 0;
                for (gsize k = 0; k < len; k++)
                  sum += exp (get (dtype, x, base + k * inner) - m);
                lse = m + log (sum);
                if (op == DZ_LOGSUMEXP)
                  {
                    assert_close (get (dtype, out, o * inner + j), lse, rtol, rtol);
                    continue;
                  }
                for (gsize k = 0; k < len; k++)
                  {
                    const double v = get (dtype, x, base + k * inner);
                    const double got = get (dtype, out, base + k * inner);

                    g_assert_true (isfinite (got));
                    if (op == DZ_SOFTMAX)
                      assert_close (got, exp (v - m) / sum, rtol, 1e-300);
                    else
                      assert_close (got, (v - m) - log (sum), rtol, rtol);
                  }
              }
          g_free (x);
          g_free (out);
        }
}

/* Lanes of only huge or only tiny values: no inf, no NaN; an empty lane's
 * log-sum-exp is -inf, as log (0). */
static void
test_softmax_stability (void)
{
  const gsize shape[] = { 2, 3 };
  const double x[] = { 1000, 1000, 999, -1000, -1000, -1001 };
  const float xf[] = { 1000, 1000, 999, -1000, -1000, -1001 };
  double out[6], lse[2];
  float outf[6], lsef[2];
  const double e = exp (-1.0);

  for (DzSoftmaxOp op = DZ_SOFTMAX; op <= DZ_LOG_SOFTMAX; op++)
    {
      g_assert_true (dz_kernel_softmax (op, DZ_DTYPE_FLOAT64, 2, shape, 1, x, out));
      g_assert_true (dz_kernel_softmax (op, DZ_DTYPE_FLOAT32, 2, shape, 1, xf, outf));
      for (guint i = 0; i < 6; i++)
        {
          const double want = i % 3 == 2 ? e / (2 + e) : 1 / (2 + e);

          assert_close (out[i], op == DZ_SOFTMAX ? want : log (want), 1e-14, 0);
          assert_close (outf[i], op == DZ_SOFTMAX ? want : log (want), 1e-6, 0);
        }
    }
  g_assert_true (dz_kernel_softmax (DZ_LOGSUMEXP, DZ_DTYPE_FLOAT64, 2, shape, 1, x, lse));
  g_assert_true (dz_kernel_softmax (DZ_LOGSUMEXP, DZ_DTYPE_FLOAT32, 2, shape, 1, xf, lsef));
  assert_close (lse[0], 1000 + log (2 + e), 1e-15, 0);
  assert_close (lse[1], -1000 + log (2 + e), 1e-15, 0);
  assert_close (lsef[0], 1000 + log (2 + e), 1e-7, 0);
  assert_close (lsef[1], -1000 + log (2 + e), 1e-7, 0);

  {
    const gsize empty[] = { 2, 0 };
    const double minus_inf[] = { -INFINITY, -INFINITY };

    g_assert_true (dz_kernel_softmax (DZ_LOGSUMEXP, DZ_DTYPE_FLOAT64, 2, empty, 1, x, lse));
    g_assert_cmpfloat (lse[0], ==, -INFINITY);
    g_assert_cmpfloat (lse[1], ==, -INFINITY);
    g_assert_true (dz_kernel_softmax (DZ_LOGSUMEXP, DZ_DTYPE_FLOAT64, 1, (const gsize[]) { 2 }, 0,
                                      minus_inf, lse));
    g_assert_cmpfloat (lse[0], ==, -INFINITY);
  }
  g_assert_false (dz_kernel_softmax (DZ_SOFTMAX, DZ_DTYPE_INT64, 2, shape, 1, x, out));
  g_assert_false (dz_kernel_softmax (DZ_SOFTMAX, DZ_DTYPE_FLOAT64, 2, shape, 2, x, out));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/kernels/binary", test_binary);
  g_test_add_func ("/kernels/binary/special", test_binary_special);
  g_test_add_func ("/kernels/unary", test_unary);
  g_test_add_func ("/kernels/unary/sigmoid-limits", test_sigmoid_limits);
  g_test_add_func ("/kernels/affine", test_affine);
  g_test_add_func ("/kernels/sigmoid-grad", test_sigmoid_grad);
  g_test_add_func ("/kernels/clip", test_clip);
  g_test_add_func ("/kernels/cast", test_cast);
  g_test_add_func ("/kernels/copy-strided", test_copy_strided);
  g_test_add_func ("/kernels/reduce", test_reduce);
  g_test_add_func ("/kernels/reduce/nan", test_reduce_nan);
  g_test_add_func ("/kernels/reduce/sum-accuracy", test_sum_accuracy);
  g_test_add_func ("/kernels/reduce/rejects", test_reduce_rejects);
  g_test_add_func ("/kernels/softmax", test_softmax);
  g_test_add_func ("/kernels/softmax/stability", test_softmax_stability);

  return g_test_run ();
}
