#!/usr/bin/python3
"""Run analysis/report.py on a results file and check the report independently.

    test_report.py --workdir DIR (--fake "MAKE_FAKE_ARGS" | --results FILE)
                   [--expect-figures N] [--tamper]

--fake builds a SYNTHETIC schema-conformant file with make_fake_results.py first.
--tamper additionally changes one number in a copy of the report and requires
check_report.py to notice it (proves the check can fail).
"""
import argparse
import os
import shlex
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "..", "..", "analysis", "report.py")
PY = "/usr/bin/python3"


def run(argv, what):
    print("+ " + " ".join(shlex.quote(x) for x in argv), flush=True)
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    print(p.stdout, end="", flush=True)
    if "Traceback" in p.stdout:
        print(f"FAIL: {what} printed a traceback")
        sys.exit(1)
    return p.returncode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--fake")
    ap.add_argument("--results")
    ap.add_argument("--expect-figures", type=int)
    ap.add_argument("--tamper", action="store_true")
    a = ap.parse_args()
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    res = a.results
    if a.fake is not None:
        res = os.path.join(a.workdir, "synthetic.h5")
        if run([PY, os.path.join(HERE, "make_fake_results.py"), res] + shlex.split(a.fake), "make_fake"):
            print("FAIL: make_fake_results.py failed")
            return 1
    if not res or not os.path.exists(res):
        print(f"FAIL: no results file {res!r} (did the campaign fixture run?)")
        return 1
    out = os.path.join(a.workdir, "report")
    rc = run([PY, REPORT, res, "--out", out], "report.py")
    if rc != 0:
        print(f"FAIL: report.py exited {rc}")
        return 1
    chk = [PY, os.path.join(HERE, "check_report.py"), res, out]
    if a.expect_figures is not None:
        chk += ["--expect-figures", str(a.expect_figures)]
    if run(chk, "check_report.py") != 0:
        print("FAIL: report does not match the results file")
        return 1
    if a.tamper:
        t = os.path.join(a.workdir, "tampered")
        shutil.copytree(out, t)
        p = os.path.join(t, "time_summary.csv")
        lines = open(p).read().splitlines()
        hdr = lines[0].split(",")
        row = lines[1].split(",")
        j = hdr.index("median")
        row[j] = repr(float(row[j]) * 1.001 + 1e-6)
        lines[1] = ",".join(row)
        open(p, "w").write("\n".join(lines) + "\n")
        if run(chk[:3] + [t], "check_report.py (tampered)") == 0:
            print("FAIL: check_report.py did not notice a changed median")
            return 1
        print("tampered report correctly rejected")
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
