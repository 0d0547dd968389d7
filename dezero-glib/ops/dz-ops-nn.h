/* dz-ops-nn.h: batch normalization, embeddings and the LSTM cell
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include "dz-variable.h"

G_BEGIN_DECLS

DZ_AVAILABLE_IN_ALL
DzVariable *dz_batch_norm (DzVariable  *x,
                           DzVariable  *gamma,
                           DzVariable  *beta,
                           DzVariable  *running_mean,
                           DzVariable  *running_var,
                           double       decay,
                           double       eps,
                           GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_embed_id   (DzVariable  *ids,
                           DzVariable  *W,
                           GError     **error);
DZ_AVAILABLE_IN_ALL
DzVariable *dz_lstm_cell  (DzVariable **inputs,
                           guint        n_inputs,
                           GError     **error);

G_END_DECLS
