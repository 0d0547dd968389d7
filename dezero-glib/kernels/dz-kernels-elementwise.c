/* dz-kernels-elementwise.c: see dz-kernels.h
 *
 * Every kernel first coalesces its axes (drops the ones of length 1 and
 * merges neighbours that every operand steps over as over one axis), so
 * that a contiguous array of any shape is one long loop and a broadcast
 * leaves as few, as long rows as its strides allow. The innermost axis is
 * then a flat loop that GCC vectorizes: a `#pragma omp simd` loop (built
 * with -fopenmp-simd) needs no restrict, which also keeps the kernels
 * whose output may be their input correct.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "dz-kernels.h"

/* DZ_ARRAY_MAX_NDIM, which this layer does not see. */
#define MAX_NDIM 32

/* glibc's libmvec has SIMD versions of these: with the declarations below
 * and -fopenmp-simd, the loops call them (AVX-512: 8 doubles or 16 floats
 * per call, within 4 ulp), as in dz-array-math.c. */
#pragma omp declare simd notinbranch
extern double exp (double);
#pragma omp declare simd notinbranch
extern double log (double);
#pragma omp declare simd notinbranch
extern double sin (double);
#pragma omp declare simd notinbranch
extern double cos (double);
#pragma omp declare simd notinbranch
extern double tanh (double);
#pragma omp declare simd notinbranch
extern double pow (double, double);
#pragma omp declare simd notinbranch
extern float expf (float);
#pragma omp declare simd notinbranch
extern float logf (float);
#pragma omp declare simd notinbranch
extern float sinf (float);
#pragma omp declare simd notinbranch
extern float cosf (float);
#pragma omp declare simd notinbranch
extern float tanhf (float);
#pragma omp declare simd notinbranch
extern float powf (float, float);

/* The loops are built for AVX-512, AVX2 and the baseline; the loader picks
 * one for the CPU at hand (the libmvec calls need it, and even the plain
 * loops run up to twice as fast on wide vectors when the data is cached). */
#ifdef DZ_HAVE_TARGET_CLONES
# define DZ_VECTOR_CLONES __attribute__ ((target_clones ("avx512f", "avx2", "default")))
#else
# define DZ_VECTOR_CLONES
#endif

#define DZ_SIMD_LOOP _Pragma ("omp simd")

/* dz_dtype_get_item_size() lives in the array layer, above this one. */
static gsize
item_size (DzDtype dtype)
{
  return dtype == DZ_DTYPE_FLOAT32 ? 4 : 8;
}

/* -- coalescing -- */

/* A walk over an output of shape @shape, C-contiguous, and up to two inputs
 * with their own strides, after coalescing. ndim >= 1. */
typedef struct
{
  guint  ndim;
  gsize  shape[MAX_NDIM];
  gssize strides[2][MAX_NDIM];
} Walk;

/* Fills @walk from @shape and @n_in stride vectors; returns the number of
 * elements (0: nothing to do). */
static gsize
walk_init (Walk          *walk,
           guint          ndim,
           const gsize   *shape,
           guint          n_in,
           const gssize  *strides0,
           const gssize  *strides1)
{
  const gssize *strides[2] = { strides0, strides1 };
  gsize size = 1;

  walk->ndim = 0;
  for (guint d = 0; d < ndim; d++)
    {
      guint last = walk->ndim - 1;
      gboolean merge = walk->ndim > 0;

      size *= shape[d];
      if (shape[d] == 1)
        continue;
      /* The output is contiguous, so only the inputs can prevent a merge. */
      for (guint k = 0; merge && k < n_in; k++)
        merge = walk->strides[k][last] == strides[k][d] * (gssize) shape[d];
      if (merge)
        {
          walk->shape[last] *= shape[d];
          for (guint k = 0; k < n_in; k++)
            walk->strides[k][last] = strides[k][d];
          continue;
        }
      walk->shape[walk->ndim] = shape[d];
      for (guint k = 0; k < n_in; k++)
        walk->strides[k][walk->ndim] = strides[k][d];
      walk->ndim++;
    }
  if (walk->ndim == 0)
    {
      walk->ndim = 1;
      walk->shape[0] = 1;
      for (guint k = 0; k < n_in; k++)
        walk->strides[k][0] = 1;
    }
  return size;
}

