/* layers: fp32 NCHW kernels, fast (im2col + sgemm) and naive reference. See layers.h. */
#include "cnn/layers.h"

#include "cnn/conv_direct.h"
#include "cnn/conv_winograd.h"
#include "cnn/conv_wino4.h"
#include "cnn/conv_wino_driver.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

void openblas_set_num_threads(int num_threads); /* OpenBLAS extension */

/* Threads of the kernels' own loops (im2col, pooling, ...). Every loop uses a static
 * partition and no cross-thread reduction, so results do not depend on it at all. */
static int g_threads = 1;
static int g_blas512 = -1; /* OpenBLAS runs AVX-512 sgemm kernels (-1: not asked yet) */

/* Conv kernel choice (see layers.h). */
static int g_conv = LAYERS_CONV_AUTO;
static int g_conv_env_read = 0;

static const char *const conv_names[] = {"auto", "im2col", "direct", "naive", "winograd", "winograd4"};

const char *layers_conv_name(int mode) {
    return mode >= 0 && mode < (int)(sizeof conv_names / sizeof *conv_names) ? conv_names[mode] : "?";
}

int layers_conv_parse(const char *name) {
    for (int i = 0; i < (int)(sizeof conv_names / sizeof *conv_names); i++)
        if (strcmp(name, conv_names[i]) == 0) return i;
    return -1;
}

void layers_set_conv(int mode) {
    g_conv = mode >= 0 && mode <= LAYERS_CONV_WINOGRAD4 ? mode : LAYERS_CONV_AUTO;
    g_conv_env_read = 1;
}

int layers_conv(void) {
    if (!g_conv_env_read) {
        const char *e = getenv("PLATBENCH_CONV");
        g_conv_env_read = 1;
        if (e && *e) {
            int m = layers_conv_parse(e);
            if (m < 0)
                fprintf(stderr,
                        "platbench: PLATBENCH_CONV=%s is not a conv kernel (expected auto, "
                        "im2col, direct, winograd, winograd4 or naive); using auto\n",
                        e);
            else
                g_conv = m;
        }
    }
    return g_conv;
}

void layers_set_threads(int threads) {
    g_threads = threads > 0 ? threads : 1;
    (void)layers_conv();      /* read PLATBENCH_CONV now, outside any parallel region */
    (void)conv_direct_isa(0); /* likewise the CPU check of the direct kernels */
    g_blas512 = -1;           /* OpenBLAS's core type: asked again at the next conv */
    /* Our threads split the work (images, output blocks) and each calls a single-threaded
     * sgemm. OpenBLAS's own workers would spin (up to ~0.1 s after each call) on the cores
     * our threads need, so they are never used. */
    openblas_set_num_threads(1);
}

int layers_threads(void) { return g_threads; }

/* Big images are processed in strips of whole rows, about CONV_STRIP output positions
 * each, so that a strip's im2col matrix (9C x strip) stays in cache while the GEMM reads it
 * (at 224x224x16 the whole matrix would be 29 MB per image). */
#ifndef CONV_STRIP
#define CONV_STRIP 4096
#endif

static int strip_rows(int H, int W) {
    int r = CONV_STRIP / W;
    return r < 1 ? 1 : (r > H ? H : r);
}

/* Which kernel computes an output of K channels from C input channels on H x W (forward:
 * C -> K; input gradient: K -> C), and the weight gradient: the direct kernels
 * (conv_direct.c) where the mode asks for them and they apply, else im2col + sgemm. In
 * "auto" they take the layers where they measured faster (Zen 4, 1 thread, thread CPU time,
 * the study's shapes, GFLOP/s im2col -> direct):
 * - OpenBLAS with AVX-512 kernels (its own choice on Zen 4: Cooperlake): forward and input
 *   gradient on at least 56x56 with at most 64 channels (224x224: 56-86 -> 140-198; 56x56:
 *   109-146 -> 171-199; at 28x28 sgemm is as fast, 145-162 vs 145-160), the weight gradient
 *   with at most 16 channels (29-56 -> 44-71; from 112x112 on sgemm is as fast or faster);
 * - OpenBLAS on AVX2 kernels (OPENBLAS_CORETYPE=Haswell, or a CPU without AVX-512): the
 *   direct kernel on AVX2 too (see direct_for), the same layers as in the first case.
 *   (Direct AVX-512 next to Haswell sgemm measured faster still: forward and input gradient
 *   from 28x28, sgemm 48-90 -> direct 140-266; it is not used, for determinism.) */
#ifndef CONV_DIRECT_MAX_C
#define CONV_DIRECT_MAX_C 64
#endif
#ifndef CONV_DIRECT_DW_MAX_C
#define CONV_DIRECT_DW_MAX_C 16
#endif
#ifndef CONV_DIRECT_MIN_HW
#define CONV_DIRECT_MIN_HW (56 * 56)
#endif
char *openblas_get_corename(void); /* OpenBLAS extension */

static int blas_has_avx512(void) {
    static const char *const names[] = {"cooperlake", "skylakex", "sapphirerapids"};
    const char *c = openblas_get_corename();
    for (int i = 0; c && i < 3; i++)
        if (strcasecmp(c, names[i]) == 0) return 1;
    return 0;
}

/* wgrad: the weight gradient (dw), else forward or input gradient */
static int direct_for(int C, int K, int H, int W, int wgrad) {
    const int m = layers_conv();
    const long hw = (long)H * W;
    if (!conv_direct_usable(K)) return 0;
    if (m == LAYERS_CONV_DIRECT) return 1;
    if (m != LAYERS_CONV_AUTO) return 0;
    if (g_blas512 < 0) {
        g_blas512 = blas_has_avx512();
        /* One knob decides every instruction set the step uses: the direct kernel runs
         * AVX-512 only when OpenBLAS does. A VM whose CPU lacks AVX-512 (QEMU TCG), or a
         * run with OPENBLAS_CORETYPE=Haswell, then computes exactly what bare metal with
         * the same core type computes: the same seed gives the same curves on every
         * platform. (Direct AVX-512 next to Haswell sgemm was faster, but bare metal and
         * such a VM then chose different kernels and their results parted at rounding.) */
        if (!g_blas512 && conv_direct_isa(0) == 3) conv_direct_isa(2);
    }
    if (wgrad) return hw >= CONV_DIRECT_MIN_HW && C <= CONV_DIRECT_DW_MAX_C && K <= CONV_DIRECT_DW_MAX_C;
    return hw >= CONV_DIRECT_MIN_HW && C <= CONV_DIRECT_MAX_C && K <= CONV_DIRECT_MAX_C;
}

/* Winograd F(2x2,3x3) (conv_winograd.c) for the forward pass (pass 0), both gradients
 * (pass 1) or the weight gradient alone (pass 2) of a layer. In "auto" where it measured faster than the
 * direct and im2col kernels (tests/cnn/bench_conv, Zen 4, 2 threads, batch 64, GFLOP/s of the direct
 * algorithm's FLOPs, forward / backward, best other -> Winograd):
 *   32->64@56: 320 -> 377 / 221 -> 328    64->64@56: 312 -> 445 / 224 -> 370
 *   64->128@28: 316 -> 390 / 227 -> 370   128->128@28: 305 -> 430 / 283 -> 410
 *   128->128@14: 284 -> 350 / 283 -> 350  32->32@112: 337 -> 300-320 / 219 -> 285
 *   16->32@112: forward 329 (direct) -> 280, backward 206 -> 238
 *   16->16@224: forward 297 (direct) -> 203, backward 194 -> 195; but the weight gradient
 *   alone (pass 2) 126 (direct) -> 147, the input gradient alone 285 (direct) -> 208
 *   3->16@224: weight gradient 74 (direct) -> 49
 * so: the forward pass from 32 input and output channels on at most 56x56, both gradients
 * from 16 input and 32 output channels (16 since F(4x4)'s AVX-512 transforms: see below),
 * the weight gradient alone from 16 and 16. */
