/* dz-scope.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-array-private.h"
#include "dz-function-private.h"
#include "dz-scope-private.h"
#include "dz-variable-private.h"

/**
 * DzScope:
 *
 * Releases the memory of everything a block of code created, without
 * waiting for a garbage collector.
 *
 * In C and Python, objects are freed when their last reference goes. In
 * JavaScript, every object a call returns is held by a wrapper until the
 * garbage collector runs, and that collector only sees the small wrappers,
 * not the arrays behind them: a loop creating large arrays grows without
 * bound. A scope solves this the way `tf.tidy()` does in TensorFlow.js:
 *
 * |[<!-- language="JavaScript" -->
 * for (let i = 0; i < 1000; i++) {
 *     Dz.tidy(() => {
 *         const x = Dz.Variable.new(Dz.Array.new_randn([100000], null));
 *         const y = Dz.square(Dz.square(Dz.square(x)));
 *         y.backward();
 *         return null;          // or an object to keep
 *     });
 * }
 * ]|
 *
 * While a scope is open on a thread, it records every #DzArray,
 * #DzVariable and #DzFunction created on that thread. When it closes, each
 * recorded object that was not kept with dz_scope_keep() and that no other
 * object of the graph still holds (as data, gradient, creator or input) is
 * disposed: it drops its references and its values at once and becomes an
 * empty shell (a variable without data, an array of shape (0,)), which the
 * wrapper's eventual collection frees. So a kept result keeps the whole
 * graph it was computed from, and a parameter created before the scope
 * keeps the new data or gradient it was given inside it; everything else
 * goes.
 *
 * Scopes nest; objects kept by an inner scope belong to the outer one.
 * Using an object after its scope disposed it gives errors
 * (%DZ_ERROR_NO_DATA, shape mismatches), never a crash.
 */
struct _DzScope
{
  GObject parent_instance;

  DzScope *outer;
  GThread *thread;
  GPtrArray *tracked;
  GHashTable *kept;
  gboolean open;
};

G_DEFINE_FINAL_TYPE (DzScope, dz_scope, G_TYPE_OBJECT)

static _Thread_local DzScope *innermost;

gint *
dz_holders_of (gpointer object)
{
  GType type = G_OBJECT_TYPE (object);

  /* DzArray is final: an exact match. Variables and functions may be
   * subclassed, so the slower test is kept for those. */
  if (type == DZ_TYPE_ARRAY)
    return &((DzArray *) object)->holders;
  if (type == DZ_TYPE_VARIABLE)
    return &dz_variable_get_priv (object)->holders;
  /* Functions are always subclasses; variables rarely are. */
  if (DZ_IS_FUNCTION (object))
    return &dz_function_get_priv (object)->holders;
  return &dz_variable_get_priv (object)->holders;
}


void
dz_scope_track_new (gpointer  object,
                    gint     *holders)
{
  if (G_LIKELY (innermost == NULL))
    {
      *holders = DZ_HOLDERS_UNTRACKED;
      return;
    }

  g_ptr_array_add (innermost->tracked, g_object_ref (object));
}

static void
dz_scope_dispose (GObject *object)
{
  DzScope *self = DZ_SCOPE (object);

  /* A scope dropped without dz_scope_close() still releases its block,
   * which makes g_autoptr(DzScope) a scoped guard. */
  if (self->open)
    dz_scope_close (self);

  G_OBJECT_CLASS (dz_scope_parent_class)->dispose (object);
}

static void
dz_scope_finalize (GObject *object)
{
  DzScope *self = DZ_SCOPE (object);

  g_ptr_array_unref (self->tracked);
  g_hash_table_unref (self->kept);

  G_OBJECT_CLASS (dz_scope_parent_class)->finalize (object);
}

static void
dz_scope_class_init (DzScopeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dz_scope_dispose;
  object_class->finalize = dz_scope_finalize;
}

static void
dz_scope_init (DzScope *self)
{
  /* Slots are cleared as objects are disposed, so references are dropped
   * by hand rather than by a free function that would see the holes. */
  self->tracked = g_ptr_array_new ();
  self->kept = g_hash_table_new (NULL, NULL);
}

/**
 * dz_scope_new:
 *
 * Opens a scope on the calling thread: from now until dz_scope_close(),
 * every array, variable and function created on this thread is recorded
 * by it. Use g_autoptr(DzScope) in C to close it at the end of a block.
 *
 * Returns: (transfer full): the new, open scope
 */