/* Steps the odometer over the outer axes (all but the last) of @walk,
 * moving the input offsets. */
static inline void
walk_next_row (const Walk *walk,
               gsize      *index,
               guint       n_in,
               gssize     *offsets)
{
  for (guint d = walk->ndim - 1; d-- > 0;)
    {
      for (guint k = 0; k < n_in; k++)
        offsets[k] += walk->strides[k][d];
      if (++index[d] < walk->shape[d])
        return;
      for (guint k = 0; k < n_in; k++)
        offsets[k] -= walk->strides[k][d] * (gssize) walk->shape[d];
      index[d] = 0;
    }
}

/* -- binary -- */

/* One binary kernel per (op, type): the outer axes walked row by row, each
 * row a vectorized loop for the strides met in practice (both contiguous,
 * one a broadcast value) or a plain strided loop. */
#define DEFINE_BINARY(name, T, expr)                                          \
  static DZ_VECTOR_CLONES void                                                \
  binary_##name (const Walk *walk,                                            \
                 const T    *a,                                               \
                 const T    *b,                                               \
                 T          *out)                                             \
  {                                                                           \
    const guint last = walk->ndim - 1;                                        \
    const gsize n = walk->shape[last];                                        \
    const gssize sa = walk->strides[0][last];                                 \
    const gssize sb = walk->strides[1][last];                                 \
    gsize index[MAX_NDIM] = { 0 };                                            \
    gssize offsets[2] = { 0, 0 };                                             \
    gsize n_rows = 1;                                                         \
                                                                              \
    for (guint d = 0; d < last; d++)                                          \
      n_rows *= walk->shape[d];                                               \
    for (gsize r = 0; r < n_rows; r++, out += n)                              \
      {                                                                       \
        const T *ra = a + offsets[0];                                         \
        const T *rb = b + offsets[1];                                         \
                                                                              \
        if (sa == 1 && sb == 1)                                               \
          {                                                                   \
            DZ_SIMD_LOOP                                                      \
            for (gsize i = 0; i < n; i++)                                     \
              {                                                               \
                const T x = ra[i], y = rb[i];                                 \
                out[i] = (expr);                                              \
              }                                                               \
          }                                                                   \
        else if (sa == 1 && sb == 0)                                          \
          {                                                                   \
            const T y = *rb;                                                  \
            DZ_SIMD_LOOP                                                      \
            for (gsize i = 0; i < n; i++)                                     \
              {                                                               \
                const T x = ra[i];                                            \
                out[i] = (expr);                                              \
              }                                                               \
          }                                                                   \
        else if (sa == 0 && sb == 1)                                          \
          {                                                                   \
            const T x = *ra;                                                  \
            DZ_SIMD_LOOP                                                      \
            for (gsize i = 0; i < n; i++)                                     \
              {                                                               \
                const T y = rb[i];                                            \
                out[i] = (expr);                                              \
              }                                                               \
          }                                                                   \
        else                                                                  \
          {                                                                   \
            for (gsize i = 0; i < n; i++)                                     \
              {                                                               \
                const T x = ra[(gssize) i * sa], y = rb[(gssize) i * sb];     \
                out[i] = (expr);                                              \
              }                                                               \
          }                                                                   \
        walk_next_row (walk, index, 2, offsets);                              \
      }                                                                       \
  }

/* Signed overflow would be undefined: integers wrap, as in NumPy. */
#define WRAP(op, x, y) ((gint64) ((guint64) (x) op (guint64) (y)))

/* maximum and minimum propagate NaN, as NumPy's do. */
#define MAXIMUM(x, y) (((x) >= (y) || (x) != (x)) ? (x) : (y))
#define MINIMUM(x, y) (((x) <= (y) || (x) != (x)) ? (x) : (y))