#ifndef CONV_WINO_FWD_MIN_C
#define CONV_WINO_FWD_MIN_C 32
#endif
#ifndef CONV_WINO_FWD_MAX_HW
#define CONV_WINO_FWD_MAX_HW (56 * 56)
#endif
#ifndef CONV_WINO_BWD_MIN_C
#define CONV_WINO_BWD_MIN_C 16
#endif
#ifndef CONV_WINO_BWD_MIN_K
#define CONV_WINO_BWD_MIN_K 16
#endif
#ifndef CONV_WINO_DW_MIN_C
#define CONV_WINO_DW_MIN_C 16
#endif
/* F(4x4,3x3) (conv_wino4.c) in "auto" wherever it applies (H and W multiples of 4) and
 * the layer takes Winograd (wino_for), and also for the forward pass from 32 input and
 * output channels on any size: it measured faster than F(2x2,3x3), the direct kernel
 * and im2col on each of these (tests/cnn/bench_conv, 1 thread, batch 16, GFLOP per
 * CPU-second on a busy machine, forward / backward, F(2x2) -> F(4x4)):
 *   16->32@112: - / 106-111 -> 123-136     32->32@112: 109-116 -> 164-169 / 112-123 -> 151-155
 *   32->64@56: 103-134 -> 150-155 / 115-135 -> 154-160
 *   64->64@56: 158-163 -> 189-195 / 135-144 -> 160-189
 *   64->128@28: 138-140 -> 171-173 / 130-132 -> 170-185
 *   128->128@28: 143-147 -> 168-171 / 135-142 -> 173-185
 *   16->16@224, the weight gradient alone (input gradient direct): 76-83 -> 86-95
 * With the AVX-512 transforms (conv_wino4.c) F(4x4) took the rest of the 16-channel
 * layers too: the forward pass of 16->16@224 and 16->32@112 and both gradients of 16->16
 * (they were direct: 16->16@224 forward 134 vs 96-103 on Zen 4 with the scalar transforms).
 * Whole training step, batch 288, 2 threads, Sapphire Rapids, side by side: 4.21-4.48 s ->
 * 3.83-3.84 s; with OPENBLAS_CORETYPE=Haswell (AVX2 direct kernel, scalar transforms)
 * 5.40-6.12 s -> 5.27-5.92 s, so one rule for both. */
#ifndef CONV_WINO4_FWD_MIN_C
#define CONV_WINO4_FWD_MIN_C 16
#endif
#ifndef CONV_WINO4_DW_MIN_C
#define CONV_WINO4_DW_MIN_C 16
#endif
static int wino4_for(int C, int K, int H, int W, int pass) {
    if (!conv_wino4_usable(H, W)) return 0;
    if (pass == 0) return C >= CONV_WINO4_FWD_MIN_C && K >= CONV_WINO4_FWD_MIN_C;
    if (pass == 2) return C >= CONV_WINO4_DW_MIN_C && K >= CONV_WINO4_DW_MIN_C;
    return 1;
}

/* 0: no Winograd for this layer and pass, 2: F(2x2,3x3), 4: F(4x4,3x3) */
static int wino_for(int C, int K, int H, int W, int pass) {
    const int m = layers_conv();
    if (!conv_wino_usable(H, W)) return 0;
    if (m == LAYERS_CONV_WINOGRAD) return 2;
    if (m == LAYERS_CONV_WINOGRAD4) return conv_wino4_usable(H, W) ? 4 : 2;
    if (m != LAYERS_CONV_AUTO) return 0;
    int use;
    if (pass == 0 && wino4_for(C, K, H, W, 0)) return 4;
    if (pass == 0)
        use = C >= CONV_WINO_FWD_MIN_C && K >= CONV_WINO_FWD_MIN_C && (long)H * W <= CONV_WINO_FWD_MAX_HW;
    else if (pass == 2)
        use = C >= CONV_WINO_DW_MIN_C && K >= CONV_WINO_DW_MIN_C;
    else
        use = C >= CONV_WINO_BWD_MIN_C && K >= CONV_WINO_BWD_MIN_K;
    return !use ? 0 : wino4_for(C, K, H, W, pass) ? 4 : 2;
}

/* the table of Winograd variant v (2 or 4) for conv_wino_driver.h */
static const wino_variant *wino_table(int v) { return v == 4 ? conv_wino4_table() : &conv_wino_f2; }

/* One thread's slice: a work area (a strip's im2col matrix of the input (9C x strip) or of
 * the output gradient (9K x strip), or the direct kernel's padded strip), then the weights
 * area (weights_size): the flipped weights of the input gradient (C x 9K, slice_wt) and the
 * packed weights of the direct kernel (K x 9C, slice_wp); the naive backward pass puts its
 * chunk's db and dw there instead (nothing is prepared then). The partial weight gradients
 * are the units' (unit_acc), after the slice's chunk buffers. */
static size_t weights_size(int C, int K) { return 2 * (size_t)K * C * 9; }
static float *slice_wt(float *c, size_t work) { return c + work; }
static float *slice_wp(float *c, size_t work, int C, int K) { return c + work + (size_t)K * C * 9; }

static size_t work_size(int C, int H, int W, int K) {
    size_t m = (size_t)(C > K ? C : K), a = m * 9 * strip_rows(H, W) * W, d = conv_direct_scratch(C, H, W, K),
           wg = conv_wino_usable(H, W) ? conv_wino_driver_scratch(&conv_wino_f2, C, H, W, K) : 0,
           w4 = conv_wino4_usable(H, W) ? conv_wino_driver_scratch(&conv_wino_f4, C, H, W, K) : 0;
    if (w4 > wg) wg = w4;
    return a > d ? (a > wg ? a : wg) : (d > wg ? d : wg);
}

/* The fused conv + max-pool passes (conv3x3_pool_forward/backward) work on chunks of
 * images whose conv output (or output gradient) and input gradient fit a per-thread buffer
 * of about CONV_CHUNK floats each (4 MB: L2/L3-sized, the full tensors are never stored). */
#ifndef CONV_CHUNK
#define CONV_CHUNK (1 << 20)
#endif
static int chunk_images(int C, int H, int W, int K) {
    const size_t per = (size_t)(C > K ? C : K) * H * W, n = CONV_CHUNK / (per ? per : 1);
    return n < 1 ? 1 : n > 4096 ? 4096 : (int)n;
}

/* a slice: the work area, private dw and db, the flipped or packed weights of the input
 * gradient (backward) or the packed weights (forward), then two chunk buffers */
static size_t chunk_floats(int C, int H, int W, int K) {
    return (size_t)chunk_images(C, H, W, K) * (C > K ? C : K) * H * W;
}

/* ... then CONV_UNITS units' partial weight and bias gradients (unit_acc; units: see
 * conv_threads) */
#ifndef CONV_UNITS
#define CONV_UNITS 8 /* units per thread */
#endif
static size_t unit_acc_off(int C, int H, int W, int K) {
    return work_size(C, H, W, K) + weights_size(C, K) + 2 * chunk_floats(C, H, W, K);
}

size_t conv3x3_col_size(int C, int H, int W, int K) {
    return unit_acc_off(C, H, W, K) + (size_t)CONV_UNITS * ((size_t)K * C * 9 + K);
}

/* col (C*9, (y1-y0)*W): row (c, ky, kx) holds in[c][y+ky-1][x+kx-1] (0 outside the image)
 * for output rows y0 <= y < y1. in (C,H,W). */
static void im2col3x3(float *col, const float *in, int C, int H, int W, int y0, int y1) {
    const int HW = H * W, SW = (y1 - y0) * W;
    for (int r = 0; r < C * 9; r++) {
        const int c = r / 9, ky = (r % 9) / 3, kx = r % 3;
        float *dst = col + (size_t)r * SW;
        const float *src = in + (size_t)c * HW;
        const int x0 = kx == 0 ? 1 : 0, x1 = kx == 2 ? W - 1 : W; /* valid x range */
        for (int y = y0; y < y1; y++) {
            const int iy = y + ky - 1;
            float *d = dst + (size_t)(y - y0) * W;
            if (iy < 0 || iy >= H) {
                memset(d, 0, sizeof(float) * W);
                continue;
            }
            const float *s = src + (size_t)iy * W + (kx - 1);
            if (x0 > 0) d[0] = 0.0f;
            memcpy(d + x0, s + x0, sizeof(float) * (x1 - x0));
            if (x1 < W) d[W - 1] = 0.0f;
        }
    }
}

