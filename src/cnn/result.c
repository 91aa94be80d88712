/* result: the train result file. See result.h and OUTPUT.md. */
#include "cnn/result.h"

#include "cnn/conv_direct.h"
#include "cnn/h5io.h"
#include "cnn/layers.h"
#include "cnn/standin.h"

#include <stdio.h>

char *openblas_get_corename(void); /* OpenBLAS extension */

int result_write(const char *path, const result_info *in, const train_result *r, char *err,
                 size_t errlen)
{
    char tmp[4200], name[64];
    hid_t f = h5io_create_tmp(path, tmp, sizeof tmp, "result", err, errlen);
    if (f < 0) return -1;
    int bad = h5io_attr_str(f, "format", "platbench-cnn-result") ||
              h5io_attr_i32(f, "format_version", 1) ||
              h5io_attr_str(f, "platbench_version", PLATBENCH_VERSION) ||
              h5io_attr_str(f, "git_commit", PLATBENCH_GIT_COMMIT) ||
              h5io_attr_str(f, "model_name", in->model_name ? in->model_name : "") ||
              h5io_attr_str(f, "model_file", in->model_file ? in->model_file : "") ||
              h5io_attr_str(f, "data_dir", in->data_dir ? in->data_dir : "") ||
              /* the stand-in's version (standin.h): 0 not a stand-in, 1 the first, else N */
              h5io_attr_i32(f, "data_version", in->data_dir ? standin_version(in->data_dir) : 0) ||
              h5io_attr_i64(f, "seed", in->seed) || h5io_attr_i32(f, "threads", in->threads) ||
              h5io_attr_i32(f, "cpus_seen", in->cpus_seen) || h5io_attr_i32(f, "batch", r->batch) ||
              h5io_attr_i32(f, "iterations", r->iterations) ||
              h5io_attr_f64(f, "final_rate", r->final_rate) ||
              h5io_attr_f64(f, "final_error", r->final_error) ||
              h5io_attr_f64(f, "train_acc", r->train_acc) ||
              h5io_attr_f64(f, "val_acc", r->val_acc) ||
              h5io_attr_f64(f, "test_acc", r->test_acc) ||
              h5io_attr_f64(f, "training_time_s", r->training_time_s) ||
              h5io_attr_f64(f, "load_time_s", in->load_time_s) ||
              h5io_attr_f64(f, "train_compute_s", r->train_compute_s) ||
              h5io_attr_f64(f, "eval_time_s", r->eval_time_s) ||
              h5io_attr_f64(f, "total_time_s", in->total_time_s) ||
              h5io_attr_i64(f, "peak_rss_kb", in->peak_rss_kb) ||
              h5io_attr_str(f, "class_names", in->class_names ? in->class_names : "") ||
              h5io_attr_i32(f, "n_train", in->n_train) || h5io_attr_i32(f, "n_valid", in->n_valid) ||
              h5io_attr_i32(f, "n_test", in->n_test) ||
              /* what decides results at rounding level: which kernels ran */
              h5io_attr_str(f, "openblas_core", openblas_get_corename()) ||
              h5io_attr_str(f, "conv_kernel", layers_conv_name(layers_conv())) ||
              h5io_attr_str(f, "conv_direct_isa", conv_direct_isa(0) == 3   ? "avx512"
                                                  : conv_direct_isa(0) == 2 ? "avx2"
                                                                            : "none");
    hsize_t n = (hsize_t)r->iterations;
    for (int i = 0; i < CURVE_COUNT && !bad; i++) {
        snprintf(name, sizeof name, "curves/%s", train_curve_names[i]);
        bad = h5io_write_f64(f, name, r->curves[i], 1, &n);
    }
    return h5io_commit(f, tmp, path, "result", bad, err, errlen);
}
