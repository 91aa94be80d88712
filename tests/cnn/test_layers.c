/* test_layers: every kernel's fast version against its naive reference (forward and
 * backward), and both against central finite differences of a scalar loss
 * L = sum(out * R) (R random), on odd, non-square shapes. The conv cases run with each conv
 * kernel (the environment's default, then im2col + sgemm and the direct AVX2 kernel
 * everywhere it applies, on extra shapes with channel counts % 4 == 0, widths with and
 * without a partial vector, several row strips); tolerance 1e-5 of the largest value for
 * every kernel. Non-zero exit on any mismatch. */
#include "cnn/conv_direct.h"
#include "cnn/layers.h"
#include "cnn/wino_gemm.h"
#include "common/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
static rng R;

static float *rnd(size_t n, double scale) {
    float *p = malloc(sizeof(float) * (n ? n : 1));
    if (!p) exit(1);
    for (size_t i = 0; i < n; i++) p[i] = (float)((2 * rng_uniform(&R) - 1) * scale);
    return p;
}

static void check(const char *what, const float *a, const float *b, size_t n, double tol) {
    double md = 0, mb = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= md)) md = d;
        if (fabs(b[i]) > mb) mb = fabs(b[i]);
    }
    double rel = md / (mb > 0 ? mb : 1);
    int ok = rel <= tol; /* NaN fails */
    printf("%-40s max|diff| %.3g rel %.3g (tol %.0e) %s\n", what, md, rel, tol, ok ? "ok" : "FAIL");
    if (!ok) failures++;
}

