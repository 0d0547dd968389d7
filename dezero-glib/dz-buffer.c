/* dz-buffer.c: aligned float64 storage
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "dz-buffer-private.h"
#include "dz-error.h"

/* Cache-line alignment lets the compiler vectorize the kernels with aligned
 * loads and keeps two arrays from sharing a line between threads. */
#define DZ_BUFFER_ALIGNMENT 64

double *
dz_buffer_alloc (gsize    n_values,
                 GError **error)
{
  void *buffer = NULL;
  int res;

  if (n_values > G_MAXSIZE / sizeof (double) - DZ_BUFFER_ALIGNMENT)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_TOO_LARGE,
                   "An array of %" G_GSIZE_FORMAT " values does not fit in memory",
                   n_values);
      return NULL;
    }

  res = posix_memalign (&buffer, DZ_BUFFER_ALIGNMENT,
                        MAX (n_values, 1) * sizeof (double));
  if (res != 0)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_TOO_LARGE,
                   "Cannot allocate an array of %" G_GSIZE_FORMAT " values (%s)",
                   n_values, g_strerror (res));
      return NULL;
    }

  return buffer;
}

void
dz_buffer_free (double *buffer,
                gsize   n_values)
{
  free (buffer);
}
