/* dz-ops-linalg.c: matrix products on BLAS (matmul, linear, dot)
 *
 * Every product is one dz_kernel_gemm() per matrix of a (broadcast) batch,
 * reading transposed operands in place: the op carries trans_a/trans_b, so
 * that the gradients of y = a @ b, gy @ b^T and a^T @ gy, are the same op
 * on the same arrays, never a transposed copy. A gradient of a broadcast
 * batch operand is summed while it is computed (gemm with beta = 1 into
 * the input-shaped buffer), not summed afterwards.
 *
 * Dtypes: float32 (sgemm) and float64 (dgemm); a float32 operand with a
 * float64 one is cast to float64, as NumPy promotes. int64 operands fail
 * with DZ_ERROR_INVALID_DTYPE: NumPy would give an int64 product, which
 * BLAS has no routine for, and no gradient could flow to it.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "dz-op-private.h"

typedef struct
{
  gboolean trans_a;
  gboolean trans_b;
} MatmulParams;

static const DzParamSpec matmul_params[] = {
  DZ_OP_PARAM (MatmulParams, trans_a, DZ_PARAM_BOOL),
  DZ_OP_PARAM (MatmulParams, trans_b, DZ_PARAM_BOOL),
};

/* One batched product C = op(A) op(B) as BLAS runs it: a loop over the
 * batch axes, each step one gemm of matrices stored row-major. */
typedef struct
{
  gboolean trans_a, trans_b;
  gsize m, n, k;
  gsize lda, ldb, ldc;
  /* The loop over matrices; its steps are in elements, 0 where an operand
   * is broadcast (or, for C, where the loop sums into one matrix). */
  guint ndim;
  gsize batch[DZ_ARRAY_MAX_NDIM];
  gssize a_step[DZ_ARRAY_MAX_NDIM];
  gssize b_step[DZ_ARRAY_MAX_NDIM];
  gssize c_step[DZ_ARRAY_MAX_NDIM];
  /* C is zeroed and every gemm adds into it. */
  gboolean accumulate;
  gsize c_size;
} Gemm;

/* The steps of a stack of @matrix-element matrices with batch axes
 * @shape[0..@ndim) in a loop over @batch (@batch_ndim axes, its trailing
 * ones aligned with @shape's): 0 on the axes it is broadcast along. */
static void
batch_steps (const gsize *shape,
             guint        ndim,
             gsize        matrix,
             const gsize *batch,
             guint        batch_ndim,
             gssize      *steps)
{
  gsize stride = matrix;
  guint lead = batch_ndim - ndim;

  for (guint d = batch_ndim; d-- > 0;)
    {
      if (d < lead || shape[d - lead] != batch[d])
        steps[d] = 0;
      else
        {
          steps[d] = (gssize) stride;
          stride *= shape[d - lead];
        }
    }
}

/* Whether @steps are those of a contiguous stack of @matrix-element
 * matrices over the whole loop. */
static gboolean
steps_contiguous (const Gemm   *g,
                  const gssize *steps,
                  gsize         matrix)
{
  gsize stride = matrix;

  for (guint d = g->ndim; d-- > 0;)
    {
      if (steps[d] != (gssize) stride)
        return FALSE;
      stride *= g->batch[d];
    }
  return TRUE;
}

static gboolean
steps_zero (const Gemm   *g,
            const gssize *steps)
{
  for (guint d = 0; d < g->ndim; d++)
    if (steps[d] != 0)
      return FALSE;
  return TRUE;
}

/* Plans op(A) @ op(B) for A of shape @as and B of shape @bs (both with at
 * least 2 axes: vectors promoted as NumPy does) into C of batch shape
 * @cs[0..@cn - 2) broadcast to the product's batch (@cs NULL: C of the
 * product's own shape, given in @out_shape). FALSE when the inner lengths
 * differ or the batches do not broadcast. */
