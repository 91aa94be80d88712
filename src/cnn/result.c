/* result: the train result file. See result.h and OUTPUT.md. */
#include "cnn/result.h"

#include "cnn/conv_direct.h"
#include "common/h5io.h"
#include "common/workload_contract.h"
#include "cnn/layers.h"
#include "cnn/standin.h"

#include <stdio.h>

char *openblas_get_corename(void); /* OpenBLAS extension */

int result_write(const char *path, const result_info *in, const train_result *r, char *err, size_t errlen) {
    char tmp[4200], name[64];
    hid_t f = h5io_create_tmp(path, tmp, sizeof tmp, "result", err, errlen);
    if (f < 0) return -1;
    int bad =
        h5io_attr_str(f, WC_ATTR_FORMAT, WC_RESULT_FORMAT) ||
        h5io_attr_i32(f, WC_ATTR_FORMAT_VERSION, WC_RESULT_FORMAT_VERSION) ||
        h5io_attr_str(f, WC_ATTR_PLATBENCH_VERSION, PLATBENCH_VERSION) ||
        h5io_attr_str(f, WC_ATTR_GIT_COMMIT, PLATBENCH_GIT_COMMIT) ||
        h5io_attr_str(f, WC_ATTR_MODEL_NAME, in->model_name ? in->model_name : "") ||
        h5io_attr_str(f, WC_ATTR_MODEL_FILE, in->model_file ? in->model_file : "") ||
        h5io_attr_str(f, WC_ATTR_DATA_DIR, in->data_dir ? in->data_dir : "") ||
        /* the stand-in's version (standin.h): 0 not a stand-in, 1 the first, else N */
        h5io_attr_i32(f, WC_ATTR_DATA_VERSION, in->data_dir ? standin_version(in->data_dir) : 0) ||
        h5io_attr_i64(f, WC_ATTR_SEED, in->seed) || h5io_attr_i32(f, WC_ATTR_THREADS, in->threads) ||
        h5io_attr_i32(f, WC_ATTR_CPUS_SEEN, in->cpus_seen) || h5io_attr_i32(f, WC_ATTR_BATCH, r->batch) ||
        h5io_attr_i32(f, WC_ATTR_ITERATIONS, r->iterations) ||
        h5io_attr_f64(f, WC_ATTR_FINAL_RATE, r->final_rate) ||
        h5io_attr_f64(f, WC_ATTR_FINAL_ERROR, r->final_error) ||
        h5io_attr_f64(f, WC_ATTR_TRAIN_ACC, r->train_acc) || h5io_attr_f64(f, WC_ATTR_VAL_ACC, r->val_acc) ||
        h5io_attr_f64(f, WC_ATTR_TEST_ACC, r->test_acc) ||
        h5io_attr_f64(f, WC_ATTR_TRAINING_TIME_S, r->training_time_s) ||
        h5io_attr_f64(f, WC_ATTR_LOAD_TIME_S, in->load_time_s) ||
        h5io_attr_f64(f, WC_ATTR_TRAIN_COMPUTE_S, r->train_compute_s) ||
        h5io_attr_f64(f, WC_ATTR_EVAL_TIME_S, r->eval_time_s) ||
        h5io_attr_f64(f, WC_ATTR_TOTAL_TIME_S, in->total_time_s) ||
        h5io_attr_i64(f, WC_ATTR_PEAK_RSS_KB, in->peak_rss_kb) ||
        h5io_attr_str(f, WC_ATTR_CLASS_NAMES, in->class_names ? in->class_names : "") ||
        h5io_attr_i32(f, WC_ATTR_N_TRAIN, in->n_train) || h5io_attr_i32(f, WC_ATTR_N_VALID, in->n_valid) ||
        h5io_attr_i32(f, WC_ATTR_N_TEST, in->n_test) ||
        /* what decides results at rounding level: which kernels ran */
        h5io_attr_str(f, WC_ATTR_OPENBLAS_CORE, openblas_get_corename()) ||
        h5io_attr_str(f, WC_ATTR_CONV_KERNEL, layers_conv_name(layers_conv())) ||
        h5io_attr_str(f, WC_ATTR_CONV_DIRECT_ISA,
                      conv_direct_isa(0) == 3   ? "avx512"
                      : conv_direct_isa(0) == 2 ? "avx2"
                                                : "none");
    hsize_t n = (hsize_t)r->iterations;
    for (int i = 0; i < WC_CURVE_COUNT && !bad; i++) {
        snprintf(name, sizeof name, "curves/%s", wc_curve_names[i]);
        bad = h5io_write_f64(f, name, r->curves[i], 1, &n);
    }
    return h5io_commit(f, tmp, path, "result", bad, err, errlen);
}
