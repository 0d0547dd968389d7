/* dz-kernels.h: the loops under every array operation
 *
 * Plain C over raw pointers, shapes and strides: no GObject, no GError,
 * no allocation unless a comment says so. Everything here is private to
 * the library; arrays/ and ops/ call it, it calls nothing of theirs.
 *
 * Conventions:
 * - Element types are DzDtype values; a kernel documents the ones it takes
 *   and returns FALSE (doing nothing) for any other.
 * - Shapes are gsize arrays of @ndim entries (ndim may be 0: one element).
 * - Strides are in elements, not bytes, and may be 0 (a broadcast axis).
 *   Outputs are always C-contiguous.
 * - Inputs and outputs never overlap unless a comment allows it.
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

#include "dz-dtype.h"

G_BEGIN_DECLS

/* -- element-wise, with broadcasting (dz-kernels-elementwise.c) -- */

typedef enum
{
  DZ_BINARY_ADD,
  DZ_BINARY_SUB,
  DZ_BINARY_MUL,
  DZ_BINARY_DIV,
  DZ_BINARY_POW,
  DZ_BINARY_MAXIMUM,
  DZ_BINARY_MINIMUM,
  /* comparisons write 1 or 0 in the output's type */
  DZ_BINARY_EQ,
  DZ_BINARY_NE,
  DZ_BINARY_LT,
  DZ_BINARY_LE,
  DZ_BINARY_GT,
  DZ_BINARY_GE,
} DzBinaryOp;

/* out[i] = a[ia] op b[ib] over @out_shape, where a and b have been
 * broadcast to @out_shape (their strides are 0 on broadcast axes). All
 * three share @dtype (FLOAT64, FLOAT32; INT64 for ADD, SUB, MUL, MAXIMUM,
 * MINIMUM and the comparisons). Fast paths: contiguous same shape, one
 * operand a single value, inner axis contiguous in both or broadcast in
 * one (the 1000x1000 + 1000 case). */
gboolean dz_kernel_binary (DzBinaryOp     op,
                           DzDtype        dtype,
                           guint          ndim,
                           const gsize   *out_shape,
                           const void    *a,
                           const gssize  *a_strides,
                           const void    *b,
                           const gssize  *b_strides,
                           void          *out);

typedef enum
{
  DZ_UNARY_NEG,
  DZ_UNARY_EXP,
  DZ_UNARY_LOG,
  DZ_UNARY_SIN,
  DZ_UNARY_COS,
  DZ_UNARY_TANH,
  DZ_UNARY_SQRT,
  DZ_UNARY_ABS,
  DZ_UNARY_SQUARE,
  DZ_UNARY_RELU,
  DZ_UNARY_SIGMOID,       /* overflow-free: never exp of a large positive */
  DZ_UNARY_SIGN,
} DzUnaryOp;

/* out[i] = op (x[i]) over @n contiguous values of @dtype (FLOAT64, FLOAT32;
 * INT64 for NEG, ABS, SQUARE, SIGN). @out may equal @x. */
gboolean dz_kernel_unary  (DzUnaryOp      op,
                           DzDtype        dtype,
                           gsize          n,
                           const void    *x,
                           void          *out);

/* out[i] = x[i] * scale + shift (FLOAT64, FLOAT32). @out may equal @x. */
gboolean dz_kernel_affine (DzDtype        dtype,
                           gsize          n,
                           const void    *x,
                           double         scale,
                           double         shift,
                           void          *out);

/* gx[i] = gy[i] * y[i] * (1 - y[i]), the sigmoid's gradient from its
 * output (FLOAT64, FLOAT32). @gx may equal @gy. */
gboolean dz_kernel_sigmoid_grad (DzDtype     dtype,
                                 gsize       n,
                                 const void *y,
                                 const void *gy,
                                 void       *gx);

/* out[i] = clamp (x[i], lo, hi) (FLOAT64, FLOAT32, INT64). */
gboolean dz_kernel_clip   (DzDtype        dtype,
                           gsize          n,
                           const void    *x,
                           double         lo,
                           double         hi,
                           void          *out);

/* Converts @n contiguous values from @from to @to (any pair; float to int
 * truncates toward zero as C and NumPy do). */
gboolean dz_kernel_cast   (DzDtype        from,
                           DzDtype        to,
                           gsize          n,
                           const void    *x,
                           void          *out);

/* Copies a strided view into a contiguous @out (any dtype): transposes
 * (permuted strides), broadcast_to (0 strides), basic slicing (offset
 * @x, any strides incl. negative). */
gboolean dz_kernel_copy_strided (DzDtype        dtype,
                                 guint          ndim,
                                 const gsize   *shape,
                                 const void    *x,
                                 const gssize  *x_strides,
                                 void          *out);

/* -- reductions (dz-kernels-reduce.c) -- */

typedef enum
{
  DZ_REDUCE_SUM,
  DZ_REDUCE_MAX,
  DZ_REDUCE_MIN,
} DzReduceOp;

/* Reduces the contiguous @x of @shape over the axes flagged in @reduce
 * (reduce[d] TRUE) into the contiguous @out, whose shape is @shape with
 * those axes of length 1 (FLOAT64, FLOAT32; INT64 too). Sums of floats
 * accumulate pairwise or in blocks, as NumPy's do, so that the error
 * grows like log n, not n. An empty reduction gives 0 for SUM; MAX and
 * MIN of an empty axis are the caller's error to report. */
gboolean dz_kernel_reduce (DzReduceOp     op,
                           DzDtype        dtype,
                           guint          ndim,
                           const gsize   *shape,
                           const gboolean *reduce,
                           const void    *x,
                           void          *out);

