/* workload_contract: the tables of the runner-workload contract. See workload_contract.h. */
#include "common/workload_contract.h"

#include <stddef.h>

const char *const wc_train_flags[] = {WC_FLAG_MODEL, WC_FLAG_DATA,    WC_FLAG_OUT,  WC_FLAG_STEPS,
                                      WC_FLAG_BATCH, WC_FLAG_THREADS, WC_FLAG_SEED, NULL};

const char *const wc_curve_names[WC_CURVE_COUNT] = {"train_loss", "train_acc", "val_loss",
                                                    "val_acc",    "lr",        "elapsed_s"};

const wc_attr wc_result_attrs[] = {
    {WC_ATTR_FORMAT, WC_STR, 1},
    {WC_ATTR_FORMAT_VERSION, WC_I32, 0},
    {WC_ATTR_PLATBENCH_VERSION, WC_STR, 0},
    {WC_ATTR_GIT_COMMIT, WC_STR, 0},
    {WC_ATTR_MODEL_NAME, WC_STR, 0},
    {WC_ATTR_MODEL_FILE, WC_STR, 0},
    {WC_ATTR_DATA_DIR, WC_STR, 0},
    {WC_ATTR_DATA_VERSION, WC_I32, 0},
    {WC_ATTR_SEED, WC_I64, 0},
    {WC_ATTR_THREADS, WC_I32, 0},
    {WC_ATTR_CPUS_SEEN, WC_I32, 1},
    {WC_ATTR_BATCH, WC_I32, 0},
    {WC_ATTR_ITERATIONS, WC_I32, 1},
    {WC_ATTR_FINAL_RATE, WC_F64, 1},
    {WC_ATTR_FINAL_ERROR, WC_F64, 1},
    {WC_ATTR_TRAIN_ACC, WC_F64, 1},
    {WC_ATTR_VAL_ACC, WC_F64, 1},
    {WC_ATTR_TEST_ACC, WC_F64, 1},
    {WC_ATTR_TRAINING_TIME_S, WC_F64, 1},
    {WC_ATTR_LOAD_TIME_S, WC_F64, 1},
    {WC_ATTR_TRAIN_COMPUTE_S, WC_F64, 1},
    {WC_ATTR_EVAL_TIME_S, WC_F64, 1},
    {WC_ATTR_TOTAL_TIME_S, WC_F64, 1},
    {WC_ATTR_PEAK_RSS_KB, WC_I64, 0},
    {WC_ATTR_CLASS_NAMES, WC_STR, 0},
    {WC_ATTR_N_TRAIN, WC_I32, 0},
    {WC_ATTR_N_VALID, WC_I32, 0},
    {WC_ATTR_N_TEST, WC_I32, 0},
    {WC_ATTR_OPENBLAS_CORE, WC_STR, 0},
    {WC_ATTR_CONV_KERNEL, WC_STR, 0},
    {WC_ATTR_CONV_DIRECT_ISA, WC_STR, 0},
    {WC_ATTR_CONV_PLAN, WC_STR, 0},
    {NULL, WC_STR, 0},
};
