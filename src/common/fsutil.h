/* fsutil: small file-system helpers shared by the tools.
 *
 * API
 *   pb_mkdir_p(path, mode)   creates path and any missing parent folders (as `mkdir -p`);
 *                            0, or -1 with errno set (ENAMETOOLONG past 4095 bytes)
 */
#ifndef PB_FSUTIL_H
#define PB_FSUTIL_H
#include <sys/types.h>

int pb_mkdir_p(const char *path, mode_t mode);

#endif
