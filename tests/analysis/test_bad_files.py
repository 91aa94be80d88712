#!/usr/bin/python3
"""report.py on files that are not platbench results files must exit 2 with a clear
message naming the file and what was expected, and no traceback:
a truncated HDF5 results file (read as far as it goes: a "damaged: file truncated" line;
tests/analysis/test_damaged_files.py covers damage in depth), a foreign HDF5 file (no `format` attribute), a
workload result file (format "platbench-cnn-result"), a text file, an empty file,
a missing file.

    test_bad_files.py WORKDIR
"""
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "..", "..", "analysis", "report.py")
PY = "/usr/bin/python3"


def main():
    w = sys.argv[1]
    shutil.rmtree(w, ignore_errors=True)
    os.makedirs(w)
    good = os.path.join(w, "good.h5")
    subprocess.run([PY, os.path.join(HERE, "make_fake_results.py"), good, "--tests", "3"], check=True)
    cases = {}
    data = open(good, "rb").read()
    for frac in (0.5, 0.05):
        p = os.path.join(w, f"truncated{int(frac * 100)}.h5")
        open(p, "wb").write(data[:int(len(data) * frac)])
        cases[p] = ("damaged: file truncated", "bytes its superblock records")  # read as far as it goes
    p = os.path.join(w, "foreign.h5")
    with h5py.File(p, "w") as f:
        f["x"] = np.arange(10)
        f.attrs["title"] = "some other program's file"
    cases[p] = ("format", "platbench-results")
    p = os.path.join(w, "cnn-result.h5")
    with h5py.File(p, "w") as f:
        f.attrs["format"] = "platbench-cnn-result"
    cases[p] = ("platbench-cnn-result", "platbench-results")
    p = os.path.join(w, "text.h5")
    open(p, "w").write("this is not HDF5\n" * 50)
    cases[p] = ("not an HDF5 file", "platbench-results")
    p = os.path.join(w, "empty.h5")
    open(p, "wb").close()
    cases[p] = ("empty", "platbench-results")
    cases[os.path.join(w, "missing.h5")] = ("no such file", "platbench-results")
    # a sanity check that the good file is accepted, so the failures below mean something
    sys.path.insert(0, os.path.join(HERE, "..", "..", "analysis"))
    import platbench_analysis as pa
    if len(pa.load_experiments(good)) != 12:
        print("FAIL: the good file does not read back")
        return 1
    failed = 0
    for path, words in cases.items():
        r = subprocess.run([PY, REPORT, path, "--out", os.path.join(w, "rep-bad")],
                           capture_output=True, text=True)
        msg = r.stderr.strip()
        print(f"{os.path.basename(path)}: exit {r.returncode}: {msg}")
        problems = []
        if r.returncode != 2:
            problems.append(f"exit {r.returncode}, expected 2")
        if "Traceback" in r.stderr + r.stdout:
            problems.append("printed a traceback")
        if path not in msg:
            problems.append("message does not name the file")
        for wd in words:
            if wd not in msg:
                problems.append(f"message lacks {wd!r}")
        if problems:
            failed += 1
            print("  FAIL: " + "; ".join(problems))
    if failed:
        print(f"FAIL: {failed} of {len(cases)} bad files handled wrongly")
        return 1
    print(f"PASS: {len(cases)} bad files rejected with exit 2 and a clear message")
    return 0


if __name__ == "__main__":
    sys.exit(main())
