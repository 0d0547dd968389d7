/* test-optimizers.c: the update rules against DeZero's formulas, hooks,
 * which parameters are updated, the in-place and copy paths, and a small
 * regression trained with them
 *
 * The expected values come from plain C loops written after DeZero's
 * dezero/optimizers.py line by line, in NumPy's order of operations (the
 * same three steps run through DeZero itself with NumPy 1.24 agree with
 * them to the last digit printed, 17 significant).
 *
 * SPDX-License-Identifier: MIT
 */

#include "dz-test-utils.h"

#define N 4

static const double p0[N] = { 0.5, -1.25, 2.0, 0.0 };

/* A different gradient at every step, of both signs and several scales. */
static double
grad_at (guint step,
         guint i)
{
  return sin (1.0 + i + 0.7 * step) * (step + 1) * (i % 2 ? 0.5 : 3.0);
}

static DzVariable *
new_var (const double *values,
         gsize         n,
         DzDtype       dtype)
{
  g_autoptr(GError) error = NULL;
  gsize shape[1] = { n };
  g_autoptr(DzArray) a = dz_array_new_from_values (values, n, shape, 1, &error);
  g_autoptr(DzArray) typed = NULL;

  g_assert_no_error (error);
  typed = dz_array_astype (a, dtype, &error);
  g_assert_no_error (error);
  return dz_variable_new (typed);
}

static void
set_grad (DzVariable   *param,
          const double *values,
          gsize         n,
          DzDtype       dtype)
{
  g_autoptr(DzVariable) grad = new_var (values, n, dtype);

  dz_variable_set_grad (param, grad);
}

static void
assert_values (DzArray      *a,
               const double *expected,
               gsize         n,
               double        tol)
{
  g_assert_cmpuint (dz_array_get_size (a), ==, n);
  for (gsize i = 0; i < n; i++)
    {
      double got = dz_array_get_value (a, i);

      if (!(fabs (got - expected[i]) <= tol * (1.0 + fabs (expected[i]))))
        g_error ("element %" G_GSIZE_FORMAT ": %.17g, expected %.17g", i, got, expected[i]);
    }
}

static GPtrArray *
params_of (DzVariable *first,
           ...)
{
  GPtrArray *params = g_ptr_array_new ();
  va_list args;

  va_start (args, first);
  for (DzVariable *p = first; p != NULL; p = va_arg (args, DzVariable *))
    g_ptr_array_add (params, p);
  va_end (args);
  return params;
}

static void
set_params (DzOptimizer *opt,
            DzVariable  *first,
            ...)
{
  g_autoptr(GPtrArray) params = g_ptr_array_new ();
  va_list args;

  va_start (args, first);
  for (DzVariable *p = first; p != NULL; p = va_arg (args, DzVariable *))
    g_ptr_array_add (params, p);
  va_end (args);
  dz_optimizer_set_parameters (opt, params);
}

/* -- the rules, each with its reference: one step on p with state s0, s1
 * (zeros at first), at step count t (from 1) -- */

typedef struct
{
  const char *name;
  DzOptimizer * (* make) (void);
  void (* step) (double *p, const double *g, double *s0, double *s1, guint t);
} RuleCase;

static DzOptimizer *
make_sgd (void)
{
  return dz_sgd_new (0.1);
}

static void
ref_sgd (double *p, const double *g, double *s0, double *s1, guint t)
{
  for (guint i = 0; i < N; i++)
    p[i] -= 0.1 * g[i];
}

static DzOptimizer *
make_momentum_sgd (void)
{
  return dz_momentum_sgd_new (0.1, 0.8);
}

static void
ref_momentum_sgd (double *p, const double *g, double *v, double *s1, guint t)
{
  for (guint i = 0; i < N; i++)
    {
      v[i] *= 0.8;
      v[i] -= 0.1 * g[i];
      p[i] += v[i];
    }
}

static DzOptimizer *
make_ada_grad (void)
{
  return dz_ada_grad_new (0.1, 1e-8);
}

static void
ref_ada_grad (double *p, const double *g, double *h, double *s1, guint t)
{
  for (guint i = 0; i < N; i++)
    {
      h[i] += g[i] * g[i];
      p[i] -= 0.1 * g[i] / (sqrt (h[i]) + 1e-8);
    }
}