/* Each thread has its own slice of `col` (conv3x3_col_size floats) and calls a
 * single-threaded sgemm. The images are split into U = conv_units(N, T) units of work,
 * contiguous blocks (unit u: images N u / U .. N (u + 1) / U - 1) that the T threads take
 * one at a time (OpenMP dynamic schedule): a thread slowed by another process on its core
 * leaves its share of later units to the others instead of holding them all at the end
 * of the pass (static halves measured 5-12 % of a conv+pool pass idle on this 2-vCPU
 * machine). Each unit, not thread, owns its partial weight gradients (unit_acc), added in
 * unit order; within a unit, strips and images are visited in a fixed order: results
 * depend on N and the thread count only, never on timing or on which thread ran a unit. */
static int conv_threads(int N, int ncol) {
    int t = g_threads < ncol ? g_threads : ncol;
    return t < N ? t : N;
}

static int conv_units(int N, int T) { return N < T * CONV_UNITS ? (N > 0 ? N : 1) : T * CONV_UNITS; }

int layers_conv_units(int N) { return conv_units(N, conv_threads(N, g_threads)); }

/* the first image of unit u of U over N images (unit u: unit_first(u) .. unit_first(u + 1) - 1) */
static int unit_first(int N, int U, int u) { return (int)((long)N * u / U); }

/* unit u's partial weight gradients (n floats): in slice u / CONV_UNITS, at off */
static float *unit_acc(float *col, size_t slice, size_t off, size_t n, int u) {
    return col + (size_t)(u / CONV_UNITS) * slice + off + (size_t)(u % CONV_UNITS) * n;
}

/* Tests only (layers_set_slow_thread): thread g_slow_thread sleeps 5 ms before each unit it
 * takes, so the other threads take more of the units than they would; g_slow_taken counts
 * the units it took. -1: no thread is slowed (every run but the tests'). */
static int g_slow_thread = -1, g_slow_taken = 0;

static void unit_start(int t) {
    if (t != g_slow_thread) return;
    g_slow_taken++;
    nanosleep(&(struct timespec){0, 5000000}, NULL);
}

int layers_set_slow_thread(int t) {
    const int taken = g_slow_taken;
    g_slow_thread = t;
    g_slow_taken = 0;
    return taken;
}

/* which kernel each pass of a layer takes (layers_conv(), the shape): decided once per call */
typedef struct conv_plan {
    int wino;       /* forward: 0, 2 or 4 (Winograd variant) */
    int direct;     /* forward: the direct kernel */
    int wino_bwd;   /* both gradients by Winograd: 0, 2 or 4 */
    int wino_dw;    /* the weight gradient by Winograd (= wino_bwd if set): 0, 2 or 4 */
    int direct_dw;  /* the weight gradient by the direct kernel */
    int direct_din; /* the input gradient by the direct kernel */
} conv_plan;

static conv_plan plan_for(int C, int H, int W, int K) {
    conv_plan p;
    p.wino = wino_for(C, K, H, W, 0);
    p.direct = !p.wino && direct_for(C, K, H, W, 0);
    p.wino_bwd = wino_for(C, K, H, W, 1);
    p.wino_dw = p.wino_bwd ? p.wino_bwd : wino_for(C, K, H, W, 2);
    p.direct_dw = !p.wino_dw && direct_for(C, K, H, W, 1);
    p.direct_din = !p.wino_bwd && direct_for(K, C, H, W, 0);
    return p;
}

static const char *plan_name(int wino, int direct) {
    return wino == 4 ? "wino4" : wino == 2 ? "wino2" : direct ? "direct" : "im2col";
}

void layers_conv_plan(char *buf, size_t n, int C, int H, int W, int K, int has_din) {
    const conv_plan p = plan_for(C, H, W, K);
    if (layers_conv() == LAYERS_CONV_NAIVE) {
        snprintf(buf, n, "naive");
        return;
    }
    if (!has_din)
        snprintf(buf, n, "%s/%s/-", plan_name(p.wino, p.direct), plan_name(p.wino_dw, p.direct_dw));
    else
        snprintf(buf, n, "%s/%s/%s", plan_name(p.wino, p.direct), plan_name(p.wino_dw, p.direct_dw),
                 plan_name(p.wino_bwd, p.direct_din));
}

/* one thread's forward pass over N images (out, in at their first image); c: its slice,
 * whose weights part conv_fwd_prepare() filled */
static void conv_fwd_prepare(const conv_plan *p, float *c, size_t work, const float *w, int C, int K) {
    if (p->wino)
        conv_wino_driver_weights(wino_table(p->wino), c, w, C, K, 0);
    else if (p->direct)
        conv_direct_pack(slice_wp(c, work, C, K), w, C, K, 0);
}

static void conv_fwd_range(const conv_plan *p, float *out, const float *in, const float *w, const float *b,
                           float *c, size_t work, int N, int C, int H, int W, int K, int relu) {
    const int HW = H * W, CK = C * 9, R = strip_rows(H, W);
    const float *wp = slice_wp(c, work, C, K);
    if (p->wino) {
        conv_wino_driver_forward(wino_table(p->wino), out, in, b, c, N, C, H, W, K, relu);
        return;
    }
    for (int n = 0; n < N; n++) {
        float *o = out + (size_t)n * K * HW;
        if (p->direct) {
            conv_direct_image(o, in + (size_t)n * C * HW, wp, b, c, C, H, W, K, relu);
            continue;
        }
        for (int y0 = 0; y0 < H; y0 += R) {
            const int y1 = y0 + R < H ? y0 + R : H, SW = (y1 - y0) * W;
            im2col3x3(c, in + (size_t)n * C * HW, C, H, W, y0, y1);
            /* o[:, strip] (K,SW) = w (K,CK) . col (CK,SW) */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, K, SW, CK, 1.0f, w, CK, c, SW, 0.0f,
                        o + (size_t)y0 * W, HW);
        }
        for (int k = 0; k < K; k++) { /* bias (+ ReLU) in one pass */
            float *ok = o + (size_t)k * HW, bk = b[k];
            if (relu)
                for (int i = 0; i < HW; i++) {
                    float v = ok[i] + bk;
                    ok[i] = v > 0.0f ? v : 0.0f;
                }
            else
                for (int i = 0; i < HW; i++) ok[i] += bk;
        }
    }
}

void conv3x3_forward(float *out, const float *in, const float *w, const float *b, float *col, int ncol, int N,
                     int C, int H, int W, int K, int relu) {
    const int HW = H * W, T = conv_threads(N, ncol), U = conv_units(N, T);
    const size_t slice = conv3x3_col_size(C, H, W, K), work = work_size(C, H, W, K);
    const conv_plan p = plan_for(C, H, W, K);
    if (N <= 0) return;
    if (layers_conv() == LAYERS_CONV_NAIVE) {
        conv3x3_forward_naive(out, in, w, b, N, C, H, W, K, relu);
        return;
    }
#pragma omp parallel num_threads(T) if (T > 1)
    {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        float *c = col + (size_t)t * slice;
        conv_fwd_prepare(&p, c, work, w, C, K);
#pragma omp for schedule(dynamic, 1)
        for (int u = 0; u < U; u++) {
            unit_start(t);
            const int n0 = unit_first(N, U, u), n1 = unit_first(N, U, u + 1);
            conv_fwd_range(&p, out + (size_t)n0 * K * HW, in + (size_t)n0 * C * HW, w, b, c, work, n1 - n0, C,
                           H, W, K, relu);
        }
    }
}

