/* dz-config.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-config.h"
#include "dz-kernels.h"
#include "dz-config-private.h"

/* The library's per-thread state, all of it (process-wide state: the live
 * counters in dz-live.c, the array cache in dz-buffer.c, the walk ids in
 * dz-walk.c). Zeroed storage is the initial state of a new thread. */

/* Stored inverted so that a new thread starts with backpropagation
 * enabled. */
static _Thread_local gboolean backprop_disabled;

/* Stored inverted too: a new thread starts in training mode. */
static _Thread_local gboolean test_mode;

/* The backward passes running on this thread, innermost first: more than
 * one when a Function's backward starts another pass. */
static _Thread_local DzPassFrame *active_passes;

void
dz_pass_enter (DzPassFrame *frame,
               guint64      id)
{
  frame->id = id;
  frame->outer = active_passes;
  active_passes = frame;
}

void
dz_pass_leave (DzPassFrame *frame)
{
  active_passes = frame->outer;
}

gboolean
dz_pass_is_outer (DzPassFrame *frame,
                  guint64      id)
{
  for (DzPassFrame *outer = frame->outer; outer != NULL; outer = outer->outer)
    if (outer->id == id)
      return TRUE;
  return FALSE;
}

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

/**
 * dz_no_grad:
 * @func: (scope call): the block to run
 * @user_data: data for @func
 *
 * Runs @func with backpropagation disabled on this thread, restoring the
 * previous setting afterwards: DeZero's `with no_grad():` for languages
 * without a `with` statement, e.g. `Dz.no_grad(() => model.predict(x))`
 * in JavaScript.
 *
 * Returns: (transfer full) (nullable): what @func returned
 */
GObject *
dz_no_grad (DzNoGradFunc func,
            gpointer     user_data)
{
  gboolean previous;
  GObject *result;

  g_return_val_if_fail (func != NULL, NULL);

  previous = dz_set_enable_backprop (FALSE);
  result = func (user_data);
  dz_set_enable_backprop (previous);

  return result;
}

struct _DzNoGradGuard
{
  gboolean previous;
};

/**
 * dz_no_grad_guard_new: (skip)
 *
 * Disables backpropagation on this thread until the guard is freed with
 * dz_no_grad_guard_free(), typically by g_autoptr(DzNoGradGuard). Language
 * bindings use dz_no_grad() or dz_set_enable_backprop() instead.
 *
 * Returns: (transfer full): the guard
 */
DzNoGradGuard *
dz_no_grad_guard_new (void)
{
  DzNoGradGuard *guard = g_new (DzNoGradGuard, 1);

  guard->previous = dz_set_enable_backprop (FALSE);
  return guard;
}

/**
 * dz_no_grad_guard_free: (skip)
 * @guard: a guard from dz_no_grad_guard_new()
 *
 * Restores the setting that was in force when @guard was made. Guards
 * must be freed in the reverse order of their creation, on the thread
 * that made them.
 */
void
dz_no_grad_guard_free (DzNoGradGuard *guard)
{
  g_return_if_fail (guard != NULL);

  dz_set_enable_backprop (guard->previous);
  g_free (guard);
}

/**
 * dz_get_train:
 *
 * Returns whether this thread runs in training mode, DeZero's
 * `Config.train`. It is %TRUE unless turned off with dz_set_train(); each
 * thread has its own setting, as for dz_get_enable_backprop(). Functions
 * that behave differently in training and inference, as dz_dropout(),
 * read it.
 *
 * Returns: whether this thread is in training mode
 */
gboolean
dz_get_train (void)
{
  return !test_mode;
}

/**
 * dz_set_train:
 * @train: %TRUE for training mode, %FALSE for test (inference) mode
 *
 * Sets the calling thread's mode: DeZero's `with test_mode():` is
 * `previous = dz_set_train (FALSE)` … `dz_set_train (previous)`.
 *
 * Returns: the previous setting, to restore afterwards
 */
gboolean
dz_set_train (gboolean train)
{
  gboolean previous = !test_mode;

  test_mode = !train;
  return previous;
}

/**
 * dz_set_num_threads:
 * @n_threads: the number of threads matrix products may use, at least 1
 *
 * Sets how many threads the BLAS library runs matrix products on. The
 * default is 1, or the number in the environment variable
 * `DZ_NUM_THREADS`: one thread is what a training loop on a busy machine
 * and the benchmarks against other libraries want, and more helps only
 * large products (measured here at 1024x1024: 51 GFLOP/s in float64 on one
 * thread, 95 on two). The setting is process-wide, as BLAS libraries keep
 * it; change it while no other thread is computing.
 */
void
dz_set_num_threads (guint n_threads)
{
  dz_kernel_blas_set_threads (MAX (n_threads, 1));
}

/**
 * dz_get_num_threads:
 *
 * Gets the number of threads matrix products may use (see
 * dz_set_num_threads()).
 *
 * Returns: the number of threads, at least 1
 */
guint
dz_get_num_threads (void)
{
  return dz_kernel_blas_get_threads ();
}

/**
 * dz_get_blas_name:
 *
 * Names the BLAS library matrix products run on, as
 * "OpenBLAS 0.3.21 (Cooperlake)".
 *
 * Returns: (transfer none): the name
 */
const char *
dz_get_blas_name (void)
{
  return dz_kernel_blas_name ();
}
