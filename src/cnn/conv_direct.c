/* conv_direct: direct AVX2/FMA 3x3 SAME convolution for few channels. See conv_direct.h. */
#include "cnn/conv_direct.h"

#include <string.h>

/* x86-64 with GCC or Clang: the kernels are compiled for AVX2+FMA and AVX-512F through
 * function target attributes, whatever the build's -march (the Debug/sanitizer builds have
 * none), and chosen at run time from the CPU's features */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CONV_DIRECT_SIMD 1
#define T256             __attribute__((target("avx2,fma")))
#else
#define CONV_DIRECT_SIMD 0
#define T256
#endif

/* A strip's padded buffer holds about this many floats (~200 KB: L2-resident while the
 * output rows of the strip are computed). */
#define CONV_DIRECT_STRIP_FLOATS 49152

/* forward register block: FWD_KB output channels x FWD_XV vectors of 8 pixels (4 x 2
 * measured fastest on Zen 4 among 4x1, 4x2, 4x3, 2x2, 2x3, 2x4, 2x6: 16 accumulators or
 * more make gcc spill); weight gradient: DW_KB output channels x 3 taps (AVX2 on every CPU:
 * an AVX-512 version with 2, 4, 8 or 16 channels was slower, 50 vs 70 GFLOP/s, its
 * unaligned 64-byte loads at x+1, x+2 each split a cache line; on Sapphire Rapids too: 8
 * channels x 3 taps, 3->16@224 at batch 288 and 2 threads, 236-278 ms vs 216-225 ms; with the
 * taps at x + 1, x + 2 shifted in by valignd from whole-line loads, 4 or 8 channels, no
 * faster either: conv1 of the step 667-706 ms against 667-700, 4 rounds; the same shift in
 * the forward block was 20 ms slower); AVX-512 forward:
 * FWD_KB512 output channels x FWD_XV512 vectors of 16 (Zen 4: 4 x 4 best of 4 x 2, 3, 4;
 * Sapphire Rapids, 1 thread, 16->16@224 and 16->32@112: 8 x 3 78-86 and 92-116 GFLOP/s
 * against 4 x 4's 69-74 and 92-97, 8 x 2's 72-73 and 85-110, 4 x 6's 61-70 and 82-84;
 * 8 channels also halve the passes over the padded strip) */
#ifndef FWD_KB
#define FWD_KB 4
#endif
#ifndef DW_KB
#define DW_KB 4
#endif
#ifndef FWD_XV512
#define FWD_XV512 3
#endif
#ifndef FWD_XV
#define FWD_XV 2
#endif

/* padded row: 1 zero left, W values, zeros up to a whole number of vectors + slack so
 * that every vector load of the kernels stays inside the row */
static int pad_w(int W) { return ((W + 15) / 16) * 16 + 16; }

static int strip_rows(int C, int H, int W) {
    int r = CONV_DIRECT_STRIP_FLOATS / (C * pad_w(W));
    return r < 1 ? 1 : (r > H ? H : r);
}

/* the instruction set of the kernels: -1 not yet chosen, 0 none, 2 AVX2+FMA, 3 AVX-512F */
#if CONV_DIRECT_SIMD
static int g_isa = -1;
#endif

int conv_direct_isa(int max_isa) {
#if CONV_DIRECT_SIMD
    if (max_isa <= 0 && g_isa >= 0) return g_isa;
    int best = 0;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = 2;
#ifndef CONV_DIRECT_NO_AVX512
    if (best == 2 && __builtin_cpu_supports("avx512f")) best = 3;
#endif
    if (max_isa > 0 && best > 0)
        g_isa = max_isa < best ? (max_isa < 2 ? 2 : max_isa) : best;
    else if (g_isa < 0 || max_isa <= 0)
        g_isa = best;
    return g_isa;
#else
    (void)max_isa;
    return 0;
#endif
}

int conv_direct_usable(int K) { return K > 0 && K % 4 == 0 && conv_direct_isa(0) >= 2; }

size_t conv_direct_scratch(int C, int H, int W, int K) {
    size_t a = (size_t)C * (strip_rows(C, H, W) + 2) * pad_w(W);
    size_t b = (size_t)K * (strip_rows(K, H, W) + 2) * pad_w(W);
    return a > b ? a : b;
}

