/* conv_winograd: 3x3 SAME convolution by Winograd F(2x2,3x3). See conv_winograd.h. */
#include "cnn/conv_winograd.h"

#include <string.h>

/* Tiles per block: the transformed block (16 x C x P floats for the input, 16 x K x P for
 * the output) stays in L2/L3 between its transform and its 16 GEMMs, and P is large enough
 * for OpenBLAS to run near its peak on the K x C x P products. A block is a whole number of
 * tile rows, which may span images. Measured with tests/cnn/bench_conv (2 threads, batch
 * 64, the study's shapes from 16->32@112 to 128->128@14): 192 was as fast as or faster than
 * 64, 112, 448 and 1024 on every shape (448: 10-25% slower at 64->64@56 and 128->128@14). */
#ifndef WINO_TILES
#define WINO_TILES 192
#endif

int conv_wino_usable(int H, int W) { return H >= 2 && W >= 2 && H % 2 == 0 && W % 2 == 0; }

/* U[xi][k][c] = (G g G^T)[xi] for g = w[k][c] (3x3); G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1] */
void conv_wino_weights(float *U, const float *w, int C, int K) {
    const size_t KC = (size_t)K * C;
    for (int k = 0; k < K; k++)
        for (int c = 0; c < C; c++) {
            const float *g = w + ((size_t)k * C + c) * 9;
            float t[4][3], u[4][4];
            for (int j = 0; j < 3; j++) { /* t = G g */
                t[0][j] = g[j];
                t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
                t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
                t[3][j] = g[6 + j];
            }
            for (int i = 0; i < 4; i++) { /* u = t G^T */
                u[i][0] = t[i][0];
                u[i][1] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
                u[i][2] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
                u[i][3] = t[i][2];
            }
            for (int xi = 0; xi < 16; xi++) U[xi * KC + (size_t)k * C + c] = u[xi / 4][xi % 4];
        }
}

/* (`#pragma GCC ivdep`: the loops read and write distinct rows of the scratch and of the
 * tile blocks, which the compiler cannot prove; without it they stay scalar.)
 * The transforms work on whole tile rows with even and odd columns split apart
 * (deinterleaved), so that every loop below is a contiguous, branch-free loop the compiler
 * vectorizes. A padded input row (x = -1 .. W) is held as E[m] = in[2m-1] and
 * O[m] = in[2m] (m = 0 .. TW; the out-of-image ends are 0); the 4x4 patch of tile tx
 * covers padded columns 2tx .. 2tx+3 = E[tx], O[tx], E[tx+1], O[tx+1]. Each transform does
 * the same additions in the same order as its scalar formula (written next to it). */

/* E, O (TW + 1 each) of input row y of plane, or zeros outside the image */
static void split_row(float *E, float *O, const float *plane, int H, int W, int y) {
    const int TW = W / 2;
    if (y < 0 || y >= H) {
        memset(E, 0, sizeof(float) * (TW + 1));
        memset(O, 0, sizeof(float) * (TW + 1));
        return;
    }
    const float *s = plane + (size_t)y * W;
    E[0] = 0.0f;
#pragma GCC ivdep
    for (int m = 0; m < TW; m++) {
        O[m] = s[2 * m];
        E[m + 1] = s[2 * m + 1];
    }
    O[TW] = 0.0f;
}

/* V[xi][c][p] = (B^T d B)[xi] for the 4x4 patch d around each tile of tile rows r0..r1
 * (global row r = n * TH + ty); B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]:
 * t = B^T d (rows: d0-d2, d1+d2, d2-d1, d1-d3), then V = t B (columns likewise).
 * rows: scratch of 16 (TW + 1) floats. */
