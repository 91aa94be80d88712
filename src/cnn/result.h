/* result: writes the result file of `platbench-cnn train` exactly as OUTPUT.md specifies
 * (root attributes + /curves/<metric>), to PATH.tmp then renamed, so a file that exists is whole.
 *
 * API
 *   result_write(path, info, r, err, n)   0, -1 + err, or H5IO_NOSPACE + err (disk full, quota)
 */
#ifndef PB_RESULT_H
#define PB_RESULT_H
#include <stddef.h>
#include <stdint.h>

#include "cnn/train.h"

typedef struct result_info {
    const char *model_name;       /* from the model file */
    const char *model_file;       /* as given on the command line */
    const char *data_dir;         /* as given on the command line */
    const char *class_names;      /* comma-separated, label order */
    int64_t seed;                 /* --seed or the model's */
    int threads;                  /* threads used */
    int cpus_seen;                /* sched_getaffinity count */
    double load_time_s;           /* reading/decoding the data set */
    double total_time_s;          /* process start to just before writing */
    int64_t peak_rss_kb;          /* getrusage maxrss */
    int n_train, n_valid, n_test; /* images loaded per split */
    const char *conv_plan;        /* model_conv_plan: the kernels of each conv layer */
} result_info;

int result_write(const char *path, const result_info *info, const train_result *r, char *err, size_t errlen);

#endif
