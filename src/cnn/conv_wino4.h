/* conv_wino4: the 3x3 SAME convolution (stride 1, fp32, NCHW) by Winograd's minimal
 * filtering F(4x4,3x3) (Lavin & Gray 2016), forward and both gradients: the same scheme as
 * conv_winograd.h's F(2x2,3x3) with 4x4 output tiles from 6x6 input patches, 36
 * multiplications per tile instead of 144 (4x fewer than direct; F(2x2,3x3): 2.25x), at
 * the price of transforms with more additions and coefficients up to 8 (interpolation
 * points 0, +-1, +-2, infinity):
 *   B^T = [4  0 -5  0 1 0;  0 -4 -4  1 1 0;  0 4 -4 -1 1 0;
 *          0 -2 -1  2 1 0;  0  2 -1 -2 1 0;  0 4  0 -5 0 1]
 *   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
 *   A^T = [1 1 1 1 1 0;  0 1 -1 2 -2 0;  0 1 1 4 4 0;  0 1 -1 8 -8 1]
 * Forward Y = A^T [(G g G^T) (.) (B^T d B)] A as 36 GEMMs per block of P tiles
 * (M[xi] (K x P) = U[xi] (K x C) . V[xi] (C x P)); the gradients are the adjoints:
 *   Gt = A dY A^T;  dU[xi] += Gt[xi] . V[xi]^T, dw += G^T dU G;
 *   dV[xi] = U[xi]^T . Gt[xi], din += B dV B^T (6x6 patches at stride 4, overlap-added).
 * fp32 rounding grows with the larger coefficients: measured within 1e-5 of the largest
 * value of the naive double reference on the study's shapes (tests/cnn/test_layers.c).
 * H and W must be multiples of 4 (the study's layers down to 28x28; 14x14 keeps F(2x2,3x3)).
 * Like conv_winograd.h: a range of images in one thread with single-threaded OpenBLAS;
 * the tile order is fixed, so the results are a fixed function of the inputs.
 *
 * API
 *   conv_wino4_usable(H, W)               1 if F(4x4,3x3) applies (H, W multiples of 4)
 *   conv_wino4_pool_usable(H, W)          1 if conv_wino4_table() has the pooled output and
 *                                         gradient (conv_wino_driver_forward/backward_pool)
 *   conv_wino4_weights(U, w, C, K)        U (36, K, C) = G w G^T; U = the scratch's start
 *   conv_wino4_table()                    this variant's table for conv_wino_driver.h (as
 *                                         conv_wino_f2: scratch, forward, backward): the
 *                                         AVX-512 transforms' where conv_direct_isa() is 3
 *                                         (pooled output and gradient too), else
 *   conv_wino_f4                          the scalar loops' (every CPU; no pooled ones)
 */
#ifndef PB_CONV_WINO4_H
#define PB_CONV_WINO4_H
#include "cnn/conv_wino_driver.h"

int conv_wino4_usable(int H, int W);
int conv_wino4_pool_usable(int H, int W);
void conv_wino4_weights(float *U, const float *w, int C, int K);
const wino_variant *conv_wino4_table(void);
extern const wino_variant conv_wino_f4;

#endif
