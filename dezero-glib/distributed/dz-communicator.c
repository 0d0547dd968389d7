/* dz-communicator.c: data-parallel training over MPI
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "dz-error.h"
#include "dz-communicator.h"
#include "dz-mpi-private.h"
#include "dz-array-private.h"
#include "dz-optimizer-private.h"

/**
 * DzCommunicator:
 *
 * The processes of an MPI job (its ranks), as a group that trains one
 * model on different data: data parallelism, as PyTorch's
 * `DistributedDataParallel` or Horovod do it.
 *
 * Every rank builds the same model, and:
 *
 * 1. after building it, dz_communicator_broadcast_parameters() copies the
 *    parameters of one rank (the root, usually 0) to all, so that all
 *    start from the same values;
 * 2. each step, each rank computes the loss and its gradients on its own
 *    part of the batch (see #DzDataLoader:shard-count), then
 *    dz_communicator_allreduce_gradients() replaces every gradient by its
 *    mean over the ranks, and each rank's optimizer takes the same step:
 *    the parameters stay identical everywhere (bit for bit, which
 *    dz_communicator_parameters_agree() checks);
 * 3. metrics (loss sums, counts of correct answers) are summed over the
 *    ranks with dz_communicator_allreduce_sum().
 *
 * With a loss that is a mean over its batch, a step of N ranks with
 * batches of B samples is then the step of one process on the N·B
 * samples, up to rounding.
 *
 * Gradients travel fused in buckets of up to #DzCommunicator:bucket-size
 * bytes, one MPI call per bucket rather than per parameter, as PyTorch's
 * DDP buckets and Horovod's tensor fusion do: a call has a fixed cost (a
 * few microseconds over shared memory, tens over a network) that small
 * parameters such as biases would otherwise pay one by one.
 *
 * All ranks must call the collective methods (all of them except the
 * getters) in the same order with the same layer layout: before moving
 * any data, they exchange a small header, so that a rank whose model
 * differs, or that failed locally (a parameter without data), makes
 * every rank return a #GError instead of mixing up buffers or waiting
 * forever. MPI's own errors also come back as #GError (the communicator
 * has `MPI_ERRORS_RETURN`). A rank that dies ends the job: `mpirun` kills
 * the others when one exits before finalizing.
 *
 * MPI is initialized once per process by the first communicator, with
 * `MPI_Init_thread (MPI_THREAD_SERIALIZED)`, unless the application did
 * it already: one thread at a time may communicate. It is finalized when
 * the process exits with status 0, or earlier by
 * dz_communicator_shutdown(); a process that exits with another status
 * aborts the job (`MPI_Abort`), so that the other ranks, which may be
 * waiting for it, end too instead of hanging. A process started without
 * `mpirun` is a job of one rank.
 *
 * #DzCommunicator implements #GInitable: make one with
 * dz_communicator_new(), or g_initable_new(); in Python,
 * `Dz.Communicator()` initializes itself. The library builds without MPI
 * too (see dz_communicator_is_available()); creating a communicator then
 * fails with %DZ_ERROR_NOT_AVAILABLE.
 */
struct _DzCommunicator
{
  GObject parent_instance;

  DzMpiComm *comm;
  int rank;
  int size;
  guint64 bucket_size;

  /* Where buckets of several parameters are packed, grown as needed. */
  guint8 *scratch;
  gsize scratch_size;
};

static void dz_communicator_initable_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DzCommunicator, dz_communicator, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      dz_communicator_initable_init))

enum {
  PROP_0,
  PROP_RANK,
  PROP_SIZE,
  PROP_BUCKET_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* 1 MiB. A call costs a few microseconds over shared memory, tens over
 * TCP, while 1 MiB takes ~100 us to move even over shared memory: larger
 * buckets save nothing, but make the large weights that would travel
 * alone, reduced in place, go through the packing copies instead. The
 * Fashion-MNIST MLP (bench/bench-mpi.c, 2 ranks): 0.35 ms a step with
 * 1 MiB (its 3.1 MB weight alone, the 44 KB rest fused), 0.46 ms with
 * PyTorch DDP's 25 MiB (all packed). */
#define DEFAULT_BUCKET_SIZE (1024 * 1024)

static gboolean
dz_communicator_initable_init_impl (GInitable     *initable,
                                    GCancellable  *cancellable,
                                    GError       **error)
{
  DzCommunicator *self = DZ_COMMUNICATOR (initable);

  if (self->comm != NULL)
    return TRUE;
  self->comm = dz_mpi_comm_new (&self->rank, &self->size, error);
  return self->comm != NULL;
}

static void
dz_communicator_initable_init (GInitableIface *iface)
{
  iface->init = dz_communicator_initable_init_impl;
}

static void
dz_communicator_finalize (GObject *object)
{
  DzCommunicator *self = DZ_COMMUNICATOR (object);

  g_clear_pointer (&self->comm, dz_mpi_comm_free);
  g_free (self->scratch);

  G_OBJECT_CLASS (dz_communicator_parent_class)->finalize (object);
}

static void
dz_communicator_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  DzCommunicator *self = DZ_COMMUNICATOR (object);

