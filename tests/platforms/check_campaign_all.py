#!/usr/bin/python3
"""check_campaign_all.py RESULTS.h5 -- checks the end-to-end platforms campaign:
every experiment done with exit 0; the 4 platform kinds x 2 tests present; per test,
identical training curves (and final_error) on every platform (same seed); the docker
platform's CPU limit visible (cpus_seen == 1); start-up/workload times measured; the
/platforms table records runtime versions, image identities and the VM accelerator.
CPU sets (issue 18): every launch confined to its rank's set (threads = cpus_seen = the
set's size, docker --cpuset-cpus and QEMU -smp included), the explicit cpuset_cpus of
docker-pinned recorded as the campaign's; co-runners symmetric, on disjoint CPUs. Every row's
peak_rss_kb is the workload's own (its result file's, measured in the container or VM), not
the launched process's (the docker CLI's)."""
import os
import sys

import h5py

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pbcheck import cpus, curve_mismatches, finish, load, s  # noqa: E402


def main():
    fails = []
    ex, curves, plats = load(sys.argv[1])
    kinds = sorted({s(r["kind"]) for r in ex})
    if kinds != ["bare", "docker", "singularity", "vm"]:
        fails.append(f"kinds {kinds}")
    for r in ex:
        if s(r["status"]) != "done" or r["exit_code"] != 0:
            fails.append(f"experiment {r['id']} ({s(r['platform'])}, test {r['test']}): status "
                         f"{s(r['status'])}, exit {r['exit_code']}, error {s(r['error'])!r}")
        own = f"{sys.argv[1]}.d/e{int(r['id']):04d}-a{int(r['attempt'])}/result.h5"
        if os.path.exists(own):
            with h5py.File(own, "r") as f:
                if int(r["peak_rss_kb"]) != int(f.attrs["peak_rss_kb"]):
                    fails.append(f"experiment {r['id']} ({s(r['platform'])}): peak_rss_kb {r['peak_rss_kb']}, "
                                 f"the workload measured {int(f.attrs['peak_rss_kb'])} ({own})")
        else:
            fails.append(f"experiment {r['id']}: no work folder result file {own}")
        if not (r["startup_s"] > 0 and r["workload_s"] > 0):
            fails.append(f"experiment {r['id']} ({s(r['platform'])}): startup_s {r['startup_s']} "
                         f"workload_s {r['workload_s']}")
        if s(r["platform"]) == "docker-pinned":
            if r["cpus_seen"] != 1 or s(r["cpu_source"]) != "campaign" or s(r["cpu_list"]) != "0":
                fails.append(f"docker-pinned cpuset_cpus=0: cpus_seen {r['cpus_seen']} cpu_source "
                             f"{s(r['cpu_source'])!r} cpu_list {s(r['cpu_list'])!r}")
        else:
            n = len(cpus(s(r["cpu_list"])))
            if s(r["cpu_source"]) not in ("affinity", "split") or not n or r["threads"] != n \
                    or r["cpus_seen"] != n or r["oversubscribed"] != 0:
                fails.append(f"experiment {r['id']} ({s(r['platform'])}): cpu_list {s(r['cpu_list'])!r} "
                             f"({s(r['cpu_source'])}) threads {r['threads']} cpus_seen {r['cpus_seen']} "
                             f"oversubscribed {r['oversubscribed']}: expected threads = cpus_seen = the set's size")
    co = {int(r["id"]): {int(x) for x in s(r["corunners"]).split(",") if x} for r in ex}
    for r in ex:
        i = int(r["id"])
        for j in co[i]:
            if i not in co.get(j, set()):
                fails.append(f"co-runners not symmetric: e{i} lists e{j}, e{j} lists {sorted(co.get(j, []))}")
            o = ex[j]
            if "campaign" not in (s(r["cpu_source"]), s(o["cpu_source"])) and \
                    cpus(s(r["cpu_list"])) & cpus(s(o["cpu_list"])):
                fails.append(f"e{i} ({s(r['platform'])}, CPUs {s(r['cpu_list'])}) and its co-runner e{j} "
                             f"({s(o['platform'])}, CPUs {s(o['cpu_list'])}) share CPUs")
    fails += curve_mismatches(ex, curves, lambda idx: idx[0])
    for p in plats:
        k = s(p["kind"])
        if k != "bare" and not (s(p["runtime_version"]) and s(p["image_id"])):
            fails.append(f"platform {s(p['name'])}: runtime_version/image_id not recorded")
        if k == "vm" and "accel" not in s(p["runtime_version"]) + s(p["detail"]):
            fails.append("vm: accelerator not recorded")
        if k == "singularity" and not (s(p["runtime_version"]).startswith(("apptainer ", "singularity"))
                                       and "userns " in s(p["detail"]) and "unsquash " in s(p["detail"])):
            fails.append(f"singularity: runtime or its userns/unsquash mode not recorded "
                         f"({s(p['runtime_version'])!r}, {s(p['detail'])!r})")
    print("platforms:")
    for p in plats:
        print(f"  {s(p['name']):12s} {s(p['runtime_version'])[:60]:60s} {s(p['image_id'])[:30]}")
        if s(p["detail"]):
            print(f"  {'':12s} {s(p['detail'])}")
    print("experiments:")
    for r in ex:
        print(f"  {r['id']:2d} {s(r['platform']):12s} test {r['test']} {s(r['status']):8s} "
              f"wall {r['wall_s']:7.2f} s  startup {r['startup_s']:6.2f} s  workload {r['workload_s']:6.2f} s  "
              f"cpus {s(r['cpu_list']) or '-'} ({s(r['cpu_source'])}) threads {r['threads']} "
              f"cpus_seen {r['cpus_seen']}  co-runners {s(r['corunners']) or '-'}  "
              f"final_error {r['final_error']:.6f}")
    return finish(fails)


if __name__ == "__main__":
    sys.exit(main())
