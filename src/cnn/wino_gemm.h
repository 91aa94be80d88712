/* wino_gemm: the GEMMs of a Winograd block on our AVX-512 kernel: those by one of the
 * layer's weight matrices, M = A B with A (R, I) one position's U (forward: M = U V) or U^T
 * (input gradient: dV = U^T Gt), on A packed once per pass; and the weight gradient's
 * dU += Gt V^T, on V transposed piece by piece. Where the kernel does not run, the drivers
 * call cblas_sgemm.
 *
 * Why: the layer's U is the same for every block of the pass, yet OpenBLAS packs it again
 * on every call, and for the 128-channel layers its packed path reached 107-120 GFLOP/s
 * per thread where this kernel reaches 150-156 (36 GEMMs of one block, P = 128 tiles, data
 * in L2, 1 thread, Sapphire Rapids); on the 16- to 64-channel shapes, which OpenBLAS
 * serves without packing at 126-170, this kernel is at 135-176. In the training step (batch
 * 288, 2 threads, 4 alternating rounds) conv4_1 + conv4_2 went from 521-545 to 449-461 ms
 * and conv5_1 + conv5_2 from 310-319 to 270-282 ms; the other layers did not move beyond
 * the noise.
 *
 * The weight gradient dU (K, C) += Gt (K, P) . V (C, P)^T has both operands along P, and
 * both change every block. wino_gemm_grad transposes 32 rows of V at a time (16 x 16 in
 * registers) into T (P, 32), which stays in L1 while every panel of Gt's rows (read in
 * place, 8 or 16 row pointers) passes over it. 36 GEMMs of one block, 1 thread, P = 112 /
 * 126: 113-169 GFLOP/s, the transposes included, against OpenBLAS's 93-130; on 16
 * channels, where 16 rows x one vector hold the whole 16 x 16 result, 113-119 against
 * 93-123. Tried before: dot products along P (73-91 against 91-119), and the whole of V
 * transposed first into a copy of V's size (it won only on 32 to 64 channels).
 *
 * The kernel holds 8 rows of M x 32 columns in 16 registers and walks I with one
 * broadcast of A per row and two loads of B per step; B's 32 columns (I rows of 128 bytes)
 * stay in L1 while every 8-row panel of A passes over them.
 *
 * A packed: for each panel of 8 rows, I columns of those 8 values (R/8 x I x 8 floats, the
 * same size as A). Each element of M is the sum over i in order of one FMA each, so the
 * result is a fixed function of the inputs.
 *
 * API
 *   wino_gemm_packs(R)                  1 if M = A B with R rows runs on our kernel: the
 *                                       step's instruction set is AVX-512 (conv_direct_isa)
 *                                       and R % 8 == 0; else 0 (cblas_sgemm on A unpacked)
 *   wino_gemm_pack(Ap, A, R, I, trans)  A's panels into Ap: trans == 0: A is src (R, I);
 *                                       trans != 0: A is src^T, src (I, R)
 *   wino_gemm(M, Ap, B, R, I, P)        M (R, P) = A (R, I) . B (I, P), row-major, A packed
 *                                       (only where wino_gemm_packs(R))
 *   wino_gemm_grad(dU, G, V, T, K, C, P)  dU (K, C) += G (K, P) . V (C, P)^T, row-major;
 *                                       T: 32 P floats of scratch (only where
 *                                       wino_gemm_packs(K): the same instruction set and
 *                                       K % 8 == 0); each element's P products are summed
 *                                       in order of p from zero, one FMA each, and the sum
 *                                       is then added to dU
 */
#ifndef PB_WINO_GEMM_H
#define PB_WINO_GEMM_H
int wino_gemm_packs(int R);
void wino_gemm_pack(float *Ap, const float *src, int R, int I, int trans);
void wino_gemm(float *M, const float *Ap, const float *B, int R, int I, int P);
void wino_gemm_grad(float *dU, const float *G, const float *V, float *T, int K, int C, int P);
#endif
