#!/usr/bin/python3
"""torch_experiment: the study's whole experiment in PyTorch, the loop `platbench-cnn train` runs.

usage: /usr/bin/python3 tests/cnn/torch_experiment.py DATA_DIR [--steps 100] [--batch 288]
           [--threads 2] [--seed 1] [--no-cl]

The reference that tests/cnn/bench_vs_torch.py --experiment times platbench-cnn against: the
same network as jobs/models/paper.cfg (224x224x3; five blocks of two 3x3 SAME convs + ReLU and a
2x2 max-pool; dense 6272-512-256-4), the same protocol (src/cnn/OUTPUT.md "What one run
computes"): Glorot-uniform weights and zero biases, raw 0..255 pixels, per step `batch` images
drawn at random without replacement within the batch, softmax cross-entropy, Adam 1e-3 with
the x0.96 staircase every 10 steps, then the whole validation set after every step; the test
set at the end. Data: an image folder in the study's layout (train/ valid/ test/, one folder per
class named 1..K, JPEG/PNG), read with PIL (Debian python3-pil).

Times as platbench-cnn's result file defines them: load (reading and decoding the data set),
training (the timed loop: training steps + per-step validation), eval (validation + test), total
(process start to the end). One line on stdout:
  TORCH_EXPERIMENT torch 1.13.1 load_s .. training_s .. eval_s .. total_s .. train_acc .. val_acc ..
  test_acc .. maxrss_mb ..
Progress per 10 steps on stderr. The random draws are numpy's, not platbench's xoshiro: the
accuracies are the same experiment's, not the same run's.
"""
import argparse
import os
import resource
import sys
import time

T_START = time.perf_counter()

import numpy as np  # noqa: E402


def load_split(root, split):
    """(uint8 array N x 3 x H x W, int64 labels) of DATA/split/<class>/*, classes in name order."""
    from PIL import Image
    base = os.path.join(root, split)
    classes = sorted(os.listdir(base), key=lambda c: (len(c), c))
    xs, ys = [], []
    for label, c in enumerate(classes):
        for f in sorted(os.listdir(os.path.join(base, c))):
            with Image.open(os.path.join(base, c, f)) as im:
                xs.append(np.asarray(im.convert("RGB"), dtype=np.uint8).transpose(2, 0, 1))
            ys.append(label)
    return np.stack(xs), np.array(ys, dtype=np.int64)


def network(nn, classes):
    layers, ch = [], [3, 16, 32, 64, 128, 128]
    for i in range(5):
        layers += [nn.Conv2d(ch[i], ch[i + 1], 3, padding=1), nn.ReLU(),
                   nn.Conv2d(ch[i + 1], ch[i + 1], 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2)]
    layers += [nn.Flatten(), nn.Linear(7 * 7 * 128, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
               nn.Linear(256, classes)]
    m = nn.Sequential(*layers)
    for mod in m.modules():  # TensorFlow's defaults, as platbench-cnn: Glorot uniform, zero bias
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(mod.weight)
            nn.init.zeros_(mod.bias)
    return m


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--batch", type=int, default=288)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-cl", action="store_true", help="NCHW instead of channels_last")
    a = ap.parse_args()
    import torch
    import torch.nn as nn
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    fmt = torch.contiguous_format if a.no_cl else torch.channels_last

    t0 = time.perf_counter()
    split = {s: load_split(a.data, s) for s in ("train", "valid", "test")}
    load_s = time.perf_counter() - t0
    xtr, ytr = split["train"]
    classes = int(ytr.max()) + 1

    def tensor(x):
        return torch.from_numpy(x).float().contiguous(memory_format=fmt)
    xva, yva = tensor(split["valid"][0]), torch.from_numpy(split["valid"][1])
    xte, yte = tensor(split["test"][0]), torch.from_numpy(split["test"][1])
    m = network(nn, classes).to(memory_format=fmt)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    lossf = nn.CrossEntropyLoss()
    rng = np.random.default_rng(a.seed)

    def evaluate(x, y):
        with torch.no_grad():
            out = m(x)
            return float(lossf(out, y)), float((out.argmax(1) == y).float().mean())

    eval_s, train_acc, val_acc = 0.0, float("nan"), float("nan")
    t_loop = time.perf_counter()
    for s in range(a.steps):
        for g in opt.param_groups:
            g["lr"] = 1e-3 * 0.96 ** (s // 10)
        idx = rng.choice(len(xtr), a.batch, replace=a.batch > len(xtr))
        x, y = tensor(xtr[idx]), torch.from_numpy(ytr[idx])
        opt.zero_grad(set_to_none=True)
        out = m(x)
        loss = lossf(out, y)
        loss.backward()
        opt.step()
        train_acc = float((out.argmax(1) == y).float().mean())
        te = time.perf_counter()
        _, val_acc = evaluate(xva, yva)
        eval_s += time.perf_counter() - te
        if (s + 1) % 10 == 0 or s + 1 == a.steps:
            print(f"torch step {s + 1}/{a.steps}  loss {float(loss):.4f}  acc {train_acc:.3f}  "
                  f"val acc {val_acc:.3f}  elapsed {time.perf_counter() - t_loop:.1f} s",
                  file=sys.stderr, flush=True)
    training_s = time.perf_counter() - t_loop
    te = time.perf_counter()
    _, test_acc = evaluate(xte, yte)
    eval_s += time.perf_counter() - te
    total_s = time.perf_counter() - T_START
    print(f"TORCH_EXPERIMENT torch {torch.__version__} load_s {load_s:.3f} training_s {training_s:.3f} "
          f"eval_s {eval_s:.3f} total_s {total_s:.3f} train_acc {train_acc:.4f} val_acc {val_acc:.4f} "
          f"test_acc {test_acc:.4f} maxrss_mb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")


if __name__ == "__main__":
    main()
