#!/bin/bash
# test_cluster_campaign: `sbatch -N 3 -n 3 jobs/quick.sbatch` runs a campaign (tiny CNN,
# bare platform) whose ranks sit on three hosts: every experiment is done exactly once
# (first attempt), the done rows name node1, node2 and node3, the Slurm provenance says
# node[1-3] / 3 tasks, the io_settings attribute shows that platbench itself set the
# MPI-IO/HDF5 defaults for the shared folder (this test sets none), and the file opens
# in h5py on head (through the shared mount) and, on the bind cluster, on the host.
# Run with the bind fixture (label cluster) and the GlusterFS one (cluster_gluster).
# shellcheck source=tests/cluster/lib.sh
source "$(dirname "$0")/lib.sh"
n=${PB_CLUSTER_TESTS:-9}
write_campaign "$work/c.cfg" cluster-campaign "$n" cnn
j=$(submit pbc-campaign -N 3 -n 3 --time=5 -- c.cfg results.h5) || fail "sbatch failed"
log "submitted job $j (3 nodes, 3 tasks, shared folder on $PB_SHARED_FS)"
wait_job_end "$j" 150
out=$work/pbc-campaign-$j.out
log "job $j ended: $(hd scontrol show job -o "$j" | grep -o 'JobState=[A-Z]*') after $(( $(date +%s) - t_start )) s"
hd grep -q "campaign complete" "$out" || fail "job output does not say the campaign is complete"
hd grep -q "runner exited with status 0" "$out" || fail "the runner did not exit 0"
pyread "$check" check results.h5 --n "$n" --state complete --all-done --first-attempt --cnn ||
  fail "results file check"
pyread "$ccheck" results.h5 --hosts node1,node2,node3 --io-defaults --nodelist "node[1-3]" --ntasks 3 ||
  fail "multi-node check"
# nothing of MPI-IO's shared file pointer left beside the results (lock, .data.N, .metadata.N)
left=$(hd sh -c 'cd "$0" && ls -d results.h5?* 2>/dev/null | grep -vx "results.h5.d"' "$work")
[ -z "$left" ] || fail "files left beside the results file: $left"
if [ "$PB_SHARED_FS" = bind ]; then # the host sees the bind-mounted folder at the same path
  HDF5_USE_FILE_LOCKING=FALSE "$py" "$ccheck" "$work/results.h5" --hosts node1,node2,node3 >/dev/null ||
    fail "the file does not open on the host"
fi
hd grep -o 'complete after [0-9.]* s' "$out" | sed "s/^/[$test_name] runner: /"
log "ok"
