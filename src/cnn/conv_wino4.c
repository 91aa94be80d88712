/* conv_wino4: 3x3 SAME convolution by Winograd F(4x4,3x3). See conv_wino4.h. */
#include "cnn/conv_wino4.h"

#include "cnn/conv_direct.h"

#include <string.h>

/* Tiles per block (whole tile rows, possibly spanning images): the transformed input block
 * (36 x C x P floats) and output block (36 x K x P) stay in L2/L3 between the transforms
 * and the 36 GEMMs. 96 tiles of 16 outputs cover twice the pixels of F(2x2,3x3)'s 192 tiles
 * of 4 in about the same memory (tests/cnn/bench_conv, the study's shapes); with the AVX-512
 * transforms longer GEMMs paid: whole training step (batch 288, 2 threads, Sapphire
 * Rapids, 3 rounds side by side) 96 tiles 4.30-4.48 s, 128: 4.04-4.15, 144: 4.18-4.29,
 * 192: 4.08-4.14. */
#ifndef WINO4_TILES
#define WINO4_TILES 128
#endif
/* Where C and K are both <= 32, 64 tiles: with the weight gradient on our own kernel
 * (wino_gemm.h), conv2_1 + conv2_2 (112x112, 16 and 32 channels) took 592-637 ms at 64
 * tiles (P = 56) against 650-769 at 128 (P = 112) (step, batch 288, 2 threads, 3 and 4
 * alternating rounds); conv1_2 (16 channels, 224 wide: 56 tiles a row) did not move between
 * P = 56 and 112; conv3 and conv4 (64 and 128 channels) were no faster at 64 tiles and up
 * to 25 ms slower at 96. */
#ifndef WINO4_TILES_NARROW
#define WINO4_TILES_NARROW 64
#endif

int conv_wino4_usable(int H, int W) { return H >= 4 && W >= 4 && H % 4 == 0 && W % 4 == 0; }

/* The six 1-D transforms, each on n consecutive lanes (tiles), contiguous and branch-free
 * so that the compiler vectorizes them (`ivdep`: the arrays are distinct rows of the
 * scratch, which it cannot prove). Written with the additions grouped as evaluated. */

/* o = B^T d: 4d0-5d2+d4, (d3+d4)-4(d1+d2), (d4-d3)+4(d1-d2), (d4-d2)+2(d3-d1),
 * (d4-d2)-2(d3-d1), 4d1-5d3+d5 */
static inline void bt6(float *o0, float *o1, float *o2, float *o3, float *o4, float *o5, const float *d0,
                       const float *d1, const float *d2, const float *d3, const float *d4, const float *d5,
                       int n) {
#pragma GCC ivdep
    for (int i = 0; i < n; i++) {
        const float a = d0[i], b = d1[i], c = d2[i], d = d3[i], e = d4[i], f = d5[i];
        o0[i] = 4.0f * a - 5.0f * c + e;
        o1[i] = (d + e) - 4.0f * (b + c);
        o2[i] = (e - d) + 4.0f * (b - c);
        o3[i] = (e - c) + 2.0f * (d - b);
        o4[i] = (e - c) - 2.0f * (d - b);
        o5[i] = 4.0f * b - 5.0f * d + f;
    }
}

/* o = A^T m: m0+(m1+m2)+(m3+m4), (m1-m2)+2(m3-m4), (m1+m2)+4(m3+m4), (m1-m2)+8(m3-m4)+m5 */
static inline void at4(float *o0, float *o1, float *o2, float *o3, const float *m0, const float *m1,
                       const float *m2, const float *m3, const float *m4, const float *m5, int n) {
#pragma GCC ivdep
    for (int i = 0; i < n; i++) {
        const float p12 = m1[i] + m2[i], d12 = m1[i] - m2[i], p34 = m3[i] + m4[i], d34 = m3[i] - m4[i];
        o0[i] = m0[i] + p12 + p34;
        o1[i] = d12 + 2.0f * d34;
        o2[i] = p12 + 4.0f * p34;
        o3[i] = d12 + 8.0f * d34 + m5[i];
    }
}

/* o = A v (the adjoint of at4): v0, (v0+v2)+(v1+v3), (v0+v2)-(v1+v3), (v0+4v2)+(2v1+8v3),
 * (v0+4v2)-(2v1+8v3), v3 */
static inline void a6(float *o0, float *o1, float *o2, float *o3, float *o4, float *o5, const float *v0,
                      const float *v1, const float *v2, const float *v3, int n) {
#pragma GCC ivdep
    for (int i = 0; i < n; i++) {
        const float e = v0[i] + v2[i], od = v1[i] + v3[i], e4 = v0[i] + 4.0f * v2[i],
                    o4v = 2.0f * v1[i] + 8.0f * v3[i];
        o0[i] = v0[i];
        o1[i] = e + od;
        o2[i] = e - od;
        o3[i] = e4 + o4v;
        o4[i] = e4 - o4v;
        o5[i] = v3[i];
    }
}

/* o = B z (the adjoint of bt6): 4z0, 4(z2-z1)+2(z4-z3)+4z5, -5z0-4(z1+z2)-(z3+z4),
 * (z1-z2)+2(z3-z4)-5z5, z0+z1+z2+z3+z4, z5 */
static inline void b6(float *o0, float *o1, float *o2, float *o3, float *o4, float *o5, const float *z0,
                      const float *z1, const float *z2, const float *z3, const float *z4, const float *z5,
                      int n) {
#pragma GCC ivdep
    for (int i = 0; i < n; i++) {
        const float a = z0[i], b = z1[i], c = z2[i], d = z3[i], e = z4[i], f = z5[i];
        o0[i] = 4.0f * a;
        o1[i] = 4.0f * (c - b) + 2.0f * (e - d) + 4.0f * f;
        o2[i] = -5.0f * a - 4.0f * (b + c) - (d + e);
        o3[i] = (b - c) + 2.0f * (d - e) - 5.0f * f;
        o4[i] = a + b + c + d + e;
        o5[i] = f;
    }
}

/* U[xi][k][c] = (G g G^T)[xi] for g = w[k][c]; xi = 6 row + column */
static void g6(float u[6], float x0, float x1, float x2) {
    u[0] = x0 / 4.0f;
    u[1] = -(x0 + x1 + x2) / 6.0f;
    u[2] = -(x0 - x1 + x2) / 6.0f;
    u[3] = x0 / 24.0f + x1 / 12.0f + x2 / 6.0f;
    u[4] = x0 / 24.0f - x1 / 12.0f + x2 / 6.0f;
    u[5] = x2;
}

