/* AVX-512 primitives for vmath_body.inc: 16 lanes; masked loads and
 * stores make ragged tails free. Include only from x86 files. */
#include <immintrin.h>

#include "vm_ref.h"

typedef __m512 vf;
#define VM_LANES 16
#define VM_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,f16c")))
#define VM_FN static inline __attribute__((always_inline)) VM_TARGET
#define VM_TARGET_ATTR VM_TARGET

VM_FN vf vm_set(float c) { return _mm512_set1_ps(c); }
VM_FN vf vm_add(vf a, vf b) { return _mm512_add_ps(a, b); }
VM_FN vf vm_sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
VM_FN vf vm_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
VM_FN vf vm_div(vf a, vf b) { return _mm512_div_ps(a, b); }
VM_FN vf vm_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
/* vmaxps returns its second operand when either is NaN: x goes second. */
VM_FN vf vm_max_c(vf c, vf x) { return _mm512_max_ps(c, x); }
VM_FN vf vm_min_c(vf c, vf x) { return _mm512_min_ps(c, x); }
VM_FN vf vm_abs(vf x) { return _mm512_abs_ps(x); }
VM_FN vf vm_copysign(vf mag, vf sgn)
{
    const __m512i s = _mm512_set1_epi32((int)0x80000000u);
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_andnot_si512(s, _mm512_castps_si512(mag)),
                                               _mm512_and_si512(s, _mm512_castps_si512(sgn))));
}
VM_FN vf vm_round(vf x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
/* vscalefps: y * 2^n with IEEE overflow and denormal results. */
VM_FN vf vm_ldexp(vf y, vf n) { return _mm512_scalef_ps(y, n); }
VM_FN vf vm_lt_select(vf a, vf b, vf t, vf f) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), f, t); }
VM_FN vf vm_gt_select(vf a, vf b, vf t, vf f) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_GT_OQ), f, t); }
VM_FN vf vm_eq_select(vf a, vf b, vf t, vf f) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ), f, t); }
VM_FN vf vm_nan_select(vf x, vf t, vf f) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), f, t); }
VM_FN vf vm_frexp(vf x, vf *e)
{
    *e = _mm512_add_ps(_mm512_getexp_ps(x), _mm512_set1_ps(1.f));
    return _mm512_getmant_ps(x, _MM_MANT_NORM_p5_1, _MM_MANT_SIGN_zero);
}

VM_FN __mmask16 vm_mask(size_t n) { return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u); }
/* Lanes k.. replaced by fill: masks a ragged tail's sum/max. */
VM_FN vf vm_keep(vf v, size_t k, float fill) { return _mm512_mask_blend_ps(vm_mask(k), _mm512_set1_ps(fill), v); }

/* Full vectors use plain loads and stores: masked stores are slow on some
 * AVX-512 cores (AMD Zen 4 among them), even with every lane set. */
VM_FN vf vm_load(int dt, const void *p, size_t i, size_t n)
{
    if (n >= 16) {
        switch (dt) {
        case AIO_DT_F16: return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)((const uint16_t *)p + i)));
        case AIO_DT_BF16:
            return _mm512_castsi512_ps(_mm512_slli_epi32(
                _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)((const uint16_t *)p + i))), 16));
        default: return _mm512_loadu_ps((const float *)p + i);
        }
    }
    const __mmask16 m = vm_mask(n);
    switch (dt) {
    case AIO_DT_F16: return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, (const uint16_t *)p + i));
    case AIO_DT_BF16:
        return _mm512_castsi512_ps(
            _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, (const uint16_t *)p + i)), 16));
    default: return _mm512_maskz_loadu_ps(m, (const float *)p + i);
    }
}

/* bf16: round to nearest even; NaN keeps its top bits, made quiet, as
 * aio_f32_to_bf16 does. */
VM_FN __m256i vm_to_bf16(vf v)
{
    const __m512i u = _mm512_castps_si512(v);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    __m512i r = _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7fff)), lsb), 16);
    const __m512i q = _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x40));
    r = _mm512_mask_blend_epi32(_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), r, q);
    return _mm512_cvtepi32_epi16(r);
}

VM_FN void vm_store(int dt, void *p, size_t i, vf v, size_t n)
{
    if (n >= 16) {
        switch (dt) {
        case AIO_DT_F16:
            _mm256_storeu_si256((__m256i *)((uint16_t *)p + i),
                                _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
            break;
        case AIO_DT_BF16: _mm256_storeu_si256((__m256i *)((uint16_t *)p + i), vm_to_bf16(v)); break;
        default: _mm512_storeu_ps((float *)p + i, v); break;
        }
        return;
    }
    const __mmask16 m = vm_mask(n);
    switch (dt) {
    case AIO_DT_F16:
        _mm256_mask_storeu_epi16((uint16_t *)p + i, m, _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        break;
    case AIO_DT_BF16: _mm256_mask_storeu_epi16((uint16_t *)p + i, m, vm_to_bf16(v)); break;
    default: _mm512_mask_storeu_ps((float *)p + i, m, v); break;
    }
}
VM_FN float vm_hmax(vf v) { return _mm512_reduce_max_ps(v); }
VM_FN float vm_hsum(vf v) { return _mm512_reduce_add_ps(v); }
