/* conv_winograd: the 3x3 SAME convolution (stride 1, fp32, NCHW) by Winograd's minimal
 * filtering F(2x2,3x3) (Lavin & Gray 2016), forward and both gradients, for the layers with
 * many channels where the direct and im2col kernels are bound by multiplications.
 *
 * Each 2x2 output tile is computed from the 4x4 input patch around it as
 *   Y = A^T [ (G g G^T) (.) (B^T d B) ] A
 * with 16 multiplications per tile instead of 36: 2.25x fewer. Summed over the C input
 * channels, the 16 element-wise products become 16 GEMMs (one per position xi of the 4x4
 * transformed tile) that OpenBLAS computes: M[xi] (K x P) = U[xi] (K x C) . V[xi] (C x P)
 * for a block of P tiles. The gradients are the adjoints of the same linear maps, so they
 * reuse the same transforms (no flipped-weight convolution):
 *   Gt = A dY A^T                      (the output gradient in the transformed domain)
 *   dU[xi] += Gt[xi] . V[xi]^T          dw = G^T dU G   (summed over every tile)
 *   dV[xi]  = U[xi]^T . Gt[xi]          din += B dV B^T (4x4 patches overlap-added)
 * The transforms' coefficients are 0, +-1 and 1/2, so they are exact or round once; results
 * differ from the naive double-precision reference by fp32 rounding (tests: 1e-5 of the
 * largest value, like the other fast kernels). H and W must be even (every shape of the
 * study's network); the caller falls back to the other kernels otherwise.
 *
 * The functions work on a range of images in one thread with single-threaded OpenBLAS;
 * layers.c splits a batch among threads, one range each, as for the other kernels.
 *
 * API
 *   conv_wino_usable(H, W)               1 if F(2x2,3x3) applies (H, W even, >= 2)
 *   conv_wino_weights(U, w, C, K)        U (16, K, C) = G w G^T for every (k, c); w (K,C,3,3);
 *                                        U is the first 16*K*C floats of the scratch
 *   conv_wino_f2                         this variant's table for conv_wino_driver.h, whose
 *                                        scratch, forward and backward functions run it
 */
#ifndef PB_CONV_WINOGRAD_H
#define PB_CONV_WINOGRAD_H
#include "cnn/conv_wino_driver.h"

int conv_wino_usable(int H, int W);
void conv_wino_weights(float *U, const float *w, int C, int K);
extern const wino_variant conv_wino_f2;

#endif
