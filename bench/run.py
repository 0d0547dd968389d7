#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Runs every benchmark case for every implementation, alternating
implementations within each round, each run in a dedicated process, and
prints medians and ratios; writes bench/results.md and bench/results.png.

    bench/run.py [--only graph|tensor|nn|conv] [--rounds N] [--quick] [--budget S]
                 [--steps N] [--accuracy EPOCHS] [--build DIR] [--output-dir DIR]

--only runs one group (graph: the autograd cases; tensor: matmul, array ops,
MLP steps; nn: training runs, spiral and Fashion-MNIST) and keeps the other
groups' results from results.json. --accuracy E (with --only nn) trains the
Fashion-MNIST MLP for E whole epochs once per implementation and records
the test accuracies (and the time per whole epoch) instead. conv: conv2d
forward and backward at a CNN's shapes, and a CNN's Fashion-MNIST epoch.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OURS = ["c", "python-gi", "gjs"]
# The training cases: "python" is dezero_glib's DeZero API (gi until it has
# one; the results say which), "cblas" the GEMMs alone.
NN_IMPLS = ["c", "python", "numpy-dezero", "torch"]
NN_PREFIXES = ("train-", "fmnist-")
FMNIST_DIR = "/usr/share/datasets/fashion-mnist"
THEIRS = ["numpy-dezero", "torch"]
# The tensor cases' labels start with these; the graph tables skip them.
TENSOR_PREFIXES = ("matmul-", "array-", "mlp-")
# MLP step cases: label -> (in, hidden, out, batch, dtype, activation).
MLPS = {"mlp-spiral": (2, 10, 3, 30, "f64", "sigmoid"),
        "mlp-784": (784, 1000, 10, 100, "f32", "sigmoid")}


def is_tensor(label):
    return label.startswith(TENSOR_PREFIXES)


def is_nn(label):
    return label.startswith(NN_PREFIXES)


# The convolution cases' labels.
CONV_PREFIXES = ("conv-", "cnn-")


def is_conv(label):
    return label.startswith(CONV_PREFIXES)


def group_of(label):
    if is_conv(label):
        return "conv"
    return "tensor" if is_tensor(label) else "nn" if is_nn(label) else "graph"


def conv_cases(quick, budget, steps):
    """conv2d fwd+bwd, float32, batch 32, 3x3 pad 1, at the two layers of a
    small CNN; then a CNN epoch on Fashion-MNIST (STEPS steps extrapolated
    to 600)."""
    impls = ["c", "python", "torch"]
    result = [(f"conv-{c}to{oc}-{hw}", ["conv"], [32, c, oc, hw, budget], impls, None)
              for c, oc, hw in ((1, 16, 28), (16, 32, 14))]
    if os.path.isdir(FMNIST_DIR):
        result.append(("cnn-epoch", ["cnn"], [10 if quick else steps], impls, None))
    return result


def nn_cases(quick, steps, accuracy):
    """The training cases, as cases() gives them. fmnist: STEPS steps timed
    after a warm-up of 5 and extrapolated to an epoch of 600 steps."""
    if accuracy and not os.path.isdir(FMNIST_DIR):
        raise SystemExit(f"{FMNIST_DIR} is missing: install Debian's dataset-fashion-mnist package")
    if accuracy:
        # Three seeds (weights and shuffles) each: at lr 1.0 the test
        # accuracy after a few epochs moves by a point from seed to seed.
        return [("fmnist-accuracy-f32", ["fmnist"], ["f32", 0, accuracy, seed], ["c", "python", "torch"], 1)
                for seed in range(3)]
    # DeZero's step 48 runs float32: get_spiral's points and L.Linear's
    # weights are float32.
    result = [("train-spiral", ["spiral"], [30 if quick else 300, "f32"], NN_IMPLS, None)]
    # DeZero's step 60: one LSTM epoch on the sine wave (bench-nn.c, runners.py).
    result.append(("train-lstm-sin", ["lstm-sin"], [3 if quick else 20], ["c", "python", "torch"], None))
    if not os.path.isdir(FMNIST_DIR):
        print(f"{FMNIST_DIR} is missing (Debian's dataset-fashion-mnist package): "
              "no Fashion-MNIST cases", file=sys.stderr)
        return result
    for dt in ("f32", "f64"):
        result.append((f"fmnist-{dt}", ["fmnist"], [dt, 5 if quick else steps, 0],
                       ["cblas"] + NN_IMPLS, None))
    return result


