/* Slot selection, once at start-up: each slot starts at the portable
 * reference and is overwritten by the best variant the isa flags permit
 * (variant lists are ordered by preference). */
#include "aio_kernels.h"

#include <string.h>

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
}