void conv_wino4_weights(float *U, const float *w, int C, int K) {
    const size_t KC = (size_t)K * C;
    for (int k = 0; k < K; k++)
        for (int c = 0; c < C; c++) {
            const float *g = w + ((size_t)k * C + c) * 9;
            float t[3][6], u[6][6], col[6];
            for (int j = 0; j < 3; j++) { /* t[j] = G g[:, j] (column j of g) */
                g6(col, g[j], g[3 + j], g[6 + j]);
                for (int i = 0; i < 6; i++) t[j][i] = col[i];
            }
            for (int i = 0; i < 6; i++) { /* u[i] = G (t[:, i])^T: row i of (G g) G^T */
                g6(col, t[0][i], t[1][i], t[2][i]);
                for (int a = 0; a < 6; a++) u[i][a] = col[a];
            }
            for (int xi = 0; xi < 36; xi++) U[xi * KC + (size_t)k * C + c] = u[xi / 6][xi % 6];
        }
}

/* A padded input row (x = -1 .. W) is held in four phases: Ph[p][m] = in[4m + p - 1]
 * (m = 0 .. TW; 0 outside the image). The 6-wide patch of tile tx covers padded columns
 * 4tx .. 4tx+5 = Ph0[tx], Ph1[tx], Ph2[tx], Ph3[tx], Ph0[tx+1], Ph1[tx+1]: every
 * transform reads contiguous lanes. */
static void split_row4(float *P0, float *P1, float *P2, float *P3, const float *plane, int H, int W, int y) {
    const int TW = W / 4, L = TW + 1;
    if (y < 0 || y >= H) {
        memset(P0, 0, sizeof(float) * L), memset(P1, 0, sizeof(float) * L);
        memset(P2, 0, sizeof(float) * L), memset(P3, 0, sizeof(float) * L);
        return;
    }
    const float *s = plane + (size_t)y * W;
    P0[0] = 0.0f;
#pragma GCC ivdep
    for (int m = 0; m < TW; m++) {
        P1[m] = s[4 * m];
        P2[m] = s[4 * m + 1];
        P3[m] = s[4 * m + 2];
        P0[m + 1] = s[4 * m + 3];
    }
    P1[TW] = P2[TW] = P3[TW] = 0.0f;
}

/* V[6j+a][c][p] = (B^T d B)[j][a] for the 6x6 patch d of each tile of tile rows r0..r1
 * (global row r = n * TH + ty): B^T over the patch rows (on the phases), then over the
 * columns. rows: scratch of 48 (TW + 1) floats. */
static void input_transform_c(float *V, float *rows, const float *in, int C, int H, int W, int r0, int r1) {
    const int TH = H / 4, TW = W / 4, L = TW + 1;
    const size_t P = (size_t)(r1 - r0) * TW, CP = (size_t)C * P;
    float *ph[6][4], *t[6][4];
    for (int i = 0; i < 6; i++)
        for (int p = 0; p < 4; p++) {
            ph[i][p] = rows + (size_t)(4 * i + p) * L;
            t[i][p] = rows + (size_t)(24 + 4 * i + p) * L;
        }
    for (int c = 0; c < C; c++)
        for (int r = r0; r < r1; r++) {
            const int n = r / TH, ty = r % TH;
            const float *plane = in + ((size_t)n * C + c) * H * W;
            for (int i = 0; i < 6; i++)
                split_row4(ph[i][0], ph[i][1], ph[i][2], ph[i][3], plane, H, W, 4 * ty - 1 + i);
            for (int p = 0; p < 4; p++) /* t = B^T d, per phase */
                bt6(t[0][p], t[1][p], t[2][p], t[3][p], t[4][p], t[5][p], ph[0][p], ph[1][p], ph[2][p],
                    ph[3][p], ph[4][p], ph[5][p], L);
            float *v = V + (size_t)c * P + (size_t)(r - r0) * TW;
            for (int j = 0; j < 6; j++) { /* V[j] = t[j] B over the patch columns */
                float *o = v + (size_t)6 * j * CP;
                bt6(o, o + CP, o + 2 * CP, o + 3 * CP, o + 4 * CP, o + 5 * CP, t[j][0], t[j][1], t[j][2],
                    t[j][3], t[j][0] + 1, t[j][1] + 1, TW);
            }
        }
}

/* out[n][k] tile (4x4) = A^T M A + b[k] (ReLU): A^T over the rows of M, then over the
 * columns, interleaved into the four output rows. rows: scratch of 28 TW floats. */
static void output_transform_c(float *out, const float *M, const float *b, float *rows, int K, int H, int W,
                               int r0, int r1, int relu) {
    const int TH = H / 4, TW = W / 4;
    const size_t P = (size_t)(r1 - r0) * TW, KP = (size_t)K * P;
    float *s[4][6], *y[4];
    for (int a = 0; a < 4; a++) {
        for (int j = 0; j < 6; j++) s[a][j] = rows + (size_t)(6 * a + j) * TW;
        y[a] = rows + (size_t)(24 + a) * TW;
    }
    for (int k = 0; k < K; k++) {
        const float bk = b ? b[k] : 0.0f;
        for (int r = r0; r < r1; r++) {
            const int n = r / TH, ty = r % TH;
            const float *m = M + (size_t)k * P + (size_t)(r - r0) * TW;
            for (int j = 0; j < 6; j++) /* s = A^T M, column j */
                at4(s[0][j], s[1][j], s[2][j], s[3][j], m + (size_t)j * KP, m + (size_t)(6 + j) * KP,
                    m + (size_t)(12 + j) * KP, m + (size_t)(18 + j) * KP, m + (size_t)(24 + j) * KP,
                    m + (size_t)(30 + j) * KP, TW);
            for (int a = 0; a < 4; a++) { /* output row 4ty + a = s[a] A */
                float *o = out + (((size_t)n * K + k) * H + 4 * ty + a) * W;
                float *y0 = y[0], *y1 = y[1], *y2 = y[2], *y3 = y[3];
                at4(y0, y1, y2, y3, s[a][0], s[a][1], s[a][2], s[a][3], s[a][4], s[a][5], TW);
                if (relu) {
#pragma GCC ivdep
                    for (int tx = 0; tx < TW; tx++) {
                        const float v0 = y0[tx] + bk, v1 = y1[tx] + bk, v2 = y2[tx] + bk, v3 = y3[tx] + bk;
                        o[4 * tx] = v0 > 0.0f ? v0 : 0.0f;
                        o[4 * tx + 1] = v1 > 0.0f ? v1 : 0.0f;
                        o[4 * tx + 2] = v2 > 0.0f ? v2 : 0.0f;
                        o[4 * tx + 3] = v3 > 0.0f ? v3 : 0.0f;
                    }
                } else {
#pragma GCC ivdep
                    for (int tx = 0; tx < TW; tx++) {
                        o[4 * tx] = y0[tx] + bk;
                        o[4 * tx + 1] = y1[tx] + bk;
                        o[4 * tx + 2] = y2[tx] + bk;
                        o[4 * tx + 3] = y3[tx] + bk;
                    }
                }
            }
        }
    }
}

