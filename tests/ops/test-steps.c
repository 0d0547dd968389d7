/* test-steps.c: DeZero steps 1-16, values and gradients
 *
 * SPDX-License-Identifier: MIT
 */

#include <math.h>

#include "dz-test-utils.h"

/* Steps 1-3: forward values of a chain. */
static void
test_forward_chain (void)
{
  g_autoptr(DzVariable) x = dz_test_scalar (0.5);
  g_autoptr(DzVariable) a = dz_square (x, NULL);
  g_autoptr(DzVariable) b = dz_exp (a, NULL);
  g_autoptr(DzVariable) y = dz_square (b, NULL);

  g_assert_cmpfloat_with_epsilon (dz_test_value (y), exp (0.25) * exp (0.25), 1e-12);
  g_assert_true (dz_variable_get_creator (y) != NULL);
  g_assert_true (dz_variable_get_creator (x) == NULL);
  g_assert_true (dz_function_get_input (dz_variable_get_creator (y), 0) == b);
}

/* Steps 6-8: backward through square(exp(square(x))). */
static void
test_backward_chain (void)
{
  g_autoptr(DzVariable) x = dz_test_scalar (0.5);
  g_autoptr(DzVariable) a = dz_square (x, NULL);
  g_autoptr(DzVariable) b = dz_exp (a, NULL);
  g_autoptr(DzVariable) y = dz_square (b, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (dz_variable_backward (y, &error));
  g_assert_no_error (error);
  /* dy/dx = 2 e^(2x^2) * 2x * 2 ... DeZero's book value. */
  g_assert_cmpfloat_with_epsilon (dz_test_grad (x), 3.297442541400256, 1e-12);
  /* Intermediate gradients are released unless asked for. */
  g_assert_null (dz_variable_get_grad (a));
  g_assert_null (dz_variable_get_grad (b));
  g_assert_null (dz_variable_get_grad (y));
}

static void
test_retain_grad (void)
{
  g_autoptr(DzVariable) x = dz_test_scalar (0.5);
  g_autoptr(DzVariable) a = dz_square (x, NULL);
  g_autoptr(DzVariable) b = dz_exp (a, NULL);
  g_autoptr(DzVariable) y = dz_square (b, NULL);

  g_assert_true (dz_variable_backward_full (y, DZ_BACKWARD_RETAIN_GRAD, NULL));
  g_assert_cmpfloat (dz_test_grad (y), ==, 1.0);
  g_assert_cmpfloat_with_epsilon (dz_test_grad (b), 2 * exp (0.25), 1e-12);
  g_assert_cmpfloat_with_epsilon (dz_test_grad (a), 2 * exp (0.5), 1e-12);
  g_assert_cmpfloat_with_epsilon (dz_test_grad (x), 3.297442541400256, 1e-12);
}

/* Step 4: numerical differentiation. */
static DzVariable *
square_func (DzVariable *x, gpointer user_data)
{
  return dz_square (x, NULL);
}

static DzVariable *
composite_func (DzVariable *x, gpointer user_data)
{
  g_autoptr(DzVariable) a = dz_square (x, NULL);
  g_autoptr(DzVariable) b = dz_exp (a, NULL);

  return dz_square (b, NULL);
}

static void
test_numerical_diff (void)
{
  g_autoptr(DzVariable) x = dz_test_scalar (2.0);
  g_autoptr(DzVariable) h = dz_test_scalar (0.5);
  g_autoptr(DzArray) d = dz_numerical_diff (square_func, NULL, x, 1e-4, NULL);
  g_autoptr(DzArray) dc = dz_numerical_diff (composite_func, NULL, h, 1e-4, NULL);

  g_assert_cmpfloat_with_epsilon (dz_array_item (d), 4.0, 1e-8);
  g_assert_cmpfloat_with_epsilon (dz_array_item (dc), 3.2974426293330694, 1e-6);
  g_assert_null (dz_variable_get_grad (x));
}

/* Steps 11-13: variable-length inputs. */
static void
test_add_values (void)
{
  g_autoptr(DzVariable) a = dz_test_scalar (2.0);
  g_autoptr(DzVariable) b = dz_test_scalar (3.0);
  g_autoptr(DzVariable) a2 = dz_square (a, NULL);
  g_autoptr(DzVariable) b2 = dz_square (b, NULL);
  g_autoptr(DzVariable) z = dz_add (a2, b2, NULL);

  g_assert_cmpfloat (dz_test_value (z), ==, 13.0);
  g_assert_true (dz_variable_backward (z, NULL));
  g_assert_cmpfloat (dz_test_grad (a), ==, 4.0);
  g_assert_cmpfloat (dz_test_grad (b), ==, 6.0);
}

/* Step 14: the same variable twice. */
static void
test_accumulate (void)
{
  g_autoptr(DzVariable) x = dz_test_scalar (3.0);
  g_autoptr(DzVariable) y = dz_add (x, x, NULL);
  g_autoptr(DzVariable) y2 = NULL;
  g_autoptr(DzVariable) xx = NULL;

  g_assert_cmpfloat (dz_test_value (y), ==, 6.0);
  g_assert_true (dz_variable_backward (y, NULL));
  g_assert_cmpfloat (dz_test_grad (x), ==, 2.0);

  dz_variable_clear_grad (x);
  g_assert_null (dz_variable_get_grad (x));
  xx = dz_add (x, x, NULL);
  y2 = dz_add (xx, x, NULL);
  g_assert_true (dz_variable_backward (y2, NULL));
  g_assert_cmpfloat (dz_test_grad (x), ==, 3.0);
}

/* Without clear_grad, a second pass adds to the first. */
static void
test_accumulate_across_passes (void)
{
  g_autoptr(DzVariable) x = dz_test_scalar (3.0);
  g_autoptr(DzVariable) y = dz_square (x, NULL);
  g_autoptr(DzVariable) y2 = dz_square (x, NULL);

  g_assert_true (dz_variable_backward (y, NULL));
  g_assert_true (dz_variable_backward (y2, NULL));
  g_assert_cmpfloat (dz_test_grad (x), ==, 12.0);
}

/* No gradient is modified through another variable. */
static void
test_no_aliasing (void)
{
  g_autoptr(DzVariable) a = dz_test_scalar (1.0);
  g_autoptr(DzVariable) b = dz_test_scalar (2.0);
  g_autoptr(DzVariable) y = dz_add (a, b, NULL);
  g_autoptr(DzVariable) y2 = NULL;
  g_autoptr(DzArray) replaced = dz_array_new_scalar (100.0);
  DzVariable *ga, *gb;

  g_assert_true (dz_variable_backward (y, NULL));
  ga = dz_variable_get_grad (a);
  gb = dz_variable_get_grad (b);
  g_assert_true (ga != gb);

  dz_variable_set_data (ga, replaced);
  g_assert_cmpfloat (dz_test_grad (b), ==, 1.0);

  /* Accumulating into a does not touch b. */
  dz_variable_clear_grad (a);
  dz_variable_clear_grad (b);
  g_clear_object (&y);
  y = dz_add (a, b, NULL);
  g_assert_true (dz_variable_backward (y, NULL));
  y2 = dz_add (a, a, NULL);
  g_assert_true (dz_variable_backward (y2, NULL));
  g_assert_cmpfloat (dz_test_grad (a), ==, 3.0);
  g_assert_cmpfloat (dz_test_grad (b), ==, 1.0);
}

/* Step 16: a = x^2; y = a^2 + a^2. */
static void
test_diamond (void)
{
  g_autoptr(DzVariable) x = dz_test_scalar (2.0);
  g_autoptr(DzVariable) a = dz_square (x, NULL);
  g_autoptr(DzVariable) l = dz_square (a, NULL);
  g_autoptr(DzVariable) r = dz_square (a, NULL);
  g_autoptr(DzVariable) y = dz_add (l, r, NULL);

  g_assert_cmpfloat (dz_test_value (y), ==, 32.0);
  g_assert_true (dz_variable_backward (y, NULL));
  g_assert_cmpfloat (dz_test_grad (x), ==, 64.0);
}

static void
test_generation (void)
{
  g_autoptr(DzVariable) x = dz_test_scalar (2.0);
  g_autoptr(DzVariable) a = dz_square (x, NULL);
  g_autoptr(DzVariable) b = dz_exp (a, NULL);
  g_autoptr(DzVariable) c = dz_add (x, b, NULL);

  g_assert_cmpint (dz_variable_get_generation (x), ==, 0);
  g_assert_cmpint (dz_variable_get_generation (a), ==, 1);
  g_assert_cmpint (dz_variable_get_generation (b), ==, 2);
  g_assert_cmpint (dz_variable_get_generation (c), ==, 3);
  g_assert_cmpint (dz_function_get_generation (dz_variable_get_creator (c)), ==, 2);
}

/* A graph where ordering by generation is essential: x feeds a long
 * branch and a short one; x's creator must run once, after both. */
static void
test_uneven_branches (void)
{
  g_autoptr(DzVariable) t = dz_test_scalar (0.3);
  g_autoptr(DzVariable) x = dz_square (t, NULL);
  DzVariable *h = g_object_ref (x);
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 5; i++)
    {
      DzVariable *next = dz_sin (h, NULL);

      g_object_unref (h);
      h = next;
    }
  y = dz_add (h, x, &error);
  g_assert_no_error (error);
  g_object_unref (h);

  g_assert_true (dz_variable_backward (y, NULL));
  {
    /* d/dt [sin^5(t^2) + t^2] by the chain rule, evaluated directly. */
    double v = 0.09, d = 1.0;

    for (guint i = 0; i < 5; i++)
      {
        d *= cos (v);
        v = sin (v);
      }
    g_assert_cmpfloat_with_epsilon (dz_test_grad (t), (d + 1.0) * 0.6, 1e-12);
  }
}

