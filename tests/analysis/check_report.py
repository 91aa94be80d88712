#!/usr/bin/python3
"""Check a report folder written by analysis/report.py against its results file.

Every number checked here is recomputed from the HDF5 file with plain h5py, numpy
and scipy -- deliberately NOT through analysis/platbench_analysis.py -- so that a
bug in the module shows up as a mismatch:

  - every expected PNG exists and decodes, every CSV parses, index.html shows them;
  - completeness.csv: status counts per platform;
  - best_runs.csv: the best run of each platform (highest test_acc, then shortest
    training_time_s, then lowest id) and all its numbers;
  - time_summary.csv: n and median of wall_s / training_time_s per platform, and
    ci_low <= median <= ci_high;
  - overhead_vs_bare.csv: ratio = median / median of the first bare platform;
  - phases.csv: medians of startup_s / workload_s / teardown_s;
  - accuracy_test.csv: Kruskal-Wallis p-value of test_acc (or "identical");
  - outliers.csv: the runs with |modified z| > 3.5;
  - problems.csv: the failed / skipped / interrupted ids;
  - report.md shows every figure; MIXED DATA VERSIONS is flagged (index.html, report.md)
    exactly when the finished runs trained on more than one data set version.

    check_report.py RESULTS.h5 REPORT_DIR [--expect-figures N]
Exit status 0 when everything matches, 1 with a list of mismatches otherwise.
"""
import argparse
import csv
import math
import os
import sys

os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")
import h5py  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pbcheck import s as dec  # noqa: E402

FAIL = []


def bad(msg):
    FAIL.append(msg)
    print("MISMATCH: " + msg)


def close(a, b, what, rel=1e-9):
    a, b = float(a), float(b)
    if math.isnan(a) and math.isnan(b):
        return
    if not (abs(a - b) <= rel * max(1.0, abs(a), abs(b))):
        bad(f"{what}: report {a!r}, independent {b!r}")


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return rows


def num(s):
    return float(s) if s not in ("", None) else float("nan")


def png_ok(path):
    with open(path, "rb") as fh:
        head = fh.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return "not a PNG"
    w, h = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    if w < 300 or h < 200:
        return f"too small ({w}x{h})"
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    img = mpimg.imread(path)
    if img.ndim != 3 or float(np.std(img)) == 0.0:
        return "blank image"
    return None