static double dot(const float *a, const float *b, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

/* ---- the Winograd blocks' GEMM (wino_gemm.h) ------------------------------------ */

/* M (R,P) = A (R,I) . B (I,P) with A packed from src (R,I) or, trans, from src^T (src (I,R)),
 * against the double sums: panels of 8 rows, P with and without a partial 16-vector and
 * 32-column strip. Its data come from a generator of their own, so the conv cases below
 * draw what they drew before these cases existed. */
static void wino_gemm_case(int R_, int I, int P, int trans) {
    const rng saved = R;
    rng_seed(&R, 1000 + 97 * R_ + 13 * I + P + trans);
    float *src = rnd((size_t)R_ * I, 1.0), *B = rnd((size_t)I * P, 1.0), *Ap = rnd((size_t)R_ * I, 1.0),
          *M = rnd((size_t)R_ * P, 1.0), *ref = malloc(sizeof(float) * R_ * P);
    char what[64];
    if (!ref) exit(1);
    wino_gemm_pack(Ap, src, R_, I, trans);
    wino_gemm(M, Ap, B, R_, I, P);
    for (int r = 0; r < R_; r++)
        for (int p = 0; p < P; p++) {
            double s = 0;
            for (int i = 0; i < I; i++)
                s +=
                    (double)(trans ? src[(size_t)i * R_ + r] : src[(size_t)r * I + i]) * B[(size_t)i * P + p];
            ref[(size_t)r * P + p] = (float)s;
        }
    snprintf(what, sizeof what, "wino_gemm %s %dx%d . %dx%d", trans ? "A^T" : "A", R_, I, I, P);
    check(what, M, ref, (size_t)R_ * P, 1e-5);
    free(src), free(B), free(Ap), free(M), free(ref);
    R = saved;
}

/* dU (K,C) += G (K,P) . V (C,P)^T against the double sums, dU starting from random values:
 * 16 x 16 panels (C = 16), 8 x 32 panels with and without partial vectors of channels,
 * P with and without a partial 16 x 16 transpose. Its own generator, as wino_gemm_case. */
static void wino_gemm_grad_case(int K, int C, int P) {
    const rng saved = R;
    rng_seed(&R, 2000 + 97 * K + 13 * C + P);
    float *G = rnd((size_t)K * P, 1.0), *V = rnd((size_t)C * P, 1.0), *dU = rnd((size_t)K * C, 1.0),
          *T = rnd((size_t)32 * P, 1.0), *ref = malloc(sizeof(float) * K * C);
    char what[64];
    if (!ref) exit(1);
    for (int k = 0; k < K; k++)
        for (int c = 0; c < C; c++)
            ref[(size_t)k * C + c] =
                (float)(dU[(size_t)k * C + c] + dot(G + (size_t)k * P, V + (size_t)c * P, P));
    wino_gemm_grad(dU, G, V, T, K, C, P);
    snprintf(what, sizeof what, "wino_gemm_grad %dx%d . (%dx%d)^T", K, P, C, P);
    check(what, dU, ref, (size_t)K * C, 1e-5);
    free(G), free(V), free(dU), free(T), free(ref);
    R = saved;
}

/* ---- conv --------------------------------------------------------------------- */
static void conv_case(int N, int C, int H, int W, int K) {
    char what[96];
    size_t nin = (size_t)N * C * H * W, nout = (size_t)N * K * H * W, nw = (size_t)K * C * 9;
    float *x = rnd(nin, 1), *w = rnd(nw, 0.5), *b = rnd(K, 0.5), *r = rnd(nout, 1);
    float *y1 = rnd(nout, 0), *y2 = rnd(nout, 0), *col = rnd(2 * conv3x3_col_size(C, H, W, K), 0);
    float *dx1 = rnd(nin, 0), *dx2 = rnd(nin, 0), *dw1 = rnd(nw, 0), *dw2 = rnd(nw, 0), *db1 = rnd(K, 0),
          *db2 = rnd(K, 0);
    for (int relu = 0; relu < 2; relu++) {
        conv3x3_forward(y1, x, w, b, col, 2, N, C, H, W, K, relu);
        conv3x3_forward_naive(y2, x, w, b, N, C, H, W, K, relu);
        snprintf(what, sizeof what, "conv %dx%dx%dx%d->%d fwd%s", N, C, H, W, K, relu ? "+relu" : "");
        check(what, y1, y2, nout, 1e-5);
    }
    conv3x3_backward(dx1, dw1, db1, r, x, w, col, 2, N, C, H, W, K);
    conv3x3_backward_naive(dx2, dw2, db2, r, x, w, N, C, H, W, K);
    snprintf(what, sizeof what, "conv %dx%dx%dx%d->%d bwd dx", N, C, H, W, K);
    check(what, dx1, dx2, nin, 1e-5);
    snprintf(what, sizeof what, "conv %dx%dx%dx%d->%d bwd dw", N, C, H, W, K);
    check(what, dw1, dw2, nw, 1e-5);
    snprintf(what, sizeof what, "conv %dx%dx%dx%d->%d bwd db", N, C, H, W, K);
    check(what, db1, db2, K, 1e-5);
    /* determinism: the same inputs and threads give the same bits (every kernel) */
    conv3x3_forward(y2, x, w, b, col, 2, N, C, H, W, K, 1);
    conv3x3_forward(y1, x, w, b, col, 2, N, C, H, W, K, 1);
    conv3x3_backward(dx2, dw2, db2, r, x, w, col, 2, N, C, H, W, K);
    if (memcmp(y1, y2, sizeof(float) * nout) || memcmp(dx1, dx2, sizeof(float) * nin) ||
        memcmp(dw1, dw2, sizeof(float) * nw) || memcmp(db1, db2, sizeof(float) * K)) {
        printf("conv %dx%dx%dx%d->%d: a second run differs: FAIL\n", N, C, H, W, K);
        failures++;
    }
    /* 2 threads (images split in two blocks): outputs and input gradients are per image, so
     * bit-identical; weight gradients add two partial sums, so equal within rounding */
    layers_set_threads(2);
    conv3x3_forward(y2, x, w, b, col, 2, N, C, H, W, K, 1);
    conv3x3_backward(dx2, dw2, db2, r, x, w, col, 2, N, C, H, W, K);
    layers_set_threads(1);
    conv3x3_forward(y1, x, w, b, col, 2, N, C, H, W, K, 1);
    if (layers_conv() == LAYERS_CONV_WINOGRAD || layers_conv() == LAYERS_CONV_WINOGRAD4 ||
        layers_conv() == LAYERS_CONV_AUTO) {
        /* Winograd (also in auto) runs its GEMMs over blocks of tiles that follow the thread
         * split, and OpenBLAS rounds a column differently at a different block width: equal
         * within rounding (bit-identical for a given thread count, test_conv_modes) */
        snprintf(what, sizeof what, "conv %dx%dx%dx%d->%d fwd, 2 threads", N, C, H, W, K);
        check(what, y2, y1, nout, 1e-5);
        snprintf(what, sizeof what, "conv %dx%dx%dx%d->%d bwd dx, 2 threads", N, C, H, W, K);
        check(what, dx2, dx1, nin, 1e-5);
    } else if (memcmp(y1, y2, sizeof(float) * nout) || memcmp(dx1, dx2, sizeof(float) * nin)) {
        printf("conv: kernel threads 1 vs 2 differ: FAIL\n");
        failures++;
    }
    snprintf(what, sizeof what, "conv %dx%dx%dx%d->%d bwd dw, 2 threads", N, C, H, W, K);
    check(what, dw2, dw1, nw, 1e-5);
    snprintf(what, sizeof what, "conv %dx%dx%dx%d->%d bwd db, 2 threads", N, C, H, W, K);
    check(what, db2, db1, K, 1e-5);
    /* finite differences of L = sum(conv(x) * r) (no ReLU: linear, so central differences
     * are exact up to rounding) on a sample of x and w entries */
    float *fd = rnd(48, 0), *an = rnd(48, 0);
    const float eps = 1e-2f;
    for (int t = 0; t < 48; t++) {
        int onw = t % 2;
        float *v = onw ? w : x;
        size_t i = rng_below(&R, onw ? nw : nin);
        float keep = v[i];
        v[i] = keep + eps;
        conv3x3_forward_naive(y2, x, w, b, N, C, H, W, K, 0);
        double lp = dot(y2, r, nout);
        v[i] = keep - eps;
        conv3x3_forward_naive(y2, x, w, b, N, C, H, W, K, 0);
        double lm = dot(y2, r, nout);
        v[i] = keep;
        fd[t] = (float)((lp - lm) / (2.0 * eps));
        an[t] = onw ? dw1[i] : dx1[i];
    }
    snprintf(what, sizeof what, "conv %dx%dx%dx%d->%d finite differences", N, C, H, W, K);
    check(what, an, fd, 48, 2e-3);
    free(x), free(w), free(b), free(r), free(y1), free(y2), free(col), free(dx1), free(dx2);
    free(dw1), free(dw2), free(db1), free(db2), free(fd), free(an);
}

/* fast against naive only (no finite differences: cheap enough for many channels), on
 * inputs 0..255 like the study's first layer and weights of Glorot's scale */
static void precision_case(int N, int C, int H, int W, int K) {
    char what[96];
    size_t nin = (size_t)N * C * H * W, nout = (size_t)N * K * H * W, nw = (size_t)K * C * 9;
    float *x = rnd(nin, 1), *w = rnd(nw, sqrt(6.0 / (9.0 * (C + K)))), *b = rnd(K, 0.1), *r = rnd(nout, 1),
          *y1 = rnd(nout, 0), *y2 = rnd(nout, 0), *col = rnd(2 * conv3x3_col_size(C, H, W, K), 0),
          *dx1 = rnd(nin, 0), *dx2 = rnd(nin, 0), *dw1 = rnd(nw, 0), *dw2 = rnd(nw, 0), *db1 = rnd(K, 0),
          *db2 = rnd(K, 0);
    for (size_t i = 0; i < nin; i++) x[i] = 127.5f * (x[i] + 1.0f);
    conv3x3_forward(y1, x, w, b, col, 2, N, C, H, W, K, 0);
    conv3x3_forward_naive(y2, x, w, b, N, C, H, W, K, 0);
    snprintf(what, sizeof what, "conv %dx%dx%dx%d->%d fwd", N, C, H, W, K);
    check(what, y1, y2, nout, 1e-5);
    conv3x3_backward(dx1, dw1, db1, r, x, w, col, 2, N, C, H, W, K);
    conv3x3_backward_naive(dx2, dw2, db2, r, x, w, N, C, H, W, K);
    snprintf(what, sizeof what, "conv %dx%dx%dx%d->%d bwd dx", N, C, H, W, K);
    check(what, dx1, dx2, nin, 1e-5);
    snprintf(what, sizeof what, "conv %dx%dx%dx%d->%d bwd dw", N, C, H, W, K);
    check(what, dw1, dw2, nw, 1e-5);
    free(x), free(w), free(b), free(r), free(y1), free(y2), free(col), free(dx1), free(dx2);
    free(dw1), free(dw2), free(db1), free(db2);
}

/* conv + max-pool fused, forward and backward, against the naive conv and pool: the pooled
 * maxima within 1e-5; the gradients from the fused forward's arg bytes (so that a near-tie
 * that rounding decides differently cannot move a gradient), expanded by the max-pool
 * backward (tested above against its naive version), then the naive conv backward and the
 * ReLU mask of the layer below. Also: din in place over `in` gives the same bits, and a
 * second run gives the same bits. */
static void fused_case(int N, int C, int H, int W, int K, int relu) {
    char what[112];
    const int Ho = H / 2, Wo = W / 2;
    size_t nin = (size_t)N * C * H * W, nout = (size_t)N * K * H * W, np = (size_t)N * K * Ho * Wo,
           nw = (size_t)K * C * 9;
    float *x = rnd(nin, 1), *w = rnd(nw, 0.5), *b = rnd(K, 0.5), *r = rnd(np, 1);
    float *y = rnd(nout, 0), *g = rnd(nout, 0), *pr = rnd(np, 0), *pf = rnd(np, 0), *pf2 = rnd(np, 0),
          *col = rnd(2 * conv3x3_col_size(C, H, W, K), 0);
    float *dx1 = rnd(nin, 0), *dx2 = rnd(nin, 0), *xi = rnd(nin, 0), *dw1 = rnd(nw, 0), *dw2 = rnd(nw, 0),
          *dw3 = rnd(nw, 0), *db1 = rnd(K, 0), *db2 = rnd(K, 0), *db3 = rnd(K, 0);
    unsigned char *arg = malloc(np + 1), *arg2 = malloc(np + 1);
    for (size_t i = 0; i < nin; i++) x[i] = x[i] > -0.3f ? x[i] : 0.0f; /* a ReLU's output */
    conv3x3_forward_naive(y, x, w, b, N, C, H, W, K, relu);
    maxpool2x2_forward_naive(pr, y, N, K, H, W);
    conv3x3_pool_forward(pf, arg, x, w, b, col, 2, N, C, H, W, K, relu);
    snprintf(what, sizeof what, "conv+pool %dx%dx%dx%d->%d fwd%s", N, C, H, W, K, relu ? "+relu" : "");
    check(what, pf, pr, np, 1e-5);
    /* the same bits, arg included, as the same kernels unfused (the conv, then the pool) */
    conv3x3_forward(y, x, w, b, col, 2, N, C, H, W, K, relu);
    maxpool2x2_forward(pf2, arg2, y, N, K, H, W);
    if (memcmp(pf, pf2, sizeof(float) * np) || memcmp(arg, arg2, np)) {
        printf("conv+pool %dx%dx%dx%d->%d: differs from the conv and the pool unfused: FAIL\n", N, C, H, W,
               K);
        failures++;
    }
    maxpool2x2_backward(g, r, NULL, arg, N, K, H, W, relu);
    conv3x3_backward_naive(dx2, dw2, db2, g, x, w, N, C, H, W, K);
    relu_backward(dx2, x, nin);
    conv3x3_pool_backward(dx1, dw1, db1, r, arg, x, w, col, 2, N, C, H, W, K, relu, 1);
    snprintf(what, sizeof what, "conv+pool %dx%dx%dx%d->%d bwd dx", N, C, H, W, K);
    check(what, dx1, dx2, nin, 1e-5);
    snprintf(what, sizeof what, "conv+pool %dx%dx%dx%d->%d bwd dw", N, C, H, W, K);
    check(what, dw1, dw2, nw, 1e-5);
    snprintf(what, sizeof what, "conv+pool %dx%dx%dx%d->%d bwd db", N, C, H, W, K);
    check(what, db1, db2, K, 1e-5);
    memcpy(xi, x, sizeof(float) * nin);
    conv3x3_pool_forward(pf2, arg2, x, w, b, col, 2, N, C, H, W, K, relu);
    conv3x3_pool_backward(xi, dw3, db3, r, arg, xi, w, col, 2, N, C, H, W, K, relu, 1);
    if (memcmp(pf, pf2, sizeof(float) * np) || memcmp(arg, arg2, np) ||
        memcmp(xi, dx1, sizeof(float) * nin) || memcmp(dw3, dw1, sizeof(float) * nw) ||
        memcmp(db3, db1, sizeof(float) * K)) {
        printf("conv+pool %dx%dx%dx%d->%d: in place or a second run differs: FAIL\n", N, C, H, W, K);
        failures++;
    }
    free(x), free(w), free(b), free(r), free(y), free(g), free(pr), free(pf), free(pf2), free(col);
    free(dx1), free(dx2), free(xi), free(dw1), free(dw2), free(dw3), free(db1), free(db2), free(db3);
    free(arg), free(arg2);
}

/* The first block fused (conv a + ReLU, conv b, max-pool; conv a's output recomputed in
 * the backward pass) against the naive layers one after the other: pooled output, both
 * layers' weight and bias gradients; and a second run gives the same bits. */
static void block_case(int N, int C0, int H, int W, int C1, int C2, int relu_b) {
    char what[112];
    const int Ho = H / 2, Wo = W / 2;
    const size_t nx = (size_t)N * C0 * H * W, na = (size_t)N * C1 * H * W, ny = (size_t)N * C2 * H * W,
                 np = (size_t)N * C2 * Ho * Wo, nwa = (size_t)C1 * C0 * 9, nwb = (size_t)C2 * C1 * 9;
    float *x = rnd(nx, 1), *wa = rnd(nwa, 0.5), *ba = rnd(C1, 0.5), *wb = rnd(nwb, 0.5), *bb = rnd(C2, 0.5);
    float *A = rnd(na, 0), *Y = rnd(ny, 0), *pr = rnd(np, 0), *pf = rnd(np, 0), *r = rnd(np, 1);
    const size_t ncol = conv_block_col_size(C0, H, W, C1, C2) > conv3x3_col_size(C0, H, W, C1)
                            ? conv_block_col_size(C0, H, W, C1, C2)
                            : conv3x3_col_size(C0, H, W, C1);
    float *g = rnd(ny, 0), *dA = rnd(na, 0), *col = rnd(2 * ncol, 0);
    float *dwa = rnd(nwa, 0), *dba = rnd(C1, 0), *dwb = rnd(nwb, 0), *dbb = rnd(C2, 0);
    float *dwa2 = rnd(nwa, 0), *dba2 = rnd(C1, 0), *dwb2 = rnd(nwb, 0), *dbb2 = rnd(C2, 0);
    float *pf2 = rnd(np, 0), *dwa3 = rnd(nwa, 0), *dwb3 = rnd(nwb, 0), *dba3 = rnd(C1, 0), *dbb3 = rnd(C2, 0);
    unsigned char *arg = malloc(np + 1), *arg2 = malloc(np + 1);
    conv3x3_forward_naive(A, x, wa, ba, N, C0, H, W, C1, 1);
    conv3x3_forward_naive(Y, A, wb, bb, N, C1, H, W, C2, relu_b);
    maxpool2x2_forward_naive(pr, Y, N, C2, H, W);
    conv_block_pool_forward(pf, arg, x, wa, ba, wb, bb, col, 2, N, C0, H, W, C1, C2, relu_b);
    snprintf(what, sizeof what, "block %dx%dx%dx%d->%d->%d fwd%s", N, C0, H, W, C1, C2,
             relu_b ? "+relu" : "");
    check(what, pf, pr, np, 1e-5);
    /* the backward reference on conv a's output as the fast kernels compute it (what the
     * fused pass recomputes): on the naive one, the ReLU mask of the values within rounding
     * of 0 would differ (seen: rel 2e-3 on 224x224 with Winograd) */
    conv3x3_forward(A, x, wa, ba, col, 1, N, C0, H, W, C1, 1);
    maxpool2x2_backward(g, r, NULL, arg, N, C2, H, W, relu_b);
    conv3x3_backward_naive(dA, dwb2, dbb2, g, A, wb, N, C1, H, W, C2);
    relu_backward(dA, A, na);
    conv3x3_backward_naive(NULL, dwa2, dba2, dA, x, wa, N, C0, H, W, C1);
    conv_block_pool_backward(dwa, dba, dwb, dbb, r, arg, x, wa, ba, wb, col, 2, N, C0, H, W, C1, C2, relu_b);
    snprintf(what, sizeof what, "block %dx%dx%dx%d->%d->%d bwd dw of conv b", N, C0, H, W, C1, C2);
    check(what, dwb, dwb2, nwb, 1e-5);
    snprintf(what, sizeof what, "block %dx%dx%dx%d->%d->%d bwd db of conv b", N, C0, H, W, C1, C2);
    check(what, dbb, dbb2, C2, 1e-5);
    snprintf(what, sizeof what, "block %dx%dx%dx%d->%d->%d bwd dw of conv a", N, C0, H, W, C1, C2);
    check(what, dwa, dwa2, nwa, 1e-5);
    snprintf(what, sizeof what, "block %dx%dx%dx%d->%d->%d bwd db of conv a", N, C0, H, W, C1, C2);
    check(what, dba, dba2, C1, 1e-5);
    conv_block_pool_forward(pf2, arg2, x, wa, ba, wb, bb, col, 2, N, C0, H, W, C1, C2, relu_b);
    conv_block_pool_backward(dwa3, dba3, dwb3, dbb3, r, arg, x, wa, ba, wb, col, 2, N, C0, H, W, C1, C2,
                             relu_b);
    if (memcmp(pf, pf2, sizeof(float) * np) || memcmp(arg, arg2, np) ||
        memcmp(dwa, dwa3, sizeof(float) * nwa) || memcmp(dwb, dwb3, sizeof(float) * nwb) ||
        memcmp(dba, dba3, sizeof(float) * C1) || memcmp(dbb, dbb3, sizeof(float) * C2)) {
        printf("block %dx%dx%dx%d->%d->%d: a second run differs: FAIL\n", N, C0, H, W, C1, C2);
        failures++;
    }
    free(x), free(wa), free(ba), free(wb), free(bb), free(A), free(Y), free(pr), free(pf), free(r), free(g);
    free(dA), free(col), free(dwa), free(dba), free(dwb), free(dbb), free(dwa2), free(dba2), free(dwb2);
    free(dbb2), free(pf2), free(dwa3), free(dwb3), free(dba3), free(dbb3), free(arg), free(arg2);
}

/* ---- which thread ran a unit ------------------------------------------------------ */

/* The weight gradients are summed per unit of images, in unit order, whichever thread ran
 * a unit: the bits of every backward pass (plain, conv + pool, first block) on 2 threads
 * must not change when thread 0 is slowed (layers_set_slow_thread) and thread 1 takes most
 * of the units. The slowed run must really have split them unevenly, or the case says so. */
static int same_bits(const float *a, const float *b, size_t n) {
    return memcmp(a, b, sizeof(float) * n) == 0;
}

static void units_case(int N, int C, int H, int W, int K) {
    const int Ho = H / 2, Wo = W / 2, U = layers_conv_units(N);
    const size_t nx = (size_t)N * 3 * H * W, nin = (size_t)N * C * H * W, nout = (size_t)N * K * H * W,
                 np = (size_t)N * K * Ho * Wo, nwa = (size_t)C * 3 * 9, nw = (size_t)K * C * 9;
    const size_t ncol = conv_block_col_size(3, H, W, C, K) > conv3x3_col_size(C, H, W, K)
                            ? conv_block_col_size(3, H, W, C, K)
                            : conv3x3_col_size(C, H, W, K);
    float *x = rnd(nx, 1), *in = rnd(nin, 1), *g = rnd(nout, 1), *r = rnd(np, 1), *wa = rnd(nwa, 0.5),
          *ba = rnd(C, 0.5), *w = rnd(nw, 0.5), *b = rnd(K, 0.5), *col = rnd(2 * ncol, 0), *pool = rnd(np, 0);
    float *dw[2], *db[2], *dx[2], *dwa[2], *dba[2];
    unsigned char *arg = malloc(np + 1);
    char what[96];
    int taken[3];
    if (!arg) exit(1);
    for (size_t i = 0; i < nin; i++) in[i] = in[i] > -0.3f ? in[i] : 0.0f; /* a ReLU's output */
    conv3x3_pool_forward(pool, arg, in, w, b, col, 2, N, C, H, W, K, 1);
    for (int run = 0; run < 2; run++) {
        dw[run] = rnd(3 * nw, 0), db[run] = rnd(3 * K, 0), dx[run] = rnd(2 * nin, 0);
        dwa[run] = rnd(nwa, 0), dba[run] = rnd(C, 0);
        memcpy(dx[run] + nin, in, sizeof(float) * nin); /* the pooled pass's din lands in place */
        layers_set_slow_thread(run ? 0 : -1);
        conv3x3_backward(dx[run], dw[run], db[run], g, in, w, col, 2, N, C, H, W, K);
        taken[0] = layers_set_slow_thread(run ? 0 : -1);
        conv3x3_pool_backward(dx[run] + nin, dw[run] + nw, db[run] + K, r, arg, dx[run] + nin, w, col, 2, N,
                              C, H, W, K, 1, 1);
        taken[1] = layers_set_slow_thread(run ? 0 : -1);
        conv_block_pool_backward(dwa[run], dba[run], dw[run] + 2 * nw, db[run] + 2 * K, r, arg, x, wa, ba, w,
                                 col, 2, N, 3, H, W, C, K, 1);
        taken[2] = layers_set_slow_thread(-1);
    }
    static const char *const pass[] = {"conv", "conv+pool", "block"};
    for (int q = 0; q < 3; q++) {
        const int same = same_bits(dw[0] + q * nw, dw[1] + q * nw, nw) &&
                         same_bits(db[0] + q * K, db[1] + q * K, K) &&
                         (q == 2 ? same_bits(dwa[0], dwa[1], nwa) && same_bits(dba[0], dba[1], C)
                                 : same_bits(dx[0] + q * nin, dx[1] + q * nin, nin)),
                  uneven = 2 * taken[q] < U;
        snprintf(what, sizeof what, "%s %dx%dx%dx%d->%d bwd, thread 0 slowed", pass[q], N, C, H, W, K);
        printf("%-40s took %d of %d units: %s bits, %s split %s\n", what, taken[q], U,
               same ? "the same" : "other", uneven ? "uneven" : "even", same && uneven ? "ok" : "FAIL");
        if (!same || !uneven) failures++;
    }
    free(x), free(in), free(g), free(r), free(wa), free(ba), free(w), free(b), free(col), free(pool),
        free(arg);
    for (int run = 0; run < 2; run++)
        free(dw[run]), free(db[run]), free(dx[run]), free(dwa[run]), free(dba[run]);
}

/* ---- maxpool -------------------------------------------------------------------- */
static void pool_case(int N, int C, int H, int W) {
    char what[96];
    size_t nin = (size_t)N * C * H * W, nout = (size_t)N * C * (H / 2) * (W / 2);
    float *x = rnd(nin, 0), *r = rnd(nout, 1), *y1 = rnd(nout, 0), *y2 = rnd(nout, 0);
    float *dx1 = rnd(nin, 0), *dx2 = rnd(nin, 0);
    /* 64-byte aligned: the streaming-store path of the backward pass when W % 8 == 0 */
    float *dxa = aligned_alloc(64, (sizeof(float) * nin + 63) / 64 * 64);
    unsigned char *arg = malloc(nout + 1);
    /* distinct values, gaps >> eps: the max never switches under the perturbation */
    int *perm = malloc(sizeof(int) * nin);
    for (size_t i = 0; i < nin; i++) perm[i] = (int)i;
    rng_shuffle(&R, perm, nin);
    for (size_t i = 0; i < nin; i++) x[i] = (float)perm[i] * 0.1f;
    maxpool2x2_forward(y1, NULL, x, N, C, H, W);
    maxpool2x2_forward_naive(y2, x, N, C, H, W);
    snprintf(what, sizeof what, "maxpool %dx%dx%dx%d fwd", N, C, H, W);
    check(what, y1, y2, nout, 0);
    maxpool2x2_forward(y1, arg, x, N, C, H, W);
    snprintf(what, sizeof what, "maxpool %dx%dx%dx%d fwd with arg", N, C, H, W);
    check(what, y1, y2, nout, 0);
    maxpool2x2_backward(dx1, r, x, NULL, N, C, H, W, 0);
    maxpool2x2_backward_naive(dx2, r, x, N, C, H, W);
    snprintf(what, sizeof what, "maxpool %dx%dx%dx%d bwd", N, C, H, W);
    check(what, dx1, dx2, nin, 0);
    maxpool2x2_backward(dxa, r, NULL, arg, N, C, H, W, 0);
    snprintf(what, sizeof what, "maxpool %dx%dx%dx%d bwd from arg", N, C, H, W);
    check(what, dxa, dx2, nin, 0);
    /* the fused ReLU mask: on an input with zeros and negatives (a ReLU's output has zeros),
     * the same as the naive backward followed by relu_backward, from `in` and from arg */
    float *xr = rnd(nin, 0), *dx3 = rnd(nin, 0);
    for (size_t i = 0; i < nin; i++) xr[i] = x[i] < 0.075f * (float)nin ? 0.0f : x[i]; /* 3/4 */
    maxpool2x2_backward(dx3, r, xr, NULL, N, C, H, W, 1);
    maxpool2x2_backward_naive(dx2, r, xr, N, C, H, W);
    relu_backward(dx2, xr, nin);
    snprintf(what, sizeof what, "maxpool %dx%dx%dx%d bwd + relu mask", N, C, H, W);
    check(what, dx3, dx2, nin, 0);
    maxpool2x2_forward(y1, arg, xr, N, C, H, W);
    maxpool2x2_backward(dxa, r, NULL, arg, N, C, H, W, 1);
    snprintf(what, sizeof what, "maxpool %dx%dx%dx%d bwd + relu mask from arg", N, C, H, W);
    check(what, dxa, dx2, nin, 0);
    size_t masked = 0;
    for (size_t i = 0; i < nin; i++) masked += dx1[i] != 0 && dx3[i] == 0;
    if (!masked) {
        printf("maxpool relu mask: no gradient was masked, the case tests nothing: FAIL\n");
        failures++;
    }
    free(xr), free(dx3), free(dxa), free(arg);
    float fd[32], an[32];
    for (int t = 0; t < 32; t++) {
        size_t i = rng_below(&R, nin);
        float keep = x[i];
        x[i] = keep + 0.01f;
        maxpool2x2_forward_naive(y2, x, N, C, H, W);
        double lp = dot(y2, r, nout);
        x[i] = keep - 0.01f;
        maxpool2x2_forward_naive(y2, x, N, C, H, W);
        double lm = dot(y2, r, nout);
        x[i] = keep;
        fd[t] = (float)((lp - lm) / 0.02);
        an[t] = dx1[i];
    }
    snprintf(what, sizeof what, "maxpool %dx%dx%dx%d finite differences", N, C, H, W);
    check(what, an, fd, 32, 1e-3);
    /* ties: the gradient goes to the first maximum in scan order, like PyTorch */
    float tx[4] = {1, 3, 3, 2}, tg = 1, tdx[4];
    maxpool2x2_backward(tdx, &tg, tx, NULL, 1, 1, 2, 2, 0);
    if (!(tdx[1] == 1 && tdx[0] == 0 && tdx[2] == 0 && tdx[3] == 0)) {
        printf("maxpool tie rule: FAIL\n");
        failures++;
    }
    free(x), free(r), free(y1), free(y2), free(dx1), free(dx2), free(perm);
}

/* ---- dense -------------------------------------------------------------------- */
static void dense_case(int N, int C, int O) {
    char what[96];
    size_t nw = (size_t)O * C;
    float *x = rnd((size_t)N * C, 1), *w = rnd(nw, 0.5), *b = rnd(O, 0.5), *r = rnd((size_t)N * O, 1);
    float *y1 = rnd((size_t)N * O, 0), *y2 = rnd((size_t)N * O, 0);
    float *dx1 = rnd((size_t)N * C, 0), *dx2 = rnd((size_t)N * C, 0), *dw1 = rnd(nw, 0), *dw2 = rnd(nw, 0),
          *db1 = rnd(O, 0), *db2 = rnd(O, 0);
    for (int relu = 0; relu < 2; relu++) {
        dense_forward(y1, x, w, b, N, C, O, relu);
        dense_forward_naive(y2, x, w, b, N, C, O, relu);
        snprintf(what, sizeof what, "dense %dx%d->%d fwd%s", N, C, O, relu ? "+relu" : "");
        check(what, y1, y2, (size_t)N * O, 1e-5);
    }
    dense_backward(dx1, dw1, db1, r, x, w, N, C, O);
    dense_backward_naive(dx2, dw2, db2, r, x, w, N, C, O);
    snprintf(what, sizeof what, "dense %dx%d->%d bwd dx", N, C, O);
    check(what, dx1, dx2, (size_t)N * C, 1e-5);
    snprintf(what, sizeof what, "dense %dx%d->%d bwd dw", N, C, O);
    check(what, dw1, dw2, nw, 1e-5);
    snprintf(what, sizeof what, "dense %dx%d->%d bwd db", N, C, O);
    check(what, db1, db2, O, 1e-5);
    layers_set_threads(3); /* blocks of outputs / inputs per thread */
    dense_forward(y1, x, w, b, N, C, O, 1);
    dense_forward_naive(y2, x, w, b, N, C, O, 1);
    snprintf(what, sizeof what, "dense %dx%d->%d fwd+relu, 3 threads", N, C, O);
    check(what, y1, y2, (size_t)N * O, 1e-5);
    dense_backward(dx1, dw1, db1, r, x, w, N, C, O);
    snprintf(what, sizeof what, "dense %dx%d->%d bwd dx, 3 threads", N, C, O);
    check(what, dx1, dx2, (size_t)N * C, 1e-5);
    snprintf(what, sizeof what, "dense %dx%d->%d bwd dw, 3 threads", N, C, O);
    check(what, dw1, dw2, nw, 1e-5);
    layers_set_threads(1);
    float fd[32], an[32];
    for (int t = 0; t < 32; t++) {
        int onw = t % 2;
        float *v = onw ? w : x;
        size_t i = rng_below(&R, onw ? nw : (size_t)N * C);
        float keep = v[i];
        v[i] = keep + 0.01f;
        dense_forward_naive(y2, x, w, b, N, C, O, 0);
        double lp = dot(y2, r, (size_t)N * O);
        v[i] = keep - 0.01f;
        dense_forward_naive(y2, x, w, b, N, C, O, 0);
        double lm = dot(y2, r, (size_t)N * O);
        v[i] = keep;
        fd[t] = (float)((lp - lm) / 0.02);
        an[t] = onw ? dw2[i] : dx2[i];
    }
    snprintf(what, sizeof what, "dense %dx%d->%d finite differences", N, C, O);
    check(what, an, fd, 32, 2e-3);
    free(x), free(w), free(b), free(r), free(y1), free(y2), free(dx1), free(dx2), free(dw1);
    free(dw2), free(db1), free(db2);
}

/* ---- relu, softmax cross-entropy -------------------------------------------------- */
static void relu_softmax_case(void) {
    float y[6] = {0, 1, -0.0f, 2, 0, 3}, d[6] = {1, 1, 1, 1, 1, 1}, want[6] = {0, 1, 0, 1, 0, 1};
    relu_backward(d, y, 6);
    check("relu backward mask", d, want, 6, 0);

    enum { N = 5, K = 4 };
    int labels[N] = {0, 3, 1, 2, 3};
    float *z = rnd(N * K, 3), p[N * K], dz[N * K], fd[N * K];
    z[0] = 80.0f; /* a large logit: the log-sum-exp form must stay finite */
    double loss = softmax_xent_forward(p, z, labels, N, K);
    double ref = 0;
    for (int n = 0; n < N; n++) {
        double m = -INFINITY, s = 0;
        for (int k = 0; k < K; k++) m = fmax(m, z[n * K + k]);
        for (int k = 0; k < K; k++) s += exp((double)z[n * K + k] - m);
        ref += -(z[n * K + labels[n]] - m - log(s));
        double ps = 0;
        for (int k = 0; k < K; k++) ps += p[n * K + k];
        if (fabs(ps - 1) > 1e-6) {
            printf("softmax row %d sums to %.9f: FAIL\n", n, ps);
            failures++;
        }
    }
    float fl = (float)loss, fr = (float)ref;
    check("softmax xent loss", &fl, &fr, 1, 1e-12);
    softmax_xent_backward(dz, p, labels, N, K);
    for (int i = 0; i < N * K; i++) {
        float keep = z[i], zp = keep + 1e-2f, zm = keep - 1e-2f;
        z[i] = zp;
        double lp = softmax_xent_forward(p, z, labels, N, K) / N;
        z[i] = zm;
        double lm = softmax_xent_forward(p, z, labels, N, K) / N;
        z[i] = keep;
        fd[i] = (float)((lp - lm) / ((double)zp - zm));
    }
    check("softmax xent finite differences", dz, fd, N * K, 1e-3);
    free(z);
}

char *openblas_get_corename(void); /* OpenBLAS extension */

/* the cases below run on 2 threads with conv kernel selection `mode` */
static void two_threads(int mode, const char *what) {
    layers_set_conv(mode);
    layers_set_threads(2);
    printf("-- %s, conv kernel: %s, 2 threads\n", what, layers_conv_name(mode));
}

int main(void) {
    const char *ct = getenv("OPENBLAS_CORETYPE");
    printf("OpenBLAS core %s (OPENBLAS_CORETYPE %s)\n", openblas_get_corename(), ct ? ct : "unset");
    rng_seed(&R, 7);
    layers_set_threads(1);
    if (wino_gemm_packs(8)) {
        static const int gP[] = {1, 15, 16, 17, 31, 32, 33, 70, 128};
        for (int i = 0; i < 9; i++) wino_gemm_case(8, 16, gP[i], i % 2);
        wino_gemm_case(16, 1, 40, 0);
        wino_gemm_case(24, 3, 64, 1);
        wino_gemm_case(128, 128, 126, 0);
        wino_gemm_case(64, 128, 189, 1);
        static const int dK[] = {16, 16, 8, 24, 32, 8, 128, 64}, dC[] = {16, 16, 16, 40, 48, 3, 128, 32},
                         dP[] = {126, 1, 33, 70, 17, 16, 126, 112};
        for (int i = 0; i < 8; i++) wino_gemm_grad_case(dK[i], dC[i], dP[i]);
    } else
        printf("-- wino_gemm not tested: not AVX-512 (cblas_sgemm runs those GEMMs)\n");
    conv_case(3, 3, 7, 5, 4);
    conv_case(1, 1, 1, 1, 2);
    conv_case(1, 4, 33, 34, 5);
    conv_case(3, 2, 70, 65, 3); /* > 4096 positions: two row strips (63 + 7 rows) */
    /* auto on the study's kinds of layers: 16->16 on 56x56 and 16->32 take F(4x4) for
     * every pass, 32->32 on 8x8 Winograd everywhere */
    conv_case(2, 16, 56, 56, 16);
    conv_case(2, 16, 12, 10, 32);
    conv_case(2, 32, 8, 8, 32);
    /* im2col; direct with AVX2; direct with AVX-512 when the CPU has it */
    static const int modes[] = {LAYERS_CONV_IM2COL, LAYERS_CONV_DIRECT, LAYERS_CONV_DIRECT};
    const int best_isa = conv_direct_isa(0);
    for (int m = 0; m < 3; m++) {
        const int isa = m == 1 ? 2 : best_isa;
        if (m == 2 && best_isa < 3) {
            printf("-- conv kernel: direct AVX-512 not tested: the CPU lacks AVX-512F\n");
            continue;
        }
        if (m == 1 && best_isa < 2) { /* direct would silently run im2col: say so, not "direct" */
            printf("-- conv kernel: direct AVX2 skipped: the CPU lacks AVX2+FMA (or not x86-64)\n");
            continue;
        }
        layers_set_conv(modes[m]);
        if (m > 0 && conv_direct_isa(isa) != isa) {
            fprintf(stderr, "FAIL direct kernel: asked for instruction set %d, got %d\n", isa,
                    conv_direct_isa(0));
            return 1;
        }
        printf("-- conv kernel: %s%s\n", layers_conv_name(modes[m]),
               m == 0 ? "" : (isa == 3 ? " (AVX-512)" : " (AVX2)"));
        conv_case(3, 3, 7, 5, 4);
        conv_case(1, 4, 33, 34, 5);
        conv_case(2, 3, 9, 8, 12);    /* direct: a whole vector per row, 3 channel blocks */
        conv_case(2, 4, 19, 21, 8);   /* direct fwd, dw and dx: partial last vector (5 of 8) */
        conv_case(1, 8, 150, 45, 4);  /* direct: two padded strips (109 + 41 rows) */
        conv_case(2, 16, 12, 56, 16); /* the first block's channels, 7 (AVX2) or 4 vectors */
        conv_case(1, 4, 5, 83, 8);    /* 11 / 6 vectors: a remainder after whole blocks, tail 3 */
    }
    conv_direct_isa(best_isa);
    /* Winograd F(2x2,3x3): even shapes (odd ones fall back to im2col + sgemm); tile blocks
     * spanning several images, blocks of one tile row, odd channel counts */
    layers_set_conv(LAYERS_CONV_WINOGRAD);
    printf("-- conv kernel: winograd\n");
    conv_case(3, 5, 8, 6, 7);
    conv_case(5, 3, 4, 4, 2);     /* one block holds all 5 images */
    conv_case(1, 2, 6, 1000, 3);  /* 500 tiles a row: one tile row per block */
    conv_case(2, 32, 14, 14, 32); /* the study's deepest shape, scaled down in channels */
    conv_case(1, 1, 2, 2, 1);
    conv_case(3, 3, 7, 5, 4); /* odd: im2col */
    /* Winograd F(4x4,3x3) (H, W multiples of 4; else F(2x2,3x3) if even, else im2col) */
    layers_set_conv(LAYERS_CONV_WINOGRAD4);
    printf("-- conv kernel: winograd4\n");
    conv_case(3, 5, 8, 12, 7);
    conv_case(5, 3, 4, 4, 2);     /* one 1-tile image per row: one block holds all 5 */
    conv_case(1, 2, 8, 1000, 3);  /* 250 tiles a row: one tile row per block */
    conv_case(2, 32, 28, 28, 32); /* 7x7 tiles: blocks spanning two images */
    conv_case(2, 3, 8, 64, 5);    /* AVX-512 transforms: a row of exactly 16 tiles (the last
                                     patch's columns carried past the vector) */
    conv_case(1, 2, 4, 132, 3);   /* 33 tiles: 2 whole vectors and 1 tile */
    conv_case(1, 1, 4, 4, 1);
    conv_case(3, 3, 6, 10, 4); /* even, not multiples of 4: F(2x2,3x3) */
    conv_case(3, 3, 7, 5, 4);  /* odd: im2col */
    /* the study's channel counts (the rounding of the transforms grows with them), against
     * the naive reference only: each Winograd variant, and auto */
    static const int wmodes[] = {LAYERS_CONV_WINOGRAD, LAYERS_CONV_WINOGRAD4, LAYERS_CONV_AUTO};
    for (int m = 0; m < 3; m++) {
        layers_set_conv(wmodes[m]);
        printf("-- conv kernel: %s, the study's channels\n", layers_conv_name(wmodes[m]));
        precision_case(2, 16, 32, 32, 32);
        precision_case(1, 32, 32, 32, 32);
        precision_case(1, 32, 24, 24, 64);
        precision_case(1, 64, 16, 16, 64);
        precision_case(1, 64, 16, 16, 128);
        precision_case(1, 128, 12, 12, 128);
    }
    /* conv + max-pool fused: the chunk loop (4 MB of conv output per chunk: one image of
     * 4x512x512, so 1-2 chunks per thread), Winograd's both gradients (16->32 in auto), odd
     * sizes (the pool's floor), each kernel selection */
    static const int fmodes[] = {LAYERS_CONV_AUTO, LAYERS_CONV_IM2COL, LAYERS_CONV_WINOGRAD4,
                                 LAYERS_CONV_NAIVE};
    for (int m = 0; m < 4; m++) {
        two_threads(fmodes[m], "conv + max-pool fused");
        fused_case(2, 3, 8, 12, 8, 1);
        fused_case(3, 2, 7, 9, 3, 0);
        if (fmodes[m] == LAYERS_CONV_NAIVE) continue;
        fused_case(3, 4, 512, 512, 4, 1);
        fused_case(3, 16, 40, 40, 32, 1);
        fused_case(2, 4, 8, 8, 4, 0);   /* F(4x4)'s pooled output transform without ReLU */
        fused_case(1, 2, 12, 64, 8, 1); /* ... and a row of exactly 16 tiles */
        fused_case(1, 2, 8, 132, 4, 1); /* ... and of 33 (a last group of one tile) */
    }
    /* the first block fused, each kernel selection, 2 threads: the study's first block's
     * channels (direct and Winograd's weight gradient in auto), chunks of one image
     * (3 x 16 x 512 x 512 fills the 4 MB chunk), odd sizes (the pool's floor) */
    static const int bmodes[] = {LAYERS_CONV_AUTO, LAYERS_CONV_IM2COL, LAYERS_CONV_WINOGRAD4,
                                 LAYERS_CONV_DIRECT, LAYERS_CONV_NAIVE};
    for (int m = 0; m < 5; m++) {
        two_threads(bmodes[m], "first block fused");
        block_case(3, 3, 8, 12, 4, 8, 1);
        block_case(3, 2, 7, 9, 4, 3, 0);
        if (bmodes[m] == LAYERS_CONV_NAIVE) continue;
        block_case(3, 3, 56, 56, 16, 16, 1);
        if (bmodes[m] == LAYERS_CONV_AUTO) /* one image per chunk: thread 1 runs two */
            block_case(3, 3, 256, 256, 16, 16, 1);
    }
    /* which thread ran a unit does not matter: 32 images in 16 units, each kernel selection */
    static const int umodes[] = {LAYERS_CONV_AUTO, LAYERS_CONV_IM2COL, LAYERS_CONV_WINOGRAD,
                                 LAYERS_CONV_WINOGRAD4};
    for (int m = 0; m < 4; m++) {
        two_threads(umodes[m], "units on either thread");
        units_case(32, 16, 16, 16, 16);
    }
    layers_set_threads(1);
    layers_set_conv(LAYERS_CONV_AUTO);
    if (layers_conv_parse("direct") != LAYERS_CONV_DIRECT || layers_conv_parse("fast") != -1 ||
        layers_conv_parse("winograd") != LAYERS_CONV_WINOGRAD ||
        strcmp(layers_conv_name(LAYERS_CONV_IM2COL), "im2col") != 0) {
        printf("conv mode names: FAIL\n");
        failures++;
    }
    pool_case(2, 3, 6, 8);
    pool_case(1, 2, 7, 5);  /* odd: the last row/column is dropped (floor) */
    pool_case(2, 3, 8, 48); /* 24 windows a row: 3 vectors of 8 (streaming stores) */
    pool_case(1, 2, 6, 38); /* 19 windows: 2 vectors + a tail of 3, rows not 32-byte aligned */
    dense_case(3, 17, 5);
    dense_case(1, 1, 2);
    relu_softmax_case();
    printf("%s\n", failures ? "FAILED" : "all kernels agree");
    return failures ? 1 : 0;
}
