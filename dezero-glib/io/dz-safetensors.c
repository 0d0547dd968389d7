/* dz-safetensors.c: weights in the safetensors format
 *
 * The format PyTorch and Hugging Face tools read
 * (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON naming each tensor's dtype, shape and
 * byte range, then the tensors' raw little-endian bytes, back to back.
 * Loading maps the file and builds arrays over the mapping, so weights are
 * paged in from the file rather than copied.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "dz-error.h"
#include "dz-safetensors.h"

/* The reference implementation's limit: a header beyond it is a corrupt
 * length, not a real header, and must not make us allocate or parse it. */
#define MAX_HEADER_SIZE 100000000

/* json-glib 1.6 parses nested arrays and objects by recursion without a
 * limit: 10^7 bytes of '[' overflowed the stack here. A valid header nests
 * three deep ({"w": {"shape": [..]}}); the rest is slack for fields a
 * future writer may add. */
#define MAX_HEADER_DEPTH 16

/* The dtypes of the format. Those arrays cannot hold still describe how
 * many bytes a tensor takes, so a file that has some loads, and only
 * asking for such a tensor fails. */
typedef struct
{
  const char *name;
  guint8      item_size;
  gint8       dtype;   /* a DzDtype, or -1 */
} StDtype;

static const StDtype st_dtypes[] = {
  { "F64", 8, DZ_DTYPE_FLOAT64 },
  { "F32", 4, DZ_DTYPE_FLOAT32 },
  { "I64", 8, DZ_DTYPE_INT64 },
  { "BOOL", 1, -1 }, { "U8", 1, -1 }, { "I8", 1, -1 },
  { "F8_E5M2", 1, -1 }, { "F8_E4M3", 1, -1 },
  { "I16", 2, -1 }, { "U16", 2, -1 }, { "F16", 2, -1 }, { "BF16", 2, -1 },
  { "I32", 4, -1 }, { "U32", 4, -1 }, { "U64", 8, -1 },
};

G_STATIC_ASSERT (DZ_N_DTYPES == 3);

static const StDtype *
st_dtype_from_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (st_dtypes); i++)
    if (strcmp (st_dtypes[i].name, name) == 0)
      return &st_dtypes[i];
  return NULL;
}

static const StDtype *
st_dtype_from_dtype (DzDtype dtype)
{
  for (guint i = 0; i < G_N_ELEMENTS (st_dtypes); i++)
    if (st_dtypes[i].dtype == (gint8) dtype)
      return &st_dtypes[i];
  g_return_val_if_reached (NULL);
}

#if G_BYTE_ORDER == G_BIG_ENDIAN
/* The format is little-endian, arrays are in the machine's order. */
static void
swap_items (guint8 *data,
            gsize   n_bytes,
            gsize   item_size)
{
  for (gsize i = 0; i + item_size <= n_bytes; i += item_size)
    for (gsize j = 0; j < item_size / 2; j++)
      {
        guint8 t = data[i + j];

        data[i + j] = data[i + item_size - 1 - j];
        data[i + item_size - 1 - j] = t;
      }
}
#endif

typedef struct
{
  char          *name;
  const StDtype *dtype;
  guint          ndim;
  gsize         *shape;
  gsize          begin;
  gsize          end;
} Tensor;

static void
tensor_free (Tensor *t)
{
  g_free (t->name);
  g_free (t->shape);
  g_free (t);
}

/**
 * DzSafetensors:
 *
 * A safetensors file opened for reading: the tensors it holds, by name,
 * and its metadata. Create one with dz_safetensors_load(); write a file
 * with dz_safetensors_save().
 *
 * The file is memory-mapped, and the arrays dz_safetensors_get_array()
 * returns read their values from the mapping when they are aligned there
 * (always, for files dz_safetensors_save() writes), keeping it alive after
 * the #DzSafetensors is gone. Replace such a file only by renaming a new
 * one over it, as dz_safetensors_save() does: truncating a mapped file in
 * place makes reading its arrays crash.
 */
