/* test-communicator.c: DzCommunicator under mpirun (-np 1, 2, 3): the
 * parameters stay identical on every rank, and a step of N ranks with
 * batches of B is the step of one process on the N·B samples
 *
 * Run by tests/distributed/mpirun-test.py; every rank runs every test.
 *
 * SPDX-License-Identifier: MIT
 */

#include "dz-test-utils.h"

static DzCommunicator *comm;
static int rank, size;

#define N_FEATURES 5
#define N_CLASSES 3

/* An MLP whose weights exist: a linear layer makes its W on its first
 * input, as DeZero's does. */
static DzLayer *
mlp (DzDtype dtype,
     guint64 seed)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (seed);
  g_autoptr(DzLayer) model = dz_mlp_new ((gsize[]) { 7, N_CLASSES }, 2, DZ_MLP_ACTIVATION_SIGMOID,
                                         dtype, gen);
  g_autoptr(DzArray) zeros = dz_array_new_full_typed (dtype, (gsize[]) { 1, N_FEATURES }, 2, 0, NULL);
  g_autoptr(DzVariable) x = dz_variable_new (zeros);
  g_autoptr(DzNoGradGuard) guard = dz_no_grad_guard_new ();
  g_autoptr(DzVariable) y = dz_layer_call1 (model, x, NULL);

  g_assert_nonnull (y);
  return g_steal_pointer (&model);
}

/* Rows [first, first + count) of the global batch of step @step, the
 * same on every rank. */
static void
batch (guint     step,
       gsize     global_size,
       gsize     first,
       gsize     count,
       DzDtype   dtype,
       DzArray **x,
       DzArray **t)
{
  g_autoptr(DzGenerator) gen = dz_generator_new (100 + step);
  g_autoptr(DzArray) all = dz_array_new_randn ((gsize[]) { global_size, N_FEATURES }, 2, gen, NULL);
  g_autoptr(DzArray) x64 = NULL, t64 = NULL;
  g_autofree double *labels = g_new (double, count);
  const double *values = dz_array_get_values (all, NULL);

  for (gsize i = 0; i < count; i++)
    labels[i] = (first + i) * 7 % N_CLASSES;
  x64 = dz_array_new_from_values (values + first * N_FEATURES, count * N_FEATURES,
                                  (gsize[]) { count, N_FEATURES }, 2, NULL);
  t64 = dz_array_new_from_values (labels, count, (gsize[]) { count }, 1, NULL);
  *x = dz_array_astype (x64, dtype, NULL);
  *t = dz_array_astype (t64, DZ_DTYPE_INT64, NULL);
}

static void
train_step (DzLayer     *model,
            DzOptimizer *optimizer,
            DzArray     *xa,
            DzArray     *ta,
            gboolean     reduce)
{
  g_autoptr(DzVariable) x = dz_variable_new (xa);
  g_autoptr(DzVariable) t = dz_variable_new (ta);
  g_autoptr(DzVariable) y = NULL, loss = NULL;
  g_autoptr(GError) error = NULL;

  y = dz_layer_call1 (model, x, &error);
  g_assert_no_error (error);
  loss = dz_softmax_cross_entropy (y, t, &error);
  g_assert_no_error (error);
  dz_layer_cleargrads (model);
  g_assert_true (dz_variable_backward (loss, &error));
  g_assert_no_error (error);
  if (reduce)
    {
      g_assert_true (dz_communicator_allreduce_gradients (comm, model, &error));
      g_assert_no_error (error);
    }
  g_assert_true (dz_optimizer_update (optimizer, &error));
  g_assert_no_error (error);
}

static void
assert_agree (DzLayer  *model,
              gboolean  expected)
{
  g_autoptr(GError) error = NULL;
  gboolean agree = dz_communicator_parameters_agree (comm, model, &error);

  g_assert_no_error (error);
  g_assert_true (agree == expected);
}

static void
assert_models_close (DzLayer *a,
                     DzLayer *b,
                     double   rtol,
                     double   atol)
{
  g_autoptr(GPtrArray) pa = dz_layer_list_parameters (a);
  g_autoptr(GPtrArray) pb = dz_layer_list_parameters (b);

  g_assert_cmpuint (pa->len, ==, pb->len);
  for (guint i = 0; i < pa->len; i++)
    dz_assert_allclose (dz_variable_get_data (g_ptr_array_index (pa, i)),
                        dz_variable_get_data (g_ptr_array_index (pb, i)), rtol, atol);
}

