/* bench-dz.c: the benchmark cases from C, one case per process, one JSON
 * line out. Random data is generated once, outside the timed part, by
 * every implementation.
 *
 *   bench-dz seed ITERATIONS SIZE BACKWARD(0|1)
 *   bench-dz chain N
 *   bench-dz ladder N_DIAMONDS
 *   bench-dz fan N
 *   bench-dz elementwise SIZE REPEATS
 *
 * SPDX-License-Identifier: MIT
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dezero-glib.h>

static long
rss_kib (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, field);
  return line ? strtol (line + strlen (field), NULL, 10) : -1;
}

static double
now (void)
{
  return g_get_monotonic_time () / 1e6;
}

static void
print_result (const char *kase, double forward_s, double backward_s, long baseline_kib, const char *extra)
{
  printf ("{\"impl\": \"c\", \"case\": \"%s\", \"forward_s\": %.9f, \"backward_s\": %.9f, "
          "\"peak_rss_kib\": %ld, \"baseline_rss_kib\": %ld, "
          "\"live\": [%u, %u, %u]%s%s}\n",
          kase, forward_s, backward_s, rss_kib ("VmHWM:"), baseline_kib,
          dz_live_count (DZ_LIVE_ARRAY), dz_live_count (DZ_LIVE_VARIABLE),
          dz_live_count (DZ_LIVE_FUNCTION), extra ? ", " : "", extra ? extra : "");
}

static void
bench_seed (int iterations, gsize size, gboolean backward)
{
  g_autoptr(DzGenerator) generator = dz_generator_new (0);
  g_autoptr(DzArray) data = dz_array_new_randn (&size, 1, generator, NULL);
  long baseline = rss_kib ("VmRSS:");
  double t0 = now (), forward = 0, backward_s = 0;

  for (int i = 0; i < iterations; i++)
    {
      double t1 = now ();
      g_autoptr(DzVariable) x = dz_variable_new (data);
      g_autoptr(DzVariable) a = dz_square (x, NULL);
      g_autoptr(DzVariable) b = dz_square (a, NULL);
      g_autoptr(DzVariable) y = dz_square (b, NULL);
      double t2 = now ();

      forward += t2 - t1;
      if (backward)
        {
          dz_variable_backward (y, NULL);
          backward_s += now () - t2;
        }
    }
  (void) t0;
  g_clear_object (&data);
  print_result (backward ? "seed-fwd-bwd" : "seed-fwd", forward, backward_s, baseline, NULL);
}

static void
bench_chain (int n)
{
  g_autoptr(DzVariable) x = dz_variable_new_scalar (1.0);
  g_autoptr(DzVariable) one = dz_variable_new_scalar (1.0);
  DzVariable *h = g_object_ref (x);
  long baseline = rss_kib ("VmRSS:"), grown;
  double t0 = now (), forward, backward;
  char extra[64];

  for (int i = 0; i < n; i++)
    {
      DzVariable *next = dz_add (h, one, NULL);

      g_object_unref (h);
      h = next;
    }
  forward = now () - t0;
  grown = rss_kib ("VmRSS:") - baseline;
  t0 = now ();
  dz_variable_backward (h, NULL);
  backward = now () - t0;
  g_clear_object (&h);
  g_snprintf (extra, sizeof extra, "\"nodes\": %d, \"graph_kib\": %ld", n, grown);
  print_result ("chain", forward, backward, baseline, extra);
}

static void
bench_ladder (int diamonds)
{
  g_autoptr(DzVariable) x = dz_variable_new_scalar (0.0);
  DzVariable *h = g_object_ref (x);
  long baseline = rss_kib ("VmRSS:");
  double t0 = now (), forward, backward;
  char extra[64];

  /* a = h + 1; h = 0.5 a + 0.5 a: every a is used twice. */
  for (int i = 0; i < diamonds; i++)
    {
      g_autoptr(DzVariable) a = dz_add_scalar (h, 1.0, NULL);
      g_autoptr(DzVariable) b = dz_mul_scalar (a, 0.5, NULL);
      g_autoptr(DzVariable) c = dz_mul_scalar (a, 0.5, NULL);

      g_object_unref (h);
      h = dz_add (b, c, NULL);
    }
  forward = now () - t0;
  t0 = now ();
  dz_variable_backward (h, NULL);
  backward = now () - t0;
  g_clear_object (&h);
  g_snprintf (extra, sizeof extra, "\"nodes\": %d", 4 * diamonds);
  print_result ("ladder", forward, backward, baseline, extra);
}

