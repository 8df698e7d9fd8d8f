/* The epilogue's `s` operand (c = alpha*ab + beta*s) for one 16-column
 * block of one row, shared by the int8 x int8 and int8 x int4 AVX-512
 * kernels. s_row points at the block's first element (row offset and
 * jb * stride_n applied); stride_n is 1 (masked load), 0 (one value per
 * row, broadcast) or any other (gathered through scratch: lanes lo..hi).
 * The includer defines AIO_INLINE with its target attribute. */
#ifndef AIO_QD8_LOAD_S_AVX512_H
#define AIO_QD8_LOAD_S_AVX512_H

#include <immintrin.h>
#include <stdint.h>

AIO_INLINE __m512 qd8_load_s16__avx512(const float *s_row, int64_t stride_n, __mmask16 km, int64_t lo, int64_t hi)
{
    if (stride_n == 1)
        return _mm512_maskz_loadu_ps(km, s_row);
    if (stride_n == 0)
        return _mm512_set1_ps(*s_row);
    float t[16] = {0};
    for (int64_t j = lo; j < hi; j++)
        t[j] = s_row[j * stride_n];
    return _mm512_loadu_ps(t);
}

#endif