struct _DzSafetensors
{
  GObject     parent_instance;

  GBytes     *file;        /* the whole mapping */
  gsize       data_start;  /* 8 + the header length */
  GPtrArray  *tensors;     /* of Tensor, in the header's order */
  GHashTable *by_name;     /* name -> Tensor, borrowed from tensors */
  GStrv       names;       /* the names, in the header's order */
  GHashTable *metadata;    /* utf8 -> utf8 */
};

G_DEFINE_FINAL_TYPE (DzSafetensors, dz_safetensors, G_TYPE_OBJECT)

static void
dz_safetensors_finalize (GObject *object)
{
  DzSafetensors *self = DZ_SAFETENSORS (object);

  g_clear_pointer (&self->file, g_bytes_unref);
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->tensors, g_ptr_array_unref);
  g_clear_pointer (&self->names, g_strfreev);
  g_clear_pointer (&self->metadata, g_hash_table_unref);

  G_OBJECT_CLASS (dz_safetensors_parent_class)->finalize (object);
}

static void
dz_safetensors_class_init (DzSafetensorsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dz_safetensors_finalize;
}

static void
dz_safetensors_init (DzSafetensors *self)
{
  self->tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) tensor_free);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* Saving */

static gboolean
write_all (int          fd,
           const void  *data,
           gsize        n_bytes,
           const char  *display_name,
           GError     **error)
{
  const guint8 *p = data;

  while (n_bytes > 0)
    {
      gssize written = write (fd, p, MIN (n_bytes, (gsize) G_MAXSSIZE));

      if (written < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                       "Could not write %s: %s", display_name, g_strerror (saved_errno));
          return FALSE;
        }
      p += written;
      n_bytes -= written;
    }

  return TRUE;
}

static gboolean
write_array (int          fd,
             DzArray     *array,
             const char  *display_name,
             GError     **error)
{
  g_autoptr(GBytes) bytes = dz_array_get_bytes (array);
  gsize n_bytes;
  const void *data = g_bytes_get_data (bytes, &n_bytes);

#if G_BYTE_ORDER == G_BIG_ENDIAN
  g_autofree guint8 *swapped = g_memdup2 (data, n_bytes);

  swap_items (swapped, n_bytes, dz_dtype_get_item_size (dz_array_get_dtype (array)));
  data = swapped;
#endif

  return write_all (fd, data, n_bytes, display_name, error);
}

