/* dz-generator.h: seedable random number generator
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "dz-version-macros.h"

G_BEGIN_DECLS

/**
 * DZ_TYPE_GENERATOR:
 *
 * The #GType of #DzGenerator.
 */
#define DZ_TYPE_GENERATOR (dz_generator_get_type ())

/**
 * DzGeneratorClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzGenerator. #DzGenerator is final: it has no virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzGenerator, dz_generator, DZ, GENERATOR, GObject)

DZ_AVAILABLE_IN_ALL
DzGenerator *dz_generator_new          (guint64      seed);
DZ_AVAILABLE_IN_ALL
DzGenerator *dz_generator_get_default  (void);
DZ_AVAILABLE_IN_ALL
void         dz_generator_set_seed     (DzGenerator *self,
                                        guint64      seed);
DZ_AVAILABLE_IN_ALL
double       dz_generator_next_uniform (DzGenerator *self);
DZ_AVAILABLE_IN_ALL
double       dz_generator_next_normal  (DzGenerator *self);
DZ_AVAILABLE_IN_ALL
void         dz_generator_fill_uniform (DzGenerator *self,
                                        double      *values,
                                        gsize        n_values);
DZ_AVAILABLE_IN_ALL
void         dz_generator_fill_normal  (DzGenerator *self,
                                        double      *values,
                                        gsize        n_values);
DZ_AVAILABLE_IN_ALL
double      *dz_generator_draw_uniform (DzGenerator *self,
                                        gsize        n_values,
                                        gsize       *n_drawn,
                                        GError     **error);
DZ_AVAILABLE_IN_ALL
double      *dz_generator_draw_normal  (DzGenerator *self,
                                        gsize        n_values,
                                        gsize       *n_drawn,
                                        GError     **error);

G_END_DECLS
