/* report: human-readable views of a results file, read serially and read-only (so
 * they work while a campaign is still writing it).
 *
 * API
 * A damaged file shows everything still readable; each damaged object is one line on
 * stderr ("platbench: FILE: damaged: ..."), and the functions return 1.
 *
 *   report_status(path, fp, err, n)  done / failed / interrupted / running / pending /
 *                                    skipped counts overall and per platform; 0, 1 (damaged)
 *                                    or -1 + err (nothing readable)
 *   report_print(path, fp, err, n)   per platform the study's best-run table (highest
 *                                    test accuracy, ties -> lowest training time), a summary
 *                                    over tests (median, min, max), failures, and each
 *                                    platform's median time relative to bare metal; 0, 1 or -1
 */
#ifndef PB_REPORT_H
#define PB_REPORT_H
#include <stddef.h>
#include <stdio.h>

int report_status(const char *path, FILE *fp, char *err, size_t errlen);
int report_print(const char *path, FILE *fp, char *err, size_t errlen);

#endif
