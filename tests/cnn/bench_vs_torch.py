#!/usr/bin/python3
"""bench_vs_torch: platbench-cnn's training step next to PyTorch's on the same network, in one run.

usage: /usr/bin/python3 tests/cnn/bench_vs_torch.py PLATBENCH_CNN [--batch N] [--threads T]
           [--steps S] [--warmup W] [--rounds R] [--no-cl] [--no-jemalloc] [--conv MODE]
           [--twice] [--experiment DATA_DIR [--seed S]]

Runs `PLATBENCH_CNN bench` (the study's network, random input) and the same network in PyTorch
(Debian python3-torch; channels_last and jemalloc with transparent huge pages by default,
the fastest configuration measured on this kind of machine), alternating them R times (the machine may be shared: a pair
run back to back sees similar load), each in its own child process, and prints per side: the
median training-step time, images/s, GFLOP/s (platbench's FLOP count per image for both),
the fraction of the 1024^3 sgemm peak platbench measured in the same run, and peak memory
(the child's maxrss), and the median time of the validation pass (45 images, forward +
loss, after each step); then the time ratios platbench / PyTorch of both. Without python3-torch the
PyTorch half is skipped with a message. Not a ctest test (minutes at batch 288).
--conv sets PLATBENCH_CONV for platbench-cnn (auto, im2col, direct, winograd, winograd4, naive).

--twice: in each round each side's child runs twice back to back and the second run is the one
reported, so each side follows a run of itself (as consecutive experiments of a campaign do)
instead of the other side's. Without it the sides' preconditions differ: on a VM with free page
reporting (virtio-balloon), a process started right after another one freed gigabytes gets pages
the host must back again. Measured on the 2-vCPU VM of README's speed table: platbench-cnn's step
3.13-3.35 s right after its own run, 3.40-3.56 s right after a 6.7 GB allocate-touch-free (the
PyTorch child's size; 5 of 5 pairs slower), PyTorch's 6.20-6.48 s either way.

--experiment DATA_DIR [--seed S]: whole experiments instead of steps: `platbench-cnn train` on
jobs/models/paper.cfg (its 100 steps of --batch images, or --steps N) against the same loop in
PyTorch (tests/cnn/torch_experiment.py: same network, initialisation, protocol), alternating R
rounds (round r uses seed S + r); per side the median load, training (the timed loop: steps +
validation), eval and total time, peak memory, the accuracies, and the ratios.
"""
import os
import re
import statistics
import subprocess
import sys

JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"

TORCH_CHILD = r"""
import sys, time, statistics, resource, torch, torch.nn as nn
B, T, steps, warmup, cl = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == '1'
torch.set_num_threads(T)
def block(i, o):
    return [nn.Conv2d(i, o, 3, padding=1), nn.ReLU(), nn.Conv2d(o, o, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2)]
ch = [3, 16, 32, 64, 128, 128]; L = []
for i in range(5): L += block(ch[i], ch[i + 1])
L += [nn.Flatten(), nn.Linear(7 * 7 * 128, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 4)]
torch.manual_seed(0)
fmt = torch.channels_last if cl else torch.contiguous_format
m = nn.Sequential(*L).to(memory_format=fmt)
opt = torch.optim.Adam(m.parameters(), lr=1e-3)
lossf = nn.CrossEntropyLoss()
x = (torch.rand(B, 3, 224, 224) * 255).contiguous(memory_format=fmt)
y = torch.randint(0, 4, (B,))
xe, ye = x[:45].contiguous(memory_format=fmt), y[:45]
ts, es = [], []
for it in range(warmup + steps):
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = lossf(m(x), y); loss.backward(); opt.step()
    t1 = time.perf_counter()
    with torch.no_grad():  # the validation pass: 45 images, forward + loss
        lossf(m(xe), ye)
    t2 = time.perf_counter()
    print(f'torch step {it + 1 - warmup if it >= warmup else "warm-up"}: train {(t1 - t0) * 1e3:.1f} ms, eval {(t2 - t1) * 1e3:.1f} ms', file=sys.stderr, flush=True)
    if it >= warmup: ts.append(t1 - t0); es.append(t2 - t1)
print(f'TORCH {torch.__version__} median_ms {statistics.median(ts) * 1e3:.1f} eval_ms {statistics.median(es) * 1e3:.1f} maxrss_mb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}')
"""


def usage(msg):
    sys.stderr.write(f"bench_vs_torch: {msg}\n{__doc__}")
    sys.exit(2)


def run_child(argv, env):
    """Runs argv; returns (stdout, maxrss MB of that child). Exits with a message on failure."""
    p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"bench_vs_torch: {argv[0]} failed with exit status {p.returncode}")
    return out, ru.ru_maxrss / 1024.0


HERE = os.path.dirname(os.path.abspath(__file__))


