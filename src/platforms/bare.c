/* bare: the workload runs directly on the host (the baseline every other
 * platform is compared against). The argv is the workload's own. */
#include <stdio.h>
#include <unistd.h>

#include "platforms/platform.h"

static const platform_option bare_options[] = {PLATFORM_OPT_END};

static int bare_check(const platform_conf *pc, char *why, size_t whylen) {
    (void)pc;
    (void)why;
    (void)whylen;
    return 0;
}

static int bare_describe(const platform_conf *pc, platform_info *info, char *err, size_t errlen) {
    (void)pc;
    (void)err;
    (void)errlen;
    snprintf(info->runtime_version, sizeof info->runtime_version, "host");
    info->image_id[0] = '\0';
    info->detail[0] = '\0';
    return 0;
}

static int bare_build_argv(const platform_conf *pc, const launch_request *rq, strv *out, char *err,
                           size_t errlen) {
    (void)pc;
    if (!rq->workload_argv || !rq->workload_argv[0]) {
        snprintf(err, errlen, "bare: empty workload command");
        return -1;
    }
    if (access(rq->workload_argv[0], X_OK) != 0) {
        snprintf(err, errlen, "bare: workload %s is not an executable file", rq->workload_argv[0]);
        return -1;
    }
    if (strv_extend(out, rq->workload_argv)) {
        snprintf(err, errlen, "bare: out of memory");
        return -1;
    }
    return 0;
}

const platform_ops platform_bare = {
    .kind = "bare",
    .summary = "directly on the host: the baseline",
    .options = bare_options,
    .check = bare_check,
    .describe = bare_describe,
    .build_argv = bare_build_argv,
    .cleanup = NULL,
};
