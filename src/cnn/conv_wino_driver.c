/* conv_wino_driver: the Winograd drivers shared by F(2x2,3x3) and F(4x4,3x3). See
 * conv_wino_driver.h. */
#include "cnn/conv_wino_driver.h"

#include "cnn/wino_gemm.h"

#include <cblas.h>
#include <string.h>

/* 16 interleaved partial sums, then added pairwise: one chain of dependent adds was
 * latency-bound (~130 ms per step for the bias gradient of each 224x224 layer) */
float conv_sum_floats(const float *v, size_t n) {
    float acc[16] = {0};
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; j++) acc[j] += v[i + j];
    for (int j = 0; i < n; i++, j++) acc[j] += v[i];
    for (int w = 8; w > 0; w /= 2)
        for (int j = 0; j < w; j++) acc[j] += acc[j + w];
    return acc[0];
}

static int block_rows(const wino_variant *v, int C, int W, int K) {
    const int tw = W / v->m, r = (C <= 32 && K <= 32 ? v->tiles_narrow : v->tiles) / tw;
    return r < 1 ? 1 : r;
}

/* the scratch's parts, in floats from its start */
typedef struct wino_layout {
    size_t U, dU, Up, V, M, dV, rows, carry, T; /* offsets */
    size_t total;                               /* floats */
} wino_layout;

/* U's packed panels (wino_gemm_pack): after U and dU, whatever the width */
static size_t packed_offset(const wino_variant *v, int C, int K) { return 2 * (size_t)v->alpha2 * K * C; }

static wino_layout layout(const wino_variant *v, int C, int W, int K) {
    const size_t P = (size_t)block_rows(v, C, W, K) * (W / v->m), KC = (size_t)K * C, A = (size_t)v->alpha2;
    wino_layout l;
    l.U = 0;
    l.dU = l.U + A * KC;
    l.Up = packed_offset(v, C, K);
    l.V = l.Up + A * KC;
    l.M = l.V + A * (size_t)C * P;
    l.dV = l.M + A * (size_t)K * P;
    l.rows = l.dV + A * (size_t)C * P;
    l.carry = l.rows + (size_t)v->row_bufs * ((size_t)W / v->m + 1) + (size_t)v->row_pad;
    l.T = l.carry + 2 * (size_t)C * (W + 16); /* every variant's: one scratch size for all */
    l.total = l.T + 32 * P;                   /* wino_gemm_grad's transposed rows of V */
    return l;
}

size_t conv_wino_driver_scratch(const wino_variant *v, int C, int H, int W, int K) {
    (void)H; /* blocks are whole tile rows: only the width sets their size */
    return layout(v, C, W, K).total;
}

void conv_wino_driver_weights(const wino_variant *v, float *buf, const float *w, int C, int K, int din) {
    const size_t KC = (size_t)K * C;
    const int rows = din ? C : K, inner = din ? K : C; /* U (K, C) forward, U^T (C, K) input gradient */
    v->weights(buf, w, C, K);
    if (wino_gemm_packs(rows))
        for (int xi = 0; xi < v->alpha2; xi++)
            wino_gemm_pack(buf + packed_offset(v, C, K) + xi * KC, buf + xi * KC, rows, inner, din);
}

/* the forward loop; pooled: v->output_pool into out (pooled) and arg */
static void forward(const wino_variant *v, float *out, unsigned char *arg, const float *in, const float *b,
                    float *buf, int N, int C, int H, int W, int K, int relu, int pooled) {
    const wino_layout L = layout(v, C, W, K);
    const int TH = H / v->m, TW = W / v->m, R = block_rows(v, C, W, K), rows = N * TH, A = v->alpha2;
    const size_t KC = (size_t)K * C;
    const int own = wino_gemm_packs(K);
    for (int r0 = 0; r0 < rows; r0 += R) {
        const int r1 = r0 + R < rows ? r0 + R : rows, P = (r1 - r0) * TW;
        v->input(buf + L.V, buf + L.rows, in, C, H, W, r0, r1);
        for (int xi = 0; xi < A; xi++) /* M[xi] (K,P) = U[xi] (K,C) . V[xi] (C,P) */
            if (own)
                wino_gemm(buf + L.M + (size_t)xi * K * P, buf + L.Up + xi * KC,
                          buf + L.V + (size_t)xi * C * P, K, C, P);
            else
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, K, P, C, 1.0f, buf + L.U + xi * KC, C,
                            buf + L.V + (size_t)xi * C * P, P, 0.0f, buf + L.M + (size_t)xi * K * P, P);
        if (pooled)
            v->output_pool(out, arg, buf + L.M, b, K, H, W, r0, r1, relu);
        else
            v->output(out, buf + L.M, b, buf + L.rows, K, H, W, r0, r1, relu);
    }
}

