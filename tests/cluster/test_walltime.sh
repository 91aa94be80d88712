#!/bin/bash
# test_cluster_walltime: the wall-time warning reaches ranks on three nodes. SIGUSR1 to
# the batch shell (`scancel --batch --signal=USR1`, what Slurm's --signal=B:USR1@T
# sends) is forwarded by quick.sbatch through srun to every rank: in-flight experiments
# on node1..node3 are recorded "interrupted", the file says "interrupted", the job
# resubmits itself on 3 nodes (held here, so the file can be checked in between), and
# the resubmitted job completes every experiment exactly once (rows done before are
# not run again).
# shellcheck source=tests/cluster/lib.sh
source "$(dirname "$0")/lib.sh"
n=24
write_campaign "$work/c.cfg" cluster-walltime $n sleep:3
j1=$(PLATBENCH_SBATCH_ARGS=--hold submit pbc-walltime -N 3 -n 3 --time=5 -- c.cfg results.h5) ||
  fail "sbatch failed"
log "submitted job $j1"
wait_job_running "$j1" 30
pyread "$check" wait results.h5 --done 3 --running 3 --timeout 40 || fail "campaign did not progress"
hd scancel --batch --signal=USR1 "$j1" || fail "scancel --signal=USR1"
log "job $j1: wall-time warning (USR1) sent to the batch shell"
wait_job_end "$j1" 60
out1=$work/pbc-walltime-$j1.out
hd grep -q "wall-time warning" "$out1" || fail "the batch shell never got the warning"
j2=$(resubmitted_job "$out1")
[ -n "$j2" ] || fail "job $j1 did not resubmit itself"
log "job $j1 interrupted and resubmitted as $j2 ($(job_state "$j2"), $(hd squeue -h -j "$j2" -o '%D nodes %C CPUs'))"
pyread "$check" check results.h5 --n $n --state interrupted --min-interrupted 3 --min-done 3 --no-failed ||
  fail "interrupted file check"
pyread "$ccheck" results.h5 --interrupted-hosts node1,node2,node3 || fail "interrupted rows on every node"
pyread "$check" snapshot results.h5 done-before.json || fail "snapshot"
echo 0.2 | hd tee nap_s >/dev/null
hd scontrol release "$j2" || fail "scontrol release $j2"
wait_job_end "$j2" 90
out2=$work/pbc-walltime-$j2.out
hd grep -q "campaign complete" "$out2" || fail "resubmitted job $j2 did not complete the campaign"
hd grep -q "job $j2 on node\[1-3\]" "$out2" || fail "resubmitted job $j2 did not run on the 3 nodes"
pyread "$check" check results.h5 --n $n --state complete --all-done --unchanged done-before.json ||
  fail "final file check"
pyread "$ccheck" results.h5 --hosts node1,node2,node3 --attempts-max 2 || fail "final multi-node check"
# nothing of MPI-IO's shared file pointer left beside the results by the two jobs
left=$(hd sh -c 'cd "$0" && ls -d results.h5?* 2>/dev/null | grep -vx "results.h5.d"' "$work")
[ -z "$left" ] || fail "files left beside the results file: $left"
log "ok"