def experiments(exe, data, B, T, steps, rounds, seed, penv, tenv, cl):
    """Whole experiments, platbench-cnn train vs tests/cnn/torch_experiment.py, alternating."""
    import tempfile
    import h5py
    model = os.path.join(HERE, "..", "..", "jobs", "models", "paper.cfg")
    keys = ("load_s", "training_s", "eval_s", "total_s", "train_acc", "val_acc", "test_acc")
    rows = {"platbench-cnn": [], "PyTorch": []}
    torch_version = "?"
    for r in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "result.h5")
            _, rss = run_child([exe, "train", "--model", model, "--data", data, "--out", out, "--steps",
                                str(steps), "--batch", str(B), "--threads", str(T), "--seed",
                                str(seed + r)], penv)
            with h5py.File(out, "r") as f:
                at = f.attrs
                row = dict(zip(keys, (at["load_time_s"], at["training_time_s"], at["eval_time_s"],
                                      at["total_time_s"], at["train_acc"], at["val_acc"], at["test_acc"])))
        rows["platbench-cnn"].append({**{k: float(v) for k, v in row.items()}, "maxrss_mb": rss})
        print(f"round {r + 1}: platbench-cnn training {row['training_s']:.1f} s, total "
              f"{row['total_s']:.1f} s, test acc {row['test_acc']:.3f}, {rss:.0f} MB", flush=True)
        targv = [sys.executable, os.path.join(HERE, "torch_experiment.py"), data, "--steps", str(steps),
                 "--batch", str(B), "--threads", str(T), "--seed", str(seed + r)] + ([] if cl else ["--no-cl"])
        tout, trss = run_child(targv, tenv)
        mm = re.search(r"TORCH_EXPERIMENT torch (\S+) (.*)", tout)
        if not mm:
            sys.exit(f"bench_vs_torch: unexpected output of torch_experiment.py:\n{tout}")
        torch_version, kv = mm.group(1), mm.group(2).split()
        tr = {k: float(v) for k, v in zip(kv[::2], kv[1::2])}
        rows["PyTorch"].append({**{k: tr[k] for k in keys}, "maxrss_mb": trss})
        print(f"round {r + 1}: PyTorch training {tr['training_s']:.1f} s, total {tr['total_s']:.1f} s, "
              f"test acc {tr['test_acc']:.3f}, {trss:.0f} MB", flush=True)
    print(f"\nwhole experiment: jobs/models/paper.cfg, {steps} steps of {B} images, {T} threads, data "
          f"{data}, {rounds} rounds (seeds {seed}-{seed + rounds - 1}); PyTorch {torch_version}; medians")
    print(f"{'':14} {'load s':>8} {'training s':>11} {'eval s':>8} {'total s':>9} {'peak MB':>8} "
          f"{'train_acc':>9} {'val_acc':>8} {'test_acc':>8}")
    med = {}
    for name, rs in rows.items():
        med[name] = {k: statistics.median(x[k] for x in rs) for k in keys}
        med[name]["maxrss_mb"] = max(x["maxrss_mb"] for x in rs)
        m = med[name]
        print(f"{name:14} {m['load_s']:8.2f} {m['training_s']:11.1f} {m['eval_s']:8.1f} {m['total_s']:9.1f} "
              f"{m['maxrss_mb']:8.0f} {m['train_acc']:9.3f} {m['val_acc']:8.3f} {m['test_acc']:8.3f}")
    o, t = med["platbench-cnn"], med["PyTorch"]
    print(f"ratio platbench-cnn / PyTorch: training {o['training_s'] / t['training_s']:.2f}, total "
          f"{o['total_s'] / t['total_s']:.2f}, eval {o['eval_s'] / t['eval_s']:.2f}, peak memory "
          f"{o['maxrss_mb'] / t['maxrss_mb']:.2f}")


