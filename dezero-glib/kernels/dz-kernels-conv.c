/* dz-kernels-conv.c: see dz-kernels.h
 *
 * One image at a time: the ops loop over the batch and put a GEMM between
 * im2col and col2im, so these loops only move values (and, for pooling,
 * compare or add them). The valid output columns of each kernel offset are
 * computed once per row, so that the inner loop has no bounds test and,
 * at stride 1 into a matrix row, is a memcpy.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "dz-kernels.h"

/* The output columns [x0, x1) whose input column ox * sw + j - pw falls
 * inside [0, w) for kernel column @j. */
static void
valid_columns (const DzConvShape *s,
               gsize              j,
               gsize             *x0,
               gsize             *x1)
{
  gsize first = 0, end;

  if (j < s->pw)
    first = (s->pw - j + s->sw - 1) / s->sw;
  if (s->w + s->pw < j + 1)
    end = 0;
  else
    end = MIN (s->ow, (s->w - 1 + s->pw - j) / s->sw + 1);
  *x0 = MIN (first, end);
  *x1 = end;
}

/* The input row of output row @oy for kernel row @i, or -1 in the padding. */
static inline gssize
input_row (const DzConvShape *s,
           gsize              oy,
           gsize              i)
{
  gssize iy = (gssize) (oy * s->sh + i) - (gssize) s->ph;

  return iy >= 0 && iy < (gssize) s->h ? iy : -1;
}

/* Whether the output grid is the image's own (stride 1, "same" padding:
 * 2 pad = kernel - 1): then a patch row of col[] is the image plane
 * shifted by a constant, one contiguous copy. */
static gboolean
is_same_grid (const DzConvShape *s)
{
  return s->sh == 1 && s->sw == 1 && s->oh == s->h && s->ow == s->w
         && 2 * s->ph + 1 == s->kh && 2 * s->pw + 1 == s->kw;
}

/* Im2col on a "same" grid into a (c kh kw, h w) matrix: per kernel
 * position one memcpy of the whole plane, shifted, then zeros over the
 * rows and columns that fall in the padding (the copy wrapped the
 * neighbouring rows' ends into those columns). One copy of h w values
 * instead of h copies of w: conv2d fwd+bwd, float32, 32 images 16 -> 32
 * channels 14x14, 3.81 -> 3.18 ms (medians of 4 alternated runs; perf
 * had put im2col at 16.6% of it before). */
#define DEFINE_IM2COL_SAME(name, T)                                           \
static void                                                                   \
name (const DzConvShape *s, const T *x, T *col, gsize ks)                     \
{                                                                             \
  gssize w = (gssize) s->w, hw = (gssize) (s->h * s->w);                      \
                                                                              \
  for (gsize c = 0; c < s->c; c++)                                            \
    for (gsize i = 0; i < s->kh; i++)                                         \
      for (gsize j = 0; j < s->kw; j++)                                       \
        {                                                                     \
          T *row = col + ((c * s->kh + i) * s->kw + j) * ks;                  \
          const T *plane = x + c * s->h * s->w;                               \
          gssize dy = (gssize) i - (gssize) s->ph;                            \
          gssize d = dy * w + (gssize) j - (gssize) s->pw;                    \
          gssize y0 = MAX (-dy, 0), y1 = MIN ((gssize) s->h - dy, (gssize) s->h); \
          gssize a = MAX (y0 * w, -d), b = MIN (y1 * w, hw - d);              \
          gsize x0, x1;                                                       \
                                                                              \
          a = MIN (a, hw);                                                    \
          b = MAX (a, b);                                                     \
          memset (row, 0, (gsize) a * sizeof (T));                            \
          memcpy (row + a, plane + a + d, (gsize) (b - a) * sizeof (T));      \
          memset (row + b, 0, (gsize) (hw - b) * sizeof (T));                 \
          valid_columns (s, j, &x0, &x1);                                     \
          for (gssize oy = y0; oy < y1; oy++)                                 \
            {                                                                 \
              for (gsize ox = 0; ox < x0; ox++)                               \
                row[oy * w + (gssize) ox] = 0;                                \
              for (gsize ox = x1; ox < s->w; ox++)                            \
                row[oy * w + (gssize) ox] = 0;                                \
            }                                                                 \
        }                                                                     \
}

