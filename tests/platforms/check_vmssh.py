#!/usr/bin/python3
"""check_vmssh.py RESULTS.h5 runs|failures -- checks test_vmssh.sh's campaigns.

runs:     every experiment done with exit 0 on bare, vm-copy and vm-shared; per test the
          same seed and bit-identical curves and final_error on all three; start-up,
          workload and tear-down times measured on every row; the ssh platforms recorded
          as "ssh to ..." with their transfer mode. Prints a timing table (per platform:
          median start-up / workload / tear-down, and workload vs bare).
failures: one row per platform badkey / down / hung, none done, each row's error naming
          its cause ("key refused", "host down", "timeout")."""
import os
import statistics
import sys

import h5py

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pbcheck import curve_mismatches, finish, load, s  # noqa: E402


def runs(path):
    fails = []
    ex, curves, plats = load(path)
    names = sorted({s(r["platform"]) for r in ex})
    if names != ["bare", "vm-copy", "vm-shared"]:
        fails.append(f"platforms {names}")
    for r in ex:
        if s(r["status"]) != "done" or r["exit_code"] != 0:
            fails.append(f"experiment {r['id']} ({s(r['platform'])}): status {s(r['status'])}, "
                         f"exit {r['exit_code']}, error {s(r['error'])!r}")
        if not (r["startup_s"] > 0 and r["workload_s"] > 0 and r["teardown_s"] >= 0):
            fails.append(f"experiment {r['id']} ({s(r['platform'])}): startup_s {r['startup_s']} "
                         f"workload_s {r['workload_s']} teardown_s {r['teardown_s']}")
        # the VM node's CPUs are not platbench's to pin: recorded as such (issue 18)
        remote = s(r["kind"]) == "vm"
        if (s(r["cpu_source"]) == "remote") != remote or (remote and s(r["cpu_list"])):
            fails.append(f"experiment {r['id']} ({s(r['platform'])}): cpu_source {s(r['cpu_source'])!r} "
                         f"cpu_list {s(r['cpu_list'])!r}; expected remote and no list for vm over ssh only")
    fails += curve_mismatches(ex, curves, lambda idx: [i for i in idx if s(ex[i]["platform"]) == "bare"][0],
                              equal_nan=True)
    for p in plats:
        if s(p["kind"]) == "vm":
            if not s(p["runtime_version"]).startswith("ssh to 127.0.0.1"):
                fails.append(f"platform {s(p['name'])}: runtime_version {s(p['runtime_version'])!r}")
            want = "transfer copy" if s(p["name"]) == "vm-copy" else "transfer shared"
            if want not in s(p["detail"]):
                fails.append(f"platform {s(p['name'])}: detail {s(p['detail'])!r} lacks {want!r}")
    print("platforms:")
    for p in plats:
        print(f"  {s(p['name']):10s} {s(p['runtime_version'])[:70]:70s} {s(p['detail'])[:60]}")
    print("experiments (seconds):")
    for r in ex:
        print(f"  {r['id']:2d} {s(r['platform']):10s} test {r['test']} {s(r['status']):6s} wall {r['wall_s']:7.2f}"
              f"  startup {r['startup_s']:6.2f}  workload {r['workload_s']:6.2f}  teardown {r['teardown_s']:5.2f}"
              f"  final_error {r['final_error']:.6f}")
    med = {}
    for n in names:
        rr = [r for r in ex if s(r["platform"]) == n]
        med[n] = {k: statistics.median(float(r[k]) for r in rr) for k in ("startup_s", "workload_s", "teardown_s")}
    print("medians:")
    for n in names:
        m = med[n]
        ratio = m["workload_s"] / med["bare"]["workload_s"] if med.get("bare") else float("nan")
        print(f"  {n:10s} startup {m['startup_s']:6.2f}  workload {m['workload_s']:6.2f} ({ratio:5.1f}x bare)"
              f"  teardown {m['teardown_s']:5.2f}")
    return fails


def failures(path):
    fails = []
    want = {"badkey": "key refused", "down": "host down", "hung": "timeout"}
    with h5py.File(path, "r") as f:
        ex = f["experiments"][()]
    seen = set()
    for r in ex:
        n, err = s(r["platform"]), s(r["error"])
        print(f"  {r['id']:2d} {n:8s} {s(r['status']):8s} {err}")
        seen.add(n)
        if s(r["status"]) == "done":
            fails.append(f"{n}: done although the VM node cannot be reached")
        if want.get(n, "?") not in err:
            fails.append(f"{n}: error {err!r} does not say {want.get(n)!r}")
    if seen != set(want):
        fails.append(f"platforms {sorted(seen)}")
    return fails


def main():
    return finish(runs(sys.argv[1]) if sys.argv[2] == "runs" else failures(sys.argv[1]))


if __name__ == "__main__":
    sys.exit(main())