/* Every built-in, checked against numerical differentiation at random
 * points of several shapes. */
typedef DzVariable *(*UnaryOp) (DzVariable *x, GError **error);

typedef struct
{
  const char *name;
  UnaryOp op;
  double exponent;
  int binary;
} OpCase;

static DzVariable *
apply_case (DzVariable *x, gpointer user_data)
{
  const OpCase *c = user_data;
  g_autoptr(DzVariable) other = NULL;
  g_autoptr(DzVariable) shifted = NULL;
  g_autoptr(GError) error = NULL;
  DzVariable *y;

  switch (c->binary)
    {
    case 0:
      return c->exponent != 0 ? dz_pow (x, c->exponent, NULL) : c->op (x, NULL);
    default:
      /* The second operand depends on x as well, so both input gradients
       * are exercised: f(x) = x op (x^2 + 1). */
      other = dz_square (x, NULL);
      shifted = dz_add_scalar (other, 1.0, NULL);
      switch (c->binary)
        {
        case 1: y = dz_add (x, shifted, &error); break;
        case 2: y = dz_sub (x, shifted, &error); break;
        case 3: y = dz_mul (x, shifted, &error); break;
        default: y = dz_div (x, shifted, &error); break;
        }
      g_assert_no_error (error);
      return y;
    }
}

