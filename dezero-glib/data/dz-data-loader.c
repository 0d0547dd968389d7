/* dz-data-loader.c: batches from a dataset, epoch after epoch
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "dz-error.h"
#include "dz-data-loader.h"
#include "dz-data-private.h"

/**
 * DzDataLoader:
 *
 * Cuts a #DzDataset into batches, as DeZero's `DataLoader`: each call to
 * dz_data_loader_next() gives the inputs and labels of the next
 * `batch-size` samples stacked along a new first axis, until the epoch
 * ends; then it returns %FALSE once and starts the next epoch, in a new
 * order when shuffling.
 *
 * The order comes from a #DzGenerator of its own seeded with
 * #DzDataLoader:seed, so a run is reproducible (DeZero draws from NumPy's
 * global generator instead). A dataset held as arrays (see
 * dz_dataset_get_arrays()) is gathered with one copy per row, and without
 * shuffling a batch shares the dataset's storage; its built-in transforms
 * (#DzTransform) run once on the whole batch. Other datasets give their
 * batches with #DzDatasetClass.get_batch, or sample by sample (see
 * dz_dataset_get_batch()).
 *
 * For data-parallel training (see #DzCommunicator), each of
 * #DzDataLoader:shard-count loaders, one per rank and all with the same
 * seed, sees its own part of every epoch, as with PyTorch's
 * `DistributedSampler`: they draw the same order, pad it by repeating its
 * first samples to a multiple of the count (so that every rank takes the
 * same number of steps), and loader i takes positions i, i + count,
 * i + 2·count… of it.
 */
struct _DzDataLoader
{
  GObject parent_instance;

  DzDataset *dataset;
  gsize batch_size;
  gboolean shuffle;
  guint64 seed;
  gboolean drop_last;
  gboolean sequential;
  guint shard_count;
  guint shard_index;

  DzGenerator *generator;
  /* The epoch's order (this shard's part of it) over the dataset's length
   * at the last reset. */
  gsize *indices;
  gsize n_samples;
  gsize dataset_length;
  gsize iteration;
};

