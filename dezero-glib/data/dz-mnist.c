/* dz-mnist.c: MNIST and Fashion-MNIST from IDX files
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-error.h"
#include "dz-idx.h"
#include "dz-mnist.h"

/* Pixels become float32 in [0, 1] as DeZero's default transform
 * (Flatten, ToFloat, Normalize(0, 255)). */
#define PIXEL_DIVISOR 255.0

/**
 * DzMNIST:
 *
 * DeZero's `MNIST` read from a directory holding the four IDX files of
 * the distribution (`train-images-idx3-ubyte.gz`,
 * `train-labels-idx1-ubyte.gz`, `t10k-images-idx3-ubyte.gz`,
 * `t10k-labels-idx1-ubyte.gz`, or the same names without `.gz`). Nothing
 * is downloaded.
 *
 * The images come with DeZero's default transform already applied: `x`
 * is float32 of shape (N, 784) with values in [0, 1], `t` the digit in
 * int64. Both are held whole, so #DzDataLoader gathers a batch with one
 * copy per row.
 */
G_DEFINE_TYPE (DzMNIST, dz_mnist, DZ_TYPE_DATASET)

/**
 * DzFashionMNIST:
 *
 * Fashion-MNIST (Zalando's 28 × 28 images of ten kinds of clothing, the
 * same format as MNIST) from where Debian's `dataset-fashion-mnist`
 * package installs it, %DZ_FASHION_MNIST_DIR. See #DzMNIST for the
 * shapes.
 */
struct _DzFashionMNIST
{
  DzMNIST parent_instance;
};

G_DEFINE_FINAL_TYPE (DzFashionMNIST, dz_fashion_mnist, DZ_TYPE_MNIST)

static void
dz_mnist_class_init (DzMNISTClass *klass)
{
}

static void
dz_mnist_init (DzMNIST *self)
{
}

static void
dz_fashion_mnist_class_init (DzFashionMNISTClass *klass)
{
}

static void
dz_fashion_mnist_init (DzFashionMNIST *self)
{
}

/* The file named @stem in @directory, compressed or not; NULL when
 * neither exists. */
static char *
find_file (const char *directory,
           const char *stem)
{
  g_autofree char *plain = g_build_filename (directory, stem, NULL);
  char *gz = g_strconcat (plain, ".gz", NULL);

  if (g_file_test (gz, G_FILE_TEST_EXISTS))
    return gz;
  g_free (gz);
  if (g_file_test (plain, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&plain);
  return NULL;
}

static gboolean
dz_mnist_load (DzMNIST     *self,
               const char  *directory,
               const char  *package,
               GError     **error)
{
  const char *prefix = dz_dataset_get_train (DZ_DATASET (self)) ? "train" : "t10k";
  g_autofree char *images_stem = g_strconcat (prefix, "-images-idx3-ubyte", NULL);
  g_autofree char *labels_stem = g_strconcat (prefix, "-labels-idx1-ubyte", NULL);
  g_autofree char *images_path = find_file (directory, images_stem);
  g_autofree char *labels_path = find_file (directory, labels_stem);
  g_autoptr(DzArray) images = NULL;
  g_autoptr(DzArray) labels = NULL;
  g_autoptr(DzArray) flat = NULL;
  const gsize *shape;
  gssize flat_shape[2];
  guint ndim;

  if (images_path == NULL || labels_path == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_NOT_AVAILABLE,
                   "%s/%s.gz is missing%s%s%s", directory,
                   images_path == NULL ? images_stem : labels_stem,
                   package != NULL ? " (install Debian's " : "",
                   package != NULL ? package : "",
                   package != NULL ? " package)" : "");
      return FALSE;
    }

  images = dz_idx_read (images_path, DZ_DTYPE_FLOAT32, PIXEL_DIVISOR, error);
  if (images == NULL)
    return FALSE;
  labels = dz_idx_read (labels_path, DZ_DTYPE_INT64, 1.0, error);
  if (labels == NULL)
    return FALSE;

  shape = dz_array_get_shape (images, &ndim);
  if (ndim != 3 || dz_array_get_ndim (labels) != 1)
    {
      g_autofree char *is = dz_array_shape_to_string (images);
      g_autofree char *ls = dz_array_shape_to_string (labels);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "MNIST images must be (N, rows, cols) and labels (N,), not %s and %s",
                   is, ls);
      return FALSE;
    }
  flat_shape[0] = shape[0];
  flat_shape[1] = shape[1] * shape[2];
  flat = dz_array_reshape (images, flat_shape, 2, error);
  if (flat == NULL)
    return FALSE;

  return dz_dataset_set_arrays (DZ_DATASET (self), flat, labels, error);
}

/**
 * dz_mnist_new:
 * @directory: (type filename): the directory holding the IDX files
 * @train: %TRUE for the 60,000 training images, %FALSE for the 10,000
 *   test images
 * @error: return location for a #GError
 *
 * Reads MNIST, or any dataset in its format, from @directory.
 *
 * Returns: (transfer full): a new #DzMNIST, or %NULL with @error set
 *   (%DZ_ERROR_NOT_AVAILABLE when a file is missing; see dz_idx_read()
 *   for the others)
 */
DzMNIST *
dz_mnist_new (const char  *directory,
              gboolean     train,
              GError     **error)
{
  g_autoptr(DzMNIST) self = NULL;

  g_return_val_if_fail (directory != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (DZ_TYPE_MNIST, "train", train, NULL);
  if (!dz_mnist_load (self, directory, NULL, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * dz_fashion_mnist_new:
 * @train: %TRUE for the 60,000 training images, %FALSE for the 10,000
 *   test images
 * @error: return location for a #GError
 *
 * Reads Fashion-MNIST from %DZ_FASHION_MNIST_DIR.
 *
 * Returns: (transfer full): a new #DzFashionMNIST, or %NULL with @error
 *   set (%DZ_ERROR_NOT_AVAILABLE, naming the Debian package, when it is
 *   not installed)
 */
DzFashionMNIST *
dz_fashion_mnist_new (gboolean   train,
                      GError   **error)
{
  g_autoptr(DzFashionMNIST) self = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (DZ_TYPE_FASHION_MNIST, "train", train, NULL);
  if (!dz_mnist_load (DZ_MNIST (self), DZ_FASHION_MNIST_DIR, "dataset-fashion-mnist", error))
    return NULL;
  return g_steal_pointer (&self);
}
