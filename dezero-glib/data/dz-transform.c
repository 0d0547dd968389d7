/* dz-transform.c: DeZero's transforms.py in C
 *
 * A transform maps one sample to another. The built-in ones also map a
 * whole batch at once (#DzTransformClass.apply_batch), so that a data
 * loader over arrays gathers the rows and transforms them with one call
 * instead of one per sample: 60,000 Fashion-MNIST images per epoch.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-array-private.h"
#include "dz-data-private.h"
#include "dz-error.h"
#include "dz-transform.h"

/**
 * DzTransform:
 *
 * Something done to each sample of a #DzDataset before it is given out:
 * DeZero's `transforms` (`Normalize`, `Flatten`, `AsType`, `Compose`). Set
 * one with dz_dataset_set_transform() or dz_dataset_set_target_transform().
 *
 * A subclass written in C, Python or JavaScript implements
 * #DzTransformClass.apply(), on one sample; a data loader then transforms
 * a batch sample by sample. The built-in transforms also implement
 * #DzTransformClass.apply_batch(), the same computation on a batch
 * (samples stacked along a first axis), which a loader uses instead.
 */

/**
 * DzTransformClass::apply:
 * @self: the transform
 * @x: one sample
 * @error: return location for a #GError
 *
 * Computes the transformed sample; @x must not be modified.
 *
 * Returns: (transfer full): the new sample, or %NULL with @error set
 */

/**
 * DzTransformClass::apply_batch:
 * @self: the transform
 * @batch: samples stacked along a new first axis
 * @error: return location for a #GError
 *
 * Optional: what #DzTransformClass.apply() does to each sample of @batch,
 * done to the batch at once.
 *
 * Returns: (transfer full): the transformed batch, or %NULL with @error set
 */

G_DEFINE_ABSTRACT_TYPE (DzTransform, dz_transform, G_TYPE_OBJECT)

static void
dz_transform_class_init (DzTransformClass *klass)
{
}

static void
dz_transform_init (DzTransform *self)
{
}

/* Fills in an error a binding's implementation did not give, and checks
 * that it returned an array. */
static DzArray *
checked (DzTransform  *self,
         DzArray      *result,
         GError       *local_error,
         GError      **error)
{
  if (result != NULL && !DZ_IS_ARRAY (result))
    {
      g_clear_error (&local_error);
      g_set_error (error, DZ_ERROR, DZ_ERROR_FUNCTION_FAILED,
                   "%s returned a %s, not a DzArray", G_OBJECT_TYPE_NAME (self),
                   G_OBJECT_TYPE_NAME (result));
      return NULL;
    }
  if (result == NULL)
    {
      if (local_error == NULL)
        local_error = g_error_new (DZ_ERROR, DZ_ERROR_FUNCTION_FAILED,
                                   "%s failed without saying why", G_OBJECT_TYPE_NAME (self));
      g_propagate_error (error, local_error);
      return NULL;
    }
  g_clear_error (&local_error);
  return result;
}

/**
 * dz_transform_apply:
 * @self: a #DzTransform
 * @x: one sample
 * @error: return location for a #GError
 *
 * Transforms one sample, as calling a DeZero transform does.
 *
 * Returns: (transfer full): the transformed sample, or %NULL with @error set
 */
DzArray *
dz_transform_apply (DzTransform  *self,
                    DzArray      *x,
                    GError      **error)
{
  DzTransformClass *klass;
  GError *local_error = NULL;
  DzArray *result;

  g_return_val_if_fail (DZ_IS_TRANSFORM (self), NULL);
  g_return_val_if_fail (DZ_IS_ARRAY (x), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  klass = DZ_TRANSFORM_GET_CLASS (self);
  if (klass->apply == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_FAILED, "%s does not implement apply()",
                   G_OBJECT_TYPE_NAME (self));
      return NULL;
    }
  /* Not in checked()'s argument list: local_error must be read after. */
  result = klass->apply (self, x, &local_error);
  return checked (self, result, local_error, error);
}

DzArray *
dz_transform_apply_batch (DzTransform  *self,
                          DzArray      *batch,
                          GError      **error)
{
  DzTransformClass *klass = DZ_TRANSFORM_GET_CLASS (self);
  GError *local_error = NULL;
  DzArray *result;

  if (klass->apply_batch == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_FAILED, "%s does not implement apply_batch()",
                   G_OBJECT_TYPE_NAME (self));
      return NULL;
    }
  result = klass->apply_batch (self, batch, &local_error);
  return checked (self, result, local_error, error);
}

/* Normalize */

/**
 * DzNormalizeTransform:
 *
 * DeZero's `Normalize(mean, std)`: `(x - mean) / std` element by element.
 * Integer samples become float64; float samples keep their dtype.
 */
