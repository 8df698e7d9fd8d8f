/* Embedding tables: gather-reduce of rows (EmbeddingBag) and plain gather
 * (Embedding), for inference.
 *
 *   out[b][c] = reduce over j in [start(b), end(b)), idx[j] != padding_idx,
 *               of w[j] * T[idx[j]][c]
 *
 * reduce: sum, mean (sum / max(count, 1), count = rows not padding) or max
 * (the first row, then each larger element, as stock: NaN in a later row is
 * never taken). start(b) = offsets[b]; end(b) = offsets[b + 1], or
 * n_indices for the last offset. w is 1 without per-sample weights (then the
 * rows are added exactly as stock adds them, in order, from 0). Empty bags
 * give 0 (max: 0 and index 0).
 *
 * Table rows are one of enum aio_emb_fmt; QU8 rows hold uint8 q with two
 * floats (scale, bias) per row: value = scale * q + bias. The packed QU8
 * table (aio_embedding_qu8_ld) keeps each row's pair right after its bytes:
 * a lookup then reads one contiguous run (3 cache lines at dim 128) instead
 * of the row plus a line of a separate scale array, a second DRAM miss the
 * FMA waited on (54% of the kernel's time when the pair lived apart). Arithmetic is fp32
 * and the output is rounded once to out_dt (enum aio_dt). Indices must
 * already be checked to lie in [0, rows): kernels never read outside the
 * table only because callers check. A call reduces bags [bag0, bag1). */
#ifndef AIO_EMBEDDING_H
#define AIO_EMBEDDING_H

#include <stddef.h>
#include <stdint.h>

#include "vmath/vm_dtype.h"

enum aio_emb_fmt { AIO_EMB_F32 = 0, AIO_EMB_F16 = 1, AIO_EMB_BF16 = 2, AIO_EMB_QU8 = 3, AIO_EMB_FMTS = 4 };
enum aio_emb_mode { AIO_EMB_SUM = 0, AIO_EMB_MEAN = 1, AIO_EMB_MAX = 2 };

typedef struct aio_embedding_bag_args {
    const void *table;        /* row r at table + r * ld elements (QU8: bytes) */
    int64_t ld;
    const float *scale_bias;  /* QU8: (scale, bias) of row r at [r * sb_ld], [r * sb_ld + 1] */
    int64_t sb_ld;            /* QU8: floats from one row's pair to the next; 0 means 2 (a dense array) */
    int64_t dim;              /* elements per row, > 0 */
    const void *indices;      /* int64 (idx64) or int32 */
    int64_t n_indices;
    const void *offsets;      /* same integer type as indices */
    int64_t n_offsets;
    int idx64;
    int mode;                 /* enum aio_emb_mode */
    int64_t padding_idx;      /* < 0: none */
    const void *weights;      /* per-sample weights (SUM only) or NULL */
    int weights_dt;           /* enum aio_dt */
    void *out;                /* bag b at out + b * ldo elements */
    int64_t ldo;
    int out_dt;               /* enum aio_dt */
    void *max_idx;            /* MAX: [bag][dim] row ids, idx type; or NULL */
} aio_embedding_bag_args;

/* scratch: AIO_EMB_SCRATCH floats of the caller's (one per thread). */
#define AIO_EMB_SCRATCH 512
typedef void (*aio_embedding_bag_fn)(const aio_embedding_bag_args *a, int64_t bag0, int64_t bag1, float *scratch);

typedef struct aio_embedding_bag_variant {
    const char *name;       /* e.g. "aio_qu8_embedding_bag__avx512f" */
    int fmt;                /* enum aio_emb_fmt */
    unsigned isa_required;  /* enum aio_isa_flag bits; 0 = portable */
    aio_embedding_bag_fn fn;
} aio_embedding_bag_variant;

/* Every variant, references first, per format in ISA order. */
extern const aio_embedding_bag_variant aio_embedding_bag_variants[];
extern const size_t aio_embedding_bag_variant_count;

typedef struct aio_embedding_bag_config {
    aio_embedding_bag_fn fn;
    const char *name;
} aio_embedding_bag_config;

/* Bytes per row of the packed QU8 table: dim rounded up to 4 (so the pair
 * is float-aligned), then scale and bias. Row r's pair starts at byte
 * r * ld + aio_embedding_qu8_sb_offset(dim). */
static inline int64_t aio_embedding_qu8_sb_offset(int64_t dim) { return (dim + 3) / 4 * 4; }
static inline int64_t aio_embedding_qu8_ld(int64_t dim) { return aio_embedding_qu8_sb_offset(dim) + 2 * (int64_t)sizeof(float); }

/* Compressing an fp32 table, rows [r0, r1) (row r of src at src + r * ld):
 * QU8 asymmetric per row (scale = (max - min) / 255, bias = min, q rounded
 * to nearest) into q + r * q_ld, the pair at scale_bias[r * sb_ld] (the
 * packed layout: q_ld = aio_embedding_qu8_ld(dim), scale_bias = q +
 * aio_embedding_qu8_sb_offset(dim) as floats, sb_ld = q_ld / 4); 16-bit rows
 * rounded to nearest even, dense (dim elements apart). */
void aio_embedding_quantize_qu8(const float *src, int64_t ld, int64_t dim, int64_t r0, int64_t r1, uint8_t *q,
                                int64_t q_ld, float *scale_bias, int64_t sb_ld);
void aio_embedding_convert_16(const float *src, int64_t ld, int64_t dim, int64_t r0, int64_t r1, int fmt,
                              uint16_t *dst);

/* Embedding: out row i (at out + i * ldo, out_dt) = table row idx[i], for
 * i in [i0, i1): a copy for the table's own dtype, a conversion otherwise. */
void aio_embedding_gather(const aio_embedding_bag_args *a, int64_t i0, int64_t i1);

#endif
