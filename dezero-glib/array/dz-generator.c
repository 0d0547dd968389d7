/* dz-generator.c: xoshiro256** with Box-Muller normals
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>

#include "dz-error.h"
#include "dz-generator.h"

/**
 * DzGenerator:
 *
 * A seedable pseudo-random number generator (xoshiro256**), used by
 * dz_array_new_randn() and dz_array_new_uniform().
 *
 * The same seed gives the same sequence on every platform. A generator may
 * be shared between threads: each call takes its lock once.
 */
struct _DzGenerator
{
  GObject parent_instance;

  GMutex lock;
  guint64 state[4];
  double spare_normal;
  gboolean has_spare;
};

G_DEFINE_FINAL_TYPE (DzGenerator, dz_generator, G_TYPE_OBJECT)

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static inline guint64
next_u64 (DzGenerator *self)
{
  guint64 *s = self->state;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);

  return result;
}

/* 53 random bits into [0, 1). */
static inline double
next_uniform_locked (DzGenerator *self)
{
  return (double) (next_u64 (self) >> 11) * 0x1.0p-53;
}

static inline void
next_normal_pair_locked (DzGenerator *self,
                         double      *a,
                         double      *b)
{
  /* 1 - u lies in (0, 1], so the logarithm is finite. */
  double u1 = 1.0 - next_uniform_locked (self);
  double u2 = next_uniform_locked (self);
  double r = sqrt (-2.0 * log (u1));
  double theta = 2.0 * G_PI * u2;

  *a = r * cos (theta);
  *b = r * sin (theta);
}

static void
dz_generator_finalize (GObject *object)
{
  DzGenerator *self = DZ_GENERATOR (object);

  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (dz_generator_parent_class)->finalize (object);
}

static void
dz_generator_class_init (DzGeneratorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dz_generator_finalize;
}

static void
dz_generator_init (DzGenerator *self)
{
  g_mutex_init (&self->lock);
  dz_generator_set_seed (self, 0);
}

/**
 * dz_generator_new:
 * @seed: the seed
 *
 * Creates a generator whose sequence is fixed by @seed.
 *
 * Returns: (transfer full): a new #DzGenerator
 */
DzGenerator *
dz_generator_new (guint64 seed)
{
  DzGenerator *self = g_object_new (DZ_TYPE_GENERATOR, NULL);

  dz_generator_set_seed (self, seed);
  return self;
}

/**
 * dz_generator_get_default:
 *
 * Returns the process-wide generator used when no generator is given. It
 * starts from seed 0; reseed it with dz_generator_set_seed() for a
 * different but reproducible sequence.
 *
 * Returns: (transfer none): the default generator
 */
DzGenerator *
dz_generator_get_default (void)
{
  static DzGenerator *default_generator;

  if (g_once_init_enter (&default_generator))
    g_once_init_leave (&default_generator, dz_generator_new (0));

  return default_generator;
}

/**
 * dz_generator_set_seed:
 * @self: a #DzGenerator
 * @seed: the new seed
 *
 * Restarts the sequence of @self from @seed.
 */
void
dz_generator_set_seed (DzGenerator *self,
                       guint64      seed)
{
  g_return_if_fail (DZ_IS_GENERATOR (self));

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < 4; i++)
    self->state[i] = splitmix64 (&seed);
  self->has_spare = FALSE;
  g_mutex_unlock (&self->lock);
}

/**
 * dz_generator_next_uniform:
 * @self: a #DzGenerator
 *
 * Draws one number uniformly distributed in [0, 1).
 *
 * Returns: the number
 */
double
dz_generator_next_uniform (DzGenerator *self)
{
  double value;

  g_return_val_if_fail (DZ_IS_GENERATOR (self), 0.0);

  g_mutex_lock (&self->lock);
  value = next_uniform_locked (self);
  g_mutex_unlock (&self->lock);
  return value;
}

/**
 * dz_generator_next_normal:
 * @self: a #DzGenerator
 *
 * Draws one number from the standard normal distribution.
 *
 * Returns: the number
 */
double
dz_generator_next_normal (DzGenerator *self)
{
  double value;

  g_return_val_if_fail (DZ_IS_GENERATOR (self), 0.0);

  g_mutex_lock (&self->lock);
  if (self->has_spare)
    value = self->spare_normal;
  else
    next_normal_pair_locked (self, &value, &self->spare_normal);
  self->has_spare = !self->has_spare;
  g_mutex_unlock (&self->lock);
  return value;
}

