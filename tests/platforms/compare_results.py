#!/usr/bin/python3
"""compare_results.py REF.h5 OTHER.h5... -- same seed, same workload on different
platforms must give the same training: every /curves/* dataset except elapsed_s and the
result attributes that do not measure time are compared exactly (bit for bit).
Prints one line per file; exits 1 on any difference."""
import sys

import h5py
import numpy as np

SAME_ATTRS = ["seed", "iterations", "batch", "final_rate", "final_error", "train_acc", "val_acc",
              "test_acc", "model_name", "class_names"]


def load(path):
    with h5py.File(path, "r") as f:
        curves = {k: f["curves"][k][()] for k in f["curves"] if k != "elapsed_s"}
        attrs = {k: f.attrs[k] for k in f.attrs}
    return curves, attrs


def main():
    ref_path, others = sys.argv[1], sys.argv[2:]
    ref_c, ref_a = load(ref_path)
    bad = 0
    if not ref_c:
        print(f"FAIL {ref_path}: no curves")
        return 1
    for p in others:
        c, a = load(p)
        diffs = []
        for k, v in ref_c.items():
            if k not in c:
                diffs.append(f"{k} missing")
            elif v.shape != c[k].shape or not np.array_equal(v, c[k]):
                d = np.max(np.abs(v - c[k])) if v.shape == c[k].shape else "shape"
                diffs.append(f"{k} differs (max |diff| {d})")
        for k in SAME_ATTRS:
            if k in ref_a and (k not in a or not np.array_equal(np.asarray(ref_a[k]), np.asarray(a[k]))):
                diffs.append(f"attribute {k}: {ref_a[k]!r} vs {a.get(k)!r}")
        if diffs:
            bad += 1
            print(f"FAIL {p}: " + "; ".join(diffs))
        else:
            n = len(next(iter(c.values())))
            print(f"ok   {p}: {len(c)} curves x {n} steps identical to {ref_path}; "
                  f"final_error {a['final_error']:.6f}, cpus_seen {a.get('cpus_seen')}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
