/* dz-backward-private.h: the two backward engines and what they share
 *
 * dz-backward.c holds the public entry points (backward, dz_grad), which
 * pick an engine: dz-backward-graph.c records the backward computation
 * (create_graph), dz-backward-arrays.c computes plain arrays. Both walk the
 * graph with dz-walk.c.
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "dz-function-private.h"
#include "dz-variable-private.h"

G_BEGIN_DECLS

static inline void
dz_unref_if_set (gpointer object)
{
  if (object != NULL)
    g_object_unref (object);
}

/* dz_function_check_unmodified(), with the common case inline: it runs
 * once per node of every pass. */
static inline gboolean
dz_backward_check_unmodified (DzFunction  *function,
                  DzVariable **outputs,
                  guint        n_outputs,
                  GError     **error)
{
  DzFunctionPrivate *fpriv = dz_function_get_priv (function);
  guint versions = 0, output_versions = 0;
  gboolean values = TRUE;

  for (guint i = 0; i < fpriv->n_inputs; i++)
    {
      DzVariablePrivate *ipriv = dz_variable_get_priv (fpriv->inputs[i]);

      versions += ipriv->version;
      values &= dz_variable_has_value (ipriv);
    }
  for (guint i = 0; i < n_outputs; i++)
    if (outputs[i] != NULL)
      output_versions |= dz_variable_get_priv (outputs[i])->version;

  if (G_LIKELY (values && output_versions == 0 &&
                ((versions ^ fpriv->input_versions) & ((1u << 30) - 1)) == 0))
    return TRUE;
  return dz_function_check_unmodified (function, outputs, n_outputs, error);
}

/* -- create_graph (dz-backward-graph.c) -- */

/* The gradients of a create_graph pass, all in the pass's own table until
 * it succeeds: a failed pass changes no gradient and leaves nothing behind
 * (gradients recorded with create_graph refer back to their variables, so
 * a half-done pass left on the variables would be reference cycles that
 * nothing clears), and passes on other threads sharing a leaf do not meet. */
typedef struct
{
  GHashTable *table;    /* variable (a reference) -> gradient, owned; NULL: cleared */
  GHashTable *wanted;   /* dz_grad(): the variables asked for; NULL: backward,
                         * which adds to the variables' gradients and stores the
                         * result on them */
  GHashTable *given;    /* every gradient variable stored by this pass */
  gboolean retain;
} GradStore;

void     dz_grad_store_init   (GradStore   *store,
                               GHashTable  *wanted,
                               gboolean     retain);
void     dz_grad_store_free   (GradStore   *store);
/* Takes @grad. */
void     dz_grad_store_set    (GradStore   *store,
                               DzVariable  *variable,
                               DzVariable  *grad);
void     dz_grad_store_commit (GradStore   *store);
gboolean dz_backward_graph_run (DzVariable  *root,
                                GradStore   *store,
                                GError     **error);

/* -- arrays (dz-backward-arrays.c) -- */

typedef struct
{
  DzVariable *variable;   /* owned */
  DzArray *pending;       /* owned */
} LeafGrad;

typedef struct
{
  GArray *leaves;         /* LeafGrad: the leaves this pass reached */
  GHashTable *leaf_index; /* leaf -> its index + 1, once there are many */
  guint last_leaf;        /* where the last lookup found its leaf */
  DzVariable *root;       /* owned, once seeded */
  gboolean accumulate;    /* add to existing grads (backward), or not (dz_grad) */
  gboolean retain;
  GHashTable *wanted;     /* dz_grad: variables whose pending is the result */
} ArrayPass;

void     dz_array_pass_init     (ArrayPass   *pass,
                                 gboolean     accumulate,
                                 gboolean     retain,
                                 GHashTable  *wanted);
gboolean dz_backward_arrays_run (DzVariable  *root,
                                 DzArray     *seed,
                                 ArrayPass   *pass,
                                 GError     **error);
/* Where @pass keeps the gradient of @variable so far. */
DzArray **dz_array_pass_slot    (ArrayPass   *pass,
                                 DzVariable  *variable);
gboolean dz_array_pass_finish   (ArrayPass   *pass,
                                 gboolean     ok,
                                 GError     **error);

G_END_DECLS
