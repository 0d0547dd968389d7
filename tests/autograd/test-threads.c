/* test-threads.c: graphs on several threads sharing read-only leaves
 *
 * SPDX-License-Identifier: MIT
 */

#include "dz-test-utils.h"

#define N_THREADS 8

typedef struct
{
  DzVariable *x;          /* shared, read-only */
  DzVariable *s;          /* shared 0-d leaf, read-only */
  DzArray *expected_x;
  DzArray *expected_s;
  DzBackwardFlags flags;
  guint iterations;
  gint failures;
} Shared;

/* y = 2 (x * x + sin (x)), each thread its own graph over the shared x;
 * the shared 0-d s goes through t = s * s. */
static DzVariable *
build (Shared *shared)
{
  g_autoptr(DzVariable) xx = dz_mul (shared->x, shared->x, NULL);
  g_autoptr(DzVariable) sx = dz_sin (shared->x, NULL);
  g_autoptr(DzVariable) a = dz_add (xx, sx, NULL);
  g_autoptr(DzVariable) b = dz_add_scalar (a, 0.0, NULL);
  g_autoptr(DzVariable) c = dz_add (b, b, NULL);
  return g_object_ref (c);
}

static gboolean
same_values (DzArray *a,
             DzArray *b)
{
  gsize n = dz_array_get_size (a);

  return n == dz_array_get_size (b) &&
         memcmp (dz_array_get_values (a, NULL), dz_array_get_values (b, NULL), n * sizeof (double)) == 0;
}

static gpointer
worker (gpointer data)
{
  Shared *shared = data;

  for (guint i = 0; i < shared->iterations; i++)
    {
      g_autoptr(DzVariable) y = build (shared);
      g_autoptr(DzVariable) t = dz_mul (shared->s, shared->s, NULL);
      g_autoptr(GPtrArray) inputs = g_ptr_array_new ();
      g_autoptr(GPtrArray) gx = NULL;
      g_autoptr(GPtrArray) gs = NULL;

      g_ptr_array_add (inputs, shared->x);
      g_ptr_array_add (inputs, shared->s);
      gx = dz_grad (y, inputs, shared->flags, NULL);
      gs = dz_grad (t, inputs, shared->flags, NULL);
      if (gx == NULL || gs == NULL ||
          !same_values (dz_variable_get_data (gx->pdata[0]), shared->expected_x) ||
          !same_values (dz_variable_get_data (gs->pdata[1]), shared->expected_s))
        g_atomic_int_inc (&shared->failures);
    }

  return NULL;
}

static void
test_shared_leaf (gconstpointer data)
{
  gsize shape[1] = { 64 };
  Shared shared = { 0 };
  GThread *threads[N_THREADS];

  shared.x = dz_test_randn (shape, 1, 7);
  shared.s = dz_test_scalar (1.5);
  shared.flags = GPOINTER_TO_UINT (data);
  shared.iterations = dz_test_scaled (2000);

  /* The reference, computed alone. */
  {
    g_autoptr(DzVariable) y = build (&shared);
    g_autoptr(DzVariable) t = dz_mul (shared.s, shared.s, NULL);
    g_autoptr(GPtrArray) inputs = g_ptr_array_new ();
    g_autoptr(GPtrArray) gx = NULL;
    g_autoptr(GPtrArray) gs = NULL;

    g_ptr_array_add (inputs, shared.x);
    g_ptr_array_add (inputs, shared.s);
    gx = dz_grad (y, inputs, shared.flags, NULL);
    gs = dz_grad (t, inputs, shared.flags, NULL);
    shared.expected_x = g_object_ref (dz_variable_get_data (gx->pdata[0]));
    shared.expected_s = g_object_ref (dz_variable_get_data (gs->pdata[1]));
    g_assert_cmpfloat (dz_array_item (shared.expected_s), ==, 3.0);
    for (gsize i = 0; i < shape[0]; i++)
      {
        double x = dz_array_get_values (dz_variable_get_data (shared.x), NULL)[i];

        g_assert_cmpfloat_with_epsilon (dz_array_get_values (shared.expected_x, NULL)[i],
                                        2 * (2 * x + cos (x)), 1e-12);
      }
  }

  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("grad", worker, &shared);
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);

  g_assert_cmpint (shared.failures, ==, 0);
  g_assert_null (dz_variable_get_grad (shared.x));
  g_assert_null (dz_variable_get_grad (shared.s));

  g_object_unref (shared.expected_x);
  g_object_unref (shared.expected_s);
  g_object_unref (shared.x);
  g_object_unref (shared.s);
  dz_assert_no_live_objects ();
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/threads/shared-leaf/grad", GUINT_TO_POINTER (DZ_BACKWARD_NONE), test_shared_leaf);
  g_test_add_data_func ("/threads/shared-leaf/grad-create-graph", GUINT_TO_POINTER (DZ_BACKWARD_CREATE_GRAPH),
                        test_shared_leaf);

  return g_test_run ();
}