G_DEFINE_FINAL_TYPE (DzDataLoader, dz_data_loader, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_DATASET,
  PROP_BATCH_SIZE,
  PROP_SHUFFLE,
  PROP_SEED,
  PROP_DROP_LAST,
  PROP_SEQUENTIAL,
  PROP_SHARD_COUNT,
  PROP_SHARD_INDEX,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* np.random.permutation's shuffle: Fisher-Yates from the end. */
void
dz_data_permute (DzGenerator *generator,
                 gsize       *indices,
                 gsize        n_indices)
{
  gsize i;

  for (i = n_indices; i > 1; i--)
    {
      gsize k = (gsize) (dz_generator_next_uniform (generator) * i);
      gsize tmp = indices[i - 1];

      indices[i - 1] = indices[k];
      indices[k] = tmp;
    }
}

static void
dz_data_loader_constructed (GObject *object)
{
  DzDataLoader *self = DZ_DATA_LOADER (object);

  G_OBJECT_CLASS (dz_data_loader_parent_class)->constructed (object);

  self->generator = dz_generator_new (self->seed);
  if (self->dataset == NULL)
    {
      g_critical ("A DzDataLoader needs a dataset");
      return;
    }
  if (self->shard_index >= self->shard_count)
    {
      g_critical ("A DzDataLoader's shard-index (%u) must be less than its shard-count (%u)",
                  self->shard_index, self->shard_count);
      self->shard_count = 1;
      self->shard_index = 0;
    }
  dz_data_loader_reset (self);
}

static void
dz_data_loader_finalize (GObject *object)
{
  DzDataLoader *self = DZ_DATA_LOADER (object);

  g_clear_object (&self->dataset);
  g_clear_object (&self->generator);
  g_free (self->indices);

  G_OBJECT_CLASS (dz_data_loader_parent_class)->finalize (object);
}

static void
dz_data_loader_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  DzDataLoader *self = DZ_DATA_LOADER (object);

  switch (prop_id)
    {
    case PROP_DATASET:
      g_value_set_object (value, self->dataset);
      break;
    case PROP_BATCH_SIZE:
      g_value_set_uint64 (value, self->batch_size);
      break;
    case PROP_SHUFFLE:
      g_value_set_boolean (value, self->shuffle);
      break;
    case PROP_SEED:
      g_value_set_uint64 (value, self->seed);
      break;
    case PROP_DROP_LAST:
      g_value_set_boolean (value, self->drop_last);
      break;
    case PROP_SEQUENTIAL:
      g_value_set_boolean (value, self->sequential);
      break;
    case PROP_SHARD_COUNT:
      g_value_set_uint (value, self->shard_count);
      break;
    case PROP_SHARD_INDEX:
      g_value_set_uint (value, self->shard_index);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_data_loader_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  DzDataLoader *self = DZ_DATA_LOADER (object);

  switch (prop_id)
    {
    case PROP_DATASET:
      self->dataset = g_value_dup_object (value);
      break;
    case PROP_BATCH_SIZE:
      self->batch_size = g_value_get_uint64 (value);
      break;
    case PROP_SHUFFLE:
      self->shuffle = g_value_get_boolean (value);
      break;
    case PROP_SEED:
      self->seed = g_value_get_uint64 (value);
      break;
    case PROP_DROP_LAST:
      dz_data_loader_set_drop_last (self, g_value_get_boolean (value));
      break;
    case PROP_SEQUENTIAL:
      self->sequential = g_value_get_boolean (value);
      break;
    case PROP_SHARD_COUNT:
      self->shard_count = g_value_get_uint (value);
      break;
    case PROP_SHARD_INDEX:
      self->shard_index = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_data_loader_class_init (DzDataLoaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = dz_data_loader_constructed;
  object_class->finalize = dz_data_loader_finalize;
  object_class->get_property = dz_data_loader_get_property;
  object_class->set_property = dz_data_loader_set_property;

  /**
   * DzDataLoader:dataset:
   *
   * The dataset the batches are taken from.
   */
  properties[PROP_DATASET] =
    g_param_spec_object ("dataset", NULL, NULL, DZ_TYPE_DATASET,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzDataLoader:batch-size:
   *
   * The number of samples in a batch; the last batch of an epoch may
   * have fewer (see #DzDataLoader:drop-last).
   */
  properties[PROP_BATCH_SIZE] =
    g_param_spec_uint64 ("batch-size", NULL, NULL, 1, G_MAXSIZE, 1,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzDataLoader:shuffle:
   *
   * Whether each epoch visits the samples in a new random order rather
   * than in the dataset's.
   */
  properties[PROP_SHUFFLE] =
    g_param_spec_boolean ("shuffle", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzDataLoader:seed:
   *
   * The seed of the generator the orders are drawn from.
   */
  properties[PROP_SEED] =
    g_param_spec_uint64 ("seed", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzDataLoader:drop-last:
   *
   * Whether an epoch leaves out its last batch when it would have fewer
   * than #DzDataLoader:batch-size samples, as PyTorch's `drop_last`
   * (DeZero always keeps it).
   */
  properties[PROP_DROP_LAST] =
    g_param_spec_boolean ("drop-last", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzDataLoader:sequential:
   *
   * Whether the loader cuts the dataset into #DzDataLoader:batch-size
   * parallel streams for truncated backpropagation through time, as
   * DeZero's `SeqDataLoader`: with `jump` the length divided by the batch
   * size, batch `k` of an epoch holds the samples `(i jump + k) % length`
   * for `i` in `[0, batch-size)`, so that row `i` of consecutive batches
   * walks the series one step at a time. Every batch is full; an epoch
   * has the length divided by the batch size, rounded up, batches.
   * #DzDataLoader:shuffle and #DzDataLoader:shard-count are then ignored.
   */
  properties[PROP_SEQUENTIAL] =
    g_param_spec_boolean ("sequential", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzDataLoader:shard-count:
   *
   * Into how many disjoint parts each epoch is cut, one per loader (the
   * ranks of a #DzCommunicator); 1 for the whole epoch. An epoch of a
   * shard has ceil(length / shard-count) samples: a few of the first
   * ones are repeated when the count does not divide the length.
   */
  properties[PROP_SHARD_COUNT] =
    g_param_spec_uint ("shard-count", NULL, NULL, 1, G_MAXUINT, 1,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                       G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DzDataLoader:shard-index:
   *
   * Which part of each epoch this loader gives, from 0 to
   * #DzDataLoader:shard-count - 1 (the rank of a #DzCommunicator).
   */
  properties[PROP_SHARD_INDEX] =
    g_param_spec_uint ("shard-index", NULL, NULL, 0, G_MAXUINT - 1, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                       G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dz_data_loader_init (DzDataLoader *self)
{
  self->shard_count = 1;
}

/**
 * dz_data_loader_new:
 * @dataset: the dataset to take batches from
 * @batch_size: the number of samples in a batch, at least 1
 * @shuffle: whether each epoch visits the samples in a new random order
 * @seed: the seed of the generator the orders are drawn from
 *
 * Creates a loader positioned at the start of its first epoch.
 *
 * Returns: (transfer full): a new #DzDataLoader
 */
DzDataLoader *
dz_data_loader_new (DzDataset *dataset,
                    gsize      batch_size,
                    gboolean   shuffle,
                    guint64    seed)
{
  g_return_val_if_fail (DZ_IS_DATASET (dataset), NULL);
  g_return_val_if_fail (batch_size > 0, NULL);

  return g_object_new (DZ_TYPE_DATA_LOADER,
                       "dataset", dataset,
                       "batch-size", (guint64) batch_size,
                       "shuffle", shuffle,
                       "seed", seed,
                       NULL);
}

/**
 * dz_data_loader_new_sequential:
 * @dataset: the series to take batches from
 * @batch_size: the number of parallel streams, at least 1
 *
 * Creates a loader for truncated backpropagation through time, as
 * DeZero's `SeqDataLoader(dataset, batch_size)` (see
 * #DzDataLoader:sequential).
 *
 * Returns: (transfer full): a new #DzDataLoader
 */
DzDataLoader *
dz_data_loader_new_sequential (DzDataset *dataset,
                               gsize      batch_size)
{
  g_return_val_if_fail (DZ_IS_DATASET (dataset), NULL);
  g_return_val_if_fail (batch_size > 0, NULL);

  return g_object_new (DZ_TYPE_DATA_LOADER,
                       "dataset", dataset,
                       "batch-size", (guint64) batch_size,
                       "shuffle", FALSE,
                       "sequential", TRUE,
                       NULL);
}

/**
 * dz_data_loader_get_sequential:
 * @self: a #DzDataLoader
 *
 * Returns whether the loader gives parallel streams of a series.
 *
 * Returns: whether the loader is sequential (see #DzDataLoader:sequential)
 */
gboolean
dz_data_loader_get_sequential (DzDataLoader *self)
{
  g_return_val_if_fail (DZ_IS_DATA_LOADER (self), FALSE);

  return self->sequential;
}

/**
 * dz_data_loader_reset:
 * @self: a #DzDataLoader
 *
 * Starts a new epoch, drawing a new order when shuffling, as DeZero's
 * `reset()`. dz_data_loader_next() does it by itself at the end of an
 * epoch; call it to restart early, or after the dataset changed length.
 */
void
dz_data_loader_reset (DzDataLoader *self)
{
  gsize i;

  g_return_if_fail (DZ_IS_DATA_LOADER (self));

  self->iteration = 0;
  self->dataset_length = self->n_samples = dz_dataset_get_length (self->dataset);
  self->indices = g_renew (gsize, self->indices, self->n_samples);
  for (i = 0; i < self->n_samples; i++)
    self->indices[i] = i;
  if (self->shuffle && !self->sequential)
    dz_data_permute (self->generator, self->indices, self->n_samples);
  /* A sequential loader's streams cover the whole series: not sharded. */
  if (self->shard_count > 1 && !self->sequential)
    dz_data_shard (&self->indices, &self->n_samples, self->shard_count, self->shard_index);
}

/**
 * dz_data_loader_get_n_batches:
 * @self: a #DzDataLoader
 *
 * Returns the number of batches in an epoch (DeZero's `max_iter`): the
 * dataset's length (or its shard's, see #DzDataLoader:shard-count)
 * divided by the batch size, rounded up, or down with
 * #DzDataLoader:drop-last.
 *
 * Returns: the number of batches per epoch
 */
gsize
dz_data_loader_get_n_batches (DzDataLoader *self)
{
  g_return_val_if_fail (DZ_IS_DATA_LOADER (self), 0);

  if (self->drop_last && !self->sequential)
    return self->n_samples / self->batch_size;
  return self->n_samples / self->batch_size + (self->n_samples % self->batch_size != 0);
}

/**
 * dz_data_loader_next:
 * @self: a #DzDataLoader
 * @x: (out) (transfer full) (optional) (nullable): the batch's inputs, of
 *   shape (batch, sample shape…), or %NULL at the end of the epoch
 * @t: (out) (transfer full) (optional) (nullable): the batch's labels, or
 *   %NULL at the end of the epoch or for a dataset without labels
 * @error: return location for a #GError
 *
 * Gives the next batch of the epoch, as DeZero's `next(loader)`. At the
 * end of an epoch it returns %FALSE without setting @error and starts the
 * next one (see dz_data_loader_reset()), so that
 * `while (dz_data_loader_next (loader, &x, &t, &error))` walks one epoch.
 *
 * Returns: %TRUE with a batch; %FALSE at the end of an epoch or with
 *   @error set (%DZ_ERROR_SIZE_MISMATCH when the dataset changed length
 *   in the middle of an epoch, or a dataset's own error)
 */
gboolean
dz_data_loader_next (DzDataLoader  *self,
                     DzArray      **x,
                     DzArray      **t,
                     GError       **error)
{
  g_autoptr(DzArray) x_batch = NULL;
  g_autoptr(DzArray) t_batch = NULL;
  g_autofree gsize *streams = NULL;
  const gsize *indices;
  gsize start, count;

  g_return_val_if_fail (DZ_IS_DATA_LOADER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (x != NULL)
    *x = NULL;
  if (t != NULL)
    *t = NULL;

  if (self->iteration >= dz_data_loader_get_n_batches (self))
    {
      dz_data_loader_reset (self);
      return FALSE;
    }

  if (self->sequential)
    {
      gsize jump = self->n_samples / self->batch_size;

      count = self->batch_size;
      indices = streams = g_new (gsize, count);
      for (gsize i = 0; i < count; i++)
        streams[i] = (i * jump + self->iteration) % self->n_samples;
    }
  else
    {
      start = self->iteration * self->batch_size;
      count = MIN (self->batch_size, self->n_samples - start);
      indices = self->indices + start;
    }

  if (dz_dataset_get_length (self->dataset) != self->dataset_length)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_SIZE_MISMATCH,
                   "The dataset has %" G_GSIZE_FORMAT " samples, not the %" G_GSIZE_FORMAT
                   " the epoch started with; reset the loader",
                   dz_dataset_get_length (self->dataset), self->dataset_length);
      return FALSE;
    }

  if (!dz_dataset_get_batch (self->dataset, indices, count, &x_batch, &t_batch, error))
    return FALSE;

  self->iteration++;
  if (x != NULL)
    *x = g_steal_pointer (&x_batch);
  if (t != NULL)
    *t = g_steal_pointer (&t_batch);
  return TRUE;
}

/**
 * dz_data_loader_get_shard_count:
 * @self: a #DzDataLoader
 *
 * Returns into how many parts each epoch is cut.
 *
 * Returns: the number of shards (see #DzDataLoader:shard-count)
 */
guint
dz_data_loader_get_shard_count (DzDataLoader *self)
{
  g_return_val_if_fail (DZ_IS_DATA_LOADER (self), 1);

  return self->shard_count;
}

/**
 * dz_data_loader_get_shard_index:
 * @self: a #DzDataLoader
 *
 * Returns which part of each epoch this loader gives.
 *
 * Returns: the shard's index (see #DzDataLoader:shard-index)
 */
guint
dz_data_loader_get_shard_index (DzDataLoader *self)
{
  g_return_val_if_fail (DZ_IS_DATA_LOADER (self), 0);

  return self->shard_index;
}

/**
 * dz_data_loader_get_dataset:
 * @self: a #DzDataLoader
 *
 * Returns the dataset the batches are taken from.
 *
 * Returns: (transfer none): the dataset (see #DzDataLoader:dataset)
 */
DzDataset *
dz_data_loader_get_dataset (DzDataLoader *self)
{
  g_return_val_if_fail (DZ_IS_DATA_LOADER (self), NULL);

  return self->dataset;
}

/**
 * dz_data_loader_get_batch_size:
 * @self: a #DzDataLoader
 *
 * Returns the number of samples in a full batch.
 *
 * Returns: the batch size (see #DzDataLoader:batch-size)
 */
gsize
dz_data_loader_get_batch_size (DzDataLoader *self)
{
  g_return_val_if_fail (DZ_IS_DATA_LOADER (self), 0);

  return self->batch_size;
}

/**
 * dz_data_loader_get_shuffle:
 * @self: a #DzDataLoader
 *
 * Returns whether each epoch visits the samples in a new order.
 *
 * Returns: whether epochs are shuffled (see #DzDataLoader:shuffle)
 */
gboolean
dz_data_loader_get_shuffle (DzDataLoader *self)
{
  g_return_val_if_fail (DZ_IS_DATA_LOADER (self), FALSE);

  return self->shuffle;
}

/**
 * dz_data_loader_get_drop_last:
 * @self: a #DzDataLoader
 *
 * Returns whether an epoch leaves out a short last batch.
 *
 * Returns: whether a short last batch is left out (see
 *   #DzDataLoader:drop-last)
 */
gboolean
dz_data_loader_get_drop_last (DzDataLoader *self)
{
  g_return_val_if_fail (DZ_IS_DATA_LOADER (self), FALSE);

  return self->drop_last;
}

/**
 * dz_data_loader_set_drop_last:
 * @self: a #DzDataLoader
 * @drop_last: whether to leave out a short last batch
 *
 * Sets #DzDataLoader:drop-last; it takes effect at once on the number of
 * batches left in the epoch.
 */
void
dz_data_loader_set_drop_last (DzDataLoader *self,
                              gboolean      drop_last)
{
  g_return_if_fail (DZ_IS_DATA_LOADER (self));

  drop_last = !!drop_last;
  if (self->drop_last == drop_last)
    return;
  self->drop_last = drop_last;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DROP_LAST]);
}