/**
 * dz_generator_fill_uniform: (skip)
 * @self: a #DzGenerator
 * @values: where to write, room for @n_values numbers
 * @n_values: how many numbers to draw
 *
 * Fills @values with numbers uniformly distributed in [0, 1).
 *
 * Not introspectable: bindings cannot lend a writable buffer of a given
 * length. They use dz_generator_draw_uniform(), which draws the same
 * numbers.
 */
void
dz_generator_fill_uniform (DzGenerator *self,
                           double      *values,
                           gsize        n_values)
{
  g_return_if_fail (DZ_IS_GENERATOR (self));
  g_return_if_fail (values != NULL || n_values == 0);

  g_mutex_lock (&self->lock);
  for (gsize i = 0; i < n_values; i++)
    values[i] = next_uniform_locked (self);
  g_mutex_unlock (&self->lock);
}

/**
 * dz_generator_fill_normal: (skip)
 * @self: a #DzGenerator
 * @values: where to write, room for @n_values numbers
 * @n_values: how many numbers to draw
 *
 * Fills @values with standard normal numbers.
 *
 * Not introspectable: bindings use dz_generator_draw_normal(), which draws
 * the same numbers.
 */
void
dz_generator_fill_normal (DzGenerator *self,
                          double      *values,
                          gsize        n_values)
{
  gsize i = 0;

  g_return_if_fail (DZ_IS_GENERATOR (self));
  g_return_if_fail (values != NULL || n_values == 0);

  g_mutex_lock (&self->lock);
  if (n_values > 0 && self->has_spare)
    {
      values[i++] = self->spare_normal;
      self->has_spare = FALSE;
    }
  for (; i + 1 < n_values; i += 2)
    next_normal_pair_locked (self, &values[i], &values[i + 1]);
  if (i < n_values)
    {
      next_normal_pair_locked (self, &values[i], &self->spare_normal);
      self->has_spare = TRUE;
    }
  g_mutex_unlock (&self->lock);
}

typedef void (*FillFunc) (DzGenerator *self, double *values, gsize n_values);

static double *
draw (DzGenerator  *self,
      FillFunc      fill,
      gsize         n_values,
      gsize        *n_drawn,
      GError      **error)
{
  double *values;

  if (n_drawn != NULL)
    *n_drawn = 0;
  if (n_values > G_MAXSIZE / sizeof (double))
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_TOO_LARGE,
                   "%" G_GSIZE_FORMAT " numbers do not fit in memory", n_values);
      return NULL;
    }
  /* Never NULL on success, even for no numbers. */
  values = g_try_malloc_n (MAX (n_values, 1), sizeof (double));
  if (values == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY,
                   "Cannot allocate %" G_GSIZE_FORMAT " numbers", n_values);
      return NULL;
    }

  fill (self, values, n_values);
  if (n_drawn != NULL)
    *n_drawn = n_values;
  return values;
}

/**
 * dz_generator_draw_uniform:
 * @self: a #DzGenerator
 * @n_values: how many numbers to draw
 * @n_drawn: (out) (optional): @n_values, for bindings
 * @error: return location for a #GError
 *
 * Draws @n_values numbers uniformly distributed in [0, 1) into a new
 * buffer: the numbers dz_generator_fill_uniform() would write. From Python,
 * `generator.draw_uniform(3)` gives a list of 3 floats.
 *
 * Returns: (transfer full) (array length=n_drawn): the numbers, to free
 *   with g_free(), or %NULL with %DZ_ERROR_NO_MEMORY or %DZ_ERROR_TOO_LARGE
 */
double *
dz_generator_draw_uniform (DzGenerator  *self,
                           gsize         n_values,
                           gsize        *n_drawn,
                           GError      **error)
{
  g_return_val_if_fail (DZ_IS_GENERATOR (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return draw (self, dz_generator_fill_uniform, n_values, n_drawn, error);
}

/**
 * dz_generator_draw_normal:
 * @self: a #DzGenerator
 * @n_values: how many numbers to draw
 * @n_drawn: (out) (optional): @n_values, for bindings
 * @error: return location for a #GError
 *
 * Draws @n_values standard normal numbers into a new buffer: the numbers
 * dz_generator_fill_normal() would write.
 *
 * Returns: (transfer full) (array length=n_drawn): the numbers, to free
 *   with g_free(), or %NULL with %DZ_ERROR_NO_MEMORY or %DZ_ERROR_TOO_LARGE
 */
double *
dz_generator_draw_normal (DzGenerator  *self,
                          gsize         n_values,
                          gsize        *n_drawn,
                          GError      **error)
{
  g_return_val_if_fail (DZ_IS_GENERATOR (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return draw (self, dz_generator_fill_normal, n_values, n_drawn, error);
}
