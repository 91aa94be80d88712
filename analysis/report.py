#!/usr/bin/python3
"""Turn a platbench results file into a report folder: PNG figures, CSV tables, index.html.

    /usr/bin/python3 analysis/report.py RESULTS.h5 --out DIR [--resamples N] [--seed S]

Works on a campaign that is still running or was interrupted (reports what is
missing, analyses what is there). Exit status: 0 report written, 2 the file is not
a platbench results file (or bad arguments), 4 out of space (disk full or quota: one line
names the file and its file system; no partial file is left), 1 anything else went wrong.
"""
import argparse
import errno
import html
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import platbench_analysis as pa  # noqa: E402

TABLES = {  # file stem -> title shown in index.html
    "completeness": "Completeness: experiments per platform and status",
    "best_runs": "Tables 1-3 - Best run of each platform",
    "time_summary": "Time per platform: median and 95 % bootstrap CI",
    "overhead_vs_bare": "Overhead relative to bare metal (ratio of medians)",
    "phases": "Start-up / workload / tear-down (medians, s)",
    "timing_conditions": "Solo runs vs runs with co-runners on their host (training time)",
    "identity": "Are runs with the same seed identical across platforms?",
    "accuracy_test": "Do platforms differ in accuracy? (Kruskal-Wallis)",
    "outliers": "Outliers on time (modified z-score > 3.5)",
    "problems": "Failed, skipped and interrupted runs",
    "platforms": "Platforms (provenance)",
    "experiments": "All experiments (raw rows)",
}


def fmt_num(v):
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            return "" if np.isnan(v) else str(v)
        return f"{v:.6g}"
    return v


def html_table(df):
    if df is None or not len(df):
        return "<p class=note>(no rows)</p>"
    cellwise = df.map if hasattr(pd.DataFrame, "map") else df.applymap  # pandas >= 2.1 renamed it
    return cellwise(fmt_num).to_html(index=False, escape=True, border=0, classes="t")


def min_sec(v):
    """Seconds as the study wrote them: 16'36\"."""
    try:
        v = float(v)
    except (TypeError, ValueError):
        return ""
    if not np.isfinite(v):
        return ""
    m, sec = divmod(int(round(v)), 60)
    return f"{m}'{sec:02d}\""


def shown_table(stem, t):
    """Table `stem` as index.html and report.md show it: best_runs with the study's
    minutes'seconds" beside training_time_s (the CSV keeps seconds only)."""
    if stem != "best_runs" or "training_time_s" not in t:
        return t
    t = t.copy()
    t.insert(t.columns.get_loc("training_time_s") + 1, "training_time", [min_sec(v) for v in t["training_time_s"]])
    return t


class OutOfSpace(Exception):
    """A report file could not be written: the disk is full or the quota is hit."""