/* DeZero's defaults: rho 0.95, eps 1e-6. */
static DzOptimizer *
make_ada_delta (void)
{
  return g_object_new (DZ_TYPE_ADA_DELTA, NULL);
}

static void
ref_ada_delta (double *p, const double *g, double *msg, double *msdx, guint t)
{
  for (guint i = 0; i < N; i++)
    {
      double dx;

      msg[i] *= 0.95;
      msg[i] += (1 - 0.95) * g[i] * g[i];
      dx = sqrt ((msdx[i] + 1e-6) / (msg[i] + 1e-6)) * g[i];
      msdx[i] *= 0.95;
      msdx[i] += (1 - 0.95) * dx * dx;
      p[i] -= dx;
    }
}

/* DeZero's defaults but for alpha: beta1 0.9, beta2 0.999, eps 1e-8. */
static DzOptimizer *
make_adam (void)
{
  return g_object_new (DZ_TYPE_ADAM, "alpha", 0.1, NULL);
}

static void
ref_adam (double *p, const double *g, double *m, double *v, guint t)
{
  double lr = 0.1 * sqrt (1.0 - pow (0.999, t)) / (1.0 - pow (0.9, t));

  for (guint i = 0; i < N; i++)
    {
      m[i] += (1 - 0.9) * (g[i] - m[i]);
      v[i] += (1 - 0.999) * (g[i] * g[i] - v[i]);
      p[i] -= lr * m[i] / (sqrt (v[i]) + 1e-8);
    }
}

static const RuleCase rule_cases[] = {
  { "sgd", make_sgd, ref_sgd },
  { "momentum-sgd", make_momentum_sgd, ref_momentum_sgd },
  { "ada-grad", make_ada_grad, ref_ada_grad },
  { "ada-delta", make_ada_delta, ref_ada_delta },
  { "adam", make_adam, ref_adam },
};

/* Three steps with new gradients each time. float32 is compared with the
 * float64 reference, to float32 precision. */
static void
run_rule (const RuleCase *rc,
          DzDtype         dtype)
{
  g_autoptr(DzOptimizer) opt = rc->make ();
  g_autoptr(DzVariable) param = new_var (p0, N, dtype);
  double p[N], s0[N] = { 0 }, s1[N] = { 0 };
  double tol = dtype == DZ_DTYPE_FLOAT64 ? 1e-12 : 2e-6;

  memcpy (p, p0, sizeof p);
  set_params (opt, param, NULL);
  for (guint t = 1; t <= 3; t++)
    {
      g_autoptr(GError) error = NULL;
      double g[N];

      for (guint i = 0; i < N; i++)
        g[i] = grad_at (t, i);
      set_grad (param, g, N, dtype);
      g_assert_true (dz_optimizer_update (opt, &error));
      g_assert_no_error (error);
      rc->step (p, g, s0, s1, t);
      g_assert_cmpint (dz_variable_get_dtype (param), ==, dtype);
      assert_values (dz_variable_get_data (param), p, N, tol);
    }
}

static void
test_rule_f64 (gconstpointer data)
{
  run_rule (data, DZ_DTYPE_FLOAT64);
  dz_assert_no_live_objects ();
}

static void
test_rule_f32 (gconstpointer data)
{
  run_rule (data, DZ_DTYPE_FLOAT32);
  dz_assert_no_live_objects ();
}