static gboolean
gemm_plan (Gemm        *g,
           const gsize *as,
           guint        an,
           gboolean     trans_a,
           const gsize *bs,
           guint        bn,
           gboolean     trans_b,
           const gsize *cs,
           guint        cn,
           gsize       *out_shape,
           guint       *out_ndim)
{
  gsize a_rows = as[an - 2], a_cols = as[an - 1];
  gsize b_rows = bs[bn - 2], b_cols = bs[bn - 1];
  guint ndim = MAX (an, bn) - 2;
  gsize total = 1;
  guint kept = 0;

  g->trans_a = trans_a;
  g->trans_b = trans_b;
  g->m = trans_a ? a_cols : a_rows;
  g->k = trans_a ? a_rows : a_cols;
  g->n = trans_b ? b_rows : b_cols;
  if ((trans_b ? b_cols : b_rows) != g->k)
    return FALSE;
  g->lda = a_cols;
  g->ldb = b_cols;
  g->ldc = g->n;

  for (guint d = 0; d < ndim; d++)
    {
      gsize da = d + an - 2 < ndim ? 1 : as[d + an - 2 - ndim];
      gsize db = d + bn - 2 < ndim ? 1 : bs[d + bn - 2 - ndim];

      if (da != db && da != 1 && db != 1)
        return FALSE;
      g->batch[d] = da == 1 ? db : da;
      total *= g->batch[d];
    }
  batch_steps (as, an - 2, a_rows * a_cols, g->batch, ndim, g->a_step);
  batch_steps (bs, bn - 2, b_rows * b_cols, g->batch, ndim, g->b_step);
  if (cs == NULL)
    {
      memcpy (out_shape, g->batch, ndim * sizeof (gsize));
      out_shape[ndim] = g->m;
      out_shape[ndim + 1] = g->n;
      *out_ndim = ndim + 2;
      batch_steps (g->batch, ndim, g->m * g->n, g->batch, ndim, g->c_step);
      g->c_size = total * g->m * g->n;
    }
  else
    {
      g_assert (cn - 2 <= ndim);
      batch_steps (cs, cn - 2, g->m * g->n, g->batch, ndim, g->c_step);
      g->c_size = g->m * g->n;
      for (guint d = 0; d < cn - 2; d++)
        g->c_size *= cs[d];
    }

  /* Axes of length 1 need no loop; a C step of 0 along a longer axis (or
   * along an empty one) sums the products into one matrix. */
  g->accumulate = FALSE;
  for (guint d = 0; d < ndim; d++)
    {
      if (g->batch[d] == 1)
        continue;
      if (g->c_step[d] == 0)
        g->accumulate = TRUE;
      g->batch[kept] = g->batch[d];
      g->a_step[kept] = g->a_step[d];
      g->b_step[kept] = g->b_step[d];
      g->c_step[kept] = g->c_step[d];
      kept++;
    }
  g->ndim = kept;
  if (kept == 0 || total == 0)
    return TRUE;

  /* Two batches are one gemm in disguise, the shapes of linear layers on
   * batches of sequences and of their weight gradients: a contiguous A
   * times one B is a single product with m * total rows, and a contiguous
   * A^T times a contiguous B summed over the batch is one product with an
   * inner length of k * total. One call instead of total small ones. */
  if (!trans_a && !g->accumulate && steps_zero (g, g->b_step)
      && steps_contiguous (g, g->a_step, g->m * g->k)
      && steps_contiguous (g, g->c_step, g->m * g->n))
    {
      g->m *= total;
      g->ndim = 0;
    }
  else if (trans_a && !trans_b && g->accumulate && steps_zero (g, g->c_step)
           && steps_contiguous (g, g->a_step, g->k * g->m)
           && steps_contiguous (g, g->b_step, g->k * g->n))
    {
      g->k *= total;
      g->ndim = 0;
      g->accumulate = FALSE;
    }
  return TRUE;
}

/* Runs @g on the values @a, @b into @c (C = op(A) op(B) + beta C outside
 * an accumulating loop). */
static void
gemm_run (const Gemm  *g,
          DzDtype      dtype,
          const void  *a,
          const void  *b,
          double       beta,
          void        *c)
{
  gsize item = dz_dtype_get_item_size (dtype);
  const guint8 *pa = a, *pb = b;
  guint8 *pc = c;
  gsize index[DZ_ARRAY_MAX_NDIM] = { 0, };
  gint d;

  if (g->ndim == 0)
    {
      dz_kernel_gemm (dtype, g->trans_a, g->trans_b, g->m, g->n, g->k, a, g->lda, b, g->ldb,
                      beta, c, g->ldc);
      return;
    }

  if (g->accumulate)
    {
      memset (c, 0, g->c_size * item);
      beta = 1;
    }
  for (guint i = 0; i < g->ndim; i++)
    if (g->batch[i] == 0)
      return;

  for (;;)
    {
      dz_kernel_gemm (dtype, g->trans_a, g->trans_b, g->m, g->n, g->k, pa, g->lda, pb, g->ldb,
                      beta, pc, g->ldc);
      for (d = (gint) g->ndim - 1; d >= 0; d--)
        {
          pa += g->a_step[d] * item;
          pb += g->b_step[d] * item;
          pc += g->c_step[d] * item;
          if (++index[d] < g->batch[d])
            break;
          pa -= g->a_step[d] * g->batch[d] * item;
          pb -= g->b_step[d] * g->batch[d] * item;
          pc -= g->c_step[d] * g->batch[d] * item;
          index[d] = 0;
        }
      if (d < 0)
        return;
    }
}

