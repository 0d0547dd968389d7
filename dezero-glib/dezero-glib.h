/* dezero-glib.h: define-by-run automatic differentiation for GLib
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#define __DEZERO_GLIB_H_INSIDE__

#include "dz-version-macros.h"
#include "dz-error.h"
#include "dz-live.h"
#include "dz-config.h"
#include "dz-generator.h"
#include "dz-dtype.h"
#include "dz-array.h"
#include "dz-array-math.h"
#include "dz-variable.h"
#include "dz-function.h"
#include "dz-ops.h"
#include "dz-numerical.h"
#include "dz-dot.h"
#include "dz-scope.h"
#include "dz-parameter.h"
#include "dz-layer.h"
#include "dz-model.h"
#include "dz-linear-layer.h"
#include "dz-conv-layer.h"
#include "dz-mlp.h"
#include "dz-batch-norm-layer.h"
#include "dz-embed-id-layer.h"
#include "dz-rnn-layer.h"
#include "dz-lstm-layer.h"
#include "dz-sequential.h"
#include "dz-transform.h"
#include "dz-dataset.h"
#include "dz-data-loader.h"
#include "dz-idx.h"
#include "dz-mnist.h"
#include "dz-spiral.h"
#include "dz-sin-curve.h"
#include "dz-optimizer.h"
#include "dz-optimizer-hooks.h"
#include "dz-optimizers.h"
#include "dz-safetensors.h"
#include "dz-weights.h"
#include "dz-trainer.h"
#include "dz-communicator.h"
#include "dz-enum-types.h"

#undef __DEZERO_GLIB_H_INSIDE__