static DzVariable *op_add_scalar (DzVariable *x, GError **error) { return dz_add_scalar (x, 2.5, error); }
static DzVariable *op_mul_scalar (DzVariable *x, GError **error) { return dz_mul_scalar (x, -1.5, error); }

static DzVariable *
op_log_abs (DzVariable *x, GError **error)
{
  /* log needs positive inputs: log(x^2 + 0.5). */
  g_autoptr(DzVariable) s = dz_square (x, NULL);
  g_autoptr(DzVariable) p = dz_add_scalar (s, 0.5, NULL);

  return dz_log (p, NULL);
}

static DzVariable *
op_pow_frac (DzVariable *x, GError **error)
{
  g_autoptr(DzVariable) s = dz_square (x, NULL);
  g_autoptr(DzVariable) p = dz_add_scalar (s, 1.0, NULL);

  return dz_pow (p, 1.5, NULL);
}

static const OpCase op_cases[] = {
  { "square", dz_square, 0, 0 },
  { "exp", dz_exp, 0, 0 },
  { "neg", dz_neg, 0, 0 },
  { "sin", dz_sin, 0, 0 },
  { "cos", dz_cos, 0, 0 },
  { "tanh", dz_tanh, 0, 0 },
  { "log", op_log_abs, 0, 0 },
  { "add-scalar", op_add_scalar, 0, 0 },
  { "mul-scalar", op_mul_scalar, 0, 0 },
  { "pow3", NULL, 3.0, 0 },
  { "pow-frac", op_pow_frac, 0, 0 },
  { "add", NULL, 0, 1 },
  { "sub", NULL, 0, 2 },
  { "mul", NULL, 0, 3 },
  { "div", NULL, 0, 4 },
};

