/* test-op-cases.c: every built-in against the shared table of cases
 *
 * Runs each case of the JSON files of tests/ops/cases/ (the format and what a case
 * means are in tests/ops/cases/README.md; test_op_cases.py and
 * test_op_cases.js read the same files the same way) as the test
 * /op-cases/<op>/<index>, and /op-cases/coverage fails when a built-in has
 * no case.
 *
 * SPDX-License-Identifier: MIT
 */

#include <json-glib/json-glib.h>

#include "dz-test-utils.h"

#define MAX_INPUTS 16

/* Defaults of a case's "rtol" and "atol": DeZero's. */
#define DEFAULT_RTOL 1e-4
#define DEFAULT_ATOL 1e-5
/* The step of numerical differentiation. */
#define EPS 1e-4
/* The array-level and the recorded backward do the same math, perhaps in
 * another order. */
#define SAME_RTOL 1e-10
#define SAME_ATOL 1e-12
/* float32 against float64 on the same (rounded) inputs; gradients go
 * through twice as many roundings. */
#define F32_RTOL 1e-4
#define F32_ATOL 1e-5
#define F32_GRAD_RTOL 1e-3
#define F32_GRAD_ATOL 1e-4

typedef enum
{
  DOMAIN_NORMAL,
  DOMAIN_POSITIVE,
  DOMAIN_UNIT,
  DOMAIN_DISTINCT,
  DOMAIN_LABELS,
  DOMAIN_BINARY,
  DOMAIN_PROBABILITY,
} Domain;

typedef struct
{
  gsize shape[DZ_ARRAY_MAX_NDIM];
  guint ndim;
  Domain domain;
  guint n_labels;
  DzDtype dtype;
} Input;

typedef struct
{
  char *op;
  guint index;        /* among the cases of op, files taken by name */
  char *where;        /* "arith.json: {the case}", for messages */
  char *error;        /* what is wrong with the case itself */
  Input inputs[MAX_INPUTS];
  guint n_inputs;
  GVariant *params;
  gboolean second_order;
  gboolean no_grad;
  double rtol;
  double atol;
} Case;

static GHashTable *ops_with_cases;

static void
case_free (gpointer data)
{
  Case *c = data;

  g_free (c->op);
  g_free (c->where);
  g_free (c->error);
  g_clear_pointer (&c->params, g_variant_unref);
  g_free (c);
}

static void
fail (const Case  *c,
      const char  *check,
      const char  *format,
      ...) G_GNUC_PRINTF (3, 4);

static void
fail (const Case  *c,
      const char  *check,
      const char  *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  /* Every failing check is told, not only the last one. */
  g_test_message ("%s #%u, check %s: %s\n  case %s", c->op, c->index, check, message, c->where);
  g_test_fail ();
}

static void
fail_error (const Case  *c,
            const char  *check,
            GError      *error)
{
  fail (c, check, "%s", error ? error->message : "failed without an error");
}

/* Reading the table */

/* JSON numbers are int64 ("x") or double ("d"), lists of ints "ax", other
 * lists "av", null inside a list "mv" with nothing. */
static GVariant *
variant_of (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint n = json_array_get_length (array);
      gboolean ints = TRUE;
      GVariantBuilder builder;

      for (guint i = 0; i < n; i++)
        ints = ints && json_node_get_value_type (json_array_get_element (array, i)) == G_TYPE_INT64;
      g_variant_builder_init (&builder, ints ? G_VARIANT_TYPE ("ax") : G_VARIANT_TYPE ("av"));
      for (guint i = 0; i < n; i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (ints)
            g_variant_builder_add (&builder, "x", json_node_get_int (element));
          else
            g_variant_builder_add (&builder, "v", variant_of (element));
        }
      return g_variant_builder_end (&builder);
    }
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      GVariantBuilder builder;
      JsonObjectIter iter;
      const char *key;
      JsonNode *value;

      g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
      json_object_iter_init (&iter, object);
      while (json_object_iter_next (&iter, &key, &value))
        if (!JSON_NODE_HOLDS_NULL (value))
          g_variant_builder_add (&builder, "{sv}", key, variant_of (value));
      return g_variant_builder_end (&builder);
    }
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      return g_variant_new_int64 (json_node_get_int (node));
    case G_TYPE_BOOLEAN:
      return g_variant_new_boolean (json_node_get_boolean (node));
    case G_TYPE_STRING:
      return g_variant_new_string (json_node_get_string (node));
    default:
      return g_variant_new_double (json_node_get_double (node));
    }
}

