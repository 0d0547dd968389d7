/* dz-walk-private.h: the walk over a recorded graph that both backward
 * engines share
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-config-private.h"
#include "dz-function.h"
#include "dz-variable.h"

G_BEGIN_DECLS

typedef struct
{
  int generation;
  DzFunction *function;
} DzWalkEntry;

/* Functions waiting for their backward step, highest generation first: a
 * function runs only once every function consuming its outputs has, so
 * each gradient is complete before it propagates. A binary heap costs
 * O(log n) per function where DeZero re-sorts the whole list. Each walk has
 * an id; a function whose queued_pass equals it is already queued. */
typedef struct
{
  DzWalkEntry *entries;
  gsize len, capacity;
  guint64 id;
  DzPassFrame frame;
} DzWalk;

/* Starts a walk on this thread from @root's creator (none for a leaf).
 * FALSE with %DZ_ERROR_REENTRANT when a pass further out on this thread is
 * still walking that graph; dz_walk_end() is due either way. */
gboolean    dz_walk_begin (DzWalk      *walk,
                           DzVariable  *root,
                           GError     **error);
/* The next function to run (transfer full), or NULL when none is left. */
DzFunction *dz_walk_next  (DzWalk      *walk);
/* Queues the creator of @input, which a function's backward is about to
 * give a gradient, unless it is queued already or an outer pass walks it
 * (FALSE with %DZ_ERROR_REENTRANT). */
gboolean    dz_walk_reach (DzWalk      *walk,
                           DzVariable  *input,
                           GError     **error);
/* Drops what is still queued and leaves the thread's pass list. */
void        dz_walk_end   (DzWalk      *walk);

G_END_DECLS