/* Checks what the caller gave before anything touches the disk. */
static gboolean
check_save_arguments (const char * const *names,
                      DzArray * const    *arrays,
                      guint               n_arrays,
                      GHashTable         *metadata,
                      GError            **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key, value;

  if (g_strv_length ((char **) names) != n_arrays)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_WRONG_COUNT,
                   "%u names were given for %u arrays",
                   g_strv_length ((char **) names), n_arrays);
      return FALSE;
    }

  for (guint i = 0; i < n_arrays; i++)
    {
      if (!g_utf8_validate (names[i], -1, NULL))
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                       "Tensor name %u is not valid UTF-8", i);
          return FALSE;
        }
      if (strcmp (names[i], "__metadata__") == 0)
        {
          g_set_error_literal (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                               "A tensor cannot be named “__metadata__”: "
                               "the format reserves that key");
          return FALSE;
        }
      if (!g_hash_table_add (seen, (gpointer) names[i]))
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                       "The tensor name “%s” is given twice", names[i]);
          return FALSE;
        }
    }

  if (metadata == NULL)
    return TRUE;

  g_hash_table_iter_init (&iter, metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (key == NULL || value == NULL
        || !g_utf8_validate (key, -1, NULL) || !g_utf8_validate (value, -1, NULL))
      {
        g_set_error_literal (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                             "Metadata keys and values must be UTF-8 strings");
        return FALSE;
      }

  return TRUE;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The JSON header, padded with spaces so that the data starts 8-byte
 * aligned in the file (and so in a page-aligned mapping of it). */
static char *
build_header (const char * const *names,
              DzArray * const    *arrays,
              const gsize        *begins,
              guint               n_arrays,
              GHashTable         *metadata,
              gsize              *length)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  gsize text_length, padded;
  char *header;

  json_builder_begin_object (builder);

  /* Sorted keys, so that saving the same weights gives the same file. */
  if (metadata != NULL && g_hash_table_size (metadata) > 0)
    {
      g_autofree const char **keys =
        (const char **) g_hash_table_get_keys_as_array (metadata, NULL);
      guint n_keys = g_hash_table_size (metadata);

      g_qsort_with_data (keys, n_keys, sizeof (char *), compare_strings, NULL);
      json_builder_set_member_name (builder, "__metadata__");
      json_builder_begin_object (builder);
      for (guint i = 0; i < n_keys; i++)
        {
          json_builder_set_member_name (builder, keys[i]);
          json_builder_add_string_value (builder, g_hash_table_lookup (metadata, keys[i]));
        }
      json_builder_end_object (builder);
    }

  for (guint i = 0; i < n_arrays; i++)
    {
      guint ndim;
      const gsize *shape = dz_array_get_shape (arrays[i], &ndim);
      gsize n_bytes = dz_array_get_size (arrays[i])
                      * dz_dtype_get_item_size (dz_array_get_dtype (arrays[i]));

      json_builder_set_member_name (builder, names[i]);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "dtype");
      json_builder_add_string_value (builder,
                                     st_dtype_from_dtype (dz_array_get_dtype (arrays[i]))->name);
      json_builder_set_member_name (builder, "shape");
      json_builder_begin_array (builder);
      for (guint d = 0; d < ndim; d++)
        json_builder_add_int_value (builder, shape[d]);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "data_offsets");
      json_builder_begin_array (builder);
      json_builder_add_int_value (builder, begins[i]);
      json_builder_add_int_value (builder, begins[i] + n_bytes);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }

  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &text_length);

  padded = (text_length + 7) & ~(gsize) 7;
  header = g_malloc (padded);
  memcpy (header, text, text_length);
  memset (header + text_length, ' ', padded - text_length);
  *length = padded;
  return header;
}

/**
 * dz_safetensors_save:
 * @path: (type filename): the file to write
 * @names: (array zero-terminated=1): the tensors' names, one per array,
 *   each unique and none “__metadata__”
 * @arrays: (array length=n_arrays): the arrays to save
 * @n_arrays: the number of arrays, and of @names
 * @metadata: (element-type utf8 utf8) (nullable): string pairs to store in
 *   the header's `__metadata__`, or %NULL
 * @error: return location for a #GError
 *
 * Writes @arrays to @path in the safetensors format that PyTorch
 * (`safetensors.torch.load_file()`) and Hugging Face tools read.
 *
 * The header lists the tensors in the order given. The data puts the
 * 8-byte dtypes (float64, int64) first and the float32 arrays after them,
 * each group in the order given: the format allows no gaps between
 * tensors, and this order keeps every tensor aligned in the file, so that
 * dz_safetensors_get_array() reads all of them without a copy.
 *
 * The file is written under a temporary name next to @path, flushed to the
 * disk, then renamed over @path: a failure at any point leaves an existing
 * @path as it was.
 *
 * Returns: %TRUE on success, %FALSE with @error set (in %G_FILE_ERROR when
 *   the file cannot be written)
 */
