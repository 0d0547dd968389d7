/* test-linalg.c: matmul, linear and dot against NumPy, their errors and
 * their first and second derivatives
 *
 * SPDX-License-Identifier: MIT
 */

#include "dz-test-utils.h"

/* The expected outputs were computed by NumPy 1.24 from the inputs
 * input() makes, with
 *   x = (np.sin (0.7 * np.arange (n) + seed) * 1.5).reshape (shape)
 * for the i-th input's seed i + 1, and y = a @ b, a.T @ b.T (the trans
 * cases: with swapaxes (-1, -2) for a stack), x @ W + b, np.dot (a, b). */
static const double mm_2d_expected[] = {
  0.76747734537880674, 0.26614224832149941, -0.36036370670875101, -0.81738497963563372,
  -0.88997732464726209, -0.46342276436968566, -0.36348218731618281, -0.092590258002034923,
  0.22184831641316052, 0.43194816114368295, 0.10581721814828449, 0.41881982632733578,
  0.53484492594433564, 0.39932409970721483, 0.075994909766614091,
};  /* shape (3, 5) */
static const double mm_vec_mat_expected[] = {
  0.76747734537880652, 0.26614224832149941, -0.36036370670875101, -0.81738497963563395,
  -0.88997732464726209,
};  /* shape (5,) */
static const double mm_mat_vec_expected[] = {
  2.2102467284000804, -0.99549858808063696, -0.33428470881271555,
};  /* shape (3,) */
static const double mm_vec_vec_expected[] = {
  2.2102467284000804,
};  /* shape () */
static const double mm_batch_expected[] = {
  0.76747734537880674, 0.26614224832149941, -0.36036370670875101, -0.81738497963563372,
  -0.88997732464726209, -0.46342276436968566, -0.36348218731618281, -0.092590258002034923,
  0.22184831641316052, 0.43194816114368295, 0.10581721814828449, 0.41881982632733578,
  0.53484492594433564, 0.39932409970721483, 0.075994909766614091, 0.26401607043624259,
  -0.42576060684498157, -0.91529541803401859, -0.97435249223623477, -0.57515636466209008,
  -0.60334089786943546, 0.38350248476464083, 1.1899786564222854, 1.4367892720351128,
  1.0078554425581627, 0.87294647558709904, -0.29692861084939048, -1.3271535319658854,
  -1.7331974096528522, -1.3240914636235104,
};  /* shape (2, 3, 5) */
static const double mm_bcast_expected[] = {
  -0.37033007561335851, -2.0347727653568111, 1.3602819781421218, 2.1272456790428707,
  -2.1930460632155646, -1.9739040404133126, 1.429101420746254, -0.41599213096666177,
  -0.010006934820335081, 1.3884560231319032, -1.4102439056475833, -2.2004764370950127,
  2.587054673335984, 1.3895141603437917, -1.3758040525323743, 0.026432551663414194,
  0.0055719560209739564, -1.4393248417400855, 2.5837612402134864, 2.5713116719055944,
  -2.124046422500133, -1.3474556528277015, 1.4188867435804418, -0.032106033596531226,
  1.4206994389178225, 2.5989290311464441, -1.9188718067933583, -2.1165138059412438,
  2.1953083315620461, 1.389524153436533, 2.7723920116121921, 1.5924672913842377,
  -3.03137331764909, -1.0270124770393521, 2.9400633139794885, 0.34288090863963411,
  2.6675335622062897, 2.7582200951598845, -3.6165755279408427, -2.9972367511867342,
  4.1477029560765244, 2.8899067593226926, 1.3653040096440048, 2.685895491070367,
  -2.578411835403132, -3.6220966310353448, 3.4935704598786104, 4.1397452405739967,
  -0.54976715486005645, 1.4079576970775223, -0.38288095263046312, -2.6211123602091431,
  1.2712851296298942, 3.5313835493060926, -2.2180653025142396, -0.50196759459196894,
  1.9845130306197545, -0.44359398960401464, -1.5216397230817555, 1.3378959289744514,
};  /* shape (2, 5, 3, 2) */
static const double mm_batch_b_expected[] = {
  0.76747734537880674, 0.26614224832149941, -0.36036370670875101, -0.81738497963563372,
  -0.88997732464726209, -0.46342276436968566, -0.36348218731618281, -0.092590258002034923,
  0.22184831641316052, 0.43194816114368295, 0.10581721814828449, 0.41881982632733578,
  0.53484492594433564, 0.39932409970721483, 0.075994909766614091, -0.38843571007976746,
  -0.83074363078266822, -0.8823398412011817, -0.51895783736245205, 0.088498146327729954,
  -0.077263104180505152, 0.23541125008810981, 0.43736801503803807, 0.43362376845182621,
  0.22593948800443689, 0.5340337558163315, 0.3871241526271606, 0.058144011475690933,
  -0.29818216679803644, -0.51426861280176772,
};  /* shape (2, 3, 5) */
static const double mm_vec_batch_expected[] = {
  0.76747734537880652, 0.26614224832149941, -0.36036370670875101, -0.81738497963563395,
  -0.88997732464726209, -0.38843571007976746, -0.83074363078266822, -0.8823398412011817,
  -0.51895783736245193, 0.088498146327729954,
};  /* shape (2, 5) */
static const double mm_batch_vec_expected[] = {
  2.2102467284000804, -0.99549858808063696, -0.33428470881271555, 1.6254396296551539,
  -2.7287663561258348, 3.5167696167583822,
};  /* shape (2, 3) */
static const double mm_trans_expected[] = {
  0.70376466376623825, -0.68005883320847083, 0.5777685874699281, -0.40871410849300333,
  0.19243054046724239, -0.1660631504290026, 0.10615132678135648, -0.033973152741023353,
  -0.042130799790269582, 0.11336631432629167, -0.95778887016918168, 0.84243685912567801,
  -0.62973678837271652, 0.34426728236573362, -0.019015860839838257,
};  /* shape (3, 5) */
static const double lin_b_expected[] = {
  0.97915735746860755, -0.52861196304124047, -1.7877668175430252, -2.2061070031272321,
  -1.586880593767898, -0.25174275227988485, -1.1582363986789228, -1.5199933688363092,
  -1.1668737070784378, -0.26495510797695299, 0.31749723023808529, -0.37593438503540416,
  -0.89255818488993854, -0.98939792378438363, -0.62090835935402189,
};  /* shape (3, 5) */
static const double lin_nob_expected[] = {
  0.76747734537880674, 0.26614224832149941, -0.36036370670875101, -0.81738497963563372,
  -0.88997732464726209, -0.46342276436968566, -0.36348218731618281, -0.092590258002034923,
  0.22184831641316052, 0.43194816114368295, 0.10581721814828449, 0.41881982632733578,
  0.53484492594433564, 0.39932409970721483, 0.075994909766614091,
};  /* shape (3, 5) */
static const double lin_1_expected[] = {
  0.97915735746860733, -0.52861196304124047, -1.7877668175430252, -2.2061070031272325,
  -1.586880593767898,
};  /* shape (1, 5) */
static const double lin_3d_expected[] = {
  0.97915735746860755, -0.52861196304124047, -1.7877668175430252, -2.2061070031272321,
  -1.586880593767898, -0.25174275227988485, -1.1582363986789228, -1.5199933688363092,
  -1.1668737070784378, -0.26495510797695299, 0.31749723023808529, -0.37593438503540416,
  -0.89255818488993854, -0.98939792378438363, -0.62090835935402189, 0.4756960825260434,
  -1.2205148182077215, -2.3426985288682927, -2.363074515727833, -1.2720596337827259,
  -0.39166088577963465, -0.41125172659809911, -0.23742445441198878, 0.048067248543514296,
  0.31095217343752679, 1.0846264876768998, -1.0916828222121304, -2.7545566428001598,
  -3.1219194331444506, -2.0209947327441462,
};  /* shape (2, 3, 5) */
static const double dot_1d_expected[] = {
  2.2102467284000804,
};  /* shape () */
static const double dot_2d_expected[] = {
  0.76747734537880674, 0.26614224832149941, -0.36036370670875101, -0.81738497963563372,
  -0.88997732464726209, -0.46342276436968566, -0.36348218731618281, -0.092590258002034923,
  0.22184831641316052, 0.43194816114368295, 0.10581721814828449, 0.41881982632733578,
  0.53484492594433564, 0.39932409970721483, 0.075994909766614091,
};  /* shape (3, 5) */
static const double mm_trans_a_batch_expected[] = {
  0.70947000533582771, 2.4745096033932676, 3.0757486696957317, 2.2304150767416107,
  0.33608242199897703, 2.5058499190725354, 2.6145770978440432, 1.4936278136054018,
  -0.32979796995023625, -1.9981146150028448, 3.1236894608843655, 1.5249681292846691,
  -0.79096954180192403, -2.7349018781390568, -3.3925671271667359, 2.2359225942513241,
  -0.32724505356350436, -2.7365042393424059, -3.858742722300339, -3.1661542084421774,
  0.30005434097402728, -1.9875361392914921, -3.3403573171393748, -3.122156254213758,
  -1.4355563198942178, -1.7769341573417603, -2.7130579226018399, -2.3731881541628455,
  -0.91717091473325596, 0.97020613708624581,
};  /* shape (2, 3, 5) */
static const double mm_trans_b_bcast_expected[] = {
  2.2102467284000804, -3.5324438655766226, 4.4464483262084133, -4.8466420335880347,
  4.6867804763324337, -0.99549858808063696, 2.6017620388016605, -3.9073780480444813,
  4.7614757418099494, -5.0653595889259284, -0.33428470881271549, -1.3704327705484995,
  2.9167894544031943, -4.1260956033823746, 4.8586094600800065, 1.6254396296551539,
  -0.019257293211179964, -1.5891503258863884, 3.0139231726732501, -4.0904211668170074,
  -2.7287663561258353, 1.4067220743172595, 0.077876425058875112, -1.553475889321023,
  2.8495629521578842, 3.5167696167583822, -2.6316326378557737, 1.4423965108826251,
  -0.086483795456489931, -1.2794225825127792,
};  /* shape (2, 3, 5) */

