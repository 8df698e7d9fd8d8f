/* The blocked bf16-dot GEMM driver and the micro-kernel interfaces it
 * calls. Private to kernels/bf16-gemm.
 *
 * Packed panels hold K in pairs: one 32-bit word per (pair q, row or
 * column r) carries bf16 values of K indices 2q (low half) and 2q+1 (high
 * half), zero padded past K and past the valid rows/columns, which is the
 * operand layout of vdpbf16ps / BFDOT. */
#ifndef AIO_BF16_GEMM_DRIVER_H
#define AIO_BF16_GEMM_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "aio_bf16_gemm.h"

/* The tile a micro-kernel writes: C = alpha*acc + beta*S on the first K
 * block (s == NULL: no S term), C += alpha*acc on later ones. */
typedef struct aio_bf16_gemm_out {
    float *c;
    size_t ldc;
    const float *s;
    int64_t s_stride_m, s_stride_n;
    float alpha, beta;
    int accumulate;
} aio_bf16_gemm_out;

/* acc[MR][NR] = sum over kc2 pairs of a_packed[q*MR + i] . b_packed[q*NR + j],
 * then the epilogue on the valid mr x nr corner. */
typedef void (*aio_bf16_gemm_ukernel_fn)(size_t kc2, const uint32_t *a_packed,
                                         const uint32_t *b_packed,
                                         const aio_bf16_gemm_out *out, size_t mr, size_t nr);

/* Packs K indices [0, kc) of rows_valid rows into dst[q*width + r] pairs,
 * zero padded to width rows and to an even kc.
 *   pack_t: rows are K-contiguous (A, or W[N][K]): element (r, p) at
 *           src[r*ld + p].
 *   pack_n: rows are N-contiguous (B[K][N]): element (r, p) at
 *           src[p*ld + r].
 * src is float, or uint16_t bf16 when bf16 is set. */
typedef void (*aio_bf16_gemm_pack_fn)(size_t kc, size_t rows_valid, size_t width,
                                      const void *src, size_t ld, int bf16, uint32_t *dst);

struct aio_bf16_gemm_ops {
    size_t mr, nr;  /* micro-tile */
    size_t kc, nc;  /* K block (even), N block (multiple of nr) */
    /* Bytes of packed A kept at once (0: 8 MiB). A call packs its rows of A
     * once, over the whole K, in chunks of at most this many bytes; each
     * chunk is swept across every N and K block of B. */
    size_t a_bytes;
    aio_bf16_gemm_ukernel_fn gemm;
    aio_bf16_gemm_pack_fn pack_t, pack_n;
};
typedef struct aio_bf16_gemm_ops aio_bf16_gemm_ops;

void aio_bf16_gemm_run(const aio_bf16_gemm_ops *ops, const aio_bf16_gemm_args *args,
                       int64_t m0, int64_t m1, int64_t n0, int64_t n1);

/* Portable packers. */
void aio_bf16_gemm_pack_t__scalar(size_t kc, size_t rows_valid, size_t width, const void *src,
                                  size_t ld, int bf16, uint32_t *dst);
void aio_bf16_gemm_pack_n__scalar(size_t kc, size_t rows_valid, size_t width, const void *src,
                                  size_t ld, int bf16, uint32_t *dst);

#endif