/* Gt[6i+j][k][p] = (A dY A^T)[i][j] for the 4x4 output-gradient tile dY: A over the
 * columns of each dY row (deinterleaved), then over the rows. rows: 28 TW floats. */
static void grad_transform_c(float *Gt, const float *dout, float *rows, int K, int H, int W, int r0, int r1) {
    const int TH = H / 4, TW = W / 4;
    const size_t P = (size_t)(r1 - r0) * TW, KP = (size_t)K * P;
    float *h[4][6], *g[4];
    for (int a = 0; a < 4; a++) {
        for (int j = 0; j < 6; j++) h[a][j] = rows + (size_t)(6 * a + j) * TW;
        g[a] = rows + (size_t)(24 + a) * TW;
    }
    for (int k = 0; k < K; k++)
        for (int r = r0; r < r1; r++) {
            const int n = r / TH, ty = r % TH;
            float *gt = Gt + (size_t)k * P + (size_t)(r - r0) * TW;
            for (int a = 0; a < 4; a++) {
                const float *s = dout + (((size_t)n * K + k) * H + 4 * ty + a) * W;
                float *g0 = g[0], *g1 = g[1], *g2 = g[2], *g3 = g[3];
#pragma GCC ivdep
                for (int tx = 0; tx < TW; tx++) { /* deinterleave the row */
                    g0[tx] = s[4 * tx];
                    g1[tx] = s[4 * tx + 1];
                    g2[tx] = s[4 * tx + 2];
                    g3[tx] = s[4 * tx + 3];
                }
                a6(h[a][0], h[a][1], h[a][2], h[a][3], h[a][4], h[a][5], g0, g1, g2, g3, TW);
            }
            for (int j = 0; j < 6; j++) /* Gt[:, j] = A h[:, j] */
                a6(gt + (size_t)j * KP, gt + (size_t)(6 + j) * KP, gt + (size_t)(12 + j) * KP,
                   gt + (size_t)(18 + j) * KP, gt + (size_t)(24 + j) * KP, gt + (size_t)(30 + j) * KP,
                   h[0][j], h[1][j], h[2][j], h[3][j], TW);
        }
}

/* din[n][c] += dd = B dV B^T over the 6x6 patches at (4ty-1, 4tx-1): B over the rows of dV
 * (z), then per patch row k over the columns (dd), overlap-added at padded columns
 * 4tx .. 4tx+5 (phases as in split_row4). An element of din gets at most two contributions
 * per direction and a sum of two terms does not depend on their order: a row is stored the
 * first time a tile row reaches it and added to the second time. rows: 48 (TW + 1) floats. */
static void input_grad_transform_c(float *din, const float *dV, float *rows, int C, int H, int W, int r0,
                                   int r1) {
    const int TH = H / 4, TW = W / 4, L = TW + 1;
    const size_t P = (size_t)(r1 - r0) * TW, CP = (size_t)C * P;
    float *z[6][6], *dd[6], *E0 = rows + (size_t)42 * L, *E1 = E0 + L;
    for (int k = 0; k < 6; k++) {
        for (int j = 0; j < 6; j++) z[k][j] = rows + (size_t)(6 * k + j) * L;
        dd[k] = rows + (size_t)(36 + k) * L;
    }
    for (int c = 0; c < C; c++)
        for (int r = r0; r < r1; r++) {
            const int n = r / TH, ty = r % TH;
            float *plane = din + ((size_t)n * C + c) * H * W;
            const float *v = dV + (size_t)c * P + (size_t)(r - r0) * TW;
            for (int j = 0; j < 6; j++) /* z[:, j] = B dV[:, j] */
                b6(z[0][j], z[1][j], z[2][j], z[3][j], z[4][j], z[5][j], v + (size_t)j * CP,
                   v + (size_t)(6 + j) * CP, v + (size_t)(12 + j) * CP, v + (size_t)(18 + j) * CP,
                   v + (size_t)(24 + j) * CP, v + (size_t)(30 + j) * CP, TW);
            for (int k = 0; k < 6; k++) { /* patch row k: input row y */
                const int y = 4 * ty - 1 + k;
                if (y < 0 || y >= H) continue;
                b6(dd[0], dd[1], dd[2], dd[3], dd[4], dd[5], z[k][0], z[k][1], z[k][2], z[k][3], z[k][4],
                   z[k][5], TW);
                const float *d0 = dd[0], *d1 = dd[1], *d4 = dd[4], *d5 = dd[5];
                E0[0] = d0[0]; /* phase 0: padded column 4m (x = 4m-1), phase 1: 4m+1 (x = 4m) */
                E1[0] = d1[0];
#pragma GCC ivdep
                for (int m = 1; m < TW; m++) {
                    E0[m] = d0[m] + d4[m - 1];
                    E1[m] = d1[m] + d5[m - 1];
                }
                E0[TW] = d4[TW - 1];
                const float *p2 = dd[2], *p3 = dd[3];
                float *d = plane + (size_t)y * W;
                const int first = k >= 2 || (k == 1 && ty == 0); /* first touch of row y */
                if (first) {
#pragma GCC ivdep
                    for (int m = 0; m < TW; m++) {
                        d[4 * m] = E1[m];
                        d[4 * m + 1] = p2[m];
                        d[4 * m + 2] = p3[m];
                        d[4 * m + 3] = E0[m + 1];
                    }
                } else {
#pragma GCC ivdep
                    for (int m = 0; m < TW; m++) {
                        d[4 * m] += E1[m];
                        d[4 * m + 1] += p2[m];
                        d[4 * m + 2] += p3[m];
                        d[4 * m + 3] += E0[m + 1];
                    }
                }
            }
        }
}

/* dw[k][c] += G^T dU G, (G^T u)_j: u0/4 - (u1+u2)/6 + (u3+u4)/24,
 * (u2-u1)/6 + (u3-u4)/12, (u3+u4)/6 - (u1+u2)/6 + u5; the loop over c runs innermost
 * (the compiler vectorizes it: its 54 divisions per (k, c) had made the fold 1 % of the
 * training step), the 9 results of a run of c land in g, then in dw */
