/* dz-kernels-reduce.c: see dz-kernels.h
 *
 * A reduction first coalesces the axes of its contiguous input: axes of
 * length 1 go, neighbours both kept or both reduced merge. What is left
 * alternates kept and reduced axes, and two loops do all the work:
 * - the last axis reduced: each contiguous lane reduces to one value
 *   (sum over axis 1, or over everything);
 * - the last axis kept: a block of rows reduces into a vector, row by row,
 *   vectorized over the columns (sum over axis 0), rather than as strided
 *   columns.
 * The output starts at the reduction's identity and every partial result
 * is combined into it, which covers the patterns with several reduced
 * axes.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "dz-kernels.h"

/* DZ_ARRAY_MAX_NDIM, which this layer does not see. */
#define MAX_NDIM 32

#pragma omp declare simd notinbranch
extern double exp (double);
#pragma omp declare simd notinbranch
extern double log (double);
#pragma omp declare simd notinbranch
extern float expf (float);
#pragma omp declare simd notinbranch
extern float logf (float);

/* As in dz-kernels-elementwise.c: AVX-512, AVX2 and baseline builds of
 * the loops, for libmvec's exp and for wider vectors. */
#ifdef DZ_HAVE_TARGET_CLONES
# define DZ_VECTOR_CLONES __attribute__ ((target_clones ("avx512f", "avx2", "default")))
#else
# define DZ_VECTOR_CLONES
#endif

#define DZ_SIMD_LOOP _Pragma ("omp simd")

/* -- sums -- */

/* Float sums are NumPy's pairwise summation: a block of up to PW_BLOCK
 * values goes into PW_LANES running sums, combined as a tree, and the
 * blocks' sums combine pairwise, so that the error grows like log n.
 * NumPy uses 8 lanes of 16 values; we keep 16 values a lane but use 32
 * (f64) or 64 (f32) lanes: four AVX-512 registers, enough to keep the
 * adders busy on data in cache. The lanes are GCC vectors of a fixed
 * width, which every build (AVX-512, AVX2, baseline) splits into its own
 * registers: they all give the same bits.
 *
 * The blocks combine as a binary counter does (a stack of partial sums,
 * merged while the block count ends in 1 bits) rather than by recursion,
 * so that the whole sum is one function, inlined into each cloned build. */
/* Unaligned, and aliasing the values they are loaded from. */
typedef double V64 __attribute__ ((vector_size (64), aligned (8), may_alias));
typedef float V32 __attribute__ ((vector_size (64), aligned (4), may_alias));

#define DEFINE_SUM_LANE(sfx, T, V)                                            \
  static inline T                                                             \
  sum_block_##sfx (const T *x, gsize n)                                       \
  {                                                                           \
    enum { W = sizeof (V) / sizeof (T), PW_LANES = 4 * W };                   \
    const gsize n_lanes = n - n % PW_LANES;                                   \
    T s = 0;                                                                  \
                                                                              \
    if (n_lanes > 0)                                                          \
      {                                                                       \
        const V *v = (const V *) x;                                           \
        V a0 = v[0], a1 = v[1], a2 = v[2], a3 = v[3];                         \
        T r[W];                                                               \
                                                                              \
        for (gsize i = 4; i < n_lanes / W; i += 4)                            \
          {                                                                   \
            a0 += v[i];                                                       \
            a1 += v[i + 1];                                                   \
            a2 += v[i + 2];                                                   \
            a3 += v[i + 3];                                                   \
          }                                                                   \
        a0 = (a0 + a2) + (a1 + a3);                                           \
        memcpy (r, &a0, sizeof r);                                            \
        for (gsize half = W / 2; half > 0; half /= 2)                         \
          for (gsize k = 0; k < half; k++)                                    \
            r[k] += r[k + half];                                              \
        s = r[0];                                                             \
      }                                                                       \
    for (gsize i = n_lanes; i < n; i++)                                       \
      s += x[i];                                                              \
    return s;                                                                 \
  }                                                                           \
                                                                              \
  static DZ_VECTOR_CLONES T                                                   \
  sum_lane_##sfx (const T *x, gsize n)                                        \
  {                                                                           \
    enum { PW_BLOCK = 16 * 4 * sizeof (V) / sizeof (T) };                     \
    const gsize n_blocks = n / PW_BLOCK;                                      \
    T stack[64];                                                              \
    guint depth = 0;                                                          \
    T s;                                                                      \
                                                                              \
    for (gsize b = 0; b < n_blocks; b++)                                      \
      {                                                                       \
        s = sum_block_##sfx (x + b * PW_BLOCK, PW_BLOCK);                     \
        for (gsize c = b; c & 1; c >>= 1)                                     \
          s = stack[--depth] + s;                                             \
        stack[depth++] = s;                                                   \
      }                                                                       \
    s = sum_block_##sfx (x + n_blocks * PW_BLOCK, n - n_blocks * PW_BLOCK);   \
    while (depth > 0)                                                         \
      s = stack[--depth] + s;                                                 \
    return s;                                                                 \
  }