/* The shape of @x as a product operand: a vector is promoted to a row
 * (operand A) or a column (operand B), as NumPy does. */
static guint
promoted_shape (DzArray  *x,
                gboolean  is_b,
                gsize    *shape)
{
  if (x->ndim >= 2)
    {
      memcpy (shape, x->shape, x->ndim * sizeof (gsize));
      return x->ndim;
    }
  shape[0] = is_b ? x->shape[0] : 1;
  shape[1] = is_b ? 1 : x->shape[0];
  return 2;
}

static gboolean
check_operands (const char  *op,
                DzArray     *a,
                DzArray     *b,
                GError     **error)
{
  if (!dz_op_check_float (op, a, error) || !dz_op_check_float (op, b, error))
    return FALSE;
  if (a->ndim == 0 || b->ndim == 0)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "%s: Input operand %d does not have enough dimensions (a 0-d value); "
                   "use mul for a product with a scalar", op, a->ndim == 0 ? 0 : 1);
      return FALSE;
    }
  return TRUE;
}

/* Plans op(a) @ op(b) with NumPy's matmul semantics and gives the
 * output's shape; FALSE when the shapes do not fit (no error set). A
 * transposed vector is the vector itself. */
static gboolean
plan_product (Gemm     *g,
              DzArray  *a,
              DzArray  *b,
              gboolean  trans_a,
              gboolean  trans_b,
              gsize    *shape,
              guint    *ndim)
{
  gsize as[DZ_ARRAY_MAX_NDIM], bs[DZ_ARRAY_MAX_NDIM];
  guint an = promoted_shape (a, FALSE, as);
  guint bn = promoted_shape (b, TRUE, bs);

  if (!gemm_plan (g, as, an, trans_a && a->ndim >= 2, bs, bn, trans_b && b->ndim >= 2,
                  NULL, 0, shape, ndim))
    return FALSE;

  /* The axes of length 1 a vector was promoted with are dropped again. */
  if (b->ndim == 1)
    *ndim -= 1;
  if (a->ndim == 1)
    {
      if (b->ndim >= 2)
        shape[*ndim - 2] = shape[*ndim - 1];
      *ndim -= 1;
    }
  return TRUE;
}

/* The error of a product whose shapes do not fit, worded as NumPy's. */
static void
set_shape_error (const char  *op,
                 DzArray     *a,
                 DzArray     *b,
                 gboolean     trans_a,
                 gboolean     trans_b,
                 GError     **error)
{
  g_autofree char *sa = dz_array_shape_to_string (a);
  g_autofree char *sb = dz_array_shape_to_string (b);
  guint a_dim, b_dim;

  trans_a = trans_a && a->ndim >= 2;
  trans_b = trans_b && b->ndim >= 2;
  a_dim = trans_a ? a->ndim - 2 : a->ndim - 1;
  b_dim = b->ndim == 1 ? 0 : trans_b ? b->ndim - 1 : b->ndim - 2;
  if (a->shape[a_dim] != b->shape[b_dim])
    g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                 "%s: shapes %s%s and %s%s not aligned: %" G_GSIZE_FORMAT " (dim %u) != %"
                 G_GSIZE_FORMAT " (dim %u)", op, sa, trans_a ? " (transposed)" : "",
                 sb, trans_b ? " (transposed)" : "",
                 a->shape[a_dim], a_dim, b->shape[b_dim], b_dim);
  else
    g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                 "%s: the batch axes of shapes %s and %s cannot be broadcast together",
                 op, sa, sb);
}

/* op(a) @ op(b) into a new array; when @bias is given (see bias_fits()),
 * plus @bias: the output is filled with it first and the gemm adds onto
 * it (beta = 1), one pass over the output. */
