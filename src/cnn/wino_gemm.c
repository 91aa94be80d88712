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

/* rows r0..r0+7 of M, columns p..p+31 (lanes m0, m1 of its two vectors) */
__attribute__((target("avx512f"))) static inline __attribute__((always_inline)) void
panel(float *M, const float *a, const float *b, int I, int P, __mmask16 m0, __mmask16 m1) {
    __m512 c0[8], c1[8];
#pragma GCC unroll 8
    for (int j = 0; j < 8; j++) c0[j] = c1[j] = _mm512_setzero_ps();
    for (int i = 0; i < I; i++, a += 8, b += P) {
        const __m512 b0 = _mm512_maskz_loadu_ps(m0, b), b1 = _mm512_maskz_loadu_ps(m1, b + 16);
#pragma GCC unroll 8
        for (int j = 0; j < 8; j++) {
            const __m512 aj = _mm512_set1_ps(a[j]);
            c0[j] = _mm512_fmadd_ps(aj, b0, c0[j]);
            c1[j] = _mm512_fmadd_ps(aj, b1, c1[j]);
        }
    }
#pragma GCC unroll 8
    for (int j = 0; j < 8; j++) {
        _mm512_mask_storeu_ps(M + (size_t)j * P, m0, c0[j]);
        _mm512_mask_storeu_ps(M + (size_t)j * P + 16, m1, c1[j]);
    }
}

__attribute__((target("avx512f"))) void wino_gemm(float *M, const float *Ap, const float *B, int R, int I,
                                                  int P) {
    for (int p = 0; p < P; p += 32)
        for (int r0 = 0; r0 < R; r0 += 8)
            if (P - p >= 32) /* the masks constant: plain loads and stores */
                panel(M + (size_t)r0 * P + p, Ap + (size_t)r0 * I, B + p, I, P, 0xffff, 0xffff);
            else
                panel(M + (size_t)r0 * P + p, Ap + (size_t)r0 * I, B + p, I, P, lanes(P - p),
                      lanes(P - p - 16));
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
#endif