/* Column sums of a @rows x @width block (rows @stride apart) into @acc,
 * pairwise over the rows, each leaf a run of up to SUM_ROWS rows added
 * four at a time (NumPy adds row after row: its error grows like rows).
 * The columns go a tile at a time, a whole row of a 1000-column float64
 * matrix: 8 KiB tiles ran 1.2 times as fast as 4 KiB ones, which ran 1.15
 * times as fast as 2 KiB ones (the hardware prefetcher follows a long run
 * better). The price is stack: one tile per level of the recursion,
 * log2 (rows / SUM_ROWS) levels, 32 KiB for 1000 rows, 144 KiB for 2^24.
 * Each level calls the dispatcher of the cloned builds, once per 64 rows
 * at most. */
#define SUM_ROWS 64
#define SUM_TILE_BYTES 8192

#define DEFINE_SUM_ROWS(sfx, T)                                               \
  static DZ_VECTOR_CLONES void                                                \
  sum_rows_##sfx (const T *x, gsize rows, gsize stride, gsize width, T *acc)  \
  {                                                                           \
    if (rows <= SUM_ROWS)                                                     \
      {                                                                       \
        gsize r = 1;                                                          \
                                                                              \
        memcpy (acc, x, width * sizeof (T));                                  \
        for (; r + 4 <= rows; r += 4)                                         \
          {                                                                   \
            const T *r0 = x + r * stride;                                     \
            const T *r1 = r0 + stride, *r2 = r1 + stride, *r3 = r2 + stride;  \
                                                                              \
            DZ_SIMD_LOOP                                                      \
            for (gsize j = 0; j < width; j++)                                 \
              acc[j] += (r0[j] + r1[j]) + (r2[j] + r3[j]);                    \
          }                                                                   \
        for (; r < rows; r++)                                                 \
          {                                                                   \
            const T *row = x + r * stride;                                    \
                                                                              \
            DZ_SIMD_LOOP                                                      \
            for (gsize j = 0; j < width; j++)                                 \
              acc[j] += row[j];                                               \
          }                                                                   \
      }                                                                       \
    else                                                                      \
      {                                                                       \
        const gsize half = rows / 2;                                          \
        T tmp[SUM_TILE_BYTES / sizeof (T)];                                   \
                                                                              \
        sum_rows_##sfx (x, half, stride, width, acc);                         \
        sum_rows_##sfx (x + half * stride, rows - half, stride, width, tmp);  \
        DZ_SIMD_LOOP                                                          \
        for (gsize j = 0; j < width; j++)                                     \
          acc[j] += tmp[j];                                                   \
      }                                                                       \
  }                                                                           \
                                                                              \
  static DZ_VECTOR_CLONES void                                                \
  sum_cols_##sfx (const T *x, gsize rows, gsize n, T *out)                    \
  {                                                                           \
    enum { TILE = SUM_TILE_BYTES / sizeof (T) };                              \
                                                                              \
    for (gsize j0 = 0; j0 < n; j0 += TILE)                                    \
      {                                                                       \
        const gsize width = MIN (TILE, n - j0);                               \
        T acc[TILE];                                                          \
                                                                              \
        sum_rows_##sfx (x + j0, rows, n, width, acc);                         \
        DZ_SIMD_LOOP                                                          \
        for (gsize j = 0; j < width; j++)                                     \
          out[j0 + j] += acc[j];                                              \
      }                                                                       \
  }

