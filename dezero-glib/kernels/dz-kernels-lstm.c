/* dz-kernels-lstm.c: see dz-kernels.h
 *
 * The LSTM cell's two element-wise passes over rows laid out as
 * [h, c, f, i, o, u] (6H values). Each gate is a contiguous run of H
 * values, so every row is a handful of flat loops that GCC vectorizes with
 * glibc's libmvec exp and tanh (as in dz-kernels-elementwise.c): the scalar
 * libm calls took a third of the LSTM benchmark.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>

#include "dz-kernels.h"

#pragma omp declare simd notinbranch
extern double exp (double);
#pragma omp declare simd notinbranch
extern double tanh (double);
#pragma omp declare simd notinbranch
extern float expf (float);
#pragma omp declare simd notinbranch
extern float tanhf (float);

#ifdef DZ_HAVE_TARGET_CLONES
# define DZ_VECTOR_CLONES __attribute__ ((target_clones ("avx512f", "avx2", "default")))
#else
# define DZ_VECTOR_CLONES
#endif

#define DZ_SIMD_LOOP _Pragma ("omp simd")

/* sigmoid with e = exp (-|x|), which never overflows, and a select rather
 * than a branch (see dz-kernels-elementwise.c). */
#define SIGMOID(T, exp_fn, fabs_fn, x) \
  (((x) >= 0 ? (T) 1 : exp_fn (-fabs_fn (x))) / ((T) 1 + exp_fn (-fabs_fn (x))))

/* Row by row: the gate columns hold the pre-activations on entry and the
 * activations on return; c = f c_prev + i u (i u without c_prev),
 * h = o tanh (c). */
#define DEFINE_LSTM_FORWARD(sfx, T, exp_fn, fabs_fn, tanh_fn)                 \
  static DZ_VECTOR_CLONES void                                                \
  lstm_forward_##sfx (gsize N, gsize H, T *y, const T *c_prev)                \
  {                                                                           \
    for (gsize r = 0; r < N; r++)                                             \
      {                                                                       \
        T *h = y + r * 6 * H, *c = h + H, *f = c + H, *i = f + H;             \
        T *o = i + H, *u = o + H;                                             \
        const T *cp = c_prev != NULL ? c_prev + r * H : NULL;                 \
                                                                              \
        DZ_SIMD_LOOP                                                          \
        for (gsize k = 0; k < H; k++)                                         \
          {                                                                   \
            T fv = SIGMOID (T, exp_fn, fabs_fn, f[k]);                        \
            T iv = SIGMOID (T, exp_fn, fabs_fn, i[k]);                        \
            T ov = SIGMOID (T, exp_fn, fabs_fn, o[k]), uv = tanh_fn (u[k]);   \
            f[k] = fv;                                                        \
            i[k] = iv;                                                        \
            o[k] = ov;                                                        \
            u[k] = uv;                                                        \
            c[k] = iv * uv;                                                   \
          }                                                                   \
        if (cp != NULL)                                                       \
          {                                                                   \
            DZ_SIMD_LOOP                                                      \
            for (gsize k = 0; k < H; k++)                                     \
              c[k] += f[k] * cp[k];                                           \
          }                                                                   \
        DZ_SIMD_LOOP                                                          \
        for (gsize k = 0; k < H; k++)                                         \
          h[k] = o[k] * tanh_fn (c[k]);                                       \
      }                                                                       \
  }

/* From gy (rows [gh, gc, gf, gi, go, gu]) to the pre-activations' gradients
 * g (rows of 4H: f, i, o, u) and, when asked, gc_prev:
 *   gct = gc + gh o (1 - tanh (c)^2),  go = gh tanh (c) + gy_o,
 *   gf = gct c_prev + gy_f,  gi = gct u + gy_i,  gu = gct i + gy_u,
 *   gc_prev = gct f; then s (1 - s) through a sigmoid, 1 - u^2 through
 *   the tanh. */