  switch (prop_id)
    {
    case PROP_RANK:
      g_value_set_int (value, self->rank);
      break;
    case PROP_SIZE:
      g_value_set_int (value, self->size);
      break;
    case PROP_BUCKET_SIZE:
      g_value_set_uint64 (value, self->bucket_size);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_communicator_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  DzCommunicator *self = DZ_COMMUNICATOR (object);

  switch (prop_id)
    {
    case PROP_BUCKET_SIZE:
      dz_communicator_set_bucket_size (self, g_value_get_uint64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dz_communicator_class_init (DzCommunicatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dz_communicator_finalize;
  object_class->get_property = dz_communicator_get_property;
  object_class->set_property = dz_communicator_set_property;

  /**
   * DzCommunicator:rank:
   *
   * This process's number in the job, from 0 to #DzCommunicator:size - 1.
   */
  properties[PROP_RANK] =
    g_param_spec_int ("rank", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * DzCommunicator:size:
   *
   * The number of processes in the job (`mpirun -np`); 1 for a process
   * started without `mpirun`.
   */
  properties[PROP_SIZE] =
    g_param_spec_int ("size", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * DzCommunicator:bucket-size:
   *
   * The most bytes of gradients dz_communicator_allreduce_gradients()
   * fuses into one MPI call; a parameter larger than that travels alone,
   * reduced where it is without a packing copy. 1 MiB by default
   * (PyTorch's DDP uses 25 MiB, but its backward writes the gradients
   * into the buckets directly). All ranks must use the same.
   */
  properties[PROP_BUCKET_SIZE] =
    g_param_spec_uint64 ("bucket-size", NULL, NULL, 1, G_MAXUINT64, DEFAULT_BUCKET_SIZE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dz_communicator_init (DzCommunicator *self)
{
  self->bucket_size = DEFAULT_BUCKET_SIZE;
  self->size = 1;
}

/**
 * dz_communicator_is_available:
 *
 * Returns whether this build of the library has MPI (the meson option
 * `-Dmpi`, on by default when Open MPI's development files are found).
 * Without it, dz_communicator_new() fails with %DZ_ERROR_NOT_AVAILABLE.
 *
 * Returns: whether communicators can be made
 */
gboolean
dz_communicator_is_available (void)
{
  return dz_mpi_is_available ();
}

/**
 * dz_communicator_new:
 * @error: return location for a #GError
 *
 * Makes a communicator over all the processes of the job (a duplicate
 * of `MPI_COMM_WORLD`), initializing MPI first if nobody did. Every rank
 * must call it.
 *
 * Returns: (transfer full): a new #DzCommunicator, or %NULL with @error
 *   set (%DZ_ERROR_NOT_AVAILABLE in a build without MPI or after
 *   dz_communicator_shutdown())
 */
DzCommunicator *
dz_communicator_new (GError **error)
{
  return g_initable_new (DZ_TYPE_COMMUNICATOR, NULL, error, NULL);
}

/**
 * dz_communicator_get_rank:
 * @self: a #DzCommunicator
 *
 * Returns this process's number in the job.
 *
 * Returns: the rank (see #DzCommunicator:rank)
 */
int
dz_communicator_get_rank (DzCommunicator *self)
{
  g_return_val_if_fail (DZ_IS_COMMUNICATOR (self), 0);

  return self->rank;
}

/**
 * dz_communicator_get_size:
 * @self: a #DzCommunicator
 *
 * Returns the number of processes in the job.
 *
 * Returns: the size (see #DzCommunicator:size)
 */
int
dz_communicator_get_size (DzCommunicator *self)
{
  g_return_val_if_fail (DZ_IS_COMMUNICATOR (self), 1);

  return self->size;
}

/**
 * dz_communicator_get_bucket_size:
 * @self: a #DzCommunicator
 *
 * Returns the most bytes of gradients fused into one MPI call.
 *
 * Returns: the bucket size (see #DzCommunicator:bucket-size)
 */
guint64
dz_communicator_get_bucket_size (DzCommunicator *self)
{
  g_return_val_if_fail (DZ_IS_COMMUNICATOR (self), 0);

  return self->bucket_size;
}

/**
 * dz_communicator_set_bucket_size:
 * @self: a #DzCommunicator
 * @bucket_size: the most bytes per MPI call, at least 1
 *
 * Sets #DzCommunicator:bucket-size.
 */
void
dz_communicator_set_bucket_size (DzCommunicator *self,
                                 guint64         bucket_size)
{
  g_return_if_fail (DZ_IS_COMMUNICATOR (self));
  g_return_if_fail (bucket_size > 0);

  if (self->bucket_size == bucket_size)
    return;
  self->bucket_size = bucket_size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUCKET_SIZE]);
}

static gboolean
check_initialized (DzCommunicator  *self,
                   GError         **error)
{
  if (self->comm != NULL)
    return TRUE;
  g_set_error_literal (error, DZ_ERROR, DZ_ERROR_NOT_AVAILABLE,
                       "The communicator is not initialized: make it with dz_communicator_new() "
                       "or g_initable_init()");
  return FALSE;
}

/* -- the parameters of a layer tree, and the header exchanged first ---- */

typedef struct
{
  DzVariable *param;
  /* The parameter's value, and its gradient's variable and value (NULL
   * without a gradient); borrowed from the parameter. */
  DzArray *data;
  DzVariable *grad_var;
  DzArray *grad;
  /* Whether some rank has a gradient for it. */
  gboolean any_grad;
  /* Of the value, kept: the value itself may be replaced (and freed) by
   * the time a later bucket is formed. */
  DzDtype dtype;
  gsize n_bytes;
} Slot;

#define FNV_PRIME 0x100000001b3ULL
#define FNV_BASIS 0xcbf29ce484222325ULL

static guint64
hash_words (guint64       hash,
            const guint8 *bytes,
            gsize         n_bytes)
{
  gsize i;

  for (i = 0; i + 8 <= n_bytes; i += 8)
    {
      guint64 word;

      memcpy (&word, bytes + i, 8);
      hash = (hash ^ word) * FNV_PRIME;
    }
  for (; i < n_bytes; i++)
    hash = (hash ^ bytes[i]) * FNV_PRIME;
  return hash;
}

/* The parameters of @layer, each once (a shared one is listed under each
 * name), in the layer's order, which is the same on every rank. On a
 * local problem, fills @error but still returns the slots (so that the
 * rank takes part in the header exchange). */
static GArray *
collect_slots (DzLayer   *layer,
               gboolean   with_grads,
               guint64   *layout_hash,
               GError   **error)
{
  g_autoptr(GPtrArray) params = dz_layer_list_parameters (layer);
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  GArray *slots = g_array_new (FALSE, TRUE, sizeof (Slot));
  guint64 hash = FNV_BASIS;

  for (guint i = 0; i < params->len; i++)
    {
      DzVariable *param = g_ptr_array_index (params, i);
      Slot slot = { param, dz_variable_get_data (param), NULL, NULL, FALSE, 0, 0 };
      guint64 layout[2 + DZ_ARRAY_MAX_NDIM] = { 0 };

      if (!g_hash_table_add (seen, param))
        continue;
      if (slot.data == NULL || !dz_dtype_is_float (slot.data->dtype))
        {
          const char *name = dz_variable_get_name (param);

          if (error != NULL && *error == NULL)
            g_set_error (error, DZ_ERROR, slot.data == NULL ? DZ_ERROR_NO_DATA : DZ_ERROR_INVALID_DTYPE,
                         "The parameter %s has %s", name ? name : "(unnamed)",
                         slot.data == NULL
                         ? "no data yet (a linear layer makes its weights on its first input: "
                           "call the model once first)"
                         : "an integer dtype, not float32 or float64");
          slot.data = NULL;
          hash = (hash ^ 0xff) * FNV_PRIME;
          g_array_append_val (slots, slot);
          continue;
        }
      if (with_grads && (slot.grad_var = dz_variable_get_grad (param)) != NULL)
        {
          slot.grad = dz_variable_get_data (slot.grad_var);
          if (slot.grad == NULL || slot.grad->dtype != slot.data->dtype
              || !dz_array_same_shape_ (slot.grad, slot.data))
            {
              if (error != NULL && *error == NULL)
                g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                             "The gradient of the parameter %s is not an array of its dtype and shape",
                             dz_variable_get_name (param) ? dz_variable_get_name (param) : "(unnamed)");
              slot.grad_var = NULL;
              slot.grad = NULL;
            }
        }
      slot.dtype = slot.data->dtype;
      slot.n_bytes = dz_array_n_bytes (slot.data);
      layout[0] = slot.data->dtype;
      layout[1] = slot.data->ndim;
      for (guint d = 0; d < slot.data->ndim; d++)
        layout[2 + d] = slot.data->shape[d];
      hash = hash_words (hash, (const guint8 *) layout, sizeof layout);
      g_array_append_val (slots, slot);
    }
  *layout_hash = hash;
  return slots;
}

/* Every rank gives @n values; afterwards @values holds their maximum over
 * the ranks and @mins their minimum: one MPI call (the maximum of the
 * complements is the complement of the minimum). */
static gboolean
exchange_header (DzCommunicator  *self,
                 guint64         *values,
                 guint64         *mins,
                 gsize            n,
                 GError         **error)
{
  g_autofree guint64 *buffer = g_new (guint64, 2 * n);

  for (gsize i = 0; i < n; i++)
    {
      buffer[i] = values[i];
      buffer[n + i] = ~values[i];
    }
  if (!dz_mpi_allreduce (self->comm, buffer, 2 * n, DZ_MPI_UINT64, DZ_MPI_MAX, error))
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      values[i] = buffer[i];
      mins[i] = ~buffer[n + i];
    }
  return TRUE;
}

enum {
  HEADER_FAILED_RANK,
  HEADER_N_PARAMS,
  HEADER_LAYOUT,
  HEADER_ROOT,
  HEADER_N_GRADS,
  HEADER_FIXED
};

/* Exchanges the header of a collective on @slots, of the same size on
 * every rank: every rank learns whether one failed locally (@local_error)
 * and whether all have the same layout. For gradients, @has_grad (one flag
 * per slot) becomes whether some rank has each; that takes a second call
 * only when the ranks' counts of gradients differ or fall short. */
static gboolean
agree_on (DzCommunicator  *self,
          const char      *what,
          GArray          *slots,
          guint64          layout_hash,
          int              root,
          guint64         *has_grad,
          GError         **local_error,
          GError         **error)
{
  guint64 values[HEADER_FIXED] = { 0 }, mins[HEADER_FIXED];
  gsize n = HEADER_FIXED;

  /* Rank + 1 of a rank that failed, 0 elsewhere. */
  values[HEADER_FAILED_RANK] = *local_error != NULL ? (guint64) self->rank + 1 : 0;
  values[HEADER_N_PARAMS] = slots->len;
  values[HEADER_LAYOUT] = layout_hash;
  values[HEADER_ROOT] = (guint64) root;
  for (guint i = 0; has_grad != NULL && i < slots->len; i++)
    values[HEADER_N_GRADS] += has_grad[i] != 0;

  if (!exchange_header (self, values, mins, n, error))
    {
      g_clear_error (local_error);
      return FALSE;
    }
  if (*local_error != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (local_error), "%s on rank %d: ", what, self->rank);
      return FALSE;
    }
  if (values[HEADER_FAILED_RANK] != 0)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_FAILED, "%s failed on rank %d (see its error)", what,
                   (int) values[HEADER_FAILED_RANK] - 1);
      return FALSE;
    }
  if (values[HEADER_N_PARAMS] != mins[HEADER_N_PARAMS] || values[HEADER_LAYOUT] != mins[HEADER_LAYOUT])
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_SHAPE_MISMATCH,
                   "%s: the ranks' layers differ (between %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT
                   " parameters, or other dtypes or shapes)", what, mins[HEADER_N_PARAMS], values[HEADER_N_PARAMS]);
      return FALSE;
    }
  if (values[HEADER_ROOT] != mins[HEADER_ROOT])
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "%s: the ranks named different roots", what);
      return FALSE;
    }
  if (has_grad != NULL && values[HEADER_N_GRADS] != 0
      && mins[HEADER_N_GRADS] != slots->len)
    {
      g_autofree guint64 *any = g_new (guint64, slots->len);

      if (!exchange_header (self, has_grad, any, slots->len, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
ensure_scratch (DzCommunicator  *self,
                gsize            n_bytes,
                GError         **error)
{
  if (self->scratch_size >= n_bytes)
    return TRUE;
  g_free (self->scratch);
  self->scratch = g_try_malloc (n_bytes);
  self->scratch_size = self->scratch != NULL ? n_bytes : 0;
  if (self->scratch == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_NO_MEMORY,
                   "Cannot allocate a bucket of %" G_GSIZE_FORMAT " bytes", n_bytes);
      return FALSE;
    }
  return TRUE;
}

/* Calls @flush on runs of @slots of one dtype up to @bucket_size bytes
 * (a larger parameter alone), float32 first, in the layer's order. */
typedef gboolean (* FlushFunc) (DzCommunicator  *self,
                                Slot           **bucket,
                                guint            n_slots,
                                gsize            n_bytes,
                                DzDtype          dtype,
                                gpointer         user_data,
                                GError         **error);

static gboolean
for_each_bucket (DzCommunicator  *self,
                 GArray          *slots,
                 gboolean         skip_without_grads,
                 FlushFunc        flush,
                 gpointer         user_data,
                 GError         **error)
{
  static const DzDtype dtypes[] = { DZ_DTYPE_FLOAT32, DZ_DTYPE_FLOAT64 };
  g_autofree Slot **bucket = g_new (Slot *, MAX (slots->len, 1));

  for (guint d = 0; d < G_N_ELEMENTS (dtypes); d++)
    {
      guint n_slots = 0;
      gsize n_bytes = 0;

      for (guint i = 0; i <= slots->len; i++)
        {
          Slot *slot = i < slots->len ? &g_array_index (slots, Slot, i) : NULL;
          gsize slot_bytes;

          if (slot != NULL && (slot->dtype != dtypes[d] || (skip_without_grads && !slot->any_grad)))
            continue;
          slot_bytes = slot != NULL ? slot->n_bytes : 0;
          if (n_slots > 0 && (slot == NULL || n_bytes + slot_bytes > self->bucket_size))
            {
              if (!flush (self, bucket, n_slots, n_bytes, dtypes[d], user_data, error))
                return FALSE;
              n_slots = 0;
              n_bytes = 0;
            }
          if (slot != NULL)
            {
              bucket[n_slots++] = slot;
              n_bytes += slot_bytes;
            }
        }
    }
  return TRUE;
}

/* -- broadcast ---------------------------------------------------------- */

static gboolean
broadcast_bucket (DzCommunicator  *self,
                  Slot           **bucket,
                  guint            n_slots,
                  gsize            n_bytes,
                  DzDtype          dtype,
                  gpointer         user_data,
                  GError         **error)
{
  int root = GPOINTER_TO_INT (user_data);
  gboolean ok;
  gsize offset = 0;

  /* The root's values go out as they are; MPI does not write them. */
  if (self->rank == root && n_slots == 1)
    return dz_mpi_broadcast (self->comm, bucket[0]->data->data, n_bytes, root, error);
  if (self->rank != root && n_slots == 1)
    {
      DzArray *data = bucket[0]->data;
      DzArray *out = dz_optimizer_begin_write (bucket[0]->param, data, error);

      if (out == NULL)
        return FALSE;
      ok = dz_mpi_broadcast (self->comm, out->data, n_bytes, root, error);
      dz_optimizer_end_write (bucket[0]->param, data, out);
      return ok;
    }

  if (!ensure_scratch (self, n_bytes, error))
    return FALSE;
  if (self->rank == root)
    for (guint i = 0; i < n_slots; i++)
      {
        memcpy (self->scratch + offset, bucket[i]->data->data, dz_array_n_bytes (bucket[i]->data));
        offset += dz_array_n_bytes (bucket[i]->data);
      }
  if (!dz_mpi_broadcast (self->comm, self->scratch, n_bytes, root, error))
    return FALSE;
  if (self->rank == root)
    return TRUE;
  for (guint i = 0; i < n_slots; i++)
    {
      DzArray *data = bucket[i]->data;
      gsize size = dz_array_n_bytes (data);
      DzArray *out = dz_optimizer_begin_write (bucket[i]->param, data, error);

      if (out == NULL)
        return FALSE;
      memcpy (out->data, self->scratch + offset, size);
      offset += size;
      dz_optimizer_end_write (bucket[i]->param, data, out);
    }
  return TRUE;
}

/**
 * dz_communicator_broadcast_parameters:
 * @self: a #DzCommunicator
 * @layer: a layer tree (a model), of the same layout on every rank
 * @root: the rank whose values the others take
 * @error: return location for a #GError
 *
 * Gives every parameter of @layer on every rank the value it has on
 * @root, as PyTorch's DDP does when it wraps a model: call it once after
 * building (or loading, on @root alone) the model, before training.
 * Parameters shared between layers travel once. A collective call: all
 * ranks make it with the same @root.
 *
 * Like an optimizer's step, it writes in place where nobody else sees a
 * parameter's values, else gives the parameter a new array, and the
 * parameter's version goes up either way.
 *
 * Returns: %TRUE on every rank, or %FALSE with @error set on every rank
 *   (%DZ_ERROR_SHAPE_MISMATCH when the ranks' layers differ,
 *   %DZ_ERROR_INVALID_ARGUMENT for a @root out of range or differing
 *   between ranks, %DZ_ERROR_NO_DATA for a parameter without a value,
 *   %DZ_ERROR_FAILED for an MPI error)
 */
gboolean
dz_communicator_broadcast_parameters (DzCommunicator  *self,
                                      DzLayer         *layer,
                                      int              root,
                                      GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GArray) slots = NULL;
  guint64 layout_hash;

  g_return_val_if_fail (DZ_IS_COMMUNICATOR (self), FALSE);
  g_return_val_if_fail (DZ_IS_LAYER (layer), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_initialized (self, error))
    return FALSE;
  slots = collect_slots (layer, FALSE, &layout_hash, &local_error);
  if (local_error == NULL && (root < 0 || root >= self->size))
    g_set_error (&local_error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                 "The root %d is not a rank of a job of %d", root, self->size);
  if (!agree_on (self, "Broadcasting the parameters", slots, layout_hash, root, NULL,
                 &local_error, error))
    return FALSE;
  return for_each_bucket (self, slots, FALSE, broadcast_bucket, GINT_TO_POINTER (root), error);
}

/* -- gradients ---------------------------------------------------------- */

/* The array the mean gradient of @slot is written into, taken from its
 * gradient variable (in place when nobody else sees it), or a new one for
 * a rank without a gradient. */
static DzArray *
begin_grad (Slot    *slot,
            GError **error)
{
  if (slot->grad == NULL)
    return dz_array_new_uninitialized_like (slot->data, error);
  return dz_optimizer_begin_write (slot->grad_var, slot->grad, error);
}

static void
end_grad (Slot    *slot,
          DzArray *out)
{
  if (slot->grad == NULL)
    {
      g_autoptr(DzVariable) grad = dz_variable_new (out);

      g_object_unref (out);
      dz_variable_set_grad (slot->param, grad);
      return;
    }
  dz_optimizer_end_write (slot->grad_var, slot->grad, out);
}

static void
scale_into (void       *out,
            const void *in,
            gsize       n,
            DzDtype     dtype,
            int         size)
{
  if (dtype == DZ_DTYPE_FLOAT32)
    {
      float *o = out, s = 1.0f / size;
      const float *x = in;

#pragma omp simd
      for (gsize i = 0; i < n; i++)
        o[i] = x[i] * s;
    }
  else
    {
      double *o = out, s = 1.0 / size;
      const double *x = in;

#pragma omp simd
      for (gsize i = 0; i < n; i++)
        o[i] = x[i] * s;
    }
}

static gboolean
allreduce_bucket (DzCommunicator  *self,
                  Slot           **bucket,
                  guint            n_slots,
                  gsize            n_bytes,
                  DzDtype          dtype,
                  gpointer         user_data,
                  GError         **error)
{
  DzMpiType type = dtype == DZ_DTYPE_FLOAT32 ? DZ_MPI_FLOAT32 : DZ_MPI_FLOAT64;
  gsize item = dz_dtype_get_item_size (dtype), offset = 0;

  /* A parameter alone is reduced where it is (no packing copy). */
  if (n_slots == 1)
    {
      Slot *slot = bucket[0];
      DzArray *out = begin_grad (slot, error);
      gboolean ok;

      if (out == NULL)
        return FALSE;
      if (slot->grad == NULL)
        memset (out->data, 0, n_bytes);
      else if (out != slot->grad)
        memcpy (out->data, slot->grad->data, n_bytes);
      ok = dz_mpi_allreduce (self->comm, out->data, n_bytes / item, type, DZ_MPI_SUM, error);
      if (ok)
        scale_into (out->data, out->data, out->size, dtype, self->size);
      end_grad (slot, out);
      return ok;
    }

  if (!ensure_scratch (self, n_bytes, error))
    return FALSE;
  for (guint i = 0; i < n_slots; i++)
    {
      gsize size = dz_array_n_bytes (bucket[i]->data);

      if (bucket[i]->grad != NULL)
        memcpy (self->scratch + offset, bucket[i]->grad->data, size);
      else
        memset (self->scratch + offset, 0, size);
      offset += size;
    }
  if (!dz_mpi_allreduce (self->comm, self->scratch, n_bytes / item, type, DZ_MPI_SUM, error))
    return FALSE;
  offset = 0;
  for (guint i = 0; i < n_slots; i++)
    {
      DzArray *out = begin_grad (bucket[i], error);

      if (out == NULL)
        return FALSE;
      scale_into (out->data, self->scratch + offset, out->size, dtype, self->size);
      offset += dz_array_n_bytes (out);
      end_grad (bucket[i], out);
    }
  return TRUE;
}

/**
 * dz_communicator_allreduce_gradients:
 * @self: a #DzCommunicator
 * @layer: a layer tree (a model), of the same layout on every rank
 * @error: return location for a #GError
 *
 * Replaces the gradient of every parameter of @layer by its mean over the
 * ranks: call it after dz_variable_backward() and before
 * dz_optimizer_update(). Gradients are fused into buckets of up to
 * #DzCommunicator:bucket-size bytes per dtype (float32 and float64), one
 * MPI call per bucket.
 *
 * A parameter without a gradient on some ranks counts as a zero gradient
 * there and gets the mean too; one without a gradient on every rank keeps
 * none, so an optimizer skips it everywhere (as PyTorch's DDP with
 * `find_unused_parameters`). A collective call.
 *
 * Returns: %TRUE on every rank, or %FALSE with @error set on every rank
 *   (%DZ_ERROR_SHAPE_MISMATCH when the ranks' layers differ or a gradient
 *   does not match its parameter, %DZ_ERROR_NO_DATA for a parameter
 *   without a value, %DZ_ERROR_FAILED for an MPI error)
 */
gboolean
dz_communicator_allreduce_gradients (DzCommunicator  *self,
                                     DzLayer         *layer,
                                     GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GArray) slots = NULL;
  g_autofree guint64 *has_grad = NULL;
  guint64 layout_hash;

  g_return_val_if_fail (DZ_IS_COMMUNICATOR (self), FALSE);
  g_return_val_if_fail (DZ_IS_LAYER (layer), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_initialized (self, error))
    return FALSE;
  slots = collect_slots (layer, TRUE, &layout_hash, &local_error);
  has_grad = g_new0 (guint64, MAX (slots->len, 1));
  for (guint i = 0; i < slots->len; i++)
    has_grad[i] = g_array_index (slots, Slot, i).grad != NULL;
  if (!agree_on (self, "Reducing the gradients", slots, layout_hash, 0, has_grad,
                 &local_error, error))
    return FALSE;
  /* The mean over one rank is its gradient. */
  if (self->size == 1)
    return TRUE;
  for (guint i = 0; i < slots->len; i++)
    g_array_index (slots, Slot, i).any_grad = has_grad[i] != 0;
  return for_each_bucket (self, slots, TRUE, allreduce_bucket, NULL, error);
}

