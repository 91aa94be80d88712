/* hostcmd: run a short host command (e.g. `docker version`, `qemu-system-x86_64
 * --version`, `sha256sum FILE`) without a shell and capture what it prints, for
 * the platforms' check() and describe(). Not for the workload itself (the runner's
 * launch spawns that). Both start processes through common/spawn.h, the one spawner.
 *
 * API
 *   hostcmd_run(argv, timeout_ms, res, err, errlen)
 *       spawns argv (argv[0] searched on PATH), stdin /dev/null, captures stdout and
 *       stderr (truncated to the buffers' size, trailing whitespace removed), waits at
 *       most timeout_ms (then SIGKILL). 0 if the command ran (its exit status is in
 *       res->status), -1 if it could not be started or timed out (message in err).
 *   hostcmd_run_io(argv, in_fd, out_fd, timeout_ms, res, err, errlen)
 *       the same with stdin read from in_fd and stdout written to out_fd (the caller keeps
 *       both open and closes them; -1: /dev/null and captured as above), e.g. a file copied
 *       over ssh (the vm platform's transfer = "copy").
 *   hostcmd_which(name, path, pathlen)
 *       0 and the full path in path if name is an executable on PATH (or a path to
 *       an executable file), else -1.
 *   hostcmd_sha256(file, hex, err, errlen)
 *       hex (65 bytes) = sha256 of the file, via coreutils' sha256sum. 0 or -1 + err.
 */
#ifndef PB_HOSTCMD_H
#define PB_HOSTCMD_H
#include <stddef.h>

typedef struct hostcmd_result {
    int status;        /* exit code; 128+N if killed by signal N */
    char out[4096];    /* captured stdout, NUL-terminated, trailing whitespace removed */
    char errout[2048]; /* captured stderr, likewise */
} hostcmd_result;

int hostcmd_run(const char *const *argv, int timeout_ms, hostcmd_result *res, char *err, size_t errlen);
int hostcmd_run_io(const char *const *argv, int in_fd, int out_fd, int timeout_ms, hostcmd_result *res,
                   char *err, size_t errlen);
int hostcmd_which(const char *name, char *path, size_t pathlen);
int hostcmd_sha256(const char *file, char hex[65], char *err, size_t errlen);

#endif