gboolean
dz_safetensors_save (const char         *path,
                     const char * const *names,
                     DzArray * const    *arrays,
                     guint               n_arrays,
                     GHashTable         *metadata,
                     GError            **error)
{
  g_autofree gsize *begins = NULL;
  g_autofree char *header = NULL;
  g_autofree char *tmp_path = NULL;
  g_autofree char *display_name = NULL;
  gsize header_length, offset = 0;
  guint8 length_le[8];
  int fd;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (names != NULL, FALSE);
  g_return_val_if_fail (n_arrays == 0 || arrays != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  for (guint i = 0; i < n_arrays; i++)
    g_return_val_if_fail (DZ_IS_ARRAY (arrays[i]), FALSE);

  if (!check_save_arguments (names, arrays, n_arrays, metadata, error))
    return FALSE;

  /* 8-byte items first: see the doc comment. Arrays hold at most
   * G_MAXSIZE bytes each, but together they could wrap around. */
  begins = g_new (gsize, MAX (n_arrays, 1));
  for (gsize item_size = 8; item_size >= 4; item_size /= 2)
    for (guint i = 0; i < n_arrays; i++)
      {
        DzDtype dtype = dz_array_get_dtype (arrays[i]);
        gsize n_bytes = dz_array_get_size (arrays[i]) * dz_dtype_get_item_size (dtype);

        if (dz_dtype_get_item_size (dtype) != item_size)
          continue;
        if (n_bytes > (gsize) G_MAXINT64 - offset)
          {
            g_set_error_literal (error, DZ_ERROR, DZ_ERROR_TOO_LARGE,
                                 "The arrays hold more bytes than a file can");
            return FALSE;
          }
        begins[i] = offset;
        offset += n_bytes;
      }

  header = build_header (names, arrays, begins, n_arrays, metadata, &header_length);
  for (guint i = 0; i < 8; i++)
    length_le[i] = (guint8) ((guint64) header_length >> (8 * i));

  display_name = g_filename_display_name (path);
  tmp_path = g_strconcat (path, ".XXXXXX", NULL);
  fd = g_mkstemp_full (tmp_path, O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Could not create a file next to %s: %s",
                   display_name, g_strerror (saved_errno));
      return FALSE;
    }

  if (!write_all (fd, length_le, 8, display_name, error)
      || !write_all (fd, header, header_length, display_name, error))
    goto fail;
  for (gsize item_size = 8; item_size >= 4; item_size /= 2)
    for (guint i = 0; i < n_arrays; i++)
      if (dz_dtype_get_item_size (dz_array_get_dtype (arrays[i])) == item_size
          && !write_array (fd, arrays[i], display_name, error))
        goto fail;

  /* Without the flush, a crash soon after the rename can leave an empty
   * file under the good name on some file systems (ext4 delalloc). */
  if (g_fsync (fd) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Could not flush %s to the disk: %s",
                   display_name, g_strerror (saved_errno));
      goto fail;
    }
  if (!g_close (fd, error))
    {
      fd = -1;
      goto fail;
    }
  fd = -1;

  if (g_rename (tmp_path, path) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Could not rename the new file to %s: %s",
                   display_name, g_strerror (saved_errno));
      goto fail;
    }

  return TRUE;

fail:
  if (fd >= 0)
    g_close (fd, NULL);
  g_unlink (tmp_path);
  return FALSE;
}

/* Loading */

/* See MAX_HEADER_DEPTH. Brackets inside strings do not count. */
static gboolean
check_nesting (const char  *text,
               gsize        length,
               const char  *display_name,
               GError     **error)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        {
          if (++depth > MAX_HEADER_DEPTH)
            {
              g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_FILE,
                           "%s: the header nests more than %d levels deep",
                           display_name, MAX_HEADER_DEPTH);
              return FALSE;
            }
        }
      else if ((c == '}' || c == ']') && depth > 0)
        depth--;
    }

  return TRUE;
}

/* json-glib keeps the last of repeated keys silently; its object-member
 * signal comes after each insertion, so a repeat shows as more members
 * announced than the object holds. */
typedef struct
{
  GHashTable *counts;     /* JsonObject -> members announced */
  char       *repeated;   /* the first key seen twice */
} RepeatCheck;

