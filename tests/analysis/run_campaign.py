#!/usr/bin/python3
"""CTest fixture: run a small campaign with the real runner into a fresh results file.

    run_campaign.py MPIEXEC PLATBENCH CONFIG OUT.h5 [RANKS]

Removes OUT.h5 (and its work folders OUT.h5.d) first (a stale file would be resumed, not rewritten), runs
`MPIEXEC -n RANKS PLATBENCH run CONFIG -o OUT.h5` (no shell) with a time limit,
and fails unless the runner exits 0 and the file exists.
"""
import os
import shutil
import subprocess
import sys


def main():
    if len(sys.argv) < 5:
        print(__doc__)
        return 2
    mpiexec, platbench, cfg, out = sys.argv[1:5]
    ranks = sys.argv[5] if len(sys.argv) > 5 else "2"
    for p in (out, out + ".tmp"):
        if os.path.exists(p):
            os.remove(p)
    shutil.rmtree(out + ".d", ignore_errors=True)  # the runner's work folders
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    argv = [mpiexec, "-n", ranks, platbench, "run", cfg, "-o", out]
    print("+ " + " ".join(argv), flush=True)
    try:
        r = subprocess.run(argv, timeout=240)
    except subprocess.TimeoutExpired:
        print("FAIL: campaign did not finish within 240 s")
        return 1
    if r.returncode != 0:
        print(f"FAIL: platbench run exited {r.returncode}")
        return 1
    if not os.path.exists(out):
        print(f"FAIL: platbench run exited 0 but wrote no {out}")
        return 1
    print(f"campaign results in {out} ({os.path.getsize(out)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
