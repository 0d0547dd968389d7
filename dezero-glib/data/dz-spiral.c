/* dz-spiral.c: DeZero's spiral toy dataset
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>

#include "dz-spiral.h"
#include "dz-data-private.h"

/* DeZero's get_spiral(): three arms of 100 points in the plane. */
#define SPIRAL_NUM_DATA  100
#define SPIRAL_NUM_CLASS 3
#define SPIRAL_INPUT_DIM 2
#define SPIRAL_SIZE      (SPIRAL_NUM_DATA * SPIRAL_NUM_CLASS)

/* DeZero seeds NumPy's global generator with these. */
#define SPIRAL_TRAIN_SEED 1984
#define SPIRAL_TEST_SEED  2020

/**
 * DzSpiral:
 *
 * DeZero's `Spiral`: 300 points on three spiral arms, `x` of shape
 * (300, 2) in float64 (DeZero's is float32; float64 is this library's
 * default dtype) and `t` the arm (0, 1 or 2) in int64, shuffled.
 *
 * As DeZero, the training split draws from a generator seeded 1984 and
 * the test split from one seeded 2020. Ours is a #DzGenerator, not
 * NumPy's Mersenne Twister, so the points are not DeZero's own: the
 * formula and the seeds are the same, the draws are not.
 */
struct _DzSpiral
{
  DzDataset parent_instance;
};

G_DEFINE_FINAL_TYPE (DzSpiral, dz_spiral, DZ_TYPE_DATASET)

static void
dz_spiral_constructed (GObject *object)
{
  DzDataset *dataset = DZ_DATASET (object);
  g_autoptr(DzGenerator) generator = NULL;
  g_autoptr(DzArray) x = NULL;
  g_autoptr(DzArray) t = NULL;

  G_OBJECT_CLASS (dz_spiral_parent_class)->constructed (object);

  generator = dz_generator_new (dz_dataset_get_train (dataset) ? SPIRAL_TRAIN_SEED
                                                               : SPIRAL_TEST_SEED);
  dz_spiral_get_data (generator, &x, &t);
  /* The shapes are ours: this cannot fail. */
  dz_dataset_set_arrays (dataset, x, t, NULL);
}

static void
dz_spiral_class_init (DzSpiralClass *klass)
{
  G_OBJECT_CLASS (klass)->constructed = dz_spiral_constructed;
}

static void
dz_spiral_init (DzSpiral *self)
{
}

/**
 * dz_spiral_new:
 * @train: %TRUE for the training split, %FALSE for the test split
 *
 * Creates the spiral dataset (see #DzSpiral).
 *
 * Returns: (transfer full): a new #DzSpiral
 */
DzSpiral *
dz_spiral_new (gboolean train)
{
  return g_object_new (DZ_TYPE_SPIRAL, "train", train, NULL);
}

/**
 * dz_spiral_get_data:
 * @generator: the generator to draw the noise and the shuffle from
 * @x: (out) (transfer full): the points, float64 of shape (300, 2)
 * @t: (out) (transfer full): their arms, int64 of shape (300,)
 *
 * DeZero's `get_spiral()` with the draws taken from @generator: point
 * `i` of arm `j` has radius `i / 100` and angle `4 j + 4 i / 100` plus
 * normal noise of deviation 0.2, and lies at (r sin θ, r cos θ); the
 * points are then shuffled.
 */
void
dz_spiral_get_data (DzGenerator  *generator,
                    DzArray     **x,
                    DzArray     **t)
{
  static const gsize x_shape[] = { SPIRAL_SIZE, SPIRAL_INPUT_DIM };
  static const gsize t_shape[] = { SPIRAL_SIZE };
  double points[SPIRAL_SIZE][SPIRAL_INPUT_DIM];
  gint64 arms[SPIRAL_SIZE];
  double *x_values;
  gint64 *t_values;
  gsize perm[SPIRAL_SIZE];
  gsize i, j;
  g_autoptr(GBytes) x_bytes = NULL;
  g_autoptr(GBytes) t_bytes = NULL;

  g_return_if_fail (DZ_IS_GENERATOR (generator));
  g_return_if_fail (x != NULL && t != NULL);

  for (j = 0; j < SPIRAL_NUM_CLASS; j++)
    for (i = 0; i < SPIRAL_NUM_DATA; i++)
      {
        double rate = (double) i / SPIRAL_NUM_DATA;
        double radius = 1.0 * rate;
        double theta = j * 4.0 + 4.0 * rate + dz_generator_next_normal (generator) * 0.2;
        gsize ix = SPIRAL_NUM_DATA * j + i;

        points[ix][0] = radius * sin (theta);
        points[ix][1] = radius * cos (theta);
        arms[ix] = j;
      }

  for (i = 0; i < SPIRAL_SIZE; i++)
    perm[i] = i;
  dz_data_permute (generator, perm, SPIRAL_SIZE);

  x_values = g_new (double, SPIRAL_SIZE * SPIRAL_INPUT_DIM);
  t_values = g_new (gint64, SPIRAL_SIZE);
  for (i = 0; i < SPIRAL_SIZE; i++)
    {
      x_values[2 * i] = points[perm[i]][0];
      x_values[2 * i + 1] = points[perm[i]][1];
      t_values[i] = arms[perm[i]];
    }
  x_bytes = g_bytes_new_take (x_values, sizeof (double) * SPIRAL_SIZE * SPIRAL_INPUT_DIM);
  t_bytes = g_bytes_new_take (t_values, sizeof (gint64) * SPIRAL_SIZE);

  *x = dz_array_new_from_bytes (x_bytes, DZ_DTYPE_FLOAT64, x_shape, 2, NULL);
  *t = dz_array_new_from_bytes (t_bytes, DZ_DTYPE_INT64, t_shape, 1, NULL);
}
