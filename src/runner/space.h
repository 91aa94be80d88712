/* space: will a campaign fit? Free space of the results file's and the work folders' file
 * systems against an estimate, checked by `platbench run` before it touches the file.
 *
 * Estimates (measured with platbench 1.10.8 files, tests/runner/small.cfg):
 *   results file  64 KiB + 3 x config text + per experiment 4.8 KiB (row 0.6 KiB + two
 *                 2 KiB output tails) + 48 bytes per curve step (6 curves of doubles);
 *                 40 experiments x 3 steps measured 201 KiB, estimate 270 KiB
 *   work folder   per experiment to run: 8 KiB + 40 bytes per step (platbench-cnn's
 *                 result file: 7.5 KiB at 3 steps, 11.3 KiB at 100) + 4 KiB folder;
 *                 4 KiB for a plain workload (its own files are unknown)
 *   a resume      only the new resume attributes (3 x config text + 16 KiB) and the work
 *                 of the experiments still to run
 *
 * API
 *   space_results_bytes(c)        estimate of a new results file
 *   space_work_bytes(c)           estimate of one experiment's work folder
 *   space_check(c, output, workdir, n_todo, creating, err, n)
 *        0 when it fits (or free space is unknown); 1 with the numbers in err when not
 */
#ifndef PB_SPACE_H
#define PB_SPACE_H
#include <stddef.h>
#include <stdint.h>

#include "runner/campaign.h"

uint64_t space_results_bytes(const campaign *c);
uint64_t space_work_bytes(const campaign *c);
int space_check(const campaign *c, const char *output, const char *workdir, int n_todo, int creating,
                char *err, size_t errlen);

#endif