static DzArray *
product (const char  *op,
         DzArray     *a,
         DzArray     *b,
         gboolean     trans_a,
         gboolean     trans_b,
         DzArray     *bias,
         GError     **error)
{
  gsize shape[DZ_ARRAY_MAX_NDIM];
  guint ndim;
  Gemm g;
  DzDtype dtype;
  g_autoptr(DzArray) ca = NULL;
  g_autoptr(DzArray) cb = NULL;
  g_autoptr(DzArray) cbias = NULL;
  DzArray *y;

  if (!check_operands (op, a, b, error))
    return NULL;
  if (!plan_product (&g, a, b, trans_a, trans_b, shape, &ndim))
    {
      set_shape_error (op, a, b, trans_a, trans_b, error);
      return NULL;
    }

  dtype = a->dtype == b->dtype ? a->dtype : DZ_DTYPE_FLOAT64;
  /* A 0-d bias takes the product's dtype, as in NumPy's value-based
   * casting. */
  if (bias != NULL && bias->dtype != dtype && bias->ndim > 0)
    dtype = DZ_DTYPE_FLOAT64;
  if (a->dtype != dtype && (a = ca = dz_array_astype (a, dtype, error)) == NULL)
    return NULL;
  if (b->dtype != dtype && (b = cb = dz_array_astype (b, dtype, error)) == NULL)
    return NULL;
  if (bias != NULL && bias->dtype != dtype
      && (bias = cbias = dz_array_astype (bias, dtype, error)) == NULL)
    return NULL;

  y = dz_array_new_uninitialized (dtype, shape, ndim, error);
  if (y == NULL || y->size == 0)
    return y;

  if (bias != NULL)
    {
      gsize last = ndim > 0 ? shape[ndim - 1] : 1;

      /* The usual bias, one row: copied row by row. */
      if (bias->size == last && (bias->ndim == 0 || bias->shape[bias->ndim - 1] == last))
        {
          gsize row = last * dz_dtype_get_item_size (dtype);

          for (gsize i = 0; i < y->size / last; i++)
            memcpy ((guint8 *) y->data + i * row, bias->data, row);
        }
      else
        {
          gssize strides[DZ_ARRAY_MAX_NDIM];

          dz_broadcast_strides (bias->shape, bias->ndim, ndim, strides);
          dz_kernel_copy_strided (dtype, ndim, shape, bias->data, strides, y->data);
        }
    }
  gemm_run (&g, dtype, a->data, b->data, bias != NULL ? 1.0 : 0.0, y->data);
  return y;
}

/* Whether @bias broadcasts to the shape of a @ b without growing it, so
 * that product() can add it; also TRUE when the product itself fails (it
 * then reports why). */
static gboolean
bias_fits (DzArray *a,
           DzArray *b,
           DzArray *bias)
{
  gsize shape[DZ_ARRAY_MAX_NDIM];
  guint ndim;
  Gemm g;

  if (a->ndim == 0 || b->ndim == 0 || !plan_product (&g, a, b, FALSE, FALSE, shape, &ndim))
    return TRUE;
  if (bias->ndim > ndim)
    return FALSE;
  for (guint d = 0; d < bias->ndim; d++)
    {
      gsize length = bias->shape[bias->ndim - 1 - d];

      if (length != 1 && length != shape[ndim - 1 - d])
        return FALSE;
    }
  return TRUE;
}

/* The gradients of y = op(a) @ op(b) on arrays, into @ga and @gb (either
 * NULL when not wanted), each of its input's shape:
 *   ga = gy @ op(b)^T (or its transpose when trans_a),
 *   gb = op(a)^T @ gy (or its transpose when trans_b),
 * products of the same gemm on the stored operands, summed over the batch
 * axes the input was broadcast along. */
/* Where gradient i goes, or NULL when input i requires none: a batch of
 * data in the first layer then costs no product. */
#define WANTED(i) (dz_op_input_needs_grad (i) ? &gxs[i] : NULL)