DEFINE_IM2COL_SAME (im2col_f64_same, double)
DEFINE_IM2COL_SAME (im2col_f32_same, float)

#define DEFINE_IM2COL(name, T)                                                \
static void                                                                   \
name (const DzConvShape *s, const T *x, T *col, gsize ks, gsize ps)           \
{                                                                             \
  if (ps == 1 && is_same_grid (s))                                            \
    {                                                                         \
      name##_same (s, x, col, ks);                                            \
      return;                                                                 \
    }                                                                         \
  for (gsize c = 0; c < s->c; c++)                                            \
    for (gsize i = 0; i < s->kh; i++)                                         \
      for (gsize j = 0; j < s->kw; j++)                                       \
        {                                                                     \
          T *row = col + ((c * s->kh + i) * s->kw + j) * ks;                  \
          gsize x0, x1;                                                       \
                                                                              \
          valid_columns (s, j, &x0, &x1);                                     \
          for (gsize oy = 0; oy < s->oh; oy++)                                \
            {                                                                 \
              T *out = row + oy * s->ow * ps;                                 \
              gssize iy = input_row (s, oy, i);                               \
              const T *in;                                                    \
                                                                              \
              if (iy < 0)                                                     \
                {                                                             \
                  for (gsize ox = 0; ox < s->ow; ox++)                        \
                    out[ox * ps] = 0;                                         \
                  continue;                                                   \
                }                                                             \
              in = x + (c * s->h + (gsize) iy) * s->w + x0 * s->sw + j - s->pw; \
              for (gsize ox = 0; ox < x0; ox++)                               \
                out[ox * ps] = 0;                                             \
              if (ps == 1 && s->sw == 1)                                      \
                {                                                             \
                  /* Rows of a few dozen values: a loop, not memcpy calls. */ \
                  T *restrict o = out + x0;                                   \
                  const T *restrict v = in;                                   \
                                                                              \
                  for (gsize ox = 0; ox < x1 - x0; ox++)                      \
                    o[ox] = v[ox];                                            \
                }                                                             \
              else                                                            \
                for (gsize ox = x0; ox < x1; ox++)                            \
                  out[ox * ps] = in[(ox - x0) * s->sw];                       \
              for (gsize ox = x1; ox < s->ow; ox++)                           \
                out[ox * ps] = 0;                                             \
            }                                                                 \
        }                                                                     \
}

DEFINE_IM2COL (im2col_f64, double)
DEFINE_IM2COL (im2col_f32, float)

gboolean
dz_kernel_im2col (DzDtype            dtype,
                  const DzConvShape *s,
                  const void        *x,
                  void              *col,
                  gsize              k_stride,
                  gsize              p_stride)
{
  if (dtype == DZ_DTYPE_FLOAT64)
    im2col_f64 (s, x, col, k_stride, p_stride);
  else if (dtype == DZ_DTYPE_FLOAT32)
    im2col_f32 (s, x, col, k_stride, p_stride);
  else
    return FALSE;
  return TRUE;
}

