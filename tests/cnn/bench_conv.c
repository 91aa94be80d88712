/* bench_conv: each conv kernel (im2col + sgemm, direct, Winograd F2 and F4) on each conv shape of the
 * study's network, forward and backward, at the same batch and thread count as the training
 * step: the measurements behind the "auto" choice in layers.c (direct_for, wino_for).
 *
 * usage: bench_conv [N] [T] [REPS] [FILTER] [KERNEL]   (default 32 images, 2 threads, 3
 *        repetitions; FILTER: only shapes whose "CxK@HxW" label contains it; KERNEL: only
 *        that kernel: im2col, direct, winograd (F(2x2,3x3)), winograd4 (F(4x4,3x3)) or auto
 *        (layers.c's choice per shape and pass))
 * Prints, per shape and kernel, the median wall ms of forward and of backward (weight and
 * input gradient) and their GFLOP/s (2 x MACs), and the same per CPU-second (process CPU
 * time: on a busy machine the steadier figure). Not a test: timings, no assertions. */
#include "cnn/conv_direct.h"
#include "cnn/layers.h"
#include "common/timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU seconds of the whole process (every thread): on a shared machine the work's cost,
 * less disturbed by other processes than wall time */
static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    const int N = argc > 1 ? atoi(argv[1]) : 32, T = argc > 2 ? atoi(argv[2]) : 2,
              reps = argc > 3 ? atoi(argv[3]) : 3;
    const char *filter = argc > 4 ? argv[4] : NULL, *only = argc > 5 ? argv[5] : NULL;
    static const int shapes[][4] = {/* C, K, H=W */
                                    {3, 16, 224}, {16, 16, 224}, {16, 32, 112},  {32, 32, 112}, {32, 64, 56},
                                    {64, 64, 56}, {64, 128, 28}, {128, 128, 28}, {128, 128, 14}};
    static const int modes[] = {LAYERS_CONV_IM2COL, LAYERS_CONV_DIRECT, LAYERS_CONV_WINOGRAD,
                                LAYERS_CONV_WINOGRAD4, LAYERS_CONV_AUTO};
    if (N < 1 || T < 1 || reps < 1) {
        fprintf(stderr, "usage: bench_conv [N] [T] [REPS] [FILTER] [KERNEL]\n");
        return 2;
    }
    layers_set_threads(T);
    printf("batch %d, %d threads, median of %d; ms and GFLOP/s\n", N, T, reps);
    printf("%-16s %-9s %9s %8s %9s %8s %9s %9s\n", "shape", "kernel", "fwd ms", "GFLOP/s", "bwd ms",
           "GFLOP/s", "fwd/cpu-s", "bwd/cpu-s");
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        const int C = shapes[s][0], K = shapes[s][1], H = shapes[s][2], W = H;
        char label[32];
        snprintf(label, sizeof label, "%dx%d@%dx%d", C, K, H, W);
        if (filter && !strstr(label, filter)) continue;
        const size_t nin = (size_t)N * C * H * W, nout = (size_t)N * K * H * W;
        float *x = malloc(sizeof(float) * nin), *y = malloc(sizeof(float) * nout),
              *w = malloc(sizeof(float) * K * C * 9), *b = calloc(K, sizeof(float)),
              *dx = malloc(sizeof(float) * nin), *dw = malloc(sizeof(float) * K * C * 9),
              *db = malloc(sizeof(float) * K),
              *col = malloc(sizeof(float) * T * conv3x3_col_size(C, H, W, K));
        if (!x || !y || !w || !b || !dx || !dw || !db || !col) {
            fprintf(stderr, "bench_conv: out of memory\n");
            return 1;
        }
        for (size_t i = 0; i < nin; i++) x[i] = (float)((i * 7919) % 255);
        for (int i = 0; i < K * C * 9; i++) w[i] = (float)((i % 13) - 6) / 60.0f;
        const double flop = 2.0 * N * H * W * K * C * 9;
        for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
            if (only && strcmp(only, layers_conv_name(modes[m])) != 0) continue;
            layers_set_conv(modes[m]);
            if (modes[m] == LAYERS_CONV_DIRECT && !conv_direct_usable(K)) continue;
            if (modes[m] == LAYERS_CONV_AUTO && !only) continue; /* auto: only when asked */
            double tf[16], tb[16], cf[16], cb[16];
            int R = reps < 16 ? reps : 16;
            for (int r = 0; r < R; r++) {
                double t0 = time_mono(), c0 = cpu_now();
                conv3x3_forward(y, x, w, b, col, T, N, C, H, W, K, 1);
                double t1 = time_mono(), c1 = cpu_now();
                conv3x3_backward(C == 3 ? NULL : dx, dw, db, y, x, w, col, T, N, C, H, W, K);
                double t2 = time_mono(), c2 = cpu_now();
                tf[r] = t1 - t0;
                tb[r] = t2 - t1;
                cf[r] = c1 - c0;
                cb[r] = c2 - c1;
            }
            qsort(tf, R, sizeof *tf, cmp_double);
            qsort(tb, R, sizeof *tb, cmp_double);
            qsort(cf, R, sizeof *cf, cmp_double);
            qsort(cb, R, sizeof *cb, cmp_double);
            const double f = tf[R / 2], bw = tb[R / 2], fb = flop * (C == 3 ? 1 : 2);
            printf("%-16s %-9s %9.1f %8.1f %9.1f %8.1f %9.1f %9.1f\n", label, layers_conv_name(modes[m]),
                   f * 1e3, flop / f / 1e9, bw * 1e3, fb / bw / 1e9, flop / cf[R / 2] / 1e9,
                   fb / cb[R / 2] / 1e9);
            fflush(stdout);
        }
        free(x), free(y), free(w), free(b), free(dx), free(dw), free(db), free(col);
    }
    layers_set_conv(LAYERS_CONV_AUTO);
    return 0;
}
