/* vmssh: the vm platform's mode "ssh" -- the workload runs on a VM node that already
 * exists (an OpenStack instance, or the test fixture recipes/vm/vmnode.sh), reached with
 * OpenSSH's client, key login only:
 *   ssh -o BatchMode=yes -o ConnectTimeout=T -o StrictHostKeyChecking=S
 *       [-o UserKnownHostsFile=F] [-i KEY -o IdentitiesOnly=yes] [-p PORT] [-l USER] -- HOST CMD
 * ssh joins CMD's words with spaces and the REMOTE SIDE RUNS THEM THROUGH A SHELL: every
 * value (paths, arguments, environment) is single-quoted here ('...', ' as '\''), so the
 * remote shell sees exactly the argv built on this side; nothing runs through a local shell.
 *
 * transfer = "shared": the VM sees the host's paths (a shared file system): the workload
 *   runs with the host's argv, as is.
 * transfer = "copy" (default): nothing is shared. Around the launch the runner calls
 *   stage_in: each file of the read paths (data set folder, model) and the workload
 *     executable (unless option exe names one on the VM) is copied to
 *     REMOTE/cache/<sha256> (REMOTE = option remote_dir) unless already there (cached by
 *     checksum across experiments), and linked into REMOTE/run/<id>/r<k>/<name> (read
 *     path k), REMOTE/run/<id>/bin/<name>; REMOTE/run/<id>/w is the write folder.
 *     One ssh call for the folders, links and the list of missing checksums, then one
 *     `cat > FILE` per missing file with the file on ssh's stdin.
 *   the launch: cd REMOTE/run/<id>/w && exec env VARS EXE ARGS, every argument naming a
 *     read path or the write folder (also after "--opt=") rewritten to its remote copy;
 *   stage_out: `tar -c` of the remote write folder on ssh's stdout into a local
 *     `tar -x` in the host's write folder, then REMOTE/run/<id> removed.
 *   The runner counts stage_in as start-up and stage_out as tear-down.
 * Failures of ssh itself (exit 255) are told apart from the workload's own by
 * vmssh_failure_reason: key refused, host down (connection refused), timeout
 * (ConnectTimeout / unreachable), host key not verified.
 *
 * API (pc: a "vm" platform with mode = "ssh"; the rest as in platform.h)
 *   vmssh_check(pc, why, n)              options valid, ssh answers, remote_dir writable
 *   vmssh_describe(pc, info, err, n)     "ssh to HOST (uname -sr)", transfer in detail
 *   vmssh_build_argv(pc, rq, out, err, n)
 *   vmssh_stage_in(pc, rq, err, n)       0 or -1 + err (nothing to do for "shared")
 *   vmssh_stage_out(pc, rq, err, n)      0 or -1 + err
 *   vmssh_failure_reason(pc, code, stderr_text, msg, n)
 *                                        1 + msg when code 255 is ssh's failure, else 0
 */
#ifndef PB_VMSSH_H
#define PB_VMSSH_H
#include <stddef.h>

#include "platforms/platform.h"

int vmssh_check(const platform_conf *pc, char *why, size_t whylen);
int vmssh_describe(const platform_conf *pc, platform_info *info, char *err, size_t errlen);
int vmssh_build_argv(const platform_conf *pc, const launch_request *rq, strv *out, char *err, size_t errlen);
int vmssh_stage_in(const platform_conf *pc, const launch_request *rq, char *err, size_t errlen);
int vmssh_stage_out(const platform_conf *pc, const launch_request *rq, char *err, size_t errlen);
int vmssh_failure_reason(const platform_conf *pc, int code, const char *stderr_text, char *msg, size_t n);

#endif
