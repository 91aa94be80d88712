/* workresult: ingest the workload's RESULT.h5 (see workresult.h). */
#define _GNU_SOURCE
#include "runner/workresult.h"

#include <hdf5.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/h5diag.h"
#include "common/h5io.h"
#include "common/workload_contract.h"

/* Appends "; WHAT" to err (the first damaged object in full, then a count of the others). */
static void note(char *err, size_t errlen, int *n_bad, const char *what) {
    size_t used = strlen(err);
    if (++*n_bad == 1) snprintf(err + used, errlen - used, "%s", what);
}

/* Where each attribute the runner needs (required in the contract) goes in the row, read
   as the field's own type (HDF5 converts): the row is never written past a field. */
static void *row_field(exp_row *row, const char *name, hid_t *mem_type) {
#define D(attr, f)                                                                                           \
    { attr, offsetof(exp_row, f), 1 }
#define I(attr, f)                                                                                           \
    { attr, offsetof(exp_row, f), 0 }
    static const struct {
        const char *name; /* WC_ATTR_* */
        size_t offset;    /* in exp_row */
        int dbl;          /* 1 double, 0 int32 */
    } map[] = {D(WC_ATTR_FINAL_RATE, final_rate),   D(WC_ATTR_FINAL_ERROR, final_error),
               D(WC_ATTR_TRAIN_ACC, train_acc),     D(WC_ATTR_VAL_ACC, val_acc),
               D(WC_ATTR_TEST_ACC, test_acc),       D(WC_ATTR_TRAINING_TIME_S, training_time_s),
               D(WC_ATTR_LOAD_TIME_S, load_time_s), D(WC_ATTR_TRAIN_COMPUTE_S, train_compute_s),
               D(WC_ATTR_EVAL_TIME_S, eval_time_s), D(WC_ATTR_TOTAL_TIME_S, total_time_s),
               I(WC_ATTR_ITERATIONS, iterations),   I(WC_ATTR_CPUS_SEEN, cpus_seen)};
#undef D
#undef I
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i].name, name)) {
            *mem_type = map[i].dbl ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT32;
            return (char *)row + map[i].offset;
        }
    return NULL;
}

/* Reads the required numeric attributes into row, each damaged or missing one noted. */
static void read_attrs(hid_t f, exp_row *row, char *err, size_t errlen, int *n_bad) {
    char why[400], what[600];
    for (const wc_attr *a = wc_result_attrs; a->name; a++) {
        hid_t mt = -1;
        void *dst = a->required ? row_field(row, a->name, &mt) : NULL;
        if (!dst) continue; /* the format, checked first; or not the runner's */
        int rc = h5io_read_attr_num(f, a->name, mt, dst);
        if (rc == 0) continue;
        h5diag_message(why, sizeof why);
        snprintf(what, sizeof what, "attribute \"%s\": %s", a->name,
                 rc == H5IO_ABSENT ? "missing (src/cnn/OUTPUT.md)"
                 : *why            ? why
                                   : "not one number (src/cnn/OUTPUT.md)");
        note(err, errlen, n_bad, what);
    }
}

/* The name errors give the result file: its experiment folder and file name (eNNNN/result.h5),
 * so the reason still fits the row's error column whatever the length of the campaign's path. */
static const char *shown_path(const char *path) {
    const char *last = strrchr(path, '/');
    if (!last) return path;
    const char *p = last;
    while (p > path && p[-1] != '/') p--;
    return p > path ? p : path;
}

int workresult_read(const char *path, exp_row *row, double *const *curves, int steps, char *err,
                    size_t errlen) {
    for (int m = 0; m < RESULTS_N_CURVES; m++)
        for (int s = 0; s < steps; s++) curves[m][s] = NAN;
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "workload wrote no result file %s", path);
        return -1;
    }
    const char *shown = shown_path(path);
    h5diag_quiet(); /* our one line instead of HDF5's error stack */
    char why[400], what[600];
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        h5diag_message(why, sizeof why);
        snprintf(err, errlen,
                 "%s: cannot open as HDF5 (%s); expected the workload's result file (src/cnn/OUTPUT.md)",
                 shown, why);
        return -1;
    }
    int rc = -1, n_bad = 0;
    char fmt[64] = "";
    if (h5io_read_attr_str(f, WC_ATTR_FORMAT, fmt, sizeof fmt) != 0 &&
        (h5diag_message(why, sizeof why), *why)) {
        snprintf(err, errlen, "%s: damaged: attribute \"" WC_ATTR_FORMAT "\" of /: unreadable (%s)", shown,
                 why);
        goto done;
    }
    if (strcmp(fmt, WC_RESULT_FORMAT) != 0) {
        snprintf(err, errlen, "%s: format \"%s\", expected " WC_RESULT_FORMAT, shown, fmt);
        goto done;
    }
    snprintf(err, errlen, "%s: damaged: ", shown);
    read_attrs(f, row, err, errlen, &n_bad);
    /* optional: a workload older than the stand-in's versions writes none (-1: unknown) */
    if (h5io_read_attr_num(f, WC_ATTR_DATA_VERSION, H5T_NATIVE_INT32, &row->data_version) != 0)
        row->data_version = -1;
    /* the workload's own peak memory, measured where it ran (in the container or the VM): the
       launched process is not always the workload (docker: the CLI, ~25 MB) */
    int64_t rss = -1;
    if (h5io_read_attr_num(f, WC_ATTR_PEAK_RSS_KB, H5T_NATIVE_INT64, &rss) == 0 && rss > 0)
        row->peak_rss_kb = rss;
    for (int m = 0; m < RESULTS_N_CURVES; m++) {
        char name[64];
        snprintf(name, sizeof name, "curves/%s", wc_curve_names[m]);
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
        snprintf(err + used, errlen - used, " (and %d more damaged object%s)", n_bad - 1,
                 n_bad > 2 ? "s" : "");
    }
    if (n_bad) goto done;
    err[0] = '\0';
    rc = 0;
done:
    H5Fclose(f);
    return rc;
}
