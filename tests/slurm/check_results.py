#!/usr/bin/python3
"""check_results.py: assertions on a platbench results file (analysis/SCHEMA.md) for
the Slurm tests. Exits 1 with a message naming the row and field on the first failure.

  check_results.py wait FILE --done N [--running M] [--timeout S]
      wait until >= N rows are done and >= M running (file read while being written)
  check_results.py snapshot FILE OUT.json
      record the done rows (times, host, rank, attempt, values) for a later --unchanged
  check_results.py check FILE [--n N] [--state S] [--all-done] [--min-interrupted K]
                         [--min-done K] [--unchanged SNAP.json] [--cnn]
                         [--slurm-job J --node NODE --partition P --ntasks T]
"""
import argparse
import json
import math
import os
import sys
import time

import h5py

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pbcheck import attr, open_results, rows  # noqa: E402


def die(msg):
    print("check_results: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def open_file(path):
    return open_results(path, die)


KEEP = ("status", "host", "rank", "attempt", "start_unix", "end_unix", "wall_s", "exit_code",
        "iterations", "final_error", "test_acc", "training_time_s")


def cmd_wait(a):
    t0 = time.time()
    last = ""
    while time.time() - t0 < a.timeout:
        try:
            with h5py.File(a.file, "r") as f:
                st = [r["status"] for r in rows(f)]
            last = "%d done, %d running of %d" % (st.count("done"), st.count("running"), len(st))
            if st.count("done") >= a.done and st.count("running") >= a.running:
                print(last)
                return
        except (OSError, KeyError):
            last = "file not readable yet"
        time.sleep(0.3)
    die("waited %.0f s for %d done and %d running rows in %s; last: %s"
        % (a.timeout, a.done, a.running, a.file, last))


def cmd_snapshot(a):
    with open_file(a.file) as f:
        snap = {str(r["id"]): {k: r.get(k) for k in KEEP} for r in rows(f) if r["status"] == "done"}
    with open(a.out, "w") as o:
        json.dump(snap, o, indent=1)
    print("snapshot: %d done rows" % len(snap))


def same(x, y):
    if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
        return True
    return x == y


def cmd_check(a):
    with open_file(a.file) as f:
        if attr(f, "format") != "platbench-results":
            die("format attribute is %r" % attr(f, "format"))
        rs = rows(f)
        n = len(rs)
        st = [r["status"] for r in rs]
        summary = ", ".join("%d %s" % (st.count(k), k) for k in sorted(set(st)))
        print("%s: %d experiments: %s; state %s" % (a.file, n, summary, attr(f, "state")))
        if a.n is not None and n != a.n:
            die("expected %d experiments, found %d" % (a.n, n))
        if attr(f, "n_experiments") not in (None, n):
            die("n_experiments attribute %r != %d rows" % (attr(f, "n_experiments"), n))
        ids = [r["id"] for r in rs]
        if ids != list(range(n)):
            die("ids are not 0..%d in order: %s" % (n - 1, ids))
        if a.state and attr(f, "state") != a.state:
            die("state attribute is %r, expected %r" % (attr(f, "state"), a.state))
        for r in rs:
            if r["status"] == "failed" and a.no_failed:
                die("row %d recorded 'failed' (%s); a stopped campaign must record in-flight experiments "
                    "as 'interrupted' so a resume runs them again" % (r["id"], r["error"]))
            if r["status"] == "running":
                die("row %d still 'running' after the job ended (not recorded as interrupted)" % r["id"])
            if r["status"] != "done":
                continue
            where = "row %d" % r["id"]
            if r["exit_code"] != 0 or r["signal"] != 0:
                die("%s done but exit_code %r signal %r" % (where, r["exit_code"], r["signal"]))
            if not (r["wall_s"] > 0 and r["end_unix"] >= r["start_unix"] > 0):
                die("%s done but times wall_s=%r start=%r end=%r" % (where, r["wall_s"], r["start_unix"], r["end_unix"]))
            if r["rank"] < 0 or not r["host"]:
                die("%s done but rank %r host %r" % (where, r["rank"], r["host"]))
            if a.node and r["host"].split(".")[0] != a.node:
                die("%s ran on host %r, expected node %r" % (where, r["host"], a.node))
            if a.cnn:
                if r["iterations"] < 1 or not (0.0 <= r["test_acc"] <= 1.0) or not math.isfinite(r["final_error"]):
                    die("%s: CNN values missing: iterations %r test_acc %r final_error %r"
                        % (where, r["iterations"], r["test_acc"], r["final_error"]))
                loss = f["curves/train_loss"][r["id"], :]
                if not all(math.isfinite(x) for x in loss[: r["iterations"]]):
                    die("%s: /curves/train_loss has NaN in the first %d steps" % (where, r["iterations"]))
        if a.all_done and st.count("done") != n:
            die("expected every experiment done exactly once, got: %s" % summary)
        if a.all_done:
            # done exactly once: the first successful attempt is kept, none ran twice
            # (attempt counts launches; a clean campaign needs one each).
            for r in rs:
                if a.first_attempt and r["attempt"] != 1:
                    die("row %d done at attempt %d, expected 1" % (r["id"], r["attempt"]))
        if st.count("interrupted") < a.min_interrupted:
            die("expected >= %d interrupted rows, got: %s" % (a.min_interrupted, summary))
        if st.count("done") < a.min_done:
            die("expected >= %d done rows, got: %s" % (a.min_done, summary))
        if a.unchanged:
            with open(a.unchanged) as fp:
                snap = json.load(fp)
            for i, old in snap.items():
                new = {k: rs[int(i)].get(k) for k in KEEP}
                for k in KEEP:
                    if not same(old[k], new[k]):
                        die("row %s was done before and changed: %s %r -> %r (ran again or was overwritten)"
                            % (i, k, old[k], new[k]))
            print("%d rows done before are unchanged" % len(snap))
        if a.slurm_job:
            want = {"slurm_job_id": a.slurm_job, "slurm_nodelist": a.node,
                    "slurm_partition": a.partition, "slurm_ntasks": a.ntasks}
            for k, v in want.items():
                got = attr(f, k)
                if got is None:
                    die("attribute %s missing (runner under Slurm must record it)" % k)
                if str(got) != str(v):
                    die("attribute %s is %r, expected %r" % (k, got, v))
            for k in ("slurm_step_id", "slurm_time_limit", "mpi_ranks"):
                if attr(f, k) is None:
                    die("attribute %s missing" % k)
            print("Slurm provenance: " + ", ".join("%s=%s" % (k, attr(f, k)) for k in sorted(f.attrs) if k.startswith("slurm_")))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("wait")
    w.add_argument("file")
    w.add_argument("--done", type=int, default=1)
    w.add_argument("--running", type=int, default=0)
    w.add_argument("--timeout", type=float, default=60)
    sn = sub.add_parser("snapshot")
    sn.add_argument("file")
    sn.add_argument("out")
    c = sub.add_parser("check")
    c.add_argument("file")
    c.add_argument("--n", type=int)
    c.add_argument("--state")
    c.add_argument("--all-done", action="store_true")
    c.add_argument("--first-attempt", action="store_true")
    c.add_argument("--min-interrupted", type=int, default=0)
    c.add_argument("--min-done", type=int, default=0)
    c.add_argument("--unchanged")
    c.add_argument("--no-failed", action="store_true")
    c.add_argument("--cnn", action="store_true")
    c.add_argument("--slurm-job")
    c.add_argument("--node")
    c.add_argument("--partition")
    c.add_argument("--ntasks")
    a = p.parse_args()
    {"wait": cmd_wait, "snapshot": cmd_snapshot, "check": cmd_check}[a.cmd](a)


if __name__ == "__main__":
    main()