static gboolean
holds_string (JsonNode *node)
{
  return node != NULL && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
parse_input (JsonNode  *node,
             Input     *input,
             GError   **error)
{
  JsonObject *object;
  JsonNode *shape, *domain_node, *dtype_node;
  const char *domain;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    goto invalid;
  object = json_node_get_object (node);
  shape = json_object_get_member (object, "shape");
  domain_node = json_object_get_member (object, "domain");
  dtype_node = json_object_get_member (object, "dtype");
  if (shape == NULL || !JSON_NODE_HOLDS_ARRAY (shape) || !holds_string (domain_node)
      || (dtype_node != NULL && !holds_string (dtype_node))
      || json_array_get_length (json_node_get_array (shape)) > DZ_ARRAY_MAX_NDIM)
    goto invalid;
  input->ndim = json_array_get_length (json_node_get_array (shape));
  for (guint d = 0; d < input->ndim; d++)
    {
      JsonNode *length = json_array_get_element (json_node_get_array (shape), d);

      if (json_node_get_value_type (length) != G_TYPE_INT64 || json_node_get_int (length) < 0)
        goto invalid;
      input->shape[d] = json_node_get_int (length);
    }
  domain = json_node_get_string (domain_node);

  input->dtype = DZ_DTYPE_FLOAT64;
  if (g_str_has_prefix (domain, "labels:"))
    {
      input->domain = DOMAIN_LABELS;
      input->n_labels = g_ascii_strtoull (domain + strlen ("labels:"), NULL, 10);
      input->dtype = DZ_DTYPE_INT64;
      if (input->n_labels == 0)
        goto invalid;
    }
  else
    {
      static const char *const names[] = {
        [DOMAIN_NORMAL] = "normal", [DOMAIN_POSITIVE] = "positive", [DOMAIN_UNIT] = "unit",
        [DOMAIN_DISTINCT] = "distinct", [DOMAIN_BINARY] = "binary",
        [DOMAIN_PROBABILITY] = "probability",
      };
      guint d;

      for (d = 0; d < G_N_ELEMENTS (names); d++)
        if (names[d] != NULL && strcmp (names[d], domain) == 0)
          break;
      if (d == G_N_ELEMENTS (names))
        goto invalid;
      input->domain = d;
    }

  if (dtype_node != NULL && !dz_dtype_from_name (json_node_get_string (dtype_node), &input->dtype))
    goto invalid;
  return TRUE;

invalid:
  g_set_error_literal (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                       "an input needs a \"shape\" (list of lengths) and a \"domain\" (normal, "
                       "positive, unit, distinct, labels:N, binary or probability), "
                       "optionally a \"dtype\"");
  return FALSE;
}

static gboolean
parse_case (JsonObject  *object,
            Case        *c,
            GError     **error)
{
  static const char *const keys[] = {
    "op", "inputs", "params", "second_order", "no_grad", "rtol", "atol",
    "skip_python", "skip_js", NULL,
  };
  JsonArray *inputs;
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  /* A misspelt key would silently change what the case checks. */
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &key, &value))
    if (!g_strv_contains (keys, key))
      {
        g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT, "unknown key \"%s\"", key);
        return FALSE;
      }
  value = json_object_get_member (object, "inputs");
  inputs = value != NULL && JSON_NODE_HOLDS_ARRAY (value) ? json_node_get_array (value) : NULL;
  if (inputs == NULL || json_array_get_length (inputs) == 0
      || json_array_get_length (inputs) > MAX_INPUTS)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "a case needs \"inputs\", a list of 1 to %d inputs", MAX_INPUTS);
      return FALSE;
    }
  c->n_inputs = json_array_get_length (inputs);
  for (guint i = 0; i < c->n_inputs; i++)
    if (!parse_input (json_array_get_element (inputs, i), &c->inputs[i], error))
      return FALSE;

  if (json_object_has_member (object, "params"))
    {
      JsonNode *params = json_object_get_member (object, "params");

      if (!JSON_NODE_HOLDS_OBJECT (params))
        {
          g_set_error_literal (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                               "\"params\" must be an object");
          return FALSE;
        }
      c->params = g_variant_ref_sink (variant_of (params));
    }
  c->second_order = json_object_get_boolean_member_with_default (object, "second_order", FALSE);
  c->no_grad = json_object_get_boolean_member_with_default (object, "no_grad", FALSE);
  c->rtol = json_object_get_double_member_with_default (object, "rtol", DEFAULT_RTOL);
  c->atol = json_object_get_double_member_with_default (object, "atol", DEFAULT_ATOL);
  return TRUE;
}

