/* test_result_attrs: regression test for what reviewing the workresult fuzz target found:
 * RESULT.h5 attributes are read into room for ONE value, so an attribute of another
 * shape (the file is the workload's, i.e. anyone's) must be refused, not read past the
 * row. Writes small HDF5 files with the C API and checks workresult_read on each:
 *   valid file                          -> 0, values read
 *   "format" of 3 strings               -> -1 (format not recognised)
 *   "final_rate" of 1000 doubles        -> -1 naming final_rate
 *   "iterations" of 2 ints              -> -1
 *   "cpus_seen" a string                -> -1
 * The row is heap-allocated with nothing after it, so an overread shows under ASan too. */
#include "runner/workresult.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tests/common/check.h"

static const char *const dbl_names[] = {"final_rate",  "final_error",     "train_acc",   "val_acc",
                                        "test_acc",    "training_time_s", "load_time_s", "train_compute_s",
                                        "eval_time_s", "total_time_s"};

/* an attribute of n values (n = 0: scalar) of type t, from buf of memory type mt */
static void attr(hid_t f, const char *name, hid_t t, hid_t mt, hsize_t n, const void *buf) {
    hid_t sp = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(f, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, mt, buf);
    H5Aclose(a);
    H5Sclose(sp);
}

/* Writes a RESULT.h5 with one thing broken: which (0 none, 1 format x3, 2 final_rate x1000,
 * 3 iterations x2, 4 cpus_seen string). */
static void write_result(const char *path, int which) {
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) exit(2);
    hid_t st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, 21);
    static const char fmt3[3][21] = {"platbench-cnn-result", "platbench-cnn-result", "platbench-cnn-result"};
    attr(f, "format", st, st, which == 1 ? 3 : 0, fmt3);
    static double many[1000];
    for (int i = 0; i < 1000; i++) many[i] = 0.25 + i;
    for (size_t i = 0; i < sizeof dbl_names / sizeof *dbl_names; i++)
        attr(f, dbl_names[i], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, which == 2 && i == 0 ? 1000 : 0, many);
    int32_t its[2] = {7, 8}, cpus = 2;
    attr(f, "iterations", H5T_STD_I32LE, H5T_NATIVE_INT32, which == 3 ? 2 : 0, its);
    if (which == 4)
        attr(f, "cpus_seen", st, st, 0, fmt3[0]);
    else
        attr(f, "cpus_seen", H5T_STD_I32LE, H5T_NATIVE_INT32, 0, &cpus);
    H5Tclose(st);
    /* the curves the workload always writes (a file without /curves is damaged) */
    hid_t g = H5Gcreate2(f, "curves", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t n = 4;
    double vals[4] = {0.5, 1.5, 2.5, 3.5};
    for (int m = 0; m < RESULTS_N_CURVES; m++) {
        hid_t sp = H5Screate_simple(1, &n, NULL);
        hid_t d = H5Dcreate2(g, wc_curve_names[m], H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, vals);
        H5Dclose(d);
        H5Sclose(sp);
    }
    H5Gclose(g);
    H5Fclose(f);
}

int main(void) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char path[] = "/tmp/test_result_attrs-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 2;
    close(fd);
    enum { STEPS = 4 };
    double store[RESULTS_N_CURVES][STEPS], *curves[RESULTS_N_CURVES];
    for (int m = 0; m < RESULTS_N_CURVES; m++) curves[m] = store[m];
    static const char *const what[] = {"valid file", "format of 3 strings", "final_rate of 1000 doubles",
                                       "iterations of 2 ints", "cpus_seen a string"};
    for (int which = 0; which <= 4; which++) {
        write_result(path, which);
        exp_row *row = calloc(1, sizeof *row);
        char err[1024] = "";
        int rc = workresult_read(path, row, curves, STEPS, err, sizeof err);
        if (which == 0) {
            CHECK(rc == 0 && row->final_rate == 0.25 && row->iterations == 7 && row->cpus_seen == 2 &&
                      store[0][0] == 0.5 && store[RESULTS_N_CURVES - 1][3] == 3.5,
                  "%s: rc %d (%s), final_rate %g, iterations %d; expected 0, 0.25, 7", what[which], rc, err,
                  row->final_rate, row->iterations);
        } else {
            CHECK(rc == -1, "%s: rc %d; expected -1 (refused)", what[which], rc);
            if (which == 1)
                CHECK(strstr(err, "format"), "%s: \"%s\"; expected it to name the format", what[which], err);
            if (which == 2)
                CHECK(strstr(err, "final_rate"), "%s: \"%s\"; expected it to name final_rate", what[which],
                      err);
        }
        free(row);
    }
    unlink(path);
    return check_done("test_result_attrs");
}