/**
 * dz_communicator_parameters_agree:
 * @self: a #DzCommunicator
 * @layer: a layer tree (a model)
 * @error: return location for a #GError
 *
 * Compares the parameters of @layer across the ranks through a 64-bit
 * hash of their values (one small MPI call), to check that data-parallel
 * training keeps them identical. A collective call.
 *
 * Returns: whether @layer's parameters have the same bits on every
 *   rank; %FALSE with @error set on every rank when the comparison
 *   failed
 */
gboolean
dz_communicator_parameters_agree (DzCommunicator  *self,
                                  DzLayer         *layer,
                                  GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GArray) slots = NULL;
  guint64 layout_hash, hash[1];

  g_return_val_if_fail (DZ_IS_COMMUNICATOR (self), FALSE);
  g_return_val_if_fail (DZ_IS_LAYER (layer), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_initialized (self, error))
    return FALSE;
  slots = collect_slots (layer, FALSE, &layout_hash, &local_error);
  hash[0] = FNV_BASIS;
  for (guint i = 0; local_error == NULL && i < slots->len; i++)
    {
      DzArray *data = g_array_index (slots, Slot, i).data;

      hash[0] = hash_words (hash[0], data->data, dz_array_n_bytes (data));
    }
  /* The hash goes as an extra value: reduced to its maximum only. */
  {
    guint64 values[HEADER_FIXED + 1] = { 0 }, mins[HEADER_FIXED + 1];

    values[HEADER_FAILED_RANK] = local_error != NULL ? (guint64) self->rank + 1 : 0;
    values[HEADER_N_PARAMS] = slots->len;
    values[HEADER_LAYOUT] = layout_hash;
    values[HEADER_FIXED] = hash[0];
    if (!exchange_header (self, values, mins, G_N_ELEMENTS (values), error))
      return FALSE;
    if (local_error != NULL)
      {
        g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                    "Comparing the parameters on rank %d: ", self->rank);
        return FALSE;
      }
    if (values[HEADER_FAILED_RANK] != 0)
      {
        g_set_error (error, DZ_ERROR, DZ_ERROR_FAILED,
                     "Comparing the parameters failed on rank %d (see its error)",
                     (int) values[HEADER_FAILED_RANK] - 1);
        return FALSE;
      }
    return values[HEADER_N_PARAMS] == mins[HEADER_N_PARAMS]
           && values[HEADER_LAYOUT] == mins[HEADER_LAYOUT]
           && values[HEADER_FIXED] == mins[HEADER_FIXED];
  }
}