static gboolean
product_gradients (DzArray   *a,
                   DzArray   *b,
                   gboolean   trans_a,
                   gboolean   trans_b,
                   DzArray   *gy,
                   DzArray  **ga,
                   DzArray  **gb,
                   GError   **error)
{
  gsize as[DZ_ARRAY_MAX_NDIM], bs[DZ_ARRAY_MAX_NDIM], gs[DZ_ARRAY_MAX_NDIM];
  gsize unused[DZ_ARRAY_MAX_NDIM];
  guint an, bn, gn, ndim;
  DzDtype dtype = gy->dtype;
  g_autoptr(DzArray) ca = NULL;
  g_autoptr(DzArray) cb = NULL;
  Gemm g;
  gboolean planned;

  trans_a = trans_a && a->ndim >= 2;
  trans_b = trans_b && b->ndim >= 2;
  an = promoted_shape (a, FALSE, as);
  bn = promoted_shape (b, TRUE, bs);
  /* gy with the product's promoted axes put back. */
  gn = gy->ndim + (a->ndim == 1) + (b->ndim == 1);
  memcpy (gs, gy->shape, (gn - 2) * sizeof (gsize));
  gs[gn - 2] = a->ndim == 1 ? 1 : gy->shape[gn - 2];
  gs[gn - 1] = b->ndim == 1 ? 1 : gy->shape[gy->ndim - 1];

  if (a->dtype != dtype && (a = ca = dz_array_astype (a, dtype, error)) == NULL)
    return FALSE;
  if (b->dtype != dtype && (b = cb = dz_array_astype (b, dtype, error)) == NULL)
    return FALSE;

  if (ga != NULL)
    {
      if (trans_a)
        planned = gemm_plan (&g, bs, bn, trans_b, gs, gn, TRUE, as, an, unused, &ndim);
      else
        planned = gemm_plan (&g, gs, gn, FALSE, bs, bn, !trans_b, as, an, unused, &ndim);
      /* The forward's shapes fitted, so do their gradients'. */
      g_assert (planned);
      *ga = dz_array_new_uninitialized (dtype, a->shape, a->ndim, error);
      if (*ga == NULL)
        return FALSE;
      if ((*ga)->size > 0)
        {
          if (trans_a)
            gemm_run (&g, dtype, b->data, gy->data, 0.0, (*ga)->data);
          else
            gemm_run (&g, dtype, gy->data, b->data, 0.0, (*ga)->data);
        }
    }
  if (gb != NULL)
    {
      if (trans_b)
        planned = gemm_plan (&g, gs, gn, TRUE, as, an, trans_a, bs, bn, unused, &ndim);
      else
        planned = gemm_plan (&g, as, an, !trans_a, gs, gn, FALSE, bs, bn, unused, &ndim);
      g_assert (planned);
      *gb = dz_array_new_uninitialized (dtype, b->shape, b->ndim, error);
      if (*gb == NULL)
        {
          if (ga != NULL)
            g_clear_object (ga);
          return FALSE;
        }
      if ((*gb)->size > 0)
        {
          if (trans_b)
            gemm_run (&g, dtype, gy->data, a->data, 0.0, (*gb)->data);
          else
            gemm_run (&g, dtype, a->data, gy->data, 0.0, (*gb)->data);
        }
    }
  return TRUE;
}

/* matmul with transposed operands, recorded: what the backward passes
 * are written with. */
static DzVariable *matmul_trans (DzVariable  *a,
                                 DzVariable  *b,
                                 gboolean     trans_a,
                                 gboolean     trans_b,
                                 GError     **error);

/* @x as a product operand: a vector reshaped to a row or a column. */
static DzVariable *
promoted_variable (DzVariable  *x,
                   gboolean     is_b,
                   GError     **error)
{
  DzArray *data = dz_variable_peek_data (x);
  gsize shape[2];
  gssize dims[2];

  if (data->ndim >= 2)
    return g_object_ref (x);
  promoted_shape (data, is_b, shape);
  dims[0] = shape[0];
  dims[1] = shape[1];
  return dz_reshape (x, dims, 2, error);
}

/* The gradient @gx of the promoted operand @px, summed to its shape and
 * given the shape of @x; consumes @gx. */
static DzVariable *
gradient_to_input (DzVariable  *gx,
                   DzVariable  *px,
                   DzVariable  *x,
                   GError     **error)
{
  DzArray *data = dz_variable_peek_data (x);
  gssize dims[DZ_ARRAY_MAX_NDIM];
  DzVariable *shaped;

  if (gx == NULL || (gx = dz_op_sum_to_input (gx, px, error)) == NULL)
    return NULL;
  if (px == x)
    return gx;
  for (guint d = 0; d < data->ndim; d++)
    dims[d] = data->shape[d];
  shaped = dz_reshape (gx, dims, data->ndim, error);
  g_object_unref (gx);
  return shaped;
}

/* The differentiable gradients of y = op(a) @ op(b) (see
 * product_gradients()), written with matmul itself so that they can be
 * differentiated again. */
