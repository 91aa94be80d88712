/* wino_gemm: the Winograd blocks' GEMMs on a packed weight operand. See wino_gemm.h. */
#include "cnn/wino_gemm.h"

#include "cnn/conv_direct.h"

#include <stddef.h>

void wino_gemm_pack(float *Ap, const float *src, int R, int I, int trans) {
    for (int r0 = 0; r0 < R; r0 += 8)
        for (int i = 0; i < I; i++)
            for (int j = 0; j < 8; j++)
                *Ap++ = trans ? src[(size_t)i * R + r0 + j] : src[(size_t)(r0 + j) * I + i];
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(CONV_DIRECT_NO_AVX512)
#include <immintrin.h>

int wino_gemm_packs(int R) { return R > 0 && R % 8 == 0 && conv_direct_isa(0) == 3; }

static inline __mmask16 lanes(int n) {
    return n >= 16 ? (__mmask16)0xffff : n <= 0 ? 0 : (__mmask16)((1u << n) - 1u);
}

/* rows j < ROWS of M (row stride ldm), columns 0..16 NV - 1 (lanes m0, m1 of its NV
 * vectors): M = A B, or M += A B where acc (the I products summed first, then added to M:
 * a dU element gains a few hundred blocks' sums, and one chain of all their products lost
 * 8x the precision on 16 channels), over I steps; A's element (j, i) at
 * a[j * a_row + i * a_step] (packed: 1, 8; plain rows: lda, 1), B's row i at b + i * ldb.
 * ROWS x NV is 8 x 2 or 16 x 1: 16 accumulators. Every caller passes constants for ROWS,
 * NV, acc and the steps, so each call site compiles to its own unrolled kernel. */
__attribute__((target("avx512f"))) static inline __attribute__((always_inline)) void
panel(float *M, size_t ldm, const float *a, size_t a_row, size_t a_step, const float *b, size_t ldb, int I,
      int ROWS, int NV, __mmask16 m0, __mmask16 m1, int acc) {
    __m512 c[16];
#pragma GCC unroll 16
    for (int j = 0; j < ROWS; j++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) c[j * NV + v] = _mm512_setzero_ps();
    for (int i = 0; i < I; i++, a += a_step, b += ldb) {
        const __m512 b0 = _mm512_maskz_loadu_ps(m0, b);
        const __m512 b1 = NV > 1 ? _mm512_maskz_loadu_ps(m1, b + 16) : b0;
#pragma GCC unroll 16
        for (int j = 0; j < ROWS; j++) {
            const __m512 aj = _mm512_set1_ps(a[j * a_row]);
            c[j * NV] = _mm512_fmadd_ps(aj, b0, c[j * NV]);
            if (NV > 1) c[j * NV + 1] = _mm512_fmadd_ps(aj, b1, c[j * NV + 1]);
        }
    }
#pragma GCC unroll 16
    for (int j = 0; j < ROWS; j++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) {
            float *m = M + j * ldm + 16 * v;
            const __mmask16 mv = v ? m1 : m0;
            _mm512_mask_storeu_ps(
                m, mv, acc ? _mm512_add_ps(_mm512_maskz_loadu_ps(mv, m), c[j * NV + v]) : c[j * NV + v]);
        }
}

__attribute__((target("avx512f"))) void wino_gemm(float *M, const float *Ap, const float *B, int R, int I,
                                                  int P) {
    for (int p = 0; p < P; p += 32)
        for (int r0 = 0; r0 < R; r0 += 8)
            if (P - p >= 32) /* the masks constant: plain loads and stores */
                panel(M + (size_t)r0 * P + p, P, Ap + (size_t)r0 * I, 1, 8, B + p, P, I, 8, 2, 0xffff, 0xffff,
                      0);
            else
                panel(M + (size_t)r0 * P + p, P, Ap + (size_t)r0 * I, 1, 8, B + p, P, I, 8, 2, lanes(P - p),
                      lanes(P - p - 16), 0);
}

/* d (nc rows, stride ld) = the transpose of s's nr rows (stride ls) x nc columns, nr and
 * nc <= 16: three rounds of shuffles on 16 registers (pairs of floats, of doubles, then
 * 128-bit lanes twice) */
__attribute__((target("avx512f"))) static inline void transpose16(float *d, size_t ld, const float *s,
                                                                  size_t ls, int nr, int nc) {
    __m512 r[16], t[16];
    for (int i = 0; i < 16; i++)
        r[i] = i < nr ? _mm512_maskz_loadu_ps(lanes(nc), s + i * ls) : _mm512_setzero_ps();
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]),
                      c = _mm512_castps_pd(t[4 * i + 2]), e = _mm512_castps_pd(t[4 * i + 3]);
        r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, e));
        r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, e));
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[4 + i], 0x88);
        t[4 + i] = _mm512_shuffle_f32x4(r[i], r[4 + i], 0xdd);
        t[8 + i] = _mm512_shuffle_f32x4(r[8 + i], r[12 + i], 0x88);
        t[12 + i] = _mm512_shuffle_f32x4(r[8 + i], r[12 + i], 0xdd);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0x88);
        r[8 + i] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0xdd);
        r[4 + i] = _mm512_shuffle_f32x4(t[4 + i], t[12 + i], 0x88);
        r[12 + i] = _mm512_shuffle_f32x4(t[4 + i], t[12 + i], 0xdd);
    }
    for (int j = 0; j < nc; j++) _mm512_mask_storeu_ps(d + j * ld, lanes(nr), r[j]);
}

