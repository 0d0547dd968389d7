/* dz-op-private.h: how a built-in operation is defined
 *
 * A built-in is one static DzOpDef in its family's file (ops/dz-ops-*.c):
 * its forward kernel on arrays, its differentiable backward (written with
 * other built-ins, used for create_graph), optionally an array-level
 * gradient (the fast path of an ordinary backward pass), its typed
 * parameters, and the public function that builds the parameters and calls
 * dz_op_apply(). The family lists its definitions in an array that
 * dz-op-registry.c collects, so that every built-in can be called by name
 * (dz_op_call()) and the tests can ask for a case per built-in.
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-array-math.h"
#include "dz-array-private.h"
#include "dz-error.h"
#include "dz-function-private.h"
#include "dz-ops.h"
#include "dz-variable-private.h"

G_BEGIN_DECLS

/* The instance of every built-in: a function followed by its parameters
 * (dz_op_params()). Each definition is registered as its own final type,
 * "Dz" + class_name, so that DOT graphs and dz_function_get_name() say
 * "Sum" or "MatMul". */
#define DZ_TYPE_OP (dz_op_get_type ())
#define DZ_IS_OP(obj) (G_TYPE_CHECK_INSTANCE_TYPE ((obj), DZ_TYPE_OP))

typedef struct _DzOpDef DzOpDef;

typedef struct
{
  DzFunction parent_instance;
} DzOp;

typedef struct
{
  DzFunctionClass parent_class;
  const DzOpDef *def;
} DzOpClass;

GType dz_op_get_type (void);

#define DZ_OP_DEF(self) (((DzOpClass *) G_OBJECT_GET_CLASS (self))->def)

/* What an array-level gradient reads besides the output gradient: the
 * values it does not need are not made into arrays (see
 * dz_variable_peek_data()). */
typedef enum
{
  DZ_OP_NEEDS_INPUTS = 1 << 0,
  DZ_OP_NEEDS_OUTPUT = 1 << 1,
} DzOpNeeds;

/* Typed parameters, described so that dz_op_call() can fill them from a
 * GVariant dictionary by name. */
typedef enum
{
  DZ_PARAM_DOUBLE,    /* double; GVariant "d" (or any number) */
  DZ_PARAM_INT,       /* gint; "i" or "x" */
  DZ_PARAM_BOOL,      /* gboolean; "b" */
  DZ_PARAM_AXES,      /* DzAxes; an int, an array of ints, or absent for all */
  DZ_PARAM_SHAPE,     /* DzShape; an array of ints (-1 allowed where the op says) */
  DZ_PARAM_INDEX,     /* DzIndex * (owned: the op's params_clear unrefs it); the
                       * GVariant forms dz_get_item() documents */
} DzParamKind;

typedef struct
{
  const char *name;
  DzParamKind kind;
  gsize offset;
} DzParamSpec;

/* A set of axes: n == 0 with all == TRUE means "every axis" (axis=None). */
typedef struct
{
  gboolean all;
  guint n;
  gint axes[DZ_ARRAY_MAX_NDIM];
} DzAxes;

typedef struct
{
  guint ndim;
  gssize dims[DZ_ARRAY_MAX_NDIM];
} DzShape;

struct _DzOpDef
{
  /* The public function's name without dz_ ("sum", "matmul"), and the
   * class name DeZero uses ("Sum", "MatMul"). */
  const char *name;
  const char *class_name;
  /* Inputs the op takes; 0 for any number (at least one). */
  guint n_inputs;
  /* Inputs, by bit, that take no gradient (the labels of a loss). An op
   * none of whose inputs takes one (accuracy) is never recorded: it needs
   * neither gradient nor backward. */
  guint no_grad_inputs;
  DzOpNeeds needs;
  gsize params_size;
  const DzParamSpec *params;
  guint n_params;