void conv_wino_driver_forward(const wino_variant *v, float *out, const float *in, const float *b, float *buf,
                              int N, int C, int H, int W, int K, int relu) {
    forward(v, out, NULL, in, b, buf, N, C, H, W, K, relu, 0);
}

void conv_wino_driver_forward_pool(const wino_variant *v, float *pout, unsigned char *arg, const float *in,
                                   const float *b, float *buf, int N, int C, int H, int W, int K, int relu) {
    forward(v, pout, arg, in, b, buf, N, C, H, W, K, relu, 1);
}

/* the backward loop; dout, or (pooled) dpool and arg through v->grad_pool; db (or NULL)
 * += per block the row sums of Gt at position (1,1) (each tile's output-gradient sum); din_relu: din
 * masked by in > 0 through v->input_grad_relu (din may be in: a block's input rows are
 * transformed before its input gradient overwrites them, and the rows the next block reads
 * wait in the carry) */
static void backward(const wino_variant *v, float *din, float *dw, float *db, const float *dout,
                     const unsigned char *arg, int relu, int pooled, const float *in, int din_relu,
                     float *buf, int N, int C, int H, int W, int K) {
    const wino_layout L = layout(v, C, W, K);
    const int TH = H / v->m, TW = W / v->m, R = block_rows(v, C, W, K), rows = N * TH, A = v->alpha2;
    const int tile_sum = (v->m + 2) + 1; /* position (1,1): A's row of ones, twice */
    const size_t KC = (size_t)K * C;
    const int own = wino_gemm_packs(C), own_grad = wino_gemm_packs(K);
    float *dU = buf + L.dU;
    memset(dU, 0, sizeof(float) * A * KC);
    for (int r0 = 0; r0 < rows; r0 += R) {
        const int r1 = r0 + R < rows ? r0 + R : rows, P = (r1 - r0) * TW;
        float *V = buf + L.V, *Gt = buf + L.M, *dV = buf + L.dV;
        v->input(V, buf + L.rows, in, C, H, W, r0, r1);
        if (pooled)
            v->grad_pool(Gt, dout, arg, K, H, W, r0, r1, relu);
        else
            v->grad(Gt, dout, buf + L.rows, K, H, W, r0, r1);
        if (db)
            for (int k = 0; k < K; k++) db[k] += conv_sum_floats(Gt + ((size_t)tile_sum * K + k) * P, P);
        for (int xi = 0; xi < A; xi++) /* dU[xi] (K,C) += Gt[xi] (K,P) . V[xi]^T (P,C) */
            if (own_grad)
                wino_gemm_grad(dU + xi * KC, Gt + (size_t)xi * K * P, V + (size_t)xi * C * P, buf + L.T, K, C,
                               P);
            else
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, K, C, P, 1.0f, Gt + (size_t)xi * K * P,
                            P, V + (size_t)xi * C * P, P, 1.0f, dU + xi * KC, C);
        if (!din) continue;
        for (int xi = 0; xi < A; xi++) /* dV[xi] (C,P) = U[xi]^T (C,K) . Gt[xi] (K,P) */
            if (own)
                wino_gemm(dV + (size_t)xi * C * P, buf + L.Up + xi * KC, Gt + (size_t)xi * K * P, C, K, P);
            else
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, C, P, K, 1.0f, buf + L.U + xi * KC, C,
                            Gt + (size_t)xi * K * P, P, 0.0f, dV + (size_t)xi * C * P, P);
        if (din_relu)
            v->input_grad_relu(din, dV, buf + L.rows, buf + L.carry, in, C, H, W, r0, r1);
        else
            v->input_grad(din, dV, buf + L.rows, C, H, W, r0, r1);
    }
    v->fold(dw, dU, C, K);
}

void conv_wino_driver_backward(const wino_variant *v, float *din, float *dw, float *db, const float *dout,
                               const float *in, float *buf, int N, int C, int H, int W, int K) {
    backward(v, din, dw, db, dout, NULL, 0, 0, in, 0, buf, N, C, H, W, K);
}

void conv_wino_driver_backward_pool(const wino_variant *v, float *din, float *dw, float *db,
                                    const float *dpool, const unsigned char *arg, int relu, const float *in,
                                    int din_relu, float *buf, int N, int C, int H, int W, int K) {
    backward(v, din, dw, db, dpool, arg, relu, 1, in, din_relu && din, buf, N, C, H, W, K);
}
