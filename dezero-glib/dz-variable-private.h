/* dz-variable-private.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-variable.h"

G_BEGIN_DECLS

typedef struct
{
  DzArray *data;
  DzVariable *grad;
  DzFunction *creator;
  char *name;
  int generation;
  guint output_index;
  /* Scratch of a backward pass without create_graph: the gradient so far,
   * as an array; turned into #DzVariable:grad only where it is kept. */
  DzArray *pending;
  gint holders;
  gboolean disposed;
  /* Made by the library as a seed (ones) or a stand-in (zeros): nobody
   * asks for its gradient, and storing one would chain the seeds of
   * successive create_graph passes into reference cycles. */
  gboolean constant;
} DzVariablePrivate;

DzVariablePrivate *dz_variable_get_priv (DzVariable *self);

DzVariable *dz_variable_new_take     (DzArray    *data);
DzVariable *dz_variable_new_constant (DzArray    *data);
void        dz_variable_take_grad    (DzVariable *self,
                                      DzVariable *grad);
void        dz_variable_set_creator_ (DzVariable *self,
                                      DzFunction *creator,
                                      int         generation,
                                      guint       output_index);

G_END_DECLS
