/* test-scalar.c: 0-d values kept inline, and live counts across threads
 *
 * A variable made by dz_variable_new_scalar() or computed from 0-d values
 * keeps its value inline and makes its DzArray only when asked. These
 * tests pin down that nothing observable changes: values, shapes,
 * gradients and errors are those of a 0-d array, the array appears on
 * first request and is the same one afterwards.
 *
 * SPDX-License-Identifier: MIT
 */

#include "dz-test-utils.h"

typedef DzVariable * (*UnaryOp) (DzVariable *x, GError **error);

static DzVariable *add_scalar_3 (DzVariable *x, GError **error) { return dz_add_scalar (x, 3.0, error); }
static DzVariable *mul_scalar_3 (DzVariable *x, GError **error) { return dz_mul_scalar (x, -3.0, error); }
static DzVariable *pow_2 (DzVariable *x, GError **error) { return dz_pow (x, 2.0, error); }
static DzVariable *pow_1 (DzVariable *x, GError **error) { return dz_pow (x, 1.0, error); }
static DzVariable *pow_2_5 (DzVariable *x, GError **error) { return dz_pow (x, 2.5, error); }

static const struct
{
  const char *name;
  UnaryOp op;
} unary_ops[] = {
  { "square", dz_square }, { "exp", dz_exp }, { "log", dz_log }, { "sin", dz_sin },
  { "cos", dz_cos }, { "tanh", dz_tanh }, { "neg", dz_neg }, { "add_scalar", add_scalar_3 },
  { "mul_scalar", mul_scalar_3 }, { "pow 2", pow_2 }, { "pow 1", pow_1 }, { "pow 2.5", pow_2_5 },
};

typedef DzVariable * (*BinaryOp) (DzVariable *a, DzVariable *b, GError **error);

static const struct
{
  const char *name;
  BinaryOp op;
} binary_ops[] = {
  { "add", dz_add }, { "sub", dz_sub }, { "mul", dz_mul }, { "div", dz_div },
};

/* The value of a one-element result, whatever its shape. */
static double
first_value (DzVariable *v)
{
  return dz_array_get_values (dz_variable_get_data (v), NULL)[0];
}

/* Every built-in gives the same number on an inline scalar as on a
 * one-element vector, which goes through the array kernels. */
static void
test_kernels_agree (void)
{
  const double inputs[] = { 0.3, 1.7, -0.9, 4.0 };
  const gsize one = 1;

  for (guint k = 0; k < G_N_ELEMENTS (inputs); k++)
    {
      double v = inputs[k];
      g_autoptr(DzArray) vec = dz_array_new_from_values (&v, 1, &one, 1, NULL);
      g_autoptr(DzVariable) xs = dz_variable_new_scalar (v);
      g_autoptr(DzVariable) xv = dz_variable_new (vec);

      for (guint i = 0; i < G_N_ELEMENTS (unary_ops); i++)
        {
          g_autoptr(DzVariable) ys = NULL;
          g_autoptr(DzVariable) yv = NULL;

          if (v < 0 && (unary_ops[i].op == dz_log || unary_ops[i].op == pow_2_5))
            continue;
          ys = unary_ops[i].op (xs, NULL);
          yv = unary_ops[i].op (xv, NULL);
          g_test_message ("%s(%g): %.17g and %.17g", unary_ops[i].name, v,
                          first_value (ys), first_value (yv));
          g_assert_cmpuint (dz_variable_get_ndim (ys), ==, 0);
          /* The array kernels call the same libm functions on a lone
           * element (their SIMD loops need several). */
          g_assert_cmpfloat (first_value (ys), ==, first_value (yv));
        }

      for (guint i = 0; i < G_N_ELEMENTS (binary_ops); i++)
        {
          double w = v / 3.0 + 0.5;
          g_autoptr(DzVariable) bs = dz_variable_new_scalar (w);
          g_autoptr(DzArray) bvec = dz_array_new_from_values (&w, 1, &one, 1, NULL);
          g_autoptr(DzVariable) bv = dz_variable_new (bvec);
          g_autoptr(DzVariable) ys = binary_ops[i].op (xs, bs, NULL);
          g_autoptr(DzVariable) yv = binary_ops[i].op (xv, bv, NULL);

          /* Arithmetic is exact either way. */
          g_assert_cmpfloat (first_value (ys), ==, first_value (yv));
        }
    }

  dz_assert_no_live_objects ();
}

/* A scalar graph makes no arrays forward, and backward makes only those
 * the gradients need. */
static void
test_no_arrays_in_scalar_graphs (void)
{
  g_autoptr(DzVariable) x = dz_variable_new_scalar (0.5);
  g_autoptr(DzVariable) one = dz_variable_new_scalar (1.0);
  DzVariable *h = g_object_ref (x);

  for (guint i = 0; i < 1000; i++)
    {
      DzVariable *next = dz_add (h, one, NULL);

      g_object_unref (h);
      h = next;
    }
  g_assert_cmpuint (dz_live_count (DZ_LIVE_ARRAY), ==, 0);
  g_assert_cmpuint (dz_live_count (DZ_LIVE_VARIABLE), ==, 1002);
  g_assert_cmpuint (dz_live_count (DZ_LIVE_FUNCTION), ==, 1000);
  g_assert_cmpfloat (first_value (h), ==, 1000.5);
  /* That read made h's array, once. */
  g_assert_cmpuint (dz_live_count (DZ_LIVE_ARRAY), ==, 1);
  g_assert_true (dz_variable_get_data (h) == dz_variable_get_data (h));
  g_assert_cmpuint (dz_live_count (DZ_LIVE_ARRAY), ==, 1);

  /* Add passes its gradient through: one seed, two leaf gradients. */
  g_assert_true (dz_variable_backward (h, NULL));
  g_assert_cmpfloat (dz_test_grad (x), ==, 1.0);
  g_assert_cmpfloat (dz_test_grad (one), ==, 1000.0);
  g_clear_object (&h);
  g_assert_cmpuint (dz_live_count (DZ_LIVE_FUNCTION), ==, 0);
}

