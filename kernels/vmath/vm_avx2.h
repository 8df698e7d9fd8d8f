/* AVX2 + FMA + F16C primitives for vmath_body.inc: 8 lanes; ragged tails
 * go through a small buffer. Include only from x86 files. */
#include <immintrin.h>

#include "vm_ref.h"

typedef __m256 vf;
#define VM_LANES 8
#define VM_TARGET __attribute__((target("avx2,fma,f16c")))
#define VM_FN static inline __attribute__((always_inline)) VM_TARGET
#define VM_TARGET_ATTR VM_TARGET

VM_FN vf vm_set(float c) { return _mm256_set1_ps(c); }
VM_FN vf vm_add(vf a, vf b) { return _mm256_add_ps(a, b); }
VM_FN vf vm_sub(vf a, vf b) { return _mm256_sub_ps(a, b); }
VM_FN vf vm_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
VM_FN vf vm_div(vf a, vf b) { return _mm256_div_ps(a, b); }
VM_FN vf vm_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
/* vmaxps returns its second operand when either is NaN: x goes second. */
VM_FN vf vm_max_c(vf c, vf x) { return _mm256_max_ps(c, x); }
VM_FN vf vm_min_c(vf c, vf x) { return _mm256_min_ps(c, x); }
VM_FN vf vm_abs(vf x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.f), x); }
VM_FN vf vm_copysign(vf mag, vf sgn)
{
    const __m256 s = _mm256_set1_ps(-0.f);
    return _mm256_or_ps(_mm256_andnot_ps(s, mag), _mm256_and_ps(s, sgn));
}
VM_FN vf vm_round(vf x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
/* y * 2^n for integral n in [-150, 128] as two normal powers of two, so
 * overflow and denormal results round once, at the second product. */
VM_FN vf vm_ldexp(vf y, vf n)
{
    const __m256i ni = _mm256_cvtps_epi32(n);
    const __m256i n1 = _mm256_srai_epi32(ni, 1);
    const __m256i n2 = _mm256_sub_epi32(ni, n1);
    const __m256i bias = _mm256_set1_epi32(127);
    const __m256 p1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    const __m256 p2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(y, p1), p2);
}
VM_FN vf vm_lt_select(vf a, vf b, vf t, vf f) { return _mm256_blendv_ps(f, t, _mm256_cmp_ps(a, b, _CMP_LT_OQ)); }
VM_FN vf vm_gt_select(vf a, vf b, vf t, vf f) { return _mm256_blendv_ps(f, t, _mm256_cmp_ps(a, b, _CMP_GT_OQ)); }
VM_FN vf vm_eq_select(vf a, vf b, vf t, vf f) { return _mm256_blendv_ps(f, t, _mm256_cmp_ps(a, b, _CMP_EQ_OQ)); }
VM_FN vf vm_nan_select(vf x, vf t, vf f) { return _mm256_blendv_ps(f, t, _mm256_cmp_ps(x, x, _CMP_UNORD_Q)); }
VM_FN vf vm_frexp(vf x, vf *e)
{
    const __m256i u = _mm256_castps_si256(x);
    const __m256i ex = _mm256_and_si256(_mm256_srli_epi32(u, 23), _mm256_set1_epi32(0xff));
    *e = _mm256_cvtepi32_ps(_mm256_sub_epi32(ex, _mm256_set1_epi32(126)));
    return _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(u, _mm256_set1_epi32((int)0x807fffffu)),
                                               _mm256_set1_epi32(0x3f000000)));
}

/* Lanes k.. (k in 1..7) replaced by fill: masks a ragged tail's sum/max. */
VM_FN vf vm_keep(vf v, size_t k, float fill)
{
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256 keep = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32((int)k), lane));
    return _mm256_blendv_ps(_mm256_set1_ps(fill), v, keep);
}

VM_FN vf vm_load(int dt, const void *p, size_t i, size_t n)
{
    if (n < 8) {
        float t[8] = {0};
        for (size_t k = 0; k < n; k++)
            t[k] = vm_s_load(dt, p, i + k);
        return _mm256_loadu_ps(t);
    }
    switch (dt) {
    case AIO_DT_F16: return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)p + i)));
    case AIO_DT_BF16:
        return _mm256_castsi256_ps(_mm256_slli_epi32(
            _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)((const uint16_t *)p + i))), 16));
    default: return _mm256_loadu_ps((const float *)p + i);
    }
}

VM_FN __m128i vm_to_bf16(vf v)
{
    const __m256i u = _mm256_castps_si256(v);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
    __m256i r = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(u, _mm256_set1_epi32(0x7fff)), lsb), 16);
    const __m256i q = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(0x40));
    r = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(r), _mm256_castsi256_ps(q),
                                             _mm256_cmp_ps(v, v, _CMP_UNORD_Q)));
    /* every lane now fits 16 bits: pack, then gather the two halves */
    const __m256i pk = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0xD8);
    return _mm256_castsi256_si128(pk);
}

VM_FN void vm_store(int dt, void *p, size_t i, vf v, size_t n)
{
    if (n < 8) {
        float t[8];
        _mm256_storeu_ps(t, v);
        for (size_t k = 0; k < n; k++)
            vm_s_store(dt, p, i + k, t[k]);
        return;
    }
    switch (dt) {
    case AIO_DT_F16:
        _mm_storeu_si128((__m128i *)((uint16_t *)p + i), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        break;
    case AIO_DT_BF16: _mm_storeu_si128((__m128i *)((uint16_t *)p + i), vm_to_bf16(v)); break;
    default: _mm256_storeu_ps((float *)p + i, v); break;
    }
}
VM_FN float vm_hmax(vf v)
{
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}
VM_FN float vm_hsum(vf v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
