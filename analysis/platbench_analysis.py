"""platbench_analysis: read a platbench results file and compute the study's tables.

Reads only the results file and its documented schema (analysis/SCHEMA.md, format
"platbench-results" version 1). Every function returns numpy arrays or pandas
DataFrames, so you can build your own plots and tables:

    import sys; sys.path.insert(0, "analysis")
    import platbench_analysis as pa
    df = pa.load_experiments("campaign.h5")      # one row per experiment, str columns
    pa.completeness(df)                          # status counts per platform
    pa.best_runs(df)                             # the study's Tables 1-3
    pa.summary(df, "wall_s")                     # median + 95 % bootstrap CI per platform
    pa.overhead_vs_bare(df, "wall_s")            # ratio of medians vs bare metal, with CI
    pa.phases(df)                                # start-up / workload / tear-down medians
    pa.accuracy_comparison(df, "test_acc")       # Kruskal-Wallis + identity check
    pa.outliers(df, "wall_s")                    # modified z-score > 3.5 (Iglewicz-Hoaglin)
    pa.problems(df)                              # failed / skipped / interrupted rows
    pa.curves("campaign.h5", "val_acc")          # ndarray (experiments, steps), NaN = not measured

Plot functions (fig_*) return matplotlib Figure objects built without pyplot, so they
work with any backend and save with fig.savefig(...).

Errors: a file that is not a platbench results file (not HDF5, no `format` =
"platbench-results" attribute) raises ResultsFileError with a message naming the file
and what was expected. A damaged one (truncated, bytes overwritten) is read as far as
it can be: each object that cannot be read (an attribute group, /experiments or some of
its rows, a curve, the output tails) is skipped and recorded once in damage(path), one
line per damaged object, so a report shows everything still readable and says what is
missing. A truncated file is read from memory, padded to the length its superblock
records.
"""
import io
import os
import struct

# A campaign that is still running holds the file open: read it without HDF5's file
# lock (the runner flushes after every row, so what is on disk is consistent).
os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

FORMAT = "platbench-results"
FORMAT_VERSION = 1
#: statuses an experiment row can have (SCHEMA.md); "" is read as pending (fill value)
STATUSES = ["done", "failed", "interrupted", "skipped", "running", "pending"]
#: statuses listed as problems with their error text
PROBLEM_STATUSES = ("failed", "skipped", "interrupted")
#: metrics under /curves
CURVE_METRICS = ["train_loss", "train_acc", "val_loss", "val_acc", "lr", "elapsed_s"]
#: the per-run results the study reports (Figs. 1a-1d and Tables 1-3)
RESULT_COLUMNS = ["iterations", "final_rate", "final_error", "train_acc", "val_acc",
                  "test_acc", "training_time_s"]
#: how the best run of a platform is chosen (stated in the report)
BEST_RULE = ("best run of a platform = the finished run (status done) with the highest "
             "test accuracy; ties go to the shortest training time (training_time_s), "
             "then to the lowest experiment id")
#: bootstrap defaults (fixed seed: the report is reproducible)
BOOTSTRAP_RESAMPLES = 10000
BOOTSTRAP_SEED = 20240601
CONFIDENCE = 0.95
#: outlier rule: |modified z| > 3.5, modified z = 0.6745 (x - median) / MAD
OUTLIER_THRESHOLD = 3.5
OUTLIER_MIN_RUNS = 5
OUTLIER_RULE = ("outlier = |modified z-score| > 3.5 within its platform (Iglewicz and "
                "Hoaglin 1993): M = 0.6745 (x - median) / MAD; when MAD = 0, "
                "M = (x - median) / (1.253314 * mean absolute deviation); platforms with "
                "fewer than 5 finished runs are not screened (too few for a robust spread)")


class ResultsFileError(Exception):
    """The file is not a readable platbench results file; str(e) says why."""


#: HDF5 errors h5py raises when an object of a damaged file cannot be read
_READ_ERRORS = (OSError, RuntimeError, KeyError, ValueError, TypeError, IndexError)
_DAMAGE = {}  # path -> [one line per damaged object], in the order found
_TRUNCATED = {}  # path -> bytes present, for a truncated file read padded


def damage(path):
    """Lines describing the damaged objects found so far while reading `path` (empty: whole)."""
    return list(_DAMAGE.get(path, []))


def _damaged(path, line):
    """Records a damaged object once (the text before the first ':' names it); after the
    root group itself, nothing else: every other object is reached through it."""
    lines = _DAMAGE.setdefault(path, [])
    obj = line.split(":")[0]
    if not any(x.split(":")[0] in (obj, "root group") for x in lines):
        lines.append(line)


def _why(e):
    return str(e).strip("'\"") or type(e).__name__


def _superblock_eof(head):
    """End-of-file address recorded by an HDF5 superblock at the start of `head`, or 0."""
    if len(head) < 48 or head[:8] != b"\x89HDF\r\n\x1a\n":
        return 0
    ver = head[8]
    so = head[9] if ver >= 2 else head[13]
    if so not in (4, 8):
        return 0
    at = 12 + 2 * so if ver >= 2 else (28 if ver == 1 else 24) + 2 * so
    return struct.unpack("<Q" if so == 8 else "<I", head[at:at + so])[0]


def _open_truncated(path):
    """h5py.File of a truncated file read from memory, padded with zeros; None if not possible."""
    h5py = _h5py()
    with open(path, "rb") as fh:
        data = fh.read()
    eof = _superblock_eof(data[:64])
    if not (len(data) < eof < 1 << 32):
        return None
    try:
        f = h5py.File(io.BytesIO(data + bytes(eof - len(data))), "r")
    except _READ_ERRORS:
        return None
    _TRUNCATED[path] = len(data)
    _damaged(path, f"file truncated: {len(data)} of the {eof} bytes its superblock records are "
                   f"present; what lies beyond byte {len(data)} is lost")
    return f


# --------------------------------------------------------------------------- reading

def _h5py():
    import h5py
    return h5py


