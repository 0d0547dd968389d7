/* test-engine.c: promises of the backward engine (issue 9)
 *
 * SPDX-License-Identifier: MIT
 */

#include "dz-test-utils.h"

/* Fail: the identity, whose backward records part of its gradient and
 * then fails. */
typedef struct { DzFunction parent_instance; } TestFail;
typedef struct { DzFunctionClass parent_class; } TestFailClass;
GType test_fail_get_type (void);
G_DEFINE_FINAL_TYPE (TestFail, test_fail, DZ_TYPE_FUNCTION)

static GPtrArray *
identity_forward (DzFunction *self, GPtrArray *xs, GError **error)
{
  GPtrArray *ys = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (ys, g_object_ref (xs->pdata[0]));
  return ys;
}

static GPtrArray *
fail_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  g_autoptr(DzVariable) half_done = dz_mul (gys->pdata[0], dz_function_get_input (self, 0), NULL);

  g_set_error_literal (error, DZ_ERROR, DZ_ERROR_FUNCTION_FAILED, "midway");
  return NULL;
}

static void
test_fail_class_init (TestFailClass *klass)
{
  DZ_FUNCTION_CLASS (klass)->forward = identity_forward;
  DZ_FUNCTION_CLASS (klass)->backward = fail_backward;
}

static void test_fail_init (TestFail *self) { }

/* Twice: y = 2x, a user function for the version rule. */
typedef struct { DzFunction parent_instance; } TestTwice;
typedef struct { DzFunctionClass parent_class; } TestTwiceClass;
GType test_twice_get_type (void);
G_DEFINE_FINAL_TYPE (TestTwice, test_twice, DZ_TYPE_FUNCTION)

static GPtrArray *
twice_forward (DzFunction *self, GPtrArray *xs, GError **error)
{
  GPtrArray *ys = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (ys, dz_array_scale (xs->pdata[0], 2.0, NULL));
  return ys;
}

static GPtrArray *
twice_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  GPtrArray *gxs = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (gxs, dz_mul_scalar (gys->pdata[0], 2.0, NULL));
  return gxs;
}

static void
test_twice_class_init (TestTwiceClass *klass)
{
  DZ_FUNCTION_CLASS (klass)->forward = twice_forward;
  DZ_FUNCTION_CLASS (klass)->backward = twice_backward;
}

static void test_twice_init (TestTwice *self) { }

/* SelfCall: a forward that calls its own instance. */
typedef struct { DzFunction parent_instance; int inner_code; } TestSelfCall;
typedef struct { DzFunctionClass parent_class; } TestSelfCallClass;
GType test_self_call_get_type (void);
G_DEFINE_FINAL_TYPE (TestSelfCall, test_self_call, DZ_TYPE_FUNCTION)

static GPtrArray *
self_call_forward (DzFunction *self, GPtrArray *xs, GError **error)
{
  TestSelfCall *call = (TestSelfCall *) self;
  g_autoptr(DzVariable) x = dz_variable_new (xs->pdata[0]);
  g_autoptr(DzVariable) inner = NULL;
  g_autoptr(GError) inner_error = NULL;
  GPtrArray *ys;

  inner = dz_function_call_unary (self, x, &inner_error);
  call->inner_code = inner_error ? inner_error->code : -1;
  ys = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (ys, g_object_ref (xs->pdata[0]));
  return ys;
}

static void
test_self_call_class_init (TestSelfCallClass *klass)
{
  DZ_FUNCTION_CLASS (klass)->forward = self_call_forward;
  DZ_FUNCTION_CLASS (klass)->backward = twice_backward;
}

static void test_self_call_init (TestSelfCall *self) { }

/* Nested: the identity, whose backward first runs backward from @target
 * (with @flags) and records the result in @code. */
typedef struct
{
  DzFunction parent_instance;
  DzVariable *target;
  DzBackwardFlags flags;
  int code;
} TestNested;
typedef struct { DzFunctionClass parent_class; } TestNestedClass;
GType test_nested_get_type (void);
G_DEFINE_FINAL_TYPE (TestNested, test_nested, DZ_TYPE_FUNCTION)

