/* dz-dot.c: Graphviz output, as DeZero's plot_dot_graph
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "dz-array-private.h"
#include "dz-dot.h"
#include "dz-error.h"
#include "dz-function-private.h"
#include "dz-variable-private.h"

static void
append_escaped (GString    *dot,
                const char *text)
{
  for (const char *p = text; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (dot, '\\');
      g_string_append_c (dot, *p);
    }
}

static void
append_variable (GString    *dot,
                 DzVariable *variable,
                 gboolean    verbose)
{
  DzVariablePrivate *priv = dz_variable_get_priv (variable);

  g_string_append_printf (dot, "%" G_GUINTPTR_FORMAT " [label=\"", (guintptr) variable);
  if (priv->name != NULL)
    append_escaped (dot, priv->name);
  if (verbose && dz_variable_has_value (priv))
    {
      DzArray *data = dz_variable_peek_data (variable);
      g_autofree char *shape = dz_array_shape_to_string (data);

      g_string_append_printf (dot, "%s%s %s", priv->name ? ": " : "", shape,
                              dz_dtype_get_name (data->dtype));
    }
  g_string_append (dot, "\", color=orange, style=filled]\n");
}

static void
append_function (GString    *dot,
                 DzFunction *function)
{
  DzFunctionPrivate *priv = dz_function_get_priv (function);

  g_string_append_printf (dot, "%" G_GUINTPTR_FORMAT " [label=\"", (guintptr) function);
  append_escaped (dot, dz_function_get_name (function));
  g_string_append (dot, "\", color=lightblue, style=filled, shape=box]\n");

  for (guint i = 0; i < priv->n_inputs; i++)
    g_string_append_printf (dot, "%" G_GUINTPTR_FORMAT " -> %" G_GUINTPTR_FORMAT "\n",
                            (guintptr) priv->inputs[i], (guintptr) function);
  for (guint i = 0; i < priv->n_outputs; i++)
    {
      g_autoptr(DzVariable) output = dz_function_ref_output (function, i);

      if (output != NULL)
        g_string_append_printf (dot, "%" G_GUINTPTR_FORMAT " -> %" G_GUINTPTR_FORMAT "\n",
                                (guintptr) function, (guintptr) output);
    }
}

/**
 * dz_variable_to_dot:
 * @self: a #DzVariable
 * @verbose: whether to label variables with their shape and type too
 *
 * Describes the graph that computed @self in Graphviz's DOT language, as
 * DeZero's `get_dot_graph` does: variables are orange ellipses labelled
 * with their names (and with @verbose, shape and type), functions blue
 * boxes labelled with their names.
 *
 * Returns: (transfer full): the DOT text
 */
char *
dz_variable_to_dot (DzVariable *self,
                    gboolean    verbose)
{
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  GString *dot;
  DzFunction *creator;

  g_return_val_if_fail (DZ_IS_VARIABLE (self), NULL);

  dot = g_string_new ("digraph g {\n");
  append_variable (dot, self, verbose);

  seen = g_hash_table_new (NULL, NULL);
  pending = g_ptr_array_new ();
  creator = dz_variable_get_priv (self)->creator;
  if (creator != NULL)
    {
      g_hash_table_add (seen, creator);
      g_ptr_array_add (pending, creator);
    }

  /* The whole graph is alive while @self is: plain pointers suffice. */
  while (pending->len > 0)
    {
      DzFunction *function = g_ptr_array_steal_index (pending, pending->len - 1);
      DzFunctionPrivate *fpriv = dz_function_get_priv (function);

      append_function (dot, function);
      for (guint i = 0; i < fpriv->n_inputs; i++)
        {
          DzVariable *input = fpriv->inputs[i];
          DzFunction *input_creator = dz_variable_get_priv (input)->creator;

          append_variable (dot, input, verbose);
          if (input_creator != NULL && g_hash_table_add (seen, input_creator))
            g_ptr_array_add (pending, input_creator);
        }
    }

  g_string_append (dot, "}\n");
  return g_string_free (dot, FALSE);
}

/**
 * dz_variable_plot_dot_graph:
 * @self: a #DzVariable
 * @verbose: whether to label variables with their shape and type too
 * @path: (type filename): the picture to write; its extension (`png`,
 *   `svg`, `pdf`...) chooses the format
 * @error: return location for a #GError
 *
 * Renders the graph of dz_variable_to_dot() with Graphviz's `dot` program.
 *
 * Returns: %TRUE on success; %FALSE with %DZ_ERROR_NOT_AVAILABLE if `dot`
 *   is not installed, or another error if it failed
 */
gboolean
dz_variable_plot_dot_graph (DzVariable  *self,
                            gboolean     verbose,
                            const char  *path,
                            GError     **error)
{
  g_autofree char *dot_program = NULL;
  g_autofree char *dot_text = NULL;
  g_autofree char *dot_path = NULL;
  g_autofree char *format = NULL;
  g_autofree char *child_stderr = NULL;
  const char *extension;
  int fd, status;
  gboolean ok;

  g_return_val_if_fail (DZ_IS_VARIABLE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  dot_program = g_find_program_in_path ("dot");
  if (dot_program == NULL)
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_NOT_AVAILABLE,
                           "Graphviz's dot program is not installed (Debian: apt install graphviz)");
      return FALSE;
    }

  extension = strrchr (path, '.');
  if (extension == NULL || extension[1] == '\0' || strchr (extension, '/') != NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "Cannot tell the picture format of %s: give it an extension such as .png", path);
      return FALSE;
    }
  format = g_strdup_printf ("-T%s", extension + 1);

  fd = g_file_open_tmp ("dezero-XXXXXX.dot", &dot_path, error);
  if (fd < 0)
    return FALSE;
  close (fd);

  dot_text = dz_variable_to_dot (self, verbose);
  if (!g_file_set_contents (dot_path, dot_text, -1, error))
    {
      g_unlink (dot_path);
      return FALSE;
    }

  {
    const char *argv[] = { dot_program, format, dot_path, "-o", path, NULL };

    ok = g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
                       NULL, NULL, NULL, &child_stderr, &status, error);
  }
  g_unlink (dot_path);
  if (!ok)
    return FALSE;

  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_FAILED, "dot failed to render %s: %s",
                   path, g_strstrip (child_stderr));
      return FALSE;
    }

  return TRUE;
}