struct _DzNormalizeTransform
{
  DzTransform parent_instance;

  double mean;
  double std;
};

G_DEFINE_FINAL_TYPE (DzNormalizeTransform, dz_normalize_transform, DZ_TYPE_TRANSFORM)

static DzArray *
dz_normalize_transform_apply (DzTransform  *transform,
                              DzArray      *x,
                              GError      **error)
{
  DzNormalizeTransform *self = DZ_NORMALIZE_TRANSFORM (transform);
  g_autoptr(DzArray) mean = dz_array_new_scalar (self->mean);
  g_autoptr(DzArray) std = dz_array_new_scalar (self->std);
  g_autoptr(DzArray) centered = NULL;

  /* (x - mean) / std in two passes, not x * (1 / std) - mean / std in
   * one: the same bits as DeZero on NumPy (51 / 255 in float32 is one ulp
   * away from 51 * (1 / 255)). A 0-d float64 keeps a float32 x float32, by
   * NumPy's value-based casting. */
  centered = dz_array_binary (DZ_BINARY_SUB, x, mean, error);
  if (centered == NULL)
    return NULL;
  return dz_array_binary_take (DZ_BINARY_DIV, g_steal_pointer (&centered), std, error);
}

static void
dz_normalize_transform_class_init (DzNormalizeTransformClass *klass)
{
  DzTransformClass *transform_class = DZ_TRANSFORM_CLASS (klass);

  transform_class->apply = dz_normalize_transform_apply;
  transform_class->apply_batch = dz_normalize_transform_apply;
}

static void
dz_normalize_transform_init (DzNormalizeTransform *self)
{
}

/**
 * dz_normalize_transform_new:
 * @mean: what to subtract
 * @std: what to divide by, not 0
 *
 * Creates a #DzNormalizeTransform. MNIST's pixels in [0, 255] become
 * [0, 1] with `mean` 0 and `std` 255, as DeZero's default transform.
 *
 * Returns: (transfer full): a new transform
 */
DzTransform *
dz_normalize_transform_new (double mean,
                            double std)
{
  DzNormalizeTransform *self;

  g_return_val_if_fail (std != 0.0, NULL);

  self = g_object_new (DZ_TYPE_NORMALIZE_TRANSFORM, NULL);
  self->mean = mean;
  self->std = std;
  return DZ_TRANSFORM (self);
}

/* Flatten */

/**
 * DzFlattenTransform:
 *
 * DeZero's `Flatten()`: a sample of any shape becomes a vector of its
 * elements, in order, sharing its storage.
 */
struct _DzFlattenTransform
{
  DzTransform parent_instance;
};

G_DEFINE_FINAL_TYPE (DzFlattenTransform, dz_flatten_transform, DZ_TYPE_TRANSFORM)

static DzArray *
dz_flatten_transform_apply (DzTransform  *transform,
                            DzArray      *x,
                            GError      **error)
{
  gssize shape[1] = { -1 };

  return dz_array_reshape (x, shape, 1, error);
}

static DzArray *
dz_flatten_transform_apply_batch (DzTransform  *transform,
                                  DzArray      *batch,
                                  GError      **error)
{
  gssize shape[2] = { batch->ndim > 0 ? (gssize) batch->shape[0] : 1, -1 };

  return dz_array_reshape (batch, shape, 2, error);
}

static void
dz_flatten_transform_class_init (DzFlattenTransformClass *klass)
{
  DzTransformClass *transform_class = DZ_TRANSFORM_CLASS (klass);

  transform_class->apply = dz_flatten_transform_apply;
  transform_class->apply_batch = dz_flatten_transform_apply_batch;
}

static void
dz_flatten_transform_init (DzFlattenTransform *self)
{
}

/**
 * dz_flatten_transform_new:
 *
 * Creates a #DzFlattenTransform.
 *
 * Returns: (transfer full): a new transform
 */
DzTransform *
dz_flatten_transform_new (void)
{
  return g_object_new (DZ_TYPE_FLATTEN_TRANSFORM, NULL);
}

/* AsType */

/**
 * DzAstypeTransform:
 *
 * DeZero's `AsType(dtype)` (and `ToFloat`, `ToInt`): the sample's values
 * converted to another dtype, as dz_array_astype().
 */
struct _DzAstypeTransform
{
  DzTransform parent_instance;

  DzDtype dtype;
};

G_DEFINE_FINAL_TYPE (DzAstypeTransform, dz_astype_transform, DZ_TYPE_TRANSFORM)

static DzArray *
dz_astype_transform_apply (DzTransform  *transform,
                           DzArray      *x,
                           GError      **error)
{
  return dz_array_astype (x, DZ_ASTYPE_TRANSFORM (transform)->dtype, error);
}