DEFINE_SUM_LANE (f64, double, V64)
DEFINE_SUM_LANE (f32, float, V32)
DEFINE_SUM_ROWS (f64, double)
DEFINE_SUM_ROWS (f32, float)

/* Integers are exact in any order; they wrap, as in NumPy. */
static DZ_VECTOR_CLONES gint64
sum_lane_i64 (const gint64 *x, gsize n)
{
  guint64 s = 0;

  DZ_SIMD_LOOP
  for (gsize i = 0; i < n; i++)
    s += (guint64) x[i];
  return (gint64) s;
}

static DZ_VECTOR_CLONES void
sum_cols_i64 (const gint64 *x, gsize rows, gsize n, gint64 *out)
{
  guint64 *o = (guint64 *) out;

  for (gsize r = 0; r < rows; r++)
    {
      const gint64 *row = x + r * n;

      DZ_SIMD_LOOP
      for (gsize j = 0; j < n; j++)
        o[j] += (guint64) row[j];
    }
}

/* -- maxima and minima -- */

/* They propagate NaN, as NumPy's do: the comparison keeps the accumulator
 * only when it wins or is already NaN. */
#define MAX_OF(acc, x) (((acc) >= (x) || (acc) != (acc)) ? (acc) : (x))
#define MIN_OF(acc, x) (((acc) <= (x) || (acc) != (acc)) ? (acc) : (x))

/* A lane keeps LANES running extrema, which vectorize, and combines them
 * at the end. */
#define EXTREMUM_LANES 16

#define DEFINE_EXTREMUM(name, T, OF)                                          \
  static DZ_VECTOR_CLONES T                                                   \
  name##_lane (const T *x, gsize n, T init)                                   \
  {                                                                           \
    T r[EXTREMUM_LANES];                                                      \
    T acc = init;                                                             \
    gsize i = 0;                                                              \
                                                                              \
    if (n >= EXTREMUM_LANES)                                                  \
      {                                                                       \
        for (gsize k = 0; k < EXTREMUM_LANES; k++)                            \
          r[k] = x[k];                                                        \
        for (i = EXTREMUM_LANES; i + EXTREMUM_LANES <= n;                     \
             i += EXTREMUM_LANES)                                             \
          for (gsize k = 0; k < EXTREMUM_LANES; k++)                          \
            r[k] = OF (r[k], x[i + k]);                                       \
        for (gsize k = 0; k < EXTREMUM_LANES; k++)                            \
          acc = OF (acc, r[k]);                                               \
      }                                                                       \
    for (; i < n; i++)                                                        \
      acc = OF (acc, x[i]);                                                   \
    return acc;                                                               \
  }                                                                           \
                                                                              \
  static DZ_VECTOR_CLONES void                                                \
  name##_cols (const T *x, gsize rows, gsize n, T *out)                       \
  {                                                                           \
    for (gsize r = 0; r < rows; r++)                                          \
      {                                                                       \
        const T *row = x + r * n;                                             \
                                                                              \
        DZ_SIMD_LOOP                                                          \
        for (gsize j = 0; j < n; j++)                                         \
          out[j] = OF (out[j], row[j]);                                       \
      }                                                                       \
  }

DEFINE_EXTREMUM (max_f64, double, MAX_OF)
DEFINE_EXTREMUM (min_f64, double, MIN_OF)
DEFINE_EXTREMUM (max_f32, float, MAX_OF)
DEFINE_EXTREMUM (min_f32, float, MIN_OF)
DEFINE_EXTREMUM (max_i64, gint64, MAX_OF)
DEFINE_EXTREMUM (min_i64, gint64, MIN_OF)

