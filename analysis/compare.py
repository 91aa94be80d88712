#!/usr/bin/python3
"""compare: two platbench campaigns side by side (`platbench compare A.h5 B.h5 [--out DIR]`).

Per platform (matched by name): median training time and wall time of A and B and the
ratio B/A with a percentile-bootstrap CI (platbench_analysis.bootstrap_ratio_ci, the same
statistics as the report), median accuracies; per seed (platform, test, seed matched) the
identity of the training curves: identical (bit for bit), within noise (train_loss no
farther apart than the yardstick below), or different, with the first differing step; and
a provenance diff (versions, kernel, CPU model, image digests, config hash and settings,
OpenBLAS core, conv kernels, threads, data set).

Exit status: 0 nothing changed beyond noise; 1 something changed (named in the summary);
2 bad input: a file missing, not a results file or damaged (one line naming it), or the
campaigns are not comparable (different model, data set, data set version or steps: the
reason is printed).

What counts as a change:
  - a curve pair "different" (beyond the noise yardstick), or a seed present in one file only;
  - a time ratio whose 95 % CI excludes 1 AND that differs from 1 by more than
    --time-tolerance (default 0.10): timing noise on a shared machine alone is not a change;
    with fewer than 2 finished runs per side there is no CI and no verdict ("n/a");
  - any provenance item of PROVENANCE_COUNTS differing (software versions, kernel, CPU model,
    image digests, config hash, threads, OpenBLAS core, conv kernel, data set). Items of
    PROVENANCE_INFO (hosts, ranks, Slurm job) are shown but do not count.
Noise yardstick for curves: the one of tests/cnn/test_curves.py: the same training on
another thread count (another summation order) moves the per-step training loss by a mean
|difference| of up to CURVE_NOISE_MEAN and at most CURVE_NOISE_MAX at one step.

With --out DIR: DIR/compare_platforms.csv, compare_curves.csv, compare_provenance.csv and
compare.png (ratios B/A with their CIs per platform, and the training-loss curves of each
platform's first seed in A and B).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import platbench_analysis as pa  # noqa: E402

np = pa.np
pd = pa.pd

#: curve "within noise" yardstick (tests/cnn/test_curves.py's floors): train_loss in nats
CURVE_NOISE_MEAN = 0.02
CURVE_NOISE_MAX = 0.1
#: curves compared for identity (elapsed_s is a time, not a result)
IDENTITY_METRICS = ["train_loss", "train_acc", "val_loss", "val_acc", "lr"]
#: relative time change that counts when its CI also excludes 1
TIME_TOLERANCE = 0.10
#: root attributes whose difference is a change
PROVENANCE_COUNTS = ["platbench_version", "git_commit", "mpi_version", "hdf5_version",
                     "openblas_version", "kernel", "cpu_model", "config_hash"]
#: root attributes shown for information only
PROVENANCE_INFO = ["campaign_name", "hostnames", "mpi_ranks", "slurm_nodelist", "slurm_partition"]
#: comparable settings (config) that must agree, else the campaigns are not comparable. The
#: data set is judged by what the runs read (RESULT_MUST_AGREE, data_version), not by its path:
#: the same stand-in in another checkout is the same data (the path still shows as a setting)
MUST_AGREE = {"workload.model.content_fnv": "model (file content)", "workload.steps": "steps"}
#: per-experiment result-file attributes (work folder result.h5) compared as provenance
RESULT_PROVENANCE = ["openblas_core", "conv_kernel", "conv_direct_isa", "conv_plan", "model_name", "n_train",
                     "n_valid", "n_test", "class_names"]
#: of those, the ones that make campaigns incomparable
RESULT_MUST_AGREE = ["model_name", "n_train", "n_valid", "n_test", "class_names"]


class BadInput(Exception):
    """A file cannot be compared; str(e) is one line naming it."""


def _settings(text):
    out = {}
    for line in (text or "").splitlines():
        if " = " in line:
            k, v = line.split(" = ", 1)
            out[k.strip()] = v.strip()
    return out


def _result_attrs(path, df):
    """Attributes of the workload result files of the first finished experiment of each
    platform (work folder PATH.d/eNNNN-aK/result.h5): {platform: {attr: value}}; a platform
    whose folder is gone maps to {}."""
    h5py = pa._h5py()
    out = {}
    for p in pa.platform_order(df):
        d = df[(df["platform"] == p) & (df["status"] == "done")]
        out[p] = {}
        for _, r in d.iterrows():
            rf = os.path.join(path + ".d", f"e{int(r['id']):04d}-a{int(r['attempt'])}", "result.h5")
            try:
                with h5py.File(rf, "r") as f:
                    out[p] = {k: str(pa._text(f.attrs[k])) for k in RESULT_PROVENANCE if k in f.attrs}
                    out[p]["result_file"] = rf
                break
            except (OSError, KeyError):
                continue
    return out


def load(path):
    """Everything compare needs from one file; BadInput for a missing or damaged one."""
    try:
        attrs = pa.load_attrs(path)
        df = pa.load_experiments(path)
        plats = pa.load_platforms(path)
        curves = {m: pa.curves(path, m) for m in IDENTITY_METRICS}
    except pa.ResultsFileError as e:
        raise BadInput(str(e))
    dmg = pa.damage(path)
    if dmg:
        raise BadInput(f"{path}: damaged ({dmg[0]}{'; ...' if len(dmg) > 1 else ''}); "
                       "cannot compare a partly readable file")
    return {"path": path, "attrs": attrs, "df": df, "platforms": plats, "curves": curves,
            "settings": _settings(attrs.get("comparable_settings", "")),
            "result": _result_attrs(path, df)}


def comparability(a, b):
    """Reasons the campaigns are not comparable (empty list: comparable)."""
    why = []
    sa, sb = a["settings"], b["settings"]
    for k, what in MUST_AGREE.items():
        if k in sa and k in sb and sa[k] != sb[k]:
            why.append(f"{what} differs ({k}: {sa[k]} vs {sb[k]})")
    st_a, st_b = a["attrs"].get("steps"), b["attrs"].get("steps")
    if st_a is not None and st_b is not None and int(st_a) != int(st_b) and \
            not any(w.startswith("steps") for w in why):
        why.append(f"steps differ ({st_a} vs {st_b})")
    for p in set(a["result"]) & set(b["result"]):
        ra, rb = a["result"][p], b["result"][p]
        for k in RESULT_MUST_AGREE:
            if k in ra and k in rb and ra[k] != rb[k]:
                why.append(f"data set/model differs on platform {p} ({k}: {ra[k]} vs {rb[k]})")
    va, vb = _known_versions(a["df"]), _known_versions(b["df"])
    if va and vb and va != vb:
        why.append(f"data set version differs ({','.join(map(str, va))} vs {','.join(map(str, vb))}): "
                   "runs on different stand-ins are not compared")
    if not set(pa.platform_order(a["df"])) & set(pa.platform_order(b["df"])):
        why.append("no platform name in common")
    return why


def platform_table(a, b, tol=TIME_TOLERANCE):
    """One row per platform present in either file: medians, ratio B/A with CI, verdict."""
    rows = []
    da, db = pa.timing_runs(a["df"]), pa.timing_runs(b["df"])
    names = pa.platform_order(a["df"]) + [p for p in pa.platform_order(b["df"])
                                          if p not in pa.platform_order(a["df"])]
    for p in names:
        xa, xb = da[da["platform"] == p], db[db["platform"] == p]
        row = {"platform": p, "n_a": len(xa), "n_b": len(xb)}
        changed = []
        for col in ("training_time_s", "wall_s"):
            va, vb = xa[col].astype(float).to_numpy(), xb[col].astype(float).to_numpy()
            ma = float(np.median(va)) if len(va) else np.nan
            mb = float(np.median(vb)) if len(vb) else np.nan
            r, lo, hi = pa.bootstrap_ratio_ci(vb, va)
            row.update({f"{col}_a": ma, f"{col}_b": mb, f"{col}_ratio": r, f"{col}_ci_low": lo,
                        f"{col}_ci_high": hi})
            if np.isfinite(lo) and np.isfinite(hi) and (lo > 1 or hi < 1) and abs(r - 1) > tol:
                changed.append(f"{col} x{r:.2f} [{lo:.2f}, {hi:.2f}]")
        for col in ("test_acc", "val_acc"):
            row[f"{col}_a"] = float(np.median(xa[col])) if len(xa) else np.nan
            row[f"{col}_b"] = float(np.median(xb[col])) if len(xb) else np.nan
        if not len(xa) or not len(xb):
            changed.append("platform has no finished run in " + ("A" if not len(xa) else "B"))
        row["verdict"] = "; ".join(changed) if changed else (
            "same" if min(len(xa), len(xb)) >= 2 else "n/a (< 2 runs a side: no CI)")
        row["changed"] = bool(changed)
        rows.append(row)
    return pd.DataFrame(rows)


def curve_identity(ca, cb):
    """(verdict, first differing step or -1, mean |dloss|, max |dloss|) of two experiments'
    curves ({metric: 1-D array})."""
    first = -1
    for m in IDENTITY_METRICS:
        x, y = ca[m], cb[m]
        same = (x == y) | (np.isnan(x) & np.isnan(y))
        if not same.all():
            s = int(np.argmin(same))
            first = s if first < 0 else min(first, s)
    if first < 0:
        return "identical", -1, 0.0, 0.0
    d = np.abs(ca["train_loss"] - cb["train_loss"])
    d = d[np.isfinite(d)]
    mean, mx = (float(d.mean()), float(d.max())) if len(d) else (np.inf, np.inf)
    ok = mean <= CURVE_NOISE_MEAN and mx <= CURVE_NOISE_MAX
    return ("within noise" if ok else "different"), first, mean, mx


def curves_table(a, b):
    rows = []
    da, db = a["df"], b["df"]
    key = ["platform", "test", "seed"]
    done_a = da[da["status"] == "done"].set_index(key)
    done_b = db[db["status"] == "done"].set_index(key)
    for k in list(done_a.index) + [k for k in done_b.index if k not in done_a.index]:
        row = dict(zip(key, k))
        if k not in done_a.index or k not in done_b.index:
            row.update({"verdict": "only in " + ("B" if k not in done_a.index else "A"),
                        "first_diff_step": -1, "mean_abs_dloss": np.nan, "max_abs_dloss": np.nan})
        else:
            ia, ib = int(done_a.loc[[k]]["id"].iloc[0]), int(done_b.loc[[k]]["id"].iloc[0])
            ca = {m: a["curves"][m][ia] for m in IDENTITY_METRICS}
            cb = {m: b["curves"][m][ib] for m in IDENTITY_METRICS}
            v, s, mean, mx = curve_identity(ca, cb)
            row.update({"id_a": ia, "id_b": ib, "verdict": v, "first_diff_step": s,
                        "mean_abs_dloss": mean, "max_abs_dloss": mx})
        rows.append(row)
    return pd.DataFrame(rows)


def _known_versions(df):
    """Data set versions of the finished runs, unknown (-1: files from before the field) left out."""
    return [v for v in pa.data_versions(df) if v >= 0]


def _uniq(df, col):
    d = df[df["status"] == "done"]
    v = sorted({str(x) for x in d[col]}) if col in d else []
    return ",".join(v)


def provenance_table(a, b):
    """Rows item, A, B, counts (1: a difference is a change), differs."""
    rows = []

    def add(item, va, vb, counts=True):
        va, vb = "" if va is None else str(va), "" if vb is None else str(vb)
        rows.append({"item": item, "A": va, "B": vb, "counts": counts, "differs": va != vb})

    for k in PROVENANCE_COUNTS:
        add(k, a["attrs"].get(k), b["attrs"].get(k))
    sa, sb = a["settings"], b["settings"]
    for k in sorted(set(sa) | set(sb)):
        if sa.get(k) != sb.get(k):
            add("setting " + k, sa.get(k, "(absent)"), sb.get(k, "(absent)"))
    add("threads (finished rows)", _uniq(a["df"], "threads"), _uniq(b["df"], "threads"))
    if "data_version" in a["df"] or "data_version" in b["df"]:
        add("data_version (finished rows)", _uniq(a["df"], "data_version"), _uniq(b["df"], "data_version"))
    pa_, pb_ = a["platforms"], b["platforms"]
    for p in sorted(set(pa_["name"]) | set(pb_["name"])):
        ra = pa_[pa_["name"] == p]
        rb = pb_[pb_["name"] == p]
        for col in ("image_id", "runtime_version", "detail"):
            add(f"platform {p}: {col}", ra[col].iloc[0] if len(ra) else "(absent)",
                rb[col].iloc[0] if len(rb) else "(absent)", counts=col != "detail")
    for p in sorted(set(a["result"]) | set(b["result"])):
        ra, rb = a["result"].get(p, {}), b["result"].get(p, {})
        if not ra or not rb:
            continue  # work folders gone: nothing to say
        for k in RESULT_PROVENANCE:
            add(f"platform {p}: {k}", ra.get(k), rb.get(k))
    for k in PROVENANCE_INFO:
        if k in a["attrs"] or k in b["attrs"]:
            add(k, a["attrs"].get(k), b["attrs"].get(k), counts=False)
    return pd.DataFrame(rows)


def _fmt(x, f="{:.3f}"):
    return "-" if x is None or (isinstance(x, float) and not np.isfinite(x)) else f.format(x)


def _short(s, n=80):
    s = str(s).replace("\n", " ")
    return s if len(s) <= n else s[:n - 3] + "..."


def print_report(a, b, plat, cur, prov, out=sys.stdout):
    w = out.write
    w(f"A: {a['path']} ({a['attrs'].get('campaign_name', '?')}, {len(a['df'])} experiments, "
      f"state {a['attrs'].get('state', '?')})\n")
    w(f"B: {b['path']} ({b['attrs'].get('campaign_name', '?')}, {len(b['df'])} experiments, "
      f"state {b['attrs'].get('state', '?')})\n\n")
    w("Per platform: medians of finished runs (oversubscribed left out), ratio B/A [95% bootstrap CI]\n")
    w(f"{'platform':<14} {'n A/B':>6} {'train A s':>10} {'train B s':>10} {'B/A':>24} "
      f"{'wall A s':>9} {'wall B s':>9} {'B/A':>24} {'test_acc A/B':>13}  verdict\n")
    for _, r in plat.iterrows():
        def ratio(c):
            return (f"{_fmt(r[c + '_ratio'])} [{_fmt(r[c + '_ci_low'], '{:.2f}')}, "
                    f"{_fmt(r[c + '_ci_high'], '{:.2f}')}]")
        w(f"{r['platform']:<14} {str(r['n_a']) + '/' + str(r['n_b']):>6} "
          f"{_fmt(r['training_time_s_a']):>10} {_fmt(r['training_time_s_b']):>10} "
          f"{ratio('training_time_s'):>24} {_fmt(r['wall_s_a']):>9} {_fmt(r['wall_s_b']):>9} "
          f"{ratio('wall_s'):>24} {_fmt(r['test_acc_a'], '{:.3f}') + '/' + _fmt(r['test_acc_b'], '{:.3f}'):>13}"
          f"  {r['verdict']}\n")
    w("\nCurves per seed (train_loss, train_acc, val_loss, val_acc, lr; noise yardstick: mean "
      f"|d train_loss| <= {CURVE_NOISE_MEAN}, max <= {CURVE_NOISE_MAX})\n")
    counts = cur["verdict"].value_counts().to_dict() if len(cur) else {}
    w("  " + (", ".join(f"{n} {v}" for v, n in counts.items()) or "no finished experiments") + "\n")
    for _, r in cur.iterrows():
        if r["verdict"] != "identical":
            extra = ""
            if r["first_diff_step"] >= 0:
                extra = (f": first differing step {int(r['first_diff_step'])}, train_loss mean "
                         f"|diff| {r['mean_abs_dloss']:.3g}, max {r['max_abs_dloss']:.3g}")
            w(f"  {r['platform']} test {r['test']} seed {r['seed']}: {r['verdict']}{extra}\n")
    w("\nProvenance\n")
    d = prov[prov["differs"]]
    same = prov[~prov["differs"] & prov["counts"]]
    if not len(d):
        w(f"  identical ({len(same)} items: versions, kernel, CPU model, config hash, images, "
          "OpenBLAS core, conv kernel, threads, data set)\n")
    for _, r in d.iterrows():
        w(f"  {'CHANGED' if r['counts'] else 'differs (info)'}: {r['item']}: {_short(r['A'])} -> "
          f"{_short(r['B'])}\n")


def changes(plat, cur, prov):
    """The list of changes beyond noise, one short line each."""
    out = []
    for _, r in plat[plat["changed"]].iterrows():
        out.append(f"platform {r['platform']}: {r['verdict']}")
    for _, r in cur[cur["verdict"].isin(["different", "only in A", "only in B"])].iterrows():
        out.append(f"curves of {r['platform']} test {r['test']} seed {r['seed']}: {r['verdict']}"
                   + (f" from step {int(r['first_diff_step'])}" if r["first_diff_step"] >= 0 else ""))
    for _, r in prov[prov["differs"] & prov["counts"]].iterrows():
        out.append(f"{r['item']}: {_short(r['A'])} -> {_short(r['B'])}")
    return out


def write_out(outdir, a, b, plat, cur, prov):
    os.makedirs(outdir, exist_ok=True)
    plat.to_csv(os.path.join(outdir, "compare_platforms.csv"), index=False)
    cur.to_csv(os.path.join(outdir, "compare_curves.csv"), index=False)
    prov.to_csv(os.path.join(outdir, "compare_provenance.csv"), index=False)
    fig = pa._figure(11, 4.2)
    ax1, ax2 = fig.subplots(1, 2)
    y = np.arange(len(plat))
    for k, (col, mk) in enumerate((("training_time_s", "o"), ("wall_s", "s"))):
        r = plat[col + "_ratio"].to_numpy(float)
        lo, hi = plat[col + "_ci_low"].to_numpy(float), plat[col + "_ci_high"].to_numpy(float)
        err = np.vstack([np.where(np.isfinite(lo), r - lo, 0), np.where(np.isfinite(hi), hi - r, 0)])
        ax1.errorbar(r, y + (k - 0.5) * 0.25, xerr=err, fmt=mk, capsize=3, label=col)
    ax1.axvline(1.0, color="grey", lw=0.8)
    ax1.set_yticks(y, plat["platform"].tolist())
    ax1.set_xlabel("median B / median A (95% bootstrap CI)")
    ax1.legend(fontsize=8)
    ax1.set_title("time ratio per platform")
    for p in pa.platform_order(a["df"]):
        for src, ls in ((a, "-"), (b, "--")):
            d = src["df"][(src["df"]["platform"] == p) & (src["df"]["status"] == "done")]
            if len(d):
                c = src["curves"]["train_loss"][int(d["id"].iloc[0])]
                ax2.plot(np.arange(len(c)), c, ls, label=f"{p} {'A' if src is a else 'B'}")
    ax2.set_xlabel("step")
    ax2.set_ylabel("training loss")
    ax2.set_title("first seed per platform: A solid, B dashed")
    ax2.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "compare.png"), dpi=110)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="platbench compare", description=__doc__.split("\n")[0])
    ap.add_argument("a", metavar="A.h5")
    ap.add_argument("b", metavar="B.h5")
    ap.add_argument("--out", metavar="DIR", help="write CSV tables and compare.png into DIR")
    ap.add_argument("--time-tolerance", type=float, default=TIME_TOLERANCE, metavar="F",
                    help=f"relative time change that counts when its CI excludes 1 (default {TIME_TOLERANCE})")
    args = ap.parse_args(argv)
    try:
        a, b = load(args.a), load(args.b)
    except BadInput as e:
        print(f"platbench compare: {e}", file=sys.stderr)
        return 2
    why = comparability(a, b)
    if why:
        print(f"platbench compare: refused: {args.a} and {args.b} are not comparable: "
              + "; ".join(why), file=sys.stderr)
        return 2
    plat = platform_table(a, b, args.time_tolerance)
    cur = curves_table(a, b)
    prov = provenance_table(a, b)
    print_report(a, b, plat, cur, prov)
    if args.out:
        try:
            write_out(args.out, a, b, plat, cur, prov)
        except OSError as e:
            print(f"platbench compare: --out {args.out}: cannot write ({e.strerror or e}); "
                  "expected a folder that can be created and written", file=sys.stderr)
            return 2
        print(f"\nwrote {args.out}/compare_platforms.csv, compare_curves.csv, "
              "compare_provenance.csv, compare.png")
    ch = changes(plat, cur, prov)
    if ch:
        print(f"\nCHANGED ({len(ch)}):")
        for c in ch:
            print(f"  {c}")
        print("exit 1: something changed beyond noise")
        return 1
    print("\nNO CHANGE beyond noise (exit 0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