static void input_transform(float *V, float *rows, const float *in, int C, int H, int W, int r0, int r1) {
    const int TH = H / 2, TW = W / 2, L = TW + 1;
    const size_t P = (size_t)(r1 - r0) * TW, CP = (size_t)C * P;
    float *E[4], *O[4], *tE[4], *tO[4];
    for (int i = 0; i < 4; i++) {
        E[i] = rows + (size_t)i * 2 * L;
        O[i] = E[i] + L;
        tE[i] = rows + (size_t)(8 + 2 * i) * L;
        tO[i] = tE[i] + L;
    }
    for (int c = 0; c < C; c++)
        for (int r = r0; r < r1; r++) {
            const int n = r / TH, ty = r % TH;
            const float *plane = in + ((size_t)n * C + c) * H * W;
            for (int i = 0; i < 4; i++) split_row(E[i], O[i], plane, H, W, 2 * ty - 1 + i);
#pragma GCC ivdep
            for (int m = 0; m < L; m++) { /* t = B^T d */
                tE[0][m] = E[0][m] - E[2][m];
                tO[0][m] = O[0][m] - O[2][m];
                tE[1][m] = E[1][m] + E[2][m];
                tO[1][m] = O[1][m] + O[2][m];
                tE[2][m] = E[2][m] - E[1][m];
                tO[2][m] = O[2][m] - O[1][m];
                tE[3][m] = E[1][m] - E[3][m];
                tO[3][m] = O[1][m] - O[3][m];
            }
            float *v = V + (size_t)c * P + (size_t)(r - r0) * TW;
            for (int i = 0; i < 4; i++) { /* V = t B: t0-t2, t1+t2, t2-t1, t1-t3 */
                const float *te = tE[i], *to = tO[i];
                float *v0 = v + (4 * i + 0) * CP, *v1 = v + (4 * i + 1) * CP, *v2 = v + (4 * i + 2) * CP,
                      *v3 = v + (4 * i + 3) * CP;
#pragma GCC ivdep
                for (int tx = 0; tx < TW; tx++) {
                    v0[tx] = te[tx] - te[tx + 1];
                    v1[tx] = to[tx] + te[tx + 1];
                    v2[tx] = te[tx + 1] - to[tx];
                    v3[tx] = to[tx] - to[tx + 1];
                }
            }
        }
}

/* out[n][k] tile (2x2) = A^T M A + b[k] (ReLU), A^T = [1 1 1 0; 0 1 -1 -1]: s = A^T M
 * (rows m0+m1+m2, m1-m2-m3), then y = s A (columns likewise) + b. rows: 4 TW floats. */
static void output_transform(float *out, const float *M, const float *b, float *rows, int K, int H, int W,
                             int r0, int r1, int relu) {
    const int TH = H / 2, TW = W / 2;
    const size_t P = (size_t)(r1 - r0) * TW, KP = (size_t)K * P;
    float *y00 = rows, *y01 = rows + TW, *y10 = rows + 2 * TW, *y11 = rows + 3 * TW;
    for (int k = 0; k < K; k++) {
        const float bk = b ? b[k] : 0.0f;
        for (int r = r0; r < r1; r++) {
            const int n = r / TH, ty = r % TH;
            float *o0 = out + (((size_t)n * K + k) * H + 2 * ty) * W, *o1 = o0 + W;
            const float *m = M + (size_t)k * P + (size_t)(r - r0) * TW;
#pragma GCC ivdep
            for (int tx = 0; tx < TW; tx++) {
                float s0[4], s1[4];
                for (int j = 0; j < 4; j++) {
                    const float m0 = m[(0 + j) * KP + tx], m1 = m[(4 + j) * KP + tx],
                                m2 = m[(8 + j) * KP + tx], m3 = m[(12 + j) * KP + tx];
                    s0[j] = m0 + m1 + m2;
                    s1[j] = m1 - m2 - m3;
                }
                float a = s0[0] + s0[1] + s0[2] + bk, bb = s0[1] - s0[2] - s0[3] + bk,
                      c = s1[0] + s1[1] + s1[2] + bk, d = s1[1] - s1[2] - s1[3] + bk;
                if (relu) {
                    a = a > 0.0f ? a : 0.0f;
                    bb = bb > 0.0f ? bb : 0.0f;
                    c = c > 0.0f ? c : 0.0f;
                    d = d > 0.0f ? d : 0.0f;
                }
                y00[tx] = a;
                y01[tx] = bb;
                y10[tx] = c;
                y11[tx] = d;
            }
#pragma GCC ivdep
            for (int tx = 0; tx < TW; tx++) { /* interleave into the two output rows */
                o0[2 * tx] = y00[tx];
                o0[2 * tx + 1] = y01[tx];
                o1[2 * tx] = y10[tx];
                o1[2 * tx + 1] = y11[tx];
            }
        }
    }
}

