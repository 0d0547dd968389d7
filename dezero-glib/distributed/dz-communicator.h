/* dz-communicator.h: data-parallel training over MPI
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "dz-layer.h"

G_BEGIN_DECLS

/**
 * DZ_TYPE_COMMUNICATOR:
 *
 * The #GType of #DzCommunicator.
 */
#define DZ_TYPE_COMMUNICATOR (dz_communicator_get_type ())

/**
 * DzCommunicatorClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzCommunicator. #DzCommunicator is final: it
 * has no virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzCommunicator, dz_communicator, DZ, COMMUNICATOR, GObject)

DZ_AVAILABLE_IN_ALL
gboolean        dz_communicator_is_available        (void);
DZ_AVAILABLE_IN_ALL
DzCommunicator *dz_communicator_new                 (GError         **error);
DZ_AVAILABLE_IN_ALL
int             dz_communicator_get_rank            (DzCommunicator  *self);
DZ_AVAILABLE_IN_ALL
int             dz_communicator_get_size            (DzCommunicator  *self);
DZ_AVAILABLE_IN_ALL
guint64         dz_communicator_get_bucket_size     (DzCommunicator  *self);
DZ_AVAILABLE_IN_ALL
void            dz_communicator_set_bucket_size     (DzCommunicator  *self,
                                                     guint64          bucket_size);
DZ_AVAILABLE_IN_ALL
gboolean        dz_communicator_broadcast_parameters (DzCommunicator *self,
                                                     DzLayer         *layer,
                                                     int              root,
                                                     GError         **error);
DZ_AVAILABLE_IN_ALL
gboolean        dz_communicator_allreduce_gradients (DzCommunicator  *self,
                                                     DzLayer         *layer,
                                                     GError         **error);
DZ_AVAILABLE_IN_ALL
gboolean        dz_communicator_allreduce_sum       (DzCommunicator  *self,
                                                     double          *values,
                                                     gsize            n_values,
                                                     GError         **error);
DZ_AVAILABLE_IN_ALL
DzArray        *dz_communicator_allreduce_array     (DzCommunicator  *self,
                                                     DzArray         *array,
                                                     GError         **error);
DZ_AVAILABLE_IN_ALL
gboolean        dz_communicator_parameters_agree    (DzCommunicator  *self,
                                                     DzLayer         *layer,
                                                     GError         **error);
DZ_AVAILABLE_IN_ALL
gboolean        dz_communicator_barrier             (DzCommunicator  *self,
                                                     GError         **error);
DZ_AVAILABLE_IN_ALL
void            dz_communicator_shutdown            (void);

G_END_DECLS
