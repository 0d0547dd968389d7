/* dz-trainer.c: a training loop that runs in a worker thread
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>

#include "dz-error.h"
#include "dz-config.h"
#include "dz-scope.h"
#include "dz-variable.h"
#include "dz-ops-loss.h"
#include "dz-trainer.h"

/**
 * DzTrainer:
 *
 * DeZero's training loop (step 48 of the book) as an object: for
 * #DzTrainer:epochs epochs it takes every batch of #DzTrainer:train-loader,
 * runs #DzTrainer:model on the inputs, computes the softmax cross-entropy
 * of the outputs against the labels (dz_softmax_cross_entropy()) and their
 * accuracy (dz_accuracy()), clears the gradients, runs backward and updates
 * the parameters with #DzTrainer:optimizer. The loss is always that one:
 * the trainer is meant for classifiers whose model gives one score per
 * class. After each epoch it measures the accuracy on
 * #DzTrainer:test-loader, if there is one, in no-grad and test mode.
 *
 * dz_trainer_train() runs the loop in the calling thread and emits
 * #DzTrainer::step and #DzTrainer::epoch-end there. dz_trainer_train_async()
 * runs it in a worker thread and emits the signals
 * on the #GMainContext that was the thread-default context when it was
 * called, never on the worker; all of them are dispatched before the
 * #GAsyncReadyCallback runs (each is an idle source of default priority
 * attached to that context in order, and so is the task's completion).
 *
 * Cancellation is checked at every step boundary: the training then ends
 * with %G_IO_ERROR_CANCELLED and the model holds the weights of the last
 * completed step. An error from the data loaders, the model or the
 * optimizer ends the training with that error.
 *
 * Threading rule: while a training runs, the model, the optimizer and the
 * loaders belong to the thread that trains; no other thread may use them
 * (the main thread included: do not read the model's parameters, call it
 * or change the loaders until the training returned). To evaluate during
 * training, use dz_trainer_predict() with a second model of the same
 * structure: after every completed step the trainer publishes the values of
 * the parameters (references to their arrays, which are never written
 * again: holding them makes the optimizer write its next values into new
 * arrays rather than in place), and dz_trainer_predict() loads the latest
 * of these into that second model and runs it. The trainer object itself
 * may be used from any thread; only one training runs at a time.
 */
struct _DzTrainer
{
  GObject parent_instance;

  DzLayer *model;
  DzOptimizer *optimizer;
  DzDataLoader *train_loader;
  DzDataLoader *test_loader;
  guint epochs;
  guint progress_interval_ms;    /* atomic */
  gint running;                  /* atomic */

  gint use_thread;               /* atomic */

  /* The latest published weights; whether paused, and what waits for a
   * resumption: a thread on @pause_cond, or the idle source of a training
   * on a main context. All under @lock. */
  GMutex lock;
  struct _DzSnapshot *snapshot;
  gboolean paused;
  GCond pause_cond;
  GSource *slice_source;
};

