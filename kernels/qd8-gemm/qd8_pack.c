/* AIO_WFMT_QC8 weight packing (layout in aio_wgemm.h) and the portable
 * per-row activation quantizer of aio_qd8_gemm.h. */
#include <math.h>
#include <string.h>

#include "aio_qd8_gemm.h"

enum { BLOCK = 16 }; /* output channels per packed block */

static int64_t blocks(int64_t n) { return (n + BLOCK - 1) / BLOCK; }
static size_t round64(size_t x) { return (x + 63) / 64 * 64; }
/* Block header (int32 sums) plus kp/4 groups of 64 bytes. */
static size_t block_bytes(int64_t kp) { return 64 + (size_t)kp * BLOCK; }

size_t aio_qc8w_pack_bytes(int64_t n, int64_t k)
{
    if (n < 0 || k < 0 || k > AIO_QD8_MAX_K) /* int32 sums could overflow */
        return 0;
    const int64_t nb = blocks(n);
    const size_t bytes = round64((size_t)nb * block_bytes(aio_qd8_row_bytes(k))) +
                         (size_t)nb * BLOCK * sizeof(float);
    return bytes ? bytes : 64; /* never 0 for a valid empty weight */
}

static int8_t *block_at(const aio_packed_weight *pw, int64_t j)
{
    return (int8_t *)pw->data + (size_t)(j / BLOCK) * block_bytes(pw->kp);
}

int aio_qc8w_get_q(const aio_packed_weight *pw, int64_t j, int64_t p)
{
    return block_at(pw, j)[64 + (p / 4) * 64 + (j % BLOCK) * 4 + p % 4];
}

int32_t aio_qc8w_get_sum(const aio_packed_weight *pw, int64_t j)
{
    int32_t s;
    memcpy(&s, block_at(pw, j) + (j % BLOCK) * 4, 4);
    return s;
}

static void put_q(const aio_packed_weight *pw, int64_t j, int64_t p, int8_t q)
{
    block_at(pw, j)[64 + (p / 4) * 64 + (j % BLOCK) * 4 + p % 4] = q;
}

static void put_sum(const aio_packed_weight *pw, int64_t j, int32_t s)
{
    memcpy(block_at(pw, j) + (j % BLOCK) * 4, &s, 4);
}

/* Rows write disjoint bytes (their own 4-byte slots and sum), so threads
 * may pack disjoint row ranges at once. The range ending at n also zeroes
 * the padding channels of the last block. */
int aio_qc8w_pack_rows(const float *w, int64_t ldw, int64_t n, int64_t k, void *dst,
                       aio_packed_weight *pw, int64_t n0, int64_t n1)
{
    if (n < 0 || k < 0 || !dst || !pw || n0 < 0 || n1 > n || ldw < k || k > AIO_QD8_MAX_K)
        return -1;
    const int64_t kp = aio_qd8_row_bytes(k), nb = blocks(n);
    pw->fmt = AIO_WFMT_QC8;
    pw->n = n;
    pw->k = k;
    pw->kp = kp;
    pw->data = dst;
    pw->scales = (float *)((char *)dst + round64((size_t)nb * block_bytes(kp)));
    pw->bytes = aio_qc8w_pack_bytes(n, k);
    for (int64_t j = n0; j < n1; j++) {
        /* Same quantization as AIO_WFMT_I8 (wgemm_pack.c). */
        const float *src = w + j * ldw;
        float amax = 0.0f;
        for (int64_t p = 0; p < k; p++)
            amax = fmaxf(amax, fabsf(src[p]));
        const float scale = amax / 127.0f;
        pw->scales[j] = scale;
        int32_t sum = 0;
        for (int64_t p = 0; p < kp; p++) {
            float r = p < k && scale > 0.0f ? rintf(src[p] / scale) : 0.0f;
            r = r > 127.0f ? 127.0f : r < -127.0f ? -127.0f : r;
            if (r != r) /* NaN weight, or an infinite row: no valid value */
                r = 0.0f;
            put_q(pw, j, p, (int8_t)r);
            sum += (int32_t)r;
        }
        put_sum(pw, j, sum);
    }
    if (n1 == n)
        for (int64_t j = n; j < nb * BLOCK; j++) {
            pw->scales[j] = 0.0f;
            put_sum(pw, j, 0);
            for (int64_t p = 0; p < kp; p++)
                put_q(pw, j, p, 0);
        }
    return 0;
}

void aio_qd8_quantize_rows(const float *a, int64_t lda, int64_t k, int a_offset, uint8_t *q,
                           int64_t ldq, float *scales, int64_t m0, int64_t m1)
{
    const int64_t kq = aio_qd8_row_bytes(k);
    for (int64_t i = m0; i < m1; i++) {
        const float *x = a + i * lda;
        uint8_t *dst = q + i * ldq;
        float amax = 0.0f;
        for (int64_t p = 0; p < k; p++) /* fmaxf would drop NaN: keep it */
            amax = fabsf(x[p]) > amax || x[p] != x[p] ? fabsf(x[p]) : amax;
        int64_t p = 0;
        if (!isfinite(amax)) {
            scales[i] = NAN;
        } else if (amax == 0.0f || amax / 127.0f == 0.0f) { /* zero (or subnormal dust) */
            scales[i] = 0.0f;
        } else {
            const float scale = amax / 127.0f, inv = 127.0f / amax;
            const int use_inv = isfinite(inv); /* 1/amax overflows below ~2^-121 */
            scales[i] = scale;
            for (; p < k; p++) {
                /* x*inv <= 127 up to rounding; the clamp keeps it in range */
                float r = rintf(use_inv ? x[p] * inv : x[p] / scale);
                r = r > 127.0f ? 127.0f : r < -127.0f ? -127.0f : r;
                dst[p] = (uint8_t)((int)r + a_offset);
            }
        }
        for (; p < kq; p++)
            dst[p] = (uint8_t)a_offset;
    }
}