#define DEFINE_COL2IM(name, T)                                                \
static void                                                                   \
name (const DzConvShape *s, const T *col, gsize ks, gsize ps, T *x)           \
{                                                                             \
  for (gsize c = 0; c < s->c; c++)                                            \
    for (gsize i = 0; i < s->kh; i++)                                         \
      for (gsize j = 0; j < s->kw; j++)                                       \
        {                                                                     \
          const T *row = col + ((c * s->kh + i) * s->kw + j) * ks;            \
          gsize x0, x1;                                                       \
                                                                              \
          valid_columns (s, j, &x0, &x1);                                     \
          for (gsize oy = 0; oy < s->oh; oy++)                                \
            {                                                                 \
              const T *in = row + oy * s->ow * ps;                            \
              gssize iy = input_row (s, oy, i);                               \
              T *out;                                                         \
                                                                              \
              if (iy < 0)                                                     \
                continue;                                                     \
              out = x + (c * s->h + (gsize) iy) * s->w + x0 * s->sw + j - s->pw; \
              if (ps == 1 && s->sw == 1)                                      \
                {                                                             \
                  T *restrict o = out;                                        \
                  const T *restrict v = in + x0;                              \
                                                                              \
                  for (gsize ox = 0; ox < x1 - x0; ox++)                      \
                    o[ox] += v[ox];                                           \
                }                                                             \
              else                                                            \
                for (gsize ox = x0; ox < x1; ox++)                            \
                  out[(ox - x0) * s->sw] += in[ox * ps];                      \
            }                                                                 \
        }                                                                     \
}

DEFINE_COL2IM (col2im_f64, double)
DEFINE_COL2IM (col2im_f32, float)

/* Col2im on a "same" grid from a (c kh kw, h w) matrix it may overwrite:
 * the padding columns of each patch row are zeroed, then the row is added
 * to the plane shifted, as one vectorized loop of h w values instead of h
 * loops of w (as DEFINE_IM2COL_SAME); with it that conv2d's fwd+bwd went
 * from 2.56 to 2.34 ms (medians of 3-4 alternated runs, shared cores). */
#define DEFINE_COL2IM_SAME(name, T)                                           \
static void                                                                   \
name (const DzConvShape *s, T *col, gsize ks, T *x)                           \
{                                                                             \
  gssize w = (gssize) s->w, hw = (gssize) (s->h * s->w);                      \
                                                                              \
  for (gsize c = 0; c < s->c; c++)                                            \
    for (gsize i = 0; i < s->kh; i++)                                         \
      for (gsize j = 0; j < s->kw; j++)                                       \
        {                                                                     \
          T *row = col + ((c * s->kh + i) * s->kw + j) * ks;                  \
          T *plane = x + c * s->h * s->w;                                     \
          gssize dy = (gssize) i - (gssize) s->ph;                            \
          gssize d = dy * w + (gssize) j - (gssize) s->pw;                    \
          gssize y0 = MAX (-dy, 0), y1 = MIN ((gssize) s->h - dy, (gssize) s->h); \
          gssize a = MIN (MAX (y0 * w, -d), hw), b = MIN (y1 * w, hw - d);    \
          gsize x0, x1;                                                       \
                                                                              \
          valid_columns (s, j, &x0, &x1);                                     \
          for (gssize oy = y0; oy < y1; oy++)                                 \
            {                                                                 \
              for (gsize ox = 0; ox < x0; ox++)                               \
                row[oy * w + (gssize) ox] = 0;                                \
              for (gsize ox = x1; ox < s->w; ox++)                            \
                row[oy * w + (gssize) ox] = 0;                                \
            }                                                                 \
          {                                                                   \
            T *restrict o = plane + a + d;                                    \
            const T *restrict v = row + a;                                    \
                                                                              \
            for (gssize t = 0; t < b - a; t++)                                \
              o[t] += v[t];                                                   \
          }                                                                   \
        }                                                                     \
}

DEFINE_COL2IM_SAME (col2im_same_f64, double)
DEFINE_COL2IM_SAME (col2im_same_f32, float)

gboolean
dz_kernel_col2im_consume (DzDtype            dtype,
                          const DzConvShape *s,
                          void              *col,
                          gsize              k_stride,
                          gsize              p_stride,
                          void              *x)
{
  if (p_stride != 1 || !is_same_grid (s))
    return dz_kernel_col2im (dtype, s, col, k_stride, p_stride, x);
  if (dtype == DZ_DTYPE_FLOAT64)
    col2im_same_f64 (s, col, k_stride, x);
  else if (dtype == DZ_DTYPE_FLOAT32)
    col2im_same_f32 (s, col, k_stride, x);
  else
    return FALSE;
  return TRUE;
}

