/* dz-layer.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "dz-error.h"
#include "dz-layer-private.h"

/**
 * DzLayer:
 *
 * A piece of a model, as DeZero's `Layer`: a computation on variables
 * together with the parameters it learns and the smaller layers it is
 * made of.
 *
 * A subclass implements #DzLayerClass.forward(), which composes
 * operations (dz_linear(), dz_sigmoid() and the others) on its inputs and
 * its parameters; dz_layer_call() runs it and checks what it returns.
 *
 * Where DeZero registers whatever `Parameter` or `Layer` is assigned to an
 * attribute, a layer here registers them by name with
 * dz_layer_add_parameter() and dz_layer_add_layer(); registering a name
 * again replaces what it named, in its place. Parameters and sub-layers
 * are kept in the order they were first registered, so that
 * dz_layer_list_parameters() and dz_layer_list_parameter_names() give the
 * same order every time (depth first): what saving weights, loading them
 * back and optimizers rely on. A sub-layer's parameters are named by the
 * dotted path from this layer, `l0.W`, `l0.b`, `l1.W`. A layer registered
 * under two names (or in two models) shares its parameters, which are then
 * listed under each name, as DeZero lists them.
 *
 * A layer owns its parameters and sub-layers with strong references; they
 * hold none back (GObject has no cycle collector), and a layer cannot be
 * registered inside itself. Layers are not thread-safe: one thread at a
 * time may register, list or call.
 */

/**
 * DzLayerClass::forward:
 * @self: the layer
 * @inputs: (element-type DzVariable): the input variables
 * @error: return location for a #GError
 *
 * Computes the outputs with operations on variables, so that the
 * computation is recorded for backpropagation.
 *
 * Returns: (transfer full) (element-type DzVariable): at least one output
 *   variable, or %NULL with @error set
 */

typedef struct
{
  char *name;
  /* A DzParameter or a DzLayer, owned. */
  GObject *object;
} Entry;

typedef struct
{
  /* Entries in the order their names were first registered. */
  GArray *entries;
} DzLayerPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (DzLayer, dz_layer, G_TYPE_OBJECT)

/* Bumped whenever any layer's registry changes, so that an optimizer set
 * up on a model lists its parameters again only then (listing the tree
 * at every update was 5 % of the spiral step). Process-wide and atomic:
 * a false "changed" costs one listing, a missed change cannot happen. */
static guint structure_serial = 1;

guint
dz_layer_get_structure_serial (void)
{
  return g_atomic_int_get (&structure_serial);
}

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  g_clear_pointer (&entry->name, g_free);
  g_clear_object (&entry->object);
}

static void
dz_layer_dispose (GObject *object)
{
  DzLayerPrivate *priv = dz_layer_get_instance_private (DZ_LAYER (object));

  if (priv->entries->len > 0)
    g_atomic_int_inc (&structure_serial);
  g_array_set_size (priv->entries, 0);

  G_OBJECT_CLASS (dz_layer_parent_class)->dispose (object);
}

static void
dz_layer_finalize (GObject *object)
{
  DzLayerPrivate *priv = dz_layer_get_instance_private (DZ_LAYER (object));

  g_array_unref (priv->entries);

  G_OBJECT_CLASS (dz_layer_parent_class)->finalize (object);
}

static void
dz_layer_class_init (DzLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dz_layer_dispose;
  object_class->finalize = dz_layer_finalize;
}

static void
dz_layer_init (DzLayer *self)
{
  DzLayerPrivate *priv = dz_layer_get_instance_private (self);

  priv->entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  g_array_set_clear_func (priv->entries, entry_clear);
}

static const char *
type_name_of (gpointer instance)
{
  return instance == NULL ? "NULL" :
         G_IS_OBJECT (instance) ? G_OBJECT_TYPE_NAME (instance) : "non-object";
}

static void
free_elements (gpointer *items,
               gsize     n)
{
  for (gsize i = 0; i < n; i++)
    if (G_IS_OBJECT (items[i]))
      g_object_unref (items[i]);
  g_free (items);
}