static gboolean
product_backward (DzVariable  *a,
                  DzVariable  *b,
                  gboolean     trans_a,
                  gboolean     trans_b,
                  DzVariable  *gy,
                  DzVariable **ga,
                  DzVariable **gb,
                  GError     **error)
{
  DzArray *ad = dz_variable_peek_data (a), *bd = dz_variable_peek_data (b);
  g_autoptr(DzVariable) pa = NULL;
  g_autoptr(DzVariable) pb = NULL;
  g_autoptr(DzVariable) pgy = NULL;
  DzVariable *g;

  if (ad == NULL || bd == NULL)
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_NO_DATA, "An input of a product has no data");
      return FALSE;
    }
  trans_a = trans_a && ad->ndim >= 2;
  trans_b = trans_b && bd->ndim >= 2;
  if ((pa = promoted_variable (a, FALSE, error)) == NULL
      || (pb = promoted_variable (b, TRUE, error)) == NULL)
    return FALSE;
  if (ad->ndim == 1 || bd->ndim == 1)
    {
      guint gn;
      const gsize *shape = dz_variable_get_shape (gy, &gn);
      gssize dims[DZ_ARRAY_MAX_NDIM];
      guint n = gn + (ad->ndim == 1) + (bd->ndim == 1);

      for (guint d = 0; d < n - 2; d++)
        dims[d] = shape[d];
      dims[n - 2] = ad->ndim == 1 ? 1 : (gssize) shape[n - 2];
      dims[n - 1] = bd->ndim == 1 ? 1 : (gssize) shape[gn - 1];
      if ((pgy = dz_reshape (gy, dims, n, error)) == NULL)
        return FALSE;
    }
  else
    pgy = g_object_ref (gy);

  if (ga != NULL)
    {
      g = trans_a ? matmul_trans (pb, pgy, trans_b, TRUE, error)
                  : matmul_trans (pgy, pb, FALSE, !trans_b, error);
      if ((*ga = gradient_to_input (g, pa, a, error)) == NULL)
        return FALSE;
    }
  if (gb != NULL)
    {
      g = trans_b ? matmul_trans (pgy, pa, TRUE, trans_a, error)
                  : matmul_trans (pa, pgy, !trans_a, FALSE, error);
      if ((*gb = gradient_to_input (g, pb, b, error)) == NULL)
        return FALSE;
    }
  return TRUE;
}

/* MatMul: y = op(a) @ op(b);  ga = gy @ op(b)^T, gb = op(a)^T @ gy (the
 * transposes of those for a transposed operand) */
static DzArray *
matmul_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  const MatmulParams *params = p;

  return product ("matmul", xs[0], xs[1], params->trans_a, params->trans_b, NULL, error);
}

static gboolean
matmul_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
                 GError **error)
{
  const MatmulParams *params = p;
  gboolean ok;

  ok = product_gradients (xs[0], xs[1], params->trans_a, params->trans_b, gy,
                          WANTED (0), WANTED (1), error);
  g_object_unref (gy);
  return ok;
}

static gboolean
matmul_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                 DzVariable **gxs, GError **error)
{
  const MatmulParams *params = p;

  return product_backward (xs[0], xs[1], params->trans_a, params->trans_b, gy,
                           &gxs[0], &gxs[1], error);
}

static DzOpDef matmul_def = {
  .name = "matmul", .class_name = "MatMul", .n_inputs = 2, .needs = DZ_OP_NEEDS_INPUTS,
  .params_size = sizeof (MatmulParams), .params = matmul_params,
  .n_params = G_N_ELEMENTS (matmul_params),
  .forward = matmul_forward, .gradient = matmul_gradient, .backward = matmul_backward,
};

static DzVariable *
matmul_trans (DzVariable  *a,
              DzVariable  *b,
              gboolean     trans_a,
              gboolean     trans_b,
              GError     **error)
{
  MatmulParams params = { trans_a, trans_b };
  DzVariable *inputs[2] = { a, b };

  return dz_op_apply (&matmul_def, &params, inputs, 2, error);
}

