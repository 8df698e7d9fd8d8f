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

/* A variant's micro-kernels and blocking (kernels/f32-gemm/f32_gemm_driver.h);
 * opaque here, NULL for the reference. */
struct aio_f32_gemm_ops;

/* One entry per implementation; tests and benchmarks walk this list. */
typedef struct aio_f32_gemm_variant {
    const char *name;     /* e.g. "aio_f32_gemm__avx512f" */
    aio_f32_gemm_fn fn;
    unsigned isa_required; /* enum aio_isa_flag bits; 0 = portable */
    int64_t mr, nr;        /* preferred micro-tile (see aio_f32_gemm_config) */
    /* The variant's ops for the pre-packed path; NULL: none (reference). */
    const struct aio_f32_gemm_ops *(*ops)(void);
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
    const struct aio_f32_gemm_ops *ops; /* pre-packed path; NULL: none */
} aio_f32_gemm_config;

/* Pre-packed operands, for M >= AIO_F32_GEMM_PANELS_MIN_M with b_trans = 1
 * (f32-gemm/f32_gemm_panels.c). Both operands are packed into R-row panels
 * over all of K: row r of the operand is column r%R of panel r/R, which
 * holds element (r, p) at panel + p*R + r%R; panels are R*k floats apart,
 * zero padded to whole panels. R = the variant's mr for A, nr for B (given
 * as W[N][K]). B is packed ahead of time (the weight cache), A once per
 * call; the run then only blocks and calls micro-kernels. */
#define AIO_F32_GEMM_PANELS_MIN_M 16

/* Whether ops would run this product through panels (M large enough, W
 * layout, not a case the small-M kernels take). */
int aio_f32_gemm_panels_apply(const struct aio_f32_gemm_ops *ops, const aio_f32_gemm_args *g);

/* Panel rows R (is_a: mr, else nr), and the bytes of rows x k packed. */
int64_t aio_f32_gemm_panel_rows(const struct aio_f32_gemm_ops *ops, int is_a);
size_t aio_f32_gemm_panels_bytes(const struct aio_f32_gemm_ops *ops, int is_a, int64_t rows, int64_t k);

/* Pack the panels whose first row lies in [r0, r1) (so threads given
 * disjoint ranges write disjoint panels and together cover all); row r of
 * src at src + r*ld, unit stride along K. */
void aio_f32_gemm_pack_panels(const struct aio_f32_gemm_ops *ops, int is_a, const float *src,
                              int64_t ld, int64_t rows, int64_t k, float *dst, int64_t r0, int64_t r1);

/* C rows [m0, m1), columns [n0, n1) from packed A and B; args->a and b are
 * not read (m, n, k, c, S, alpha, beta are). m0 must be a multiple of mr
 * and n0 of nr. */
void aio_f32_gemm_run_panels(const struct aio_f32_gemm_ops *ops, const aio_f32_gemm_args *args,
                             const float *a_panels, const float *b_panels,
                             int64_t m0, int64_t m1, int64_t n0, int64_t n1);

/* Tests and benchmarks only (not thread-safe): force the run's kc, mc, nc
 * (mc, nc rounded up to the tile); any 0 restores the derived blocking. */
void aio_f32_gemm_panels_force_blocking(size_t kc, size_t mc, size_t nc);

#endif
