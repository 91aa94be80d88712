#!/usr/bin/python3
"""Damaged copies of a results file written by the real runner, given to every reader of
results files: `platbench status`, `platbench report` and analysis/report.py.

Copies: truncated at several offsets (inside the /experiments rows, and at 30 %, 70 %,
95 % of the file), 20 copies with 8 bytes each flipped at random (fixed seed), all zeros.
Each reader must, on each copy:
  - never crash (no signal, no exit status other than 0 or 2) and never print a Python
    traceback or HDF5's own error stack ("HDF5-DIAG");
  - exit 2 with one line per damaged object ("<reader>: FILE: damaged: ...", each naming
    the file, their count stated in a last summary line), or, for a file it cannot read at
    all, one error line naming the file; exit 0 only when it found nothing damaged (a flip
    in raw data, which HDF5 cannot detect);
  - for a truncated copy: always exit 2, and show the experiment rows before the cut
    (status counts them; report.py's experiments.csv has them).
--tamper runs one check against HDF5's printed stack to prove the check can fail.

    test_damaged_files.py PLATBENCH RESULTS.h5 WORKDIR [--tamper]      (about 2 min on 2 busy cores)
"""
import concurrent.futures
import os
import random
import re
import shutil
import subprocess
import sys

import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "..", "..", "analysis", "report.py")
PY = "/usr/bin/python3"


def readers(platbench, path, w):
    return {
        "platbench status": [platbench, "status", path],
        "platbench report": [platbench, "report", path],
        "report.py": [PY, REPORT, path, "--out", os.path.join(w, "rep"), "--resamples", "100"],
    }


def judge(name, path, r, must_fail):
    """Problems with one reader's run on one damaged copy (empty list: fine)."""
    out, err = r.stdout, r.stderr
    p = []
    if r.returncode not in (0, 2):
        p.append(f"exit {r.returncode} (a crash or an unexpected status), expected 2")
    if "Traceback" in out + err:
        p.append("printed a Python traceback")
    if "HDF5-DIAG" in out + err or re.search(r"#\d{3}: ", err):
        p.append("printed HDF5's error stack")
    lines = [ln for ln in err.splitlines() if ln.strip()]
    prefix = "report.py" if name == "report.py" else "platbench"
    if r.returncode == 0:
        if must_fail:
            p.append("exit 0 on a truncated copy")
        if any("damaged" in ln for ln in lines):
            p.append("exit 0 but reported damage")
        return p
    dam = [ln for ln in lines if ln.startswith(f"{prefix}: {path}: damaged: ")]
    if dam:
        m = re.search(r": (\d+) damaged objects?;", lines[-1])
        if not m or int(m.group(1)) != len(dam):
            p.append(f"{len(dam)} damaged lines but the last line says {lines[-1]!r}")
        other = [ln for ln in lines if ln not in dam and ln != lines[-1] and "not enough for a full report" not in ln]
        if other:
            p.append(f"lines that are neither damage nor summary: {other[:2]}")
    elif len(lines) != 1 or path not in lines[0]:
        p.append(f"expected one error line naming the file, got {lines[:3]}")
    return p


def main():
    platbench, good, w = sys.argv[1:4]
    tamper = "--tamper" in sys.argv
    shutil.rmtree(w, ignore_errors=True)
    os.makedirs(w)
    data = open(good, "rb").read()
    with h5py.File(good, "r") as f:
        ds = f["experiments"]
        rows_at, row_size, n_rows = ds.id.get_offset(), ds.dtype.itemsize, ds.shape[0]
    copies = {}  # name -> (bytes, must_fail, rows expected to be shown or None)
    cut = rows_at + row_size * (n_rows // 2) + row_size // 3  # inside row n/2
    copies["cut-in-rows"] = (data[:cut], True, n_rows // 2)
    for frac in (0.3, 0.7, 0.95):
        k = int(len(data) * frac)
        copies[f"cut{int(frac * 100)}"] = (data[:k], True, n_rows if k >= rows_at + row_size * n_rows else None)
    rnd = random.Random(20261130)
    for i in range(20):
        b = bytearray(data)
        for _ in range(8):
            b[rnd.randrange(len(b))] ^= 1 << rnd.randrange(8)
        copies[f"flip{i:02d}"] = (bytes(b), False, None)
    copies["zeros"] = (bytes(len(data)), True, None)

    def run_copy(item):  # all three readers on one copy; returns (log lines, failures, statuses)
        cname, (b, must_fail, rows) = item
        path = os.path.join(w, cname + ".h5")
        open(path, "wb").write(b)
        log, bad, codes = [], 0, []
        for rname, argv in readers(platbench, path, os.path.join(w, cname + "-rep")).items():
            r = subprocess.run(argv, capture_output=True, text=True, timeout=300)
            p = judge(rname, path, r, must_fail)
            codes.append(r.returncode)
            head = (r.stdout.splitlines() or [""])[0]
            if rows is not None and rname == "platbench status" and f", {rows} experiments" not in head:
                p.append(f"status does not show the {rows} rows before the cut: {head!r}")
            if rows is not None and rname == "report.py":
                csv = os.path.join(w, cname + "-rep", "rep", "experiments.csv")
                got = sum(1 for _ in open(csv)) - 1 if os.path.exists(csv) else -1
                if got != rows:
                    p.append(f"experiments.csv has {got} rows, expected the {rows} before the cut")
            first = (r.stderr.strip().splitlines() or [""])[0]
            log.append(f"{cname:12s} {rname:17s} exit {r.returncode} {len(r.stderr.splitlines())} lines  {first[:150]}")
            if p:
                bad += 1
                log.append("  FAIL: " + "; ".join(p))
        return log, bad, codes

    failed, stats = 0, {"exit2": 0, "exit0": 0}
    with concurrent.futures.ThreadPoolExecutor(2) as pool:  # the readers are separate processes
        for log, bad, codes in pool.map(run_copy, copies.items()):
            print("\n".join(log), flush=True)
            failed += bad
            for c in codes:
                stats["exit2" if c == 2 else "exit0"] += 1
    if tamper:  # the checks must catch HDF5's printed stack
        fake = subprocess.CompletedProcess([], 2, "", "HDF5-DIAG: Error detected in HDF5 (1.10.8) thread 0:\n"
                                           "  #000: H5A.c line 1 in H5Aexists(): x\n")
        if not judge("platbench status", "x.h5", fake, True):
            print("FAIL: --tamper: HDF5's printed stack was not caught")
            failed += 1
        else:
            print("ok: --tamper: HDF5's printed stack is caught")
    print(f"{len(copies)} damaged copies x 3 readers: {stats['exit2']} exit 2, {stats['exit0']} exit 0 "
          "(damage HDF5 cannot see: flipped raw data)")
    if failed:
        print(f"FAIL: {failed} reader runs handled a damaged file wrongly")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
