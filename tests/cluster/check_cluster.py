#!/usr/bin/python3
"""check_cluster.py: multi-node assertions on a platbench results file (analysis/SCHEMA.md),
on top of tests/slurm/check_results.py. Exits 1 naming the row and field on the first failure.

  check_cluster.py FILE [--hosts node1,node2,node3]      done rows ran on exactly these hosts
                        [--platform-on NAME=h1,h2 ...]     NAME's done rows only on h1,h2 (not necessarily each)
                        [--skipped NAME=TEXT[|TEXT...] ...] NAME's rows all skipped, error has each TEXT
                        [--detail NAME=TEXT ...]           /platforms detail of NAME contains TEXT
                        [--io-defaults]                    io_settings: platbench set the MPI-IO/HDF5 defaults
                        [--attempts-max K]                 no row needed more than K attempts
                        [--nodelist L --ntasks T]          Slurm provenance of the (last created) job
                        [--min-done K]                     at least K rows done
                        [--interrupted-hosts h1,h2]        "interrupted" rows exist on exactly these hosts
                        [--running-only-on HOST]           rows still "running" (their rank died) all ran on HOST
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pbcheck import attr, open_results, rows, s  # noqa: E402


def die(msg):
    print("check_cluster: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--hosts")
    p.add_argument("--platform-on", action="append", default=[])
    p.add_argument("--skipped", action="append", default=[])
    p.add_argument("--detail", action="append", default=[])
    p.add_argument("--io-defaults", action="store_true")
    p.add_argument("--attempts-max", type=int)
    p.add_argument("--nodelist")
    p.add_argument("--running-only-on")
    p.add_argument("--min-done", type=int, default=0)
    p.add_argument("--interrupted-hosts")
    p.add_argument("--ntasks")
    a = p.parse_args()
    with open_results(a.file, die) as f:
        rs = rows(f)
        done = [r for r in rs if r["status"] == "done"]
        by_host = {}
        for r in done:
            by_host.setdefault(r["host"], []).append(r["id"])
        print("%s: done rows per host: %s" % (a.file, ", ".join("%s %d" % (h, len(v)) for h, v in sorted(by_host.items()))))
        if a.hosts:
            want = set(a.hosts.split(","))
            if set(by_host) != want:
                die("done rows ran on %s, expected exactly %s" % (sorted(by_host), sorted(want)))
            names = set(str(attr(f, "hostnames") or "").split(","))
            if not want <= names:
                die("hostnames attribute %r does not name every host of %s" % (attr(f, "hostnames"), sorted(want)))
        for spec in a.platform_on:
            name, hosts = spec.split("=", 1)
            allowed = set(hosts.split(","))
            mine = [r for r in rs if r["platform"] == name]
            if not mine:
                die("no row of platform %s" % name)
            used = set()
            for r in mine:
                if r["status"] != "done":
                    die("row %d (platform %s) is %s: %s" % (r["id"], name, r["status"], r["error"]))
                if r["host"] not in allowed:
                    die("row %d (platform %s) ran on %s, allowed only %s" % (r["id"], name, r["host"], sorted(allowed)))
                used.add(r["host"])
            # only on allowed hosts, not necessarily on each: the ranks take experiments from
            # a shared queue as they free up, so one able rank may take all four (seen in CI:
            # sif's four on node2 while node1 ran dock's)
            print("platform %s: %d rows done on %s" % (name, len(mine), ",".join(sorted(used))))
        for spec in a.skipped:
            name, texts = spec.split("=", 1)
            mine = [r for r in rs if r["platform"] == name]
            if not mine:
                die("no row of platform %s" % name)
            for r in mine:
                if r["status"] != "skipped":
                    die("row %d (platform %s) is %s, expected skipped" % (r["id"], name, r["status"]))
                for t in texts.split("|"):
                    if t not in r["error"]:
                        die("row %d (platform %s): reason %r lacks %r" % (r["id"], name, r["error"], t))
            print("platform %s: %d rows skipped: %s" % (name, len(mine), mine[0]["error"]))
        for spec in a.detail:
            name, text = spec.split("=", 1)
            if "platforms" not in f:
                die("no /platforms dataset")
            pl = {s(p["name"]): s(p["detail"]) for p in f["platforms"][()]}
            if name not in pl:
                die("/platforms has no platform %s (has %s)" % (name, sorted(pl)))
            if text not in pl[name]:
                die("/platforms detail of %s is %r, lacks %r" % (name, pl[name], text))
            print("platform %s detail: %s" % (name, pl[name]))
        if a.io_defaults:
            io = str(attr(f, "io_settings"))
            for t in ("OMPI_MCA_sharedfp=^lockedfile,individual (platbench default)",
                      "HDF5_USE_FILE_LOCKING=FALSE (platbench default)"):
                if t not in io:
                    die("io_settings %r lacks %r" % (io, t))
            print("io_settings: " + io)
        if a.interrupted_hosts:
            got = sorted({r["host"] for r in rs if r["status"] == "interrupted"})
            if got != sorted(a.interrupted_hosts.split(",")):
                die("interrupted rows on %s, expected on %s" % (got, a.interrupted_hosts))
        if len(done) < a.min_done:
            die("%d rows done, expected at least %d" % (len(done), a.min_done))
        if a.running_only_on:
            for r in rs:
                if r["status"] == "running" and r["host"] != a.running_only_on:
                    die("row %d is still 'running' on %s: only the dead node %s may leave such rows"
                        % (r["id"], r["host"], a.running_only_on))
            print("rows left 'running' by the dead node %s: %s" % (
                a.running_only_on, [r["id"] for r in rs if r["status"] == "running"]))
        for k, v in (("slurm_nodelist", a.nodelist), ("slurm_ntasks", a.ntasks)):
            if v is not None and str(attr(f, k)) != v:
                die("attribute %s is %r, expected %r" % (k, attr(f, k), v))
        if a.attempts_max is not None:
            for r in rs:
                if r["attempt"] > a.attempts_max:
                    die("row %d took %d attempts, at most %d expected" % (r["id"], r["attempt"], a.attempts_max))


if __name__ == "__main__":
    main()
