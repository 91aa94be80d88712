/* conv_direct: the 3x3 SAME convolution (stride 1, fp32, NCHW) computed directly with
 * AVX2/FMA register blocking, one image at a time, for layers with few channels where
 * im2col + sgemm is memory bound (the study's first block: 224x224, 3->16 and 16->16).
 * No 9x im2col matrix: a strip of rows of the input is copied once into a zero-padded
 * buffer, and each output vector (8 pixels x 4 output channels x up to 3 vectors) is
 * accumulated in registers over all C x 9 taps, with bias + ReLU applied on the store.
 * The input gradient is the same kernel on the output gradient with the weights transposed
 * and flipped; the weight gradient accumulates 4 output channels x 3 horizontal taps in
 * registers over a strip, then adds their horizontal sums.
 * Results differ from the naive double-precision reference by fp32 rounding only (summation
 * order); they are a fixed function of the inputs (no threads, no timing dependence).
 *
 * API
 *   conv_direct_isa(max)             the forward kernel's instruction set, from the CPU at run
 *                                    time (x86-64 GCC/Clang builds, any -march): 2 AVX2+FMA,
 *                                    3 AVX-512F (16-pixel vectors, 32 registers; the weight
 *                                    gradient stays AVX2), 0 neither (or not x86-64). max > 0
 *                                    caps it (tests run both); 0 keeps it. Returns the one in use
 *   conv_direct_usable(K)            1 if the kernels handle K output channels (K % 4 == 0)
 *                                    on this CPU (AVX2+FMA at least); else 0
 *   conv_direct_scratch(C, H, W, K)  floats of scratch one image needs (padded strip of
 *                                    max(C, K) channels + packed weights)
 *   conv_direct_pack(wp, w, C, K, flip)   weights (K,C,3,3) into the kernels' layout
 *                                    (K/4, C, 9, 4); flip != 0: packs the transposed,
 *                                    flipped weights (C,K,3,3) of the input gradient
 *                                    (then C % 4 == 0 is needed); wp holds K*C*9 floats
 *   conv_direct_image(out, in, wp, b, buf, C, H, W, K, relu)   one image: out (K,H,W) from
 *                                    in (C,H,W); b may be NULL (no bias); buf = scratch
 *   conv_direct_dw_image(dw, dout, in, buf, C, H, W, K)   one image: dw (K,C,3,3) +=
 *                                    dout (K,H,W) x shifted in (C,H,W)
 */
#ifndef PB_CONV_DIRECT_H
#define PB_CONV_DIRECT_H
#include <stddef.h>

int conv_direct_isa(int max_isa);
int conv_direct_usable(int K);
size_t conv_direct_scratch(int C, int H, int W, int K);
void conv_direct_pack(float *wp, const float *w, int C, int K, int flip);
void conv_direct_image(float *out, const float *in, const float *wp, const float *b, float *buf, int C, int H,
                       int W, int K, int relu);
void conv_direct_dw_image(float *dw, const float *dout, const float *in, float *buf, int C, int H, int W,
                          int K);

#endif