  /* Checks @params against the inputs (shapes, axes); NULL when the
   * forward checks everything. Runs before forward. */
  gboolean  (* check)    (const void  *params,
                          DzArray    **xs,
                          guint        n_xs,
                          GError     **error);
  /* The output on the 0-d float64 values @xs; optional: scalar graphs then
   * skip arrays. */
  double    (* scalar)   (const void   *params,
                          const double *xs);
  /* The output for the inputs @xs (never NULL), or NULL with @error set. */
  DzArray * (* forward)  (const void  *params,
                          DzArray    **xs,
                          guint        n_xs,
                          GError     **error);
  /* Optional: one gradient per input into @gxs (NULL for an input that
   * takes none), from the inputs @xs, the output @y and the output
   * gradient @gy (transfer full: may be written into, see
   * dz_array_is_exclusive()). Without DZ_OP_NEEDS_INPUTS, xs[i] is NULL
   * when input i has @gy's shape (so no array is made for a scalar
   * input), else the input. @y is set with DZ_OP_NEEDS_OUTPUT. Without
   * this function, backward runs on arrays wrapped in variables with
   * recording off. */
  gboolean  (* gradient) (const void  *params,
                          DzArray    **xs,
                          guint        n_xs,
                          DzArray     *y,
                          DzArray     *gy,
                          DzArray    **gxs,
                          GError     **error);
  /* The gradients with differentiable operations into @gxs (NULL for an
   * input that takes none), from the inputs @xs, the output @y and its
   * gradient @gy. */
  gboolean  (* backward) (const void  *params,
                          DzVariable **xs,
                          guint        n_xs,
                          DzVariable  *y,
                          DzVariable  *gy,
                          DzVariable **gxs,
                          GError     **error);
  /* Frees what the parameters own; optional. */
  void      (* params_clear) (void *params);

  /* Set once, when the op is first used. */
  GType type;
};

#define DZ_OP_PARAM(Struct, field, kind) \
  { #field, kind, G_STRUCT_OFFSET (Struct, field) }

/* Parameters start 16-byte aligned after the instance. */
#define DZ_OP_PARAMS_OFFSET ((sizeof (DzOp) + 15) & ~(gsize) 15)

/* The parameters that follow @self. */
static inline void *
dz_op_params (DzFunction *self)
{
  return (guint8 *) self + DZ_OP_PARAMS_OFFSET;
}

/* Computes the output of @def on @inputs with a copy of @params and, with
 * backpropagation enabled, records the call. The op takes over what
 * @params own (see params_clear), also on failure. */
DzVariable *dz_op_apply    (DzOpDef      *def,
                            const void   *params,
                            DzVariable  **inputs,
                            guint         n_inputs,
                            GError      **error);

/* dz_op_apply() of one input (with @params), or of two (no parameters),
 * after the public functions' argument checks. */
DzVariable *dz_op_apply_unary  (DzOpDef      *def,
                                const void   *params,
                                DzVariable   *x,
                                GError      **error);
DzVariable *dz_op_apply_binary (DzOpDef      *def,
                                DzVariable   *a,
                                DzVariable   *b,
                                GError      **error);

/* The array-level gradients of @self into @gxs (one per input, NULL for
 * inputs that take none), from its @output (NULL when gone) and that
 * output's gradient @gy (consumed); FALSE with @error set on failure. */
gboolean    dz_op_gradient (DzFunction   *self,
                            DzVariable   *output,
                            DzArray      *gy,
                            DzArray     **gxs,
                            GError      **error);

/* During a gradient function, whether input @i wants its gradient: FALSE
 * for a variable that does not require one (dz_variable_set_requires_grad()).
 * A gradient function may then leave gxs[i] NULL and skip its work. */
gboolean    dz_op_input_needs_grad (guint i);

/* Every definition, for dz_op_call() and the tests (dz-op-registry.c). */
DzOpDef    *dz_op_lookup   (const char   *name);

/* Helpers for backward functions. */

/* @gx summed to @x's shape (the gradient of a broadcast input); consumes
 * @gx; NULL with @error set. */
DzVariable *dz_op_sum_to_input (DzVariable  *gx,
                                DzVariable  *x,
                                GError     **error);
/* The same on arrays. */
DzArray    *dz_op_array_sum_to (DzArray     *gx,
                                DzArray     *x,
                                GError     **error);
/* Fails with DZ_ERROR_INVALID_DTYPE unless @x is float32 or float64. */
gboolean    dz_op_check_float  (const char  *op,
                                DzArray     *x,
                                GError     **error);

/* Parameter helpers for the public functions. */
gboolean    dz_axes_set        (DzAxes      *axes,
                                const gint  *values,
                                guint        n,
                                GError     **error);
gboolean    dz_shape_set       (DzShape      *shape,
                                const gssize *dims,
                                guint         ndim,
                                GError      **error);
void        dz_shape_set_from  (DzShape      *shape,
                                const gsize  *dims,
                                guint         ndim);

/* The families' definitions, NULL-terminated. */
extern DzOpDef *const dz_ops_arith[];
extern DzOpDef *const dz_ops_math[];
extern DzOpDef *const dz_ops_shape[];
extern DzOpDef *const dz_ops_reduce[];
extern DzOpDef *const dz_ops_linalg[];
extern DzOpDef *const dz_ops_activation[];
extern DzOpDef *const dz_ops_loss[];
extern DzOpDef *const dz_ops_nn[];
extern DzOpDef *const dz_ops_conv[];

G_END_DECLS