__attribute__((target("avx512f"))) void wino_gemm_grad(float *dU, const float *G, const float *V, float *T,
                                                       int K, int C, int P) {
    for (int c = 0; c < C; c += 32) {
        const int nc = C - c < 32 ? C - c : 32; /* T (P, 32): V's rows c..c+nc transposed */
        for (int cc = 0; cc < nc; cc += 16)
            for (int p = 0; p < P; p += 16)
                transpose16(T + (size_t)p * 32 + cc, 32, V + (size_t)(c + cc) * P + p, P,
                            nc - cc < 16 ? nc - cc : 16, P - p < 16 ? P - p : 16);
        float *d = dU + c;
        if (nc == 16 && K % 16 == 0) /* 16 channels: 16 rows of one vector */
            for (int k = 0; k < K; k += 16)
                panel(d + (size_t)k * C, C, G + (size_t)k * P, P, 1, T, 32, P, 16, 1, 0xffff, 0, 1);
        else if (nc == 32)
            for (int k = 0; k < K; k += 8)
                panel(d + (size_t)k * C, C, G + (size_t)k * P, P, 1, T, 32, P, 8, 2, 0xffff, 0xffff, 1);
        else
            for (int k = 0; k < K; k += 8)
                panel(d + (size_t)k * C, C, G + (size_t)k * P, P, 1, T, 32, P, 8, 2, lanes(nc),
                      lanes(nc - 16), 1);
    }
}
#else
int wino_gemm_packs(int R) {
    (void)R;
    return 0;
}

/* the plain loops, for builds without the AVX-512 kernel (where wino_gemm_packs says 0,
 * so the drivers never call it) */
void wino_gemm(float *M, const float *Ap, const float *B, int R, int I, int P) {
    for (int r = 0; r < R; r++)
        for (int p = 0; p < P; p++) {
            float s = 0.0f;
            for (int i = 0; i < I; i++) s += Ap[((size_t)(r / 8) * I + i) * 8 + r % 8] * B[(size_t)i * P + p];
            M[(size_t)r * P + p] = s;
        }
}

void wino_gemm_grad(float *dU, const float *G, const float *V, float *T, int K, int C, int P) {
    (void)T;
    for (int k = 0; k < K; k++)
        for (int c = 0; c < C; c++) {
            float s = 0.0f; /* the block's sum first, then added (as the kernel above) */
            for (int p = 0; p < P; p++) s += G[(size_t)k * P + p] * V[(size_t)c * P + p];
            dU[(size_t)k * C + c] += s;
        }
}
#endif