static GPtrArray *
nested_backward (DzFunction *self, GPtrArray *gys, GError **error)
{
  TestNested *nested = (TestNested *) self;
  GPtrArray *gxs;

  if (!dz_variable_backward_full (nested->target, nested->flags, error))
    {
      nested->code = (*error)->code;
      return NULL;
    }
  nested->code = -1;
  gxs = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (gxs, g_object_ref (gys->pdata[0]));
  return gxs;
}

static void
test_nested_class_init (TestNestedClass *klass)
{
  DZ_FUNCTION_CLASS (klass)->forward = identity_forward;
  DZ_FUNCTION_CLASS (klass)->backward = nested_backward;
}

static void test_nested_init (TestNested *self) { }

/* Item 8: y = exp(exp(x^2)) + Fail(x^2). Exp's gradients with create_graph
 * refer back to the variables they belong to; the pass fails at Fail,
 * before it is done with them. Nothing may stay behind. */
static void
test_failed_create_graph_leaves_nothing (void)
{
  g_autoptr(DzVariable) x = dz_test_scalar (0.5);
  g_autoptr(GError) error = NULL;
  DzVariable *y;

  {
    g_autoptr(DzVariable) a = dz_square (x, NULL);
    g_autoptr(DzVariable) e1 = dz_exp (a, NULL);
    g_autoptr(DzVariable) c = dz_exp (e1, NULL);
    g_autoptr(DzFunction) fail = g_object_new (test_fail_get_type (), NULL);
    g_autoptr(DzVariable) b = dz_function_call_unary (fail, a, NULL);

    y = dz_add (c, b, NULL);
  }

  g_assert_false (dz_variable_backward_full (y, DZ_BACKWARD_CREATE_GRAPH, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_FUNCTION_FAILED);
  /* A failed pass changes no gradient. */
  g_assert_null (dz_variable_get_grad (x));
  g_assert_null (dz_variable_get_grad (y));

  g_object_unref (y);
  g_clear_object (&x);
  dz_assert_no_live_objects ();
}

/* Item 8, with an existing gradient: a failed pass leaves it as it was. */
static void
test_failed_create_graph_keeps_grads (void)
{
  g_autoptr(DzVariable) x = dz_test_scalar (0.5);
  g_autoptr(DzVariable) a = dz_square (x, NULL);
  g_autoptr(DzFunction) fail = g_object_new (test_fail_get_type (), NULL);
  g_autoptr(DzVariable) b = dz_function_call_unary (fail, x, NULL);
  g_autoptr(DzVariable) y = dz_add (a, b, NULL);
  g_autoptr(DzVariable) before = dz_test_scalar (7.0);
  g_autoptr(GError) error = NULL;

  dz_variable_set_grad (x, before);
  g_assert_false (dz_variable_backward_full (y, DZ_BACKWARD_CREATE_GRAPH, &error));
  g_assert_true (dz_variable_get_grad (x) == before);
  g_assert_cmpfloat (dz_test_grad (x), ==, 7.0);
}

/* Item 8 with an input emptied midway: a clear error, no CRITICAL, and
 * nothing left behind. */
static void
test_emptied_input (gconstpointer data)
{
  DzBackwardFlags flags = GPOINTER_TO_UINT (data);

  {
    g_autoptr(DzVariable) x = dz_test_scalar (0.5);
    g_autoptr(DzVariable) a = dz_square (x, NULL);
    g_autoptr(DzVariable) e1 = dz_exp (a, NULL);
    g_autoptr(DzVariable) y = dz_exp (e1, NULL);
    g_autoptr(GError) error = NULL;

    dz_variable_set_data (x, NULL);
    g_assert_false (dz_variable_backward_full (y, flags, &error));
    g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_DATA);
    g_assert_true (g_pattern_match_simple ("*Square*", error->message));
    g_assert_null (dz_variable_get_grad (a));
    g_assert_null (dz_variable_get_grad (e1));
  }
  dz_assert_no_live_objects ();
}