static void
test_gradient_check (gconstpointer data)
{
  const OpCase *c = data;
  const gsize shapes[][2] = { { 0, 0 }, { 5, 0 }, { 3, 4 } };
  const guint ndims[] = { 0, 1, 2 };

  for (guint s = 0; s < G_N_ELEMENTS (ndims); s++)
    {
      g_autoptr(DzVariable) x = dz_test_randn (shapes[s], ndims[s], 17 + s);
      g_autoptr(GError) error = NULL;

      dz_gradient_check (apply_case, (gpointer) c, x, 1e-4, 1e-4, 1e-5, &error);
      g_assert_no_error (error);
      g_assert_null (dz_variable_get_grad (x));
    }
}

/* The checker is not vacuous: a wrong backward is caught. */
static DzVariable *
wrong_gradient (DzVariable *x, gpointer user_data)
{
  /* sin(x) + cos(x) with cos replaced by a shifted value whose
   * derivative the checker sees but backward does not. */
  g_autoptr(DzVariable) s = dz_sin (x, NULL);
  g_autoptr(DzArray) frozen = dz_array_cos (dz_variable_get_data (x), NULL);
  g_autoptr(DzVariable) c = dz_variable_new (frozen);

  return dz_add (s, c, NULL);
}

static void
test_gradient_check_catches (void)
{
  const gsize shape[] = { 4 };
  g_autoptr(DzVariable) x = dz_test_randn (shape, 1, 3);
  g_autoptr(GError) error = NULL;

  g_assert_false (dz_gradient_check (wrong_gradient, NULL, x, 1e-4, 1e-4, 1e-5, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_GRADIENT_MISMATCH);
}

static void
test_variable_properties (void)
{
  g_autoptr(DzArray) data = dz_array_new_scalar (1.0);
  g_autoptr(DzVariable) x = g_object_new (DZ_TYPE_VARIABLE, "data", data, "name", "x", NULL);
  g_autoptr(DzVariable) y = dz_exp (x, NULL);
  g_autoptr(DzArray) got = NULL;
  g_autoptr(DzFunction) creator = NULL;
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;
  int generation;

  g_object_get (y, "creator", &creator, "generation", &generation, NULL);
  g_assert_true (creator == dz_variable_get_creator (y));
  g_assert_cmpint (generation, ==, 1);
  g_assert_cmpstr (dz_function_get_name (creator), ==, "Exp");
  g_object_get (x, "data", &got, "name", &name, NULL);
  g_assert_true (got == data);
  g_assert_cmpstr (name, ==, "x");
  text = dz_variable_to_string (x);
  g_assert_cmpstr (text, ==, "variable(1.0)");
  g_clear_pointer (&text, g_free);
  g_clear_object (&x);
  x = dz_variable_new (NULL);
  text = dz_variable_to_string (x);
  g_assert_cmpstr (text, ==, "variable(None)");
  g_assert_cmpuint (dz_variable_get_size (x), ==, 0);
  g_assert_null (dz_variable_get_shape (x, NULL));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/steps/forward-chain", test_forward_chain);
  g_test_add_func ("/steps/backward-chain", test_backward_chain);
  g_test_add_func ("/steps/retain-grad", test_retain_grad);
  g_test_add_func ("/steps/numerical-diff", test_numerical_diff);
  g_test_add_func ("/steps/add", test_add_values);
  g_test_add_func ("/steps/accumulate", test_accumulate);
  g_test_add_func ("/steps/accumulate-across-passes", test_accumulate_across_passes);
  g_test_add_func ("/steps/no-aliasing", test_no_aliasing);
  g_test_add_func ("/steps/diamond", test_diamond);
  g_test_add_func ("/steps/generation", test_generation);
  g_test_add_func ("/steps/uneven-branches", test_uneven_branches);
  g_test_add_func ("/steps/variable-properties", test_variable_properties);
  g_test_add_func ("/gradcheck/catches-wrong-backward", test_gradient_check_catches);
  for (guint i = 0; i < G_N_ELEMENTS (op_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/gradcheck/%s", op_cases[i].name);

      g_test_add_data_func (path, &op_cases[i], test_gradient_check);
    }

  return g_test_run ();
}