typedef enum
{
  OP_MATMUL,
  OP_MATMUL_CALL,       /* dz_op_call ("matmul") with the case's trans_a, trans_b */
  OP_LINEAR,
  OP_DOT,
} Op;

typedef struct
{
  const char *name;
  Op op;
  guint n_inputs;
  guint ndims[3];
  gsize shapes[3][4];
  guint y_ndim;
  gsize y_shape[4];
  const double *expected;
  const char *params;
} Case;

static const Case cases[] = {
  { "mm-2d", OP_MATMUL, 2, { 2, 2 }, { { 3, 4 }, { 4, 5 } }, 2, { 3, 5 }, mm_2d_expected },
  { "mm-vec-mat", OP_MATMUL, 2, { 1, 2 }, { { 4 }, { 4, 5 } }, 1, { 5 }, mm_vec_mat_expected },
  { "mm-mat-vec", OP_MATMUL, 2, { 2, 1 }, { { 3, 4 }, { 4 } }, 1, { 3 }, mm_mat_vec_expected },
  { "mm-vec-vec", OP_MATMUL, 2, { 1, 1 }, { { 4 }, { 4 } }, 0, { 0 }, mm_vec_vec_expected },
  { "mm-batch", OP_MATMUL, 2, { 3, 2 }, { { 2, 3, 4 }, { 4, 5 } }, 3, { 2, 3, 5 },
    mm_batch_expected },
  { "mm-broadcast", OP_MATMUL, 2, { 4, 3 }, { { 2, 1, 3, 4 }, { 5, 4, 2 } }, 4, { 2, 5, 3, 2 },
    mm_bcast_expected },
  { "mm-batch-b", OP_MATMUL, 2, { 2, 3 }, { { 3, 4 }, { 2, 4, 5 } }, 3, { 2, 3, 5 },
    mm_batch_b_expected },
  { "mm-vec-batch", OP_MATMUL, 2, { 1, 3 }, { { 4 }, { 2, 4, 5 } }, 2, { 2, 5 },
    mm_vec_batch_expected },
  { "mm-batch-vec", OP_MATMUL, 2, { 3, 1 }, { { 2, 3, 4 }, { 4 } }, 2, { 2, 3 },
    mm_batch_vec_expected },
  { "mm-trans", OP_MATMUL_CALL, 2, { 2, 2 }, { { 4, 3 }, { 5, 4 } }, 2, { 3, 5 },
    mm_trans_expected, "{'trans_a': <true>, 'trans_b': <true>}" },
  { "mm-trans-a-batch", OP_MATMUL_CALL, 2, { 3, 2 }, { { 2, 4, 3 }, { 4, 5 } }, 3, { 2, 3, 5 },
    mm_trans_a_batch_expected, "{'trans_a': <true>}" },
  { "mm-trans-b-broadcast", OP_MATMUL_CALL, 2, { 3, 3 }, { { 2, 3, 4 }, { 1, 5, 4 } }, 3,
    { 2, 3, 5 }, mm_trans_b_bcast_expected, "{'trans_b': <true>}" },
  { "linear", OP_LINEAR, 3, { 2, 2, 1 }, { { 3, 4 }, { 4, 5 }, { 5 } }, 2, { 3, 5 },
    lin_b_expected },
  { "linear-no-bias", OP_LINEAR, 2, { 2, 2 }, { { 3, 4 }, { 4, 5 } }, 2, { 3, 5 },
    lin_nob_expected },
  { "linear-batch-1", OP_LINEAR, 3, { 2, 2, 1 }, { { 1, 4 }, { 4, 5 }, { 5 } }, 2, { 1, 5 },
    lin_1_expected },
  { "linear-3d", OP_LINEAR, 3, { 3, 2, 1 }, { { 2, 3, 4 }, { 4, 5 }, { 5 } }, 3, { 2, 3, 5 },
    lin_3d_expected },
  { "dot-1d", OP_DOT, 2, { 1, 1 }, { { 4 }, { 4 } }, 0, { 0 }, dot_1d_expected },
  { "dot-2d", OP_DOT, 2, { 2, 2 }, { { 3, 4 }, { 4, 5 } }, 2, { 3, 5 }, dot_2d_expected },
};

