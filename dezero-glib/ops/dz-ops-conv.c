/* dz-ops-conv.c: convolutions and pooling on NCHW images (im2col, col2im,
 * conv2d, deconv2d, pooling, average_pooling)
 *
 * The products go through BLAS one image at a time: the image's patches
 * are laid out as a (C KH KW, OH OW) matrix (im2col), so that
 * W (OC, C KH KW) @ col is image n's output in NCHW order with no
 * transpose, and its gradients are W^T @ gy[n] folded back (col2im) and
 * gy[n] @ col^T summed over the batch (one gemm with beta = 1 per image).
 * Transposed convolution is the same two halves swapped. The
 * differentiable backwards (create_graph) are written with these ops and
 * the other built-ins, as DeZero writes them: conv2d's input gradient is
 * deconv2d and the reverse, im2col and col2im are each other's gradient,
 * and the weight gradient is im2col and a matmul.
 *
 * Kernel, stride and pad are pairs (height, width); through dz_op_call()
 * an int or a pair of ints, the stride 1 and the pad 0 when absent.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "dz-op-private.h"
#include "dz-ops-conv.h"
#include "dz-ops-reduce.h"
#include "dz-ops-shape.h"
#include "dz-ops-linalg.h"

typedef struct
{
  DzShape kernel_size;
  DzShape stride;
  DzShape pad;
  /* col2im: the image's (N, C, H, W) */
  DzShape input_shape;
  /* deconv2d: the output's (H, W); empty for the smallest that fits */
  DzShape outsize;
  /* im2col, col2im: (N OH OW, C KH KW) rather than (N, C, KH, KW, OH, OW) */
  gboolean to_matrix;
} ConvParams;

static const DzParamSpec patch_params[] = {
  DZ_OP_PARAM (ConvParams, kernel_size, DZ_PARAM_SHAPE),
  DZ_OP_PARAM (ConvParams, stride, DZ_PARAM_SHAPE),
  DZ_OP_PARAM (ConvParams, pad, DZ_PARAM_SHAPE),
  DZ_OP_PARAM (ConvParams, to_matrix, DZ_PARAM_BOOL),
  DZ_OP_PARAM (ConvParams, input_shape, DZ_PARAM_SHAPE),
};

static const DzParamSpec conv_params[] = {
  DZ_OP_PARAM (ConvParams, stride, DZ_PARAM_SHAPE),
  DZ_OP_PARAM (ConvParams, pad, DZ_PARAM_SHAPE),
  DZ_OP_PARAM (ConvParams, outsize, DZ_PARAM_SHAPE),
};

/* The first @n of patch_params: im2col (4), col2im (5), pooling (3);
 * conv2d takes 2 of conv_params, deconv2d 3. */

static void
set_pair (DzShape *shape,
          gint     a,
          gint     b)
{
  shape->ndim = 2;
  shape->dims[0] = a;
  shape->dims[1] = b;
}

/* @p as a pair: one value for both, two, or @fallback when absent (a
 * negative fallback means required); each at least @min. */
static gboolean
pair_of (const char     *op,
         const char     *what,
         const DzShape  *p,
         gssize          fallback,
         gssize          min,
         gsize          *out,
         GError        **error)
{
  gssize v[2];

  if (p->ndim == 0 && fallback >= 0)
    v[0] = v[1] = fallback;
  else if (p->ndim == 1)
    v[0] = v[1] = p->dims[0];
  else if (p->ndim == 2)
    {
      v[0] = p->dims[0];
      v[1] = p->dims[1];
    }
  else
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "%s: %s must be an int or a pair of ints, not %u values", op, what, p->ndim);
      return FALSE;
    }
  if (v[0] < min || v[1] < min)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "%s: %s must be at least %" G_GSSIZE_FORMAT ", not (%" G_GSSIZE_FORMAT
                   ", %" G_GSSIZE_FORMAT ")", op, what, min, v[0], v[1]);
      return FALSE;
    }
  out[0] = v[0];
  out[1] = v[1];
  return TRUE;
}

static gboolean
check_4d (const char   *op,
          const char   *what,
          const gsize  *shape,
          guint         ndim,
          GError      **error)
{
  g_autofree char *s = NULL;

  if (ndim == 4)
    return TRUE;
  s = dz_shape_to_string (shape, ndim);
  g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
               "%s: %s must have 4 axes (N, C, H, W), not shape %s", op, what, s);
  return FALSE;
}

/* The geometry of a @kernel (NULL: from the parameters) over the images of
 * @shape (N, C, H, W) with @p's stride and pad. */
static gboolean
conv_shape (const char        *op,
            const ConvParams  *p,
            const gsize       *kernel,
            const gsize       *shape,
            guint              ndim,
            DzConvShape       *s,
            GError           **error)
{
  gsize k[2], st[2], pd[2];

  if (!check_4d (op, "the input", shape, ndim, error))
    return FALSE;
  if (kernel == NULL)
    {
      if (!pair_of (op, "kernel_size", &p->kernel_size, -1, 1, k, error))
        return FALSE;
      kernel = k;
    }
  if (!pair_of (op, "stride", &p->stride, 1, 1, st, error)
      || !pair_of (op, "pad", &p->pad, 0, 0, pd, error))
    return FALSE;
  if (kernel[0] > shape[2] + 2 * pd[0] || kernel[1] > shape[3] + 2 * pd[1])
    {
      g_autofree char *s_in = dz_shape_to_string (shape, ndim);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "%s: the %" G_GSIZE_FORMAT "x%" G_GSIZE_FORMAT " kernel is larger than "
                   "the padded input (shape %s, pad (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT "))",
                   op, kernel[0], kernel[1], s_in, pd[0], pd[1]);
      return FALSE;
    }
  *s = (DzConvShape) {
    .c = shape[1], .h = shape[2], .w = shape[3],
    .kh = kernel[0], .kw = kernel[1], .sh = st[0], .sw = st[1], .ph = pd[0], .pw = pd[1],
    .oh = (shape[2] + 2 * pd[0] - kernel[0]) / st[0] + 1,
    .ow = (shape[3] + 2 * pd[1] - kernel[1]) / st[1] + 1,
  };
  return TRUE;
}

static gsize
image_size (const DzConvShape *s)
{
  return s->c * s->h * s->w;
}

static gsize
patch_rows (const DzConvShape *s)
{
  return s->c * s->kh * s->kw;
}

static gsize
grid_size (const DzConvShape *s)
{
  return s->oh * s->ow;
}

static DzArray *
new_zeros (DzDtype       dtype,
           const gsize  *shape,
           guint         ndim,
           GError      **error)
{
  DzArray *a = dz_array_new_uninitialized (dtype, shape, ndim, error);

  if (a != NULL)
    memset (a->data, 0, dz_array_n_bytes (a));
  return a;
}