gboolean
dz_kernel_col2im (DzDtype            dtype,
                  const DzConvShape *s,
                  const void        *col,
                  gsize              k_stride,
                  gsize              p_stride,
                  void              *x)
{
  if (dtype == DZ_DTYPE_FLOAT64)
    col2im_f64 (s, col, k_stride, p_stride, x);
  else if (dtype == DZ_DTYPE_FLOAT32)
    col2im_f32 (s, col, k_stride, p_stride, x);
  else
    return FALSE;
  return TRUE;
}

/* The plane index of window position @k (i * kw + j) of output (@oy, @ox),
 * or -1 in the padding. */
static inline gssize
window_at (const DzConvShape *s,
           gsize              oy,
           gsize              ox,
           gsize              k)
{
  gssize iy = (gssize) (oy * s->sh + k / s->kw) - (gssize) s->ph;
  gssize ix = (gssize) (ox * s->sw + k % s->kw) - (gssize) s->pw;

  if (iy < 0 || iy >= (gssize) s->h || ix < 0 || ix >= (gssize) s->w)
    return -1;
  return iy * (gssize) s->w + ix;
}

/* Whether the window of output (@oy, @ox) lies inside the image: then its
 * values are read directly, with no bounds test (every window of the
 * usual 2x2 pooling without pad). */
static inline gboolean
window_inside (const DzConvShape *s,
               gsize              oy,
               gsize              ox)
{
  return oy * s->sh >= s->ph && oy * s->sh + s->kh <= s->h + s->ph
         && ox * s->sw >= s->pw && ox * s->sw + s->kw <= s->w + s->pw;
}

static gboolean
is_max2x2 (DzPoolOp           op,
           const DzConvShape *s)
{
  return op == DZ_POOL_MAX && s->kh == 2 && s->kw == 2 && s->sh == 2 && s->sw == 2
         && s->ph == 0 && s->pw == 0;
}

/* Max pooling takes the padding as zeros, as DeZero's (which pools
 * im2col's zero-padded patches); the first maximum in window order wins,
 * as NumPy's argmax. Returns the window position of the maximum. */
#define DEFINE_POOL(suffix, T)                                                \
static inline gsize                                                           \
argmax_##suffix (const DzConvShape *s, const T *plane, gsize oy, gsize ox,    \
                 T *max)                                                      \
{                                                                             \
  gsize best = 0;                                                             \
  T m = 0;                                                                    \
                                                                              \
  if (window_inside (s, oy, ox))                                              \
    {                                                                         \
      const T *p = plane + (oy * s->sh - s->ph) * s->w + ox * s->sw - s->pw;  \
                                                                              \
      /* Selects, not branches: which value wins is data, unpredictable. */ \
      m = p[0];                                                               \
      for (gsize i = 0; i < s->kh; i++)                                       \
        for (gsize j = 0; j < s->kw; j++)                                     \
          {                                                                   \
            T v = p[i * s->w + j];                                            \
            gboolean more = v > m;                                            \
                                                                              \
            best = more ? i * s->kw + j : best;                               \
            m = more ? v : m;                                                 \
          }                                                                   \
      *max = m;                                                               \
      return best;                                                            \
    }                                                                         \
  for (gsize k = 0; k < s->kh * s->kw; k++)                                   \
    {                                                                         \
      gssize at = window_at (s, oy, ox, k);                                   \
      T v = at >= 0 ? plane[at] : 0;                                          \
                                                                              \
      if (k == 0 || v > m)                                                    \
        {                                                                     \
          m = v;                                                              \
          best = k;                                                           \
        }                                                                     \
    }                                                                         \
  *max = m;                                                                   \
  return best;                                                                \
}                                                                             \
                                                                              \