/* one thread's backward pass: the weights of the input gradient (flipped for im2col, packed
 * for the direct kernel, transformed for Winograd) into its slice, once per call */
static void conv_bwd_prepare(const conv_plan *p, float *c, size_t work, const float *w, int has_din, int C,
                             int K) {
    float *wt = slice_wt(c, work);
    if (!has_din) return;
    if (p->wino_bwd)
        conv_wino_driver_weights(wino_table(p->wino_bwd), c, w, C, K, 1);
    else if (p->direct_din)
        conv_direct_pack(wt, w, C, K, 1);
    else /* the transposed (K<->C), flipped weights: wt[c][k][2-ky][2-kx] = w[k][c][ky][kx] */
        for (int k = 0; k < K; k++)
            for (int cc = 0; cc < C; cc++)
                for (int q = 0; q < 9; q++)
                    wt[((size_t)cc * K + k) * 9 + (8 - q)] = w[((size_t)k * C + cc) * 9 + q];
}

/* N images (din, dout, in at their first image): the weight and bias gradients added into
 * pdw, pdb (a unit's sums), din (or NULL) overwritten */
static void conv_bwd_range(const conv_plan *p, float *din, const float *dout, const float *in, float *c,
                           size_t work, float *pdw, float *pdb, int N, int C, int H, int W, int K) {
    const int HW = H * W, CK = C * 9, R = strip_rows(H, W);
    float *wt = slice_wt(c, work); /* conv_bwd_prepare's */
    if (p->wino_dw)
        conv_wino_driver_backward(wino_table(p->wino_dw), p->wino_bwd ? din : NULL, pdw, pdb, dout, in, c, N,
                                  C, H, W, K);
    if (p->wino_bwd) return; /* the driver did all three (wino_bwd implies wino_dw) */
    for (int n = 0; n < N; n++) {
        const float *g = dout + (size_t)n * K * HW;
        if (!p->wino_dw) /* else the driver summed it */
            for (int k = 0; k < K; k++) pdb[k] += conv_sum_floats(g + (size_t)k * HW, HW);
        if (p->direct_dw) conv_direct_dw_image(pdw, g, in + (size_t)n * C * HW, c, C, H, W, K);
        if (din && p->direct_din) conv_direct_image(din + (size_t)n * C * HW, g, wt, NULL, c, K, H, W, C, 0);
        if ((p->direct_dw || p->wino_dw) && (!din || p->direct_din)) continue;
        for (int y0 = 0; y0 < H; y0 += R) {
            const int y1 = y0 + R < H ? y0 + R : H, SW = (y1 - y0) * W;
            if (!p->direct_dw && !p->wino_dw) {
                im2col3x3(c, in + (size_t)n * C * HW, C, H, W, y0, y1);
                /* dw (K,CK) += g[:, strip] (K,SW) . col^T (SW,CK) */
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, K, CK, SW, 1.0f, g + (size_t)y0 * W, HW,
                            c, SW, 1.0f, pdw, CK);
            }
            if (din && !p->direct_din) {
                /* The input gradient is a 3x3 SAME convolution of the output gradient with
                 * the flipped weights: din[:, strip] (C,SW) = wt (C,9K) . im2col(g) (9K,SW),
                 * written straight into din (no col2im scatter) */
                im2col3x3(c, g, K, H, W, y0, y1);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, C, SW, K * 9, 1.0f, wt, K * 9, c, SW,
                            0.0f, din + (size_t)n * C * HW + (size_t)y0 * W, HW);
            }
        }
    }
}

/* dw, db = the U units' partial sums (unit_acc(col, slice, off, n, u)) added in unit order */
static void conv_reduce(float *dw, float *db, float *col, size_t slice, size_t off, size_t n, int U, int C,
                        int K) {
    const size_t KC9 = (size_t)K * C * 9;
    for (int u = 0; u < U; u++) {
        const float *pdw = unit_acc(col, slice, off, n, u), *pdb = pdw + KC9;
        if (u == 0) {
            memcpy(dw, pdw, sizeof(float) * KC9);
            memcpy(db, pdb, sizeof(float) * K);
        } else {
            for (size_t i = 0; i < KC9; i++) dw[i] += pdw[i];
            for (int k = 0; k < K; k++) db[k] += pdb[k];
        }
    }
}

void conv3x3_backward(float *din, float *dw, float *db, const float *dout, const float *in, const float *w,
                      float *col, int ncol, int N, int C, int H, int W, int K) {
    const int HW = H * W, T = conv_threads(N, ncol), U = conv_units(N, T);
    const size_t slice = conv3x3_col_size(C, H, W, K), work = work_size(C, H, W, K),
                 acc = unit_acc_off(C, H, W, K), KC9 = (size_t)K * C * 9;
    const conv_plan p = plan_for(C, H, W, K);
    if (N <= 0) {
        memset(dw, 0, sizeof(float) * K * C * 9);
        memset(db, 0, sizeof(float) * K);
        return;
    }
    if (layers_conv() == LAYERS_CONV_NAIVE) {
        conv3x3_backward_naive(din, dw, db, dout, in, w, N, C, H, W, K);
        return;
    }
#pragma omp parallel num_threads(T) if (T > 1)
    {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        float *c = col + (size_t)t * slice;
        conv_bwd_prepare(&p, c, work, w, din != NULL, C, K);
#pragma omp for schedule(dynamic, 1)
        for (int u = 0; u < U; u++) {
            unit_start(t);
            const int n0 = unit_first(N, U, u), n1 = unit_first(N, U, u + 1);
            float *pdw = unit_acc(col, slice, acc, KC9 + K, u);
            memset(pdw, 0, sizeof(float) * (KC9 + K));
            conv_bwd_range(&p, din ? din + (size_t)n0 * C * HW : NULL, dout + (size_t)n0 * K * HW,
                           in + (size_t)n0 * C * HW, c, work, pdw, pdw + KC9, n1 - n0, C, H, W, K);
        }
    }
    conv_reduce(dw, db, col, slice, acc, KC9 + K, U, C, K);
}

void conv3x3_forward_naive(float *out, const float *in, const float *w, const float *b, int N, int C, int H,
                           int W, int K, int relu) {
    for (int n = 0; n < N; n++)
        for (int k = 0; k < K; k++)
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++) {
                    double s = b[k]; /* double: the reference should be the more exact one */
                    for (int c = 0; c < C; c++)
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++) {
                                int iy = y + ky - 1, ix = x + kx - 1;
                                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                                s += (double)w[((k * C + c) * 3 + ky) * 3 + kx] *
                                     in[(((size_t)n * C + c) * H + iy) * W + ix];
                            }
                    if (relu && s < 0) s = 0;
                    out[(((size_t)n * K + k) * H + y) * W + x] = (float)s;
                }
}

void conv3x3_backward_naive(float *din, float *dw, float *db, const float *dout, const float *in,
                            const float *w, int N, int C, int H, int W, int K) {
    for (int k = 0; k < K; k++) {
        double s = 0;
        for (int n = 0; n < N; n++)
            for (int i = 0; i < H * W; i++) s += dout[((size_t)n * K + k) * H * W + i];
        db[k] = (float)s;
        for (int c = 0; c < C; c++)
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++) {
                    double g = 0;
                    for (int n = 0; n < N; n++)
                        for (int y = 0; y < H; y++)
                            for (int x = 0; x < W; x++) {
                                int iy = y + ky - 1, ix = x + kx - 1;
                                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                                g += (double)dout[(((size_t)n * K + k) * H + y) * W + x] *
                                     in[(((size_t)n * C + c) * H + iy) * W + ix];
                            }
                    dw[((k * C + c) * 3 + ky) * 3 + kx] = (float)g;
                }
    }
    if (!din) return;
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++)
            for (int iy = 0; iy < H; iy++)
                for (int ix = 0; ix < W; ix++) {
                    double g = 0;
                    for (int k = 0; k < K; k++)
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++) {
                                int y = iy - ky + 1, x = ix - kx + 1;
                                if (y < 0 || y >= H || x < 0 || x >= W) continue;
                                g += (double)w[((k * C + c) * 3 + ky) * 3 + kx] *
                                     dout[(((size_t)n * K + k) * H + y) * W + x];
                            }
                    din[(((size_t)n * C + c) * H + iy) * W + ix] = (float)g;
                }
}