/* A scratch matrix of @n values, or NULL with DZ_ERROR_NO_MEMORY. */
static void *
scratch (const char  *op,
         gsize        n,
         gsize        item,
         GError     **error)
{
  void *p = n > G_MAXSIZE / item ? NULL : g_try_malloc (MAX (n * item, 1));

  if (p == NULL)
    g_set_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY,
                 "%s: no memory for %" G_GSIZE_FORMAT " patch values", op, n);
  return p;
}

/* Adds bias[c] to every value of channel c of the images @y (N, C, H, W). */
static void
add_bias (DzArray *y,
          DzArray *bias)
{
  gsize planes = y->shape[0] * y->shape[1], c = y->shape[1];
  gsize plane = y->shape[2] * y->shape[3];

  for (gsize q = 0; q < planes; q++)
    {
      if (y->dtype == DZ_DTYPE_FLOAT64)
        {
          double v = DZ_ARRAY_F64 (bias)[q % c], *out = DZ_ARRAY_F64 (y) + q * plane;

          for (gsize i = 0; i < plane; i++)
            out[i] += v;
        }
      else
        {
          float v = DZ_ARRAY_F32 (bias)[q % c], *out = DZ_ARRAY_F32 (y) + q * plane;

          for (gsize i = 0; i < plane; i++)
            out[i] += v;
        }
    }
}

/* Images are taken in chunks whose patches make one matrix (C KH KW,
 * m OH OW), image i's in columns [i OH OW, (i + 1) OH OW): one gemm per
 * chunk, the outputs and output gradients copied between NCHW and that
 * layout. Only tiny images are chunked: measured (2026-11-27, float32
 * batch 32 fwd+bwd, 3 alternated runs), one image per gemm beat chunks
 * of 4, 18 and 32 images everywhere: 16 -> 32 channels 14x14 2.5-3.0 ms
 * against 2.8-2.9 (4) and 3.2-3.9 (32); 1 -> 16 at 28x28 0.45-0.59 ms
 * against 0.88-0.98 (18) and 0.91-1.16 (32); 16 -> 32 at 7x7 0.77-0.81
 * against 0.95-1.04 (32). Chunks cost the two layout copies and a col
 * that leaves L2 (3.6 MB for 32 images of 16 -> 32 at 14x14). */
#define CHUNK_VALUES ((gsize) 4 << 10)

static gsize
chunk_images (const DzConvShape *s,
              gsize              n)
{
  gsize per_image = MAX (patch_rows (s) * grid_size (s), 1);

  return MAX (MIN (n, CHUNK_VALUES / per_image), 1);
}

/* Between @m images of @rows planes of @p values (NCHW) and one (rows,
 * m p) matrix, as a chunk's gemm takes and gives them. */
static void
planes_to_matrix (const guint8 *images,
                  gsize         m,
                  gsize         rows,
                  gsize         p,
                  gsize         item,
                  guint8       *matrix)
{
  for (gsize i = 0; i < m; i++)
    for (gsize r = 0; r < rows; r++)
      memcpy (matrix + (r * m + i) * p * item, images + (i * rows + r) * p * item, p * item);
}

static void
matrix_to_planes (const guint8 *matrix,
                  gsize         m,
                  gsize         rows,
                  gsize         p,
                  gsize         item,
                  guint8       *images)
{
  for (gsize i = 0; i < m; i++)
    for (gsize r = 0; r < rows; r++)
      memcpy (images + (i * rows + r) * p * item, matrix + (r * m + i) * p * item, p * item);
}

/* The patches of images [i0, i0 + m) of @image into the chunk matrix @col. */
static void
chunk_im2col (DzArray           *image,
              const DzConvShape *s,
              gsize              i0,
              gsize              m,
              guint8            *col)
{
  gsize item = dz_dtype_get_item_size (image->dtype), p = grid_size (s);

  for (gsize i = 0; i < m; i++)
    dz_kernel_im2col (image->dtype, s,
                      (const guint8 *) image->data + (i0 + i) * image_size (s) * item,
                      col + i * p * item, m * p, 1);
}

/* The convolution of the @n images of geometry @s at @image with the
 * weight matrix @weight (rows, C KH KW), plus @bias (rows,) when given:
 * (n, rows, OH, OW). */
static DzArray *
conv_arrays (const char         *op,
             DzArray            *image,
             DzArray            *weight,
             DzArray            *bias,
             const DzConvShape  *s,
             GError            **error)
{
  DzDtype dtype = image->dtype;
  gsize item = dz_dtype_get_item_size (dtype);
  gsize n = image->shape[0], rows = weight->shape[0];
  gsize k = patch_rows (s), p = grid_size (s);
  gsize chunk = chunk_images (s, n);
  gsize shape[4] = { n, rows, s->oh, s->ow };
  g_autofree guint8 *col = NULL;
  g_autofree guint8 *out = NULL;
  DzArray *y;

  y = dz_array_new_uninitialized (dtype, shape, 4, error);
  if (y == NULL || y->size == 0)
    return y;
  if ((col = scratch (op, k * chunk * p, item, error)) == NULL
      || (chunk > 1 && (out = scratch (op, rows * chunk * p, item, error)) == NULL))
    {
      g_object_unref (y);
      return NULL;
    }
  for (gsize i0 = 0; i0 < n; i0 += chunk)
    {
      gsize m = MIN (chunk, n - i0);
      guint8 *yi = (guint8 *) y->data + i0 * rows * p * item;

      chunk_im2col (image, s, i0, m, col);
      dz_kernel_gemm (dtype, FALSE, FALSE, rows, m * p, k, weight->data, k, col, m * p,
                      0.0, m > 1 ? out : yi, m * p);
      if (m > 1)
        matrix_to_planes (out, m, rows, p, item, yi);
    }
  if (bias != NULL)
    add_bias (y, bias);
  return y;
}

/* The adjoint of conv_arrays(): the images of geometry @s whose
 * convolution with @weight (rows, C KH KW) the @grid (n, rows, OH, OW)
 * would be the gradient of, plus @bias (C,) when given. */