G_DEFINE_FINAL_TYPE (DzTrainer, dz_trainer, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MODEL,
  PROP_OPTIMIZER,
  PROP_TRAIN_LOADER,
  PROP_TEST_LOADER,
  PROP_EPOCHS,
  PROP_PROGRESS_INTERVAL_MS,
  PROP_RUNNING,
  PROP_PAUSED,
  PROP_USE_THREAD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_STEP,
  SIGNAL_EPOCH_END,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* -- snapshots: the parameter names and arrays after a completed step,
 * immutable once published, reference counted atomically (g_atomic_rc_box). */

typedef struct _DzSnapshot
{
  GStrv names;
  GPtrArray *arrays;   /* DzArray or NULL (a parameter without data) */
} DzSnapshot;

static void
snapshot_clear (gpointer data)
{
  DzSnapshot *snapshot = data;

  g_strfreev (snapshot->names);
  g_ptr_array_unref (snapshot->arrays);
}

static void
snapshot_unref (DzSnapshot *snapshot)
{
  g_atomic_rc_box_release_full (snapshot, snapshot_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DzSnapshot, snapshot_unref)

static void
unref_nullable (gpointer object)
{
  if (object != NULL)
    g_object_unref (object);
}

/* Called by the thread that owns the model. */
static void
publish_snapshot (DzTrainer *self)
{
  g_autoptr(GPtrArray) params = dz_layer_list_parameters (self->model);
  DzSnapshot *snapshot = g_atomic_rc_box_new0 (DzSnapshot);
  DzSnapshot *old;

  snapshot->names = dz_layer_list_parameter_names (self->model);
  snapshot->arrays = g_ptr_array_new_full (params->len, unref_nullable);
  for (guint i = 0; i < params->len; i++)
    {
      DzArray *data = dz_variable_get_data (g_ptr_array_index (params, i));

      g_ptr_array_add (snapshot->arrays, data != NULL ? g_object_ref (data) : NULL);
    }

  g_mutex_lock (&self->lock);
  old = self->snapshot;
  self->snapshot = snapshot;
  g_mutex_unlock (&self->lock);
  if (old != NULL)
    snapshot_unref (old);
}

static DzSnapshot *
get_snapshot (DzTrainer *self)
{
  DzSnapshot *snapshot;

  g_mutex_lock (&self->lock);
  snapshot = self->snapshot != NULL ? g_atomic_rc_box_acquire (self->snapshot) : NULL;
  g_mutex_unlock (&self->lock);
  return snapshot;
}

/* -- progress: emitted directly, or from idle sources on a context. */

typedef struct
{
  DzTrainer *self;
  guint signal;
  guint epoch;
  double values[4];
} Progress;

static void
progress_free (gpointer data)
{
  Progress *progress = data;

  g_object_unref (progress->self);
  g_free (progress);
}

static void
emit_progress (Progress *progress)
{
  if (progress->signal == SIGNAL_STEP)
    g_signal_emit (progress->self, signals[SIGNAL_STEP], 0, progress->epoch,
                   (guint) progress->values[0], progress->values[1]);
  else
    g_signal_emit (progress->self, signals[SIGNAL_EPOCH_END], 0, progress->epoch,
                   progress->values[0], progress->values[1], progress->values[2],
                   progress->values[3]);
}

static gboolean
emit_progress_idle (gpointer data)
{
  emit_progress (data);
  return G_SOURCE_REMOVE;
}

/* Where a training is: the state that lets it run as a loop in one thread
 * or one unit at a time from a main context's idle source. */
typedef enum
{
  PHASE_EPOCH_START,
  PHASE_TRAIN,
  PHASE_VALIDATE,
  PHASE_DONE,
} Phase;

typedef struct
{
  DzTrainer *self;
  GCancellable *cancellable;
  /* NULL: emit in the training thread. */
  GMainContext *context;
  /* Each unit in a DzScope, its signals emitted after the scope closed
   * (the training on a main context, where JavaScript wrappers would hold
   * every step's objects until a garbage collection). */
  gboolean scoped;
  GArray *pending;
  gint64 last_step_emit;

  Phase phase;
  guint epoch;           /* counted from 1 */
  guint step;            /* within the epoch */
  gsize n_batches;
  gint64 epoch_start;
  double elapsed;        /* of the epoch's training steps, in seconds */
  double loss_sum, acc_sum, val_sum;
  gsize seen, val_seen;
} Run;

static void
report (Run    *run,
        guint   signal,
        guint   epoch,
        double  a,
        double  b,
        double  c,
        double  d)
{
  Progress progress = { run->self, signal, epoch, { a, b, c, d } };
  Progress *copy;
  GSource *source;

  if (run->pending != NULL)
    {
      g_array_append_val (run->pending, progress);
      return;
    }
  if (run->context == NULL)
    {
      emit_progress (&progress);
      return;
    }

  /* An idle source rather than g_main_context_invoke(): that one may run
   * the function right here when the context is the global default and
   * nobody holds it. */
  copy = g_memdup2 (&progress, sizeof progress);
  g_object_ref (copy->self);
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "[dezero-glib] DzTrainer progress");
  g_source_set_callback (source, emit_progress_idle, copy, progress_free);
  g_source_attach (source, run->context);
  g_source_unref (source);
}

/* -- the loop */

static double
scalar_of (DzVariable *var)
{
  return dz_array_get_value (dz_variable_get_data (var), 0);
}

static gboolean
train_step (DzTrainer   *self,
            DzArray     *xb,
            DzArray     *tb,
            double      *loss_out,
            double      *acc_out,
            GError     **error)
{
  g_autoptr(DzVariable) x = dz_variable_new (xb);
  g_autoptr(DzVariable) t = dz_variable_new (tb);
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(DzVariable) loss = NULL;
  g_autoptr(DzVariable) acc = NULL;

  y = dz_layer_call1 (self->model, x, error);
  if (y == NULL)
    return FALSE;
  loss = dz_softmax_cross_entropy (y, t, error);
  if (loss == NULL)
    return FALSE;
  acc = dz_accuracy (y, t, error);
  if (acc == NULL)
    return FALSE;
  dz_layer_cleargrads (self->model);
  if (!dz_variable_backward (loss, error))
    return FALSE;
  if (!dz_optimizer_update (self->optimizer, error))
    return FALSE;
  *loss_out = scalar_of (loss);
  *acc_out = scalar_of (acc);
  return TRUE;
}

static gsize
batch_length (DzArray *x)
{
  return dz_array_get_ndim (x) > 0 ? dz_array_get_shape (x, NULL)[0] : 1;
}

static void
run_init (Run          *run,
          DzTrainer    *self,
          GCancellable *cancellable,
          GMainContext *context)
{
  *run = (Run) { .self = self, .cancellable = cancellable, .context = context,
                 .phase = PHASE_EPOCH_START, .epoch = 1 };
  dz_data_loader_reset (self->train_loader);
}

static void
end_epoch (Run *run)
{
  double val_acc = run->val_seen > 0 ? run->val_sum / run->val_seen : NAN;

  report (run, SIGNAL_EPOCH_END, run->epoch,
          run->seen > 0 ? run->loss_sum / run->seen : NAN,
          run->seen > 0 ? run->acc_sum / run->seen : NAN,
          run->elapsed > 0 ? run->seen / run->elapsed : INFINITY,
          run->self->test_loader != NULL ? val_acc : NAN);
  run->epoch++;
  run->phase = PHASE_EPOCH_START;
}

/* One training step, or the end of the epoch's batches. */
static gboolean
advance_train (Run     *run,
               GError **error)
{
  DzTrainer *self = run->self;
  g_autoptr(DzArray) xb = NULL;
  g_autoptr(DzArray) tb = NULL;
  GError *local = NULL;
  double loss = 0, acc = 0;
  gsize n;
  gint64 now;
  guint interval;

  if (!dz_data_loader_next (self->train_loader, &xb, &tb, &local))
    {
      if (local != NULL)
        {
          g_propagate_error (error, local);
          return FALSE;
        }
      run->elapsed = (g_get_monotonic_time () - run->epoch_start) / (double) G_USEC_PER_SEC;
      if (self->test_loader == NULL)
        {
          end_epoch (run);
          return TRUE;
        }
      dz_data_loader_reset (self->test_loader);
      run->phase = PHASE_VALIDATE;
      return TRUE;
    }

  n = batch_length (xb);
  if (!train_step (self, xb, tb, &loss, &acc, error))
    return FALSE;
  publish_snapshot (self);
  run->step++;
  run->loss_sum += loss * n;
  run->acc_sum += acc * n;
  run->seen += n;

  now = g_get_monotonic_time ();
  interval = g_atomic_int_get (&self->progress_interval_ms);
  if (run->step >= run->n_batches || run->last_step_emit == 0 ||
      now - run->last_step_emit >= (gint64) interval * 1000)
    {
      run->last_step_emit = now;
      report (run, SIGNAL_STEP, run->epoch, run->step, loss, 0, 0);
    }
  return TRUE;
}

/* One validation batch, in no-grad and test mode, or the epoch's end. */
static gboolean
advance_validate (Run     *run,
                  GError **error)
{
  DzTrainer *self = run->self;
  g_autoptr(DzArray) xb = NULL;
  g_autoptr(DzArray) tb = NULL;
  g_autoptr(DzVariable) x = NULL;
  g_autoptr(DzVariable) t = NULL;
  g_autoptr(DzVariable) y = NULL;
  g_autoptr(DzVariable) acc = NULL;
  GError *local = NULL;
  gboolean backprop, train;
  gsize n;

  if (!dz_data_loader_next (self->test_loader, &xb, &tb, &local))
    {
      if (local != NULL)
        {
          g_propagate_error (error, local);
          return FALSE;
        }
      end_epoch (run);
      return TRUE;
    }
  n = batch_length (xb);
  x = dz_variable_new (xb);
  t = dz_variable_new (tb);
  backprop = dz_set_enable_backprop (FALSE);
  train = dz_set_train (FALSE);
  y = dz_layer_call1 (self->model, x, error);
  if (y != NULL)
    acc = dz_accuracy (y, t, error);
  dz_set_train (train);
  dz_set_enable_backprop (backprop);
  if (acc == NULL)
    return FALSE;
  run->val_sum += scalar_of (acc) * n;
  run->val_seen += n;
  return TRUE;
}

/* Runs one unit of the training: a step, a validation batch or an epoch's
 * end. Returns FALSE when the training is over: done (@error unset),
 * failed or cancelled. The unit runs with backprop enabled and in
 * training mode, and the calling thread's settings are restored after it:
 * from an idle source, the thread runs other code between units. */
static gboolean
run_advance (Run     *run,
             GError **error)
{
  DzTrainer *self = run->self;
  gboolean backprop, train, ok;

  if (run->phase == PHASE_DONE)
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
    {
      ok = FALSE;
      goto out;
    }
  if (run->phase == PHASE_EPOCH_START)
    {
      if (run->epoch > self->epochs)
        {
          run->phase = PHASE_DONE;
          return FALSE;
        }
      run->n_batches = dz_data_loader_get_n_batches (self->train_loader);
      run->epoch_start = g_get_monotonic_time ();
      run->step = 0;
      run->loss_sum = run->acc_sum = run->val_sum = 0;
      run->seen = run->val_seen = 0;
      run->phase = PHASE_TRAIN;
    }

  backprop = dz_set_enable_backprop (TRUE);
  train = dz_set_train (TRUE);
  if (run->scoped)
    {
      g_autoptr(DzScope) scope = dz_scope_new ();

      run->pending = g_array_new (FALSE, FALSE, sizeof (Progress));
      ok = run->phase == PHASE_TRAIN ? advance_train (run, error) : advance_validate (run, error);
      dz_scope_close (scope);
    }
  else
    ok = run->phase == PHASE_TRAIN ? advance_train (run, error) : advance_validate (run, error);
  dz_set_train (train);
  dz_set_enable_backprop (backprop);
  if (run->pending != NULL)
    {
      g_autoptr(GArray) pending = g_steal_pointer (&run->pending);

      for (guint i = 0; i < pending->len; i++)
        emit_progress (&g_array_index (pending, Progress, i));
    }

out:
  if (!ok)
    {
      /* A cancelled or failed epoch leaves the loader in the middle. */
      dz_data_loader_reset (self->train_loader);
      run->phase = PHASE_DONE;
    }
  return ok;
}

/* -- pausing: a thread waits on @pause_cond; a cancellation wakes it. */

static void
wake_paused (GCancellable *cancellable,
             gpointer      data)
{
  DzTrainer *self = data;

  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->pause_cond);
  g_mutex_unlock (&self->lock);
}

