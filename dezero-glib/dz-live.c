/* dz-live.c
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-live-private.h"

_Thread_local DzLiveShard *dz_live_shard;
gint dz_live_tracking_peaks;

/* The shared counters, used once peaks are tracked; the peaks; and the
 * total of the shards when tracking began, constant from then on. */
static gint shared_counts[3];
static gint peaks[3];
static gint shard_total_at_reset[3];

/* Every thread's shard, and the counts of threads gone. */
static GMutex shards_lock;
static DzLiveShard *shards;
static gint retired_counts[3];

static void
retire_shard (gpointer data)
{
  DzLiveShard *shard = data;

  g_mutex_lock (&shards_lock);
  for (DzLiveShard **link = &shards; *link != NULL; link = &(*link)->next)
    if (*link == shard)
      {
        *link = shard->next;
        break;
      }
  for (guint i = 0; i < G_N_ELEMENTS (retired_counts); i++)
    retired_counts[i] += shard->counts[i];
  g_mutex_unlock (&shards_lock);

  dz_live_shard = NULL;
  g_free (shard);
}

/* Folds a thread's counts into the retired ones when the thread ends. */
static GPrivate shard_owner = G_PRIVATE_INIT (retire_shard);

DzLiveShard *
dz_live_shard_new (void)
{
  DzLiveShard *shard = g_new0 (DzLiveShard, 1);

  g_mutex_lock (&shards_lock);
  shard->next = shards;
  shards = shard;
  g_mutex_unlock (&shards_lock);

  g_private_set (&shard_owner, shard);
  dz_live_shard = shard;
  return shard;
}

/* The shards' total, with shards_lock held. */
static gint
shard_total (DzLiveKind kind)
{
  gint total = retired_counts[kind];

  for (DzLiveShard *shard = shards; shard != NULL; shard = shard->next)
    total += __atomic_load_n (&shard->counts[kind], __ATOMIC_RELAXED);
  return total;
}

void
dz_live_add_tracked (DzLiveKind kind,
                     gint       delta)
{
  gint now = g_atomic_int_add (&shared_counts[kind], delta) + delta + shard_total_at_reset[kind];
  gint peak;

  while (now > (peak = g_atomic_int_get (&peaks[kind])) &&
         !g_atomic_int_compare_and_exchange (&peaks[kind], peak, now))
    ;
}

/**
 * dz_live_count:
 * @kind: which kind of object to count
 *
 * Returns how many objects of @kind in the whole process still hold their
 * contents: initialized and not yet disposed. In C that is the same as not
 * yet finalized, since an object is disposed when its last reference goes.
 * An object emptied early by a closing #DzScope (or g_object_run_dispose())
 * no longer counts: it holds no data and no references, only its small
 * instance, freed when the last language-binding wrapper is collected.
 *
 * Tests use it to prove that a graph is released when its last owner lets
 * go: after dropping every reference, all three counts are back to what they
 * were before the graph was built.
 *
 * Returns: the number of live objects of @kind
 */
guint
dz_live_count (DzLiveKind kind)
{
  gint total;

  g_return_val_if_fail (kind <= DZ_LIVE_FUNCTION, 0);

  g_mutex_lock (&shards_lock);
  total = shard_total (kind) + g_atomic_int_get (&shared_counts[kind]);
  g_mutex_unlock (&shards_lock);

  return (guint) MAX (total, 0);
}

/**
 * dz_live_peak:
 * @kind: which kind of object to count
 *
 * Returns the highest value dz_live_count() reached for @kind since
 * dz_live_reset_peak() was last called: how many objects a computation
 * needed at once. Peaks are measured only from the first call to
 * dz_live_reset_peak() on, which spares every object construction an
 * atomic operation in programs that never ask; before it, this returns 0.
 *
 * Returns: the peak number of live objects of @kind
 */
guint
dz_live_peak (DzLiveKind kind)
{
  g_return_val_if_fail (kind <= DZ_LIVE_FUNCTION, 0);

  return (guint) MAX (g_atomic_int_get (&peaks[kind]), 0);
}

/**
 * dz_live_reset_peak:
 *
 * Starts measuring dz_live_peak() anew, from the current counts.
 */
void
dz_live_reset_peak (void)
{
  g_mutex_lock (&shards_lock);
  if (!g_atomic_int_get (&dz_live_tracking_peaks))
    {
      /* From now on the shards stay as they are. */
      for (guint i = 0; i < G_N_ELEMENTS (shard_total_at_reset); i++)
        shard_total_at_reset[i] = shard_total (i);
      g_atomic_int_set (&dz_live_tracking_peaks, 1);
    }
  for (guint i = 0; i < G_N_ELEMENTS (peaks); i++)
    g_atomic_int_set (&peaks[i], shard_total_at_reset[i] + g_atomic_int_get (&shared_counts[i]));
  g_mutex_unlock (&shards_lock);
}