/* Building the inputs */

static gsize
input_size (const Input *input)
{
  gsize size = 1;

  for (guint d = 0; d < input->ndim; d++)
    size *= input->shape[d];
  return size;
}

/* Labels and 0/1 targets are data, not points to differentiate at. */
static gboolean
is_differentiable (const Input *input)
{
  return dz_dtype_is_float (input->dtype)
         && input->domain != DOMAIN_LABELS && input->domain != DOMAIN_BINARY;
}

/* Draws the values of @input from @gen: the same draws, in the same order,
 * as the Python and GJS drivers make. */
static DzArray *
make_input (const Input *input,
            DzGenerator *gen)
{
  gsize n = input_size (input);
  g_autofree double *values = g_new0 (double, MAX (n, 1));
  g_autoptr(DzArray) array = NULL;

  if (input->domain == DOMAIN_NORMAL)
    dz_generator_fill_normal (gen, values, n);
  else
    dz_generator_fill_uniform (gen, values, n);

  switch (input->domain)
    {
    case DOMAIN_NORMAL:
      break;
    case DOMAIN_POSITIVE:
      for (gsize i = 0; i < n; i++)
        values[i] = 0.5 + 1.5 * values[i];
      break;
    case DOMAIN_UNIT:
      for (gsize i = 0; i < n; i++)
        values[i] = -0.9 + 1.8 * values[i];
      break;
    case DOMAIN_PROBABILITY:
      for (gsize i = 0; i < n; i++)
        values[i] = 0.1 + 0.8 * values[i];
      break;
    case DOMAIN_BINARY:
      for (gsize i = 0; i < n; i++)
        values[i] = values[i] < 0.5 ? 0.0 : 1.0;
      break;
    case DOMAIN_LABELS:
      for (gsize i = 0; i < n; i++)
        values[i] = floor (values[i] * input->n_labels);
      break;
    case DOMAIN_DISTINCT:
      {
        /* 0.1 apart, 0.05 off the multiples of 0.1 (so off 0), shuffled
         * by Fisher-Yates with the draws. */
        g_autofree double *u = g_memdup2 (values, MAX (n, 1) * sizeof (double));

        for (gsize k = 0; k < n; k++)
          values[k] = 0.1 * ((double) k - (double) (n / 2)) + 0.05;
        for (gsize i = n; i-- > 1;)
          {
            gsize j = (gsize) (u[i] * (i + 1));
            double t = values[i];

            values[i] = values[j];
            values[j] = t;
          }
        break;
      }
    }

  array = dz_array_new_from_values (values, n, input->shape, input->ndim, NULL);
  g_assert_nonnull (array);
  if (input->dtype == DZ_DTYPE_FLOAT64)
    return g_steal_pointer (&array);
  return dz_array_astype (array, input->dtype, NULL);
}

/* Variables or arrays, owned. */
static GPtrArray *
objects_new (void)
{
  return g_ptr_array_new_with_free_func (g_object_unref);
}

static DzVariable *
variable_take (DzArray *array)
{
  DzVariable *v = dz_variable_new (array);

  g_object_unref (array);
  return v;
}