static void
on_object_member (JsonParser  *parser,
                  JsonObject  *object,
                  const char  *member_name,
                  RepeatCheck *check)
{
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (check->counts, object)) + 1;

  g_hash_table_insert (check->counts, object, GUINT_TO_POINTER (count));
  if (count > json_object_get_size (object) && check->repeated == NULL)
    check->repeated = g_strdup (member_name);
}

/* A JSON integer >= 0. json-glib saturates integers beyond gint64 to
 * G_MAXINT64, which the size and range checks then refuse. */
static gboolean
get_count (JsonNode *node,
           guint64  *value)
{
  gint64 v;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (node);
  if (v < 0)
    return FALSE;
  *value = (guint64) v;
  return TRUE;
}

static gboolean
parse_metadata (DzSafetensors  *self,
                JsonNode       *node,
                const char     *display_name,
                GError        **error)
{
  JsonObject *object;
  g_autoptr(GList) members = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    goto invalid;
  object = json_node_get_object (node);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (object, l->data);

      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        goto invalid;
      g_hash_table_insert (self->metadata, g_strdup (l->data),
                           g_strdup (json_node_get_string (value)));
    }
  return TRUE;

invalid:
  g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_FILE,
               "%s: “__metadata__” must map strings to strings", display_name);
  return FALSE;
}

/* As Python prints shapes: "()", "(3,)", "(2, 3)". */
static char *
format_shape (const gsize *shape,
              guint        ndim)
{
  GString *text = g_string_new ("(");

  for (guint d = 0; d < ndim; d++)
    g_string_append_printf (text, "%s%" G_GSIZE_FORMAT, d > 0 ? ", " : "", shape[d]);
  g_string_append (text, ndim == 1 ? ",)" : ")");
  return g_string_free (text, FALSE);
}

