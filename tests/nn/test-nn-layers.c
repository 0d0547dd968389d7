/* test-nn-layers.c: parameters, layers, the linear layer and the MLP
 *
 * SPDX-License-Identifier: MIT
 */

#include "dz-test-utils.h"

/* A layer written in C as a user would write one: two linear layers and a
 * parameter of its own, with a forward of its own. */
#define TEST_TYPE_NET (test_net_get_type ())
G_DECLARE_FINAL_TYPE (TestNet, test_net, TEST, NET, DzLayer)

struct _TestNet
{
  DzLayer parent_instance;
  gboolean fail;
};

G_DEFINE_FINAL_TYPE (TestNet, test_net, DZ_TYPE_LAYER)

static GPtrArray *
test_net_forward (DzLayer    *layer,
                  GPtrArray  *inputs,
                  GError    **error)
{
  g_autoptr(DzVariable) h = NULL;
  g_autoptr(DzVariable) a = NULL;
  g_autoptr(DzVariable) y = NULL;
  GPtrArray *outputs;

  /* PyGObject's way of reporting an exception: NULL, no error. */
  if (TEST_NET (layer)->fail)
    return NULL;

  h = dz_layer_call1 (dz_layer_get_layer (layer, "l0"), g_ptr_array_index (inputs, 0), error);
  if (h == NULL)
    return NULL;
  a = dz_sigmoid (h, error);
  if (a == NULL)
    return NULL;
  y = dz_layer_call1 (dz_layer_get_layer (layer, "l1"), a, error);
  if (y == NULL)
    return NULL;

  outputs = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (outputs, dz_mul (y, DZ_VARIABLE (dz_layer_get_parameter (layer, "scale")), error));
  return outputs;
}

static void
test_net_class_init (TestNetClass *klass)
{
  DZ_LAYER_CLASS (klass)->forward = test_net_forward;
}

static void
test_net_init (TestNet *self)
{
  g_autoptr(DzLayer) l0 = dz_linear_layer_new (5, FALSE, DZ_DTYPE_FLOAT64, NULL);
  g_autoptr(DzLayer) l1 = dz_linear_layer_new (2, FALSE, DZ_DTYPE_FLOAT64, NULL);
  g_autoptr(DzArray) one = dz_array_new_scalar (1.0);
  g_autoptr(DzParameter) scale = dz_parameter_new (one, "scale");

  dz_layer_add_layer (DZ_LAYER (self), "l0", l0);
  dz_layer_add_parameter (DZ_LAYER (self), "scale", scale);
  dz_layer_add_layer (DZ_LAYER (self), "l1", l1);
}

static DzVariable *
input (gsize   rows,
       gsize   cols,
       guint64 seed)
{
  gsize shape[2] = { rows, cols };

  return dz_test_randn (shape, 2, seed);
}

static void
assert_shape2 (DzVariable *v,
               gsize       rows,
               gsize       cols)
{
  guint ndim;
  const gsize *shape = dz_variable_get_shape (v, &ndim);

  g_assert_cmpuint (ndim, ==, 2);
  g_assert_cmpuint (shape[0], ==, rows);
  g_assert_cmpuint (shape[1], ==, cols);
}

