/* test-data.c: datasets, IDX files and the data loader
 *
 * SPDX-License-Identifier: MIT
 */

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "dz-test-utils.h"

/* Under valgrind (DZ_TEST_SCALE set) Fashion-MNIST's 70,000 images take
 * minutes: the IDX reader is covered there by the small files. */
static gboolean
running_scaled (void)
{
  return g_getenv ("DZ_TEST_SCALE") != NULL;
}

/* Values 0, 1, 2... in @n_rows rows of @row_len, or a vector of @n_rows
 * when @row_len is 0. */
static DzArray *
arange (gsize    n_rows,
        gsize    row_len,
        DzDtype  dtype)
{
  gsize n = n_rows * MAX (row_len, 1);
  g_autofree double *values = g_new (double, n);
  gsize shape[2] = { n_rows, row_len };
  g_autoptr(DzArray) a = NULL;

  for (gsize i = 0; i < n; i++)
    values[i] = i;
  a = dz_array_new_from_values (values, n, shape, row_len > 0 ? 2 : 1, NULL);
  g_assert_nonnull (a);
  return dz_array_astype (a, dtype, NULL);
}

/* ---- Spiral ---------------------------------------------------------- */

static void
check_spiral (gboolean train)
{
  g_autoptr(DzSpiral) spiral = dz_spiral_new (train);
  g_autoptr(DzSpiral) again = dz_spiral_new (train);
  DzArray *x, *t, *x2;
  const gsize *shape;
  guint ndim, counts[3] = { 0, 0, 0 };

  g_assert_true (dz_dataset_get_arrays (DZ_DATASET (spiral), &x, &t));
  g_assert_cmpuint (dz_dataset_get_length (DZ_DATASET (spiral)), ==, 300);
  g_assert_cmpint (dz_dataset_get_train (DZ_DATASET (spiral)), ==, train);

  shape = dz_array_get_shape (x, &ndim);
  g_assert_cmpuint (ndim, ==, 2);
  g_assert_cmpuint (shape[0], ==, 300);
  g_assert_cmpuint (shape[1], ==, 2);
  g_assert_cmpint (dz_array_get_dtype (x), ==, DZ_DTYPE_FLOAT64);
  shape = dz_array_get_shape (t, &ndim);
  g_assert_cmpuint (ndim, ==, 1);
  g_assert_cmpuint (shape[0], ==, 300);
  g_assert_cmpint (dz_array_get_dtype (t), ==, DZ_DTYPE_INT64);

  for (gsize i = 0; i < 300; i++)
    {
      double px = dz_array_get_value (x, 2 * i), py = dz_array_get_value (x, 2 * i + 1);
      gint64 arm = (gint64) dz_array_get_value (t, i);

      g_assert_cmpint (arm, >=, 0);
      g_assert_cmpint (arm, <, 3);
      counts[arm]++;
      /* The radius is i / 100 < 1 whatever the noise on the angle. */
      g_assert_cmpfloat (px * px + py * py, <, 1.0);
    }
  g_assert_cmpuint (counts[0], ==, 100);
  g_assert_cmpuint (counts[1], ==, 100);
  g_assert_cmpuint (counts[2], ==, 100);

  /* The same seed, the same points. */
  dz_dataset_get_arrays (DZ_DATASET (again), &x2, NULL);
  for (gsize i = 0; i < 600; i++)
    g_assert_cmpfloat (dz_array_get_value (x, i), ==, dz_array_get_value (x2, i));
}

static void
test_spiral (void)
{
  check_spiral (TRUE);
  check_spiral (FALSE);

  {
    g_autoptr(DzSpiral) train = dz_spiral_new (TRUE);
    g_autoptr(DzSpiral) test = dz_spiral_new (FALSE);
    DzArray *a, *b;
    gboolean differ = FALSE;

    dz_dataset_get_arrays (DZ_DATASET (train), &a, NULL);
    dz_dataset_get_arrays (DZ_DATASET (test), &b, NULL);
    for (gsize i = 0; i < 600; i++)
      differ |= dz_array_get_value (a, i) != dz_array_get_value (b, i);
    g_assert_true (differ);
  }
  dz_assert_no_live_objects ();
}