static Tensor *
parse_tensor (const char  *name,
              JsonNode    *node,
              gsize        data_length,
              const char  *display_name,
              GError     **error)
{
  JsonObject *object;
  JsonNode *dtype_node, *shape_node, *offsets_node;
  JsonArray *shape, *offsets;
  Tensor *t;
  guint64 begin, end, size = 1;
  gboolean overflow = FALSE;

#define FAIL(...)                                                             \
  G_STMT_START {                                                              \
    g_autofree char *why_ = g_strdup_printf (__VA_ARGS__);                    \
    g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_FILE,                      \
                 "%s: tensor “%s”: %s", display_name, name, why_);            \
    return NULL;                                                              \
  } G_STMT_END

  if (!JSON_NODE_HOLDS_OBJECT (node))
    FAIL ("its entry is not an object");
  object = json_node_get_object (node);

  dtype_node = json_object_get_member (object, "dtype");
  if (dtype_node == NULL || !JSON_NODE_HOLDS_VALUE (dtype_node)
      || json_node_get_value_type (dtype_node) != G_TYPE_STRING)
    FAIL ("no “dtype” string");
  if (st_dtype_from_name (json_node_get_string (dtype_node)) == NULL)
    FAIL ("unknown dtype “%s”", json_node_get_string (dtype_node));

  shape_node = json_object_get_member (object, "shape");
  if (shape_node == NULL || !JSON_NODE_HOLDS_ARRAY (shape_node))
    FAIL ("no “shape” array");
  shape = json_node_get_array (shape_node);
  if (json_array_get_length (shape) > DZ_ARRAY_MAX_NDIM)
    FAIL ("%u dimensions, more than the %d an array can have",
          json_array_get_length (shape), DZ_ARRAY_MAX_NDIM);

  offsets_node = json_object_get_member (object, "data_offsets");
  if (offsets_node == NULL || !JSON_NODE_HOLDS_ARRAY (offsets_node)
      || json_array_get_length (offsets = json_node_get_array (offsets_node)) != 2
      || !get_count (json_array_get_element (offsets, 0), &begin)
      || !get_count (json_array_get_element (offsets, 1), &end))
    FAIL ("“data_offsets” is not a pair of integers >= 0");
  if (begin > end)
    FAIL ("its data begins at byte %" G_GUINT64_FORMAT " after it ends at %"
          G_GUINT64_FORMAT, begin, end);
  if (end > data_length)
    FAIL ("its data ends at byte %" G_GUINT64_FORMAT ", beyond the %" G_GSIZE_FORMAT
          " bytes of data in the file (truncated file?)", end, data_length);

  t = g_new0 (Tensor, 1);
  t->dtype = st_dtype_from_name (json_node_get_string (dtype_node));
  t->ndim = json_array_get_length (shape);
  t->shape = g_new (gsize, MAX (t->ndim, 1));
  t->begin = begin;
  t->end = end;
  for (guint d = 0; d < t->ndim; d++)
    {
      guint64 length;

      if (!get_count (json_array_get_element (shape, d), &length))
        {
          tensor_free (t);
          FAIL ("its shape holds something else than integers >= 0");
        }
      t->shape[d] = length;
      /* An axis of 0 makes the size 0 whatever follows, but a huge axis
       * after it is still a corrupt header. */
      if (length > G_MAXSIZE || (length != 0 && size > G_MAXUINT64 / length))
        overflow = TRUE;
      else
        size *= length;
    }
  if (overflow || size > G_MAXUINT64 / t->dtype->item_size)
    {
      tensor_free (t);
      FAIL ("its shape has more elements than a file can hold");
    }
  if (size * t->dtype->item_size != end - begin)
    {
      g_autofree char *shape_text = format_shape (t->shape, t->ndim);
      guint64 n_bytes = size * t->dtype->item_size;

      tensor_free (t);
      FAIL ("shape %s of %s takes %" G_GUINT64_FORMAT " bytes, but its data_offsets"
            " span %" G_GUINT64_FORMAT, shape_text, json_node_get_string (dtype_node),
            n_bytes, end - begin);
    }

#undef FAIL

  t->name = g_strdup (name);
  return t;
}

static int
compare_tensor_offsets (gconstpointer a,
                        gconstpointer b)
{
  const Tensor *ta = *(const Tensor * const *) a;
  const Tensor *tb = *(const Tensor * const *) b;

  if (ta->begin != tb->begin)
    return ta->begin < tb->begin ? -1 : 1;
  if (ta->end != tb->end)
    return ta->end < tb->end ? -1 : 1;
  return 0;
}

/* The format requires the tensors to tile the data exactly: no overlap
 * (a write to one would change another), no gap, nothing after. */
static gboolean
check_layout (DzSafetensors  *self,
              gsize           data_length,
              const char     *display_name,
              GError        **error)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_copy (self->tensors, NULL, NULL);
  gsize expected = 0;

  /* The copy would free the tensors too. */
  g_ptr_array_set_free_func (sorted, NULL);
  g_ptr_array_sort (sorted, compare_tensor_offsets);
  for (guint i = 0; i < sorted->len; i++)
    {
      Tensor *t = g_ptr_array_index (sorted, i);

      if (t->begin != expected)
        {
          g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_FILE,
                       "%s: tensor “%s” begins at byte %" G_GSIZE_FORMAT
                       " of the data where %" G_GSIZE_FORMAT " was expected (%s)",
                       display_name, t->name, t->begin, expected,
                       t->begin < expected ? "it overlaps another tensor"
                                           : "a gap before it");
          return FALSE;
        }
      expected = t->end;
    }
  if (expected != data_length)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_FILE,
                   "%s: the tensors cover %" G_GSIZE_FORMAT " bytes of data, "
                   "but %" G_GSIZE_FORMAT " follow the header",
                   display_name, expected, data_length);
      return FALSE;
    }

  return TRUE;
}

