/* Slot selection, once at start-up: each slot starts at the portable
 * reference and is overwritten by the best variant the isa flags permit
 * (variant lists are ordered by preference). */
#include "aio_kernels.h"

#include <string.h>

/* Index of the last variant in a list whose ISA the CPU has (0: the reference). */
#define AIO_PICK(list, count, isa)                                                   \
    ({                                                                               \
        size_t best_ = 0;                                                            \
        for (size_t i_ = 1; i_ < (count); i_++)                                      \
            if (((list)[i_].isa_required & (isa)) == (list)[i_].isa_required) best_ = i_; \
        best_;                                                                       \
    })

static void pick_wgemm(aio_wgemm_config *slot, const aio_wgemm_variant *list, size_t count,
                       unsigned isa)
{
    const aio_wgemm_variant *best = &list[AIO_PICK(list, count, isa)];
    slot->fn = best->fn;
    slot->name = best->name;
    slot->nr = best->nr;
}

static void pick_rows(aio_kernels *k, unsigned isa)
{
    for (int t = 0; t < AIO_ROW_DTYPES; t++) {
        const aio_norm_variant *v = &aio_rmsnorm_variants[t][AIO_PICK(aio_rmsnorm_variants[t], aio_rmsnorm_variant_count[t], isa)];
        k->rmsnorm[t].fn = (aio_rmsnorm_fn)v->fn;
        k->rmsnorm[t].name = v->name;
        const aio_rope_variant *r = &aio_rope_variants[t][AIO_PICK(aio_rope_variants[t], aio_rope_variant_count[t], isa)];
        k->rope[t].fn = r->fn;
        k->rope[t].name = r->name;
    }
    const aio_norm_variant *l = &aio_f32_layernorm_variants[AIO_PICK(aio_f32_layernorm_variants, aio_f32_layernorm_variant_count, isa)];
    k->f32_layernorm.fn = (aio_layernorm_fn)l->fn;
    k->f32_layernorm.name = l->name;
}

/* Activation and softmax lists hold every op in one list: per op, the
 * last variant the CPU runs wins. */
static void pick_act(aio_kernels *k, unsigned isa)
{
    for (size_t i = 0; i < aio_act_variant_count; i++) {
        const aio_act_variant *v = &aio_act_variants[i];
        if ((v->isa_required & isa) == v->isa_required && v->op >= 0 && v->op < AIO_ACT_COUNT) {
            k->act[v->op].fn = v->fn;
            k->act[v->op].name = v->name;
        }
    }
    for (size_t i = 0; i < aio_softmax_variant_count; i++) {
        const aio_softmax_variant *v = &aio_softmax_variants[i];
        if ((v->isa_required & isa) == v->isa_required) {
            aio_softmax_config *slot = v->log ? &k->log_softmax : &k->softmax;
            slot->fn = v->fn;
            slot->name = v->name;
        }
    }
}

static void pick_qd8(aio_qd8_gemm_config *slot, unsigned isa)
{
    const aio_qd8_gemm_variant *best =
        &aio_qd8_f32_qc8w_gemm_variants[AIO_PICK(aio_qd8_f32_qc8w_gemm_variants, aio_qd8_f32_qc8w_gemm_variant_count, isa)];
    slot->fn = best->fn;
    slot->name = best->name;
    slot->mr = best->mr;
    slot->nr = best->nr;
    slot->a_offset = best->a_offset;
    slot->quantize = best->quantize;
    slot->max_m = best->max_m;
    slot->isa_required = best->isa_required;
}

/* One list for every table format: per format, the last variant the CPU runs wins. */
static void pick_embedding(aio_kernels *k, unsigned isa)
{
    for (size_t i = 0; i < aio_embedding_bag_variant_count; i++) {
        const aio_embedding_bag_variant *v = &aio_embedding_bag_variants[i];
        if ((v->isa_required & isa) == v->isa_required && v->fmt >= 0 && v->fmt < AIO_EMB_FMTS) {
            k->embedding_bag[v->fmt].fn = v->fn;
            k->embedding_bag[v->fmt].name = v->name;
        }
    }
}

static void pick_qc4w(aio_qc4w_gemm_config *slot, unsigned isa)
{
    const aio_qc4w_gemm_variant *best =
        &aio_qd8_f32_qc4w_gemm_variants[AIO_PICK(aio_qd8_f32_qc4w_gemm_variants, aio_qd8_f32_qc4w_gemm_variant_count, isa)];
    slot->fn = best->fn;
    slot->name = best->name;
    slot->mr = best->mr;
    slot->nr = best->nr;
    slot->quantize = best->quantize;
    slot->isa_required = best->isa_required;
}

void aio_kernels_init(aio_kernels *k, unsigned isa)
{
    memset(k, 0, sizeof *k);
    k->isa = isa;

    const aio_f32_gemm_variant *best = &aio_f32_gemm_variants[AIO_PICK(aio_f32_gemm_variants, aio_f32_gemm_variant_count, isa)];
    k->f32_gemm.fn = best->fn;
    k->f32_gemm.name = best->name;
    k->f32_gemm.mr = best->mr;
    k->f32_gemm.nr = best->nr;
    k->f32_gemm.ops = best->ops ? best->ops() : NULL;

    pick_wgemm(&k->f16w, aio_f16w_gemm_variants, aio_f16w_gemm_variant_count, isa);
    pick_wgemm(&k->bf16w, aio_bf16w_gemm_variants, aio_bf16w_gemm_variant_count, isa);
    pick_wgemm(&k->i8w, aio_i8w_gemm_variants, aio_i8w_gemm_variant_count, isa);
    pick_rows(k, isa);
    pick_act(k, isa);

    const aio_bf16_gemm_variant *bf = &aio_bf16_gemm_variants[AIO_PICK(aio_bf16_gemm_variants, aio_bf16_gemm_variant_count, isa)];
    k->bf16_gemm.fn = bf->fn;
    k->bf16_gemm.name = bf->name;
    k->bf16_gemm.mr = bf->mr;
    k->bf16_gemm.nr = bf->nr;
    k->bf16_gemm.native = bf->native;

    const aio_f32_sdpa_variant *sdpa = &aio_f32_sdpa_variants[AIO_PICK(aio_f32_sdpa_variants, aio_f32_sdpa_variant_count, isa)];
    k->f32_sdpa.fn = sdpa->fn;
    k->f32_sdpa.name = sdpa->name;
    pick_qd8(&k->qd8w, isa);

    const aio_f32_stats_variant *st = &aio_f32_stats_variants[AIO_PICK(aio_f32_stats_variants, aio_f32_stats_variant_count, isa)];
    k->f32_stats.moments = st->moments;
    k->f32_stats.apply = st->apply;
    k->f32_stats.apply_ch = st->apply_ch;
    k->f32_stats.name = st->name;
    pick_embedding(k, isa);

    /* per (dtype, op): the last variant the CPU runs wins */
    for (size_t i = 0; i < aio_argext_variant_count; i++) {
        const aio_argext_variant *v = &aio_argext_variants[i];
        if ((v->isa_required & isa) == v->isa_required) {
            k->argext[v->dt][v->op].fn = v->fn;
            k->argext[v->dt][v->op].name = v->name;
        }
    }
    pick_qc4w(&k->qc4w, isa);
}
