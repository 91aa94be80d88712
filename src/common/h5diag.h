/* h5diag: HDF5 errors as one line of our own instead of the library's printed stack.
 *
 * Readers of files that may be damaged (platbench status/report, the runner ingesting a
 * workload's result file, platbench-cnn classify --weights) turn HDF5's automatic
 * printing off once (h5diag_quiet) and, after a failed call, fetch the most specific
 * message of the error stack (h5diag_message) to put into their own message, which
 * names the file and the object.
 *
 * API
 *   h5diag_quiet()              H5Eset_auto(H5E_DEFAULT, NULL, NULL): HDF5 prints nothing
 *   h5diag_message(buf, n)      the innermost entry of the current error stack ("what failed:
 *                               why", e.g. "H5C_protect(): incorrect metadata checksum"), or
 *                               "" when the stack is empty; clears the stack; returns buf
 */
#ifndef PB_H5DIAG_H
#define PB_H5DIAG_H
#include <stddef.h>

void h5diag_quiet(void);
const char *h5diag_message(char *buf, size_t n);

#endif
