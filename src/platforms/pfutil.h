/* pfutil: small helpers shared by the container/VM platforms (docker, singularity,
 * vm): where the workload lives inside an image, which environment variables a
 * launch passes in, and checks on host paths that are exposed at the same path.
 *
 * API
 *   pfutil_exe(pc, rq, buf, n)   in-image path of the workload: option "exe" if set, else
 *                                "/usr/local/bin/" + rq->workload_name. 0 or -1 (message in buf).
 *   pfutil_image_exe(kind, pc, rq, image, exe, n, err, errlen)
 *                                the checks every image-based launch starts with: option image
 *                                set (*image = it), a workload command, and its in-image path
 *                                (pfutil_exe into exe). 0, or -1 with "<kind>: ..." in err.
 *   pfutil_env(pc, rq, out)      appends "NAME=VALUE" strings to out: the thread variables
 *                                (PLATBENCH_MARKERS=1 when rq->markers; OPENBLAS_NUM_THREADS,
 *                                OMP_NUM_THREADS = rq->threads when > 0,
 *                                as the runner sets them for bare launches)
 *                                and every variable named in option "pass_env" (comma-separated)
 *                                that is set in this process's environment. 0 or -1 (ENOMEM).
 *   pfutil_push_env(pc, rq, flag, out)
 *                                pfutil_env's variables appended to out as "flag NAME=VALUE"
 *                                pairs (docker -e, apptainer --env); failures stick in out.
 *   pfutil_push_mounts(rq, syntax, out)
 *                                each read path read-only and the write folder read-write at the
 *                                same paths, then the write folder as the working folder, in a
 *                                runtime's syntax (see pfutil_mount_syntax); failures stick in out.
 *   pfutil_check_path(what, p, forbidden, err, n)
 *                                0 if p is an absolute path free of the characters in
 *                                forbidden (those a runtime's option syntax cannot carry), else
 *                                -1 with a message naming what the path is.
 *   pfutil_check_paths(kind, rq, forbidden, err, n)
 *                                pfutil_check_path on every read path and the write folder of
 *                                rq, the messages prefixed "<kind>: read path" / "<kind>: write
 *                                folder". 0 or -1.
 */
#ifndef PB_PFUTIL_H
#define PB_PFUTIL_H
#include <stddef.h>

#include "platforms/platform.h"

/* How a container runtime's CLI spells "expose host path P at P": FLAG PRE P MID P [RO]. */
typedef struct pfutil_mount_syntax {
    const char *flag;     /* "--mount" (docker) / "--bind" (apptainer) */
    const char *pre;      /* before the source: "type=bind,source=" / "" */
    const char *mid;      /* between source and target: ",target=" / ":" */
    const char *ro;       /* appended for a read-only path: ",readonly" / ":ro" */
    const char *cwd_flag; /* working folder: "--workdir" / "--pwd" */
} pfutil_mount_syntax;

int pfutil_exe(const platform_conf *pc, const launch_request *rq, char *buf, size_t n);
int pfutil_image_exe(const char *kind, const platform_conf *pc, const launch_request *rq, const char **image,
                     char *exe, size_t n, char *err, size_t errlen);
int pfutil_env(const platform_conf *pc, const launch_request *rq, strv *out);
void pfutil_push_env(const platform_conf *pc, const launch_request *rq, const char *flag, strv *out);
void pfutil_push_mounts(const launch_request *rq, const pfutil_mount_syntax *syn, strv *out);
int pfutil_check_path(const char *what, const char *p, const char *forbidden, char *err, size_t n);
int pfutil_check_paths(const char *kind, const launch_request *rq, const char *forbidden, char *err,
                       size_t n);

#endif
