/* The weight-compressed GEMM driver and the kernel interfaces it calls.
 * Private to kernels/wgemm.
 *
 * Up to big_m rows of A: W streams from memory once per ~512 KiB of A
 * rows, through K-vectorized dot kernels that expand WT = 8 packed W rows
 * at a time against 1..4 rows of A (the 8-row W tile stays in L1/L2 while
 * every A row group uses it). Tiles of big_m rows or more (prefill):
 * blocks of W rows are expanded to fp32 once into a buffer and handed to
 * the fp32 GEMM (aio_f32_gemm.h, b_trans=1), whose packed micro-kernels
 * amortize the expansion over M. On the AVX-512 VM this was tuned on
 * (Zen 4-like, one 512-bit FMA per cycle) the dot path matched or beat
 * the fp32 GEMM up to M = 512 at K = N = 4096, hence big_m = 256; cores
 * with two 512-bit FMA units would likely want a lower big_m. */
#ifndef AIO_WGEMM_DRIVER_H
#define AIO_WGEMM_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "aio_f32_gemm.h"
#include "aio_wgemm.h"

#define AIO_WGEMM_WT 8 /* W rows per dot tile */

/* out[i*WT + j] = sum_{p<k} a[i*lda + p] * w_j[p], for the kernel's fixed
 * mr rows of A and j < WT, w_j = row j of the packed W (ldw elements
 * apart; rows at or past nr_valid are not needed, the kernel may read
 * row nr_valid-1 in their place). Packed rows are zero padded to a
 * multiple of 64 elements, so a kernel may read W whole vectors past k;
 * A must not be read past k. No scale: the driver applies it. */
typedef void (*aio_wgemm_dot_fn)(size_t k, const float *a, size_t lda, const void *w,
                                 size_t ldw, size_t nr_valid, float *out);

/* dst[0..kp) = packed row w (kp elements, a multiple of 64) times scale. */
typedef void (*aio_wgemm_expand_fn)(size_t kp, const void *w, float scale, float *dst);

typedef struct aio_wgemm_ops {
    aio_wgemm_dot_fn dot[4];  /* dot[r-1] handles r rows of A */
    aio_wgemm_expand_fn expand;
    aio_f32_gemm_fn f32;      /* fp32 GEMM for many rows */
    int64_t big_m;            /* tiles of >= big_m rows take the fp32 path */
} aio_wgemm_ops;

void aio_wgemm_run(const aio_wgemm_ops *ops, const aio_wgemm_args *args,
                   int64_t m0, int64_t m1, int64_t n0, int64_t n1);

/* Portable expanders (the fp32 path is M-amortized; ISA files may use
 * these). */
void aio_wgemm_expand_f16__scalar(size_t kp, const void *w, float scale, float *dst);
void aio_wgemm_expand_bf16__scalar(size_t kp, const void *w, float scale, float *dst);
void aio_wgemm_expand_i8__scalar(size_t kp, const void *w, float scale, float *dst);

#endif
