/* test-safetensors.c: safetensors files: round trips, the mapping, the
 * atomic write, and every kind of bad file
 *
 * SPDX-License-Identifier: MIT
 */

#include <errno.h>
#include <signal.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include "dz-test-utils.h"

static char *tmp_dir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

static DzArray *
typed_array (DzDtype       dtype,
             const void   *values,
             const gsize  *shape,
             guint         ndim)
{
  gsize size = 1;
  g_autoptr(GBytes) bytes = NULL;
  DzArray *a;

  for (guint d = 0; d < ndim; d++)
    size *= shape[d];
  bytes = g_bytes_new (values, size * dz_dtype_get_item_size (dtype));
  a = dz_array_new_from_bytes (bytes, dtype, shape, ndim, NULL);
  g_assert_nonnull (a);
  return a;
}

static void
assert_arrays_equal (DzArray *a,
                     DzArray *b)
{
  g_autoptr(GBytes) a_bytes = dz_array_get_bytes (a);
  g_autoptr(GBytes) b_bytes = dz_array_get_bytes (b);

  g_assert_cmpint (dz_array_get_dtype (a), ==, dz_array_get_dtype (b));
  g_assert_true (dz_array_same_shape (a, b));
  g_assert_true (g_bytes_equal (a_bytes, b_bytes));
}

/* Writes a file made of the 8-byte length of @header, @header padded with
 * spaces so that the data starts 8-byte aligned, and @data. */
static char *
write_raw (const char *name,
           const char *header,
           const void *data,
           gsize       data_length)
{
  char *path = tmp_path (name);
  gsize header_length = strlen (header);
  gsize padded = (header_length + 7) / 8 * 8;
  g_autoptr(GByteArray) contents = g_byte_array_new ();
  guint64 length_le = GUINT64_TO_LE (padded);

  g_byte_array_append (contents, (const guint8 *) &length_le, 8);
  g_byte_array_append (contents, (const guint8 *) header, header_length);
  g_byte_array_append (contents, (const guint8 *) "       ", padded - header_length);
  if (data_length > 0)
    g_byte_array_append (contents, data, data_length);
  g_assert_true (g_file_set_contents (path, (const char *) contents->data, contents->len, NULL));
  return path;
}