/**
 * dz_layer_call:
 * @self: a #DzLayer
 * @inputs: (element-type DzVariable): the input variables
 * @error: return location for a #GError
 *
 * Applies @self to @inputs by running #DzLayerClass.forward(), as calling
 * a layer does in DeZero. Unlike a #DzFunction, a layer can be called any
 * number of times.
 *
 * The returned array owns its elements: g_ptr_array_unref() releases them.
 *
 * Returns: (transfer container) (element-type DzVariable): the outputs, or
 *   %NULL with @error set: by forward, or %DZ_ERROR_INVALID_ARGUMENT for an
 *   input that is not a variable, %DZ_ERROR_WRONG_COUNT when forward
 *   returned no output, %DZ_ERROR_FUNCTION_FAILED when it failed without
 *   saying why or returned something other than variables
 */
GPtrArray *
dz_layer_call (DzLayer    *self,
               GPtrArray  *inputs,
               GError    **error)
{
  DzLayerClass *klass;
  GError *local_error = NULL;
  GPtrArray *ys, *outputs;
  gpointer *items;
  gsize n_items;

  g_return_val_if_fail (DZ_IS_LAYER (self), NULL);
  g_return_val_if_fail (inputs != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  klass = DZ_LAYER_GET_CLASS (self);

  for (guint i = 0; i < inputs->len; i++)
    if (!DZ_IS_VARIABLE (g_ptr_array_index (inputs, i)))
      {
        g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                     "Input %u of %s is %s, not a DzVariable",
                     i, G_OBJECT_TYPE_NAME (self), type_name_of (g_ptr_array_index (inputs, i)));
        return NULL;
      }

  if (klass->forward == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_FUNCTION_FAILED,
                   "%s does not implement forward", G_OBJECT_TYPE_NAME (self));
      return NULL;
    }

  ys = klass->forward (self, inputs, &local_error);
  if (ys == NULL)
    {
      /* No error set is how PyGObject 3.42 reports an exception raised by
       * a Python implementation. */
      if (local_error != NULL)
        g_propagate_prefixed_error (error, local_error, "%s.forward: ", G_OBJECT_TYPE_NAME (self));
      else
        g_set_error (error, DZ_ERROR, DZ_ERROR_FUNCTION_FAILED,
                     "%s.forward failed without reporting an error", G_OBJECT_TYPE_NAME (self));
      return NULL;
    }
  g_clear_error (&local_error);

  /* Implementations may or may not have set a free function on the array
   * (C code usually does, language bindings do not): the elements are
   * stolen and their references handled here either way. */
  items = g_ptr_array_steal (ys, &n_items);
  g_ptr_array_unref (ys);

  if (n_items == 0)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT,
                   "%s.forward returned no outputs", G_OBJECT_TYPE_NAME (self));
      free_elements (items, n_items);
      return NULL;
    }
  for (gsize i = 0; i < n_items; i++)
    if (!DZ_IS_VARIABLE (items[i]))
      {
        g_set_error (error, DZ_ERROR, DZ_ERROR_FUNCTION_FAILED,
                     "%s.forward returned %s as output %" G_GSIZE_FORMAT ", not a DzVariable",
                     G_OBJECT_TYPE_NAME (self), type_name_of (items[i]), i);
        free_elements (items, n_items);
        return NULL;
      }

  outputs = g_ptr_array_new_full (n_items, g_object_unref);
  for (gsize i = 0; i < n_items; i++)
    g_ptr_array_add (outputs, items[i]);
  g_free (items);
  return outputs;
}

/**
 * dz_layer_call1:
 * @self: a #DzLayer of one output
 * @x: the input
 * @error: return location for a #GError
 *
 * Applies @self to the single input @x, as dz_layer_call() does, and
 * returns its single output.
 *
 * Returns: (transfer full): the output, or %NULL with @error set as
 *   dz_layer_call() sets it, or %DZ_ERROR_WRONG_COUNT when @self returned
 *   more than one output
 */
DzVariable *
dz_layer_call1 (DzLayer     *self,
                DzVariable  *x,
                GError     **error)
{
  g_autoptr(GPtrArray) inputs = NULL;
  g_autoptr(GPtrArray) outputs = NULL;

  g_return_val_if_fail (DZ_IS_LAYER (self), NULL);
  g_return_val_if_fail (DZ_IS_VARIABLE (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  inputs = g_ptr_array_new ();
  g_ptr_array_add (inputs, x);
  outputs = dz_layer_call (self, inputs, error);
  if (outputs == NULL)
    return NULL;
  if (outputs->len != 1)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT,
                   "%s returned %u outputs where one was expected",
                   G_OBJECT_TYPE_NAME (self), outputs->len);
      return NULL;
    }
  return g_object_ref (g_ptr_array_index (outputs, 0));
}