static void
test_parameter_is_variable (void)
{
  g_autoptr(DzArray) data = dz_array_new_scalar (3.0);
  g_autoptr(DzParameter) p = dz_parameter_new (data, "p");
  g_autoptr(DzParameter) empty = dz_parameter_new (NULL, NULL);
  g_autoptr(DzVariable) x = dz_test_scalar (2.0);
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (DZ_IS_VARIABLE (p));
  g_assert_cmpstr (dz_variable_get_name (DZ_VARIABLE (p)), ==, "p");
  g_assert_null (dz_variable_get_data (DZ_VARIABLE (empty)));

  /* y = p^2 * x: dy/dp = 2 p x */
  {
    g_autoptr(DzVariable) p2 = dz_square (DZ_VARIABLE (p), &error);
    g_assert_no_error (error);
    y = dz_mul (p2, x, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpfloat (dz_test_value (y), ==, 18.0);
  g_assert_true (dz_variable_backward (y, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (dz_test_grad (DZ_VARIABLE (p)), ==, 12.0);

  /* Used with no data, it fails as any empty variable does. */
  {
    g_autoptr(DzVariable) z = dz_add (DZ_VARIABLE (empty), x, &error);
    g_assert_null (z);
    g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_DATA);
  }

  g_clear_object (&y);
  g_clear_object (&x);
  g_clear_object (&p);
  g_clear_object (&empty);
  g_clear_object (&data);
  dz_assert_no_live_objects ();
}

static void
test_layer_order_and_names (void)
{
  g_autoptr(DzLayer) net = g_object_new (TEST_TYPE_NET, NULL);
  g_autoptr(GPtrArray) params = NULL;
  g_auto(GStrv) names = NULL;
  const char *expected[] = { "l0.W", "l0.b", "scale", "l1.W", "l1.b", NULL };
  DzLayer *l0 = dz_layer_get_layer (net, "l0");

  names = dz_layer_list_parameter_names (net);
  g_assert_cmpstrv (names, expected);
  params = dz_layer_list_parameters (net);
  g_assert_cmpuint (params->len, ==, 5);
  g_assert_true (g_ptr_array_index (params, 0) == dz_layer_get_parameter (l0, "W"));
  g_assert_true (g_ptr_array_index (params, 2) == dz_layer_get_parameter (net, "scale"));
  g_assert_null (dz_layer_get_parameter (net, "l0"));
  g_assert_null (dz_layer_get_layer (net, "scale"));
  g_assert_null (dz_layer_get_layer (net, "nothing"));

  /* Registering a name again replaces it in place, as DeZero's attribute
   * assignment does. */
  {
    g_autoptr(DzLayer) other = dz_linear_layer_new (5, TRUE, DZ_DTYPE_FLOAT64, NULL);
    g_auto(GStrv) again = NULL;
    const char *expected_again[] = { "l0.W", "scale", "l1.W", "l1.b", NULL };

    dz_layer_add_layer (net, "l0", other);
    again = dz_layer_list_parameter_names (net);
    g_assert_cmpstrv (again, expected_again);
    g_assert_true (dz_layer_get_layer (net, "l0") == other);
  }

  /* The same twice: stable. */
  {
    g_auto(GStrv) a = dz_layer_list_parameter_names (net);
    g_auto(GStrv) b = dz_layer_list_parameter_names (net);

    g_assert_cmpstrv (a, b);
  }

  /* The direct sub-layers, in order; one registered twice, once. */
  {
    g_autoptr(GPtrArray) layers = NULL;

    dz_layer_add_layer (net, "alias", dz_layer_get_layer (net, "l0"));
    layers = dz_layer_list_layers (net);
    g_assert_cmpuint (layers->len, ==, 2);
    g_assert_true (g_ptr_array_index (layers, 0) == dz_layer_get_layer (net, "l0"));
    g_assert_true (g_ptr_array_index (layers, 1) == dz_layer_get_layer (net, "l1"));
    g_clear_pointer (&layers, g_ptr_array_unref);
    layers = dz_layer_list_layers (dz_layer_get_layer (net, "l1"));
    g_assert_cmpuint (layers->len, ==, 0);
  }

  g_clear_pointer (&params, g_ptr_array_unref);
  g_clear_object (&net);
  dz_assert_no_live_objects ();
}

static void
test_layer_rejects_cycles (void)
{
  g_autoptr(DzLayer) outer = dz_mlp_new ((gsize[]) { 3, 1 }, 2, DZ_MLP_ACTIVATION_SIGMOID,
                                         DZ_DTYPE_FLOAT64, NULL);
  DzLayer *inner = dz_layer_get_layer (outer, "l1");
  g_auto(GStrv) names = NULL;
  const char *expected[] = { "l0.W", "l0.b", "l1.W", "l1.b", NULL };

  g_test_expect_message ("Dz", G_LOG_LEVEL_CRITICAL, "*layer_contains*");
  dz_layer_add_layer (outer, "self", outer);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Dz", G_LOG_LEVEL_CRITICAL, "*layer_contains*");
  dz_layer_add_layer (inner, "outer", outer);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Dz", G_LOG_LEVEL_CRITICAL, "*is_valid_name*");
  dz_layer_add_layer (outer, "a.b", inner);
  g_test_assert_expected_messages ();

  names = dz_layer_list_parameter_names (outer);
  g_assert_cmpstrv (names, expected);

  g_clear_object (&outer);
  dz_assert_no_live_objects ();
}

static void
test_layer_cleargrads (void)
{
  g_autoptr(DzLayer) net = g_object_new (TEST_TYPE_NET, NULL);
  g_autoptr(DzVariable) x = input (4, 3, 1);
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(DzVariable) loss = NULL;
  g_autoptr(GPtrArray) params = NULL;
  g_autoptr(GError) error = NULL;

  y = dz_layer_call1 (net, x, &error);
  g_assert_no_error (error);
  assert_shape2 (y, 4, 2);
  loss = dz_sum (y, NULL, 0, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (dz_variable_backward (loss, &error));

  params = dz_layer_list_parameters (net);
  for (guint i = 0; i < params->len; i++)
    g_assert_nonnull (dz_variable_get_grad (g_ptr_array_index (params, i)));
  dz_layer_cleargrads (net);
  for (guint i = 0; i < params->len; i++)
    g_assert_null (dz_variable_get_grad (g_ptr_array_index (params, i)));

  g_clear_pointer (&params, g_ptr_array_unref);
  g_clear_object (&loss);
  g_clear_object (&y);
  g_clear_object (&x);
  g_clear_object (&net);
  dz_assert_no_live_objects ();
}

static void
test_layer_errors (void)
{
  g_autoptr(DzLayer) net = g_object_new (TEST_TYPE_NET, NULL);
  g_autoptr(DzLayer) linear = dz_linear_layer_new (2, FALSE, DZ_DTYPE_FLOAT64, NULL);
  g_autoptr(DzVariable) x = input (4, 3, 1);
  g_autoptr(DzVariable) empty = dz_variable_new (NULL);
  g_autoptr(GPtrArray) two = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  DzVariable *y;

  TEST_NET (net)->fail = TRUE;
  y = dz_layer_call1 (net, x, &error);
  g_assert_null (y);
  g_assert_error (error, DZ_ERROR, DZ_ERROR_FUNCTION_FAILED);
  g_clear_error (&error);

  g_ptr_array_add (two, x);
  g_ptr_array_add (two, x);
  g_assert_null (dz_layer_call (linear, two, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT);
  g_clear_error (&error);

  /* No input size to infer: W stays without data, and a later call with
   * data still works. */
  g_assert_null (dz_layer_call1 (linear, empty, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
  g_clear_error (&error);
  g_assert_cmpuint (dz_linear_layer_get_in_size (DZ_LINEAR_LAYER (linear)), ==, 0);
  y = dz_layer_call1 (linear, x, &error);
  g_assert_no_error (error);
  assert_shape2 (y, 4, 2);
  g_object_unref (y);

  g_clear_pointer (&two, g_ptr_array_unref);
  g_clear_object (&empty);
  g_clear_object (&x);
  g_clear_object (&linear);
  g_clear_object (&net);
  dz_assert_no_live_objects ();
}

static void
test_linear_infers_in_size (void)
{
  g_autoptr(DzLayer) linear = dz_linear_layer_new (4, FALSE, DZ_DTYPE_FLOAT64, NULL);
  g_autoptr(DzLayer) nobias = dz_linear_layer_new_with_in_size (3, 4, TRUE, DZ_DTYPE_FLOAT64, NULL);
  g_autoptr(DzVariable) x = input (5, 3, 2);
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  DzVariable *W = DZ_VARIABLE (dz_layer_get_parameter (linear, "W"));
  DzVariable *b = DZ_VARIABLE (dz_layer_get_parameter (linear, "b"));
  const char *expected[] = { "W", NULL };
  guint ndim;

  g_assert_null (dz_variable_get_data (W));
  g_assert_cmpuint (dz_linear_layer_get_in_size (DZ_LINEAR_LAYER (linear)), ==, 0);
  g_assert_cmpuint (dz_variable_get_shape (b, &ndim)[0], ==, 4);
  g_assert_cmpfloat (dz_array_sum (dz_variable_get_data (b)), ==, 0.0);

  y = dz_layer_call1 (linear, x, &error);
  g_assert_no_error (error);
  assert_shape2 (y, 5, 4);
  assert_shape2 (W, 3, 4);
  g_assert_cmpuint (dz_linear_layer_get_in_size (DZ_LINEAR_LAYER (linear)), ==, 3);
  g_assert_cmpuint (dz_linear_layer_get_out_size (DZ_LINEAR_LAYER (linear)), ==, 4);

  /* The weights are drawn once. */
  {
    DzArray *first = dz_variable_get_data (W);
    g_autoptr(DzVariable) y2 = dz_layer_call1 (linear, x, &error);

    g_assert_no_error (error);
    g_assert_true (dz_variable_get_data (W) == first);
    dz_assert_allclose (dz_variable_get_data (y), dz_variable_get_data (y2), 0, 0);
  }

  names = dz_layer_list_parameter_names (nobias);
  g_assert_cmpstrv (names, expected);
  assert_shape2 (DZ_VARIABLE (dz_layer_get_parameter (nobias, "W")), 3, 4);
  g_clear_object (&y);
  y = dz_layer_call1 (nobias, x, &error);
  g_assert_no_error (error);
  assert_shape2 (y, 5, 4);

  g_clear_object (&y);
  g_clear_object (&x);
  g_clear_object (&linear);
  g_clear_object (&nobias);
  dz_assert_no_live_objects ();
}

static void
test_linear_init_scale (void)
{
  const gsize in = 400, out = 250;
  g_autoptr(DzGenerator) gen = dz_generator_new (7);
  g_autoptr(DzGenerator) same = dz_generator_new (7);
  g_autoptr(DzGenerator) other = dz_generator_new (8);
  g_autoptr(DzLayer) a = dz_linear_layer_new_with_in_size (in, out, FALSE, DZ_DTYPE_FLOAT64, gen);
  g_autoptr(DzLayer) b = dz_linear_layer_new_with_in_size (in, out, FALSE, DZ_DTYPE_FLOAT64, same);
  g_autoptr(DzLayer) c = dz_linear_layer_new_with_in_size (in, out, FALSE, DZ_DTYPE_FLOAT64, other);
  g_autoptr(DzLayer) f32 = dz_linear_layer_new_with_in_size (in, out, FALSE, DZ_DTYPE_FLOAT32, NULL);
  DzArray *W = dz_variable_get_data (DZ_VARIABLE (dz_layer_get_parameter (a, "W")));
  const double *values;
  gsize n;
  double mean = 0, var = 0;

  values = dz_array_get_values (W, &n);
  g_assert_cmpuint (n, ==, in * out);
  for (gsize i = 0; i < n; i++)
    mean += values[i];
  mean /= n;
  for (gsize i = 0; i < n; i++)
    var += (values[i] - mean) * (values[i] - mean);
  var /= n;
  /* randn * sqrt(1/in): mean 0, variance 1/in = 0.0025; with 1e5 draws
   * the estimates are within a few percent. */
  g_assert_cmpfloat (fabs (mean), <, 0.01 / sqrt (in));
  g_assert_cmpfloat (fabs (var * in - 1.0), <, 0.03);

  dz_assert_allclose (W, dz_variable_get_data (DZ_VARIABLE (dz_layer_get_parameter (b, "W"))),
                                    0, 0);
  g_assert_false (dz_array_allclose (W, dz_variable_get_data (DZ_VARIABLE (dz_layer_get_parameter (c, "W"))),
                                     0, 0));
  g_assert_cmpint (dz_variable_get_dtype (DZ_VARIABLE (dz_layer_get_parameter (f32, "W"))), ==,
                   DZ_DTYPE_FLOAT32);
  g_assert_cmpint (dz_variable_get_dtype (DZ_VARIABLE (dz_layer_get_parameter (f32, "b"))), ==,
                   DZ_DTYPE_FLOAT32);

  g_clear_object (&a);
  g_clear_object (&b);
  g_clear_object (&c);
  g_clear_object (&f32);
  dz_assert_no_live_objects ();
}

/* DeZero's get_spiral(), smaller: n points in each of 3 arms. */
static void
make_spiral (guint        n,
             DzVariable **x,
             DzVariable **t)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (1984);
  g_autofree double *xs = g_new (double, 3 * n * 2);
  g_autofree double *ts = g_new (double, 3 * n);
  gsize xshape[2] = { 3 * n, 2 }, tshape[1] = { 3 * n };
  g_autoptr(DzArray) xa = NULL;
  g_autoptr(DzArray) ta = NULL;

  for (guint j = 0; j < 3; j++)
    for (guint i = 0; i < n; i++)
      {
        double rate = (double) i / n;
        double theta = j * 4.0 + 4.0 * rate + dz_generator_next_normal (gen) * 0.2;
        guint k = j * n + i;

        xs[2 * k] = rate * sin (theta);
        xs[2 * k + 1] = rate * cos (theta);
        ts[k] = j;
      }
  xa = dz_array_new_from_values (xs, 3 * n * 2, xshape, 2, NULL);
  ta = dz_array_new_from_values (ts, 3 * n, tshape, 1, NULL);
  *x = dz_variable_new (xa);
  *t = dz_variable_new (ta);
}

static double
step (DzLayer    *model,
      DzVariable *x,
      DzVariable *t,
      double      lr)
{
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(DzVariable) loss = NULL;
  g_autoptr(GPtrArray) params = NULL;
  g_autoptr(GError) error = NULL;
  double value;

  y = dz_layer_call1 (model, x, &error);
  g_assert_no_error (error);
  loss = dz_softmax_cross_entropy (y, t, &error);
  g_assert_no_error (error);
  value = dz_test_value (loss);

  dz_layer_cleargrads (model);
  g_assert_true (dz_variable_backward (loss, &error));
  g_assert_no_error (error);

  params = dz_layer_list_parameters (model);
  for (guint i = 0; i < params->len; i++)
    {
      DzVariable *p = g_ptr_array_index (params, i);
      g_autoptr(DzArray) delta = dz_array_scale (dz_variable_get_data (dz_variable_get_grad (p)), lr, NULL);
      g_autoptr(DzArray) updated = dz_array_sub (dz_variable_get_data (p), delta, &error);

      g_assert_no_error (error);
      dz_variable_set_data (p, updated);
    }
  return value;
}

static void
test_mlp_trains (void)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (42);
  g_autoptr(DzLayer) model = dz_mlp_new ((gsize[]) { 10, 3 }, 2, DZ_MLP_ACTIVATION_SIGMOID,
                                         DZ_DTYPE_FLOAT64, gen);
  g_autoptr(DzVariable) x = NULL;
  g_autoptr(DzVariable) t = NULL;
  g_auto(GStrv) names = NULL;
  const char *expected[] = { "l0.W", "l0.b", "l1.W", "l1.b", NULL };
  double first, last = 0;

  g_assert_cmpuint (dz_mlp_get_n_layers (DZ_MLP (model)), ==, 2);
  g_assert_cmpint (dz_mlp_get_activation (DZ_MLP (model)), ==, DZ_MLP_ACTIVATION_SIGMOID);
  names = dz_layer_list_parameter_names (model);
  g_assert_cmpstrv (names, expected);

  make_spiral (20, &x, &t);
  first = step (model, x, t, 1.0);
  assert_shape2 (DZ_VARIABLE (dz_layer_get_parameter (dz_layer_get_layer (model, "l0"), "W")), 2, 10);
  assert_shape2 (DZ_VARIABLE (dz_layer_get_parameter (dz_layer_get_layer (model, "l1"), "W")), 10, 3);
  for (guint i = 0; i < 100; i++)
    last = step (model, x, t, 1.0);
  g_test_message ("spiral loss %g -> %g", first, last);
  g_assert_cmpfloat (last, <, 0.9 * first);

  g_clear_object (&x);
  g_clear_object (&t);
  g_clear_object (&model);
  g_clear_object (&gen);
  dz_assert_no_live_objects ();
}

static void
test_mlp_activations (void)
{
  DzMlpActivation activations[] = { DZ_MLP_ACTIVATION_SIGMOID, DZ_MLP_ACTIVATION_RELU,
                                     DZ_MLP_ACTIVATION_TANH };

  for (guint i = 0; i < G_N_ELEMENTS (activations); i++)
    {
      g_autoptr(DzGenerator) gen = dz_generator_new (3);
      g_autoptr(DzLayer) model = dz_mlp_new ((gsize[]) { 8, 8, 1 }, 3, activations[i],
                                             DZ_DTYPE_FLOAT64, gen);
      g_autoptr(DzVariable) x = input (6, 4, 5);
      g_autoptr(DzVariable) y = NULL;
      g_autoptr(GError) error = NULL;

      y = dz_layer_call1 (model, x, &error);
      g_assert_no_error (error);
      assert_shape2 (y, 6, 1);
    }
  dz_assert_no_live_objects ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/nn/parameter/is-variable", test_parameter_is_variable);
  g_test_add_func ("/nn/layer/order-and-names", test_layer_order_and_names);
  g_test_add_func ("/nn/layer/rejects-cycles", test_layer_rejects_cycles);
  g_test_add_func ("/nn/layer/cleargrads", test_layer_cleargrads);
  g_test_add_func ("/nn/layer/errors", test_layer_errors);
  g_test_add_func ("/nn/linear/infers-in-size", test_linear_infers_in_size);
  g_test_add_func ("/nn/linear/init-scale", test_linear_init_scale);
  g_test_add_func ("/nn/mlp/trains", test_mlp_trains);
  g_test_add_func ("/nn/mlp/activations", test_mlp_activations);

  return g_test_run ();
}