/* -- the walk -- */

/* A coalesced reduction: @n_outer positions over the axes before the last
 * one or two, each with its input and output offsets given by an
 * odometer. */
typedef struct
{
  guint  ndim;
  gsize  shape[MAX_NDIM];
  gboolean reduce[MAX_NDIM];
} Axes;

static void
axes_coalesce (Axes           *axes,
               guint           ndim,
               const gsize    *shape,
               const gboolean *reduce)
{
  axes->ndim = 0;
  for (guint d = 0; d < ndim; d++)
    {
      const gboolean r = reduce[d] != FALSE;

      if (shape[d] == 1)
        continue;
      if (axes->ndim > 0 && axes->reduce[axes->ndim - 1] == r)
        {
          axes->shape[axes->ndim - 1] *= shape[d];
          continue;
        }
      axes->shape[axes->ndim] = shape[d];
      axes->reduce[axes->ndim] = r;
      axes->ndim++;
    }
}

/* Calls the lane or column loop once per position of the axes before the
 * last @n_inner ones, with the offsets of that position. */
typedef struct
{
  gsize  n_outer;
  gsize  in_step[MAX_NDIM];
  gsize  out_step[MAX_NDIM];
  gsize  index[MAX_NDIM];
  gsize  in_offset, out_offset;
  guint  n_axes;
  const gsize *shape;
} Odometer;

static void
odometer_init (Odometer   *odo,
               const Axes *axes,
               guint       n_inner)
{
  gsize in_step = 1, out_step = 1;

  for (guint d = axes->ndim - n_inner; d < axes->ndim; d++)
    {
      in_step *= axes->shape[d];
      if (!axes->reduce[d])
        out_step *= axes->shape[d];
    }
  odo->n_axes = axes->ndim - n_inner;
  odo->shape = axes->shape;
  odo->n_outer = 1;
  for (guint d = odo->n_axes; d-- > 0;)
    {
      odo->in_step[d] = in_step;
      odo->out_step[d] = axes->reduce[d] ? 0 : out_step;
      in_step *= axes->shape[d];
      if (!axes->reduce[d])
        out_step *= axes->shape[d];
      odo->n_outer *= axes->shape[d];
      odo->index[d] = 0;
    }
  odo->in_offset = odo->out_offset = 0;
}

static inline void
odometer_next (Odometer *odo)
{
  for (guint d = odo->n_axes; d-- > 0;)
    {
      odo->in_offset += odo->in_step[d];
      odo->out_offset += odo->out_step[d];
      if (++odo->index[d] < odo->shape[d])
        return;
      odo->in_offset -= odo->in_step[d] * odo->shape[d];
      odo->out_offset -= odo->out_step[d] * odo->shape[d];
      odo->index[d] = 0;
    }
}

#define SUM_OF(acc, x) ((acc) + (x))
#define WRAP_SUM_OF(acc, x) ((gint64) ((guint64) (acc) + (guint64) (x)))

#define DEFINE_REDUCE(name, T, OF, lane_call, cols_call)                      \
  static void                                                                 \
  reduce_##name (const Axes *axes, const T *x, T *out, gsize out_size, T id)  \
  {                                                                           \
    const guint last = axes->ndim - 1;                                        \
    Odometer odo;                                                             \
                                                                              \
    for (gsize i = 0; i < out_size; i++)                                      \
      out[i] = id;                                                            \
    if (axes->reduce[last])                                                   \
      {                                                                       \
        const gsize n = axes->shape[last];                                    \
                                                                              \
        odometer_init (&odo, axes, 1);                                        \
        for (gsize k = 0; k < odo.n_outer; k++, odometer_next (&odo))         \
          {                                                                   \
            const T *lane = x + odo.in_offset;                                \
            T *o = out + odo.out_offset;                                      \
                                                                              \
            *o = OF (*o, lane_call);                                          \
          }                                                                   \
      }                                                                       \
    else                                                                      \
      {                                                                       \
        const gsize n = axes->shape[last];                                    \
        const gsize rows = axes->shape[last - 1];                             \
                                                                              \
        odometer_init (&odo, axes, 2);                                        \
        for (gsize k = 0; k < odo.n_outer; k++, odometer_next (&odo))         \
          cols_call (x + odo.in_offset, rows, n, out + odo.out_offset);       \
      }                                                                       \
  }

