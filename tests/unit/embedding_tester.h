/* Checks shared by the Criterion suite (test_embedding.c) and the plain-C
 * aarch64 checker (tests/kernels/embedding_check_main.c): every gather-reduce
 * variant against a double-precision reference, over row lengths around the
 * vector widths (4, 8, 16) and the scratch block (512), every mode, weighted
 * and not, padding_idx, int32/int64 indices, empty bags, padded table and
 * output strides with guard values. Each returns the number of wrong values
 * and logs the first few through ROW_LOG_ERROR. */
#ifndef AIO_EMBEDDING_TESTER_H
#define AIO_EMBEDDING_TESTER_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aio_embedding.h"
#include "norm/row_io_ref.h"
#include "row_tester.h"

#ifndef ROW_LOG_ERROR
#define ROW_LOG_ERROR(...) (fprintf(stderr, __VA_ARGS__), fputc('\n', stderr))
#endif

static uint32_t emb_rng = 12345u;
static inline float emb_rand(void) /* uniform in [-1, 1) */
{
    emb_rng = emb_rng * 1664525u + 1013904223u;
    return (float)((emb_rng >> 8) & 0xffffff) / 8388608.f - 1.f;
}
static inline uint32_t emb_randint(uint32_t n)
{
    emb_rng = emb_rng * 1664525u + 1013904223u;
    return (emb_rng >> 8) % n;
}

/* A table of `rows` x dim in fmt, row stride ld; returns the value of an
 * element as the kernels must see it. QU8: a row's (scale, bias) at
 * sb[r * sb_ld]; inline in the row (the packed layout, sb pointing into
 * data) or a dense array of its own (sb_ld 2, sb_own). */
typedef struct emb_table {
    int fmt;
    int64_t rows, dim, ld, sb_ld;
    void *data;
    float *sb;
    int sb_own;
} emb_table;
#define EMB_SC(t, r) ((t)->sb[(r) * (t)->sb_ld])
#define EMB_BI(t, r) ((t)->sb[(r) * (t)->sb_ld + 1])

static inline double emb_value(const emb_table *t, int64_t r, int64_t c)
{
    switch (t->fmt) {
    case AIO_EMB_F32: return LD_f32(t->data, r * t->ld + c);
    case AIO_EMB_F16: return LD_f16(t->data, r * t->ld + c);
    case AIO_EMB_BF16: return LD_bf16(t->data, r * t->ld + c);
    default: return (double)EMB_SC(t, r) * ((const uint8_t *)t->data)[r * t->ld + c] + EMB_BI(t, r);
    }
}

/* QU8 with ld == dim: the packed layout (aio_embedding_qu8_ld), pairs
 * inline; any other ld: the pairs in an array of their own. */
static inline void emb_table_make(emb_table *t, int fmt, int64_t rows, int64_t dim, int64_t ld)
{
    const int packed = fmt == AIO_EMB_QU8 && ld == dim;
    if (packed) ld = aio_embedding_qu8_ld(dim);
    t->fmt = fmt, t->rows = rows, t->dim = dim, t->ld = ld;
    const size_t esz = fmt == AIO_EMB_F32 ? 4 : fmt == AIO_EMB_QU8 ? 1 : 2;
    t->data = malloc((size_t)(rows * ld) * esz + 64);
    t->sb_own = fmt == AIO_EMB_QU8 && !packed;
    t->sb = t->sb_own ? (float *)malloc((size_t)rows * 2 * sizeof(float))
            : packed  ? (float *)((char *)t->data + aio_embedding_qu8_sb_offset(dim))
                      : NULL;
    t->sb_ld = packed ? ld / 4 : 2;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < (packed ? dim : ld); c++) {
            const float v = emb_rand() * 4.f;
            switch (fmt) {
            case AIO_EMB_F32: ST_f32(t->data, r * ld + c, v); break;
            case AIO_EMB_F16: ST_f16(t->data, r * ld + c, v); break;
            case AIO_EMB_BF16: ST_bf16(t->data, r * ld + c, v); break;
            default: ((uint8_t *)t->data)[r * ld + c] = (uint8_t)emb_randint(256);
            }
        }
    for (int64_t r = 0; t->sb && r < rows; r++) {
        EMB_SC(t, r) = 0.01f + 0.02f * (emb_rand() + 1.f);
        EMB_BI(t, r) = emb_rand();
    }
}

static inline void emb_table_free(emb_table *t)
{
    free(t->data);
    if (t->sb_own) free(t->sb);
}