static void
test_round_trip (void)
{
  static const float f32[] = { 0.5f, -1.25f, 3.0f, 1e-30f, 7.0f, -0.0f };
  static const double f64[] = { G_PI, -G_E, 1e300, 5e-324 };
  static const gint64 i64[] = { -1, G_GINT64_CONSTANT (1) << 60, 0 };
  static const float f32_one[] = { 1.5f };
  static const double f64_one[] = { -2.5 };
  const gsize shape_23[] = { 2, 3 }, shape_4[] = { 4 }, shape_3[] = { 3 };
  const gsize shape_0[] = { 0 }, shape_20[] = { 2, 0 };
  const char *names[] = { "layer.w", "layer.b", "labels", "scalar32", "scalar64",
                          "empty", "empty2d", "naïve “name”", NULL };
  DzArray *arrays[8];
  g_autofree char *path = tmp_path ("round-trip.safetensors");
  g_autoptr(GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  DzSafetensors *file;
  const char * const *loaded_names;
  g_autofree char *contents = NULL;
  gsize length;

  arrays[0] = typed_array (DZ_DTYPE_FLOAT32, f32, shape_23, 2);
  arrays[1] = typed_array (DZ_DTYPE_FLOAT64, f64, shape_4, 1);
  arrays[2] = typed_array (DZ_DTYPE_INT64, i64, shape_3, 1);
  arrays[3] = typed_array (DZ_DTYPE_FLOAT32, f32_one, NULL, 0);
  arrays[4] = typed_array (DZ_DTYPE_FLOAT64, f64_one, NULL, 0);
  arrays[5] = typed_array (DZ_DTYPE_FLOAT32, f32, shape_0, 1);
  arrays[6] = typed_array (DZ_DTYPE_INT64, i64, shape_20, 2);
  arrays[7] = typed_array (DZ_DTYPE_FLOAT32, f32, shape_3, 1);
  g_hash_table_insert (metadata, "format", "pt");
  g_hash_table_insert (metadata, "note", "a \"quoted\" ünïcode value");

  g_assert_true (dz_safetensors_save (path, names, arrays, 8, metadata, &error));
  g_assert_no_error (error);

  /* The data starts 8-byte aligned, and the 8-byte items come first. */
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (GUINT64_FROM_LE (*(guint64 *) contents) % 8, ==, 0);
  g_assert_nonnull (strstr (contents + 8, "\"layer.b\":{\"dtype\":\"F64\",\"shape\":[4],"
                                          "\"data_offsets\":[0,32]}"));

  file = dz_safetensors_load (path, &error);
  g_assert_no_error (error);
  g_object_add_weak_pointer (G_OBJECT (file), (gpointer *) &file);

  loaded_names = dz_safetensors_get_names (file);
  g_assert_cmpstrv (loaded_names, names);
  for (guint i = 0; i < 8; i++)
    {
      g_autoptr(DzArray) loaded = dz_safetensors_get_array (file, names[i], &error);

      g_assert_no_error (error);
      assert_arrays_equal (loaded, arrays[i]);
      g_assert_true (dz_safetensors_contains (file, names[i]));
    }
  g_assert_false (dz_safetensors_contains (file, "missing"));
  g_assert_null (dz_safetensors_get_array (file, "missing", &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_cmpuint (g_hash_table_size (dz_safetensors_get_metadata (file)), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (dz_safetensors_get_metadata (file), "note"), ==,
                   "a \"quoted\" ünïcode value");

  g_object_unref (file);
  g_assert_null (file);
  for (guint i = 0; i < 8; i++)
    g_object_unref (arrays[i]);
  g_unlink (path);
  dz_assert_no_live_objects ();
}

/* No metadata, no tensors: still a valid file ("{}" and padding). */
static void
test_empty_file (void)
{
  const char *names[] = { NULL };
  g_autofree char *path = tmp_path ("empty.safetensors");
  g_autoptr(GError) error = NULL;
  g_autoptr(DzSafetensors) file = NULL;

  g_assert_true (dz_safetensors_save (path, names, NULL, 0, NULL, &error));
  g_assert_no_error (error);
  file = dz_safetensors_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length ((char **) dz_safetensors_get_names (file)), ==, 0);
  g_assert_cmpuint (g_hash_table_size (dz_safetensors_get_metadata (file)), ==, 0);
  g_unlink (path);
}

/* Whether @p lies in a mapping of @path, per /proc/self/maps. */
static gboolean
is_mapped_from (gconstpointer  p,
                const char    *path)
{
  g_autofree char *maps = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL))
    return FALSE;
  lines = g_strsplit (maps, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint64 start, end;
      char *rest;

      start = g_ascii_strtoull (lines[i], &rest, 16);
      if (*rest != '-')
        continue;
      end = g_ascii_strtoull (rest + 1, NULL, 16);
      if ((guintptr) p >= start && (guintptr) p < end)
        return g_str_has_suffix (lines[i], path);
    }
  return FALSE;
}

static void
test_zero_copy (void)
{
  const gsize shape[] = { 3, 5 };
  const char *names[] = { "w32", "w64", NULL };
  DzArray *arrays[2];
  g_autoptr(GError) error = NULL;
  g_autoptr(DzGenerator) gen = dz_generator_new (7);
  g_autoptr(DzArray) w64 = dz_array_new_randn (shape, 2, gen, NULL);
  g_autoptr(DzArray) w32 = dz_array_astype (w64, DZ_DTYPE_FLOAT32, NULL);
  g_autofree char *path = tmp_path ("zero-copy.safetensors");
  g_autofree char *odd_path = NULL;
  g_autoptr(DzArray) loaded32 = NULL;
  g_autoptr(DzArray) loaded64 = NULL;
  g_autoptr(DzArray) copied = NULL;
  g_autoptr(GBytes) bytes32 = NULL;
  g_autoptr(GBytes) bytes64 = NULL;
  g_autoptr(GBytes) copied_bytes = NULL;
  DzSafetensors *file;
  static const float one[] = { 1.0f };
  static const double two[] = { 2.0, -3.0 };
  guint8 odd_data[20];

  arrays[0] = w32;
  arrays[1] = w64;
  g_assert_true (dz_safetensors_save (path, names, arrays, 2, NULL, &error));
  g_assert_no_error (error);

  file = dz_safetensors_load (path, &error);
  g_assert_no_error (error);
  loaded32 = dz_safetensors_get_array (file, "w32", &error);
  g_assert_no_error (error);
  loaded64 = dz_safetensors_get_array (file, "w64", &error);
  g_assert_no_error (error);
  /* The arrays outlive the file object: they hold the mapping. */
  g_object_unref (file);

  assert_arrays_equal (loaded32, w32);
  assert_arrays_equal (loaded64, w64);
  bytes32 = dz_array_get_bytes (loaded32);
  bytes64 = dz_array_get_bytes (loaded64);
  /* float64 first, then float32 right after it in the same mapping. */
  g_assert_cmpint ((const guint8 *) g_bytes_get_data (bytes32, NULL)
                   - (const guint8 *) g_bytes_get_data (bytes64, NULL), ==, 15 * 8);
  if (g_file_test ("/proc/self/maps", G_FILE_TEST_EXISTS))
    {
      g_assert_true (is_mapped_from (g_bytes_get_data (bytes32, NULL), path));
      g_assert_true (is_mapped_from (g_bytes_get_data (bytes64, NULL), path));
    }

  /* A writer that does not sort by alignment puts a float64 at offset 4:
   * it is copied, with the same values. */
  memcpy (odd_data, one, 4);
  memcpy (odd_data + 4, two, 16);
  odd_path = write_raw ("odd.safetensors",
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        "\"b\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[4,20]}}",
                        odd_data, sizeof odd_data);
  file = dz_safetensors_load (odd_path, &error);
  g_assert_no_error (error);
  copied = dz_safetensors_get_array (file, "b", &error);
  g_assert_no_error (error);
  g_object_unref (file);
  copied_bytes = dz_array_get_bytes (copied);
  g_assert_false (is_mapped_from (g_bytes_get_data (copied_bytes, NULL), odd_path));
  g_assert_cmpfloat (dz_array_get_value (copied, 0), ==, 2.0);
  g_assert_cmpfloat (dz_array_get_value (copied, 1), ==, -3.0);

  g_unlink (path);
  g_unlink (odd_path);
}