static void
wait_while_paused (Run *run)
{
  DzTrainer *self = run->self;

  g_mutex_lock (&self->lock);
  while (self->paused && !g_cancellable_is_cancelled (run->cancellable))
    g_cond_wait (&self->pause_cond, &self->lock);
  g_mutex_unlock (&self->lock);
}

/* The whole training in the calling thread. */
static gboolean
run_to_end (Run     *run,
            GError **error)
{
  GError *local = NULL;
  gulong handler = 0;

  if (run->cancellable != NULL)
    handler = g_cancellable_connect (run->cancellable, G_CALLBACK (wake_paused),
                                     run->self, NULL);
  for (;;)
    {
      wait_while_paused (run);
      if (!run_advance (run, &local))
        break;
    }
  if (run->cancellable != NULL)
    g_cancellable_disconnect (run->cancellable, handler);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  return TRUE;
}

static gboolean
begin_running (DzTrainer  *self,
               GError    **error)
{
  if (!g_atomic_int_compare_and_exchange (&self->running, FALSE, TRUE))
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_REENTRANT,
                           "this DzTrainer is already training");
      return FALSE;
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  return TRUE;
}

static void
end_running (DzTrainer *self)
{
  g_atomic_int_set (&self->running, FALSE);
}

/**
 * dz_trainer_train:
 * @self: a #DzTrainer
 * @cancellable: (nullable): a #GCancellable, or %NULL
 * @error: return location for a #GError
 *
 * Trains #DzTrainer:model for #DzTrainer:epochs epochs in the calling
 * thread, emitting #DzTrainer::step and #DzTrainer::epoch-end from it. The
 * training runs with backprop enabled and in training mode whatever the
 * thread's settings (dz_set_enable_backprop(), dz_set_train()), which are
 * restored afterwards; the loaders start a new epoch.
 *
 * While #DzTrainer:paused is set, the calling thread waits at the next step
 * boundary until another thread clears it or @cancellable is cancelled.
 *
 * A training that is already running (from another thread, or
 * dz_trainer_train_async()) makes this fail with %DZ_ERROR_REENTRANT.
 *
 * Returns: %TRUE when every epoch ran, %FALSE with @error set on an error
 *   or when @cancellable was cancelled (%G_IO_ERROR_CANCELLED)
 */
