/* dz-variable-private.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-array-private.h"
#include "dz-variable.h"

G_BEGIN_DECLS

typedef struct
{
  /* The value. A 0-d value made by the library is kept inline in @scalar
   * (@has_scalar set) and @data stays NULL until somebody asks for the
   * array: on scalar graphs that is one GObject fewer per node. Read the
   * value through the helpers below, never through @data alone. */
  DzArray *data;
  double scalar;
  DzVariable *grad;
  DzFunction *creator;
  char *name;
  /* Scratch of a backward pass without create_graph on a variable that a
   * function computed: the gradient so far, as an array; turned into
   * #DzVariable:grad only where it is kept. Leaves, which graphs on other
   * threads may share, keep theirs in the pass instead. */
  DzArray *pending;
  int generation;
  guint output_index;
  gint holders;
  guint has_scalar : 1;
  guint disposed : 1;
  /* Takes no gradient: made by the library as a seed (ones) or a stand-in
   * (zeros), where storing one would chain the seeds of successive
   * create_graph passes into reference cycles, or switched off by
   * dz_variable_set_requires_grad(). */
  guint constant : 1;
  /* Bumped by every dz_variable_set_data(): a function that recorded this
   * variable refuses to backpropagate once it changed (PyTorch's version
   * counter). Modulo 2^29, which fits the word the flags leave free. */
  guint version : 29;
} DzVariablePrivate;

extern gint dz_variable_private_offset;

static inline DzVariablePrivate *
dz_variable_get_priv (DzVariable *self)
{
  return (DzVariablePrivate *) G_STRUCT_MEMBER_P (self, dz_variable_private_offset);
}

/* The value as an array (transfer none), made from the inline scalar on
 * first use; NULL for an empty variable. */
DzArray    *dz_variable_peek_data    (DzVariable *self);

static inline gboolean
dz_variable_has_value (DzVariablePrivate *priv)
{
  return priv->has_scalar || priv->data != NULL;
}

static inline guint
dz_variable_value_ndim (DzVariablePrivate *priv)
{
  return priv->has_scalar ? 0 : priv->data->ndim;
}

static inline gboolean
dz_variable_value_same_shape (DzVariablePrivate *priv,
                              DzArray           *array)
{
  if (priv->has_scalar)
    return array->ndim == 0;
  return priv->data != NULL && dz_array_same_shape_ (priv->data, array);
}

/* Whether the value is 0-d float64, and then that value in @value. */
static inline gboolean
dz_variable_value_scalar (DzVariablePrivate *priv,
                          double            *value)
{
  if (priv->has_scalar)
    {
      *value = priv->scalar;
      return TRUE;
    }
  if (priv->data != NULL && priv->data->ndim == 0 && priv->data->dtype == DZ_DTYPE_FLOAT64)
    {
      *value = DZ_ARRAY_F64 (priv->data)[0];
      return TRUE;
    }
  return FALSE;
}

DzVariable *dz_variable_new_take     (DzArray    *data);
DzVariable *dz_variable_new_constant (DzArray    *data);
void        dz_variable_take_grad    (DzVariable *self,
                                      DzVariable *grad);
/* Takes over a reference to @creator. */
void        dz_variable_set_creator_ (DzVariable *self,
                                      DzFunction *creator,
                                      int         generation,
                                      guint       output_index);

G_END_DECLS
