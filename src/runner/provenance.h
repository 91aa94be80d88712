/* provenance: what the results file records about where and with what it ran:
 * hostnames of all ranks, CPU model, kernel, Open MPI / HDF5 / OpenBLAS versions,
 * the MPI-IO/HDF5 settings applied for shared file systems (io_settings, iosafe.h),
 * platbench version and git commit, Slurm job variables, and per platform its
 * runtime version / image id / detail (platform->describe).
 *
 * Values are gathered on rank 0 (hostnames from every rank) and broadcast, so
 * every rank holds identical text: attribute writes in parallel HDF5 are
 * collective and must get the same arguments everywhere.
 *
 * API
 *   provenance_collect(p, comm, hostname)  collective; 0 or -1 (ENOMEM)
 *   provenance_add(p, key, value)           one more string attribute; 0 or -1
 *   provenance_get(p, key)                  value or NULL
 *   provenance_free(p)
 *   provenance_openblas_version(buf, n)     OpenBLAS config string via dlopen ("" if absent)
 */
#ifndef PB_PROVENANCE_H
#define PB_PROVENANCE_H
#include <mpi.h>
#include <stddef.h>

#define PROVENANCE_MAX 48

typedef struct provenance {
    int n;                        /* attributes held */
    char *keys[PROVENANCE_MAX];   /* attribute names (owned) */
    char *values[PROVENANCE_MAX]; /* attribute values (owned) */
} provenance;

int provenance_collect(provenance *p, MPI_Comm comm, const char *hostname);
int provenance_add(provenance *p, const char *key, const char *value);
const char *provenance_get(const provenance *p, const char *key);
void provenance_free(provenance *p);
void provenance_openblas_version(char *buf, size_t n);

#endif