void conv_direct_pack(float *wp, const float *w, int C, int K, int flip) {
    if (!flip) {
        for (int k = 0; k < K; k++)
            for (int c = 0; c < C; c++)
                for (int q = 0; q < 9; q++)
                    wp[(((size_t)(k / 4) * C + c) * 9 + q) * 4 + k % 4] = w[((size_t)k * C + c) * 9 + q];
    } else { /* output channels c (C), input channels k (K): wt[c][k][q] = w[k][c][8-q] */
        for (int k = 0; k < K; k++)
            for (int c = 0; c < C; c++)
                for (int q = 0; q < 9; q++)
                    wp[(((size_t)(c / 4) * K + k) * 9 + q) * 4 + c % 4] =
                        w[((size_t)k * C + c) * 9 + (8 - q)];
    }
}

#if CONV_DIRECT_SIMD
/* buf (C, rows = y1-y0+2, Wp): buf[c][r][xx] = in[c][y0-1+r][xx-1], 0 outside the image */
static void pad_strip(float *buf, const float *in, int C, int H, int W, int y0, int y1) {
    const int Wp = pad_w(W), rows = y1 - y0 + 2;
    for (int c = 0; c < C; c++)
        for (int r = 0; r < rows; r++) {
            float *d = buf + ((size_t)c * rows + r) * Wp;
            const int y = y0 - 1 + r;
            if (y < 0 || y >= H) {
                memset(d, 0, sizeof(float) * Wp);
                continue;
            }
            d[0] = 0.0f;
            memcpy(d + 1, in + ((size_t)c * H + y) * W, sizeof(float) * W);
            memset(d + 1 + W, 0, sizeof(float) * (Wp - 1 - W));
        }
}
#endif

#if CONV_DIRECT_SIMD
static inline T256 __m256i tail_mask(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* KB (<= 4) output channels x XV (<= 6) vectors of 8 pixels of one output row. o: out at
 * (k0, y, x0); src: padded buffer at (channel 0, top tap row, x0); wk: packed weights of
 * the 4 channels of k0's block (C, 9, 4), of which lanes j0.. are used; the last vector
 * stores `tail` lanes (8: all). */
static inline __attribute__((always_inline)) T256 void fwd_block(float *o, size_t HW, const float *src,
                                                                 size_t cstride, int Wp, const float *wk,
                                                                 int C, const float *b4, int relu,
                                                                 const int KB, const int XV, int tail) {
    __m256 acc[4][6];
    for (int j = 0; j < KB; j++)
        for (int v = 0; v < XV; v++) acc[j][v] = b4 ? _mm256_set1_ps(b4[j]) : _mm256_setzero_ps();
    for (int c = 0; c < C; c++) {
        const float *s = src + (size_t)c * cstride, *wc = wk + (size_t)c * 36;
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
                __m256 wv[4];
                for (int j = 0; j < KB; j++) wv[j] = _mm256_broadcast_ss(wc + (ky * 3 + kx) * 4 + j);
                for (int v = 0; v < XV; v++) {
                    __m256 x = _mm256_loadu_ps(s + ky * Wp + kx + 8 * v);
                    for (int j = 0; j < KB; j++) acc[j][v] = _mm256_fmadd_ps(wv[j], x, acc[j][v]);
                }
            }
    }
    const __m256 zero = _mm256_setzero_ps();
    const __m256i m = tail_mask(tail);
    for (int j = 0; j < KB; j++)
        for (int v = 0; v < XV; v++) {
            __m256 a = relu ? _mm256_max_ps(acc[j][v], zero) : acc[j][v];
            float *p = o + (size_t)j * HW + 8 * v;
            if (v == XV - 1 && tail < 8)
                _mm256_maskstore_ps(p, m, a);
            else
                _mm256_storeu_ps(p, a);
        }
}

static inline T256 float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
#endif

#if CONV_DIRECT_SIMD && !defined(CONV_DIRECT_NO_AVX512)
#define CONV_DIRECT_HAVE512 1
#define T512                __attribute__((target("avx512f")))
/* AVX-512 forward block: KB (4 or 8: one or two packed 4-channel blocks, the second at
 * wk + C * 36) output channels x XV vectors of 16 pixels (32 registers: room for 24
 * accumulators); the broadcast weights fold into the FMAs' memory operands */