static void fold_dw(float *dw, const float *dU, int C, int K) {
    enum { CB = 64 };
    const size_t KC = (size_t)K * C;
    float g[9][CB];
    for (int k = 0; k < K; k++)
        for (int c0 = 0; c0 < C; c0 += CB) {
            const int n = C - c0 < CB ? C - c0 : CB;
            const float *d = dU + (size_t)k * C + c0;
            for (int c = 0; c < n; c++) {
                float u[6][6], t[3][6];
#pragma GCC unroll 36
                for (int xi = 0; xi < 36; xi++) u[xi / 6][xi % 6] = d[xi * KC + c];
#pragma GCC unroll 6
                for (int j = 0; j < 6; j++) { /* t = G^T u over the rows */
                    const float p12 = u[1][j] + u[2][j], p34 = u[3][j] + u[4][j];
                    t[0][j] = u[0][j] / 4.0f - p12 / 6.0f + p34 / 24.0f;
                    t[1][j] = (u[2][j] - u[1][j]) / 6.0f + (u[3][j] - u[4][j]) / 12.0f;
                    t[2][j] = p34 / 6.0f - p12 / 6.0f + u[5][j];
                }
#pragma GCC unroll 3
                for (int i = 0; i < 3; i++) { /* g = t G over the columns */
                    const float p12 = t[i][1] + t[i][2], p34 = t[i][3] + t[i][4];
                    g[3 * i + 0][c] = t[i][0] / 4.0f - p12 / 6.0f + p34 / 24.0f;
                    g[3 * i + 1][c] = (t[i][2] - t[i][1]) / 6.0f + (t[i][3] - t[i][4]) / 12.0f;
                    g[3 * i + 2][c] = p34 / 6.0f - p12 / 6.0f + t[i][5];
                }
            }
            float *w = dw + ((size_t)k * C + c0) * 9;
            for (int c = 0; c < n; c++)
                for (int j = 0; j < 9; j++) w[(size_t)c * 9 + j] += g[j][c];
        }
}

/* AVX-512 transforms (the CPU has AVX-512F and conv_direct_isa, the one instruction-set
 * knob of the step, chose it): 16 tiles of one tile row per vector, every 6x6 patch row
 * read once from the image (masked loads supply the zero padding), the stride-4 phases
 * split and merged in registers. The scalar loops above remain the path on every other CPU
 * (and under OPENBLAS_CORETYPE=Haswell); both compute the same transforms, the order of
 * their additions and their use of FMA aside (tests/cnn/test_layers.c runs both against
 * the naive reference). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(CONV_DIRECT_NO_AVX512)
#include <immintrin.h>
#define WINO4_HAVE512 1
#define T512          __attribute__((target("avx512f"))) static inline __attribute__((always_inline))
#define T512F         __attribute__((target("avx512f"))) static

/* lanes 0..15 of a vector of 16 values starting at x0 that lie in 0 .. n-1 */
static inline __mmask16 range_mask(int x0, int n) {
    const int lo = x0 < 0 ? -x0 : 0, hi = n - x0 < 16 ? n - x0 : 16;
    if (hi <= lo) return 0;
    return (__mmask16)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
}

/* o = B^T d over six vectors (bt6's formulas, with FMAs) */
T512 void bt6v(__m512 o[6], __m512 a, __m512 b, __m512 c, __m512 d, __m512 e, __m512 f) {
    const __m512 two = _mm512_set1_ps(2.0f), four = _mm512_set1_ps(4.0f), five = _mm512_set1_ps(5.0f);
    const __m512 ec = _mm512_sub_ps(e, c), db = _mm512_sub_ps(d, b);
    o[0] = _mm512_fmadd_ps(four, a, _mm512_fnmadd_ps(five, c, e));
    o[1] = _mm512_fnmadd_ps(four, _mm512_add_ps(b, c), _mm512_add_ps(d, e));
    o[2] = _mm512_fmadd_ps(four, _mm512_sub_ps(b, c), _mm512_sub_ps(e, d));
    o[3] = _mm512_fmadd_ps(two, db, ec);
    o[4] = _mm512_fnmadd_ps(two, db, ec);
    o[5] = _mm512_fmadd_ps(four, b, _mm512_fnmadd_ps(five, d, f));
}

/* o = A^T m over six vectors (at4's formulas) */
T512 void at4v(__m512 o[4], __m512 m0, __m512 m1, __m512 m2, __m512 m3, __m512 m4, __m512 m5) {
    const __m512 p12 = _mm512_add_ps(m1, m2), d12 = _mm512_sub_ps(m1, m2), p34 = _mm512_add_ps(m3, m4),
                 d34 = _mm512_sub_ps(m3, m4);
    o[0] = _mm512_add_ps(_mm512_add_ps(m0, p12), p34);
    o[1] = _mm512_fmadd_ps(_mm512_set1_ps(2.0f), d34, d12);
    o[2] = _mm512_fmadd_ps(_mm512_set1_ps(4.0f), p34, p12);
    o[3] = _mm512_add_ps(_mm512_fmadd_ps(_mm512_set1_ps(8.0f), d34, d12), m5);
}

/* o = A v over four vectors (a6's formulas) */
T512 void a6v(__m512 o[6], __m512 v0, __m512 v1, __m512 v2, __m512 v3) {
    const __m512 e = _mm512_add_ps(v0, v2), od = _mm512_add_ps(v1, v3),
                 e4 = _mm512_fmadd_ps(_mm512_set1_ps(4.0f), v2, v0),
                 o4 = _mm512_fmadd_ps(_mm512_set1_ps(8.0f), v3, _mm512_add_ps(v1, v1));
    o[0] = v0;
    o[1] = _mm512_add_ps(e, od);
    o[2] = _mm512_sub_ps(e, od);
    o[3] = _mm512_add_ps(e4, o4);
    o[4] = _mm512_sub_ps(e4, o4);
    o[5] = v3;
}

/* Software prefetch of image rows y0..y1-1 (clipped to the plane) into L2: a block reads
 * a few rows of each of C planes, streams too short for the hardware prefetcher, so each
 * tile row asks for the rows the next one (or the next plane's first) will read. */
T512 void prefetch_rows(const float *plane, int y0, int y1, int H, int W) {
    if (y0 < 0) y0 = 0;
    if (y1 > H) y1 = H;
    for (int y = y0; y < y1; y++)
        for (int x = 0; x < W; x += 16) _mm_prefetch((const char *)(plane + (size_t)y * W + x), _MM_HINT_T1);
}

/* the rows that tile row r + 1 of the block (or, at its end, the first of plane + 1)
 * reads from the image beyond those of tile row r: patch rows 4ty - 1 .. 4ty + lo + 4 */