/* first maximum of a 2x2 window in scan order (as PyTorch's CPU kernel picks it): its
 * index 0..3 (dy * 2 + dx), + 4 if it is <= 0 (a ReLU's output: no gradient through it) */
static inline unsigned char window_arg(float a, float b, float c, float e, float *max) {
    float m = a;
    int best = 0;
    if (b > m) m = b, best = 1;
    if (c > m) m = c, best = 2;
    if (e > m) m = e, best = 3;
    *max = m;
    return (unsigned char)(best + (m > 0.0f ? 0 : 4));
}

#if defined(__AVX2__)
#include <immintrin.h>
/* the even (e) and odd (o) columns of 16 floats at r */
static inline void split16(__m256 *e, __m256 *o, const float *r) {
    const __m256 u = _mm256_loadu_ps(r), v = _mm256_loadu_ps(r + 8);
    *e = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(u, v, 0x88)), 0xD8));
    *o = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(u, v, 0xDD)), 0xD8));
}

/* window_arg() for 8 windows of rows r0, r1 (16 floats each): maxima into d, args into a */
static inline void pool_fwd8(float *d, unsigned char *a, const float *r0, const float *r1) {
    __m256 w[4];
    split16(&w[0], &w[1], r0);
    split16(&w[2], &w[3], r1);
    __m256 m = w[0], best = _mm256_setzero_ps();
    for (int q = 1; q < 4; q++) { /* strictly greater: the first maximum stays */
        const __m256 gt = _mm256_cmp_ps(w[q], m, _CMP_GT_OQ);
        m = _mm256_blendv_ps(m, w[q], gt);
        best = _mm256_blendv_ps(best, _mm256_set1_ps((float)q), gt);
    }
    const __m256 pos = _mm256_cmp_ps(m, _mm256_setzero_ps(), _CMP_GT_OQ);
    best = _mm256_add_ps(best, _mm256_andnot_ps(pos, _mm256_set1_ps(4.0f)));
    _mm256_storeu_ps(d, m);
    int idx[8];
    _mm256_storeu_si256((__m256i *)idx, _mm256_cvttps_epi32(best));
    for (int j = 0; j < 8; j++) a[j] = (unsigned char)idx[j];
}
#endif

/* one plane (H x W) into d (H/2 x W/2) and, if ar, its arg bytes */
static void pool_fwd_plane(float *d, unsigned char *ar, const float *s, int H, int W) {
    const int Wo = W / 2;
    for (int y = 0; y < H / 2; y++) {
        const float *r0 = s + (size_t)(2 * y) * W, *r1 = r0 + W;
        if (!ar) {
            for (int x = 0; x < Wo; x++) {
                float m = r0[2 * x];
                if (r0[2 * x + 1] > m) m = r0[2 * x + 1];
                if (r1[2 * x] > m) m = r1[2 * x];
                if (r1[2 * x + 1] > m) m = r1[2 * x + 1];
                d[(size_t)y * Wo + x] = m;
            }
            continue;
        }
        int x = 0;
#if defined(__AVX2__)
        for (; x + 8 <= Wo; x += 8)
            pool_fwd8(d + (size_t)y * Wo + x, ar + (size_t)y * Wo + x, r0 + 2 * x, r1 + 2 * x);
#endif
        for (; x < Wo; x++)
            ar[(size_t)y * Wo + x] =
                window_arg(r0[2 * x], r0[2 * x + 1], r1[2 * x], r1[2 * x + 1], &d[(size_t)y * Wo + x]);
    }
}

void maxpool2x2_forward(float *out, unsigned char *arg, const float *in, int N, int C, int H, int W) {
    const int Ho = H / 2, Wo = W / 2;
#pragma omp parallel for schedule(static) num_threads(g_threads) if ((long)N * C * H * W >= 65536)
    for (long p = 0; p < (long)N * C; p++)
        pool_fwd_plane(out + (size_t)p * Ho * Wo, arg ? arg + (size_t)p * Ho * Wo : NULL,
                       in + (size_t)p * H * W, H, W);
}

#if defined(__AVX2__)
/* 8 windows: the gradients g (8) go to the positions their arg bytes (8) name, zeros
 * elsewhere, masked where bit 2 is set if relu; rows d0, d1 (16 floats each) are written
 * whole, with streaming stores when nt (32-byte aligned rows: din is far larger than the
 * caches and read back only by the next layer, so skipping the read-for-ownership of its
 * lines saves a third of the pass's memory traffic) */
static inline void pool_back8(float *d0, float *d1, const float *g, const unsigned char *a, int relu,
                              int nt) {
    __m256 gv = _mm256_loadu_ps(g);
    const __m256i ai = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)a));
    const __m256i idx = _mm256_and_si256(ai, _mm256_set1_epi32(3));
    if (relu)
        gv = _mm256_and_ps(
            gv, _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(4), ai))); /* arg < 4: maximum > 0 */
    __m256 v[4];
    for (int q = 0; q < 4; q++)
        v[q] = _mm256_and_ps(gv, _mm256_castsi256_ps(_mm256_cmpeq_epi32(idx, _mm256_set1_epi32(q))));
    const __m256 l0 = _mm256_unpacklo_ps(v[0], v[1]), h0 = _mm256_unpackhi_ps(v[0], v[1]),
                 l1 = _mm256_unpacklo_ps(v[2], v[3]), h1 = _mm256_unpackhi_ps(v[2], v[3]);
    const __m256 r00 = _mm256_permute2f128_ps(l0, h0, 0x20), r01 = _mm256_permute2f128_ps(l0, h0, 0x31),
                 r10 = _mm256_permute2f128_ps(l1, h1, 0x20), r11 = _mm256_permute2f128_ps(l1, h1, 0x31);
    if (nt) {
        _mm256_stream_ps(d0, r00);
        _mm256_stream_ps(d0 + 8, r01);
        _mm256_stream_ps(d1, r10);
        _mm256_stream_ps(d1 + 8, r11);
    } else {
        _mm256_storeu_ps(d0, r00);
        _mm256_storeu_ps(d0 + 8, r01);
        _mm256_storeu_ps(d1, r10);
        _mm256_storeu_ps(d1 + 8, r11);
    }
}
#endif

/* one plane: d (H x W) from the gradient g (H/2 x W/2) of the pooled plane; s: the forward
 * input (if ar is NULL); nt: streaming stores (32-byte aligned rows, W % 8 == 0) */
static void pool_bwd_plane(float *d, const float *g, const float *s, const unsigned char *ar, int H, int W,
                           int relu, int nt) {
    const int Wo = W / 2;
    (void)nt;
    /* one pass writing every element of din: each 2x2 window gets its gradient at its
     * first maximum (the forward pass's arg, or found again in `in`), zeros elsewhere */
    for (int y = 0; y < H / 2; y++) {
        float *d0 = d + (size_t)(2 * y) * W, *d1 = d0 + W;
        const float *gy = g + (size_t)y * Wo;
        const unsigned char *ay = ar ? ar + (size_t)y * Wo : NULL;
        const float *s0 = s ? s + (size_t)(2 * y) * W : NULL, *s1 = s0 ? s0 + W : NULL;
        int x = 0;
#if defined(__AVX2__)
        if (ay)
            for (; x + 8 <= Wo; x += 8) pool_back8(d0 + 2 * x, d1 + 2 * x, gy + x, ay + x, relu, nt);
#endif
        for (; x < Wo; x++) {
            float m;
            const unsigned char a =
                ay ? ay[x] : window_arg(s0[2 * x], s0[2 * x + 1], s1[2 * x], s1[2 * x + 1], &m);
            const int best = a & 3;
            const float gv = relu && a >= 4 ? 0.0f : gy[x];
            d0[2 * x] = best == 0 ? gv : 0.0f;
            d0[2 * x + 1] = best == 1 ? gv : 0.0f;
            d1[2 * x] = best == 2 ? gv : 0.0f;
            d1[2 * x + 1] = best == 3 ? gv : 0.0f;
        }
        if (W % 2) d0[W - 1] = d1[W - 1] = 0.0f; /* the column the floor drops */
    }
    if (H % 2) memset(d + (size_t)(H - 1) * W, 0, sizeof(float) * W); /* likewise the row */
}

