/* test_mpi_check: a failing MPI call under MPI_CHECK (common/mpi_check.h) is reported with
 * the call, file:line and MPI_Error_string, the registered cleanup runs, and the rank ends
 * through MPI_Abort with a non-zero status instead of going on.
 *
 * usage: test_mpi_check MARKER   (run by mpi_check_test.sh, which checks the output and that
 *        MARKER, written by the cleanup, exists; about 1 s) */
#include "common/mpi_check.h"

#include <stdio.h>

static void cleanup(void *arg) {
    FILE *fp = fopen((const char *)arg, "w"); /* what a real cleanup releases: a claim file */
    if (fp) fclose(fp);
}

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    MPI_CHECK(MPI_Init(&argc, &argv));
    mpi_check_init(MPI_COMM_WORLD);
    mpi_check_on_fail(cleanup, argv[1]);
    int size = 0, v = 1;
    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size));
    MPI_CHECK(MPI_Send(&v, 1, MPI_INT, size + 7, 0, MPI_COMM_WORLD)); /* no such rank */
    printf("test_mpi_check: still running after a failed MPI call\n");
    MPI_Finalize();
    return 0;
}
