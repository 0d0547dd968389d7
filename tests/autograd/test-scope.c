/* test-scope.c: DzScope and dz_tidy release what a block created
 *
 * SPDX-License-Identifier: MIT
 */

#include "dz-test-utils.h"

/* References the test keeps play the part of JavaScript wrappers that the
 * garbage collector has not collected yet. */
static void
test_releases_despite_references (void)
{
  const gsize shape[] = { 100000 };
  GPtrArray *wrappers = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < 50; i++)
    {
      g_autoptr(DzScope) scope = dz_scope_new ();
      DzArray *data = dz_array_new_randn (shape, 1, NULL, NULL);
      DzVariable *x = dz_variable_new (data);
      DzVariable *a = dz_square (x, NULL);
      DzVariable *b = dz_square (a, NULL);
      DzVariable *y = dz_square (b, NULL);

      g_assert_true (dz_variable_backward (y, NULL));
      g_ptr_array_add (wrappers, data);
      g_ptr_array_add (wrappers, x);
      g_ptr_array_add (wrappers, a);
      g_ptr_array_add (wrappers, b);
      g_ptr_array_add (wrappers, y);
      g_ptr_array_add (wrappers, g_object_ref (dz_variable_get_grad (x)));
      dz_scope_close (scope);

      /* Nothing holds memory any more, though every wrapper is alive. */
      dz_assert_no_live_objects ();
      g_assert_null (dz_variable_get_data (y));
      g_assert_null (dz_variable_get_creator (y));
      g_assert_cmpuint (dz_array_get_size (data), ==, 0);
    }

  g_ptr_array_unref (wrappers);
  dz_assert_no_live_objects ();
}

static void
test_keep_keeps_graph (void)
{
  DzVariable *x = dz_test_scalar (2.0);
  DzVariable *y;

  {
    g_autoptr(DzScope) scope = dz_scope_new ();
    g_autoptr(DzVariable) a = dz_square (x, NULL);
    g_autoptr(DzVariable) unused = dz_exp (x, NULL);

    y = dz_scope_keep (scope, dz_square (a, NULL));
    g_assert_true (dz_scope_is_open (scope));
  }

  /* y's graph is intact, the unused branch is gone. */
  g_assert_cmpuint (dz_live_count (DZ_LIVE_FUNCTION), ==, 2);
  g_assert_true (dz_variable_backward (y, NULL));
  g_assert_cmpfloat (dz_test_grad (x), ==, 32.0);
  g_assert_finalize_object (y);
  g_assert_finalize_object (x);
  dz_assert_no_live_objects ();
}

/* A parameter made before the scope keeps what it receives inside it. */
static void
test_outside_parameter (void)
{
  DzVariable *w = dz_test_scalar (3.0);

  for (guint step = 0; step < 3; step++)
    {
      g_autoptr(DzScope) scope = dz_scope_new ();
      g_autoptr(DzVariable) loss = dz_square (w, NULL);
      g_autoptr(DzArray) update = NULL;

      dz_variable_clear_grad (w);
      g_assert_true (dz_variable_backward (loss, NULL));
      /* w = w - 0.25 * grad */
      update = dz_array_scale (dz_variable_get_data (dz_variable_get_grad (w)), -0.25, NULL);
      {
        g_autoptr(DzArray) next = dz_array_add (dz_variable_get_data (w), update, NULL);

        dz_variable_set_data (w, next);
      }
      dz_scope_close (scope);

      g_assert_nonnull (dz_variable_get_data (w));
      g_assert_nonnull (dz_variable_get_grad (w));
      /* w halves each step: 3 -> 1.5 -> 0.75 -> 0.375 */
      g_assert_cmpfloat (dz_test_value (w), ==, 3.0 / (2 << step));
      g_assert_cmpuint (dz_live_count (DZ_LIVE_FUNCTION), ==, 0);
    }

  g_assert_finalize_object (w);
  dz_assert_no_live_objects ();
}

static void
test_nested (void)
{
  DzScope *outer = dz_scope_new ();
  DzVariable *x = dz_test_scalar (1.0);
  DzVariable *kept;

  {
    g_autoptr(DzScope) inner = dz_scope_new ();
    g_autoptr(DzVariable) t = dz_exp (x, NULL);

    kept = dz_scope_keep (inner, dz_sin (t, NULL));
  }
  g_assert_nonnull (dz_variable_get_data (kept));

  /* The outer scope took over what the inner one kept. */
  g_object_unref (x);
  dz_scope_close (outer);
  g_assert_null (dz_variable_get_data (kept));
  dz_assert_no_live_objects ();
  g_object_unref (kept);
  g_object_unref (outer);
}

/* Closing an outer scope closes the inner ones still open. */
static void
test_close_outer_first (void)
{
  DzScope *outer = dz_scope_new ();
  DzScope *inner = dz_scope_new ();
  DzVariable *v = dz_test_scalar (1.0);

  dz_scope_close (outer);
  g_assert_false (dz_scope_is_open (inner));
  g_assert_null (dz_variable_get_data (v));
  dz_scope_close (inner);
  g_object_unref (v);
  g_object_unref (inner);
  g_object_unref (outer);
  dz_assert_no_live_objects ();
}

static GObject *
tidy_body (gpointer user_data)
{
  DzVariable *x = user_data;
  g_autoptr(DzVariable) a = dz_tanh (x, NULL);
  g_autoptr(DzVariable) b = dz_exp (a, NULL);

  return G_OBJECT (dz_mul (a, b, NULL));
}

