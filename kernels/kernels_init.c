/* Slot selection, once at start-up: each slot starts at the portable
 * reference and is overwritten by the best variant the isa flags permit
 * (variant lists are ordered by preference). */
#include "aio_kernels.h"

#include <string.h>

static void pick_wgemm(aio_wgemm_config *slot, const aio_wgemm_variant *list, size_t count,
                       unsigned isa)
{
    const aio_wgemm_variant *best = &list[0]; /* the reference */
    for (size_t i = 1; i < count; i++)
        if ((list[i].isa_required & isa) == list[i].isa_required)
            best = &list[i];
    slot->fn = best->fn;
    slot->name = best->name;
    slot->nr = best->nr;
}

static void pick_qd8(aio_qd8_gemm_config *slot, unsigned isa)
{
    const aio_qd8_gemm_variant *best = &aio_qd8_f32_qc8w_gemm_variants[0]; /* the reference */
    for (size_t i = 1; i < aio_qd8_f32_qc8w_gemm_variant_count; i++) {
        const aio_qd8_gemm_variant *v = &aio_qd8_f32_qc8w_gemm_variants[i];
        if ((v->isa_required & isa) == v->isa_required)
            best = v;
    }
    slot->fn = best->fn;
    slot->name = best->name;
    slot->mr = best->mr;
    slot->nr = best->nr;
    slot->a_offset = best->a_offset;
    slot->quantize = best->quantize;
    slot->max_m = best->max_m;
    slot->isa_required = best->isa_required;
}

void aio_kernels_init(aio_kernels *k, unsigned isa)
{
    memset(k, 0, sizeof *k);
    k->isa = isa;

    const aio_f32_gemm_variant *best = &aio_f32_gemm_variants[0]; /* the reference */
    for (size_t i = 1; i < aio_f32_gemm_variant_count; i++) {
        const aio_f32_gemm_variant *v = &aio_f32_gemm_variants[i];
        if ((v->isa_required & isa) == v->isa_required)
            best = v;
    }
    k->f32_gemm.fn = best->fn;
    k->f32_gemm.name = best->name;
    k->f32_gemm.mr = best->mr;
    k->f32_gemm.nr = best->nr;

    pick_wgemm(&k->f16w, aio_f16w_gemm_variants, aio_f16w_gemm_variant_count, isa);
    pick_wgemm(&k->bf16w, aio_bf16w_gemm_variants, aio_bf16w_gemm_variant_count, isa);
    pick_wgemm(&k->i8w, aio_i8w_gemm_variants, aio_i8w_gemm_variant_count, isa);
    pick_qd8(&k->qd8w, isa);
}
