/* test-weights.c: saving and loading a layer tree's parameters
 *
 * SPDX-License-Identifier: MIT
 */

#include <glib/gstdio.h>

#include "dz-test-utils.h"

static char *tmp_dir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

static DzLayer *
mlp (DzDtype dtype,
     guint64 seed)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (seed);

  return dz_mlp_new ((gsize[]) { 4, 3 }, 2, DZ_MLP_ACTIVATION_RELU, dtype, gen);
}

/* Runs @model once so that its lazily sized layers get their weights. */
static void
run_once (DzLayer *model,
          DzDtype  dtype)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (9);
  g_autoptr(DzArray) x64 = dz_array_new_randn ((gsize[]) { 2, 5 }, 2, gen, NULL);
  g_autoptr(DzArray) x = dz_array_astype (x64, dtype, NULL);
  g_autoptr(DzVariable) xv = dz_variable_new (x);
  g_autoptr(GError) error = NULL;
  g_autoptr(DzVariable) y = dz_layer_call1 (model, xv, &error);

  g_assert_no_error (error);
}

static void
assert_same_parameters (DzLayer *a,
                        DzLayer *b)
{
  g_autoptr(GPtrArray) pa = dz_layer_list_parameters (a);
  g_autoptr(GPtrArray) pb = dz_layer_list_parameters (b);

  g_assert_cmpuint (pa->len, ==, pb->len);
  for (guint i = 0; i < pa->len; i++)
    {
      DzArray *x = dz_variable_get_data (g_ptr_array_index (pa, i));
      DzArray *y = dz_variable_get_data (g_ptr_array_index (pb, i));

      g_assert_true (dz_array_same_shape (x, y));
      g_assert_cmpint (dz_array_get_dtype (x), ==, dz_array_get_dtype (y));
      for (gsize k = 0; k < dz_array_get_size (x); k++)
        g_assert_cmpfloat (dz_array_get_value (x, k), ==, dz_array_get_value (y, k));
    }
}

static void
test_round_trip (void)
{
  DzDtype dtypes[] = { DZ_DTYPE_FLOAT32, DZ_DTYPE_FLOAT64 };

  for (guint d = 0; d < G_N_ELEMENTS (dtypes); d++)
    {
      g_autoptr(DzLayer) model = mlp (dtypes[d], 1);
      g_autoptr(DzLayer) fresh = mlp (dtypes[d], 2);
      g_autoptr(DzLayer) lazy = mlp (dtypes[d], 3);
      g_autoptr(DzSafetensors) file = NULL;
      g_autofree char *path = tmp_path ("model.safetensors");
      g_autoptr(GError) error = NULL;
      const char * const *names;

      run_once (model, dtypes[d]);
      run_once (fresh, dtypes[d]);
      g_assert_true (dz_layer_save_weights (model, path, &error));
      g_assert_no_error (error);

      /* The file is plain safetensors, under the dotted names. */
      file = dz_safetensors_load (path, &error);
      g_assert_no_error (error);
      names = dz_safetensors_get_names (file);
      g_assert_cmpuint (g_strv_length ((char **) names), ==, 4);
      g_assert_true (dz_safetensors_contains (file, "l0.W"));
      g_assert_true (dz_safetensors_contains (file, "l1.b"));
      g_clear_object (&file);

      g_assert_true (dz_layer_load_weights (fresh, path, &error));
      g_assert_no_error (error);
      assert_same_parameters (model, fresh);

      /* A model that has not run yet takes the file's shapes, then runs. */
      g_assert_true (dz_layer_load_weights (lazy, path, &error));
      g_assert_no_error (error);
      assert_same_parameters (model, lazy);
      run_once (lazy, dtypes[d]);
      assert_same_parameters (model, lazy);

      g_unlink (path);
    }
}

static void
test_converts_dtype (void)
{
  g_autoptr(DzLayer) model = mlp (DZ_DTYPE_FLOAT64, 1);
  g_autoptr(DzLayer) f32 = mlp (DZ_DTYPE_FLOAT32, 2);
  g_autoptr(GPtrArray) params = NULL;
  g_autoptr(GPtrArray) originals = NULL;
  g_autofree char *path = tmp_path ("f64.safetensors");
  g_autoptr(GError) error = NULL;

  run_once (model, DZ_DTYPE_FLOAT64);
  run_once (f32, DZ_DTYPE_FLOAT32);
  g_assert_true (dz_layer_save_weights (model, path, &error));
  g_assert_true (dz_layer_load_weights (f32, path, &error));
  g_assert_no_error (error);
  params = dz_layer_list_parameters (f32);
  originals = dz_layer_list_parameters (model);
  for (guint i = 0; i < params->len; i++)
    {
      DzArray *got = dz_variable_get_data (g_ptr_array_index (params, i));
      DzArray *want = dz_variable_get_data (g_ptr_array_index (originals, i));

      g_assert_cmpint (dz_array_get_dtype (got), ==, DZ_DTYPE_FLOAT32);
      for (gsize k = 0; k < dz_array_get_size (got); k++)
        g_assert_cmpfloat (dz_array_get_value (got, k), ==,
                           (double) (float) dz_array_get_value (want, k));
    }
  g_unlink (path);
}