static DzArray *
deconv_arrays (const char         *op,
               DzArray            *grid,
               DzArray            *weight,
               DzArray            *bias,
               const DzConvShape  *s,
               GError            **error)
{
  DzDtype dtype = grid->dtype;
  gsize item = dz_dtype_get_item_size (dtype);
  gsize n = grid->shape[0], rows = weight->shape[0];
  gsize k = patch_rows (s), p = grid_size (s);
  gsize chunk = chunk_images (s, n);
  gsize shape[4] = { n, s->c, s->h, s->w };
  g_autofree guint8 *col = NULL;
  g_autofree guint8 *g = NULL;
  DzArray *y;

  y = new_zeros (dtype, shape, 4, error);
  if (y == NULL || y->size == 0 || p == 0)
    return y;
  if ((col = scratch (op, k * chunk * p, item, error)) == NULL
      || (chunk > 1 && (g = scratch (op, rows * chunk * p, item, error)) == NULL))
    {
      g_object_unref (y);
      return NULL;
    }
  for (gsize i0 = 0; i0 < n; i0 += chunk)
    {
      gsize m = MIN (chunk, n - i0);
      const guint8 *gi = (const guint8 *) grid->data + i0 * rows * p * item;

      if (m > 1)
        planes_to_matrix (gi, m, rows, p, item, g);
      dz_kernel_gemm (dtype, TRUE, FALSE, k, m * p, rows, weight->data, k,
                      m > 1 ? g : gi, m * p, 0.0, col, m * p);
      for (gsize i = 0; i < m; i++)
        dz_kernel_col2im_consume (dtype, s, col + i * p * item, m * p, 1,
                          (guint8 *) y->data + (i0 + i) * image_size (s) * item);
    }
  if (bias != NULL)
    add_bias (y, bias);
  return y;
}

/* The weight gradient shared by both: sum over the images of
 * grid[i] (rows, OH OW) @ im2col (image[i])^T, shaped (rows, C, KH, KW). */
static DzArray *
grad_w_arrays (const char         *op,
               DzArray            *image,
               DzArray            *grid,
               const DzConvShape  *s,
               GError            **error)
{
  DzDtype dtype = image->dtype;
  gsize item = dz_dtype_get_item_size (dtype);
  gsize n = image->shape[0], rows = grid->shape[1];
  gsize k = patch_rows (s), p = grid_size (s);
  gsize chunk = chunk_images (s, n);
  gsize shape[4] = { rows, s->c, s->kh, s->kw };
  g_autofree guint8 *col = NULL;
  g_autofree guint8 *g = NULL;
  DzArray *gw;

  gw = new_zeros (dtype, shape, 4, error);
  if (gw == NULL || gw->size == 0 || p == 0 || n == 0)
    return gw;
  if ((col = scratch (op, k * chunk * p, item, error)) == NULL
      || (chunk > 1 && (g = scratch (op, rows * chunk * p, item, error)) == NULL))
    {
      g_object_unref (gw);
      return NULL;
    }
  for (gsize i0 = 0; i0 < n; i0 += chunk)
    {
      gsize m = MIN (chunk, n - i0);
      const guint8 *gi = (const guint8 *) grid->data + i0 * rows * p * item;

      chunk_im2col (image, s, i0, m, col);
      if (m > 1)
        planes_to_matrix (gi, m, rows, p, item, g);
      dz_kernel_gemm (dtype, FALSE, TRUE, rows, k, m * p, m > 1 ? g : gi, m * p, col, m * p,
                      i0 == 0 ? 0.0 : 1.0, gw->data, k);
    }
  return gw;
}

/* @gy (N, C, H, W) summed over N, H, W: a bias's gradient. Each plane
 * is summed in its own dtype (a short, vectorized sum), the planes in
 * double. */
static DzArray *
bias_grad (DzArray  *gy,
           GError  **error)
{
  gsize n = gy->shape[0], c = gy->shape[1], plane = gy->shape[2] * gy->shape[3];
  DzArray *gb = dz_array_new_uninitialized (gy->dtype, &c, 1, error);

  if (gb == NULL)
    return NULL;
  for (gsize r = 0; r < c; r++)
    {
      double sum = 0;

      for (gsize i = 0; i < n; i++)
        {
          gsize at = (i * c + r) * plane;

          if (gy->dtype == DZ_DTYPE_FLOAT64)
            {
              const double *v = DZ_ARRAY_F64 (gy) + at;
              double part = 0;

#pragma omp simd reduction(+:part)
              for (gsize j = 0; j < plane; j++)
                part += v[j];
              sum += part;
            }
          else
            {
              const float *v = DZ_ARRAY_F32 (gy) + at;
              float part = 0;

#pragma omp simd reduction(+:part)
              for (gsize j = 0; j < plane; j++)
                part += v[j];
              sum += part;
            }
        }
      if (gy->dtype == DZ_DTYPE_FLOAT64)
        DZ_ARRAY_F64 (gb)[r] = sum;
      else
        DZ_ARRAY_F32 (gb)[r] = (float) sum;
    }
  return gb;
}

/* Recorded calls of the definitions below, for the backwards. */
static DzOpDef im2col_def, col2im_def, conv2d_def, deconv2d_def;

static DzVariable *
apply (DzOpDef           *def,
       const ConvParams  *params,
       DzVariable        *a,
       DzVariable        *b,
       GError           **error)
{
  DzVariable *inputs[2] = { a, b };

  return dz_op_apply (def, params, inputs, b != NULL ? 2 : 1, error);
}

/* The differentiable weight gradient (see grad_w_arrays()): im2col of
 * @image as a matrix, times @grid with its channels first. */
static DzVariable *
grad_w_variable (DzVariable         *image,
                 DzVariable         *grid,
                 const DzConvShape  *s,
                 GError            **error)
{
  ConvParams p = { 0, };
  const gint channels_first[4] = { 1, 0, 2, 3 };
  guint ndim;
  const gsize *gshape = dz_variable_get_shape (grid, &ndim);
  gssize rows = gshape[1];
  gssize flat[2] = { rows, -1 };
  gssize wshape[4] = { rows, s->c, s->kh, s->kw };
  g_autoptr(DzVariable) col = NULL;
  g_autoptr(DzVariable) t = NULL;
  g_autoptr(DzVariable) m = NULL;
  g_autoptr(DzVariable) gw = NULL;

  set_pair (&p.kernel_size, s->kh, s->kw);
  set_pair (&p.stride, s->sh, s->sw);
  set_pair (&p.pad, s->ph, s->pw);
  p.to_matrix = TRUE;
  if ((col = apply (&im2col_def, &p, image, NULL, error)) == NULL
      || (t = dz_transpose (grid, channels_first, 4, error)) == NULL
      || (m = dz_reshape (t, flat, 2, error)) == NULL
      || (gw = dz_matmul (m, col, error)) == NULL)
    return NULL;
  return dz_reshape (gw, wshape, 4, error);
}

static DzVariable *
channel_sum (DzVariable  *gy,
             GError     **error)
{
  const gint axes[3] = { 0, 2, 3 };

  return dz_sum (gy, axes, 3, FALSE, error);
}

/* The inputs in one float dtype (float64 when they differ, as NumPy
 * promotes), into @cast (owned copies where converted). */