static inline double emb_out_get(int dt, const void *p, int64_t i)
{
    return dt == AIO_DT_F32 ? LD_f32(p, i) : dt == AIO_DT_F16 ? LD_f16(p, i) : LD_bf16(p, i);
}

/* One call over nb bags of random lengths (0 .. maxlen) and checks. */
static inline int emb_case(aio_embedding_bag_fn fn, const char *name, const emb_table *t, int mode, int weighted,
                           int64_t padding_idx, int idx64, int out_dt, int64_t nb, int maxlen, int last_offset)
{
    const int64_t dim = t->dim, ldo = dim + 3;
    int64_t *off = (int64_t *)malloc((size_t)(nb + 1) * sizeof(int64_t));
    int64_t n = 0;
    for (int64_t b = 0; b < nb; b++) {
        off[b] = n;
        n += b == 1 ? 0 : (int64_t)emb_randint((uint32_t)maxlen + 1); /* bag 1 always empty */
    }
    off[nb] = n;
    int64_t *idx = (int64_t *)malloc((size_t)(n + 1) * sizeof(int64_t));
    for (int64_t j = 0; j < n; j++) idx[j] = emb_randint((uint32_t)t->rows);
    if (padding_idx >= 0 && n > 2) idx[1] = idx[n - 1] = padding_idx;
    int32_t *idx32 = (int32_t *)malloc((size_t)(n + 1) * sizeof(int32_t));
    int32_t *off32 = (int32_t *)malloc((size_t)(nb + 1) * sizeof(int32_t));
    for (int64_t j = 0; j < n; j++) idx32[j] = (int32_t)idx[j];
    for (int64_t b = 0; b <= nb; b++) off32[b] = (int32_t)off[b];
    float *w = (float *)malloc((size_t)(n + 1) * sizeof(float));
    for (int64_t j = 0; j < n; j++) w[j] = emb_rand();
    const size_t oesz = out_dt == AIO_DT_F32 ? 4 : 2;
    unsigned char *out = (unsigned char *)malloc((size_t)(nb * ldo) * oesz);
    memset(out, 0x7b, (size_t)(nb * ldo) * oesz);
    int64_t *mi = (int64_t *)malloc((size_t)(nb * dim) * sizeof(int64_t) + 8);
    float *scratch = (float *)malloc(AIO_EMB_SCRATCH * sizeof(float));

    aio_embedding_bag_args a;
    memset(&a, 0, sizeof a);
    a.table = t->data, a.ld = t->ld, a.scale_bias = t->sb, a.sb_ld = t->sb_own ? 0 : t->sb_ld, a.dim = dim;
    a.indices = idx64 ? (const void *)idx : (const void *)idx32, a.n_indices = n;
    a.offsets = idx64 ? (const void *)off : (const void *)off32, a.n_offsets = last_offset ? nb + 1 : nb;
    a.idx64 = idx64, a.mode = mode, a.padding_idx = padding_idx;
    a.weights = weighted ? w : NULL, a.weights_dt = AIO_DT_F32;
    a.out = out, a.ldo = ldo, a.out_dt = out_dt;
    a.max_idx = mode == AIO_EMB_MAX ? (void *)mi : NULL;
    /* Two calls over split ranges, as threads make them. */
    fn(&a, 0, nb / 2, scratch);
    fn(&a, nb / 2, nb, scratch);

    int bad = 0;
    const double oeps = out_dt == AIO_DT_F32 ? 0 : out_dt == AIO_DT_F16 ? 1.0 / 1024 : 1.0 / 128;
    for (int64_t b = 0; b < nb; b++) {
        for (int64_t c = 0; c < dim; c++) {
            double ref = 0, mag = 0, cnt = 0;
            int64_t ref_i = 0;
            int seen = 0;
            float fseq = 0.f; /* what stock's in-order fp32 adds give */
            for (int64_t j = off[b]; j < off[b + 1]; j++) {
                if (idx[j] == padding_idx) continue;
                double v = emb_value(t, idx[j], c);
                if (mode == AIO_EMB_MAX) {
                    if (t->fmt == AIO_EMB_QU8)
                        v = (double)fmaf(EMB_SC(t, idx[j]), (float)((const uint8_t *)t->data)[idx[j] * t->ld + c],
                                         EMB_BI(t, idx[j]));
                    if (!seen || v > ref) ref = v, ref_i = idx[j];
                    seen = 1;
                } else {
                    const double wv = weighted ? w[j] : 1.0;
                    ref += wv * v;
                    /* QU8 sums scale * q and bias apart: their sizes bound the error. */
                    mag += t->fmt == AIO_EMB_QU8 ? fabs(wv) * (fabs(v - EMB_BI(t, idx[j])) + fabs(EMB_BI(t, idx[j])))
                                                 : fabs(wv * v);
                    fseq += (float)v;
                }
                cnt++;
            }
            if (mode == AIO_EMB_MEAN && cnt > 1) ref /= cnt, mag /= cnt;
            const double got = emb_out_get(out_dt, out, b * ldo + c);
            double tol = mode == AIO_EMB_MAX ? 0
                                             : 4e-7 * (cnt + 2) * (mag + 1e-30);
            tol += oeps * fabs(ref) + (out_dt == AIO_DT_F16 ? 1.0 / (1 << 24) : 0); /* fp16 subnormal steps */
            int wrong = !(fabs(got - ref) <= tol);
            /* Unweighted fp32 sums must be bit-identical to in-order adds. */
            if (!wrong && t->fmt == AIO_EMB_F32 && !weighted && mode == AIO_EMB_SUM && out_dt == AIO_DT_F32)
                wrong = got != (double)fseq;
            if (!wrong && mode == AIO_EMB_MAX && mi[b * dim + c] != ref_i && !idx64 &&
                ((int32_t *)mi)[b * dim + c] != ref_i)
                wrong = 1;
            if (!wrong && mode == AIO_EMB_MAX && idx64 && mi[b * dim + c] != ref_i) wrong = 1;
            if (wrong && bad++ < 5)
                ROW_LOG_ERROR("%s dim=%ld ld=%ld mode=%d w=%d pad=%ld idx64=%d out=%d bag=%ld col=%ld: got %.9g want %.9g (tol %.3g)",
                              name, (long)dim, (long)t->ld, mode, weighted, (long)padding_idx, idx64, out_dt, (long)b,
                              (long)c, got, ref, tol);
        }
        /* The gap between output rows is never written. */
        for (int64_t c = dim; c < ldo && b + 1 < nb; c++)
            if (out[(size_t)(b * ldo + c) * oesz] != 0x7b && bad++ < 5)
                ROW_LOG_ERROR("%s dim=%ld: wrote past the row end of bag %ld", name, (long)dim, (long)b);
    }
    free(off), free(idx), free(idx32), free(off32), free(w), free(out), free(mi), free(scratch);
    return bad;
}