static void
test_tidy (void)
{
  g_autoptr(DzVariable) x = dz_test_scalar (0.5);
  g_autoptr(DzVariable) y = DZ_VARIABLE (dz_tidy (tidy_body, x));
  double t = tanh (0.5);

  g_assert_cmpfloat_with_epsilon (dz_test_value (y), t * exp (t), 1e-12);
  g_assert_true (dz_variable_backward (y, NULL));
  g_assert_cmpfloat_with_epsilon (dz_test_grad (x), (1 + t) * exp (t) * (1 - t * t), 1e-12);
}

/* A disposed variable fails cleanly. */
static void
test_use_after_close (void)
{
  g_autoptr(DzScope) scope = dz_scope_new ();
  g_autoptr(DzVariable) x = dz_test_scalar (1.0);
  g_autoptr(DzVariable) y = dz_test_scalar (1.0);
  g_autoptr(DzVariable) z = NULL;
  g_autoptr(GError) error = NULL;

  dz_scope_close (scope);
  g_assert_null (dz_add (x, y, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_DATA);
  g_clear_error (&error);
  g_assert_false (dz_variable_backward (x, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_DATA);
}

/* Whether @bytes hold @n values equal to @expected. */
static gboolean
bytes_hold (GBytes       *bytes,
            const double *expected,
            gsize         n)
{
  gsize size;
  const double *got = g_bytes_get_data (bytes, &size);

  return size == n * sizeof (double) && memcmp (got, expected, size) == 0;
}

/* A large block goes back to the allocator's cache when an array is
 * emptied; bytes still pointing into it read whatever the next array of
 * that size writes there, or fault once the cache is trimmed. */
static void
test_bytes_outlive_scope (void)
{
  const gsize large[] = { 100000 }, small[] = { 5 };
  g_autoptr(DzGenerator) gen = dz_generator_new (7);
  g_autoptr(GBytes) large_bytes = NULL;
  g_autoptr(GBytes) small_bytes = NULL;
  g_autoptr(GBytes) scalar_bytes = NULL;
  g_autofree double *expected = NULL;
  g_autoptr(DzArray) large_array = NULL;
  g_autoptr(DzArray) scalar = NULL;
  double small_expected[5];

  {
    g_autoptr(DzScope) scope = dz_scope_new ();
    DzArray *a = dz_array_new_randn (large, 1, gen, NULL);
    DzArray *b = dz_array_new_randn (small, 1, gen, NULL);

    large_array = g_object_ref (a);
    scalar = dz_array_new_scalar (-2.5);
    expected = g_memdup2 (dz_array_get_values (a, NULL), large[0] * sizeof (double));
    memcpy (small_expected, dz_array_get_values (b, NULL), sizeof small_expected);
    large_bytes = dz_array_get_bytes (a);
    small_bytes = dz_array_get_bytes (b);
    scalar_bytes = dz_array_get_bytes (scalar);
    g_object_unref (a);
    g_object_unref (b);
  }

  /* The scope emptied the arrays, even the one still referenced. */
  g_assert_cmpuint (dz_array_get_size (large_array), ==, 0);
  g_assert_cmpuint (dz_array_get_size (scalar), ==, 0);
  g_clear_object (&large_array);
  g_clear_object (&scalar);
  dz_assert_no_live_objects ();

  {
    g_autoptr(DzArray) reuse = dz_array_new_full (large, 1, 42.0, NULL);

    g_assert_true (bytes_hold (large_bytes, expected, large[0]));
  }
  dz_array_trim_cache ();
  g_assert_true (bytes_hold (large_bytes, expected, large[0]));
  g_assert_true (bytes_hold (small_bytes, small_expected, 5));
  g_assert_true (bytes_hold (scalar_bytes, (double[]) { -2.5 }, 1));
}

/* An array built on another's bytes and kept by the scope keeps reading
 * them after the other one is emptied. */
static void
test_array_from_bytes_outlives_scope (void)
{
  const gsize shape[] = { 300, 100 };
  g_autoptr(DzGenerator) gen = dz_generator_new (11);
  g_autoptr(DzArray) view = NULL;
  g_autofree double *expected = NULL;

  {
    g_autoptr(DzScope) scope = dz_scope_new ();
    g_autoptr(DzArray) a = dz_array_new_randn (shape, 2, gen, NULL);
    g_autoptr(GBytes) bytes = dz_array_get_bytes (a);

    expected = g_memdup2 (dz_array_get_values (a, NULL), 30000 * sizeof (double));
    view = dz_scope_keep (scope, dz_array_new_from_bytes (bytes, DZ_DTYPE_FLOAT64, shape, 2, NULL));
  }

  g_assert_cmpuint (dz_live_count (DZ_LIVE_ARRAY), ==, 1);
  {
    g_autoptr(DzArray) reuse = dz_array_new_full (shape, 2, 42.0, NULL);

    g_assert_cmpmem (dz_array_get_values (view, NULL), 30000 * sizeof (double),
                     expected, 30000 * sizeof (double));
  }
  dz_array_trim_cache ();
  g_assert_cmpmem (dz_array_get_values (view, NULL), 30000 * sizeof (double),
                   expected, 30000 * sizeof (double));
  g_clear_object (&view);
  dz_assert_no_live_objects ();
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/scope/releases-despite-references", test_releases_despite_references);
  g_test_add_func ("/scope/keep-keeps-graph", test_keep_keeps_graph);
  g_test_add_func ("/scope/outside-parameter", test_outside_parameter);
  g_test_add_func ("/scope/nested", test_nested);
  g_test_add_func ("/scope/close-outer-first", test_close_outer_first);
  g_test_add_func ("/scope/tidy", test_tidy);
  g_test_add_func ("/scope/use-after-close", test_use_after_close);
  g_test_add_func ("/scope/bytes-outlive-scope", test_bytes_outlive_scope);
  g_test_add_func ("/scope/array-from-bytes-outlives-scope", test_array_from_bytes_outlives_scope);

  return g_test_run ();
}