DEFINE_REDUCE (sum_f64, double, SUM_OF, sum_lane_f64 (lane, n), sum_cols_f64)
DEFINE_REDUCE (sum_f32, float, SUM_OF, sum_lane_f32 (lane, n), sum_cols_f32)
DEFINE_REDUCE (sum_i64, gint64, WRAP_SUM_OF, sum_lane_i64 (lane, n), sum_cols_i64)
DEFINE_REDUCE (max_f64, double, MAX_OF, max_f64_lane (lane, n, -INFINITY), max_f64_cols)
DEFINE_REDUCE (min_f64, double, MIN_OF, min_f64_lane (lane, n, INFINITY), min_f64_cols)
DEFINE_REDUCE (max_f32, float, MAX_OF, max_f32_lane (lane, n, -INFINITY), max_f32_cols)
DEFINE_REDUCE (min_f32, float, MIN_OF, min_f32_lane (lane, n, INFINITY), min_f32_cols)
DEFINE_REDUCE (max_i64, gint64, MAX_OF, max_i64_lane (lane, n, G_MININT64), max_i64_cols)
DEFINE_REDUCE (min_i64, gint64, MIN_OF, min_i64_lane (lane, n, G_MAXINT64), min_i64_cols)

#define FILL(T, out, n, v)                                                    \
  G_STMT_START {                                                              \
    for (gsize i_ = 0; i_ < (n); i_++)                                        \
      ((T *) (out))[i_] = (v);                                                \
  } G_STMT_END

gboolean
dz_kernel_reduce (DzReduceOp     op,
                  DzDtype        dtype,
                  guint          ndim,
                  const gsize   *shape,
                  const gboolean *reduce,
                  const void    *x,
                  void          *out)
{
  gsize in_size = 1, out_size = 1;
  Axes axes;

  if (ndim > MAX_NDIM || (guint) dtype >= DZ_N_DTYPES || (guint) op > DZ_REDUCE_MIN)
    return FALSE;
  for (guint d = 0; d < ndim; d++)
    {
      in_size *= shape[d];
      if (!reduce[d])
        out_size *= shape[d];
    }
  if (out_size == 0)
    return TRUE;

  axes_coalesce (&axes, ndim, shape, reduce);
  if (in_size > 0 && (axes.ndim == 0 || (axes.ndim == 1 && !axes.reduce[0])))
    {
      /* Nothing reduced over more than one value: a copy. */
      memcpy (out, x, out_size * (dtype == DZ_DTYPE_FLOAT32 ? 4 : 8));
      return TRUE;
    }

  /* An empty reduction leaves the identity: 0 for SUM, an infinity or the
   * extreme integer for the MAX and MIN the caller should have refused. */
#define REDUCE_CASE(OP, name, id64, id32, idi)                                \
  case DZ_REDUCE_##OP:                                                        \
    if (dtype == DZ_DTYPE_FLOAT64 && in_size == 0)                            \
      FILL (double, out, out_size, id64);                                     \
    else if (dtype == DZ_DTYPE_FLOAT64)                                       \
      reduce_##name##_f64 (&axes, x, out, out_size, id64);                    \
    else if (dtype == DZ_DTYPE_FLOAT32 && in_size == 0)                       \
      FILL (float, out, out_size, id32);                                      \
    else if (dtype == DZ_DTYPE_FLOAT32)                                       \
      reduce_##name##_f32 (&axes, x, out, out_size, id32);                    \
    else if (in_size == 0)                                                    \
      FILL (gint64, out, out_size, idi);                                      \
    else                                                                      \
      reduce_##name##_i64 (&axes, x, out, out_size, idi);                     \
    return TRUE;

  switch (op)
    {
    REDUCE_CASE (SUM, sum, 0.0, 0.0f, 0)
    REDUCE_CASE (MAX, max, -INFINITY, -INFINITY, G_MININT64)
    REDUCE_CASE (MIN, min, INFINITY, INFINITY, G_MAXINT64)
    default:
      return FALSE;
    }
#undef REDUCE_CASE
}

