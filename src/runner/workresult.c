/* workresult: ingest the workload's RESULT.h5 (see workresult.h). */
#define _GNU_SOURCE
#include "workresult.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/h5diag.h"

/* Appends "; WHAT" to err (the first damaged object in full, then a count of the others). */
static void note(char *err, size_t errlen, int *n_bad, const char *what) {
    size_t used = strlen(err);
    if (++*n_bad == 1) snprintf(err + used, errlen - used, "%s", what);
}

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
    h5diag_quiet(); /* our one line instead of HDF5's error stack */
    char why[400], what[600];
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        h5diag_message(why, sizeof why);
        snprintf(err, errlen, "%s: cannot open as HDF5 (%s); expected the workload's result file (src/cnn/OUTPUT.md)",
                 path, why);
        return -1;
    }
    int rc = -1, n_bad = 0;
    char fmt[64] = "";
    if (results_get_attr_text(f, "format", fmt, sizeof fmt) != 0 && (h5diag_message(why, sizeof why), *why)) {
        snprintf(err, errlen, "%s: damaged: attribute \"format\" of /: unreadable (%s)", path, why);
        goto done;
    }
    if (strcmp(fmt, "platbench-cnn-result") != 0) {
        snprintf(err, errlen, "%s: format \"%s\", expected platbench-cnn-result", path, fmt);
        goto done;
    }
    snprintf(err, errlen, "%s: damaged: ", path);
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
            h5diag_message(why, sizeof why);
            snprintf(what, sizeof what, "attribute \"%s\": %s", dbl[i].name,
                     *why ? why : "missing (src/cnn/OUTPUT.md)");
            note(err, errlen, &n_bad, what);
        }
    if (attr_num(f, "iterations", H5T_NATIVE_INT32, &row->iterations) ||
        attr_num(f, "cpus_seen", H5T_NATIVE_INT32, &row->cpus_seen)) {
        h5diag_message(why, sizeof why);
        snprintf(what, sizeof what, "attribute \"iterations\" or \"cpus_seen\": %s", *why ? why : "missing");
        note(err, errlen, &n_bad, what);
    }
    if (attr_num(f, "data_version", H5T_NATIVE_INT32, &row->data_version)) row->data_version = -1; /* older workload */
    for (int m = 0; m < RESULTS_N_CURVES; m++) {
        char name[64];
        snprintf(name, sizeof name, "curves/%s", results_curve_names[m]);
        hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
        if (ds < 0) { /* a missing curve reads as NaN; a damaged one is reported */
            h5diag_message(why, sizeof why);
            if (H5Lexists(f, "curves", H5P_DEFAULT) > 0 && H5Lexists(f, name, H5P_DEFAULT) == 0) continue;
            snprintf(what, sizeof what, "dataset /%s: %s", name, *why ? why : "cannot open");
            note(err, errlen, &n_bad, what);
            continue;
        }
        hid_t sp = H5Dget_space(ds);
        hsize_t len = 0;
        if (H5Sget_simple_extent_ndims(sp) == 1) H5Sget_simple_extent_dims(sp, &len, NULL);
        hsize_t take = len < (hsize_t)steps ? len : (hsize_t)steps;
        if (take > 0) {
            hsize_t start = 0;
            H5Sselect_hyperslab(sp, H5S_SELECT_SET, &start, NULL, &take, NULL);
            hid_t ms = H5Screate_simple(1, &take, NULL);
            if (H5Dread(ds, H5T_NATIVE_DOUBLE, ms, sp, H5P_DEFAULT, curves[m]) < 0) {
                h5diag_message(why, sizeof why);
                for (int s = 0; s < steps; s++) curves[m][s] = NAN;
                snprintf(what, sizeof what, "dataset /%s: %s", name, why);
                note(err, errlen, &n_bad, what);
            }
            H5Sclose(ms);
        }
        H5Sclose(sp);
        H5Dclose(ds);
    }
    if (n_bad > 1) {
        size_t used = strlen(err);
        snprintf(err + used, errlen - used, " (and %d more damaged object%s)", n_bad - 1, n_bad > 2 ? "s" : "");
    }
    if (n_bad) goto done;
    err[0] = '\0';
    rc = 0;
done:
    H5Fclose(f);
    return rc;
}
