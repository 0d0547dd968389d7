/* dz-error.h: the DZ_ERROR domain
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include "dz-version-macros.h"

G_BEGIN_DECLS

/**
 * DZ_ERROR:
 *
 * The error domain of dezero-glib; errors in it carry a #DzError code.
 */
#define DZ_ERROR (dz_error_quark ())

/**
 * DzError:
 * @DZ_ERROR_FAILED: an unspecified failure
 * @DZ_ERROR_INVALID_ARGUMENT: an argument is malformed (missing values, a
 *   byte buffer whose length is not a multiple of 8, too many dimensions)
 * @DZ_ERROR_SIZE_MISMATCH: the number of values does not match the shape
 * @DZ_ERROR_SHAPE_MISMATCH: two arrays that must have the same shape do not
 * @DZ_ERROR_TOO_LARGE: the requested array cannot be represented or allocated
 * @DZ_ERROR_NO_DATA: a variable has no data where data is needed
 * @DZ_ERROR_WRONG_COUNT: a function got or produced the wrong number of
 *   inputs, outputs or gradients
 * @DZ_ERROR_FUNCTION_FAILED: a user-defined function failed without saying
 *   why (for example returned %NULL without setting an error)
 * @DZ_ERROR_FUNCTION_REUSED: a #DzFunction instance was called twice; every
 *   call needs a new instance because the instance records its graph node
 * @DZ_ERROR_GRADIENT_MISMATCH: a gradient check found backpropagation and
 *   numerical differentiation disagreeing
 * @DZ_ERROR_NOT_AVAILABLE: an external tool the operation needs is missing
 * @DZ_ERROR_NO_MEMORY: memory for a result could not be allocated
 * @DZ_ERROR_DATA_MODIFIED: a variable's data was replaced with
 *   dz_variable_set_data() after a recorded function used it, so that
 *   function's gradient can no longer be computed
 * @DZ_ERROR_REENTRANT: an operation was started inside one that is still
 *   running on the same object: a backward pass on a graph that a backward
 *   pass on the same thread is walking, or an optimizer's update() from
 *   within its own update (a hook or rule calling it)
 * @DZ_ERROR_INVALID_DTYPE: an array's element type does not suit the
 *   operation (an integer array where a gradient must flow, an unknown
 *   dtype name)
 * @DZ_ERROR_INVALID_AXIS: an axis is out of range or repeated
 * @DZ_ERROR_INDEX_OUT_OF_RANGE: an index is out of range for its axis
 * @DZ_ERROR_INVALID_FILE: a file's contents are not in the format expected
 *   (a truncated or malformed safetensors file); errors opening or writing
 *   a file are in the %G_FILE_ERROR domain
 *
 * Error codes in the %DZ_ERROR domain.
 */
typedef enum {
  DZ_ERROR_FAILED,
  DZ_ERROR_INVALID_ARGUMENT,
  DZ_ERROR_SIZE_MISMATCH,
  DZ_ERROR_SHAPE_MISMATCH,
  DZ_ERROR_TOO_LARGE,
  DZ_ERROR_NO_DATA,
  DZ_ERROR_WRONG_COUNT,
  DZ_ERROR_FUNCTION_FAILED,
  DZ_ERROR_FUNCTION_REUSED,
  DZ_ERROR_GRADIENT_MISMATCH,
  DZ_ERROR_NOT_AVAILABLE,
  DZ_ERROR_NO_MEMORY,
  DZ_ERROR_DATA_MODIFIED,
  DZ_ERROR_REENTRANT,
  DZ_ERROR_INVALID_DTYPE,
  DZ_ERROR_INVALID_AXIS,
  DZ_ERROR_INDEX_OUT_OF_RANGE,
  DZ_ERROR_INVALID_FILE,
} DzError;

DZ_AVAILABLE_IN_ALL
GQuark dz_error_quark (void);

G_END_DECLS