T512 void prefetch_next(const float *in, int C, int c, int H, int W, int r, int r0, int r1, int extra) {
    const int TH = H / 4;
    if (r + 1 < r1) {
        const int n = (r + 1) / TH, ty = (r + 1) % TH;
        const float *plane = in + ((size_t)n * C + c) * H * W;
        prefetch_rows(plane, ty == 0 ? 0 : 4 * ty + extra, 4 * ty + 4 + extra, H, W);
    } else if (c + 1 < C) {
        const int n = r0 / TH, ty = r0 % TH;
        const float *plane = in + ((size_t)n * C + c + 1) * H * W;
        prefetch_rows(plane, 4 * ty - 1, 4 * ty + 4 + extra, H, W);
    }
}

/* The 4x4 transposes behind the phase split and merge of 4 vectors r[0..3] of a row
 * segment: blocks4 makes r_i's 128-bit block v out of r_v's block i, lanes4 makes lane i
 * of r_q's block v out of lane q of r_i's block v. Split (64 consecutive values x = 16v +
 * 4b + e, tile 4v + b, phase e -> r_e lane 4v + b = that tile's phase e): blocks4, then
 * lanes4; merge: lanes4, then blocks4. */
T512 void blocks4(__m512 r[4]) {
    const __m512 b0 = _mm512_shuffle_f32x4(r[0], r[1], 0x44), b1 = _mm512_shuffle_f32x4(r[0], r[1], 0xee),
                 b2 = _mm512_shuffle_f32x4(r[2], r[3], 0x44), b3 = _mm512_shuffle_f32x4(r[2], r[3], 0xee);
    r[0] = _mm512_shuffle_f32x4(b0, b2, 0x88);
    r[1] = _mm512_shuffle_f32x4(b0, b2, 0xdd);
    r[2] = _mm512_shuffle_f32x4(b1, b3, 0x88);
    r[3] = _mm512_shuffle_f32x4(b1, b3, 0xdd);
}