def _text(v):
    """Decode an HDF5 string value (bytes, numpy bytes, str, 0-d array) to str."""
    if isinstance(v, np.ndarray) and v.shape == ():
        v = v[()]
    if isinstance(v, (bytes, np.bytes_)):
        return bytes(v).rstrip(b"\0").decode("utf-8", "replace")
    if isinstance(v, np.ndarray):
        return [_text(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


def open_results(path):
    """Open `path` read-only as a platbench results file and return the h5py.File.

    Checks that the file exists, is HDF5, opens (not truncated) and carries the
    root attribute format = "platbench-results". Raises ResultsFileError otherwise.
    The caller closes the file (use it as a context manager).
    """
    h5py = _h5py()
    expected = f'a platbench results file (HDF5 with root attribute format = "{FORMAT}")'
    if not os.path.exists(path):
        raise ResultsFileError(f"{path}: no such file; expected {expected}")
    if os.path.isdir(path):
        raise ResultsFileError(f"{path}: is a folder; expected {expected}")
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as e:
        raise ResultsFileError(f"{path}: cannot be read ({e.strerror}); expected {expected}")
    if len(head) == 0:
        raise ResultsFileError(f"{path}: empty file; expected {expected}")
    try:
        is_h5 = h5py.is_hdf5(path)
    except OSError:
        is_h5 = False
    if not is_h5:
        raise ResultsFileError(f"{path}: not an HDF5 file (no HDF5 signature); expected {expected}")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        f = _open_truncated(path) if "truncated file" in str(e) else None
        if f is None:
            raise ResultsFileError(f"{path}: HDF5 file cannot be opened, truncated or damaged? "
                                   f"(HDF5 says: {e}); expected {expected}; nothing can be read")
    try:
        list(f.keys())  # the root group's links: every dataset is reached through them
    except _READ_ERRORS as e:
        _damaged(path, f"root group: links unreadable ({_why(e)}); no dataset can be reached, "
                       "nothing shown")
        return f
    try:
        f.attrs["format"]
    except _READ_ERRORS as e:
        if "format" in str(e) or isinstance(e, KeyError):
            pass  # absent: reported below
        else:
            _damaged(path, f"attributes of /: unreadable ({_why(e)}); shown as unknown, read as a "
                           "results file anyway")
            return f
    try:
        if "format" not in f.attrs:
            raise ResultsFileError(f"{path}: HDF5 file without a root attribute 'format': "
                                   f"not written by platbench run; expected {expected}")
        fmt = _text(f.attrs["format"])
        if fmt != FORMAT:
            raise ResultsFileError(f'{path}: root attribute format = "{fmt}"; expected {expected}'
                                   + (" (this is a single workload result: analyse the campaign "
                                      "file written by platbench run)"
                                      if fmt == "platbench-cnn-result" else ""))
        ver = _text(f.attrs.get("format_version", FORMAT_VERSION))
        if int(ver) > FORMAT_VERSION:
            raise ResultsFileError(f"{path}: format_version {ver} is newer than this analysis "
                                   f"understands ({FORMAT_VERSION}); update analysis/")
        if "experiments" not in f:
            raise ResultsFileError(f"{path}: no /experiments dataset; expected {expected}")
    except ResultsFileError:
        f.close()
        raise
    except _READ_ERRORS as e:
        _damaged(path, f"attributes of /: unreadable ({_why(e)}); shown as unknown, read as a results "
                       "file anyway")
    return f


def _read(path, what, fn, fallback=None):
    """Run fn(h5file) on an open results file. An HDF5 read error of a damaged file is
    recorded in damage(path) and `fallback()` returned (ResultsFileError without one)."""
    with open_results(path) as f:
        try:
            return fn(f)
        except ResultsFileError:
            raise
        except _READ_ERRORS as e:
            if fallback is None:
                raise ResultsFileError(f"{path}: cannot read {what}, truncated or damaged file? ({_why(e)})")
            _damaged(path, f"{what}: unreadable ({_why(e)}); not shown")
            return fallback()


def _table(arr):
    """Structured numpy array -> DataFrame with decoded str columns."""
    df = pd.DataFrame({n: arr[n] for n in arr.dtype.names})
    for n in arr.dtype.names:
        if arr.dtype[n].kind in "SOU":
            df[n] = [_text(v) if not isinstance(v, str) else v for v in arr[n]]
    return df


def load_attrs(path):
    """Root attributes (provenance) as a dict of Python str / int / float."""
    def rd(f):
        out, bad = {}, {}
        for k in f.attrs.keys():
            try:
                out[k] = _text(f.attrs[k])
            except _READ_ERRORS as e:
                bad.setdefault(_why(e), []).append(k)
        for why, names in bad.items():  # usually one damaged object holds them all
            _damaged(path, f"attribute{'s' if len(names) > 1 else ''} "
                           f"{', '.join(repr(n) for n in names)} of /: unreadable ({why}); shown as unknown")
        return out
    return _read(path, "attributes of /", rd, dict)


def load_platforms(path):
    """/platforms as a DataFrame (name, kind, hosts, runtime_version, image_id, detail);
    empty DataFrame when the file has none."""
    def rd(f):
        if "platforms" not in f:
            return pd.DataFrame(columns=["name", "kind", "hosts", "runtime_version", "image_id", "detail"])
        return _table(f["platforms"][()])
    return _read(path, "dataset /platforms", rd,
                 lambda: pd.DataFrame(columns=["name", "kind", "hosts", "runtime_version", "image_id", "detail"]))


def load_experiments(path):
    """/experiments as a DataFrame, one row per experiment in run order.

    String fields are decoded to str; a status of "" (fill value) reads as "pending".
    df.attrs holds 'platform_order' (the /platforms order) and 'kinds' (name -> kind).
    """
    required = ("id", "platform", "kind", "test", "status")

    def rd(f):
        ds = f["experiments"]
        if ds.dtype.names is None:
            raise ResultsFileError(f"{path}: /experiments is not a compound dataset; expected "
                                   "one row per experiment (analysis/SCHEMA.md)")
        missing = [n for n in required if n not in ds.dtype.names]
        if missing:
            raise ResultsFileError(f"{path}: /experiments lacks field(s) {', '.join(missing)} "
                                   "(analysis/SCHEMA.md)")
        try:
            arr = ds[()]
        except _READ_ERRORS as e:  # keep the rows that still read, one by one
            good, bad = [], []
            for i in range(ds.shape[0]):
                try:
                    good.append(ds[i])
                except _READ_ERRORS:
                    bad.append(i)
            arr = np.array(good, dtype=ds.dtype)
            _damaged(path, f"dataset /experiments: {len(bad)} of {ds.shape[0]} rows unreadable "
                           f"({_why(e)}); the other {len(good)} shown")
        at, have = ds.id.get_offset(), _TRUNCATED.get(path)
        if have is not None and at is not None and len(arr) == ds.shape[0] and \
                at + ds.dtype.itemsize * len(arr) > have:  # rows past the cut read as zeros
            keep = max(0, (have - at) // ds.dtype.itemsize)
            _damaged(path, f"dataset /experiments: rows {keep}-{len(arr) - 1} of {len(arr)} lie beyond "
                           "the end of the truncated file; not shown")
            arr = arr[:keep]
        df = _table(arr)
        try:
            plat = _table(f["platforms"][()]) if "platforms" in f else None
        except _READ_ERRORS as e:
            _damaged(path, f"dataset /platforms: unreadable ({_why(e)}); platform order from /experiments")
            plat = None
        return df, plat

    def none():
        names = list(required) + RESULT_COLUMNS + ["wall_s", "error", "attempt", "seed"]
        return pd.DataFrame({n: pd.Series(dtype=object if n in ("platform", "kind", "status", "error")
                                          else float) for n in names}), None

    df, plat = _read(path, "dataset /experiments", rd, none)
    # astype(str): with every row cut off (truncated file) the column is empty, not strings
    df["status"] = df["status"].astype(str).str.strip().str.lower().replace("", "pending")
    order, kinds = [], {}
    if plat is not None and len(plat):
        order = [n for n in plat["name"] if n]
        kinds = dict(zip(plat["name"], plat["kind"]))
    for n, k in zip(df["platform"], df["kind"]):
        if n and n not in order:
            order.append(n)
        if n and k and n not in kinds:
            kinds[n] = k
    df.attrs["platform_order"] = order
    df.attrs["kinds"] = kinds
    return df


def curves(path, metric, ids=None):
    """Per-iteration curve `metric` (one of CURVE_METRICS) as ndarray (experiments, steps).

    Row i is experiment i; NaN where not (yet) measured. `ids` selects rows.
    """
    def rd(f):
        if "curves" not in f or metric not in f["curves"]:
            have = sorted(f["curves"].keys()) if "curves" in f else []
            raise ResultsFileError(f"{path}: no /curves/{metric}; the file has "
                                   f"{', '.join(have) or 'no curves'}")
        a = np.asarray(f["curves"][metric][()], dtype=float)
        return a if ids is None else a[np.asarray(ids, dtype=int)]
    return _read(path, f"dataset /curves/{metric}", rd)


def output_tails(path):
    """/output/stdout_tail and stderr_tail as a DataFrame indexed by experiment id
    (empty strings when the file has no /output)."""
    def rd(f):
        out = {}
        for k in ("stdout_tail", "stderr_tail"):
            if "output" in f and k in f["output"]:
                out[k] = [_text(v) if not isinstance(v, str) else v for v in f["output"][k][()]]
        return out
    out = _read(path, "dataset /output", rd, dict)
    n = max((len(v) for v in out.values()), default=0)
    return pd.DataFrame({k: out.get(k, [""] * n) for k in ("stdout_tail", "stderr_tail")})


# --------------------------------------------------------------------------- helpers

def platform_order(df):
    """Platform names in campaign order (the /platforms table, then first appearance)."""
    present = [p for p in pd.unique(df["platform"]) if p]
    order = [p for p in df.attrs.get("platform_order", []) if p in present]
    return order + [p for p in present if p not in order]


def _kind(df, name):
    k = df.attrs.get("kinds", {}).get(name)
    if k:
        return k
    ks = df.loc[df["platform"] == name, "kind"]
    ks = ks[ks != ""]
    return ks.iloc[0] if len(ks) else ""


def done_runs(df):
    """Rows with status "done"."""
    return df[df["status"] == "done"]


def data_versions(df):
    """{version: finished runs} of the data set versions the finished runs trained on
    (SCHEMA.md data_version: -1 unknown, 0 not a stand-in, 1.. stand-in versions); {} for
    files written before the field existed."""
    if "data_version" not in df.columns:
        return {}
    v = pd.to_numeric(done_runs(df)["data_version"], errors="coerce").dropna().astype(int)
    return {int(k): int(n) for k, n in sorted(v.value_counts().items())}


def data_version_warning(df):
    """One line when the finished runs trained on more than one data set version (a stand-in
    rewritten between runs of one campaign): their accuracies are not comparable. None otherwise."""
    v = data_versions(df)
    if len(v) < 2:
        return None
    what = ", ".join(f"{'unknown' if k < 0 else k} ({n} run{'s' if n != 1 else ''})" for k, n in v.items())
    return (f"MIXED DATA VERSIONS: the finished runs trained on data set versions {what}; accuracies "
            "of different versions are not comparable (was the stand-in rewritten between runs?). "
            "Compare accuracies within one version only")


def oversubscribed(df):
    """Boolean Series: rows flagged oversubscribed (threads > the CPUs of their set, or CPUs
    shared with another rank; SCHEMA.md). False for files written before the flag existed."""
    if "oversubscribed" not in df.columns:
        return pd.Series(False, index=df.index)
    return pd.to_numeric(df["oversubscribed"], errors="coerce").fillna(0).astype(int) == 1


def timing_runs(df, include_oversubscribed=False):
    """The rows whose timings are compared: all rows, without the oversubscribed ones unless
    include_oversubscribed (status is left to the caller, e.g. done_runs)."""
    return df if include_oversubscribed else df[~oversubscribed(df)]


def has_corunners(df):
    """Boolean Series: rows that overlapped another experiment on their host (corunners)."""
    if "corunners" not in df.columns:
        return pd.Series(False, index=df.index)
    return df["corunners"].fillna("").astype(str).str.strip() != ""


def _finite(df, column):
    d = done_runs(df)
    return d[np.isfinite(d[column].astype(float))]


def bootstrap_median_ci(x, n_resamples=BOOTSTRAP_RESAMPLES, seed=BOOTSTRAP_SEED, conf=CONFIDENCE):
    """Median of x and its percentile-bootstrap confidence interval.

    Returns (median, low, high); low/high are NaN with fewer than 2 values.
    The RNG is numpy's default_rng(seed): the same data give the same interval.
    """
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return np.nan, np.nan, np.nan
    med = float(np.median(x))
    if len(x) < 2:
        return med, np.nan, np.nan
    rng = np.random.default_rng(seed)
    meds = np.median(x[rng.integers(0, len(x), size=(n_resamples, len(x)))], axis=1)
    a = (1 - conf) / 2
    lo, hi = np.quantile(meds, [a, 1 - a])
    return med, float(lo), float(hi)


def _bootstrap_two(x, ref, point, stat, n_resamples, seed, conf):
    """The two-sample percentile bootstrap behind bootstrap_ratio_ci and bootstrap_diff_ci:
    both samples (non-finite values dropped) resampled independently, `stat(median_x,
    median_ref)` of each resample. Returns (point(median x, median ref), low, high); low/high
    NaN when a sample has < 2 values or the point is not finite."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    ref = np.asarray(ref, dtype=float)
    ref = ref[np.isfinite(ref)]
    if len(x) == 0 or len(ref) == 0:
        return np.nan, np.nan, np.nan
    est = point(float(np.median(x)), float(np.median(ref)))
    if len(x) < 2 or len(ref) < 2 or not np.isfinite(est):
        return est, np.nan, np.nan
    rng = np.random.default_rng(seed)
    mx = np.median(x[rng.integers(0, len(x), size=(n_resamples, len(x)))], axis=1)
    mr = np.median(ref[rng.integers(0, len(ref), size=(n_resamples, len(ref)))], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = stat(mx, mr)
    r = r[np.isfinite(r)]
    a = (1 - conf) / 2
    lo, hi = np.quantile(r, [a, 1 - a])
    return est, float(lo), float(hi)


def bootstrap_ratio_ci(x, ref, n_resamples=BOOTSTRAP_RESAMPLES, seed=BOOTSTRAP_SEED, conf=CONFIDENCE):
    """median(x) / median(ref) and its percentile-bootstrap CI (both samples resampled
    independently). Returns (ratio, low, high); low/high NaN when a sample has < 2 values."""
    return _bootstrap_two(x, ref, lambda a, b: a / b if b != 0 else np.nan, lambda a, b: a / b,
                          n_resamples, seed, conf)


def bootstrap_diff_ci(x, ref, n_resamples=BOOTSTRAP_RESAMPLES, seed=BOOTSTRAP_SEED, conf=CONFIDENCE):
    """median(x) - median(ref) and its percentile-bootstrap CI (both samples resampled
    independently, as bootstrap_ratio_ci). Returns (diff, low, high); low/high NaN when a
    sample has < 2 values."""
    return _bootstrap_two(x, ref, lambda a, b: a - b, lambda a, b: a - b, n_resamples, seed, conf)


def corunner_effect(df, column="training_time_s", n_resamples=BOOTSTRAP_RESAMPLES, seed=BOOTSTRAP_SEED,
                    conf=CONFIDENCE):
    """Do runs that shared their host with other experiments (co-runners) take longer than
    solo runs? Per platform, over finished runs not oversubscribed: n and median of solo
    runs and of runs with co-runners, diff = median(with) - median(solo) with a percentile-
    bootstrap CI (bootstrap_diff_ci), and the oversubscribed runs' n and median beside."""
    cols = ["platform", "metric", "n_solo", "median_solo", "n_corun", "median_corun", "diff",
            "ci_low", "ci_high", "diff_pct", "n_oversubscribed", "median_oversubscribed"]
    rows = []
    d = done_runs(df)
    for p in platform_order(df):
        dp = d[d["platform"] == p]
        vals = dp[column].astype(float)
        ok = np.isfinite(vals)
        over = oversubscribed(dp) & ok
        clean = ~oversubscribed(dp) & ok
        co = clean & has_corunners(dp)
        solo = clean & ~has_corunners(dp)
        x, xr = vals[co].to_numpy(), vals[solo].to_numpy()
        diff, lo, hi = bootstrap_diff_ci(x, xr, n_resamples, seed, conf)
        ms = float(np.median(xr)) if len(xr) else np.nan
        rows.append({"platform": p, "metric": column, "n_solo": len(xr), "median_solo": ms,
                     "n_corun": len(x), "median_corun": float(np.median(x)) if len(x) else np.nan,
                     "diff": diff, "ci_low": lo, "ci_high": hi,
                     "diff_pct": 100 * diff / ms if ms and np.isfinite(ms) else np.nan,
                     "n_oversubscribed": int(over.sum()),
                     "median_oversubscribed": float(np.median(vals[over])) if over.any() else np.nan})
    return pd.DataFrame(rows, columns=cols)


def modified_z(x):
    """Iglewicz-Hoaglin modified z-scores of x (see OUTLIER_RULE); zeros if no spread."""
    x = np.asarray(x, dtype=float)
    med = np.median(x)
    mad = np.median(np.abs(x - med))
    if mad > 0:
        return 0.6745 * (x - med) / mad
    meanad = np.mean(np.abs(x - med))
    if meanad > 0:
        return (x - med) / (1.253314 * meanad)
    return np.zeros_like(x)


# --------------------------------------------------------------------------- tables

def completeness(df):
    """Status counts per platform: columns done, failed, interrupted, skipped, running,
    pending, total, missing (= pending + running: not yet measured)."""
    rows = []
    for p in platform_order(df) + (["(unassigned)"] if (df["platform"] == "").any() else []):
        d = df[df["platform"] == ("" if p == "(unassigned)" else p)]
        r = {"platform": p, "kind": _kind(df, p) if p != "(unassigned)" else ""}
        for s in STATUSES:
            r[s] = int((d["status"] == s).sum())
        other = d[~d["status"].isin(STATUSES)]
        r["other"] = int(len(other))
        r["total"] = int(len(d))
        r["missing"] = r["pending"] + r["running"]
        rows.append(r)
    cols = ["platform", "kind"] + STATUSES + ["other", "total", "missing"]
    return pd.DataFrame(rows, columns=cols)


def best_runs(df):
    """The study's Tables 1-3: the best run of each platform (rule: BEST_RULE).

    Columns: platform, kind, id, test, seed, iterations, final_rate, final_error,
    train_acc, val_acc, test_acc, training_time_s, wall_s. Platforms without a
    finished run with a test accuracy are left out.
    """
    cols = ["platform", "kind", "id", "test", "seed"] + RESULT_COLUMNS + ["wall_s"]
    rows = []
    for p in platform_order(df):
        d = _finite(df[df["platform"] == p], "test_acc")
        if not len(d):
            continue
        tt = d["training_time_s"].astype(float).fillna(np.inf)
        d = d.assign(_tt=tt).sort_values(["test_acc", "_tt", "id"], ascending=[False, True, True])
        rows.append(d.iloc[0][cols])
    return pd.DataFrame(rows, columns=cols).reset_index(drop=True)


def summary(df, column="wall_s", n_resamples=BOOTSTRAP_RESAMPLES, seed=BOOTSTRAP_SEED, conf=CONFIDENCE):
    """Per platform: n (finished runs with a value), median, 95 % percentile-bootstrap
    CI of the median (ci_low, ci_high), mean, sd, min, max of `column`."""
    rows = []
    for p in platform_order(df):
        x = _finite(df[df["platform"] == p], column)[column].astype(float).to_numpy()
        med, lo, hi = bootstrap_median_ci(x, n_resamples, seed, conf)
        rows.append({"platform": p, "kind": _kind(df, p), "metric": column, "n": len(x),
                     "median": med, "ci_low": lo, "ci_high": hi,
                     "mean": float(np.mean(x)) if len(x) else np.nan,
                     "sd": float(np.std(x, ddof=1)) if len(x) > 1 else np.nan,
                     "min": float(np.min(x)) if len(x) else np.nan,
                     "max": float(np.max(x)) if len(x) else np.nan})
    return pd.DataFrame(rows, columns=["platform", "kind", "metric", "n", "median", "ci_low",
                                       "ci_high", "mean", "sd", "min", "max"])


def bare_reference(df):
    """Name of the bare-metal reference platform (the first of kind "bare" in campaign
    order that has finished runs), or None."""
    for p in platform_order(df):
        if _kind(df, p) == "bare" and len(done_runs(df[df["platform"] == p])):
            return p
    return None


def overhead_vs_bare(df, column="wall_s", reference=None, n_resamples=BOOTSTRAP_RESAMPLES,
                     seed=BOOTSTRAP_SEED, conf=CONFIDENCE, include_oversubscribed=False):
    """Overhead of each platform relative to bare metal: ratio = median(platform) /
    median(reference) of `column`, with a percentile-bootstrap CI (both samples
    resampled). overhead_pct = 100 (ratio - 1). Empty DataFrame when there is no
    bare platform (see bare_reference). Oversubscribed runs are left out unless
    include_oversubscribed (their CPUs were shared: not the platform's cost)."""
    order = platform_order(df)
    df = timing_runs(df, include_oversubscribed)
    cols = ["platform", "kind", "reference", "metric", "n", "n_ref", "median", "median_ref",
            "ratio", "ci_low", "ci_high", "overhead_pct"]
    ref = reference or bare_reference(df)
    if ref is None:
        return pd.DataFrame(columns=cols)
    xr = _finite(df[df["platform"] == ref], column)[column].astype(float).to_numpy()
    rows = []
    for p in order:
        if p == ref:
            continue
        x = _finite(df[df["platform"] == p], column)[column].astype(float).to_numpy()
        ratio, lo, hi = bootstrap_ratio_ci(x, xr, n_resamples, seed, conf)
        rows.append({"platform": p, "kind": _kind(df, p), "reference": ref, "metric": column,
                     "n": len(x), "n_ref": len(xr),
                     "median": float(np.median(x)) if len(x) else np.nan,
                     "median_ref": float(np.median(xr)) if len(xr) else np.nan,
                     "ratio": ratio, "ci_low": lo, "ci_high": hi, "overhead_pct": 100 * (ratio - 1)})
    return pd.DataFrame(rows, columns=cols)


def phases(df):
    """Per platform medians (s) of startup_s, workload_s, teardown_s and wall_s over
    finished runs, with n (runs having all three phases)."""
    rows = []
    for p in platform_order(df):
        d = done_runs(df[df["platform"] == p])
        ok = np.isfinite(d[["startup_s", "workload_s", "teardown_s"]].astype(float)).all(axis=1)
        d = d[ok]
        r = {"platform": p, "kind": _kind(df, p), "n": int(len(d))}
        for c in ("startup_s", "workload_s", "teardown_s", "wall_s"):
            r[c] = float(np.median(d[c].astype(float))) if len(d) else np.nan
        rows.append(r)
    return pd.DataFrame(rows, columns=["platform", "kind", "n", "startup_s", "workload_s",
                                       "teardown_s", "wall_s"])


def identity_table(df, columns=("iterations", "final_rate", "final_error", "train_acc",
                                "val_acc", "test_acc")):
    """Per metric: are finished runs of the same test index (same seed) bit-identical
    across platforms? Columns: metric, tests_compared (test indices finished on >= 2
    platforms), tests_identical, identical_across_platforms (bool, None if nothing to
    compare), max_abs_diff (largest spread within a test index)."""
    d = done_runs(df)
    rows = []
    for c in columns:
        compared = same = 0
        spread = 0.0
        for _, g in d.groupby("test"):
            g = g.drop_duplicates("platform")
            v = g[c].astype(float).to_numpy()
            if len(v) < 2:
                continue
            compared += 1
            if np.all(np.isnan(v)) or (np.all(np.isfinite(v)) and np.all(v == v[0])):
                same += 1
            elif np.all(np.isfinite(v)):
                spread = max(spread, float(np.max(v) - np.min(v)))
            else:
                spread = np.nan
        rows.append({"metric": c, "tests_compared": compared, "tests_identical": same,
                     "identical_across_platforms": (same == compared) if compared else None,
                     "max_abs_diff": spread if compared else np.nan})
    return pd.DataFrame(rows)


def accuracy_comparison(df, column="test_acc"):
    """Do the platforms differ in `column`? Kruskal-Wallis H test over finished runs.

    Returns a dict: metric, groups ({platform: n}), all_identical (every value the
    same), identical_per_test (same value for every test index across platforms),
    statistic, pvalue (NaN when the test cannot be run) and reading (plain words).
    """
    from scipy import stats
    groups = {}
    for p in platform_order(df):
        x = _finite(df[df["platform"] == p], column)[column].astype(float).to_numpy()
        if len(x):
            groups[p] = x
    res = {"metric": column, "groups": {p: len(x) for p, x in groups.items()},
           "all_identical": False, "identical_per_test": None,
           "statistic": np.nan, "pvalue": np.nan, "reading": ""}
    idt = identity_table(df, [column]).iloc[0]
    ident = idt["identical_across_platforms"]
    res["identical_per_test"] = None if ident is None or pd.isna(ident) else bool(ident)
    if len(groups) < 2:
        res["reading"] = ("no finished runs yet: nothing to compare" if not groups else
                          f"only one platform ({next(iter(groups))}) has finished runs: nothing to compare")
        return res
    allv = np.concatenate(list(groups.values()))
    per_test = ""
    if res["identical_per_test"]:
        per_test = (f" {column} is identical across platforms for every test index compared "
                    f"({idt['tests_identical']} of {idt['tests_compared']}; same seed, same "
                    "result): the platform changes how fast the workload runs, not what it "
                    "computes.")
    elif res["identical_per_test"] is False:
        per_test = (f" {column} differs between platforms for {idt['tests_compared'] - idt['tests_identical']}"
                    f" of {idt['tests_compared']} test indices with the same seed (largest "
                    f"difference {idt['max_abs_diff']:.6g}): the runs are not bit-reproducible "
                    "across platforms.")
    if np.all(allv == allv[0]):
        res["all_identical"] = True
        res["reading"] = (f"all {len(allv)} values of {column} are identical ({allv[0]:.6g}) "
                          "across platforms: identical across platforms, no test needed."
                          + per_test)
        return res
    try:
        h, pv = stats.kruskal(*groups.values())
    except ValueError as e:
        res["reading"] = f"Kruskal-Wallis test not possible: {e}." + per_test
        return res
    res["statistic"], res["pvalue"] = float(h), float(pv)
    if res["identical_per_test"]:
        res["reading"] = (per_test.strip() + f" (Kruskal-Wallis over all runs: H = {h:.3g}, "
                          f"p = {pv:.3g}; the values differ between test indices, i.e. seeds, "
                          "not between platforms.)")
        return res
    if pv < 0.05:
        word = (f"the platforms differ in {column} (Kruskal-Wallis H = {h:.3g}, p = {pv:.3g} "
                "< 0.05): at least one platform's values tend to be higher or lower than another's.")
    else:
        word = (f"no evidence that the platforms differ in {column} (Kruskal-Wallis H = {h:.3g}, "
                f"p = {pv:.3g} >= 0.05); this does not prove they are equal"
                + (", and with so few runs per platform the test has little power."
                   if min(len(x) for x in groups.values()) < 5 else "."))
    res["reading"] = word + per_test
    return res


def outliers(df, column="wall_s", threshold=OUTLIER_THRESHOLD):
    """Runs whose `column` is an outlier within their platform (OUTLIER_RULE), with what
    is known about them: id, test, host, rank, attempt, status, exit_code, signal,
    start_unix, start_utc, value, platform median, modified z."""
    cols = ["platform", "metric", "id", "test", "value", "platform_median", "modified_z",
            "host", "rank", "attempt", "status", "exit_code", "signal", "start_unix", "start_utc"]
    rows = []
    for p in platform_order(df):
        d = _finite(df[df["platform"] == p], column)
        if len(d) < OUTLIER_MIN_RUNS:
            continue
        x = d[column].astype(float).to_numpy()
        z = modified_z(x)
        med = float(np.median(x))
        for (_, r), zi, xi in zip(d.iterrows(), z, x):
            if abs(zi) > threshold:
                su = float(r["start_unix"])
                rows.append({"platform": p, "metric": column, "id": int(r["id"]), "test": int(r["test"]),
                             "value": xi, "platform_median": med, "modified_z": float(zi),
                             "host": r.get("host", ""), "rank": r.get("rank", -1),
                             "attempt": r.get("attempt", -1), "status": r["status"],
                             "exit_code": r.get("exit_code", -1), "signal": r.get("signal", 0),
                             "start_unix": su,
                             "start_utc": (pd.Timestamp(su, unit="s", tz="UTC").strftime("%Y-%m-%d %H:%M:%S")
                                           if np.isfinite(su) else "")})
    return pd.DataFrame(rows, columns=cols)


def problems(df, tails=None):
    """Failed, skipped and interrupted runs with their error text (and, when `tails`
    from output_tails() is given, the last line of their stderr)."""
    cols = ["id", "platform", "test", "status", "host", "rank", "attempt", "exit_code",
            "signal", "error"]
    d = df[df["status"].isin(PROBLEM_STATUSES)]
    out = d[[c for c in cols if c in d.columns]].copy()
    if tails is not None and len(tails) == len(df):
        last = []
        for i in out["id"]:
            t = tails["stderr_tail"].iloc[int(i)] if 0 <= int(i) < len(tails) else ""
            lines = [ln for ln in t.splitlines() if ln.strip()]
            last.append(lines[-1] if lines else "")
        out["stderr_last_line"] = last
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- figures

MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">"]


def style(df):
    """{platform: (colour, marker)} in campaign order (tab10 colours)."""
    from matplotlib import colormaps
    cmap = colormaps["tab10"]
    return {p: (cmap(i % 10), MARKERS[i % len(MARKERS)]) for i, p in enumerate(platform_order(df))}


def _figure(w, h):
    from matplotlib.figure import Figure
    return Figure(figsize=(w, h), dpi=110)


def _legend_right(fig, axes, df, extra=None):
    """One legend for the figure, to the right of the axes (never over data)."""
    from matplotlib.lines import Line2D
    st = style(df)
    finished = set(done_runs(df)["platform"])
    handles = [Line2D([], [], color=c, marker=m, linestyle="", markersize=7,
                      label=p if p in finished else f"{p}\n(no finished runs)")
               for p, (c, m) in st.items()]
    if extra:
        handles += extra
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(0.815, 0.5), frameon=False,
               title="platform", fontsize=9)
    fig.subplots_adjust(right=0.8)


def _log_axis(axis):
    """Log scale with plain-number tick labels at 1-2-5 steps (10^2 alone says little)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    axis.axes.set_yscale("log") if axis.axis_name == "y" else axis.axes.set_xscale("log")
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def _dodge(n):
    """x offsets so that markers of n platforms at one test index do not cover each other."""
    w = min(0.8, 0.16 * n)
    return np.linspace(-w / 2, w / 2, n) if n > 1 else np.zeros(1)


def fig_results_per_test(df):
    """Study Fig. 1a-1d: final error, training, validation and test accuracy per test
    index, one colour and marker per platform (finished runs)."""
    fig = _figure(11, 7.2)
    axs = fig.subplots(2, 2, sharex=True)
    panels = [("final_error", "(a) final error", "loss of last training batch\n(cross-entropy)", 1),
              ("train_acc", "(b) training accuracy", "accuracy (%)", 100),
              ("val_acc", "(c) validation accuracy", "accuracy (%)", 100),
              ("test_acc", "(d) test accuracy", "accuracy (%)", 100)]
    st = style(df)
    order = platform_order(df)
    off = _dodge(len(order))
    d = done_runs(df)
    tests = sorted(df["test"].unique())
    for ax, (col, title, ylab, scale) in zip(axs.flat, panels):
        for k, p in enumerate(order):
            g = d[d["platform"] == p]
            c, m = st[p]
            ax.plot(g["test"] + off[k], g[col].astype(float) * scale, linestyle="", marker=m,
                    color=c, markersize=6, markeredgecolor="black", markeredgewidth=0.4)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylab)
        ax.grid(axis="y", alpha=0.3)
        for t in tests[:-1]:
            ax.axvline(t + 0.5, color="0.9", linewidth=0.8, zorder=0)
    for ax in axs[1]:
        ax.set_xlabel("test index (repetition; same index = same seed)")
        ax.set_xticks(tests)
    if len(tests):
        axs[0, 0].set_xlim(min(tests) - 0.5, max(tests) + 0.5)  # shared x: every slot visible
    fig.suptitle("Fig. 1 - Results of every finished run, per test and platform")
    _legend_right(fig, axs, df)
    fig.subplots_adjust(left=0.08, bottom=0.09, top=0.91, hspace=0.25, wspace=0.28)
    return fig


def fig_time_per_test(df, out_tt=None):
    """Study Fig. 2: training time (the workload's timed loop) per test and platform,
    grouped bars; runs flagged as outliers on training_time_s are marked."""
    fig = _figure(11, 4.8)
    ax = fig.subplots()
    st = style(df)
    order = platform_order(df)
    n = len(order)
    width = 0.8 / max(n, 1)
    d = done_runs(df)
    flagged = set(out_tt["id"]) if out_tt is not None and len(out_tt) else set()
    ymax = 0
    for k, p in enumerate(order):
        g = d[d["platform"] == p]
        x = g["test"].to_numpy() - 0.4 + width * (k + 0.5)
        y = g["training_time_s"].astype(float).to_numpy()
        c, m = st[p]
        ax.bar(x, y, width=width * 0.92, color=c, edgecolor="black", linewidth=0.4)
        ax.plot(x, y, linestyle="", marker=m, color="white", markersize=4, markeredgecolor="black",
                markeredgewidth=0.4)
        for xi, yi, i in zip(x, y, g["id"]):
            if i in flagged:
                ax.annotate("outlier", (xi, yi), xytext=(0, 4), textcoords="offset points",
                            ha="center", fontsize=7, color="red", rotation=90)
        if len(y) and np.isfinite(y).any():
            ymax = max(ymax, np.nanmax(y))
    if ymax > 0:
        ax.set_ylim(0, ymax * 1.18)
    tests = sorted(df["test"].unique())
    ax.set_xticks(tests)
    if len(tests):
        ax.set_xlim(min(tests) - 0.5, max(tests) + 0.5)
    ax.set_xlabel("test index (repetition; same index = same seed)")
    ax.set_ylabel("training time (s)")
    ax.grid(axis="y", alpha=0.3)
    ax.set_title("Fig. 2 - Training time (workload's timed loop) per test and platform", fontsize=11)
    _legend_right(fig, [ax], df)
    fig.subplots_adjust(left=0.08, bottom=0.12, top=0.9)
    return fig


def fig_best_curves(df, best, curve_data):
    """Study Fig. 3: loss and accuracy per iteration (training and validation) of each
    platform's best run. curve_data: {metric: ndarray (experiments, steps)}."""
    n = max(len(best), 1)
    fig = _figure(11, 2.6 * n + 0.9)
    axs = np.atleast_2d(fig.subplots(n, 2, sharex=True, squeeze=False))
    st = style(df)
    for row, (_, b) in zip(axs, best.iterrows()):
        i = int(b["id"])
        c, m = st.get(b["platform"], ("black", "o"))
        tl, vl = curve_data["train_loss"][i], curve_data["val_loss"][i]
        ta, va = curve_data["train_acc"][i] * 100, curve_data["val_acc"][i] * 100
        it = np.arange(1, len(tl) + 1)
        row[0].plot(it, tl, color=c, linewidth=1.4, label="training (batch)")
        row[0].plot(it, vl, color=c, linewidth=1.4, linestyle="--", label="validation")
        row[1].plot(it, ta, color=c, linewidth=1.4, label="training (batch)")
        row[1].plot(it, va, color=c, linewidth=1.4, linestyle="--", label="validation")
        row[0].set_ylabel("loss (cross-entropy)")
        row[1].set_ylabel("accuracy (%)")
        row[1].set_ylim(-3, 103)
        lab = (f"{b['platform']} ({b['kind']}): best run = test {int(b['test'])}, id {i}, "
               f"test acc {100 * b['test_acc']:.1f} %")
        row[0].set_title(lab, fontsize=9.5, loc="left", fontweight="bold")
        for ax in row:
            ax.grid(alpha=0.3)
            ax.legend(loc="best", fontsize=8, frameon=True, framealpha=0.8)
    from matplotlib.ticker import MaxNLocator
    for ax in axs[-1]:
        ax.set_xlabel("iteration (optimizer step)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    H = 2.6 * n + 0.9
    fig.suptitle("Fig. 3 - Loss (left) and accuracy (right) per iteration of each platform's best run\n"
                 "solid: training batch of that step, dashed: whole validation set", fontsize=11,
                 y=1 - 0.08 / H)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.6 / H, top=1 - 0.85 / H, hspace=0.5, wspace=0.2)
    return fig


def fig_time_distribution(df, outl=None, seed=BOOTSTRAP_SEED):
    """Every run's wall time and training time per platform (points), with the median
    and its 95 % bootstrap CI (black bar); outliers ringed in red. Log scale when the
    platforms differ more than 10x."""
    fig = _figure(11, 4.6)
    axs = fig.subplots(1, 2)
    st = style(df)
    order = platform_order(df)
    rng = np.random.default_rng(seed)
    flagged = set()
    if outl is not None and len(outl):
        flagged = set(zip(outl["metric"], outl["id"]))
    for ax, col, title in zip(axs, ("wall_s", "training_time_s"),
                              ("wall time of the experiment (launch to exit)",
                               "training time (workload's timed loop)")):
        allv = []
        for k, p in enumerate(order):
            g = _finite(df[df["platform"] == p], col)
            y = g[col].astype(float).to_numpy()
            c, m = st[p]
            x = k + rng.uniform(-0.15, 0.15, len(y))
            ax.plot(x, y, linestyle="", marker=m, color=c, alpha=0.75, markersize=6,
                    markeredgecolor="black", markeredgewidth=0.3)
            for xi, yi, i in zip(x, y, g["id"]):
                if (col, i) in flagged:
                    ax.plot(xi, yi, marker="o", markersize=13, markerfacecolor="none",
                            markeredgecolor="red", markeredgewidth=1.5, linestyle="")
            med, lo, hi = bootstrap_median_ci(y)
            if np.isfinite(med):
                ax.hlines(med, k - 0.3, k + 0.3, color="black", linewidth=2)
            if np.isfinite(lo):
                ax.errorbar(k + 0.33, med, yerr=[[med - lo], [hi - med]], color="black",
                            capsize=3, linewidth=1.2)
            allv.extend(y[y > 0])
        if allv and max(allv) / min(allv) > 10:
            _log_axis(ax.yaxis)
        ax.set_xticks(range(len(order)))
        ax.set_xticklabels(order, rotation=20 if len(order) > 4 else 0)
        ax.set_xlim(-0.6, len(order) - 0.4)
        ax.set_ylabel("seconds" + (" (log scale)" if ax.get_yscale() == "log" else ""))
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", alpha=0.3, which="both")
    fig.suptitle("Fig. 4 - Time of every finished run per platform: black line = median, "
                 "bar = 95 % bootstrap CI, red ring = outlier", fontsize=11)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.86, wspace=0.22)
    return fig


def fig_overhead(df, ov):
    """Overhead relative to bare metal: ratio of medians with 95 % bootstrap CI,
    one row per platform and metric; dotted line at 1 = as fast as bare metal."""
    ov = ov[np.isfinite(ov["ratio"].astype(float))]  # platforms without finished runs: nothing to draw
    metrics = list(pd.unique(ov["metric"]))
    H = 1.9 + 0.5 * max(len(pd.unique(ov["platform"])), 1)
    fig = _figure(11, H)
    axs = fig.subplots(1, len(metrics), squeeze=False)[0]
    st = style(df)
    for ax, met in zip(axs, metrics):
        o = ov[ov["metric"] == met].reset_index(drop=True)
        for k, r in o.iterrows():
            c, m = st.get(r["platform"], ("black", "o"))
            y = len(o) - 1 - k
            if np.isfinite(r["ci_low"]):
                ax.errorbar(r["ratio"], y, xerr=[[r["ratio"] - r["ci_low"]], [r["ci_high"] - r["ratio"]]],
                            color=c, capsize=4, linewidth=1.5)
            ax.plot(r["ratio"], y, marker=m, color=c, markersize=8, markeredgecolor="black",
                    markeredgewidth=0.5, linestyle="")
            txt = f"{r['ratio']:.3g}x" + (f"  [{r['ci_low']:.3g}, {r['ci_high']:.3g}]"
                                           if np.isfinite(r["ci_low"]) else "  (n < 2: no CI)")
            xt = max(r["ratio"], r["ci_high"]) if np.isfinite(r["ci_high"]) else r["ratio"]  # right of the CI bar
            ax.annotate(txt, (xt, y), xytext=(9, 0), textcoords="offset points",
                        ha="left", va="center", fontsize=8)
        ax.axvline(1.0, color="0.4", linestyle=":", linewidth=1)
        ax.set_yticks(range(len(o)))
        ax.set_yticklabels(list(o["platform"])[::-1])
        ax.set_ylim(-0.7, len(o) - 0.3)
        vals = np.concatenate([o["ratio"], o["ci_low"], o["ci_high"], [1.0]]).astype(float)
        vals = vals[np.isfinite(vals) & (vals > 0)]
        if len(vals) and vals.max() / vals.min() > 5:
            _log_axis(ax.xaxis)
        ref = o["reference"].iloc[0] if len(o) else ""
        ax.set_xlabel(f"ratio to {ref} (1 = no overhead" + (", log scale)" if ax.get_xscale() == "log" else ")"))
        ax.set_title({"wall_s": "wall time (launch to exit), wall_s",
                      "training_time_s": "training time (timed loop), training_time_s"}.get(met, met),
                     fontsize=10)
        lo, hi = ax.get_xlim()
        if ax.get_xscale() == "log":  # room for the text right of the marker
            ax.set_xlim(lo, hi * 3.0)
        else:
            ax.set_xlim(lo, hi + 0.6 * (hi - lo))
        ax.grid(axis="x", alpha=0.3, which="both")
    fig.suptitle("Fig. 5 - Overhead relative to bare metal: median time / median time of bare metal,\n"
                 "[95 % bootstrap CI] (error bars, often smaller than the marker)", fontsize=11)
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.55 / H, top=1 - 0.8 / H, wspace=0.35)
    return fig