/* Item 9. */
static void
test_call_self_in_forward (void)
{
  {
    g_autoptr(DzVariable) x = dz_test_scalar (3.0);
    TestSelfCall *f = g_object_new (test_self_call_get_type (), NULL);
    g_autoptr(DzVariable) y = dz_function_call_unary (DZ_FUNCTION (f), x, NULL);

    g_assert_cmpint (f->inner_code, ==, DZ_ERROR_FUNCTION_REUSED);
    g_object_unref (f);
    g_assert_nonnull (y);
    g_assert_true (dz_variable_backward (y, NULL));
    g_assert_cmpfloat (dz_test_grad (x), ==, 2.0);
  }
  dz_assert_no_live_objects ();
}

/* Item 10: backward on the graph being walked, from a Function's backward,
 * fails clearly instead of dropping a branch. */
static void
test_reentrant_same_graph (gconstpointer data)
{
  DzBackwardFlags flags = GPOINTER_TO_UINT (data);

  {
    g_autoptr(DzVariable) x = dz_test_scalar (3.0);
    TestNested *f = g_object_new (test_nested_get_type (), NULL);
    g_autoptr(DzVariable) r = dz_function_call_unary (DZ_FUNCTION (f), x, NULL);
    g_autoptr(DzVariable) s = dz_square (x, NULL);
    g_autoptr(DzVariable) y = dz_add (r, s, NULL);
    g_autoptr(GError) error = NULL;

    f->target = y;
    f->flags = flags;
    g_assert_false (dz_variable_backward_full (y, flags, &error));
    g_assert_error (error, DZ_ERROR, DZ_ERROR_REENTRANT);
    g_assert_cmpint (f->code, ==, DZ_ERROR_REENTRANT);
    g_assert_null (dz_variable_get_grad (x));
    g_object_unref (f);

    /* The graph is intact: a pass from outside works. */
    g_clear_object (&y);
    y = dz_add (s, x, NULL);
    g_assert_true (dz_variable_backward_full (y, flags, NULL));
    g_assert_cmpfloat (dz_test_grad (x), ==, 7.0);
    dz_variable_clear_grad (x);
  }
  dz_assert_no_live_objects ();
}

/* Item 10: backward on an unrelated graph from a Function's backward works,
 * and so does one on another graph sharing a leaf. */
static void
test_reentrant_other_graph (gconstpointer data)
{
  DzBackwardFlags flags = GPOINTER_TO_UINT (data);

  {
    g_autoptr(DzVariable) x = dz_test_scalar (3.0);
    g_autoptr(DzVariable) w = dz_test_scalar (5.0);
    g_autoptr(DzVariable) z = dz_square (w, NULL);
    TestNested *f = g_object_new (test_nested_get_type (), NULL);
    g_autoptr(DzVariable) r = dz_function_call_unary (DZ_FUNCTION (f), x, NULL);
    g_autoptr(DzVariable) s = dz_square (x, NULL);
    g_autoptr(DzVariable) y = dz_add (r, s, NULL);

    f->target = z;
    f->flags = flags;
    g_assert_true (dz_variable_backward_full (y, flags, NULL));
    g_assert_cmpint (f->code, ==, -1);
    g_assert_cmpfloat (dz_test_grad (x), ==, 7.0);
    g_assert_cmpfloat (dz_test_grad (w), ==, 10.0);
    dz_variable_clear_grad (x);
    dz_variable_clear_grad (w);
    g_object_unref (f);
  }
  dz_assert_no_live_objects ();
}