/**
 * dz_matmul:
 * @a: a #DzVariable of at least one axis
 * @b: a #DzVariable of at least one axis
 * @error: return location for a #GError
 *
 * The matrix product `a @ b`, as NumPy's `matmul()`: two matrices give
 * their product; operands of more axes are stacks of matrices in their
 * last two axes, whose leading (batch) axes broadcast; a vector as @a is
 * a row and as @b a column, whose axis of length 1 is removed from the
 * output (two vectors give their inner product, a 0-d value).
 *
 * float32 operands give a float32 product, float64 ones (or a mix) a
 * float64 one, computed by BLAS. The gradients are products too, of the
 * operands read transposed in place; the gradient of an operand broadcast
 * along batch axes is summed over them.
 *
 * Returns: (transfer full): the product, or %NULL with
 *   %DZ_ERROR_SHAPE_MISMATCH when the inner lengths differ, the batch
 *   axes do not broadcast or an operand is 0-d, or
 *   %DZ_ERROR_INVALID_DTYPE for an int64 operand
 */
DzVariable *
dz_matmul (DzVariable  *a,
           DzVariable  *b,
           GError     **error)
{
  g_return_val_if_fail (DZ_IS_VARIABLE (a), NULL);
  g_return_val_if_fail (DZ_IS_VARIABLE (b), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return matmul_trans (a, b, FALSE, FALSE, error);
}

/* Linear: y = x @ W + b, b optional;  gx = gy @ W^T, gW = x^T @ gy,
 * gb = gy summed to b's shape */
static gboolean
linear_check (const void *p, DzArray **xs, guint n, GError **error)
{
  if (n == 2 || n == 3)
    return TRUE;
  g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT,
               "Linear takes 2 inputs (x, W) or 3 (x, W, b), not %u", n);
  return FALSE;
}

static DzArray *
linear_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  DzArray *y;

  if (n < 3)
    return product ("linear", xs[0], xs[1], FALSE, FALSE, NULL, error);
  if (!dz_op_check_float ("linear", xs[2], error))
    return NULL;
  if (bias_fits (xs[0], xs[1], xs[2]))
    return product ("linear", xs[0], xs[1], FALSE, FALSE, xs[2], error);

  /* A bias of more axes than the product grows the output: not fused. */
  y = product ("linear", xs[0], xs[1], FALSE, FALSE, NULL, error);
  return y ? dz_array_binary_take (DZ_BINARY_ADD, y, xs[2], error) : NULL;
}

static gboolean
linear_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
                 GError **error)
{
  g_autoptr(DzArray) gt = NULL;
  gboolean ok;

  /* The product's gradient is gy, unless a bias grew the output: then gy
   * summed back to the product's shape. */
  if (n == 3 && !bias_fits (xs[0], xs[1], xs[2]))
    {
      gsize shape[DZ_ARRAY_MAX_NDIM];
      guint ndim;
      Gemm g;

      plan_product (&g, xs[0], xs[1], FALSE, FALSE, shape, &ndim);
      gt = dz_array_sum_to (gy, shape, ndim, error);
    }
  else
    gt = g_object_ref (gy);

  ok = gt != NULL
       && product_gradients (xs[0], xs[1], FALSE, FALSE, gt, WANTED (0), WANTED (1), error)
       && (n < 3 || (gxs[2] = dz_array_sum_to (gy, xs[2]->shape, xs[2]->ndim, error)) != NULL);
  g_object_unref (gy);
  return ok;
}

static gboolean
linear_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
                 DzVariable **gxs, GError **error)
{
  g_autoptr(DzVariable) gt = NULL;
  DzArray *x = dz_variable_peek_data (xs[0]), *W = dz_variable_peek_data (xs[1]);
  DzArray *b = n == 3 ? dz_variable_peek_data (xs[2]) : NULL;

  if (x == NULL || W == NULL || (n == 3 && b == NULL))
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_NO_DATA, "An input of Linear has no data");
      return FALSE;
    }
  if (b != NULL && !bias_fits (x, W, b))
    {
      gsize shape[DZ_ARRAY_MAX_NDIM];
      guint ndim;
      Gemm g;

      plan_product (&g, x, W, FALSE, FALSE, shape, &ndim);
      gt = dz_sum_to (gy, shape, ndim, error);
    }
  else
    gt = g_object_ref (gy);

  return gt != NULL
         && product_backward (xs[0], xs[1], FALSE, FALSE, gt, &gxs[0], &gxs[1], error)
         && (b == NULL || (gxs[2] = dz_sum_to (gy, b->shape, b->ndim, error)) != NULL);
}

static DzOpDef linear_def = {
  .name = "linear", .class_name = "Linear", .n_inputs = 0, .needs = DZ_OP_NEEDS_INPUTS,
  .check = linear_check, .forward = linear_forward,
  .gradient = linear_gradient, .backward = linear_backward,
};

