/* Fuzz target: the ingest of the workload's RESULT.h5 (src/runner/workresult.c), i.e.
 * our checks of the attributes' and curves' types, shapes and sizes. The bytes go
 * through the HDF5 library's own file parser first: crashes inside libhdf5 are out of
 * scope (tests/fuzz/README.md says how they are kept apart), ours are not. */
#include "fuzz.h"
#include "runner/workresult.h"

#include <hdf5.h>
#include <math.h>
#include <string.h>

#define STEPS 8

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* the library's error stacks are noise here */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(data, size);
    double store[RESULTS_N_CURVES][STEPS + 1];
    double *curves[RESULTS_N_CURVES];
    for (int m = 0; m < RESULTS_N_CURVES; m++) {
        curves[m] = store[m];
        store[m][STEPS] = 12345.0; /* a canary past each curve */
    }
    exp_row row;
    memset(&row, 0, sizeof row);
    char err[1024];
    int rc = workresult_read(path, &row, curves, STEPS, err, sizeof err);
    if (getenv("FUZZ_VERBOSE")) fprintf(stderr, "workresult_read: %d %s\n", rc, rc ? err : "");
    for (int m = 0; m < RESULTS_N_CURVES; m++)
        if (store[m][STEPS] != 12345.0) abort();
    /* every file, dataset, group and attribute our code opened is closed again
     * (libhdf5's own leaks are not ours; dataspace IDs are not counted by this call) */
    ssize_t open_ids = H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL);
    if (open_ids != 0) {
        fprintf(stderr, "fuzz_workresult: %zd HDF5 objects left open\n", open_ids);
        abort();
    }
    return 0;
}
