/* The blocked fp32 GEMM driver and the micro-kernel interfaces it calls.
 *
 * One portable driver does the cache blocking, packing order, edges and the
 * small-M choice; each ISA supplies only micro-kernels (BLIS-style), so the
 * loop structure is written, and tested, once. Private to kernels/f32-gemm. */
#ifndef AIO_F32_GEMM_DRIVER_H
#define AIO_F32_GEMM_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "aio_f32_gemm.h"

/* Where a micro-kernel writes its tile and how: C = alpha*acc + beta*S on
 * the first K block (s == NULL: no S term), C += alpha*acc on later ones. */
typedef struct aio_f32_gemm_out {
    float *c;             /* tile origin */
    size_t ldc;
    const float *s;       /* S at the tile origin; NULL when S is ignored */
    int64_t s_stride_m, s_stride_n;
    float alpha, beta;
    int accumulate;       /* 1: later K block, add into C */
} aio_f32_gemm_out;

/* Broadcast micro-kernel: acc[MR][NR] = A_packed(kc x MR, p-major) times
 * B(kc x NR) with rows ldb floats apart (NR for a packed panel), then the
 * epilogue above on the valid mr x nr corner. B must hold NR readable
 * columns per row (packed panels are zero padded). */
typedef void (*aio_f32_gemm_ukernel_fn)(size_t kc, const float *a_packed,
                                        const float *b, size_t ldb,
                                        const aio_f32_gemm_out *out,
                                        size_t mr, size_t nr);

/* Packs a kc-long slice into a panel `width` wide, zero padded past
 * rows_valid. pack_a, pack_bt (K-contiguous rows r of src, ld apart):
 * dst[p*width + r] = src[r*ld + p]. pack_b (N-contiguous rows p of B):
 * dst[p*width + j] = src[p*ld + j]. */
typedef void (*aio_f32_gemm_pack_fn)(size_t kc, size_t rows_valid, size_t width,
                                     const float *src, size_t ld, float *dst);

/* K-vectorized dot-product micro-kernel for b_trans=1 and few rows of A:
 * out[i*nr + j] = sum_p a[i*lda + p] * w[j*ldw + p] for its fixed mr rows
 * and nr (<= 16) W rows; W rows at or past nr_valid are never read. */
typedef void (*aio_f32_gemm_dot_fn)(size_t k, const float *a, size_t lda,
                                    const float *w, size_t ldw, size_t nr_valid,
                                    float *out);

/* Row-streaming kernel for b_trans=0 and few rows of A: for i < mr and
 * j < nc, acc[i*ldacc + j] += sum_p a[i*lda + p] * b[p*ldb + j]. B is read
 * once, row after row in long contiguous runs; a packed panel of B would
 * instead touch a new page on every row of B. */
typedef void (*aio_f32_gemm_rows_fn)(size_t k, size_t mr, const float *a, size_t lda,
                                     const float *b, size_t ldb, size_t nc,
                                     float *acc, size_t ldacc);

typedef struct aio_f32_gemm_dot_kernel {
    aio_f32_gemm_dot_fn fn;
    size_t mr;
} aio_f32_gemm_dot_kernel;

#define AIO_F32_GEMM_MAX_DOT 8

typedef struct aio_f32_gemm_ops {
    size_t mr, nr;        /* broadcast micro-tile */
    size_t kc, nc;        /* K block (A panel stays in L1), N block (B in L2);
                           * nc is a multiple of nr */
    aio_f32_gemm_ukernel_fn gemm;
    aio_f32_gemm_pack_fn pack_a;   /* A rows -> kc x mr, p-major */
    aio_f32_gemm_pack_fn pack_bt;  /* W[N][K] rows -> kc x nr, k-major */
    aio_f32_gemm_pack_fn pack_b;   /* B[K][N] rows -> kc x nr */
    /* Small-M path for b_trans=1: W streams once through dot[] (dot[r-1]
     * handles r rows, NULL: use a smaller one; all dot_nr W rows wide).
     * Taken when one kernel covers all rows, or for up to dot_max_m rows
     * when K >= dot_k_per_m * rows: its per-tile reductions cost ~1/K,
     * packing W costs ~1/M, so the crossover is near K proportional to M. */
    size_t dot_max_m;
    size_t dot_k_per_m;
    size_t dot_nr;
    aio_f32_gemm_dot_kernel dot[AIO_F32_GEMM_MAX_DOT];
    /* Small-M path for b_trans=0: tiles of up to rows_max_m rows. */
    aio_f32_gemm_rows_fn rows;
    size_t rows_max_m;
    /* Pre-packed path (f32_gemm_panels.c): K, M and N blocks; 0 = derive
     * from the cache sizes (aio_cache.h), a value here is the variant's
     * override. */
    size_t pre_kc, pre_mc, pre_nc;
} aio_f32_gemm_ops;

/* The product-free case (K == 0 or alpha == 0): C = beta*S or zeros. */
void aio_f32_gemm_no_product(const aio_f32_gemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1);

/* Whether aio_f32_gemm_run takes the packed (large-tile) path for rows x k. */
int aio_f32_gemm_takes_packed(const aio_f32_gemm_ops *ops, const aio_f32_gemm_args *g, size_t rows);

/* The tile epilogue's target for tile (i, j) (accumulate: a later K block). */
void aio_f32_gemm_out_at(aio_f32_gemm_out *o, const aio_f32_gemm_args *g, int64_t i, int64_t j,
                         int accumulate);

void aio_f32_gemm_run(const aio_f32_gemm_ops *ops, const aio_f32_gemm_args *args,
                      int64_t m0, int64_t m1, int64_t n0, int64_t n1);

/* Portable B[K][N] packer (a memcpy per row): dst[p*width + j]. */
void aio_f32_gemm_pack_b__scalar(size_t kc, size_t cols_valid, size_t width,
                                 const float *src, size_t ld, float *dst);

#endif