static void
test_reentrant_shared_leaf (void)
{
  {
    g_autoptr(DzVariable) x = dz_test_scalar (3.0);
    g_autoptr(DzVariable) z = dz_exp (x, NULL);
    TestNested *f = g_object_new (test_nested_get_type (), NULL);
    g_autoptr(DzVariable) r = dz_function_call_unary (DZ_FUNCTION (f), x, NULL);
    g_autoptr(DzVariable) s = dz_square (x, NULL);
    g_autoptr(DzVariable) y = dz_add (r, s, NULL);

    f->target = z;
    f->flags = DZ_BACKWARD_NONE;
    g_assert_true (dz_variable_backward (y, NULL));
    /* 1 + 2x from y, e^x from the inner pass: neither is lost. */
    g_assert_cmpfloat_with_epsilon (dz_test_grad (x), 7.0 + exp (3.0), 1e-12);
    g_object_unref (f);
  }
  dz_assert_no_live_objects ();
}

/* Item 12: y = (a + b)^2 with create_graph: Add hands one gradient to both
 * inputs, yet each gets a variable of its own. */
static void
test_distinct_grad_variables (void)
{
  {
    g_autoptr(DzVariable) a = dz_test_scalar (1.0);
    g_autoptr(DzVariable) b = dz_test_scalar (2.0);
    g_autoptr(DzVariable) z = dz_add (a, b, NULL);
    g_autoptr(DzVariable) y = dz_square (z, NULL);
    g_autoptr(DzVariable) ga = NULL;
    g_autoptr(DzVariable) gb = NULL;
    g_autoptr(DzArray) replaced = dz_array_new_scalar (100.0);

    g_assert_true (dz_variable_backward_full (y, DZ_BACKWARD_CREATE_GRAPH | DZ_BACKWARD_RETAIN_GRAD, NULL));
    ga = g_object_ref (dz_variable_get_grad (a));
    gb = g_object_ref (dz_variable_get_grad (b));
    g_assert_true (ga != gb);
    g_assert_true (dz_variable_get_grad (z) != ga);
    g_assert_true (dz_variable_get_grad (z) != gb);
    g_assert_true (dz_variable_get_grad (y) != dz_variable_get_grad (z));
    g_assert_cmpfloat (dz_test_value (ga), ==, 6.0);
    g_assert_cmpfloat (dz_test_value (gb), ==, 6.0);

    /* Second order through each of them: d(2(a + b))/da = 2. */
    dz_variable_clear_grad (a);
    dz_variable_clear_grad (b);
    dz_variable_clear_grad (z);
    dz_variable_clear_grad (y);
    g_assert_true (dz_variable_backward (ga, NULL));
    g_assert_cmpfloat (dz_test_grad (a), ==, 2.0);
    g_assert_cmpfloat (dz_test_grad (b), ==, 2.0);
    dz_variable_clear_grad (a);
    dz_variable_clear_grad (b);
    g_assert_true (dz_variable_backward (gb, NULL));
    g_assert_cmpfloat (dz_test_grad (a), ==, 2.0);
    g_assert_cmpfloat (dz_test_grad (b), ==, 2.0);
    dz_variable_clear_grad (a);
    dz_variable_clear_grad (b);

    /* Independent: replacing one changes only it. */
    dz_variable_set_data (ga, replaced);
    g_assert_cmpfloat (dz_test_value (gb), ==, 6.0);
  }
  dz_assert_no_live_objects ();
}

static void
test_distinct_grad_variables_dz_grad (void)
{
  {
    g_autoptr(DzVariable) a = dz_test_scalar (1.0);
    g_autoptr(DzVariable) b = dz_test_scalar (2.0);
    g_autoptr(DzVariable) z = dz_add (a, b, NULL);
    g_autoptr(DzVariable) y = dz_square (z, NULL);
    g_autoptr(GPtrArray) inputs = g_ptr_array_new ();
    g_autoptr(GPtrArray) grads = NULL;
    g_autoptr(GPtrArray) second = NULL;

    g_ptr_array_add (inputs, a);
    g_ptr_array_add (inputs, b);
    g_ptr_array_add (inputs, z);
    grads = dz_grad (y, inputs, DZ_BACKWARD_CREATE_GRAPH, NULL);
    g_assert_true (grads->pdata[0] != grads->pdata[1]);
    g_assert_true (grads->pdata[0] != grads->pdata[2]);
    g_assert_true (grads->pdata[1] != grads->pdata[2]);
    for (guint i = 0; i < 3; i++)
      g_assert_cmpfloat (dz_test_value (grads->pdata[i]), ==, 6.0);
    second = dz_grad (grads->pdata[1], inputs, DZ_BACKWARD_NONE, NULL);
    g_assert_cmpfloat (dz_test_value (second->pdata[0]), ==, 2.0);
    g_assert_cmpfloat (dz_test_value (second->pdata[1]), ==, 2.0);
  }
  dz_assert_no_live_objects ();
}

