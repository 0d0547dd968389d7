/* test-trainer.c: DzTrainer, blocking and in a worker thread, its signals,
 * cancellation, errors and predictions during training
 *
 * SPDX-License-Identifier: MIT
 */

#include <math.h>

#include "dz-test-utils.h"

static DzLayer *
spiral_mlp (guint64 seed)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (seed);

  return dz_mlp_new ((gsize[]) { 10, 3 }, 2, DZ_MLP_ACTIVATION_SIGMOID, DZ_DTYPE_FLOAT64, gen);
}

static DzTrainer *spiral_trainer_with (guint epochs, gboolean with_test, DzOptimizer *opt);

static DzTrainer *
spiral_trainer (guint epochs,
                gboolean with_test)
{
  g_autoptr(DzOptimizer) opt = dz_sgd_new (1.0);

  return spiral_trainer_with (epochs, with_test, opt);
}

static DzTrainer *
spiral_trainer_with (guint        epochs,
                     gboolean     with_test,
                     DzOptimizer *opt)
{
  g_autoptr(DzDataset) train = DZ_DATASET (dz_spiral_new (TRUE));
  g_autoptr(DzDataset) test = DZ_DATASET (dz_spiral_new (FALSE));
  g_autoptr(DzDataLoader) loader = dz_data_loader_new (train, 30, TRUE, 1);
  g_autoptr(DzDataLoader) test_loader = dz_data_loader_new (test, 100, FALSE, 0);
  g_autoptr(DzLayer) model = spiral_mlp (0);

  return dz_trainer_new (model, opt, loader, with_test ? test_loader : NULL, epochs);
}

typedef struct
{
  GThread *thread;
  GMainContext *context;
  guint n_steps;
  guint n_epochs;
  guint last_epoch;
  guint last_step;
  double first_loss;
  double last_loss;
  double last_val;
  double last_rate;
  gboolean done;
  gboolean ok;
  GError *error;
  /* Cancel after this many step signals (0: never). */
  guint cancel_after;
  GCancellable *cancellable;
} Progress;

static void
on_step (DzTrainer *trainer,
         guint      epoch,
         guint      step,
         double     loss,
         Progress  *p)
{
  g_assert_true (g_thread_self () == p->thread);
  if (p->context != NULL)
    g_assert_true (g_main_context_is_owner (p->context));
  g_assert_false (p->done);
  g_assert_cmpuint (epoch, >=, 1);
  g_assert_cmpuint (step, >=, 1);
  g_assert_true (isfinite (loss));
  p->n_steps++;
  p->last_step = step;
  if (p->cancel_after != 0 && p->n_steps == p->cancel_after)
    g_cancellable_cancel (p->cancellable);
}

static void
on_epoch_end (DzTrainer *trainer,
              guint      epoch,
              double     loss,
              double     accuracy,
              double     rate,
              double     val_accuracy,
              Progress  *p)
{
  g_assert_true (g_thread_self () == p->thread);
  if (p->context != NULL)
    g_assert_true (g_main_context_is_owner (p->context));
  g_assert_false (p->done);
  p->n_epochs++;
  g_assert_cmpuint (epoch, ==, p->n_epochs);
  /* The last step of an epoch is always reported, before its end. */
  g_assert_cmpuint (p->last_step, ==, 10);
  g_assert_cmpfloat (accuracy, >=, 0);
  g_assert_cmpfloat (accuracy, <=, 1);
  g_assert_cmpfloat (rate, >, 0);
  if (epoch == 1)
    p->first_loss = loss;
  p->last_loss = loss;
  p->last_val = val_accuracy;
  p->last_rate = rate;
}

static void
connect_progress (DzTrainer *trainer,
                  Progress  *p)
{
  p->thread = g_thread_self ();
  g_signal_connect (trainer, "step", G_CALLBACK (on_step), p);
  g_signal_connect (trainer, "epoch-end", G_CALLBACK (on_epoch_end), p);
}

