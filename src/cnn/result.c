/* result: the train result file. See result.h and OUTPUT.md. */
#include "cnn/result.h"

#include "cnn/conv_direct.h"
#include "common/h5io.h"
#include "common/workload_contract.h"
#include "cnn/layers.h"
#include "cnn/standin.h"
#include "common/version.h"

#include <stdio.h>

char *openblas_get_corename(void); /* OpenBLAS extension */

/* One scalar attribute of the result file. */
typedef struct attr {
    const char *name;                         /* WC_ATTR_* */
    enum { A_STR, A_I32, A_I64, A_F64 } type; /* the attribute type; the value is in s, i or d */
    const char *s;                            /* A_STR value */
    int64_t i;                                /* A_I32 / A_I64 value */
    double d;                                 /* A_F64 value */
} attr;

static int attr_write(hid_t f, const attr *a) {
    switch (a->type) {
        case A_STR:
            return h5io_attr_str(f, a->name, a->s);
        case A_I32:
            return h5io_attr_i32(f, a->name, (int32_t)a->i);
        case A_I64:
            return h5io_attr_i64(f, a->name, a->i);
        default:
            return h5io_attr_f64(f, a->name, a->d);
    }
}

#define STR(n, v)                                                                                            \
    { n, A_STR, (v), 0, 0 }
#define I32(n, v)                                                                                            \
    { n, A_I32, NULL, (v), 0 }
#define I64(n, v)                                                                                            \
    { n, A_I64, NULL, (v), 0 }
#define F64(n, v)                                                                                            \
    { n, A_F64, NULL, 0, (v) }

int result_write(const char *path, const result_info *in, const train_result *r, char *err, size_t errlen) {
    char tmp[4200], name[64];
    const int isa = conv_direct_isa(0);
    const attr attrs[] = {
        STR(WC_ATTR_FORMAT, WC_RESULT_FORMAT),
        I32(WC_ATTR_FORMAT_VERSION, WC_RESULT_FORMAT_VERSION),
        STR(WC_ATTR_PLATBENCH_VERSION, PLATBENCH_VERSION),
        STR(WC_ATTR_GIT_COMMIT, PLATBENCH_GIT_COMMIT),
        STR(WC_ATTR_MODEL_NAME, in->model_name ? in->model_name : ""),
        STR(WC_ATTR_MODEL_FILE, in->model_file ? in->model_file : ""),
        STR(WC_ATTR_DATA_DIR, in->data_dir ? in->data_dir : ""),
        /* the stand-in's version (standin.h): 0 not a stand-in, 1 the first, else N */
        I32(WC_ATTR_DATA_VERSION, in->data_dir ? standin_version(in->data_dir) : 0),
        I64(WC_ATTR_SEED, in->seed),
        I32(WC_ATTR_THREADS, in->threads),
        I32(WC_ATTR_CPUS_SEEN, in->cpus_seen),
        I32(WC_ATTR_BATCH, r->batch),
        I32(WC_ATTR_ITERATIONS, r->iterations),
        F64(WC_ATTR_FINAL_RATE, r->final_rate),
        F64(WC_ATTR_FINAL_ERROR, r->final_error),
        F64(WC_ATTR_TRAIN_ACC, r->train_acc),
        F64(WC_ATTR_VAL_ACC, r->val_acc),
        F64(WC_ATTR_TEST_ACC, r->test_acc),
        F64(WC_ATTR_TRAINING_TIME_S, r->training_time_s),
        F64(WC_ATTR_LOAD_TIME_S, in->load_time_s),
        F64(WC_ATTR_TRAIN_COMPUTE_S, r->train_compute_s),
        F64(WC_ATTR_EVAL_TIME_S, r->eval_time_s),
        F64(WC_ATTR_TOTAL_TIME_S, in->total_time_s),
        I64(WC_ATTR_PEAK_RSS_KB, in->peak_rss_kb),
        STR(WC_ATTR_CLASS_NAMES, in->class_names ? in->class_names : ""),
        I32(WC_ATTR_N_TRAIN, in->n_train),
        I32(WC_ATTR_N_VALID, in->n_valid),
        I32(WC_ATTR_N_TEST, in->n_test),
        /* what decides results at rounding level: which kernels ran */
        STR(WC_ATTR_OPENBLAS_CORE, openblas_get_corename()),
        STR(WC_ATTR_CONV_KERNEL, layers_conv_name(layers_conv())),
        STR(WC_ATTR_CONV_DIRECT_ISA, isa == 3   ? "avx512"
                                     : isa == 2 ? "avx2"
                                                : "none"),
        STR(WC_ATTR_CONV_PLAN, in->conv_plan ? in->conv_plan : ""),
    };
    hid_t f = h5io_create_tmp(path, tmp, sizeof tmp, "result", err, errlen);
    if (f < 0) return -1;
    int bad = 0;
    for (size_t k = 0; k < sizeof attrs / sizeof *attrs && !bad; k++) bad = attr_write(f, &attrs[k]);
    hsize_t n = (hsize_t)r->iterations;
    for (int i = 0; i < WC_CURVE_COUNT && !bad; i++) {
        snprintf(name, sizeof name, "curves/%s", wc_curve_names[i]);
        bad = h5io_write_f64(f, name, r->curves[i], 1, &n);
    }
    return h5io_commit(f, tmp, path, "result", bad, err, errlen);
}