static void
bench_fan (int n)
{
  g_autoptr(DzVariable) x = dz_variable_new_scalar (0.5);
  DzVariable *s = dz_square (x, NULL);
  long baseline = rss_kib ("VmRSS:");
  double t0 = now (), forward, backward;
  char extra[64];

  /* s = sum of n squares of x: backward has n functions pending at once. */
  for (int i = 1; i < n; i++)
    {
      g_autoptr(DzVariable) sq = dz_square (x, NULL);
      DzVariable *next = dz_add (s, sq, NULL);

      g_object_unref (s);
      s = next;
    }
  forward = now () - t0;
  t0 = now ();
  dz_variable_backward (s, NULL);
  backward = now () - t0;
  g_clear_object (&s);
  g_snprintf (extra, sizeof extra, "\"nodes\": %d", 2 * n - 1);
  print_result ("fan", forward, backward, baseline, extra);
}

static void
bench_elementwise (gsize size, int repeats)
{
  g_autoptr(DzGenerator) generator = dz_generator_new (1);
  g_autoptr(DzArray) a = dz_array_new_randn (&size, 1, generator, NULL);
  long baseline = rss_kib ("VmRSS:");
  double t_exp = 0, t_square = 0, t_add = 0, t0;
  char extra[160];

  /* One untimed repeat first, in every implementation: the first result
   * of this size lands on fresh pages, and that cost depends on the
   * kernel's mood (huge-page compaction), not on the library. */
  for (int r = -1; r < repeats; r++)
    {
      DzArray *out;

      if (r == 0)
        t_exp = t_square = t_add = 0;

      t0 = now ();
      out = dz_array_exp (a, NULL);
      t_exp += now () - t0;
      g_object_unref (out);
      t0 = now ();
      out = dz_array_square (a, NULL);
      t_square += now () - t0;
      g_object_unref (out);
      t0 = now ();
      out = dz_array_add (a, a, NULL);
      t_add += now () - t0;
      g_object_unref (out);
    }
  g_clear_object (&a);
  g_snprintf (extra, sizeof extra, "\"exp_s\": %.9f, \"square_s\": %.9f, \"add_s\": %.9f",
              t_exp / repeats, t_square / repeats, t_add / repeats);
  print_result ("elementwise", t_exp + t_square + t_add, 0, baseline, extra);
}

int
main (int argc, char *argv[])
{
  const char *kase = argc > 1 ? argv[1] : "";

  if (g_str_equal (kase, "seed") && argc == 5)
    bench_seed (atoi (argv[2]), strtoul (argv[3], NULL, 10), atoi (argv[4]));
  else if (g_str_equal (kase, "chain") && argc == 3)
    bench_chain (atoi (argv[2]));
  else if (g_str_equal (kase, "ladder") && argc == 3)
    bench_ladder (atoi (argv[2]));
  else if (g_str_equal (kase, "fan") && argc == 3)
    bench_fan (atoi (argv[2]));
  else if (g_str_equal (kase, "elementwise") && argc == 4)
    bench_elementwise (strtoul (argv[2], NULL, 10), atoi (argv[3]));
  else
    {
      fprintf (stderr, "usage: see the top of bench-dz.c\n");
      return 2;
    }
  return 0;
}