/* Gradients that read the inputs (mul) or the output (exp) make their
 * arrays on the way; the results are those of a 0-d array graph. */
static void
test_scalar_gradients (void)
{
  g_autoptr(DzVariable) a = dz_variable_new_scalar (0.7);
  g_autoptr(DzArray) b_data = dz_array_new_scalar (-1.3);
  g_autoptr(DzVariable) b = dz_variable_new (b_data);
  g_autoptr(DzVariable) ab = dz_mul (a, b, NULL);
  g_autoptr(DzVariable) e = dz_exp (ab, NULL);
  g_autoptr(DzVariable) t = dz_tanh (a, NULL);
  g_autoptr(DzVariable) y = dz_div (e, t, NULL);
  double ea = exp (0.7 * -1.3), ta = tanh (0.7);

  /* A 0-d array input and an inline one mix; the result is inline. */
  g_assert_cmpuint (dz_variable_get_ndim (ab), ==, 0);
  g_assert_cmpuint (dz_variable_get_size (ab), ==, 1);
  g_assert_true (dz_variable_backward (y, NULL));
  g_assert_cmpfloat_with_epsilon (dz_test_grad (a),
                                  (-1.3 * ea * ta - ea * (1 - ta * ta)) / (ta * ta), 1e-12);
  g_assert_cmpfloat_with_epsilon (dz_test_grad (b), 0.7 * ea / ta, 1e-12);
}

static void
test_set_data (void)
{
  g_autoptr(DzVariable) x = dz_variable_new_scalar (2.0);
  g_autoptr(DzArray) vec = NULL;
  g_autofree char *text = dz_variable_to_string (x);
  const gsize three = 3;
  guint ndim = 7;

  g_assert_cmpstr (text, ==, "variable(2.0)");
  g_assert_nonnull (dz_variable_get_shape (x, &ndim));
  g_assert_cmpuint (ndim, ==, 0);

  /* Emptied: no inline value stays behind. */
  dz_variable_set_data (x, NULL);
  g_assert_null (dz_variable_get_data (x));
  g_assert_cmpuint (dz_variable_get_size (x), ==, 0);

  vec = dz_array_new_ones (&three, 1, NULL);
  dz_variable_set_data (x, vec);
  g_assert_true (dz_variable_get_data (x) == vec);
  g_assert_cmpuint (dz_variable_get_size (x), ==, 3);
}

/* An emptied scalar refuses to compute, as an emptied array variable does. */
static void
test_empty_input (void)
{
  g_autoptr(DzVariable) x = dz_variable_new_scalar (2.0);
  g_autoptr(DzVariable) y = dz_variable_new_scalar (1.0);
  g_autoptr(DzVariable) z = NULL;
  g_autoptr(GError) error = NULL;

  dz_variable_set_data (x, NULL);
  z = dz_add (y, x, &error);
  g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_DATA);
  g_assert_null (z);
}

/* Shared leaves read from several threads at once make one array. */
static gpointer
read_shared (gpointer data)
{
  DzVariable *shared = data;
  gpointer first = dz_variable_get_data (shared);

  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr(DzVariable) y = dz_mul (shared, shared, NULL);

      if (dz_variable_get_data (shared) != first || first_value (y) != 9.0)
        return GUINT_TO_POINTER (FALSE);
    }
  return GUINT_TO_POINTER (TRUE);
}

static void
test_shared_leaf_threads (void)
{
  for (guint round = 0; round < 20; round++)
    {
      g_autoptr(DzVariable) shared = dz_variable_new_scalar (3.0);
      GThread *threads[4];

      for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
        threads[i] = g_thread_new ("reader", read_shared, shared);
      for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
        g_assert_true (GPOINTER_TO_UINT (g_thread_join (threads[i])));
      g_assert_cmpuint (dz_live_count (DZ_LIVE_ARRAY), ==, 1);
    }
  dz_assert_no_live_objects ();
}

/* Each thread counts its objects on its own: objects made in a thread
 * that has ended, and freed in another, still balance. */
static gpointer
make_graph (gpointer data)
{
  g_autoptr(DzVariable) x = dz_variable_new_scalar (GPOINTER_TO_UINT (data));
  g_autoptr(DzVariable) x2 = dz_square (x, NULL);

  return dz_exp (x2, NULL);
}

static void
test_live_counts_across_threads (void)
{
  GPtrArray *outputs = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < 8; i++)
    {
      GThread *thread = g_thread_new ("maker", make_graph, GUINT_TO_POINTER (i));

      g_ptr_array_add (outputs, g_thread_join (thread));
    }
  g_assert_cmpuint (dz_live_count (DZ_LIVE_VARIABLE), ==, 8 * 3);
  g_assert_cmpuint (dz_live_count (DZ_LIVE_FUNCTION), ==, 8 * 2);
  g_ptr_array_unref (outputs);
  dz_assert_no_live_objects ();
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/scalar/kernels-agree", test_kernels_agree);
  g_test_add_func ("/scalar/no-arrays", test_no_arrays_in_scalar_graphs);
  g_test_add_func ("/scalar/gradients", test_scalar_gradients);
  g_test_add_func ("/scalar/set-data", test_set_data);
  g_test_add_func ("/scalar/empty-input", test_empty_input);
  g_test_add_func ("/scalar/shared-leaf-threads", test_shared_leaf_threads);
  g_test_add_func ("/scalar/live-counts-across-threads", test_live_counts_across_threads);

  return g_test_run ();
}