/* -- softmax -- */

/* Each lane is shifted by its maximum, so that exp never overflows and the
 * largest term is 1. A lane whose maximum is infinite (or NaN) is not
 * shifted, as in SciPy's logsumexp: all -inf gives log-sum-exp -inf rather
 * than the NaN of -inf - -inf. (m - m == 0 is isfinite (m), vectorized.) */
#define SHIFT_OF(m) ((m) - (m) == 0 ? (m) : 0)

/* Lanes along a strided axis go a tile of columns at a time, with the
 * tile's maxima and sums on the stack. */
#define SOFTMAX_TILE_BYTES 1024

/* Lanes this short (the classes of a small classifier) are computed a block
 * of rows at a time: the spiral MLP's 30 x 3 logits took 30 lane calls of 3
 * scalar exps each, a tenth of its training step. */
#define SHORT_LANE_MAX 8
#define SHORT_LANE_ROWS 64

#define DEFINE_SOFTMAX(sfx, T, exp_fn, log_fn)                                \
  /* One contiguous lane of @n values. */                                     \
  static DZ_VECTOR_CLONES void                                                \
  softmax_lane_##sfx (DzSoftmaxOp op, const T *x, gsize n, T *out)            \
  {                                                                           \
    const T shift = SHIFT_OF (max_##sfx##_lane (x, n, -INFINITY));            \
    T s = 0;                                                                  \
                                                                              \
    if (op == DZ_SOFTMAX)                                                     \
      {                                                                       \
        T inv;                                                                \
                                                                              \
        _Pragma ("omp simd reduction (+:s)")                                  \
        for (gsize i = 0; i < n; i++)                                         \
          {                                                                   \
            out[i] = exp_fn (x[i] - shift);                                   \
            s += out[i];                                                      \
          }                                                                   \
        inv = 1 / s;                                                          \
        DZ_SIMD_LOOP                                                          \
        for (gsize i = 0; i < n; i++)                                         \
          out[i] *= inv;                                                      \
        return;                                                               \
      }                                                                       \
                                                                              \
    _Pragma ("omp simd reduction (+:s)")                                      \
    for (gsize i = 0; i < n; i++)                                             \
      s += exp_fn (x[i] - shift);                                             \
    if (op == DZ_LOGSUMEXP)                                                   \
      *out = shift + log_fn (s);                                              \
    else                                                                      \
      {                                                                       \
        const T ls = log_fn (s);                                              \
                                                                              \
        DZ_SIMD_LOOP                                                          \
        for (gsize i = 0; i < n; i++)                                         \
          out[i] = (x[i] - shift) - ls;                                       \
      }                                                                       \
  }                                                                           \
                                                                              \
  /* @width lanes of @n values, @stride apart, the lanes side by side. */     \
  static DZ_VECTOR_CLONES void                                                \
  softmax_tile_##sfx (DzSoftmaxOp op, const T *x, gsize n, gsize stride,      \
                      gsize width, T *out)                                    \
  {                                                                           \
    T shift[SOFTMAX_TILE_BYTES / sizeof (T)];                                 \
    T s[SOFTMAX_TILE_BYTES / sizeof (T)];                                     \
                                                                              \
    for (gsize j = 0; j < width; j++)                                         \
      {                                                                       \
        shift[j] = -INFINITY;                                                 \
        s[j] = 0;                                                             \
      }                                                                       \
    for (gsize r = 0; r < n; r++)                                             \
      {                                                                       \
        const T *row = x + r * stride;                                        \
                                                                              \
        DZ_SIMD_LOOP                                                          \
        for (gsize j = 0; j < width; j++)                                     \
          shift[j] = MAX_OF (shift[j], row[j]);                               \
      }                                                                       \
    DZ_SIMD_LOOP                                                              \
    for (gsize j = 0; j < width; j++)                                         \
      shift[j] = SHIFT_OF (shift[j]);                                         \
                                                                              \
    for (gsize r = 0; r < n; r++)                                             \
      {                                                                       \
        const T *row = x + r * stride;                                        \
        T *orow = out + r * stride;                                           \
                                                                              \
        if (op == DZ_SOFTMAX)                                                 \
          {                                                                   \
            DZ_SIMD_LOOP                                                      \
            for (gsize j = 0; j < width; j++)                                 \
              {                                                               \
                orow[j] = exp_fn (row[j] - shift[j]);                         \
                s[j] += orow[j];                                              \
              }                                                               \
          }                                                                   \
        else                                                                  \
          {                                                                   \
            DZ_SIMD_LOOP                                                      \
            for (gsize j = 0; j < width; j++)                                 \
              s[j] += exp_fn (row[j] - shift[j]);                             \
          }                                                                   \
      }                                                                       \
                                                                              \
    if (op == DZ_LOGSUMEXP)                                                   \
      {                                                                       \
        DZ_SIMD_LOOP                                                          \
        for (gsize j = 0; j < width; j++)                                     \
          out[j] = shift[j] + log_fn (s[j]);                                  \
        return;                                                               \
      }                                                                       \
    DZ_SIMD_LOOP                                                              \
    for (gsize j = 0; j < width; j++)                                         \
      s[j] = op == DZ_SOFTMAX ? 1 / s[j] : log_fn (s[j]);                     \
    for (gsize r = 0; r < n; r++)                                             \
      {                                                                       \
        const T *row = x + r * stride;                                        \
        T *orow = out + r * stride;                                           \
                                                                              \
        if (op == DZ_SOFTMAX)                                                 \
          {                                                                   \
            DZ_SIMD_LOOP                                                      \
            for (gsize j = 0; j < width; j++)                                 \
              orow[j] *= s[j];                                                \
          }                                                                   \
        else                                                                  \
          {                                                                   \
            DZ_SIMD_LOOP                                                      \
            for (gsize j = 0; j < width; j++)                                 \
              orow[j] = (row[j] - shift[j]) - s[j];                           \
          }                                                                   \
      }                                                                       \
  }                                                                           \
                                                                              \
  /* Softmax, log-softmax or log-sum-exp of @rows short contiguous lanes of  \
   * @n (log-sum-exp writes one value per lane): one                          \
   * vectorized exp over the whole block instead of a few scalar calls per    \
   * lane (the (batch, classes) logits of a classifier). */                   \
  static DZ_VECTOR_CLONES void                                                \
  softmax_rows_##sfx (DzSoftmaxOp op, const T *x, gsize rows, gsize n, T *out) \
  {                                                                           \
    T shift[SHORT_LANE_ROWS], s[SHORT_LANE_ROWS];                             \
    T e[SHORT_LANE_ROWS * SHORT_LANE_MAX];                                    \
                                                                              \
    for (gsize r0 = 0; r0 < rows; r0 += SHORT_LANE_ROWS)                      \
      {                                                                       \
        const gsize m = MIN (SHORT_LANE_ROWS, rows - r0);                     \
        const T *xb = x + r0 * n;                                             \
        T *ob = out + r0 * n;                                                 \
                                                                              \
        for (gsize r = 0; r < m; r++)                                         \
          {                                                                   \
            T top = -INFINITY;                                                \
                                                                              \
            for (gsize i = 0; i < n; i++)                                     \
              top = MAX_OF (top, xb[r * n + i]);                              \
            shift[r] = SHIFT_OF (top);                                        \
            for (gsize i = 0; i < n; i++)                                     \
              e[r * n + i] = xb[r * n + i] - shift[r];                        \
          }                                                                   \
        DZ_SIMD_LOOP                                                          \
        for (gsize i = 0; i < m * n; i++)                                     \
          e[i] = exp_fn (e[i]);                                               \
        for (gsize r = 0; r < m; r++)                                         \
          {                                                                   \
            s[r] = 0;                                                         \
            for (gsize i = 0; i < n; i++)                                     \
              s[r] += e[r * n + i];                                           \
          }                                                                   \
        if (op == DZ_LOGSUMEXP)                                               \
          {                                                                   \
            DZ_SIMD_LOOP                                                      \
            for (gsize r = 0; r < m; r++)                                     \
              out[r0 + r] = shift[r] + log_fn (s[r]);                         \
          }                                                                   \
        else if (op == DZ_SOFTMAX)                                            \
          for (gsize r = 0; r < m; r++)                                       \
            {                                                                 \
              const T inv = 1 / s[r];                                         \
                                                                              \
              for (gsize i = 0; i < n; i++)                                   \
                ob[r * n + i] = e[r * n + i] * inv;                           \
            }                                                                 \
        else                                                                  \
          {                                                                   \
            DZ_SIMD_LOOP                                                      \
            for (gsize r = 0; r < m; r++)                                     \
              s[r] = log_fn (s[r]);                                           \
            for (gsize r = 0; r < m; r++)                                     \
              for (gsize i = 0; i < n; i++)                                   \
                ob[r * n + i] = (xb[r * n + i] - shift[r]) - s[r];            \
          }                                                                   \
      }                                                                       \
  }                                                                           \
                                                                              \
  static void                                                                 \
  softmax_##sfx (DzSoftmaxOp op, const T *x, gsize outer, gsize n,            \
                 gsize inner, T *out)                                         \
  {                                                                           \
    enum { TILE = SOFTMAX_TILE_BYTES / sizeof (T) };                          \
    /* log-sum-exp writes one value per lane. */                              \
    const gsize out_n = op == DZ_LOGSUMEXP ? 1 : n;                           \
                                                                              \
    if (inner == 1 && n <= SHORT_LANE_MAX)                                    \
      {                                                                       \
        softmax_rows_##sfx (op, x, outer, n, out);                            \
        return;                                                               \
      }                                                                       \
    for (gsize o = 0; o < outer; o++, x += n * inner, out += out_n * inner)   \
      {                                                                       \
        if (inner == 1)                                                       \
          softmax_lane_##sfx (op, x, n, out);                                 \
        else                                                                  \
          for (gsize j0 = 0; j0 < inner; j0 += TILE)                          \
            softmax_tile_##sfx (op, x + j0, n, inner, MIN (TILE, inner - j0), \
                                out + j0);                                    \
      }                                                                       \
  }

DEFINE_SOFTMAX (f64, double, exp, log)
DEFINE_SOFTMAX (f32, float, expf, logf)

gboolean
dz_kernel_softmax (DzSoftmaxOp   op,
                   DzDtype       dtype,
                   guint         ndim,
                   const gsize  *shape,
                   guint         axis,
                   const void   *x,
                   void         *out)
{
  gsize outer = 1, inner = 1;

  if (ndim > MAX_NDIM || axis >= ndim || (guint) op > DZ_LOGSUMEXP)
    return FALSE;
  for (guint d = 0; d < axis; d++)
    outer *= shape[d];
  for (guint d = axis + 1; d < ndim; d++)
    inner *= shape[d];

  switch (dtype)
    {
    case DZ_DTYPE_FLOAT64:
      softmax_f64 (op, x, outer, shape[axis], inner, out);
      return TRUE;
    case DZ_DTYPE_FLOAT32:
      softmax_f32 (op, x, outer, shape[axis], inner, out);
      return TRUE;
    default:
      return FALSE;
    }
}
