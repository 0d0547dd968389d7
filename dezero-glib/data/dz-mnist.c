/* dz-mnist.c: MNIST and Fashion-MNIST from IDX files
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "dz-array-private.h"
#include "dz-data-private.h"
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
 * The samples come with DeZero's default transform already applied: `x`
 * is float32 of shape (784,) with values in [0, 1], `t` the digit in
 * int64. The pixels are held as the files have them, one byte each
 * (dz_mnist_get_images()), and converted batch by batch as
 * #DzDataLoader reads them (#DzDatasetClass.get_batch): a quarter of the
 * memory float32 would take. dz_dataset_get_arrays() gives nothing.
 */
typedef struct
{
  /* The pixels as the files have them, one byte each: 47 MB for
   * Fashion-MNIST's training set where float32 took 188 (the largest part
   * of a training process's memory). Batches are converted as they are
   * read, which costs ~20 ms an epoch. */
  GBytes *images;
  gsize n_images;
  gsize image_size;
  gsize rows, cols;
  DzArray *labels;
} DzMNISTPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (DzMNIST, dz_mnist, DZ_TYPE_DATASET)

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

static gsize
dz_mnist_get_length (DzDataset *dataset)
{
  DzMNISTPrivate *priv = dz_mnist_get_instance_private (DZ_MNIST (dataset));

  return priv->n_images;
}

/* Images @indices as float32 in [0, 1], one row each. */
static DzArray *
gather_pixels (DzMNISTPrivate  *priv,
               const gsize     *indices,
               gsize            n_indices,
               gboolean         keep_axis,
               GError         **error)
{
  const guint8 *pixels = g_bytes_get_data (priv->images, NULL);
  gsize shape[2] = { n_indices, priv->image_size };
  gsize n_values, n_bytes;
  float *values;
  g_autoptr(GBytes) bytes = NULL;

  if (!g_size_checked_mul (&n_values, n_indices, priv->image_size)
      || !g_size_checked_mul (&n_bytes, n_values, sizeof (float))
      || (values = g_try_malloc (MAX (n_bytes, 1))) == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_TOO_LARGE,
                   "A batch of %" G_GSIZE_FORMAT " images cannot be allocated", n_indices);
      return NULL;
    }
  bytes = g_bytes_new_take (values, n_bytes);
  for (gsize i = 0; i < n_indices; i++)
    {
      const guint8 *src = pixels + indices[i] * priv->image_size;
      float *dest = values + i * priv->image_size;

      /* Dividing in float32, as DeZero's `x.astype(np.float32) / 255.0`:
       * the same bits. */
#pragma omp simd
      for (gsize k = 0; k < priv->image_size; k++)
        dest[k] = (float) src[k] / (float) PIXEL_DIVISOR;
    }
  return keep_axis ? dz_array_new_from_bytes (bytes, DZ_DTYPE_FLOAT32, shape, 2, error)
                   : dz_array_new_from_bytes (bytes, DZ_DTYPE_FLOAT32, shape + 1, 1, error);
}

/* Samples @indices, stacked (@keep_axis) or the one alone. */
static gboolean
read_samples (DzDataset    *dataset,
              const gsize  *indices,
              gsize         n_indices,
              gboolean      keep_axis,
              DzArray     **x,
              DzArray     **t,
              GError      **error)
{
  DzMNISTPrivate *priv = dz_mnist_get_instance_private (DZ_MNIST (dataset));

  *x = gather_pixels (priv, indices, n_indices, keep_axis, error);
  if (*x == NULL)
    return FALSE;
  *t = dz_data_take_rows (priv->labels, indices, n_indices, keep_axis, error);
  if (*t == NULL)
    {
      g_clear_object (x);
      return FALSE;
    }
  return TRUE;
}

static gboolean
dz_mnist_get_batch (DzDataset    *dataset,
                    const gsize  *indices,
                    gsize         n_indices,
                    DzArray     **x,
                    DzArray     **t,
                    GError      **error)
{
  return read_samples (dataset, indices, n_indices, TRUE, x, t, error);
}

