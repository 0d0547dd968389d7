/* test-higher-order.c: DeZero stages 2-3 in C
 *
 * SPDX-License-Identifier: MIT
 */

#include <glib/gstdio.h>

#include "dz-test-utils.h"

/* Expressions create many temporaries; an arena owns them for the test. */
static GPtrArray *arena;
#define T(expr) ((DzVariable *) arena_take (expr))

static gpointer
arena_take (gpointer object)
{
  g_assert_nonnull (object);
  g_ptr_array_add (arena, object);
  return object;
}

static void
arena_setup (void)
{
  arena = g_ptr_array_new_with_free_func (g_object_unref);
}

static void
arena_teardown (void)
{
  g_clear_pointer (&arena, g_ptr_array_unref);
}

static DzVariable *
add (DzVariable *a, DzVariable *b)
{
  g_autoptr(GError) error = NULL;
  DzVariable *r = dz_add (a, b, &error);

  g_assert_no_error (error);
  return T (r);
}

static DzVariable *
mul (DzVariable *a, DzVariable *b)
{
  g_autoptr(GError) error = NULL;
  DzVariable *r = dz_mul (a, b, &error);

  g_assert_no_error (error);
  return T (r);
}

static DzVariable *
sub (DzVariable *a, DzVariable *b)
{
  g_autoptr(GError) error = NULL;
  DzVariable *r = dz_sub (a, b, &error);

  g_assert_no_error (error);
  return T (r);
}

static DzVariable *cst (DzVariable *x, double c) { return T (dz_mul_scalar (x, c, NULL)); }
static DzVariable *addc (DzVariable *x, double c) { return T (dz_add_scalar (x, c, NULL)); }
static DzVariable *pw (DzVariable *x, double c) { return T (dz_pow (x, c, NULL)); }

/* --- no-grad ----------------------------------------------------------- */

static void
test_no_grad_guard (void)
{
  g_autoptr(DzVariable) x = dz_test_scalar (2.0);

  {
    g_autoptr(DzNoGradGuard) guard = dz_no_grad_guard_new ();
    g_autoptr(DzVariable) y = dz_square (x, NULL);

    g_assert_false (dz_get_enable_backprop ());
    g_assert_null (dz_variable_get_creator (y));
    {
      g_autoptr(DzNoGradGuard) nested = dz_no_grad_guard_new ();

      g_assert_false (dz_get_enable_backprop ());
    }
    g_assert_false (dz_get_enable_backprop ());
  }
  g_assert_true (dz_get_enable_backprop ());
}

static GObject *
square_body (gpointer user_data)
{
  g_assert_false (dz_get_enable_backprop ());
  return G_OBJECT (dz_square (user_data, NULL));
}

static void
test_no_grad_callback (void)
{
  g_autoptr(DzVariable) x = dz_test_scalar (3.0);
  g_autoptr(DzVariable) y = DZ_VARIABLE (dz_no_grad (square_body, x));

  g_assert_true (dz_get_enable_backprop ());
  g_assert_null (dz_variable_get_creator (y));
  g_assert_cmpfloat (dz_test_value (y), ==, 9.0);
}

/* The seed's loop: without a graph at most one intermediate array lives
 * beside x and y; with one, every intermediate does. */
static void
test_no_grad_seed_loop_memory (void)
{
  const gsize shape[] = { 100000 };

  for (guint mode = 0; mode < 2; mode++)
    for (guint i = 0; i < 100; i++)
      {
        g_autoptr(DzNoGradGuard) guard = mode == 0 ? dz_no_grad_guard_new () : NULL;
        g_autoptr(DzArray) data = dz_array_new_randn (shape, 1, NULL, NULL);
        g_autoptr(DzVariable) x = dz_variable_new (data);
        g_autoptr(DzVariable) y = NULL;

        g_clear_object (&data);
        dz_live_reset_peak ();
        {
          g_autoptr(DzVariable) a = dz_square (x, NULL);
          g_autoptr(DzVariable) b = NULL;

          b = dz_square (a, NULL);
          g_clear_object (&a);
          y = dz_square (b, NULL);
        }
        /* x, y and one intermediate (a while b is made, b while y is). */
        if (mode == 0)
          g_assert_cmpuint (dz_live_peak (DZ_LIVE_ARRAY), ==, 3);
        else
          g_assert_cmpuint (dz_live_peak (DZ_LIVE_ARRAY), ==, 4);
      }
  dz_assert_no_live_objects ();
}