gboolean
dz_trainer_train (DzTrainer     *self,
                  GCancellable  *cancellable,
                  GError       **error)
{
  Run run;
  gboolean ok;

  g_return_val_if_fail (DZ_IS_TRAINER (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!begin_running (self, error))
    return FALSE;
  run_init (&run, self, cancellable, NULL);
  ok = run_to_end (&run, error);
  end_running (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  return ok;
}

/* -- asynchronous training: a worker thread, or units from an idle source
 * on the caller's context (#DzTrainer:use-thread). Either owns a reference
 * to the task and completes it on that context, where the last references
 * are dropped: the trainer (and the model, perhaps a binding's object) is
 * never finalized in the worker. */

typedef struct
{
  GTask *task;
  GMainContext *context;
  Run run;
  gboolean ok;
  GError *error;
  gulong cancelled_handler;
} Worker;

static void
worker_complete (Worker *worker)
{
  DzTrainer *self = g_task_get_source_object (worker->task);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  if (worker->ok)
    g_task_return_boolean (worker->task, TRUE);
  else
    g_task_return_error (worker->task, g_steal_pointer (&worker->error));
}

static gboolean
complete_idle (gpointer data)
{
  worker_complete (data);
  return G_SOURCE_REMOVE;
}

static void
worker_free (gpointer data)
{
  Worker *worker = data;

  g_clear_error (&worker->error);
  g_main_context_unref (worker->context);
  g_object_unref (worker->task);
  g_free (worker);
}

static gpointer
train_thread (gpointer data)
{
  Worker *worker = data;
  DzTrainer *self = g_task_get_source_object (worker->task);
  GSource *source;

  worker->ok = run_to_end (&worker->run, &worker->error);
  end_running (self);

  /* Completed on the caller's context, after every progress source
   * attached before. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "[dezero-glib] DzTrainer complete");
  g_source_set_callback (source, complete_idle, worker, worker_free);
  g_source_attach (source, worker->context);
  g_source_unref (source);
  return NULL;
}

/* Units run for about this long per dispatch: well inside a 60 Hz frame,
 * and long enough that a small model's steps are not one dispatch each. */
#define SLICE_USEC 4000

static gboolean
train_slice (gpointer data)
{
  Worker *worker = data;
  DzTrainer *self = g_task_get_source_object (worker->task);
  GSource *source = g_main_current_source ();
  gint64 until = g_get_monotonic_time () + SLICE_USEC;

  do
    {
      gboolean asleep;

      /* Asleep until dz_trainer_set_paused() or a cancellation sets the
       * ready time again (under the lock, so that neither is missed). */
      g_mutex_lock (&self->lock);
      asleep = self->paused && !g_cancellable_is_cancelled (worker->run.cancellable);
      if (asleep)
        g_source_set_ready_time (source, -1);
      g_mutex_unlock (&self->lock);
      if (asleep)
        return G_SOURCE_CONTINUE;
      if (!run_advance (&worker->run, &worker->error))
        {
          worker->ok = worker->error == NULL;
          g_mutex_lock (&self->lock);
          g_clear_pointer (&self->slice_source, g_source_unref);
          g_mutex_unlock (&self->lock);
          if (worker->run.cancellable != NULL)
            g_cancellable_disconnect (worker->run.cancellable, worker->cancelled_handler);
          end_running (self);
          worker_complete (worker);
          return G_SOURCE_REMOVE;
        }
    }
  while (g_get_monotonic_time () < until);
  return G_SOURCE_CONTINUE;
}

static gboolean
slice_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     data)
{
  return callback (data);
}

static GSourceFuncs slice_funcs = { NULL, NULL, slice_dispatch, NULL, NULL, NULL };

static void
wake_slices (DzTrainer *self)
{
  g_mutex_lock (&self->lock);
  if (self->slice_source != NULL)
    g_source_set_ready_time (self->slice_source, 0);
  g_mutex_unlock (&self->lock);
}

static void
wake_on_cancel (GCancellable *cancellable,
                gpointer      data)
{
  wake_slices (data);
}

/**
 * dz_trainer_train_async:
 * @self: a #DzTrainer
 * @cancellable: (nullable): a #GCancellable, or %NULL
 * @callback: (scope async) (closure user_data): called when the training ended
 * @user_data: data for @callback
 *
 * Starts dz_trainer_train() without blocking the caller. The signals are
 * emitted, and @callback is called, on the thread-default main context of
 * the calling thread (g_main_context_get_thread_default()), which must be
 * iterated; every #DzTrainer::step and #DzTrainer::epoch-end of the
 * training is emitted before @callback runs. Get the result with
 * dz_trainer_train_finish().
 *
 * With #DzTrainer:use-thread (the default) the training runs in a worker
 * thread of its own: the model's forward, the dataset's and the
 * transforms' code and the optimizer run there. Subclasses written in
 * Python do (PyGObject takes the GIL; an exception they raise ends the
 * training with a %DZ_ERROR_FUNCTION_FAILED naming the method, without the
 * Python exception). GJS cannot run JavaScript outside the main thread: a
 * model, dataset or transform written in JavaScript needs
 * #DzTrainer:use-thread unset (the GJS override unsets it by itself for
 * such a model). The training then runs on the caller's context, a few
 * milliseconds of steps per dispatch of an idle source, so that the
 * context stays responsive between them.
 *
 * See #DzTrainer for what may be used from other threads meanwhile, and
 * #DzTrainer:paused for pausing.
 */
void
dz_trainer_train_async (DzTrainer           *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  Worker *worker;
  GThread *thread;

  g_return_if_fail (DZ_IS_TRAINER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dz_trainer_train_async);
  g_task_set_name (task, "[dezero-glib] dz_trainer_train_async");
  g_task_set_check_cancellable (task, TRUE);

  if (!begin_running (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  worker = g_new0 (Worker, 1);
  worker->task = g_object_ref (task);
  worker->context = g_main_context_ref_thread_default ();

  if (!g_atomic_int_get (&self->use_thread))
    {
      GSource *source = g_source_new (&slice_funcs, sizeof (GSource));

      /* Below redraws and input: the steps take what the frames leave. */
      run_init (&worker->run, self, cancellable, NULL);
      worker->run.scoped = TRUE;
      g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_static_name (source, "[dezero-glib] DzTrainer steps");
      g_source_set_callback (source, train_slice, worker, worker_free);
      g_source_set_ready_time (source, 0);
      g_mutex_lock (&self->lock);
      self->slice_source = g_source_ref (source);
      g_mutex_unlock (&self->lock);
      if (cancellable != NULL)
        worker->cancelled_handler = g_cancellable_connect (cancellable,
                                                           G_CALLBACK (wake_on_cancel),
                                                           self, NULL);
      g_source_attach (source, worker->context);
      g_source_unref (source);
      return;
    }

  run_init (&worker->run, self, cancellable, worker->context);
  thread = g_thread_try_new ("dz-trainer", train_thread, worker, &error);
  if (thread == NULL)
    {
      end_running (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
      worker_free (worker);
      g_task_return_error (task, error);
      return;
    }
  g_thread_unref (thread);
}

/**
 * dz_trainer_train_finish:
 * @self: a #DzTrainer
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes dz_trainer_train_async().
 *
 * Returns: %TRUE when every epoch ran, %FALSE with @error set otherwise
 *   (%G_IO_ERROR_CANCELLED when cancelled, %DZ_ERROR_REENTRANT when
 *   another training was running)
 */
gboolean
dz_trainer_train_finish (DzTrainer     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (DZ_IS_TRAINER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == dz_trainer_train_async,
                        FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * dz_trainer_predict:
 * @self: a #DzTrainer
 * @eval_model: a model of the same structure as #DzTrainer:model, not
 *   that model itself, used by the calling thread only
 * @x: the inputs
 * @error: return location for a #GError
 *
 * Runs @eval_model on @x, in no-grad and test mode, with the weights the
 * trainer published last: those of the last completed training step, or
 * the model's weights when the trainer was made. This may be called from
 * any thread while the model trains in another: the weights are loaded
 * into @eval_model, all or nothing, and #DzTrainer:model itself is not
 * touched. @eval_model keeps those weights afterwards.
 *
 * @eval_model must list the same parameters as the model
 * (dz_layer_list_parameter_names()), with the same shapes and dtypes;
 * otherwise this fails with %DZ_ERROR_INVALID_ARGUMENT, as it does when
 * @eval_model is the trained model. A parameter that had no data yet
 * (a #DzLinearLayer that was never called) is %DZ_ERROR_NO_DATA.
 *
 * Returns: (transfer full): the outputs, or %NULL with @error set
 */
DzArray *
dz_trainer_predict (DzTrainer  *self,
                    DzLayer    *eval_model,
                    DzArray    *x,
                    GError    **error)
{
  g_autoptr(DzSnapshot) snapshot = NULL;
  g_autoptr(GPtrArray) params = NULL;
  g_auto(GStrv) names = NULL;
  g_autoptr(DzVariable) xv = NULL;
  g_autoptr(DzVariable) y = NULL;
  gboolean backprop, train;
  guint n_names;

  g_return_val_if_fail (DZ_IS_TRAINER (self), NULL);
  g_return_val_if_fail (DZ_IS_LAYER (eval_model), NULL);
  g_return_val_if_fail (DZ_IS_ARRAY (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (eval_model == self->model)
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                           "dz_trainer_predict() needs a second model of the same structure, "
                           "not the one being trained");
      return NULL;
    }

  snapshot = get_snapshot (self);
  if (snapshot == NULL)
    {
      g_set_error_literal (error, DZ_ERROR, DZ_ERROR_NO_DATA, "the trainer has been disposed");
      return NULL;
    }
  params = dz_layer_list_parameters (eval_model);
  names = dz_layer_list_parameter_names (eval_model);
  n_names = g_strv_length (names);
  if (n_names != snapshot->arrays->len)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "the evaluation model has %u parameters, the trained model %u",
                   n_names, snapshot->arrays->len);
      return NULL;
    }
  for (guint i = 0; i < n_names; i++)
    {
      DzArray *value = g_ptr_array_index (snapshot->arrays, i);
      DzArray *current = dz_variable_get_data (g_ptr_array_index (params, i));

      if (g_strcmp0 (names[i], snapshot->names[i]) != 0)
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                       "parameter %u of the evaluation model is %s, of the trained model %s",
                       i, names[i], snapshot->names[i]);
          return NULL;
        }
      if (value == NULL)
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_NO_DATA,
                       "the trained model's parameter %s has no data yet", names[i]);
          return NULL;
        }
      if (current != NULL &&
          (!dz_array_same_shape (current, value) ||
           dz_array_get_dtype (current) != dz_array_get_dtype (value)))
        {
          g_autofree char *have = dz_array_shape_to_string (current);
          g_autofree char *want = dz_array_shape_to_string (value);

          g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                       "parameter %s: the evaluation model has %s %s, the trained model %s %s",
                       names[i], dz_dtype_get_name (dz_array_get_dtype (current)), have,
                       dz_dtype_get_name (dz_array_get_dtype (value)), want);
          return NULL;
        }
    }
  for (guint i = 0; i < n_names; i++)
    dz_variable_set_data (g_ptr_array_index (params, i), g_ptr_array_index (snapshot->arrays, i));

  backprop = dz_set_enable_backprop (FALSE);
  train = dz_set_train (FALSE);
  xv = dz_variable_new (x);
  y = dz_layer_call1 (eval_model, xv, error);
  dz_set_train (train);
  dz_set_enable_backprop (backprop);
  if (y == NULL)
    return NULL;
  return g_object_ref (dz_variable_get_data (y));
}

/* -- accessors */

/**
 * dz_trainer_get_running:
 * @self: a #DzTrainer
 *
 * Gets #DzTrainer:running.
 *
 * Returns: whether a training is running
 */
gboolean
dz_trainer_get_running (DzTrainer *self)
{
  g_return_val_if_fail (DZ_IS_TRAINER (self), FALSE);

  return g_atomic_int_get (&self->running);
}

/**
 * dz_trainer_get_model:
 * @self: a #DzTrainer
 *
 * Gets #DzTrainer:model.
 *
 * Returns: (transfer none): the model being trained
 */
DzLayer *
dz_trainer_get_model (DzTrainer *self)
{
  g_return_val_if_fail (DZ_IS_TRAINER (self), NULL);

  return self->model;
}

/**
 * dz_trainer_get_optimizer:
 * @self: a #DzTrainer
 *
 * Gets #DzTrainer:optimizer.
 *
 * Returns: (transfer none): the optimizer
 */
DzOptimizer *
dz_trainer_get_optimizer (DzTrainer *self)
{
  g_return_val_if_fail (DZ_IS_TRAINER (self), NULL);

  return self->optimizer;
}

/**
 * dz_trainer_get_train_loader:
 * @self: a #DzTrainer
 *
 * Gets #DzTrainer:train-loader.
 *
 * Returns: (transfer none): the loader of the training batches
 */
DzDataLoader *
dz_trainer_get_train_loader (DzTrainer *self)
{
  g_return_val_if_fail (DZ_IS_TRAINER (self), NULL);

  return self->train_loader;
}

/**
 * dz_trainer_get_test_loader:
 * @self: a #DzTrainer
 *
 * Gets #DzTrainer:test-loader.
 *
 * Returns: (transfer none) (nullable): the loader of the validation
 *   batches, or %NULL
 */
DzDataLoader *
dz_trainer_get_test_loader (DzTrainer *self)
{
  g_return_val_if_fail (DZ_IS_TRAINER (self), NULL);

  return self->test_loader;
}

/**
 * dz_trainer_get_epochs:
 * @self: a #DzTrainer
 *
 * Gets #DzTrainer:epochs.
 *
 * Returns: the number of epochs a training runs
 */
guint
dz_trainer_get_epochs (DzTrainer *self)
{
  g_return_val_if_fail (DZ_IS_TRAINER (self), 0);

  return self->epochs;
}

/**
 * dz_trainer_get_progress_interval_ms:
 * @self: a #DzTrainer
 *
 * Gets #DzTrainer:progress-interval-ms.
 *
 * Returns: the least time between two #DzTrainer::step signals, in
 *   milliseconds
 */
guint
dz_trainer_get_progress_interval_ms (DzTrainer *self)
{
  g_return_val_if_fail (DZ_IS_TRAINER (self), 0);

  return g_atomic_int_get (&self->progress_interval_ms);
}

/**
 * dz_trainer_set_progress_interval_ms:
 * @self: a #DzTrainer
 * @interval_ms: the least time between two #DzTrainer::step signals, in
 *   milliseconds; 0 emits one for every step
 *
 * Sets #DzTrainer:progress-interval-ms; a running training sees the new
 * value at its next step.
 */
void
dz_trainer_set_progress_interval_ms (DzTrainer *self,
                                     guint      interval_ms)
{
  g_return_if_fail (DZ_IS_TRAINER (self));

  if ((guint) g_atomic_int_exchange (&self->progress_interval_ms, interval_ms) != interval_ms)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS_INTERVAL_MS]);
}