T512 void lanes4(__m512 r[4]) {
    const __m512d t0 = _mm512_castps_pd(_mm512_unpacklo_ps(r[0], r[1])),
                  t1 = _mm512_castps_pd(_mm512_unpackhi_ps(r[0], r[1])),
                  t2 = _mm512_castps_pd(_mm512_unpacklo_ps(r[2], r[3])),
                  t3 = _mm512_castps_pd(_mm512_unpackhi_ps(r[2], r[3]));
    r[0] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
    r[1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
    r[2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
    r[3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
}

/* V as input_transform: per tile row, B^T over the 6 patch rows on whole image rows (t:
 * padded column u = x + 1), then per 16 tiles the phases of each t row (4 loads split,
 * the 5th and 6th patch columns are phases 0 and 1 one tile on) and B^T over them. rows:
 * 6 (64 G + 16) floats, G = groups of 16 tiles in a tile row. */
T512F void input_transform512(float *V, float *rows, const float *in, int C, int H, int W, int r0, int r1) {
    const int TH = H / 4, TW = W / 4, G = (TW + 15) / 16, NU = 4 * G + 1, L = 64 * G + 16;
    const size_t P = (size_t)(r1 - r0) * TW, CP = (size_t)C * P;
    for (int c = 0; c < C; c++)
        for (int r = r0; r < r1; r++) {
            const int n = r / TH, ty = r % TH;
            const float *plane = in + ((size_t)n * C + c) * H * W;
            prefetch_next(in, C, c, H, W, r, r0, r1, 1);
            for (int j = 0; j < NU; j++) { /* t = B^T d over the patch rows, 16 columns at a time */
                const int x0 = 16 * j - 1;
                const __mmask16 m = range_mask(x0, W);
                __m512 d[6], t[6];
                for (int i = 0; i < 6; i++) {
                    const int y = 4 * ty - 1 + i;
                    d[i] = y < 0 || y >= H ? _mm512_setzero_ps()
                                           : _mm512_maskz_loadu_ps(m, plane + (size_t)y * W + x0);
                }
                bt6v(t, d[0], d[1], d[2], d[3], d[4], d[5]);
                for (int a = 0; a < 6; a++) _mm512_storeu_ps(rows + (size_t)a * L + 16 * j, t[a]);
            }
            float *v = V + (size_t)c * P + (size_t)(r - r0) * TW;
            for (int g = 0; g < G; g++) {
                const __mmask16 m = range_mask(16 * g, TW);
                for (int a = 0; a < 6; a++) { /* V[6a + b] = t[a] B over the patch columns */
                    const float *s = rows + (size_t)a * L + 64 * g;
                    __m512 ph[4] = {_mm512_loadu_ps(s), _mm512_loadu_ps(s + 16), _mm512_loadu_ps(s + 32),
                                    _mm512_loadu_ps(s + 48)},
                           o[6];
                    const __m512i next = _mm512_castps_si512(_mm512_loadu_ps(s + 64));
                    blocks4(ph);
                    lanes4(ph);
                    const __m512 ph4 = _mm512_castsi512_ps(
                                     _mm512_alignr_epi32(next, _mm512_castps_si512(ph[0]), 1)),
                                 ph5 = _mm512_castsi512_ps(_mm512_alignr_epi32(
                                     _mm512_alignr_epi32(next, next, 1), _mm512_castps_si512(ph[1]), 1));
                    bt6v(o, ph[0], ph[1], ph[2], ph[3], ph4, ph5);
                    for (int b = 0; b < 6; b++)
                        _mm512_mask_storeu_ps(v + (size_t)(6 * a + b) * CP + 16 * g, m, o[b]);
                }
            }
        }
}

/* out as output_transform: per 16 tiles of a tile row, A^T over the rows of M (6 columns),
 * then per output row A^T over the columns (4 phases), bias, ReLU, merged into 64
 * consecutive outputs. */
T512F void output_transform512(float *out, const float *M, const float *b, float *rows, int K, int H, int W,
                               int r0, int r1, int relu) {
    (void)rows;
    const int TH = H / 4, TW = W / 4, G = (TW + 15) / 16;
    const size_t P = (size_t)(r1 - r0) * TW, KP = (size_t)K * P;
    const __m512 zero = _mm512_setzero_ps();
    for (int k = 0; k < K; k++) {
        const __m512 bk = _mm512_set1_ps(b ? b[k] : 0.0f);
        for (int r = r0; r < r1; r++) {
            const int n = r / TH, ty = r % TH;
            const float *mr = M + (size_t)k * P + (size_t)(r - r0) * TW;
            float *o0 = out + (((size_t)n * K + k) * H + 4 * ty) * W;
            for (int g = 0; g < G; g++) {
                const __mmask16 m = range_mask(16 * g, TW);
                __m512 s[6][4]; /* s[j][a]: A^T over the rows, column j, row a */
                for (int j = 0; j < 6; j++) {
                    const float *mj = mr + (size_t)j * KP + 16 * g;
                    at4v(s[j], _mm512_maskz_loadu_ps(m, mj), _mm512_maskz_loadu_ps(m, mj + 6 * KP),
                         _mm512_maskz_loadu_ps(m, mj + 12 * KP), _mm512_maskz_loadu_ps(m, mj + 18 * KP),
                         _mm512_maskz_loadu_ps(m, mj + 24 * KP), _mm512_maskz_loadu_ps(m, mj + 30 * KP));
                }
                for (int a = 0; a < 4; a++) { /* output row 4ty + a */
                    __m512 y[4];
                    at4v(y, s[0][a], s[1][a], s[2][a], s[3][a], s[4][a], s[5][a]);
                    for (int q = 0; q < 4; q++) {
                        y[q] = _mm512_add_ps(y[q], bk);
                        if (relu) y[q] = _mm512_max_ps(y[q], zero);
                    }
                    lanes4(y);
                    blocks4(y);
                    float *o = o0 + (size_t)a * W + 64 * g;
                    for (int v = 0; v < 4; v++)
                        _mm512_mask_storeu_ps(o + 16 * v, range_mask(64 * g + 16 * v, W), y[v]);
                }
            }
        }
    }
}

/* Gt as grad_transform: per 16 tiles, each of the 4 dY rows split into its phases and A
 * over them (6 columns), then A over the 4 rows. */
T512F void grad_transform512(float *Gt, const float *dout, float *rows, int K, int H, int W, int r0, int r1) {
    (void)rows;
    const int TH = H / 4, TW = W / 4, G = (TW + 15) / 16;
    const size_t P = (size_t)(r1 - r0) * TW, KP = (size_t)K * P;
    for (int k = 0; k < K; k++)
        for (int r = r0; r < r1; r++) {
            const int n = r / TH, ty = r % TH;
            const float *d0 = dout + (((size_t)n * K + k) * H + 4 * ty) * W;
            float *gt = Gt + (size_t)k * P + (size_t)(r - r0) * TW;
            prefetch_next(dout, K, k, H, W, r, r0, r1, 0);
            for (int g = 0; g < G; g++) {
                const __mmask16 m = range_mask(16 * g, TW);
                __m512 h[4][6]; /* h[a][j]: row a of dY, A over its columns */
                for (int a = 0; a < 4; a++) {
                    const float *s = d0 + (size_t)a * W + 64 * g;
                    __m512 ph[4];
                    for (int v = 0; v < 4; v++)
                        ph[v] = _mm512_maskz_loadu_ps(range_mask(64 * g + 16 * v, W), s + 16 * v);
                    blocks4(ph);
                    lanes4(ph);
                    a6v(h[a], ph[0], ph[1], ph[2], ph[3]);
                }
                for (int j = 0; j < 6; j++) { /* Gt[6i + j] = A h[:, j] */
                    __m512 o[6];
                    a6v(o, h[0][j], h[1][j], h[2][j], h[3][j]);
                    for (int i = 0; i < 6; i++)
                        _mm512_mask_storeu_ps(gt + (size_t)(6 * i + j) * KP + 16 * g, m, o[i]);
                }
            }
        }
}
/* o = B z over six vectors (b6's formulas) */
T512 void b6v(__m512 o[6], __m512 a, __m512 b, __m512 c, __m512 d, __m512 e, __m512 f) {
    const __m512 two = _mm512_set1_ps(2.0f), four = _mm512_set1_ps(4.0f), five = _mm512_set1_ps(5.0f);
    const __m512 bc = _mm512_add_ps(b, c), de = _mm512_add_ps(d, e);
    o[0] = _mm512_mul_ps(four, a);
    o[1] =
        _mm512_fmadd_ps(four, _mm512_add_ps(_mm512_sub_ps(c, b), f), _mm512_mul_ps(two, _mm512_sub_ps(e, d)));
    o[2] = _mm512_fnmsub_ps(five, a, _mm512_fmadd_ps(four, bc, de));
    o[3] = _mm512_fnmadd_ps(five, f, _mm512_fmadd_ps(two, _mm512_sub_ps(d, e), _mm512_sub_ps(b, c)));
    o[4] = _mm512_add_ps(_mm512_add_ps(a, bc), de);
    o[5] = f;
}

/* din as input_grad_transform, the adjoint of input_transform512: per 16 tiles, B over
 * the patch columns of each dV row a, overlap-added into a padded row t[a] (patch columns
 * 4 and 5 of a tile are columns 0 and 1 of the next); then B over the patch rows on whole
 * rows, stored at a row's first touch and added at its second (as the loops above).
 * With carry (2 C (W + 16) floats, kept across the blocks of one image range), the two
 * rows a tile row shares with the next (its patch rows 4 and 5) wait there instead of in
 * din, so that din is written once per element, with its final value: then with mask
 * (indexed as din) each element is zeroed where mask <= 0 (the input's ReLU), read just
 * before it is written, and mask may be din itself (the input, overwritten in place: the
 * rows a later block's input transform reads are the carried ones). The same additions
 * in the same order: the same bits as without carry, then masked. */
T512 void input_grad512(float *din, const float *dV, float *rows, float *carry, const float *mask, int C,
                        int H, int W, int r0, int r1) {
    const int TH = H / 4, TW = W / 4, G = (TW + 15) / 16, NU = 4 * G + 1, L = 64 * G + 16;
    const size_t P = (size_t)(r1 - r0) * TW, CP = (size_t)C * P;
    const __m512 zero = _mm512_setzero_ps();
    for (int c = 0; c < C; c++)
        for (int r = r0; r < r1; r++) {
            const int n = r / TH, ty = r % TH;
            float *plane = din + ((size_t)n * C + c) * H * W;
            const float *v = dV + (size_t)c * P + (size_t)(r - r0) * TW;
            for (int a = 0; a < 6; a++) {
                float *t = rows + (size_t)a * L;
                __m512 prev4 = zero, prev5 = zero;
                for (int g = 0; g < G; g++) {
                    const __mmask16 m = range_mask(16 * g, TW);
                    const float *vg = v + (size_t)6 * a * CP + 16 * g;
                    __m512 ph[6];
                    b6v(ph, _mm512_maskz_loadu_ps(m, vg), _mm512_maskz_loadu_ps(m, vg + CP),
                        _mm512_maskz_loadu_ps(m, vg + 2 * CP), _mm512_maskz_loadu_ps(m, vg + 3 * CP),
                        _mm512_maskz_loadu_ps(m, vg + 4 * CP), _mm512_maskz_loadu_ps(m, vg + 5 * CP));
                    __m512 q[4] = {
                        _mm512_add_ps(
                            ph[0], _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(ph[4]),
                                                                           _mm512_castps_si512(prev4), 15))),
                        _mm512_add_ps(
                            ph[1], _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(ph[5]),
                                                                           _mm512_castps_si512(prev5), 15))),
                        ph[2], ph[3]};
                    prev4 = ph[4], prev5 = ph[5];
                    lanes4(q);
                    blocks4(q);
                    for (int j = 0; j < 4; j++) _mm512_storeu_ps(t + 64 * g + 16 * j, q[j]);
                }
                /* the 16th tile's patch column 4 (its column 5 is the padding x = W) */
                _mm512_storeu_ps(t + 64 * G, zero);
                t[64 * G] = _mm512_cvtss_f32(_mm512_permutexvar_ps(_mm512_set1_epi32(15), prev4));
            }
            for (int j = 0; j < NU; j++) { /* din rows += B t over the patch rows */
                const int x0 = 16 * j - 1;
                const __mmask16 m = range_mask(x0, W);
                if (!m) continue;
                __m512 d[6];
                b6v(d, _mm512_loadu_ps(rows + 16 * j), _mm512_loadu_ps(rows + L + 16 * j),
                    _mm512_loadu_ps(rows + 2 * L + 16 * j), _mm512_loadu_ps(rows + 3 * L + 16 * j),
                    _mm512_loadu_ps(rows + 4 * L + 16 * j), _mm512_loadu_ps(rows + 5 * L + 16 * j));
                for (int i = 0; i < 6; i++) {
                    const int y = 4 * ty - 1 + i;
                    if (y < 0 || y >= H) continue;
                    float *o = plane + (size_t)y * W + x0;
                    /* carry row s of channel c, at column x0 (>= -1) */
                    float *cr = carry ? carry + ((size_t)2 * c + (i & 1)) * (W + 16) + 1 + x0 : NULL;
                    if (cr && i >= 4 && ty < TH - 1) { /* shared with the next tile row */
                        _mm512_mask_storeu_ps(cr, m, d[i]);
                        continue;
                    }
                    const int first = i >= 2 || (i == 1 && ty == 0);
                    __m512 val = first ? d[i] : _mm512_add_ps(d[i], _mm512_maskz_loadu_ps(m, cr ? cr : o));
                    if (mask) {
                        const float *mr = mask + (((size_t)n * C + c) * H + y) * W + x0;
                        val = _mm512_maskz_mov_ps(
                            _mm512_cmp_ps_mask(_mm512_maskz_loadu_ps(m, mr), zero, _CMP_GT_OQ), val);
                    }
                    _mm512_mask_storeu_ps(o, m, val);
                }
            }
        }
}