static Entry *
find_entry (DzLayer    *self,
            const char *name)
{
  DzLayerPrivate *priv = dz_layer_get_instance_private (self);

  for (guint i = 0; i < priv->entries->len; i++)
    {
      Entry *entry = &g_array_index (priv->entries, Entry, i);

      if (g_str_equal (entry->name, name))
        return entry;
    }
  return NULL;
}

/* The dots separate the levels of dz_layer_list_parameter_names(). */
static gboolean
is_valid_name (const char *name)
{
  return name != NULL && *name != '\0' && strchr (name, '.') == NULL;
}

static void
set_entry (DzLayer    *self,
           const char *name,
           GObject    *object)
{
  DzLayerPrivate *priv = dz_layer_get_instance_private (self);
  Entry *entry = find_entry (self, name);

  g_atomic_int_inc (&structure_serial);
  if (entry != NULL)
    {
      g_set_object (&entry->object, object);
      return;
    }

  g_array_append_vals (priv->entries, &(Entry) { g_strdup (name), g_object_ref (object) }, 1);
}

/**
 * dz_layer_add_parameter:
 * @self: a #DzLayer
 * @name: the name of the parameter in @self: not empty, without dots
 * @parameter: the parameter
 *
 * Registers @parameter under @name, as assigning it to an attribute does
 * in DeZero: @self keeps a reference to it and lists it in
 * dz_layer_list_parameters(). A parameter or layer already registered
 * under @name is replaced, keeping its place in the order.
 */
void
dz_layer_add_parameter (DzLayer     *self,
                        const char  *name,
                        DzParameter *parameter)
{
  g_return_if_fail (DZ_IS_LAYER (self));
  g_return_if_fail (is_valid_name (name));
  g_return_if_fail (DZ_IS_PARAMETER (parameter));

  set_entry (self, name, G_OBJECT (parameter));
}

static gboolean
layer_contains (DzLayer *self,
                DzLayer *layer)
{
  DzLayerPrivate *priv = dz_layer_get_instance_private (self);

  if (self == layer)
    return TRUE;
  for (guint i = 0; i < priv->entries->len; i++)
    {
      Entry *entry = &g_array_index (priv->entries, Entry, i);

      if (DZ_IS_LAYER (entry->object) && layer_contains (DZ_LAYER (entry->object), layer))
        return TRUE;
    }
  return FALSE;
}

/**
 * dz_layer_add_layer:
 * @self: a #DzLayer
 * @name: the name of the sub-layer in @self: not empty, without dots
 * @child: the sub-layer; neither @self nor a layer that contains @self
 *
 * Registers @child under @name, as assigning a layer to an attribute does
 * in DeZero: @self keeps a reference to it, and its parameters are listed
 * among those of @self under `name.`. A parameter or layer already
 * registered under @name is replaced, keeping its place in the order.
 *
 * Registering a layer inside itself, directly or through its sub-layers,
 * is a programmer error: it would make a reference cycle.
 */
void
dz_layer_add_layer (DzLayer    *self,
                    const char *name,
                    DzLayer    *child)
{
  g_return_if_fail (DZ_IS_LAYER (self));
  g_return_if_fail (is_valid_name (name));
  g_return_if_fail (DZ_IS_LAYER (child));
  g_return_if_fail (!layer_contains (child, self));

  set_entry (self, name, G_OBJECT (child));
}

/**
 * dz_layer_get_parameter:
 * @self: a #DzLayer
 * @name: the name the parameter was registered under in @self
 *
 * Looks up a parameter registered in @self itself (not in its sub-layers).
 *
 * Returns: (transfer none) (nullable): the parameter, or %NULL when @name
 *   names none
 */