static const int64_t emb_dims[] = {1, 3, 4, 7, 8, 15, 16, 17, 31, 33, 64, 100, 128, 511, 512, 513, 1030};

/* The full sweep for one variant; quick: fewer row lengths (qemu -cpu max). */
static inline int emb_variant_check(const aio_embedding_bag_variant *v, int quick)
{
    int bad = 0;
    const size_t nd = sizeof emb_dims / sizeof emb_dims[0];
    for (size_t d = 0; d < nd; d += quick ? 3 : 1) {
        const int64_t dim = emb_dims[d];
        emb_table t;
        emb_table_make(&t, v->fmt, 50, dim, dim + (d % 2 ? 5 : 0));
        for (int mode = 0; mode < 3; mode++)
            for (int weighted = 0; weighted < (mode == AIO_EMB_SUM ? 2 : 1); weighted++)
                for (int pad = 0; pad < 2; pad++)
                    for (int idx64 = 0; idx64 < 2; idx64++) {
                        bad += emb_case(v->fn, v->name, &t, mode, weighted, pad ? 7 : -1, idx64, AIO_DT_F32, 9, 20,
                                        (pad + idx64) % 2);
                        if (v->fmt == AIO_EMB_F16 || v->fmt == AIO_EMB_BF16)
                            bad += emb_case(v->fn, v->name, &t, mode, weighted, pad ? 7 : -1, idx64,
                                            v->fmt == AIO_EMB_F16 ? AIO_DT_F16 : AIO_DT_BF16, 5, 12, 0);
                    }
        emb_table_free(&t);
    }
    return bad;
}

/* Quantizer: every element within half a step of its row's grid, constant
 * rows exact; 16-bit conversion equal to the row kernels' rounding; the
 * Embedding gather copies bits. */
