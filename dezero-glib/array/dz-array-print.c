/* dz-array-print.c: arrays as text, the way NumPy prints them
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dz-array-private.h"

/* NumPy's default print options (numpy.get_printoptions()). */
#define THRESHOLD 1000
#define EDGE_ITEMS 3
#define LINE_WIDTH 75
#define PRECISION 8

/* The decimal digits of @x, as few as read back to @x (as a float when
 * @single: NumPy prints float32 values by their own shortest digits),
 * rounded to at most @max_fraction digits after the first: a "%.*e"
 * precision. */
static int
shortest_e_precision (double   x,
                      int      max_fraction,
                      gboolean single)
{
  char buf[40];

  for (int k = 0; k < max_fraction; k++)
    {
      g_snprintf (buf, sizeof buf, "%.*e", k, x);
      if (single ? (float) g_ascii_strtod (buf, NULL) == (float) x : g_ascii_strtod (buf, NULL) == x)
        return k;
    }
  return max_fraction;
}

/* The decimal exponent of @x once rounded to @k + 1 digits. */
static int
decimal_exponent (double x,
                  int    k)
{
  char buf[40];

  g_snprintf (buf, sizeof buf, "%.*e", k, x);
  return atoi (strchr (buf, 'e') + 1);
}

/* NumPy's dragon4_positional (unique, fractional, trim='.'): the shortest
 * digits that identify @x, cut at @precision digits after the point. */
static void
append_positional (GString  *str,
                   double    x,
                   int       precision,
                   gboolean  single)
{
  int k = shortest_e_precision (x, 16, single);
  int fraction = MAX (0, k - decimal_exponent (x, k));
  gsize start = str->len;

  g_string_append_printf (str, "%.*f", MIN (fraction, precision), x);
  if (strchr (str->str + start, '.') == NULL)
    g_string_append_c (str, '.');
  else
    while (str->str[str->len - 1] == '0')
      g_string_truncate (str, str->len - 1);
}

/* NumPy's dragon4_scientific (unique): mantissa cut at @precision digits
 * after the point; with @min_digits, padded with zeros to that many
 * (trim='k'), else trailing zeros dropped (trim='.'); at least
 * @exp_digits digits of exponent. */
static void
append_scientific (GString  *str,
                   double    x,
                   int       precision,
                   int       min_digits,
                   int       exp_digits,
                   gboolean  single)
{
  char buf[40];
  char *e;
  int k = shortest_e_precision (x, precision, single);
  int exponent, n;

  g_snprintf (buf, sizeof buf, "%.*e", k, x);
  e = strchr (buf, 'e');
  exponent = atoi (e + 1);
  *e = '\0';
  n = strlen (buf);
  if (strchr (buf, '.') == NULL)
    buf[n++] = '.', buf[n] = '\0';
  while (buf[n - 1] == '0')
    buf[--n] = '\0';
  g_string_append (str, buf);
  for (int digits = strlen (strchr (buf, '.') + 1); digits < min_digits; digits++)
    g_string_append_c (str, '0');
  g_string_append_printf (str, "e%c%0*d", exponent < 0 ? '-' : '+',
                          MAX (exp_digits, 2), abs (exponent));
}

/* Python's repr() of a float, which NumPy uses for 0-d arrays. */
static void
append_repr (GString  *str,
             double    x,
             gboolean  single)
{
  int k, exponent;

  if (isnan (x))
    {
      g_string_append (str, "nan");
      return;
    }
  if (isinf (x))
    {
      g_string_append (str, x < 0 ? "-inf" : "inf");
      return;
    }

  k = shortest_e_precision (x, 16, single);
  exponent = decimal_exponent (x, k);
  if (exponent < -4 || exponent >= 16)
    {
      append_scientific (str, x, k, 0, 2, single);
      /* Python writes 1e+16, not 1.e+16. */
      if (k == 0)
        {
          char *dot = strchr (str->str, '.');

          memmove (dot, dot + 1, strlen (dot));
          str->len--;
        }
      return;
    }

  g_string_append_printf (str, "%.*f", MAX (0, k - exponent), x);
  if (k - exponent <= 0)
    g_string_append (str, ".0");
}

/* NumPy's FloatingFormat: one layout for every value printed, computed
 * from those values only. */
typedef struct
{
  gboolean single;
  gboolean integer;
  gboolean scientific;
  int precision;
  int pad_left;
  int pad_right;
  int exp_size;
} Format;

static void
split_width (const char *text,
             int        *int_width,
             int        *fraction_width)
{
  const char *dot = strchr (text, '.');
  const char *end = strchr (text, 'e');

  *int_width = dot - text;
  *fraction_width = (end ? end : text + strlen (text)) - dot - 1;
}