static gboolean
common_dtype (const char  *op,
              DzArray    **xs,
              guint        n,
              DzArray    **cast,
              GError     **error)
{
  DzDtype dtype = xs[0]->dtype;

  for (guint i = 0; i < n; i++)
    {
      if (!dz_op_check_float (op, xs[i], error))
        return FALSE;
      if (xs[i]->dtype != dtype)
        dtype = DZ_DTYPE_FLOAT64;
    }
  for (guint i = 0; i < n; i++)
    {
      cast[i] = xs[i]->dtype == dtype ? g_object_ref (xs[i]) : dz_array_astype (xs[i], dtype, error);
      if (cast[i] == NULL)
        {
          for (guint j = 0; j < i; j++)
            g_clear_object (&cast[j]);
          return FALSE;
        }
    }
  return TRUE;
}

static void
clear_arrays (DzArray **xs,
              guint     n)
{
  for (guint i = 0; i < n; i++)
    g_clear_object (&xs[i]);
}

#define WANTED(i) dz_op_input_needs_grad (i)

/* Im2col: the patches of x;  gx = col2im (gy) */
static DzArray *
im2col_forward (const void *v, DzArray **xs, guint n_xs, GError **error)
{
  const ConvParams *p = v;
  DzArray *x = xs[0];
  DzConvShape s;
  gsize n, k, q, shape[6];
  gsize item;
  DzArray *y;

  if (!dz_op_check_float ("im2col", x, error)
      || !conv_shape ("im2col", p, NULL, x->shape, x->ndim, &s, error))
    return NULL;
  n = x->shape[0];
  k = patch_rows (&s);
  q = grid_size (&s);
  if (p->to_matrix)
    {
      shape[0] = n * q;
      shape[1] = k;
    }
  else
    {
      shape[0] = n, shape[1] = s.c, shape[2] = s.kh, shape[3] = s.kw;
      shape[4] = s.oh, shape[5] = s.ow;
    }
  y = dz_array_new_uninitialized (x->dtype, shape, p->to_matrix ? 2 : 6, error);
  if (y == NULL)
    return NULL;
  item = dz_dtype_get_item_size (x->dtype);
  for (gsize i = 0; i < n && k * q > 0; i++)
    dz_kernel_im2col (x->dtype, &s, (const guint8 *) x->data + i * image_size (&s) * item,
                      (guint8 *) y->data + i * k * q * item,
                      p->to_matrix ? 1 : q, p->to_matrix ? k : 1);
  return y;
}

/* The images of @shape (N, C, H, W) that @col's patches add up to. */
static DzArray *
fold (const ConvParams  *p,
      DzArray           *col,
      const gsize       *shape,
      GError           **error)
{
  DzConvShape s;
  gsize k, q, item;
  DzArray *x;

  if (!conv_shape ("col2im", p, NULL, shape, 4, &s, error))
    return NULL;
  k = patch_rows (&s);
  q = grid_size (&s);
  item = dz_dtype_get_item_size (col->dtype);
  x = new_zeros (col->dtype, shape, 4, error);
  for (gsize i = 0; x != NULL && i < shape[0] && k * q > 0; i++)
    dz_kernel_col2im (col->dtype, &s, (const guint8 *) col->data + i * k * q * item,
                      p->to_matrix ? 1 : q, p->to_matrix ? k : 1,
                      (guint8 *) x->data + i * image_size (&s) * item);
  return x;
}

static gboolean
im2col_gradient (const void *v, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
                 GError **error)
{
  gxs[0] = fold (v, gy, xs[0]->shape, error);
  g_object_unref (gy);
  return gxs[0] != NULL;
}

static gboolean
im2col_backward (const void *v, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                 DzVariable **gxs, GError **error)
{
  ConvParams p = *(const ConvParams *) v;
  guint ndim;
  const gsize *shape = dz_variable_get_shape (xs[0], &ndim);

  dz_shape_set_from (&p.input_shape, shape, ndim);
  gxs[0] = apply (&col2im_def, &p, gy, NULL, error);
  return gxs[0] != NULL;
}

static DzOpDef im2col_def = {
  .name = "im2col", .class_name = "Im2col", .n_inputs = 1, .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (ConvParams), .params = patch_params, .n_params = 4,
  .forward = im2col_forward, .gradient = im2col_gradient, .backward = im2col_backward,
};

/* Col2im: the adjoint of im2col;  gx = im2col (gy) */
static gboolean
col2im_image_shape (const ConvParams *p, gsize *shape, GError **error)
{
  if (p->input_shape.ndim != 4)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "col2im: input_shape must be (N, C, H, W), not %u values",
                   p->input_shape.ndim);
      return FALSE;
    }
  for (guint d = 0; d < 4; d++)
    {
      if (p->input_shape.dims[d] < 0)
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                       "col2im: input_shape has a negative length");
          return FALSE;
        }
      shape[d] = p->input_shape.dims[d];
    }
  return TRUE;
}

static DzArray *
col2im_forward (const void *v, DzArray **xs, guint n_xs, GError **error)
{
  const ConvParams *p = v;
  DzArray *col = xs[0];
  gsize shape[4], want[6];
  guint want_ndim;
  DzConvShape s;

  if (!dz_op_check_float ("col2im", col, error)
      || !col2im_image_shape (p, shape, error)
      || !conv_shape ("col2im", p, NULL, shape, 4, &s, error))
    return NULL;
  if (p->to_matrix)
    {
      want[0] = shape[0] * grid_size (&s);
      want[1] = patch_rows (&s);
      want_ndim = 2;
    }
  else
    {
      want[0] = shape[0], want[1] = s.c, want[2] = s.kh, want[3] = s.kw;
      want[4] = s.oh, want[5] = s.ow;
      want_ndim = 6;
    }
  if (col->ndim != want_ndim || memcmp (col->shape, want, want_ndim * sizeof (gsize)) != 0)
    {
      g_autofree char *have = dz_array_shape_to_string (col);
      g_autofree char *need = dz_shape_to_string (want, want_ndim);
      g_autofree char *img = dz_shape_to_string (shape, 4);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "col2im: the patches of images %s have shape %s, not %s", img, need, have);
      return NULL;
    }
  return fold (p, col, shape, error);
}

static gboolean
col2im_gradient (const void *v, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
                 GError **error)
{
  DzArray *in = gy;

  gxs[0] = im2col_forward (v, &in, 1, error);
  g_object_unref (gy);
  return gxs[0] != NULL;
}

static gboolean
col2im_backward (const void *v, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                 DzVariable **gxs, GError **error)
{
  gxs[0] = apply (&im2col_def, v, gy, NULL, error);
  return gxs[0] != NULL;
}

