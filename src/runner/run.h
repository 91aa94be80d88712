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
 * Resume: when the output file exists, only experiments whose status is not "done" run
 * (failed ones while attempt < 1 + retries). A changed comparable setting (config_hash)
 * is refused with the list of changes unless force_resume; a different experiment list
 * (number, platform or test of a row, or curve width) is always refused.
 *
 * API
 *   run_campaign(c, output, force_resume, comm)  collective; returns a RUN_EXIT_* code
 *   run_install_signals()                         SIGTERM/SIGINT/SIGUSR1 set a stop flag
 */
#ifndef PB_RUN_H
#define PB_RUN_H
#include <mpi.h>

#include "campaign.h"

enum {
    RUN_EXIT_OK = 0,          /* every experiment this allocation can run is done (the others:
                                 "skipped", listed with the reason) */
    RUN_EXIT_ERROR = 1,       /* config, file or MPI error; nothing (more) ran */
    RUN_EXIT_FAILURES = 2,    /* campaign finished, some experiments failed (this run or earlier,
                                 retries used up) */
    RUN_EXIT_INTERRUPTED = 3  /* stopped by a signal; resume with the same command */
};

int run_campaign(const campaign *c, const char *output, int force_resume, MPI_Comm comm);
void run_install_signals(void);

#endif
