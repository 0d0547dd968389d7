/* dz-version-macros.h: symbol export for dezero-glib
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include <glib.h>

/* The library builds with hidden visibility: only what carries this macro is
 * part of the ABI. */
#if defined(_WIN32)
# define _DZ_EXTERN __declspec(dllexport) extern
#else
# define _DZ_EXTERN __attribute__((visibility ("default"))) extern
#endif

/**
 * DZ_AVAILABLE_IN_ALL:
 *
 * Marks a public symbol of dezero-glib: it is exported from the shared
 * library, and available in every version.
 */
#define DZ_AVAILABLE_IN_ALL _DZ_EXTERN