static void
test_blocking (void)
{
  guint epochs = dz_test_scaled (30);
  g_autoptr(DzTrainer) trainer = spiral_trainer (epochs, TRUE);
  g_autoptr(GError) error = NULL;
  Progress p = { 0 };

  connect_progress (trainer, &p);
  dz_trainer_set_progress_interval_ms (trainer, 0);
  /* The trainer turns backprop and training mode on for its steps and
   * restores them. */
  dz_set_enable_backprop (FALSE);
  g_assert_true (dz_trainer_train (trainer, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (dz_get_enable_backprop ());
  dz_set_enable_backprop (TRUE);
  g_assert_false (dz_trainer_get_running (trainer));
  g_assert_cmpuint (p.n_epochs, ==, epochs);
  /* Every step, with an interval of 0. */
  g_assert_cmpuint (p.n_steps, ==, epochs * 10);
  g_test_message ("blocking: %u epochs, loss %.4f -> %.4f, validation accuracy %.3f, "
                  "%.0f samples/s", epochs, p.first_loss, p.last_loss, p.last_val, p.last_rate);
  g_assert_cmpfloat (p.first_loss, >, 1.0);
  g_assert_cmpfloat (p.last_loss, <, p.first_loss);
  g_assert_true (p.last_val >= 0 && p.last_val <= 1);

  /* Without a test loader the validation accuracy is NaN. */
  {
    g_autoptr(DzTrainer) plain = spiral_trainer (1, FALSE);
    Progress q = { 0 };

    connect_progress (plain, &q);
    g_assert_true (dz_trainer_train (plain, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (q.n_epochs, ==, 1);
    g_assert_true (isnan (q.last_val));
    /* Throttled to 100 ms: the first and the last step at least, not all
     * ten unless the machine is very slow. */
    g_assert_cmpuint (q.n_steps, >=, 2);
  }

  /* A long interval: the first step, then only the last of each epoch. */
  {
    g_autoptr(DzTrainer) slow = spiral_trainer (3, FALSE);
    Progress q = { 0 };

    connect_progress (slow, &q);
    g_object_set (slow, "progress-interval-ms", 600000, NULL);
    g_assert_cmpuint (dz_trainer_get_progress_interval_ms (slow), ==, 600000);
    g_assert_true (dz_trainer_train (slow, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (q.n_epochs, ==, 3);
    g_assert_cmpuint (q.n_steps, ==, 4);
  }
}

/* Drops the last reference to a trainer and checks that it is finalized
 * right there: the worker of dz_trainer_train_async() keeps no reference
 * once the callback ran, so that nothing is finalized on it. */
static void
on_gone (gpointer  data,
         GObject  *where)
{
  *(gboolean *) data = TRUE;
}

static void
unref_last (gpointer object)
{
  gboolean gone = FALSE;

  g_object_weak_ref (object, on_gone, &gone);
  g_object_unref (object);
  g_assert_true (gone);
}

static void
train_done (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Progress *p = data;

  g_assert_true (g_thread_self () == p->thread);
  g_assert_true (g_task_get_source_tag (G_TASK (result)) == dz_trainer_train_async);
  p->ok = dz_trainer_train_finish (DZ_TRAINER (source), result, &p->error);
  p->done = TRUE;
}

static void
run_until_done (Progress *p)
{
  while (!p->done)
    g_main_context_iteration (p->context, TRUE);
}

static void
test_async (void)
{
  guint epochs = dz_test_scaled (20);
  DzTrainer *trainer = spiral_trainer (epochs, TRUE);
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GError) error = NULL;
  Progress p = { 0 };

  g_main_context_push_thread_default (context);
  p.context = context;
  connect_progress (trainer, &p);
  dz_trainer_set_progress_interval_ms (trainer, 0);
  /* Paused, so that it is still running for the checks below however
   * fast the worker is. */
  dz_trainer_set_paused (trainer, TRUE);
  dz_trainer_train_async (trainer, NULL, train_done, &p);
  g_assert_true (dz_trainer_get_running (trainer));

  /* A second training at the same time is refused, blocking or not. */
  g_assert_false (dz_trainer_train (trainer, NULL, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_REENTRANT);
  g_clear_error (&error);
  {
    Progress q = { 0 };

    q.thread = g_thread_self ();
    q.context = context;
    dz_trainer_train_async (trainer, NULL, train_done, &q);
    run_until_done (&q);
    g_assert_false (q.ok);
    g_assert_error (q.error, DZ_ERROR, DZ_ERROR_REENTRANT);
    g_clear_error (&q.error);
  }

  dz_trainer_set_paused (trainer, FALSE);
  run_until_done (&p);
  g_main_context_pop_thread_default (context);
  g_assert_no_error (p.error);
  g_assert_true (p.ok);
  g_assert_false (dz_trainer_get_running (trainer));
  /* Every signal came before the callback (on_* assert !done). */
  g_assert_cmpuint (p.n_epochs, ==, epochs);
  g_assert_cmpuint (p.n_steps, ==, epochs * 10);
  g_assert_cmpfloat (p.last_loss, <, p.first_loss);
  g_test_message ("async: loss %.4f -> %.4f", p.first_loss, p.last_loss);

  /* Nothing left for the context to dispatch. */
  g_assert_false (g_main_context_iteration (context, FALSE));
  unref_last (trainer);
}

/* The global default context with a GMainLoop, as applications do. */
static void
train_done_quit (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  Progress *p = data;

  train_done (source, result, data);
  g_main_loop_quit (g_object_get_data (G_OBJECT (source), "loop"));
  (void) p;
}

static void
test_async_default_context (void)
{
  DzTrainer *trainer = spiral_trainer (3, FALSE);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Progress p = { 0 };

  p.context = g_main_context_default ();
  connect_progress (trainer, &p);
  g_object_set_data (G_OBJECT (trainer), "loop", loop);
  dz_trainer_train_async (trainer, NULL, train_done_quit, &p);
  /* The worker runs before the loop does: it must not emit on its own
   * thread although nobody owns the default context yet. */
  g_usleep (50000);
  g_main_loop_run (loop);
  g_assert_no_error (p.error);
  g_assert_true (p.ok);
  g_assert_cmpuint (p.n_epochs, ==, 3);
  g_object_set_data (G_OBJECT (trainer), "loop", NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  unref_last (trainer);
}

static gboolean
params_equal (DzLayer *a,
              GPtrArray *arrays)
{
  g_autoptr(GPtrArray) params = dz_layer_list_parameters (a);

  for (guint i = 0; i < params->len; i++)
    {
      DzArray *x = dz_variable_get_data (g_ptr_array_index (params, i));
      DzArray *y = g_ptr_array_index (arrays, i);

      for (gsize j = 0; j < dz_array_get_size (x); j++)
        if (dz_array_get_value (x, j) != dz_array_get_value (y, j))
          return FALSE;
    }
  return TRUE;
}

static GPtrArray *
copy_params (DzLayer *model)
{
  g_autoptr(GPtrArray) params = dz_layer_list_parameters (model);
  GPtrArray *copies = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < params->len; i++)
    g_ptr_array_add (copies, dz_array_astype (dz_variable_get_data (g_ptr_array_index (params, i)),
                                                     DZ_DTYPE_FLOAT64, NULL));
  return copies;
}

static void
test_cancel (void)
{
  DzTrainer *trainer = spiral_trainer (1000, FALSE);
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(DzLayer) eval_model = spiral_mlp (7);
  g_autoptr(DzArray) x = dz_array_new_zeros ((gsize[]) { 4, 2 }, 2, NULL);
  g_autoptr(DzArray) y1 = NULL;
  g_autoptr(DzArray) y2 = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GError) error = NULL;
  Progress p = { 0 };

  g_main_context_push_thread_default (context);
  p.context = context;
  p.cancellable = cancellable;
  p.cancel_after = 5;
  connect_progress (trainer, &p);
  dz_trainer_set_progress_interval_ms (trainer, 0);
  dz_trainer_train_async (trainer, cancellable, train_done, &p);
  run_until_done (&p);
  g_main_context_pop_thread_default (context);
  g_assert_false (p.ok);
  g_assert_error (p.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&p.error);
  g_assert_cmpuint (p.n_steps, >=, 5);
  g_assert_cmpuint (p.n_steps, <, 10000);
  g_assert_false (dz_trainer_get_running (trainer));

  /* The model holds the weights of the last completed step, the ones
   * published for predictions too. */
  after = copy_params (dz_trainer_get_model (trainer));
  y1 = dz_trainer_predict (trainer, eval_model, x, &error);
  g_assert_no_error (error);
  g_assert_true (params_equal (eval_model, after));
  {
    g_autoptr(DzVariable) xv = dz_variable_new (x);
    g_autoptr(DzVariable) yv = NULL;

    dz_set_enable_backprop (FALSE);
    yv = dz_layer_call1 (dz_trainer_get_model (trainer), xv, &error);
    dz_set_enable_backprop (TRUE);
    g_assert_no_error (error);
    y2 = g_object_ref (dz_variable_get_data (yv));
  }
  for (gsize j = 0; j < dz_array_get_size (y1); j++)
    g_assert_cmpfloat (dz_array_get_value (y1, j), ==, dz_array_get_value (y2, j));

  /* A blocking training with a cancelled cancellable does not step. */
  g_assert_false (dz_trainer_train (trainer, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_true (params_equal (dz_trainer_get_model (trainer), after));

  /* And it trains again after a reset. */
  g_cancellable_reset (cancellable);
  {
    g_autoptr(DzTrainer) again = spiral_trainer (1, FALSE);

    g_assert_true (dz_trainer_train (again, cancellable, &error));
    g_assert_no_error (error);
  }
  unref_last (trainer);
}

static void
test_errors (void)
{
  g_autoptr(DzDataset) train = DZ_DATASET (dz_spiral_new (TRUE));
  g_autoptr(DzDataLoader) loader = dz_data_loader_new (train, 30, TRUE, 1);
  g_autoptr(DzGenerator) gen = dz_generator_new (0);
  /* Five inputs where the spiral has two. */
  g_autoptr(DzLayer) model = dz_linear_layer_new_with_in_size (5, 3, FALSE, DZ_DTYPE_FLOAT64,
                                                               gen);
  g_autoptr(DzOptimizer) opt = dz_sgd_new (0.1);
  DzTrainer *trainer = dz_trainer_new (model, opt, loader, NULL, 2);
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(DzArray) x = dz_array_new_zeros ((gsize[]) { 4, 2 }, 2, NULL);
  g_autoptr(DzLayer) other = spiral_mlp (3);
  g_autoptr(DzLayer) eval_model = NULL;
  Progress p = { 0 };

  /* The optimizer was set up on the model. */
  g_assert_true (dz_optimizer_get_target (opt) == model);

  g_assert_false (dz_trainer_train (trainer, NULL, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
  g_clear_error (&error);
  g_assert_false (dz_trainer_get_running (trainer));

  g_main_context_push_thread_default (context);
  p.context = context;
  connect_progress (trainer, &p);
  dz_trainer_train_async (trainer, NULL, train_done, &p);
  run_until_done (&p);
  g_main_context_pop_thread_default (context);
  g_assert_false (p.ok);
  g_assert_error (p.error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
  g_clear_error (&p.error);
  g_assert_cmpuint (p.n_steps, ==, 0);

  /* predict: not the trained model, a model of the same structure, and
   * the input must fit. */
  g_assert_null (dz_trainer_predict (trainer, model, x, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (dz_trainer_predict (trainer, other, x, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  eval_model = dz_linear_layer_new_with_in_size (5, 3, FALSE, DZ_DTYPE_FLOAT64, gen);
  g_assert_null (dz_trainer_predict (trainer, eval_model, x, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
  g_clear_error (&error);

  /* A model whose weights do not exist yet cannot be predicted with. */
  {
    g_autoptr(DzTrainer) fresh = spiral_trainer (1, FALSE);
    g_autoptr(DzLayer) eval2 = spiral_mlp (9);

    g_assert_null (dz_trainer_predict (fresh, eval2, x, &error));
    g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_DATA);
    g_clear_error (&error);
  }
  unref_last (trainer);
}

typedef struct
{
  DzTrainer *trainer;
  gboolean done;
} Stress;

static void
stress_done (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Stress *s = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (dz_trainer_train_finish (DZ_TRAINER (source), result, &error));
  g_assert_no_error (error);
  s->done = TRUE;
}

/* The main thread predicts as fast as it can while the worker trains. */
static void
test_predict_stress (void)
{
  guint epochs = dz_test_scaled (40);
  g_autoptr(DzDataset) train = DZ_DATASET (dz_spiral_new (TRUE));
  g_autoptr(DzDataLoader) loader = dz_data_loader_new (train, 30, TRUE, 1);
  g_autoptr(DzLayer) model = spiral_mlp (0);
  g_autoptr(DzOptimizer) opt = dz_sgd_new (1.0);
  DzTrainer *trainer;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(DzLayer) eval_model = spiral_mlp (11);
  g_autoptr(DzDataset) test = DZ_DATASET (dz_spiral_new (FALSE));
  DzArray *x = NULL;
  DzArray *t = NULL;
  g_autoptr(GError) error = NULL;
  Stress s = { NULL, FALSE };
  guint n_predictions = 0;

  g_assert_true (dz_dataset_get_arrays (test, &x, &t));
  /* Give the model its weights first, one epoch blocking: a trainer
   * publishes the model's weights when it is made. */
  {
    g_autoptr(DzTrainer) warm = dz_trainer_new (model, opt, loader, NULL, 1);

    g_assert_true (dz_trainer_train (warm, NULL, &error));
    g_assert_no_error (error);
  }
  trainer = dz_trainer_new (model, opt, loader, NULL, epochs);
  s.trainer = trainer;

  g_main_context_push_thread_default (context);
  dz_trainer_train_async (trainer, NULL, stress_done, &s);
  while (!s.done)
    {
      g_autoptr(DzArray) y = dz_trainer_predict (trainer, eval_model, x, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (dz_array_get_shape (y, NULL)[0], ==, 300);
      g_assert_cmpuint (dz_array_get_shape (y, NULL)[1], ==, 3);
      for (gsize j = 0; j < dz_array_get_size (y); j++)
        g_assert_true (isfinite (dz_array_get_value (y, j)));
      n_predictions++;
      g_main_context_iteration (context, FALSE);
    }
  g_main_context_pop_thread_default (context);
  g_test_message ("%u predictions during %u epochs", n_predictions, epochs);
  g_assert_cmpuint (n_predictions, >, 0);

  /* After the training the eval model gets what the model has. */
  {
    g_autoptr(DzArray) y = dz_trainer_predict (trainer, eval_model, x, &error);
    g_autoptr(GPtrArray) now = copy_params (model);

    g_assert_no_error (error);
    g_assert_true (params_equal (eval_model, now));
  }
  unref_last (trainer);
}

/* Runs @context for @ms milliseconds. */
static void
iterate_for (GMainContext *context,
             guint         ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (context, FALSE);
      g_usleep (1000);
    }
}

static gboolean
count_tick (gpointer data)
{
  (*(guint *) data)++;
  return G_SOURCE_CONTINUE;
}

/* use-thread unset: the training runs in slices on the caller's context,
 * which dispatches its other sources in between, and it computes exactly
 * what a blocking training computes. */
static void
test_main_context (void)
{
  guint epochs = dz_test_scaled (10);
  /* Adam: the optimizer's state, made inside the first unit's scope,
   * survives it. */
  g_autoptr(DzOptimizer) adam1 = dz_adam_new (0.01, 0.9, 0.999, 1e-8);
  g_autoptr(DzOptimizer) adam2 = dz_adam_new (0.01, 0.9, 0.999, 1e-8);
  g_autoptr(DzTrainer) blocking = spiral_trainer_with (epochs, TRUE, adam1);
  DzTrainer *trainer = spiral_trainer_with (epochs, TRUE, adam2);
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) tick = g_timeout_source_new (1);
  g_autoptr(GPtrArray) expected = NULL;
  g_autoptr(GPtrArray) params = NULL;
  g_autoptr(GError) error = NULL;
  Progress p = { 0 }, q = { 0 };
  guint ticks = 0;

  connect_progress (blocking, &q);
  dz_trainer_set_progress_interval_ms (blocking, 0);
  g_assert_true (dz_trainer_train (blocking, NULL, &error));
  g_assert_no_error (error);
  expected = copy_params (dz_trainer_get_model (blocking));

  g_assert_true (dz_trainer_get_use_thread (trainer));
  g_object_set (trainer, "use-thread", FALSE, NULL);
  g_assert_false (dz_trainer_get_use_thread (trainer));
  g_main_context_push_thread_default (context);
  p.context = context;
  connect_progress (trainer, &p);
  dz_trainer_set_progress_interval_ms (trainer, 0);
  g_source_set_callback (tick, count_tick, &ticks, NULL);
  g_source_attach (tick, context);
  dz_trainer_train_async (trainer, NULL, train_done, &p);
  /* Nothing ran yet: the steps wait for the context. */
  g_assert_cmpuint (p.n_steps, ==, 0);
  run_until_done (&p);
  g_source_destroy (tick);
  g_main_context_pop_thread_default (context);

  g_assert_no_error (p.error);
  g_assert_true (p.ok);
  g_assert_cmpuint (p.n_steps, ==, epochs * 10);
  g_assert_cmpuint (p.n_epochs, ==, epochs);
  g_assert_cmpfloat (p.last_loss, ==, q.last_loss);
  g_assert_cmpfloat (p.last_val, ==, q.last_val);
  g_assert_true (params_equal (dz_trainer_get_model (trainer), expected));
  g_test_message ("main context: %u steps, %u timeouts dispatched meanwhile", p.n_steps, ticks);
  g_assert_cmpuint (ticks, >, 0);
  unref_last (trainer);
}

/* Pausing stops the steps at a boundary, the published weights with them;
 * resuming goes on; cancelling a paused training ends it. */
static void
check_pause (gboolean use_thread)
{
  DzTrainer *trainer = spiral_trainer (100000, FALSE);
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(DzLayer) eval_model = spiral_mlp (7);
  g_autoptr(DzArray) x = dz_array_new_zeros ((gsize[]) { 4, 2 }, 2, NULL);
  g_autoptr(GError) error = NULL;
  Progress p = { 0 };
  guint settled;
  guint notified = 0;

  g_main_context_push_thread_default (context);
  p.context = context;
  connect_progress (trainer, &p);
  g_signal_connect_swapped (trainer, "notify::paused", G_CALLBACK (count_tick), &notified);
  dz_trainer_set_progress_interval_ms (trainer, 0);
  dz_trainer_set_use_thread (trainer, use_thread);

  /* Started paused: no step at all until resumed. */
  dz_trainer_set_paused (trainer, TRUE);
  g_assert_true (dz_trainer_get_paused (trainer));
  g_assert_cmpuint (notified, ==, 1);
  dz_trainer_train_async (trainer, cancellable, train_done, &p);
  iterate_for (context, 100);
  g_assert_cmpuint (p.n_steps, ==, 0);
  g_assert_true (dz_trainer_get_running (trainer));

  g_object_set (trainer, "paused", FALSE, NULL);
  g_assert_cmpuint (notified, ==, 2);
  while (p.n_steps < 5)
    g_main_context_iteration (context, TRUE);
  dz_trainer_set_paused (trainer, TRUE);
  /* A threaded training may finish the step it is in. */
  iterate_for (context, 300);
  settled = p.n_steps;
  {
    g_autoptr(DzArray) y1 = dz_trainer_predict (trainer, eval_model, x, &error);
    g_autoptr(DzArray) y2 = NULL;

    g_assert_no_error (error);
    iterate_for (context, 300);
    g_assert_cmpuint (p.n_steps, ==, settled);
    y2 = dz_trainer_predict (trainer, eval_model, x, &error);
    g_assert_no_error (error);
    dz_assert_allclose (y2, y1, 0, 0);
  }

  /* Resumed, it goes on; cancelled while paused, it ends. */
  dz_trainer_set_paused (trainer, FALSE);
  while (p.n_steps < settled + 5)
    g_main_context_iteration (context, TRUE);
  dz_trainer_set_paused (trainer, TRUE);
  iterate_for (context, 50);
  g_cancellable_cancel (cancellable);
  run_until_done (&p);
  g_main_context_pop_thread_default (context);
  g_assert_false (p.ok);
  g_assert_error (p.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&p.error);
  g_assert_true (dz_trainer_get_paused (trainer));
  g_assert_false (dz_trainer_get_running (trainer));
  g_test_message ("%s: paused after %u steps, cancelled after %u",
                  use_thread ? "thread" : "main context", settled, p.n_steps);
  unref_last (trainer);
}

static void
test_pause_thread (void)
{
  check_pause (TRUE);
}

static void
test_pause_main_context (void)
{
  check_pause (FALSE);
}

static void
wrap (gconstpointer data)
{
  ((GTestFunc) data) ();
  dz_assert_no_live_objects ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/trainer/blocking", test_blocking, wrap);
  g_test_add_data_func ("/trainer/async", test_async, wrap);
  g_test_add_data_func ("/trainer/async-default-context", test_async_default_context, wrap);
  g_test_add_data_func ("/trainer/cancel", test_cancel, wrap);
  g_test_add_data_func ("/trainer/errors", test_errors, wrap);
  g_test_add_data_func ("/trainer/predict-stress", test_predict_stress, wrap);
  g_test_add_data_func ("/trainer/main-context", test_main_context, wrap);
  g_test_add_data_func ("/trainer/pause-thread", test_pause_thread, wrap);
  g_test_add_data_func ("/trainer/pause-main-context", test_pause_main_context, wrap);

  return g_test_run ();
}