static DzOpDef col2im_def = {
  .name = "col2im", .class_name = "Col2im", .n_inputs = 1,
  .params_size = sizeof (ConvParams), .params = patch_params, .n_params = 5,
  .forward = col2im_forward, .gradient = col2im_gradient, .backward = col2im_backward,
};

/* Conv2d: y = W * x + b, W (OC, C, KH, KW);
 * gx = deconv2d (gy, W), gW = gy (x) im2col (x)^T, gb = gy summed */
static gboolean
conv_inputs (const char   *op,
             DzArray     **xs,
             guint         n,
             GError      **error)
{
  gsize in_channels;

  if (n != 2 && n != 3)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT,
                   "%s takes 2 inputs (x, W) or 3 (x, W, b), not %u", op, n);
      return FALSE;
    }
  if (!check_4d (op, "x", xs[0]->shape, xs[0]->ndim, error)
      || !check_4d (op, "W", xs[1]->shape, xs[1]->ndim, error))
    return FALSE;
  /* conv2d's W is (OC, C, KH, KW), deconv2d's (C, OC, KH, KW). */
  in_channels = strcmp (op, "conv2d") == 0 ? xs[1]->shape[1] : xs[1]->shape[0];
  if (xs[0]->shape[1] != in_channels)
    {
      g_autofree char *sx = dz_array_shape_to_string (xs[0]);
      g_autofree char *sw = dz_array_shape_to_string (xs[1]);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "%s: x of shape %s has %" G_GSIZE_FORMAT " channels but W of shape %s "
                   "takes %" G_GSIZE_FORMAT, op, sx, xs[0]->shape[1], sw, in_channels);
      return FALSE;
    }
  if (n == 3)
    {
      gsize out_channels = strcmp (op, "conv2d") == 0 ? xs[1]->shape[0] : xs[1]->shape[1];

      if (xs[2]->ndim != 1 || xs[2]->shape[0] != out_channels)
        {
          g_autofree char *sb = dz_array_shape_to_string (xs[2]);
          g_autofree char *sw = dz_array_shape_to_string (xs[1]);

          g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                       "%s: b must have shape (%" G_GSIZE_FORMAT ",) for W of shape %s, not %s",
                       op, out_channels, sw, sb);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
conv2d_geometry (const ConvParams *p, DzArray **xs, DzConvShape *s, GError **error)
{
  return conv_shape ("conv2d", p, xs[1]->shape + 2, xs[0]->shape, 4, s, error);
}

static DzArray *
conv2d_forward (const void *v, DzArray **xs, guint n, GError **error)
{
  DzArray *cast[3] = { NULL, };
  DzConvShape s;
  DzArray *y = NULL;

  if (conv_inputs ("conv2d", xs, n, error) && common_dtype ("conv2d", xs, n, cast, error))
    {
      if (conv2d_geometry (v, cast, &s, error))
        y = conv_arrays ("conv2d", cast[0], cast[1], n == 3 ? cast[2] : NULL, &s, error);
      clear_arrays (cast, n);
    }
  return y;
}

static gboolean
conv2d_gradient (const void *v, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
                 GError **error)
{
  DzArray *cast[3] = { NULL, };
  DzConvShape s;
  gboolean ok = FALSE;

  if (common_dtype ("conv2d", xs, n, cast, error) && conv2d_geometry (v, cast, &s, error))
    ok = (!WANTED (0) || (gxs[0] = deconv_arrays ("conv2d", gy, cast[1], NULL, &s, error)))
         && (!WANTED (1) || (gxs[1] = grad_w_arrays ("conv2d", cast[0], gy, &s, error)))
         && (n < 3 || !WANTED (2) || (gxs[2] = bias_grad (gy, error)));
  clear_arrays (cast, n);
  g_object_unref (gy);
  return ok;
}

static gboolean
conv2d_backward (const void *v, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                 DzVariable **gxs, GError **error)
{
  ConvParams p = *(const ConvParams *) v;
  DzArray *arrays[2] = { dz_variable_peek_data (xs[0]), dz_variable_peek_data (xs[1]) };
  DzConvShape s;

  if (!conv2d_geometry (v, arrays, &s, error))
    return FALSE;
  set_pair (&p.outsize, s.h, s.w);
  return (gxs[0] = apply (&deconv2d_def, &p, gy, xs[1], error)) != NULL
         && (gxs[1] = grad_w_variable (xs[0], gy, &s, error)) != NULL
         && (n < 3 || (gxs[2] = channel_sum (gy, error)) != NULL);
}

static DzOpDef conv2d_def = {
  .name = "conv2d", .class_name = "Conv2d", .n_inputs = 0, .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (ConvParams), .params = conv_params, .n_params = 2,
  .forward = conv2d_forward, .gradient = conv2d_gradient, .backward = conv2d_backward,
};

/* Deconv2d: the transpose of conv2d, W (C, OC, KH, KW);
 * gx = conv2d (gy, W), gW = x (x) im2col (gy)^T, gb = gy summed */
static gboolean
deconv2d_geometry (const ConvParams *p, DzArray **xs, DzConvShape *s, GError **error)
{
  gsize st[2], pd[2], out[2], shape[4];
  const gsize *k = xs[1]->shape + 2;

  if (!pair_of ("deconv2d", "stride", &p->stride, 1, 1, st, error)
      || !pair_of ("deconv2d", "pad", &p->pad, 0, 0, pd, error))
    return FALSE;
  if (p->outsize.ndim == 0)
    {
      for (guint d = 0; d < 2; d++)
        {
          gssize size = (gssize) (st[d] * (xs[0]->shape[2 + d] - 1) + k[d])
                        - 2 * (gssize) pd[d];

          if (xs[0]->shape[2 + d] == 0 || size <= 0)
            {
              g_autofree char *sx = dz_array_shape_to_string (xs[0]);

              g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                           "deconv2d: x of shape %s gives no output with that kernel and "
                           "pad (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")", sx, pd[0], pd[1]);
              return FALSE;
            }
          out[d] = size;
        }
    }
  else if (!pair_of ("deconv2d", "outsize", &p->outsize, -1, 1, out, error))
    return FALSE;

  shape[0] = xs[0]->shape[0];
  shape[1] = xs[1]->shape[1];
  shape[2] = out[0];
  shape[3] = out[1];
  if (!conv_shape ("deconv2d", p, k, shape, 4, s, error))
    return FALSE;
  if (s->oh != xs[0]->shape[2] || s->ow != xs[0]->shape[3])
    {
      g_autofree char *sx = dz_array_shape_to_string (xs[0]);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "deconv2d: an output of %" G_GSIZE_FORMAT "x%" G_GSIZE_FORMAT
                   " convolves to %" G_GSIZE_FORMAT "x%" G_GSIZE_FORMAT ", not to x's shape %s",
                   out[0], out[1], s->oh, s->ow, sx);
      return FALSE;
    }
  return TRUE;
}

