/* workload_contract: what the runner (src/runner/) and the workload (platbench-cnn,
 * src/cnn/) agree on, held once for both sides: the `platbench-cnn train` command line
 * the runner builds, the stderr marker lines around the work, and the result file the
 * workload writes and the runner ingests (src/cnn/OUTPUT.md documents it for users).
 * Neither side spells these names by hand; tests/runner/test_contract.c fails when a
 * side strays from this list (an attribute not written, written with another type, a
 * required one the runner does not refuse the file without, a flag the workload's parser
 * does not know).
 *
 * API
 *   WC_TRAIN_COMMAND, WC_FLAG_*          `platbench-cnn train --model M --data D --out R
 *                                        --steps N --batch B --threads T --seed S`
 *   wc_train_flags[]                     those flags, NULL-terminated
 *   WC_MARKERS_ENV, WC_MARK_START/END    with PLATBENCH_MARKERS=1 the workload's stderr
 *                                        opens/closes with these lines
 *   WC_RESULT_FORMAT(_VERSION)           the result file's "format" / "format_version"
 *   WC_CURVE_COUNT, wc_curve_names[]     /curves/<name>, one float64 per step each
 *   WC_ATTR_*, wc_result_attrs[]         root attributes: name, type, required (the runner
 *                                        refuses a file without it); {NULL} terminated
 */
#ifndef PB_WORKLOAD_CONTRACT_H
#define PB_WORKLOAD_CONTRACT_H

/* the command line */
#define WC_TRAIN_COMMAND "train"
#define WC_FLAG_MODEL    "--model"
#define WC_FLAG_DATA     "--data"
#define WC_FLAG_OUT      "--out"
#define WC_FLAG_STEPS    "--steps"
#define WC_FLAG_BATCH    "--batch"
#define WC_FLAG_THREADS  "--threads"
#define WC_FLAG_SEED     "--seed"
extern const char *const wc_train_flags[];

/* the marker lines */
#define WC_MARKERS_ENV "PLATBENCH_MARKERS"
#define WC_MARK_START  "PLATBENCH_MARK workload_start"
#define WC_MARK_END    "PLATBENCH_MARK workload_end"

/* the result file */
#define WC_RESULT_FORMAT         "platbench-cnn-result"
#define WC_RESULT_FORMAT_VERSION 1
#define WC_CURVE_COUNT           6
extern const char *const wc_curve_names[WC_CURVE_COUNT]; /* train_loss ... elapsed_s */

#define WC_ATTR_FORMAT            "format"
#define WC_ATTR_FORMAT_VERSION    "format_version"
#define WC_ATTR_PLATBENCH_VERSION "platbench_version"
#define WC_ATTR_GIT_COMMIT        "git_commit"
#define WC_ATTR_MODEL_NAME        "model_name"
#define WC_ATTR_MODEL_FILE        "model_file"
#define WC_ATTR_DATA_DIR          "data_dir"
#define WC_ATTR_DATA_VERSION      "data_version" /* the stand-in's version (standin.h); absent: older workload */
#define WC_ATTR_SEED              "seed"
#define WC_ATTR_THREADS           "threads"
#define WC_ATTR_CPUS_SEEN         "cpus_seen"
#define WC_ATTR_BATCH             "batch"
#define WC_ATTR_ITERATIONS        "iterations"
#define WC_ATTR_FINAL_RATE        "final_rate"
#define WC_ATTR_FINAL_ERROR       "final_error"
#define WC_ATTR_TRAIN_ACC         "train_acc"
#define WC_ATTR_VAL_ACC           "val_acc"
#define WC_ATTR_TEST_ACC          "test_acc"
#define WC_ATTR_TRAINING_TIME_S   "training_time_s"
#define WC_ATTR_LOAD_TIME_S       "load_time_s"
#define WC_ATTR_TRAIN_COMPUTE_S   "train_compute_s"
#define WC_ATTR_EVAL_TIME_S       "eval_time_s"
#define WC_ATTR_TOTAL_TIME_S      "total_time_s"
#define WC_ATTR_PEAK_RSS_KB       "peak_rss_kb"
#define WC_ATTR_CLASS_NAMES       "class_names"
#define WC_ATTR_N_TRAIN           "n_train"
#define WC_ATTR_N_VALID           "n_valid"
#define WC_ATTR_N_TEST            "n_test"
#define WC_ATTR_OPENBLAS_CORE     "openblas_core"
#define WC_ATTR_CONV_KERNEL       "conv_kernel"
#define WC_ATTR_CONV_DIRECT_ISA   "conv_direct_isa"
#define WC_ATTR_CONV_PLAN         "conv_plan"

typedef enum wc_type { WC_STR, WC_I32, WC_I64, WC_F64 } wc_type;

typedef struct wc_attr {
    const char *name; /* WC_ATTR_* */
    wc_type type;     /* as stored: string, int32, int64, float64 */
    int required;     /* 1: the runner refuses a result file without it */
} wc_attr;

extern const wc_attr wc_result_attrs[];

#endif
