/* test-conv.c: convolutions and pooling against plain loops and against
 * im2col + matmul, their gradients and their errors
 *
 * The op cases (tests/ops/cases/conv.json) check every op's first and
 * second derivatives and float32; here the values themselves, the
 * gradients of whole configurations, the batch chunking and the errors.
 *
 * SPDX-License-Identifier: MIT
 */

#include "dz-test-utils.h"

typedef struct
{
  gsize n, c, h, w, oc, kh, kw;
  gint sh, sw, ph, pw;
} Config;

/* Strides, pads, odd and non-square sizes, batch 1, one channel. */
static const Config configs[] = {
  { 2, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1 },
  { 1, 2, 7, 6, 3, 3, 2, 2, 1, 1, 0 },
  { 2, 1, 6, 7, 2, 2, 3, 2, 3, 0, 1 },
  { 1, 3, 4, 4, 2, 4, 4, 1, 1, 0, 0 },
  { 3, 2, 5, 4, 3, 1, 1, 1, 1, 0, 0 },
  { 1, 1, 9, 8, 2, 5, 3, 3, 2, 2, 1 },
};

static gsize
out_size (gsize in, gsize k, gint s, gint p)
{
  return (in + 2 * p - k) / s + 1;
}

/* x[n, c, y, x] of the contiguous @v, 0 outside the image. */
static double
at (const double *v, const Config *g, gsize n, gsize c, gssize y, gssize x)
{
  if (y < 0 || x < 0 || y >= (gssize) g->h || x >= (gssize) g->w)
    return 0;
  return v[((n * g->c + c) * g->h + y) * g->w + x];
}

/* The convolution as its definition, a loop per index. */
static DzArray *
reference_conv (const Config *g, DzArray *x, DzArray *W, DzArray *b)
{
  gsize oh = out_size (g->h, g->kh, g->sh, g->ph), ow = out_size (g->w, g->kw, g->sw, g->pw);
  gsize shape[4] = { g->n, g->oc, oh, ow };
  const double *xv = dz_array_get_values (x, NULL);
  const double *wv = dz_array_get_values (W, NULL);
  const double *bv = b ? dz_array_get_values (b, NULL) : NULL;
  g_autofree double *y = g_new0 (double, g->n * g->oc * oh * ow);
  gsize k = 0;

  for (gsize n = 0; n < g->n; n++)
    for (gsize o = 0; o < g->oc; o++)
      for (gsize i = 0; i < oh; i++)
        for (gsize j = 0; j < ow; j++, k++)
          {
            double sum = bv ? bv[o] : 0;

            for (gsize c = 0; c < g->c; c++)
              for (gsize p = 0; p < g->kh; p++)
                for (gsize q = 0; q < g->kw; q++)
                  sum += wv[((o * g->c + c) * g->kh + p) * g->kw + q]
                         * at (xv, g, n, c, (gssize) (i * g->sh + p) - g->ph,
                               (gssize) (j * g->sw + q) - g->pw);
            y[k] = sum;
          }
  return dz_array_new_from_values (y, k, shape, 4, NULL);
}

static DzArray *
randn (const gsize *shape, guint ndim, guint64 seed)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (seed);

  return dz_array_new_randn (shape, ndim, gen, NULL);
}

/* DeZero's conv2d_simple: im2col as a matrix, times W reshaped and
 * transposed, back to NCHW; none of it goes through conv2d's chunks. */
static DzVariable *
conv2d_simple (DzVariable *x, DzVariable *W, DzVariable *b, gint sh, gint sw, gint ph, gint pw)
{
  guint nd;
  const gsize *xs = dz_variable_get_shape (x, &nd);
  const gsize *ws = dz_variable_get_shape (W, &nd);
  gssize oh = out_size (xs[2], ws[2], sh, ph), ow = out_size (xs[3], ws[3], sw, pw);
  const gssize flat[2] = { ws[0], -1 }, nhwc[4] = { xs[0], oh, ow, ws[0] };
  const gint to_nchw[4] = { 0, 3, 1, 2 };
  g_autoptr(DzVariable) col = dz_im2col (x, ws[2], ws[3], sh, sw, ph, pw, TRUE, NULL);
  g_autoptr(DzVariable) wm = dz_reshape (W, flat, 2, NULL);
  g_autoptr(DzVariable) wt = dz_transpose (wm, NULL, 0, NULL);
  g_autoptr(DzVariable) t = dz_linear (col, wt, b, NULL);
  g_autoptr(DzVariable) y = dz_reshape (t, nhwc, 4, NULL);

  return dz_transpose (y, to_nchw, 4, NULL);
}

