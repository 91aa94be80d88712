/* run: executes a campaign on all ranks of an MPI communicator, writing one
 * parallel-HDF5 results file, resumable.
 *
 * Scheduling: dynamic. Rank 0 is scheduler AND worker: it runs experiments itself and,
 * while its own child runs, serves the other ranks' requests between polls of the
 * child's pipes (every <= 1 ms), so no rank idles as a pure manager (on a 2-core node a
 * dedicated manager would leave a core's worth of ranks unused, and with one rank the
 * same code runs everything). Workers ask for the next experiment when free, so a slow
 * platform never leaves ranks idle; they wait for replies by probing with short sleeps
 * instead of busy-polling, so waiting ranks do not steal CPU from measured workloads.
 * An experiment of a platform with `hosts` goes only to ranks whose hostname matches and
 * whose platform->check passes; experiments no rank can run are recorded "skipped".
 *
 * Each rank writes the rows of the experiments it runs (status "running" at launch, the
 * full row, curves and output tails at the end) with independent raw-data writes.
 *
 * Signals: SIGTERM, SIGINT and SIGUSR1 (Slurm's walltime warning) on any rank stop the
 * campaign: rank 0 stops handing out work and tells busy ranks to stop; in-flight
 * experiments are killed (whole process group) and recorded "interrupted"; the file is
 * closed with state "interrupted" and run_campaign returns RUN_EXIT_INTERRUPTED.
 *
 * Out of space (disk full, quota): refused before the start when the estimate (space.h)
 * does not fit; during the run, a workload exiting PB_EXIT_NOSPACE (platbench-cnn's 4), a
 * work folder that cannot be created for ENOSPC/EDQUOT, a failure while the work folder's
 * file system is full, or a results write failing on a full file system is recorded
 * "interrupted" (error "out of space: ..."), the rank tells rank 0 (nospace in its message),
 * and the campaign stops as for a signal; run_campaign returns RUN_EXIT_NOSPACE.
 *
 * Resume: when the output file exists, only experiments whose status is not "done" run
 * (failed ones while attempt < 1 + retries). A changed comparable setting (config_hash)
 * is refused with the list of changes unless force_resume; a different experiment list
 * (number, platform or test of a row, or curve width) is always refused.
 *
 * API
 *   run_campaign(c, output, flags, comm)  collective; flags RUN_FORCE_RESUME | ...; returns a
 *                                         RUN_EXIT_* code
 *   run_install_signals()                         SIGTERM/SIGINT/SIGUSR1 set a stop flag
 */
#ifndef PB_RUN_H
#define PB_RUN_H
#include <mpi.h>

#include "runner/campaign.h"
#include "common/exit_codes.h"

enum { /* common/exit_codes.h; run keeps its documented codes (sbatch scripts test them) */
       RUN_EXIT_OK = PB_EXIT_OK,                   /* every experiment this allocation can run is
                                                      done (the others: "skipped", with the reason) */
       RUN_EXIT_ERROR = PB_EXIT_FAILURE,           /* usage, config, file or MPI error; nothing
                                                      (more) ran */
       RUN_EXIT_FAILURES = PB_EXIT_RUN_FAILURES,   /* campaign finished, some experiments failed
                                                      (this run or earlier, retries used up) */
       RUN_EXIT_INTERRUPTED = PB_EXIT_INTERRUPTED, /* stopped by a signal; resume with the same
                                                      command */
       RUN_EXIT_NOSPACE = PB_EXIT_NOSPACE          /* out of space (disk full, quota), refused before
                                                      the start or stopped like an interrupted run;
                                                      free space and resume */
};

enum {                         /* run_campaign flags */
       RUN_FORCE_RESUME = 1,   /* resume despite changed comparable settings */
       RUN_NO_SPACE_CHECK = 2, /* skip the free-space estimate before the start */
       RUN_FORCE_CLAIM = 4     /* take the results file's claim even from a live campaign */
};

int run_campaign(const campaign *c, const char *output, int flags, MPI_Comm comm);
void run_install_signals(void);

#endif