/* Item 13: one rule for every function: backward through a function whose
 * input got new data since the call fails, naming both. */
typedef DzVariable *(*UnaryOp) (DzVariable *x, GError **error);

static DzVariable *
call_twice (DzVariable *x, GError **error)
{
  g_autoptr(DzFunction) f = g_object_new (test_twice_get_type (), NULL);

  return dz_function_call_unary (f, x, error);
}

static const struct
{
  const char *name;
  UnaryOp op;
} unary_ops[] = {
  { "Square", dz_square },
  { "Exp", dz_exp },
  { "Tanh", dz_tanh },
  { "Sin", dz_sin },
  { "Log", dz_log },
  { "TestTwice", call_twice },
};

static void
test_modified_input (gconstpointer data)
{
  DzBackwardFlags flags = GPOINTER_TO_UINT (data);

  for (guint i = 0; i < G_N_ELEMENTS (unary_ops); i++)
    {
      {
        g_autoptr(DzVariable) x = dz_test_scalar (0.5);
        g_autoptr(DzVariable) y = unary_ops[i].op (x, NULL);
        g_autoptr(DzArray) replaced = dz_array_new_scalar (2.0);
        g_autoptr(GError) error = NULL;
        g_autofree char *pattern = g_strdup_printf ("*%s*input 0 ('x')*", unary_ops[i].name);

        dz_variable_set_name (x, "x");
        dz_variable_set_data (x, replaced);
        g_assert_false (dz_variable_backward_full (y, flags, &error));
        g_assert_error (error, DZ_ERROR, DZ_ERROR_DATA_MODIFIED);
        g_assert_true (g_pattern_match_simple (pattern, error->message));
        g_assert_null (dz_variable_get_grad (x));
        g_clear_error (&error);

        /* A graph recorded after the change uses the new value. */
        g_clear_object (&y);
        y = unary_ops[i].op (x, NULL);
        g_assert_true (dz_variable_backward_full (y, flags, NULL));
        dz_variable_clear_grad (x);
      }
      dz_assert_no_live_objects ();
    }
}

/* Also when the modified variable is an intermediate, in the middle of the
 * pass, and for the output of a function. */
static void
test_modified_output (gconstpointer data)
{
  DzBackwardFlags flags = GPOINTER_TO_UINT (data);

  for (guint i = 0; i < G_N_ELEMENTS (unary_ops); i++)
    {
      {
        g_autoptr(DzVariable) x = dz_test_scalar (0.5);
        g_autoptr(DzVariable) a = unary_ops[i].op (x, NULL);
        g_autoptr(DzVariable) y = dz_exp (a, NULL);
        g_autoptr(DzArray) replaced = dz_array_new_scalar (2.0);
        g_autoptr(GError) error = NULL;
        g_autofree char *pattern = g_strdup_printf ("*%s*output 0 ('a')*", unary_ops[i].name);

        dz_variable_set_name (a, "a");
        dz_variable_set_data (a, replaced);
        g_assert_false (dz_variable_backward_full (y, flags, &error));
        g_assert_error (error, DZ_ERROR, DZ_ERROR_DATA_MODIFIED);
        /* Exp, recorded with the old a, is reached first. */
        g_assert_true (g_pattern_match_simple ("*Exp*input 0 ('a')*", error->message));
        g_clear_error (&error);

        /* From a itself, its creator is the one that fails. */
        g_assert_false (dz_variable_backward_full (a, flags, &error));
        g_assert_error (error, DZ_ERROR, DZ_ERROR_DATA_MODIFIED);
        g_assert_true (g_pattern_match_simple (pattern, error->message));
        g_assert_null (dz_variable_get_grad (x));
      }
      dz_assert_no_live_objects ();
    }
}