void maxpool2x2_backward(float *din, const float *dout, const float *in, const unsigned char *arg, int N,
                         int C, int H, int W, int relu) {
    const int Ho = H / 2, Wo = W / 2;
    int nt = 0;
#if defined(__AVX2__)
    nt = ((uintptr_t)din % 32) == 0 && W % 8 == 0; /* streaming stores: aligned rows */
#endif
#pragma omp parallel for schedule(static) num_threads(g_threads) if ((long)N * C * H * W >= 65536)
    for (long p = 0; p < (long)N * C; p++)
        pool_bwd_plane(din + (size_t)p * H * W, dout + (size_t)p * Ho * Wo,
                       in ? in + (size_t)p * H * W : NULL, arg ? arg + (size_t)p * Ho * Wo : NULL, H, W, relu,
                       nt);
#if defined(__AVX2__)
    if (nt) _mm_sfence(); /* streaming stores visible before the next layer reads din */
#endif
}

/* Fused conv + 2x2 max-pool: each thread takes its static block of images in chunks
 * (chunk_images) and runs the conv kernels of conv3x3_forward/backward on a chunk into its
 * slice's chunk buffer, then the pool on that buffer: the conv's full-size output and its
 * gradient are never stored (the pool's arg bytes carry what the backward pass needs). */
void conv3x3_pool_forward(float *out, unsigned char *arg, const float *in, const float *w, const float *b,
                          float *col, int ncol, int N, int C, int H, int W, int K, int relu) {
    const int HW = H * W, PO = (H / 2) * (W / 2), G = chunk_images(C, H, W, K);
    const int naive = layers_conv() == LAYERS_CONV_NAIVE, T = naive ? 1 : conv_threads(N, ncol),
              U = conv_units(N, T);
    const size_t slice = conv3x3_col_size(C, H, W, K), work = work_size(C, H, W, K),
                 cbuf = work + weights_size(C, K);
    const conv_plan p = plan_for(C, H, W, K);
    if (N <= 0) return;
#pragma omp parallel num_threads(T) if (T > 1)
    {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        float *c = col + (size_t)t * slice, *y = c + cbuf;
        if (!naive) conv_fwd_prepare(&p, c, work, w, C, K);
#pragma omp for schedule(dynamic, 1)
        for (int u = 0; u < U; u++) {
            unit_start(t);
            const int n0 = unit_first(N, U, u), n1 = unit_first(N, U, u + 1);
            if (!naive && p.wino == 4 && conv_wino4_pool_usable(H, W)) { /* pooled by the output transform */
                conv_wino_driver_forward_pool(wino_table(4), out + (size_t)n0 * K * PO,
                                              arg + (size_t)n0 * K * PO, in + (size_t)n0 * C * HW, b, c,
                                              n1 - n0, C, H, W, K, relu);
                continue;
            }
            for (int a = n0; a < n1; a += G) {
                const int g = a + G < n1 ? G : n1 - a;
                if (naive)
                    conv3x3_forward_naive(y, in + (size_t)a * C * HW, w, b, g, C, H, W, K, relu);
                else
                    conv_fwd_range(&p, y, in + (size_t)a * C * HW, w, b, c, work, g, C, H, W, K, relu);
                for (long q = 0; q < (long)g * K; q++)
                    pool_fwd_plane(out + ((size_t)a * K + q) * PO, arg + ((size_t)a * K + q) * PO,
                                   y + (size_t)q * HW, H, W);
            }
        }
    }
}

/* One chunk's backward pass of a conv from its output gradient dout (n images): dw, db
 * added into the slice's sums pdw, pdb, din overwritten (or NULL), by the plan's kernels
 * or the naive loops (their dw and db go through the slice's unused weight areas). */
static void conv_bwd_chunk(const conv_plan *p, int naive, float *din, float *pdw, float *pdb,
                           const float *dout, const float *x, const float *w, float *c, size_t work, int n,
                           int C, int H, int W, int K) {
    const size_t KC9 = (size_t)K * C * 9;
    if (!naive) {
        conv_bwd_range(p, din, dout, x, c, work, pdw, pdb, n, C, H, W, K);
        return;
    }
    float *ndb = slice_wt(c, work), *ndw = ndb + K; /* the weights area: KC9 + K <= 2 KC9 */
    conv3x3_backward_naive(din, ndw, ndb, dout, x, w, n, C, H, W, K);
    for (size_t i = 0; i < KC9; i++) pdw[i] += ndw[i];
    for (int k = 0; k < K; k++) pdb[k] += ndb[k];
}

/* The same for a conv followed by a 2x2 max-pool, from the pool's gradient dpool and arg
 * (relu: the conv's ReLU); din_relu: din zeroed where x <= 0 (the input's own ReLU), and
 * din may then be x itself. F(4x4) reads dpool and arg directly and masks din as it writes
 * it; else the conv's output gradient is built in g (the chunk buffer) first, and when din
 * is x the input gradient waits in dx (a chunk buffer) until the weight gradient has read x. */
static void pool_conv_bwd_chunk(const conv_plan *p, int naive, float *din, int din_relu, float *pdw,
                                float *pdb, const float *dpool, const unsigned char *arg, int relu,
                                const float *x, const float *w, float *c, size_t work, float *g, float *dx,
                                int n, int C, int H, int W, int K) {
    const int HW = H * W, PO = (H / 2) * (W / 2);
    if (!naive && p->wino_bwd == 4 && conv_wino4_pool_usable(H, W)) {
        conv_wino_driver_backward_pool(wino_table(4), din, pdw, pdb, dpool, arg, relu, x, din_relu, c, n, C,
                                       H, W, K);
        return;
    }
    for (long q = 0; q < (long)n * K; q++) /* the conv's output gradient, ReLU-masked */
        pool_bwd_plane(g + (size_t)q * HW, dpool + (size_t)q * PO, NULL, arg + (size_t)q * PO, H, W, relu, 0);
    float *d = din && din == x ? dx : din;
    conv_bwd_chunk(p, naive, d, pdw, pdb, g, x, w, c, work, n, C, H, W, K);
    if (!din) return;
    const size_t m = (size_t)n * C * HW;
    if (din_relu)
        for (size_t i = 0; i < m; i++) din[i] = x[i] > 0.0f ? d[i] : 0.0f;
    else if (d != din)
        memcpy(din, d, sizeof(float) * m);
}

void conv3x3_pool_backward(float *din, float *dw, float *db, const float *dpool, const unsigned char *arg,
                           const float *in, const float *w, float *col, int ncol, int N, int C, int H, int W,
                           int K, int relu, int din_relu) {
    const int HW = H * W, PO = (H / 2) * (W / 2), G = chunk_images(C, H, W, K);
    const int naive = layers_conv() == LAYERS_CONV_NAIVE, T = naive ? 1 : conv_threads(N, ncol),
              U = conv_units(N, T);
    const size_t slice = conv3x3_col_size(C, H, W, K), work = work_size(C, H, W, K),
                 cbuf = work + weights_size(C, K), KC9 = (size_t)K * C * 9, acc = unit_acc_off(C, H, W, K);
    const conv_plan p = plan_for(C, H, W, K);
    if (N <= 0) {
        memset(dw, 0, sizeof(float) * KC9);
        memset(db, 0, sizeof(float) * K);
        return;
    }
#pragma omp parallel num_threads(T) if (T > 1)
    {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        float *c = col + (size_t)t * slice, *g = c + cbuf, *dx = g + chunk_floats(C, H, W, K);
        if (!naive) conv_bwd_prepare(&p, c, work, w, din != NULL, C, K);
#pragma omp for schedule(dynamic, 1)
        for (int u = 0; u < U; u++) {
            unit_start(t);
            const int n0 = unit_first(N, U, u), n1 = unit_first(N, U, u + 1);
            float *pdw = unit_acc(col, slice, acc, KC9 + K, u), *pdb = pdw + KC9;
            memset(pdw, 0, sizeof(float) * (KC9 + K));
            for (int a = n0; a < n1; a += G) {
                const int n = a + G < n1 ? G : n1 - a;
                const float *x = in + (size_t)a * C * HW;
                pool_conv_bwd_chunk(&p, naive, din ? din + (size_t)a * C * HW : NULL, din_relu, pdw, pdb,
                                    dpool + (size_t)a * K * PO, arg + (size_t)a * K * PO, relu, x, w, c, work,
                                    g, dx, n, C, H, W, K);
            }
        }
    }
    conv_reduce(dw, db, col, slice, acc, KC9 + K, U, C, K);
}

