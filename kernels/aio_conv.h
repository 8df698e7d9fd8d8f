/* Convolution lowering onto the fp32 GEMM (aio_f32_gemm.h): im2col for 1-D,
 * 2-D and 3-D convolutions (lower dims given as size 1), both layouts.
 *
 * Geometry (aio_conv_geom): spatial sizes in[3] of the input and out[3] of
 * the output, kernel k[3], stride, padding (before; after is implied by
 * out), dilation, all ordered (D, H, W); c channels of one group.
 *
 * nchw: x points at channel 0 of the group in one image, channel planes
 *       in_d*in_h*in_w apart. col is [c*kd*kh*kw][S], S = out_d*out_h*out_w,
 *       row (ci, kd, kh, kw) — the order of a [Cout, Cin, kd, kh, kw]
 *       weight row, so out = W @ col.
 * nhwc: x points at channel 0 of the group in one image, pixels
 *       x_pixel_stride floats apart (the total channel count). col is
 *       [S][kd*kh*kw*c], column (kd, kh, kw, ci) — the order of a
 *       channels_last weight row, so out = col @ W^T.
 * Taps that fall into the padding are 0. Rows [s0, s1) of the output
 * positions only (callers split over threads). */
#ifndef AIO_CONV_H
#define AIO_CONV_H

#include <stdint.h>

typedef struct aio_conv_geom {
    int64_t c;
    int64_t in[3], out[3], k[3], stride[3], pad[3], dil[3];
} aio_conv_geom;

void aio_f32_im2col_nchw__ref(const aio_conv_geom *g, const float *x, float *col, int64_t s0, int64_t s1);
void aio_f32_im2col_nhwc__ref(const aio_conv_geom *g, const float *x, int64_t x_pixel_stride, float *col,
                              int64_t s0, int64_t s1);

#endif
