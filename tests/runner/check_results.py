#!/usr/bin/python3
"""Independent reader of a platbench results file (analysis/SCHEMA.md) for the runner's tests.

check_results.py FILE [--ranks R] [--partial] [--steps S]
  full check (default): every experiment exactly once, status done, metrics finite and equal to
  each experiment's RESULT.h5 (FILE.d/eNNNN-aK/result.h5), curves shape (N, steps) and equal to the
  result's curves, provenance attributes present, pandas DataFrame from /experiments,
  `h5dump -H FILE` opens it. Exit status 0 ok, 1 with the reasons on stderr.
  --partial: the file of a killed/interrupted run: it opens, ids are 0..N-1, statuses are valid.
"""
import math
import os
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pbcheck import s  # noqa: E402

PROVENANCE = ["format", "format_version", "campaign_name", "config_file", "config_text",
              "config_hash", "platbench_version", "git_commit", "created_unix", "updated_unix",
              "state", "n_experiments", "steps", "hostnames", "cpu_model", "kernel", "mpi_version",
              "hdf5_version", "openblas_version", "mpi_ranks"]
CURVES = ["train_loss", "train_acc", "val_loss", "val_acc", "lr", "elapsed_s"]
STATUSES = {"pending", "running", "done", "failed", "interrupted", "skipped"}
METRICS = ["iterations", "final_rate", "final_error", "train_acc", "val_acc", "test_acc",
           "training_time_s", "load_time_s", "train_compute_s", "eval_time_s", "total_time_s",
           "cpus_seen"]



def main():
    args = sys.argv[1:]
    path = args[0]
    ranks = int(args[args.index("--ranks") + 1]) if "--ranks" in args else None
    partial = "--partial" in args
    errors = []
    with h5py.File(path, "r") as f:
        e = f["experiments"][:]
        n = len(e)
        if list(e["id"]) != list(range(n)):
            errors.append(f"ids are not 0..{n-1}: {list(e['id'])}")
        for st in e["status"]:
            if s(st) not in STATUSES:
                errors.append(f"invalid status {s(st)!r}")
        for a in PROVENANCE:
            if a not in f.attrs:
                errors.append(f"missing root attribute {a}")
        if partial:
            report(errors, path, n, e)
            return
        steps = int(f.attrs["steps"])
        if int(f.attrs["n_experiments"]) != n:
            errors.append("n_experiments attribute != rows")
        if s(f.attrs["state"]) != "complete":
            errors.append(f"state is {s(f.attrs['state'])}, expected complete")
        for c in CURVES:
            if f["curves/" + c].shape != (n, steps):
                errors.append(f"curves/{c} shape {f['curves/' + c].shape} != {(n, steps)}")
        for c in ["stdout_tail", "stderr_tail"]:
            if f["output/" + c].shape != (n,):
                errors.append(f"output/{c} shape wrong")
        seen = set()
        for row in e:
            i = int(row["id"])
            key = (s(row["platform"]), int(row["test"]))
            if key in seen:
                errors.append(f"experiment {key} appears twice")
            seen.add(key)
            if s(row["status"]) != "done":
                errors.append(f"e{i}: status {s(row['status'])} ({s(row['error'])})")
                continue
            if ranks is not None and not 0 <= int(row["rank"]) < ranks:
                errors.append(f"e{i}: rank {row['rank']} outside 0..{ranks-1}")
            for k in ["wall_s", "user_s", "sys_s", "startup_s", "workload_s", "teardown_s",
                      "launch_overhead_s", "start_unix", "end_unix"] + METRICS:
                if not math.isfinite(float(row[k])):
                    errors.append(f"e{i}: {k} not finite")
            if row["exit_code"] != 0 or row["signal"] != 0 or row["peak_rss_kb"] <= 0:
                errors.append(f"e{i}: exit {row['exit_code']} signal {row['signal']} rss "
                              f"{row['peak_rss_kb']}")
            if not row["startup_s"] + row["workload_s"] + row["teardown_s"] <= row["wall_s"] + 1e-6:
                errors.append(f"e{i}: startup+workload+teardown exceeds wall")
            res = f"{path}.d/e{i:04d}-a{int(row['attempt'])}/result.h5"
            if not os.path.exists(res):
                errors.append(f"e{i}: no {res}")
                continue
            with h5py.File(res, "r") as r:
                for k in METRICS:
                    if float(r.attrs[k]) != float(row[k]):
                        errors.append(f"e{i}: {k} {row[k]} != result file {r.attrs[k]}")
                if int(r.attrs["seed"]) != int(row["seed"]):
                    errors.append(f"e{i}: seed differs from the result file")
                ov = float(row["wall_s"]) - float(r.attrs["total_time_s"])
                if abs(ov - float(row["launch_overhead_s"])) > 1e-9:
                    errors.append(f"e{i}: launch_overhead_s != wall_s - total_time_s")
                for c in CURVES:
                    want = np.asarray(r["curves/" + c][:steps], dtype=float)
                    got = f["curves/" + c][i, : len(want)]
                    if not np.array_equal(want, got):
                        errors.append(f"e{i}: curve {c} differs from the result file")
            if b"PLATBENCH_MARK workload_end" not in f["output/stderr_tail"][i]:
                errors.append(f"e{i}: stderr tail lacks the end marker")
        used = {int(r) for r in e["rank"]}
        if ranks and ranks > 1 and n >= 2 * ranks and len(used) < 2:
            errors.append(f"only rank(s) {used} ran experiments with {ranks} ranks")
        df = pd.DataFrame(f["experiments"][:])
        if len(df) != n or "test_acc" not in df.columns:
            errors.append("pandas DataFrame from /experiments is wrong")
        if ranks is not None and int(f.attrs["mpi_ranks"]) < 1:
            errors.append("mpi_ranks attribute wrong")
    if subprocess.run(["h5dump", "-H", path], stdout=subprocess.DEVNULL).returncode != 0:
        errors.append("h5dump -H cannot read the file")
    report(errors, path, n, e)


def report(errors, path, n, e):
    counts = {}
    for st in e["status"]:
        counts[s(st)] = counts.get(s(st), 0) + 1
    if errors:
        for m in errors[:40]:
            print("check_results: " + m, file=sys.stderr)
        sys.exit(1)
    print(f"check_results: {path}: {n} experiments ok {counts}")


main()