DzScope *
dz_scope_new (void)
{
  DzScope *self = g_object_new (DZ_TYPE_SCOPE, NULL);

  self->thread = g_thread_self ();
  self->outer = innermost;
  self->open = TRUE;
  innermost = self;

  return self;
}

/**
 * dz_scope_keep:
 * @self: an open #DzScope
 * @object: (type GObject): a #DzArray, #DzVariable or #DzFunction
 *
 * Spares @object, and so everything it holds, when @self closes.
 *
 * Returns: (transfer none) (type GObject): @object, for chaining
 */
gpointer
dz_scope_keep (DzScope  *self,
               gpointer  object)
{
  g_return_val_if_fail (DZ_IS_SCOPE (self), object);
  g_return_val_if_fail (DZ_IS_ARRAY (object) || DZ_IS_VARIABLE (object) ||
                        DZ_IS_FUNCTION (object), object);

  g_hash_table_add (self->kept, object);
  return object;
}

/**
 * dz_scope_is_open:
 * @self: a #DzScope
 *
 * Tells whether @self is still open: dz_scope_close() was not called yet.
 *
 * Returns: whether @self still records new objects
 */
gboolean
dz_scope_is_open (DzScope *self)
{
  g_return_val_if_fail (DZ_IS_SCOPE (self), FALSE);

  return self->open;
}

static gboolean
is_held (gpointer object)
{
  return g_atomic_int_get (dz_holders_of (object)) > 0;
}

/**
 * dz_scope_close:
 * @self: a #DzScope
 *
 * Closes @self, and any scope opened inside it that is still open, and
 * disposes the objects they recorded that were not kept and are not held
 * by any other object (see #DzScope). Closing twice does nothing. Must be
 * called on the thread that opened the scope.
 */
void
dz_scope_close (DzScope *self)
{
  gboolean disposed_any = TRUE;

  g_return_if_fail (DZ_IS_SCOPE (self));

  if (!self->open)
    return;
  g_return_if_fail (self->thread == g_thread_self ());

  while (innermost != NULL && innermost != self)
    dz_scope_close (innermost);
  innermost = self->outer;
  self->open = FALSE;

  /* Newest first: outputs before the functions that made them, before
   * their inputs. Disposing an object releases what it held, which may
   * free older objects; a link made the other way round (a new array set
   * as the data of an older variable) takes one more pass. */
  while (disposed_any)
    {
      disposed_any = FALSE;
      for (guint i = self->tracked->len; i > 0; i--)
        {
          GObject *object = g_ptr_array_index (self->tracked, i - 1);

          if (object == NULL || g_hash_table_contains (self->kept, object) || is_held (object))
            continue;

          g_object_run_dispose (object);
          self->tracked->pdata[i - 1] = NULL;
          g_object_unref (object);
          disposed_any = TRUE;
        }
    }

  /* Kept or still-held objects outlive this scope: the outer scope takes
   * over their tracking, so they are released when it closes. */
  for (guint i = 0; i < self->tracked->len; i++)
    {
      GObject *object = g_ptr_array_index (self->tracked, i);

      if (object == NULL)
        continue;
      if (self->outer != NULL)
        g_ptr_array_add (self->outer->tracked, object);
      else
        g_object_unref (object);
    }
  g_ptr_array_set_size (self->tracked, 0);
  g_hash_table_remove_all (self->kept);
}

/**
 * dz_tidy:
 * @func: (scope call): the block to run
 * @user_data: data for @func
 *
 * Runs @func inside a new #DzScope, keeps what it returns, and closes the
 * scope: everything else @func created is released at once. The idiom for
 * loops in JavaScript: `const y = Dz.tidy(() => { ...; return y; })`.
 *
 * Returns: (transfer full) (nullable): what @func returned
 */
GObject *
dz_tidy (DzTidyFunc func,
         gpointer   user_data)
{
  g_autoptr(DzScope) scope = NULL;
  GObject *result;

  g_return_val_if_fail (func != NULL, NULL);

  scope = dz_scope_new ();
  result = func (user_data);
  if (result != NULL && (DZ_IS_ARRAY (result) || DZ_IS_VARIABLE (result) || DZ_IS_FUNCTION (result)))
    dz_scope_keep (scope, result);
  dz_scope_close (scope);

  return result;
}
