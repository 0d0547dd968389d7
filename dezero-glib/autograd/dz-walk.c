/* dz-walk.c: the walk over a recorded graph that both backward engines share
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-error.h"
#include "dz-function-private.h"
#include "dz-variable-private.h"
#include "dz-walk-private.h"

static void
heap_push (DzWalk     *walk,
           DzFunction *function)
{
  DzWalkEntry entry = { dz_function_get_priv (function)->generation,
                        g_object_ref (function) };
  gsize i;

  if (walk->len == walk->capacity)
    {
      walk->capacity = MAX (16, walk->capacity * 2);
      walk->entries = g_renew (DzWalkEntry, walk->entries, walk->capacity);
    }

  for (i = walk->len++; i > 0; i = (i - 1) / 2)
    {
      gsize parent = (i - 1) / 2;

      if (walk->entries[parent].generation >= entry.generation)
        break;
      walk->entries[i] = walk->entries[parent];
    }
  walk->entries[i] = entry;
}

DzFunction *
dz_walk_next (DzWalk *walk)
{
  DzFunction *top;
  DzWalkEntry last;
  gsize i = 0;

  if (walk->len == 0)
    return NULL;

  top = walk->entries[0].function;
  last = walk->entries[--walk->len];
  for (;;)
    {
      gsize child = 2 * i + 1;

      if (child >= walk->len)
        break;
      if (child + 1 < walk->len &&
          walk->entries[child + 1].generation > walk->entries[child].generation)
        child++;
      if (walk->entries[child].generation <= last.generation)
        break;
      walk->entries[i] = walk->entries[child];
      i = child;
    }
  if (walk->len > 0)
    walk->entries[i] = last;

  return top;
}

/* 64 bits do not wrap. */
static guint64
next_walk_id (void)
{
  static guint64 last_id;
  static GMutex lock;
  guint64 id;

  g_mutex_lock (&lock);
  id = ++last_id;
  g_mutex_unlock (&lock);
  return id;
}

/* Whether @function was queued by a pass that this walk runs inside of:
 * that pass owns the scratch gradients of its graph, and finishing both
 * would drop one of them. */
static gboolean
walked_by_outer_pass (DzWalk      *walk,
                      DzFunction  *function,
                      GError     **error)
{
  if (G_LIKELY (walk->frame.outer == NULL) ||
      !dz_pass_is_outer (&walk->frame, dz_function_get_priv (function)->queued_pass))
    return FALSE;

  g_set_error (error, DZ_ERROR, DZ_ERROR_REENTRANT,
               "Backward reached %s, whose graph an unfinished backward pass on this "
               "thread is walking: a Function's backward cannot backpropagate through "
               "that graph", dz_function_get_name (function));
  return TRUE;
}

static void
queue (DzWalk     *walk,
       DzFunction *function)
{
  DzFunctionPrivate *fpriv = dz_function_get_priv (function);

  if (fpriv->queued_pass != walk->id)
    {
      fpriv->queued_pass = walk->id;
      heap_push (walk, function);
    }
}

gboolean
dz_walk_begin (DzWalk      *walk,
               DzVariable  *root,
               GError     **error)
{
  DzFunction *creator = dz_variable_get_priv (root)->creator;

  *walk = (DzWalk) { NULL, 0, 0, next_walk_id (), { 0, NULL } };
  dz_pass_enter (&walk->frame, walk->id);
  if (creator == NULL)
    return TRUE;
  if (walked_by_outer_pass (walk, creator, error))
    return FALSE;
  queue (walk, creator);
  return TRUE;
}

gboolean
dz_walk_reach (DzWalk      *walk,
               DzVariable  *input,
               GError     **error)
{
  DzFunction *creator = dz_variable_get_priv (input)->creator;

  if (creator == NULL)
    return TRUE;
  if (walked_by_outer_pass (walk, creator, error))
    return FALSE;
  queue (walk, creator);
  return TRUE;
}

void
dz_walk_end (DzWalk *walk)
{
  for (gsize i = 0; i < walk->len; i++)
    g_object_unref (walk->entries[i].function);
  g_clear_pointer (&walk->entries, g_free);
  walk->len = walk->capacity = 0;
  dz_pass_leave (&walk->frame);
}