T512F void input_grad_transform512(float *din, const float *dV, float *rows, int C, int H, int W, int r0,
                                   int r1) {
    input_grad512(din, dV, rows, NULL, NULL, C, H, W, r0, r1);
}

T512F void input_grad_relu_transform512(float *din, const float *dV, float *rows, float *carry,
                                        const float *mask, int C, int H, int W, int r0, int r1) {
    input_grad512(din, dV, rows, carry, mask, C, H, W, r0, r1);
}
/* output_transform512 with the 2x2 max-pool fused (H, W multiples of 4: a tile holds 2x2
 * whole windows): pout (N,K,H/2,W/2) and arg as maxpool2x2_forward's of the transform's
 * output (first maximum in scan order, + 4 if it is <= 0); the full-size output is never
 * written. The same outputs as output_transform512, so the same bits as the unfused pass. */
T512F void output_pool_transform512(float *pout, unsigned char *arg, const float *M, const float *b, int K,
                                    int H, int W, int r0, int r1, int relu) {
    const int TH = H / 4, TW = W / 4, G = (TW + 15) / 16, Wo = W / 2;
    const size_t P = (size_t)(r1 - r0) * TW, KP = (size_t)K * P, HWo = (size_t)(H / 2) * Wo;
    const __m512 zero = _mm512_setzero_ps();
    const __m512i lo_idx = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23),
                  hi_idx = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    for (int k = 0; k < K; k++) {
        const __m512 bk = _mm512_set1_ps(b ? b[k] : 0.0f);
        for (int r = r0; r < r1; r++) {
            const int n = r / TH, ty = r % TH;
            const float *mr = M + (size_t)k * P + (size_t)(r - r0) * TW;
            const size_t plane = ((size_t)n * K + k) * HWo;
            for (int g = 0; g < G; g++) {
                const __mmask16 m = range_mask(16 * g, TW);
                const int nt = TW - 16 * g < 16 ? TW - 16 * g : 16; /* tiles in this group */
                const __mmask16 mlo = range_mask(0, 2 * nt), mhi = range_mask(16, 2 * nt);
                __m512 s[6][4], y[4][4];
                for (int j = 0; j < 6; j++) {
                    const float *mj = mr + (size_t)j * KP + 16 * g;
                    at4v(s[j], _mm512_maskz_loadu_ps(m, mj), _mm512_maskz_loadu_ps(m, mj + 6 * KP),
                         _mm512_maskz_loadu_ps(m, mj + 12 * KP), _mm512_maskz_loadu_ps(m, mj + 18 * KP),
                         _mm512_maskz_loadu_ps(m, mj + 24 * KP), _mm512_maskz_loadu_ps(m, mj + 30 * KP));
                }
                for (int a = 0; a < 4; a++) {
                    at4v(y[a], s[0][a], s[1][a], s[2][a], s[3][a], s[4][a], s[5][a]);
                    for (int q = 0; q < 4; q++) {
                        y[a][q] = _mm512_add_ps(y[a][q], bk);
                        if (relu) y[a][q] = _mm512_max_ps(y[a][q], zero);
                    }
                }
                for (int py = 0; py < 2; py++) {
                    __m512 mx[2];
                    __m512i best[2];
                    for (int px = 0; px < 2; px++) { /* window (py, px) of every tile */
                        const __m512 w[4] = {y[2 * py][2 * px], y[2 * py][2 * px + 1], y[2 * py + 1][2 * px],
                                             y[2 * py + 1][2 * px + 1]};
                        __m512 mv = w[0];
                        __m512i bi = _mm512_setzero_si512();
                        for (int q = 1; q < 4; q++) { /* strictly greater: the first maximum stays */
                            const __mmask16 gt = _mm512_cmp_ps_mask(w[q], mv, _CMP_GT_OQ);
                            mv = _mm512_mask_mov_ps(mv, gt, w[q]);
                            bi = _mm512_mask_mov_epi32(bi, gt, _mm512_set1_epi32(q));
                        }
                        const __mmask16 pos = _mm512_cmp_ps_mask(mv, zero, _CMP_GT_OQ);
                        best[px] = _mm512_mask_add_epi32(bi, (__mmask16)~pos, bi, _mm512_set1_epi32(4));
                        mx[px] = mv;
                    }
                    /* pooled row 2ty + py, columns 2tx + px: the two window columns interleaved */
                    const size_t o = plane + (size_t)(2 * ty + py) * Wo + 32 * g;
                    _mm512_mask_storeu_ps(pout + o, mlo, _mm512_permutex2var_ps(mx[0], lo_idx, mx[1]));
                    _mm512_mask_storeu_ps(pout + o + 16, mhi, _mm512_permutex2var_ps(mx[0], hi_idx, mx[1]));
                    _mm512_mask_cvtepi32_storeu_epi8(arg + o, mlo,
                                                     _mm512_permutex2var_epi32(best[0], lo_idx, best[1]));
                    _mm512_mask_cvtepi32_storeu_epi8(arg + o + 16, mhi,
                                                     _mm512_permutex2var_epi32(best[0], hi_idx, best[1]));
                }
            }
        }
    }
}
/* grad_transform512 from the 2x2 max-pool's gradient (the adjoint of
 * output_pool_transform512): each tile's dY is built in registers from dpool
 * (N,K,H/2,W/2) and arg (maxpool2x2_forward's): a window's gradient goes to its first
 * maximum, 0 elsewhere and, with relu, where the maximum was <= 0 (arg >= 4); the
 * full-size output gradient is never written. */