def fig_phases(df, ph):
    """Start-up, workload and tear-down time per platform (medians over finished runs):
    stacked bars of the whole experiment, and start-up + tear-down alone (the platform's
    own cost, invisible next to the workload on the left)."""
    fig = _figure(11, 4.6)
    axs = fig.subplots(1, 2)
    x = np.arange(len(ph))
    parts = [("startup_s", "start-up (launch -> first line)", "#4c72b0"),
             ("workload_s", "workload (first -> last line)", "#dddddd"),
             ("teardown_s", "tear-down (last line -> exit)", "#dd8452")]
    for ax, use in zip(axs, (parts, [parts[0], parts[2]])):
        bottom = np.zeros(len(ph))
        for col, lab, colr in use:
            v = ph[col].astype(float).fillna(0).to_numpy()
            ax.bar(x, v, bottom=bottom, color=colr, edgecolor="black", linewidth=0.4, label=lab, width=0.6)
            bottom += v
        ax.set_xticks(x)
        ax.set_xticklabels(ph["platform"], rotation=20 if len(ph) > 4 else 0)
        ax.set_ylabel("median time (s)")
        ax.grid(axis="y", alpha=0.3)
        if len(ph):
            ax.set_ylim(0, max(bottom.max(), 1e-3) * 1.25)
        measured = ph[[c for c, _, _ in use]].notna().any(axis=1).to_numpy()
        for xi, b, m in zip(x, bottom, measured):
            ax.annotate(f"{b:.3g} s" if m else "no finished run", (xi, b), xytext=(0, 3),
                        textcoords="offset points", ha="center", fontsize=8,
                        color="black" if m else "grey")
    axs[0].set_title("whole experiment", fontsize=10)
    axs[1].set_title("platform's own cost: start-up + tear-down", fontsize=10)
    fig.suptitle("Fig. 6 - Where an experiment's time goes, per platform (medians of finished runs)",
                 fontsize=11)
    fig.legend(*axs[0].get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=9, frameon=False)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.2, top=0.86, wspace=0.22)
    return fig
