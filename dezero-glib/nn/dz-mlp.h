/* dz-mlp.h: a multi-layer perceptron
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include "dz-dtype.h"
#include "dz-generator.h"
#include "dz-model.h"

G_BEGIN_DECLS

/**
 * DzMlpActivation:
 * @DZ_MLP_ACTIVATION_SIGMOID: dz_sigmoid(), DeZero's default
 * @DZ_MLP_ACTIVATION_RELU: dz_relu()
 * @DZ_MLP_ACTIVATION_TANH: dz_tanh()
 *
 * The activation a #DzMLP applies between its linear layers.
 */
typedef enum {
  DZ_MLP_ACTIVATION_SIGMOID,
  DZ_MLP_ACTIVATION_RELU,
  DZ_MLP_ACTIVATION_TANH,
} DzMlpActivation;

/**
 * DZ_TYPE_MLP:
 *
 * The #GType of #DzMLP.
 */
#define DZ_TYPE_MLP (dz_mlp_get_type ())

/**
 * DzMLPClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzMLP. #DzMLP is final: it has no virtual
 * functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzMLP, dz_mlp, DZ, MLP, DzModel)

DZ_AVAILABLE_IN_ALL
DzLayer         *dz_mlp_new            (const gsize     *sizes,
                                        guint            n_sizes,
                                        DzMlpActivation  activation,
                                        DzDtype          dtype,
                                        DzGenerator     *generator);
DZ_AVAILABLE_IN_ALL
guint            dz_mlp_get_n_layers   (DzMLP           *self);
DZ_AVAILABLE_IN_ALL
DzMlpActivation  dz_mlp_get_activation (DzMLP           *self);

G_END_DECLS
