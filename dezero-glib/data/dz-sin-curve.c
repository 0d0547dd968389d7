/* dz-sin-curve.c: DeZero's noisy sine wave
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>

#include "dz-sin-curve.h"

#define SIN_CURVE_NUM_DATA 1000
#define SIN_CURVE_NOISE    0.05

/**
 * DzSinCurve:
 *
 * DeZero's `SinCurve`: 1000 points `x` evenly spaced over [0, 2π]
 * (`np.linspace`), and the series `y = sin (x) + noise` with noise uniform
 * in [-0.05, 0.05) for the training split, `y = cos (x)` without noise for
 * the test split. Sample `i` is `y[i]` and its label the next value
 * `y[i + 1]`, both of shape (1,) in float64: 999 samples, held as arrays
 * (see dz_dataset_get_arrays()). Read it in order with
 * dz_data_loader_new_sequential().
 *
 * DeZero draws the noise from NumPy's global generator, unseeded; here it
 * comes from the #DzGenerator given to dz_sin_curve_new() (the default
 * one, dz_generator_get_default(), when %NULL), one uniform draw per
 * point in order, so a seeded generator makes the series reproducible.
 * The values are not NumPy's; the formula is. As DeZero, the test split
 * draws the noise too (and does not use it), so both splits advance the
 * generator alike.
 */
struct _DzSinCurve
{
  DzDataset parent_instance;
};

G_DEFINE_FINAL_TYPE (DzSinCurve, dz_sin_curve, DZ_TYPE_DATASET)

static void
dz_sin_curve_class_init (DzSinCurveClass *klass)
{
}

static void
dz_sin_curve_init (DzSinCurve *self)
{
}

/**
 * dz_sin_curve_new:
 * @train: %TRUE for the noisy sine (training split), %FALSE for the
 *   cosine (test split)
 * @generator: (nullable): the generator to draw the noise from, or %NULL
 *   for the default one
 *
 * Creates the sine-wave series (see #DzSinCurve).
 *
 * Returns: (transfer full): a new #DzSinCurve
 */
DzSinCurve *
dz_sin_curve_new (gboolean     train,
                  DzGenerator *generator)
{
  const gsize n = SIN_CURVE_NUM_DATA - 1;
  const gsize shape[2] = { n, 1 };
  double y[SIN_CURVE_NUM_DATA];
  double noise[SIN_CURVE_NUM_DATA];
  g_autoptr(DzArray) x_array = NULL;
  g_autoptr(DzArray) t_array = NULL;
  DzSinCurve *self;

  g_return_val_if_fail (generator == NULL || DZ_IS_GENERATOR (generator), NULL);

  dz_generator_fill_uniform (generator ? generator : dz_generator_get_default (), noise,
                             SIN_CURVE_NUM_DATA);
  for (gsize i = 0; i < SIN_CURVE_NUM_DATA; i++)
    {
      /* np.linspace: start + i step, the last point exactly the stop. */
      double x = i == SIN_CURVE_NUM_DATA - 1
                 ? 2.0 * G_PI : i * (2.0 * G_PI / (SIN_CURVE_NUM_DATA - 1));

      y[i] = train ? sin (x) + (noise[i] * 2.0 - 1.0) * SIN_CURVE_NOISE : cos (x);
    }

  /* Arrays of our own shapes and sizes: these cannot fail. */
  x_array = dz_array_new_from_values (y, n, shape, 2, NULL);
  t_array = dz_array_new_from_values (y + 1, n, shape, 2, NULL);
  self = g_object_new (DZ_TYPE_SIN_CURVE, "train", train, NULL);
  dz_dataset_set_arrays (DZ_DATASET (self), x_array, t_array, NULL);
  return self;
}
