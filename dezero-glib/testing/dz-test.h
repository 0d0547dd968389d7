/* dz-test.h: assertions for GTest suites of programs that use dezero-glib
 *
 * Not included by <dezero-glib.h>: a test includes it itself,
 *
 *   #include <dezero-glib.h>
 *   #include <dz-test.h>
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

#include "dezero-glib.h"

G_BEGIN_DECLS

/**
 * dz_assert_allclose:
 * @a: a #DzArray
 * @b: the #DzArray expected
 * @rtol: the relative tolerance
 * @atol: the absolute tolerance
 *
 * Asserts, as g_assert_cmpfloat() does, that @a and @b have the same
 * shape and that every `|a - b| <= atol + rtol * |b|` (NumPy's `allclose`;
 * NaNs are never close). On failure the message names both expressions,
 * the first mismatching index (`[1, 2]`), the two values there, and how
 * many elements differ. The dtypes may differ: values are compared as
 * float64.
 */
#define dz_assert_allclose(a, b, rtol, atol)                                  \
  dz_test_assert_allclose (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,       \
                           #a, #b, (a), (b), (rtol), (atol))

/**
 * dz_assert_gradcheck:
 * @func: a #DzVariableFunc, the computation to check
 * @user_data: data for @func
 * @x: the #DzVariable to check at
 *
 * Asserts that the backward pass of @func at @x agrees with numerical
 * differentiation, with DeZero's tolerances (step 1e-4, rtol 1e-4, atol
 * 1e-5; see dz_gradient_check()). On failure the message names @func and
 * the worst element. Check in float64: float32 is too coarse for
 * central differences.
 */
#define dz_assert_gradcheck(func, user_data, x)                               \
  dz_test_assert_gradcheck (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,      \
                            #func, (func), (user_data), (x), 1e-4, 1e-4, 1e-5)

/**
 * dz_assert_gradcheck_full:
 * @func: a #DzVariableFunc, the computation to check
 * @user_data: data for @func
 * @x: the #DzVariable to check at
 * @eps: the step of numerical differentiation
 * @rtol: the relative tolerance
 * @atol: the absolute tolerance
 *
 * dz_assert_gradcheck() with tolerances of your own.
 */
#define dz_assert_gradcheck_full(func, user_data, x, eps, rtol, atol)         \
  dz_test_assert_gradcheck (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,      \
                            #func, (func), (user_data), (x), (eps), (rtol), (atol))

/**
 * dz_assert_no_live_objects:
 *
 * Asserts that no #DzArray, #DzVariable or #DzFunction is alive (see
 * dz_live_count()), as g_assert_finalize_object() does for one object: put
 * it at the end of a test to catch a leak or a reference cycle. The
 * message gives the three counts.
 */
#define dz_assert_no_live_objects()                                           \
  dz_test_assert_no_live_objects (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC)

DZ_AVAILABLE_IN_ALL
void dz_test_assert_allclose        (const char     *domain,
                                     const char     *file,
                                     int             line,
                                     const char     *func,
                                     const char     *a_expr,
                                     const char     *b_expr,
                                     DzArray        *a,
                                     DzArray        *b,
                                     double          rtol,
                                     double          atol);
DZ_AVAILABLE_IN_ALL
void dz_test_assert_gradcheck       (const char     *domain,
                                     const char     *file,
                                     int             line,
                                     const char     *func,
                                     const char     *func_expr,
                                     DzVariableFunc  variable_func,
                                     gpointer        user_data,
                                     DzVariable     *x,
                                     double          eps,
                                     double          rtol,
                                     double          atol);
DZ_AVAILABLE_IN_ALL
void dz_test_assert_no_live_objects (const char     *domain,
                                     const char     *file,
                                     int             line,
                                     const char     *func);

G_END_DECLS