/* Two modified inputs cannot be told apart: the message says so. */
static void
test_modified_binary (void)
{
  g_autoptr(DzVariable) a = dz_test_scalar (1.0);
  g_autoptr(DzVariable) b = dz_test_scalar (2.0);
  g_autoptr(DzVariable) y = dz_mul (a, b, NULL);
  g_autoptr(DzArray) replaced = dz_array_new_scalar (3.0);
  g_autoptr(GError) error = NULL;

  dz_variable_set_name (b, "b");
  dz_variable_set_data (b, replaced);
  g_assert_false (dz_variable_backward (y, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_DATA_MODIFIED);
  g_assert_true (g_pattern_match_simple ("*Mul*input 1 ('b')*", error->message));
  g_clear_error (&error);

  dz_variable_set_data (a, replaced);
  g_assert_false (dz_variable_backward (y, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_DATA_MODIFIED);
  g_assert_true (g_pattern_match_simple ("*Mul*an input*", error->message));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/failed-create-graph-leaves-nothing", test_failed_create_graph_leaves_nothing);
  g_test_add_func ("/engine/failed-create-graph-keeps-grads", test_failed_create_graph_keeps_grads);
  g_test_add_data_func ("/engine/emptied-input", GUINT_TO_POINTER (DZ_BACKWARD_NONE), test_emptied_input);
  g_test_add_data_func ("/engine/emptied-input-create-graph", GUINT_TO_POINTER (DZ_BACKWARD_CREATE_GRAPH),
                        test_emptied_input);
  g_test_add_func ("/engine/call-self-in-forward", test_call_self_in_forward);
  g_test_add_data_func ("/engine/reentrant/same-graph", GUINT_TO_POINTER (DZ_BACKWARD_NONE),
                        test_reentrant_same_graph);
  g_test_add_data_func ("/engine/reentrant/same-graph-create-graph", GUINT_TO_POINTER (DZ_BACKWARD_CREATE_GRAPH),
                        test_reentrant_same_graph);
  g_test_add_data_func ("/engine/reentrant/other-graph", GUINT_TO_POINTER (DZ_BACKWARD_NONE),
                        test_reentrant_other_graph);
  g_test_add_data_func ("/engine/reentrant/other-graph-create-graph", GUINT_TO_POINTER (DZ_BACKWARD_CREATE_GRAPH),
                        test_reentrant_other_graph);
  g_test_add_func ("/engine/reentrant/shared-leaf", test_reentrant_shared_leaf);
  g_test_add_func ("/engine/distinct-grads", test_distinct_grad_variables);
  g_test_add_func ("/engine/distinct-grads-dz-grad", test_distinct_grad_variables_dz_grad);
  g_test_add_data_func ("/engine/modified/input", GUINT_TO_POINTER (DZ_BACKWARD_NONE), test_modified_input);
  g_test_add_data_func ("/engine/modified/input-create-graph", GUINT_TO_POINTER (DZ_BACKWARD_CREATE_GRAPH),
                        test_modified_input);
  g_test_add_data_func ("/engine/modified/output", GUINT_TO_POINTER (DZ_BACKWARD_NONE), test_modified_output);
  g_test_add_data_func ("/engine/modified/output-create-graph", GUINT_TO_POINTER (DZ_BACKWARD_CREATE_GRAPH),
                        test_modified_output);
  g_test_add_func ("/engine/modified/binary", test_modified_binary);

  return g_test_run ();
}
