/* train-async.c: training that never blocks a main loop.
 *
 * DeZero's step 48 (spiral, MLP 10-3, SGD lr 1.0, 300 epochs of batches
 * of 30) run by a DzTrainer in a worker thread, while the main loop
 * prints the progress the trainer delivers to it and, every 20 ms,
 * classifies three points with the latest published weights (on a second
 * model of the same shape, as the threading rule asks).
 *
 *   scripts/example.sh train-async [--cancel-after MS]
 *
 * SPDX-License-Identifier: MIT
 */

#include <dezero-glib.h>

typedef struct
{
  GMainLoop *loop;
  DzTrainer *trainer;
  DzLayer *eval_model;
  GCancellable *cancellable;
  guint n_steps_seen;
  guint n_predictions;
  gboolean ok;
} App;

static void
on_step (DzTrainer *trainer,
         guint      epoch,
         guint      step,
         double     loss,
         App       *app)
{
  app->n_steps_seen++;
}

static void
on_epoch_end (DzTrainer *trainer,
              guint      epoch,
              double     loss,
              double     accuracy,
              double     samples_per_s,
              double     test_accuracy,
              App       *app)
{
  if (epoch % 30 == 0 || epoch == 1)
    g_print ("epoch %3u  loss %.4f  accuracy %.3f  %8.0f samples/s\n", epoch, loss, accuracy,
             samples_per_s);
}

/* What a UI would do between frames: classify with the published weights. */
static gboolean
predict_now (gpointer data)
{
  App *app = data;
  double points[] = { 0.0, 0.5, -0.5, 0.0, 0.3, -0.3 };
  g_autoptr(DzArray) x = dz_array_new_from_values (points, 6, (gsize[]) { 3, 2 }, 2, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(DzArray) scores = dz_trainer_predict (app->trainer, app->eval_model, x, &error);

  /* Before the first step nothing is published yet. */
  if (scores != NULL)
    app->n_predictions++;
  return G_SOURCE_CONTINUE;
}

static void
cancel_now (gpointer data)
{
  g_cancellable_cancel (data);
}

static void
on_trained (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  App *app = data;
  g_autoptr(GError) error = NULL;

  app->ok = dz_trainer_train_finish (DZ_TRAINER (source), result, &error);
  if (!app->ok && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_print ("cancelled: the model holds the weights of the last completed step\n");
  else if (!app->ok)
    g_printerr ("training failed: %s\n", error->message);
  g_main_loop_quit (app->loop);
}

int
main (int    argc,
      char **argv)
{
  gint cancel_after = 0;
  GOptionEntry entries[] = {
    { "cancel-after", 0, 0, G_OPTION_ARG_INT, &cancel_after, "Cancel after MS milliseconds", "MS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- train without blocking a main loop");
  g_autoptr(GError) error = NULL;
  g_autoptr(DzDataset) train_set = NULL;
  g_autoptr(DzDataLoader) loader = NULL;
  g_autoptr(DzLayer) model = NULL;
  g_autoptr(DzOptimizer) optimizer = NULL;
  App app = { 0 };
  guint predict_id;
  gint64 start;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  train_set = DZ_DATASET (dz_spiral_new (TRUE));
  loader = dz_data_loader_new (train_set, 30, TRUE, 0);
  model = dz_mlp_new ((gsize[]) { 10, 3 }, 2, DZ_MLP_ACTIVATION_SIGMOID, DZ_DTYPE_FLOAT64, NULL);
  optimizer = dz_sgd_new (1.0);
  app.trainer = dz_trainer_new (model, optimizer, loader, NULL, 300);
  app.eval_model = dz_mlp_new ((gsize[]) { 10, 3 }, 2, DZ_MLP_ACTIVATION_SIGMOID,
                               DZ_DTYPE_FLOAT64, NULL);
  app.loop = g_main_loop_new (NULL, FALSE);
  app.cancellable = g_cancellable_new ();
  g_signal_connect (app.trainer, "step", G_CALLBACK (on_step), &app);
  g_signal_connect (app.trainer, "epoch-end", G_CALLBACK (on_epoch_end), &app);

  predict_id = g_timeout_add (20, predict_now, &app);
  if (cancel_after > 0)
    g_timeout_add_once (cancel_after, cancel_now, app.cancellable);

  start = g_get_monotonic_time ();
  dz_trainer_train_async (app.trainer, app.cancellable, on_trained, &app);
  g_main_loop_run (app.loop);
  g_source_remove (predict_id);

  g_print ("%.2f s; the main loop saw %u step reports and made %u predictions meanwhile\n",
           (g_get_monotonic_time () - start) / 1e6, app.n_steps_seen, app.n_predictions);

  g_clear_object (&app.cancellable);
  g_clear_pointer (&app.loop, g_main_loop_unref);
  g_clear_object (&app.eval_model);
  g_clear_object (&app.trainer);
  g_clear_object (&optimizer);
  g_clear_object (&model);
  g_clear_object (&loader);
  g_clear_object (&train_set);
  g_print ("live objects at the end: %u arrays, %u variables, %u functions\n",
           dz_live_count (DZ_LIVE_ARRAY), dz_live_count (DZ_LIVE_VARIABLE),
           dz_live_count (DZ_LIVE_FUNCTION));
  return app.ok || cancel_after > 0 ? 0 : 1;
}