/* Gt[xi][k][p] = (A dY A^T)[xi] for the 2x2 output-gradient tile dY = (a b; c d);
 * A = [1 0; 1 1; 1 -1; 0 -1]: s = A dY (rows (a b), (a+c b+d), (a-c b-d), (-c -d)), then
 * s A^T per row (s0, s0+s1, s0-s1, -s1). rows: 4 TW floats. */
static void grad_transform(float *Gt, const float *dout, float *rows, int K, int H, int W, int r0, int r1) {
    const int TH = H / 2, TW = W / 2;
    const size_t P = (size_t)(r1 - r0) * TW, KP = (size_t)K * P;
    float *ga = rows, *gb = rows + TW, *gc = rows + 2 * TW, *gd = rows + 3 * TW;
    for (int k = 0; k < K; k++)
        for (int r = r0; r < r1; r++) {
            const int n = r / TH, ty = r % TH;
            const float *g0 = dout + (((size_t)n * K + k) * H + 2 * ty) * W, *g1 = g0 + W;
            float *gt = Gt + (size_t)k * P + (size_t)(r - r0) * TW;
#pragma GCC ivdep
            for (int tx = 0; tx < TW; tx++) { /* deinterleave the two rows */
                ga[tx] = g0[2 * tx];
                gb[tx] = g0[2 * tx + 1];
                gc[tx] = g1[2 * tx];
                gd[tx] = g1[2 * tx + 1];
            }
            for (int i = 0; i < 4; i++) {
                float *q0 = gt + (4 * i + 0) * KP, *q1 = gt + (4 * i + 1) * KP, *q2 = gt + (4 * i + 2) * KP,
                      *q3 = gt + (4 * i + 3) * KP;
#pragma GCC ivdep
                for (int tx = 0; tx < TW; tx++) {
                    const float a = ga[tx], bb = gb[tx], c = gc[tx], d = gd[tx];
                    const float s0 = i == 0 ? a : i == 1 ? a + c : i == 2 ? a - c : -c;
                    const float s1 = i == 0 ? bb : i == 1 ? bb + d : i == 2 ? bb - d : -d;
                    q0[tx] = s0;
                    q1[tx] = s0 + s1;
                    q2[tx] = s0 - s1;
                    q3[tx] = -s1;
                }
            }
        }
}

/* din[n][c] = sum of dd = B dV B^T over the 4x4 patches at (2ty-1, 2tx-1);
 * B = [1 0 0 0; 0 1 -1 1; -1 1 1 0; 0 0 0 -1]: z = B dV (rows v0, v1-v2+v3, v1+v2-v0, -v3),
 * then dd = z B^T per row (z0, z1-z2+z3, z1+z2-z0, -z3) added at padded columns
 * 2tx .. 2tx+3 (E[tx], O[tx], E[tx+1], O[tx+1]). Each element of din gets at most two
 * contributions per direction, and a sum of two terms does not depend on their order: a
 * row is stored the first time a tile row reaches it and added to the second time.
 * rows: scratch of 9 (TW + 1) floats. */