static gsize
size_of (const gsize *shape,
         guint        ndim)
{
  gsize n = 1;

  for (guint d = 0; d < ndim; d++)
    n *= shape[d];
  return n;
}

/* The values the NumPy expectations were computed from. */
static DzArray *
input_array (const gsize *shape,
             guint        ndim,
             guint        seed,
             DzDtype      dtype)
{
  gsize n = size_of (shape, ndim);
  g_autofree double *values = g_new (double, MAX (n, 1));
  g_autoptr(DzArray) array = NULL;

  for (gsize i = 0; i < n; i++)
    values[i] = sin (0.7 * i + seed) * 1.5;
  array = dz_array_new_from_values (values, n, shape, ndim, NULL);
  g_assert_nonnull (array);
  return dz_array_astype (array, dtype, NULL);
}

static DzVariable *
input (const gsize *shape,
       guint        ndim,
       guint        seed,
       DzDtype      dtype)
{
  g_autoptr(DzArray) array = input_array (shape, ndim, seed, dtype);

  return dz_variable_new (array);
}

static DzVariable *
call (const Case   *c,
      DzVariable  **xs,
      GError      **error)
{
  switch (c->op)
    {
    case OP_MATMUL:
      return dz_matmul (xs[0], xs[1], error);
    case OP_MATMUL_CALL:
      {
        g_autoptr(GVariant) params = g_variant_ref_sink (g_variant_new_parsed (c->params));

        return dz_op_call ("matmul", xs, c->n_inputs, params, error);
      }
    case OP_LINEAR:
      return dz_linear (xs[0], xs[1], c->n_inputs == 3 ? xs[2] : NULL, error);
    case OP_DOT:
      return dz_dot (xs[0], xs[1], error);
    }
  g_assert_not_reached ();
}

