/* Scaled dot-product attention, forward only (inference):
 *
 *   O[b,h,i,:] = softmax_j( scale * Q[b,h,i,:] . K[b,g,j,:] + M[b,h,i,j] ) @ V[b,g,j,:]
 *
 * with g = h / (q_heads / kv_heads) (grouped-query attention when fewer KV
 * heads), M an optional additive mask (-inf masks a key), and, when
 * causal, j > i masked (top-left aligned, as PyTorch's is_causal). Q, K, V
 * and O are fp32 or bf16 (`dt`, enum aio_dt); the mask is fp32 or bf16
 * (`mask_dt`); all arithmetic is fp32. Every tensor has unit stride along
 * its last dimension; the other strides are free (0 broadcasts a mask
 * dimension). A row whose keys are all masked gives zeros and a
 * log-sum-exp of 0 (what stock's CPU flash kernel returns).
 *
 * One kernel call computes query rows [r0, r1) of one (batch, head): the
 * caller splits work over threads by disjoint row ranges, and hands each
 * call `scratch` of aio_f32_sdpa_scratch_floats(args, r1 - r0) floats. */
#ifndef AIO_ATTENTION_H
#define AIO_ATTENTION_H

#include <stddef.h>
#include <stdint.h>

#include "vmath/vm_dtype.h"

typedef struct aio_f32_sdpa_args {
    int64_t batch, q_heads, kv_heads;
    int64_t lq, lk;     /* query and key/value sequence lengths */
    int64_t e, ev;      /* head dims of Q/K and of V (and O) */
    int dt;             /* element type of q, k, v, o: AIO_DT_F32 or AIO_DT_BF16 */
    int mask_dt;        /* element type of mask: AIO_DT_F32 or AIO_DT_BF16 */
    const void *q;      /* [batch][q_heads][lq][e] */
    int64_t q_sb, q_sh, q_sl;
    const void *k;      /* [batch][kv_heads][lk][e] */
    int64_t k_sb, k_sh, k_sl;
    const void *v;      /* [batch][kv_heads][lk][ev] */
    int64_t v_sb, v_sh, v_sl;
    const void *mask;         /* additive, or NULL */
    int64_t m_sb, m_sh, m_sl; /* mask strides; unit stride along keys */
    int causal;
    float scale;
    void *o;            /* [batch][q_heads][lq][ev] */
    int64_t o_sb, o_sh, o_sl;
    float *lse;         /* [batch][q_heads][lq] log-sum-exp of the scaled scores, or NULL */
    int64_t l_sb, l_sh, l_sl;
} aio_f32_sdpa_args;

typedef void (*aio_f32_sdpa_fn)(const aio_f32_sdpa_args *a, int64_t b, int64_t h,
                                int64_t r0, int64_t r1, float *scratch);

/* Blocking of the flash kernels: keys per block, the most rows of a micro
 * tile and of a row block, the widest key panel (2 vectors of 16). */
#define AIO_SDPA_KB 256
#define AIO_SDPA_MR_MAX 16
#define AIO_SDPA_RB_MAX 128
#define AIO_SDPA_NR_MAX 32

/* Scratch one call over `rows` query rows needs, in floats (any variant). */
static inline size_t aio_f32_sdpa_scratch_floats(const aio_f32_sdpa_args *a, int64_t rows)
{
    const size_t rp = (size_t)rows + AIO_SDPA_MR_MAX; /* rows padded to any micro-tile height */
    const size_t evp = (size_t)(a->ev + AIO_SDPA_NR_MAX - 1) / AIO_SDPA_NR_MAX * AIO_SDPA_NR_MAX;
    const size_t e = (size_t)a->e;
    const size_t flash = rp * (e + evp + 2) + AIO_SDPA_KB * (e + evp) + (AIO_SDPA_RB_MAX + 1) * AIO_SDPA_KB;
    return flash + (size_t)a->lk + 16 + 64;
}

typedef struct aio_f32_sdpa_variant {
    const char *name;
    aio_f32_sdpa_fn fn;
    unsigned isa_required; /* enum aio_isa_flag bits; 0 = portable */
} aio_f32_sdpa_variant;

extern const aio_f32_sdpa_variant aio_f32_sdpa_variants[];
extern const size_t aio_f32_sdpa_variant_count;

typedef struct aio_f32_sdpa_config {
    aio_f32_sdpa_fn fn;
    const char *name;
} aio_f32_sdpa_config;

void aio_f32_sdpa__ref(const aio_f32_sdpa_args *a, int64_t b, int64_t h, int64_t r0, int64_t r1,
                       float *scratch);
/* Blocked (flash) kernels: kernels/attention/sdpa_flash_body.inc. */
void aio_f32_sdpa_flash_6x16__avx2(const aio_f32_sdpa_args *a, int64_t b, int64_t h, int64_t r0, int64_t r1,
                                   float *scratch);
void aio_f32_sdpa_flash_8x32__avx512f(const aio_f32_sdpa_args *a, int64_t b, int64_t h, int64_t r0,
                                      int64_t r1, float *scratch);
void aio_f32_sdpa_flash_8x8__neon(const aio_f32_sdpa_args *a, int64_t b, int64_t h, int64_t r0, int64_t r1,
                                  float *scratch);

#endif