/* The sum of a window, or (with @gx) adds @g to each of its pixels. */       \
static T                                                                      \
window_sum_##suffix (const DzConvShape *s, const T *plane, gsize oy, gsize ox, \
                     T *gx, T g)                                              \
{                                                                             \
  T sum = 0;                                                                  \
                                                                              \
  if (window_inside (s, oy, ox))                                              \
    {                                                                         \
      gsize at = (oy * s->sh - s->ph) * s->w + ox * s->sw - s->pw;            \
                                                                              \
      for (gsize i = 0; i < s->kh; i++)                                       \
        for (gsize j = 0; j < s->kw; j++)                                     \
          {                                                                   \
            if (gx != NULL)                                                   \
              gx[at + i * s->w + j] += g;                                     \
            else                                                              \
              sum += plane[at + i * s->w + j];                                \
          }                                                                   \
      return sum;                                                             \
    }                                                                         \
  for (gsize k = 0; k < s->kh * s->kw; k++)                                   \
    {                                                                         \
      gssize at = window_at (s, oy, ox, k);                                   \
                                                                              \
      if (at < 0)                                                             \
        continue;                                                             \
      if (gx != NULL)                                                         \
        gx[at] += g;                                                          \
      else                                                                    \
        sum += plane[at];                                                     \
    }                                                                         \
  return sum;                                                                 \
}                                                                             \
                                                                              \
/* Max pooling 2x2 at stride 2 without pad, the usual one: windows that  \
 * do not overlap, read two rows at a time with selects, no branch (the   \
 * generic loop took twice PyTorch's time). With @gx (zeroed), the         \
 * gradient @g goes to each window's first maximum.                       */ \
static void                                                                   \
max2x2_##suffix (const DzConvShape *s, const T *plane, T *y, const T *g,      \
                 T *gx)                                                       \
{                                                                             \
  for (gsize oy = 0; oy < s->oh; oy++)                                        \
    {                                                                         \
      const T *r0 = plane + 2 * oy * s->w, *r1 = r0 + s->w;                   \
                                                                              \
      for (gsize ox = 0; ox < s->ow; ox++)                                    \
        {                                                                     \
          T a = r0[2 * ox], b = r0[2 * ox + 1];                               \
          T c = r1[2 * ox], d = r1[2 * ox + 1];                               \
          T ab = b > a ? b : a, cd = d > c ? d : c;                           \
                                                                              \
          if (gx == NULL)                                                     \
            y[oy * s->ow + ox] = cd > ab ? cd : ab;                           \
          else                                                                \
            {                                                                 \
              /* @gx is zeroed: one store at the maximum, placed by integer \
               * selects (float selects compiled to branches here). */      \
              gsize hi = cd > ab, right = hi ? d > c : b > a;                 \
                                                                              \
              gx[(2 * oy + hi) * s->w + 2 * ox + right] = g[oy * s->ow + ox]; \
            }                                                                 \
        }                                                                     \
    }                                                                         \
}                                                                             \
                                                                              \
static void                                                                   \
pool_##suffix (DzPoolOp op, const DzConvShape *s, const T *x, T *y)           \
{                                                                             \
  T scale = (T) 1 / (T) (s->kh * s->kw);                                      \
                                                                              \
  for (gsize c = 0; c < s->c; c++)                                            \
    {                                                                         \
      const T *plane = x + c * s->h * s->w;                                   \
      T *out = y + c * s->oh * s->ow;                                         \
                                                                              \
      if (is_max2x2 (op, s))                                                  \
        {                                                                     \
          max2x2_##suffix (s, plane, out, NULL, NULL);                        \
          continue;                                                           \
        }                                                                     \
      for (gsize oy = 0; oy < s->oh; oy++)                                    \
        for (gsize ox = 0; ox < s->ow; ox++)                                  \
          {                                                                   \
            T v;                                                              \
                                                                              \
            if (op == DZ_POOL_MAX)                                            \
              argmax_##suffix (s, plane, oy, ox, &v);                         \
            else                                                              \
              v = window_sum_##suffix (s, plane, oy, ox, NULL, 0) * scale;    \
            out[oy * s->ow + ox] = v;                                         \
          }                                                                   \
    }                                                                         \
}                                                                             \
                                                                              \