static DzVariable *
randn_like (DzGenerator *gen,
            DzArray     *like)
{
  guint ndim;
  const gsize *shape = dz_array_get_shape (like, &ndim);

  return variable_take (dz_array_new_randn (shape, ndim, gen, NULL));
}

/* New leaves with the values of @xs, float ones as @dtype. */
static GPtrArray *
retyped (GPtrArray *xs,
         DzDtype    dtype)
{
  GPtrArray *result = objects_new ();

  for (guint i = 0; i < xs->len; i++)
    {
      DzArray *data = dz_variable_get_data (xs->pdata[i]);

      if (dz_dtype_is_float (dz_array_get_dtype (data)))
        g_ptr_array_add (result, variable_take (dz_array_astype (data, dtype, NULL)));
      else
        g_ptr_array_add (result, dz_variable_new (data));
    }
  return result;
}

/* The inputs that are differentiated, borrowed. */
static GPtrArray *
differentiable (const Case *c,
                GPtrArray  *xs)
{
  GPtrArray *result = g_ptr_array_new ();

  for (guint i = 0; i < c->n_inputs; i++)
    if (is_differentiable (&c->inputs[i]))
      g_ptr_array_add (result, xs->pdata[i]);
  return result;
}

/* The functions checked */

static DzVariable *
forward (const Case  *c,
         DzVariable **xs,
         GError     **error)
{
  return dz_op_call (c->op, xs, c->n_inputs, c->params, error);
}

/* op (xs) * w: its backward, seeded with ones, is that of sum (y * w). */
static DzVariable *
weighted (const Case  *c,
          DzVariable **xs,
          DzVariable  *w,
          GError     **error)
{
  g_autoptr(DzVariable) y = forward (c, xs, error);

  return y ? dz_mul (y, w, error) : NULL;
}

/* sum over the differentiated inputs x of sum (grad_x (sum (op (xs) * w)) * u_x):
 * its gradient is a second derivative. */
static DzVariable *
second_order_value (const Case  *c,
                    DzVariable **xs,
                    DzVariable  *w,
                    GPtrArray   *us,
                    GError     **error)
{
  g_autoptr(DzVariable) l = weighted (c, xs, w, error);
  g_autoptr(GPtrArray) inputs = NULL;
  g_autoptr(GPtrArray) grads = NULL;
  DzVariable *total = NULL;

  if (l == NULL)
    return NULL;
  inputs = g_ptr_array_new ();
  for (guint i = 0; i < c->n_inputs; i++)
    if (is_differentiable (&c->inputs[i]))
      g_ptr_array_add (inputs, xs[i]);
  grads = dz_grad (l, inputs, DZ_BACKWARD_CREATE_GRAPH, error);
  if (grads == NULL)
    return NULL;
  for (guint i = 0; i < grads->len; i++)
    {
      g_autoptr(DzVariable) product = dz_mul (grads->pdata[i], us->pdata[i], error);
      g_autoptr(DzVariable) term = product ? dz_sum_to (product, NULL, 0, error) : NULL;

      if (term == NULL)
        {
          g_clear_object (&total);
          return NULL;
        }
      if (total == NULL)
        total = g_steal_pointer (&term);
      else
        {
          DzVariable *sum = dz_add (total, term, error);

          g_object_unref (total);
          if ((total = sum) == NULL)
            return NULL;
        }
    }
  return total;
}

/* What dz_numerical_diff() differentiates: weighted() or, with @us,
 * second_order_value(), as a function of input @slot. */
typedef struct
{
  const Case *c;
  DzVariable **xs;
  guint slot;
  DzVariable *w;
  GPtrArray *us;
  GError *error;
} Probe;