static void
test_rank_size (void)
{
  const char *expected = g_getenv ("OMPI_COMM_WORLD_SIZE");

  g_assert_true (dz_communicator_is_available ());
  g_assert_cmpint (size, ==, expected ? atoi (expected) : 1);
  g_assert_cmpint (rank, >=, 0);
  g_assert_cmpint (rank, <, size);
  g_assert_cmpint (dz_communicator_get_rank (comm), ==, rank);
  g_assert_cmpuint (dz_communicator_get_bucket_size (comm), ==, 1024 * 1024);
}

static void
test_broadcast (void)
{
  g_autoptr(GError) error = NULL;

  for (int dtype = DZ_DTYPE_FLOAT64; dtype <= DZ_DTYPE_FLOAT32; dtype++)
    for (guint64 bucket = 8; bucket <= 1u << 20; bucket <<= 17)
      {
        /* A different start on every rank; the last rank's wins. */
        g_autoptr(DzLayer) model = mlp (dtype, 10 + rank);
        g_autoptr(DzLayer) expected = mlp (dtype, 10 + size - 1);

        dz_communicator_set_bucket_size (comm, bucket);
        assert_agree (model, size == 1);
        g_assert_true (dz_communicator_broadcast_parameters (comm, model, size - 1, &error));
        g_assert_no_error (error);
        assert_agree (model, TRUE);
        assert_models_close (model, expected, 0, 0);
      }
  dz_communicator_set_bucket_size (comm, 1024 * 1024);
}

/* Three steps on N ranks with batches of B against one process with the
 * 3B... batch, for @optimizer_new's rule. */
static void
check_equivalence (DzDtype       dtype,
                   DzOptimizer *(*optimizer_new) (void),
                   guint64       bucket_size,
                   double        rtol,
                   double        atol)
{
  const gsize per_rank = 4, global = per_rank * size;
  g_autoptr(DzLayer) model = mlp (dtype, 3);
  g_autoptr(DzLayer) reference = mlp (dtype, 3);
  g_autoptr(DzOptimizer) optimizer = dz_optimizer_setup (optimizer_new (), model);
  g_autoptr(DzOptimizer) ref_optimizer = dz_optimizer_setup (optimizer_new (), reference);

  dz_communicator_set_bucket_size (comm, bucket_size);
  for (guint step = 0; step < 3; step++)
    {
      g_autoptr(DzArray) x = NULL, t = NULL, x_all = NULL, t_all = NULL;

      batch (step, global, rank * per_rank, per_rank, dtype, &x, &t);
      batch (step, global, 0, global, dtype, &x_all, &t_all);
      train_step (model, optimizer, x, t, TRUE);
      train_step (reference, ref_optimizer, x_all, t_all, FALSE);
      assert_agree (model, TRUE);
      assert_models_close (model, reference, rtol, atol);
    }
  dz_communicator_set_bucket_size (comm, 1024 * 1024);
}

static DzOptimizer *
sgd (void)
{
  return dz_sgd_new (0.5);
}

static DzOptimizer *
adam (void)
{
  return dz_adam_new (0.01, 0.9, 0.999, 1e-8);
}

static void
test_equivalence_sgd (void)
{
  check_equivalence (DZ_DTYPE_FLOAT64, sgd, 25 << 20, 1e-12, 1e-14);
  check_equivalence (DZ_DTYPE_FLOAT32, sgd, 25 << 20, 1e-5, 1e-6);
  /* Buckets of one parameter each (reduced in place), and of 100 bytes. */
  check_equivalence (DZ_DTYPE_FLOAT64, sgd, 1, 1e-12, 1e-14);
  check_equivalence (DZ_DTYPE_FLOAT32, sgd, 100, 1e-5, 1e-6);
}

static void
test_equivalence_adam (void)
{
  check_equivalence (DZ_DTYPE_FLOAT64, adam, 25 << 20, 1e-10, 1e-12);
  check_equivalence (DZ_DTYPE_FLOAT32, adam, 25 << 20, 1e-4, 1e-6);
  check_equivalence (DZ_DTYPE_FLOAT32, adam, 1, 1e-4, 1e-6);
}

