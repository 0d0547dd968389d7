/* dz-buffer.c: aligned float64 storage
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dz-buffer-private.h"
#include "dz-error.h"

/* Cache-line alignment lets the compiler vectorize the kernels with aligned
 * loads and keeps two arrays from sharing a line between threads. */
#define DZ_BUFFER_ALIGNMENT 64

/* Large buffers do not come from the malloc heap. There, small long-lived
 * allocations made between two large ones (binding wrappers, graph nodes)
 * carve up every freed large block, so the next one cannot reuse it and the
 * heap grows by a block per iteration: 2.9 GiB over DeZero's step-17 loop
 * in GJS. Mapped separately, a large block cannot be carved up; and a small
 * cache of freed blocks spares the page faults of mapping fresh memory for
 * each array, which dominate loops over arrays of this size. */
#define LARGE_BUFFER_BYTES (64 * 1024)
#define CACHE_MAX_BLOCKS 32
#define CACHE_MAX_BYTES (64 * 1024 * 1024)

typedef struct
{
  void *block;
  gsize bytes;
} CachedBlock;

static GMutex cache_lock;
static CachedBlock cache[CACHE_MAX_BLOCKS];
static guint cache_len;
static gsize cache_bytes;

static gsize
mapped_size (gsize n_values)
{
  gsize page = (gsize) sysconf (_SC_PAGESIZE);

  return (n_values * sizeof (double) + page - 1) / page * page;
}

static void *
take_cached (gsize bytes)
{
  void *block = NULL;

  g_mutex_lock (&cache_lock);
  /* Most recently freed first: its pages are the likeliest to be hot. */
  for (guint i = cache_len; i > 0; i--)
    if (cache[i - 1].bytes == bytes)
      {
        block = cache[i - 1].block;
        cache_bytes -= bytes;
        cache[i - 1] = cache[--cache_len];
        break;
      }
  g_mutex_unlock (&cache_lock);

  return block;
}

static void
give_back (void  *block,
           gsize  bytes)
{
  void *evicted = NULL;
  gsize evicted_bytes = 0;

  if (bytes > CACHE_MAX_BYTES / 4)
    {
      munmap (block, bytes);
      return;
    }

  g_mutex_lock (&cache_lock);
  if (cache_len == CACHE_MAX_BLOCKS || cache_bytes + bytes > CACHE_MAX_BYTES)
    {
      /* Evict the oldest. */
      evicted = cache[0].block;
      evicted_bytes = cache[0].bytes;
      cache_bytes -= evicted_bytes;
      memmove (&cache[0], &cache[1], (cache_len - 1) * sizeof (CachedBlock));
      cache_len--;
    }
  while (cache_len > 0 && cache_bytes + bytes > CACHE_MAX_BYTES)
    {
      munmap (cache[0].block, cache[0].bytes);
      cache_bytes -= cache[0].bytes;
      memmove (&cache[0], &cache[1], (cache_len - 1) * sizeof (CachedBlock));
      cache_len--;
    }
  cache[cache_len].block = block;
  cache[cache_len].bytes = bytes;
  cache_len++;
  cache_bytes += bytes;
  g_mutex_unlock (&cache_lock);

  if (evicted != NULL)
    munmap (evicted, evicted_bytes);
}

double *
dz_buffer_alloc (gsize    n_values,
                 GError **error)
{
  void *buffer = NULL;
  int res;

  if (n_values > G_MAXSIZE / sizeof (double) / 2)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_TOO_LARGE,
                   "An array of %" G_GSIZE_FORMAT " values does not fit in memory",
                   n_values);
      return NULL;
    }

  if (n_values * sizeof (double) >= LARGE_BUFFER_BYTES)
    {
      gsize bytes = mapped_size (n_values);

      buffer = take_cached (bytes);
      if (buffer != NULL)
        return buffer;

      /* Pages are aligned far beyond DZ_BUFFER_ALIGNMENT. */
      buffer = mmap (NULL, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (buffer != MAP_FAILED)
        return buffer;

      g_set_error (error, DZ_ERROR, DZ_ERROR_TOO_LARGE,
                   "Cannot allocate an array of %" G_GSIZE_FORMAT " values (%s)",
                   n_values, g_strerror (errno));
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
  if (buffer == NULL)
    return;

  if (n_values * sizeof (double) >= LARGE_BUFFER_BYTES)
    give_back (buffer, mapped_size (n_values));
  else
    free (buffer);
}
