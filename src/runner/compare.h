/* compare: `platbench compare A.h5 B.h5 [--out DIR]`, two campaigns side by side.
 *
 * The comparison itself is analysis/compare.py (it reuses analysis/platbench_analysis.py's
 * statistics: one implementation of the bootstrap, not a C copy). This module finds it and
 * runs it, without a shell, under $PLATBENCH_PYTHON or /usr/bin/python3 (the Debian python
 * that has h5py, numpy, pandas, matplotlib). The script is looked for in
 *   $PLATBENCH_SHARE/analysis/compare.py                  (set by the Lmod modulefile)
 *   <dir of this executable>/../share/platbench/analysis/compare.py    (an installed tree)
 *   PLATBENCH_SOURCE_DIR/analysis/compare.py              (the source tree of this build)
 * Exit status (the script's): 0 no change beyond noise, 1 something changed, 2 bad input or
 * not comparable.
 *
 * API
 *   compare_find_script(name, buf, n)  path of analysis/NAME in the places above; 0 or -1
 *   compare_main(argc, argv)           argv as given to platbench ("compare", A, B, ...);
 *                                      returns only on error (2, message printed)
 */
#ifndef PB_COMPARE_H
#define PB_COMPARE_H
#include <stddef.h>

int compare_find_script(const char *name, char *buf, size_t n);
int compare_main(int argc, char **argv);

#endif