static void input_grad_transform(float *din, const float *dV, float *rows, int C, int H, int W, int r0,
                                 int r1) {
    const int TH = H / 2, TW = W / 2, L = TW + 1;
    const size_t P = (size_t)(r1 - r0) * TW, CP = (size_t)C * P;
    float *z[4] = {rows, rows + L, rows + 2 * L, rows + 3 * L};
    float *pp = rows + 4 * L, *qq = rows + 5 * L, *n3 = rows + 6 * L, *E = rows + 7 * L, *O = rows + 8 * L;
    for (int c = 0; c < C; c++)
        for (int r = r0; r < r1; r++) {
            const int n = r / TH, ty = r % TH;
            float *plane = din + ((size_t)n * C + c) * H * W;
            const float *v = dV + (size_t)c * P + (size_t)(r - r0) * TW;
            for (int i = 0; i < 4; i++) { /* patch row i: input row y */
                const int y = 2 * ty - 1 + i;
                if (y < 0 || y >= H) continue;
                for (int b = 0; b < 4; b++) { /* z[i][b] over the tiles */
                    const float *d0 = v + (size_t)b * CP, *d1 = v + (size_t)(4 + b) * CP,
                                *d2 = v + (size_t)(8 + b) * CP, *d3 = v + (size_t)(12 + b) * CP;
                    float *zb = z[b];
                    switch (i) {
                        case 0:
#pragma GCC ivdep
                            for (int tx = 0; tx < TW; tx++) zb[tx] = d0[tx];
                            break;
                        case 1:
#pragma GCC ivdep
                            for (int tx = 0; tx < TW; tx++) zb[tx] = d1[tx] - d2[tx] + d3[tx];
                            break;
                        case 2:
#pragma GCC ivdep
                            for (int tx = 0; tx < TW; tx++) zb[tx] = d1[tx] + d2[tx] - d0[tx];
                            break;
                        default:
#pragma GCC ivdep
                            for (int tx = 0; tx < TW; tx++) zb[tx] = -d3[tx];
                    }
                }
#pragma GCC ivdep
                for (int tx = 0; tx < TW; tx++) {
                    pp[tx] = z[1][tx] - z[2][tx] + z[3][tx];
                    qq[tx] = z[1][tx] + z[2][tx] - z[0][tx];
                    n3[tx] = -z[3][tx];
                }
                E[0] = z[0][0]; /* padded columns 2m (x = 2m-1), 2m+1 (x = 2m) */
                O[0] = pp[0];
#pragma GCC ivdep
                for (int m = 1; m < TW; m++) {
                    E[m] = z[0][m] + qq[m - 1];
                    O[m] = pp[m] + n3[m - 1];
                }
                E[TW] = qq[TW - 1];
                float *d = plane + (size_t)y * W;
                const int first = i >= 2 || (i == 1 && ty == 0); /* first touch of row y */
                if (first)
#pragma GCC ivdep
                    for (int m = 0; m < TW; m++) {
                        d[2 * m] = O[m];
                        d[2 * m + 1] = E[m + 1];
                    }
                else
#pragma GCC ivdep
                    for (int m = 0; m < TW; m++) {
                        d[2 * m] += O[m];
                        d[2 * m + 1] += E[m + 1];
                    }
            }
        }
}

/* dw[k][c] += G^T dU G, G^T = [1 .5 .5 0; 0 .5 -.5 0; 0 .5 .5 1] */
static void fold_dw(float *dw, const float *dU, int C, int K) {
    const size_t KC = (size_t)K * C;
    for (int k = 0; k < K; k++)
        for (int c = 0; c < C; c++) {
            float u[4][4], t[3][4];
            for (int xi = 0; xi < 16; xi++) u[xi / 4][xi % 4] = dU[xi * KC + (size_t)k * C + c];
            for (int j = 0; j < 4; j++) {
                t[0][j] = u[0][j] + 0.5f * (u[1][j] + u[2][j]);
                t[1][j] = 0.5f * (u[1][j] - u[2][j]);
                t[2][j] = 0.5f * (u[1][j] + u[2][j]) + u[3][j];
            }
            float *g = dw + ((size_t)k * C + c) * 9;
            for (int i = 0; i < 3; i++) {
                g[3 * i + 0] += t[i][0] + 0.5f * (t[i][1] + t[i][2]);
                g[3 * i + 1] += 0.5f * (t[i][1] - t[i][2]);
                g[3 * i + 2] += 0.5f * (t[i][1] + t[i][2]) + t[i][3];
            }
        }
}

/* F(2x2,3x3) for conv_wino_driver.h */
const wino_variant conv_wino_f2 = {.m = 2,
                                   .alpha2 = 16,
                                   .tiles = WINO_TILES,
                                   .tiles_narrow = WINO_TILES,
                                   .row_bufs = 16,
                                   .row_pad = 0,
                                   .weights = conv_wino_weights,
                                   .input = input_transform,
                                   .output = output_transform,
                                   .grad = grad_transform,
                                   .input_grad = input_grad_transform,
                                   .fold = fold_dw};
