/* step17-memory.c: the memory experiment of DeZero's step 17
 *
 * 1000 times: x = randn(100000); y = square(square(square(x))). Because a
 * function holds its outputs weakly, each iteration's graph is finalized
 * as soon as y is dropped, and peak memory stays at one iteration's worth.
 *
 *   step17-memory [--backward] [--iterations N] [--size N]
 *
 * SPDX-License-Identifier: MIT
 */

#include <sys/resource.h>

#include <dezero-glib.h>

static double
peak_rss_mib (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

int
main (int argc, char *argv[])
{
  gboolean backward = FALSE;
  gint iterations = 1000;
  gint64 size = 100000;
  GOptionEntry entries[] = {
    { "backward", 'b', 0, G_OPTION_ARG_NONE, &backward, "Also run backward each iteration", NULL },
    { "iterations", 'n', 0, G_OPTION_ARG_INT, &iterations, "Iterations (1000)", "N" },
    { "size", 's', 0, G_OPTION_ARG_INT64, &size, "Elements of x (100000)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- DeZero step 17 memory experiment");
  g_autoptr(GError) error = NULL;
  g_autoptr(DzGenerator) gen = dz_generator_new (0);
  double baseline, start, elapsed;
  gsize shape[1];

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (iterations < 1 || size < 1)
    {
      g_printerr ("--iterations and --size must be positive\n");
      return 1;
    }
  shape[0] = (gsize) size;

  baseline = peak_rss_mib ();
  start = g_get_monotonic_time ();

  for (gint i = 0; i < iterations; i++)
    {
      g_autoptr(DzArray) data = dz_array_new_randn (shape, 1, gen, &error);
      g_autoptr(DzVariable) x = NULL;
      g_autoptr(DzVariable) a = NULL;
      g_autoptr(DzVariable) b = NULL;
      g_autoptr(DzVariable) y = NULL;

      if (data == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      x = dz_variable_new (data);
      a = dz_square (x, NULL);
      b = dz_square (a, NULL);
      y = dz_square (b, NULL);
      if (backward && !dz_variable_backward (y, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
    }

  elapsed = (g_get_monotonic_time () - start) / 1e6;

  g_print ("DeZero step 17: %d x square(square(square(randn(%" G_GINT64_FORMAT ")))%s\n",
           iterations, size, backward ? " + backward" : "");
  g_print ("  time          %.3f s (%.3f ms per iteration)\n", elapsed, 1e3 * elapsed / iterations);
  g_print ("  peak RSS      %.1f MiB (%.1f MiB before the loop)\n", peak_rss_mib (), baseline);
  g_print ("  live objects  %u arrays, %u variables, %u functions\n",
           dz_live_count (DZ_LIVE_ARRAY), dz_live_count (DZ_LIVE_VARIABLE),
           dz_live_count (DZ_LIVE_FUNCTION));

  return dz_live_count (DZ_LIVE_ARRAY) + dz_live_count (DZ_LIVE_VARIABLE) +
         dz_live_count (DZ_LIVE_FUNCTION) == 0 ? 0 : 1;
}
