/* dz-test-utils.h: helpers shared by the C suites
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <math.h>
#include <string.h>

#include <dezero-glib.h>
/* The assertions we install for our users' suites (dz_assert_allclose,
 * dz_assert_gradcheck, dz_assert_no_live_objects): ours use them too. */
#include <dz-test.h>

/* Valgrind runs everything ~50 times slower and with much more memory per
 * object; the valgrind test setup sets DZ_TEST_SCALE to shrink the largest
 * cases. Every case still runs in full natively and under ASan. */
static inline guint
dz_test_scaled (guint n)
{
  const char *scale = g_getenv ("DZ_TEST_SCALE");
  guint divisor = scale ? (guint) g_ascii_strtoull (scale, NULL, 10) : 1;

  return MAX (1, n / MAX (divisor, 1));
}

static inline DzVariable *
dz_test_scalar (double value)
{
  return dz_variable_new_scalar (value);
}

static inline DzVariable *
dz_test_randn (const gsize *shape,
               guint        ndim,
               guint64      seed)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (seed);
  g_autoptr(DzArray) data = dz_array_new_randn (shape, ndim, gen, NULL);

  return dz_variable_new (data);
}

static inline double
dz_test_value (DzVariable *v)
{
  return dz_array_item (dz_variable_get_data (v));
}

static inline double
dz_test_grad (DzVariable *v)
{
  g_assert_nonnull (dz_variable_get_grad (v));
  return dz_test_value (dz_variable_get_grad (v));
}