#define DEFINE_LSTM_BACKWARD(sfx, T, tanh_fn)                                 \
  static DZ_VECTOR_CLONES void                                                \
  lstm_backward_##sfx (gsize N, gsize H, const T *y, const T *gy,             \
                       const T *c_prev, T *g, T *gc_prev)                     \
  {                                                                           \
    for (gsize r = 0; r < N; r++)                                             \
      {                                                                       \
        const T *c = y + r * 6 * H + H, *f = c + H, *i = f + H;               \
        const T *o = i + H, *u = o + H;                                       \
        const T *gh = gy + r * 6 * H, *gc = gh + H, *gf = gc + H;             \
        const T *gi = gf + H, *go = gi + H, *gu = go + H;                     \
        const T *cp = c_prev != NULL ? c_prev + r * H : NULL;                 \
        T *df = g + r * 4 * H, *di = df + H, *dout = di + H, *du = dout + H;  \
        T *gcp = gc_prev != NULL ? gc_prev + r * H : NULL;                    \
                                                                              \
        DZ_SIMD_LOOP                                                          \
        for (gsize k = 0; k < H; k++)                                         \
          {                                                                   \
            T tc = tanh_fn (c[k]);                                            \
            T gct = gc[k] + gh[k] * o[k] * ((T) 1 - tc * tc);                 \
            T gov = gh[k] * tc + go[k];                                       \
            T giv = gct * u[k] + gi[k];                                       \
            T guv = gct * i[k] + gu[k];                                       \
            /* gct parked in df until c_prev's term is added. */              \
            df[k] = gct;                                                      \
            di[k] = giv * i[k] * ((T) 1 - i[k]);                              \
            dout[k] = gov * o[k] * ((T) 1 - o[k]);                            \
            du[k] = guv * ((T) 1 - u[k] * u[k]);                              \
          }                                                                   \
        if (gcp != NULL)                                                      \
          {                                                                   \
            DZ_SIMD_LOOP                                                      \
            for (gsize k = 0; k < H; k++)                                     \
              gcp[k] = df[k] * f[k];                                          \
          }                                                                   \
        if (cp != NULL)                                                       \
          {                                                                   \
            DZ_SIMD_LOOP                                                      \
            for (gsize k = 0; k < H; k++)                                     \
              df[k] = (df[k] * cp[k] + gf[k]) * f[k] * ((T) 1 - f[k]);        \
          }                                                                   \
        else                                                                  \
          {                                                                   \
            DZ_SIMD_LOOP                                                      \
            for (gsize k = 0; k < H; k++)                                     \
              df[k] = gf[k] * f[k] * ((T) 1 - f[k]);                          \
          }                                                                   \
      }                                                                       \
  }

DEFINE_LSTM_FORWARD (f64, double, exp, fabs, tanh)
DEFINE_LSTM_FORWARD (f32, float, expf, fabsf, tanhf)
DEFINE_LSTM_BACKWARD (f64, double, tanh)
DEFINE_LSTM_BACKWARD (f32, float, tanhf)

gboolean
dz_kernel_lstm_forward (DzDtype     dtype,
                        gsize       n,
                        gsize       hidden,
                        void       *y,
                        const void *c_prev)
{
  if (dtype == DZ_DTYPE_FLOAT64)
    lstm_forward_f64 (n, hidden, y, c_prev);
  else if (dtype == DZ_DTYPE_FLOAT32)
    lstm_forward_f32 (n, hidden, y, c_prev);
  else
    return FALSE;
  return TRUE;
}

gboolean
dz_kernel_lstm_backward (DzDtype     dtype,
                         gsize       n,
                         gsize       hidden,
                         const void *y,
                         const void *gy,
                         const void *c_prev,
                         void       *g,
                         void       *gc_prev)
{
  if (dtype == DZ_DTYPE_FLOAT64)
    lstm_backward_f64 (n, hidden, y, gy, c_prev, g, gc_prev);
  else if (dtype == DZ_DTYPE_FLOAT32)
    lstm_backward_f32 (n, hidden, y, gy, c_prev, g, gc_prev);
  else
    return FALSE;
  return TRUE;
}