static DzArray *
deconv2d_forward (const void *v, DzArray **xs, guint n, GError **error)
{
  DzArray *cast[3] = { NULL, };
  DzConvShape s;
  DzArray *y = NULL;

  if (conv_inputs ("deconv2d", xs, n, error) && common_dtype ("deconv2d", xs, n, cast, error))
    {
      if (deconv2d_geometry (v, cast, &s, error))
        y = deconv_arrays ("deconv2d", cast[0], cast[1], n == 3 ? cast[2] : NULL, &s, error);
      clear_arrays (cast, n);
    }
  return y;
}

static gboolean
deconv2d_gradient (const void *v, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
                   GError **error)
{
  DzArray *cast[3] = { NULL, };
  DzConvShape s;
  gboolean ok = FALSE;

  if (common_dtype ("deconv2d", xs, n, cast, error) && deconv2d_geometry (v, cast, &s, error))
    ok = (!WANTED (0) || (gxs[0] = conv_arrays ("deconv2d", gy, cast[1], NULL, &s, error)))
         && (!WANTED (1) || (gxs[1] = grad_w_arrays ("deconv2d", gy, cast[0], &s, error)))
         && (n < 3 || !WANTED (2) || (gxs[2] = bias_grad (gy, error)));
  clear_arrays (cast, n);
  g_object_unref (gy);
  return ok;
}

static gboolean
deconv2d_backward (const void *v, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                   DzVariable **gxs, GError **error)
{
  ConvParams p = *(const ConvParams *) v;
  DzArray *arrays[2] = { dz_variable_peek_data (xs[0]), dz_variable_peek_data (xs[1]) };
  DzConvShape s;

  if (!deconv2d_geometry (v, arrays, &s, error))
    return FALSE;
  p.outsize.ndim = 0;
  return (gxs[0] = apply (&conv2d_def, &p, gy, xs[1], error)) != NULL
         && (gxs[1] = grad_w_variable (gy, xs[0], &s, error)) != NULL
         && (n < 3 || (gxs[2] = channel_sum (gy, error)) != NULL);
}

static DzOpDef deconv2d_def = {
  .name = "deconv2d", .class_name = "Deconv2d", .n_inputs = 0, .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (ConvParams), .params = conv_params, .n_params = 3,
  .forward = deconv2d_forward, .gradient = deconv2d_gradient, .backward = deconv2d_backward,
};

/* Pooling and AveragePooling: y = each window's maximum or mean;
 * gx = gy at each window's maximum, or spread evenly, folded by col2im */
static DzArray *
pool_forward (DzPoolOp op, const char *name, const ConvParams *p, DzArray *x, GError **error)
{
  DzConvShape s;
  gsize shape[4], item;
  DzArray *y;

  if (!dz_op_check_float (name, x, error)
      || !conv_shape (name, p, NULL, x->shape, x->ndim, &s, error))
    return NULL;
  shape[0] = x->shape[0], shape[1] = s.c, shape[2] = s.oh, shape[3] = s.ow;
  y = dz_array_new_uninitialized (x->dtype, shape, 4, error);
  if (y == NULL)
    return NULL;
  item = dz_dtype_get_item_size (x->dtype);
  for (gsize i = 0; i < shape[0] && y->size > 0; i++)
    dz_kernel_pool (op, x->dtype, &s, (const guint8 *) x->data + i * image_size (&s) * item,
                    (guint8 *) y->data + i * s.c * grid_size (&s) * item);
  return y;
}

static DzArray *
pool_grad (DzPoolOp op, const char *name, const ConvParams *p, DzArray *x, DzArray *gy,
           GError **error)
{
  DzConvShape s;
  gsize item = dz_dtype_get_item_size (x->dtype);
  DzArray *gx;

  if (!conv_shape (name, p, NULL, x->shape, x->ndim, &s, error)
      || (gx = new_zeros (x->dtype, x->shape, 4, error)) == NULL)
    return NULL;
  for (gsize i = 0; i < x->shape[0] && gy->size > 0; i++)
    dz_kernel_pool_grad (op, x->dtype, &s, (const guint8 *) x->data + i * image_size (&s) * item,
                         (const guint8 *) gy->data + i * s.c * grid_size (&s) * item,
                         (guint8 *) gx->data + i * image_size (&s) * item);
  return gx;
}

/* The differentiable gradient of a pooling: @gy spread over each window by
 * @weights (N, C, KH, KW, OH, OW), folded back into images by col2im. */
static DzVariable *
pool_backward (const ConvParams  *params,
               DzVariable        *x,
               DzVariable        *gy,
               DzVariable        *weights,
               GError           **error)
{
  ConvParams p = *params;
  guint ndim;
  const gsize *xs = dz_variable_get_shape (x, &ndim);
  const gsize *gs = dz_variable_get_shape (gy, &ndim);
  gssize spread[6] = { gs[0], gs[1], 1, 1, gs[2], gs[3] };
  g_autoptr(DzVariable) g = NULL;
  g_autoptr(DzVariable) gcol = NULL;

  dz_shape_set_from (&p.input_shape, xs, 4);
  p.to_matrix = FALSE;
  if ((g = dz_reshape (gy, spread, 6, error)) == NULL
      || (gcol = dz_mul (g, weights, error)) == NULL)
    return NULL;
  return apply (&col2im_def, &p, gcol, NULL, error);
}

static DzArray *
pooling_forward (const void *v, DzArray **xs, guint n, GError **error)
{
  return pool_forward (DZ_POOL_MAX, "pooling", v, xs[0], error);
}

static gboolean
pooling_gradient (const void *v, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
                  GError **error)
{
  gxs[0] = pool_grad (DZ_POOL_MAX, "pooling", v, xs[0], gy, error);
  g_object_unref (gy);
  return gxs[0] != NULL;
}

static gboolean
pooling_backward (const void *v, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                  DzVariable **gxs, GError **error)
{
  DzArray *x = dz_variable_peek_data (xs[0]);
  DzConvShape s;
  gsize shape[6], item;
  DzArray *mask;
  g_autoptr(DzVariable) weights = NULL;

  if (!conv_shape ("pooling", v, NULL, x->shape, x->ndim, &s, error))
    return FALSE;
  shape[0] = x->shape[0], shape[1] = s.c, shape[2] = s.kh, shape[3] = s.kw;
  shape[4] = s.oh, shape[5] = s.ow;
  /* The maxima's places, a constant of the graph as dropout's mask is:
   * the gradient is piecewise linear in gy. */
  if ((mask = dz_array_new_uninitialized (x->dtype, shape, 6, error)) == NULL)
    return FALSE;
  item = dz_dtype_get_item_size (x->dtype);
  for (gsize i = 0; i < shape[0] && mask->size > 0; i++)
    dz_kernel_pool_max_mask (x->dtype, &s, (const guint8 *) x->data + i * image_size (&s) * item,
                             (guint8 *) mask->data + i * mask->size / shape[0] * item);
  weights = dz_variable_new_take (mask);
  dz_variable_set_requires_grad (weights, FALSE);
  gxs[0] = pool_backward (v, xs[0], gy, weights, error);
  return gxs[0] != NULL;
}