static void
make_inputs (const Case  *c,
             DzDtype      dtype,
             DzVariable **xs)
{
  for (guint i = 0; i < c->n_inputs; i++)
    xs[i] = input (c->shapes[i], c->ndims[i], i + 1, dtype);
}

static void
free_inputs (const Case  *c,
             DzVariable **xs)
{
  for (guint i = 0; i < c->n_inputs; i++)
    g_clear_object (&xs[i]);
}

static void
assert_shape (DzVariable  *y,
              const gsize *shape,
              guint        ndim)
{
  guint y_ndim;
  const gsize *y_shape = dz_variable_get_shape (y, &y_ndim);

  g_assert_cmpuint (y_ndim, ==, ndim);
  for (guint d = 0; d < ndim; d++)
    g_assert_cmpuint (y_shape[d], ==, shape[d]);
}

/* Forward values in float64 and float32 (which stays float32). */
static void
test_values (void)
{
  const DzDtype dtypes[] = { DZ_DTYPE_FLOAT64, DZ_DTYPE_FLOAT32 };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    for (guint t = 0; t < G_N_ELEMENTS (dtypes); t++)
      {
        const Case *c = &cases[i];
        DzVariable *xs[3] = { NULL, };
        g_autoptr(DzVariable) y = NULL;
        g_autoptr(GError) error = NULL;
        double tol = dtypes[t] == DZ_DTYPE_FLOAT64 ? 1e-12 : 1e-5;
        gsize n;

        g_test_message ("%s in %s", c->name, dz_dtype_get_name (dtypes[t]));
        make_inputs (c, dtypes[t], xs);
        y = call (c, xs, &error);
        g_assert_no_error (error);
        g_assert_cmpint (dz_variable_get_dtype (y), ==, dtypes[t]);
        assert_shape (y, c->y_shape, c->y_ndim);
        n = size_of (c->y_shape, c->y_ndim);
        for (gsize k = 0; k < n; k++)
          g_assert_cmpfloat_with_epsilon (dz_array_get_value (dz_variable_get_data (y), k),
                                          c->expected[k], tol * MAX (1, fabs (c->expected[k])));
        free_inputs (c, xs);
      }

  dz_assert_no_live_objects ();
}

/* A float32 operand with a float64 one: float64, as in NumPy. */
static void
test_mixed_dtypes (void)
{
  const gsize as[] = { 3, 4 }, bs[] = { 4, 5 }, cs[] = { 5 };
  g_autoptr(DzVariable) a = input (as, 2, 1, DZ_DTYPE_FLOAT32);
  g_autoptr(DzVariable) b = input (bs, 2, 2, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) b32 = input (bs, 2, 2, DZ_DTYPE_FLOAT32);
  g_autoptr(DzVariable) c = input (cs, 1, 3, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) y = dz_matmul (a, b, NULL);
  g_autoptr(DzVariable) z = dz_linear (a, b32, c, NULL);

  g_assert_cmpint (dz_variable_get_dtype (y), ==, DZ_DTYPE_FLOAT64);
  for (gsize k = 0; k < 15; k++)
    g_assert_cmpfloat_with_epsilon (dz_array_get_value (dz_variable_get_data (y), k),
                                    mm_2d_expected[k], 1e-6);
  g_assert_cmpint (dz_variable_get_dtype (z), ==, DZ_DTYPE_FLOAT64);
  for (gsize k = 0; k < 15; k++)
    g_assert_cmpfloat_with_epsilon (dz_array_get_value (dz_variable_get_data (z), k),
                                    lin_b_expected[k], 1e-6);

  /* Gradients of float32 inputs of a float32 product stay float32. */
  g_clear_object (&y);
  y = dz_matmul (a, b32, NULL);
  g_assert_true (dz_variable_backward (y, NULL));
  g_assert_cmpint (dz_array_get_dtype (dz_variable_get_data (dz_variable_get_grad (a))), ==,
                   DZ_DTYPE_FLOAT32);
  g_assert_cmpint (dz_array_get_dtype (dz_variable_get_data (dz_variable_get_grad (b32))), ==,
                   DZ_DTYPE_FLOAT32);

  g_clear_object (&a);
  g_clear_object (&b);
  g_clear_object (&b32);
  g_clear_object (&c);
  g_clear_object (&y);
  g_clear_object (&z);
  dz_assert_no_live_objects ();
}