/* Along @axis of the contiguous @x of @shape (FLOAT64, FLOAT32), stably
 * (subtracting the maximum of each lane): softmax, log-softmax, or
 * log-sum-exp (then @out has @shape with @axis of length 1). */
typedef enum
{
  DZ_SOFTMAX,
  DZ_LOG_SOFTMAX,
  DZ_LOGSUMEXP,
} DzSoftmaxOp;

gboolean dz_kernel_softmax (DzSoftmaxOp   op,
                            DzDtype       dtype,
                            guint         ndim,
                            const gsize  *shape,
                            guint         axis,
                            const void   *x,
                            void         *out);

/* -- the LSTM cell's element-wise passes (dz-kernels-lstm.c) -- */

/* Over @n rows of 6 @hidden values [h, c, f, i, o, u] in @y whose gate
 * columns hold the pre-activations: applies the gates in place and
 * writes c = f c_prev + i u (i u when @c_prev, (n, hidden), is NULL) and
 * h = o tanh (c). */
gboolean dz_kernel_lstm_forward  (DzDtype       dtype,
                                  gsize         n,
                                  gsize         hidden,
                                  void         *y,
                                  const void   *c_prev);
/* From @y as the forward left it and its gradient @gy (same layout): the
 * gradients of the four pre-activations into @g, (n, 4 hidden), and of
 * c_prev into @gc_prev when not NULL. */
gboolean dz_kernel_lstm_backward (DzDtype       dtype,
                                  gsize         n,
                                  gsize         hidden,
                                  const void   *y,
                                  const void   *gy,
                                  const void   *c_prev,
                                  void         *g,
                                  void         *gc_prev);

/* -- convolution and pooling, one NCHW image at a time (dz-kernels-conv.c) -- */

/* One image of @c channels, @h x @w, under a @kh x @kw kernel moved by
 * (@sh, @sw) over the image padded with (@ph, @pw) zeros on each side,
 * giving the @oh x @ow output grid. */
typedef struct
{
  gsize c, h, w;
  gsize kh, kw;
  gsize sh, sw;
  gsize ph, pw;
  gsize oh, ow;
} DzConvShape;

/* Patches of the image @x (c, h, w) into @col: the value under kernel
 * position (c, i, j) at output (oy, ox), 0 in the padding, goes to
 * col[((c * kh + i) * kw + j) * k_stride + (oy * ow + ox) * p_stride]
 * (FLOAT64, FLOAT32). k_stride = oh * ow, p_stride = 1 is the
 * (c kh kw, oh ow) matrix a GEMM takes; k_stride = 1, p_stride =
 * c kh kw its transpose. */
gboolean dz_kernel_im2col (DzDtype            dtype,
                           const DzConvShape *s,
                           const void        *x,
                           void              *col,
                           gsize              k_stride,
                           gsize              p_stride);

/* The adjoint of dz_kernel_im2col(): adds every patch value of @col (same
 * layout) onto its pixel of @x (c, h, w); padding values are dropped. */
gboolean dz_kernel_col2im (DzDtype            dtype,
                           const DzConvShape *s,
                           const void        *col,
                           gsize              k_stride,
                           gsize              p_stride,
                           void              *x);

/* As dz_kernel_col2im(), but may overwrite @col: on a stride-1 grid the
 * size of the image it then adds whole shifted planes (faster). */
gboolean dz_kernel_col2im_consume (DzDtype            dtype,
                                   const DzConvShape *s,
                                   void              *col,
                                   gsize              k_stride,
                                   gsize              p_stride,
                                   void              *x);

typedef enum
{
  DZ_POOL_MAX,        /* the padding counts as zeros; the first maximum wins */
  DZ_POOL_AVERAGE,    /* the padding counts as zeros in kh * kw */
} DzPoolOp;

/* @y (c, oh, ow) = each window of @x (c, h, w) pooled (FLOAT64, FLOAT32). */
gboolean dz_kernel_pool      (DzPoolOp           op,
                              DzDtype            dtype,
                              const DzConvShape *s,
                              const void        *x,
                              void              *y);

/* Adds the gradient of dz_kernel_pool() for @gy (c, oh, ow) onto @gx (c,
 * h, w); @x (the input) is read for DZ_POOL_MAX only. */
gboolean dz_kernel_pool_grad (DzPoolOp           op,
                              DzDtype            dtype,
                              const DzConvShape *s,
                              const void        *x,
                              const void        *gy,
                              void              *gx);

/* @mask (c, kh, kw, oh, ow) = 1 at the maximum of each window of @x (the
 * one dz_kernel_pool() takes), 0 elsewhere. */
gboolean dz_kernel_pool_max_mask (DzDtype            dtype,
                                  const DzConvShape *s,
                                  const void        *x,
                                  void              *mask);

/* -- matrix products on CBLAS (dz-kernels-gemm.c) -- */

/* C = op(A) op(B) + beta C for one (m, n, k) product, row-major, in
 * FLOAT64 (dgemm) or FLOAT32 (sgemm); op(X) is X or its transpose.
 * lda/ldb/ldc are the row strides of the matrices as stored. */
gboolean dz_kernel_gemm (DzDtype       dtype,
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
                         gsize         ldc);

/* The threads the BLAS library may use; 1 unless the user asks for more
 * (dz_set_num_threads(), or DZ_NUM_THREADS in the environment). */
void     dz_kernel_blas_set_threads (guint n_threads);
guint    dz_kernel_blas_get_threads (void);
const char *dz_kernel_blas_name (void);

G_END_DECLS
