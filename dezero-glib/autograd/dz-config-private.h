/* dz-config-private.h: per-thread state the engine shares
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A backward pass running on this thread. Lives on the pass's stack. */
typedef struct _DzPassFrame DzPassFrame;

struct _DzPassFrame
{
  guint64 id;
  DzPassFrame *outer;
};

void     dz_pass_enter    (DzPassFrame *frame,
                           guint64      id);
void     dz_pass_leave    (DzPassFrame *frame);
/* Whether pass @id is one that @frame's pass runs inside of. */
gboolean dz_pass_is_outer (DzPassFrame *frame,
                           guint64      id);

G_END_DECLS