def tensor_cases(quick, budget):
    """The tensor cases, as cases() gives them; each run times a loop for
    at least budget seconds (bench-tensor.c, runners.py)."""
    scale = 10 if quick else 1
    result = []
    for n in (64, 256, 1024):
        for dt in ("f32", "f64"):
            result.append((f"matmul-{n}-{dt}", ["matmul"], [max(n // scale, 8), dt, budget],
                           ["cblas", "c", "python-gi", "torch"], None))
    for op in ("add", "mul", "sum0", "sum1"):
        for dt in ("f32", "f64"):
            result.append((f"array-{op}-{dt}", ["array"], [op, 1000 // scale, dt, budget],
                           ["c", "python-gi", "numpy"], None))
    for label, (n_in, hidden, n_out, batch, dt, act) in MLPS.items():
        if quick and label == "mlp-784":
            hidden //= scale
        result.append((label, ["mlp"], [n_in, hidden, n_out, batch, dt, act, budget],
                       ["c", "python-gi", "gjs", "numpy-dezero", "torch"], None))
    return result


def cases(quick):
    """(label, runner case, args, implementations, rounds) in run order."""
    scale = 10 if quick else 1
    all_impls = OURS + THEIRS
    seed = ["seed", 1000 // scale, 100000]
    result = [
        ("seed-fwd", seed[:1], seed[1:] + [0], all_impls, None),
        ("seed-fwd-bwd", seed[:1], seed[1:] + [1], all_impls, None),
        ("chain-1e5", ["chain"], [100000 // scale], all_impls, None),
        ("depth-1e6", ["chain"], [1000000 // scale], ["c", "python-gi", "numpy-dezero", "torch"], 1),
        ("elementwise-1e7", ["elementwise"], [10000000 // scale, 5], all_impls, None),
    ]
    # Scaling: graph nodes 10^3 .. 10^6. Slow implementations stop earlier.
    for nodes in (1000, 10000, 100000, 1000000):
        impls = ["c", "torch", "numpy-dezero", "python-gi"] if nodes <= 100000 else ["c", "torch", "python-gi"]
        if nodes <= 100000:
            impls.append("gjs")
        result.append((f"ladder-{nodes:.0e}".replace("+0", ""), ["ladder"], [nodes // 4 // scale or 1],
                       impls, 1))
    for n in (1000, 10000, 30000, 100000):
        impls = ["c", "torch", "python-gi"] + (["numpy-dezero"] if n <= 30000 else [])
        result.append((f"fan-{n}", ["fan"], [n // scale or 1], impls, 1))
    return result


def command(impl, case, args, build):
    argv = [str(a) for a in case + args]
    if impl == "cblas" and case[0] == "fmnist":
        return [os.path.join(build, "bench", "bench-nn"), "cblas-fmnist"] + argv[1:]
    if impl == "cblas":
        return [os.path.join(build, "bench", "bench-tensor"), "cblas-" + argv[0]] + argv[1:]
    if impl == "c" and case[0] in ("conv", "cnn"):
        return [os.path.join(build, "bench", "bench-conv")] + argv
    if impl == "c" and case[0] in ("spiral", "fmnist", "lstm-sin"):
        return [os.path.join(build, "bench", "bench-nn")] + argv
    if impl == "c":
        runner = "bench-tensor" if case[0] in ("matmul", "array", "mlp") else "bench-dz"
        return [os.path.join(build, "bench", runner)] + argv
    if impl == "gjs":
        return ["gjs", "-m", os.path.join(HERE, "runner.js")] + argv
    return ["/usr/bin/python3", os.path.join(HERE, "runners.py"), impl] + argv


def run_one(impl, case, args, build, env):
    """Runs one case in its own process. The result gets the child's peak
    RSS as the kernel accounts it, "maxrss_kib": getrusage's ru_maxrss of
    that child alone (os.wait4), what /usr/bin/time reports."""
    proc = subprocess.Popen(command(impl, case, args, build), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    streams = {}

    def drain(name, stream):
        streams[name] = stream.read()
    readers = [threading.Thread(target=drain, args=(n, st)) for n, st in
               (("out", proc.stdout), ("err", proc.stderr))]
    for r in readers:
        r.start()
    killer = threading.Timer(1800, proc.kill)
    killer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    killer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for r in readers:
        r.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{impl} {case} {args}: {streams['err'].strip()[-500:]}")
    result = json.loads(streams["out"].strip().splitlines()[-1])
    result["maxrss_kib"] = usage.ru_maxrss
    return result


def torch_available():
    probe = subprocess.run(["/usr/bin/python3", "-c", "import torch"], capture_output=True)
    return probe.returncode == 0


def versions(env):
    def out(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, env=env).stdout.strip()
        except OSError:
            return "n/a"
    py = "import numpy, gi; print(numpy.__version__, gi.__version__)"
    numpy_v, gi_v = out(["/usr/bin/python3", "-c", py]).split()
    return {
        "numpy": numpy_v, "pygobject": gi_v,
        "torch": out(["/usr/bin/python3", "-c", "import torch; print(torch.__version__)"]) or "absent",
        "gjs": out(["gjs", "--version"]),
        "python": platform.python_version(),
        "cpu": out(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"]),
        "cores": str(os.cpu_count()),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="sizes divided by 10 (a smoke run)")
    parser.add_argument("--only", choices=["graph", "tensor", "nn", "conv"],
                        help="run one group of cases, keep the others' results from results.json")
    parser.add_argument("--steps", type=int, default=120,
                        help="nn cases: Fashion-MNIST steps timed per run, extrapolated to an "
                             "epoch of 600 (default 120)")
    parser.add_argument("--accuracy", type=int, metavar="EPOCHS",
                        help="with --only nn: train Fashion-MNIST for EPOCHS whole epochs once per "
                             "implementation and record the test accuracy")
    parser.add_argument("--budget", type=float,
                        help="tensor cases: seconds of timed loop per run (default 0.3, --quick 0.05)")
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--render-only", action="store_true",
                        help="run nothing: rewrite results.md and the charts from results.json")
    parser.add_argument("--python-path", metavar="DIR",
                        help="put DIR before bindings/python on PYTHONPATH (to measure the "
                             "dezero_glib package of another checkout)")
    parser.add_argument("--output-dir", default=HERE,
                        help="where results.md, results.json and results.png go (default: bench/)")
    args = parser.parse_args()

    env = dict(os.environ)
    lib = os.path.join(args.build, "dezero-glib")
    env["GI_TYPELIB_PATH"] = lib + ":" + env.get("GI_TYPELIB_PATH", "")
    env["LD_LIBRARY_PATH"] = lib + ":" + env.get("LD_LIBRARY_PATH", "")
    env["PYTHONPATH"] = os.path.join(ROOT, "bindings", "python") + ":" + env.get("PYTHONPATH", "")
    if args.python_path:
        env["PYTHONPATH"] = os.path.abspath(args.python_path) + ":" + env["PYTHONPATH"]
    # Single-threaded everywhere, as the comparison requires.
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    have_torch = torch_available()
    if args.render_only:
        with open(os.path.join(args.output_dir, "results.json")) as f:
            results = json.load(f)
        with open(os.path.join(args.output_dir, "results.md"), "w") as f:
            f.write(render(results, args, have_torch))
        chart(results, os.path.join(args.output_dir, "results.png"))
        chart_tensor(results, os.path.join(args.output_dir, "results-tensor.png"))
        return

    budget = args.budget if args.budget is not None else (0.05 if args.quick else 0.3)
    if args.accuracy and args.only != "nn":
        parser.error("--accuracy goes with --only nn")
    todo = []
    if args.only in (None, "graph"):
        todo += cases(args.quick)
    if args.only in (None, "tensor"):
        todo += tensor_cases(args.quick, budget)
    if args.only in (None, "nn"):
        todo += nn_cases(args.quick, args.steps, args.accuracy)
    if args.only in (None, "conv") and not args.accuracy:
        todo += conv_cases(args.quick, budget, args.steps)
    groups = ["graph", "tensor", "nn", "conv"] if args.only is None else [args.only]
    if args.accuracy:
        groups = ["nn-accuracy"]
    results = {}
    if args.only:
        try:
            with open(os.path.join(args.output_dir, "results.json")) as f:
                kept = json.load(f)
        except (OSError, ValueError):
            kept = {}
        # The other groups' results stay; so do this group's when only its
        # accuracy run is redone.
        redone = {label for label, *_ in todo}
        results = {label: v for label, v in kept.items()
                   if label == "_meta" or (label not in redone and (
                       group_of(label) != args.only or args.accuracy or "accuracy" in label))}
    started = time.time()
    for label, case, case_args, impls, rounds in todo:
        impls = [i for i in impls if i != "torch" or have_torch]
        for r in range(rounds or args.rounds):
            # Alternate: a different implementation starts each round.
            order = impls[r % len(impls):] + impls[:r % len(impls)]
            for impl in order:
                res = run_one(impl, case, case_args, args.build, env)
                results.setdefault(label, {}).setdefault(impl, []).append(res)
                print(f"  {label:20s} {impl:13s} fwd {res['forward_s']*1e3:9.2f} ms  "
                      f"bwd {res['backward_s']*1e3:9.2f} ms  peak {res['peak_rss_kib']/1024:7.1f} MiB",
                      file=sys.stderr, flush=True)

    meta = results.setdefault("_meta", {})
    for group in groups:
        meta[group] = {"command": " ".join(["bench/run.py"] + sys.argv[1:]),
                       "date": time.strftime("%Y-%m-%d %H:%M"),
                       "elapsed_s": round(time.time() - started), "versions": versions(env)}
    report = render(results, args, have_torch)
    print(report)
    os.makedirs(args.output_dir, exist_ok=True)
    with open(os.path.join(args.output_dir, "results.md"), "w") as f:
        f.write(report)
    with open(os.path.join(args.output_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    chart(results, os.path.join(args.output_dir, "results.png"))
    chart_tensor(results, os.path.join(args.output_dir, "results-tensor.png"))


def med(runs, key):
    return statistics.median(r[key] for r in runs)


def summary(runs):
    fwd, bwd = med(runs, "forward_s"), med(runs, "backward_s")
    peak = med(runs, "peak_rss_kib") / 1024
    return {"fwd": fwd, "bwd": bwd, "total": fwd + bwd, "peak": peak,
            "peak_net": peak - med(runs, "baseline_rss_kib") / 1024,
            "live": runs[-1].get("live"), "runs": runs}


def render(results, args, have_torch):
    meta = results.get("_meta", {})
    data = {label: v for label, v in results.items() if label != "_meta"}
    s = {label: {impl: summary(runs) for impl, runs in by_impl.items()} for label, by_impl in data.items()}
    graph = {label: v for label, v in s.items() if group_of(label) == "graph"}
    lines = ["# dezero-glib benchmarks", ""]
    for group in ("graph", "tensor", "nn", "nn-accuracy", "conv"):
        if group in meta:
            m = meta[group]
            lines += [f"{group.capitalize().replace('Nn', 'Training')} cases: `{m['command']}`, {m['date']}, {m['elapsed_s']} s. "
                      "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()), ""]
        elif group == "graph" and graph:
            lines += ["Graph cases: from an earlier run that left no record of its command.", ""]
    lines += ["Medians over rounds (scaling rows: one round). "
              "Each run is its own process; implementations alternate within a round. "
              "Every implementation runs on one thread (OMP/OPENBLAS/MKL_NUM_THREADS=1, "
              "`torch.set_num_threads(1)`; dezero-glib is single-threaded by default).", "",
              "Random data is generated once per process before timing (no generator in the timed "
              "part): by Dz's generator for C, Python-gi and GJS (Python-gi never loads NumPy), "
              "by NumPy's for NumPy-DeZero and PyTorch (PyTorch's own for the tensor cases). "
              "PyTorch runs float64 in the graph cases. "
              "\"numpy-dezero\" is DeZero's step-17 algorithm on NumPy (`bench/numpy_dezero.py`). "
              "Peak RSS is VmHWM of the process; \"net\" subtracts its RSS after imports and "
              "data generation.", ""]
    if not have_torch:
        lines += ["**PyTorch is not installed: its columns are missing.**", ""]
    if graph:
        lines += render_graph(graph)
    tensor = {label: v for label, v in s.items() if is_tensor(label)}
    if tensor:
        lines += render_tensor(tensor)
    nn = {label: v for label, v in s.items() if is_nn(label)}
    if nn:
        lines += render_nn(nn, meta)
    # Measured by hand under mpirun (bench/bench-mpi.c), kept across runs.
    mpi_notes = os.path.join(HERE, "mpi-notes.md")
    if os.path.exists(mpi_notes):
        with open(mpi_notes) as f:
            lines += ["", f.read().strip(), ""]
    conv = {label: v for label, v in s.items() if is_conv(label)}
    if conv:
        lines += render_conv(conv)
        # What changed and was measured by hand, kept across runs.
        conv_notes = os.path.join(HERE, "conv-notes.md")
        if os.path.exists(conv_notes):
            with open(conv_notes) as f:
                lines += [f.read().strip(), ""]
    return "\n".join(lines)


def render_conv(s):
    """conv2d forward and backward, a CNN's epoch: times, PyTorch's time
    over ours (above 1: ours faster), peak memory."""
    lines = ["## Convolutions", "",
             "conv2d of float32 batches of 32 by 3x3 filters with a bias, pad 1: forward, then "
             "backward from ones (gradients of x, W and b), medians of per-iteration means "
             "(`bench/bench-conv.c conv`, `bench/runners.py IMPL conv`: `F.conv2d` of dezero_glib, "
             "`torch.nn.functional.conv2d`). CNN epoch: Fashion-MNIST, conv 3x3 16 channels pad 1 "
             "-> ReLU -> max-pool 2 -> linear 10, float32, batches of 100, SGD lr 0.1, steps timed "
             "after 5 of warm-up and extrapolated to 600 (C: DzConv2dLayer, DzLinearLayer, "
             "DzSGD, DzDataLoader; python: L.Conv2d, F.pooling, L.Linear, optimizers.SGD; "
             "PyTorch: nn.Sequential, torch.optim.SGD). Peak MiB: the child's ru_maxrss.",
             "", "Reproduce: `bench/run.py --only conv --rounds 5`.", "",
             "| case | impl | forward ms | backward ms | total ms | torch / impl | peak MiB | "
             "live at end |", "|---|---|---:|---:|---:|---:|---:|---|"]
    for label, by_impl in s.items():
        torch_total = by_impl.get("torch", {}).get("total")
        for impl, v in by_impl.items():
            peak = med(v["runs"], "maxrss_kib") / 1024 if "maxrss_kib" in v["runs"][0] else v["peak"]
            ratio = f"{torch_total / v['total']:.2f}" if torch_total else ""
            scale, unit = (1, "s") if label.startswith("cnn-") else (1e3, "ms")
            lines.append(f"| {label} | {impl} | {v['fwd'] * scale:.3f}{' s' if unit == 's' else ''} | "
                         f"{v['bwd'] * scale:.3f} | {v['total'] * scale:.3f}{' s' if unit == 's' else ''} | "
                         f"{ratio} | {peak:.1f} | {v['live']} |")
    lines.append("")
    return lines


def render_graph(s):
    lines = []
    lines += ["## Times and memory", "",
              "| case | impl | forward ms | backward ms | total ms | peak MiB | net MiB | live at end |",
              "|---|---|---:|---:|---:|---:|---:|---|"]
    for label, by_impl in s.items():
        for impl, v in by_impl.items():
            extra = ""
            if label == "elementwise-1e7":
                r = v["runs"]
                extra = " (exp {:.1f}, square {:.1f}, add {:.1f} ms)".format(
                    med(r, "exp_s") * 1e3, med(r, "square_s") * 1e3, med(r, "add_s") * 1e3)
            lines.append(f"| {label} | {impl} | {v['fwd']*1e3:.2f} | {v['bwd']*1e3:.2f} | "
                         f"{v['total']*1e3:.2f}{extra} | {v['peak']:.1f} | {v['peak_net']:.1f} | {v['live']} |")

    lines += ["", "## Ratios (ours / theirs: below 1 means faster or smaller)", "",
              "| case | measure | " + " | ".join(f"{o} / {t}" for o in OURS for t in THEIRS) + " |",
              "|---|---|" + "---:|" * (len(OURS) * len(THEIRS))]
    for label, by_impl in s.items():
        for measure in ("fwd", "bwd", "total", "peak", "peak_net"):
            cells = []
            for o in OURS:
                for t in THEIRS:
                    if o in by_impl and t in by_impl and by_impl[t][measure] > 0:
                        cells.append(f"{by_impl[o][measure] / by_impl[t][measure]:.2f}")
                    else:
                        cells.append("")
            if any(cells):
                lines.append(f"| {label} | {measure} | " + " | ".join(cells) + " |")

    lines += ["", "## Per node (graph overhead)", "",
              "| case | impl | forward µs/node | backward µs/node | bytes/node |", "|---|---|---:|---:|---:|"]
    for label, by_impl in s.items():
        if not (label.startswith("chain") or label.startswith("depth")):
            continue
        for impl, v in by_impl.items():
            nodes = v["runs"][0]["nodes"]
            graph = statistics.median(r.get("graph_kib", 0) for r in v["runs"]) * 1024
            lines.append(f"| {label} | {impl} | {v['fwd']/nodes*1e6:.3f} | {v['bwd']/nodes*1e6:.3f} | "
                         f"{graph/nodes:.0f} |")

    lines += ["", "## Targets", "", "| target | measured | verdict |", "|---|---|---|"]
    for text, value, ok in targets(s):
        lines.append(f"| {text} | {value} | {'met' if ok else '**missed**'} |")
    lines.append("")
    return lines


def targets(s):
    out = []

    def ratio(label, a, b, measure):
        try:
            return s[label][b][measure] / s[label][a][measure]
        except (KeyError, ZeroDivisionError):
            return None

    def add(text, value, ok, fmt):
        out.append((text, "n/a" if value is None else fmt.format(value), value is not None and ok(value)))

    c = s.get("seed-fwd-bwd", {}).get("c")
    add("seed loop, C peak RSS ≤ 8 MiB in total", c and c["peak"], lambda v: v <= 8.0, "{:.2f} MiB")
    gi, nd = s.get("seed-fwd-bwd", {}).get("python-gi"), s.get("seed-fwd-bwd", {}).get("numpy-dezero")
    add("seed loop, Python-gi peak RSS below NumPy-DeZero's (total)",
        gi and nd and gi["peak"] - nd["peak"], lambda v: v < 0, "{:+.2f} MiB")
    add("seed loop, Python-gi peak RSS below NumPy-DeZero's (net of imports)",
        gi and nd and gi["peak_net"] - nd["peak_net"], lambda v: v < 0, "{:+.2f} MiB")
    add("seed loop fwd+bwd, C ≥ 2× faster than NumPy-DeZero",
        ratio("seed-fwd-bwd", "c", "numpy-dezero", "total"), lambda v: v >= 2, "{:.2f}×")
    add("seed loop fwd+bwd, C ≥ 1.5× faster than PyTorch",
        ratio("seed-fwd-bwd", "c", "torch", "total"), lambda v: v >= 1.5, "{:.2f}×")
    for d in ("fwd", "bwd"):
        add(f"chain 1e5 {d}, C ≥ 10× faster than NumPy-DeZero",
            ratio("chain-1e5", "c", "numpy-dezero", d), lambda v: v >= 10, "{:.2f}×")
        add(f"chain 1e5 {d}, C ≥ 5× faster than PyTorch",
            ratio("chain-1e5", "c", "torch", d), lambda v: v >= 5, "{:.2f}×")
        add(f"chain 1e5 {d}, Python-gi not slower than NumPy-DeZero",
            ratio("chain-1e5", "python-gi", "numpy-dezero", d), lambda v: v >= 1, "{:.2f}×")
    dc, dt = s.get("depth-1e6", {}).get("c"), s.get("depth-1e6", {}).get("torch")
    if dc and dt:
        bc = statistics.median(r["graph_kib"] for r in dc["runs"]) * 1024 / dc["runs"][0]["nodes"]
        bt = statistics.median(r["graph_kib"] for r in dt["runs"]) * 1024 / dt["runs"][0]["nodes"]
        add("depth 1e6: backward completes, memory per node ≤ PyTorch's", bc - bt, lambda v: v <= 0,
            "{:+.0f} bytes/node (C %.0f, torch %.0f)" % (bc, bt))
    for op in ("exp", "square", "add"):
        e = s.get("elementwise-1e7", {})
        if "c" in e and "numpy-dezero" in e:
            v = med(e["numpy-dezero"]["runs"], f"{op}_s") / med(e["c"]["runs"], f"{op}_s")
            add(f"elementwise {op} 1e7, C ≥ 1.0× NumPy's speed", v, lambda x: x >= 1.0, "{:.2f}×")
    ladder = [(l, v["c"]) for l, v in s.items() if l.startswith("ladder") and "c" in v]
    if len(ladder) >= 2:
        per = [v["total"] / v["runs"][0]["nodes"] for _, v in ladder]
        add("ladder 1e3..1e6: C time per node stays flat (max/min)", max(per[1:]) / min(per[1:]),
            lambda v: v < 2.0, "{:.2f}")
    return out


def render_tensor(s):
    def step(v):
        return v["total"] + med(v["runs"], "update_s") if "update_s" in v["runs"][0] else v["total"]

    lines = ["## Tensor cases", "",
             "Each run times a loop for at least the budget's seconds after a warm-up and reports "
             "the mean per iteration; the table shows the median over rounds. \"cblas\" is the "
             "floor: the same three `cblas_?gemm` calls into preallocated buffers, no library. "
             "Ratios are speed ratios (above 1: ours is faster).", "",
             "### Matrix product, forward + backward", "",
             "`y = a @ b` then `y.backward()` (gradient of ones): three n×n GEMMs, 6n³ flops.", "",
             "| n | dtype | cblas GFLOP/s | c | python-gi | torch | c / cblas | python-gi / cblas "
             "| c / torch | python-gi / torch | c fwd ms | c bwd ms |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for label in s:
        if not label.startswith("matmul-"):
            continue
        dt = label.rsplit("-", 1)[1]
        n = next(iter(s[label].values()))["runs"][0]["n"]
        gf = {impl: 6 * n ** 3 / v["total"] * 1e-9 for impl, v in s[label].items()}
        c = s[label].get("c")

        def r(a, b):
            return f"{gf[a] / gf[b]:.2f}" if a in gf and b in gf else ""
        lines.append(f"| {n} | {dt} | " + " | ".join(f"{gf[i]:.1f}" if i in gf else ""
                                                     for i in ("cblas", "c", "python-gi", "torch"))
                     + f" | {r('c', 'cblas')} | {r('python-gi', 'cblas')} | {r('c', 'torch')} "
                     f"| {r('python-gi', 'torch')} | {c['fwd']*1e3 if c else float('nan'):.2f} "
                     f"| {c['bwd']*1e3 if c else float('nan'):.2f} |")

    lines += ["", "### Broadcasting and reductions, 1000×1000, forward only, no graph", "",
              "add/mul: with a (1000,) row (`dz_array_add`/`dz_array_mul`, `Dz.Array.add`/`mul`); "
              "sum0/sum1: `dz_sum` over axis 0/1 under no-grad (`Dz.sum`); NumPy: `x + row`, "
              "`x.sum(axis=0)`.", "",
              "| op | dtype | c µs | python-gi µs | numpy µs | c / numpy | python-gi / numpy |",
              "|---|---|---:|---:|---:|---:|---:|"]
    for label in s:
        if not label.startswith("array-"):
            continue
        _, op, dt = label.split("-")
        t = {impl: v["total"] for impl, v in s[label].items()}
        lines.append(f"| {op} | {dt} | " + " | ".join(f"{t[i]*1e6:.0f}" if i in t else ""
                                                      for i in ("c", "python-gi", "numpy"))
                     + " | " + " | ".join(f"{t['numpy'] / t[i]:.2f}" if i in t and "numpy" in t else ""
                                          for i in ("c", "python-gi")) + " |")

    lines += ["", "### MLP training step", "",
              "forward (linear, activation, linear, softmax cross-entropy), clear the gradients, "
              "backward, SGD (lr 1) as `p.data = p.data - lr * p.grad.data` with array ops "
              "(PyTorch: in place under no_grad, as `torch.optim.SGD`, its fastest). "
              "PyTorch's linear is `torch.addmm`, what `torch.nn.Linear` runs.", ""]
    for label, (n_in, hidden, n_out, batch, dt, act) in MLPS.items():
        if label not in s:
            continue
        lines += [f"**{label}**: {n_in}-{hidden}-{n_out}, {act}, batch {batch}, {dt}", "",
                  "| impl | forward µs | backward µs | update µs | step µs | torch / impl | "
                  "peak MiB | net MiB | loss first → last |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
        torch_step = step(s[label]["torch"]) if "torch" in s[label] else None
        for impl, v in s[label].items():
            r = v["runs"]
            lines.append(f"| {impl} | {v['fwd']*1e6:.1f} | {v['bwd']*1e6:.1f} | "
                         f"{med(r, 'update_s')*1e6:.1f} | {step(v)*1e6:.1f} | "
                         f"{torch_step / step(v) if torch_step else float('nan'):.2f} | "
                         f"{v['peak']:.1f} | {v['peak_net']:.1f} | "
                         f"{r[-1]['first_loss']:.3f} → {r[-1]['last_loss']:.3f} |")
        lines.append("")

    lines += ["### Tensor targets", "", "| target | measured | verdict |", "|---|---|---|"]
    for text, value, ok in tensor_targets(s, step):
        lines.append(f"| {text} | {value} | {'met' if ok else '**missed**'} |")
    lines.append("")
    notes = os.path.join(HERE, "tensor-notes.md")
    if os.path.exists(notes):
        with open(notes) as f:
            lines += [f.read().strip(), ""]
    return lines


def tensor_targets(s, step):
    out = []

    def speed(label, ours, theirs, measure):
        try:
            return measure(s[label][theirs]) / measure(s[label][ours])
        except (KeyError, ZeroDivisionError):
            return None

    def add(text, value, floor):
        out.append((text, "n/a" if value is None else f"{value:.2f}×", value is not None and value >= floor))

    total = (lambda v: v["total"])
    for label in s:
        if label.startswith("matmul-"):
            for impl in ("c", "python-gi"):
                add(f"{label} fwd+bwd, {impl} ≥ 0.9× direct cblas", speed(label, impl, "cblas", total), 0.9)
                add(f"{label} fwd+bwd, {impl} ≥ 1× PyTorch", speed(label, impl, "torch", total), 1.0)
        elif label.startswith("array-"):
            for impl in ("c", "python-gi"):
                add(f"{label}, {impl} ≥ 1× NumPy", speed(label, impl, "numpy", total), 1.0)
    add("mlp-spiral step, C ≥ 8× PyTorch", speed("mlp-spiral", "c", "torch", step), 8.0)
    add("mlp-spiral step, Python-gi ≥ 2× PyTorch", speed("mlp-spiral", "python-gi", "torch", step), 2.0)
    for impl in ("c", "python-gi"):
        add(f"mlp-784 step, {impl} ≥ 1× PyTorch", speed("mlp-784", impl, "torch", step), 1.0)
    return out


def render_nn(s, meta):
    """The training cases: the spiral run, a Fashion-MNIST epoch, the
    accuracy after whole epochs."""
    def maxrss(v):
        return med(v["runs"], "maxrss_kib") / 1024 if "maxrss_kib" in v["runs"][0] else v["peak"]

    lines = ["## Training", "",
             "Each library as its user writes a training loop: a sigmoid MLP, softmax "
             "cross-entropy, SGD, shuffled batches from the library's own loader (PyTorch: "
             "`nn.Sequential` of `nn.Linear`, `torch.optim.SGD` with "
             "`zero_grad(set_to_none=True)`, batches by indexing a tensor with a permutation; "
             "NumPy-DeZero: `bench/numpy_dezero.py` with DeZero's `Linear`, the update "
             "`p.data -= lr * p.grad`). C: `bench/bench-nn.c` (DzMLP, DzSGD, DzDataLoader); "
             "python: `bench/runners.py`, through `dezero_glib` when it has models and "
             "optimizers, else the same objects through gi (column api). One process per run; "
             "peak MiB is the child's ru_maxrss (what /usr/bin/time reports), from os.wait4.", "",
             "Reproduce: `bench/run.py --only nn --rounds 5` (add `--steps 600` to time whole "
             "epochs instead of 120 steps of each), then `bench/run.py --only nn --accuracy 5` "
             "(three seeds, 5 epochs each); `--python-path DIR` measures the `dezero_glib` of "
             "another checkout. One run alone: `build/bench/bench-nn spiral 300 f32`, "
             "`build/bench/bench-nn fmnist f32 120 0` (or `fmnist f32 0 5 SEED` for 5 whole "
             "epochs and the test accuracy), `build/bench/bench-nn cblas-fmnist f32 120 0`, "
             "`/usr/bin/python3 bench/runners.py IMPL spiral 300 f32` and "
             "`… IMPL fmnist f32 120 0` with IMPL python, torch or numpy-dezero, "
             "`OPENBLAS_NUM_THREADS=1` and the build's GI_TYPELIB_PATH, LD_LIBRARY_PATH and "
             "PYTHONPATH set (run.py sets them). The C examples: `scripts/example.sh "
             "step48-spiral`, `scripts/example.sh fashion-mnist-mlp --epochs 5`.", ""]
    if "train-spiral" in s:
        by = s["train-spiral"]
        t = by.get("torch", {}).get("total")
        lines += ["### Spiral, DeZero step 48, whole run", "",
                  "DzSpiral (DeZero's get_spiral for the others), MLP (10, 3), float32 as DeZero "
                  "(its get_spiral and L.Linear are float32), SGD lr 1.0, "
                  f"{next(iter(by.values()))['runs'][0]['epochs']} epochs of batches of 30 "
                  f"({next(iter(by.values()))['runs'][0]['steps']} steps), the loss read every step as "
                  "`float(loss.data)`; times are medians over rounds.", "",
                  "| impl | api | run s | µs / step | torch / impl | peak MiB | last epoch loss | "
                  "train accuracy | live at end |", "|---|---|---:|---:|---:|---:|---:|---:|---|"]
        for impl, v in by.items():
            r = v["runs"][-1]
            lines.append(f"| {impl} | {r.get('api', impl)} | {v['total']:.3f} | "
                         f"{v['total'] / r['steps'] * 1e6:.1f} | "
                         f"{t / v['total'] if t else float('nan'):.2f} | {maxrss(v):.1f} | "
                         f"{r['last_loss']:.4f} | {r['accuracy']:.3f} | {v['live']} |")
        lines.append("")
    if "train-lstm-sin" in s:
        by = s["train-lstm-sin"]
        t = by.get("torch", {}).get("total")
        lines += ["### LSTM on the sine wave, DeZero step 60, one epoch", "",
                  "SinCurve, LSTM (hidden 100) + Linear (1), Adam, truncated BPTT every 30 steps, "
                  "34 steps of 30 parallel streams per epoch, float64; seconds per epoch after one "
                  "of warm-up. C: DzLSTMLayer (DeZero's eight Linear layers); python: dezero_glib's "
                  "`L.LSTM` and `SeqDataLoader` as the book writes them; torch: `nn.LSTMCell` "
                  "(its four gates fused) and `nn.Linear`, the state detached at each truncation. "
                  "One run alone: `build/bench/bench-nn lstm-sin 20`, "
                  "`/usr/bin/python3 bench/runners.py IMPL lstm-sin 20`.", "",
                  "| impl | api | ms / epoch | torch / impl | CPU ms / epoch | peak MiB | "
                  "last loss | live at end |",
                  "|---|---|---:|---:|---:|---:|---:|---|"]
        for impl, v in by.items():
            r = v["runs"][-1]
            lines.append(f"| {impl} | {r.get('api', impl)} | {v['total'] * 1e3:.1f} | "
                         f"{t / v['total'] if t else float('nan'):.2f} | "
                         f"{med(v['runs'], 'cpu_s') * 1e3:.1f} | {maxrss(v):.1f} | "
                         f"{r['last_loss']:.4f} | {v['live']} |")
        lines.append("")
    for dt in ("f32", "f64"):
        label = f"fmnist-{dt}"
        if label not in s:
            continue
        by = s[label]
        t = by.get("torch")
        r0 = next(iter(by.values()))["runs"][0]
        lines += [f"### Fashion-MNIST epoch, 784-1000-10 sigmoid, SGD lr 1.0, batch 100, {dt}", "",
                  f"{r0.get('steps')} steps timed after 5 of warm-up, extrapolated to the epoch's "
                  f"{r0.get('batches')} steps; the images are float32 in every library and cast to "
                  f"{dt} per batch. \"cblas\" is the floor: the step's five GEMMs (the input's "
                  "gradient not computed) into preallocated buffers, nothing else.", "",
                  "| impl | api | s / epoch | torch / impl | over the GEMM floor | peak MiB | "
                  "peak / torch's | live at end |", "|---|---|---:|---:|---:|---:|---:|---|"]
        floor = by.get("cblas", {}).get("total")
        for impl, v in by.items():
            r = v["runs"][-1]
            lines.append(f"| {impl} | {r.get('api', impl)} | {v['total']:.3f} | "
                         f"{t['total'] / v['total'] if t else float('nan'):.2f} | "
                         f"{(v['total'] / floor - 1) * 100 if floor else float('nan'):+.0f} % | "
                         f"{maxrss(v):.1f} | "
                         f"{maxrss(v) / maxrss(t) if t else float('nan'):.2f} | {v['live']} |")
        lines.append("")
    acc = s.get("fmnist-accuracy-f32")
    if acc:
        m = meta.get("nn-accuracy", {})
        r0 = next(iter(acc.values()))["runs"][0]
        lines += [f"### Fashion-MNIST test accuracy after {r0['epochs']} epochs (float32)", "",
                  "Same setup, whole epochs, then the 10,000 test images, for seeds "
                  f"{', '.join(str(r.get('seed')) for r in next(iter(acc.values()))['runs'])} "
                  f"(weights and shuffles): `{m.get('command', '')}` ({m.get('date', '')}).", "",
                  "| impl | api | mean test accuracy | per seed | vs torch's mean (points) | "
                  "last epoch loss (mean) | s / epoch (median) |",
                  "|---|---|---:|---|---:|---:|---:|"]
        ta = mean_accuracy(acc["torch"]) if "torch" in acc else None
        for impl, v in acc.items():
            runs = v["runs"]
            a = mean_accuracy(v)
            lines.append(f"| {impl} | {runs[0].get('api', impl)} | {a * 100:.2f} % | "
                         + ", ".join(f"{r['test_accuracy'] * 100:.2f}" for r in runs)
                         + f" | {(a - ta) * 100 if ta is not None else float('nan'):+.2f} | "
                         f"{statistics.mean(r['last_loss'] for r in runs):.4f} | {v['total']:.2f} |")
        lines.append("")

    lines += ["### Training targets", "", "| target | measured | verdict |", "|---|---|---|"]
    for text, value, ok in nn_targets(s, maxrss):
        lines.append(f"| {text} | {value} | {'met' if ok else '**missed**'} |")
    lines.append("")
    notes = os.path.join(HERE, "nn-notes.md")
    if os.path.exists(notes):
        with open(notes) as f:
            lines += [f.read().strip(), ""]
    return lines


def mean_accuracy(v):
    return statistics.mean(r["test_accuracy"] for r in v["runs"])


def nn_targets(s, maxrss):
    out = []

    def add(text, value, ok, fmt="{:.2f}×"):
        out.append((text, "n/a" if value is None else fmt.format(value), value is not None and ok(value)))

    def speed(label, impl):
        try:
            return s[label]["torch"]["total"] / s[label][impl]["total"]
        except (KeyError, ZeroDivisionError):
            return None

    add("spiral run, C ≥ 8× PyTorch", speed("train-spiral", "c"), lambda v: v >= 8)
    add("spiral run, Python ≥ 2× PyTorch", speed("train-spiral", "python"), lambda v: v >= 2)
    add("LSTM sin-wave epoch, C ≥ 3× PyTorch", speed("train-lstm-sin", "c"), lambda v: v >= 3)
    for dt in ("f32", "f64"):
        label = f"fmnist-{dt}"
        add(f"Fashion-MNIST epoch {dt}, C ≥ 1.3× PyTorch", speed(label, "c"), lambda v: v >= 1.3)
        add(f"Fashion-MNIST epoch {dt}, Python ≥ 1.2× PyTorch", speed(label, "python"), lambda v: v >= 1.2)
        for impl in ("c", "python"):
            try:
                v = maxrss(s[label][impl]) / maxrss(s[label]["torch"])
            except KeyError:
                v = None
            add(f"Fashion-MNIST {dt}, {impl} peak RSS ≤ half of PyTorch's", v, lambda x: x <= 0.5,
                "{:.2f} of it")
    acc = s.get("fmnist-accuracy-f32", {})
    if "torch" in acc:
        ta = mean_accuracy(acc["torch"])
        for impl in ("c", "python"):
            if impl in acc:
                d = (mean_accuracy(acc[impl]) - ta) * 100
                add(f"Fashion-MNIST test accuracy (mean of seeds), {impl} within ±1 point of PyTorch", d,
                    lambda x: abs(x) <= 1, "{:+.2f} points")
    return out


def chart(results, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no chart", file=sys.stderr)
        return
    s = {label: {impl: summary(runs) for impl, runs in by_impl.items()}
         for label, by_impl in results.items() if label != "_meta" and group_of(label) == "graph"}
    impls = OURS + THEIRS
    colors = dict(zip(impls, ["#1f77b4", "#6baed6", "#9ecae1", "#ff7f0e", "#d62728"]))
    fig, axes = plt.subplots(1, 3, figsize=(16, 5))

    bars = [l for l in ("seed-fwd", "seed-fwd-bwd", "chain-1e5", "elementwise-1e7") if l in s]
    width = 0.15
    ax = axes[0]
    for k, impl in enumerate(impls):
        vals = [s[l][impl]["total"] * 1e3 if impl in s[l] else 0 for l in bars]
        ax.bar([i + k * width for i in range(len(bars))], vals, width, label=impl, color=colors[impl])
    ax.set_xticks([i + 2 * width for i in range(len(bars))], bars, rotation=15)
    ax.set_yscale("log")
    ax.set_ylabel("time, ms (log)")
    ax.set_title("Total time per case")
    ax.legend(fontsize=8)

    for ax, prefix, title in ((axes[1], "ladder", "Ladder of diamonds"), (axes[2], "fan", "Fan-in (wide)")):
        for impl in impls:
            pts = sorted((v[impl]["runs"][0]["nodes"], v[impl]["total"])
                         for l, v in s.items() if l.startswith(prefix) and impl in v)
            if pts:
                ax.plot([p[0] for p in pts], [p[1] * 1e6 / p[0] for p in pts], "o-",
                        label=impl, color=colors[impl])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("graph nodes")
        ax.set_ylabel("µs per node, forward + backward")
        ax.set_title(title + ": flat = linear time")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def chart_tensor(results, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    s = {label: {impl: summary(runs) for impl, runs in by_impl.items()}
         for label, by_impl in results.items() if label != "_meta" and is_tensor(label)}
    if not s:
        return
    colors = {"cblas": "#7f7f7f", "c": "#1f77b4", "python-gi": "#6baed6", "gjs": "#9ecae1",
              "numpy": "#2ca02c", "numpy-dezero": "#ff7f0e", "torch": "#d62728"}
    fig, axes = plt.subplots(1, 3, figsize=(16, 5))
    panels = [
        (axes[0], [l for l in s if l.startswith("matmul-")], ["cblas", "c", "python-gi", "torch"],
         lambda l, v: 6 * v["runs"][0]["n"] ** 3 / v["total"] * 1e-9, "GFLOP/s", "matmul fwd+bwd", False),
        (axes[1], [l for l in s if l.startswith("array-")], ["c", "python-gi", "numpy"],
         lambda l, v: v["total"] * 1e6, "µs per call", "1000×1000 broadcast / sum", False),
        (axes[2], [l for l in s if l.startswith("mlp-")], ["c", "python-gi", "gjs", "numpy-dezero", "torch"],
         lambda l, v: (v["total"] + med(v["runs"], "update_s")) * 1e6, "µs per step (log)", "MLP training step",
         True),
    ]
    for ax, labels, impls, value, ylabel, title, log in panels:
        width = 0.8 / len(impls)
        for k, impl in enumerate(impls):
            vals = [value(l, s[l][impl]) if impl in s[l] else 0 for l in labels]
            ax.bar([i + k * width for i in range(len(labels))], vals, width, label=impl, color=colors[impl])
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(labels))],
                      [l.split("-", 1)[1] for l in labels], rotation=30, fontsize=8)
        if log:
            ax.set_yscale("log")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)


if __name__ == "__main__":
    main()