/* --- higher-order derivatives ------------------------------------------ */

/* y = x^4 - 2x^2 */
static DzVariable *
quartic (DzVariable *x)
{
  return sub (pw (x, 4), cst (pw (x, 2), 2.0));
}

static void
test_second_derivative (void)
{
  DzVariable *x = dz_test_scalar (2.0);
  DzVariable *y = quartic (x);
  g_autoptr(DzVariable) gx = NULL;

  g_assert_true (dz_variable_backward_full (y, DZ_BACKWARD_CREATE_GRAPH, NULL));
  gx = g_object_ref (dz_variable_get_grad (x));
  g_assert_cmpfloat (dz_test_value (gx), ==, 24.0);

  dz_variable_clear_grad (x);
  g_assert_true (dz_variable_backward (gx, NULL));
  g_assert_cmpfloat (dz_test_grad (x), ==, 44.0);

  g_object_unref (x);
}

static void
test_second_derivative_functional (void)
{
  DzVariable *x = dz_test_scalar (2.0);
  DzVariable *y = quartic (x);
  g_autoptr(GPtrArray) inputs = g_ptr_array_new ();
  g_autoptr(GPtrArray) g1 = NULL;
  g_autoptr(GPtrArray) g2 = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (inputs, x);
  g1 = dz_grad (y, inputs, DZ_BACKWARD_CREATE_GRAPH, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (dz_test_value (g1->pdata[0]), ==, 24.0);
  g2 = dz_grad (g1->pdata[0], inputs, DZ_BACKWARD_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (dz_test_value (g2->pdata[0]), ==, 44.0);
  /* Nothing was stored anywhere. */
  g_assert_null (dz_variable_get_grad (x));
  g_assert_null (dz_variable_get_grad (y));
  g_object_unref (x);
}

static void
test_grad_unreached_and_errors (void)
{
  g_autoptr(DzVariable) x = dz_test_scalar (2.0);
  g_autoptr(DzVariable) other = dz_test_scalar (5.0);
  g_autoptr(DzVariable) empty = dz_variable_new (NULL);
  g_autoptr(DzVariable) y = dz_exp (x, NULL);
  g_autoptr(GPtrArray) inputs = g_ptr_array_new ();
  g_autoptr(GPtrArray) grads = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (inputs, x);
  g_ptr_array_add (inputs, other);
  g_ptr_array_add (inputs, y);
  grads = dz_grad (y, inputs, DZ_BACKWARD_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (dz_test_value (grads->pdata[0]), exp (2.0), 1e-12);
  g_assert_cmpfloat (dz_test_value (grads->pdata[1]), ==, 0.0);
  g_assert_cmpfloat (dz_test_value (grads->pdata[2]), ==, 1.0);

  g_ptr_array_add (inputs, empty);
  g_assert_null (dz_grad (y, inputs, DZ_BACKWARD_NONE, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
}

static void
test_newton (void)
{
  DzVariable *x = dz_test_scalar (2.0);
  guint iterations = 0;

  /* x <- x - f'(x) / f''(x) until it stops moving. */
  for (; iterations < 20; iterations++)
    {
      g_autoptr(GPtrArray) inputs = g_ptr_array_new ();
      g_autoptr(GPtrArray) g1 = NULL;
      g_autoptr(GPtrArray) g2 = NULL;
      g_autoptr(DzArray) next = NULL;
      double x0 = dz_test_value (x), step;

      g_ptr_array_add (inputs, x);
      g1 = dz_grad (quartic (x), inputs, DZ_BACKWARD_CREATE_GRAPH, NULL);
      g2 = dz_grad (g1->pdata[0], inputs, DZ_BACKWARD_NONE, NULL);
      step = dz_test_value (g1->pdata[0]) / dz_test_value (g2->pdata[0]);
      next = dz_array_new_scalar (x0 - step);
      dz_variable_set_data (x, next);
      if (fabs (step) < 1e-12)
        break;
    }

  g_assert_cmpfloat_with_epsilon (dz_test_value (x), 1.0, 1e-12);
  /* DeZero's step 33 gets there in 7 steps; the 8th only confirms. */
  g_assert_cmpuint (iterations, <=, 8);
  g_assert_cmpuint (iterations, >=, 6);
  g_object_unref (x);
}

static void
test_double_backprop (void)
{
  DzVariable *x = dz_test_scalar (2.0);
  DzVariable *y = T (dz_square (x, NULL));
  DzVariable *gx;
  DzVariable *z;

  g_assert_true (dz_variable_backward_full (y, DZ_BACKWARD_CREATE_GRAPH, NULL));
  gx = T (g_object_ref (dz_variable_get_grad (x)));
  dz_variable_clear_grad (x);
  z = add (pw (gx, 3), y);
  g_assert_true (dz_variable_backward (z, NULL));
  g_assert_cmpfloat (dz_test_grad (x), ==, 100.0);
  g_object_unref (x);
}

/* d^n/dx^n tanh x = P_n(tanh x) with P_0(t) = t and
 * P_{n+1}(t) = P_n'(t) (1 - t^2). */
static double
tanh_derivative (guint n, double x)
{
  double p[16] = { 0, 1 }, q[16];
  double t = tanh (x), value = 0, power = 1;

  for (guint k = 0; k < n; k++)
    {
      memset (q, 0, sizeof q);
      for (guint i = 1; i < 15; i++)
        {
          q[i - 1] += i * p[i];
          if (i + 1 < 16)
            q[i + 1] -= i * p[i];
        }
      memcpy (p, q, sizeof p);
    }
  for (guint i = 0; i < 16; i++, power *= t)
    value += p[i] * power;
  return value;
}

static void
test_tanh_derivatives (void)
{
  const double points[] = { -1.5, -0.3, 0.0, 0.4, 1.1 };
  const gsize shape[] = { G_N_ELEMENTS (points) };
  DzArray *data = dz_array_new_from_values (points, G_N_ELEMENTS (points), shape, 1, NULL);
  DzVariable *x = dz_variable_new (data);
  DzVariable *y = dz_tanh (x, NULL);

  g_object_unref (data);
  g_assert_true (dz_variable_backward_full (y, DZ_BACKWARD_CREATE_GRAPH, NULL));
  for (guint n = 1; n <= 6; n++)
    {
      DzVariable *gx = g_object_ref (dz_variable_get_grad (x));
      const double *got = dz_array_get_values (dz_variable_get_data (gx), NULL);

      for (guint i = 0; i < G_N_ELEMENTS (points); i++)
        g_assert_cmpfloat_with_epsilon (got[i], tanh_derivative (n, points[i]),
                                        1e-9 * MAX (1.0, fabs (got[i])));

      dz_variable_clear_grad (x);
      if (n < 6)
        g_assert_true (dz_variable_backward_full (gx, DZ_BACKWARD_CREATE_GRAPH, NULL));
      g_object_unref (gx);
    }

  g_object_unref (y);
  g_assert_finalize_object (x);
  dz_assert_no_live_objects ();
}

/* --- optimization test functions ---------------------------------------- */

static void
test_sphere_matyas (void)
{
  DzVariable *x = T (dz_test_scalar (1.0));
  DzVariable *y = T (dz_test_scalar (1.0));
  DzVariable *sphere = add (T (dz_square (x, NULL)), T (dz_square (y, NULL)));
  /* matyas: 0.26 (x^2 + y^2) - 0.48 x y */
  DzVariable *matyas = sub (cst (add (T (dz_square (x, NULL)), T (dz_square (y, NULL))), 0.26),
                            cst (mul (x, y), 0.48));

  g_assert_true (dz_variable_backward (sphere, NULL));
  g_assert_cmpfloat (dz_test_grad (x), ==, 2.0);
  g_assert_cmpfloat (dz_test_grad (y), ==, 2.0);
  dz_variable_clear_grad (x);
  dz_variable_clear_grad (y);
  g_assert_true (dz_variable_backward (matyas, NULL));
  g_assert_cmpfloat_with_epsilon (dz_test_grad (x), 0.04, 1e-12);
  g_assert_cmpfloat_with_epsilon (dz_test_grad (y), 0.04, 1e-12);
}

static DzVariable *
goldstein (DzVariable *x, DzVariable *y)
{
  DzVariable *a = addc (pw (addc (add (x, y), 1.0), 2), 0.0);
  DzVariable *b = add (add (add (add (addc (cst (x, -14.0), 19.0), cst (pw (x, 2), 3.0)),
                                 cst (y, -14.0)), cst (mul (x, y), 6.0)), cst (pw (y, 2), 3.0));
  DzVariable *c = pw (sub (cst (x, 2.0), cst (y, 3.0)), 2);
  DzVariable *d = add (add (add (add (addc (cst (x, -32.0), 18.0), cst (pw (x, 2), 12.0)),
                                 cst (y, 48.0)), cst (mul (x, y), -36.0)), cst (pw (y, 2), 27.0));

  return mul (addc (mul (a, b), 1.0), addc (mul (c, d), 30.0));
}

static void
test_goldstein (void)
{
  DzVariable *x = T (dz_test_scalar (1.0));
  DzVariable *y = T (dz_test_scalar (1.0));
  DzVariable *z = goldstein (x, y);

  g_assert_true (dz_variable_backward (z, NULL));
  g_assert_cmpfloat (dz_test_grad (x), ==, -5376.0);
  g_assert_cmpfloat (dz_test_grad (y), ==, 8064.0);
}

static void
test_rosenbrock (void)
{
  DzVariable *x0 = dz_test_scalar (0.0);
  DzVariable *x1 = dz_test_scalar (2.0);
  const double lr = 0.001;
  /* The same descent with the gradient worked out by hand. */
  double r0 = 0.0, r1 = 2.0;
  guint iterations = dz_test_scaled (50000);

  for (guint i = 0; i < iterations; i++)
    {
      g_autoptr(DzVariable) a = dz_square (x0, NULL);
      g_autoptr(DzVariable) b = dz_sub (x1, a, NULL);
      g_autoptr(DzVariable) c = dz_square (b, NULL);
      g_autoptr(DzVariable) d = dz_mul_scalar (c, 100.0, NULL);
      g_autoptr(DzVariable) e = dz_mul_scalar (x0, -1.0, NULL);
      g_autoptr(DzVariable) f = dz_add_scalar (e, 1.0, NULL);
      g_autoptr(DzVariable) g = dz_square (f, NULL);
      g_autoptr(DzVariable) y = dz_add (d, g, NULL);
      g_autoptr(DzArray) n0 = NULL;
      g_autoptr(DzArray) n1 = NULL;

      dz_variable_clear_grad (x0);
      dz_variable_clear_grad (x1);
      g_assert_true (dz_variable_backward (y, NULL));
      n0 = dz_array_new_scalar (dz_test_value (x0) - lr * dz_test_grad (x0));
      n1 = dz_array_new_scalar (dz_test_value (x1) - lr * dz_test_grad (x1));
      dz_variable_set_data (x0, n0);
      dz_variable_set_data (x1, n1);

      {
        double g0 = -400 * r0 * (r1 - r0 * r0) - 2 * (1 - r0);
        double g1 = 200 * (r1 - r0 * r0);

        r0 -= lr * g0;
        r1 -= lr * g1;
      }
      g_assert_cmpfloat_with_epsilon (dz_test_value (x0), r0, 1e-9);
      g_assert_cmpfloat_with_epsilon (dz_test_value (x1), r1, 1e-9);
      /* DeZero's step 28 prints (0.99449..., 0.98900...) after 10000. */
      if (i + 1 == 10000)
        {
          g_assert_cmpfloat_with_epsilon (dz_test_value (x0), 0.9945, 1e-4);
          g_assert_cmpfloat_with_epsilon (dz_test_value (x1), 0.9890, 1e-4);
        }
    }

  if (iterations == 50000)
    {
      g_assert_cmpfloat_with_epsilon (dz_test_value (x0), 1.0, 1e-6);
      g_assert_cmpfloat_with_epsilon (dz_test_value (x1), 1.0, 1e-6);
    }
  g_object_unref (x0);
  g_object_unref (x1);
}

/* --- unchain -------------------------------------------------------------- */

static void
test_unchain (void)
{
  DzVariable *x = dz_test_scalar (0.5);
  DzVariable *a = dz_sin (x, NULL);
  DzVariable *b = dz_exp (a, NULL);
  DzVariable *y = dz_square (b, NULL);
  DzFunction *sin_fn = dz_variable_get_creator (a);

  g_object_add_weak_pointer (G_OBJECT (sin_fn), (gpointer *) &sin_fn);
  dz_variable_unchain_backward (y);
  /* y keeps its creator; b and a became leaves; Sin was released. */
  g_assert_nonnull (dz_variable_get_creator (y));
  g_assert_null (dz_variable_get_creator (b));
  g_assert_null (dz_variable_get_creator (a));
  g_assert_null (sin_fn);

  g_assert_true (dz_variable_backward (y, NULL));
  g_assert_nonnull (dz_variable_get_grad (b));
  g_assert_null (dz_variable_get_grad (x));

  dz_variable_unchain (y);
  g_assert_null (dz_variable_get_creator (y));
  g_assert_cmpuint (dz_live_count (DZ_LIVE_FUNCTION), ==, 0);
  g_object_unref (a);
  g_object_unref (b);
  g_object_unref (y);
  g_object_unref (x);
  dz_assert_no_live_objects ();
}

/* --- graph pictures ------------------------------------------------------- */

static void
test_dot_text (void)
{
  DzVariable *x = T (dz_test_scalar (1.0));
  DzVariable *y = T (dz_test_scalar (1.0));
  DzVariable *z;
  g_autofree char *dot = NULL;
  g_autofree char *plain = NULL;
  g_auto(GStrv) lines = NULL;
  guint functions = 0, edges = 0;

  dz_variable_set_name (x, "x");
  dz_variable_set_name (y, "y");
  z = mul (add (x, y), x);
  dz_variable_set_name (z, "z \"quoted\"");
  dot = dz_variable_to_dot (z, TRUE);
  plain = dz_variable_to_dot (z, FALSE);

  g_assert_true (g_str_has_prefix (dot, "digraph g {\n"));
  g_assert_true (g_str_has_suffix (dot, "}\n"));
  g_assert_nonnull (strstr (dot, "[label=\"x: () float64\", color=orange, style=filled]"));
  g_assert_nonnull (strstr (dot, "[label=\"z \\\"quoted\\\": () float64\""));
  g_assert_nonnull (strstr (plain, "[label=\"x\", color=orange, style=filled]"));
  g_assert_nonnull (strstr (dot, "[label=\"Add\", color=lightblue, style=filled, shape=box]"));
  g_assert_nonnull (strstr (dot, "[label=\"Mul\", color=lightblue, style=filled, shape=box]"));

  lines = g_strsplit (dot, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      functions += strstr (lines[i], "shape=box") != NULL;
      edges += strstr (lines[i], " -> ") != NULL;
    }
  g_assert_cmpuint (functions, ==, 2);
  g_assert_cmpuint (edges, ==, 6);
}

static void
test_dot_render (void)
{
  DzVariable *x = T (dz_test_scalar (1.0));
  DzVariable *z = T (dz_tanh (x, NULL));
  g_autofree char *dir = g_dir_make_tmp ("dz-dot-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "graph.png", NULL);
  g_autofree char *no_ext = g_build_filename (dir, "graph", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *old_path = g_strdup (g_getenv ("PATH"));
  g_autofree char *dot_program = g_find_program_in_path ("dot");
  g_autoptr(GError) error = NULL;
  gsize length;

  if (dot_program == NULL)
    g_test_skip ("Graphviz is not installed");
  else
    {
      g_assert_true (dz_variable_plot_dot_graph (z, TRUE, png, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (png, &contents, &length, NULL));
      g_assert_cmpuint (length, >, 8);
      g_assert_cmpmem (contents, 4, "\x89PNG", 4);
      g_unlink (png);
    }

  g_assert_false (dz_variable_plot_dot_graph (z, TRUE, no_ext, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_setenv ("PATH", "/nonexistent", TRUE);
  g_assert_false (dz_variable_plot_dot_graph (z, TRUE, png, &error));
  g_setenv ("PATH", old_path, TRUE);
  g_assert_error (error, DZ_ERROR, DZ_ERROR_NOT_AVAILABLE);
  g_rmdir (dir);
}

static void
add_arena_test (const char *path, void (*fn) (void))
{
  g_test_add_vtable (path, 0, NULL, (GTestFixtureFunc) arena_setup,
                     (GTestFixtureFunc) fn, (GTestFixtureFunc) arena_teardown);
}

/* The loss of a 3-5-2 tanh MLP on a fixed batch, with W1 given. */
static DzVariable *
mlp_loss (DzVariable *W1)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (7);
  const gsize xs[] = { 4, 3 }, w2s[] = { 5, 2 }, bs[] = { 5 }, ts[] = { 4, 2 };
  DzVariable *x = T (dz_variable_new (arena_take (dz_array_new_randn (xs, 2, gen, NULL))));
  DzVariable *b1 = T (dz_variable_new (arena_take (dz_array_new_randn (bs, 1, gen, NULL))));
  DzVariable *W2 = T (dz_variable_new (arena_take (dz_array_new_randn (w2s, 2, gen, NULL))));
  DzVariable *t = T (dz_variable_new (arena_take (dz_array_new_randn (ts, 2, gen, NULL))));
  DzVariable *h = T (dz_tanh (T (dz_linear (x, W1, b1, NULL)), NULL));
  DzVariable *y = T (dz_linear (h, W2, NULL, NULL));

  return T (dz_mean_squared_error (y, t, NULL));
}

/* The gradient of mlp_loss at @w as an array (transfer full). */
static DzArray *
mlp_grad_at (DzArray *w)
{
  DzVariable *W1 = T (dz_variable_new (w));
  g_autoptr(GPtrArray) inputs = g_ptr_array_new ();
  g_autoptr(GPtrArray) grads = NULL;

  g_ptr_array_add (inputs, W1);
  grads = dz_grad (mlp_loss (W1), inputs, DZ_BACKWARD_NONE, NULL);
  g_assert_nonnull (grads);
  return g_object_ref (dz_variable_get_data (g_ptr_array_index (grads, 0)));
}

/* A Hessian-vector product through an MLP (double backprop through
 * linear, tanh and the loss) against central differences of gradients. */
static void
test_hvp_mlp (void)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (11);
  const gsize shape[] = { 3, 5 };
  g_autoptr(DzArray) w = dz_array_new_randn (shape, 2, gen, NULL);
  g_autoptr(DzArray) v = dz_array_new_randn (shape, 2, gen, NULL);
  DzVariable *W1 = T (dz_variable_new (w));
  g_autoptr(GPtrArray) inputs = g_ptr_array_new ();
  g_autoptr(GPtrArray) g = NULL;
  g_autoptr(GPtrArray) hv = NULL;
  g_autoptr(DzArray) w_plus = NULL, w_minus = NULL, g_plus = NULL, g_minus = NULL;
  g_autoptr(DzArray) numerical = NULL, eps_v = NULL, diff = NULL;
  DzVariable *gv;
  const double eps = 1e-5;

  g_ptr_array_add (inputs, W1);
  g = dz_grad (mlp_loss (W1), inputs, DZ_BACKWARD_CREATE_GRAPH, NULL);
  g_assert_nonnull (g);
  gv = T (dz_sum (T (dz_mul (g_ptr_array_index (g, 0), T (dz_variable_new (v)), NULL)),
                  NULL, 0, FALSE, NULL));
  hv = dz_grad (gv, inputs, DZ_BACKWARD_NONE, NULL);
  g_assert_nonnull (hv);

  eps_v = dz_array_scale (v, eps, NULL);
  w_plus = dz_array_add (w, eps_v, NULL);
  w_minus = dz_array_sub (w, eps_v, NULL);
  g_plus = mlp_grad_at (w_plus);
  g_minus = mlp_grad_at (w_minus);
  diff = dz_array_sub (g_plus, g_minus, NULL);
  numerical = dz_array_scale (diff, 1.0 / (2 * eps), NULL);
  dz_assert_allclose (dz_variable_get_data (g_ptr_array_index (hv, 0)), numerical,
                                    1e-5, 1e-7);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  add_arena_test ("/no-grad/guard", test_no_grad_guard);
  add_arena_test ("/no-grad/callback", test_no_grad_callback);
  add_arena_test ("/no-grad/seed-loop-memory", test_no_grad_seed_loop_memory);
  add_arena_test ("/higher-order/second-derivative", test_second_derivative);
  add_arena_test ("/higher-order/second-derivative-functional", test_second_derivative_functional);
  add_arena_test ("/higher-order/grad-unreached-and-errors", test_grad_unreached_and_errors);
  add_arena_test ("/higher-order/newton", test_newton);
  add_arena_test ("/higher-order/double-backprop", test_double_backprop);
  add_arena_test ("/higher-order/tanh", test_tanh_derivatives);
  add_arena_test ("/higher-order/hvp-mlp", test_hvp_mlp);
  add_arena_test ("/optimization/sphere-matyas", test_sphere_matyas);
  add_arena_test ("/optimization/goldstein", test_goldstein);
  add_arena_test ("/optimization/rosenbrock", test_rosenbrock);
  add_arena_test ("/graph/unchain", test_unchain);
  add_arena_test ("/graph/dot-text", test_dot_text);
  add_arena_test ("/graph/dot-render", test_dot_render);

  return g_test_run ();
}
