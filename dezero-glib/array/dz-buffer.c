/* dz-buffer.c: aligned float64 buffers and the storage that owns them
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
#define SMALL_BUFFER_BYTES 512

/* Large buffers do not come from the malloc heap. There, small long-lived
 * allocations made between two large ones (binding wrappers, graph nodes)
 * carve up every freed large block, so the next one cannot reuse it and the
 * heap grows by a block per iteration: 2.9 GiB over DeZero's step-17 loop
 * in GJS. Mapped separately, a large block cannot be carved up; and a small
 * cache of freed blocks spares the page faults of mapping fresh memory for
 * each array, which dominate loops over arrays of this size. */
#define LARGE_BUFFER_BYTES (64 * 1024)
/* From this size on, blocks are aligned to and advised for transparent huge
 * pages: 512 times fewer page faults on first touch, which is most of the
 * cost of a fresh 80 MB result (NumPy does the same). */
#define HUGE_PAGE_BYTES (2 * 1024 * 1024)
#define HUGE_BUFFER_BYTES (4 * 1024 * 1024)
#define CACHE_MAX_BLOCKS 32
/* Beyond this a buffer cannot exist at all (DZ_ERROR_TOO_LARGE), whatever
 * the memory available; below it, failing to get one is
 * DZ_ERROR_NO_MEMORY. 64-bit Linux gives processes 47 bits of addresses. */
#if GLIB_SIZEOF_VOID_P == 8
# define MAX_BUFFER_BYTES (G_GUINT64_CONSTANT (1) << 47)
#else
# define MAX_BUFFER_BYTES (G_MAXSIZE / 2)
#endif
#define CACHE_MAX_BYTES (128 * 1024 * 1024)

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
mapped_size (gsize bytes)
{
  gsize page = bytes >= HUGE_BUFFER_BYTES ? HUGE_PAGE_BYTES : (gsize) sysconf (_SC_PAGESIZE);

  return (bytes + page - 1) / page * page;
}

/* A fresh mapping of @bytes (a multiple of the page size used for it). */
static void *
map_block (gsize bytes)
{
  guint8 *block, *aligned;
  gsize slack;

  if (bytes < HUGE_BUFFER_BYTES)
    {
      block = mmap (NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      return block == MAP_FAILED ? NULL : block;
    }

  /* Over-map by one huge page and trim, so the block starts on one. */
  block = mmap (NULL, bytes + HUGE_PAGE_BYTES, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (block == MAP_FAILED)
    return NULL;
  aligned = (guint8 *) (((guintptr) block + HUGE_PAGE_BYTES - 1) & ~(guintptr) (HUGE_PAGE_BYTES - 1));
  slack = aligned - block;
  if (slack > 0)
    munmap (block, slack);
  if (HUGE_PAGE_BYTES - slack > 0)
    munmap (aligned + bytes, HUGE_PAGE_BYTES - slack);
#ifdef MADV_HUGEPAGE
  madvise (aligned, bytes, MADV_HUGEPAGE);
#endif
  return aligned;
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

  if (bytes > CACHE_MAX_BYTES)
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

void *
dz_buffer_alloc (gsize    n_bytes,
                 GError **error)
{
  void *buffer = NULL;
  int res;

  if (n_bytes > MAX_BUFFER_BYTES)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_TOO_LARGE,
                   "An array of %" G_GSIZE_FORMAT " bytes does not fit in the "
                   "address space", n_bytes);
      return NULL;
    }

  if (n_bytes >= LARGE_BUFFER_BYTES)
    {
      gsize bytes = mapped_size (n_bytes);

      buffer = take_cached (bytes);
      if (buffer != NULL)
        return buffer;

      /* Pages are aligned far beyond DZ_BUFFER_ALIGNMENT. */
      buffer = map_block (bytes);
      if (buffer != NULL)
        return buffer;

      g_set_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY,
                   "Cannot allocate an array of %" G_GSIZE_FORMAT " bytes (%s)",
                   n_bytes, g_strerror (errno));
      return NULL;
    }

  /* Small arrays (a classifier's logits, a bias) take malloc's 16-byte
   * alignment: posix_memalign costs twice as much, and the kernels load
   * unaligned anyway. Cache-line alignment matters for large rows. */
  if (n_bytes <= SMALL_BUFFER_BYTES)
    {
      buffer = malloc (MAX (n_bytes, 1));
      res = buffer != NULL ? 0 : ENOMEM;
    }
  else
    res = posix_memalign (&buffer, DZ_BUFFER_ALIGNMENT, n_bytes);
  if (res != 0)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY,
                   "Cannot allocate an array of %" G_GSIZE_FORMAT " bytes (%s)",
                   n_bytes, g_strerror (res));
      return NULL;
    }

  return buffer;
}

void
dz_buffer_free (void  *buffer,
                gsize  n_bytes)
{
  if (buffer == NULL)
    return;

  if (n_bytes >= LARGE_BUFFER_BYTES)
    give_back (buffer, mapped_size (n_bytes));
  else
    free (buffer);
}

/* Unmaps every cached block: see dz_array_trim_cache(). */
void
dz_buffer_trim (void)
{
  g_mutex_lock (&cache_lock);
  while (cache_len > 0)
    {
      cache_len--;
      munmap (cache[cache_len].block, cache[cache_len].bytes);
    }
  cache_bytes = 0;
  g_mutex_unlock (&cache_lock);
}

DzStorage *
dz_storage_new (gsize    n_bytes,
                GError **error)
{
  void *buffer = dz_buffer_alloc (n_bytes, error);
  DzStorage *self;

  if (buffer == NULL)
    return NULL;

  self = g_new (DzStorage, 1);
  self->ref_count = 1;
  self->data = buffer;
  self->n_bytes = n_bytes;
  self->bytes = NULL;
  return self;
}

/* The caller checked that @bytes is aligned for its dtype. */
DzStorage *
dz_storage_new_borrowed (GBytes *bytes)
{
  DzStorage *self = g_new (DzStorage, 1);

  self->ref_count = 1;
  self->data = (void *) g_bytes_get_data (bytes, &self->n_bytes);
  self->bytes = g_bytes_ref (bytes);
  return self;
}

DzStorage *
dz_storage_ref (DzStorage *self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
dz_storage_unref (DzStorage *self)
{
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;

  if (self->bytes != NULL)
    g_bytes_unref (self->bytes);
  else
    dz_buffer_free (self->data, self->n_bytes);
  g_free (self);
}

/* Zero-copy bytes of @n_bytes from @offset that keep the storage, not the
 * array, alive. */
GBytes *
dz_storage_get_bytes (DzStorage *self,
                      gsize      offset,
                      gsize      n_bytes)
{
  if (self->bytes != NULL)
    return offset == 0 && n_bytes == self->n_bytes
           ? g_bytes_ref (self->bytes)
           : g_bytes_new_from_bytes (self->bytes, offset, n_bytes);

  return g_bytes_new_with_free_func ((guint8 *) self->data + offset, n_bytes,
                                     (GDestroyNotify) dz_storage_unref,
                                     dz_storage_ref (self));
}