static void                                                                   \
pool_grad_##suffix (DzPoolOp op, const DzConvShape *s, const T *x,            \
                    const T *gy, T *gx)                                       \
{                                                                             \
  T scale = (T) 1 / (T) (s->kh * s->kw);                                      \
                                                                              \
  for (gsize c = 0; c < s->c; c++)                                            \
    {                                                                         \
      const T *plane = op == DZ_POOL_MAX ? x + c * s->h * s->w : NULL;        \
      const T *g = gy + c * s->oh * s->ow;                                    \
      T *out = gx + c * s->h * s->w;                                          \
                                                                              \
      if (is_max2x2 (op, s))                                                  \
        {                                                                     \
          max2x2_##suffix (s, plane, NULL, g, out);                           \
          continue;                                                           \
        }                                                                     \
      for (gsize oy = 0; oy < s->oh; oy++)                                    \
        for (gsize ox = 0; ox < s->ow; ox++)                                  \
          {                                                                   \
            T v = g[oy * s->ow + ox];                                         \
                                                                              \
            if (op == DZ_POOL_MAX)                                            \
              {                                                               \
                T m;                                                          \
                gssize at = window_at (s, oy, ox,                             \
                                       argmax_##suffix (s, plane, oy, ox, &m)); \
                                                                              \
                if (at >= 0)                                                  \
                  out[at] += v;                                               \
              }                                                               \
            else                                                              \
              window_sum_##suffix (s, NULL, oy, ox, out, v * scale);          \
          }                                                                   \
    }                                                                         \
}

DEFINE_POOL (f64, double)
DEFINE_POOL (f32, float)

gboolean
dz_kernel_pool (DzPoolOp           op,
                DzDtype            dtype,
                const DzConvShape *s,
                const void        *x,
                void              *y)
{
  if (dtype == DZ_DTYPE_FLOAT64)
    pool_f64 (op, s, x, y);
  else if (dtype == DZ_DTYPE_FLOAT32)
    pool_f32 (op, s, x, y);
  else
    return FALSE;
  return TRUE;
}

gboolean
dz_kernel_pool_grad (DzPoolOp           op,
                     DzDtype            dtype,
                     const DzConvShape *s,
                     const void        *x,
                     const void        *gy,
                     void              *gx)
{
  if (dtype == DZ_DTYPE_FLOAT64)
    pool_grad_f64 (op, s, x, gy, gx);
  else if (dtype == DZ_DTYPE_FLOAT32)
    pool_grad_f32 (op, s, x, gy, gx);
  else
    return FALSE;
  return TRUE;
}

/* The one-hot of each window's maximum (see argmax above), in im2col's
 * (C, KH, KW, OH, OW) layout: the mask the differentiable backward of max
 * pooling multiplies with. */
#define DEFINE_POOL_MASK(suffix, T)                                           \
static void                                                                   \
pool_mask_##suffix (const DzConvShape *s, const T *x, T *mask)                \
{                                                                             \
  gsize p = s->oh * s->ow, kk = s->kh * s->kw;                                \
                                                                              \
  memset (mask, 0, s->c * kk * p * sizeof (T));                               \
  for (gsize c = 0; c < s->c; c++)                                            \
    for (gsize oy = 0; oy < s->oh; oy++)                                      \
      for (gsize ox = 0; ox < s->ow; ox++)                                    \
        {                                                                     \
          T m;                                                                \
          gsize k = argmax_##suffix (s, x + c * s->h * s->w, oy, ox, &m);     \
                                                                              \
          mask[(c * kk + k) * p + oy * s->ow + ox] = 1;                       \
        }                                                                     \
}

DEFINE_POOL_MASK (f64, double)
DEFINE_POOL_MASK (f32, float)

gboolean
dz_kernel_pool_max_mask (DzDtype            dtype,
                         const DzConvShape *s,
                         const void        *x,
                         void              *mask)
{
  if (dtype == DZ_DTYPE_FLOAT64)
    pool_mask_f64 (s, x, mask);
  else if (dtype == DZ_DTYPE_FLOAT32)
    pool_mask_f32 (s, x, mask);
  else
    return FALSE;
  return TRUE;
}