/**
 * dz_linear:
 * @x: the inputs, a #DzVariable of shape (..., in)
 * @W: the weights, a #DzVariable of shape (in, out)
 * @b: (nullable): the bias, a #DzVariable of shape (out,), or %NULL for
 *   none
 * @error: return location for a #GError
 *
 * The affine map of a fully connected layer, `x @ W + b`, as DeZero's
 * `F.linear()` (W is (in, out)). One operation rather than a product and
 * a sum: the output starts as the bias and the product is added onto it
 * by BLAS, and the gradients (`gy @ W^T`, `x^T @ gy` and `gy` summed over
 * the rows) read the operands in place.
 *
 * Returns: (transfer full): the output, or %NULL with @error set as
 *   dz_matmul() sets it, or %DZ_ERROR_SHAPE_MISMATCH when @b does not
 *   broadcast with the product
 */
DzVariable *
dz_linear (DzVariable  *x,
           DzVariable  *W,
           DzVariable  *b,
           GError     **error)
{
  DzVariable *inputs[3] = { x, W, b };

  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (DZ_IS_VARIABLE (W), NULL);
  g_return_val_if_fail (b == NULL || DZ_IS_VARIABLE (b), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return dz_op_apply (&linear_def, NULL, inputs, b != NULL ? 3 : 2, error);
}

/* Dot: NumPy's dot for vectors and matrices, which is matmul there */
static gboolean
dot_check (const void *p, DzArray **xs, guint n, GError **error)
{
  if (xs[0]->ndim >= 1 && xs[0]->ndim <= 2 && xs[1]->ndim >= 1 && xs[1]->ndim <= 2)
    return TRUE;
  {
    g_autofree char *sa = dz_array_shape_to_string (xs[0]);
    g_autofree char *sb = dz_array_shape_to_string (xs[1]);

    g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                 "dot takes vectors and matrices, not shapes %s and %s: "
                 "use mul for a scalar, matmul for stacks of matrices", sa, sb);
    return FALSE;
  }
}

static DzArray *
dot_forward (const void *p, DzArray **xs, guint n, GError **error)
{
  return product ("dot", xs[0], xs[1], FALSE, FALSE, NULL, error);
}

static gboolean
dot_gradient (const void *p, DzArray **xs, guint n, DzArray *y, DzArray *gy, DzArray **gxs,
              GError **error)
{
  gboolean ok = product_gradients (xs[0], xs[1], FALSE, FALSE, gy, WANTED (0), WANTED (1), error);

  g_object_unref (gy);
  return ok;
}

static gboolean
dot_backward (const void *p, DzVariable **xs, guint n, DzVariable *y, DzVariable *gy,
              DzVariable **gxs, GError **error)
{
  return product_backward (xs[0], xs[1], FALSE, FALSE, gy, &gxs[0], &gxs[1], error);
}

static DzOpDef dot_def = {
  .name = "dot", .class_name = "Dot", .n_inputs = 2, .needs = DZ_OP_NEEDS_INPUTS,
  .check = dot_check, .forward = dot_forward,
  .gradient = dot_gradient, .backward = dot_backward,
};

/**
 * dz_dot:
 * @a: a #DzVariable of one or two axes
 * @b: a #DzVariable of one or two axes
 * @error: return location for a #GError
 *
 * NumPy's `dot()` for vectors and matrices: the inner product of two
 * vectors (a 0-d value), otherwise the matrix product, as dz_matmul().
 * NumPy's other cases are not taken: a scalar operand (use dz_mul()) and
 * operands of more than two axes, whose `dot()` pairs every matrix of one
 * with every matrix of the other (dz_matmul() broadcasts them instead).
 *
 * Returns: (transfer full): the product, or %NULL with
 *   %DZ_ERROR_SHAPE_MISMATCH (lengths that differ, an operand of no or
 *   more than two axes) or %DZ_ERROR_INVALID_DTYPE (int64)
 */
DzVariable *
dz_dot (DzVariable  *a,
        DzVariable  *b,
        GError     **error)
{
  DzVariable *inputs[2] = { a, b };

  g_return_val_if_fail (DZ_IS_VARIABLE (a), NULL);
  g_return_val_if_fail (DZ_IS_VARIABLE (b), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return dz_op_apply (&dot_def, NULL, inputs, 2, error);
}

DzOpDef *const dz_ops_linalg[] = {
  &matmul_def, &linear_def, &dot_def, NULL,
};