static void
format_init (Format       *format,
             DzDtype       dtype,
             const double *values,
             gsize         n)
{
  double max_abs = 0.0, min_abs = INFINITY;
  gboolean any_finite = FALSE, any_nonfinite = FALSE, negative_inf = FALSE;
  GString *text;

  memset (format, 0, sizeof *format);
  format->exp_size = -1;
  format->precision = PRECISION;
  format->single = dtype == DZ_DTYPE_FLOAT32;

  /* NumPy's IntegerFormat: right-aligned to the widest. */
  if (dtype == DZ_DTYPE_INT64)
    {
      format->integer = TRUE;
      for (gsize i = 0; i < n; i++)
        {
          char buf[32];

          g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, (gint64) values[i]);
          format->pad_left = MAX (format->pad_left, (int) strlen (buf));
        }
      return;
    }

  text = g_string_new (NULL);

  for (gsize i = 0; i < n; i++)
    {
      double a = fabs (values[i]);

      if (!isfinite (values[i]))
        {
          any_nonfinite = TRUE;
          negative_inf |= isinf (values[i]) && values[i] < 0;
          continue;
        }
      any_finite = TRUE;
      if (a != 0.0)
        {
          max_abs = MAX (max_abs, a);
          min_abs = MIN (min_abs, a);
        }
    }

  if (max_abs > 0.0)
    format->scientific = max_abs >= 1e8 || min_abs < 0.0001 || max_abs / min_abs > 1000.0;

  if (any_finite)
    {
      int max_fraction = 0, max_exp = 0;

      for (gsize i = 0; i < n; i++)
        {
          int int_width, fraction_width;

          if (!isfinite (values[i]))
            continue;
          g_string_truncate (text, 0);
          if (format->scientific)
            append_scientific (text, values[i], PRECISION, 0, 2, format->single);
          else
            append_positional (text, values[i], PRECISION, format->single);
          split_width (text->str, &int_width, &fraction_width);
          format->pad_left = MAX (format->pad_left, int_width);
          max_fraction = MAX (max_fraction, fraction_width);
          if (format->scientific)
            max_exp = MAX (max_exp, (int) strlen (strchr (text->str, 'e') + 1) - 1);
        }

      if (format->scientific)
        {
          format->exp_size = max_exp;
          format->precision = max_fraction;
          format->pad_right = max_exp + 2 + max_fraction;
        }
      else
        format->pad_right = max_fraction;
    }

  if (any_nonfinite)
    {
      int offset = format->pad_right + 1;

      format->pad_left = MAX (format->pad_left, 3 - offset);
      format->pad_left = MAX (format->pad_left, 3 + negative_inf - offset);
    }

  g_string_free (text, TRUE);
}

static char *
format_value (const Format *format,
              double        x)
{
  GString *str = g_string_new (NULL);
  int int_width, fraction_width;

  if (format->integer)
    {
      g_string_printf (str, "%*" G_GINT64_FORMAT, format->pad_left, (gint64) x);
      return g_string_free (str, FALSE);
    }
  if (!isfinite (x))
    {
      const char *word = isnan (x) ? "nan" : x < 0 ? "-inf" : "inf";
      int width = format->pad_left + format->pad_right + 1;

      for (int i = strlen (word); i < width; i++)
        g_string_append_c (str, ' ');
      g_string_append (str, word);
      return g_string_free (str, FALSE);
    }

  if (format->scientific)
    append_scientific (str, x, format->precision, format->precision, format->exp_size,
                       format->single);
  else
    append_positional (str, x, format->precision, format->single);

  split_width (str->str, &int_width, &fraction_width);
  for (int i = int_width; i < format->pad_left; i++)
    g_string_prepend_c (str, ' ');
  if (!format->scientific)
    for (int i = fraction_width; i < format->pad_right; i++)
      g_string_append_c (str, ' ');
  return g_string_free (str, FALSE);
}

typedef struct
{
  DzArray *array;
  gsize strides[DZ_ARRAY_MAX_NDIM];
  gboolean summarize;
  Format format;
} Printer;

static gboolean
axis_summarized (Printer *p,
                 guint    axis)
{
  return p->summarize && p->array->shape[axis] > 2 * EDGE_ITEMS;
}

/* The index along @axis of the @i-th element printed. */
static gsize
shown_index (Printer *p,
             guint    axis,
             gsize    i)
{
  gsize len = p->array->shape[axis];

  if (axis_summarized (p, axis) && i >= EDGE_ITEMS)
    return len - 2 * EDGE_ITEMS + i;
  return i;
}

static gsize
shown_count (Printer *p,
             guint    axis)
{
  return axis_summarized (p, axis) ? 2 * EDGE_ITEMS : p->array->shape[axis];
}

/* Collects the values that will be printed: the layout depends on them
 * only, so a summarized array costs what is printed, not its size. */
