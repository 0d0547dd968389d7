/* test-ops.c: every built-in reports bad input through its GError
 *
 * SPDX-License-Identifier: MIT
 */

#include "dz-test-utils.h"

typedef DzVariable * (*UnaryOp) (DzVariable *x, GError **error);

static DzVariable *add_scalar_2 (DzVariable *x, GError **error) { return dz_add_scalar (x, 2.0, error); }
static DzVariable *mul_scalar_2 (DzVariable *x, GError **error) { return dz_mul_scalar (x, 2.0, error); }
static DzVariable *pow_3 (DzVariable *x, GError **error) { return dz_pow (x, 3.0, error); }

static const struct
{
  const char *name;
  UnaryOp op;
} unary_ops[] = {
  { "neg", dz_neg }, { "add_scalar", add_scalar_2 }, { "mul_scalar", mul_scalar_2 },
  { "square", dz_square }, { "exp", dz_exp }, { "log", dz_log }, { "sin", dz_sin },
  { "cos", dz_cos }, { "tanh", dz_tanh }, { "pow", pow_3 },
};

/* A variable emptied by a closed scope, and one that never had data: each
 * unary op fails with NO_DATA instead of a critical warning (which GTest
 * makes fatal here). */
static void
test_unary_no_data (void)
{
  g_autoptr(DzVariable) never = dz_variable_new (NULL);
  g_autoptr(DzVariable) emptied = NULL;
  g_autoptr(DzVariable) emptied_scalar = NULL;
  g_autoptr(DzScope) scope = dz_scope_new ();
  const gsize shape[] = { 3 };

  emptied = dz_test_randn (shape, 1, 1);
  emptied_scalar = dz_test_scalar (0.5);
  dz_scope_close (scope);

  for (guint i = 0; i < G_N_ELEMENTS (unary_ops); i++)
    {
      DzVariable *inputs[] = { never, emptied, emptied_scalar };

      for (guint k = 0; k < G_N_ELEMENTS (inputs); k++)
        {
          g_autoptr(GError) error = NULL;

          g_test_message ("%s on input %u", unary_ops[i].name, k);
          g_assert_null (unary_ops[i].op (inputs[k], &error));
          g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_DATA);
          /* A NULL error location is allowed: the op still fails cleanly. */
          g_assert_null (unary_ops[i].op (inputs[k], NULL));
        }
    }

  g_clear_object (&never);
  g_clear_object (&emptied);
  g_clear_object (&emptied_scalar);
  g_clear_object (&scope);
  dz_assert_no_live_objects ();
}

/* Every backward that reads an input, recorded or not, fails with NO_DATA
 * once that input has lost its data. */
static void
test_backward_after_input_emptied (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (unary_ops); i++)
    for (guint create_graph = 0; create_graph < 2; create_graph++)
      {
        const gsize shape[] = { 4 };
        g_autoptr(DzVariable) x = dz_test_randn (shape, 1, 7);
        g_autoptr(DzVariable) y = dz_square (x, NULL);
        g_autoptr(DzVariable) z = unary_ops[i].op (y, NULL);
        g_autoptr(GError) error = NULL;

        g_test_message ("%s, create_graph %u", unary_ops[i].name, create_graph);
        dz_variable_set_data (x, NULL);
        g_assert_false (dz_variable_backward_full (z, create_graph ? DZ_BACKWARD_CREATE_GRAPH : 0,
                                                   &error));
        g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_DATA);
        g_assert_null (dz_variable_get_grad (x));
        dz_variable_clear_grad (y);
        dz_variable_clear_grad (z);
      }

  dz_assert_no_live_objects ();
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ops/unary-no-data", test_unary_no_data);
  g_test_add_func ("/ops/backward-after-input-emptied", test_backward_after_input_emptied);

  return g_test_run ();
}