static void
assert_only_file (const char *dir,
                  const char *name)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *entry;
  guint n = 0;

  while ((entry = g_dir_read_name (d)) != NULL)
    {
      g_assert_cmpstr (entry, ==, name);
      n++;
    }
  g_assert_cmpuint (n, ==, 1);
}

/* Saves a big array over @path with the file size limited below its
 * size: the write fails halfway, in a child process. */
static void
save_with_size_limit (const char *path)
{
  struct rlimit limit = { 4096, 4096 };
  const gsize shape[] = { 100000 };
  const char *names[] = { "big", NULL };
  g_autoptr(DzArray) big = dz_array_new_zeros (shape, 1, NULL);
  g_autoptr(GError) error = NULL;

  /* Exceeding the limit raises SIGXFSZ unless ignored; then write()
   * fails with EFBIG. */
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  g_assert_false (dz_safetensors_save (path, names, &big, 1, NULL, &error));
  g_assert_true (error->domain == G_FILE_ERROR);
  g_printerr ("%s\n", error->message);
}

static void
test_atomic (void)
{
  const char *names[] = { "x", NULL };
  const char *twice[] = { "x", "x", NULL };
  g_autoptr(DzArray) x = dz_array_new_scalar (42.0);
  DzArray *pair[2] = { x, x };
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_length, after_length;
  g_autoptr(GError) error = NULL;

  if (g_test_subprocess ())
    {
      save_with_size_limit (g_getenv ("DZ_TEST_SAFETENSORS_PATH"));
      return;
    }

  dir = g_build_filename (tmp_dir, "atomic", NULL);
  path = g_build_filename (dir, "weights.safetensors", NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  g_assert_true (dz_safetensors_save (path, names, &x, 1, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &before, &before_length, NULL));

  /* Into a directory that does not exist. */
  {
    g_autofree char *nowhere = g_build_filename (tmp_dir, "no-such-dir", "w.safetensors", NULL);

    g_assert_false (dz_safetensors_save (nowhere, names, &x, 1, NULL, &error));
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
    g_clear_error (&error);
  }

  /* Refused arguments: the disk is not touched. */
  g_assert_false (dz_safetensors_save (path, twice, pair, 2, NULL, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A write failing halfway, over the existing file. */
  g_setenv ("DZ_TEST_SAFETENSORS_PATH", path, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*Could not write*");
  g_unsetenv ("DZ_TEST_SAFETENSORS_PATH");

  g_assert_true (g_file_get_contents (path, &after, &after_length, NULL));
  g_assert_cmpmem (before, before_length, after, after_length);
  /* ... and the temporary file is gone. */
  assert_only_file (dir, "weights.safetensors");

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_save_errors (void)
{
  const char *two_names[] = { "a", "b", NULL };
  const char *reserved[] = { "__metadata__", NULL };
  const char *bad_utf8[] = { "\xff", NULL };
  g_autoptr(DzArray) x = dz_array_new_scalar (1.0);
  g_autofree char *path = tmp_path ("never-written.safetensors");
  g_autoptr(GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;

  g_assert_false (dz_safetensors_save (path, two_names, &x, 1, NULL, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT);
  g_clear_error (&error);

  g_assert_false (dz_safetensors_save (path, reserved, &x, 1, NULL, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_false (dz_safetensors_save (path, bad_utf8, &x, 1, NULL, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_hash_table_insert (metadata, "k", "\xc3");
  g_assert_false (dz_safetensors_save (path, two_names + 1, &x, 1, metadata, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

typedef struct
{
  const char *what;
  const char *header;     /* NULL: @raw is the whole file */
  gsize       data_length;
  const char *message;    /* a part of the error message */
  const char *raw;
  gsize       raw_length;
} BadFile;

#define F32_2 "\"dtype\":\"F32\",\"shape\":[2]"

static const BadFile bad_files[] = {
  { "empty", NULL, 0, "too few", "", 0 },
  { "short", NULL, 0, "too few", "\x10\0\0\0\0", 5 },
  { "absurd header length", NULL, 0, "more than the", "\0\0\0\0\0\x01\0\0{}", 10 },
  { "truncated header", NULL, 0, "truncated", "\x40\0\0\0\0\0\0\0{\"a\":", 13 },
  { "not JSON", "{\"a\": ", 0, "not valid JSON", NULL, 0 },
  { "not UTF-8", "{\"\xff\": 1}", 0, "not valid JSON", NULL, 0 },
  { "NUL in header", NULL, 0, "not valid JSON", "\x04\0\0\0\0\0\0\0{}\0 ", 12 },
  { "not an object", "[1, 2]", 0, "not a JSON object", NULL, 0 },
  { "deep nesting", "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", 0,
    "nests", NULL, 0 },
  { "entry not an object", "{\"a\": 3}", 0, "not an object", NULL, 0 },
  { "no dtype", "{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "“dtype”", NULL, 0 },
  { "dtype not a string", "{\"a\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
    "“dtype”", NULL, 0 },
  { "unknown dtype", "{\"a\":{\"dtype\":\"F17\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
    "unknown dtype “F17”", NULL, 0 },
  { "no shape", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8, "“shape”", NULL, 0 },
  { "negative axis", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8,
    "integers >= 0", NULL, 0 },
  { "fractional axis", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8,
    "integers >= 0", NULL, 0 },
  { "too many axes", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
    "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,2],\"data_offsets\":[0,8]}}", 8, "33 dimensions", NULL, 0 },
  { "no offsets", "{\"a\":{" F32_2 "}}", 8, "data_offsets", NULL, 0 },
  { "three offsets", "{\"a\":{" F32_2 ",\"data_offsets\":[0,4,8]}}", 8, "data_offsets", NULL, 0 },
  { "negative offset", "{\"a\":{" F32_2 ",\"data_offsets\":[-8,0]}}", 8, "data_offsets", NULL, 0 },
  { "reversed offsets", "{\"a\":{" F32_2 ",\"data_offsets\":[8,0]}}", 8, "after it ends", NULL, 0 },
  { "truncated data", "{\"a\":{" F32_2 ",\"data_offsets\":[0,8]}}", 6, "truncated", NULL, 0 },
  { "huge offset", "{\"a\":{" F32_2 ",\"data_offsets\":[0,99999999999999999999]}}", 8,
    "tensor “a”", NULL, 0 },
  { "size mismatch", "{\"a\":{" F32_2 ",\"data_offsets\":[0,12]}}", 12, "takes 8 bytes", NULL, 0 },
  { "size overflow", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],"
    "\"data_offsets\":[0,0]}}", 0, "more elements", NULL, 0 },
  { "itemsize overflow", "{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,1073741824],"
    "\"data_offsets\":[0,0]}}", 0, "more elements", NULL, 0 },
  { "overlap", "{\"a\":{" F32_2 ",\"data_offsets\":[0,8]},\"b\":{" F32_2
    ",\"data_offsets\":[4,12]}}", 12, "overlaps", NULL, 0 },
  { "gap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{"
    "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12, "a gap", NULL, 0 },
  { "not starting at 0", "{\"a\":{" F32_2 ",\"data_offsets\":[4,12]}}", 12, "a gap", NULL, 0 },
  { "bytes left over", "{\"a\":{" F32_2 ",\"data_offsets\":[0,8]}}", 12, "cover 8 bytes", NULL, 0 },
  { "same name twice", "{\"a\":{" F32_2 ",\"data_offsets\":[0,8]},\"a\":{" F32_2
    ",\"data_offsets\":[8,16]}}", 16, "“a” twice", NULL, 0 },
  { "metadata not strings", "{\"__metadata__\":{\"epoch\":3}}", 0, "__metadata__", NULL, 0 },
  { "metadata not an object", "{\"__metadata__\":\"x\"}", 0, "__metadata__", NULL, 0 },
};

static void
test_bad_files (void)
{
  guint8 data[32] = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (bad_files); i++)
    {
      const BadFile *bad = &bad_files[i];
      g_autofree char *path = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(DzSafetensors) file = NULL;

      g_test_message ("%s", bad->what);
      if (bad->header != NULL)
        path = write_raw ("bad.safetensors", bad->header, data, bad->data_length);
      else
        {
          path = tmp_path ("bad.safetensors");
          g_assert_true (g_file_set_contents (path, bad->raw, bad->raw_length, NULL));
        }

      file = dz_safetensors_load (path, &error);
      g_assert_null (file);
      g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_FILE);
      if (strstr (error->message, bad->message) == NULL)
        g_error ("%s: “%s” does not say “%s”", bad->what, error->message, bad->message);
      g_unlink (path);
    }

  dz_assert_no_live_objects ();
}

/* A header much deeper than the limit: json-glib alone would overflow the
 * stack on it. */
static void
test_deep_header (void)
{
  gsize depth = 1000000;
  g_autofree char *header = g_malloc (depth + 1);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  memset (header, '[', depth);
  header[depth] = '\0';
  path = write_raw ("deep.safetensors", header, NULL, 0);
  g_assert_null (dz_safetensors_load (path, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_FILE);
  g_unlink (path);
}

/* Files from other writers: spaces padding the header, dtypes arrays
 * cannot hold next to ones they can, zero-sized tensors anywhere. */
static void
test_foreign_files (void)
{
  guint8 data[10] = { 1, 0, 0, 0, 0, 0, 0x80, 0x3f, 0xaa, 0xbb };
  g_autofree char *path = write_raw ("foreign.safetensors",
    "{\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[8,10]},"
    " \"e\":{\"dtype\":\"F64\",\"shape\":[0,3],\"data_offsets\":[4,4]},"
    " \"x\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[4,8]},"
    " \"i\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4], \"extra\": [1]}}     ",
    data, sizeof data);
  const char *expected[] = { "h", "e", "x", "i", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(DzSafetensors) file = dz_safetensors_load (path, &error);
  g_autoptr(DzArray) x = NULL;
  g_autoptr(DzArray) e = NULL;

  g_assert_no_error (error);
  g_assert_cmpstrv (dz_safetensors_get_names (file), expected);
  x = dz_safetensors_get_array (file, "x", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dz_array_get_ndim (x), ==, 0);
  g_assert_cmpfloat (dz_array_item (x), ==, 1.0);
  e = dz_safetensors_get_array (file, "e", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dz_array_get_size (e), ==, 0);
  g_assert_cmpuint (dz_array_get_shape (e, NULL)[1], ==, 3);

  g_assert_null (dz_safetensors_get_array (file, "h", &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_DTYPE);
  g_clear_error (&error);
  g_assert_null (dz_safetensors_get_array (file, "i", &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_DTYPE);
  g_unlink (path);
}

static void
test_missing_file (void)
{
  g_autofree char *path = tmp_path ("does-not-exist.safetensors");
  g_autoptr(GError) error = NULL;

  g_assert_null (dz_safetensors_load (path, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

int
main (int argc, char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);

  /* A subprocess gets its path from its parent, whose directory it is. */
  if (!g_test_subprocess ())
    {
      tmp_dir = g_dir_make_tmp ("dz-safetensors-XXXXXX", NULL);
      g_assert_nonnull (tmp_dir);
    }

  g_test_add_func ("/safetensors/round-trip", test_round_trip);
  g_test_add_func ("/safetensors/empty-file", test_empty_file);
  g_test_add_func ("/safetensors/zero-copy", test_zero_copy);
  g_test_add_func ("/safetensors/atomic", test_atomic);
  g_test_add_func ("/safetensors/save-errors", test_save_errors);
  g_test_add_func ("/safetensors/bad-files", test_bad_files);
  g_test_add_func ("/safetensors/deep-header", test_deep_header);
  g_test_add_func ("/safetensors/foreign-files", test_foreign_files);
  g_test_add_func ("/safetensors/missing-file", test_missing_file);

  result = g_test_run ();

  if (tmp_dir != NULL)
    g_rmdir (tmp_dir);
  g_free (tmp_dir);
  dz_assert_no_live_objects ();
  return result;
}
