/* mpi_check: MPI return codes reported with the call's name. See mpi_check.h. */
#include "common/mpi_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The one piece of process state: what to clean up before the abort (run.c's claim). */
static void (*cleanup_fn)(void *);
static void *cleanup_arg;

int mpi_check_init(MPI_Comm comm) {
    return MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN) == MPI_SUCCESS ? 0 : -1;
}

void mpi_check_on_fail(void (*fn)(void *), void *arg) {
    cleanup_fn = fn;
    cleanup_arg = arg;
}

void mpi_check_fail(const char *call, const char *file, int line, int rc) {
    char why[MPI_MAX_ERROR_STRING] = "";
    int len = 0, rank = -1;
    if (MPI_Error_string(rc, why, &len) != MPI_SUCCESS) snprintf(why, sizeof why, "MPI error %d", rc);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const char *src = strstr(file, "src/"); /* the path inside the project */
    fprintf(stderr, "platbench: rank %d: %s failed at %s:%d: %s\n", rank, call, src ? src : file, line, why);
    fflush(stderr);
    void (*fn)(void *) = cleanup_fn;
    cleanup_fn = NULL; /* once, even if the cleanup itself fails an MPI call */
    if (fn) fn(cleanup_arg);
    MPI_Abort(MPI_COMM_WORLD, 1);
    abort(); /* MPI_Abort does not return */
}