static void
test_defaults (void)
{
  g_autoptr(DzOptimizer) sgd = g_object_new (DZ_TYPE_SGD, NULL);
  g_autoptr(DzOptimizer) momentum = g_object_new (DZ_TYPE_MOMENTUM_SGD, NULL);
  g_autoptr(DzOptimizer) ada_grad = g_object_new (DZ_TYPE_ADA_GRAD, NULL);
  g_autoptr(DzOptimizer) ada_delta = g_object_new (DZ_TYPE_ADA_DELTA, NULL);
  g_autoptr(DzOptimizer) adam = g_object_new (DZ_TYPE_ADAM, NULL);
  double value;

  g_assert_cmpfloat (dz_sgd_get_lr (DZ_SGD (sgd)), ==, 0.01);
  g_assert_cmpfloat (dz_momentum_sgd_get_lr (DZ_MOMENTUM_SGD (momentum)), ==, 0.01);
  g_assert_cmpfloat (dz_momentum_sgd_get_momentum (DZ_MOMENTUM_SGD (momentum)), ==, 0.9);
  g_assert_cmpfloat (dz_ada_grad_get_lr (DZ_ADA_GRAD (ada_grad)), ==, 0.001);
  g_assert_cmpfloat (dz_ada_grad_get_eps (DZ_ADA_GRAD (ada_grad)), ==, 1e-8);
  g_assert_cmpfloat (dz_ada_delta_get_rho (DZ_ADA_DELTA (ada_delta)), ==, 0.95);
  g_assert_cmpfloat (dz_ada_delta_get_eps (DZ_ADA_DELTA (ada_delta)), ==, 1e-6);
  g_assert_cmpfloat (dz_adam_get_alpha (DZ_ADAM (adam)), ==, 0.001);
  g_assert_cmpfloat (dz_adam_get_beta1 (DZ_ADAM (adam)), ==, 0.9);
  g_assert_cmpfloat (dz_adam_get_beta2 (DZ_ADAM (adam)), ==, 0.999);
  g_assert_cmpfloat (dz_adam_get_eps (DZ_ADAM (adam)), ==, 1e-8);
  g_assert_cmpuint (dz_adam_get_t (DZ_ADAM (adam)), ==, 0);

  g_object_set (sgd, "lr", 0.5, NULL);
  g_object_get (sgd, "lr", &value, NULL);
  g_assert_cmpfloat (value, ==, 0.5);
}

/* DeZero increments t in update() even when nothing has a gradient, and
 * its lr is the bias-corrected rate of step t. */
static void
test_adam_t (void)
{
  g_autoptr(DzOptimizer) opt = dz_adam_new (0.01, 0.8, 0.99, 1e-8);
  g_autoptr(DzVariable) param = new_var (p0, N, DZ_DTYPE_FLOAT64);
  g_autoptr(GError) error = NULL;
  guint t;
  double lr;

  set_params (opt, param, NULL);
  g_assert_true (dz_optimizer_update (opt, &error));
  g_assert_true (dz_optimizer_update (opt, &error));
  g_assert_no_error (error);
  g_object_get (opt, "t", &t, "lr", &lr, NULL);
  g_assert_cmpuint (t, ==, 2);
  g_assert_cmpfloat_with_epsilon (lr, 0.01 * sqrt (1 - 0.99 * 0.99) / (1 - 0.8 * 0.8), 1e-15);
  assert_values (dz_variable_get_data (param), p0, N, 0.0);
}

/* -- which parameters are updated -- */

typedef struct
{
  DzOptimizer parent_instance;
  GArray *seen;
} CountingOptimizer;

typedef DzOptimizerClass CountingOptimizerClass;

static GType counting_optimizer_get_type (void);
G_DEFINE_TYPE (CountingOptimizer, counting_optimizer, DZ_TYPE_OPTIMIZER)

static gboolean
counting_update_one (DzOptimizer  *optimizer,
                     DzVariable   *param,
                     guint         index,
                     GError      **error)
{
  CountingOptimizer *self = (CountingOptimizer *) optimizer;

  g_assert_nonnull (dz_variable_get_grad (param));
  g_array_append_val (self->seen, index);
  return TRUE;
}

static void
counting_optimizer_finalize (GObject *object)
{
  g_array_unref (((CountingOptimizer *) object)->seen);

  G_OBJECT_CLASS (counting_optimizer_parent_class)->finalize (object);
}

static void
counting_optimizer_class_init (CountingOptimizerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = counting_optimizer_finalize;
  klass->update_one = counting_update_one;
}

static void
counting_optimizer_init (CountingOptimizer *self)
{
  self->seen = g_array_new (FALSE, FALSE, sizeof (guint));
}

