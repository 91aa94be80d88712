/* workresult: ingest the workload's RESULT.h5 (see workresult.h). */
#define _GNU_SOURCE
#include "workresult.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Reads a numeric attribute holding exactly one value (out has room for one): an
 * attribute of another shape or class is refused, not read past out. */
static int attr_num(hid_t f, const char *name, hid_t type, void *out) {
    if (H5Aexists(f, name) <= 0) return -1;
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    if (a < 0) return -1;
    hid_t sp = H5Aget_space(a), ft = H5Aget_type(a);
    H5T_class_t cls = ft < 0 ? H5T_NO_CLASS : H5Tget_class(ft);
    int rc = -1;
    if (sp >= 0 && H5Sget_simple_extent_npoints(sp) == 1 && (cls == H5T_INTEGER || cls == H5T_FLOAT))
        rc = H5Aread(a, type, out) < 0 ? -1 : 0;
    if (ft >= 0) H5Tclose(ft);
    if (sp >= 0) H5Sclose(sp);
    H5Aclose(a);
    return rc;
}

int workresult_read(const char *path, exp_row *row, double *const *curves, int steps, char *err,
                    size_t errlen) {
    for (int m = 0; m < RESULTS_N_CURVES; m++)
        for (int s = 0; s < steps; s++) curves[m][s] = NAN;
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "workload wrote no result file %s", path);
        return -1;
    }
    hid_t f;
    H5E_BEGIN_TRY { f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT); }
    H5E_END_TRY;
    if (f < 0) {
        snprintf(err, errlen, "%s: not an HDF5 file", path);
        return -1;
    }
    int rc = -1;
    char fmt[64] = "";
    results_get_attr_text(f, "format", fmt, sizeof fmt);
    if (strcmp(fmt, "platbench-cnn-result") != 0) {
        snprintf(err, errlen, "%s: format \"%s\", expected platbench-cnn-result", path, fmt);
        goto done;
    }
    struct {
        const char *name;
        double *dst;
    } dbl[] = {{"final_rate", &row->final_rate},       {"final_error", &row->final_error},
               {"train_acc", &row->train_acc},         {"val_acc", &row->val_acc},
               {"test_acc", &row->test_acc},           {"training_time_s", &row->training_time_s},
               {"load_time_s", &row->load_time_s},     {"train_compute_s", &row->train_compute_s},
               {"eval_time_s", &row->eval_time_s},     {"total_time_s", &row->total_time_s}};
    for (size_t i = 0; i < sizeof dbl / sizeof dbl[0]; i++)
        if (attr_num(f, dbl[i].name, H5T_NATIVE_DOUBLE, dbl[i].dst)) {
            snprintf(err, errlen, "%s: missing attribute %s (src/cnn/OUTPUT.md)", path, dbl[i].name);
            goto done;
        }
    if (attr_num(f, "iterations", H5T_NATIVE_INT32, &row->iterations) ||
        attr_num(f, "cpus_seen", H5T_NATIVE_INT32, &row->cpus_seen)) {
        snprintf(err, errlen, "%s: missing attribute iterations or cpus_seen", path);
        goto done;
    }
    for (int m = 0; m < RESULTS_N_CURVES; m++) {
        char name[64];
        snprintf(name, sizeof name, "curves/%s", results_curve_names[m]);
        hid_t ds;
        H5E_BEGIN_TRY { ds = H5Dopen2(f, name, H5P_DEFAULT); }
        H5E_END_TRY;
        if (ds < 0) continue; /* a missing curve reads as NaN */
        hid_t sp = H5Dget_space(ds);
        hsize_t len = 0;
        if (H5Sget_simple_extent_ndims(sp) == 1) H5Sget_simple_extent_dims(sp, &len, NULL);
        hsize_t take = len < (hsize_t)steps ? len : (hsize_t)steps;
        if (take > 0) {
            hsize_t start = 0;
            H5Sselect_hyperslab(sp, H5S_SELECT_SET, &start, NULL, &take, NULL);
            hid_t ms = H5Screate_simple(1, &take, NULL);
            if (H5Dread(ds, H5T_NATIVE_DOUBLE, ms, sp, H5P_DEFAULT, curves[m]) < 0)
                for (int s = 0; s < steps; s++) curves[m][s] = NAN;
            H5Sclose(ms);
        }
        H5Sclose(sp);
        H5Dclose(ds);
    }
    rc = 0;
done:
    H5Fclose(f);
    return rc;
}
