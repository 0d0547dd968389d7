/* dz-op-private.h: what every built-in operation shares
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-array-math.h"
#include "dz-array-private.h"
#include "dz-function-private.h"
#include "dz-kernels-private.h"
#include "dz-ops.h"
#include "dz-variable-private.h"

G_BEGIN_DECLS

/* The abstract base of the built-ins: a function plus at most one
 * constant (the exponent of Pow, the factor of MulScalar). */
#define DZ_TYPE_OP (dz_op_get_type ())
#define DZ_IS_OP(obj) (G_TYPE_CHECK_INSTANCE_TYPE ((obj), DZ_TYPE_OP))
#define DZ_OP_GET_CLASS(obj) (G_TYPE_INSTANCE_GET_CLASS ((obj), DZ_TYPE_OP, DzOpClass))

typedef struct
{
  DzFunction parent_instance;
  double constant;
} DzOp;

/* What an array-level gradient reads besides the output gradient: the
 * values it does not need are not made into arrays (see
 * dz_variable_peek_data()). */
typedef enum
{
  DZ_OP_NEEDS_INPUTS = 1 << 0,
  DZ_OP_NEEDS_OUTPUT = 1 << 1,
} DzOpNeeds;

/* Besides the public virtual functions (backward written with
 * differentiable operations, for create_graph), a built-in has array-level
 * kernels: the hot path of forward, and of backward when the pass is not
 * recorded. */
typedef struct
{
  DzFunctionClass parent_class;

  /* The output for 0-d inputs @xs: scalar graphs skip the arrays. */
  double    (* compute_scalar) (double        constant,
                                const double *xs);
  /* The output for inputs @xs, or NULL with @error set. */
  DzArray * (* compute)  (double       constant,
                          DzArray    **xs,
                          GError     **error);
  /* One new gradient per input into @gxs, from the inputs @xs, the output
   * @y and its gradient @gy (transfer full: a unary operation may write its
   * result into it), all of one shape. */
  void      (* gradient) (double       constant,
                          DzArray    **xs,
                          DzArray     *y,
                          DzArray     *gy,
                          DzArray    **gxs);
  DzOpNeeds needs;
} DzOpClass;

GType dz_op_get_type (void);

/* Declares a final built-in named Dz<Name>, registered as "Dz<Name>" so
 * that dz_function_get_name() reports "<Name>". */
#define DZ_DEFINE_OP(Name, name, scalar_fn, compute_fn, gradient_fn, needs_, backward_fn) \
  typedef DzOp Dz##Name;                                                      \
  typedef DzOpClass Dz##Name##Class;                                          \
  GType dz_##name##_op_get_type (void);                                       \
  G_DEFINE_FINAL_TYPE (Dz##Name, dz_##name##_op, DZ_TYPE_OP)                  \
  static void                                                                 \
  dz_##name##_op_class_init (Dz##Name##Class *klass)                          \
  {                                                                           \
    klass->compute_scalar = scalar_fn;                                        \
    klass->compute = compute_fn;                                              \
    klass->gradient = gradient_fn;                                            \
    klass->needs = needs_;                                                    \
    DZ_FUNCTION_CLASS (klass)->backward = backward_fn;                        \
  }                                                                           \
  static void                                                                 \
  dz_##name##_op_init (G_GNUC_UNUSED Dz##Name *self)                          \
  {                                                                           \
  }                                                                           \
  /* The class, looked up once: g_type_class_peek() takes GType's lock. */   \
  static inline DzOpClass *                                                   \
  dz_##name##_op_class (void)                                                 \
  {                                                                           \
    static DzOpClass *klass;                                                  \
                                                                              \
    if (G_UNLIKELY (g_atomic_pointer_get (&klass) == NULL))                   \
      g_atomic_pointer_set (&klass, g_type_class_ref (dz_##name##_op_get_type ())); \
    return klass;                                                             \
  }

static inline double
dz_op_constant (DzFunction *self)
{
  return ((DzOp *) self)->constant;
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
  return dz_function_get_priv (self)->inputs[i];
}

/* Wraps gradients as the (transfer full) result of backward; takes
 * ownership of them, and fails cleanly if any is NULL. */
GPtrArray  *dz_op_grads        (guint        n,
                                ...);

DzVariable *dz_op_apply_unary  (DzOpClass   *klass,
                                double       constant,
                                DzVariable  *x,
                                GError     **error);
DzVariable *dz_op_apply_binary (DzOpClass   *klass,
                                DzVariable  *a,
                                DzVariable  *b,
                                GError     **error);

/* The array-level gradients of @self into @gxs (one per input), from its
 * @output (NULL when gone) and that output's gradient @gy (consumed);
 * FALSE with %DZ_ERROR_NO_MEMORY and no gradient when memory runs out. */
gboolean    dz_op_gradient     (DzFunction  *self,
                                DzVariable  *output,
                                DzArray     *gy,
                                DzArray    **gxs,
                                GError     **error);

G_END_DECLS