/**
 * dz_trainer_get_paused:
 * @self: a #DzTrainer
 *
 * Gets #DzTrainer:paused.
 *
 * Returns: whether the training is paused
 */
gboolean
dz_trainer_get_paused (DzTrainer *self)
{
  gboolean paused;

  g_return_val_if_fail (DZ_IS_TRAINER (self), FALSE);

  g_mutex_lock (&self->lock);
  paused = self->paused;
  g_mutex_unlock (&self->lock);
  return paused;
}

/**
 * dz_trainer_set_paused:
 * @self: a #DzTrainer
 * @paused: whether the training should wait
 *
 * Sets #DzTrainer:paused, from any thread; the change is notified in the
 * calling thread.
 */
void
dz_trainer_set_paused (DzTrainer *self,
                       gboolean   paused)
{
  gboolean changed;

  g_return_if_fail (DZ_IS_TRAINER (self));

  paused = !!paused;
  g_mutex_lock (&self->lock);
  changed = self->paused != paused;
  self->paused = paused;
  if (!paused)
    {
      g_cond_broadcast (&self->pause_cond);
      if (self->slice_source != NULL)
        g_source_set_ready_time (self->slice_source, 0);
    }
  g_mutex_unlock (&self->lock);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

/**
 * dz_trainer_get_use_thread:
 * @self: a #DzTrainer
 *
 * Gets #DzTrainer:use-thread.
 *
 * Returns: whether dz_trainer_train_async() trains in a worker thread
 */
gboolean
dz_trainer_get_use_thread (DzTrainer *self)
{
  g_return_val_if_fail (DZ_IS_TRAINER (self), TRUE);

  return g_atomic_int_get (&self->use_thread);
}

/**
 * dz_trainer_set_use_thread:
 * @self: a #DzTrainer
 * @use_thread: whether dz_trainer_train_async() should train in a worker
 *   thread
 *
 * Sets #DzTrainer:use-thread.
 */
void
dz_trainer_set_use_thread (DzTrainer *self,
                           gboolean   use_thread)
{
  g_return_if_fail (DZ_IS_TRAINER (self));

  if (g_atomic_int_exchange (&self->use_thread, !!use_thread) != !!use_thread)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USE_THREAD]);
}