def main():
    a = sys.argv[1:]
    if not a or a[0].startswith("-"):
        usage("the platbench-cnn executable is required")
    exe = a.pop(0)
    opts = {"batch": 288, "threads": 2, "steps": 3, "warmup": 1, "rounds": 1, "seed": 1}
    given = set()  # options set on the command line
    cl, jem, conv, data, twice = True, True, None, None, False
    while a:
        k = a.pop(0)
        if k == "--no-cl":
            cl = False
        elif k == "--no-jemalloc":
            jem = False
        elif k == "--twice":
            twice = True
        elif k == "--conv" and a:
            conv = a.pop(0)
        elif k == "--experiment" and a:
            data = a.pop(0)
        elif k.startswith("--") and k[2:] in opts and a:
            v = a.pop(0)
            if not v.isdigit() or int(v) < (0 if k == "--warmup" else 1):
                usage(f"{k} {v}: expected a positive integer")
            opts[k[2:]] = int(v)
            given.add(k[2:])
        else:
            usage(f"unexpected argument {k}")
    B, T, S, Wu = opts["batch"], opts["threads"], opts["steps"], opts["warmup"]
    try:
        import torch  # noqa: F401  (only to know whether the PyTorch half can run)
        have_torch = True
    except ImportError:
        have_torch = False
        print("bench_vs_torch: python3-torch is not installed: the PyTorch half is skipped "
              "(apt-get install python3-torch)")
    penv = dict(os.environ)
    if conv:
        penv["PLATBENCH_CONV"] = conv
    tenv = dict(os.environ)
    if jem and os.path.exists(JEMALLOC):
        tenv["LD_PRELOAD"] = JEMALLOC
        # transparent huge pages too: measured 6.6 -> 5.6 s per step here, and a first step
        # of 12 s instead of 30 s (platbench-cnn marks its big buffers MADV_HUGEPAGE)
        tenv["MALLOC_CONF"] = "thp:always,metadata_thp:always,dirty_decay_ms:-1,muzzy_decay_ms:-1"
    else:
        jem = False
    if data is not None:
        if not have_torch:
            sys.exit("bench_vs_torch: --experiment needs python3-torch")
        if twice:
            usage("--twice is for the step benchmark, not --experiment")
        steps = opts["steps"] if "steps" in given else 100  # an experiment: the study's 100
        return experiments(exe, data, B, T, steps, opts["rounds"], opts["seed"], penv, tenv, cl)
    ours, theirs = [], []
    info = {}

    def run_side(argv, env, name):
        if twice:  # the settling run: the timed one follows a run of the same side
            run_child(argv, env)
            print(f"  ({name}: settling run done)", flush=True)
        return run_child(argv, env)

    for r in range(opts["rounds"]):
        out, rss = run_side([exe, "bench", "--batch", str(B), "--threads", str(T), "--steps",
                             str(S), "--warmup", str(Wu)], penv, "platbench-cnn")
        m = re.search(r"^([0-9.]+) ms/step", out, re.M)
        me = re.search(r"^eval 45 images\s+([0-9.]+) ms", out, re.M)
        if not m or not me:
            sys.exit(f"bench_vs_torch: unexpected output of {exe} bench:\n{out}")
        ours.append((float(m.group(1)), rss, float(me.group(1))))
        for key, pat in (("gflop", r"train step\s+([0-9.]+) GFLOP per image"),
                         ("peak", r"sgemm 1024\^3\s+([0-9.]+) GFLOP/s peak"),
                         ("kernels", r"^kernels\s+(.*)")):
            mm = re.search(pat, out, re.M)
            if mm:
                info.setdefault(key, []).append(mm.group(1))
        print(f"round {r + 1}: platbench-cnn {ours[-1][0]:.1f} ms/step, eval {ours[-1][2]:.1f} ms, "
              f"{rss:.0f} MB", flush=True)
        if have_torch:
            tout, trss = run_side([sys.executable, "-c", TORCH_CHILD, str(B), str(T), str(S),
                                   str(Wu), "1" if cl else "0"], tenv, "PyTorch")
            mm = re.search(r"TORCH (\S+) median_ms ([0-9.]+) eval_ms ([0-9.]+)", tout)
            if not mm:
                sys.exit(f"bench_vs_torch: unexpected output of the PyTorch child:\n{tout}")
            info["torch"] = mm.group(1)
            theirs.append((float(mm.group(2)), trss, float(mm.group(3))))
            print(f"round {r + 1}: PyTorch {theirs[-1][0]:.1f} ms/step, eval {theirs[-1][2]:.1f} ms, "
                  f"{trss:.0f} MB", flush=True)
    gf = float(info["gflop"][0]) if "gflop" in info else float("nan")
    peak = statistics.median(float(p) for p in info["peak"]) if "peak" in info else float("nan")

    def line(name, rows):
        t = statistics.median(x[0] for x in rows)
        e = statistics.median(x[2] for x in rows)
        mem = max(x[1] for x in rows)
        g = gf * B / (t / 1e3)
        print(f"{name:<14} {t:9.1f} ms/step  {B / (t / 1e3):6.1f} img/s  {g:6.1f} GFLOP/s  "
              f"{100 * g / peak:5.1f}% of sgemm peak  peak memory {mem:7.0f} MB  eval 45 images "
              f"{e:6.1f} ms")
        return t, e

    print(f"\nbatch {B}, {T} threads, {S} timed steps (+{Wu} warm-up) x {opts['rounds']} rounds"
          f"{' (each side right after a settling run of itself)' if twice else ''}; "
          f"{gf:.3f} GFLOP per image; sgemm 1024^3 peak {peak:.1f} GFLOP/s (measured by "
          f"platbench-cnn in this run)")
    if "kernels" in info:
        print(f"platbench-cnn  {info['kernels'][0]}")
    t_ours, e_ours = line("platbench-cnn", ours)
    if theirs:
        print(f"PyTorch        {info['torch']}, {'channels_last' if cl else 'NCHW'}, "
              f"{'jemalloc with transparent huge pages' if jem else 'glibc malloc'}")
        t_theirs, e_theirs = line("PyTorch", theirs)
        print(f"ratio          platbench-cnn / PyTorch: training step {t_ours / t_theirs:.2f}, "
              f"eval pass {e_ours / e_theirs:.2f}, per round: "
              + ", ".join(f"{a[0] / b[0]:.2f}" for a, b in zip(ours, theirs)))


if __name__ == "__main__":
    main()