static void
dz_astype_transform_class_init (DzAstypeTransformClass *klass)
{
  DzTransformClass *transform_class = DZ_TRANSFORM_CLASS (klass);

  transform_class->apply = dz_astype_transform_apply;
  transform_class->apply_batch = dz_astype_transform_apply;
}

static void
dz_astype_transform_init (DzAstypeTransform *self)
{
}

/**
 * dz_astype_transform_new:
 * @dtype: the dtype to convert to
 *
 * Creates a #DzAstypeTransform.
 *
 * Returns: (transfer full): a new transform
 */
DzTransform *
dz_astype_transform_new (DzDtype dtype)
{
  DzAstypeTransform *self;

  g_return_val_if_fail ((guint) dtype < DZ_N_DTYPES, NULL);

  self = g_object_new (DZ_TYPE_ASTYPE_TRANSFORM, NULL);
  self->dtype = dtype;
  return DZ_TRANSFORM (self);
}

/* Compose */

/**
 * DzComposeTransform:
 *
 * DeZero's `Compose([...])`: transforms applied one after the other. It
 * transforms whole batches when all of them can.
 */
struct _DzComposeTransform
{
  DzTransform parent_instance;

  GPtrArray *transforms;
};

G_DEFINE_FINAL_TYPE (DzComposeTransform, dz_compose_transform, DZ_TYPE_TRANSFORM)

static DzArray *
compose_run (DzComposeTransform  *self,
             DzArray             *x,
             gboolean             batch,
             GError             **error)
{
  DzArray *current = g_object_ref (x);

  for (guint i = 0; current != NULL && i < self->transforms->len; i++)
    {
      DzTransform *step = g_ptr_array_index (self->transforms, i);
      DzArray *next = batch ? dz_transform_apply_batch (step, current, error)
                            : dz_transform_apply (step, current, error);

      g_object_unref (current);
      current = next;
    }
  return current;
}

static DzArray *
dz_compose_transform_apply (DzTransform  *transform,
                            DzArray      *x,
                            GError      **error)
{
  return compose_run (DZ_COMPOSE_TRANSFORM (transform), x, FALSE, error);
}

static DzArray *
dz_compose_transform_apply_batch (DzTransform  *transform,
                                  DzArray      *batch,
                                  GError      **error)
{
  return compose_run (DZ_COMPOSE_TRANSFORM (transform), batch, TRUE, error);
}

static void
dz_compose_transform_finalize (GObject *object)
{
  g_ptr_array_unref (DZ_COMPOSE_TRANSFORM (object)->transforms);

  G_OBJECT_CLASS (dz_compose_transform_parent_class)->finalize (object);
}

static void
dz_compose_transform_class_init (DzComposeTransformClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  DzTransformClass *transform_class = DZ_TRANSFORM_CLASS (klass);

  object_class->finalize = dz_compose_transform_finalize;
  transform_class->apply = dz_compose_transform_apply;
  transform_class->apply_batch = dz_compose_transform_apply_batch;
}

static void
dz_compose_transform_init (DzComposeTransform *self)
{
  self->transforms = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * dz_compose_transform_new:
 * @transforms: (array length=n_transforms): the transforms, first applied
 *   first
 * @n_transforms: the number of transforms
 *
 * Creates a #DzComposeTransform; it keeps references to @transforms.
 *
 * Returns: (transfer full): a new transform
 */
DzTransform *
dz_compose_transform_new (DzTransform **transforms,
                          guint         n_transforms)
{
  DzComposeTransform *self;

  g_return_val_if_fail (transforms != NULL || n_transforms == 0, NULL);
  for (guint i = 0; i < n_transforms; i++)
    g_return_val_if_fail (DZ_IS_TRANSFORM (transforms[i]), NULL);

  self = g_object_new (DZ_TYPE_COMPOSE_TRANSFORM, NULL);
  for (guint i = 0; i < n_transforms; i++)
    g_ptr_array_add (self->transforms, g_object_ref (transforms[i]));
  return DZ_TRANSFORM (self);
}

/* Whether the loader may transform a gathered batch at once. */
gboolean
dz_transform_can_batch_all (DzTransform *self)
{
  if (self == NULL)
    return TRUE;
  if (DZ_IS_COMPOSE_TRANSFORM (self))
    {
      GPtrArray *steps = DZ_COMPOSE_TRANSFORM (self)->transforms;

      for (guint i = 0; i < steps->len; i++)
        if (!dz_transform_can_batch_all (g_ptr_array_index (steps, i)))
          return FALSE;
      return TRUE;
    }
  return DZ_TRANSFORM_GET_CLASS (self)->apply_batch != NULL;
}