static inline int emb_table_check(void)
{
    int bad = 0;
    const int64_t rows = 6, dim = 37, ld = 40;
    float *src = (float *)malloc(rows * ld * sizeof(float));
    for (int64_t i = 0; i < rows * ld; i++) src[i] = emb_rand() * 3.f;
    for (int64_t c = 0; c < dim; c++) src[2 * ld + c] = -1.25f; /* constant row */
    uint8_t *q = (uint8_t *)malloc(rows * dim);
    float *sb = (float *)malloc(rows * 2 * sizeof(float));
    aio_embedding_quantize_qu8(src, ld, dim, 0, rows, q, dim, sb, 2);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < dim; c++) {
            const double v = (double)sb[2 * r] * q[r * dim + c] + sb[2 * r + 1];
            const double tol = r == 2 ? 0 : 0.5001 * sb[2 * r] + 1e-6;
            if (!(fabs(v - src[r * ld + c]) <= tol) && bad++ < 5)
                ROW_LOG_ERROR("qu8 quantize row %ld col %ld: %.9g vs %.9g", (long)r, (long)c, v, src[r * ld + c]);
        }
    /* The packed layout holds the same bytes and pairs, each pair after its row. */
    const int64_t pld = aio_embedding_qu8_ld(dim);
    uint8_t *pq = (uint8_t *)calloc((size_t)(rows * pld), 1);
    aio_embedding_quantize_qu8(src, ld, dim, 0, rows, pq, pld, (float *)(pq + aio_embedding_qu8_sb_offset(dim)), pld / 4);
    for (int64_t r = 0; r < rows; r++) {
        float psb[2];
        memcpy(psb, pq + r * pld + aio_embedding_qu8_sb_offset(dim), sizeof psb);
        if ((memcmp(pq + r * pld, q + r * dim, (size_t)dim) != 0 || psb[0] != sb[2 * r] || psb[1] != sb[2 * r + 1]) &&
            bad++ < 5)
            ROW_LOG_ERROR("qu8 packed row %ld differs from the dense one", (long)r);
    }
    uint16_t *h = (uint16_t *)malloc(rows * dim * 2);
    for (int fmt = AIO_EMB_F16; fmt <= AIO_EMB_BF16; fmt++) {
        aio_embedding_convert_16(src, ld, dim, 1, rows, fmt, h);
        for (int64_t r = 1; r < rows; r++)
            for (int64_t c = 0; c < dim; c++) {
                uint16_t want[1];
                if (fmt == AIO_EMB_F16) ST_f16(want, 0, src[r * ld + c]);
                else ST_bf16(want, 0, src[r * ld + c]);
                if (h[r * dim + c] != want[0] && bad++ < 5) ROW_LOG_ERROR("convert_16 fmt %d row %ld", fmt, (long)r);
            }
    }
    /* Gather: fp32 rows copied bit for bit (-0.0 included), qu8 dequantized. */
    src[3 * ld] = -0.0f;
    int64_t idx[4] = {3, 0, 5, 3};
    float out[4 * 41];
    aio_embedding_bag_args a;
    memset(&a, 0, sizeof a);
    a.table = src, a.ld = ld, a.dim = dim, a.indices = idx, a.n_indices = 4, a.idx64 = 1;
    a.out = out, a.ldo = 41, a.out_dt = AIO_DT_F32;
    aio_embedding_gather(&a, 0, 4);
    for (int i = 0; i < 4; i++)
        if (memcmp(out + i * 41, src + idx[i] * ld, dim * sizeof(float)) != 0 && bad++ < 5)
            ROW_LOG_ERROR("gather f32 row %d", i);
    for (int packed = 0; packed < 2; packed++) {
        a.table = packed ? (const void *)pq : (const void *)q, a.ld = packed ? pld : dim;
        a.scale_bias = packed ? (const float *)(pq + aio_embedding_qu8_sb_offset(dim)) : sb;
        a.sb_ld = packed ? pld / 4 : 0;
        memset(out, 0, sizeof out);
        aio_embedding_gather(&a, 0, 4);
        for (int i = 0; i < 4; i++)
            for (int64_t c = 0; c < dim; c++) {
                const float want = fmaf(sb[2 * idx[i]], (float)q[idx[i] * dim + c], sb[2 * idx[i] + 1]);
                if (fabsf(out[i * 41 + c] - want) > 1e-6f * (fabsf(want) + 1) && bad++ < 5)
                    ROW_LOG_ERROR("gather qu8 (packed %d) row %d col %ld", packed, i, (long)c);
            }
    }
    free(src), free(q), free(sb), free(h), free(pq);
    return bad;
}

#endif