/* The first block fused: conv a (C0 -> C1, ReLU) on the network's input, conv b (C1 -> C2)
 * and the 2x2 max-pool, per thread in chunks of images (chunk_images of conv b). conv a's
 * output A lives only in the chunk buffer: the backward pass recomputes it (the same
 * kernels on the same images: the same bits), so the largest activation of the study's
 * network (batch 288 x 16 x 224 x 224: 0.92 GB) is never stored, nor its gradient, and
 * conv a's weight gradient reads its output gradient while the chunk is still in cache.
 * One thread's slice: conv a's scratch (work area, weights), conv b's, the chunk buffers A,
 * Y (conv b's output, or its gradient) and dA, then CONV_UNITS units' partial sums. */
typedef struct block_layout {
    size_t cbuf_a, work_a, cbuf_b, work_b, chunk_a, chunk_b, acc, slice;
    size_t unit; /* floats of a unit's partial sums: conv a's dw, db, then conv b's */
    int G;       /* images per chunk */
} block_layout;

static block_layout block_layout_for(int C0, int H, int W, int C1, int C2) {
    block_layout L;
    L.G = chunk_images(C1, H, W, C2);
    L.work_a = work_size(C0, H, W, C1);
    L.cbuf_a = L.work_a + weights_size(C0, C1);
    L.work_b = work_size(C1, H, W, C2);
    L.cbuf_b = L.work_b + weights_size(C1, C2);
    L.chunk_a = (size_t)L.G * C1 * H * W;
    L.chunk_b = (size_t)L.G * C2 * H * W;
    L.acc = L.cbuf_a + L.cbuf_b + 2 * L.chunk_a + L.chunk_b;
    L.unit = (size_t)C1 * C0 * 9 + C1 + (size_t)C2 * C1 * 9 + C2;
    L.slice = (L.acc + CONV_UNITS * L.unit + 15) / 16 * 16;
    return L;
}

size_t conv_block_col_size(int C0, int H, int W, int C1, int C2) {
    return block_layout_for(C0, H, W, C1, C2).slice;
}

/* A = conv a (ReLU) of g images of x, Y = conv b of A: the chunk's forward pass, by the
 * plans' kernels (whose weights the caller prepared in ca, cb) or the naive loops */
static void block_chunk_forward(const conv_plan *pa, const conv_plan *pb, const block_layout *L, float *ca,
                                float *cb, float *A, float *Y, const float *x, const float *wa,
                                const float *ba, const float *wb, const float *bb, int g, int C0, int H,
                                int W, int C1, int C2, int relu_b, int forward_b) {
    if (layers_conv() == LAYERS_CONV_NAIVE) {
        conv3x3_forward_naive(A, x, wa, ba, g, C0, H, W, C1, 1);
        if (forward_b) conv3x3_forward_naive(Y, A, wb, bb, g, C1, H, W, C2, relu_b);
        return;
    }
    conv_fwd_range(pa, A, x, wa, ba, ca, L->work_a, g, C0, H, W, C1, 1);
    if (forward_b) conv_fwd_range(pb, Y, A, wb, bb, cb, L->work_b, g, C1, H, W, C2, relu_b);
}

void conv_block_pool_forward(float *out, unsigned char *arg, const float *x, const float *wa, const float *ba,
                             const float *wb, const float *bb, float *col, int ncol, int N, int C0, int H,
                             int W, int C1, int C2, int relu_b) {
    const int HW = H * W, PO = (H / 2) * (W / 2), T = conv_threads(N, ncol), U = conv_units(N, T);
    const block_layout L = block_layout_for(C0, H, W, C1, C2);
    const conv_plan pa = plan_for(C0, H, W, C1), pb = plan_for(C1, H, W, C2);
    const int naive = layers_conv() == LAYERS_CONV_NAIVE;
    if (N <= 0) return;
#pragma omp parallel num_threads(T) if (T > 1)
    {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        float *ca = col + (size_t)t * L.slice, *cb = ca + L.cbuf_a, *A = cb + L.cbuf_b, *Y = A + L.chunk_a;
        if (!naive) {
            conv_fwd_prepare(&pa, ca, L.work_a, wa, C0, C1);
            conv_fwd_prepare(&pb, cb, L.work_b, wb, C1, C2);
        }
#pragma omp for schedule(dynamic, 1)
        for (int u = 0; u < U; u++) {
            unit_start(t);
            const int n0 = unit_first(N, U, u), n1 = unit_first(N, U, u + 1);
            for (int a = n0; a < n1; a += L.G) {
                const int g = a + L.G < n1 ? L.G : n1 - a;
                const int pooled = !naive && pb.wino == 4 && conv_wino4_pool_usable(H, W);
                block_chunk_forward(&pa, &pb, &L, ca, cb, A, Y, x + (size_t)a * C0 * HW, wa, ba, wb, bb, g,
                                    C0, H, W, C1, C2, relu_b, !pooled);
                if (pooled) { /* conv b pooled by its output transform */
                    conv_wino_driver_forward_pool(wino_table(4), out + (size_t)a * C2 * PO,
                                                  arg + (size_t)a * C2 * PO, A, bb, cb, g, C1, H, W, C2,
                                                  relu_b);
                    continue;
                }
                for (long q = 0; q < (long)g * C2; q++)
                    pool_fwd_plane(out + ((size_t)a * C2 + q) * PO, arg + ((size_t)a * C2 + q) * PO,
                                   Y + (size_t)q * HW, H, W);
            }
        }
    }
}