/**
 * dz_communicator_allreduce_sum: (skip)
 * @self: a #DzCommunicator
 * @values: (array length=n_values): this rank's values, replaced by their
 *   sums over the ranks
 * @n_values: the number of values, the same on every rank
 * @error: return location for a #GError
 *
 * Sums metrics over the ranks, element by element, in float64: a loss
 * summed over a rank's samples, counts of correct answers, sample
 * counts. Every rank gets the sums. A collective call. The bindings use
 * dz_communicator_allreduce_array().
 *
 * Returns: %TRUE, or %FALSE with @error set (an MPI error)
 */
gboolean
dz_communicator_allreduce_sum (DzCommunicator  *self,
                               double          *values,
                               gsize            n_values,
                               GError         **error)
{
  g_return_val_if_fail (DZ_IS_COMMUNICATOR (self), FALSE);
  g_return_val_if_fail (values != NULL || n_values == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_initialized (self, error))
    return FALSE;
  if (n_values == 0)
    return TRUE;
  return dz_mpi_allreduce (self->comm, values, n_values, DZ_MPI_FLOAT64, DZ_MPI_SUM, error);
}

/**
 * dz_communicator_allreduce_array:
 * @self: a #DzCommunicator
 * @array: this rank's values, of the same dtype and shape on every rank
 * @error: return location for a #GError
 *
 * Sums @array over the ranks, element by element, in its dtype (float32,
 * float64, or int64 for exact counts); every rank gets the sums. A
 * collective call.
 *
 * Returns: (transfer full): a new array of the sums, or %NULL with @error
 *   set (an MPI error, or %DZ_ERROR_NO_MEMORY)
 */
