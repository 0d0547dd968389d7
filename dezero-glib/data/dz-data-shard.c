/* dz-data-shard.c: one rank's part of an epoch, as DistributedSampler
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-data-private.h"

/* Every rank drew the same order (the same seed). Padded by wrapping
 * around to ceil(n / count) positions per rank, so that all take the same
 * number of steps (a rank with one batch fewer would leave the others
 * waiting in an all-reduce), then rank i takes positions i, i + count...:
 * PyTorch's DistributedSampler with drop_last=False. */
void
dz_data_shard (gsize **indices,
               gsize  *n_indices,
               guint   count,
               guint   index)
{
  gsize n = *n_indices;
  gsize per_shard = n / count + (n % count != 0);
  gsize *shard;

  g_assert (index < count);

  if (n == 0)
    return;
  shard = g_new (gsize, per_shard);
  for (gsize j = 0; j < per_shard; j++)
    shard[j] = (*indices)[(index + j * count) % n];
  g_free (*indices);
  *indices = shard;
  *n_indices = per_shard;
}