static inline __attribute__((always_inline)) T512 void
fwd_block512(float *o, size_t HW, const float *src, size_t cstride, int Wp, const float *wk, int C,
             const float *b4, int relu, const int KB, const int XV, __mmask16 last) {
    __m512 acc[8][6];
    for (int j = 0; j < KB; j++)
        for (int v = 0; v < XV; v++) acc[j][v] = b4 ? _mm512_set1_ps(b4[j]) : _mm512_setzero_ps();
    for (int c = 0; c < C; c++) {
        const float *s = src + (size_t)c * cstride, *wc = wk + (size_t)c * 36, *wc2 = wc + (size_t)C * 36;
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
                __m512 x[6];
                for (int v = 0; v < XV; v++) x[v] = _mm512_loadu_ps(s + ky * Wp + kx + 16 * v);
                for (int j = 0; j < KB; j++) {
                    const __m512 wv =
                        _mm512_set1_ps(j < 4 ? wc[(ky * 3 + kx) * 4 + j] : wc2[(ky * 3 + kx) * 4 + j - 4]);
                    for (int v = 0; v < XV; v++) acc[j][v] = _mm512_fmadd_ps(wv, x[v], acc[j][v]);
                }
            }
    }
    const __m512 zero = _mm512_setzero_ps();
    for (int j = 0; j < KB; j++)
        for (int v = 0; v < XV; v++) {
            __m512 a = relu ? _mm512_max_ps(acc[j][v], zero) : acc[j][v];
            float *p = o + (size_t)j * HW + 16 * v;
            if (v == XV - 1)
                _mm512_mask_storeu_ps(p, last, a);
            else
                _mm512_storeu_ps(p, a);
        }
}

#ifndef FWD_KB512
#define FWD_KB512 8
#endif
/* one row segment: KB channels from wk (bias b4 or NULL) at output o, all NV vectors */
static inline __attribute__((always_inline)) T512 void row512(float *o, size_t HW, const float *src,
                                                              size_t cstride, int Wp, const float *wk, int C,
                                                              const float *b4, int relu, const int KB, int NV,
                                                              __mmask16 last) {
    const __mmask16 full = (__mmask16)0xffff;
    int v = 0;
#define FWD512(xv, m) fwd_block512(o + 16 * v, HW, src + 16 * v, cstride, Wp, wk, C, b4, relu, KB, xv, m)
    for (; v + FWD_XV512 <= NV; v += FWD_XV512) FWD512(FWD_XV512, v + FWD_XV512 == NV ? last : full);
    switch (NV - v) { /* the remaining vectors: fewer than FWD_XV512 */
        case 1:
            FWD512(1, last);
            break;
        case 2:
            FWD512(2, last);
            break;
        case 3:
            FWD512(3, last);
            break;
        case 4:
            FWD512(4, last);
            break;
        case 5:
            FWD512(5, last);
            break;
#undef FWD512
        default:
            break;
    }
}

static T512 void image512(float *out, const float *in, const float *wp, const float *b, float *buf, int C,
                          int H, int W, int K, int relu) {
    const int Wp = pad_w(W), NV = (W + 15) / 16, tail = W - (NV - 1) * 16, R = strip_rows(C, H, W);
    const __mmask16 last = (__mmask16)((1u << tail) - 1);
    const size_t HW = (size_t)H * W;
    for (int y0 = 0; y0 < H; y0 += R) {
        const int y1 = y0 + R < H ? y0 + R : H;
        const size_t cstride = (size_t)(y1 - y0 + 2) * Wp;
        pad_strip(buf, in, C, H, W, y0, y1);
        for (int y = y0; y < y1; y++) {
            const float *src = buf + (size_t)(y - y0) * Wp;
            int kb = 0;
            if (FWD_KB512 == 8)
                for (; kb + 2 <= K / 4; kb += 2)
                    row512(out + (size_t)kb * 4 * HW + (size_t)y * W, HW, src, cstride, Wp,
                           wp + (size_t)kb * C * 36, C, b ? b + kb * 4 : NULL, relu, 8, NV, last);
            for (; kb < K / 4; kb++)
                row512(out + (size_t)kb * 4 * HW + (size_t)y * W, HW, src, cstride, Wp,
                       wp + (size_t)kb * C * 36, C, b ? b + kb * 4 : NULL, relu, 4, NV, last);
        }
    }
}

#else
#define CONV_DIRECT_HAVE512 0
#endif