static DzVariable *
probe_call (DzVariable *x,
            gpointer    data)
{
  Probe *p = data;
  DzVariable *saved = p->xs[p->slot];
  g_autoptr(GError) error = NULL;
  DzVariable *result;

  p->xs[p->slot] = x;
  if (p->us == NULL)
    result = weighted (p->c, p->xs, p->w, &error);
  else
    {
      /* Numerical differentiation turns recording off; the gradient
       * inside needs it. */
      gboolean previous = dz_set_enable_backprop (TRUE);

      result = second_order_value (p->c, p->xs, p->w, p->us, &error);
      dz_set_enable_backprop (previous);
    }
  p->xs[p->slot] = saved;
  if (error != NULL && p->error == NULL)
    p->error = g_steal_pointer (&error);
  return result;
}

/* The gradient of each differentiated input, by numerical differentiation
 * of weighted() (or of second_order_value() with @us). */
static GPtrArray *
numerical_grads (const Case  *c,
                 GPtrArray   *xs,
                 DzVariable  *w,
                 GPtrArray   *us,
                 GError     **error)
{
  g_autoptr(GPtrArray) grads = objects_new ();
  g_autoptr(GPtrArray) copy = g_ptr_array_new_full (xs->len, NULL);

  for (guint i = 0; i < xs->len; i++)
    g_ptr_array_add (copy, xs->pdata[i]);

  for (guint i = 0; i < c->n_inputs; i++)
    {
      Probe probe = { c, (DzVariable **) copy->pdata, i, w, us, NULL };
      DzArray *grad;

      if (!is_differentiable (&c->inputs[i]))
        continue;
      grad = dz_numerical_diff (probe_call, &probe, xs->pdata[i], EPS, error);
      if (grad == NULL)
        {
          if (probe.error != NULL)
            {
              g_clear_error (error);
              g_propagate_error (error, probe.error);
            }
          return NULL;
        }
      g_clear_error (&probe.error);
      g_ptr_array_add (grads, grad);
    }
  return g_steal_pointer (&grads);
}

/* The gradients of sum (y * w) by an ordinary backward pass, as arrays, one
 * per differentiated input of @xs (zeros when the op gives none); clears
 * the inputs' gradients. */
static GPtrArray *
backward_grads (const Case  *c,
                DzVariable  *y,
                DzVariable  *w,
                GPtrArray   *xs,
                GError     **error)
{
  g_autoptr(DzVariable) l = dz_mul (y, w, error);
  g_autoptr(GPtrArray) grads = objects_new ();
  gboolean ok = l != NULL && dz_variable_backward (l, error);

  for (guint i = 0; i < c->n_inputs; i++)
    {
      DzVariable *grad = dz_variable_get_grad (xs->pdata[i]);

      if (ok && is_differentiable (&c->inputs[i]))
        g_ptr_array_add (grads, grad != NULL
                         ? g_object_ref (dz_variable_get_data (grad))
                         : dz_array_new_zeros_like (dz_variable_get_data (xs->pdata[i]), NULL));
      dz_variable_clear_grad (xs->pdata[i]);
    }
  return ok ? g_steal_pointer (&grads) : NULL;
}

/* Comparing */