void conv_block_pool_backward(float *dwa, float *dba, float *dwb, float *dbb, const float *dpool,
                              const unsigned char *arg, const float *x, const float *wa, const float *ba,
                              const float *wb, float *col, int ncol, int N, int C0, int H, int W, int C1,
                              int C2, int relu_b) {
    const int HW = H * W, PO = (H / 2) * (W / 2), T = conv_threads(N, ncol), U = conv_units(N, T);
    const block_layout L = block_layout_for(C0, H, W, C1, C2);
    const conv_plan pa = plan_for(C0, H, W, C1), pb = plan_for(C1, H, W, C2);
    const int naive = layers_conv() == LAYERS_CONV_NAIVE;
    const size_t KC9a = (size_t)C1 * C0 * 9, KC9b = (size_t)C2 * C1 * 9;
    if (N <= 0) {
        memset(dwa, 0, sizeof(float) * KC9a), memset(dba, 0, sizeof(float) * C1);
        memset(dwb, 0, sizeof(float) * KC9b), memset(dbb, 0, sizeof(float) * C2);
        return;
    }
#pragma omp parallel num_threads(T) if (T > 1)
    {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        float *ca = col + (size_t)t * L.slice, *cb = ca + L.cbuf_a, *A = cb + L.cbuf_b, *g = A + L.chunk_a,
              *dA = g + L.chunk_b;
        if (!naive) conv_bwd_prepare(&pb, cb, L.work_b, wb, 1, C1, C2);
#pragma omp for schedule(dynamic, 1)
        for (int u = 0; u < U; u++) {
            unit_start(t);
            const int n0 = unit_first(N, U, u), n1 = unit_first(N, U, u + 1);
            float *pdwa = unit_acc(col, L.slice, L.acc, L.unit, u), *pdba = pdwa + KC9a, *pdwb = pdba + C1,
                  *pdbb = pdwb + KC9b;
            memset(pdwa, 0, sizeof(float) * L.unit);
            for (int a = n0; a < n1; a += L.G) {
                const int n = a + L.G < n1 ? L.G : n1 - a;
                const float *xa = x + (size_t)a * C0 * HW;
                /* A again (conv a's weights re-prepared: its weight gradient may use the area) */
                if (!naive) conv_fwd_prepare(&pa, ca, L.work_a, wa, C0, C1);
                block_chunk_forward(&pa, &pb, &L, ca, cb, A, NULL, xa, wa, ba, wb, NULL, n, C0, H, W, C1, C2,
                                    relu_b, 0);
                pool_conv_bwd_chunk(&pb, naive, dA, 1, pdwb, pdbb, dpool + (size_t)a * C2 * PO,
                                    arg + (size_t)a * C2 * PO, relu_b, A, wb, cb, L.work_b, g, NULL, n, C1, H,
                                    W, C2);
                conv_bwd_chunk(&pa, naive, NULL, pdwa, pdba, dA, xa, wa, ca, L.work_a, n, C0, H, W, C1);
            }
        }
    }
    conv_reduce(dwb, dbb, col, L.slice, L.acc + KC9a + C1, L.unit, U, C1, C2);
    conv_reduce(dwa, dba, col, L.slice, L.acc, L.unit, U, C0, C1);
}

void maxpool2x2_forward_naive(float *out, const float *in, int N, int C, int H, int W) {
    const int Ho = H / 2, Wo = W / 2;
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++)
            for (int y = 0; y < Ho; y++)
                for (int x = 0; x < Wo; x++) {
                    float m = -INFINITY;
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++) {
                            float v = in[(((size_t)n * C + c) * H + 2 * y + dy) * W + 2 * x + dx];
                            if (v > m) m = v;
                        }
                    out[(((size_t)n * C + c) * Ho + y) * Wo + x] = m;
                }
}

void maxpool2x2_backward_naive(float *din, const float *dout, const float *in, int N, int C, int H, int W) {
    const int Ho = H / 2, Wo = W / 2;
    memset(din, 0, sizeof(float) * N * C * H * W);
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++)
            for (int y = 0; y < Ho; y++)
                for (int x = 0; x < Wo; x++) {
                    size_t best = 0;
                    float m = -INFINITY;
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++) {
                            size_t i = (((size_t)n * C + c) * H + 2 * y + dy) * W + 2 * x + dx;
                            if (in[i] > m) {
                                m = in[i];
                                best = i;
                            }
                        }
                    din[best] += dout[(((size_t)n * C + c) * Ho + y) * Wo + x];
                }
}

/* Dense layers split the outputs (forward, dw) or the inputs (din) into static contiguous
 * blocks, one per thread: no element is summed across threads. */
static int dense_threads(int n) { return g_threads < n ? g_threads : (n > 0 ? n : 1); }

void dense_forward(float *out, const float *in, const float *w, const float *b, int N, int C, int O,
                   int relu) {
    const int T = dense_threads(O);
#pragma omp parallel num_threads(T) if (T > 1)
    {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        const int o0 = (int)((long)O * t / T), o1 = (int)((long)O * (t + 1) / T);
        /* out[:, o0:o1] (N,o) = in (N,C) . w[o0:o1]^T (C,o) */
        if (o1 > o0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, o1 - o0, C, 1.0f, in, C,
                        w + (size_t)o0 * C, C, 0.0f, out + o0, O);
        for (int n = 0; n < N; n++) {
            float *r = out + (size_t)n * O;
            for (int o = o0; o < o1; o++) {
                float v = r[o] + b[o];
                r[o] = relu && v < 0.0f ? 0.0f : v;
            }
        }
    }
}

void dense_backward(float *din, float *dw, float *db, const float *dout, const float *in, const float *w,
                    int N, int C, int O) {
    const int T = dense_threads(O > C ? O : C);
#pragma omp parallel num_threads(T) if (T > 1)
    {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        const int o0 = (int)((long)O * t / T), o1 = (int)((long)O * (t + 1) / T);
        for (int o = o0; o < o1; o++) {
            float s = 0.0f;
            for (int n = 0; n < N; n++) s += dout[(size_t)n * O + o];
            db[o] = s;
        }
        /* dw[o0:o1] (o,C) = dout[:, o0:o1]^T (o,N) . in (N,C) */
        if (o1 > o0)
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, o1 - o0, C, N, 1.0f, dout + o0, O, in, C,
                        0.0f, dw + (size_t)o0 * C, C);
        /* din[:, c0:c1] (N,c) = dout (N,O) . w[:, c0:c1] (O,c) */
        const int c0 = (int)((long)C * t / T), c1 = (int)((long)C * (t + 1) / T);
        if (din && c1 > c0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, c1 - c0, O, 1.0f, dout, O, w + c0, C,
                        0.0f, din + c0, C);
    }
}

void dense_forward_naive(float *out, const float *in, const float *w, const float *b, int N, int C, int O,
                         int relu) {
    for (int n = 0; n < N; n++)
        for (int o = 0; o < O; o++) {
            double s = b[o];
            for (int i = 0; i < C; i++) s += (double)in[(size_t)n * C + i] * w[(size_t)o * C + i];
            if (relu && s < 0) s = 0;
            out[(size_t)n * O + o] = (float)s;
        }
}

void dense_backward_naive(float *din, float *dw, float *db, const float *dout, const float *in,
                          const float *w, int N, int C, int O) {
    for (int o = 0; o < O; o++) {
        double s = 0;
        for (int n = 0; n < N; n++) s += dout[(size_t)n * O + o];
        db[o] = (float)s;
        for (int i = 0; i < C; i++) {
            double g = 0;
            for (int n = 0; n < N; n++) g += (double)dout[(size_t)n * O + o] * in[(size_t)n * C + i];
            dw[(size_t)o * C + i] = (float)g;
        }
    }
    if (!din) return;
    for (int n = 0; n < N; n++)
        for (int i = 0; i < C; i++) {
            double g = 0;
            for (int o = 0; o < O; o++) g += (double)dout[(size_t)n * O + o] * w[(size_t)o * C + i];
            din[(size_t)n * C + i] = (float)g;
        }
}

void relu_backward(float *d, const float *y, size_t n) {
#pragma omp parallel for schedule(static) num_threads(g_threads) if (g_threads > 1 && n >= 65536)
    for (size_t i = 0; i < n; i++)
        if (!(y[i] > 0.0f)) d[i] = 0.0f;
}

double softmax_xent_forward(float *probs, const float *logits, const int *labels, int N, int K) {
    double loss = 0;
    for (int n = 0; n < N; n++) {
        const float *z = logits + (size_t)n * K;
        float *p = probs + (size_t)n * K;
        double m = z[0], s = 0;
        for (int k = 1; k < K; k++)
            if (z[k] > m) m = z[k];
        for (int k = 0; k < K; k++) s += exp((double)z[k] - m);
        for (int k = 0; k < K; k++) p[k] = (float)(exp((double)z[k] - m) / s);
        /* log-sum-exp form: finite even when p underflows to 0 */
        loss += log(s) + m - z[labels[n]];
    }
    return loss;
}

void softmax_xent_backward(float *dlogits, const float *probs, const int *labels, int N, int K) {
    const float inv = 1.0f / (float)N;
    for (int n = 0; n < N; n++)
        for (int k = 0; k < K; k++)
            dlogits[(size_t)n * K + k] = (probs[(size_t)n * K + k] - (k == labels[n] ? 1.0f : 0.0f)) * inv;
}
