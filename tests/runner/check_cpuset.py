#!/usr/bin/python3
"""Checks the CPU placement columns of a results file (issue 18), read with h5py alone.

usage: check_cpuset.py RESULTS.h5 MODE
  disjoint      every done row has a CPU list, threads == cpus_seen == CPUs of the list, not
                oversubscribed; rows that overlapped on a host (co-runners) have disjoint lists;
                the co-runner relation is symmetric and matches the rows' own start/end times
  oversubscribed every done row is flagged oversubscribed
  exclusive     no two rows of one host overlap in time; no row has co-runners
Exit 0 when the file passes, 1 with the reasons otherwise.
"""
import os
import sys

import h5py

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pbcheck import cpus, s  # noqa: E402


def main():
    path, mode = sys.argv[1], sys.argv[2]
    with h5py.File(path, "r") as f:
        rows = f["experiments"][:]
    done = [r for r in rows if s(r["status"]) == "done"]
    bad = []
    if not done:
        bad.append("no done rows")
    co = {int(r["id"]): set(int(x) for x in s(r["corunners"]).split(",") if x) for r in done}
    by_id = {int(r["id"]): r for r in done}
    for r in done:
        i = int(r["id"])
        lst = s(r["cpu_list"])
        if mode == "disjoint":
            n = len(cpus(lst))
            if not lst or r["threads"] != n or r["cpus_seen"] != n or r["oversubscribed"] != 0:
                bad.append(f"e{i}: cpu_list {lst!r} threads {r['threads']} cpus_seen {r['cpus_seen']} "
                           f"oversubscribed {r['oversubscribed']} (expected the list's size and 0)")
            for j in co[i]:
                if j in by_id and cpus(lst) & cpus(s(by_id[j]["cpu_list"])):
                    bad.append(f"e{i} ({lst}) and its co-runner e{j} ({s(by_id[j]['cpu_list'])}) share CPUs")
                if j in co and i not in co[j]:
                    bad.append(f"co-runners not symmetric: e{i} lists e{j}, e{j} lists {sorted(co[j])}")
            for j, o in by_id.items():  # overlapping by the rows' own times -> must be listed
                if j != i and s(o["host"]) == s(r["host"]) and o["start_unix"] < r["end_unix"] - 0.05 \
                        and o["end_unix"] > r["start_unix"] + 0.05 and j not in co[i]:
                    bad.append(f"e{i} [{r['start_unix']:.3f}, {r['end_unix']:.3f}] overlaps e{j} "
                               f"[{o['start_unix']:.3f}, {o['end_unix']:.3f}] but does not list it")
        elif mode == "oversubscribed":
            if r["oversubscribed"] != 1:
                bad.append(f"e{i}: oversubscribed {r['oversubscribed']}, expected 1")
        elif mode == "exclusive":
            if co[i]:
                bad.append(f"e{i}: co-runners {sorted(co[i])} in exclusive mode")
            for j, o in by_id.items():
                if j != i and s(o["host"]) == s(r["host"]) and o["start_unix"] < r["end_unix"] \
                        and o["end_unix"] > r["start_unix"]:
                    bad.append(f"e{i} and e{j} overlap on {s(r['host'])} in exclusive mode")
        else:
            bad.append(f"unknown mode {mode}")
            break
    for b in bad:
        print("FAIL:", b)
    if not bad:
        print(f"check_cpuset {mode}: {len(done)} done rows ok; co-runners "
              + " ".join(f"e{i}:{','.join(map(str, sorted(c))) or '-'}" for i, c in sorted(co.items())))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