static char *
index_to_string (DzArray *array,
                 gsize    flat)
{
  guint ndim;
  const gsize *shape = dz_array_get_shape (array, &ndim);
  gsize index[DZ_ARRAY_MAX_NDIM];
  GString *s = g_string_new ("[");

  for (guint d = ndim; d-- > 0;)
    {
      index[d] = flat % shape[d];
      flat /= shape[d];
    }
  for (guint d = 0; d < ndim; d++)
    g_string_append_printf (s, "%s%" G_GSIZE_FORMAT, d ? ", " : "", index[d]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* Fails the test unless @actual has @expected's shape and
 * |actual - expected| <= atol + rtol |expected| everywhere, naming the
 * worst element. */
static gboolean
check_close (const Case *c,
             const char *check,
             DzArray    *actual,
             DzArray    *expected,
             double      rtol,
             double      atol)
{
  gsize worst = 0, n_off = 0, size = dz_array_get_size (expected);
  double worst_excess = -G_MAXDOUBLE;
  g_autofree char *index = NULL;

  if (!dz_array_same_shape (actual, expected))
    {
      g_autofree char *got = dz_array_shape_to_string (actual);
      g_autofree char *want = dz_array_shape_to_string (expected);

      fail (c, check, "shape %s, expected %s", got, want);
      return FALSE;
    }
  for (gsize i = 0; i < size; i++)
    {
      double a = dz_array_get_value (actual, i), e = dz_array_get_value (expected, i);
      double excess = fabs (a - e) - (atol + rtol * fabs (e));

      if (!(excess <= 0.0))
        n_off++;
      if (isnan (excess))
        excess = G_MAXDOUBLE;
      if (excess > worst_excess)
        {
          worst_excess = excess;
          worst = i;
        }
    }
  if (n_off == 0)
    return TRUE;
  index = index_to_string (expected, worst);
  fail (c, check, "%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " elements off "
        "(rtol %g, atol %g); worst %s: %.10g, expected %.10g",
        n_off, size, rtol, atol, index, dz_array_get_value (actual, worst),
        dz_array_get_value (expected, worst));
  return FALSE;
}

/* Gradients come as arrays (backward, numerical) or variables (dz_grad). */
static DzArray *
data_of (gpointer object)
{
  return DZ_IS_VARIABLE (object) ? dz_variable_get_data (object) : object;
}

static gboolean
check_grads (const Case *c,
             const char *check,
             GPtrArray  *actual,
             GPtrArray  *expected,
             double      rtol,
             double      atol)
{
  gboolean ok = TRUE;

  for (guint k = 0, i = 0; i < c->n_inputs; i++)
    if (is_differentiable (&c->inputs[i]))
      {
        g_autofree char *which = g_strdup_printf ("%s, gradient of input %u", check, i);
        ok = check_close (c, which, data_of (actual->pdata[k]), data_of (expected->pdata[k]),
                          rtol, atol) && ok;
        k++;
      }
  return ok;
}

static gboolean
check_dtype (const Case *c,
             const char *check,
             DzArray    *array,
             DzDtype     dtype)
{
  if (dz_array_get_dtype (array) == dtype)
    return TRUE;
  fail (c, check, "dtype %s, expected %s", dz_dtype_get_name (dz_array_get_dtype (array)),
        dz_dtype_get_name (dtype));
  return FALSE;
}

/* (e) float32 inputs give float32 outputs and gradients, close to float64
 * on the same (rounded) values; inputs declared float32 among float64 ones
 * give float64, as in NumPy. */
static void
check_float32 (const Case *c,
               GPtrArray  *declared,
               GPtrArray  *xs,
               DzVariable *y,
               DzVariable *w)
{
  g_autoptr(GPtrArray) x32 = retyped (xs, DZ_DTYPE_FLOAT32);
  g_autoptr(GPtrArray) x64 = retyped (x32, DZ_DTYPE_FLOAT64);
  g_autoptr(DzVariable) w32 = variable_take (dz_array_astype (dz_variable_get_data (w),
                                                              DZ_DTYPE_FLOAT32, NULL));
  g_autoptr(DzVariable) w64 = variable_take (dz_array_astype (dz_variable_get_data (w32),
                                                              DZ_DTYPE_FLOAT64, NULL));
  g_autoptr(DzVariable) y32 = NULL;
  g_autoptr(DzVariable) y64 = NULL;
  g_autoptr(DzVariable) y_declared = NULL;
  g_autoptr(GPtrArray) g32 = NULL;
  g_autoptr(GPtrArray) g64 = NULL;
  g_autoptr(GError) error = NULL;
  gboolean any32 = FALSE, any64 = FALSE;

  y32 = forward (c, (DzVariable **) x32->pdata, &error);
  y64 = y32 ? forward (c, (DzVariable **) x64->pdata, &error) : NULL;
  g32 = y64 ? backward_grads (c, y32, w32, x32, &error) : NULL;
  g64 = g32 ? backward_grads (c, y64, w64, x64, &error) : NULL;
  if (g64 == NULL)
    {
      fail_error (c, "float32", error);
      return;
    }
  if (check_dtype (c, "float32 output", dz_variable_get_data (y32), DZ_DTYPE_FLOAT32))
    check_close (c, "float32 output", dz_variable_get_data (y32), dz_variable_get_data (y64),
                 MAX (c->rtol, F32_RTOL), MAX (c->atol, F32_ATOL));
  for (guint i = 0; i < g32->len; i++)
    if (!check_dtype (c, "float32 gradient", g32->pdata[i], DZ_DTYPE_FLOAT32))
      return;
  check_grads (c, "float32", g32, g64, MAX (c->rtol, F32_GRAD_RTOL), MAX (c->atol, F32_GRAD_ATOL));

  for (guint i = 0; i < c->n_inputs; i++)
    {
      any32 = any32 || c->inputs[i].dtype == DZ_DTYPE_FLOAT32;
      any64 = any64 || c->inputs[i].dtype == DZ_DTYPE_FLOAT64;
    }
  if (!any32 || !any64)
    return;
  y_declared = forward (c, (DzVariable **) declared->pdata, &error);
  if (y_declared == NULL)
    {
      fail_error (c, "declared dtypes", error);
      return;
    }
  if (check_dtype (c, "declared dtypes", dz_variable_get_data (y_declared), DZ_DTYPE_FLOAT64))
    check_close (c, "declared dtypes", dz_variable_get_data (y_declared), dz_variable_get_data (y),
                 MAX (c->rtol, F32_RTOL), MAX (c->atol, F32_ATOL));
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(DzGenerator) gen = dz_generator_new (c->index);
  g_autoptr(GPtrArray) declared = objects_new ();
  g_autoptr(GPtrArray) xs = NULL;
  g_autoptr(GPtrArray) diff = NULL;
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(DzVariable) w = NULL;
  g_autoptr(DzVariable) l = NULL;
  g_autoptr(GPtrArray) grads = NULL;
  g_autoptr(GPtrArray) recorded = NULL;
  g_autoptr(GPtrArray) numerical = NULL;
  g_autoptr(GError) error = NULL;
  gboolean any_float = FALSE;

  if (c->error != NULL)
    {
      fail (c, "table", "%s", c->error);
      return;
    }

  for (guint i = 0; i < c->n_inputs; i++)
    {
      g_ptr_array_add (declared, variable_take (make_input (&c->inputs[i], gen)));
      any_float = any_float || dz_dtype_is_float (c->inputs[i].dtype);
    }
  xs = retyped (declared, DZ_DTYPE_FLOAT64);
  diff = differentiable (c, xs);

  y = forward (c, (DzVariable **) xs->pdata, &error);
  if (y == NULL)
    {
      fail_error (c, "forward", error);
      return;
    }
  if (c->no_grad)
    {
      if (dz_variable_get_creator (y) != NULL)
        fail (c, "no_grad", "the output has a creator");
      return;
    }
  if (!dz_dtype_is_float (dz_variable_get_dtype (y)))
    {
      fail (c, "forward", "the output is %s: a differentiable op gives floats",
            dz_dtype_get_name (dz_variable_get_dtype (y)));
      return;
    }
  w = randn_like (gen, dz_variable_get_data (y));

  /* (a) the ordinary backward pass, (b) the recorded one */
  grads = backward_grads (c, y, w, xs, &error);
  if (grads == NULL)
    {
      fail_error (c, "backward", error);
      return;
    }
  l = dz_mul (y, w, &error);
  recorded = l ? dz_grad (l, diff, DZ_BACKWARD_CREATE_GRAPH, &error) : NULL;
  if (recorded == NULL)
    {
      fail_error (c, "create_graph", error);
      return;
    }
  check_grads (c, "create_graph against backward", recorded, grads, SAME_RTOL, SAME_ATOL);

  /* (c) numerical differentiation */
  numerical = numerical_grads (c, xs, w, NULL, &error);
  if (numerical == NULL)
    {
      fail_error (c, "numerical", error);
      return;
    }
  check_grads (c, "backward against numerical", grads, numerical, c->rtol, c->atol);

  /* (d) second order */
  if (c->second_order)
    {
      g_autoptr(GPtrArray) us = objects_new ();
      g_autoptr(DzVariable) f = NULL;
      g_autoptr(GPtrArray) second = NULL;
      g_autoptr(GPtrArray) second_numerical = NULL;

      for (guint i = 0; i < diff->len; i++)
        g_ptr_array_add (us, randn_like (gen, dz_variable_get_data (diff->pdata[i])));
      f = second_order_value (c, (DzVariable **) xs->pdata, w, us, &error);
      second = f ? dz_grad (f, diff, DZ_BACKWARD_NONE, &error) : NULL;
      second_numerical = second ? numerical_grads (c, xs, w, us, &error) : NULL;
      if (second_numerical == NULL)
        {
          fail_error (c, "second order", error);
          return;
        }
      check_grads (c, "second order against numerical", second, second_numerical,
                   c->rtol, c->atol);
    }

  /* (e) float32 */
  if (any_float)
    check_float32 (c, declared, xs, y, w);
}

/* After each case, so that a leak names its op. */
static void
test_case_no_leak (gconstpointer data)
{
  test_case (data);
  dz_assert_no_live_objects ();
}

static void
test_coverage (void)
{
  g_auto(GStrv) names = dz_ops_list ();
  g_autoptr(GString) missing = g_string_new (NULL);

  for (guint i = 0; names[i] != NULL; i++)
    if (!g_hash_table_contains (ops_with_cases, names[i]))
      g_string_append_printf (missing, " %s", names[i]);
  if (missing->len > 0)
    g_test_fail_printf ("built-ins without a case in tests/ops/cases/*.json:%s", missing->str);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Adds a test per case of @path, numbering the cases of each op in
 * @counts. */
static void
add_cases (const char *dir,
           const char *file,
           GHashTable *counts)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;
  JsonArray *cases;

  if (!json_parser_load_from_file (parser, path, &error)
      || !JSON_NODE_HOLDS_ARRAY (root = json_parser_get_root (parser)))
    g_error ("%s is not a JSON array of cases: %s", path, error ? error->message : "");
  cases = json_node_get_array (root);

  for (guint k = 0; k < json_array_get_length (cases); k++)
    {
      JsonNode *node = json_array_get_element (cases, k);
      Case *c = g_new0 (Case, 1);
      g_autofree char *json = json_to_string (node, FALSE);
      g_autofree char *test_path = NULL;
      JsonNode *op_node = NULL;
      const char *op = NULL;

      if (JSON_NODE_HOLDS_OBJECT (node))
        op_node = json_object_get_member (json_node_get_object (node), "op");
      if (holds_string (op_node))
        op = json_node_get_string (op_node);
      c->op = g_strdup (op ? op : "(no op)");
      c->index = GPOINTER_TO_UINT (g_hash_table_lookup (counts, c->op));
      g_hash_table_insert (counts, g_strdup (c->op), GUINT_TO_POINTER (c->index + 1));
      g_hash_table_add (ops_with_cases, g_strdup (c->op));
      c->where = g_strdup_printf ("%s: %s", file, json);
      if (op == NULL)
        c->error = g_strdup ("a case needs an \"op\"");
      else if (!parse_case (json_node_get_object (node), c, &error))
        {
          c->error = g_strdup (error->message);
          g_clear_error (&error);
        }
      test_path = g_strdup_printf ("/op-cases/%s/%u", c->op, c->index);
      g_test_add_data_func_full (test_path, c, test_case_no_leak, case_free);
    }
}

int
main (int argc, char *argv[])
{
  g_autofree char *dir = NULL;
  g_autoptr(GDir) listing = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  const char *name;
  int status;

  g_test_init (&argc, &argv, NULL);

  dir = g_test_build_filename (G_TEST_DIST, "ops", "cases", NULL);
  listing = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (listing)) != NULL)
    if (g_str_has_suffix (name, ".json"))
      g_ptr_array_add (files, g_strdup (name));
  g_ptr_array_sort (files, compare_names);

  ops_with_cases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < files->len; i++)
    add_cases (dir, files->pdata[i], counts);
  g_test_add_func ("/op-cases/coverage", test_coverage);

  status = g_test_run ();
  g_hash_table_unref (ops_with_cases);
  return status;
}
