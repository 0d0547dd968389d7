/* dz-trainer.h: a training loop that runs in a worker thread
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "dz-version-macros.h"
#include "dz-array.h"
#include "dz-layer.h"
#include "dz-optimizer.h"
#include "dz-data-loader.h"

G_BEGIN_DECLS

/**
 * DZ_TYPE_TRAINER:
 *
 * The #GType of #DzTrainer.
 */
#define DZ_TYPE_TRAINER (dz_trainer_get_type ())

/**
 * DzTrainerClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzTrainer. #DzTrainer is final: it has no
 * virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzTrainer, dz_trainer, DZ, TRAINER, GObject)

DZ_AVAILABLE_IN_ALL
DzTrainer    *dz_trainer_new                       (DzLayer              *model,
                                                    DzOptimizer          *optimizer,
                                                    DzDataLoader         *train_loader,
                                                    DzDataLoader         *test_loader,
                                                    guint                 epochs);
DZ_AVAILABLE_IN_ALL
gboolean      dz_trainer_train                     (DzTrainer            *self,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
DZ_AVAILABLE_IN_ALL
void          dz_trainer_train_async               (DzTrainer            *self,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
DZ_AVAILABLE_IN_ALL
gboolean      dz_trainer_train_finish              (DzTrainer            *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
DZ_AVAILABLE_IN_ALL
DzArray      *dz_trainer_predict                   (DzTrainer            *self,
                                                    DzLayer              *eval_model,
                                                    DzArray              *x,
                                                    GError              **error);
DZ_AVAILABLE_IN_ALL
gboolean      dz_trainer_get_running               (DzTrainer            *self);
DZ_AVAILABLE_IN_ALL
gboolean      dz_trainer_get_paused                (DzTrainer            *self);
DZ_AVAILABLE_IN_ALL
void          dz_trainer_set_paused                (DzTrainer            *self,
                                                    gboolean              paused);
DZ_AVAILABLE_IN_ALL
gboolean      dz_trainer_get_use_thread            (DzTrainer            *self);
DZ_AVAILABLE_IN_ALL
void          dz_trainer_set_use_thread            (DzTrainer            *self,
                                                    gboolean              use_thread);
DZ_AVAILABLE_IN_ALL
DzLayer      *dz_trainer_get_model                 (DzTrainer            *self);
DZ_AVAILABLE_IN_ALL
DzOptimizer  *dz_trainer_get_optimizer             (DzTrainer            *self);
DZ_AVAILABLE_IN_ALL
DzDataLoader *dz_trainer_get_train_loader          (DzTrainer            *self);
DZ_AVAILABLE_IN_ALL
DzDataLoader *dz_trainer_get_test_loader           (DzTrainer            *self);
DZ_AVAILABLE_IN_ALL
guint         dz_trainer_get_epochs                (DzTrainer            *self);
DZ_AVAILABLE_IN_ALL
guint         dz_trainer_get_progress_interval_ms  (DzTrainer            *self);
DZ_AVAILABLE_IN_ALL
void          dz_trainer_set_progress_interval_ms  (DzTrainer            *self,
                                                    guint                 interval_ms);

G_END_DECLS