static void
assert_fails (DzVariable  *y,
              GError      *error,
              gint         code,
              const char  *part1,
              const char  *part2)
{
  g_assert_null (y);
  g_assert_error (error, DZ_ERROR, code);
  g_test_message ("%s", error->message);
  if (part1 != NULL)
    g_assert_nonnull (strstr (error->message, part1));
  if (part2 != NULL)
    g_assert_nonnull (strstr (error->message, part2));
}

/* @expr fails into the error location &error_ with @code, and its
 * message holds @part1 and @part2 (when not NULL). */
#define EXPECT_ERROR(expr, code, part1, part2)                                \
  G_STMT_START {                                                              \
    g_autoptr(GError) error_ = NULL;                                          \
    DzVariable *y_ = (expr);                                                  \
    assert_fails (y_, error_, code, part1, part2);                            \
  } G_STMT_END

static void
test_errors (void)
{
  const gsize s34[] = { 3, 4 }, s56[] = { 5, 6 }, s234[] = { 2, 3, 4 }, s345[] = { 3, 4, 5 };
  const gsize s45[] = { 4, 5 }, s4[] = { 4 }, s1[] = { 1 };
  g_autoptr(DzVariable) a = input (s34, 2, 1, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) b = input (s56, 2, 2, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) c = input (s234, 3, 3, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) d = input (s345, 3, 4, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) w = input (s45, 2, 5, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) v4 = input (s4, 1, 6, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) scalar = dz_variable_new_scalar (2.0);
  g_autoptr(DzArray) ints = dz_array_new_full_typed (DZ_DTYPE_INT64, s45, 2, 1, NULL);
  g_autoptr(DzVariable) i45 = dz_variable_new (ints);
  g_autoptr(DzVariable) one = input (s1, 1, 7, DZ_DTYPE_FLOAT64);

  EXPECT_ERROR (dz_matmul (a, b, &error_), DZ_ERROR_SHAPE_MISMATCH, "(3, 4)", "(5, 6)");
  EXPECT_ERROR (dz_matmul (a, b, &error_), DZ_ERROR_SHAPE_MISMATCH, "4 (dim 1) != 5 (dim 0)",
                NULL);
  EXPECT_ERROR (dz_matmul (c, d, &error_), DZ_ERROR_SHAPE_MISMATCH, "(2, 3, 4)", "(3, 4, 5)");
  EXPECT_ERROR (dz_matmul (v4, a, &error_), DZ_ERROR_SHAPE_MISMATCH, "(4,)", "(3, 4)");
  EXPECT_ERROR (dz_matmul (scalar, a, &error_), DZ_ERROR_SHAPE_MISMATCH, "operand 0", NULL);
  EXPECT_ERROR (dz_matmul (a, scalar, &error_), DZ_ERROR_SHAPE_MISMATCH, "operand 1", NULL);
  EXPECT_ERROR (dz_matmul (a, i45, &error_), DZ_ERROR_INVALID_DTYPE, "int64", NULL);
  EXPECT_ERROR (dz_linear (a, i45, NULL, &error_), DZ_ERROR_INVALID_DTYPE, NULL, NULL);
  EXPECT_ERROR (dz_linear (a, w, v4, &error_), DZ_ERROR_SHAPE_MISMATCH, NULL, NULL);
  EXPECT_ERROR (dz_linear (a, b, NULL, &error_), DZ_ERROR_SHAPE_MISMATCH, "(3, 4)", "(5, 6)");
  EXPECT_ERROR (dz_dot (c, w, &error_), DZ_ERROR_SHAPE_MISMATCH, "(2, 3, 4)", "matmul");
  EXPECT_ERROR (dz_dot (scalar, a, &error_), DZ_ERROR_SHAPE_MISMATCH, NULL, NULL);
  EXPECT_ERROR (dz_dot (a, b, &error_), DZ_ERROR_SHAPE_MISMATCH, "(3, 4)", "(5, 6)");
  EXPECT_ERROR (dz_op_call ("linear", &a, 1, NULL, &error_), DZ_ERROR_WRONG_COUNT, NULL, NULL);
  {
    DzVariable *four[] = { a, w, one, one };

    EXPECT_ERROR (dz_op_call ("linear", four, 4, NULL, &error_), DZ_ERROR_WRONG_COUNT,
                  NULL, NULL);
  }

  g_clear_object (&a);
  g_clear_object (&b);
  g_clear_object (&c);
  g_clear_object (&d);
  g_clear_object (&w);
  g_clear_object (&v4);
  g_clear_object (&scalar);
  g_clear_object (&ints);
  g_clear_object (&i45);
  g_clear_object (&one);
  dz_assert_no_live_objects ();
}