static gboolean
parse_header (DzSafetensors  *self,
              const char     *header,
              gsize           header_length,
              gsize           data_length,
              const char     *display_name,
              GError        **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) counts = g_hash_table_new (NULL, NULL);
  g_autoptr(GError) json_error = NULL;
  g_autoptr(GList) members = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  RepeatCheck check = { counts, NULL };
  JsonNode *root;
  JsonObject *object;

  if (!check_nesting (header, header_length, display_name, error))
    return FALSE;

  g_signal_connect (parser, "object-member", G_CALLBACK (on_object_member), &check);
  if (!json_parser_load_from_data (parser, header, header_length, &json_error))
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_FILE,
                   "%s: the header is not valid JSON: %s", display_name, json_error->message);
      g_free (check.repeated);
      return FALSE;
    }
  if (check.repeated != NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_FILE,
                   "%s: the header has the key “%s” twice", display_name, check.repeated);
      g_free (check.repeated);
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_FILE,
                   "%s: the header is not a JSON object", display_name);
      return FALSE;
    }
  object = json_node_get_object (root);

  /* In the header's order, which json-glib keeps. */
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (object, name);
      Tensor *t;

      if (strcmp (name, "__metadata__") == 0)
        {
          if (!parse_metadata (self, node, display_name, error))
            return FALSE;
          continue;
        }
      t = parse_tensor (name, node, data_length, display_name, error);
      if (t == NULL)
        return FALSE;
      g_ptr_array_add (self->tensors, t);
      g_hash_table_insert (self->by_name, t->name, t);
      g_ptr_array_add (names, g_strdup (t->name));
    }
  g_ptr_array_add (names, NULL);
  self->names = (GStrv) g_ptr_array_steal (names, NULL);

  return check_layout (self, data_length, display_name, error);
}

/**
 * dz_safetensors_load:
 * @path: (type filename): the file to read
 * @error: return location for a #GError
 *
 * Opens a safetensors file, written by dz_safetensors_save(), PyTorch or
 * any other writer of the format, and checks its header: the length, the
 * JSON, every tensor's dtype, shape and byte range (which must match and
 * tile the data exactly, as the format requires), and the names (each
 * once). The tensors' values are read only when asked for, with
 * dz_safetensors_get_array().
 *
 * Returns: (transfer full): the opened file, or %NULL with @error set: in
 *   %G_FILE_ERROR when @path cannot be read, %DZ_ERROR_INVALID_FILE when
 *   it is not a valid safetensors file
 */