/**
 * dz_trainer_new:
 * @model: the model to train
 * @optimizer: the optimizer; one without parameters or target is set up
 *   on @model (dz_optimizer_setup())
 * @train_loader: the loader of the training batches
 * @test_loader: (nullable): the loader of the validation batches, or %NULL
 * @epochs: the number of epochs a training runs
 *
 * Creates a trainer; see #DzTrainer.
 *
 * Returns: (transfer full): a new #DzTrainer
 */
DzTrainer *
dz_trainer_new (DzLayer      *model,
                DzOptimizer  *optimizer,
                DzDataLoader *train_loader,
                DzDataLoader *test_loader,
                guint         epochs)
{
  g_return_val_if_fail (DZ_IS_LAYER (model), NULL);
  g_return_val_if_fail (DZ_IS_OPTIMIZER (optimizer), NULL);
  g_return_val_if_fail (DZ_IS_DATA_LOADER (train_loader), NULL);
  g_return_val_if_fail (test_loader == NULL || DZ_IS_DATA_LOADER (test_loader), NULL);

  return g_object_new (DZ_TYPE_TRAINER,
                       "model", model,
                       "optimizer", optimizer,
                       "train-loader", train_loader,
                       "test-loader", test_loader,
                       "epochs", epochs,
                       NULL);
}