T512F void grad_pool_transform512(float *Gt, const float *dpool, const unsigned char *arg, int K, int H,
                                  int W, int r0, int r1, int relu) {
    const int TH = H / 4, TW = W / 4, G = (TW + 15) / 16, Wo = W / 2;
    const size_t P = (size_t)(r1 - r0) * TW, KP = (size_t)K * P, HWo = (size_t)(H / 2) * Wo;
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30),
                  odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const __m512 zero = _mm512_setzero_ps();
    for (int k = 0; k < K; k++)
        for (int r = r0; r < r1; r++) {
            const int n = r / TH, ty = r % TH;
            const size_t plane = ((size_t)n * K + k) * HWo;
            float *gt = Gt + (size_t)k * P + (size_t)(r - r0) * TW;
            for (int g = 0; g < G; g++) {
                const __mmask16 m = range_mask(16 * g, TW);
                const int nt = TW - 16 * g < 16 ? TW - 16 * g : 16;
                const __mmask16 mlo = range_mask(0, 2 * nt), mhi = range_mask(16, 2 * nt);
                __m512 y[4][4]; /* dY rows a, phases q (lane: tile) */
                for (int py = 0; py < 2; py++) {
                    const size_t o = plane + (size_t)(2 * ty + py) * Wo + 32 * g;
                    const __m512 g0 = _mm512_maskz_loadu_ps(mlo, dpool + o),
                                 g1 = _mm512_maskz_loadu_ps(mhi, dpool + o + 16);
                    __m128i b0 = _mm_setzero_si128(), b1 = _mm_setzero_si128(); /* the args' bytes */
                    memcpy(&b0, arg + o, (size_t)(2 * nt < 16 ? 2 * nt : 16));
                    if (2 * nt > 16) memcpy(&b1, arg + o + 16, (size_t)(2 * nt - 16));
                    const __m512i i0 = _mm512_cvtepu8_epi32(b0), i1 = _mm512_cvtepu8_epi32(b1);
                    for (int px = 0; px < 2; px++) {
                        const __m512 gp = _mm512_permutex2var_ps(g0, px ? odd : even, g1);
                        const __m512i ai = _mm512_permutex2var_epi32(i0, px ? odd : even, i1),
                                      idx = _mm512_and_si512(ai, _mm512_set1_epi32(3));
                        const __mmask16 live =
                            relu ? _mm512_cmplt_epi32_mask(ai, _mm512_set1_epi32(4)) : (__mmask16)0xffff;
                        for (int q = 0; q < 4; q++) {
                            const __mmask16 at =
                                _mm512_mask_cmpeq_epi32_mask(live, idx, _mm512_set1_epi32(q));
                            y[2 * py + q / 2][2 * px + q % 2] = _mm512_mask_mov_ps(zero, at, gp);
                        }
                    }
                }
                __m512 h[4][6];
                for (int a = 0; a < 4; a++) a6v(h[a], y[a][0], y[a][1], y[a][2], y[a][3]);
                for (int j = 0; j < 6; j++) { /* Gt[6i + j] = A h[:, j] */
                    __m512 o[6];
                    a6v(o, h[0][j], h[1][j], h[2][j], h[3][j]);
                    for (int i = 0; i < 6; i++)
                        _mm512_mask_storeu_ps(gt + (size_t)(6 * i + j) * KP + 16 * g, m, o[i]);
                }
            }
        }
}
#else
#define WINO4_HAVE512 0
#endif

/* F(4x4,3x3) for conv_wino_driver.h: the loops above (every CPU), and the AVX-512
 * transforms with the pooled output and gradient (conv_wino4_table picks) */
const wino_variant conv_wino_f4 = {.m = 4,
                                   .alpha2 = 36,
                                   .tiles = WINO4_TILES,
                                   .tiles_narrow = WINO4_TILES_NARROW,
                                   .row_bufs = 48,
                                   .row_pad = 512, /* input_transform512: 6 (64 G + 16) floats */
                                   .weights = conv_wino4_weights,
                                   .input = input_transform_c,
                                   .output = output_transform_c,
                                   .grad = grad_transform_c,
                                   .input_grad = input_grad_transform_c,
                                   .fold = fold_dw};

#if WINO4_HAVE512
static const wino_variant conv_wino_f4_512 = {.m = 4,
                                              .alpha2 = 36,
                                              .tiles = WINO4_TILES,
                                              .tiles_narrow = WINO4_TILES_NARROW,
                                              .row_bufs = 48,
                                              .row_pad = 512,
                                              .weights = conv_wino4_weights,
                                              .input = input_transform512,
                                              .output = output_transform512,
                                              .output_pool = output_pool_transform512,
                                              .grad = grad_transform512,
                                              .grad_pool = grad_pool_transform512,
                                              .input_grad = input_grad_transform512,
                                              .input_grad_relu = input_grad_relu_transform512,
                                              .fold = fold_dw};
#endif

/* the step's instruction-set knob (conv_direct_isa) decides: AVX-512 or the loops */
const wino_variant *conv_wino4_table(void) {
#if WINO4_HAVE512
    if (conv_direct_isa(0) == 3) return &conv_wino_f4_512;
#endif
    return &conv_wino_f4;
}

int conv_wino4_pool_usable(int H, int W) {
    return conv_wino4_usable(H, W) && conv_wino4_table()->output_pool;
}