/* A bias of more axes than the product broadcasts it, as x @ W + b does. */
static void
test_linear_growing_bias (void)
{
  const gsize xs_[] = { 3, 4 }, ws[] = { 4, 5 }, bs[] = { 2, 1, 5 }, ys[] = { 2, 3, 5 };
  g_autoptr(DzVariable) x = input (xs_, 2, 1, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) W = input (ws, 2, 2, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) b = input (bs, 3, 3, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) y = dz_linear (x, W, b, NULL);
  g_autoptr(DzVariable) t = dz_matmul (x, W, NULL);
  g_autoptr(DzVariable) z = dz_add (t, b, NULL);
  DzArray *gx, *gW, *gb;

  assert_shape (y, ys, 3);
  for (gsize k = 0; k < 30; k++)
    g_assert_cmpfloat (dz_array_get_value (dz_variable_get_data (y), k), ==,
                       dz_array_get_value (dz_variable_get_data (z), k));

  g_assert_true (dz_variable_backward (y, NULL));
  gx = g_object_ref (dz_variable_get_data (dz_variable_get_grad (x)));
  gW = g_object_ref (dz_variable_get_data (dz_variable_get_grad (W)));
  gb = g_object_ref (dz_variable_get_data (dz_variable_get_grad (b)));
  dz_variable_clear_grad (x);
  dz_variable_clear_grad (W);
  dz_variable_clear_grad (b);
  /* The differentiable backward of add: its array-level gradient in main
   * does not sum a broadcast input's gradient yet. */
  g_assert_true (dz_variable_backward_full (z, DZ_BACKWARD_CREATE_GRAPH, NULL));
  dz_assert_allclose (gx, dz_variable_get_data (dz_variable_get_grad (x)), 1e-12, 1e-12);
  dz_assert_allclose (gW, dz_variable_get_data (dz_variable_get_grad (W)), 1e-12, 1e-12);
  dz_assert_allclose (gb, dz_variable_get_data (dz_variable_get_grad (b)), 1e-12, 1e-12);

  /* Gradients with graphs hold the inputs that hold them. */
  dz_variable_clear_grad (x);
  dz_variable_clear_grad (W);
  dz_variable_clear_grad (b);
  g_clear_object (&gx);
  g_clear_object (&gW);
  g_clear_object (&gb);
  g_clear_object (&x);
  g_clear_object (&W);
  g_clear_object (&b);
  g_clear_object (&y);
  g_clear_object (&t);
  g_clear_object (&z);
  dz_assert_no_live_objects ();
}

/* Empty operands: empty products, and zeros where the inner length is 0. */
static void
test_empty (void)
{
  const gsize s04[] = { 0, 4 }, s45[] = { 4, 5 }, s30[] = { 3, 0 }, s05[] = { 0, 5 };
  const gsize s134[] = { 1, 3, 4 }, s045[] = { 0, 4, 5 };
  g_autoptr(DzVariable) a = input (s04, 2, 1, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) b = input (s45, 2, 2, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) c = input (s30, 2, 3, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) d = input (s05, 2, 4, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) e = input (s134, 3, 5, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) f = input (s045, 3, 6, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) y = dz_matmul (a, b, NULL);
  g_autoptr(DzVariable) z = dz_matmul (c, d, NULL);
  g_autoptr(DzVariable) u = dz_matmul (e, f, NULL);
  const gsize s05_[] = { 0, 5 }, s35[] = { 3, 5 }, s035[] = { 0, 3, 5 };
  DzArray *gb, *ge;

  assert_shape (y, s05_, 2);
  assert_shape (z, s35, 2);
  assert_shape (u, s035, 3);
  for (gsize k = 0; k < 15; k++)
    g_assert_cmpfloat (dz_array_get_value (dz_variable_get_data (z), k), ==, 0);

  /* Gradients summed over nothing are zeros of the input's shape. */
  g_assert_true (dz_variable_backward (y, NULL));
  gb = dz_variable_get_data (dz_variable_get_grad (b));
  assert_shape (dz_variable_get_grad (b), s45, 2);
  for (gsize k = 0; k < 20; k++)
    g_assert_cmpfloat (dz_array_get_value (gb, k), ==, 0);
  g_assert_true (dz_variable_backward (u, NULL));
  ge = dz_variable_get_data (dz_variable_get_grad (e));
  assert_shape (dz_variable_get_grad (e), s134, 3);
  for (gsize k = 0; k < 12; k++)
    g_assert_cmpfloat (dz_array_get_value (ge, k), ==, 0);

  g_clear_object (&a);
  g_clear_object (&b);
  g_clear_object (&c);
  g_clear_object (&d);
  g_clear_object (&e);
  g_clear_object (&f);
  g_clear_object (&y);
  g_clear_object (&z);
  g_clear_object (&u);
  dz_assert_no_live_objects ();
}

/* The output of a case with one input replaced, times a fixed random
 * weight so that the output gradient is not all ones. */