static void
collect_shown (Printer *p,
               guint    axis,
               gsize    offset,
               GArray  *values)
{
  for (gsize i = 0; i < shown_count (p, axis); i++)
    {
      gsize at = offset + shown_index (p, axis, i) * p->strides[axis];

      if (axis + 1 == p->array->ndim)
        {
          double value = dz_array_load (p->array, at);

          g_array_append_val (values, value);
        }
      else
        collect_shown (p, axis + 1, at, values);
    }
}

/* NumPy's _extendLine: wrap before @word if it does not fit. */
static void
extend_line (GString    *s,
             GString    *line,
             const char *word,
             gsize       width,
             const char *indent)
{
  if (line->len + strlen (word) > width && line->len > strlen (indent))
    {
      while (line->len > 0 && line->str[line->len - 1] == ' ')
        g_string_truncate (line, line->len - 1);
      g_string_append (s, line->str);
      g_string_append_c (s, '\n');
      g_string_assign (line, indent);
    }
  g_string_append (line, word);
}

/* NumPy's _formatArray recurser, with separator ' '. */
static char *
format_axis (Printer    *p,
             guint       axis,
             gsize       offset,
             const char *indent,
             gsize       width)
{
  guint axes_left = p->array->ndim - axis;
  gboolean summarized = axis_summarized (p, axis);
  gsize shown = shown_count (p, axis);
  g_autofree char *next_indent = g_strconcat (indent, " ", NULL);
  gsize next_width = width - 1;
  GString *s = g_string_new (NULL);
  GString *result;

  if (axes_left == 1)
    {
      GString *line = g_string_new (indent);
      gsize element_width = width - 1;

      for (gsize i = 0; i < shown; i++)
        {
          gsize index = shown_index (p, axis, i);
          g_autofree char *word = format_value (&p->format, dz_array_load (p->array, offset + index * p->strides[axis]));

          extend_line (s, line, word, element_width, indent);
          if (i + 1 < shown)
            g_string_append_c (line, ' ');
          if (summarized && i + 1 == EDGE_ITEMS)
            {
              extend_line (s, line, "...", element_width, indent);
              g_string_append_c (line, ' ');
            }
        }
      g_string_append (s, line->str);
      g_string_free (line, TRUE);
    }
  else
    {
      for (gsize i = 0; i < shown; i++)
        {
          gsize index = shown_index (p, axis, i);
          g_autofree char *nested = format_axis (p, axis + 1, offset + index * p->strides[axis],
                                                 next_indent, next_width);

          g_string_append (s, indent);
          g_string_append (s, nested);
          if (i + 1 < shown)
            for (guint k = 1; k < axes_left; k++)
              g_string_append_c (s, '\n');
          if (summarized && i + 1 == EDGE_ITEMS)
            {
              g_string_append (s, indent);
              g_string_append (s, "...");
              for (guint k = 1; k < axes_left; k++)
                g_string_append_c (s, '\n');
            }
        }
    }

  result = g_string_new ("[");
  g_string_append (result, s->str + strlen (indent));
  g_string_append_c (result, ']');
  g_string_free (s, TRUE);
  return g_string_free (result, FALSE);
}

/**
 * dz_array_to_string:
 * @self: a #DzArray
 *
 * Formats the values as NumPy's `str()` does: a 0-d array as Python
 * prints a float (`0.6834917840420289`, `16.0`), others with up to 8
 * digits after the point, in aligned columns (`[[ 1.5  -2.25]\n [ 3.
 * 4.  ]]`), lines wrapped at 75 characters, and arrays of more than 1000
 * elements summarized with `...` around 3 items at each edge. An array
 * without elements is `[]`, whatever its shape. The time taken depends on
 * what is printed, not on the size of the array.
 *
 * Returns: (transfer full): the values as text
 */
char *
dz_array_to_string (DzArray *self)
{
  Printer p = { 0, };
  g_autoptr(GArray) shown = NULL;
  GString *str;

  g_return_val_if_fail (DZ_IS_ARRAY (self), NULL);

  if (self->ndim == 0)
    {
      str = g_string_new (NULL);
      if (self->dtype == DZ_DTYPE_INT64)
        g_string_printf (str, "%" G_GINT64_FORMAT, DZ_ARRAY_I64 (self)[0]);
      else
        append_repr (str, dz_array_load (self, 0), self->dtype == DZ_DTYPE_FLOAT32);
      return g_string_free (str, FALSE);
    }
  if (self->size == 0)
    return g_strdup ("[]");

  p.array = self;
  p.summarize = self->size > THRESHOLD;
  p.strides[self->ndim - 1] = 1;
  for (guint k = self->ndim - 1; k > 0; k--)
    p.strides[k - 1] = p.strides[k] * self->shape[k];

  shown = g_array_new (FALSE, FALSE, sizeof (double));
  collect_shown (&p, 0, 0, shown);
  format_init (&p.format, self->dtype, (const double *) shown->data, shown->len);

  return format_axis (&p, 0, 0, " ", LINE_WIDTH);
}
