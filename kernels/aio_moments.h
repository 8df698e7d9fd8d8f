/* Normalization statistics shared by LayerNorm, GroupNorm, InstanceNorm and
 * BatchNorm (one routine, so that every norm is exactly as good as the
 * others), and the per-element affine step that follows them.
 *
 * moments: mean and biased variance of `count` segments of `len`
 * contiguous floats, segment j at x + j*stride (LayerNorm and NCHW
 * GroupNorm rows: count 1; BatchNorm channels over a batch: count N).
 * The data are shifted by x[0] before summing, block sums of at most
 * AIO_MOMENTS_BLOCK elements are carried in fp64, and the variance is the
 * corrected two-pass one (sum of squared deviations about the mean, minus
 * the square of the deviations' sum / n). So: a constant row gives mean ==
 * its value exactly and var == 0; a one-element row gives mean == x[0],
 * var == 0; a row whose mean is far larger than its spread loses nothing
 * to cancellation. var is never negative.
 *
 * apply:    y[i] = (x[i] - m) * s + t over n contiguous elements (one
 *           plane of an NCHW tensor, one LayerNorm row without weight).
 * apply_ch: the same per channel over `pixels` pixels of c contiguous
 *           channels (channels_last): y[p*c + j] = (x[p*c + j] - m[j]) * s[j] + t[j].
 * Writing (x - m) * s rather than x*s - m*s keeps x == m exact (0 * s). */
#ifndef AIO_MOMENTS_H
#define AIO_MOMENTS_H

#include <stddef.h>
#include <stdint.h>

#define AIO_MOMENTS_BLOCK 2048

typedef void (*aio_f32_moments_fn)(const float *x, int64_t len, int64_t count, int64_t stride, float *mean,
                                   float *var);
typedef void (*aio_f32_norm_apply_fn)(const float *x, float *y, int64_t n, float m, float s, float t);
typedef void (*aio_f32_norm_apply_ch_fn)(const float *x, float *y, int64_t c, int64_t pixels, const float *m,
                                         const float *s, const float *t);

typedef struct aio_f32_stats_variant {
    const char *name; /* e.g. "aio_f32_stats__avx512f" */
    aio_f32_moments_fn moments;
    aio_f32_norm_apply_fn apply;
    aio_f32_norm_apply_ch_fn apply_ch;
    unsigned isa_required;
} aio_f32_stats_variant;

/* Kernel slot (aio_kernels.h). */
typedef struct aio_f32_stats_config {
    aio_f32_moments_fn moments;
    aio_f32_norm_apply_fn apply;
    aio_f32_norm_apply_ch_fn apply_ch;
    const char *name;
} aio_f32_stats_config;

extern const aio_f32_stats_variant aio_f32_stats_variants[];
extern const size_t aio_f32_stats_variant_count;

#define AIO_STATS_DECLARE(isa)                                                                         \
    void aio_f32_moments__##isa(const float *, int64_t, int64_t, int64_t, float *, float *);         \
    void aio_f32_norm_apply__##isa(const float *, float *, int64_t, float, float, float);             \
    void aio_f32_norm_apply_ch__##isa(const float *, float *, int64_t, int64_t, const float *, const float *, \
                                      const float *);
AIO_STATS_DECLARE(ref)
AIO_STATS_DECLARE(avx2)    /* x86 only */
AIO_STATS_DECLARE(avx512f) /* x86 only */
AIO_STATS_DECLARE(neon)    /* aarch64 only */
#undef AIO_STATS_DECLARE

#endif
