/* mpi_check: every MPI call's return code checked through one macro that names the call
 * (as IOR's MPI_CHECK does). Communicators the runner uses return errors instead of
 * aborting inside the library (MPI_ERRORS_RETURN, set once by mpi_check_init), so a failed
 * call is reported by us, naming what failed where:
 *
 *   platbench: rank 1: MPI_Send(&m, sizeof m, MPI_BYTE, r, TAG_DOWN, x->comm) failed at
 *   src/runner/run.c:512: MPI_ERR_RANK: invalid rank
 *
 * then the rank runs the cleanup registered with mpi_check_on_fail (rank-local only: a
 * collective call could wait forever for ranks that are gone; the results file is crash
 * consistent by construction, see results.h) and ends with MPI_Abort, which ends the other
 * ranks too, with exit status 1 (an error, not a campaign outcome).
 *
 * API
 *   MPI_CHECK(call)                  runs call; on failure reports and aborts (see above)
 *   mpi_check_init(comm)             errors of comm are returned to MPI_CHECK (0 or -1)
 *   mpi_check_on_fail(fn, arg)       fn(arg) runs before the abort; NULL unregisters
 *   mpi_check_fail(call, file, line, rc)   the failure path (MPI_CHECK's), does not return
 */
#ifndef PB_MPI_CHECK_H
#define PB_MPI_CHECK_H
#include <mpi.h>

#define MPI_CHECK(call)                                                                                      \
    do {                                                                                                     \
        int mpi_check_rc_ = (call);                                                                          \
        if (mpi_check_rc_ != MPI_SUCCESS) mpi_check_fail(#call, __FILE__, __LINE__, mpi_check_rc_);          \
    } while (0)

int mpi_check_init(MPI_Comm comm);
void mpi_check_on_fail(void (*fn)(void *), void *arg);
void mpi_check_fail(const char *call, const char *file, int line, int rc) __attribute__((noreturn));

#endif