def modz(x):
    med = np.median(x)
    mad = np.median(np.abs(x - med))
    if mad > 0:
        return 0.6745 * (x - med) / mad
    mean_ad = np.mean(np.abs(x - med))
    return (x - med) / (1.253314 * mean_ad) if mean_ad > 0 else np.zeros_like(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("report")
    ap.add_argument("--expect-figures", type=int, default=None)
    a = ap.parse_args()
    R = a.report

    with h5py.File(a.results, "r") as f:
        e = f["experiments"][()]
        plat_tab = [dec(x) for x in f["platforms"]["name"]] if "platforms" in f else []
        kinds = dict(zip(plat_tab, [dec(x) for x in f["platforms"]["kind"]])) if plat_tab else {}
    platform = np.array([dec(x) for x in e["platform"]])
    status = np.array([dec(x).strip().lower() or "pending" for x in e["status"]])
    names = [p for p in plat_tab if p in set(platform)] + \
        [p for p in dict.fromkeys(platform) if p and p not in plat_tab]
    for p, k in zip(platform, e["kind"]):
        kinds.setdefault(p, dec(k))
    done = status == "done"
    names_e = e.dtype.names
    over = (e["oversubscribed"] == 1) if "oversubscribed" in names_e else np.zeros(len(e), bool)
    corun = np.array([dec(x).strip() != "" for x in e["corunners"]]) if "corunners" in names_e \
        else np.zeros(len(e), bool)
    print(f"{a.results}: {len(e)} experiments, platforms {names}, {done.sum()} done")

    # ---- files
    figs = sorted(x for x in os.listdir(R) if x.endswith(".png"))
    print(f"figures: {figs}")
    if a.expect_figures is not None and len(figs) != a.expect_figures:
        bad(f"expected {a.expect_figures} figures, found {len(figs)}")
    html = open(os.path.join(R, "index.html"), encoding="utf-8").read()
    for x in figs:
        err = png_ok(os.path.join(R, x))
        if err:
            bad(f"{x}: {err}")
        if f"src='{x}'" not in html:
            bad(f"index.html does not show {x}")
    # ---- report.md shows every figure; a mix of data set versions among the finished runs is
    # flagged in both documents, a single version is not
    md = ""
    if os.path.exists(os.path.join(R, "report.md")):
        md = open(os.path.join(R, "report.md"), encoding="utf-8").read()
    else:
        bad("missing report.md")
    for x in figs:
        if f"]({x})" not in md:
            bad(f"report.md does not show {x}")
    vers = {int(v) for v in e["data_version"][done]} if "data_version" in names_e else set()
    for doc, text in (("index.html", html), ("report.md", md)):
        if ("MIXED DATA VERSIONS" in text) != (len(vers) > 1):
            bad(f"{doc}: finished runs trained on data versions {sorted(vers)}, but the mix is "
                f"{'not ' if len(vers) > 1 else ''}flagged")
    need = ["completeness", "best_runs", "time_summary", "timing_conditions", "phases", "identity", "accuracy_test",
            "outliers", "problems", "platforms", "experiments"]
    bare = [p for p in names if kinds.get(p) == "bare" and (done & (platform == p)).any()]
    if bare:
        need.append("overhead_vs_bare")
    elif os.path.exists(os.path.join(R, "overhead_vs_bare.csv")):
        bad("overhead_vs_bare.csv written although there is no bare platform with finished runs")
    elif "No platform of kind <b>bare</b>" not in html:
        bad("index.html does not say that there is no bare platform")
    tabs = {}
    for t in need:
        p = os.path.join(R, t + ".csv")
        if not os.path.exists(p):
            bad(f"missing table {t}.csv")
            continue
        tabs[t] = read_csv(p)
        if f"{t}.csv" not in html:
            bad(f"index.html does not link {t}.csv")
    if len(tabs.get("experiments", [])) != len(e):
        bad(f"experiments.csv has {len(tabs.get('experiments', []))} rows, file has {len(e)}")

    # ---- completeness
    comp = {r["platform"]: r for r in tabs.get("completeness", [])}
    for p in names:
        for s in ("done", "failed", "interrupted", "skipped", "running", "pending"):
            n = int(((platform == p) & (status == s)).sum())
            if p not in comp or int(comp[p][s]) != n:
                bad(f"completeness {p} {s}: report {comp.get(p, {}).get(s)}, independent {n}")

    # ---- best runs
    best = {r["platform"]: r for r in tabs.get("best_runs", [])}
    for p in names:
        idx = np.where((platform == p) & done & np.isfinite(e["test_acc"]))[0]
        if not len(idx):
            if p in best:
                bad(f"best run listed for {p} which has no finished run")
            continue
        tt = np.where(np.isfinite(e["training_time_s"][idx]), e["training_time_s"][idx], np.inf)
        order = sorted(range(len(idx)), key=lambda j: (-e["test_acc"][idx[j]], tt[j], e["id"][idx[j]]))
        i = idx[order[0]]
        if p not in best:
            bad(f"no best run for {p}")
            continue
        b = best[p]
        if int(b["id"]) != int(e["id"][i]):
            bad(f"best run of {p}: report id {b['id']}, independent id {e['id'][i]}")
        for c in ("test", "seed", "iterations"):
            if int(b[c]) != int(e[c][i]):
                bad(f"best run of {p} {c}: report {b[c]}, independent {e[c][i]}")
        for c in ("final_rate", "final_error", "train_acc", "val_acc", "test_acc", "training_time_s", "wall_s"):
            close(num(b[c]), e[c][i], f"best run of {p} {c}")

    # ---- time summary
    summ = {(r["platform"], r["metric"]): r for r in tabs.get("time_summary", [])}
    meds = {}
    for p in names:
        for c in ("wall_s", "training_time_s"):
            x = e[c][(platform == p) & done]
            x = x[np.isfinite(x)]
            r = summ.get((p, c))
            if r is None:
                bad(f"time_summary lacks {p} {c}")
                continue
            if int(r["n"]) != len(x):
                bad(f"time_summary {p} {c} n: report {r['n']}, independent {len(x)}")
            med = float(np.median(x)) if len(x) else float("nan")
            meds[(p, c)] = med
            close(num(r["median"]), med, f"median {c} of {p}")
            if len(x) >= 2:
                lo, hi = num(r["ci_low"]), num(r["ci_high"])
                if not (lo <= med <= hi and x.min() <= lo and hi <= x.max()):
                    bad(f"CI of {p} {c} [{lo}, {hi}] does not bracket the median {med} within the data")

    # ---- overhead
    if bare:
        ref = bare[0]
        ov = {(r["platform"], r["metric"]): r for r in tabs.get("overhead_vs_bare", [])}
        for p in names:
            if p == ref:
                continue
            for c in ("wall_s", "training_time_s"):
                r = ov.get((p, c))
                if r is None:
                    bad(f"overhead_vs_bare lacks {p} {c}")
                    continue
                if r["reference"] != ref:
                    bad(f"overhead reference: report {r['reference']}, independent {ref}")
                # oversubscribed runs are left out of the ratios (report.py's default)
                def cmed(q):
                    x = e[c][(platform == q) & done & ~over]
                    x = x[np.isfinite(x)]
                    return float(np.median(x)) if len(x) else float("nan")
                if int(r["n"]) != int(((platform == p) & done & ~over & np.isfinite(e[c])).sum()):
                    bad(f"overhead {p} {c}: n {r['n']} counts oversubscribed runs")
                close(num(r["ratio"]), cmed(p) / cmed(ref), f"overhead ratio {p}/{ref} {c} (clean runs)")

    # ---- timing conditions: solo vs with co-runners (not oversubscribed), oversubscribed apart
    tc = {r["platform"]: r for r in tabs.get("timing_conditions", [])}
    for p in names:
        r = tc.get(p)
        if r is None:
            bad(f"timing_conditions lacks {p}")
            continue
        x = e["training_time_s"]
        base = (platform == p) & done & np.isfinite(x)
        for col, m in (("solo", base & ~over & ~corun), ("corun", base & ~over & corun),
                       ("oversubscribed", base & over)):
            if int(r["n_" + col]) != int(m.sum()):
                bad(f"timing_conditions {p} n_{col}: report {r['n_' + col]}, independent {int(m.sum())}")
            if m.any():
                close(num(r["median_" + col]), float(np.median(x[m])), f"timing_conditions {p} median_{col}")
        if (base & ~over & ~corun).any() and (base & ~over & corun).any():
            d = float(np.median(x[base & ~over & corun])) - float(np.median(x[base & ~over & ~corun]))
            close(num(r["diff"]), d, f"timing_conditions {p} diff")

    # ---- phases
    ph = {r["platform"]: r for r in tabs.get("phases", [])}
    for p in names:
        m = (platform == p) & done & np.isfinite(e["startup_s"]) & np.isfinite(e["workload_s"]) \
            & np.isfinite(e["teardown_s"])
        for c in ("startup_s", "workload_s", "teardown_s"):
            want = float(np.median(e[c][m])) if m.any() else float("nan")
            close(num(ph.get(p, {}).get(c, "nan")), want, f"phase median {c} of {p}")

    # ---- accuracy test
    acc = {r["metric"]: r for r in tabs.get("accuracy_test", [])}
    groups = [e["test_acc"][(platform == p) & done] for p in names]
    groups = [g[np.isfinite(g)] for g in groups]
    groups = [g for g in groups if len(g)]
    r = acc.get("test_acc")
    if r is None:
        bad("accuracy_test lacks test_acc")
    elif len(groups) >= 2:
        allv = np.concatenate(groups)
        if np.all(allv == allv[0]):
            if r["all_identical"] != "True" or "identical across platforms" not in r["reading"]:
                bad("all test accuracies are identical but the report does not say so")
        else:
            from scipy import stats
            h, pv = stats.kruskal(*groups)
            close(num(r["pvalue"]), pv, "Kruskal-Wallis p of test_acc", rel=1e-7)
            close(num(r["kruskal_H"]), h, "Kruskal-Wallis H of test_acc", rel=1e-7)
    # identical per test index (same seed) across platforms?
    tests = {}
    for i in np.where(done)[0]:
        tests.setdefault(int(e["test"][i]), {}).setdefault(platform[i], e["test_acc"][i])
    cmp_ = [list(v.values()) for v in tests.values() if len(v) >= 2]
    if cmp_ and r is not None:
        ident = all(all(x == v[0] for x in v) for v in cmp_)
        if (r["identical_per_test"] == "True") != ident:
            bad(f"identical_per_test: report {r['identical_per_test']}, independent {ident}")

    # ---- outliers
    want = set()
    for p in names:
        for c in ("wall_s", "training_time_s"):
            m = (platform == p) & done & np.isfinite(e[c])
            if m.sum() < 5:  # the report screens platforms with >= 5 finished runs
                continue
            z = modz(e[c][m])
            want |= {(c, int(i)) for i, zi in zip(e["id"][m], z) if abs(zi) > 3.5}
    got = {(r["metric"], int(r["id"])) for r in tabs.get("outliers", [])}
    if got != want:
        bad(f"outliers: report {sorted(got)}, independent {sorted(want)}")

    # ---- problems
    want = {int(i) for i, s in zip(e["id"], status) if s in ("failed", "skipped", "interrupted")}
    got = {int(r["id"]) for r in tabs.get("problems", [])}
    if got != want:
        bad(f"problems: report ids {sorted(got)}, independent {sorted(want)}")
    for r in tabs.get("problems", []):
        i = int(r["id"])
        if r["error"] != dec(e["error"][i]):
            bad(f"problem {i}: error text {r['error']!r} != {dec(e['error'][i])!r}")

    if FAIL:
        print(f"FAILED: {len(FAIL)} mismatch(es)")
        return 1
    print(f"OK: report {R} matches {a.results} ({len(figs)} figures, {len(tabs)} tables checked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
