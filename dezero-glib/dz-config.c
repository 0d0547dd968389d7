/* dz-config.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-config.h"

/* Stored inverted so that a new thread, whose storage is zeroed, starts with
 * backpropagation enabled. */
static _Thread_local gboolean backprop_disabled;

/**
 * dz_get_enable_backprop:
 *
 * Returns whether functions called on this thread record the graph that
 * backpropagation needs. It is %TRUE unless turned off with
 * dz_set_enable_backprop(); each thread has its own setting.
 *
 * Returns: whether backpropagation is enabled on this thread
 */
gboolean
dz_get_enable_backprop (void)
{
  return !backprop_disabled;
}

/**
 * dz_set_enable_backprop:
 * @enabled: whether to record graphs
 *
 * Turns graph recording on or off for the calling thread. With it off
 * (DeZero's `no_grad` mode), functions compute their outputs but keep no
 * reference to their inputs, outputs have no creator, and intermediate
 * arrays are released as soon as they are no longer used: the mode for
 * inference.
 *
 * Returns: the previous setting, to restore afterwards
 */
gboolean
dz_set_enable_backprop (gboolean enabled)
{
  gboolean previous = !backprop_disabled;

  backprop_disabled = !enabled;
  return previous;
}
