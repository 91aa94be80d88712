/* bench: times the training step (forward + backward + Adam) and the validation-size forward
 * pass of a model on random input, and relates the achieved GFLOP/s to the sgemm peak
 * measured in the same run (1024^3 cblas_sgemm at the same thread count).
 *
 * API
 *   bench_run(m, batch, steps, warmup, out, err, n)   m loaded (model_load), not allocated;
 *        prints a fixed-format report on out (first line: "<ms> ms/step ..."; its last line: the
 *        conv kernels (layers.h) and OpenBLAS's core type); 0 or -1 + err
 *   bench_sgemm_peak(reps)   best GFLOP/s of reps 1024^3 sgemm calls (at OpenBLAS's current
 *                            thread count; bench_run sets it to layers_threads() for this)
 */
#ifndef PB_BENCH_H
#define PB_BENCH_H
#include <stdio.h>

#include "cnn/model.h"

int bench_run(model *m, int batch, int steps, int warmup, FILE *out, char *err, size_t errlen);
double bench_sgemm_peak(int reps);

#endif