/* -- GObject */

static void
dz_trainer_constructed (GObject *object)
{
  DzTrainer *self = DZ_TRAINER (object);
  GPtrArray *params;

  G_OBJECT_CLASS (dz_trainer_parent_class)->constructed (object);

  g_return_if_fail (self->model != NULL && self->optimizer != NULL &&
                    self->train_loader != NULL);

  params = dz_optimizer_get_parameters (self->optimizer);
  if (dz_optimizer_get_target (self->optimizer) == NULL && (params == NULL || params->len == 0))
    dz_optimizer_setup (self->optimizer, self->model);
  publish_snapshot (self);
}

static void
dz_trainer_dispose (GObject *object)
{
  DzTrainer *self = DZ_TRAINER (object);

  g_clear_object (&self->model);
  g_clear_object (&self->optimizer);
  g_clear_object (&self->train_loader);
  g_clear_object (&self->test_loader);
  g_clear_pointer (&self->snapshot, snapshot_unref);

  G_OBJECT_CLASS (dz_trainer_parent_class)->dispose (object);
}

static void
dz_trainer_finalize (GObject *object)
{
  DzTrainer *self = DZ_TRAINER (object);

  g_mutex_clear (&self->lock);
  g_cond_clear (&self->pause_cond);

  G_OBJECT_CLASS (dz_trainer_parent_class)->finalize (object);
}

