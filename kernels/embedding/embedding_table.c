/* Compressing fp32 tables (aio_embedding.h) and the Embedding gather. */
#include <math.h>
#include <string.h>

#include "aio_embedding.h"
#include "norm/row_io_ref.h"

void aio_embedding_quantize_qu8(const float *src, int64_t ld, int64_t dim, int64_t r0, int64_t r1, uint8_t *q,
                                int64_t q_ld, float *scale_bias, int64_t sb_ld)
{
    for (int64_t r = r0; r < r1; r++) {
        const float *x = src + r * ld;
        float lo = x[0], hi = x[0];
        for (int64_t c = 1; c < dim; c++) {
            lo = x[c] < lo ? x[c] : lo;
            hi = x[c] > hi ? x[c] : hi;
        }
        /* A constant row is exact: scale 0, every q 0, value = bias. */
        const float scale = (hi - lo) / 255.f;
        const float inv = scale > 0.f ? 1.f / scale : 0.f;
        uint8_t *qr = q + r * q_ld;
        for (int64_t c = 0; c < dim; c++) {
            float v = rintf((x[c] - lo) * inv);
            v = v < 0.f ? 0.f : v > 255.f ? 255.f : v;
            qr[c] = (uint8_t)v;
        }
        scale_bias[r * sb_ld] = scale;
        scale_bias[r * sb_ld + 1] = lo;
    }
}

void aio_embedding_convert_16(const float *src, int64_t ld, int64_t dim, int64_t r0, int64_t r1, int fmt,
                              uint16_t *dst)
{
    for (int64_t r = r0; r < r1; r++) {
        const float *x = src + r * ld;
        uint16_t *d = dst + r * dim;
        if (fmt == AIO_EMB_F16)
            for (int64_t c = 0; c < dim; c++) ST_f16(d, c, x[c]);
        else
            for (int64_t c = 0; c < dim; c++) ST_bf16(d, c, x[c]);
    }
}

void aio_embedding_gather(const aio_embedding_bag_args *a, int64_t i0, int64_t i1)
{
    const int fmt = a->scale_bias ? AIO_EMB_QU8 : a->out_dt == AIO_DT_F32 ? -1 : -2;
    for (int64_t i = i0; i < i1; i++) {
        const int64_t idx = a->idx64 ? ((const int64_t *)a->indices)[i] : ((const int32_t *)a->indices)[i];
        if (fmt == AIO_EMB_QU8) {
            const uint8_t *q = (const uint8_t *)a->table + idx * a->ld;
            const int64_t sl = a->sb_ld ? a->sb_ld : 2;
            const float s = a->scale_bias[idx * sl], b = a->scale_bias[idx * sl + 1];
            float *o = (float *)a->out + i * a->ldo;
            for (int64_t c = 0; c < a->dim; c++) o[c] = fmaf(s, (float)q[c], b);
        } else {
            /* The table's own dtype: an exact copy (bits, -0.0 and NaN payloads included). */
            const size_t esz = a->out_dt == AIO_DT_F32 ? 4 : 2;
            memcpy((char *)a->out + i * a->ldo * esz, (const char *)a->table + idx * a->ld * esz, (size_t)a->dim * esz);
        }
    }
}
