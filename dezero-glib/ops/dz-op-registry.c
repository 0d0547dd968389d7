/* dz-op-registry.c: every built-in by name
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "dz-index-private.h"
#include "dz-op-private.h"

/* Each family lists its definitions; a new family adds one line here. */
static DzOpDef *const *const families[] = {
  dz_ops_arith,
  dz_ops_math,
  dz_ops_shape,
  dz_ops_reduce,
  dz_ops_linalg,
  dz_ops_activation,
  dz_ops_loss,
  dz_ops_nn,
  dz_ops_conv,
};

DzOpDef *
dz_op_lookup (const char *name)
{
  for (guint f = 0; f < G_N_ELEMENTS (families); f++)
    for (DzOpDef *const *def = families[f]; *def != NULL; def++)
      if (strcmp ((*def)->name, name) == 0)
        return *def;
  return NULL;
}

/**
 * dz_ops_list:
 *
 * Lists the names of every built-in operation, as dz_op_call() takes them:
 * the names of their C functions without `dz_` ("add", "sum", "matmul").
 *
 * Returns: (transfer full) (array zero-terminated=1): the names
 */
char **
dz_ops_list (void)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  char **names;

  for (guint f = 0; f < G_N_ELEMENTS (families); f++)
    for (DzOpDef *const *def = families[f]; *def != NULL; def++)
      g_strv_builder_add (builder, (*def)->name);
  names = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return names;
}

static gboolean
read_int (GVariant  *value,
          gint64    *out)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    *out = g_variant_get_int32 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    *out = g_variant_get_int64 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    *out = g_variant_get_uint32 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE)
           && g_variant_get_double (value) == (gint64) g_variant_get_double (value))
    *out = (gint64) g_variant_get_double (value);
  else
    return FALSE;
  return TRUE;
}

/* Up to DZ_ARRAY_MAX_NDIM integers from an int or an array of ints. */
static gboolean
read_ints (GVariant  *value,
           gint64    *out,
           guint     *n)
{
  if (read_int (value, out))
    {
      *n = 1;
      return TRUE;
    }
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (value);

      return read_ints (inner, out, n);
    }
  if (!g_variant_is_container (value) || g_variant_n_children (value) > DZ_ARRAY_MAX_NDIM)
    return FALSE;
  *n = g_variant_n_children (value);
  for (guint i = 0; i < *n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (value, i);
      if (g_variant_is_of_type (child, G_VARIANT_TYPE_VARIANT))
        {
          g_autoptr(GVariant) inner = g_variant_get_variant (child);

          if (!read_int (inner, &out[i]))
            return FALSE;
        }
      else if (!read_int (child, &out[i]))
        return FALSE;
    }
  return TRUE;
}

static gboolean
set_param (const DzOpDef     *def,
           const DzParamSpec *spec,
           void              *params,
           GVariant          *value,
           GError           **error)
{
  guint8 *field = (guint8 *) params + spec->offset;
  gint64 ints[DZ_ARRAY_MAX_NDIM];
  guint n;

  switch (spec->kind)
    {
    case DZ_PARAM_DOUBLE:
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
        *(double *) field = g_variant_get_double (value);
      else if (read_int (value, &ints[0]))
        *(double *) field = ints[0];
      else
        break;
      return TRUE;
    case DZ_PARAM_INT:
      if (!read_int (value, &ints[0]))
        break;
      *(gint *) field = (gint) ints[0];
      return TRUE;
    case DZ_PARAM_BOOL:
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
        break;
      *(gboolean *) field = g_variant_get_boolean (value);
      return TRUE;
    case DZ_PARAM_AXES:
      {
        DzAxes *axes = (DzAxes *) field;

        if (!read_ints (value, ints, &n))
          break;
        axes->all = FALSE;
        axes->n = n;
        for (guint i = 0; i < n; i++)
          axes->axes[i] = (gint) ints[i];
        return TRUE;
      }
    case DZ_PARAM_SHAPE:
      {
        DzShape *shape = (DzShape *) field;

        if (!read_ints (value, ints, &n))
          break;
        shape->ndim = n;
        for (guint i = 0; i < n; i++)
          shape->dims[i] = ints[i];
        return TRUE;
      }
    case DZ_PARAM_INDEX:
      {
        DzIndex *index = dz_index_new_from_variant_ (value, error);

        if (index == NULL)
          {
            g_prefix_error (error, "Parameter %s of %s: ", spec->name, def->name);
            return FALSE;
          }
        /* A key given twice: the last one wins, as for the other kinds. */
        g_clear_object ((DzIndex **) field);
        *(DzIndex **) field = index;
        return TRUE;
      }
    }

  g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
               "Parameter %s of %s cannot be %s", spec->name, def->name,
               g_variant_get_type_string (value));
  return FALSE;
}

/**
 * dz_op_call:
 * @name: the name of a built-in operation (see dz_ops_list())
 * @inputs: (array length=n_inputs): the inputs
 * @n_inputs: the number of inputs
 * @params: (nullable): the parameters, as a dictionary of type `a{sv}`
 *   keyed by the C parameter names ("axis", "keepdims", "shape"); an
 *   absent axis set means every axis, any other absent parameter is 0 or
 *   %FALSE (the defaults of DeZero's Python functions, such as softmax's
 *   axis 1, live in the bindings); get_item's "slices" takes the forms
 *   dz_get_item() lists
 * @error: return location for a #GError
 *
 * Calls a built-in operation by name: what language bindings, generated
 * code and the test suites use to reach every operation the same way.
 * `dz_op_call ("sum", &x, 1, params, &error)` with `{"axis": <1>}` is
 * `dz_sum (x, (gint[]) { 1 }, 1, FALSE, &error)`.
 *
 * Returns: (transfer full): the output, or %NULL with @error set:
 *   %DZ_ERROR_INVALID_ARGUMENT for an unknown name or parameter, or any
 *   error of the operation
 */
DzVariable *
dz_op_call (const char   *name,
            DzVariable  **inputs,
            guint         n_inputs,
            GVariant     *params,
            GError      **error)
{
  DzOpDef *def;
  g_autofree void *values = NULL;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (n_inputs == 0 || inputs != NULL, NULL);
  g_return_val_if_fail (params == NULL || g_variant_is_of_type (params, G_VARIANT_TYPE_VARDICT), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  def = dz_op_lookup (name);
  if (def == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT, "No built-in operation is named %s",
                   name);
      return NULL;
    }

  values = g_malloc0 (MAX (def->params_size, 1));
  /* An axes parameter not given means every axis. */
  for (guint i = 0; i < def->n_params; i++)
    if (def->params[i].kind == DZ_PARAM_AXES)
      ((DzAxes *) ((guint8 *) values + def->params[i].offset))->all = TRUE;

  if (params != NULL)
    {
      g_variant_iter_init (&iter, params);
      while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
        {
          const DzParamSpec *spec = NULL;

          for (guint i = 0; i < def->n_params; i++)
            if (strcmp (def->params[i].name, key) == 0)
              spec = &def->params[i];
          if (spec == NULL)
            g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                         "%s has no parameter %s", name, key);
          if (spec == NULL || !set_param (def, spec, values, value, error))
            {
              /* What the parameters read so far own (an index). */
              if (def->params_clear != NULL)
                def->params_clear (values);
              g_variant_unref (value);
              return NULL;
            }
        }
    }

  return dz_op_apply (def, values, inputs, n_inputs, error);
}