static void
test_skip_no_grad (void)
{
  g_autoptr(DzOptimizer) opt = dz_sgd_new (0.1);
  g_autoptr(DzVariable) a = new_var (p0, N, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) b = new_var (p0, N, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) c = new_var (p0, N, DZ_DTYPE_FLOAT64);
  g_autoptr(GError) error = NULL;
  CountingOptimizer *counting = g_object_new (counting_optimizer_get_type (), NULL);
  const double ones[N] = { 1, 1, 1, 1 };
  double expected[N];

  set_params (opt, a, b, c, NULL);
  set_params (DZ_OPTIMIZER (counting), a, b, c, NULL);
  set_grad (a, ones, N, DZ_DTYPE_FLOAT64);
  set_grad (c, ones, N, DZ_DTYPE_FLOAT64);
  g_assert_true (dz_optimizer_update (opt, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < N; i++)
    expected[i] = p0[i] - 0.1;
  assert_values (dz_variable_get_data (a), expected, N, 1e-15);
  assert_values (dz_variable_get_data (b), p0, N, 0.0);
  assert_values (dz_variable_get_data (c), expected, N, 1e-15);

  /* update_one() sees the parameters with a gradient, by position. */
  g_assert_true (dz_optimizer_update (DZ_OPTIMIZER (counting), &error));
  g_assert_cmpuint (counting->seen->len, ==, 2);
  g_assert_cmpuint (g_array_index (counting->seen, guint, 0), ==, 0);
  g_assert_cmpuint (g_array_index (counting->seen, guint, 1), ==, 2);
  g_assert_true (dz_optimizer_get_parameters (opt)->len == 3);
  g_object_unref (counting);
}

/* -- hooks -- */

static void
test_weight_decay (void)
{
  g_autoptr(DzOptimizer) opt = dz_sgd_new (0.1);
  g_autoptr(DzOptimizerHook) hook = dz_weight_decay_new (0.5);
  g_autoptr(DzVariable) param = new_var (p0, N, DZ_DTYPE_FLOAT64);
  g_autoptr(GError) error = NULL;
  double g[N], decayed[N], expected[N];

  set_params (opt, param, NULL);
  dz_optimizer_add_hook (opt, hook);
  for (guint i = 0; i < N; i++)
    {
      g[i] = grad_at (1, i);
      decayed[i] = g[i] + 0.5 * p0[i];
      expected[i] = p0[i] - 0.1 * decayed[i];
    }
  set_grad (param, g, N, DZ_DTYPE_FLOAT64);
  g_assert_true (dz_optimizer_update (opt, &error));
  g_assert_no_error (error);
  assert_values (dz_variable_get_data (dz_variable_get_grad (param)), decayed, N, 1e-15);
  assert_values (dz_variable_get_data (param), expected, N, 1e-15);
  g_assert_cmpfloat (dz_weight_decay_get_rate (DZ_WEIGHT_DECAY (hook)), ==, 0.5);
}

/* Two parameters whose gradients share one array: each must get its own
 * decay, not the other's on top. */
static void
test_weight_decay_shared_grad (void)
{
  g_autoptr(DzOptimizer) opt = dz_sgd_new (0.1);
  g_autoptr(DzOptimizerHook) hook = dz_weight_decay_new (0.5);
  g_autoptr(DzVariable) a = new_var (p0, N, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) b = new_var (p0, N, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) grad = new_var (p0, N, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) grad_b = NULL;
  g_autoptr(GError) error = NULL;
  double decayed[N];

  grad_b = dz_variable_new (dz_variable_get_data (grad));
  dz_variable_set_grad (a, grad);
  dz_variable_set_grad (b, grad_b);
  g_clear_object (&grad);
  set_params (opt, a, b, NULL);
  dz_optimizer_add_hook (opt, hook);
  g_assert_true (dz_optimizer_update (opt, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < N; i++)
    decayed[i] = 1.5 * p0[i];
  assert_values (dz_variable_get_data (dz_variable_get_grad (a)), decayed, N, 1e-15);
  assert_values (dz_variable_get_data (dz_variable_get_grad (b)), decayed, N, 1e-15);
}

static void
test_clip_grad (void)
{
  g_autoptr(DzOptimizer) opt = dz_sgd_new (1.0);
  g_autoptr(DzOptimizerHook) hook = dz_clip_grad_new (1.0);
  g_autoptr(DzVariable) a = new_var (p0, N, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) b = new_var (p0, 2, DZ_DTYPE_FLOAT32);
  g_autoptr(GError) error = NULL;
  /* Total norm sqrt (9 + 16) = 5. */
  const double ga[N] = { 3, 0, 0, 0 };
  const double gb[2] = { 0, -4 };
  double rate = 1.0 / (5.0 + 1e-6);
  double ea[N], eb[2];

  set_params (opt, a, b, NULL);
  dz_optimizer_add_hook (opt, hook);
  set_grad (a, ga, N, DZ_DTYPE_FLOAT64);
  set_grad (b, gb, 2, DZ_DTYPE_FLOAT32);
  g_assert_true (dz_optimizer_update (opt, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < N; i++)
    ea[i] = ga[i] * rate;
  for (guint i = 0; i < 2; i++)
    eb[i] = gb[i] * rate;
  assert_values (dz_variable_get_data (dz_variable_get_grad (a)), ea, N, 1e-15);
  assert_values (dz_variable_get_data (dz_variable_get_grad (b)), eb, 2, 1e-7);
  for (guint i = 0; i < N; i++)
    ea[i] = p0[i] - ea[i];
  assert_values (dz_variable_get_data (a), ea, N, 1e-15);

  /* Below the bound the gradients stay as they are. */
  dz_clip_grad_set_max_norm (DZ_CLIP_GRAD (hook), 10.0);
  set_grad (a, ga, N, DZ_DTYPE_FLOAT64);
  set_grad (b, gb, 2, DZ_DTYPE_FLOAT32);
  g_assert_true (dz_optimizer_update (opt, &error));
  assert_values (dz_variable_get_data (dz_variable_get_grad (a)), ga, N, 0.0);
  assert_values (dz_variable_get_data (dz_variable_get_grad (b)), gb, 2, 0.0);
}

static void
test_freeze_param (void)
{
  g_autoptr(DzOptimizer) opt = dz_momentum_sgd_new (0.1, 0.9);
  g_autoptr(DzVariable) a = new_var (p0, N, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) b = new_var (p0, N, DZ_DTYPE_FLOAT64);
  g_autoptr(GPtrArray) frozen = params_of (a, NULL);
  g_autoptr(DzOptimizerHook) hook = dz_freeze_param_new (frozen);
  g_autoptr(GError) error = NULL;
  const double ones[N] = { 1, 1, 1, 1 };
  double expected[N];

  set_params (opt, a, b, NULL);
  dz_optimizer_add_hook (opt, hook);
  set_grad (a, ones, N, DZ_DTYPE_FLOAT64);
  set_grad (b, ones, N, DZ_DTYPE_FLOAT64);
  g_assert_true (dz_optimizer_update (opt, &error));
  g_assert_no_error (error);
  g_assert_null (dz_variable_get_grad (a));
  assert_values (dz_variable_get_data (a), p0, N, 0.0);
  for (guint i = 0; i < N; i++)
    expected[i] = p0[i] - 0.1;
  assert_values (dz_variable_get_data (b), expected, N, 1e-15);
}

/* Hooks run in the order added: decay, then clipping of the decayed
 * gradient. */
static void
test_hook_order (void)
{
  g_autoptr(DzOptimizer) opt = dz_sgd_new (1.0);
  g_autoptr(DzOptimizerHook) decay = dz_weight_decay_new (1.0);
  g_autoptr(DzOptimizerHook) clip = dz_clip_grad_new (1.0);
  const double p[1] = { 3.0 };
  const double g[1] = { 1.0 };
  g_autoptr(DzVariable) param = new_var (p, 1, DZ_DTYPE_FLOAT64);
  g_autoptr(GError) error = NULL;
  double expected[1] = { 4.0 / (4.0 + 1e-6) };

  set_params (opt, param, NULL);
  dz_optimizer_add_hook (opt, decay);
  dz_optimizer_add_hook (opt, clip);
  set_grad (param, g, 1, DZ_DTYPE_FLOAT64);
  g_assert_true (dz_optimizer_update (opt, &error));
  assert_values (dz_variable_get_data (dz_variable_get_grad (param)), expected, 1, 1e-15);
}

/* -- where the new values go -- */

static void
test_in_place (void)
{
  g_autoptr(DzOptimizer) opt = dz_adam_new (0.1, 0.9, 0.999, 1e-8);
  g_autoptr(DzVariable) param = new_var (p0, N, DZ_DTYPE_FLOAT64);
  g_autoptr(GError) error = NULL;
  DzArray *data = dz_variable_get_data (param);
  const double ones[N] = { 1, 1, 1, 1 };
  guint n_arrays;

  set_params (opt, param, NULL);
  set_grad (param, ones, N, DZ_DTYPE_FLOAT64);
  g_assert_true (dz_optimizer_update (opt, &error));
  g_assert_true (dz_variable_get_data (param) == data);
  g_assert_cmpfloat (dz_array_get_value (data, 0), <, p0[0]);

  /* Once the state exists, a step makes no array. */
  n_arrays = dz_live_count (DZ_LIVE_ARRAY);
  g_assert_true (dz_optimizer_update (opt, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dz_live_count (DZ_LIVE_ARRAY), ==, n_arrays);
  g_assert_true (dz_variable_get_data (param) == data);
}

static void
test_copy_when_shared (void)
{
  g_autoptr(DzOptimizer) opt = dz_sgd_new (0.1);
  g_autoptr(DzVariable) param = new_var (p0, N, DZ_DTYPE_FLOAT64);
  g_autoptr(DzArray) old = g_object_ref (dz_variable_get_data (param));
  g_autoptr(GError) error = NULL;
  const double ones[N] = { 1, 1, 1, 1 };
  double expected[N];

  set_params (opt, param, NULL);
  set_grad (param, ones, N, DZ_DTYPE_FLOAT64);
  g_assert_true (dz_optimizer_update (opt, &error));
  g_assert_no_error (error);
  g_assert_true (dz_variable_get_data (param) != old);
  assert_values (old, p0, N, 0.0);
  for (guint i = 0; i < N; i++)
    expected[i] = p0[i] - 0.1;
  assert_values (dz_variable_get_data (param), expected, N, 1e-15);
}

/* A backward pass through a graph recorded before the update refuses to
 * run, whether the update wrote in place or not: the graph holds the
 * variable, not its array. */
static void
test_recorded_graph (void)
{
  g_autoptr(DzOptimizer) opt = dz_sgd_new (0.1);
  g_autoptr(DzVariable) param = new_var (p0, N, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(DzVariable) loss = NULL;
  g_autoptr(GError) error = NULL;

  y = dz_mul (param, param, &error);
  loss = dz_sum (y, NULL, 0, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (dz_variable_backward (loss, &error));
  set_params (opt, param, NULL);
  g_assert_true (dz_optimizer_update (opt, &error));
  g_assert_no_error (error);
  g_assert_false (dz_variable_backward (loss, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_DATA_MODIFIED);
}

/* A 0-d parameter may keep its value inline in the variable. */
static void
test_scalar_param (void)
{
  g_autoptr(DzOptimizer) opt = dz_sgd_new (0.1);
  g_autoptr(DzVariable) param = dz_variable_new_scalar (2.0);
  g_autoptr(DzVariable) grad = dz_variable_new_scalar (3.0);
  g_autoptr(GError) error = NULL;

  dz_variable_set_grad (param, grad);
  set_params (opt, param, NULL);
  g_assert_true (dz_optimizer_update (opt, &error));
  g_assert_true (dz_optimizer_update (opt, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (dz_test_value (param), 2.0 - 0.6, 1e-15);
}

static void
test_errors (void)
{
  g_autoptr(DzOptimizer) opt = dz_adam_new (0.1, 0.9, 0.999, 1e-8);
  g_autoptr(DzVariable) param = new_var (p0, N, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) ints = new_var (p0, N, DZ_DTYPE_INT64);
  g_autoptr(DzVariable) other = new_var (p0, 3, DZ_DTYPE_FLOAT64);
  g_autoptr(GError) error = NULL;

  set_params (opt, param, NULL);
  /* A gradient of the wrong shape or dtype. */
  set_grad (param, p0, 3, DZ_DTYPE_FLOAT64);
  g_assert_false (dz_optimizer_update (opt, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
  g_clear_error (&error);
  set_grad (param, p0, N, DZ_DTYPE_FLOAT32);
  g_assert_false (dz_optimizer_update (opt, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_DTYPE);
  g_clear_error (&error);

  /* The state no longer fits a parameter whose data changed shape. */
  set_grad (param, p0, N, DZ_DTYPE_FLOAT64);
  g_assert_true (dz_optimizer_update (opt, &error));
  dz_variable_set_data (param, dz_variable_get_data (other));
  set_grad (param, p0, 3, DZ_DTYPE_FLOAT64);
  g_assert_false (dz_optimizer_update (opt, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
  g_clear_error (&error);

  set_params (opt, ints, NULL);
  set_grad (ints, p0, N, DZ_DTYPE_INT64);
  g_assert_false (dz_optimizer_update (opt, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_DTYPE);
}

/* -- training: DeZero's step 42, y = 2x + 1 by linear regression -- */

static double
train_regression (DzOptimizer *opt,
                  guint        iters)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (0);
  const gsize x_shape[] = { 100, 1 };
  const gsize w_shape[] = { 1, 1 };
  const gsize b_shape[] = { 1 };
  g_autoptr(DzArray) x_data = dz_array_new_uniform (x_shape, 2, gen, NULL);
  g_autoptr(DzArray) y_data = NULL;
  g_autoptr(DzVariable) x = dz_variable_new (x_data);
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(DzArray) w_data = dz_array_new_zeros (w_shape, 2, NULL);
  g_autoptr(DzArray) b_data = dz_array_new_zeros (b_shape, 1, NULL);
  g_autoptr(DzVariable) W = dz_variable_new (w_data);
  g_autoptr(DzVariable) b = dz_variable_new (b_data);
  double loss_value = INFINITY;
  double y_values[100];

  for (guint i = 0; i < 100; i++)
    y_values[i] = 2.0 * dz_array_get_value (x_data, i) + 1.0;
  y_data = dz_array_new_from_values (y_values, 100, x_shape, 2, NULL);
  y = dz_variable_new (y_data);
  g_clear_object (&w_data);
  g_clear_object (&b_data);
  set_params (opt, W, b, NULL);
  for (guint i = 0; i < iters; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DzVariable) y_pred = dz_linear (x, W, b, &error);
      g_autoptr(DzVariable) loss = dz_mean_squared_error (y_pred, y, &error);

      g_assert_no_error (error);
      dz_variable_clear_grad (W);
      dz_variable_clear_grad (b);
      g_assert_true (dz_variable_backward (loss, &error));
      loss_value = dz_test_value (loss);
      /* Dropping the graph first lets the update write in place. */
      g_clear_object (&loss);
      g_clear_object (&y_pred);
      g_assert_true (dz_optimizer_update (opt, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpfloat_with_epsilon (dz_test_value (W), 2.0, 0.05);
  g_assert_cmpfloat_with_epsilon (dz_test_value (b), 1.0, 0.05);
  return loss_value;
}

static void
test_train_sgd (void)
{
  g_autoptr(DzOptimizer) opt = dz_sgd_new (0.1);

  g_assert_cmpfloat (train_regression (opt, 500), <, 1e-4);
}

static void
test_train_adam (void)
{
  g_autoptr(DzOptimizer) opt = dz_adam_new (0.1, 0.9, 0.999, 1e-8);

  g_assert_cmpfloat (train_regression (opt, 300), <, 1e-4);
}

/* Every test leaves nothing behind. */
static void
wrap (gconstpointer data)
{
  ((GTestFunc) data) ();
  dz_assert_no_live_objects ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (rule_cases); i++)
    {
      g_autofree char *f64 = g_strdup_printf ("/optim/%s/float64", rule_cases[i].name);
      g_autofree char *f32 = g_strdup_printf ("/optim/%s/float32", rule_cases[i].name);

      g_test_add_data_func (f64, &rule_cases[i], test_rule_f64);
      g_test_add_data_func (f32, &rule_cases[i], test_rule_f32);
    }
  g_test_add_data_func ("/optim/defaults", test_defaults, wrap);
  g_test_add_data_func ("/optim/adam/t", test_adam_t, wrap);
  g_test_add_data_func ("/optim/skip-no-grad", test_skip_no_grad, wrap);
  g_test_add_data_func ("/optim/hooks/weight-decay", test_weight_decay, wrap);
  g_test_add_data_func ("/optim/hooks/weight-decay-shared-grad", test_weight_decay_shared_grad, wrap);
  g_test_add_data_func ("/optim/hooks/clip-grad", test_clip_grad, wrap);
  g_test_add_data_func ("/optim/hooks/freeze-param", test_freeze_param, wrap);
  g_test_add_data_func ("/optim/hooks/order", test_hook_order, wrap);
  g_test_add_data_func ("/optim/in-place", test_in_place, wrap);
  g_test_add_data_func ("/optim/copy-when-shared", test_copy_when_shared, wrap);
  g_test_add_data_func ("/optim/recorded-graph", test_recorded_graph, wrap);
  g_test_add_data_func ("/optim/scalar-param", test_scalar_param, wrap);
  g_test_add_data_func ("/optim/errors", test_errors, wrap);
  g_test_add_data_func ("/optim/train/sgd", test_train_sgd, wrap);
  g_test_add_data_func ("/optim/train/adam", test_train_adam, wrap);

  return g_test_run ();
}
