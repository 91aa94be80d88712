#!/usr/bin/python3
"""SYNTHETIC results file for developing and testing the analysis -- NOT a measurement.

Writes an HDF5 file that follows analysis/SCHEMA.md (format "platbench-results",
version 1) field by field, with made-up numbers, so that analysis/ can be developed
and its edge cases tested without running a campaign: a missing bare platform,
pending rows and NaN metrics of a campaign that is still running, failed / skipped /
interrupted rows, a timing outlier, identical or differing accuracies.

Every file it writes says so in its root attributes (campaign_name starts with
"SYNTHETIC", platbench_version is "synthetic", config_text explains it).
The main analysis test builds its file with the real runner instead.

    /usr/bin/python3 tests/analysis/make_fake_results.py OUT.h5 [options]
"""
import argparse
import time

import h5py
import numpy as np

# name, kind, relative speed (training time factor), start-up seconds
KNOWN = {
    "bare": ("bare", 1.00, 0.01),
    "docker": ("docker", 1.03, 0.35),
    "singularity": ("singularity", 1.01, 0.12),
    "vm": ("vm", 13.0, 5.5),
}

EXP_DTYPE = np.dtype([
    ("id", "<i4"), ("platform", "S32"), ("kind", "S16"), ("test", "<i4"), ("seed", "<i8"),
    ("status", "S16"), ("host", "S64"), ("rank", "<i4"), ("attempt", "<i4"),
    ("start_unix", "<f8"), ("end_unix", "<f8"), ("wall_s", "<f8"), ("user_s", "<f8"),
    ("sys_s", "<f8"), ("peak_rss_kb", "<i8"), ("exit_code", "<i4"), ("signal", "<i4"),
    ("startup_s", "<f8"), ("workload_s", "<f8"), ("teardown_s", "<f8"),
    ("launch_overhead_s", "<f8"), ("iterations", "<i4"), ("final_rate", "<f8"),
    ("final_error", "<f8"), ("train_acc", "<f8"), ("val_acc", "<f8"), ("test_acc", "<f8"),
    ("training_time_s", "<f8"), ("load_time_s", "<f8"), ("train_compute_s", "<f8"),
    ("eval_time_s", "<f8"), ("total_time_s", "<f8"), ("cpus_seen", "<i4"),
    ("threads", "<i4"), ("cpu_list", "S128"), ("cpu_source", "S16"), ("oversubscribed", "<i4"),
    ("corunners", "S128"), ("loadavg", "<f8"), ("steal_frac", "<f8"), ("cpu_mhz", "<f8"),
    ("error", "S160"), ("data_version", "<i4"),
])
PLAT_DTYPE = np.dtype([("name", "S32"), ("kind", "S16"), ("hosts", "S128"),
                       ("runtime_version", "S256"), ("image_id", "S256"), ("detail", "S256")])
METRICS = ["train_loss", "train_acc", "val_loss", "val_acc", "lr", "elapsed_s"]
FLOAT_FIELDS = [n for n in EXP_DTYPE.names if EXP_DTYPE[n].kind == "f"]


