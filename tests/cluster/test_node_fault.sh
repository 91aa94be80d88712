#!/bin/bash
# test_cluster_node_fault: a node's ranks die mid-campaign (every process of the job step
# on node3 killed with SIGKILL, as when a node crashes): the job ends instead of idling
# until its wall time, the results file still opens with the rows done before intact,
# and a resubmission on the remaining nodes (sbatch -N 2 --exclude=node3) completes
# every experiment exactly once: rows done before are not run again, the dead rank's
# in-flight experiment is run again (attempt 2).
# shellcheck source=tests/cluster/lib.sh
source "$(dirname "$0")/lib.sh"
n=15
write_campaign "$work/c.cfg" cluster-fault $n sleep:2
j1=$(submit pbc-fault -N 3 -n 3 --time=5 -- c.cfg results.h5) || fail "sbatch failed"
log "submitted job $j1"
wait_job_running "$j1" 30
pyread "$check" wait results.h5 --done 3 --running 3 --timeout 40 || fail "campaign did not progress"
# the step's processes on node3 (not the batch shell, which runs on node1)
# (any numbered step: quick.sbatch starts a second one when the first crashed in MPI_Init)
pids=$(on node3 scontrol listpids "$j1" | awk -v j="$j1" '$2 == j && $3 ~ /^[0-9]+$/ { print $1 }')
[ -n "$pids" ] || fail "no process of job $j1's step on node3"
log "killing job $j1's step processes on node3: $(echo $pids)"
# shellcheck disable=SC2086 # a list of pids
on node3 kill -KILL $pids
wait_job_end "$j1" 60
out1=$work/pbc-fault-$j1.out
log "job $j1 ended: $(hd scontrol show job -o "$j1" | grep -o 'JobState=[A-Z]*.*ExitCode=[0-9:]*' | sed 's/ .* / /')"
hd grep -q "campaign complete" "$out1" && fail "the campaign claims to be complete after a node died"
# rows of the surviving ranks: done or interrupted; the dead rank's in-flight row stays
# "running" (nobody could record it), which a resume runs again
pyread "$ccheck" results.h5 --min-done 3 --running-only-on node3 || fail "the file after the node fault"
pyread "$check" snapshot results.h5 done-before.json || fail "snapshot"
hd sinfo -h -N -o '%N %T' | tr '\n' ' ' | sed "s/^/[$test_name] nodes: /"; echo
echo 0.2 | hd tee nap_s >/dev/null
j2=$(submit pbc-fault -N 2 -n 2 --exclude=node3 --time=5 -- c.cfg results.h5) || fail "resubmission failed"
log "resubmitted on node1,node2 as job $j2"
wait_job_end "$j2" 90
out2=$work/pbc-fault-$j2.out
hd grep -q "campaign complete" "$out2" || fail "job $j2 did not complete the campaign"
pyread "$check" check results.h5 --n $n --state complete --all-done --unchanged done-before.json ||
  fail "final file check"
pyread "$ccheck" results.h5 --attempts-max 2 || fail "final multi-node check"
# the killed job's claim on the file was stale (its ranks are gone): the resubmission took
# it over and kept the record of it beside the file
hd grep -q "took over the claim" "$out2" || fail "job $j2 did not say it took over the killed job's claim"
hd grep -qx "slurm_job_id = $j1" "$work/results.h5.claim.stale" ||
  fail "results.h5.claim.stale does not name the killed job $j1"
# a killed job must not leave MPI-IO shared-file-pointer files (.data.N, .metadata.N, lock),
# nor a live claim
left=$(hd sh -c 'cd "$0" && ls -d results.h5?* 2>/dev/null | grep -vx -e "results.h5.d" -e "results.h5.claim.stale"' "$work")
[ -z "$left" ] || fail "files left beside the results file: $(echo $left)"
log "ok"
