#!/usr/bin/python3
"""report.py on the file of a campaign that is still running, then interrupted.

    test_running_campaign.py MPIEXEC PLATBENCH CONFIG WORKDIR

Starts `MPIEXEC -n 2 PLATBENCH run CONFIG -o WORKDIR/running.h5` in the background,
waits until the file holds at least one finished experiment while others are still
to run, and runs report.py on it while the runner holds it open: it must exit 0,
report the campaign state "running" and count the missing experiments. Then the
runner is stopped with SIGTERM (it records in-flight experiments as interrupted),
and report.py must analyse the interrupted file; check_report.py verifies the
numbers against the file.
"""
import os
import shutil
import signal
import subprocess
import sys
import time

os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")
import h5py  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "..", "..", "analysis", "report.py")
PY = "/usr/bin/python3"


def status_counts(path):
    try:
        with h5py.File(path, "r") as f:
            st = [s.decode().rstrip("\0") for s in f["experiments"]["status"]]
            state = f.attrs["state"]
            state = state.decode() if isinstance(state, bytes) else str(state)
            return st, state
    except (OSError, KeyError):
        return None, None


def main():
    mpiexec, platbench, cfg, w = sys.argv[1:5]
    shutil.rmtree(w, ignore_errors=True)
    os.makedirs(w)
    res = os.path.join(w, "running.h5")
    runner = subprocess.Popen([mpiexec, "-n", "2", platbench, "run", cfg, "-o", res],
                              stdout=open(os.path.join(w, "runner.log"), "w"), stderr=subprocess.STDOUT)
    try:
        t0 = time.time()
        caught = False
        while time.time() - t0 < 180 and runner.poll() is None:
            st, state = status_counts(res)
            if st and st.count("done") >= 1 and st.count("done") < len(st) and state == "running":
                caught = True
                break
            time.sleep(0.2)
        if not caught:
            print("FAIL: never saw the campaign running with finished and unfinished experiments "
                  f"(runner exit {runner.poll()}); see {w}/runner.log")
            return 1
        r = subprocess.run([PY, REPORT, res, "--out", os.path.join(w, "report-running")],
                           capture_output=True, text=True, timeout=180)
        print(r.stdout + r.stderr)
        if r.returncode != 0 or "Traceback" in r.stderr:
            print(f"FAIL: report.py on a running campaign exited {r.returncode}")
            return 1
        if "state running" not in r.stdout or "not yet measured" not in r.stdout:
            print("FAIL: report.py did not say the campaign is running and what is missing")
            return 1
    finally:
        if runner.poll() is None:
            runner.send_signal(signal.SIGTERM)  # mpiexec forwards it to the ranks
        try:
            runner.wait(timeout=60)
        except subprocess.TimeoutExpired:
            runner.kill()
            runner.wait()
    print(f"runner exit status after SIGTERM: {runner.returncode} (3 = interrupted, 0 = had finished)")
    st, state = status_counts(res)
    print(f"file state after the runner stopped: {state}; statuses {sorted(set(st or []))}")
    out = os.path.join(w, "report-stopped")
    r = subprocess.run([PY, REPORT, res, "--out", out], capture_output=True, text=True, timeout=180)
    print(r.stdout + r.stderr)
    if r.returncode != 0:
        print(f"FAIL: report.py on the stopped campaign exited {r.returncode}")
        return 1
    r = subprocess.run([PY, os.path.join(HERE, "check_report.py"), res, out], timeout=180)
    if r.returncode != 0:
        print("FAIL: the report of the stopped campaign does not match its file")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