/* conv2d equals its definition and DeZero's conv2d_simple (im2col as a
 * matrix, times W reshaped and transposed, back to NCHW). */
static void
test_values (void)
{
  for (guint t = 0; t < G_N_ELEMENTS (configs); t++)
    {
      const Config *g = &configs[t];
      gsize xs[4] = { g->n, g->c, g->h, g->w }, ws[4] = { g->oc, g->c, g->kh, g->kw };
            g_autoptr(DzArray) xa = randn (xs, 4, 10 + t);
      g_autoptr(DzArray) wa = randn (ws, 4, 20 + t);
      g_autoptr(DzArray) ba = randn (&g->oc, 1, 30 + t);
      g_autoptr(DzArray) expected = reference_conv (g, xa, wa, ba);
      g_autoptr(DzVariable) x = dz_variable_new (xa);
      g_autoptr(DzVariable) W = dz_variable_new (wa);
      g_autoptr(DzVariable) b = dz_variable_new (ba);
      g_autoptr(DzVariable) y = NULL, t2 = NULL;
      g_autoptr(GError) error = NULL;

      y = dz_conv2d (x, W, b, g->sh, g->sw, g->ph, g->pw, &error);
      g_assert_no_error (error);
      dz_assert_allclose (dz_variable_get_data (y), expected, 1e-12, 1e-12);

      t2 = conv2d_simple (x, W, b, g->sh, g->sw, g->ph, g->pw);
      dz_assert_allclose (dz_variable_get_data (t2), expected, 1e-12, 1e-12);
    }
  dz_assert_no_live_objects ();
}

/* The transposed convolution is the adjoint of the convolution:
 * <conv (x, W), g> == <x, deconv (g, W)> for every x and g. */
