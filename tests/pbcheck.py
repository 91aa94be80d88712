"""pbcheck: what the tests' check_*.py scripts share to read a platbench results file
(analysis/SCHEMA.md) with plain h5py, independently of analysis/.

    s(v)                        an HDF5 string (bytes, NUL-padded or not) as str
    attr(f, name)               a root attribute as a Python value (str, int, float, list); None if absent
    rows(f)                     /experiments as a list of dicts (strings decoded, numbers as Python's)
    open_results(path, die)     h5py.File(path, "r"), or die("PATH does not open: ...")
    load(path)                  (experiments array, {curve: 2-D array} without elapsed_s, platforms array)
    cpus(text)                  "0-2,5" -> {0, 1, 2, 5}
    curve_mismatches(ex, curves, ref_of, equal_nan)
                                per test: the same seed on every row, and each row's curves and
                                final_error equal to those of the test's reference row ref_of(rows);
                                a list of messages
    finish(fails)               prints "FAIL <m>" per message and "<n> failed"; the exit status

Import from a script one folder below tests/:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
"""
import h5py
import numpy as np


def s(v):
    """Decodes a fixed-length HDF5 string (bytes) or passes str through."""
    if isinstance(v, bytes):
        return v.split(b"\0", 1)[0].decode("utf-8", "replace")
    return str(v)


def attr(f, name):
    v = f.attrs.get(name)
    if v is None:
        return None
    if not isinstance(v, (bytes, str)) and hasattr(v, "shape") and v.shape == ():
        v = v[()]
    if hasattr(v, "tolist"):
        v = v.tolist()
    return s(v) if isinstance(v, (bytes, str)) else v


def rows(f):
    e = f["experiments"][()]
    names = e.dtype.names
    out = []
    for r in e:
        out.append({n: (s(r[n]) if isinstance(r[n], bytes) else r[n].item()) for n in names})
    return out


def open_results(path, die):
    try:
        return h5py.File(path, "r")
    except OSError as e:
        die("%s does not open: %s" % (path, e))


def load(path):
    with h5py.File(path, "r") as f:
        ex = f["experiments"][()]
        curves = {k: f["curves"][k][()] for k in f["curves"] if k != "elapsed_s"}
        plats = f["platforms"][()]
    return ex, curves, plats


def cpus(text):
    out = set()
    for part in filter(None, text.split(",")):
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out


def curve_mismatches(ex, curves, ref_of, equal_nan=False):
    fails = []
    for t in sorted({int(r["test"]) for r in ex}):
        idx = [i for i, r in enumerate(ex) if r["test"] == t]
        seeds = {int(ex[i]["seed"]) for i in idx}
        if len(seeds) != 1:
            fails.append(f"test {t}: seeds {seeds}")
        ref = ref_of(idx)
        for i in idx:
            if i == ref:
                continue
            for k, c in curves.items():
                if not np.array_equal(c[ref], c[i], equal_nan=equal_nan):
                    fails.append(f"test {t}: {k} of {s(ex[i]['platform'])} differs from "
                                 f"{s(ex[ref]['platform'])} (max {np.nanmax(np.abs(c[ref] - c[i]))})")
            if ex[i]["final_error"] != ex[ref]["final_error"]:
                fails.append(f"test {t}: final_error differs on {s(ex[i]['platform'])}")
    return fails


def finish(fails):
    for m in fails:
        print("FAIL", m)
    print(f"{len(fails)} failed")
    return 1 if fails else 0