/* ---- DzDataset over arrays ------------------------------------------- */

static void
test_dataset_arrays (void)
{
  g_autoptr(DzArray) x = arange (5, 3, DZ_DTYPE_FLOAT32);
  g_autoptr(DzArray) t = arange (5, 0, DZ_DTYPE_INT64);
  g_autoptr(DzArray) short_t = arange (4, 0, DZ_DTYPE_INT64);
  g_autoptr(DzArray) scalar = dz_array_new_scalar (1.0);
  g_autoptr(DzDataset) dataset = NULL;
  g_autoptr(DzArray) xi = NULL;
  g_autoptr(DzArray) ti = NULL;
  g_autoptr(GError) error = NULL;
  guint ndim;

  g_assert_null (dz_dataset_new (x, short_t, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
  g_clear_error (&error);
  g_assert_null (dz_dataset_new (scalar, NULL, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
  g_clear_error (&error);

  dataset = dz_dataset_new (x, t, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dz_dataset_get_length (dataset), ==, 5);

  g_assert_true (dz_dataset_get_item (dataset, 3, &xi, &ti, &error));
  g_assert_no_error (error);
  dz_array_get_shape (xi, &ndim);
  g_assert_cmpuint (ndim, ==, 1);
  g_assert_cmpuint (dz_array_get_size (xi), ==, 3);
  g_assert_cmpint (dz_array_get_dtype (xi), ==, DZ_DTYPE_FLOAT32);
  g_assert_cmpfloat (dz_array_get_value (xi, 0), ==, 9);
  g_assert_cmpfloat (dz_array_get_value (xi, 2), ==, 11);
  g_assert_cmpuint (dz_array_get_ndim (ti), ==, 0);
  g_assert_cmpfloat (dz_array_item (ti), ==, 3);
  g_clear_object (&xi);
  g_clear_object (&ti);

  g_assert_false (dz_dataset_get_item (dataset, 5, &xi, &ti, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INDEX_OUT_OF_RANGE);
  g_assert_null (xi);
  g_assert_null (ti);
  g_clear_error (&error);

  g_clear_object (&dataset);
  g_clear_object (&x);
  g_clear_object (&t);
  g_clear_object (&short_t);
  g_clear_object (&scalar);
  dz_assert_no_live_objects ();
}

/* ---- IDX files ------------------------------------------------------- */

/* An IDX header of unsigned bytes followed by @n_values bytes i % 256 (or
 * @n_values bytes of whatever @values says). */
static GBytes *
idx_bytes (const guint32 *dims,
           guint          ndim,
           gsize          n_values,
           const guint8  *values)
{
  GByteArray *out = g_byte_array_new ();
  guint8 magic[4] = { 0, 0, 0x08, ndim };

  g_byte_array_append (out, magic, 4);
  for (guint i = 0; i < ndim; i++)
    {
      guint32 be = GUINT32_TO_BE (dims[i]);

      g_byte_array_append (out, (guint8 *) &be, 4);
    }
  for (gsize i = 0; i < n_values; i++)
    {
      guint8 v = values != NULL ? values[i] : i % 256;

      g_byte_array_append (out, &v, 1);
    }
  return g_byte_array_free_to_bytes (out);
}

static GBytes *
gzip_bytes (GBytes *plain)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) gz = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  g_autoptr(GError) error = NULL;
  gsize n;

  g_assert_true (g_output_stream_write_all (gz, g_bytes_get_data (plain, NULL),
                                            g_bytes_get_size (plain), &n, NULL, &error));
  g_assert_true (g_output_stream_close (gz, NULL, &error));
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("dz-test-data-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (fixture->dir);
  g_free (fixture->dir);
  dz_assert_no_live_objects ();
}

static char *
write_file (Fixture    *fixture,
            const char *name,
            GBytes     *bytes)
{
  char *path = g_build_filename (fixture->dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  return path;
}

static void
test_idx_read (Fixture       *fixture,
               gconstpointer  data)
{
  static const guint32 dims[] = { 3, 2, 5 };
  g_autoptr(GBytes) plain = idx_bytes (dims, 3, 30, NULL);
  g_autoptr(GBytes) gz = gzip_bytes (plain);
  g_autofree char *plain_path = write_file (fixture, "plain", plain);
  g_autofree char *gz_path = write_file (fixture, "plain.gz", gz);
  const char *paths[] = { plain_path, gz_path };
  g_autoptr(GError) error = NULL;

  for (guint p = 0; p < G_N_ELEMENTS (paths); p++)
    {
      g_autoptr(DzArray) f32 = dz_idx_read (paths[p], DZ_DTYPE_FLOAT32, 255.0, &error);
      g_autoptr(DzArray) i64 = dz_idx_read (paths[p], DZ_DTYPE_INT64, 255.0, &error);
      g_autoptr(DzArray) f64 = dz_idx_read (paths[p], DZ_DTYPE_FLOAT64, 1.0, &error);
      const gsize *shape;
      guint ndim;

      g_assert_no_error (error);
      shape = dz_array_get_shape (f32, &ndim);
      g_assert_cmpuint (ndim, ==, 3);
      g_assert_cmpuint (shape[0], ==, 3);
      g_assert_cmpuint (shape[1], ==, 2);
      g_assert_cmpuint (shape[2], ==, 5);
      for (gsize i = 0; i < 30; i++)
        {
          g_assert_cmpfloat (dz_array_get_value (f32, i), ==, (double) ((float) i / 255.0f));
          g_assert_cmpfloat (dz_array_get_value (i64, i), ==, i);
          g_assert_cmpfloat (dz_array_get_value (f64, i), ==, i);
        }
    }
}

static void
expect_idx_error (const char *path,
                  int         code,
                  const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DzArray) a = dz_idx_read (path, DZ_DTYPE_FLOAT32, 1.0, &error);

  g_assert_null (a);
  g_assert_error (error, DZ_ERROR, code);
  if (fragment != NULL && strstr (error->message, fragment) == NULL)
    g_error ("\"%s\" does not say \"%s\"", error->message, fragment);
}

static void
test_idx_errors (Fixture       *fixture,
                 gconstpointer  data)
{
  static const guint32 dims[] = { 4, 3 };
  static const guint32 huge[] = { 0xffffffff, 0xffffffff, 0xffffffff };
  static const guint32 big[] = { 1000000, 1000 };
  g_autoptr(GBytes) good = idx_bytes (dims, 2, 12, NULL);
  g_autoptr(GBytes) truncated = g_bytes_new_from_bytes (good, 0, g_bytes_get_size (good) - 3);
  g_autoptr(GBytes) in_header = g_bytes_new_from_bytes (good, 0, 6);
  g_autoptr(GBytes) trailing = idx_bytes (dims, 2, 13, NULL);
  g_autoptr(GBytes) huge_dims = idx_bytes (huge, 3, 4, NULL);
  g_autoptr(GBytes) big_dims = idx_bytes (big, 2, 4, NULL);
  g_autoptr(GBytes) big_gz = gzip_bytes (big_dims);
  g_autoptr(GBytes) truncated_gz = gzip_bytes (truncated);
  g_autoptr(GBytes) good_gz = gzip_bytes (good);
  g_autoptr(GBytes) cut_gz = g_bytes_new_from_bytes (good_gz, 0, g_bytes_get_size (good_gz) - 6);
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  guint8 *raw = g_memdup2 (g_bytes_get_data (good, NULL), g_bytes_get_size (good));
  guint8 *bad_gz = g_memdup2 (g_bytes_get_data (good_gz, NULL), g_bytes_get_size (good_gz));
  g_autoptr(GBytes) wrong_magic = NULL;
  g_autoptr(GBytes) wrong_type = NULL;
  g_autoptr(GBytes) no_axes = NULL;
  g_autoptr(GBytes) corrupt_gz = NULL;
  g_autofree char *missing = g_build_filename (fixture->dir, "missing", NULL);
  g_autofree char *p = NULL;

  raw[0] = 0x12;
  wrong_magic = g_bytes_new (raw, g_bytes_get_size (good));
  raw[0] = 0;
  raw[2] = 0x0d;
  wrong_type = g_bytes_new (raw, g_bytes_get_size (good));
  raw[2] = 0x08;
  raw[3] = 0;
  no_axes = g_bytes_new (raw, g_bytes_get_size (good));
  g_free (raw);
  /* A flipped byte in the deflate data or its checksum. */
  bad_gz[g_bytes_get_size (good_gz) - 7] ^= 0xff;
  corrupt_gz = g_bytes_new_take (bad_gz, g_bytes_get_size (good_gz));

  expect_idx_error (missing, DZ_ERROR_NOT_AVAILABLE, missing);
  expect_idx_error ((p = write_file (fixture, "empty", empty)), DZ_ERROR_INVALID_ARGUMENT, "magic");
  g_clear_pointer (&p, g_free);
  expect_idx_error ((p = write_file (fixture, "magic", wrong_magic)), DZ_ERROR_INVALID_ARGUMENT, "magic");
  g_clear_pointer (&p, g_free);
  expect_idx_error ((p = write_file (fixture, "type", wrong_type)), DZ_ERROR_INVALID_ARGUMENT, "0x0d");
  g_clear_pointer (&p, g_free);
  expect_idx_error ((p = write_file (fixture, "axes", no_axes)), DZ_ERROR_INVALID_ARGUMENT, "0 axes");
  g_clear_pointer (&p, g_free);
  expect_idx_error ((p = write_file (fixture, "header", in_header)), DZ_ERROR_INVALID_ARGUMENT, "header");
  g_clear_pointer (&p, g_free);
  expect_idx_error ((p = write_file (fixture, "truncated", truncated)), DZ_ERROR_INVALID_ARGUMENT, "9 of its 12");
  g_clear_pointer (&p, g_free);
  expect_idx_error ((p = write_file (fixture, "truncated.gz", truncated_gz)), DZ_ERROR_INVALID_ARGUMENT, "9 of its 12");
  g_clear_pointer (&p, g_free);
  expect_idx_error ((p = write_file (fixture, "trailing", trailing)), DZ_ERROR_INVALID_ARGUMENT, "goes on");
  g_clear_pointer (&p, g_free);
  expect_idx_error ((p = write_file (fixture, "huge", huge_dims)), DZ_ERROR_TOO_LARGE, NULL);
  g_clear_pointer (&p, g_free);
  expect_idx_error ((p = write_file (fixture, "big", big_dims)), DZ_ERROR_INVALID_ARGUMENT, "1000000000 values");
  g_clear_pointer (&p, g_free);
  expect_idx_error ((p = write_file (fixture, "big.gz", big_gz)), DZ_ERROR_INVALID_ARGUMENT, "1000000000 values");
  g_clear_pointer (&p, g_free);
  expect_idx_error ((p = write_file (fixture, "cut.gz", cut_gz)), DZ_ERROR_INVALID_ARGUMENT, NULL);
  g_clear_pointer (&p, g_free);
  expect_idx_error ((p = write_file (fixture, "corrupt.gz", corrupt_gz)), DZ_ERROR_INVALID_ARGUMENT, NULL);
  g_clear_pointer (&p, g_free);
}

/* ---- MNIST ----------------------------------------------------------- */

static void
write_mnist (Fixture    *fixture,
             const char *prefix,
             guint32     n,
             guint32     n_labels,
             gboolean    compress)
{
  guint32 image_dims[3] = { n, 4, 3 };
  g_autoptr(GBytes) images = idx_bytes (image_dims, 3, n * 12, NULL);
  g_autofree guint8 *digits = g_new (guint8, n_labels);
  g_autoptr(GBytes) labels = NULL;
  g_autofree char *images_name = g_strconcat (prefix, "-images-idx3-ubyte", compress ? ".gz" : "", NULL);
  g_autofree char *labels_name = g_strconcat (prefix, "-labels-idx1-ubyte", compress ? ".gz" : "", NULL);

  for (guint32 i = 0; i < n_labels; i++)
    digits[i] = i % 10;
  labels = idx_bytes (&n_labels, 1, n_labels, digits);
  if (compress)
    {
      GBytes *gz = gzip_bytes (images);

      g_bytes_unref (images);
      images = gz;
      gz = gzip_bytes (labels);
      g_bytes_unref (labels);
      labels = gz;
    }
  g_free (write_file (fixture, images_name, images));
  g_free (write_file (fixture, labels_name, labels));
}

static void
test_mnist_directory (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DzMNIST) train = NULL;
  g_autoptr(DzMNIST) test = NULL;
  g_autoptr(DzArray) x = NULL;
  g_autoptr(DzArray) t = NULL;
  g_autoptr(DzArray) xi = NULL;
  g_autoptr(DzArray) ti = NULL;
  g_autoptr(GBytes) pixels = NULL;
  gsize all[7] = { 0, 1, 2, 3, 4, 5, 6 }, n, rows, cols;
  const gsize *shape;
  guint ndim;

  test = dz_mnist_new (fixture->dir, FALSE, &error);
  g_assert_null (test);
  g_assert_error (error, DZ_ERROR, DZ_ERROR_NOT_AVAILABLE);
  g_assert_nonnull (strstr (error->message, "t10k-images-idx3-ubyte"));
  g_clear_error (&error);

  write_mnist (fixture, "train", 7, 7, TRUE);
  write_mnist (fixture, "t10k", 5, 4, FALSE);

  train = dz_mnist_new (fixture->dir, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dz_dataset_get_length (DZ_DATASET (train)), ==, 7);
  g_assert_true (dz_dataset_get_batch (DZ_DATASET (train), all, 7, &x, &t, &error));
  g_assert_no_error (error);
  shape = dz_array_get_shape (x, &ndim);
  g_assert_cmpuint (ndim, ==, 2);
  g_assert_cmpuint (shape[0], ==, 7);
  g_assert_cmpuint (shape[1], ==, 12);
  g_assert_cmpint (dz_array_get_dtype (x), ==, DZ_DTYPE_FLOAT32);
  g_assert_cmpint (dz_array_get_dtype (t), ==, DZ_DTYPE_INT64);
  g_assert_cmpfloat (dz_array_get_value (x, 83), ==, (double) (83.0f / 255.0f));
  g_assert_cmpfloat (dz_array_get_value (t, 6), ==, 6);

  /* One sample is the same row; the bytes are the file's. */
  g_assert_true (dz_dataset_get_item (DZ_DATASET (train), 6, &xi, &ti, &error));
  g_assert_cmpuint (dz_array_get_ndim (xi), ==, 1);
  g_assert_cmpfloat (dz_array_get_value (xi, 83 - 72), ==, dz_array_get_value (x, 83));
  g_assert_cmpfloat (dz_array_item (ti), ==, 6);
  pixels = dz_mnist_get_images (train, &n, &rows, &cols);
  g_assert_cmpuint (n, ==, 7);
  g_assert_cmpuint (rows * cols, ==, 12);
  g_assert_cmpuint (g_bytes_get_size (pixels), ==, 84);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (pixels, NULL))[83], ==, 83);
  g_assert_cmpfloat (dz_array_get_value (dz_mnist_get_labels (train), 6), ==, 6);
  g_assert_false (dz_dataset_get_arrays (DZ_DATASET (train), NULL, NULL));

  /* Five images, four labels. */
  test = dz_mnist_new (fixture->dir, FALSE, &error);
  g_assert_null (test);
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
}

static void
test_fashion_mnist (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DzFashionMNIST) train = NULL;
  g_autoptr(DzFashionMNIST) test = NULL;
  g_autoptr(DzDataLoader) loader = NULL;
  g_autoptr(DzArray) bx = NULL;
  g_autoptr(DzArray) bt = NULL;
  DzArray *t;
  gint64 start;
  gsize n_values, n, rows, cols;
  const guint8 *pixels;
  g_autoptr(GBytes) bytes = NULL;

  if (running_scaled ())
    {
      g_test_skip ("Fashion-MNIST is too big for valgrind");
      return;
    }

  start = g_get_monotonic_time ();
  train = dz_fashion_mnist_new (TRUE, &error);
  if (train == NULL && g_error_matches (error, DZ_ERROR, DZ_ERROR_NOT_AVAILABLE))
    {
      g_assert_nonnull (strstr (error->message, "dataset-fashion-mnist"));
      g_test_skip ("Debian's dataset-fashion-mnist is not installed");
      return;
    }
  g_assert_no_error (error);
  g_test_message ("Fashion-MNIST's 60,000 training images loaded in %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);

  bytes = dz_mnist_get_images (DZ_MNIST (train), &n, &rows, &cols);
  t = dz_mnist_get_labels (DZ_MNIST (train));
  g_assert_cmpuint (n, ==, 60000);
  g_assert_cmpuint (rows, ==, 28);
  g_assert_cmpuint (cols, ==, 28);
  g_assert_cmpuint (dz_array_get_shape (t, NULL)[0], ==, 60000);

  pixels = g_bytes_get_data (bytes, &n_values);
  g_assert_cmpuint (n_values, ==, 60000 * 784);
  {
    guint8 lo = 255, hi = 0;

    for (gsize i = 0; i < n_values; i++)
      {
        lo = MIN (lo, pixels[i]);
        hi = MAX (hi, pixels[i]);
      }
    g_assert_cmpuint (lo, ==, 0);
    g_assert_cmpuint (hi, ==, 255);
  }
  for (gsize i = 0; i < 60000; i++)
    {
      double label = dz_array_get_value (t, i);

      g_assert_cmpfloat (label, >=, 0);
      g_assert_cmpfloat (label, <=, 9);
    }

  test = dz_fashion_mnist_new (FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dz_dataset_get_length (DZ_DATASET (test)), ==, 10000);

  loader = dz_data_loader_new (DZ_DATASET (train), 100, TRUE, 0);
  g_assert_cmpuint (dz_data_loader_get_n_batches (loader), ==, 600);
  g_assert_true (dz_data_loader_next (loader, &bx, &bt, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dz_array_get_shape (bx, NULL)[0], ==, 100);
  g_assert_cmpuint (dz_array_get_shape (bx, NULL)[1], ==, 784);
  g_assert_cmpuint (dz_array_get_shape (bt, NULL)[0], ==, 100);
  {
    /* The batch is the bytes over 255 in float32, row for row. */
    gsize first = (gsize) -1;

    for (gsize i = 0; i < 60000 && first == (gsize) -1; i++)
      {
        gboolean same = dz_array_get_value (t, i) == dz_array_get_value (bt, 0);

        for (gsize k = 0; same && k < 784; k++)
          same = dz_array_get_value (bx, k) == (double) ((float) pixels[i * 784 + k] / 255.0f);
        if (same)
          first = i;
      }
    g_assert_cmpuint (first, !=, (gsize) -1);
  }

  g_clear_object (&bx);
  g_clear_object (&bt);
  g_clear_pointer (&bytes, g_bytes_unref);
  g_clear_object (&loader);
  g_clear_object (&train);
  g_clear_object (&test);
  dz_assert_no_live_objects ();
}

/* ---- DzDataLoader ---------------------------------------------------- */

/* A dataset that computes sample i as x = (i, -i), t = 10 i, to go
 * through the loader's one-sample-at-a-time path. */
#define TEST_TYPE_COMPUTED (test_computed_get_type ())
G_DECLARE_FINAL_TYPE (TestComputed, test_computed, TEST, COMPUTED, DzDataset)

struct _TestComputed
{
  DzDataset parent_instance;
  gsize length;
};

G_DEFINE_FINAL_TYPE (TestComputed, test_computed, DZ_TYPE_DATASET)

static gsize
test_computed_get_length (DzDataset *dataset)
{
  return TEST_COMPUTED (dataset)->length;
}

static gboolean
test_computed_get_item (DzDataset  *dataset,
                        gsize       index,
                        DzArray   **x,
                        DzArray   **t,
                        GError    **error)
{
  double values[2] = { index, -(double) index };
  gsize shape[1] = { 2 };

  *x = dz_array_new_from_values (values, 2, shape, 1, error);
  *t = dz_array_new_scalar (10.0 * index);
  return TRUE;
}

static void
test_computed_class_init (TestComputedClass *klass)
{
  DZ_DATASET_CLASS (klass)->get_length = test_computed_get_length;
  DZ_DATASET_CLASS (klass)->get_item = test_computed_get_item;
}

static void
test_computed_init (TestComputed *self)
{
}

/* Walks one epoch, checking every batch and that each sample comes once;
 * returns the order. */
static GArray *
walk_epoch (DzDataLoader *loader,
            gsize         n_samples,
            gsize         batch_size,
            gboolean      drop_last,
            double        label_scale)
{
  g_autofree guint *seen = g_new0 (guint, n_samples);
  GArray *order = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr(GError) error = NULL;
  DzArray *x, *t;
  gsize n_batches = 0;

  while (dz_data_loader_next (loader, &x, &t, &error))
    {
      const gsize *shape = dz_array_get_shape (x, NULL);

      g_assert_cmpuint (dz_array_get_ndim (x), ==, 2);
      g_assert_cmpuint (shape[1], ==, 2);
      g_assert_cmpuint (dz_array_get_ndim (t), ==, 1);
      g_assert_cmpuint (dz_array_get_size (t), ==, shape[0]);
      if (drop_last || n_batches + 1 < dz_data_loader_get_n_batches (loader))
        g_assert_cmpuint (shape[0], ==, batch_size);
      for (gsize r = 0; r < shape[0]; r++)
        {
          gsize i = (gsize) dz_array_get_value (x, 2 * r);

          g_assert_cmpuint (i, <, n_samples);
          g_assert_cmpfloat (dz_array_get_value (x, 2 * r + 1), ==, -(double) i);
          g_assert_cmpfloat (dz_array_get_value (t, r), ==, label_scale * i);
          seen[i]++;
          g_array_append_val (order, i);
        }
      n_batches++;
      g_object_unref (x);
      g_object_unref (t);
    }
  g_assert_no_error (error);
  g_assert_null (x);
  g_assert_null (t);
  g_assert_cmpuint (n_batches, ==, dz_data_loader_get_n_batches (loader));

  for (gsize i = 0; i < n_samples; i++)
    if (!drop_last)
      g_assert_cmpuint (seen[i], ==, 1);
    else
      g_assert_cmpuint (seen[i], <=, 1);
  g_assert_cmpuint (order->len, ==, drop_last ? n_samples / batch_size * batch_size : n_samples);
  return order;
}

static DzDataset *
rows_dataset (gsize n)
{
  g_autofree double *xv = g_new (double, 2 * n);
  g_autofree double *tv = g_new (double, n);
  gsize x_shape[2] = { n, 2 }, t_shape[1] = { n };
  g_autoptr(DzArray) x = NULL;
  g_autoptr(DzArray) t = NULL;
  g_autoptr(DzArray) t64 = NULL;

  for (gsize i = 0; i < n; i++)
    {
      xv[2 * i] = i;
      xv[2 * i + 1] = -(double) i;
      tv[i] = i;
    }
  x = dz_array_new_from_values (xv, 2 * n, x_shape, 2, NULL);
  t = dz_array_new_from_values (tv, n, t_shape, 1, NULL);
  t64 = dz_array_astype (t, DZ_DTYPE_INT64, NULL);
  return dz_dataset_new (x, t64, NULL);
}

static gboolean
same_order (GArray *a,
            GArray *b)
{
  return a->len == b->len && memcmp (a->data, b->data, a->len * sizeof (gsize)) == 0;
}

static void
check_loader (DzDataset *dataset,
              double     label_scale)
{
  gsize n = dz_dataset_get_length (dataset);

  for (int shuffle = 0; shuffle < 2; shuffle++)
    {
      g_autoptr(DzDataLoader) loader = dz_data_loader_new (dataset, 3, shuffle, 42);
      g_autoptr(DzDataLoader) twin = dz_data_loader_new (dataset, 3, shuffle, 42);
      g_autoptr(GArray) first = NULL;
      g_autoptr(GArray) second = NULL;
      g_autoptr(GArray) twin_first = NULL;
      g_autoptr(GArray) dropped = NULL;

      g_assert_cmpuint (dz_data_loader_get_n_batches (loader), ==, (n + 2) / 3);
      first = walk_epoch (loader, n, 3, FALSE, label_scale);
      second = walk_epoch (loader, n, 3, FALSE, label_scale);
      twin_first = walk_epoch (twin, n, 3, FALSE, label_scale);
      g_assert_true (same_order (first, twin_first));
      if (shuffle)
        {
          /* A new order each epoch, as DeZero's reset(). */
          g_assert_false (same_order (first, second));
        }
      else
        {
          for (gsize i = 0; i < n; i++)
            g_assert_cmpuint (g_array_index (first, gsize, i), ==, i);
          g_assert_true (same_order (first, second));
        }

      dz_data_loader_set_drop_last (loader, TRUE);
      g_assert_cmpuint (dz_data_loader_get_n_batches (loader), ==, n / 3);
      dropped = walk_epoch (loader, n, 3, TRUE, label_scale);
    }
}

static void
test_loader_arrays (void)
{
  g_autoptr(DzDataset) dataset = rows_dataset (20);

  check_loader (dataset, 1.0);
  g_clear_object (&dataset);
  dz_assert_no_live_objects ();
}

static void
test_loader_computed (void)
{
  g_autoptr(TestComputed) dataset = g_object_new (TEST_TYPE_COMPUTED, NULL);

  dataset->length = 20;
  g_assert_false (dz_dataset_get_arrays (DZ_DATASET (dataset), NULL, NULL));
  check_loader (DZ_DATASET (dataset), 10.0);
  g_clear_object (&dataset);
  dz_assert_no_live_objects ();
}

static void
test_loader_reset (void)
{
  g_autoptr(DzDataset) dataset = rows_dataset (10);
  g_autoptr(DzDataset) smaller = rows_dataset (4);
  g_autoptr(DzDataLoader) loader = dz_data_loader_new (dataset, 4, FALSE, 0);
  g_autoptr(GError) error = NULL;
  DzArray *data, *label, *x, *t;

  /* Leaving an epoch early and resetting starts from the beginning. */
  g_assert_true (dz_data_loader_next (loader, &x, &t, &error));
  g_clear_object (&x);
  g_clear_object (&t);
  dz_data_loader_reset (loader);
  g_assert_true (dz_data_loader_next (loader, &x, &t, &error));
  g_assert_cmpfloat (dz_array_get_value (t, 0), ==, 0);
  g_clear_object (&x);
  g_clear_object (&t);

  /* A dataset that shrinks under an epoch is an error, not a crash. */
  dz_dataset_get_arrays (smaller, &data, &label);
  g_assert_true (dz_dataset_set_arrays (dataset, data, label, &error));
  g_assert_false (dz_data_loader_next (loader, &x, &t, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SIZE_MISMATCH);
  g_clear_error (&error);
  dz_data_loader_reset (loader);
  g_assert_cmpuint (dz_data_loader_get_n_batches (loader), ==, 1);
  g_assert_true (dz_data_loader_next (loader, &x, &t, &error));
  g_assert_cmpuint (dz_array_get_size (t), ==, 4);
  g_clear_object (&x);
  g_clear_object (&t);

  g_clear_object (&loader);
  g_clear_object (&dataset);
  g_clear_object (&smaller);
  dz_assert_no_live_objects ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/data/spiral", test_spiral);
  g_test_add_func ("/data/dataset/arrays", test_dataset_arrays);
  g_test_add ("/data/idx/read", Fixture, NULL, fixture_setup, test_idx_read, fixture_teardown);
  g_test_add ("/data/idx/errors", Fixture, NULL, fixture_setup, test_idx_errors, fixture_teardown);
  g_test_add ("/data/mnist/directory", Fixture, NULL, fixture_setup, test_mnist_directory,
              fixture_teardown);
  g_test_add_func ("/data/fashion-mnist", test_fashion_mnist);
  g_test_add_func ("/data/loader/arrays", test_loader_arrays);
  g_test_add_func ("/data/loader/computed", test_loader_computed);
  g_test_add_func ("/data/loader/reset", test_loader_reset);

  return g_test_run ();
}