static DzOpDef pooling_def = {
  .name = "pooling", .class_name = "Pooling", .n_inputs = 1, .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (ConvParams), .params = patch_params, .n_params = 3,
  .forward = pooling_forward, .gradient = pooling_gradient, .backward = pooling_backward,
};

static DzArray *
average_pooling_forward (const void *v, DzArray **xs, guint n, GError **error)
{
  return pool_forward (DZ_POOL_AVERAGE, "average_pooling", v, xs[0], error);
}

static gboolean
average_pooling_gradient (const void *v, DzArray **xs, guint n, DzArray *y, DzArray *gy,
                          DzArray **gxs, GError **error)
{
  gxs[0] = pool_grad (DZ_POOL_AVERAGE, "average_pooling", v, xs[0], gy, error);
  g_object_unref (gy);
  return gxs[0] != NULL;
}

static gboolean
average_pooling_backward (const void *v, DzVariable **xs, guint n, DzVariable *y,
                          DzVariable *gy, DzVariable **gxs, GError **error)
{
  DzArray *x = dz_variable_peek_data (xs[0]);
  DzConvShape s;
  gsize shape[6] = { 1, 1, 0, 0, 1, 1 };
  DzArray *w;
  g_autoptr(DzVariable) weights = NULL;

  if (!conv_shape ("average_pooling", v, NULL, x->shape, x->ndim, &s, error))
    return FALSE;
  shape[2] = s.kh, shape[3] = s.kw;
  if ((w = dz_array_new_full_typed (x->dtype, shape, 6, 1.0 / (s.kh * s.kw), error)) == NULL)
    return FALSE;
  weights = dz_variable_new_take (w);
  dz_variable_set_requires_grad (weights, FALSE);
  gxs[0] = pool_backward (v, xs[0], gy, weights, error);
  return gxs[0] != NULL;
}

static DzOpDef average_pooling_def = {
  .name = "average_pooling", .class_name = "AveragePooling", .n_inputs = 1,
  .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (ConvParams), .params = patch_params, .n_params = 3,
  .forward = average_pooling_forward, .gradient = average_pooling_gradient,
  .backward = average_pooling_backward,
};

/* The public functions */

static ConvParams
patch_params_of (gint kernel_h, gint kernel_w, gint stride_h, gint stride_w, gint pad_h,
                 gint pad_w)
{
  ConvParams p = { 0, };

  set_pair (&p.kernel_size, kernel_h, kernel_w);
  set_pair (&p.stride, stride_h, stride_w);
  set_pair (&p.pad, pad_h, pad_w);
  return p;
}

/**
 * dz_im2col:
 * @x: images, a #DzVariable of shape (N, C, H, W)
 * @kernel_h: the kernel's height
 * @kernel_w: the kernel's width
 * @stride_h: the vertical step between patches, at least 1
 * @stride_w: the horizontal step between patches, at least 1
 * @pad_h: the zeros added above and below
 * @pad_w: the zeros added left and right
 * @to_matrix: whether to lay the patches out as a matrix
 * @error: return location for a #GError
 *
 * DeZero's `im2col()`: the kernel-sized patches of @x, padded with zeros,
 * at every output position (OH = (H + 2 pad_h - kernel_h) / stride_h + 1,
 * OW likewise). With @to_matrix, a matrix of shape (N OH OW, C KH KW), one
 * patch per row, so that a convolution is a matrix product; otherwise the
 * array of shape (N, C, KH, KW, OH, OW). Its gradient is dz_col2im().
 *
 * Returns: (transfer full): the patches, or %NULL with
 *   %DZ_ERROR_SHAPE_MISMATCH (@x not 4-d, a kernel larger than the padded
 *   image), %DZ_ERROR_INVALID_ARGUMENT (a kernel or stride below 1, a
 *   negative pad) or %DZ_ERROR_INVALID_DTYPE (int64)
 */
DzVariable *
dz_im2col (DzVariable  *x,
           gint         kernel_h,
           gint         kernel_w,
           gint         stride_h,
           gint         stride_w,
           gint         pad_h,
           gint         pad_w,
           gboolean     to_matrix,
           GError     **error)
{
  ConvParams p;

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  p = patch_params_of (kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w);
  p.to_matrix = to_matrix;
  return apply (&im2col_def, &p, x, NULL, error);
}

/**
 * dz_col2im:
 * @x: patches, as dz_im2col() gives them for images of @input_shape
 * @input_shape: (array length=n_dims): the images' shape (N, C, H, W)
 * @n_dims: the length of @input_shape, 4
 * @kernel_h: the kernel's height
 * @kernel_w: the kernel's width
 * @stride_h: the vertical step between patches, at least 1
 * @stride_w: the horizontal step between patches, at least 1
 * @pad_h: the zeros added above and below
 * @pad_w: the zeros added left and right
 * @to_matrix: whether @x is laid out as a matrix (see dz_im2col())
 * @error: return location for a #GError
 *
 * DeZero's `col2im()`, the adjoint of dz_im2col(): images of
 * @input_shape where each pixel is the sum of the patch values taken from
 * it (values from the padding are dropped). Its gradient is dz_im2col().
 *
 * Returns: (transfer full): the images, or %NULL with
 *   %DZ_ERROR_SHAPE_MISMATCH when @x does not have the patches' shape, or
 *   the errors of dz_im2col()
 */
DzVariable *
dz_col2im (DzVariable   *x,
           const gsize  *input_shape,
           guint         n_dims,
           gint          kernel_h,
           gint          kernel_w,
           gint          stride_h,
           gint          stride_w,
           gint          pad_h,
           gint          pad_w,
           gboolean      to_matrix,
           GError      **error)
{
  ConvParams p;

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (n_dims == 0 || input_shape != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n_dims != 4)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "col2im: input_shape must be (N, C, H, W), not %u values", n_dims);
      return NULL;
    }
  p = patch_params_of (kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w);
  p.to_matrix = to_matrix;
  dz_shape_set_from (&p.input_shape, input_shape, 4);
  return apply (&col2im_def, &p, x, NULL, error);
}

