/* fp32 GEMM: C = beta * S + alpha * A @ B, over a tile of C.
 *
 * A is M x K with unit stride along K (row i at a + i*lda).
 * B is K x N, given one of two ways:
 *   b_trans = 1: as W[N][K] with unit stride along K (row j at b + j*ldb),
 *                the layout of an nn.Linear weight; B = W^T.
 *   b_trans = 0: as B[K][N] with unit stride along N (row p at b + p*ldb).
 * C is M x N with unit stride along N (row i at c + i*ldc).
 * S ("self" of aten::addmm) is optional: element (i,j) is
 *   s[i*s_stride_m + j*s_stride_n], strides may be 0 (broadcast bias).
 *   When s is NULL or beta == 0, S is ignored (even NaN/Inf in S).
 * When alpha == 0, A and B are not read (BLAS convention): C = beta*S.
 * C may alias S exactly (in-place addmm_).
 *
 * A kernel call computes rows [m0, m1) and columns [n0, n1) of C; callers
 * split the work over threads by disjoint tiles. */
#ifndef AIO_F32_GEMM_H
#define AIO_F32_GEMM_H

#include <stddef.h>
#include <stdint.h>

typedef struct aio_f32_gemm_args {
    int64_t m, n, k;
    const float *a;
    int64_t lda;
    const float *b;
    int64_t ldb;
    int b_trans;
    float *c;
    int64_t ldc;
    const float *s;
    int64_t s_stride_m, s_stride_n;
    float alpha, beta;
} aio_f32_gemm_args;

typedef void (*aio_f32_gemm_fn)(const aio_f32_gemm_args *args,
                                int64_t m0, int64_t m1, int64_t n0, int64_t n1);

/* One entry per implementation; tests and benchmarks walk this list. */
typedef struct aio_f32_gemm_variant {
    const char *name;     /* e.g. "aio_f32_gemm__avx512f" */
    aio_f32_gemm_fn fn;
    unsigned isa_required; /* enum aio_isa_flag bits; 0 = portable */
    int64_t mr, nr;        /* preferred micro-tile (see aio_f32_gemm_config) */
} aio_f32_gemm_variant;

extern const aio_f32_gemm_variant aio_f32_gemm_variants[];
extern const size_t aio_f32_gemm_variant_count;

/* The portable C reference. */
void aio_f32_gemm__ref(const aio_f32_gemm_args *args,
                       int64_t m0, int64_t m1, int64_t n0, int64_t n1);

/* ISA variants; each is defined only on its own architecture. */
void aio_f32_gemm__avx2(const aio_f32_gemm_args *args,
                        int64_t m0, int64_t m1, int64_t n0, int64_t n1);
void aio_f32_gemm__avx512f(const aio_f32_gemm_args *args,
                           int64_t m0, int64_t m1, int64_t n0, int64_t n1);
void aio_f32_gemm__neon(const aio_f32_gemm_args *args,
                        int64_t m0, int64_t m1, int64_t n0, int64_t n1);

/* Preferred tile sizes for splitting work across threads. */
typedef struct aio_f32_gemm_config {
    aio_f32_gemm_fn fn;
    const char *name;
    int64_t mr, nr; /* the micro-tile; callers split on multiples of these */
} aio_f32_gemm_config;

#endif
