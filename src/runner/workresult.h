/* workresult: reads one experiment's RESULT.h5 written by the workload
 * (src/cnn/OUTPUT.md) into a results row and curve buffers. Serial HDF5 (H5Fopen
 * on the default file access list): the file is small and private to the rank.
 *
 * API
 *   workresult_read(path, row, curves, steps, err, n)
 *       fills the workload metrics of row (iterations ... cpus_seen) and up to steps
 *       values of each curve (curves[RESULTS_N_CURVES][steps], NaN-padded);
 *       0, or -1 with the reason in err (missing file, wrong format, missing attribute; for
 *       a damaged file "PATH: damaged: <first damaged object>: <HDF5's reason> (and N more
 *       damaged objects)", one line: it becomes the experiment's error). HDF5 prints nothing.
 */
#ifndef PB_WORKRESULT_H
#define PB_WORKRESULT_H
#include <stddef.h>

#include "runner/results.h"

int workresult_read(const char *path, exp_row *row, double *const *curves, int steps, char *err,
                    size_t errlen);

#endif