#define DEFINE_BINARY_COMMON(sfx, T)                                          \
  DEFINE_BINARY (maximum_##sfx, T, MAXIMUM (x, y))                            \
  DEFINE_BINARY (minimum_##sfx, T, MINIMUM (x, y))                            \
  DEFINE_BINARY (eq_##sfx, T, (T) (x == y))                                   \
  DEFINE_BINARY (ne_##sfx, T, (T) (x != y))                                   \
  DEFINE_BINARY (lt_##sfx, T, (T) (x < y))                                    \
  DEFINE_BINARY (le_##sfx, T, (T) (x <= y))                                   \
  DEFINE_BINARY (gt_##sfx, T, (T) (x > y))                                    \
  DEFINE_BINARY (ge_##sfx, T, (T) (x >= y))

#define DEFINE_BINARY_FLOAT(sfx, T, pow_fn)                                   \
  DEFINE_BINARY (add_##sfx, T, x + y)                                         \
  DEFINE_BINARY (sub_##sfx, T, x - y)                                         \
  DEFINE_BINARY (mul_##sfx, T, x * y)                                         \
  DEFINE_BINARY (div_##sfx, T, x / y)                                         \
  DEFINE_BINARY (pow_##sfx, T, pow_fn (x, y))                                 \
  DEFINE_BINARY_COMMON (sfx, T)

DEFINE_BINARY_FLOAT (f64, double, pow)
DEFINE_BINARY_FLOAT (f32, float, powf)
DEFINE_BINARY (add_i64, gint64, WRAP (+, x, y))
DEFINE_BINARY (sub_i64, gint64, WRAP (-, x, y))
DEFINE_BINARY (mul_i64, gint64, WRAP (*, x, y))
DEFINE_BINARY_COMMON (i64, gint64)

#define BINARY_CASE(OP, name)                                                 \
  case DZ_BINARY_##OP:                                                        \
    switch (dtype)                                                            \
      {                                                                       \
      case DZ_DTYPE_FLOAT64:                                                  \
        binary_##name##_f64 (&walk, a, b, out);                               \
        return TRUE;                                                          \
      case DZ_DTYPE_FLOAT32:                                                  \
        binary_##name##_f32 (&walk, a, b, out);                               \
        return TRUE;                                                          \
      case DZ_DTYPE_INT64:                                                    \
        binary_##name##_i64 (&walk, a, b, out);                               \
        return TRUE;                                                          \
      default:                                                                \
        return FALSE;                                                         \
      }

#define BINARY_CASE_FLOAT(OP, name)                                           \
  case DZ_BINARY_##OP:                                                        \
    switch (dtype)                                                            \
      {                                                                       \
      case DZ_DTYPE_FLOAT64:                                                  \
        binary_##name##_f64 (&walk, a, b, out);                               \
        return TRUE;                                                          \
      case DZ_DTYPE_FLOAT32:                                                  \
        binary_##name##_f32 (&walk, a, b, out);                               \
        return TRUE;                                                          \
      default:                                                                \
        return FALSE;                                                         \
      }

gboolean
dz_kernel_binary (DzBinaryOp     op,
                  DzDtype        dtype,
                  guint          ndim,
                  const gsize   *out_shape,
                  const void    *a,
                  const gssize  *a_strides,
                  const void    *b,
                  const gssize  *b_strides,
                  void          *out)
{
  Walk walk;

  if (ndim > MAX_NDIM || (guint) dtype >= DZ_N_DTYPES)
    return FALSE;
  if (dtype == DZ_DTYPE_INT64 && (op == DZ_BINARY_DIV || op == DZ_BINARY_POW))
    return FALSE;
  if (walk_init (&walk, ndim, out_shape, 2, a_strides, b_strides) == 0)
    return TRUE;

  switch (op)
    {
    BINARY_CASE (ADD, add)
    BINARY_CASE (SUB, sub)
    BINARY_CASE (MUL, mul)
    BINARY_CASE_FLOAT (DIV, div)
    BINARY_CASE_FLOAT (POW, pow)
    BINARY_CASE (MAXIMUM, maximum)
    BINARY_CASE (MINIMUM, minimum)
    BINARY_CASE (EQ, eq)
    BINARY_CASE (NE, ne)
    BINARY_CASE (LT, lt)
    BINARY_CASE (LE, le)
    BINARY_CASE (GT, gt)
    BINARY_CASE (GE, ge)
    default:
      return FALSE;
    }
}

/* -- unary -- */

#define DEFINE_UNARY(name, T, expr)                                           \
  static DZ_VECTOR_CLONES void                                                \
  unary_##name (gsize n, const T *in, T *out)                                 \
  {                                                                           \
    DZ_SIMD_LOOP                                                              \
    for (gsize i = 0; i < n; i++)                                             \
      {                                                                       \
        const T x = in[i];                                                    \
        out[i] = (expr);                                                      \
      }                                                                       \
  }

/* sigmoid(x) = 1 / (1 + e^-x) = e^x / (1 + e^x): with e = exp (-|x|),
 * which never overflows, it is 1 / (1 + e) for x >= 0 and e / (1 + e)
 * below, a select rather than a branch so that the loop stays vectorized.
 * relu and sign keep a NaN, as NumPy's maximum and sign do, and sign
 * (-0.0) is 0.0 as there. (Valgrind 3.19 runs the select GCC makes of
 * x > 0 ? 1 : x < 0 ? -1 : x wrong: it takes AVX's ordered not-equal
 * for the unordered one.) */
#define DEFINE_UNARY_FLOAT(sfx, T, exp_fn, log_fn, sin_fn, cos_fn,           \
                           tanh_fn, sqrt_fn, fabs_fn)                         \
  DEFINE_UNARY (neg_##sfx, T, -x)                                             \
  DEFINE_UNARY (exp_##sfx, T, exp_fn (x))                                     \
  DEFINE_UNARY (log_##sfx, T, log_fn (x))                                     \
  DEFINE_UNARY (sin_##sfx, T, sin_fn (x))                                     \
  DEFINE_UNARY (cos_##sfx, T, cos_fn (x))                                     \
  DEFINE_UNARY (tanh_##sfx, T, tanh_fn (x))                                   \
  DEFINE_UNARY (sqrt_##sfx, T, sqrt_fn (x))                                   \
  DEFINE_UNARY (abs_##sfx, T, fabs_fn (x))                                    \
  DEFINE_UNARY (square_##sfx, T, x * x)                                       \
  DEFINE_UNARY (relu_##sfx, T, x < 0 ? (T) 0 : x)                             \
  DEFINE_UNARY (sigmoid_##sfx, T,                                             \
                (x >= 0 ? (T) 1 : exp_fn (-fabs_fn (x)))                      \
                / ((T) 1 + exp_fn (-fabs_fn (x))))                            \
  DEFINE_UNARY (sign_##sfx, T, x != x ? x : (T) ((x > 0) - (x < 0)))

DEFINE_UNARY_FLOAT (f64, double, exp, log, sin, cos, tanh, sqrt, fabs)
DEFINE_UNARY_FLOAT (f32, float, expf, logf, sinf, cosf, tanhf, sqrtf, fabsf)
DEFINE_UNARY (neg_i64, gint64, WRAP (-, 0, x))
DEFINE_UNARY (abs_i64, gint64, x < 0 ? WRAP (-, 0, x) : x)
DEFINE_UNARY (square_i64, gint64, WRAP (*, x, x))
DEFINE_UNARY (sign_i64, gint64, (x > 0) - (x < 0))

#define UNARY_CASE(OP, name)                                                  \
  case DZ_UNARY_##OP:                                                         \
    if (dtype == DZ_DTYPE_FLOAT64)                                            \
      unary_##name##_f64 (n, x, out);                                         \
    else                                                                      \
      unary_##name##_f32 (n, x, out);                                         \
    return TRUE;

#define UNARY_CASE_INT(OP, name)                                              \
  case DZ_UNARY_##OP:                                                         \
    if (dtype == DZ_DTYPE_FLOAT64)                                            \
      unary_##name##_f64 (n, x, out);                                         \
    else if (dtype == DZ_DTYPE_FLOAT32)                                       \
      unary_##name##_f32 (n, x, out);                                         \
    else                                                                      \
      unary_##name##_i64 (n, x, out);                                         \
    return TRUE;

gboolean
dz_kernel_unary (DzUnaryOp      op,
                 DzDtype        dtype,
                 gsize          n,
                 const void    *x,
                 void          *out)
{
  if ((guint) dtype >= DZ_N_DTYPES)
    return FALSE;
  if (dtype == DZ_DTYPE_INT64 && op != DZ_UNARY_NEG && op != DZ_UNARY_ABS
      && op != DZ_UNARY_SQUARE && op != DZ_UNARY_SIGN)
    return FALSE;

  switch (op)
    {
    UNARY_CASE_INT (NEG, neg)
    UNARY_CASE (EXP, exp)
    UNARY_CASE (LOG, log)
    UNARY_CASE (SIN, sin)
    UNARY_CASE (COS, cos)
    UNARY_CASE (TANH, tanh)
    UNARY_CASE (SQRT, sqrt)
    UNARY_CASE_INT (ABS, abs)
    UNARY_CASE_INT (SQUARE, square)
    UNARY_CASE (RELU, relu)
    UNARY_CASE (SIGMOID, sigmoid)
    UNARY_CASE_INT (SIGN, sign)
    default:
      return FALSE;
    }
}

/* -- affine, clip -- */

#define DEFINE_AFFINE(sfx, T)                                                 \
  static DZ_VECTOR_CLONES void                                                \
  affine_##sfx (gsize n, const T *in, T scale, T shift, T *out)               \
  {                                                                           \
    DZ_SIMD_LOOP                                                              \
    for (gsize i = 0; i < n; i++)                                             \
      out[i] = in[i] * scale + shift;                                         \
  }

DEFINE_AFFINE (f64, double)
DEFINE_AFFINE (f32, float)

gboolean
dz_kernel_affine (DzDtype        dtype,
                  gsize          n,
                  const void    *x,
                  double         scale,
                  double         shift,
                  void          *out)
{
  switch (dtype)
    {
    case DZ_DTYPE_FLOAT64:
      affine_f64 (n, x, scale, shift, out);
      return TRUE;
    case DZ_DTYPE_FLOAT32:
      affine_f32 (n, x, (float) scale, (float) shift, out);
      return TRUE;
    default:
      return FALSE;
    }
}

/* The sigmoid's gradient from its output, in one pass: gx = gy y (1 - y).
 * @gx may be @gy. */
#define DEFINE_SIGMOID_GRAD(sfx, T)                                           \
  static DZ_VECTOR_CLONES void                                                \
  sigmoid_grad_##sfx (gsize n, const T *y, const T *gy, T *gx)                \
  {                                                                           \
    DZ_SIMD_LOOP                                                              \
    for (gsize i = 0; i < n; i++)                                             \
      gx[i] = gy[i] * (y[i] * ((T) 1 - y[i]));                                \
  }

DEFINE_SIGMOID_GRAD (f64, double)
DEFINE_SIGMOID_GRAD (f32, float)

gboolean
dz_kernel_sigmoid_grad (DzDtype     dtype,
                        gsize       n,
                        const void *y,
                        const void *gy,
                        void       *gx)
{
  switch (dtype)
    {
    case DZ_DTYPE_FLOAT64:
      sigmoid_grad_f64 (n, y, gy, gx);
      return TRUE;
    case DZ_DTYPE_FLOAT32:
      sigmoid_grad_f32 (n, y, gy, gx);
      return TRUE;
    default:
      return FALSE;
    }
}

/* min (max (x, lo), hi), as NumPy's clip: hi wins when lo > hi, and a NaN
 * stays NaN. */
#define DEFINE_CLIP(sfx, T)                                                   \
  static DZ_VECTOR_CLONES void                                                \
  clip_##sfx (gsize n, const T *in, T lo, T hi, T *out)                       \
  {                                                                           \
    DZ_SIMD_LOOP                                                              \
    for (gsize i = 0; i < n; i++)                                             \
      {                                                                       \
        const T t = in[i] < lo ? lo : in[i];                                  \
        out[i] = t > hi ? hi : t;                                             \
      }                                                                       \
  }

DEFINE_CLIP (f64, double)
DEFINE_CLIP (f32, float)
DEFINE_CLIP (i64, gint64)

/* The integers within [lo, hi]; a NaN bound is no bound. */
static gint64
int_bound (double v,
           gboolean is_lo)
{
  if (isnan (v))
    return is_lo ? G_MININT64 : G_MAXINT64;
  v = is_lo ? ceil (v) : floor (v);
  if (v <= -0x1p63)
    return G_MININT64;
  if (v >= 0x1p63)
    return G_MAXINT64;
  return (gint64) v;
}

gboolean
dz_kernel_clip (DzDtype        dtype,
                gsize          n,
                const void    *x,
                double         lo,
                double         hi,
                void          *out)
{
  switch (dtype)
    {
    case DZ_DTYPE_FLOAT64:
      clip_f64 (n, x, lo, hi, out);
      return TRUE;
    case DZ_DTYPE_FLOAT32:
      clip_f32 (n, x, (float) lo, (float) hi, out);
      return TRUE;
    case DZ_DTYPE_INT64:
      clip_i64 (n, x, int_bound (lo, TRUE), int_bound (hi, FALSE), out);
      return TRUE;
    default:
      return FALSE;
    }
}

/* -- cast -- */

/* A float outside int64's range (or NaN) would be undefined behaviour in C;
 * it gives G_MININT64, which is what x86 and so NumPy give. */
#define FLOAT_TO_INT(x) \
  ((x) >= -0x1p63 && (x) < 0x1p63 ? (gint64) (x) : G_MININT64)

#define DEFINE_CAST(name, From, To, expr)                                     \
  static DZ_VECTOR_CLONES void                                                \
  cast_##name (gsize n, const From *in, To *out)                              \
  {                                                                           \
    DZ_SIMD_LOOP                                                              \
    for (gsize i = 0; i < n; i++)                                             \
      {                                                                       \
        const From x = in[i];                                                 \
        out[i] = (expr);                                                      \
      }                                                                       \
  }

DEFINE_CAST (f64_f32, double, float, (float) x)
DEFINE_CAST (f32_f64, float, double, (double) x)
DEFINE_CAST (i64_f64, gint64, double, (double) x)
DEFINE_CAST (i64_f32, gint64, float, (float) x)
DEFINE_CAST (f64_i64, double, gint64, FLOAT_TO_INT (x))
DEFINE_CAST (f32_i64, float, gint64, FLOAT_TO_INT (x))

gboolean
dz_kernel_cast (DzDtype        from,
                DzDtype        to,
                gsize          n,
                const void    *x,
                void          *out)
{
  if ((guint) from >= DZ_N_DTYPES || (guint) to >= DZ_N_DTYPES)
    return FALSE;
  if (from == to)
    {
      if (n > 0 && out != x)
        memcpy (out, x, n * item_size (from));
      return TRUE;
    }

#define CAST_PAIR(f, t) ((f) * DZ_N_DTYPES + (t))
  switch (CAST_PAIR (from, to))
    {
    case CAST_PAIR (DZ_DTYPE_FLOAT64, DZ_DTYPE_FLOAT32):
      cast_f64_f32 (n, x, out);
      break;
    case CAST_PAIR (DZ_DTYPE_FLOAT32, DZ_DTYPE_FLOAT64):
      cast_f32_f64 (n, x, out);
      break;
    case CAST_PAIR (DZ_DTYPE_INT64, DZ_DTYPE_FLOAT64):
      cast_i64_f64 (n, x, out);
      break;
    case CAST_PAIR (DZ_DTYPE_INT64, DZ_DTYPE_FLOAT32):
      cast_i64_f32 (n, x, out);
      break;
    case CAST_PAIR (DZ_DTYPE_FLOAT64, DZ_DTYPE_INT64):
      cast_f64_i64 (n, x, out);
      break;
    case CAST_PAIR (DZ_DTYPE_FLOAT32, DZ_DTYPE_INT64):
      cast_f32_i64 (n, x, out);
      break;
    default:
      return FALSE;
    }
#undef CAST_PAIR
  return TRUE;
}

/* -- strided copy -- */

/* Copies by the element's size, whatever its type. A transposed inner axis
 * (the source's stride-1 axis is an outer one) is copied in square tiles,
 * so that each source cache line is read once rather than once per row. */
#define COPY_TILE 32

#define DEFINE_COPY(sfx, T)                                                   \
  static void                                                                 \
  copy_##sfx (const Walk *walk, const T *x, T *out)                           \
  {                                                                           \
    const guint last = walk->ndim - 1;                                        \
    const gsize n = walk->shape[last];                                        \
    const gssize s = walk->strides[0][last];                                  \
    gsize index[MAX_NDIM] = { 0 };                                            \
    gssize offset = 0;                                                        \
    gsize n_rows = 1;                                                         \
                                                                              \
    if (last >= 1 && walk->strides[0][last - 1] == 1 && s != 0)               \
      {                                                                       \
        const gsize m = walk->shape[last - 1];                                \
        gsize n_blocks = 1;                                                   \
                                                                              \
        for (guint d = 0; d + 1 < last; d++)                                  \
          n_blocks *= walk->shape[d];                                         \
        for (gsize k = 0; k < n_blocks; k++, out += m * n)                    \
          {                                                                   \
            const T *src = x + offset;                                        \
                                                                              \
            for (gsize i0 = 0; i0 < m; i0 += COPY_TILE)                       \
              for (gsize j0 = 0; j0 < n; j0 += COPY_TILE)                     \
                {                                                             \
                  const gsize i1 = MIN (m, i0 + COPY_TILE);                   \
                  const gsize j1 = MIN (n, j0 + COPY_TILE);                   \
                                                                              \
                  for (gsize i = i0; i < i1; i++)                             \
                    for (gsize j = j0; j < j1; j++)                           \
                      out[i * n + j] = src[(gssize) i + (gssize) j * s];      \
                }                                                             \
            /* The odometer over the axes above the tile's two. */            \
            for (guint d = last - 1; d-- > 0;)                                \
              {                                                               \
                offset += walk->strides[0][d];                                \
                if (++index[d] < walk->shape[d])                              \
                  break;                                                      \
                offset -= walk->strides[0][d] * (gssize) walk->shape[d];      \
                index[d] = 0;                                                 \
              }                                                               \
          }                                                                   \
        return;                                                               \
      }                                                                       \
                                                                              \
    for (guint d = 0; d < last; d++)                                          \
      n_rows *= walk->shape[d];                                               \
    for (gsize r = 0; r < n_rows; r++, out += n)                              \
      {                                                                       \
        const T *row = x + offset;                                            \
                                                                              \
        if (s == 1)                                                           \
          memcpy (out, row, n * sizeof (T));                                  \
        else if (s == 0)                                                      \
          {                                                                   \
            const T v = *row;                                                 \
            DZ_SIMD_LOOP                                                      \
            for (gsize i = 0; i < n; i++)                                     \
              out[i] = v;                                                     \
          }                                                                   \
        else                                                                  \
          for (gsize i = 0; i < n; i++)                                       \
            out[i] = row[(gssize) i * s];                                     \
        walk_next_row (walk, index, 1, &offset);                              \
      }                                                                       \
  }

DEFINE_COPY (64, guint64)
DEFINE_COPY (32, guint32)

gboolean
dz_kernel_copy_strided (DzDtype        dtype,
                        guint          ndim,
                        const gsize   *shape,
                        const void    *x,
                        const gssize  *x_strides,
                        void          *out)
{
  Walk walk;

  if (ndim > MAX_NDIM || (guint) dtype >= DZ_N_DTYPES)
    return FALSE;
  if (walk_init (&walk, ndim, shape, 1, x_strides, NULL) == 0)
    return TRUE;

  switch (item_size (dtype))
    {
    case 8:
      copy_64 (&walk, x, out);
      return TRUE;
    case 4:
      copy_32 (&walk, x, out);
      return TRUE;
    default:
      return FALSE;
    }
}