def write_atomic(tmp, path, writer):
    """writer(tmp), then tmp renamed to path; on a full disk (ENOSPC, EDQUOT) removes tmp and
    raises OutOfSpace with one line naming the file and its file system."""
    try:
        writer(tmp)
        os.replace(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        if e.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        d = os.path.dirname(os.path.abspath(path))
        mount = d
        while os.path.dirname(mount) != mount and os.path.ismount(mount) is False:
            mount = os.path.dirname(mount)
        st = os.statvfs(d)
        free, total = st.f_bavail * st.f_frsize / 1024, st.f_blocks * st.f_frsize / 1024
        raise OutOfSpace(f"report.py: out of space writing {path} on file system {mount} "
                         f"({free:.0f} KiB free of {total:.0f} KiB): {os.strerror(e.errno)}; "
                         "free space (or use another --out) and run again") from None


def save_fig(fig, out, name, figs, caption):
    path = os.path.join(out, name)
    write_atomic(path + ".tmp.png", path, lambda t: fig.savefig(t, dpi=110, format="png"))
    figs.append((name, caption))
    print(f"  figure  {name}")


def save_csv(df, out, stem, written):
    path = os.path.join(out, stem + ".csv")
    write_atomic(path + ".tmp", path, lambda t: df.to_csv(t, index=False))
    written[stem] = df
    print(f"  table   {stem}.csv ({len(df)} rows)")


#: tables of report.md in order (the raw experiments stay in experiments.csv)
MD_TABLES = ["best_runs", "time_summary", "overhead_vs_bare", "phases", "timing_conditions",
             "identity", "accuracy_test", "completeness", "outliers", "problems", "platforms"]
#: root attributes listed under "Provenance" in report.md
MD_PROVENANCE = ["platbench_version", "git_commit", "config_file", "config_hash", "hostnames", "mpi_ranks",
                 "cpu_model", "kernel", "mpi_version", "hdf5_version", "openblas_version", "created (UTC)",
                 "updated (UTC)"]


def md_table(df):
    """A DataFrame as a GitHub Markdown table ('|' in cells escaped, numbers as in index.html)."""
    if df is None or not len(df):
        return "(no rows)\n"

    def cell(v):
        return str(fmt_num(v)).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(cell(c) for c in df.columns) + " |",
             "|" + "|".join("---" for _ in df.columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def write_markdown(path, a, attrs, head, notes, figs, written, prov):
    """report.md: the headline, notes, figures and tables of index.html as Markdown (renders on a
    Git forge; what docs/ publishes), with the provenance and the campaign config."""
    def plain(h):
        return html.unescape(re.sub(r"<[^>]+>", "", h))
    md = [f"# platbench report: {attrs.get('campaign_name', '')}", "",
          f"Results file `{os.path.basename(a.results)}`; campaign state {attrs.get('state', '?')}; "
          f"platbench {attrs.get('platbench_version', '?')}. Generated by "
          f"`analysis/report.py {os.path.basename(a.results)} --out DIR` (bootstrap {a.resamples} resamples, "
          f"seed {a.seed}).", ""]
    md += [f"> **Note:** {plain(n)}\n" for n in notes]
    md += ["## Headline", ""] + [f"- {x}" for x in head] + [""]
    md += ["## Figures", ""]
    for name, cap in figs:
        md += [f"![{name}]({name})", "", plain(cap), ""]
    md += ["## Tables", ""]
    for stem in MD_TABLES:
        if stem not in written:
            continue
        md += [f"### {TABLES[stem]} ([{stem}.csv]({stem}.csv))", "", md_table(shown_table(stem, written[stem]))]
    md += ["## Provenance", ""]
    pv = dict(prov)
    md += [f"- {k}: `{pv[k]}`" for k in MD_PROVENANCE if k in pv] + [""]
    if "config_text" in attrs:
        md += ["Campaign config as run:", "", "```", str(attrs["config_text"]).rstrip(), "```", ""]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(md))


def main(argv=None):
    ap = argparse.ArgumentParser(description="Write an HTML/PNG/CSV report of a platbench results file.")
    ap.add_argument("results", help="results file written by platbench run (HDF5)")
    ap.add_argument("--out", required=True, help="report folder (created; files in it are replaced)")
    ap.add_argument("--resamples", type=int, default=pa.BOOTSTRAP_RESAMPLES,
                    help=f"bootstrap resamples (default {pa.BOOTSTRAP_RESAMPLES})")
    ap.add_argument("--seed", type=int, default=pa.BOOTSTRAP_SEED,
                    help=f"bootstrap RNG seed (default {pa.BOOTSTRAP_SEED})")
    ap.add_argument("--include-oversubscribed", action="store_true",
                    help="count runs flagged oversubscribed (threads > CPUs, or CPUs shared with "
                         "another rank) in the overhead ratios (default: left out)")
    a = ap.parse_args(argv)
    if a.resamples < 100:
        ap.error("--resamples must be >= 100")

    try:
        attrs = pa.load_attrs(a.results)
        df = pa.load_experiments(a.results)
        plat = pa.load_platforms(a.results)
        tails = pa.output_tails(a.results)
        cur = {}
        for m in ("train_loss", "val_loss", "train_acc", "val_acc"):
            try:
                cur[m] = pa.curves(a.results, m)
            except pa.ResultsFileError as e:
                if "damaged" in str(e):
                    pa._damaged(a.results, f"dataset /curves/{m}: unreadable; its figure is left out")
                else:
                    print(f"warning: {e}", file=sys.stderr)
    except pa.ResultsFileError as e:
        print(f"report.py: error: {e}", file=sys.stderr)
        return 2
    if not pa.damage(a.results):
        return write_report(a, attrs, df, plat, tails, cur)
    # a damaged file: everything still readable, then one line per damaged object
    try:
        rc = write_report(a, attrs, df, plat, tails, cur)
    except Exception as e:  # noqa: BLE001 - the readable parts may be too little for some table
        print(f"report.py: {a.results}: the readable parts are not enough for a full report "
              f"({type(e).__name__}: {e}); stopped there", file=sys.stderr)
        rc = 2
    for line in pa.damage(a.results):
        print(f"report.py: {a.results}: damaged: {line}", file=sys.stderr)
    n = len(pa.damage(a.results))
    print(f"report.py: {a.results}: {n} damaged object{'s' if n != 1 else ''}; the report shows "
          "what could be read", file=sys.stderr)
    return 2 if rc == 0 else rc


def write_report(a, attrs, df, plat, tails, cur):
    """Writes the report folder a.out from what was read; returns the exit status."""

    import matplotlib  # only now: a bad file is rejected without loading it
    matplotlib.use("Agg")  # no display needed
    out = a.out
    os.makedirs(out, exist_ok=True)
    # A report written earlier into the same folder must not leave figures or tables
    # that this file does not produce (e.g. Fig. 5 once there is no bare platform).
    for name in os.listdir(out):
        if (re.fullmatch(r"fig[0-9]+_[a-z0-9_]+\.png", name) or name in ("index.html", "report.md")
                or (name.endswith(".csv") and name[:-4] in TABLES)):
            os.remove(os.path.join(out, name))
    print(f"report.py: {a.results}: campaign '{attrs.get('campaign_name', '')}', "
          f"state {attrs.get('state', '?')}, {len(df)} experiments, "
          f"{len(pa.platform_order(df))} platforms")
    if str(attrs.get("platbench_version", "")) == "synthetic":
        print("report.py: note: SYNTHETIC file (made-up numbers from make_fake_results.py), not a measurement")
    B, S = a.resamples, a.seed
    written, figs, notes = {}, [], []

    comp = pa.completeness(df)
    save_csv(comp, out, "completeness", written)
    missing = comp[comp["missing"] > 0]
    state = attrs.get("state", "")
    if len(missing) or state != "complete":
        notes.append(f"Campaign state is <b>{html.escape(str(state))}</b>; "
                     f"{int(comp['missing'].sum())} of {len(df)} experiments not yet measured "
                     "(pending or running): "
                     + (", ".join(f"{html.escape(r.platform)}: {r.missing}" for r in missing.itertuples())
                        or "none") + ". The analysis below uses the finished runs only.")

    best = pa.best_runs(df)
    save_csv(best, out, "best_runs", written)
    summ = pd.concat([pa.summary(df, c, B, S) for c in ("wall_s", "training_time_s")], ignore_index=True)
    save_csv(summ, out, "time_summary", written)
    ref = pa.bare_reference(df)
    if ref:
        inc = a.include_oversubscribed
        ov = pd.concat([pa.overhead_vs_bare(df, c, ref, B, S, include_oversubscribed=inc)
                        for c in ("wall_s", "training_time_s")], ignore_index=True)
        save_csv(ov, out, "overhead_vs_bare", written)
        if not np.isfinite(ov["ratio"].astype(float)).any():
            notes.append(f"Only the bare-metal platform ({html.escape(ref)}) has finished runs: no "
                         "overhead ratio can be computed yet (Fig. 5 is left out).")
    else:
        ov = None
        notes.append("No platform of kind <b>bare</b> with finished runs: the overhead relative to "
                     "bare metal is not computed (Fig. 5 and its table are left out).")
    mixed = pa.data_version_warning(df)
    if mixed:
        notes.append(f"<b>{html.escape(mixed)}</b>.")
    n_over = int((pa.oversubscribed(df) & (df["status"] == "done")).sum())
    if n_over:
        notes.append(f"<b>OVERSUBSCRIBED</b>: {n_over} finished run{'s' if n_over != 1 else ''} ran with "
                     "more threads than CPUs or on CPUs shared with another rank (allow_oversubscribe); "
                     + ("they are <b>included</b> in the overhead ratios (--include-oversubscribed)."
                        if a.include_oversubscribed else
                        "their timings are left out of the overhead ratios (--include-oversubscribed "
                        "counts them) and shown apart in the timing conditions table."))
    tc = pa.corunner_effect(df, "training_time_s", B, S)
    save_csv(tc, out, "timing_conditions", written)
    ph = pa.phases(df)
    save_csv(ph, out, "phases", written)
    idt = pa.identity_table(df)
    save_csv(idt, out, "identity", written)
    acc = [pa.accuracy_comparison(df, c) for c in ("test_acc", "val_acc", "train_acc")]
    acc_df = pd.DataFrame([{"metric": r["metric"],
                            "groups": "; ".join(f"{p}: n={n}" for p, n in r["groups"].items()),
                            "all_identical": r["all_identical"],
                            "identical_per_test": r["identical_per_test"],
                            "kruskal_H": r["statistic"], "pvalue": r["pvalue"],
                            "reading": r["reading"]} for r in acc])
    save_csv(acc_df, out, "accuracy_test", written)
    outl = pd.concat([pa.outliers(df, c) for c in ("wall_s", "training_time_s")], ignore_index=True)
    save_csv(outl, out, "outliers", written)
    prob = pa.problems(df, tails)
    save_csv(prob, out, "problems", written)
    save_csv(plat, out, "platforms", written)
    save_csv(df, out, "experiments", written)

    have_done = len(pa.done_runs(df)) > 0
    if have_done:
        save_fig(pa.fig_results_per_test(df), out, "fig1_results_per_test.png", figs,
                 "Fig. 1 (study Fig. 1a-1d): final error, training, validation and test accuracy of every "
                 "finished run, per test index; one colour and marker per platform, markers of one test "
                 "index side by side.")
        save_fig(pa.fig_time_per_test(df, outl[outl["metric"] == "training_time_s"]), out,
                 "fig2_training_time_per_test.png", figs,
                 "Fig. 2 (study Fig. 2): training time (the workload's timed loop, as the study timed "
                 "it) per test index and platform.")
        if len(best) and all(m in cur for m in ("train_loss", "val_loss", "train_acc", "val_acc")):
            save_fig(pa.fig_best_curves(df, best, cur), out, "fig3_best_run_curves.png", figs,
                     "Fig. 3 (study Fig. 3): loss and accuracy per iteration of each platform's best run "
                     "(training: the step's batch; validation: the whole validation set).")
        save_fig(pa.fig_time_distribution(df, outl, S), out, "fig4_time_distribution.png", figs,
                 f"Fig. 4: every run's time per platform with the median and its 95 % percentile-bootstrap "
                 f"CI ({B} resamples); outliers ringed in red.")
        if ov is not None and np.isfinite(ov["ratio"].astype(float)).any():
            save_fig(pa.fig_overhead(df, ov), out, "fig5_overhead_vs_bare.png", figs,
                     f"Fig. 5: overhead relative to bare metal ({html.escape(ref)}): median time of the "
                     f"platform / median time of bare metal, with a 95 % bootstrap CI ({B} resamples, "
                     "both samples resampled).")
        save_fig(pa.fig_phases(df, ph), out, "fig6_phases.png", figs,
                 "Fig. 6: start-up (launch to the workload's first line), workload and tear-down (last "
                 "line to exit) per platform, medians of finished runs; the number on a bar is the sum of "
                 "its medians.")
    else:
        notes.append("No finished runs yet: no figures.")

    # ------------------------------------------------------------- headline
    head = []
    for r in summ[summ["metric"] == "wall_s"].itertuples():
        if r.n:
            ci = (f" (95 % CI {r.ci_low:.4g}-{r.ci_high:.4g})" if np.isfinite(r.ci_low) else "")
            head.append(f"{r.platform}: median wall time {r.median:.4g} s{ci}, n = {r.n}")
    if ov is not None:
        for r in ov[ov["metric"] == "wall_s"].itertuples():
            if np.isfinite(r.ratio):
                ci = (f" (CI {r.ci_low:.3g}-{r.ci_high:.3g})" if np.isfinite(r.ci_low) else "")
                head.append(f"{r.platform} / {r.reference}: {r.ratio:.3g}x wall time{ci}")
    if comp["missing"].sum():
        head.insert(0, f"{int(comp['missing'].sum())} of {len(df)} experiments not yet measured "
                       f"(campaign state {state})")
    head.append("test accuracy: " + acc[0]["reading"])
    if mixed:
        head.insert(0, mixed)
    for r in tc.itertuples():
        if r.n_corun and r.n_solo:
            ci = (f" (95 % CI {r.ci_low:+.3g} to {r.ci_high:+.3g} s)" if np.isfinite(r.ci_low) else "")
            head.append(f"{r.platform}: training time with co-runners on the host {r.median_corun:.4g} s "
                        f"vs solo {r.median_solo:.4g} s: {r.diff:+.3g} s{ci}, n = {r.n_corun} / {r.n_solo}")
    if n_over:
        head.append(f"{n_over} run(s) OVERSUBSCRIBED: "
                    + ("included in" if a.include_oversubscribed else "left out of") + " the overhead ratios")
    if len(outl):
        head.append(f"{len(outl)} time outlier(s) flagged")
    if len(prob):
        head.append(f"{len(prob)} failed/skipped/interrupted run(s)")

    # ------------------------------------------------------------- html
    def esc(v):
        return html.escape(str(v))
    prov_keys = ["campaign_name", "state", "config_file", "config_hash", "platbench_version", "git_commit",
                 "created_unix", "updated_unix", "n_experiments", "steps", "mpi_ranks", "hostnames",
                 "cpu_model", "kernel", "mpi_version", "hdf5_version", "openblas_version"]
    prov = [(k, attrs[k]) for k in prov_keys if k in attrs]
    prov += [(k, v) for k, v in sorted(attrs.items())
             if k not in prov_keys and k not in ("config_text", "comparable_settings")]
    for k in ("created_unix", "updated_unix"):
        if k in attrs:
            try:
                prov.append((k.replace("_unix", " (UTC)"),
                             time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(float(attrs[k])))))
            except (TypeError, ValueError, OverflowError):
                pass
    h = ["<!doctype html><html><head><meta charset='utf-8'>",
         f"<title>platbench report: {esc(attrs.get('campaign_name', ''))}</title>",
         "<style>body{font-family:sans-serif;max-width:1200px;margin:1em auto;padding:0 1em}"
         "table.t{border-collapse:collapse;font-size:12px;margin:.5em 0}"
         "table.t td,table.t th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
         "table.t th{background:#eee}.note{background:#fff6d5;padding:.4em .8em}"
         "img{max-width:100%;border:1px solid #ddd}figcaption{font-size:13px;color:#333}"
         "pre{background:#f5f5f5;padding:.5em;overflow:auto;font-size:12px}</style></head><body>",
         f"<h1>platbench report: {esc(attrs.get('campaign_name', ''))}</h1>",
         f"<p>Results file: <code>{esc(os.path.abspath(a.results))}</code></p>"]
    if str(attrs.get("platbench_version", "")) == "synthetic":
        h.append("<p class=note><b>SYNTHETIC file</b>: made-up numbers for developing the analysis, "
                 "not a measurement.</p>")
    for n_ in notes:
        h.append(f"<p class=note>{n_}</p>")
    h.append("<h2>Headline</h2><ul>" + "".join(f"<li>{esc(x)}</li>" for x in head) + "</ul>")
    h.append("<h2>Methods</h2><ul>"
             f"<li>{esc(pa.BEST_RULE)}.</li>"
             f"<li>Medians with 95 % percentile-bootstrap confidence intervals, {B} resamples, numpy "
             f"default_rng seed {S} (same file, same report). Runs with status done only.</li>"
             "<li>Overhead = median time of a platform / median time of the bare-metal platform"
             + (f" <b>{esc(ref)}</b>" if ref else "") + "; CI by resampling both independently.</li>"
             f"<li>{esc(pa.OUTLIER_RULE)}.</li>"
             "<li>Accuracy comparison: Kruskal-Wallis H test across platforms (scipy.stats.kruskal); "
             "identity check: runs with the same test index (same seed) compared value by value.</li>"
             "</ul>")
    sect = [("Study figures and tables", ["fig1", "fig2", "fig3"], ["completeness", "best_runs"]),
            ("Beyond the study", ["fig4", "fig5", "fig6"],
             ["time_summary", "overhead_vs_bare", "timing_conditions", "phases", "identity", "accuracy_test", "outliers",
              "problems"]),
            ("Provenance", [], ["platforms"])]
    for title, fpre, tabs in sect:
        h.append(f"<h2>{esc(title)}</h2>")
        for name, cap in figs:
            if name.split("_")[0] in fpre:
                h.append(f"<figure><img src='{esc(name)}' alt='{esc(name)}'><figcaption>{cap}"
                         "</figcaption></figure>")
        for stem in tabs:
            if stem in written:
                h.append(f"<h3>{esc(TABLES[stem])} <small>(<a href='{stem}.csv'>{stem}.csv</a>)</small></h3>")
                if stem == "best_runs":
                    h.append(f"<p>{esc(pa.BEST_RULE)}. The study's tables give the training time "
                             "as minutes'seconds\" (column training_time).</p>")
                h.append(html_table(shown_table(stem, written[stem])))
    h.append("<h3>Root attributes</h3>" + html_table(pd.DataFrame(prov, columns=["attribute", "value"])))
    if "config_text" in attrs:
        h.append(f"<h3>Campaign config</h3><pre>{esc(attrs['config_text'])}</pre>")
    if "comparable_settings" in attrs:
        h.append("<h3>Settings that make results comparable (behind config_hash)</h3>"
                 f"<pre>{esc(attrs['comparable_settings'])}</pre>")
    h.append("<p>All experiments: <a href='experiments.csv'>experiments.csv</a>.</p></body></html>")
    def write_html(t):
        with open(t, "w", encoding="utf-8") as fh:
            fh.write("\n".join(h))
    write_atomic(os.path.join(out, "index.html.tmp"), os.path.join(out, "index.html"), write_html)

    write_atomic(os.path.join(out, "report.md.tmp"), os.path.join(out, "report.md"),
                 lambda t: write_markdown(t, a, attrs, head, notes, figs, written, prov))
    print(f"report.py: report in {os.path.abspath(out)}/index.html and report.md "
          f"({len(figs)} figures, {len(written)} tables)")
    for x in head:
        print("  " + x)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except OutOfSpace as e:
        print(e, file=sys.stderr)
        sys.exit(4)
