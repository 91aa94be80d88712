/* claim: one campaign per results file at a time.
 *
 * `platbench run` claims OUTPUT before touching it by creating OUTPUT.claim with
 * O_CREAT|O_EXCL (atomic on local file systems, NFS v3+, sshfs, GlusterFS, Lustre; flock is
 * not coherent across nodes on several of them). The claim is a small text file of
 * "key = value" lines: host, pid (rank 0's), slurm_job_id, start, heartbeat (rewritten every
 * CLAIM_INTERVAL_S seconds, or $PLATBENCH_CLAIM_INTERVAL_S, by rank 0: written to a private
 * temporary name, then renamed over the claim after checking it is still ours; the period is
 * recorded in the claim, so readers on other nodes judge by the holder's period), the
 * config, and a token unique to this run.
 *
 * A second run finds the claim and refuses with who holds it and since when, unless the
 * claim is stale:
 *   - same host, and its pid is gone (or is no platbench process any more), or
 *   - the heartbeat is older than CLAIM_STALE_INTERVALS intervals (a lost node), or
 *   - it names a Slurm job that `squeue -h -j ID -o %T` says is gone or finished.
 * A stale claim is taken over: renamed to OUTPUT.claim.stale (checked to be the one judged
 * stale), recorded in the new claim ("took_over = ...") and printed. --force takes a live
 * claim as well; the old holder then sees at its next heartbeat that the claim is no longer
 * its own and stops its campaign like a signal would.
 *
 * API (rank 0 only)
 *   claim_acquire(cl, output, config, force, msg, n)  0 taken (msg: a take-over note or ""),
 *                                     1 held by a live campaign (msg says who, since when, why
 *                                     live), -1 error (msg)
 *   claim_heartbeat(cl, now)          rewrites the heartbeat when an interval has passed (and
 *                                     recreates a claim removed by hand);
 *                                     0 ok, 1 the claim is no longer ours (msg in cl->lost)
 *   claim_release(cl)                 removes the claim if it is still ours
 *   claim_describe(output, buf, n)    one line about OUTPUT's claim (holder, age, live or
 *                                     stale and why); 0 when there is none
 */
#ifndef PB_CLAIM_H
#define PB_CLAIM_H
#include <stddef.h>

#define CLAIM_INTERVAL_S      10.0 /* heartbeat period */
#define CLAIM_STALE_INTERVALS 6    /* heartbeat older than this many periods: holder lost */

typedef struct claim {
    char path[4200];  /* OUTPUT.claim */
    char token[320];  /* host:pid:start, unique to this run */
    char text[4096];  /* the claim's lines without the heartbeat */
    double last_beat; /* time_mono of the last heartbeat written */
    double interval;  /* heartbeat period (PLATBENCH_CLAIM_INTERVAL_S or the default) */
    int held;         /* this run holds the claim */
    char lost[512];   /* claim_heartbeat: who holds it now */
} claim;

int claim_acquire(claim *cl, const char *output, const char *config, int force, char *msg, size_t n);
int claim_heartbeat(claim *cl, double now_mono);
void claim_release(claim *cl);
int claim_describe(const char *output, char *buf, size_t n);

#endif