static gboolean
dz_mnist_get_item (DzDataset  *dataset,
                   gsize       index,
                   DzArray   **x,
                   DzArray   **t,
                   GError    **error)
{
  return read_samples (dataset, &index, 1, FALSE, x, t, error);
}

static void
dz_mnist_finalize (GObject *object)
{
  DzMNISTPrivate *priv = dz_mnist_get_instance_private (DZ_MNIST (object));

  g_clear_pointer (&priv->images, g_bytes_unref);
  g_clear_object (&priv->labels);

  G_OBJECT_CLASS (dz_mnist_parent_class)->finalize (object);
}

static void
dz_mnist_class_init (DzMNISTClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  DzDatasetClass *dataset_class = DZ_DATASET_CLASS (klass);

  object_class->finalize = dz_mnist_finalize;
  dataset_class->get_length = dz_mnist_get_length;
  dataset_class->get_item = dz_mnist_get_item;
  dataset_class->get_batch = dz_mnist_get_batch;
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
  DzMNISTPrivate *priv = dz_mnist_get_instance_private (self);
  g_autoptr(GBytes) images = NULL;
  g_autoptr(DzArray) labels = NULL;
  gsize shape[DZ_ARRAY_MAX_NDIM];
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

  images = dz_idx_read_bytes (images_path, shape, &ndim, error);
  if (images == NULL)
    return FALSE;
  labels = dz_idx_read (labels_path, DZ_DTYPE_INT64, 1.0, error);
  if (labels == NULL)
    return FALSE;

  if (ndim != 3 || dz_array_get_ndim (labels) != 1
      || dz_array_get_shape (labels, NULL)[0] != shape[0])
    {
      g_autofree char *is = dz_shape_to_string (shape, ndim);
      g_autofree char *ls = dz_array_shape_to_string (labels);

      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "MNIST images must be (N, rows, cols) and labels (N,), not %s and %s",
                   is, ls);
      return FALSE;
    }

  priv->images = g_steal_pointer (&images);
  priv->n_images = shape[0];
  priv->rows = shape[1];
  priv->cols = shape[2];
  priv->image_size = shape[1] * shape[2];
  priv->labels = g_steal_pointer (&labels);
  return TRUE;
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

/**
 * dz_mnist_get_images:
 * @self: a #DzMNIST
 * @n_images: (out) (optional): the number of images
 * @rows: (out) (optional): the height of an image
 * @cols: (out) (optional): the width of an image
 *
 * Gets the pixels as the files hold them: one unsigned byte each, image
 * after image, row after row (DeZero's `data`, of shape (N, 1, rows,
 * cols), which has no #DzDtype). Samples and batches are these values
 * divided by 255 as float32.
 *
 * Returns: (transfer full): the pixels, shared with @self
 */
GBytes *
dz_mnist_get_images (DzMNIST *self,
                     gsize   *n_images,
                     gsize   *rows,
                     gsize   *cols)
{
  DzMNISTPrivate *priv;

  g_return_val_if_fail (DZ_IS_MNIST (self), NULL);

  priv = dz_mnist_get_instance_private (self);
  if (n_images != NULL)
    *n_images = priv->n_images;
  if (rows != NULL)
    *rows = priv->rows;
  if (cols != NULL)
    *cols = priv->cols;
  return g_bytes_ref (priv->images);
}

/**
 * dz_mnist_get_labels:
 * @self: a #DzMNIST
 *
 * Gets the labels, one int64 class index per image.
 *
 * Returns: (transfer none): the labels, of shape (N,)
 */
DzArray *
dz_mnist_get_labels (DzMNIST *self)
{
  DzMNISTPrivate *priv;

  g_return_val_if_fail (DZ_IS_MNIST (self), NULL);

  priv = dz_mnist_get_instance_private (self);
  return priv->labels;
}
