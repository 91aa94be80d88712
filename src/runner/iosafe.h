/* iosafe: the MPI-IO and HDF5 settings platbench applies to itself so that its shared
 * results file works on network and parallel file systems (NFS, Lustre, GPFS,
 * GlusterFS, sshfs), not only on a local disk, and the record of what was applied.
 *
 * Applied before MPI_Init, each only when the user has not set the variable:
 *   OMPI_MCA_sharedfp=^lockedfile,individual  Open MPI's OMPIO sets up a shared file
 *       pointer on every MPI_File_open, which platbench never uses. lockedfile opens a
 *       lock file next to the file; on NFS, Lustre and GlusterFS other nodes may fail to
 *       open it and the ranks deadlock in MPI_File_open (open-mpi/ompi #8825, #11934;
 *       seen here on GlusterFS). individual (chosen next when ranks span nodes) leaves
 *       FILE.data.RANK and FILE.metadata.RANK files next to the results file when a job
 *       is killed, and the next job's ranks then crash (SIGSEGV) opening the file to
 *       resume (Open MPI 4.1.4, seen on the 3-node test cluster). sm remains, for ranks on one node; across
 * nodes none is selected, which OMPIO accepts. Skipped when OMPI_MCA_io selects ROMIO.
 *   HDF5_USE_FILE_LOCKING=FALSE   HDF5's flock() on files protects nothing across nodes
 *       (sshfs, NFS without lockd) or fails outright (ENOLCK): the results file is
 *       coordinated by MPI, the per-experiment files have one writer each. Inherited by
 *       the workloads, which write their result files in the same shared folder.
 *
 * API
 *   iosafe_apply()               set the defaults above (call before MPI_Init)
 *   iosafe_describe(buf, n)      "VAR=VALUE (platbench default); ..." for provenance
 */
#ifndef PB_IOSAFE_H
#define PB_IOSAFE_H
#include <stddef.h>

void iosafe_apply(void);
void iosafe_describe(char *buf, size_t n);

#endif
