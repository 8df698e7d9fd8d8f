/* im2col for the GEMM lowering of convolutions (aio_conv.h). Portable C:
 * the inner copies are unit-stride runs the compiler vectorizes (a row of
 * output positions for NCHW at stride 1, a channel vector for NHWC). */
#include <string.h>

#include "aio_conv.h"

void aio_f32_im2col_nchw__ref(const aio_conv_geom *g, const float *x, float *col, int64_t s0, int64_t s1)
{
    const int64_t S = g->out[0] * g->out[1] * g->out[2];
    const int64_t plane = g->in[0] * g->in[1] * g->in[2];
    int64_t row = 0;
    for (int64_t ci = 0; ci < g->c; ci++)
        for (int64_t a = 0; a < g->k[0]; a++)
            for (int64_t b = 0; b < g->k[1]; b++)
                for (int64_t e = 0; e < g->k[2]; e++, row++) {
                    float *dst = col + row * S;
                    const float *src = x + ci * plane;
                    for (int64_t s = s0; s < s1;) {
                        const int64_t od = s / (g->out[1] * g->out[2]), oh = s / g->out[2] % g->out[1];
                        int64_t ow = s % g->out[2];
                        const int64_t id = od * g->stride[0] - g->pad[0] + a * g->dil[0];
                        const int64_t ih = oh * g->stride[1] - g->pad[1] + b * g->dil[1];
                        /* One output row (fixed od, oh) at a time. */
                        const int64_t run = g->out[2] - ow < s1 - s ? g->out[2] - ow : s1 - s;
                        if (id < 0 || id >= g->in[0] || ih < 0 || ih >= g->in[1]) {
                            memset(dst + s, 0, sizeof(float) * (size_t)run);
                        } else {
                            const float *line = src + (id * g->in[1] + ih) * g->in[2];
                            const int64_t sw = g->stride[2], off = e * g->dil[2] - g->pad[2];
                            float *d = dst + s;
                            if (sw == 1) {
                                /* Valid ow range: 0 <= ow + off < in_w. */
                                for (int64_t j = 0; j < run; j++) {
                                    const int64_t iw = ow + j + off;
                                    d[j] = iw >= 0 && iw < g->in[2] ? line[iw] : 0.f;
                                }
                            } else {
                                for (int64_t j = 0; j < run; j++) {
                                    const int64_t iw = (ow + j) * sw + off;
                                    d[j] = iw >= 0 && iw < g->in[2] ? line[iw] : 0.f;
                                }
                            }
                        }
                        s += run;
                        ow = 0;
                    }
                }
}

void aio_f32_im2col_nhwc__ref(const aio_conv_geom *g, const float *x, int64_t x_pixel_stride, float *col,
                              int64_t s0, int64_t s1)
{
    const int64_t kk = g->k[0] * g->k[1] * g->k[2], K = kk * g->c;
    for (int64_t s = s0; s < s1; s++) {
        const int64_t od = s / (g->out[1] * g->out[2]), oh = s / g->out[2] % g->out[1], ow = s % g->out[2];
        float *dst = col + s * K;
        for (int64_t a = 0; a < g->k[0]; a++)
            for (int64_t b = 0; b < g->k[1]; b++)
                for (int64_t e = 0; e < g->k[2]; e++, dst += g->c) {
                    const int64_t id = od * g->stride[0] - g->pad[0] + a * g->dil[0];
                    const int64_t ih = oh * g->stride[1] - g->pad[1] + b * g->dil[1];
                    const int64_t iw = ow * g->stride[2] - g->pad[2] + e * g->dil[2];
                    if (id < 0 || id >= g->in[0] || ih < 0 || ih >= g->in[1] || iw < 0 || iw >= g->in[2])
                        memset(dst, 0, sizeof(float) * (size_t)g->c);
                    else
                        memcpy(dst, x + ((id * g->in[1] + ih) * g->in[2] + iw) * x_pixel_stride, sizeof(float) * (size_t)g->c);
                }
    }
}