DzParameter *
dz_layer_get_parameter (DzLayer    *self,
                        const char *name)
{
  Entry *entry;

  g_return_val_if_fail (DZ_IS_LAYER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  entry = find_entry (self, name);
  return entry != NULL && DZ_IS_PARAMETER (entry->object) ? DZ_PARAMETER (entry->object) : NULL;
}

/**
 * dz_layer_get_layer:
 * @self: a #DzLayer
 * @name: the name the sub-layer was registered under in @self
 *
 * Looks up a sub-layer registered in @self itself.
 *
 * Returns: (transfer none) (nullable): the sub-layer, or %NULL when @name
 *   names none
 */
DzLayer *
dz_layer_get_layer (DzLayer    *self,
                    const char *name)
{
  Entry *entry;

  g_return_val_if_fail (DZ_IS_LAYER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  entry = find_entry (self, name);
  return entry != NULL && DZ_IS_LAYER (entry->object) ? DZ_LAYER (entry->object) : NULL;
}

/**
 * dz_layer_list_layers:
 * @self: a #DzLayer
 *
 * Lists the layers registered directly in @self (PyTorch's `children()`),
 * in registration order; a layer registered under two names is listed
 * once.
 *
 * Returns: (transfer container) (element-type DzLayer): the sub-layers
 */
GPtrArray *
dz_layer_list_layers (DzLayer *self)
{
  DzLayerPrivate *priv;
  GPtrArray *layers;

  g_return_val_if_fail (DZ_IS_LAYER (self), NULL);

  priv = dz_layer_get_instance_private (self);
  layers = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < priv->entries->len; i++)
    {
      GObject *object = g_array_index (priv->entries, Entry, i).object;

      if (DZ_IS_LAYER (object) && !g_ptr_array_find (layers, object, NULL))
        g_ptr_array_add (layers, g_object_ref (object));
    }
  return layers;
}

/* One walk serves both lists, so that their orders cannot differ. */
static void
collect (DzLayer        *self,
         const char     *prefix,
         GPtrArray      *parameters,
         GStrvBuilder   *names)
{
  DzLayerPrivate *priv = dz_layer_get_instance_private (self);

  for (guint i = 0; i < priv->entries->len; i++)
    {
      Entry *entry = &g_array_index (priv->entries, Entry, i);
      g_autofree char *path = prefix != NULL ? g_strconcat (prefix, ".", entry->name, NULL)
                                             : g_strdup (entry->name);

      if (DZ_IS_LAYER (entry->object))
        {
          collect (DZ_LAYER (entry->object), path, parameters, names);
          continue;
        }
      if (parameters != NULL)
        g_ptr_array_add (parameters, g_object_ref (entry->object));
      if (names != NULL)
        g_strv_builder_add (names, path);
    }
}

/**
 * dz_layer_list_parameters:
 * @self: a #DzLayer
 *
 * Lists the parameters of @self and of its sub-layers, depth first, in the
 * order they were registered: the order of
 * dz_layer_list_parameter_names(). A parameter still without data (the
 * weights of a #DzLinearLayer not called yet) is listed too.
 *
 * The returned array owns its elements: g_ptr_array_unref() releases them.
 *
 * Returns: (transfer container) (element-type DzParameter): the parameters
 */
GPtrArray *
dz_layer_list_parameters (DzLayer *self)
{
  GPtrArray *parameters;

  g_return_val_if_fail (DZ_IS_LAYER (self), NULL);

  parameters = g_ptr_array_new_with_free_func (g_object_unref);
  collect (self, NULL, parameters, NULL);
  return parameters;
}

/**
 * dz_layer_list_parameter_names:
 * @self: a #DzLayer
 *
 * Lists the paths of the parameters of @self from @self, such as `l0.W`
 * for the parameter `W` of the sub-layer `l0`, in the order of
 * dz_layer_list_parameters(). These are the keys under which weights are
 * saved.
 *
 * Returns: (transfer full): the paths, %NULL-terminated
 */
GStrv
dz_layer_list_parameter_names (DzLayer *self)
{
  g_autoptr(GStrvBuilder) names = NULL;

  g_return_val_if_fail (DZ_IS_LAYER (self), NULL);

  names = g_strv_builder_new ();
  collect (self, NULL, NULL, names);
  return g_strv_builder_end (names);
}

/**
 * dz_layer_cleargrads:
 * @self: a #DzLayer
 *
 * Clears the gradient of every parameter of @self and of its sub-layers
 * with dz_variable_clear_grad(), as DeZero's `cleargrads()`: call it before
 * each backward pass, since gradients accumulate.
 */
void
dz_layer_cleargrads (DzLayer *self)
{
  g_autoptr(GPtrArray) parameters = NULL;

  g_return_if_fail (DZ_IS_LAYER (self));

  parameters = dz_layer_list_parameters (self);
  for (guint i = 0; i < parameters->len; i++)
    dz_variable_clear_grad (g_ptr_array_index (parameters, i));
}