static void
dz_trainer_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  DzTrainer *self = DZ_TRAINER (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;
    case PROP_OPTIMIZER:
      g_value_set_object (value, self->optimizer);
      break;
    case PROP_TRAIN_LOADER:
      g_value_set_object (value, self->train_loader);
      break;
    case PROP_TEST_LOADER:
      g_value_set_object (value, self->test_loader);
      break;
    case PROP_EPOCHS:
      g_value_set_uint (value, self->epochs);
      break;
    case PROP_PROGRESS_INTERVAL_MS:
      g_value_set_uint (value, dz_trainer_get_progress_interval_ms (self));
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, dz_trainer_get_running (self));
      break;
    case PROP_PAUSED:
      g_value_set_boolean (value, dz_trainer_get_paused (self));
      break;
    case PROP_USE_THREAD:
      g_value_set_boolean (value, dz_trainer_get_use_thread (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_trainer_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  DzTrainer *self = DZ_TRAINER (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      self->model = g_value_dup_object (value);
      break;
    case PROP_OPTIMIZER:
      self->optimizer = g_value_dup_object (value);
      break;
    case PROP_TRAIN_LOADER:
      self->train_loader = g_value_dup_object (value);
      break;
    case PROP_TEST_LOADER:
      self->test_loader = g_value_dup_object (value);
      break;
    case PROP_EPOCHS:
      self->epochs = g_value_get_uint (value);
      break;
    case PROP_PROGRESS_INTERVAL_MS:
      dz_trainer_set_progress_interval_ms (self, g_value_get_uint (value));
      break;
    case PROP_PAUSED:
      dz_trainer_set_paused (self, g_value_get_boolean (value));
      break;
    case PROP_USE_THREAD:
      dz_trainer_set_use_thread (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_trainer_class_init (DzTrainerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = dz_trainer_constructed;
  object_class->dispose = dz_trainer_dispose;
  object_class->finalize = dz_trainer_finalize;
  object_class->get_property = dz_trainer_get_property;
  object_class->set_property = dz_trainer_set_property;

  /**
   * DzTrainer:model:
   *
   * The model being trained: a classifier giving one score per class.
   */
  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL, DZ_TYPE_LAYER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzTrainer:optimizer:
   *
   * The optimizer that updates the model's parameters.
   */
  properties[PROP_OPTIMIZER] =
    g_param_spec_object ("optimizer", NULL, NULL, DZ_TYPE_OPTIMIZER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzTrainer:train-loader:
   *
   * The loader of the training batches: inputs and integer labels.
   */
  properties[PROP_TRAIN_LOADER] =
    g_param_spec_object ("train-loader", NULL, NULL, DZ_TYPE_DATA_LOADER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzTrainer:test-loader:
   *
   * The loader of the validation batches, or %NULL for none.
   */
  properties[PROP_TEST_LOADER] =
    g_param_spec_object ("test-loader", NULL, NULL, DZ_TYPE_DATA_LOADER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzTrainer:epochs:
   *
   * The number of epochs a training runs.
   */
  properties[PROP_EPOCHS] =
    g_param_spec_uint ("epochs", NULL, NULL, 0, G_MAXUINT, 1,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                       G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzTrainer:progress-interval-ms:
   *
   * The least time between two #DzTrainer::step signals, in milliseconds;
   * the last step of an epoch is always reported. 0 reports every step.
   */
  properties[PROP_PROGRESS_INTERVAL_MS] =
    g_param_spec_uint ("progress-interval-ms", NULL, NULL, 0, G_MAXINT, 100,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                       G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzTrainer:running:
   *
   * Whether a training is running. Its change to %FALSE at the end of
   * dz_trainer_train_async() is notified on the caller's main context,
   * before the callback.
   */
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzTrainer:paused:
   *
   * Whether the training waits: set, a running training stops at its next
   * step boundary (the model holding the weights of the last completed
   * step) until it is cleared or the training is cancelled; a training
   * started while it is set waits before its first step. It may be set
   * from any thread, and a GTK toggle button may be bound to it
   * (g_object_bind_property()). A blocking dz_trainer_train() waits in
   * its thread, so another thread must clear it.
   */
  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzTrainer:use-thread:
   *
   * Whether dz_trainer_train_async() trains in a worker thread (the
   * default) or in short slices on the caller's main context, which a
   * model, dataset or transform written in JavaScript needs. It applies
   * to the trainings started after it was set.
   */
  properties[PROP_USE_THREAD] =
    g_param_spec_boolean ("use-thread", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DzTrainer::step:
   * @self: the #DzTrainer
   * @epoch: the epoch, counted from 1
   * @step: the step within the epoch, counted from 1
   * @loss: the loss of that step's batch
   *
   * Reports a completed step, at most once every
   * #DzTrainer:progress-interval-ms, and always the last step of an
   * epoch. With dz_trainer_train_async() it is emitted on the caller's
   * main context, when the worker may already be further.
   */
  signals[SIGNAL_STEP] =
    g_signal_new ("step", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_DOUBLE);

  /**
   * DzTrainer::epoch-end:
   * @self: the #DzTrainer
   * @epoch: the epoch, counted from 1
   * @train_loss: the mean loss over the epoch's samples
   * @train_accuracy: the mean accuracy over the epoch's samples
   * @samples_per_second: the training samples per second of the epoch
   *   (the validation not counted)
   * @validation_accuracy: the accuracy over #DzTrainer:test-loader's
   *   samples, or NaN without a test loader
   *
   * Reports a completed epoch.
   */
  signals[SIGNAL_EPOCH_END] =
    g_signal_new ("epoch-end", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 5, G_TYPE_UINT, G_TYPE_DOUBLE,
                  G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
}

static void
dz_trainer_init (DzTrainer *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->pause_cond);
  self->use_thread = TRUE;
  self->epochs = 1;
  self->progress_interval_ms = 100;
}