static void
test_deconv_adjoint (void)
{
  for (guint t = 0; t < G_N_ELEMENTS (configs); t++)
    {
      const Config *g = &configs[t];
      gsize xs[4] = { g->n, g->c, g->h, g->w }, ws[4] = { g->oc, g->c, g->kh, g->kw };
      gsize gs[4] = { g->n, g->oc, out_size (g->h, g->kh, g->sh, g->ph),
                      out_size (g->w, g->kw, g->sw, g->pw) };
      g_autoptr(DzArray) xa = randn (xs, 4, 40 + t);
      g_autoptr(DzArray) wa = randn (ws, 4, 50 + t);
      g_autoptr(DzArray) ga = randn (gs, 4, 60 + t);
      g_autoptr(DzVariable) x = dz_variable_new (xa);
      g_autoptr(DzVariable) W = dz_variable_new (wa);
      g_autoptr(DzVariable) gv = dz_variable_new (ga);
      g_autoptr(DzVariable) y = NULL, d = NULL, p1 = NULL, p2 = NULL, s1 = NULL, s2 = NULL;
      g_autoptr(GError) error = NULL;
      guint ndim;

      y = dz_conv2d (x, W, NULL, g->sh, g->sw, g->ph, g->pw, &error);
      g_assert_no_error (error);
      /* W (OC, C, KH, KW) is deconv2d's (C_in, C_out, ...) from OC to C. */
      d = dz_deconv2d (gv, W, NULL, g->sh, g->sw, g->ph, g->pw, g->h, g->w, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (dz_variable_get_shape (d, &ndim), 4 * sizeof (gsize), xs, sizeof xs);
      p1 = dz_mul (y, gv, &error);
      p2 = dz_mul (x, d, &error);
      s1 = dz_sum (p1, NULL, 0, FALSE, &error);
      s2 = dz_sum (p2, NULL, 0, FALSE, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat_with_epsilon (dz_test_value (s1), dz_test_value (s2),
                                      1e-10 * (1 + fabs (dz_test_value (s1))));
    }
  dz_assert_no_live_objects ();
}

/* Pooling against loops over each window. */
static void
test_pooling_values (void)
{
  const gsize shape[4] = { 2, 3, 5, 6 };
  const struct { gint k, s, p; } cases[] = { { 2, 2, 0 }, { 3, 2, 1 }, { 3, 1, 0 }, { 2, 3, 1 } };
  g_autoptr(DzArray) xa = randn (shape, 4, 7);
  const double *xv = dz_array_get_values (xa, NULL);
  Config g = { 2, 3, 5, 6, 0, 0, 0, 0, 0, 0, 0 };

  for (guint t = 0; t < G_N_ELEMENTS (cases); t++)
    {
      gint k = cases[t].k, s = cases[t].s, p = cases[t].p;
      gsize oh = out_size (5, k, s, p), ow = out_size (6, k, s, p);
      g_autoptr(DzVariable) x = dz_variable_new (xa);
      g_autoptr(DzVariable) ymax = NULL, yavg = NULL;
      g_autoptr(GError) error = NULL;
      const double *mv, *av;

      ymax = dz_pooling (x, k, k, s, s, p, p, &error);
      yavg = dz_average_pooling (x, k, k, s, s, p, p, &error);
      g_assert_no_error (error);
      mv = dz_array_get_values (dz_variable_get_data (ymax), NULL);
      av = dz_array_get_values (dz_variable_get_data (yavg), NULL);
      for (gsize n = 0, q = 0; n < 2; n++)
        for (gsize c = 0; c < 3; c++)
          for (gsize i = 0; i < oh; i++)
            for (gsize j = 0; j < ow; j++, q++)
              {
                double m = -INFINITY, sum = 0;

                for (gint a = 0; a < k; a++)
                  for (gint b = 0; b < k; b++)
                    {
                      /* DeZero's padding is zeros, for the maximum too. */
                      double v = at (xv, &g, n, c, (gssize) i * s + a - p, (gssize) j * s + b - p);

                      m = MAX (m, v);
                      sum += v;
                    }
                g_assert_cmpfloat (mv[q], ==, m);
                g_assert_cmpfloat_with_epsilon (av[q], sum / (k * k), 1e-14);
              }
    }
  g_clear_object (&xa);
  dz_assert_no_live_objects ();
}

typedef struct
{
  const Config *g;
  DzVariable *x, *W, *b;
  guint wrt;
} GradCase;

static DzVariable *
conv_of (DzVariable *v, gpointer data)
{
  GradCase *c = data;
  DzVariable *x = c->wrt == 0 ? v : c->x, *W = c->wrt == 1 ? v : c->W;
  DzVariable *b = c->wrt == 2 ? v : c->b;
  g_autoptr(DzVariable) y = dz_conv2d (x, W, b, c->g->sh, c->g->sw, c->g->ph, c->g->pw, NULL);
  g_autoptr(DzVariable) t = y ? dz_tanh (y, NULL) : NULL;

  return t ? dz_sum (t, NULL, 0, FALSE, NULL) : NULL;
}

static DzVariable *
deconv_of (DzVariable *v, gpointer data)
{
  GradCase *c = data;
  DzVariable *x = c->wrt == 0 ? v : c->x, *W = c->wrt == 1 ? v : c->W;
  DzVariable *b = c->wrt == 2 ? v : c->b;
  g_autoptr(DzVariable) y = dz_deconv2d (x, W, b, c->g->sh, c->g->sw, c->g->ph, c->g->pw,
                                         c->g->h, c->g->w, NULL);
  g_autoptr(DzVariable) t = y ? dz_tanh (y, NULL) : NULL;

  return t ? dz_sum (t, NULL, 0, FALSE, NULL) : NULL;
}

/* The gradients of x, W and b through a nonlinearity, for every
 * configuration, in float64; deconv2d of the same geometry backwards. */
static void
test_gradients (void)
{
  for (guint t = 0; t < G_N_ELEMENTS (configs); t++)
    {
      const Config *g = &configs[t];
      gsize xs[4] = { g->n, g->c, g->h, g->w }, ws[4] = { g->oc, g->c, g->kh, g->kw };
      gsize gs[4] = { g->n, g->oc, out_size (g->h, g->kh, g->sh, g->ph),
                      out_size (g->w, g->kw, g->sw, g->pw) };
      g_autoptr(DzVariable) x = dz_test_randn (xs, 4, 70 + t);
      g_autoptr(DzVariable) W = dz_test_randn (ws, 4, 80 + t);
      g_autoptr(DzVariable) b = dz_test_randn (&g->oc, 1, 90 + t);
      g_autoptr(DzVariable) gx = dz_test_randn (gs, 4, 100 + t);
      g_autoptr(DzVariable) gb = dz_test_randn (&g->c, 1, 110 + t);
      GradCase c = { g, x, W, b, 0 };
      GradCase d = { g, gx, W, gb, 0 };

      for (c.wrt = 0; c.wrt < 3; c.wrt++)
        dz_assert_gradcheck (conv_of, &c, c.wrt == 0 ? x : c.wrt == 1 ? W : b);
      for (d.wrt = 0; d.wrt < 3; d.wrt++)
        dz_assert_gradcheck (deconv_of, &d, d.wrt == 0 ? gx : d.wrt == 1 ? W : gb);
    }
  dz_assert_no_live_objects ();
}

/* Batches larger than a chunk of patches (8 Mi values) are done in
 * several products (16 images of 576 x 1024 patch values: chunks of 14
 * and 2), and an image larger than a chunk alone: the same values and
 * weight gradients as conv2d_simple's, in float32. */
static void
test_chunks (void)
{
  const struct { gsize n, c, hw; } cases[] = { { 16, 64, 32 }, { 2, 16, 245 } };

  for (guint t = 0; t < G_N_ELEMENTS (cases); t++)
    {
      gsize xs[4] = { cases[t].n, cases[t].c, cases[t].hw, cases[t].hw };
      gsize ws[4] = { 4, cases[t].c, 3, 3 };
      g_autoptr(DzArray) x64 = randn (xs, 4, 1);
      g_autoptr(DzArray) w64 = randn (ws, 4, 2);
      g_autoptr(DzArray) xa = dz_array_astype (x64, DZ_DTYPE_FLOAT32, NULL);
      g_autoptr(DzArray) wa = dz_array_astype (w64, DZ_DTYPE_FLOAT32, NULL);
      g_autoptr(DzVariable) x = dz_variable_new (xa);
      g_autoptr(DzVariable) W = dz_variable_new (wa);
      g_autoptr(DzVariable) Wr = dz_variable_new (wa);
      g_autoptr(DzVariable) y = NULL, loss = NULL, yr = NULL, lr = NULL;
      g_autoptr(GError) error = NULL;

      g_clear_object (&x64);
      g_clear_object (&w64);
      y = dz_conv2d (x, W, NULL, 1, 1, 1, 1, &error);
      loss = y ? dz_sum (y, NULL, 0, FALSE, &error) : NULL;
      g_assert_no_error (error);
      g_assert_true (dz_variable_backward (loss, &error));
      yr = conv2d_simple (x, Wr, NULL, 1, 1, 1, 1);
      lr = dz_sum (yr, NULL, 0, FALSE, &error);
      g_assert_true (dz_variable_backward (lr, &error));
      g_assert_no_error (error);
      dz_assert_allclose (dz_variable_get_data (y), dz_variable_get_data (yr), 1e-4, 1e-3);
      dz_assert_allclose (dz_variable_get_data (dz_variable_get_grad (W)),
                          dz_variable_get_data (dz_variable_get_grad (Wr)), 1e-4, 1e-2);
    }
  dz_assert_no_live_objects ();
}

static void
expect_error (DzVariable *result, GError *error, gint code, const char *fragment)
{
  g_assert_null (result);
  g_assert_error (error, DZ_ERROR, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("\"%s\" does not say \"%s\"", error->message, fragment);
}

static void
check_errors (void)
{
  const gsize xs[4] = { 2, 3, 5, 5 }, ws[4] = { 4, 2, 3, 3 }, w6[4] = { 4, 3, 6, 6 };
  const gsize x3[3] = { 3, 5, 5 }, good[4] = { 4, 3, 3, 3 }, bs[1] = { 3 };
  g_autoptr(DzVariable) x = dz_test_randn (xs, 4, 1);
  g_autoptr(DzVariable) x_3d = dz_test_randn (x3, 3, 1);
  g_autoptr(DzVariable) W = dz_test_randn (ws, 4, 2);
  g_autoptr(DzVariable) W6 = dz_test_randn (w6, 4, 2);
  g_autoptr(DzVariable) Wg = dz_test_randn (good, 4, 2);
  g_autoptr(DzVariable) Wd = dz_test_randn ((gsize[]) { 3, 2, 3, 3 }, 4, 2);
  g_autoptr(DzVariable) b3 = dz_test_randn (bs, 1, 3);
  g_autoptr(DzArray) ints = dz_array_astype (dz_variable_get_data (x), DZ_DTYPE_INT64, NULL);
  g_autoptr(DzVariable) xi = dz_variable_new (ints);
  struct { DzVariable *r; gint code; const char *says; } cases[16];
  guint n = 0;
  GError *errors[16] = { NULL, };

#define CASE(call, c, s) (cases[n].r = (call), cases[n].code = (c), cases[n].says = (s), n++)
  CASE (dz_conv2d (x, W, NULL, 1, 1, 0, 0, &errors[n]), DZ_ERROR_SHAPE_MISMATCH,
        "x of shape (2, 3, 5, 5) has 3 channels but W of shape (4, 2, 3, 3) takes 2");
  CASE (dz_conv2d (x, W6, NULL, 1, 1, 0, 0, &errors[n]), DZ_ERROR_SHAPE_MISMATCH,
        "the 6x6 kernel is larger than the padded input (shape (2, 3, 5, 5), pad (0, 0))");
  CASE (dz_conv2d (x, Wg, NULL, 0, 1, 0, 0, &errors[n]), DZ_ERROR_INVALID_ARGUMENT,
        "stride must be at least 1, not (0, 1)");
  CASE (dz_conv2d (x, Wg, NULL, 1, 1, -1, 0, &errors[n]), DZ_ERROR_INVALID_ARGUMENT,
        "pad must be at least 0");
  CASE (dz_conv2d (x_3d, Wg, NULL, 1, 1, 0, 0, &errors[n]), DZ_ERROR_SHAPE_MISMATCH,
        "x must have 4 axes (N, C, H, W), not shape (3, 5, 5)");
  CASE (dz_conv2d (x, Wg, b3, 1, 1, 0, 0, &errors[n]), DZ_ERROR_SHAPE_MISMATCH,
        "b must have shape (4,) for W of shape (4, 3, 3, 3), not (3,)");
  CASE (dz_conv2d (xi, Wg, NULL, 1, 1, 0, 0, &errors[n]), DZ_ERROR_INVALID_DTYPE, "conv2d");
  CASE (dz_pooling (x_3d, 2, 2, 2, 2, 0, 0, &errors[n]), DZ_ERROR_SHAPE_MISMATCH,
        "pooling: the input must have 4 axes");
  CASE (dz_pooling (x, 2, 2, 2, -2, 0, 0, &errors[n]), DZ_ERROR_INVALID_ARGUMENT,
        "pooling: stride must be at least 1, not (2, -2)");
  CASE (dz_average_pooling (x, 0, 2, 1, 1, 0, 0, &errors[n]), DZ_ERROR_INVALID_ARGUMENT,
        "kernel_size must be at least 1");
  CASE (dz_im2col (x, 7, 7, 1, 1, 0, 0, TRUE, &errors[n]), DZ_ERROR_SHAPE_MISMATCH,
        "im2col: the 7x7 kernel is larger than the padded input");
  CASE (dz_col2im (x, xs, 4, 3, 3, 1, 1, 0, 0, TRUE, &errors[n]), DZ_ERROR_SHAPE_MISMATCH,
        "col2im: the patches of images (2, 3, 5, 5) have shape (18, 27), not (2, 3, 5, 5)");
  CASE (dz_col2im (x, xs, 3, 3, 3, 1, 1, 0, 0, TRUE, &errors[n]), DZ_ERROR_INVALID_ARGUMENT,
        "input_shape must be (N, C, H, W)");
  /* A 5x5 output convolves (stride 2, pad 0, 3x3) to 2x2, not 5x5. */
  CASE (dz_deconv2d (x, Wg, NULL, 2, 2, 0, 0, 5, 5, &errors[n]), DZ_ERROR_SHAPE_MISMATCH,
        "deconv2d: x of shape (2, 3, 5, 5) has 3 channels but W of shape (4, 3, 3, 3) takes 4");
  CASE (dz_deconv2d (x, Wd, b3, 1, 1, 0, 0, 0, 0, &errors[n]), DZ_ERROR_SHAPE_MISMATCH,
        "deconv2d: b must have shape (2,) for W of shape (3, 2, 3, 3), not (3,)");
#undef CASE
  for (guint i = 0; i < n; i++)
    {
      expect_error (cases[i].r, errors[i], cases[i].code, cases[i].says);
      g_clear_error (&errors[i]);
    }

  /* deconv2d with an output size that does not convolve back. */
  {
    const gsize ds[4] = { 1, 4, 3, 3 };
    g_autoptr(DzVariable) d = dz_test_randn (ds, 4, 5);
    g_autoptr(GError) error = NULL;
    DzVariable *r = dz_deconv2d (d, Wg, NULL, 2, 2, 0, 0, 9, 9, &error);

    expect_error (r, error,
                  DZ_ERROR_SHAPE_MISMATCH,
                  "an output of 9x9 convolves to 4x4, not to x's shape (1, 4, 3, 3)");
  }
  g_clear_object (&ints);
}

static void
test_errors (void)
{
  check_errors ();
  dz_assert_no_live_objects ();
}

/* Through dz_op_call(): ints or pairs, the stride 1 and the pad 0 by
 * default, and the parameters the op does not have refused. */
static void
check_op_call (void)
{
  const gsize xs[4] = { 1, 2, 6, 5 }, ws[4] = { 3, 2, 3, 2 };
  g_autoptr(DzVariable) x = dz_test_randn (xs, 4, 1);
  g_autoptr(DzVariable) W = dz_test_randn (ws, 4, 2);
  DzVariable *inputs[2] = { x, W };
  g_autoptr(DzVariable) direct = dz_conv2d (x, W, NULL, 2, 1, 1, 0, NULL);
  g_autoptr(DzVariable) called = NULL, plain = NULL, plain_call = NULL, bad = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) params = NULL;
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "stride", g_variant_new_parsed ("[2, 1]"));
  g_variant_builder_add (&b, "{sv}", "pad", g_variant_new_parsed ("[1, 0]"));
  params = g_variant_ref_sink (g_variant_builder_end (&b));
  called = dz_op_call ("conv2d", inputs, 2, params, &error);
  g_assert_no_error (error);
  dz_assert_allclose (dz_variable_get_data (called), dz_variable_get_data (direct), 0, 0);

  plain = dz_conv2d (x, W, NULL, 1, 1, 0, 0, NULL);
  plain_call = dz_op_call ("conv2d", inputs, 2, NULL, &error);
  g_assert_no_error (error);
  dz_assert_allclose (dz_variable_get_data (plain_call), dz_variable_get_data (plain), 0, 0);

  g_variant_unref (params);
  params = g_variant_ref_sink (g_variant_new_parsed ("{'kernel_size': <3>}"));
  bad = dz_op_call ("conv2d", inputs, 2, params, &error);
  g_assert_null (bad);
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  bad = dz_op_call ("pooling", inputs, 1, NULL, &error);
  expect_error (bad, error, DZ_ERROR_INVALID_ARGUMENT,
                "kernel_size must be an int or a pair of ints, not 0 values");
  g_clear_error (&error);
  bad = dz_op_call ("conv2d", inputs, 1, NULL, &error);
  expect_error (bad, error, DZ_ERROR_WRONG_COUNT, "conv2d takes 2 inputs (x, W) or 3");
}

static void
test_op_call (void)
{
  check_op_call ();
  dz_assert_no_live_objects ();
}

/* A gradient the backward does not need is not computed: with x not
 * requiring one, only W's. */
static void
test_requires_grad (void)
{
  const gsize xs[4] = { 2, 1, 6, 6 }, ws[4] = { 3, 1, 3, 3 };
  g_autoptr(DzVariable) x = dz_test_randn (xs, 4, 1);
  g_autoptr(DzVariable) W = dz_test_randn (ws, 4, 2);
  g_autoptr(DzVariable) y = NULL, h = NULL, loss = NULL;
  g_autoptr(GError) error = NULL;

  dz_variable_set_requires_grad (x, FALSE);
  y = dz_conv2d (x, W, NULL, 1, 1, 1, 1, &error);
  h = y ? dz_pooling (y, 2, 2, 2, 2, 0, 0, &error) : NULL;
  loss = h ? dz_sum (h, NULL, 0, FALSE, &error) : NULL;
  g_assert_no_error (error);
  g_assert_true (dz_variable_backward (loss, &error));
  g_assert_no_error (error);
  g_assert_null (dz_variable_get_grad (x));
  g_assert_nonnull (dz_variable_get_grad (W));
  g_clear_object (&loss);
  g_clear_object (&h);
  g_clear_object (&y);
  g_clear_object (&x);
  g_clear_object (&W);
  dz_assert_no_live_objects ();
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/conv/values", test_values);
  g_test_add_func ("/conv/deconv-adjoint", test_deconv_adjoint);
  g_test_add_func ("/conv/pooling-values", test_pooling_values);
  g_test_add_func ("/conv/gradients", test_gradients);
  g_test_add_func ("/conv/chunks", test_chunks);
  g_test_add_func ("/conv/errors", test_errors);
  g_test_add_func ("/conv/op-call", test_op_call);
  g_test_add_func ("/conv/requires-grad", test_requires_grad);

  return g_test_run ();
}
