/* The implicit mode's int4 group quantizer (aio_qc4w_quantize_group in
 * aio_qc4w_gemm.h): min/max, then a clipping search with a least-squares
 * refit, as llama.cpp's make_qkx2_quants and AWQ's clip search do without
 * calibration data.
 *
 * Why: min/max spends levels on the group's two extremes; for bell-shaped
 * weights a range clipped by 6-18% and a scale/offset refit to the codes
 * lower the squared error by about 10% (group 64, Gaussian; bench/
 * int4_error_sources.py). The packed form stores sw and zw as floats, so
 * any affine grid sw * q - zw costs the kernels nothing. */
#include <math.h>

#include "aio_qc4w_gemm.h"

/* Range shrink factors tried after min/max (1.0: the refit alone). */
static const float k_shrink[] = {1.0f, 0.94f, 0.88f, 0.82f};

static int clamp15(float r) { return r < 0.0f ? 0 : r > 15.0f ? 15 : (int)r; }
/* Finite inputs only (checked first): compiles to minss/maxss, where
 * fminf/fmaxf are libm calls. */
static inline float min_f(float a, float b) { return a < b ? a : b; }
static inline float max_f(float a, float b) { return a > b ? a : b; }

/* Squared error of x ~ sw * q - zw, in double (the test computes it the
 * same way, so "never worse" compares like with like). */
static double sse(const float *x, int64_t len, const uint8_t *q, float sw, float zw)
{
    double e = 0.0;
    for (int64_t p = 0; p < len; p++) {
        const double d = (double)sw * q[p] - (double)zw - x[p];
        e += d * d;
    }
    return e;
}

/* min/max with 0 in the range (the packer's original rule; zeros exact). */
static void minmax(const float *x, int64_t len, uint8_t *q, float *sw_out, float *zw_out)
{
    float lo = 0.0f, hi = 0.0f;
    for (int64_t p = 0; p < len; p++) {
        lo = min_f(lo, x[p]);
        hi = max_f(hi, x[p]);
    }
    float sw = (hi - lo) / 15.0f;
    if (!(sw > 0.0f) || !isfinite(sw))
        sw = 0.0f;
    const float z = sw > 0.0f ? rintf(-lo / sw) : 0.0f; /* in [0, 15] */
    for (int64_t p = 0; p < len; p++)
        q[p] = (uint8_t)(sw > 0.0f ? clamp15(rintf(x[p] / sw) + z) : 0);
    *sw_out = sw;
    *zw_out = sw * z;
}

/* Nearest code of v, clamped to [0, 15] (ties up). Integer clamps with
 * sign masks: GCC turns float or int ternaries here into branches, which
 * mispredict on every clipped weight. v within int range (|x| finite,
 * the grid's step not denormal). */
static inline int code(float v)
{
    int c = (int)(v + 0.5f); /* v >= -0.5: rounds; below: <= 0, clamped next */
    c &= ~(c >> 31);          /* max(c, 0) */
    const int d = 15 - c;
    return 15 - (d & ~(d >> 31)); /* min(c, 15) */
}

/* One candidate: codes from the range [lo, lo + 15 s] and the least-
 * squares (sw, off) for those codes, whose squared error is closed-form:
 * the centred sxx - cov^2 / var. 0 when the codes are all equal (no slope
 * to fit) or the range is denormal. One pass, float sums: for ranking. */
static int candidate(const float *x, int64_t len, double sx, double sxx, float lo, float s, float *sw_out,
                     float *off_out, double *err)
{
    const float inv = 1.0f / s;
    if (!isfinite(inv))
        return 0;
    int32_t sq = 0, sqq = 0; /* exact: 15 * 15 * 1024 fits */
    float sqx0 = 0.0f, sqx1 = 0.0f; /* two chains: the adds' latency bounds this loop */
    int64_t p = 0;
    for (; p + 2 <= len; p += 2) {
        const int c0 = code((x[p] - lo) * inv), c1 = code((x[p + 1] - lo) * inv);
        sq += c0 + c1;
        sqq += c0 * c0 + c1 * c1;
        sqx0 += (float)c0 * x[p];
        sqx1 += (float)c1 * x[p + 1];
    }
    if (p < len) {
        const int c = code((x[p] - lo) * inv);
        sq += c;
        sqq += c * c;
        sqx0 += (float)c * x[p];
    }
    const float sqx = sqx0 + sqx1;
    const double n = (double)len, var = sqq - (double)sq * sq / n, cov = sqx - (double)sq * sx / n;
    if (!(var > 0.0))
        return 0;
    const double a = cov / var, b = (sx - a * sq) / n;
    if (!(a > 0.0) || !isfinite(a) || !isfinite(b))
        return 0;
    *sw_out = (float)a;
    *off_out = (float)b;
    *err = sxx - sx * sx / n - cov * cov / var;
    return 1;
}

void aio_qc4w_quantize_group(const float *x, int64_t len, int search, uint8_t *q, float *sw, float *zw)
{
    int finite = 1;
    for (int64_t p = 0; p < len; p++)
        finite &= isfinite(x[p]) != 0;
    if (!finite || len <= 0) { /* a NaN or infinite group becomes all zero */
        for (int64_t p = 0; p < len; p++)
            q[p] = 0;
        *sw = *zw = 0.0f;
        return;
    }
    minmax(x, len, q, sw, zw);
    if (!search || *sw == 0.0f || len > AIO_QC4W_SEARCH_MAX)
        return;
    float lo = x[0], hi = x[0];
    double sx = 0.0, sxx = 0.0;
    for (int64_t p = 0; p < len; p++) {
        lo = min_f(lo, x[p]);
        hi = max_f(hi, x[p]);
        sx += x[p];
        sxx += (double)x[p] * x[p];
    }
    /* rank the clipped ranges by their refit error, then move the best
     * one's codes to their nearest level on its grid (never raises the
     * error) and keep it only if it beats min/max, measured the same way */
    double best = INFINITY;
    float bsw = 0.0f, boff = 0.0f;
    for (size_t i = 0; i < sizeof k_shrink / sizeof k_shrink[0]; i++) {
        const float f = k_shrink[i], s = (hi - lo) * f / 15.0f;
        float csw, coff;
        double e;
        if (s > 0.0f && candidate(x, len, sx, sxx, lo * f, s, &csw, &coff, &e) && e < best)
            best = e, bsw = csw, boff = coff;
    }
    const float inv = bsw > 0.0f ? 1.0f / bsw : 0.0f;
    if (!(bsw > 0.0f) || !isfinite(inv))
        return;
    uint8_t tmp[AIO_QC4W_SEARCH_MAX];
    for (int64_t p = 0; p < len; p++)
        tmp[p] = (uint8_t)code((x[p] - boff) * inv);
    if (sse(x, len, tmp, bsw, -boff) < sse(x, len, q, *sw, *zw)) {
        *sw = bsw;
        *zw = -boff;
        for (int64_t p = 0; p < len; p++)
            q[p] = tmp[p];
    }
}
