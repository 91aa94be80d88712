/* fsutil: small file-system helpers shared by the tools.
 *
 * API
 *   pb_mkdir_p(path)  creates path and every missing parent folder (mode 0755, like
 *                     mkdir -p); 0, or -1 with errno from the mkdir that failed (EEXIST
 *                     is no failure when that path is a folder; ENAMETOOLONG past 4095 bytes)
 */
#ifndef PB_FSUTIL_H
#define PB_FSUTIL_H

int pb_mkdir_p(const char *path);

#endif
