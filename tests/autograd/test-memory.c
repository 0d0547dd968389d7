/* test-memory.c: graphs are released when their last owner lets go
 *
 * SPDX-License-Identifier: MIT
 */

#include "dz-test-utils.h"

/* The experiment of step 17: square(square(square(randn(100000)))),
 * forward and backward, with every object gone after each iteration. */
static void
test_seed_loop (void)
{
  const gsize shape[] = { 100000 };
  g_autoptr(DzGenerator) gen = dz_generator_new (0);
  guint iterations = dz_test_scaled (1000);

  for (guint i = 0; i < iterations; i++)
    {
      g_autoptr(DzArray) data = dz_array_new_randn (shape, 1, gen, NULL);
      DzVariable *x = dz_variable_new (data);
      DzVariable *a = dz_square (x, NULL);
      DzVariable *b = dz_square (a, NULL);
      DzVariable *y = dz_square (b, NULL);

      g_object_unref (a);
      g_object_unref (b);
      g_assert_true (dz_variable_backward (y, NULL));
      g_assert_nonnull (dz_variable_get_grad (x));
      g_object_unref (y);
      /* Only the test's own x (and its data and grad) are left. */
      g_assert_cmpuint (dz_live_count (DZ_LIVE_FUNCTION), ==, 0);
      g_object_unref (x);
      g_clear_object (&data);
      dz_assert_no_live_objects ();
    }
}

static void
test_finalize_objects (void)
{
  DzVariable *x = dz_test_scalar (2.0);
  DzVariable *a = dz_square (x, NULL);
  DzVariable *y = dz_exp (a, NULL);
  DzFunction *square_fn = dz_variable_get_creator (a);
  DzFunction *exp_fn = dz_variable_get_creator (y);

  g_object_add_weak_pointer (G_OBJECT (a), (gpointer *) &a);
  g_object_add_weak_pointer (G_OBJECT (square_fn), (gpointer *) &square_fn);
  g_object_add_weak_pointer (G_OBJECT (exp_fn), (gpointer *) &exp_fn);

  g_assert_true (dz_variable_backward (y, NULL));
  g_object_unref (a);
  /* a lives on, held by exp_fn's inputs. */
  g_assert_nonnull (a);

  g_assert_finalize_object (y);
  g_assert_null (exp_fn);
  g_assert_null (a);
  g_assert_null (square_fn);

  /* The leaf keeps its gradient and data; nothing else is left. */
  g_assert_cmpuint (dz_live_count (DZ_LIVE_VARIABLE), ==, 2);
  g_assert_cmpuint (dz_live_count (DZ_LIVE_FUNCTION), ==, 0);
  g_assert_finalize_object (x);
  dz_assert_no_live_objects ();
}

/* A function stays alive while the user holds it, even after its outputs
 * are gone, and its weak references then read NULL. */
static void
test_function_outlives_output (void)
{
  DzVariable *x = dz_test_scalar (2.0);
  DzVariable *y = dz_exp (x, NULL);
  DzFunction *f = g_object_ref (dz_variable_get_creator (y));

  g_assert_finalize_object (y);
  g_assert_null (dz_function_get_output (f, 0));
  g_assert_true (dz_function_get_input (f, 0) == x);
  g_assert_finalize_object (f);
  g_assert_finalize_object (x);
  dz_assert_no_live_objects ();
}

/* Backward and release of a deep chain use no recursion. */
static void
test_deep_chain (void)
{
  guint depth = dz_test_scaled (1000000);
  DzVariable *x = dz_test_scalar (1.0);
  DzVariable *h = g_object_ref (x);

  for (guint i = 0; i < depth; i++)
    {
      DzVariable *next = dz_add_scalar (h, 1.0, NULL);

      g_object_unref (h);
      h = next;
    }
  g_assert_cmpfloat (dz_test_value (h), ==, 1.0 + depth);
  g_assert_cmpint (dz_variable_get_generation (h), ==, (int) depth);
  g_assert_cmpuint (dz_live_count (DZ_LIVE_FUNCTION), ==, depth);

  g_assert_true (dz_variable_backward (h, NULL));
  g_assert_cmpfloat (dz_test_grad (x), ==, 1.0);

  g_object_unref (h);
  g_assert_cmpuint (dz_live_count (DZ_LIVE_FUNCTION), ==, 0);
  g_object_unref (x);
  dz_assert_no_live_objects ();
}