DzSafetensors *
dz_safetensors_load (const char  *path,
                     GError     **error)
{
  g_autoptr(DzSafetensors) self = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autofree char *display_name = NULL;
  const guint8 *contents;
  gsize length;
  guint64 header_length = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Read-only and shared: the arrays over it are immutable anyway. */
  mapped = g_mapped_file_new (path, FALSE, error);
  if (mapped == NULL)
    return NULL;

  self = g_object_new (DZ_TYPE_SAFETENSORS, NULL);
  self->file = g_mapped_file_get_bytes (mapped);
  contents = g_bytes_get_data (self->file, &length);
  display_name = g_filename_display_name (path);

  if (length < 8)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_FILE,
                   "%s: %" G_GSIZE_FORMAT " bytes are too few for a safetensors "
                   "file (truncated file?)", display_name, length);
      return NULL;
    }
  for (guint i = 0; i < 8; i++)
    header_length |= (guint64) contents[i] << (8 * i);
  if (header_length > MAX_HEADER_SIZE)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_FILE,
                   "%s: a header of %" G_GUINT64_FORMAT " bytes is more than the "
                   "%d a safetensors file may have (not a safetensors file?)",
                   display_name, header_length, MAX_HEADER_SIZE);
      return NULL;
    }
  if (header_length > length - 8)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_FILE,
                   "%s: the header should take %" G_GUINT64_FORMAT " bytes but only %"
                   G_GSIZE_FORMAT " follow its length (truncated file?)",
                   display_name, header_length, length - 8);
      return NULL;
    }

  self->data_start = 8 + header_length;
  if (!parse_header (self, (const char *) contents + 8, header_length,
                     length - self->data_start, display_name, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * dz_safetensors_get_names:
 * @self: a #DzSafetensors
 *
 * Lists the tensors of the file, in the order of its header (for files
 * dz_safetensors_save() writes, the order the arrays were given in).
 *
 * Returns: (array zero-terminated=1) (transfer none): the names, valid as
 *   long as @self is
 */
const char * const *
dz_safetensors_get_names (DzSafetensors *self)
{
  g_return_val_if_fail (DZ_IS_SAFETENSORS (self), NULL);

  return (const char * const *) self->names;
}

/**
 * dz_safetensors_contains:
 * @self: a #DzSafetensors
 * @name: a tensor name
 *
 * Tells whether the file holds a tensor called @name.
 *
 * Returns: %TRUE if it does
 */
gboolean
dz_safetensors_contains (DzSafetensors *self,
                         const char    *name)
{
  g_return_val_if_fail (DZ_IS_SAFETENSORS (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return g_hash_table_contains (self->by_name, name);
}

/**
 * dz_safetensors_get_array:
 * @self: a #DzSafetensors
 * @name: the name of a tensor of the file
 * @error: return location for a #GError
 *
 * Reads the tensor called @name as an array of its dtype and shape. The
 * array reads its values from the file's mapping when they are aligned
 * there, without a copy (all of them in files dz_safetensors_save()
 * writes), and keeps the mapping alive as long as it needs it; otherwise
 * it holds a copy.
 *
 * Returns: (transfer full): a new #DzArray, or %NULL with @error set:
 *   %DZ_ERROR_INVALID_ARGUMENT when there is no such tensor,
 *   %DZ_ERROR_INVALID_DTYPE when its dtype is one arrays cannot hold
 *   (arrays hold F64, F32 and I64)
 */
DzArray *
dz_safetensors_get_array (DzSafetensors  *self,
                          const char     *name,
                          GError        **error)
{
  g_autoptr(GBytes) bytes = NULL;
  Tensor *t;

  g_return_val_if_fail (DZ_IS_SAFETENSORS (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  t = g_hash_table_lookup (self->by_name, name);
  if (t == NULL)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_ARGUMENT,
                   "The file has no tensor named “%s”", name);
      return NULL;
    }
  if (t->dtype->dtype < 0)
    {
      g_set_error (error, DZ_ERROR, DZ_ERROR_INVALID_DTYPE,
                   "Tensor “%s” is of dtype %s; arrays hold F64, F32 and I64",
                   name, t->dtype->name);
      return NULL;
    }

  bytes = g_bytes_new_from_bytes (self->file, self->data_start + t->begin, t->end - t->begin);
#if G_BYTE_ORDER == G_BIG_ENDIAN
  {
    gsize n_bytes;
    guint8 *swapped = g_bytes_unref_to_data (g_steal_pointer (&bytes), &n_bytes);

    swap_items (swapped, n_bytes, t->dtype->item_size);
    bytes = g_bytes_new_take (swapped, n_bytes);
  }
#endif

  return dz_array_new_from_bytes (bytes, t->dtype->dtype, t->shape, t->ndim, error);
}

/**
 * dz_safetensors_get_metadata:
 * @self: a #DzSafetensors
 *
 * Gets the string pairs of the header's `__metadata__`, empty when it has
 * none.
 *
 * Returns: (element-type utf8 utf8) (transfer none): the metadata, valid
 *   as long as @self is
 */
GHashTable *
dz_safetensors_get_metadata (DzSafetensors *self)
{
  g_return_val_if_fail (DZ_IS_SAFETENSORS (self), NULL);

  return self->metadata;
}
