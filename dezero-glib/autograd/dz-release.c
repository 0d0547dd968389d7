/* dz-release.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-release-private.h"

/* Finalizing a variable drops its creator, which drops its inputs, which
 * drop their creators... Done with plain g_object_unref() that is one
 * native stack frame chain per node, and a chain of a million nodes
 * overflows the stack. Instead, the outermost release on a thread drains a
 * work list, and the nested ones only append to it. */
static GPrivate pending_key = G_PRIVATE_INIT ((GDestroyNotify) g_ptr_array_unref);
static _Thread_local gboolean draining;

void
dz_release (gpointer object)
{
  GPtrArray *pending;

  if (object == NULL)
    return;

  if (draining)
    {
      pending = g_private_get (&pending_key);
      if (pending == NULL)
        {
          pending = g_ptr_array_new ();
          g_private_set (&pending_key, pending);
        }
      g_ptr_array_add (pending, object);
      return;
    }

  draining = TRUE;
  g_object_unref (object);

  pending = g_private_get (&pending_key);
  while (pending != NULL && pending->len > 0)
    g_object_unref (g_ptr_array_steal_index_fast (pending, pending->len - 1));
  draining = FALSE;
}