DzArray *
dz_communicator_allreduce_array (DzCommunicator  *self,
                                 DzArray         *array,
                                 GError         **error)
{
  static const DzMpiType types[] = {
    [DZ_DTYPE_FLOAT64] = DZ_MPI_FLOAT64, [DZ_DTYPE_FLOAT32] = DZ_MPI_FLOAT32,
    [DZ_DTYPE_INT64] = DZ_MPI_INT64,
  };
  g_autoptr(DzArray) out = NULL;

  g_return_val_if_fail (DZ_IS_COMMUNICATOR (self), NULL);
  g_return_val_if_fail (DZ_IS_ARRAY (array), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_initialized (self, error))
    return NULL;
  out = dz_array_new_uninitialized_like (array, error);
  if (out == NULL)
    return NULL;
  memcpy (out->data, array->data, dz_array_n_bytes (array));
  if (out->size > 0
      && !dz_mpi_allreduce (self->comm, out->data, out->size, types[array->dtype], DZ_MPI_SUM, error))
    return NULL;
  return g_steal_pointer (&out);
}

/**
 * dz_communicator_barrier:
 * @self: a #DzCommunicator
 * @error: return location for a #GError
 *
 * Waits until every rank has called it: e.g. before the other ranks read
 * a file that rank 0 writes. A collective call.
 *
 * Returns: %TRUE, or %FALSE with @error set (an MPI error)
 */
gboolean
dz_communicator_barrier (DzCommunicator  *self,
                         GError         **error)
{
  g_return_val_if_fail (DZ_IS_COMMUNICATOR (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return check_initialized (self, error) && dz_mpi_barrier (self->comm, error);
}

/**
 * dz_communicator_shutdown:
 *
 * Finalizes MPI now rather than at the end of the process, if this
 * library initialized it; afterwards no communicator works (their calls
 * fail with %DZ_ERROR_NOT_AVAILABLE) and none can be made, since MPI
 * cannot be initialized twice. Every rank should call it, as
 * `MPI_Finalize()` is collective. Without it, the library finalizes MPI
 * when the process exits with status 0 (and aborts the job on another
 * status).
 */
void
dz_communicator_shutdown (void)
{
  dz_mpi_shutdown ();
}