def pending_row(i):
    """A row as the runner's fill values leave it before the experiment ran."""
    r = np.zeros((), EXP_DTYPE)
    r["id"] = i
    r["status"] = b"pending"
    r["rank"] = -1
    r["exit_code"] = -1
    r["data_version"] = -1
    for f in FLOAT_FIELDS:
        r[f] = np.nan
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--platforms", default="bare,docker,singularity,vm",
                    help="comma-separated names from: " + ", ".join(KNOWN) +
                         " (NAME=KIND also accepted, e.g. bare2=bare)")
    ap.add_argument("--tests", type=int, default=10, help="tests (repetitions) per platform")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--pending", type=int, default=0, help="last K rows left pending (running campaign)")
    ap.add_argument("--state", default="complete", choices=["running", "complete", "interrupted"])
    ap.add_argument("--problems", action="store_true",
                    help="one failed, one skipped, one interrupted, one 'running' row")
    ap.add_argument("--outlier", action="store_true", help="make one run of the 2nd platform 3x slower")
    ap.add_argument("--differ", action="store_true",
                    help="accuracies differ between platforms (default: identical for equal seeds)")
    ap.add_argument("--oversubscribed", type=int, default=0,
                    help="the first K finished runs of the 2nd platform flagged oversubscribed, 4x slower")
    ap.add_argument("--corunners", action="store_true",
                    help="every 2nd finished run had a co-runner on its host (and is 10%% slower)")
    ap.add_argument("--data-versions", default="2",
                    help="stand-in data set versions, comma-separated, given to the tests in turn "
                         "(e.g. 1,2: a data set rewritten between runs; default 2)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    versions = [int(v) for v in a.data_versions.split(",")]

    plats = []
    for item in a.platforms.split(","):
        name, _, kind = item.partition("=")
        kind = kind or KNOWN[name][0]
        _, speed, startup = KNOWN.get(name, KNOWN.get(kind))
        plats.append((name, kind, speed, startup))

    rng = np.random.default_rng(a.seed)
    n = a.tests * len(plats)
    rows = np.zeros(n, EXP_DTYPE)
    cur = {m: np.full((n, a.steps), np.nan) for m in METRICS}
    t0 = 1.7e9
    i = 0
    it = np.arange(1, a.steps + 1)
    for test in range(a.tests):
        for p, (name, kind, speed, startup) in enumerate(plats):
            seed = 1000 + test
            srng = np.random.default_rng(seed + (1 + p) * 7919 * a.differ)
            base = 60.0 * speed
            train_t = base * (1 + 0.02 * rng.standard_normal())
            if a.outlier and p == 1 and test == a.tests // 2:
                train_t *= 3.0
            load = 0.8
            total = load + train_t + 0.3
            su = startup * (1 + 0.1 * rng.random())
            td = 0.02 + 0.05 * rng.random() * (kind != "bare")
            r = np.zeros((), EXP_DTYPE)
            lr = 0.001 * 0.96 ** ((it - 1) // 10)
            tl = 1.4 * np.exp(-it / 30) + 0.05 + 0.05 * srng.random(a.steps)
            ta = np.clip(1 - tl / 1.5 + 0.02 * srng.standard_normal(a.steps), 0, 1)
            vl = tl + 0.05
            va = np.clip(ta - 0.03, 0, 1)
            r["id"] = i
            r["platform"] = name.encode()
            r["kind"] = kind.encode()
            r["test"] = test
            r["seed"] = seed
            r["status"] = b"done"
            r["host"] = b"node%d" % (i % 2 + 1)
            r["rank"] = i % 2
            r["attempt"] = 1
            r["start_unix"] = t0
            r["wall_s"] = su + total + td
            r["end_unix"] = t0 + r["wall_s"]
            r["user_s"] = train_t * 1.9
            r["sys_s"] = 0.4
            r["peak_rss_kb"] = 900000 + int(rng.integers(0, 1000))
            r["exit_code"] = 0
            r["signal"] = 0
            r["startup_s"] = su
            r["workload_s"] = total
            r["teardown_s"] = td
            r["launch_overhead_s"] = r["wall_s"] - total
            r["iterations"] = a.steps
            r["final_rate"] = lr[-1]
            r["final_error"] = tl[-1]
            r["train_acc"] = ta[-1]
            r["val_acc"] = va[-1]
            r["test_acc"] = round(float(va[-1]) * 45) / 45
            r["training_time_s"] = train_t
            r["load_time_s"] = load
            r["train_compute_s"] = train_t * 0.8
            r["eval_time_s"] = train_t * 0.2
            r["total_time_s"] = total
            r["cpus_seen"] = 2
            r["threads"] = 2
            r["cpu_list"] = b"0-1"
            r["cpu_source"] = b"affinity"
            r["oversubscribed"] = 0
            r["loadavg"], r["steal_frac"], r["cpu_mhz"] = 1.0, 0.0, np.nan
            r["data_version"] = versions[test % len(versions)]
            if a.corunners and i % 2:
                r["corunners"] = str(i - 1).encode()
                for f in ("training_time_s", "wall_s"):
                    r[f] *= 1.1
            if a.oversubscribed and p == 1 and test < a.oversubscribed:
                r["oversubscribed"] = 1
                for f in ("training_time_s", "wall_s"):
                    r[f] *= 4
            rows[i] = r
            for m, v in zip(METRICS, [tl, ta, vl, va, lr, np.linspace(train_t / a.steps, train_t, a.steps)]):
                cur[m][i] = v
            t0 += r["wall_s"] + 0.1
            i += 1

    if a.problems and n >= 6:
        k = 1
        rows[k]["status"] = b"failed"
        rows[k]["exit_code"] = 137
        rows[k]["signal"] = 9
        rows[k]["error"] = b"killed by signal 9 after timeout of 3600 s"
        for f in ("final_error", "train_acc", "val_acc", "test_acc", "training_time_s"):
            rows[k][f] = np.nan
        for m in METRICS:
            cur[m][k, a.steps // 2:] = np.nan
        k = 2
        rows[k] = pending_row(k)
        rows[k]["platform"], rows[k]["kind"] = plats[2 % len(plats)][0].encode(), plats[2 % len(plats)][1].encode()
        rows[k]["test"], rows[k]["seed"] = 0, 1000
        rows[k]["status"] = b"skipped"
        rows[k]["error"] = b"platform not available on node1: docker: command not found"
        for m in METRICS:
            cur[m][k] = np.nan
        k = 4
        rows[k]["status"] = b"interrupted"
        rows[k]["exit_code"] = -1
        rows[k]["signal"] = 15
        rows[k]["error"] = b"campaign interrupted (SIGTERM) while running"
        for f in ("final_error", "train_acc", "val_acc", "test_acc", "training_time_s", "wall_s"):
            rows[k][f] = np.nan
        for m in METRICS:
            cur[m][k, 10:] = np.nan
    if a.pending:
        for k in range(n - a.pending, n):
            keep = rows[k][["platform", "kind", "test", "seed"]].copy()
            rows[k] = pending_row(k)
            for f in ("platform", "kind", "test", "seed"):
                rows[k][f] = keep[f]
            for m in METRICS:
                cur[m][k] = np.nan
        if a.state == "running" and n - a.pending >= 0 and a.pending:
            k = n - a.pending
            rows[k]["status"] = b"running"
            rows[k]["rank"] = 0
            rows[k]["host"] = b"node1"
            rows[k]["attempt"] = 1
            rows[k]["start_unix"] = t0

    with h5py.File(a.out, "w") as f:
        f.create_dataset("experiments", data=rows)
        f["experiments"].attrs["description"] = "one row per experiment (SYNTHETIC)"
        g = f.create_group("curves")
        for m in METRICS:
            g.create_dataset(m, data=cur[m], fillvalue=np.nan)
        out = f.create_group("output")
        tails_o = np.array([b"step 100 loss ...\n" for _ in range(n)], dtype="S2048")
        tails_e = np.array([b"PLATBENCH_MARK workload_start\nPLATBENCH_MARK workload_end\n"
                            for _ in range(n)], dtype="S2048")
        if a.problems and n >= 6:
            tails_e[1] = b"PLATBENCH_MARK workload_start\nKilled\n"
        out.create_dataset("stdout_tail", data=tails_o)
        out.create_dataset("stderr_tail", data=tails_e)
        pl = np.zeros(len(plats), PLAT_DTYPE)
        for j, (name, kind, _, _) in enumerate(plats):
            pl[j] = (name.encode(), kind.encode(), b"", b"synthetic " + kind.encode(), b"", b"")
        f.create_dataset("platforms", data=pl)
        at = f.attrs
        at["format"] = np.bytes_(b"platbench-results")  # fixed-length, as a C writer would
        at["format_version"] = np.int32(1)
        at["campaign_name"] = "SYNTHETIC schema-conformant file for developing the analysis"
        at["config_file"] = "(none: tests/analysis/make_fake_results.py)"
        at["config_text"] = "# SYNTHETIC: made-up numbers written by tests/analysis/make_fake_results.py\n"
        at["config_hash"] = "synthetic"
        at["platbench_version"] = "synthetic"
        at["git_commit"] = "synthetic"
        at["created_unix"] = 1.7e9
        at["updated_unix"] = float(time.time())
        at["state"] = np.bytes_(a.state.encode())
        at["n_experiments"] = np.int32(n)
        at["steps"] = np.int32(a.steps)
        at["hostnames"] = "node1,node2"
        at["cpu_model"] = "synthetic CPU"
        at["kernel"] = "synthetic"
        at["mpi_version"] = "synthetic"
        at["hdf5_version"] = h5py.version.hdf5_version
        at["openblas_version"] = "synthetic"
        at["mpi_ranks"] = np.int32(2)
    print(f"wrote SYNTHETIC results file {a.out}: {n} experiments, {len(plats)} platforms")


if __name__ == "__main__":
    main()