typedef struct
{
  const Case *c;
  DzVariable **xs;
  guint which;
  DzVariable *weight;
} Probe;

static DzVariable *
probe_output (DzVariable *x,
              gpointer    user_data)
{
  Probe *p = user_data;
  DzVariable *xs[3];
  g_autoptr(DzVariable) y = NULL;

  memcpy (xs, p->xs, sizeof xs);
  xs[p->which] = x;
  y = call (p->c, xs, NULL);
  g_assert_nonnull (y);
  return dz_mul (y, p->weight, NULL);
}

static DzVariable *
weight_for (const Case *c,
            guint64     seed)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (seed);
  g_autoptr(DzArray) w = dz_array_new_randn (c->y_shape, c->y_ndim, gen, NULL);

  return dz_variable_new (w);
}

/* Every gradient against central differences (the array-level gradient),
 * and the create_graph backward against the array-level one. */
static void
test_gradients (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      DzVariable *xs[3] = { NULL, };
      g_autoptr(DzVariable) weight = weight_for (c, 100 + i);

      make_inputs (c, DZ_DTYPE_FLOAT64, xs);
      for (guint k = 0; k < c->n_inputs; k++)
        {
          Probe p = { c, xs, k, weight };
          g_autoptr(GError) error = NULL;

          g_test_message ("%s, input %u", c->name, k);
          g_assert_true (dz_gradient_check (probe_output, &p, xs[k], 1e-6, 1e-6, 1e-8, &error));
          g_assert_no_error (error);
        }
      /* The checks' passes reached the other inputs. */
      for (guint k = 0; k < c->n_inputs; k++)
        dz_variable_clear_grad (xs[k]);

      {
        g_autoptr(DzVariable) y = probe_output (xs[0], &(Probe) { c, xs, 0, weight });
        DzArray *plain[3] = { NULL, };

        g_assert_true (dz_variable_backward (y, NULL));
        for (guint k = 0; k < c->n_inputs; k++)
          {
            plain[k] = g_object_ref (dz_variable_get_data (dz_variable_get_grad (xs[k])));
            dz_variable_clear_grad (xs[k]);
          }
        g_assert_true (dz_variable_backward_full (y, DZ_BACKWARD_CREATE_GRAPH, NULL));
        for (guint k = 0; k < c->n_inputs; k++)
          {
            DzVariable *g = dz_variable_get_grad (xs[k]);

            g_assert_nonnull (dz_variable_get_creator (g));
            dz_assert_allclose (plain[k], dz_variable_get_data (g), 1e-12, 1e-12);
            dz_variable_clear_grad (xs[k]);
            g_clear_object (&plain[k]);
          }
        dz_variable_clear_grad (y);
      }
      g_clear_object (&weight);
      free_inputs (c, xs);
    }

  dz_assert_no_live_objects ();
}

/* sum (r * d(sum (w * f (xs)))/d xs[of]) as a function of xs[which]:
 * products are bilinear, so the gradient of one input's gradient with
 * respect to the other input is nonzero and exact. */
typedef struct
{
  const Case *c;
  DzVariable **xs;
  guint which;
  guint of;
  DzVariable *weight;
  DzVariable *r;
} SecondProbe;

static DzVariable *
second_output (DzVariable *x,
               gpointer    user_data)
{
  SecondProbe *p = user_data;
  DzVariable *xs[3];
  g_autoptr(DzVariable) target = NULL;
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(DzVariable) gx = NULL;
  gboolean previous = dz_set_enable_backprop (TRUE);
  Probe first;

  memcpy (xs, p->xs, sizeof xs);
  xs[p->which] = x;
  /* A fresh leaf for the input differentiated first, so that the pass
   * leaves no gradient in @x, which the caller differentiates. */
  target = dz_variable_new (dz_variable_get_data (xs[p->of]));
  xs[p->of] = target;
  first = (Probe) { p->c, xs, p->of, p->weight };
  y = probe_output (target, &first);
  g_assert_true (dz_variable_backward_full (y, DZ_BACKWARD_CREATE_GRAPH, NULL));
  gx = g_object_ref (dz_variable_get_grad (target));
  dz_variable_clear_grad (x);
  dz_set_enable_backprop (previous);
  return dz_mul (gx, p->r, NULL);
}

static void
test_second_order (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      DzVariable *xs[3] = { NULL, };
      g_autoptr(DzVariable) weight = weight_for (c, 200 + i);

      make_inputs (c, DZ_DTYPE_FLOAT64, xs);
      /* The gradients of x and W with respect to W and x. */
      for (guint k = 0; k < 2; k++)
        {
          g_autoptr(DzGenerator) gen = dz_generator_new (300 + i);
          g_autoptr(DzArray) r_data = NULL;
          g_autoptr(DzVariable) r = NULL;
          g_autoptr(GError) error = NULL;
          SecondProbe p;

          r_data = dz_array_new_randn (c->shapes[1 - k], c->ndims[1 - k], gen, NULL);
          r = dz_variable_new (r_data);
          p = (SecondProbe) { c, xs, k, 1 - k, weight, r };
          g_test_message ("%s: d grad %u / d input %u", c->name, 1 - k, k);
          g_assert_true (dz_gradient_check (second_output, &p, xs[k], 1e-4, 1e-6, 1e-8, &error));
          g_assert_no_error (error);
        }
      g_clear_object (&weight);
      free_inputs (c, xs);
    }

  dz_assert_no_live_objects ();
}