static DzVariable *
apply_conv (DzOpDef     *def,
            ConvParams  *p,
            DzVariable  *x,
            DzVariable  *W,
            DzVariable  *b,
            GError     **error)
{
  DzVariable *inputs[3] = { x, W, b };

  return dz_op_apply (def, p, inputs, b != NULL ? 3 : 2, error);
}

/**
 * dz_conv2d:
 * @x: images, a #DzVariable of shape (N, C, H, W)
 * @W: the filters, of shape (OC, C, KH, KW)
 * @b: (nullable): the bias, of shape (OC,), or %NULL for none
 * @stride_h: the vertical step, at least 1
 * @stride_w: the horizontal step, at least 1
 * @pad_h: the zeros added above and below
 * @pad_w: the zeros added left and right
 * @error: return location for a #GError
 *
 * DeZero's `conv2d()`: the 2-d convolution (cross-correlation, as in every
 * deep learning library) of @x with each filter of @W, plus @b; shape
 * (N, OC, OH, OW) with OH = (H + 2 pad_h - KH) / stride_h + 1, OW
 * likewise. Each image's patches are multiplied with @W by BLAS. Float32
 * inputs give float32, a mix float64. The gradient of @x is
 * dz_deconv2d() of the output's, so it can be differentiated again.
 *
 * Returns: (transfer full): the output, or %NULL with
 *   %DZ_ERROR_SHAPE_MISMATCH (an input not 4-d, @x's channels not @W's,
 *   @b not (OC,), a kernel larger than the padded image),
 *   %DZ_ERROR_INVALID_ARGUMENT (a stride below 1, a negative pad) or
 *   %DZ_ERROR_INVALID_DTYPE (int64)
 */
DzVariable *
dz_conv2d (DzVariable  *x,
           DzVariable  *W,
           DzVariable  *b,
           gint         stride_h,
           gint         stride_w,
           gint         pad_h,
           gint         pad_w,
           GError     **error)
{
  ConvParams p = { 0, };

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (DZ_IS_VARIABLE (W), NULL);
  g_return_val_if_fail (b == NULL || DZ_IS_VARIABLE (b), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  set_pair (&p.stride, stride_h, stride_w);
  set_pair (&p.pad, pad_h, pad_w);
  return apply_conv (&conv2d_def, &p, x, W, b, error);
}

/**
 * dz_deconv2d:
 * @x: a #DzVariable of shape (N, C, H, W)
 * @W: the filters, of shape (C, OC, KH, KW) (DeZero's layout)
 * @b: (nullable): the bias, of shape (OC,), or %NULL for none
 * @stride_h: the vertical step, at least 1
 * @stride_w: the horizontal step, at least 1
 * @pad_h: the padding of the convolution this is the transpose of
 * @pad_w: the same, left and right
 * @out_h: the output's height, or 0 (with @out_w 0) for
 *   stride_h (H - 1) + KH - 2 pad_h
 * @out_w: the output's width, or 0 (with @out_h 0) for the same across
 * @error: return location for a #GError
 *
 * DeZero's `deconv2d()`, the transposed convolution: the output
 * (N, OC, out_h, out_w) whose convolution by @W with this stride and pad
 * has @x's shape, computed as that convolution's input gradient; plus @b.
 * An explicit size must convolve back to H x W.
 *
 * Returns: (transfer full): the output, or %NULL with the errors of
 *   dz_conv2d(), or %DZ_ERROR_SHAPE_MISMATCH when the output size does
 *   not convolve back to @x's
 */
DzVariable *
dz_deconv2d (DzVariable  *x,
             DzVariable  *W,
             DzVariable  *b,
             gint         stride_h,
             gint         stride_w,
             gint         pad_h,
             gint         pad_w,
             gint         out_h,
             gint         out_w,
             GError     **error)
{
  ConvParams p = { 0, };

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (DZ_IS_VARIABLE (W), NULL);
  g_return_val_if_fail (b == NULL || DZ_IS_VARIABLE (b), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  set_pair (&p.stride, stride_h, stride_w);
  set_pair (&p.pad, pad_h, pad_w);
  if (out_h != 0 || out_w != 0)
    set_pair (&p.outsize, out_h, out_w);
  return apply_conv (&deconv2d_def, &p, x, W, b, error);
}

/**
 * dz_pooling:
 * @x: images, a #DzVariable of shape (N, C, H, W)
 * @kernel_h: the window's height
 * @kernel_w: the window's width
 * @stride_h: the vertical step, at least 1
 * @stride_w: the horizontal step, at least 1
 * @pad_h: the zeros added above and below
 * @pad_w: the zeros added left and right
 * @error: return location for a #GError
 *
 * DeZero's `pooling()`: max pooling, the maximum of each window, of shape
 * (N, C, OH, OW) as for dz_conv2d(). As in DeZero the padding counts as
 * zeros (PyTorch's max_pool2d pads with -inf: the two differ only where a
 * window's values are all negative). The gradient goes to each window's
 * first maximum.
 *
 * Returns: (transfer full): the output, or %NULL with the errors of
 *   dz_im2col()
 */
DzVariable *
dz_pooling (DzVariable  *x,
            gint         kernel_h,
            gint         kernel_w,
            gint         stride_h,
            gint         stride_w,
            gint         pad_h,
            gint         pad_w,
            GError     **error)
{
  ConvParams p;

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  p = patch_params_of (kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w);
  return apply (&pooling_def, &p, x, NULL, error);
}

/**
 * dz_average_pooling:
 * @x: images, a #DzVariable of shape (N, C, H, W)
 * @kernel_h: the window's height
 * @kernel_w: the window's width
 * @stride_h: the vertical step, at least 1
 * @stride_w: the horizontal step, at least 1
 * @pad_h: the zeros added above and below
 * @pad_w: the zeros added left and right
 * @error: return location for a #GError
 *
 * DeZero's `average_pooling()`: the mean of each window, the padding
 * counted as zeros (PyTorch's avg_pool2d with count_include_pad), of shape
 * (N, C, OH, OW) as for dz_conv2d().
 *
 * Returns: (transfer full): the output, or %NULL with the errors of
 *   dz_im2col()
 */
DzVariable *
dz_average_pooling (DzVariable  *x,
                    gint         kernel_h,
                    gint         kernel_w,
                    gint         stride_h,
                    gint         stride_w,
                    gint         pad_h,
                    gint         pad_w,
                    GError     **error)
{
  ConvParams p;

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  p = patch_params_of (kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w);
  return apply (&average_pooling_def, &p, x, NULL, error);
}

DzOpDef *const dz_ops_conv[] = {
  &im2col_def, &col2im_def, &conv2d_def, &deconv2d_def, &pooling_def, &average_pooling_def,
  NULL,
};