static void
test_save_needs_data (void)
{
  g_autoptr(DzLayer) lazy = mlp (DZ_DTYPE_FLOAT32, 1);
  g_autofree char *path = tmp_path ("never.safetensors");
  g_autoptr(GError) error = NULL;

  g_assert_false (dz_layer_save_weights (lazy, path, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_DATA);
  g_assert_nonnull (strstr (error->message, "l0.W"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* Writes @contents to @name in the temporary directory. */
static char *
write_file (const char   *name,
            const guint8 *contents,
            gsize         length)
{
  char *path = tmp_path (name);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, (const char *) contents, length, &error));
  return path;
}

/* Saves the parameters of @layer under @names (NULL: its own names) with
 * @arrays in place of some of them. */
static char *
save_custom (const char         *name,
             const char * const *names,
             DzArray           **arrays,
             guint               n)
{
  char *path = tmp_path (name);
  g_autoptr(GError) error = NULL;

  g_assert_true (dz_safetensors_save (path, names, arrays, n, NULL, &error));
  g_assert_no_error (error);
  return path;
}

static void
test_bad_files (void)
{
  g_autoptr(DzLayer) model = mlp (DZ_DTYPE_FLOAT32, 1);
  g_autoptr(DzLayer) reference = mlp (DZ_DTYPE_FLOAT32, 1);
  g_autoptr(DzLayer) other = mlp (DZ_DTYPE_FLOAT32, 7);
  g_autofree char *good = tmp_path ("good.safetensors");
  g_autofree guint8 *bytes = NULL;
  g_autoptr(GPtrArray) params = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  struct {
    const char *what;
    char *path;
    GQuark domain;
    gint code;
  } cases[8];
  guint n_cases = 0;

  run_once (model, DZ_DTYPE_FLOAT32);
  run_once (reference, DZ_DTYPE_FLOAT32);
  g_assert_true (dz_layer_save_weights (model, good, &error));
  g_assert_true (g_file_get_contents (good, (char **) &bytes, &length, &error));
  /* The broken files hold other values under the good names, so that a
   * load that assigned some before failing would show. */
  run_once (other, DZ_DTYPE_FLOAT32);
  params = dz_layer_list_parameters (other);

#define ADD_CASE(w, p, d, c) \
  (cases[n_cases++] = (typeof (cases[0])) { (w), (p), (d), (c) })

  ADD_CASE ("missing file", tmp_path ("nothing-here.safetensors"), G_FILE_ERROR, G_FILE_ERROR_NOENT);
  ADD_CASE ("truncated", write_file ("truncated.safetensors", bytes, length - 10),
            DZ_ERROR, DZ_ERROR_INVALID_FILE);
  ADD_CASE ("header only", write_file ("short.safetensors", bytes, 5),
            DZ_ERROR, DZ_ERROR_INVALID_FILE);
  {
    g_autofree guint8 *huge = g_memdup2 (bytes, length);

    /* A header length of 2^62 bytes. */
    memset (huge, 0, 8);
    huge[7] = 0x40;
    ADD_CASE ("huge header", write_file ("huge.safetensors", huge, length),
              DZ_ERROR, DZ_ERROR_INVALID_FILE);
  }
  {
    g_autofree guint8 *garbled = g_memdup2 (bytes, length);

    garbled[9] = '!';
    ADD_CASE ("bad header", write_file ("garbled.safetensors", garbled, length),
              DZ_ERROR, DZ_ERROR_INVALID_FILE);
  }
  {
    /* l1.b missing. */
    const char *names[] = { "l0.W", "l0.b", "l1.W", NULL };
    DzArray *arrays[3];

    for (guint i = 0; i < 3; i++)
      arrays[i] = dz_variable_get_data (g_ptr_array_index (params, i));
    ADD_CASE ("missing key", save_custom ("missing.safetensors", names, arrays, 3),
              DZ_ERROR, DZ_ERROR_INVALID_FILE);
  }
  {
    const char *names[] = { "l0.W", "l0.b", "l1.W", "l1.b", "l2.W", NULL };
    DzArray *arrays[5];

    for (guint i = 0; i < 4; i++)
      arrays[i] = dz_variable_get_data (g_ptr_array_index (params, i));
    arrays[4] = arrays[0];
    ADD_CASE ("extra key", save_custom ("extra.safetensors", names, arrays, 5),
              DZ_ERROR, DZ_ERROR_INVALID_FILE);
  }
  {
    /* l1.b of the wrong shape, after three good tensors. */
    const char *names[] = { "l0.W", "l0.b", "l1.W", "l1.b", NULL };
    g_autoptr(DzArray) wrong = dz_array_new_zeros ((gsize[]) { 7 }, 1, NULL);
    g_autoptr(DzArray) wrong32 = dz_array_astype (wrong, DZ_DTYPE_FLOAT32, NULL);
    DzArray *arrays[4];

    for (guint i = 0; i < 3; i++)
      arrays[i] = dz_variable_get_data (g_ptr_array_index (params, i));
    arrays[3] = wrong32;
    ADD_CASE ("wrong shape", save_custom ("shape.safetensors", names, arrays, 4),
              DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
  }
#undef ADD_CASE

  for (guint i = 0; i < n_cases; i++)
    {
      g_autoptr(DzLayer) victim = mlp (DZ_DTYPE_FLOAT32, 5);

      g_test_message ("%s", cases[i].what);
      run_once (victim, DZ_DTYPE_FLOAT32);
      /* Give the victim known weights, then fail to load over them. */
      g_assert_true (dz_layer_load_weights (victim, good, &error));
      g_assert_no_error (error);
      g_assert_false (dz_layer_load_weights (victim, cases[i].path, &error));
      g_assert_error (error, cases[i].domain, cases[i].code);
      g_clear_error (&error);
      assert_same_parameters (victim, reference);
      g_unlink (cases[i].path);
      g_free (cases[i].path);
    }
  g_unlink (good);
}

/* A failed save leaves the file that was there. */
static void
test_atomic (void)
{
  g_autoptr(DzLayer) model = mlp (DZ_DTYPE_FLOAT32, 1);
  g_autoptr(DzLayer) lazy = mlp (DZ_DTYPE_FLOAT32, 2);
  g_autoptr(DzLayer) back = mlp (DZ_DTYPE_FLOAT32, 3);
  g_autofree char *path = tmp_path ("atomic.safetensors");
  g_autoptr(GError) error = NULL;

  run_once (model, DZ_DTYPE_FLOAT32);
  g_assert_true (dz_layer_save_weights (model, path, &error));
  g_assert_false (dz_layer_save_weights (lazy, path, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_DATA);
  g_clear_error (&error);
  g_assert_true (dz_layer_load_weights (back, path, &error));
  g_assert_no_error (error);
  assert_same_parameters (model, back);
  g_unlink (path);
}

/* A loaded parameter maps the file; training writes to its own copy, so
 * the file and other models loaded from it keep their values. */
static void
test_train_after_load (void)
{
  g_autoptr(DzLayer) model = mlp (DZ_DTYPE_FLOAT32, 1);
  g_autoptr(DzLayer) a = mlp (DZ_DTYPE_FLOAT32, 2);
  g_autoptr(DzLayer) b = mlp (DZ_DTYPE_FLOAT32, 3);
  g_autoptr(DzOptimizer) opt = dz_sgd_new (0.1);
  g_autofree char *path = tmp_path ("train.safetensors");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) params = NULL;

  run_once (model, DZ_DTYPE_FLOAT32);
  g_assert_true (dz_layer_save_weights (model, path, &error));
  g_assert_true (dz_layer_load_weights (a, path, &error));
  g_assert_true (dz_layer_load_weights (b, path, &error));
  g_assert_no_error (error);

  dz_optimizer_setup (opt, a);
  params = dz_layer_list_parameters (a);
  for (guint i = 0; i < params->len; i++)
    {
      DzArray *data = dz_variable_get_data (g_ptr_array_index (params, i));
      g_autoptr(DzArray) ones = dz_array_new_ones_like (data, NULL);
      g_autoptr(DzVariable) grad = dz_variable_new (ones);

      dz_variable_set_grad (g_ptr_array_index (params, i), grad);
    }
  g_assert_true (dz_optimizer_update (opt, &error));
  g_assert_no_error (error);
  assert_same_parameters (model, b);
  g_assert_cmpfloat (dz_array_get_value (dz_variable_get_data (g_ptr_array_index (params, 0)), 0),
                     !=, dz_array_get_value (dz_variable_get_data (DZ_VARIABLE (
                       dz_layer_get_parameter (dz_layer_get_layer (b, "l0"), "W"))), 0));
  g_clear_object (&b);
  g_clear_object (&a);
  {
    g_autoptr(DzLayer) c = mlp (DZ_DTYPE_FLOAT32, 4);

    g_assert_true (dz_layer_load_weights (c, path, &error));
    assert_same_parameters (model, c);
  }
  g_unlink (path);
}

static void
wrap (gconstpointer data)
{
  ((GTestFunc) data) ();
  dz_assert_no_live_objects ();
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("dz-weights-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_data_func ("/weights/round-trip", test_round_trip, wrap);
  g_test_add_data_func ("/weights/converts-dtype", test_converts_dtype, wrap);
  g_test_add_data_func ("/weights/save-needs-data", test_save_needs_data, wrap);
  g_test_add_data_func ("/weights/bad-files", test_bad_files, wrap);
  g_test_add_data_func ("/weights/atomic", test_atomic, wrap);
  g_test_add_data_func ("/weights/train-after-load", test_train_after_load, wrap);

  status = g_test_run ();
  g_rmdir (tmp_dir);
  g_free (tmp_dir);
  return status;
}
