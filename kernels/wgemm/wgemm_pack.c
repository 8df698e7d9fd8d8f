/* Packing fp32 weights into the compressed formats of aio_wgemm.h, and the
 * portable conversions (bit-exact round-to-nearest-even, independent of
 * the FPU's rounding mode except for the f16 subnormal step, which uses
 * the default mode). */
#include "aio_wgemm.h"
#include "aio_qd8_gemm.h" /* AIO_WFMT_QC8 is packed there */
#include "aio_qc4w_gemm.h" /* and AIO_WFMT_QC4 (group in fmt >> 8) there */

#include <math.h>
#include <string.h>

static uint32_t f32_bits(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    return x;
}

static float bits_f32(uint32_t x)
{
    float f;
    memcpy(&f, &x, 4);
    return f;
}

uint16_t aio_f32_to_f16(float f)
{
    uint32_t x = f32_bits(f);
    const uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    x &= 0x7fffffffu;
    if (x >= 0x7f800000u) /* Inf, NaN (kept quiet) */
        return sign | (x > 0x7f800000u ? 0x7e00u : 0x7c00u);
    if (x >= 0x477ff000u) /* >= 65520 rounds to Inf */
        return sign | 0x7c00u;
    if (x < 0x38800000u) { /* below 2^-14: half subnormal or zero */
        /* 0.5f has a 2^-24 ulp, the half subnormal step: the float add
         * rounds to nearest even at exactly that step. */
        const float v = bits_f32(x) + 0.5f;
        return sign | (uint16_t)(f32_bits(v) - 0x3f000000u);
    }
    x += 0xfffu + ((x >> 13) & 1u); /* RNE on the 13 dropped bits */
    return sign | (uint16_t)((x - (112u << 23)) >> 13);
}

float aio_f16_to_f32(uint16_t h)
{
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    if (e == 0) { /* zero, subnormal: m * 2^-24 */
        const float v = (float)m * 5.9604644775390625e-8f;
        return bits_f32(f32_bits(v) | sign);
    }
    if (e == 31)
        return bits_f32(sign | 0x7f800000u | (m << 13));
    return bits_f32(sign | ((e + 112u) << 23) | (m << 13));
}

uint16_t aio_f32_to_bf16(float f)
{
    uint32_t x = f32_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((x >> 16) | 0x40u);
    x += 0x7fffu + ((x >> 16) & 1u);
    return (uint16_t)(x >> 16);
}

float aio_bf16_to_f32(uint16_t h) { return bits_f32((uint32_t)h << 16); }

static int64_t padded_k(int64_t k) { return (k + 63) / 64 * 64; }
static size_t round64(size_t x) { return (x + 63) / 64 * 64; }

static size_t elem_size(int fmt)
{
    switch (fmt) {
    case AIO_WFMT_F16:
    case AIO_WFMT_BF16: return 2;
    case AIO_WFMT_I8: return 1;
    default: return 0;
    }
}

size_t aio_wpack_bytes(int fmt, int64_t n, int64_t k)
{
    if (fmt == AIO_WFMT_QC8)
        return aio_qc8w_pack_bytes(n, k);
    if (aio_qc4w_is_fmt(fmt))
        return aio_qc4w_pack_bytes(n, k, aio_qc4w_fmt_group(fmt));
    const size_t es = elem_size(fmt);
    if (es == 0 || n < 0 || k < 0)
        return 0;
    size_t bytes = round64((size_t)n * (size_t)padded_k(k) * es);
    if (fmt == AIO_WFMT_I8)
        bytes += round64((size_t)n * sizeof(float));
    return bytes ? bytes : 64; /* never 0 for a valid empty weight */
}

int aio_wpack_rows(int fmt, const float *w, int64_t ldw, int64_t n, int64_t k, void *dst,
                   aio_packed_weight *pw, int64_t n0, int64_t n1)
{
    if (fmt == AIO_WFMT_QC8)
        return aio_qc8w_pack_rows(w, ldw, n, k, dst, pw, n0, n1);
    if (aio_qc4w_is_fmt(fmt))
        return aio_qc4w_pack_rows(w, ldw, n, k, aio_qc4w_fmt_group(fmt), dst, pw, n0, n1);
    const size_t es = elem_size(fmt);
    if (es == 0 || n < 0 || k < 0 || !dst || !pw || n0 < 0 || n1 > n || ldw < k)
        return -1;
    const int64_t kp = padded_k(k);
    pw->fmt = fmt;
    pw->n = n;
    pw->k = k;
    pw->kp = kp;
    pw->data = dst;
    pw->scales = fmt == AIO_WFMT_I8
                     ? (float *)((char *)dst + round64((size_t)n * (size_t)kp * es))
                     : NULL;
    pw->bytes = aio_wpack_bytes(fmt, n, k);
    for (int64_t j = n0; j < n1; j++) {
        const float *src = w + j * ldw;
        if (fmt == AIO_WFMT_I8) {
            int8_t *q = (int8_t *)dst + j * kp;
            float amax = 0.0f;
            for (int64_t p = 0; p < k; p++)
                amax = fmaxf(amax, fabsf(src[p]));
            const float scale = amax / 127.0f;
            pw->scales[j] = scale;
            for (int64_t p = 0; p < k; p++) {
                float r = scale > 0.0f ? rintf(src[p] / scale) : 0.0f;
                r = r > 127.0f ? 127.0f : r < -127.0f ? -127.0f : r;
                if (r != r) /* NaN weight, or an infinite row: no valid value */
                    r = 0.0f;
                q[p] = (int8_t)r;
            }
            memset(q + k, 0, (size_t)(kp - k));
        } else {
            uint16_t *h = (uint16_t *)dst + j * kp;
            if (fmt == AIO_WFMT_F16)
                for (int64_t p = 0; p < k; p++)
                    h[p] = aio_f32_to_f16(src[p]);
            else
                for (int64_t p = 0; p < k; p++)
                    h[p] = aio_f32_to_bf16(src[p]);
            memset(h + k, 0, (size_t)(kp - k) * 2);
        }
    }
    return 0;
}

int aio_wpack(int fmt, const float *w, int64_t ldw, int64_t n, int64_t k, void *dst,
              aio_packed_weight *pw)
{
    return aio_wpack_rows(fmt, w, ldw, n, k, dst, pw, 0, n);
}

float aio_wpack_get(const aio_packed_weight *pw, int64_t j, int64_t p)
{
    if (aio_qc4w_is_fmt(pw->fmt)) {
        const int64_t g = p / aio_qc4w_fmt_group(pw->fmt);
        return aio_qc4w_get_scale(pw, j, g) * (float)aio_qc4w_get_q(pw, j, p) - aio_qc4w_get_zw(pw, j, g);
    }
    switch (pw->fmt) {
    case AIO_WFMT_F16: return aio_f16_to_f32(((const uint16_t *)pw->data)[j * pw->kp + p]);
    case AIO_WFMT_BF16: return aio_bf16_to_f32(((const uint16_t *)pw->data)[j * pw->kp + p]);
    case AIO_WFMT_I8: return pw->scales[j] * (float)((const int8_t *)pw->data)[j * pw->kp + p];
    case AIO_WFMT_QC8: return pw->scales[j] * (float)aio_qc8w_get_q(pw, j, p);
    default: return NAN;
    }
}