T256 void conv_direct_image(float *out, const float *in, const float *wp, const float *b, float *buf, int C,
                            int H, int W, int K, int relu) {
#if CONV_DIRECT_SIMD
#if CONV_DIRECT_HAVE512
    if (conv_direct_isa(0) == 3) {
        image512(out, in, wp, b, buf, C, H, W, K, relu);
        return;
    }
#endif
    const int Wp = pad_w(W), NV = (W + 7) / 8, tail = W - (NV - 1) * 8, R = strip_rows(C, H, W);
    const size_t HW = (size_t)H * W;
    for (int y0 = 0; y0 < H; y0 += R) {
        const int y1 = y0 + R < H ? y0 + R : H;
        const size_t cstride = (size_t)(y1 - y0 + 2) * Wp;
        pad_strip(buf, in, C, H, W, y0, y1);
        for (int y = y0; y < y1; y++)
            for (int kb = 0; kb < K / 4; kb++) {
                const float *wk = wp + (size_t)kb * C * 36, *b4 = b ? b + kb * 4 : NULL;
                const float *src = buf + (size_t)(y - y0) * Wp;
                float *o = out + (size_t)kb * 4 * HW + (size_t)y * W;
                for (int h = 0; h < 4; h += FWD_KB) {
                    const float *wh = wk + h, *bh = b4 ? b4 + h : NULL;
                    float *oh = o + (size_t)h * HW;
                    int v = 0;
#define FWD256(xv, t) fwd_block(oh + 8 * v, HW, src + 8 * v, cstride, Wp, wh, C, bh, relu, FWD_KB, xv, t)
                    for (; v + FWD_XV <= NV; v += FWD_XV) FWD256(FWD_XV, v + FWD_XV == NV ? tail : 8);
                    switch (NV - v) { /* the remaining vectors: fewer than FWD_XV */
                        case 1:
                            FWD256(1, tail);
                            break;
                        case 2:
                            FWD256(2, tail);
                            break;
                        case 3:
                            FWD256(3, tail);
                            break;
                        case 4:
                            FWD256(4, tail);
                            break;
                        case 5:
                            FWD256(5, tail);
                            break;
#undef FWD256
                        default:
                            break;
                    }
                }
            }
    }
#else
    (void)out, (void)in, (void)wp, (void)b, (void)buf, (void)C, (void)H, (void)W, (void)K, (void)relu;
#endif
}

T256 void conv_direct_dw_image(float *dw, const float *dout, const float *in, float *buf, int C, int H, int W,
                               int K) {
#if CONV_DIRECT_SIMD
    const int Wp = pad_w(W), NV = (W + 7) / 8, tail = W - (NV - 1) * 8, R = strip_rows(C, H, W);
    const size_t HW = (size_t)H * W;
    const __m256i m = tail_mask(tail);
    for (int y0 = 0; y0 < H; y0 += R) {
        const int y1 = y0 + R < H ? y0 + R : H, rows = y1 - y0 + 2;
        pad_strip(buf, in, C, H, W, y0, y1);
        for (int kb = 0; kb < K / DW_KB; kb++)
            for (int c = 0; c < C; c++)
                for (int ky = 0; ky < 3; ky++) {
                    /* acc[j][kx]: DW_KB output channels x 3 horizontal taps, 8 pixel lanes */
                    __m256 acc[DW_KB][3];
                    for (int j = 0; j < DW_KB; j++)
                        for (int kx = 0; kx < 3; kx++) acc[j][kx] = _mm256_setzero_ps();
                    for (int y = y0; y < y1; y++) {
                        const float *s = buf + ((size_t)c * rows + (y - y0) + ky) * Wp;
                        const float *g = dout + (size_t)kb * DW_KB * HW + (size_t)y * W;
                        for (int v = 0; v < NV; v++) {
                            __m256 x0 = _mm256_loadu_ps(s + 8 * v), x1 = _mm256_loadu_ps(s + 8 * v + 1),
                                   x2 = _mm256_loadu_ps(s + 8 * v + 2);
                            const int full = v < NV - 1 || tail == 8;
                            for (int j = 0; j < DW_KB; j++) {
                                const float *gp = g + (size_t)j * HW + 8 * v;
                                __m256 gv = full ? _mm256_loadu_ps(gp) : _mm256_maskload_ps(gp, m);
                                acc[j][0] = _mm256_fmadd_ps(gv, x0, acc[j][0]);
                                acc[j][1] = _mm256_fmadd_ps(gv, x1, acc[j][1]);
                                acc[j][2] = _mm256_fmadd_ps(gv, x2, acc[j][2]);
                            }
                        }
                    }
                    for (int j = 0; j < DW_KB; j++)
                        for (int kx = 0; kx < 3; kx++)
                            dw[((size_t)(kb * DW_KB + j) * C + c) * 9 + ky * 3 + kx] += hsum(acc[j][kx]);
                }
    }
#else
    (void)dw, (void)dout, (void)in, (void)buf, (void)C, (void)H, (void)W, (void)K;
#endif
}