/* A model of float64 and float32 parameters: both dtypes in one call. */
static void
test_mixed_dtypes (void)
{
  g_autoptr(DzLayer) model = mlp (DZ_DTYPE_FLOAT64, 1);
  g_autoptr(DzLayer) other = mlp (DZ_DTYPE_FLOAT32, 2);
  g_autoptr(GPtrArray) params = NULL;
  g_autoptr(GError) error = NULL;

  dz_layer_add_layer (model, "other", other);
  params = dz_layer_list_parameters (model);
  for (guint i = 0; i < params->len; i++)
    {
      DzVariable *p = g_ptr_array_index (params, i);
      g_autoptr(DzArray) g = dz_array_new_full_typed (dz_variable_get_dtype (p),
                                                      dz_variable_get_shape (p, NULL),
                                                      dz_variable_get_ndim (p), rank + i, NULL);
      g_autoptr(DzVariable) gv = dz_variable_new (g);

      dz_variable_set_grad (p, gv);
    }
  g_assert_true (dz_communicator_allreduce_gradients (comm, model, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < params->len; i++)
    {
      DzVariable *p = g_ptr_array_index (params, i);
      DzArray *g = dz_variable_get_data (dz_variable_get_grad (p));

      g_assert_cmpint (dz_array_get_dtype (g), ==, dz_variable_get_dtype (p));
      /* The mean of rank + i over the ranks. */
      for (gsize k = 0; k < dz_array_get_size (g); k++)
        g_assert_cmpfloat_with_epsilon (dz_array_get_value (g, k), (size - 1) / 2.0 + i, 1e-6);
    }
}

/* A gradient on some ranks only counts as zero elsewhere; none anywhere
 * stays none. */
static void
test_missing_gradients (void)
{
  g_autoptr(DzLayer) model = mlp (DZ_DTYPE_FLOAT64, 1);
  g_autoptr(GPtrArray) params = dz_layer_list_parameters (model);
  DzVariable *w0 = g_ptr_array_index (params, 0), *b0 = g_ptr_array_index (params, 1);
  g_autoptr(GError) error = NULL;
  DzArray *g;

  if (rank == 0)
    {
      g_autoptr(DzArray) ga = dz_array_new_full (dz_variable_get_shape (w0, NULL),
                                                 dz_variable_get_ndim (w0), 6, NULL);
      g_autoptr(DzVariable) gv = dz_variable_new (ga);

      dz_variable_set_grad (w0, gv);
    }
  g_assert_true (dz_communicator_allreduce_gradients (comm, model, &error));
  g_assert_no_error (error);
  g_assert_nonnull (dz_variable_get_grad (w0));
  g = dz_variable_get_data (dz_variable_get_grad (w0));
  g_assert_cmpfloat (dz_array_get_value (g, 0), ==, 6.0 / size);
  g_assert_null (dz_variable_get_grad (b0));
}

/* Layers that differ, or a rank that fails locally: every rank gets an
 * error, nobody waits forever, and the next call works. */
static void
test_mismatch (void)
{
  g_autoptr(DzLayer) model = mlp (DZ_DTYPE_FLOAT64, 1);
  g_autoptr(DzLayer) other = mlp (DZ_DTYPE_FLOAT64, 1);
  g_autoptr(GPtrArray) params = dz_layer_list_parameters (model);
  g_autoptr(GError) error = NULL;

  if (size == 1)
    {
      g_test_skip ("needs two ranks");
      return;
    }
  if (rank == 1)
    {
      g_autoptr(DzArray) one = dz_array_new_scalar (1);
      g_autoptr(DzParameter) extra = dz_parameter_new (one, "extra");

      dz_layer_add_parameter (other, "extra", extra);
    }
  g_assert_false (dz_communicator_allreduce_gradients (comm, other, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
  g_clear_error (&error);
  g_assert_false (dz_communicator_broadcast_parameters (comm, other, 0, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
  g_clear_error (&error);

  /* A gradient of the wrong shape on rank 1. */
  if (rank == 1)
    {
      g_autoptr(DzVariable) bad = dz_variable_new_scalar (1);

      dz_variable_set_grad (g_ptr_array_index (params, 0), bad);
    }
  g_assert_false (dz_communicator_allreduce_gradients (comm, model, &error));
  if (rank == 1)
    g_assert_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH);
  else
    g_assert_error (error, DZ_ERROR, DZ_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "rank 1"));
  g_clear_error (&error);

  /* A root out of range, and roots that differ. */
  g_assert_false (dz_communicator_broadcast_parameters (comm, model, size, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (dz_communicator_broadcast_parameters (comm, model, rank, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_true (dz_communicator_broadcast_parameters (comm, model, 0, &error));
  g_assert_no_error (error);
  assert_agree (model, TRUE);
}

/* A model whose linear layers have not made their weights yet. */
static void
test_no_data (void)
{
  g_autoptr(DzLayer) model = dz_mlp_new ((gsize[]) { 4, 2 }, 2, DZ_MLP_ACTIVATION_RELU,
                                         DZ_DTYPE_FLOAT32, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (dz_communicator_broadcast_parameters (comm, model, 0, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_DATA);
  g_assert_nonnull (strstr (error->message, "call the model once first"));
  g_clear_error (&error);
  g_assert_false (dz_communicator_allreduce_gradients (comm, model, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_DATA);
  g_clear_error (&error);
  g_assert_false (dz_communicator_parameters_agree (comm, model, &error));
  g_assert_error (error, DZ_ERROR, DZ_ERROR_NO_DATA);
}

static void
test_allreduce_metrics (void)
{
  double sums[3] = { 1.5, rank, 1e300 };
  g_autoptr(GError) error = NULL;
  g_autoptr(DzArray) counts = dz_array_new_full_typed (DZ_DTYPE_INT64, (gsize[]) { 2 }, 1,
                                                       (1ll << 40) + rank, NULL);
  g_autoptr(DzArray) halves = dz_array_new_full_typed (DZ_DTYPE_FLOAT32, (gsize[]) { 2, 2 }, 2,
                                                       0.5, NULL);
  g_autoptr(DzArray) summed = NULL, summed32 = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_assert_true (dz_communicator_allreduce_sum (comm, sums, 2, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (sums[0], ==, 1.5 * size);
  g_assert_cmpfloat (sums[1], ==, size * (size - 1) / 2.0);
  g_assert_cmpfloat (sums[2], ==, 1e300);

  summed = dz_communicator_allreduce_array (comm, counts, &error);
  g_assert_no_error (error);
  g_assert_cmpint (dz_array_get_dtype (summed), ==, DZ_DTYPE_INT64);
  /* Exact in int64, not in float64. */
  bytes = dz_array_get_bytes (summed);
  g_assert_cmpint (((const gint64 *) g_bytes_get_data (bytes, NULL))[1], ==,
                   (gint64) size * (1ll << 40) + size * (size - 1) / 2);
  summed32 = dz_communicator_allreduce_array (comm, halves, &error);
  g_assert_no_error (error);
  g_assert_cmpint (dz_array_get_dtype (summed32), ==, DZ_DTYPE_FLOAT32);
  g_assert_cmpfloat (dz_array_get_value (summed32, 3), ==, 0.5 * size);
  g_assert_true (dz_communicator_barrier (comm, &error));
  g_assert_no_error (error);
}

/* An erroneous call MPI itself catches (counts that differ: a message
 * longer than its buffer) comes back as a GError, not an abort: the
 * communicator returns errors. Last, as MPI promises nothing about a
 * communicator after an error; two ranks only, where the result is known. */
static void
test_mpi_error (void)
{
  g_autoptr(DzArray) values = NULL, sums = NULL;
  g_autoptr(GError) error = NULL;

  if (size != 2)
    {
      g_test_skip ("needs exactly two ranks");
      return;
    }
  values = dz_array_new_full ((gsize[]) { 2 + rank }, 1, 1, NULL);
  sums = dz_communicator_allreduce_array (comm, values, &error);
  if (rank == 0)
    {
      g_assert_error (error, DZ_ERROR, DZ_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, "MPI_Allreduce failed: MPI_ERR_TRUNCATE"));
      g_assert_null (sums);
    }
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  comm = dz_communicator_new (&error);
  g_assert_no_error (error);
  rank = dz_communicator_get_rank (comm);
  size = dz_communicator_get_size (comm);

  g_test_add_func ("/distributed/rank-size", test_rank_size);
  g_test_add_func ("/distributed/broadcast", test_broadcast);
  g_test_add_func ("/distributed/equivalence-sgd", test_equivalence_sgd);
  g_test_add_func ("/distributed/equivalence-adam", test_equivalence_adam);
  g_test_add_func ("/distributed/mixed-dtypes", test_mixed_dtypes);
  g_test_add_func ("/distributed/missing-gradients", test_missing_gradients);
  g_test_add_func ("/distributed/mismatch", test_mismatch);
  g_test_add_func ("/distributed/no-data", test_no_data);
  g_test_add_func ("/distributed/allreduce-metrics", test_allreduce_metrics);
  g_test_add_func ("/distributed/mpi-error", test_mpi_error);
  status = g_test_run ();

  g_clear_object (&comm);
  dz_communicator_shutdown ();
  g_assert_false (dz_communicator_is_available () && (comm = dz_communicator_new (&error)) != NULL);
  g_assert_error (error, DZ_ERROR, DZ_ERROR_NOT_AVAILABLE);
  dz_assert_no_live_objects ();
  return status;
}