/* In no-grad mode nothing is recorded, and intermediates die at once. */
static void
test_no_grad (void)
{
  const gsize shape[] = { 1000 };
  g_autoptr(DzVariable) x = dz_test_randn (shape, 1, 5);
  gboolean previous = dz_set_enable_backprop (FALSE);
  DzVariable *a = dz_square (x, NULL);
  DzVariable *b = dz_square (a, NULL);
  DzVariable *y;

  g_assert_false (dz_get_enable_backprop ());
  g_assert_null (dz_variable_get_creator (a));
  g_assert_cmpuint (dz_live_count (DZ_LIVE_FUNCTION), ==, 0);
  g_object_unref (a);
  y = dz_square (b, NULL);
  g_object_unref (b);
  /* x and y with their data: nothing else. */
  g_assert_cmpuint (dz_live_count (DZ_LIVE_ARRAY), ==, 2);
  g_assert_cmpuint (dz_live_count (DZ_LIVE_VARIABLE), ==, 2);
  dz_set_enable_backprop (previous);
  g_assert_true (dz_get_enable_backprop ());

  /* A leaf: backward seeds it and stops. */
  g_assert_true (dz_variable_backward (y, NULL));
  g_assert_null (dz_variable_get_grad (x));
  g_object_unref (y);
}

/* With create_graph the gradient refers back to x: a cycle that
 * clear_grad breaks. */
static void
test_create_graph_cycle (void)
{
  DzVariable *x = dz_test_scalar (3.0);
  DzVariable *y = dz_pow (x, 3.0, NULL);
  DzVariable *gx;

  g_assert_true (dz_variable_backward_full (y, DZ_BACKWARD_CREATE_GRAPH, NULL));
  gx = dz_variable_get_grad (x);
  g_assert_cmpfloat (dz_test_value (gx), ==, 27.0);
  g_assert_nonnull (dz_variable_get_creator (gx));
  g_object_unref (y);
  g_assert_cmpuint (dz_live_count (DZ_LIVE_FUNCTION), >, 0);

  dz_variable_clear_grad (x);
  g_assert_cmpuint (dz_live_count (DZ_LIVE_FUNCTION), ==, 0);
  g_assert_finalize_object (x);
  dz_assert_no_live_objects ();
}

/* Independent graphs on several threads at once. */
static gpointer
thread_worker (gpointer data)
{
  guint seed = GPOINTER_TO_UINT (data);
  const gsize shape[] = { 64 };

  for (guint i = 0; i < dz_test_scaled (2000); i++)
    {
      g_autoptr(DzVariable) x = dz_test_randn (shape, 1, seed * 10000 + i);
      g_autoptr(DzVariable) a = dz_tanh (x, NULL);
      g_autoptr(DzVariable) b = dz_exp (a, NULL);
      g_autoptr(DzVariable) y = dz_mul (a, b, NULL);
      g_autoptr(DzArray) expect = NULL;
      const double *xv = dz_array_get_values (dz_variable_get_data (x), NULL);
      double values[64];

      /* d/dx [t e^t] with t = tanh x is (1 + t) e^t (1 - t^2). */
      for (guint k = 0; k < 64; k++)
        {
          double t = tanh (xv[k]);

          values[k] = (1 + t) * exp (t) * (1 - t * t);
        }
      expect = dz_array_new_from_values (values, 64, shape, 1, NULL);

      if (!dz_variable_backward (y, NULL))
        return GUINT_TO_POINTER (FALSE);
      if (dz_get_enable_backprop ()
          ? !dz_array_allclose (dz_variable_get_data (dz_variable_get_grad (x)), expect, 1e-12, 1e-12)
          : dz_variable_get_grad (x) != NULL || dz_variable_get_creator (y) != NULL)
        return GUINT_TO_POINTER (FALSE);

      /* Each thread's backprop switch is its own. */
      if (i % 2 == 0)
        dz_set_enable_backprop (!dz_get_enable_backprop ());
    }

  return GUINT_TO_POINTER (TRUE);
}

static void
test_threads (void)
{
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("graph", thread_worker, GUINT_TO_POINTER (i + 1));
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_assert_true (GPOINTER_TO_UINT (g_thread_join (threads[i])));

  g_assert_true (dz_get_enable_backprop ());
  dz_assert_no_live_objects ();
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/memory/seed-loop", test_seed_loop);
  g_test_add_func ("/memory/finalize-objects", test_finalize_objects);
  g_test_add_func ("/memory/function-outlives-output", test_function_outlives_output);
  g_test_add_func ("/memory/deep-chain", test_deep_chain);
  g_test_add_func ("/memory/no-grad", test_no_grad);
  g_test_add_func ("/memory/create-graph-cycle", test_create_graph_cycle);
  g_test_add_func ("/memory/threads", test_threads);

  return g_test_run ();
}