/* An input that requires no gradient gets none, and the others are the
 * same as when it does (linear then skips the product for it). */
static void
test_requires_grad (void)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (5);
  const gsize xs[] = { 4, 3 }, ws[] = { 3, 2 }, bs[] = { 2 };
  g_autoptr(DzArray) xa = dz_array_new_randn (xs, 2, gen, NULL);
  g_autoptr(DzArray) wa = dz_array_new_randn (ws, 2, gen, NULL);
  g_autoptr(DzArray) ba = dz_array_new_randn (bs, 1, gen, NULL);
  g_autoptr(DzArray) first = NULL;

  for (int requires = 1; requires >= 0; requires--)
    {
      g_autoptr(DzVariable) x = dz_variable_new (xa);
      g_autoptr(DzVariable) W = dz_variable_new (wa);
      g_autoptr(DzVariable) b = dz_variable_new (ba);
      g_autoptr(DzVariable) y = NULL, h = NULL, loss = NULL;
      g_autoptr(GError) error = NULL;

      dz_variable_set_requires_grad (x, requires);
      g_assert_cmpint (dz_variable_get_requires_grad (x), ==, requires);
      y = dz_linear (x, W, b, &error);
      h = y ? dz_tanh (y, &error) : NULL;
      loss = h ? dz_sum (h, NULL, 0, FALSE, &error) : NULL;
      g_assert_no_error (error);
      g_assert_true (dz_variable_backward (loss, &error));
      g_assert_no_error (error);
      if (requires)
        {
          g_assert_nonnull (dz_variable_get_grad (x));
          first = g_object_ref (dz_variable_get_data (dz_variable_get_grad (W)));
        }
      else
        {
          g_assert_null (dz_variable_get_grad (x));
          dz_assert_allclose (dz_variable_get_data (dz_variable_get_grad (W)), first,
                                            0, 0);
        }
    }
  g_clear_object (&first);
  g_clear_object (&xa);
  g_clear_object (&wa);
  g_clear_object (&ba);
  dz_assert_no_live_objects ();
}

/* A leaf that only the graph holds (a batch wrapped on the way in and let
 * go of) gets no gradient: nobody could read it. Held by its maker, it
 * gets one. W's gradient is the same either way. */
static void
test_unreachable_leaf (void)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (6);
  const gsize xs[] = { 4, 3 }, ws[] = { 3, 2 };
  g_autoptr(DzArray) xa = dz_array_new_randn (xs, 2, gen, NULL);
  g_autoptr(DzArray) wa = dz_array_new_randn (ws, 2, gen, NULL);
  g_autoptr(DzArray) first = NULL;

  for (int held = 1; held >= 0; held--)
    {
      DzVariable *x = dz_variable_new (xa);
      g_autoptr(DzVariable) W = dz_variable_new (wa);
      g_autoptr(DzVariable) y = NULL, loss = NULL;
      g_autoptr(GError) error = NULL;
      DzVariable *input;

      y = dz_linear (x, W, NULL, &error);
      loss = y ? dz_sum (y, NULL, 0, FALSE, &error) : NULL;
      g_assert_no_error (error);
      if (!held)
        g_object_unref (x);
      g_assert_true (dz_variable_backward (loss, &error));
      g_assert_no_error (error);
      input = dz_function_get_input (dz_variable_get_creator (y), 0);
      g_assert_true (input == x);
      if (held)
        {
          g_assert_nonnull (dz_variable_get_grad (x));
          first = g_object_ref (dz_variable_get_data (dz_variable_get_grad (W)));
          g_object_unref (x);
        }
      else
        {
          g_assert_null (dz_variable_get_grad (input));
          dz_assert_allclose (dz_variable_get_data (dz_variable_get_grad (W)), first,
                                            0, 0);
        }
    }
  g_clear_object (&first);
  g_clear_object (&xa);
  g_clear_object (&wa);
  dz_assert_no_live_objects ();
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/linalg/values", test_values);
  g_test_add_func ("/linalg/mixed-dtypes", test_mixed_dtypes);
  g_test_add_func ("/linalg/errors", test_errors);
  g_test_add_func ("/linalg/linear-growing-bias", test_linear_growing_bias);
  g_test_add_func ("/linalg/empty", test_empty);
  g_test_add_func ("/linalg/gradients", test_gradients);
  g_test_add_func ("/linalg/second-order", test_second_order);
  g_test_add_func ("/linalg/requires-grad", test_requires_grad);
  g_test_add_func ("/linalg/unreachable-leaf", test_unreachable_leaf);

  return g_test_run ();
}
