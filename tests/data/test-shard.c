/* test-shard.c: DzDataLoader's shards, as DistributedSampler's: the
 * loaders of one seed cut every epoch into disjoint parts of equal size
 *
 * SPDX-License-Identifier: MIT
 */

#include "dz-test-utils.h"

/* A dataset whose sample i is the value i. */
static DzDataset *
counting_dataset (gsize n)
{
  g_autofree double *values = g_new (double, n);
  g_autoptr(DzArray) x = NULL;

  for (gsize i = 0; i < n; i++)
    values[i] = i;
  x = dz_array_new_from_values (values, n, (gsize[]) { n }, 1, NULL);
  return dz_dataset_new (x, NULL, NULL);
}

static DzDataLoader *
shard_loader (DzDataset *dataset,
              gsize      batch_size,
              gboolean   shuffle,
              guint      count,
              guint      index)
{
  return g_object_new (DZ_TYPE_DATA_LOADER, "dataset", dataset, "batch-size", (guint64) batch_size,
                       "shuffle", shuffle, "seed", (guint64) 7, "shard-count", count,
                       "shard-index", index, NULL);
}

/* Each sample's count over the shards' epoch; the samples each shard saw. */
static void
run_epoch (DzDataLoader *loader,
           guint        *counts,
           gsize        *seen)
{
  g_autoptr(GError) error = NULL;
  DzArray *x;

  *seen = 0;
  while (dz_data_loader_next (loader, &x, NULL, &error))
    {
      for (gsize i = 0; i < dz_array_get_size (x); i++)
        counts[(gsize) dz_array_get_value (x, i)]++;
      *seen += dz_array_get_size (x);
      g_object_unref (x);
    }
  g_assert_no_error (error);
}

static void
check_shards (gsize    n,
              guint    count,
              gboolean shuffle)
{
  g_autoptr(DzDataset) dataset = counting_dataset (n);
  g_autofree guint *counts = g_new0 (guint, n);
  g_autofree guint *first_epoch = g_new0 (guint, n);
  gsize per_shard = (n + count - 1) / count, padding = per_shard * count - n, twice = 0;

  for (guint epoch = 0; epoch < 2; epoch++)
    {
      memset (counts, 0, n * sizeof *counts);
      for (guint index = 0; index < count; index++)
        {
          g_autoptr(DzDataLoader) loader = shard_loader (dataset, 3, shuffle, count, index);
          gsize seen;

          g_assert_cmpuint (dz_data_loader_get_shard_count (loader), ==, count);
          g_assert_cmpuint (dz_data_loader_get_shard_index (loader), ==, index);
          g_assert_cmpuint (dz_data_loader_get_n_batches (loader), ==, (per_shard + 2) / 3);
          /* The second time round, the loaders' second epochs: a new
           * order, still shared by the shards. */
          if (epoch == 1)
            run_epoch (loader, first_epoch, &seen);
          run_epoch (loader, counts, &seen);
          g_assert_cmpuint (seen, ==, per_shard);
        }
      twice = 0;
      for (gsize i = 0; i < n; i++)
        {
          g_assert_cmpuint (counts[i], >=, 1);
          g_assert_cmpuint (counts[i], <=, 2);
          twice += counts[i] == 2;
        }
      g_assert_cmpuint (twice, ==, padding);
    }
}

static void
test_shards_cover_epoch (void)
{
  check_shards (10, 1, TRUE);
  check_shards (10, 2, TRUE);
  check_shards (10, 3, TRUE);
  check_shards (10, 3, FALSE);
  check_shards (7, 4, TRUE);
  check_shards (2, 3, TRUE);
  dz_assert_no_live_objects ();
}

/* Without shuffling, shard i takes positions i, i + count... */
static void
test_shard_order (void)
{
  {
  g_autoptr(DzDataset) dataset = counting_dataset (7);
  g_autoptr(DzDataLoader) loader = shard_loader (dataset, 10, FALSE, 3, 1);
  g_autoptr(DzArray) x = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (dz_data_loader_next (loader, &x, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dz_array_get_size (x), ==, 3);
  g_assert_cmpfloat (dz_array_get_value (x, 0), ==, 1);
  g_assert_cmpfloat (dz_array_get_value (x, 1), ==, 4);
  /* Position 7 wraps around to the first sample. */
  g_assert_cmpfloat (dz_array_get_value (x, 2), ==, 0);
  }
  dz_assert_no_live_objects ();
}

static void
test_shard_index_out_of_range (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(DzDataset) dataset = counting_dataset (4);
      g_autoptr(DzDataLoader) loader = shard_loader (dataset, 2, FALSE, 2, 2);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*shard-index (2) must be less than its shard-count (2)*");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/data/shard/cover-epoch", test_shards_cover_epoch);
  g_test_add_func ("/data/shard/order", test_shard_order);
  g_test_add_func ("/data/shard/index-out-of-range", test_shard_index_out_of_range);
  return g_test_run ();
}
