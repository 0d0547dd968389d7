/* dz-op-private.h: what every built-in operation shares
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-array-math.h"
#include "dz-array-private.h"
#include "dz-function-private.h"
#include "dz-ops.h"
#include "dz-variable-private.h"

G_BEGIN_DECLS

/* Every built-in has the same instance: a function plus at most one
 * constant (the exponent of Pow, the factor of MulScalar). */
typedef struct
{
  DzFunction parent_instance;
  double constant;
} DzOp;

typedef struct
{
  DzFunctionClass parent_class;
} DzOpClass;

/* Declares a final DzFunction subclass named Dz<Name>, registered as
 * "Dz<Name>" so that dz_function_get_name() reports "<Name>". */
#define DZ_DEFINE_OP(Name, name, forward_fn, backward_fn)                     \
  typedef DzOp Dz##Name;                                                      \
  typedef DzOpClass Dz##Name##Class;                                          \
  GType dz_##name##_op_get_type (void);                                       \
  G_DEFINE_FINAL_TYPE (Dz##Name, dz_##name##_op, DZ_TYPE_FUNCTION)            \
  static void                                                                 \
  dz_##name##_op_class_init (Dz##Name##Class *klass)                          \
  {                                                                           \
    DZ_FUNCTION_CLASS (klass)->forward = forward_fn;                          \
    DZ_FUNCTION_CLASS (klass)->backward = backward_fn;                        \
  }                                                                           \
  static void                                                                 \
  dz_##name##_op_init (G_GNUC_UNUSED Dz##Name *self)                          \
  {                                                                           \
  }

static inline double
dz_op_constant (DzFunction *self)
{
  return ((DzOp *) self)->constant;
}

static inline DzArray *
dz_op_x (GPtrArray *xs,
         guint      i)
{
  return g_ptr_array_index (xs, i);
}

static inline DzVariable *
dz_op_gy (GPtrArray *gys)
{
  return g_ptr_array_index (gys, 0);
}

static inline DzVariable *
dz_op_input (DzFunction *self,
             guint       i)
{
  return g_ptr_array_index (dz_function_get_priv (self)->inputs, i);
}

/* Wraps one array as the (transfer full) result of forward. */
static inline GPtrArray *
dz_op_result (DzArray *array)
{
  GPtrArray *result;

  if (array == NULL)
    return NULL;

  result = g_ptr_array_new_full (1, g_object_unref);
  g_ptr_array_add (result, array);
  return result;
}

/* Wraps gradients as the (transfer full) result of backward; takes
 * ownership of them, and fails cleanly if any is NULL. */
GPtrArray  *dz_op_grads      (guint        n,
                              ...);

DzVariable *dz_op_apply_unary  (GType        type,
                                double       constant,
                                DzVariable  *x);
DzVariable *dz_op_apply_binary (GType        type,
                                DzVariable  *a,
                                DzVariable  *b,
                                GError     **error);

G_END_DECLS
